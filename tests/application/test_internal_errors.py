"""The Ledger's own retry signals (HeadMovedError, ReadsChangedError) stay inside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.persistence import PersistenceError

from coledger import ConcurrencyError, Ledger, StorageError
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

        def unreadable() -> int:
            """The storage failing just as the Ledger reads the head."""
            raise PersistenceError("disk gone")

        recorder = ours._app.recorder
        monkeypatch.setattr(recorder, "max_notification_id", unreadable)
        with pytest.raises(StorageError) as refusal:
            ours.register_member("Cy", by=admin)
        assert type(refusal.value) is StorageError
