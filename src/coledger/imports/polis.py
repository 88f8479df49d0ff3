"""Import a Polis conversation export into a ledger, as an advisory consultation.

The export is read and checked in full before anything is written: a missing
file or a malformed row raises MalformedImportError, naming the file and line,
and the ledger is left untouched. The mapping is set out in docs/imports.md:
the conversation becomes a ``consultation`` project and an advisory body, each
participant a member with a voting seat, each statement a proposal in the
design phase, each vote a ballot on an advisory vote, and each moderation a
decision by the organisers, taken outside the forum.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import attrs

from coledger.application import Ledger
from coledger.domain import Rule
from coledger.domain import values as v
from coledger.errors import (
    DuplicateSourceRefError,
    InvalidInputError,
    LedgerError,
    shown_briefly,
)
from coledger.errors import MalformedImportError as MalformedImportError  # noqa: PLC0414 (re-exported)
from coledger.reports.display import count_of

COMMENTS = "comments.csv"
VOTES = "votes.csv"
SUMMARY = "summary.csv"
COMMENT_COLUMNS = ("timestamp", "comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")

LABEL = "consultation"
"""The project label: a Polis conversation asks people for their views."""
BODY_KIND = "advisory"
PHASE = "design"
ORGANISER_ROLE = "staff"
PARTICIPANT_ROLE = "member"
CHOICES = {1: "for", -1: "against", 0: "abstain"}
"""Polis agree, disagree and pass, as ballot choices."""
_POLIS_CHOICES = frozenset(CHOICES.values())
_T = TypeVar("_T")
MODERATION_OUTCOMES = {1: "deferred", -1: "rejected"}
"""Polis moderation as outcomes: -1 (rejected from the conversation) is
``rejected``; 1 (accepted into it) is ``deferred``, since letting a statement be
heard leaves what it says undecided (``adopted`` would read as the organisers
taking it up, and rate a consultation as co-design)."""
MODERATION_METHOD = "outside_forum"
"""Moderators are not the forum whose members vote, so they decide outside it."""
MODERATION_RATIONALE = {
    1: "Polis moderation: accepted into the conversation (not a decision on "
    "what the statement says)",
    -1: "Polis moderation: rejected from the conversation",
}
CONSENT = "explicit_consent"
TITLE_LIMIT = 120
"""Characters of a statement kept in its proposal's one-line title."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BEFORE_POLIS = datetime(2000, 1, 1, tzinfo=UTC)
"""Earlier than any Polis conversation (Polis began in 2012). Polis's report
export gives timestamps in seconds, its older data export (and the open data)
in milliseconds; seconds read as milliseconds fall before this, in the first
months of 1970, and milliseconds read as seconds after 2199, so each timestamp
has one reading that can be a Polis time."""
_INTEGER = re.compile(r"-?[0-9]+")
_NATURAL = re.compile(r"[0-9]+")
_LINE_END = re.compile(rb"\r\n?|\n")
"""A line's end as the CSV reader counts lines: CRLF, LF, or CR alone."""


@attrs.frozen
class Statement:
    """One row of comments.csv, checked."""

    comment_id: int
    author: int
    at: datetime
    moderated: int
    text: str
    title: str
    line: int


@attrs.frozen
class Vote:
    """One row of votes.csv, checked."""

    comment_id: int
    voter: int
    choice: str
    at: datetime
    line: int


@attrs.frozen
class PolisExport:
    """A whole Polis export, read and checked, ready to write."""

    conversation: str
    topic: str | None
    url: str | None
    description: str | None
    statements: tuple[Statement, ...]
    """In file order."""
    votes: tuple[Vote, ...]
    """In timestamp order; votes with equal timestamps keep their file order."""
    seconds: float = 0.0
    """How long reading and checking the folder took."""

    @property
    def participants(self) -> tuple[int, ...]:
        """Every author-id and voter-id, in ascending order."""
        ids = {s.author for s in self.statements} | {x.voter for x in self.votes}
        return tuple(sorted(ids))


@attrs.frozen
class PolisImport:
    """What an import wrote, and how fast."""

    conversation: str
    project: UUID
    body: UUID
    organiser: UUID
    members: int
    """Members registered: every participant, plus the organiser."""
    statements: int
    votes_read: int
    """Rows of votes.csv."""
    ballots: int
    """Ballots recorded (votes read, less those skipped)."""
    votes_skipped: int
    """Votes on a comment-id that no statement in the export has (not recorded):
    one with no row in comments.csv, or one left out of the export by hand."""
    statements_without_votes: int
    """Statements raised with no vote opened, since nobody voted on them."""
    decisions: int
    """Moderation decisions recorded (moderated 1 or -1)."""
    undecided: int
    """Statements left undecided (moderated 0)."""
    events: int
    seconds: float
    events_per_second: float
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """One line for people: the counts and the speed."""
        return (
            f"polis:{self.conversation}: {count_of(self.members, 'members')}, "
            f"{count_of(self.statements, 'statements')}, "
            f"{count_of(self.ballots, 'ballots')} "
            f"({count_of(self.votes_skipped, 'votes skipped')}), "
            f"{count_of(self.decisions, 'decisions')}, "
            f"{count_of(self.events, 'events')} in {self.seconds:.2f} s "
            f"({self.events_per_second:.0f} events/s)"
        )


def source_ref(conversation: str, comment_id: int) -> str:
    """The source reference of a statement: ``polis:<conversation>/<comment-id>``."""
    return f"polis:{conversation}/{comment_id}"


# Reading --------------------------------------------------------------------------


def _present(path: Path) -> bool:
    """Whether a file of the export is there; MalformedImportError if it cannot tell.

    A folder that cannot be entered, or a name too long for the system, makes
    the question itself fail.
    """
    try:
        return path.exists()
    except OSError as error:
        msg = f"cannot look for it: {error}"
        raise MalformedImportError(path, None, msg) from error


def _read_text(path: Path) -> str:
    """The whole of a UTF-8 file, or MalformedImportError."""
    if not _present(path):
        raise MalformedImportError(path, None, "the file is missing")
    if not path.is_file():
        raise MalformedImportError(path, None, "not a file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MalformedImportError(path, None, f"cannot read it: {error}") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = len(_LINE_END.findall(data, 0, error.start)) + 1
        raise MalformedImportError(path, line, "not valid UTF-8 text") from error


def _rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of *text* with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # Named where its record starts: a stray quote runs the record on,
            # and the reader stops lines later, at the next quote or the end.
            reason = str(error)
            if reader.line_num > start:
                reason += f" (in the record from here to line {reader.line_num})"
            raise MalformedImportError(path, start, reason) from error
        yield start, row
        start = reader.line_num + 1


def _table(path: Path, wanted: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """The records of a CSV file with a header naming every column in *wanted*."""
    rows = _rows(path, _read_text(path))
    first = next(rows, None)
    if first is None:
        raise MalformedImportError(path, 1, "the file is empty (no header line)")
    _, header = first
    if not header:  # else read as a header lacking every column
        raise MalformedImportError(
            path, 1, "the first line is blank: the header belongs there"
        )
    missing = [name for name in wanted if name not in header]
    if missing:
        raise MalformedImportError(path, 1, _lacking(header, missing))
    twice = [name for name in wanted if header.count(name) > 1]
    if twice:  # a row's cells could then be read from either column
        raise MalformedImportError(
            path, 1, f"the header names the column(s) {', '.join(twice)} twice"
        )
    for line, row in rows:
        if not row:
            continue  # a blank line
        if len(row) != len(header):
            cells = count_of(len(row), "columns")
            raise MalformedImportError(
                path, line, f"{cells} where the header has {len(header)}"
            )
        yield line, dict(zip(header, row, strict=True))


def _lacking(header: list[str], missing: list[str]) -> str:
    """Why a header lacks columns, quoting any cell that only looks like one of them.

    A name with a space or an invisible character (a second BOM, say) around
    it is another name, though it reads the same; said plainly, the header
    seems to hold the very column it is said to lack.
    """
    reason = f"the header lacks the column(s) {', '.join(missing)}"
    alike = [cell for cell in header if _bare(cell) in missing]
    if alike:
        shown = ", ".join(shown_briefly(cell) for cell in alike)
        reason += f"; it has {shown}, with spaces or invisible characters in the name"
    return reason


def _bare(cell: str) -> str:
    """A header cell as it reads: without spaces and characters that show nothing."""
    return "".join(c for c in cell if c.isprintable() and not c.isspace())


_CELL_SHOWN = 30
"""The longest cell a refusal repeats: any plausible id, vote or timestamp."""


def _cell(column: str, text: str) -> str:
    """A refused cell as its message names it: quoted if short, else by its length.

    A longer cell is no number misread but another column's text (a statement
    out of place, say), which a message must not repeat (docs/api.md).
    """
    if len(text) <= _CELL_SHOWN:
        return f"{column} {text!r}"
    return f"{column} of {len(text):,} characters"


def _integer(path: Path, line: int, column: str, text: str) -> int:
    """A vote or moderation (a whole number) from one cell, or MalformedImportError."""
    if not _INTEGER.fullmatch(text.strip()):
        raise MalformedImportError(
            path, line, f"{_cell(column, text)} is not a whole number"
        )
    return _int(path, line, column, text, "-1, 0 or 1")


def _identifier(path: Path, line: int, column: str, text: str) -> int:
    """A Polis id (a whole number, never negative) from one cell."""
    if not _NATURAL.fullmatch(text.strip()):
        raise MalformedImportError(
            path, line, f"{_cell(column, text)} is not a whole number >= 0"
        )
    return _int(path, line, column, text, "an id")


def _int(path: Path, line: int, column: str, text: str, what: str) -> int:
    """int(text), or MalformedImportError for more digits than Python converts."""
    try:
        return int(text)
    except ValueError:
        msg = f"{column} has {len(text.strip()):,} digits, too many to be {what}"
        raise MalformedImportError(path, line, msg) from None


def _moment(path: Path, line: int, text: str) -> datetime:
    """A timestamp in milliseconds or seconds since the epoch, as an aware UTC datetime.

    Read as milliseconds, unless that falls before Polis existed: then as seconds.
    """
    cell = _cell("timestamp", text)
    if not _NATURAL.fullmatch(text.strip()):
        raise MalformedImportError(
            path, line, f"{cell} is not seconds or milliseconds since 1970"
        )
    try:
        at = _EPOCH + timedelta(milliseconds=int(text))
        if at < _BEFORE_POLIS:
            at = _EPOCH + timedelta(seconds=int(text))
    except (OverflowError, ValueError):  # ValueError: too many digits for int()
        at = None
    if at is None or not v.in_range(at):
        raise MalformedImportError(path, line, f"{cell} is out of range")
    if at < _BEFORE_POLIS:
        msg = f"{cell} reads as {at:%Y-%m-%d} even in seconds, before Polis existed"
        raise MalformedImportError(path, line, msg)
    return at


def _checked(
    path: Path, line: int | None, field: str, text: str, **limits: Any
) -> None:
    """Check a text as the ledger will, reporting a failure against *path*, *line*."""
    try:
        v.check_text(field, text, **limits)
    except LedgerError as error:
        raise MalformedImportError(path, line, str(error)) from error


def _one_line(text: str, limit: int) -> str:
    """*text* on one line, whitespace collapsed, cut to *limit* characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "\u2026"


def _statements(path: Path) -> tuple[Statement, ...]:
    """Every row of comments.csv, checked, in file order."""
    seen: dict[int, int] = {}
    found = []
    for line, row in _table(path, COMMENT_COLUMNS):
        at = _moment(path, line, row["timestamp"])
        comment_id = _identifier(path, line, "comment-id", row["comment-id"])
        author = _identifier(path, line, "author-id", row["author-id"])
        moderated = _integer(path, line, "moderated", row["moderated"])
        if moderated not in {-1, 0, 1}:
            raise MalformedImportError(
                path, line, f"moderated {moderated} is not -1, 0 or 1"
            )
        if comment_id in seen:
            raise MalformedImportError(
                path,
                line,
                f"comment-id {comment_id} is already on line {seen[comment_id]}",
            )
        seen[comment_id] = line
        text = row["comment-body"]
        title = _one_line(text, TITLE_LIMIT)
        _checked(path, line, "comment-body", text)
        _checked(path, line, "title", title, limit=v.MAX_TITLE, one_line=True)
        found.append(Statement(comment_id, author, at, moderated, text, title, line))
    return tuple(found)


def _votes(path: Path) -> tuple[Vote, ...]:
    """Every row of votes.csv, checked, in timestamp order (ties in file order)."""
    found = []
    for line, row in _table(path, VOTE_COLUMNS):
        at = _moment(path, line, row["timestamp"])
        comment_id = _identifier(path, line, "comment-id", row["comment-id"])
        voter = _identifier(path, line, "voter-id", row["voter-id"])
        value = _integer(path, line, "vote", row["vote"])
        if value not in CHOICES:
            raise MalformedImportError(path, line, f"vote {value} is not -1, 0 or 1")
        found.append(Vote(comment_id, voter, CHOICES[value], at, line))
    found.sort(key=lambda vote: (vote.at, vote.line))
    return tuple(found)


def _summary(path: Path) -> dict[str, str]:
    """The key-value rows of summary.csv (optional: empty when it is absent)."""
    if not _present(path):
        return {}
    found: dict[str, str] = {}
    for line, row in _rows(path, _read_text(path)):
        if not row:
            continue
        if len(row) != 2:  # noqa: PLR2004 (a key and its value)
            cells = "1 column" if len(row) == 1 else f"{len(row)} columns"
            raise MalformedImportError(
                path, line, f"{cells} where a key and a value belong"
            )
        found[row[0].strip()] = row[1].strip()
    return found


def _clean(text: str | None, limit: int, *, one_line: bool) -> str | None:
    """Optional summary text made safe for a ledger field, or None if empty."""
    if not text or v.blank(text):
        return None
    if one_line:
        cleaned = _one_line(v.CONTROL.sub(" ", text), limit)
    else:  # cut first: a cut between CR and LF would leave a lone CR
        cleaned = v.CONTROL.sub(" ", text[:limit])
    return None if v.blank(cleaned) else cleaned


def read_polis_export(directory: Path | str) -> PolisExport:
    """Read and check a whole Polis export folder, writing nothing."""
    started = time.perf_counter()
    if not isinstance(directory, str | os.PathLike):
        raise InvalidInputError(
            f"directory must be a path, not {shown_briefly(directory)}"
        )
    folder = Path(directory)
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except OSError as error:  # a name longer than the system allows, say
        raise MalformedImportError(folder, None, str(error.strerror)) from error
    if not exists:
        raise MalformedImportError(folder, None, "no such directory")
    if not is_dir:
        raise MalformedImportError(folder, None, "not a directory")
    conversation = folder.resolve().name
    _checked(  # which the user knows as the folder's name: said so
        folder,
        None,
        "the folder's name, which names the conversation in every source reference,",
        source_ref(conversation, 0),
        limit=v.MAX_SOURCE_REF,
        one_line=True,
    )
    statements = _statements(folder / COMMENTS)
    if not statements:  # nothing to record, and no time to date the project by
        raise MalformedImportError(
            folder / COMMENTS, None, "it holds no statements, only a header"
        )
    votes = _votes(folder / VOTES)
    summary = _summary(folder / SUMMARY)
    export = PolisExport(
        conversation=conversation,
        topic=_clean(summary.get("topic"), v.MAX_NAME, one_line=True),
        url=_clean(summary.get("url"), v.MAX_NAME, one_line=True),
        description=_clean(
            summary.get("conversation-description"), v.MAX_TEXT // 2, one_line=False
        ),
        statements=statements,
        votes=votes,
    )
    _check_derived(folder, export)
    return attrs.evolve(export, seconds=time.perf_counter() - started)


def _check_derived(folder: Path, export: PolisExport) -> None:
    """Check the longest name and source references the writer will make of ids.

    Ids are whole numbers of any length, so a long one could make a text the
    ledger refuses halfway through the writing; refused here, before any,
    naming the row and column of the id.
    """
    for field, text, limits, (name, line, column) in _derived(export):
        try:
            v.check_text(field, text, **limits)
        except LedgerError as error:
            msg = f"{column} is too long: the {field} made from it fails ({error})"
            raise MalformedImportError(folder / name, line, msg) from error


_Origin = tuple[str, int, str]
"""The file, line and column of the id a text is made from."""


def _derived(
    export: PolisExport,
) -> Iterator[tuple[str, str, dict[str, Any], _Origin]]:
    """The longest name and source references made of ids, with their limits.

    The export holds at least one statement: both callers refuse one without.
    """
    people = [(s.author, (COMMENTS, s.line, "author-id")) for s in export.statements]
    people += [(x.voter, (VOTES, x.line, "voter-id")) for x in export.votes]
    pid, person = max(people, key=lambda p: len(str(p[0])))
    statement = max(export.statements, key=lambda s: len(str(s.comment_id)))
    comment = (COMMENTS, statement.line, "comment-id")
    line = max((x.line for x in export.votes), default=0)
    yield "name", f"Polis participant {pid}", {"limit": v.MAX_NAME}, person
    for suffix, origin in (
        (f"participant/{pid}/lived-experience", person),
        (f"{statement.comment_id}/voting-opened", comment),
        (f"{statement.comment_id}/voting-closed", comment),
        (f"{VOTES}#{line}", (VOTES, line, "line number")),
    ):
        ref = f"polis:{export.conversation}/{suffix}"
        limits = {"limit": v.MAX_SOURCE_REF, "one_line": True}
        yield "source_ref", ref, limits, origin


# Checking an export made or changed by hand -------------------------------------


def _check_export(export: PolisExport) -> PolisExport:
    """Check a PolisExport as read_polis_export checks a folder; return it with tuples.

    An export may be changed by hand (attrs.evolve) before it is imported, to
    leave a statement out, say; what would not import is refused here, with
    an InvalidInputError naming the field, before anything is written. Its
    times come back with fixed offsets, which order by instant (see
    ``values.fixed_offset``).
    """
    if not isinstance(export, PolisExport):
        raise InvalidInputError(f"export must be a PolisExport, not {_kind(export)}")
    _check_labels(export)
    statements = _items("statements", export.statements, Statement)
    if not statements:
        raise InvalidInputError("statements is empty: there is nothing to import")
    votes = _items("votes", export.votes, Vote)
    seen: set[int] = set()
    timed: list[Statement] = []
    for index, statement in enumerate(statements):
        timed.append(_check_statement(f"statements[{index}]", statement))
        if statement.comment_id in seen:
            raise InvalidInputError(
                f"statements[{index}].comment_id {statement.comment_id} "
                "is already the id of another statement"
            )
        seen.add(statement.comment_id)
    lines: dict[int, int] = {}  # the vote on each line of votes.csv
    voted: list[Vote] = []
    for index, vote in enumerate(votes):
        voted.append(_check_vote(f"votes[{index}]", vote))
        if vote.line in lines:  # its source reference would name two ballots
            raise InvalidInputError(
                f"votes[{index}].line {vote.line} is already the line of "
                f"votes[{lines[vote.line]}]: each vote is one row of {VOTES}"
            )
        lines[vote.line] = index
    checked = attrs.evolve(export, statements=tuple(timed), votes=tuple(voted))
    for field, text, limits, _ in _derived(checked):
        v.check_text(field, text, **limits)
    return checked


def _kind(value: object) -> str:
    """The name of a value's type, for a message (a repr could be huge)."""
    return type(value).__name__


def _check_labels(export: PolisExport) -> None:
    """The conversation's name, its optional labels, and the reading time."""
    v.check_text(
        "conversation", export.conversation, limit=v.MAX_SOURCE_REF, one_line=True
    )
    if "/" in export.conversation:  # polis:a/35 would be statement 35 of a
        raise InvalidInputError(
            f"conversation {export.conversation!r} holds '/', which no folder's "
            "name does: its source references would read as another conversation's"
        )
    v.check_optional_text("topic", export.topic, limit=v.MAX_NAME, one_line=True)
    v.check_optional_text("url", export.url, limit=v.MAX_NAME, one_line=True)
    v.check_optional_text("description", export.description, limit=v.MAX_TEXT // 2)
    seconds: object = export.seconds
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds < float("inf")
    ):
        raise InvalidInputError(
            f"seconds must be a number of seconds >= 0, not {shown_briefly(seconds)}"
        )


def _items(field: str, value: object, kind: type[_T]) -> tuple[_T, ...]:
    """A tuple (or list) of *kind* as a tuple, else InvalidInputError."""
    if not isinstance(value, tuple | list):
        raise InvalidInputError(
            f"{field} must be a tuple of {kind.__name__}, not {_kind(value)}"
        )
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            raise InvalidInputError(
                f"{field}[{index}] must be a {kind.__name__}, not {_kind(item)}"
            )
    return tuple(value)


def _natural(field: str, value: object) -> int:
    """A whole number >= 0 (not a bool) that fits a source reference, else an error.

    Ids and lines are written into names and source references; one of more
    digits than a source reference holds would not fit, and one of over 4,300
    could not even be written out to measure it.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value < 10**v.MAX_SOURCE_REF
    ):
        raise InvalidInputError(
            f"{field} must be a whole number >= 0 of at most {v.MAX_SOURCE_REF} "
            f"digits, not {shown_briefly(value)}"
        )
    return value


def _check_statement(field: str, statement: Statement) -> Statement:
    """One statement's ids, time, moderation and texts; its time at a fixed offset."""
    _natural(f"{field}.comment_id", statement.comment_id)
    _natural(f"{field}.author", statement.author)
    _natural(f"{field}.line", statement.line)
    at = v.check_aware(f"{field}.at", statement.at)
    moderated: object = statement.moderated
    if isinstance(moderated, bool) or moderated not in {-1, 0, 1}:
        raise InvalidInputError(
            f"{field}.moderated {shown_briefly(moderated)} is not -1, 0 or 1"
        )
    v.check_text(f"{field}.text", statement.text)
    v.check_text(f"{field}.title", statement.title, limit=v.MAX_TITLE, one_line=True)
    return statement if at is statement.at else attrs.evolve(statement, at=at)


def _check_vote(field: str, vote: Vote) -> Vote:
    """One vote's ids, time and choice; its time at a fixed offset."""
    _natural(f"{field}.comment_id", vote.comment_id)
    _natural(f"{field}.voter", vote.voter)
    _natural(f"{field}.line", vote.line)
    at = v.check_aware(f"{field}.at", vote.at)
    v.check_code(f"{field}.choice", vote.choice, _POLIS_CHOICES)
    return vote if at is vote.at else attrs.evolve(vote, at=at)


# Writing --------------------------------------------------------------------------


class _Writer:
    """Writes one checked export through the public Ledger API, counting as it goes."""

    def __init__(
        self,
        ledger: Ledger,
        export: PolisExport,
        organiser_name: str,
        lived_experience: str | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self.ledger = ledger
        self.export = export
        self.conv = export.conversation
        self.organiser_name = organiser_name
        self.lived_experience = lived_experience
        self.progress = progress
        self.statements = {s.comment_id: s for s in export.statements}
        self.voted = {x.comment_id for x in export.votes} & set(self.statements)
        self.ballots = sum(x.comment_id in self.statements for x in export.votes)
        moments = [s.at for s in export.statements] + [x.at for x in export.votes]
        self.start = min(moments, default=_EPOCH)
        self.end = max(moments, default=_EPOCH)
        # A statement is raised (and its vote opened) when written, or at its first
        # vote if the export dates a vote earlier than the statement.
        self.opens = {s.comment_id: s.at for s in export.statements}
        for vote in export.votes:
            if vote.comment_id in self.opens and vote.at < self.opens[vote.comment_id]:
                self.opens[vote.comment_id] = vote.at
        self.retimed = sum(self.opens[s.comment_id] != s.at for s in export.statements)
        self.members: dict[int, UUID] = {}
        self.proposals: dict[int, UUID] = {}
        self.done = 0
        people = len(export.participants)
        self.total = (
            3
            + people * (3 if lived_experience else 2)
            + len(export.statements)
            + 2 * len(self.voted)
            + self.ballots
            + sum(s.moderated != 0 for s in export.statements)
        )

    def ref(self, suffix: str) -> str:
        """A source reference inside this conversation."""
        return f"polis:{self.conv}/{suffix}"

    def tick(self) -> None:
        """Count one command written and report progress."""
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def run(self) -> tuple[UUID, UUID, UUID]:
        """Write everything; returns the organiser, project and body ids."""
        organiser, project, body = self.setup()
        self.seat_participants(organiser, body)
        self.conversation(organiser, project, body)
        self.close(organiser)
        return organiser, project, body

    def setup(self) -> tuple[UUID, UUID, UUID]:
        """The organiser, the consultation project and the advisory body."""
        ledger, export, start = self.ledger, self.export, self.start
        organiser = ledger.register_member(
            self.organiser_name,
            role=ORGANISER_ROLE,
            occurred_at=start,
            source_ref=self.ref("organiser"),
        )
        self.tick()
        topic = export.topic or export.conversation
        about = [f"Imported from the Polis export {export.conversation!r}."]
        if export.url:
            about.append(f"Conversation: {export.url}")
        if export.description:
            about.append(export.description)
        project = ledger.start_project(
            _one_line(f"Polis: {topic}", v.MAX_NAME),
            label=LABEL,
            by=organiser,
            description="\n".join(about),
            occurred_at=start,
            source_ref=f"polis:{self.conv}",
        )
        self.tick()
        body = ledger.establish_body(
            _one_line(f"Participants in the Polis conversation {topic}", v.MAX_NAME),
            kind=BODY_KIND,
            rule=Rule.majority(),
            by=organiser,
            occurred_at=start,
            source_ref=self.ref("body"),
        )
        self.tick()
        return organiser, project, body

    def seat_participants(self, organiser: UUID, body: UUID) -> None:
        """Every participant: registered, perhaps declared, given a voting seat."""
        ledger, start = self.ledger, self.start
        for pid in self.export.participants:
            member = ledger.register_member(
                f"Polis participant {pid}",
                role=PARTICIPANT_ROLE,
                occurred_at=start,
                source_ref=self.ref(f"participant/{pid}"),
            )
            self.members[pid] = member
            self.tick()
            if self.lived_experience is not None:
                ledger.declare_lived_experience(
                    member,
                    categories=[self.lived_experience],
                    consent=CONSENT,
                    occurred_at=start,
                    source_ref=self.ref(f"participant/{pid}/lived-experience"),
                )
                self.tick()
            ledger.assign_seat(
                body,
                member,
                seat="voting",
                by=organiser,
                occurred_at=start,
                source_ref=self.ref(f"participant/{pid}/seat"),
            )
            self.tick()

    def conversation(self, organiser: UUID, project: UUID, body: UUID) -> None:
        """Statements and votes, interleaved in the order of their timestamps."""
        steps: list[tuple[datetime, int, int, Statement | Vote]] = [
            (self.opens[s.comment_id], 0, s.line, s) for s in self.export.statements
        ]
        steps += [(x.at, 1, x.line, x) for x in self.export.votes]
        steps.sort(key=lambda step: step[:3])
        for _, _, _, item in steps:
            if isinstance(item, Statement):
                self.raise_statement(item, organiser, project, body)
            elif item.comment_id in self.proposals:
                self.ledger.cast_ballot(
                    self.proposals[item.comment_id],
                    voter=self.members[item.voter],
                    choice=item.choice,
                    occurred_at=item.at,
                    source_ref=self.ref(f"{VOTES}#{item.line}"),
                )
                self.tick()

    def raise_statement(
        self, statement: Statement, organiser: UUID, project: UUID, body: UUID
    ) -> None:
        """One statement as a proposal, with its advisory vote opened if voted on."""
        at = self.opens[statement.comment_id]
        proposal = self.ledger.raise_proposal(
            body,
            proposers=[self.members[statement.author]],
            title=statement.title,
            text=statement.text,
            project=project,
            phase=PHASE,
            occurred_at=at,
            source_ref=source_ref(self.conv, statement.comment_id),
        )
        self.proposals[statement.comment_id] = proposal
        self.tick()
        if statement.comment_id in self.voted:
            self.ledger.open_voting(
                proposal,
                by=organiser,
                advisory=True,
                occurred_at=at,
                source_ref=self.ref(f"{statement.comment_id}/voting-opened"),
            )
            self.tick()

    def close(self, organiser: UUID) -> None:
        """Close every advisory vote, then record the moderation decisions."""
        for statement in self.export.statements:
            if statement.comment_id in self.voted:
                self.ledger.close_advisory_vote(
                    self.proposals[statement.comment_id],
                    by=organiser,
                    occurred_at=self.end,
                    source_ref=self.ref(f"{statement.comment_id}/voting-closed"),
                )
                self.tick()
        for statement in self.export.statements:
            if statement.moderated == 0:
                continue
            self.ledger.decide(
                self.proposals[statement.comment_id],
                outcome=MODERATION_OUTCOMES[statement.moderated],
                method=MODERATION_METHOD,
                by=organiser,
                decided_by=[organiser],
                rationale=MODERATION_RATIONALE[statement.moderated],
                occurred_at=self.end,
                source_ref=self.ref(f"{statement.comment_id}/moderation"),
            )
            self.tick()


def _refuse_duplicates(ledger: Ledger, export: PolisExport) -> None:
    """Refuse an export whose records are already in the ledger, before writing."""
    conv = export.conversation
    refs = [f"polis:{conv}", f"polis:{conv}/organiser", f"polis:{conv}/body"]
    refs += [source_ref(conv, s.comment_id) for s in export.statements]
    for ref in refs:
        if ledger.find_by_source_ref(ref) is not None:
            raise DuplicateSourceRefError(
                f"source_ref {ref!r} was already recorded: the Polis conversation "
                f"{conv!r} is already in this ledger; nothing was imported"
            )


def import_polis(
    ledger: Ledger,
    directory: Path | str | PolisExport,
    *,
    organiser_name: str = "Conversation organisers",
    lived_experience: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PolisImport:
    """Import the Polis export in *directory* into *ledger* (mapping: docs/imports.md).

    *directory* may also be what ``read_polis_export`` returned, to check a
    folder before a ledger is opened for it. The whole export is read and
    checked first; a malformed one raises
    MalformedImportError and a conversation already imported raises
    DuplicateSourceRefError, in both cases with nothing written. The records are
    then written as one batch: all of them, or (if storage fails) none. Pass
    ``lived_experience`` (a category such as ``"OTHER_LE"``) only when taking part
    was itself open only to people with that lived experience: every participant
    is then recorded as having declared it. ``progress(done, total)`` is called
    after each command.
    """
    began = time.perf_counter()
    if not isinstance(ledger, Ledger):
        raise InvalidInputError(f"ledger must be an open Ledger, not {_kind(ledger)}")
    # Before the folder is read: a malformed one inside a batch fails it too.
    ledger._refuse_import_in_batch()  # noqa: SLF001 (coledger's own batch)
    v.check_text("organiser_name", organiser_name, limit=v.MAX_NAME, one_line=True)
    if lived_experience is not None:
        # Sealed in every participant's declaration: a near miss is not repeated.
        v.check_code(
            "lived_experience", lived_experience, v.LIVED_EXPERIENCE, sealed=True
        )
    if progress is not None and not callable(progress):
        raise InvalidInputError("progress must be a callable taking (done, total)")
    if isinstance(directory, PolisExport):
        export = _check_export(directory)
        began -= export.seconds  # read earlier: its time counts too
    else:
        export = read_polis_export(directory)  # which refuses what is not a path
    _refuse_duplicates(ledger, export)
    writer = _Writer(ledger, export, organiser_name, lived_experience, progress)
    with ledger.batch():  # all or nothing, in one transaction
        organiser, project, body = writer.run()
        # Not the change in position: PostgreSQL spends positions on inserts
        # rolled back, and another writer's events may be stored meanwhile.
        events = ledger._batch_events()  # noqa: SLF001 (coledger's own batch)
    seconds = time.perf_counter() - began
    warnings = []
    skipped = len(export.votes) - writer.ballots
    if skipped:
        names, they = ("names", "it was") if skipped == 1 else ("name", "they were")
        warnings.append(
            # Not "no row in comments.csv": a statement may be left out by hand.
            f"{count_of(skipped, 'votes')} {names} a comment-id that no statement "
            f"in the export has; {they} not recorded"
        )
    if writer.retimed:
        one = writer.retimed == 1
        has, them, they, their = (
            ("has", "it", "it was", "its")
            if one
            else ("have", "them", "they were", "their")
        )
        warnings.append(
            f"{count_of(writer.retimed, 'statements')} {has} a vote dated before "
            f"{them}; {they} raised at {their} first vote instead"
        )
    decided = sum(s.moderated != 0 for s in export.statements)
    return PolisImport(
        conversation=export.conversation,
        project=project,
        body=body,
        organiser=organiser,
        members=len(writer.members) + 1,
        statements=len(export.statements),
        votes_read=len(export.votes),
        ballots=writer.ballots,
        votes_skipped=skipped,
        statements_without_votes=len(export.statements) - len(writer.voted),
        decisions=decided,
        undecided=len(export.statements) - decided,
        events=events,
        seconds=seconds,
        events_per_second=events / seconds if seconds > 0 else 0.0,
        warnings=tuple(warnings),
    )
