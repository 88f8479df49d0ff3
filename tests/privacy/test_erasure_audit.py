"""The erasure audit finds every key that is not as the ledger records it should be."""

from __future__ import annotations

import io
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from coledger import Ledger
from coledger.errors import CorruptEventError, MasterKeyError, StorageError
from coledger.privacy.classification import Purpose
from conftest import TEST_MASTER_KEY


class Story:
    """A small ledger: Ana declared then withdrew, Bo was erased, Cy keeps all."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.admin = admin = ledger.register_member("Admin Example", role="staff")
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


def test_reapplied_erasures_put_back_the_tombstone_and_pass(story: Story) -> None:
    """A restore brought back Bo's key but not his tombstone: reapply fixes both."""
    story.ledger._keys._delete([f"erased:{story.bo}"])
    story.revive(story.bo_identity, story.bo, Purpose.IDENTITY)
    assert not story.ledger.audit_erasure().ok
    assert story.ledger.reapply_erasures() == 1
    assert codes(story) == []


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


def test_reading_a_field_whose_key_is_not_in_the_store_names_the_key(
    story: Story,
) -> None:
    """Reading a field under a key the store lacks raises MasterKeyError naming it."""
    key = story.key_of(story.cy, Purpose.IDENTITY)
    story.ledger._keys._delete([key])
    with pytest.raises(MasterKeyError, match=key):
        story.ledger.member(story.cy)


def test_an_import_of_a_declaration_made_again_after_a_withdrawal_passes() -> None:
    """The withdrawn declaration, exported erased, shares the new key: no finding."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        ana = source.register_member("Ana Example")
        source.declare_lived_experience(ana, categories=["DIS"])
        source.withdraw_lived_experience(ana)
        source.declare_lived_experience(ana, categories=["CARER"])
        out = io.StringIO()
        source.export(out)
        before = source.audit_erasure()
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        copy.import_events(out.getvalue().splitlines())
        after = copy.audit_erasure()
    assert before.ok, before.to_text()
    assert after.ok, after.to_text()
    assert (after.erased_fields, after.opened) == (before.erased_fields, before.opened)


def test_a_member_whose_id_is_the_nil_uuid_is_erased_without_a_finding() -> None:
    """The store's check value, kept under the nil UUID, is no key of that member."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        admin = source.register_member("Admin Example", role="staff")
        ana = source.register_member("Ana Example")
        out = io.StringIO()
        source.export(out)
    nil = UUID(int=0)
    lines = out.getvalue().replace(str(ana), str(nil)).splitlines()
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        copy.import_events(lines)
        copy.erase_member(nil, by=admin)
        assert copy._keys.live_keys(nil) == []
        audit = copy.audit_erasure()
    assert audit.ok, audit.to_text()
    assert audit.erased_fields == 1


def test_an_erasure_recorded_while_the_audit_runs_explains_its_keys(
    tmp_path: Path,
) -> None:
    """Keys another writer destroys mid-audit are explained by the events it stores."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with (
        Ledger.open(url, master_key=TEST_MASTER_KEY) as auditor,
        Ledger.open(url, master_key=TEST_MASTER_KEY) as writer,
    ):
        story = Story(writer)
        keys = auditor._keys
        state_of = keys.state_of
        calls: list[str] = []

        def erase_on_first_call(key_id: str) -> str:
            if not calls:
                writer.erase_member(story.cy, by=story.admin)
            calls.append(key_id)
            return state_of(key_id)

        keys.state_of = erase_on_first_call  # type: ignore[method-assign]
        audit = auditor.audit_erasure()
    assert calls
    assert audit.ok, audit.to_text()
    assert audit.members_erased == 2


def test_a_key_the_audit_opened_before_an_erasure_meanwhile_is_no_finding(
    tmp_path: Path,
) -> None:
    """A key opened, then destroyed by an erasure stored mid-audit, is no finding."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with (
        Ledger.open(url, master_key=TEST_MASTER_KEY) as auditor,
        Ledger.open(url, master_key=TEST_MASTER_KEY) as writer,
    ):
        story = Story(writer)
        cy_keys = {key_id for key_id, _ in writer._keys.live_keys(story.cy)}
        keys = auditor._keys
        stored_key = keys.stored_key

        def erase_after_opening(key_id: str) -> bytes | None:
            key = stored_key(key_id)
            if key_id in cy_keys and not writer.member(story.cy).erased:
                writer.erase_member(story.cy, by=story.admin)
            return key

        keys.stored_key = erase_after_opening  # type: ignore[method-assign]
        audit = auditor.audit_erasure()
    assert audit.members_erased == 2
    assert audit.ok, audit.to_text()


def test_an_erasure_that_failed_to_be_stored_says_run_it_again(story: Story) -> None:
    """A tombstone and destroyed keys without an Erased event: ERASURE_UNRECORDED."""
    story.ledger._keys.destroy(story.cy, tuple(Purpose), erase=True)
    found = story.ledger.audit_erasure().findings
    assert {f.code for f in found} == {"ERASURE_UNRECORDED"}
    assert all(f.member == story.cy for f in found)
    assert "run the erasure again" in found[0].detail
    story.ledger.erase_member(story.cy, by=story.admin)
    assert story.ledger.audit_erasure().ok


def test_an_erasure_that_failed_before_destroying_a_key_says_run_it_again(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tombstone left beside live keys by a failed erasure: ERASURE_UNRECORDED."""
    keys = story.ledger._keys
    destroy = keys._destroy

    def fail_after_tombstone(
        member: str, purposes: tuple[str, ...], only: Sequence[str] | None = None
    ) -> list[str]:
        if purposes != ("erased",):
            raise StorageError("the key store failed")
        return destroy(member, purposes, only)

    monkeypatch.setattr(keys, "_destroy", fail_after_tombstone)
    with pytest.raises(StorageError):
        story.ledger.erase_member(story.cy, by=story.admin)
    monkeypatch.undo()
    found = story.ledger.audit_erasure().findings
    assert [(f.code, f.member, f.key_id) for f in found] == [
        ("ERASURE_UNRECORDED", story.cy, f"erased:{story.cy}")
    ]
    assert "run the erasure again" in found[0].detail
    story.ledger.erase_member(story.cy, by=story.admin)
    assert story.ledger.audit_erasure().ok


def test_a_damaged_key_row_is_one_finding_not_a_stopped_audit(story: Story) -> None:
    """Bytes that do not unwrap under one key id: DECRYPT_FAILED for that key only."""
    key = story.key_of(story.cy, Purpose.ACCESS)
    story.ledger._keys._delete([key])
    story.ledger._keys._insert(key, str(story.cy), Purpose.ACCESS, b"not a wrapped key")
    assert codes(story) == [("DECRYPT_FAILED", key)]


def tamper(path: Path, sql: str, *params: object) -> None:
    """Run *sql* on the stored events of a SQLite ledger, as an attacker would."""
    with sqlite3.connect(path) as conn:
        assert conn.execute(sql, params).rowcount == 1


def test_a_field_stored_in_clear_or_broken_is_reported(tmp_path: Path) -> None:
    """A name put back in clear, or a sealed value of the wrong kind, is found."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        story = Story(ledger)
    edit = (
        "UPDATE stored_events SET state = json_set(state, ?, ?) "
        "WHERE topic LIKE '%Member.Registered' AND originator_id = ?"
    )
    tamper(path, edit, "$.name", "Bo Example", story.bo.hex)
    tamper(path, edit, "$.name.v", 5, story.cy.hex)
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        audit = ledger.audit_erasure()
    found = {(f.code, f.member) for f in audit.findings}
    assert found == {("FIELD_NOT_SEALED", story.bo), ("DECRYPT_FAILED", story.cy)}
    assert "Bo Example" not in audit.to_text()


def test_every_member_whose_data_is_in_clear_is_named(tmp_path: Path) -> None:
    """Names put back in clear for two members give a finding for each, not one."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        story = Story(ledger)
    edit = (
        "UPDATE stored_events SET state = json_set(state, '$.name', ?) "
        "WHERE topic LIKE '%Member.Registered' AND originator_id = ?"
    )
    tamper(path, edit, "Ana Example", story.ana.hex)
    tamper(path, edit, "Bo Example", story.bo.hex)  # erased, yet readable
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        audit = ledger.audit_erasure()
    found = [(f.code, f.member) for f in audit.findings]
    assert found == [
        ("FIELD_NOT_SEALED", story.ana),
        ("FIELD_NOT_SEALED", story.bo),
    ]
    assert audit.to_text().endswith("FAILED: 2 finding(s)")


def test_a_planted_key_id_is_escaped_in_the_text(tmp_path: Path) -> None:
    """A key id holding terminal escapes is shown escaped, so it cannot redraw OK."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        story = Story(ledger)
    planted = "k\x1b[2K\rOK\x1b[8m"
    tamper(
        path,
        "UPDATE stored_events SET state = json_set(state, '$.name.k', ?) "
        "WHERE topic LIKE '%Member.Registered' AND originator_id = ?",
        planted,
        story.cy.hex,
    )
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        audit = ledger.audit_erasure()
    assert [(f.code, f.key_id) for f in audit.findings] == [
        ("KEY_NOT_IN_STORE", planted)
    ]
    text = audit.to_text()
    assert "\x1b" not in text
    assert "\r" not in text
    assert "key k\\x1b[2K\\rOK\\x1b[8m, position" in text
    assert text.endswith("FAILED: 1 finding(s)")


def test_a_subject_that_is_not_a_member_id_is_corrupt_and_not_quoted(
    tmp_path: Path,
) -> None:
    """A comment whose author field holds a name stops the audit without echoing it."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger:
        Story(ledger)
    tamper(
        path,
        "UPDATE stored_events SET state = json_set(state, '$.author', 'Cy Secret') "
        "WHERE rowid = (SELECT min(rowid) FROM stored_events "
        "WHERE topic LIKE '%Proposal.Commented')",
    )
    with (
        Ledger.open(f"sqlite:///{path}", master_key=TEST_MASTER_KEY) as ledger,
        pytest.raises(CorruptEventError, match="names no member") as caught,
    ):
        ledger.audit_erasure()
    assert "Cy Secret" not in str(caught.value)
