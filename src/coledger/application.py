"""Ledger: the one entry point, with a command for everything the record holds.

Every command checks its input and the record, then writes all its events in one
transaction, or raises a LedgerError and writes nothing. Commands name the acting
member (``by=``, or the author, voter or member the command is about) and take an
optional ``occurred_at`` (aware business time; default now) and ``source_ref``
(where an imported record came from).

Concurrency: each command loads what it needs, decides, and saves under
optimistic concurrency. When another writer changed the same record first, the
whole command is run again from fresh state, which is always safe because
nothing was written and every check is repeated. After ``MAX_ATTEMPTS`` tries,
ConcurrencyError is raised and nothing is stored.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any, Concatenate, ParamSpec, Self, TypeVar
from uuid import UUID, uuid4

import attrs
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    OperationalError,
    PersistenceError,
)
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import Environment, EnvType

from coledger import errors, transfer
from coledger.catalogue import Catalogue
from coledger.domain import (
    Adjustment,
    Body,
    Context,
    Decision,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
    Rule,
    Tally,
)
from coledger.domain import values as v
from coledger.integrity import merkle
from coledger.integrity.checkpoints import Checkpoint, SigningKey, read_unverified
from coledger.integrity.receipts import make_receipt
from coledger.integrity.recorders import LeafPOPORecorder
from coledger.integrity.source import AuditSource, MemorySource, open_source
from coledger.integrity.verify import Report, verify
from coledger.privacy.classification import Purpose
from coledger.privacy.keys import (
    MASTER_KEY_ENV,
    KeyStore,
    MemoryKeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
    generate_master_key,
    load_master_key,
)
from coledger.privacy.sealing import SealingMapper
from coledger.privacy.subject_access import subject_access_report
from coledger.projections.facts import Facts
from coledger.projections.indicators import build_report
from coledger.projections.lens import Lens, Scope
from coledger.projections.materialise import (
    Materialiser,
    MemoryTables,
    SQLTables,
    Tables,
)
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.serialization import LedgerMapper
from coledger.storage import APP_NAME, DEFAULT_URL, StorageConfig, parse_url
from coledger.transfer import Progress
from coledger.views import (
    AdjustmentView,
    BodyView,
    MeetingView,
    MemberView,
    ProjectView,
    ProposalView,
)

MAX_ATTEMPTS = 12
CACHE_SIZE = 2048
"""Aggregates kept in memory per Ledger, most recently used last."""
HISTORY_PAGE = 1000
A = TypeVar("A", bound=LedgerAggregate)
R = TypeVar("R")


P = ParamSpec("P")


def _query(
    method: Callable[Concatenate[Ledger, P], R],
) -> Callable[Concatenate[Ledger, P], R]:
    """Run a query one call at a time, after any destroyed keys are honoured.

    Decrypted copies of data whose keys were destroyed since the last call (by
    this process or another) are dropped first.
    """

    @functools.wraps(method)
    def wrapper(self: Ledger, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            self._sync()
            return method(self, *args, **kwargs)

    return wrapper


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply stored events to an aggregate, as eventsourcing's projector does.

    It leaves out that projector's per-event runtime Protocol check, which cost
    a sixth of a command's time in profiles.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class _LedgerApp(Application[UUID]):
    """The eventsourcing application behind a Ledger (configured only by its URL)."""

    name = APP_NAME

    def __init__(
        self, env: EnvType, keys: KeyStore, *, seal: bool = True, leaves: bool = True
    ) -> None:
        self.keys = keys
        self.seal = seal
        self.leaves = leaves
        if not leaves:
            env = {k: v for k, v in env.items() if k != "APPLICATION_RECORDER_TOPIC"}
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Ignore the process environment: the storage URL is the whole configuration,
        # so a stray PERSISTENCE_MODULE cannot send a ledger somewhere else.
        return Environment(name, dict(env or {}))

    def construct_recorder(self) -> ApplicationRecorder:
        if isinstance(self.factory, POPOFactory) and self.leaves:
            return LeafPOPORecorder()
        return super().construct_recorder()

    def construct_mapper(self) -> LedgerMapper:
        return SealingMapper(self.keys) if self.seal else LedgerMapper()


@attrs.frozen
class RecordedEvent:
    """One stored event and its position in the ledger's recorded order."""

    position: int
    event: LedgerAggregate.Event


@contextlib.contextmanager
def _opening(config: StorageConfig) -> Iterator[None]:
    """Serialise opening a PostgreSQL ledger, and create its schema if missing.

    Opening creates tables, types and functions; two processes doing that at the
    same moment collide inside PostgreSQL, so they take turns under an advisory
    lock named after the schema.
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
            conn.execute(
                "SELECT pg_advisory_lock(hashtext(%s))",
                (f"coledger:open:{config.schema or 'public'}",),
            )
            if config.schema:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                        sql.Identifier(config.schema)
                    )
                )
        except psycopg.Error as error:
            raise errors.StorageError(f"cannot prepare the schema: {error}") from error
        yield


def _check_period(since: datetime | None, until: datetime | None) -> None:
    """Refuse a period that is naive or runs backwards."""
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            v.check_aware(name, value)
    if since is not None and until is not None and since >= until:
        raise errors.InvalidInputError("since must come before until")


def _key_store(config: StorageConfig, master_key: bytes) -> KeyStore:
    """The key store that belongs beside a ledger's events."""
    if config.backend == "sqlite" and config.path is not None:
        return SQLiteKeyStore(
            master_key, config.path.with_name(config.path.name + ".keys")
        )
    if config.backend == "postgres":
        return PostgresKeyStore(master_key, config.postgres_conninfo, config.schema)
    return MemoryKeyStore(master_key)


class Ledger:
    """An event-sourced record of how an organisation makes its decisions."""

    def __init__(
        self,
        config: StorageConfig,
        master_key: bytes,
        *,
        seal: bool = True,
        leaves: bool = True,
    ) -> None:
        """Open the ledger of a parsed URL; prefer Ledger.open.

        ``seal=False`` stores personal fields in clear and ``leaves=False`` writes
        no hash leaves. They exist only so that the benchmarks can measure what
        sealing and leaves cost; never use them for real records.
        """
        self.config = config
        with _opening(config):
            self._open(config, master_key, seal=seal, leaves=leaves)
        self._catalogue = Catalogue(self._app)
        self._facts = Facts()
        self._facts_lock = threading.Lock()
        self._projector: Materialiser | None = None
        self._lock = threading.RLock()
        self._cache: dict[UUID, LedgerAggregate] = {}
        self._pending: dict[UUID, LedgerAggregate] | None = None
        self._pending_refs: set[str] = set()
        self._batch_failed = False

    def _open(
        self, config: StorageConfig, master_key: bytes, *, seal: bool, leaves: bool
    ) -> None:
        had_ledger = config.path is not None and config.path.exists()
        self._keys = _key_store(config, master_key)
        try:
            fresh_keys = self._keys.check_master_key()
            self._app = _LedgerApp(config.env, self._keys, seal=seal, leaves=leaves)
        except PersistenceError as error:
            self._keys.close()
            raise errors.StorageError(f"cannot open the ledger: {error}") from error
        except errors.LedgerError:
            self._keys.close()
            raise
        if fresh_keys and (had_ledger or config.backend == "postgres"):
            self._refuse_lost_key_store()

    def _refuse_lost_key_store(self) -> None:
        """A ledger with events but a new, empty key store lost its keys: refuse."""
        if self._app.recorder.max_notification_id():
            self._app.close()
            self._keys.close()
            if self.config.path is not None:  # do not leave the empty store behind
                self.config.path.with_name(self.config.path.name + ".keys").unlink(
                    missing_ok=True
                )
            msg = (
                "the ledger holds events but its key store is new and empty: the "
                "key store was lost or moved; restore it (see docs/privacy.md)"
            )
            raise errors.MasterKeyError(msg)

    @classmethod
    def open(
        cls, url: str = DEFAULT_URL, *, master_key: bytes | str | None = None
    ) -> Ledger:
        """Open (creating if needed) the ledger stored at *url*.

        ``master_key`` (32 bytes, or their URL-safe base64) unwraps the members'
        data keys; without it the ``COLEDGER_MASTER_KEY`` environment variable is
        read. An in-memory ledger with neither gets a throwaway key.
        """
        config = parse_url(url)
        if (
            master_key is None
            and config.backend == "memory"
            and not os.environ.get(MASTER_KEY_ENV)
        ):
            return cls(config, generate_master_key())
        return cls(config, load_master_key(master_key))

    def close(self) -> None:
        """Release the connections to storage and the key store."""
        if self._projector is not None:
            self._projector.tables.close()
        self._app.close()
        self._keys.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Plumbing ----------------------------------------------------------------------

    def _ctx(
        self,
        actor: UUID | None,
        occurred_at: datetime | None,
        source_ref: str | None,
    ) -> Context:
        when = (
            datetime.now(UTC)
            if occurred_at is None
            else v.check_aware("occurred_at", occurred_at)
        )
        ref = v.check_optional_text(
            "source_ref", source_ref, limit=v.MAX_SOURCE_REF, one_line=True
        )
        if ref is not None and (
            ref in self._pending_refs or self._catalogue.find(ref) is not None
        ):
            raise errors.DuplicateSourceRefError(
                f"source_ref {ref!r} was already recorded"
            )
        if ref is not None and self._pending is not None:
            self._pending_refs.add(ref)
        return Context(actor, when, ref)

    def _sync(self) -> None:
        """Drop every decrypted copy if keys were destroyed since the last call."""
        if self._keys.sync():
            self._cache.clear()

    def _transact(self, command: Callable[[], R]) -> R:
        """Run *command* under optimistic concurrency, retrying conflicts.

        One call at a time per Ledger object (threads wanting parallel writes
        open a Ledger each). Any failure empties the aggregate cache, so that an
        aggregate changed in memory but not stored is never used again.
        """
        with self._lock:
            if self._pending is not None:
                try:
                    return command()
                except BaseException:
                    self._batch_failed = True
                    raise
            for attempt in range(MAX_ATTEMPTS):
                self._sync()
                try:
                    return command()
                except IntegrityError:
                    self._cache.clear()
                except OperationalError as error:
                    self._cache.clear()
                    if "locked" not in str(error) and "busy" not in str(error):
                        raise errors.StorageError(str(error)) from error
                except PersistenceError as error:
                    self._cache.clear()
                    raise errors.StorageError(str(error)) from error
                except BaseException:
                    self._cache.clear()
                    raise
                time.sleep(min(0.2, 0.002 * 2**attempt) * random.random())  # noqa: S311
        raise errors.ConcurrencyError(
            f"the record kept changing over {MAX_ATTEMPTS} attempts; nothing was stored"
        )

    def _save(self, *aggregates: LedgerAggregate) -> None:
        if self._pending is not None:
            for aggregate in aggregates:
                self._pending[aggregate.id] = aggregate
                self._cache[aggregate.id] = aggregate
            return
        self._app.save(*aggregates)
        for aggregate in aggregates:
            self._cache[aggregate.id] = aggregate

    def _commit_batch(self) -> None:
        if self._batch_failed:
            raise errors.WrongStateError(
                "a command in the batch failed, so nothing was stored"
            )
        if not self._pending:
            return
        try:
            self._app.save(*self._pending.values())
        except IntegrityError as error:
            raise errors.ConcurrencyError(
                "another writer changed the same records; "
                "nothing in the batch was stored"
            ) from error
        except PersistenceError as error:
            raise errors.StorageError(str(error)) from error

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Run many commands as one unit: all their events are stored, or none.

        Inside the block every command checks and records as usual, but nothing
        is written until the block ends, when all events go to storage in one
        transaction. If any command in the block fails (even one the caller
        catches) or the final write fails, nothing at all is stored. Conflicts
        with other writers are not retried inside a batch: the whole batch fails
        with ConcurrencyError. Use it for imports and other bulk loads.
        """
        with self._lock:
            if self._pending is not None:
                raise errors.WrongStateError("batches do not nest")
            self._sync()
            self._pending, self._pending_refs = {}, set()
            self._batch_failed = False
            try:
                yield
                self._commit_batch()
            except BaseException:
                self._cache.clear()
                raise
            finally:
                self._pending = None
                self._pending_refs = set()

    def _get(
        self, record_id: object, cls: type[A], error: type[errors.NotFoundError]
    ) -> A:
        if not isinstance(record_id, UUID):
            raise errors.InvalidIdError(
                f"{error.kind} id must be a uuid.UUID, not {record_id!r}"
            )
        try:
            aggregate: object = self._load(record_id)
        except AggregateNotFoundError:
            raise error(record_id) from None
        except PersistenceError as exc:
            raise errors.StorageError(str(exc)) from exc
        if not isinstance(aggregate, cls):
            raise error(record_id)
        return aggregate

    def _load(self, record_id: UUID) -> LedgerAggregate:
        """An aggregate from the cache brought up to date, or loaded afresh."""
        cached = self._cache.pop(record_id, None)
        if cached is None:
            aggregate: LedgerAggregate = self._app.repository.get(
                record_id, projector_func=_replay
            )
        else:
            newer = self._app.events.get(record_id, gt=cached.version)
            aggregate = _replay(cached, newer)
        self._cache[record_id] = aggregate
        if len(self._cache) > CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        return aggregate

    def _member(self, member_id: object) -> Member:
        """Load a current member, for acting or being named."""
        if not isinstance(member_id, UUID):
            raise errors.InvalidIdError(
                f"member id must be a uuid.UUID, not {member_id!r}"
            )
        try:
            member = self._get(member_id, Member, errors.UnknownMemberError)
        except errors.UnknownMemberError:
            raise errors.NotAMemberError(member_id) from None
        if member.erased:
            raise errors.NotAMemberError(member_id)
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

    # Members -----------------------------------------------------------------------

    def register_member(
        self,
        name: str,
        *,
        role: str = "member",
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Register a person; returns their member id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        v.check_code("role", role, v.ROLES)

        def command() -> UUID:
            actor = None if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            member = Member.register(uuid4(), ctx, name, role)
            self._save(member)
            return member.id

        return self._transact(command)

    def change_role(
        self,
        member: UUID,
        role: str,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's new organisational role."""
        v.check_code("role", role, v.ROLES)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._member(member)
            record.change_role(ctx, role)
            self._save(record)

        self._transact(command)

    def declare_lived_experience(
        self,
        member: UUID,
        *,
        categories: Iterable[str],
        consent: str = "explicit_consent",
        condition: str = "art9_2a_explicit_consent",
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's own declaration of lived experience, with their consent."""
        if isinstance(categories, str):
            raise errors.UnknownCodeError(
                "categories", categories, v.LIVED_EXPERIENCE_CATEGORIES
            )
        chosen = tuple(
            dict.fromkeys(
                v.check_code("category", c, v.LIVED_EXPERIENCE_CATEGORIES)
                for c in categories
            )
        )
        if not chosen:
            raise errors.EmptyTextError("a declaration needs at least one category")
        if len(chosen) > 1 and {"NONE", "PREFER_NOT"} & set(chosen):
            raise errors.InvalidInputError(
                "NONE and PREFER_NOT are answers on their own, "
                "not to be given with other categories"
            )
        v.check_code("consent", consent, v.CONSENT_FORMS)
        v.check_code("condition", condition, v.ART9_CONDITIONS)

        def command() -> None:
            record = self._member(member)
            actor = record.id if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.declare_lived_experience(ctx, chosen, consent, condition)
            self._save(record)

        self._transact(command)

    def withdraw_lived_experience(
        self,
        member: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a member's declaration and the consent behind it."""

        def command() -> None:
            record = self._member(member)
            actor = record.id if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.withdraw_lived_experience(ctx)
            # Shred first: if the event then fails to save, the retry finds the
            # key already gone, and the declaration can never be read again.
            self._keys.destroy(record.id, (Purpose.LIVED_EXPERIENCE,))
            self._save(record)

        self._transact(command)

    def erase_member(
        self,
        member: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Erase a member by destroying all their keys (crypto-shredding).

        Their name, comments, declaration and access needs become unreadable for
        good; ballots, tallies, decisions and every structural fact stay as they
        were, and the record says when the erasure happened and who asked.
        """

        def command() -> None:
            actor = self._actor(by)
            record = self._member(member)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.erase(ctx)
            self._keys.destroy(record.id, tuple(Purpose), erase=True)
            self._save(record)

        self._transact(command)

    def reapply_erasures(self) -> int:
        """Destroy again every key the record says was destroyed; returns how many.

        For after a key store was restored from a backup older than some
        erasures or withdrawals: the events say what must stay unreadable.
        """
        count = 0
        for recorded in self.history():
            event = recorded.event
            if isinstance(event, Member.Erased):
                count += self._keys.destroy(
                    event.originator_id, tuple(Purpose), erase=True
                )
            elif isinstance(event, Member.LivedExperienceWithdrawn):
                count += self._keys.destroy(
                    event.originator_id, (Purpose.LIVED_EXPERIENCE,)
                )
        return count

    def authorise_supporter(
        self,
        member: UUID,
        supporter: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's consent for *supporter* to comment and vote with them."""

        def command() -> None:
            record = self._member(member)
            helper = self._member(supporter)
            if helper.id == record.id:
                raise errors.InvalidInputError("a member cannot be their own supporter")
            actor = record.id if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.authorise_supporter(ctx, helper.id)
            self._save(record)

        self._transact(command)

    def revoke_supporter(
        self,
        member: UUID,
        supporter: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a supporter's authority to act with a member."""

        def command() -> None:
            record = self._member(member)
            v.check_id("supporter", supporter)
            actor = record.id if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.revoke_supporter(ctx, supporter)
            self._save(record)

        self._transact(command)

    # Bodies and seats --------------------------------------------------------------

    def establish_body(
        self,
        name: str,
        *,
        kind: str,
        rule: Rule | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Set up a forum or governance body; returns its id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        v.check_code("kind", kind, v.BODY_KINDS)
        chosen = Rule.majority() if rule is None else rule
        if not isinstance(chosen, Rule):
            raise errors.InvalidRuleError(f"rule must be a coledger.Rule, not {rule!r}")

        def command() -> UUID:
            actor = None if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            body = Body.establish(uuid4(), ctx, name, kind, chosen)
            self._save(body)
            return body.id

        return self._transact(command)

    def change_rule(
        self,
        body: UUID,
        rule: Rule,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Give a body a new decision rule for votes opened from now on."""
        if not isinstance(rule, Rule):
            raise errors.InvalidRuleError(f"rule must be a coledger.Rule, not {rule!r}")

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._body(body)
            record.change_rule(ctx, rule)
            self._save(record)

        self._transact(command)

    def assign_seat(
        self,
        body: UUID,
        member: UUID,
        *,
        seat: str = "voting",
        office: str | None = None,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Seat a member on a body, perhaps in an office."""
        v.check_code("seat", seat, v.SEAT_KINDS)
        if office is not None:
            v.check_code("office", office, v.OFFICES)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            seated = self._member(member)
            record = self._body(body)
            record.assign_seat(ctx, seated.id, seat, office)
            self._save(record)

        self._transact(command)

    def vacate_seat(
        self,
        body: UUID,
        member: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a member left their seat on a body."""

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            v.check_id("member", member)
            record = self._body(body)
            record.vacate_seat(ctx, member)
            self._save(record)

        self._transact(command)

    # Projects and meetings ---------------------------------------------------------

    def start_project(
        self,
        name: str,
        *,
        label: str,
        by: UUID,
        description: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Start a piece of work under the organisation's own label; returns its id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        v.check_code("label", label, v.PROJECT_LABELS)
        v.check_optional_text("description", description)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            project = Project.start(uuid4(), ctx, name, label, description)
            self._save(project)
            return project.id

        return self._transact(command)

    def relabel_project(
        self,
        project: UUID,
        label: str,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a new self-declared label for a project."""
        v.check_code("label", label, v.PROJECT_LABELS)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._get(project, Project, errors.UnknownProjectError)
            record.relabel(ctx, label)
            self._save(record)

        self._transact(command)

    def finish_project(
        self,
        project: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a project came to an end."""

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._get(project, Project, errors.UnknownProjectError)
            record.finish(ctx)
            self._save(record)

        self._transact(command)

    def schedule_meeting(
        self,
        body: UUID,
        *,
        kind: str,
        title: str,
        starts_at: datetime,
        by: UUID,
        project: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Call a meeting of a body; returns its id."""
        v.check_code("kind", kind, v.MEETING_KINDS)
        v.check_text("title", title, limit=v.MAX_TITLE, one_line=True)
        v.check_aware("starts_at", starts_at)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            self._body(body)
            self._optional(project, Project, errors.UnknownProjectError)
            meeting = Meeting.schedule(
                uuid4(),
                ctx,
                body=body,
                kind=kind,
                title=title,
                starts_at=starts_at,
                project=project,
            )
            self._save(meeting)
            return meeting.id

        return self._transact(command)

    def issue_papers(
        self,
        meeting: UUID,
        *,
        formats: Iterable[str] = ("STD",),
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a meeting's papers went out, in each of *formats*."""
        if isinstance(formats, str):
            raise errors.UnknownCodeError("formats", formats, v.FORMATS)
        chosen = tuple(
            dict.fromkeys(v.check_code("format", f, v.FORMATS) for f in formats)
        )
        if not chosen:
            raise errors.EmptyTextError("papers need at least one format")

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._meeting(meeting)
            for fmt in chosen:
                record.issue_papers(ctx, fmt)
            self._save(record)

        self._transact(command)

    def record_attendance(
        self,
        meeting: UUID,
        member: UUID,
        *,
        mode: str = "in_person",
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a member took part in a meeting, and how."""
        v.check_code("mode", mode, v.ATTENDANCE_MODES)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            attendee = self._member(member)
            record = self._meeting(meeting)
            record.record_attendance(ctx, attendee.id, mode)
            self._save(record)

        self._transact(command)

    def hold_check_in(
        self,
        meeting: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a wellbeing check-in was held (never what was said)."""

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._meeting(meeting)
            record.hold_check_in(ctx)
            self._save(record)

        self._transact(command)

    # Proposals ---------------------------------------------------------------------

    def raise_proposal(
        self,
        body: UUID,
        *,
        proposers: Iterable[UUID],
        title: str,
        text: str,
        project: UUID | None = None,
        phase: str | None = None,
        meeting: UUID | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Put a proposal to a body and return its id; ``by`` is the first proposer."""
        v.check_text("title", title, limit=v.MAX_TITLE, one_line=True)
        v.check_text("text", text)
        if phase is not None:
            v.check_code("phase", phase, v.PHASES)

        def command() -> UUID:
            names = self._members("proposers", proposers)
            if not names:
                raise errors.InvalidInputError("a proposal needs at least one proposer")
            actor = names[0] if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            self._body(body)
            self._optional(project, Project, errors.UnknownProjectError)
            held_at = self._optional(meeting, Meeting, errors.UnknownMeetingError)
            if held_at is not None and held_at.body != body:
                raise errors.InvalidInputError(
                    f"meeting {meeting} is a meeting of another body"
                )
            proposal = Proposal.raise_(
                uuid4(),
                ctx,
                body=body,
                proposers=names,
                title=title,
                text=text,
                project=project,
                phase=phase,
                meeting=meeting,
            )
            self._save(proposal)
            return proposal.id

        return self._transact(command)

    def amend_proposal(
        self,
        proposal: UUID,
        *,
        by: UUID,
        title: str | None = None,
        text: str | None = None,
        takes_up: Iterable[UUID] = (),
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Reword a proposal before voting, naming the comments it takes up."""
        v.check_optional_text("title", title, limit=v.MAX_TITLE, one_line=True)
        v.check_optional_text("text", text)
        comments = v.check_ids("takes_up", takes_up)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            record.amend(
                ctx,
                title=record.title if title is None else title,
                text=record.text if text is None else text,
                takes_up=comments,
            )
            self._save(record)

        self._transact(command)

    def comment(
        self,
        proposal: UUID,
        *,
        author: UUID,
        text: str,
        channel: str = "meeting",
        supporter: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record a comment on a proposal; returns the comment id.

        With ``supporter=``, the comment was made through a supporter the author
        has authorised; it stays the author's.
        """
        v.check_text("text", text)
        v.check_code("channel", channel, v.CHANNELS)

        def command() -> UUID:
            writer = self._member(author)
            helper = self._supporter(writer, supporter)
            ctx = self._ctx(helper or writer.id, occurred_at, source_ref)
            record = self._proposal(proposal)
            comment_id = uuid4()
            record.comment(
                ctx,
                comment_id=comment_id,
                author=writer.id,
                text=text,
                channel=channel,
                supporter=helper,
            )
            self._save(record)
            return comment_id

        return self._transact(command)

    def _supporter(self, member: Member, supporter: UUID | None) -> UUID | None:
        if supporter is None:
            return None
        helper = self._member(supporter)
        if helper.id not in member.supporters:
            raise errors.SupporterNotAuthorisedError(
                f"{helper.id} has no recorded consent to act with member {member.id}"
            )
        return helper.id

    def publish_accessible_version(
        self,
        proposal: UUID,
        *,
        format: str,  # noqa: A002 (the word people use)
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a proposal was published in an accessible format."""
        v.check_code("format", format, v.FORMATS)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            record.publish_accessible_version(ctx, format)
            self._save(record)

        self._transact(command)

    def give_feedback(
        self,
        proposal: UUID,
        *,
        comments: Iterable[UUID],
        text: str,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record "you said, we did" feedback on comments; returns the feedback id."""
        v.check_text("text", text)
        answered = v.check_ids("comments", comments)
        if not answered:
            raise errors.InvalidInputError("feedback must answer at least one comment")

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            feedback_id = uuid4()
            record.give_feedback(
                ctx, feedback_id=feedback_id, comments=answered, text=text
            )
            self._save(record)
            return feedback_id

        return self._transact(command)

    def withdraw_proposal(
        self,
        proposal: UUID,
        *,
        by: UUID,
        reason: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a proposal before it is decided."""
        v.check_optional_text("reason", reason)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            record.withdraw(ctx, reason=reason)
            self._save(record)

        self._transact(command)

    # Adjustments -------------------------------------------------------------------

    def request_adjustment(
        self,
        member: UUID,
        *,
        code: str,
        meeting: UUID | None = None,
        proposal: UUID | None = None,
        needed_before: str = "meeting",
        needed_by: datetime | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record a request for an adjustment; returns its id.

        With neither ``meeting`` nor ``proposal`` the request is standing: it holds
        for every meeting until withdrawn. A request for a proposal (or for the
        meeting it is voted at) needed before the vote holds voting until resolved.
        """
        v.check_adjustment_code(code)
        v.check_code("needed_before", needed_before, v.NEEDED_BEFORE)
        if needed_by is not None:
            v.check_aware("needed_by", needed_by)
        if meeting is not None and proposal is not None:
            raise errors.InvalidInputError(
                "an adjustment is for a meeting or for a proposal, not both"
            )
        scope = "proposal" if proposal else "meeting" if meeting else "standing"

        def command() -> UUID:
            subject = self._member(member)
            actor = subject.id if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            adjustment = Adjustment.request(
                uuid4(),
                ctx,
                member=subject.id,
                code=code,
                scope=scope,
                meeting=meeting,
                proposal=proposal,
                needed_before=needed_before,
                needed_by=needed_by,
            )
            link = Context(actor, ctx.occurred_at)
            target: LedgerAggregate | None = None
            if proposal is not None:
                target = self._proposal(proposal)
                target.link_adjustment(
                    link,
                    adjustment=adjustment.id,
                    member=subject.id,
                    needed_before=needed_before,
                )
            elif meeting is not None:
                target = self._meeting(meeting)
                target.link_adjustment(
                    link,
                    adjustment=adjustment.id,
                    member=subject.id,
                    needed_before=needed_before,
                )
            self._save(adjustment, *([target] if target else []))
            return adjustment.id

        return self._transact(command)

    def provide_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID,
        partial: bool = False,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that an adjustment was provided (``partial=True`` if only in part)."""
        if not isinstance(partial, bool):
            raise errors.InvalidInputError("partial must be True or False")

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._adjustment(adjustment)
            self._member(record.member)  # an erased member's requests are closed
            record.provide(ctx, partial=partial)
            self._save(record)

        self._transact(command)

    def decline_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID,
        reason: str,
        alternative: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that an adjustment was declined, why, and any alternative offered."""
        v.check_code("reason", reason, v.DECLINE_REASONS)
        if alternative is not None:
            v.check_adjustment_code(alternative)
        if reason == "alternative_offered" and alternative is None:
            raise errors.InvalidInputError(
                "reason 'alternative_offered' needs the alternative's code"
            )

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._adjustment(adjustment)
            self._member(record.member)  # an erased member's requests are closed
            record.decline(ctx, reason=reason, alternative=alternative)
            self._save(record)

        self._transact(command)

    def withdraw_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that the member no longer needs an adjustment."""

        def command() -> None:
            record = self._adjustment(adjustment)
            actor = self._actor(record.member if by is None else by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.withdraw(ctx)
            self._save(record)

        self._transact(command)

    # Voting and decisions ----------------------------------------------------------

    @_query
    def unmet_adjustments(self, proposal: UUID) -> tuple[UUID, ...]:
        """Open requests, by voting members of the body, needed before its vote."""
        record = self._proposal(proposal)
        electorate = set(self._body(record.body).voting_members)
        return self._unmet(record, electorate)

    def _unmet(self, record: Proposal, electorate: set[UUID]) -> tuple[UUID, ...]:
        linked = list(record.adjustments)
        if record.meeting is not None:
            linked += self._meeting(record.meeting).adjustments
        unmet = []
        for adjustment_id in linked:
            adjustment = self._adjustment(adjustment_id)
            if (
                adjustment.is_open
                and adjustment.member in electorate
                and not self._is_erased(adjustment.member)
                and adjustment.needed_before in v.NEEDED_BEFORE_VOTE
            ):
                unmet.append(adjustment_id)
        return tuple(unmet)

    def open_voting(
        self,
        proposal: UUID,
        *,
        by: UUID,
        access_override: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> tuple[UUID, ...]:
        """Open voting; the electorate is the body's voting seats at this moment.

        Refuses with UnmetAdjustmentsError while an adjustment needed before the
        vote by someone in the electorate is unresolved, unless
        ``access_override`` gives a reason, which is recorded with the vote.
        Returns the electorate.
        """
        v.check_optional_text("access_override", access_override, limit=v.MAX_TITLE)

        def command() -> tuple[UUID, ...]:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            body = self._body(record.body)
            # An erased member keeps the seat on record but can never vote again.
            electorate = tuple(m for m in body.voting_members if not self._is_erased(m))
            if not electorate:
                raise errors.EmptyElectorateError(
                    f"body {body.name!r} has no voting seats, so no one can vote"
                )
            unmet = self._unmet(record, set(electorate))
            if unmet and access_override is None:
                raise errors.UnmetAdjustmentsError(record.id, unmet)
            record.open_voting(
                ctx,
                electorate=electorate,
                rule=body.rule,
                access_override=access_override if unmet else None,
                unmet_adjustments=unmet,
            )
            self._save(record)
            return electorate

        return self._transact(command)

    def cast_ballot(
        self,
        proposal: UUID,
        *,
        voter: UUID,
        choice: str,
        supporter: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a ballot; a later ballot by the same voter replaces it until close.

        With ``supporter=``, a supporter the voter has authorised cast it for them;
        the ballot is still the voter's.
        """
        v.check_code("choice", choice, v.CHOICES)

        def command() -> None:
            member = self._member(voter)
            helper = self._supporter(member, supporter)
            ctx = self._ctx(helper or member.id, occurred_at, source_ref)
            record = self._proposal(proposal)
            record.cast_ballot(ctx, voter=member.id, choice=choice, supporter=helper)
            self._save(record)

        self._transact(command)

    def close_voting(
        self,
        proposal: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Decision:
        """Close voting; the body's rule decides, and the decision is returned."""

        def command() -> Decision:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            decision = record.close_voting(
                ctx,
                decision_id=uuid4(),
                lived_experience_participants=self._le_participants(record),
            )
            self._save(record)
            return decision

        return self._transact(command)

    def close_advisory_vote(
        self,
        proposal: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Tally:
        """Close a vote that informs but does not decide, and return its tally.

        For polls of opinion (a consultation, a Polis conversation): the tally is
        fixed and recorded, and the decision is left to ``decide()``, which is
        then not an override whatever it says, because the vote bound no one.
        """

        def command() -> Tally:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            tally = record.close_advisory_vote(
                ctx, lived_experience_participants=self._le_participants(record)
            )
            self._save(record)
            return tally

        return self._transact(command)

    def _le_participants(self, record: Proposal) -> int | None:
        if record.rule is None or not record.rule.lived_experience_quorum:
            return None
        return sum(
            1
            for voter in record.ballots
            if self._get(voter, Member, errors.UnknownMemberError).has_lived_experience
        )

    def decide(
        self,
        proposal: UUID,
        *,
        outcome: str,
        method: str,
        by: UUID,
        decided_by: Iterable[UUID] | None = None,
        rationale: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Decision:
        """Record a decision made other than by closing a vote.

        ``method`` is one of consensus, consent, chair, staff_executive, delegated or
        outside_forum; ``decided_by`` defaults to the acting member. A decision after
        a vote that goes the other way is recorded as overriding it.
        """
        v.check_code("outcome", outcome, v.OUTCOMES - {"not_valid"})
        v.check_code("method", method, v.DECISION_METHODS)
        v.check_optional_text("rationale", rationale)

        def command() -> Decision:
            actor = self._actor(by)
            deciders = (
                (actor,)
                if decided_by is None
                else self._members("decided_by", decided_by)
            )
            if not deciders:
                raise errors.InvalidInputError("decided_by names no one")
            ctx = self._ctx(actor, occurred_at, source_ref)
            record = self._proposal(proposal)
            decision = record.decide(
                ctx,
                decision_id=uuid4(),
                outcome=outcome,
                method=method,
                decided_by=deciders,
                rationale=rationale,
            )
            self._save(record)
            return decision

        return self._transact(command)

    # Delivery and evaluation -------------------------------------------------------

    def assign_action(
        self,
        proposal: UUID,
        *,
        description: str,
        owners: Iterable[UUID],
        by: UUID,
        due: datetime | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record delivery work following an adopted proposal; returns the action id."""
        v.check_text("description", description, limit=v.MAX_TITLE)
        if due is not None:
            v.check_aware("due", due)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            named = self._members("owners", owners)
            if not named:
                raise errors.InvalidInputError("an action needs at least one owner")
            record = self._proposal(proposal)
            action_id = uuid4()
            record.assign_action(
                ctx, action_id=action_id, description=description, owners=named, due=due
            )
            self._save(record)
            return action_id

        return self._transact(command)

    def complete_action(
        self,
        proposal: UUID,
        action: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a delivery action was done."""
        v.check_id("action", action)

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._proposal(proposal)
            record.complete_action(ctx, action_id=action)
            self._save(record)

        self._transact(command)

    def record_evaluation(
        self,
        proposal: UUID,
        *,
        summary: str,
        authors: Iterable[UUID],
        by: UUID,
        criteria_proposed_by: Iterable[UUID] = (),
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record an evaluation of an adopted proposal; returns its id."""
        v.check_text("summary", summary)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            writers = self._members("authors", authors)
            if not writers:
                raise errors.InvalidInputError(
                    "an evaluation needs at least one author"
                )
            criteria = self._members("criteria_proposed_by", criteria_proposed_by)
            record = self._proposal(proposal)
            evaluation_id = uuid4()
            record.record_evaluation(
                ctx,
                evaluation_id=evaluation_id,
                authors=writers,
                criteria_proposed_by=criteria,
                summary=summary,
            )
            self._save(record)
            return evaluation_id

        return self._transact(command)

    # Queries -----------------------------------------------------------------------

    @_query
    def member(self, member_id: UUID) -> MemberView:
        """A member as recorded now."""
        return MemberView.of(self._get(member_id, Member, errors.UnknownMemberError))

    @_query
    def body(self, body_id: UUID) -> BodyView:
        """A body, its rule and seats as recorded now."""
        return BodyView.of(self._body(body_id))

    @_query
    def project(self, project_id: UUID) -> ProjectView:
        """A project as recorded now."""
        return ProjectView.of(
            self._get(project_id, Project, errors.UnknownProjectError)
        )

    @_query
    def meeting(self, meeting_id: UUID) -> MeetingView:
        """A meeting as recorded now."""
        return MeetingView.of(self._meeting(meeting_id))

    @_query
    def proposal(self, proposal_id: UUID) -> ProposalView:
        """A proposal as recorded now."""
        return ProposalView.of(self._proposal(proposal_id))

    @_query
    def adjustment(self, adjustment_id: UUID) -> AdjustmentView:
        """An adjustment request as recorded now."""
        return AdjustmentView.of(self._adjustment(adjustment_id))

    @_query
    def tally(self, proposal: UUID) -> Tally:
        """Counts per choice, latest ballot each (fixed once voting has closed)."""
        return self.proposal(proposal).tally

    def find_by_source_ref(self, source_ref: str) -> UUID | None:
        """The id recorded with *source_ref*, or None if nothing was."""
        v.check_text("source_ref", source_ref, limit=v.MAX_SOURCE_REF, one_line=True)
        return self._catalogue.find(source_ref)

    @_query
    def members(self) -> list[MemberView]:
        """Every member, in order of registration."""
        return [self.member(i) for i in self._catalogue.ids(Member)]

    @_query
    def bodies(self) -> list[BodyView]:
        """Every body, in order of establishment."""
        return [self.body(i) for i in self._catalogue.ids(Body)]

    @_query
    def projects(self) -> list[ProjectView]:
        """Every project, in order of starting."""
        return [self.project(i) for i in self._catalogue.ids(Project)]

    @_query
    def meetings(self) -> list[MeetingView]:
        """Every meeting, in order of scheduling."""
        return [self.meeting(i) for i in self._catalogue.ids(Meeting)]

    @_query
    def proposals(self) -> list[ProposalView]:
        """Every proposal, in the order raised."""
        return [self.proposal(i) for i in self._catalogue.ids(Proposal)]

    @_query
    def adjustments(self) -> list[AdjustmentView]:
        """Every adjustment request, in the order made."""
        return [self.adjustment(i) for i in self._catalogue.ids(Adjustment)]

    @_query
    def subject_access(self, member: UUID) -> dict[str, Any]:
        """Everything the ledger holds about *member*, decrypted, ready for JSON.

        The member's current record, and every event that names them (as actor,
        author, voter, proposer, seat holder, owner...), in recorded order.
        """
        view = self.member(member)
        profile = {
            "name": view.name,
            "role": view.role,
            "lived_experience": list(view.lived_experience),
            "consent": view.consent,
            "condition": view.condition,
            "supporters": sorted(str(s) for s in view.supporters),
            "erased": view.erased,
        }
        return subject_access_report(
            view.id, profile, ((r.position, r.event) for r in self.history())
        )

    # Projections -------------------------------------------------------------------

    def facts(self, *, as_of: int | None = None) -> Facts:
        """The folded facts, now or as of a recorded position.

        The current facts are kept and extended with each new event, so repeated
        reports cost only the events since the last one; "as of" folds afresh.
        """
        if as_of is not None:
            position: object = as_of
            if isinstance(position, bool) or not isinstance(position, int) or as_of < 0:
                raise errors.InvalidInputError(
                    f"as_of must be a recorded position (a whole number >= 0), "
                    f"not {as_of!r}"
                )
            return Facts().apply_all(
                (r.position, r.event) for r in self.history(until=as_of)
            )
        with self._facts_lock:
            self._facts.apply_all(
                (r.position, r.event) for r in self.history(after=self._facts.position)
            )
            return copy.deepcopy(self._facts)

    def power_sharing(
        self,
        *,
        body: UUID | None = None,
        project: UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        as_of: int | None = None,
        thresholds: Thresholds | None = None,
        materialised: bool = False,
    ) -> PowerSharingReport:
        """Who proposed, who decided, whether access was met, and the ladder.

        For the whole ledger, or one ``body`` or ``project``; over business time
        [since, until); as the ledger stood at recorded position ``as_of``.
        ``materialised=True`` reads the all-time figures from the projection
        tables (caught up first) instead of folding; it takes no period or as_of.
        """
        _check_period(since, until)
        if thresholds is not None and not isinstance(thresholds, Thresholds):
            raise errors.InvalidInputError("thresholds must be a coledger Thresholds")
        scope = self._scope(body, project)
        if materialised:
            if since is not None or until is not None or as_of is not None:
                raise errors.InvalidInputError(
                    "the projection tables hold all-time figures: no since, until "
                    "or as_of with materialised=True"
                )
            projector = self.projections(thresholds)
            projector.catch_up()
            found = projector.read(scope)
            if found is not None:
                return found
        lens = Lens(self.facts(as_of=as_of), scope, since, until)
        return build_report(lens, thresholds or Thresholds())

    def _scope(self, body: UUID | None, project: UUID | None) -> Scope:
        if body is not None and project is not None:
            raise errors.InvalidInputError(
                "a report covers a body or a project, not both"
            )
        if body is not None:
            return Scope.body(self._body(body).id)
        if project is not None:
            found = self._get(project, Project, errors.UnknownProjectError)
            return Scope.project(found.id)
        return Scope.ledger()

    def projections(self, thresholds: Thresholds | None = None) -> Materialiser:
        """The materialised projection tables of this ledger (see the docs)."""
        if self._projector is None or (
            thresholds is not None and thresholds != self._projector.th
        ):
            if self._projector is not None:
                self._projector.tables.close()
            tables: Tables = (
                MemoryTables()
                if self.config.backend == "memory"
                else SQLTables(self.config)
            )
            self._projector = Materialiser(self, tables, thresholds)
        return self._projector

    # Export and import -------------------------------------------------------------

    def export(self, out: IO[str], progress: Progress | None = None) -> int:
        """Write every event, decrypted, as JSON Lines; returns how many.

        The export holds personal data in clear: keep it like the key store.
        """
        return transfer.export_to(self, out, progress)

    def import_events(
        self, lines: Iterable[str], *, source: str = "import"
    ) -> transfer.Transfer:
        """Load an export into this empty ledger, all or nothing.

        The whole file is checked first: its format, every event's fields, each
        record's versions, and that every record replays. Then all events are
        written in one transaction, sealed under this ledger's keys, with fresh
        hash leaves; erasures and withdrawals in the export are applied again.
        """
        started = time.perf_counter()
        events = transfer.parse(lines, source)
        self._check_replays(events, source)
        if self.position:
            raise errors.WrongStateError(
                f"this ledger already holds {self.position} events; "
                "import into an empty one"
            )
        if events:
            try:
                self._app.save(*events)
            except IntegrityError as error:
                raise errors.ConcurrencyError(
                    "another writer wrote to the ledger during the import"
                ) from error
            except PersistenceError as error:
                raise errors.StorageError(str(error)) from error
        self.reapply_erasures()
        return transfer.Transfer(len(events), time.perf_counter() - started)

    def _check_replays(self, events: list[LedgerAggregate.Event], source: str) -> None:
        aggregates: dict[UUID, Any] = {}
        for number, event in enumerate(events, start=2):
            try:
                aggregates[event.originator_id] = event.mutate(
                    aggregates.get(event.originator_id)
                )
            except Exception as error:  # noqa: BLE001 (any failure to replay)
                raise transfer.MalformedImportError(
                    source, number, f"the event does not follow its record: {error!r}"
                ) from None

    # Integrity ---------------------------------------------------------------------

    def audit_source(self) -> AuditSource:
        """Read access to this ledger's leaves and stored events (close it after)."""
        if isinstance(self._app.recorder, LeafPOPORecorder):
            return MemorySource(self._app.recorder)
        return open_source(self.config.url, writable=True)

    def verify(
        self, verifier: object = None, checkpoints: Iterable[str] = ()
    ) -> Report:
        """Run the auditor's check on this ledger (no keys are used)."""
        source = self.audit_source()
        try:
            return verify(source, verifier, checkpoints)  # type: ignore[arg-type]
        finally:
            source.close()

    def checkpoint(self, signing_key: SigningKey) -> Checkpoint:
        """Sign the current head, after checking every leaf against its event.

        Returns the checkpoint; its ``note`` is the text to publish (in the
        minutes, say) and to give auditors. A copy is kept in the database,
        which never counts as evidence.
        """
        source = self.audit_source()
        try:
            report = verify(source, None, [])
            if report.status == "FAILED":
                raise errors.CheckpointError(
                    "LOG_FAILS_VERIFY",
                    "the stored log fails verification; refusing to sign: "
                    + ", ".join(sorted(report.counts)),
                )
            root = merkle.root(source.leaf_hashes(report.size))
            note = signing_key.sign(report.size, root)
            source.store_checkpoint(report.size, note)
        finally:
            source.close()
        return read_unverified(note)

    def prove_ballot(self, proposal: UUID, voter: UUID, checkpoint: str) -> str:
        """A receipt that *voter*'s latest ballot on *proposal* is in the log.

        The receipt leads to the given published checkpoint, which must be at
        least as new as the ballot.
        """
        record = self._proposal(proposal)
        v.check_id("voter", voter)
        version = None
        for stored in self._app.recorder.select_events(record.id, desc=True):
            event = self._app.mapper.to_domain_event(stored)
            if isinstance(event, Proposal.BallotCast) and event.voter == voter:
                version, state, topic = (
                    stored.originator_version,
                    stored.state,
                    stored.topic,
                )
                break
        if version is None:
            raise errors.ProofError(
                "NO_BALLOT", f"{voter} cast no ballot on {proposal}"
            )
        head = read_unverified(checkpoint)
        source = self.audit_source()
        try:
            index = source.locate(record.id, version)
            if index is None:
                raise errors.ProofError("NOT_LEDGERED", "the ballot has no leaf")
            if index >= head.size:
                raise errors.ProofError(
                    "CHECKPOINT_TOO_OLD",
                    f"the ballot is leaf {index}; the checkpoint covers {head.size}",
                )
            hashes = source.leaf_hashes(head.size)
        finally:
            source.close()
        if merkle.root(hashes) != head.root:
            raise errors.ProofError(
                "ROOT_MISMATCH", "the log does not match the checkpoint"
            )
        proof = merkle.inclusion_proof(index, hashes)
        return make_receipt(
            index,
            originator_id=record.id,
            version=version,
            topic=topic,
            state=state,
            proof=proof,
            note=checkpoint,
        )

    @property
    def position(self) -> int:
        """The position of the last recorded event (0 for an empty ledger)."""
        return self._app.recorder.max_notification_id() or 0

    def history(
        self, *, after: int = 0, until: int | None = None
    ) -> Iterator[RecordedEvent]:
        """Every event in recorded order, after position *after* up to *until*."""
        with self._lock:
            self._sync()
        start = after
        while True:
            page = self._app.recorder.select_notifications(
                start=start, limit=HISTORY_PAGE, stop=until, inclusive_of_start=False
            )
            for notification in page:
                event: Any = self._app.mapper.to_domain_event(notification)
                yield RecordedEvent(notification.id, event)
            if len(page) < HISTORY_PAGE:
                return
            start = page[-1].id
