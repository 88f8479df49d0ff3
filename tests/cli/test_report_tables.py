"""report --tables before the tables are built: advice a command-line user can take."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from coledger.cli import main
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY


def test_tables_never_built_point_to_commands_not_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The refusal names rebuild, follow and leaving out --tables, not catch_up=True."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    code = main(["report", "--db", str(db), "--tables"])
    captured = capsys.readouterr()
    assert (code, captured.out) == (1, "")
    assert captured.err == (
        "coledger: the projection tables hold no figures under these thresholds "
        "yet: build them with coledger rebuild or a worker (coledger follow), or "
        "leave out --tables\n"
    )
