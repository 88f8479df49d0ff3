"""A database another process keeps locked: one wait, then DatabaseLockedError."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest
from eventsourcing.persistence import OperationalError

from coledger import DatabaseLockedError, Ledger, StorageError
from coledger.cli import main
from coledger.storage import StorageConfig, parse_url
from conftest import PG_BASE, PG_CONNINFO, TEST_MASTER_KEY, url_for

SHORT_WAIT = {"sqlite": "SQLITE_LOCK_TIMEOUT", "postgres": "POSTGRES_LOCK_TIMEOUT"}
"""The setting that bounds how long the driver waits for a lock, by backend."""


def waiting_briefly(url: str) -> StorageConfig:
    """The storage settings of *url*, with the driver waiting 1 s for a lock."""
    config = parse_url(url)
    return attrs.evolve(config, env={**config.env, SHORT_WAIT[config.backend]: "1"})


@contextmanager
def locked_by_another(ledger: Ledger, *, keys: bool = False) -> Iterator[None]:
    """Another connection holds the ledger's write lock (or its key store's)."""
    config = ledger.config
    if config.backend == "sqlite":
        assert config.path is not None
        path = config.path
        if keys:
            path = path.with_name(path.name + ".keys")
        with closing(sqlite3.connect(str(path), isolation_level=None)) as conn:
            conn.execute("BEGIN EXCLUSIVE")
            yield
            conn.execute("ROLLBACK")
        return
    table = "coledger_member_keys" if keys else "coledger_events"
    with psycopg.connect(PG_CONNINFO) as conn:
        conn.execute(f'LOCK TABLE "{config.pg_schema}".{table} IN EXCLUSIVE MODE')
        yield
        conn.rollback()


def counting_inserts(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the transactions the ledger's recorder tries (one entry per try)."""
    recorder: Any = ledger._app.recorder
    name = "_insert_once" if ledger.config.backend == "postgres" else "insert_events"
    real = getattr(recorder, name)
    tries: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        tries.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(recorder, name, counted)
    return tries


@pytest.fixture
def briefly_waiting(shared_url: str) -> Iterator[Ledger]:
    """A SQLite or PostgreSQL ledger whose driver waits 1 s for a lock."""
    with Ledger(waiting_briefly(shared_url), TEST_MASTER_KEY) as ledger:
        yield ledger


def test_a_lock_held_past_the_wait_fails_once_saying_so(
    briefly_waiting: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write to a locked database is tried once, then refused as locked, naming it."""
    ledger = briefly_waiting
    ledger.register_member("Ada")
    tries = counting_inserts(ledger, monkeypatch)
    with locked_by_another(ledger), pytest.raises(DatabaseLockedError) as refusal:
        ledger.register_member("Bo")
    assert tries == [1]  # not run again: the lock would only be waited for again
    message = str(refusal.value)
    assert "locked by another process" in message
    assert "try again" in message
    config = ledger.config
    where = str(config.path) if config.backend == "sqlite" else config.pg_schema
    assert where in refusal.value.where
    assert where in message
    assert refusal.value.waited == 1
    assert isinstance(refusal.value, StorageError)
    assert [m.name for m in ledger.members()] == ["Ada"]
    ledger.register_member("Bo")  # the lock gone, the same command works
    assert [m.name for m in ledger.members()] == ["Ada", "Bo"]


def test_a_batch_on_a_locked_database_fails_saying_so(
    briefly_waiting: Ledger,
) -> None:
    """A batch whose write meets a lock held past the wait stores nothing, as locked."""
    ledger = briefly_waiting
    ledger.register_member("Ada")

    def batch() -> None:
        with ledger.batch():
            ledger.register_member("Bo")
            ledger.register_member("Cy")

    with locked_by_another(ledger), pytest.raises(DatabaseLockedError):
        batch()
    assert [m.name for m in ledger.members()] == ["Ada"]


def test_the_password_of_a_locked_postgresql_ledger_is_not_shown(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The locked database is named by its URL with the password replaced."""
    url = url_for("postgres", Path(), pg_schema).replace(
        "postgres@", "postgres:s3cret@"
    )
    with Ledger(waiting_briefly(url), TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
        with locked_by_another(ledger), pytest.raises(DatabaseLockedError) as refusal:
            ledger.register_member("Bo")
    assert "s3cret" not in str(refusal.value)
    assert "postgres:***@" in refusal.value.where


def test_only_sqlite_s_stale_snapshot_is_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's BUSY after its wait is final; its at-once BUSY_SNAPSHOT is retried."""
    with Ledger.open(url_for("sqlite", tmp_path)) as ledger:
        recorder: Any = ledger._app.recorder
        real = recorder.insert_events
        tries: list[int] = []

        def refused_once(code: int) -> Callable[..., Any]:
            def insert(*args: Any, **kwargs: Any) -> Any:
                tries.append(code)
                if tries.count(code) == 1:
                    cause = sqlite3.OperationalError("database is locked")
                    cause.sqlite_errorcode = code
                    raise OperationalError(cause) from cause
                return real(*args, **kwargs)

            return insert

        monkeypatch.setattr(
            recorder, "insert_events", refused_once(sqlite3.SQLITE_BUSY)
        )
        with pytest.raises(DatabaseLockedError):
            ledger.register_member("Ada")
        snapshot = sqlite3.SQLITE_BUSY_SNAPSHOT
        monkeypatch.setattr(recorder, "insert_events", refused_once(snapshot))
        ledger.register_member("Bo")
        assert tries == [sqlite3.SQLITE_BUSY, snapshot, snapshot]
        assert [m.name for m in ledger.members()] == ["Bo"]


def test_the_command_line_says_the_file_is_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line, on a locked file, exits 2 saying so and to try again."""
    db = tmp_path / "coledger.db"
    Ledger.open(f"sqlite:///{db}").close()  # an empty ledger, for the demo to fill
    monkeypatch.setattr("coledger._core.parse_url", waiting_briefly)
    holder = Ledger(waiting_briefly(f"sqlite:///{db}"), TEST_MASTER_KEY)
    with holder, locked_by_another(holder):
        code = main(["demo", "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("coledger: storage failed: the database ")
    assert str(db) in err
    assert "locked by another process" in err
    assert "try again" in err


def test_a_batch_refused_for_a_lock_deletes_its_keys_without_asking_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch the lock refused stored nothing: its new keys go, with no wait to ask."""
    with Ledger.open(url_for("sqlite", tmp_path)) as ledger:
        recorder: Any = ledger._app.recorder

        def locked(*_: object, **__: object) -> None:
            cause = sqlite3.OperationalError("database is locked")
            cause.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise OperationalError(cause) from cause

        def never(*_: object, **__: object) -> None:
            raise AssertionError("asked the locked storage whether it stored")

        monkeypatch.setattr(recorder, "insert_events", locked)
        monkeypatch.setattr(recorder, "select_events", never)
        made = []
        with pytest.raises(DatabaseLockedError), ledger.batch():
            made.append(ledger.register_member("Bo"))
        monkeypatch.undo()
        assert ledger._keys.live_keys(made[0]) == []
        assert ledger.members() == []


def test_a_locked_key_store_refuses_a_registration_as_locked(
    briefly_waiting: Ledger,
) -> None:
    """A new member's key that cannot be stored is a lock refusal, and no event."""
    ledger = briefly_waiting
    ledger.register_member("Ada")
    locked = locked_by_another(ledger, keys=True)
    with locked, pytest.raises(DatabaseLockedError) as refusal:
        ledger.register_member("Bo")
    assert refusal.value.waited == 1
    assert [m.name for m in ledger.members()] == ["Ada"]


def test_a_locked_key_store_refuses_an_erasure_and_destroys_nothing(
    briefly_waiting: Ledger,
) -> None:
    """An erasure kept from the keys is refused as locked; the member stays readable."""
    ledger = briefly_waiting
    ada = ledger.register_member("Ada")
    with locked_by_another(ledger, keys=True), pytest.raises(DatabaseLockedError):
        ledger.erase_member(ada, by=ada)
    assert [m.name for m in ledger.members()] == ["Ada"]
    ledger.erase_member(ada, by=ada)  # and once the lock is gone, it goes through
    assert [m.name for m in ledger.members()] != ["Ada"]


def test_a_rebuild_of_locked_tables_says_the_database_is_locked(
    tmp_path: Path,
) -> None:
    """Tables another process keeps locked refuse a rebuild as DatabaseLockedError."""
    config = waiting_briefly(f"sqlite:///{tmp_path / 'ledger.db'}")
    with Ledger(config, TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
        projector = ledger.projections()
        projector.rebuild()
        with locked_by_another(ledger), pytest.raises(DatabaseLockedError) as caught:
            projector.rebuild()
        assert caught.value.where == str(config.path)
        assert caught.value.waited == 1
        assert projector.tables.position() == ledger.position  # nothing lost


def _within(seconds: float, call: Callable[[], object]) -> BaseException | None:
    """What *call* raised, run on a thread that must end within *seconds*."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:  # handed to the test
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    assert not thread.is_alive(), "still waiting for the lock"
    return outcome[0]


def test_opening_a_ledger_locked_past_the_wait_fails_saying_so(
    briefly_waiting: Ledger,
) -> None:
    """An open that meets the lock waits as long as a save does, then is refused.

    Before, a PostgreSQL open waited for ever behind a lock on the events
    table (its CREATE INDEX IF NOT EXISTS asks for one), holding up every
    other open of that schema behind it.
    """
    ledger = briefly_waiting
    ledger.register_member("Ada")
    with locked_by_another(ledger):
        refusal = _within(60, lambda: Ledger(ledger.config, TEST_MASTER_KEY).close())
    if ledger.config.backend == "sqlite":
        assert refusal is None  # SQLite opens without the write lock
    else:
        assert isinstance(refusal, DatabaseLockedError)
        assert refusal.waited == 1
        assert ledger.config.pg_schema in refusal.where
    with Ledger(ledger.config, TEST_MASTER_KEY) as again:  # and once it is gone
        assert [m.name for m in again.members()] == ["Ada"]


@pytest.mark.postgres
def test_a_read_kept_from_the_events_past_the_wait_fails_saying_so(
    pg_schema: str,
) -> None:
    """A read that another session's lock holds up waits once, then says so.

    Before, the position, lists, history and reports let eventsourcing's own
    OperationalError ("canceling statement due to lock timeout") out of
    coledger's error hierarchy, and only after trying ten times: a read
    waited ten lock timeouts (some 100 s by default), where a write waits one.
    """
    config = waiting_briefly(url_for("postgres", Path(), pg_schema))
    with Ledger(config, TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
        bo = ledger.register_member("Bo")
        ledger._forget()  # Bo is read from storage, not the cache
        reads: list[Callable[[], object]] = [
            lambda: ledger.position,
            lambda: ledger.member(bo),
            lambda: list(ledger.history()),
            ledger.power_sharing,
        ]
        with psycopg.connect(PG_CONNINFO) as conn:
            conn.execute(
                f'LOCK TABLE "{pg_schema}".coledger_events IN ACCESS EXCLUSIVE MODE'
            )
            for read in reads:
                started = time.monotonic()
                with pytest.raises(DatabaseLockedError) as refusal:
                    read()
                assert refusal.value.waited == 1
                # One wait, as for a write: not eventsourcing's ten tries.
                assert time.monotonic() - started < 5
            conn.rollback()
        assert [m.name for m in ledger.members()] == ["Ada", "Bo"]


@contextmanager
def key_store_locked_for_opens(ledger: Ledger) -> Iterator[None]:
    """Another connection holds a lock of the key store that an open must wait for.

    On PostgreSQL that is the generation table, which an open writes its first
    row to (the keys table's lock keeps out no open's reads).
    """
    if ledger.config.backend == "sqlite":
        with locked_by_another(ledger, keys=True):
            yield
        return
    with psycopg.connect(PG_CONNINFO) as conn:
        schema = ledger.config.pg_schema
        conn.execute(f'LOCK TABLE "{schema}".coledger_key_generation IN EXCLUSIVE MODE')
        yield
        conn.rollback()


def test_opening_a_ledger_whose_key_store_is_locked_fails_saying_so(
    briefly_waiting: Ledger,
) -> None:
    """An open kept from the key store past the wait is DatabaseLockedError too.

    Before, an open kept from the key store (a SQLite ledger's .keys file, or
    PostgreSQL's key tables) failed with a plain StorageError ("database is
    locked", "canceling statement due to lock timeout"), where every other
    refusal for a lock, the key store's included, is DatabaseLockedError.
    """
    ledger = briefly_waiting
    ledger.register_member("Ada")
    with key_store_locked_for_opens(ledger):
        refusal = _within(60, lambda: Ledger(ledger.config, TEST_MASTER_KEY).close())
    assert isinstance(refusal, DatabaseLockedError)
    assert refusal.waited == 1
    if ledger.config.backend == "sqlite":
        assert refusal.where.endswith(".keys")
    with Ledger(ledger.config, TEST_MASTER_KEY) as again:  # and once it is gone
        assert [m.name for m in again.members()] == ["Ada"]


@contextmanager
def tables_locked_by_another(ledger: Ledger) -> Iterator[None]:
    """Another connection holds the projection tables' lock."""
    config = ledger.config
    if config.backend == "sqlite":
        with locked_by_another(ledger):
            yield
        return
    with psycopg.connect(PG_CONNINFO) as conn:
        conn.execute(
            f'LOCK TABLE "{config.pg_schema}".coledger_tracking IN EXCLUSIVE MODE'
        )
        yield
        conn.rollback()


def test_a_catch_up_kept_from_the_tables_past_the_wait_fails_saying_so(
    briefly_waiting: Ledger,
) -> None:
    """A catch-up waits for the tables' lock as long as a save does, then fails.

    A worker gets a StorageError it reports and retries, and can be stopped;
    before, on PostgreSQL it waited for ever, deaf to its stop.
    """
    ledger = briefly_waiting
    ledger.register_member("Ada")
    projector = ledger.projections()
    projector.catch_up()
    ledger.register_member("Bo")
    with tables_locked_by_another(ledger):
        refusal = _within(60, projector.catch_up)
    assert isinstance(refusal, StorageError)
    projector.catch_up()  # and once it is gone
    assert projector.tables.position() == ledger.position


@pytest.mark.postgres
def test_a_new_schema_locked_as_its_open_reads_the_head_fails_closing_all(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock taken just after the tables are made fails the open, typed, all closed.

    The first open of a schema looks for events beside its new key store; a
    lock another session took meanwhile let eventsourcing's own
    OperationalError out, and left the ledger's pool and the key store's
    connection open.
    """
    from coledger.integrity.postgres import LeafPostgresRecorder

    name = f"leak_{pg_schema[-8:]}"
    url = f"{PG_BASE}?schema={pg_schema}&application_name={name}"
    locker = psycopg.connect(PG_CONNINFO)
    real_create = LeafPostgresRecorder.create_table

    def create_then_lock(self: LeafPostgresRecorder) -> None:
        real_create(self)
        locker.execute(
            f'LOCK TABLE "{pg_schema}".coledger_events IN ACCESS EXCLUSIVE MODE'
        )

    monkeypatch.setattr(LeafPostgresRecorder, "create_table", create_then_lock)
    try:
        with pytest.raises(DatabaseLockedError):
            Ledger(waiting_briefly(url), TEST_MASTER_KEY)
        gc.collect()
        with psycopg.connect(PG_CONNINFO) as admin:
            left = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                (name,),
            ).fetchone()
        assert left == (0,)
    finally:
        locker.rollback()
        locker.close()
    monkeypatch.undo()
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
        assert [m.name for m in ledger.members()] == ["Ada"]
