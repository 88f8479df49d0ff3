"""Queries on every backend: source references, history, business time, reopening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from coledger import InvalidInputError, Ledger
from coledger.errors import (
    DatabaseLockedError,
    DuplicateSourceRefError,
    EmptyTextError,
    InvalidIdError,
    UnknownAdjustmentError,
    UnknownBodyError,
    UnknownMeetingError,
    UnknownMemberError,
    UnknownProjectError,
    UnknownProposalError,
)
from coledger.timeline import timeline
from helpers import count_events, refused


def test_source_refs_find_the_id_each_command_returned(ledger: Ledger) -> None:
    """find_by_source_ref returns the id the command returned, for every kind."""
    admin = ledger.register_member("Admin", role="staff", source_ref="roster:1")
    sam = ledger.register_member("Sam", source_ref="roster:2")
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, source_ref="constitution:§4"
    )
    ledger.assign_seat(board, sam, by=admin, source_ref="minutes:2024-01-05#1")
    plan = ledger.start_project(
        "Plan", label="co_design", by=admin, source_ref="plan:2024"
    )
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="March",
        starts_at=datetime(2024, 3, 2, 18, tzinfo=UTC),
        by=admin,
        source_ref="calendar:march",
    )
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", source_ref="polis:conv/1"
    )
    c = ledger.comment(p, author=sam, text="Yes", source_ref="polis:conv/12")
    need = ledger.request_adjustment(
        sam, code="ER", proposal=p, needed_before="feedback", source_ref="form:7"
    )
    fb = ledger.give_feedback(
        p, comments=[c], text="We did", by=admin, source_ref="newsletter:4"
    )
    decision = ledger.decide(
        p,
        outcome="adopted",
        method="chair",
        by=admin,
        source_ref="minutes:2024-03-02#4",
    )
    action = ledger.assign_action(
        p, description="Do", owners=[sam], by=admin, source_ref="tracker:9"
    )
    evaluation = ledger.record_evaluation(
        p, summary="Done", authors=[sam], by=admin, source_ref="review:1"
    )
    expected = {
        "roster:1": admin,
        "roster:2": sam,
        "constitution:§4": board,
        "minutes:2024-01-05#1": board,
        "plan:2024": plan,
        "calendar:march": meeting,
        "polis:conv/1": p,
        "polis:conv/12": c,
        "form:7": need,
        "newsletter:4": fb,
        "minutes:2024-03-02#4": decision.id,
        "tracker:9": action,
        "review:1": evaluation,
    }
    for ref, record_id in expected.items():
        assert ledger.find_by_source_ref(ref) == record_id, ref
    assert ledger.find_by_source_ref("polis:conv/13") is None
    refs = [r.event.source_ref for r in ledger.history()]
    assert set(expected) <= set(refs)

    with refused(ledger, DuplicateSourceRefError):
        ledger.comment(p, author=sam, text="Again", source_ref="polis:conv/1")
    with refused(ledger, DuplicateSourceRefError):
        ledger.register_member("Kim", source_ref="roster:1")
    with refused(ledger, DuplicateSourceRefError):
        ledger.hold_check_in(meeting, by=admin, source_ref="calendar:march")
    with refused(ledger, EmptyTextError):
        ledger.find_by_source_ref("")


def test_source_ref_of_a_closed_vote_finds_its_decision(memory_ledger: Ledger) -> None:
    """A source ref given when closing a vote finds the decision that was returned."""
    ledger = memory_ledger
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, admin, by=admin)
    p = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
    ledger.open_voting(p, by=admin)
    ledger.cast_ballot(p, voter=admin, choice="for")
    decision = ledger.close_voting(p, by=admin, source_ref="minutes:2024-03-02#5")
    assert ledger.find_by_source_ref("minutes:2024-03-02#5") == decision.id


def test_history_is_in_recorded_order_and_pages_by_position(ledger: Ledger) -> None:
    """history() lists every event once, in order, and after/until select a range."""
    assert ledger.position == 0
    assert list(ledger.history()) == []
    admin = ledger.register_member("Admin", role="staff")
    members = [ledger.register_member(f"M{i}", by=admin) for i in range(4)]
    for member in members:
        ledger.change_role(member, "trustee", by=admin)
    recorded = list(ledger.history())
    positions = [r.position for r in recorded]
    assert len(recorded) == 9 == count_events(ledger)
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    assert ledger.position == positions[-1]
    assert [r.event.originator_id for r in recorded[1:5]] == members

    middle = list(ledger.history(after=positions[2], until=positions[5]))
    assert [r.position for r in middle] == positions[3:6]
    assert list(ledger.history(after=ledger.position)) == []
    for r in recorded:
        assert r.event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("read", ["history", "fold_events", "fold_states"])
@pytest.mark.parametrize("bounds", [{"after": -1}, {"until": -1}, {"after": "3"}])
def test_a_read_of_the_log_refuses_a_bad_position_when_called(
    memory_ledger: Ledger, read: str, bounds: dict[str, object]
) -> None:
    """A bad after or until is refused by the call itself, not at the first item."""
    memory_ledger.register_member("Ann")
    with pytest.raises(InvalidInputError, match="recorded position"):
        getattr(memory_ledger, read)(**bounds)


def test_a_position_too_long_to_write_out_is_refused_as_a_position() -> None:
    """A position too long to write out (or as long text) gets InvalidInputError."""
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ana Example")
        reads = (
            lambda bad: list(ledger.history(after=bad)),
            lambda bad: list(ledger.history(until=bad)),
            lambda bad: ledger.facts(as_of=bad),
            lambda bad: ledger.tree_size(as_of=bad),
            lambda bad: ledger.power_sharing(as_of=bad),
        )
        for bad in (-(10**5000), [10**5000], "x" * 100_000):
            for read in reads:
                with pytest.raises(InvalidInputError, match="recorded position") as e:
                    read(bad)
                assert len(str(e.value)) < 200


def test_business_time_is_kept_as_given(ledger: Ledger) -> None:
    """occurred_at is stored as the aware moment given; the default is now."""
    before = datetime.now(UTC)
    admin = ledger.register_member("Admin", role="staff")
    after = datetime.now(UTC)
    (first,) = list(ledger.history())
    assert before - timedelta(seconds=1) <= first.event.occurred_at <= after
    cet = timezone(timedelta(hours=1))
    minutes = datetime(2019, 11, 5, 19, 30, 15, 123456, tzinfo=cet)
    board = ledger.establish_body(
        "Historic board", kind="governance", by=admin, occurred_at=minutes
    )
    p = ledger.raise_proposal(
        board, proposers=[admin], title="1999 plan", text="x", occurred_at=minutes
    )
    assert ledger.proposal(p).raised_at == minutes
    last = list(ledger.history())[-1].event
    assert last.occurred_at == minutes
    assert last.occurred_at.utcoffset() is not None


def test_a_reopened_ledger_sees_what_was_recorded(
    ledger: Ledger, ledger_url: str, backend: str
) -> None:
    """Another Ledger on the same storage URL reads the same records and refs."""
    admin = ledger.register_member("Admin", role="staff", source_ref="roster:a")
    board = ledger.establish_body("Board", kind="advisory", by=admin)
    with Ledger.open(ledger_url) as again:
        if backend == "memory":  # memory:// is private to each Ledger
            assert again.members() == []
            assert again.find_by_source_ref("roster:a") is None
            return
        assert [m.id for m in again.members()] == [admin]
        assert again.body(board) == ledger.body(board)
        assert again.find_by_source_ref("roster:a") == admin
        kim = again.register_member("Kim", source_ref="roster:b")
        assert again.position == ledger.position
    assert ledger.find_by_source_ref("roster:b") == kim
    with refused(ledger, DuplicateSourceRefError):
        ledger.register_member("Kim again", source_ref="roster:b")


def test_queries_refuse_unknown_and_malformed_ids(ledger: Ledger) -> None:
    """Each query names the kind of record it could not find, or the bad id."""
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="advisory", by=admin)
    cases = [
        (ledger.member, UnknownMemberError),
        (ledger.body, UnknownBodyError),
        (ledger.project, UnknownProjectError),
        (ledger.meeting, UnknownMeetingError),
        (ledger.proposal, UnknownProposalError),
        (ledger.adjustment, UnknownAdjustmentError),
        (ledger.unmet_adjustments, UnknownProposalError),
    ]
    for query, error in cases:
        wrong_kind = admin if error is not UnknownMemberError else board
        with refused(ledger, error):
            query(wrong_kind)
        with refused(ledger, InvalidIdError):
            query(str(wrong_kind))  # type: ignore[arg-type]
        with refused(ledger, InvalidIdError):
            query(None)  # type: ignore[arg-type]


def test_positions_must_be_whole_numbers_and_may_run_past_the_head() -> None:
    """A position of the wrong kind is refused; one past 64 bits reads to the end."""
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ana Example")
        for bad in ({"after": "x"}, {"after": -5}, {"until": 1.5}, {"after": True}):
            with pytest.raises(InvalidInputError, match="recorded position"):
                list(ledger.history(**bad))
            with pytest.raises(InvalidInputError, match="recorded position"):
                list(ledger.fold_events(**bad))
        far = 10**23
        assert len(list(ledger.history(until=far))) == ledger.position
        assert ledger.facts(as_of=far).position == ledger.position


def test_a_period_may_run_to_the_end_of_the_recordable_years() -> None:
    """A period may end at the first moment after 2199, but not begin there."""
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ana Example")
        end = datetime(2200, 1, 1, tzinfo=UTC)
        assert ledger.power_sharing(until=end).indicators
        with pytest.raises(InvalidInputError):
            ledger.power_sharing(since=end)


def test_a_period_across_the_autumn_clock_change_runs_by_the_instant() -> None:
    """In the hour a zone repeats, since must come before until as instants."""
    london = ZoneInfo("Europe/London")
    # 2025-10-26: London's clocks go back, so 01:00 to 02:00 happens twice.
    first = datetime(2025, 10, 26, 1, 50, tzinfo=london)  # 00:50 UTC
    second = datetime(2025, 10, 26, 1, 10, tzinfo=london, fold=1)  # 01:10 UTC
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ana Example")
        assert ledger.power_sharing(since=first, until=second).indicators
        with pytest.raises(InvalidInputError, match="since must come before"):
            ledger.power_sharing(since=second, until=first)


def test_times_a_command_is_given_compare_by_the_instant_in_the_repeated_hour(
    ledger: Ledger,
) -> None:
    """Starts, deadlines and due dates given in the autumn hour order by instant."""
    london = ZoneInfo("Europe/London")
    early = datetime(2025, 10, 26, 1, 40, tzinfo=london)  # 00:40 UTC
    late = datetime(2025, 10, 26, 1, 10, tzinfo=london, fold=1)  # 01:10 UTC
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    first, second = (
        ledger.schedule_meeting(
            board, kind="decision_meeting", title=t, starts_at=at, by=admin
        )
        for t, at in (("First", early), ("Second", late))
    )
    assert ledger.meeting(second).starts_at > ledger.meeting(first).starts_at
    before = datetime(2025, 10, 25, tzinfo=UTC)  # nothing is due before it
    asked, due = (
        ledger.request_adjustment(
            admin, code="ER", meeting=first, needed_by=at, occurred_at=before
        )
        for at in (early, late)
    )
    sooner, later = (ledger.adjustment(a).needed_by for a in (asked, due))
    assert sooner is not None
    assert later is not None
    assert later > sooner
    p = ledger.raise_proposal(
        board, proposers=[admin], title="T", text="x", occurred_at=before
    )
    ledger.decide(p, outcome="adopted", method="chair", by=admin, occurred_at=before)
    for what, at in (("Book", early), ("Pay", late)):
        ledger.assign_action(
            p, description=what, owners=[admin], due=at, by=admin, occurred_at=before
        )
    book, pay = (a.due for a in ledger.proposal(p).actions)
    assert book is not None
    assert pay is not None
    assert pay > book


def test_history_words_a_comment_by_its_author_and_one_through_a_supporter(
    memory_ledger: Ledger,
) -> None:
    """History names the author only when someone else recorded their comment."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example")
    una = ledger.register_member("Una Example")
    board = ledger.establish_body("Board", kind="governance", by=pat)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.authorise_supporter(pat, una)
    ledger.comment(p, author=pat, text="Blue, please.", channel="written")
    ledger.comment(p, author=pat, text="Or green.", supporter=una)
    said = [(e.actor, e.text) for e in timeline(ledger, proposal=p)][1:]
    assert said == [
        ("Pat Example", "commented (written): Blue, please."),
        (
            "Una Example",
            "commented for Pat Example as their supporter (meeting): Or green.",
        ),
    ]


def test_history_shows_what_an_amendment_made_of_the_text(
    memory_ledger: Ledger,
) -> None:
    """An amendment of the text alone shows the new text, not only the same title."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example")
    board = ledger.establish_body("Board", kind="governance", by=pat)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    said = ledger.comment(p, author=pat, text="Blue, please.")
    ledger.amend_proposal(p, by=pat, text="New kit, in blue.", takes_up=[said])
    amended = [e.text for e in timeline(ledger, proposal=p)][-1]
    assert amended == (
        "amended it, taking up 1 comment(s); now 'Kit': New kit, in blue."
    )


def test_a_project_timeline_shows_a_vote_opening_once(memory_ledger: Ledger) -> None:
    """The meeting's note of an opening does not repeat the proposal's own entry."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example")
    board = ledger.establish_body("Board", kind="governance", by=pat)
    ledger.assign_seat(board, pat, by=pat)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="June",
        starts_at=datetime(2025, 6, 1, tzinfo=UTC),
        project=project,
        by=pat,
    )
    p = ledger.raise_proposal(
        board,
        proposers=[pat],
        title="Kit",
        text="New kit.",
        project=project,
        meeting=meeting,
    )
    ledger.open_voting(p, by=pat)
    kinds = [e.kind for e in timeline(ledger, project=project)]
    assert kinds.count("Proposal.VotingOpened") == 1
    assert "Meeting.VoteOpened" not in kinds


@pytest.mark.parametrize("checkpoints", ["one note", [b"bytes"]])
def test_verify_names_its_own_checkpoints_argument_when_refusing_it(
    memory_ledger: Ledger, checkpoints: object
) -> None:
    """Ledger.verify refuses bad checkpoints by that name, not the function's notes."""
    with pytest.raises(InvalidInputError, match=r"^checkpoints must be"):
        memory_ledger.verify(checkpoints=checkpoints)  # type: ignore[arg-type]


def test_a_read_that_fails_midway_lists_each_record_once_when_tried_again(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record whose event failed to decode (say, key store locked) is listed once."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example", source_ref="roll:1")
    mapper = ledger._app.mapper  # a failure only storage can give
    decode = mapper.to_domain_event

    def locked(stored: object) -> object:
        monkeypatch.setattr(mapper, "to_domain_event", decode)
        raise DatabaseLockedError("coledger.db.keys", 5)

    kim = ledger.register_member("Kim Example", source_ref="roll:2")
    monkeypatch.setattr(mapper, "to_domain_event", locked)
    with pytest.raises(DatabaseLockedError):
        ledger.members()
    assert [m.id for m in ledger.members()] == [pat, kim]
    assert ledger.find_by_source_ref("roll:2") == kim
