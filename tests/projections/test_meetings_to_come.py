"""A meeting that has not started by now counts in no figure of meetings held."""

from __future__ import annotations

from datetime import timedelta

from coledger import Ledger
from coledger.projections import access, agenda
from coledger.projections.lens import Scope
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, lens, seated_board

TH = Thresholds()


def test_a_meeting_still_to_come_is_not_counted_as_held(
    memory_ledger: Ledger,
) -> None:
    """A2, X4 and X5 leave out a meeting scheduled for after the latest day recorded."""
    ledger = memory_ledger
    ada, board, lee, sol = seated_board(ledger)
    ledger.assign_seat(board, ada, office="chair", by=ada, occurred_at=day(0))
    held = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Held",
        starts_at=day(10),
        by=ada,
        occurred_at=day(1),
    )
    ledger.issue_papers(held, formats=["ER"], by=ada, occurred_at=day(2))
    ledger.raise_proposal(
        board, proposers=[lee], title="T", text="x", meeting=held, occurred_at=day(10)
    )
    for member in (ada, lee):
        ledger.record_attendance(held, member, by=ada, occurred_at=day(10))
    request = ledger.request_adjustment(
        lee, code="ER", meeting=held, needed_before="meeting", occurred_at=day(3)
    )
    ledger.provide_adjustment(request, by=ada, occurred_at=day(4))
    # Called on day 11 for day 40; nothing later is recorded.
    coming = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Coming",
        starts_at=day(40),
        by=ada,
        occurred_at=day(11),
    )
    later = ledger.request_adjustment(
        lee, code="ER", meeting=coming, needed_before="meeting", occurred_at=day(11)
    )
    ledger.provide_adjustment(later, by=ada, occurred_at=day(11))
    for period in (lens(ledger), lens(ledger, until=60)):
        # A2: the held meeting had Lee's item -> 1 of 1.
        a2 = agenda.a2(period, TH)
        assert (a2.value, a2.n, a2.band) == (1, 1, "every_meeting")
        # X4: its ER papers came unasked -> 1 of 1.
        x4 = access.x4(period, TH)
        assert (x4.value, x4.n, x4.band) == (1, 1, "baseline")
        # X5: Lee came (1 of 1); of Ada and Sol, Ada came (1 of 2) -> 2.
        x5 = access.x5(period, TH)
        assert (x5.value, x5.n) == (2, 3)
        assert x5.note is not None
        assert x5.note.startswith("(b) attended 1 of 1 meetings where")
    # Once the day of the meeting is recorded, it counts.
    ledger.record_attendance(coming, sol, by=ada, occurred_at=day(40))
    assert agenda.a2(lens(ledger), TH).n == 2
    assert access.x4(lens(ledger), TH).n == 2
    assert access.x5(lens(ledger), TH).n == 6


def test_a_meeting_at_midnight_after_the_latest_day_is_still_to_come(
    memory_ledger: Ledger,
) -> None:
    """A meeting starting exactly as the latest recorded day ends has not been held."""
    ledger = memory_ledger
    ada, board, _, _ = seated_board(ledger)
    at_midnight = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="At midnight",
        starts_at=day(2),
        by=ada,
        occurred_at=day(1) + timedelta(hours=9),
    )
    just_before = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Just before",
        starts_at=day(2) - timedelta(seconds=1),
        by=ada,
        occurred_at=day(1) + timedelta(hours=9),
    )
    # The latest business time is on day 1, so now is midnight at day 2.
    held = {m.id for m in lens(ledger).held()}
    assert just_before in held
    assert at_midnight not in held


def test_a_proposal_raised_at_the_period_end_brings_no_meeting_to_its_project(
    memory_ledger: Ledger,
) -> None:
    """A project leaves out a meeting its proposal was raised at as the period ended."""
    ledger = memory_ledger
    ada, board, lee, _ = seated_board(ledger)
    project = ledger.start_project(
        "Pool", label="co_production", by=ada, occurred_at=day(0)
    )
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="M",
        starts_at=day(5),
        by=ada,
        occurred_at=day(1),
    )
    ledger.raise_proposal(
        board,
        proposers=[lee],
        title="T",
        text="x",
        meeting=meeting,
        project=project,
        occurred_at=day(10),
    )
    scope = Scope.project(project)
    assert [m.id for m in lens(ledger, scope, until=10).meetings()] == []
    assert [m.id for m in lens(ledger, scope, until=11).meetings()] == [meeting]


def test_with_only_social_or_coming_meetings_a2_and_x4_say_none_was_held(
    memory_ledger: Ledger,
) -> None:
    """A2 and X4 say no meeting was held, not that there were no meetings."""
    ledger = memory_ledger
    ada, board, _, _ = seated_board(ledger)
    ledger.schedule_meeting(
        board,
        kind="social",
        title="Picnic",
        starts_at=day(2),
        by=ada,
        occurred_at=day(1),
    )
    ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Next",
        starts_at=day(30),
        by=ada,
        occurred_at=day(3),
    )
    a2, x4 = agenda.a2(lens(ledger), TH), access.x4(lens(ledger), TH)
    assert (a2.value, x4.value) == (None, None)
    assert a2.note is not None
    assert a2.note.endswith("no decision meetings in scope held in the period")
    assert x4.note is not None
    assert x4.note.endswith("no meetings but social ones held in the period")
