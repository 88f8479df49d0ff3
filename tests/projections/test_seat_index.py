"""A body's index of who held which seat when answers as a scan of its spells does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.domain import Rule
from coledger.projections.facts import BodyFacts, Facts, SeatFacts, SeatIndex, Spell
from coledger.projections.representation import seats_at
from indicator_helpers import day, person

BASE = datetime(2025, 1, 1, tzinfo=UTC)
OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=5)), timezone(-timedelta(hours=3))]
)


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    """A time on one of a few days, in one of a few offsets (so many coincide)."""
    at = BASE + timedelta(hours=draw(st.integers(0, 12)) * 6)
    return at.astimezone(draw(OFFSETS))


@st.composite
def seat_lists(draw: st.DrawFn) -> list[SeatFacts]:
    """Seats whose spells may be open, empty, or end before they start."""
    members = [uuid.UUID(int=i + 1) for i in range(4)]
    seats = []
    for _ in range(draw(st.integers(0, 12))):
        end = draw(st.none() | moments())
        seats.append(
            SeatFacts(
                draw(st.sampled_from(members)),
                draw(st.sampled_from(["voting", "advisory"])),
                draw(st.none() | st.just("chair")),
                Spell(draw(moments()), 0, end, None if end is None else 0),
            )
        )
    return seats


def scanned(body: BodyFacts, at: datetime) -> list[SeatFacts]:
    """The seats held at *at*, found by asking every spell."""
    return [s for s in body.seats if s.spell.covers(at)]


@given(seat_lists(), st.lists(moments(), max_size=8), st.sampled_from([0, 1, 3, 8]))
def test_the_index_agrees_with_a_scan_at_every_moment(
    seats: list[SeatFacts], asked: list[datetime], budget: int
) -> None:
    """At every moment, before, at and after each change, the same seats in order.

    Whether the index is kept or gives way to a scan (a small budget).
    """
    body = BodyFacts(uuid.uuid4(), "Board", "governance", Rule("majority"), seats)
    index = SeatIndex.of(seats, budget)
    moments_asked = [*asked, *(s.spell.start for s in seats), BASE - timedelta(days=1)]
    moments_asked += [s.spell.end for s in seats if s.spell.end is not None]
    for at in moments_asked:
        assert index.at(at) == scanned(body, at)
        assert seats_at(body, at) == scanned(body, at)


def test_an_assembly_seated_one_by_one_is_scanned_not_indexed() -> None:
    """Thousands seated at distinct times would cost millions of references."""
    seated = [
        SeatFacts(uuid.UUID(int=i + 1), "voting", None, Spell(BASE + timedelta(i), 0))
        for i in range(2000)
    ]
    assembly = SeatIndex.of(seated)
    assert assembly.changes is None
    assert len(assembly.at(BASE + timedelta(days=999))) == 1000

    board: list[SeatFacts] = []  # twelve seats, a third changing every other year
    for term in range(20):
        begins, ends = BASE + timedelta(days=730 * term), None
        if term < 19:
            ends = BASE + timedelta(days=730 * (term + 1))
        for seat in range(12 if term == 0 else 4):
            member = uuid.UUID(int=term * 100 + seat + 1)
            board.append(SeatFacts(member, "voting", None, Spell(begins, 0, ends, 0)))
    kept = SeatIndex.of(board)
    assert kept.changes is not None
    assert sum(map(len, kept.held)) <= 8 * len(board)


def test_the_index_follows_the_fold_as_seats_change(memory_ledger: Ledger) -> None:
    """A seat assigned or vacated after a question is in the next answer."""
    ledger = memory_ledger
    ann, bob = person(ledger, "Ann", le_from=0), person(ledger, "Bob", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(1))
    facts = Facts().apply_all(ledger.fold_events())
    body = facts.bodies[board]
    assert [s.member for s in seats_at(body, day(5))] == [ann]

    ledger.assign_seat(board, bob, by=ann, occurred_at=day(2))
    ledger.vacate_seat(board, ann, by=ann, occurred_at=day(4))
    facts.apply_all(ledger.fold_events(after=facts.position))
    assert [s.member for s in seats_at(body, day(3))] == [ann, bob]
    assert [s.member for s in seats_at(body, day(5))] == [bob]
    assert seats_at(body, day(0)) == []
