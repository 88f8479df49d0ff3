"""Bodies, seats, projects and meetings on every backend."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

import pytest

from coledger import Ledger, Rule, Seat
from coledger.errors import (
    InvalidIdError,
    InvalidRuleError,
    NotAMemberError,
    NotASeatHolderError,
    OfficeTakenError,
    SeatAlreadyHeldError,
    TimeOrderError,
    UnknownBodyError,
    UnknownCodeError,
    UnknownMeetingError,
    UnknownProjectError,
    WrongStateError,
)
from helpers import count_events, refused


def test_body_rule_and_seats(ledger: Ledger) -> None:
    """A body keeps its rule and seats; only voting seats make voting members."""
    admin = ledger.register_member("Admin", role="staff")
    chair, sec, adv, obs, exo = (
        ledger.register_member(name) for name in ("Chair", "Sec", "Adv", "Obs", "Exo")
    )
    rule = Rule.supermajority(Fraction(2, 3), quorum=0.5, lived_experience_quorum=1)
    board = ledger.establish_body("Board", kind="governance", rule=rule, by=admin)
    group = ledger.establish_body("Group", kind="working_group")
    assert ledger.body(group).rule == Rule.majority()
    assert [b.id for b in ledger.bodies()] == [board, group]

    ledger.assign_seat(board, chair, seat="voting", office="chair", by=admin)
    ledger.assign_seat(board, sec, office="secretary", by=admin)
    ledger.assign_seat(board, adv, seat="advisory", by=admin)
    ledger.assign_seat(board, obs, seat="observer", by=admin)
    ledger.assign_seat(board, exo, seat="ex_officio", office="vice_chair", by=admin)
    view = ledger.body(board)
    assert (view.name, view.kind, view.rule) == ("Board", "governance", rule)
    assert set(view.seats) == {
        Seat(chair, "voting", "chair"),
        Seat(sec, "voting", "secretary"),
        Seat(adv, "advisory", None),
        Seat(obs, "observer", None),
        Seat(exo, "ex_officio", "vice_chair"),
    }
    assert view.voting_members == (chair, sec)

    with refused(ledger, SeatAlreadyHeldError):
        ledger.assign_seat(board, adv, seat="voting", by=admin)
    with refused(ledger, OfficeTakenError):
        ledger.assign_seat(board, admin, office="chair", by=admin)
    with refused(ledger, OfficeTakenError):
        ledger.assign_seat(board, admin, seat="observer", office="secretary", by=admin)

    # Co-chairs may be several; a vacated office can be filled again.
    ledger.assign_seat(board, admin, office="co_chair", by=admin)
    ledger.vacate_seat(board, chair, by=admin)
    helper = ledger.register_member("Second co-chair")
    ledger.assign_seat(board, helper, office="co_chair", by=admin)
    ledger.assign_seat(board, chair, seat="observer", office="chair", by=admin)
    seats = {s.member: s for s in ledger.body(board).seats}
    assert seats[chair] == Seat(chair, "observer", "chair")
    assert seats[admin].office == seats[helper].office == "co_chair"
    assert chair not in ledger.body(board).voting_members

    ledger.change_rule(board, Rule.consent(), by=admin)
    assert ledger.body(board).rule == Rule.consent()


def test_vacating_and_seating_refusals(ledger: Ledger) -> None:
    """Vacating an unheld seat, unknown bodies and non-members are refused."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body("Board", kind="advisory", by=admin)
    with refused(ledger, NotASeatHolderError):
        ledger.vacate_seat(board, sam, by=admin)
    with refused(ledger, NotASeatHolderError):
        ledger.vacate_seat(board, uuid4(), by=admin)
    ledger.assign_seat(board, sam, by=admin)
    ledger.vacate_seat(board, sam, by=admin)
    with refused(ledger, NotASeatHolderError):
        ledger.vacate_seat(board, sam, by=admin)
    assert ledger.body(board).seats == ()

    with refused(ledger, UnknownBodyError):
        ledger.assign_seat(uuid4(), sam, by=admin)
    with refused(ledger, UnknownBodyError):
        ledger.assign_seat(sam, sam, by=admin)  # a member is not a body
    with refused(ledger, UnknownBodyError):
        ledger.vacate_seat(uuid4(), sam, by=admin)
    with refused(ledger, UnknownBodyError):
        ledger.change_rule(uuid4(), Rule.consent(), by=admin)
    with refused(ledger, UnknownBodyError):
        ledger.body(uuid4())
    with refused(ledger, InvalidIdError):
        ledger.assign_seat("board", sam, by=admin)  # type: ignore[arg-type]
    with refused(ledger, InvalidIdError):
        ledger.vacate_seat(board, "sam", by=admin)  # type: ignore[arg-type]
    with refused(ledger, NotAMemberError):
        ledger.assign_seat(board, uuid4(), by=admin)
    with refused(ledger, NotAMemberError):
        ledger.assign_seat(board, sam, by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.vacate_seat(board, sam, by=board)
    with refused(ledger, NotAMemberError):
        ledger.establish_body("Other", kind="advisory", by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.change_rule(board, Rule.consent(), by=uuid4())
    with refused(ledger, InvalidRuleError):
        ledger.change_rule(board, "consent", by=admin)  # type: ignore[arg-type]
    with refused(ledger, InvalidRuleError):
        ledger.establish_body("X", kind="advisory", rule="majority")  # type: ignore[arg-type]


def test_seat_changes_go_forward_in_business_time(ledger: Ledger) -> None:
    """A seat change never goes back before the last change of its member or office."""
    admin = ledger.register_member("Admin", role="staff")
    alice, bob, cat = (ledger.register_member(n) for n in ("Alice", "Bob", "Cat"))

    def on(month: int) -> datetime:
        return datetime(2024, month, 1, tzinfo=UTC)

    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=on(1) - timedelta(30)
    )
    ledger.assign_seat(board, alice, office="chair", by=admin, occurred_at=on(1))
    with refused(ledger, TimeOrderError):  # a vacate before its assignment
        ledger.vacate_seat(board, alice, by=admin, occurred_at=on(1) - timedelta(1))
    ledger.vacate_seat(board, alice, by=admin, occurred_at=on(12))
    # Neither a second chair nor a second seat for Alice while she sat (Jan-Dec).
    with refused(ledger, TimeOrderError):
        ledger.assign_seat(board, bob, office="chair", by=admin, occurred_at=on(6))
    with refused(ledger, TimeOrderError):
        ledger.assign_seat(board, alice, by=admin, occurred_at=on(6))
    # Other members and offices keep their own order; co-chairs may overlap.
    ledger.assign_seat(board, bob, office="secretary", by=admin, occurred_at=on(6))
    ledger.assign_seat(board, cat, office="co_chair", by=admin, occurred_at=on(2))
    ledger.assign_seat(board, admin, office="co_chair", by=admin, occurred_at=on(3))
    with refused(ledger, TimeOrderError):
        ledger.vacate_seat(board, bob, by=admin, occurred_at=on(5))
    # The same moment as the last change follows it: the office passes on at once.
    ledger.assign_seat(board, alice, office="chair", by=admin, occurred_at=on(12))
    ledger.vacate_seat(board, bob, by=admin, occurred_at=on(6))
    ledger.assign_seat(board, bob, by=admin, occurred_at=on(6))
    assert {s.member: s.office for s in ledger.body(board).seats} == {
        alice: "chair",
        cat: "co_chair",
        admin: "co_chair",
        bob: None,
    }


def test_seats_come_no_earlier_than_their_body(ledger: Ledger) -> None:
    """A seat dated before its body was established is refused, naming both times."""
    admin = ledger.register_member("Admin", role="staff")
    alice = ledger.register_member("Alice")
    founded = datetime(2024, 3, 1, tzinfo=UTC)
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=founded
    )
    with refused(ledger, TimeOrderError, match="before the body was established"):
        ledger.assign_seat(
            board, alice, by=admin, occurred_at=founded - timedelta(days=1)
        )
    ledger.assign_seat(board, alice, office="chair", by=admin, occurred_at=founded)
    assert ledger.body(board).voting_members == (alice,)


def test_a_seat_at_the_default_time_follows_a_body_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, a seat change is dated no earlier than its body's founding."""
    admin = ledger.register_member("Admin", role="staff")
    alice = ledger.register_member("Alice")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=ahead
    )
    ledger.assign_seat(board, alice, by=admin)
    seated = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__ == "Body.SeatAssigned"
    ]
    assert seated == [ahead]


def test_rule_changes_go_forward_in_business_time(ledger: Ledger) -> None:
    """A rule change before the body, or before its last rule change, is refused."""
    admin = ledger.register_member("Admin", role="staff")

    def on(month: int) -> datetime:
        return datetime(2024, month, 1, tzinfo=UTC)

    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=on(3)
    )
    with refused(ledger, TimeOrderError, match=re.escape(on(3).isoformat())):
        ledger.change_rule(board, Rule.consent(), by=admin, occurred_at=on(2))
    ledger.change_rule(board, Rule.consent(), by=admin, occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="current rule"):
        ledger.change_rule(board, Rule.consensus(), by=admin, occurred_at=on(5))
    assert ledger.body(board).rule == Rule.consent()
    ledger.change_rule(board, Rule.consensus(), by=admin)  # now: after June 2024
    assert ledger.body(board).rule == Rule.consensus()


def test_projects_lifecycle(ledger: Ledger) -> None:
    """A project is started, relabelled and finished, with no-op repeats not stored."""
    admin = ledger.register_member("Admin", role="staff")
    plan = ledger.start_project(
        "Summer festival",
        label="co_production",
        description="Plan the festival together.\nAll year.",
        by=admin,
    )
    view = ledger.project(plan)
    assert (view.name, view.label, view.finished) == (
        "Summer festival",
        "co_production",
        False,
    )
    assert view.description == "Plan the festival together.\nAll year."
    ledger.relabel_project(plan, "consultation", by=admin)
    assert ledger.project(plan).label == "consultation"
    before = count_events(ledger)
    ledger.relabel_project(plan, "consultation", by=admin)
    assert count_events(ledger) == before
    ledger.finish_project(plan, by=admin)
    assert ledger.project(plan).finished is True
    ledger.finish_project(plan, by=admin)
    assert count_events(ledger) == before + 1
    other = ledger.start_project("Other", label="other", by=admin)
    assert [p.id for p in ledger.projects()] == [plan, other]

    with refused(ledger, UnknownProjectError):
        ledger.relabel_project(uuid4(), "other", by=admin)
    with refused(ledger, UnknownProjectError):
        ledger.finish_project(admin, by=admin)
    with refused(ledger, UnknownProjectError):
        ledger.project(uuid4())
    with refused(ledger, NotAMemberError):
        ledger.start_project("P", label="other", by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.relabel_project(plan, "other", by=uuid4())


def test_a_project_is_relabelled_and_finished_no_earlier_than_it_started(
    ledger: Ledger,
) -> None:
    """A new label or a finish dated before the project started is refused."""
    admin = ledger.register_member("Admin", role="staff")
    started = datetime(2024, 4, 1, tzinfo=UTC)
    before = started - timedelta(days=1)
    plan = ledger.start_project(
        "Festival", label="co_production", by=admin, occurred_at=started
    )
    with refused(ledger, TimeOrderError, match="before the project started"):
        ledger.relabel_project(plan, "consultation", by=admin, occurred_at=before)
    with refused(ledger, TimeOrderError, match="before the project started"):
        # the label it started with, but no label was in force before the start
        ledger.relabel_project(plan, "co_production", by=admin, occurred_at=before)
    with refused(ledger, TimeOrderError, match=re.escape(started.isoformat())):
        ledger.finish_project(plan, by=admin, occurred_at=before)
    ledger.relabel_project(plan, "consultation", by=admin, occurred_at=started)
    ledger.finish_project(plan, by=admin, occurred_at=started)
    view = ledger.project(plan)
    assert (view.label, view.finished) == ("consultation", True)


def festival_relabelled_on_day_10(ledger: Ledger) -> tuple[UUID, datetime, UUID]:
    """An admin, a start day and a co-production project relabelled 10 days on."""
    admin = ledger.register_member("Admin", role="staff")
    started = datetime(2024, 4, 1, tzinfo=UTC)
    plan = ledger.start_project(
        "Festival", label="co_production", by=admin, occurred_at=started
    )
    ledger.relabel_project(
        plan, "consultation", by=admin, occurred_at=started + timedelta(days=10)
    )
    return admin, started, plan


def test_a_finished_project_finished_again_at_another_time_is_refused(
    ledger: Ledger,
) -> None:
    """A second finish at its own time records nothing; at another it is refused."""
    admin, started, plan = festival_relabelled_on_day_10(ledger)
    ended = started + timedelta(days=20)
    ledger.finish_project(plan, by=admin, occurred_at=ended)
    before = count_events(ledger)
    for other in (started + timedelta(days=15), started + timedelta(days=25)):
        with refused(ledger, WrongStateError, match=re.escape(ended.isoformat())):
            ledger.finish_project(plan, by=admin, occurred_at=other)
    ledger.finish_project(plan, by=admin, occurred_at=ended)
    ledger.finish_project(plan, by=admin)
    assert count_events(ledger) == before
    assert ledger.project(plan).finished


def test_a_project_s_label_is_the_one_given_at_the_latest_business_time(
    ledger: Ledger,
) -> None:
    """A relabelling recorded late but dated earlier leaves the later label in force."""
    admin, started, plan = festival_relabelled_on_day_10(ledger)
    ledger.relabel_project(
        plan, "co_design", by=admin, occurred_at=started + timedelta(days=5)
    )
    assert ledger.project(plan).label == "consultation"  # as the reports read it
    before = count_events(ledger)
    later = started + timedelta(days=20)
    ledger.relabel_project(plan, "co_design", by=admin, occurred_at=later)
    assert count_events(ledger) == before + 1  # a change, not the label in force
    assert ledger.project(plan).label == "co_design"
    assert ledger.facts().projects[plan].label_by(None) == "co_design"


def test_a_relabelling_dated_earlier_is_a_change_against_the_label_then(
    ledger: Ledger,
) -> None:
    """A label recorded late is compared with the label in force at its own time."""
    admin, started, plan = festival_relabelled_on_day_10(ledger)
    before = count_events(ledger)
    ledger.relabel_project(
        plan, "consultation", by=admin, occurred_at=started + timedelta(days=5)
    )
    assert count_events(ledger) == before + 1  # a change on day 5
    assert ledger.facts().projects[plan].label_by(started + timedelta(days=7)) == (
        "consultation"
    )
    ledger.relabel_project(  # the label in force on day 6 already: nothing to record
        plan, "consultation", by=admin, occurred_at=started + timedelta(days=6)
    )
    assert count_events(ledger) == before + 1


def test_a_project_step_at_the_default_time_follows_a_start_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, a new label and the finish follow the project's start."""
    admin = ledger.register_member("Admin", role="staff")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    plan = ledger.start_project(
        "Festival", label="co_production", by=admin, occurred_at=ahead
    )
    start = ledger.position
    ledger.relabel_project(plan, "co_design", by=admin)
    ledger.finish_project(plan, by=admin)
    assert [r.event.occurred_at for r in ledger.history(after=start)] == [ahead] * 2


def test_attendance_dated_before_the_meeting_starts_is_refused(ledger: Ledger) -> None:
    """Nobody takes part before a meeting starts; by default it is dated then."""
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    starts = datetime.now(UTC) + timedelta(days=7)
    meeting = ledger.schedule_meeting(
        board, kind="workshop", title="W", starts_at=starts, by=admin
    )
    with refused(ledger, TimeOrderError, match="before its start"):
        ledger.record_attendance(
            meeting, admin, by=admin, occurred_at=starts - timedelta(minutes=1)
        )
    assert dict(ledger.meeting(meeting).attendance) == {}
    mark = ledger.position
    ledger.record_attendance(meeting, admin, by=admin)  # checked in at the door
    ledger.record_attendance(meeting, admin, by=admin, occurred_at=starts)
    times = [r.event.occurred_at for r in ledger.history(after=mark)]
    assert times == [starts, starts]


def test_meetings_papers_attendance_and_check_ins(ledger: Ledger) -> None:
    """A meeting records its papers, attendance (latest mode) and check-ins."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    plan = ledger.start_project("Plan", label="co_design", by=admin)
    bst = timezone(timedelta(hours=1))
    starts = datetime(2024, 6, 3, 18, 0, tzinfo=bst)
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="June board",
        starts_at=starts,
        project=plan,
        by=admin,
    )
    issued = datetime(2024, 5, 27, 9, 0, tzinfo=UTC)
    ledger.issue_papers(
        meeting, formats=["STD", "ER", "STD", "LP"], by=admin, occurred_at=issued
    )
    ledger.record_attendance(meeting, sam, mode="remote", by=admin)
    ledger.record_attendance(meeting, admin, by=admin)
    ledger.record_attendance(meeting, sam, mode="in_person", by=admin)
    ledger.hold_check_in(meeting, by=admin)
    ledger.hold_check_in(meeting, by=sam)
    view = ledger.meeting(meeting)
    assert (view.body, view.kind, view.title, view.project) == (
        board,
        "decision_meeting",
        "June board",
        plan,
    )
    assert view.starts_at == starts
    assert view.starts_at.utcoffset() is not None
    assert view.papers == (("STD", issued), ("ER", issued), ("LP", issued))
    assert dict(view.attendance) == {sam: "in_person", admin: "in_person"}
    assert view.check_ins == 2
    assert [m.id for m in ledger.meetings()] == [meeting]

    with refused(ledger, UnknownBodyError):
        ledger.schedule_meeting(
            uuid4(), kind="workshop", title="W", starts_at=starts, by=admin
        )
    with refused(ledger, UnknownProjectError):
        ledger.schedule_meeting(
            board, kind="workshop", title="W", starts_at=starts, project=board, by=admin
        )
    with refused(ledger, NotAMemberError):
        ledger.schedule_meeting(
            board, kind="workshop", title="W", starts_at=starts, by=uuid4()
        )
    with refused(ledger, UnknownMeetingError):
        ledger.issue_papers(uuid4(), by=admin)
    with refused(ledger, UnknownMeetingError):
        ledger.record_attendance(board, sam, by=admin)
    with refused(ledger, UnknownMeetingError):
        ledger.hold_check_in(plan, by=admin)
    with refused(ledger, UnknownMeetingError):
        ledger.meeting(uuid4())
    with refused(ledger, NotAMemberError):
        ledger.record_attendance(meeting, uuid4(), by=admin)
    with refused(ledger, NotAMemberError):
        ledger.hold_check_in(meeting, by=uuid4())


def test_a_rule_recorded_before_the_quorum_limit_still_replays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A lived-experience quorum above today's limit, once stored, reads back."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Ada Admin", role="staff")
        crowded = Rule.majority(lived_experience_quorum=20_000)
        with monkeypatch.context() as older:  # as a version without the limit did
            older.setattr(Rule, "check_recordable", lambda rule: rule)
            board = ledger.establish_body(
                "Board", kind="governance", rule=crowded, by=admin
            )
        assert ledger.body(board).rule == crowded
        assert ledger.power_sharing().indicators
        with pytest.raises(InvalidRuleError, match="at most"):
            ledger.change_rule(board, crowded, by=admin)


def test_a_rule_change_recorded_out_of_order_leaves_the_later_rule_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where rule changes came out of order (older ledgers), votes take the latest."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Ada Admin", role="staff")
        board = ledger.establish_body(
            "Board", kind="governance", by=admin, occurred_at=start
        )
        ledger.assign_seat(board, admin, by=admin, occurred_at=start)
        later = start + timedelta(days=20)
        ledger.change_rule(board, Rule.consensus(), by=admin, occurred_at=later)
        with monkeypatch.context() as older:  # as a version without the order did
            older.setattr("coledger.domain.body.check_not_before", lambda *_: None)
            ledger.change_rule(
                board, Rule.consent(), by=admin, occurred_at=start + timedelta(10)
            )
        assert ledger.facts().bodies[board].rule_at(later).kind == "consensus"
        assert ledger.body(board).rule == Rule.consensus()
        p = ledger.raise_proposal(
            board, proposers=[admin], title="T", text="x", occurred_at=later
        )
        ledger.open_voting(p, by=admin, occurred_at=later)
        assert ledger.proposal(p).rule == Rule.consensus()


def test_a_code_too_long_to_write_is_refused_as_an_unknown_code(
    memory_ledger: Ledger,
) -> None:
    """A seat, office, kind or label of 10**5000 raises UnknownCodeError, sized."""
    ledger = memory_ledger
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    plan = ledger.start_project("Festival", label="co_production", by=admin)
    huge: Any = 10**5000  # more digits than Python writes out
    for command in (
        lambda: ledger.assign_seat(board, admin, seat=huge, by=admin),
        lambda: ledger.assign_seat(board, admin, office=huge, by=admin),
        lambda: ledger.establish_body("Panel", kind=huge, by=admin),
        lambda: ledger.relabel_project(plan, huge, by=admin),
    ):
        with refused(ledger, UnknownCodeError, match="5,001 digits is not one of"):
            command()


def test_a_rule_change_to_the_rule_in_force_records_nothing(
    memory_ledger: Ledger,
) -> None:
    """Restating the rule in force writes no event, so it holds no later entry back."""
    ledger = memory_ledger
    admin = ledger.register_member("Admin", role="staff")
    founded = datetime(2024, 1, 1, tzinfo=UTC)
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=founded
    )
    before = count_events(ledger)
    ledger.change_rule(
        board, Rule.majority(), by=admin, occurred_at=founded + timedelta(days=150)
    )
    assert count_events(ledger) == before
    # Minutes of March entered after: the rule was not changed in June.
    ledger.change_rule(
        board, Rule.consent(), by=admin, occurred_at=founded + timedelta(days=60)
    )
    assert ledger.body(board).rule == Rule.consent()
    assert count_events(ledger) == before + 1
