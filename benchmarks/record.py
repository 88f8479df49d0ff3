"""Commands per second: coledger against bare eventsourcing doing the same writes.

Run from the project folder::

    .venv/bin/python benchmarks/record.py [--events N] [--backends sqlite,postgres]

Each scenario is one function that records the workload on a fresh database and
returns how long the recording took:

``coledger``
    ``Ledger`` commands in the realistic mix of ``MIX``, with everything a command
    does: its checks, its reads of members, body and proposal, sealing, and the
    hash leaves written with the events.
``eventsourcing``
    A bare ``eventsourcing.application.Application`` with its default settings
    (default ``JSONTranscoder`` mapper) on the same backend. Per coledger command
    it does the least an event-sourced command does: ``repository.get`` the twin
    of the aggregate the command is addressed to (the proposal, or the
    adjustment request being provided), trigger one event whose stored state is
    as many bytes as the command stored on every aggregate, and ``save``.
    Commands that created their aggregate create a twin instead (no ``get``).

The ratio coledger/bare is the share of bare eventsourcing throughput that is
left once coledger's own work is added. A later comparison (for example sealing
switched off) is one more scenario function in ``SCENARIOS``.

Method: a profiling run (untimed, also the warm-up) records the mix once and
reads back what every command stored, which gives the bare workload; then each
scenario runs ``--repeats`` times, alternating, each time on a fresh SQLite file
or PostgreSQL schema, timed with ``time.perf_counter`` around the commands only
(setup of members and the body is not timed). The table shows the median and
the range. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import itertools
import math
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

from coledger import Ledger, Rule
from coledger.privacy import generate_master_key
from coledger.storage import APP_NAME, parse_url

# The workload ---------------------------------------------------------------------

ELECTORATE = 5
"""Voting members of the body; each casts one ballot per proposal."""

PROPOSAL_TEXT_CHARS = 600
"""Length of each proposal's text (a few short paragraphs)."""

COMMENT_TEXT_CHARS = 240
"""Length of each comment."""

MIX: tuple[tuple[str, int], ...] = (
    ("raise_proposal", 1),
    ("comment", 3),
    ("request_adjustment", 1),
    ("provide_adjustment", 1),
    ("open_voting", 1),
    ("cast_ballot", ELECTORATE),
    ("close_voting", 1),
)
"""One proposal's life, in order: each command and how many times it runs.

A proposal is raised, commented on three times (by different members, through
different channels), an Easy Read version is requested before the vote and
provided, voting opens, every member of the electorate votes, and voting closes
(the rule decides). That is 13 commands, writing 16 events: a request writes
the request and its link on the proposal, an opening notes itself on the body,
a close writes the tally and the decision.
"""

COMMANDS_PER_PROPOSAL = sum(times for _, times in MIX)
DEFAULT_EVENTS = 1000
"""Default number of commands per timed run (rounded up to whole proposals)."""
DEFAULT_REPEATS = 3
DEFAULT_PG = os.environ.get(
    "COLEDGER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")

CHANNELS = ("meeting", "written", "easy_read_form")
CHOICES = ("for", "for", "against", "abstain", "for")
_WORDS = (
    "The club will make the changing rooms step-free and add a quiet room, so "
    "that every member can take part on match days. Members who use wheelchairs "
    "and members with sensory needs have asked for this for two seasons. "
)


def text_of(chars: int) -> str:
    """Plain English text of exactly *chars* characters."""
    text = (_WORDS * (chars // len(_WORDS) + 1))[:chars].rstrip()
    return text + "." * (chars - len(text))


PROPOSAL_TEXT = text_of(PROPOSAL_TEXT_CHARS)
COMMENT_TEXT = text_of(COMMENT_TEXT_CHARS)


# Storage --------------------------------------------------------------------------


@dataclass
class Storage:
    """Fresh databases on one backend: SQLite files in a temp dir, or PG schemas."""

    backend: str
    folder: Path
    pg_base: str
    schemas: list[str] = field(default_factory=list)
    count: int = 0

    def fresh(self, label: str) -> str:
        """The coledger URL of a new, empty database."""
        self.count += 1
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / f'{label}-{self.count}.db'}"
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        self.schemas.append(schema)
        return f"{self.pg_base}?schema={schema}"

    def conninfo(self) -> str:
        """A libpq connection string for the PostgreSQL server."""
        return parse_url(self.pg_base).postgres_conninfo

    def drop_all(self) -> None:
        """Drop every schema this run created."""
        if not self.schemas:
            return
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            for schema in self.schemas:
                conn.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                        sql.Identifier(schema)
                    )
                )
        self.schemas.clear()


LOCATION = frozenset(
    {
        "PERSISTENCE_MODULE",
        "SQLITE_DBNAME",
        "POSTGRES_DBNAME",
        "POSTGRES_HOST",
        "POSTGRES_PORT",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "POSTGRES_SCHEMA",
    }
)
"""The eventsourcing settings that say where a database is (no tuning)."""


def eventsourcing_env(url: str) -> dict[str, str]:
    """All the eventsourcing settings coledger uses for the database at *url*."""
    return dict(parse_url(url).env)


def bare_env(url: str) -> dict[str, str]:
    """Where the database at *url* is, leaving every other setting at its default."""
    return {k: v for k, v in eventsourcing_env(url).items() if k in LOCATION}


def stored_sizes(
    app: Application[UUID], after: int = 0
) -> list[tuple[int, UUID, int, int]]:
    """Position, originator, version and state bytes of every event after *after*."""
    rows: list[tuple[int, UUID, int, int]] = []
    while True:
        page = app.recorder.select_notifications(
            start=after, limit=1000, inclusive_of_start=False
        )
        rows.extend(
            (n.id, UUID(str(n.originator_id)), n.originator_version, len(n.state))
            for n in page
        )
        if len(page) < 1000:
            return rows
        after = page[-1].id


class _LedgerReader(Application[UUID]):
    """Reads a coledger database's stored events as eventsourcing stores them."""

    name = APP_NAME


def read_ledger(url: str, after: int) -> list[tuple[int, UUID, int, int]]:
    """The stored events of the ledger at *url* after position *after*."""
    env = {**eventsourcing_env(url), "CREATE_TABLE": "no"}
    reader = _LedgerReader(env=env)
    try:
        return stored_sizes(reader, after)
    finally:
        reader.close()


# The coledger scenario --------------------------------------------------------------


@dataclass
class People:
    """Who acts in the workload: an admin and the body's voting members."""

    admin: UUID
    voters: tuple[UUID, ...]
    body: UUID


@dataclass
class Current:
    """The proposal (and its adjustment request) that the mix is working on."""

    index: int
    proposal: UUID | None = None
    adjustment: UUID | None = None

    def the_proposal(self) -> UUID:
        """The proposal raised by the first command of the mix."""
        if self.proposal is None:
            raise RuntimeError("MIX must raise the proposal before using it")
        return self.proposal

    def the_adjustment(self) -> UUID:
        """The adjustment requested earlier in the mix."""
        if self.adjustment is None:
            raise RuntimeError("MIX must request an adjustment before providing it")
        return self.adjustment


Command = Callable[[Ledger, People, Current, int], UUID]
"""Runs one command of the mix; returns the aggregate it is addressed to.

That aggregate's twin is the one the bare scenario gets. A command may write
to others too (an opening notes itself on the body), but it acts on this one.
"""


def _raise(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    now.proposal = ledger.raise_proposal(
        people.body,
        proposers=[people.voters[(now.index + k) % len(people.voters)]],
        title=f"Proposal {now.index}: step-free changing rooms",
        text=PROPOSAL_TEXT,
        phase="design",
    )
    return now.the_proposal()


def _comment(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    ledger.comment(
        now.the_proposal(),
        author=people.voters[(now.index + k + 1) % len(people.voters)],
        text=COMMENT_TEXT,
        channel=CHANNELS[k % len(CHANNELS)],
    )
    return now.the_proposal()


def _request(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    now.adjustment = ledger.request_adjustment(
        people.voters[(now.index + k) % len(people.voters)],
        code="ER",
        proposal=now.the_proposal(),
        needed_before="vote",
    )
    return now.the_adjustment()


def _provide(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    del k
    ledger.provide_adjustment(now.the_adjustment(), by=people.admin)
    return now.the_adjustment()


def _open(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    del k
    ledger.open_voting(now.the_proposal(), by=people.admin)
    return now.the_proposal()


def _ballot(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    ledger.cast_ballot(
        now.the_proposal(),
        voter=people.voters[k % len(people.voters)],
        choice=CHOICES[(now.index + k) % len(CHOICES)],
    )
    return now.the_proposal()


def _close(ledger: Ledger, people: People, now: Current, k: int) -> UUID:
    del k
    ledger.close_voting(now.the_proposal(), by=people.admin)
    return now.the_proposal()


COMMANDS: dict[str, Command] = {
    "raise_proposal": _raise,
    "comment": _comment,
    "request_adjustment": _request,
    "provide_adjustment": _provide,
    "open_voting": _open,
    "cast_ballot": _ballot,
    "close_voting": _close,
}


def set_up(ledger: Ledger) -> People:
    """Register the members and the body the workload needs (not timed)."""
    admin = ledger.register_member("Alex Admin", role="staff")
    voters = tuple(
        ledger.register_member(f"Voting member {i}", role="member")
        for i in range(ELECTORATE)
    )
    body = ledger.establish_body(
        "Board", kind="governance", rule=Rule.majority(quorum=0.5), by=admin
    )
    for voter in voters:
        ledger.assign_seat(body, voter, seat="voting", by=admin)
    return People(admin, voters, body)


def commands_of(proposals: int) -> Iterator[tuple[Current, Command, int]]:
    """Every command of the workload, in order, with its proposal and repeat."""
    for index in range(proposals):
        now = Current(index)
        for name, times in MIX:
            for k in range(times):
                yield now, COMMANDS[name], k


@dataclass(frozen=True)
class Step:
    """What one coledger command stored, for the bare scenario to repeat."""

    create: bool
    twin: int
    size: int


@dataclass(frozen=True)
class Workload:
    """The workload every scenario records: the mix, and how coledger stored it."""

    proposals: int
    master_key: bytes
    steps: tuple[Step, ...]
    """One step per coledger command: created or changed which aggregate, bytes."""

    @property
    def commands(self) -> int:
        """Commands per run."""
        return len(self.steps)


@dataclass(frozen=True)
class Run:
    """One timed run of a scenario."""

    seconds: float
    event_bytes: tuple[int, ...]
    """State bytes of each event the timed commands stored (read after timing)."""


Scenario = Callable[[str, Workload], Run]
"""Records the workload on the fresh database at a URL and times the commands."""


def profile(url: str, proposals: int, master_key: bytes) -> Workload:
    """Run the coledger mix once, untimed, noting what each command stored."""
    addressed: list[UUID] = []
    with open_ledger(url, master_key) as ledger:
        people = set_up(ledger)
        start = ledger.position
        bounds = [start]
        for now, command, k in commands_of(proposals):
            addressed.append(command(ledger, people, now, k))
            bounds.append(ledger.position)
    steps = steps_of(read_ledger(url, start), bounds, addressed)
    return Workload(proposals, master_key, steps)


def steps_of(
    rows: Sequence[tuple[int, UUID, int, int]],
    bounds: Sequence[int],
    addressed: Sequence[UUID],
) -> tuple[Step, ...]:
    """The bare scenario's steps: one per command, from what the commands stored.

    *rows* are the stored events (position, originator, version, bytes) after
    ``bounds[0]``; command i stored those up to ``bounds[i + 1]`` and was
    addressed to ``addressed[i]``. Its step creates that aggregate's twin if
    the command created the aggregate (or the twin does not exist yet), and
    otherwise gets the twin; either way with all the bytes the command stored.
    The twin is the addressed aggregate's, not that of whichever event the
    command happened to store first: an opening of a vote notes itself on the
    body first, and getting the body's twin would replay a history that grows
    with every proposal of the run.
    """
    stored = iter(rows)
    twins: dict[UUID, int] = {}
    steps: list[Step] = []
    for (low, high), target in zip(itertools.pairwise(bounds), addressed, strict=True):
        written = list(itertools.islice(stored, high - low))
        if not written or written[-1][0] != high:
            raise RuntimeError("cannot split the stored events by command")
        if target not in {row[1] for row in written}:
            raise RuntimeError(f"a command stored nothing on {target}, its aggregate")
        create = target not in twins or any(
            row[1] == target and row[2] == 1 for row in written
        )
        if create:
            twins[target] = len(twins)
        steps.append(Step(create, twins[target], sum(row[3] for row in written)))
    return tuple(steps)


Opener = Callable[[str, bytes], Ledger]
"""Opens the ledger at a URL with a master key (a scenario's way of configuring it)."""


def open_ledger(url: str, master_key: bytes) -> Ledger:
    """A ledger as users open it: every default."""
    return Ledger.open(url, master_key=master_key)


def coledger_scenario(opener: Opener = open_ledger) -> Scenario:
    """A scenario running the coledger mix on ledgers that *opener* opens.

    Another configuration is one more entry in SCENARIOS, for example
    ``coledger_scenario(lambda url, key: Ledger(parse_url(url), key, seal=False))``.
    """

    def scenario(url: str, workload: Workload) -> Run:
        """Ledger commands in the order of MIX."""
        with opener(url, workload.master_key) as ledger:
            people = set_up(ledger)
            start = ledger.position
            commands = list(commands_of(workload.proposals))
            started = time.perf_counter()
            for now, command, k in commands:
                command(ledger, people, now, k)
            seconds = time.perf_counter() - started
        return Run(seconds, tuple(row[3] for row in read_ledger(url, start)))

    return scenario


# The bare eventsourcing scenario ----------------------------------------------------


class Twin(Aggregate):
    """Stands in for a coledger aggregate: one event per command, of its size."""

    @event("Started")
    def __init__(self, payload: str) -> None:
        self.chars = len(payload)

    @event("Noted")
    def note(self, payload: str) -> None:
        """Record one command's worth of bytes."""
        self.chars += len(payload)


class BareApplication(Application[UUID]):
    """A default eventsourcing application (default mapper and transcoder)."""


def overheads(app: Application[UUID]) -> tuple[int, int]:
    """Stored bytes of a Started and of a Noted event with an empty payload."""
    twin = Twin(payload="")
    twin.note(payload="")
    started, noted = twin.collect_events()
    return (
        len(app.mapper.to_stored_event(started).state),
        len(app.mapper.to_stored_event(noted).state),
    )


def scenario_eventsourcing(url: str, workload: Workload) -> Run:
    """Per command: get the twin aggregate, trigger one event as big, save."""
    app = BareApplication(env=bare_env(url))
    try:
        start_overhead, note_overhead = overheads(app)
        payloads = [
            "x" * max(0, step.size - (start_overhead if step.create else note_overhead))
            for step in workload.steps
        ]
        ids: list[UUID] = []
        started = time.perf_counter()
        for step, payload in zip(workload.steps, payloads, strict=True):
            if step.create:
                twin = Twin(payload=payload)
                ids.append(twin.id)
            else:
                twin = cast("Twin", app.repository.get(ids[step.twin]))
                twin.note(payload=payload)
            app.save(twin)
        seconds = time.perf_counter() - started
        return Run(seconds, tuple(row[3] for row in stored_sizes(app)))
    finally:
        app.close()


SCENARIOS: dict[str, Scenario] = {
    "coledger": coledger_scenario(),
    "eventsourcing": scenario_eventsourcing,
}
"""Every scenario by name, in table order; each records the workload once on the
fresh database it is given. Add one here to compare it (say, sealing off)."""
BASELINE = "eventsourcing"
"""The scenario the others' ratios are relative to."""


# Running and reporting -------------------------------------------------------------


@dataclass
class Result:
    """The timed runs of every scenario on one backend."""

    backend: str
    commands: int = 0
    runs: dict[str, list[Run]] = field(default_factory=dict)
    skipped: str | None = None

    def rates(self, name: str) -> list[float]:
        """Commands per second of each timed run of scenario *name*."""
        return [self.commands / run.seconds for run in self.runs[name]]

    def median(self, name: str) -> float:
        """The median commands per second of scenario *name*."""
        return statistics.median(self.rates(name))


def run_backend(
    backend: str,
    proposals: int,
    repeats: int,
    pg_base: str,
    folder: Path,
    *,
    scenarios: Mapping[str, Scenario] | None = None,
) -> Result:
    """Profile (and so warm up) the workload, then time every scenario on *backend*.

    *scenarios* defaults to SCENARIOS; run_all.py passes more (sealing off, ...).
    """
    scenarios = SCENARIOS if scenarios is None else scenarios
    result = Result(backend)
    storage = Storage(backend, folder, pg_base)
    if backend == "postgres":
        try:
            psycopg.connect(storage.conninfo(), connect_timeout=3).close()
        except psycopg.Error as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            result.skipped = f"PostgreSQL not reachable: {reason}"
            return result
    try:
        print(f"[{backend}] profiling the workload (untimed warm-up) ...", flush=True)
        workload = profile(storage.fresh("profile"), proposals, generate_master_key())
        result.commands = workload.commands
        for name, scenario in scenarios.items():
            if name != "coledger":  # the profiling run warmed coledger up
                scenario(storage.fresh(f"warm-{name}"), workload)
            result.runs[name] = []
        for attempt in range(repeats):
            for name, scenario in scenarios.items():  # alternate, to share any drift
                run = scenario(storage.fresh(name), workload)
                result.runs[name].append(run)
                print(
                    f"[{backend}] run {attempt + 1}/{repeats} {name}: "
                    f"{workload.commands / run.seconds:,.0f} commands/s",
                    flush=True,
                )
    finally:
        storage.drop_all()
    return result


def postgres_version(pg_base: str) -> str:
    """The PostgreSQL server version, or why it is unknown."""
    try:
        conninfo = parse_url(pg_base).postgres_conninfo
        with psycopg.connect(conninfo, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return "not reachable"
    return str(row[0]) if row else "unknown"


def machine(pg_base: str, backends: Sequence[str]) -> str:
    """One line describing where the numbers were measured."""
    parts = [
        f"{os.cpu_count()} CPUs",
        platform.platform(terse=True),
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if "postgres" in backends:
        parts.append(f"PostgreSQL {postgres_version(pg_base)}")
    for package in ("eventsourcing", "coledger"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            parts.append(f"{package} {importlib.metadata.version(package)}")
    return ", ".join(parts)


def spread(values: Sequence[float]) -> str:
    """Median and range of *values*, rounded for reading."""
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def mean_bytes(values: Sequence[int]) -> str:
    """Event count and mean size."""
    if not values:
        return "-"
    return f"{len(values):,} x {statistics.fmean(values):,.0f} B"


def table(results: Sequence[Result]) -> str:
    """The results as a fixed-width text table."""
    others = [name for name in SCENARIOS if name != BASELINE]
    head = ["backend", "commands"]
    head += [f"{name} cmd/s" for name in SCENARIOS]
    head += ["ratio" if len(others) == 1 else f"ratio {name}" for name in others]
    head += [f"{name} events" for name in SCENARIOS]
    rows = [head]
    for r in results:
        if r.skipped:
            rows.append([r.backend, "-", f"skipped: {r.skipped}"])
            continue
        row = [r.backend, f"{r.commands:,}"]
        row += [spread(r.rates(name)) for name in SCENARIOS]
        row += [f"{r.median(name) / r.median(BASELINE):.2f}" for name in others]
        row += [mean_bytes(r.runs[name][-1].event_bytes) for name in SCENARIOS]
        rows.append(row)
    widths = [
        max((len(row[i]) for row in rows if len(row) == len(head)), default=0)
        for i in range(len(head))
    ]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument(
        "--events",
        type=int,
        default=DEFAULT_EVENTS,
        help=f"commands per timed run, rounded up to whole proposals of "
        f"{COMMANDS_PER_PROPOSAL} (default {DEFAULT_EVENTS})",
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=DEFAULT_REPEATS,
        help=f"timed runs per scenario, median shown (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--pg",
        default=DEFAULT_PG,
        help="PostgreSQL URL to make temporary schemas in (default %(default)s)",
    )
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown or not backends:
        parser.error(f"--backends: choose from {', '.join(BACKENDS)}")
    if args.events < 1 or args.repeats < 1:
        parser.error("--events and --repeats must be at least 1")
    args.backends = backends
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; 1 if a backend had to be skipped."""
    args = parse_args(argv)
    proposals = math.ceil(args.events / COMMANDS_PER_PROPOSAL)
    steps = ", ".join(f"{name} x{times}" for name, times in MIX)
    print(f"machine: {machine(args.pg, args.backends)}")
    print(
        f"workload: {proposals} proposals x {COMMANDS_PER_PROPOSAL} commands "
        f"({steps}) = {proposals * COMMANDS_PER_PROPOSAL:,} commands per run; "
        f"median of {args.repeats} timed runs after an untimed profiling run, "
        "each on a fresh database"
    )
    with tempfile.TemporaryDirectory(prefix="coledger-bench-") as folder:
        results = [
            run_backend(backend, proposals, args.repeats, args.pg, Path(folder))
            for backend in args.backends
        ]
    print()
    print(table(results))
    print()
    print(
        "cmd/s: median (min-max). ratio: coledger / eventsourcing medians. events: "
        "stored events x mean state bytes (the bare scenario stores one event per "
        "command, as many bytes as the coledger command stored in all)."
    )
    return 1 if any(r.skipped for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
