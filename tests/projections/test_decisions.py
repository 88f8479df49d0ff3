"""D1-D6 decision power on small hand-built histories, worked out by hand."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, transfer
from coledger.domain import Decision
from coledger.projections.decisions import (
    compute,
    d1,
    d2,
    d3,
    d4,
    d5,
    d6,
    delivery_actions_with_le,
)
from coledger.projections.lens import INSUFFICIENT, Lens, Scope
from coledger.projections.thresholds import Thresholds

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TH = Thresholds()


def day(n: float) -> datetime:
    """Business time *n* days after the start of the test history."""
    return T0 + timedelta(days=n)


class Org:
    """A small organisation on an in-memory ledger, built in business time."""

    def __init__(self) -> None:
        self.ledger = Ledger.open("memory://")
        self.admin = self.ledger.register_member(
            "Admin", role="staff", occurred_at=day(0)
        )
        self.board = self.body("Board", "governance")

    def body(self, name: str, kind: str) -> UUID:
        """A new body."""
        return self.ledger.establish_body(
            name, kind=kind, by=self.admin, occurred_at=day(0)
        )

    def member(
        self,
        name: str,
        le: bool | None,
        *,
        declared_at: float = 0,
        seat: str | None = "voting",
        body: UUID | None = None,
    ) -> UUID:
        """A member: lived experience (True), none (False) or undeclared (None)."""
        m = self.ledger.register_member(name, role="trainer", occurred_at=day(0))
        if le is not None:
            self.ledger.declare_lived_experience(
                m, categories=["DIS" if le else "NONE"], occurred_at=day(declared_at)
            )
        if seat is not None:
            self.ledger.assign_seat(
                body or self.board, m, seat=seat, by=self.admin, occurred_at=day(0)
            )
        return m

    def propose(
        self,
        proposers: list[UUID],
        at: float,
        *,
        body: UUID | None = None,
        project: UUID | None = None,
        phase: str | None = None,
    ) -> UUID:
        """A proposal raised at day *at*."""
        return self.ledger.raise_proposal(
            body or self.board,
            proposers=proposers,
            title="A proposal",
            text="Words.",
            project=project,
            phase=phase,
            occurred_at=day(at),
        )

    def vote(self, p: UUID, ballots: dict[UUID, str], at: float) -> Decision:
        """Open a vote, cast *ballots* and close it, all at day *at*."""
        self.ledger.open_voting(p, by=self.admin, occurred_at=day(at))
        for voter, choice in ballots.items():
            self.ledger.cast_ballot(p, voter=voter, choice=choice, occurred_at=day(at))
        return self.ledger.close_voting(p, by=self.admin, occurred_at=day(at))

    def decide(
        self, p: UUID, outcome: str, method: str, deciders: list[UUID], at: float
    ) -> Decision:
        """Record a decision made other than by a vote."""
        return self.ledger.decide(
            p,
            outcome=outcome,
            method=method,
            by=self.admin,
            decided_by=deciders,
            occurred_at=day(at),
        )

    def action(
        self,
        p: UUID,
        owners: list[UUID],
        at: float,
        due: float | None = None,
        done: float | None = None,
    ) -> UUID:
        """Assign an action on *p* on day *at*, due and done on the days given."""
        action = self.ledger.assign_action(
            p,
            description="Book",
            owners=owners,
            by=self.admin,
            due=None if due is None else day(due),
            occurred_at=day(at),
        )
        if done is not None:
            self.ledger.complete_action(p, action, by=self.admin, occurred_at=day(done))
        return action

    def lens(
        self,
        scope: Scope | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> Lens:
        """The facts now, through a scope and a period given in days."""
        return Lens(
            self.ledger.facts(),
            scope or Scope.ledger(),
            None if since is None else day(since),
            None if until is None else day(until),
        )


@pytest.fixture
def make_org() -> Iterator[Callable[[], Org]]:
    """Build organisations, closing their ledgers afterwards."""
    made: list[Org] = []

    def make() -> Org:
        org = Org()
        made.append(org)
        return org

    yield make
    for org in made:
        org.ledger.close()


# D1 and D2 ---------------------------------------------------------------------------


def decision_world(org: Org) -> dict[str, UUID]:
    """Five board decisions, a vote that decided nothing, one working-group decision.

    sam: lived experience (LE), voting seat. kim: declared none, voting seat.
    pat: undeclared, no seat. ali: LE, advisory seat only.
    lee: voting seat, declares LE on day 10.
    """
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None, seat=None)
    ali = org.member("Ali", le=True, seat="advisory")
    lee = org.member("Lee", le=True, declared_at=10)
    group = org.body("Kit group", "working_group")
    org.ledger.assign_seat(group, sam, by=org.admin, occurred_at=day(0))

    p1 = org.propose([sam], 1)
    org.vote(p1, {sam: "for", kim: "for"}, 2)  # vote: sam (LE) took part
    p2 = org.propose([kim], 1)
    org.decide(p2, "adopted", "chair", [kim], 3)  # chair: kim, not LE
    p3 = org.propose([kim], 1)
    org.decide(p3, "adopted", "staff_executive", [pat, ali], 4)  # ali holds no vote
    p4 = org.propose([kim], 1)
    org.decide(p4, "rejected", "consensus", [lee], 5)  # lee not yet LE on day 5
    p5 = org.propose([kim], 1)
    org.decide(p5, "adopted", "consent", [lee, kim], 12)  # lee LE since day 10
    p6 = org.propose([kim], 1)
    org.vote(p6, {}, 6)  # no ballots: not_valid, decided nothing
    p7 = org.propose([sam], 1, body=group)
    org.vote(p7, {sam: "for"}, 6)  # working group: sam (LE) voted
    return {"sam": sam, "board": org.board, "group": group}


def test_d1_counts_decisions_made_with_a_lived_experience_decider(
    make_org: Callable[[], Org],
) -> None:
    """D1 counts decisions with an LE decider who had a vote, status as it stood."""
    org = make_org()
    ids = decision_world(org)
    board = org.lens(Scope.body(ids["board"]))
    figure = d1(board, TH)
    # Board decisions (p6 decided nothing): p1 yes, p2 no, p3 no (ali has no vote),
    # p4 no (lee not LE yet), p5 yes (lee LE by day 12): 2 / 5.
    assert figure.value == pytest.approx(2 / 5)
    assert figure.n == 5
    assert figure.band == "not_shared"
    # LE share of decided_by: p1 1/2, p2 0, p3 1/2, p4 0, p5 1/2 -> mean 1.5 / 5.
    assert figure.note == (
        "2 of 5 decisions; mean lived-experience share of those deciding 0.30"
    )
    # decided_by acts: p1 sam+kim (2 declared), p2 kim (1), p3 pat+ali (1 of 2),
    # p4 lee on day 5 (0 of 1), p5 lee+kim (2): 6 declared of 8.
    assert figure.coverage == pytest.approx(6 / 8)

    # The ledger adds the working group's decision, made with sam: 3 / 6.
    everything = d1(org.lens(), TH)
    assert everything.value == pytest.approx(3 / 6)
    assert everything.coverage == pytest.approx(7 / 9)
    # Only the working group: sam voted, 1 / 1, at or above 0.8: shared.
    group = d1(org.lens(Scope.body(ids["group"])), TH)
    assert (group.value, group.band) == (1.0, "shared")
    # At exactly the inclusion cut the band is shared: 2 / 5 against 0.4.
    assert d1(board, Thresholds(decision_inclusion=0.4)).band == "shared"
    # So it is at a cut that arithmetic left a hair over it (0.1 * 4 may not be 0.4).
    hair = Thresholds(decision_inclusion=math.nextafter(0.4, 1))
    assert d1(board, hair).band == "shared"


def test_d1_and_d2_look_only_at_the_period(make_org: Callable[[], Org]) -> None:
    """A period keeps the decisions made in [since, until), and an empty one says so."""
    org = make_org()
    ids = decision_world(org)
    scope = Scope.body(ids["board"])
    # Days [4, 13): p3 (day 4), p4 (day 5), p5 (day 12): only p5 was shared, 1 / 3.
    figure = d1(org.lens(scope, since=4, until=13), TH)
    assert figure.value == pytest.approx(1 / 3)
    assert figure.n == 3
    # Days [4, 12): p5 on day 12 falls outside the half-open period: 0 / 2.
    assert d1(org.lens(scope, since=4, until=12), TH).value == 0.0
    # Methods in [4, 13): staff_executive, consensus, consent: 1 of 3 out of forum.
    methods = d2(org.lens(scope, since=4, until=13), TH)
    assert methods.value == pytest.approx(1 / 3)
    assert methods.note == "consensus 1, consent 1, staff_executive 1"
    for code, fn in (("D1", d1), ("D2", d2)):
        empty = fn(org.lens(scope, since=100), TH)
        assert empty.code == code
        assert empty.value is None
        assert (empty.n, empty.coverage, empty.band) == (0, None, None)
        assert empty.note is not None
        assert empty.note.startswith(INSUFFICIENT)


def test_withdrawing_a_declaration_lowers_past_d1_on_rebuild(
    make_org: Callable[[], Org],
) -> None:
    """A withdrawn declaration is unreadable: sam no longer counts as LE, ever."""
    org = make_org()
    ids = decision_world(org)
    org.ledger.withdraw_lived_experience(ids["sam"], occurred_at=day(20))
    figure = d1(org.lens(Scope.body(ids["board"])), TH)
    # Only p5 (lee) is left shared: 1 / 5; sam's acts are now undeclared:
    # p1 kim (1 of 2), p2 kim (1), p3 ali (1 of 2), p4 (0), p5 lee+kim (2): 5 / 8.
    assert figure.value == pytest.approx(1 / 5)
    assert figure.coverage == pytest.approx(5 / 8)


def test_d1_other_methods_need_a_voting_seat_at_the_time(
    make_org: Callable[[], Org],
) -> None:
    """Outside a closed vote, an LE decider counts only with a voting seat then."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True, seat="observer")
    p1 = org.propose([sam], 1)
    org.decide(p1, "adopted", "delegated", [ali], 2)  # ali holds no vote: no
    org.ledger.vacate_seat(org.board, sam, by=org.admin, occurred_at=day(3))
    p2 = org.propose([sam], 1)
    org.decide(p2, "adopted", "chair", [sam], 4)  # sam left the seat on day 3: no
    p3 = org.propose([ali], 1)
    org.decide(p3, "adopted", "consensus", [ali], 5)  # ali holds no vote: no
    lee = org.member("Lee", le=True)
    p4 = org.propose([ali], 1)
    org.decide(p4, "adopted", "consent", [ali, lee], 6)  # lee holds a vote: yes
    figure = d1(org.lens(), TH)
    assert figure.value == pytest.approx(1 / 4)
    # Delegated, chair, consensus, consent: the chair is out of forum, 1 / 4,
    # "mixed" (from 0.25).
    methods = d2(org.lens(), TH)
    assert methods.value == pytest.approx(1 / 4)
    assert methods.band == "mixed"
    assert methods.note == "consensus 1, consent 1, delegated 1, chair 1"


def test_d1_a_vote_s_deciders_are_its_counted_voters(
    make_org: Callable[[], Org],
) -> None:
    """An imported vote's decision naming a non-voter gives them no vote right.

    The export is edited, as a hand-built or damaged one could be, to add a
    member with lived experience who held no seat and cast no ballot. An
    import now refuses it; one made before that check kept it, as here.
    """
    org = make_org()
    kim = org.member("Kim", le=False)
    ali = org.member("Ali", le=True, seat=None)
    p = org.propose([kim], 1)
    org.vote(p, {kim: "for"}, 2)
    out = io.StringIO()
    org.ledger.export(out)
    lines = []
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row.get("topic", "").endswith("Proposal.Decided"):
            row["state"]["decided_by"].append(str(ali))
        lines.append(json.dumps(row))
    with pytest.raises(transfer.MalformedImportError, match="cast no ballot"):
        transfer.read_export(lines)
    token = transfer._ISSUING.set(True)  # read as before the check: unchecked
    try:
        unchecked = transfer.CheckedExport("old", tuple(transfer.parse(lines)), 0.0)
    finally:
        transfer._ISSUING.reset(token)
    with Ledger.open("memory://") as copy:
        copy.import_events(unchecked)
        facts = copy.facts()
    (decided,) = facts.proposals[p].decisions
    assert decided.decided_by == (kim, ali)  # kept as imported
    figure = d1(Lens(facts, Scope.ledger(), None, None), TH)
    assert (figure.value, figure.band, figure.people) == (0.0, "not_shared", 1)


def test_d2_method_profile_and_its_bands(make_org: Callable[[], Org]) -> None:
    """D2 is the out-of-forum share, with the full distribution in the note."""
    org = make_org()
    ids = decision_world(org)
    figure = d2(org.lens(Scope.body(ids["board"])), TH)
    # vote, chair, staff_executive, consensus, consent: chair + staff = 2 / 5.
    assert figure.value == pytest.approx(2 / 5)
    assert figure.band == "mixed"
    assert figure.note == ("vote 1, consensus 1, consent 1, chair 1, staff_executive 1")
    assert figure.coverage == pytest.approx(6 / 8)  # the same deciders as D1
    # The ledger adds the working group's vote: 2 / 6.
    assert d2(org.lens(), TH).note == (
        "vote 2, consensus 1, consent 1, chair 1, staff_executive 1"
    )


@pytest.mark.parametrize(
    ("in_forum", "out", "value", "band"),
    [(4, 1, 0.2, "in_forum"), (3, 1, 0.25, "mixed"), (1, 1, 0.5, "out_of_forum")],
)
def test_d2_bands(
    make_org: Callable[[], Org], in_forum: int, out: int, value: float, band: str
) -> None:
    """Below 0.25 in forum, below 0.5 mixed, otherwise out of forum."""
    org = make_org()
    kim = org.member("Kim", le=False)
    for _ in range(in_forum):
        org.decide(org.propose([kim], 1), "adopted", "consent", [kim], 2)
    for _ in range(out):
        org.decide(org.propose([kim], 1), "adopted", "outside_forum", [kim], 2)
    figure = d2(org.lens(), TH)
    assert figure.value == pytest.approx(value)
    assert figure.band == band


# D3 ----------------------------------------------------------------------------------


def adoption_world(org: Org) -> None:
    """LE proposals adopted 2 of 4, the others' 3 of 5, by their final decisions."""
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None, seat=None)
    lee = org.member("Lee", le=True, declared_at=10)
    for proposers, outcome in (
        ([sam], "adopted"),
        ([ali], "rejected"),
        ([sam], "adopted_amended"),
        ([kim, sam], "rejected"),  # one LE proposer makes it an LE proposal
        ([sam], "deferred"),  # not a verdict: left out
        ([kim], "adopted"),
        ([pat], "adopted"),
        ([kim], "adopted"),
    ):
        org.decide(org.propose(proposers, 1), outcome, "consent", [kim], 3)
    withdrawn = org.propose([ali], 1)
    org.ledger.withdraw_proposal(withdrawn, by=ali, occurred_at=day(2))
    overridden = org.propose([kim], 1)
    org.vote(overridden, {sam: "for", kim: "for"}, 3)  # adopted by the vote...
    org.decide(overridden, "rejected", "chair", [kim], 4)  # ...then overridden
    early = org.propose([lee], 5)  # lee had not declared yet: one of the others
    org.decide(early, "rejected", "consent", [kim], 6)


def test_d3_adoption_parity(make_org: Callable[[], Org]) -> None:
    """D3 divides the LE adoption rate by the others', using final decisions."""
    org = make_org()
    adoption_world(org)
    figure = d3(org.lens(), TH)
    # LE: adopted, rejected, adopted_amended, rejected -> 2 / 4 = 0.5.
    # Others: adopted, adopted, adopted, overridden to rejected, lee's rejected
    # -> 3 / 5 = 0.6. Parity 0.5 / 0.6 = 5/6, at or above 0.8: parity.
    assert figure.value == pytest.approx(5 / 6)
    assert figure.band == "parity"
    assert figure.n == 9
    assert figure.note == "lived experience 2 of 4 adopted; others 3 of 5"
    # The two groups it compares, for suppression, then the people behind
    # them: sam and ali with lived experience (not kim, beside sam, who has
    # none), and kim, pat and lee (who had not declared yet).
    assert figure.groups == (4, 5, 2, 3)
    # Proposer acts: 10; pat, and lee on day 5, had not declared: 8 / 10.
    assert figure.coverage == pytest.approx(8 / 10)
    # Stricter thresholds move the band.
    assert d3(org.lens(), Thresholds(parity=0.9)).band == "below_parity"
    assert d3(org.lens(), Thresholds(adoption_low=0.9, parity=0.95)).band == "low"


def test_d3_exactly_four_fifths_is_parity(make_org: Callable[[], Org]) -> None:
    """2 of 3 against 5 of 6 is 4/5, at parity, though floats make it 0.79999..."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    for proposer, outcomes in ((sam, "AAR"), (kim, "AAAAAR")):
        for outcome in outcomes:
            verdict = "adopted" if outcome == "A" else "rejected"
            org.decide(org.propose([proposer], 1), verdict, "consent", [kim], 3)
    figure = d3(org.lens(), TH)
    assert figure.value == pytest.approx(0.8)
    assert figure.band == "parity"


def test_d3_takes_each_proposal_as_it_stood_at_the_period_end(
    make_org: Callable[[], Org],
) -> None:
    """Before the override (day 4) the vote's adoption stands; lee's is not decided."""
    org = make_org()
    adoption_world(org)
    figure = d3(org.lens(until=4), TH)
    # LE 2 / 4 = 0.5; others 4 / 4 = 1.0; 0.5 is not below 0.5: below_parity.
    assert figure.value == pytest.approx(0.5)
    assert (figure.n, figure.band) == (8, "below_parity")
    # From day 5 only lee's proposal was settled: no LE group at all.
    thin = d3(org.lens(since=5), TH)
    assert thin.value is None
    assert thin.n == 1
    assert thin.note is not None
    assert thin.note.startswith(INSUFFICIENT)
    assert thin.groups == (0, 1, 0, 1)  # counted with no value too


def test_d3_insufficient_when_the_others_adopted_nothing(
    make_org: Callable[[], Org],
) -> None:
    """A zero adoption rate among the others leaves no ratio to report."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    org.decide(org.propose([sam], 1), "adopted", "consent", [kim], 2)
    org.decide(org.propose([kim], 1), "rejected", "consent", [kim], 2)
    figure = d3(org.lens(), TH)
    assert (figure.value, figure.n, figure.coverage) == (None, 2, 1.0)


# D4 ----------------------------------------------------------------------------------


def test_d4_amendment_influence(make_org: Callable[[], Org]) -> None:
    """D4 counts adopted proposals amended by LE or taking up an LE comment."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None, seat=None)
    lee = org.member("Lee", le=True, declared_at=10)
    ledger = org.ledger

    q1 = org.propose([kim], 1)
    ledger.amend_proposal(q1, by=sam, text="Sam's wording.", occurred_at=day(2))
    q2 = org.propose([kim], 1)
    heard = ledger.comment(q2, author=ali, text="Add a ramp.", occurred_at=day(1.5))
    ledger.amend_proposal(q2, by=kim, takes_up=[heard], occurred_at=day(2))
    q3 = org.propose([kim], 1)
    other = ledger.comment(q3, author=pat, text="Cheaper.", occurred_at=day(1.5))
    ledger.amend_proposal(q3, by=kim, takes_up=[other], occurred_at=day(2))
    q4 = org.propose([sam], 1)
    q5 = org.propose([kim], 1)
    ledger.amend_proposal(q5, by=sam, text="Sam's wording.", occurred_at=day(2))
    for p in (q1, q2, q3, q4):
        org.decide(p, "adopted", "consent", [kim], 3)
    org.decide(q5, "rejected", "consent", [kim], 3)  # rejected: not counted
    q6 = org.propose([kim], 4)
    ledger.amend_proposal(q6, by=lee, text="Lee's wording.", occurred_at=day(5))
    org.decide(q6, "adopted", "consent", [kim], 6)  # lee not LE on day 5

    figure = d4(org.lens(), TH)
    # Adopted: q1 (sam amended), q2 (took up ali), q3 (pat), q4 (none), q6 (lee
    # before declaring): 2 / 5, not above a half: "some".
    assert figure.value == pytest.approx(2 / 5)
    assert (figure.n, figure.band) == (5, "some")
    assert figure.note == "2 of 5 adopted proposals"
    # Acts: q1 sam; q2 kim, ali; q3 kim, pat; q6 lee on day 5: 4 declared of 6.
    assert figure.coverage == pytest.approx(4 / 6)
    # Adopted by day 4: q1-q4, 2 / 4, exactly a half: still "some".
    by_day_4 = d4(org.lens(until=4), TH)
    assert (by_day_4.value, by_day_4.band) == (0.5, "some")
    # From day 5: only q6, no influence.
    late = d4(org.lens(since=5), TH)
    assert (late.value, late.band, late.coverage) == (0.0, "none", 0.0)
    assert d4(org.lens(since=7), TH).value is None


def test_d4_most_and_d6_good(make_org: Callable[[], Org]) -> None:
    """D4 is "most" above a half; D6 is "good" from 0.8 of actions on time."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    p = org.propose([kim], 1)
    org.ledger.amend_proposal(p, by=sam, text="Sam's wording.", occurred_at=day(2))
    org.decide(p, "adopted", "consent", [kim], 3)
    # One adopted proposal, amended by Sam (LE): 1 / 1.
    assert d4(org.lens(), TH).band == "most"
    org.action(p, [kim], 4, due=10)  # never done, and overdue by day 11
    org.action(p, [kim], 4, due=10, done=10)  # done on its due date: on time
    for _ in range(3):
        org.action(p, [kim], 4, due=10, done=9)
    follow = d6(org.lens(until=11), TH)
    # Four of five done by day 10: 0.8, at the cut: good.
    assert (follow.value, follow.band) == (0.8, "good")
    # From day 3 (the proposal was raised on day 1), the same five actions count.
    assert d6(org.lens(since=3, until=11), TH).n == 5
    # A period ending on day 10, as the undone one falls due: it is not yet
    # overdue, so it waits. The one done on day 10 was not done by then either,
    # and waits too: 3 of 3.
    assert (d6(org.lens(until=10), TH).value, d6(org.lens(until=10), TH).n) == (1.0, 3)


def test_d4_a_later_amendment_does_not_undo_lived_experience_influence(
    make_org: Callable[[], Org],
) -> None:
    """D4: an LE amendment or taken-up LE comment counts whatever follows it."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    ledger = org.ledger
    amended = org.propose([kim], 1)
    ledger.amend_proposal(amended, by=sam, text="Sam's.", occurred_at=day(2))
    ledger.amend_proposal(amended, by=kim, text="Kim's.", occurred_at=day(2.5))
    taken = org.propose([kim], 1)
    le_said = ledger.comment(taken, author=sam, text="Ramp.", occurred_at=day(1.2))
    kim_said = ledger.comment(taken, author=kim, text="Cost.", occurred_at=day(1.4))
    ledger.amend_proposal(
        taken, by=kim, takes_up=[le_said, kim_said], occurred_at=day(2)
    )
    for p in (amended, taken):
        org.decide(p, "adopted", "consent", [kim], 3)
    # Both adopted proposals carry LE influence: 2 / 2.
    assert d4(org.lens(), TH).value == 1.0


def test_d4_a_proposer_amending_their_own_proposal_is_not_influence(
    make_org: Callable[[], Org],
) -> None:
    """D4: a proposer rewording their own proposal adds no influence."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    ledger = org.ledger
    own = org.propose([sam], 1)
    ledger.amend_proposal(own, by=sam, text="Sam fixed a typo.", occurred_at=day(2))
    joint = org.propose([kim, sam], 1)
    ledger.amend_proposal(joint, by=sam, text="Sam's wording.", occurred_at=day(2))
    for p in (own, joint):
        org.decide(p, "adopted", "consent", [kim], 3)
    # Sam raised both: their adoption is D3's, not influence by amendment.
    assert (d4(org.lens(), TH).value, d4(org.lens(), TH).band) == (0.0, "none")
    others = org.propose([sam], 4)
    ledger.amend_proposal(others, by=ali, text="Ali's wording.", occurred_at=day(5))
    taken = org.propose([sam], 4)
    said = ledger.comment(taken, author=ali, text="Mornings?", occurred_at=day(4))
    ledger.amend_proposal(taken, by=sam, takes_up=[said], occurred_at=day(5))
    for p in (others, taken):
        org.decide(p, "adopted", "consent", [kim], 6)
    # Ali's amendment, and Ali's comment Sam took up, are influence: 2 of 4.
    figure = d4(org.lens(), TH)
    assert (figure.value, figure.band) == (0.5, "some")


def test_d4_a_proposer_taking_up_their_own_comment_is_not_influence(
    make_org: Callable[[], Org],
) -> None:
    """D4: an amendment taking up a proposer's own comment takes up no one else's."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    ledger = org.ledger
    own = org.propose([sam], 1)
    said = ledger.comment(own, author=sam, text="Also Sundays.", occurred_at=day(1))
    ledger.amend_proposal(own, by=sam, takes_up=[said], occurred_at=day(2))
    org.decide(own, "adopted", "consent", [kim], 3)
    assert (d4(org.lens(), TH).value, d4(org.lens(), TH).band) == (0.0, "none")


def test_d3_counts_proposals_raised_before_the_period(
    make_org: Callable[[], Org],
) -> None:
    """D3 counts proposals settled in the period, whenever they were raised."""
    org = make_org()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    mine, theirs = org.propose([sam], 1), org.propose([kim], 1)
    org.decide(mine, "adopted", "consent", [kim], 3)
    org.decide(theirs, "adopted", "consent", [kim], 3)
    # From day 2: both settled in the period, both adopted: 1 / 1 = 1.0.
    figure = d3(org.lens(since=2), TH)
    assert (figure.value, figure.n) == (1.0, 2)


# D5 ----------------------------------------------------------------------------------


def override_world(org: Org) -> UUID:
    """Votes outvoting the LE majority, an override, and decisions that override none.

    Returns the project holding the two decisions that override nothing.
    """
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None)
    jo = org.member("Jo", le=False)
    ledger = org.ledger
    quiet = ledger.start_project(
        "Quiet", label="other", by=org.admin, occurred_at=day(0)
    )

    v1 = org.propose([sam], 1)
    said = ledger.comment(v1, author=kim, text="No.", occurred_at=day(1))
    # Feedback before the decision does not explain it.
    ledger.give_feedback(
        v1, comments=[said], text="Noted.", by=org.admin, occurred_at=day(1.5)
    )
    org.vote(
        v1,
        {sam: "for", ali: "for", kim: "against", pat: "against", jo: "against"},
        2,
    )  # rejected, though the LE voters were 2 for, 0 against: an override

    v2 = org.propose([sam], 1)
    asked = ledger.comment(v2, author=sam, text="Please.", occurred_at=day(1))
    org.vote(v2, {sam: "for", ali: "for", kim: "for"}, 2)  # adopted
    org.decide(v2, "rejected", "chair", [kim], 3)  # overrides the vote
    ledger.give_feedback(
        v2, comments=[asked], text="Why: money.", by=org.admin, occurred_at=day(4)
    )

    v3 = org.propose([kim], 1, project=quiet)
    org.decide(v3, "adopted", "consent", [kim], 2)  # no vote to override

    v4 = org.propose([kim], 1)
    org.vote(
        v4,
        {sam: "against", ali: "block", kim: "for", pat: "for", jo: "for"},
        2,
    )  # adopted 3 to 2 against the LE voters: an override

    v5 = org.propose([kim], 1, project=quiet)
    org.vote(v5, {sam: "for", ali: "against", kim: "for"}, 2)  # LE split: none
    return quiet


def test_d5_a_tie_is_no_majority_and_a_vote_without_le_ballots_is_none(
    make_org: Callable[[], Org],
) -> None:
    """D5: a tie among LE voters, or a vote with no LE ballot, overrides nothing."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    jo = org.member("Jo", le=False)
    tied = org.propose([sam], 1)
    # LE voters 1 for, 1 against: no LE majority, so the rejection overrides nothing.
    org.vote(tied, {sam: "for", ali: "against", kim: "against", jo: "against"}, 2)
    assert d5(org.lens(), TH).value == 0.0
    # Without any LE ballot, a chair overturning an adopting vote overrules no
    # lived-experience majority: D5 does not count it (D2 counts the chair).
    plain = org.propose([kim], 3)
    org.vote(plain, {kim: "for", jo: "for"}, 4)
    org.decide(plain, "rejected", "chair", [kim], 5)
    figure = d5(org.lens(since=3), TH)
    assert (figure.value, figure.n, figure.band) == (0.0, 2, "none")


def test_d5_a_chair_overturning_a_vote_the_le_voters_lost_is_no_override(
    make_org: Callable[[], Org],
) -> None:
    """A chair adopting what the LE voters backed and the vote rejected is not D5's."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    staff = [org.member(name, le=False) for name in ("Kim", "Jo", "Pat")]
    p = org.propose([sam], 1)
    ballots = {sam: "for", ali: "for"} | dict.fromkeys(staff, "against")
    assert org.vote(p, ballots, 2).outcome == "rejected"
    org.decide(p, "adopted", "chair", [staff[0]], 3)
    figure = d5(org.lens(), TH)
    # The vote went against the LE voters (2 for, rejected): an override. The
    # chair's adoption went their way: none. 1 of 2 decisions.
    assert (figure.value, figure.n) == (1 / 2, 2)
    assert figure.note == "1 override; rationale coverage 0.00 (0 with feedback after)"


def test_d5_abstentions_count_against_a_majority_of_le_ballots(
    make_org: Callable[[], Org],
) -> None:
    """One LE voter against beside two abstaining is no LE majority against."""
    org = make_org()
    le = [org.member(name, le=True) for name in ("Sam", "Ali", "Lee")]
    staff = [org.member(name, le=False) for name in ("Kim", "Jo", "Pat")]
    abstaining = org.propose([staff[0]], 1)
    ballots = dict.fromkeys(staff, "for") | {le[0]: "against"}
    ballots |= dict.fromkeys(le[1:], "abstain")
    assert org.vote(abstaining, ballots, 2).outcome == "adopted"
    assert d5(org.lens(), TH).value == 0.0
    # Two of the three against is a majority of their ballots: an override.
    outvoted = org.propose([staff[0]], 3)
    ballots |= {le[1]: "against"}
    assert org.vote(outvoted, ballots, 4).outcome == "adopted"
    assert d5(org.lens(), TH).value == pytest.approx(1 / 2)


def test_d5_override_rate_and_rationale(make_org: Callable[[], Org]) -> None:
    """D5 counts decisions against the LE voters' majority, and their rationale."""
    org = make_org()
    override_world(org)
    figure = d5(org.lens(), TH)
    # Decisions: v1, v2 vote, v2 chair, v3, v4, v5 = 6. Overrides: v1 (LE for,
    # rejected), v2 chair (LE for, rejected), v4 (LE against, adopted) = 3 / 6.
    assert figure.value == pytest.approx(0.5)
    assert figure.n == 6
    # Only v2's override has feedback after it: 1 / 3.
    assert figure.band == "unexplained"
    assert figure.note == "3 overrides; rationale coverage 0.33 (1 with feedback after)"
    # decided_by acts: v1 5 (pat undeclared), v2 vote 3, v2 chair 1, v3 1, v4 5
    # (pat), v5 3: 16 declared of 18.
    assert figure.coverage == pytest.approx(16 / 18)


def test_d5_periods_scope_and_bands(make_org: Callable[[], Org]) -> None:
    """The band tells whether every override in view was explained."""
    org = make_org()
    quiet = override_world(org)
    # From day 3: only v2's chair decision, explained on day 4.
    late = d5(org.lens(since=3), TH)
    assert (late.value, late.n, late.band) == (1.0, 1, "explained")
    # Before day 3: v1 and v4 overrides of 5 decisions, neither explained.
    early = d5(org.lens(until=3), TH)
    assert early.value == pytest.approx(2 / 5)
    assert early.band == "unexplained"
    # The quiet project: v3 and v5, no overrides.
    calm = d5(org.lens(Scope.project(quiet)), TH)
    assert (calm.value, calm.n, calm.band, calm.note) == (
        0.0,
        2,
        "none",
        "no overrides",
    )
    assert d5(org.lens(since=50), TH).value is None


# D6 ----------------------------------------------------------------------------------


def delivery_world(org: Org) -> dict[str, UUID]:
    """Actions on three adopted proposals, one later overridden."""
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None, seat=None)
    ledger = org.ledger
    festival = ledger.start_project(
        "Festival", label="co_production", by=org.admin, occurred_at=day(0)
    )

    r1 = org.propose([kim], 1, project=festival, phase="delivery")
    org.decide(r1, "adopted", "consent", [kim], 2)
    org.action(r1, [sam], 3, due=10, done=8)  # on time
    org.action(r1, [kim], 3, due=10, done=12)  # late
    org.action(r1, [kim, ali], 3, done=9)  # no due date, done: on time
    org.action(r1, [pat], 3)  # no due date, never done

    r2 = org.propose([kim], 1, phase="design")
    org.decide(r2, "adopted", "consent", [kim], 2)
    org.action(r2, [kim], 3, due=50)  # open, not yet due: left out
    org.action(r2, [kim], 3, due=6)  # overdue

    r3 = org.propose([kim], 1, phase="design")
    org.vote(r3, {sam: "for", kim: "for"}, 2)
    org.action(r3, [sam], 3, due=5)
    org.decide(r3, "rejected", "chair", [kim], 4)  # no longer adopted: left out
    return {"festival": festival, "r1": r1}


def test_d6_follow_through_and_co_delivery(make_org: Callable[[], Org]) -> None:
    """D6 is the on-time share of adopted decisions' actions; (b) is in the note."""
    org = make_org()
    ids = delivery_world(org)
    lens = org.lens()
    figure = d6(lens, TH)
    # Counted: r1's four and r2's overdue one = 5; on time: sam's and the undated
    # one done on day 9 = 2 / 5 = 0.4, below 0.5: poor.
    assert figure.value == pytest.approx(0.4)
    assert (figure.n, figure.band) == (5, "poor")
    # (b) r1 is the delivery phase: sam's and kim+ali's of its 4 have an LE owner.
    assert figure.note == (
        "2 of 5 actions on time; co-delivery: 2 of 4 delivery-phase actions "
        "have a lived-experience owner"
    )
    # Owner acts: sam, kim, kim+ali, pat (undeclared), kim: 5 / 6.
    assert figure.coverage == pytest.approx(5 / 6)
    assert delivery_actions_with_le(lens, lens.proposals()) == 2
    r1 = lens.facts.proposals[ids["r1"]]
    assert delivery_actions_with_le(lens, [r1]) == 2
    assert delivery_actions_with_le(org.lens(since=4), [r1]) == 0  # assigned day 3


def test_d6_periods_and_scope(make_org: Callable[[], Org]) -> None:
    """At a period's end, open actions not yet due wait; later completions don't."""
    org = make_org()
    ids = delivery_world(org)
    # Until day 9: kim's late one (due day 10) is not yet due; the undated one
    # done on day 9 was not done by the end; so sam's on time of: sam's, the
    # undated done one, pat's, the overdue one = 1 / 4.
    figure = d6(org.lens(until=9), TH)
    assert figure.value == pytest.approx(1 / 4)
    assert figure.n == 4
    # The festival project: r1's four, 2 on time = 0.5: partial.
    festival = d6(org.lens(Scope.project(ids["festival"])), TH)
    assert (festival.value, festival.band) == (0.5, "partial")
    # From day 9: kim's late one, pending as the period began, counts now;
    # each action counts in one of the two periods, as it does in all time.
    after = d6(org.lens(since=9), TH)
    assert (after.value, after.n) == (0.0, 1)
    # No action was assigned from day 13 on, and the day-50 one still pends.
    empty = d6(org.lens(since=13), TH)
    assert empty.value is None
    assert empty.note == (
        f"{INSUFFICIENT}: no action on an adopted decision assigned in the "
        "period, or still open as it began, is done or due; co-delivery: 0 of 0 "
        "delivery-phase actions have a lived-experience owner"
    )


def test_compute_gives_every_decision_figure(make_org: Callable[[], Org]) -> None:
    """The family returns D1-D6 keyed by code, even with nothing recorded."""
    org = make_org()
    figures = compute(org.lens(), TH)
    assert sorted(figures) == ["D1", "D2", "D3", "D4", "D5", "D6"]
    assert all(f.value is None for f in figures.values())
    assert all(f.code == code for code, f in figures.items())


# Erasure never raises D1 --------------------------------------------------------------

METHODS = ("vote", "consensus", "consent", "chair", "staff_executive", "delegated")


History = tuple[
    list[bool | None], list[str | None], list[tuple[int, str, list[int], str]], int
]


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Members (status, seat), decisions (proposer, method, deciders), an erasure."""
    size = draw(st.integers(2, 4))
    statuses = draw(
        st.lists(st.sampled_from([True, False, None]), min_size=size, max_size=size)
    )
    seats = draw(
        st.lists(
            st.sampled_from(["voting", "advisory", None]), min_size=size, max_size=size
        )
    )
    people = st.integers(0, size - 1)
    decisions = draw(
        st.lists(
            st.tuples(
                people,
                st.sampled_from(METHODS),
                st.lists(people, min_size=1, max_size=size, unique=True),
                st.sampled_from(["adopted", "rejected", "deferred"]),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return statuses, seats, decisions, draw(people)


@given(histories())
def test_erasing_a_member_never_raises_d1(history: History) -> None:
    """Erasure makes a member undeclared: D1 can only stay or fall, never rise."""
    statuses, seats, decisions, erased = history
    org = Org()
    try:
        people = [
            org.member(f"M{i}", le, seat=seat)
            for i, (le, seat) in enumerate(zip(statuses, seats, strict=True))
        ]
        voters = [m for m, seat in zip(people, seats, strict=True) if seat == "voting"]
        for i, (proposer, method, deciders, outcome) in enumerate(decisions):
            p = org.propose([people[proposer]], 1 + i)
            chosen = [people[d] for d in deciders]
            if method != "vote":
                org.decide(p, outcome, method, chosen, 1.5 + i)
            elif voters:
                org.vote(p, {m: "for" for m in chosen if m in voters}, 1.5 + i)
        before = d1(org.lens(), TH)
        org.ledger.erase_member(people[erased], by=org.admin, occurred_at=day(30))
        rebuilt = Lens(org.ledger.facts(as_of=org.ledger.facts().position))
        for lens in (org.lens(), rebuilt):
            after = d1(lens, TH)
            assert (after.value is None) == (before.value is None)
            assert after.n == before.n
            if after.value is not None and before.value is not None:
                assert after.value <= before.value
    finally:
        org.ledger.close()


def test_d5_reads_lived_experience_when_an_advisory_vote_closed(
    memory_ledger: Ledger,
) -> None:
    """A voter who declared after the advisory vote closed did not count as one."""
    ledger = memory_ledger
    staff = ledger.register_member("Sol", occurred_at=day(0))
    kim = ledger.register_member("Kim", occurred_at=day(0))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (staff, kim):
        ledger.assign_seat(board, member, by=staff, occurred_at=day(0))
    p = ledger.raise_proposal(
        board, proposers=[staff], title="Kit", text="x", occurred_at=day(1)
    )
    ledger.open_voting(p, by=staff, advisory=True, occurred_at=day(2))
    ledger.cast_ballot(p, voter=kim, choice="against", occurred_at=day(3))
    ledger.close_advisory_vote(p, by=staff, occurred_at=day(5))
    ledger.declare_lived_experience(kim, categories=["DIS"], occurred_at=day(6))
    ledger.decide(p, outcome="adopted", method="chair", by=staff, occurred_at=day(7))
    figure = d5(Lens(ledger.facts()), TH)
    assert (figure.value, figure.note) == (0.0, "no overrides")


def test_d5_feedback_given_as_the_override_is_made_explains_it(
    make_org: Callable[[], Org],
) -> None:
    """D5: feedback at the very time of an override counts as its rationale."""
    org = make_org()
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    p = org.propose([sam], 1)
    asked = org.ledger.comment(p, author=sam, text="Please.", occurred_at=day(1))
    org.vote(p, {sam: "for", ali: "for", kim: "for"}, 2)  # adopted
    org.decide(p, "rejected", "chair", [kim], 3)  # the override
    org.ledger.give_feedback(
        p, comments=[asked], text="Why: money.", by=org.admin, occurred_at=day(3)
    )
    figure = d5(org.lens(), TH)
    assert (figure.value, figure.band) == (0.5, "explained")


def test_d6_counts_actions_in_the_period_on_a_proposal_adopted_before_it(
    make_org: Callable[[], Org],
) -> None:
    """D6 reads actions assigned in the period whenever their proposal was adopted."""
    org = make_org()
    kim = org.member("Kim", le=False)
    p = org.propose([kim], 1)
    org.decide(p, "adopted", "consent", [kim], 3)
    org.action(p, [kim], 4, due=10, done=9)
    figure = d6(org.lens(since=3.5), TH)  # adopted on day 3, before the period
    assert (figure.value, figure.n, figure.band) == (1.0, 1, "good")


def test_d6_in_a_period_past_the_record_an_action_due_later_still_pends(
    make_org: Callable[[], Org],
) -> None:
    """D6: an action due after the latest day recorded waits, as X1's needs do."""
    org = make_org()
    kim = org.member("Kim", le=False)
    p = org.propose([kim], 1)
    org.decide(p, "adopted", "consent", [kim], 2)
    org.action(p, [kim], 2, due=3, done=2.5)
    org.action(p, [kim], 2, due=40)
    # The record ends on day 2; day 40 is still to come, up to now or day 60.
    for period in (org.lens(), org.lens(until=60)):
        figure = d6(period, TH)
        assert (figure.value, figure.n) == (1.0, 1)
    org.ledger.register_member("Late joiner", occurred_at=day(45))
    for period in (org.lens(), org.lens(until=60)):  # day 40 has passed undone
        figure = d6(period, TH)
        assert (figure.value, figure.n) == (0.5, 2)


def test_d6_an_action_assigned_in_one_period_counts_in_the_next_it_fell_due_in(
    make_org: Callable[[], Org],
) -> None:
    """D6: an action open as its period ended counts in the period it settled in."""
    org = make_org()
    kim = org.member("Kim", le=False)
    p = org.propose([kim], 1)
    org.decide(p, "adopted", "consent", [kim], 2)
    org.action(p, [kim], 8, due=15)  # never done: fails in days 10-20
    org.action(p, [kim], 8, due=16, done=9)  # done before the first period ended
    org.action(p, [kim], 8, due=25, done=12)  # done in days 10-20, before it was due
    org.action(p, [kim], 8, due=14, done=21)  # done late, after days 10-20: failed
    org.ledger.register_member("Later", occurred_at=day(30))  # the record goes on
    first = d6(org.lens(since=0, until=10), TH)
    second = d6(org.lens(since=10, until=20), TH)
    assert (first.value, first.n) == (1.0, 1)
    assert (second.value, second.n) == (1 / 3, 3)
    third = d6(org.lens(since=20, until=30), TH)  # each counted once already
    assert third.value is None
    everything = d6(org.lens(), TH)
    assert (everything.value, everything.n) == (0.5, 4)
