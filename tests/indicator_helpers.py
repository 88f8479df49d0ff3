"""Small builders the indicator tests share: days, people, lenses, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from coledger import Ledger
from coledger.projections.lens import Lens, Scope

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    """Business time *n* days after the start of 2024."""
    return T0 + timedelta(days=n)


def person(
    ledger: Ledger,
    name: str,
    *,
    le_from: float | None = None,
    none_from: float | None = None,
    joined: float = 0,
) -> UUID:
    """Register a member who may declare lived experience (or "NONE") on a day."""
    member = ledger.register_member(name, occurred_at=day(joined))
    if le_from is not None:
        ledger.declare_lived_experience(
            member, categories=["DIS"], occurred_at=day(le_from)
        )
    if none_from is not None:
        ledger.declare_lived_experience(
            member, categories=["NONE"], occurred_at=day(none_from)
        )
    return member


def seated_board(ledger: Ledger, *extra: str) -> tuple[UUID, ...]:
    """Ada (no lived experience) with a board seating Lee (with it), Sol and *extra*.

    All from day 0, every other seated member declaring none; returns Ada, the
    board, Lee, Sol and the members named in *extra*, in that order.
    """
    ada = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    others = [person(ledger, name, none_from=0) for name in ("Sol", *extra)]
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (lee, *others):
        ledger.assign_seat(board, member, by=ada, occurred_at=day(0))
    return (ada, board, lee, *others)


def lens(
    ledger: Ledger,
    scope: Scope | None = None,
    since: float | None = None,
    until: float | None = None,
) -> Lens:
    """The ledger's facts through a scope and a period given in days."""
    return Lens(
        ledger.facts(),
        scope or Scope.ledger(),
        None if since is None else day(since),
        None if until is None else day(until),
    )


def decide(ledger: Ledger, proposal: UUID, by: UUID, on: float) -> None:
    """Adopt *proposal* by consensus on day *on*."""
    ledger.decide(
        proposal, outcome="adopted", method="consensus", by=by, occurred_at=day(on)
    )
