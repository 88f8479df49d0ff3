"""Every field of every event, classified in one table a reader can review.

- ``structural``: ids, kinds, times, codes of choices. In clear; auditors see them.
- ``organisational``: the organisation's own record (proposal text, decision
  rationale). In clear.
- ``personal``: about one member (their name, what they wrote). Sealed under that
  member's identity key.
- ``special``: UK GDPR Art. 9 data (lived experience, access needs). Sealed under
  the member's lived-experience or access key.

A sealed field names its subject: the event field that holds the member id whose
key seals it (``originator_id`` when the event is the member's own).
"""

from __future__ import annotations

import dataclasses
import functools
from enum import StrEnum

import attrs

from coledger.domain import AGGREGATES, LedgerAggregate
from coledger.domain.adjustment import Adjustment
from coledger.domain.body import Body
from coledger.domain.meeting import Meeting
from coledger.domain.member import Member
from coledger.domain.project import Project
from coledger.domain.proposal import Proposal


class Kind(StrEnum):
    """How sensitive a field is."""

    STRUCTURAL = "structural"
    ORGANISATIONAL = "organisational"
    PERSONAL = "personal"
    SPECIAL = "special"


class Purpose(StrEnum):
    """Which of a member's keys seals a field; each can be destroyed on its own."""

    IDENTITY = "identity"
    LIVED_EXPERIENCE = "lived_experience"
    ACCESS = "access"


@attrs.frozen
class Sealed:
    """A field sealed under the key of the member named by ``subject``."""

    kind: Kind
    purpose: Purpose
    subject: str


S = Kind.STRUCTURAL
O = Kind.ORGANISATIONAL  # noqa: E741 (a one-letter column in the table below)

BASE: dict[str, Kind | Sealed] = {
    "originator_id": S,
    "originator_version": S,
    "timestamp": S,
    "actor": S,
    "occurred_at": S,
    "source_ref": S,
}
CREATED: dict[str, Kind | Sealed] = {"originator_topic": S}

FIELDS: dict[type[LedgerAggregate.Event], dict[str, Kind | Sealed]] = {
    Member.Registered: {
        **CREATED,
        "name": Sealed(Kind.PERSONAL, Purpose.IDENTITY, "originator_id"),
        "role": S,
    },
    Member.RoleChanged: {"role": S},
    Member.LivedExperienceDeclared: {
        "categories": Sealed(Kind.SPECIAL, Purpose.LIVED_EXPERIENCE, "originator_id"),
        "consent": S,
        "condition": S,
    },
    Member.LivedExperienceWithdrawn: {},
    Member.Erased: {},
    Member.SupporterAuthorised: {"supporter": S},
    Member.SupporterRevoked: {"supporter": S},
    Body.Established: {
        **CREATED,
        "name": O,
        "kind": S,
        "rule_kind": S,
        "rule_threshold": S,
        "rule_quorum": S,
        "rule_lived_experience_quorum": S,
    },
    Body.RuleChanged: {
        "rule_kind": S,
        "rule_threshold": S,
        "rule_quorum": S,
        "rule_lived_experience_quorum": S,
    },
    Body.SeatAssigned: {"member": S, "seat": S, "office": S},
    Body.SeatVacated: {"member": S},
    Body.VoteOpened: {"proposal": S},
    Project.Started: {**CREATED, "name": O, "label": S, "description": O},
    Project.Relabelled: {"label": S},
    Project.Finished: {},
    Meeting.Scheduled: {
        **CREATED,
        "body": S,
        "kind": S,
        "title": O,
        "starts_at": S,
        "project": S,
    },
    Meeting.PapersIssued: {"format": S},
    Meeting.AttendanceRecorded: {"member": S, "mode": S},
    Meeting.WellbeingCheckInHeld: {},
    Meeting.AdjustmentLinked: {"adjustment": S, "member": S, "needed_before": S},
    Meeting.VoteOpened: {"proposal": S},
    Meeting.Cancelled: {},
    Proposal.Raised: {
        **CREATED,
        "body": S,
        "proposers": S,
        "title": O,
        "text": O,
        "project": S,
        "phase": S,
        "meeting": S,
    },
    Proposal.Amended: {"title": O, "text": O, "takes_up": S},
    Proposal.Commented: {
        "comment_id": S,
        "author": S,
        "text": Sealed(Kind.PERSONAL, Purpose.IDENTITY, "author"),
        "channel": S,
        "supporter": S,
    },
    Proposal.AccessibleVersionPublished: {"format": S},
    Proposal.AdjustmentLinked: {"adjustment": S, "member": S, "needed_before": S},
    Proposal.FeedbackGiven: {"feedback_id": S, "comments": S, "text": O},
    Proposal.VotingOpened: {
        "electorate": S,
        "rule_kind": S,
        "rule_threshold": S,
        "rule_quorum": S,
        "rule_lived_experience_quorum": S,
        "access_override": O,
        "unmet_adjustments": S,
        "advisory": S,
    },
    Proposal.BallotCast: {"voter": S, "choice": S, "supporter": S},
    Proposal.VotingClosed: {
        "for_": S,
        "against": S,
        "abstain": S,
        "block": S,
        "electorate_size": S,
        "lived_experience_participants": S,
        "outcome": S,
        "reason": S,
        "advisory": S,
    },
    Proposal.Decided: {
        "decision_id": S,
        "outcome": S,
        "method": S,
        "decided_by": S,
        "rationale": O,
        "overrode_vote": S,
    },
    Proposal.Withdrawn: {"reason": O},
    Proposal.ActionAssigned: {"action_id": S, "description": O, "owners": S, "due": S},
    Proposal.ActionCompleted: {"action_id": S},
    Proposal.EvaluationRecorded: {
        "evaluation_id": S,
        "authors": S,
        "criteria_proposed_by": S,
        "summary": O,
    },
    Adjustment.Requested: {
        **CREATED,
        "member": S,
        "code": Sealed(Kind.SPECIAL, Purpose.ACCESS, "member"),
        "scope": S,
        "meeting": S,
        "proposal": S,
        "needed_before": S,
        "needed_by": S,
    },
    Adjustment.Provided: {"partial": S},
    Adjustment.Declined: {
        "member": S,
        "reason": S,
        "alternative": Sealed(Kind.SPECIAL, Purpose.ACCESS, "member"),
    },
    Adjustment.Withdrawn: {},
}


def event_classes() -> list[type[LedgerAggregate.Event]]:
    """Every event class the aggregates record (not the generated base classes)."""
    return [
        value
        for aggregate in AGGREGATES
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, LedgerAggregate.Event)
        and name not in {"Event", "Created"}
    ]


def classify(cls: type[object]) -> dict[str, Kind | Sealed]:
    """Every stored field of *cls* with its class; KeyError if one is missing."""
    table = {**BASE, **FIELDS[cls]}  # type: ignore[index]
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    return {name: table[name] for name in names}


@functools.cache
def sealed_fields(cls: type[object]) -> dict[str, Sealed]:
    """The fields of *cls* that are sealed, with their purpose and subject.

    An event class missing from the table is an error, not "nothing sealed":
    a new event must be classified before it can be stored.
    """
    if cls not in FIELDS:
        msg = f"event class {cls.__qualname__} is not in the classification table"
        raise KeyError(msg)
    return {
        name: rule
        for name, rule in {**BASE, **FIELDS[cls]}.items()
        if isinstance(rule, Sealed)
    }
