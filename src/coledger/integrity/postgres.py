"""The PostgreSQL recorders: each transaction in one round trip, leaves beside events.

Kept apart from the other recorders so that only PostgreSQL ledgers import
``psycopg`` (a SQLite ledger's command line starts a fifth faster without it).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.composite import CompositeInfo, register_composite

from coledger.integrity.recorders import (
    CHECKPOINTS,
    LEAVES,
    CommitUnknownError,
    HeadMovedError,
    ReadsChangedError,
    leaf_hashes,
    tree_size_from,
)
from coledger.storage import lock_refused, notify_channel

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresDatastore

_BEGIN = SQL("BEGIN")
_COMMIT = SQL("COMMIT")
INSERT_ATTEMPTS = 10
"""Tries of one insert over a lost or refused connection (as eventsourcing's)."""
INSERT_WAIT = 0.2
"""Seconds between those tries."""


class OneTripPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL application recorder that stores a transaction in one round trip.

    The transaction is eventsourcing's: the lock timeout, the EXCLUSIVE lock on
    the events table (so that notification ids are given in commit order), the
    NOTIFY and the insert. eventsourcing waits for the server after BEGIN, after
    the insert and after COMMIT; here all of it goes in one pipeline. It stores
    no leaves: it is the leafless ledger that the benchmarks compare against.
    """

    checks_reads = True
    """Its insert takes ``reads`` and stores nothing if one of them changed."""
    checks_absent = True
    """Its insert takes ``absent`` and stores nothing if a later event holds one."""
    checks_empty = True
    """Its insert takes ``head=0`` and stores nothing onto a ledger with events."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        # Before eventsourcing's constructor first looks the types up.
        datastore.register_type_adapters = functools.partial(  # type: ignore[method-assign]
            _register_type_adapters, datastore
        )
        super().__init__(datastore, events_table_name=events_table_name)
        if datastore.enable_db_functions:
            msg = (
                "coledger writes its events itself: POSTGRES_ENABLE_DB_FUNCTIONS is off"
            )
            raise ValueError(msg)
        self._uuid_ids = datastore.originator_id_type == "uuid"
        self.channel_name = notify_channel(datastore.schema)
        self._notify = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        self._insert = self._statement(self._into())
        # For an import: stored only onto an empty ledger. The table lock is
        # taken before the insert, whose snapshot then sees every other
        # writer's committed event.
        self._insert_into_empty = self._statement(self._into(empty=True))

    # eventsourcing tries each read ten times over a refused connection, and
    # over a lock another session held past lock_timeout too: a read kept from
    # the events table waited ten lock timeouts where a write waits one. These
    # try as often, but give up at once on a lock.

    def select_events(self, *args: Any, **kwargs: Any) -> Any:
        """One record's events, read as eventsourcing reads them, but once on a lock."""
        read = PostgresApplicationRecorder.select_events.__wrapped__
        return _tried(read, self, *args, **kwargs)

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        """A page of the log, read as eventsourcing reads it, but once on a lock."""
        read = PostgresApplicationRecorder.select_notifications.__wrapped__
        return _tried(read, self, *args, **kwargs)

    def max_notification_id(self) -> int | None:
        """The head, read as eventsourcing reads it, but once on a lock."""
        read = PostgresApplicationRecorder.max_notification_id.__wrapped__
        found: int | None = _tried(read, self)
        return found

    def head_states(self, known: int) -> tuple[int, object, object]:
        """The head, the state stored at position *known*, and the head's, in one read.

        A Ledger compares the state at the last head it knew with the one it
        knew there: another there, or none, is a log restored from an older
        copy, which may lack events its cached records hold.
        """
        found: tuple[int, object, object] = _tried(self._head_states, known)
        return found

    def _head_states(self, known: int) -> tuple[int, object, object]:
        events = SQL("{schema}.{events}").format(
            schema=Identifier(self.datastore.schema),
            events=Identifier(self.events_table_name),
        )
        statement = SQL(
            "SELECT m, (SELECT state FROM {events} WHERE notification_id = %s) AS k, "
            "(SELECT state FROM {events} WHERE notification_id = m) AS h "
            "FROM (SELECT MAX(notification_id) AS m FROM {events}) AS x"
        ).format(events=events)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (known,))
            row = curs.fetchone()
        assert row is not None  # noqa: S101 (an aggregate gives one row)
        return row["m"] or 0, row["k"], row["h"]

    def _statement(self, insert: Composed) -> Composed:
        """The whole insert statement around *insert*, returning ids in order."""
        # Binary arrays, so that little is left to encode once the transaction
        # has begun (a slow client would hold the table lock).
        return SQL(
            "WITH given AS ("
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], "
            "%b::bytea[]) WITH ORDINALITY AS g("
            "originator_id, originator_version, topic, state, ord)), "
            "stored AS ({insert}) "
            "SELECT notification_id FROM stored JOIN given "
            "USING (originator_id, originator_version) ORDER BY ord"
        ).format(id_type=Identifier(self.datastore.originator_id_type), insert=insert)

    def _into(self, *, empty: bool = False) -> Composed:
        """The insert of the ``given`` events, returning their ids and keys.

        With *empty*, nothing is inserted if the events table holds a row.
        """
        schema = Identifier(self.datastore.schema)
        events = Identifier(self.events_table_name)
        guard = SQL("AND NOT EXISTS (SELECT FROM {schema}.{events}) " if empty else "")
        return SQL(
            "INSERT INTO {schema}.{events} "
            "(originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            # The guard: no record the command only read has a newer event.
            # LATERAL with LIMIT keeps one index probe per record read: the
            # prepared statement's generic plan would otherwise hash-join the
            # whole events table, on every insert.
            "FROM given WHERE NOT EXISTS ("
            "SELECT FROM unnest(%b::{id_type}[], %b::bigint[]) "
            "AS r(originator_id, version), LATERAL ("
            "SELECT FROM {schema}.{events} AS e "
            "WHERE e.originator_id = r.originator_id "
            "AND e.originator_version > r.version LIMIT 1) AS newer) "
            # And nothing the command found absent (a source reference, an
            # act through a supporter) was stored since: bytes of stored JSON.
            "AND NOT EXISTS ("
            "SELECT FROM unnest(%b::bytea[], %b::bigint[]) AS f(needle, after), "
            "LATERAL (SELECT FROM {schema}.{events} AS e "
            "WHERE e.notification_id > f.after "
            "AND position(f.needle IN e.state) > 0 LIMIT 1) AS taken) "
            "{guard}"
            "ORDER BY ord "
            "RETURNING notification_id, originator_id, originator_version"
        ).format(
            schema=schema,
            events=events,
            id_type=Identifier(self.datastore.originator_id_type),
            guard=guard.format(schema=schema, events=events),
        )

    def _params(self, stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
        """The arrays of the events the insert statement takes."""
        return (
            [self._originator(e.originator_id) for e in stored_events],
            [e.originator_version for e in stored_events],
            [e.topic for e in stored_events],
            [e.state for e in stored_events],
        )

    def _read_params(self, reads: dict[UUID, int]) -> tuple[list[Any], ...]:
        """The arrays of the records read unchanged (the insert's guard) it takes."""
        return [self._originator(i) for i in reads], list(reads.values())

    @staticmethod
    def _absent_params(absent: dict[bytes, int]) -> tuple[list[Any], ...]:
        """The arrays of what was found absent (the insert's guard) it takes."""
        return list(absent), list(absent.values())

    def _originator(self, originator_id: UUID | str) -> UUID | str:
        if not self._uuid_ids:
            return str(originator_id)
        return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Store the events in one transaction; their ids, in the order given.

        A lost connection is retried (up to ``INSERT_ATTEMPTS`` tries); a lock
        timeout is not. When the connection was lost after the COMMIT went out,
        the server may have committed: the retry then meets the events it
        stored itself, and takes them as stored rather than as another writer's
        conflict, so that a command is never run again over its own events;
        so does a retry that its read guard refused. When every try fails after
        one that may have committed, a last look tells whether it did; if the
        server does not answer that either, or the look a refused retry makes,
        CommitUnknownError says the outcome is unknown.
        """
        reads: dict[UUID, int] = kwargs.pop("reads", None) or {}
        absent: dict[bytes, int] = kwargs.pop("absent", None) or {}
        head = kwargs.pop("head", None)
        del kwargs  # an application recorder stores no tracking records
        if head not in {None, 0}:
            msg = "on PostgreSQL an insert can insist only on an empty ledger (head=0)"
            raise ProgrammingError(msg)
        if not stored_events:
            return None
        params = (
            *self._params(stored_events),
            *self._read_params(reads),
            *self._absent_params(absent),
        )
        statement = self._insert if head is None else self._insert_into_empty
        unsure: Exception | None = None  # the failure after which a try may have landed
        for attempt in range(1, INSERT_ATTEMPTS + 1):
            try:
                return self._insert_once(statement, params, len(stored_events))
            except (IntegrityError, HeadMovedError, ReadsChangedError):
                # Unsure whether a lost COMMIT landed: these may be ours. A
                # read guard that refused the retry says nothing of the first
                # try either: another writer may have changed a record read
                # after that try committed.
                found = None if unsure is None else self._look(stored_events, unsure)
                if found is None:
                    raise
                return found
            except (InterfaceError, OperationalError) as error:
                if unsure is None and _outcome_unknown(error):
                    unsure = error
                if attempt < INSERT_ATTEMPTS and not _lock_timed_out(error):
                    time.sleep(INSERT_WAIT)
                    continue
                if unsure is None:
                    raise
                return self._ours_or_unknown(stored_events, error)
        raise AssertionError  # pragma: no cover (the loop returns or raises)

    def _ours_or_unknown(
        self, stored_events: Sequence[StoredEvent], error: Exception
    ) -> list[int]:
        """After the last try failed with *error*, one try may have committed: look.

        The ids of the events if that try stored them; *error* again if none
        did; CommitUnknownError if the server does not answer the look either.
        """
        found = self._look(stored_events, error)
        if found is None:
            raise error
        return found

    def _look(
        self, stored_events: Sequence[StoredEvent], error: Exception
    ) -> list[int] | None:
        """The ids of the events if a try that failed with *error* stored them.

        None if no try did; CommitUnknownError if the server does not answer
        the look, whatever the try after it was told: it may have landed.
        """
        try:
            return self._stored_already(stored_events)
        except (InterfaceError, OperationalError) as lost:
            msg = f"{error} (and looking for the events failed: {lost})"
            raise CommitUnknownError(msg) from error

    def _insert_once(
        self, statement: Composed, params: tuple[list[Any], ...], count: int
    ) -> list[int]:
        with self.datastore.get_connection() as conn:
            try:
                with conn.pipeline():
                    conn.execute(_BEGIN)
                    for lock in self.lock_table_statements:
                        conn.execute(lock, prepare=True)
                    conn.execute(self._notify, prepare=True)
                    stored = conn.execute(statement, params, prepare=True)
                    conn.execute(_COMMIT)
                # Leaving the pipeline sent it and read every result: the one
                # round trip of the whole transaction.
                ids = [row["notification_id"] for row in stored.fetchall()]
            except BaseException:
                # A failed statement leaves the transaction block aborted.
                with contextlib.suppress(psycopg.Error):
                    conn.rollback()
                raise
        if not ids and statement is self._insert_into_empty:
            msg = "events were stored after position 0"
            raise HeadMovedError(msg)
        if not ids:  # the guard found a record read since changed, or a ref taken
            msg = (
                "a record the command read was changed, or what it found absent "
                "was stored, by another writer"
            )
            raise ReadsChangedError(msg)
        if len(ids) != count:
            msg = f"stored {len(ids)} events of {count}"
            raise ProgrammingError(msg)
        return ids

    def _stored_already(self, stored_events: Sequence[StoredEvent]) -> list[int] | None:
        """The ids of these very events if all are stored (same topic and bytes).

        A sealed field's nonce is random, so bytes equal to ours were written
        by this insert, never by another writer's command.
        """
        keys = (
            [self._originator(e.originator_id) for e in stored_events],
            [e.originator_version for e in stored_events],
        )
        query = SQL(
            "SELECT e.notification_id, e.topic, e.state FROM unnest("
            "%b::{id_type}[], %b::bigint[]) WITH ORDINALITY AS g("
            "originator_id, originator_version, ord) "
            "LEFT JOIN {schema}.{events} AS e "
            "USING (originator_id, originator_version) "
            "ORDER BY g.ord"
        ).format(
            id_type=Identifier(self.datastore.originator_id_type),
            schema=Identifier(self.datastore.schema),
            events=Identifier(self.events_table_name),
        )
        with self.datastore.get_connection() as conn:
            rows = conn.execute(query, keys).fetchall()
        found = [
            row["notification_id"]
            for row, event in zip(rows, stored_events, strict=True)
            if row["topic"] == event.topic and bytes(row["state"] or b"") == event.state
        ]
        return found if len(found) == len(stored_events) else None


def _register_type_adapters(datastore: PostgresDatastore) -> None:
    """The datastore's ``register_type_adapters``, with the schema name quoted.

    eventsourcing looks its composite types up as ``schema.name`` unquoted, so
    a schema the URL accepts but SQL does not take bare (``2024_club``, a
    keyword such as ``user`` or ``order``) failed to open with a syntax error,
    and one with capitals was looked for under its lower-case name.
    """
    missing = [
        name
        for name in datastore.db_type_names
        if name not in datastore.psycopg_type_adapters
    ]
    if not missing:
        return
    with datastore.get_connection() as conn:
        for name in missing:
            info = CompositeInfo.fetch(conn, Identifier(datastore.schema, name))
            if info is None:
                continue
            register_composite(info, conn)
            datastore.psycopg_type_adapters[name] = info
            datastore.psycopg_python_types[name] = info.python_type


def _outcome_unknown(error: Exception) -> bool:
    """Whether the server may have committed despite *error*.

    An error the server sent about the statement (a lock timeout, a deadlock)
    comes with its rollback. A connection lost or ended (no SQLSTATE; class
    08, connection exception; class 57, operator intervention) may have come
    after the COMMIT was carried out.
    """
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state.startswith(("08", "57"))


def _lock_timed_out(error: Exception) -> bool:
    """Whether another session held the table lock for all of ``lock_timeout``.

    Not retried: each try would wait as long again, and the Ledger reports it.
    """
    return lock_refused(error.__cause__)


def _tried(read: Any, *args: Any, **kwargs: Any) -> Any:
    """*read*'s result, tried as eventsourcing tries, but once if a lock refused it."""
    for attempt in range(1, INSERT_ATTEMPTS + 1):
        try:
            return read(*args, **kwargs)
        except (InterfaceError, OperationalError) as error:
            if attempt == INSERT_ATTEMPTS or _lock_timed_out(error):
                raise
            time.sleep(INSERT_WAIT)
    raise AssertionError  # pragma: no cover (the loop returns or raises)


class LeafPostgresRecorder(OneTripPostgresRecorder):
    """PostgreSQL application recorder that appends leaves under the table lock."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        leaves = Identifier(LEAVES)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "leaf_index bigint PRIMARY KEY, "
                "notification_id bigint NOT NULL UNIQUE, "
                "state_hash bytea NOT NULL, "
                "leaf_hash bytea NOT NULL)"
            ).format(schema=schema, table=leaves)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "size bigint NOT NULL, note text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema=schema, table=Identifier(CHECKPOINTS))
        )
        self._tree_size = SQL(
            "SELECT (SELECT leaf_index FROM {schema}.{leaves} "
            "WHERE notification_id <= %s ORDER BY notification_id DESC LIMIT 1) "
            "AS last, (SELECT notification_id FROM {schema}.{leaves} "
            "WHERE leaf_index = 0) AS first_leaf, "
            "(SELECT MIN(notification_id) FROM {schema}.{events}) AS first_event"
        ).format(
            schema=schema, leaves=leaves, events=Identifier(self.events_table_name)
        )

    def _statement(self, insert: Composed) -> Composed:
        # The events and their leaves in one statement, under the lock taken
        # before it: leaves are numbered after the leaf head in notification
        # order and matched to their events by record and version.
        return SQL(
            "WITH given AS ("
            "SELECT * FROM unnest(%b::{id_type}[], %b::bigint[], %b::text[], "
            "%b::bytea[], %b::bytea[], %b::bytea[]) WITH ORDINALITY AS g("
            "originator_id, originator_version, topic, state, state_hash, "
            "leaf_hash, ord)), "
            "stored AS ({insert}), "
            "numbered AS ("
            "SELECT stored.notification_id, given.ord, given.state_hash, "
            "given.leaf_hash, "
            "row_number() OVER (ORDER BY stored.notification_id) AS k "
            "FROM stored JOIN given USING (originator_id, originator_version)), "
            "leaves AS ("
            "INSERT INTO {schema}.{leaves} "
            "(leaf_index, notification_id, state_hash, leaf_hash) "
            "SELECT head.n + k, notification_id, state_hash, leaf_hash "
            "FROM numbered, (SELECT COALESCE(MAX(leaf_index), -1) AS n "
            "FROM {schema}.{leaves}) AS head) "
            "SELECT notification_id FROM numbered ORDER BY ord"
        ).format(
            id_type=Identifier(self.datastore.originator_id_type),
            insert=insert,
            schema=Identifier(self.datastore.schema),
            leaves=Identifier(LEAVES),
        )

    def tree_size(self, position: int) -> int | None:
        """The size of the hash tree whose leaves are the events up to *position*.

        As ``LeafSQLiteRecorder.tree_size``: one more than the index of the
        last leaf pointing at a notification id up to *position* (0 if none),
        or None when the first leaf is not the first event's.
        """
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._tree_size, (position,))
            row = curs.fetchone()
        assert row is not None  # noqa: S101 (a SELECT of three subqueries)
        return tree_size_from(row["last"], row["first_leaf"], row["first_event"])

    def _params(self, stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
        hashes = leaf_hashes(stored_events)
        return (
            *super()._params(stored_events),
            [hashed for hashed, _ in hashes],
            [leaf for _, leaf in hashes],
        )
