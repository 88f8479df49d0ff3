"""The ladder of co-production: where each process sits, and the flags that qualify it.

A process is a project (every proposal in it, and its meetings), or a body over
the period. In the ledger scope every project and every body is rated; in a body
scope, the body and the projects that brought proposals to it by the period's
end; in a project scope, the project. A project is rated only if it started
before the period's end, and one finished by its start only for involvement in
the period. Every act counts with lived experience as it stood at that act, and
only acts in the period count (the first-involvement test alone looks back over
the whole history up to the period's end).

Features are folded from the facts (see ``Features``), then the rules are tried
from the top, first match wins:

* CO_PRODUCTION (7): lived experience decided in design, delivery and
  evaluation, a proposal of theirs was adopted, they own delivery actions,
  terms were equal, and their input came on more than one occasion (a single
  meeting cannot see anything through);
* CO_DESIGN (6): a proposal of theirs was adopted, or they decided in design,
  on equal terms;
* ENGAGEMENT (5): comments on two or more occasions with evidence of
  influence, or a decision right short of design; also where the evidence for
  6 or 7 is there but terms were not equal (capped, flagged
  ``equal_terms_not_met``);
* CONSULTATION (4): comments, proposals, or any other input (an amendment, a
  ballot in an advisory vote, an action owned, an evaluation), without more;
* INFORMING (3): papers for, or an information meeting at, a meeting they
  attended; EDUCATING (2): education meetings only; COERCION (1): compulsory
  attendance with no voice, which the ledger does not record; NONE (0);
* NO_ACTIVITY (0): nothing happened in the process in the period, whoever
  took part (see ``active``): too little evidence to place it, so it is
  never flagged ``faux_coproduction``.

The ladder rates processes, never people.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs

from coledger.domain.proposal import ADOPTED, DEFERRED
from coledger.projections import access, representation
from coledger.projections.decisions import (
    counted_voters,
    deciders_with_right,
    overturned,
    settling_decision,
)
from coledger.projections.facts import (
    AdjustmentFacts,
    DecisionFacts,
    Facts,
    MeetingFacts,
    ProposalFacts,
    Spell,
)
from coledger.projections.lens import (
    Figure,
    Lens,
    MeetingDays,
    Occasion,
    Scope,
    meeting_days,
    occasion,
    per_state,
    utc_day,
)
from coledger.projections.measures import below
from coledger.projections.report import DecisionTag, Rung
from coledger.projections.thresholds import Thresholds

LEVELS = {
    "NONE": 0,
    "COERCION": 1,
    "EDUCATING": 2,
    "INFORMING": 3,
    "CONSULTATION": 4,
    "ENGAGEMENT": 5,
    "CO_DESIGN": 6,
    "CO_PRODUCTION": 7,
}
FLAGS = (
    "equal_terms_not_met",
    "no_feedback_loop",
    "one_off",
    "late_involvement",
    "token_seat",
    "lone_representative",
    "placation",
    "faux_coproduction",
)
"""Every flag, in the order a rung lists them: what capped it, then the rest."""
NO_ACTIVITY = "NO_ACTIVITY"
"""The rung, at level 0 beside NONE, of a process with no activity in the
period, whoever took part: too little evidence to place it, and never faux."""
LIFECYCLE = frozenset({"design", "delivery", "evaluation"})
GROUPS = (
    "proposers",
    "commenters",
    "voting_deciders",
    "deciders",
    "amenders",
    "owners",
    "authors",
    "criteria_proposers",
    "attendees",
    "requesters",
    "proposers_before_design",
    "commenters_before_design",
)
"""The groups of people whose lived experience the features read, by role:
the deciders with a vote or consent right apart from every decider named,
the authors of evaluations apart from the proposers of their criteria, the
attendees of the process's meetings, the requesters whose needs were
left unmet (declined and never made good, or passed over by a vote), and
the proposers, and the commenters, who spoke before the process's first
design decision (all of them, with none taken): only their lived experience
decides ``late_involvement``, as it does A3."""
SPOKEN = ("proposers", "commenters")
"""The groups whose input is A3's, counted before the first design decision too."""
UNPHASED = "unphased"
"""The phase name used for proposals raised without one."""


@attrs.frozen
class Process:
    """One unit the ladder rates: a project, or a body over the period."""

    unit: str
    id: UUID
    name: str
    label: str | None
    lens: Lens
    over: bool = False
    """A project that had finished by the period's start."""


def processes(lens: Lens) -> list[Process]:
    """The processes a lens rates, each with its own lens over the same period."""
    facts = lens.facts

    def project(pid: UUID) -> Process:
        p = facts.projects[pid]
        sub = Lens(facts, Scope.project(pid), lens.since, lens.until)
        over = not Spell(p.started_at, 0, p.finished_at).overlaps(lens.since, None)
        return Process("project", pid, p.name, p.label_by(lens.until), sub, over)

    def body(bid: UUID) -> Process:
        sub = Lens(facts, Scope.body(bid), lens.since, lens.until)
        return Process("body", bid, facts.bodies[bid].name, None, sub)

    def started(pid: UUID) -> bool:
        """Whether the project had started by the period's end (in every scope)."""
        return lens.by_end(facts.projects[pid].started_at)

    def established(bid: UUID) -> bool:
        """Whether the body had been established by the period's end."""
        return lens.by_end(facts.bodies[bid].established_at)

    scope_id = lens.scope.id
    if lens.scope.kind == "project":
        if scope_id in facts.projects and started(scope_id):
            return [project(scope_id)]
        return []
    if lens.scope.kind == "body":
        if scope_id not in facts.bodies or not established(scope_id):
            return []
        ids = {p.project for p in lens.proposals_by_end()}
        mine = facts.subset(facts.projects, ids)
        return [body(scope_id), *(project(pr.id) for pr in mine if started(pr.id))]
    return [
        *(project(pid) for pid in facts.projects if started(pid)),
        *(body(bid) for bid in facts.bodies if established(bid)),
    ]


# Acts and occasions -----------------------------------------------------------------


def le_originated(lens: Lens, p: ProposalFacts) -> bool:
    """Whether a proposer had lived experience when *p* was raised."""
    return any(lens.le(m, p.raised_at) for m in p.proposers)


_NO_IDS: frozenset[UUID] = frozenset()


@per_state
def le_comments(lens: Lens, p: ProposalFacts) -> frozenset[UUID]:
    """Ids of the comments on *p* made by members with lived experience then."""
    found = frozenset(c.id for c in p.comments if lens.le(c.author, c.at))
    return found or _NO_IDS  # kept per proposal: most have none, one empty set


def others_comments(p: ProposalFacts, ids: Collection[UUID]) -> frozenset[UUID]:
    """Those of the comment *ids* on *p* whose author is not one of its proposers.

    An amendment taking up a proposer's own comment takes up nothing from
    anyone else, as D4 reads it: that proposer's input rests on their proposal.
    """
    if not p.amendments:  # nothing takes them up: spare the pass
        return _NO_IDS
    return frozenset(
        c.id for c in p.comments if c.id in ids and c.author not in p.proposers
    )


@per_state
def deciders_with_a_vote(
    lens: Lens, p: ProposalFacts, d: DecisionFacts
) -> tuple[UUID, ...]:
    """Members who decided *d* with a vote or consent right (none if it was void)."""
    if d.outcome == "not_valid":
        return ()  # a vote without its quorum decided nothing
    return tuple(deciders_with_right(lens, p, d))


@per_state
def le_deciders(lens: Lens, p: ProposalFacts, d: DecisionFacts) -> tuple[UUID, ...]:
    """Members with lived experience who decided *d* with a vote or consent right."""
    return tuple(m for m in deciders_with_a_vote(lens, p, d) if lens.le(m, d.at))


def phase_of(p: ProposalFacts) -> str:
    """The proposal's phase, or ``unphased``."""
    return p.phase or UNPHASED


def process_meetings(lens: Lens) -> list[MeetingFacts]:
    """The process's meetings held in the period (with its proposals' meetings).

    Held means started by now, as ``Lens.held`` reads it: a meeting still to
    come is no activity, so it cannot make the process's rung NONE. A meeting
    called off was never held.
    """
    ids = access.scope_meetings(lens)
    now = lens.recorded_now
    meetings = (lens.facts.meetings[i] for i in ids)
    return [
        m
        for m in meetings
        if lens.in_period(m.starts_at) and m.starts_at < now and m.cancelled_at is None
    ]


# Features -------------------------------------------------------------------------


@attrs.frozen
class Terms:
    """Whether lived experience took part on equal terms, and the figures behind it."""

    equal: bool
    figures: dict[str, Figure]
    unresolved_declines: int
    access_overrides: int
    """Votes open in the period over unmet requests, whoever made them."""
    requesters: int = 0
    """How many different decision-makers had a request declined and never
    made good, or passed over by a vote: whose lived experience the test reads."""


@attrs.frozen
class Features:
    """What the record shows of one process, from the lived-experience side."""

    comment_meetings: int
    """Distinct occasions (meetings, or channel-days) with comments."""
    le_comments: int
    feedback_received: bool
    """Some feedback answered a comment."""
    influence_evidence: bool
    """A comment taken up, an amendment to another's proposal, an adopted
    proposal of theirs, or feedback on their comment on an adopted item."""
    proposed_phases: frozenset[str]
    adopted_phases: frozenset[str]
    decided_phases: frozenset[str]
    """Phases with a decision they took part in with a vote or consent right,
    not overridden by the period's end."""
    delivery_actions: int
    """Actions on delivery-phase proposals with an owner with lived experience."""
    informed: bool
    """They attended an information meeting, or a meeting with papers issued."""
    education_meetings: int
    mandatory_no_voice: bool
    """Compulsory attendance without a voice: not recorded, so always False."""
    occasions: int
    """Distinct occasions with any input (comments, proposals, amendments,
    decisions, ballots in an advisory vote, delivery actions, evaluations)."""
    first_contribution: datetime | None
    """The first proposal or comment by the period's end, as A3 reads input."""
    first_design_decision: datetime | None
    terms: Terms
    people: dict[str, int] = attrs.Factory(dict)
    """How many different members each group of ``GROUPS`` names, by the
    period's end: the rung reads each group's lived experience, so a group of
    one person can decide it."""
    influence_apart: bool = False
    """Influence evidence that rests on no lived-experience proposal's adoption."""
    involved: bool = False
    """Some input of any kind on record by the period's end (before it too)."""
    le_proposals: int = 0
    """How many proposals with a lived-experience proposer the rung reads:
    raised in the period (``proposed_phases``) or settled in it
    (``adopted_phases``). Among a few of them, whether one was adopted points
    at its proposer, as D3 would."""
    le_proposers: int = 0
    """How many different members with lived experience proposed them: five
    proposals of one member are one person, whom their fate points at."""

    @property
    def one_off(self) -> bool:
        """Whether all input came on one occasion."""
        return self.occasions == 1


def decision_makers(lens: Lens, proposals: list[ProposalFacts]) -> set[UUID]:
    """Members with a decision right in the process: electorates, deciders, voters.

    An electorate counts when its vote was open in the period, one opened
    before it and still open in it too: its members could vote then.
    """
    makers: set[UUID] = set()
    for p in proposals:
        opened = p.voting_opened_at
        ended = p.voting_closed_at or p.withdrawn_at
        if opened is not None and open_in_period(lens, opened, ended):
            makers.update(p.electorate)
        for d in p.decisions:
            if lens.in_period(d.at):
                makers.update(deciders_with_a_vote(lens, p, d))
    for body in lens.bodies():
        makers.update(
            s.member
            for s in body.seats
            if s.seat == "voting" and s.spell.overlaps(lens.since, lens.until)
        )
    return makers


def open_in_period(lens: Lens, opened: datetime, ended: datetime | None) -> bool:
    """Whether a vote opened at *opened* was open in the period, or ended in it.

    *ended* is its close (or its proposal's withdrawal), if it came. A vote
    opened just before the period and closed in it decided in it: what it
    was held over bears on the period its decision counts in.
    """
    if not lens.by_end(opened):
        return False
    return ended is None or lens.since is None or ended >= lens.since


def unresolved_declines(lens: Lens) -> list[AdjustmentFacts]:
    """Declines in scope never made good, asked for in the period or due in it.

    A need asked for before the period, for a meeting or vote in it, bore on
    that meeting or vote: it counts in the period it fell due in too (X1
    carries a request into that period only if it was still unanswered when
    the period began, so it counts one declined earlier where it was asked).
    A standing need has no deadline but is due at every meeting it covered
    (X1 reads its decline at each): declined before the period, it counts in
    every period holding such a meeting.
    """
    found = {a.id: a for a in access.unresolved_declined(lens)}
    if lens.since is not None:
        by_end = Lens(lens.facts, lens.scope, None, lens.until)
        for a in access.unresolved_declined(by_end):
            if lens.in_period(access.deadline(lens, a)):
                found.setdefault(a.id, a)
        for a, _ in access.standing_items(lens):
            if (
                a.id not in found
                and access.status_at_end(lens, a) == "declined"
                and not access.made_good(lens, a)
            ):
                found[a.id] = a
    return list(found.values())


def terms(lens: Lens, th: Thresholds, proposals: list[ProposalFacts]) -> Terms:
    """Equal terms: R3 at parity, no lone representative, access met in time.

    R3 at least 1 (or no evidence), R2 zero (or no evidence), X1 at least
    ``th.fulfilment`` (or no requests), no declined request of a decision-maker
    with lived experience, asked for or due in the period, left unmade-good,
    and no vote open in the period over such a member's unmet request (an
    access override).
    ``access_overrides`` counts every such vote over unmet requests, whoever
    made them, so that each override shows in the evidence even where it
    does not break equal terms.
    """
    figures = {
        "R1": representation.r1(lens, th),
        "R2": representation.r2(lens, th),
        "R3": representation.r3(lens, th),
        "R7": representation.r7(lens, th),
        "X1": access.x1(lens, th),
    }
    makers = decision_makers(lens, proposals)
    declined = [a for a in unresolved_declines(lens) if a.member in makers]
    declines = [a for a in declined if lens.le(a.member, a.requested_at)]
    requesters = {a.member.int for a in declined}
    overrides = le_overrides = 0
    for p in proposals:
        opened = p.voting_opened_at
        if (
            opened is None
            or p.access_override is None
            or not open_in_period(lens, opened, p.voting_closed_at or p.withdrawn_at)
        ):
            continue
        overrides += 1  # shown whoever's need it was; only these below cap
        unmet = [
            a
            for a in (lens.facts.adjustments.get(i) for i in p.unmet_adjustments)
            if a is not None
        ]
        requesters.update(a.member.int for a in unmet)
        le_overrides += any(lens.le(a.member, opened) for a in unmet)
    r2, r3, x1 = figures["R2"].value, figures["R3"].value, figures["X1"].value
    equal = (
        (r3 is None or not below(r3, 1))
        and (r2 is None or r2 == 0)
        and (x1 is None or not below(x1, th.fulfilment))
        and not declines
        and not le_overrides
    )
    return Terms(equal, figures, len(declines), overrides, len(requesters))


@attrs.define
class _Fold:
    """What ``features`` gathers while it walks one process's proposals."""

    lens: Lens
    days: MeetingDays
    acts: list[tuple[datetime, Occasion]] = attrs.Factory(list)
    """(when, occasion) of every input up to the period's end."""
    said: list[datetime] = attrs.Factory(list)
    """When each proposal or comment, A3's input, came up to the period's end."""
    commented: set[Occasion] = attrs.Factory(set)
    comments: int = 0
    feedback: bool = False
    influence: bool = False
    influence_apart: bool = False
    """Influence that rests on no lived-experience proposal's adoption."""
    proposed: set[str] = attrs.Factory(set)
    adopted: set[str] = attrs.Factory(set)
    decided: set[str] = attrs.Factory(set)
    delivery: int = 0
    design_decisions: list[datetime] = attrs.Factory(list)
    le_proposals: int = 0
    """Proposals with a lived-experience proposer raised or settled in the period."""
    le_proposers: set[int] = attrs.Factory(set)
    """The members with lived experience who proposed them."""
    groups: dict[str, set[int]] = attrs.Factory(dict)
    """Each group of people whose lived experience the features read, by role."""
    spoke: dict[str, dict[int, datetime]] = attrs.Factory(dict)
    """The proposers, and the commenters, each with when they first spoke."""
    recent: dict[str, set[int]] = attrs.Factory(dict)
    """Each group's people who acted in the period itself."""

    def name(self, group: str, members: Iterable[UUID], at: datetime) -> None:
        """Note *members* in *group*, if they acted by the period's end."""
        if self.lens.by_end(at):
            ids = {m.int for m in members}
            self.groups.setdefault(group, set()).update(ids)
            if self.lens.in_period(at):
                self.recent.setdefault(group, set()).update(ids)

    def speak(self, group: str, members: Iterable[UUID], at: datetime) -> None:
        """Note *members* in *group* of ``SPOKEN``, and when each first spoke."""
        if self.lens.by_end(at):
            first = self.spoke.setdefault(group, {})
            for m in members:
                if first.get(m.int, at) >= at:
                    first[m.int] = at
                if self.lens.in_period(at):
                    self.recent.setdefault(group, set()).add(m.int)

    def people(self, design: datetime | None) -> dict[str, int]:
        """How many members each group names, the spoken ones before *design* too.

        A group counts those who acted in the period, or, where none did,
        those who acted by its end: the period's comments, phases, decisions
        and occasions are its own people's alone, so one member who alone
        commented in it is a group of one, however many commented before.
        """
        found = {group: len(members) for group, members in self.groups.items()}
        for group in SPOKEN:
            first = self.spoke.get(group, {})
            found[group] = len(first)
            # as A3: input at the first design decision or after it is late
            early = sum(design is None or at < design for at in first.values())
            found[f"{group}_before_design"] = early
        found |= {group: len(members) for group, members in self.recent.items()}
        return {group: found.get(group, 0) for group in GROUPS}

    def act(
        self,
        p: ProposalFacts,
        at: datetime,
        channel: str = "meeting",
        *,
        raising: bool = False,
    ) -> Occasion:
        """Note an input at *at* and return its occasion (see ``occasion``)."""
        where = occasion(self.days, p, at, channel, raising=raising)
        if self.lens.by_end(at):
            self.acts.append((at, where))
        return where

    def say(self, at: datetime) -> None:
        """Note a proposal or comment at *at*, if it came by the period's end."""
        if self.lens.by_end(at):
            self.said.append(at)

    def proposal(self, p: ProposalFacts) -> None:
        """Fold in everything about one proposal."""
        lens = self.lens
        mine = le_comments(lens, p)
        originated = le_originated(lens, p)
        settled = settling_decision(lens, p)
        is_adopted = settled is not None and settled.outcome in ADOPTED
        if originated and (settled is not None or lens.in_period(p.raised_at)):
            self.le_proposals += 1
            self.le_proposers.update(
                m.int for m in p.proposers if lens.le(m, p.raised_at)
            )
        self.speak("proposers", p.proposers, p.raised_at)
        recent: set[UUID] = set()  # lived-experience comments in the period
        for c in p.comments:
            self.speak("commenters", (c.author,), c.at)
            if c.id in mine:
                where = self.act(p, c.at, c.channel)
                self.say(c.at)
                if lens.in_period(c.at):
                    self.commented.add(where)
                    self.comments += 1
                    recent.add(c.id)
        if originated:
            self.act(p, p.raised_at, raising=True)
            self.say(p.raised_at)
            if lens.in_period(p.raised_at):
                self.proposed.add(phase_of(p))
            if is_adopted:
                self.adopted.add(phase_of(p))
                self.influence = True
        # feedback shows influence only on comments made by the adoption
        heeded = {
            c.id
            for c in p.comments
            if c.id in mine and is_adopted and settled and c.at <= settled.at
        }
        self.response(p, mine, recent, heeded, originated=originated)
        self.follow_through(p)

    def response(
        self,
        p: ProposalFacts,
        mine: frozenset[UUID],
        recent: set[UUID],
        heeded: set[UUID],
        *,
        originated: bool,
    ) -> None:
        """Fold in the amendments and feedback of one proposal.

        *mine* are its lived-experience comments, *recent* those of them made
        in the period, *heeded* those made by its adoption in the period (none
        if it was not adopted): feedback closes the loop only on those the
        period's ``le_comments`` count, and shows influence only on *heeded*.
        """
        lens = self.lens
        theirs = others_comments(p, mine)
        for actor, takes_up, at in p.amendments:
            if actor is not None:
                self.name("amenders", (actor,), at)
            le_actor = actor is not None and lens.le(actor, at)
            if le_actor:  # input, even on one's own proposal
                self.act(p, at)
            # influence is on another's: not a proposer's own rewording, even
            # one who declared lived experience after raising it (as D4)
            by_le = le_actor and not originated and actor not in p.proposers
            if lens.in_period(at) and (by_le or theirs.intersection(takes_up)):
                self.influence = self.influence_apart = True
        for answered, at in p.feedback:
            if lens.in_period(at) and mine.intersection(answered):
                self.feedback = self.feedback or not recent.isdisjoint(answered)
                on_adopted = not heeded.isdisjoint(answered)
                self.influence = self.influence or on_adopted
                # on their own adopted proposal, it rests on that adoption
                self.influence_apart |= on_adopted and not originated

    def poll(self, p: ProposalFacts) -> None:
        """Fold in the ballots of an advisory vote: input at its close, no decision."""
        closed = p.voting_closed_at
        if p.advisory and closed is not None:
            # Only the electorate's ballots count, as at the close: an import
            # may hold others, which are kept but never counted.
            voters = counted_voters(p)
            self.name("deciders", voters, closed)
            if any(self.lens.le(m, closed) for m in voters):
                self.act(p, closed)

    def follow_through(self, p: ProposalFacts) -> None:
        """Fold in the decisions, delivery actions and evaluations of one proposal."""
        lens = self.lens
        for d in p.decisions:
            # A deferral puts the question off: no design was decided, as in A3.
            if (
                p.phase == "design"
                and d.outcome not in {"not_valid", DEFERRED}
                and lens.by_end(d.at)
            ):
                self.design_decisions.append(d.at)
            self.name("deciders", d.decided_by, d.at)
            self.name("voting_deciders", deciders_with_a_vote(lens, p, d), d.at)
            if any(lens.le(m, d.at) for m in d.decided_by):
                self.act(p, d.at)
            if (
                lens.in_period(d.at)
                and le_deciders(lens, p, d)
                and not overturned(lens, p, d)
            ):
                self.decided.add(phase_of(p))
        self.poll(p)
        for a in p.actions.values():
            self.name("owners", a.owners, a.assigned_at)
            if any(lens.le(m, a.assigned_at) for m in a.owners):
                self.act(p, a.assigned_at)
                in_period = lens.in_period(a.assigned_at)
                self.delivery += in_period and p.phase == "delivery"
        for authors, criteria, at in p.evaluations:
            self.name("authors", authors, at)
            self.name("criteria_proposers", criteria, at)
            if any(lens.le(m, at) for m in (*authors, *criteria)):
                self.act(p, at)


def features(lens: Lens, th: Thresholds) -> Features:
    """Fold one process's lens into the ladder's features."""
    proposals = lens.proposals(in_period=False)
    fold = _Fold(lens, meeting_days(lens.facts))
    for p in proposals:
        fold.proposal(p)
    informed = education = 0
    for m in process_meetings(lens):
        fold.name("attendees", m.attendance, m.starts_at)
        if not any(lens.le(member, m.starts_at) for member in m.attendance):
            continue
        # papers help only if out by the start (as X4 reads them)
        informed += m.kind == "information" or any(
            at <= m.starts_at for _, at in m.papers
        )
        education += m.kind == "education"
    found_terms = terms(lens, th, proposals)
    occasions = {where for at, where in fold.acts if lens.in_period(at)}
    first_design = min(fold.design_decisions, default=None)
    return Features(
        comment_meetings=len(fold.commented),
        le_comments=fold.comments,
        feedback_received=fold.feedback,
        influence_evidence=fold.influence,
        influence_apart=fold.influence_apart,
        proposed_phases=frozenset(fold.proposed),
        adopted_phases=frozenset(fold.adopted),
        decided_phases=frozenset(fold.decided),
        delivery_actions=fold.delivery,
        informed=informed > 0,
        education_meetings=education,
        mandatory_no_voice=False,
        occasions=len(occasions),
        first_contribution=min(fold.said, default=None),
        first_design_decision=first_design,
        terms=found_terms,
        involved=bool(fold.acts),
        le_proposals=fold.le_proposals,
        le_proposers=len(fold.le_proposers),
        people={
            **fold.people(first_design),
            "requesters": found_terms.requesters,
        },
    )


# Rules and flags -------------------------------------------------------------------


def rung_of(f: Features, *, cap: bool = True) -> tuple[str, bool]:
    """The first rung whose rule matches, and whether terms were unequal for it.

    Unequal terms matter where co-design evidence exists: with *cap* they
    hold the rung at Engagement.
    """
    seen_through = (
        f.decided_phases >= LIFECYCLE
        and bool(f.adopted_phases)
        and f.delivery_actions > 0
    )
    shaped = bool(f.adopted_phases) or "design" in f.decided_phases
    equal = f.terms.equal or not cap
    engaged = f.comment_meetings >= 2 and f.influence_evidence  # noqa: PLR2004
    rules = (
        ("CO_PRODUCTION", seen_through and equal and not f.one_off),
        ("CO_DESIGN", shaped and equal),
        ("ENGAGEMENT", shaped or engaged or bool(f.decided_phases)),
        # any other input on record (an amendment, an action owned, an
        # evaluation) is involvement too: NONE is for none at all
        (
            "CONSULTATION",
            f.comment_meetings > 0 or bool(f.proposed_phases) or f.occasions > 0,
        ),
        ("INFORMING", f.informed),
        ("EDUCATING", f.education_meetings > 0),
        ("COERCION", f.mandatory_no_voice),
    )
    rung = next((name for name, holds in rules if holds), "NONE")
    return rung, shaped and not f.terms.equal


def flags_of(
    f: Features, rung: str, unequal: bool, label: str | None, th: Thresholds
) -> tuple[str, ...]:
    """The flags raised alongside *rung*, in the order of ``FLAGS``."""
    figures = f.terms.figures
    r1, r2, r7 = figures["R1"].value, figures["R2"].value, figures["R7"].value
    le_seats = (figures["R3"].groups or (0,))[0]  # seats of any kind, as R3 counts
    first, design = f.first_contribution, f.first_design_decision
    raised = {
        "equal_terms_not_met": unequal,
        "no_feedback_loop": rung in {"CONSULTATION", "ENGAGEMENT"}
        and f.le_comments > 0
        and not f.feedback_received,
        "one_off": f.one_off,
        # As A3: input in time is a proposal or comment strictly before the
        # first design decision (or with none taken); taking part in that
        # decision itself, or in another (or amending, owning an action), is
        # not such input. Unlike A3, a process with no input at all is not
        # flagged.
        "late_involvement": f.involved
        and (first is None or (design is not None and first >= design)),
        # With nobody on the seats having answered the question, a low R1 is
        # no evidence of tokenism: it is no evidence at all.
        "token_seat": r1 is not None
        and below(r1, th.token_seat)
        and bool(figures["R1"].coverage),
        "lone_representative": r2 is not None and r2 > 0,
        # Arnstein's placation: seats, advisory ones too, with no power.
        "placation": r7 == 0 and le_seats > 0,
        # With no activity in the period there is nothing its label overclaims.
        "faux_coproduction": label == "co_production"
        and rung != NO_ACTIVITY
        and LEVELS[rung] < LEVELS["CO_PRODUCTION"],
    }
    return tuple(flag for flag in FLAGS if raised[flag])


def turns_on_adoption(f: Features, label: str | None, th: Thresholds) -> bool:
    """Whether the rung or its flags turn on a lived-experience proposal's adoption.

    That is, whether they would differ had one been adopted, or had none
    been. It reads the other features only, not how the proposals fared, so it can
    say whether the rung may be shown beside a few such proposals (see
    ``le_proposals``) without telling how they fared.
    """

    def outcome(adopted: frozenset[str], *, influence: bool) -> tuple[str, ...]:
        case = attrs.evolve(f, adopted_phases=adopted, influence_evidence=influence)
        rung, unequal = rung_of(case, cap=th.equal_terms_cap)
        return (rung, *flags_of(case, rung, unequal, label, th))

    some = f.adopted_phases or frozenset({UNPHASED})
    return outcome(some, influence=True) != outcome(
        frozenset(), influence=f.influence_apart
    )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def evidence(
    f: Features, label: str | None, unequal: bool, th: Thresholds
) -> dict[str, Any]:
    """The features and figures behind a rung, as JSON-ready values.

    ``figures`` holds the process's own figures' values and ``figures_n`` the n
    each rests on, so that disclosure control can tell which flags read from
    them it may show (``coledger.reports.suppression``); ``people`` how many
    people each group behind the features names, so that it can withhold the
    rung of a process a few people decide, and the evidence a few people
    make; ``le_proposals`` how many proposals with a lived-experience
    proposer it reads, and ``le_proposers`` how many such proposers,
    ``turns_on_adoption`` whether the rung turns on how
    they fared, and ``figures_groups`` the group counts of its parity ratios
    (R3), so that it can withhold the rung, or a flag, that a small
    group's records decide.
    """
    return {
        "label": label,
        "comment_meetings": f.comment_meetings,
        "le_comments": f.le_comments,
        "feedback_received": f.feedback_received,
        "influence_evidence": f.influence_evidence,
        "proposed_phases": sorted(f.proposed_phases),
        "adopted_phases": sorted(f.adopted_phases),
        "decided_phases": sorted(f.decided_phases),
        "delivery_actions": f.delivery_actions,
        "equal_terms": f.terms.equal,
        "capped_by_equal_terms": unequal and th.equal_terms_cap,
        "informed": f.informed,
        "education_meetings": f.education_meetings,
        "mandatory_no_voice": f.mandatory_no_voice,
        "le_occasions": f.occasions,
        "first_le_contribution": _iso(f.first_contribution),
        "first_design_decision": _iso(f.first_design_decision),
        "unresolved_declines": f.terms.unresolved_declines,
        "access_overrides": f.terms.access_overrides,
        "people": dict(f.people),
        "figures": {code: fig.value for code, fig in sorted(f.terms.figures.items())},
        "figures_n": {code: fig.n for code, fig in sorted(f.terms.figures.items())},
        "figures_groups": {
            code: None if fig.groups is None else list(fig.groups)
            for code, fig in sorted(f.terms.figures.items())
        },
        "le_proposals": f.le_proposals,
        "le_proposers": f.le_proposers,
        "turns_on_adoption": turns_on_adoption(f, label, th),
    }


def rate(process: Process, th: Thresholds) -> Rung:
    """The rung, flags and evidence of one process (worked out once per state)."""
    lens = process.lens
    key = ("rung", process.unit, process.id, lens.since, lens.until, th)
    return lens.facts.remember(key, lambda: _rate(process, th))


def carry_rungs(facts: Facts, since: int, touched: set[tuple[str, UUID | None]]) -> int:
    """Keep the rungs worked out at or after *since* for processes not *touched*.

    For a catch-up that folded new events in, with *touched* every scope they
    reached since *since* (closed over proposals, as the materialiser marks
    them). A process's rung reads its own scope, who had lived experience and
    the day; the last two mark every scope when they change, and a catch-up
    then carries nothing. So the whole-ledger ladder rates again only the
    processes the new events reached. Returns how many rungs were kept.
    """
    return facts.carry(
        "rung", since, lambda key, rung: None if (key[1], key[2]) in touched else rung
    )


def proposal_times(p: ProposalFacts) -> Iterator[datetime | None]:
    """When anything happened to *p*: its raising, and every act on it since."""
    yield p.raised_at
    yield from (c.at for c in p.comments)
    yield from (at for _, _, at in p.amendments)
    yield from (at for _, at in p.feedback)
    yield from (p.voting_opened_at, p.voting_closed_at, p.withdrawn_at)
    yield from (d.at for d in p.decisions)
    for a in p.actions.values():
        yield from (a.assigned_at, a.completed_at)
    yield from (at for _, _, at in p.evaluations)


def active(lens: Lens) -> bool:
    """Whether anything happened in the process in the period, whoever took part.

    That is a meeting of it held, or a proposal in it raised or acted on.
    """
    return bool(process_meetings(lens)) or any(
        lens.in_period(at)
        for p in lens.proposals(in_period=False)
        for at in proposal_times(p)
    )


def _rate(process: Process, th: Thresholds) -> Rung:
    f = features(process.lens, th)
    rung, unequal = rung_of(f, cap=th.equal_terms_cap)
    if rung == "NONE" and not active(process.lens):
        rung = NO_ACTIVITY
    return Rung(
        unit=process.unit,
        id=str(process.id),
        name=process.name,
        rung=rung,
        level=LEVELS.get(rung, LEVELS["NONE"]),
        flags=flags_of(f, rung, unequal, process.label, th),
        evidence=evidence(f, process.label, unequal, th),
    )


def classify(lens: Lens, th: Thresholds) -> tuple[Rung, ...]:
    """The rung and flags of each process in scope.

    A project that had finished by the period's start is left out unless
    lived experience was involved in it in the period: with nothing to rate,
    its NONE (and a ``faux_coproduction`` beside it) would speak of a period
    it was no longer running in.
    """
    rated = ((process, rate(process, th)) for process in processes(lens))
    return tuple(rung for process, rung in rated if rung.level or not process.over)


# Per decision ----------------------------------------------------------------------


Readers = dict[UUID, bool]
"""The members whose lived experience a tag read, each with whether they had it."""


def _read(readers: Readers, member: UUID, lived: bool) -> bool:
    """Note that a tag read *member*'s lived experience (*lived*), and return it."""
    readers[member] = lived or readers.get(member, False)
    return lived


def _heard(lens: Lens, p: ProposalFacts, d: DecisionFacts, readers: Readers) -> bool:
    """Whether lived experience attended where *p* was raised or *d* made, or after.

    The record has no "decision communicated" event; attending the meeting the
    proposal was raised at, the body's meeting on the day of the decision, or an
    information meeting of the body after it stands in for being told. Only a
    meeting that started before the period's end can have told anyone in it.
    Every attendee of those meetings is read: an "informed" says one of them
    had lived experience, a "none" that none of them did.
    """
    nearby = list(lens.facts.meetings_by_body.get(p.body, []))
    if p.meeting is not None and p.meeting not in nearby:
        nearby.append(p.meeting)
    heard = False
    for m in (lens.facts.meetings[i] for i in nearby if i in lens.facts.meetings):
        relevant = (
            m.cancelled_at is None
            and lens.by_end(m.starts_at)
            and (
                m.id == p.meeting
                or utc_day(m.starts_at) == utc_day(d.at)
                or (m.kind == "information" and d.at <= m.starts_at)
            )
        )
        if relevant:
            for a in m.attendance:
                heard = _read(readers, a, lens.le(a, m.starts_at)) or heard
    return heard


def tag_of(lens: Lens, p: ProposalFacts, d: DecisionFacts, readers: Readers) -> str:
    """The first of decided-with, influenced, consulted, informed, none that applies.

    Each member whose lived experience it reads past the deciders goes into
    *readers*: the tag says as much about them as a figure counting them
    would. The deciders are D1's, whose own disclosure control covers them.
    """
    if le_deciders(lens, p, d):
        return "decided-with"
    originated = False
    for m in p.proposers:
        originated = _read(readers, m, lens.le(m, p.raised_at)) or originated
    lived = le_comments(lens, p)
    # only comments made by the decision can have borne on it
    before = set()
    for c in p.comments:
        if c.at <= d.at and _read(readers, c.author, c.id in lived):
            before.add(c.id)
    taken = others_comments(p, before)
    # a vote closed by the decision put its voters' views before the deciders:
    # an advisory one, or one that lacked its quorum or that this overrides
    closed = p.voting_closed_at
    polled = False
    if closed is not None and closed <= d.at:
        for m in counted_voters(p):
            polled = _read(readers, m, lens.le(m, closed)) or polled
    if (
        (originated and d.outcome in ADOPTED)
        or any(
            at <= d.at
            and (
                taken.intersection(takes_up)
                or (
                    actor is not None
                    and not originated
                    and actor not in p.proposers
                    and _read(readers, actor, lens.le(actor, at))
                )
            )
            for actor, takes_up, at in p.amendments
        )
        or any(
            lens.by_end(at) and before.intersection(answered)
            for answered, at in p.feedback
        )
    ):
        return "influenced"
    if originated or before or polled:
        return "consulted"
    if _heard(lens, p, d, readers):
        return "informed"
    return "none"


def tagged(lens: Lens) -> tuple[tuple[DecisionTag, ...], tuple[int, int]]:
    """Each decision's tag in scope and period, and how many people the tags read.

    The tags come in recorded order; a vote that closed without its quorum
    (``not_valid``) decided nothing and gets no tag. The people, with lived
    experience and without, are those ``tag_of`` reads past the deciders: the
    proposers, commenters, amenders, voters in an earlier vote and attendees
    of the decisions it tags below decided-with. A member counts with lived
    experience if any read of theirs found it.
    """
    made = sorted(
        ((p, p.decisions[i]) for p, i in lens.decisions()), key=lambda pd: pd[1].pos
    )
    readers: Readers = {}
    tags = tuple(
        DecisionTag(
            proposal=str(p.id),
            decision=str(d.id),
            tag=tag_of(lens, p, d, readers),
            le_originated=le_originated(lens, p),
        )
        for p, d in made
        if d.outcome != "not_valid"
    )
    lived = sum(readers.values())
    return tags, (lived, len(readers) - lived)


def decision_tags(lens: Lens) -> tuple[DecisionTag, ...]:
    """The mini-ladder tag of each decision in scope and period, in recorded order."""
    return tagged(lens)[0]
