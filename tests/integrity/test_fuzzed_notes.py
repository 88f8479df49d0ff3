"""Checkpoint notes, receipts and keys changed anywhere: typed refusals, no forgery.

Hypothesis inserts, deletes, replaces or cuts text anywhere in a real note,
receipt, verifier key or signing key file. Each reader must refuse with a
LedgerError, or read what the original said (a change that signatures do not
cover, such as CRLF line ends); the unverified reader still refuses a note
whose signature could never be verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from coledger import Ledger, LedgerError
from coledger.errors import CheckpointError
from coledger.integrity import SigningKey, Verifier, verify_receipt
from coledger.integrity.checkpoints import open_checkpoint, read_unverified

ORIGIN = "example.org/ledger"


@dataclass(frozen=True)
class Signed:
    """A ledger with one ballot, a checkpoint over it and a receipt for it."""

    ledger: Ledger
    proposal: UUID
    voter: UUID
    key: SigningKey
    note: str
    receipt: str


@pytest.fixture(scope="module")
def signed() -> Iterator[Signed]:
    """One ballot in a memory ledger, checkpointed and proved."""
    with Ledger.open("memory://") as ledger:
        ana = ledger.register_member("Ana Example")
        board = ledger.establish_body("Board", kind="governance", by=ana)
        ledger.assign_seat(board, ana, by=ana)
        p = ledger.raise_proposal(board, proposers=[ana], title="T", text="x")
        ledger.open_voting(p, by=ana)
        ledger.cast_ballot(p, voter=ana, choice="for")
        key = SigningKey.generate(ORIGIN)
        note = ledger.checkpoint(key).note
        yield Signed(ledger, p, ana, key, note, ledger.prove_ballot(p, ana, note))


ODD = ["\x00", "\n", "\r\n", " ", "\u2014", "+", "=", "/", "\ufeff", "\u00a0", "9" * 25]


@st.composite
def changed(draw: st.DrawFn, text: str) -> str:
    """*text* with one insertion, deletion, replacement, cut or repeat."""
    at = draw(st.integers(0, len(text)))
    piece = draw(st.text(min_size=1, max_size=3) | st.sampled_from(ODD))
    how = draw(st.sampled_from(["insert", "delete", "replace", "cut", "repeat"]))
    if how == "insert":
        return text[:at] + piece + text[at:]
    if how == "delete":
        return text[:at] + text[at + draw(st.integers(1, 6)) :]
    if how == "replace":
        return text[:at] + piece + text[at + 1 :]
    if how == "cut":
        return text[:at]
    return text[:at] + text[at:] + text[at:]


def test_a_note_cut_in_its_signature_gives_no_receipt(signed: Signed) -> None:
    """A note whose signature line is cut short is MALFORMED: no receipt at all."""
    cut = signed.note.rstrip("\n")[:-20] + "\n"
    for note_text in (cut, signed.note.replace("\u2014", "\ufeff")):
        with pytest.raises(CheckpointError) as raised:
            signed.ledger.prove_ballot(signed.proposal, signed.voter, note_text)
        assert raised.value.code == "MALFORMED"


@pytest.mark.parametrize("note_text", ["not a checkpoint", None])
def test_a_note_that_is_no_checkpoint_is_malformed_whoever_voted(
    signed: Signed, note_text: str | None
) -> None:
    """Not a checkpoint is MALFORMED for a voter with no ballot too, not NO_BALLOT."""
    with pytest.raises(CheckpointError) as raised:
        signed.ledger.prove_ballot(signed.proposal, uuid4(), note_text)  # type: ignore[arg-type]
    assert raised.value.code == "MALFORMED"


@given(data=st.data())
def test_a_changed_note_is_refused_or_says_the_same(
    signed: Signed, data: st.DataObject
) -> None:
    """Any change to a note: refused, or (opened) the same origin, size and root."""
    text = data.draw(changed(signed.note), label="note")
    original = read_unverified(signed.note)
    try:
        opened = open_checkpoint(text, Verifier.parse(signed.key.verifier))
    except LedgerError as error:
        note(f"refused: {error}")
    else:
        assert (opened.origin, opened.size, opened.root) == (
            original.origin,
            original.size,
            original.root,
        )
    try:
        read_unverified(text)
        signed.ledger.prove_ballot(signed.proposal, signed.voter, text)
    except LedgerError as error:
        note(f"refused: {error}")


@given(data=st.data())
def test_a_changed_receipt_is_refused_or_proves_the_same(
    signed: Signed, data: st.DataObject
) -> None:
    """Any change to a receipt: refused, or the same event at the same leaf."""
    verifier = Verifier.parse(signed.key.verifier)
    original = verify_receipt(signed.receipt, verifier)
    text = data.draw(changed(signed.receipt), label="receipt")
    try:
        proved = verify_receipt(text, verifier)
    except LedgerError as error:
        note(f"refused: {error}")
        return
    assert (proved.index, proved.originator_id, proved.state) == (
        original.index,
        original.originator_id,
        original.state,
    )


@given(data=st.data())
def test_a_changed_key_is_refused_or_read(signed: Signed, data: st.DataObject) -> None:
    """Any change to a verifier key or a signing key file: read, or a LedgerError."""
    verifier = data.draw(changed(signed.key.verifier), label="verifier")
    pem = data.draw(changed(signed.key.to_pem(None).decode()), label="pem")
    passphrase = data.draw(st.sampled_from([None, b"", b"secret"]), label="passphrase")
    try:
        Verifier.parse(verifier)
    except LedgerError as error:
        note(f"refused: {error}")
    try:
        SigningKey.from_pem(pem.encode("utf-8", "surrogatepass"), passphrase)
    except LedgerError as error:
        note(f"refused: {error}")


@pytest.mark.parametrize(
    "size",
    [-(10**5000), 10**5000, [10**5000], "9" * 100_000],
    ids=["far below zero", "far too large", "in a list", "as long text"],
)
def test_a_size_too_long_to_write_out_is_refused_as_a_size(size: object) -> None:
    """SigningKey.sign refuses any size it cannot sign with a short CheckpointError."""
    key = SigningKey.generate("example.org/ledger")
    with pytest.raises(CheckpointError, match="is not a log size") as raised:
        key.sign(size, bytes(32))  # type: ignore[arg-type]
    assert len(str(raised.value)) < 200
