"""Every performance figure of coledger beside a baseline measured in the same run.

Run from the project folder::

    .venv/bin/python benchmarks/run_all.py [--quick] [--events N] [--million]
                                           [--markdown PATH]

Sections (docs/performance.md says what each measures and why):

1. recording: commands per second, coledger (default, ``seal=False``,
   ``leaves=False``) against bare eventsourcing doing the same writes
   (record.py's scenarios), on a SQLite file and on PostgreSQL.
2. bulk import: events per second of ``import_events`` of an export and of
   demo years recorded in ``batch()``, against bare eventsourcing saving
   ten-event aggregates and a raw sqlite3 ``executemany`` of the same bytes.
2b. loading a big aggregate: events per second of the first read of a proposal
   holding thousands of ballots in a fresh process, against bare eventsourcing
   getting one aggregate with as many events of the same sizes.
2c. one board's long history: the time per proposal of the board's report at
   ``--body-years`` and at four times as many, against each other (a report
   that grows faster than the history shows below 1).
3. rebuild and 4. verification on a SQLite ledger of 200,000 events (cached
   between runs): each measurement in a fresh process, with its peak memory;
   then the board report from the projection tables, warm, first in a fresh
   process, and right after one new event (its catch-up included) on a copy.
5. with ``--million``: the same on a ledger of 1,000,000 events.

Every figure is the median of several rounds with the range; the runs of a
figure and of its baseline alternate, so a machine shared with other work
slows both alike. Ratios are the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import big_aggregate
import long_body
import record
from coledger import Ledger
from coledger.privacy import generate_master_key
from coledger.storage import parse_url
from ledgers import (
    Cache,
    YearLedger,
    events_table_ddl,
    record_years,
    remove_db,
    sqlite_url,
    stored_rows,
    twins,
)
from record import BareApplication, bare_env

HERE = Path(__file__).resolve().parent
PROBES = HERE / "probes.py"
DEFAULT_CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "coledger-bench"
)
SECTIONS = ("recording", "import", "load", "body", "big", "million")
MB = 1024.0
"""KiB per MiB (VmHWM is in KiB); "MB" below means MiB."""


# Figures, targets and the report -----------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One figure beside its same-run baseline.

    ``ratio`` holds the per-round ratios (coledger over baseline for rates and
    memory, baseline over coledger for times, so above 1 is always "coledger
    does better" for speed). It is empty when there is no baseline.
    """

    figure: str
    unit: str
    values: tuple[float, ...]
    baseline: str = ""
    base: tuple[float, ...] = ()
    ratio: tuple[float, ...] = ()


def paired(
    values: Sequence[float], base: Sequence[float], *, time: bool
) -> tuple[float, ...]:
    """Per-round ratios (rounds alternate, so round i of each shares the conditions)."""
    if not values or not base:
        return ()
    if len(values) != len(base):
        pairs = [(statistics.median(values), statistics.median(base))]
    else:
        pairs = list(zip(values, base, strict=True))
    return tuple((b / v if time else v / b) for v, b in pairs if (v and b))


def number(value: float, unit: str) -> str:
    """A value rounded for reading in its unit."""
    if unit == "x":
        return f"{value:.2f}"
    if unit in {"ms", "MB"}:
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.0f}"


def spread(values: Sequence[float], unit: str) -> str:
    """Median and range, or the single value."""
    if not values:
        return "-"
    mid = number(statistics.median(values), unit)
    if len(values) == 1:
        return mid
    return f"{mid} ({number(min(values), unit)}-{number(max(values), unit)})"


@dataclass(frozen=True)
class Target:
    """A target from the issue, checked against one measured median."""

    name: str
    goal: float
    unit: str
    section: str
    """The section (of SECTIONS) that measures it."""
    at_least: bool = True
    """True: met when measured >= goal; False: met when measured < goal."""
    measured: float | None = None
    why_missing: str = "not measured"

    def verdict(self) -> str:
        """``met`` or ``missed by N%``, with the numbers."""
        if self.measured is None:
            return self.why_missing
        shown = apart(self.measured, self.goal, self.unit)
        shown = f"{shown} {self.unit}".replace(" x", "x")
        goal = f"{number(self.goal, self.unit)} {self.unit}".replace(" x", "x")
        if self.at_least:
            if self.measured >= self.goal:
                return f"met: {shown} >= {goal}"
            short = (self.goal - self.measured) / self.goal
            return f"MISSED by {share(short)}: {shown}, target >= {goal}"
        if self.measured < self.goal:
            return f"met: {shown} < {goal}"
        over = self.measured / self.goal
        return (
            f"MISSED by {share(over - 1)} ({over:.1f}x the limit): {shown}, "
            f"target < {goal}"
        )


def apart(value: float, goal: float, unit: str) -> str:
    """*value* rounded for reading, with the digits that tell it from *goal*.

    Rounded as usual, 0.998 of a target of 1.00 would read 1.00.
    """
    shown = number(value, unit)
    if value == goal or shown != number(goal, unit):
        return shown
    for places in range(1, 10):
        if round(value, places) != round(goal, places):
            return f"{value:,.{places}f}"
    return shown


def share(fraction: float) -> str:
    """A fraction as a percentage that is not rounded to 0% unless it is 0."""
    for shown in (f"{fraction:.0%}", f"{fraction:.1%}"):
        if fraction == 0 or shown.strip("0.%"):
            return shown
    return "under 0.1%"


@dataclass
class Section:
    """A titled table of rows with notes under it."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything one run measured."""

    machine: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def measure(self, name: str, measured: float) -> None:
        """Record the measured median of a target."""
        for i, t in enumerate(self.targets):
            if t.name == name:
                self.targets[i] = dataclasses.replace(t, measured=measured)
                return
        raise KeyError(name)

    def skip(self, name: str, why: str) -> None:
        """Say why a target was not measured."""
        for i, t in enumerate(self.targets):
            if t.name == name:
                self.targets[i] = dataclasses.replace(t, why_missing=why)
                return
        raise KeyError(name)


HEAD = ("figure", "unit", "coledger", "baseline", "baseline value", "ratio")
LEGEND = (
    "Values: median (min-max) over the rounds. ratio: the median of per-round "
    "ratios (for two sides run different numbers of times, the ratio of their "
    "medians, shown without a range); for rates coledger / baseline, for times "
    "(ms) baseline / coledger "
    "(so above 1 means coledger is faster), for memory (MB) coledger / baseline "
    "(above 1 means coledger uses more). MB = MiB of peak resident memory "
    "(VmHWM) of a fresh process doing only that work, interpreter and "
    "imports included. Targets take the median, but a memory limit the "
    "highest round."
)


def cells(row: Row) -> list[str]:
    """The row's table cells."""
    return [
        row.figure,
        row.unit,
        spread(row.values, row.unit),
        row.baseline or "-",
        spread(row.base, row.unit),
        spread(row.ratio, "x"),
    ]


def text_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width table."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""

    def line(cs: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cs) + " |"

    return "\n".join([line(head), line(["---"] * len(head)), *map(line, rows)])


def render(report: Report, *, markdown: bool) -> str:
    """The whole report as text or Markdown."""
    table = md_table if markdown else text_table
    out: list[str] = []
    out.append("## Machine" if markdown else "MACHINE")
    out += [f"- {m}" if markdown else f"  {m}" for m in report.machine]
    for section in report.sections:
        out.append("")
        out.append(f"## {section.title}" if markdown else section.title.upper())
        if section.rows:
            out.append("")
            out.append(table(HEAD, [cells(r) for r in section.rows]))
        if section.notes:
            out.append("")
            out += [f"- {n}" if markdown else f"  * {n}" for n in section.notes]
    out.append("")
    out.append(LEGEND)
    out.append("")
    out.append("## Targets" if markdown else "TARGETS")
    out.append("")
    out.append(
        table(("target", "verdict"), [(t.name, t.verdict()) for t in report.targets])
    )
    return "\n".join(out) + "\n"


# The machine -------------------------------------------------------------------------


def machine(pg: str, with_pg: bool) -> list[str]:
    """Where and when the numbers were measured."""
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    lines = [
        f"{os.cpu_count()} CPUs, {ram:.0f} GiB RAM, {platform.platform(terse=True)}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        + (f", PostgreSQL {record.postgres_version(pg)}" if with_pg else ""),
    ]
    packages = []
    for package in ("coledger", "eventsourcing", "psycopg", "cryptography"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            packages.append(f"{package} {importlib.metadata.version(package)}")
    lines.append(", ".join(packages) + f"; source {source_version()}")
    lines.append(
        f"started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average at start "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + " (other sessions may share this machine)"
    )
    return lines


def source_version() -> str:
    """The git commit measured, whether src/ had local changes, and a digest of src/.

    Other sessions may change the code while a long run goes on; main() compares
    this at the start and the end.
    """
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"
    root = HERE.parent
    head = subprocess.run(  # noqa: S603 (git from PATH, fixed arguments)
        [git, "-C", str(root), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(  # noqa: S603
        [git, "-C", str(root), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    digest = hashlib.sha256()
    for path in sorted((root / "src").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    found = f"commit {head}" if head else "no git commit"
    if dirty:
        found += " with uncommitted changes in src/"
    return f"{found} (src digest {digest.hexdigest()[:10]})"


def progress(message: str) -> None:
    """A progress line on stderr-like stdout, flushed."""
    print(f"  .. {message}", flush=True)


# 1. Recording ------------------------------------------------------------------------


def _unsealed(url: str, master_key: bytes) -> Ledger:
    return Ledger(parse_url(url), master_key, seal=False)


def _leafless(url: str, master_key: bytes) -> Ledger:
    return Ledger(parse_url(url), master_key, leaves=False)


SEALED, UNSEALED, LEAFLESS, BARE = (
    "coledger",
    "coledger seal=False",
    "coledger leaves=False",
    "eventsourcing",
)
RECORDING: dict[str, record.Scenario] = {
    SEALED: record.coledger_scenario(),
    UNSEALED: record.coledger_scenario(_unsealed),
    LEAFLESS: record.coledger_scenario(_leafless),
    BARE: record.scenario_eventsourcing,
}
BACKEND_NAMES = {"sqlite": "SQLite file", "postgres": "PostgreSQL"}


def recording(args: argparse.Namespace, report: Report) -> None:
    """Commands per second of the record.py mix, four ways, alternating."""
    proposals = math.ceil(args.events / record.COMMANDS_PER_PROPOSAL)
    for backend in args.backends:
        name = BACKEND_NAMES[backend]
        section = Section(f"1. Recording on {name} (commands/s)")
        report.sections.append(section)
        target = f"recording on {name}: coledger >= bare eventsourcing"
        with tempfile.TemporaryDirectory(prefix="coledger-bench-") as folder:
            result = record.run_backend(
                backend,
                proposals,
                args.repeats,
                args.pg,
                Path(folder),
                scenarios=RECORDING,
            )
        if result.skipped:
            section.notes.append(f"skipped: {result.skipped}")
            report.skip(target, f"skipped: {result.skipped}")
            continue
        rates = {n: tuple(result.rates(n)) for n in RECORDING}
        unit = "commands/s"
        for n in (SEALED, UNSEALED, LEAFLESS):
            section.rows.append(
                Row(
                    n,
                    unit,
                    rates[n],
                    BARE,
                    rates[BARE],
                    paired(rates[n], rates[BARE], time=False),
                )
            )
        section.rows.append(
            Row(
                "cost of sealing (sealed / unsealed)",
                unit,
                rates[SEALED],
                UNSEALED,
                rates[UNSEALED],
                paired(rates[SEALED], rates[UNSEALED], time=False),
            )
        )
        section.rows.append(
            Row(
                "cost of leaves (with / without)",
                unit,
                rates[SEALED],
                LEAFLESS,
                rates[LEAFLESS],
                paired(rates[SEALED], rates[LEAFLESS], time=False),
            )
        )
        events = result.runs[SEALED][-1].event_bytes
        bare = result.runs[BARE][-1].event_bytes
        section.notes.append(
            f"{result.commands:,} commands per run ({proposals} proposals x "
            f"{record.COMMANDS_PER_PROPOSAL} commands), {args.repeats} rounds after "
            f"an untimed profiling and warm-up run; coledger stored "
            f"{len(events):,} events, mean {statistics.fmean(events):,.0f} B; the bare "
            f"scenario {len(bare):,} events, mean {statistics.fmean(bare):,.0f} B "
            "(one per command, as many bytes as coledger stored)."
        )
        report.measure(
            target, statistics.median(paired(rates[SEALED], rates[BARE], time=False))
        )


# 2. Bulk import ----------------------------------------------------------------------

IMPORT_TARGET = (
    "bulk import: import_events (one commit) >= bare batched saves (a commit per "
    "10 events)"
)


def _fresh(folder: Path, label: str, counter: list[int]) -> Path:
    counter[0] += 1
    path = folder / f"{label}-{counter[0]}.db"
    remove_db(path)
    return path


def _time_import(path: Path, key: bytes, lines: Sequence[str]) -> tuple[int, float]:
    with Ledger(parse_url(sqlite_url(path)), key) as ledger:
        started = time.perf_counter()
        moved = ledger.import_events(lines)
        seconds = time.perf_counter() - started
    return moved.events, seconds


def _time_batches(path: Path, key: bytes, years: int) -> tuple[int, float]:
    with YearLedger(parse_url(sqlite_url(path)), key) as ledger:
        started = time.perf_counter()
        written = record_years(ledger, range(1, years + 1))
        seconds = time.perf_counter() - started
    return written, seconds


def _time_bare(
    path: Path, sizes: Sequence[int], *, one_save: bool
) -> tuple[int, float]:
    app = BareApplication(env=bare_env(sqlite_url(path)))
    try:
        aggregates = list(twins(sizes, app))  # built before timing, as in the reference
        started = time.perf_counter()
        if one_save:
            app.save(*aggregates)
        else:
            for aggregate in aggregates:
                app.save(aggregate)
        seconds = time.perf_counter() - started
        written = app.recorder.max_notification_id() or 0
    finally:
        app.close()
    return written, seconds


def _time_raw(
    path: Path, ddl: Sequence[str], rows: Sequence[tuple[str, int, str, bytes]]
) -> tuple[int, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in ddl:
            conn.execute(statement)
        started = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO stored_events "
            "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
            rows,
        )
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
    finally:
        conn.close()
    return len(rows), seconds


def bulk_import(args: argparse.Namespace, report: Report) -> None:
    """Events per second of import_events and batch() against bare and raw saves."""
    section = Section("2. Bulk import on a SQLite file (events/s)")
    report.sections.append(section)
    with tempfile.TemporaryDirectory(prefix="coledger-bench-") as name:
        folder = Path(name)
        key = generate_master_key()
        counter = [0]
        progress(f"recording {args.import_years} demo year(s) to export (untimed) ...")
        source = _fresh(folder, "source", counter)
        with YearLedger(parse_url(sqlite_url(source)), key) as ledger:
            record_years(ledger, range(1, args.import_years + 1))
            out = io.StringIO()
            ledger.export(out)
        lines = out.getvalue().splitlines()
        warm = _fresh(folder, "warm", counter)
        events, _ = _time_import(warm, key, lines)  # untimed warm-up
        rows = stored_rows(warm)
        ddl = events_table_ddl(warm)
        sizes = [len(r[3]) for r in rows]
        _time_bare(_fresh(folder, "warm", counter), sizes, one_save=False)
        _time_raw(_fresh(folder, "warm", counter), ddl, rows)
        scenarios: dict[str, Callable[[Path], tuple[int, float]]] = {
            "import_events": lambda p: _time_import(p, key, lines),
            "batch() of demo years": lambda p: _time_batches(p, key, args.import_years),
            "bare batched saves": lambda p: _time_bare(p, sizes, one_save=False),
            "bare, one save of all": lambda p: _time_bare(p, sizes, one_save=True),
            "raw sqlite3 executemany": lambda p: _time_raw(p, ddl, rows),
        }
        rates: dict[str, list[float]] = {n: [] for n in scenarios}
        for attempt in range(args.repeats):
            for label, scenario in scenarios.items():
                path = _fresh(folder, "run", counter)
                written, seconds = scenario(path)
                rates[label].append(written / seconds)
                remove_db(path)
                progress(
                    f"import round {attempt + 1}/{args.repeats} {label}: "
                    f"{written / seconds:,.0f} events/s"
                )
    unit = "events/s"
    base = "bare batched saves"
    for label in ("import_events", "batch() of demo years", "bare, one save of all"):
        section.rows.append(
            Row(
                label,
                unit,
                tuple(rates[label]),
                base,
                tuple(rates[base]),
                paired(rates[label], rates[base], time=False),
            )
        )
    one = "bare, one save of all"
    section.rows.append(
        Row(
            "import_events",
            unit,
            tuple(rates["import_events"]),
            one,
            tuple(rates[one]),
            paired(rates["import_events"], rates[one], time=False),
        )
    )
    raw = "raw sqlite3 executemany"
    for label in ("import_events", base):
        section.rows.append(
            Row(
                label,
                unit,
                tuple(rates[label]),
                raw,
                tuple(rates[raw]),
                paired(rates[label], rates[raw], time=False),
            )
        )
    section.notes.append(
        f"{events:,} events ({args.import_years} demo year(s), mean stored state "
        f"{statistics.fmean(sizes):,.0f} B). import_events times the whole call "
        "(parse and check the export, replay each record, seal, save in one "
        "transaction with leaves, its keys made in one key-store transaction). "
        "batch() records the same "
        "years through the commands, one transaction per year. The bare "
        "baselines save Twin aggregates of ten events with the same stored sizes, "
        "default settings, aggregates built before timing: one save (transaction) "
        "per aggregate, or one save of all. The target takes the first (the "
        "issue's batched saves), which commits every ten events where "
        "import_events commits once, so its ratio rests mostly on what a commit "
        "costs; against one save of all, the same one transaction, it is the "
        "cost of checking, replaying, sealing and hashing. raw: executemany of "
        "the bytes coledger "
        "stored into a table made by the same CREATE statements, one transaction, "
        "WAL, synchronous FULL (as eventsourcing)."
    )
    report.measure(
        IMPORT_TARGET,
        statistics.median(paired(rates["import_events"], rates[base], time=False)),
    )


# 2b. Loading a big aggregate ---------------------------------------------------------


def big_load(args: argparse.Namespace, report: Report) -> None:
    """The first read of a proposal with thousands of ballots, against a bare get."""
    ballots = args.load_ballots
    section = Section(f"2b. Loading a proposal holding {ballots:,} ballots (events/s)")
    report.sections.append(section)
    with tempfile.TemporaryDirectory(prefix="coledger-bench-") as name:
        folder = Path(name)
        progress(f"recording a proposal with {ballots:,} ballots (untimed) ...")
        built = big_aggregate.build(folder / "big.db", ballots, ballots // 10)
        twin = big_aggregate.build_bare(folder / "bare.db", built.sizes)
        where = {
            "load": {
                "url": built.url,
                "key": built.key.hex(),
                "proposal": str(built.proposal),
            },
            "bare_load": {"path": str(folder / "bare.db"), "twin": str(twin)},
        }
        rates: dict[str, list[float]] = {n: [] for n in where}
        for attempt in range(args.repeats):
            for probe, probe_args in where.items():
                found = run_probe(probe, probe_args)
                if found["events"] != len(built.sizes):
                    msg = f"{probe} loaded {found['events']}, not {len(built.sizes)}"
                    raise ProbeError(msg)
                rates[probe].append(found["events"] / found["seconds"])
                progress(
                    f"load round {attempt + 1}/{args.repeats} {probe}: "
                    f"{found['events'] / found['seconds']:,.0f} events/s"
                )
    section.rows.append(
        Row(
            "first ledger.proposal(p) in a fresh process",
            "events/s",
            tuple(rates["load"]),
            "bare eventsourcing repository.get",
            tuple(rates["bare_load"]),
            paired(rates["load"], rates["bare_load"], time=False),
        )
    )
    section.notes.append(
        f"One proposal of {len(built.sizes):,} events ({ballots:,} ballots, "
        f"{ballots // 10:,} sealed comments, the raising and the opening; mean "
        f"stored state {statistics.fmean(built.sizes):,.0f} B) on a SQLite file. "
        "coledger: every event read, decoded, the comments opened and the "
        "proposal replayed, then its view made. Bare: one aggregate with events "
        "of the same stored sizes in the same order, default mapper, no snapshots "
        "or cache. Each load in a fresh process."
    )


# 2c. One board's long history --------------------------------------------------------


def board_history(args: argparse.Namespace, report: Report) -> None:
    """A board's report per proposal at two lengths of its history."""
    short, long = args.body_years, 4 * args.body_years
    section = Section(
        f"2c. One board over {short} and {long} years: "
        "its report per proposal (microseconds)"
    )
    report.sections.append(section)
    progress(f"recording one board over {short} and {long} years (untimed) ...")
    ledgers = {years: long_body.board_ledger(years) for years in (short, long)}
    times: dict[int, list[float]] = {short: [], long: []}
    counts: dict[int, int] = {}
    try:
        for attempt in range(args.repeats):
            for years, (ledger, board) in ledgers.items():
                seconds, counts[years] = long_body.figure_seconds(ledger, board)
                times[years].append(seconds / counts[years] * 1e6)
                progress(
                    f"board round {attempt + 1}/{args.repeats}, {years} years: "
                    f"{times[years][-1]:,.0f} µs a proposal"
                )
        sizes = {years: ledger.position for years, (ledger, _) in ledgers.items()}
    finally:
        for ledger, _ in ledgers.values():
            ledger.close()
    section.rows.append(
        Row(
            f"the board's report, {long} years",
            "µs/proposal",
            tuple(times[long]),
            f"the same board, {short} years",
            tuple(times[short]),
            paired(times[long], times[short], time=True),
        )
    )
    section.notes.append(
        f"{sizes[short]:,} and {sizes[long]:,} events; {counts[short]:,} and "
        f"{counts[long]:,} proposals. One governance body with "
        f"{long_body.SEATS} voting seats, {long_body.CHANGING} changing "
        "hands every other year, and a decision meeting a month with three "
        "proposals, each commented on and voted on by every seat (in memory). "
        "Timed: every figure of the body's scope from freshly folded facts, as "
        "a rebuild or a catch-up works it out. The ratio is the short history's "
        "time per proposal over the long one's: 1.0 means the report grows in "
        "step with the history, below 1 that it grows faster."
    )


# 3-5. Big ledgers: rebuild, verify, board report -------------------------------------


class ProbeError(RuntimeError):
    """A probe process failed or printed no result."""


def run_probe(name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one probe in a fresh Python process and return its RESULT."""
    started = time.perf_counter()
    proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(PROBES), name, json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        code = proc.returncode
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ProbeError(
            f"probe {name} failed ({how} after "
            f"{time.perf_counter() - started:,.0f} s){': ' if tail else ''}"
            + " / ".join(tail)
        )
    found = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if not found:
        raise ProbeError(f"probe {name} printed no result: {proc.stdout[-300:]}")
    result: dict[str, Any] = json.loads(found[-1].removeprefix("RESULT "))
    return result


READS = ("rebuild", "fold", "bare_decode", "raw_select", "verify", "join_select")


@dataclass
class Probed:
    """What the probes of one big ledger returned, and what failed."""

    size: int
    results: dict[str, list[dict[str, Any]]]
    failures: list[str]
    idle: dict[str, Any] | None
    board: dict[str, Any] | None
    after_event: dict[str, Any] | None = None

    def rate(self, name: str) -> tuple[float, ...]:
        """Events per second of each run of probe *name*."""
        return tuple(r["events"] / r["seconds"] for r in self.results[name])

    def peak(self, name: str) -> tuple[float, ...]:
        """Peak memory (MB) of each run of probe *name*."""
        return tuple(r["rss_peak_kb"] / MB for r in self.results[name])

    def ratio(self, name: str, base: str) -> tuple[float, ...]:
        """Per-round ratios of two probes' rates."""
        return self._paired(name, base, lambda r: r["events"] / r["seconds"])

    def peak_ratio(self, name: str, base: str) -> tuple[float, ...]:
        """Per-round ratios of two probes' peak memory."""
        return self._paired(name, base, lambda r: r["rss_peak_kb"] / MB)

    def _paired(
        self, name: str, base: str, value: Callable[[dict[str, Any]], float]
    ) -> tuple[float, ...]:
        """Ratios of *value* in the rounds both probes finished, round with round.

        A probe that failed leaves its round out of the results, so their
        positions in the two lists need not be the same round.
        """
        bases = {r["round"]: value(r) for r in self.results[base]}
        pairs = [
            (value(r), bases[r["round"]])
            for r in self.results[name]
            if r["round"] in bases
        ]
        return tuple(v / b for v, b in pairs if v and b)


def _try_probe(name: str, args: dict[str, Any], failures: list[str]) -> Any:
    try:
        return run_probe(name, args)
    except ProbeError as error:
        failures.append(str(error))
        progress(str(error))
        return None


def probe_rounds(
    common: dict[str, Any], twin: Path, size: int, repeats: int, board_repeats: int
) -> Probed:
    """Every read probe, *repeats* rounds alternating, then idle and board."""
    where = dict.fromkeys(READS, common)
    where["bare_decode"] = {"path": str(twin)}
    probed = Probed(size, {n: [] for n in READS}, [], None, None)
    for attempt in range(repeats):
        for name in READS:
            found = _try_probe(name, where[name], probed.failures)
            if found is None:
                continue
            if found["events"] != size:
                probed.failures.append(f"{name} read {found['events']}, not {size}")
                continue
            probed.results[name].append({**found, "round": attempt})
            progress(
                f"round {attempt + 1}/{repeats} {name}: "
                f"{found['events'] / found['seconds']:,.0f} events/s, peak "
                f"{found['rss_peak_kb'] / MB:,.0f} MB"
            )
    probed.idle = _try_probe("idle", common, probed.failures)
    probed.board = _try_probe(
        "board", {**common, "repeats": board_repeats}, probed.failures
    )
    if probed.board is not None:
        progress(
            f"board report: cold {probed.board['cold_ms']:,.0f} ms, warm "
            f"{statistics.median(probed.board['warm_ms']):,.1f} ms"
        )
    probed.after_event = _try_probe(
        "board_after_event", {**common, "repeats": AFTER_EVENT_REPEATS}, probed.failures
    )
    if probed.after_event is not None:
        progress(
            "board report after one new event: "
            f"{statistics.median(probed.after_event['ms']):,.0f} ms"
        )
    return probed


AFTER_EVENT_REPEATS = 5
"""Board reports timed right after one new event each."""


BARE_READ = "bare eventsourcing read+decode"
RAW_READ = "raw SELECT of stored_events"
RAW_JOIN = "raw SELECT leaves JOIN events"


def rebuild_section(title: str, p: Probed, note: str) -> Section:
    """Rebuild and fold against the bare read and the raw SELECT."""
    unit = "events/s"
    section = Section(title)
    section.rows += [
        Row(
            "rebuild: projections().rebuild()",
            unit,
            p.rate("rebuild"),
            BARE_READ,
            p.rate("bare_decode"),
            p.ratio("rebuild", "bare_decode"),
        ),
        Row(
            "fold only: Facts().apply_states(ledger.fold_states())",
            unit,
            p.rate("fold"),
            BARE_READ,
            p.rate("bare_decode"),
            p.ratio("fold", "bare_decode"),
        ),
        Row(
            "rebuild",
            unit,
            p.rate("rebuild"),
            RAW_READ,
            p.rate("raw_select"),
            p.ratio("rebuild", "raw_select"),
        ),
        Row(
            BARE_READ,
            unit,
            p.rate("bare_decode"),
            RAW_READ,
            p.rate("raw_select"),
            p.ratio("bare_decode", "raw_select"),
        ),
    ]
    for name, label in (("rebuild", "rebuild"), ("fold", "fold")):
        section.rows.append(
            Row(
                f"{label} peak memory",
                "MB",
                p.peak(name),
                BARE_READ,
                p.peak("bare_decode"),
                p.peak_ratio(name, "bare_decode"),
            )
        )
    section.notes.append(note)
    idle = "?" if p.idle is None else f"{p.idle['rss_peak_kb'] / MB:,.0f}"
    section.notes.append(
        f"Each figure ran in a fresh process, alternating. An idle process that "
        f"imported coledger and opened this ledger peaks at {idle} MB."
    )
    return section


def verify_section(title: str, p: Probed) -> Section:
    """The verifier against the raw joined SELECT."""
    section = Section(title)
    section.rows += [
        Row(
            "verify against a signed checkpoint of the whole log",
            "events/s",
            p.rate("verify"),
            RAW_JOIN,
            p.rate("join_select"),
            p.ratio("verify", "join_select"),
        ),
        Row(
            "verify",
            "events/s",
            p.rate("verify"),
            RAW_READ,
            p.rate("raw_select"),
            p.ratio("verify", "raw_select"),
        ),
        Row(
            "verify",
            "events/s",
            p.rate("verify"),
            BARE_READ,
            p.rate("bare_decode"),
            p.ratio("verify", "bare_decode"),
        ),
        Row(
            "verify peak memory",
            "MB",
            p.peak("verify"),
            RAW_JOIN,
            p.peak("join_select"),
            p.peak_ratio("verify", "join_select"),
        ),
    ]
    statuses = sorted(
        {f"{r['status']} {json.dumps(r['counts'])}" for r in p.results["verify"]}
    )
    section.notes.append(
        "verify(open_source(url), pinned_key, [note]) with a checkpoint of the "
        "whole log signed just before (untimed, by another process: the "
        "verifying process opens no ledger), as an auditor holds one, so the "
        "tree's root is computed and compared. The SELECT fetches every column "
        "of coledger_leaves joined to stored_events, ordered by leaf index, in "
        "verify's own pages of 2,000: the rows verify reads, so the target is "
        "taken against it. The same rates against the rebuild's two baselines "
        "(the events alone, raw and through bare eventsourcing) follow it. "
        "Verdicts: " + "; ".join(statuses) + "."
    )
    return section


def board_section(title: str, p: Probed, board_repeats: int) -> Section:
    """The warm and cold board report against a raw SELECT of its rows."""
    section = Section(title)
    board = p.board
    if board is not None:
        section.rows += [
            Row(
                "power_sharing(materialised=True), warm",
                "ms",
                tuple(board["warm_ms"]),
                "raw SELECT of the same rows",
                tuple(board["raw_ms"]),
                paired(board["warm_ms"], board["raw_ms"], time=True),
            ),
            Row("the same, first call in a fresh process", "ms", (board["cold_ms"],)),
        ]
        section.notes.append(
            f"Whole-ledger scope ({board['indicators']} indicators, "
            f"{board['ladder']} ladder rungs, {board['decisions']:,} decision tags), "
            f"tables current after the rebuild above; warm = median of "
            f"{board_repeats} calls after the first. The first call is the first "
            "in a fresh process (what one command-line report pays): it opens the "
            "tables' connection, and folds the history first if the Materialiser "
            "does so for current tables (coledger before commit c1f5b82 did)."
        )
    after = p.after_event
    if after is not None:
        rebuilds = tuple(r["seconds"] * 1000 for r in p.results["rebuild"])
        section.rows.append(
            Row(
                "the same, right after one new event (catch-up included)",
                "ms",
                tuple(after["ms"]),
                "projections().rebuild()",
                rebuilds,
                paired(after["ms"], rebuilds, time=True),
            )
        )
        section.notes.append(
            f"After one new event: on a copy of the ledger, warmed by one proposal "
            f"caught up first (as a running worker or web process is), then "
            f"{len(after['ms'])} times one more proposal to the same body on the "
            "same business day and the timed report, which catches up first. "
            "The catch-up rewrites the whole-ledger scope and the body's, so it "
            "is compared with rebuilding every scope."
        )
    section.notes += [f"FAILED: {failure}" for failure in p.failures]
    return section


def big_ledger(
    args: argparse.Namespace,
    report: Report,
    cache: Cache,
    events: int,
    *,
    repeats: int,
    million: bool = False,
) -> None:
    """Rebuild, fold, verify and the board report on a cached ledger of *events*."""
    path, key, size = cache.ledger(events)
    twin = cache.twin(path, events)
    common = {"url": sqlite_url(path), "key": key.hex(), "path": str(path)}
    p = probe_rounds(common, twin, size, repeats, args.board_repeats)
    numbers = ("5a.", "5b.", "5c.") if million else ("3.", "4.", "3-4.")
    note = (
        f"{size:,} events: demo years (seeds 1, 2, 3...) each recorded in one "
        f"batch(), cached in {path.parent} ({cache.build_note(path)}; the "
        "build is not a figure: it is the batch() rate with the ledger growing). "
        f"The bare baseline reads a bare eventsourcing database ({twin.name}) "
        "whose events have the same stored sizes in the same order, with "
        "select_notifications pages of 1,000 (the Ledger's history page) and the "
        "default JSON mapper; raw SELECT pages the same rows of the ledger file "
        f"with sqlite3. {repeats} round(s)."
    )
    report.sections += [
        rebuild_section(
            f"{numbers[0]} Projection rebuild, SQLite ledger of {size:,} events",
            p,
            note,
        ),
        verify_section(f"{numbers[1]} Verification of the same {size:,} events", p),
        board_section(
            f"{numbers[2]} Board report from the projection tables ({size:,} events)",
            p,
            args.board_repeats,
        ),
    ]
    scale = f"{events:,} events"
    measured: list[tuple[str, tuple[float, ...]]] = [
        (f"rebuild >= bare read+decode ({scale})", p.ratio("rebuild", "bare_decode")),
        (f"verify >= 0.3 x raw SELECT ({scale})", p.ratio("verify", "join_select")),
        (f"rebuild peak memory < 300 MB ({scale})", p.peak("rebuild")),
        (f"verify peak memory < 300 MB ({scale})", p.peak("verify")),
    ]
    if million:
        warm = () if p.board is None else tuple(p.board["warm_ms"])
        measured.append(("board report < 200 ms on a million events", warm))
    for target, values in measured:
        if values:
            # A memory limit holds only if every round kept under it: the
            # highest peak, not the median one.
            memory = target.startswith(("rebuild peak", "verify peak"))
            report.measure(target, max(values) if memory else statistics.median(values))
        else:
            report.skip(target, "not measured: a probe failed (see the notes)")


# Command line ------------------------------------------------------------------------


def targets(args: argparse.Namespace) -> list[Target]:
    """The issue's targets, unmeasured."""
    found = [
        Target(
            f"recording on {BACKEND_NAMES[b]}: coledger >= bare eventsourcing",
            1.0,
            "x",
            "recording",
        )
        for b in args.backends
    ]
    found.append(
        Target(
            IMPORT_TARGET,
            1.0,
            "x",
            "import",
        )
    )
    scales = [(args.big_events, "big")]
    if args.million:
        scales.append((args.million_events, "million"))
    for events, section in scales:
        scale = f"{events:,} events"
        found += [
            Target(f"rebuild >= bare read+decode ({scale})", 1.0, "x", section),
            Target(f"verify >= 0.3 x raw SELECT ({scale})", 0.3, "x", section),
            Target(
                f"rebuild peak memory < 300 MB ({scale})",
                300.0,
                "MB",
                section,
                at_least=False,
            ),
            Target(
                f"verify peak memory < 300 MB ({scale})",
                300.0,
                "MB",
                section,
                at_least=False,
            ),
        ]
    found.append(
        Target(
            "board report < 200 ms on a million events",
            200.0,
            "ms",
            "million",
            at_least=False,
            why_missing="not measured: run with --million",
        )
    )
    return found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and 2 rounds, to check that everything runs",
    )
    parser.add_argument(
        "--events",
        type=int,
        default=None,
        help="commands per recording run (default 2000; quick 130)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="rounds of recording, import, load and body (default 5; quick 2)",
    )
    parser.add_argument(
        "--big-repeats",
        type=int,
        default=None,
        help="rounds of rebuild and verify on the big ledger (default 3; quick 2)",
    )
    parser.add_argument(
        "--import-years",
        type=int,
        default=None,
        help="demo years in the exported file (default 6; quick 1)",
    )
    parser.add_argument(
        "--load-ballots",
        type=int,
        default=None,
        help="ballots on the proposal whose load is timed (default 10000; quick 500)",
    )
    parser.add_argument(
        "--body-years",
        type=int,
        default=None,
        help="the shorter history of the one-board section; the longer is four "
        "times it (default 10; quick 2)",
    )
    parser.add_argument(
        "--big-events",
        type=int,
        default=None,
        help="events of the rebuild/verify ledger (default 200000)",
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="also build (or reuse) a 1,000,000-event ledger",
    )
    parser.add_argument(
        "--million-events", type=int, default=1_000_000, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--million-repeats",
        type=int,
        default=1,
        help="rounds on the million-event ledger (default 1)",
    )
    parser.add_argument(
        "--board-repeats",
        type=int,
        default=10,
        help="warm board-report calls (default 10)",
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgres",
        help="recording backends: sqlite, postgres (default both)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help=f"comma-separated sections to leave out: {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--pg",
        default=record.DEFAULT_PG,
        help="PostgreSQL URL for temporary schemas (default %(default)s)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where big ledgers are kept between runs (default %(default)s)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="also write the report as Markdown to this file",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    for name, normal, small in (
        ("events", 2000, 130),
        ("repeats", 5, 2),
        ("big_repeats", 3, 2),
        ("import_years", 6, 1),
        ("load_ballots", 10_000, 500),
        ("body_years", 10, 2),
        ("big_events", 200_000, 20_000),
    ):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else normal)
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if not args.backends or set(args.backends) - set(BACKEND_NAMES):
        parser.error("--backends: choose from sqlite, postgres")
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if args.skip - set(SECTIONS):
        parser.error(f"--skip: choose from {', '.join(SECTIONS)}")
    sizes = (args.events, args.repeats, args.big_repeats, args.million_repeats)
    if (
        min(
            *sizes,
            args.import_years,
            args.load_ballots,
            args.body_years,
            args.big_events,
            args.board_repeats,
        )
        < 1
    ):
        parser.error("sizes and repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run every section, print the report, and write it as Markdown if asked."""
    args = parse_args(argv)
    started = time.perf_counter()
    report = Report(
        machine(args.pg, "postgres" in args.backends and "recording" not in args.skip)
    )
    report.targets = targets(args)
    source_at_start = source_version()
    print("\n".join(report.machine), flush=True)
    cache = Cache(args.cache_dir, progress)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("recording", lambda: recording(args, report)),
        ("import", lambda: bulk_import(args, report)),
        ("load", lambda: big_load(args, report)),
        ("body", lambda: board_history(args, report)),
        (
            "big",
            lambda: big_ledger(
                args,
                report,
                cache,
                args.big_events,
                repeats=args.big_repeats,
            ),
        ),
    ]
    if args.million:
        steps.append(
            (
                "million",
                lambda: big_ledger(
                    args,
                    report,
                    cache,
                    args.million_events,
                    repeats=args.million_repeats,
                    million=True,
                ),
            )
        )
    for name, step in steps:
        if name in args.skip:
            for t in report.targets:
                if t.section == name:
                    report.skip(t.name, f"skipped (--skip {name})")
            continue
        print(f"\n== {name} ==", flush=True)
        try:
            step()
        except Exception as error:  # noqa: BLE001 (report what was measured anyway)
            report.sections.append(
                Section(f"{name}: FAILED", notes=[f"{type(error).__name__}: {error}"])
            )
            print(f"  .. {name} FAILED: {error!r}", flush=True)
    minutes = (time.perf_counter() - started) / 60
    if source_version() != source_at_start:
        report.machine.append(
            f"WARNING: the source changed during the run, from {source_at_start} "
            f"to {source_version()}: later sections measured newer code"
        )
    report.machine.append(
        f"run took {minutes:.1f} min; load average at the end "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + ("; QUICK run: sizes below the issue's" if args.quick else "")
    )
    print()
    print(render(report, markdown=False))
    if args.markdown is not None:
        args.markdown.write_text(render(report, markdown=True), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
