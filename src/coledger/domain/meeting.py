"""Meeting: a meeting of a body, its papers, attendance and check-in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import check_not_before, latest
from coledger.domain.values import NEEDED_BEFORE_VOTE


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

    class PapersIssued(LedgerAggregate.Event):
        """Papers for the meeting went out in one format (occurred_at says when)."""

        format: str

        def apply(self, aggregate: Meeting) -> None:
            """Note the format."""
            aggregate.papers = (*aggregate.papers, (self.format, self.occurred_at))

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

    class VoteOpened(LedgerAggregate.Event):
        """A vote opened on a proposal raised at this meeting."""

        proposal: UUID

        def apply(self, aggregate: Meeting) -> None:
            """Remember the opening, and the latest: a request may need to follow it."""
            aggregate.vote_opened_at = latest(
                aggregate.vote_opened_at, self.occurred_at
            )
            aggregate.voted_on = (*aggregate.voted_on, self.proposal)

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

    def issue_papers(self, ctx: Context, fmt: str) -> None:
        """Record papers issued in one format."""
        self._record(self.PapersIssued, ctx, format=fmt)

    def record_attendance(self, ctx: Context, member: UUID, mode: str) -> None:
        """Record that *member* took part, and how, no earlier than the start."""
        check_not_before("attendance", ctx.occurred_at, self.starts_at, "its start")
        self._record(self.AttendanceRecorded, ctx, member=member, mode=mode)

    def hold_check_in(self, ctx: Context) -> None:
        """Record that a wellbeing check-in was held."""
        self._record(self.WellbeingCheckInHeld, ctx)

    def note_vote_opened(self, ctx: Context, proposal: UUID) -> None:
        """Record that a vote opened on *proposal*, raised at this meeting."""
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
