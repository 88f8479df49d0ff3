"""Sealing: personal and special fields encrypted under the subject member's key.

A sealed field is stored as ``{"k": key_id, "v": base64(nonce + ciphertext)}``
in place of its value. The AES-256-GCM associated data binds the ciphertext to
its event (topic, originator id and version), its field and its key id, so a
ciphertext that is altered or moved to another event fails to open. A field
whose key was destroyed reads as erased: ``"[erased]"`` for text, ``()`` for a
tuple. Such a field is not checked (the key that would check it is gone), so
one altered, or moved in from another event, reads as erased too.

The sealed plaintext is the field's JSON padded with trailing spaces to a
multiple of ``BUCKET`` bytes, so a ciphertext's length tells only which bucket
its value falls in: every lived-experience declaration and adjustment code has
one length, and a name or comment is known only to within ``BUCKET`` bytes.
JSON allows whitespace after a value, so opening reads padded and unpadded
(earlier) plaintexts alike.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Collection
from typing import Any
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol

from coledger.domain.values import ERASED
from coledger.errors import CorruptEventError, SealBrokenError
from coledger.privacy.classification import Sealed, sealed_fields
from coledger.privacy.keys import KeyStore
from coledger.serialization import (
    LedgerMapper,
    StoredLike,
    field_types,
    stored_id,
    structure_state,
    unstructure_state,
)

NONCE = 12
BUCKET = 64
"""Sealed plaintexts are padded to a multiple of this many bytes, at least one.

The largest lived-experience declaration (33 bytes of JSON) and the largest
adjustment code (6 bytes) fit in one bucket, with room for the vocabularies to
grow, so all of them seal to one length; a test fails if one no longer fits.
"""


def padded(plain: bytes) -> bytes:
    """*plain* with trailing spaces up to the next multiple of BUCKET bytes."""
    buckets = max(1, (len(plain) + BUCKET - 1) // BUCKET)
    return plain.ljust(buckets * BUCKET, b" ")


def associated_data(
    topic: str, originator_id: UUID, version: int, field: str, key_id: str
) -> bytes:
    """The bytes a sealed field is bound to."""
    return f"coledger/1|{topic}|{originator_id}|{version}|{field}|{key_id}".encode()


def is_sealed(value: object) -> bool:
    """Whether a stored field value is a sealed envelope."""
    return isinstance(value, dict) and value.keys() == {"k", "v"}


def open_sealed(
    key: bytes,
    envelope: Any,
    *,
    topic: str,
    originator_id: UUID,
    version: int,
    field: str,
) -> bytes:
    """The padded JSON a sealed field holds; InvalidTag or ValueError if it won't open.

    TypeError, too, when the envelope's parts are not text.
    """
    aad = associated_data(topic, originator_id, version, field, envelope["k"])
    blob = base64.b64decode(envelope["v"], validate=True)
    return AESGCM(key).decrypt(blob[:NONCE], blob[NONCE:], aad)


def erased_value(hint: Any) -> Any:
    """What a field of type *hint* reads as once its key is gone."""
    return [] if getattr(hint, "__origin__", None) is tuple else ERASED


class SealingMapper(LedgerMapper):
    """The ledger's mapper, sealing classified fields on the way to storage."""

    def __init__(
        self,
        keys: KeyStore,
        *,
        opens: Collection[tuple[type, str]] | None = None,
        subject: UUID | None = None,
    ) -> None:
        super().__init__()
        self.keys = keys
        self.opens = None if opens is None else frozenset(opens)
        """The (event class, field) pairs to open; None opens every sealed field.

        A reader that needs few sealed fields (the projections' fold reads only
        lived-experience categories) leaves the rest closed, as None.
        """
        self.subject = subject
        """The member whose keys alone are used; None uses every member's.

        A reader for one member (a subject access report) leaves the fields
        sealed under other members' keys closed, as None: it neither needs
        their keys nor fails when one is damaged or missing.
        """
        self._own_keys: frozenset[str] | None = None
        """The ids of the subject's keys, read from the key store when first needed
        and again whenever a field names a key not among them."""

    def encode(self, domain_event: DomainEventProtocol[UUID], topic: str) -> bytes:
        """Unstructure the event and seal its personal and special fields."""
        state = unstructure_state(domain_event)
        for name, rule in sealed_fields(type(domain_event)).items():
            value = state.get(name)
            if value is None:
                continue
            subject = getattr(domain_event, rule.subject)
            key_id, key = self.keys.key_for(subject, rule.purpose)
            nonce = os.urandom(NONCE)
            aad = associated_data(
                topic,
                domain_event.originator_id,
                domain_event.originator_version,
                name,
                key_id,
            )
            sealed = AESGCM(key).encrypt(nonce, padded(orjson.dumps(value)), aad)
            state[name] = {"k": key_id, "v": base64.b64encode(nonce + sealed).decode()}
        return orjson.dumps(state)

    def decode(self, cls: Any, stored_event: StoredLike) -> dict[str, Any]:
        """Open the sealed fields (erased where the key is gone), then structure."""
        return self._decode(cls, stored_event, [])

    def read(
        self, stored_event: StoredLike
    ) -> tuple[DomainEventProtocol[UUID], frozenset[str]]:
        """One stored event, decoded, and the names of its sealed fields left closed."""
        closed: list[str] = []
        event = self._event(
            stored_event, lambda cls, stored: self._decode(cls, stored, closed)
        )
        return event, frozenset(closed)

    def _decode(
        self, cls: Any, stored_event: StoredLike, closed: list[str]
    ) -> dict[str, Any]:
        """Open the sealed fields this mapper opens, noting in *closed* the others."""
        state: dict[str, Any] = orjson.loads(stored_event.state)
        types = field_types(cls)
        for name, rule in sealed_fields(cls).items():
            value = state.get(name)
            if not isinstance(value, dict) or not is_sealed(value):
                continue
            if (self.opens is not None and (cls, name) not in self.opens) or (
                self.subject is not None
                and not self._sealed_for_subject(rule, stored_event, state, value)
            ):
                state[name] = None
                closed.append(name)
                continue
            state[name] = self._open(cls, stored_event, name, value, types.get(name))
        return structure_state(cls, state, closed)

    def _sealed_for_subject(
        self,
        rule: Sealed,
        stored: StoredLike,
        state: dict[str, Any],
        envelope: dict[str, str],
    ) -> bool:
        """Whether the field *rule* classifies was sealed under the subject's key.

        The event must name the subject as the field's own (an id that is no
        UUID is nobody's: the event fails as it is structured), and the key
        store must not hold the envelope's key as another member's: a stored
        event rewritten to name the subject does not open someone else's
        field. A key the store lacks altogether, or a key id that is not
        text, is opened, and so refused.
        """
        if rule.subject == "originator_id":
            named: object = stored.originator_id
        else:
            named = state.get(rule.subject)
        try:
            subject = stored_id(named)
        except CorruptEventError:
            return False
        if subject != self.subject:
            return False
        key_id = envelope.get("k")
        if not isinstance(key_id, str):
            return True  # opened, and so refused as corrupt
        if self._own_keys is None or key_id not in self._own_keys:
            # Read again on a miss: a key made for the subject since the last
            # read (by another process, as the walk went on) is theirs too.
            self._own_keys = self.keys.key_ids_of(subject)
        return key_id in self._own_keys or self.keys.state_of(key_id) == "unknown"

    def _open(
        self,
        cls: Any,
        stored: StoredLike,
        name: str,
        envelope: dict[str, str],
        hint: Any,
    ) -> Any:
        if not isinstance(envelope["k"], str):
            # Looked up, it would be "not in this key store" on SQLite and a
            # failed query on PostgreSQL: the event is what is wrong.
            raise CorruptEventError(
                f"the sealed field {name!r} of {cls.__qualname__} "
                f"({stored_id(stored.originator_id)} v{stored.originator_version}) "
                "names no key id (its key id is not text)"
            )
        key = self.keys.key(envelope["k"])
        if key is None:
            return erased_value(hint)
        originator_id = stored_id(stored.originator_id)
        try:
            plain = open_sealed(
                key,
                envelope,
                topic=stored.topic,
                originator_id=originator_id,
                version=stored.originator_version,
                field=name,
            )
        except (InvalidTag, ValueError) as error:
            raise SealBrokenError(
                f"the sealed field {name!r} of {cls.__qualname__} "
                f"({originator_id} v{stored.originator_version}) fails its integrity "
                "check: it was altered or moved from another event"
            ) from error
        return orjson.loads(plain)  # ignores the padding: whitespace after a value
