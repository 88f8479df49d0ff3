"""Hypothesis strategies shared by the tests: one strategy per event class.

The event strategies are built from each class's dataclass fields and type hints,
so a new event class gets a strategy without anyone writing one by hand, and a
field of a type the builder does not know fails loudly (UnsupportedFieldTypeError)
instead of being skipped.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import attrs
from eventsourcing.utils import get_topic
from hypothesis import strategies as st

from coledger.domain import AGGREGATES, LedgerAggregate

GENERATED_BASES = frozenset({"Event", "Created"})
"""Names of the base event classes eventsourcing's metaclass adds to every aggregate.

They are abstract bases of the real events, never triggered, so they are not
part of the vocabulary of the record.
"""

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

COMMON_OFFSETS = (
    timedelta(0),
    timedelta(hours=1),
    timedelta(hours=-5),
    timedelta(hours=5, minutes=30),
    timedelta(hours=-3, minutes=-30),
    timedelta(hours=12, minutes=45),
    timedelta(hours=14),
    timedelta(hours=-12),
)
"""Offsets in real use, including half- and quarter-hour ones."""

sub_minute_offsets: st.SearchStrategy[timezone] = (
    st.integers(min_value=-86_399, max_value=86_399)
    .filter(lambda seconds: seconds % 60 != 0)
    .map(lambda seconds: timezone(timedelta(seconds=seconds)))
)
"""Offsets with a seconds part, as historic local mean time had (London: -00:01:15)."""

utc_offsets: st.SearchStrategy[timezone] = st.one_of(
    st.just(UTC),
    st.sampled_from(COMMON_OFFSETS).map(timezone),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
    sub_minute_offsets,
)
"""Fixed UTC offsets: UTC, common ones, any whole minute, and ones with seconds."""

aware_datetimes: st.SearchStrategy[datetime] = st.datetimes(
    min_value=datetime(1800, 1, 2),  # noqa: DTZ001 (bounds of the local time)
    max_value=datetime(2199, 12, 30, 23, 59, 59, 999_999),  # noqa: DTZ001
    timezones=utc_offsets,
)
"""Timezone-aware datetimes with varied offsets and microseconds.

Any a record can hold: the years 1800 to 2199 (a day inside them, so that no
offset takes the instant out).
"""


SIMPLE_TYPES: dict[type, st.SearchStrategy[Any]] = {
    UUID: st.uuids(),
    str: st.text(),
    bool: st.booleans(),
    int: st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
    datetime: aware_datetimes,
}
"""Strategies for the plain field types, by exact type."""


class UnsupportedFieldTypeError(TypeError):
    """An event field has a type the strategy builder does not know how to generate."""


@attrs.frozen
class EventCase:
    """One event class of the record, with the aggregate it is nested in."""

    aggregate: type[LedgerAggregate]
    name: str
    cls: type[LedgerAggregate.Event]

    @property
    def id(self) -> str:
        """A readable test id, such as ``Proposal.BallotCast``."""
        return f"{self.aggregate.__name__}.{self.name}"


def event_cases(
    aggregates: typing.Iterable[type[LedgerAggregate]] = AGGREGATES,
) -> list[EventCase]:
    """Every event class nested in each aggregate's class body, in definition order."""
    cases = []
    for aggregate in aggregates:
        for name, value in vars(aggregate).items():
            if (
                isinstance(value, type)
                and issubclass(value, LedgerAggregate.Event)
                and name not in GENERATED_BASES
            ):
                cases.append(EventCase(aggregate, name, value))
    return cases


def strategy_for_type(hint: object) -> st.SearchStrategy[Any]:
    """A strategy for values of an event field's declared type.

    Raises UnsupportedFieldTypeError for any type not listed here, so that a new
    kind of field is noticed and given a strategy (and a round-trip test).
    """
    simple = SIMPLE_TYPES.get(hint) if isinstance(hint, type) else None
    if simple is not None:
        return simple
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in {types.UnionType, typing.Union} and type(None) in args:
        others = [arg for arg in args if arg is not type(None)]
        if len(others) == 1:
            return st.none() | strategy_for_type(others[0])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return st.lists(strategy_for_type(args[0]), max_size=4).map(tuple)
    raise UnsupportedFieldTypeError(f"no strategy for event fields of type {hint!r}")


def field_strategies(case: EventCase) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy for each dataclass field of an event class, by field name."""
    hints = typing.get_type_hints(case.cls)
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for field in dataclasses.fields(case.cls):
        if field.name == "originator_id":
            # Declared with eventsourcing's type variable; coledger ids are UUIDs.
            strategies[field.name] = st.uuids()
        elif field.name == "originator_version":
            strategies[field.name] = st.integers(min_value=1, max_value=2**31 - 1)
        elif field.name == "originator_topic":
            strategies[field.name] = st.just(get_topic(case.aggregate))
        else:
            try:
                strategies[field.name] = strategy_for_type(hints[field.name])
            except UnsupportedFieldTypeError as error:
                raise UnsupportedFieldTypeError(
                    f"{case.id}.{field.name}: {error}"
                ) from None
    return strategies


def events(case: EventCase) -> st.SearchStrategy[LedgerAggregate.Event]:
    """Events of one class, every field drawn from its declared type."""
    return st.fixed_dictionaries(field_strategies(case)).map(
        lambda fields: case.cls(**fields)
    )


def any_event() -> st.SearchStrategy[LedgerAggregate.Event]:
    """Events of every class of the record."""
    return st.one_of([events(case) for case in event_cases()])
