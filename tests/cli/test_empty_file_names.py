"""An empty file name for a file a command reads (an unset variable) is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from coledger.cli import main
from coledger.integrity import SigningKey
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY

SOMEONE = "00000000-0000-0000-0000-000000000001"
VERIFIER = SigningKey.generate("test.example/ledger").verifier

EMPTY = [
    (["report", "--key-file", ""], "--key-file"),
    (["checkpoint", "--signing-key", ""], "--signing-key"),
    (["verify", "--checkpoint", ""], "--checkpoint"),
    (["verify", "--trusted-key", ""], "--trusted-key"),
    (["verify", "--trusted-key", "@"], "--trusted-key @"),
    (
        ["prove", "--proposal", SOMEONE, "--member", SOMEONE, "--checkpoint", ""],
        "--checkpoint",
    ),
    (["verify-receipt", "", "--trusted-key", VERIFIER], "the receipt"),
    (["import", ""], "the export file"),
    (["import-polis", ""], "the export folder"),
]


@pytest.mark.parametrize(
    ("command", "named"),
    EMPTY,
    # Named without the verifier key, which differs in each test process.
    ids=[" ".join(c).replace(VERIFIER, "KEY") for c, _ in EMPTY],
)
def test_an_empty_file_name_is_refused_and_reads_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    named: str,
) -> None:
    """'' is never read as the current folder: exit 2, one line, nothing written."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
    # A folder holding what import-polis reads: '' must not be taken for it.
    for name in ("comments.csv", "votes.csv", "summary.csv"):
        (tmp_path / name).write_text("")
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    ledger_option = [] if command[0] == "verify-receipt" else ["--db", str(db)]
    if command[0].startswith("import"):
        ledger_option = ["--db", "new.db"]
    code = main([*command, *ledger_option])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    said = "no key: give the key, or @FILE" if named == "--trusted-key" else "no file"
    assert captured.err.startswith(f"coledger: {named} '' names {said}")
    assert captured.err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_empty_db_is_refused_by_its_option_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--db '' is named as the option, not as a 'sqlite:///' URL: exit 2, no file."""
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    monkeypatch.chdir(tmp_path)
    for command in (["report"], ["demo"], ["verify"], ["audit-copy", "--out", "a.db"]):
        assert main([*command, "--db", ""]) == 2, command
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            "coledger: --db '' names no ledger: give a file path or a storage URL\n"
        )
    assert list(tmp_path.iterdir()) == []
