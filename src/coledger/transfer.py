"""Export and import: a whole ledger as JSON Lines, versioned and validated.

The first line is a header; each further line is one event, in recorded order::

    {"format": "coledger-export", "version": 1, "events": 1747,
     "exported_at": "...", "coledger": "0.1.0"}
    {"position": 1, "topic": "coledger.domain.member:Member.Registered",
     "originator_id": "...", "originator_version": 1,
     "state": {"timestamp": "...", "occurred_at": "...", "name": "...", ...}}

``state`` holds every field of the event, decrypted: an export is personal
data and must be kept like the ledger's key store. Importing checks the whole
file first (format, topics, fields, positions rising line by line, each
record's versions running 1, 2, 3..., no id made twice)
and only then writes every event in one transaction into an empty ledger, which
seals them under its own keys and writes fresh hash leaves. Erasures and
withdrawals in the export are applied again, so what was unreadable stays so.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import inspect
import io
import json
import time
import typing
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

import attrs
import orjson
from eventsourcing.utils import get_topic

from coledger import errors
from coledger.catalogue import act_of
from coledger.domain import (
    AGGREGATES,
    Adjustment,
    Body,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
    Tally,
)
from coledger.domain.event_rules import check_event_values
from coledger.domain.values import (
    ERASED,
    NEEDED_BEFORE_VOTE,
)
from coledger.errors import MalformedImportError as MalformedImportError  # noqa: PLC0414 (re-exported)
from coledger.privacy.classification import (
    Purpose,
    Sealed,
    event_classes,
    sealed_fields,
)
from coledger.serialization import (
    NO_OFFSET,
    event_topics,
    field_types,
    structure_state,
    time_fault,
    unstructure_state,
)

if TYPE_CHECKING:
    from coledger.application import Ledger

FORMAT = "coledger-export"
VERSION = 1
Progress = Callable[[int, int], None]


@attrs.frozen
class Transfer:
    """What an export or import moved."""

    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Throughput."""
        return self.events / self.seconds if self.seconds else float("inf")


def export_lines(ledger: Ledger, progress: Progress | None = None) -> Iterator[str]:
    """The export, line by line (header first).

    The header's count and the lines come from one position, so an event
    written meanwhile is in neither. Keys another writer destroys meanwhile
    (an erasure, a withdrawal) raise ConcurrencyError: the lines before
    hold what they opened, in clear, and the export ends before the event
    that says they are gone.
    """
    from coledger.application import Ledger  # noqa: PLC0415 (which imports this)

    given: object = ledger
    if not isinstance(given, Ledger):
        raise errors.InvalidInputError(
            f"ledger must be an open Ledger, not {type(given).__name__}"
        )
    keys = ledger._key_generation()  # noqa: SLF001 (no public count)
    head = ledger.position
    # Progress counts events: positions may have gaps (PostgreSQL spends one
    # on every rolled-back insert), and a bar out of the head would never fill.
    total = ledger._count_events(head)  # noqa: SLF001 (nothing decrypted twice)
    yield json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "events": total,
            "exported_at": datetime.now(UTC).isoformat(),
            "coledger": _version(),
        }
    )
    for count, recorded in enumerate(ledger.history(until=head), start=1):
        # The key store is synced before each page is read: a count moved
        # since the start means keys the lines before may have opened.
        if ledger._keys.generation != keys:  # noqa: SLF001 (synced by the pages)
            raise _shredded_meanwhile()
        event = recorded.event
        state = unstructure_state(event)
        line = json.dumps(
            {
                "position": recorded.position,
                "topic": get_topic(type(event)),
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
                "state": state,
            },
            ensure_ascii=False,
        )
        yield line.translate(_LINE_BREAKS)
        if progress is not None:
            progress(count, total)
    if ledger._key_generation() != keys:  # noqa: SLF001 (during the last page)
        raise _shredded_meanwhile()


def _shredded_meanwhile() -> errors.ConcurrencyError:
    """The error when keys were destroyed while an export was read."""
    return errors.ConcurrencyError(
        "another writer erased a member or withdrew a declaration while the "
        "export was read, so its earlier lines may hold in clear what the "
        "later ones, and the ledger, no longer show: discard what was written "
        "and export again"
    )


_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}
"""Characters json leaves as they are that str.splitlines, which reads an
import, breaks a line at: escaped, a value holding one (kept by an import made
before values were checked) stays on its line, refused there by name."""


def export_to(ledger: Ledger, out: IO[str], progress: Progress | None = None) -> int:
    """Write the export to a text stream; returns the number of events."""
    stream: object = out
    binary = isinstance(stream, io.RawIOBase | io.BufferedIOBase)
    if binary or not callable(getattr(stream, "write", None)):
        raise errors.InvalidInputError("out must be a text stream (open with 'w')")
    _check_writable(stream)
    _check_encoding(stream)
    report: object = progress
    if report is not None and not callable(report):
        msg = "progress must be a callable taking (done, total)"
        raise errors.InvalidInputError(msg)
    count = -1
    for count, line in enumerate(export_lines(ledger, progress)):  # noqa: B007
        out.write(line + "\n")
    return count


def _check_writable(stream: object) -> None:
    """Refuse a stream that is closed or not open for writing, before any line."""
    if getattr(stream, "closed", False) is True:
        raise errors.InvalidInputError("out is closed; pass a stream open for writing")
    writable = getattr(stream, "writable", None)
    if not callable(writable) or _inherited_writable(stream):
        return  # a plain object with write(): its write will tell
    try:
        ok = writable()
    except (OSError, ValueError):  # ValueError: closed without saying so
        ok = False
    if not ok:
        raise errors.InvalidInputError("out is not open for writing (open with 'w')")


_ANY_TEXT = "\u00e9\u0141\u1ec5\u4e2d\U0001f600"
"""Characters from across Unicode, as names and comments hold them: a stream
whose encoding writes these writes any text an export holds."""


def _check_encoding(stream: object) -> None:
    """Refuse a stream whose encoding falls short of Unicode, before any line.

    Its write would fail at the first name it cannot encode (a file opened
    without an encoding on Windows writes cp1252), with part of the export,
    personal data and all, already written.
    """
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return  # a StringIO, or a plain object with write(): it takes any text
    try:
        _ANY_TEXT.encode(encoding)
    except (LookupError, UnicodeError):
        raise errors.InvalidInputError(
            f"out writes {encoding!r}, which cannot hold every character "
            "an export may; open it with encoding='utf-8'"
        ) from None


def _inherited_writable(stream: object) -> bool:
    """Whether *stream*'s writable() is io's own, which no subclass overrode.

    io's default says False for a class that defines only write(), such as a
    TextIOBase subclass that sends lines somewhere: its write will tell.
    """
    found = getattr(type(stream), "writable", None)
    return found is io.IOBase.writable or found is io.TextIOBase.writable


def _version() -> str:
    from coledger import __version__  # noqa: PLC0415 (the package imports this module)

    return __version__


_KNOWN = event_topics()
_OWNERS = {
    cls: get_topic(aggregate)
    for aggregate in AGGREGATES
    for cls in event_classes()
    if cls.__qualname__.startswith(f"{aggregate.__qualname__}.")
}
"""Each event class, with the topic of the aggregate that records it."""
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
"""19 digits in a row (after _DIGITS): maybe an integer beyond 64 bits."""


def _loads(raw: str) -> Any:
    """``json.loads(raw)``: the same value, or the same error, only faster."""
    return _read_line(raw)[0]


def _read_line(raw: str) -> tuple[Any, bool]:
    """``json.loads(raw)``, and whether json itself had to read it.

    orjson reads a line as json does, except that it refuses some text json
    accepts (NaN, huge exponents, lone surrogates) and reads integers beyond
    64 bits as floats; such lines go to json. Only those can hold a number
    beyond 64 bits or a lone surrogate, which nothing can store.
    """
    try:
        data = raw.encode()
    except UnicodeEncodeError:
        return json.loads(raw), True
    if _LONG_NUMBER not in data.translate(_DIGITS):
        try:
            return orjson.loads(data), False
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw), True


_ISSUING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "coledger_issuing_checked_export", default=False
)
"""True only while read_export makes its CheckedExport."""


@attrs.frozen
class CheckedExport:
    """An export read and checked whole, ready to import into an empty ledger.

    Only ``read_export`` makes one: an import trusts its events unchecked. So
    none is made by hand or by ``attrs.evolve``, and its events are a tuple.
    """

    source: str
    events: tuple[LedgerAggregate.Event, ...] = attrs.field(repr=False)
    seconds: float
    """How long reading and checking took."""

    def __attrs_post_init__(self) -> None:
        if not _ISSUING.get():
            raise errors.InvalidInputError(
                "a CheckedExport comes only from transfer.read_export "
                "(change the lines and read them again)"
            )


def read_export(lines: Iterable[str], source: str = "import") -> CheckedExport:
    """Read and check a whole export without a ledger; MalformedImportError if bad.

    Checks the format, every event's fields, each record's versions, that
    every record replays, and that nothing sealed about a member is readable
    after their erasure. Nothing is opened or written, so a caller can refuse
    a bad file before it creates a ledger or a master key to put it in.
    """
    started = time.perf_counter()
    named: object = source
    if not isinstance(named, str):
        msg = f"source must be a text naming the file, not {type(named).__name__}"
        raise errors.InvalidInputError(msg)
    events = _parse(lines, source)
    _check_made_ids(events, source)
    _check_references(events, source)
    # After references: a state check reads the ids they vouch for.
    _check_replays(events, source)
    _check_declines(events, source)
    requests = _requests(events)
    _check_links(events, requests, source)
    _check_meetings(events, source)
    _check_votes(events, requests, source)
    _check_supporters(events, source)
    _check_erasures(events, source)
    _check_withdrawals(events, source)
    _check_source_refs(events, source)
    token = _ISSUING.set(True)
    try:
        return CheckedExport(source, tuple(events), time.perf_counter() - started)
    finally:
        _ISSUING.reset(token)


_REFERENCES: dict[str, type[LedgerAggregate]] = {
    "body": Body,
    "project": Project,
    "meeting": Meeting,
    "proposal": Proposal,
    "adjustment": Adjustment,
    "unmet_adjustments": Adjustment,
    **dict.fromkeys(
        (
            "actor",
            "member",
            "voter",
            "author",
            "supporter",
            "proposers",
            "electorate",
            "decided_by",
            "owners",
            "authors",
            "criteria_proposed_by",
        ),
        Member,
    ),
}
"""Fields that name another record, with the kind of record they name."""


_BASE_RECORDED_ID = inspect.getattr_static(LedgerAggregate.Event, "recorded_id")


@functools.cache
def _makes_an_id(cls: type[LedgerAggregate.Event]) -> bool:
    """Whether the command recording *cls* makes an id of its own (a decision's)."""
    return inspect.getattr_static(cls, "recorded_id") is not _BASE_RECORDED_ID


def _check_made_ids(events: _Events, source: str) -> None:
    """Each id a command made (a record's, a decision's...) names one thing.

    Every command makes a fresh id for what it creates, so no two creations
    share one in an export; in a file changed by hand they could, and two
    decisions with one id made the projection tables' catch-up fail for ever.
    """
    made: dict[int, int] = {}  # the line of each id's creation, by the id's int
    for number, event in events.numbered():
        if _makes_an_id(type(event)):
            made_id = event.recorded_id
        elif event.originator_version == 1:
            made_id = event.originator_id
        else:
            continue
        line = made.setdefault(made_id.int, number)
        if line != number:
            raise MalformedImportError(
                source,
                number,
                f"id {made_id} is already made on line {line}: each command "
                "makes a fresh id, so one id names one thing",
            )


def _check_references(events: _Events, source: str) -> None:
    """Every record an event names is begun in the file, and is of that kind.

    A command looks each one up before it records anything; an import has only
    the file, so a name of no record (or of a body where a member belongs)
    would be stored as if it meant someone. Anywhere in the file, not only
    earlier: a batch stores its records' events one record after another, so
    a seat can come before the registration of the member who takes it.
    """
    kinds = {  # by the id's int: a UUID's own hash is a Python call
        event.originator_id.int: _OWNERS[type(event)]
        for event in events
        if event.originator_version == 1
    }
    comments: dict[int, set[int]] = {}  # by proposal, the comments made so far
    for number, event in events.numbered():
        kind = kinds[event.originator_id.int]  # every record has its version 1
        if _OWNERS[type(event)] != kind:
            raise MalformedImportError(
                source,
                number,
                f"a {type(event).__qualname__} event in record {event.originator_id}, "
                f"which is a {kind.rpartition(':')[2].lower()}: a record holds only "
                "events of its own kind",
            )
        _check_comments(event, comments, source, number)
        for field, wanted, name in _references_of(type(event)):
            value = getattr(event, field)
            for record in value if isinstance(value, tuple) else (value,):
                if record is not None and kinds.get(record.int) != wanted:
                    raise MalformedImportError(
                        source,
                        number,
                        f"{field} names {record}, which is no {name} in the file",
                    )


def _check_comments(
    event: LedgerAggregate.Event,
    comments: dict[int, set[int]],
    source: str,
    number: int,
) -> None:
    """Feedback and amendments answer comments made earlier on the same proposal.

    A record's events keep their order in any export, so "earlier" holds here.
    """
    made = comments.setdefault(event.originator_id.int, set())
    if isinstance(event, Proposal.Commented):
        made.add(event.comment_id.int)
    elif isinstance(event, Proposal.FeedbackGiven | Proposal.Amended):
        field = "comments" if isinstance(event, Proposal.FeedbackGiven) else "takes_up"
        for comment in getattr(event, field):
            if comment.int not in made:
                raise MalformedImportError(
                    source,
                    number,
                    f"{field} names {comment}, which is no comment made "
                    "earlier on this proposal",
                )


def _check_declines(events: _Events, source: str) -> None:
    """A decline names the member who asked for the adjustment, as its command does.

    Its ``member`` says whose key seals the alternative offered: another
    member's would keep that alternative, which is about the asker's access
    needs, readable after the asker's erasure.
    """
    askers: dict[int, UUID] = {}  # by the adjustment's id's int
    for number, event in events.numbered():
        if isinstance(event, Adjustment.Requested):
            askers[event.originator_id.int] = event.member
        elif isinstance(event, Adjustment.Declined):
            asker = askers.get(event.originator_id.int)
            if event.member != asker:
                raise MalformedImportError(
                    source,
                    number,
                    f"member names {event.member}, but adjustment "
                    f"{event.originator_id} was asked for by {asker}: a decline "
                    "names the member who asked",
                )


def _check_meetings(events: _Events, source: str) -> None:
    """A proposal raised at a meeting is raised at a meeting of its own body.

    ``raise_proposal`` refuses a meeting of another body; the reports count
    a proposal at its meeting, and the meeting for its body.
    """
    bodies: dict[int, UUID] = {}  # each meeting's body, by the meeting's id's int
    raised: list[tuple[int, UUID, UUID]] = []  # line, body, meeting
    for number, event in events.numbered():
        if isinstance(event, Meeting.Scheduled):
            bodies[event.originator_id.int] = event.body
        elif isinstance(event, Proposal.Raised) and event.meeting is not None:
            raised.append((number, event.body, event.meeting))
    for number, body, meeting in raised:
        held = bodies.get(meeting.int)
        if held != body:
            raise MalformedImportError(
                source,
                number,
                f"meeting {meeting} is a meeting of another body ({held}), "
                f"not of the proposal's body {body}",
            )


_Request = tuple[int | None, UUID, str]
"""A request for an adjustment: its meeting's or proposal's id's int, member, stage."""


def _requests(events: list[LedgerAggregate.Event]) -> dict[int, _Request]:
    """Every request for an adjustment in *events*, by the request's id's int."""
    found: dict[int, _Request] = {}
    for event in events:
        if isinstance(event, Adjustment.Requested):
            target = event.meeting or event.proposal
            found[event.originator_id.int] = (
                None if target is None else target.int,
                event.member,
                event.needed_before,
            )
    return found


def _check_votes(
    events: _Events,
    requests: dict[int, _Request],
    source: str,
) -> None:
    """A vote's opening is noted on its own body and meeting, and names its holds.

    ``open_voting`` notes it there (``VoteOpened``), so that no seat, rule or
    request dated before it can contradict it; a note elsewhere would hold
    another body or meeting to a vote that was never theirs. Its
    ``unmet_adjustments`` are requests that could hold it up: for the
    proposal or its meeting, by a voter, needed before the vote; not those
    for a meeting called off before it opened, which lapsed with it.
    """
    places: dict[int, tuple[int, int | None]] = {}  # by proposal: body, meeting
    called_off: dict[int, int] = {}  # the line of each meeting's cancellation
    votes: list[tuple[int, _VoteEvent]] = []
    for number, event in events.numbered():
        if isinstance(event, Proposal.Raised):
            meeting = None if event.meeting is None else event.meeting.int
            places[event.originator_id.int] = (event.body.int, meeting)
        elif isinstance(event, Meeting.Cancelled):
            called_off[event.originator_id.int] = number
        elif isinstance(event, _VoteEvent):
            votes.append((number, event))
    for number, vote in votes:
        if isinstance(vote, Proposal.VotingOpened):
            meeting = places[vote.originator_id.int][1]
            lapsed = meeting is not None and called_off.get(meeting, number) < number
            msg = _unmet_problem(vote, places, requests, lapsed=lapsed)
        else:
            msg = _note_problem(vote, places)
        if msg is not None:
            raise MalformedImportError(source, number, msg)


_VoteEvent = Body.VoteOpened | Meeting.VoteOpened | Proposal.VotingOpened


def _note_problem(
    note: Body.VoteOpened | Meeting.VoteOpened,
    places: dict[int, tuple[int, int | None]],
) -> str | None:
    """Why a vote's note is not on its proposal's body or meeting, or None."""
    body, meeting = places[note.proposal.int]  # a proposal: references say so
    if isinstance(note, Body.VoteOpened) and note.originator_id.int != body:
        msg = f"proposal {note.proposal} is not a proposal to this body"
    elif isinstance(note, Meeting.VoteOpened) and note.originator_id.int != meeting:
        msg = f"proposal {note.proposal} was not raised at this meeting"
    else:
        return None
    return f"{msg}: a vote is noted on its own body and meeting"


def _unmet_problem(
    opened: Proposal.VotingOpened,
    places: dict[int, tuple[int, int | None]],
    requests: dict[int, _Request],
    *,
    lapsed: bool = False,
) -> str | None:
    """Why an unmet adjustment named at an opening could not hold it up, or None.

    With *lapsed*, the proposal's meeting was called off before the opening,
    so the requests for it held nothing up (``open_voting`` reads them so).
    """
    if not opened.unmet_adjustments:
        return None
    proposal = opened.originator_id.int
    meeting = places[proposal][1]
    own = {proposal} if meeting is None else {proposal, meeting}
    voters = {voter.int for voter in opened.electorate}
    for adjustment in opened.unmet_adjustments:
        target, member, stage = requests[adjustment.int]  # references say so
        if target not in own:
            why = "is not for this proposal or its meeting"
        elif lapsed and target == meeting:
            why = (
                "is for its meeting, called off before the vote opened, so it "
                "lapsed with the meeting"
            )
        elif member.int not in voters:
            why = "was asked for by someone not in the electorate"
        elif stage not in NEEDED_BEFORE_VOTE:
            why = f"is needed before the {stage}, after the vote"
        else:
            continue
        return (
            f"unmet adjustment {adjustment} {why}: an opening names as unmet "
            "only requests that hold its vote up"
        )
    return None


_Link = Meeting.AdjustmentLinked | Proposal.AdjustmentLinked


def _check_links(
    events: _Events,
    requests: dict[int, _Request],
    source: str,
) -> None:
    """A note of a request on a meeting or proposal repeats the request.

    ``request_adjustment`` records the request and the note on its meeting or
    proposal (``AdjustmentLinked``) from one set of values: the note names the
    same member and stage, and votes there read the requests through it.
    Either may come first in the file, since a batch stores record by record.
    A request without its note is not refused: an export cut at a position
    (as ``as_of`` reads the ledger) may end between the two. A request is
    noted once: noted twice, a vote over it would name it twice as unmet.
    """
    links = [
        (number, event)
        for number, event in events.numbered()
        if isinstance(event, Meeting.AdjustmentLinked | Proposal.AdjustmentLinked)
    ]
    noted: dict[int, int] = {}  # the line of each request's note, by its id's int
    for number, link in links:
        problem = _link_problem(link, requests.get(link.adjustment.int))
        first = noted.setdefault(link.adjustment.int, number)
        if problem is None and first != number:
            problem = (
                f"adjustment {link.adjustment} is noted already on line {first}: "
                "request_adjustment notes a request once"
            )
        if problem is not None:
            raise MalformedImportError(source, number, problem)


def _link_problem(link: _Link, request: _Request | None) -> str | None:
    """What in an AdjustmentLinked differs from the request it notes, or None."""
    adjustment = link.adjustment
    if request is None or request[0] != link.originator_id.int:
        return (
            f"adjustment {adjustment} was requested for another record than "
            f"{link.originator_id}, or for none: a note names a request made for "
            "its own meeting or proposal"
        )
    _, member, stage = request
    if link.member != member:
        return (
            f"member names {link.member}, but adjustment {adjustment} was asked "
            f"for by {member}: a note names the member who asked"
        )
    if link.needed_before != stage:
        return (
            f"needed_before is {link.needed_before!r}, but adjustment "
            f"{adjustment} is needed before the {stage}"
        )
    return None


def _check_supporters(events: _Events, source: str) -> None:
    """An act through a supporter has the member's consent, then or as recorded.

    The command reads the consent at the act's business time; coledger 0.1.0
    read it as recorded when the act was, whatever the dates, so a ledger it
    wrote may hold an act dated before its consent. The file cannot always
    tell which came first either (a batch stores record by record, so a
    ballot may come before the consent behind it, and a ledger written before
    revocations were refused at or before an act may hold one dated before
    it), so the import asks what any such history holds: that member's
    consent for that supporter held at the act's date, or was in force as
    the act was recorded. A step counts as recorded before the act if it may
    have been (an earlier line, or an earlier timestamp, as a batch's
    commands record them in turn); a revocation ends the consent for the act
    only if it surely came first (an earlier line and timestamp).
    """
    steps: dict[tuple[int, int], list[_Step]] = {}  # by (member, supporter)
    acts: list[tuple[int, UUID, UUID, datetime, datetime]] = []
    for number, event in events.numbered():
        if isinstance(event, Member.SupporterAuthorised | Member.SupporterRevoked):
            pair = (event.originator_id.int, event.supporter.int)
            given = isinstance(event, Member.SupporterAuthorised)
            step = _Step(given, event.occurred_at, number, event.timestamp)
            steps.setdefault(pair, []).append(step)
        elif (acted := act_of(event)) is not None:
            member, supporter, act = acted
            acts.append((number, member, supporter, act.at, event.timestamp))
    for number, member, supporter, at, recorded in acts:
        held = steps.get((member.int, supporter.int), [])
        if not (_dated_in(held, at) or _recorded_in(held, number, recorded)):
            raise MalformedImportError(
                source,
                number,
                f"supporter {supporter} has no consent from member {member} "
                f"at {at.isoformat()}, nor one in force when the act was "
                "recorded: a supporter acts with a member only with their consent",
            )


@attrs.frozen
class _Step:
    """A member's consent for a supporter given or revoked: date, line, timestamp."""

    given: bool
    dated: datetime
    line: int
    recorded: datetime


def _dated_in(steps: list[_Step], at: datetime) -> bool:
    """Whether a consent of *steps* (in record order) held at *at*, as the member's."""
    spells: list[tuple[datetime, datetime | None]] = []
    for step in steps:
        if step.given:
            spells.append((step.dated, None))
        else:  # it ends every consent still open, as the member's record does
            spells = [(a, step.dated if b is None else b) for a, b in spells]
    return any(a <= at and (b is None or at < b) for a, b in spells)


def _recorded_in(steps: list[_Step], line: int, recorded: datetime) -> bool:
    """Whether a consent of *steps* may have been in force as an act was recorded."""
    held = False
    for step in steps:  # in record order
        if step.given:
            held = held or step.line < line or step.recorded < recorded
        elif step.line < line and step.recorded < recorded:
            held = False
    return held


def _check_erasures(events: _Events, source: str) -> None:
    """After a member's erasure, nothing sealed about them is readable.

    An erased member can do nothing more and their keys are gone, so an export
    holds only erased forms about them (a batch may store another record's
    events after the erasure: erased all the same). A readable value there
    could only be added by hand, and the import would keep a key to read it.
    """
    erased: dict[int, int] = {}  # the line of each member's erasure, by id's int
    for number, event in events.numbered():
        if isinstance(event, Member.Erased):
            erased.setdefault(event.originator_id.int, number)
            continue
        if not erased:
            continue
        for name, rule in sealed_fields(type(event)).items():
            member = getattr(event, rule.subject)
            if member.int in erased and _readable(getattr(event, name)):
                raise MalformedImportError(
                    source,
                    number,
                    f"{name} holds data about member {member}, who was erased on "
                    f"line {erased[member.int]}: after an erasure nothing about "
                    "the member may be readable",
                )


def _check_withdrawals(events: _Events, source: str) -> None:
    """A withdrawn declaration is not readable where the import would keep its key.

    The import seals all of a member's declarations under one key, and keeps
    it when they declare again after their last withdrawal (and are not
    erased). An export made after the withdrawal holds the withdrawn
    categories erased; one read while the member withdrew and declared again
    may hold them readable, and imported, they would be readable again.
    """
    withdrawn: dict[int, tuple[int, int]] = {}
    """By member: the lines of a readable declaration and of its withdrawal."""
    pending: dict[int, int] = {}
    """By member: the line of a readable declaration not yet withdrawn."""
    again: dict[int, int] = {}
    """By member: the line of a declaration after their last withdrawal."""
    erased: set[int] = set()
    for number, event in events.numbered():
        member = event.originator_id.int
        if isinstance(event, Member.LivedExperienceDeclared):
            if member in withdrawn:
                again.setdefault(member, number)
            if _readable(event.categories):
                pending.setdefault(member, number)
        elif isinstance(event, Member.LivedExperienceWithdrawn):
            again.pop(member, None)
            if member in pending:
                withdrawn.setdefault(member, (pending.pop(member), number))
        elif isinstance(event, Member.Erased):
            erased.add(member)
    for member, line in again.items():
        if member not in erased:
            declared, withdrawal = withdrawn[member]
            raise MalformedImportError(
                source,
                declared,
                f"the categories declared here are readable, though withdrawn on "
                f"line {withdrawal}; with the declaration on line {line} the "
                "import would keep the key that seals them, and they would be "
                "readable again (export the ledger again)",
            )


def _check_source_refs(events: _Events, source: str) -> None:
    """No two records, nor two things a command made, carry the same ``source_ref``.

    A command refuses a reference already recorded (DuplicateSourceRefError),
    and ``find_by_source_ref`` names one record, or one comment, decision...
    of it; a second one carrying it in a file could never be found by its
    reference. One command may give several events of one record the same
    reference (papers in several formats, before coledger 0.1.0 gave it to the
    first alone), which still names that one record.
    """
    first: dict[str, tuple[int, int]] = {}  # by reference: its record, its line
    made: dict[str, tuple[int, int]] = {}  # by reference: the id made, its line
    for number, event in events.numbered():
        ref = getattr(event, "source_ref", None)
        if ref is None:
            continue
        record, line = first.setdefault(ref, (event.originator_id.int, number))
        if record != event.originator_id.int:
            what = "another record"
        elif not _makes_an_id(type(event)):
            continue
        else:
            made_id, line = made.setdefault(ref, (event.recorded_id.int, number))
            if made_id == event.recorded_id.int:
                continue
            what = "another comment, decision, action... of this record"
        raise MalformedImportError(
            source,
            number,
            f"source_ref {ref!r} is already on line {line}, for {what}: each "
            "reference names one thing",
        )


def _readable(value: object) -> bool:
    """Whether a sealed field's value says something (not None, not erased)."""
    return value is not None and value not in (ERASED, ())


@functools.cache
def _references_of(
    cls: type[LedgerAggregate.Event],
) -> tuple[tuple[str, str, str], ...]:
    """(field, topic of the kind it names, that kind's name) for *cls*."""
    fields = _fields(cls)
    return tuple(
        (field, get_topic(kind), kind.__name__.lower())
        for field, kind in _REFERENCES.items()
        if field in fields
    )


def _check_replays(events: _Events, source: str) -> None:
    """Every record replays, each event from a state its command could record it in.

    Replaying applies an event to whatever state it finds; a command first
    asks the record's state (``_STATE_CHECKS``), with the record's own checks.
    A record's events keep their order in any export, so its state before
    each line is the one the command saw. A binding close is followed in its
    record by its decision, which ``close_voting`` records with it: without
    it the vote would read as open under a fixed tally, taking more ballots
    and a second close.
    """
    aggregates: dict[UUID, Any] = {}
    closes: dict[UUID, int] = {}  # binding closes whose decision is to come
    for number, event in events.numbered():
        if event.originator_id in closes and not isinstance(event, Proposal.Decided):
            raise MalformedImportError(
                source, number, f"{_UNDECIDED}; this event comes between them"
            )
        closes.pop(event.originator_id, None)
        if isinstance(event, Proposal.VotingClosed) and not event.advisory:
            closes[event.originator_id] = number
        check = _STATE_CHECKS.get(type(event))
        if check is not None:
            problem = _state_problem(check, aggregates.get(event.originator_id), event)
            if problem is not None:
                raise MalformedImportError(source, number, problem)
        try:
            aggregates[event.originator_id] = event.mutate(
                aggregates.get(event.originator_id)
            )
        except Exception as error:  # noqa: BLE001 (any failure to replay)
            raise MalformedImportError(
                source, number, f"the event does not follow its record: {error!r}"
            ) from None
    if closes:
        number = min(closes.values())
        raise MalformedImportError(source, number, f"{_UNDECIDED}; none follows")


_UNDECIDED = (
    "a binding close is recorded with its decision (Proposal.Decided), the "
    "next event of its proposal, as close_voting records them"
)

_StateCheck = tuple[type[LedgerAggregate], Callable[[Any, Any], str | None]]


def _state_problem(
    check: _StateCheck, record: object, event: LedgerAggregate.Event
) -> str | None:
    """Why *event* could not follow *record*'s state, or None.

    A record of another kind is left to the replay, which refuses it.
    """
    kind, problem = check
    if not isinstance(record, kind):
        return None
    try:
        return problem(record, event)
    except errors.LedgerError as error:  # the refusal of the command's own check
        return f"{error} (its command refuses this)"


def _seat_free(body: Body, event: Body.SeatAssigned) -> None:
    """One seat per member, one holder per office, as ``assign_seat`` asks."""
    body.check_seat_free(event.member, event.office)


def _seat_held(body: Body, event: Body.SeatVacated) -> None:
    """Only a seat held is left, as ``vacate_seat`` asks."""
    body.held_seat(event.member)


def _close_problem(proposal: Proposal, close: Proposal.VotingClosed) -> str | None:
    """Why *close* is not the tally and verdict closing the vote would record.

    The counts are each voter's latest ballot from the electorate fixed at the
    opening, and the verdict the opening's rule makes of them. Voters with
    lived experience are counted from declarations in other records, so that
    count is taken as given; it is there only under a lived-experience quorum.
    """
    le = close.lived_experience_participants
    tally, verdict = proposal.closing(le, advisory=close.advisory)
    given = Tally(
        close.for_, close.against, close.abstain, close.block, close.electorate_size, le
    )
    if given != tally:
        return (
            f"the close counts {dict(given.counts)} of an electorate of "
            f"{given.electorate}, but the ballots give {dict(tally.counts)} of "
            f"{tally.electorate}: a close counts each voter's latest ballot from "
            "the electorate fixed at the opening"
        )
    rule = proposal.rule
    assert rule is not None  # noqa: S101 (closing() refuses a vote not open)
    if (le is None) != (rule.lived_experience_quorum == 0):
        return (
            f"lived_experience_participants is {le!r}, but the vote's rule has a "
            f"lived-experience quorum of {rule.lived_experience_quorum}: a close "
            "counts voters with lived experience only under such a quorum"
        )
    if (close.outcome, close.reason) != (verdict.outcome, verdict.reason):
        return (
            f"the rule the vote opened with ({rule.kind}) makes this tally "
            f"{verdict.outcome} ({verdict.reason}), not {close.outcome} "
            f"({close.reason})"
        )
    return None


def _decision_problem(proposal: Proposal, decided: Proposal.Decided) -> str | None:
    """Why *decided* is not the decision its command would record, or None.

    A binding close records its verdict as decided by the voters whose ballots
    it counts (``close_voting``); any other decision is one ``decide`` could
    record in the proposal's state, and overrides a binding vote's verdict
    exactly when it goes the other way.
    """
    closing = proposal.verdict is not None and not proposal.advisory
    if not closing or proposal.decisions:
        proposal.check_decision(decided.method)
        return _override_problem(proposal, decided)
    return _vote_decision_problem(proposal, decided)


def _override_problem(proposal: Proposal, decided: Proposal.Decided) -> str | None:
    """Why *decided*, made by ``decide``, is marked wrongly as an override, or None."""
    overrides = proposal.would_override(decided.outcome)
    if decided.overrode_vote == overrides:
        return None
    if overrides:
        assert proposal.verdict is not None  # noqa: S101 (an override needs one)
        return (
            f"overrode_vote is false, but a decision {decided.outcome!r} goes "
            f"against the binding vote's verdict {proposal.verdict.outcome!r}: "
            "decide() marks it as overriding the vote"
        )
    return (
        f"overrode_vote is true, but a decision {decided.outcome!r} here goes "
        "against no binding vote's verdict"
    )


def _vote_decision_problem(proposal: Proposal, decided: Proposal.Decided) -> str | None:
    """Why *decided*, after a binding close, is not what ``close_voting`` records."""
    expected = proposal.vote_decision()
    counted = expected.pop("decided_by")
    assert isinstance(counted, tuple)  # noqa: S101 (the voters, in a tuple)
    others = [m for m in decided.decided_by if m not in counted]
    if others:
        return (
            f"decided_by names {others[0]}, who cast no ballot the close counts: "
            "a closed vote is decided by its voters"
        )
    left_out = [m for m in counted if m not in decided.decided_by]
    if left_out:
        return (
            f"decided_by leaves out {left_out[0]}, whose ballot the close counts: "
            "a closed vote is decided by its voters"
        )
    for name, value in expected.items():
        if getattr(decided, name) != value:
            return (
                f"{name} is {getattr(decided, name)!r}, but the binding close "
                f"before it records {value!r}: a closed vote records its own "
                "decision"
            )
    return None


def _asks(check: Callable[[Any], object]) -> Callable[[Any, Any], None]:
    """A state check that reads the record alone, as its command asks *check*."""

    def ask(record: object, _: object) -> None:
        check(record)

    return ask


def _linkable(proposal: Proposal, event: Proposal.AdjustmentLinked) -> None:
    """A need is noted while its stage can come, as ``request_adjustment`` asks."""
    proposal.check_linkable(event.needed_before)


def _action_open(proposal: Proposal, event: Proposal.ActionCompleted) -> None:
    """An action is completed once, as ``complete_action`` asks.

    Its adoption may have been overridden since: coledger 0.1.0 completed an
    action then, and its ledgers still import.
    """
    proposal.check_action_open(event.action_id)


def _takes(what: str) -> Callable[[Any, Any], None]:
    """A state check that a meeting was not called off, as its commands ask."""

    def ask(meeting: Meeting, _: object) -> None:
        meeting.check_not_cancelled(what)

    return ask


def _current_and(check: Callable[[Member], None]) -> Callable[[Member, Any], None]:
    """A member's state check, asked of a member not erased, as their command asks."""

    def ask(member: Member, _: object) -> None:
        member.check_current()
        check(member)

    return ask


_STATE_CHECKS: dict[type[LedgerAggregate.Event], _StateCheck] = {
    Member.LivedExperienceDeclared: (Member, _current_and(Member.check_undeclared)),
    Member.LivedExperienceWithdrawn: (Member, _current_and(Member.check_declared)),
    **dict.fromkeys(
        (
            Member.RoleChanged,
            Member.SupporterAuthorised,
            Member.SupporterRevoked,
            Member.Erased,
        ),
        (Member, _asks(Member.check_current)),
    ),
    Body.SeatAssigned: (Body, _seat_free),
    Body.SeatVacated: (Body, _seat_held),
    Proposal.VotingOpened: (Proposal, _asks(Proposal.check_voting_can_open)),
    Proposal.VotingClosed: (Proposal, _close_problem),
    Proposal.Decided: (Proposal, _decision_problem),
    Proposal.Amended: (Proposal, _asks(Proposal.check_amendable)),
    Proposal.Commented: (Proposal, _asks(Proposal.check_discussable)),
    Proposal.Withdrawn: (Proposal, _asks(Proposal.check_open)),
    Proposal.ActionAssigned: (Proposal, _asks(Proposal.check_adopted)),
    Proposal.ActionCompleted: (Proposal, _action_open),
    Proposal.EvaluationRecorded: (Proposal, _asks(Proposal.check_adopted)),
    Proposal.AccessibleVersionPublished: (
        Proposal,
        _asks(Proposal.check_not_withdrawn),
    ),
    Proposal.FeedbackGiven: (Proposal, _asks(Proposal.check_not_withdrawn)),
    Proposal.AdjustmentLinked: (Proposal, _linkable),
    Meeting.PapersIssued: (Meeting, _takes("papers")),
    Meeting.AttendanceRecorded: (Meeting, _takes("attendance")),
    Meeting.WellbeingCheckInHeld: (Meeting, _takes("check-in")),
    Meeting.AdjustmentLinked: (Meeting, _takes("requests for adjustments")),
    Meeting.VoteOpened: (Meeting, _takes("vote")),
    Meeting.Cancelled: (Meeting, _asks(Meeting.check_cancellable)),
    Project.Finished: (Project, _asks(Project.check_not_finished)),
    Adjustment.Provided: (Adjustment, _asks(Adjustment.check_answerable)),
    Adjustment.Declined: (Adjustment, _asks(Adjustment.check_answerable)),
    Adjustment.Withdrawn: (Adjustment, _asks(Adjustment.check_withdrawable)),
}
"""What a command asks of a record's state before it records each of these.

Not asked, as docs/cli.md says: who cast a ballot and when (a ballot from
outside the electorate is kept, and not counted), business-time order, nor a
rule the commands took up after coledger 0.1.0 had recorded what it refuses
(a deferral after a vote that settled the proposal, an amendment that changes
nothing, an action completed after its adoption was overridden), so that
0.1.0's ledgers still import.
"""


class _Events(list[LedgerAggregate.Event]):
    """The events of an export, with the line each was read from.

    Blank lines are skipped, so an event's line is not its index plus two:
    a refusal names the line the event is on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []

    def numbered(self) -> Iterator[tuple[int, LedgerAggregate.Event]]:
        """Each event with its line."""
        return zip(self.lines, self, strict=True)


def parse(lines: Iterable[str], source: str = "import") -> list[LedgerAggregate.Event]:
    """Check a whole export and rebuild its events; MalformedImportError if not."""
    return _parse(lines, source)


def _parse(lines: Iterable[str], source: str) -> _Events:
    """``parse``, keeping the line each event was read from."""
    given: object = lines
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        raise errors.InvalidInputError("lines must be a list of the export's lines")
    events = _Events()
    versions: dict[UUID, int] = {}
    ids: dict[str, UUID] = {}
    header_seen = False
    promised: int | None = None
    last = (0, 0)  # the position of the event line before, and its line
    for number, raw in enumerate(lines, start=1):
        found = _row(raw, source, number)
        if found is None:
            continue
        if not header_seen:
            promised = _check_header(found[0], source, number)
            header_seen = True
            continue
        row, by_json = found
        last = (_position(row, source, number, last), number)
        state = row.get("state")
        if by_json and isinstance(state, dict):
            problem = _unstorable(state.values())
            if problem is not None:
                raise MalformedImportError(source, number, problem)
        events.append(_event(row, source, number, versions, ids))
        events.lines.append(number)
    if not header_seen:
        raise MalformedImportError(source, 1, "the file is empty: no header line")
    if promised is not None and promised != len(events):
        raise MalformedImportError(
            source,
            None,
            f"the header counts {promised:,} events but the file holds "
            f"{len(events):,}: it was cut short or added to",
        )
    return events


def _row(raw: object, source: str, number: int) -> tuple[dict[str, Any], bool] | None:
    """One line as a JSON object, and whether json read it; None if blank."""
    if not isinstance(raw, str):
        raise MalformedImportError(source, number, "a line must be text")
    if not raw.strip():
        return None
    try:
        row, by_json = _read_line(raw)
    except json.JSONDecodeError as error:
        raise MalformedImportError(source, number, f"not JSON ({error.msg})") from None
    except ValueError as error:  # a number of more digits than int() takes
        raise MalformedImportError(
            source, number, f"not JSON this reader can take ({error})"
        ) from None
    except RecursionError:
        raise MalformedImportError(
            source, number, "not JSON this reader can take (nested too deep)"
        ) from None
    if not isinstance(row, dict):
        raise MalformedImportError(source, number, "a line must be a JSON object")
    return row, by_json


def _position(
    row: dict[str, Any], source: str, number: int, last: tuple[int, int]
) -> int:
    """The line's position, which must rise from line to line as an export writes it.

    A record's versions keep its own events in order; only the positions show
    that lines of two records were moved past each other (by a sort, say),
    which would give the imported ledger another recorded order.
    """
    position = row.get("position")
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise MalformedImportError(
            source,
            number,
            f"position {position!r} is not a whole number of 1 or more "
            "(every event line holds its position in the ledger it came from)",
        )
    before, line = last
    if position <= before:
        raise MalformedImportError(
            source,
            number,
            f"position {position} comes after position {before} on line {line}: "
            "the lines are out of order (an export's positions rise)",
        )
    return position


def _check_header(row: dict[str, Any], source: str, number: int) -> int:
    """Check the header line; the number of events it counts."""
    if row.get("format") != FORMAT:
        raise MalformedImportError(source, number, f"not a {FORMAT} file")
    if type(row.get("version")) is not int or row.get("version") != VERSION:
        raise MalformedImportError(
            source,
            number,
            f"export version {row.get('version')!r}; this reads {VERSION}",
        )
    if "events" not in row:  # every export writes it: without it, a cut is unseen
        raise MalformedImportError(
            source, number, "the header does not count the events (no 'events')"
        )
    count = row["events"]
    if type(count) is not int or count < 0:
        raise MalformedImportError(
            source, number, f"the header's events {count!r} is not a count"
        )
    return count


def _event(
    row: dict[str, Any],
    source: str,
    number: int,
    versions: dict[UUID, int],
    ids: dict[str, UUID],
) -> LedgerAggregate.Event:
    topic = row.get("topic")
    # Only coledger's own events: a topic is never resolved, since importing
    # the module a file names would run its code.
    cls = _KNOWN.get(topic) if isinstance(topic, str) else None
    if cls is None:
        raise MalformedImportError(source, number, f"unknown topic {topic!r}")
    try:
        text = str(row["originator_id"])
        # A record's events all name it: build its UUID once (UUIDs are immutable).
        originator = ids.get(text) or ids.setdefault(text, UUID(text))
        version = row["originator_version"]
        state = row["state"]
    except (KeyError, ValueError) as error:
        raise MalformedImportError(
            source, number, f"missing or bad field {error}"
        ) from None
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or not isinstance(state, dict)
    ):
        raise MalformedImportError(
            source, number, "originator_version or state is malformed"
        )
    expected = versions.get(originator, 0) + 1
    if version != expected:
        raise MalformedImportError(
            source,
            number,
            f"record {originator} jumps to version {version}, not {expected}",
        )
    versions[originator] = version
    problem = _upcast_problem(cls, state) or _shape_problem(cls, state)
    if problem is not None:
        raise MalformedImportError(source, number, problem)
    try:
        fields = structure_state(cls, state)  # state is this row's own: no copy
    except Exception as error:  # noqa: BLE001 (cattrs raises many kinds)
        # Decoding refuses a bad time too; the importer's words say which and why
        # (looked for only here, so a good row's times are parsed once).
        msg = _time_problem(cls, state) or f"bad event fields: {error}"
        raise MalformedImportError(source, number, msg) from None
    _check_fields(cls, fields, source, number)
    fields["originator_id"] = originator
    fields["originator_version"] = version
    event: LedgerAggregate.Event = object.__new__(cls)
    object.__setattr__(event, "__dict__", fields)
    try:
        check_event_values(event)
    except Exception as error:  # noqa: BLE001 (a value may break a rule's parser)
        raise MalformedImportError(source, number, str(error)) from None
    return event


class _Upcast(dict[str, Any]):
    """A state that notes each field an upcast sets."""

    def __init__(self, state: dict[str, Any]) -> None:
        super().__init__(state)
        self.names: list[str] = []

    def __setitem__(self, name: str, value: Any) -> None:
        self.names.append(name)
        super().__setitem__(name, value)


def _upcast_problem(
    cls: type[LedgerAggregate.Event], state: dict[str, Any]
) -> str | None:
    """A field a row of an older class version holds, though that version lacks it.

    Upcasting sets each field a later version added, over any value the row
    holds there: a binding close edited to say version 1 would import as it
    was, but with the advisory it holds replaced.
    """
    version = state.get("class_version", 1)
    latest: int = getattr(cls, "class_version", 1)
    if type(version) is not int or not 1 <= version < latest:
        return None  # the current version, or one structure_state refuses
    trial = _Upcast(state)
    trial.pop("class_version", None)
    for step in range(version, latest):
        getattr(cls, f"upcast_v{step}_v{step + 1}")(trial)
    added = [name for name in trial.names if name in state]
    if not added:
        return None
    return (
        f"{added[0]} is not a field of class version {version} of "
        f"{cls.__qualname__} (upcasting sets it): a row holds the fields of "
        "the class version it names"
    )


_INT64 = 2**63
"""Integers are stored as JSON that orjson writes: signed 64-bit at most."""


def _shape_problem(
    cls: type[LedgerAggregate.Event], state: dict[str, Any]
) -> str | None:
    """What in the raw JSON no command could have stored, or None.

    Decoding refuses a value of the wrong JSON type too, but names only its
    type (a stored value may be sealed data); an export is the importer's own
    file, so this says which value, and that a required field is null, which
    decoding lets through.
    """
    shape = _shape(cls)
    if None in state.values():
        for name, value in state.items():
            if value is None and name in shape.required:
                return f"{name} is null"
    for name, base in shape.typed:
        value = state.get(name)
        if value is not None and not _is_kind(value, base):
            kind = "true or false" if base is bool else "a whole number"
            return f"{name} must be {kind}, not {value!r}"
    for names, base, kind in (
        (shape.texts, str, "string"),
        (shape.lists, list, "array"),
    ):
        for name in names:
            value = state.get(name)
            if value is not None and not isinstance(value, base):
                return f"{name} must be a JSON {kind}, not {type(value).__name__}"
    return None


def _time_problem(
    cls: type[LedgerAggregate.Event], state: dict[str, Any]
) -> str | None:
    """A time of a row decoding refused, without a timezone or outside the years.

    Said in the importer's words, or None. Decoding stopped at the field it
    refused, so that one is still the row's text; those it had cast already
    are good times, and are passed over as is any value that is not text.
    """
    for name in _shape(cls).times:
        text = state.get(name)
        try:
            at = datetime.fromisoformat(text) if isinstance(text, str) else None
        except ValueError:
            continue  # not ISO text: decoding says so
        fault = None if at is None else time_fault(at)
        if fault == NO_OFFSET:
            return (
                f"{name} is a time without a timezone (every time must name its offset)"
            )
        if fault is not None:
            return f"{name} is {fault}"
    return None


def _is_kind(value: object, base: type) -> bool:
    """Whether a JSON value is a bool (for bool) or a whole number (for int)."""
    if base is bool:
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)


def _unstorable(values: Iterable[object]) -> str | None:
    """A number beyond 64 bits or a text that is not Unicode, anywhere in *values*."""
    for value in values:
        if isinstance(value, int) and not -_INT64 <= value < _INT64:
            return f"the number {value} is beyond 64 bits"
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "a text holds a lone surrogate (it is not Unicode)"
        if isinstance(value, list | tuple | dict):
            found = _unstorable(value.values() if isinstance(value, dict) else value)
            if found is not None:
                return found
    return None


@attrs.frozen
class _Shape:
    """What the raw JSON of one event class is checked for."""

    required: frozenset[str]
    """Fields that may not be null."""
    typed: tuple[tuple[str, type], ...]
    """Fields of bool or int type, which a cast would bend rather than refuse."""
    texts: tuple[str, ...]
    """Fields written as JSON strings (texts, ids, times): str() would take anything."""
    lists: tuple[str, ...]
    """Fields written as JSON arrays."""
    times: tuple[str, ...]
    """Fields that hold a datetime."""


@functools.cache
def _shape(cls: type[LedgerAggregate.Event]) -> _Shape:
    required, typed, times, texts, lists = set(), [], [], [], []
    for name, hint in field_types(cls).items():
        args = typing.get_args(hint)
        rest = [a for a in args if a is not type(None)]
        base = rest[0] if len(rest) == 1 and len(args) == 2 else hint  # noqa: PLR2004
        if len(rest) == len(args):
            required.add(name)
        if base in (bool, int):
            typed.append((name, base))
        if base is datetime:
            times.append(name)
        if base in (str, UUID, datetime):
            texts.append(name)
        if typing.get_origin(base) is tuple:
            lists.append(name)
    return _Shape(
        required=frozenset(required),
        typed=tuple(typed),
        texts=tuple(texts),
        lists=tuple(lists),
        times=tuple(times),
    )


def _check_fields(
    cls: type[LedgerAggregate.Event], fields: dict[str, Any], source: str, number: int
) -> None:
    """Refuse fields the event lacks or does not have, or a foreign owner."""
    required = _fields(cls)
    if not fields.keys() >= required:
        msg = f"missing fields {sorted(required.difference(fields))}"
        raise MalformedImportError(source, number, msg)
    extra = fields.keys() - required
    if extra:  # it would be stored as it came, in clear, and never erased
        msg = f"fields {cls.__qualname__} does not have: {sorted(extra)}"
        raise MalformedImportError(source, number, msg)
    owner = _OWNERS[cls]
    if fields.get("originator_topic", owner) != owner:
        msg = f"originator_topic {fields['originator_topic']!r} is not {owner!r}"
        raise MalformedImportError(source, number, msg)


@functools.cache
def _fields(cls: type[object]) -> frozenset[str]:
    return frozenset(
        f.name
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name not in {"originator_id", "originator_version"}
    )


@attrs.frozen
class KeyUse:
    """The member keys an import seals under, and those its events destroy."""

    needed: tuple[tuple[UUID, str], ...]
    """Each (member, purpose) whose key seals a field, in order of first use."""
    shredded: dict[UUID, frozenset[str]]
    """The purposes whose keys erasures and withdrawals destroy, by member."""
    erased: tuple[UUID, ...]
    """The members erased."""


def key_use(events: Iterable[LedgerAggregate.Event], *, sealing: bool) -> KeyUse:
    """What the import of *events* asks of the key store.

    ``needed`` names the keys the sealing mapper asks for (every sealed field
    that holds a value, under its subject's key); none without sealing. The
    rest is what the export's erasures and withdrawals destroy: a member's
    lived-experience key only when no declaration follows their last withdrawal.
    """
    needed: dict[tuple[UUID, str], None] = {}
    shredded: dict[UUID, set[str]] = {}
    erased: dict[UUID, None] = {}
    rules: dict[type[object], dict[str, Sealed]] = {}
    for event in events:
        if sealing:
            cls = type(event)
            if cls not in rules:
                rules[cls] = sealed_fields(cls)
            for name, rule in rules[cls].items():
                if getattr(event, name, None) is not None:
                    needed[(getattr(event, rule.subject), rule.purpose)] = None
        if isinstance(event, Member.Erased):
            shredded.setdefault(event.originator_id, set()).update(Purpose)
            erased[event.originator_id] = None
        elif isinstance(event, Member.LivedExperienceWithdrawn):
            shredded.setdefault(event.originator_id, set()).add(
                Purpose.LIVED_EXPERIENCE
            )
        elif (
            isinstance(event, Member.LivedExperienceDeclared)
            and event.originator_id not in erased
        ):
            # A declaration after a withdrawal is readable in the export and is
            # sealed under the same new key as the withdrawn ones, whose values
            # the export already holds erased: that key must stay. Never for
            # an erased member: every one of their keys goes.
            shredded.get(event.originator_id, set()).discard(Purpose.LIVED_EXPERIENCE)
    return KeyUse(
        tuple(needed),
        {member: frozenset(purposes) for member, purposes in shredded.items()},
        tuple(erased),
    )
