"""The ladder of co-production: reference cases, flags and per-decision tags."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.projections import ladder
from coledger.projections.lens import Lens, Scope
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TH = Thresholds()
T = TypeVar("T")


def day(n: float) -> datetime:
    """Business time *n* days after 09:00 UTC on day 0."""
    return T0 + timedelta(days=n)


class Org:
    """A charity with a board of six voters: three trainers with lived experience."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        start = day(-30)
        self.admin = ledger.register_member("Admin", role="staff", occurred_at=start)
        self.le = [self.person(f"Trainer {i}", "trainer", "DIS") for i in range(3)]
        self.staff = self.person("Staff", "staff", "NONE")
        self.others = [
            self.staff,
            self.person("Director", "director", "NONE"),
            self.person("Trustee", "trustee", "NONE"),
        ]
        self.board = ledger.establish_body(
            "Board", kind="governance", occurred_at=start
        )
        for member in self.voters:
            ledger.assign_seat(self.board, member, by=self.admin, occurred_at=start)

    @property
    def voters(self) -> list[UUID]:
        """Everyone with a voting seat on the board."""
        return [*self.le, *self.others]

    def person(self, name: str, role: str, category: str) -> UUID:
        """Register a member who declared *category*."""
        member = self.ledger.register_member(name, role=role, occurred_at=day(-30))
        self.ledger.declare_lived_experience(
            member, categories=[category], occurred_at=day(-30)
        )
        return member

    def project(self, label: str) -> UUID:
        """Start a project under *label* on day 0."""
        return self.ledger.start_project(
            f"A {label} project", label=label, by=self.admin, occurred_at=day(0)
        )

    def meeting(
        self,
        project: UUID | None,
        on: float,
        kind: str = "decision_meeting",
        attended: list[UUID] | None = None,
        body: UUID | None = None,
    ) -> UUID:
        """A meeting on day *on*, attended by *attended* (default: every voter)."""
        meeting = self.ledger.schedule_meeting(
            body or self.board,
            kind=kind,
            title=f"{kind} on day {on}",
            starts_at=day(on),
            by=self.admin,
            project=project,
            occurred_at=day(0),
        )
        for member in self.voters if attended is None else attended:
            self.ledger.record_attendance(
                meeting, member, by=self.admin, occurred_at=day(on)
            )
        return meeting

    def propose(
        self,
        by: UUID,
        project: UUID | None,
        phase: str,
        on: float,
        meeting: UUID | None = None,
    ) -> UUID:
        """*by* raises a proposal to the board on day *on*."""
        return self.ledger.raise_proposal(
            self.board,
            proposers=[by],
            title=f"A {phase} proposal",
            text="Let us do it.",
            project=project,
            phase=phase,
            meeting=meeting,
            occurred_at=day(on) + timedelta(minutes=10),
        )

    def comment(
        self, proposal: UUID, by: UUID, on: float, channel: str = "meeting"
    ) -> UUID:
        """*by* comments on day *on*."""
        return self.ledger.comment(
            proposal,
            author=by,
            text="I think so.",
            channel=channel,
            occurred_at=day(on) + timedelta(minutes=20),
        )

    def feedback(self, proposal: UUID, comments: list[UUID], on: float) -> None:
        """Tell the commenters what became of their comments."""
        self.ledger.give_feedback(
            proposal,
            comments=comments,
            text="You said, we did.",
            by=self.admin,
            occurred_at=day(on),
        )

    def vote(self, proposal: UUID, on: float, choice: str = "for") -> None:
        """Every voter votes *choice* at the meeting on day *on*."""
        self.ledger.open_voting(
            proposal, by=self.admin, occurred_at=day(on) + timedelta(hours=1)
        )
        for voter in self.voters:
            self.ledger.cast_ballot(
                proposal,
                voter=voter,
                choice=choice,
                occurred_at=day(on) + timedelta(hours=2),
            )
        self.ledger.close_voting(
            proposal, by=self.admin, occurred_at=day(on) + timedelta(hours=3)
        )

    def decide(
        self,
        proposal: UUID,
        on: float,
        outcome: str = "adopted",
        method: str = "staff_executive",
        by: UUID | None = None,
    ) -> None:
        """A decision other than by vote, made by *by* (default: admin)."""
        self.ledger.decide(
            proposal,
            outcome=outcome,
            method=method,
            by=by or self.admin,
            occurred_at=day(on) + timedelta(hours=4),
        )

    def adjustment(
        self, member: UUID, meeting: UUID, on: float, *, provide_on: float | None
    ) -> UUID:
        """*member* asks for Easy Read for *meeting*; provided, or else declined."""
        request = self.ledger.request_adjustment(
            member, code="ER", meeting=meeting, occurred_at=day(on)
        )
        if provide_on is not None:
            self.ledger.provide_adjustment(
                request, by=self.admin, occurred_at=day(provide_on)
            )
        else:
            self.ledger.decline_adjustment(
                request, by=self.admin, reason="unavailable", occurred_at=day(on + 1)
            )
        return request

    def rungs(self, scope: Scope | None = None, **period: datetime) -> list[Rung]:
        """The ladder for a scope and period."""
        lens = Lens(self.ledger.facts(), scope or Scope.ledger(), **period)
        return list(ladder.classify(lens, TH))

    def rung(self, project: UUID) -> Rung:
        """The one rung of *project*."""
        (found,) = self.rungs(Scope.project(project))
        return found


@pytest.fixture
def org() -> Iterator[Org]:
    """A fresh organisation on an in-memory ledger."""
    ledger = Ledger.open("memory://")
    yield Org(ledger)
    ledger.close()


# The five reference processes ---------------------------------------------------


def one_off_consultation(org: Org) -> UUID:
    """A single workshop where trainers commented, labelled co-production."""
    a, b, _ = org.le
    plan = org.project("co_production")
    workshop = org.meeting(plan, 5, "consultation")
    p = org.propose(org.staff, plan, "design", 5, workshop)
    org.comment(p, a, 5)
    org.comment(p, b, 5)
    org.decide(p, 12)
    return plan


def engagement(org: Org) -> UUID:
    """Trainers comment at two workshops; one comment is taken up; staff decide."""
    a, b, _ = org.le
    plan = org.project("engagement")
    w1 = org.meeting(plan, 5, "workshop")
    org.meeting(plan, 12, "workshop")
    p = org.propose(org.staff, plan, "design", 5, w1)
    c1 = org.comment(p, a, 5)
    c2 = org.comment(p, b, 12)
    org.ledger.amend_proposal(
        p, by=org.staff, text="Now with ramps.", takes_up=[c1], occurred_at=day(13)
    )
    org.decide(p, 20)
    org.feedback(p, [c1, c2], 21)
    return plan


def co_design(org: Org) -> UUID:
    """A trainer's design proposal, adopted by a board vote they share."""
    a, b, _ = org.le
    plan = org.project("co_design")
    workshop = org.meeting(plan, 5, "workshop")
    p = org.propose(a, plan, "design", 5, workshop)
    c = org.comment(p, b, 5)
    vote_at = org.meeting(plan, 19)
    org.adjustment(b, vote_at, 6, provide_on=10)
    org.feedback(p, [c], 18)
    org.vote(p, 19)
    return plan


def co_production(org: Org, *, access_declined: bool = False) -> UUID:
    """Design, delivery and evaluation decided together, with trainers delivering."""
    a, b, c = org.le
    plan = org.project("co_production")
    # Design: a trainer's proposal, voted through at a meeting they attend.
    w1 = org.meeting(plan, 5, "workshop")
    design = org.propose(a, plan, "design", 5, w1)
    c1 = org.comment(design, b, 5)
    m1 = org.meeting(plan, 19)
    org.adjustment(b, m1, 6, provide_on=10)
    org.feedback(design, [c1], 18)
    org.vote(design, 19)
    # Delivery: a staff proposal shaped by a trainer's comment, delivered together.
    w2 = org.meeting(plan, 26, "workshop")
    delivery = org.propose(org.staff, plan, "delivery", 26, w2)
    c2 = org.comment(delivery, c, 26)
    org.ledger.amend_proposal(
        delivery, by=org.staff, takes_up=[c2], text="As C said.", occurred_at=day(27)
    )
    m2 = org.meeting(plan, 33)
    org.adjustment(b, m2, 27, provide_on=None if access_declined else 30)
    org.feedback(delivery, [c2], 32)
    org.vote(delivery, 33)
    org.ledger.assign_action(
        delivery,
        description="Run the sessions",
        owners=[a, org.staff],
        by=org.admin,
        occurred_at=day(34),
    )
    # Evaluation: a trainer's evaluation plan, decided and carried out together.
    w3 = org.meeting(plan, 40, "workshop")
    evaluation = org.propose(b, plan, "evaluation", 40, w3)
    c3 = org.comment(evaluation, a, 40)
    org.meeting(plan, 47)
    org.feedback(evaluation, [c3], 46)
    org.vote(evaluation, 47)
    org.ledger.record_evaluation(
        evaluation,
        summary="Attendance doubled.",
        authors=[b, org.staff],
        criteria_proposed_by=[c],
        by=org.admin,
        occurred_at=day(60),
    )
    return plan


Build = Callable[[Org], UUID]
REFERENCE: list[tuple[Build, str, tuple[str, ...]]] = [
    (
        one_off_consultation,
        "CONSULTATION",
        ("no_feedback_loop", "one_off", "faux_coproduction"),
    ),
    (engagement, "ENGAGEMENT", ()),
    (co_design, "CO_DESIGN", ()),
    (co_production, "CO_PRODUCTION", ()),
    (
        lambda org: co_production(org, access_declined=True),
        "ENGAGEMENT",
        ("equal_terms_not_met", "faux_coproduction"),
    ),
]


@pytest.mark.parametrize(
    ("build", "rung", "flags"),
    REFERENCE,
    ids=[
        "one-off consultation",
        "engagement",
        "co-design",
        "co-production",
        "co-production, access declined",
    ],
)
def test_reference_cases(
    org: Org, build: Build, rung: str, flags: tuple[str, ...]
) -> None:
    """Each reference process of indicators.md section 4.5 gets its rung and flags."""
    plan = build(org)
    found = org.rung(plan)
    assert (found.rung, found.level) == (rung, ladder.LEVELS[rung])
    assert set(found.flags) == set(flags)
    assert found.flags == flags  # the order of ladder.FLAGS matches the reference
    assert (found.unit, found.id) == ("project", str(plan))
    json.dumps(found.evidence)  # JSON-friendly throughout


def test_reference_cases_side_by_side(org: Org) -> None:
    """In one ledger, the ledger scope rates every project and then the board."""
    plans = [build(org) for build, _, _ in REFERENCE]
    rungs = org.rungs()
    assert [r.unit for r in rungs] == ["project"] * 5 + ["body"]
    assert [r.id for r in rungs[:5]] == [str(p) for p in plans]
    assert [r.rung for r in rungs[:5]] == [rung for _, rung, _ in REFERENCE]
    assert [r.flags for r in rungs[:5]] == [flags for _, _, flags in REFERENCE]
    board = rungs[5]
    assert (board.name, board.rung) == ("Board", "ENGAGEMENT")
    # Trainer 1's declined request in the last project caps the board too.
    assert board.flags == ("equal_terms_not_met",)


def test_co_production_evidence(org: Org) -> None:
    """The evidence names the features and figures that put a process on its rung."""
    plan = co_production(org)
    evidence = org.rung(plan).evidence
    assert evidence["decided_phases"] == ["delivery", "design", "evaluation"]
    assert evidence["adopted_phases"] == ["design", "evaluation"]
    assert evidence["proposed_phases"] == ["design", "evaluation"]
    assert evidence["delivery_actions"] == 1
    assert evidence["comment_meetings"] == 3
    assert evidence["equal_terms"] is True
    assert evidence["le_occasions"] >= 2
    assert evidence["figures"] == {
        "R1": 0.5,
        "R2": 0.0,
        "R3": 1.0,
        "R7": evidence["figures"]["R7"],
        "X1": 1.0,
    }
    assert evidence["figures"]["R7"] > 0
    assert evidence["mandatory_no_voice"] is False
    assert evidence["label"] == "co_production"


def test_access_declined_evidence(org: Org) -> None:
    """With access declined, X1 drops to 1/2 and the decline stays unresolved."""
    plan = co_production(org, access_declined=True)
    evidence = org.rung(plan).evidence
    assert evidence["figures"]["X1"] == 1 / 2  # Ben: one provided, one declined
    assert evidence["unresolved_declines"] == 1
    assert evidence["capped_by_equal_terms"] is True


# Equal terms ---------------------------------------------------------------------


def test_one_decline_caps_even_with_x1_above_the_threshold(org: Org) -> None:
    """A decision-maker's unresolved decline caps the rung though X1 is 10/11."""
    plan = co_production(org)
    for i, member in enumerate([*org.le, *org.others] * 2):
        request = org.ledger.request_adjustment(
            member, code="BRK", occurred_at=day(1 + i / 100)
        )
        org.ledger.provide_adjustment(request, by=org.admin, occurred_at=day(2))
    org.ledger.decline_adjustment(
        org.ledger.request_adjustment(org.le[2], code="CAP", occurred_at=day(3)),
        by=org.admin,
        reason="not_reasonable_cost",
        occurred_at=day(4),
    )
    found = org.rung(plan)
    # X1: 2 provided for the meetings + 12 standing provided, 1 declined: 14/15
    assert found.evidence["figures"]["X1"] == 14 / 15
    assert (found.rung, found.flags) == (
        "ENGAGEMENT",
        ("equal_terms_not_met", "faux_coproduction"),
    )


def test_decline_made_good_keeps_co_production(org: Org) -> None:
    """A declined request followed in time by a provided alternative is made good."""
    plan = co_production(org)
    m = org.meeting(plan, 50)
    first = org.ledger.request_adjustment(
        org.le[0], code="BSL", meeting=m, occurred_at=day(41)
    )
    org.ledger.decline_adjustment(
        first,
        by=org.admin,
        reason="alternative_offered",
        alternative="STTR",
        occurred_at=day(42),
    )
    org.adjustment(org.le[0], m, 43, provide_on=44)
    found = org.rung(plan)
    # X1 is 3 of 4 (the decline is not fulfilled) ... below 0.9, so still capped;
    assert found.evidence["unresolved_declines"] == 0
    assert found.rung == "ENGAGEMENT"
    # ... but with a lower fulfilment threshold the process stays on the top rung.
    lens = Lens(org.ledger.facts(), Scope.project(plan))
    (lenient,) = ladder.classify(lens, Thresholds(fulfilment=0.75))
    assert (lenient.rung, lenient.flags) == ("CO_PRODUCTION", ())


def test_access_override_caps(org: Org) -> None:
    """A vote opened over a trainer's unmet request is not on equal terms."""
    a, b, _ = org.le
    plan = org.project("co_design")
    p = org.propose(a, plan, "design", 5, org.meeting(plan, 5, "workshop"))
    org.meeting(plan, 19)  # the vote's meeting, attended by every voter
    org.ledger.request_adjustment(
        b, code="BSL", proposal=p, needed_before="vote", occurred_at=day(6)
    )
    for member in [*org.voters, *org.voters[:4]]:  # ten standing needs, all met
        standing = org.ledger.request_adjustment(member, code="BRK", occurred_at=day(1))
        org.ledger.provide_adjustment(standing, by=org.admin, occurred_at=day(2))
    org.ledger.open_voting(
        p,
        by=org.admin,
        access_override="the funder's deadline",
        occurred_at=day(19) + timedelta(hours=1),
    )
    for voter in org.voters:
        org.ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(19.1))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(19.2))
    found = org.rung(plan)
    # X1 is 10/11, above 0.9, and nothing was declined: the override alone caps it.
    assert found.evidence["figures"]["X1"] == 10 / 11
    assert found.evidence["unresolved_declines"] == 0
    assert found.evidence["access_overrides"] == 1
    assert (found.rung, found.flags) == ("ENGAGEMENT", ("equal_terms_not_met",))


def test_access_override_over_anyone_s_need_shows(org: Org) -> None:
    """A vote opened over a staff member's unmet need is counted, though not capped."""
    a, _, _ = org.le
    plan = org.project("co_design")
    p = org.propose(a, plan, "design", 5, org.meeting(plan, 5, "workshop"))
    org.meeting(plan, 19)
    org.ledger.request_adjustment(
        org.staff, code="LOOP", proposal=p, needed_before="vote", occurred_at=day(6)
    )
    for member in [*org.voters, *org.voters[:4]]:  # ten standing needs, all met
        standing = org.ledger.request_adjustment(member, code="BRK", occurred_at=day(1))
        org.ledger.provide_adjustment(standing, by=org.admin, occurred_at=day(2))
    org.ledger.open_voting(
        p,
        by=org.admin,
        access_override="the funder's deadline",
        occurred_at=day(19) + timedelta(hours=1),
    )
    for voter in org.voters:
        org.ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(19.1))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(19.2))
    found = org.rung(plan)
    # The override is on the record for every reader of the report...
    assert found.evidence["access_overrides"] == 1
    # ...but only an override of a need of lived experience breaks equal terms.
    assert found.evidence["equal_terms"] is True
    assert (found.rung, found.flags) == ("CO_DESIGN", ())


# Lower rungs and the other flags ------------------------------------------------


def test_informing_educating_and_none(org: Org) -> None:
    """Attendance alone: information meetings inform, education educates, else none."""
    informed = org.project("informing")
    org.meeting(informed, 5, "information", attended=[org.le[0], org.staff])
    educated = org.project("other")
    org.meeting(educated, 5, "education", attended=[org.le[0]])
    silent = org.project("other")
    org.meeting(silent, 5, "workshop", attended=[org.staff])
    papers = org.project("other")
    m = org.meeting(papers, 9, "workshop", attended=[org.le[1]])
    org.ledger.issue_papers(m, by=org.admin, occurred_at=day(2))
    assert [org.rung(p).rung for p in (informed, educated, silent, papers)] == [
        "INFORMING",
        "EDUCATING",
        "NONE",
        "INFORMING",
    ]


def test_an_le_proposal_alone_is_consultation(org: Org) -> None:
    """A trainer's proposal that is rejected puts the process at consultation."""
    plan = org.project("consultation")
    p = org.propose(org.le[0], plan, "design", 5)
    org.decide(p, 8, outcome="rejected")
    found = org.rung(plan)
    assert (found.rung, found.flags) == ("CONSULTATION", ("one_off",))


def test_late_involvement(org: Org) -> None:
    """Trainers first took part after the design was already decided."""
    plan = org.project("engagement")
    design = org.propose(org.staff, plan, "design", 5)
    org.decide(design, 5)
    delivery = org.propose(org.staff, plan, "delivery", 10)
    org.comment(delivery, org.le[0], 10, channel="written")
    found = org.rung(plan)
    assert "late_involvement" in found.flags
    assert (
        found.evidence["first_design_decision"]
        < found.evidence["first_le_contribution"]
    )


def test_deciding_the_first_design_decision_is_late_involvement(org: Org) -> None:
    """Lived experience first seen in the first design decision itself came late."""
    plan = org.project("co_design")
    design = org.propose(org.staff, plan, "design", 5)
    org.ledger.decide(
        design,
        outcome="adopted",
        method="consensus",
        by=org.staff,
        decided_by=[org.staff, org.le[0]],
        occurred_at=day(6),
    )
    found = org.rung(plan)
    # The trainer's first input is their share in the decision on day 6, which
    # is the first design decision: nothing came strictly before it, so A3's
    # formative test fails and the flag is raised, at the same instant.
    assert (
        found.evidence["first_le_contribution"]
        == found.evidence["first_design_decision"]
    )
    assert "late_involvement" in found.flags
    assert found.rung == "CO_DESIGN"  # they still decided the design


def test_token_lone_and_placation_on_a_body(org: Org) -> None:
    """One trainer among eight voters: token seat, lone representative, no power."""
    staff = [
        org.ledger.register_member(f"Staffer {i}", role="staff", occurred_at=day(-1))
        for i in range(7)
    ]
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    for member in [org.le[0], *staff]:
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-1))
    org.meeting(None, 5, attended=[org.le[0], *staff], body=panel)
    # R1 1/8 = 0.125 < 0.15; R2: the one meeting had one LE voter; Banzhaf:
    # staff (7) carry any majority (quota 5) alone, so the trainer never swings it.
    (found,) = org.rungs(Scope.body(panel))
    assert (found.unit, found.name) == ("body", "Panel")
    assert set(found.flags) == {"token_seat", "lone_representative", "placation"}
    assert found.evidence["figures"]["R7"] == 0.0


def test_scopes_choose_the_processes(org: Org) -> None:
    """A body scope rates the body and the projects that brought proposals to it."""
    plan = engagement(org)
    org.project("other")  # never comes to the board
    rungs = org.rungs(Scope.body(org.board))
    assert [(r.unit, r.id) for r in rungs] == [
        ("body", str(org.board)),
        ("project", str(plan)),
    ]
    assert len(org.rungs()) == 3  # two projects and the board


def test_period_limits_the_acts(org: Org) -> None:
    """Acts outside the period do not count: before the votes, co-design is unseen."""
    plan = co_design(org)
    before_vote = org.rungs(Scope.project(plan), until=day(19))
    assert before_vote[0].rung == "CONSULTATION"  # comments and an LE proposal
    after = org.rungs(Scope.project(plan), since=day(30))
    assert after[0].rung == "NONE"


def test_report_carries_ladder_and_tags(org: Org) -> None:
    """The power-sharing report holds the ladder and the tags as JSON."""
    co_design(org)
    lens = Lens(org.ledger.facts())
    report = PowerSharingReport(
        lens.scope,
        None,
        None,
        lens.facts.position,
        {},
        ladder.classify(lens, TH),
        ladder.decision_tags(lens),
    ).to_json()
    assert [r["rung"] for r in report["ladder"]] == ["CO_DESIGN", "CO_DESIGN"]
    assert report["decisions"][0]["tag"] == "decided-with"
    json.dumps(report)


# One meeting is never co-production ----------------------------------------------

PHASES = ("design", "delivery", "evaluation")


@dataclass(frozen=True)
class OneMeeting:
    """A process whose lived-experience input all falls at one meeting."""

    originators: list[bool]
    """Per phase: whether a trainer raised the proposal."""
    comments: list[int]
    """Per phase: how many trainers comment."""
    by_vote: list[bool]
    """Per phase: decided by a vote, else by consensus of every voter."""
    hours: list[float]
    """Hours after the meeting's start of raising, comments, decisions, actions."""
    meetings: int
    """Meetings of the project in all (the others without trainers)."""
    feedback: bool
    label: str


def per_phase(values: st.SearchStrategy[T]) -> st.SearchStrategy[list[T]]:
    """One value per phase."""
    return st.lists(values, min_size=3, max_size=3)


one_meeting = st.builds(
    OneMeeting,
    originators=per_phase(st.booleans()),
    comments=per_phase(st.integers(0, 2)),
    by_vote=per_phase(st.booleans()),
    hours=st.lists(st.floats(0, 8), min_size=4, max_size=4),
    meetings=st.integers(1, 3),
    feedback=st.booleans(),
    label=st.sampled_from(["co_production", "co_design", "other"]),
)


def one_meeting_story(ledger: Ledger, story: OneMeeting) -> tuple[Org, UUID]:
    """Record *story*: every trainer's act on day 10, the day of the one meeting."""
    org = Org(ledger)
    plan = org.project(story.label)
    for i in range(1, story.meetings):  # other meetings, without trainers
        org.meeting(plan, 10 + 7 * i, "workshop", attended=org.others)
    org.meeting(plan, 10)
    # Raised, discussed, decided and followed up in that order, on one day.
    when = [day(10) + timedelta(hours=h) for h in sorted(story.hours)]
    for i, phase in enumerate(PHASES):
        proposer = org.le[i] if story.originators[i] else org.staff
        p = ledger.raise_proposal(
            org.board,
            proposers=[proposer],
            title=phase,
            text="...",
            project=plan,
            phase=phase,
            occurred_at=when[0],
        )
        made = [
            ledger.comment(p, author=org.le[k], text="...", occurred_at=when[1])
            for k in range(story.comments[i])
        ]
        if story.feedback and made:
            ledger.give_feedback(
                p, comments=made, text="...", by=org.admin, occurred_at=day(30)
            )
        if story.by_vote[i]:
            ledger.open_voting(p, by=org.admin, occurred_at=when[2])
            for voter in org.voters:
                ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=when[2])
            ledger.close_voting(p, by=org.admin, occurred_at=when[2])
        else:
            ledger.decide(
                p,
                outcome="adopted",
                method="consensus",
                by=org.admin,
                decided_by=org.voters,
                occurred_at=when[2],
            )
        if phase == "delivery":
            ledger.assign_action(
                p,
                description="Deliver",
                owners=[org.le[0], org.staff],
                by=org.admin,
                occurred_at=when[3],
            )
    return org, plan


@given(story=one_meeting)
def test_one_meeting_never_reaches_co_production(story: OneMeeting) -> None:
    """All lived-experience input in one meeting: never the top rung, always one_off."""
    with Ledger.open("memory://") as ledger:
        org, plan = one_meeting_story(ledger, story)
        found = org.rung(plan)
    assert found.level < ladder.LEVELS["CO_PRODUCTION"]
    # Trainers decided every phase on equal terms: only one_off holds it back.
    assert found.rung == "CO_DESIGN"
    assert "one_off" in found.flags
    assert found.evidence["le_occasions"] == 1


# Per-decision tags --------------------------------------------------------------


def test_decision_tags(org: Org) -> None:
    """Each decision gets the first of decided-with, influenced, consulted, informed."""
    a, b, _ = org.le
    observer = org.person("Observer", "trainer", "DIS")
    org.ledger.assign_seat(
        org.board, observer, seat="observer", by=org.admin, occurred_at=day(-1)
    )
    tags: dict[str, tuple[str, bool]] = {}

    p = org.propose(a, None, "design", 1)
    org.vote(p, 2)
    tags["voted with trainers"] = ("decided-with", True)

    p = org.propose(org.staff, None, "design", 3)
    c = org.comment(p, b, 3, channel="written")
    org.ledger.amend_proposal(
        p, by=org.staff, takes_up=[c], text="Amended.", occurred_at=day(3.5)
    )
    org.decide(p, 4)
    tags["comment taken up"] = ("influenced", False)

    p = org.propose(org.staff, None, "design", 5)
    org.comment(p, b, 5, channel="written")
    org.decide(p, 6)
    tags["comment only"] = ("consulted", False)

    p = org.propose(a, None, "design", 7)
    org.decide(p, 8, outcome="rejected")
    tags["trainer's idea rejected"] = ("consulted", True)

    p = org.propose(a, None, "design", 9)
    org.decide(p, 10)
    tags["trainer's idea adopted by staff"] = ("influenced", True)

    p = org.propose(org.staff, None, "design", 11)
    org.meeting(None, 12, attended=[b])
    org.decide(p, 12)
    tags["decided at a meeting a trainer attended"] = ("informed", False)

    p = org.propose(org.staff, None, "design", 13)
    org.decide(p, 14, by=observer)
    tags["decided by a trainer without a vote"] = ("none", False)

    p = org.propose(org.staff, None, "governance", 15)
    org.decide(p, 16, method="chair", by=a)
    tags["decided by a trainer holding a voting seat"] = ("decided-with", False)

    p = org.propose(org.staff, None, "design", 17)
    org.ledger.open_voting(p, by=org.admin, occurred_at=day(17.05))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(17.1))  # no ballots
    org.decide(p, 18, method="consensus", by=org.staff)
    tags["after a vote that decided nothing"] = ("none", False)

    lens = Lens(org.ledger.facts())
    found = ladder.decision_tags(lens)
    assert [(t.tag, t.le_originated) for t in found] == list(tags.values())
    assert len({t.decision for t in found}) == len(found)

    # A later information meeting a trainer attends informs the undecided one.
    org.meeting(None, 20, "information", attended=[b])
    later = ladder.decision_tags(Lens(org.ledger.facts()))
    assert later[6].tag == "informed"
    # The period keeps only decisions made in it.
    window = ladder.decision_tags(Lens(org.ledger.facts(), since=day(9), until=day(13)))
    assert [t.tag for t in window] == ["influenced", "informed"]
