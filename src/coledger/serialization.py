"""The stored form of events: typed JSON through cattrs and orjson.

The default eventsourcing transcoder returns tuples as lists and needs a
registered transcoding per type. This mapper instead structures each field back
into the type its event class declares, so every event round-trips unchanged,
and it keeps eventsourcing's ``class_version`` upcasting.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import sys
import typing
from collections.abc import Callable, Collection
from datetime import datetime
from fractions import Fraction
from typing import Any, Protocol
from uuid import UUID

import orjson
from cattrs import Converter
from cattrs.preconf.orjson import make_converter
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    JSONTranscoder,
    Mapper,
    StoredEvent,
)
from eventsourcing.utils import get_topic, resolve_topic

from coledger.domain.base import LedgerAggregate
from coledger.domain.values import EARLIEST, LATEST, in_range
from coledger.errors import CorruptEventError, LedgerError


@functools.lru_cache(maxsize=1 << 13)
def uuid_of(text: str) -> UUID:
    """The UUID written as *text*, one shared object per recently seen id.

    Reading a history decodes the same member, body and proposal ids again and
    again: sharing one immutable object per id saves building it (a quarter of
    a fold's time in profiles) and the memory of the copies, and lets dict
    lookups match by identity before comparing. The ids a history names again
    are the recent ones (the members voting this year, the meetings and
    proposals still open): on the benchmark's ledgers 8,192 entries miss no
    more often than 65,536 did (every miss a first sighting), and hold 11 MB
    less at a million events, since each entry keeps its text too.

    TypeError if *text* is no string: ``UUID`` would fail on a stored number
    or true with an AttributeError, which a reader would not take for a
    damaged field (a check made only when the cache misses).
    """
    if type(text) is not str:
        raise _not("an id written as text", text)
    return UUID(text)


def uuids_of(texts: Any) -> tuple[UUID, ...]:
    """The UUIDs written as the JSON array *texts*, each the object ``uuid_of`` gives.

    TypeError if *texts* is no array: a string or object would iterate as its
    letters or keys, and "" would read as no ids at all.
    """
    return tuple(map(uuid_of, _array(texts)))


def as_time(text: Any) -> datetime:
    """The time written as ISO *text*, if it is one a writer stores.

    Every stored time names its offset and falls in the years coledger
    accepts: anything else (a forged or damaged row) raises ValueError or
    TypeError here, not later where a reader compares it or counts days on.
    """
    if type(text) is not str:
        raise _not("ISO text", text)
    at = datetime.fromisoformat(text)
    fault = time_fault(at)
    if fault is not None:
        raise ValueError(fault)
    return at


NO_OFFSET = "a time without an offset"
"""``time_fault``'s words for a time that names no offset."""


def time_fault(at: datetime) -> str | None:
    """What makes *at* a time no writer stores (no offset, or outside the years)."""
    if at.utcoffset() is None:
        return NO_OFFSET
    if not in_range(at):
        return f"a time outside the years {EARLIEST.year} to {LATEST.year - 1}"
    return None


@functools.lru_cache(maxsize=1 << 12)
def time_of(text: str) -> datetime:
    """The time ``as_time`` reads in *text*, one shared object per recently seen time.

    Many events share a business time (everything minuted at one meeting), so
    sharing the parsed object saves the parse and the memory of the copies.
    """
    return as_time(text)


def stored_id(value: object, where: str = "a stored event") -> UUID:
    """A stored aggregate id as the shared UUID ``uuid_of`` gives.

    Raises CorruptEventError, naming *where*, if it is not a UUID.
    """
    if isinstance(value, UUID):
        return value
    try:
        return uuid_of(str(value))
    except ValueError as error:
        msg = f"{where} names aggregate {value!r}, which is not a UUID"
        raise CorruptEventError(msg) from error


@functools.lru_cache(maxsize=1 << 13)
def stored_hex_id(value: object) -> UUID:
    """A SQLite row's aggregate id, 32 lower-case hex digits, as ``stored_id`` gives it.

    Any other spelling of the same UUID (upper case, with hyphens) raises
    CorruptEventError: the application reads a record's events by the id's
    exact text, so a row so re-spelt would be read in the log (by the fold,
    history, an export) but never as part of its record. Shared per text, so
    the check is made only when the cache misses.
    """
    found = stored_id(value)
    if found.hex != value:
        msg = (
            f"a stored event names aggregate {value!r}, which is not written "
            "as the 32 lower-case hex digits of a UUID"
        )
        raise CorruptEventError(msg)
    return found


@functools.cache
def event_topics() -> dict[str, type[LedgerAggregate.Event]]:
    """Every topic coledger stores, with its event class."""
    # Imported here: coledger.privacy imports this module.
    from coledger.privacy.classification import event_classes  # noqa: PLC0415

    return {get_topic(cls): cls for cls in event_classes()}


def event_class(topic: str) -> type[LedgerAggregate.Event]:
    """The event class a stored topic names: one of coledger's, or one already loaded.

    A forged row could name any class, or a module whose import runs code, so
    a topic that is not one of coledger's own is resolved only when its module
    is already imported, and only to a concrete event class (never a base
    such as ``Member.Event``). Raises CorruptEventError otherwise, and for a
    topic that is not text (SQLite hands back one stored as a BLOB as bytes).
    """
    if type(topic) is not str:
        msg = f"a stored event topic is not text but {type(topic).__name__}"
        raise CorruptEventError(msg)
    cls = event_topics().get(topic)
    if cls is not None:
        return cls
    module = topic.partition(":")[0]
    found: object = None
    if module in sys.modules:
        with contextlib.suppress(Exception):
            found = resolve_topic(topic)
    if not (
        isinstance(found, type)
        and issubclass(found, LedgerAggregate.Event)
        and found.__name__ not in {"Event", "Created"}
    ):
        raise CorruptEventError(f"unknown event topic {topic!r}")
    return found


converter = make_converter()
converter.register_structure_hook(UUID, lambda value, _: uuid_of(value))
converter.register_unstructure_hook(UUID, str)
converter.register_structure_hook(datetime, lambda value, _: as_time(value))
# Python's own ISO text, not orjson's: it keeps an offset's seconds (historic
# local mean times have them), which orjson would round away.
converter.register_unstructure_hook(datetime, datetime.isoformat)

json_converter = Converter()
"""Unstructures read models to plain JSON values (text datetimes and ids)."""
json_converter.register_unstructure_hook(UUID, str)
json_converter.register_unstructure_hook(datetime, datetime.isoformat)
json_converter.register_unstructure_hook(Fraction, str)


def _sorted_list(values: Any) -> list[Any]:
    return sorted(json_converter.unstructure(v) for v in values)


def _a_set_type(declared: Any) -> bool:
    origin: object = typing.get_origin(declared)
    return origin is frozenset or origin is set


json_converter.register_unstructure_hook(frozenset, _sorted_list)
# A field typed frozenset[UUID] (a member's supporters, a proposal's taken-up
# comments) is dispatched by its declared type, which the hook above misses.
json_converter.register_unstructure_hook_func(_a_set_type, _sorted_list)


def to_jsonable(value: object) -> Any:
    """Read models, events and plain containers as JSON-ready values."""
    return json_converter.unstructure(value)


class StoredLike(Protocol):
    """What decoding needs of one stored event (a ``StoredEvent`` or a log row)."""

    @property
    def originator_id(self) -> UUID | str:
        """The aggregate it belongs to."""

    @property
    def originator_version(self) -> int:
        """Its version within that aggregate."""

    @property
    def topic(self) -> str:
        """The topic naming its event class."""

    @property
    def state(self) -> bytes:
        """Its stored bytes."""


_SKIPPED = frozenset({"originator_id", "originator_version"})
Hook = Callable[[Any, Any], Any]


@functools.cache
def field_types(cls: Any) -> dict[str, Any]:
    """The declared type of each stored field of an event class."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name not in _SKIPPED
    }


Caster = Callable[[Any], Any]


SHORT = 24
"""Texts up to this length are shared: vocabulary words (channels, choices, modes)
recur in every event, and a projection keeps hundreds of thousands of them."""


def _not(kind: str, value: object) -> TypeError:
    # The type alone: the value may be a sealed field, opened.
    return TypeError(f"not {kind} but {type(value).__name__}")


def as_text(value: Any) -> str:
    """*value* if it is a JSON string (a short one shared), else TypeError."""
    if type(value) is not str:
        raise _not("a JSON string", value)
    return sys.intern(value) if len(value) <= SHORT else value


def _array(values: Any) -> list[Any]:
    """*values* if it is a JSON array, else TypeError.

    A string or object would iterate as its letters or keys: "HEARING" is not
    a tuple of seven one-letter texts.
    """
    if type(values) is not list:
        raise _not("a JSON array", values)
    return values


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(map(as_text, _array(values)))


def as_whole(value: Any) -> int:
    """*value* if it is a JSON whole number (not true or false), else TypeError."""
    if type(value) is not int:
        raise _not("a whole number", value)
    return value


def as_flag(value: Any) -> bool:
    """*value* if it is JSON true or false, else TypeError."""
    if type(value) is not bool:
        raise _not("true or false", value)
    return value


_CASTERS: dict[Any, Caster] = {
    UUID: uuid_of,
    datetime: as_time,
    str: as_text,
    int: as_whole,
    bool: as_flag,
    tuple[UUID, ...]: uuids_of,
    tuple[str, ...]: _texts,
}
"""Direct casts for the field types events declare. Texts, whole numbers,
flags and lists are taken only as the JSON a writer stores for them, never
bent into their type: ``bool("false")`` is True and ``int(8.9)`` is 8."""


def _caster(hint: Any) -> Caster:
    """The cast of one declared field type (None is passed through before it)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if type(None) in typing.get_args(hint) and len(args) == 1:
        hint = args[0]
    found = _CASTERS.get(hint)
    if found is not None:
        return found
    hook: Hook = converter.get_structure_hook(hint)
    return lambda value: hook(value, hint)


@functools.cache
def _declared(cls: Any) -> frozenset[str]:
    """The names of the stored fields of an event class."""
    return frozenset(field_types(cls))


def _check_complete(cls: Any, state: dict[str, Any]) -> None:
    """Raise ValueError if *state* lacks a field its class declares.

    An event built without one would fail only when the field is read, far
    from the stored row: a field added to a class needs an upcaster that gives
    it a value in every older version's state.

    A field the class does not declare is kept, unless it names one of the
    class's attributes (``apply``, ``mutate``): set on the event, it would
    hide that method, and the fold would fail on it with a TypeError.
    """
    declared = _declared(cls)
    if not state.keys() >= declared:
        missing = sorted(declared - state.keys())
        raise ValueError(f"the stored state is missing the fields {missing}")
    if len(state) > len(declared):
        hiding = sorted(n for n in state.keys() - declared if hasattr(cls, n))
        if hiding:
            msg = (
                f"the stored state has the fields {hiding}, which would hide "
                f"attributes of {cls.__qualname__}"
            )
            raise ValueError(msg)


@functools.cache
def _field_casts(cls: Any) -> tuple[tuple[str, Caster, bool], ...]:
    """Each stored field of an event class, its cast, and whether it may be None."""
    return tuple(
        (name, _caster(hint), type(None) in typing.get_args(hint))
        for name, hint in field_types(cls).items()
    )


_AS_IS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """One field value as JSON-ready data, as the converter would unstructure it."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is UUID:
        return str(value)
    if kind is datetime:
        return value.isoformat()
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]
    return converter.unstructure(value)


def unstructure_state(event: object) -> dict[str, Any]:
    """An event's state as JSON-ready values (ids and version live in columns)."""
    state = {k: _plain(v) for k, v in vars(event).items() if k not in _SKIPPED}
    class_version = getattr(type(event), "class_version", 1)
    if class_version > 1:
        state["class_version"] = class_version
    return state


def structure_state(
    cls: Any, state: dict[str, Any], closed: Collection[str] = ()
) -> dict[str, Any]:
    """Upcast an old version's state, then give every field its declared type.

    Works on *state* in place and returns it; fields the class does not declare
    are kept as they are, and None stays None where the field's type allows it
    (or the field is one of the sealed fields a reader left *closed*). A null
    in any other field, or a value not of its field's JSON type, raises
    ValueError naming the field, and so does a state stored by a later class
    version than this one, or naming a class_version that is no whole number
    from 1.
    """
    class_version = getattr(cls, "class_version", 1)
    version = state.pop("class_version", 1)
    if type(version) is not int or version < 1:
        msg = f"class_version: not a whole number from 1 but {version!r}"
        raise ValueError(msg)
    if version > class_version:
        # A later coledger changed this event: read as this version, it could
        # mean something else (and an import would store it as this version).
        msg = (
            f"stored by class version {version} of {cls.__qualname__}; this "
            f"coledger reads up to {class_version} (upgrade coledger to read it)"
        )
        raise ValueError(msg)
    while version < class_version:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    for name, cast, optional in _field_casts(cls):
        value = state.get(name)
        if value is not None:
            try:
                state[name] = cast(value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}: {error}") from error
        elif not optional and name in state and name not in closed:
            # Read as None, it would fail only where a reader uses it, as a
            # TypeError far from the stored row (a missing field is refused too).
            raise ValueError(f"{name}: null, though {cls.__qualname__} needs a value")
    return state


def encode_state(event: object) -> bytes:
    """The stored bytes of an event's state, unsealed."""
    return orjson.dumps(unstructure_state(event))


def decode_state(cls: Any, data: bytes) -> dict[str, Any]:
    """Decode unsealed stored bytes into typed field values."""
    return structure_state(cls, orjson.loads(data))


class LedgerMapper(Mapper[UUID]):
    """Converts domain events to stored events and back, with exact types."""

    def __init__(self) -> None:
        super().__init__(JSONTranscoder())  # required by the base class, never used

    def encode(self, domain_event: DomainEventProtocol[UUID], topic: str) -> bytes:
        """The stored bytes of one event."""
        del topic
        return encode_state(domain_event)

    def decode(self, cls: Any, stored_event: StoredLike) -> dict[str, Any]:
        """The typed state of one stored event."""
        return decode_state(cls, stored_event.state)

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Encode one event."""
        topic = get_topic(type(domain_event))
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=self.encode(domain_event, topic),
        )

    def to_domain_event(self, stored_event: StoredLike) -> DomainEventProtocol[UUID]:
        """Decode one stored event."""
        return self._event(stored_event, self.decode)

    def _event(
        self,
        stored_event: StoredLike,
        decode: Callable[[Any, StoredLike], dict[str, Any]],
    ) -> DomainEventProtocol[UUID]:
        """The event *decode* reads from *stored_event*, its errors made typed."""
        try:
            cls = event_class(stored_event.topic)
            state = decode(cls, stored_event)
            _check_complete(cls, state)
            originator_id = stored_id(stored_event.originator_id)
        except LedgerError:
            raise
        except Exception as error:
            msg = (
                f"cannot decode event {stored_event.topic} of "
                f"{stored_event.originator_id} "
                f"v{stored_event.originator_version}: {error}"
            )
            raise CorruptEventError(msg) from error
        state["originator_id"] = originator_id
        state["originator_version"] = stored_event.originator_version
        event: DomainEventProtocol[UUID] = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event
