"""A file named '-' means standard input or output, as every Unix tool reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli_helpers import KEY, make_demo, run

SOMEONE = "00000000-0000-0000-0000-000000000000"
ORIGIN = "test.example/l"


@pytest.fixture(scope="module")
def pristine_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo ledger made once through the console script, only ever copied."""
    return make_demo(tmp_path_factory)


@pytest.fixture
def ledger_dir(pristine_demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo ledger, its key file and a signing key with its verifier."""
    for path in pristine_demo.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    (tmp_path / "coledger.master-key").write_text(KEY + "\n")
    made = run(
        *("keygen", "--name", ORIGIN, "--verifier-out", "verifier.txt"),
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    return tmp_path


def files(folder: Path) -> dict[str, bytes]:
    """Every file in *folder*, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_report_out_dash_prints_the_report(ledger_dir: Path) -> None:
    """Report --out - prints what leaving out --out prints, and makes no file '-'."""
    printed = run("report", "--format", "json", cwd=ledger_dir)
    dashed = run("report", "--format", "json", "--out", "-", cwd=ledger_dir)
    assert dashed.returncode == 0, dashed.stderr
    assert dashed.stdout == printed.stdout
    assert not (ledger_dir / "-").exists()


NO_STDOUT = [
    ["export", "--out", "-"],
    ["subject-access", "--member", SOMEONE, "--out", "-"],
    ["audit-copy", "--out", "-"],
    ["checkpoint", "--signing-key", "signing-key.pem", "--out", "-"],
    ["keygen", "--name", ORIGIN, "--out", "-"],
    ["keygen", "--name", ORIGIN, "--out", "new.pem", "--verifier-out", "-"],
]


@pytest.mark.parametrize("command", NO_STDOUT, ids=" ".join)
def test_a_dash_where_no_output_is_printed_is_refused(
    ledger_dir: Path, command: list[str]
) -> None:
    """An --out - that cannot mean standard output exits 2 and writes nothing."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    option = command[-2]
    assert result.stderr.startswith(
        f"coledger: {option} '-' would mean standard output"
    )
    assert "./- for a file named '-'" in result.stderr
    assert files(ledger_dir) == before


def test_dot_slash_dash_still_names_a_file(ledger_dir: Path) -> None:
    """Export --out ./- writes the file '-', as a user who wants one would ask."""
    result = run("export", "--out", "./-", cwd=ledger_dir)
    assert result.returncode == 0, result.stderr
    assert (ledger_dir / "-").read_text().startswith('{"format": "coledger-export"')


def test_import_dash_reads_standard_input(ledger_dir: Path) -> None:
    """Import - loads the export piped to it."""
    made = run("export", "--out", "year.jsonl", cwd=ledger_dir)
    assert made.returncode == 0, made.stderr
    export = (ledger_dir / "year.jsonl").read_text()
    result = run("import", "--db", "copy.db", "-", cwd=ledger_dir, stdin=export)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Imported 1,781 events")


def test_checkpoint_key_and_signing_key_read_from_standard_input(
    ledger_dir: Path,
) -> None:
    """--checkpoint -, --key-file - and --signing-key - each read standard input."""
    pem = (ledger_dir / "signing-key.pem").read_text()
    signed = run(
        "checkpoint", "--signing-key", "-", "--out", "cp.txt", cwd=ledger_dir, stdin=pem
    )
    assert signed.returncode == 0, signed.stderr
    (ledger_dir / "coledger.master-key").unlink()
    report = run(
        "report",
        "--key-file",
        "-",
        cwd=ledger_dir,
        stdin=KEY,
        env={"COLEDGER_MASTER_KEY": ""},
    )
    assert report.returncode == 0, report.stderr
    checked = run(
        *("verify", "--trusted-key", "@verifier.txt", "--checkpoint", "-"),
        cwd=ledger_dir,
        stdin=(ledger_dir / "cp.txt").read_text(),
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.endswith("STATUS: VERIFIED\n")


def test_verify_receipt_dash_and_trusted_key_at_dash(ledger_dir: Path) -> None:
    """verify-receipt - reads the receipt, and --trusted-key @- the key, from stdin."""
    assert (
        run(
            "checkpoint",
            "--signing-key",
            "signing-key.pem",
            "--out",
            "cp.txt",
            cwd=ledger_dir,
        ).returncode
        == 0
    )
    receipt_file = ledger_dir / "no.receipt"
    receipt_file.write_text("not a receipt\n")
    verifier = (ledger_dir / "verifier.txt").read_text()
    result = run(
        "verify-receipt",
        "-",
        "--trusted-key",
        verifier.strip(),
        cwd=ledger_dir,
        stdin="not a receipt\n",
    )
    assert result.returncode == 1, result.stderr
    assert "MALFORMED" in result.stderr
    keyed = run(
        "verify-receipt",
        "no.receipt",
        "--trusted-key",
        "@-",
        cwd=ledger_dir,
        stdin=verifier,
    )
    assert keyed.returncode == 1, keyed.stderr
    assert "MALFORMED" in keyed.stderr


TWICE = [
    ["verify", "--trusted-key", "@-", "--checkpoint", "-"],
    ["verify", "--checkpoint", "-", "--checkpoint", "-"],
    [
        "prove",
        "--key-file",
        "-",
        "--proposal",
        SOMEONE,
        "--member",
        SOMEONE,
        "--checkpoint",
        "-",
    ],
    ["verify-receipt", "-", "--trusted-key", "@-"],
    ["checkpoint", "--key-file", "-", "--signing-key", "-"],
]


@pytest.mark.parametrize("command", TWICE, ids=" ".join)
def test_standard_input_named_twice_is_refused(
    ledger_dir: Path, command: list[str]
) -> None:
    """Two files read from one standard input exit 2 before anything is read."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir, stdin="x\n")
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert "standard input ('-') is named twice" in result.stderr
    assert files(ledger_dir) == before
