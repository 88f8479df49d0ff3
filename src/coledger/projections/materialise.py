"""Materialised projections: the report's figures as plain SQL tables in the ledger.

Tables (in the ledger's SQLite file or PostgreSQL schema, readable by any SQL
tool; ``scope_id`` is ``''`` for the whole ledger):

``coledger_tracking(name, position, key_generation)``
    The last event folded in, per projection, and the key store's count of
    destructions when the rows were worked out (NULL: not known).
``coledger_figures(scope_kind, scope_id, code, value, n, coverage, band, note,
people, groups)``
    Every indicator, for the whole ledger, each body and each project, over all
    time; ``groups`` is a parity ratio's group counts as a JSON array (NULL for
    the other figures).
``coledger_ladder(scope_kind, scope_id, unit, id, name, rung, level, flags,
evidence, ordinal)``
    The rung of each process in each scope; flags and evidence as JSON text.
``coledger_decision_tags(scope_kind, scope_id, proposal, decision, tag,
le_originated, ordinal)``
    The mini-ladder tag of each decision.

``ordinal`` is a row's place in its scope's report, so that a report read
from the tables lists processes and decisions in the order a fold gives.

Catching up pulls the notification log from the tracked position (SQLite has no
push), folds the new events into the facts, recomputes the figures, and writes
them together with the new position in one transaction: a crash leaves the
tables at the old position or the new one, never between, so every event
counts exactly once. That transaction first checks that the position (and the
key generation beside it) is still the one the catch-up started from: when
another catch-up (another worker, or a report read in another process) got
there first, the work is dropped and started again from the new position, so
two catch-ups never interleave their rows. The new rows wait in the
connection's temporary tables while they are worked out, a batch at a time, so
a rebuild never holds every scope's rows in memory and the ledger is locked
only for the swap. After a restart the facts are folded again up to the
tracked position by reading (nothing is written twice); so are facts whose
last event the log no longer holds at its position (the database was restored
from an older copy).
Rebuilding from scratch is one call.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

import attrs
import orjson
from eventsourcing.persistence import ApplicationRecorder, PersistenceError
from eventsourcing.sqlite import SQLiteApplicationRecorder

from coledger.domain.values import check_position
from coledger.errors import (
    CorruptEventError,
    InvalidInputError,
    LedgerClosedError,
    StorageError,
)
from coledger.log import sqlite_cursor
from coledger.projections.facts import ALL, Facts, Stamp, collector_paused, stamp_at
from coledger.projections.indicators import build_report
from coledger.projections.ladder import carry_rungs
from coledger.projections.lens import Figure, Lens, Scope, carry_per_state, now_of
from coledger.projections.report import DecisionTag, PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from coledger.serialization import to_jsonable
from coledger.storage import alive, lock_refused, locked_error, notify_channel

if TYPE_CHECKING:
    from coledger.application import Ledger
    from coledger.storage import StorageConfig

NAME = "power_sharing"
TABLES = (
    (
        "CREATE TABLE IF NOT EXISTS coledger_tracking ("
        "name TEXT PRIMARY KEY, position BIGINT NOT NULL, key_generation BIGINT)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS coledger_figures ("
        "scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, code TEXT NOT NULL, "
        "value DOUBLE PRECISION, n BIGINT NOT NULL, coverage DOUBLE PRECISION, "
        "band TEXT, note TEXT, people BIGINT, groups TEXT, "
        "PRIMARY KEY (scope_kind, scope_id, code))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS coledger_ladder ("
        "scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, unit TEXT NOT NULL, "
        "id TEXT NOT NULL, name TEXT NOT NULL, rung TEXT NOT NULL, level INT NOT NULL, "
        "flags TEXT NOT NULL, evidence TEXT NOT NULL, ordinal INT NOT NULL, "
        "PRIMARY KEY (scope_kind, scope_id, unit, id))"
    ),
    (
        "CREATE TABLE IF NOT EXISTS coledger_decision_tags ("
        "scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, proposal TEXT NOT NULL, "
        "decision TEXT NOT NULL, tag TEXT NOT NULL, le_originated BOOLEAN NOT NULL, "
        "ordinal INT NOT NULL, PRIMARY KEY (scope_kind, scope_id, decision))"
    ),
    # A report reads one scope's rows in their ordinal order: with these it
    # walks them in order instead of sorting them (19,307 decision tags in
    # the whole-ledger scope of a million events).
    (
        "CREATE INDEX IF NOT EXISTS coledger_ladder_order "
        "ON coledger_ladder (scope_kind, scope_id, ordinal)"
    ),
    (
        "CREATE INDEX IF NOT EXISTS coledger_decision_tags_order "
        "ON coledger_decision_tags (scope_kind, scope_id, ordinal)"
    ),
)
DATA_TABLES = ("coledger_figures", "coledger_ladder", "coledger_decision_tags")
ORDER = {
    "coledger_figures": "code",
    "coledger_ladder": "ordinal",
    "coledger_decision_tags": "ordinal",
}
"""How each table's rows of one scope are read: as its report lists them."""
COLUMNS = {
    "coledger_figures": (
        "scope_kind",
        "scope_id",
        "code",
        "value",
        "n",
        "coverage",
        "band",
        "note",
        "people",
        "groups",
    ),
    "coledger_ladder": (
        "scope_kind",
        "scope_id",
        "unit",
        "id",
        "name",
        "rung",
        "level",
        "flags",
        "evidence",
        "ordinal",
    ),
    "coledger_decision_tags": (
        "scope_kind",
        "scope_id",
        "proposal",
        "decision",
        "tag",
        "le_originated",
        "ordinal",
    ),
}
"""Each data table's columns, in the order its rows hold them. Every read and
write names them: a table that lacks one was made by an earlier release and is
dropped and made again (its rows are derived), and a column a later release
added is left empty rather than breaking this one's writes."""
STAGED = "coledger_staged_"
"""Prefix of the connection's temporary tables that new rows wait in."""
STAGE_BATCH = 20_000
"""Rows worked out before they are written to the temporary tables."""
LONGEST_WAIT = 30.0
"""Seconds a worker waits at most between tries while storage keeps failing."""
ATTEMPTS = 8
"""Catch-ups started again, at most, when others keep moving the tables first."""
STOP_CHECK = 0.25
"""Seconds a PostgreSQL worker waits on LISTEN, at most, before it looks at its stop."""
Rows = dict[str, list[tuple[Any, ...]]]
"""Rows by table name."""


class Tracked(NamedTuple):
    """Where the tables stand: their position, and under which keys they were made."""

    position: int
    """The last event folded in (0 before anything was)."""
    keys: int | None
    """The key store's count of destructions when the rows were worked out
    (None when not known: written by a release that did not keep it)."""

    def stale(self, keys: int) -> bool:
        """Whether rows are held that were not worked out under count *keys*."""
        return bool(self.position) and self.keys != keys


UNTRACKED = Tracked(0, None)


class TablesMovedError(StorageError):
    """The tables moved to another position while a catch-up worked them out."""


class Tables(ABC):
    """Where the materialised rows live."""

    @abstractmethod
    def tracked(self) -> Tracked:
        """Where the tables stand (``UNTRACKED`` before anything was folded)."""

    def position(self) -> int:
        """The tracked position (0 before anything was folded)."""
        return self.tracked().position

    @abstractmethod
    def replace(
        self,
        position: int,
        batches: Iterable[Rows],
        scopes: set[tuple[str, str]] | None = None,
        *,
        keys: int | None = None,
        expected: Tracked | None = None,
    ) -> None:
        """Replace the rows of *scopes* (all when None) and the tracking, atomically.

        *batches* may be a generator that works out one scope's rows at a time:
        the rows are taken as they come, so a rebuild need not hold them all.
        *keys* is the key store's count of destructions read before the rows'
        facts were folded. With *expected*, raises ``TablesMovedError`` and
        writes nothing unless the tables still stand there when the swap begins.
        """

    @abstractmethod
    def read(self, scope: Scope) -> tuple[int, Rows]:
        """The position and one scope's rows of every data table, as of one moment."""

    def close(self) -> None:  # noqa: B027 (in-memory tables hold no connection)
        """Release the connection."""


FIGURES_VERSION = 100
"""The version of the figures' definitions, raised whenever a release changes
what a figure counts: tables written under another version are rewritten by
the next catch-up, rather than left showing the old figures until their scope
is touched. (2: X1's pending requests, V5's first decision, P2's UTC days and
R7's exact quota. 3: X1 leaves pending a request due at now itself; X4
wants accessible papers by the meeting's start; late_involvement is raised
for input at the first design decision itself, as A3 counts it; R6 and X5
give their coverage when there is no value; R5's
membership, X1's and X2's outcomes are read as they stood at the period's
end, which changes figures for a period only. 4: D1's note counts its
decisions made out of the forum, such as by the chair alone. 5: the ladder's
access_overrides evidence counts every vote opened over unmet needs, not only
over needs of people with lived experience. 6: an amendment by a member with
lived experience to their own proposal is an occasion of their input, so it
counts in le_occasions and first_le_contribution, and can lift one_off.
7: W2, the share of meetings with a wellbeing check-in, is worked out. 8:
each figure that weighs records by lived experience gives the smallest group
of people it reads as ``people``, V4 among them, and each rung's evidence
counts the people of each group behind it. 9: W2 counts a project's
meetings of a forum from the forum's first check-in at any of its meetings,
not only at the project's own, and, for a period that ends after the
record, leaves out the meetings that start after the latest recorded day.
10: in a project's scope X5 counts every meeting of the project, whichever
body held it; in a body's scope A3 judges each project on its proposals to
that body alone. 11: a value within rounding of a cut-off takes the band at
or above it, so an exact four-fifths parity ratio is at parity. 12: X1 takes
a request needed before a vote that never opened as due at the proposal's
first decision or withdrawal; D5 reads voters' lived experience when an
advisory vote closed, not at the decision taken after it. 13: the ladder
rates a process with any lived-experience input in the period at least
CONSULTATION, counts a meeting as informing only for papers out by its
start, and closes the feedback loop only with feedback on a comment made
in the period. 14: R1's balanced cut, V2's dominated cut and the token_seat
flag allow for rounding at their cut-offs as the parity ratios do. 15: X1
dates a request made after its proposal's vote opened by the first decision
or withdrawal after it; R4's led band allows for rounding. 16: D5 counts
only decisions against the lived-experience voters' majority (more than
half of their ballots, abstentions included); V5 counts only feedback at or
after the decision; R2 in a project's scope counts its own decision
meetings; V4 hears a comment at a meeting only through the meeting channel
on its day; D1 needs a voting seat for consensus and consent deciders.
17: each parity ratio (R3, R5, R6, V1, D3, X5) keeps the counts of the
groups it compares as ``groups``, and each rung's evidence keeps its seat
figures' groups and how many proposals with a lived-experience proposer it
reads, so that disclosure control can withhold what a small group gives
away. 18: X1 reads a standing request once at each meeting it covered; an
erased member stays in the membership before their erasure (V2, R5, A1's
base); R7 reads roles and rules in force at its moment; X5 bands at its own
attendance_parity; A1's base in a body or project scope is the forum's own
members, whose groups A1 counts; X1 counts the people who asked. 19:
late_involvement is A3's verdict wherever there was input (a lived-experience
proposal or comment before the first design decision, or at all with none
taken), and first_le_contribution is that input;
faux_coproduction reads the label in force at the period's end, in business
time; R2 in a project's scope counts the decision meetings its proposals
were raised at too; placation is raised for seats of any kind without
power, advisory ones too; for a period, no scope rates a project before it
started, and one finished before the period is rated only where there was
lived-experience involvement in it. 20: X2 counts the people who asked too. 21: a
rung's evidence is kept in the ladder's order, not sorted, so that a report
read from the tables prints as the folded one. 22: A2
leaves out proposals raised after the period's end; in a project's scope
every meeting figure (A2, V1, V2, V4, X3, X4, X5, W2) reads the meetings
its proposals were raised at, as R2, X1 and the ladder did; an erasure ends
the erased member's seats, so no seat figure (R1 to R7, X5, D1's voting
right, the ladder's equal terms) counts a seat no one can use; A2, X4 and
X5 leave out meetings still to come, as W2 does. 23: in a project's scope a
proposal raised after the period's end brings no meeting into the period (A2,
V1, V2, V4, R2, X1 to X5, W2 and the ladder), which changes figures for a
period only; a seat its holder took after their erasure's business time
(the erasure recorded later) is held in no period: R6, the standing
requests of seated members (X1, X2), a forum's members (V2, A1's base) and
the ladder's decision makers no longer count it. 24: R7 equal to R1 within
rounding is proportionate, not diluted, as version 11 made the other cuts.
25: X1 with no request due says how many were made, rather than that none
was. 26: A2 and X4 with no meeting held say so, rather than that there were
no meetings. 27: in a project's scope a proposal raised after the period's
end brings no body into the period either (R1, R3 to R7, the standing
requests of seated members in X1 and X2, a forum's members in V2 and A1's
base, and the ladder's equal terms and decision makers), which changes
figures for a period only; nor, in a body's scope, a project into the
period (the ladder, A3, P1 to P3). 28: no scope rates a body established
after the period's end, and the ledger's bodies for a period are those
established by its end, so a governance body set up later no longer
displaces the others (R1, R3 to R7 and the standing requests of seated
members in X1 and X2), which changes figures for a period only. 29: a
decision is tagged informed only through a meeting that started before the
period's end (one later on the decision's day, or the proposal's own meeting
still to come, no longer counts), for a period only. 30: X3 and V6 read
only the papers issued before the period's end, for a period only. 31: A1's
parity leaves out of its base's mean a proposal raised before any member of
its forum was registered, which counted as a base of 0%. 32: X1 leaves out
a request still open when its member was erased, at or before its deadline,
which nobody could answer after the erasure; a standing request withdrawn
after its answer (now allowed) covers no meeting after the withdrawal. 33:
feedback naming a lived-experience comment made after a decision no longer
tags that decision influenced. 34: the ladder counts ballots in an advisory
vote as lived-experience input (at the vote's close), so a process where
members with lived experience were only polled is no longer rated NONE.
35: the ladder's influence evidence no longer takes feedback on a comment
made after the proposal's adoption. 36: X1 with no request due says when
an erasure ended them first, rather than that none has fallen due yet.
37: V5 leaves out a comment dated after the period's end, for a period
only. 38: V1 with no comments counts its attendance (or membership) groups,
so disclosure control no longer takes them as unknown. 39: X1 takes a
proposal request needed before feedback as due at the first feedback after
it, and pending until then, rather than failed at once and met whenever
provided. 40: X1 counts a request withdrawn after its deadline passed
unanswered as unresolved, rather than leaving it out. 41: X1 leaves such
a request out of a period that ended before its deadline, as pending then,
rather than counting it unresolved, and its note counts it as made. 42:
R1 counts the people holding its seats with and without lived experience as
``groups``, so that disclosure control can tell one member's seats on
several bodies from several members. 43: R4 counts the members holding its
offices as ``people``, since one member may serve several terms. 44: D3's
``groups`` add the proposers behind its two groups of proposals, so that
one member's several proposals count as one person. 45: each rung's
evidence counts the lived-experience proposers of its proposals as
``le_proposers``. 46: V1's ``groups`` add the commenters and the attendees
(or members) behind its comments and attendances. 47: R3's and R6's
``groups`` add the members behind their two groups of seats, so that one
member's seats on several bodies count as one person. 48: the ladder
names as an advisory vote's deciders, and takes for input at its close,
only the ballots of its electorate, as the close counts them. 49: P2 and
the ladder place acts on occasions by one rule: a proposal's raising is its
own meeting whatever the day, else a written day, and a meeting-channel act
on a day of several meetings goes to the latest begun (so ``le_occasions``,
``comment_meetings`` and ``one_off`` can change). 50: a
closed vote gives a vote right (D1, the ladder's deciders) only to the
voters whose ballots it counts, not to others an import names. 51: A3's
``people`` counts only those who spoke before each project's first design
decision, since input after it cannot make a project formative. 52: R2
gives as ``groups`` the voting-seat holders present at its meetings, with
and without lived experience, which need not be R1's seat holders. 53: the
ladder's ``people`` counts the proposers and commenters before the
process's first design decision (``proposers_before_design``,
``commenters_before_design``), whose lived experience alone decides
``late_involvement``. 54: V4 hears a member at a meeting where P2 and the
ladder place their act, a meeting-channel comment on an earlier proposal of
the body among them, and counts every meeting where someone was heard. 55:
X1 takes a need before the vote asked while the vote was open, when that
vote closed ``not_valid``, as due at the decision that settles the
proposal, not at the close that decided nothing. 56: the ladder's equal-terms
test, and its access_overrides evidence, read every vote with an access
override that was open in the period, one opened before it and closed in it
too, not only those opened in it. 57: for a period that ends after the
latest business day recorded, X1 takes a need due after that day as
pending, as A2, X4, X5 and W2 take a meeting then as still to come, rather
than as failed. 58: D6 likewise takes an open action due after that day as
pending, not as late. 59: the ladder places a process with no activity in
the period at NO_ACTIVITY, not NONE, and never flags it faux
co-production. 60: R5 with voting seats but no member with lived experience
still gives the membership it counted as n, and its coverage. 61: the
ladder's decision-makers, whose unresolved declines break equal terms, take
in the electorate of every vote open in the period, one opened before it
too, not only of those opened in it. 62: V6 times each papers format from
its first issue, as X3 does, so papers sent again in a format already out no
longer make a decision rushed. 63: each scope's figures keep a row
``tags``, the people the decision tags read, so that disclosure control can
withhold tags that speak of a few of them. 64: the ladder takes a meeting
that has not started by now as still to come, as A2 and W2 do, so a process
whose only meeting is to come is at NO_ACTIVITY, not NONE. 65: the
ladder's equal terms take a declined need asked for before the period, for
a meeting or vote in it, as the period's too, for a period only. 66: D4 no
longer counts a proposer's amendment of their own proposal as influence. 67:
nor an amendment taking up a proposer's own comment. 68: R6 joins a member's
seat spells on a body that follow on without a break (a change of seat or
office) into one tenure. 69: R4's coverage is the share of the office time
whose holder had declared, weighed by time as its value is, not read at each
office's start. 70: a standing request's needed_by, the day it holds
from, is no deadline: a decline is made good by any later provision. 71: the
ladder's influence evidence and the influenced tag no longer count an
amendment taking up a proposer's own comment, as D4 does not. 72: X4 reads
a standing request that covered a meeting as asking for its papers. 73: P1's
people leave out the proposers and deciders of governance proposals, which
score no point. 74: V2 with no act gives the members it counted as its n,
and their coverage, as the other figures with a base do. 75: V4's
insufficient case gives the coverage of the attendances it read. 76: A3 and
the ladder's late_involvement take a deferral for no design decision. 77:
the ladder's influence evidence and the influenced tag no longer count a
proposer's amendment of their own proposal, one who declared lived
experience only after raising it too, as D4 does not. 78: D4's people leave
out the proposers rewording their own proposals or taking up their own
comments, whose lived experience it does not read. 79: D5's people leave out
the voters of a proposal deferred, which overrides nothing. 80: X1 for a
project carries a need still pending as a period began into it when its
meeting became the project's in the period. 81: X2 counts a request answered in
a later period than the one it was made in, in the period of its answer, for a
period only. 82: X5's barrier note reads each meeting held in the period with
the requests made for it before the period too, for a period only. 83: a
decline is made good only by a need asked for at or after it, not by another
need asked for before it and provided. 84: a meeting called off
(Meeting.Cancelled) is left out of every figure that counts meetings (A2, R2,
V2, V4, X3, X4, X5, W2, the ladder's meetings, occasions and evidence, the
informed tag), and X1 and X2 leave out a request for it still unanswered when it
was called off. 85: a request for a meeting called off after it fell due
(its needed_by, else the meeting's start) keeps its outcome in X1 and X2, and
a standing request covers a meeting called off after its start. 86: the
ladder's equal terms count a standing need declined before the period, never
made good, in each period holding a meeting it covered, for a period only.
87: V6 reads no papers of a meeting called off: a proposal raised at it was
raised in writing. 88: D1's, X1's and X3's bands and equal terms' X1 take a
value within rounding of its cut-off as at it, as every other band does.
89: D5's note says "1 override", not "1 overrides". 90: the ladder's
decided_phases leave out a vote another decision overrode by the period's end.
91: so does P1's score of the phases in which lived experience decided.
92: X2 in a body's or project's scope counts a standing request answered in
a later period than it was made in when its member held a seat there from
the request on, not only in the period of the answer, so an answer after
they left still counts once, for a period only. 93: X1 no longer carries a
request that its member's erasure ended into the periods after, where its
note said the request was made, for a period only. 94: R3's and R6's
notes, when insufficient, name the second thing each needs (a voting seat
among the others', the others' median tenure above 0), not only both groups.
95: a decision made after a vote in which lived experience voted (advisory,
not_valid or overridden) is tagged consulted, not informed or none. 96: A2
leaves out a proposal withdrawn before the meeting it named began. 97: X1
and X2 with no records count 0 people, not None, as the other weighing
figures do. 98: X5's barrier note counts a member's meeting once, however
many of their requests for it were provided (or declined). 99: X4's note
names a baseline code given twice once, and an empty baseline as none set.
100: A1's note writes a parity that two decimals would round onto 0, 1 or
its cut with more of them.)"""


def tracking_name(th: Thresholds) -> str:
    """The tracking row for tables computed under *th* by this version of the figures.

    Tables computed under other thresholds, or an earlier version, start afresh.
    """
    made = repr((FIGURES_VERSION, attrs.astuple(th)))
    return f"{NAME}/{hashlib.sha256(made.encode()).hexdigest()[:12]}"


class MemoryTables(Tables):
    """Tables kept in process memory, for in-memory ledgers."""

    def __init__(self, name: str = NAME) -> None:
        self.name = name
        self._tracked = UNTRACKED
        self._rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in DATA_TABLES}
        self._lock = threading.Lock()
        """Held for a swap and for a read: a read sees the tables at one moment."""

    def tracked(self) -> Tracked:
        """Where the tables stand."""
        with self._lock:
            return self._tracked

    def replace(
        self,
        position: int,
        batches: Iterable[Rows],
        scopes: set[tuple[str, str]] | None = None,
        *,
        keys: int | None = None,
        expected: Tracked | None = None,
    ) -> None:
        """Swap in the new rows and tracking together."""
        new: Rows = {t: [] for t in DATA_TABLES}
        for batch in batches:
            for table, rows in batch.items():
                new[table] += rows
        with self._lock:
            if expected is not None:
                _check_unmoved(expected, self._tracked)
            kept = {
                t: []
                if scopes is None
                else [r for r in self._rows[t] if (r[0], r[1]) not in scopes]
                for t in DATA_TABLES
            }
            self._rows = {t: kept[t] + new[t] for t in DATA_TABLES}
            self._tracked = Tracked(position, keys)

    def read(self, scope: Scope) -> tuple[int, Rows]:
        """The position and one scope's rows of every data table, as of one moment.

        Under the lock a swap takes: a swap on another thread between the
        tables would otherwise give figures of one position beside the ladder
        of another, under the label of either.
        """
        key = _key(scope)
        with self._lock:
            rows = {
                t: [r for r in self._rows[t] if (r[0], r[1]) == key]
                for t in DATA_TABLES
            }
            return self._tracked.position, rows


class SQLTables(Tables):
    """Tables in the ledger's own SQLite file or PostgreSQL schema."""

    def __init__(self, config: StorageConfig, name: str = NAME) -> None:
        self.name = name
        self._lock = threading.Lock()
        """Held for each use of the connection."""
        self._replacing = threading.Lock()
        """Held for a whole replace: one set of staged rows at a time."""
        self._backend = config.backend
        self._config = config
        self._closed = False
        """True once closed: no use of the connection reopens it."""
        self._errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        try:
            if config.backend == "sqlite" and config.file is not None:
                self._mark = "?"
                self._conn: Any = sqlite3.connect(
                    config.file,
                    timeout=float(config.env["SQLITE_LOCK_TIMEOUT"]),
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)

                self._mark = "%s"
                self._errors = (psycopg.Error,)
                self._conn = self._connect()
            self._create()
        except Exception as error:
            conn = getattr(self, "_conn", None)
            if conn is not None:  # refused after connecting: not left open
                with contextlib.suppress(Exception):
                    conn.close()
            if lock_refused(error):
                raise locked_error(config) from error
            raise StorageError(f"cannot open the projection tables: {error}") from error

    def _create(self) -> None:
        """Create the tables if missing.

        Two PostgreSQL sessions creating one table at once collide in the
        catalogue (a duplicate key in ``pg_type``) even with ``IF NOT EXISTS``,
        so they take turns under an advisory lock named after the schema.
        SQLite's file lock already makes them take turns.
        """
        if self._backend == "sqlite":
            if self._outdated():
                with self._transaction():  # the write lock, for the drop
                    self._make_tables()
            else:
                self._make_tables()
            return
        with self._conn.transaction():
            self._conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                (f"coledger:tables:{self._config.pg_schema}",),
            )
            self._make_tables()

    def _make_tables(self) -> None:
        """Create the tables, first dropping data tables that lack a column.

        They hold derived rows only: with them dropped and every tracking row
        gone, the next catch-up works every scope out again. A tracking table
        from before ``key_generation`` gains it, empty: not knowing which keys
        its rows were worked out under, the next catch-up rewrites them all.
        """
        if self._data_outdated():
            for table in DATA_TABLES:
                self._conn.execute(f"DROP TABLE IF EXISTS {table}")
            self._conn.execute("DELETE FROM coledger_tracking")
        elif self._data_lost():
            self._conn.execute("DELETE FROM coledger_tracking")
        if self._tracking_outdated():
            self._conn.execute(
                "ALTER TABLE coledger_tracking ADD COLUMN key_generation BIGINT"
            )
        for statement in TABLES:
            self._conn.execute(statement)

    def _outdated(self) -> bool:
        """Whether a table made by an earlier release lacks a column, or one is lost."""
        return self._data_outdated() or self._tracking_outdated() or self._data_lost()

    def _data_lost(self) -> bool:
        """Whether a data table is missing beside the tracking table.

        Dropped by hand, or left out of a restore: made again empty, it would
        get only the scopes the next catch-up touches, so the tracking goes
        with it and that catch-up works every scope out afresh.
        """
        if not self._columns("coledger_tracking"):
            return False
        return any(not self._columns(table) for table in DATA_TABLES)

    def _data_outdated(self) -> bool:
        """Whether a data table lacks one of its ``COLUMNS``.

        Such as the ladder before rows kept their ``ordinal``, or the figures
        before they counted ``people``.
        """
        for table, wanted in COLUMNS.items():
            columns = self._columns(table)
            if columns and not columns.issuperset(wanted):
                return True
        return False

    def _tracking_outdated(self) -> bool:
        """Whether the tracking table is there without ``key_generation``."""
        columns = self._columns("coledger_tracking")
        return bool(columns) and "key_generation" not in columns

    def _columns(self, table: str) -> set[str]:
        """The names of *table*'s columns (none when it is not there)."""
        if self._backend == "sqlite":
            rows = self._conn.execute(f"PRAGMA table_info({table})")
            return {row[1] for row in rows}
        rows = self._conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (self._config.pg_schema, table),
        )
        return {row[0] for row in rows}

    def _connect(self) -> Any:
        """A new PostgreSQL connection, in autocommit, on the ledger's schema."""
        import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
        from psycopg import sql  # noqa: PLC0415

        conn = psycopg.connect(self._config.postgres_conninfo, autocommit=True)
        try:
            conn.execute(
                sql.SQL("SET search_path TO {}").format(
                    sql.Identifier(self._config.pg_schema)
                )
            )
        except BaseException:
            conn.close()
            raise
        return conn

    def _revive(self) -> None:
        """Connect again if the server dropped the connection (caller holds the lock).

        The staged tables went with the old session and are made again. Once
        closed, LedgerClosedError: a connection closed by ``close`` is not one
        the server dropped, and a new one would be left open (a worker still
        following a Ledger as it closes, or a projector kept past its close).
        """
        if self._closed:
            msg = (
                "these projection tables were closed with their Ledger; open the "
                "ledger again with Ledger.open"
            )
            raise LedgerClosedError(msg)
        if self._backend != "sqlite":
            self._conn = alive(self._conn, self._connect)

    @contextlib.contextmanager
    def _plain_errors(self) -> Iterator[None]:
        """Database errors as coledger's ``StorageError``."""
        try:
            yield
        except self._errors as error:
            if lock_refused(error):  # another process held the write lock
                raise locked_error(self._config) from error
            raise StorageError(f"projection tables: {error}") from error

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One transaction on the connection (the caller holds the lock)."""
        self._revive()
        self._conn.execute("BEGIN IMMEDIATE" if self._backend == "sqlite" else "BEGIN")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def tracked(self) -> Tracked:
        """Where the tables stand (untracked too when a restore took them away)."""
        with self._plain_errors(), self._lock:
            self._revive()
            try:
                return self._tracked(self._conn)
            except self._errors as error:
                if not self._missing(error):
                    raise
                return UNTRACKED

    def _tracked(self, conn: Any) -> Tracked:
        """This projection's tracking row, as *conn* sees it."""
        row = conn.execute(
            "SELECT position, key_generation FROM coledger_tracking "  # noqa: S608
            f"WHERE name = {self._mark}",
            (self.name,),
        ).fetchone()
        position = None if row is None else _count_in(row[0])
        if position is None:  # nothing tracked, or a position edited past reading
            return UNTRACKED
        return Tracked(position, _count_in(row[1]))

    def _missing(self, error: Exception) -> bool:
        """Whether *error* says that a projection table is not there.

        A restore from a copy taken before the tables were made takes them
        away under a live connection: nothing is tracked then, and the next
        swap makes them again.
        """
        if self._backend == "sqlite":
            return "no such table" in str(error)
        import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)

        return isinstance(error, psycopg.errors.UndefinedTable)

    def _remake(self) -> None:
        """Make the tables again if any is missing (a restore took them away)."""
        with self._lock:
            self._revive()
            if self._tables_found() < 1 + len(DATA_TABLES):
                self._create()

    def _tables_found(self) -> int:
        """How many of the tracking and data tables the ledger's database holds."""
        names = ("coledger_tracking", *DATA_TABLES)
        marks = ", ".join([self._mark] * len(names))
        if self._backend == "sqlite":
            query = (
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' "  # noqa: S608
                f"AND name IN ({marks})"
            )
            params: tuple[str, ...] = names
        else:
            query = (
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s "  # noqa: S608
                f"AND tablename IN ({marks})"
            )
            params = (self._config.pg_schema, *names)
        return int(self._conn.execute(query, params).fetchone()[0])

    def _stage(self, batches: Iterable[Rows]) -> set[str]:
        """Put the new rows in this connection's temporary tables, a batch at a time.

        Temporary tables belong to the connection alone: filling them takes no
        lock on the ledger, so writers are held up only by the short swap that
        follows, however long the rows take to work out. Returns the tables
        that received rows.
        """
        with self._lock:
            self._revive()
            for table in DATA_TABLES:
                self._conn.execute(
                    f"CREATE TEMP TABLE IF NOT EXISTS {STAGED}{table} AS "  # noqa: S608
                    f"SELECT {', '.join(COLUMNS[table])} FROM {table} LIMIT 0"
                )
            self._clear_staged()
        filled: set[str] = set()
        pending: Rows = {t: [] for t in DATA_TABLES}
        count = 0
        for batch in batches:
            for table, rows in batch.items():
                pending[table] += rows
                count += len(rows)
            if count >= STAGE_BATCH:
                filled |= self._write_staged(pending)
                pending, count = {t: [] for t in DATA_TABLES}, 0
        return filled | self._write_staged(pending)

    def _write_staged(self, pending: Rows) -> set[str]:
        """Add rows to the temporary tables; the tables that received some."""
        with self._lock:  # readers may use the connection between batches
            for table, rows in pending.items():
                if rows:
                    names = ", ".join(COLUMNS[table])
                    marks = ", ".join([self._mark] * len(COLUMNS[table]))
                    self._conn.cursor().executemany(
                        f"INSERT INTO {STAGED}{table} ({names}) "  # noqa: S608
                        f"VALUES ({marks})",
                        rows,
                    )
        return {table for table, rows in pending.items() if rows}

    def replace(
        self,
        position: int,
        batches: Iterable[Rows],
        scopes: set[tuple[str, str]] | None = None,
        *,
        keys: int | None = None,
        expected: Tracked | None = None,
    ) -> None:
        """Stage the new rows, then swap them and the tracking in one transaction."""
        mark = self._mark
        with self._plain_errors(), self._replacing:
            self._remake()
            try:
                filled = self._stage(batches)
                with self._lock, self._transaction() as conn:
                    self._hold(conn, expected)
                    self._swap(conn, filled, scopes)
                    if scopes is None:  # every row rewritten: no other tracking holds
                        conn.execute("DELETE FROM coledger_tracking")
                    else:
                        forget = f"DELETE FROM coledger_tracking WHERE name = {mark}"  # noqa: S608
                        conn.execute(forget, (self.name,))
                    conn.execute(
                        "INSERT INTO coledger_tracking (name, position, "  # noqa: S608
                        f"key_generation) VALUES ({mark}, {mark}, {mark})",
                        (self.name, position, keys),
                    )
            finally:
                # Give the staged rows' space back. The tables stay for the next
                # call (no catalogue churn); if the connection broke, they went
                # with it, and the error that broke it is the one to see.
                with self._lock, contextlib.suppress(Exception):
                    self._clear_staged()

    def _hold(self, conn: Any, expected: Tracked | None) -> None:
        """Keep other swaps out until commit; check the tables stand at *expected*.

        SQLite's ``BEGIN IMMEDIATE`` already holds the file's write lock. On
        PostgreSQL the tracking table's lock does it (readers still read):
        without it, a second swap's DELETE could miss rows the first has just
        committed and its INSERT would hit their keys.
        """
        if self._backend != "sqlite":
            conn.execute("LOCK TABLE coledger_tracking IN EXCLUSIVE MODE")
        if expected is not None:
            _check_unmoved(expected, self._tracked(conn))

    def _clear_staged(self) -> None:
        # TRUNCATE on PostgreSQL: autovacuum never visits temporary tables, so
        # deleted rows would stay; SQLite's unqualified DELETE truncates anyway.
        clear = "DELETE FROM" if self._backend == "sqlite" else "TRUNCATE"
        for table in DATA_TABLES:
            self._conn.execute(f"{clear} {STAGED}{table}")

    def _swap(
        self, conn: Any, filled: set[str], scopes: set[tuple[str, str]] | None
    ) -> None:
        mark = self._mark
        for table in DATA_TABLES:
            if scopes is None:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
            else:
                conn.cursor().executemany(
                    f"DELETE FROM {table} WHERE scope_kind = {mark} "  # noqa: S608
                    f"AND scope_id = {mark}",
                    sorted(scopes),
                )
            if table in filled:
                names = ", ".join(COLUMNS[table])
                conn.execute(
                    f"INSERT INTO {table} ({names}) "  # noqa: S608 (fixed names)
                    f"SELECT {names} FROM {STAGED}{table}"
                )

    def read(self, scope: Scope) -> tuple[int, Rows]:
        """The position and one scope's rows, in one read transaction.

        One snapshot for all four reads: a swap committed between them would
        otherwise give figures of one position under the label of another.
        """
        mark = self._mark
        begin = (
            "BEGIN"
            if self._backend == "sqlite"
            else "BEGIN ISOLATION LEVEL REPEATABLE READ"
        )
        with self._plain_errors(), self._lock:
            self._revive()
            self._conn.execute(begin)
            try:
                rows = {
                    table: list(
                        self._conn.execute(
                            scope_query(table, mark), _key(scope)
                        ).fetchall()
                    )
                    for table in DATA_TABLES
                }
                found = self._conn.execute(
                    f"SELECT position FROM coledger_tracking WHERE name = {mark}",  # noqa: S608
                    (self.name,),
                ).fetchone()
            except self._errors as error:
                if not self._missing(error):
                    raise
                rows, found = {table: [] for table in DATA_TABLES}, None
            finally:
                self._conn.execute("COMMIT")
        return (0 if found is None else _count_in(found[0]) or 0), rows

    def close(self) -> None:
        """Close the connection, once no other thread is using it."""
        with self._lock:
            self._closed = True
            self._conn.close()


TRACKED = "SELECT 1 FROM coledger_tracking WHERE position > 0 LIMIT 1"
"""Any tracked position: tables that hold figures."""


def materialised_in(config: StorageConfig, recorder: ApplicationRecorder) -> bool:
    """Whether the ledger's SQLite file or PostgreSQL schema holds tracked tables.

    It only looks: it never creates the tables. An in-memory ledger's tables
    live with its Ledger object, so there it is always False. *recorder* is
    the ledger's own, whose connection a SQLite file is read on.
    """
    if config.backend == "sqlite" and isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_tracks(recorder)
    if config.backend == "postgres":
        return _postgres_tracks(config)
    return False


def _sqlite_tracks(recorder: SQLiteApplicationRecorder) -> bool:
    # On the ledger's own connection: an extra connection opened and closed
    # beside a process's writers lost their commits in concurrency probes.
    try:
        with sqlite_cursor(recorder) as cursor:
            if not cursor.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' "
                "AND name = 'coledger_tracking'"
            ).fetchone():
                return False
            return cursor.execute(TRACKED).fetchone() is not None
    except sqlite3.Error as error:
        raise StorageError(f"cannot look for the projection tables: {error}") from error


def _postgres_tracks(config: StorageConfig) -> bool:
    import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
    from psycopg import sql  # noqa: PLC0415

    schema = config.pg_schema
    try:
        with psycopg.connect(config.postgres_conninfo, autocommit=True) as pg:
            if not pg.execute(
                "SELECT 1 FROM pg_tables WHERE schemaname = %s "
                "AND tablename = 'coledger_tracking'",
                (schema,),
            ).fetchone():
                return False
            pg.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            return pg.execute(TRACKED).fetchone() is not None
    except psycopg.Error as error:
        raise StorageError(f"cannot look for the projection tables: {error}") from error


def scope_query(table: str, mark: str) -> str:
    """The SELECT of one scope's rows of *table*, in report order."""
    return (
        f"SELECT {', '.join(COLUMNS[table])} FROM {table} "  # noqa: S608 (fixed names)
        f"WHERE scope_kind = {mark} AND scope_id = {mark} ORDER BY {ORDER[table]}"
    )


def _key(scope: Scope) -> tuple[str, str]:
    """A scope as the tables key it (``''`` for the whole ledger)."""
    return scope.kind, "" if scope.id is None else str(scope.id)


def scopes_of(facts: Facts) -> list[Scope]:
    """The scopes kept materialised: the ledger, every body, every project."""
    return [
        Scope.ledger(),
        *(Scope.body(b) for b in facts.bodies),
        *(Scope.project(p) for p in facts.projects),
    ]


def linked(
    facts: Facts, dirty: set[tuple[str, UUID | None]]
) -> set[tuple[str, UUID | None]]:
    """*dirty* closed over proposals, both ways, until nothing more is added.

    A body's report shows the projects with proposals to it, and a project's
    report the bodies its proposals went to, so touching one touches the other.
    """
    found = set(dirty)
    frontier = list(found)
    while frontier:
        kind, key = frontier.pop()
        if key is None:
            continue
        if kind == "body":
            ids = facts.proposals_by_body.get(key, [])
            near = {("project", facts.proposals[i].project) for i in ids}
        elif kind == "project":
            ids = facts.proposals_by_project.get(key, [])
            near = {("body", facts.proposals[i].body) for i in ids}
        else:
            continue
        for item in near - found:
            if item[1] is not None:
                found.add(item)
                frontier.append(item)
    return found


def check_in_readers(
    facts: Facts, dirty: set[tuple[str, UUID | None]]
) -> set[tuple[str, UUID | None]]:
    """The projects whose W2 reads when a body in *dirty* first held a check-in.

    W2 counts a project's meetings of a forum from the forum's first check-in
    at any of its meetings, in the project or not, so a check-in that moves a
    body's first moves the W2 of every project with meetings of that body,
    whether or not a proposal links the two. A check-in marks its meeting's
    body; only a body with some meeting that held one can have moved.
    Nothing else reads a project's W2, so these need no closing over.
    """
    found: set[tuple[str, UUID | None]] = set()
    meetings = facts.meetings
    for kind, key in dirty:
        if kind != "body" or key is None:
            continue
        own = [meetings[i] for i in facts.meetings_by_body.get(key, [])]
        if any(m.check_ins for m in own):
            found |= {("project", m.project) for m in own if m.project is not None}
    return found


def report_rows(report: PowerSharingReport) -> Rows:
    """A report as rows of the three data tables."""
    kind, sid = (
        report.scope.kind,
        "" if report.scope.id is None else str(report.scope.id),
    )
    return {
        "coledger_figures": [
            (
                kind,
                sid,
                code,
                f.value,
                f.n,
                f.coverage,
                f.band,
                f.note,
                f.people,
                None if f.groups is None else json.dumps(list(f.groups)),
            )
            for code, f in sorted(report.indicators.items())
        ]
        + _tag_people_row(kind, sid, report),
        "coledger_ladder": [
            (
                kind,
                sid,
                r.unit,
                r.id,
                r.name,
                r.rung,
                r.level,
                json.dumps(list(r.flags)),
                # In the order the ladder gives it, so that a report read
                # from the tables prints as the folded one does.
                json.dumps(to_jsonable(r.evidence)),
                ordinal,
            )
            for ordinal, r in enumerate(report.ladder)
        ],
        "coledger_decision_tags": [
            (kind, sid, d.proposal, d.decision, d.tag, d.le_originated, ordinal)
            for ordinal, d in enumerate(report.decisions)
        ],
    }


TAGS_ROW = "tags"
"""The ``code`` of the figures row that is no figure: the people the decision
tags read (``PowerSharingReport.tag_people``), its ``groups`` those with lived
experience and those without, its ``n`` the number of tags."""


def _tag_people_row(
    kind: str, sid: str, report: PowerSharingReport
) -> list[tuple[Any, ...]]:
    """The figures row of the people the decision tags read (none if unknown)."""
    if report.tag_people is None:
        return []
    groups = report.tag_people
    return [
        (
            kind,
            sid,
            TAGS_ROW,
            None,
            len(report.decisions),
            None,
            None,
            None,
            sum(groups),
            json.dumps(list(groups)),
        )
    ]


class Materialiser:
    """Keeps the tables current for one ledger by pulling its notification log."""

    def __init__(
        self, ledger: Ledger, tables: Tables, th: Thresholds | None = None
    ) -> None:
        self.ledger = ledger
        self.tables = tables
        self.th = th or Thresholds()
        self._facts = Facts()
        self._marks_from = -1
        """The position since which the facts' dirty marks hold every touched
        scope (-1: they hold none to rely on)."""
        self._stamp: Stamp | None = None
        """The stamp of the event at the facts' position when they were folded."""
        self._keys: int | None = None
        """The key store's count of destructions when the facts began
        folding (None: nothing folded yet)."""
        self._lock = threading.Lock()

    def forget(self) -> None:
        """Drop the facts folded so far (who had lived experience, and when).

        For its Ledger's close: they were read under keys it then forgets.
        Not under the lock, which a worker's catch-up may hold while it waits
        for the closing Ledger: once closed, nothing folds into them again.
        """
        self._forget()

    def _forget(self) -> None:
        """Start the facts afresh: nothing folded, no marks or stamp to rely on."""
        self._facts = Facts()
        self._marks_from = -1
        self._stamp = None
        self._keys = None

    def _forget_if_shredded(self, keys: int) -> None:
        """Start afresh if keys were destroyed since the facts began.

        The facts may hold what those keys opened (who had lived experience),
        which no event may yet say is gone (a withdrawal whose write failed).
        """
        if self._keys is not None and self._keys != keys:
            self._forget()
        self._keys = keys

    def _keys_now(self) -> int:
        """The key store's count of destructions, read afresh."""
        return self.ledger._key_generation()  # noqa: SLF001 (the ledger's own store)

    def keys_moved(self) -> bool:
        """Whether keys were destroyed since the tables were worked out (or unknown).

        Their rows may then count what those keys opened (who had lived
        experience) until the next catch-up rewrites every scope. False for
        tables that hold nothing yet.
        """
        return self.tables.tracked().stale(self._keys_now())

    def _enough(self, at_least: int) -> bool:
        """Whether the tables stand at *at_least* or past it, under the keys now.

        Not past the log's head: such tables counted events it no longer holds.
        """
        tracked = self.tables.tracked()
        return (
            at_least <= tracked.position <= self.ledger.position
            and tracked.keys == self._keys_now()
        )

    def _forget_if_restored(self) -> None:
        """Start afresh if the log lost what the facts hold (a restored database)."""
        if self._facts.position and self._stamp != stamp_at(
            self.ledger.fold_states, self._facts.position
        ):
            self._forget()

    def _rows(self, scopes: Iterable[Scope]) -> Iterator[Rows]:
        """Each scope's rows, worked out from the facts as the tables take them."""
        for scope in scopes:
            yield report_rows(build_report(Lens(self._facts, scope), self.th))

    def _fold_to(self, position: int) -> int:
        """Fold the events up to *position* into the facts; returns how many."""
        records = self.ledger.fold_states(after=self._facts.position, until=position)
        counted = _Counted(records)
        try:
            self._facts.apply_states(counted)
        except BaseException:
            self._forget()  # the facts may hold part of an event
            raise
        self._facts.position = max(self._facts.position, position)
        return counted.count

    def catch_up(self, *, at_least: int | None = None) -> int:
        """Fold everything new into the tables; returns how many events they moved by.

        That is the events between the tables' position before and after,
        those a catch-up whose swap failed had folded among them.

        Only the scopes the new events touched are recomputed and rewritten
        (every scope when a member's status or a standing request changed).
        Tables written before keys were destroyed (by this process or any
        other, whether or not an event says so) are rewritten whole, even
        with no new event: they may count what those keys opened. So are
        tables past the log's head (a log put back from an older copy without
        them): they counted events the log no longer holds.

        When another catch-up moves the tables first, this one starts again
        from where that one left them (up to ``ATTEMPTS`` times). With
        *at_least*, tables that another catch-up has brought to that position
        or beyond, under the keys there are now, are enough: it returns 0
        rather than racing on.
        """
        if at_least is not None:
            check_position("at_least", at_least)
        with self._lock, collector_paused():
            for _ in range(ATTEMPTS):
                if at_least is not None and self._enough(at_least):
                    return 0
                with contextlib.suppress(TablesMovedError):
                    return self._catch_up_once()
            if at_least is not None and self._enough(at_least):
                return 0
            raise _overtaken("catch-ups")

    def _catch_up_once(self) -> int:
        stands = self.tables.tracked()
        tracked = stands.position
        keys = self._keys_now()  # before the fold: a later destruction shows next time
        head = self.ledger.position
        stale = stands.stale(keys)
        if head < tracked:
            # The log lacks events the rows counted (put back from an older
            # copy without its tables, or the row edited): worked out afresh.
            tracked, stale = 0, True
        elif head == tracked and not stale:
            return 0  # current, under the keys there are
        self._forget_if_restored()
        self._forget_if_shredded(keys)
        if not self._marks_from <= tracked <= self._facts.position:
            if self._facts.position > tracked:  # the tables went back (a rebuild)
                self._facts = Facts()
            self._facts.dirty.add(ALL)  # no marks needed while catching up
            self._fold_to(tracked)
            if tracked and not stale:
                self._facts.dirty.clear()
            self._marks_from = tracked
        # Otherwise another catch-up moved the tables to a position this one
        # had already folded past: the facts, and the marks of every scope
        # touched since before that position, serve as they are.
        day = now_of(self._facts)
        marked_since = self._marks_from
        folded = self._facts.position
        applied = self._fold_to(head)
        if folded > tracked:
            # Folded already by a catch-up whose swap failed or was overtaken:
            # the tables move past those events now, so they count here.
            applied += self._count(tracked, folded)
        self._stamp = stamp_at(self.ledger.fold_states, self._facts.position)
        if now_of(self._facts) != day or stale:  # every scope's figures may move
            self._facts.dirty.add(ALL)
        everything = ALL in self._facts.dirty
        dirty = linked(self._facts, self._facts.dirty)
        if not everything:  # what the new events did not reach still holds
            carry_rungs(self._facts, marked_since, dirty)
            carry_per_state(self._facts, marked_since, dirty)
            # W2 reads a forum's first check-in across scopes (rungs do not)
            dirty |= check_in_readers(self._facts, self._facts.dirty)
        scopes = [
            s for s in scopes_of(self._facts) if everything or (s.kind, s.id) in dirty
        ]
        self.tables.replace(
            head,
            self._rows(scopes),
            None if everything else {_key(s) for s in scopes},
            keys=keys,
            expected=stands,
        )
        self._facts.dirty.clear()
        self._marks_from = head
        return applied

    def _count(self, after: int, until: int) -> int:
        """How many events the log holds after *after* up to *until*."""
        return sum(1 for _ in self.ledger.fold_states(after=after, until=until))

    def rebuild(self) -> int:
        """Fold every event afresh and swap in every row at once; returns the position.

        Until the swap, readers find the tables as they were; a rebuild that
        fails or is interrupted leaves them so. When another catch-up moves
        the tables meanwhile, the rebuild folds on to the new head and swaps
        there, never taking the tables back (their rows may leave out data
        an erasure shredded since the rebuild began), up to ``ATTEMPTS`` times.
        """
        with self._lock, collector_paused():
            self._forget()
            try:
                for _ in range(ATTEMPTS):
                    with contextlib.suppress(TablesMovedError):
                        self._rebuild_once()
                        return self.tables.position()
            except BaseException:  # the facts may be ahead of the tables
                self._forget()
                raise
            self._forget()
            raise _overtaken("rebuilds")

    def _rebuild_once(self) -> None:
        """Fold on to the head and swap every scope's rows, if the tables stayed put."""
        stands = self.tables.tracked()
        keys = self._keys_now()
        head = self.ledger.position
        self._forget_if_restored()
        self._forget_if_shredded(keys)
        self._fold_to(head)
        scopes: Iterable[Scope] = ()  # nothing recorded: no scope has rows
        if head:
            self._stamp = stamp_at(self.ledger.fold_states, self._facts.position)
            scopes = scopes_of(self._facts)
        self.tables.replace(head, self._rows(scopes), keys=keys, expected=stands)
        self._facts.dirty.clear()
        self._marks_from = head

    def follow(
        self,
        stop: threading.Event,
        *,
        poll: float = 1.0,
        on_batch: Callable[[int], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Keep the tables current until *stop* is set.

        On PostgreSQL a LISTEN on the ledger's channel wakes the worker as soon
        as events are written (with *poll* as the longest wait); SQLite has no
        push, so the worker pulls every *poll* seconds. A storage failure (a
        dropped connection, a server restarting) does not end the worker: it
        is passed to *on_error* (else logged), and the worker tries again
        after *poll* seconds (``LONGEST_WAIT`` at most, since a long poll on
        PostgreSQL is only the fallback of its LISTEN), doubling the wait while
        failures go on, up to ``LONGEST_WAIT``. An event the fold cannot read
        does end it, and so does a refusal that no retry mends (the role may
        not write the tables, its password is refused: ``refused_for_good``).
        While the server refuses the LISTEN, the worker reports
        that and pulls as on SQLite (every *poll* seconds, ``LONGEST_WAIT`` at
        most), and tries to listen again each round.
        """
        _check_follow(stop, poll, on_batch, on_error)
        waiter: Callable[[threading.Event], Any] | None = None
        first = wait = min(poll, LONGEST_WAIT)
        try:
            while not stop.is_set():
                try:
                    # Listening before catching up: an event committed between
                    # the two is then either caught up or notified, never left
                    # for the poll.
                    wait_now = waiter
                    if wait_now is None:
                        try:
                            wait_now = waiter = _waiter(self.ledger, poll)
                        except StorageError as error:
                            (on_error or _log_failure)(error)
                            # Not a long poll meant for NOTIFY to cut short:
                            # it would leave the worker deaf until it ended.
                            wait_now = _puller(first)
                    applied = self.catch_up()
                    if on_batch is not None and applied:
                        on_batch(applied)
                    if not applied:
                        wait_now(stop)
                except (StorageError, PersistenceError) as error:
                    if isinstance(error, CorruptEventError) or refused_for_good(error):
                        raise
                    (on_error or _log_failure)(error)
                    stop.wait(wait)
                    wait = min(wait * 2, LONGEST_WAIT)
                else:
                    wait = first
        finally:
            close = getattr(waiter, "close", None)
            if close is not None:
                close()

    def read(self, scope: Scope) -> PowerSharingReport | None:
        """The materialised report for *scope* (None if it was never materialised).

        None too when the tables hold figures under other thresholds (or an
        earlier version of the figures): another projector rewrote them, and
        the tracking row it left is not this one's.
        """
        _check_scope(scope)
        position, rows = self.tables.read(scope)
        with _readable("coledger_figures"):
            figures = {
                row[2]: Figure(
                    row[2],
                    _real(row[3]),
                    int(row[4]),
                    _real(row[5]),
                    row[6],
                    row[7],
                    None if row[8] is None else int(row[8]),
                    _groups(row[9]),
                )
                for row in rows["coledger_figures"]
                if row[2] != TAGS_ROW
            }
        # only its groups are read: a hand-edited n or people there is no crash
        tag_people = _pair(
            next((r[9] for r in rows["coledger_figures"] if r[2] == TAGS_ROW), None)
        )
        if not figures or not position:
            return None
        with _readable("coledger_ladder"):
            ladder = tuple(
                Rung(r[2], r[3], r[4], r[5], int(r[6]), tuple(_json(r[7])), _json(r[8]))
                for r in rows["coledger_ladder"]
            )
        tags = tuple(
            DecisionTag(r[2], r[3], r[4], bool(r[5]))
            for r in rows["coledger_decision_tags"]
        )
        return PowerSharingReport(
            scope,
            None,
            None,
            position,
            figures,
            ladder,
            tags,
            self.th,
            self.ledger.tree_size(as_of=position),
            tag_people,
        )


@contextlib.contextmanager
def _readable(table: str) -> Iterator[None]:
    """A value of *table* edited past reading, as a StorageError saying what to do.

    The tables hold derived rows only, so a rebuild writes them all again.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        msg = (
            f"the projection tables hold a value in {table} that cannot be read "
            f"({error}); rebuild them with coledger rebuild"
        )
        raise StorageError(msg) from error


def _real(value: object) -> float | None:
    """A figure's stored value or coverage: None, or a finite number.

    ValueError for anything else an SQL tool may have written there (text, an
    infinity), which a report would print as no JSON reader takes.
    """
    if value is None or (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    ):
        return value
    msg = f"{value!r} is not a finite number"
    raise ValueError(msg)


SHORTEST_POLL = 0.01
"""The shortest *poll* a worker takes (seconds), as the command line: a
nanosecond spins as 0 would, at thousands of catch-ups a second."""
LONGEST_POLL = 3600.0
"""The longest *poll* a worker takes (seconds): an hour, as the command line."""


def _count_in(value: object) -> int | None:
    """A tracking row's whole number; None for one edited into something else.

    A negative one too: no position or count is below 0.

    SQLite keeps what an SQL tool writes whatever the column's type: a row
    that cannot be read is taken as not known, so the next catch-up or
    rebuild writes every scope afresh rather than failing on it.
    """
    return value if type(value) is int and value >= 0 else None


def _check_unmoved(expected: Tracked, now: Tracked) -> None:
    """TablesMovedError unless the tables stand where a swap expects them."""
    if now.position != expected.position:
        msg = f"the tables moved from {expected.position} to {now.position}"
        raise TablesMovedError(msg)
    if now != expected:
        msg = "the tables were rewritten under other keys meanwhile"
        raise TablesMovedError(msg)


def _check_follow(
    stop: object, poll: object, on_batch: object, on_error: object
) -> None:
    """InvalidInputError unless ``follow``'s arguments can be used as they are."""
    if not isinstance(stop, threading.Event):
        raise InvalidInputError(f"stop must be a threading.Event, not {stop!r}")
    if (
        isinstance(poll, bool)
        or not isinstance(poll, int | float)
        or not SHORTEST_POLL <= poll <= LONGEST_POLL
    ):
        raise InvalidInputError(
            f"poll must be a number of seconds from {SHORTEST_POLL:g} to "
            f"{LONGEST_POLL:g}, not {poll!r}"
        )
    for name, given in (("on_batch", on_batch), ("on_error", on_error)):
        if given is not None and not callable(given):
            raise InvalidInputError(f"{name} must be callable or None, not {given!r}")


def _check_scope(scope: object) -> None:
    """InvalidInputError unless *scope* is a Scope the tables can hold."""
    if not isinstance(scope, Scope):
        raise InvalidInputError(f"scope must be a Scope, not {scope!r}")
    if scope.kind == "ledger" and scope.id is None:
        return
    if scope.kind not in {"body", "project"} or not isinstance(scope.id, UUID):
        raise InvalidInputError(
            "scope must be Scope.ledger(), Scope.body(id) or Scope.project(id), "
            f"not {scope!r}"
        )


class _Counted:
    """An iterable of fold records that counts what was taken from it."""

    def __init__(self, records: Iterable[Any]) -> None:
        self._records = records
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for record in self._records:
            self.count += 1
            yield record


PERMANENT_SQLSTATES = ("28", "42501")
"""PostgreSQL's SQLSTATEs (classes, or codes) of a refusal no retry mends: a
login refused (28) and a privilege the role lacks (42501)."""
PERMANENT_SQLITE = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOTADB})
"""SQLite's primary codes of the same: a file only readable, or no database."""
LOGIN_REFUSED = re.compile(
    r"FATAL:.*(authentication failed for user|is not permitted to log in"
    r'|role ".*" does not exist|pg_hba\.conf|permission denied for database)',
    re.DOTALL,
)
"""The server's words (in English, its default) for a login it refuses: a
password or other authentication failed, a role that may not log in or is
gone, no pg_hba.conf line lets it in, no CONNECT on the database. libpq
gives a connection that failed no SQLSTATE, so class 28 is never seen there."""


def refused_for_good(error: BaseException) -> bool:
    """Whether *error*, or a cause behind it, is a refusal no retry can mend.

    A worker retries a storage failure (a dropped connection, a restart, a
    lock); one of these would only come back, every 30 seconds, for ever.
    """
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        seen.add(id(found))
        code = getattr(found, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in PERMANENT_SQLITE:
            return True
        state = getattr(found, "sqlstate", None)
        if isinstance(state, str) and state.startswith(PERMANENT_SQLSTATES):
            return True
        if _login_refused(found):
            return True
        found = found.__cause__ or found.__context__
    return False


def _login_refused(error: BaseException) -> bool:
    """Whether *error* is psycopg's failure to connect, the server refusing the login.

    A connection that never opened comes with the connection object it
    failed on and no SQLSTATE; its message holds the server's own.
    """
    if getattr(error, "pgconn", None) is None or getattr(error, "sqlstate", None):
        return False
    return LOGIN_REFUSED.search(str(error)) is not None


def _log_failure(error: Exception) -> None:
    logging.getLogger(__name__).warning("projection worker: %s; trying again", error)


def _groups(text: object) -> tuple[int, ...] | None:
    """A figure's group counts as the tables hold them (JSON text), or None.

    Text that is not a list of whole counts reads as None: an unknown count,
    which disclosure control treats as a small one.
    """
    if not isinstance(text, str):
        return None
    try:
        found = _json(text)
    except (ValueError, RecursionError):  # not JSON at all (edited by hand)
        return None
    if not isinstance(found, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in found
    ):
        return None
    return tuple(found)


def _pair(text: object) -> tuple[int, int] | None:
    """The people the decision tags read, from their row's groups (None if unknown).

    Anything but two counts that are not negative reads as unknown, which
    disclosure control treats as a few.
    """
    groups = _groups(text)
    if groups is None or len(groups) != 2:  # noqa: PLR2004
        return None
    lived, others = groups
    return (lived, others) if lived >= 0 and others >= 0 else None


def _json(text: str) -> Any:
    """Parse JSON the tables hold (orjson, several times faster on a big ladder).

    The tables are written with the standard library, which can write NaN and
    Infinity; orjson refuses those, so such text is parsed as it was written.
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _overtaken(attempts: str) -> StorageError:
    """The error when other catch-ups moved the tables under every one of *attempts*."""
    return StorageError(
        f"the projection tables moved under {ATTEMPTS} {attempts} in a row: "
        "other catch-ups keep getting there first; try again"
    )


class _Listener:
    """Waits for a NOTIFY on the ledger's channel (PostgreSQL)."""

    def __init__(self, conninfo: str, schema: str, poll: float) -> None:
        self.poll = poll
        self._conninfo = conninfo
        self._channel = notify_channel(schema)
        self._conn = self._listen()

    def _listen(self) -> Any:
        import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
        from psycopg import sql  # noqa: PLC0415

        try:
            conn = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as error:
            raise StorageError(f"cannot listen for new events: {error}") from error
        try:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
        except BaseException as error:
            # Refused (a standby in recovery, say): closed now, not when the
            # error's reference cycle is collected, since a worker tries again
            # every round.
            conn.close()
            if isinstance(error, psycopg.Error):
                msg = f"cannot listen for new events: {error}"
                raise StorageError(msg) from error
            raise
        return conn

    def __call__(self, stop: threading.Event) -> bool:
        """Wait for a NOTIFY, at most ``poll`` seconds; whether one came.

        It returns within ``STOP_CHECK`` seconds of *stop* being set.

        After listening afresh on a new connection it does not wait: what was
        written while nobody listened must be caught up first.
        """
        import psycopg  # noqa: PLC0415

        conn = alive(self._conn, self._listen)
        if conn is not self._conn:
            self._conn = conn
            return False
        # In slices, looking at *stop* between them: nothing can interrupt
        # the wait on the socket, and a stopped worker must not sleep out a
        # long poll (SIGTERM would go unanswered for up to --poll seconds).
        deadline = time.monotonic() + self.poll
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                for _ in conn.notifies(timeout=min(left, STOP_CHECK), stop_after=1):
                    return True
        except psycopg.Error as error:
            raise StorageError(f"lost the wait for new events: {error}") from error
        return False

    def close(self) -> None:
        self._conn.close()


def _puller(poll: float) -> Callable[[threading.Event], Any]:
    """A wait of *poll* seconds (or until stopped): pulling, for want of a push."""
    return lambda stop: stop.wait(poll)


def _waiter(ledger: Ledger, poll: float) -> Callable[[threading.Event], Any]:
    config = ledger.config
    if config.backend == "postgres":
        return _Listener(config.postgres_conninfo, config.pg_schema, poll)
    return _puller(poll)


def comparable(report: PowerSharingReport) -> dict[str, Any]:
    """A report reduced to what the tables keep, for comparing the two."""
    data = report.to_json()
    data["ladder"] = sorted(json.dumps(r, sort_keys=True) for r in data["ladder"])
    data["decisions"] = sorted(json.dumps(d, sort_keys=True) for d in data["decisions"])
    return data


__all__: Sequence[str] = (
    "Materialiser",
    "MemoryTables",
    "SQLTables",
    "TablesMovedError",
    "Tracked",
    "comparable",
    "refused_for_good",
)
