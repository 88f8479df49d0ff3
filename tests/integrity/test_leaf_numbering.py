"""Leaves are numbered 0, 1, 2... in notification order, whatever the ids do.

The recorders number a transaction's leaves after the current leaf head inside
the insert itself. On PostgreSQL a failed insert still uses up notification
ids, so the ids can skip; the leaf indexes must not. These tests read the leaf
table with plain SQL after commands that store one and two events at a time.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

from coledger import Ledger
from coledger.integrity.leaves import leaf_hash, state_hash
from coledger.integrity.recorders import LEAVES
from coledger.privacy import generate_master_key
from coledger.storage import parse_url
from conftest import PG_CONNINFO, url_for

SHARED = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

LeafRow = tuple[int, int, bytes, bytes]


@pytest.fixture(params=SHARED)
def where(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, Path | None, str | None]]:
    """A fresh ledger URL, with its SQLite path or PostgreSQL schema."""
    if request.param == "sqlite":
        yield url_for("sqlite", tmp_path), tmp_path / "ledger.db", None
        return
    schema: str = request.getfixturevalue("pg_schema")
    yield url_for("postgres", tmp_path, schema), None, schema


def leaf_table(path: Path | None, schema: str | None) -> list[LeafRow]:
    """Every leaf row, by index, read with the database's own driver."""
    if path is not None:
        with closing(sqlite3.connect(path)) as conn:
            rows = conn.execute(
                f"SELECT * FROM {LEAVES} ORDER BY leaf_index"  # noqa: S608
            ).fetchall()
        return [(int(a), int(b), bytes(c), bytes(d)) for a, b, c, d in rows]
    assert schema is not None
    query = sql.SQL("SELECT * FROM {}.{} ORDER BY leaf_index").format(
        sql.Identifier(schema), sql.Identifier(LEAVES)
    )
    with psycopg.connect(PG_CONNINFO) as conn:
        found = conn.execute(query).fetchall()
    return [(int(a), int(b), bytes(c), bytes(d)) for a, b, c, d in found]


def test_leaves_follow_the_events_across_an_id_gap(
    where: tuple[str, Path | None, str | None],
) -> None:
    """After a failed insert, leaf indexes stay 0..n-1 and match each event's hash."""
    url, path, schema = where
    with Ledger.open(url, master_key=generate_master_key()) as ledger:
        admin = ledger.register_member("Ada Admin", role="staff")
        body = ledger.establish_body("Board", kind="governance", by=admin)
        ledger.assign_seat(body, admin, seat="voting", by=admin)
        proposal = ledger.raise_proposal(
            body, proposers=[admin], title="Ramp", text="Build a ramp."
        )
        recorder = ledger._app.recorder
        clash = recorder.select_events(proposal)[0]
        with pytest.raises(IntegrityError):
            recorder.insert_events([clash])  # same record and version: refused
        # Two events (the request and its link on the proposal) in one insert.
        ledger.request_adjustment(
            admin, code="ER", proposal=proposal, needed_before="vote"
        )
        ledger.comment(proposal, author=admin, text="Yes.", channel="meeting")
        events = recorder.select_notifications(start=1, limit=100)
    leaves = leaf_table(path, schema)
    assert [row[0] for row in leaves] == list(range(len(events)))
    assert [row[1] for row in leaves] == [n.id for n in events]
    for (_, _, hashed, leaf), event in zip(leaves, events, strict=True):
        assert hashed == state_hash(event.state)
        assert leaf == leaf_hash(
            event.originator_id, event.originator_version, event.topic, event.state
        )
    if schema is not None:  # the failed insert used up a PostgreSQL id
        ids = [n.id for n in events]
        assert ids != list(range(ids[0], ids[0] + len(ids)))


def test_one_large_insert_gets_every_leaf(
    where: tuple[str, Path | None, str | None],
) -> None:
    """A single insert of 25,000 events stores them all, each with its leaf in order."""
    url, path, schema = where
    count = 25_000
    events = [
        StoredEvent(uuid4(), 1, "coledger.domain.member:Member.Registered", state)
        for state in (b"%d" % i * 40 for i in range(count))
    ]
    with Ledger.open(url, master_key=generate_master_key()) as ledger:
        ids = ledger._app.recorder.insert_events(events)
    assert ids is not None
    assert len(ids) == count
    assert list(ids) == sorted(ids)
    leaves = leaf_table(path, schema)
    assert [row[0] for row in leaves] == list(range(count))
    assert [row[1] for row in leaves] == list(ids)
    assert leaves[-1][2] == state_hash(events[-1].state)


@pytest.mark.postgres
def test_postgres_insert_waits_for_the_table_lock(
    pg_schema: str, tmp_path: Path
) -> None:
    """A command's insert takes the EXCLUSIVE table lock, so it waits for a reader's.

    ROW SHARE conflicts with EXCLUSIVE but not with a plain insert: only an
    insert that locks the table as eventsourcing does has to wait.
    """
    url = url_for("postgres", tmp_path, pg_schema)
    held = threading.Event()
    hold_for = 1.0

    def hold_lock() -> None:
        with psycopg.connect(PG_CONNINFO) as conn:
            conn.execute(
                sql.SQL("LOCK TABLE {}.{} IN ROW SHARE MODE").format(
                    sql.Identifier(pg_schema), sql.Identifier("coledger_events")
                )
            )
            held.set()
            time.sleep(hold_for)

    with Ledger.open(url, master_key=generate_master_key()) as ledger:
        first = ledger.register_member("Ada")
        holder = threading.Thread(target=hold_lock)
        holder.start()
        assert held.wait(10)
        started = time.monotonic()
        second = ledger.register_member("Bo")
        waited = time.monotonic() - started
        holder.join()
        assert waited >= hold_for / 2
        assert [m.id for m in ledger.members()] == [first, second]
    assert [row[0] for row in leaf_table(None, pg_schema)] == [0, 1]


@pytest.mark.postgres
def test_postgres_ledger_without_leaves_stores_the_same_events(
    pg_schema: str, tmp_path: Path
) -> None:
    """The benchmarks' leaves=False ledger stores and reads events, and no leaves."""
    url = url_for("postgres", tmp_path, pg_schema)
    with Ledger(parse_url(url), generate_master_key(), leaves=False) as ledger:
        admin = ledger.register_member("Ada Admin", role="staff")
        body = ledger.establish_body("Board", kind="governance", by=admin)
        proposal = ledger.raise_proposal(
            body, proposers=[admin], title="Ramp", text="Build a ramp."
        )
        ledger.request_adjustment(
            admin, code="ER", proposal=proposal, needed_before="vote"
        )
        assert ledger.position == 5
        assert ledger.proposal(proposal).adjustments
        assert [r.position for r in ledger.history()] == [1, 2, 3, 4, 5]
    with psycopg.connect(PG_CONNINFO) as conn:
        row = conn.execute(
            "SELECT to_regclass(%s)", (f'"{pg_schema}".{LEAVES}',)
        ).fetchone()
    assert row == (None,)
