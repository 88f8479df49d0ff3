"""One measurement per fresh process, so that each peak memory is its own.

Run by run_all.py as ``python benchmarks/probes.py NAME JSON`` (JSON holds the
arguments). The last line printed is ``RESULT {...}``, with:

``seconds``
    Wall time of the measured work only (opening the ledger, imports and the
    interpreter's start are not timed).
``events``
    How many events the work went through.
``rss_start_kb`` / ``rss_peak_kb``
    The process's peak resident set (``VmHWM`` of /proc/self/status, KiB) just
    before the work and after it: interpreter and imports included. It is a
    high-water mark, so the second is the peak of the work plus everything
    loaded before it. (See ``peak_kb`` for why not ``ru_maxrss``.)
"""

from __future__ import annotations

import contextlib
import json
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from coledger import Ledger
from coledger.integrity.checkpoints import SigningKey, Verifier
from coledger.integrity.source import PAGE as VERIFY_PAGE
from coledger.integrity.source import open_source
from coledger.integrity.verify import verify
from coledger.projections.facts import Facts, collector_paused
from coledger.projections.lens import Scope
from coledger.projections.materialise import tracking_name
from coledger.projections.thresholds import Thresholds
from ledgers import sqlite_url
from record import BareApplication, bare_env

READ_PAGE = 1000
"""Page size of the bare read and raw SELECT: the Ledger's own history page."""

Result = dict[str, Any]


def peak_kb() -> int:
    """This process's peak resident set so far, KiB (VmHWM).

    Not ru_maxrss: Linux carries the high-water mark of the address space a
    process replaces at exec into its ru_maxrss, so a child started by a parent
    of 500 MB reports at least 500 MB whatever it does. VmHWM belongs to the
    child's own address space. Without /proc (macOS, say) ru_maxrss it is,
    which macOS gives in bytes and Linux in KiB.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak // 1024 if sys.platform == "darwin" else peak


def _open(args: dict[str, Any]) -> Ledger:
    return Ledger.open(args["url"], master_key=bytes.fromhex(args["key"]))


def _timed(work: Callable[[], int]) -> Result:
    start_kb = peak_kb()
    started = time.perf_counter()
    events = work()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "events": events,
        "rss_start_kb": start_kb,
        "rss_peak_kb": peak_kb(),
    }


def probe_rebuild(args: dict[str, Any]) -> Result:
    """``ledger.projections().rebuild()``: fold, figures for every scope, write."""
    with _open(args) as ledger:
        projector = ledger.projections()  # opens the tables (not timed)
        return _timed(projector.rebuild)


def probe_fold(args: dict[str, Any]) -> Result:
    """``Facts().apply_states(ledger.fold_states())``: the rebuild's read and fold.

    Every event is read and its stored JSON parsed; the fold casts the fields
    it keeps, and of the sealed fields only the one it reads (lived-experience
    categories) is opened. The collector is paused, as a rebuild pauses it.
    """
    with _open(args) as ledger:

        def work() -> int:
            with collector_paused():
                facts = Facts().apply_states(ledger.fold_states())
            return facts.position

        return _timed(work)


def probe_bare_decode(args: dict[str, Any]) -> Result:
    """Bare eventsourcing: select_notifications pages plus to_domain_event."""
    app = BareApplication(env=bare_env(sqlite_url(Path(args["path"]))))
    try:

        def work() -> int:
            count = 0
            start = 0
            while True:
                page = app.recorder.select_notifications(
                    start=start, limit=READ_PAGE, inclusive_of_start=False
                )
                for notification in page:
                    app.mapper.to_domain_event(notification)
                count += len(page)
                if len(page) < READ_PAGE:
                    return count
                start = page[-1].id

        return _timed(work)
    finally:
        app.close()


def probe_raw_select(args: dict[str, Any]) -> Result:
    """Raw sqlite3: the ledger's stored_events rows, paged by rowid."""
    conn = sqlite3.connect(f"file:{args['path']}?mode=ro", uri=True)
    try:

        def work() -> int:
            count = 0
            after = 0
            while True:
                rows = conn.execute(
                    "SELECT rowid, originator_id, originator_version, topic, state "
                    "FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, READ_PAGE),
                ).fetchall()
                count += len(rows)
                if len(rows) < READ_PAGE:
                    return count
                after = rows[-1][0]

        return _timed(work)
    finally:
        conn.close()


def probe_sign(args: dict[str, Any]) -> Result:
    """Sign a checkpoint of the whole log with a new key: its note and verifier.

    Run for the verify probe in a process of its own: signing checks the
    whole log first (a verify of its own) with the Ledger open, which would
    otherwise set the verify probe's peak memory and warm its process.
    """
    signing_key = SigningKey.generate("bench.example/ledger")
    with _open(args) as ledger:
        note = ledger.checkpoint(signing_key).note
    return {"note": note, "verifier": signing_key.verifier}


def _signed(args: dict[str, Any]) -> tuple[str, str]:
    """A checkpoint note and its verifier key, signed by a fresh process."""
    proc = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(Path(__file__).resolve()), "sign", json.dumps(args)],
        capture_output=True,
        text=True,
        check=False,
    )
    found = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not found:
        tail = " / ".join(proc.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"signing the checkpoint failed: {tail}")
    signed = json.loads(found[-1].removeprefix("RESULT "))
    return str(signed["note"]), str(signed["verifier"])


def probe_verify(args: dict[str, Any]) -> Result:
    """An auditor's ``verify`` against a signed checkpoint of the whole log.

    Every leaf and event is re-hashed and the tree's root checked against the
    checkpoint, which is signed first, untimed and in another process (see
    ``probe_sign``), as the ledger's officers would have published it: this
    process opens no Ledger and holds no keys, as an auditor's does not.
    """
    status: dict[str, Any] = {}
    note, verifier = _signed(args)
    pinned = Verifier.parse(verifier)

    def work() -> int:
        source = open_source(args["url"])
        try:
            report = verify(source, pinned, [note])
        finally:
            source.close()
        status.update(status=report.status, counts=report.counts)
        return report.size

    result = _timed(work)
    result.update(status)
    return result


def probe_join_select(args: dict[str, Any]) -> Result:
    """Raw sqlite3: leaves joined to their events, all columns, in verify's pages."""
    conn = sqlite3.connect(f"file:{args['path']}?mode=ro", uri=True)
    try:

        def work() -> int:
            count = 0
            after = -1
            while True:
                rows = conn.execute(
                    "SELECT l.leaf_index, l.notification_id, l.state_hash, "
                    "l.leaf_hash, e.rowid, e.originator_id, e.originator_version, "
                    "e.topic, e.state FROM coledger_leaves l JOIN stored_events e "
                    "ON e.rowid = l.notification_id WHERE l.leaf_index > ? "
                    "ORDER BY l.leaf_index LIMIT ?",
                    (after, VERIFY_PAGE),
                ).fetchall()
                count += len(rows)
                if len(rows) < VERIFY_PAGE:
                    return count
                after = rows[-1][0]

        return _timed(work)
    finally:
        conn.close()


def _tracked(path: Path) -> int:
    """The position of the default thresholds' tables in the ledger file (0: none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT position FROM coledger_tracking WHERE name = ?",
            (tracking_name(Thresholds()),),
        ).fetchone()
    except sqlite3.OperationalError:  # no tables at all
        return 0
    finally:
        conn.close()
    return 0 if row is None else int(row[0])


BOARD_TABLES = ("coledger_figures", "coledger_ladder", "coledger_decision_tags")
"""The tables a materialised report reads, beside coledger_tracking."""


def _raw_board(conn: sqlite3.Connection, name: str) -> dict[str, int]:
    """The whole-ledger report's rows and tracking row, fetched; how many of each."""
    scope = Scope.ledger()
    fetched = {
        table: len(
            conn.execute(
                f"SELECT * FROM {table} WHERE scope_kind = ? AND scope_id = ? "
                "ORDER BY 3, 4",
                (scope.kind, ""),
            ).fetchall()
        )
        for table in BOARD_TABLES
    }
    fetched["coledger_tracking"] = len(
        conn.execute(
            "SELECT position FROM coledger_tracking WHERE name = ?", (name,)
        ).fetchall()
    )
    return fetched


def probe_board(args: dict[str, Any]) -> Result:
    """The board report from the projection tables, cold and then warm.

    The tables must be current (run after a rebuild). ``cold_ms`` is the first
    ``power_sharing(materialised=True)`` in this process, which makes the
    projector and opens the tables' connection, as a command-line report does
    (their position is checked beforehand with sqlite3, so that nothing of
    coledger's is opened before the timer); ``warm_ms`` the next ``repeats``
    calls (the read alone); ``raw_ms`` a plain SELECT of the same three
    tables' rows for the whole-ledger scope.
    """
    tracked = _tracked(Path(args["path"]))
    with _open(args) as ledger:
        head = ledger.position
        if tracked != head:
            raise RuntimeError(f"tables at {tracked}, ledger at {head}: rebuild first")
        start_kb = peak_kb()
        started = time.perf_counter()
        report = ledger.power_sharing(materialised=True)
        cold = time.perf_counter() - started
        if report.as_of != head:
            raise RuntimeError(f"report as of {report.as_of}, ledger at {head}")
        warm = []
        for _ in range(args["repeats"]):
            started = time.perf_counter()
            ledger.power_sharing(materialised=True)
            warm.append(time.perf_counter() - started)
    path = Path(args["path"])
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw = []
    raw_rows: dict[str, int] = {}
    try:
        for _ in range(args["repeats"]):
            started = time.perf_counter()
            raw_rows = _raw_board(conn, tracking_name(Thresholds()))
            raw.append(time.perf_counter() - started)
    finally:
        conn.close()
    # the figures table also holds the row of the people the tags read
    figures = len(report.indicators) + (report.tag_people is not None)
    read = (figures, len(report.ladder), len(report.decisions), 1)
    if raw_rows and tuple(raw_rows.values()) != read:
        raise RuntimeError(f"the raw SELECT read {raw_rows}, the report {read}")
    return {
        "seconds": statistics.median(warm),
        "events": head,
        "cold_ms": cold * 1000,
        "warm_ms": [w * 1000 for w in warm],
        "raw_ms": [r * 1000 for r in raw],
        "indicators": len(report.indicators),
        "figure_rows": figures,
        "ladder": len(report.ladder),
        "decisions": len(report.decisions),
        "raw_rows": raw_rows,
        "rss_start_kb": start_kb,
        "rss_peak_kb": peak_kb(),
    }


def probe_board_after_event(args: dict[str, Any]) -> Result:
    """The board report right after one new event: a catch-up, then the read.

    Works on a copy of the ledger (made by SQLite's backup, untimed), whose
    tables are current after the rebuild probe. Like a worker or web process
    that has been running, the copy is warmed first: one proposal is recorded
    and caught up, which folds the history into the projector's memory. Then
    ``repeats`` times: one more proposal to the same body, at the latest
    business time (so no new day touches every scope), and the timed
    ``power_sharing(materialised=True)``.
    """
    source = Path(args["path"])
    with tempfile.TemporaryDirectory(dir=source.parent) as folder:
        copy = Path(folder) / "ledger.db"
        with (
            contextlib.closing(sqlite3.connect(source)) as src,
            contextlib.closing(sqlite3.connect(copy)) as dst,
        ):
            src.backup(dst)
        shutil.copyfile(f"{source}.keys", f"{copy}.keys")
        with _open({**args, "url": sqlite_url(copy)}) as ledger:
            projector = ledger.projections()
            if projector.tables.position() != ledger.position:
                raise RuntimeError("tables not current: rebuild first")
            facts = ledger.facts()
            body = next(b for b in facts.bodies.values() if b.seats)
            proposer, latest = body.seats[0].member, facts.latest
            del facts

            def propose() -> None:
                ledger.raise_proposal(
                    body.id,
                    proposers=[proposer],
                    title="Benchmark proposal",
                    text="One new event.",
                    occurred_at=latest,
                )

            propose()
            ledger.power_sharing(materialised=True)
            start_kb = peak_kb()
            times = []
            for _ in range(args["repeats"]):
                propose()
                started = time.perf_counter()
                report = ledger.power_sharing(materialised=True)
                times.append(time.perf_counter() - started)
                if report.as_of != ledger.position:
                    raise RuntimeError("the report did not catch up")
            return {
                "seconds": statistics.median(times),
                "events": ledger.position,
                "ms": [t * 1000 for t in times],
                "rss_start_kb": start_kb,
                "rss_peak_kb": peak_kb(),
            }


def probe_load(args: dict[str, Any]) -> Result:
    """The first ``ledger.proposal(p)`` in a fresh process: every event loaded."""
    proposal = UUID(args["proposal"])
    with _open(args) as ledger:
        return _timed(lambda: ledger.proposal(proposal).version)


def probe_bare_load(args: dict[str, Any]) -> Result:
    """Bare eventsourcing: ``repository.get`` of the twin, default settings."""
    app = BareApplication(env=bare_env(sqlite_url(Path(args["path"]))))
    try:
        twin = UUID(args["twin"])
        return _timed(lambda: app.repository.get(twin).version)
    finally:
        app.close()


def probe_idle(args: dict[str, Any]) -> Result:
    """Nothing: the peak resident set of a process that imported and opened."""
    with _open(args):
        return _timed(lambda: 0)


PROBES: dict[str, Callable[[dict[str, Any]], Result]] = {
    "rebuild": probe_rebuild,
    "fold": probe_fold,
    "bare_decode": probe_bare_decode,
    "raw_select": probe_raw_select,
    "verify": probe_verify,
    "sign": probe_sign,
    "join_select": probe_join_select,
    "board": probe_board,
    "board_after_event": probe_board_after_event,
    "idle": probe_idle,
    "load": probe_load,
    "bare_load": probe_bare_load,
}


def main(argv: list[str]) -> int:
    """Run one probe and print its result as the last line."""
    name, raw_args = argv
    result = PROBES[name](json.loads(raw_args))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
