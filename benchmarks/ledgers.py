"""Big ledgers for the benchmarks: many demo years, and a bare twin of the same sizes.

``build_years`` records demo years (``coledger.demo.record_year``, one seed per
year, each year inside one ``Ledger.batch()``) into one SQLite ledger until it
holds at least the events asked for. A ledger refuses a source reference
twice; coledger 0.1.0 before commit 21f4054 gave every demo proposal the
reference ``minutes:2025/N`` whatever the seed, so ``YearLedger`` tags each
year's references with the year (harmless now that the demo names the seed).

``build_twin`` writes a bare eventsourcing database whose events have, in
order, the same stored-state sizes as a ledger's events: ``Twin`` aggregates of
ten events each (record.py's stand-in aggregate), default settings.

``Cache`` keeps both between runs in a folder (``~/.cache/coledger-bench`` by
default): a file is reused only when its marker says it was finished by the
same build recipe, coledger and eventsourcing versions.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from coledger import Ledger
from coledger.demo import record_year
from coledger.privacy import generate_master_key
from coledger.storage import parse_url
from record import BareApplication, Twin, bare_env, overheads

RECIPE = 4
"""Bump when the way cached ledgers are built changes (invalidates the cache)."""
TWIN_EVENTS = 10
"""Events per bare Twin aggregate (one Started, nine Noted)."""
SIDE_FILES = (".keys", "-wal", "-shm", ".keys-wal", ".keys-shm")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress that prints nothing."""


class YearLedger(Ledger):
    """A Ledger that tags each source reference with ``tag``.

    The demo year always uses ``minutes:2025/1``, ``minutes:2025/2``...; with a
    tag per year, many years fit in one ledger.
    """

    tag = ""

    def raise_proposal(
        self, body: UUID, *, source_ref: str | None = None, **rest: Any
    ) -> UUID:
        """Raise the proposal with the year's tag on its source reference."""
        tagged = None if source_ref is None else f"{source_ref}@{self.tag}"
        return super().raise_proposal(body, source_ref=tagged, **rest)


def sqlite_url(path: Path) -> str:
    """The coledger URL of a SQLite file (absolute path)."""
    return f"sqlite:///{path.resolve()}"


def remove_db(path: Path) -> None:
    """Delete a SQLite ledger and every file beside it."""
    path.unlink(missing_ok=True)
    for suffix in SIDE_FILES:
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def record_years(
    ledger: YearLedger, years: Iterable[int], progress: Progress = _quiet
) -> int:
    """Record one demo year per seed, each in one batch; returns events written."""
    start = ledger.position
    for seed in years:
        ledger.tag = f"y{seed}"
        with ledger.batch():
            record_year(ledger, seed=seed)
        progress(f"year seed {seed}: ledger at {ledger.position:,} events")
    return ledger.position - start


def build_years(
    path: Path,
    master_key: bytes,
    events: int,
    progress: Progress = _quiet,
    first_seed: int = 1,
) -> int:
    """Record demo years into a new SQLite ledger until it holds *events* events."""
    remove_db(path)
    started = time.perf_counter()
    last_report = started
    with YearLedger(parse_url(sqlite_url(path)), master_key) as ledger:
        for seed in itertools.count(first_seed):
            record_years(ledger, [seed])
            position = ledger.position
            now = time.perf_counter()
            if position >= events or now - last_report >= 15:
                last_report = now
                rate = position / (now - started)
                left = max(0, events - position) / rate if rate else 0.0
                progress(
                    f"built {position:,}/{events:,} events ({seed - first_seed + 1} "
                    f"years, {rate:,.0f} events/s, ~{left:,.0f} s left)"
                )
            if position >= events:
                return position
    raise AssertionError("unreachable")  # pragma: no cover


def stored_rows(path: Path) -> list[tuple[str, int, str, bytes]]:
    """Every stored event row (originator id, version, topic, state) in rowid order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state "
            "FROM stored_events ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    return [(str(r[0]), int(r[1]), str(r[2]), bytes(r[3])) for r in rows]


def stored_sizes(path: Path) -> list[int]:
    """The stored state size in bytes of every event, in rowid order."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT length(state) FROM stored_events ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    return [int(r[0]) for r in rows]


def events_table_ddl(path: Path) -> list[str]:
    """The CREATE statements of the stored_events table and its indexes."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'stored_events' "
            "AND sql IS NOT NULL ORDER BY type DESC"
        ).fetchall()
    finally:
        conn.close()
    return [str(r[0]) for r in rows]


def twins(sizes: Sequence[int], app: BareApplication) -> Iterator[Twin]:
    """Twin aggregates (ten events each) whose stored states have *sizes*, in order."""
    start_overhead, note_overhead = overheads(app)
    for low in range(0, len(sizes), TWIN_EVENTS):
        chunk = sizes[low : low + TWIN_EVENTS]
        twin = Twin(payload="x" * max(0, chunk[0] - start_overhead))
        for size in chunk[1:]:
            twin.note(payload="x" * max(0, size - note_overhead))
        yield twin


def build_twin(path: Path, sizes: Sequence[int], progress: Progress = _quiet) -> int:
    """A bare eventsourcing SQLite database with events of *sizes* (not timed)."""
    remove_db(path)
    app = BareApplication(env=bare_env(sqlite_url(path)))
    try:
        pending: list[Twin] = []
        for twin in twins(sizes, app):
            pending.append(twin)
            if len(pending) == 100:
                app.save(*pending)
                pending.clear()
        if pending:
            app.save(*pending)
        written = app.recorder.max_notification_id() or 0
    finally:
        app.close()
    progress(f"built the bare twin: {written:,} events")
    return written


def versions() -> dict[str, str]:
    """What a cached file depends on."""
    found = {"recipe": str(RECIPE)}
    for package in ("coledger", "eventsourcing"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


class Cache:
    """Big ledgers kept between runs, each with a marker written when finished."""

    def __init__(self, folder: Path, progress: Progress = _quiet) -> None:
        self.folder = folder
        self.progress = progress
        folder.mkdir(parents=True, exist_ok=True)

    def _marker(self, path: Path) -> Path:
        return path.with_name(path.name + ".done.json")

    def _valid(self, path: Path, expect: dict[str, Any]) -> dict[str, Any] | None:
        marker = self._marker(path)
        if not path.exists() or not marker.exists():
            return None
        try:
            data: dict[str, Any] = json.loads(marker.read_text())
        except (OSError, ValueError):
            return None
        if any(data.get(k) != v for k, v in expect.items()):
            return None
        return data

    def build_note(self, path: Path) -> str:
        """How the cached file at *path* was built, in words."""
        data = json.loads(self._marker(path).read_text())
        when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(float(data["built"])))
        if "seconds" not in data:
            return f"built {when} UTC"
        seconds = float(data["seconds"])
        rate = data["size"] / seconds if seconds else 0.0
        return f"built {when} UTC in {seconds:,.0f} s, {rate:,.0f} events/s"

    def ledger(self, events: int) -> tuple[Path, bytes, int]:
        """A SQLite ledger of at least *events* demo events: path, master key, size."""
        path = self.folder / f"ledger-{events}.db"
        key_file = path.with_name(path.name + ".master-key")
        expect = {**versions(), "events": events}
        found = self._valid(path, expect)
        if found is not None and key_file.exists():
            self.progress(
                f"reusing the cached ledger {path} ({found['size']:,} events)"
            )
            return path, key_file.read_bytes(), int(found["size"])
        self._marker(path).unlink(missing_ok=True)
        self.progress(f"building a ledger of {events:,} events at {path} ...")
        master_key = generate_master_key()
        key_file.write_bytes(master_key)
        key_file.chmod(0o600)
        started = time.perf_counter()
        size = build_years(path, master_key, events, self.progress)
        seconds = time.perf_counter() - started
        marker = {**expect, "size": size, "built": time.time(), "seconds": seconds}
        self._marker(path).write_text(json.dumps(marker))
        return path, master_key, size

    def twin(self, ledger: Path, events: int) -> Path:
        """A bare eventsourcing database whose events match *ledger*'s in size."""
        path = self.folder / f"bare-{events}.db"
        ledger_marker = json.loads(self._marker(ledger).read_text())
        expect = {**versions(), "events": events, "of": ledger_marker}
        if self._valid(path, expect) is not None:
            self.progress(f"reusing the cached bare twin {path}")
            return path
        self._marker(path).unlink(missing_ok=True)
        self.progress(f"building the bare twin at {path} ...")
        size = build_twin(path, stored_sizes(ledger), self.progress)
        self._marker(path).write_text(json.dumps({**expect, "size": size}))
        return path
