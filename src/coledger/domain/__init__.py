"""The write side: aggregates and their events. Pure: no I/O happens here."""

from coledger.domain.adjustment import Adjustment
from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.body import Body, Seat
from coledger.domain.meeting import Meeting
from coledger.domain.member import Member
from coledger.domain.project import Project
from coledger.domain.proposal import (
    Action,
    Ballot,
    Comment,
    Decision,
    Evaluation,
    Proposal,
)
from coledger.domain.rules import Rule, Tally, Verdict

AGGREGATES: tuple[type[LedgerAggregate], ...] = (
    Member,
    Body,
    Project,
    Meeting,
    Proposal,
    Adjustment,
)
"""Every aggregate class; their nested events are the whole vocabulary of the record."""

__all__ = [
    "AGGREGATES",
    "Action",
    "Adjustment",
    "Ballot",
    "Body",
    "Comment",
    "Context",
    "Decision",
    "Evaluation",
    "LedgerAggregate",
    "Meeting",
    "Member",
    "Project",
    "Proposal",
    "Rule",
    "Seat",
    "Tally",
    "Verdict",
]
