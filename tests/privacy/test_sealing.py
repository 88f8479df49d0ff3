"""Altered or moved ciphertext in storage is refused, never read as garbage."""

from __future__ import annotations

import base64
import dataclasses
import os
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import UUID

import attrs
import orjson
import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from hypothesis import given
from hypothesis import strategies as st
from psycopg import sql

from coledger import Ledger
from coledger.domain.values import (
    ADJUSTMENT_CODES,
    ERASED,
    LIVED_EXPERIENCE_CATEGORIES,
)
from coledger.errors import (
    CorruptEventError,
    InvalidIdError,
    LedgerError,
    MasterKeyError,
    PrivacyError,
    SealBrokenError,
    UnknownCodeError,
)
from coledger.privacy.keys import MemoryKeyStore
from coledger.privacy.sealing import NONCE, SealingMapper, open_sealed
from conftest import PG_CONNINFO, TEST_MASTER_KEY, url_for
from helpers import comment_event

SAM_NAME = "Thaddeus Quenby-Oriel"
SAM_COMMENT = "canary e81f: I need the papers a week early because of my eyes"
SAM_SECOND = "canary 04bd: still waiting for the large print"


@attrs.frozen
class Store:
    """Direct access to a closed ledger's stored events and keys, as an attacker."""

    backend: str
    url: str
    db: Path | None = None
    schema: str | None = None

    def _sqlite(self, path: Path) -> closing[sqlite3.Connection]:
        return closing(sqlite3.connect(path, isolation_level=None))

    def _pg(self, query: str) -> sql.Composed:
        return sql.SQL(query).format(s=sql.Identifier(self.schema or "public"))

    def state(self, originator: UUID, version: int) -> dict[str, Any]:
        """The stored state of one event, parsed."""
        if self.db is not None:
            with self._sqlite(self.db) as conn:
                rows = conn.execute(
                    "SELECT state FROM stored_events WHERE originator_id IN (?, ?) "
                    "AND originator_version = ?",
                    (originator.hex, str(originator), version),
                ).fetchall()
        else:
            with psycopg.connect(PG_CONNINFO) as conn:
                rows = conn.execute(
                    self._pg(
                        "SELECT state FROM {s}.coledger_events "
                        "WHERE originator_id = %s AND originator_version = %s"
                    ),
                    (originator, version),
                ).fetchall()
        assert len(rows) == 1
        parsed: dict[str, Any] = orjson.loads(bytes(rows[0][0]))
        return parsed

    def write_state(
        self, originator: UUID, version: int, state: dict[str, Any]
    ) -> None:
        """Overwrite the stored state of one event in place."""
        data = orjson.dumps(state)
        if self.db is not None:
            with self._sqlite(self.db) as conn:
                count = conn.execute(
                    "UPDATE stored_events SET state = ? WHERE originator_id IN (?, ?) "
                    "AND originator_version = ?",
                    (data, originator.hex, str(originator), version),
                ).rowcount
        else:
            with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
                count = conn.execute(
                    self._pg(
                        "UPDATE {s}.coledger_events SET state = %s "
                        "WHERE originator_id = %s AND originator_version = %s"
                    ),
                    (data, originator, version),
                ).rowcount
        assert count == 1

    def wrapped(self, key_id: str) -> bytes:
        """The wrapped bytes of one member key."""
        if self.db is not None:
            with self._sqlite(self.db.with_name(self.db.name + ".keys")) as conn:
                row = conn.execute(
                    "SELECT wrapped FROM member_keys WHERE key_id = ?", (key_id,)
                ).fetchone()
        else:
            with psycopg.connect(PG_CONNINFO) as conn:
                row = conn.execute(
                    self._pg(
                        "SELECT wrapped FROM {s}.coledger_member_keys WHERE key_id = %s"
                    ),
                    (key_id,),
                ).fetchone()
        assert row is not None
        return bytes(row[0])

    def write_wrapped(self, key_id: str, wrapped: bytes) -> None:
        """Overwrite the wrapped bytes of one member key."""
        if self.db is not None:
            with self._sqlite(self.db.with_name(self.db.name + ".keys")) as conn:
                count = conn.execute(
                    "UPDATE member_keys SET wrapped = ? WHERE key_id = ?",
                    (wrapped, key_id),
                ).rowcount
        else:
            with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
                count = conn.execute(
                    self._pg(
                        "UPDATE {s}.coledger_member_keys SET wrapped = %s "
                        "WHERE key_id = %s"
                    ),
                    (wrapped, key_id),
                ).rowcount
        assert count == 1


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A SQLite file or a PostgreSQL schema of this test's own."""
    if request.param == "sqlite":
        return Store("sqlite", url_for("sqlite", tmp_path), db=tmp_path / "ledger.db")
    schema: str = request.getfixturevalue("pg_schema")
    return Store("postgres", url_for("postgres", tmp_path, schema), schema=schema)


@attrs.frozen
class Scene:
    """Where each sealed canary is stored: (originator id, version) per field."""

    admin: UUID
    sam: UUID
    proposal: UUID
    adjustment: UUID
    coordinates: dict[str, tuple[UUID, int]]


def record(store: Store) -> Scene:
    """Record a member with a name, declaration, two comments and a request."""
    with Ledger.open(store.url) as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member(SAM_NAME)
        ledger.declare_lived_experience(sam, categories=["DIS"])
        board = ledger.establish_body("Board", kind="governance", by=admin)
        proposal = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
        ledger.comment(proposal, author=sam, text=SAM_COMMENT)
        ledger.comment(proposal, author=sam, text=SAM_SECOND)
        adjustment = ledger.request_adjustment(sam, code="BSL", proposal=proposal)
        history = [r.event for r in ledger.history()]
    coordinates: dict[str, tuple[UUID, int]] = {}
    for event in history:
        kind = type(event).__qualname__
        where = (event.originator_id, event.originator_version)
        if kind == "Member.Registered" and event.originator_id == sam:
            coordinates["name"] = where
        elif kind == "Member.LivedExperienceDeclared":
            coordinates["categories"] = where
        elif kind == "Proposal.Commented":
            coordinates["text" if "text" not in coordinates else "second"] = where
        elif kind == "Adjustment.Requested":
            coordinates["code"] = where
    assert set(coordinates) == {"name", "categories", "text", "second", "code"}
    return Scene(admin, sam, proposal, adjustment, coordinates)


def reads(scene: Scene, field: str) -> Callable[[Ledger], object]:
    """The query that has to open *field*."""
    if field in {"name", "categories"}:
        return lambda ledger: ledger.member(scene.sam)
    if field in {"text", "second"}:
        return lambda ledger: ledger.proposal(scene.proposal)
    return lambda ledger: ledger.adjustment(scene.adjustment)


def flip_byte(index: int) -> Callable[[str], str]:
    """Flip one bit of byte *index* of the decoded nonce + ciphertext + tag."""

    def mutate(value: str) -> str:
        blob = bytearray(base64.b64decode(value))
        blob[index] ^= 0x01
        return base64.b64encode(bytes(blob)).decode()

    return mutate


def swap_base64_char(value: str) -> str:
    """Replace one base64 character in the middle with another valid one."""
    middle = len(value) // 2
    other = "A" if value[middle] != "A" else "B"
    return value[:middle] + other + value[middle + 1 :]


MUTATIONS: dict[str, Callable[[str], str]] = {
    "nonce byte": flip_byte(0),
    "ciphertext byte": flip_byte(12),
    "tag byte": flip_byte(-1),
    "base64 character": swap_base64_char,
    "not base64": lambda value: value[:4] + "*" + value[5:],
    "not base64 inserted": lambda value: value[:4] + "*" + value[4:],
    "truncated": lambda value: value[:-8],
}


def expect_refused(
    store: Store, query: Callable[[Ledger], object], error: type[LedgerError]
) -> str:
    """Open the ledger afresh and check *query* raises *error*; return its message."""
    with Ledger.open(store.url) as ledger, pytest.raises(error) as raised:
        query(ledger)
    message = str(raised.value)
    for canary in (SAM_NAME, SAM_COMMENT, SAM_SECOND, '"DIS"', '"BSL"'):
        assert canary not in message
    return message


def test_every_flipped_byte_of_a_sealed_field_is_detected(store: Store) -> None:
    """Any change to a sealed field's stored bytes raises SealBrokenError on read."""
    scene = record(store)
    for field in ("name", "categories", "text", "code"):
        originator, version = scene.coordinates[field]
        original = store.state(originator, version)
        for label, mutate in MUTATIONS.items():
            tampered = dict(original)
            tampered[field] = {**original[field], "v": mutate(original[field]["v"])}
            assert tampered[field] != original[field], (field, label)
            store.write_state(originator, version, tampered)
            message = expect_refused(store, reads(scene, field), SealBrokenError)
            assert str(version) in message, (field, label)
        store.write_state(originator, version, original)
    with Ledger.open(store.url) as ledger:
        assert ledger.member(scene.sam).name == SAM_NAME
        assert ledger.member(scene.sam).lived_experience == ("DIS",)
        assert ledger.adjustment(scene.adjustment).code == "BSL"


def test_a_tampered_field_fails_every_read_path_but_leaves_others_readable(
    store: Store,
) -> None:
    """History and subject access refuse the altered event; other members still read."""
    scene = record(store)
    originator, version = scene.coordinates["name"]
    state = store.state(originator, version)
    state["name"] = {**state["name"], "v": flip_byte(20)(state["name"]["v"])}
    store.write_state(originator, version, state)
    with Ledger.open(store.url) as ledger:
        assert ledger.member(scene.admin).name == "Admin"
        with pytest.raises(SealBrokenError):
            list(ledger.history())
        with pytest.raises(SealBrokenError):
            ledger.subject_access(scene.sam)
        with pytest.raises(SealBrokenError):
            ledger.members()
    assert issubclass(SealBrokenError, PrivacyError)


def test_a_sealed_field_moved_to_another_event_is_detected(store: Store) -> None:
    """A sealed value pasted into another event of the same member, same key, fails."""
    scene = record(store)
    name_at = scene.coordinates["name"]
    text_at = scene.coordinates["text"]
    second_at = scene.coordinates["second"]
    name_state = store.state(*name_at)
    text_state = store.state(*text_at)
    second_state = store.state(*second_at)
    # The same identity key seals the name and both comments.
    assert name_state["name"]["k"] == text_state["text"]["k"]
    assert text_state["text"]["k"] == second_state["text"]["k"]

    store.write_state(*name_at, {**name_state, "name": text_state["text"]})
    expect_refused(store, reads(scene, "name"), SealBrokenError)
    store.write_state(*name_at, name_state)

    store.write_state(*second_at, {**second_state, "text": text_state["text"]})
    expect_refused(store, reads(scene, "second"), SealBrokenError)
    store.write_state(*second_at, second_state)

    with Ledger.open(store.url) as ledger:
        assert ledger.member(scene.sam).name == SAM_NAME
        texts = [c.text for c in ledger.proposal(scene.proposal).comments]
        assert texts == [SAM_COMMENT, SAM_SECOND]


def test_a_sealed_name_pasted_into_another_members_registration_is_detected(
    store: Store,
) -> None:
    """One member's sealed name moved to another's registration (same version) fails."""
    scene = record(store)
    sam_at = scene.coordinates["name"]
    admin_at = (scene.admin, sam_at[1])
    admin_state = store.state(*admin_at)
    sam_name = store.state(*sam_at)["name"]
    store.write_state(*admin_at, {**admin_state, "name": sam_name})
    expect_refused(store, lambda ledger: ledger.member(scene.admin), SealBrokenError)


def test_a_sealed_field_relabelled_with_another_key_is_detected(store: Store) -> None:
    """Pointing a sealed field at another live key of the member fails, not garbage."""
    scene = record(store)
    name_at = scene.coordinates["name"]
    name_state = store.state(*name_at)
    other_key = store.state(*scene.coordinates["categories"])["categories"]["k"]
    assert other_key != name_state["name"]["k"]
    relabelled = {**name_state["name"], "k": other_key}
    store.write_state(*name_at, {**name_state, "name": relabelled})
    expect_refused(store, reads(scene, "name"), SealBrokenError)


@pytest.mark.parametrize("key_id", [5, True, 1.5, None])
def test_a_sealed_field_naming_a_key_id_that_is_not_text_is_corrupt(
    store: Store, key_id: object
) -> None:
    """A key id that is no text is a CorruptEventError on every backend."""
    scene = record(store)
    name_at = scene.coordinates["name"]
    name_state = store.state(*name_at)
    store.write_state(
        *name_at, {**name_state, "name": {**name_state["name"], "k": key_id}}
    )
    message = expect_refused(store, reads(scene, "name"), CorruptEventError)
    assert "key id" in message, message


def test_a_key_id_holding_a_nul_is_not_in_the_store_on_every_backend(
    store: Store,
) -> None:
    """A key id no PostgreSQL text can hold is not in the store, as on SQLite."""
    scene = record(store)
    name_at = scene.coordinates["name"]
    name_state = store.state(*name_at)
    bad = {**name_state["name"], "k": "a\x00b"}
    store.write_state(*name_at, {**name_state, "name": bad})
    message = expect_refused(store, reads(scene, "name"), MasterKeyError)
    assert "is not in this key store" in message, message
    with Ledger.open(store.url) as ledger:
        found = ledger.audit_erasure().findings
    assert [(f.code, f.key_id) for f in found] == [("KEY_NOT_IN_STORE", "a\x00b")]


def test_a_tampered_wrapped_key_is_refused(store: Store) -> None:
    """An altered wrapped key raises MasterKeyError naming it, not the master key."""
    scene = record(store)
    key_id = store.state(*scene.coordinates["name"])["name"]["k"]
    wrapped = store.wrapped(key_id)
    store.write_wrapped(key_id, bytes([wrapped[0] ^ 0x01]) + wrapped[1:])
    message = expect_refused(store, reads(scene, "name"), MasterKeyError)
    assert key_id in message, message
    assert "damaged" in message, message  # the master key opened the store
    with Ledger.open(store.url) as ledger:
        assert ledger.member(scene.admin).name == "Admin"
        assert ledger.adjustment(scene.adjustment).code == "BSL"  # the access key


@pytest.mark.parametrize("size", [16, 40])
def test_a_wrapped_key_of_another_length_is_refused_as_damaged(
    store: Store, size: int
) -> None:
    """A key unwrapping to other than 32 bytes is MasterKeyError, read or sealed."""
    scene = record(store)
    key_id = store.state(*scene.coordinates["name"])["name"]["k"]
    store.write_wrapped(key_id, aes_key_wrap(TEST_MASTER_KEY, bytes(size)))
    message = expect_refused(store, reads(scene, "name"), MasterKeyError)
    assert key_id in message, message
    assert "damaged" in message, message
    with Ledger.open(store.url) as ledger, pytest.raises(MasterKeyError) as raised:
        ledger.comment(scene.proposal, author=scene.sam, text="one more")
    assert key_id in str(raised.value)


@pytest.mark.parametrize("wrapped", ["a wrapped key as text", 5])
def test_a_wrapped_key_that_is_not_bytes_is_refused_as_damaged(
    tmp_path: Path, wrapped: object
) -> None:
    """A SQLite key row edited to hold text or a number is MasterKeyError naming it."""
    store = Store("sqlite", url_for("sqlite", tmp_path), db=tmp_path / "ledger.db")
    scene = record(store)
    key_id = store.state(*scene.coordinates["name"])["name"]["k"]
    store.write_wrapped(key_id, wrapped)  # type: ignore[arg-type]
    message = expect_refused(store, reads(scene, "name"), MasterKeyError)
    assert key_id in message, message
    assert "damaged" in message, message


SPOILT_SEALED = st.sampled_from(
    sorted(LIVED_EXPERIENCE_CATEGORIES | ADJUSTMENT_CODES)
).flatmap(
    lambda code: st.sampled_from(
        [code.lower(), code.swapcase() + "x", f" {code}", f"{code}\x00", code + "S"]
    )
)


@given(value=SPOILT_SEALED)
def test_a_refused_sealed_code_is_not_repeated_in_the_error(value: str) -> None:
    """A near miss of a category or adjustment code never appears in the message."""

    def messages(spoilt: str) -> list[str]:
        """What each entry point says when it refuses *spoilt*."""
        with Ledger.open("memory://") as ledger:
            admin = ledger.register_member("Admin", role="staff")
            request = ledger.request_adjustment(admin, code="LP")
            attempts: list[Callable[[], object]] = [
                lambda: ledger.declare_lived_experience(admin, categories=[spoilt]),
                lambda: ledger.declare_lived_experience(
                    admin, categories=spoilt.strip()
                ),
                lambda: ledger.request_adjustment(admin, code=spoilt),
                lambda: ledger.decline_adjustment(
                    request, by=admin, reason="other", alternative=spoilt
                ),
            ]
            said = []
            for attempt in attempts:
                with pytest.raises(UnknownCodeError) as caught:
                    attempt()
                assert caught.value.value in (spoilt, spoilt.strip())  # for the caller
                said.append(str(caught.value))
            return said

    # A message that repeated the value would differ from one about another
    # value; comparing them, not searching for the value, lets a message's own
    # examples (such as 'CARER') contain a near miss like ' CARER'.
    assert messages(value) == messages(" QQQ\x00")


@given(
    st.text(alphabet=st.characters(categories=["Lu", "Ll"]), min_size=12, max_size=40)
)
def test_a_name_passed_for_an_id_is_not_repeated_in_the_error(name: str) -> None:
    """Text given where an id belongs is refused without quoting it back."""
    with Ledger.open("memory://") as ledger, pytest.raises(InvalidIdError) as raised:
        ledger.member(name)  # type: ignore[arg-type]
    assert name not in str(raised.value)
    assert "not text" in str(raised.value)


def test_an_id_written_as_text_gets_a_hint() -> None:
    """A UUID given as a string is refused with how to pass it instead."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        with pytest.raises(InvalidIdError, match=r"pass uuid\.UUID\(text\)"):
            ledger.register_member("Bea", by=str(admin))  # type: ignore[arg-type]


def sealed_comment() -> tuple[bytes, dict[str, str], dict[str, Any]]:
    """A key, the envelope it sealed a comment's text in, and where it was sealed."""
    keys = MemoryKeyStore(os.urandom(32))
    event = comment_event("sealed where it was written")
    stored = SealingMapper(keys).to_stored_event(event)
    envelope: dict[str, str] = orjson.loads(stored.state)["text"]
    key = keys.key(envelope["k"])
    assert key is not None
    where = {
        "topic": stored.topic,
        "originator_id": event.originator_id,
        "version": event.originator_version,
        "field": "text",
    }
    return key, envelope, where


@pytest.mark.parametrize(
    ("part", "other"),
    [
        ("topic", "coledger.domain.proposal:Proposal.Raised"),
        ("originator_id", uuid.uuid4()),
        ("version", 3),
        ("field", "title"),
        ("key_id", "another-key"),
    ],
)
def test_a_seal_opens_only_with_every_part_it_was_bound_to(
    part: str, other: object
) -> None:
    """Changing one of topic, originator, version, field or key id fails the seal."""
    key, envelope, where = sealed_comment()
    assert orjson.loads(open_sealed(key, envelope, **where)) == (
        "sealed where it was written"
    )
    if part == "key_id":
        envelope = {**envelope, "k": str(other)}
    else:
        where = {**where, part: other}
    with pytest.raises(InvalidTag):
        open_sealed(key, envelope, **where)


def test_sealing_one_value_twice_uses_a_fresh_nonce() -> None:
    """Each seal draws a fresh nonce: one text sealed twice stores two ciphertexts."""
    mapper = SealingMapper(MemoryKeyStore(os.urandom(32)))
    event = comment_event("the same words")
    first, second = (
        base64.b64decode(orjson.loads(mapper.to_stored_event(event).state)["text"]["v"])
        for _ in range(2)
    )
    assert first[:NONCE] != second[:NONCE]
    assert first != second


@pytest.mark.parametrize("spoilt", [{"k": "x"}, {"k": "x", "v": "AAAA", "w": "y"}])
def test_an_envelope_of_another_shape_is_refused_as_corrupt(
    spoilt: dict[str, str],
) -> None:
    """A stored sealed field with parts missing or added is a CorruptEventError."""
    mapper = SealingMapper(MemoryKeyStore(os.urandom(32)))
    stored = mapper.to_stored_event(comment_event("shape"))
    state = {**orjson.loads(stored.state), "text": spoilt}
    spoilt_event = dataclasses.replace(stored, state=orjson.dumps(state))
    with pytest.raises(CorruptEventError):
        mapper.to_domain_event(spoilt_event)


def test_a_missing_alternative_still_reads_as_none_after_erasure() -> None:
    """A decline with no alternative stores none to seal, so erasure leaves it None."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member(SAM_NAME, by=admin)
        request = ledger.request_adjustment(sam, code="BSL")
        ledger.decline_adjustment(request, by=admin, reason="other")
        ledger.erase_member(sam, by=admin)
        assert ledger.adjustment(request).code == ERASED
        assert ledger.adjustment(request).alternative is None


def test_a_sealed_field_pointed_at_a_destroyed_key_reads_as_erased_as_documented(
    store: Store,
) -> None:
    """A value moved in from an erased member's event reads erased; verify tells."""
    scene = record(store)
    with Ledger.open(store.url) as ledger:
        kim = ledger.register_member("Kim Other", by=scene.admin)
        ledger.comment(scene.proposal, author=kim, text="kim's words")
        ledger.erase_member(kim, by=scene.admin)
        kims = [
            (r.event.originator_id, r.event.originator_version)
            for r in ledger.history()
            if type(r.event).__qualname__ == "Proposal.Commented"
            and getattr(r.event, "author", None) == kim
        ]
    text_at = scene.coordinates["text"]
    text_state = store.state(*text_at)
    moved = store.state(*kims[0])["text"]
    store.write_state(*text_at, {**text_state, "text": moved})
    with Ledger.open(store.url) as ledger:
        texts = [c.text for c in ledger.proposal(scene.proposal).comments]
        audit = ledger.audit_erasure()
        verified = ledger.verify()
    assert texts == [ERASED, SAM_SECOND, ERASED]
    assert [f.code for f in audit.findings] == ["KEY_MISSING_UNEXPLAINED"]
    assert [f.member for f in audit.findings] == [scene.sam]
    assert "MODIFIED" in verified.to_json()["counts"]
    guide = " ".join(
        (Path(__file__).parents[2] / "docs" / "privacy.md").read_text().split()
    )
    assert "One that names a destroyed key cannot be checked" in guide
    assert "KEY_MISSING_UNEXPLAINED" in guide.split("## What the length")[0]
