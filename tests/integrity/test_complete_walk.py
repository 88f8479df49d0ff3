"""Every row of the leaf and event tables is accounted for, or the log fails.

The verifier walks the leaves a page at a time by leaf number. A row that
shares its number with another, or has none, or an event row that shares its
notification id with another, can fall between two pages; so can rows that
PostgreSQL's row security hides from the auditor's role. Each such forged row
once let a forged event pass as VERIFIED. The pages here are five leaves long
(the ledger holds fifteen), so the boundaries fall inside the story.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import psycopg
import pytest

from coledger import Ledger
from coledger.integrity import source as source_module
from coledger.integrity.source import AuditSource, open_source
from coledger.integrity.verify import FAILED, Report, verify
from conftest import PG_CONNINFO
from integrity_helpers import (
    BOTH,
    REGISTERED_TOPIC,
    STORY_SIZE,
    EventRow,
    Raw,
    Scene,
    audit,
    build,
    build_on,
    tampering,
)

PAGE = 5
BOUNDARY = PAGE - 1
"""The last leaf of the first page."""


@pytest.fixture(params=BOTH)
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Scene:
    """A signed fifteen-event ledger on a SQLite file and on PostgreSQL."""
    return build_on(request, tmp_path)


def paged_audit(scene: Scene) -> Report:
    """The auditor's verify with pages of five leaves."""
    with mock.patch.object(source_module, "PAGE", PAGE):
        return audit(scene)


def forge(raw: Raw) -> EventRow:
    """Store a forged registration with no leaf, as an attacker's SQL would."""
    record = uuid.uuid4()
    state = raw.event_at(2).state
    nid = raw.insert_event(record, 1, REGISTERED_TOPIC, state)
    return EventRow(nid, record, 1, REGISTERED_TOPIC, state)


@pytest.mark.parametrize("page", [PAGE, 2000], ids=["at a page boundary", "in a page"])
def test_a_leaf_number_used_twice_fails(scene: Scene, page: int) -> None:
    """A second leaf numbered like the last of a page cannot cover a forged event."""
    with tampering(scene) as raw:
        raw.loosen_leaves()
        raw.insert_leaf(BOUNDARY, forge(raw))
    with mock.patch.object(source_module, "PAGE", page):
        report = audit(scene)
    assert report.status == FAILED
    if page == PAGE:  # never walked: the leaf count and the event count both differ
        assert report.counts == {"UNREAD_ROWS": 2}
    else:
        assert "LEDGER_GAP" in report.counts


def test_a_leaf_with_no_number_fails(scene: Scene) -> None:
    """A leaf numbered NULL (last in PostgreSQL's order, first in SQLite's) is found."""
    with tampering(scene) as raw:
        raw.loosen_leaves()
        raw.insert_leaf(None, forge(raw))  # type: ignore[arg-type]
    report = paged_audit(scene)
    assert report.status == FAILED
    assert "UNREAD_ROWS" in report.counts or "LEDGER_GAP" in report.counts
    if scene.backend == "postgres":  # never walked: both counts differ
        assert report.counts == {"UNREAD_ROWS": 2}


@pytest.mark.postgres
def test_an_event_row_sharing_a_notification_id_fails(
    tmp_path: Path, pg_schema: str
) -> None:
    """A forged event sharing a genuine one's notification id fails, page cut or not."""
    scene = build("postgres", tmp_path, pg_schema)
    with tampering(scene) as raw:
        raw.run("DROP INDEX {schema}.coledger_events_notification_id_idx")
        raw.run("ALTER TABLE {events} DROP CONSTRAINT coledger_events_pkey")
        genuine = raw.event_at(BOUNDARY)
        raw.insert_event(
            uuid.uuid4(), 1, REGISTERED_TOPIC, genuine.state, nid=genuine.nid
        )
    report = paged_audit(scene)
    assert report.status == FAILED
    assert report.counts == {"UNREAD_ROWS": 1}  # every leaf read; one event never


@pytest.fixture
def auditor_role() -> Iterator[str]:
    """A PostgreSQL login role for an auditor, dropped after the test."""
    role = f"auditor_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    yield role
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'DROP OWNED BY "{role}"')
        conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["events", "leaves"])
def test_row_security_that_hides_rows_from_the_auditor_fails(
    tmp_path: Path, pg_schema: str, auditor_role: str, table: str
) -> None:
    """Row security on either table makes the verdict FAILED, whatever is shown."""
    scene = build("postgres", tmp_path, pg_schema)
    with tampering(scene) as raw:
        raw.run(f'GRANT USAGE ON SCHEMA {{schema}} TO "{auditor_role}"')
        raw.run(f'GRANT SELECT ON {{events}}, {{leaves}} TO "{auditor_role}"')
        forged = forge(raw)
        raw.run(f"ALTER TABLE {{{table}}} ENABLE ROW LEVEL SECURITY")
        raw.run(
            f"CREATE POLICY hide ON {{{table}}} USING "
            f"(current_user <> '{auditor_role}' OR notification_id <> {forged.nid})"
        )
    as_owner = audit(scene)
    assert as_owner.status == FAILED
    assert "HIDDEN_ROWS" in as_owner.counts
    auditor = dataclasses.replace(
        scene, url=scene.url.replace("postgres@", f"{auditor_role}@")
    )
    as_auditor = audit(auditor)
    assert as_auditor.status == FAILED
    assert as_auditor.counts.get("HIDDEN_ROWS") == 1
    if table == "events":  # the forged event itself is out of the auditor's sight
        assert "UNLEDGERED_EVENT" not in as_auditor.counts


def view_in_place_of(raw: Raw, table: str, hidden: int) -> None:
    """Rename a log table and put a view of its rows, but *hidden*, in its place."""
    real = f"real_{table}"
    raw.run(f"ALTER TABLE {{{table}}} RENAME TO {real}")
    if raw.backend == "sqlite" and table == "events":
        # The view names its notification id column rowid, as the table does.
        columns = "rowid, originator_id, originator_version, topic, state"
        raw.run(
            f"CREATE VIEW {{events}} ({columns}) AS SELECT {columns} "  # noqa: S608
            f"FROM {real} WHERE rowid <> {hidden}"
        )
    else:
        raw.run(
            f"CREATE VIEW {{{table}}} AS SELECT * FROM {{schema}}.{real} "  # noqa: S608
            f"WHERE notification_id <> {hidden}"
        )


@pytest.mark.parametrize("table", ["events", "leaves"])
def test_a_view_in_place_of_a_log_table_fails(scene: Scene, table: str) -> None:
    """A view in place of either log table makes the verdict FAILED, whatever it shows.

    A view's rows are what its query makes them, and on SQLite the query can
    tell one reader from another (by the file's path, say: a plain copy given
    to an auditor can show other rows than the ledger's own file).
    """
    with tampering(scene) as raw:
        forged = forge(raw)
        view_in_place_of(raw, table, forged.nid)
    report = audit(scene)
    assert report.status == FAILED
    assert report.counts.get("HIDDEN_ROWS") == 1
    name = {"events": "coledger_events", "leaves": "coledger_leaves"}[table]
    if scene.backend == "sqlite" and table == "events":
        name = "stored_events"
    [hidden] = [f.detail for f in report.findings if f.code == "HIDDEN_ROWS"]
    assert hidden.startswith(f"{name} is not a plain table")
    if table == "events":  # the view hides the forged event from every other check
        assert "UNLEDGERED_EVENT" not in report.counts


def test_a_view_in_place_of_the_leaf_table_is_not_read_nor_called_gone(
    scene: Scene,
) -> None:
    """A view in place of the leaf table is HIDDEN_ROWS alone, never MISSING_LEAVES.

    The leaves are there, behind the view: telling the auditor that the hash
    chain was removed whole (and to treat every event as unproven) would be
    false; and the view's rows are whatever its query makes them, so it is
    not walked.
    """
    with tampering(scene) as raw:
        forged = forge(raw)
        view_in_place_of(raw, "leaves", forged.nid)
    report = audit(scene)
    assert report.status == FAILED
    assert report.counts == {"HIDDEN_ROWS": 1}
    assert report.size == 0


def test_events_stored_during_a_verification_are_not_miscounted(scene: Scene) -> None:
    """Walk and counts read one snapshot: events stored mid-walk are in neither."""

    class Interrupted:
        """The real source, with a writer storing events after the first page."""

        def __init__(self, inner: AuditSource) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def leaf_pages(self) -> Iterator[object]:
            pages = self.inner.leaf_pages()
            yield next(pages)
            with Ledger.open(scene.url) as writer:
                for i in range(7):
                    writer.register_member(f"Late {i}")
            yield from pages

    with mock.patch.object(source_module, "PAGE", PAGE):
        source = open_source(scene.url)
        try:
            report = verify(Interrupted(source), scene.verifier, scene.notes)  # type: ignore[arg-type]
        finally:
            source.close()
    assert report.counts == {}
    assert report.size == STORY_SIZE
    with mock.patch.object(source_module, "PAGE", PAGE):
        assert audit(scene).counts == {"UNANCHORED": 1}  # the new events, now seen


@pytest.mark.parametrize("table", ["stored_events", "coledger_leaves"])
def test_a_virtual_table_in_place_of_a_log_table_fails(
    tmp_path: Path, table: str
) -> None:
    """A virtual table reading a view that hides a forged event is HIDDEN_ROWS.

    SQLite lists a virtual table as a table, yet its rows are whatever its
    module makes them: FTS5's "external content" reads them from any view.
    """
    scene = build("sqlite", tmp_path)
    with tampering(scene) as raw:
        forged = forge(raw)
        columns = [r[1] for r in raw.run(f"PRAGMA table_info({table})")]
        listed = ", ".join(columns)
        raw.run(f"ALTER TABLE {table} RENAME TO real")
        raw.run(
            f"CREATE VIEW shown AS SELECT rowid AS rid, {listed} FROM real "  # noqa: S608
            f"WHERE rowid <> {forged.nid}"
        )
        raw.run(
            f"CREATE VIRTUAL TABLE {table} USING fts5({listed}, "
            "content='shown', content_rowid='rid')"
        )
    report = audit(scene)
    assert report.status == FAILED
    [hidden] = [f.detail for f in report.findings if f.code == "HIDDEN_ROWS"]
    assert hidden == (
        f"{table} is not a plain table (a virtual table): the log is not read "
        "through it"
    )


@pytest.mark.parametrize("table", ["stored_events", "coledger_leaves"])
def test_a_view_whose_rows_never_end_is_failed_without_reading_it(
    tmp_path: Path, table: str
) -> None:
    """A log table replaced by a view of endless rows is FAILED at once, not walked."""
    scene = build("sqlite", tmp_path)
    with tampering(scene) as raw:
        columns = [r[1] for r in raw.run(f"PRAGMA table_info({table})")]
        raw.run(f"ALTER TABLE {table} RENAME TO real")
        values = ", ".join(
            "n" if column in {"leaf_index", "originator_version"} else "n + 1"
            for column in columns
        )
        named = ", ".join(["rowid", *columns] if table == "stored_events" else columns)
        raw.run(
            f"CREATE VIEW {table} ({named}) AS WITH RECURSIVE c(n) AS "  # noqa: S608
            f"(SELECT 0 UNION ALL SELECT n + 1 FROM c) SELECT "
            f"{'n + 1, ' if table == 'stored_events' else ''}{values} FROM c"
        )
    source = open_source(scene.url)
    stop = threading.Timer(10, source._conn.interrupt)  # type: ignore[attr-defined]
    stop.start()
    try:
        report = verify(source, scene.verifier, scene.notes)
    finally:
        stop.cancel()
        source.close()
    assert report.status == FAILED
    assert set(report.counts) == {"HIDDEN_ROWS"}


@pytest.mark.parametrize(
    ("table", "column"), [("stored_events", "state"), ("coledger_leaves", "leaf_hash")]
)
def test_a_column_worked_out_as_it_is_read_is_failed_without_reading_it(
    tmp_path: Path, table: str, column: str
) -> None:
    """A log column made a VIRTUAL generated column is FAILED at once, not read.

    Its values are worked out as each row is read, not stored: a gigabyte of
    zeros a row, say, for a file of a few kilobytes, which a page of rows
    would try to hold in memory.
    """
    scene = build("sqlite", tmp_path)
    with tampering(scene) as raw:
        sql = raw.run("SELECT sql FROM sqlite_master WHERE name = ?", (table,))[0][0]
        raw.run(f"ALTER TABLE {table} RENAME TO real")
        made = re.sub(
            rf"\b{column}\b\s+\w+(\s+NOT NULL)?",
            f"{column} BLOB GENERATED ALWAYS AS (zeroblob(64)) VIRTUAL",
            sql,
            count=1,
        )
        kept = [r[1] for r in raw.run("PRAGMA table_info(real)") if r[1] != column]
        raw.run(made)
        names = ", ".join(kept)
        raw.run(f"INSERT INTO {table} ({names}) SELECT {names} FROM real")  # noqa: S608
        raw.run("DROP TABLE real")
    report = audit(scene)
    assert report.status == FAILED
    assert set(report.counts) == {"HIDDEN_ROWS"}
    assert any(column in f.detail for f in report.findings)
