"""Reading the ledger's notification log a page at a time, as plain rows.

``eventsourcing``'s ``select_notifications`` builds a ``sqlite3.Row`` and then a
frozen ``Notification`` dataclass for every event; on a rebuild of a large
ledger that is most of the cost of reading. On SQLite this module selects the
same columns straight into small named tuples instead; other backends keep
``select_notifications``, whose rows have the same five attributes.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from coledger.serialization import StoredLike


class StoredRecord(StoredLike, Protocol):
    """One stored event with its position: a row here or a ``Notification``."""

    @property
    def id(self) -> int:
        """The event's position in the log."""


class StoredRow(NamedTuple):
    """One row of the events table, as SQLite returns it."""

    id: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


_new_row = functools.partial(tuple.__new__, StoredRow)


@contextlib.contextmanager
def sqlite_cursor(recorder: SQLiteApplicationRecorder) -> Iterator[sqlite3.Cursor]:
    """A cursor returning plain tuples on the recorder's own connection, read only."""
    with recorder.datastore.transaction(commit=False) as cursor:
        raw = cursor.sqlite_cursor
        raw.row_factory = None  # plain tuples: eventsourcing's connections use Row
        yield raw


def _sqlite_page(
    recorder: SQLiteApplicationRecorder, after: int, size: int, until: int | None
) -> list[StoredRow]:
    where = "rowid > ?" if until is None else "rowid > ? AND rowid <= ?"
    params = (after, size) if until is None else (after, until, size)
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608 (a fixed table name)
        f"FROM {recorder.events_table_name} WHERE {where} ORDER BY rowid LIMIT ?"
    )
    with sqlite_cursor(recorder) as raw:
        raw.execute(statement, params)
        rows = raw.fetchall()
    convert = recorder.convert_originator_id  # coledger's: one shared UUID per id
    return [
        _new_row((i, convert(o), version, topic, state))
        for i, o, version, topic, state in rows
    ]


def pages(
    recorder: ApplicationRecorder, after: int, until: int | None, size: int
) -> Iterator[Sequence[StoredRecord]]:
    """The log after position *after* up to *until*, *size* events a page."""
    start = after
    while True:
        page: Sequence[StoredRecord]
        if isinstance(recorder, SQLiteApplicationRecorder):
            page = _sqlite_page(recorder, start, size, until)
        else:
            page = recorder.select_notifications(
                start=start, limit=size, stop=until, inclusive_of_start=False
            )
        yield page
        if len(page) < size:
            return
        start = page[-1].id
