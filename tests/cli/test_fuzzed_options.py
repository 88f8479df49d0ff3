"""The report's options given anything: a report, or one line and exit 1 or 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from coledger import Ledger
from coledger.cli import main
from conftest import TEST_MASTER_KEY

ODD = ["", " ", "\x1b[31m", "\u202e", "a\u0300", "\ufeff", "\udcff", "x" * 5000]
texts = st.one_of(
    st.text(st.characters(exclude_characters="\x00"), max_size=12),
    st.sampled_from(ODD),
)
dates = st.one_of(
    texts,
    st.datetimes().map(lambda d: d.isoformat()),
    st.dates().map(str),
    st.sampled_from(["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"]),
)
numbers = st.one_of(texts, st.integers().map(str), st.sampled_from(["9" * 30]))


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SQLite ledger: a board, a member with a seat, a proposal."""
    path = tmp_path_factory.mktemp("report") / "ledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example")
        board = ledger.establish_body("Board", kind="governance", by=ana)
        ledger.assign_seat(board, ana, by=ana)
        ledger.raise_proposal(board, proposers=[ana], title="T", text="x")
    return path


@given(data=st.data())
def test_report_options_give_a_report_or_one_line(
    ledger_file: Path, data: st.DataObject, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any --since, --until, --as-of, --organisation, --group: done, or 1 or 2."""
    capsys.readouterr()
    args = ["report", "--db", str(ledger_file)]
    for option, values in (
        ("--since", dates),
        ("--until", dates),
        ("--as-of", numbers),
        ("--organisation", texts),
        ("--group", texts),
    ):
        if data.draw(st.booleans(), label=f"with {option}"):
            args += [f"{option}={data.draw(values, label=option)}"]
    args += ["--audience", data.draw(st.sampled_from(["board", "members", "public"]))]
    args += ["--format", data.draw(st.sampled_from(["text", "json", "html"]))]
    note(repr(args))
    try:
        code: int | str | None = main(args)
    except SystemExit as stop:  # argparse: not a whole number, say
        code = stop.code
    out, err = capsys.readouterr()
    if "usage:" in err:
        assert code == 2
        return
    if code == 0:
        assert out
        assert not err
        return
    assert code in {1, 2}
    assert not out
    assert err.startswith("coledger: ")
    assert err.count("\n") == 1, err
