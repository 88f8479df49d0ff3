"""Unusual files named on the command line: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run
from coledger import Ledger
from conftest import TEST_MASTER_KEY

ZERO = "/dev/zero"
MEMORY = 2 << 30
"""An address-space limit for the child: far more than a command needs, far
less than reading a device that never ends would take."""


@pytest.mark.skipif(not Path(ZERO).exists(), reason="no /dev/zero here")
def test_a_device_that_never_ends_as_a_key_or_note_exits_2(tmp_path: Path) -> None:
    """/dev/zero as key file, signing key, trusted key or checkpoint: one line, 2."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
    before = sorted(p.name for p in tmp_path.iterdir())
    some_id = "00000000-0000-0000-0000-000000000000"
    commands = (
        ["report", "--key-file", ZERO],
        ["checkpoint", "--signing-key", ZERO],
        ["verify", "--trusted-key", f"@{ZERO}"],
        ["verify", "--checkpoint", ZERO],
        ["prove", "--checkpoint", ZERO, "--proposal", some_id, "--member", some_id],
    )
    for command in commands:
        result = run(*command, "--db", str(db), cwd=tmp_path, memory=MEMORY)
        assert result.returncode == 2, (command, result.stderr[-300:])
        assert result.stderr.startswith("coledger: "), result.stderr[-300:]
        assert "no key or note is that long" in result.stderr
        assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before
