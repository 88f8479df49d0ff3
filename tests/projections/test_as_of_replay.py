"""A report as of position N equals that of a ledger holding the first N events."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from coledger import Ledger, Rule
from coledger.projections.materialise import comparable

START = datetime(2025, 3, 1, 10, tzinfo=UTC)


def at(days: int, hours: int = 0) -> datetime:
    """A business time *days* and *hours* after the start."""
    return START + timedelta(days=days, hours=hours)


def record(led: Ledger) -> None:
    """A small history that holds a little of everything a report reads.

    Seats, declarations given and withdrawn, requests answered every way,
    votes, decisions (one back-dated), an erasure, and a withdrawn proposal.
    """
    admin = led.register_member("Admin", role="staff", occurred_at=at(0))
    ann, bob, cat, eve = (
        led.register_member(name, role=role, by=admin, occurred_at=at(0, i + 1))
        for i, (name, role) in enumerate(
            [
                ("Ann", "trainer"),
                ("Bob", "trainer"),
                ("Cat", "trustee"),
                ("Eve", "partner"),
            ]
        )
    )
    for i, (member, category) in enumerate(
        [(ann, "DIS"), (bob, "LTHC"), (cat, "NONE")]
    ):
        led.declare_lived_experience(
            member, categories=[category], occurred_at=at(1, i)
        )
    board = led.establish_body(
        "Board", kind="governance", rule=Rule.majority(), by=admin, occurred_at=at(2)
    )
    group = led.establish_body(
        "Group", kind="working_group", by=admin, occurred_at=at(2, 1)
    )
    for member in (ann, bob, cat):
        led.assign_seat(board, member, by=admin, occurred_at=at(3))
    led.assign_seat(
        board, admin, seat="advisory", office="chair", by=admin, occurred_at=at(3, 1)
    )
    led.assign_seat(group, eve, by=admin, occurred_at=at(3, 2))
    project = led.start_project(
        "Festival", label="co_production", by=admin, occurred_at=at(4)
    )
    meeting = led.schedule_meeting(
        board,
        kind="decision_meeting",
        title="March board",
        starts_at=at(10),
        by=admin,
        project=project,
        occurred_at=at(4, 1),
    )
    led.issue_papers(meeting, formats=("STD", "ER"), by=admin, occurred_at=at(5))
    met = led.request_adjustment(ann, code="ER", meeting=meeting, occurred_at=at(5, 1))
    led.provide_adjustment(met, by=admin, occurred_at=at(6))
    timetable = led.raise_proposal(
        board,
        proposers=[ann],
        title="Timetable",
        text="Move to 6pm",
        project=project,
        meeting=meeting,
        occurred_at=at(10, 1),
    )
    said = led.comment(timetable, author=bob, text="Good", occurred_at=at(10, 2))
    declined = led.request_adjustment(
        bob,
        code="BSLV",
        proposal=timetable,
        needed_before="vote",
        occurred_at=at(10, 3),
    )
    led.decline_adjustment(
        declined,
        by=admin,
        reason="alternative_offered",
        alternative="ER",
        occurred_at=at(11),
    )
    standing = led.request_adjustment(cat, code="LP", occurred_at=at(11, 1))
    led.withdraw_adjustment(standing, occurred_at=at(12))
    led.record_attendance(meeting, ann, by=admin, occurred_at=at(10, 4))
    led.record_attendance(meeting, bob, mode="remote", by=admin, occurred_at=at(10, 5))
    led.hold_check_in(meeting, by=admin, occurred_at=at(10, 6))
    led.give_feedback(
        timetable, comments=[said], text="Done", by=admin, occurred_at=at(12, 1)
    )
    led.open_voting(timetable, by=admin, occurred_at=at(13))
    for i, (voter, choice) in enumerate([(ann, "for"), (bob, "for"), (cat, "against")]):
        led.cast_ballot(
            timetable, voter=voter, choice=choice, occurred_at=at(13, i + 1)
        )
    led.close_voting(timetable, by=admin, occurred_at=at(14))
    action = led.assign_action(
        timetable, description="Book hall", owners=[ann], by=admin, occurred_at=at(15)
    )
    led.complete_action(timetable, action, by=ann, occurred_at=at(20))
    rugby = led.raise_proposal(
        group, proposers=[eve], title="Rugby", text="New club", occurred_at=at(16)
    )
    led.decide(rugby, outcome="adopted", method="chair", by=admin, occurred_at=at(17))
    minute = led.raise_proposal(  # minutes of February, entered late
        board, proposers=[cat], title="Old minute", text="Feb", occurred_at=at(-10)
    )
    led.decide(
        minute,
        outcome="rejected",
        method="consensus",
        by=admin,
        decided_by=[ann, bob, cat],
        occurred_at=at(-9),
    )
    led.withdraw_lived_experience(bob, occurred_at=at(21))
    led.declare_lived_experience(bob, categories=["CARER"], occurred_at=at(22))
    led.vacate_seat(board, cat, by=admin, occurred_at=at(23))
    led.erase_member(ann, by=admin, occurred_at=at(24))
    led.withdraw_lived_experience(bob, occurred_at=at(25))
    later = led.raise_proposal(
        board, proposers=[bob], title="Later", text="x", occurred_at=at(26)
    )
    led.withdraw_proposal(later, by=bob, reason="moot", occurred_at=at(27))


def scopes(led: Ledger) -> list[dict[str, Any]]:
    """The ledger, each body and each project, with and without a period."""
    places: list[dict[str, UUID | None]] = [{}]
    places += [{"body": b.id} for b in led.bodies()]
    places += [{"project": p.id} for p in led.projects()]
    periods: list[dict[str, datetime]] = [{}, {"since": at(-20), "until": at(12)}]
    return [place | period for place in places for period in periods]


def mid_save(line: str) -> bool:
    """Whether an export's *line* is a binding close, stored with the decision after it.

    No ledger ends between the two, and an import refuses a file that does.
    """
    row = json.loads(line)
    closed = row["topic"].endswith(":Proposal.VotingClosed")
    return closed and row["state"].get("advisory") is False


def test_every_position_reports_as_a_ledger_of_its_first_events() -> None:
    """For every N, as_of=N gives what a copy of the first N events of an export does.

    The export is taken at the end, after the erasure and withdrawals, so its
    copy holds their erased forms: what as_of N can read (docs/privacy.md).
    """
    with Ledger.open("memory://") as ledger:
        record(ledger)
        out = io.StringIO()
        ledger.export(out)
        header, *lines = out.getvalue().splitlines()
        assert len(lines) == ledger.position
        for n in range(len(lines) + 1):
            if n and mid_save(lines[n - 1]):
                continue
            head = json.loads(header) | {"events": n}
            with Ledger.open("memory://") as copy:
                copy.import_events([json.dumps(head), *lines[:n]])
                for scope in scopes(copy):
                    fresh = comparable(copy.power_sharing(**scope))
                    then = comparable(ledger.power_sharing(as_of=n, **scope))
                    assert then == fresh, (n, scope)


def test_a_scope_established_after_as_of_reports_no_evidence() -> None:
    """A body or project set up after the position reports as it was then: empty."""
    with Ledger.open("memory://") as led:
        record(led)
        board = next(b.id for b in led.bodies() if b.name == "Board")
        project = next(p.id for p in led.projects())
        for body, project_ in ((board, None), (None, project)):
            then = led.power_sharing(body=body, project=project_, as_of=1).to_json()
            now = led.power_sharing(body=body, project=project_).to_json()
            assert all(f["n"] == 0 for f in then["indicators"].values())
            assert then["ladder"] == []
            assert any(f["n"] > 0 for f in now["indicators"].values())
