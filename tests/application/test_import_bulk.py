"""Bulk import: the ledger it stores, its keys, and that a failure writes nothing."""

from __future__ import annotations

import copy
import io
import json
import sqlite3
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import hypothesis.strategies as st
import orjson
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, PersistenceError
from hypothesis import given
from psycopg import sql

from coledger import Ledger, errors, transfer
from coledger.demo import record_year
from coledger.domain import Member
from coledger.domain.values import ERASED
from coledger.integrity import SigningKey, Verifier
from coledger.integrity.recorders import CommitUnknownError, LeafPOPORecorder
from coledger.privacy.classification import Purpose
from coledger.privacy.keys import MemoryKeyStore
from conftest import PG_CONNINFO, TEST_MASTER_KEY

CHECK_ID = "00000000-0000-0000-0000-000000000000"


class Source:
    """An export, and the members it erases or whose declaration it withdraws."""

    def __init__(self, lines: list[str], erased: UUID, withdrawn: UUID) -> None:
        self.lines = lines
        self.erased = erased
        self.withdrawn = withdrawn


def export_lines(ledger: Ledger) -> list[str]:
    """The ledger's export, line by line."""
    out = io.StringIO()
    ledger.export(out)
    return out.getvalue().splitlines()


def record_source(ledger: Ledger, *, erase: bool = True) -> tuple[UUID, UUID]:
    """A demo year, then one member erased and another's declaration withdrawn."""
    record_year(ledger, seed=11)
    members = ledger.members()
    admin = members[0].id
    withdrawn = next(m.id for m in members if m.lived_experience)
    erased = next(m.id for m in members[3:] if m.id != withdrawn)
    ledger.withdraw_lived_experience(withdrawn)
    if erase:
        ledger.erase_member(erased, by=admin)
    return erased, withdrawn


@pytest.fixture(scope="module")
def source() -> Source:
    """The export of a demo year with an erasure and a withdrawal."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        erased, withdrawn = record_source(ledger)
        return Source(export_lines(ledger), erased, withdrawn)


def key_rows(ledger: Ledger) -> list[tuple[str, str, str, bytes | None]]:
    """Every row of the ledger's key store: key id, member, purpose, wrapped."""
    keys = ledger._keys
    if isinstance(keys, MemoryKeyStore):
        return [(k, m, p, w) for k, (m, p, w) in keys._rows.items()]
    if ledger.config.backend == "sqlite":
        path = ledger.config.path
        assert path is not None
        with closing(sqlite3.connect(path.with_name(path.name + ".keys"))) as conn:
            rows = conn.execute(
                "SELECT key_id, member, purpose, wrapped FROM member_keys"
            ).fetchall()
    else:
        with psycopg.connect(PG_CONNINFO) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT key_id, member, purpose, wrapped "
                    "FROM {}.coledger_member_keys"
                ).format(sql.Identifier(ledger.config.schema or "public"))
            ).fetchall()
    return [(r[0], r[1], r[2], None if r[3] is None else bytes(r[3])) for r in rows]


def member_keys(ledger: Ledger) -> list[tuple[str, str, str, bytes | None]]:
    """The key rows other than the master-key check and the tombstones."""
    return [
        row
        for row in key_rows(ledger)
        if row[0] != CHECK_ID and not row[0].startswith("erased:")
    ]


def sealed_key_ids(ledger: Ledger) -> set[str]:
    """The key id of every sealed field in storage, read without keys."""
    found = set()
    for notification in ledger._app.recorder.select_notifications(
        start=0, limit=1_000_000, inclusive_of_start=False
    ):
        for value in orjson.loads(notification.state).values():
            if isinstance(value, dict) and value.keys() == {"k", "v"}:
                found.add(value["k"])
    return found


def leaf_count(ledger: Ledger) -> int:
    """How many hash leaves the ledger holds."""
    source = ledger.audit_source()
    try:
        return len(source.leaf_hashes(ledger.position))
    finally:
        source.close()


def test_an_import_equals_its_source_event_for_event(
    ledger: Ledger, source: Source
) -> None:
    """Exporting an imported ledger gives back the source's events, line for line."""
    moved = ledger.import_events(source.lines)
    again = export_lines(ledger)
    assert moved.events == len(source.lines) - 1
    assert json.loads(again[0])["events"] == json.loads(source.lines[0])["events"]
    assert again[1:] == source.lines[1:]


def test_an_export_checked_beforehand_imports_the_same_events(
    memory_ledger: Ledger, source: Source
) -> None:
    """read_export needs no ledger; its result imports exactly as the lines do."""
    checked = transfer.read_export(source.lines, "year.jsonl")
    assert len(checked.events) == len(source.lines) - 1
    assert checked.seconds > 0
    moved = memory_ledger.import_events(checked)
    assert moved.events == len(checked.events)
    assert moved.seconds >= checked.seconds
    assert export_lines(memory_ledger)[1:] == source.lines[1:]


def test_only_read_export_makes_a_checked_export(source: Source) -> None:
    """A CheckedExport built by hand is refused: an import would trust it unchecked."""
    events = transfer.read_export(source.lines).events
    with pytest.raises(errors.InvalidInputError, match="read_export"):
        transfer.CheckedExport("forged.jsonl", events, 0.0)


def test_a_checked_export_cannot_be_changed_after_its_check(
    memory_ledger: Ledger, source: Source
) -> None:
    """An evolved or altered CheckedExport is refused: its events were never checked."""
    checked = transfer.read_export(source.lines)
    with pytest.raises(errors.InvalidInputError, match="read_export"):
        attrs.evolve(checked, events=checked.events[1:])
    with pytest.raises((TypeError, AttributeError)):
        checked.events.pop(0)  # type: ignore[attr-defined]
    assert len(checked.events) == len(source.lines) - 1
    memory_ledger.import_events(checked)
    assert export_lines(memory_ledger)[1:] == source.lines[1:]


def test_read_export_refuses_a_bad_line_without_a_ledger(source: Source) -> None:
    """read_export alone refuses a damaged line, naming the file and the line."""
    lines = list(source.lines)
    row = json.loads(lines[5])
    row["state"]["timestamp"] = "yesterday"
    lines[5] = json.dumps(row)
    with pytest.raises(transfer.MalformedImportError, match="line 6: bad event") as e:
        transfer.read_export(lines, "damaged.jsonl")
    assert (e.value.source, e.value.line) == ("damaged.jsonl", 6)


def test_an_imported_ledger_verifies_with_a_leaf_per_event(
    ledger: Ledger, source: Source
) -> None:
    """Every imported event has its leaf, and the signed head verifies."""
    ledger.import_events(source.lines)
    assert leaf_count(ledger) == ledger.position == len(source.lines) - 1
    key = SigningKey.generate("import.example/ledger")
    checkpoint = ledger.checkpoint(key)
    report = ledger.verify(Verifier.parse(key.verifier), [checkpoint.note])
    assert report.status == "VERIFIED", report.to_text()
    assert report.size == ledger.position


def test_erased_and_withdrawn_keys_are_gone_after_an_import(
    ledger: Ledger, source: Source
) -> None:
    """The erased member's keys and the withdrawn declaration's key are destroyed."""
    ledger.import_events(source.lines)
    rows = key_rows(ledger)
    erased = [r for r in rows if r[1] == str(source.erased)]
    assert f"erased:{source.erased}" in {r[0] for r in erased}
    assert erased
    assert all(r[3] is None for r in erased)
    withdrawn = {r[2]: r[3] for r in rows if r[1] == str(source.withdrawn)}
    assert withdrawn[Purpose.LIVED_EXPERIENCE] is None
    assert withdrawn[Purpose.IDENTITY] is not None
    assert ledger.member(source.erased).name == ERASED
    assert ledger.member(source.withdrawn).lived_experience == ()
    assert ledger.member(source.withdrawn).name != ERASED
    assert not set(ledger._keys._plain) & {r[0] for r in rows if r[3] is None}


def test_an_import_makes_exactly_the_keys_its_sealed_fields_use(
    ledger: Ledger, source: Source
) -> None:
    """No key is made that no sealed field uses, and every one used is stored."""
    ledger.import_events(source.lines)
    assert {r[0] for r in member_keys(ledger)} == sealed_key_ids(ledger)


def test_an_import_stores_its_keys_in_one_transaction(
    tmp_path: Path, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys are inserted all at once, never one key-store write per key."""
    calls: list[int] = []
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        keys = ledger._keys
        insert_all = keys._insert_all

        def counted(rows: list[Any], *, bump: bool) -> None:
            calls.append(len(rows))
            insert_all(rows, bump=bump)

        monkeypatch.setattr(keys, "_insert", failing(AssertionError("one key")))
        monkeypatch.setattr(keys, "_insert_all", counted)
        ledger.import_events(source.lines)
        assert len(calls) == 1
        assert calls[0] == len(member_keys(ledger)) + 1  # and the tombstone


def failing(error: BaseException) -> Callable[..., Any]:
    """A stand-in for the recorder's insert that fails with *error*."""

    def insert(*_: object, **__: object) -> None:
        raise error

    return insert


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (IntegrityError("clash"), errors.ConcurrencyError),
        (PersistenceError("disk full"), errors.StorageError),
        (KeyboardInterrupt(), KeyboardInterrupt),
    ],
    ids=["conflict", "storage", "interrupted"],
)
def test_a_failed_write_leaves_no_events_leaves_or_keys(
    ledger: Ledger,
    source: Source,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    raised: type[BaseException],
) -> None:
    """A write that fails stores no event, no leaf and no key; a retry then works."""
    before = key_rows(ledger)
    recorder = ledger._app.recorder
    with monkeypatch.context() as patch:
        patch.setattr(recorder, "insert_events", failing(error))
        with pytest.raises(raised):
            ledger.import_events(source.lines)
    assert ledger.position == 0
    assert key_rows(ledger) == before
    assert not ledger._keys._plain
    if isinstance(recorder, LeafPOPORecorder):
        assert recorder.leaves == []
    ledger.import_events(source.lines)
    assert export_lines(ledger)[1:] == source.lines[1:]


@pytest.mark.parametrize(
    "error",
    [PersistenceError("connection lost after COMMIT"), KeyboardInterrupt()],
    ids=["storage", "interrupted"],
)
def test_a_write_that_landed_before_it_failed_keeps_its_keys(
    ledger: Ledger,
    source: Source,
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
) -> None:
    """An import stored before its error is reported keeps the keys that open it."""
    recorder = ledger._app.recorder
    real = recorder.insert_events

    def landed(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        raise error

    with monkeypatch.context() as patch:
        patch.setattr(recorder, "insert_events", landed)
        with pytest.raises((errors.StorageError, KeyboardInterrupt)):
            ledger.import_events(source.lines)
    assert ledger.position == len(source.lines) - 1
    ledger._keys._plain.clear()  # read every key from the store
    assert export_lines(ledger)[1:] == source.lines[1:]
    assert ledger.audit_erasure().ok
    erased = [r for r in key_rows(ledger) if r[1] == str(source.erased)]
    assert erased
    assert all(r[3] is None for r in erased)


def test_an_import_run_again_after_an_outcome_unknown_that_stored_nothing(
    ledger: Ledger, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys kept when the storage could not say are no bar to running it again."""
    recorder = ledger._app.recorder
    with monkeypatch.context() as patch:
        patch.setattr(recorder, "insert_events", failing(CommitUnknownError("lost")))
        patch.setattr(recorder, "select_events", failing(OSError("no answer")))
        with pytest.raises(errors.OutcomeUnknownError):
            ledger.import_events(source.lines)
    assert ledger.position == 0  # nothing imported, as the message says to check
    ledger.import_events(source.lines)
    assert export_lines(ledger)[1:] == source.lines[1:]
    assert ledger.audit_erasure().ok
    erased = [r for r in key_rows(ledger) if r[1] == str(source.erased)]
    assert erased
    assert all(r[3] is None for r in erased)


def test_an_import_refuses_a_ledger_written_to_before_its_insert(
    shared_url: str, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer's event stored after the emptiness check stops the import."""
    url = shared_url
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        before = key_rows(ledger)
        recorder = ledger._app.recorder
        real = recorder.insert_events

        def after_another_writer(*args: Any, **kwargs: Any) -> Any:
            with Ledger.open(url, master_key=TEST_MASTER_KEY) as other:
                other.register_member("Someone Else")
            return real(*args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(recorder, "insert_events", after_another_writer)
            with pytest.raises(errors.ConcurrencyError, match="during the import"):
                ledger.import_events(source.lines)
        assert ledger.position == 1
        assert [m.name for m in ledger.members()] == ["Someone Else"]
        assert len(key_rows(ledger)) == len(before) + 1  # Someone Else's name key


def lose_to_the_same_import(
    ledger: Ledger,
    url: str,
    source: Source,
    monkeypatch: pytest.MonkeyPatch,
    *,
    owner: object,
    step: str,
) -> None:
    """Import *source*, beaten by another import of it when ``owner.step`` first runs.

    The beaten import must be the ConcurrencyError cli.md describes, and the
    winner's events all stored, read back with every key from the store.
    """
    real = getattr(owner, step)
    raced: list[bool] = []

    def after_the_same_import(*args: Any, **kwargs: Any) -> Any:
        if not raced:
            raced.append(True)
            with Ledger.open(url, master_key=TEST_MASTER_KEY) as other:
                other.import_events(source.lines)
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(owner, step, after_the_same_import)
        with pytest.raises(errors.ConcurrencyError, match="during the import"):
            ledger.import_events(source.lines)
    assert raced
    assert ledger.position == len(source.lines) - 1
    ledger._keys._plain.clear()  # read every key from the store
    assert export_lines(ledger)[1:] == source.lines[1:]
    assert ledger.audit_erasure().ok  # the erased member's tombstone stays


def test_an_import_that_loses_a_race_to_the_same_export_keeps_the_winners_whole(
    shared_url: str, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import beaten by one of the same file takes no key the winner relies on."""
    with Ledger.open(shared_url, master_key=TEST_MASTER_KEY) as ledger:
        recorder = ledger._app.recorder
        lose_to_the_same_import(
            ledger,
            shared_url,
            source,
            monkeypatch,
            owner=recorder,
            step="insert_events",
        )
        # The loser's keys seal nothing, and an erasure destroys them too.
        kept = next(m.id for m in ledger.members() if m.id != source.erased)
        admin = ledger.members()[0].id
        ledger.erase_member(kept, by=admin if admin != kept else source.withdrawn)
        assert all(r[3] is None for r in key_rows(ledger) if r[1] == str(kept))
        assert ledger.audit_erasure().ok


def test_an_import_whose_keys_race_the_same_export_is_a_concurrency_error(
    shared_url: str, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two imports of one file making an erasure's tombstone at once: a conflict."""
    with Ledger.open(shared_url, master_key=TEST_MASTER_KEY) as ledger:
        # between the plan of the keys and their insert
        lose_to_the_same_import(
            ledger,
            shared_url,
            source,
            monkeypatch,
            owner=ledger._keys,
            step="_insert_all",
        )


def test_a_malformed_file_touches_no_keys(ledger: Ledger, source: Source) -> None:
    """A line that does not replay is named; the key store is as it was."""
    before = key_rows(ledger)
    lines = list(source.lines)
    row = json.loads(lines[5])
    row["state"]["timestamp"] = "yesterday"
    lines[5] = json.dumps(row)
    with pytest.raises(transfer.MalformedImportError, match="line 6: bad event"):
        ledger.import_events(lines)
    assert ledger.position == 0
    assert key_rows(ledger) == before


def test_a_declaration_after_a_withdrawal_survives_an_import(ledger: Ledger) -> None:
    """A lived-experience declaration made again after a withdrawal survives import."""
    source = Ledger.open("memory://")
    ana = source.register_member("Ana Example")
    source.declare_lived_experience(ana, categories=["DIS"])
    source.withdraw_lived_experience(ana)
    source.declare_lived_experience(ana, categories=["LTHC"])
    cal = source.register_member("Cal Example")
    source.declare_lived_experience(cal, categories=["CARER"])
    source.withdraw_lived_experience(cal)
    out = io.StringIO()
    source.export(out)
    ledger.import_events(out.getvalue().splitlines())
    assert ledger.member(ana).lived_experience == ("LTHC",)
    assert ledger.member(cal).lived_experience == ()
    declared = [
        r.event.categories
        for r in ledger.history()
        if isinstance(r.event, Member.LivedExperienceDeclared)
    ]
    assert declared == [(), ("LTHC",), ()]  # withdrawn ones stay unreadable
    assert ledger.reapply_erasures() == 0  # nothing recorded still needs a key gone
    assert ledger.member(ana).lived_experience == ("LTHC",)
    source.close()


def withdrawn_but_readable(*, then: str) -> tuple[list[str], int]:
    """An export read while Ana withdrew, with her withdrawn categories readable.

    *then*: what Ana did after the withdrawal ("declare", "erase" or "nothing").
    Returns the lines and the line number of the withdrawn declaration.
    """
    with Ledger.open("memory://") as source:
        admin = source.register_member("Admin", role="staff")
        ana = source.register_member("Ana Example")
        source.declare_lived_experience(ana, categories=["DIS"])
        source.withdraw_lived_experience(ana)
        if then != "nothing":
            source.declare_lived_experience(ana, categories=["LTHC"])
        if then == "erase":
            source.erase_member(ana, by=admin)
        lines = export_lines(source)
    number, row = next(
        (n, json.loads(line))
        for n, line in enumerate(lines, start=1)
        if "LivedExperienceDeclared" in line
    )
    assert row["state"]["categories"] == []
    row["state"]["categories"] = ["DIS"]  # as a page read before the withdrawal
    lines[number - 1] = json.dumps(row)
    return lines, number


def test_a_readable_withdrawn_declaration_declared_again_is_malformed(
    ledger: Ledger,
) -> None:
    """Readable withdrawn categories the new declaration's key would keep: refused."""
    lines, number = withdrawn_but_readable(then="declare")
    before = key_rows(ledger)
    with pytest.raises(transfer.MalformedImportError, match=f"line {number}: "):
        ledger.import_events(lines)
    assert ledger.position == 0
    assert key_rows(ledger) == before


@pytest.mark.parametrize("then", ["nothing", "erase"])
def test_a_readable_withdrawn_declaration_whose_key_goes_imports_unreadable(
    memory_ledger: Ledger, then: str
) -> None:
    """Withdrawn categories whose key the import destroys import, and read erased."""
    lines, _ = withdrawn_but_readable(then=then)
    memory_ledger.import_events(lines)
    declared = [
        r.event.categories
        for r in memory_ledger.history()
        if isinstance(r.event, Member.LivedExperienceDeclared)
    ]
    assert declared[0] == ()
    assert memory_ledger.audit_erasure().ok


@pytest.mark.parametrize(
    "topic",
    [
        ["a", "list"],
        {"a": "dict"},
        7,
        "coledger.domain.values:ERASED",
        "builtins:int",
        "coledger.domain.member:Member.Event",
        "coledger.domain.member:Member.Created",
        "coledger.domain.base:LedgerAggregate.Event",
        "this:nothing",
    ],
    ids=[
        "list",
        "dict",
        "number",
        "a-constant",
        "not-an-event-class",
        "a-base-event",
        "a-base-created",
        "the-base-of-all",
        "a-module-that-would-run-code",
    ],
)
def test_a_topic_that_names_no_event_class_is_malformed(
    memory_ledger: Ledger, source: Source, topic: object
) -> None:
    """Any topic but an event class's is refused by line, and nothing is written."""
    lines = list(source.lines)
    row = json.loads(lines[3])
    row["topic"] = topic
    lines[3] = json.dumps(row)
    with pytest.raises(transfer.MalformedImportError, match="line 4: unknown topic"):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0
    assert "this" not in sys.modules  # a topic is never resolved by importing


def _edited(source: Source, edit: Any, line: int = 3) -> list[str]:
    """The export with one event's row changed by *edit*."""
    lines = list(source.lines)
    row = json.loads(lines[line])
    edit(row)
    lines[line] = json.dumps(row)
    return lines


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda row: row["state"].update(remark="in clear"),
            "does not have: .'remark'.",
        ),
        (
            lambda row: row["state"].update(
                occurred_at=row["state"]["occurred_at"][:19]
            ),
            "occurred_at is a time without a timezone",
        ),
        (
            lambda row: row["state"].update(
                originator_topic="coledger.domain.body:Body"
            ),
            "originator_topic",
        ),
    ],
    ids=["a field the event lacks", "a naive time", "another aggregate's topic"],
)
def test_an_event_commands_could_not_have_recorded_is_malformed(
    memory_ledger: Ledger, source: Source, edit: Any, match: str
) -> None:
    """Fields beyond the event's, naive times and foreign owners are refused."""
    lines = _edited(source, edit, line=1)  # the first event: a registration
    with pytest.raises(transfer.MalformedImportError, match=f"line 2: .*{match}"):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0


def test_a_line_nested_too_deep_is_malformed(
    memory_ledger: Ledger, source: Source
) -> None:
    """A line JSON cannot read without exhausting the stack is named, not a crash."""
    lines = [*source.lines[:2], "[" * 100_000 + "]" * 100_000, *source.lines[2:]]
    with pytest.raises(transfer.MalformedImportError, match=r"line 3: .*nested"):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0


def test_a_ledger_with_events_refuses_an_import_and_keeps_its_keys(
    memory_ledger: Ledger, source: Source
) -> None:
    """An import into a ledger that holds events is refused before any key is made."""
    memory_ledger.register_member("Early Bird")
    before = key_rows(memory_ledger)
    with pytest.raises(errors.WrongStateError, match="import into an empty one"):
        memory_ledger.import_events(source.lines)
    assert key_rows(memory_ledger) == before
    assert memory_ledger.position == 1


def test_an_import_inside_a_batch_is_refused_and_writes_nothing(
    memory_ledger: Ledger, source: Source
) -> None:
    """An import inside the caller's batch is refused, so the batch's rollback holds."""
    refused: list[errors.WrongStateError] = []

    def give_up() -> None:
        with memory_ledger.batch():
            memory_ledger.register_member("Early Bird")
            try:
                memory_ledger.import_events(source.lines)
            except errors.WrongStateError as error:
                refused.append(error)
            raise RuntimeError("the caller gives up")

    before = key_rows(memory_ledger)
    with pytest.raises(RuntimeError, match="gives up"):
        give_up()
    assert "inside a batch" in str(refused[0])
    assert memory_ledger.position == 0
    assert key_rows(memory_ledger) == before


def drop_events(path: Path) -> None:
    """Delete a SQLite ledger's event files, keeping its key store."""
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_a_member_erased_in_the_key_store_cannot_be_imported_readable(
    tmp_path: Path,
) -> None:
    """No live key is made for a member with a tombstone: refused, nothing written."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as origin:
        erased, _ = record_source(origin, erase=False)
        before_erasure = export_lines(origin)
        origin.erase_member(erased, by=origin.members()[0].id)
        after_erasure = export_lines(origin)
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.import_events(after_erasure)
    drop_events(path)
    with Ledger.open(f"sqlite:///{path}") as ledger:
        before = key_rows(ledger)
        with pytest.raises(errors.MasterKeyError, match="was erased"):
            ledger.import_events(before_erasure)
        assert ledger.position == 0
        assert key_rows(ledger) == before


def test_live_keys_already_stored_for_a_member_the_import_erases_are_destroyed(
    tmp_path: Path,
) -> None:
    """Keys left in the store for a member the export erases are destroyed too."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as origin:
        erased, _ = record_source(origin, erase=False)
        before_erasure = export_lines(origin)
        origin.erase_member(erased, by=origin.members()[0].id)
        after_erasure = export_lines(origin)
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.import_events(before_erasure)
        stale = {r[0] for r in key_rows(ledger) if r[1] == str(erased) and r[3]}
        assert stale
    drop_events(path)
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.import_events(after_erasure)
        rows = {r[0]: r[3] for r in key_rows(ledger) if r[1] == str(erased)}
        assert stale < set(rows)
        assert all(wrapped is None for wrapped in rows.values())
        assert export_lines(ledger)[1:] == after_erasure[1:]


class ErasedSource:
    """An export in which one member declared, commented, asked, then was erased."""

    def __init__(self) -> None:
        with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
            admin = ledger.register_member("Admin", role="staff")
            self.member = ledger.register_member("Mo Example")
            ledger.declare_lived_experience(self.member, categories=["DIS"])
            ledger.request_adjustment(self.member, code="BSL")
            body = ledger.establish_body("Board", kind="governance", by=admin)
            proposal = ledger.raise_proposal(
                body, proposers=[admin], title="Plan", text="x"
            )
            ledger.comment(proposal, author=self.member, text="Before erasure")
            ledger.erase_member(self.member, by=admin)
            self.lines = export_lines(ledger)
        self.rows = [json.loads(line) for line in self.lines[1:]]

    def row(self, topic: str) -> dict[str, Any]:
        """A copy of the first row of *topic* (a suffix such as 'Member.Erased')."""
        found = next(r for r in self.rows if r["topic"].endswith(topic))
        return copy.deepcopy(found)

    def appended(self, row: dict[str, Any]) -> list[str]:
        """The export with *row* added at the end as its record's next event."""
        same = [r for r in self.rows if r["originator_id"] == row["originator_id"]]
        row["originator_version"] = len(same) + 1
        row["position"] = self.rows[-1]["position"] + 1
        header = json.loads(self.lines[0])
        header["events"] += 1  # as an export holding it would count it
        return [json.dumps(header), *self.lines[1:], json.dumps(row)]


def declared_again(s: ErasedSource) -> dict[str, Any]:
    """The erased member's declaration, readable, after the erasure."""
    row = s.row("Member.LivedExperienceDeclared")
    row["state"]["categories"] = ["DIS"]
    return row


def commented_again(s: ErasedSource) -> dict[str, Any]:
    """A readable comment by the erased member, after the erasure."""
    row = s.row("Proposal.Commented")
    row["state"].update(comment_id=str(uuid4()), text="After erasure")
    return row


def asked_again(s: ErasedSource) -> dict[str, Any]:
    """A new adjustment request, with its code readable, for the erased member."""
    row = s.row("Adjustment.Requested")
    row.update(originator_id=str(uuid4()))
    row["state"]["code"] = "BSL"
    return row


@pytest.mark.parametrize(
    "late", [declared_again, commented_again, asked_again], ids=lambda f: f.__name__
)
def test_readable_sealed_data_after_an_erasure_is_malformed(
    ledger: Ledger, late: Callable[[ErasedSource], dict[str, Any]]
) -> None:
    """Sealed data about a member, readable after their erasure: no events, no keys."""
    erased = ErasedSource()
    lines = erased.appended(late(erased))
    before = key_rows(ledger)
    with pytest.raises(transfer.MalformedImportError, match=f"line {len(lines)}: "):
        ledger.import_events(lines)
    assert ledger.position == 0
    assert key_rows(ledger) == before


def test_erased_data_after_an_erasure_imports(memory_ledger: Ledger) -> None:
    """A batch can store a comment after its author's erasure: erased, it imports."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as origin:
        admin = origin.register_member("Admin", role="staff")
        body = origin.establish_body("Board", kind="governance", by=admin)
        proposal = origin.raise_proposal(body, proposers=[admin], title="T", text="x")
        with origin.batch():  # records are stored one after another: Member first
            member = origin.register_member("Mo Example")
            origin.comment(proposal, author=member, text="Said, then erased")
            origin.erase_member(member, by=admin)
        lines = export_lines(origin)
    memory_ledger.import_events(lines)
    assert memory_ledger.audit_erasure().ok
    assert export_lines(memory_ledger)[1:] == lines[1:]


def test_a_decline_naming_another_member_than_the_one_who_asked_is_malformed(
    memory_ledger: Ledger,
) -> None:
    """A decline naming someone else keeps its alternative readable: refused."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as origin:
        admin = origin.register_member("Admin", role="staff")
        member = origin.register_member("Mo Example")
        request = origin.request_adjustment(member, code="LP")
        origin.decline_adjustment(
            request, by=admin, reason="alternative_offered", alternative="CAP"
        )
        origin.erase_member(member, by=admin)
        lines = export_lines(origin)
    line = next(
        n for n, text in enumerate(lines, start=1) if "Adjustment.Declined" in text
    )
    row = json.loads(lines[line - 1])
    row["state"].update(member=str(admin), alternative="CAP")  # edited by hand
    lines[line - 1] = json.dumps(row)
    with pytest.raises(transfer.MalformedImportError, match=f"line {line}: member"):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0


def test_key_use_shreds_an_erased_members_late_declaration_key() -> None:
    """key_use keeps an erased member's lived-experience key in the shredded set."""
    erased = ErasedSource()
    events = transfer.parse(erased.appended(declared_again(erased)))
    use = transfer.key_use(events, sealing=True)
    assert use.shredded[erased.member] == frozenset(Purpose)


def outcome(read: Callable[[str], Any], text: str) -> tuple[str, str]:
    """What reading *text* gives: the value's repr, or the error and its message."""
    try:
        return "value", repr(read(text))
    except (ValueError, RecursionError) as error:
        return type(error).__name__, str(error)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats()
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON_VALUES, st.booleans())
def test_lines_are_read_exactly_as_json_reads_them(
    value: Any, ascii_only: bool
) -> None:
    """The fast reader gives json's value for any JSON, big integers and NaN too."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert outcome(transfer._loads, text) == outcome(json.loads, text)


@given(st.text())
def test_text_that_is_not_json_fails_as_json_fails(text: str) -> None:
    """Any text reads to json's value, or fails with json's own message."""
    assert outcome(transfer._loads, text) == outcome(json.loads, text)


def with_odd_versions(lines: list[str]) -> list[str]:
    """The export with a 20-digit version on line 4 and a NaN on line 5."""
    odd = list(lines)
    first = '"originator_version": 1,'
    assert first in odd[3]
    assert first in odd[4]
    odd[3] = odd[3].replace(first, f'"originator_version": {"9" * 20},')
    odd[4] = odd[4].replace(first, '"originator_version": NaN,')
    return odd


def test_huge_and_nan_versions_get_the_errors_json_gives_them(
    memory_ledger: Ledger, source: Source
) -> None:
    """A version beyond 64 bits reads as an integer (a jump), NaN as malformed."""
    lines = with_odd_versions(source.lines)
    with pytest.raises(transfer.MalformedImportError, match=r"line 4: record .* jumps"):
        memory_ledger.import_events(lines)
    del lines[3]
    with pytest.raises(transfer.MalformedImportError, match="line 4: originator_ver"):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0


def test_an_import_keeps_business_times_the_commands_would_refuse(
    ledger: Ledger,
) -> None:
    """An import takes out-of-order business times as they are, and the records load."""
    when = datetime(2024, 6, 1, 12, tzinfo=UTC)
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        ada = source.register_member("Ada Example", occurred_at=when)
        board = source.establish_body("Board", kind="governance", occurred_at=when)
        source.assign_seat(board, ada, by=ada, occurred_at=when)
        plan = source.start_project("Plan", label="other", by=ada, occurred_at=when)
        source.finish_project(plan, by=ada, occurred_at=when)
        p = source.raise_proposal(
            board, proposers=[ada], title="T", text="x", occurred_at=when
        )
        source.comment(p, author=ada, text="Yes", occurred_at=when)
        need = source.request_adjustment(ada, code="ER", occurred_at=when)
        source.provide_adjustment(need, by=ada, occurred_at=when)
        lines = export_lines(source)
    # Each of these events is moved to a day before the step it follows.
    early = {
        "Body.SeatAssigned",
        "Project.Finished",
        "Proposal.Commented",
        "Adjustment.Provided",
    }
    moved = []
    for line in lines[1:]:
        row = json.loads(line)
        if row["topic"].rpartition(":")[2] in early:
            row["state"]["occurred_at"] = (when - timedelta(days=1)).isoformat()
        moved.append(json.dumps(row))
    ledger.import_events([lines[0], *moved])
    assert ledger.position == len(moved)
    assert ledger.adjustment(need).resolved_at == when - timedelta(days=1)
    assert ledger.proposal(p).comments[0].occurred_at == when - timedelta(days=1)
    # The records load, and a command given no time still works on them.
    ledger.vacate_seat(board, ada, by=ada)
    ledger.comment(p, author=ada, text="Still open")
    assert ledger.power_sharing().to_json()["indicators"]


def test_an_import_keeps_a_revocation_dated_before_an_act_it_would_refuse(
    ledger: Ledger,
) -> None:
    """An import keeps a revocation dated before an act; the act bounds later ones."""
    day = {n: datetime(2024, 6, n, 12, tzinfo=UTC) for n in range(1, 8)}
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        ada = source.register_member("Ada Example", occurred_at=day[1])
        pat = source.register_member("Pat Example", occurred_at=day[1])
        board = source.establish_body("Board", kind="advisory", occurred_at=day[1])
        p = source.raise_proposal(
            board, proposers=[ada], title="T", text="x", occurred_at=day[1]
        )
        source.authorise_supporter(ada, pat, occurred_at=day[1])
        source.comment(p, author=ada, text="Yes", supporter=pat, occurred_at=day[4])
        source.revoke_supporter(ada, pat, occurred_at=day[5])
        lines = export_lines(source)
    moved = []
    for line in lines[1:]:
        row = json.loads(line)
        if row["topic"].endswith("Member.SupporterRevoked"):
            row["state"]["occurred_at"] = day[2].isoformat()  # before the comment
        moved.append(json.dumps(row))
    ledger.import_events([lines[0], *moved])
    assert ledger.position == len(moved)
    assert ledger.member(ada).supporters == frozenset()
    # The imported comment bounds a revocation recorded after the import.
    ledger.authorise_supporter(ada, pat, occurred_at=day[3])
    with pytest.raises(errors.TimeOrderError, match=f"comment on proposal {p}"):
        ledger.revoke_supporter(ada, pat, occurred_at=day[4])
    assert ledger.position == len(moved) + 1
    ledger.revoke_supporter(ada, pat, occurred_at=day[6])
