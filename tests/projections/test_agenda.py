"""Agenda and initiative (A1-A3) on small hand-built histories, worked out by hand."""

from __future__ import annotations

from uuid import UUID

import pytest

from coledger import Ledger
from coledger.projections.agenda import (
    a1,
    a2,
    a3,
    compute,
    first_design_decision,
    formative,
)
from coledger.projections.lens import INSUFFICIENT, Scope
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, decide, lens, person

TH = Thresholds()


def raise_(
    ledger: Ledger,
    body: UUID,
    proposers: list[UUID],
    on: float,
    *,
    project: UUID | None = None,
    phase: str | None = None,
    meeting: UUID | None = None,
) -> UUID:
    """Raise a proposal on day *on*."""
    return ledger.raise_proposal(
        body,
        proposers=proposers,
        title="A proposal",
        text="Some words.",
        project=project,
        phase=phase,
        meeting=meeting,
        occurred_at=day(on),
    )


# A1 ---------------------------------------------------------------------------------


def test_a1_counts_each_proposal_once_and_bands_by_parity(
    memory_ledger: Ledger,
) -> None:
    """A1 is the share of proposals with an LE proposer; parity divides by members."""
    ledger = memory_ledger
    admin = person(ledger, "Admin", none_from=0)
    le1 = person(ledger, "Lee", le_from=0)
    le2 = person(ledger, "Lou", le_from=0)
    staff = person(ledger, "Sol", none_from=0)
    quiet = person(ledger, "Una")  # never answers the question
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [le1], 10)
    raise_(ledger, board, [admin, le2], 11)  # co-proposed: counted once
    raise_(ledger, board, [admin], 12)
    raise_(ledger, board, [quiet], 13)
    del staff
    figure = a1(lens(ledger), TH)
    # LE proposals: the first two of four -> 2/4 = 0.5.
    # Eligible at every raise: 5 members, 2 with LE -> base 0.4; parity 0.5/0.4 = 1.25.
    assert figure.value == pytest.approx(0.5)
    assert figure.n == 4
    assert figure.band == "parity"
    assert figure.note == "parity 1.25"
    # First proposers: le1, admin, admin declared; quiet did not -> 3/4.
    assert figure.coverage == pytest.approx(0.75)
    # With a stricter cut the same record is below parity.
    assert a1(lens(ledger), Thresholds(parity=1.5)).band == "below_parity"


def test_a1_s_note_never_rounds_its_parity_onto_the_cut(
    memory_ledger: Ledger,
) -> None:
    """A1's note writes a parity just under its cut as under it, not as the cut."""
    ledger = memory_ledger
    early = [person(ledger, f"Lee {n}", le_from=0) for n in range(3)]
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for n, member in enumerate(early):
        raise_(ledger, board, [member], 1 + n)  # base 3 of 3 at each
    for n in range(7):
        person(ledger, f"Lou {n}", le_from=5, joined=5)
    staff = [person(ledger, f"Sol {n}", none_from=5, joined=5) for n in range(3)]
    raise_(ledger, board, [staff[0]], 6)  # base 10 of 13
    figure = a1(lens(ledger), TH)
    # 3 of 4 proposals over a mean base of (3 + 10/13) / 4: parity 0.7959...
    assert figure.band == "below_parity"
    assert figure.note == "parity 0.796"
    # One at its cut by all but rounding, (2/3) / (5/6), is written as the cut.
    with Ledger.open("memory://") as other:
        lee = [person(other, f"Lee {n}", le_from=0) for n in range(5)]
        sol = person(other, "Sol", none_from=0)
        forum = other.establish_body("Board", kind="governance", occurred_at=day(0))
        for n, proposer in enumerate((lee[0], lee[1], sol)):
            raise_(other, forum, [proposer], 1 + n)
        at_cut = a1(lens(other), TH)
    assert (at_cut.band, at_cut.note) == ("parity", "parity 0.80")


def test_a1_reads_lived_experience_as_it_stood_at_each_raise(
    memory_ledger: Ledger,
) -> None:
    """A member who declares later does not make their earlier proposals LE."""
    ledger = memory_ledger
    yan = person(ledger, "Yan")
    person(ledger, "Zoe", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [yan], 5)
    ledger.declare_lived_experience(yan, categories=["CARER"], occurred_at=day(10))
    raise_(ledger, board, [yan], 15)
    figure = a1(lens(ledger), TH)
    # Day 5: Yan not yet LE; day 15: LE -> share 1/2.
    # Base: day 5 0/2 = 0, day 15 1/2 -> mean 0.25; parity 0.5 / 0.25 = 2.0.
    assert figure.value == pytest.approx(0.5)
    assert figure.note == "parity 2.00"
    assert figure.band == "parity"
    # Coverage: Yan undeclared on day 5, declared on day 15 -> 1/2.
    assert figure.coverage == pytest.approx(0.5)


def test_a1_withdrawal_makes_past_proposals_count_as_undeclared(
    memory_ledger: Ledger,
) -> None:
    """After a withdrawal, the member's earlier proposals count as undeclared."""
    ledger = memory_ledger
    wyn = person(ledger, "Wyn", le_from=0)
    person(ledger, "Vic", le_from=0)
    person(ledger, "Zoe", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [wyn], 5)
    ledger.withdraw_lived_experience(wyn, occurred_at=day(10))
    figure = a1(lens(ledger), TH)
    # Wyn's declaration is unreadable now: the proposal is not LE -> share 0/1.
    # Base on day 5: Vic only -> 1/3; parity 0 -> below parity.
    assert figure.value == 0
    assert figure.note == "parity 0.00"
    assert figure.band == "below_parity"
    # Wyn counts as never having declared -> coverage 0/1.
    assert figure.coverage == 0


def test_a1_parity_is_undefined_without_lived_experience_members(
    memory_ledger: Ledger,
) -> None:
    """With no LE member at all, the share is 0 and parity has no band."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [staff], 3)
    figure = a1(lens(ledger), TH)
    assert figure.value == 0
    assert figure.band is None
    assert figure.note is not None
    assert "parity undefined" in figure.note


def test_a1_parity_is_undefined_once_every_member_is_erased(
    memory_ledger: Ledger,
) -> None:
    """With no readable lived experience left at a raise, parity is undefined."""
    ledger = memory_ledger
    ada = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [lee], 5)
    ledger.erase_member(lee, by=ada, occurred_at=day(20))
    ledger.erase_member(ada, by=ada, occurred_at=day(21))
    figure = a1(lens(ledger), TH)
    # Both were still members on day 5, but neither's declaration can be read
    # now: no member had lived experience then, so no share to compare with.
    # The proposal is not LE -> value 0/1, undeclared -> coverage 0/1.
    assert (figure.value, figure.n, figure.coverage) == (0, 1, 0)
    assert figure.band is None
    assert figure.note == "parity undefined: no eligible member had lived experience"


def test_a1_follows_the_scope_and_the_period(memory_ledger: Ledger) -> None:
    """A1 counts only the proposals of the body, project or period asked about."""
    ledger = memory_ledger
    le = person(ledger, "Lee", le_from=0)
    staff = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    for body in (board, group):  # each body's base is its seat holders
        for member in (le, staff):
            ledger.assign_seat(body, member, by=staff, occurred_at=day(0))
    plan = ledger.start_project("Plan", label="co_production", by=staff)
    raise_(ledger, board, [le], 10, project=plan)
    raise_(ledger, board, [staff], 20)
    raise_(ledger, group, [staff], 10, project=plan)
    raise_(ledger, group, [staff], 25)
    raise_(ledger, group, [le], 40)
    # Base is always 1 LE of 2 members = 0.5.
    # Ledger: LE 2 of 5 -> 0.4, parity 0.8 (at the cut: parity).
    whole = a1(lens(ledger), TH)
    assert whole.value == pytest.approx(0.4)
    assert (whole.n, whole.band) == (5, "parity")
    # Board: 1 of 2 -> 0.5.
    assert a1(lens(ledger, Scope.body(board)), TH).value == pytest.approx(0.5)
    # Group before day 30: the day 10 and day 25 proposals, neither LE -> 0.
    early = a1(lens(ledger, Scope.body(group), until=30), TH)
    assert (early.value, early.n, early.band) == (0, 2, "below_parity")
    # Project: the two day-10 proposals, one LE -> 0.5.
    assert a1(lens(ledger, Scope.project(plan)), TH).value == pytest.approx(0.5)
    # From day 15: day 20, 25, 40 -> 1 of 3.
    late = a1(lens(ledger, since=15), TH)
    assert late.value == pytest.approx(1 / 3)
    assert late.n == 3


def _working_group_of_four(ledger: Ledger) -> tuple[UUID, list[UUID], list[UUID]]:
    """20 members, 2 with lived experience; a working group seats both and 2 others."""
    le = [person(ledger, f"Lee {i}", le_from=0) for i in range(2)]
    others = [person(ledger, f"Sol {i}", none_from=0) for i in range(18)]
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(1))
    for member in le + others[:2]:
        ledger.assign_seat(group, member, by=others[0], occurred_at=day(1))
    return group, le, others


def test_a1_parity_in_a_body_compares_with_the_bodys_own_members(
    memory_ledger: Ledger,
) -> None:
    """A body's A1 parity divides by its members' LE share, not the whole ledger's."""
    ledger = memory_ledger
    group, le, others = _working_group_of_four(ledger)
    for i, who in enumerate([le[0], others[0], others[1], others[0]]):
        raise_(ledger, group, [who], 2 + i)
    # 1 of 4 proposals from lived experience -> 0.25.
    # The group: 2 of its 4 seat holders -> 0.5; parity 0.25 / 0.5 = 0.5.
    in_group = a1(lens(ledger, Scope.body(group)), TH)
    assert in_group.value == pytest.approx(0.25)
    assert (in_group.note, in_group.band) == ("parity 0.50", "below_parity")
    # The ledger keeps the whole membership: 2 of 20 -> 0.1; parity 2.5.
    whole = a1(lens(ledger), TH)
    assert (whole.note, whole.band) == ("parity 2.50", "parity")


def test_a1_parity_in_a_project_compares_with_its_seat_holders_and_attendees(
    memory_ledger: Ledger,
) -> None:
    """A project's A1 base is its bodies' seat holders and its meetings' attendees."""
    ledger = memory_ledger
    group, le, others = _working_group_of_four(ledger)
    plan = ledger.start_project("Plan", label="co_production", by=others[0])
    meeting = ledger.schedule_meeting(
        group,
        kind="decision_meeting",
        title="Plan meeting",
        starts_at=day(3),
        by=others[0],
        project=plan,
        occurred_at=day(2),
    )
    guest = others[5]  # attends, holds no seat, has no lived experience
    ledger.record_attendance(meeting, guest, by=others[0], occurred_at=day(3))
    raise_(ledger, group, [le[0]], 4, project=plan)
    raise_(ledger, group, [others[0]], 5, project=plan)
    # 1 of 2 proposals -> 0.5; base 2 of the 5 (4 seats and the guest) -> 0.4.
    figure = a1(lens(ledger, Scope.project(plan)), TH)
    assert figure.value == pytest.approx(0.5)
    assert (figure.note, figure.band) == ("parity 1.25", "parity")


def test_a1_parity_leaves_out_proposals_raised_before_anyone_was_registered(
    memory_ledger: Ledger,
) -> None:
    """A proposal dated before its forum had any member has no base to compare with.

    Registration is not ordered against what people do, so minutes entered
    for a ledger started later can date proposals before everyone's
    registration. Such a proposal counted as a base of 0% and lowered the
    mean, inflating the parity.
    """
    ledger = memory_ledger
    ada = person(ledger, "Ada", none_from=10, joined=10)
    lee = person(ledger, "Lee", le_from=10, joined=10)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for on in (2, 3, 4):
        raise_(ledger, board, [ada], on)
    raise_(ledger, board, [lee], 20)
    figure = a1(lens(ledger), TH)
    assert (figure.value, figure.n) == (0.25, 4)
    # The base is 50% at the one proposal raised with members registered.
    assert (figure.band, figure.note) == ("below_parity", "parity 0.50")


def test_a1_is_insufficient_without_proposals(memory_ledger: Ledger) -> None:
    """With no proposals in the period A1 reports insufficient evidence."""
    ledger = memory_ledger
    le = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    raise_(ledger, board, [le], 50)
    figure = a1(lens(ledger, until=40), TH)
    assert figure.value is None
    assert figure.n == 0
    assert figure.coverage is None
    assert figure.note is not None
    assert figure.note.startswith(INSUFFICIENT)


# A2 ---------------------------------------------------------------------------------


def test_a2_counts_decision_meetings_with_an_le_item_or_chair(
    memory_ledger: Ledger,
) -> None:
    """A2 is the share of decision meetings with an LE proposal or LE (co-)chair."""
    ledger = memory_ledger
    chair = person(ledger, "Cat", none_from=0)
    le = person(ledger, "Lee", le_from=0)
    quiet = person(ledger, "Una")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, chair, office="chair", by=chair, occurred_at=day(0))
    m1, m2, m3, m4 = (
        ledger.schedule_meeting(
            board, kind=kind, title="Meeting", starts_at=day(at), by=chair
        )
        for kind, at in (
            ("decision_meeting", 10),
            ("decision_meeting", 20),
            ("decision_meeting", 30),
            ("workshop", 35),
        )
    )
    raise_(ledger, board, [le], 10, meeting=m1)  # m1: an LE item
    raise_(ledger, board, [quiet], 20, meeting=m2)  # m2: neither
    ledger.assign_seat(board, le, office="co_chair", by=chair, occurred_at=day(25))
    raise_(ledger, board, [le], 35, meeting=m4)  # a workshop is not counted
    del m3  # m3: the LE co-chair
    figure = a2(lens(ledger), TH)
    # m1 and m3 of the three decision meetings -> 2/3.
    assert figure.value == pytest.approx(2 / 3)
    assert figure.n == 3
    assert figure.band == "some_meetings"
    assert figure.note == "1 with a lived-experience proposal, 1 with such a chair"
    # Acts: m1 Lee + chair; m2 Una + chair; m3 chair + Lee -> 5 of 6 declared.
    assert figure.coverage == pytest.approx(5 / 6)
    # The board scope sees the same; only m1 before day 15 -> 1/1.
    assert a2(lens(ledger, Scope.body(board)), TH).value == pytest.approx(2 / 3)
    only_first = a2(lens(ledger, until=15), TH)
    assert (only_first.value, only_first.band) == (1, "every_meeting")


def test_a2_leaves_out_items_raised_after_the_period(memory_ledger: Ledger) -> None:
    """A proposal named for a meeting but raised after the period does not shape it."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    meeting = ledger.schedule_meeting(
        board, kind="decision_meeting", title="M", starts_at=day(9), by=admin
    )
    raise_(ledger, board, [lee], 12, meeting=meeting)  # raised after day 10
    before = a2(lens(ledger, until=10), TH)
    assert (before.value, before.n, before.band) == (0, 1, "none")
    assert before.note == "0 with a lived-experience proposal, 0 with such a chair"
    assert before.coverage is None  # no proposer or chair was read
    # Over all time the item is in, and shapes the meeting.
    assert a2(lens(ledger), TH).value == 1


def test_a2_leaves_out_items_withdrawn_before_the_meeting(
    memory_ledger: Ledger,
) -> None:
    """An item withdrawn before its meeting began was not before it; one after, was."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    early, late = (
        ledger.schedule_meeting(
            board, kind="decision_meeting", title="M", starts_at=day(at), by=admin
        )
        for at in (5, 15)
    )
    gone = raise_(ledger, board, [lee], 2, meeting=early)
    ledger.withdraw_proposal(gone, by=lee, occurred_at=day(3))  # before day 5
    heard = raise_(ledger, board, [lee], 12, meeting=late)
    ledger.withdraw_proposal(heard, by=lee, occurred_at=day(16))  # after day 15
    figure = a2(lens(ledger), TH)
    # Only the later meeting had Lee's item before it: 1 of 2.
    assert (figure.value, figure.n, figure.band) == (0.5, 2, "some_meetings")
    assert figure.note == "1 with a lived-experience proposal, 0 with such a chair"
    assert figure.coverage == 1.0  # Lee, at the later meeting's item only


def test_a2_reads_the_chair_and_status_at_the_meeting_time(
    memory_ledger: Ledger,
) -> None:
    """A chair counts while seated and only while their LE declaration stood."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    kai = person(ledger, "Kai")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, lee, office="chair", by=admin, occurred_at=day(0))
    ledger.vacate_seat(board, lee, by=admin, occurred_at=day(15))
    ledger.assign_seat(board, kai, office="chair", by=admin, occurred_at=day(15))
    ledger.declare_lived_experience(kai, categories=["DIS"], occurred_at=day(25))
    for at in (10, 20, 30):
        ledger.schedule_meeting(
            board, kind="decision_meeting", title="M", starts_at=day(at), by=admin
        )
    figure = a2(lens(ledger), TH)
    # Day 10: Lee chairs (LE); day 20: Kai chairs, not yet LE; day 30: Kai LE -> 2/3.
    assert figure.value == pytest.approx(2 / 3)
    # Chairs: Lee declared; Kai undeclared on day 20, declared on day 30 -> 2/3.
    assert figure.coverage == pytest.approx(2 / 3)


def test_a2_counts_only_the_chair_and_co_chair(memory_ledger: Ledger) -> None:
    """An LE vice-chair, secretary or plain seat holder does not shape a meeting."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    vic, sec, val = (person(ledger, name, le_from=0) for name in ("Vic", "Sec", "Val"))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, admin, office="chair", by=admin, occurred_at=day(0))
    ledger.assign_seat(board, vic, office="vice_chair", by=admin, occurred_at=day(0))
    ledger.assign_seat(board, sec, office="secretary", by=admin, occurred_at=day(0))
    ledger.assign_seat(board, val, by=admin, occurred_at=day(0))
    ledger.schedule_meeting(
        board, kind="decision_meeting", title="M", starts_at=day(10), by=admin
    )
    figure = a2(lens(ledger), TH)
    # Only Ada chairs, without LE; the LE members hold no chair -> 0/1, "none".
    assert (figure.value, figure.n, figure.band) == (0, 1, "none")
    assert figure.note == "0 with a lived-experience proposal, 0 with such a chair"
    # Acts: the chair alone, declared -> 1/1.
    assert figure.coverage == 1


def test_a2_none_and_insufficient(memory_ledger: Ledger) -> None:
    """No shaped meeting bands "none"; no decision meetings is insufficient."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    ledger.schedule_meeting(
        board, kind="decision_meeting", title="M", starts_at=day(5), by=admin
    )
    ledger.schedule_meeting(
        group, kind="workshop", title="W", starts_at=day(5), by=admin
    )
    figure = a2(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0, 1, "none")
    assert figure.coverage is None  # no proposals and no chairs: no acts
    empty = a2(lens(ledger, Scope.body(group)), TH)
    assert empty.value is None
    assert empty.note is not None
    assert empty.note.startswith(INSUFFICIENT)


# A3 ---------------------------------------------------------------------------------


def comment(ledger: Ledger, proposal: UUID, author: UUID, on: float) -> UUID:
    """Comment on day *on*."""
    return ledger.comment(proposal, author=author, text="A view.", occurred_at=day(on))


def design_plan(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID]:
    """Sol (staff), Lee (lived experience), the board and a co-design project."""
    staff = person(ledger, "Sol", none_from=0)
    le = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    plan = ledger.start_project("Plan", label="co_design", by=staff)
    return staff, le, board, plan


def projects(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID, UUID, UUID, UUID]:
    """Five projects with known formative verdicts, on two bodies, and the bodies.

    A: LE comment (day 5) before the design decision (day 10): formative.
    B: design decided day 10, first LE comment day 12: late.
    C: LE proposal day 4, nothing decided: formative.
    D: staff proposal day 3, first LE comment day 40: formative, but late by day 30.
    E: started, nothing done: no verdict.
    """
    staff = person(ledger, "Sol", none_from=0)
    le = person(ledger, "Lee", le_from=0)
    quiet = person(ledger, "Una")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    a, b, c, d, e = (
        ledger.start_project(name, label="co_production", by=staff, occurred_at=day(0))
        for name in "ABCDE"
    )
    pa = raise_(ledger, board, [staff], 3, project=a, phase="design")
    comment(ledger, pa, le, 5)
    comment(ledger, pa, quiet, 6)
    decide(ledger, pa, staff, 10)
    pb = raise_(ledger, board, [staff], 3, project=b, phase="design")
    decide(ledger, pb, staff, 10)
    pb2 = raise_(ledger, board, [staff], 11, project=b, phase="delivery")
    comment(ledger, pb2, le, 12)
    raise_(ledger, board, [le], 4, project=c, phase="delivery")
    pd = raise_(ledger, group, [staff], 3, project=d, phase="design")
    comment(ledger, pd, le, 40)
    return a, b, c, d, e, board, group


def test_a3_share_of_projects_with_formative_involvement(
    memory_ledger: Ledger,
) -> None:
    """A3 is the share of active projects whose first LE input beat the design."""
    a, b, c, d, e, board, group = projects(memory_ledger)
    whole = lens(memory_ledger)
    assert [formative(whole, p) for p in (a, b, c, d, e)] == [
        True,
        False,
        True,
        True,
        None,
    ]
    figure = a3(whole, TH)
    # A, C, D of the four active projects -> 3/4; E has no activity.
    assert (figure.value, figure.n, figure.band) == (0.75, 4, "partly_late")
    # Contributions: A Sol, Lee, Una; B Sol, Sol, Lee; C Lee; D Sol, Lee -> 8 of 9.
    assert figure.coverage == pytest.approx(8 / 9)
    # Bodies: the board holds A, B, C -> 2/3; the group holds D -> 1/1.
    assert a3(lens(memory_ledger, Scope.body(board)), TH).value == pytest.approx(2 / 3)
    assert a3(lens(memory_ledger, Scope.body(group)), TH).band == "formative"
    # Project A alone: formative; project B alone: late.
    assert a3(lens(memory_ledger, Scope.project(a)), TH).value == 1
    assert a3(lens(memory_ledger, Scope.project(b)), TH).band == "late"


def test_a3_follows_the_period(memory_ledger: Ledger) -> None:
    """The period's end cuts the history; its start picks the active projects."""
    a, b, c, d, _, _, group = projects(memory_ledger)
    by_30 = lens(memory_ledger, until=30)
    # By day 30 D has had no LE input: late. A, C formative, B late -> 2/4.
    assert formative(by_30, d) is False
    assert a3(by_30, TH).value == pytest.approx(0.5)
    # From day 11 only B (comment day 12) and D (comment day 40) were active -> 1/2.
    recent = a3(lens(memory_ledger, since=11), TH)
    assert recent.value == pytest.approx(0.5)
    assert recent.n == 2
    # The group's project D was put to it on day 3, before the period, and is
    # still the group's: its day-40 LE comment makes it count -> 1/1.
    group_recent = a3(lens(memory_ledger, Scope.body(group), since=11), TH)
    assert (group_recent.value, group_recent.n) == (1, 1)
    del a, b, c


def test_a3_reads_status_at_the_contribution(memory_ledger: Ledger) -> None:
    """A comment made before the author declared does not count as LE input."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    kai = person(ledger, "Kai")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    plan = ledger.start_project("Plan", label="co_design", by=staff)
    p = raise_(ledger, board, [staff], 1, project=plan, phase="design")
    comment(ledger, p, kai, 5)
    ledger.declare_lived_experience(kai, categories=["DIS"], occurred_at=day(8))
    decide(ledger, p, staff, 10)
    later = raise_(ledger, board, [kai], 12, project=plan, phase="delivery")
    del later
    # Kai's day-5 comment was not LE; first LE input is day 12, after day 10 -> late.
    assert formative(lens(ledger), plan) is False


def test_a3_ignores_a_vote_that_decided_nothing(memory_ledger: Ledger) -> None:
    """A not_valid vote is no design decision, so later LE input is still formative."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    le = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, staff, by=staff, occurred_at=day(0))
    plan = ledger.start_project("Plan", label="co_design", by=staff)
    p = raise_(ledger, board, [staff], 1, project=plan, phase="design")
    ledger.open_voting(p, by=staff, occurred_at=day(2))
    assert ledger.close_voting(p, by=staff, occurred_at=day(3)).outcome == "not_valid"
    raise_(ledger, board, [le], 5, project=plan, phase="design")
    assert formative(lens(ledger), plan) is True


def test_a3_takes_a_deferral_for_no_design_decision(memory_ledger: Ledger) -> None:
    """A deferral settles nothing, so LE input after one is still formative."""
    ledger = memory_ledger
    staff, le, board, plan = design_plan(ledger)
    put_off = raise_(ledger, board, [staff], 1, project=plan, phase="design")
    ledger.decide(
        put_off, outcome="deferred", method="consensus", by=staff, occurred_at=day(2)
    )
    again = raise_(ledger, board, [staff], 4, project=plan, phase="design")
    comment(ledger, again, le, 5)
    assert first_design_decision(lens(ledger), plan) is None
    decide(ledger, again, staff, 9)
    assert first_design_decision(lens(ledger), plan) == day(9)
    assert formative(lens(ledger), plan) is True


def test_a3_compares_the_first_lived_experience_input_with_the_first_design_decision(
    memory_ledger: Ledger,
) -> None:
    """Only the earliest LE input and the earliest design decision are compared."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    le = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    early, between, tie = (
        ledger.start_project(name, label="co_design", by=staff, occurred_at=day(0))
        for name in ("Early", "Between", "Tie")
    )
    # Early: LE input on days 2 (a comment) and 8 (a proposal), design decided
    # on day 5. The first LE input (day 2) beat the design decision: formative.
    p = raise_(ledger, board, [staff], 1, project=early, phase="design")
    comment(ledger, p, le, 2)
    decide(ledger, p, staff, 5)
    raise_(ledger, board, [le], 8, project=early, phase="delivery")
    # Between: design decisions on days 5 and 15, the only LE comment on day 10.
    # The first design decision (day 5) came before any LE input: late.
    p1 = raise_(ledger, board, [staff], 1, project=between, phase="design")
    p2 = raise_(ledger, board, [staff], 1, project=between, phase="design")
    decide(ledger, p1, staff, 5)
    comment(ledger, p2, le, 10)
    decide(ledger, p2, staff, 15)
    # Tie: the LE comment and the design decision both on day 5. "Before" is
    # strict, so the LE input did not come first: late.
    pt = raise_(ledger, board, [staff], 1, project=tie, phase="design")
    comment(ledger, pt, le, 5)
    decide(ledger, pt, staff, 5)
    whole = lens(ledger)
    assert [formative(whole, x) for x in (early, between, tie)] == [
        True,
        False,
        False,
    ]


def test_a3_leaves_out_input_made_at_the_period_end(memory_ledger: Ledger) -> None:
    """A contribution made exactly at the period's end is outside the history read."""
    ledger = memory_ledger
    staff, le, board, plan = design_plan(ledger)
    p = raise_(ledger, board, [staff], 1, project=plan, phase="design")
    comment(ledger, p, le, 10)
    # Until day 10 (half-open): only Sol's day-1 proposal is read, no LE input
    # -> late; the project is active through that proposal -> A3 = 0/1.
    by_10 = lens(ledger, until=10)
    assert formative(by_10, plan) is False
    figure = a3(by_10, TH)
    assert (figure.value, figure.n, figure.band) == (0, 1, "late")
    # Acts: Sol's proposal only, declared -> coverage 1/1.
    assert figure.coverage == 1


def test_a3_counts_a_project_active_only_through_a_decision(
    memory_ledger: Ledger,
) -> None:
    """A decision in the period makes a project count even with no input in it."""
    ledger = memory_ledger
    staff, le, board, plan = design_plan(ledger)
    p = raise_(ledger, board, [staff], 1, project=plan, phase="design")
    comment(ledger, p, le, 3)
    decide(ledger, p, staff, 10)
    # From day 8: the raise (day 1) and comment (day 3) are before the period,
    # the design decision (day 10) is in it, so the project counts. Lee's day-3
    # comment beat it: formative -> 1/1.
    figure = a3(lens(ledger, since=8), TH)
    assert (figure.value, figure.n, figure.band) == (1, 1, "formative")


def test_a3_is_insufficient_without_activity(memory_ledger: Ledger) -> None:
    """A project with no contribution or decision gives insufficient evidence."""
    *_, e, _, _ = projects(memory_ledger)
    figure = a3(lens(memory_ledger, Scope.project(e)), TH)
    assert figure.value is None
    assert figure.n == 0
    assert figure.note is not None
    assert figure.note.startswith(INSUFFICIENT)
    nothing = a3(lens(memory_ledger, since=100), TH)
    assert nothing.value is None


def test_compute_returns_the_three_codes(memory_ledger: Ledger) -> None:
    """The family computes A1, A2 and A3, each under its own code."""
    projects(memory_ledger)
    figures = compute(lens(memory_ledger), TH)
    assert sorted(figures) == ["A1", "A2", "A3"]
    assert all(code == f.code for code, f in figures.items())


def test_a3_in_a_body_scope_reads_only_the_projects_proposals_to_that_body(
    memory_ledger: Ledger,
) -> None:
    """Lived experience in a project's proposal to another body does not count here."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    panel = ledger.establish_body("Panel", kind="working_group", occurred_at=day(0))
    project = ledger.start_project(
        "Festival", label="co_production", by=staff, occurred_at=day(0)
    )
    design = ledger.raise_proposal(
        board,
        proposers=[staff],
        title="Layout",
        text="The site plan.",
        project=project,
        phase="design",
        occurred_at=day(2),
    )
    decide(ledger, design, staff, 4)
    ledger.raise_proposal(
        panel,
        proposers=[lee],
        title="Stalls",
        text="Who runs what.",
        project=project,
        phase="delivery",
        occurred_at=day(1),
    )
    on_board = a3(lens(ledger, Scope.body(board)), TH)
    assert (on_board.value, on_board.band, on_board.people) == (0.0, "late", 1)
    whole = a3(lens(ledger, Scope.project(project)), TH)
    assert (whole.value, whole.band) == (1.0, "formative")
