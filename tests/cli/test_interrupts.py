"""Ctrl-C: one line saying what is left written, and exit 130."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from uuid import uuid4

import pytest

from cli_helpers import COLEDGER, KEY
from coledger import Ledger, demo
from coledger.cli import build_parser, main
from coledger.cli._common import Interrupted
from conftest import TEST_MASTER_KEY


def wait_for_reader(fifo: Path, child: subprocess.Popen[str]) -> int:
    """Open *fifo* for writing once *child* waits in a read of it; the descriptor.

    Only a signal that comes while the read waits interrupts it. CPython
    runs a handler between bytecodes, so a SIGINT landing in the few
    instructions between the file's open and its read is noted, then left
    until the read returns, which with nothing written is never.
    """
    deadline = time.monotonic() + 60
    while True:
        try:
            writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the command never opened the file"
        time.sleep(0.02)
    wchan = Path(f"/proc/{child.pid}/wchan")
    while "pipe_read" not in wchan.read_text():  # the kernel's name for the wait
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the command never read the file"
        time.sleep(0.02)
    return writer


def wait_for_open(path: Path, child: subprocess.Popen[str]) -> None:
    """Return once *child* holds *path* open: past its imports, at the ledger.

    A fixed sleep is not enough on a loaded machine, where a SIGINT could land
    while the interpreter is still importing, before the command line runs.
    """
    deadline = time.monotonic() + 60
    fds = Path(f"/proc/{child.pid}/fd")
    while True:
        assert child.poll() is None, child.communicate()
        with contextlib.suppress(FileNotFoundError):  # an fd closed as we looked
            if any(fd.resolve() == path.resolve() for fd in fds.iterdir()):
                return
        assert time.monotonic() < deadline, "the command never opened the ledger"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("command", "stop", "code", "said"),
    [
        (["verify", "--checkpoint"], signal.SIGINT, 130, "nothing was written"),
        (
            ["import"],
            signal.SIGINT,
            130,
            "the ledger holds all of what this command writes, or none of it",
        ),
        (
            ["import"],
            signal.SIGTERM,
            143,
            "the ledger holds all of what this command writes, or none of it",
        ),
    ],
    ids=["verify", "import", "import-sigterm"],
)
def test_ctrl_c_or_sigterm_prints_one_line_and_exits_by_its_signal(
    tmp_path: Path, command: list[str], stop: signal.Signals, code: int, said: str
) -> None:
    """SIGINT or SIGTERM while a command reads: one line on stderr, no traceback.

    The exit code is 128 and the signal's number (130 for Ctrl-C, 143 for
    SIGTERM from kill or timeout), and nothing is left written.
    """
    fifo = tmp_path / "input.txt"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        [COLEDGER, *command, str(fifo)],
        cwd=tmp_path,
        env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = None
    try:
        # Held open and never written to: the command waits for its input.
        writer = wait_for_reader(fifo, child)
        child.send_signal(stop)
        out, err = child.communicate(timeout=60)
    finally:
        if writer is not None:
            os.close(writer)
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert (child.returncode, out) == (code, ""), err
    assert err == f"coledger: interrupted; {said}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.txt"]


def stopped(ledger: Ledger, seed: int) -> None:
    """Record the start of a year, then stop as Ctrl-C would."""
    ledger.register_member("First of the year")
    raise KeyboardInterrupt


def test_an_interrupted_demo_says_part_of_the_year_may_be_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a ledger that was there before, its Ctrl-C line says to start afresh."""
    monkeypatch.setattr(demo, "record_year", stopped)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    db = tmp_path / "coledger.db"
    Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY).close()  # empty
    with pytest.raises(Interrupted) as stop:
        main(["demo", "--db", str(db)])
    assert "may hold part of it" in str(stop.value)
    assert "remove the ledger" in str(stop.value)
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        assert ledger.position == 1  # what the line warns of


def test_an_interrupted_demo_removes_the_ledger_file_it_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C part way through a year in a new file leaves no file and says so."""
    monkeypatch.setattr(demo, "record_year", stopped)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")  # so a new key file is made
    with pytest.raises(Interrupted) as stop:
        main(["demo", "--db", "new.db"])
    assert "a ledger file it made is removed" in str(stop.value)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_erase_says_how_to_finish_one_left_unrecorded() -> None:
    """The erase line names the audit code that shows keys gone without a record."""
    parser = build_parser()
    args = parser.parse_args(["erase", "--member", str(uuid4()), "--by", str(uuid4())])
    assert "ERASURE_UNRECORDED" in args.interrupted
    assert "run the same erase again" in args.interrupted


BRIEF_WAIT = """
import sys
import attrs
import coledger._core
from coledger.cli import run
from coledger.storage import parse_url

def brief(url):
    config = parse_url(url)
    return attrs.evolve(config, env={**config.env, "SQLITE_LOCK_TIMEOUT": "3"})

coledger._core.parse_url = brief
sys.argv = ["coledger", *sys.argv[1:]]
run()
"""
"""The command line with a 3 s wait for a lock (30 s as shipped): SQLite takes
Ctrl-C only once its wait is over."""


def test_ctrl_c_while_waiting_on_a_lock_prints_no_traceback(tmp_path: Path) -> None:
    """Interrupted while another process locks the file: still one line, exit 130."""
    source = tmp_path / "source.db"
    with Ledger.open(f"sqlite:///{source}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ada")
        with (tmp_path / "year.jsonl").open("w", encoding="utf-8") as out:
            ledger.export(out)
    target = tmp_path / "target.db"
    Ledger.open(f"sqlite:///{target}", master_key=TEST_MASTER_KEY).close()
    with closing(sqlite3.connect(target, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                BRIEF_WAIT,
                "import",
                "--db",
                str(target),
                str(tmp_path / "year.jsonl"),
            ],
            env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_open(target, child)
            time.sleep(0.5)  # it waits on the lock by now, and takes Ctrl-C after it
            child.send_signal(signal.SIGINT)
            _, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
    assert child.returncode == 130, err
    assert err == (
        "coledger: interrupted; the ledger holds all of what this command "
        "writes, or none of it\n"
    )
