"""Ledger: the one entry point, with a command for everything the record holds.

Every command checks its input and the record, then writes all its events in one
transaction, or raises a LedgerError and writes nothing. The three exceptions are
under Errors in docs/api.md: keys destroyed before a write that failed, tables
not rewritten after an erasure that was stored, and a commit whose outcome
PostgreSQL never told. Commands name the acting
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

import copy
import functools
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import IO, Any
from uuid import UUID

import attrs
from eventsourcing.persistence import (
    IntegrityError,
    PersistenceError,
)

from coledger import errors, transfer
from coledger._core import (
    MAX_ATTEMPTS,
    LedgerCore,
    RecordedEvent,
    _check_period,
    _query,
    outcome_unknown,
    refused_write,
    refusing_once_closed,
    version_clash,
)
from coledger.commands.adjustments import AdjustmentCommands
from coledger.commands.bodies import BodyCommands
from coledger.commands.delivery import DeliveryCommands
from coledger.commands.meetings import MeetingCommands
from coledger.commands.members import MemberCommands
from coledger.commands.proposals import ProposalCommands
from coledger.commands.voting import VotingCommands
from coledger.domain import (
    Adjustment,
    Body,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
    Tally,
)
from coledger.domain import values as v
from coledger.domain.values import check_position
from coledger.integrity import merkle
from coledger.integrity.checkpoints import (
    Checkpoint,
    SigningKey,
    Verifier,
    open_checkpoint,
    read_unverified,
)
from coledger.integrity.leaves import leaf_hash
from coledger.integrity.receipts import make_receipt
from coledger.integrity.recorders import (
    CommitUnknownError,
    HeadMovedError,
    LeafPOPORecorder,
)
from coledger.integrity.source import AuditSource, MemorySource, source_for
from coledger.integrity.verify import FAILED, WARNINGS, Report, note_texts, verify
from coledger.privacy import erasure_audit
from coledger.privacy.erasure_audit import ErasureAudit
from coledger.privacy.subject_access import subject_access_report
from coledger.projections.facts import Facts, collector_paused, stamp_at
from coledger.projections.indicators import build_report
from coledger.projections.lens import Lens, Scope
from coledger.projections.materialise import (
    Materialiser,
    MemoryTables,
    SQLTables,
    Tables,
    materialised_in,
    tracking_name,
)
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.storage import MAX_POSITION
from coledger.transfer import Progress
from coledger.views import (
    AdjustmentView,
    BodyView,
    MeetingView,
    MemberView,
    ProjectView,
    ProposalView,
)

__all__ = ["MAX_ATTEMPTS", "Ledger", "RecordedEvent"]

CATCH_UP = "ask for the report with catch_up=True"
"""The end of a NotMaterialisedError's advice, which the command line words its way."""


@refusing_once_closed
class Ledger(
    MemberCommands,
    BodyCommands,
    MeetingCommands,
    ProposalCommands,
    AdjustmentCommands,
    VotingCommands,
    DeliveryCommands,
    LedgerCore,
):
    """An event-sourced record of how an organisation makes its decisions."""

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
        record = self._proposal(proposal_id)
        return ProposalView.of(record, self._count_so_far(record))

    def _count_so_far(self, record: Proposal) -> Tally | None:
        """An unclosed vote's tally, as a close now would count it (None if none).

        A close counts the voters with lived experience when its rule has a
        quorum of them; so does the count so far, for a chair to see whether
        that quorum is met yet, and so does that of a vote a withdrawal ended.
        """
        if record.rule is None or record.tally is not None:
            return None  # never opened (a rule is fixed at the opening), or closed
        at = max(datetime.now(UTC), record.last_voting_step())
        return record.current_tally(self._le_participants(record, at))

    @_query
    def adjustment(self, adjustment_id: UUID) -> AdjustmentView:
        """An adjustment request as recorded now."""
        return AdjustmentView.of(self._adjustment(adjustment_id))

    @_query
    def tally(self, proposal: UUID) -> Tally:
        """Counts per choice, latest ballot each (fixed once voting has closed)."""
        return self.proposal(proposal).tally

    @_query
    def find_by_source_ref(self, source_ref: str) -> UUID | None:
        """The id recorded with *source_ref*, or None if nothing was."""
        v.check_text("source_ref", source_ref, limit=v.MAX_SOURCE_REF, one_line=True)
        return self._find(source_ref)

    @_query
    def members(self) -> list[MemberView]:
        """Every member, in order of registration."""
        return [self.member(i) for i in self._ids(Member)]

    @_query
    def bodies(self) -> list[BodyView]:
        """Every body, in order of establishment."""
        return [self.body(i) for i in self._ids(Body)]

    @_query
    def projects(self) -> list[ProjectView]:
        """Every project, in order of starting."""
        return [self.project(i) for i in self._ids(Project)]

    @_query
    def meetings(self) -> list[MeetingView]:
        """Every meeting, in order of scheduling."""
        return [self.meeting(i) for i in self._ids(Meeting)]

    @_query
    def proposals(self) -> list[ProposalView]:
        """Every proposal, in the order raised."""
        return [self.proposal(i) for i in self._ids(Proposal)]

    @_query
    def adjustments(self) -> list[AdjustmentView]:
        """Every adjustment request, in the order made."""
        return [self.adjustment(i) for i in self._ids(Adjustment)]

    @_query
    def subject_access(self, member: UUID) -> dict[str, Any]:
        """Everything the ledger holds about *member*, decrypted, ready for JSON.

        The member's current record, and every event that names them (as actor,
        author, voter, proposer, seat holder, owner...) or is about their
        adjustment requests, comments or actions, in recorded order. Only the
        member's own keys are read: what is sealed under another member's is
        withheld unopened.
        Inside a ``batch()`` it raises WrongStateError: the record would be read
        with the batch's changes and the events without them, and the batch
        goes on. Keys another writer destroys while it is read (erasing the
        member, say) make it read everything again, under the keys left:
        what it read before may hold what they opened.
        """
        with self._lock:  # another thread's open batch is not stored yet
            self._refuse_in_own_batch("a subject access report")
        for _ in range(MAX_ATTEMPTS):
            keys = self._key_generation()
            view = self.member(member)  # read afresh: it drops stale copies
            profile = {
                "name": view.name,
                "role": view.role,
                "lived_experience": list(view.lived_experience),
                "consent": view.consent,
                "condition": view.condition,
                "supporters": sorted(str(s) for s in view.supporters),
                "erased": view.erased,
            }
            report = subject_access_report(view.id, profile, self._history_for(view.id))
            if self._key_generation() == keys:
                return report
        raise errors.ConcurrencyError(
            "other writers kept erasing members or withdrawing declarations "
            "while the subject access report was read; try again"
        )

    def facts(self, *, as_of: int | None = None) -> Facts:
        """The folded facts, now or as of a recorded position.

        The current facts are kept and extended with each new event, so repeated
        reports cost only the events since the last one; "as of" folds afresh.
        """
        if as_of is not None:
            check_position("as_of", as_of)
            with collector_paused():
                return Facts().apply_states(self.fold_states(until=as_of))
        with self._facts_lock, collector_paused():
            kept = self._facts.position
            if kept and self._facts_stamp != stamp_at(self.fold_states, kept):
                self._facts = Facts()  # the log lost them (a restored database)
            keys = self._key_generation()
            if keys != self._facts_keys:
                self._facts = Facts()  # read under keys destroyed since
                self._facts_keys = keys
            try:
                self._facts.apply_states(self.fold_states(after=self._facts.position))
            except BaseException:
                self._facts = Facts()  # it may hold part of an event: fold afresh
                raise
            if self._facts.position != kept:
                self._facts_stamp = stamp_at(self.fold_states, self._facts.position)
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
        catch_up: bool = True,
    ) -> PowerSharingReport:
        """Who proposed, who decided, whether access was met, and the ladder.

        For the whole ledger, or one ``body`` or ``project``; over business time
        [since, until); as the ledger stood at recorded position ``as_of``.
        ``materialised=True`` reads the all-time figures from the projection
        tables (caught up first, at least to the position when called) instead
        of folding; it takes no period or as_of.
        With ``catch_up=False`` too, the tables are read as they stand, for a
        process that leaves catching up to a worker such as ``coledger follow``:
        nothing is folded here, the report's ``as_of`` says which event the
        tables hold, and tables never built under these thresholds raise
        ``NotMaterialisedError``.
        """
        if not isinstance(materialised, bool):
            raise errors.InvalidInputError("materialised must be True or False")
        if not isinstance(catch_up, bool):
            raise errors.InvalidInputError("catch_up must be True or False")
        if not catch_up and not materialised:
            raise errors.InvalidInputError(
                "catch_up=False reads the projection tables as they stand: it "
                "needs materialised=True"
            )
        since, until = _check_period(since, until)
        th = _thresholds(thresholds)
        scope = self._scope(body, project)
        if materialised:
            if since is not None or until is not None or as_of is not None:
                raise errors.InvalidInputError(
                    "the projection tables hold all-time figures: no since, until "
                    "or as_of with materialised=True"
                )
            if not catch_up:
                return self._read_tables(scope, th)
            asked_at = self.position
            projector = self.projections(th)
            # Tables another catch-up (a worker) brought this far will do:
            # racing it to the newest head failed while the ledger was in use.
            projector.catch_up(at_least=asked_at)
            found = projector.read(scope)
            if found is not None:
                return found
        lens = Lens(self.facts(as_of=as_of), scope, since, until)
        report = build_report(lens, th)
        return attrs.evolve(report, tree_size=self.tree_size(as_of=report.as_of))

    def tree_size(self, *, as_of: int | None = None) -> int | None:
        """How many events were recorded up to position *as_of* (default: all).

        Counted by the log's hash tree: its size when its last leaf is the
        event at *as_of*, which a signed checkpoint of that size vouches for.
        Positions are notification ids, which the hashes do not cover (ids
        renumbered in their order still verify), so a figure published "as
        of N" names its tree size too, and a report's ``tree_size`` other than
        the one published says the positions moved. None for a ledger kept
        without hash leaves, or begun before them (its first event has none).
        """
        if as_of is not None:
            check_position("as_of", as_of)
        count = getattr(self._app.recorder, "tree_size", None)
        if count is None:
            return None
        position = self.position if as_of is None else min(as_of, MAX_POSITION)
        found: int = count(position)
        return found

    def _read_tables(self, scope: Scope, th: Thresholds) -> PowerSharingReport:
        """*scope*'s report from the tables as they stand, without catching up."""
        found = None
        held = 0
        # Look before making a projector: on a file it would create the tables.
        if th in self._projectors or materialised_in(self.config, self._app.recorder):
            projector = self.projections(th)
            found = projector.read(scope)
            held = 0 if found is not None else projector.tables.position()
        if found is None and held:
            raise errors.NotMaterialisedError(
                f"the projection tables stand at event {held:,}, from before this "
                f"{scope.kind} was recorded: wait for the worker (coledger follow) "
                f"to catch them up, or {CATCH_UP}"
            )
        if found is None and not self.position:  # nothing a rebuild could add
            raise errors.NotMaterialisedError(
                "the ledger holds no events yet, so the projection tables hold no "
                f"figures: record some first, or {CATCH_UP}"
            )
        if found is None:
            raise errors.NotMaterialisedError(
                "the projection tables hold no figures under these thresholds yet: "
                "build them with coledger rebuild or a worker (coledger follow), or "
                f"{CATCH_UP}"
            )
        return found

    @_query  # under the lock: another thread's open batch is not stored yet
    def _scope(self, body: UUID | None, project: UUID | None) -> Scope:
        if body is not None and project is not None:
            raise errors.InvalidInputError(
                "a report covers a body or a project, not both"
            )
        if body is not None:
            scope = Scope.body(self._body(body).id)
        elif project is not None:
            found = self._get(project, Project, errors.UnknownProjectError)
            scope = Scope.project(found.id)
        else:
            return Scope.ledger()
        if scope.id in self._created_in_batch():
            # Reports read only what is stored: folded, it would be reported
            # as it stood before it existed.
            raise errors.WrongStateError(
                f"this {scope.kind} is recorded in the open batch and not stored "
                "yet, and reports read only what is stored: ask for its report "
                "after the batch"
            )
        return scope

    @_query  # under the lock: two threads asking at once must not make two
    def projections(self, thresholds: Thresholds | None = None) -> Materialiser:
        """The materialised projection tables of this ledger (see the docs)."""
        th = _thresholds(thresholds)
        projector = self._projectors.get(th)
        if projector is None:
            name = tracking_name(th)
            tables: Tables = (
                MemoryTables(name)
                if self.config.backend == "memory"
                else SQLTables(self.config, name)
            )
            projector = self._projectors[th] = Materialiser(self, tables, th)
        self._projector = projector
        return projector

    def _shredded(self) -> None:
        """Rewrite projection tables that exist without the data just shredded.

        An erasure or a withdrawal changes what the tables may show (a
        decision tagged as coming from lived experience, a rung's evidence),
        so they are caught up at once rather than when someone next reads
        them, under every set of thresholds that has tables. Tables this
        ledger never materialised are left uncreated.
        """
        if self._in_own_batch():
            return  # the batch calls again once it is stored
        try:
            # The projector this Ledger has, under whatever thresholds it was
            # asked for; else the default one, if the ledger has tables.
            projector = self._projector
            if projector is None and materialised_in(self.config, self._app.recorder):
                projector = self.projections()
            if projector is not None:
                # Tables that other catch-ups took past this event will do.
                projector.catch_up(at_least=self._head or self.position)
            # And tables kept under other thresholds (in memory each keeps its
            # own; in a file or schema only the last written is tracked).
            for other in list(self._projectors.values()):
                if other is not projector and other.tables.position():
                    other.catch_up(at_least=self._head or self.position)
        except errors.LedgerError as error:
            # The shredding is recorded: say so, or a caller would run it again.
            msg = (
                "the keys were destroyed and the event recorded, but the projection "
                f"tables could not be rewritten ({error}); they may still show the "
                "member's lived experience until they are caught up (coledger "
                "rebuild, or ledger.projections().catch_up())"
            )
            raise errors.StorageError(msg) from error

    def export(self, out: IO[str], progress: Progress | None = None) -> int:
        """Write every event, decrypted, as JSON Lines; returns how many.

        *out* is a text stream open for writing; a binary, closed or read-only
        one, or one whose encoding cannot write every character (a file opened
        without ``encoding="utf-8"`` on Windows), raises InvalidInputError
        before a line is written. The export holds personal data in clear:
        keep it like the key store.
        """
        return transfer.export_to(self, out, progress)

    def import_events(
        self,
        lines: Iterable[str] | transfer.CheckedExport,
        *,
        source: str = "import",
    ) -> transfer.Transfer:
        """Load an export into this empty ledger, all or nothing.

        The whole file is checked first (see ``transfer.read_export``, which
        can also be called beforehand and its result passed here). Then all
        events are written in one transaction, sealed under this ledger's keys,
        with fresh hash leaves; erasures and withdrawals in the export are
        applied again. If the write fails, the keys it made are deleted, unless
        the events were stored all the same (a lost COMMIT acknowledgement).
        Inside a ``batch()`` it raises WrongStateError, having written nothing,
        and the batch fails, as for a refused command.
        """
        started = time.perf_counter()
        # First, before the lines are read: a malformed export inside a batch
        # fails the batch too, as any import there does.
        self._refuse_import_in_batch()
        if isinstance(lines, transfer.CheckedExport):
            checked = lines
        else:
            checked = transfer.read_export(lines, source)
        events = checked.events
        with self._lock:  # another thread's open batch is not stored yet
            head = self.position
            if head:
                # Counted: positions on PostgreSQL have gaps, so the head is no count.
                held = self._count_events(head)
                raise errors.WrongStateError(
                    f"this ledger already holds {held} events; import into an empty one"
                )
            if events:
                # The keys come first, in one transaction of the key store, with
                # the erasures and withdrawals applied as they are made (which is
                # what reapply_erasures would do afterwards); a failed write
                # removes them, unless it landed before it failed (a lost COMMIT
                # acknowledgement, Ctrl-C just after it): its fields need them.
                use = transfer.key_use(events, sealing=self._app.seal)
                stored = functools.partial(
                    self._may_have_stored, [events[0].originator_id]
                )
                try:
                    with self._keys.provision(
                        use.needed, use.shredded, use.erased, stored=stored
                    ):
                        self._write_imported(events)
                except (IntegrityError, HeadMovedError) as error:
                    if isinstance(error, IntegrityError) and not version_clash(error):
                        raise refused_write(error, "the import") from error
                    raise errors.ConcurrencyError(
                        "another writer wrote to the ledger during the import; "
                        "nothing was imported"
                    ) from error
                except CommitUnknownError as error:
                    raise outcome_unknown(
                        error,
                        "the import",
                        "see whether position is 0 (nothing imported) or the "
                        "export's event count (all of it): it is all or nothing",
                    ) from error
                except PersistenceError as error:
                    raise errors.StorageError(str(error)) from error
        seconds = time.perf_counter() - started
        if checked is lines:  # checked earlier: count that time too
            seconds += checked.seconds
        return transfer.Transfer(len(events), seconds)

    def _refuse_import_in_batch(self) -> None:
        """WrongStateError, failing the batch, if this thread is inside its own batch.

        An import's events are written at once, not with the batch: a batch
        that then failed would keep them, and its own would follow. The batch
        fails, as for a refused command: it would otherwise be stored without
        the import, if this is caught. Asked before an import reads anything,
        so that one refused for its input fails the batch all the same.
        """
        with self._lock:  # another thread's open batch is not this thread's
            if self._in_own_batch():
                self._batch_failed = True
                raise errors.WrongStateError(
                    "an import cannot run inside a batch: it writes all its "
                    "events in one transaction of its own (batches do not nest)"
                )

    def _write_imported(self, events: Sequence[LedgerAggregate.Event]) -> None:
        """Seal and store checked events in one transaction, with their leaves."""
        mapper = self._app.mapper
        # What Application.save comes to for a ledger (no snapshots, cache or
        # notify hooks), without its per-event runtime Protocol check and the
        # Recording of each event that the import does not use.
        stored = list(map(mapper.to_stored_event, events))
        recorder = self._app.recorder
        if self._checks_head or getattr(recorder, "checks_empty", False):
            # Stored only onto an empty ledger: another writer's event since
            # the check rolls it back (HeadMovedError).
            recorder.insert_events(stored, head=0)
        else:
            recorder.insert_events(stored)

    def audit_erasure(self) -> ErasureAudit:
        """Check every key against the erasures and withdrawals the ledger records.

        An operator's check: it needs the master key, since it opens each sealed
        field whose key is live. Its report holds no personal data; see
        docs/privacy.md for each finding.
        """
        return erasure_audit.audit(self._pages, self._keys)

    def audit_source(self) -> AuditSource:
        """Read access to this ledger's leaves and stored events (close it after)."""
        if isinstance(self._app.recorder, LeafPOPORecorder):
            return MemorySource(self._app.recorder)
        return source_for(self.config, writable=True)

    def verify(
        self, verifier: Verifier | None = None, checkpoints: Iterable[str] = ()
    ) -> Report:
        """Run the auditor's check on this ledger (no keys are used)."""
        notes = note_texts(checkpoints, "checkpoints")
        source = self.audit_source()
        try:
            return verify(source, verifier, notes)
        finally:
            source.close()

    def checkpoint(self, signing_key: SigningKey) -> Checkpoint:
        """Sign the current head, after checking every leaf against its event.

        Returns the checkpoint; its ``note`` is the text to publish (in the
        minutes, say) and to give auditors. A copy is kept in the database,
        which never counts as evidence. Refuses (InconsistentCheckpointError)
        to sign a log that does not extend a copy this key signed before.
        """
        if not isinstance(signing_key, SigningKey):
            raise errors.InvalidInputError("signing_key must be a coledger SigningKey")
        source = self.audit_source()
        try:
            report = _check_before_signing(source, signing_key)
            root = merkle.root(source.iter_leaf_hashes(report.size))
            note = signing_key.sign(report.size, root)
            source.store_checkpoint(report.size, note)
        finally:
            source.close()
        return read_unverified(note)

    def prove_ballot(self, proposal: UUID, voter: UUID, checkpoint: str) -> str:
        """A receipt that *voter*'s latest ballot on *proposal* is in the log.

        The receipt leads to the given published checkpoint, which must be at
        least as new as the ballot. ProofError MODIFIED if the ballot's stored
        bytes no longer match its leaf; CheckpointError MALFORMED, whether or
        not the voter cast a ballot, if *checkpoint* is not a checkpoint note.
        """
        record_id = self._proposal_id(proposal)
        v.check_id("voter", voter)
        head = read_unverified(checkpoint)
        version = None
        for stored in self._app.recorder.select_events(record_id, desc=True):
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
        source = self.audit_source()
        try:
            index = source.locate(record_id, version)
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
        if len(hashes) != head.size:
            raise errors.ProofError(
                "CHECKPOINT_TOO_NEW",
                f"the checkpoint covers {head.size} leaves; "
                f"the log holds {len(hashes)}",
            )
        if merkle.root(hashes) != head.root:
            raise errors.ProofError(
                "ROOT_MISMATCH", "the log does not match the checkpoint"
            )
        # The receipt carries the ballot's stored bytes, and its holder checks
        # them against the leaf: bytes changed under their leaf would give a
        # receipt that never verifies, so none is given.
        if leaf_hash(record_id, version, topic, state) != hashes[index]:
            raise errors.ProofError(
                "MODIFIED",
                f"the ballot's stored event does not match leaf {index} "
                "(coledger verify shows what changed)",
            )
        proof = merkle.inclusion_proof(index, hashes)
        return make_receipt(
            index,
            originator_id=record_id,
            version=version,
            topic=topic,
            state=state,
            proof=proof,
            note=checkpoint,
        )

    @_query  # under the lock: the cache, and another thread's open batch
    def _proposal_id(self, proposal: UUID) -> UUID:
        return self._proposal(proposal).id

    @property
    def position(self) -> int:
        """The position of the last recorded event (0 for an empty ledger)."""
        return self._app.recorder.max_notification_id() or 0


FORK_CODES = frozenset({"ROOT_MISMATCH", "TRUNCATED", "EQUIVOCATION"})
"""Findings against a key's own earlier checkpoints: signing now would fork the log."""


def _signed_by(notes: Iterable[str], verifier: Verifier) -> list[str]:
    """The notes that open under *verifier*: those its key signed."""
    signed = []
    for note in notes:
        try:
            open_checkpoint(note, verifier)
        except errors.CheckpointError:
            continue  # another key's copy, or a damaged one: it binds nobody
        signed.append(note)
    return signed


def _check_before_signing(source: AuditSource, key: SigningKey) -> Report:
    """The report on the log, if *key* may sign its head; CheckpointError if not.

    A log must never sign a checkpoint inconsistent with one it signed before
    (C2SP tlog-checkpoint), so each copy in the database that *key* signed is
    checked as a trusted checkpoint: the log's root at its size must be its
    root. The copies only catch a rewrite made after them; a restored backup
    rolls them back too.
    """
    verifier = Verifier.parse(key.verifier)
    report = verify(source, verifier, _signed_by(source.stored_checkpoints(), verifier))
    if report.status != FAILED:
        return report
    found = sorted(code for code in report.counts if code not in WARNINGS)
    shown = ", ".join(f"{code} x{report.counts[code]}" for code in found)
    if not FORK_CODES.issuperset(found):
        raise errors.CheckpointError(
            "LOG_FAILS_VERIFY",
            f"the stored log fails verification; refusing to sign: {shown}",
        )
    raise errors.InconsistentCheckpointError(
        "INCONSISTENT",
        f"the log does not extend a checkpoint this key signed before ({shown}); "
        "signing it would fork the log, so nothing was signed (coledger verify "
        "with the checkpoints you kept shows where)",
    )


def _thresholds(given: object) -> Thresholds:
    """The Thresholds asked for (None: the defaults); InvalidInputError if not one."""
    if given is None:
        return Thresholds()
    if not isinstance(given, Thresholds):
        raise errors.InvalidInputError("thresholds must be a coledger Thresholds")
    return given
