"""Every field of every event is classified, and the table has nothing stale."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.utils import resolve_topic

from coledger.domain import AGGREGATES, LedgerAggregate
from coledger.domain.member import Member
from coledger.privacy.classification import (
    BASE,
    CREATED,
    FIELDS,
    Kind,
    Purpose,
    Sealed,
    classify,
    event_classes,
    sealed_fields,
)

SPECIAL_PURPOSES = {Purpose.LIVED_EXPERIENCE, Purpose.ACCESS}


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    subclasses: list[type[Any]] = cls.__subclasses__()
    for sub in subclasses:
        yield sub
        yield from _subclasses(sub)


def _topic(cls: type) -> str:
    # get_topic() refuses the class bodies eventsourcing replaced; build the text.
    return f"{cls.__module__}:{cls.__qualname__}"


def _field_names(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _is_generated_base(cls: type) -> bool:
    """Whether *cls* is an ``Event``/``Created`` base eventsourcing generates."""
    return cls.__name__ in {"Event", "Created"}


def discovered_event_classes() -> set[type]:
    """Every coledger event class, as the mapper resolves its stored topic."""
    return {
        resolve_topic(_topic(cls))
        for cls in _subclasses(LedgerAggregate.Event)
        if cls.__module__.startswith("coledger.")
    }


def test_every_field_of_every_event_class_is_classified() -> None:
    """classify() gives each field of each event class exactly one classification."""
    classes = event_classes()
    assert len(classes) >= 37
    for cls in classes:
        classified = classify(cls)  # KeyError names a field nobody classified
        assert set(classified) == _field_names(cls), cls.__qualname__
        for rule in classified.values():
            assert isinstance(rule, Kind | Sealed), (cls.__qualname__, rule)


def test_table_covers_exactly_the_discovered_event_classes() -> None:
    """The table, event_classes() and a walk of every subclass find the same classes."""
    discovered = {
        cls
        for cls in discovered_event_classes()
        if not _is_generated_base(cls)
        and cls not in {LedgerAggregate.Event, LedgerAggregate.Created}
    }
    assert len(event_classes()) == len(set(event_classes()))
    assert set(event_classes()) == discovered
    assert set(FIELDS) == discovered
    aggregates = {
        cls
        for cls in _subclasses(LedgerAggregate)
        if cls.__module__.startswith("coledger.")
    }
    assert {resolve_topic(_topic(cls)) for cls in aggregates} == set(AGGREGATES)


def test_table_has_no_stale_entries() -> None:
    """Every classified name is a field of its class: no entry outlives its field."""
    for cls, table in FIELDS.items():
        names = _field_names(cls)
        stale = set(table) - names
        assert not stale, (cls.__qualname__, stale)
        assert set(BASE) <= names, cls.__qualname__
        assert set(CREATED) <= names or not issubclass(cls, LedgerAggregate.Created)
        overridden = set(table) & set(BASE)
        assert not overridden, (cls.__qualname__, overridden)


def test_personal_and_special_fields_are_always_sealed() -> None:
    """No personal or special field is stored in clear, and each names its subject."""
    for cls in event_classes():
        hints = typing.get_type_hints(cls)
        for name, rule in classify(cls).items():
            assert rule not in {Kind.PERSONAL, Kind.SPECIAL}, (cls.__qualname__, name)
            if not isinstance(rule, Sealed):
                continue
            assert rule.subject in hints, (cls.__qualname__, name, rule.subject)
            if rule.subject != "originator_id":  # typed by a TypeVar, a UUID here
                assert hints[rule.subject] is UUID, (cls.__qualname__, rule.subject)
            if rule.kind is Kind.PERSONAL:
                assert rule.purpose is Purpose.IDENTITY, (cls.__qualname__, name)
            else:
                assert rule.kind is Kind.SPECIAL, (cls.__qualname__, name)
                assert rule.purpose in SPECIAL_PURPOSES, (cls.__qualname__, name)
        assert set(sealed_fields(cls)) == {
            n for n, r in classify(cls).items() if isinstance(r, Sealed)
        }


def test_the_brief_s_sensitive_fields_are_sealed_under_the_right_key() -> None:
    """Names, comments, declarations and access codes are sealed as the brief says."""
    from coledger.domain.adjustment import Adjustment
    from coledger.domain.proposal import Proposal

    expected = {
        (Member.Registered, "name"): (Purpose.IDENTITY, "originator_id"),
        (Member.LivedExperienceDeclared, "categories"): (
            Purpose.LIVED_EXPERIENCE,
            "originator_id",
        ),
        (Proposal.Commented, "text"): (Purpose.IDENTITY, "author"),
        (Adjustment.Requested, "code"): (Purpose.ACCESS, "member"),
        (Adjustment.Declined, "alternative"): (Purpose.ACCESS, "member"),
    }
    for (cls, name), (purpose, subject) in expected.items():
        rule = sealed_fields(cls)[name]
        assert (rule.purpose, rule.subject) == (purpose, subject), (cls, name)


def test_a_missing_classification_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping one field from the table, or an unknown class, makes classify() fail."""
    registered: type[LedgerAggregate.Event] = Member.Registered
    table = dict(FIELDS[registered])
    del table["role"]
    monkeypatch.setitem(FIELDS, registered, table)
    with pytest.raises(KeyError, match="role"):
        classify(Member.Registered)

    @dataclasses.dataclass
    class Unlisted:
        note: str

    with pytest.raises(KeyError):
        classify(Unlisted)
