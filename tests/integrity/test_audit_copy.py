"""An audit copy holds the events and leaves exactly, and nothing derived from them."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from coledger import InvalidInputError, Ledger, StorageError
from coledger.cli import main
from coledger.demo import record_year
from coledger.integrity.audit_copy import audit_copy
from coledger.integrity.source import open_source
from coledger.integrity.verify import verify
from coledger.privacy import encode_master_key, generate_master_key
from coledger.storage import SIBLING_SUFFIXES
from integrity_helpers import (
    STORY_SIZE,
    Scene,
    audit,
    build,
    copy_ledger,
    hide_from_the_index,
    tampering,
)


def _tables(path: Path) -> set[str]:
    """The names of every table and index in a SQLite file."""
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}


def _rows(path: Path, table: str) -> list[tuple[object, ...]]:
    """Every row of *table* with its rowid and each value's storage type."""
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        quoted = ['"' + c.replace('"', '""') + '"' for c in columns]
        typed = ", ".join(f"{c}, typeof({c})" for c in quoted)
        return conn.execute(
            f"SELECT rowid, {typed} FROM {table} ORDER BY rowid"  # noqa: S608
        ).fetchall()


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    """A signed fifteen-event ledger on a SQLite file."""
    return build("sqlite", tmp_path)


def test_the_copy_holds_the_log_exactly_and_no_projection(
    tmp_path: Path,
) -> None:
    """Events and leaves are copied value for value; projections and keys are not."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        record_year(ledger)
        ledger.projections().rebuild()
        events = ledger.position
    assert {"coledger_figures", "coledger_ladder"} <= _tables(path)
    target = tmp_path / "for-the-auditor.db"
    assert audit_copy(f"sqlite:///{path}", target) == events
    copied = _tables(target)
    assert {"stored_events", "coledger_leaves"} <= copied
    assert not {t for t in copied if "figures" in t or "ladder" in t or "tags" in t}
    assert not {t for t in copied if "checkpoint" in t or "key" in t}
    for table in ("stored_events", "coledger_leaves"):
        assert _rows(target, table) == _rows(path, table)
    assert not target.with_name(target.name + "-wal").exists()  # one file


def test_the_copy_verifies_as_the_ledger_does(scene: Scene, tmp_path: Path) -> None:
    """The copy of a clean ledger verifies; a tampered one fails the same way."""
    target = tmp_path / "copy.db"
    audit_copy(scene.url, target)
    original = audit(scene)
    from_copy = audit(dataclasses.replace(scene, url=f"sqlite:///{target}"))
    assert (from_copy.status, from_copy.counts) == (original.status, original.counts)
    assert from_copy.status == "VERIFIED"
    tampered = copy_ledger(scene, tmp_path / "tampered")
    with tampering(tampered) as raw:
        raw.flip_state_bit(raw.event_at(3).nid)
    second = tmp_path / "copy-of-tampered.db"
    audit_copy(tampered.url, second)
    again = audit(dataclasses.replace(scene, url=f"sqlite:///{second}"))
    assert again.status == "FAILED"
    assert again.counts == audit(tampered).counts


def test_an_existing_file_is_never_overwritten(scene: Scene, tmp_path: Path) -> None:
    """Naming a file that exists is refused and leaves it untouched."""
    target = tmp_path / "taken.db"
    target.write_bytes(b"mine")
    with pytest.raises(InvalidInputError, match="already exists"):
        audit_copy(scene.url, target)
    assert target.read_bytes() == b"mine"


@pytest.mark.parametrize("name", ["copy\x00.db", "\x00"], ids=["inside", "alone"])
def test_a_target_holding_a_nul_is_invalid_input(
    scene: Scene, tmp_path: Path, name: str
) -> None:
    """A NUL in the target's name is an InvalidInputError, and no file is made."""
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(InvalidInputError, match="NUL"):
        audit_copy(scene.url, f"{tmp_path}/{name}")
    assert sorted(tmp_path.rglob("*")) == before


def test_a_file_made_after_the_check_is_neither_written_nor_removed(
    scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file another process makes after the existence check is refused and kept."""
    target = tmp_path / "raced.db"
    target.write_bytes(b"mine")
    exists = Path.exists

    def checked_before_it_was_made(path: Path, *args: bool) -> bool:
        return False if path == target else exists(path, *args)

    monkeypatch.setattr(Path, "exists", checked_before_it_was_made)
    with pytest.raises(InvalidInputError, match="already exists"):
        audit_copy(scene.url, target)
    monkeypatch.undo()
    assert target.read_bytes() == b"mine"


@pytest.mark.parametrize("suffix", SIBLING_SUFFIXES)
def test_a_file_kept_beside_the_ledger_is_refused(scene: Scene, suffix: str) -> None:
    """A copy named as one of the ledger's side files is refused, and none is made.

    SQLite owns the names of a journal, a write-ahead log and its index: the
    ledger's next opening would empty or delete a copy left there, after
    audit_copy had said how many events it holds.
    """
    assert scene.path is not None
    target = scene.path.with_name(scene.path.name + suffix)
    before = target.read_bytes() if target.exists() else None
    with pytest.raises(InvalidInputError, match=r"beside the ledger|already exists"):
        audit_copy(scene.url, target)
    assert (target.read_bytes() if target.exists() else None) == before


@pytest.mark.parametrize("suffix", ["-journal", "-wal"])
def test_a_file_sqlite_would_take_as_the_copys_journal_is_refused_and_kept(
    scene: Scene, suffix: str
) -> None:
    """A copy whose journal or WAL name is taken (by the ledger, say) is refused.

    SQLite deletes a journal or write-ahead log it finds beside an empty
    database as a leftover, so writing a copy named ``board`` deleted a
    ledger called ``board-journal``, or any other file of that name.
    """
    assert scene.path is not None
    ledger = scene.path.with_name("board" + suffix)
    scene.path.rename(ledger)
    target = ledger.with_name("board")
    with pytest.raises(InvalidInputError, match="SQLite would delete it"):
        audit_copy(f"sqlite:///{ledger}", target)
    assert not target.exists()
    moved = dataclasses.replace(scene, url=f"sqlite:///{ledger}")
    assert audit(moved).status == "VERIFIED"


def test_the_command_line_refuses_an_out_whose_journal_is_the_ledger(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit-copy --out board of a ledger board-wal exits 2 and keeps the ledger."""
    assert scene.path is not None
    ledger = scene.path.with_name("board-wal")
    scene.path.rename(ledger)
    held = ledger.read_bytes()
    out = ledger.with_name("board")
    assert main(["audit-copy", "--db", str(ledger), "--out", str(out)]) == 2
    assert "SQLite would delete it" in capsys.readouterr().err
    assert ledger.read_bytes() == held
    assert not out.exists()


def test_column_names_an_edited_schema_gave_quotes_are_copied_exactly(
    scene: Scene, tmp_path: Path
) -> None:
    """A column whose name holds quotes and commas is copied as itself, values kept."""
    edited = copy_ledger(scene, tmp_path / "edited")
    assert edited.path is not None
    with sqlite3.connect(edited.path) as conn:
        conn.execute('ALTER TABLE stored_events ADD COLUMN "odd"", ""name" TEXT')
        conn.execute('UPDATE stored_events SET "odd"", ""name" = 1 WHERE rowid = 2')
    target = tmp_path / "copy.db"
    assert audit_copy(edited.url, target) == STORY_SIZE
    assert _rows(target, "stored_events") == _rows(edited.path, "stored_events")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("memory://", InvalidInputError),
        ("postgresql://postgres@127.0.0.1:5432/test?schema=x", InvalidInputError),
        ("sqlite:///{tmp}/missing.db", StorageError),
    ],
    ids=["memory", "postgres", "missing file"],
)
def test_what_cannot_be_copied_is_refused(
    tmp_path: Path, url: str, error: type[Exception]
) -> None:
    """A ledger that is not a SQLite file, or no file at all, writes nothing."""
    target = tmp_path / "copy.db"
    with pytest.raises(error):
        audit_copy(url.format(tmp=tmp_path), target)
    assert not target.exists()


def test_a_file_that_is_not_a_ledger_leaves_no_copy(tmp_path: Path) -> None:
    """A SQLite file without the ledger's tables is refused, and no copy is left."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    target = tmp_path / "copy.db"
    with pytest.raises(StorageError, match="no table stored_events"):
        audit_copy(f"sqlite:///{other}", target)
    assert not target.exists()


def test_the_command_line_writes_the_copy_once(
    scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit-copy exits 0 with a count, then 2 with one line for a taken name."""
    out = tmp_path / "copy.db"
    assert main(["audit-copy", "--db", scene.url, "--out", str(out)]) == 0
    assert f"Wrote {STORY_SIZE} events" in capsys.readouterr().out
    assert main(["audit-copy", "--db", scene.url, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"coledger: {out} already exists; name a new file"]
    missing = tmp_path / "nowhere" / "copy.db"
    assert main(["audit-copy", "--db", scene.url, "--out", str(missing)]) == 2
    assert "no folder" in capsys.readouterr().err
    assert main(["audit-copy", "--db", "memory://", "--out", str(tmp_path / "m")]) == 2
    assert "memory:// holds nothing" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_a_trigger_planted_in_the_ledger_is_not_copied(
    scene: Scene, tmp_path: Path
) -> None:
    """A trigger that would delete a forged row as it is copied stays behind."""
    with tampering(scene) as raw:
        forged = raw.event_at(2)
        raw.insert_event(forged.originator_id, 99, forged.topic, forged.state)
        raw.run(
            "CREATE TRIGGER hide AFTER INSERT ON {events} "
            "WHEN new.originator_version = 99 "
            "BEGIN DELETE FROM {events} WHERE rowid = new.rowid; END"
        )
    assert "UNLEDGERED_EVENT" in audit(scene).counts
    target = tmp_path / "copy.db"
    audit_copy(scene.url, target)
    assert "hide" not in _tables(target)
    copied = audit(dataclasses.replace(scene, url=f"sqlite:///{target}"))
    assert copied.counts == audit(scene).counts
    assert scene.path is not None
    assert _rows(target, "stored_events") == _rows(scene.path, "stored_events")


def test_a_value_stored_against_its_column_type_is_refused_not_mended(
    scene: Scene, tmp_path: Path
) -> None:
    """A version kept as text below SQL would become a number in a copy: refused."""
    assert scene.path is not None
    with sqlite3.connect(scene.path) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, 'originator_version "
            "INTEGER', 'originator_version TEXT') WHERE name = 'stored_events'"
        )
    with sqlite3.connect(scene.path) as conn:
        conn.execute(
            "UPDATE stored_events SET originator_version = '1' WHERE rowid = 3"
        )
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, 'originator_version "
            "TEXT', 'originator_version INTEGER') WHERE name = 'stored_events'"
        )
    with sqlite3.connect(scene.path) as conn:
        kept = conn.execute(
            "SELECT typeof(originator_version) FROM stored_events WHERE rowid = 3"
        ).fetchone()
    assert kept == ("text",)
    assert audit(scene).status == "FAILED"
    target = tmp_path / "copy.db"
    # SQLite's own integrity check may find it first (recent versions do).
    with pytest.raises(StorageError, match=r"another type|integrity check"):
        audit_copy(scene.url, target)
    assert not target.exists()


def test_an_index_that_hides_an_event_is_refused_not_rebuilt(
    scene: Scene, tmp_path: Path
) -> None:
    """A copy would rebuild an index that hides a signed event, so none is made."""
    assert scene.path is not None
    hide_from_the_index(scene.path)
    with open_source(scene.url) as source:
        checked = verify(source, scene.verifier, scene.notes, check_file=True)
    assert checked.status == "FAILED"
    target = tmp_path / "copy.db"
    with pytest.raises(StorageError, match="integrity check"):
        audit_copy(scene.url, target)
    assert not target.exists()


@pytest.mark.parametrize("command", [["report"], ["erasure-audit"], ["rebuild"]])
def test_a_keyed_command_on_the_copy_leaves_it_byte_for_byte(
    scene: Scene,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    """A command needing keys, run on the copy with some master key, changes nothing."""
    target = tmp_path / "auditor" / "copy.db"
    target.parent.mkdir()
    audit_copy(scene.url, target)
    before = target.read_bytes()
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(generate_master_key()))
    assert main([*command, "--db", str(target)]) == 2
    assert "key store was lost or moved" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]


def test_a_keyed_command_on_a_copy_with_an_upper_case_events_table_changes_nothing(
    scene: Scene,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A copy whose events table is spelt STORED_EVENTS is refused, left as it was.

    SQLite (and the ledger) read that name as the events table, so the copy
    holds events with no key store: it must be refused before the file is
    put in WAL mode or given a table, as a copy spelt in lower case is.
    """
    assert scene.path is not None
    with sqlite3.connect(scene.path) as conn:
        conn.execute("ALTER TABLE stored_events RENAME TO renamed")
        conn.execute("ALTER TABLE renamed RENAME TO STORED_EVENTS")
    target = tmp_path / "auditor" / "copy.db"
    target.parent.mkdir()
    audit_copy(scene.url, target)
    before = target.read_bytes()
    monkeypatch.setenv("COLEDGER_MASTER_KEY", encode_master_key(generate_master_key()))
    assert main(["report", "--db", str(target)]) == 2
    assert "key store was lost or moved" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]


def test_a_dropped_leaf_table_is_copied_as_missing_for_the_auditor_to_see(
    scene: Scene, tmp_path: Path
) -> None:
    """A ledger whose leaf table was dropped is copied, and the copy fails alike."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {leaves}")
    on_ledger = audit(scene)
    assert "MISSING_LEAVES" in on_ledger.counts
    target = tmp_path / "copy.db"
    assert audit_copy(scene.url, target) == STORY_SIZE
    assert "coledger_leaves" not in _tables(target)
    copied = audit(dataclasses.replace(scene, url=f"sqlite:///{target}"))
    assert (copied.status, copied.counts) == (on_ledger.status, on_ledger.counts)


def test_the_command_line_says_a_copy_without_leaves_has_none(
    scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit-copy of a ledger whose leaf table is gone does not claim to copy leaves."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {leaves}")
    out = tmp_path / "copy.db"
    assert main(["audit-copy", "--db", scene.url, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "their leaves" not in said, said
    assert "MISSING_LEAVES" in said, said


def test_a_dropped_events_table_is_copied_as_missing_for_the_auditor_to_see(
    scene: Scene, tmp_path: Path
) -> None:
    """A ledger whose events table was dropped: its leaves are copied, failing alike."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {events}")
    assert scene.path is not None
    on_ledger = audit(scene)
    assert on_ledger.counts == {"MISSING_EVENTS": 1}
    target = tmp_path / "copy.db"
    assert audit_copy(scene.url, target) == 0
    assert "stored_events" not in _tables(target)
    assert _rows(target, "coledger_leaves") == _rows(scene.path, "coledger_leaves")
    copied = audit(dataclasses.replace(scene, url=f"sqlite:///{target}"))
    assert (copied.status, copied.counts) == (on_ledger.status, on_ledger.counts)
    assert (copied.size, copied.anchored) == (on_ledger.size, on_ledger.anchored)


def test_the_command_line_says_a_copy_without_events_has_none(
    scene: Scene, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """audit-copy of a ledger whose events table is gone copies leaves, saying so."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {events}")
    assert scene.path is not None
    before = scene.path.read_bytes()
    out = tmp_path / "copy.db"
    assert main(["audit-copy", "--db", scene.url, "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert f"Wrote {STORY_SIZE} leaves to {out}" in said, said
    assert "MISSING_EVENTS" in said, said
    assert scene.path.read_bytes() == before


@pytest.mark.parametrize("table", ["stored_events", "coledger_leaves"])
def test_a_log_table_renamed_only_in_case_is_copied(
    scene: Scene, tmp_path: Path, table: str
) -> None:
    """A log table renamed in capitals is the same table to SQLite: it is copied."""
    with tampering(scene) as raw:
        raw.run(f"ALTER TABLE {table} RENAME TO renamed")
        raw.run(f"ALTER TABLE renamed RENAME TO {table.upper()}")
    target = tmp_path / "copy.db"
    assert audit_copy(scene.url, target) == STORY_SIZE
    copied = audit(dataclasses.replace(scene, url=f"sqlite:///{target}"))
    assert copied.status == "VERIFIED"


REPLACED = {
    "events view": (
        "stored_events",
        "CREATE VIEW stored_events AS SELECT rowid AS rowid, * FROM kept",
    ),
    "leaves view": (
        "coledger_leaves",
        "CREATE VIEW coledger_leaves AS SELECT * FROM kept",
    ),
    "events virtual": (
        "stored_events",
        (
            "CREATE VIRTUAL TABLE stored_events USING fts5(originator_id, "
            "originator_version, topic, state, content='kept', content_rowid='rowid')"
        ),
    ),
    "leaves virtual": (
        "coledger_leaves",
        (
            "CREATE VIRTUAL TABLE coledger_leaves USING fts5(leaf_index, "
            "notification_id, state_hash, leaf_hash, content='kept')"
        ),
    ),
}


@pytest.mark.parametrize("replaced", REPLACED.values(), ids=REPLACED.keys())
def test_a_log_table_replaced_by_a_view_or_virtual_table_is_refused_as_that(
    scene: Scene, tmp_path: Path, replaced: tuple[str, str]
) -> None:
    """A view or virtual table in place of a log table is named as such: no copy.

    Its rows are what its query or module makes them, so a copy of them as a
    plain table would verify where the ledger is HIDDEN_ROWS.
    """
    table, statement = replaced
    with tampering(scene) as raw:
        raw.run(f"ALTER TABLE {table} RENAME TO kept")
        raw.run(statement)
    assert "HIDDEN_ROWS" in audit(scene).counts
    target = tmp_path / "copy.db"
    with pytest.raises(StorageError, match=f"{table} is not a plain table") as refused:
        audit_copy(scene.url, target)
    assert "HIDDEN_ROWS" in str(refused.value)
    assert not target.exists()


def test_a_target_that_is_no_path_is_refused_however_long(
    scene: Scene, tmp_path: Path
) -> None:
    """A target too long to write out gets a short InvalidInputError, no file made."""
    before = sorted(tmp_path.rglob("*"))
    for target in (10**5000, ["x" * 100_000]):
        with pytest.raises(InvalidInputError, match="file path") as raised:
            audit_copy(scene.url, target)  # type: ignore[arg-type]
        assert len(str(raised.value)) < 200
    assert sorted(tmp_path.rglob("*")) == before


def test_a_target_in_a_folder_that_links_to_itself_is_invalid_input(
    scene: Scene, tmp_path: Path
) -> None:
    """A target under a symbolic link loop is an InvalidInputError, no RuntimeError."""
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(InvalidInputError, match="cannot use"):
        audit_copy(scene.url, tmp_path / "loop" / "copy.db")
