"""Subject access: everything the ledger holds about one member, decrypted, as JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from coledger.domain import Adjustment, LedgerAggregate, Member, Proposal
from coledger.privacy.classification import sealed_fields
from coledger.serialization import to_jsonable

SAR_VERSION = 1
WITHHELD = "[withheld: another member's personal data]"
HINTS: dict[type[LedgerAggregate.Event], tuple[str, tuple[str, ...]]] = {
    Member.LivedExperienceDeclared: ("originator_id", ("consent", "condition")),
    Proposal.Commented: ("author", ("channel",)),
}
"""Clear fields that point to their subject's sealed data (an Easy Read
consent form, a condition for disability support, a comment sent as a BSL
video), with the field naming that subject: withheld, as the sealed fields
are, from the report of anyone else."""


def _mentions(value: object, member: UUID) -> bool:
    if value == member:
        return True
    return isinstance(value, tuple) and member in value


def mentions(event: LedgerAggregate.Event, member: UUID) -> bool:
    """Whether *event* is about *member*, or records something they did."""
    return any(
        _mentions(getattr(event, f.name), member) for f in dataclasses.fields(event)
    )


class _Own:
    """The member's own records that later events name without naming the member."""

    def __init__(self, member: UUID) -> None:
        self.member = member
        self.adjustments: set[UUID] = set()
        self.comments: set[UUID] = set()
        self.actions: set[UUID] = set()

    def about(self, event: LedgerAggregate.Event) -> bool:
        """Whether *event* is about the member, noting the records it makes theirs.

        Besides the events that name the member, those of their adjustment
        requests (provided, declined, withdrawn), the feedback and amendments that
        take up their comments, and the completion of actions they own.
        """
        if isinstance(event, Adjustment.Requested) and event.member == self.member:
            self.adjustments.add(event.originator_id)
        elif isinstance(event, Proposal.Commented) and event.author == self.member:
            self.comments.add(event.comment_id)
        elif isinstance(event, Proposal.ActionAssigned) and self.member in event.owners:
            self.actions.add(event.action_id)
        if mentions(event, self.member) or event.originator_id in self.adjustments:
            return True
        if isinstance(event, Proposal.FeedbackGiven):
            return not self.comments.isdisjoint(event.comments)
        if isinstance(event, Proposal.Amended):
            return not self.comments.isdisjoint(event.takes_up)
        if isinstance(event, Proposal.ActionCompleted):
            return event.action_id in self.actions
        return False


def subject_access_report(
    member: UUID,
    profile: dict[str, Any],
    history: Iterable[tuple[int, LedgerAggregate.Event, Collection[str]]],
) -> dict[str, Any]:
    """The JSON-ready report: the member's record and every event about them.

    *history* gives each event with the names of its sealed fields left
    closed, unread, as sealed under another member's key.
    """
    events = []
    own = _Own(member)
    for position, event, closed in history:
        if not own.about(event):
            continue
        fields = {
            f.name: getattr(event, f.name)
            for f in dataclasses.fields(event)
            if f.name not in {"originator_version", "originator_topic"}
        }
        for name, rule in sealed_fields(type(event)).items():
            if name in closed or (
                fields[name] is not None and getattr(event, rule.subject) != member
            ):
                # Sealed under another member's key: theirs, not this member's
                # (in a ledger that seals nothing, in clear, and withheld too).
                # A field left empty seals nothing, and withholds nothing.
                fields[name] = WITHHELD
        subject, hints = HINTS.get(type(event), ("originator_id", ()))
        if getattr(event, subject) != member:
            fields.update(dict.fromkeys(hints, WITHHELD))
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
