"""Recorders that write one hash leaf per stored event, in the same transaction.

Leaves are numbered 0, 1, 2... by the ledger, in commit order. The leaf index
is the primary key of the leaf table, so two writers can never claim the same
index (no fork), and a transaction that fails stores neither events nor leaves.
The notification id is kept beside each leaf as an unhashed locator.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import OperationalError
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from coledger.errors import ConcurrencyError, StorageError
from coledger.integrity.leaves import leaf_hash_from, state_hash
from coledger.serialization import stored_hex_id

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.sqlite import SQLiteCursor

LEAVES = "coledger_leaves"
CHECKPOINTS = "coledger_checkpoints"


def leaf_hashes(stored_events: Sequence[StoredEvent]) -> list[tuple[bytes, bytes]]:
    """The state hash and leaf hash of each stored event."""
    hashes = []
    for event in stored_events:
        hashed = state_hash(event.state)
        leaf = leaf_hash_from(
            event.originator_id, event.originator_version, event.topic, hashed
        )
        hashes.append((hashed, leaf))
    return hashes


def leaf_rows(
    start: int, notification_ids: Sequence[int], stored_events: Sequence[StoredEvent]
) -> list[tuple[int, int, bytes, bytes]]:
    """The leaf rows (index, notification id, state hash, leaf hash) of a batch."""
    return [
        (start + offset, nid, hashed, leaf)
        for offset, (nid, (hashed, leaf)) in enumerate(
            zip(notification_ids, leaf_hashes(stored_events), strict=True)
        )
    ]


class HeadMovedError(ConcurrencyError):
    """Events were stored after the head an insert was given: it stored nothing.

    The transaction was rolled back. A Ledger raises it too when a command that
    trusted its cached head unread finds, before acting on it, that the head
    moved; either way the Ledger runs the command again on fresh records.
    """


class CommitUnknownError(OperationalError):
    """Every try of an insert failed, after one whose COMMIT may have landed.

    The connection was lost as a try was committed, and neither the tries
    after it nor a last look for the events got an answer from the server.
    """


class ReadsChangedError(ConcurrencyError):
    """A record the command only read changed before its insert: it stored nothing.

    Optimistic concurrency catches another writer's change to a record a
    command writes (their versions clash); this catches one to a record it
    only checked (a supporter's authority, a member's erasure, a body's seats).
    The Ledger runs the command again on fresh records.
    """


class LogTablesGoneError(StorageError):
    """A ledger's tables show part of its log gone: nothing was created.

    Creating the missing tables would start that part afresh beside what is
    left, and so hide the loss from verify.
    """


class EventsGoneError(LogTablesGoneError):
    """The leaf table is there but the events table is not: nothing was created.

    Creating the tables would make a new, empty events table beside the hash
    chain, whose new events would take the notification ids its leaves name.
    """


class LogGoneError(EventsGoneError):
    """The events table and the leaf table are both gone, the checkpoints kept.

    Only a ledger makes that table, so this is a ledger whose whole log was
    removed: creating the tables would start a new, empty log beside copies
    of checkpoints it can never match.
    """


class LeavesGoneError(LogTablesGoneError):
    """The events table is there but the leaf table is not: nothing was created.

    The checkpoints table, made with the leaf table, says the ledger had a
    hash chain. A new, empty leaf table would number the next event leaf 0,
    covering none of the events before it.
    """


_GONE = {
    EventsGoneError: "the events table is gone while the leaf table is there",
    LogGoneError: "the events and leaf tables are gone while the checkpoints are there",
    LeavesGoneError: "the leaf table is gone while events and checkpoints are there",
}


def log_gone(names: Iterable[str], events: str) -> type[LogTablesGoneError] | None:
    """What a ledger holding the tables *names* lost of its log, if anything.

    ``EventsGoneError``: its leaf table without its events table (named
    *events*); ``LogGoneError``: neither, beside its checkpoints table;
    ``LeavesGoneError``: its events and checkpoints tables without its leaf
    table. Events alone are a ledger begun before hash leaves, not a loss.
    Names compare without regard to case, as SQLite's do.
    """
    found = {str(name).lower() for name in names}
    if events.lower() in found:
        chain_gone = CHECKPOINTS in found and LEAVES not in found
        return LeavesGoneError if chain_gone else None
    if LEAVES in found:
        return EventsGoneError
    return LogGoneError if CHECKPOINTS in found else None


class HeadCheckingSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite application recorder whose insert can insist on an unmoved head.

    ``insert_events(events, head=n)`` stores the events only if position *n* is
    still the last one: otherwise it rolls back and raises HeadMovedError. That
    takes no statement of its own. SQLite gives a new row the largest rowid + 1,
    and the insert holds the write lock, so the first new id is ``n + 1``
    exactly when no one stored an event after *n*. A Ledger alone on its file
    can then skip reading the head before each command. With ``head_state``
    the row at *n* must hold that state too: the log restored from an older
    copy, and brought back to *n* by others, holds other events up to it.
    """

    checks_head = True
    checks_reads = True
    """``insert_events(events, reads={id: version})`` stores nothing if one changed."""
    checks_absent = True
    """``insert_events(events, absent={needle: position})`` stores nothing if an
    event stored after that position holds those bytes (a source reference, a
    supporter's id, as stored in clear)."""

    def head_states(self, known: int) -> tuple[int, object, object]:
        """The head, the state stored at position *known*, and the head's, in one read.

        A Ledger compares the state at the last head it knew with the one it
        knew there: another there, or none, is a log restored from an older
        copy, which may lack events its cached records hold.
        """
        table = self.events_table_name
        statement = (
            f"SELECT m, (SELECT state FROM {table} WHERE rowid = ?), "  # noqa: S608 (our own name)
            f"(SELECT state FROM {table} WHERE rowid = m) "
            f"FROM (SELECT MAX(rowid) AS m FROM {table})"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (known,))
            row = c.fetchone()
        return row[0] or 0, row[1], row[2]

    def convert_originator_id(self, originator_id: str) -> UUID | str:
        """A stored row's id: one shared UUID per recently read id, as events hold.

        Refused (CorruptEventError) unless written as eventsourcing writes it.
        """
        if self.datastore.originator_id_type == "uuid":
            return stored_hex_id(originator_id)
        return originator_id

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        head: int | None = None,
        head_state: bytes | None = None,
        reads: dict[UUID, int] | None = None,
        absent: dict[bytes, int] | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if head is not None and ids and ids[0] != head + 1:
            # Raised inside the transaction, so that it is rolled back.
            msg = f"events were stored after position {head}"
            raise HeadMovedError(msg)
        if head and head_state is not None and ids:
            c.execute(
                f"SELECT state FROM {self.events_table_name} "  # noqa: S608 (our own name)
                "WHERE rowid = ?",
                (head,),
            )
            row = c.fetchone()
            if row is None or row[0] != head_state:
                msg = f"the event at position {head} is not the one stored there"
                raise HeadMovedError(msg)
        if head is None and reads:  # an unmoved head covers the reads too
            self._check_reads(c, reads)
        if head is None and absent and ids:
            self._check_absent(c, absent, ids[0])
        return ids

    def _check_reads(self, c: SQLiteCursor, reads: dict[UUID, int]) -> None:
        """Raise ReadsChangedError (rolling back) if a record read has moved on."""
        statement = (
            f"SELECT 1 FROM {self.events_table_name} "  # noqa: S608 (our own name)
            "WHERE originator_id = ? AND originator_version > ? LIMIT 1"
        )
        for originator_id, version in reads.items():
            c.execute(statement, (originator_id.hex, version))
            if c.fetchone():
                msg = "a record the command read was changed by another writer"
                raise ReadsChangedError(msg)

    def _check_absent(
        self, c: SQLiteCursor, absent: dict[bytes, int], first: int
    ) -> None:
        """Raise ReadsChangedError (rolling back) if another writer stored a needle.

        Looked for between the position each was found absent at and this
        insert's first row, in the stored JSON.
        """
        statement = (
            f"SELECT 1 FROM {self.events_table_name} "  # noqa: S608 (our own name)
            "WHERE rowid > ? AND rowid < ? AND instr(state, ?) > 0 LIMIT 1"
        )
        for needle, position in absent.items():
            c.execute(statement, (position, first, needle))
            if c.fetchone():
                msg = "another writer stored what the command found absent"
                raise ReadsChangedError(msg)


def stored_field(name: str, value: str) -> bytes:
    """How an event's stored JSON holds the unsealed text *value* of field *name*."""
    return orjson.dumps({name: value})[1:-1]


class LeafSQLiteRecorder(HeadCheckingSQLiteRecorder):
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

    def create_table(self) -> None:
        """Create the tables, unless the leaf table outlived the events table.

        Read through the ledger's own connection, so a drop still in the
        ``-wal`` file (another process holding the database open) is seen too.
        The look is a transaction of its own: a read begun in the creating one
        would refuse to turn into a write once another process, opening the
        same new ledger, had created the tables. SQLite compares names without
        regard to case, and so does this. Both tables gone beside the
        checkpoints table (which only a ledger makes) is refused too.
        """
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
            names = [name for (name,) in c.fetchall()]
        gone = log_gone(names, self.events_table_name)
        if gone is not None:
            raise gone(_GONE[gone])
        super().create_table()

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        if ids:
            # The insert above holds SQLite's write lock, so the head each row
            # reads is current (and includes the rows before it).
            c.executemany(
                f"INSERT INTO {LEAVES} VALUES ("  # noqa: S608
                f"(SELECT COALESCE(MAX(leaf_index), -1) + 1 FROM {LEAVES}), ?, ?, ?)",
                [
                    (nid, hashed, leaf)
                    for nid, (hashed, leaf) in zip(
                        ids, leaf_hashes(stored_events), strict=True
                    )
                ],
            )
        return ids

    def tree_size(self, position: int) -> int | None:
        """The size of the hash tree whose leaves are the events up to *position*.

        One more than the index of the last leaf pointing at a notification id
        up to *position* (0 when none does): on a log that verifies, how many
        events were recorded up to it, which the tree's hashes protect (the
        notification ids themselves are not hashed). None when the first leaf
        is not the first event's: a ledger begun before hash leaves, whose
        tree leaves its earliest events out.
        """
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT (SELECT leaf_index FROM {LEAVES} "  # noqa: S608
                "WHERE notification_id <= ? ORDER BY notification_id DESC LIMIT 1), "
                f"(SELECT notification_id FROM {LEAVES} WHERE leaf_index = 0), "
                f"(SELECT MIN(rowid) FROM {self.events_table_name})",
                (position,),
            )
            last, first_leaf, first_event = c.fetchone()
        return tree_size_from(last, first_leaf, first_event)


def tree_size_from(
    last: int | None, first_leaf: int | None, first_event: int | None
) -> int | None:
    """A tree size from the last leaf index in range and where the log begins.

    None when the first leaf is not the first event's (a log begun before
    hash leaves); 0 when no leaf is in range.
    """
    if first_event is not None and first_leaf != first_event:
        return None
    return 0 if last is None else int(last) + 1


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

    def tree_size(self, position: int) -> int:
        """The size of the hash tree whose leaves are the events up to *position*."""
        leaves = self.leaves
        found = bisect.bisect_right(leaves, position, key=_notification_id)
        return leaves[found - 1][0] + 1 if found else 0


def _notification_id(leaf: tuple[int, int, bytes, bytes]) -> int:
    return leaf[1]
