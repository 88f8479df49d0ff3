"""cProfile of one figure of run_all.py, to see where its time goes.

Run from the project folder (the big ledger comes from run_all.py's cache)::

    .venv/bin/python benchmarks/profiles.py WHAT [--events N] [--top N]

``WHAT`` is one of:

``record``
    The record.py command mix (``--events`` commands) on a fresh SQLite file
    (or ``--backend postgres``; ``--no-leaves`` for a ledger without leaves).
``import``
    ``import_events`` of an export of ``--years`` demo years.
``fold`` / ``rebuild`` / ``verify`` / ``board``
    On the cached ledger of ``--events`` events (default 200,000): the fold
    (with the cyclic collector paused, as run_all.py times it),
    ``projections().rebuild()``, ``verify`` and a warm board report
    (``--calls`` calls after a first untimed one).

Prints the functions with the most cumulative and the most own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import record
from coledger import Ledger
from coledger.integrity.checkpoints import SigningKey, Verifier
from coledger.integrity.source import open_source
from coledger.integrity.verify import verify
from coledger.privacy import generate_master_key
from coledger.projections.facts import Facts, collector_paused
from coledger.storage import parse_url
from ledgers import Cache, YearLedger, record_years, sqlite_url
from run_all import DEFAULT_CACHE


def profiled(work: Callable[[], object], top: int) -> None:
    """Run *work* under cProfile and print the top functions two ways."""
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def profile_record(args: argparse.Namespace, folder: Path) -> None:
    """The coledger command mix on a fresh SQLite file or PostgreSQL schema."""
    proposals = math.ceil(args.events / record.COMMANDS_PER_PROPOSAL)
    key = generate_master_key()
    storage = record.Storage(args.backend, folder, args.pg)
    try:
        url = storage.fresh("profile")
        with Ledger(parse_url(url), key, leaves=not args.no_leaves) as ledger:
            people = record.set_up(ledger)
            commands = list(record.commands_of(proposals))

            def work() -> None:
                for now, command, k in commands:
                    command(ledger, people, now, k)

            profiled(work, args.top)
    finally:
        storage.drop_all()


def profile_import(args: argparse.Namespace, folder: Path) -> None:
    """import_events of an export of demo years."""
    key = generate_master_key()
    with YearLedger(parse_url(sqlite_url(folder / "source.db")), key) as ledger:
        record_years(ledger, range(1, args.years + 1))
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    with Ledger(parse_url(sqlite_url(folder / "target.db")), key) as ledger:
        profiled(lambda: ledger.import_events(lines), args.top)


def profile_big(args: argparse.Namespace) -> None:
    """fold, rebuild, verify or board on the cached big ledger."""
    path, key, _ = Cache(args.cache_dir, print).ledger(args.events)
    url = sqlite_url(path)
    if args.what == "verify":
        signing_key = SigningKey.generate("bench.example/ledger")
        with Ledger.open(url, master_key=key) as ledger:
            note = ledger.checkpoint(signing_key).note
        pinned = Verifier.parse(signing_key.verifier)

        def check() -> None:
            source = open_source(url)
            try:
                verify(source, pinned, [note])
            finally:
                source.close()

        profiled(check, args.top)
        return
    with Ledger.open(url, master_key=key) as ledger:
        if args.what == "fold":

            def fold() -> None:
                with collector_paused():  # as the fold probe and a rebuild run it
                    Facts().apply_states(ledger.fold_states())

            profiled(fold, args.top)
        elif args.what == "rebuild":
            profiled(ledger.projections().rebuild, args.top)
        else:
            ledger.power_sharing(materialised=True)  # the cold call, not profiled

            def board() -> None:
                for _ in range(args.calls):
                    ledger.power_sharing(materialised=True)

            profiled(board, args.top)


def main(argv: Sequence[str] | None = None) -> int:
    """Profile the figure asked for."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "what", choices=("record", "import", "fold", "rebuild", "verify", "board")
    )
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-leaves", action="store_true")
    parser.add_argument("--pg", default=record.DEFAULT_PG)
    args = parser.parse_args(argv)
    if args.what == "record":
        args.events = args.events or 1000
    elif args.what != "import":
        args.events = args.events or 200_000
    with tempfile.TemporaryDirectory(prefix="coledger-profile-") as name:
        if args.what == "record":
            profile_record(args, Path(name))
        elif args.what == "import":
            profile_import(args, Path(name))
        else:
            profile_big(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
