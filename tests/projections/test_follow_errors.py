"""How a projection worker meets storage errors: it retries what may mend, not more."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from coledger import Ledger, StorageError
from coledger.projections.materialise import refused_for_good
from conftest import PG_CONNINFO, TEST_MASTER_KEY, as_role


@pytest.fixture
def role_url(pg_schema: str, schema_owner: str) -> str:
    """The URL of *pg_schema* for a role of its own that owns the schema."""
    return as_role(schema_owner, pg_schema)


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["coledger_figures", "coledger_events"])
def test_a_worker_refused_the_tables_stops_with_the_error(
    role_url: str, pg_schema: str, table: str
) -> None:
    """A role that may no longer use a table ends follow, rather than retrying."""
    with Ledger.open(role_url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
        projector = ledger.projections()
        projector.catch_up()
        ledger.register_member("Bea")
        with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
            admin.execute(
                sql.SQL("ALTER TABLE {}.{} OWNER TO postgres").format(
                    sql.Identifier(pg_schema), sql.Identifier(table)
                )
            )
        stop, failures = threading.Event(), list[Exception]()
        timer = threading.Timer(10, stop.set)  # the old worker retried until stopped
        timer.start()
        try:
            with pytest.raises(StorageError, match="permission denied"):
                projector.follow(stop, poll=0.01, on_error=failures.append)
        finally:
            timer.cancel()
        assert not stop.is_set()
        assert failures == []
        assert projector.tables.position() == 1


def test_a_read_only_sqlite_file_is_refused_for_good_and_a_lock_is_not(
    tmp_path: Path,
) -> None:
    """A write to a read-only SQLite file is never mended by a retry; a busy lock is."""
    db = tmp_path / "ledger.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with pytest.raises(sqlite3.OperationalError) as refused:
            reader.execute("INSERT INTO t VALUES (1)")
    finally:
        reader.close()
    wrapped = StorageError("projection tables")
    wrapped.__cause__ = refused.value
    assert refused_for_good(wrapped)
    holder = sqlite3.connect(db, isolation_level=None)
    other = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("BEGIN IMMEDIATE")
    finally:
        holder.close()
        other.close()
    assert not refused_for_good(StorageError("projection tables"))
    wrapped.__cause__ = busy.value
    assert not refused_for_good(wrapped)


@pytest.mark.postgres
def test_a_worker_whose_login_the_server_refuses_stops_with_the_error(
    role_url: str, schema_owner: str
) -> None:
    """A role no longer let in ends follow, as cli.md says, rather than retrying."""
    with Ledger.open(role_url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
        projector = ledger.projections()
        projector.catch_up()
        with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
            role = sql.Identifier(schema_owner)
            admin.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(role))
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = %s",
                (schema_owner,),
            )
        stop, failures = threading.Event(), list[Exception]()
        timer = threading.Timer(10, stop.set)  # a worker retrying until stopped
        timer.start()
        try:
            with pytest.raises(StorageError, match="not permitted to log in"):
                projector.follow(stop, poll=0.01, on_error=failures.append)
        finally:
            timer.cancel()
            with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
                admin.execute(sql.SQL("ALTER ROLE {} LOGIN").format(role))
        assert not stop.is_set()
