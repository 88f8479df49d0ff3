"""An erasure by another writer wins over work already under way in this one."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID, uuid4

import pytest

from coledger import Ledger
from coledger import _core as core
from coledger.domain.values import ERASED
from coledger.errors import ConcurrencyError, LedgerError, NotAMemberError
from coledger.privacy.keys import MemoryKeyStore
from conftest import TEST_MASTER_KEY

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


def test_a_key_another_writer_destroys_as_it_is_found_seals_nothing(
    ledger_url: str,
) -> None:
    """A key destroyed between finding it live and unwrapping it is refused, typed."""
    url = shared(ledger_url)
    with Ledger.open(url) as first, Ledger.open(url) as second:
        admin = first.register_member("Admin", role="staff")
        sam = first.register_member(SAM_NAME, by=admin)
        board = first.establish_body("Board", kind="governance", by=admin)
        proposal = first.raise_proposal(
            board, proposers=[admin], title="Agenda", text="x"
        )
        keys: Any = second._keys
        found = keys._current_id

        def erased_once_found(member: str, purpose: str) -> str | None:
            """Sam's live key is found, and then the other writer erases sam."""
            key_id: str | None = found(member, purpose)
            if member == str(sam) and not first.member(sam).erased:
                first.erase_member(sam, by=admin)
            return key_id

        keys._current_id = erased_once_found
        with pytest.raises(LedgerError):
            second.comment(proposal, author=sam, text=SAM_COMMENT)
        keys._current_id = found
        assert not second.proposal(proposal).comments
        assert second._keys.live_keys(sam) == []
        assert second.audit_erasure().ok


@pytest.mark.parametrize("in_batch", [False, True], ids=["command", "batch"])
def test_sealing_for_a_member_another_writer_erased_since_is_a_conflict(
    ledger_url: str, in_batch: bool
) -> None:
    """An erasure stored between a command's read and its sealing is a conflict."""
    url = shared(ledger_url)
    with Ledger.open(url) as first, Ledger.open(url) as second:
        admin = first.register_member("Admin", role="staff")
        sam = first.register_member(SAM_NAME, by=admin)  # second holds no key of sam's
        board = first.establish_body("Board", kind="governance", by=admin)
        proposal = first.raise_proposal(
            board, proposers=[admin], title="Agenda", text="x"
        )
        keys: Any = second._keys
        key_for = keys.key_for

        def erased_before_sealing(member: UUID, purpose: str) -> Any:
            """Sam was read as a member; the other writer erases sam before the seal."""
            if member == sam and not first.member(sam).erased:
                first.erase_member(sam, by=admin)
            return key_for(member, purpose)

        keys.key_for = erased_before_sealing
        if in_batch:
            # Not retried: the batch fails as overtaken, not for a master key.
            with pytest.raises(ConcurrencyError), second.batch():
                second.comment(proposal, author=sam, text=SAM_COMMENT)
        else:
            # Run again on the fresh record: refused for the erasure.
            with pytest.raises(NotAMemberError, match="erased"):
                second.comment(proposal, author=sam, text=SAM_COMMENT)
        keys.key_for = key_for
        assert not second.proposal(proposal).comments
        assert second._keys.live_keys(sam) == []
        assert second.audit_erasure().ok


def test_a_key_withdrawn_as_it_is_found_gives_way_to_a_new_key() -> None:
    """A key destroyed (its member not erased) just after it is found is not used."""
    writer = MemoryKeyStore(TEST_MASTER_KEY)
    sam = uuid4()
    old, _ = writer.key_for(sam, "lived_experience")
    reader: Any = MemoryKeyStore(TEST_MASTER_KEY)
    reader._rows = writer._rows  # one storage, as two processes share a file
    found = reader._current_id

    def withdrawn_once_found(member: str, purpose: str) -> str | None:
        """Sam's live key is found, and then the other writer withdraws it."""
        key_id: str | None = found(member, purpose)
        writer.destroy(sam, ("lived_experience",))
        return key_id

    reader._current_id = withdrawn_once_found
    key_id, plain = reader.key_for(sam, "lived_experience")
    assert key_id != old
    assert len(plain) == 32
    assert reader.state_of(old) == "destroyed"
    assert reader.stored_key(key_id) == plain


@pytest.mark.parametrize("withdraw", [False, True], ids=["erasure", "withdrawal"])
def test_an_export_under_way_when_another_writer_destroys_keys_is_refused(
    shared_url: str, monkeypatch: pytest.MonkeyPatch, withdraw: bool
) -> None:
    """An export whose earlier lines opened keys another writer then destroys fails.

    Its earlier lines hold the member's data in clear and its later ones
    '[erased]', with no event that says why (the export ends where it began).
    """
    monkeypatch.setattr(core, "HISTORY_PAGE", 1)
    with Ledger.open(shared_url) as first, Ledger.open(shared_url) as second:
        admin = first.register_member("Admin", role="staff")
        sam = first.register_member(SAM_NAME, by=admin)
        first.declare_lived_experience(sam, categories=["DIS"])
        board = first.establish_body("Board", kind="governance", by=admin)
        first.assign_seat(board, sam, by=admin)

        def destroying(done: int, total: int) -> None:
            if done == 3:  # sam's name and declaration are written
                if withdraw:
                    first.withdraw_lived_experience(sam)
                else:
                    first.erase_member(sam, by=admin)

        with pytest.raises(ConcurrencyError, match="export again"):
            second.export(io.StringIO(), destroying)
        again = io.StringIO()
        assert second.export(again) == 6
    said = again.getvalue()
    assert '"categories": ["DIS"]' not in said
    assert (SAM_NAME in said) is withdraw
    gone = "Member.LivedExperienceWithdrawn" if withdraw else "Member.Erased"
    assert gone in said
