"""A process with no activity in a report's period, in every output and the tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.reports import render

SINCE, UNTIL = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC)


def _idle_project(ledger: Ledger) -> UUID:
    """A co-production project with a staff workshop in 2024, then nothing."""
    at = datetime(2024, 1, 1, tzinfo=UTC)
    admin = ledger.register_member("Admin", role="staff", occurred_at=at)
    board = ledger.establish_body("Board", kind="governance", occurred_at=at)
    staff = []
    for i in range(10):
        member = ledger.register_member(f"M{i}", role="trainer", occurred_at=at)
        category = "DIS" if i < 5 else "NONE"
        ledger.declare_lived_experience(member, categories=[category], occurred_at=at)
        ledger.assign_seat(board, member, by=admin, occurred_at=at)
        staff += [member] if category == "NONE" else []
    plan = ledger.start_project(
        "Plan",
        label="co_production",
        by=admin,
        occurred_at=datetime(2024, 2, 1, tzinfo=UTC),
    )
    held = datetime(2024, 3, 1, 10, tzinfo=UTC)
    workshop = ledger.schedule_meeting(
        board, kind="workshop", title="W", starts_at=held, by=admin, project=plan,
        occurred_at=datetime(2024, 2, 2, tzinfo=UTC),
    )  # fmt: skip
    for member in staff:
        ledger.record_attendance(workshop, member, by=admin, occurred_at=held)
    return plan


def test_an_idle_quarter_is_no_activity_in_every_output(memory_ledger: Ledger) -> None:
    """No output calls a quarter with no activity faux, or says nobody took part."""
    plan = _idle_project(memory_ledger)
    whole = memory_ledger.power_sharing(project=plan)
    (before,) = whole.ladder  # the workshop without lived experience: as before
    assert (before.rung, before.flags) == ("NONE", ("faux_coproduction",))
    report = memory_ledger.power_sharing(project=plan, since=SINCE, until=UNTIL)
    (rung,) = report.ladder
    assert (rung.rung, rung.level, rung.flags) == ("NO_ACTIVITY", 0, ())
    for audience in ("board", "public"):
        (shown,) = json.loads(render(report, audience=audience, format="json"))[
            "ladder"
        ]
        assert (shown["rung"], shown["flags"]) == ("NO_ACTIVITY", [])
        for fmt in ("text", "html"):
            out = render(report, audience=audience, format=fmt)
            assert "No activity to rate" in out
            assert "faux co-production" not in out
            assert "No involvement" not in out
    for fmt in ("text", "html"):
        members = render(report, audience="members", format=fmt)
        assert "Nothing happened in this work at this time." in members
        assert "did not take part" not in members
        assert "It was called working together" not in members
    quiet = render(whole, audience="members")
    assert "did not take part" in quiet  # activity without lived experience still is


@pytest.mark.parametrize("materialised", [False, True])
def test_a_project_with_no_activity_yet_is_no_activity_in_the_tables(
    memory_ledger: Ledger, *, materialised: bool
) -> None:
    """The tables, like the folds, place a co-production project not yet begun."""
    admin = memory_ledger.register_member("Admin", role="staff")
    plan = memory_ledger.start_project("Plan", label="co_production", by=admin)
    report = memory_ledger.power_sharing(materialised=materialised)
    rated = {r.id: (r.rung, r.flags) for r in report.ladder}
    assert rated[str(plan)] == ("NO_ACTIVITY", ())


def test_an_idle_process_is_not_put_on_step_0_beside_the_key(
    memory_ledger: Ledger,
) -> None:
    """The ladder's key reads 0 as "no involvement", so an idle process gets no step.

    Its level is 0 in the data, but the board's and the public's report say
    "from 0 (no involvement)": "step 0, No activity to rate" in the text, a
    0 in the table, the chart and its description would call it both.
    """
    plan = _idle_project(memory_ledger)
    report = memory_ledger.power_sharing(project=plan, since=SINCE, until=UNTIL)
    for audience in ("board", "public"):
        out = render(report, audience=audience, format="text")
        assert "Plan (project): No activity to rate; flags: none" in out
        assert "step 0" not in out
        page = render(report, audience=audience, format="html")
        assert "Plan: No activity to rate" in page  # the chart's description
        assert "step 0" not in page
        assert ">0 No activity to rate<" not in page  # the chart's words
        assert "<td>project</td><td>not placed</td>" in page  # the table's step
