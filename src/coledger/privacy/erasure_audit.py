"""The erasure audit: whether the key store kept what the ledger records of it.

An operator's check (a data protection officer's), not an outside auditor's:
it needs the master key, since it opens every sealed field whose key is live.
It reads the log once and compares the key behind each sealed field with what
the ledger says should have become of it:

``ERASURE_INCOMPLETE``
    The member's erasure is recorded, but a key of theirs still holds its
    bytes, or the store has no tombstone (so a key could be made again).
``WITHDRAWAL_INCOMPLETE``
    A lived-experience declaration was withdrawn, but the key that sealed it
    still holds its bytes.
``KEY_MISSING_UNEXPLAINED``
    A sealed field's key was destroyed, though no erasure or withdrawal in the
    ledger accounts for it.
``KEY_NOT_IN_STORE``
    A sealed field names a key this store never held (another ledger's store?).
``DECRYPT_FAILED``
    A live key does not open its field: the field was altered, moved from
    another event, or the key was replaced.

Nothing it reports holds a decrypted value.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import attrs
import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coledger.domain import LedgerAggregate, Member
from coledger.errors import CorruptEventError
from coledger.log import StoredRecord
from coledger.privacy.classification import Purpose, sealed_fields
from coledger.privacy.keys import KeyStore
from coledger.privacy.sealing import NONCE, associated_data, is_sealed
from coledger.serialization import event_class, stored_id

ERASED = Member.Erased
WITHDRAWN = Member.LivedExperienceWithdrawn


@attrs.frozen
class ErasureFinding:
    """One broken promise: its code, the member, the key and where it was seen."""

    code: str
    member: UUID
    key_id: str
    position: int | None
    detail: str


@attrs.frozen
class ErasureAudit:
    """What the erasure audit found, with the counts it rests on."""

    findings: tuple[ErasureFinding, ...]
    sealed_fields: int
    """Sealed fields read in the log."""
    opened: int
    """Of those, fields whose live key opened them."""
    erased_fields: int
    """Of those, fields whose key was destroyed, as the ledger records it should be."""
    members_erased: int
    declarations_withdrawn: int

    @property
    def ok(self) -> bool:
        """Whether every key is as the ledger says it should be."""
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        """The audit as JSON-ready data (no personal data in it)."""
        return {
            "ok": self.ok,
            "sealed_fields": self.sealed_fields,
            "opened": self.opened,
            "erased_fields": self.erased_fields,
            "members_erased": self.members_erased,
            "declarations_withdrawn": self.declarations_withdrawn,
            "findings": [
                {
                    "code": f.code,
                    "member": str(f.member),
                    "key_id": f.key_id,
                    "position": f.position,
                    "detail": f.detail,
                }
                for f in self.findings
            ],
        }

    def to_text(self) -> str:
        """A few lines for people."""
        head = (
            f"erasure audit: {self.sealed_fields:,} sealed fields "
            f"({self.opened:,} open, {self.erased_fields:,} erased as recorded); "
            f"{self.members_erased} member(s) erased, "
            f"{self.declarations_withdrawn} declaration(s) withdrawn"
        )
        lines = [head]
        lines += [
            f"{f.code}: member {f.member}, key {f.key_id}"
            + ("" if f.position is None else f", position {f.position}")
            + f": {f.detail}"
            for f in self.findings
        ]
        lines.append("OK" if self.ok else f"FAILED: {len(self.findings)} finding(s)")
        return "\n".join(lines)


@attrs.define
class _Field:
    """A sealed field as the walk saw it."""

    position: int
    member: UUID
    purpose: str
    key_id: str
    state: str
    opened: bool


def audit(pages: Iterable[Sequence[StoredRecord]], keys: KeyStore) -> ErasureAudit:
    """Walk the log's pages and check every sealed field's key against the record."""
    erased: dict[UUID, int] = {}
    withdrawn: dict[UUID, list[int]] = {}
    fields: list[_Field] = []
    for page in pages:
        for record in page:
            cls = event_class(record.topic)
            member = stored_id(record.originator_id)
            if cls is ERASED:
                erased.setdefault(member, record.id)
            elif cls is WITHDRAWN:
                withdrawn.setdefault(member, []).append(record.id)
            if sealed_fields(cls):
                fields += _fields(record, cls, member, keys)
    judged = (_judge(field, erased, withdrawn) for field in fields)
    findings = [finding for finding in judged if finding is not None]
    findings += _keys_left(erased, keys)
    return ErasureAudit(
        findings=tuple(_unique(findings)),
        sealed_fields=len(fields),
        opened=sum(f.opened for f in fields),
        erased_fields=sum(
            f.state == "destroyed" and _should_be_gone(f, erased, withdrawn)
            for f in fields
        ),
        members_erased=len(erased),
        declarations_withdrawn=sum(map(len, withdrawn.values())),
    )


def _fields(
    record: StoredRecord,
    cls: type[LedgerAggregate.Event],
    originator: UUID,
    keys: KeyStore,
) -> list[_Field]:
    try:
        state = orjson.loads(record.state)
    except orjson.JSONDecodeError as error:
        raise CorruptEventError(
            f"the event at position {record.id} is not JSON"
        ) from error
    found = []
    for name, rule in sealed_fields(cls).items():
        envelope = state.get(name) if isinstance(state, dict) else None
        if not isinstance(envelope, dict) or not is_sealed(envelope):
            continue
        subject = originator if rule.subject == "originator_id" else state[rule.subject]
        key_id = str(envelope["k"])
        where = keys.state_of(key_id)
        opened = where == "live" and _opens(record, originator, name, envelope, keys)
        found.append(
            _Field(record.id, stored_id(subject), rule.purpose, key_id, where, opened)
        )
    return found


def _opens(
    record: StoredRecord,
    originator: UUID,
    name: str,
    envelope: dict[str, Any],
    keys: KeyStore,
) -> bool:
    key = keys.stored_key(envelope["k"])  # the store's, not a cached copy
    if key is None:
        return False
    aad = associated_data(
        record.topic, originator, record.originator_version, name, envelope["k"]
    )
    try:
        blob = base64.b64decode(envelope["v"], validate=True)
        AESGCM(key).decrypt(blob[:NONCE], blob[NONCE:], aad)
    except (InvalidTag, ValueError):
        return False
    return True


def _should_be_gone(
    field: _Field, erased: dict[UUID, int], withdrawn: dict[UUID, list[int]]
) -> bool:
    if field.member in erased:
        return True
    return field.purpose == Purpose.LIVED_EXPERIENCE and any(
        at > field.position for at in withdrawn.get(field.member, ())
    )


def _judge(
    field: _Field, erased: dict[UUID, int], withdrawn: dict[UUID, list[int]]
) -> ErasureFinding | None:
    def finding(code: str, detail: str) -> ErasureFinding:
        return ErasureFinding(code, field.member, field.key_id, field.position, detail)

    if field.state == "unknown":
        return finding("KEY_NOT_IN_STORE", "the key sealing this field is not here")
    gone = _should_be_gone(field, erased, withdrawn)
    if field.state == "live" and gone:
        if field.member in erased:
            return finding(
                "ERASURE_INCOMPLETE",
                f"erased at position {erased[field.member]}, yet the key still opens",
            )
        return finding(
            "WITHDRAWAL_INCOMPLETE",
            "the declaration was withdrawn, yet the key that sealed it still opens",
        )
    if field.state == "destroyed" and not gone:
        return finding(
            "KEY_MISSING_UNEXPLAINED",
            "the key was destroyed, but no erasure or withdrawal is recorded for it",
        )
    if field.state == "live" and not field.opened:
        return finding(
            "DECRYPT_FAILED",
            "the live key does not open this field: altered, moved or key replaced",
        )
    return None


def _keys_left(erased: dict[UUID, int], keys: KeyStore) -> list[ErasureFinding]:
    """Erased members' keys that still hold bytes, sealing anything or not."""
    found = []
    for member, at in erased.items():
        if not keys.is_erased(member):
            found.append(
                ErasureFinding(
                    "ERASURE_INCOMPLETE",
                    member,
                    f"erased:{member}",
                    at,
                    "no tombstone in the key store: a key could be made again",
                )
            )
        found += [
            ErasureFinding(
                "ERASURE_INCOMPLETE",
                member,
                key_id,
                at,
                f"the member's {purpose} key still holds its bytes",
            )
            for key_id, purpose in keys.live_keys(member)
        ]
    return found


def _unique(findings: list[ErasureFinding]) -> list[ErasureFinding]:
    """One finding per (code, key): a key that seals many fields is reported once."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for f in findings:
        if (f.code, f.key_id) not in seen:
            seen.add((f.code, f.key_id))
            kept.append(f)
    return kept
