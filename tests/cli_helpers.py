"""Helpers for the command-line tests: run the console script, count rows."""

from __future__ import annotations

import os
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY

COLEDGER = str(Path(sys.executable).parent / "coledger")
KEY = encode_master_key(TEST_MASTER_KEY)
POLIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"


def run(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    memory: int | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the console script in *cwd* and capture what it says.

    *stdin* is fed to its standard input (none by default). *memory* caps
    the child's address space (bytes), so that an unbounded read fails in
    the child rather than filling the machine.
    """
    environment = {k: v for k, v in os.environ.items() if k != "COLEDGER_MASTER_KEY"}
    environment["COLEDGER_MASTER_KEY"] = KEY
    environment.update(env or {})

    def limited() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [COLEDGER, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=120,
        check=False,
        preexec_fn=limited if memory is not None else None,
    )


def rows(db: Path) -> int:
    """How many events the SQLite ledger file holds."""
    with sqlite3.connect(db) as conn:
        (count,) = conn.execute("SELECT count(*) FROM stored_events").fetchone()
    return int(count)


def tables(db: Path) -> set[str]:
    """The names of the tables in a SQLite file."""
    with sqlite3.connect(db) as conn:
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in found}


def make_demo(factory: pytest.TempPathFactory) -> Path:
    """A new folder holding a demo ledger, made through the console script."""
    folder = factory.mktemp("demo")
    result = run("demo", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


def need_polis() -> None:
    """Skip without the shared Polis data, except in CI, where it must be there."""
    if not POLIS.exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"the shared Polis data is missing at {POLIS}")
        pytest.skip("the shared Polis data is not here")
