"""A SQLite URL's relative path names one file for the whole life of its Ledger."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import attrs
import pytest

from coledger import InvalidUrlError, Ledger
from coledger.storage import parse_url
from conftest import TEST_MASTER_KEY


@attrs.frozen
class Folders:
    """Where a relative ledger was opened, and where the process moved to after."""

    opened_in: Path
    moved_to: Path


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folders:
    """Two empty folders, the working directory set to the first."""
    opened_in, moved_to = tmp_path / "opened", tmp_path / "moved"
    opened_in.mkdir()
    moved_to.mkdir()
    monkeypatch.chdir(opened_in)
    return Folders(opened_in, moved_to)


def test_a_relative_ledger_stays_in_the_folder_it_was_opened_in(
    folders: Folders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a chdir, the tables and the audit read the file opened, not a new one."""
    opened_in, moved_to = folders.opened_in, folders.moved_to
    with Ledger.open("sqlite:///rel.db", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
        monkeypatch.chdir(moved_to)  # a daemon's chdir("/"), say
        assert ledger.power_sharing(materialised=True).as_of == 1
        assert ledger.verify().size == 1
    assert list(moved_to.iterdir()) == []
    assert sorted(p.name for p in opened_in.iterdir() if p.suffix != ".db-wal") == [
        "rel.db",
        "rel.db.keys",
    ]


@pytest.mark.parametrize("url", ["sqlite:/ledger.db", "sqlite:ledger.db"])
def test_a_sqlite_url_without_its_slashes_is_refused(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:/ledger.db (/ledger.db to a URI reader) is refused, not made here."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidUrlError, match="three slashes"):
        Ledger.open(url, master_key=TEST_MASTER_KEY)
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_url_with_one_slash_is_not_said_to_lack_its_folder(
    tmp_path: Path,
) -> None:
    """sqlite:/folder/x.db is refused for its slashes, not for a missing folder."""
    with pytest.raises(InvalidUrlError) as refused:
        parse_url(f"sqlite:{tmp_path}/ledger.db")
    assert "does not exist" not in str(refused.value)


def test_a_relative_file_named_like_a_uri_keeps_its_keys_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///file:x.db keeps its keys in file:x.db.keys, which moves with it."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    monkeypatch.chdir(first)
    with Ledger.open("sqlite:///file:x.db", master_key=TEST_MASTER_KEY) as ledger:
        ann = ledger.register_member("Ann")
    assert sorted(p.name for p in first.iterdir()) == ["file:x.db", "file:x.db.keys"]
    for name in ("file:x.db", "file:x.db.keys"):
        (first / name).rename(second / name)
    monkeypatch.chdir(second)
    with Ledger.open("sqlite:///file:x.db", master_key=TEST_MASTER_KEY) as ledger:
        assert ledger.member(ann).name == "Ann"


@pytest.mark.parametrize("name", ["mode=memory.db", "notes:memory:.db"])
def test_a_file_named_like_an_in_memory_database_is_kept_like_any_other(
    tmp_path: Path, name: str
) -> None:
    """A file whose name holds 'mode=memory' or ':memory:' gets a write-ahead log too.

    eventsourcing took such a name for an in-memory database and left the
    file in rollback-journal mode, where a reader holds off every writer.
    """
    path = tmp_path / name
    config = parse_url(f"sqlite:///{path}")
    briefly = attrs.evolve(config, env={**config.env, "SQLITE_LOCK_TIMEOUT": "1"})
    with Ledger(briefly, TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
        with closing(sqlite3.connect(path, isolation_level=None)) as reader:
            assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            reader.execute("BEGIN")  # an auditor's or a backup's long read
            reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()
            ledger.register_member("Bea")
            reader.execute("COMMIT")
        assert [m.name for m in ledger.members()] == ["Ann", "Bea"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name, f"{name}.keys"]


@pytest.mark.parametrize(
    "url", [10**5000, ["x" * 100_000]], ids=["a long number", "a long list"]
)
def test_a_url_that_is_no_text_is_refused_however_long(url: object) -> None:
    """A URL that is no string, too long to write out, gets a short InvalidUrlError."""
    with pytest.raises(InvalidUrlError, match="non-empty string") as raised:
        Ledger.open(url)  # type: ignore[arg-type]
    assert len(str(raised.value)) < 200


def test_a_relative_ledger_reopened_from_its_config_after_a_chdir_keeps_its_keys(
    folders: Folders, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ledger(config) after a chdir opens the file read and its key store, no other."""
    opened_in, moved_to = folders.opened_in, folders.moved_to
    config = parse_url("sqlite:///rel.db")
    with Ledger(config, TEST_MASTER_KEY) as ledger:
        ann = ledger.register_member("Ann")
    monkeypatch.chdir(moved_to)  # a daemon's chdir("/"), say
    with Ledger(config, TEST_MASTER_KEY) as again:
        assert again.member(ann).name == "Ann"
        again.register_member("Bea")
    assert list(moved_to.iterdir()) == []
    with Ledger.open(
        f"sqlite:///{opened_in / 'rel.db'}", master_key=TEST_MASTER_KEY
    ) as ledger:
        assert [m.name for m in ledger.members()] == ["Ann", "Bea"]


def test_a_ledger_named_by_a_link_to_no_file_is_made_owner_only(
    tmp_path: Path,
) -> None:
    """A link whose target is missing gets that target made readable by its owner alone.

    SQLite follows the link and made the target with the process's umask
    (world-readable under the usual 022), unlike every other ledger file.
    """
    link, target = tmp_path / "ledger.db", tmp_path / "real.db"
    link.symlink_to(target.name)
    umask = os.umask(0o022)
    try:
        with Ledger.open(f"sqlite:///{link}", master_key=TEST_MASTER_KEY) as ledger:
            ledger.register_member("Ann")
    finally:
        os.umask(umask)
    assert link.is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("url", ["sqlite:///made/.", "sqlite:///made/./."])
def test_a_path_ending_in_a_dot_is_refused_as_naming_a_folder(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """sqlite:///made/. names a folder: refused, not read as Path reads it ('made')."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidUrlError, match="names a folder"):
        Ledger.open(url, master_key=TEST_MASTER_KEY)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "beside", ["made.db-journal", "made.db-wal", "made.db-shm", "made.db.keys-wal"]
)
def test_a_new_ledger_never_takes_a_file_named_as_its_journal(
    beside: str, tmp_path: Path
) -> None:
    """A new ledger whose journal's name another file holds is refused, that file kept.

    SQLite takes such a file for a leftover of the new, empty database and
    deletes or overwrites it: another ledger named ``made.db-journal`` would
    be lost to one named ``made.db``.
    """
    other = tmp_path / beside
    other.write_bytes(b"another ledger's bytes")
    with pytest.raises(InvalidUrlError, match=f"{beside} exists"):
        Ledger.open(f"sqlite:///{tmp_path / 'made.db'}", master_key=TEST_MASTER_KEY)
    assert other.read_bytes() == b"another ledger's bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == [beside]


def test_a_ledger_with_its_journal_beside_it_opens(tmp_path: Path) -> None:
    """An existing ledger opens with its own write-ahead log beside it."""
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as first:
        member = first.register_member("Ada")
        with Ledger.open(url, master_key=TEST_MASTER_KEY) as second:
            assert (tmp_path / "kept.db-wal").exists()
            assert second.member(member).name == "Ada"
