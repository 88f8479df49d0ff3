"""P1-P3 phase coverage, continuity and evaluation on hand-built histories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.projections.lens import INSUFFICIENT, Lens, Scope
from coledger.projections.phases import (
    PhaseProfile,
    compute,
    occasions,
    p1,
    p2,
    p3,
    phase_profile,
)
from coledger.projections.thresholds import Thresholds

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TH = Thresholds()


def day(n: float) -> datetime:
    """Business time *n* days after the start of the test history."""
    return T0 + timedelta(days=n)


class Phased:
    """A small organisation with projects, built in business time."""

    def __init__(self) -> None:
        self.ledger = Ledger.open("memory://")
        self.admin = self.ledger.register_member(
            "Admin", role="staff", occurred_at=day(0)
        )
        self.board = self.ledger.establish_body(
            "Board", kind="governance", by=self.admin, occurred_at=day(0)
        )

    def member(
        self, name: str, le: bool | None, *, declared_at: float = 0, seat: bool = True
    ) -> UUID:
        """A member: lived experience (True), none (False) or undeclared (None)."""
        m = self.ledger.register_member(name, role="trainer", occurred_at=day(0))
        if le is not None:
            self.ledger.declare_lived_experience(
                m, categories=["DIS" if le else "NONE"], occurred_at=day(declared_at)
            )
        if seat:
            self.ledger.assign_seat(self.board, m, by=self.admin, occurred_at=day(0))
        return m

    def project(self, name: str, finished: float | None = None) -> UUID:
        """A project started on day 0, perhaps finished later."""
        project = self.ledger.start_project(
            name, label="co_production", by=self.admin, occurred_at=day(0)
        )
        if finished is not None:
            self.ledger.finish_project(
                project, by=self.admin, occurred_at=day(finished)
            )
        return project

    def propose(
        self,
        proposers: list[UUID],
        at: float,
        project: UUID,
        phase: str,
        *,
        body: UUID | None = None,
        meeting: UUID | None = None,
    ) -> UUID:
        """A proposal raised at day *at* in a project and phase."""
        return self.ledger.raise_proposal(
            body or self.board,
            proposers=proposers,
            title="A proposal",
            text="Words.",
            project=project,
            phase=phase,
            meeting=meeting,
            occurred_at=day(at),
        )

    def decide(
        self,
        p: UUID,
        method: str,
        deciders: list[UUID],
        at: float,
        outcome: str = "adopted",
    ) -> None:
        """Record a decision made other than by a vote."""
        self.ledger.decide(
            p,
            outcome=outcome,
            method=method,
            by=self.admin,
            decided_by=deciders,
            occurred_at=day(at),
        )

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
def make_phased() -> Iterator[Callable[[], Phased]]:
    """Build organisations, closing their ledgers afterwards."""
    made: list[Phased] = []

    def make() -> Phased:
        org = Phased()
        made.append(org)
        return org

    yield make
    for org in made:
        org.ledger.close()


def world(org: Phased) -> dict[str, UUID]:
    """Festival (board), Kit (a working group) and Hall (finished on day 1, empty).

    sam and ali: lived experience (LE), voting seats. kim: declared none, voting.
    pat: undeclared staff, no seat. lee: voting seat, declares LE on day 10.
    """
    ledger, admin = org.ledger, org.admin
    sam = org.member("Sam", le=True)
    ali = org.member("Ali", le=True)
    kim = org.member("Kim", le=False)
    pat = org.member("Pat", le=None, seat=False)
    lee = org.member("Lee", le=True, declared_at=10)
    group = ledger.establish_body(
        "Kit group", kind="working_group", by=admin, occurred_at=day(0)
    )
    festival = org.project("Festival")
    kit = org.project("Kit")
    hall = org.project("Hall", finished=1)
    m1 = ledger.schedule_meeting(
        org.board,
        kind="decision_meeting",
        title="One",
        starts_at=day(2) + timedelta(hours=10),
        project=festival,
        by=admin,
        occurred_at=day(0),
    )
    m2 = ledger.schedule_meeting(
        org.board,
        kind="workshop",
        title="Two",
        starts_at=day(6) + timedelta(hours=10),
        project=festival,
        by=admin,
        occurred_at=day(0),
    )

    def comment(p: UUID, author: UUID, at: datetime, channel: str) -> None:
        ledger.comment(
            p, author=author, text="A view.", channel=channel, occurred_at=at
        )

    # Festival: LE proposed design (at m1), evaluation and governance; LE decided
    # design (a vote with sam) and delivery (sam chairs, holding a voting seat).
    design = org.propose([sam], 2 + 10.5 / 24, festival, "design", meeting=m1)
    comment(design, sam, day(2) + timedelta(hours=11), "meeting")  # at m1 again
    comment(design, kim, day(2) + timedelta(hours=11), "meeting")  # not LE
    ledger.open_voting(design, by=admin, occurred_at=day(3))
    for voter in (sam, kim):
        ledger.cast_ballot(design, voter=voter, choice="for", occurred_at=day(3))
    ledger.close_voting(design, by=admin, occurred_at=day(3))
    delivery = org.propose([kim], 4, festival, "delivery")
    comment(delivery, sam, day(6) + timedelta(hours=11), "meeting")  # at m2
    comment(delivery, ali, day(6) + timedelta(hours=12), "written")
    org.decide(delivery, "chair", [sam], 7)
    org.propose([ali], 7, festival, "evaluation")  # written, day 7
    org.propose([sam], 7, festival, "governance")  # written, day 7 again

    # Kit: only ali's withdrawn delivery proposal is LE input.
    k1 = org.propose([kim], 3, kit, "design", body=group)
    org.decide(k1, "staff_executive", [pat], 4)
    k2 = org.propose([lee], 5, kit, "delivery", body=group)  # lee not LE yet
    org.decide(k2, "consensus", [lee], 5.5)  # nor here
    k3 = org.propose([ali], 8, kit, "delivery", body=group)
    ledger.withdraw_proposal(k3, by=ali, occurred_at=day(9))

    # Evaluations.
    def evaluate(p: UUID, authors: list[UUID], criteria: list[UUID], at: float) -> None:
        ledger.record_evaluation(
            p,
            summary="How it went.",
            authors=authors,
            criteria_proposed_by=criteria,
            by=admin,
            occurred_at=day(at),
        )

    evaluate(design, [sam], [], 8)  # LE author
    evaluate(delivery, [kim], [ali], 8)  # LE criteria
    evaluate(k1, [kim, pat], [], 8)  # neither
    evaluate(k2, [lee], [], 9)  # lee not LE yet
    evaluate(k2, [lee], [], 11)  # lee LE now
    return {
        "festival": festival,
        "kit": kit,
        "hall": hall,
        "m1": m1,
        "m2": m2,
        "group": group,
        "ali": ali,
    }


# P1 ----------------------------------------------------------------------------------


def test_phase_profile_of_a_project(make_phased: Callable[[], Phased]) -> None:
    """The profile the ladder reads: proposed, adopted and decided phases."""
    org = make_phased()
    ids = world(org)
    festival = phase_profile(org.lens(), ids["festival"])
    assert festival == PhaseProfile(
        ids["festival"],
        proposed_phases=frozenset({"design", "evaluation", "governance"}),
        adopted_phases=frozenset({"design"}),  # sam's design proposal, by the vote
        decided_phases=frozenset({"design", "delivery"}),
    )
    assert festival.score == 4  # governance is not one of the three phases
    kit = phase_profile(org.lens(), ids["kit"])
    # ali's withdrawn proposal still shows LE initiative in delivery; lee acted
    # before declaring; pat (staff_executive) is not LE.
    assert kit.proposed_phases == {"delivery"}
    assert kit.adopted_phases == kit.decided_phases == frozenset()
    assert kit.score == 1


def test_a_rejected_le_proposal_is_not_an_adopted_phase(
    make_phased: Callable[[], Phased],
) -> None:
    """Only an adopted LE proposal puts its phase among the adopted phases."""
    org = make_phased()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    fest = org.project("Fest")
    design = org.propose([sam], 1, fest, "design")
    org.decide(design, "consensus", [kim], 2, outcome="rejected")
    delivery = org.propose([sam], 3, fest, "delivery")
    org.decide(delivery, "consensus", [kim], 4)
    # Sam proposed in both phases; only delivery was adopted; Kim (no LE) decided.
    assert phase_profile(org.lens(), fest) == PhaseProfile(
        fest,
        proposed_phases=frozenset({"design", "delivery"}),
        adopted_phases=frozenset({"delivery"}),
        decided_phases=frozenset(),
    )
    # P1 reads who proposed, not the outcome: the rejected design still scores.
    assert p1(org.lens(), TH).value == 2.0


def test_p1_phase_coverage(make_phased: Callable[[], Phased]) -> None:
    """P1 is the mean 0-6 score over projects, with each project's score noted."""
    org = make_phased()
    ids = world(org)
    figure = p1(org.lens(), TH)
    # Festival 4, Kit 1, Hall 0: (4 + 1 + 0) / 3 = 5/3, below 3: low.
    assert figure.value == pytest.approx(5 / 3)
    assert (figure.n, figure.band) == (3, "low")
    assert figure.note == "Festival: 4/6; Hall: 0/6; Kit: 1/6"
    # Acts: Festival: sam raises, the vote (sam, kim), kim raises, sam chairs,
    # ali and sam raise = 7, all declared; Kit: kim raises, pat decides, lee raises
    # and decides (before declaring), ali raises = 5, 2 declared: 9 / 12.
    assert figure.coverage == pytest.approx(9 / 12)

    # One project: Festival's 4, partial.
    alone = p1(org.lens(Scope.project(ids["festival"])), TH)
    assert (alone.value, alone.n, alone.band) == (4.0, 1, "partial")
    # A body: the board's proposals are all Festival's; the group's all Kit's.
    assert p1(org.lens(Scope.body(org.board)), TH).value == 4.0
    assert p1(org.lens(Scope.body(ids["group"])), TH).value == 1.0


def test_p1_coverage_leaves_out_void_votes_and_decisions_outside_the_period(
    make_phased: Callable[[], Phased],
) -> None:
    """P1's deciders are those of valid decisions in the period only."""
    org = make_phased()
    ledger = org.ledger
    sam = org.member("Sam", le=True)
    pat = org.member("Pat", le=None)  # never answers
    for name in ("Ann", "Bob", "Cy"):
        org.member(name, le=False)
    ledger.change_rule(
        org.board, Rule.majority(quorum="1/2"), by=org.admin, occurred_at=day(1)
    )
    fest = org.project("Fest")
    delivery = org.propose([sam], 1, fest, "delivery")
    org.decide(delivery, "consensus", [pat], 3)  # before the period
    design = org.propose([sam], 6, fest, "design")
    ledger.open_voting(design, by=org.admin, occurred_at=day(7))
    for voter in (sam, pat):
        ledger.cast_ballot(design, voter=voter, choice="for", occurred_at=day(7))
    # Two ballots of five seats miss the quorum of half: the vote is void.
    assert ledger.close_voting(design, by=org.admin, occurred_at=day(8)).outcome == (
        "not_valid"
    )
    figure = p1(org.lens(since=5), TH)
    # From day 5: Sam's design proposal scores 1; nothing valid was decided in
    # the period (Sam's LE ballot was in a void vote) -> 1/6. The only act is
    # Sam's raise (declared): coverage 1/1, where the void ballots or Pat's
    # day-3 decision would have brought undeclared Pat in.
    assert (figure.value, figure.n, figure.band) == (1, 1, "low")
    assert figure.coverage == 1


def test_p1_scores_no_phase_for_a_vote_overridden_by_the_period_s_end(
    make_phased: Callable[[], Phased],
) -> None:
    """A design vote Sam shared, then overturned by staff, decided nothing for P1.

    As the ladder's ``decided_phases`` reads it: the last word was not the
    voters', so P1 and the ladder give the project the same decided phases.
    """
    org = make_phased()
    ledger = org.ledger
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    fest = org.project("Fest")
    design = org.propose([org.admin], 1, fest, "design")
    ledger.open_voting(design, by=org.admin, occurred_at=day(2))
    for voter in (sam, kim):
        ledger.cast_ballot(design, voter=voter, choice="for", occurred_at=day(2))
    ledger.close_voting(design, by=org.admin, occurred_at=day(3))
    assert phase_profile(org.lens(), fest).decided_phases == {"design"}
    org.decide(design, "staff_executive", [org.admin], 5, outcome="rejected")
    profile = phase_profile(org.lens(), fest)
    assert profile.decided_phases == frozenset()
    assert p1(org.lens(), TH).value == 0
    # A period that ended before the override still holds the vote as it stood.
    assert phase_profile(org.lens(until=4), fest).decided_phases == {"design"}
    rung = org.ledger.power_sharing().ladder
    (fest_rung,) = (r for r in rung if r.id == str(fest))
    assert fest_rung.evidence["decided_phases"] == sorted(profile.decided_phases)


def test_p1_periods(make_phased: Callable[[], Phased]) -> None:
    """A period keeps the projects active in it and the acts made in it."""
    org = make_phased()
    ids = world(org)
    # From day 2, Hall (finished on day 1) is out: (4 + 1) / 2.
    assert p1(org.lens(since=2), TH).value == pytest.approx(2.5)
    # Days [5, 10): Festival: ali proposed evaluation (day 7), sam decided delivery
    # (day 7) = 2; Kit: ali proposed delivery (day 8) = 1: (2 + 1) / 2.
    figure = p1(org.lens(since=5, until=10), TH)
    assert figure.value == pytest.approx(1.5)
    assert figure.note == "Festival: 2/6; Kit: 1/6"
    # From day 10 the board still has Festival, though its proposals came
    # earlier; nothing it scores for happened then: 0/6 -> "none".
    board = p1(org.lens(Scope.body(org.board), since=10), TH)
    assert (board.value, board.n, board.band) == (0, 1, "none")
    # Hall finished on day 1: from day 5 there is no project to score.
    empty = p1(org.lens(Scope.project(ids["hall"]), since=5), TH)
    assert empty.value is None
    assert empty.note is not None
    assert empty.note.startswith(INSUFFICIENT)


def test_p1_bands_none_and_full(make_phased: Callable[[], Phased]) -> None:
    """No LE anywhere scores 0 (none); LE proposing and deciding everywhere, 6."""
    org = make_phased()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    full = org.project("Full")
    bare = org.project("Bare")
    for phase in ("design", "delivery", "evaluation"):
        org.decide(org.propose([sam], 1, full, phase), "consent", [sam], 2)
        org.decide(org.propose([kim], 1, bare, phase), "consent", [kim], 2)
    assert p1(org.lens(Scope.project(full)), TH).band == "full"
    assert phase_profile(org.lens(), full).score == 6
    none = p1(org.lens(Scope.project(bare)), TH)
    assert (none.value, none.band) == (0.0, "none")
    # Both: (6 + 0) / 2 = 3, not below 3: partial.
    both = p1(org.lens(), TH)
    assert (both.value, both.band) == (3.0, "partial")


def test_withdrawing_a_declaration_lowers_p1_p2_p3(
    make_phased: Callable[[], Phased],
) -> None:
    """On rebuild a withdrawn declaration counts nowhere: ali's input disappears."""
    org = make_phased()
    ids = world(org)
    org.ledger.withdraw_lived_experience(ids["ali"], occurred_at=day(20))
    lens = org.lens()
    # Festival loses evaluation (ali proposed it): 1 + 2 = 3; Kit loses ali's: 0.
    assert p1(lens, TH).value == pytest.approx((3 + 0 + 0) / 3)
    # Festival keeps m1, m2 and sam's written day 7: 3 occasions; Kit has none.
    assert len(occasions(lens, ids["festival"])) == 3
    assert occasions(lens, ids["kit"]) == set()
    assert p2(lens, TH).value == pytest.approx(1 / 3)
    # Evaluations: ali's criteria no longer count: sam's and lee's later = 2 / 5.
    assert p3(lens, TH).value == pytest.approx(2 / 5)


# P2 ----------------------------------------------------------------------------------


def test_p2_continuity_and_the_one_off_flag(make_phased: Callable[[], Phased]) -> None:
    """P2 counts distinct meetings (or channel-days) with LE input per project."""
    org = make_phased()
    ids = world(org)
    lens = org.lens()
    # Festival: m1 (sam raised and commented there), m2 (sam's meeting comment on
    # day 6), ali's written comment on day 6, and the written proposals of day 7.
    assert occasions(lens, ids["festival"]) == {
        ids["m1"],
        ids["m2"],
        ("written", day(6).date()),
        ("written", day(7).date()),
    }
    assert len(occasions(lens, ids["kit"])) == 1  # only ali's proposal of day 8
    assert occasions(lens, ids["hall"]) == set()  # no LE input at all
    figure = p2(lens, TH)
    # Festival 4, Kit 1, Hall 0: one project of three has 2 or more: low.
    assert figure.value == pytest.approx(1 / 3)
    assert (figure.n, figure.band) == (3, "low")
    assert figure.note == (
        "occasions with lived-experience input: Festival: 4; Hall: 0; Kit: 1"
    )
    # Contributions: Festival: 4 proposals and 4 comments, all declared; Kit: 3
    # proposals, lee's undeclared: 10 / 11.
    assert figure.coverage == pytest.approx(10 / 11)


def test_p2_periods_and_scope(make_phased: Callable[[], Phased]) -> None:
    """In a late period Festival's input is one occasion; alone it is continuous."""
    org = make_phased()
    ids = world(org)
    late = org.lens(since=6.75)  # after ali's written comment at noon on day 6
    assert len(occasions(late, ids["festival"])) == 1  # only the written day 7
    figure = p2(late, TH)
    assert (figure.value, figure.n, figure.band) == (0.0, 2, "low")
    festival = p2(org.lens(Scope.project(ids["festival"])), TH)
    assert (festival.value, festival.band) == (1.0, "continuous")
    # Both Festival and Kit from day 2: 1 / 2 = 0.5: mixed.
    assert p2(org.lens(since=2), TH).band == "mixed"
    assert p2(org.lens(Scope.project(ids["hall"]), since=5), TH).value is None


# P3 ----------------------------------------------------------------------------------


def test_p3_evaluation_co_ownership(make_phased: Callable[[], Phased]) -> None:
    """P3 counts evaluations with an LE author or LE criteria, status at the time."""
    org = make_phased()
    ids = world(org)
    figure = p3(org.lens(), TH)
    # sam's (author), kim's with ali's criteria, kim+pat's (no), lee's on day 9
    # (not yet LE), lee's on day 11 (LE): 3 / 5, above a half: most.
    assert figure.value == pytest.approx(3 / 5)
    assert (figure.n, figure.band) == (5, "most")
    assert figure.note == (
        "3 of 5 evaluations; 2 with a lived-experience author, "
        "1 with lived-experience criteria"
    )
    # Acts: sam; kim, ali; kim, pat; lee (day 9); lee (day 11): 5 declared of 7.
    assert figure.coverage == pytest.approx(5 / 7)
    # Until day 10: the first four, 2 / 4, not above a half: some.
    early = p3(org.lens(until=10), TH)
    assert early.value == pytest.approx(0.5)
    assert early.band == "some"
    # The Kit group: kim+pat's and lee's two: 1 / 3.
    assert p3(org.lens(Scope.body(ids["group"])), TH).value == pytest.approx(1 / 3)
    assert p3(org.lens(since=12), TH).value is None
    # From day 8: all five evaluations, on proposals raised before the period.
    assert p3(org.lens(since=8), TH).value == pytest.approx(3 / 5)
    # The Kit group before day 9: kim+pat's alone -> 0, "none".
    none = p3(org.lens(Scope.body(ids["group"]), until=9), TH)
    assert (none.value, none.band) == (0, "none")


def test_p3_needs_only_one_le_author_or_criteria_proposer(
    make_phased: Callable[[], Phased],
) -> None:
    """One LE member among several authors, or criteria proposers, owns it."""
    org = make_phased()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    fest = org.project("Fest")
    plan = org.propose([kim], 1, fest, "delivery")
    org.decide(plan, "consensus", [kim], 2)
    for authors, criteria in (([kim, sam], []), ([kim], [kim, sam])):
        org.ledger.record_evaluation(
            plan,
            summary="How it went.",
            authors=authors,
            criteria_proposed_by=criteria,
            by=org.admin,
            occurred_at=day(5),
        )
    figure = p3(org.lens(), TH)
    # The first has Sam among its authors, the second among its criteria
    # proposers: 2 of 2 -> 1, "most". Acts: Kim, Sam; Kim, Kim, Sam, all declared.
    assert (figure.value, figure.n, figure.band, figure.coverage) == (1, 2, "most", 1)
    assert figure.note == (
        "2 of 2 evaluations; 1 with a lived-experience author, "
        "1 with lived-experience criteria"
    )


def test_compute_gives_every_phase_figure(make_phased: Callable[[], Phased]) -> None:
    """The family returns P1-P3 keyed by code, insufficient with nothing recorded."""
    org = make_phased()
    figures = compute(org.lens(), TH)
    assert sorted(figures) == ["P1", "P2", "P3"]
    assert all(f.value is None and f.n == 0 for f in figures.values())


# Erasure never raises P1 --------------------------------------------------------------

PHASES = ("design", "delivery", "evaluation", "governance")
Step = tuple[int, int, str, str, list[int]]


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[bool | None], list[Step], int]:
    """Members' statuses, proposals (proposer, project, phase, method, deciders)."""
    size = draw(st.integers(2, 4))
    statuses = draw(
        st.lists(st.sampled_from([True, False, None]), min_size=size, max_size=size)
    )
    people = st.integers(0, size - 1)
    steps = draw(
        st.lists(
            st.tuples(
                people,
                st.integers(0, 1),
                st.sampled_from(PHASES),
                st.sampled_from(["", "consent", "chair", "staff_executive"]),
                st.lists(people, min_size=1, max_size=size, unique=True),
            ),
            min_size=1,
            max_size=5,
        )
    )
    return statuses, steps, draw(people)


@given(histories())
def test_erasing_a_member_never_raises_p1(
    history: tuple[list[bool | None], list[Step], int],
) -> None:
    """Erasure makes a member undeclared: P1 can only stay or fall, never rise."""
    statuses, steps, erased = history
    org = Phased()
    try:
        people = [org.member(f"M{i}", le) for i, le in enumerate(statuses)]
        projects = [org.project("A"), org.project("B")]
        for i, (proposer, project, phase, method, deciders) in enumerate(steps):
            p = org.propose([people[proposer]], 1 + i, projects[project], phase)
            if method:
                org.decide(p, method, [people[d] for d in deciders], 1.5 + i)
        before = p1(org.lens(), TH)
        scores = [phase_profile(org.lens(), p).score for p in projects]
        org.ledger.erase_member(people[erased], by=org.admin, occurred_at=day(30))
        rebuilt = Lens(org.ledger.facts(as_of=org.ledger.facts().position))
        for lens in (org.lens(), rebuilt):
            after = p1(lens, TH)
            assert before.value is not None
            assert after.value is not None
            assert after.value <= before.value
            for unit, score in zip(projects, scores, strict=True):
                assert phase_profile(lens, unit).score <= score
    finally:
        org.ledger.close()


def test_a_meeting_comment_goes_to_its_own_meeting_else_the_latest_begun(
    make_phased: Callable[[], Phased],
) -> None:
    """A meeting-channel comment joins the proposal's meeting, else the latest begun."""
    org = make_phased()
    ledger = org.ledger
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    fest = org.project("Fest")

    def meet(at: float) -> UUID:
        return ledger.schedule_meeting(
            org.board,
            kind="decision_meeting",
            title="M",
            starts_at=day(at),
            project=fest,
            by=org.admin,
            occurred_at=day(0),
        )

    def say(p: UUID, at: float) -> None:
        ledger.comment(
            p, author=sam, text="A view.", channel="meeting", occurred_at=day(at)
        )

    # Day 2: meetings at 09:00, 13:00 and 16:00; day 5: at 10:00 and 15:00.
    nine, one, four = (meet(2 + h / 24) for h in (9, 13, 16))
    ten, three = (meet(5 + h / 24) for h in (10, 15))
    own = org.propose([sam], 2 + 13.5 / 24, fest, "design", meeting=one)
    other = org.propose([kim], 1, fest, "delivery")
    say(own, 2 + 17 / 24)  # its own 13:00 meeting, not the later 16:00 one
    say(other, 2 + 13 / 24)  # no own meeting: the latest begun (just), 13:00
    say(other, 5 + 8 / 24)  # none begun yet: the first of the day, 10:00
    # Sam's raise and first two comments are all the 13:00 meeting; the day-5
    # comment is the 10:00 meeting -> two occasions.
    assert occasions(org.lens(), fest) == {one, ten}
    # Two occasions are enough for continuity: P2 = 1/1.
    assert (p2(org.lens(), TH).value, p2(org.lens(), TH).band) == (1, "continuous")
    del nine, four, three


def _p2_and_ladder_occasions(org: Phased, project: UUID) -> tuple[str | None, object]:
    """P2's note and the ladder's ``le_occasions`` for *project*, from one report."""
    report = org.ledger.power_sharing(project=project)
    (rung,) = (r for r in report.ladder if r.id == str(project))
    return report.indicators["P2"].note, rung.evidence["le_occasions"]


def test_a_proposal_raised_ahead_for_a_meeting_is_that_meeting_for_p2_and_ladder(
    make_phased: Callable[[], Phased],
) -> None:
    """Raised on 1 January for the 10 January meeting, spoken to there: one occasion."""
    org = make_phased()
    sam = org.member("Sam", le=True)
    fest = org.project("Fest")
    tenth = org.ledger.schedule_meeting(
        org.board,
        kind="decision_meeting",
        title="Planning",
        starts_at=day(9) + timedelta(hours=10),
        project=fest,
        by=org.admin,
        occurred_at=day(0),
    )
    p = org.propose([sam], 0.5, fest, "design", meeting=tenth)
    org.ledger.comment(
        p,
        author=sam,
        text="As I wrote.",
        channel="meeting",
        occurred_at=day(9) + timedelta(hours=11),
    )
    assert occasions(org.lens(), fest) == {tenth}
    assert _p2_and_ladder_occasions(org, fest) == (
        "occasions with lived-experience input: Fest: 1",
        1,
    )


def test_a_meeting_comment_on_a_day_of_two_meetings_is_one_occasion_for_both(
    make_phased: Callable[[], Phased],
) -> None:
    """A comment after the second meeting of a day began joins it, in P2 and ladder."""
    org = make_phased()
    sam = org.member("Sam", le=True)
    kim = org.member("Kim", le=False)
    fest = org.project("Fest")

    def meet(hour: int) -> UUID:
        return org.ledger.schedule_meeting(
            org.board,
            kind="decision_meeting",
            title="M",
            starts_at=day(4) + timedelta(hours=hour),
            project=fest,
            by=org.admin,
            occurred_at=day(0),
        )

    nine, two = meet(9), meet(14)
    org.propose([sam], 4 + 14.5 / 24, fest, "design", meeting=two)
    other = org.propose([kim], 1, fest, "delivery")  # no meeting of its own
    org.ledger.comment(
        other,
        author=sam,
        text="A view.",
        channel="meeting",
        occurred_at=day(4) + timedelta(hours=15),
    )
    assert occasions(org.lens(), fest) == {two}
    assert _p2_and_ladder_occasions(org, fest) == (
        "occasions with lived-experience input: Fest: 1",
        1,
    )
    del nine


Raise = tuple[bool, float, int | None]
Say = tuple[int, str, float]


@st.composite
def proposals_and_comments(draw: st.DrawFn) -> tuple[list[Raise], list[Say]]:
    """Proposals (by lived experience?, when, which meeting) and comments on them."""
    raised = draw(
        st.lists(
            st.tuples(
                st.booleans(),
                st.integers(24, 96).map(lambda h: h / 24),
                st.none() | st.integers(0, 2),
            ),
            min_size=1,
            max_size=3,
        )
    )
    said = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(raised) - 1),
                st.sampled_from(["meeting", "meeting", "written", "bsl_video"]),
                st.integers(0, 48).map(lambda h: h / 24),
            ),
            max_size=4,
        )
    )
    return raised, said


@given(proposals_and_comments())
def test_p2_and_the_ladder_count_proposals_and_comments_on_the_same_occasions(
    history: tuple[list[Raise], list[Say]],
) -> None:
    """With only proposals and comments as input, P2's count is ``le_occasions``."""
    raised, said = history
    org = Phased()
    try:
        sam, kim = org.member("Sam", le=True), org.member("Kim", le=False)
        fest = org.project("Fest")
        meetings = [
            org.ledger.schedule_meeting(
                org.board,
                kind="decision_meeting",
                title="M",
                starts_at=day(at),
                project=fest,
                by=org.admin,
                occurred_at=day(0),
            )
            for at in (2 + 9 / 24, 2 + 14 / 24, 3 + 10 / 24)
        ]
        made = [
            (
                org.propose(
                    [sam if le else kim],
                    at,
                    fest,
                    "design",
                    meeting=None if meeting is None else meetings[meeting],
                ),
                at,
            )
            for le, at, meeting in raised
        ]
        for i, channel, after in said:
            p, at = made[i]
            org.ledger.comment(
                p,
                author=sam,
                text="A view.",
                channel=channel,
                occurred_at=day(at + after),
            )
        count = len(occasions(org.lens(), fest))
        assert _p2_and_ladder_occasions(org, fest) == (
            f"occasions with lived-experience input: Fest: {count}",
            count,
        )
    finally:
        org.ledger.close()


def test_one_meeting_is_one_occasion_whatever_offset_its_times_carry() -> None:
    """A meeting at 20:00 in New York and a comment minuted in UTC: one occasion."""
    new_york = timezone(timedelta(hours=-4))
    with Ledger.open("memory://") as ledger:
        ada = ledger.register_member("Ada", role="staff", occurred_at=day(0))
        sam = ledger.register_member("Sam", role="trainer", by=ada, occurred_at=day(0))
        ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=day(0))
        board = ledger.establish_body(
            "Board", kind="governance", by=ada, occurred_at=day(0)
        )
        fest = ledger.start_project(
            "Fest", label="co_production", by=ada, occurred_at=day(0)
        )
        start = datetime(2025, 3, 10, 20, 0, tzinfo=new_york)  # 00:00 UTC, 11 March
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="Planning",
            starts_at=start,
            project=fest,
            by=ada,
            occurred_at=day(1),
        )
        proposal = ledger.raise_proposal(
            board,
            proposers=[sam],
            title="Evening sessions",
            text="Run them later.",
            project=fest,
            phase="design",
            meeting=meeting,
            occurred_at=start,
        )
        ledger.comment(
            proposal,
            author=sam,
            text="And a quiet room.",
            channel="meeting",
            occurred_at=datetime(2025, 3, 11, 0, 30, tzinfo=UTC),
        )
        lens = Lens(ledger.facts(), Scope.project(fest))
        assert occasions(lens, fest) == {meeting}
        rung = ledger.power_sharing(project=fest).ladder[0]
        assert rung.evidence["le_occasions"] == 1


def test_a_project_first_brought_to_a_body_after_the_period_is_not_its_then(
    make_phased: Callable[[], Phased],
) -> None:
    """A proposal raised after a period's end adds no project to a body's P1 or P2."""
    org = make_phased()
    lee = org.member("Lee", le=True)
    hall, park = org.project("Hall"), org.project("Park")
    org.decide(org.propose([lee], 5, hall, "design"), "consensus", [lee], 10)
    figures = (p1, p2)
    before = [f(org.lens(Scope.body(org.board), until=30), TH) for f in figures]
    assert [(f.value, f.n) for f in before] == [(2.0, 1), (0.0, 1)]
    # On day 50 Park brings its first proposal to the board.
    org.propose([lee], 50, park, "design")
    period = org.lens(Scope.body(org.board), until=30)
    assert [f(period, TH) for f in figures] == before
    assert p1(org.lens(Scope.body(org.board)), TH).n == 2  # over all time it is
