"""The ladder of co-production: reference cases, flags and per-decision tags."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.projections import agenda, decisions, ladder
from coledger.projections.facts import Facts
from coledger.projections.lens import Lens, Scope
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from conftest import TEST_MASTER_KEY

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

    def tag(self, project: UUID) -> str:
        """The mini-ladder tag of the one decision in *project*."""
        lens = Lens(self.ledger.facts(), Scope.project(project))
        (decision,) = ladder.decision_tags(lens)
        return decision.tag


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
    assert evidence["le_comments"] == 3
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


def test_without_the_cap_unequal_terms_are_flagged_but_hold_no_rung_back(
    org: Org,
) -> None:
    """Without the cap the evidence is rated as it stands, the terms still flagged."""
    plan = co_production(org, access_declined=True)
    uncapped = Thresholds(equal_terms_cap=False)
    report = org.ledger.power_sharing(project=plan, thresholds=uncapped)
    (found,) = (r for r in report.ladder if r.id == str(plan))
    assert (found.rung, found.flags) == ("CO_PRODUCTION", ("equal_terms_not_met",))
    assert found.evidence["equal_terms"] is False
    assert found.evidence["capped_by_equal_terms"] is False
    capped = org.ledger.power_sharing(project=plan)
    (held,) = (r for r in capped.ladder if r.id == str(plan))
    assert held.rung == "ENGAGEMENT"
    assert held.evidence["capped_by_equal_terms"] is True


def test_one_decline_caps_even_with_x1_above_the_threshold(org: Org) -> None:
    """A decision-maker's unresolved decline caps the rung though X1 is 74/80."""
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
    # X1: 2 provided for the meetings, and at each of the 6 meetings 12
    # standing requests provided and 1 declined: 74 of 80
    assert found.evidence["figures"]["X1"] == 74 / 80
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
    # X1 at a cut that arithmetic left a hair over it is at the cut.
    (hair,) = ladder.classify(lens, Thresholds(fulfilment=math.nextafter(0.75, 1)))
    assert (hair.rung, hair.flags) == ("CO_PRODUCTION", ())


def _vote_over_an_unmet_need(org: Org, requester: UUID, code: str) -> Rung:
    """A co-design vote opened over *requester*'s unmet *code*; the process's rung.

    Ten standing needs are met beside it at both meetings, so X1 is 20/21,
    above 0.9, and nothing is declined: the override is the only thing
    against equal terms.
    """
    a, _, _ = org.le
    plan = org.project("co_design")
    p = org.propose(a, plan, "design", 5, org.meeting(plan, 5, "workshop"))
    org.meeting(plan, 19)  # the vote's meeting, attended by every voter
    org.ledger.request_adjustment(
        requester, code=code, proposal=p, needed_before="vote", occurred_at=day(6)
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
    return org.rung(plan)


def test_access_override_caps(org: Org) -> None:
    """A vote opened over a trainer's unmet request is not on equal terms."""
    found = _vote_over_an_unmet_need(org, org.le[1], "BSL")
    assert found.evidence["figures"]["X1"] == 20 / 21
    assert found.evidence["unresolved_declines"] == 0
    assert found.evidence["access_overrides"] == 1
    assert (found.rung, found.flags) == ("ENGAGEMENT", ("equal_terms_not_met",))


def test_access_override_over_anyone_s_need_shows(org: Org) -> None:
    """A vote opened over a staff member's unmet need is counted, though not capped."""
    found = _vote_over_an_unmet_need(org, org.staff, "LOOP")
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


def test_a_deferred_design_is_not_the_first_design_decision(org: Org) -> None:
    """Input after a design was put off, before one was decided, is in time (A3)."""
    plan = org.project("engagement")
    org.decide(org.propose(org.staff, plan, "design", 5), 5, outcome="deferred")
    design = org.propose(org.staff, plan, "design", 8)
    org.comment(design, org.le[0], 9, channel="written")
    org.decide(design, 12)
    found = org.rung(plan)
    assert (
        found.evidence["first_design_decision"]
        == (day(12) + timedelta(hours=4)).isoformat()
    )
    assert "late_involvement" not in found.flags


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
    # The trainer's only input is their share in the first design decision
    # itself: no proposal or comment came before it, so A3's formative test
    # fails and the flag is raised.
    assert found.evidence["first_le_contribution"] is None
    assert found.evidence["le_occasions"] == 1
    assert "late_involvement" in found.flags
    assert found.rung == "CO_DESIGN"  # they still decided the design


@pytest.mark.parametrize("first", ["governance vote", "amendment", "comment"])
def test_late_involvement_is_a3_s_verdict(org: Org, first: str) -> None:
    """Only a proposal or comment before the first design decision is in time (A3)."""
    plan = org.project("engagement")
    design = org.propose(org.staff, plan, "design", 5)
    if first == "governance vote":  # the whole board, trainers too, votes
        org.vote(org.propose(org.staff, plan, "governance", 3), 3)
    elif first == "amendment":
        org.ledger.amend_proposal(
            design, by=org.le[0], text="Changed.", occurred_at=day(5.5)
        )
    else:
        org.comment(design, org.le[0], 5, channel="written")
    org.decide(design, 6)
    org.comment(org.propose(org.staff, plan, "delivery", 10), org.le[1], 10)
    found = org.rung(plan)
    in_time = agenda.formative(Lens(org.ledger.facts(), Scope.project(plan)), plan)
    assert in_time is (first == "comment")
    assert ("late_involvement" in found.flags) is not in_time
    assert (
        found.evidence["first_le_contribution"]
        < found.evidence["first_design_decision"]
    ) is in_time


STEPS = ("comment", "propose", "amend", "governance vote", "design decision")


@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.booleans()), min_size=1, max_size=6
    )
)
def test_late_involvement_agrees_with_a3_wherever_there_was_input(
    steps: list[tuple[str, bool]],
) -> None:
    """The flag is raised exactly where A3 calls a project with any input late."""
    with Ledger.open("memory://") as ledger:
        org = Org(ledger)
        plan = org.project("co_design")
        for i, (step, by_le) in enumerate(steps, start=1):
            who = org.le[i % 3] if by_le else org.staff
            phase = {"governance vote": "governance", "design decision": "design"}
            p = org.propose(
                who if step == "propose" else org.staff,
                plan,
                phase.get(step, "delivery"),
                i,
            )
            if step == "comment":
                org.comment(p, who, i, channel="written")
            elif step == "amend":
                org.ledger.amend_proposal(
                    p, by=who, text="Changed.", occurred_at=day(i + 0.5)
                )
            elif step == "governance vote":
                org.vote(p, i)  # every voter, trainers among them
            elif step == "design decision":
                org.decide(p, i)
        found = org.rung(plan)
        in_time = agenda.formative(Lens(ledger.facts(), Scope.project(plan)), plan)
    involved = any(
        step == "governance vote" or (by_le and step in STEPS[:3])
        for step, by_le in steps
    )
    late = involved and in_time is False
    assert ("late_involvement" in found.flags) is late


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
    assert after[0].rung == "NO_ACTIVITY"  # nothing happened in it at all


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
    meeting = org.meeting(plan, 10)
    # Raised at it, discussed, decided and followed up in that order, that day.
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
            meeting=meeting,
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


# Rules one at a time (each test holds one rule of indicators.md section 4) --------


def evidence_of(org: Org, plan: UUID, **period: datetime) -> dict[str, object]:
    """The evidence behind *plan*'s rung over a period."""
    (found,) = org.rungs(Scope.project(plan), **period)
    return found.evidence


def test_levels_are_the_tlap_step_numbers(org: Org) -> None:
    """Levels run 0 (none) to 7 (co-production) in the TLAP order of section 4.3."""
    assert ladder.LEVELS == {
        "NONE": 0,
        "COERCION": 1,
        "EDUCATING": 2,
        "INFORMING": 3,
        "CONSULTATION": 4,
        "ENGAGEMENT": 5,
        "CO_DESIGN": 6,
        "CO_PRODUCTION": 7,
    }
    assert [org.rung(build(org)).level for build, _, _ in REFERENCE] == [4, 5, 6, 7, 5]


def co_production_variant(
    org: Org, *, staff_decides: str = "", action: bool = True
) -> UUID:
    """Three phases, each decided by a board vote unless *staff_decides* names it."""
    a, b, c = org.le
    plan = org.project("co_production")
    for n, phase in enumerate(PHASES):
        on = 5 + 14 * n
        workshop = org.meeting(plan, on, "workshop")
        p = org.propose(
            a if phase == "design" else org.staff, plan, phase, on, workshop
        )
        comment = org.comment(p, b, on)
        org.feedback(p, [comment], on + 6)
        org.meeting(plan, on + 7)
        if phase == staff_decides:
            org.decide(p, on + 7)
        else:
            org.vote(p, on + 7)
        if phase == "delivery" and action:
            org.ledger.assign_action(
                p,
                description="Run it",
                owners=[c],
                by=org.admin,
                occurred_at=day(on + 8),
            )
    return plan


@pytest.mark.parametrize("phase", PHASES)
def test_a_phase_decided_without_lived_experience_is_not_co_production(
    org: Org, phase: str
) -> None:
    """Co-production needs lived experience deciding design, delivery and evaluation."""
    assert org.rung(co_production_variant(org)).rung == "CO_PRODUCTION"
    found = org.rung(co_production_variant(org, staff_decides=phase))
    assert found.rung == "CO_DESIGN"
    assert phase not in found.evidence["decided_phases"]


def test_co_production_needs_a_delivery_action_owned_by_lived_experience(
    org: Org,
) -> None:
    """Without a delivery action owned by a trainer the process stops at co-design."""
    found = org.rung(co_production_variant(org, action=False))
    assert (found.rung, found.evidence["delivery_actions"]) == ("CO_DESIGN", 0)


def test_co_production_needs_a_proposal_of_theirs_adopted(org: Org) -> None:
    """Deciding every phase of staff's proposals is co-design, not co-production."""
    plan = org.project("co_production")
    for n, phase in enumerate(PHASES):
        on = 5 + 7 * n
        p = org.propose(org.staff, plan, phase, on, org.meeting(plan, on))
        org.comment(p, org.le[1], on)
        org.vote(p, on)
        if phase == "delivery":
            org.ledger.assign_action(
                p,
                description="Run it",
                owners=[org.le[0]],
                by=org.admin,
                occurred_at=day(on + 1),
            )
    found = org.rung(plan)
    assert found.evidence["decided_phases"] == sorted(PHASES)
    assert found.evidence["adopted_phases"] == []
    assert found.rung == "CO_DESIGN"


def test_staff_adopting_a_trainers_proposal_is_co_design(org: Org) -> None:
    """An adopted proposal of theirs is co-design even when staff alone decided it."""
    plan = org.project("co_design")
    p = org.propose(org.le[0], plan, "design", 5)
    org.decide(p, 8)
    found = org.rung(plan)
    assert (found.rung, found.evidence["decided_phases"]) == ("CO_DESIGN", [])
    assert found.evidence["influence_evidence"] is True
    # A trainer on the board was refused access: the same process is capped at 5.
    refused = org.ledger.request_adjustment(org.le[1], code="CAP", occurred_at=day(1))
    org.ledger.decline_adjustment(
        refused, by=org.admin, reason="not_reasonable_cost", occurred_at=day(2)
    )
    found = org.rung(plan)
    assert (found.rung, found.flags) == (
        "ENGAGEMENT",
        ("equal_terms_not_met", "one_off"),
    )


def test_a_decision_right_short_of_design_is_engagement(org: Org) -> None:
    """Trainers voting on staff's delivery proposal alone puts the process at 5."""
    plan = org.project("engagement")
    p = org.propose(org.staff, plan, "delivery", 5, org.meeting(plan, 5))
    org.vote(p, 5)
    found = org.rung(plan)
    assert (found.rung, found.evidence["decided_phases"]) == (
        "ENGAGEMENT",
        ["delivery"],
    )


def test_influence_on_one_occasion_is_consultation(org: Org) -> None:
    """A comment taken up, but made on one occasion only, is consultation."""
    plan = org.project("consultation")
    p = org.propose(org.staff, plan, "design", 5)
    c = org.comment(p, org.le[0], 5, channel="written")
    org.ledger.amend_proposal(
        p, by=org.staff, text="Yes.", takes_up=[c], occurred_at=day(6)
    )
    org.decide(p, 8)
    found = org.rung(plan)
    assert found.evidence["influence_evidence"] is True
    assert found.evidence["comment_meetings"] == 1
    assert found.rung == "CONSULTATION"
    assert "no_feedback_loop" in found.flags  # one comment, never answered


def test_two_occasions_without_influence_is_consultation(org: Org) -> None:
    """Comments on two days that nothing took up are consultation, not engagement."""
    plan = org.project("consultation")
    p = org.propose(org.staff, plan, "design", 5)
    org.comment(p, org.le[0], 5, channel="written")
    org.comment(p, org.le[1], 9, channel="written")
    org.decide(p, 12, outcome="rejected")
    found = org.rung(plan)
    assert (
        found.evidence["comment_meetings"],
        found.evidence["influence_evidence"],
    ) == (
        2,
        False,
    )
    assert found.rung == "CONSULTATION"


def amended(org: Org, proposer: UUID, amender: UUID, outcome: str) -> tuple[UUID, UUID]:
    """A design proposal by *proposer*, amended by *amender* (taking up nothing)."""
    plan = org.project("other")
    p = org.propose(proposer, plan, "design", 5)
    org.ledger.amend_proposal(p, by=amender, text="Changed.", occurred_at=day(7))
    org.decide(p, 9, outcome=outcome)
    return plan, p


@pytest.mark.parametrize(
    ("who", "outcome", "influence", "tag"),
    [
        ("staff amends staff", "adopted", False, "none"),
        ("trainer amends staff", "rejected", True, "influenced"),
        ("trainer amends own", "rejected", False, "consulted"),
    ],
)
def test_an_amendment_is_influence_only_from_lived_experience_to_anothers_proposal(
    org: Org, who: str, outcome: str, influence: bool, tag: str
) -> None:
    """An LE amendment to another's proposal is influence; theirs or staff's not."""
    proposer = org.le[0] if who.endswith("own") else org.staff
    amender = org.staff if who.startswith("staff") else org.le[0]
    plan, _ = amended(org, proposer, amender, outcome)
    found = org.rung(plan)
    assert found.evidence["influence_evidence"] is influence
    if proposer == org.staff:  # a trainer's amendment is their one occasion
        assert found.evidence["le_occasions"] == (amender != org.staff)
    assert evidence_of(org, plan, since=day(8))["influence_evidence"] is False
    assert org.tag(plan) == tag


@pytest.mark.parametrize("amender", ["proposer", "staff"])
@pytest.mark.parametrize("author", ["proposer", "another trainer"])
def test_taking_up_the_proposers_own_comment_is_no_influence(
    org: Org, amender: str, author: str
) -> None:
    """An amendment taking up the proposer's own comment is no influence, as in D4."""
    plan = org.project("other")
    p = org.propose(org.le[0], plan, "design", 5)
    said = org.comment(p, org.le[0] if author == "proposer" else org.le[1], 6)
    by = org.le[0] if amender == "proposer" else org.staff
    org.ledger.amend_proposal(p, by=by, takes_up=[said], occurred_at=day(7))
    org.decide(p, 9, outcome="rejected")
    theirs = author == "proposer"
    assert org.rung(plan).evidence["influence_evidence"] is not theirs
    assert org.tag(plan) == ("consulted" if theirs else "influenced")


def test_a_proposer_who_declared_after_raising_amends_without_influence(
    org: Org,
) -> None:
    """A proposer rewording their own proposal after declaring is no influence (D4)."""
    ann = org.ledger.register_member("Ann", role="staff", occurred_at=day(-30))
    plan = org.project("other")
    p = org.propose(ann, plan, "design", 5)
    org.ledger.declare_lived_experience(ann, categories=["DIS"], occurred_at=day(6))
    org.ledger.amend_proposal(p, by=ann, text="Changed.", occurred_at=day(7))
    org.decide(p, 9)
    found = org.rung(plan)
    assert found.evidence["le_occasions"] == 1  # still her input
    assert found.evidence["influence_evidence"] is False
    assert org.tag(plan) == "none"
    lens = Lens(org.ledger.facts(), Scope.project(plan))
    assert decisions.d4(lens, TH).value == 0


def test_amending_ones_own_proposal_later_is_another_occasion(org: Org) -> None:
    """A trainer who amends their own proposal two days on gave input twice."""
    plan, _ = amended(org, org.le[0], org.le[0], "rejected")
    alone = org.project("other")
    org.decide(org.propose(org.le[0], alone, "design", 5), 9, outcome="rejected")
    found, control = org.rung(plan), org.rung(alone)
    assert found.evidence["le_occasions"] == control.evidence["le_occasions"] + 1
    assert found.evidence["influence_evidence"] is False  # not influence on others
    assert "one_off" in control.flags
    assert "one_off" not in found.flags


def test_feedback_counts_only_on_their_comments(org: Org) -> None:
    """Feedback on a staff comment closes no loop for lived experience."""
    plan = org.project("other")
    p = org.propose(org.staff, plan, "design", 5)
    staff_says = org.comment(p, org.staff, 5, channel="written")
    org.comment(p, org.le[0], 5, channel="written")
    org.feedback(p, [staff_says], 6)
    org.decide(p, 8, outcome="rejected")
    found = org.rung(plan)
    assert (found.evidence["feedback_received"], found.flags) == (
        False,
        ("no_feedback_loop", "one_off"),
    )
    assert found.evidence["le_comments"] == 1
    assert org.tag(plan) == "consulted"


def test_feedback_on_an_adopted_item_is_influence_and_keeps_earlier_influence(
    org: Org,
) -> None:
    """Feedback on their comment is influence if adopted; a rejection takes none off."""
    plan = org.project("other")
    adopted = org.propose(org.staff, plan, "design", 5)
    said = org.comment(adopted, org.le[0], 5, channel="written")
    org.decide(adopted, 8)
    org.feedback(adopted, [said], 9)
    # Until the feedback on day 9, the comment was only consultation.
    before = evidence_of(org, plan, until=day(9))
    assert (before["feedback_received"], before["influence_evidence"]) == (False, False)
    window = Lens(org.ledger.facts(), Scope.project(plan), until=day(9))
    assert [t.tag for t in ladder.decision_tags(window)] == ["consulted"]
    assert org.rung(plan).evidence["influence_evidence"] is True
    tags = ladder.decision_tags(Lens(org.ledger.facts(), Scope.project(plan)))
    assert [t.tag for t in tags] == ["influenced"]
    rejected = org.propose(org.staff, plan, "delivery", 10)
    said = org.comment(rejected, org.le[0], 10, channel="written")
    org.feedback(rejected, [said], 11)
    org.decide(rejected, 12, outcome="rejected")
    found = org.rung(plan)
    assert (
        found.evidence["feedback_received"],
        found.evidence["influence_evidence"],
    ) == (
        True,
        True,
    )


@pytest.mark.parametrize("method", ["consensus", "consent"])
def test_a_named_decider_by_consensus_or_consent_needs_a_voting_seat(
    org: Org, method: str
) -> None:
    """Under consensus or consent, a decider named without a voting seat has none."""
    guest = org.person("Guest", "member", "DIS")  # no seat on the board yet

    def decided_by_guest(on: float) -> UUID:
        plan = org.project("co_design")
        p = org.propose(org.staff, plan, "design", on)
        org.ledger.decide(
            p,
            outcome="adopted",
            method=method,
            by=org.admin,
            decided_by=[guest],
            occurred_at=day(on + 1),
        )
        return plan

    unseated = decided_by_guest(5)
    assert org.rung(unseated).evidence["decided_phases"] == []
    assert org.tag(unseated) != "decided-with"
    org.ledger.assign_seat(org.board, guest, by=org.admin, occurred_at=day(7))
    seated = decided_by_guest(8)
    found = org.rung(seated)
    assert (found.rung, found.evidence["decided_phases"]) == ("CO_DESIGN", ["design"])
    assert org.tag(seated) == "decided-with"


def test_a_voter_keeps_the_right_after_leaving_the_seat_before_the_close(
    org: Org,
) -> None:
    """A ballot is a decision right though the voter's seat ended before the close."""
    plan = org.project("engagement")
    p = org.propose(org.staff, plan, "delivery", 5)
    org.ledger.open_voting(p, by=org.admin, occurred_at=day(5.1))
    for voter in [org.le[0], *org.others]:
        org.ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(5.2))
    org.ledger.vacate_seat(org.board, org.le[0], by=org.admin, occurred_at=day(5.3))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(5.4))
    assert org.rung(plan).evidence["decided_phases"] == ["delivery"]


def test_a_vote_without_its_lived_experience_quorum_decided_nothing(org: Org) -> None:
    """Trainers' ballots in a vote that closed not_valid give them no decision right."""
    org.ledger.change_rule(
        org.board,
        Rule.majority(lived_experience_quorum=3),
        by=org.admin,
        occurred_at=day(1),
    )
    plan = org.project("other")
    p = org.propose(org.staff, plan, "design", 5)
    org.ledger.open_voting(p, by=org.admin, occurred_at=day(5.1))
    for voter in [org.le[0], org.le[1], *org.others]:
        org.ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(5.2))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(5.3))
    found = org.rung(plan)
    assert found.evidence["decided_phases"] == []
    assert found.evidence["first_design_decision"] is None
    assert found.rung != "CO_DESIGN"


def test_the_last_decision_settles_a_proposal(org: Org) -> None:
    """A trainer's proposal voted through and then overridden is not adopted."""
    plan = org.project("co_design")
    p = org.propose(org.le[0], plan, "design", 5)
    org.vote(p, 5)
    org.decide(p, 8, outcome="rejected")
    assert org.rung(plan).evidence["adopted_phases"] == []
    # Voted down and then adopted by the chair: adopted.
    q = org.propose(org.le[0], plan, "delivery", 10)
    org.vote(q, 10, choice="against")
    org.decide(q, 12)
    assert org.rung(plan).evidence["adopted_phases"] == ["delivery"]
    # A period from day 11 holds the settling decision, though not the vote.
    assert evidence_of(org, plan, since=day(11))["adopted_phases"] == ["delivery"]


def test_a_design_vote_overridden_by_the_period_s_end_decided_nothing(
    org: Org,
) -> None:
    """A design vote staff then overturned leaves lived experience no design say."""
    plan = org.project("co_design")
    p = org.propose(org.staff, plan, "design", 5)
    org.vote(p, 5)  # the trainers vote it through with everyone
    assert org.rung(plan).rung == "CO_DESIGN"
    org.decide(p, 8, outcome="rejected")  # staff overturn it
    found = org.rung(plan)
    assert (found.rung, found.evidence["decided_phases"]) == ("CONSULTATION", [])
    # A period ending before the override still holds the vote as it stood.
    before = evidence_of(org, plan, until=day(7))
    assert before["decided_phases"] == ["design"]


def declined(org: Org, member: UUID, on: float, proposal: UUID) -> None:
    """*member*'s request for captions on *proposal*, declined an hour later."""
    request = org.ledger.request_adjustment(
        member, code="CAP", proposal=proposal, occurred_at=day(on)
    )
    org.ledger.decline_adjustment(
        request,
        by=org.admin,
        reason="not_reasonable_cost",
        occurred_at=day(on) + timedelta(hours=1),
    )


def staff_proposal(org: Org) -> tuple[UUID, UUID]:
    """A project with one staff proposal to the board, raised on day 5."""
    plan = org.project("other")
    return plan, org.propose(org.staff, plan, "design", 5)


@pytest.mark.parametrize(
    ("who", "counted"),
    [
        ("a trainer with a voting seat who never voted", 1),
        ("a staff voter", 0),
        ("a trainer with no seat", 0),
        ("a trainer with an observer seat", 0),
    ],
)
def test_only_decision_makers_with_lived_experience_lose_equal_terms_by_a_decline(
    org: Org, who: str, counted: int
) -> None:
    """Only declines of LE decision-makers (voting seat, electorate, decider) count."""
    plan, p = staff_proposal(org)
    if who.startswith("a staff"):
        member = org.staff
    elif who.endswith("never voted"):
        member = org.le[2]
    else:
        member = org.person("Newcomer", "trainer", "DIS")
        if "observer" in who:
            org.ledger.assign_seat(
                org.board, member, seat="observer", by=org.admin, occurred_at=day(1)
            )
    declined(org, member, 6, p)
    org.decide(p, 8)
    assert evidence_of(org, plan)["unresolved_declines"] == counted


def test_a_named_decider_and_a_past_voter_are_decision_makers_in_their_period(
    org: Org,
) -> None:
    """A consensus decider without a voting seat, or whose seat ended, is none."""
    guest = org.person("Guest", "member", "DIS")
    plan = org.project("other")
    early = org.propose(org.staff, plan, "design", 0.2)
    org.vote(early, 0.2)
    org.ledger.vacate_seat(org.board, org.le[0], by=org.admin, occurred_at=day(1))
    p = org.propose(org.staff, plan, "delivery", 12)
    declined(org, guest, 12.5, p)
    declined(org, org.le[0], 12.5, p)
    org.ledger.decide(
        p,
        outcome="adopted",
        method="consensus",
        by=org.admin,
        decided_by=[guest, org.staff],
        occurred_at=day(13),
    )
    assert evidence_of(org, plan, since=day(10))["unresolved_declines"] == 0
    # With a voting seat when deciding, the guest is a decision-maker.
    org.ledger.assign_seat(org.board, guest, by=org.admin, occurred_at=day(12.8))
    assert evidence_of(org, plan, since=day(10))["unresolved_declines"] == 1


@pytest.mark.parametrize(("closed_on", "counted"), [(13, 1), (9, 0)])
def test_a_vote_open_in_the_period_makes_its_electorate_decision_makers(
    org: Org, closed_on: float, counted: int
) -> None:
    """A vote opened before the period gave its electorate a say if still open in it."""
    plan, p = staff_proposal(org)
    org.ledger.open_voting(p, by=org.admin, occurred_at=day(6))
    # Trainer 0 leaves the board but stays in the open vote's electorate.
    org.ledger.vacate_seat(org.board, org.le[0], by=org.admin, occurred_at=day(8))
    for voter in org.others:
        org.ledger.cast_ballot(
            p, voter=voter, choice="for", occurred_at=day(closed_on - 0.5)
        )
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(closed_on))
    declined(org, org.le[0], 12, org.propose(org.staff, plan, "delivery", 11))
    assert evidence_of(org, plan, since=day(10))["unresolved_declines"] == counted


def override(org: Org, plan: UUID, on: float, needers: list[UUID]) -> UUID:
    """A proposal voted on over *needers*' unmet requests for a BSL interpreter."""
    p = org.propose(org.staff, plan, "design", on)
    for member in needers:
        org.ledger.request_adjustment(
            member,
            code="BSL",
            proposal=p,
            needed_before="vote",
            occurred_at=day(on + 0.1),
        )
    org.ledger.open_voting(
        p, by=org.admin, access_override="the deadline", occurred_at=day(on + 0.5)
    )
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(on + 0.6))
    return p


def test_access_overrides_count_each_vote_over_an_unmet_need(org: Org) -> None:
    """Each vote opened over unmet needs counts once, whoever's needs they were."""
    plan = org.project("other")
    override(org, plan, 5, [org.staff])
    assert evidence_of(org, plan)["access_overrides"] == 1
    override(org, plan, 10, [org.staff, org.le[0]])
    override(org, plan, 15, [org.le[1]])
    found = evidence_of(org, plan)
    assert (found["access_overrides"], found["equal_terms"]) == (3, False)
    assert evidence_of(org, plan, since=day(12))["access_overrides"] == 1


def test_r3_below_parity_or_a_lone_representative_breaks_equal_terms(org: Org) -> None:
    """Equal terms need R3 at 1 or more and R2 at 0 (section 4.2)."""
    plan, p = staff_proposal(org)
    org.decide(p, 8)
    assert evidence_of(org, plan)["equal_terms"] is True
    alone = org.project("other")
    met = org.meeting(alone, 20, attended=[org.le[0], *org.others])
    org.decide(org.propose(org.staff, alone, "design", 20, met), 20)
    found = evidence_of(org, alone, since=day(20))
    assert found["figures"]["R2"] > 0  # type: ignore[index]
    assert found["equal_terms"] is False
    watcher = org.person("Watcher", "trainer", "DIS")
    org.ledger.assign_seat(
        org.board, watcher, seat="observer", by=org.admin, occurred_at=day(1)
    )
    found = evidence_of(org, plan, until=day(19))
    assert found["figures"]["R3"] == 0.75  # type: ignore[index]
    assert found["equal_terms"] is False


def test_processes_in_scope_and_period(org: Org) -> None:
    """No process for an unknown body; a project is rated once it has started."""
    assert org.rungs(Scope.body(org.admin)) == []
    plan = engagement(org)  # started on day 0, proposals from day 5
    assert [r.unit for r in org.rungs(until=day(0))] == ["body"]
    assert [r.unit for r in org.rungs(until=day(0.1))] == ["project", "body"]
    later = org.rungs(Scope.body(org.board), since=day(30))
    assert [(r.unit, r.id) for r in later] == [
        ("body", str(org.board)),
        ("project", str(plan)),
    ]


@pytest.mark.parametrize("scope", ["ledger", "body", "project"])
def test_no_scope_rates_a_project_before_it_started(org: Org, scope: str) -> None:
    """A co-production project not yet started is rated in no scope, nor called faux."""
    plan = org.project("co_production")  # started on day 0
    org.propose(org.le[0], plan, "design", 5)
    chosen = {
        "ledger": Scope.ledger(),
        "body": Scope.body(org.board),
        "project": Scope.project(plan),
    }[scope]
    before = org.rungs(chosen, until=day(0))
    assert str(plan) not in {r.id for r in before}
    assert not any("faux_coproduction" in r.flags for r in before)
    # a body's scope takes the project once its proposal has come (day 5)
    after = day(5.5) if scope == "body" else day(0.1)
    assert str(plan) in {r.id for r in org.rungs(chosen, until=after)}


def test_a_project_finished_before_the_period_is_rated_only_for_input_in_it(
    org: Org,
) -> None:
    """A co-production project over before the period is not called faux in it."""
    plan = co_production(org)  # lived-experience input up to day 60
    org.ledger.finish_project(plan, by=org.admin, occurred_at=day(70))
    assert org.rung(plan).rung == "CO_PRODUCTION"
    for scope in (Scope.ledger(), Scope.body(org.board), Scope.project(plan)):
        assert str(plan) not in {r.id for r in org.rungs(scope, since=day(70))}
    # input after the finish still shows, in the period it came in
    org.propose(org.le[0], plan, "evaluation", 80)
    (found,) = org.rungs(Scope.project(plan), since=day(70))
    assert (found.rung, found.flags) == (
        "CONSULTATION",
        ("one_off", "faux_coproduction"),
    )


@pytest.mark.parametrize(
    ("first", "then"), [("consultation", "co_production"), ("co_production", "other")]
)
def test_faux_coproduction_reads_the_label_in_force_in_the_period(
    org: Org, first: str, then: str
) -> None:
    """A one-off consultation is faux co-production in a period it was so labelled."""
    plan = org.project(first)
    p = org.propose(org.staff, plan, "design", 5)
    org.comment(p, org.le[0], 5)
    org.ledger.relabel_project(plan, then, by=org.admin, occurred_at=day(20))
    for until, label in ((day(20), first), (day(20.5), then), (None, then)):
        period = {} if until is None else {"until": until}
        (found,) = org.rungs(Scope.project(plan), **period)
        assert found.evidence["label"] == label
        assert ("faux_coproduction" in found.flags) is (label == "co_production")


def test_a_relabelling_dated_earlier_gives_way_to_a_later_one(org: Org) -> None:
    """Labels hold in business time, whatever order they were recorded in."""
    plan = org.project("consultation")
    org.ledger.relabel_project(plan, "co_production", by=org.admin, occurred_at=day(30))
    org.ledger.relabel_project(plan, "co_design", by=org.admin, occurred_at=day(20))
    labels = [
        evidence_of(org, plan, **period)["label"]
        for period in ({"until": day(25)}, {"until": day(31)}, {})
    ]
    assert labels == ["co_design", "co_production", "co_production"]


def test_a_lone_representative_where_a_proposal_was_raised_breaks_equal_terms(
    org: Org,
) -> None:
    """A board meeting that took the project's proposal is a decision meeting of it."""
    plan = org.project("co_design")
    board_meeting = org.meeting(None, 5, attended=[org.le[0], *org.others])
    org.vote(org.propose(org.le[0], plan, "design", 5, board_meeting), 5)
    found = org.rung(plan)
    assert found.evidence["figures"]["R2"] == 1.0
    assert found.rung == "ENGAGEMENT"
    assert {"equal_terms_not_met", "lone_representative"} <= set(found.flags)
    (later,) = org.rungs(Scope.project(plan), since=day(6))
    assert later.evidence["figures"]["R2"] is None  # the meeting is not in it


def test_attendance_informs_and_educates_only_with_lived_experience_there(
    org: Org,
) -> None:
    """Meetings count for informing or educating only when a trainer attended them."""
    plan = org.project("other")
    org.meeting(plan, 5, "information", attended=[org.staff])
    assert org.rung(plan).rung == "NONE"
    org.meeting(plan, 6, "information", attended=[org.le[0]])
    org.meeting(plan, 7, "workshop", attended=[org.le[0]])
    found = org.rung(plan)
    assert (found.rung, found.evidence["informed"]) == ("INFORMING", True)
    # Meetings are folded in no set order: one information meeting among workshops
    # informs wherever it falls (five projects, so that some order puts it first).
    for _ in range(5):
        mixed = org.project("other")
        for on, kind in ((5, "workshop"), (6, "information"), (7, "workshop")):
            org.meeting(mixed, on, kind, attended=[org.le[0]])
        assert org.rung(mixed).evidence["informed"] is True
    taught = org.project("other")
    org.meeting(taught, 5, "education", attended=[org.le[0]])
    org.meeting(taught, 6, "education", attended=[org.le[1]])
    org.meeting(taught, 7, "workshop", attended=[org.le[1]])
    found = org.rung(taught)
    assert (found.rung, found.evidence["education_meetings"]) == ("EDUCATING", 2)
    assert found.evidence["informed"] is False


def test_no_feedback_loop_is_raised_at_consultation_and_engagement_only(
    org: Org,
) -> None:
    """Unanswered comments flag engagement, but not a co-designed process."""
    plan = org.project("engagement")
    p = org.propose(org.staff, plan, "design", 5)
    c = org.comment(p, org.le[0], 5, channel="written")
    org.comment(p, org.le[1], 9, channel="written")
    org.ledger.amend_proposal(
        p, by=org.staff, text="Yes.", takes_up=[c], occurred_at=day(10)
    )
    org.decide(p, 12)
    found = org.rung(plan)
    assert (found.rung, found.flags) == ("ENGAGEMENT", ("no_feedback_loop",))
    designed = org.project("co_production")
    q = org.propose(org.le[0], designed, "design", 5)
    org.comment(q, org.le[1], 6, channel="written")
    org.vote(q, 8)
    found = org.rung(designed)
    assert (found.rung, found.flags) == ("CO_DESIGN", ("faux_coproduction",))


def test_placation_and_token_seat_need_lived_experience_on_the_seats(org: Org) -> None:
    """With no trainer seated there is no placation; R1 at exactly 15% is no token."""
    staff = [
        org.ledger.register_member(f"Staffer {i}", role="staff", occurred_at=day(-1))
        for i in range(17)
    ]
    for member in staff:
        org.ledger.declare_lived_experience(
            member, categories=["NONE"], occurred_at=day(-1)
        )
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-1))
    for member in staff:
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-1))
    (found,) = org.rungs(Scope.body(panel))
    assert found.evidence["figures"]["R1"] == 0.0
    assert "placation" not in found.flags
    for member in org.le:  # 3 of 20 seats: R1 = 0.15
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-1))
    (found,) = org.rungs(Scope.body(panel))
    assert found.evidence["figures"]["R1"] == 0.15
    assert "token_seat" not in found.flags
    # Where nobody on the seats has answered the question, R1 is no evidence.
    quiet = org.ledger.establish_body("Quiet", kind="advisory", occurred_at=day(-1))
    org.ledger.assign_seat(quiet, org.admin, by=org.admin, occurred_at=day(-1))
    (found,) = org.rungs(Scope.body(quiet))
    assert found.evidence["figures"]["R1"] == 0.0
    assert "token_seat" not in found.flags


@pytest.mark.parametrize("seat", ["advisory", "observer", "ex_officio", "voting"])
def test_placation_is_seats_without_power_whatever_their_kind(
    org: Org, seat: str
) -> None:
    """Trainers seated without voting power, advisory seats too, are placated."""
    panel = org.ledger.establish_body("Panel", kind="governance", occurred_at=day(-1))
    for member in org.others:
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-1))
    org.ledger.assign_seat(
        panel, org.le[0], seat=seat, by=org.admin, occurred_at=day(-1)
    )
    (found,) = org.rungs(Scope.body(panel))
    # with one of four votes under a simple majority the trainer can swing a
    # decision; without a vote they have no power, whatever seat they hold
    assert (found.evidence["figures"]["R7"] == 0) is (seat != "voting")
    assert ("placation" in found.flags) is (seat != "voting")


def test_actions_and_evaluations_are_occasions_of_their_owners(org: Org) -> None:
    """Delivery-phase actions count, and owning actions or evaluations is input."""
    plan = org.project("other")
    deliver = org.propose(org.staff, plan, "delivery", 5)
    design = org.propose(org.staff, plan, "design", 5)
    evaluate = org.propose(org.staff, plan, "evaluation", 5)
    for p in (deliver, design, evaluate):
        org.decide(p, 6)
    for p, on in ((deliver, 10), (deliver, 11), (design, 12)):
        org.ledger.assign_action(
            p,
            description="Do it",
            owners=[org.le[0], org.staff],
            by=org.admin,
            occurred_at=day(on),
        )
    org.ledger.assign_action(
        deliver,
        description="Staff do it",
        owners=[org.staff],
        by=org.admin,
        occurred_at=day(13),
    )
    org.ledger.record_evaluation(
        evaluate,
        summary="Staff looked.",
        authors=[org.staff],
        by=org.admin,
        occurred_at=day(14),
    )
    org.ledger.record_evaluation(
        evaluate,
        summary="We looked.",
        authors=[org.staff, org.le[1]],
        by=org.admin,
        occurred_at=day(15),
    )
    found = evidence_of(org, plan)
    assert (found["delivery_actions"], found["le_occasions"]) == (2, 4)
    assert evidence_of(org, plan, since=day(10.5))["delivery_actions"] == 1


def test_first_contribution_and_design_decision_within_the_period(org: Org) -> None:
    """The first design decision is the earliest in the period; later acts unseen."""
    plan = org.project("other")
    delivery = org.propose(org.staff, plan, "delivery", 2)
    org.decide(delivery, 3)
    for on in (5, 8):
        org.decide(org.propose(org.staff, plan, "design", on), on)
    org.comment(org.propose(org.staff, plan, None, 10), org.le[0], 10, "written")  # type: ignore[arg-type]
    found = evidence_of(org, plan)
    assert found["first_design_decision"] == (day(5) + timedelta(hours=4)).isoformat()
    assert found["proposed_phases"] == []
    early = evidence_of(org, plan, until=day(6))
    assert (early["first_le_contribution"], early["first_design_decision"]) == (
        None,
        (day(5) + timedelta(hours=4)).isoformat(),
    )
    assert evidence_of(org, plan, until=day(5.1))["first_design_decision"] is None


def test_a_co_proposal_with_staff_is_lived_experience_originated(org: Org) -> None:
    """A proposal a trainer raised together with staff is theirs too (here unphased)."""
    plan = org.project("co_design")
    p = org.ledger.raise_proposal(
        org.board,
        proposers=[org.staff, org.le[0]],
        title="Ours",
        text="...",
        project=plan,
        occurred_at=day(5),
    )
    org.decide(p, 6)
    found = org.rung(plan)
    assert found.evidence["adopted_phases"] == ["unphased"]
    assert found.rung == "CO_DESIGN"


def test_decision_tags_read_comments_and_attendance_closely(org: Org) -> None:
    """Staff comments consult no one; only the right meetings, LE present, inform."""

    def tags(until: float | None = None) -> list[str]:
        lens = Lens(org.ledger.facts(), until=None if until is None else day(until))
        return [t.tag for t in ladder.decision_tags(lens)]

    p = org.propose(org.staff, None, "design", 1)
    org.comment(p, org.staff, 1, channel="written")
    org.meeting(None, 2, attended=[org.staff])  # nobody with lived experience there
    org.decide(p, 2)
    raised_at = org.meeting(None, 3, attended=[org.le[0], org.staff])
    p = org.propose(org.staff, None, "design", 3, raised_at)
    org.decide(p, 5)
    assert tags(until=5.9) == ["none", "informed"]
    org.meeting(None, 6, "information", attended=[org.le[1], org.staff])
    p = org.propose(org.staff, None, "design", 7)
    org.decide(p, 8)
    org.meeting(None, 9, "workshop", attended=[org.le[1]])
    p = org.propose(org.staff, None, "design", 10)
    org.decide(p, 11)
    org.meeting(None, 12, "information", attended=[org.le[1], org.staff])
    # Day 8's decision came after one information meeting and before a workshop;
    # the information meeting on day 12 falls after the period's end.
    assert tags(until=11.9) == ["informed", "informed", "none", "none"]
    assert tags() == ["informed"] * 4  # day 12 tells every earlier decision


def test_meeting_channel_acts_belong_to_the_bodys_first_meeting_that_day(
    org: Org,
) -> None:
    """Meeting-channel acts join the proposal's, else the body's first, meeting."""
    plan = org.project("other")
    noon, nine, three = (org.meeting(plan, 10 + h / 24, attended=[]) for h in (3, 0, 6))
    at_noon = org.propose(org.staff, plan, "design", 10, noon)
    at_three = org.propose(org.staff, plan, "design", 10, three)
    at_nine = org.propose(org.staff, plan, "design", 10, nine)
    loose = org.propose(org.staff, plan, "design", 10)
    for p in (at_noon, at_three, loose):
        org.comment(p, org.le[0], 10)
    assert evidence_of(org, plan)["comment_meetings"] == 3  # noon, three, nine
    org.comment(at_nine, org.le[1], 10)
    assert evidence_of(org, plan)["comment_meetings"] == 3
    org.comment(loose, org.le[1], 10, channel="written")
    org.comment(loose, org.le[1], 20)
    org.comment(loose, org.le[2], 21)
    assert evidence_of(org, plan)["comment_meetings"] == 6


def test_input_at_the_moment_of_the_decision_came_before_it(org: Org) -> None:
    """A comment or an amendment made at the very instant of the decision counts."""
    at = day(5) + timedelta(hours=4)  # when org.decide(p, 5) decides
    said = org.propose(org.staff, None, "design", 5)
    org.ledger.comment(
        said, author=org.le[0], text="...", channel="written", occurred_at=at
    )
    org.decide(said, 5)
    changed = org.propose(org.staff, None, "design", 5)
    org.ledger.amend_proposal(changed, by=org.le[0], text="Changed.", occurred_at=at)
    org.decide(changed, 5)
    found = ladder.decision_tags(Lens(org.ledger.facts()))
    assert [t.tag for t in found] == ["consulted", "influenced"]


def test_facts_folded_further_place_acts_by_the_meetings_they_now_hold(
    org: Org,
) -> None:
    """Facts folded further place acts at the meetings they now hold, not stale ones."""
    plan = org.project("other")
    p = org.propose(org.staff, plan, "design", 5)
    org.comment(p, org.le[0], 10)
    facts = Facts().apply_states(org.ledger.fold_states())
    (before,) = ladder.classify(Lens(facts, Scope.project(plan)), TH)
    meeting = org.meeting(plan, 10, attended=[])  # the comment was made there
    q = org.propose(org.staff, plan, "design", 10, meeting)
    org.comment(q, org.le[1], 10)
    facts.apply_states(org.ledger.fold_states(after=facts.position))
    (after,) = ladder.classify(Lens(facts, Scope.project(plan)), TH)
    assert before.evidence["comment_meetings"] == 1
    assert after == org.rung(plan)
    assert after.evidence["comment_meetings"] == 1  # both at the one meeting


def test_input_without_comments_or_proposals_is_not_none(org: Org) -> None:
    """A trainer's amendment, owned action and evaluation reach CONSULTATION."""
    a, b, c = org.le
    plan = org.project("co_production")
    p = org.propose(org.staff, plan, "delivery", 5)
    org.ledger.amend_proposal(p, by=a, text="Rewritten.", occurred_at=day(6))
    org.decide(p, 7)
    org.ledger.assign_action(
        p, description="Run it", owners=[b], by=org.admin, occurred_at=day(8)
    )
    org.ledger.record_evaluation(
        p, summary="Went well", authors=[c], by=org.admin, occurred_at=day(9)
    )
    rung = org.rung(plan)
    assert rung.rung == "CONSULTATION"
    assert rung.evidence["comment_meetings"] == 0
    assert rung.evidence["le_occasions"] == 3


def test_papers_out_only_after_the_meeting_inform_no_one(org: Org) -> None:
    """Papers issued after a meeting began do not make it an informing meeting."""
    plan = org.project("consultation")
    meeting = org.meeting(plan, 5, "decision_meeting")
    org.ledger.issue_papers(meeting, formats=["STD"], by=org.admin, occurred_at=day(40))
    (late,) = org.rungs(Scope.project(plan), since=day(0), until=day(30))
    assert (late.rung, late.evidence["informed"]) == ("NONE", False)
    org.ledger.issue_papers(meeting, formats=["LP"], by=org.admin, occurred_at=day(4))
    (early,) = org.rungs(Scope.project(plan), since=day(0), until=day(30))
    assert (early.rung, early.evidence["informed"]) == ("INFORMING", True)


def test_feedback_on_a_comment_before_the_period_leaves_the_loop_open(
    org: Org,
) -> None:
    """The period's one comment unanswered: no_feedback_loop, whatever came before."""
    a, b, _ = org.le
    plan = org.project("consultation")
    p = org.propose(org.staff, plan, "design", 1)
    old = org.comment(p, a, 2, channel="written")
    org.comment(p, b, 15, channel="written")
    org.feedback(p, [old], 20)
    (rung,) = org.rungs(Scope.project(plan), since=day(10), until=day(40))
    assert rung.evidence["feedback_received"] is False
    assert "no_feedback_loop" in rung.flags


def test_r3_above_its_own_parity_cut_but_below_1_breaks_equal_terms(org: Org) -> None:
    """Equal terms need R3 of 1 or more: R3's own parity band (0.8) is not enough."""
    plan, p = staff_proposal(org)
    org.decide(p, 8)
    for i in range(2):
        coach = org.person(f"Coach {i}", "trainer", "DIS")
        org.ledger.assign_seat(org.board, coach, by=org.admin, occurred_at=day(1))
    watcher = org.person("Watcher", "trainer", "DIS")
    org.ledger.assign_seat(
        org.board, watcher, seat="observer", by=org.admin, occurred_at=day(1)
    )
    found = evidence_of(org, plan)
    assert found["figures"]["R3"] == pytest.approx(5 / 6)  # type: ignore[index]
    assert found["equal_terms"] is False


def test_a_comment_as_the_first_design_decision_is_taken_came_late(org: Org) -> None:
    """late_involvement: input at the very time of the first design decision is late."""
    plan = org.project("engagement")
    design = org.propose(org.staff, plan, "design", 5)
    org.ledger.comment(
        design,
        author=org.le[0],
        text="I think so.",
        channel="written",
        occurred_at=day(5) + timedelta(hours=4),
    )
    org.decide(design, 5)  # at day 5 + 4 hours too
    found = org.rung(plan)
    assert (
        found.evidence["first_le_contribution"]
        == (found.evidence["first_design_decision"])
    )
    assert "late_involvement" in found.flags


def test_one_lone_meeting_in_three_flags_a_lone_representative(org: Org) -> None:
    """lone_representative is raised for any R2 above 0, not only for most meetings."""
    plan = org.project("other")
    org.meeting(plan, 5)  # all three trainers came
    org.meeting(plan, 6)
    org.meeting(plan, 7, attended=[org.le[0], *org.others])
    found = org.rung(plan)
    assert found.evidence["figures"]["R2"] == pytest.approx(1 / 3)
    assert "lone_representative" in found.flags


def test_a_comment_dated_after_the_decision_did_not_consult_on_it(org: Org) -> None:
    """Per-decision tag: a comment dated after the decision was not consulted on."""
    plan, p = staff_proposal(org)
    org.comment(p, org.le[0], 9, channel="written")  # minuted before the decision
    org.decide(p, 8)  # entered later, dated the day before the comment
    assert org.tag(plan) == "none"


def test_a_body_a_proposal_goes_to_after_the_period_leaves_its_terms_alone(
    org: Org,
) -> None:
    """A later proposal to a panel seating trainers as observers moves no past rung."""
    plan = org.project("co_design")
    org.vote(org.propose(org.le[0], plan, "design", 5), 10)
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(-30))
    for member in org.le:
        org.ledger.assign_seat(
            panel, member, seat="observer", by=org.admin, occurred_at=day(-30)
        )
    for member in org.others:
        org.ledger.assign_seat(panel, member, by=org.admin, occurred_at=day(-30))
    (before,) = org.rungs(Scope.project(plan), until=day(30))
    assert (before.rung, before.flags) == ("CO_DESIGN", ())
    # On day 50 a proposal of the project goes to the panel.
    org.ledger.raise_proposal(
        panel,
        proposers=[org.staff],
        title="Paths",
        text="More paths.",
        project=plan,
        phase="delivery",
        occurred_at=day(50),
    )
    assert org.rungs(Scope.project(plan), until=day(30)) == [before]
    # Over all time the panel is one of the project's bodies: R3 falls to 0.5.
    assert org.rung(plan).rung == "ENGAGEMENT"


def test_a_project_first_brought_to_a_body_after_the_period_is_not_rated_in_it(
    org: Org,
) -> None:
    """A body's ladder for a period leaves out a project that came to it later."""
    plan = org.project("co_production")
    before = org.rungs(Scope.body(org.board), until=day(30))
    assert [r.unit for r in before] == ["body"]
    # On day 50 the project brings its first proposal to the board.
    org.propose(org.le[0], plan, "design", 50)
    assert org.rungs(Scope.body(org.board), until=day(30)) == before
    later = org.rungs(Scope.body(org.board), until=day(60))
    assert [(r.unit, r.id) for r in later] == [
        ("body", str(org.board)),
        ("project", str(plan)),
    ]


def test_no_scope_rates_a_body_before_it_was_established(org: Org) -> None:
    """A body established after a period's end has no rung in that period."""
    before = org.rungs(Scope.ledger(), until=day(30))
    panel = org.ledger.establish_body("Panel", kind="advisory", occurred_at=day(50))
    assert org.rungs(Scope.ledger(), until=day(30)) == before
    assert org.rungs(Scope.body(panel), until=day(30)) == []
    assert str(panel) in {r.id for r in org.rungs(Scope.body(panel), until=day(51))}


def test_a_meeting_after_the_period_informs_no_decision_in_it(org: Org) -> None:
    """A meeting that day but after the period's end informs no decision in it."""
    proposal = org.propose(org.staff, None, "design", 5)
    org.decide(proposal, 5)  # at 13:00 on day 5

    def tags(until: datetime) -> list[str]:
        lens = Lens(org.ledger.facts(), Scope.ledger(), until=until)
        return [t.tag for t in ladder.decision_tags(lens)]

    assert tags(day(5.25)) == ["none"]
    # A board meeting at 21:00 that day, a trainer with lived experience there.
    org.meeting(None, 5.5, attended=[org.le[0]])
    assert tags(day(5.25)) == ["none"]
    assert tags(day(6)) == ["informed"]


def test_feedback_on_a_comment_dated_after_the_decision_did_not_influence_it(
    org: Org,
) -> None:
    """Per-decision tag: feedback on a comment made after the decision is none."""
    plan, p = staff_proposal(org)
    said = org.comment(p, org.le[0], 9, channel="written")  # after day 8's decision
    org.decide(p, 8)
    org.feedback(p, [said], 10)
    assert org.tag(plan) == "none"


def test_ballots_in_an_advisory_vote_are_input(org: Org) -> None:
    """Trainers polled in an advisory vote took part: consultation, not none."""
    plan, p = staff_proposal(org)
    org.ledger.open_voting(p, by=org.admin, advisory=True, occurred_at=day(6))
    for voter in org.voters:
        org.ledger.cast_ballot(p, voter=voter, choice="against", occurred_at=day(6.1))
    org.ledger.close_advisory_vote(p, by=org.admin, occurred_at=day(6.2))
    org.decide(p, 7)
    found = org.rung(plan)
    assert (found.rung, found.flags) == (
        "CONSULTATION",
        ("one_off", "late_involvement"),
    )
    assert found.evidence["decided_phases"] == []  # it decided nothing
    assert found.evidence["people"]["deciders"] == len(org.voters) + 1


def test_feedback_on_a_comment_made_after_the_adoption_is_no_influence(
    org: Org,
) -> None:
    """Feedback naming a comment made after the adoption shows no influence on it."""
    plan, p = staff_proposal(org)
    org.comment(p, org.le[0], 5, channel="written")
    later = org.comment(p, org.le[1], 10, channel="written")  # minuted first
    org.decide(p, 8)  # entered later, dated before that comment
    org.feedback(p, [later], 11)
    found = org.rung(plan)
    assert found.evidence["comment_meetings"] == 2
    assert found.evidence["feedback_received"] is True  # the loop closed all the same
    assert (found.rung, found.evidence["influence_evidence"]) == ("CONSULTATION", False)


def test_papers_out_as_the_meeting_starts_inform(org: Org) -> None:
    """Papers issued at a meeting's very start make it an informing meeting."""
    plan = org.project("consultation")
    meeting = org.meeting(plan, 5, "decision_meeting")
    org.ledger.issue_papers(meeting, formats=["STD"], by=org.admin, occurred_at=day(5))
    found = org.rung(plan)
    assert (found.rung, found.evidence["informed"]) == ("INFORMING", True)


def test_proposing_an_evaluations_criteria_is_input(org: Org) -> None:
    """A trainer who proposed an evaluation's criteria took part, on that occasion."""
    plan, p = staff_proposal(org)
    org.decide(p, 6)
    org.ledger.record_evaluation(
        p,
        summary="Staff looked.",
        authors=[org.staff],
        criteria_proposed_by=[org.le[0]],
        by=org.admin,
        occurred_at=day(14),
    )
    found = org.rung(plan)
    assert (found.rung, found.evidence["le_occasions"]) == ("CONSULTATION", 1)
    assert found.evidence["people"]["criteria_proposers"] == 1


def test_feedback_on_a_comment_made_as_the_proposal_is_adopted_is_influence(
    org: Org,
) -> None:
    """A comment made as the proposal is adopted came by it: feedback on it heeds it."""
    plan, p = staff_proposal(org)
    said = org.ledger.comment(
        p, author=org.le[0], text="Yes.", channel="written", occurred_at=day(8)
    )
    org.ledger.decide(
        p, outcome="adopted", method="staff_executive", by=org.admin, occurred_at=day(8)
    )
    org.feedback(p, [said], 9)
    assert org.rung(plan).evidence["influence_evidence"] is True


def test_a_body_rates_no_project_before_it_started_though_its_proposal_came(
    org: Org,
) -> None:
    """A proposal dated before its project started does not rate the project early."""
    plan = org.ledger.start_project(
        "A late start", label="co_design", by=org.admin, occurred_at=day(10)
    )
    org.propose(org.le[0], plan, "design", 5)
    before = org.rungs(Scope.body(org.board), until=day(8))
    assert [r.unit for r in before] == ["body"]
    after = org.rungs(Scope.body(org.board), until=day(11))
    assert [r.unit for r in after] == ["body", "project"]


def test_a_proposal_of_theirs_settled_in_the_period_is_read_in_it(org: Org) -> None:
    """le_proposals counts one of theirs raised before the period and settled in it."""
    plan = org.project("other")
    p = org.propose(org.le[0], plan, "design", 5)
    org.decide(p, 40)
    found = evidence_of(org, plan, since=day(30))
    assert (found["le_proposals"], found["adopted_phases"]) == (1, ["design"])


def test_a_vote_over_an_unmet_need_names_its_requester(org: Org) -> None:
    """The requester whose need a vote passed over is among the people behind it."""
    found = _vote_over_an_unmet_need(org, org.le[1], "BSL")
    assert found.evidence["unresolved_declines"] == 0  # no decline names them
    assert found.evidence["people"]["requesters"] == 1


def test_a_meeting_outside_the_period_informs_no_one_in_it(org: Org) -> None:
    """Only the process's meetings held in the period can make it informing."""
    plan = org.project("consultation")
    org.meeting(plan, 40, "information")
    (before,) = org.rungs(Scope.project(plan), until=day(30))
    assert (before.rung, before.evidence["informed"]) == ("NO_ACTIVITY", False)
    (during,) = org.rungs(Scope.project(plan), since=day(30))
    assert (during.rung, during.evidence["informed"]) == ("INFORMING", True)
    (after,) = org.rungs(Scope.project(plan), since=day(50))
    assert (after.rung, after.evidence["informed"]) == ("NO_ACTIVITY", False)


def imported_advisory_vote_with_outsiders() -> tuple[list[str], UUID, UUID]:
    """Export lines of an open advisory vote whose 2nd and 3rd ballots are outsiders'.

    An import does not check that a voter was in the electorate: the export is
    edited, as a hand-built or damaged one could be. The outsiders have lived
    experience; the one voter of the electorate has not declared any.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as old:
        admin = old.register_member("Admin", role="staff", occurred_at=day(-2))
        body = old.establish_body(
            "Board", kind="governance", by=admin, occurred_at=day(-2)
        )
        voter = old.register_member("Voter", occurred_at=day(-2))
        old.assign_seat(body, voter, by=admin, occurred_at=day(-2))
        outsiders = [
            old.register_member(f"Outsider {i}", occurred_at=day(-2)) for i in range(2)
        ]
        for outsider in outsiders:
            old.declare_lived_experience(
                outsider, categories=["DIS"], occurred_at=day(-2)
            )
        p = old.raise_proposal(
            body, proposers=[voter], title="T", text="x", occurred_at=day(-1)
        )
        old.open_voting(p, by=admin, advisory=True, occurred_at=day(0))
        for hour in range(3):
            old.cast_ballot(
                p, voter=voter, choice="against", occurred_at=day(hour / 24)
            )
        out = io.StringIO()
        old.export(out)
    lines, ballots = [], 0
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row.get("topic", "").endswith("Proposal.BallotCast"):
            if ballots:
                row["state"].update(voter=str(outsiders[ballots - 1]), choice="for")
            ballots += 1
        lines.append(json.dumps(row))
    return lines, p, admin


def test_an_advisory_vote_names_only_its_electorate_as_deciders() -> None:
    """Ballots imported from outside an advisory vote's electorate name no decider.

    The close counts only the electorate's ballots, but the ladder named every
    voter as a decider (3, not 1) and took the outsiders' lived experience
    for input at the close.
    """
    lines, p, admin = imported_advisory_vote_with_outsiders()
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ledger.import_events(lines)
        tally = ledger.close_advisory_vote(p, by=admin, occurred_at=day(1))
        assert tally.participants == 1
        (rung,) = ledger.power_sharing().ladder
    assert rung.evidence["people"]["deciders"] == 1
    assert rung.evidence["le_occasions"] == 0


def test_a_vote_over_an_unmet_need_caps_the_period_it_decided_in(org: Org) -> None:
    """A vote opened over an unmet need before the period, decided in it, caps it."""
    a, b, _ = org.le
    plan = org.project("co_design")
    p = org.propose(a, plan, "design", 5, org.meeting(plan, 5, "workshop"))
    org.ledger.request_adjustment(
        b, code="BSL", proposal=p, needed_before="vote", occurred_at=day(6)
    )
    org.ledger.open_voting(
        p,
        by=org.admin,
        access_override="the funder's deadline",
        occurred_at=day(19.9),
    )
    for voter in org.voters:
        org.ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(19.95))
    org.ledger.close_voting(p, by=org.admin, occurred_at=day(20.1))
    whole = org.rung(plan)
    assert (whole.rung, whole.flags) == ("ENGAGEMENT", ("equal_terms_not_met",))
    # The adoption, and the vote over the need, fall in the second half.
    (second,) = org.rungs(Scope.project(plan), since=day(20))
    assert second.evidence["adopted_phases"] == ["design"]
    assert second.evidence["access_overrides"] == 1
    assert (second.rung, second.flags) == (
        "ENGAGEMENT",
        ("equal_terms_not_met", "one_off"),  # the vote was their one input in it
    )
    # A vote closed before the period began weighs nothing in it.
    (later,) = org.rungs(Scope.project(plan), since=day(20.1) + timedelta(seconds=1))
    assert later.evidence["access_overrides"] == 0


def test_a_decline_asked_before_the_period_and_due_in_it_caps_it(org: Org) -> None:
    """A need asked for before the period, declined for the vote in it, caps it."""
    a, b, _ = org.le
    plan = org.project("co_design")
    p = org.propose(a, plan, "design", 5, org.meeting(plan, 5, "workshop"))
    vote_at = org.meeting(plan, 19)
    org.adjustment(b, vote_at, 3, provide_on=None)  # asked on day 3, declined on 4
    org.vote(p, 19)
    period = {"since": day(3.5), "until": day(60)}
    (found,) = org.rungs(Scope.project(plan), **period)
    assert found.evidence["unresolved_declines"] == 1
    assert (found.rung, found.flags) == ("ENGAGEMENT", ("equal_terms_not_met",))
    # The period it was asked in, before it fell due, still counts it too.
    (asked,) = org.rungs(Scope.project(plan), since=day(2), until=day(10))
    assert asked.evidence["unresolved_declines"] == 1
    # One due after the period leaves it alone.
    (before,) = org.rungs(Scope.project(plan), since=day(3.5), until=day(10))
    assert before.evidence["unresolved_declines"] == 0


def test_a_standing_need_declined_before_the_period_caps_the_meetings_it_covered(
    org: Org,
) -> None:
    """A standing need declined before the period, at its meetings, caps it."""
    plan = co_production(org)
    for i, member in enumerate([*org.le, *org.others] * 2):
        request = org.ledger.request_adjustment(
            member, code="BRK", occurred_at=day(1 + i / 100)
        )
        org.ledger.provide_adjustment(request, by=org.admin, occurred_at=day(2))
    declined = org.ledger.request_adjustment(org.le[2], code="CAP", occurred_at=day(3))
    org.ledger.decline_adjustment(
        declined, by=org.admin, reason="not_reasonable_cost", occurred_at=day(4)
    )
    # X1 reads the decline at each of the period's six meetings: 74 of 80.
    (found,) = org.rungs(Scope.project(plan), since=day(4.5))
    assert found.evidence["figures"]["X1"] == 74 / 80
    assert found.evidence["unresolved_declines"] == 1
    assert found.evidence["people"]["requesters"] == 1
    assert (found.rung, found.flags) == (
        "ENGAGEMENT",
        ("equal_terms_not_met", "faux_coproduction"),
    )
    # A period holding none of the meetings it covered leaves it alone...
    (quiet,) = org.rungs(Scope.project(plan), since=day(4.5), until=day(5))
    assert quiet.evidence["unresolved_declines"] == 0
    # ...as does a later standing need of the same member, met, making it good.
    again = org.ledger.request_adjustment(org.le[2], code="CAP", occurred_at=day(4.2))
    org.ledger.provide_adjustment(again, by=org.admin, occurred_at=day(4.3))
    (made_good,) = org.rungs(Scope.project(plan), since=day(4.5))
    assert made_good.evidence["unresolved_declines"] == 0


def test_a_process_with_no_activity_in_the_period_is_not_called_faux_in_it(
    org: Org,
) -> None:
    """A quarter in which nothing happened places no process, nor calls one faux."""
    plan = co_production(org)  # active up to day 60, then idle; still running
    idle = {"since": day(100), "until": day(190)}
    for scope in (Scope.ledger(), Scope.body(org.board), Scope.project(plan)):
        rated = {r.id: r for r in org.rungs(scope, **idle)}
        assert (rated[str(plan)].rung, rated[str(plan)].level) == ("NO_ACTIVITY", 0)
        assert not any("faux_coproduction" in r.flags for r in rated.values())
    assert org.rung(plan).rung == "CO_PRODUCTION"  # the whole history is as it was
    # a staff proposal in the quarter is activity without lived experience
    org.propose(org.staff, plan, "evaluation", 120)
    (found,) = org.rungs(Scope.project(plan), **idle)
    assert (found.rung, found.flags) == ("NONE", ("faux_coproduction",))


def test_a_meeting_held_in_the_period_is_activity(org: Org) -> None:
    """A body's meeting with no one of lived experience there places it at NONE."""
    org.meeting(None, 120, attended=org.others)
    (found,) = org.rungs(Scope.body(org.board), since=day(100), until=day(190))
    assert (found.unit, found.rung) == ("body", "NONE")
    (later,) = org.rungs(Scope.body(org.board), since=day(130))
    assert (later.unit, later.rung) == ("body", "NO_ACTIVITY")


def test_a_meeting_still_to_come_is_no_activity(org: Org) -> None:
    """A project whose only meeting has not started by now is not rated, nor faux."""
    plan = org.project("co_production")
    org.ledger.schedule_meeting(
        org.board,
        kind="workshop",
        title="Next month",
        starts_at=day(30),
        by=org.admin,
        project=plan,
        occurred_at=day(1),
    )
    # The latest day recorded is day 1: the workshop of day 30 is still to come.
    for period in ({}, {"since": day(0), "until": day(60)}):
        for scope in (Scope.ledger(), Scope.body(org.board), Scope.project(plan)):
            rated = {r.id: r for r in org.rungs(scope, **period)}
            for rung in rated.values():
                assert (rung.rung, rung.flags) == ("NO_ACTIVITY", ())
    # Once its day is recorded, it was held: activity without lived experience.
    org.ledger.record_attendance(
        org.ledger.meetings()[-1].id, org.staff, by=org.admin, occurred_at=day(30)
    )
    assert (org.rung(plan).rung, org.rung(plan).flags) == (
        "NONE",
        ("faux_coproduction",),
    )


@pytest.mark.parametrize("advisory", [True, False], ids=["advisory", "overridden"])
def test_a_decision_after_a_vote_of_trainers_consulted_them(
    org: Org, advisory: bool
) -> None:
    """Trainers who voted before a later decision (polled, overruled) were consulted."""
    plan, p = staff_proposal(org)
    org.ledger.open_voting(p, by=org.admin, advisory=advisory, occurred_at=day(6))
    for voter in org.voters:
        org.ledger.cast_ballot(p, voter=voter, choice="against", occurred_at=day(6.1))
    if advisory:
        org.ledger.close_advisory_vote(p, by=org.admin, occurred_at=day(6.2))
    else:
        org.ledger.close_voting(p, by=org.admin, occurred_at=day(6.2))
    org.decide(p, 7)  # adopted: overrides a binding vote against
    lens = Lens(org.ledger.facts(), Scope.project(plan))
    tags, (lived, without) = ladder.tagged(lens)
    assert [t.tag for t in tags][-1] == "consulted"
    assert lived == len(org.le)  # the trainers who voted are read past the deciders
    assert without >= len(org.others)
