"""P: phase coverage and continuity (was lived experience there from design to review).

P1 and P2's unit is a project active at some moment of the period: in the
ledger scope every such project, in a body scope those whose proposals went to
that body by the period's end, in a project scope that project. P3's is an
evaluation of any proposal in scope, whether its project (if any) was still
running or not. Only proposals in scope count, and only acts made in the
period; lived-experience status is taken as it stood at each act.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

import attrs

from coledger.domain.proposal import ADOPTED
from coledger.projections.decisions import (
    decided_with,
    deciders_with_right,
    le_originated,
    overturned,
    settling_decision,
)
from coledger.projections.facts import ProjectFacts, ProposalFacts, Spell
from coledger.projections.lens import (
    Figure,
    Lens,
    Occasion,
    band_of,
    fewest,
    insufficient,
    meeting_days,
    occasion,
    proposers_and_commenters,
)
from coledger.projections.thresholds import Thresholds

CORE_PHASES = frozenset({"design", "delivery", "evaluation"})
"""The phases co-production must cover; each is worth up to two P1 points."""
MAX_SCORE = 2 * len(CORE_PHASES)
LOW_COVERAGE = 3
"""P1 below this (but above 0): low phase coverage (heuristic)."""
MIXED = 0.5
"""P2 and P3 below this: low; from it up to all: mixed or most (heuristic)."""

Act = tuple[UUID, datetime]


@attrs.frozen
class PhaseProfile:
    """Phases where lived experience proposed, had proposals adopted, and decided."""

    project: UUID
    proposed_phases: frozenset[str]
    adopted_phases: frozenset[str]
    decided_phases: frozenset[str]

    @property
    def score(self) -> int:
        """The P1 score: core phases proposed in plus core phases decided in."""
        return len(self.proposed_phases & CORE_PHASES) + len(
            self.decided_phases & CORE_PHASES
        )


def projects_in(lens: Lens) -> list[ProjectFacts]:
    """Projects in scope that were active at some moment of the period."""
    facts = lens.facts
    if lens.scope.kind == "project":
        found = facts.projects.get(lens.scope.id)  # type: ignore[arg-type]
        candidates = [] if found is None else [found]
    elif lens.scope.kind == "body":
        ids = {p.project for p in lens.proposals_by_end()}
        candidates = facts.subset(facts.projects, ids)
    else:
        candidates = list(facts.projects.values())
    return [
        pr
        for pr in candidates
        if Spell(pr.started_at, 0, pr.finished_at).overlaps(lens.since, lens.until)
    ]


def _proposals_of(lens: Lens, project: UUID) -> list[ProposalFacts]:
    return lens.proposals_in(project)


def phase_profile(lens: Lens, project: UUID) -> PhaseProfile:
    """Where lived experience proposed, was adopted and decided in *project*."""
    proposed: set[str] = set()
    adopted: set[str] = set()
    decided: set[str] = set()
    for p in _proposals_of(lens, project):
        if p.phase is None:
            continue
        if le_originated(lens, p):
            if lens.in_period(p.raised_at):
                proposed.add(p.phase)
            settled = settling_decision(lens, p)
            if settled is not None and settled.outcome in ADOPTED:
                adopted.add(p.phase)
        if any(
            d.outcome != "not_valid"
            and lens.in_period(d.at)
            and decided_with(lens, p, d)
            and not overturned(lens, p, d)
            for d in p.decisions
        ):
            decided.add(p.phase)
    return PhaseProfile(
        project, frozenset(proposed), frozenset(adopted), frozenset(decided)
    )


def _phase_acts(lens: Lens, project: UUID) -> Iterator[Act]:
    for p in _proposals_of(lens, project):
        if p.phase is None:
            continue
        if lens.in_period(p.raised_at):
            yield from ((m, p.raised_at) for m in p.proposers)
        for d in p.decisions:
            if d.outcome != "not_valid" and lens.in_period(d.at):
                yield from ((m, d.at) for m in d.decided_by)


def _phase_people(
    lens: Lens, projects: list[ProjectFacts]
) -> tuple[list[Act], list[Act]]:
    """The proposers, and the deciders with a vote, whose lived experience P1 reads.

    Only those of the phases it scores: a governance proposal adds no point, so
    its people add no one.
    """
    proposers: list[Act] = []
    deciders: list[Act] = []
    for p in (p for pr in projects for p in _proposals_of(lens, pr.id)):
        if p.phase not in CORE_PHASES:
            continue
        if lens.in_period(p.raised_at):
            proposers += [(m, p.raised_at) for m in p.proposers]
        for d in p.decisions:
            if d.outcome != "not_valid" and lens.in_period(d.at):
                deciders += [(m, d.at) for m in deciders_with_right(lens, p, d)]
    return proposers, deciders


def _named(projects: list[ProjectFacts], values: dict[UUID, object]) -> str:
    ordered = sorted(projects, key=lambda pr: (pr.name, str(pr.id)))
    return "; ".join(f"{pr.name}: {values[pr.id]}" for pr in ordered)


def p1(lens: Lens, th: Thresholds) -> Figure:
    """Mean phase-coverage score (0-6) of the projects in scope."""
    del th
    projects = projects_in(lens)
    if not projects:
        return insufficient(
            "P1", "no projects in scope were active in the period", people=0
        )
    scores = {pr.id: phase_profile(lens, pr.id).score for pr in projects}
    value = sum(scores.values()) / len(scores)
    band = (
        "none"
        if value == 0
        else band_of(value, [(LOW_COVERAGE, "low"), (MAX_SCORE, "partial")], "full")
    )
    shown: dict[UUID, object] = {k: f"{v}/{MAX_SCORE}" for k, v in scores.items()}
    acts = [act for pr in projects for act in _phase_acts(lens, pr.id)]
    note = _named(projects, shown)
    coverage = lens.coverage(acts)
    people = fewest(*_phase_people(lens, projects))
    return Figure("P1", value, len(projects), coverage, band, note, people)


def occasions(lens: Lens, project: UUID) -> set[Occasion]:
    """Distinct meetings (or channel-days) with a lived-experience contribution."""
    days = meeting_days(lens.facts)
    found: set[Occasion] = set()
    for p in _proposals_of(lens, project):
        if lens.in_period(p.raised_at) and le_originated(lens, p):
            found.add(occasion(days, p, p.raised_at, raising=True))
        for c in p.comments:
            if lens.in_period(c.at) and lens.le(c.author, c.at):
                found.add(occasion(days, p, c.at, c.channel))
    return found


def p2(lens: Lens, th: Thresholds) -> Figure:
    """Share of projects with lived-experience input on two or more occasions."""
    del th
    projects = projects_in(lens)
    if not projects:
        return insufficient(
            "P2", "no projects in scope were active in the period", people=0
        )
    counts = {pr.id: len(occasions(lens, pr.id)) for pr in projects}
    continuing = sum(count >= 2 for count in counts.values())  # noqa: PLR2004
    value = continuing / len(projects)
    band = band_of(value, [(MIXED, "low"), (1.0, "mixed")], "continuous")
    shown: dict[UUID, object] = dict(counts)
    note = f"occasions with lived-experience input: {_named(projects, shown)}"
    proposers, commenters = proposers_and_commenters(
        (p for pr in projects for p in _proposals_of(lens, pr.id)), lens.in_period
    )
    coverage = lens.coverage([*proposers, *commenters])
    people = fewest(proposers, commenters)
    return Figure("P2", value, len(projects), coverage, band, note, people)


def p3(lens: Lens, th: Thresholds) -> Figure:
    """Share of evaluations with a lived-experience author or criteria proposer."""
    del th
    evaluations = [
        (authors, criteria, at)
        for p in lens.proposals(in_period=False)
        for authors, criteria, at in p.evaluations
        if lens.in_period(at)
    ]
    if not evaluations:
        return insufficient(
            "P3", "no evaluations were recorded in the period", people=0
        )
    by_author = by_criteria = owned = 0
    writers: list[Act] = []
    choosers: list[Act] = []
    for authors, criteria, at in evaluations:
        author = any(lens.le(m, at) for m in authors)
        chose = any(lens.le(m, at) for m in criteria)
        by_author += author
        by_criteria += chose
        owned += author or chose
        writers += [(m, at) for m in authors]
        choosers += [(m, at) for m in criteria]
    value = owned / len(evaluations)
    band = "none" if value == 0 else "some" if value <= MIXED else "most"
    note = (
        f"{owned} of {len(evaluations)} evaluations; {by_author} with a "
        f"lived-experience author, {by_criteria} with lived-experience criteria"
    )
    coverage = lens.coverage([*writers, *choosers])
    people = fewest(writers, choosers)
    return Figure("P3", value, len(evaluations), coverage, band, note, people)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every phase-coverage and continuity figure."""
    return {f.code: f for f in (fn(lens, th) for fn in (p1, p2, p3))}
