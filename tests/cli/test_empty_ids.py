"""An empty id (an unset variable) is a bad id, never an option left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from coledger.cli import main
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY


@pytest.fixture
def ledger_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite ledger holding one body, with its master key in the environment."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ada = ledger.register_member("Ada")
        ledger.establish_body("Board", kind="governance", by=ada)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    monkeypatch.chdir(tmp_path)
    return db


@pytest.mark.parametrize("option", ["--body", "--project"])
@pytest.mark.parametrize("tables", [[], ["--tables"]])
def test_report_refuses_an_empty_scope_id(
    ledger_db: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    tables: list[str],
) -> None:
    """An empty --body or --project exits 2 naming it, not a whole-ledger report."""
    out = ledger_db.parent / "report.txt"
    code = main(
        ["report", "--db", str(ledger_db), option, "", *tables, "--out", str(out)]
    )
    captured = capsys.readouterr()
    kind = option.removeprefix("--")
    assert (code, captured.out) == (2, "")
    assert captured.err == (
        f"coledger: {option}: the value given is not a {kind} id (a UUID)\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("option", ["--member", "--by", "--source-ref"])
def test_erase_reapply_refuses_an_empty_option_as_any_other(
    ledger_db: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """An empty --member, --by or --source-ref with --reapply exits 2, not ignored."""
    code = main(["erase", "--db", str(ledger_db), "--reapply", option, ""])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err.startswith("coledger: erase --reapply takes no --member")


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_report_tables_refuses_an_empty_period_bound(
    ledger_db: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """An empty --since or --until with --tables exits 2, not all-time figures."""
    out = ledger_db.parent / "report.txt"
    code = main(
        ["report", "--db", str(ledger_db), "--tables", option, "", "--out", str(out)]
    )
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert "--tables reads the all-time figures" in captured.err
    assert not out.exists()


@pytest.mark.parametrize(
    ("source_ref", "said"),
    [
        ("", "source_ref is empty"),
        ("   ", "source_ref is empty"),
        ("x" * 501, "source_ref is 501 characters long; the limit is 500"),
        ("request\n2025", "source_ref holds the control character U+000A"),
    ],
    ids=["empty", "blank", "too-long", "line-break"],
)
def test_erase_refuses_a_source_ref_no_record_may_hold_as_usage(
    ledger_db: Path, capsys: pytest.CaptureFixture[str], source_ref: str, said: str
) -> None:
    """A --source-ref no record may hold exits 2 naming the option, erasing no one."""
    with Ledger.open(f"sqlite:///{ledger_db}", master_key=TEST_MASTER_KEY) as ledger:
        ada = ledger.members()[0].id
        bea = ledger.register_member("Bea")
        position = ledger.position
    erase = ["erase", "--db", str(ledger_db), "--member", str(bea), "--by", str(ada)]
    code = main([*erase, "--source-ref", source_ref])
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == f"coledger: --source-ref: {said}\n"
    with Ledger.open(f"sqlite:///{ledger_db}", master_key=TEST_MASTER_KEY) as ledger:
        assert ledger.position == position
        assert ledger.member(bea).name == "Bea"
