"""Commands about access needs: requests and whether they were met."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from coledger import errors
from coledger._core import LedgerCore, commands
from coledger.domain import (
    Adjustment,
    Context,
    Meeting,
    Proposal,
)
from coledger.domain import values as v
from coledger.domain.timeorder import latest


@commands
class AdjustmentCommands(LedgerCore):
    """Commands about access needs."""

    def request_adjustment(
        self,
        member: UUID,
        *,
        code: str,
        meeting: UUID | None = None,
        proposal: UUID | None = None,
        needed_before: str = "meeting",
        needed_by: datetime | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record a request for an adjustment; returns its id.

        With neither ``meeting`` nor ``proposal`` the request is standing: it holds
        for every meeting until withdrawn. A request for a proposal, or for the
        meeting the proposal was raised at (unless since called off), needed
        before the vote holds voting until resolved.
        """
        v.check_adjustment_code(code)
        v.check_code("needed_before", needed_before, v.NEEDED_BEFORE)
        if needed_by is not None:
            needed_by = v.check_aware("needed_by", needed_by)
        if meeting is not None and proposal is not None:
            raise errors.InvalidInputError(
                "an adjustment is for a meeting or for a proposal, not both"
            )
        scope = "proposal" if proposal else "meeting" if meeting else "standing"

        def command() -> UUID:
            subject = self._member(member)
            actor = subject.id if by is None else self._actor(by)
            target: Proposal | Meeting | None = None
            floor = held_up = None
            if proposal is not None:
                target = self._proposal(proposal)
                floor = target.request_floor(needed_before, subject.id)
            elif meeting is not None:
                target = self._meeting(meeting)
                target.check_not_cancelled("requests for adjustments")
                held_up = self._vote_held_up(target, subject.id)
                floor = target.request_floor(needed_before, held_up)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=floor)
            adjustment = Adjustment.request(
                uuid4(),
                ctx,
                member=subject.id,
                code=code,
                scope=scope,
                meeting=meeting,
                proposal=proposal,
                needed_before=needed_before,
                needed_by=needed_by,
                starts_at=target.starts_at if isinstance(target, Meeting) else None,
            )
            note = Context(actor, ctx.occurred_at)
            if isinstance(target, Meeting):
                target.link_adjustment(
                    note,
                    adjustment=adjustment.id,
                    member=subject.id,
                    needed_before=needed_before,
                    held_up=held_up,
                )
            elif target is not None:
                target.link_adjustment(
                    note,
                    adjustment=adjustment.id,
                    member=subject.id,
                    needed_before=needed_before,
                )
            self._save(adjustment, *([target] if target else []))
            return adjustment.id

        return self._transact(command)

    def _vote_held_up(self, meeting: Meeting, member: UUID) -> datetime | None:
        """The latest opening of a vote raised at *meeting* that *member* could vote in.

        A need of theirs before the vote, for the meeting, dated before it
        would have held that vote up. Every opening is noted on the meeting,
        so a request racing one conflicts there and reads it again.
        """
        votes = (self._proposal(p) for p in meeting.voted_on)
        return latest(*(p.voting_opened_at for p in votes if member in p.electorate))

    def _held_vote_opened(self, record: Adjustment) -> datetime | None:
        """When the latest vote that found *record* unanswered opened, if one did.

        A need before the vote for a proposal, or for the meeting it was raised
        at, is read by the vote's opening; one that opened over it unanswered
        (with an override) names it, whatever its answer says later. A vote
        that did not wait for it (its member had no vote) read nothing of it.
        """
        if record.needed_before not in v.NEEDED_BEFORE_VOTE:
            return None
        if record.proposal is not None:
            opened = [record.proposal]
        elif record.meeting is not None:
            opened = list(self._meeting(record.meeting).voted_on)
        else:
            return None
        votes = (self._proposal(p) for p in opened)
        return latest(
            *(p.voting_opened_at for p in votes if record.id in p.opened_over)
        )

    def provide_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID,
        partial: bool = False,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that an adjustment was provided (``partial=True`` if only in part)."""
        if not isinstance(partial, bool):
            raise errors.InvalidInputError("partial must be True or False")

        def command() -> None:
            actor = self._actor(by)
            record = self._adjustment(adjustment)
            self._member(record.member)  # an erased member's requests are closed
            opened = self._held_vote_opened(record)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.answer_floor(opened)
            )
            record.provide(ctx, partial=partial, opened=opened)
            self._save(record)

        self._transact(command)

    def decline_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID,
        reason: str,
        alternative: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that an adjustment was declined, why, and any alternative offered."""
        # Not repeated in the message: a reason typed as words beside someone's
        # access need may say what the need was, and messages reach logs.
        v.check_code("reason", reason, v.DECLINE_REASONS, sealed=True)
        if alternative is not None:
            v.check_adjustment_code(alternative)
        if reason == "alternative_offered" and alternative is None:
            raise errors.InvalidInputError(
                "reason 'alternative_offered' needs the alternative's code"
            )

        def command() -> None:
            actor = self._actor(by)
            record = self._adjustment(adjustment)
            self._member(record.member)  # an erased member's requests are closed
            opened = self._held_vote_opened(record)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.answer_floor(opened)
            )
            record.decline(ctx, reason=reason, alternative=alternative, opened=opened)
            self._save(record)

        self._transact(command)

    def withdraw_adjustment(
        self,
        adjustment: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that the member no longer needs an adjustment."""

        def command() -> None:
            record = self._adjustment(adjustment)
            self._member(record.member)  # an erased member's requests are closed
            actor = self._actor(record.member if by is None else by)
            opened = self._held_vote_opened(record)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.answer_floor(opened)
            )
            record.withdraw(ctx, opened=opened)
            self._save(record)

        self._transact(command)
