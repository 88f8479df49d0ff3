"""Subject access: everything the ledger holds about one member, decrypted, as JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from coledger.domain import LedgerAggregate
from coledger.privacy.classification import sealed_fields
from coledger.serialization import to_jsonable

SAR_VERSION = 1
WITHHELD = "[withheld: another member's personal data]"


def _mentions(value: object, member: UUID) -> bool:
    if value == member:
        return True
    return isinstance(value, tuple) and member in value


def mentions(event: LedgerAggregate.Event, member: UUID) -> bool:
    """Whether *event* is about *member*, or records something they did."""
    return any(
        _mentions(getattr(event, f.name), member) for f in dataclasses.fields(event)
    )


def subject_access_report(
    member: UUID,
    profile: dict[str, Any],
    history: Iterable[tuple[int, LedgerAggregate.Event]],
) -> dict[str, Any]:
    """The JSON-ready report: the member's record and every event naming them."""
    events = []
    for position, event in history:
        if not mentions(event, member):
            continue
        fields = {
            f.name: getattr(event, f.name)
            for f in dataclasses.fields(event)
            if f.name not in {"originator_version", "originator_topic"}
        }
        for name, rule in sealed_fields(type(event)).items():
            if getattr(event, rule.subject) != member:
                # Sealed under another member's key: theirs, not this member's.
                fields[name] = WITHHELD
        events.append(
            {
                "position": position,
                "type": get_topic(type(event)).split(":")[-1],
                "recorded_at": fields.pop("timestamp"),
                **fields,
            }
        )
    report: dict[str, Any] = to_jsonable(
        {
            "version": SAR_VERSION,
            "member": str(member),
            "profile": profile,
            "events": events,
        }
    )
    return report
