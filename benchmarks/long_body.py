"""One board over many years, to see whether its report grows faster than its history.

The big ledgers are many demo years side by side, each with bodies of its own,
so none of their bodies holds more than a year. A real board keeps its whole
history: decades of meetings, proposals and votes, and a seat history that
grows with every election. ``record_board`` records such a board into an
in-memory ledger: twelve voting seats, a third of them changing hands every
other year, and each month a decision meeting with nine attending and three
proposals, each with three comments and a vote of all twelve.
``figure_seconds`` times the board's report (every figure of the body's
scope, worked out from the folded facts, as a rebuild or a catch-up does).
run_all.py compares the time per proposal at two lengths of history.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

from coledger import Ledger
from coledger.privacy import generate_master_key
from coledger.projections.facts import Facts, collector_paused
from coledger.projections.indicators import build_report
from coledger.projections.lens import Lens, Scope
from coledger.projections.thresholds import Thresholds

SEATS = 12
CHANGING = 4
"""Seats that change hands every other year."""
ATTENDING = 9
PROPOSALS_PER_MEETING = 3
COMMENTS = 3
START = datetime(1990, 1, 1, tzinfo=UTC)


def record_board(ledger: Ledger, years: int, seed: int = 1) -> UUID:
    """Record *years* of one board into *ledger*, in one batch; returns the board."""
    rng = random.Random(seed)
    with ledger.batch():
        admin = ledger.register_member("Admin", role="staff", occurred_at=START)
        board = ledger.establish_body(
            "Board", kind="governance", by=admin, occurred_at=START
        )

        def newcomer(at: datetime) -> UUID:
            member = ledger.register_member("Member", by=admin, occurred_at=at)
            categories = [rng.choice(["DIS", "NONE"])]
            ledger.declare_lived_experience(
                member, categories=categories, occurred_at=at
            )
            ledger.assign_seat(board, member, by=admin, occurred_at=at)
            return member

        seated = [newcomer(START) for _ in range(SEATS)]
        for year in range(years):
            begins = START + timedelta(days=365 * year)
            if year % 2:
                for i in rng.sample(range(SEATS), CHANGING):
                    ledger.vacate_seat(board, seated[i], by=admin, occurred_at=begins)
                    seated[i] = newcomer(begins)
            for month in range(12):
                at = begins + timedelta(days=30 * month + 1)
                _meeting(ledger, rng, board, admin=admin, seated=seated, at=at)
    return board


def _meeting(
    ledger: Ledger,
    rng: random.Random,
    board: UUID,
    *,
    admin: UUID,
    seated: list[UUID],
    at: datetime,
) -> None:
    """One decision meeting: attendance, proposals, comments and votes."""
    meeting = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="Board meeting",
        starts_at=at,
        by=admin,
        occurred_at=at,
    )
    for member in seated[:ATTENDING]:
        ledger.record_attendance(meeting, member, by=admin, occurred_at=at)
    for _ in range(PROPOSALS_PER_MEETING):
        proposal = ledger.raise_proposal(
            board,
            proposers=[rng.choice(seated)],
            title="Proposal",
            text="A proposal.",
            meeting=meeting,
            by=admin,
            occurred_at=at,
        )
        for _ in range(COMMENTS):
            ledger.comment(
                proposal, author=rng.choice(seated), text="A comment.", occurred_at=at
            )
        ledger.open_voting(proposal, by=admin, occurred_at=at)
        for member in seated:
            choice = rng.choice(["for", "for", "against"])
            ledger.cast_ballot(proposal, voter=member, choice=choice, occurred_at=at)
        ledger.close_voting(proposal, by=admin, occurred_at=at)


def figure_seconds(ledger: Ledger, board: UUID) -> tuple[float, int]:
    """(seconds for the board's report from freshly folded facts, its proposals)."""
    with collector_paused():
        facts = Facts().apply_all(ledger.fold_events())
        started = time.perf_counter()
        build_report(Lens(facts, Scope.body(board)), Thresholds())
        seconds = time.perf_counter() - started
    return seconds, len(facts.proposals_by_body.get(board, []))


def board_ledger(years: int) -> tuple[Ledger, UUID]:
    """A new in-memory ledger holding *years* of the board (the caller closes it)."""
    ledger = Ledger.open("memory://", master_key=generate_master_key())
    return ledger, record_board(ledger, years)
