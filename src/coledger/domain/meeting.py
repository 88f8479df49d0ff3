"""Meeting: a meeting of a body, its papers, attendance and check-in.

A meeting called off is cancelled (``Cancelled``), unless it shows it took
place (attendance, a check-in or a vote opened at it): its record then stands.
A cancelled meeting takes no more papers, attendance, check-ins or requests,
and no vote is noted on it; the figures leave it out. Rescheduling is a
cancellation and a new meeting: a proposal raised at the old one is still
voted on, and its vote is held elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import check_not_before, latest
from coledger.domain.values import NEEDED_BEFORE_VOTE
from coledger.errors import MeetingCancelledError, WrongStateError


class Meeting(LedgerAggregate):
    """One meeting of a body: a decision meeting, workshop, consultation..."""

    class Scheduled(LedgerAggregate.Created):
        """A meeting of a body was called for a time."""

        body: UUID
        kind: str
        title: str
        starts_at: datetime
        project: UUID | None

        def apply(self, aggregate: Meeting) -> None:
            """Set the initial state."""
            aggregate.body = self.body
            aggregate.kind = self.kind
            aggregate.title = self.title
            aggregate.starts_at = self.starts_at
            aggregate.project = self.project
            aggregate.papers = ()
            aggregate.attendance = {}
            aggregate.check_ins = 0
            aggregate.adjustments = ()
            aggregate.vote_opened_at = None
            aggregate.voted_on = ()
            aggregate.last_step_at = self.occurred_at
            aggregate.cancelled_at = None

    class PapersIssued(LedgerAggregate.Event):
        """Papers for the meeting went out in one format (occurred_at says when)."""

        format: str

        def apply(self, aggregate: Meeting) -> None:
            """Note the format."""
            aggregate.papers = (*aggregate.papers, (self.format, self.occurred_at))
            aggregate.last_step_at = max(aggregate.last_step_at, self.occurred_at)

    class AttendanceRecorded(LedgerAggregate.Event):
        """A member took part in the meeting, in person, remotely or asynchronously."""

        member: UUID
        mode: str

        def apply(self, aggregate: Meeting) -> None:
            """Note the attendance (a later record replaces an earlier one)."""
            aggregate.attendance[self.member] = self.mode

    class WellbeingCheckInHeld(LedgerAggregate.Event):
        """A wellbeing check-in was held; its content is never recorded."""

        def apply(self, aggregate: Meeting) -> None:
            """Count it."""
            aggregate.check_ins += 1

    class AdjustmentLinked(LedgerAggregate.Event):
        """An adjustment was requested for this meeting (and recorded on its own)."""

        adjustment: UUID
        member: UUID
        needed_before: str

        def apply(self, aggregate: Meeting) -> None:
            """Remember the request, so that votes at the meeting can check it."""
            aggregate.adjustments = (*aggregate.adjustments, self.adjustment)
            aggregate.last_step_at = max(aggregate.last_step_at, self.occurred_at)

    class VoteOpened(LedgerAggregate.Event):
        """A vote opened on a proposal raised at this meeting."""

        proposal: UUID

        def apply(self, aggregate: Meeting) -> None:
            """Remember the opening, and the latest: a request may need to follow it."""
            aggregate.vote_opened_at = latest(
                aggregate.vote_opened_at, self.occurred_at
            )
            aggregate.voted_on = (*aggregate.voted_on, self.proposal)

    class Cancelled(LedgerAggregate.Event):
        """The meeting was called off: it did not take place (no reason is kept)."""

        def apply(self, aggregate: Meeting) -> None:
            """Note when it was called off."""
            aggregate.cancelled_at = self.occurred_at

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        body: UUID
        kind: str
        title: str
        starts_at: datetime
        project: UUID | None
        papers: tuple[tuple[str, datetime], ...]
        attendance: dict[UUID, str]
        check_ins: int
        adjustments: tuple[UUID, ...]
        vote_opened_at: datetime | None
        """The latest business time a vote opened on a proposal raised here."""
        voted_on: tuple[UUID, ...]
        """The proposals raised here whose votes opened, in the order noted."""
        last_step_at: datetime
        """The latest business time of its scheduling, papers and requests."""
        cancelled_at: datetime | None
        """When it was called off (business time), or None."""

    @classmethod
    def schedule(
        cls,
        record_id: UUID,
        ctx: Context,
        *,
        body: UUID,
        kind: str,
        title: str,
        starts_at: datetime,
        project: UUID | None,
    ) -> Meeting:
        """Schedule a new meeting."""
        return cls._start(
            cls.Scheduled,
            record_id,
            ctx,
            body=body,
            kind=kind,
            title=title,
            starts_at=starts_at,
            project=project,
        )

    def check_not_cancelled(self, what: str) -> None:
        """Refuse *what* (papers, attendance...) if the meeting was called off."""
        if self.cancelled_at is not None:
            raise MeetingCancelledError(
                f"the meeting {self.title!r} was called off at "
                f"{self.cancelled_at.isoformat()}, so it takes no {what}"
            )

    def check_cancellable(self) -> None:
        """Refuse calling off a meeting called off already, or one that took place.

        Attendance, a check-in or a vote opened at it shows it took place: its
        record stands.
        """
        if self.cancelled_at is not None:
            raise MeetingCancelledError(
                f"the meeting {self.title!r} was already called off at "
                f"{self.cancelled_at.isoformat()}"
            )
        shown = [
            shown
            for shown, held in (
                ("attendance was recorded", self.attendance),
                ("a check-in was held", self.check_ins),
                ("a vote opened at it", self.voted_on),
            )
            if held
        ]
        if shown:
            raise WrongStateError(
                f"the meeting {self.title!r} took place ({'; '.join(shown)}), so "
                "it cannot be called off: its record stands"
            )

    def cancel(self, ctx: Context, *, last_raised: datetime | None) -> None:
        """Record that the meeting was called off, if nothing shows it took place.

        Attendance, a check-in or a vote opened at it shows it took place: its
        record stands (``check_cancellable``). The cancellation comes no earlier
        than the meeting was called, its papers issued or a request for it
        made, nor than *last_raised*, the latest raising of a proposal at it
        (the caller reads the proposals): a meeting called off takes no
        proposals.
        """
        self.check_cancellable()
        check_not_before(
            "the cancellation",
            ctx.occurred_at,
            self.last_step_at,
            "the meeting's latest step",
            " (its calling, papers or a request for it)",
        )
        check_not_before(
            "the cancellation",
            ctx.occurred_at,
            last_raised,
            "a proposal raised at it",
            ": a meeting called off takes no proposals, so one raised at it came first",
        )
        self._record(self.Cancelled, ctx)

    def issue_papers(self, ctx: Context, fmt: str) -> None:
        """Record papers issued in one format."""
        self.check_not_cancelled("papers")
        self._record(self.PapersIssued, ctx, format=fmt)

    def record_attendance(self, ctx: Context, member: UUID, mode: str) -> None:
        """Record that *member* took part, and how, no earlier than the start."""
        self.check_not_cancelled("attendance")
        check_not_before("attendance", ctx.occurred_at, self.starts_at, "its start")
        self._record(self.AttendanceRecorded, ctx, member=member, mode=mode)

    def hold_check_in(self, ctx: Context) -> None:
        """Record that a wellbeing check-in was held."""
        self.check_not_cancelled("check-in")
        self._record(self.WellbeingCheckInHeld, ctx)

    def note_vote_opened(self, ctx: Context, proposal: UUID) -> None:
        """Record that a vote opened on *proposal*, raised at this meeting."""
        self.check_not_cancelled("vote")
        self._record(self.VoteOpened, ctx, proposal=proposal)

    def request_floor(
        self, needed_before: str, held_up: datetime | None
    ) -> datetime | None:
        """The earliest business time a request needed before *needed_before* may have.

        *held_up* is the latest opening of a vote on a proposal raised here
        that the requesting member could vote in (the caller reads the
        electorates). A need before the vote, dated before that opening, would
        have held the vote up; the opening, recorded first, could not answer
        for it. A need of someone outside every such electorate held nothing up.
        """
        return held_up if needed_before in NEEDED_BEFORE_VOTE else None

    def link_adjustment(
        self,
        ctx: Context,
        *,
        adjustment: UUID,
        member: UUID,
        needed_before: str,
        held_up: datetime | None,
    ) -> None:
        """Note an adjustment requested for this meeting, no earlier than it allows.

        *held_up* as for ``request_floor``.
        """
        self.check_not_cancelled("requests for adjustments")
        check_not_before(
            "a request needed before the vote",
            ctx.occurred_at,
            self.request_floor(needed_before, held_up),
            "a vote it would have held up",
            ", opened on a proposal raised at this meeting",
        )
        self._record(
            self.AdjustmentLinked,
            ctx,
            adjustment=adjustment,
            member=member,
            needed_before=needed_before,
        )
