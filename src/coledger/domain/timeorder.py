"""Business-time order: the latest time, values in force by time, steps too soon."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import TypeVar

from coledger.errors import TimeOrderError


def latest(*times: datetime | None) -> datetime | None:
    """The latest of the *times* given (None among them is no time), or None."""
    given = [t for t in times if t is not None]
    return max(given) if given else None


def latest_from(first: datetime, *others: datetime | None) -> datetime:
    """The latest of *first* and *others* (None among them is no time).

    For a floor that always has a time to start from, such as a record's
    creation.
    """
    return max((first, *(t for t in others if t is not None)))


def just_after(at: datetime | None) -> datetime | None:
    """The first time a record can hold after *at* (None for None): a microsecond on."""
    return None if at is None else at + timedelta(microseconds=1)


def check_not_before(
    what: str, at: datetime, floor: datetime | None, before: str, why: str = ""
) -> None:
    """Refuse *what* dated *at* if that comes before *floor*, the time of *before*.

    The message reads "<what> at <at> would come before <before> (<floor>)",
    followed by *why* when the reason needs saying; no *floor* means nothing
    came first, so anything may follow.
    """
    if floor is not None and at < floor:
        raise TimeOrderError(
            f"{what} at {at.isoformat()} would come before {before} "
            f"({floor.isoformat()}){why}"
        )


def check_after(
    what: str, at: datetime, last: datetime | None, after: str, why: str = ""
) -> None:
    """Refuse *what* dated *at* unless it comes after *last*, the time of *after*.

    For a step that ends what *after* needed: at the same instant, *after*
    would already fall outside it. No *last* means nothing to come after;
    the message is as ``check_not_before``'s.
    """
    if last is not None and at <= last:
        raise TimeOrderError(
            f"{what} at {at.isoformat()} would not come after {after} "
            f"({last.isoformat()}){why}"
        )


V = TypeVar("V")

Dated = list[tuple[datetime, V]]
"""Values each given at a business time, in the order of those times."""


def give_at(history: Dated[V], at: datetime, value: V) -> V:
    """Add *value*, given at business time *at*, to *history*; the value in force last.

    One recorded late but dated earlier goes before the later ones and gives
    way to them; of two at one time, the one added later holds.
    """
    if not history or at >= history[-1][0]:
        history.append((at, value))  # the usual case: a change after the last
    else:
        bisect.insort_right(history, (at, value), key=_time)
    return history[-1][1]


def in_force_at(history: Dated[V], at: datetime) -> V:
    """The value of *history* in force at business time *at* (before all: the first)."""
    i = bisect.bisect_right(history, at, key=_time)
    return history[max(i - 1, 0)][1]


def _time(entry: tuple[datetime, object]) -> datetime:
    return entry[0]
