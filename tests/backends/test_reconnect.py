"""A PostgreSQL connection the server drops is opened again on the next use."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from coledger import Ledger, errors
from coledger.projections import materialise
from coledger.projections.materialise import Materialiser
from conftest import PG_BASE, PG_CONNINFO

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
    """The worker reports the failure, connects again and reaches the head."""
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        with _following(projector) as failures:
            _wait_for(lambda: projector.tables.position() == writer.position)
            _drop(projector.tables._conn)  # type: ignore[attr-defined]
            writer.register_member("Bea")
            _wait_for(lambda: bool(failures))
            writer.register_member("Cy")
            _wait_for(lambda: _position(url) == writer.position)
        assert all(isinstance(f, errors.StorageError) for f in failures)
        stored = projector.read(projector.ledger.power_sharing().scope)
        assert stored is not None
        assert stored.as_of == writer.position


@contextlib.contextmanager
def _following(projector: Materialiser) -> Iterator[list[Exception]]:
    """Run *projector*'s worker in a thread; yield the failures it reports."""
    stop, failures = threading.Event(), list[Exception]()
    worker = threading.Thread(
        target=projector.follow,
        args=(stop,),
        kwargs={"poll": 0.05, "on_error": failures.append},
    )
    worker.start()
    try:
        yield failures
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()


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


def test_a_worker_that_cannot_listen_at_first_keeps_trying(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that refuses the LISTEN at first is reported, then waited on."""
    url = f"{PG_BASE}?schema={pg_schema}"
    real_listen = materialise._Listener._listen
    refusals: list[int] = []

    def listen(self: Any) -> Any:
        if not refusals:
            refusals.append(1)
            raise errors.StorageError("cannot listen for new events: refused")
        return real_listen(self)

    monkeypatch.setattr(materialise._Listener, "_listen", listen)
    with Ledger.open(url) as writer, Ledger.open(url) as worker_ledger:
        writer.register_member("Ann")
        projector = worker_ledger.projections()
        projector.catch_up()
        with _following(projector) as failures:
            _wait_for(lambda: bool(failures))
            writer.register_member("Bea")
            _wait_for(lambda: _position(url) == writer.position)
    assert [str(f) for f in failures] == ["cannot listen for new events: refused"]
