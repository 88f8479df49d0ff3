"""A reader that goes away (``| head``, say): no noise, and the verdict's code kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from cli_helpers import COLEDGER, KEY
from coledger import Ledger
from conftest import TEST_MASTER_KEY


def closed_reader(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the console script with its standard output closed before it writes.

    Its exit code and standard error: the pipe's read end is closed as soon
    as the child starts, long before it has imported enough to print.
    """
    child = subprocess.Popen(
        [COLEDGER, *args],
        cwd=cwd,
        env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    child.stdout.close()
    _, err = child.communicate(timeout=120)
    return child.returncode, err


@pytest.fixture
def small_ledger(tmp_path: Path) -> Path:
    """A SQLite ledger of a few events, with no checkpoint (verify: PARTIAL)."""
    path = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        ada = ledger.register_member("Ada")
        ledger.establish_body("Board", kind="governance", by=ada)
    return path


def test_verify_piped_to_a_reader_that_left_keeps_partial(small_ledger: Path) -> None:
    """A PARTIAL log exits 3 when the reader has gone, as when it reads: never 0."""
    code, err = closed_reader("verify", cwd=small_ledger.parent)
    assert (code, err) == (3, "")


def test_verify_piped_to_a_reader_that_left_keeps_failed(small_ledger: Path) -> None:
    """A FAILED log exits 1 when the reader has gone, not VERIFIED's 0."""
    with closing(sqlite3.connect(small_ledger)) as conn, conn:
        (state,) = conn.execute("SELECT state FROM stored_events LIMIT 1").fetchone()
        conn.execute("UPDATE stored_events SET state = ?", (bytes(state)[::-1],))
    code, err = closed_reader("verify", cwd=small_ledger.parent)
    assert (code, err) == (1, "")


def test_erasure_audit_piped_to_a_reader_that_left_keeps_its_code(
    small_ledger: Path,
) -> None:
    """erasure-audit with no reader still exits 0 when every key is as recorded."""
    code, err = closed_reader("erasure-audit", cwd=small_ledger.parent)
    assert (code, err) == (0, "")


def test_a_report_piped_to_a_reader_that_left_exits_0(small_ledger: Path) -> None:
    """A report whose reader went away is no error of the command: exit 0, quiet."""
    code, err = closed_reader("report", cwd=small_ledger.parent)
    assert (code, err) == (0, "")


def _started_with_closed(
    redirect: str, args: tuple[str, ...], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """Run the console script with one standard stream closed by *redirect*."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" "$@" {redirect}', COLEDGER, *args],
        cwd=cwd,
        env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def started_without_stdout(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the console script with no standard output at all (``>&-``, as cron may).

    Python then has no sys.stdout (None), where a closed pipe gives a stream
    whose writes fail. Its exit code and standard error.
    """
    result = _started_with_closed(">&-", args, cwd)
    return result.returncode, result.stderr


@pytest.mark.parametrize(("command", "code"), [("report", 0), ("verify", 3)])
def test_a_command_started_without_stdout_keeps_its_code_quietly(
    small_ledger: Path, command: str, code: int
) -> None:
    """With stdout closed before it starts, a command exits with its own code, quiet."""
    assert started_without_stdout(command, cwd=small_ledger.parent) == (code, "")


def started_without_stderr(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the console script with no standard error at all (``2>&-``).

    Its exit code and standard output.
    """
    result = _started_with_closed("2>&-", args, cwd)
    return result.returncode, result.stdout


def test_export_started_without_stderr_draws_no_bar_and_exports(
    small_ledger: Path,
) -> None:
    """With stderr closed before it starts, export writes its file and exits 0."""
    folder = small_ledger.parent
    code, out = started_without_stderr("export", "--out", "x.jsonl", cwd=folder)
    assert code == 0
    assert out.startswith("Exported 2 events to x.jsonl")
    assert (folder / "x.jsonl").exists()


def test_an_error_with_stderr_closed_is_not_printed_on_stdout(tmp_path: Path) -> None:
    """With stderr closed, a refusal exits 2 and leaves stdout (the result) empty."""
    assert started_without_stderr("report", "--db", "no.db", cwd=tmp_path) == (2, "")


FULL = "/dev/full"


@pytest.mark.skipif(not Path(FULL).exists(), reason="no /dev/full here")
@pytest.mark.parametrize("command", [["verify"], ["keygen", "--master"], ["report"]])
def test_output_to_a_full_disk_exits_2_in_one_line(
    small_ledger: Path, command: list[str]
) -> None:
    """Stdout on a full disk (``> key`` there) could not run: exit 2, one line.

    Not a traceback with exit 1, which for verify reads as FAILED.
    """
    with Path(FULL).open("w") as full:
        result = subprocess.run(
            [COLEDGER, *command],
            cwd=small_ledger.parent,
            env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert (result.returncode, result.stderr) == (
        2,
        "coledger: cannot write its output: No space left on device\n",
    )
