"""Every event class round-trips through the mapper and real storage unchanged."""

from __future__ import annotations

import dataclasses
import typing
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st

from coledger import Ledger
from coledger.domain import LedgerAggregate
from coledger.errors import CorruptEventError, InvalidInputError
from coledger.serialization import LedgerMapper, decode_state, encode_state
from conftest import PG_BASE, drop_schema, require_postgres
from strategies import (
    EventCase,
    UnsupportedFieldTypeError,
    aware_datetimes,
    event_cases,
    events,
    strategy_for_type,
    sub_minute_offsets,
)

CASES = event_cases()
MAPPER = LedgerMapper()

EXPECTED_EVENTS = {
    ("Member", "Registered"),
    ("Member", "RoleChanged"),
    ("Member", "LivedExperienceDeclared"),
    ("Member", "LivedExperienceWithdrawn"),
    ("Member", "Erased"),
    ("Member", "SupporterAuthorised"),
    ("Member", "SupporterRevoked"),
    ("Body", "Established"),
    ("Body", "RuleChanged"),
    ("Body", "SeatAssigned"),
    ("Body", "SeatVacated"),
    ("Body", "VoteOpened"),
    ("Project", "Started"),
    ("Project", "Relabelled"),
    ("Project", "Finished"),
    ("Meeting", "Scheduled"),
    ("Meeting", "PapersIssued"),
    ("Meeting", "AttendanceRecorded"),
    ("Meeting", "WellbeingCheckInHeld"),
    ("Meeting", "AdjustmentLinked"),
    ("Meeting", "VoteOpened"),
    ("Meeting", "Cancelled"),
    ("Proposal", "Raised"),
    ("Proposal", "Amended"),
    ("Proposal", "Commented"),
    ("Proposal", "AccessibleVersionPublished"),
    ("Proposal", "AdjustmentLinked"),
    ("Proposal", "FeedbackGiven"),
    ("Proposal", "VotingOpened"),
    ("Proposal", "BallotCast"),
    ("Proposal", "VotingClosed"),
    ("Proposal", "Decided"),
    ("Proposal", "Withdrawn"),
    ("Proposal", "ActionAssigned"),
    ("Proposal", "ActionCompleted"),
    ("Proposal", "EvaluationRecorded"),
    ("Adjustment", "Requested"),
    ("Adjustment", "Provided"),
    ("Adjustment", "Declined"),
    ("Adjustment", "Withdrawn"),
}
"""The vocabulary of the record, written out by hand from the brief and the source."""

STORAGE_EXAMPLES = max(3, settings().max_examples // 5)
"""A few events per class and backend: storage is slow, the mapper test is thorough."""


def by_id(case: EventCase) -> str:
    """The readable pytest id of an event case."""
    return case.id


def assert_same_value(original: object, restored: object, where: str) -> None:
    """Equal, of the same type all the way down, and datetimes with their offset."""
    assert type(restored) is type(original), (
        f"{where}: {type(original).__name__} came back as {type(restored).__name__}"
    )
    assert restored == original, f"{where}: {original!r} came back as {restored!r}"
    if isinstance(original, datetime):
        assert isinstance(restored, datetime)
        assert restored.utcoffset() == original.utcoffset(), f"{where}: offset changed"
    if isinstance(original, tuple):
        assert isinstance(restored, tuple)
        for index, (item, back) in enumerate(zip(original, restored, strict=True)):
            assert_same_value(item, back, f"{where}[{index}]")


def assert_same_event(original: object, restored: object) -> None:
    """The restored event equals the original, field by field, with exact types."""
    assert type(restored) is type(original)
    assert restored == original
    names = [field.name for field in dataclasses.fields(typing.cast("Any", original))]
    assert sorted(vars(restored)) == sorted(names)
    for name in names:
        assert_same_value(getattr(original, name), getattr(restored, name), name)


# Discovery ----------------------------------------------------------------------


def test_every_expected_event_class_is_discovered() -> None:
    """The discovered event classes are exactly the hand-written list of the record."""
    discovered = {(case.aggregate.__name__, case.name) for case in CASES}
    assert len(CASES) == len(discovered) == len(EXPECTED_EVENTS)
    assert discovered == EXPECTED_EVENTS


def test_discovery_skips_only_the_generated_bases() -> None:
    """Only the abstract Event and Created bases are left out of the vocabulary."""
    for case in CASES:
        assert case.cls.__qualname__ == f"{case.aggregate.__name__}.{case.name}"
        assert case.cls.__module__ == case.aggregate.__module__
    skipped = {
        (aggregate.__name__, name)
        for aggregate in {case.aggregate for case in CASES}
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, LedgerAggregate.Event)
    } - {(case.aggregate.__name__, case.name) for case in CASES}
    assert {name for _, name in skipped} == {"Event", "Created"}


@pytest.mark.parametrize("case", CASES, ids=by_id)
def test_every_field_type_has_a_strategy(case: EventCase) -> None:
    """Each field of each event class has a type the strategy builder can generate."""
    hints = typing.get_type_hints(case.cls)
    for field in dataclasses.fields(case.cls):
        if field.name.startswith("originator_"):
            continue
        try:
            strategy_for_type(hints[field.name])
        except UnsupportedFieldTypeError as error:  # pragma: no cover (the alarm)
            pytest.fail(f"{case.id}.{field.name}: {error}; extend tests/strategies.py")


@pytest.mark.parametrize(
    "hint", [float, dict[str, int], list[str], tuple[str, int], int | str, set[UUID]]
)
def test_strategy_builder_refuses_unknown_types(hint: object) -> None:
    """A field type the builder does not know is an error, not a silent skip."""
    with pytest.raises(UnsupportedFieldTypeError):
        strategy_for_type(hint)


def test_the_strategies_cover_the_tricky_types() -> None:
    """Tuples, datetimes, UUIDs and optional values all occur in the record."""
    hints = {
        hint
        for case in CASES
        for name, hint in typing.get_type_hints(case.cls).items()
        if not name.startswith("originator_")
    }
    assert {
        UUID,
        datetime,
        tuple[UUID, ...],
        tuple[str, ...],
        str | None,
        UUID | None,
        datetime | None,
        int,
        bool,
    } <= hints


# (a) The mapper ------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=by_id)
def test_event_round_trips_through_the_mapper(case: EventCase) -> None:
    """Encoding then decoding an event gives it back with every field's exact type."""

    @given(event=events(case))
    def round_trip(event: LedgerAggregate.Event) -> None:
        stored = MAPPER.to_stored_event(event)
        assert isinstance(stored.state, bytes)
        assert_same_event(event, MAPPER.to_domain_event(stored))

    round_trip()


def role_changed_at(moment: datetime) -> LedgerAggregate.Event:
    """A simple event whose business time and timestamp are *moment*."""
    case = next(c for c in CASES if c.id == "Member.RoleChanged")
    fields: dict[str, Any] = {
        "originator_id": uuid.uuid4(),
        "originator_version": 2,
        "timestamp": moment,
        "actor": None,
        "occurred_at": moment,
        "source_ref": None,
        "role": "staff",
    }
    return case.cls(**fields)


@given(moment=aware_datetimes)
def test_datetimes_keep_their_offset_and_microseconds(moment: datetime) -> None:
    """A stored business time comes back at the same instant, offset and microsecond."""
    event = role_changed_at(moment)
    restored = MAPPER.to_domain_event(MAPPER.to_stored_event(event))
    assert_same_event(event, restored)
    occurred_at: datetime = typing.cast("Any", restored).occurred_at
    assert occurred_at.microsecond == moment.microsecond


@given(
    moment=st.datetimes(
        min_value=datetime(1800, 1, 1),  # noqa: DTZ001 (the bounds are naive by API)
        max_value=datetime(1900, 1, 1),  # noqa: DTZ001
        timezones=sub_minute_offsets,
    )
)
def test_offsets_with_seconds_survive_the_mapper(moment: datetime) -> None:
    """An offset with a seconds part (historic local mean time) is kept exactly."""
    event = role_changed_at(moment)
    assert_same_event(event, MAPPER.to_domain_event(MAPPER.to_stored_event(event)))


def test_historic_local_time_is_recorded_at_the_same_instant() -> None:
    """Minutes dated in London local mean time (-00:01:15) keep their exact offset."""
    moment = datetime(1840, 1, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Sam Example", occurred_at=moment)
        (recorded,) = ledger.history()
    occurred_at: datetime = typing.cast("Any", recorded.event).occurred_at
    assert occurred_at == moment
    assert occurred_at.utcoffset() == moment.utcoffset() == -timedelta(seconds=75)


@pytest.mark.parametrize(
    "offset",
    [timedelta(microseconds=500_000), -timedelta(microseconds=1)],
    ids=["half a second", "minus one microsecond"],
)
def test_a_time_whose_offset_has_a_fraction_of_a_second_is_refused(
    offset: timedelta,
) -> None:
    """An offset of under a second (which Python 3.11 reads back as UTC) is refused."""
    moment = datetime(2025, 3, 1, 18, 0, tzinfo=timezone(offset))
    with Ledger.open("memory://") as ledger:
        with pytest.raises(InvalidInputError, match="fraction of a second"):
            ledger.register_member("Sam Example", occurred_at=moment)
        assert list(ledger.history()) == []


# (b) Real storage -----------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite file shared by the storage round trips of this module."""
    path: Path = tmp_path_factory.mktemp("roundtrip") / "events.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """One PostgreSQL schema shared by the storage round trips of this module."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield f"{PG_BASE}?schema={schema}"
    drop_schema(schema)


@pytest.mark.parametrize(
    "backend",
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
@pytest.mark.parametrize("case", CASES, ids=by_id)
def test_event_round_trips_through_storage(
    case: EventCase, backend: str, request: pytest.FixtureRequest
) -> None:
    """Events stored through a ledger read back unchanged, also once reopened."""
    url: str = request.getfixturevalue(f"{backend}_url")
    written: list[LedgerAggregate.Event] = []

    with Ledger.open(url) as ledger:
        store = ledger._app.events

        @settings(max_examples=STORAGE_EXAMPLES)
        @given(drawn=events(case))
        def write_and_read(drawn: LedgerAggregate.Event) -> None:
            # A fresh originator each time: examples may repeat, stored events may not.
            event = dataclasses.replace(
                typing.cast("Any", drawn), originator_id=uuid.uuid4()
            )
            position = ledger.position
            store.put([event])
            (by_originator,) = store.get(event.originator_id)
            assert_same_event(event, by_originator)
            (recorded,) = ledger.history(after=position)
            assert_same_event(event, recorded.event)
            written.append(event)

        write_and_read()

    with Ledger.open(url) as reopened:
        for event in written:
            (restored,) = reopened._app.events.get(event.originator_id)
            assert_same_event(event, restored)


# (c) Versions and upcasting ---------------------------------------------------------


class Notebook(LedgerAggregate):
    """A test-only aggregate whose one event gained fields in its second version."""

    class Noted(LedgerAggregate.Event):
        """A note was taken; version 2 added the channel and the readers."""

        class_version = 2

        text: str
        channel: str
        readers: tuple[UUID, ...]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Version 1 notes were all taken in a meeting, for no one in particular."""
            state["channel"] = "meeting"
            state["readers"] = []


NOTED = EventCase(Notebook, "Noted", Notebook.Noted)
V1_MOMENT = datetime(
    2024, 3, 2, 19, 30, 5, 120_000, tzinfo=timezone(timedelta(hours=1))
)


def v1_state(actor: UUID) -> bytes:
    """The bytes a version 1 writer stored: no class_version, no channel, no readers."""
    return orjson.dumps(
        {
            "timestamp": "2024-03-02T18:30:06.000001+00:00",
            "actor": str(actor),
            "occurred_at": V1_MOMENT.isoformat(),
            "source_ref": "minutes:2024-03-02#4",
            "text": "Agreed to trial easy-read papers.",
        }
    )


def test_stored_v1_state_decodes_to_v2() -> None:
    """decode_state upcasts a version 1 state and gives the new fields their types."""
    actor = uuid.uuid4()
    state = decode_state(Notebook.Noted, v1_state(actor))
    assert state == {
        "timestamp": datetime(2024, 3, 2, 18, 30, 6, 1, tzinfo=UTC),
        "actor": actor,
        "occurred_at": V1_MOMENT,
        "source_ref": "minutes:2024-03-02#4",
        "text": "Agreed to trial easy-read papers.",
        "channel": "meeting",
        "readers": (),
    }
    assert type(state["readers"]) is tuple
    assert state["occurred_at"].utcoffset() == timedelta(hours=1)


def test_stored_v1_event_maps_to_a_v2_event() -> None:
    """The mapper turns a stored version 1 event into an event of the current class."""
    actor, originator = uuid.uuid4(), uuid.uuid4()
    stored = StoredEvent(
        originator_id=originator,
        originator_version=3,
        topic=get_topic(Notebook.Noted),
        state=v1_state(actor),
    )
    event = typing.cast("Any", MAPPER.to_domain_event(stored))
    assert type(event) is Notebook.Noted
    assert (event.originator_id, event.originator_version) == (originator, 3)
    assert (event.channel, event.readers, event.actor) == ("meeting", (), actor)


def test_v2_state_records_its_version_and_is_not_upcast() -> None:
    """A current event stores class_version 2 and decodes without upcasting."""
    reader = uuid.uuid4()
    fields: dict[str, Any] = {
        "originator_id": uuid.uuid4(),
        "originator_version": 1,
        "timestamp": V1_MOMENT,
        "actor": None,
        "occurred_at": V1_MOMENT,
        "source_ref": None,
        "text": "BSL video published.",
        "channel": "bsl_video",
        "readers": (reader,),
    }
    event = Notebook.Noted(**fields)
    assert orjson.loads(encode_state(event))["class_version"] == 2
    state = decode_state(Notebook.Noted, encode_state(event))
    assert (state["channel"], state["readers"]) == ("bsl_video", (reader,))


@given(event=events(NOTED))
def test_versioned_events_round_trip_through_the_mapper(
    event: LedgerAggregate.Event,
) -> None:
    """The strategy builder and the mapper work for a versioned test-local class too."""
    assert_same_event(event, MAPPER.to_domain_event(MAPPER.to_stored_event(event)))


# (d) Stored states that cannot be read back ---------------------------------------


BALLOT = {
    "choice": "for",
    "supporter": None,
    "voter": "0b7f3a52-6d1e-4c8a-9f2d-3e5b7c9a1d4f",
}
CLOSE = {
    "for_": 8,
    "against": 3,
    "abstain": 4,
    "block": 0,
    "electorate_size": 18,
    "lived_experience_participants": None,
    "outcome": "adopted",
    "reason": "no_blocks",
    "advisory": False,
    "class_version": 2,
}


def stored_row(kind: str, fields: dict[str, Any], **changes: Any) -> StoredEvent:
    """A stored proposal event of *kind* as a writer stores it, with *changes*.

    A change to ``None`` removes the field.
    """
    state: dict[str, Any] = {
        "timestamp": "2025-03-01T18:00:00+00:00",
        "actor": str(uuid.uuid4()),
        "occurred_at": "2025-03-01T18:00:00+00:00",
        "source_ref": None,
        **fields,
        **changes,
    }
    for name, value in changes.items():
        if value is None:
            del state[name]
    return StoredEvent(
        originator_id=uuid.uuid4(),
        originator_version=7,
        topic=f"coledger.domain.proposal:Proposal.{kind}",
        state=orjson.dumps(state),
    )


def test_a_stored_state_missing_a_field_is_refused() -> None:
    """A state without a field its class declares raises CorruptEventError naming it."""
    with pytest.raises(CorruptEventError, match=r"missing.*'choice'"):
        MAPPER.to_domain_event(stored_row("BallotCast", BALLOT, choice=None))


@pytest.mark.parametrize("name", ["apply", "mutate"])
def test_a_stored_field_named_as_an_attribute_of_its_class_is_refused(
    name: str,
) -> None:
    """A stored key that would hide a method of the event (apply) is refused by name."""
    with pytest.raises(CorruptEventError, match=name):
        MAPPER.to_domain_event(stored_row("BallotCast", BALLOT, **{name: 1}))


def test_a_stored_field_no_class_declares_is_kept() -> None:
    """A stored key that names nothing of its class is still read, as before."""
    event: Any = MAPPER.to_domain_event(stored_row("BallotCast", BALLOT, note="x"))
    assert (event.choice, vars(event)["note"]) == ("for", "x")


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("VotingClosed", {"advisory": "false"}),
        ("VotingClosed", {"advisory": 0}),
        ("VotingClosed", {"for_": 8.9}),
        ("VotingClosed", {"against": "3"}),
        ("VotingClosed", {"block": True}),
        ("BallotCast", {"choice": 5}),
        ("BallotCast", {"choice": ["for"]}),
        ("BallotCast", {"voter": 5}),
        ("BallotCast", {"supporter": True}),
        ("BallotCast", {"voter": 1.5}),
    ],
    ids=[
        "bool as text",
        "bool as number",
        "int as float",
        "int as text",
        "int as bool",
        "text as number",
        "text as list",
        "id as number",
        "id as bool",
        "id as float",
    ],
)
def test_a_stored_field_of_the_wrong_type_is_refused(
    kind: str, change: dict[str, Any]
) -> None:
    """A JSON value not of its field's type is refused, not bent into it.

    ``bool("false")`` is True and ``int(8.9)`` is 8: a cast would read such a
    value as something no writer stored.
    """
    fields = CLOSE if kind == "VotingClosed" else BALLOT
    (name,) = change
    with pytest.raises(CorruptEventError, match=name):
        MAPPER.to_domain_event(stored_row(kind, fields, **change))


def test_stored_fields_of_their_own_types_are_read() -> None:
    """The values a writer stores (and None) decode as they are."""
    event: Any = MAPPER.to_domain_event(stored_row("VotingClosed", CLOSE))
    assert (event.for_, event.advisory, event.reason) == (8, False, "no_blocks")
    assert event.lived_experience_participants is None


def test_a_state_from_a_newer_class_version_is_refused() -> None:
    """A state stored by a later version of its class is not read as this one's."""
    with pytest.raises(CorruptEventError, match=r"class version 3.*reads up to 2"):
        MAPPER.to_domain_event(stored_row("VotingClosed", CLOSE, class_version=3))


@pytest.mark.parametrize("stored", ["LIVED", {"LIVED": 1}], ids=["text", "object"])
def test_a_list_of_texts_stored_as_another_json_type_is_refused(stored: Any) -> None:
    """A tuple-of-texts field holding a string or object is refused, not split up."""
    row = StoredEvent(
        originator_id=uuid.uuid4(),
        originator_version=2,
        topic="coledger.domain.member:Member.LivedExperienceDeclared",
        state=orjson.dumps(
            {
                "timestamp": "2025-03-01T18:00:00+00:00",
                "actor": str(uuid.uuid4()),
                "occurred_at": "2025-03-01T18:00:00+00:00",
                "source_ref": None,
                "categories": stored,
                "consent": "explicit",
                "condition": "art9_2_a",
            }
        ),
    )
    with pytest.raises(CorruptEventError, match="categories: not a JSON array"):
        MAPPER.to_domain_event(row)


@pytest.mark.parametrize("version", ["2", None, 1.5, True, 0])
def test_a_stored_class_version_not_a_version_is_refused_as_such(version: Any) -> None:
    """A class_version that is no whole number from 1 is refused saying so."""
    row = stored_row("VotingClosed", CLOSE, class_version=version)
    if version is None:  # stored_row drops a None: store the null itself
        state = orjson.loads(row.state)
        state["class_version"] = None
        row = StoredEvent(row.originator_id, 7, row.topic, orjson.dumps(state))
    with pytest.raises(CorruptEventError, match="class_version: not a whole number"):
        MAPPER.to_domain_event(row)


def _with_null(row: StoredEvent, name: str) -> StoredEvent:
    """*row* with the JSON null stored in field *name*."""
    state = orjson.loads(row.state)
    state[name] = None
    return StoredEvent(
        row.originator_id, row.originator_version, row.topic, orjson.dumps(state)
    )


@pytest.mark.parametrize(
    ("kind", "fields", "name"),
    [
        ("BallotCast", BALLOT, "choice"),
        ("BallotCast", BALLOT, "voter"),
        ("BallotCast", BALLOT, "occurred_at"),
        ("VotingClosed", CLOSE, "for_"),
        ("VotingClosed", CLOSE, "advisory"),
    ],
)
def test_a_stored_null_in_a_required_field_is_refused(
    kind: str, fields: dict[str, Any], name: str
) -> None:
    """A null where the class declares no None is refused, as a missing field is."""
    row = _with_null(stored_row(kind, fields), name)
    with pytest.raises(CorruptEventError, match=rf"{name}: null"):
        MAPPER.to_domain_event(row)


def test_a_stored_null_in_an_optional_field_is_read_as_none() -> None:
    """A null where the class allows None still reads as None."""
    event: Any = MAPPER.to_domain_event(
        _with_null(stored_row("BallotCast", BALLOT), "supporter")
    )
    assert event.supporter is None
    assert event.choice == BALLOT["choice"]


@pytest.mark.parametrize(
    "stored",
    [
        "2025-03-01T18:00:00",
        "2025-03-01",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "1799-12-31T23:59:59+00:00",
    ],
    ids=["naive", "a date", "before datetime's start in UTC", "past its end", "1799"],
)
def test_a_stored_time_no_writer_stores_is_refused(stored: str) -> None:
    """A time without an offset, or outside the years 1800 to 2199, is refused."""
    row = stored_row("BallotCast", BALLOT, occurred_at=stored)
    with pytest.raises(CorruptEventError, match="occurred_at"):
        MAPPER.to_domain_event(row)
