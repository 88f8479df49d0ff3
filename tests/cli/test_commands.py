"""Every command through the real console script: its output, exit codes, bad input."""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import pytest

import coledger
from cli_helpers import COLEDGER, KEY, POLIS, make_demo, need_polis, rows, run
from coledger import Ledger
from coledger.cli import build_parser, main
from coledger.demo import format_headlines
from coledger.integrity import SigningKey, Verifier
from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a demo ledger, made once through the console script."""
    return make_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def pristine_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo ledger made once through the console script, only ever copied."""
    return make_demo(tmp_path_factory)


def copy_demo(pristine: Path, folder: Path) -> None:
    """Put a copy of the pristine demo ledger (and its key store) in *folder*.

    The same files ``coledger demo`` would write there, in milliseconds: tests
    that change the ledger (erasure, following) each start from their own.
    """
    for path in pristine.iterdir():
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    assert rows(folder / "coledger.db") == rows(pristine / "coledger.db") > 0


def ids(folder: Path) -> dict[str, str]:
    """A proposal, a project and two members of the demo ledger, by role."""
    with Ledger.open(f"sqlite:///{folder / 'coledger.db'}", master_key=KEY) as ledger:
        proposal = ledger.proposals()[0]
        project = ledger.projects()[0]
        members = ledger.members()
    return {
        "proposal": str(proposal.id),
        "project": str(project.id),
        "admin": str(members[0].id),
        "member": str(members[-1].id),
    }


def test_demo_summarises_what_it_recorded(demo_dir: Path) -> None:
    """The demo prints its summary, headline figures and each project's rung."""
    result = run("demo", "--db", "again.db", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "Proposals raised, by the role of the first proposer" in result.stdout
    assert "Headline figures" in result.stdout
    assert "Summer Festival" in result.stdout
    assert rows(demo_dir / "again.db") > 1000


def test_demo_headlines_never_round_onto_a_cut() -> None:
    """The demo shows 140 of 156 on time as 89.7%, not 90% beside "shortfall"."""
    x1 = Figure("X1", 140 / 156, 156, 1.0, "shortfall")
    d3 = Figure("D3", 1.08, 27, 1.0, "parity")
    report = PowerSharingReport(
        Scope.ledger(), None, None, 1, {"X1": x1, "D3": d3}, (), ()
    )
    text = format_headlines(report)
    assert "89.7% (shortfall)  n=156" in text
    assert "1.08 (parity)  n=27" in text


def test_demo_refuses_a_ledger_that_holds_events(demo_dir: Path) -> None:
    """A second demo into the same file is refused, and writes nothing."""
    before = rows(demo_dir / "coledger.db")
    result = run("demo", cwd=demo_dir)
    assert result.returncode == 1
    assert "already holds" in result.stderr
    assert rows(demo_dir / "coledger.db") == before


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    """`coledger --version` prints the installed version and exits 0."""
    done = run("--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"coledger {coledger.__version__}"
    assert not list(tmp_path.iterdir())


def test_no_command_lists_the_commands(tmp_path: Path) -> None:
    """`coledger` alone is bad usage that lists every command, not just the usage."""
    done = run(cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    (commands,) = (
        action.choices
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert len(commands) > 10
    for command in commands:
        assert f"\n    {command}" in done.stderr
    assert "a COMMAND is needed" in done.stderr
    assert not list(tmp_path.iterdir())


def test_a_wrong_url_is_a_usage_error(tmp_path: Path) -> None:
    """An unknown storage scheme exits 2 with one line naming the URL."""
    result = run("history", "--db", "mysql://x/y", "--project", "x", cwd=tmp_path)
    assert result.returncode == 2
    assert "mysql://x/y" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_a_password_in_a_url_query_is_not_printed(tmp_path: Path) -> None:
    """A PostgreSQL URL's ?password= is shown as *** in the one line that refuses it."""
    url = "postgresql://postgres@127.0.0.1:5432/test?password=hunter2"
    result = run("report", "--db", url, cwd=tmp_path)
    assert result.returncode == 2
    assert "hunter2" not in result.stderr
    assert result.stderr == (
        "coledger: 'postgresql://postgres@127.0.0.1:5432/test?password=***': "
        "unknown options ['password']\n"
    )


@pytest.mark.parametrize("db", ["postgresql:/", "postgresql:", "POSTGRES:/"])
def test_a_url_a_slash_short_is_refused_as_a_url_not_read_as_a_path(
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--db postgresql:/user:pw@host/db is refused for its slashes, password hidden."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    url = f"{db}alice:hunter2@db.example.org/ledgers"
    for command in (["report"], ["demo"]):
        assert main([*command, "--db", url]) == 2, command
        said = capsys.readouterr().err
        assert "hunter2" not in said
        assert "alice:***@db.example.org/ledgers" in said
        assert "two slashes after the scheme" in said
    assert list(tmp_path.iterdir()) == []


def test_demo_and_import_keep_a_file_named_as_the_new_ledgers_journal(
    demo_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--db board beside a file board-journal exits 2, keeps it and makes nothing."""
    export = tmp_path / "ledger.jsonl"
    db = str(demo_dir / "coledger.db")
    assert main(["export", "--db", db, "--out", str(export)]) == 0
    folder = tmp_path / "ledgers"
    folder.mkdir()
    monkeypatch.chdir(folder)
    other = folder / "board-journal"
    other.write_bytes(b"another ledger")
    capsys.readouterr()
    for command in (["demo"], ["import", str(export)]):
        assert main([*command, "--db", "board"]) == 2, command
        assert "board-journal exists" in capsys.readouterr().err
    assert other.read_bytes() == b"another ledger"
    assert [p.name for p in folder.iterdir()] == ["board-journal"]


def test_history_tells_who_did_what(demo_dir: Path) -> None:
    """History lists a proposal's events in order, with names and plain words."""
    known = ids(demo_dir)
    result = run("history", "--proposal", known["proposal"], cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "raised the proposal" in lines[0]
    assert any("recorded the decision" in line for line in lines)
    as_json = run("history", "--project", known["project"], "--json", cwd=demo_dir)
    entries = json.loads(as_json.stdout)
    positions = [e["position"] for e in entries]
    assert positions == sorted(positions)
    assert entries[0]["kind"] == "Project.Started"


def test_history_of_an_unknown_id_is_refused(demo_dir: Path) -> None:
    """An id that names no proposal exits 1; a malformed one exits 2."""
    unknown = run(
        "history", "--proposal", "00000000-0000-0000-0000-000000000001", cwd=demo_dir
    )
    assert unknown.returncode == 1
    assert "no proposal with id" in unknown.stderr
    malformed = run("history", "--proposal", "not-an-id", cwd=demo_dir)
    assert malformed.returncode == 2
    assert "not a proposal id" in malformed.stderr


def test_history_keeps_a_text_of_several_lines_on_its_entrys_line(
    tmp_path: Path,
) -> None:
    """A comment's line breaks cannot start an output line that reads as an entry."""
    forged = "2025-01-01 10:00  #9      Admin: recorded the decision: adopted"
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as led:
        admin = led.register_member("Admin", role="staff")
        mo = led.register_member("Mo", by=admin)
        board = led.establish_body("Board", kind="governance", by=admin)
        proposal = led.raise_proposal(board, proposers=[admin], title="T", text="x")
        said = f"Fine by me.\n{forged}\r\n\nThird line\nfourth"
        led.comment(proposal, author=mo, text=said)
    result = run("history", "--proposal", str(proposal), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].endswith(
        f"Mo: commented (meeting): Fine by me. / {forged} / Third line / fourth"
    )
    as_json = run("history", "--proposal", str(proposal), "--json", cwd=tmp_path)
    assert json.loads(as_json.stdout)[1]["text"] == f"commented (meeting): {said}"


def test_history_gives_each_time_with_its_offset(tmp_path: Path) -> None:
    """History gives times with their UTC offsets, so two zones are not confused."""
    paris = timezone(timedelta(hours=1))
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as led:
        admin = led.register_member("Admin", role="staff")
        board = led.establish_body("Board", kind="governance", by=admin)
        project = led.start_project(
            "Festival",
            label="co_production",
            by=admin,
            occurred_at=datetime(2025, 1, 17, 14, 46, tzinfo=paris),
        )
        led.schedule_meeting(
            board,
            kind="decision_meeting",
            title="Vote",
            starts_at=datetime(2025, 2, 1, 18, 30, tzinfo=paris),
            by=admin,
            project=project,
            occurred_at=datetime(2025, 1, 17, 14, 0, tzinfo=UTC),
        )
    result = run("history", "--project", str(project), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.startswith("2025-01-17 14:46 +01:00  #")
    assert second.startswith("2025-01-17 14:00 +00:00  #")
    assert second.endswith(
        "called the meeting 'Vote' (decision meeting) for 2025-02-01 18:30 +01:00"
    )


def test_export_then_import_gives_the_same_projections(
    demo_dir: Path, tmp_path: Path
) -> None:
    """Exporting the demo and importing it into a fresh file reproduces every figure."""
    export = tmp_path / "ledger.jsonl"
    result = run(
        "export",
        "--db",
        str(demo_dir / "coledger.db"),
        "--out",
        str(export),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    header = json.loads(export.read_text().splitlines()[0])
    assert header["format"] == "coledger-export"
    imported = run("import", str(export), "--db", "copy.db", "--json", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["events"] == header["events"]
    with (
        Ledger.open(f"sqlite:///{demo_dir / 'coledger.db'}", master_key=KEY) as a,
        Ledger.open(f"sqlite:///{tmp_path / 'copy.db'}", master_key=KEY) as b,
    ):
        assert a.power_sharing().to_json() == b.power_sharing().to_json()
        key = SigningKey.generate("copy.example/ledger")
        checkpoint = b.checkpoint(key)
        report = b.verify(Verifier.parse(key.verifier), [checkpoint.note])
        assert report.status == "VERIFIED", report.to_text()
        assert report.size == header["events"]


def test_import_of_a_malformed_row_names_it_and_writes_nothing(
    demo_dir: Path, tmp_path: Path
) -> None:
    """A damaged line is named with its number; the target ledger stays empty."""
    export = tmp_path / "ledger.jsonl"
    run(
        "export",
        "--db",
        str(demo_dir / "coledger.db"),
        "--out",
        str(export),
        cwd=tmp_path,
    )
    lines = export.read_text().splitlines()
    lines[40] = lines[40].replace('"originator_version": ', '"originator_version": 9')
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n")
    # No master key in the environment: a ledger opened for the file would make one.
    result = run(
        "import",
        str(broken),
        "--db",
        "target.db",
        cwd=tmp_path,
        env={"COLEDGER_MASTER_KEY": ""},
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"coledger: {broken}, line 41: ")
    assert result.stderr.count("\n") == 1
    made = {p.name for p in tmp_path.iterdir()} - {"ledger.jsonl", "broken.jsonl"}
    assert made == set(), made


def test_import_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    """A file that does not exist exits 2, naming it, and creates no ledger."""
    result = run("import", "nowhere.jsonl", "--db", "target.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere.jsonl" in result.stderr
    assert not (tmp_path / "target.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["import", "missing\nSTATUS: VERIFIED", "--db", "target.db"],
        ["import-polis", "missing\rfolder", "--db", "target.db"],
        ["report", "--key-file", "no\nkey", "--db", "target.db"],
        ["keygen", "--name", "x", "--out", "no-folder/a\u2028b.pem"],
    ],
    ids=["import", "import-polis", "key-file", "keygen"],
)
def test_a_file_name_holding_a_line_break_is_refused_on_one_line(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A name holding a line break is shown escaped, so the refusal stays one line."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "target.db").touch()
    assert main(args) == 2
    said = capsys.readouterr().err
    assert said.startswith("coledger: ")
    assert len(said.splitlines()) == 1, said
    assert list(tmp_path.iterdir()) == [tmp_path / "target.db"]


@pytest.mark.parametrize(
    "args",
    [
        ["import", "missing\u202eDEIFIREV :SUTATS", "--db", "target.db"],
        ["verify", "--checkpoint", "kept\u2067.txt", "--db", "target.db"],
        ["report", "--db", "ledger\u202b.db"],
    ],
    ids=["import", "verify", "db"],
)
def test_a_file_name_holding_a_direction_control_is_refused_in_order(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A direction control in a name is shown escaped, as a storage failure shows it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "target.db").touch()
    assert main(args) == 2
    said = capsys.readouterr().err
    assert said.startswith("coledger: ")
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", said), ascii(said)
    assert re.search(r"\\u(202e|2067|202b)", said), said
    assert list(tmp_path.iterdir()) == [tmp_path / "target.db"]


def test_export_to_an_unwritable_place_leaves_no_file(
    demo_dir: Path, tmp_path: Path
) -> None:
    """An export that cannot be written exits 2 and leaves nothing behind."""
    out = tmp_path / "missing-folder" / "x.jsonl"
    result = run(
        "export", "--db", str(demo_dir / "coledger.db"), "--out", str(out), cwd=tmp_path
    )
    assert result.returncode == 2
    assert "cannot write" in result.stderr
    assert not out.parent.exists()


def test_rebuild_fills_the_projection_tables(demo_dir: Path) -> None:
    """Rebuild writes the figures into SQL tables any tool can read."""
    result = run("rebuild", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    assert "Rebuilt the projection tables" in result.stdout
    with sqlite3.connect(demo_dir / "coledger.db") as conn:
        codes = {r[0] for r in conn.execute("SELECT code FROM coledger_figures")}
        (tracked,) = conn.execute("SELECT position FROM coledger_tracking").fetchone()
    assert {"R1", "D1", "X1"} <= codes
    assert tracked == rows(demo_dir / "coledger.db")


def test_rebuild_without_the_master_key_is_a_usage_error(demo_dir: Path) -> None:
    """Commands that read personal data exit 2 when no master key is available."""
    env_less = {k: v for k, v in os.environ.items() if k != "COLEDGER_MASTER_KEY"}
    result = subprocess.run(
        [COLEDGER, "rebuild", "--db", str(demo_dir / "coledger.db")],
        cwd=demo_dir.parent,
        env=env_less,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "master key" in result.stderr


def test_no_key_for_a_kept_key_store_asks_for_its_own_key_not_a_new_one(
    pristine_demo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ledger copied away from its key file is told to find that key, not make one."""
    for name in ("coledger.db", "coledger.db.keys"):
        shutil.copy2(pristine_demo / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", "")
    assert main(["report"]) == 2
    said = capsys.readouterr().err
    assert said.startswith("coledger: no master key: COLEDGER_MASTER_KEY is empty; ")
    assert "only the master key it was made with opens it" in said
    assert "./coledger.master-key" in said
    assert "Ledger.open" not in said
    assert "keygen --master makes one" not in said
    # A ledger with no key store yet (an audit copy) keeps the general advice.
    (tmp_path / "coledger.db.keys").unlink()
    assert main(["report"]) == 2
    assert "keygen --master makes one" in capsys.readouterr().err


def test_a_lost_key_store_is_not_blamed_on_the_master_key(
    pristine_demo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ledger whose .keys file is gone says to restore it, not to pass another key."""
    shutil.copy2(pristine_demo / "coledger.db", tmp_path / "coledger.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    assert main(["report"]) == 2
    said = capsys.readouterr().err
    assert "key store was lost or moved; restore it" in said, said
    assert "--key-file" not in said, said
    assert said.count("\n") == 1, said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coledger.db"]


def test_erase_shreds_a_member(pristine_demo: Path, tmp_path: Path) -> None:
    """Erase makes a name unreadable; a wrong id is refused and writes nothing."""
    copy_demo(pristine_demo, tmp_path)
    known = ids(tmp_path)
    before = rows(tmp_path / "coledger.db")
    bad = run(
        "erase",
        "--member",
        "00000000-0000-0000-0000-000000000002",
        "--by",
        known["admin"],
        cwd=tmp_path,
    )
    assert bad.returncode == 1
    assert rows(tmp_path / "coledger.db") == before
    incomplete = run("erase", "--member", known["member"], cwd=tmp_path)
    assert incomplete.returncode == 2
    result = run(
        "erase", "--member", known["member"], "--by", known["admin"], cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert rows(tmp_path / "coledger.db") == before + 1
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as ledger:
        assert ledger.member(UUID(known["member"])).name == "[erased]"
    again = run("erase", "--reapply", cwd=tmp_path)
    assert again.returncode == 0
    assert "Destroyed 0 key(s) again" in again.stdout


def test_erasure_audit_passes_then_finds_a_key_destroyed_unrecorded(
    pristine_demo: Path,
    tmp_path: Path,
) -> None:
    """erasure-audit exits 0 on the demo, 1 once a key is destroyed behind its back."""
    copy_demo(pristine_demo, tmp_path)
    clean = run("erasure-audit", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip().endswith("OK")
    with sqlite3.connect(tmp_path / "coledger.db.keys") as keys:
        (key_id,) = keys.execute(
            "SELECT key_id FROM member_keys WHERE purpose = 'identity' "
            "AND wrapped IS NOT NULL LIMIT 1"
        ).fetchone()
        keys.execute(
            "UPDATE member_keys SET wrapped = NULL WHERE key_id = ?", (key_id,)
        )
    found = run("erasure-audit", "--json", cwd=tmp_path)
    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert [(f["code"], f["key_id"]) for f in report["findings"]] == [
        ("KEY_MISSING_UNEXPLAINED", key_id)
    ]
    missing = run("erasure-audit", "--db", "elsewhere.db", cwd=tmp_path)
    assert missing.returncode == 2
    assert not (tmp_path / "elsewhere.db").exists()


def test_report_renders_each_audience_and_format(
    demo_dir: Path, tmp_path: Path
) -> None:
    """Report prints text, JSON and a self-contained HTML file for each audience."""
    board = run("report", cwd=demo_dir)
    assert board.returncode == 0, board.stderr
    assert "R1" in board.stdout
    public = run("report", "--audience", "public", "--format", "json", cwd=demo_dir)
    data = json.loads(public.stdout)
    assert data["audience"] == "public"
    out = tmp_path / "members.html"
    members = run(
        "report",
        "--audience",
        "members",
        "--format",
        "html",
        "--out",
        str(out),
        "--group",
        "trainers",
        cwd=demo_dir,
    )
    assert members.returncode == 0, members.stderr
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "trainers" in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_report_from_the_tables_reads_what_rebuild_wrote(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """Report --tables prints what a fold does, without folding; it says if it lags."""
    folder = tmp_path
    copy_demo(pristine_demo, folder)
    db = folder / "coledger.db"
    never_built = run("report", "--tables", cwd=folder)
    assert never_built.returncode == 1
    assert "hold no figures" in never_built.stderr
    assert run("rebuild", cwd=folder).returncode == 0
    folded = run("report", "--format", "json", cwd=folder)
    read = run("report", "--tables", "--format", "json", cwd=folder)
    assert read.returncode == 0, read.stderr
    assert read.stdout == folded.stdout  # the same bytes, evidence in its order
    assert not read.stderr
    as_text = run("report", "--tables", cwd=folder).stdout
    assert as_text == run("report", cwd=folder).stdout
    with Ledger.open(f"sqlite:///{db}", master_key=KEY) as ledger:
        ledger.register_member("Late Joiner")
        head = ledger.position
    behind = run("report", "--tables", "--format", "json", cwd=folder)
    assert behind.returncode == 0, behind.stderr
    assert json.loads(behind.stdout) == json.loads(folded.stdout)
    assert f"{head - 1:,} of {head:,} events" in behind.stderr
    period = run("report", "--tables", "--since", "2025-01-01", cwd=folder)
    assert period.returncode == 2
    assert "all-time" in period.stderr
    assert rows(db) == head


def test_report_small_cell_is_set_per_audience(demo_dir: Path) -> None:
    """--small-cell sets the public or members' limit; the board has none to set."""
    default = run("report", "--audience", "public", "--format", "json", cwd=demo_dir)
    assert json.loads(default.stdout)["small_cell"] == 5
    public = run(
        "report",
        *("--audience", "public", "--format", "json", "--small-cell", "10"),
        cwd=demo_dir,
    )
    assert public.returncode == 0, public.stderr
    assert json.loads(public.stdout)["small_cell"] == 10
    members = run(
        "report",
        *("--audience", "members", "--format", "json", "--small-cell", "8"),
        cwd=demo_dir,
    )
    assert json.loads(members.stdout)["small_cell"] == 8
    board = run("report", "--small-cell", "10", cwd=demo_dir)
    assert board.returncode == 2
    assert "--small-cell" in board.stderr
    for k in ("1", "1001"):  # bad usage, exiting as the board's misuse does
        bad = run("report", "--audience", "public", "--small-cell", k, cwd=demo_dir)
        assert (bad.returncode, bad.stdout) == (2, "")
        assert bad.stderr == (
            f"coledger: --small-cell {k}: small_cell must be a whole number "
            "from 2 to 1000\n"
        )


def test_report_refuses_bad_input(demo_dir: Path) -> None:
    """A bad date or an unknown body is refused with one line; nothing is written."""
    before = rows(demo_dir / "coledger.db")
    bad_date = run("report", "--since", "last tuesday", cwd=demo_dir)
    assert bad_date.returncode == 2
    assert "not a date" in bad_date.stderr
    unknown = run(
        "report", "--body", "00000000-0000-0000-0000-000000000003", cwd=demo_dir
    )
    assert unknown.returncode == 1
    assert "no body with id" in unknown.stderr
    assert rows(demo_dir / "coledger.db") == before


def test_report_reads_the_end_of_a_day_as_iso_8601_writes_it(demo_dir: Path) -> None:
    """An --until of 24:00, ISO 8601's end of a day, is the next day's midnight."""
    day_end = run(
        "report", "--format", "json", "--until", "2025-06-30T24:00", cwd=demo_dir
    )
    assert day_end.returncode == 0, day_end.stderr
    midnight = run("report", "--format", "json", "--until", "2025-07-01", cwd=demo_dir)
    assert json.loads(day_end.stdout) == json.loads(midnight.stdout)
    text = run("report", "--until", "2025-06-30T24:00:00+02:00", cwd=demo_dir)
    assert "Period: up to 1 July 2025, 00:00 UTC+02:00" in text.stdout, text.stderr
    for hour in ("2025-06-30T24:01", "2025-06-30T24:00:00.5", "2025-06-30T25:00"):
        wrong = run("report", "--until", hour, cwd=demo_dir)
        assert (wrong.returncode, wrong.stdout) == (2, ""), hour
        assert "is not a date" in wrong.stderr


def test_report_refuses_a_date_joined_to_a_time_by_a_sign(demo_dir: Path) -> None:
    """A date followed by an offset is refused, not read as that day's hour."""
    for value in ("2025-03-01+01:00", "2025-03-01-05:00", "2025-03-01x10:00"):
        odd = run("report", "--since", value, "--out", "odd.txt", cwd=demo_dir)
        assert (odd.returncode, odd.stdout) == (2, ""), value
        assert "is not a date" in odd.stderr, value
        assert not (demo_dir / "odd.txt").exists()
    week = run("report", "--since", "2025-W10-1", "--until", "20250401", cwd=demo_dir)
    assert "Period: 3 March 2025 to 31 March 2025" in week.stdout, week.stderr


def test_report_refuses_a_period_running_backwards_as_usage(tmp_path: Path) -> None:
    """A --since not before --until is bad usage (exit 2) named by its options.

    It is refused before the ledger is opened, so a mistyped ledger path does
    not hide it, and nothing is written.
    """
    for since, until in (("2025-07-01", "2025-01-01"), ("2025-03-01", "2025-03-01")):
        backwards = run(
            "report", "--since", since, "--until", until, "--db", "none.db",
            "--out", "r.txt", cwd=tmp_path,
        )  # fmt: skip
        assert (backwards.returncode, backwards.stdout) == (2, ""), since
        assert backwards.stderr == (
            f"coledger: --since {since} must come before --until {until}\n"
        )
        assert list(tmp_path.iterdir()) == []


def test_report_names_the_option_of_a_date_outside_the_records_years(
    demo_dir: Path,
) -> None:
    """A --since or --until outside the years a record holds is usage, exit 2."""
    for option, value in (("--since", "0001-01-01"), ("--until", "9999-12-31T24:00")):
        far = run("report", option, value, "--out", "far.txt", cwd=demo_dir)
        assert (far.returncode, far.stdout) == (2, ""), option
        assert far.stderr.startswith(f"coledger: {option} "), far.stderr
        assert "outside the years 1800 to 2199" in far.stderr
        assert not (demo_dir / "far.txt").exists()


def test_report_checks_the_end_of_a_day_where_it_falls_for_the_records_years(
    demo_dir: Path,
) -> None:
    """A T24:00 bound is checked as the next midnight it names, as that midnight is.

    The end of 2199, written either way, ends a period; the end of 1799 is
    1800's start; the end of 2199 begins no period (exit 2, naming --since).
    """
    for option, value in (
        ("--since", "1799-12-31T24:00"),
        ("--until", "2199-12-31T24:00"),
        ("--until", "2200-01-01"),
    ):
        good = run("report", option, value, "--format", "json", cwd=demo_dir)
        assert good.returncode == 0, (value, good.stderr)
    for option, value in (
        ("--since", "2199-12-31T24:00"),
        ("--until", "2199-12-31T24:00-05:00"),
    ):
        far = run("report", option, value, cwd=demo_dir)
        assert (far.returncode, far.stdout) == (2, ""), value
        assert far.stderr.startswith(f"coledger: {option} "), far.stderr
        assert "outside the years 1800 to 2199" in far.stderr


def test_import_polis_then_refuse_a_second_time(tmp_path: Path) -> None:
    """import-polis loads a conversation; a second run and a bad folder are refused."""
    need_polis()
    folder = POLIS / "london.youth.policing"
    first = run("import-polis", str(folder), "--db", "polis.db", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "london.youth.policing" in first.stdout
    count = rows(tmp_path / "polis.db")
    second = run("import-polis", str(folder), "--db", "polis.db", cwd=tmp_path)
    assert second.returncode == 1
    assert "already" in second.stderr
    missing = run(
        "import-polis", str(tmp_path / "nope"), "--db", "polis.db", cwd=tmp_path
    )
    assert missing.returncode == 2
    assert "nope" in missing.stderr
    assert rows(tmp_path / "polis.db") == count


def test_import_polis_of_a_file_says_it_is_not_a_folder(tmp_path: Path) -> None:
    """import-polis given a file says it is a file, not a missing folder."""
    (tmp_path / "votes.csv").write_text("participant,vote\n")
    result = run("import-polis", "votes.csv", "--db", "polis.db", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "coledger: cannot read votes.csv: it is a file, not a folder "
        "(name the folder of the export's CSV files)\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["votes.csv"]


def test_import_polis_names_a_malformed_row(tmp_path: Path) -> None:
    """A damaged line of votes.csv is named, and no ledger is written."""
    need_polis()
    copy = tmp_path / "conversation"
    copy.mkdir()
    for name in ("comments.csv", "votes.csv", "summary.csv"):
        (copy / name).write_bytes((POLIS / "london.youth.policing" / name).read_bytes())
    lines = (copy / "votes.csv").read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 1)[0] + ",7"
    (copy / "votes.csv").write_text("\n".join(lines) + "\n")
    result = run(
        "import-polis",
        str(copy),
        "--db",
        "polis.db",
        cwd=tmp_path,
        env={"COLEDGER_MASTER_KEY": ""},
    )
    assert result.returncode == 1
    votes = copy / "votes.csv"
    assert result.stderr == f"coledger: {votes}, line 6: vote 7 is not -1, 0 or 1\n"
    assert {p.name for p in tmp_path.iterdir()} == {"conversation"}


def _polis_for(
    folder: Path, export: str, category: str
) -> subprocess.CompletedProcess[str]:
    """import-polis of *export* into polis.db in *folder*, open only to *category*."""
    return run(
        "import-polis",
        export,
        "--lived-experience",
        category,
        "--db",
        "polis.db",
        cwd=folder,
        env={"COLEDGER_MASTER_KEY": ""},
    )


def test_import_polis_refuses_an_unknown_category_before_anything(
    tmp_path: Path,
) -> None:
    """A --lived-experience outside the categories is a usage error; nothing is made."""
    need_polis()
    result = _polis_for(tmp_path, str(POLIS / "london.youth.policing"), "NONE")
    assert result.returncode == 2
    assert "--lived-experience" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_import_polis_does_not_repeat_a_refused_category(tmp_path: Path) -> None:
    """A mistyped --lived-experience is sealed data: the usage error leaves it out."""
    (tmp_path / "export").mkdir()
    result = _polis_for(tmp_path, "export", "autism (dis)")
    assert result.returncode == 2
    assert "--lived-experience" in result.stderr
    assert "autism" not in result.stderr + result.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_a_mistyped_ledger_path_creates_nothing(tmp_path: Path) -> None:
    """Commands that read a ledger refuse a path with no ledger, creating no file."""
    commands = (
        ["report"],
        ["history", "--proposal", "x"],
        ["rebuild"],
        ["follow"],
        ["export", "--out", "x.jsonl"],
        ["prove", "--proposal", "x", "--member", "y", "--checkpoint", "cp.txt"],
    )
    (tmp_path / "cp.txt").write_text("a checkpoint\n\n")
    for command in commands:
        result = run(*command, "--db", "typo.db", cwd=tmp_path)
        assert result.returncode == 2, command
        assert "no ledger at typo.db" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cp.txt"]


def test_a_mistyped_ledger_url_in_capitals_creates_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A SQLite URL with its scheme in capitals is checked for a ledger all the same."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    for command in (["report"], ["rebuild"], ["verify"], ["erase", "--reapply"]):
        assert main([*command, "--db", "SQLite:///typo.db"]) == 2, command
        said = capsys.readouterr().err
        assert said == "coledger: no ledger at typo.db (check --db)\n", said
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_ledger_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A --db naming some other file exits 2, creating no key store beside it."""
    (tmp_path / "notes.txt").write_text("not a database\n")
    for command in (["report"], ["rebuild"], ["erasure-audit"]):
        result = run(*command, "--db", "notes.txt", cwd=tmp_path)
        assert result.returncode == 2, (command, result.stderr)
        assert "not a SQLite database" in result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text() == "not a database\n"


def test_out_refuses_a_link_and_leaves_its_target(
    demo_dir: Path, tmp_path: Path
) -> None:
    """--out onto a symbolic link exits 2: the link is not replaced by a file."""
    target = tmp_path / "kept.txt"
    target.write_text("kept")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    db = str(demo_dir / "coledger.db")
    for command in (["report", "--out", str(link)], ["export", "--out", str(link)]):
        result = run(*command, "--db", db, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "not a plain file" in result.stderr
        assert link.is_symlink()
    assert target.read_text() == "kept"


def test_far_positions_and_bad_waits(demo_dir: Path) -> None:
    """--as-of past 64 bits reads to the end; a --poll of inf, 0, 1e-9 or -1 is refused.

    A poll of a nanosecond spins as 0 would: the shortest is 0.01 seconds.
    """
    far = run("report", "--as-of", "9" * 23, "--format", "json", cwd=demo_dir)
    assert far.returncode == 0, far.stderr
    for wait in ("inf", "0", "1e-9", "0.001", "-1", "nan"):
        result = run("follow", "--poll", wait, cwd=demo_dir)
        assert result.returncode == 2, wait
        assert "--poll" in result.stderr


def test_a_negative_as_of_is_usage_naming_the_option(demo_dir: Path) -> None:
    """A negative --as-of is refused as the dates are: exit 2, naming the option."""
    bad = run("report", "--as-of", "-3", "--out", "early.txt", cwd=demo_dir)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == (
        "coledger: --as-of must be a recorded position (a whole number >= 0), not -3\n"
    )
    assert not (demo_dir / "early.txt").exists()


@pytest.mark.parametrize("out", ["no-folder/cp.txt", "/proc/cp.txt"])
def test_checkpoint_to_an_unwritable_place_signs_nothing(
    demo_dir: Path, tmp_path: Path, out: str
) -> None:
    """An --out that cannot be written or made is refused before anything is signed."""
    key = tmp_path / "signing.pem"
    made = run(
        "keygen", "--name", "test.example/ledger", "--out", str(key), cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(demo_dir / "coledger.db") as conn:
        (before,) = conn.execute("SELECT count(*) FROM coledger_checkpoints").fetchone()
    result = run(
        "checkpoint",
        "--signing-key",
        str(key),
        "--out",
        out if out.startswith("/") else str(tmp_path / out),
        cwd=demo_dir,
    )
    assert result.returncode == 2, result.stderr
    assert "cannot write" in result.stderr
    assert result.stdout == ""
    with sqlite3.connect(demo_dir / "coledger.db") as conn:
        (after,) = conn.execute("SELECT count(*) FROM coledger_checkpoints").fetchone()
    assert after == before


def test_memory_and_sqlite_options_are_refused_where_they_would_mislead(
    tmp_path: Path,
) -> None:
    """memory:// for a reading command, and '?' in a SQLite path, exit 2."""
    report = run("report", "--db", "memory://", cwd=tmp_path)
    assert report.returncode == 2
    assert "memory:// holds nothing" in report.stderr
    cut = run("demo", "--db", "club?.db", cwd=tmp_path)
    assert cut.returncode == 2
    assert "takes no '?'" in cut.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["verify", "audit-copy"])
def test_keyless_commands_do_not_ask_for_the_master_key_in_their_help(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The help of verify and audit-copy says --key-file is not used, as documented."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "--key-file PATH not used: this command needs no master key" in shown
    assert "file holding the master key" not in shown


def test_commands_that_read_sealed_data_name_the_master_key_in_their_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The help of report still says where the master key comes from."""
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "file holding the master key" in capsys.readouterr().out


def test_subject_access_is_private_and_emptied_by_erasure(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """subject-access writes an owner-only file; after erase it holds no codes."""
    copy_demo(pristine_demo, tmp_path)
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as ledger:
        member = next(m for m in ledger.members() if m.lived_experience)
        admin = str(ledger.members()[0].id)
    asked = ["subject-access", "--member", str(member.id), "--out"]
    result = run(*asked, "before.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "holds personal data" in result.stdout
    before = tmp_path / "before.json"
    assert before.stat().st_mode & 0o777 == 0o600
    report = json.loads(before.read_text(encoding="utf-8"))
    assert report["profile"]["lived_experience"] == list(member.lived_experience)
    codes = [e["code"] for e in report["events"] if e["type"] == "Adjustment.Requested"]
    assert codes
    assert "[erased]" not in codes
    erased = run("erase", "--member", str(member.id), "--by", admin, cwd=tmp_path)
    assert erased.returncode == 0, erased.stderr
    assert run(*asked, "after.json", cwd=tmp_path).returncode == 0
    after = json.loads((tmp_path / "after.json").read_text(encoding="utf-8"))
    assert (after["profile"]["name"], after["profile"]["lived_experience"]) == (
        "[erased]",
        [],
    )
    requested = [e for e in after["events"] if e["type"] == "Adjustment.Requested"]
    assert {e["code"] for e in requested} == {"[erased]"}
    declared = [e for e in after["events"] if "categories" in e]
    assert declared
    assert all(e["categories"] == [] for e in declared)


def test_subject_access_of_no_member_writes_nothing(demo_dir: Path) -> None:
    """An id that names no member exits 1, and a text that is no id exits 2."""
    for member, code in (("00000000-0000-0000-0000-000000000000", 1), ("Kit", 2)):
        result = run(
            "subject-access", "--member", member, "--out", "sar.json", cwd=demo_dir
        )
        assert result.returncode == code, result.stderr
        assert not (demo_dir / "sar.json").exists()
        assert not (demo_dir / "sar.json.part").exists()


def test_erase_warns_of_the_seats_and_requests_it_leaves(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """Erasing a seat holder with an open request warns of both, naming no data."""
    copy_demo(pristine_demo, tmp_path)
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as ledger:
        request = next(a for a in ledger.adjustments() if a.status == "requested")
        member = ledger.member(request.member)
        bodies = [
            b for b in ledger.bodies() if member.id in {s.member for s in b.seats}
        ]
        held = {s.member for b in ledger.bodies() for s in b.seats}
        unseated = next(
            m.id
            for m in ledger.members()
            if m.id not in held
            and not any(a.member == m.id for a in ledger.adjustments())
        )
        admin = str(ledger.members()[0].id)
    assert bodies
    result = run("erase", "--member", str(member.id), "--by", admin, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert all(line.startswith("warning: ") for line in warnings)
    assert len(warnings) == len(bodies) + 1
    for body in bodies:
        assert f"seat on {body.name} ({body.id})" in result.stderr
    assert f"request {request.id} is still open" in result.stderr
    assert member.name not in result.stderr
    assert request.code not in result.stderr
    quiet = run("erase", "--member", str(unseated), "--by", admin, cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_erase_and_import_polis_write_a_names_direction_controls_as_escapes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A direction control in a body's or a conversation's name is printed escaped."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLEDGER_MASTER_KEY", KEY)
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=KEY) as ledger:
        ada = ledger.register_member("Ada")
        bea = ledger.register_member("Bea")
        board = ledger.establish_body("Board \u2067x", kind="governance", by=ada)
        ledger.assign_seat(board, bea, by=ada)
    assert main(["erase", "--member", str(bea), "--by", str(ada)]) == 0
    erased = capsys.readouterr()
    assert "seat on Board \\u2067x (" in erased.err
    folder = tmp_path / "talk \u2067x"
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,comment-id,author-id,moderated,comment-body\n"
        "1658934589213,1,1,1,More youth workers\n"
    )
    (folder / "votes.csv").write_text(
        "timestamp,comment-id,voter-id,vote\n1658934600000,1,2,1\n"
    )
    assert main(["import-polis", "--db", "polis.db", str(folder)]) == 0
    imported = capsys.readouterr()
    assert imported.out.startswith("polis:talk \\u2067x: ")
    for said in (erased.out, erased.err, imported.out, imported.err):
        assert not re.search("[\u202a-\u202e\u2066-\u2069]", said), ascii(said)


@pytest.mark.parametrize("option", ["--member", "--by", "--source-ref"])
def test_erase_reapply_refuses_what_only_an_erasure_takes(
    demo_dir: Path, option: str
) -> None:
    """A --reapply given a member, a recorder or a source exits 2, doing nothing."""
    before = (demo_dir / "coledger.db").read_bytes()
    result = run("erase", "--reapply", option, str(UUID(int=1)), cwd=demo_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert "erase --reapply takes no --member, --by or --source-ref" in result.stderr
    assert (demo_dir / "coledger.db").read_bytes() == before


def test_erase_names_a_seat_in_plain_words_with_its_article(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """The warning for an ex officio seat reads 'an ex officio seat', not a code."""
    copy_demo(pristine_demo, tmp_path)
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as ledger:
        board, seat = next(
            (b, s) for b in ledger.bodies() for s in b.seats if s.seat == "ex_officio"
        )
        by = next(m.id for m in ledger.members() if m.id != seat.member)
    result = run("erase", "--member", str(seat.member), "--by", str(by), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"still holds an ex officio seat on {board.name}" in result.stderr
    assert "ex_officio" not in result.stderr


def test_history_help_shows_proposal_and_project_exclude_each_other(
    tmp_path: Path,
) -> None:
    """The usage line of history says it takes a proposal or a project, not both."""
    result = subprocess.run(
        [str(COLEDGER), "history", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "(--proposal ID | --project ID)" in " ".join(result.stdout.split())
    both = run("history", "--proposal", "x", "--project", "y", cwd=tmp_path)
    assert both.returncode == 2
    assert "not allowed with argument" in both.stderr


def test_keygen_help_names_the_file_it_writes_by_default(tmp_path: Path) -> None:
    """The keygen help shows where the signing key goes when --out is not given."""
    result = run("keygen", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--out FILE" in result.stdout
    assert "(default: signing-key.pem)" in " ".join(result.stdout.split())


def test_follow_says_it_has_started_and_how_to_stop_it(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """A worker prints one line on stderr when it starts, then exits 0 on SIGTERM."""
    copy_demo(pristine_demo, tmp_path)
    worker = subprocess.Popen(
        [str(COLEDGER), "follow", "--poll", "0.05"],
        cwd=tmp_path,
        env={**os.environ, "COLEDGER_MASTER_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _caught_up(tmp_path)
    finally:
        worker.terminate()
        out, err = worker.communicate(timeout=30)
    assert worker.returncode == 0, err
    assert out == ""
    started = (
        "coledger follow: keeping the projection tables of sqlite:///./coledger.db "
        "current; stop it with Ctrl-C or SIGTERM"
    )
    assert err.splitlines() == [started]


def _caught_up(folder: Path) -> int:
    """Wait for a worker to bring the tables of *folder*'s ledger to its head."""
    url = f"sqlite:///{folder / 'coledger.db'}"
    with Ledger.open(url, master_key=KEY) as ledger:
        deadline = time.monotonic() + 60
        while ledger.projections().tables.position() < ledger.position:
            assert time.monotonic() < deadline, "the worker never caught up"
            time.sleep(0.05)
        return ledger.position


def test_a_verbose_worker_s_lines_reach_its_log_while_it_runs(
    pristine_demo: Path, tmp_path: Path
) -> None:
    """Each batch's line is written out at once, not held until the worker stops."""
    copy_demo(pristine_demo, tmp_path)
    env = {**os.environ, "COLEDGER_MASTER_KEY": KEY}
    env.pop("PYTHONUNBUFFERED", None)  # as a service runs it, its output a pipe
    worker = subprocess.Popen(
        [str(COLEDGER), "follow", "--poll", "0.05", "--verbose"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdout is not None
    try:
        head = _caught_up(tmp_path)
        ready, _, _ = select.select([worker.stdout], [], [], 10)
        assert ready, "the worker's line was held back while it ran"
        assert worker.stdout.readline() == f"folded {head:,} event(s); at {head:,}\n"
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert worker.returncode == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["subject-access", "--member", "Quillon Marchbanks", "--out", "sar.json"],
        ["erase", "--member", "Quillon Marchbanks", "--by", "Quillon Marchbanks"],
        ["history", "--proposal", "Quillon Marchbanks"],
    ],
)
def test_a_name_given_for_an_id_is_not_repeated(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A name typed where an id belongs is refused without being printed."""
    monkeypatch.chdir(tmp_path)
    with Ledger.open(f"sqlite:///{tmp_path / 'coledger.db'}", master_key=KEY) as led:
        led.register_member("Admin")
    (tmp_path / "k").write_text(KEY)
    assert main([*argv[:1], "--db", "coledger.db", "--key-file", "k", *argv[1:]]) == 2
    said = capsys.readouterr()
    assert "Marchbanks" not in said.err + said.out
    assert "id (a UUID)" in said.err


def test_every_option_with_a_default_says_it_in_its_help() -> None:
    """An option that takes a value by default names that value in its --help."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"{name} {action.option_strings[-1]}"
        for name, command in sub.choices.items()
        for action in command._actions
        if action.option_strings
        and action.default not in (None, False, [], argparse.SUPPRESS)
        and str(action.default) not in (action.help or "")
    ]
    assert silent == []


def test_every_argument_of_every_command_has_help() -> None:
    """No option or argument shows in --help as a bare name with nothing said."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    silent = [
        f"{name} {(action.option_strings or [action.dest])[-1]}"
        for name, command in sub.choices.items()
        for action in command._actions
        if not action.help
    ]
    assert silent == []


def test_the_help_of_each_verdict_command_names_exit_2() -> None:
    """verify, erasure-audit and verify-receipt list exit 2 with their verdicts."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in sub._choices_actions}
    missing = [
        command
        for command in ("verify", "erasure-audit", "verify-receipt")
        if "2 could not run" not in helps[command]
    ]
    assert missing == []


def test_demo_refuses_a_seed_too_long_for_its_minutes_before_anything(
    tmp_path: Path,
) -> None:
    """A --seed too long to name the minutes exits 2 before any file is made."""
    result = run(
        "demo", "--seed", "9" * 490, cwd=tmp_path, env={"COLEDGER_MASTER_KEY": ""}
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert "argument --seed" in result.stderr
    assert "9" * 490 not in result.stderr
    assert list(tmp_path.iterdir()) == []
    longest = run("demo", "--seed", "-" + "9" * 488, "--json", cwd=tmp_path)
    assert longest.returncode == 0, longest.stderr


def test_each_synopsis_in_the_docs_names_values_as_the_help_does() -> None:
    """Every `--option VALUE` of a synopsis in docs/cli.md is the --help's metavar."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = (Path(coledger.__file__).parents[2] / "docs" / "cli.md").read_text()
    blocks = re.findall(r"```text\n(coledger [a-z-]+ .*?)```", text, flags=re.DOTALL)
    differ = []
    for block in blocks:
        command = sub.choices[block.split()[1]]
        for option, value in re.findall(r"(--[a-z-]+) ([A-Za-z_|]+)", block):
            action = command._option_string_actions[option]
            choices = "|".join(action.choices or [])
            shown = action.metavar or choices or action.dest.upper()
            if shown != value:
                differ.append(f"{command.prog} {option}: docs {value}, help {shown}")
    assert len(blocks) == len(sub.choices)
    assert differ == []
