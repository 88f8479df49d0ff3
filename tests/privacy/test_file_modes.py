"""Files that hold a ledger's data are made readable by their owner alone."""

from __future__ import annotations

import stat
from pathlib import Path

from cli_helpers import run
from coledger import Ledger
from coledger.integrity.audit_copy import audit_copy
from conftest import TEST_MASTER_KEY


def mode(path: Path) -> int:
    """The permission bits of *path*."""
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_ledger_and_its_key_store_are_owner_only(tmp_path: Path) -> None:
    """The ledger file, its key store and SQLite's files beside them: 0600."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
        made = sorted(tmp_path.iterdir())
        assert {p.name for p in made} >= {"ledger.db", "ledger.db.keys"}
        assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}


def test_an_existing_ledger_keeps_the_modes_its_owner_gave_it(tmp_path: Path) -> None:
    """Opening a ledger again changes no file's mode: a shared group keeps reading."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
    for path in (db, tmp_path / "ledger.db.keys"):
        path.chmod(0o640)
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Bo Example")
    assert mode(db) == mode(tmp_path / "ledger.db.keys") == 0o640


def test_an_audit_copy_is_owner_only(tmp_path: Path) -> None:
    """The copy for an auditor holds the events: it is made 0600 too."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
    copy = tmp_path / "for-the-auditor.db"
    audit_copy(f"sqlite:///{db}", copy)
    assert mode(copy) == 0o600


def test_the_boards_report_file_is_owner_only(tmp_path: Path) -> None:
    """Report --out: the board's view is 0600, the public's as the umask says."""
    assert run("demo", cwd=tmp_path).returncode == 0
    assert mode(tmp_path / "coledger.db") == 0o600
    for audience in ("board", "public"):
        result = run(
            "report",
            "--audience",
            audience,
            "--format",
            "html",
            "--out",
            f"{audience}.html",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "board.html") == 0o600
    assert (
        mode(tmp_path / "public.html") & 0o044
    )  # beyond its owner, as umask 022 gives
