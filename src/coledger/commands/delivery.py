"""Commands after an adoption: delivery actions and evaluations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

from coledger import errors
from coledger._core import LedgerCore, commands
from coledger.domain import Proposal
from coledger.domain import values as v


@commands
class DeliveryCommands(LedgerCore):
    """Commands after an adoption."""

    def assign_action(
        self,
        proposal: UUID,
        *,
        description: str,
        owners: Iterable[UUID],
        by: UUID,
        due: datetime | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record delivery work following an adopted proposal; returns the action id."""
        v.check_text("description", description, limit=v.MAX_TITLE)
        if due is not None:
            due = v.check_aware("due", due)
        owners = v.check_ids("owners", owners)  # once: a retry must see them again

        def command() -> UUID:
            actor = self._actor(by)
            named = self._members("owners", owners)
            if not named:
                raise errors.InvalidInputError("an action needs at least one owner")
            record = self._proposal(proposal)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=_decided(record))
            action_id = uuid4()
            record.assign_action(
                ctx, action_id=action_id, description=description, owners=named, due=due
            )
            self._save(record)
            return action_id

        return self._transact(command)

    def complete_action(
        self,
        proposal: UUID,
        action: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a delivery action was done."""
        v.check_id("action", action)

        def command() -> None:
            actor = self._actor(by)
            record = self._proposal(proposal)
            assigned = record.action_assigned_at.get(action)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=assigned)
            record.complete_action(ctx, action_id=action)
            self._save(record)

        self._transact(command)

    def record_evaluation(
        self,
        proposal: UUID,
        *,
        summary: str,
        authors: Iterable[UUID],
        by: UUID,
        criteria_proposed_by: Iterable[UUID] = (),
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record an evaluation of an adopted proposal; returns its id."""
        v.check_text("summary", summary)
        # Read once: a generator would be empty when a conflict retries the command.
        authors = v.check_ids("authors", authors)
        criteria_proposed_by = v.check_ids("criteria_proposed_by", criteria_proposed_by)

        def command() -> UUID:
            actor = self._actor(by)
            writers = self._members("authors", authors)
            if not writers:
                raise errors.InvalidInputError(
                    "an evaluation needs at least one author"
                )
            criteria = self._members("criteria_proposed_by", criteria_proposed_by)
            record = self._proposal(proposal)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=_decided(record))
            evaluation_id = uuid4()
            record.record_evaluation(
                ctx,
                evaluation_id=evaluation_id,
                authors=writers,
                criteria_proposed_by=criteria,
                summary=summary,
            )
            self._save(record)
            return evaluation_id

        return self._transact(command)


def _decided(record: Proposal) -> datetime | None:
    """When the proposal's decision in force was made, if it has one."""
    return None if record.decision is None else record.decision.occurred_at
