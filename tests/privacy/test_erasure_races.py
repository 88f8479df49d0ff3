"""An erasure by another writer wins over work already under way in this one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.domain.values import ERASED
from coledger.errors import LedgerError

SAM_NAME = "Perpetua Annwyl-Kestrel"
SAM_COMMENT = "canary 7d31: I need the agenda a week early"
FILLER = 1_000
"""Members registered between sam's name and sam's comment: one history page."""


def shared(ledger_url: str) -> str:
    """*ledger_url*, unless two in-memory ledgers could never share it."""
    if ledger_url == "memory://":
        pytest.skip("two in-memory ledgers never share storage")
    return ledger_url


def test_a_key_made_while_another_writer_erases_is_destroyed(ledger_url: str) -> None:
    """A command that checked before a concurrent erasure seals nothing readable."""
    url = shared(ledger_url)
    with Ledger.open(url) as first, Ledger.open(url) as second:
        admin = first.register_member("Admin", role="staff")
        sam = first.register_member(SAM_NAME, by=admin)  # no access key yet
        keys: Any = second._keys
        looked = keys.is_erased

        def erased_meanwhile(member: UUID) -> bool:
            """The first look says no, and then the other writer erases sam."""
            found: bool = looked(member)
            if not first.member(sam).erased:
                first.erase_member(sam, by=admin)
            return found

        keys.is_erased = erased_meanwhile
        with pytest.raises(LedgerError):
            second.request_adjustment(sam, code="BSL", by=admin)
        keys.is_erased = looked
        kinds = {type(r.event).__qualname__ for r in second.history()}
        assert "Member.Erased" in kinds
        assert not any(kind.startswith("Adjustment.") for kind in kinds)
        assert second._keys.live_keys(sam) == []
        assert second.audit_erasure().ok


def test_a_history_already_running_stops_opening_an_erased_member(
    ledger_url: str,
) -> None:
    """Pages read after another writer's erasure show the member's data as erased."""
    url = shared(ledger_url)
    with Ledger.open(url) as first, Ledger.open(url) as second:
        admin = first.register_member("Admin", role="staff")
        sam = first.register_member(SAM_NAME, by=admin)
        with first.batch():
            for i in range(FILLER):
                first.register_member(f"Member {i}")
        board = first.establish_body("Board", kind="governance", by=admin)
        proposal = first.raise_proposal(
            board, proposers=[sam], title="Agenda", text="x"
        )
        first.comment(proposal, author=sam, text=SAM_COMMENT)
        assert second.member(sam).name == SAM_NAME  # sam's keys now in its cache
        reading = second.history()
        opening = next(reading)
        first.erase_member(sam, by=admin)
        later = [r.event for r in reading if r.event.originator_id == proposal]
        assert opening.position == 1
        texts = [getattr(e, "text", None) for e in later]
        assert SAM_COMMENT not in texts
        assert ERASED in texts
