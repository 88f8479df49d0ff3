"""Read-only access to a ledger's leaves and stored events, with no keys at all.

The verifier reads rows exactly as stored, in leaf order, one page at a time, so
its memory stays bounded however long the log is. Rows are handed over raw:
an attacker may have written any type into any column, and the verifier, not
this module, decides what is malformed.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from coledger.errors import (
    DatabaseLockedError,
    InvalidInputError,
    ProofError,
    StorageError,
)
from coledger.integrity.recorders import CHECKPOINTS, LEAVES
from coledger.storage import (
    PG_EVENTS_TABLE,
    ClosedOnExit,
    StorageConfig,
    lock_refused,
    parse_url,
)

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent

    from coledger.integrity.recorders import LeafPOPORecorder

PAGE = 2000
HASH = 32
LISTED = 10_000
"""Unledgered events read in full; beyond this many they are only counted."""
LOG_TABLES = ("stored_events", LEAVES)
"""A SQLite ledger's events and leaves: the log the verifier reads."""
FILE_PROBLEMS = 10
"""Problems of SQLite's own integrity check reported per table, at most."""


def _window(
    after: Any, below: int | None, *, started: bool, mark: str
) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause and parameters of one page of leaves, by keyset.

    The audit's walk (no *below*) has no bounds but the last index seen: a
    negative index, one beyond any real position, or (in a table rebuilt
    without its integer key) text, which SQLite orders after every number,
    is walked and judged like any other row, never skipped. Reading the first
    *below* leaves for a tree keeps to 0 .. below - 1.
    """
    terms: list[str] = []
    params: list[Any] = []
    if started or below is not None:
        terms.append(f"l.leaf_index > {mark}")
        params.append(after if started else -1)
    if below is not None:
        terms.append(f"l.leaf_index < {mark}")
        params.append(below)
    return ("WHERE " + " AND ".join(terms) + " " if terms else ""), tuple(params)


_JOIN = f"{LEAVES} l LEFT JOIN stored_events e ON e.rowid = l.notification_id"
_EVENT_COLUMNS = "e.rowid, e.originator_id, e.originator_version, e.topic, e.state"
_EVENT_TYPED = (
    "typeof(e.state) = 'blob' AND typeof(e.topic) = 'text' "
    "AND typeof(e.originator_id) = 'text' "
    "AND typeof(e.originator_version) = 'integer'"
)
_NO_EVENT = "NULL, NULL, NULL, NULL, NULL"
"""The event columns of a leaf whose ledger has no events table left."""


@attrs.frozen
class LeafRow:
    """One leaf and the event row its notification id points at (None if absent)."""

    leaf_index: Any
    notification_id: Any
    state_hash: Any
    leaf_hash: Any
    event: EventRow | None
    typed: bool = True
    """False when the database says a column holds the wrong storage type."""


@attrs.frozen
class EventRow:
    """One stored event row, as raw as the database gives it."""

    notification_id: Any
    originator_id: Any
    originator_version: Any
    topic: Any
    state: Any
    typed: bool = True
    """False when the database says a column holds the wrong storage type."""


@attrs.frozen
class RawPage:
    """A page of leaf rows exactly as SQLite returned them, as plain tuples.

    Each row is (leaf_index, notification_id, state_hash, leaf_hash, event
    rowid, originator_id, originator_version, topic, state), the event's columns
    None when its row is gone. The page is only built when every text value
    decoded as UTF-8, so each value's Python type is its SQLite storage class:
    int, float, str, bytes or None. That is what lets ``leaf_row`` give the
    ``typed`` flags that the row-by-row query asks SQLite for.
    """

    rows: list[tuple[Any, ...]]

    def leaf_row(self, position: int) -> LeafRow:
        """Row *position* of the page as ``leaf_rows`` would have given it."""
        row = self.rows[position]
        index, nid, hashed, leaf, rowid, oid, version, topic, state = row
        event = None
        if rowid is not None:
            event = EventRow(
                rowid,
                oid,
                version,
                topic,
                state,
                type(state) is bytes
                and type(topic) is str
                and type(oid) is str
                and type(version) is int,
            )
        return LeafRow(
            index,
            nid,
            hashed,
            leaf,
            event,
            type(hashed) is bytes and type(leaf) is bytes,
        )


class AuditSource(ClosedOnExit, ABC):
    """Where the verifier reads leaves and events from."""

    @abstractmethod
    def leaf_rows(self, below: int | None = None) -> Iterator[LeafRow]:
        """Leaves in leaf-index order (those under *below* when given), with events."""

    def leaf_pages(self) -> Iterator[RawPage | list[LeafRow]]:
        """Every leaf in leaf-index order, with its event, a page at a time.

        The same rows as ``leaf_rows()``; a source may hand some pages over raw.
        """
        page: list[LeafRow] = []
        for row in self.leaf_rows():
            page.append(row)
            if len(page) == PAGE:
                yield page
                page = []
        if page:
            yield page

    @abstractmethod
    def unledgered(self) -> Iterator[EventRow]:
        """Event rows that no leaf points at."""

    def unledgered_count(self) -> int | None:
        """How many event rows no leaf points at, where ``unledgered`` stops short.

        None from a source whose ``unledgered`` lists every such row.
        """
        return None

    @abstractmethod
    def size(self) -> int:
        """One more than the largest leaf index (0 when empty)."""

    @abstractmethod
    def event_count(self) -> int:
        """How many event rows there are."""

    @abstractmethod
    def leaf_count(self) -> int:
        """How many leaf rows there are, whatever their indexes."""

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """Every read inside sees the same committed state of the database.

        A verification counts rows as well as walking them, so a writer that
        commits between the walk and the counts must not be seen by one and
        not the other.
        """
        return contextlib.nullcontext()

    def hiding(self) -> list[str]:
        """Why the database might hide rows of the two tables from this reader."""
        return []

    def leaves_dropped(self) -> bool:
        """Whether the events table is there but the leaf table is not.

        A ledger always has both: this is the hash chain removed whole.
        """
        return False

    def events_dropped(self) -> bool:
        """Whether the leaf table is there but the events table is not.

        The mirror of ``leaves_dropped``: every event removed at once. The
        source then gives each leaf with no event, and counts no event rows.
        """
        return False

    def file_damage(self) -> list[str]:
        """What SQLite's own integrity check finds wrong in the log's tables.

        Only a SQLite file has one to run: other sources refuse.
        """
        raise InvalidInputError(
            "check_file runs SQLite's own integrity check, so it needs a SQLite "
            "ledger file (on PostgreSQL, the amcheck extension checks indexes)"
        )

    @abstractmethod
    def leaf_index_of(self, notification_id: int) -> int | None:
        """The leaf index that points at a notification id."""

    @abstractmethod
    def store_checkpoint(self, size: int, note: str) -> None:
        """Keep a copy of a published checkpoint (for convenience, never trusted)."""

    @abstractmethod
    def stored_checkpoints(self) -> list[str]:
        """The checkpoint copies kept in the database, oldest first."""

    def locate(self, originator_id: UUID, version: int) -> int | None:
        """The leaf index of one stored event, by its id and version."""
        for row in self.leaf_rows():
            event = row.event
            if (
                event is not None
                and event.originator_version == version
                and str(event.originator_id).replace("-", "") == originator_id.hex
            ):
                return int(row.leaf_index)
        return None

    def leaf_hashes(self, size: int) -> list[bytes]:
        """The stored leaf hashes of the first *size* leaves."""
        return list(self.iter_leaf_hashes(size))

    def iter_leaf_hashes(self, size: int) -> Iterator[bytes]:
        """The stored leaf hashes of the first *size* leaves, a page at a time.

        ProofError MALFORMED_ROW at a hash that is not 32 bytes: no tree or
        proof can be built on it (``verify`` reports the row).
        """
        return (_stored_hash(row) for row in self.leaf_rows(below=size))


def _stored_hash(row: LeafRow) -> bytes:
    """The leaf hash of *row* as bytes; ProofError if it is not 32 bytes."""
    value = row.leaf_hash
    if isinstance(value, bytes | bytearray | memoryview) and len(value) == HASH:
        return bytes(value)
    raise ProofError(
        "MALFORMED_ROW",
        f"leaf {row.leaf_index!r} holds no 32-byte hash "
        "(coledger verify shows what changed)",
    )


def _text(data: bytes) -> str | bytes:
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


_VIRTUAL = re.compile(r"\s*CREATE\s+VIRTUAL\b", re.IGNORECASE)


_VIRTUAL_GENERATED = 2
"""``PRAGMA table_xinfo``'s ``hidden`` for a VIRTUAL generated column."""


def _kind(kind: Any, rootpage: Any, sql: Any) -> str:
    """What a schema entry is: its type, or ``virtual table`` for one of those.

    A plain table has pages of its own; a virtual table has none (rootpage
    0) and is made by ``CREATE VIRTUAL TABLE``.
    """
    if kind != "table":
        return str(kind)
    virtual = rootpage == 0 or (isinstance(sql, str) and _VIRTUAL.match(sql))
    return "virtual table" if virtual else "table"


class SQLiteSource(AuditSource):
    """A SQLite ledger file, opened read-only unless checkpoints are written."""

    def __init__(
        self, path: Path, *, writable: bool = False, lock_timeout: float = 30.0
    ) -> None:
        if not path.exists():
            raise StorageError(f"no ledger file at {path}")
        mode = "rw" if writable else "ro"
        self._path = path
        self._lock_timeout = lock_timeout
        try:
            # as_uri escapes the name: a '#', '?' or '%20' in it is the file's own
            self._conn = sqlite3.connect(
                f"{path.absolute().as_uri()}?mode={mode}",
                uri=True,
                check_same_thread=False,
                # A checkpoint's copy waits for another writer as events do.
                timeout=lock_timeout,
            )
        except sqlite3.Error as error:
            raise StorageError(f"cannot read the ledger {path}: {error}") from error
        try:
            # Text that is not UTF-8 (an attacker can write any bytes) comes back
            # as bytes for the verifier to judge, instead of failing the query.
            self._conn.text_factory = _text
            # Nothing at all (no table, nor a view) by the events table's name,
            # beside a leaf table: the events were dropped, the chain kept.
            events, leaves = (
                self._named("stored_events", "view"),
                self._named(LEAVES, "view"),
            )
            self._events_gone = not events and leaves
            if not events and not leaves:
                self._refuse_log_gone(path)
            if not self._events_gone:
                self._conn.execute("SELECT 1 FROM stored_events LIMIT 1")
            # Likewise a view by the leaf table's name is no dropped table: it
            # is walked, and reported as HIDDEN_ROWS, as on PostgreSQL.
            self._dropped = not self._events_gone and not self._named(LEAVES, "view")
            if not self._dropped:
                self._conn.execute(f"SELECT 1 FROM {LEAVES} LIMIT 1")  # noqa: S608
        except sqlite3.Error as error:
            # No source is returned, so no one else could close the connection.
            self._conn.close()
            raise StorageError(f"cannot read the ledger {path}: {error}") from error

    def _refuse_log_gone(self, path: Path) -> None:
        """StorageError if a ledger's checkpoints table is there, but no log.

        Both log tables dropped (or the drop still in the ``-wal`` file): the
        message says so rather than 'no such table'.
        """
        if self._named(CHECKPOINTS):
            from coledger._core import lost_log  # noqa: PLC0415 (import cycle)

            self._conn.close()
            raise StorageError(lost_log(path))

    def _named(self, name: str, also: str = "table") -> bool:
        """Whether the file holds a table (or an *also*) called *name*.

        SQLite compares names without regard to case, as the ledger's own
        statements do: COLEDGER_LEAVES is still its leaf table.
        """
        return bool(
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type IN ('table', ?) "
                "AND name = ? COLLATE NOCASE",
                (also, name),
            ).fetchall()
        )

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise StorageError(str(error)) from error

    def _leaves_with_events(self) -> tuple[str, str, str]:
        """The FROM clause, event columns and event type check of the leaf walk.

        With the events table gone, each leaf comes alone, its event NULL.
        """
        if self._events_gone:
            return f"{LEAVES} l", _NO_EVENT, "NULL"
        return _JOIN, _EVENT_COLUMNS, _EVENT_TYPED

    def _leaf_page(
        self, after: Any, below: int | None, *, started: bool
    ) -> list[LeafRow]:
        where, params = _window(after, below, started=started, mark="?")
        joined, events, typed = self._leaves_with_events()
        rows = self._query(
            f"SELECT l.leaf_index, l.notification_id, l.state_hash, l.leaf_hash, "  # noqa: S608
            f"{events}, "
            f"typeof(l.state_hash) = 'blob' AND typeof(l.leaf_hash) = 'blob', "
            f"{typed} "
            f"FROM {joined} {where}ORDER BY l.leaf_index LIMIT {PAGE}",
            params,
        )
        return [
            LeafRow(
                r[0],
                r[1],
                r[2],
                r[3],
                None
                if r[4] is None
                else EventRow(r[4], r[5], r[6], r[7], r[8], bool(r[10])),
                bool(r[9]),
            )
            for r in rows
        ]

    def leaf_rows(self, below: int | None = None) -> Iterator[LeafRow]:
        """Leaves joined to their events, a page at a time."""
        after: Any = None
        started = False
        while True:
            page = self._leaf_page(after, below, started=started)
            yield from page
            if len(page) < PAGE:
                return
            after, started = page[-1].leaf_index, True

    def _raw_page(self, after: Any, *, started: bool) -> RawPage | None:
        """The next page as plain tuples; None if a text value is not UTF-8."""
        where, params = _window(after, None, started=started, mark="?")
        joined, events, _ = self._leaves_with_events()
        try:
            self._conn.text_factory = str
            return RawPage(
                self._conn.execute(
                    f"SELECT l.leaf_index, l.notification_id, l.state_hash, "  # noqa: S608
                    f"l.leaf_hash, {events} FROM {joined} "
                    f"{where}ORDER BY l.leaf_index LIMIT {PAGE}",
                    params,
                ).fetchall()
            )
        except sqlite3.Error:
            return None
        finally:
            self._conn.text_factory = _text

    def leaf_pages(self) -> Iterator[RawPage | list[LeafRow]]:
        """The pages of ``leaf_rows()``, raw unless a text value is not UTF-8.

        A raw page skips the per-value text conversion and the typeof columns.
        A page holding text that is not UTF-8 cannot be read that way; it is
        read again with the conversion, exactly as ``leaf_rows()`` reads it.
        """
        after: Any = None
        started = False
        while True:
            raw = self._raw_page(after, started=started)
            if raw is not None:
                yield raw
                size, last = len(raw.rows), raw.rows[-1][0] if raw.rows else None
            else:
                page = self._leaf_page(after, None, started=started)
                yield page
                size, last = len(page), page[-1].leaf_index if page else None
            if size < PAGE:
                return
            after, started = last, True

    def unledgered(self) -> Iterator[EventRow]:
        """Events whose rowid no leaf names (none when the events table is gone)."""
        if self._events_gone:
            return
        rows = self._query(
            f"SELECT e.rowid, e.originator_id, e.originator_version, e.topic, e.state "  # noqa: S608
            f"FROM stored_events e WHERE NOT EXISTS (SELECT 1 FROM {LEAVES} l "
            f"WHERE l.notification_id = e.rowid) ORDER BY e.rowid LIMIT {LISTED}"
        )
        for r in rows:
            yield EventRow(*r)

    def unledgered_count(self) -> int:
        """How many event rows no leaf points at."""
        if self._events_gone:
            return 0
        rows = self._query(
            f"SELECT COUNT(*) FROM stored_events e WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {LEAVES} l WHERE l.notification_id = e.rowid)"
        )
        return int(rows[0][0])

    def locate(self, originator_id: UUID, version: int) -> int | None:
        """The leaf index of one stored event, by its id and version."""
        if self._events_gone:
            return None
        rows = self._query(
            f"SELECT l.leaf_index FROM stored_events e JOIN {LEAVES} l "  # noqa: S608
            "ON l.notification_id = e.rowid "
            "WHERE e.originator_id = ? AND e.originator_version = ?",
            (originator_id.hex, version),
        )
        return int(rows[0][0]) if rows else None

    def size(self) -> int:
        """One more than the largest leaf index."""
        head = self._query(f"SELECT MAX(leaf_index) FROM {LEAVES}")[0][0]  # noqa: S608
        return 0 if head is None else int(head) + 1

    def event_count(self) -> int:
        """How many event rows there are (none when the events table is gone)."""
        if self._events_gone:
            return 0
        return int(self._query("SELECT COUNT(*) FROM stored_events")[0][0])

    def leaf_count(self) -> int:
        """How many leaf rows there are."""
        return int(self._query(f"SELECT COUNT(*) FROM {LEAVES}")[0][0])  # noqa: S608

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: in WAL mode its reads share one snapshot."""
        self._query("BEGIN")  # deferred: the first read fixes the snapshot
        try:
            yield
        finally:
            self._conn.rollback()

    def leaves_dropped(self) -> bool:
        """Whether the events table is there but the leaf table is not."""
        return self._dropped

    def events_dropped(self) -> bool:
        """Whether the leaf table is there but the events table is not."""
        return self._events_gone

    def hiding(self) -> list[str]:
        """A log table that is a view or a virtual table, not a plain table.

        A view's rows are what its query makes them, and the query can tell one
        reader from another (by the file's path, say, so that a plain copy
        given to an auditor shows other rows than the ledger's own file). So
        are a virtual table's, which SQLite lists as a table: FTS5's external
        content, for one, reads its rows from any view.
        """
        rows = self._query(
            "SELECT name, type, rootpage, sql FROM sqlite_master "
            "WHERE lower(name) IN (?, ?) ORDER BY name",
            LOG_TABLES,
        )
        found = []
        for name, kind, rootpage, sql in rows:
            made = _kind(kind, rootpage, sql)
            if made != "table":
                found.append(f"{name} is not a plain table (a {made})")
                continue
            # A VIRTUAL generated column is worked out as each row is read, not
            # stored: a gigabyte a row for a file of kilobytes, say.
            found += [
                f"{name}.{column} is not stored but worked out as it is read "
                "(a virtual generated column)"
                for column, hidden in self._query(
                    "SELECT name, hidden FROM pragma_table_xinfo(?)", (name,)
                )
                if hidden == _VIRTUAL_GENERATED
            ]
        return found

    def file_damage(self) -> list[str]:
        """The first problems ``PRAGMA integrity_check`` finds in either log table.

        Each table is checked with its indexes; ``ok`` means none was found.
        A table that is gone has nothing to check (``verify`` reports it).
        """
        found: list[str] = []
        gone = {"stored_events": self._events_gone, LEAVES: self._dropped}
        for table in (table for table in LOG_TABLES if not gone[table]):
            rows = self._query(f"PRAGMA integrity_check({table})")
            found += [
                f"{table}: {row[0]}" for row in rows[:FILE_PROBLEMS] if row[0] != "ok"
            ]
        return found

    def leaf_index_of(self, notification_id: int) -> int | None:
        """The leaf index pointing at a notification id."""
        rows = self._query(
            f"SELECT leaf_index FROM {LEAVES} WHERE notification_id = ?",  # noqa: S608
            (notification_id,),
        )
        return int(rows[0][0]) if rows else None

    def store_checkpoint(self, size: int, note: str) -> None:
        """Keep a copy of a checkpoint.

        DatabaseLockedError if another process held the file's write lock for
        all of the lock wait: the copy is not stored, as an event would not be.
        """
        try:
            with self._conn:
                self._conn.execute(
                    f"INSERT INTO {CHECKPOINTS} (size, note) VALUES (?, ?)",  # noqa: S608
                    (size, note),
                )
        except sqlite3.Error as error:
            if lock_refused(error):
                where = str(self._path)
                raise DatabaseLockedError(where, self._lock_timeout) from error
            raise StorageError(str(error)) from error

    def stored_checkpoints(self) -> list[str]:
        """The kept copies, oldest first."""
        rows = self._query(f"SELECT note FROM {CHECKPOINTS} ORDER BY rowid")  # noqa: S608
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class PostgresSource(AuditSource):
    """A PostgreSQL ledger schema, read through its own connection."""

    def __init__(self, conninfo: str, schema: str | None) -> None:
        import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
        from psycopg import sql  # noqa: PLC0415

        self._psycopg = psycopg
        self._sql = sql
        self._schema_name = schema or "public"
        self._schema = sql.Identifier(self._schema_name)
        try:
            self._conn = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as error:
            raise StorageError(f"cannot reach PostgreSQL: {error}") from error
        # Every table is named with its schema, but operators and functions
        # ('=', count) are looked up on the search path, which the database's
        # owner can set for the auditor's role: theirs could then come before
        # pg_catalog's and choose what the walk and the counts see.
        try:
            self._query("SET search_path = pg_catalog")
        except StorageError:
            self._conn.close()
            raise

    def _query(self, text: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        statement = self._sql.SQL(text).format(
            s=self._schema,
            events=self._sql.Identifier(PG_EVENTS_TABLE),
            leaves=self._sql.Identifier(LEAVES),
            checkpoints=self._sql.Identifier(CHECKPOINTS),
        )
        try:
            cursor = self._conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []
        except self._psycopg.Error as error:
            raise StorageError(str(error)) from error

    def leaf_rows(self, below: int | None = None) -> Iterator[LeafRow]:
        """Leaves joined to their events, a page at a time.

        With the events table gone, each leaf comes alone, its event None.
        """
        joined = (
            f"{_NO_EVENT} FROM {{s}}.{{leaves}} l "
            if self.events_dropped()
            else "e.notification_id, e.originator_id, e.originator_version, "
            "e.topic, e.state FROM {s}.{leaves} l LEFT JOIN {s}.{events} e "
            "ON e.notification_id = l.notification_id "
        )
        after: Any = None
        started = False
        while True:
            where, params = _window(after, below, started=started, mark="%s")
            rows = self._query(
                "SELECT l.leaf_index, l.notification_id, l.state_hash, l.leaf_hash, "
                f"{joined}{where}ORDER BY l.leaf_index LIMIT {PAGE}",
                params,
            )
            for r in rows:
                event = None if r[4] is None else EventRow(r[4], r[5], r[6], r[7], r[8])
                yield LeafRow(r[0], r[1], r[2], r[3], event)
            if len(rows) < PAGE:
                return
            after, started = rows[-1][0], True

    def unledgered(self) -> Iterator[EventRow]:
        """Events whose notification id no leaf names (none if the table is gone)."""
        if self.events_dropped():
            return
        rows = self._query(
            "SELECT e.notification_id, e.originator_id, e.originator_version, "  # noqa: S608 (names composed by psycopg)
            "e.topic, e.state FROM {s}.{events} e WHERE NOT EXISTS (SELECT 1 FROM "
            "{s}.{leaves} l WHERE l.notification_id = e.notification_id) "
            f"ORDER BY e.notification_id LIMIT {LISTED}"
        )
        for r in rows:
            yield EventRow(*r)

    def unledgered_count(self) -> int:
        """How many event rows no leaf points at."""
        if self.events_dropped():
            return 0
        rows = self._query(
            "SELECT COUNT(*) FROM {s}.{events} e WHERE NOT EXISTS (SELECT 1 FROM "
            "{s}.{leaves} l WHERE l.notification_id = e.notification_id)"
        )
        return int(rows[0][0])

    def locate(self, originator_id: UUID, version: int) -> int | None:
        """The leaf index of one stored event, by its id and version."""
        if self.events_dropped():
            return None
        rows = self._query(
            "SELECT l.leaf_index FROM {s}.{events} e JOIN {s}.{leaves} l "
            "ON l.notification_id = e.notification_id "
            "WHERE e.originator_id = %s AND e.originator_version = %s",
            (originator_id, version),
        )
        return int(rows[0][0]) if rows else None

    def size(self) -> int:
        """One more than the largest leaf index."""
        head = self._query("SELECT MAX(leaf_index) FROM {s}.{leaves}")[0][0]
        return 0 if head is None else int(head) + 1

    def event_count(self) -> int:
        """How many event rows there are (none when the events table is gone)."""
        if self.events_dropped():
            return 0
        return int(self._query("SELECT COUNT(*) FROM {s}.{events}")[0][0])

    def leaf_count(self) -> int:
        """How many leaf rows there are."""
        return int(self._query("SELECT COUNT(*) FROM {s}.{leaves}")[0][0])

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """One REPEATABLE READ transaction: every read sees one snapshot."""
        self._query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            self._query("ROLLBACK")

    def leaves_dropped(self) -> bool:
        """Whether the events table is there but the leaf table is not."""
        events, leaves = self._present()
        return events and not leaves

    def events_dropped(self) -> bool:
        """Whether the leaf table is there but the events table is not."""
        events, leaves = self._present()
        return leaves and not events

    def _present(self) -> tuple[bool, bool]:
        """Whether the events table and the leaf table are there (or views)."""
        rows = self._query(
            "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
            (
                self._qualified(PG_EVENTS_TABLE),
                self._qualified(LEAVES),
            ),
        )
        events, leaves = rows[0]
        return bool(events), bool(leaves)

    def _qualified(self, table: str) -> str:
        """*table* in this source's schema, quoted as to_regclass reads it."""
        quote = self._sql.Identifier
        return f"{quote(self._schema_name).as_string()}.{quote(table).as_string()}"

    def hiding(self) -> list[str]:
        """Row-level security, or a table that is not a plain table.

        PostgreSQL applies row security to every role but the table's owner
        (and roles that bypass it), so an owner could hide a forged event
        from an auditor's role alone. The catalogue says whether it could.
        """
        rows = self._query(
            "SELECT c.relname, c.relkind, c.relrowsecurity, EXISTS (SELECT 1 "
            "FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid) "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relname IN (%s, %s) ORDER BY c.relname",
            (self._schema_name, PG_EVENTS_TABLE, LEAVES),
        )
        reasons: list[str] = []
        for name, kind, secured, policies in rows:
            if kind != "r":
                reasons.append(f"{name} is not a plain table (relkind {kind!r})")
            if secured or policies:
                reasons.append(
                    f"{name} has row-level security or policies, which can hide "
                    "rows from some roles"
                )
        return reasons

    def leaf_index_of(self, notification_id: int) -> int | None:
        """The leaf index pointing at a notification id."""
        rows = self._query(
            "SELECT leaf_index FROM {s}.{leaves} WHERE notification_id = %s",
            (notification_id,),
        )
        return int(rows[0][0]) if rows else None

    def store_checkpoint(self, size: int, note: str) -> None:
        """Keep a copy of a checkpoint."""
        self._query(
            "INSERT INTO {s}.{checkpoints} (size, note) VALUES (%s, %s)", (size, note)
        )

    def stored_checkpoints(self) -> list[str]:
        """The kept copies, oldest first."""
        rows = self._query("SELECT note FROM {s}.{checkpoints} ORDER BY created_at")
        return [str(r[0]) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class MemorySource(AuditSource):
    """The leaves and events of an in-memory ledger."""

    def __init__(self, recorder: LeafPOPORecorder) -> None:
        self._recorder = recorder
        self._held: _Tables | None = None
        """The lists as ``snapshot`` copied them, read until it ends."""

    def _tables(self) -> _Tables:
        """The events and leaves, as of one moment.

        Copied under the recorder's lock, which an insert holds from its
        first event to its last leaf: another thread's write in between
        would show events without their leaves yet.
        """
        if self._held is not None:
            return self._held
        recorder = self._recorder
        with recorder._database_lock:  # noqa: SLF001 (our own recorder's lock)
            return list(recorder._stored_events), list(recorder.leaves)  # noqa: SLF001

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees the lists as they stood when it began."""
        self._held = self._tables()
        try:
            yield
        finally:
            self._held = None

    def leaf_rows(self, below: int | None = None) -> Iterator[LeafRow]:
        """Leaves in order, with their events."""
        events, leaves = self._tables()
        for index, nid, hashed, leaf in leaves[:below]:
            yield LeafRow(index, nid, hashed, leaf, _event_row(events, nid))

    def unledgered(self) -> Iterator[EventRow]:
        """Events with no leaf (none, unless the list was tampered with)."""
        events, leaves = self._tables()
        pointed = {nid for _, nid, _, _ in leaves}
        for nid in range(1, len(events) + 1):
            if nid not in pointed:
                event = _event_row(events, nid)
                if event is not None:
                    yield event

    def size(self) -> int:
        """How many leaves there are."""
        return len(self._tables()[1])

    def event_count(self) -> int:
        """How many events there are."""
        return len(self._tables()[0])

    def leaf_count(self) -> int:
        """How many leaves there are."""
        return len(self._tables()[1])

    def leaf_index_of(self, notification_id: int) -> int | None:
        """The leaf index pointing at a notification id."""
        for index, nid, _, _ in self._tables()[1]:
            if nid == notification_id:
                return index
        return None

    def store_checkpoint(self, size: int, note: str) -> None:
        """Keep a copy of a checkpoint."""
        self._recorder.checkpoints.append((size, note))

    def stored_checkpoints(self) -> list[str]:
        """The kept copies, oldest first."""
        return [note for _, note in self._recorder.checkpoints]


_Tables = tuple[list["StoredEvent"], list[tuple[int, int, bytes, bytes]]]
"""An in-memory ledger's stored events and leaves."""


def _event_row(events: list[StoredEvent], notification_id: int) -> EventRow | None:
    """The event at *notification_id* in an in-memory ledger's list, if any."""
    if not 1 <= notification_id <= len(events):
        return None
    s = events[notification_id - 1]
    return EventRow(
        notification_id, s.originator_id, s.originator_version, s.topic, s.state
    )


def open_source(url: str, *, writable: bool = False) -> AuditSource:
    """An audit source for a stored ledger (memory ledgers go through Ledger)."""
    if not isinstance(writable, bool):
        # Anything but False would open the file for writing.
        raise InvalidInputError("writable must be True or False")
    return source_for(parse_url(url), writable=writable)


def source_for(config: StorageConfig, *, writable: bool = False) -> AuditSource:
    """An audit source for the ledger *config* names, waiting for locks as it does."""
    if config.backend == "sqlite" and config.file is not None:
        wait = float(config.env["SQLITE_LOCK_TIMEOUT"])
        return SQLiteSource(config.file, writable=writable, lock_timeout=wait)
    if config.backend == "postgres":
        return PostgresSource(config.postgres_conninfo, config.schema)
    raise StorageError("an in-memory ledger can only be verified through its Ledger")
