"""A small organisation in which every public command can succeed, and the commands.

Tests spoil one argument of a command (test_input_validation) or fuzz them
(test_fuzzed_inputs); each starts from `build` in a fresh in-memory ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from coledger import Ledger, Rule
from coledger.errors import (
    LedgerError,
    NotAMemberError,
    NotASeatHolderError,
    UnknownActionError,
    UnknownAdjustmentError,
    UnknownBodyError,
    UnknownCommentError,
    UnknownMeetingError,
    UnknownProjectError,
    UnknownProposalError,
)

AWARE = datetime(2024, 6, 1, 18, 0, tzinfo=UTC)
NAIVE = datetime(2024, 6, 1, 18, 0)  # noqa: DTZ001 (the point of the test)
WORLD_REF = "world:admin"
FIRST = datetime(1800, 1, 1, tzinfo=UTC)
"""The earliest business time a record can hold."""
DUE = datetime(2100, 6, 1, 18, 0, tzinfo=UTC)
"""A due date or deadline after any assignment or request the tests make."""


@dataclass(frozen=True)
class World:
    """A small organisation in which every command below can succeed."""

    ledger: Ledger
    admin: UUID
    sam: UUID
    kim: UUID
    helper: UUID
    newcomer: UUID
    board: UUID
    plan: UUID
    meeting: UUID
    open_p: UUID
    comment: UUID
    gated_p: UUID
    voting_p: UUID
    adopted_p: UUID
    action: UUID
    need: UUID
    advisory_p: UUID


def build(ledger: Ledger) -> World:
    """Record the world: members, a board, a project, a meeting and proposals."""
    admin = ledger.register_member("Admin", role="staff", source_ref=WORLD_REF)
    sam = ledger.register_member("Sam")
    kim = ledger.register_member("Kim")
    helper = ledger.register_member("Helper", role="supporter")
    newcomer = ledger.register_member("Newcomer")
    # From the first recordable time, so a withdrawal may be dated at any time.
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=FIRST)
    ledger.authorise_supporter(sam, helper, occurred_at=FIRST)  # before any act
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=FIRST
    )
    ledger.assign_seat(board, sam, by=admin, occurred_at=FIRST)
    ledger.assign_seat(board, kim, by=admin, occurred_at=FIRST)
    plan = ledger.start_project(
        "Plan", label="co_production", by=admin, occurred_at=FIRST
    )
    meeting = ledger.schedule_meeting(  # begun by any time attendance may give
        board,
        kind="decision_meeting",
        title="AGM",
        starts_at=FIRST,
        by=admin,
        occurred_at=FIRST,  # called off at any time, too
    )
    # Raised and voted on at the earliest recordable time, so that every
    # command below may give any time in the recordable years.
    open_p = ledger.raise_proposal(
        board, proposers=[sam], title="Open", text="x", occurred_at=FIRST
    )
    comment = ledger.comment(open_p, author=kim, text="A thought", occurred_at=FIRST)
    gated_p = ledger.raise_proposal(
        board, proposers=[sam], title="Gated", text="x", occurred_at=FIRST
    )
    ledger.request_adjustment(kim, code="BSL", proposal=gated_p, needed_before="vote")
    voting_p = ledger.raise_proposal(
        board, proposers=[sam], title="Voting", text="x", occurred_at=FIRST
    )
    ledger.open_voting(voting_p, by=admin, occurred_at=FIRST)
    advisory_p = ledger.raise_proposal(
        board, proposers=[sam], title="Poll", text="x", occurred_at=FIRST
    )
    ledger.open_voting(advisory_p, by=admin, advisory=True, occurred_at=FIRST)
    adopted_p = ledger.raise_proposal(
        board, proposers=[sam], title="Adopted", text="x", occurred_at=FIRST
    )
    ledger.open_voting(adopted_p, by=admin, occurred_at=FIRST)
    ledger.cast_ballot(adopted_p, voter=sam, choice="for", occurred_at=FIRST)
    ledger.close_voting(adopted_p, by=admin, occurred_at=FIRST)
    action = ledger.assign_action(
        adopted_p, description="Do", owners=[kim], by=admin, occurred_at=FIRST
    )
    need = ledger.request_adjustment(kim, code="XT", occurred_at=FIRST)
    return World(
        ledger,
        admin,
        sam,
        kim,
        helper,
        newcomer,
        board,
        plan,
        meeting,
        open_p,
        comment,
        gated_p,
        voting_p,
        adopted_p,
        action,
        need,
        advisory_p,
    )


M = NotAMemberError


@dataclass(frozen=True)
class Command:
    """A public command, valid default arguments, and what its ids must name."""

    name: str
    defaults: Callable[[World], dict[str, Any]]
    ids: Mapping[str, type[LedgerError]] = field(default_factory=dict)
    """Single-id arguments, and the error when one names nothing."""
    id_lists: Mapping[str, tuple[type[LedgerError], bool]] = field(default_factory=dict)
    """List-of-ids arguments: the error for an unknown id, and whether empty is bad."""

    def __call__(self, w: World, **overrides: Any) -> Any:
        """Run the command with the defaults, overridden."""
        method = getattr(w.ledger, self.name)
        return method(**{**self.defaults(w), **overrides})


COMMANDS = [
    Command(
        "register_member",
        lambda w: {"name": "New person", "by": w.admin},
        {"by": M},
    ),
    Command(
        "change_role",
        lambda w: {"member": w.kim, "role": "trustee", "by": w.admin},
        {"member": M, "by": M},
    ),
    Command(
        "declare_lived_experience",
        lambda w: {"member": w.kim, "categories": ["CARER"]},
        {"member": M, "by": M},
    ),
    Command(
        "withdraw_lived_experience",
        lambda w: {"member": w.sam},
        {"member": M, "by": M},
    ),
    Command(
        "erase_member",
        lambda w: {"member": w.newcomer, "by": w.admin},
        {"member": M, "by": M},
    ),
    Command(
        "authorise_supporter",
        lambda w: {"member": w.kim, "supporter": w.helper},
        {"member": M, "supporter": M, "by": M},
    ),
    Command(
        "revoke_supporter",
        lambda w: {"member": w.sam, "supporter": w.helper},
        {"member": M, "by": M},
    ),
    Command(
        "establish_body",
        lambda w: {"name": "New body", "kind": "advisory", "by": w.admin},
        {"by": M},
    ),
    Command(
        "change_rule",
        lambda w: {"body": w.board, "rule": Rule.consent(), "by": w.admin},
        {"body": UnknownBodyError, "by": M},
    ),
    Command(
        "assign_seat",
        lambda w: {
            "body": w.board,
            "member": w.newcomer,
            "seat": "observer",
            "by": w.admin,
        },
        {"body": UnknownBodyError, "member": M, "by": M},
    ),
    Command(
        "vacate_seat",
        lambda w: {"body": w.board, "member": w.kim, "by": w.admin},
        {"body": UnknownBodyError, "member": NotASeatHolderError, "by": M},
    ),
    Command(
        "start_project",
        lambda w: {"name": "New project", "label": "co_design", "by": w.admin},
        {"by": M},
    ),
    Command(
        "relabel_project",
        lambda w: {"project": w.plan, "label": "engagement", "by": w.admin},
        {"project": UnknownProjectError, "by": M},
    ),
    Command(
        "finish_project",
        lambda w: {"project": w.plan, "by": w.admin},
        {"project": UnknownProjectError, "by": M},
    ),
    Command(
        "schedule_meeting",
        lambda w: {
            "body": w.board,
            "kind": "workshop",
            "title": "Next",
            "starts_at": AWARE,
            "by": w.admin,
        },
        {"body": UnknownBodyError, "project": UnknownProjectError, "by": M},
    ),
    Command(
        "issue_papers",
        lambda w: {"meeting": w.meeting, "formats": ["ER"], "by": w.admin},
        {"meeting": UnknownMeetingError, "by": M},
    ),
    Command(
        "record_attendance",
        lambda w: {
            "meeting": w.meeting,
            "member": w.kim,
            "mode": "remote",
            "by": w.admin,
        },
        {"meeting": UnknownMeetingError, "member": M, "by": M},
    ),
    Command(
        "hold_check_in",
        lambda w: {"meeting": w.meeting, "by": w.admin},
        {"meeting": UnknownMeetingError, "by": M},
    ),
    Command(
        "cancel_meeting",
        lambda w: {"meeting": w.meeting, "by": w.admin},
        {"meeting": UnknownMeetingError, "by": M},
    ),
    Command(
        "raise_proposal",
        lambda w: {
            "body": w.board,
            "proposers": [w.kim],
            "title": "New",
            "text": "Text",
            "by": w.kim,
        },
        {
            "body": UnknownBodyError,
            "project": UnknownProjectError,
            "meeting": UnknownMeetingError,
            "by": M,
        },
        {"proposers": (M, True)},
    ),
    Command(
        "amend_proposal",
        lambda w: {
            "proposal": w.open_p,
            "title": "Amended",
            "takes_up": [w.comment],
            "by": w.sam,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"takes_up": (UnknownCommentError, False)},
    ),
    Command(
        "comment",
        lambda w: {"proposal": w.open_p, "author": w.kim, "text": "More"},
        {"proposal": UnknownProposalError, "author": M, "supporter": M},
    ),
    Command(
        "publish_accessible_version",
        lambda w: {"proposal": w.open_p, "format": "LP", "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "give_feedback",
        lambda w: {
            "proposal": w.open_p,
            "comments": [w.comment],
            "text": "We did",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"comments": (UnknownCommentError, True)},
    ),
    Command(
        "withdraw_proposal",
        lambda w: {"proposal": w.open_p, "reason": "Gone", "by": w.sam},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "request_adjustment",
        lambda w: {
            "member": w.kim,
            "code": "BRK",
            "proposal": w.open_p,
            "needed_before": "vote",
            "needed_by": DUE,
        },
        {"member": M, "proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "provide_adjustment",
        lambda w: {"adjustment": w.need, "by": w.admin},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "decline_adjustment",
        lambda w: {"adjustment": w.need, "reason": "other", "by": w.admin},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "withdraw_adjustment",
        lambda w: {"adjustment": w.need},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "open_voting",
        lambda w: {
            "proposal": w.gated_p,
            "access_override": "Interpreter unavailable",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "cast_ballot",
        lambda w: {"proposal": w.voting_p, "voter": w.sam, "choice": "for"},
        {"proposal": UnknownProposalError, "voter": M, "supporter": M},
    ),
    Command(
        "close_voting",
        lambda w: {"proposal": w.voting_p, "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "close_advisory_vote",
        lambda w: {"proposal": w.advisory_p, "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "decide",
        lambda w: {
            "proposal": w.open_p,
            "outcome": "deferred",
            "method": "chair",
            "rationale": "Needs costing.",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"decided_by": (M, True)},
    ),
    Command(
        "assign_action",
        lambda w: {
            "proposal": w.adopted_p,
            "description": "Book it",
            "owners": [w.kim],
            "due": DUE,
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"owners": (M, True)},
    ),
    Command(
        "complete_action",
        lambda w: {"proposal": w.adopted_p, "action": w.action, "by": w.admin},
        {"proposal": UnknownProposalError, "action": UnknownActionError, "by": M},
    ),
    Command(
        "record_evaluation",
        lambda w: {
            "proposal": w.adopted_p,
            "summary": "Good",
            "authors": [w.kim],
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"authors": (M, True), "criteria_proposed_by": (M, False)},
    ),
]
BY_NAME = {command.name: command for command in COMMANDS}
