"""The core every Ledger command builds on: storage, keys, caching, transactions."""

from __future__ import annotations

import contextlib
import functools
import gc
import inspect
import os
import random
import sqlite3
import threading
import time
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar, cast
from uuid import UUID

import attrs
import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import (
    CanMutateAggregate,
    DomainEventProtocol,
    OriginatorVersionError,
)
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    PersistenceError,
)
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import Environment, EnvType, get_topic

from coledger import errors, log
from coledger.catalogue import Act, Catalogue, act_of, later
from coledger.domain import (
    Adjustment,
    Body,
    Context,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
)
from coledger.domain import values as v
from coledger.domain.timeorder import latest
from coledger.domain.values import check_position
from coledger.integrity.recorders import (
    CHECKPOINTS,
    LEAVES,
    CommitUnknownError,
    EventsGoneError,
    HeadCheckingSQLiteRecorder,
    HeadMovedError,
    LeafPOPORecorder,
    LeavesGoneError,
    LogGoneError,
    LogTablesGoneError,
    ReadsChangedError,
    log_gone,
    stored_field,
)
from coledger.log import StoredRecord
from coledger.privacy.classification import sealed_fields
from coledger.privacy.keys import (
    KeyStore,
    MemoryKeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
    generate_master_key,
    load_master_key,
    master_key_in_env,
)
from coledger.privacy.sealing import SealingMapper, is_sealed
from coledger.projections.facts import SEALED_READS, Facts, FoldRecord, Stamp
from coledger.projections.materialise import (
    Materialiser,
)
from coledger.projections.thresholds import Thresholds
from coledger.serialization import (
    LedgerMapper,
    event_class,
    stored_id,
    unstructure_state,
)
from coledger.storage import (
    APP_NAME,
    DEFAULT_URL,
    MAX_POSITION,
    PG_EVENTS_TABLE,
    SIBLING_SUFFIXES,
    ClosedOnExit,
    StorageConfig,
    create_owner_only,
    lock_refused,
    locked_error,
    parse_url,
    shown,
    taken_journal,
)

MAX_ATTEMPTS = 12
CACHE_SIZE = 2048
"""Aggregates kept in memory per Ledger, most recently used last."""
HISTORY_PAGE = 1000
_JITTER = random.Random()  # noqa: S311 (retry jitter, not secrecy)
"""The retries' own generator: a library leaves the host's global one alone."""
_KINDS: dict[type, str] = {
    Member: errors.UnknownMemberError.kind,
    Body: errors.UnknownBodyError.kind,
    Project: errors.UnknownProjectError.kind,
    Meeting: errors.UnknownMeetingError.kind,
    Proposal: errors.UnknownProposalError.kind,
    Adjustment: errors.UnknownAdjustmentError.kind,
}
"""The word a NotFoundError uses for each kind of record, to say what an id names."""
A = TypeVar("A", bound=LedgerAggregate)
R = TypeVar("R")


P = ParamSpec("P")


L = TypeVar("L", bound="LedgerCore")


def _query(
    method: Callable[Concatenate[L, P], R],
) -> Callable[Concatenate[L, P], R]:
    """Run a query one call at a time, after any destroyed keys are honoured.

    Decrypted copies of data whose keys were destroyed since the last call (by
    this process or another) are dropped first.
    """

    @functools.wraps(method)
    def wrapper(self: L, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock, self._one_call():
            self._sync()
            return method(self, *args, **kwargs)

    wrapper.__dict__[QUERY] = True
    return wrapper


QUERY = "_coledger_query"
"""Marks a method made by ``_query``, so that ``commands`` leaves it alone."""
C = TypeVar("C", bound=type)


def commands(cls: C) -> C:
    """Make each public method of *cls* (queries aside) fail an open batch if it fails.

    A command checks its arguments before it runs under ``_transact``; a
    refusal there must fail the batch too, even when the caller catches it,
    as ``batch`` promises.
    """
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not callable(member) or hasattr(member, QUERY):
            continue
        setattr(cls, name, _failing_the_batch(member))
    return cls


def _failing_the_batch(
    method: Callable[Concatenate[L, P], R],
) -> Callable[Concatenate[L, P], R]:
    @functools.wraps(method)
    def wrapper(self: L, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            if self._in_own_batch():
                self._batch_failed = True
            raise

    return wrapper


def refusing_once_closed(cls: C) -> C:
    """Make every public method and property of *cls* refuse once it is closed.

    A closed Ledger's connections are gone, and each backend failed its own
    way (a closed PostgreSQL pool with eventsourcing's own error, an in-memory
    ledger not at all): each now raises LedgerClosedError. ``close`` itself
    may be called again.
    """
    for name in dir(cls):
        if name.startswith("_") or name == "close":
            continue
        member = inspect.getattr_static(cls, name)
        if isinstance(member, property) and member.fget is not None:
            wrapped = property(_while_open(member.fget), doc=member.__doc__)
            setattr(cls, name, wrapped)
        elif inspect.isfunction(member):
            setattr(cls, name, _while_open(member))
    return cls


def _while_open(
    method: Callable[Concatenate[L, P], R],
) -> Callable[Concatenate[L, P], R]:
    @functools.wraps(method)
    def wrapper(self: L, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._in_use():
            return method(self, *args, **kwargs)

    return wrapper


def _versions_before(events: Sequence[CanMutateAggregate[UUID]]) -> dict[UUID, int]:
    """Each record written by *events*: the version it had before the first of them."""
    before: dict[UUID, int] = {}
    for event in events:
        before.setdefault(event.originator_id, event.originator_version - 1)
    return before


CLOSED = "this Ledger is closed; open the ledger again with Ledger.open"
"""What a call to a closed Ledger is told."""


class Calls:
    """The calls running on one Ledger, per thread, for close() to wait for.

    Closing a connection under a query that another thread is running on it
    crashed the process (SQLite) or failed that call with a storage error;
    close() now waits for them. Once it has begun, a thread may only go on
    with calls nested in one it already has running (a query inside a
    command, the commands of its batch); every other call is refused.

    close() called by a thread with calls of its own running (inside its
    batch, say) cannot wait there: the other threads' calls may be waiting
    for a lock that its own hold (a batch holds the Ledger's lock). It is put
    off until that thread's outermost call ends; that thread's calls are
    refused from then on.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._depth: dict[int, int] = {}
        """How many calls each thread has running (nested ones too)."""
        self._closing = False
        self._closer: int | None = None
        """The thread whose close() waits for the end of its own calls."""
        self.closed = False
        """True once close() has closed the connections: every call is refused."""

    def enter(self) -> None:
        """Count a call of this thread; LedgerClosedError if it may not start."""
        me = threading.get_ident()
        with self._changed:
            depth = self._depth.get(me, 0)
            if self.closed or (self._closing and (not depth or me == self._closer)):
                raise errors.LedgerClosedError(CLOSED)
            self._depth[me] = depth + 1

    def leave(self) -> bool:
        """The end of a call counted by ``enter``.

        True if it ended the calls of a thread whose close() was put off
        until then: that thread must now finish closing.
        """
        me = threading.get_ident()
        with self._changed:
            depth = self._depth[me] - 1
            if depth:
                self._depth[me] = depth
                return False
            del self._depth[me]
            self._changed.notify_all()
            if me == self._closer:
                self._closer = None
                return True
            return False

    def outermost(self) -> bool:
        """Whether this thread's running call is its only one (none encloses it)."""
        with self._changed:
            return self._depth.get(threading.get_ident(), 0) == 1

    def closing_here(self) -> bool:
        """Whether this thread called close() inside calls of its own still running."""
        return self._closer == threading.get_ident()

    def close(self) -> bool | None:
        """Refuse new calls, then wait for other threads' calls to end.

        False if close() had already begun (here or on another thread); None
        if this thread has calls running: it is put off until they end, when
        ``leave`` returns True and ``wait`` must be called.
        """
        me = threading.get_ident()
        with self._changed:
            if self._closing:
                return False
            self._closing = True
            if me in self._depth:
                self._closer = me
                return None
        self.wait()
        return True

    def wait(self) -> None:
        """Wait for the calls of every other thread to end."""
        me = threading.get_ident()
        with self._changed:
            while any(thread != me for thread in self._depth):
                self._changed.wait()


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events to an aggregate, as eventsourcing's projector does.

    It leaves out that projector's per-event runtime Protocol check, which cost
    a sixth of a command's time in profiles. An event that is not the next
    version of its record (one before it was deleted, or renumbered) is a
    CorruptEventError, not eventsourcing's own error.
    """
    for event in events:
        try:
            aggregate = event.mutate(aggregate)
        except OriginatorVersionError as error:
            msg = (
                f"the stored events of record {event.originator_id} skip from "
                f"version {aggregate.version} to {event.originator_version}: an "
                "event is missing or renumbered (coledger verify tells which)"
            )
            raise errors.CorruptEventError(msg) from error
    return aggregate


class _LedgerApp(Application[UUID]):
    """The eventsourcing application behind a Ledger (configured only by its URL)."""

    name = APP_NAME

    def __init__(
        self,
        env: EnvType,
        keys: KeyStore,
        *,
        seal: bool = True,
        leaves: bool = True,
        options: tuple[tuple[str, str], ...] = (),
        session_options: str = "",
    ) -> None:
        self.keys = keys
        self.seal = seal
        self.leaves = leaves
        self.options = options
        self.session_options = session_options
        """libpq's ``options`` for a PostgreSQL ledger's pool (empty for others)."""
        if not leaves:
            env = {k: v for k, v in env.items() if k != "APPLICATION_RECORDER_TOPIC"}
            # The same insert as with leaves, so that only the leaves differ.
            if env.get("PERSISTENCE_MODULE") == "eventsourcing.postgres":
                # A topic, not the class: only PostgreSQL ledgers import psycopg.
                env["APPLICATION_RECORDER_TOPIC"] = (
                    "coledger.integrity.postgres:OneTripPostgresRecorder"
                )
            elif env.get("PERSISTENCE_MODULE") == "eventsourcing.sqlite":
                env["APPLICATION_RECORDER_TOPIC"] = get_topic(
                    HeadCheckingSQLiteRecorder
                )
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Ignore the process environment: the storage URL is the whole configuration,
        # so a stray PERSISTENCE_MODULE cannot send a ledger somewhere else.
        return Environment(name, dict(env or {}))

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        factory = super().construct_factory(env)
        if self.session_options:
            # eventsourcing's pool takes no TLS settings, and bounds only its
            # inserts' lock waits: an open (CREATE INDEX IF NOT EXISTS asks
            # for a lock on the events table) waited for ever behind a lock
            # another session kept. Its connections are made from these
            # keyword arguments, on first use, after this.
            kwargs = factory.datastore.pool.kwargs  # type: ignore[attr-defined]
            # Its own connects too: eventsourcing reads the timeout only as
            # the wait for a pooled connection, and libpq's default is minutes.
            kwargs["connect_timeout"] = env.get("POSTGRES_CONNECT_TIMEOUT")
            kwargs.update(self.options)
            kwargs["options"] = self.session_options
        return factory

    def construct_recorder(self) -> ApplicationRecorder:
        if isinstance(self.factory, POPOFactory) and self.leaves:
            return LeafPOPORecorder()
        return super().construct_recorder()

    def construct_mapper(self) -> LedgerMapper:
        return SealingMapper(self.keys) if self.seal else LedgerMapper()


def _fold_class(topic: str) -> tuple[type, int, bool]:
    """An event class, its class version, and whether the fold opens a seal of it."""
    cls = event_class(topic)
    opens = any(sealed is cls for sealed, _ in SEALED_READS)
    return cls, getattr(cls, "class_version", 1), opens


_NAMING_EVENTS = 100
"""How many of a ledger's first events are searched for a sealed field to
name it by (with its first record) in its key store."""


def _sealing_key(record: StoredRecord) -> str | None:
    """The id of the key sealing the record's first sealed field, if one is read.

    None for an event with no sealed field, or one that cannot be read as
    an event (``coledger verify`` is the judge of those): the next of the
    ledger's first events is looked at, and a ledger none of whose first
    events gives a key is named by its first record alone.
    """
    try:
        rules = sealed_fields(event_class(record.topic))
        state = orjson.loads(record.state)
    except (errors.CorruptEventError, orjson.JSONDecodeError):
        return None
    if not isinstance(state, dict):
        return None
    for name in rules:
        envelope = state.get(name)
        if isinstance(envelope, dict) and is_sealed(envelope):
            key_id = envelope["k"]
            if isinstance(key_id, str):
                return key_id
    return None


def originator_of(record: StoredRecord) -> UUID:
    """A stored row's aggregate id as a UUID (CorruptEventError if it is none)."""
    return stored_id(record.originator_id, f"the event at position {record.id}")


@attrs.frozen
class Shred:
    """Keys of one member to destroy: for *purposes*, and for good if *erase*."""

    member: UUID
    purposes: tuple[str, ...]
    erase: bool


def outcome_unknown(
    error: CommitUnknownError, what: str, check: str
) -> errors.OutcomeUnknownError:
    """The error telling the caller that *what* may or may not have been stored."""
    return errors.OutcomeUnknownError(
        f"the connection to the database was lost as {what} was committed, and "
        f"the server did not answer again: {what} may or may not have been "
        f"stored ({error}); once the database answers, {check}"
    )


def _stale_snapshot(error: PersistenceError) -> bool:
    """Whether SQLite refused a write because another writer committed first.

    SQLite says so at once (BUSY_SNAPSHOT), without waiting: a conflict like
    any other, so the command is run again.
    """
    code = getattr(error.__cause__, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_BUSY_SNAPSHOT


def version_clash(error: IntegrityError) -> bool:
    """Whether the database refused an insert for an event already at its version.

    That is another writer's change, the conflict a command is run again for.
    Any other constraint (a leaf left behind by an edit of the events, a
    position already taken) refuses every try alike: it is no conflict.
    """
    cause = error.__cause__
    if cause is None:
        return True  # the in-memory recorder's own check of the versions
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL names the constraint
        return bool(diag.constraint_name == f"{PG_EVENTS_TABLE}_pkey")
    return f"{EVENTS_TABLE}.originator_id" in str(cause)


def refused_write(error: IntegrityError, what: str) -> errors.StorageError:
    """The error for *what* refused by a constraint that no retry would pass."""
    return errors.StorageError(
        f"the database refused {what} for a reason other than another writer's "
        f"change, so nothing was stored: {error} (coledger verify checks the "
        "ledger)"
    )


def _locked_out(error: PersistenceError) -> bool:
    """Whether the driver gave up waiting for a lock another process holds.

    A stale SQLite snapshot is refused as busy at once, without waiting: that
    is a conflict, not a lock held.
    """
    return not _stale_snapshot(error) and lock_refused(error.__cause__)


class _Once(contextlib.AbstractContextManager[None]):
    """A context manager entered at most once; again, WrongStateError saying *why*."""

    def __init__(
        self, inner: contextlib.AbstractContextManager[None], why: str
    ) -> None:
        self._inner = inner
        self._why = why
        self._used = False

    def __enter__(self) -> None:
        if self._used:
            raise errors.WrongStateError(self._why)
        self._used = True
        self._inner.__enter__()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        return self._inner.__exit__(kind, error, trace)


@attrs.frozen
class RecordedEvent:
    """One stored event and its position in the ledger's recorded order."""

    position: int
    event: LedgerAggregate.Event


def _read_whole(
    mapper: LedgerMapper, record: StoredRecord
) -> tuple[DomainEventProtocol[UUID], frozenset[str]]:
    """A record that seals nothing, decoded: no field of it is left closed."""
    return mapper.to_domain_event(record), frozenset()


@contextlib.contextmanager
def _opening(config: StorageConfig) -> Iterator[None]:
    """Serialise opening a PostgreSQL ledger, and create its schema if missing.

    Opening creates tables, types and functions; two processes doing that at the
    same moment collide inside PostgreSQL, so they take turns under an advisory
    lock named after the schema. Named as ``_refuse_twin_schema`` compares
    names, so that two spellings of one new schema, opened at once, take turns
    too: the second then finds the first's schema, and is refused.
    """
    if config.backend != "postgres":
        yield
        return
    import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
    from psycopg import sql  # noqa: PLC0415

    try:
        conn = psycopg.connect(config.postgres_conninfo, autocommit=True)
    except psycopg.Error as error:
        raise errors.StorageError(f"cannot reach PostgreSQL: {error}") from error
    with conn:
        try:
            # Opens take turns for as long as the one before takes, which
            # waits for a table's lock no longer than lock_timeout itself.
            conn.execute("SET lock_timeout = 0")
            conn.execute(
                "SELECT pg_advisory_lock(hashtext(%s))",
                (f"coledger:open:{_folded(config.pg_schema)}",),
            )
            # Created only when missing: an organisation's own role, which owns
            # its schema but may not create schemas in the database, can open.
            if config.schema and not _schema_exists(conn, config.schema):
                _refuse_twin_schema(conn, config)
                conn.execute(
                    sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(config.schema))
                )
            lost = _schema_lost(conn, config.pg_schema)
        except psycopg.Error as error:
            raise errors.StorageError(f"cannot prepare the schema: {error}") from error
        if lost is not None:
            raise errors.StorageError(lost(shown(config.url)))
        yield


def _schema_lost(conn: Any, schema: str) -> Callable[[object], str] | None:
    """Why *schema* is not opened, if it lost its events, its chain or its log.

    ``lost_events`` if it holds a ledger's leaf table but not its events
    table; ``lost_log`` if it holds neither, beside a ledger's checkpoints;
    ``lost_chain`` if it holds its events and checkpoints but no leaf table.
    """
    from psycopg import sql  # noqa: PLC0415 (only PostgreSQL ledgers need it)

    tables = (PG_EVENTS_TABLE, LEAVES, CHECKPOINTS)
    present = conn.execute(
        "SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL, "
        "to_regclass(%s) IS NOT NULL",
        tuple(sql.Identifier(schema, table).as_string(conn) for table in tables),
    ).fetchone()
    return lost_reason(
        [table for table, there in zip(tables, present, strict=True) if there],
        PG_EVENTS_TABLE,
    )


def _schema_exists(conn: Any, schema: str) -> bool:
    """Whether the PostgreSQL database of *conn* holds a schema named *schema*."""
    found = conn.execute(
        "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
    ).fetchone()
    return found is not None


def _refuse_twin_schema(conn: Any, config: StorageConfig) -> None:
    """InvalidUrlError if a schema differing from the new one only in case exists.

    SQL folds a name written bare to lower case, so a schema made as
    ``CREATE SCHEMA Riverside`` is ``riverside``; the URL's name is taken as
    written, and ``?schema=Riverside`` would make a second, empty ledger
    beside the organisation's own without a word.
    """
    wanted = _folded(config.pg_schema)
    for (name,) in conn.execute("SELECT nspname FROM pg_namespace").fetchall():
        if _folded(name) == wanted:
            raise errors.InvalidUrlError(
                f"{shown(config.url)!r}: there is no schema {config.pg_schema!r}, "
                f"but there is {name!r}, which differs from it only in case (or "
                "in how its letters are encoded): name that one exactly, or "
                "choose a name unlike it"
            )


def _folded(schema: str) -> str:
    """*schema* as two names differing only in case (or encoding) both read."""
    return unicodedata.normalize("NFC", schema).casefold()


def _check_period(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """A period's bounds with fixed offsets; refuse one naive or running backwards.

    Fixed, so that two bounds in one zone compare as instants (see
    ``values.fixed_offset``).
    """
    if since is not None:
        since = v.check_aware("since", since)
    if until is not None and until != v.LATEST:  # a period may run to the end
        until = v.check_aware("until", until)
    if since is not None and until is not None and since >= until:
        raise errors.InvalidInputError("since must come before until")
    return since, until


SQLITE_HEADER = b"SQLite format 3\x00"


EVENTS_TABLE = "stored_events"
"""The table of a SQLite ledger's events, named by eventsourcing."""
KEY_STORE_TABLE = "member_keys"
"""The table of wrapped keys in a SQLite ledger's key store."""


def _remove_if_empty(path: Path) -> None:
    """Remove the file at *path* (a new ledger's) if nothing was written to it.

    Only an empty file: a process that opened the same new file meanwhile
    may have made its ledger there, and that must stay.
    """
    with contextlib.suppress(OSError):
        if path.stat().st_size == 0:
            path.unlink()


def check_sqlite_file(path: Path) -> bool:
    """Whether the file at *path* holds anything; StorageError unless SQLite's."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise errors.StorageError(f"cannot open the ledger {path}: {error}") from error
    if head and head != SQLITE_HEADER:
        raise errors.StorageError(f"{path} is not a SQLite database")
    return bool(head)


def committed_tables(path: Path) -> set[str] | None:
    """The tables (and views) in a SQLite file itself, or None if unreadable.

    A view counts: a ledger whose events table someone replaced by a view is
    still a ledger, for ``verify`` to report (HIDDEN_ROWS), not a wrong file.

    The file is read as immutable: no lock is taken and no ``-wal`` or
    ``-shm`` file is made or read, so nothing another process is doing with
    the database is disturbed (a separate ordinary connection, opened and
    closed while others wrote, lost their commits in the concurrency tests).
    Tables created since the last checkpoint, still in the ``-wal`` file,
    are not seen.
    """
    found = _read_immutable(
        path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
    )
    return None if found is None else {name for (name,) in found}


def _read_immutable(path: Path, sql: str) -> list[Any] | None:
    """The rows *sql* reads from the SQLite file at *path* as immutable, or None.

    None if the file cannot be read so: damaged, or caught mid-write, which
    opening the ledger itself will tell.
    """
    uri = f"{path.absolute().as_uri()}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def lost_events(where: object) -> str:
    """Why a ledger whose leaf table outlived its events table is not opened.

    Opening it would make a new, empty events table beside the hash chain:
    new events would then take the notification ids the chain's leaves name.
    """
    return (
        f"the ledger at {where} lost its events: its events table is gone, "
        "while its leaf table (the hash chain) is still there. Opening it "
        "would make a new, empty events table beside the chain, so it was not "
        "opened and nothing was written; coledger verify reports on it "
        "(FAILED, MISSING_EVENTS)"
    )


def lost_log(where: object) -> str:
    """Why a ledger whose events and leaf tables are both gone is not opened.

    Its table of checkpoint copies, which only a ledger makes, is still there.
    """
    return (
        f"the ledger at {where} lost its whole log: its events table and its "
        "leaf table (the hash chain) are both gone, while its table of "
        "checkpoint copies is still there. Opening it would start a new, empty "
        "log, so it was not opened and nothing was written; restore it from a "
        "backup"
    )


def lost_chain(where: object) -> str:
    """Why a ledger whose leaf table is gone beside its events is not opened.

    Its table of checkpoint copies, made with the leaf table, says it had a
    hash chain: a new one would begin at the next event and cover none before.
    """
    return (
        f"the ledger at {where} lost its hash chain: its leaf table (the hash "
        "chain) is gone, while its events table and its table of checkpoint "
        "copies are still there. Opening it would start a new, empty chain "
        "that covers none of the events already recorded, so it was not "
        "opened and nothing was written; coledger verify reports on it "
        "(FAILED, MISSING_LEAVES)"
    )


def lost_reason(
    tables: Iterable[str] | None, events: str = EVENTS_TABLE
) -> Callable[[object], str] | None:
    """``lost_events``, ``lost_log`` or ``lost_chain``: what *tables* lost, if any.

    As ``log_gone`` reads the tables (*events* names the events table: a
    SQLite file's by default), which the recorder also asks as it opens.
    """
    gone = log_gone(tables or (), events)
    return None if gone is None else _LOST[gone]


_LOST: dict[type[LogTablesGoneError], Callable[[object], str]] = {
    EventsGoneError: lost_events,
    LogGoneError: lost_log,
    LeavesGoneError: lost_chain,
}


LOST_KEY_STORE = (
    "the ledger holds events but its key store is new and empty: the "
    "key store was lost or moved; restore it (see docs/privacy.md)"
)
"""Why a ledger with events and no keys of its own is refused."""


def committed_events(path: Path) -> bool:
    """Whether the SQLite file at *path* itself holds a ledger's events.

    Read as ``committed_tables`` reads: immutable, so nothing is written or
    locked. Events still in a ``-wal`` file, or a file that cannot be read
    so, count as none: the caller then finds them by opening the ledger.
    """
    # SQLite compares names without regard to case: STORED_EVENTS is still
    # the events table, as lost_reason reads it.
    if EVENTS_TABLE not in {name.lower() for name in committed_tables(path) or ()}:
        return False
    found = _read_immutable(path, "SELECT EXISTS (SELECT 1 FROM stored_events)")
    return bool(found and found[0][0])


def _refuse_key_store(config: StorageConfig, path: Path) -> None:
    """InvalidUrlError if the URL names a ledger's key store, not the ledger."""
    tables = committed_tables(path) or set()
    if KEY_STORE_TABLE in tables and EVENTS_TABLE not in tables:
        raise errors.InvalidUrlError(
            f"{config.url!r}: {config.path} is a ledger's key store, not a ledger "
            "(name the ledger's own file)"
        )


def _refuse_taken_journals(config: StorageConfig, file: Path) -> None:
    """InvalidUrlError if another file holds the name of a new ledger's journal.

    The key store's journals are checked too, unless that store is there.
    """
    keys_kept = os.path.lexists(f"{file}.keys")
    suffixes = [
        suffix
        for suffix in SIBLING_SUFFIXES
        if suffix != ".keys" and not (keys_kept and suffix.startswith(".keys"))
    ]
    beside = taken_journal(file, suffixes)
    # A ledger made meanwhile by another process keeps its own journals.
    if beside is not None and not os.path.lexists(file):
        raise errors.InvalidUrlError(
            f"{shown(config.url)!r}: {beside.name} exists, and SQLite would "
            f"take it for a leftover of the new ledger {file.name} and delete "
            "it; move that file away or name another ledger"
        )


def _opened_with(
    config: object, master_key: bytes | None
) -> tuple[StorageConfig, bytes]:
    """What Ledger(...) was given, or InvalidInputError for Ledger(url).

    Ledger(url) is a newcomer's first guess: say what to call instead of
    failing on a missing argument or an attribute of the URL text.
    """
    if not isinstance(config, StorageConfig) or master_key is None:
        raise errors.InvalidInputError(
            "open a ledger with Ledger.open(url, master_key=...); "
            "Ledger(...) itself takes a parsed URL and a loaded key"
        )
    return config, master_key


def _key_store_path(config: StorageConfig) -> Path | None:
    """The file of a SQLite ledger's key store (None for other backends).

    Beside the file the URL named when it was read (``config.file``), as the
    ledger's own connections open it: a relative path read again after a
    chdir would name a new, empty key store elsewhere.
    """
    if config.backend == "sqlite" and config.file is not None:
        return config.file.with_name(config.file.name + ".keys")
    return None


def _keys_lost(config: StorageConfig) -> bool:
    """Whether a SQLite ledger's file holds events with no key store beside it.

    Asked before anything is made in the file (a key store, the ledger's
    tables, WAL mode): an audit copy, say, has events and no key store, and
    must be refused as it was handed over. The key store is looked for after
    the events: a process making a new ledger makes its key store before any
    event, so one there now was not lost.
    """
    store = _key_store_path(config)
    if config.file is None or store is None:
        return False
    return committed_events(config.file) and not store.exists()


def _key_store(config: StorageConfig, master_key: bytes) -> KeyStore:
    """The key store that belongs beside a ledger's events."""
    path = _key_store_path(config)
    if path is not None:
        wait = float(config.env["SQLITE_LOCK_TIMEOUT"])
        return SQLiteKeyStore(master_key, path, lock_timeout=wait)
    if config.backend == "postgres":
        return PostgresKeyStore(
            master_key,
            config.postgres_conninfo,
            config.schema,
            where=shown(config.url),
            lock_timeout=float(config.env["POSTGRES_LOCK_TIMEOUT"]),
        )
    return MemoryKeyStore(master_key)


class LedgerCore(ClosedOnExit):
    """The plumbing of a Ledger: opening, closing, loading, saving, retrying."""

    _pending_seen: dict[UUID, int]
    """In a batch, how many of each record's events gave ``_pending_refs`` theirs."""
    _free_refs: dict[str, int]
    """Source references this attempt (or batch) found free, each with the
    position the catalogue said so at: its insert refuses if another writer
    stored one after that position. Set as each attempt or batch begins."""
    _unseen: dict[bytes, int]
    """Other stored bytes this attempt (or batch) relied on finding none of
    after a position (an act through a supporter, as a revocation does)."""
    _head_state: object = None
    """The state stored at ``_head`` as this Ledger saw it (None: not known)."""
    _facts_keys = 0
    """The key store's count of destructions seen when the kept facts began
    folding: once it moves, they may hold what the destroyed keys opened."""

    def __init__(
        self,
        config: StorageConfig,
        master_key: bytes | None = None,
        *,
        seal: bool = True,
        leaves: bool = True,
    ) -> None:
        """Open the ledger of a parsed URL; prefer Ledger.open.

        ``seal=False`` stores personal fields in clear and ``leaves=False`` writes
        no hash leaves. They exist only so that the benchmarks can measure what
        sealing and leaves cost; never use them for real records.
        """
        self._calls = Calls()
        self.config, key = _opened_with(config, master_key)
        with _opening(self.config):
            self._open(self.config, key, seal=seal, leaves=leaves)
        self._catalogue = Catalogue(self._app)
        self._facts = Facts()
        self._facts_stamp: Stamp | None = None
        """The stamp of the event at ``_facts.position`` when they were folded."""
        self._facts_lock = threading.Lock()
        self._projector: Materialiser | None = None
        """The projector asked for last (erasures catch it up)."""
        self._projectors: dict[Thresholds, Materialiser] = {}
        """Every projector made, by thresholds: one in use by another thread
        must keep its connection, so none is closed before the Ledger."""
        self._fold_mapper: SealingMapper | None = None
        self._fold_classes: dict[str, tuple[type, int, bool]] = {}
        self._lock = threading.RLock()
        self._cache: dict[UUID, LedgerAggregate] = {}
        self._head: int | None = None
        """The ledger head at which every aggregate in ``_current`` was complete."""
        self._current: set[UUID] = set()
        """Cached aggregates holding every event of theirs up to ``_head``."""
        self._head_checked = False
        """True once the head was compared with ``_head`` in the current call."""
        self._checks_reads = getattr(self._app.recorder, "checks_reads", False)
        """Whether an insert can refuse to store once a record it read changed."""
        self._reads: dict[UUID, int] = {}
        """The version of each record loaded since the command (or batch) began."""
        self._checks_head = getattr(self._app.recorder, "checks_head", False)
        """Whether an insert can refuse to store once the head has moved."""
        self._alone = False
        """True while our last save showed no other writer: trust the head next."""
        self._trust = False
        """Whether this attempt of a command may use ``_head`` without reading it."""
        self._trusted = False
        """True once this attempt used ``_head`` unread: its insert checks it."""
        self._stored = False
        """True once this attempt's events are stored: it must not run again."""
        self._depth = 0
        self._pending: dict[UUID, LedgerAggregate] | None = None
        self._pending_refs: set[str] = set()
        self._shreds: list[Shred] = []
        """Key destructions a batch's commands asked for, done when it is stored."""
        self._unrecorded: list[Shred] = []
        """Key destructions done in this call (or batch) whose events are not
        stored yet."""
        self._batch_failed = False
        self._batch_owner: int | None = None
        """The thread whose batch is open (its commands fail it, no one else's);
        None between batches."""
        self._keys_seen = 0
        """The key store's count of emptied caches when this Ledger last dropped
        its decrypted copies (readers between pages may count one up)."""

    def _open(
        self, config: StorageConfig, master_key: bytes, *, seal: bool, leaves: bool
    ) -> None:
        # The file the URL named when it was read, which the ledger's
        # connections open, wherever the process has changed directory to.
        file = config.file
        had_ledger = file is not None and file.exists()
        if file is not None and had_ledger:
            # before a key store is made beside it
            check_sqlite_file(file)
            _refuse_key_store(config, file)
            lost = lost_reason(committed_tables(file))
            if lost is not None:
                raise errors.StorageError(lost(config.path))
        made = None  # the file this call made, removed again if the open fails
        if file is not None and not had_ledger:
            _refuse_taken_journals(config, file)
            made = file if create_owner_only(file) else None
        try:
            self._open_made(
                config, master_key, seal=seal, leaves=leaves, had_ledger=had_ledger
            )
        except BaseException:
            if made is not None:
                _remove_if_empty(made)
            raise

    def _open_made(
        self,
        config: StorageConfig,
        master_key: bytes,
        *,
        seal: bool,
        leaves: bool,
        had_ledger: bool,
    ) -> None:
        """Open the key store and the application, the ledger's file being there."""
        store = _key_store_path(config)
        had_keys = store is not None and store.exists()
        if had_ledger and not had_keys and _keys_lost(config):
            raise errors.MasterKeyError(LOST_KEY_STORE)
        self._keys = _key_store(config, master_key)
        fresh_keys = False
        try:
            fresh_keys = self._keys.check_master_key()
            self._app = _LedgerApp(
                config.env,
                self._keys,
                seal=seal,
                leaves=leaves,
                options=config.options,
                session_options=(
                    config.postgres_session_options
                    if config.backend == "postgres"
                    else ""
                ),
            )
        except LogTablesGoneError as error:
            # The drop was still in the -wal file, unseen by the check in _open:
            # the recorder saw it as it began creating tables, and made none.
            traceback.clear_frames(error.__traceback__)
            gc.collect()
            self._drop_key_store(keep=had_keys, fresh=fresh_keys)
            lost = _LOST[type(error)]
            raise errors.StorageError(lost(config.path or shown(config.url))) from None
        except (PersistenceError, sqlite3.Error) as error:
            # eventsourcing lets SQLite's own error through when a damaged file
            # fails as its first connection is made. That connection is held
            # only by the traceback's frames and a reference cycle: clearing and
            # collecting them closes it, and SQLite then removes the -wal and
            # -shm files it made beside the file.
            traceback.clear_frames(error.__traceback__)
            gc.collect()
            self._drop_key_store(keep=had_keys, fresh=fresh_keys)
            if isinstance(error, PersistenceError) and _locked_out(error):
                raise self._storage_error(error) from error
            raise errors.StorageError(
                f"cannot open the ledger {config.path or shown(config.url)}: {error}"
            ) from error
        except errors.LedgerError:
            self._drop_key_store(keep=had_keys, fresh=fresh_keys)
            raise
        if fresh_keys and (had_ledger or config.backend == "postgres"):
            self._refuse_lost_key_store()
        elif not fresh_keys:
            self._refuse_other_key_store()

    def _drop_key_store(self, *, keep: bool, fresh: bool = False) -> None:
        """Close the key store, and remove its file unless it was there before.

        A store this open initialised (*fresh*) that stays (a PostgreSQL
        table, a file that was there) loses its check value again, unless a
        key was made in it since: left, it would let the next open take it
        for the ledger's own, lost keys and all (or, made under a mistyped
        master key, refuse the right one).
        """
        stays = keep or _key_store_path(self.config) is None
        if fresh and stays:
            with contextlib.suppress(errors.StorageError):  # the failure matters
                if not self._keys.holds_more_than_its_check():
                    self._keys.forget_master_key_check()
        self._keys.close()
        store = _key_store_path(self.config)
        if store is not None and not keep:
            store.unlink(missing_ok=True)

    def _refuse_lost_key_store(self) -> None:
        """A ledger with events but a new, empty key store lost its keys: refuse.

        A look for events that fails (a lock another session took, a lost
        connection) fails the open as a StorageError, undone alike: nothing
        is left open, and the new store is not kept. A store that another
        Ledger, opening the same new ledger meanwhile, has since written a
        key (or a name) into is no new, empty store: it is checked as one
        found there (deleted, it would take that Ledger's keys with it).
        """
        try:
            lost = bool(self._app.recorder.max_notification_id())
            taken = lost and self._keys.holds_more_than_its_check()
        except BaseException as error:
            self._undo_new_key_store()
            if isinstance(error, PersistenceError):
                raise self._storage_error(error) from error
            raise
        if taken:
            self._refuse_other_key_store()
        elif lost:
            self._undo_new_key_store()
            raise errors.MasterKeyError(LOST_KEY_STORE)

    def _undo_new_key_store(self) -> None:
        """Close the application, and drop the key store this open began."""
        self._app.close()
        # Do not leave the empty store behind: a PostgreSQL table stays, so
        # its check value goes, and the next open is refused the same way.
        with contextlib.suppress(errors.StorageError):  # the refusal matters
            self._keys.forget_master_key_check()
        self._drop_key_store(keep=False)

    def _refuse_other_key_store(self) -> None:
        """A key store made for another ledger (same master key) is refused.

        Opened, it would take the keys of new members and declarations, and
        their data would be sealed where the ledger's own store could never
        open it. Beside a ledger with no events, any store is the ledger's
        own: the name of a ledger it was made for before is dropped. A ledger
        whose first events cannot be read is opened unchecked: its reads
        raise as they would have, and ``coledger verify`` tells what is wrong.
        """
        try:
            try:
                first = self._app.recorder.select_notifications(
                    start=None, limit=_NAMING_EVENTS
                )
            except errors.CorruptEventError:
                return
            if first:
                sealing = (_sealing_key(record) for record in first)
                self._keys.check_ledger(
                    str(first[0].originator_id),
                    next((key for key in sealing if key is not None), None),
                )
            else:  # nothing sealed yet: the store beside it is its own
                self._keys.forget_ledger()
        except BaseException as error:
            self._app.close()
            self._keys.close()
            if isinstance(error, PersistenceError):
                raise self._storage_error(error) from error
            raise

    @classmethod
    def open(
        cls, url: str = DEFAULT_URL, *, master_key: bytes | str | None = None
    ) -> Self:
        """Open (creating if needed) the ledger stored at *url*.

        A SQLite file may already hold other tables (a ledger is then created
        among them), but not be a ledger's key store (InvalidUrlError). A
        ledger whose events table is gone while its leaf table is still there
        is not opened (StorageError): ``coledger verify`` reports on it.

        ``master_key`` (32 bytes, or their URL-safe base64) unwraps the members'
        data keys; without it the ``COLEDGER_MASTER_KEY`` environment variable is
        read. An in-memory ledger with neither gets a throwaway key.
        """
        config = parse_url(url)
        if (
            master_key is None
            and config.backend == "memory"
            and not master_key_in_env()
        ):
            return cls(config, generate_master_key())
        return cls(config, load_master_key(master_key))

    def close(self) -> None:
        """Release the connections to storage and the key store (again: nothing).

        Every other method then raises LedgerClosedError. Like every call, it
        takes its turn: a command, query or batch running on another thread
        finishes first (closing a connection under it crashed the process).
        Called inside this thread's own batch, it fails the batch: nothing is
        stored, and the batch raises LedgerClosedError. Called inside a call
        of this thread (a batch, an export's progress callback), it closes as
        that call ends, as other threads' calls may wait for it meanwhile.
        """
        began = self._calls.close()
        if began is None:
            return  # closes as this thread's outermost call ends
        if began:
            self._close()

    def _close(self) -> None:
        """Close the connections, once other threads' calls have ended."""
        with self._lock:  # another thread's open batch is stored (or fails) first
            self._calls.closed = True
            for projector in self._projectors.values():
                projector.tables.close()
                projector.forget()  # who had lived experience, as its fold read it
            self._app.close()
            self._keys.close()  # it forgets the keys it unwrapped
            self._forget()  # and this the records decrypted under them
            with self._facts_lock:  # and the kept fold, read under them too
                self._facts, self._facts_stamp = Facts(), None

    def __enter__(self) -> Self:
        """This ledger, for a ``with`` block that closes it; refused once closed."""
        if self._closed:
            raise errors.LedgerClosedError(CLOSED)
        return self

    @property
    def _closed(self) -> bool:
        """Whether close() has closed the connections (or was called in this call)."""
        return self._calls.closed or self._calls.closing_here()

    @contextlib.contextmanager
    def _in_use(self) -> Iterator[None]:
        """One call (or one step of a lazy read), counted for close() to wait for."""
        calls = self._calls
        calls.enter()
        try:
            yield
        except (PersistenceError, sqlite3.Error) as error:
            # The driver's own error leaves the call as a StorageError; inside
            # an enclosing call it stays as it is for that call to judge (a
            # stale SQLite snapshot makes a command run again, say). A batch
            # runs nothing again: a call in it gives its caller the
            # StorageError it would get outside one, and fails the batch.
            if not calls.outermost() and not self._in_own_batch():
                raise
            raise self._read_error(error) from error
        finally:
            if calls.leave():  # this thread's close() was put off until now
                self._finish_closing()

    def _read_error(
        self, error: PersistenceError | sqlite3.Error
    ) -> errors.StorageError:
        """The StorageError for a failure a read (or any call) let through."""
        if isinstance(error, PersistenceError):
            return self._storage_error(error, "the call")
        if lock_refused(error):
            return locked_error(self.config)
        return errors.StorageError(str(error))

    def _finish_closing(self) -> None:
        """The close() this thread put off: other threads' calls end, then it closes."""
        self._calls.wait()
        self._close()

    def __repr__(self) -> str:
        """The class, the storage URL (its password as ***) and whether it is closed.

        It reads nothing from storage, so it works on a closed Ledger too.
        """
        closed = " closed" if self._closed else ""
        return f"<{type(self).__name__} {shown(self.config.url)!r}{closed}>"

    def _ctx(
        self,
        actor: UUID | None,
        occurred_at: datetime | None,
        source_ref: str | None,
        *,
        not_before: datetime | None = None,
    ) -> Context:
        """The context of a command: *occurred_at* as given, or by default now.

        The default is never before *not_before*, a business time the step must
        follow that writers with other clocks may have dated after this one's
        now; a time given explicitly is taken as given, and checked.
        """
        if occurred_at is not None:
            when = v.check_aware("occurred_at", occurred_at)
        else:
            now = datetime.now(UTC)
            when = now if not_before is None else max(now, not_before)
            if not v.in_range(when):  # just after a step at the last instant
                raise errors.TimeOutOfRangeError(
                    f"occurred_at left out would be {when.isoformat()}, after the "
                    f"step this one follows, outside the years {v.EARLIEST.year} "
                    f"to {v.LATEST.year - 1} that a record can hold"
                )
        ref = v.check_optional_text(
            "source_ref", source_ref, limit=v.MAX_SOURCE_REF, one_line=True
        )
        if ref is not None:
            self._check_ref_free(ref)
        return Context(actor, when, ref)

    def _check_ref_free(self, ref: str) -> None:
        """DuplicateSourceRefError if *ref* is recorded; else note where it was free."""
        taken = ref in self._pending_refs
        if not taken:
            found, at = self._catalogue.find_at(ref)
            taken = found is not None
            self._free_refs[ref] = min(at, self._free_refs.get(ref, at))
        if taken:
            raise errors.DuplicateSourceRefError(
                f"source_ref {ref!r} was already recorded"
            )

    def _sync(self) -> None:
        """Drop every decrypted copy if keys were destroyed since the last call."""
        self._keys.sync()
        self._drop_stale_copies()

    def _key_generation(self) -> int:
        """The key store's destruction counter, read afresh.

        Folds kept from before it moved may hold what the destroyed keys
        opened (who had lived experience), which no event may yet say is
        gone: a withdrawal or erasure whose write failed after its keys were
        destroyed. The projection tables keep it beside their position, so
        that any process can tell rows worked out before.
        """
        self._keys.sync()
        return self._keys.generation

    def _drop_stale_copies(self) -> None:
        """Empty the aggregate cache if the key store emptied its own since we looked.

        Counted, not flagged: another thread's reader may be the one whose
        sync found the keys destroyed.
        """
        if self._keys.changes != self._keys_seen:
            self._keys_seen = self._keys.changes
            self._forget()

    def _forget(self) -> None:
        """Empty the aggregate cache."""
        self._cache.clear()
        self._current.clear()

    @contextlib.contextmanager
    def _one_call(self) -> Iterator[None]:
        """One command or query: the head is compared at most once inside it."""
        if not self._depth:
            self._head_checked = False
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth:
                self._head_checked = False

    def _check_head(self) -> None:
        """Read the ledger head once per call; if it moved, re-check cached records.

        Notification ids are given in commit order (SQLite has one writer, and
        eventsourcing locks the PostgreSQL table for each insert), so an unmoved
        head means no one has written since the cached records were checked.
        The event at the head last seen is read too: another there, or none,
        is a log restored from an older copy, and every cached record goes.
        """
        if self._head_checked:
            return
        if self._trust and self._head is not None:
            # Unread: the command's insert refuses to store if the head moved,
            # and _transact re-checks it before letting an error out.
            self._trusted = self._head_checked = True
            return
        head, there, state = self._read_head()
        if self._rewound(there):
            # The log holds another event where ours was, or none: restored
            # from an older copy. Cached records may hold events it lost.
            self._forget()
        elif head != self._head:
            self._current.clear()
        self._head, self._head_state = head, state
        self._head_checked = self._depth > 0

    def _read_head(self) -> tuple[int, object, object]:
        """The head, the state stored at ``_head``, and the state at the head."""
        read = getattr(self._app.recorder, "head_states", None)
        if read is None:  # in memory: a log no one restores
            return self._app.recorder.max_notification_id() or 0, None, None
        found: tuple[int, object, object] = read(self._head or 0)
        return found

    def _rewound(self, there: object) -> bool:
        """Whether *there*, stored at ``_head`` now, is not what this Ledger saw."""
        return self._head_state is not None and there != self._head_state

    def _head_moved(self) -> bool:
        """Whether the head moved since this command trusted it unread."""
        if not self._trusted:
            return False
        with contextlib.suppress(PersistenceError):  # then the error stands
            head, there, _ = self._read_head()
            return head != self._head or self._rewound(there)
        return False

    def _shred(
        self, member: UUID, purposes: tuple[str, ...], *, erase: bool = False
    ) -> None:
        """Destroy a member's keys for *purposes*, before the event that says so.

        Shred first: if the event then fails to save, the retry finds the key
        already gone, and the data can never be read again. Inside a batch the
        keys are destroyed when the batch is stored (after its events are
        sealed, before they are written), so that a batch that fails destroys
        nothing, and data sealed in the batch itself is destroyed with the rest.
        """
        if self._pending is not None:
            self._shreds.append(Shred(member, purposes, erase))
            return
        self._confirm_head()  # no shredding on records that may be stale
        self._keys.destroy(member, purposes, erase=erase)
        self._unrecorded.append(Shred(member, purposes, erase))

    def _refuse_in_own_batch(self, what: str) -> None:
        """WrongStateError if the calling thread is inside its own batch.

        *what* reads the stored events beside the records, which the queries
        read with the batch's changes: it would see half of the batch.
        """
        if self._in_own_batch():
            raise errors.WrongStateError(
                f"{what} reads the stored events, and this batch's are not "
                "stored yet: ask for it after the batch"
            )

    def _in_own_batch(self) -> bool:
        """Whether the calling thread is inside a batch it opened on this Ledger.

        Another thread's batch holds the lock; its commands, not this thread's,
        decide whether it fails.
        """
        return self._pending is not None and (
            self._batch_owner == threading.get_ident()
        )

    def _shredded(self) -> None:
        """After a command destroyed keys: bring up to date what was derived from them.

        Outside a batch only; a batch calls it once it is stored.
        """

    def _shredding(self, member: UUID, purpose: str) -> bool:
        """Whether the batch being recorded will destroy the member's key for it."""
        return any(s.member == member and purpose in s.purposes for s in self._shreds)

    def _confirm_head(self) -> None:
        """Before acting beyond storing events on a head trusted unread, read it.

        Raises HeadMovedError, so that the command is run again on fresh
        records, if another writer stored events since.
        """
        if self._head_moved():
            raise HeadMovedError("events were stored after the head this command used")

    def _transact(self, command: Callable[[], R]) -> R:
        """Run *command* under optimistic concurrency, retrying conflicts.

        One call at a time per Ledger object (threads wanting parallel writes
        open a Ledger each). Any failure empties the aggregate cache, so that an
        aggregate changed in memory but not stored is never used again.
        """
        with self._lock:
            if self._pending is not None:
                return self._batched(command)
            self._unrecorded = []
            try:
                return self._attempts(command)
            except errors.StorageError as error:
                destroyed = self._keys_destroyed(error, batch=False)
                if destroyed is None:
                    raise
                raise destroyed from error
            except errors.LedgerError as error:
                # A retry refused after an attempt that shredded (its insert
                # refused for a record read, the actor since erased, say).
                self._unrecorded = [s for s in self._unrecorded if not self._told(s)]
                destroyed = self._keys_destroyed(
                    errors.StorageError(str(error)), batch=False
                )
                if destroyed is None:
                    raise
                raise destroyed from error
            finally:
                self._unrecorded = []

    def _told(self, shred: Shred) -> bool:
        """Whether the stored record says why *shred*'s keys are gone.

        Another writer's erasure of the member, or withdrawal of their
        declaration, stored first, does; False when the record cannot be read.
        """
        try:
            with self._one_call():
                member = self._get(shred.member, Member, errors.UnknownMemberError)
        except Exception:  # noqa: BLE001 (unknown is taken as unexplained)
            return False
        return member.erased or (not shred.erase and not member.has_declared)

    def _attempts(self, command: Callable[[], R]) -> R:
        """Run *command* until it is stored, refused, or MAX_ATTEMPTS conflicts."""
        for attempt in range(MAX_ATTEMPTS):
            self._sync()
            # Alone on the ledger, a first attempt trusts the cached head.
            self._trust = self._alone and not attempt
            self._stored = False
            self._reads = {}
            self._free_refs, self._unseen = {}, {}
            try:
                with self._one_call():
                    return command()
            except IntegrityError as error:
                self._forget()
                if not version_clash(error):
                    raise refused_write(error, "the command") from error
                # another writer got there first: again
            except ReadsChangedError:
                self._forget()  # another writer got there first: again
            except PersistenceError as error:
                self._forget()
                if not _stale_snapshot(error):
                    raise self._storage_error(error) from error
            except Exception as error:
                self._forget()
                # HeadMovedError says the head moved: no need to read it
                # (which may fail just then, leaving the error to stand).
                moved = isinstance(error, HeadMovedError) or self._head_moved()
                if self._stored or not moved:
                    raise  # never run again once this attempt stored events
                # Done on cached records that others changed since (refused
                # by the insert, HeadMovedError, or failed): again, reading.
                self._alone = False
                continue
            except BaseException:
                self._forget()
                raise
            finally:
                self._trust = self._trusted = self._stored = False
            time.sleep(min(0.2, 0.002 * 2**attempt) * _JITTER.random())
        raise errors.ConcurrencyError(
            f"the record kept changing over {MAX_ATTEMPTS} attempts; no event "
            "was stored"
        )

    def _storage_error(
        self, error: PersistenceError, what: str = "the command"
    ) -> errors.StorageError:
        """The StorageError that says what went wrong with the storage (of *what*)."""
        if isinstance(error, CommitUnknownError):
            return outcome_unknown(
                error,
                what,
                f"read the records back (or history()) and run {what} again "
                "only if it is not there",
            )
        if not _locked_out(error):
            return errors.StorageError(str(error))
        return locked_error(self.config)

    def _keys_destroyed(
        self, error: errors.StorageError, *, batch: bool, created: Sequence[UUID] = ()
    ) -> errors.StorageError | None:
        """The error saying that keys are gone with no event to say so, if they are.

        Members in *created*, registered by the batch that failed, do not
        exist: their keys going leaves nothing to record. For a write whose
        outcome is unknown, its own error (its events may be stored, so look
        before running it again), saying also that the keys are gone either
        way and that the projection tables, rewritten only once it is stored,
        are to be caught up if it was.
        """
        shreds = [s for s in self._unrecorded if s.member not in created]
        if not shreds:
            return None
        members = tuple(dict.fromkeys(shred.member for shred in shreds))
        if isinstance(error, errors.OutcomeUnknownError):
            named = ", ".join(map(str, members))
            return errors.OutcomeUnknownError(
                f"{error}; the keys of member{'s' if len(members) > 1 else ''} "
                f"{named} were destroyed before the write, so what they sealed "
                "is unreadable whether or not it was stored; if it was, the "
                "projection tables may still show their lived experience until "
                "they are caught up (coledger rebuild, or "
                "ledger.projections().catch_up())",
                keys_destroyed=members,
            )
        erased = {shred.member for shred in shreds if shred.erase}
        return errors.KeysDestroyedError(
            members,
            erasure=bool(erased),
            batch=batch,
            reason=str(error),
            # A withdrawal's key the audit finds unexplained, not unrecorded.
            withdrawal=any(shred.member not in erased for shred in shreds),
        )

    def _batched(self, command: Callable[[], R]) -> R:
        """Run *command* inside a batch: any failure fails the whole batch."""
        try:
            with self._one_call():
                return command()
        except BaseException:
            self._batch_failed = True
            raise

    def _save(self, *aggregates: LedgerAggregate) -> None:
        if self._pending is not None:
            for aggregate in aggregates:
                self._pending[aggregate.id] = aggregate
                self._take_refs(aggregate)
                self._cache[aggregate.id] = aggregate
                # Complete: loaded at the head or created here, and only this
                # batch adds to it until the batch is stored.
                self._current.add(aggregate.id)
            return
        self._store(aggregates)
        for aggregate in aggregates:
            self._cache[aggregate.id] = aggregate

    def _absent(self, events: Sequence[CanMutateAggregate[UUID]]) -> dict[bytes, int]:
        """What storing *events* relies on no other writer having stored since.

        The references they carry that were found free, and what else was
        found absent, each with the position it was absent at.
        """
        carried = {getattr(event, "source_ref", None) for event in events}
        absent = dict(self._unseen)
        for ref, at in self._free_refs.items():
            if ref in carried:
                absent[stored_field("source_ref", ref)] = at
        return absent

    def _take_refs(self, aggregate: LedgerAggregate) -> None:
        """Note the source references of the events *aggregate* recorded since.

        A reference is taken by an event that carries it, as the catalogue
        takes it outside a batch: a command that recorded nothing leaves it free.
        """
        events = aggregate.pending_events
        start = self._pending_seen.get(aggregate.id, 0)
        self._pending_refs.update(
            e.source_ref
            for e in events[start:]
            if isinstance(e, LedgerAggregate.Event) and e.source_ref is not None
        )
        self._pending_seen[aggregate.id] = len(events)

    def _store(
        self, aggregates: Iterable[LedgerAggregate], shreds: Sequence[Shred] = ()
    ) -> None:
        """Write the aggregates' new events in one transaction; advance the head.

        This is ``Application.save`` without its per-object Protocol checks (a
        ledger has no snapshots, aggregate cache or notify hooks to run). The
        keys of *shreds* are destroyed once the events are sealed, before they
        are written.
        """
        saved = list(aggregates)
        events = [event for aggregate in saved for event in aggregate.collect_events()]
        if not events:
            self._confirm_head()
            return
        self._check_written_as_read(events)
        try:
            stored = list(map(self._app.mapper.to_stored_event, events))
        except errors.MasterKeyError as error:
            # Sealing for a member another writer erased since the command (or
            # batch) read them is a conflict, not a key problem: run again, the
            # command is refused for the erasure (a batch is ConcurrencyError).
            if not self._overtaken(events):
                raise
            msg = "a member the command read was erased by another writer"
            raise ReadsChangedError(msg) from error
        if shreds:
            self._check_unchanged(events)
        for shred in shreds:
            self._keys.destroy(shred.member, shred.purposes, erase=shred.erase)
            self._unrecorded.append(shred)
        check = self._insert_checks(events)
        ids = list(self._app.recorder.insert_events(stored, **check) or [])
        self._stored = True
        self._unrecorded.clear()
        if not ids:
            self._head = self._head_state = None
            self._current.clear()
            return
        # A saved aggregate is complete at our commit (else its versions would
        # have clashed). The others stay current only if no one else wrote
        # between the head they were checked at and our first event.
        if self._head is None or min(ids) != self._head + 1:
            self._current.clear()
            self._alone = False
        else:
            self._alone = self._checks_head
        self._head = max(ids)
        self._head_state = (
            stored[ids.index(self._head)].state
            if hasattr(self._app.recorder, "head_states")
            else None
        )
        self._current.update(aggregate.id for aggregate in saved)

    def _insert_checks(
        self, events: Sequence[CanMutateAggregate[UUID]]
    ) -> dict[str, Any]:
        """What the insert checks in its transaction, beside the events' versions."""
        # A head trusted unread is checked by the insert, in its transaction.
        check: dict[str, Any] = {}
        if self._trusted:
            check = {"head": self._head, "head_state": self._head_state}
        if self._checks_reads:
            # So are the records the command only read (it wrote the others,
            # whose versions clash by themselves if another writer got there).
            # Written means an event here: a record a batch saved unchanged (a
            # role change to the role held) clashes with nothing.
            written = {event.originator_id for event in events}
            check["reads"] = {
                i: version for i, version in self._reads.items() if i not in written
            }
        absent = self._absent(events)
        if absent and getattr(self._app.recorder, "checks_absent", False):
            # Found absent by reads the insert does not repeat: another writer
            # may have stored one since.
            check["absent"] = absent
        return check

    def _check_written_as_read(
        self, events: Sequence[CanMutateAggregate[UUID]]
    ) -> None:
        """ReadsChangedError if a record written here changed since it was first read.

        A batch's command may reload, with another writer's new events, a
        record an earlier command of the batch only read, and then write it:
        its events follow the other writer's, so their versions clash with
        nothing, and the insert's guard leaves written records out.
        """
        for record, version in _versions_before(events).items():
            read = self._reads.get(record)
            if read is not None and read != version:
                msg = "a record the command read was changed by another writer"
                raise ReadsChangedError(msg)

    def _check_unchanged(self, events: Sequence[CanMutateAggregate[UUID]]) -> None:
        """Refuse, before any key is destroyed, if another writer got there first.

        A batch is never run again, and its insert fails if another writer
        changed any of its records; found only then, the conflict would come
        after the shredding, and the keys would be gone with no event saying
        so (a declaration that writer recorded meanwhile among them). Reading
        each record's last stored version first leaves only the window a
        single command has between its head check and its insert. The records
        the batch only read are read too: the insert's guard refuses their
        changes as well, and would find them only after the shredding.
        """
        if self._overtaken(events):
            raise errors.ConcurrencyError(
                "another writer changed a record of this batch, which "
                "withdraws or erases; nothing in the batch was stored, and "
                "no key destroyed"
            )

    def _overtaken(self, events: Sequence[CanMutateAggregate[UUID]]) -> bool:
        """Whether another writer changed a record the command (or batch) used.

        Each record's last stored version is read, and compared with the one
        the command read, or the one *events* follow.
        """
        expected = _versions_before(events)
        for record, version in self._reads.items():
            expected.setdefault(record, version)
        recorder = self._app.recorder
        for record, version in expected.items():
            last = recorder.select_events(record, desc=True, limit=1)
            if (last[0].originator_version if last else 0) != version:
                return True
        return False

    def _batch_events(self) -> int:
        """How many events this thread's open batch holds so far (0 outside one).

        An import counts what it wrote by this, not by the change in
        ``position``: PostgreSQL spends a position on every rolled-back insert,
        and another writer's events may land meanwhile.
        """
        with self._lock:
            if self._pending is None or not self._in_own_batch():
                return 0
            return sum(len(a.pending_events) for a in self._pending.values())

    def _commit_batch(self) -> None:
        if self._closed:
            raise errors.LedgerClosedError(
                "the Ledger was closed inside the batch, so nothing was stored; "
                "open the ledger again and run the batch again"
            )
        if self._batch_failed:
            raise errors.WrongStateError(
                "a command in the batch failed, so nothing was stored"
            )
        if not self._pending:
            return
        # Keys another writer destroyed while the batch ran must not seal its
        # events: read the key store afresh (the batch began with it current).
        self._keys.sync()
        # Keys sealing the records the batch creates go if it fails: no other
        # writer can know those records' ids, nor have used the keys.
        new = [
            aggregate.id
            for aggregate in self._pending.values()
            if aggregate.pending_events
            and aggregate.pending_events[0].originator_version == 1
        ]
        try:
            try:
                stored = functools.partial(self._may_have_stored, new)
                with self._keys.provisional(new, stored=stored):
                    self._store(self._pending.values(), self._shreds)
            except (IntegrityError, HeadMovedError, ReadsChangedError) as error:
                if isinstance(error, IntegrityError) and not version_clash(error):
                    raise refused_write(error, "the batch") from error
                raise errors.ConcurrencyError(
                    "another writer changed records the batch read or wrote; "
                    "nothing in the batch was stored"
                ) from error
            except PersistenceError as error:
                raise self._storage_error(error, "the batch") from error
        except errors.StorageError as error:
            destroyed = self._keys_destroyed(error, batch=True, created=new)
            if destroyed is None:
                raise
            raise destroyed from error
        finally:
            self._unrecorded = []
        self._drop_stale_copies()  # what the batch read under keys now gone

    def _may_have_stored(self, records: Sequence[UUID], error: BaseException) -> bool:
        """Whether a write of *records* that failed with *error* may have landed.

        One refused for a lock another process holds stored nothing, and
        asking would wait on that lock again; otherwise the storage is asked.
        """
        if isinstance(error, PersistenceError) and _locked_out(error):
            return False
        return self._any_stored(records)

    def _any_stored(self, records: Sequence[UUID]) -> bool:
        """Whether a failed write of *records* may have stored them after all.

        A write is one transaction, so the first record tells for all; True
        when the storage cannot say.
        """
        if not records:
            return False
        try:
            return bool(self._app.recorder.select_events(records[0], limit=1))
        except Exception:  # noqa: BLE001 (unknown is treated as stored)
            return True

    def batch(self) -> contextlib.AbstractContextManager[None]:
        """Run many commands as one unit: all their events are stored, or none.

        Inside the block every command checks and records as usual, but nothing
        is written until the block ends, when all events go to storage in one
        transaction. If any command in the block fails (even one the caller
        catches) or the final write fails, nothing at all is stored. Conflicts
        with other writers are not retried inside a batch: the whole batch fails
        with ConcurrencyError. Use it for imports and other bulk loads.

        Keys that a withdrawal or an erasure in the block destroys are destroyed
        when the batch is stored, after its events are sealed: a failed batch
        destroys none, and data sealed in the batch is shredded with the rest.
        Each call makes a batch to enter once. Batches do not nest: one begun
        inside another raises WrongStateError and fails the enclosing one.
        """
        return _Once(
            self._run_batch(), "a batch runs once; start another with ledger.batch()"
        )

    @contextlib.contextmanager
    def _run_batch(self) -> Iterator[None]:
        with self._in_use():  # a close() on another thread waits for the batch
            yield from self._batch()

    def _batch(self) -> Iterator[None]:
        with self._lock:
            if self._pending is not None:
                # Refused, its block never runs: the enclosing batch must not
                # be stored without it, even if the caller catches this.
                self._batch_failed = True
                raise errors.WrongStateError("batches do not nest")
            self._sync()
            self._pending, self._pending_refs = {}, set()
            self._pending_seen = {}
            self._shreds = []
            self._reads = {}
            self._free_refs, self._unseen = {}, {}
            self._batch_failed = False
            self._batch_owner = threading.get_ident()
            try:
                yield
                self._commit_batch()
                shredded = bool(self._shreds)
            except BaseException:
                self._forget()
                raise
            finally:
                self._pending = None
                self._pending_refs = set()
                self._pending_seen = {}
                self._shreds = []
                # Else, while the next batch opens, this thread would pass
                # for its owner: its refused commands would fail that batch.
                self._batch_owner = None
        if shredded:
            self._shredded()

    def _get(
        self, record_id: object, cls: type[A], error: type[errors.NotFoundError]
    ) -> A:
        if not isinstance(record_id, UUID):
            raise v.not_an_id(f"{error.kind} id", record_id)
        try:
            aggregate: object = self._load(record_id)
        except AggregateNotFoundError:
            raise error(record_id) from None
        except PersistenceError as exc:
            raise self._read_error(exc) from exc
        if not isinstance(aggregate, cls):
            raise error(record_id, found=_KINDS.get(type(aggregate)))
        return aggregate

    def _ids(self, kind: type[LedgerAggregate]) -> list[UUID]:
        """Ids of every record of *kind* in order of creation, a batch's own last."""
        ids = list(self._catalogue.ids(kind))
        if self._pending is not None:
            ids += [
                aggregate.id
                for aggregate in self._pending.values()
                if isinstance(aggregate, kind)
                and aggregate.pending_events
                and aggregate.pending_events[0].originator_version == 1
            ]
        return ids

    def _created_in_batch(self) -> set[UUID]:
        """The records this thread's open batch creates (none outside a batch)."""
        if self._pending is None or not self._in_own_batch():
            return set()
        return {
            aggregate.id
            for aggregate in self._pending.values()
            if aggregate.pending_events
            and aggregate.pending_events[0].originator_version == 1
        }

    def _find(self, source_ref: str) -> UUID | None:
        """The id recorded with *source_ref*, in the store or in the batch so far."""
        found = self._catalogue.find(source_ref)
        if found is None and self._pending is not None:
            for aggregate in self._pending.values():
                for event in aggregate.pending_events:
                    if (
                        isinstance(event, LedgerAggregate.Event)
                        and event.source_ref == source_ref
                    ):
                        return event.recorded_id
        return found

    def _latest_act(self, member: UUID, supporter: UUID) -> Act | None:
        """The latest act through *supporter* with *member*, stored or in the batch."""
        found, at = self._catalogue.latest_act(member, supporter)
        # An act stored after this read, by another writer, would come later.
        needle = stored_field("supporter", str(supporter))
        self._unseen[needle] = min(at, self._unseen.get(needle, at))
        for aggregate in (self._pending or {}).values():
            for event in aggregate.pending_events:
                acted = act_of(event)
                if acted is not None and acted[:2] == (member, supporter):
                    found = later(found, acted[2])
        return found

    def _latest_raising(self, meeting: UUID) -> datetime | None:
        """The latest time a proposal was raised at *meeting*, stored or batched."""
        found, at = self._catalogue.latest_raising(meeting)
        # A raising stored after this read, by another writer, could come later.
        needle = stored_field("meeting", str(meeting))
        self._unseen[needle] = min(at, self._unseen.get(needle, at))
        return latest(
            found,
            *(
                event.occurred_at
                for aggregate in (self._pending or {}).values()
                for event in aggregate.pending_events
                if isinstance(event, Proposal.Raised) and event.meeting == meeting
            ),
        )

    def _load(self, record_id: UUID) -> LedgerAggregate:
        """An aggregate from the cache, brought up to date unless known current.

        Inside a batch, a record the batch changed is the batch's own copy,
        ahead of the store: the cache may have dropped it (it holds only
        CACHE_SIZE records, and destroyed keys empty it), and a copy read
        again from the store would lose the batch's unsaved events.
        """
        self._check_head()
        if self._pending is not None:
            pending = self._pending.get(record_id)
            if pending is not None:
                return pending
        cached = self._cache.pop(record_id, None)
        if cached is None:
            aggregate: LedgerAggregate = self._app.repository.get(
                record_id, projector_func=_replay
            )
        elif record_id in self._current:
            aggregate = cached
        else:
            newer = self._app.events.get(record_id, gt=cached.version)
            aggregate = _replay(cached, newer)
        self._cache[record_id] = aggregate
        self._current.add(record_id)
        self._reads.setdefault(record_id, aggregate.version)
        if len(self._cache) > CACHE_SIZE:
            oldest = next(iter(self._cache))
            del self._cache[oldest]
            self._current.discard(oldest)
        return aggregate

    def _member(self, member_id: object) -> Member:
        """Load a current member, for acting or being named."""
        if not isinstance(member_id, UUID):
            raise v.not_an_id("member id", member_id)
        try:
            member = self._get(member_id, Member, errors.UnknownMemberError)
        except errors.UnknownMemberError as unknown:
            raise errors.NotAMemberError(member_id, found=unknown.found) from None
        member.check_current()
        return member

    def _is_erased(self, member_id: UUID) -> bool:
        return self._get(member_id, Member, errors.UnknownMemberError).erased

    def _members(self, field: str, ids: object) -> tuple[UUID, ...]:
        checked = v.check_ids(field, ids)
        for member_id in checked:
            self._member(member_id)
        return checked

    def _actor(self, by: object) -> UUID:
        return self._member(by).id

    def _optional(
        self, record_id: object, cls: type[A], error: type[errors.NotFoundError]
    ) -> A | None:
        return None if record_id is None else self._get(record_id, cls, error)

    def _proposal(self, proposal_id: object) -> Proposal:
        return self._get(proposal_id, Proposal, errors.UnknownProposalError)

    def _body(self, body_id: object) -> Body:
        return self._get(body_id, Body, errors.UnknownBodyError)

    def _meeting(self, meeting_id: object) -> Meeting:
        return self._get(meeting_id, Meeting, errors.UnknownMeetingError)

    def _adjustment(self, adjustment_id: object) -> Adjustment:
        return self._get(adjustment_id, Adjustment, errors.UnknownAdjustmentError)

    def _supporter(self, member: Member, supporter: UUID | None) -> UUID | None:
        """The supporter's id, if any; ``Member.check_consent`` reads the consent."""
        if supporter is None:
            return None
        helper = self._member(supporter)
        if helper.id == member.id:
            raise errors.SupporterNotAuthorisedError(v.OWN_SUPPORTER)
        return helper.id

    def _linked_requests(self, record: Proposal) -> list[Adjustment]:
        """The requests for *record*, then those for the meeting it was raised at.

        A meeting called off took its requests with it: the vote on a proposal
        raised there is held elsewhere, and the figures leave them out.
        """
        linked = list(record.adjustments)
        if record.meeting is not None:
            meeting = self._meeting(record.meeting)
            if meeting.cancelled_at is None:
                linked += meeting.adjustments
        return [self._adjustment(a) for a in linked]

    def _unmet(
        self, record: Proposal, electorate: set[UUID], at: datetime | None = None
    ) -> tuple[UUID, ...]:
        """Requests needed before *record*'s vote, by voters, not met (at *at*).

        Without *at*, those open now. With it, a business time, those made by
        then and not yet answered then, though they may be answered now: a
        vote dated back to before a provision opened over an unmet need.
        """
        unmet = []
        for adjustment in self._linked_requests(record):
            if at is None:
                pending = adjustment.is_open
            else:
                answered = adjustment.resolved_at
                pending = adjustment.requested_at <= at and (
                    adjustment.is_open or (answered is not None and answered > at)
                )
            if (
                pending
                and adjustment.member in electorate
                and not self._is_erased(adjustment.member)
                and adjustment.needed_before in v.NEEDED_BEFORE_VOTE
            ):
                unmet.append(adjustment.id)
        return tuple(unmet)

    def _le_participants(self, record: Proposal, at: datetime) -> int | None:
        """Voters whose declaration named lived experience at *at* (business time)."""
        if record.rule is None or not record.rule.lived_experience_quorum:
            return None
        return sum(
            1
            for ballot in record.counted_ballots
            if self._get(
                ballot.voter, Member, errors.UnknownMemberError
            ).had_lived_experience_at(at)
        )

    def history(
        self, *, after: int = 0, until: int | None = None
    ) -> Iterator[RecordedEvent]:
        """Every event in recorded order, after position *after* up to *until*."""
        return self._recorded(self._pages(after, until))

    def _recorded(
        self, pages: Iterator[Sequence[StoredRecord]]
    ) -> Iterator[RecordedEvent]:
        decode = self._mapper.to_domain_event
        for page in pages:
            for record in page:
                event: Any = decode(record)
                yield RecordedEvent(record.id, event)

    def _history_for(
        self, member: UUID
    ) -> Iterator[tuple[int, LedgerAggregate.Event, frozenset[str]]]:
        """Every event in recorded order, read with *member*'s keys alone.

        With each event, the names of its sealed fields left closed (None),
        being sealed under another member's key: that key is never read, so
        one damaged or missing does not stop the reading.
        """
        mapper = self._mapper
        if isinstance(mapper, SealingMapper):
            read = SealingMapper(self._keys, subject=member).read
        else:
            read = functools.partial(_read_whole, mapper)
        for page in self._pages(0, None):
            for record in page:
                event: Any
                event, closed = read(record)
                yield record.id, event, closed

    def _count_events(self, until: int) -> int:
        """How many events are recorded up to *until*, without decoding any."""
        return sum(len(page) for page in self._pages(0, until))

    def fold_events(
        self, *, after: int = 0, until: int | None = None
    ) -> Iterator[tuple[int, LedgerAggregate.Event]]:
        """(position, event) pairs in recorded order, read for folding into Facts.

        Sealed fields the fold does not read (names, comment texts, adjustment
        codes) are left closed, as None: the fold never looks at them, and
        opening each costs a key lookup and a decryption.
        """
        return self._fold_events(self._pages(after, until))

    def _fold_events(
        self, pages: Iterator[Sequence[StoredRecord]]
    ) -> Iterator[tuple[int, LedgerAggregate.Event]]:
        decode = self._fold_reader().to_domain_event
        for page in pages:
            for record in page:
                yield record.id, decode(record)  # type: ignore[misc]

    def fold_states(
        self, *, after: int = 0, until: int | None = None
    ) -> Iterator[FoldRecord]:
        """What ``Facts.apply_states`` folds: each event's class and stored state.

        The stored JSON is handed over as it is, for the fold to cast only the
        fields it keeps; an event whose state needs more (the sealed field the
        fold reads, an older class version to upcast, bytes that are not a JSON
        object) is decoded whole by the mapper, which opens, upcasts or raises its
        usual error, and handed over in the same plain form.
        """
        return self._fold_states(self._pages(after, until))

    def _fold_states(
        self, pages: Iterator[Sequence[StoredRecord]]
    ) -> Iterator[FoldRecord]:
        mapper = self._fold_reader()
        classes = self._fold_classes
        loads = orjson.loads
        for page in pages:
            for record in page:
                found = classes.get(record.topic)
                if found is None:
                    found = classes[record.topic] = _fold_class(record.topic)
                cls, version, opens = found
                oid = record.originator_id
                if type(oid) is not UUID:
                    oid = originator_of(record)
                try:
                    state = loads(record.state)
                except orjson.JSONDecodeError:
                    plain = False
                else:
                    plain = (
                        not opens
                        and type(state) is dict
                        and state.get("class_version", 1) == version
                    )
                if not plain:
                    event = mapper.to_domain_event(record)
                    cls, state = type(event), unstructure_state(event)
                yield record.id, cls, oid, state

    def _fold_reader(self) -> LedgerMapper:
        """The mapper for folding: it opens only the sealed fields the fold reads."""
        mapper = self._mapper
        if isinstance(mapper, SealingMapper):
            if self._fold_mapper is None:
                self._fold_mapper = SealingMapper(self._keys, opens=SEALED_READS)
            mapper = self._fold_mapper
        return mapper

    @property
    def _mapper(self) -> LedgerMapper:
        # construct_mapper makes a LedgerMapper; eventsourcing types it as Mapper.
        return cast("LedgerMapper", self._app.mapper)

    def _pages(self, after: int, until: int | None) -> Iterator[Sequence[StoredRecord]]:
        """The notification log after *after* up to *until*, a page at a time.

        The bounds are checked by the call, before the first page is asked for.
        """
        check_position("after", after)
        if until is not None:
            check_position("until", until)
        # Positions are 64-bit in storage: a larger bound means "to the end".
        after = min(after, MAX_POSITION)
        until = None if until is None else min(until, MAX_POSITION)
        return self._synced(log.pages(self._app.recorder, after, until, HISTORY_PAGE))

    def _synced(
        self, pages: Iterator[Sequence[StoredRecord]]
    ) -> Iterator[Sequence[StoredRecord]]:
        """*pages*, with the key store synced before each is read.

        Per page, not once: a long read (an export, a history) must stop
        opening a member's data as soon as another writer erases them. Only
        the key store is synced (it has a lock of its own): a reader must not
        wait for the Ledger's lock, which a thread in a batch may hold while it
        waits for the reader's (the facts' lock, say). The next call under the
        Ledger's lock drops the decrypted copies.
        """
        while True:
            # Each page is read as a call of its own: close() on another thread
            # waits for it, and a read resumed after close() is refused.
            with self._in_use():
                self._keys.sync()
                page = next(pages, None)
            if page is None:
                return
            yield page
