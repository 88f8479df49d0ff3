"""Withdrawals and erasures inside a batch shred keys only when the batch is stored.

A batch stores all of its events or none. Its shredding must follow: a batch
that fails destroys nothing (the declaration, the name and the tables stay as
the stored record says), and a batch that succeeds leaves nothing it withdrew
or erased readable, even data sealed in the same batch.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from coledger import (
    ConcurrencyError,
    Ledger,
    UnknownProposalError,
    WrongStateError,
)
from coledger import _core as core
from coledger.domain.values import ERASED
from coledger.projections.materialise import Materialiser, MemoryTables, comparable
from helpers import refused


def _declared(ledger: Ledger, member: UUID) -> list[Any]:
    """The categories of every declaration the member made, as stored now."""
    return [
        r.event.categories  # type: ignore[attr-defined]
        for r in ledger.history()
        if type(r.event).__qualname__ == "Member.LivedExperienceDeclared"
        and r.event.originator_id == member
    ]


def _comments(ledger: Ledger, proposal: UUID) -> list[str]:
    """The texts of the proposal's comments, as stored now."""
    return [c.text for c in ledger.proposal(proposal).comments]


@pytest.mark.parametrize("shred", ["withdraw", "erase"])
def test_a_failed_batch_shreds_nothing(ledger: Ledger, shred: str) -> None:
    """The refused batch stores no event and destroys no key; tables match a rebuild."""
    admin = ledger.register_member("Admin", role="staff")
    bea = ledger.register_member("Bea Brook")
    ledger.declare_lived_experience(bea, categories=["DIS"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, admin, by=admin)
    ledger.assign_seat(board, bea, by=admin)
    kept = Materialiser(ledger, MemoryTables())
    kept.catch_up()
    # Only the comment may fail: a refused shredding would pass the rest too.
    with refused(ledger, UnknownProposalError), ledger.batch():
        if shred == "withdraw":
            ledger.withdraw_lived_experience(bea)
        else:
            ledger.erase_member(bea, by=admin)
        ledger.comment(uuid4(), author=admin, text="on nothing")  # refused
    view = ledger.member(bea)
    assert (view.name, view.lived_experience, view.erased) == (
        "Bea Brook",
        ("DIS",),
        False,
    )
    assert _declared(ledger, bea) == [("DIS",)]
    ledger.register_member("Cy Cole")
    kept.catch_up()
    fresh = Materialiser(ledger, MemoryTables())
    fresh.rebuild()
    for scope in (None, board):
        assert comparable(_report(kept, scope)) == comparable(_report(fresh, scope))
    assert ledger.power_sharing().indicators["R1"].value == 0.5


def _report(projector: Materialiser, body: UUID | None) -> Any:
    """The materialised report for the ledger or one body."""
    from coledger.projections.lens import Scope

    scope = Scope.ledger() if body is None else Scope.body(body)
    report = projector.read(scope)
    assert report is not None
    return report


def test_a_declaration_withdrawn_in_its_own_batch_is_unreadable(ledger: Ledger) -> None:
    """Declared and withdrawn in one batch, the stored declaration reads as ()."""
    admin = ledger.register_member("Admin", role="staff")
    with ledger.batch():
        mo = ledger.register_member("Mo Marsh", by=admin)
        ledger.declare_lived_experience(mo, categories=["DIS"])
        ledger.withdraw_lived_experience(mo)
    assert _declared(ledger, mo) == [()]
    assert ledger.member(mo).lived_experience == ()
    assert ledger.facts().members[mo].lived_experience == []


def test_data_sealed_in_the_batch_that_erases_is_unreadable(ledger: Ledger) -> None:
    """A name and a comment written in the erasing batch are erased with the rest."""
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    proposal = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
    with ledger.batch():
        mo = ledger.register_member("Mo Marsh", by=admin)
        ledger.comment(proposal, author=mo, text="canary 51d0: my knee")
        ledger.request_adjustment(mo, code="BSL")
        ledger.erase_member(mo, by=admin)
    assert ledger.member(mo).name == ERASED
    assert _comments(ledger, proposal) == [ERASED]
    assert "canary 51d0" not in str([r.event.__dict__ for r in ledger.history()])


def test_declaring_again_after_a_withdrawal_in_the_same_batch_is_refused(
    ledger: Ledger,
) -> None:
    """Both would be sealed under one key, so the second declaration waits its turn."""
    mo = ledger.register_member("Mo Marsh")
    ledger.declare_lived_experience(mo, categories=["DIS"])
    with refused(ledger, WrongStateError, match="same batch"), ledger.batch():
        ledger.withdraw_lived_experience(mo)
        ledger.declare_lived_experience(mo, categories=["CARER"])
    assert ledger.member(mo).lived_experience == ("DIS",)
    ledger.withdraw_lived_experience(mo)  # in two steps it works
    ledger.declare_lived_experience(mo, categories=["CARER"])
    assert _declared(ledger, mo) == [(), ("CARER",)]


@pytest.mark.parametrize(
    "overtaken", ["the member", "another record", "a record it only read"]
)
def test_a_batch_another_writer_overtook_destroys_no_key(
    shared_url: str, overtaken: str
) -> None:
    """The batch stops before shredding: every declaration stays as recorded.

    A record the batch only read (the comment's author) counts too: its change
    once refused the insert only after the key was gone, with no withdrawal.
    """
    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        admin = ours.register_member("Admin", role="staff")
        mo = ours.register_member("Mo Marsh")
        ours.declare_lived_experience(mo, categories=["DIS"])
        board = ours.establish_body("Board", kind="governance", by=admin)
        proposal = ours.raise_proposal(board, proposers=[admin], title="T", text="x")

        def batch() -> None:
            with ours.batch():
                ours.withdraw_lived_experience(mo)
                ours.comment(proposal, author=admin, text="ours")
                if overtaken == "the member":
                    theirs.withdraw_lived_experience(mo)
                    theirs.declare_lived_experience(mo, categories=["CARER"])
                elif overtaken == "another record":
                    theirs.comment(proposal, author=admin, text="theirs")
                else:
                    theirs.change_role(admin, "trustee", by=admin)

        with pytest.raises(ConcurrencyError, match="no key destroyed"):
            batch()
    expected = [(), ("CARER",)] if overtaken == "the member" else [("DIS",)]
    with Ledger.open(shared_url) as reopened:
        assert reopened.member(mo).lived_experience == expected[-1]
        assert _declared(reopened, mo) == expected


def _topics(ledger: Ledger, record: UUID) -> list[str]:
    """The event classes stored for one record, in order."""
    return [
        type(r.event).__qualname__
        for r in ledger.history()
        if r.event.originator_id == record
    ]


def test_a_batch_longer_than_the_cache_keeps_every_event(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record the batch changed is never read again from the store mid-batch."""
    monkeypatch.setattr(core, "CACHE_SIZE", 4)
    admin = ledger.register_member("Admin", role="staff")
    mo = ledger.register_member("Mo Marsh")
    ledger.declare_lived_experience(mo, categories=["DIS"])
    with ledger.batch():
        ledger.withdraw_lived_experience(mo)
        for i in range(12):  # each loads the admin, and pushes mo out of the cache
            ledger.register_member(f"Member {i}", by=admin)
        ledger.change_role(mo, "staff", by=admin)
    assert _topics(ledger, mo)[-2:] == [
        "Member.LivedExperienceWithdrawn",
        "Member.RoleChanged",
    ]
    assert ledger.member(mo).lived_experience == ()
    ledger.declare_lived_experience(mo, categories=["CARER"])  # no declaration stands


def test_a_query_after_another_writer_shreds_keeps_the_batch_s_records(
    shared_url: str,
) -> None:
    """Keys destroyed elsewhere empty the cache, never the batch's own records."""
    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        admin = ours.register_member("Admin", role="staff")
        mo = ours.register_member("Mo Marsh")
        zed = ours.register_member("Zed Zane")
        for member in (mo, zed):
            ours.declare_lived_experience(member, categories=["DIS"])
        with ours.batch():
            ours.withdraw_lived_experience(mo)
            theirs.withdraw_lived_experience(zed)
            ours.member(admin)  # sees the destroyed key, and empties the cache
            ours.change_role(mo, "staff", by=admin)
        assert _topics(ours, mo)[-2:] == [
            "Member.LivedExperienceWithdrawn",
            "Member.RoleChanged",
        ]


def test_a_batch_seals_under_the_keys_as_they_stand_when_it_is_stored(
    shared_url: str,
) -> None:
    """A key another writer destroyed during the batch seals nothing of it."""
    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        mo = ours.register_member("Mo Marsh")
        ours.declare_lived_experience(mo, categories=["DIS"])  # ours keeps the key
        with ours.batch():
            theirs.withdraw_lived_experience(mo)
            ours.declare_lived_experience(mo, categories=["CARER"])
        assert _declared(ours, mo) == [(), ("CARER",)]
    with Ledger.open(shared_url) as reopened:
        assert reopened.member(mo).lived_experience == ("CARER",)


def test_a_failed_batch_keeps_the_keys_it_made_for_members_already_recorded(
    shared_url: str,
) -> None:
    """A failed batch deletes its new members' keys and keeps those of recorded ones."""
    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        admin = ours.register_member("Admin", role="staff")
        mo = ours.register_member("Mo Marsh")  # an identity key, no access key
        kit: list[UUID] = []

        def overtaken() -> None:
            """A batch that registers Kit and seals Mo's first access request."""
            with ours.batch():
                kit.append(ours.register_member("Kit Kerr", by=admin))
                ours.request_adjustment(mo, code="BSL")
                theirs.change_role(mo, "staff", by=admin)  # overtakes the batch

        with pytest.raises(ConcurrencyError):
            overtaken()
        assert ours._keys.key_ids_of(kit[0]) == frozenset()
        made = dict(ours._keys.live_keys(mo))
        assert sorted(made.values()) == ["access", "identity"]
        request = ours.request_adjustment(mo, code="BSL")
        assert ours.adjustment(request).code == "BSL"
        assert dict(ours._keys.live_keys(mo)) == made  # sealed under the kept key
        assert ours.audit_erasure().ok
