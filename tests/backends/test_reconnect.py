"""A PostgreSQL connection the server drops is opened again on the next use."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from coledger import Ledger, errors
from coledger.projections import materialise
from coledger.projections.materialise import Materialiser
from coledger.storage import notify_channel
from conftest import PG_BASE, PG_CONNINFO, drop_schema

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ledger(pg_schema: str) -> Iterator[Ledger]:
    """A ledger in a fresh PostgreSQL schema."""
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger:
        yield ledger


def _drop(conn: Any) -> None:
    """End *conn*'s server session, as a restart or an idle timeout would."""
    pid = conn.info.backend_pid
    with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_the_key_store_connects_again_after_the_server_dropped_it(
    pg_ledger: Ledger,
) -> None:
    """One command fails with a storage error; the next one is recorded."""
    pg_ledger.register_member("Ann")
    _drop(pg_ledger._app.keys._conn)  # type: ignore[attr-defined]
    with pytest.raises(errors.StorageError, match="key store"):
        pg_ledger.register_member("Bea")
    bea = pg_ledger.register_member("Bea")
    assert [m.name for m in pg_ledger.members()] == ["Ann", "Bea"]
    assert pg_ledger.member(bea).name == "Bea"


def test_an_erasure_outlives_the_key_store_session_dropped_as_it_vacuums(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The keys are destroyed before the VACUUM: its session ending fails nothing.

    The first VACUUM follows the erasure's tombstone: a session dropped
    there failed the erasure with a plain StorageError, the member's keys
    still live and no key ever to be made for them again.
    """
    ada = pg_ledger.register_member("Ada")
    keys: Any = pg_ledger._app.keys
    real = keys._run

    def dropped_at_vacuum(query: str, params: tuple[Any, ...] = ()) -> Any:
        if query.startswith("VACUUM"):
            _drop(keys._conn)
        return real(query, params)

    monkeypatch.setattr(keys, "_run", dropped_at_vacuum)
    pg_ledger.erase_member(ada, by=ada)
    assert pg_ledger.member(ada).erased
    assert pg_ledger.audit_erasure().findings == ()


def test_the_projection_tables_connect_again_after_the_server_dropped_them(
    pg_ledger: Ledger,
) -> None:
    """One materialised read fails with a storage error; the next one is current."""
    pg_ledger.register_member("Ann")
    assert pg_ledger.power_sharing(materialised=True).as_of == pg_ledger.position
    _drop(pg_ledger.projections().tables._conn)  # type: ignore[attr-defined]
    pg_ledger.register_member("Bea")
    with pytest.raises(errors.StorageError, match="projection tables"):
        pg_ledger.power_sharing(materialised=True)
    assert pg_ledger.power_sharing(materialised=True).as_of == pg_ledger.position


def test_a_worker_outlives_a_dropped_connection_and_catches_up(
    pg_schema: str,
) -> None:
    """The worker connects again and reaches the head, any failure reported as such.

    Whether a read fails first is the server's timing: a session ended just
    after answering a query leaves psycopg's connection marked broken with
    nothing failed, and the worker's next round connects again unprompted.
    """
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        tables: Any = projector.tables
        with _following(projector) as failures:
            _wait_for(lambda: tables.position() == writer.position)
            dropped = tables._conn
            _drop(dropped)
            writer.register_member("Bea")
            _wait_for(lambda: tables._conn is not dropped)
            writer.register_member("Cy")
            _wait_for(lambda: _position(url) == writer.position)
        assert dropped.closed
        assert all(isinstance(f, errors.StorageError) for f in failures)
        stored = projector.read(projector.ledger.power_sharing().scope)
        assert stored is not None
        assert stored.as_of == writer.position


@contextlib.contextmanager
def _following(
    projector: Materialiser, poll: float = 0.05
) -> Iterator[list[Exception]]:
    """Run *projector*'s worker in a thread; yield the failures it reports."""
    stop, failures = threading.Event(), list[Exception]()
    worker = threading.Thread(
        target=projector.follow,
        args=(stop,),
        kwargs={"poll": poll, "on_error": failures.append},
    )
    worker.start()
    try:
        yield failures
    finally:
        stop.set()
        _notify(projector.ledger.config.schema)  # ends a long wait at once
        worker.join(10)
    assert not worker.is_alive()


def _notify(schema: str | None) -> None:
    """Send the NOTIFY a write to the ledger in *schema* sends."""
    channel = notify_channel(schema or "public")
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(sql.SQL("NOTIFY {}").format(sql.Identifier(channel)))


def _position(url: str) -> int:
    """The tracked position, read through a connection of its own."""
    with Ledger.open(url) as reader:
        return reader.projections().tables.position()


def _wait_for(condition: Any, seconds: float = 20) -> None:
    """Return once *condition* holds; fail after *seconds*."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _refuse_the_first_listen(monkeypatch: pytest.MonkeyPatch, why: str) -> None:
    """Make the server refuse a worker's first LISTEN (for *why*), then allow it."""
    real_listen = materialise._Listener._listen
    refusals: list[int] = []

    def listen(self: Any) -> Any:
        if not refusals:
            refusals.append(1)
            raise errors.StorageError(f"cannot listen for new events: {why}")
        return real_listen(self)

    monkeypatch.setattr(materialise._Listener, "_listen", listen)


def test_a_worker_that_cannot_listen_at_first_keeps_trying(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that refuses the LISTEN at first is reported, then waited on."""
    url = f"{PG_BASE}?schema={pg_schema}"
    _refuse_the_first_listen(monkeypatch, "refused")
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        projector.catch_up()
        with _following(projector) as failures:
            _wait_for(lambda: bool(failures))
            writer.register_member("Bea")
            _wait_for(lambda: _position(url) == writer.position)
    assert [str(f) for f in failures] == ["cannot listen for new events: refused"]


def test_an_event_written_just_before_the_worker_listens_is_not_left_waiting(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event committed while the worker starts to LISTEN is folded at once.

    The worker listens before it looks for new events, so an event committed
    before the LISTEN is caught up, and one after it is notified. Its poll is
    ten minutes here, so an event that fell between the two would be late.
    """
    url = f"{PG_BASE}?schema={pg_schema}"
    real_listen = materialise._Listener._listen
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        projector.catch_up()

        def listen(self: Any) -> Any:
            writer.register_member("Bea")  # committed before anyone listens
            return real_listen(self)

        monkeypatch.setattr(materialise._Listener, "_listen", listen)
        with _following(projector, poll=600) as failures:
            _wait_for(lambda: _position(url) == writer.position)
        assert failures == []
        assert [m.name for m in projector.ledger.members()] == ["Ann", "Bea"]


def test_a_worker_is_woken_only_by_its_own_organisations_writes(
    pg_schema: str,
) -> None:
    """A write to one schema's ledger notifies its listener, not another's."""
    other = f"{pg_schema}_other"
    try:
        with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ours:
            mine = materialise._Listener(PG_CONNINFO, pg_schema, poll=0.5)
            theirs = materialise._Listener(PG_CONNINFO, other, poll=0.5)
            try:
                ours.register_member("Ann")
                stop = threading.Event()
                assert mine(stop) is True
                assert theirs(stop) is False
            finally:
                mine.close()
                theirs.close()
    finally:
        drop_schema(other)


def test_a_listener_that_connects_afresh_returns_to_catch_up_first(
    pg_schema: str,
) -> None:
    """After its connection was dropped it listens again and returns at once.

    Events written while nobody listened sent no NOTIFY that could wake it, so
    the worker must look for them before it waits (here, for ten minutes).
    """
    listener = materialise._Listener(PG_CONNINFO, pg_schema, poll=600)
    try:
        first = listener._conn
        _drop(first)
        with pytest.raises(errors.StorageError, match="lost the wait"):
            listener(threading.Event())
        started = time.monotonic()
        assert listener(threading.Event()) is False
        assert time.monotonic() - started < 60
        assert listener._conn is not first
        _notify(pg_schema)
        assert listener(threading.Event()) is True
    finally:
        listener.close()


def test_a_worker_the_server_never_lets_listen_still_keeps_up_by_polling(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every refused LISTEN is reported, and the worker catches up all the same."""
    url = f"{PG_BASE}?schema={pg_schema}"

    def listen(self: Any) -> Any:
        raise errors.StorageError("cannot listen for new events: refused")

    monkeypatch.setattr(materialise._Listener, "_listen", listen)
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        with _following(projector) as failures:
            _wait_for(lambda: _position(url) == writer.position)
            writer.register_member("Bea")
            _wait_for(lambda: _position(url) == writer.position)
    assert failures
    assert {str(f) for f in failures} == {"cannot listen for new events: refused"}


def test_a_postgres_worker_stops_soon_after_it_is_told_with_nothing_written(
    pg_schema: str,
) -> None:
    """A worker waiting on LISTEN ends soon after its stop, not after its poll."""
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger:
        ledger.register_member("Ann")
        stop = threading.Event()
        worker = threading.Thread(
            target=ledger.projections().follow,
            args=(stop,),
            kwargs={"poll": 600.0},
            daemon=True,  # without the fix it would sleep out the poll
        )
        worker.start()
        _wait_for(lambda: ledger.projections().tables.position() == 1)
        time.sleep(0.3)  # waiting on LISTEN by now
        stopped = time.monotonic()
        stop.set()
        worker.join(timeout=15)
        assert not worker.is_alive()
        assert time.monotonic() - stopped < 5


def test_a_refused_listen_closes_the_connection_it_was_refused_on(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that tries to LISTEN every round leaves no session open each time.

    A server in recovery (a standby) takes the connection and refuses the
    LISTEN; the connection is closed then, not left to the garbage collector.
    """
    made: list[Any] = []
    real_connect = psycopg.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        conn = real_connect(*args, **kwargs)
        made.append(conn)
        return conn

    monkeypatch.setattr(psycopg, "connect", connect)
    # A zero-length name is a syntax error: the server refuses the LISTEN.
    monkeypatch.setattr(materialise, "notify_channel", lambda _schema: "")
    with pytest.raises(errors.StorageError, match="cannot listen"):
        materialise._Listener(PG_CONNINFO, pg_schema, poll=0.5)
    assert len(made) == 1
    assert made[0].closed


def _listening_pid(schema: str) -> int | None:
    """The server process of the session that LISTENs on *schema*'s channel."""
    with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
        listen = sql.SQL("LISTEN {}").format(sql.Identifier(notify_channel(schema)))
        row = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE query = %s",
            (listen.as_string(admin),),
        ).fetchone()
    return None if row is None else int(row[0])


def test_a_worker_with_a_long_poll_listens_again_soon_after_its_session_ends(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LISTEN session killed mid-wait is made again within LONGEST_WAIT, not --poll.

    On PostgreSQL a long poll is sensible (NOTIFY wakes the worker), and an
    idle LISTEN session is what idle timeouts end: retrying only after the
    poll left every event unfolded for up to an hour.
    """
    monkeypatch.setattr(materialise, "LONGEST_WAIT", 0.5)
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        with _following(projector, poll=600) as failures:
            _wait_for(lambda: _listening_pid(pg_schema) is not None)
            _wait_for(lambda: _position(url) == writer.position)
            first = _listening_pid(pg_schema)
            with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (first,))
            _wait_for(lambda: bool(failures))
            writer.register_member("Bea")
            _wait_for(lambda: _position(url) == writer.position, seconds=15)
        lost = "lost the wait for new events"
        assert [str(f).split(":")[0] for f in failures] == [lost]


def test_a_worker_with_a_long_poll_refused_its_listen_tries_again_soon(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LISTEN refused at first (no free connection) is retried within LONGEST_WAIT.

    Pulling every --poll seconds instead left a worker with a long poll, set
    for NOTIFY to wake it, deaf to every write for up to an hour.
    """
    monkeypatch.setattr(materialise, "LONGEST_WAIT", 0.5)
    url = f"{PG_BASE}?schema={pg_schema}"
    _refuse_the_first_listen(monkeypatch, "too many clients")
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        projector.catch_up()  # nothing to fold: the worker waits at once
        with _following(projector, poll=600) as failures:
            _wait_for(lambda: bool(failures))
            writer.register_member("Bea")
            _wait_for(lambda: _position(url) == writer.position, seconds=15)
            _wait_for(lambda: _listening_pid(pg_schema) is not None, seconds=15)
    assert len(failures) == 1


def test_a_burst_of_writes_wakes_the_listener_once(pg_schema: str) -> None:
    """The notifications queued behind the one that wakes it are taken with it.

    Each write commits and notifies on its own; one catch-up after the wake
    reads all of them, so a worker that woke again for each would only make
    empty rounds.
    """
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger:
        listener = materialise._Listener(PG_CONNINFO, pg_schema, poll=0.3)
        try:
            for name in ("Ann", "Bea", "Cat", "Dee", "Eve"):
                ledger.register_member(name)
            time.sleep(0.5)  # every NOTIFY has reached the listener's socket
            stop = threading.Event()
            assert listener(stop) is True
            assert listener(stop) is False
            ledger.register_member("Fay")
            assert listener(stop) is True
        finally:
            listener.close()
