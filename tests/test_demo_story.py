"""The demo's invented year tells a story that holds together, date by date."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.demo import PROPOSALS, YEAR_START, record_year
from coledger.domain.base import LedgerAggregate
from coledger.domain.body import Body
from coledger.domain.meeting import Meeting
from coledger.domain.project import Project
from coledger.domain.proposal import Proposal
from coledger.errors import InvalidInputError

CLI_DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _events(ledger: Ledger) -> list[LedgerAggregate.Event]:
    """Every event of the demo ledger, in recorded order."""
    return [recorded.event for recorded in ledger.history()]


def test_demo_records_nothing_before_the_year_or_what_it_names(
    demo_ledger: Ledger,
) -> None:
    """No act is dated before the year starts, or before a record it names."""
    created = {
        e.originator_id: e.occurred_at
        for e in _events(demo_ledger)
        if e.originator_version == 1
    }
    early = []
    for e in _events(demo_ledger):
        if e.occurred_at < YEAR_START:
            early.append((type(e).__qualname__, "the year"))
        named = [getattr(e, field, None) for field in ("body", "project", "meeting")]
        early.extend(
            (type(e).__qualname__, str(record))
            for record in [*named, e.actor]
            if record is not None and e.occurred_at < created[record]
        )
    assert early == []


def test_demo_proposals_fall_within_their_projects_run(demo_ledger: Ledger) -> None:
    """A proposal on a project is raised after it started and before it finished."""
    runs: dict[UUID, list[datetime]] = {}
    outside = []
    for e in _events(demo_ledger):
        if isinstance(e, Project.Started | Project.Finished):
            runs.setdefault(e.originator_id, []).append(e.occurred_at)
    for e in _events(demo_ledger):
        if isinstance(e, Proposal.Raised) and e.project is not None:
            start, *finish = runs[e.project]
            if e.occurred_at < start or any(e.occurred_at > end for end in finish):
                outside.append(e.title)
    assert outside == []


def test_demo_proposals_are_about_their_project(demo_ledger: Ledger) -> None:
    """A proposal filed under a project is about it, and one under none is not."""
    subjects = {
        "Summer Festival": "festival",
        "New Website": "website",
        "Coach Education Module": "coach",
        "Membership Fees Review": "membership",
    }
    projects = {p.id: subjects[p.name] for p in demo_ledger.projects()}
    misfiled = []
    for proposal in demo_ledger.proposals():
        words = f"{proposal.title} {proposal.text}".lower()
        named = {subject for subject in subjects.values() if subject in words}
        expected = set() if proposal.project is None else {projects[proposal.project]}
        if named != expected:
            misfiled.append(proposal.title)
    assert misfiled == []


def test_demo_meetings_are_attended_by_their_bodys_seat_holders(
    demo_ledger: Ledger,
) -> None:
    """Whoever attends a meeting holds a seat on its body as the meeting starts."""
    changes: dict[tuple[UUID, UUID], list[tuple[datetime, bool]]] = {}
    meetings: dict[UUID, tuple[UUID, datetime, str]] = {}
    for e in _events(demo_ledger):
        if isinstance(e, Body.SeatAssigned | Body.SeatVacated):
            held = isinstance(e, Body.SeatAssigned)
            changes.setdefault((e.originator_id, e.member), []).append(
                (e.occurred_at, held)
            )
        elif isinstance(e, Meeting.Scheduled):
            meetings[e.originator_id] = (e.body, e.starts_at, e.title)

    def seated(body: UUID, member: UUID, at: datetime) -> bool:
        held = [h for when, h in sorted(changes.get((body, member), [])) if when <= at]
        return bool(held) and held[-1]

    unseated = []
    for e in _events(demo_ledger):
        if isinstance(e, Meeting.AttendanceRecorded):
            body, starts, title = meetings[e.originator_id]
            if not seated(body, e.member, starts):
                unseated.append(title)
    assert unseated == []


def test_demo_rationales_agree_with_their_outcomes(demo_ledger: Ledger) -> None:
    """A rationale saying it was agreed goes with an adoption, never a deferral."""
    said = {
        (decision.outcome, decision.rationale)
        for proposal in demo_ledger.proposals()
        for decision in proposal.decisions
        if decision.rationale is not None
    }
    wrong = {
        (outcome, rationale)
        for outcome, rationale in said
        if rationale.startswith("Agreed") != (outcome == "adopted")
    }
    assert wrong == set()


def test_demo_refuses_a_seed_too_long_for_its_minutes_before_recording(
    demo_ledger: Ledger,
) -> None:
    """record_year refuses a seed too long for its minutes, recording nothing."""
    assert len(demo_ledger.proposals()) == PROPOSALS  # the minutes it numbers
    with Ledger.open("memory://") as ledger:
        for seed in (10**489, -(10**488), 10**5000):
            with pytest.raises(InvalidInputError, match="seed"):
                record_year(ledger, seed=seed)
            assert ledger.position == 0


@pytest.mark.parametrize("seed", [0, 1, 2025])
def test_demo_year_ends_with_2025_whatever_the_seed(seed: int) -> None:
    """Every act of the invented year, under any seed, is dated in 2025."""
    with Ledger.open("memory://") as ledger:
        record_year(ledger, seed=seed)
        years = {recorded.event.occurred_at.year for recorded in ledger.history()}
    assert years == {2025}


def test_cli_docs_tell_the_demo_recorded_order_as_it_is(demo_ledger: Ledger) -> None:
    """cli.md says the demo enters all meetings before its proposals, as it does."""
    events = _events(demo_ledger)
    first_raised = next(
        i for i, e in enumerate(events) if isinstance(e, Proposal.Raised)
    )
    last_meeting = max(
        i for i, e in enumerate(events) if isinstance(e, Meeting.AttendanceRecorded)
    )
    assert last_meeting < first_raised
    assert events[last_meeting].occurred_at > events[first_raised].occurred_at
    assert any(a.occurred_at > b.occurred_at for a, b in pairwise(events))
    said = " ".join(CLI_DOCS.read_text(encoding="utf-8").split())
    assert "recorded order follows the year" not in said
    assert (
        "the whole year's meetings, then each proposal from its raising to its "
        "follow-through, so its recorded order is not the order of the year's dates"
    ) in said


@pytest.mark.parametrize("seed", [1, 2025])
def test_demo_declines_offer_another_adjustment_than_the_one_asked_for(
    seed: int,
) -> None:
    """A request the demo declines with an alternative is offered a different need."""
    with Ledger.open("memory://") as ledger:
        record_year(ledger, seed=seed)
        declined = [a for a in ledger.adjustments() if a.status == "declined"]
    assert declined
    assert all(a.alternative is not None for a in declined)
    assert [a.code for a in declined if a.alternative == a.code] == []
