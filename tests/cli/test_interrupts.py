"""Ctrl-C: one line saying what is left written, and exit 130."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_helpers import COLEDGER, KEY


def wait_for_reader(fifo: Path, child: subprocess.Popen[str]) -> int:
    """Open *fifo* for writing once *child* has it open for reading; the descriptor."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the command never opened the file"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["verify", "--checkpoint"], "nothing was written"),
        (["import"], "the ledger holds all of what this command writes, or none of it"),
    ],
    ids=["verify", "import"],
)
def test_ctrl_c_prints_one_line_and_exits_130(
    tmp_path: Path, command: list[str], said: str
) -> None:
    """SIGINT while a command reads gives one line on stderr, no traceback, exit 130."""
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
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if writer is not None:
            os.close(writer)
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert (child.returncode, out) == (130, ""), err
    assert err == f"coledger: interrupted; {said}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.txt"]
