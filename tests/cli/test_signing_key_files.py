"""A signing key file or key name that cannot be used: exit 2, as for a verifier key."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from coledger import Ledger
from coledger.cli import main
from coledger.integrity import SigningKey
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY


@pytest.fixture
def ledger_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small SQLite ledger, with its master key in the environment."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    monkeypatch.delenv("COLEDGER_SIGNING_PASSPHRASE", raising=False)
    monkeypatch.chdir(tmp_path)
    return db


def stored_checkpoints(db: Path) -> int:
    """How many checkpoint copies the ledger file keeps."""
    with closing(sqlite3.connect(db)) as conn:
        (count,) = conn.execute("SELECT count(*) FROM coledger_checkpoints").fetchone()
    return int(count)


def test_a_file_that_is_no_signing_key_is_a_usage_error(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --signing-key file holding something else exits 2 naming it; nothing signed."""
    key = ledger_file.parent / "notes.txt"
    key.write_text("minutes of the March meeting\n")
    code = main(["checkpoint", "--db", str(ledger_file), "--signing-key", str(key)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"coledger: the signing key {key} is unusable: MALFORMED_KEY: not a "
        "coledger signing key file\n"
    )
    assert stored_checkpoints(ledger_file) == 0


def test_an_encrypted_key_without_its_passphrase_names_the_variable(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key written with a passphrase, read without one, says which variable to set."""
    key = ledger_file.parent / "signing-key.pem"
    key.write_bytes(SigningKey.generate("test.example/ledger").to_pem(b"secret"))
    code = main(["checkpoint", "--db", str(ledger_file), "--signing-key", str(key)])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.startswith(f"coledger: the signing key {key} is unusable: ")
    assert "COLEDGER_SIGNING_PASSPHRASE is not set" in captured.err
    assert captured.err.count("\n") == 1
    assert stored_checkpoints(ledger_file) == 0


def test_a_key_name_keygen_cannot_use_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keygen --name with a space exits 2, as any unusable option value does."""
    monkeypatch.chdir(tmp_path)
    code = main(["keygen", "--name", "riverside ledger"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        "coledger: --name: the value given cannot name a key: MALFORMED_KEY: a "
        "key name has no spaces, '+', controls or lone surrogates\n"
    )
    assert list(tmp_path.iterdir()) == []
