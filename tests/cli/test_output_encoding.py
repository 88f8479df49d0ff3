"""Standard output in an encoding other than UTF-8: no traceback, notes kept exact."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from cli_helpers import COLEDGER, KEY
from coledger import Ledger
from coledger.integrity import Verifier
from conftest import TEST_MASTER_KEY
from integrity_helpers import ORIGIN, populate

LATIN_1 = {"PYTHONIOENCODING": "latin-1"}
"""Standard output as a terminal or file set to ISO 8859-1 would take it."""


def coledger(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run the console script with standard output in Latin-1; bytes as written."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}
    env |= {"COLEDGER_MASTER_KEY": KEY, **LATIN_1}
    return subprocess.run(
        [COLEDGER, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def scene(tmp_path: Path) -> tuple[Path, list[str]]:
    """A small ledger with a vote, a signing key, and prove's arguments for a ballot."""
    with Ledger.open(
        f"sqlite:///{tmp_path / 'coledger.db'}", master_key=TEST_MASTER_KEY
    ) as ledger:
        _admin, _body, voters, proposal = populate(ledger)
    made = coledger("keygen", "--name", ORIGIN, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    return tmp_path, ["--proposal", str(proposal), "--member", str(voters[0])]


def test_checkpoint_and_prove_print_their_utf8_bytes_whatever_the_encoding(
    scene: tuple[Path, list[str]],
) -> None:
    """A note or receipt is UTF-8 (its signature line has an em dash), printed as such.

    Encoded for Latin-1 it would stop with a traceback once the checkpoint was
    stored, or be altered so that no verifier opens it.
    """
    folder, ballot = scene
    signed = coledger(
        "checkpoint", "--signing-key", "signing-key.pem", "--out", "cp.txt", cwd=folder
    )
    assert signed.returncode == 0, signed.stderr.decode()
    assert signed.stdout == (folder / "cp.txt").read_bytes()
    assert "\u2014".encode() in signed.stdout
    proved = coledger("prove", *ballot, "--checkpoint", "cp.txt", cwd=folder)
    assert proved.returncode == 0, proved.stderr.decode()
    assert proved.stdout.decode("utf-8").startswith("c2sp.org/tlog-proof@v1\n")
    assert "\u2014".encode() in proved.stdout


def test_text_the_encoding_cannot_hold_is_escaped_not_a_traceback(
    scene: tuple[Path, list[str]],
) -> None:
    """A report naming the organisation in letters Latin-1 lacks prints, escaped."""
    folder, _ballot = scene
    result = coledger("report", "--organisation", "\u0141\u00f3d\u017a FC", cwd=folder)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert "Organisation: \\u0141\u00f3d\\u017a FC\n".encode("latin-1") in (
        result.stdout
    )


def test_a_json_report_stays_json_whatever_the_encoding(tmp_path: Path) -> None:
    """A JSON report printed to Latin-1 is its UTF-8 bytes, as --out writes it.

    Escaped as other text is, a letter beyond the encoding read as a backslash,
    U and eight hex digits, which no JSON reader accepts, and it still exited 0.
    """
    with Ledger.open(
        f"sqlite:///{tmp_path / 'coledger.db'}", master_key=TEST_MASTER_KEY
    ) as ledger:
        admin = ledger.register_member("Admin", role="staff")
        ledger.establish_body("Bike \U0001f6b2 club", kind="governance", by=admin)
    printed = coledger("report", "--format", "json", cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr.decode()
    written = coledger("report", "--format", "json", "--out", "r.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr.decode()
    assert printed.stdout == (tmp_path / "r.json").read_bytes()
    (rung,) = json.loads(printed.stdout.decode("utf-8"))["ladder"]
    assert rung["name"] == "Bike \U0001f6b2 club"


def test_an_html_report_stays_the_utf8_it_declares_whatever_the_encoding(
    tmp_path: Path,
) -> None:
    """An HTML report printed to Latin-1 is its UTF-8 bytes, as --out writes it.

    The page says ``<meta charset="utf-8">``: printed in Latin-1, with letters
    beyond it escaped, a browser showed the organisation's name garbled.
    """
    with Ledger.open(
        f"sqlite:///{tmp_path / 'coledger.db'}", master_key=TEST_MASTER_KEY
    ) as ledger:
        ledger.register_member("Admin", role="staff")
    name = ("--organisation", "Zo\u00eb \u0141\u00f3d\u017a FC")
    printed = coledger("report", "--format", "html", *name, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr.decode()
    written = coledger(
        "report", "--format", "html", *name, "--out", "r.html", cwd=tmp_path
    )
    assert written.returncode == 0, written.stderr.decode()
    assert printed.stdout == (tmp_path / "r.html").read_bytes()
    assert "Zo\u00eb \u0141\u00f3d\u017a FC" in printed.stdout.decode("utf-8")


def test_a_verifier_key_of_a_non_ascii_origin_is_written_and_printed_exact(
    tmp_path: Path,
) -> None:
    """A non-ASCII origin's verifier key is written and printed as its UTF-8 bytes.

    The file was written as ASCII, which stopped with a traceback once the
    signing key was written, leaving an empty verifier file; and the printed
    key, escaped for Latin-1, named another key that no verifier could pin.
    """
    origin = "\u0142\u00f3d\u017a.example/ledger"
    made = coledger("keygen", "--name", origin, "--verifier-out", "v.txt", cwd=tmp_path)
    assert made.returncode == 0, made.stderr.decode()
    shared = (tmp_path / "v.txt").read_bytes()
    assert made.stdout.endswith(b"\n" + shared)
    assert Verifier.parse(shared.decode("utf-8")).name == origin
