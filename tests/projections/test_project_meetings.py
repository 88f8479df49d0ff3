"""A project's meetings include the meetings its proposals were raised at."""

from __future__ import annotations

from uuid import UUID

from coledger import Ledger
from coledger.projections import access, agenda, representation, voice, wellbeing
from coledger.projections.lens import Scope
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, lens, seated_board

TH = Thresholds()
MEETING_FIGURES = (
    agenda.a2,
    voice.v1,
    voice.v2,
    voice.v4,
    access.x3,
    access.x4,
    access.x5,
    representation.r2,
    wellbeing.w2,
)
"""The figures that read a scope's meetings."""


def park_and_a_board_meeting(
    ledger: Ledger,
) -> tuple[UUID, UUID, UUID, UUID, UUID]:
    """A seated board, a project, and a board meeting on day 9 not scheduled for it.

    The meeting had accessible papers, a check-in, and both seat holders there;
    returns the board, Lee, Sol, the project and the meeting.
    """
    ada, board, lee, sol = seated_board(ledger)
    project = ledger.start_project(
        "Park", label="co_production", by=ada, occurred_at=day(0)
    )
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Board",
        starts_at=day(9),
        by=ada,
        occurred_at=day(1),
    )
    ledger.issue_papers(meeting, formats=["STD", "ER"], by=ada, occurred_at=day(1))
    ledger.hold_check_in(meeting, by=ada, occurred_at=day(9))
    for member in (lee, sol):
        ledger.record_attendance(meeting, member, by=ada, occurred_at=day(9))
    return board, lee, sol, project, meeting


def test_a_project_reads_the_board_meeting_its_proposal_was_raised_at(
    memory_ledger: Ledger,
) -> None:
    """Every meeting figure of a project reads a meeting its proposal was raised at."""
    ledger = memory_ledger
    board, lee, sol, project, meeting = park_and_a_board_meeting(ledger)
    proposal = ledger.raise_proposal(
        board,
        proposers=[sol],
        title="Benches",
        text="More benches.",
        project=project,
        phase="design",
        meeting=meeting,
        occurred_at=day(9),
    )
    ledger.comment(proposal, author=lee, text="Yes.", occurred_at=day(9))
    scope = lens(ledger, Scope.project(project))
    board_scope = lens(ledger, Scope.body(board))
    # The project sees the meeting as its board does.
    for figure in MEETING_FIGURES:
        assert figure(scope, TH) == figure(board_scope, TH), figure.__name__
    # A2: Sol (no lived experience) raised the item, and no one chairs -> 0 of 1.
    assert (agenda.a2(scope, TH).value, agenda.a2(scope, TH).n) == (0, 1)
    # V1: Lee's one comment of one, against half of the attendance -> 2.
    assert voice.v1(scope, TH).value == 2
    # V4: Lee spoke at the meeting, through its channel on its day -> 0 silent.
    assert (voice.v4(scope, TH).value, voice.v4(scope, TH).n) == (0, 1)
    # X3: STD and ER out 8 days ahead; X4: the ER papers came unasked.
    assert (access.x3(scope, TH).value, access.x3(scope, TH).n) == (1, 2)
    assert (access.x4(scope, TH).value, access.x4(scope, TH).n) == (1, 1)
    # X5: both seat holders came -> parity 1; W2: the one meeting had a check-in.
    assert access.x5(scope, TH).value == 1
    assert (wellbeing.w2(scope, TH).value, wellbeing.w2(scope, TH).n) == (1, 1)


def test_a_proposal_raised_after_the_period_brings_no_meeting_into_it(
    memory_ledger: Ledger,
) -> None:
    """A proposal raised after a period's end adds no meeting to its project then."""
    ledger = memory_ledger
    board, lee, _, project, meeting = park_and_a_board_meeting(ledger)
    figures = MEETING_FIGURES
    before = [f(lens(ledger, Scope.project(project), until=30), TH) for f in figures]
    # On day 50 a proposal of the project names the day-9 meeting.
    ledger.raise_proposal(
        board,
        proposers=[lee],
        title="Benches",
        text="More benches.",
        project=project,
        meeting=meeting,
        occurred_at=day(50),
    )
    period = lens(ledger, Scope.project(project), until=30)
    assert [f(period, TH) for f in figures] == before
    assert access.scope_meetings(period) == set()
    # Without a period end, the meeting is the project's.
    assert access.scope_meetings(lens(ledger, Scope.project(project))) == {meeting}
