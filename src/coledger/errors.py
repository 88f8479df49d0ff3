"""The one hierarchy of errors that coledger raises, rooted at LedgerError.

Every command validates its input and the state of the record before it writes.
When a rule fires, one of these is raised and nothing is stored. Errors carry a
plain-language message and, where useful, the offending value as attributes.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from eventsourcing.persistence import MapperDeserialisationError

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID


class LedgerError(Exception):
    """Base of every error coledger raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle (and copy) the error as it is: its message and its fields.

        Exception's own way calls the class again with the message alone,
        which an error that builds its message from fields cannot take: a
        worker process's refusal would then break the pool that sent it back.
        """
        return (_rebuilt, (type(self), self.args), self.__dict__)


def _rebuilt(cls: type[LedgerError], args: tuple[object, ...]) -> LedgerError:
    """An error of class *cls* with *args*, its own __init__ not run again."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


def shown_value(value: object) -> str:
    """*value* as a message writes it: its repr, or the size of a number too long.

    Python refuses to write out a whole number of more than 4,300 digits (by
    default) with a plain ValueError, which would stand in for the error that
    was to name it.
    """
    try:
        return repr(value)
    except ValueError:
        if not isinstance(value, int):  # a list holding such a number, say
            return f"a {type(value).__name__} too long to write out"
        size = abs(value)
        digits = int(size.bit_length() * math.log10(2))  # the count or one less
        digits += size >= 10**digits
        sign = "negative " if value < 0 else ""
        return f"a {sign}whole number of {digits:,} digits"


def shown_briefly(value: object, limit: int = 80) -> str:
    """*value* as ``shown_value`` writes it, cut to *limit* characters.

    For a refusal that repeats what was given: a long text, or a long list,
    would otherwise fill the message.
    """
    shown = shown_value(value)
    return shown if len(shown) <= limit else f"{shown[: limit - 3]}..."


def shown_on_one_line(text: str) -> str:
    """*text* with each character that is not printable written as a Python escape.

    For a name a caller chose (an import's source, a file's path): a line
    break or a terminal escape in it would break a message over lines.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


_DIRECTION = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
"""The explicit direction controls: embeddings, overrides, isolates and their ends."""


def steady(text: str) -> str:
    r"""*text* with each direction control written as an escape (``\u2067``).

    For text printed to a terminal or a plain-text file: a name, title or
    comment may hold an embedding or an isolate (only the overrides are
    refused when typed), and one left open shows the rest of its line in
    another order.
    """
    return _DIRECTION.sub(lambda m: ascii(m.group())[1:-1], text)


# Bad input ------------------------------------------------------------------


class InvalidInputError(LedgerError, ValueError):
    """An argument is malformed, whatever the state of the ledger."""


class EmptyTextError(InvalidInputError):
    """A text that must say something is empty, only whitespace, or not a string."""


class TextTooLongError(InvalidInputError):
    """A text is longer than its field allows."""


class ControlCharacterError(InvalidInputError):
    """A text holds a control character (only newlines and tabs are allowed)."""


class NaiveDatetimeError(InvalidInputError):
    """A time has no timezone (or is not a datetime), so the moment is ambiguous."""


class TimeOutOfRangeError(InvalidInputError):
    """A datetime lies outside the years a record can hold (1800 to 2199)."""


class TimeOrderError(InvalidInputError):
    """A business time comes before a step it must follow (a ballot before the vote)."""


class UnknownCodeError(InvalidInputError):
    """A value is not one of the codes its closed vocabulary allows.

    With ``sealed=True`` (lived-experience categories, adjustment codes) the
    message does not repeat the value: a near miss such as ``"bsl"`` says
    what the sealed field would have held, and messages reach logs.
    """

    def __init__(
        self,
        field: str,
        value: object,
        allowed: frozenset[str],
        *,
        sealed: bool = False,
        message: str | None = None,
    ) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        shown = ", ".join(sorted(allowed))
        given = (
            f"{field}: the value given" if sealed else f"{field} {shown_briefly(value)}"
        )
        super().__init__(message or f"{given} is not one of: {shown}")


class UnknownAdjustmentCodeError(UnknownCodeError):
    """An adjustment code is not in the catalogue."""


class UnknownAudienceError(UnknownCodeError):
    """A report's audience is not board, members or public."""


class UnknownFormatError(UnknownCodeError):
    """A report's format is not text, json or html."""


class InvalidRuleError(InvalidInputError):
    """A decision rule's parameters are out of range."""


class InvalidIdError(InvalidInputError, TypeError):
    """An id argument is not a uuid.UUID."""


class InvalidUrlError(InvalidInputError):
    """A storage URL names no backend coledger knows, or is malformed."""


class DuplicateSourceRefError(InvalidInputError):
    """A source reference was already recorded with another record."""


class MalformedImportError(InvalidInputError):
    """A file being imported is missing, unreadable or malformed; nothing was stored.

    ``source`` names the file read (its path, or the name an import was given),
    ``line`` the line in it (None when the file as a whole is at fault) and
    ``reason`` what is wrong.
    """

    def __init__(self, source: str | Path, line: int | None, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        shown = shown_on_one_line(str(source))
        where = shown if line is None else f"{shown}, line {line}"
        super().__init__(f"{where}: {reason}")

    @property
    def path(self) -> str | Path:
        """The same as ``source``, under the name the Polis importer first gave it."""
        return self.source


# Unknown records --------------------------------------------------------------


class NotFoundError(LedgerError, LookupError):
    """An id names no record of the expected kind.

    ``found`` is the kind of record the id does name (``"member"``, say, when a
    member's id was passed as a body's), or None when it names nothing. ``on``
    names the record it was looked for in, for a comment or an action, which
    may well exist on another proposal.
    """

    kind = "record"

    def __init__(
        self, record_id: object, *, found: str | None = None, on: str | None = None
    ) -> None:
        self.record_id = record_id
        self.found = found
        self.on = on
        message = f"no {self.kind} with id {record_id}"
        if on is not None:
            message += f" on {on}"
        if found is not None:
            message += f": that id names {a_or_an(found)}, not {a_or_an(self.kind)}"
        super().__init__(message)


def a_or_an(noun: str) -> str:
    """*noun* with its indefinite article."""
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


class UnknownMemberError(NotFoundError):
    """No member has this id."""

    kind = "member"


class UnknownBodyError(NotFoundError):
    """No body has this id."""

    kind = "body"


class UnknownProjectError(NotFoundError):
    """No project has this id."""

    kind = "project"


class UnknownMeetingError(NotFoundError):
    """No meeting has this id."""

    kind = "meeting"


class UnknownProposalError(NotFoundError):
    """No proposal has this id."""

    kind = "proposal"


class UnknownAdjustmentError(NotFoundError):
    """No adjustment request has this id."""

    kind = "adjustment"


class UnknownCommentError(NotFoundError):
    """No comment with this id was made on the proposal."""

    kind = "comment"


class UnknownActionError(NotFoundError):
    """No delivery action with this id was assigned on the proposal."""

    kind = "action"


# Who may act ---------------------------------------------------------------


class NotPermittedError(LedgerError, PermissionError):
    """The acting member may not do this."""


class NotAMemberError(NotPermittedError):
    """Only registered, not erased, members may act or be named."""

    def __init__(
        self, member_id: UUID, *, found: str | None = None, erased: bool = False
    ) -> None:
        self.member_id = member_id
        self.found = found
        """The kind of record the id names instead (``"body"``, say), if any."""
        self.erased = erased
        message = f"{member_id} is not a current member of the ledger"
        if erased:
            message += ": the member was erased"
        elif found is not None:
            message += f": that id names {a_or_an(found)}"
        super().__init__(message)


class NotASeatHolderError(NotPermittedError):
    """The member holds no seat on the body."""


class NotInElectorateError(NotPermittedError):
    """The member was not in the electorate fixed when voting opened."""


class SupporterNotAuthorisedError(NotPermittedError):
    """A supporter acted for a member who has not recorded consent for it."""


# State of the record ------------------------------------------------------------


class WrongStateError(LedgerError):
    """The command does not fit the current state of the record."""


class SeatAlreadyHeldError(WrongStateError):
    """The member already holds a seat on the body."""


class OfficeTakenError(WrongStateError):
    """Another member already holds that office on the body."""


class VotingNotOpenError(WrongStateError):
    """Voting on the proposal has not opened, or has already closed."""


class VotingAlreadyOpenedError(WrongStateError):
    """Voting on the proposal was already opened once."""


class EmptyElectorateError(WrongStateError):
    """The body has no voting seats, or erased members alone hold them."""


class ProposalClosedError(WrongStateError):
    """The proposal was decided or withdrawn and takes no more changes."""


class MeetingCancelledError(WrongStateError):
    """The meeting was called off: it takes no papers, attendance or requests.

    Nor check-ins, nor proposals raised at it; or it was already called off.
    A proposal raised at it before can still be voted on, from then on.
    """


class NotDecidedError(WrongStateError):
    """The proposal's decision in force, if any, does not adopt it: no delivery yet."""


class AlreadyResolvedError(WrongStateError):
    """The adjustment request was already provided, declined or withdrawn."""


class AlreadyDeclaredError(WrongStateError):
    """The member already has an active lived-experience declaration."""


class NotDeclaredError(WrongStateError):
    """The member has no active lived-experience declaration to withdraw."""


class ActionAlreadyCompletedError(WrongStateError):
    """The delivery action was already completed."""


class NotMaterialisedError(WrongStateError):
    """The projection tables hold no figures to read under these thresholds yet."""


class UnmetAdjustmentsError(WrongStateError):
    """Voting cannot open while an access need of the electorate is unresolved.

    Pass ``access_override=`` with a reason to open regardless; the override is
    recorded with the vote and shows in every projection.
    """

    def __init__(self, proposal_id: UUID, adjustment_ids: tuple[UUID, ...]) -> None:
        self.proposal_id = proposal_id
        self.adjustment_ids = adjustment_ids
        count = len(adjustment_ids)
        requests, are, them = (
            ("request", "is", "it") if count == 1 else ("requests", "are", "them")
        )
        ids = ", ".join(str(i) for i in adjustment_ids)
        super().__init__(
            f"voting on {proposal_id} cannot open: {count} adjustment {requests} "
            f"needed before the vote {are} unresolved ({ids}); provide or "
            f"decline {them}, or pass access_override='reason'"
        )


# Privacy ----------------------------------------------------------------------


class PrivacyError(LedgerError):
    """Sealed personal data could not be sealed or opened."""


class MasterKeyError(PrivacyError):
    """The master key is missing, malformed, or not this ledger's own."""


class SealBrokenError(PrivacyError):
    """A sealed field fails its integrity check: altered, or moved from elsewhere."""


# Integrity --------------------------------------------------------------------


class AuditError(LedgerError):
    """An integrity artefact (checkpoint, key, proof) is unusable."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


class CheckpointError(AuditError):
    """A checkpoint note is malformed, unsigned, or signed by another key."""


class InconsistentCheckpointError(CheckpointError):
    """The log does not extend a checkpoint its key signed: signing would fork it.

    The code is INCONSISTENT; the detail names what differs (ROOT_MISMATCH,
    TRUNCATED or EQUIVOCATION against the copies kept in the database).
    """


class ProofError(AuditError):
    """A receipt or proof does not check out."""


# Storage ----------------------------------------------------------------------


class StorageError(LedgerError):
    """The storage backend failed or could not be reached.

    The message is written on one line: a driver's may run over several
    (libpq adds a hint on a line of its own), and a path may hold a line
    break, yet a message is one line, as a log or a terminal shows it.
    """

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str) and not args[0].isprintable():
            args = (shown_on_one_line(" ".join(args[0].split())), *args[1:])
        super().__init__(*args)


class LedgerClosedError(LedgerError):
    """The Ledger object was closed; open the ledger again to go on using it.

    Not a StorageError: the storage is fine, and trying again would not help.
    """


class CorruptEventError(StorageError, MapperDeserialisationError):
    """A stored event cannot be read back: its bytes are not what coledger wrote.

    The message names the event (its position where known, its topic and its
    aggregate) and what failed. Nothing is folded or written past it;
    ``coledger verify`` shows what changed in the stored log. It is also
    eventsourcing's ``MapperDeserialisationError``, which it refines.
    """


class ConcurrencyError(StorageError):
    """Other writers kept changing the same record; the command was not stored."""


class DatabaseLockedError(StorageError):
    """Another process held the database's write lock for longer than coledger waits.

    Nothing was stored. ``where`` names the database (a SQLite file's path, or
    a PostgreSQL URL with any password replaced by ``***``) and ``waited`` the
    seconds the driver waited for the lock before giving up.
    """

    def __init__(self, where: str, waited: float) -> None:
        self.where = where
        self.waited = waited
        super().__init__(
            f"the database {shown_on_one_line(where)} is locked by another "
            f"process, which held it for longer than the {waited:g} seconds "
            "allowed; no event was stored: try again once that process has finished"
        )


class OutcomeUnknownError(StorageError):
    """A write may or may not have been stored: its reply and the server were lost.

    The connection failed as the write was committed, so the server may have
    stored it, and every try to resend it or to look for it failed too. Read
    the record back (or ``history()``, or ``position``) once the storage
    answers again, and run the command again only if it is not there.
    ``keys_destroyed`` names the members whose keys an erasure or withdrawal
    among the commands destroyed before the write (gone either way), as
    ``KeysDestroyedError.members`` does when a write is known to have failed.
    """

    def __init__(self, message: str, *, keys_destroyed: tuple[UUID, ...] = ()) -> None:
        self.keys_destroyed = keys_destroyed
        super().__init__(message)


class KeysDestroyedError(StorageError):
    """Keys were destroyed, then the event saying why could not be stored.

    An erasure or a withdrawal destroys keys before it writes its event, so
    that a failed write never leaves the data readable. ``members`` are the
    members whose keys are gone, ``erasure`` whether an erasure (not only a
    withdrawal) was among the commands, ``withdrawal`` whether a withdrawal of
    a member not also erased was among them too (a batch's), and ``reason``
    why the write failed (the failure is also the ``__cause__``). Run the same
    erasure or withdrawal again to record it; until then the erasure audit
    reports the keys (ERASURE_UNRECORDED for an erasure,
    KEY_MISSING_UNEXPLAINED for a withdrawal).
    """

    def __init__(
        self,
        members: tuple[UUID, ...],
        *,
        erasure: bool,
        batch: bool,
        reason: str,
        withdrawal: bool = False,
    ) -> None:
        self.members = members
        self.erasure = erasure
        self.withdrawal = withdrawal
        self.reason = reason
        code = "ERASURE_UNRECORDED" if erasure else "KEY_MISSING_UNEXPLAINED"
        if erasure and withdrawal:
            code += " and KEY_MISSING_UNEXPLAINED"
        if batch:
            named = ", ".join(map(str, members))
            message = (
                f"the batch destroyed the keys of member(s) {named}, but none of "
                f"its events was recorded: {reason}. Record those erasures and "
                "withdrawals again"
            )
        elif erasure:
            message = (
                f"member {members[0]}'s keys were destroyed, but the erasure was "
                f"not recorded: {reason}. Run the same erasure again to record it"
            )
        else:
            message = (
                f"member {members[0]}'s lived-experience key was destroyed, but "
                f"the withdrawal was not recorded: {reason}. Run the same "
                "withdrawal again to record it"
            )
        super().__init__(f"{message} (until then the erasure audit reports {code})")
