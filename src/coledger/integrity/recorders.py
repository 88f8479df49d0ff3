"""Recorders that write one hash leaf per stored event, in the same transaction.

Leaves are numbered 0, 1, 2... by the ledger, in commit order. The leaf index
is the primary key of the leaf table, so two writers can never claim the same
index (no fork), and a transaction that fails stores neither events nor leaves.
The notification id is kept beside each leaf as an unhashed locator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from coledger.integrity.leaves import leaf_hash_from, state_hash

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresDatastore
    from eventsourcing.sqlite import SQLiteCursor
    from psycopg import Cursor
    from psycopg.rows import DictRow

LEAVES = "coledger_leaves"
CHECKPOINTS = "coledger_checkpoints"


def leaf_rows(
    start: int, notification_ids: Sequence[int], stored_events: Sequence[StoredEvent]
) -> list[tuple[int, int, bytes, bytes]]:
    """The leaf rows (index, notification id, state hash, leaf hash) of a batch."""
    rows = []
    for offset, (nid, event) in enumerate(
        zip(notification_ids, stored_events, strict=True)
    ):
        hashed = state_hash(event.state)
        leaf = leaf_hash_from(
            event.originator_id, event.originator_version, event.topic, hashed
        )
        rows.append((start + offset, nid, hashed, leaf))
    return rows


class LeafSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite application recorder that appends leaves inside the insert transaction."""

    def construct_create_table_statements(self) -> list[str]:
        """The events table, then the leaf and checkpoint tables."""
        return [
            *super().construct_create_table_statements(),
            (
                f"CREATE TABLE IF NOT EXISTS {LEAVES} ("
                "leaf_index INTEGER PRIMARY KEY, "
                "notification_id INTEGER NOT NULL UNIQUE, "
                "state_hash BLOB NOT NULL, "
                "leaf_hash BLOB NOT NULL)"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS} ("
                "size INTEGER NOT NULL, "
                "note TEXT NOT NULL, "
                "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            ),
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # The insert above holds SQLite's write lock, so this head is current.
            c.execute(f"SELECT COALESCE(MAX(leaf_index), -1) FROM {LEAVES}")  # noqa: S608
            start = int(c.fetchone()[0]) + 1
            c.executemany(
                f"INSERT INTO {LEAVES} VALUES (?, ?, ?, ?)",  # noqa: S608
                leaf_rows(start, ids, stored_events),
            )
        return ids


class LeafPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL application recorder that appends leaves under the table lock."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            msg = (
                "coledger writes leaves in Python: POSTGRES_ENABLE_DB_FUNCTIONS is off"
            )
            raise ValueError(msg)
        schema = Identifier(datastore.schema)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "leaf_index bigint PRIMARY KEY, "
                "notification_id bigint NOT NULL UNIQUE, "
                "state_hash bytea NOT NULL, "
                "leaf_hash bytea NOT NULL)"
            ).format(schema=schema, table=Identifier(LEAVES))
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "size bigint NOT NULL, note text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema=schema, table=Identifier(CHECKPOINTS))
        )
        self._select_head = SQL(
            "SELECT COALESCE(MAX(leaf_index), -1) AS head FROM {schema}.{table}"
        ).format(schema=schema, table=Identifier(LEAVES))
        self._insert_leaf = SQL(
            "INSERT INTO {schema}.{table} VALUES (%s, %s, %s, %s)"
        ).format(schema=schema, table=Identifier(LEAVES))

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if ids:
            # Still inside the transaction that holds the EXCLUSIVE lock on the
            # events table, so no other writer can be numbering leaves now.
            curs.execute(self._select_head, prepare=True)
            row = curs.fetchone()
            start = int(row["head"]) + 1 if row else 0
            curs.executemany(self._insert_leaf, leaf_rows(start, ids, stored_events))
        return ids


class LeafPOPORecorder(POPOApplicationRecorder):
    """In-memory recorder keeping leaves in a list beside the events."""

    def __init__(self) -> None:
        super().__init__()
        self.leaves: list[tuple[int, int, bytes, bytes]] = []
        self.checkpoints: list[tuple[int, str]] = []

    def _update_table(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._update_table(stored_events, **kwargs)
        if ids:
            self.leaves.extend(leaf_rows(len(self.leaves), ids, stored_events))
        return ids
