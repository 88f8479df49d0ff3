"""The facts every indicator reads, folded from the events in recorded order.

``Facts.apply(position, event)`` is the whole fold: the facts after a history
depend only on that history, so folding in one go, in pieces, or resuming from
any cut point gives equal facts (a property test holds it to that). Every fact
keeps its business time (``at``, from ``occurred_at``) for periods, and its
recorded position (``pos``) for "as of".

Lived experience is kept as spells, from a readable declaration naming lived
experience. Withdrawal or erasure destroys the key that sealed the declaration,
so it can never be read again: the fold drops the member's spells at that
event, and a rebuild never opens them. Either way the member counts as
undeclared throughout, as the brief requires.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs

from coledger.domain import (
    Adjustment,
    Body,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
    Rule,
)
from coledger.domain.values import LIVED_EXPERIENCE
from coledger.serialization import uuid_of

T = TypeVar("T")
V = TypeVar("V")


@attrs.define
class Spell:
    """A stretch of business time (and recorded positions) something held."""

    start: datetime
    start_pos: int
    end: datetime | None = None
    end_pos: int | None = None

    def covers(self, at: datetime) -> bool:
        """Whether the spell holds at business time *at*."""
        return self.start <= at and (self.end is None or at < self.end)

    def overlaps(self, since: datetime | None, until: datetime | None) -> bool:
        """Whether the spell holds at some moment of [since, until)."""
        started = until is None or self.start < until
        return started and (self.end is None or since is None or self.end > since)


@attrs.define
class MemberFacts:
    """A member's role and the spells of their declarations."""

    id: UUID
    role: str
    registered_at: datetime
    lived_experience: list[Spell] = attrs.Factory(list)
    declared: list[Spell] = attrs.Factory(list)
    erased: bool = False


@attrs.define
class SeatFacts:
    """One member's spell in one seat of a body."""

    member: UUID
    seat: str
    office: str | None
    spell: Spell


@attrs.define
class BodyFacts:
    """A body, its current decision rule, and its seats over time."""

    id: UUID
    name: str
    kind: str
    rule: Rule
    seats: list[SeatFacts] = attrs.Factory(list)


@attrs.define
class ProjectFacts:
    """A project and its self-declared label."""

    id: UUID
    name: str
    label: str
    started_at: datetime
    finished_at: datetime | None = None


@attrs.define
class MeetingFacts:
    """A meeting: kind, time, papers and who attended."""

    id: UUID
    body: UUID
    kind: str
    starts_at: datetime
    project: UUID | None
    papers: list[tuple[str, datetime]] = attrs.Factory(list)
    attendance: dict[UUID, str] = attrs.Factory(dict)
    check_ins: int = 0


@attrs.define
class CommentFacts:
    """A comment: who, through which channel, when."""

    id: UUID
    author: UUID
    channel: str
    supporter: UUID | None
    at: datetime
    pos: int


@attrs.define
class DecisionFacts:
    """One decision on a proposal."""

    id: UUID
    outcome: str
    method: str
    decided_by: tuple[UUID, ...]
    overrode_vote: bool
    at: datetime
    pos: int
    by_vote: bool


@attrs.define
class ActionFacts:
    """A delivery action and whether it was done on time."""

    id: UUID
    owners: tuple[UUID, ...]
    due: datetime | None
    assigned_at: datetime
    completed_at: datetime | None = None


@attrs.define
class ProposalFacts:
    """Everything the indicators need about one proposal."""

    id: UUID
    body: UUID
    proposers: tuple[UUID, ...]
    raised_at: datetime
    raised_pos: int
    project: UUID | None
    phase: str | None
    meeting: UUID | None
    comments: list[CommentFacts] = attrs.Factory(list)
    amendments: list[tuple[UUID | None, tuple[UUID, ...], datetime]] = attrs.Factory(
        list
    )
    accessible_formats: list[str] = attrs.Factory(list)
    feedback: list[tuple[tuple[UUID, ...], datetime]] = attrs.Factory(list)
    electorate: tuple[UUID, ...] = ()
    voting_opened_at: datetime | None = None
    access_override: str | None = None
    unmet_adjustments: tuple[UUID, ...] = ()
    ballots: dict[UUID, str] = attrs.Factory(dict)
    tally: tuple[int, int, int, int] | None = None
    verdict: str | None = None
    advisory: bool = False
    decisions: list[DecisionFacts] = attrs.Factory(list)
    withdrawn: bool = False
    actions: dict[UUID, ActionFacts] = attrs.Factory(dict)
    evaluations: list[tuple[tuple[UUID, ...], tuple[UUID, ...], datetime]] = (
        attrs.Factory(list)
    )


@attrs.define
class AdjustmentFacts:
    """An adjustment request (its code is special data and is not kept here)."""

    id: UUID
    member: UUID
    scope: str
    meeting: UUID | None
    proposal: UUID | None
    needed_before: str
    needed_by: datetime | None
    requested_at: datetime
    status: str = "requested"
    resolved_at: datetime | None = None
    partial: bool = False
    decline_reason: str | None = None


SEALED_READS = frozenset({(Member.LivedExperienceDeclared, "categories")})
"""The only sealed fields the fold reads; a reader for it may leave others closed."""


def _add(index: dict[UUID, list[UUID]], key: UUID | None, value: UUID) -> None:
    if key is not None:
        index.setdefault(key, []).append(value)


@attrs.define
class Facts:
    """The folded facts of a ledger up to ``position``."""

    position: int = 0
    latest: datetime | None = None
    """The latest business time folded in: "now" for spells still open."""
    members: dict[UUID, MemberFacts] = attrs.Factory(dict)
    bodies: dict[UUID, BodyFacts] = attrs.Factory(dict)
    projects: dict[UUID, ProjectFacts] = attrs.Factory(dict)
    meetings: dict[UUID, MeetingFacts] = attrs.Factory(dict)
    proposals: dict[UUID, ProposalFacts] = attrs.Factory(dict)
    adjustments: dict[UUID, AdjustmentFacts] = attrs.Factory(dict)

    # Indexes derived from the facts above, so that a scope reads only its own.
    proposals_by_body: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    proposals_by_project: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    proposals_by_meeting: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    meetings_by_body: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    meetings_by_project: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_proposal: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_meeting: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_member: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    dirty: set[tuple[str, UUID | None]] = attrs.field(factory=set, eq=False, repr=False)
    """Scopes whose figures new events may have changed (("all", None) for every
    scope); a materialiser clears it after recomputing them."""
    memo: dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False)
    """Derived data worked out once per state of the facts (by position)."""

    def apply_all(self, events: Iterable[tuple[int, LedgerAggregate.Event]]) -> Facts:
        """Fold in many (position, event) pairs; returns self."""
        for position, event in events:
            self.apply(position, event)
        return self

    def apply(self, position: int, event: LedgerAggregate.Event) -> None:
        """Fold in one event recorded at *position*."""
        self.position = position
        if self.latest is None or event.occurred_at > self.latest:
            self.latest = event.occurred_at
        handler = _HANDLERS.get(type(event))
        if handler is not None:
            handler(self, position, event)

    def subset(self, table: dict[UUID, T], ids: set[UUID | None]) -> list[T]:
        """The entries of *table* (bodies or projects) named in *ids*, in its order.

        A scope names a few of thousands: sorting those few by their place in
        the table keeps rebuilds linear where scanning the table would not be.
        """
        if len(ids) * 16 >= len(table):
            return [v for k, v in table.items() if k in ids]
        key = f"rank/{id(table)}"
        kept = self.memo.get(key)
        if kept is None or kept[0] != len(table):  # these tables only grow
            kept = self.memo[key] = (len(table), {k: n for n, k in enumerate(table)})
        rank: dict[UUID, int] = kept[1]
        found = sorted((i for i in ids if i in rank), key=rank.__getitem__)
        return [table[i] for i in found]

    # Lived experience as it stood ------------------------------------------------

    def population(self) -> Population:
        """Counts of current members over business time.

        How many there were, how many had declared and how many had lived
        experience, at any moment; worked out once per state of the facts.
        """
        return self.remember("population", lambda: Population.of(self))

    def remember(self, key: Hashable, make: Callable[[], V]) -> V:
        """*make*'s result, worked out once per state of the facts under *key*.

        A rebuild asks the same question of many scopes (a process is rated in
        its own scope, its bodies' and the ledger's); each key keeps only its
        latest answer, so the memo does not grow as events are folded in.
        """
        kept = self.memo.get(key)
        if kept is not None and kept[0] == self.position:
            found: V = kept[1]
            return found
        made = make()
        self.memo[key] = (self.position, made)
        return made

    # These two are asked millions of times in a rebuild, so they loop by hand.

    def has_lived_experience(self, member: UUID, at: datetime) -> bool:
        """Whether *member* had declared lived experience at business time *at*."""
        facts = self.members.get(member)
        if facts is None:
            return False
        for s in facts.lived_experience:
            if s.start <= at and (s.end is None or at < s.end):
                return True
        return False

    def has_declared(self, member: UUID, at: datetime) -> bool:
        """Whether *member* had answered the lived-experience question at *at*."""
        facts = self.members.get(member)
        if facts is None:
            return False
        for s in facts.declared:
            if s.start <= at and (s.end is None or at < s.end):
                return True
        return False


@attrs.frozen
class Population:
    """Counts over the members not erased, at any business time, by bisection.

    A member counts from their registration; lived experience and declarations
    count while a spell covers the time (and not before registration).
    """

    total: int
    registered: list[datetime]
    le_starts: list[datetime]
    le_ends: list[datetime]
    declared_starts: list[datetime]
    declared_ends: list[datetime]

    @classmethod
    def of(cls, facts: Facts) -> Population:
        """Count the members of *facts*."""
        current = [m for m in facts.members.values() if not m.erased]
        le: list[tuple[datetime, datetime | None]] = []
        declared: list[tuple[datetime, datetime | None]] = []
        for m in current:
            for spells, into in ((m.lived_experience, le), (m.declared, declared)):
                for s in spells:
                    start = max(s.start, m.registered_at)
                    if s.end is None or s.end > start:
                        into.append((start, s.end))
        return cls(
            len(current),
            sorted(m.registered_at for m in current),
            sorted(s for s, _ in le),
            sorted(e for _, e in le if e is not None),
            sorted(s for s, _ in declared),
            sorted(e for _, e in declared if e is not None),
        )

    def members(self, at: datetime) -> int:
        """Members registered by *at*."""
        return bisect.bisect_right(self.registered, at)

    def lived_experience(self, at: datetime) -> int:
        """Members whose declaration named lived experience at *at*."""
        return bisect.bisect_right(self.le_starts, at) - bisect.bisect_right(
            self.le_ends, at
        )

    def declared(self, at: datetime) -> int:
        """Members who had answered the lived-experience question at *at*."""
        return bisect.bisect_right(self.declared_starts, at) - bisect.bisect_right(
            self.declared_ends, at
        )


ALL = ("all", None)
"""The dirty mark for every scope; once it is set, finer marks add nothing."""


def _member(facts: Facts, pos: int, e: Any) -> None:
    at = e.occurred_at
    facts.dirty.add(ALL)  # who has lived experience counts everywhere
    if isinstance(e, Member.Registered):
        member_id = uuid_of(str(e.originator_id))  # the object other events share
        facts.members[member_id] = MemberFacts(member_id, e.role, at)
        return
    member = facts.members[e.originator_id]
    if isinstance(e, Member.RoleChanged):
        member.role = e.role
    elif isinstance(e, Member.LivedExperienceDeclared):
        answered = set(e.categories) - {"PREFER_NOT"}
        if answered:
            member.declared.append(Spell(at, pos))
        if not LIVED_EXPERIENCE.isdisjoint(e.categories):
            member.lived_experience.append(Spell(at, pos))
    elif isinstance(e, (Member.LivedExperienceWithdrawn, Member.Erased)):
        # The declaration's key is destroyed with this event, so a rebuild can
        # never read it again: drop its spells outright (not just close them), and
        # the facts folded step by step stay equal to the facts rebuilt.
        member.lived_experience.clear()
        member.declared.clear()
        member.erased = member.erased or isinstance(e, Member.Erased)


def _body(facts: Facts, pos: int, e: Any) -> None:
    at = e.occurred_at
    if ALL not in facts.dirty:
        facts.dirty.add(("body", e.originator_id))
        facts.dirty.add(("ledger", None))
        for project in facts.projects:  # a project's scope can include its bodies
            facts.dirty.add(("project", project))
    if isinstance(e, Body.Established):
        rule = Rule.from_fields(
            e.rule_kind, e.rule_threshold, e.rule_quorum, e.rule_lived_experience_quorum
        )
        facts.bodies[e.originator_id] = BodyFacts(e.originator_id, e.name, e.kind, rule)
        return
    body = facts.bodies[e.originator_id]
    if isinstance(e, Body.RuleChanged):
        body.rule = Rule.from_fields(
            e.rule_kind, e.rule_threshold, e.rule_quorum, e.rule_lived_experience_quorum
        )
    elif isinstance(e, Body.SeatAssigned):
        body.seats.append(SeatFacts(e.member, e.seat, e.office, Spell(at, pos)))
    elif isinstance(e, Body.SeatVacated):
        for seat in body.seats:
            if seat.member == e.member and seat.spell.end is None:
                seat.spell.end, seat.spell.end_pos = at, pos


def _project(facts: Facts, pos: int, e: Any) -> None:
    del pos
    if ALL not in facts.dirty:
        facts.dirty.add(("project", e.originator_id))
        facts.dirty.add(("ledger", None))
    if isinstance(e, Project.Started):
        facts.projects[e.originator_id] = ProjectFacts(
            e.originator_id, e.name, e.label, e.occurred_at
        )
    elif isinstance(e, Project.Relabelled):
        facts.projects[e.originator_id].label = e.label
    elif isinstance(e, Project.Finished):
        facts.projects[e.originator_id].finished_at = e.occurred_at


def _meeting(facts: Facts, pos: int, e: Any) -> None:
    del pos
    if isinstance(e, Meeting.Scheduled):
        facts.meetings[e.originator_id] = MeetingFacts(
            e.originator_id, e.body, e.kind, e.starts_at, e.project
        )
        _add(facts.meetings_by_body, e.body, e.originator_id)
        _add(facts.meetings_by_project, e.project, e.originator_id)
    meeting = facts.meetings[e.originator_id]
    if ALL not in facts.dirty:
        _touch(facts, meeting.body, meeting.project)
        for proposal in facts.proposals_by_meeting.get(meeting.id, ()):
            _touch(facts, None, facts.proposals[proposal].project)
    if isinstance(e, Meeting.PapersIssued):
        meeting.papers.append((e.format, e.occurred_at))
    elif isinstance(e, Meeting.AttendanceRecorded):
        meeting.attendance[e.member] = e.mode
    elif isinstance(e, Meeting.WellbeingCheckInHeld):
        meeting.check_ins += 1


def _proposal(facts: Facts, pos: int, e: Any) -> None:  # noqa: C901, PLR0912
    at = e.occurred_at
    if isinstance(e, Proposal.Raised):
        facts.proposals[e.originator_id] = ProposalFacts(
            e.originator_id,
            e.body,
            e.proposers,
            at,
            pos,
            e.project,
            e.phase,
            e.meeting,
        )
        _add(facts.proposals_by_body, e.body, e.originator_id)
        _add(facts.proposals_by_project, e.project, e.originator_id)
        _add(facts.proposals_by_meeting, e.meeting, e.originator_id)
        _touch_proposal(facts, facts.proposals[e.originator_id])
        return
    p = facts.proposals[e.originator_id]
    _touch_proposal(facts, p)
    if isinstance(e, Proposal.Commented):
        p.comments.append(
            CommentFacts(e.comment_id, e.author, e.channel, e.supporter, at, pos)
        )
    elif isinstance(e, Proposal.Amended):
        p.amendments.append((e.actor, e.takes_up, at))
    elif isinstance(e, Proposal.AccessibleVersionPublished):
        p.accessible_formats.append(e.format)
    elif isinstance(e, Proposal.FeedbackGiven):
        p.feedback.append((e.comments, at))
    elif isinstance(e, Proposal.VotingOpened):
        p.electorate = e.electorate
        p.voting_opened_at = at
        p.access_override = e.access_override
        p.unmet_adjustments = e.unmet_adjustments
    elif isinstance(e, Proposal.BallotCast):
        p.ballots[e.voter] = e.choice
    elif isinstance(e, Proposal.VotingClosed):
        p.tally = (e.for_, e.against, e.abstain, e.block)
        p.verdict = e.outcome
        p.advisory = e.advisory
    elif isinstance(e, Proposal.Decided):
        by_vote = p.tally is not None and not p.advisory and not p.decisions
        p.decisions.append(
            DecisionFacts(
                e.decision_id,
                e.outcome,
                e.method,
                e.decided_by,
                e.overrode_vote,
                at,
                pos,
                by_vote,
            )
        )
    elif isinstance(e, Proposal.Withdrawn):
        p.withdrawn = True
    elif isinstance(e, Proposal.ActionAssigned):
        p.actions[e.action_id] = ActionFacts(e.action_id, e.owners, e.due, at)
    elif isinstance(e, Proposal.ActionCompleted):
        p.actions[e.action_id].completed_at = at
    elif isinstance(e, Proposal.EvaluationRecorded):
        p.evaluations.append((e.authors, e.criteria_proposed_by, at))


def _adjustment(facts: Facts, pos: int, e: Any) -> None:
    del pos
    at = e.occurred_at
    if isinstance(e, Adjustment.Requested):
        _add(facts.adjustments_by_member, e.member, e.originator_id)
        _add(facts.adjustments_by_proposal, e.proposal, e.originator_id)
        _add(facts.adjustments_by_meeting, e.meeting, e.originator_id)
        facts.adjustments[e.originator_id] = AdjustmentFacts(
            e.originator_id,
            e.member,
            e.scope,
            e.meeting,
            e.proposal,
            e.needed_before,
            e.needed_by,
            at,
        )
        _touch_adjustment(facts, facts.adjustments[e.originator_id])
        return
    adjustment = facts.adjustments[e.originator_id]
    _touch_adjustment(facts, adjustment)
    if isinstance(e, Adjustment.Provided):
        adjustment.status, adjustment.partial = "provided", e.partial
    elif isinstance(e, Adjustment.Declined):
        adjustment.status, adjustment.decline_reason = "declined", e.reason
    elif isinstance(e, Adjustment.Withdrawn):
        adjustment.status = "withdrawn"
    adjustment.resolved_at = at


def _touch(facts: Facts, body: UUID | None, project: UUID | None) -> None:
    facts.dirty.add(("ledger", None))
    if body is not None:
        facts.dirty.add(("body", body))
    if project is not None:
        facts.dirty.add(("project", project))


def _touch_proposal(facts: Facts, proposal: ProposalFacts) -> None:
    if ALL in facts.dirty:
        return
    _touch(facts, proposal.body, proposal.project)
    meeting = facts.meetings.get(proposal.meeting)  # type: ignore[arg-type]
    if meeting is not None:  # a meeting's scopes count what was raised at it
        _touch(facts, meeting.body, meeting.project)


def _touch_adjustment(facts: Facts, adjustment: AdjustmentFacts) -> None:
    if ALL in facts.dirty:
        return
    proposal = facts.proposals.get(adjustment.proposal)  # type: ignore[arg-type]
    meeting = facts.meetings.get(adjustment.meeting)  # type: ignore[arg-type]
    if proposal is not None:
        _touch_proposal(facts, proposal)
    elif meeting is not None:
        _touch(facts, meeting.body, meeting.project)
        for raised in facts.proposals_by_meeting.get(meeting.id, ()):
            _touch(facts, None, facts.proposals[raised].project)
    else:
        facts.dirty.add(ALL)  # a standing request reaches every seat


Handler = Callable[[Facts, int, Any], None]


def _handlers() -> dict[type[object], Handler]:
    table: dict[type[object], Handler] = {}
    for aggregate, handler in (
        (Member, _member),
        (Body, _body),
        (Project, _project),
        (Meeting, _meeting),
        (Proposal, _proposal),
        (Adjustment, _adjustment),
    ):
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, LedgerAggregate.Event):
                table[value] = handler
    return table


_HANDLERS: dict[type[object], Handler] = _handlers()
