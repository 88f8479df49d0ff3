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
``ERASURE_UNRECORDED``
    The key store holds a member's erasure tombstone, but the ledger holds no
    erasure: an erasure failed to be stored, after destroying the keys or
    before (no key can be made for the member meanwhile). Run it again.
``FIELD_NOT_SEALED``
    A field that must be sealed holds a value in clear.
``KEY_NOT_IN_STORE``
    A sealed field names a key this store never held (another ledger's store?).
``DECRYPT_FAILED``
    A live key does not open its field: the field was altered, moved from
    another event, or the key was replaced or damaged.

A withdrawn declaration whose key is still live is no finding when what the
key opens is already the erased value: an import seals a member's earlier,
withdrawn declarations (exported as erased) under the key of their current
one. Events recorded while the audit runs are read at its end, so an erasure
or withdrawal made meanwhile explains the keys it destroyed.

Nothing it reports holds a decrypted value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

import attrs
import orjson
from cryptography.exceptions import InvalidTag

from coledger.domain import LedgerAggregate, Member
from coledger.errors import CorruptEventError, MasterKeyError, shown_on_one_line
from coledger.log import StoredRecord
from coledger.privacy.classification import Purpose, sealed_fields
from coledger.privacy.keys import KeyStore
from coledger.privacy.sealing import is_sealed, open_sealed
from coledger.serialization import event_class, stored_id

ERASURE = Member.Erased
WITHDRAWAL = Member.LivedExperienceWithdrawn


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
        # A key id is what a sealed field names, which a tamperer can set to
        # terminal escapes that would redraw the verdict: they are escaped.
        lines += [
            f"{f.code}: member {f.member}, key {shown_on_one_line(f.key_id)}"
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
    """``live``, ``destroyed``, ``unknown``, or ``clear`` (not sealed at all)."""
    opened: bool
    empty: bool = False
    """Whether what the live key opened is the erased value."""


Pages = Callable[[int, int | None], Iterable[Sequence[StoredRecord]]]
"""Reads the log after a position, up to another (None: to its end)."""


def audit(pages: Pages, keys: KeyStore) -> ErasureAudit:
    """Walk the log and check every sealed field's key against the record."""
    keys.check_master_key()  # a wrong master key fails here, not as findings
    erased: dict[UUID, int] = {}
    withdrawn: dict[UUID, list[int]] = {}
    fields: list[_Field] = []
    last = 0
    for page in pages(0, None):
        for record in page:
            last = record.id
            cls = _note(record, erased, withdrawn)
            if sealed_fields(cls):
                fields += _fields(record, cls, keys)
    for page in pages(last, None):  # written while the walk ran
        for record in page:
            _note(record, erased, withdrawn)
    pairs = [(field, _should_be_gone(field, erased, withdrawn)) for field in fields]
    for field, gone in pairs:
        if gone and field.state == "live":
            _look_again(field, keys)
    judged = (_judge(field, erased, keys, gone=gone) for field, gone in pairs)
    findings = [finding for finding in judged if finding is not None]
    findings += _keys_left(erased, keys)
    findings += _tombstones_left(fields, erased, keys)
    return ErasureAudit(
        findings=tuple(_unique(findings)),
        sealed_fields=len(fields),
        opened=sum(f.opened and not f.empty for f in fields),
        erased_fields=sum((f.state == "destroyed" or f.empty) and g for f, g in pairs),
        members_erased=len(erased),
        declarations_withdrawn=sum(map(len, withdrawn.values())),
    )


def _note(
    record: StoredRecord, erased: dict[UUID, int], withdrawn: dict[UUID, list[int]]
) -> type[LedgerAggregate.Event]:
    """The record's event class, noting it if it is an erasure or a withdrawal."""
    cls = event_class(record.topic)
    if cls is ERASURE:
        erased.setdefault(stored_id(record.originator_id), record.id)
    elif cls is WITHDRAWAL:
        withdrawn.setdefault(stored_id(record.originator_id), []).append(record.id)
    return cls


def _fields(
    record: StoredRecord, cls: type[LedgerAggregate.Event], keys: KeyStore
) -> list[_Field]:
    where = f"the event at position {record.id}"
    try:
        state = orjson.loads(record.state)
    except orjson.JSONDecodeError as error:
        raise CorruptEventError(f"{where} is not JSON") from error
    if not isinstance(state, dict):
        raise CorruptEventError(f"{where} is not a JSON object")
    originator = stored_id(record.originator_id, where)
    found = []
    for name, rule in sealed_fields(cls).items():
        value = state.get(name)
        if value is None:
            continue
        subject = (
            originator if rule.subject == "originator_id" else state.get(rule.subject)
        )
        try:
            member = UUID(str(subject))
        except ValueError:  # the value is not quoted: it may be personal data
            msg = f"{where} names no member in its {rule.subject!r} field"
            raise CorruptEventError(msg) from None
        if not (is_sealed(value) and isinstance(value["k"], str)):
            found.append(
                _Field(record.id, member, rule.purpose, "", "clear", opened=False)
            )
            continue
        key_id = value["k"]
        state_of = keys.state_of(key_id)
        opened = None
        if state_of == "live":
            opened = _open(record, originator, name, value, keys)
        found.append(
            _Field(
                record.id,
                member,
                rule.purpose,
                key_id,
                state_of,
                opened is not None,
                opened in _ERASED_FORMS,
            )
        )
    return found


_ERASED_FORMS = (b"[]", b'"[erased]"')
"""What a field reads as once its key is gone, as sealed JSON (padding stripped)."""


def _open(
    record: StoredRecord,
    originator: UUID,
    name: str,
    envelope: dict[str, Any],
    keys: KeyStore,
) -> bytes | None:
    """The field's JSON as the stored key opens it, or None if it does not open."""
    try:
        key = keys.stored_key(envelope["k"])  # the store's, not a cached copy
        if key is None:
            return None
        return open_sealed(
            key,
            envelope,
            topic=record.topic,
            originator_id=originator,
            version=record.originator_version,
            field=name,
        ).rstrip(b" ")
    except (InvalidTag, ValueError, TypeError, MasterKeyError):
        # MasterKeyError: this one key's bytes do not unwrap (the master key
        # itself was checked first); TypeError: a value of the wrong JSON kind.
        return None


def _should_be_gone(
    field: _Field, erased: dict[UUID, int], withdrawn: dict[UUID, list[int]]
) -> bool:
    if field.member in erased:
        return True
    return field.purpose == Purpose.LIVED_EXPERIENCE and any(
        at > field.position for at in withdrawn.get(field.member, ())
    )


def _look_again(field: _Field, keys: KeyStore) -> None:
    """Read again a key the walk found live that the record says must be gone.

    An erasure or withdrawal stored while the audit ran destroyed its keys
    first, perhaps after the walk opened them: gone now, they are as recorded.
    """
    if keys.state_of(field.key_id) == "destroyed":
        field.state, field.opened, field.empty = "destroyed", False, False


def _judge(
    field: _Field, erased: dict[UUID, int], keys: KeyStore, *, gone: bool
) -> ErasureFinding | None:
    """The finding a field's key makes, if any (*gone*: the record says it must be)."""
    found: tuple[str, str] | None
    if field.state == "clear":
        found = ("FIELD_NOT_SEALED", "a field that must be sealed is in clear")
    elif field.state == "unknown":
        found = ("KEY_NOT_IN_STORE", "the key sealing this field is not here")
    elif field.state == "destroyed":
        found = None if gone else _unexplained(field, keys)
    else:
        found = _still_open(field, erased, gone=gone)
    if found is None:
        return None
    code, detail = found
    return ErasureFinding(code, field.member, field.key_id, field.position, detail)


_UNRECORDED = (
    "the member's keys were destroyed for an erasure that was never recorded "
    "(it failed after destroying them): run the erasure again"
)
_UNOPENED = (
    "the live key does not open this field: altered, moved, or the key replaced "
    "or damaged"
)


def _unexplained(field: _Field, keys: KeyStore) -> tuple[str, str]:
    """Why a key is gone that the record says should be live."""
    if keys.is_erased(field.member):
        return ("ERASURE_UNRECORDED", _UNRECORDED)
    detail = "the key was destroyed, but no erasure or withdrawal is recorded"
    if field.purpose == Purpose.LIVED_EXPERIENCE:
        detail += " (if a withdrawal failed to be saved, run it again)"
    return ("KEY_MISSING_UNEXPLAINED", detail)


def _still_open(
    field: _Field, erased: dict[UUID, int], *, gone: bool
) -> tuple[str, str] | None:
    """What is wrong with a live key, if anything."""
    if not gone:
        return None if field.opened else ("DECRYPT_FAILED", _UNOPENED)
    if field.empty:  # it opens only the erased value: nothing to read
        return None
    if field.member in erased:
        return (
            "ERASURE_INCOMPLETE",
            f"erased at position {erased[field.member]}, yet the key holds its bytes",
        )
    return (
        "WITHDRAWAL_INCOMPLETE",
        "the declaration was withdrawn, yet the key that sealed it holds its bytes",
    )


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


_TOMBSTONE_UNRECORDED = (
    "the key store holds the member's erasure tombstone, so no key can be made "
    "for them, but no erasure is recorded (it failed to be stored): run the "
    "erasure again"
)


def _tombstones_left(
    fields: list[_Field], erased: dict[UUID, int], keys: KeyStore
) -> list[ErasureFinding]:
    """Members with a tombstone in the store whose erasure the ledger lacks.

    An erasure stores the tombstone before it destroys the keys: one that
    failed in between leaves the keys live and no destroyed key to tell.
    """
    members = dict.fromkeys(f.member for f in fields if f.member not in erased)
    return [
        ErasureFinding(
            "ERASURE_UNRECORDED",
            member,
            f"erased:{member}",
            None,
            _TOMBSTONE_UNRECORDED,
        )
        for member in members
        if keys.is_erased(member)
    ]


def _unique(findings: list[ErasureFinding]) -> list[ErasureFinding]:
    """One finding per (code, key): a key that seals many fields is reported once.

    A field in clear names no key: such fields are reported once per member,
    so that each member whose data lies in clear is named.
    """
    seen: set[tuple[str, str, UUID | None]] = set()
    kept = []
    for f in findings:
        mark = (f.code, f.key_id, None if f.key_id else f.member)
        if mark not in seen:
            seen.add(mark)
            kept.append(f)
    return kept
