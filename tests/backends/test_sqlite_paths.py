"""A SQLite URL's relative path names one file for the whole life of its Ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from conftest import TEST_MASTER_KEY


def test_a_relative_ledger_stays_in_the_folder_it_was_opened_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a chdir, the tables and the audit read the file opened, not a new one."""
    opened_in, moved_to = tmp_path / "opened", tmp_path / "moved"
    opened_in.mkdir()
    moved_to.mkdir()
    monkeypatch.chdir(opened_in)
    with Ledger.open("sqlite:///rel.db", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
        monkeypatch.chdir(moved_to)  # a daemon's chdir("/"), say
        assert ledger.power_sharing(materialised=True).as_of == 1
        assert ledger.verify().size == 1
    assert list(moved_to.iterdir()) == []
    assert sorted(p.name for p in opened_in.iterdir() if p.suffix != ".db-wal") == [
        "rel.db",
        "rel.db.keys",
    ]
