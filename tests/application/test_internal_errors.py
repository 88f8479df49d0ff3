"""The Ledger's own retry signals (HeadMovedError, ReadsChangedError) stay inside it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import PersistenceError

from coledger import ConcurrencyError, DatabaseLockedError, Ledger, StorageError, log
from conftest import url_for


def test_a_batch_whose_reads_changed_raises_concurrency_error(shared_url: str) -> None:
    """A record only read by a batch, changed by another writer, fails it plainly."""
    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        admin = ours.register_member("Admin", role="staff")

        def batch() -> None:
            with ours.batch():
                ours.register_member("Zed", by=admin)  # reads the admin, writes Zed
                theirs.declare_lived_experience(admin, categories=["DIS"])

        with pytest.raises(ConcurrencyError) as refusal:
            batch()
        assert type(refusal.value) is ConcurrencyError
        assert "nothing in the batch was stored" in str(refusal.value)
        assert [m.name for m in ours.members()] == ["Admin"]


def test_a_moved_head_never_escapes_when_the_head_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trusted head that moved is run again, even if reading it fails just then."""
    url = url_for("sqlite", tmp_path)
    with Ledger.open(url) as ours, Ledger.open(url) as theirs:
        admin = ours.register_member("Admin", role="staff")
        ours.register_member("Al", by=admin)  # now alone, by what ours has seen
        theirs.register_member("Bo")  # ours trusts a head that has now moved

        def unreadable(*args: object) -> int:
            """The storage failing just as the Ledger reads the head."""
            raise PersistenceError("disk gone")

        recorder = ours._app.recorder
        monkeypatch.setattr(recorder, "max_notification_id", unreadable)
        monkeypatch.setattr(recorder, "head_states", unreadable)
        with pytest.raises(StorageError) as refusal:
            ours.register_member("Cy", by=admin)
        assert type(refusal.value) is StorageError


def test_a_storage_failure_while_reading_is_a_storage_error(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read the database fails raises StorageError, not the driver's own error.

    Before, only commands and single-record reads translated it: the position,
    lists, history and reports let eventsourcing's PersistenceError (or
    sqlite3's error, on SQLite's page reads) out of the error hierarchy.
    """
    with Ledger.open(ledger_url) as ledger:
        ledger.register_member("Ann")

        def failing(*args: object, **kwargs: object) -> Any:
            """The storage failing as it is read."""
            raise PersistenceError("disk gone")

        def failing_page(*args: object, **kwargs: object) -> Any:
            raise sqlite3.OperationalError("disk I/O error")

        recorder = ledger._app.recorder
        monkeypatch.setattr(recorder, "max_notification_id", failing)
        monkeypatch.setattr(recorder, "select_notifications", failing)
        monkeypatch.setattr(log, "_sqlite_page", failing_page)
        reads: list[Callable[[], object]] = [
            lambda: ledger.position,
            ledger.tree_size,
            ledger.members,
            lambda: list(ledger.history()),
            ledger.power_sharing,
            lambda: ledger.power_sharing(as_of=1),
            lambda: ledger.projections().catch_up(),
        ]
        for read in reads:
            with pytest.raises(StorageError) as refusal:
                read()
            assert "disk" in str(refusal.value)
        monkeypatch.undo()
        assert [m.name for m in ledger.members()] == ["Ann"]


def test_a_read_refused_for_a_lock_is_database_locked_error(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read the driver gave up for another's lock says so, as a write does."""
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY

    def locked(*args: object, **kwargs: object) -> Any:
        """The driver giving up its wait for a lock."""
        raise PersistenceError("database is locked") from busy

    with Ledger.open(shared_url) as ledger:
        ann = ledger.register_member("Ann")
        ledger._forget()  # the member is read from storage, not the cache
        monkeypatch.setattr(ledger._app.recorder, "max_notification_id", locked)
        monkeypatch.setattr(ledger._app.recorder, "select_events", locked)
        for read in (lambda: ledger.position, lambda: ledger.member(ann)):
            with pytest.raises(DatabaseLockedError):
                read()
        monkeypatch.undo()
