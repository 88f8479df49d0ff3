"""Two Ledgers opening one new SQLite ledger at once keep one key store between them."""

from __future__ import annotations

from pathlib import Path

import pytest

from coledger import Ledger
from coledger._core import LedgerCore
from conftest import TEST_MASTER_KEY


def test_a_slow_opener_of_a_new_ledger_does_not_delete_the_key_store_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An open that made the store's check value, overtaken by another's write, opens.

    The other Ledger, opening the same new file meanwhile, took the store as
    made and registered a member; the slow open then found events beside a
    store it had just made, took the store for lost, and deleted it with the
    member's key, so that neither could read the member again.
    """
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    (tmp_path / "ledger.db").touch(mode=0o600)  # the first opener made the file
    real = LedgerCore._refuse_lost_key_store
    registered = []

    def overtaken(self: LedgerCore) -> None:
        with Ledger.open(url, master_key=TEST_MASTER_KEY) as first:
            registered.append(first.register_member("Ann"))
        real(self)

    monkeypatch.setattr(LedgerCore, "_refuse_lost_key_store", overtaken)
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as slow:
        monkeypatch.undo()
        assert slow.member(registered[0]).name == "Ann"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as again:
        assert again.member(registered[0]).name == "Ann"
