"""A checkpoint of a ledger another process keeps locked waits, as any write does."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import attrs
import pytest

import coledger._core
from coledger import Ledger
from coledger.cli import main
from coledger.integrity import SigningKey
from coledger.privacy import encode_master_key
from coledger.storage import StorageConfig, parse_url
from conftest import TEST_MASTER_KEY

WAIT = 2.0
"""The lock wait of these tests, in seconds (30 as shipped)."""


def brief_wait(url: str) -> StorageConfig:
    """The storage a URL names, with a SQLite lock wait of WAIT seconds."""
    config = parse_url(url)
    return attrs.evolve(config, env={**config.env, "SQLITE_LOCK_TIMEOUT": f"{WAIT:g}"})


def test_a_locked_ledger_makes_checkpoint_wait_and_store_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command waits out the ledger's lock wait, then says so; exit 2, no copy."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
    key = tmp_path / "signing.pem"
    key.write_bytes(SigningKey.generate("test.example/ledger").to_pem(None))
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    monkeypatch.setattr(coledger._core, "parse_url", brief_wait)
    out = tmp_path / "checkpoint.txt"
    args = ["checkpoint", "--db", str(db), "--signing-key", str(key)]
    with closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        code = main([*args, "--out", str(out)])
        waited = time.monotonic() - started
        holder.execute("ROLLBACK")
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"coledger: storage failed: the database {db} is locked by another "
        f"process, which held it for longer than the {WAIT:g} seconds allowed; "
        "no event was stored: try again once that process has finished\n"
    )
    assert waited >= WAIT
    assert not out.exists()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM coledger_checkpoints").fetchone() == (
            0,
        )
