"""A command that cannot run exits 2 with one line, and leaves no file behind."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

import pytest

from cli_helpers import KEY, POLIS, make_demo, need_polis, run, tables
from coledger import Ledger, StorageError, _core, demo
from coledger.cli import _common, main, transfer_commands
from conftest import PG_BASE


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a demo ledger, made once through the console script."""
    return make_demo(tmp_path_factory)


def files(folder: Path) -> dict[str, bytes]:
    """Every file in *folder*, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


DAMAGED_COMMANDS = (
    ["report"],
    ["history", "--proposal", "00000000-0000-0000-0000-000000000000"],
    ["rebuild"],
    ["erasure-audit"],
    ["export", "--out", "x.jsonl"],
    [
        "subject-access",
        "--member",
        "00000000-0000-0000-0000-000000000000",
        "--out",
        "sar.json",
    ],
)


def test_a_damaged_ledger_file_exits_2_and_creates_nothing(
    demo_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A truncated copy of a ledger gives one storage line, no key store, no output."""
    need_polis()
    damaged = tmp_path / "trunc.db"
    damaged.write_bytes((demo_dir / "coledger.db").read_bytes()[:40000])
    before = files(tmp_path)
    result = run("report", "--db", "trunc.db", cwd=tmp_path)  # the console script
    assert (result.returncode, files(tmp_path)) == (2, before), result.stderr
    assert result.stderr.startswith("coledger: storage failed:"), result.stderr
    polis = ["import-polis", str(POLIS / "london.youth.policing")]
    for command in (*DAMAGED_COMMANDS, polis):
        code, said = in_process(
            [*command, "--db", "trunc.db"], tmp_path, capsys, monkeypatch
        )
        assert code == 2, (command, said)
        assert said.startswith("coledger: storage failed:"), said
        assert "trunc.db" in said
        assert said.count("\n") == 1, said
        assert files(tmp_path) == before, command


def in_process(
    argv: list[str],
    cwd: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[int, str]:
    """Run the command line's ``main`` in *cwd* with the test key: (exit code, stderr).

    The console script is this ``main`` behind an interpreter's start; tests
    that run dozens of commands run most of them here, and one through it.
    """
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    code = main(argv)
    return code, capsys.readouterr().err


def test_a_sqlite_file_that_is_not_a_ledger_is_refused_and_left_alone(
    demo_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another program's database, or the key store, exits 2 and gains no table.

    Each file meets the console script once and every command in process.
    """
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    (tmp_path / "demo.db.keys").write_bytes(
        (demo_dir / "coledger.db.keys").read_bytes()
    )
    (tmp_path / "empty.db").write_bytes(b"")
    before = files(tmp_path)
    for db in ("app.db", "demo.db.keys", "empty.db"):
        result = run("report", "--db", db, cwd=tmp_path)
        assert result.returncode == 2, (db, result.stderr)
        assert f"no ledger at {db}" in result.stderr, result.stderr
        for command in (*DAMAGED_COMMANDS, ["erase", "--reapply"]):
            argv = [*command, "--db", db]
            code, said = in_process(argv, tmp_path, capsys, monkeypatch)
            assert code == 2, (db, command, said)
            assert f"no ledger at {db}" in said, said
            assert said.count("\n") == 1, said
            assert files(tmp_path) == before, (db, command)
    assert tables(tmp_path / "app.db") == {"t"}


def test_a_live_wal_database_that_is_not_a_ledger_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another program's WAL database, open with its -wal file beside it, exits 2."""
    db = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()  # closing the connection checkpoints the table into the file
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO t VALUES (1)")  # the app is running: a -wal file
        conn.commit()
        assert (tmp_path / "app.db-wal").exists()
        code, said = in_process(
            ["report", "--db", "app.db"], tmp_path, capsys, monkeypatch
        )
        assert code == 2, said
        assert "no ledger at app.db" in said, said
        found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert {name for (name,) in found} == {"t"}
    assert not (tmp_path / "app.db.keys").exists()


def test_a_url_with_an_unbalanced_bracket_exits_2(tmp_path: Path) -> None:
    """A URL that urllib cannot split gives one line and exit 2, not a traceback."""
    for command in (["report"], ["demo"], ["verify"]):
        result = run(*command, "--db", "postgresql://u@[::1/db", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert "not a valid URL" in result.stderr
        assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_file_name_too_long_for_the_system_exits_2(
    demo_dir: Path, tmp_path: Path
) -> None:
    """--db, a Polis folder or --out past the name limit exit 2, writing nothing."""
    long = "y" * 300
    db = str(demo_dir / "coledger.db")
    commands = (
        ["report", "--db", f"{long}.db"],
        ["demo", "--db", f"{long}.db"],
        ["import-polis", long, "--db", "new.db"],
        ["export", "--db", db, "--out", f"{long}.jsonl"],
        ["report", "--db", db, "--out", f"{long}.txt"],
    )
    for command in commands:
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert "name too long" in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_out_whose_part_file_name_is_too_long_exits_2_before_any_work(
    demo_dir: Path, tmp_path: Path
) -> None:
    """An --out within the name limit, its FILE.part past it, is refused up front."""
    fits = "z" * 251 + ".txt"  # 255 bytes, the usual limit; FILE.part is 260
    db = str(demo_dir / "coledger.db")
    # The --body after it would be refused next: the file must be refused first.
    result = run("report", "--db", db, "--out", fits, "--body", "nope", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert "name too long" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


NO_KEY = {"COLEDGER_MASTER_KEY": ""}


def test_a_creating_command_makes_no_key_for_a_ledger_it_cannot_open(
    demo_dir: Path, tmp_path: Path
) -> None:
    """With no key, demo, import and import-polis on a kept ledger write no key file."""
    need_polis()
    export = tmp_path.parent / f"{tmp_path.name}-year.jsonl"
    made = run("export", "--out", str(export), cwd=demo_dir)
    assert made.returncode == 0, made.stderr
    for name in ("coledger.db", "coledger.db.keys"):
        (tmp_path / name).write_bytes((demo_dir / name).read_bytes())
    before = files(tmp_path)
    commands = (
        ["demo"],
        ["import", str(export)],
        ["import-polis", str(POLIS / "london.youth.policing")],
        ["demo", "--db", "coledger.db.keys"],  # a new key store, but no ledger
    )
    for command in commands:
        result = run(*command, cwd=tmp_path, env=NO_KEY)
        assert result.returncode == 2, (command, result.stderr)
        assert "Wrote a new master key" not in result.stderr
        assert files(tmp_path) == before, command
    export.unlink()


def test_a_creating_command_refuses_another_programs_database(
    demo_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """demo, import and import-polis exit 2 on a SQLite file of other tables alone."""
    need_polis()
    export = tmp_path.parent / f"{tmp_path.name}-year.jsonl"
    made = run("export", "--out", str(export), cwd=demo_dir)
    assert made.returncode == 0, made.stderr
    with contextlib.closing(sqlite3.connect(tmp_path / "app.db")) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    before = files(tmp_path)
    result = run("demo", "--db", "app.db", cwd=tmp_path, env=NO_KEY)
    assert result.returncode == 2, result.stderr
    assert "app.db" in result.stderr, result.stderr
    assert files(tmp_path) == before
    commands = (
        ["demo"],
        ["import", str(export)],
        ["import-polis", str(POLIS / "london.youth.policing")],
    )
    for command in commands:
        code, said = in_process(
            [*command, "--db", "app.db"], tmp_path, capsys, monkeypatch
        )
        assert code == 2, (command, said)
        assert "without a ledger's events" in said, said
        assert said.count("\n") == 1, said
        assert files(tmp_path) == before, command
    assert tables(tmp_path / "app.db") == {"t"}
    export.unlink()


def test_an_unusable_default_key_file_is_a_master_key_error(
    demo_dir: Path, tmp_path: Path
) -> None:
    """A folder, non-ASCII bytes or a dangling link as key file: exit 2, untouched."""
    db = str(demo_dir / "coledger.db")
    key_file = tmp_path / "coledger.master-key"
    cases: dict[str, Callable[[], object]] = {
        "folder": key_file.mkdir,
        "bytes": lambda: key_file.write_bytes(b"\xff\xfe"),
        "link": lambda: key_file.symlink_to(tmp_path / "nowhere"),
    }
    for case, make in cases.items():
        make()
        for command in (["report", "--db", db], ["demo", "--db", "new.db"]):
            result = run(*command, cwd=tmp_path, env=NO_KEY)
            assert result.returncode == 2, (case, command, result.stderr)
            assert "cannot read the key file" in result.stderr, result.stderr
            assert result.stderr.count("\n") == 1
        assert sorted(p.name for p in tmp_path.iterdir()) == [key_file.name]
        if case == "folder":
            key_file.rmdir()
        else:
            key_file.unlink()


def test_a_key_file_that_cannot_be_made_stops_before_the_ledger(
    tmp_path: Path,
) -> None:
    """Where the new key cannot be written, demo exits 2 and creates no ledger."""
    result = run(
        "demo", "--db", str(tmp_path / "new.db"), cwd=Path("/proc"), env=NO_KEY
    )
    assert result.returncode == 2, result.stderr
    assert "cannot write a new master key" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_new_master_key_is_on_disk_before_the_ledger_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo fsyncs a new key file and its folder before it makes the ledger."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")
    synced: list[str] = []
    seen_at_open: list[list[str]] = []
    real_fsync, real_open = os.fsync, Ledger.open

    def fsync(fd: int) -> None:
        synced.append(str(Path(f"/proc/self/fd/{fd}").readlink()))
        real_fsync(fd)

    def opening(*args: Any, **kwargs: Any) -> Ledger:
        seen_at_open.append(list(synced))
        return real_open(*args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Ledger, "open", staticmethod(opening))
    assert main(["demo", "--db", "new.db"]) == 0
    key_file = tmp_path / "coledger.master-key"
    assert key_file.stat().st_size > 0
    assert seen_at_open[0][-2:] == [str(key_file), str(tmp_path)]


def stopping(error: BaseException) -> Callable[..., int]:
    """A stand-in for Ledger.export that writes a line of personal data, then fails."""

    def export(_ledger: Ledger, out: TextIO, *_args: object) -> int:
        out.write('{"name": "Ana Example"}\n')
        out.flush()
        raise error

    return export


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), StorageError("the connection dropped")]
)
def test_an_interrupted_export_leaves_no_part_file(
    error: BaseException,
    demo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C or a storage failure midway removes FILE.part, and no FILE appears."""
    monkeypatch.setattr(Ledger, "export", stopping(error))
    argv = ["export", "--db", str(demo_dir / "coledger.db")]
    with contextlib.suppress(KeyboardInterrupt):
        assert main([*argv, "--out", str(tmp_path / "x.jsonl")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_another_process_erases_a_member_under_leaves_no_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An erasure between export pages exits 2 and leaves no FILE or FILE.part.

    The lines written before it hold the member's name in clear, and the
    export ends before the event that says they were erased.
    """
    monkeypatch.setattr(_core, "HISTORY_PAGE", 1)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    url = f"sqlite:///{tmp_path / 'club.db'}"
    with Ledger.open(url) as writer:
        admin = writer.register_member("Admin", role="staff")
        sam = writer.register_member("Sam Example", by=admin)
        writer.register_member("Kim Example", by=admin)

        class Erasing:
            def __init__(self, *_: object, **__: object) -> None:
                pass

            def __call__(self, done: int, _total: int) -> None:
                if done == 2:  # sam's name is written
                    writer.erase_member(sam, by=admin)

        monkeypatch.setattr(transfer_commands, "Progress", Erasing)
        code, said = in_process(
            ["export", "--db", "club.db", "--out", "x.jsonl"],
            tmp_path,
            capsys,
            monkeypatch,
        )
    assert code == 2, said
    assert "export again" in said
    assert list(tmp_path.glob("x.jsonl*")) == []


def test_an_export_and_its_part_file_are_readable_by_the_owner_alone(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The export holds personal data in clear: mode 0600 from its first byte."""
    seen: list[int] = []
    real = Ledger.export

    def export(ledger: Ledger, out: TextIO, *args: Any) -> int:
        seen.append(stat.S_IMODE(os.fstat(out.fileno()).st_mode))
        return real(ledger, out, *args)

    monkeypatch.setattr(Ledger, "export", export)
    out = tmp_path / "x.jsonl"
    argv = ["export", "--db", str(demo_dir / "coledger.db"), "--out", str(out)]
    old = os.umask(0o022)
    try:
        assert main(argv) == 0
    finally:
        os.umask(old)
    assert seen == [0o600]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        (["report", "--audience", "members"], 0o640, 0o640),
        (["report", "--audience", "members"], 0o400, 0o400),
        (["export"], 0o644, 0o600),  # personal data: never wider than its owner
        (["export"], 0o400, 0o400),
    ],
    ids=["report 0640", "report 0400", "export 0644", "export 0400"],
)
def test_an_out_that_replaces_a_file_keeps_its_permissions(
    command: list[str], before: int, after: int, demo_dir: Path, tmp_path: Path
) -> None:
    """Replacing FILE keeps the mode its owner gave it, narrowed to 0600 if private."""
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(before)
    argv = [*command, "--db", str(demo_dir / "coledger.db"), "--out", str(out)]
    old = os.umask(0o022)
    try:
        assert main(argv) == 0
    finally:
        os.umask(old)
    assert out.read_text(encoding="utf-8") != "old\n"
    assert stat.S_IMODE(out.stat().st_mode) == after


def test_an_interrupted_report_out_leaves_no_part_file(
    demo_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C just before report --out renames FILE.part removes it; no FILE."""

    def interrupted(*_args: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    argv = ["report", "--db", str(demo_dir / "coledger.db")]
    with pytest.raises(KeyboardInterrupt):
        main([*argv, "--out", str(tmp_path / "r.txt")])
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_report_checks_its_out_file_before_opening_the_ledger(
    demo_dir: Path, tmp_path: Path
) -> None:
    """An --out that cannot be written is named first, before the key is looked at."""
    for name in ("coledger.db", "coledger.db.keys"):
        copy = tmp_path / name.replace("coledger", "copy")
        copy.write_bytes((demo_dir / name).read_bytes())
    before = files(tmp_path)
    result = run(
        "report", "--db", "copy.db", "--out", "nodir/x.txt",
        cwd=tmp_path, env={"COLEDGER_MASTER_KEY": ""},
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == "coledger: cannot write nodir/x.txt: no folder nodir\n"
    assert files(tmp_path) == before


@pytest.mark.parametrize(
    "command",
    [["report"], ["export"], ["subject-access", "--member", str(UUID(int=1))]],
    ids=lambda c: c[0],
)
def test_an_out_in_a_folder_it_may_not_write_is_refused_before_any_work(
    command: list[str],
    demo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An --out in a folder the user may not write exits 2 before the ledger opens.

    The check asks the system (os.access), as it would answer a user who is not
    root; the tests run as root, which may write anywhere, so its answer is faked.
    """
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access

    def access(path: Any, mode: int, **kwargs: Any) -> bool:
        if Path(path).absolute() == locked and mode & os.W_OK:
            return False
        return real(path, mode, **kwargs)

    def opened(*_args: object, **_kwargs: object) -> Ledger:
        raise AssertionError("the ledger was opened")

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(Ledger, "open", opened)
    out = locked / "out.txt"
    db = str(demo_dir / "coledger.db")
    assert main([*command, "--db", db, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"coledger: cannot write {out}: no permission to make a file in {locked}\n"
    )
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize(
    "error", [KeyboardInterrupt(), StorageError("database or disk is full")]
)
def test_a_failed_import_into_a_new_ledger_leaves_no_ledger_or_key(
    error: BaseException,
    demo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C or a full disk during an import into a new file removes what it made."""
    export = tmp_path / "year.jsonl"
    made = run("export", "--out", str(export), cwd=demo_dir)
    assert made.returncode == 0, made.stderr

    def failing(*_args: object) -> None:
        raise error

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")  # so a new key file is made
    monkeypatch.setattr(Ledger, "import_events", failing)
    with contextlib.suppress(KeyboardInterrupt):
        assert main(["import", str(export), "--db", "new.db"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["year.jsonl"]


@pytest.mark.postgres
def test_a_failed_import_into_a_new_schema_keeps_the_key_its_store_was_made_with(
    demo_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pg_schema: str,
) -> None:
    """The schema keeps its new key store after a failed import, so the key stays.

    Removed, it would leave a store no key opens: every later command on the
    schema would be refused for want of the key it was made with.
    """
    export = tmp_path / "year.jsonl"
    made = run("export", "--out", str(export), cwd=demo_dir)
    assert made.returncode == 0, made.stderr
    real = Ledger.import_events

    def failing(*_args: object) -> None:
        raise StorageError("the connection was lost")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")  # so a new key file is made
    monkeypatch.setattr(Ledger, "import_events", failing)
    url = f"{PG_BASE}?schema={pg_schema}"
    assert main(["import", str(export), "--db", url]) == 2
    assert (tmp_path / "coledger.master-key").exists()
    monkeypatch.setattr(Ledger, "import_events", real)
    assert main(["import", str(export), "--db", url]) == 0


def test_a_demo_whose_year_fails_part_way_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A year stopped part way (a full disk) takes its new ledger file and key too."""

    def full(ledger: Ledger, seed: int) -> None:
        ledger.register_member("First of the year")
        raise StorageError("key store new.db.keys: database or disk is full")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")  # so a new key file is made
    monkeypatch.setattr(demo, "record_year", full)
    assert main(["demo", "--db", "new.db"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_demo_whose_new_ledger_fails_to_open_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new ledger file that cannot be set up (a full disk) is removed with its key."""

    def full(*_args: object, **_kwargs: object) -> Ledger:
        (tmp_path / "new.db").write_bytes(b"")  # SQLite makes the file first
        raise StorageError("cannot open the ledger new.db: database or disk is full")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")  # so a new key file is made
    monkeypatch.setattr(Ledger, "open", staticmethod(full))
    assert main(["demo", "--db", "new.db"]) == 2
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)  # a key that needs no file
    assert main(["demo", "--db", "new.db"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_an_import_beaten_to_a_new_file_leaves_the_winners_ledger(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An import refused because another import filled the new file first keeps it."""
    with Ledger.open("memory://") as source:
        source.register_member("Ana Example")
        (tmp_path / "year.jsonl").write_text(
            "\n".join(_export_lines(source)) + "\n", encoding="utf-8"
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    real = _common.open_creating

    def after_another_import(args: Any, url: str) -> Ledger:
        # Another process imports the same file into the same new ledger first.
        lines = (tmp_path / "year.jsonl").read_text(encoding="utf-8").splitlines()
        with Ledger.open(url) as other:
            other.import_events(lines)
        return real(args, url)

    monkeypatch.setattr(transfer_commands, "open_creating", after_another_import)
    assert main(["import", "year.jsonl", "--db", "copy.db"]) == 1
    assert "already holds 1 events" in capsys.readouterr().err
    assert (tmp_path / "copy.db").exists()
    assert (tmp_path / "copy.db.keys").exists()
    with Ledger.open("sqlite:///copy.db") as copy:
        assert [m.name for m in copy.members()] == ["Ana Example"]


def _export_lines(ledger: Ledger) -> list[str]:
    """The export of *ledger*, line by line."""
    out = io.StringIO()
    ledger.export(out)
    return out.getvalue().splitlines()
