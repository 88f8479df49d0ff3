"""--group and --organisation are refused where the report has no place for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from coledger.cli import main
from coledger.privacy import encode_master_key
from conftest import TEST_MASTER_KEY


@pytest.fixture
def ledger_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small SQLite ledger with a seat, and its master key in the environment."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example")
        board = ledger.establish_body("Board", kind="governance", by=ana)
        ledger.assign_seat(board, ana, by=ana)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(TEST_MASTER_KEY))
    return db


NEEDS_MEMBERS = (
    "--group is what the members' report calls people with lived experience: "
    "it needs --audience members"
)
NO_WORDS = "goes into the words of a text or HTML report; the JSON holds none of them"


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--group", "trainers"], NEEDS_MEMBERS),
        (["--group", "trainers", "--audience", "public"], NEEDS_MEMBERS),
        (
            ["--group", "trainers", "--audience", "members", "--format", "json"],
            f"--group {NO_WORDS}",
        ),
        (
            ["--organisation", "Riverside", "--format", "json"],
            f"--organisation {NO_WORDS}",
        ),
    ],
    ids=["board", "public", "members-json", "organisation-json"],
)
def test_a_wording_option_the_report_would_ignore_is_refused(
    ledger_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    said: str,
) -> None:
    """An option the chosen report has no place for exits 2, rather than vanish."""
    out = tmp_path / "report.txt"
    code = main(["report", "--db", str(ledger_file), "--out", str(out), *options])
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err) == (2, "", f"coledger: {said}\n")
    assert not out.exists()


def test_the_members_report_takes_both_wording_options(
    ledger_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The members' text report shows the group's word and the organisation's name."""
    code = main(
        [
            "report",
            "--db",
            str(ledger_file),
            "--audience",
            "members",
            "--group",
            "trainers",
            "--organisation",
            "Riverside",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "trainers" in captured.out.lower()
    assert "Riverside" in captured.out


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--organisation", ""], "--organisation: organisation is empty"),
        (
            ["--organisation", "River\x1b[31mside"],
            "--organisation: organisation holds the control character U+001B",
        ),
        (
            ["--audience", "members", "--group", " "],
            "--group: group is empty",
        ),
    ],
    ids=["empty-organisation", "control-organisation", "blank-group"],
)
def test_a_wording_option_that_cannot_be_printed_is_bad_usage(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
    said: str,
) -> None:
    """A word no report may print exits 2 before the ledger is read, as --small-cell."""
    missing = tmp_path / "missing.db"  # refused first: nothing is read or folded
    code = main(["report", "--db", str(missing), *options])
    captured = capsys.readouterr()
    assert (code, captured.out, captured.err) == (2, "", f"coledger: {said}\n")
    assert list(tmp_path.iterdir()) == []
