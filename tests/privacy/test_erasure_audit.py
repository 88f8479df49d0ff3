"""The erasure audit finds every key that is not as the ledger records it should be."""

from __future__ import annotations

import os
from collections.abc import Iterator
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from coledger import Ledger
from coledger.privacy.classification import Purpose
from conftest import TEST_MASTER_KEY


class Story:
    """A small ledger: Ana declared then withdrew, Bo was erased, Cy keeps all."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        admin = ledger.register_member("Admin Example", role="staff")
        self.ana = ledger.register_member("Ana Example")
        self.bo = ledger.register_member("Bo Example")
        self.cy = ledger.register_member("Cy Example")
        ledger.declare_lived_experience(self.ana, categories=["DIS"])
        ledger.declare_lived_experience(self.cy, categories=["CARER"])
        body = ledger.establish_body("Board", kind="governance", by=admin)
        proposal = ledger.raise_proposal(
            body, proposers=[self.bo], title="More sessions", text="Twice a week."
        )
        ledger.comment(proposal, author=self.bo, text="Bo's own words")
        ledger.comment(proposal, author=self.cy, text="Cy agrees")
        ledger.request_adjustment(self.cy, code="BSL")
        self.ana_declaration = self.key_of(self.ana, Purpose.LIVED_EXPERIENCE)
        ledger.withdraw_lived_experience(self.ana)
        self.bo_identity = self.key_of(self.bo, Purpose.IDENTITY)
        ledger.erase_member(self.bo, by=admin)

    def key_of(self, member: UUID, purpose: str) -> str:
        """The id of the member's live key for *purpose*."""
        return {p: k for k, p in self.ledger._keys.live_keys(member)}[purpose]

    def revive(self, key_id: str, member: UUID, purpose: str) -> None:
        """Put bytes back under a key id, as a restored backup would."""
        keys = self.ledger._keys
        keys._delete([key_id])
        keys._insert(
            key_id, str(member), purpose, aes_key_wrap(TEST_MASTER_KEY, os.urandom(32))
        )


@pytest.fixture
def story(ledger_url: str) -> Iterator[Story]:
    """The story on each backend, opened with the test master key."""
    with Ledger.open(ledger_url, master_key=TEST_MASTER_KEY) as ledger:
        yield Story(ledger)


def codes(story: Story) -> list[tuple[str, str]]:
    """(code, key id) of each finding."""
    return [(f.code, f.key_id) for f in story.ledger.audit_erasure().findings]


def test_a_ledger_that_kept_its_promises_passes(story: Story) -> None:
    """Erasure and withdrawal as recorded: no findings, and the counts add up."""
    audit = story.ledger.audit_erasure()
    assert audit.ok, audit.to_text()
    assert (audit.members_erased, audit.declarations_withdrawn) == (1, 1)
    # Bo's name and comment, Ana's declaration; the rest open.
    assert audit.erased_fields == 3
    assert audit.opened == audit.sealed_fields - 3 > 0
    assert audit.to_text().endswith("OK")


def test_a_key_destroyed_without_a_record_is_unexplained(story: Story) -> None:
    """Destroying Cy's identity key behind the ledger's back is found."""
    key = story.key_of(story.cy, Purpose.IDENTITY)
    story.ledger._keys._destroy(str(story.cy), (Purpose.IDENTITY,))
    assert codes(story) == [("KEY_MISSING_UNEXPLAINED", key)]


def test_an_erased_members_key_brought_back_is_found(story: Story) -> None:
    """Bytes back under Bo's destroyed identity key: the erasure is incomplete."""
    story.revive(story.bo_identity, story.bo, Purpose.IDENTITY)
    found = story.ledger.audit_erasure().findings
    assert {(f.code, f.key_id) for f in found} == {
        ("ERASURE_INCOMPLETE", story.bo_identity)
    }
    assert all(f.member == story.bo for f in found)


def test_a_missing_tombstone_is_found(story: Story) -> None:
    """Without its tombstone, a key could be made for an erased member again."""
    story.ledger._keys._delete([f"erased:{story.bo}"])
    assert codes(story) == [("ERASURE_INCOMPLETE", f"erased:{story.bo}")]


def test_a_withdrawn_declarations_key_brought_back_is_found(story: Story) -> None:
    """Bytes back under Ana's withdrawn declaration's key are found."""
    story.revive(story.ana_declaration, story.ana, Purpose.LIVED_EXPERIENCE)
    assert codes(story) == [("WITHDRAWAL_INCOMPLETE", story.ana_declaration)]


def test_a_replaced_key_fails_to_open(story: Story) -> None:
    """Another key under Cy's access key id opens nothing."""
    key = story.key_of(story.cy, Purpose.ACCESS)
    story.revive(key, story.cy, Purpose.ACCESS)
    assert codes(story) == [("DECRYPT_FAILED", key)]


def test_a_key_deleted_outright_is_not_in_the_store(story: Story) -> None:
    """A sealed field naming a key the store lacks is reported once per key."""
    key = story.key_of(story.cy, Purpose.IDENTITY)
    story.ledger._keys._delete([key])
    assert codes(story) == [("KEY_NOT_IN_STORE", key)]
    text = story.ledger.audit_erasure().to_text()
    assert "Cy" not in text
    assert "agrees" not in text
