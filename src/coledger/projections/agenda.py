"""A: agenda and initiative (who put things forward, and how early).

A1 counts the proposals raised in scope in the period whose proposers include a
member with lived experience, against that group's share of the membership. A2
adapts the reference's agenda items, which the ledger does not record: a
decision meeting counts as lived-experience-shaped when a proposal raised by a
member with lived experience was put to it (the proposal names the meeting,
was raised by the period's end and was not withdrawn before the meeting
began) or
when such a member held the chair or co-chair of its body as it met. A3 asks,
for each project, whether people with lived experience contributed (raised a
proposal or commented) before the first decision on a design-phase proposal,
or at all while no design decision has been taken. A project is judged on its
history up to the period's end and counted when it had a contribution or a
decision in the period.

A1's parity compares the share with the lived-experience share of the scope's
members when each proposal was raised (averaged over the proposals): in the
ledger scope every member registered by then, in a body's or a project's the
members of that forum in the period (V2's ``scope_population``: its seat
holders and its meetings' attendees) registered by then. A member erased
later still counts at the proposals raised before their erasure, as
undeclared: their declaration can no longer be read.

Lived experience is read as it stood when each act happened; a decision whose
outcome is ``not_valid`` (a vote without its quorum) decided nothing and is
ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from uuid import UUID

from coledger.domain.proposal import DEFERRED
from coledger.projections.facts import MeetingFacts, Population, ProposalFacts
from coledger.projections.lens import (
    Figure,
    Lens,
    fewest,
    insufficient,
    people_in,
    proposers_and_commenters,
)
from coledger.projections.measures import above, below, share
from coledger.projections.thresholds import Thresholds
from coledger.projections.voice import raised_at, scope_population

CHAIRS = ("chair", "co_chair")
MORE_PLACES = 12
"""How many decimals ``ratio_text`` may try beyond two before it stops."""
NOT_DECIDED = "not_valid"


def le_proposed(lens: Lens, proposal: ProposalFacts) -> bool:
    """Whether a proposer had lived experience when the proposal was raised."""
    return any(lens.le(m, proposal.raised_at) for m in proposal.proposers)


def le_base(lens: Lens) -> Population:
    """The members A1's parity compares with, counted at any time.

    The whole membership in the ledger scope; in a body's or a project's,
    the forum's own members in the period (``scope_population``). A1 asks
    once per scope, so it is not kept.
    """
    if lens.scope.kind == "ledger":
        return lens.facts.population()
    return Population.of(lens.facts, scope_population(lens))


def le_base_at(base: Population, at: datetime) -> float | None:
    """The lived-experience share of the members of *base* registered by *at*."""
    return share(base.lived_experience(at), base.members(at))


def a1(lens: Lens, th: Thresholds) -> Figure:
    """Share of proposals with a lived-experience proposer, banded by parity."""
    proposals = lens.proposals()
    if not proposals:
        return insufficient(
            "A1", "no proposals were raised in scope in the period", people=0
        )
    coverage = lens.coverage((p.proposers[0], p.raised_at) for p in proposals)
    people = people_in((m, p.raised_at) for p in proposals for m in p.proposers)
    value = sum(le_proposed(lens, p) for p in proposals) / len(proposals)
    members = le_base(lens)
    # A proposal raised before any member of its forum was registered has no
    # base to compare with (registration is not ordered against acts).
    shares = [le_base_at(members, p.raised_at) for p in proposals]
    known = [s for s in shares if s is not None]
    base = sum(known)
    groups = base_groups(members, [p.raised_at for p in proposals])
    if not base:
        note = "parity undefined: no eligible member had lived experience"
        return Figure("A1", value, len(proposals), coverage, None, note, people, groups)
    parity = value / (base / len(known))
    band = "below_parity" if below(parity, th.parity) else "parity"
    note = f"parity {ratio_text(parity, th.parity)}"
    return Figure("A1", value, len(proposals), coverage, band, note, people, groups)


def ratio_text(value: float, cut: float) -> str:
    """*value* to two decimals, or more where two would reach a mark it is not at.

    The marks are 0, 1 (equal) and the band's *cut*, as the reports never
    round a value onto a cut (``coledger.reports.vocabulary.exact``): a
    parity of 0.7959 written "0.80" beside ``below_parity`` (parity from 0.8)
    would contradict its band. A value at a mark by all but rounding
    (``measures.below``) is written as the mark.
    """
    text = ""
    for places in range(2, 2 + MORE_PLACES):
        text = f"{value:.{places}f}"
        shown = float(text)
        if not any(_reaches(value, shown, mark) for mark in (0.0, 1.0, cut)):
            break
    return text


def _reaches(value: float, shown: float, mark: float) -> bool:
    """Whether rounding *value* to *shown* reached or passed *mark* it is not at."""
    if not (below(value, mark) or above(value, mark)):
        return False  # at the mark, but for rounding
    return min(value, shown) <= mark <= max(value, shown)


def base_groups(members: Population, times: list[datetime]) -> tuple[int, int]:
    """The fewest members of the base with, and without, lived experience at *times*.

    Each is the smallest count above zero at any of the times (0 if always
    none): A1's band turns on the base's share, so in a forum where either
    group is a few people it would say which of them have lived experience.
    """
    le = [members.lived_experience(at) for at in times]
    others = [members.members(at) - n for at, n in zip(times, le, strict=True)]
    return min((n for n in le if n), default=0), min(
        (n for n in others if n), default=0
    )


def _le_chair(lens: Lens, meeting: MeetingFacts) -> list[tuple[UUID, bool]]:
    """(holder, lived experience) for the chair and co-chair as *meeting* met."""
    body = lens.facts.bodies.get(meeting.body)
    at = meeting.starts_at
    seats = [] if body is None else body.held_at(at)
    return [(s.member, lens.le(s.member, at)) for s in seats if s.office in CHAIRS]


def _items(lens: Lens, meeting: MeetingFacts) -> list[ProposalFacts]:
    """The proposals put to *meeting*: raised for it by the period's end.

    Nothing after the period shapes it; one withdrawn before the meeting
    began was never before it.
    """
    return [
        p
        for p in raised_at(lens, meeting)
        if p.withdrawn_at is None or p.withdrawn_at >= meeting.starts_at
    ]


def a2(lens: Lens, th: Thresholds) -> Figure:
    """Share of decision meetings with a lived-experience item or chair."""
    del th
    meetings = [m for m in lens.held() if m.kind == "decision_meeting"]
    if not meetings:
        return insufficient("A2", "no decision meetings in scope held in the period")
    acts: list[tuple[UUID, datetime]] = []
    by_item = by_chair = shaped = 0
    for meeting in meetings:
        items = _items(lens, meeting)
        acts += [(p.proposers[0], p.raised_at) for p in items]
        chairs = _le_chair(lens, meeting)
        acts += [(m, meeting.starts_at) for m, _ in chairs]
        item = any(le_proposed(lens, p) for p in items)
        chair = any(le for _, le in chairs)
        by_item += item
        by_chair += chair
        shaped += item or chair
    value = shaped / len(meetings)
    band = "every_meeting" if value == 1 else "none" if value == 0 else "some_meetings"
    note = f"{by_item} with a lived-experience proposal, {by_chair} with such a chair"
    return Figure("A2", value, len(meetings), lens.coverage(acts), band, note)


def _contributions(
    lens: Lens, project_id: UUID
) -> Iterator[tuple[UUID, datetime, bool]]:
    """(member, time, lived experience) of each proposal and comment on a project.

    Only the project's proposals in scope: in a body's, those raised to it.
    """
    for p in lens.proposals_in(project_id):
        for m in p.proposers:
            yield m, p.raised_at, lens.le(m, p.raised_at)
        for c in p.comments:
            yield c.author, c.at, lens.le(c.author, c.at)


def _decisions(lens: Lens, project_id: UUID) -> Iterator[tuple[str | None, datetime]]:
    """(phase, time) of each decision on a proposal of a project in scope.

    A deferral is a decision here, making its project active, but its phase is
    None: it puts the question off, so it takes no design decision.
    """
    for p in lens.proposals_in(project_id):
        for d in p.decisions:
            if d.outcome != NOT_DECIDED:
                yield (None if d.outcome == DEFERRED else p.phase), d.at


def formative(lens: Lens, project_id: UUID) -> bool | None:
    """Whether lived experience came in before the project's first design decision.

    The project's whole history up to the period's end is read. None when the
    project had neither a contribution nor a decision by then.
    """
    made = [c for c in _contributions(lens, project_id) if lens.by_end(c[1])]
    decided = [d for d in _decisions(lens, project_id) if lens.by_end(d[1])]
    if not made and not decided:
        return None
    first_le = min((at for _, at, le in made if le), default=None)
    first_design = _first_design(decided)
    if first_le is None:
        return False
    return first_design is None or first_le < first_design


def first_design_decision(lens: Lens, project_id: UUID) -> datetime | None:
    """When the project's first design decision was taken by the period's end."""
    return _first_design(d for d in _decisions(lens, project_id) if lens.by_end(d[1]))


def _first_design(decided: Iterable[tuple[str | None, datetime]]) -> datetime | None:
    """The time of the first design decision among *decided* (phase, time) pairs."""
    return min((at for phase, at in decided if phase == "design"), default=None)


def formative_people(
    lens: Lens, projects: list[UUID]
) -> tuple[list[tuple[UUID, datetime]], list[tuple[UUID, datetime]]]:
    """The proposers, and the commenters, whose lived experience A3 reads.

    Only input by the period's end and before each project's first design
    decision (all of it, with none taken): input after it cannot make a
    project formative, so its people say nothing of the verdict.
    """
    proposers: list[tuple[UUID, datetime]] = []
    commenters: list[tuple[UUID, datetime]] = []
    for pid in projects:
        design = first_design_decision(lens, pid)

        def early(at: datetime, design: datetime | None = design) -> bool:
            return lens.by_end(at) and (design is None or at < design)

        found = proposers_and_commenters(lens.proposals_in(pid), early)
        proposers += found[0]
        commenters += found[1]
    return proposers, commenters


def projects_in_scope(lens: Lens) -> list[UUID]:
    """Projects in scope: all, one, or those with proposals to the body by the end."""
    if lens.scope.kind == "project":
        return [] if lens.scope.id is None else [lens.scope.id]
    if lens.scope.kind == "body":
        ids = {p.project for p in lens.proposals_by_end()}
        return [p.id for p in lens.facts.subset(lens.facts.projects, ids)]
    return list(lens.facts.projects)


def _active(lens: Lens, project_id: UUID) -> bool:
    """Whether a project had a contribution or a decision in the period."""
    return any(
        lens.in_period(at) for _, at, _ in _contributions(lens, project_id)
    ) or any(lens.in_period(at) for _, at in _decisions(lens, project_id))


def a3(lens: Lens, th: Thresholds) -> Figure:
    """Share of active projects with lived experience in at the formative stage."""
    del th
    counted: list[UUID] = []
    early = 0
    for pid in projects_in_scope(lens):
        verdict = formative(lens, pid)
        if verdict is None or not _active(lens, pid):
            continue
        counted.append(pid)
        early += verdict
    if not counted:
        return insufficient(
            "A3",
            "no project in scope had a contribution or decision in the period",
            people=0,
        )
    value = early / len(counted)
    band = "formative" if value == 1 else "late" if value == 0 else "partly_late"
    proposers, commenters = proposers_and_commenters(
        (p for pid in counted for p in lens.proposals_in(pid)),
        lens.by_end,
    )
    coverage = lens.coverage([*proposers, *commenters])
    # Only those who spoke before a project's first design decision can make
    # it formative: one proposer there, beside many after it, is one person.
    people = fewest(*formative_people(lens, counted))
    return Figure("A3", value, len(counted), coverage, band, None, people)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every agenda and initiative figure."""
    return {f.code: f for f in (fn(lens, th) for fn in (a1, a2, a3))}
