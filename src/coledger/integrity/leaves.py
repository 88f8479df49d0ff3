"""The exact bytes hashed for each stored event: one leaf per event.

A leaf commits to everything the event store holds for an event: the originator
id and version (the table's key), the topic, and the SHA-256 of the stored state
bytes, which are the sealed bytes, so erasing a member changes nothing hashed.

    oid_enc    = 0x01 || uuid (16 bytes)          for UUID ids
               | 0x02 || utf8(id)                 for text ids
    leaf_input = "coledger/event/v1" || 0x00
                 || u32be(len(oid_enc)) || oid_enc
                 || u64be(originator_version)
                 || u32be(len(topic)) || utf8(topic)
                 || SHA-256(state)
    leaf_hash  = SHA-256(0x00 || leaf_input)      (the RFC 6962 leaf hash)
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

DOMAIN = b"coledger/event/v1\x00"
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


UUID_HEAD = LEAF_PREFIX + DOMAIN + struct.pack(">I", 17) + b"\x01"
"""The first bytes hashed for every event with a UUID id, up to the UUID itself."""


def topic_field(topic: str) -> bytes:
    """The topic as hashed: its UTF-8 length (u32be), then its UTF-8 bytes."""
    topic_bytes = topic.encode()
    return struct.pack(">I", len(topic_bytes)) + topic_bytes


def encode_originator(originator_id: UUID | str) -> bytes:
    """The tagged bytes of an originator id."""
    if isinstance(originator_id, UUID):
        return b"\x01" + originator_id.bytes
    return b"\x02" + originator_id.encode()


def state_hash(state: bytes) -> bytes:
    """SHA-256 of the stored state bytes."""
    return hashlib.sha256(state).digest()


def leaf_input(
    originator_id: UUID | str, version: int, topic: str, hashed_state: bytes
) -> bytes:
    """The bytes a leaf commits to, given the state's hash."""
    oid = encode_originator(originator_id)
    return b"".join(
        (
            DOMAIN,
            struct.pack(">I", len(oid)),
            oid,
            struct.pack(">Q", version),
            topic_field(topic),
            hashed_state,
        )
    )


def leaf_hash(
    originator_id: UUID | str, version: int, topic: str, state: bytes
) -> bytes:
    """The RFC 6962 leaf hash of one stored event."""
    data = leaf_input(originator_id, version, topic, state_hash(state))
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def leaf_hash_from(
    originator_id: UUID | str, version: int, topic: str, hashed_state: bytes
) -> bytes:
    """The leaf hash when the state's hash is already known."""
    data = leaf_input(originator_id, version, topic, hashed_state)
    return hashlib.sha256(LEAF_PREFIX + data).digest()
