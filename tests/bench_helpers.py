"""The benchmarks' own modules, imported from benchmarks/ for their tests."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from uuid import UUID

from coledger import Ledger
from coledger.privacy import generate_master_key

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def bench(name: str) -> ModuleType:
    """The benchmark module *name* (its folder joins the import path once)."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module(name)


def small_ledger(path: Path, proposals: int = 2) -> tuple[str, bytes]:
    """A SQLite ledger at *path* holding record.py's mix for a few proposals."""
    record = bench("record")
    key = generate_master_key()
    url = f"sqlite:///{path.resolve()}"
    with Ledger.open(url, master_key=key) as ledger:
        people = record.set_up(ledger)
        for now, command, k in record.commands_of(proposals):
            found: UUID = command(ledger, people, now, k)
            assert isinstance(found, UUID)
    return url, key
