"""Business-time order: the latest of some times, and refusing a step dated too soon."""

from __future__ import annotations

from datetime import datetime

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
