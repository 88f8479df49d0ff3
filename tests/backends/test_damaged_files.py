"""Opening a SQLite file that is damaged: a StorageError, and nothing new on disk."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from coledger import (
    ConcurrencyError,
    CorruptEventError,
    InvalidUrlError,
    Ledger,
    StorageError,
)
from coledger.errors import LedgerError


def files(folder: Path) -> dict[str, bytes]:
    """Every file in *folder*, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def truncated_ledger(folder: Path) -> Path:
    """A ledger file cut to half its length, its key store gone (a broken copy)."""
    whole = folder / "whole.db"
    with Ledger.open(f"sqlite:///{whole}") as ledger:
        for n in range(40):
            ledger.register_member(f"Member {n}")
    data = whole.read_bytes()
    whole.unlink()
    whole.with_name("whole.db.keys").unlink()
    damaged = folder / "trunc.db"
    damaged.write_bytes(data[: len(data) // 2])
    return damaged


def header_then_garbage(folder: Path) -> Path:
    """A file that starts like SQLite and holds nothing else of a database."""
    damaged = folder / "trunc.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    return damaged


@pytest.mark.parametrize("make", [truncated_ledger, header_then_garbage])
def test_a_damaged_sqlite_file_is_a_storage_error_and_leaves_no_key_store(
    make: Callable[[Path], Path], tmp_path: Path
) -> None:
    """Ledger.open raises StorageError and creates no key store beside the file."""
    damaged = make(tmp_path)
    before = files(tmp_path)
    with pytest.raises(StorageError, match=r"trunc\.db"):
        Ledger.open(f"sqlite:///{damaged}")
    assert files(tmp_path) == before
    assert issubclass(StorageError, LedgerError)


def test_a_key_store_is_not_opened_as_a_ledger(tmp_path: Path) -> None:
    """Ledger.open on a ledger's .keys file is refused, and the file gains no table."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ledger.register_member("Ana Example")
    store = tmp_path / "ledger.db.keys"
    before = files(tmp_path)
    with pytest.raises(InvalidUrlError, match="key store"):
        Ledger.open(f"sqlite:///{store}")
    assert files(tmp_path) == before


def test_a_new_ledger_may_share_a_file_with_other_tables(tmp_path: Path) -> None:
    """A host's own SQLite database may take a ledger: Ledger.open creates one in it."""
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute("CREATE TABLE host_table (x)")
    with Ledger.open(f"sqlite:///{tmp_path / 'app.db'}") as ledger:
        ledger.register_member("Ana Example")
        assert ledger.position == 1


def test_a_device_or_pipe_is_refused_before_anything_is_opened(tmp_path: Path) -> None:
    """/dev/null and a FIFO are no ledger files: refused, nothing made beside them."""
    pipe = tmp_path / "pipe.db"
    os.mkfifo(pipe)
    for path in (Path("/dev/null"), pipe):
        with pytest.raises(InvalidUrlError, match="not a regular file"):
            Ledger.open(f"sqlite:///{path}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.db"]
    assert not Path("/dev/null-journal").exists()


def test_a_name_with_no_room_for_the_files_beside_it_is_refused(tmp_path: Path) -> None:
    """A name that fits, but whose key store's journal would not, is refused whole."""
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    fits = tmp_path / ("a" * (limit - len(".keys-journal") - 3) + ".db")
    with Ledger.open(f"sqlite:///{fits}") as ledger:
        ledger.register_member("Ana Example")
    too_long = tmp_path / ("b" * (limit - len(".keys-journal") - 2) + ".db")
    before = files(tmp_path)
    with pytest.raises(InvalidUrlError, match="too long"):
        Ledger.open(f"sqlite:///{too_long}")
    assert files(tmp_path) == before


def test_a_refused_new_ledger_leaves_no_empty_file(tmp_path: Path) -> None:
    """A new file whose key store belongs to another key is refused and not left."""
    with Ledger.open(f"sqlite:///{tmp_path / 'a.db'}") as ledger:
        ledger.register_member("Ana Example")
    (tmp_path / "a.db.keys").rename(tmp_path / "b.db.keys")
    before = files(tmp_path)
    with pytest.raises(LedgerError):
        Ledger.open(f"sqlite:///{tmp_path / 'b.db'}", master_key=bytes(32))
    assert files(tmp_path) == before


def test_a_path_that_is_not_unicode_text_is_an_invalid_url() -> None:
    """A lone surrogate in a SQLite path is refused as a URL, not a UnicodeError."""
    with pytest.raises(InvalidUrlError, match="cannot be a file name"):
        Ledger.open("sqlite:///\ud800.db")


def test_a_path_under_a_file_is_refused_as_a_url_not_a_key_store_failure(
    tmp_path: Path,
) -> None:
    """A file named as the ledger's folder is refused as the URL, before anything opens.

    It was let through, to fail as "cannot open the key store" (a
    StorageError), where a folder one level further down was refused.
    """
    (tmp_path / "notes.txt").write_text("not a folder")
    before = files(tmp_path)
    with pytest.raises(InvalidUrlError, match=r"notes\.txt is a file, not a folder"):
        Ledger.open(f"sqlite:///{tmp_path / 'notes.txt' / 'ledger.db'}")
    assert files(tmp_path) == before


def ledger_with_a_stray_leaf(folder: Path) -> str:
    """A ledger whose last event was deleted and its leaf kept (a botched edit).

    The next event takes the deleted one's position, which the leaf still
    claims: the database refuses every insert the same way.
    """
    url = f"sqlite:///{folder / 'stray.db'}"
    with Ledger.open(url) as ledger:
        ledger.register_member("Ana Example")
        ledger.register_member("Bo Example")
    with closing(sqlite3.connect(folder / "stray.db")) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = 2")
        conn.commit()
    return url


def test_a_write_the_database_refuses_for_itself_is_not_run_again_as_a_conflict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A constraint other than the events' versions fails at once, as a StorageError.

    It was taken for another writer's event, run again eleven times and
    reported as ConcurrencyError ("the record kept changing").
    """
    url = ledger_with_a_stray_leaf(tmp_path)
    with Ledger.open(url) as ledger:
        recorder = ledger._app.recorder
        real, tries = recorder.insert_events, []

        def counted(*args: Any, **kwargs: Any) -> Any:
            tries.append(1)
            return real(*args, **kwargs)

        monkeypatch.setattr(recorder, "insert_events", counted)
        with pytest.raises(StorageError, match="coledger_leaves") as refused:
            ledger.register_member("Cy Example")
        assert not isinstance(refused.value, ConcurrencyError)
        assert tries == [1]
        with (
            pytest.raises(StorageError, match="coledger_leaves") as refused,
            ledger.batch(),
        ):
            ledger.register_member("Cy Example")
        assert not isinstance(refused.value, ConcurrencyError)
        assert ledger.position == 1


def test_a_record_missing_a_stored_event_is_a_corrupt_event_error(
    tmp_path: Path,
) -> None:
    """A record whose middle event was deleted is a CorruptEventError to read or change.

    eventsourcing's OriginatorVersionError escaped instead, which no caller
    catching LedgerError expects (verify reports the row as missing).
    """
    url = f"sqlite:///{tmp_path / 'gap.db'}"
    with Ledger.open(url) as ledger:
        ana = ledger.register_member("Ana Example")
        for role in ("trustee", "staff", "trainer"):
            ledger.change_role(ana, role, by=ana)
    with closing(sqlite3.connect(tmp_path / "gap.db")) as conn:
        conn.execute("DELETE FROM stored_events WHERE rowid = 3")
        conn.commit()
    gap = rf"{ana} skip from version 2 to 4"
    with Ledger.open(url) as ledger:
        for act in (
            lambda: ledger.member(ana),
            lambda: ledger.change_role(ana, "staff", by=ana),
        ):
            with pytest.raises(CorruptEventError, match=gap):
                act()
        assert ledger.position == 4
