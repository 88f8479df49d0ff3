"""A sealed field's length tells only its bucket, never which code or category."""

from __future__ import annotations

import base64
import itertools
import os
import sqlite3
import uuid
from collections import defaultdict
from contextlib import closing
from pathlib import Path

import orjson
import pytest
from eventsourcing.utils import resolve_topic
from hypothesis import example, given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.domain import Proposal
from coledger.domain import values as v
from coledger.privacy import sealing
from coledger.privacy.classification import sealed_fields
from coledger.privacy.keys import MemoryKeyStore
from coledger.privacy.sealing import BUCKET, NONCE, SealingMapper, padded
from helpers import comment_event

TAG = 16
"""Bytes of AES-GCM's authentication tag, stored after the ciphertext."""

ONE_BUCKET = NONCE + BUCKET + TAG
"""The decoded length of every envelope whose JSON fits in one bucket."""

DECLARATIONS: list[tuple[str, ...]] = [
    combo
    for size in range(1, len(v.LIVED_EXPERIENCE) + 1)
    for combo in itertools.combinations(sorted(v.LIVED_EXPERIENCE), size)
] + [("NONE",), ("PREFER_NOT",)]
"""Every declaration a member can make, as a set of categories."""

CODES = sorted(v.ADJUSTMENT_CODES)

MAPPER = SealingMapper(MemoryKeyStore(os.urandom(32)))
AUTHOR = uuid.uuid4()

TEXTS = st.builds(
    lambda body, tail: body + tail,
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.text(" \t\n", max_size=70),
)
"""Any text, often ending in whitespace that runs past a bucket boundary."""


def blob(envelope: dict[str, str]) -> bytes:
    """The decoded nonce + ciphertext + tag of one stored envelope."""
    return base64.b64decode(envelope["v"])


def sealed_lengths(ledger: Ledger) -> dict[str, set[int]]:
    """Decoded envelope lengths in storage by ``Event.field``, read without keys."""
    found: dict[str, set[int]] = defaultdict(set)
    notifications = ledger._app.recorder.select_notifications(
        start=0, limit=100_000, inclusive_of_start=False
    )
    for n in notifications:
        cls = resolve_topic(n.topic)
        state = orjson.loads(n.state)
        for name in sealed_fields(cls):
            if state.get(name) is not None:
                found[f"{cls.__qualname__}.{name}"].add(len(blob(state[name])))
    return found


def seal_comment(text: str) -> tuple[int, str]:
    """The sealed length of *text* as a comment, and what opening it reads."""
    stored = MAPPER.to_stored_event(comment_event(text, AUTHOR))
    length = len(blob(orjson.loads(stored.state)["text"]))
    opened = MAPPER.to_domain_event(stored)
    assert isinstance(opened, Proposal.Commented)
    return length, opened.text


def test_the_largest_declaration_and_code_fit_in_one_bucket() -> None:
    """The longest category list and adjustment code, as JSON, fit in BUCKET bytes."""
    largest_list = max(
        len(orjson.dumps(list(order)))
        for combo in DECLARATIONS
        for order in itertools.permutations(combo)
    )
    largest_code = max(len(orjson.dumps(code)) for code in CODES)
    assert largest_list <= BUCKET, f"a declaration of {largest_list} bytes"
    assert largest_code <= BUCKET, f"an adjustment code of {largest_code} bytes"


def test_every_declaration_and_adjustment_code_seals_to_one_length(
    memory_ledger: Ledger,
) -> None:
    """All declarations, all codes and all alternatives have envelopes of one length."""
    admin = memory_ledger.register_member("Admin", role="staff")
    for number, categories in enumerate(DECLARATIONS):
        member = memory_ledger.register_member(f"Member {number}", by=admin)
        memory_ledger.declare_lived_experience(member, categories=list(categories))
    sam = memory_ledger.register_member("Sam", by=admin)
    for code, alternative in zip(CODES, reversed(CODES), strict=True):
        request = memory_ledger.request_adjustment(sam, code=code)
        memory_ledger.decline_adjustment(
            request, by=admin, reason="alternative_offered", alternative=alternative
        )
    lengths = sealed_lengths(memory_ledger)
    assert lengths["Member.LivedExperienceDeclared.categories"] == {ONE_BUCKET}
    assert lengths["Adjustment.Requested.code"] == {ONE_BUCKET}
    assert lengths["Adjustment.Declined.alternative"] == {ONE_BUCKET}
    assert lengths["Member.Registered.name"] == {ONE_BUCKET}


@pytest.mark.parametrize(
    ("json_bytes", "expected"),
    [(0, 64), (1, 64), (63, 64), (64, 64), (65, 128), (128, 128), (129, 192)],
)
def test_padding_rounds_up_to_whole_buckets(json_bytes: int, expected: int) -> None:
    """A plaintext gets spaces up to the next multiple of BUCKET, at least one."""
    plain = b"1" * json_bytes
    assert BUCKET == 64
    assert padded(plain) == plain + b" " * (expected - json_bytes)


@given(first=TEXTS, data=st.data())
def test_texts_in_one_bucket_seal_to_one_length(
    first: str, data: st.DataObject
) -> None:
    """Two comments whose JSON falls in the same bucket seal to the same length."""
    size = len(padded(orjson.dumps(first)))
    # A plain ASCII text's JSON is its length plus two quotes: pick one in the bucket.
    length = data.draw(st.integers(max(0, size - BUCKET - 1), size - 2))
    second = data.draw(
        st.text(
            st.characters(
                min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\'
            ),
            min_size=length,
            max_size=length,
        )
    )
    assert len(padded(orjson.dumps(second))) == size
    assert seal_comment(first)[0] == seal_comment(second)[0] == NONCE + size + TAG


@given(text=TEXTS)
@example(text="ends in spaces   ")
@example(text="x" * 61 + " ")  # the JSON fills the bucket exactly
@example(text="   ")
def test_sealed_texts_round_trip_exactly(text: str) -> None:
    """A sealed text opens to exactly the text, trailing whitespace included."""
    length, opened = seal_comment(text)
    assert opened == text
    assert (length - NONCE - TAG) % BUCKET == 0


def test_envelopes_sealed_without_padding_still_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fields sealed unpadded, as before padding, open beside padded ones."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setattr(sealing, "padded", lambda plain: plain)  # the old sealing
    with Ledger.open(url) as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member("Sam Old ", by=admin)
        ledger.declare_lived_experience(sam, categories=["DIS"])
        board = ledger.establish_body("Board", kind="governance", by=admin)
        proposal = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
        ledger.comment(proposal, author=sam, text="written before padding  ")
        old = ledger.request_adjustment(sam, code="ER")
        ledger.decline_adjustment(
            old, by=admin, reason="alternative_offered", alternative="PLS"
        )
        unpadded = sealed_lengths(ledger)
    assert unpadded["Member.LivedExperienceDeclared.categories"] == {
        NONCE + len(b'["DIS"]') + TAG
    }
    assert unpadded["Adjustment.Requested.code"] == {NONCE + len(b'"ER"') + TAG}
    monkeypatch.undo()
    with Ledger.open(url) as ledger:
        ledger.comment(proposal, author=sam, text="written after padding  ")
        new = ledger.request_adjustment(sam, code="BSL")
        assert ledger.member(sam).name == "Sam Old "
        assert ledger.member(sam).lived_experience == ("DIS",)
        texts = [c.text for c in ledger.proposal(proposal).comments]
        assert texts == ["written before padding  ", "written after padding  "]
        assert ledger.adjustment(old).code == "ER"
        assert ledger.adjustment(old).alternative == "PLS"
        assert ledger.adjustment(new).code == "BSL"
        assert sealed_lengths(ledger)["Adjustment.Requested.code"] == {
            NONCE + len(b'"ER"') + TAG,
            ONE_BUCKET,
        }


def test_lengths_no_longer_single_out_any_declaration_or_code(tmp_path: Path) -> None:
    """The reviewer's attack, reading lengths after erasure, gets every candidate."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        board = ledger.establish_body("Board", kind="governance", by=admin)
        proposal = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
        members = []
        for categories, code in [
            (["DIS"], "ER"),
            (["CARER"], "BSL"),
            (["PREFER_NOT"], "PACE"),
            (["DIS", "LTHC", "CARER", "OTHER_LE"], "WC"),
        ]:
            member = ledger.register_member("Someone", by=admin)
            ledger.declare_lived_experience(member, categories=categories)
            ledger.request_adjustment(member, code=code, proposal=proposal)
            members.append(member)
        ledger.erase_member(members[0], by=admin)

    # The attacker holds the events database only, and knows how padding works.
    def candidates(length: int, values: list[object]) -> list[object]:
        return [
            x for x in values if NONCE + len(padded(orjson.dumps(x))) + TAG == length
        ]

    declarations: list[object] = [list(c) for c in DECLARATIONS]
    codes: list[object] = list(CODES)
    seen = defaultdict(list)
    with closing(sqlite3.connect(db)) as conn:
        for topic, state in conn.execute("SELECT topic, state FROM stored_events"):
            stored = orjson.loads(state)
            if topic.endswith("LivedExperienceDeclared"):
                length = len(blob(stored["categories"]))
                seen["declarations"].append(candidates(length, declarations))
            elif topic.endswith("Adjustment.Requested"):
                length = len(blob(stored["code"]))
                seen["codes"].append(candidates(length, codes))
    assert seen["declarations"] == [declarations] * len(members)
    assert seen["codes"] == [codes] * len(members)


@pytest.mark.parametrize("escaped", ['"', "\\", "\t", "\n"])
def test_a_character_json_escapes_counts_twice_towards_the_first_block(
    escaped: str,
) -> None:
    """62 bytes of text fill one block, but not when JSON writes one as two bytes."""
    assert seal_comment("a" * 62)[0] == NONCE + BUCKET + TAG
    assert seal_comment(escaped + "a" * 61)[0] == NONCE + 2 * BUCKET + TAG
