"""Adjustment requests on every backend: scopes and the request lifecycle."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from coledger import Ledger
from coledger.domain import Proposal
from coledger.errors import (
    AlreadyResolvedError,
    InvalidIdError,
    InvalidInputError,
    NotAMemberError,
    ProposalClosedError,
    TimeOrderError,
    UnknownAdjustmentCodeError,
    UnknownAdjustmentError,
    UnknownCodeError,
    UnknownMeetingError,
    UnknownProposalError,
    UnmetAdjustmentsError,
)
from helpers import refused


def test_requests_in_each_scope(ledger: Ledger) -> None:
    """A request is standing, for a meeting or for a proposal, and linked to it."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    asked = datetime(2024, 2, 1, 10, tzinfo=timezone(timedelta(hours=-5)))
    needed = datetime(2024, 2, 10, 9, tzinfo=UTC)
    meeting = ledger.schedule_meeting(
        board, kind="consultation", title="Listening", starts_at=needed, by=admin
    )
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")

    standing = ledger.request_adjustment(sam, code="XT", occurred_at=asked)
    for_meeting = ledger.request_adjustment(
        sam, code="BSL", meeting=meeting, needed_by=needed, by=admin, occurred_at=asked
    )
    for_proposal = ledger.request_adjustment(
        sam, code="ER", proposal=p, needed_before="papers"
    )

    s = ledger.adjustment(standing)
    assert (s.member, s.code, s.scope, s.meeting, s.proposal) == (
        sam,
        "XT",
        "standing",
        None,
        None,
    )
    assert (s.needed_before, s.needed_by, s.status) == ("meeting", None, "requested")
    assert s.requested_at == asked
    assert s.resolved_at is None
    m = ledger.adjustment(for_meeting)
    assert (m.scope, m.meeting, m.needed_by) == ("meeting", meeting, needed)
    pr = ledger.adjustment(for_proposal)
    assert (pr.scope, pr.proposal, pr.needed_before) == ("proposal", p, "papers")
    assert ledger.meeting(meeting).adjustments == (for_meeting,)
    assert ledger.proposal(p).adjustments == (for_proposal,)
    assert [a.id for a in ledger.adjustments()] == [standing, for_meeting, for_proposal]

    # Each request and its link to a meeting or proposal name whoever asked.
    actors = [r.event.actor for r in ledger.history()][-5:]
    assert actors == [sam, admin, admin, sam, sam]

    with refused(ledger, InvalidInputError):
        ledger.request_adjustment(sam, code="ER", meeting=meeting, proposal=p)
    with refused(ledger, UnknownProposalError):
        ledger.request_adjustment(sam, code="ER", proposal=uuid4())
    with refused(ledger, UnknownProposalError):
        ledger.request_adjustment(sam, code="ER", proposal=meeting)
    with refused(ledger, UnknownMeetingError):
        ledger.request_adjustment(sam, code="ER", meeting=p)
    with refused(ledger, InvalidIdError):
        ledger.request_adjustment(sam, code="ER", meeting="m")  # type: ignore[arg-type]
    with refused(ledger, NotAMemberError):
        ledger.request_adjustment(uuid4(), code="ER")
    with refused(ledger, NotAMemberError):
        ledger.request_adjustment(sam, code="ER", by=uuid4())
    with refused(ledger, UnknownAdjustmentCodeError):
        ledger.request_adjustment(sam, code="HELICOPTER")


def test_request_lifecycle(ledger: Ledger) -> None:
    """A request is answered once: provided, declined (with reason) or withdrawn."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    when = datetime(2024, 4, 1, 12, tzinfo=UTC)
    provided, partial, declined, offered, withdrawn = (
        ledger.request_adjustment(sam, code=code, occurred_at=when - timedelta(7))
        for code in ("LP", "CAP", "BSL", "STTR", "QRM")
    )
    ledger.provide_adjustment(provided, by=admin, occurred_at=when)
    ledger.provide_adjustment(partial, by=admin, partial=True)
    ledger.decline_adjustment(declined, by=admin, reason="insufficient_notice")
    with refused(ledger, InvalidInputError, match="alternative"):
        ledger.decline_adjustment(offered, by=admin, reason="alternative_offered")
    with refused(ledger, UnknownAdjustmentCodeError):
        ledger.decline_adjustment(
            offered, by=admin, reason="alternative_offered", alternative="MAGIC"
        )
    ledger.decline_adjustment(
        offered, by=admin, reason="alternative_offered", alternative="CAP"
    )
    ledger.withdraw_adjustment(withdrawn)
    assert list(ledger.history())[-1].event.actor == sam

    views = {a: ledger.adjustment(a) for a in (provided, partial, declined, offered)}
    assert (views[provided].status, views[provided].partial) == ("provided", False)
    assert views[provided].resolved_at == when
    assert (views[partial].status, views[partial].partial) == ("provided", True)
    assert (views[declined].status, views[declined].decline_reason) == (
        "declined",
        "insufficient_notice",
    )
    assert views[declined].alternative is None
    assert (views[offered].decline_reason, views[offered].alternative) == (
        "alternative_offered",
        "CAP",
    )
    assert ledger.adjustment(withdrawn).status == "withdrawn"

    for done in (provided, partial, declined, offered, withdrawn):
        with refused(ledger, AlreadyResolvedError):
            ledger.provide_adjustment(done, by=admin)
        with refused(ledger, AlreadyResolvedError):
            ledger.decline_adjustment(done, by=admin, reason="other")
    with refused(ledger, AlreadyResolvedError):
        ledger.withdraw_adjustment(withdrawn, by=sam)

    for unknown in (uuid4(), sam):
        with refused(ledger, UnknownAdjustmentError):
            ledger.provide_adjustment(unknown, by=admin)
        with refused(ledger, UnknownAdjustmentError):
            ledger.decline_adjustment(unknown, by=admin, reason="other")
        with refused(ledger, UnknownAdjustmentError):
            ledger.withdraw_adjustment(unknown)
        with refused(ledger, UnknownAdjustmentError):
            ledger.adjustment(unknown)
    with refused(ledger, InvalidIdError):
        ledger.provide_adjustment(str(provided), by=admin)  # type: ignore[arg-type]

    pending = ledger.request_adjustment(sam, code="BRK")
    with refused(ledger, NotAMemberError):
        ledger.provide_adjustment(pending, by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.decline_adjustment(pending, by=uuid4(), reason="other")
    with refused(ledger, NotAMemberError):
        ledger.withdraw_adjustment(pending, by=uuid4())
    assert ledger.adjustment(pending).status == "requested"


def test_an_answered_standing_request_can_be_withdrawn_after_its_answer(
    ledger: Ledger,
) -> None:
    """A standing request holds until withdrawn, answered or not; a one-off does not."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    when = datetime(2024, 4, 1, 12, tzinfo=UTC)
    meeting = ledger.schedule_meeting(
        board, kind="decision_meeting", title="M", starts_at=when, by=admin
    )
    provided, declined, once = (
        ledger.request_adjustment(sam, code="BSL", meeting=place, occurred_at=when)
        for place in (None, None, meeting)
    )
    later = when + timedelta(days=3)
    ledger.provide_adjustment(provided, by=admin, occurred_at=later)
    ledger.decline_adjustment(declined, by=admin, reason="other", occurred_at=later)
    ledger.provide_adjustment(once, by=admin, occurred_at=later)
    with refused(ledger, TimeOrderError, match="answer"):
        ledger.withdraw_adjustment(provided, occurred_at=later - timedelta(days=1))
    with refused(ledger, AlreadyResolvedError):  # a one-off need, answered, is done
        ledger.withdraw_adjustment(once)
    for standing in (provided, declined):
        ledger.withdraw_adjustment(standing, occurred_at=later + timedelta(days=1))
        view = ledger.adjustment(standing)
        assert (view.status, view.resolved_at) == ("withdrawn", later + timedelta(1))
        with refused(ledger, AlreadyResolvedError):
            ledger.withdraw_adjustment(standing)
        with refused(ledger, AlreadyResolvedError):
            ledger.provide_adjustment(standing, by=admin)
    assert ledger.adjustment(declined).decline_reason == "other"
    # The view still says how each was answered before it was withdrawn.
    assert ledger.adjustment(provided).answer == "provided"
    assert ledger.adjustment(declined).answer == "declined"
    unanswered = ledger.request_adjustment(sam, code="ER", occurred_at=when)
    assert ledger.adjustment(unanswered).answer is None
    ledger.withdraw_adjustment(unanswered, occurred_at=later)
    assert ledger.adjustment(unanswered).answer is None


def test_an_erased_members_requests_are_closed_to_every_answer(ledger: Ledger) -> None:
    """After erasure nobody provides, declines or withdraws the member's requests."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    need = ledger.request_adjustment(sam, code="ER")
    ledger.erase_member(sam, by=admin)
    with refused(ledger, NotAMemberError):
        ledger.provide_adjustment(need, by=admin)
    with refused(ledger, NotAMemberError):
        ledger.decline_adjustment(need, by=admin, reason="other")
    with refused(ledger, NotAMemberError):
        ledger.withdraw_adjustment(need, by=admin)
    with refused(ledger, NotAMemberError):
        ledger.withdraw_adjustment(need)
    assert ledger.adjustment(need).status == "requested"


def test_a_need_before_feedback_can_be_asked_while_feedback_can_be_given(
    ledger: Ledger,
) -> None:
    """A decided proposal still takes feedback, and so requests needed before it."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    decided = ledger.raise_proposal(board, proposers=[admin], title="D", text="x")
    said = ledger.comment(decided, author=sam, text="Please write back")
    ledger.decide(decided, outcome="adopted", method="chair", by=admin)

    easy_read = ledger.request_adjustment(
        sam, code="ER", proposal=decided, needed_before="feedback"
    )
    assert ledger.adjustment(easy_read).proposal == decided
    for stage in ("papers", "meeting", "vote"):  # those stages are past
        with refused(ledger, ProposalClosedError):
            ledger.request_adjustment(
                sam, code="ER", proposal=decided, needed_before=stage
            )
    ledger.give_feedback(decided, comments=[said], text="We did it", by=admin)

    withdrawn = ledger.raise_proposal(board, proposers=[admin], title="W", text="x")
    ledger.withdraw_proposal(withdrawn, by=admin)
    with refused(ledger, ProposalClosedError):  # no feedback follows a withdrawal
        ledger.request_adjustment(
            sam, code="ER", proposal=withdrawn, needed_before="feedback"
        )


def test_an_answer_comes_no_earlier_than_the_request(ledger: Ledger) -> None:
    """Providing, declining or withdrawing before the request is refused."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    asked = datetime(2024, 5, 1, 9, tzinfo=UTC)
    earlier = asked - timedelta(minutes=1)
    need = ledger.request_adjustment(sam, code="BSL", occurred_at=asked)
    with refused(ledger, TimeOrderError, match="before the adjustment was requested"):
        ledger.provide_adjustment(need, by=admin, occurred_at=earlier)
    with refused(ledger, TimeOrderError, match=re.escape(asked.isoformat())):
        ledger.decline_adjustment(
            need, by=admin, reason="unavailable", occurred_at=earlier
        )
    with refused(ledger, TimeOrderError, match=re.escape(earlier.isoformat())):
        ledger.withdraw_adjustment(need, occurred_at=earlier)
    assert ledger.adjustment(need).status == "requested"
    ledger.provide_adjustment(need, by=admin, occurred_at=asked)
    assert ledger.adjustment(need).status == "provided"


def test_an_answer_at_the_default_time_follows_a_request_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, an answer is dated no earlier than its request."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    needs = [
        ledger.request_adjustment(sam, code="XT", occurred_at=ahead) for _ in "pdw"
    ]
    ledger.provide_adjustment(needs[0], by=admin)
    ledger.decline_adjustment(needs[1], by=admin, reason="unavailable")
    ledger.withdraw_adjustment(needs[2])
    answered = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__
        in {"Adjustment.Provided", "Adjustment.Declined", "Adjustment.Withdrawn"}
    ]
    assert answered == [ahead, ahead, ahead]


def _board_with_a_proposal(
    ledger: Ledger,
) -> tuple[Callable[[int], datetime], UUID, list[UUID], UUID]:
    """A board of three voters and a proposal raised at hour 2 of 2024."""
    start = datetime(2024, 1, 1, tzinfo=UTC)

    def at(hours: int) -> datetime:
        return start + timedelta(hours=hours)

    ada = ledger.register_member("Ada", occurred_at=at(0))
    body = ledger.establish_body("Board", kind="governance", by=ada, occurred_at=at(0))
    voters = [ledger.register_member(f"M{i}", occurred_at=at(0)) for i in range(3)]
    for member in voters:
        ledger.assign_seat(body, member, by=ada, occurred_at=at(1))
    p = ledger.raise_proposal(
        body, proposers=[ada], title="P", text="x", occurred_at=at(2)
    )
    return at, ada, voters, p


def test_a_vote_dated_back_to_an_unmet_need_needs_an_override(ledger: Ledger) -> None:
    """Opened at hour 10, a vote meets a need provided only at hour 20: it is unmet."""
    at, ada, voters, p = _board_with_a_proposal(ledger)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(3)
    )
    ledger.provide_adjustment(need, by=ada, occurred_at=at(20))
    with pytest.raises(UnmetAdjustmentsError):
        ledger.open_voting(p, by=ada, occurred_at=at(10))
    ledger.open_voting(p, by=ada, access_override="board agreed", occurred_at=at(10))
    assert ledger.proposal(p).access_override == "board agreed"
    assert ledger.unmet_adjustments(p) == ()  # provided by now


def test_a_vote_dated_at_the_instant_of_a_need_opens_over_it(ledger: Ledger) -> None:
    """A need asked for at the very time a dated vote opens is unmet at that vote."""
    at, ada, voters, p = _board_with_a_proposal(ledger)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(3)
    )
    ledger.provide_adjustment(need, by=ada, occurred_at=at(20))
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(p, by=ada, occurred_at=at(3))
    ledger.open_voting(p, by=ada, access_override="board agreed", occurred_at=at(3))
    assert ledger.proposal(p).access_override == "board agreed"


def test_a_vote_dated_at_the_instant_of_an_answer_finds_the_need_met(
    ledger: Ledger,
) -> None:
    """A need answered at the very time a dated vote opens no longer holds it."""
    at, ada, voters, p = _board_with_a_proposal(ledger)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(3)
    )
    ledger.provide_adjustment(need, by=ada, occurred_at=at(10))
    ledger.open_voting(p, by=ada, occurred_at=at(10))
    assert ledger.proposal(p).access_override is None


def test_an_erased_voters_open_need_neither_shows_as_unmet_nor_holds_the_vote(
    ledger: Ledger,
) -> None:
    """An erased voter's request stays open, but is no longer an unmet need."""
    at, ada, voters, p = _board_with_a_proposal(ledger)
    gone = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(3)
    )
    kept = ledger.request_adjustment(
        voters[1], code="ER", proposal=p, needed_before="vote", occurred_at=at(3)
    )
    assert set(ledger.unmet_adjustments(p)) == {gone, kept}
    ledger.erase_member(voters[0], by=ada, occurred_at=at(4))
    # The erased member keeps the seat on record and the request stays open...
    assert voters[0] in ledger.body(ledger.proposal(p).body).voting_members
    assert ledger.adjustment(gone).status == "requested"
    # ...but leaves the electorate, so only the other voter's need is unmet.
    assert ledger.unmet_adjustments(p) == (kept,)
    ledger.provide_adjustment(kept, by=ada, occurred_at=at(5))
    assert ledger.unmet_adjustments(p) == ()
    electorate = ledger.open_voting(p, by=ada, occurred_at=at(6))
    assert set(electorate) == {voters[1], voters[2]}
    assert ledger.proposal(p).access_override is None


def test_a_need_dated_before_a_vote_already_open_is_refused(ledger: Ledger) -> None:
    """A request that would have held up a vote that opened without it is refused."""
    at, ada, voters, p = _board_with_a_proposal(ledger)
    ledger.open_voting(p, by=ada, occurred_at=at(10))
    with pytest.raises(TimeOrderError, match="would have held up"):
        ledger.request_adjustment(
            voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(4)
        )
    later = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=at(11)
    )
    assert ledger.adjustment(later).status == "requested"


def _proposal_at_a_meeting(
    ledger: Ledger,
) -> tuple[Callable[[int], datetime], UUID, list[UUID], UUID, UUID]:
    """The board above, with a second proposal raised at a meeting at hour 12.

    Returns (hour to time, the admin, the voters, the meeting, the proposal).
    """
    at, ada, voters, first = _board_with_a_proposal(ledger)
    body = ledger.proposal(first).body
    meeting = ledger.schedule_meeting(
        body, kind="decision_meeting", title="M", starts_at=at(12), by=ada
    )
    p = ledger.raise_proposal(
        body, proposers=[ada], title="Q", text="y", meeting=meeting, occurred_at=at(2)
    )
    return at, ada, voters, meeting, p


def test_a_meeting_need_dated_before_a_vote_there_already_open_is_refused(
    ledger: Ledger,
) -> None:
    """A request for a meeting that would have held up a vote there is refused."""
    at, ada, voters, meeting, p = _proposal_at_a_meeting(ledger)
    ledger.open_voting(p, by=ada, occurred_at=at(10))
    for before in ("papers", "meeting", "vote"):
        with refused(ledger, TimeOrderError, match="would have held up"):
            ledger.request_adjustment(
                voters[0],
                code="BSL",
                meeting=meeting,
                needed_before=before,
                occurred_at=at(4),
            )
    # A need that waits for no vote, or one made after the opening, is taken.
    ledger.request_adjustment(
        voters[0],
        code="BSL",
        meeting=meeting,
        needed_before="feedback",
        occurred_at=at(4),
    )
    later = ledger.request_adjustment(
        voters[0], code="BSL", meeting=meeting, needed_before="vote", occurred_at=at(11)
    )
    assert ledger.adjustment(later).status == "requested"


def test_a_request_at_the_default_time_follows_a_vote_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, a need before the vote is dated no earlier than its opening."""
    _, ada, voters, p = _board_with_a_proposal(ledger)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.open_voting(p, by=ada, occurred_at=ahead)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote"
    )
    assert ledger.adjustment(need).requested_at == ahead


def test_a_provision_dated_ahead_of_the_clock_lets_a_vote_open_now(
    ledger: Ledger,
) -> None:
    """At the default time the gate reads requests as they stand: provided is met."""
    _, ada, voters, p = _board_with_a_proposal(ledger)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote"
    )
    ahead = datetime.now(UTC) + timedelta(minutes=5)
    ledger.provide_adjustment(need, by=ada, occurred_at=ahead)
    ledger.open_voting(p, by=ada)
    assert ledger.proposal(p).access_override is None
    # Dated no earlier than the provision, so the record shows the need met first.
    opened = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__ == "Proposal.VotingOpened"
    ]
    assert opened == [ahead]


def test_an_override_at_the_default_time_follows_the_needs_it_opens_over(
    ledger: Ledger,
) -> None:
    """Without a time, a vote opened over a need is dated no earlier than the need."""
    _, ada, voters, p = _board_with_a_proposal(ledger)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote", occurred_at=ahead
    )
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(p, by=ada)
    ledger.open_voting(p, by=ada, access_override="urgent")
    opened = [
        r.event for r in ledger.history() if isinstance(r.event, Proposal.VotingOpened)
    ]
    # The record shows the need asked for, then the vote opened over it.
    assert [(e.occurred_at, e.unmet_adjustments) for e in opened] == [(ahead, (need,))]


@pytest.mark.parametrize("answer", ["provide", "decline", "withdraw"])
@pytest.mark.parametrize("target", ["proposal", "meeting"])
def test_no_answer_dated_before_a_vote_that_opened_over_the_need(
    ledger: Ledger, answer: str, target: str
) -> None:
    """A need a vote opened over (with an override) cannot be answered before it."""
    at, ada, voters, meeting, p = _proposal_at_a_meeting(ledger)
    need = ledger.request_adjustment(
        voters[0],
        code="BSL",
        proposal=p if target == "proposal" else None,
        meeting=meeting if target == "meeting" else None,
        needed_before="vote",
        occurred_at=at(3),
    )
    ledger.open_voting(p, by=ada, access_override="urgent", occurred_at=at(10))

    def answer_at(hour: int | None) -> None:
        """Answer the need the way this case does, at *hour* or the default time."""
        when = None if hour is None else at(hour)
        if answer == "provide":
            ledger.provide_adjustment(need, by=ada, occurred_at=when)
        elif answer == "decline":
            ledger.decline_adjustment(
                need, by=ada, reason="unavailable", occurred_at=when
            )
        else:
            ledger.withdraw_adjustment(need, occurred_at=when)

    with refused(ledger, TimeOrderError, match="opened while it was unanswered"):
        answer_at(5)
    answer_at(10)
    assert ledger.adjustment(need).resolved_at == at(10)


def test_an_answer_at_the_default_time_follows_a_vote_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, an answer to a need a vote opened over follows the opening."""
    _, ada, voters, p = _board_with_a_proposal(ledger)
    need = ledger.request_adjustment(
        voters[0], code="BSL", proposal=p, needed_before="vote"
    )
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.open_voting(p, by=ada, access_override="urgent", occurred_at=ahead)
    ledger.provide_adjustment(need, by=ada)
    assert ledger.adjustment(need).resolved_at == ahead


def test_a_decline_reason_typed_as_words_is_not_repeated(ledger: Ledger) -> None:
    """A reason that is not a code is refused without echoing what it said."""
    ada = ledger.register_member("Ada", role="staff")
    sam = ledger.register_member("Sam")
    need = ledger.request_adjustment(sam, code="BSL")
    before = ledger.position
    with pytest.raises(UnknownCodeError) as raised:
        ledger.decline_adjustment(need, by=ada, reason="she is deaf, no interpreter")
    assert ledger.position == before
    assert "deaf" not in str(raised.value)
    assert "not_reasonable_cost" in str(raised.value)  # the codes it could be


def test_a_meeting_or_proposal_need_is_not_due_before_it_was_asked_for(
    ledger: Ledger,
) -> None:
    """A need for a meeting or proposal due before it was asked for is refused."""
    at, _, voters, meeting, p = _proposal_at_a_meeting(ledger)
    sam = voters[0]
    asked = at(6)

    def ask(
        target: tuple[UUID | None, UUID | None],
        by: datetime,
        when: datetime | None = None,
    ) -> UUID:
        return ledger.request_adjustment(
            sam,
            code="ER",
            meeting=target[0],
            proposal=target[1],
            needed_by=by,
            occurred_at=when,
        )

    for target in ((meeting, None), (None, p)):
        for early in (timedelta(seconds=1), timedelta(hours=3)):
            with refused(ledger, TimeOrderError, match="needed_by"):
                ask(target, asked - early, asked)
        with refused(ledger, TimeOrderError, match="needed_by"):
            ask(target, asked)  # at the default time, now
        assert ledger.adjustment(ask(target, asked, asked)).needed_by == asked
    # A standing request's needed_by is the day it holds from, which may be past.
    standing = ledger.request_adjustment(
        sam, code="ER", needed_by=at(1), occurred_at=asked
    )
    assert ledger.adjustment(standing).needed_by == at(1)


def test_a_meeting_need_with_no_needed_by_is_not_asked_for_after_its_start(
    ledger: Ledger,
) -> None:
    """A meeting need due at its start (no needed_by) asked once it began is refused."""
    at, _, voters, meeting, _ = _proposal_at_a_meeting(ledger)
    sam = voters[0]
    for before in ("papers", "meeting", "vote", "feedback"):
        for late in (at(12) + timedelta(seconds=1), at(20)):
            with refused(ledger, TimeOrderError, match="give needed_by"):
                ledger.request_adjustment(
                    sam,
                    code="REC",
                    meeting=meeting,
                    needed_before=before,
                    occurred_at=late,
                )
        with refused(ledger, TimeOrderError, match="meeting's start"):
            ledger.request_adjustment(sam, code="REC", meeting=meeting)  # now
    # Asked as it starts, or later with a deadline of its own, it is taken.
    ledger.request_adjustment(sam, code="ER", meeting=meeting, occurred_at=at(12))
    after = ledger.request_adjustment(
        sam, code="REC", meeting=meeting, needed_by=at(30), occurred_at=at(20)
    )
    assert ledger.adjustment(after).needed_by == at(30)


@pytest.mark.parametrize("target", ["proposal", "meeting"])
def test_an_answer_may_precede_a_vote_that_did_not_wait_for_the_need(
    ledger: Ledger, target: str
) -> None:
    """A need of someone with no vote held nothing up, so it may be met before it."""
    at, ada, _, meeting, p = _proposal_at_a_meeting(ledger)
    kit = ledger.raise_proposal(
        ledger.proposal(p).body,
        proposers=[ada],
        title="Kit",
        text="z",
        meeting=meeting,
        occurred_at=at(2),
    )
    needs = [
        ledger.request_adjustment(
            asker,
            code="BSL",
            proposal=p if target == "proposal" else None,
            meeting=meeting if target == "meeting" else None,
            needed_before="vote",
            occurred_at=at(3),
        )
        for asker in (ada, ada)  # Ada holds no seat, so no vote
    ]
    ledger.open_voting(p, by=ada, occurred_at=at(10))
    ledger.open_voting(kit, by=ada, occurred_at=at(11))
    ledger.provide_adjustment(needs[0], by=ada, occurred_at=at(5))
    ledger.decline_adjustment(needs[1], by=ada, reason="unavailable", occurred_at=at(4))
    assert [ledger.adjustment(n).resolved_at for n in needs] == [at(5), at(4)]


@pytest.mark.parametrize("target", ["proposal", "meeting"])
def test_a_need_of_someone_with_no_vote_may_be_dated_before_the_vote(
    ledger: Ledger, target: str
) -> None:
    """A non-voter's need held no vote up, so it may be entered dated before one."""
    at, ada, voters, meeting, p = _proposal_at_a_meeting(ledger)
    ledger.open_voting(p, by=ada, occurred_at=at(13))

    def ask(member: UUID) -> UUID:
        return ledger.request_adjustment(
            member,
            code="BSL",
            proposal=p if target == "proposal" else None,
            meeting=meeting if target == "meeting" else None,
            needed_before="meeting",
            occurred_at=at(5),
        )

    # Ada holds no seat: from minutes entered late, her need before the meeting.
    need = ask(ada)
    assert ledger.adjustment(need).requested_at == at(5)
    # A voter's need, dated before the vote it would have held up, is refused.
    with refused(ledger, TimeOrderError, match="would have held up"):
        ask(voters[0])
