"""Read models: immutable snapshots of each record as the ledger holds it now."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from coledger.domain import (
    Action,
    Adjustment,
    Ballot,
    Body,
    Comment,
    Decision,
    Evaluation,
    Meeting,
    Member,
    Project,
    Proposal,
    Rule,
    Seat,
    Tally,
)


@attrs.frozen
class MemberView:
    """A member as recorded now."""

    id: UUID
    name: str
    role: str
    lived_experience: tuple[str, ...]
    consent: str | None
    condition: str | None
    supporters: frozenset[UUID]
    erased: bool
    version: int

    @classmethod
    def of(cls, member: Member) -> MemberView:
        """Snapshot a member aggregate."""
        return cls(
            member.id,
            member.name,
            member.role,
            member.lived_experience,
            member.consent,
            member.condition,
            member.supporters,
            member.erased,
            member.version,
        )


@attrs.frozen
class BodyView:
    """A body, its rule and who sits on it now."""

    id: UUID
    name: str
    kind: str
    rule: Rule
    seats: tuple[Seat, ...]
    version: int

    @property
    def voting_members(self) -> tuple[UUID, ...]:
        """Holders of a voting seat."""
        return tuple(s.member for s in self.seats if s.seat == "voting")

    @classmethod
    def of(cls, body: Body) -> BodyView:
        """Snapshot a body aggregate."""
        return cls(
            body.id,
            body.name,
            body.kind,
            body.rule,
            tuple(body.seats.values()),
            body.version,
        )


@attrs.frozen
class ProjectView:
    """A project and its current label."""

    id: UUID
    name: str
    label: str
    description: str | None
    finished: bool
    version: int

    @classmethod
    def of(cls, project: Project) -> ProjectView:
        """Snapshot a project aggregate."""
        return cls(
            project.id,
            project.name,
            project.label,
            project.description,
            project.finished,
            project.version,
        )


@attrs.frozen
class MeetingView:
    """A meeting: its papers, attendance, check-ins, and when it was called off."""

    id: UUID
    body: UUID
    kind: str
    title: str
    starts_at: datetime
    project: UUID | None
    papers: tuple[tuple[str, datetime], ...]
    attendance: tuple[tuple[UUID, str], ...]
    check_ins: int
    adjustments: tuple[UUID, ...]
    cancelled_at: datetime | None
    """When the meeting was called off (business time), or None."""
    version: int

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingView:
        """Snapshot a meeting aggregate."""
        return cls(
            meeting.id,
            meeting.body,
            meeting.kind,
            meeting.title,
            meeting.starts_at,
            meeting.project,
            meeting.papers,
            tuple(meeting.attendance.items()),
            meeting.check_ins,
            meeting.adjustments,
            meeting.cancelled_at,
            meeting.version,
        )


@attrs.frozen
class AdjustmentView:
    """An adjustment request and where it stands."""

    id: UUID
    member: UUID
    code: str
    scope: str
    meeting: UUID | None
    proposal: UUID | None
    needed_before: str
    needed_by: datetime | None
    status: str
    requested_at: datetime
    resolved_at: datetime | None
    partial: bool
    decline_reason: str | None
    alternative: str | None
    version: int
    answer: str | None = None
    """``provided`` or ``declined`` once answered, None before; kept when a
    standing request is withdrawn after its answer (``status`` is then
    ``withdrawn`` and ``resolved_at`` the withdrawal's time)."""

    @classmethod
    def of(cls, adjustment: Adjustment) -> AdjustmentView:
        """Snapshot an adjustment aggregate."""
        a = adjustment
        return cls(
            a.id,
            a.member,
            a.code,
            a.scope,
            a.meeting,
            a.proposal,
            a.needed_before,
            a.needed_by,
            a.status,
            a.requested_at,
            a.resolved_at,
            a.partial,
            a.decline_reason,
            a.alternative,
            a.version,
            a.answer,
        )


@attrs.frozen
class ProposalView:
    """A proposal with its discussion, vote, decisions and follow-through."""

    id: UUID
    body: UUID
    proposers: tuple[UUID, ...]
    title: str
    text: str
    project: UUID | None
    phase: str | None
    meeting: UUID | None
    status: str
    raised_at: datetime
    comments: tuple[Comment, ...]
    taken_up: frozenset[UUID]
    amendments: int
    accessible_formats: tuple[str, ...]
    feedback: tuple[UUID, ...]
    adjustments: tuple[UUID, ...]
    electorate: tuple[UUID, ...]
    rule: Rule | None
    access_override: str | None
    ballots: tuple[Ballot, ...]
    tally: Tally
    decision: Decision | None
    decisions: tuple[Decision, ...]
    actions: tuple[Action, ...]
    evaluations: tuple[Evaluation, ...]
    version: int

    @classmethod
    def of(cls, p: Proposal, so_far: Tally | None = None) -> ProposalView:
        """Snapshot a proposal aggregate (*so_far*: its open vote's count, if known)."""
        return cls(
            p.id,
            p.body,
            p.proposers,
            p.title,
            p.text,
            p.project,
            p.phase,
            p.meeting,
            p.status,
            p.raised_at,
            tuple(p.comments.values()),
            p.taken_up,
            p.amendments,
            p.accessible_formats,
            p.feedback,
            p.adjustments,
            p.electorate,
            p.rule,
            p.access_override,
            tuple(p.ballots.values()),
            _tally(p, so_far),
            p.decision,
            p.decisions,
            tuple(p.actions.values()),
            p.evaluations,
            p.version,
        )


def _tally(p: Proposal, so_far: Tally | None) -> Tally:
    """The closed vote's tally, else the count so far (*so_far* if given)."""
    if p.tally is not None:
        return p.tally
    return so_far if so_far is not None else p.current_tally()
