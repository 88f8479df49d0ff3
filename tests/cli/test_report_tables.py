"""report --tables before the tables are built: advice a command-line user can take."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import KeysDestroyedError, Ledger
from coledger.cli import main
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY
from helpers import failing_inserts, seated_declarer


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


def test_tables_read_before_keys_went_unrecorded_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After an erasure that destroyed keys but was not stored, --tables warns."""
    db = tmp_path / "coledger.db"
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    with Ledger.open(f"sqlite:///{db}") as ledger:
        sam = seated_declarer(ledger)
        (admin,) = [m.id for m in ledger.members() if m.name == "Admin"]
        ledger.projections().catch_up()
        with monkeypatch.context() as patch:
            failing_inserts(ledger, patch)
            with pytest.raises(KeysDestroyedError):
                ledger.erase_member(sam, by=admin)
    assert main(["report", "--db", str(db), "--tables", "--format", "json"]) == 0
    read = capsys.readouterr()
    assert main(["report", "--db", str(db), "--format", "json"]) == 0
    assert read.out != capsys.readouterr().out  # they still count Sam's declaration
    assert read.err == (
        "coledger: the projection tables were worked out before member keys were "
        "destroyed, and may count lived experience that is gone; run coledger "
        "follow or coledger rebuild to work them out again, or leave out --tables\n"
    )
    assert main(["rebuild", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["report", "--db", str(db), "--tables"]) == 0
    assert capsys.readouterr().err == ""
