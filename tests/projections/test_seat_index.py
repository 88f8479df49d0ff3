"""A body's index of who held which seat when answers as a scan of its spells does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.domain import Rule
from coledger.projections.facts import BodyFacts, Facts, SeatFacts, Spell
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


@given(seat_lists(), st.lists(moments(), max_size=8))
def test_the_index_agrees_with_a_scan_at_every_moment(
    seats: list[SeatFacts], asked: list[datetime]
) -> None:
    """At every moment, before, at and after each change, the same seats in order."""
    body = BodyFacts(uuid.uuid4(), "Board", "governance", Rule("majority"), seats)
    for at in [*asked, *(s.spell.start for s in seats), BASE - timedelta(days=1)]:
        assert seats_at(body, at) == scanned(body, at)
    for s in seats:
        if s.spell.end is not None:
            assert seats_at(body, s.spell.end) == scanned(body, s.spell.end)


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
