"""Opening a SQLite file that is damaged: a StorageError, and nothing new on disk."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from coledger import InvalidUrlError, Ledger, StorageError
from coledger.errors import LedgerError


def files(folder: Path) -> dict[str, bytes]:
    """Every file in *folder*, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def truncated_ledger(folder: Path) -> Path:
    """A ledger file cut to half its length, its key store gone (a broken copy)."""
    whole = folder / "whole.db"
    with Ledger.open(f"sqlite:///{whole}") as ledger:
        for n in range(40):
            ledger.register_member(f"Member {n}")
    data = whole.read_bytes()
    whole.unlink()
    whole.with_name("whole.db.keys").unlink()
    damaged = folder / "trunc.db"
    damaged.write_bytes(data[: len(data) // 2])
    return damaged


def header_then_garbage(folder: Path) -> Path:
    """A file that starts like SQLite and holds nothing else of a database."""
    damaged = folder / "trunc.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    return damaged


@pytest.mark.parametrize("make", [truncated_ledger, header_then_garbage])
def test_a_damaged_sqlite_file_is_a_storage_error_and_leaves_no_key_store(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    """Ledger.open raises StorageError and creates no key store beside the file."""
    damaged = make(tmp_path)
    before = files(tmp_path)
    with pytest.raises(StorageError, match=r"trunc\.db"):
        Ledger.open(f"sqlite:///{damaged}")
    assert files(tmp_path) == before
    assert issubclass(StorageError, LedgerError)


def test_a_key_store_is_not_opened_as_a_ledger(tmp_path: Path) -> None:
    """Ledger.open on a ledger's .keys file is refused, and the file gains no table."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.register_member("Ana Example")
    store = tmp_path / "ledger.db.keys"
    before = files(tmp_path)
    with pytest.raises(InvalidUrlError, match="key store"):
        Ledger.open(f"sqlite:///{store}")
    assert files(tmp_path) == before


def test_a_new_ledger_may_share_a_file_with_other_tables(tmp_path: Path) -> None:
    """A host's own SQLite database may take a ledger: Ledger.open creates one in it."""
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute("CREATE TABLE host_table (x)")
    with Ledger.open(f"sqlite:///{tmp_path / 'app.db'}") as ledger:
        ledger.register_member("Ana Example")
        assert ledger.position == 1
