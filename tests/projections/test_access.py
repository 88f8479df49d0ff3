"""X1-X5 accessibility figures, checked against hand-worked ledgers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from coledger import Ledger, Rule
from coledger.projections import access
from coledger.projections.lens import INSUFFICIENT, Lens, Scope
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day as on
from indicator_helpers import lens, person

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TH = Thresholds()


def day(n: float) -> datetime:
    """Business time *n* days after the start of the story (09:00 UTC on day 0)."""
    return T0 + timedelta(days=n)


@dataclass
class Board:
    """A board of four voters: Ann and Ben with lived experience, Cat and Dan."""

    ledger: Ledger
    admin: UUID
    ann: UUID
    ben: UUID
    cat: UUID
    dan: UUID
    board: UUID

    def meeting(
        self,
        on: float,
        kind: str = "decision_meeting",
        body: UUID | None = None,
        project: UUID | None = None,
    ) -> UUID:
        """Schedule a meeting starting on day *on*."""
        return self.ledger.schedule_meeting(
            body or self.board,
            kind=kind,
            title=f"{kind} on day {on}",
            starts_at=day(on),
            by=self.admin,
            project=project,
            occurred_at=day(0),
        )

    def request(
        self,
        member: UUID,
        on: float,
        meeting: UUID | None = None,
        *,
        proposal: UUID | None = None,
        needed_before: str = "meeting",
        needed_by: datetime | None = None,
    ) -> UUID:
        """A request made on day *on* (standing unless for a meeting or proposal)."""
        return self.ledger.request_adjustment(
            member,
            code="ER",
            meeting=meeting,
            proposal=proposal,
            needed_before=needed_before,
            needed_by=needed_by,
            occurred_at=day(on),
        )

    def kit(self) -> UUID:
        """Cat's proposal to buy kit, raised to the board on day 1."""
        return self.ledger.raise_proposal(
            self.board,
            proposers=[self.cat],
            title="Kit",
            text="Buy kit.",
            occurred_at=day(1),
        )

    def provide(self, request: UUID, on: float) -> None:
        """Provide *request* on day *on*."""
        self.ledger.provide_adjustment(request, by=self.admin, occurred_at=day(on))

    def decline(
        self,
        request: UUID,
        on: float,
        reason: str = "unavailable",
        alternative: str | None = None,
    ) -> None:
        """Decline *request* on day *on*."""
        self.ledger.decline_adjustment(
            request,
            by=self.admin,
            reason=reason,
            alternative=alternative,
            occurred_at=day(on),
        )

    def attend(self, meeting: UUID, *members: UUID, on: float) -> None:
        """Record who attended *meeting*."""
        for member in members:
            self.ledger.record_attendance(
                meeting, member, by=self.admin, occurred_at=day(on)
            )

    def papers(self, meeting: UUID, fmt: str, on: float) -> None:
        """Issue papers for *meeting* in one format on day *on*."""
        self.ledger.issue_papers(
            meeting, formats=[fmt], by=self.admin, occurred_at=day(on)
        )

    def lens(self, scope: Scope | None = None, **period: datetime) -> Lens:
        """The current facts through a scope and period."""
        return Lens(self.ledger.facts(), scope or Scope.ledger(), **period)


@pytest.fixture
def org() -> Iterator[Board]:
    """A fresh board on an in-memory ledger."""
    ledger = Ledger.open("memory://")
    start = day(-1)
    admin = ledger.register_member("Admin", role="staff", occurred_at=start)
    people = {}
    for name, role, categories in (
        ("Ann", "trainer", ["DIS"]),
        ("Ben", "trainer", ["LTHC"]),
        ("Cat", "staff", ["NONE"]),
        ("Dan", "director", ["NONE"]),
    ):
        member = ledger.register_member(name, role=role, occurred_at=start)
        ledger.declare_lived_experience(
            member, categories=categories, occurred_at=start
        )
        people[name] = member
    board = ledger.establish_body("Board", kind="governance", occurred_at=start)
    for member in people.values():
        ledger.assign_seat(board, member, by=admin, occurred_at=start)
    yield Board(
        ledger,
        admin,
        people["Ann"],
        people["Ben"],
        people["Cat"],
        people["Dan"],
        board,
    )
    ledger.close()


def test_x1_counts_requests_met_by_their_deadline(org: Board) -> None:
    """X1: on-time provisions over requests, leaving out withdrawn and pending ones."""
    m1, m2, m3 = org.meeting(10), org.meeting(20), org.meeting(30)
    p = org.kit()
    a1 = org.request(org.ann, 2, m1)
    # meeting m1 starts day 10: on time, though only in part
    org.ledger.provide_adjustment(a1, by=org.admin, partial=True, occurred_at=day(8))
    a2 = org.request(org.ben, 3, m2)
    # m2 started day 20: late (in part too, but a late one is not met)
    org.ledger.provide_adjustment(a2, by=org.admin, partial=True, occurred_at=day(21))
    a3 = org.request(org.ann, 4, m2)
    org.decline(a3, 15)  # declined: not fulfilled
    a4 = org.request(org.ben, 1)
    org.provide(a4, 5)  # standing: one item per board meeting, each met
    a5 = org.request(org.cat, 2, proposal=p, needed_before="vote")
    # before voting opens on day 25: on time, in part
    org.ledger.provide_adjustment(a5, by=org.admin, partial=True, occurred_at=day(24))
    a6 = org.request(org.dan, 5, m3)
    org.ledger.withdraw_adjustment(a6, occurred_at=day(6))  # withdrawn: left out
    org.request(org.ben, 2, m1)  # never answered, m1 long past: not fulfilled
    org.ledger.open_voting(p, by=org.cat, occurred_at=day(25))
    org.request(org.ann, 26, m3)  # open, but m3 (day 30) is still ahead: pending

    x1 = access.x1(org.lens(), TH)
    # counted: a1 a2 a3, a4 at m1 m2 m3 (Ben holds a board seat; m3 is ahead,
    # but a4 was provided already), a5 and the unanswered one = 8; on time:
    # a1, a4 three times, a5 = 5
    assert x1.value == 5 / 8
    assert x1.n == 8
    assert x1.coverage == 1.0  # Ann, Ben, Cat all answered the question
    assert x1.band == "shortfall"  # 0.5 < 0.9
    assert x1.note == (
        "1 provided late, 1 declined (1 never made good), 1 unresolved, "
        "2 of those met provided in part"  # a1 and a5 (a2 was late)
    )
    assert access.unresolved_declines(org.lens()) == 1

    # From day 3.5: a3, made in the period (a6 is withdrawn, the day-26
    # request is pending), and the requests made before it that were still
    # open as it began and fell due in it: a1 (met), a2 (late), a5 (met) and
    # the unanswered one. A standing request counts at the meetings held in
    # the period, whenever it was made: a4's three, all met. 5 of 8.
    later = access.x1(org.lens(since=day(3.5)), TH)
    assert (later.value, later.n) == (5 / 8, 8)
    # Before day 3.5 they were all still to fall due: a4 covered no meeting.
    assert access.x1(org.lens(until=day(3.5)), TH).n == 0


def test_x1_a_request_waiting_for_a_vote_not_yet_opened_is_pending(
    org: Board,
) -> None:
    """X1: needed before a vote that has not opened, a request is not yet failed."""
    p = org.kit()
    org.request(org.ann, 2, proposal=p, needed_before="vote")
    waiting = access.x1(org.lens(), TH)
    assert (waiting.value, waiting.n) == (None, 0)
    assert access.x1(org.lens(until=day(3)), TH).n == 0

    org.ledger.decide(
        p, outcome="adopted", method="consensus", by=org.cat, occurred_at=day(4)
    )  # decided without the vote it was needed for, still unanswered: failed
    decided = access.x1(org.lens(), TH)
    assert (decided.value, decided.n) == (0.0, 1)
    assert access.x1(org.lens(until=day(3)), TH).n == 0  # as it stood on day 3
    assert access.x1(org.lens(until=day(4)), TH).n == 0  # ends as the decision comes

    q = org.ledger.raise_proposal(
        org.board,
        proposers=[org.cat],
        title="Vans",
        text="Hire vans.",
        occurred_at=day(5),
    )
    org.request(org.ben, 6, proposal=q, needed_before="vote")
    org.ledger.withdraw_proposal(q, by=org.cat, occurred_at=day(8))
    assert access.x1(org.lens(since=day(5), until=day(7)), TH).n == 0  # still open
    # A period ending as the withdrawal comes: the proposal was still open then.
    assert access.x1(org.lens(since=day(5), until=day(8)), TH).n == 0
    assert access.x1(org.lens(since=day(5)), TH).n == 1  # withdrawn, never met


def test_x1_a_vote_opened_over_an_unmet_need_makes_its_provision_late(
    org: Board,
) -> None:
    """X1: a request needed before a vote is due as voting opens; feedback, not yet."""
    p = org.kit()
    before_vote = org.request(org.ann, 2, proposal=p, needed_before="vote")
    for_feedback = org.request(org.ben, 2, proposal=p, needed_before="feedback")
    org.request(org.cat, 2, proposal=p, needed_before="feedback")  # never answered
    org.provide(for_feedback, 4)
    org.ledger.open_voting(
        p, by=org.cat, access_override="the grant closes", occurred_at=day(5)
    )
    org.provide(before_vote, 6)  # after the vote it was needed for had opened
    now = org.lens()
    assert access.deadline(now, org.ledger.facts().adjustments[before_vote]) == day(5)
    assert access.deadline(now, org.ledger.facts().adjustments[for_feedback]) is None
    x1 = access.x1(now, TH)
    # Ann's came a day after the vote opened: late. Ben's, before any feedback:
    # met. Cat's waits for feedback not yet given: pending, not counted. 1 of 2.
    assert (x1.value, x1.n) == (1 / 2, 2)
    assert (x1.note or "").startswith("1 provided late, 0 declined")
    assert "0 unresolved" in (x1.note or "")
    # Once feedback is given, Cat's was due then with no answer: failed. 1 of 3.
    said = org.ledger.comment(p, author=org.dan, text="Soon?", occurred_at=day(7))
    org.ledger.give_feedback(
        p, comments=[said], text="Kit bought.", by=org.admin, occurred_at=day(7)
    )
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 3, 3)
    assert (x1.note or "").startswith("1 provided late, 0 declined")
    assert "1 unresolved" in (x1.note or "")


def test_x1_an_answer_before_the_period_end_counts_in_the_period(org: Board) -> None:
    """X1 for a period keeps a provision given before its end, not one given at it."""
    m = org.meeting(8)
    org.provide(org.request(org.ann, 2, m), 5)  # provided day 5, meeting day 8
    x1 = access.x1(org.lens(until=day(10)), TH)
    assert (x1.value, x1.n, x1.band) == (1.0, 1, "met")
    # The period [.., day 5) ends as the provision comes: still open then, and
    # due on day 8, after the period's end, so pending and not counted.
    assert access.x1(org.lens(until=day(5)), TH).n == 0


def test_x1_a_request_due_exactly_at_now_is_pending(org: Board) -> None:
    """X1: an open request whose deadline is now itself has not failed yet."""
    m = org.meeting(10)
    org.request(org.ann, 2, m)
    # With no period end, now is midnight after the latest business day (the
    # request, made on day 2); a request needed by then is pending as well.
    midnight = datetime.combine(day(3).date(), datetime.min.time(), tzinfo=UTC)
    org.request(org.ben, 2, needed_by=midnight)
    assert access.x1(org.lens(), TH).n == 0
    org.attend(org.meeting(20), org.cat, on=20)  # the record passes day 10
    # The period [.., day 10) ends as the meeting starts: provided at that very
    # moment the request would still be on time, so it is pending, not failed.
    at_start = access.x1(org.lens(until=day(10)), TH)
    assert (at_start.value, at_start.n) == (None, 0)
    # One moment later the deadline has passed with no answer: 0 of 1, and
    # Ben's standing request (from midnight) failed the day-10 meeting too.
    after = access.x1(org.lens(until=day(10) + timedelta(microseconds=1)), TH)
    assert (after.value, after.n) == (0.0, 2)


def test_x1_says_requests_made_but_none_due_apart_from_none_made(org: Board) -> None:
    """X1's reason for no value tells pending requests apart from no requests."""
    m = org.meeting(10)
    org.request(org.ann, 2, m)  # due at the meeting on day 10
    org.request(org.ben, 2)  # standing, before any meeting it could cover
    x1 = access.x1(org.lens(until=day(5)), TH)
    assert (x1.value, x1.n) == (None, 0)
    assert x1.note == (
        f"{INSUFFICIENT}: 2 adjustment requests were made, but none had fallen "
        "due by the period's end"
    )
    before = access.x1(org.lens(until=day(1)), TH)
    assert before.note == f"{INSUFFICIENT}: no adjustment requests were made"
    # With no period end, the meeting on day 10 is still to come.
    assert access.x1(org.lens(), TH).note == (
        f"{INSUFFICIENT}: 2 adjustment requests were made, but none has fallen due yet"
    )


def test_x1_x2_read_outcomes_as_they_stood_at_the_period_end(org: Board) -> None:
    """X1 and X2 for a period ignore answers given after the period's end."""
    m = org.meeting(20)
    declined = org.request(org.ann, 5, m)
    org.decline(declined, 15)  # answered after day 10, before the meeting
    provided = org.request(org.ben, 5, m)
    org.provide(provided, 16)
    late = org.request(org.cat, 5, m, needed_by=day(8))
    org.provide(late, 12)  # due on day 8, provided on day 12

    until_10 = org.lens(until=day(10))
    # On day 10 nothing had been answered. Ann's and Ben's requests were due on
    # day 20: pending, left out. Cat's was due on day 8 and still unanswered:
    # counted, failed. X1 = 0 of 1, an unresolved request, not a late one.
    x1 = access.x1(until_10, TH)
    assert (x1.value, x1.n) == (0.0, 1)
    assert (x1.note or "").startswith("0 provided late, 0 declined")
    assert "1 unresolved" in (x1.note or "")
    # No request had been answered by day 10, so X2 has nothing to count.
    assert access.x2(until_10, TH).value is None

    # All time: Ann declined, Ben met, Cat late -> X1 1 of 3; X2 1 of 3 declined.
    assert access.x1(org.lens(), TH).value == 1 / 3
    assert access.x2(org.lens(), TH).value == 1 / 3


def test_x1_explicit_needed_by_and_no_requests(org: Board) -> None:
    """X1: needed_by overrides the meeting start; no requests is no evidence."""
    assert (
        access.x1(org.lens(), TH).note
        == f"{INSUFFICIENT}: no adjustment requests were made"
    )
    m = org.meeting(20)
    early = org.request(org.ann, 1, m, needed_by=day(7))
    org.provide(early, 8)  # a day after it was needed, though before the meeting
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)


def test_a_decline_made_good_by_a_provided_alternative(org: Board) -> None:
    """A decline is made good by a provided request for the same meeting in time."""
    m = org.meeting(20)
    asked = org.request(org.ann, 4, m)
    org.decline(asked, 15, reason="alternative_offered", alternative="PLS")
    alternative = org.request(org.ann, 16, m)
    org.provide(alternative, 18)  # before the meeting on day 20
    assert access.unresolved_declines(org.lens()) == 0
    # The decline itself still failed: 1 on time (the alternative) of 2.
    assert access.x1(org.lens(), TH).value == 1 / 2
    # At exactly the fulfilment cut the band is met, and at a cut that
    # arithmetic left a hair over it too.
    assert access.x1(org.lens(), Thresholds(fulfilment=0.5)).band == "met"
    hair = Thresholds(fulfilment=math.nextafter(0.5, 1))
    assert access.x1(org.lens(), hair).band == "met"


def test_a_decline_made_good_at_the_edges(org: Board) -> None:
    """Made good by a request made as the decline came, and provided at the deadline."""
    m = org.meeting(20)
    asked = org.request(org.ann, 4, m)
    org.decline(asked, 5)
    again = org.request(org.ann, 5, m)  # at the moment of the decline
    org.provide(again, 20)  # as the meeting starts: still in time
    assert access.unresolved_declines(org.lens()) == 0


def test_another_need_asked_before_the_decline_does_not_make_it_good(
    org: Board,
) -> None:
    """Two needs asked together: one provided does not make good the one declined."""
    m = org.meeting(20)
    interpreter, papers = org.request(org.ann, 4, m), org.request(org.ann, 4, m)
    asked_later = org.request(org.ben, 6, m)
    ben_declined = org.request(org.ben, 4, m)
    org.provide(papers, 10)
    org.provide(asked_later, 11)  # asked after Ben's first, before its decline
    org.decline(interpreter, 12)
    org.decline(ben_declined, 12)
    assert access.unresolved_declines(org.lens()) == 2
    assert "2 declined (2 never made good)" in str(access.x1(org.lens(), TH).note)


def test_a_standing_decline_made_good_by_a_later_standing_provision(
    org: Board,
) -> None:
    """A standing request has no deadline: any later standing provision makes good."""
    org.decline(org.request(org.ann, 1), 2)
    org.provide(org.request(org.ann, 3), 40)
    assert access.unresolved_declines(org.lens()) == 0


def test_a_standing_requests_start_day_is_no_deadline_for_making_good(
    org: Board,
) -> None:
    """A standing request's needed_by is the day it holds from, not a deadline."""
    asked = org.request(org.ann, 1, needed_by=day(2))  # from day 2 on
    org.decline(asked, 3, reason="alternative_offered", alternative="LP")
    org.provide(org.request(org.ann, 3), 4)  # the alternative, asked for and given
    assert access.deadline(org.lens(), org.ledger.facts().adjustments[asked]) is None
    assert access.unresolved_declines(org.lens()) == 0


def test_a_second_decline_does_not_make_the_first_good(org: Board) -> None:
    """Asking again and being declined again leaves both declines unresolved."""
    m = org.meeting(20)
    org.decline(org.request(org.ann, 4, m), 10)
    org.decline(org.request(org.ann, 11, m), 12)  # answered in time, but declined
    assert access.unresolved_declines(org.lens()) == 2


def test_a_provision_for_another_meeting_does_not_make_good(org: Board) -> None:
    """A decline is made good only by a request for the same meeting, not another."""
    m1, m2 = org.meeting(20), org.meeting(30)
    org.decline(org.request(org.ann, 4, m1), 15)
    org.provide(org.request(org.ann, 16, m2), 18)  # in time, but for m2
    assert access.unresolved_declines(org.lens()) == 1


def test_x1_a_provision_exactly_at_the_deadline_is_on_time(org: Board) -> None:
    """X1: provided at the very moment the meeting starts is met (provided <= due)."""
    m = org.meeting(10)
    org.provide(org.request(org.ann, 2, m), 10)
    assert access.x1(org.lens(), TH).value == 1.0


def test_a_late_alternative_does_not_make_good(org: Board) -> None:
    """An alternative provided after the meeting leaves the decline unresolved."""
    m = org.meeting(20)
    asked = org.request(org.ann, 4, m)
    org.decline(asked, 15)
    alternative = org.request(org.ann, 16, m)
    org.provide(alternative, 21)
    assert access.unresolved_declines(org.lens()) == 1


def test_x1_scope_keeps_a_bodys_own_requests(org: Board) -> None:
    """X1 for a body: its meetings, its proposals, its seat holders' standing needs."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    org.ledger.assign_seat(panel, eve, by=org.admin, occurred_at=day(-1))
    board_meeting, panel_meeting = org.meeting(10), org.meeting(10, body=panel)
    org.provide(org.request(org.ann, 1, board_meeting), 2)  # board: on time
    org.decline(org.request(eve, 1, panel_meeting), 2)  # panel only
    org.decline(org.request(eve, 1), 2)  # Eve's standing need: panel only
    org.provide(org.request(org.ben, 1), 2)  # Ben's standing need: board

    whole = access.x1(org.lens(), TH)
    assert (whole.value, whole.n) == (2 / 4, 4)
    board = access.x1(org.lens(Scope.body(org.board)), TH)
    assert (board.value, board.n) == (2 / 2, 2)
    panel_x1 = access.x1(org.lens(Scope.body(panel)), TH)
    assert (panel_x1.value, panel_x1.n) == (0 / 2, 2)


def test_x1_body_scope_keeps_requests_on_proposals_raised_before_the_period(
    org: Board,
) -> None:
    """X1 for a body and period counts a request made in it on an older proposal."""
    p = org.kit()
    org.provide(org.request(org.ann, 6, proposal=p, needed_before="feedback"), 7)
    x1 = access.x1(org.lens(Scope.body(org.board), since=day(5)), TH)
    assert (x1.value, x1.n) == (1.0, 1)


def test_x1_project_scope_includes_its_meetings(org: Board) -> None:
    """X1 for a project counts requests for the project's meetings."""
    plan = org.ledger.start_project(
        "Plan", label="co_design", by=org.admin, occurred_at=day(0)
    )
    mine, other = org.meeting(10, project=plan), org.meeting(10)
    org.provide(org.request(org.ann, 1, mine), 2)
    org.decline(org.request(org.ben, 1, other), 2)
    x1 = access.x1(org.lens(Scope.project(plan)), TH)
    assert (x1.value, x1.n) == (1.0, 1)
    # A board meeting that a project proposal (raised before the period) was
    # raised at is the project's too: Cat's request for it, made on day 6,
    # counts in a period from day 5. Ben's request for the other meeting does not.
    held = org.meeting(20)
    org.ledger.raise_proposal(
        org.board,
        proposers=[org.cat],
        title="Vans",
        text="Hire vans.",
        project=plan,
        meeting=held,
        occurred_at=day(1),
    )
    org.decline(org.request(org.cat, 6, held), 7)
    later = access.x1(org.lens(Scope.project(plan), since=day(5)), TH)
    assert (later.value, later.n) == (0.0, 1)


def test_x2_decline_rate_reasons_and_repeats(org: Board) -> None:
    """X2: declines over answered requests, by reason, with repeat members counted."""
    m1, m2 = org.meeting(10), org.meeting(20)
    org.decline(org.request(org.ann, 1), 2, reason="insufficient_notice")
    org.decline(org.request(org.ann, 1, m1), 2)
    org.decline(
        org.request(org.ben, 1, m1), 2, reason="alternative_offered", alternative="PLS"
    )
    org.provide(org.request(org.cat, 1, m1), 2)
    withdrawn = org.request(org.dan, 1, m1)
    org.ledger.withdraw_adjustment(withdrawn, occurred_at=day(2))
    org.request(org.ben, 3, m2)  # still open: not answered

    x2 = access.x2(org.lens(), TH)
    # answered: Ann x2, Ben, Cat = 4; declined: 3
    assert (x2.value, x2.n) == (3 / 4, 4)
    assert x2.band == "repeated"  # Ann had two declined
    assert x2.note == (
        "declined by reason: alternative_offered 1, insufficient_notice 1, "
        "unavailable 1; 1 member(s) with 2 or more declined requests; "
        "1 standing request(s) declined for insufficient notice "
        "(an organisational failure)"
    )
    assert "Ann" not in (x2.note or "")


def test_x2_counts_only_standing_requests_declined_for_notice(org: Board) -> None:
    """X2's organisational-failure count needs both a standing request and notice."""
    m = org.meeting(10)
    org.decline(org.request(org.ann, 1), 2, reason="unavailable")  # standing
    org.decline(org.request(org.ben, 1, m), 2, reason="insufficient_notice")
    assert "; 0 standing request(s) declined" in (access.x2(org.lens(), TH).note or "")


def test_x2_without_declines(org: Board) -> None:
    """X2 is 0 with band none when every answered request was provided."""
    org.provide(org.request(org.ann, 1), 2)
    x2 = access.x2(org.lens(), TH)
    assert (x2.value, x2.n, x2.band) == (0.0, 1, "none")
    assert (x2.note or "").startswith("declined by reason: none; 0 member(s)")


def test_x2_counts_a_request_answered_after_its_period_in_the_period_answered(
    org: Board,
) -> None:
    """X2 counts a request answered in a later period there, once over the periods."""
    m = org.meeting(25)
    org.decline(org.request(org.ann, 8, m), 12)  # asked in one period, declined next
    org.provide(org.request(org.ben, 1), 2)  # asked and answered in the first
    org.provide(org.request(org.cat, 3), 22)  # standing: answered two periods on
    periods = [(0, 10), (10, 20), (20, 30)]
    found = [access.x2(org.lens(since=day(a), until=day(b)), TH) for a, b in periods]
    assert [(f.value, f.n) for f in found] == [(0.0, 1), (1.0, 1), (0.0, 1)]
    assert found[1].people == 1
    assert (found[1].note or "").startswith("declined by reason: unavailable 1;")
    whole = access.x2(org.lens(since=day(0), until=day(30)), TH)
    assert (whole.value, whole.n) == (1 / 3, 3)  # each once, as over the periods


def test_x3_papers_lead_time_per_meeting_and_format(org: Board) -> None:
    """X3: (meeting, format) pairs whose first issue came N days before the start."""
    m1, m2 = org.meeting(10), org.meeting(20)
    org.meeting(30)  # no papers: no pairs
    org.papers(m1, "STD", 1)  # 9 days ahead: on time
    org.papers(m1, "ER", 5)  # 5 days ahead: late
    org.papers(m2, "STD", 13)  # exactly 7 days ahead: on time
    org.papers(m2, "STD", 14)  # a reissue: the first issue counts
    org.papers(m2, "LP", 19)  # 1 day ahead: late
    x3 = access.x3(org.lens(), TH)
    # pairs (m1,STD) (m1,ER) (m2,STD) (m2,LP); on time 2
    assert (x3.value, x3.n, x3.band) == (2 / 4, 4, "late")
    # With a 5-day lead, (m1,ER) is on time too: 3 of 4.
    assert access.x3(org.lens(), Thresholds(deliberation_days=5)).value == 3 / 4
    # At exactly the fulfilment cut the band is on time, and a hair under it.
    assert access.x3(org.lens(), Thresholds(fulfilment=0.5)).band == "on_time"
    hair = Thresholds(fulfilment=math.nextafter(0.5, 1))
    assert access.x3(org.lens(), hair).band == "on_time"
    # The period keeps m1 only (starts in [day 5, day 15)): 1 of 2.
    period = org.lens(since=day(5), until=day(15))
    assert access.x3(period, TH).value == 1 / 2


def test_x4_accessible_papers_issued_before_anyone_asked(org: Board) -> None:
    """X4: meetings with a non-standard papers format issued ahead of any request."""
    m1, m2, m3 = org.meeting(10), org.meeting(20), org.meeting(30)
    social = org.meeting(15, kind="social")
    workshop = org.meeting(25, kind="workshop")
    org.request(org.ann, 2, m1)
    org.papers(m1, "ER", 5)  # asked for on day 2 first: a response, not a baseline
    org.papers(m2, "LP", 12)
    org.request(org.ben, 14, m2)  # asked only after LP went out: m2 was anticipatory
    org.papers(m3, "STD", 20)  # standard print only
    m4 = org.meeting(35)
    org.papers(m4, "STD", 21)
    org.papers(m4, "BSLV", 22)  # one accessible format beside print is enough
    org.papers(social, "ER", 10)  # socials are left out
    p = org.ledger.raise_proposal(
        org.board,
        proposers=[org.cat],
        title="Kit",
        text="Buy kit.",
        meeting=workshop,
        occurred_at=day(1),
    )
    org.request(org.ann, 3, proposal=p)  # asked via a proposal raised at it
    org.papers(workshop, "PLS", 6)
    x4 = access.x4(org.lens(), TH)
    # The record ends on day 22: only m1 and m2 have been held (m2 yes) -> 1/2.
    assert (x4.value, x4.n, x4.band) == (1 / 2, 2, "partial")
    org.attend(m4, org.cat, on=35)  # the record reaches m4's day: all were held
    x4 = access.x4(org.lens(), TH)
    # m1 no, m2 yes, m3 no, m4 yes, workshop no; social left out: 2 of 5
    assert (x4.value, x4.n, x4.band) == (2 / 5, 5, "partial")
    assert "adapted" in (x4.note or "")


def test_x4_papers_issued_after_the_meeting_began_are_not_anticipatory(
    org: Board,
) -> None:
    """X4: accessible papers count only when issued by the meeting's start."""
    after, at_start = org.meeting(10), org.meeting(20)
    org.papers(after, "ER", 12)  # two days after the meeting: no help to take part
    org.papers(at_start, "LP", 20)  # handed out as the meeting starts
    x4 = access.x4(org.lens(), TH)
    # Nobody asked for anything, so only the timing decides: 1 of 2 meetings.
    assert (x4.value, x4.n, x4.band) == (1 / 2, 2, "partial")


def test_x4_bands_at_none_and_every_meeting(org: Board) -> None:
    """X4 is reactive with no anticipatory meeting and baseline with all of them."""
    m = org.meeting(10)
    org.papers(m, "STD", 1)
    org.attend(m, org.cat, on=10)  # the record reaches the meeting's day
    assert access.x4(org.lens(), TH).band == "reactive"
    org.papers(m, "ER", 2)
    assert access.x4(org.lens(), TH).band == "baseline"


def test_x4_note_names_each_baseline_code_once_and_says_when_none_is_set(
    org: Board,
) -> None:
    """X4's note names a baseline code given twice once, and no codes as none."""
    m = org.meeting(10)
    org.papers(m, "ER", 1)
    org.attend(m, org.cat, on=10)  # the record reaches the meeting's day
    twice = access.x4(org.lens(), Thresholds(baseline=("PLS", "CAP", "PLS")))
    assert twice.note == (
        "adapted: accessible papers formats issued unasked stand in for the "
        "baseline set (PLS, CAP), which the record cannot show"
    )
    empty = access.x4(org.lens(), Thresholds(baseline=()))
    assert empty.note == (
        "adapted: accessible papers formats issued unasked stand in for a "
        "baseline set, though none is set"
    )
    assert (empty.value, empty.band) == (twice.value, twice.band)


def test_x4_papers_issued_as_someone_asks_are_not_anticipatory(org: Board) -> None:
    """X4: accessible papers must come strictly before any request for the meeting."""
    m = org.meeting(10)
    org.request(org.ann, 3, m)
    org.papers(m, "ER", 3)
    org.attend(m, org.cat, on=10)  # the record reaches the meeting's day
    assert access.x4(org.lens(), TH).value == 0.0


def test_x4_reads_a_request_withdrawn_before_the_papers_as_asked(org: Board) -> None:
    """X4: a request withdrawn before the papers went out still asked for them."""
    asked, unasked = org.meeting(10), org.meeting(12)
    request = org.request(org.ann, 2, asked)
    org.ledger.withdraw_adjustment(request, by=org.ann, occurred_at=day(3))
    org.papers(asked, "ER", 5)
    org.papers(unasked, "ER", 5)
    org.attend(unasked, org.cat, on=12)  # the record reaches both meetings
    x4 = access.x4(org.lens(), TH)
    assert (x4.value, x4.n) == (1 / 2, 2)  # only the meeting nobody asked for


def test_x4_reads_a_standing_request_covering_the_meeting_as_asked(
    org: Board,
) -> None:
    """X4: papers after a standing request that covered the meeting were asked for."""
    standing = org.request(org.ann, 2)  # Ann, seated, asks once for every meeting
    before, covered = org.meeting(10), org.meeting(20)
    org.papers(before, "ER", 1)  # out before she asked: unasked
    org.papers(covered, "ER", 5)  # the answer to her standing request
    org.provide(standing, 5)
    elsewhere = org.ledger.establish_body(
        "Club", kind="working_group", occurred_at=day(0)
    )
    unexpected = org.meeting(20, body=elsewhere)  # Ann holds no seat there
    org.papers(unexpected, "ER", 5)
    org.attend(covered, org.ann, on=20)  # the record reaches every meeting
    # X1 counts the ER papers as her request met at both of her meetings...
    assert access.x1(org.lens(), TH).value == 1.0
    # ...so X4 cannot count them as unasked too: 2 of 3 meetings.
    x4 = access.x4(org.lens(), TH)
    assert (x4.value, x4.n) == (2 / 3, 3)
    club = access.x4(org.lens(Scope.body(elsewhere)), TH)
    assert (club.value, club.n) == (1.0, 1)


def test_x5_attendance_parity_and_barrier_note(org: Board) -> None:
    """X5: LE seat holders' attendance rate over others', with the (b) barrier note."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    m1, m2, m3 = org.meeting(10), org.meeting(20), org.meeting(30)
    org.meeting(25, kind="social")  # nobody came; socials are left out
    org.attend(m1, org.ann, org.cat, org.dan, eve, on=10)  # Eve holds no seat
    org.attend(m2, org.cat, on=20)
    org.attend(m3, org.ann, org.ben, org.cat, org.dan, on=30)
    org.decline(org.request(org.ann, 12, m2), 15)  # Ann then missed m2
    org.provide(org.request(org.ben, 22, m3), 25)  # Ben then came to m3
    x5 = access.x5(org.lens(), TH)
    # LE: Ann, Ben x 3 meetings = 6 expected, attended 1 + 0 + 2 = 3 -> 1/2
    # others: Cat, Dan x 3 = 6 expected, attended 2 + 1 + 2 = 5 -> 5/6
    # parity (1/2) / (5/6) = 0.6
    assert x5.value == pytest.approx(0.6)
    assert (x5.n, x5.coverage, x5.band) == (12, 1.0, "below_parity")
    assert x5.groups == (2, 2)  # seat holders with and without lived experience
    assert x5.note == (
        "(b) attended 1 of 1 meetings where the member's request was provided, "
        "0 of 1 where it was declined"
    )


def test_x5_in_the_ledger_scope_counts_every_bodys_meetings(org: Board) -> None:
    """X5 over the ledger reads an advisory panel's meetings, not only the board's."""
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    for member in (org.ann, org.cat):
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-1))
    m = org.meeting(10, body=panel)
    org.attend(m, org.cat, on=10)
    x5 = access.x5(org.lens(), TH)
    # Ann (lived experience) 0 of 1, Cat 1 of 1: (0 / 1) / (1 / 1) = 0.
    assert (x5.value, x5.n, x5.band) == (0.0, 2, "below_parity")
    assert access.x5(org.lens(Scope.body(panel)), TH).value == 0.0
    # At exactly X5's cut (here 0) the band is parity.
    assert access.x5(org.lens(), Thresholds(attendance_parity=0)).band == "parity"


def _x5_with_le_attending(org: Board, le_attended: int) -> None:
    """Ten board meetings: Cat and Dan attend all, Ann and Ben *le_attended* of 20."""
    missed = 20 - le_attended
    for k in range(10):
        m = org.meeting(10 + k)
        org.attend(m, org.cat, org.dan, on=10 + k)
        for member in (org.ann, org.ben):
            if missed:
                missed -= 1
                continue
            org.attend(m, member, on=10 + k)


def test_x5_is_below_parity_under_the_references_cut_of_0_9(org: Board) -> None:
    """X5 of 0.85 (17 of 20 against 20 of 20) is below parity by default, not at it."""
    _x5_with_le_attending(org, 17)
    x5 = access.x5(org.lens(), TH)
    assert x5.value == pytest.approx(0.85)
    assert x5.band == "below_parity"
    # Only X5's own cut moves its band; the shared parity cut does not.
    assert access.x5(org.lens(), Thresholds(parity=0.5)).band == "below_parity"
    assert access.x5(org.lens(), Thresholds(attendance_parity=0.85)).band == "parity"


def test_x5_barrier_note_counts_only_answered_requests_for_meetings_held(
    org: Board,
) -> None:
    """X5's note leaves out open requests and meetings outside the period."""
    m1, m2 = org.meeting(5), org.meeting(20)
    org.attend(m1, org.ann, org.cat, on=5)
    org.request(org.ben, 1, m1)  # never answered
    org.provide(org.request(org.ann, 2, m2), 3)  # for a meeting after the period
    x5 = access.x5(org.lens(until=day(10)), TH)
    assert x5.note == (
        "(b) attended 0 of 0 meetings where the member's request was provided, "
        "0 of 0 where it was declined"
    )


def test_x5_barrier_note_reads_a_meeting_in_the_period_asked_for_before_it(
    org: Board,
) -> None:
    """X5's note reads a meeting held in the period whose request came before it."""
    m1, m2 = org.meeting(15), org.meeting(25)
    org.attend(m1, org.ann, org.cat, on=15)
    org.attend(m2, org.cat, on=25)
    org.provide(org.request(org.ann, 2, m1), 3)  # asked and met in the period before
    org.decline(org.request(org.ben, 12, m2), 22)  # asked in the period before m2
    found = [
        access.x5(org.lens(since=day(a), until=day(b)), TH).note
        for a, b in [(10, 20), (20, 30)]
    ]
    note = "(b) attended {} meetings where the member's request was provided, {} where"
    assert found == [
        note.format("1 of 1", "0 of 0") + " it was declined",
        note.format("0 of 0", "0 of 1") + " it was declined",
    ]


def test_x5_barrier_note_counts_a_members_meeting_once_however_many_requests(
    org: Board,
) -> None:
    """X5's note counts meetings, so two requests met for one meeting are one."""
    m1, m2 = org.meeting(10), org.meeting(20)
    org.provide(org.request(org.ann, 2, m1), 5)  # Easy Read papers...
    org.provide(org.request(org.ann, 2, m1), 5)  # ...and another need, both met
    org.provide(org.request(org.ben, 2, m2), 5)
    org.decline(org.request(org.cat, 2, m2), 5)
    org.decline(org.request(org.cat, 3, m2), 5)
    org.attend(m1, org.ann, org.cat, on=10)
    org.attend(m2, org.cat, on=20)
    # Ann came to m1 and Ben missed m2: 1 of 2; Cat came to m2, declined twice.
    assert access.x5(org.lens(), TH).note == (
        "(b) attended 1 of 2 meetings where the member's request was provided, "
        "1 of 1 where it was declined"
    )


def test_x5_needs_both_groups(org: Board) -> None:
    """X5 reports insufficient evidence when no one else attended."""
    m = org.meeting(10)
    org.attend(m, org.ann, on=10)
    x5 = access.x5(org.lens(), TH)
    assert x5.value is None
    assert x5.n == 4


def test_an_insufficient_x5_still_gives_its_coverage(org: Board) -> None:
    """X5 without a figure still reports the coverage of the members it expected."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))  # never answers
    org.ledger.assign_seat(org.board, eve, by=org.admin, occurred_at=day(-1))
    m = org.meeting(10)
    org.attend(m, org.ann, on=10)  # none of the others came: no ratio
    x5 = access.x5(org.lens(), TH)
    # Expected: Ann, Ben, Cat, Dan (all declared) and Eve (not): 5, 4 declared.
    assert (x5.value, x5.n) == (None, 5)
    assert x5.coverage == pytest.approx(4 / 5)


def test_compute_returns_the_five_codes(org: Board) -> None:
    """compute() gives X1 to X5, each carrying its code."""
    figures = access.compute(org.lens(), TH)
    assert sorted(figures) == ["X1", "X2", "X3", "X4", "X5"]
    assert all(code == f.code for code, f in figures.items())


def test_x5_in_a_project_scope_counts_its_meetings_whatever_body_held_them(
    memory_ledger: Ledger,
) -> None:
    """A project's workshops held by a body it sent no proposal to still count."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    ann = person(ledger, "Ann", none_from=0)
    lee, kim = (person(ledger, name, le_from=0) for name in ("Lee", "Kim"))
    board = ledger.establish_body("Board", kind="governance", occurred_at=on(0))
    panel = ledger.establish_body("Panel", kind="working_group", occurred_at=on(0))
    for member in (staff, ann, lee, kim):
        ledger.assign_seat(panel, member, by=staff, occurred_at=on(0))
    ledger.assign_seat(board, staff, by=staff, occurred_at=on(0))
    project = ledger.start_project(
        "Festival", label="co_production", by=staff, occurred_at=on(0)
    )
    for n in (5, 6):
        meeting = ledger.schedule_meeting(
            panel,
            kind="workshop",
            title="Workshop",
            starts_at=on(n),
            project=project,
            by=staff,
            occurred_at=on(1),
        )
        for member in (staff, ann, lee):  # Kim never comes
            ledger.record_attendance(meeting, member, by=staff, occurred_at=on(n))
    ledger.raise_proposal(
        board,
        proposers=[staff],
        title="Budget",
        text="x",
        project=project,
        occurred_at=on(7),
    )
    in_project = access.x5(lens(ledger, Scope.project(project)), TH)
    on_panel = access.x5(lens(ledger, Scope.body(panel)), TH)
    assert (in_project.value, in_project.n, in_project.band) == (0.5, 8, "below_parity")
    assert (on_panel.value, on_panel.n) == (in_project.value, in_project.n)


def test_x1_a_request_for_a_vote_that_never_came_was_due_at_the_decision(
    memory_ledger: Ledger,
) -> None:
    """Decided without a vote, a request needed before the vote was due then."""
    ledger = memory_ledger
    staff = person(ledger, "Sol", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=on(0))
    proposal = ledger.raise_proposal(
        board, proposers=[staff], title="Kit", text="x", occurred_at=on(1)
    )
    late = ledger.request_adjustment(
        lee, code="ER", proposal=proposal, needed_before="vote", occurred_at=on(2)
    )
    in_time = ledger.request_adjustment(
        lee, code="BSL", proposal=proposal, needed_before="vote", occurred_at=on(2)
    )
    ledger.provide_adjustment(in_time, by=staff, occurred_at=on(10))
    ledger.decide(
        proposal, outcome="adopted", method="consensus", by=staff, occurred_at=on(10)
    )
    ledger.provide_adjustment(late, by=staff, occurred_at=on(90))
    figure = access.x1(lens(ledger), TH)
    assert (figure.value, figure.n) == (0.5, 2)
    assert figure.note is not None
    assert figure.note.startswith("1 provided late")


def _vote_opened_on_day_two(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """Staff and Lee (lived experience) on a board of quorum one, voting from day 2.

    Returns the staff member, Lee and the proposal, raised on day 1.
    """
    staff = person(ledger, "Sol", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    board = ledger.establish_body(
        "Board", kind="governance", rule=Rule.majority(quorum=1), occurred_at=on(0)
    )
    for member in (staff, lee):
        ledger.assign_seat(board, member, by=staff, occurred_at=on(0))
    proposal = ledger.raise_proposal(
        board, proposers=[staff], title="Kit", text="x", occurred_at=on(1)
    )
    ledger.open_voting(proposal, by=staff, occurred_at=on(2))
    return staff, lee, proposal


def test_x1_a_request_made_after_a_vote_that_decided_nothing_is_due_next(
    memory_ledger: Ledger,
) -> None:
    """After a not_valid vote, a need before the vote is due at the next decision."""
    ledger = memory_ledger
    staff, lee, proposal = _vote_opened_on_day_two(ledger)
    ledger.cast_ballot(proposal, voter=staff, choice="for", occurred_at=on(3))
    assert ledger.close_voting(proposal, by=staff, occurred_at=on(4)).outcome == (
        "not_valid"
    )
    need = ledger.request_adjustment(
        lee, code="ER", proposal=proposal, needed_before="meeting", occurred_at=on(5)
    )
    assert access.x1(lens(ledger), TH).value is None  # pending: nothing is due yet
    ledger.provide_adjustment(need, by=staff, occurred_at=on(6))
    ledger.decide(
        proposal, outcome="adopted", method="consensus", by=staff, occurred_at=on(7)
    )
    figure = access.x1(lens(ledger), TH)
    assert (figure.value, figure.n) == (1.0, 1)


# Standing requests: one expected outcome per meeting ------------------------------


def _meetings(org: Board, *days: float, attended_by: UUID | None = None) -> None:
    """Board decision meetings on *days*, each attended by *attended_by* if given."""
    for when in days:
        meeting = org.meeting(when)
        if attended_by is not None:
            org.attend(meeting, attended_by, on=when)


def test_x1_a_standing_request_provided_after_ten_meetings_met_none(
    org: Board,
) -> None:
    """X1: a standing request first provided after ten meetings is 0 of 10, not 1."""
    asked = org.request(org.ann, 2)  # standing: for no meeting or proposal
    _meetings(org, *(10 + 7 * k for k in range(10)), attended_by=org.ann)
    org.provide(asked, 90)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n, x1.band) == (0.0, 10, "shortfall")
    assert (x1.note or "").startswith("10 provided late, 0 declined")


def test_x1_a_standing_request_provided_before_the_first_meeting_meets_each(
    org: Board,
) -> None:
    """X1: provided before its first meeting, a standing request meets every one."""
    org.provide(org.request(org.ann, 2), 5)
    _meetings(org, 10, 20, 30)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n, x1.band) == (1.0, 3, "met")


def test_x1_a_standing_request_provided_midway_fails_the_meetings_before(
    org: Board,
) -> None:
    """X1: provided between meetings, a standing request fails those before it."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10, 20, 30, 40)
    org.provide(asked, 25)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (2 / 4, 4)
    assert (x1.note or "").startswith("2 provided late, 0 declined")
    # For a period that ended before the provision, both meetings were unmet
    # and the request was still unanswered.
    until = access.x1(org.lens(until=day(22)), TH)
    assert (until.value, until.n) == (0.0, 2)
    assert "2 unresolved" in (until.note or "")


def test_x1_a_withdrawn_standing_request_counts_the_meetings_before_it(
    org: Board,
) -> None:
    """X1: a withdrawal ends a standing request; the meetings before it still count."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10, 20, 30)
    org.ledger.withdraw_adjustment(asked, occurred_at=day(15))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)  # m10 only, with no outcome
    assert "1 unresolved" in (x1.note or "")


def test_x1_a_declined_standing_request_is_declined_at_each_meeting_after(
    org: Board,
) -> None:
    """X1: a decline answers a standing request at every meeting after it."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10, 20, 30)
    org.decline(asked, 15)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 3)
    assert x1.note == (
        "0 provided late, 2 declined (2 never made good), 1 unresolved, "
        "0 of those met provided in part"
    )


def test_x1_a_declined_standing_request_withdrawn_stops_counting_after(
    org: Board,
) -> None:
    """X1: withdrawn after its decline, a standing request covers no later meeting."""
    declined = org.request(org.ann, 2)
    org.decline(declined, 3, reason="alternative_offered", alternative="PLS")
    org.provide(org.request(org.ann, 4), 5)  # the alternative, asked for and given
    _meetings(org, 4.5, 10, 20)
    org.ledger.withdraw_adjustment(declined, occurred_at=day(6))
    x1 = access.x1(org.lens(), TH)
    # Day 4.5: declined, and the new request not yet provided (late); then met.
    assert (x1.value, x1.n) == (2 / 4, 4)
    assert x1.note == (
        "1 provided late, 1 declined (0 never made good), 0 unresolved, "
        "0 of those met provided in part"
    )
    # X2 still counts the decline: it was the organisation's answer.
    assert access.x2(org.lens(), TH).n == 2


def test_x1_a_standing_request_counts_at_meetings_in_scope_and_period(
    org: Board,
) -> None:
    """X1: a standing request counts at meetings in scope and period, whenever made."""
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    org.provide(org.request(org.ann, 2, needed_by=day(8)), 5)
    _meetings(org, 10, 20)
    visited = org.meeting(30, body=panel)  # Ann holds no panel seat, but came
    org.meeting(40, body=panel)  # ... and not to this one
    org.attend(visited, org.ann, on=30)
    org.meeting(6)  # before the day the request was needed by: not expected

    assert access.x1(org.lens(), TH).n == 3
    board = access.x1(org.lens(Scope.body(org.board)), TH)
    assert (board.value, board.n) == (1.0, 2)
    panel_x1 = access.x1(org.lens(Scope.body(panel)), TH)
    assert (panel_x1.value, panel_x1.n) == (1.0, 1)
    later = access.x1(org.lens(since=day(15), until=day(35)), TH)  # made before
    assert (later.value, later.n) == (1.0, 2)


def test_x1_a_standing_request_expects_no_one_who_was_not_expected(
    org: Board,
) -> None:
    """X1: a meeting its member held no seat for and did not attend adds no item."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    org.provide(org.request(eve, 2), 5)  # Eve holds no seat anywhere
    _meetings(org, 10)
    org.meeting(20, kind="social")  # a social expects only those who came
    assert access.x1(org.lens(), TH).n == 0
    social = org.meeting(30, kind="social")
    org.attend(social, eve, on=30)
    assert (access.x1(org.lens(), TH).value, access.x1(org.lens(), TH).n) == (1.0, 1)


def test_x1_a_standing_request_is_pending_for_meetings_still_ahead(
    org: Board,
) -> None:
    """X1: an unanswered standing request has not failed a meeting yet to start."""
    org.request(org.ann, 2)
    _meetings(org, 3, 30)
    held = org.meeting(4)
    org.attend(held, org.cat, on=4)  # the latest business time: day 30 is ahead
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 2)  # failed on days 3 and 4; day 30 pending


def test_x1_an_erasure_ends_its_members_standing_requests(org: Board) -> None:
    """X1: a standing request stops covering meetings once its member is erased."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10, 20, 30)  # Ann's board seat is never vacated
    org.provide(asked, 12)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(25))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 2, 2)  # m10 late, m20 met; m30 after erasure


def test_x1_an_erasure_before_its_deadline_ends_a_members_open_request(
    org: Board,
) -> None:
    """X1: a request nobody may answer once its member is erased, before due, is out."""
    early, late = org.meeting(10), org.meeting(30)
    org.request(org.ann, 2, early)  # due day 10, still open at the erasure: failed
    org.request(org.ann, 2, late)  # due day 30: the erasure ended it first
    org.request(org.ben, 2, late)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(20))
    org.attend(late, org.cat, on=30)  # day 30 has come
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 2)  # Ann's for day 10, Ben's for day 30
    assert "2 unresolved" in (x1.note or "")


def test_x1_with_only_a_request_an_erasure_ended_says_so(org: Board) -> None:
    """X1's note names the erasure, not a request still to fall due."""
    late = org.meeting(30)
    org.request(org.ann, 2, late)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(20))
    org.attend(late, org.cat, on=30)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (None, 0)
    assert x1.note is not None
    assert x1.note.endswith(
        "1 adjustment request was made, but its member was erased before it fell due"
    )


def test_x1_a_need_asked_for_as_the_vote_opens_is_due_at_the_opening(
    org: Board,
) -> None:
    """X1: a need before the vote asked for as voting opens is due at the opening."""
    p = org.kit()
    org.ledger.open_voting(p, by=org.cat, occurred_at=day(5))
    asked = org.request(org.ann, 5, proposal=p, needed_before="vote")
    org.provide(asked, 6)
    assert access.deadline(org.lens(), org.ledger.facts().adjustments[asked]) == day(5)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)
    assert (x1.note or "").startswith("1 provided late")


def test_x1_a_standing_request_withdrawn_as_a_meeting_starts_does_not_cover_it(
    org: Board,
) -> None:
    """X1: withdrawn at a meeting's very start, a request does not cover it."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10, 20)
    org.ledger.withdraw_adjustment(asked, occurred_at=day(20))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)  # day 10 only, unanswered


def test_x1_a_standing_request_provided_as_a_meeting_starts_meets_it(
    org: Board,
) -> None:
    """X1: a standing request provided at a meeting's very start met that meeting."""
    asked = org.request(org.ann, 2)
    _meetings(org, 10)
    org.provide(asked, 10)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n, x1.band) == (1.0, 1, "met")


def test_x1_a_standing_request_expects_no_seat_holder_at_a_social_they_missed(
    org: Board,
) -> None:
    """X1: a social meeting of the member's own body adds no item unless they came."""
    org.provide(org.request(org.ann, 2), 5)
    _meetings(org, 10)
    org.meeting(20, kind="social")  # on Ann's board, but she did not come
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1.0, 1)


def test_x1_an_erasure_dated_before_an_attendance_recorded_earlier_ends_cover(
    org: Board,
) -> None:
    """X1: a standing request covers no meeting after its member's (dated) erasure."""
    asked = org.request(org.ann, 2)
    org.provide(asked, 5)
    _meetings(org, 10)
    late = org.meeting(30)
    org.attend(late, org.ann, on=30)  # recorded before the erasure, dated after it
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(25))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1.0, 1)  # day 10 met; day 30 came after the erasure


def test_x2_for_a_body_leaves_out_standing_requests_of_members_seated_before(
    org: Board,
) -> None:
    """X2 for a body and period reads only its seat holders' standing needs then."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    org.ledger.assign_seat(panel, eve, by=org.admin, occurred_at=day(-1))
    org.ledger.vacate_seat(panel, eve, by=org.admin, occurred_at=day(5))
    org.decline(org.request(eve, 10), 11)  # standing, made after she left
    then = access.x2(org.lens(Scope.body(panel), since=day(8)), TH)
    assert (then.value, then.n) == (None, 0)
    seated = access.x2(org.lens(Scope.body(panel)), TH)  # she sat in this period
    assert (seated.value, seated.n) == (1.0, 1)


def test_x2_for_a_body_counts_a_standing_need_answered_after_its_member_left(
    org: Board,
) -> None:
    """X2 for a body counts a seat holder's standing need answered a period on once."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    org.ledger.assign_seat(panel, eve, by=org.admin, occurred_at=day(-1))
    asked = org.request(eve, 5)  # standing, asked while she sat
    org.ledger.vacate_seat(panel, eve, by=org.admin, occurred_at=day(15))
    org.decline(asked, 25)  # answered after she left, in the next period
    scope = Scope.body(panel)
    whole = access.x2(org.lens(scope, since=day(0), until=day(30)), TH)
    assert (whole.value, whole.n) == (1.0, 1)
    first = access.x2(org.lens(scope, since=day(0), until=day(20)), TH)
    then = access.x2(org.lens(scope, since=day(20), until=day(30)), TH)
    assert (first.n, then.n) == (0, 1)  # once over the two periods, as over both
    assert then.value == 1.0


def test_x5_divides_each_group_by_its_own_expected_attendance(org: Board) -> None:
    """X5: each group's rate is over its own seat holders, when the groups differ."""
    eve = org.ledger.register_member("Eve", occurred_at=day(-1))
    org.ledger.assign_seat(org.board, eve, by=org.admin, occurred_at=day(-1))
    meeting = org.meeting(10)
    org.attend(meeting, org.ann, org.cat, on=10)
    x5 = access.x5(org.lens(), TH)
    # lived experience: 1 of Ann, Ben; others: 1 of Cat, Dan, Eve -> (1/2) / (1/3)
    assert x5.value == pytest.approx(1.5)
    assert (x5.n, x5.groups, x5.band) == (5, (2, 3), "parity")


def test_x3_leaves_out_papers_issued_after_the_period(org: Board) -> None:
    """A format first issued after a period's end adds no pair to it."""
    m = org.meeting(10)
    org.papers(m, "STD", 1)
    before = access.x3(org.lens(until=day(30)), TH)
    assert (before.value, before.n) == (1, 1)
    org.papers(m, "ER", 40)  # Easy Read papers for it, on day 40
    assert access.x3(org.lens(until=day(30)), TH) == before
    assert access.x3(org.lens(), TH).n == 2


def test_x1_a_request_needed_before_feedback_is_due_at_the_feedback(
    org: Board,
) -> None:
    """X1: a need before feedback is pending until feedback comes, and due then."""
    p = org.kit()
    said = org.ledger.comment(
        p, author=org.ann, text="Lighter kit.", occurred_at=day(1)
    )
    early = org.request(org.ann, 2, proposal=p, needed_before="feedback")
    late = org.request(org.ben, 2, proposal=p, needed_before="feedback")
    org.provide(early, 3)
    # No feedback yet: Ben's need is still to come, not a failure.
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1.0, 1)
    org.ledger.give_feedback(
        p, comments=[said], text="Lighter kit.", by=org.admin, occurred_at=day(5)
    )
    facts = org.ledger.facts()
    assert access.deadline(org.lens(), facts.adjustments[late]) == day(5)
    # Unanswered when the feedback came: it failed.
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 2, 2)
    assert "1 unresolved" in (x1.note or "")
    # Provided after the feedback it was needed for: late, not met.
    org.provide(late, 9)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 2, 2)
    assert (x1.note or "").startswith("1 provided late")


def test_x1_a_request_withdrawn_after_it_was_due_stays_failed(org: Board) -> None:
    """X1: a withdrawal after the deadline passed unanswered does not unfail it."""
    m1, m2 = org.meeting(10), org.meeting(20)
    on_time = org.request(org.ann, 2, m1)
    org.provide(on_time, 5)
    in_time = org.request(org.ben, 2, m2)
    org.ledger.withdraw_adjustment(in_time, occurred_at=day(20))  # at m2's start
    too_late = org.request(org.cat, 2, m1)
    before = access.x1(org.lens(until=day(15)), TH)
    assert (before.value, before.n) == (1 / 2, 2)  # Cat's failed at m1, day 10
    org.ledger.withdraw_adjustment(too_late, occurred_at=day(40))
    after = access.x1(org.lens(until=day(15)), TH)
    assert (after.value, after.n, after.note) == (before.value, 2, before.note)
    assert "1 unresolved" in (after.note or "")
    # Withdrawn exactly as it fell due, Ben's was never needed: left out.
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 2, 2)


# Erasure at the edges ---------------------------------------------------------------


def test_x1_an_erasure_at_a_requests_deadline_ends_it(org: Board) -> None:
    """X1: an erasure at the very deadline of an open request ends it, not fails it."""
    late = org.meeting(30)
    org.request(org.ann, 2, late)  # due day 30, when Ann is erased
    org.request(org.ben, 2, late)  # never answered: unresolved
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(30))
    org.attend(late, org.cat, on=30)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)


def test_x1_an_erasure_ends_a_request_with_no_deadline_yet(org: Board) -> None:
    """X1: a need before a vote not yet opened ends with its member's erasure."""
    p = org.kit()
    org.request(org.ann, 2, proposal=p, needed_before="vote")
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(5))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (None, 0)
    assert (x1.note or "").endswith(
        "1 adjustment request was made, but its member was erased before it fell due"
    )


def test_x1_an_erasure_at_the_periods_end_had_not_come_in_it(org: Board) -> None:
    """X1 for a period: an erasure at its very end has not ended a request in it."""
    late = org.meeting(30)
    org.request(org.ann, 2, late)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(20))
    at_end = access.x1(org.lens(until=day(20)), TH)
    assert (at_end.note or "").endswith(
        "1 adjustment request was made, but none had fallen due by the period's end"
    )
    after = access.x1(org.lens(until=day(20) + timedelta(microseconds=1)), TH)
    assert (after.note or "").endswith("but its member was erased before it fell due")


def test_x1_carries_no_request_an_erasure_ended_into_the_next_period(
    org: Board,
) -> None:
    """X1: a request ended by an erasure in its own period is not carried on."""
    late = org.meeting(30)
    org.request(org.ann, 2, late)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(5))
    first = access.x1(org.lens(until=day(10)), TH)
    assert (first.note or "").endswith("but its member was erased before it fell due")
    then = access.x1(org.lens(since=day(10), until=day(20)), TH)
    assert then.note == "insufficient evidence: no adjustment requests were made"
    assert access.carried_in(org.lens(since=day(10), until=day(20))) == []


def test_x1_note_counts_the_requests_an_erasure_ended_among_others(
    org: Board,
) -> None:
    """X1's note, with requests still to fall due, says how many erasures ended."""
    late = org.meeting(30)
    org.request(org.ann, 2, late)
    org.request(org.ben, 2, late)
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(20))
    x1 = access.x1(org.lens(until=day(25)), TH)
    assert (x1.note or "").endswith(
        "2 adjustment requests were made, but none had fallen due by the "
        "period's end (1 ended first by an erasure)"
    )


# Standing requests at the edges --------------------------------------------------


def test_x1_a_standing_request_made_as_a_meeting_starts_covers_it(org: Board) -> None:
    """X1: a standing request stands from when it is made, its very moment included."""
    _meetings(org, 10, 20)
    asked = org.request(org.ann, 10)  # made as the day-10 meeting starts
    org.provide(asked, 15)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1 / 2, 2)  # day 10 late, day 20 met
    # Asked for from day 20 on (needed_by), it covers the day-20 meeting alone.
    org.provide(org.request(org.ben, 2, needed_by=day(20)), 5)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (2 / 3, 3)


def test_x1_an_erasure_as_a_meeting_starts_ends_a_standing_request(
    org: Board,
) -> None:
    """X1: a member erased as a meeting starts has no standing request cover it."""
    org.provide(org.request(org.ann, 2), 5)
    _meetings(org, 10, 20, attended_by=org.ann)  # recorded before the erasure
    org.ledger.erase_member(org.ann, by=org.admin, occurred_at=day(20))
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (1.0, 1)  # day 10 only


def test_x1_a_standing_request_for_a_meeting_starting_now_is_pending(
    org: Board,
) -> None:
    """X1: unanswered, a standing request for a meeting starting at now is pending."""
    # Now is midnight after the latest business day (the request, on day 2).
    org.meeting(2.625)  # 00:00 on the day after day 2
    org.request(org.ann, 2)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (None, 0)
    assert (x1.note or "").endswith("but none has fallen due yet")


def test_x1_a_need_before_feedback_asked_for_as_it_is_given_is_due_then(
    org: Board,
) -> None:
    """X1: feedback given as a need before it is asked for is the need's deadline."""
    p = org.kit()
    said = org.ledger.comment(
        p, author=org.ann, text="Lighter kit.", occurred_at=day(1)
    )
    asked = org.request(org.ann, 4, proposal=p, needed_before="feedback")
    org.ledger.give_feedback(
        p, comments=[said], text="Lighter kit.", by=org.admin, occurred_at=day(4)
    )
    org.provide(asked, 6)
    assert access.deadline(org.lens(), org.ledger.facts().adjustments[asked]) == day(4)
    x1 = access.x1(org.lens(), TH)
    assert (x1.value, x1.n) == (0.0, 1)
    assert (x1.note or "").startswith("1 provided late")


def test_x1_project_scope_counts_requests_for_its_meetings_after_the_period(
    org: Board,
) -> None:
    """X1 for a project: a request made in the period counts, its meeting after it."""
    plan = org.ledger.start_project(
        "Plan", label="co_design", by=org.admin, occurred_at=day(0)
    )
    ahead = org.meeting(20, project=plan)
    org.provide(org.request(org.ann, 5, ahead), 6)
    x1 = access.x1(org.lens(Scope.project(plan), until=day(10)), TH)
    assert (x1.value, x1.n) == (1.0, 1)


def test_the_helpers_read_an_answer_as_it_stood_and_a_withdrawal_whenever(
    org: Board,
) -> None:
    """status_at_end and on_time read an answer after the period's end as not come."""
    p = org.kit()
    provided = org.request(org.ann, 2, proposal=p, needed_before="vote")
    org.provide(provided, 8)  # no vote yet, so no deadline
    withdrawn = org.request(org.ben, 2, proposal=p, needed_before="vote")
    org.ledger.withdraw_adjustment(withdrawn, occurred_at=day(8))
    facts = org.ledger.facts()
    before = org.lens(until=day(5))
    assert access.status_at_end(before, facts.adjustments[provided]) == "requested"
    assert not access.on_time(before, facts.adjustments[provided])
    assert access.on_time(org.lens(), facts.adjustments[provided])
    assert access.status_at_end(before, facts.adjustments[withdrawn]) == "withdrawn"


def test_x1_a_request_withdrawn_late_was_pending_at_a_period_end_before_its_due(
    org: Board,
) -> None:
    """X1: a request due after the period's end is pending then, however withdrawn."""
    m1, m2 = org.meeting(10), org.meeting(20)
    org.provide(org.request(org.ann, 2, m1), 5)
    late = org.request(org.cat, 2, m2)
    before = access.x1(org.lens(until=day(15)), TH)
    assert (before.value, before.n) == (1, 1)  # Cat's falls due on day 20
    org.ledger.withdraw_adjustment(late, occurred_at=day(40))
    after = access.x1(org.lens(until=day(15)), TH)
    assert (after.value, after.n, after.note) == (before.value, 1, before.note)


def test_x1_with_only_a_request_withdrawn_late_says_one_was_made(org: Board) -> None:
    """X1's note counts a request pending at the period's end, withdrawn later."""
    late = org.request(org.cat, 2, org.meeting(20))
    org.ledger.withdraw_adjustment(late, occurred_at=day(40))
    x1 = access.x1(org.lens(until=day(15)), TH)
    assert (x1.value, x1.n) == (None, 0)
    assert x1.note == (
        "insufficient evidence: 1 adjustment request was made, "
        "but none had fallen due by the period's end"
    )


def test_x1_a_request_made_during_a_vote_that_decided_nothing_is_due_next(
    memory_ledger: Ledger,
) -> None:
    """A need before the vote asked during one that closed not_valid is due next."""
    ledger = memory_ledger
    staff, lee, proposal = _vote_opened_on_day_two(ledger)
    need = ledger.request_adjustment(
        lee, code="ER", proposal=proposal, needed_before="vote", occurred_at=on(3)
    )
    ledger.cast_ballot(proposal, voter=staff, choice="for", occurred_at=on(3))
    assert ledger.close_voting(proposal, by=staff, occurred_at=on(4)).outcome == (
        "not_valid"
    )
    # The vote decided nothing: the proposal is still open, the need still due.
    assert access.x1(lens(ledger), TH).value is None
    ledger.provide_adjustment(need, by=staff, occurred_at=on(6))
    ledger.decide(
        proposal, outcome="adopted", method="consensus", by=staff, occurred_at=on(7)
    )
    facts = ledger.facts()
    assert access.deadline(lens(ledger), facts.adjustments[need]) == on(7)
    figure = access.x1(lens(ledger), TH)
    assert (figure.value, figure.n) == (1.0, 1)


def test_x1_a_period_past_the_record_leaves_needs_still_to_come_pending(
    org: Board,
) -> None:
    """X1: in a period ending after the latest day recorded, needs due later pend."""
    coming = org.meeting(40)
    org.request(org.ann, 2, coming)  # due as the day-40 meeting starts
    org.request(org.ben, 2)  # standing: Ben's seat expects him at every meeting
    org.attend(org.meeting(3), org.cat, on=3)  # the latest business day recorded
    # Day 40 is still to come, as A2, X4 and X5 hold: only day 3 fell due.
    for period in (org.lens(), org.lens(until=day(60))):
        x1 = access.x1(period, TH)
        assert (x1.value, x1.n) == (0.0, 1)
    # Once the record passes day 40 unanswered, both failed there.
    org.attend(org.meeting(45), org.cat, on=45)
    for period in (org.lens(), org.lens(until=day(60))):
        x1 = access.x1(period, TH)
        assert (x1.value, x1.n) == (0.0, 4)


def test_x1_s_note_past_the_record_says_nothing_has_fallen_due_yet(
    org: Board,
) -> None:
    """X1's note for a period ending after the record does not date the wait to it."""
    org.request(org.ann, 2, org.meeting(40))
    org.attend(org.meeting(3), org.cat, on=3)  # the latest business day recorded
    for period in (org.lens(), org.lens(until=day(60))):
        x1 = access.x1(period, TH)
        assert (x1.value, x1.n) == (None, 0)
        assert x1.note == (
            "insufficient evidence: 1 adjustment request was made, "
            "but none has fallen due yet"
        )
    x1 = access.x1(org.lens(until=day(2.5)), TH)  # a period the record outlasts
    assert x1.note is not None
    assert x1.note.endswith("but none had fallen due by the period's end")


def test_x1_s_note_past_the_record_says_a_standing_need_has_not_fallen_due_yet(
    org: Board,
) -> None:
    """X1's note: a standing need at a meeting after the record has not fallen due."""
    org.meeting(40)  # Ann's board meets on day 40, after the record
    org.request(org.ann, 2)  # standing: due at each meeting she is expected at
    for period in (org.lens(), org.lens(until=day(60))):
        x1 = access.x1(period, TH)
        assert (x1.value, x1.n) == (None, 0)
        assert x1.note == (
            "insufficient evidence: 1 adjustment request was made, "
            "but none has fallen due yet"
        )
    x1 = access.x1(org.lens(until=day(30)), TH)  # no meeting in it to cover
    assert x1.note is not None
    assert x1.note.endswith("but none had fallen due by the period's end")


def test_x1_a_need_asked_for_in_one_period_counts_in_the_next_it_fell_due_in(
    org: Board,
) -> None:
    """X1: a need still open as its period ended counts in the period it fell due in."""
    m = org.meeting(15)
    org.request(org.ann, 8, m)  # never answered
    answered = org.request(org.ben, 8, org.meeting(16))
    org.provide(answered, 9)  # answered before the first period ended
    org.attend(m, org.cat, on=15)  # the record reaches the meeting
    first = access.x1(org.lens(since=day(0), until=day(10)), TH)
    second = access.x1(org.lens(since=day(10), until=day(20)), TH)
    assert (first.value, first.n) == (1.0, 1)  # Ben's, met; Ann's not yet due
    assert (second.value, second.n, second.people) == (0.0, 1, 1)  # Ann's, failed


def test_x1_a_need_answered_in_a_later_period_before_it_fell_due_counts_there(
    org: Board,
) -> None:
    """X1: a need open as its period ended counts where it was answered, if earlier."""
    m = org.meeting(25)
    early = org.request(org.ann, 8, m)  # asked in the first period
    org.provide(early, 12)  # answered in the second, due in the third
    org.attend(m, org.cat, on=25)  # the record reaches the meeting
    periods = [(0, 10), (10, 20), (20, 30)]
    found = [access.x1(org.lens(since=day(a), until=day(b)), TH).n for a, b in periods]
    assert found == [0, 1, 0]  # once, where it was met
    second = access.x1(org.lens(since=day(10), until=day(20)), TH)
    assert second.value == 1.0
    assert access.x1(org.lens(since=day(0), until=day(30)), TH).n == 1


def test_x1_a_need_carried_into_the_period_its_meeting_joined_the_project_counts(
    org: Board,
) -> None:
    """X1: a need pending as a period began counts there if its meeting joined then."""
    plan = org.ledger.start_project(
        "Plan", label="co_design", by=org.admin, occurred_at=day(0)
    )
    m = org.meeting(25)
    org.request(org.ann, 8, m)  # asked in the first period, never answered
    org.ledger.raise_proposal(
        org.board,
        proposers=[org.cat],
        title="Vans",
        text="Hire vans.",
        project=plan,
        meeting=m,
        occurred_at=day(22),
    )  # the meeting is the project's from the third period on
    org.attend(m, org.cat, on=25)  # the record reaches the meeting
    periods = [(0, 10), (10, 20), (20, 30)]
    scope = Scope.project(plan)
    found = [
        access.x1(org.lens(scope, since=day(a), until=day(b)), TH).n for a, b in periods
    ]
    assert found == [0, 0, 1]  # once, where it fell due, as over days 0-30
    whole = access.x1(org.lens(scope, since=day(0), until=day(30)), TH)
    assert (whole.value, whole.n) == (0.0, 1)
