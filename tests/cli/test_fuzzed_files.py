"""Unusual files named on the command line: one line, exit 2, nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli_helpers import run
from coledger import Ledger
from coledger.cli import main, transfer_commands
from coledger.privacy import encode_master_key
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


@pytest.mark.skipif(not Path(ZERO).exists(), reason="no /dev/zero here")
def test_importing_a_device_that_never_ends_exits_2_and_makes_nothing(
    tmp_path: Path,
) -> None:
    """`coledger import /dev/zero` stops at its overlong line 1: exit 2, no ledger."""
    db = tmp_path / "copy.db"
    result = run("import", ZERO, "--db", str(db), cwd=tmp_path, memory=MEMORY)
    assert result.returncode == 2, result.stderr[-300:]
    assert result.stderr.startswith(f"coledger: cannot read {ZERO}: line 1 ")
    assert "no export line is that long" in result.stderr
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_an_export_line_at_the_length_bound_imports_and_one_past_it_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    end: str,
) -> None:
    """The import's line bound counts a line's characters, not its line ending."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
        ledger.register_member("Bo Example")
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    longest = max(range(len(lines)), key=lambda n: len(lines[n]))
    export = tmp_path / "ledger.jsonl"
    export.write_bytes(end.join(lines).encode() + end.encode())

    monkeypatch.setattr(transfer_commands, "LONGEST_LINE", len(lines[longest]) - 1)
    assert main(["import", str(export), "--db", str(tmp_path / "b.db")]) == 2
    refused = capsys.readouterr().err
    assert f"line {longest + 1} is longer than" in refused, refused
    assert not (tmp_path / "b.db").exists()

    monkeypatch.setattr(transfer_commands, "LONGEST_LINE", len(lines[longest]))
    assert main(["import", str(export), "--db", str(tmp_path / "b.db")]) == 0
    copied = f"sqlite:///{tmp_path / 'b.db'}"
    with Ledger.open(copied, master_key=TEST_MASTER_KEY) as copy:
        assert copy.position == len(lines) - 1


def test_an_export_with_a_byte_that_is_not_utf8_names_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stray byte deep in an export exits 2 naming its line, and makes no ledger."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        for number in range(200):  # lines enough to pass the reader's first chunk
            ledger.register_member(f"Member Number {number}")
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().encode().splitlines()
    lines[150] = lines[150].replace(b"Member Number", b"Member \xff Number", 1)
    export = tmp_path / "ledger.jsonl"
    export.write_bytes(b"\n".join(lines) + b"\n")
    db = tmp_path / "copy.db"

    assert main(["import", str(export), "--db", str(db)]) == 2
    said = capsys.readouterr().err
    assert said.startswith(f"coledger: cannot read {export}: line 151 "), said
    assert "not UTF-8" in said
    assert "0xff" in said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.jsonl"]


def test_a_key_file_saved_with_a_byte_order_mark_opens_the_ledger(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A master key file a Windows editor saved (BOM, CRLF) reads as the key it holds.

    A verifier key file or a checkpoint with a BOM reads as its text already.
    """
    monkeypatch.delenv("COLEDGER_MASTER_KEY", raising=False)
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
    key_file = tmp_path / "master.key"
    key = encode_master_key(TEST_MASTER_KEY)
    key_file.write_bytes(b"\xef\xbb\xbf" + key.encode("ascii") + b"\r\n")
    assert main(["erasure-audit", "--db", str(db), "--key-file", str(key_file)]) == 0
    assert capsys.readouterr().err == ""


def test_a_key_file_that_is_not_ascii_is_named_in_plain_words(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key file holding a byte not ASCII exits 2 saying so, not in a codec's words."""
    monkeypatch.delenv("COLEDGER_MASTER_KEY", raising=False)
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
    key_file = tmp_path / "master.key"
    key_file.write_bytes("clé".encode() + b"\n")
    assert main(["report", "--db", str(db), "--key-file", str(key_file)]) == 2
    said = capsys.readouterr().err
    assert said.startswith(
        f"coledger: cannot read the key file {key_file}: the byte at position 2 "
        "is not ASCII (a master key is base64 text)"
    ), said
    assert "codec" not in said


def test_an_export_saved_with_a_byte_order_mark_imports(tmp_path: Path) -> None:
    """An export an editor saved with a byte-order mark imports as the plain one."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana Example")
        ledger.register_member("Bo Example")
        out = io.StringIO()
        ledger.export(out)
    export = tmp_path / "ledger.jsonl"
    export.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    db = tmp_path / "copy.db"
    key = tmp_path / "copy.key"
    key.write_text(encode_master_key(TEST_MASTER_KEY) + "\n")
    assert main(["import", str(export), "--db", str(db), "--key-file", str(key)]) == 0
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as copy:
        assert [m.name for m in copy.members()] == ["Ana Example", "Bo Example"]
