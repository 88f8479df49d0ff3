"""KeyStore.provision: a bulk write's keys, in one transaction, gone if it fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg import sql

from coledger import Ledger
from coledger.domain import Member
from coledger.errors import MasterKeyError
from coledger.privacy.keys import (
    KeyStore,
    MemoryKeyStore,
    PostgresKeyStore,
    SQLiteKeyStore,
)
from conftest import PG_CONNINFO, TEST_MASTER_KEY

IDENTITY, LIVED, ACCESS = "identity", "lived_experience", "access"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyStore]:
    """An empty key store of each kind."""
    opened: KeyStore
    if request.param == "memory":
        opened = MemoryKeyStore(TEST_MASTER_KEY)
    elif request.param == "sqlite":
        opened = SQLiteKeyStore(TEST_MASTER_KEY, tmp_path / "ledger.db.keys")
    else:
        schema: str = request.getfixturevalue("pg_schema")
        with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        opened = PostgresKeyStore(TEST_MASTER_KEY, PG_CONNINFO, schema)
    opened.check_master_key()
    yield opened
    opened.close()


def rows(store: KeyStore, member: UUID) -> dict[tuple[str, str], bool]:
    """Whether each stored key of *member* is live, by (key id, purpose)."""
    return {
        (key_id, purpose): wrapped is not None
        for key_id, _, purpose, wrapped in store._rows_of([str(member)])
    }


def test_needed_keys_are_made_live_and_found_in_memory(store: KeyStore) -> None:
    """Each needed key is stored live, and key_for hands it out without a lookup."""
    ann, bob = uuid4(), uuid4()
    store.sync()
    with store.provision([(ann, IDENTITY), (ann, ACCESS), (bob, IDENTITY)], {}, []):
        key_id, plain = store.key_for(ann, IDENTITY)
        assert store.key(key_id) == plain
    assert rows(store, ann) == {
        (store.key_for(ann, IDENTITY)[0], IDENTITY): True,
        (store.key_for(ann, ACCESS)[0], ACCESS): True,
    }
    assert store.key_for(ann, IDENTITY) == (key_id, plain)
    assert len(rows(store, bob)) == 1
    assert not store.sync(), "nothing was destroyed"


def test_shredded_keys_are_stored_destroyed_and_erased_members_marked(
    store: KeyStore,
) -> None:
    """Keys the write shreds never reach the store live, and leave memory after."""
    ann, bob = uuid4(), uuid4()
    store.sync()
    needed = [(ann, IDENTITY), (ann, LIVED), (bob, IDENTITY), (bob, LIVED)]
    with store.provision(needed, {ann: {IDENTITY, LIVED, ACCESS}, bob: {LIVED}}, [ann]):
        ann_key, _ = store.key_for(ann, IDENTITY)
        bob_lived, _ = store.key_for(bob, LIVED)
    assert not any(rows(store, ann).values())
    assert store.is_erased(ann)
    assert not store.is_erased(bob)
    assert {p: live for (_, p), live in rows(store, bob).items()} == {
        IDENTITY: True,
        LIVED: False,
    }
    assert ann_key not in store._plain
    assert bob_lived not in store._plain
    assert store.key(ann_key) is None
    assert store.sync(), "destroying keys moves the generation on"
    with pytest.raises(MasterKeyError, match="was erased"):
        store.key_for(ann, IDENTITY)


def test_a_failed_block_deletes_every_row_it_made(store: KeyStore) -> None:
    """If the write fails, its keys and tombstones are deleted and forgotten."""
    ann, bob = uuid4(), uuid4()
    kept = store.key_for(bob, ACCESS)
    made: list[str] = []

    def failed_write() -> None:
        needed = [(ann, IDENTITY), (bob, IDENTITY)]
        with store.provision(needed, {ann: {IDENTITY}, bob: {ACCESS}}, [ann]):
            made.append(store.key_for(ann, IDENTITY)[0])
            raise RuntimeError("write failed")

    with pytest.raises(RuntimeError, match="write failed"):
        failed_write()
    assert made
    assert rows(store, ann) == {}
    assert not store.is_erased(ann)
    assert rows(store, bob) == {(kept[0], ACCESS): True}, "nothing was destroyed"
    assert made[0] not in store._plain
    assert (ann, IDENTITY) not in store._current


def test_keys_already_stored_are_never_reused_and_destroyed_only_when_shredded(
    store: KeyStore,
) -> None:
    """New keys are made beside stored ones; stored ones of shredded purposes die."""
    ann = uuid4()
    old_identity, _ = store.key_for(ann, IDENTITY)
    old_lived, _ = store.key_for(ann, LIVED)
    with store.provision([(ann, IDENTITY), (ann, LIVED)], {ann: {LIVED}}, []):
        new_identity, _ = store.key_for(ann, IDENTITY)
        new_lived, _ = store.key_for(ann, LIVED)
    assert len({old_identity, new_identity, old_lived, new_lived}) == 4
    assert rows(store, ann) == {
        (old_identity, IDENTITY): True,
        (new_identity, IDENTITY): True,
        (old_lived, LIVED): False,
        (new_lived, LIVED): False,
    }
    assert old_lived not in store._plain


def test_no_key_is_made_for_a_member_with_a_tombstone(store: KeyStore) -> None:
    """A tombstone refuses the whole provision before anything is stored."""
    ann, bob = uuid4(), uuid4()
    store.destroy(ann, (IDENTITY,), erase=True)
    before = rows(store, ann)
    with (
        pytest.raises(MasterKeyError, match="was erased"),
        store.provision([(bob, IDENTITY), (ann, IDENTITY)], {}, []),
    ):
        pytest.fail("the block must not run")
    assert rows(store, ann) == before
    assert rows(store, bob) == {}


def test_reapply_erasures_keeps_a_declaration_made_after_a_withdrawal(
    ledger: Ledger,
) -> None:
    """Re-applying erasures leaves a later declaration readable, and destroys none."""
    ana = ledger.register_member("Ana Example")
    ledger.declare_lived_experience(ana, categories=["DIS"])
    ledger.withdraw_lived_experience(ana)
    ledger.declare_lived_experience(ana, categories=["LTHC"])
    assert ledger.reapply_erasures() == 0
    assert ledger.member(ana).lived_experience == ("LTHC",)


def test_reapply_erasures_after_a_restore_destroys_the_withdrawn_key(
    tmp_path: Path,
) -> None:
    """A key store restored from before a withdrawal is made to forget it again."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = tmp_path / "ledger.db.keys"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example")
        ledger.declare_lived_experience(ana, categories=["DIS"])
    backup = keys.read_bytes()
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.withdraw_lived_experience(ana)
    keys.write_bytes(backup)
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        assert declared(ledger) == [("DIS",)]  # the backup brought the key back
        assert ledger.reapply_erasures() == 1
        assert declared(ledger) == [()]
        assert ledger.member(ana).lived_experience == ()


def test_reapply_erasures_records_keys_made_after_the_backup_as_destroyed(
    tmp_path: Path,
) -> None:
    """Keys a restored store never held, of an erasure or withdrawal, read as erased."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    keys = tmp_path / "ledger.db.keys"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        admin = ledger.register_member("Admin Example", role="staff")
        ana = ledger.register_member("Ana Example")
        body = ledger.establish_body("Board", kind="governance", by=admin)
    backup = keys.read_bytes()  # before Bo was registered or Ana declared
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        bo = ledger.register_member("Bo Example")
        proposal = ledger.raise_proposal(
            body, proposers=[bo], title="More sessions", text="Twice a week."
        )
        ledger.comment(proposal, author=bo, text="Bo's own words")
        ledger.request_adjustment(bo, code="BSL", proposal=proposal)
        ledger.declare_lived_experience(ana, categories=["DIS"])
        ledger.withdraw_lived_experience(ana)
        ledger.erase_member(bo, by=admin)
    keys.write_bytes(backup)
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        assert ledger.reapply_erasures() == 0  # no key of theirs came back
        assert ledger.member(bo).name == "[erased]"
        assert [c.text for c in ledger.proposal(proposal).comments] == ["[erased]"]
        assert declared(ledger) == [()]
        assert sum(1 for _ in ledger.history()) == ledger.position
        audit = ledger.audit_erasure()
        assert audit.ok, audit.to_text()
        assert audit.erased_fields == 4  # Bo's name, comment, code; Ana's categories
        assert ledger.power_sharing().as_of == ledger.position


def declared(ledger: Ledger) -> list[tuple[str, ...]]:
    """The categories of every lived-experience declaration, as readable now."""
    return [
        r.event.categories
        for r in ledger.history()
        if isinstance(r.event, Member.LivedExperienceDeclared)
    ]
