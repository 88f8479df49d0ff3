"""An --out never replaces a file the ledger depends on, and never names nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cli_helpers import KEY, make_demo, run
from coledger import Ledger
from coledger.cli import main

SOMEONE = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def pristine_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo ledger made once through the console script, only ever copied."""
    return make_demo(tmp_path_factory)


@pytest.fixture
def ledger_dir(pristine_demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo ledger, with key files and a second ledger named *.part."""
    for path in pristine_demo.iterdir():
        shutil.copy2(path, tmp_path / path.name)
    shutil.copy2(tmp_path / "coledger.db", tmp_path / "ledger.part")
    shutil.copy2(tmp_path / "coledger.db.keys", tmp_path / "ledger.part.keys")
    os.link(tmp_path / "coledger.db", tmp_path / "linked.db")
    (tmp_path / "coledger.master-key").write_text(KEY + "\n")
    (tmp_path / "other.key").write_text(KEY + "\n")
    for name in ("signing-key.pem", "other.pem"):
        made = run("keygen", "--name", "test.example/l", "--out", name, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    return tmp_path


def files(folder: Path) -> dict[str, bytes]:
    """Every file in *folder*, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


KEPT = [
    (["export", "--out", "coledger.db"], "it is the ledger's database"),
    (["report", "--out", "coledger.db.keys"], "it is the ledger's key store"),
    (
        [
            "checkpoint",
            *("--signing-key", "signing-key.pem"),
            *("--out", "coledger.master-key"),
        ],
        "it is the default master key file",
    ),
    (["report", "--out", "signing-key.pem"], "keygen's default signing key file"),
    (
        ["checkpoint", "--signing-key", "other.pem", "--out", "./other.pem"],
        "it is the signing key",
    ),
    (["report", "--key-file", "other.key", "--out", "other.key"], "master key file"),
    (
        ["subject-access", "--member", SOMEONE, "--out", "coledger.db-wal"],
        "a file SQLite keeps beside the ledger",
    ),
    (["audit-copy", "--out", "coledger.db.keys-shm"], "beside the ledger"),
    (["export", "--out", "linked.db"], "the ledger's database (coledger.db)"),
    (
        ["report", "--db", "ledger.part", "--out", "ledger"],
        "its part file ledger.part is the ledger's database",
    ),
]


@pytest.mark.parametrize(("command", "said"), KEPT, ids=[" ".join(c) for c, _ in KEPT])
def test_out_refuses_the_files_a_ledger_depends_on(
    ledger_dir: Path, command: list[str], said: str
) -> None:
    """An --out naming the ledger, a side file or a key exits 2 and changes nothing."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert said in result.stderr
    assert result.stderr.startswith("coledger: cannot write ")
    assert result.stderr.endswith("; name another file\n")
    assert files(ledger_dir) == before


EMPTY = [
    ["report", "--out", ""],
    ["export", "--out", ""],
    ["subject-access", "--member", SOMEONE, "--out", ""],
    ["checkpoint", "--signing-key", "signing-key.pem", "--out", ""],
    ["audit-copy", "--out", ""],
    ["keygen", "--name", "test.example/l", "--out", ""],
]


@pytest.mark.parametrize("command", EMPTY, ids=lambda c: c[0])
def test_an_empty_out_is_refused_with_one_message(
    ledger_dir: Path, command: list[str]
) -> None:
    """--out '' exits 2 with the same line for every command, and writes nothing."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "coledger: --out '' names no file: give a file name\n"
    assert files(ledger_dir) == before


def test_an_empty_verifier_out_is_refused(tmp_path: Path) -> None:
    """An empty --verifier-out of keygen exits 2; it is not taken as no option."""
    result = run(
        *("keygen", "--name", "test.example/l", "--out", "k.pem"),
        *("--verifier-out", ""),
        cwd=tmp_path,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert "--verifier-out '' names no file" in result.stderr
    assert list(tmp_path.iterdir()) == []


NOT_PLAIN = [
    (["export"], "name a plain file"),
    (["subject-access", "--member", SOMEONE], "name a plain file"),
    (["audit-copy"], "name a plain file"),
    (["report"], "leave out the option to print"),
]


@pytest.mark.parametrize(
    ("command", "hint"), NOT_PLAIN, ids=[c[0] for c, _ in NOT_PLAIN]
)
def test_an_out_that_is_no_plain_file_gets_a_hint_that_works(
    ledger_dir: Path, command: list[str], hint: str
) -> None:
    """Only a command that can print suggests leaving out a --out that is a device."""
    result = run(*command, "--out", os.devnull, cwd=ledger_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"coledger: cannot write {os.devnull}: not a plain")
    assert hint in result.stderr


FOLDER_NAMES = [[*command[:-1], "made/"] for command in EMPTY] + [
    ["keygen", "--name", "test.example/l", "--out", "k.pem", "--verifier-out", "made/"]
]


@pytest.mark.parametrize(
    "command", FOLDER_NAMES, ids=lambda c: " ".join(c[0:1] + c[-2:-1])
)
def test_an_out_ending_in_a_slash_names_a_folder_and_is_refused(
    ledger_dir: Path, command: list[str]
) -> None:
    """--out made/ exits 2: a folder was meant, and no file 'made' is written."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir)
    assert (result.returncode, result.stdout) == (2, "")
    option = command[-2]
    assert result.stderr == (
        f"coledger: {option} 'made/' ends in '/', so it names a folder: give "
        "a file name\n"
    )
    assert files(ledger_dir) == before
    assert not (ledger_dir / "made").exists()


DOT_NAMES = [
    [*command[:-1], name] for command in EMPTY for name in (".", "made/.", "..")
]


@pytest.mark.parametrize("command", DOT_NAMES, ids=lambda c: " ".join(c[0:1] + c[-1:]))
def test_an_out_ending_in_a_dot_names_a_folder_and_is_refused(
    ledger_dir: Path, command: list[str]
) -> None:
    """--out . (or made/., or ..) exits 2 with one line, never a traceback."""
    before = files(ledger_dir)
    result = run(*command, cwd=ledger_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        f"coledger: --out {command[-1]!r} names a folder: give a file name\n"
    )
    assert files(ledger_dir) == before
    assert not (ledger_dir / "made").exists()


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_a_report_on_stdout_is_the_file_out_writes(ledger_dir: Path, fmt: str) -> None:
    """A report printed to stdout is what --out writes, with no blank line added."""
    printed = run("report", "--format", fmt, cwd=ledger_dir)
    assert printed.returncode == 0, printed.stderr
    made = run("report", "--format", fmt, "--out", "r.out", cwd=ledger_dir)
    assert made.returncode == 0, made.stderr
    written = (ledger_dir / "r.out").read_text(encoding="utf-8")
    assert written.endswith("\n")
    assert not written.endswith("\n\n")
    assert printed.stdout == written


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["export"],
        ["subject-access", "--member", SOMEONE],
        ["checkpoint", "--signing-key", "signing-key.pem"],
    ],
    ids=lambda c: c[0],
)
def test_an_out_whose_part_file_is_a_folder_is_refused_before_any_work(
    ledger_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """A folder where FILE.part is written exits 2 before the ledger is opened."""
    monkeypatch.chdir(ledger_dir)
    (ledger_dir / "out.txt.part").mkdir()

    def no_work(*_: object, **__: object) -> None:
        raise AssertionError("the ledger was opened")

    monkeypatch.setattr(Ledger, "open", no_work)
    assert main([*command, "--out", "out.txt"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "coledger: cannot write out.txt: its part file out.txt.part is a folder, "
        "where the file is written before it is renamed; name another file\n"
    )
    assert (ledger_dir / "out.txt.part").is_dir()
    assert not (ledger_dir / "out.txt").exists()
