"""An unknown option is reported by the command it was given to, with its usage."""

from __future__ import annotations

import pytest

from coledger.cli import main

SOMEONE = "00000000-0000-0000-0000-000000000000"
COMMANDS = [
    ["demo"],
    ["report"],
    ["history", "--proposal", SOMEONE],
    ["export", "--out", "x"],
    ["subject-access", "--member", SOMEONE, "--out", "x"],
    ["import", "x"],
    ["import-polis", "x"],
    ["rebuild"],
    ["follow"],
    ["erase"],
    ["erasure-audit"],
    ["keygen"],
    ["checkpoint", "--signing-key", "x"],
    ["verify"],
    ["prove", "--proposal", SOMEONE, "--member", SOMEONE, "--checkpoint", "x"],
    ["verify-receipt", "x", "--trusted-key", "x"],
    ["audit-copy", "--out", "x"],
]


@pytest.mark.parametrize("given", COMMANDS, ids=lambda given: given[0])
def test_an_unknown_option_shows_the_commands_usage(
    given: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown option exits 2 with its command's usage, as a bad value does."""
    with pytest.raises(SystemExit) as stopped:
        main([*given, "--bogus"])
    assert stopped.value.code == 2
    command = given[0]
    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.startswith(f"usage: coledger {command} [-h]")
    assert said.err.endswith(
        f"coledger {command}: error: unrecognized arguments: --bogus\n"
    )
