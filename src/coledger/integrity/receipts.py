"""Receipts: a member's proof that a stored event (their ballot) is in the log.

A receipt is text in the shape of a C2SP tlog-proof, carrying the stored event
itself so its holder can see what was recorded and recompute the leaf:

    c2sp.org/tlog-proof@v1
    extra <base64 of JSON {originator_id, version, topic, state (base64)}>
    index <leaf index>
    <one base64 hash per line: the inclusion path>

    <the signed checkpoint the path leads to>
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from uuid import UUID

import attrs

from coledger.errors import CheckpointError, ProofError
from coledger.integrity.checkpoints import (
    MAX_SIZE,
    Checkpoint,
    Verifier,
    as_written,
    is_decimal,
    open_checkpoint,
)
from coledger.integrity.leaves import leaf_hash
from coledger.integrity.merkle import verify_inclusion

HEADER = "c2sp.org/tlog-proof@v1"


@attrs.frozen
class Receipt:
    """What a verified receipt proves: this event is leaf *index* under *checkpoint*."""

    index: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes
    checkpoint: Checkpoint

    @property
    def content(self) -> dict[str, Any]:
        """The stored state, decoded (structural fields are in clear).

        ProofError (``MALFORMED``) when the state is not a JSON object: the
        path can prove that bytes are in the log without their being an event
        coledger stored.
        """
        try:
            loaded = json.loads(self.state)
        except (ValueError, RecursionError) as error:
            raise ProofError(
                "MALFORMED", f"the receipt's event state is not JSON: {error}"
            ) from error
        if not isinstance(loaded, dict):
            raise ProofError("MALFORMED", "the receipt's event state is not an object")
        return loaded


def make_receipt(
    index: int,
    *,
    originator_id: UUID,
    version: int,
    topic: str,
    state: bytes,
    proof: list[bytes],
    note: str,
) -> str:
    """The receipt text for one event."""
    extra = json.dumps(
        {
            "originator_id": str(originator_id),
            "version": version,
            "topic": topic,
            "state": base64.b64encode(state).decode(),
        },
        separators=(",", ":"),
    )
    lines = [
        HEADER,
        f"extra {base64.b64encode(extra.encode()).decode()}",
        f"index {index}",
        *(base64.b64encode(p).decode() for p in proof),
    ]
    return "\n".join(lines) + "\n\n" + note


def _parse(text: str) -> tuple[dict[str, Any], int, list[bytes], str]:
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or len(lines) < 3 or lines[0] != HEADER:  # noqa: PLR2004
        raise ProofError("MALFORMED", "not a coledger receipt")
    if not lines[1].startswith("extra ") or not lines[2].startswith("index "):
        raise ProofError("MALFORMED", "a receipt needs its extra and index lines")
    index = _index(lines[2][6:])
    try:
        extra = json.loads(base64.b64decode(lines[1][6:], validate=True))
        proof = [base64.b64decode(line, validate=True) for line in lines[3:]]
    except (ValueError, binascii.Error) as error:
        raise ProofError("MALFORMED", f"cannot read the receipt: {error}") from error
    except RecursionError as error:  # JSON nested deeper than Python recurses
        raise ProofError("MALFORMED", "the event nests too deep") from error
    if not isinstance(extra, dict):
        raise ProofError("MALFORMED", "the receipt's event is not an object")
    return extra, index, proof, note


def _index(text: str) -> int:
    """The leaf index of an index line; ProofError MALFORMED if not one a log has."""
    if not is_decimal(text):
        raise ProofError("MALFORMED", "the index is not a decimal")
    # int() refuses text of over 4,300 digits with a plain ValueError.
    if len(text) > len(str(MAX_SIZE)) or int(text) >= MAX_SIZE:
        raise ProofError("MALFORMED", f"index {text[:30]} is beyond any log")
    return int(text)


def verify_receipt(text: str, verifier: Verifier) -> Receipt:
    """Check a receipt against the pinned key; ProofError if it does not hold."""
    if not isinstance(text, str):
        raise ProofError("MALFORMED", "a receipt is text")
    if not isinstance(verifier, Verifier):
        raise ProofError("MALFORMED_KEY", "pin a Verifier (Verifier.parse of the key)")
    # A receipt, like a checkpoint, holds no carriage return or byte-order mark.
    extra, index, proof, note = _parse(as_written(text))
    try:
        checkpoint = open_checkpoint(note, verifier)
    except CheckpointError as error:
        raise ProofError(error.code, error.detail) from error
    originator_text, version = extra.get("originator_id"), extra.get("version")
    topic, state_text = extra.get("topic"), extra.get("state")
    if (
        not isinstance(originator_text, str)
        or not isinstance(topic, str)
        or not isinstance(state_text, str)
        or isinstance(version, bool)
        or not isinstance(version, int)
        or not 0 < version < 2**63
    ):
        raise ProofError("MALFORMED", "the receipt's event has missing or wrong fields")
    try:
        originator = UUID(originator_text)
        state = base64.b64decode(state_text, validate=True)
        topic.encode()  # a lone surrogate (JSON allows "\ud800") has no UTF-8
    except (ValueError, binascii.Error) as error:
        raise ProofError(
            "MALFORMED", f"the receipt's event is unreadable: {error}"
        ) from error
    leaf = leaf_hash(originator, version, topic, state)
    if not verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root):
        raise ProofError(
            "NOT_INCLUDED", "the inclusion path does not lead to the checkpoint's root"
        )
    return Receipt(index, originator, version, topic, state, checkpoint)
