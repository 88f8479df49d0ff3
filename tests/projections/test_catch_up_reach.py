"""A catch-up after one event rewrites every scope that event reaches across scopes.

Each case sets up a board, a project tied to it by a board meeting scheduled
for the project alone (no proposal of the project went to the board), and
the board's meeting held on the latest day; one event follows on that day,
so "now" stays put and only the scopes its marks reach are rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import attrs
import pytest

from coledger import Ledger
from coledger.projections.lens import Scope
from coledger.projections.materialise import comparable
from indicator_helpers import day, seated_board


@attrs.frozen
class Setting:
    """The ledger's board, its members, the project and the project's board meeting."""

    ledger: Ledger
    ada: UUID
    board: UUID
    lee: UUID
    sol: UUID
    project: UUID
    meeting: UUID


def setting(ledger: Ledger) -> Setting:
    """A seated board whose day-9 decision meeting was scheduled for a project.

    Lee (with lived experience) and Sol attended; Ada holds no seat.
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
        project=project,
        by=ada,
        occurred_at=day(1),
    )
    for member in (lee, sol):
        ledger.record_attendance(meeting, member, by=ada, occurred_at=day(9))
    return Setting(ledger, ada, board, lee, sol, project, meeting)


def seat_ada(s: Setting) -> None:
    """Ada takes a voting seat on the board before its meeting, recorded late."""
    s.ledger.assign_seat(s.board, s.ada, by=s.ada, occurred_at=day(2))


def raise_at_the_meeting(s: Setting) -> None:
    """Lee raises a proposal in no project at the project's board meeting."""
    s.ledger.raise_proposal(
        s.board,
        proposers=[s.lee],
        title="Benches",
        text="More benches.",
        meeting=s.meeting,
        occurred_at=day(9),
    )


def ask_standing(s: Setting) -> None:
    """Lee asks for easy read from day 2 on, for every meeting."""
    s.ledger.request_adjustment(s.lee, code="ER", needed_by=day(2), occurred_at=day(9))


def withdraw_lee(s: Setting) -> None:
    """Lee withdraws their declaration: every scope they were seen in moves."""
    s.ledger.withdraw_lived_experience(s.lee, occurred_at=day(9))


@pytest.mark.parametrize(
    "event", [seat_ada, raise_at_the_meeting, ask_standing, withdraw_lee]
)
def test_one_event_rewrites_the_project_its_board_meeting_ties_to_the_board(
    memory_ledger: Ledger, event: Callable[[Setting], None]
) -> None:
    """The project's tables move with an event of the board it reaches by a meeting."""
    s = setting(memory_ledger)
    projector = s.ledger.projections()
    projector.catch_up()
    scope = Scope.project(s.project)
    kept = projector.read(scope)
    assert kept is not None
    event(s)
    projector.catch_up()  # a withdrawal has caught it up already, as it must
    assert projector.tables.position() == s.ledger.position
    folded = comparable(s.ledger.power_sharing(project=s.project))
    moved = {k: v for k, v in folded.items() if k not in {"as_of", "tree_size"}}
    assert moved != {k: v for k, v in comparable(kept).items() if k in moved}
    stored = projector.read(scope)
    assert stored is not None
    assert comparable(stored) == folded


def test_a_word_at_the_meeting_rewrites_the_project_it_was_spoken_at(
    memory_ledger: Ledger,
) -> None:
    """A meeting comment, and a meeting that takes it, rewrite its meeting's project."""
    s = setting(memory_ledger)
    proposal = s.ledger.raise_proposal(
        s.board, proposers=[s.sol], title="Benches", text="More.", occurred_at=day(9)
    )
    projector = s.ledger.projections()
    projector.catch_up()
    scope = Scope.project(s.project)
    kept = projector.read(scope)
    assert kept is not None
    s.ledger.comment(
        proposal, author=s.lee, text="Yes.", channel="meeting", occurred_at=day(9.2)
    )
    for change in ("the comment", "a board meeting begun before it"):
        if change != "the comment":  # the comment is now heard there instead
            s.ledger.schedule_meeting(
                s.board,
                kind="workshop",
                title="Walk",
                starts_at=day(9.1),
                by=s.ada,
                occurred_at=day(9.3),
            )
        projector.catch_up()
        folded = comparable(s.ledger.power_sharing(project=s.project))
        assert folded["indicators"]["V4"] != comparable(kept)["indicators"]["V4"]
        stored = projector.read(scope)
        assert stored is not None
        assert comparable(stored) == folded, change
        kept = stored
