"""Only PostgreSQL ledgers load the PostgreSQL driver."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import url_for

DRIVER_MODULES = "('psycopg', 'psycopg_pool', 'eventsourcing.postgres')"


def loaded_drivers(script: str, cwd: Path) -> list[str]:
    """The driver modules loaded once *script* has run in a fresh interpreter."""
    code = (
        f"{script}\n"
        "import json, sys\n"
        f"found = sorted(m for m in sys.modules if m.startswith({DRIVER_MODULES}))\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: list[str] = json.loads(result.stdout.splitlines()[-1])  # after the CLI's
    return found


def test_a_sqlite_ledger_and_the_command_line_never_import_psycopg(
    tmp_path: Path,
) -> None:
    """Recording, reporting, rebuilding and verifying a SQLite file load no driver."""
    commands = [
        ["demo"],
        ["report"],
        ["rebuild"],
        ["keygen", "--name", "riverside.example/ledger", "--verifier-out", "v"],
        ["checkpoint", "--signing-key", "signing-key.pem", "--out", "c"],
        ["verify", "--trusted-key", "@v", "--checkpoint", "c"],
    ]
    script = (
        "from coledger.cli import main\n"
        f"for args in {commands!r}:\n"
        "    assert main(args) == 0, args\n"
    )
    assert loaded_drivers(script, tmp_path) == []


def test_a_postgresql_ledger_loads_its_driver(pg_schema: str, tmp_path: Path) -> None:
    """The check above can fail: recording into PostgreSQL does load the driver."""
    url = url_for("postgres", tmp_path, pg_schema)
    script = (
        "from coledger import Ledger\n"
        "from coledger.privacy import generate_master_key\n"
        f"with Ledger.open({url!r}, master_key=generate_master_key()) as ledger:\n"
        "    ledger.register_member('Ann')\n"
    )
    assert {"psycopg", "eventsourcing.postgres"} <= set(
        loaded_drivers(script, tmp_path)
    )
