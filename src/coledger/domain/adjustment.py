"""Adjustment: an access need asked for, and whether it was met."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import check_not_before, latest_from
from coledger.errors import AlreadyResolvedError


class Adjustment(LedgerAggregate):
    """A request for a reasonable adjustment, from a catalogue code to its outcome."""

    class Requested(LedgerAggregate.Created):
        """A member asked for an adjustment: standing, or for a meeting or proposal."""

        member: UUID
        code: str
        scope: str
        meeting: UUID | None
        proposal: UUID | None
        needed_before: str
        needed_by: datetime | None

        def apply(self, aggregate: Adjustment) -> None:
            """Set the initial state."""
            aggregate.member = self.member
            aggregate.code = self.code
            aggregate.scope = self.scope
            aggregate.meeting = self.meeting
            aggregate.proposal = self.proposal
            aggregate.needed_before = self.needed_before
            aggregate.needed_by = self.needed_by
            aggregate.status = "requested"
            aggregate.answer = None
            aggregate.requested_at = self.occurred_at
            aggregate.resolved_at = None
            aggregate.partial = False
            aggregate.decline_reason = None
            aggregate.alternative = None

    class Provided(LedgerAggregate.Event):
        """The organisation provided the adjustment (perhaps only in part)."""

        partial: bool

        def apply(self, aggregate: Adjustment) -> None:
            """Mark it provided."""
            aggregate.status = aggregate.answer = "provided"
            aggregate.partial = self.partial
            aggregate.resolved_at = self.occurred_at

    class Declined(LedgerAggregate.Event):
        """The organisation declined the adjustment, with a reason code."""

        member: UUID
        reason: str
        alternative: str | None

        def apply(self, aggregate: Adjustment) -> None:
            """Mark it declined."""
            aggregate.status = aggregate.answer = "declined"
            aggregate.decline_reason = self.reason
            aggregate.alternative = self.alternative
            aggregate.resolved_at = self.occurred_at

    class Withdrawn(LedgerAggregate.Event):
        """The member no longer needs the adjustment (a standing one, from then on)."""

        def apply(self, aggregate: Adjustment) -> None:
            """Mark it withdrawn (any answer, with its partial and reason, is kept)."""
            aggregate.status = "withdrawn"
            aggregate.resolved_at = self.occurred_at

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        member: UUID
        code: str
        scope: str
        meeting: UUID | None
        proposal: UUID | None
        needed_before: str
        needed_by: datetime | None
        status: str
        answer: str | None
        """``provided`` or ``declined`` once answered, kept after a withdrawal."""
        requested_at: datetime
        resolved_at: datetime | None
        partial: bool
        decline_reason: str | None
        alternative: str | None

    @classmethod
    def request(
        cls,
        record_id: UUID,
        ctx: Context,
        *,
        member: UUID,
        code: str,
        scope: str,
        meeting: UUID | None,
        proposal: UUID | None,
        needed_before: str,
        needed_by: datetime | None,
        starts_at: datetime | None = None,
    ) -> Adjustment:
        """Record a new request; one for a meeting or proposal due no earlier than made.

        Its ``needed_by`` is then its deadline, and one before the request
        would be a need due before anyone asked for it: late whenever it was
        met, as X1 counts it. Without one, a request for a meeting is due at
        its start (*starts_at*), so it is asked for no later. A standing
        request's ``needed_by`` is the day it holds from, which may be past.
        """
        if scope != "standing" and needed_by is not None:
            check_not_before("needed_by", needed_by, ctx.occurred_at, "the request")
        elif scope == "meeting" and starts_at is not None:
            check_not_before(
                "the meeting's start, when a need for it with no needed_by is due,",
                starts_at,
                ctx.occurred_at,
                "the request",
                "; give needed_by for a need after the meeting",
            )
        return cls._start(
            cls.Requested,
            record_id,
            ctx,
            member=member,
            code=code,
            scope=scope,
            meeting=meeting,
            proposal=proposal,
            needed_before=needed_before,
            needed_by=needed_by,
        )

    @property
    def is_open(self) -> bool:
        """Whether the request still waits for an answer."""
        return self.status == "requested"

    def _check_open(self, ctx: Context, what: str, opened: datetime | None) -> None:
        """Refuse *what* once answered, or dated before the request or a vote it held.

        X1 and the access check read whether a need was met before its
        deadline; an answer dated before the question would count a need as
        met before anyone asked for it. *opened* is when a vote this need
        waited for opened, having found it unanswered: an answer dated before
        that would say the vote opened over a need already met.
        """
        self.check_answerable()
        check_not_before(
            what, ctx.occurred_at, self.requested_at, "the adjustment was requested"
        )
        check_not_before(
            what,
            ctx.occurred_at,
            opened,
            "the vote that opened while it was unanswered",
        )

    def check_answerable(self) -> None:
        """Refuse an answer to a request answered or withdrawn already."""
        if not self.is_open:
            raise AlreadyResolvedError(f"adjustment {self.id} is already {self.status}")

    def check_withdrawable(self) -> None:
        """Refuse a withdrawal once withdrawn, or answered unless standing."""
        if not self.is_standing_answered:
            self.check_answerable()

    @property
    def is_standing_answered(self) -> bool:
        """Whether this is a standing request answered and not yet withdrawn.

        It still holds for every meeting until the member withdraws it.
        """
        return self.scope == "standing" and self.status in {"provided", "declined"}

    def answer_floor(self, opened: datetime | None) -> datetime:
        """The earliest business time an answer may have (*opened* as _check_open's).

        For a standing request already answered, the withdrawal follows the answer.
        """
        answered = self.resolved_at if self.is_standing_answered else None
        return latest_from(self.requested_at, opened, answered)

    def provide(
        self, ctx: Context, *, partial: bool, opened: datetime | None = None
    ) -> None:
        """Record that the adjustment was provided."""
        self._check_open(ctx, "providing the adjustment", opened)
        self._record(self.Provided, ctx, partial=partial)

    def decline(
        self,
        ctx: Context,
        *,
        reason: str,
        alternative: str | None,
        opened: datetime | None = None,
    ) -> None:
        """Record that the adjustment was declined."""
        self._check_open(ctx, "declining the adjustment", opened)
        self._record(
            self.Declined,
            ctx,
            member=self.member,
            reason=reason,
            alternative=alternative,
        )

    def withdraw(self, ctx: Context, *, opened: datetime | None = None) -> None:
        """Record that the member withdrew the request.

        A standing request holds for every meeting until withdrawn, so it may
        be withdrawn after its answer too (no earlier than the answer); a
        request for one meeting or proposal is done once answered.
        """
        if self.is_standing_answered:
            check_not_before(
                "withdrawing the request",
                ctx.occurred_at,
                self.resolved_at,
                "its answer",
            )
        else:
            self._check_open(ctx, "withdrawing the request", opened)
        self._record(self.Withdrawn, ctx)
