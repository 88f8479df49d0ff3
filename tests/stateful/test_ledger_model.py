"""Random command sequences against a plain model: the ledger must always agree.

The model below is written from the brief, not from coledger's code: dicts and
sets for members, seats, proposals, adjustments and decisions, and a few lines for
each decision rule. After every step the ledger's queries must equal the model; on
SQLite and PostgreSQL a ledger reopened from the same storage must equal it too.

Where the brief is silent the model takes these readings: a request gates a vote
when it was made for that proposal or for the meeting it was raised at, is needed by
the papers, the meeting or the vote, and its member holds a voting seat and is not
erased (standing requests do not gate votes); a refused command may name any one of
the rules it breaks; a vote that closes not valid still closes the proposal, which
one later decision may settle; erased members keep their seats on record but leave
the electorate, and nobody can provide, decline or withdraw their open requests; a
request for a proposal needed before feedback may be made until the proposal is
withdrawn (a decided one still takes feedback), any other only while it is open.

Every step is dated on a business clock that the model keeps (in UTC): steps
share an instant until time passes, the first hours run through London's repeated
autumn hour, and some steps are entered late, before the clock: voting steps
by the vote's own times, and most others (consent, declarations, seats, rules,
requests and their answers, openings, comments, erasures) minutes or days back,
or at or just before the latest step they may not precede; consent is also
given or revoked by a writer whose clock runs fast (an hour after the real
time), or at the default time, which follows such a step. The model predicts
from its own times which late steps are refused (TimeOrderError), which needs
an opening dated back found unmet, and whose declarations count towards a
lived-experience quorum at a close (a
revocation, for one, may come neither before the consent it ends nor at or
before a comment or ballot already made through its supporter). An
accepted step must store events, except consent to a supporter already given or
a revocation of none; a refused one stores nothing. Names, comment texts and
adjustment codes read as given until their member is erased, then "[erased]".
Some erasures and withdrawals destroy their keys and then fail to be written
(the write is made to fail, as a full disk would): KeysDestroyedError, nothing
stored, the member's sealed fields (or their declaration) read as gone though
no event says so, and the erasure audit reports ERASURE_UNRECORDED or
KEY_MISSING_UNEXPLAINED until the same command is run again and recorded.
Until then the declaration is still on record (another is refused), and a
member so erased is not erased: they keep their seats in the electorate, but nothing
new can be sealed about them (they take no further steps here). The
projection tables, read now and then and after such a shredding, equal the
fold, and on stored backends so do they read by a second Ledger on the same
storage, opened afresh or kept open meanwhile.

At the end a signed checkpoint verifies, the erasure audit finds only what
the model says went unrecorded, the facts the reports read in business time
(who held which seat when, when each vote opened and which needs it found
unmet, whose declaration counts from when) are as the model says, and the
reports kept along the way (and the tables) equal reports rebuilt from the
events.

Around a proposal's discussion and decision, amendments and feedback take up
its comments, delivery actions and evaluations follow the adoption in force
(and a decision after a vote's adoption follows them), projects are
relabelled and finished, and meetings, in a project or not, take papers,
attendance and check-ins, each refused as the API reference says. At the end
each proposal's and project's timeline lists those steps as the model dated
them, and D6 and P3 count the actions and evaluations as it predicts.

Meetings are called off now and then: no earlier than their latest step
(their calling, papers, a request for them, a proposal raised at them), and
not once they took place (attendance, a check-in, a vote opened on a proposal
raised there: WrongStateError) or were called off (MeetingCancelledError).
Afterwards they take no papers, attendance, check-ins, requests or proposals
(MeetingCancelledError), their requests hold no vote up, a vote on a proposal
raised there opens from the cancellation on and is not noted on them, and
W2, X4, V6, X1 and X2 leave them out as indicators.md says. At the end an
export of the record imports into an empty ledger that equals the model and
gives the same reports, and each report read along the way equals the one
rebuilt as of its position, unless keys were destroyed since.

At each reading of the reports and at the end, four more figures are worked
out from docs/indicators.md: W2 (meetings started by "now", midnight UTC after
the latest business day recorded, from their body's first meeting with a
check-in; the share that had one), V5 (comments by members with lived
experience when commenting, on proposals with a valid decision; the share that
feedback dated at or after the first valid decision names), V6 (valid
decisions on proposals raised at a meeting with papers; the share made a week
or more after the meeting's latest papers) and X4 (meetings but social ones
started by now; the share with papers in a format other than STD issued by
the start and before every request for the meeting or a proposal raised at
it, and every standing request that covered it). Only "now" is read from
the record: the latest business time of its events. X1 and X2 are worked out
too, over all time (X1's note with them): each request for a meeting or
proposal due at its needed_by, else at its meeting's start, its vote's
opening (or the decision or withdrawal that came first) or its feedback,
and each standing request once per meeting it covered; X2 the answered
requests, standing ones once. Split into two periods at a step's time, their
X1 items and X2 answers add up to those of all time. Requests name a
needed_by now and then (one before the request is refused but for a
standing request), and declines give every reason, an alternative perhaps
(needed with alternative_offered).

Choices are drawn from the model's records in creation order (not sorted by id):
ids are random, creation order is not, so a failing sequence replays exactly.

Hypothesis cannot weight rules, and picked at random most voting steps would
hit no open vote. So most boards begin with a vote under way (some over an
unmet need), hold_a_vote raises a proposal when none waits, and the voting
rules mostly aim where their step can go either way: open votes with ballots
cast at different times, and dates just before or at the vote's own times.
Events name what each example reached, such as "close before the latest
ballot refused for one reason: TimeOrderError". --hypothesis-show-statistics
does not report a run_state_machine_as_test; HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY=1
writes each example's events ("features") to .hypothesis/observed/.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import ClassVar, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from eventsourcing.persistence import PersistenceError
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from coledger import Decision, Ledger, Rule, Tally, errors
from coledger.integrity import SigningKey, Verifier
from coledger.projections import Figure, PowerSharingReport
from coledger.projections.materialise import comparable
from coledger.timeline import Entry, timeline
from coledger.views import ProposalView
from conftest import PG_BASE, drop_schema, require_postgres
from helpers import count_events

T = TypeVar("T")
Refusals = list[type[errors.LedgerError]]

NAMES = ("Sam Example", "Ama", "Jo Bloggs", "Priya", "Lee", "Olúwa", "Kit")
ROLES = ("member", "trainer", "staff", "director", "trustee", "partner", "supporter")
CATEGORIES = ("DIS", "LTHC", "CARER", "OTHER_LE")
BODY_KINDS = ("working_group", "advisory", "governance")
SEATS = ("voting", "voting", "voting", "advisory", "observer", "ex_officio")
OFFICES = (None, None, None, "chair", "co_chair", "vice_chair", "secretary")
SHARED_OFFICES = frozenset({"co_chair"})
CHANNELS = ("meeting", "written", "easy_read_form", "bsl_video", "one_to_one")
CHOICES = ("for", "against", "abstain", "block")
ADJUSTMENT_CODES = ("ER", "BSL", "XT", "BRK", "SUP", "PAP")
NEEDED_BEFORE = ("papers", "meeting", "vote", "feedback")
NEEDED_BEFORE_THE_VOTE = frozenset({"papers", "meeting", "vote"})
NEEDED_BY = (
    None,
    None,
    None,
    -timedelta(hours=1),
    timedelta(hours=1),
    timedelta(days=3),
)
"""A request's needed_by, from its own time: mostly none; one before it is refused
but for a standing request, whose needed_by is the day it holds from."""
DECLINE_REASONS = (
    "not_reasonable_cost",
    "unavailable",
    "insufficient_notice",
    "alternative_offered",
    "other",
)
OTHER_METHODS = (
    "consensus",
    "consent",
    "chair",
    "staff_executive",
    "delegated",
    "outside_forum",
)
OUTCOMES = ("adopted", "adopted_amended", "rejected", "deferred")
SOURCE_REFS = tuple(
    f"minutes:2024-03-0{day}#{item}" for day in (1, 2) for item in (1, 2)
)
TITLES = ("Accessible AGM", "Easy-read papers", "Budget")
LABELS = ("co_production", "co_design", "engagement", "consultation", "informing")
MEETING_KINDS = ("decision_meeting", "workshop", "consultation", "social")
PAPER_FORMATS = ("STD", "ER", "LP", "BSLV", "AUD")
"""Formats papers go out in; an accessible version is in any but STD."""
MODES = ("in_person", "remote", "asynchronous")
ADOPTED = frozenset({"adopted", "adopted_amended"})
FAR_DUE = datetime(2199, 1, 1, tzinfo=UTC)
"""A due date after any "now" a report reads: an open action is not yet late."""
FOLLOW_UP_KINDS = frozenset(
    {
        "Proposal.Amended",
        "Proposal.FeedbackGiven",
        "Proposal.AccessibleVersionPublished",
        "Proposal.ActionAssigned",
        "Proposal.ActionCompleted",
        "Proposal.EvaluationRecorded",
    }
)
"""The timeline entries of the steps after a proposal's discussion began."""
OVERRIDES = ("interpreter booked for the next meeting", "chair's ruling: urgent")
ERASED = "[erased]"
"""What a sealed field reads once its member's key is destroyed."""

READ_EVERY = 5
"""Steps between readings of the reports (read at every turn, they crowd out others)."""
MAX_BODIES = 4
MAX_MEMBERS = 10
"""Beyond these, more bodies and members add steps but no new cases."""

LONDON = ZoneInfo("Europe/London")
CLOCK_START = datetime(2024, 10, 27, 0, 20, tzinfo=UTC)
"""01:20 in London, forty minutes before its clocks go back to 01:00 (UTC)."""
TIME_STEPS = (
    timedelta(minutes=10),
    timedelta(minutes=25),
    timedelta(hours=1),
    timedelta(days=3),
)
"""How far the business clock moves when time passes (between, steps share it)."""
BACKDATING = (
    timedelta(0),
    timedelta(minutes=5),
    timedelta(minutes=50),
    timedelta(days=4),
)
"""How far before the clock a step is dated when it enters the record late."""
LATE_EDGES = (
    "just before the opening",
    "at the opening",
    "between the opening and the latest ballot",
    "just before the latest ballot",
    "at the latest ballot",
    "just before the last step",
    "at the last step",
)
"""Or it is dated by a time of its proposal's record (the clock if it has none)."""
NOW_OR_AN_EDGE = st.just(timedelta(0)) | st.sampled_from(LATE_EDGES)
"""Half the steps of a vote are dated now, half by one of its times."""
NOW_OR_EARLIER = st.just(timedelta(0)) | st.sampled_from(BACKDATING[1:])
"""Half of other steps are dated now, half entered late (minutes typed up after)."""
FLOOR_EDGES = ("just before what it follows", "at what it follows")
"""Or a late step is dated by the latest step it may not precede (its floor)."""
NOW_EARLIER_OR_AN_EDGE = NOW_OR_EARLIER | st.sampled_from(FLOOR_EDGES)
"""For steps that follow another: now, earlier, or at the edge of what they follow."""
FAST = "by a writer whose clock runs fast"
"""Dated an hour after the real time (this machine's clock is years before it)."""
BY_DEFAULT = "at the default time"
"""Given no time: now, or the step it follows if that is later (a fast clock's)."""
CONSENT_WHEN = NOW_EARLIER_OR_AN_EDGE | st.sampled_from((FAST, BY_DEFAULT))
"""When consent is given or revoked: as other steps, or by another writer's clock."""
BETWEEN = "between what it follows and now"
"""Or a late step is dated midway from its floor to the clock: late, yet in order."""
DELIVERY_WHEN = NOW_EARLIER_OR_AN_EDGE | st.just(BETWEEN)
"""Delivery steps are dated as other follow-ups are, or between their floor and now."""
A_WEEK_BACK = (timedelta(days=7), timedelta(days=7, microseconds=-1))
"""Papers dated a week (V6's window), or just under, before a decision now."""
BALLOT_GAPS = (timedelta(0), timedelta(0), timedelta(minutes=10), timedelta(hours=1))
"""How far the clock moves before each ballot of a vote taken along."""


# The model ------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleModel:
    """A body's decision rule, and what it makes of a set of ballots."""

    kind: str  # majority, threshold, consensus or consent
    threshold: Fraction
    quorum: Fraction
    lived_experience_quorum: int

    @property
    def stray(self) -> bool:
        """Whether its threshold is one no rule of its kind may have."""
        if self.kind == "threshold":
            return self.threshold <= Fraction(1, 2)
        return self.threshold != Fraction(1, 2)

    def build(self) -> Rule:
        """The same rule as coledger's public value type.

        A rule with a threshold other than one half but for a threshold above
        it (a stray one) is refused, as InvalidRuleError.
        """
        if self.stray:
            return Rule(
                self.kind, self.threshold, self.quorum, self.lived_experience_quorum
            )
        if self.kind == "majority":
            return Rule.majority(self.quorum, self.lived_experience_quorum)
        if self.kind == "threshold":
            return Rule.supermajority(
                self.threshold, self.quorum, self.lived_experience_quorum
            )
        if self.kind == "consensus":
            return Rule.consensus(self.quorum, self.lived_experience_quorum)
        return Rule.consent(self.quorum, self.lived_experience_quorum)

    def matches(self, rule: Rule | None) -> bool:
        """Whether coledger's rule is this one."""
        return (
            rule is not None
            and rule.kind == self.kind
            and rule.quorum == self.quorum
            and rule.lived_experience_quorum == self.lived_experience_quorum
            and rule.threshold == self.threshold  # one half, but for a threshold
        )

    @property
    def method(self) -> str:
        """How a vote under this rule is recorded as decided."""
        return self.kind if self.kind in {"consensus", "consent"} else "vote"

    def invalid(
        self, choices: Sequence[str], electorate: int, with_le: int
    ) -> str | None:
        """Why a vote with these ballots is not valid (None if it is)."""
        if not choices:
            return "no ballots"
        if len(choices) < self.quorum * electorate:
            return "quorum"
        if with_le < self.lived_experience_quorum:
            return "lived-experience quorum"
        return None

    def outcome(self, choices: Sequence[str], electorate: int, with_le: int) -> str:
        """Adopted, rejected, or not valid (no ballots or a quorum missed)."""
        if self.invalid(choices, electorate, with_le):
            return "not_valid"
        yes, no, blocks = (choices.count(c) for c in ("for", "against", "block"))
        if self.kind == "majority":
            adopted = yes > no + blocks
        elif self.kind == "threshold":
            adopted = yes + no + blocks > 0 and Fraction(yes, yes + no + blocks) >= (
                self.threshold
            )
        elif self.kind == "consensus":
            adopted = yes > 0 and no == 0 and blocks == 0
        else:
            adopted = blocks == 0
        return "adopted" if adopted else "rejected"


@st.composite
def rule_models(draw: st.DrawFn, *, strays: bool = True) -> RuleModel:
    """Any decision rule a body might adopt; with *strays*, one in eight is stray.

    A stray threshold is refused. Where none may be drawn, strays=False: a
    filter rejecting the founding rule would leave that machine's ledger open.
    """
    kind = draw(st.sampled_from(("majority", "threshold", "consensus", "consent")))
    threshold = (
        draw(st.sampled_from((Fraction(2, 3), Fraction(3, 4), Fraction(1))))
        if kind == "threshold"
        else Fraction(1, 2)
    )
    if strays and not draw(st.integers(0, 7)):
        threshold = draw(st.sampled_from((Fraction(0), Fraction(1, 2), Fraction(2, 3))))
        threshold = threshold if kind == "threshold" else threshold or Fraction(1)
    none, third, half, all_ = Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1)
    quorum = draw(st.sampled_from((none, none, third, half, all_)))
    le_quorum = draw(st.sampled_from((0, 0, 0, 1, 2)))
    return RuleModel(kind, threshold, quorum, le_quorum)


@dataclass
class MemberModel:
    """A member: name, role, their current declaration, who may act with them."""

    name: str = ERASED
    role: str = "member"
    lived_experience: tuple[str, ...] = ()
    declared_at: datetime | None = None
    withdrawn_at: datetime | None = None
    """The latest withdrawal of a declaration, as a UTC instant."""
    supporters: set[UUID] = field(default_factory=set)
    consents: list[tuple[UUID, datetime, datetime | None]] = field(default_factory=list)
    """(supporter, from, until) for each spell of consent, as UTC instants."""
    acted: dict[UUID, datetime] = field(default_factory=dict)
    """The latest comment or ballot through each supporter, as a UTC instant."""
    erased: bool = False
    erased_at: datetime | None = None
    keys_gone: bool = False
    """An erasure destroyed their keys, then failed to be stored: not erased."""
    declaration_gone: bool = False
    """Their declaration is on record, but its key went with an unstored shredding."""
    roles: list[tuple[datetime, str]] = field(default_factory=list)
    """(from, role) from registration and each change, in time order."""

    @property
    def declared(self) -> bool:
        """Whether the record holds a declaration not withdrawn (readable or not)."""
        return bool(self.lived_experience) or self.declaration_gone

    @property
    def shredded(self) -> bool:
        """Whether their sealed fields read "[erased]": erased, or their keys gone."""
        return self.erased or self.keys_gone

    def role_at(self, at: datetime) -> str:
        """The role held at *at* (before registration: the first)."""
        held = [role for since, role in self.roles if since <= at]
        return held[-1] if held else self.roles[0][1]

    def consent_floor(self, supporter: UUID) -> datetime | None:
        """The latest end of a spell of consent to *supporter*, if any ended."""
        ends = [end for who, _, end in self.consents if who == supporter and end]
        return max(ends, default=None)

    def revocation_floor(self, supporter: UUID) -> datetime | None:
        """The earliest time a revocation of *supporter* may have, if consented.

        The latest start of an open spell of consent, and just after the
        latest act through them: a revocation at that act would leave it
        done without consent.
        """
        starts = [s for who, s, end in self.consents if who == supporter and not end]
        acted = self.acted.get(supporter)
        if acted is not None:
            starts.append(acted + timedelta(microseconds=1))
        return max(starts, default=None)

    def act(self, supporter: UUID | None, at: datetime) -> None:
        """Note a comment or ballot through *supporter* (if any) at UTC instant *at*."""
        if supporter is not None:
            self.acted[supporter] = max(at, self.acted.get(supporter, at))

    def consented(self, supporter: UUID, at: datetime) -> bool:
        """Whether *supporter* could act with the member at business time *at*."""
        return any(
            who == supporter and since <= at and (until is None or at < until)
            for who, since, until in self.consents
        )

    def lived_experience_at(self, at: datetime) -> bool:
        """Whether the current declaration names lived experience, made by *at*."""
        return bool(self.lived_experience) and (
            self.declared_at is not None and self.declared_at <= at
        )


@dataclass
class SeatSpell:
    """One member's spell in one seat (UTC instants)."""

    member: UUID
    seat: str
    office: str | None
    since: datetime
    until: datetime | None = None


@dataclass
class BodyModel:
    """A body: its rule and its seats (member -> seat kind and office)."""

    rule: RuleModel
    established_at: datetime
    seats: dict[UUID, tuple[str, str | None]] = field(default_factory=dict)
    rule_since: datetime = field(init=False)
    seat_changed: dict[UUID, datetime] = field(default_factory=dict)
    """When each member's seat here last changed (the latest business time)."""
    office_changed: dict[str, datetime] = field(default_factory=dict)
    """When each office but co-chair last changed hands."""
    voting_changed: datetime | None = None
    vote_opened: datetime | None = None
    """The latest business time a vote opened on one of its proposals."""
    spells: list[SeatSpell] = field(default_factory=list)
    """Each seat held, in the order assigned."""

    def held_at(self, at: datetime, members: dict[UUID, MemberModel]) -> list[str]:
        """Who held which seat at *at* (until vacated, or its holder erased)."""
        held = [
            f"{spell.member} {spell.seat} {spell.office}"
            for spell in self.spells_at(at, members)
        ]
        return sorted(held)

    def spells_at(
        self, at: datetime, members: dict[UUID, MemberModel]
    ) -> list[SeatSpell]:
        """The seats held at *at* (until vacated, or their holder erased)."""
        held = []
        for spell in self.spells:
            ends = [spell.until, members[spell.member].erased_at]
            end = min((e for e in ends if e is not None), default=None)
            if spell.since <= at and (end is None or at < end):
                held.append(spell)
        return held

    def __post_init__(self) -> None:
        self.rule_since = self.established_at

    def seat_floor(self, member: UUID, seat: str, office: str | None) -> datetime:
        """The earliest business time *member*'s seat (or *office*) may change."""
        times = [self.established_at, self.seat_changed.get(member)]
        if office is not None and office not in SHARED_OFFICES:
            times.append(self.office_changed.get(office))
        if seat == "voting":
            times.append(self.vote_opened)
        return max(t for t in times if t is not None)

    def seat_changed_at(
        self, member: UUID, seat: str, office: str | None, at: datetime
    ) -> None:
        """Note a change of *member*'s seat at *at*, as the floors read it."""
        self.seat_changed[member] = max(at, self.seat_changed.get(member, at))
        if office is not None and office not in SHARED_OFFICES:
            self.office_changed[office] = max(at, self.office_changed.get(office, at))
        if seat == "voting":
            self.voting_changed = max(at, self.voting_changed or at)

    @property
    def rule_floor(self) -> datetime:
        """The earliest business time its rule may change."""
        return max(self.rule_since, self.vote_opened or self.rule_since)

    @property
    def voting(self) -> frozenset[UUID]:
        """Holders of a voting seat (erased members keep theirs on record)."""
        return frozenset(m for m, (seat, _) in self.seats.items() if seat == "voting")


@dataclass(frozen=True)
class DecisionModel:
    """One decision on a proposal."""

    outcome: str
    method: str
    decided_by: frozenset[UUID]
    overrode_vote: bool
    by_vote: bool
    at: datetime | None = None
    """Its business time (UTC)."""


EvaluationRecord = tuple[UUID, tuple[UUID, ...], tuple[UUID, ...], str, datetime]


@dataclass
class ActionModel:
    """A delivery action on an adopted proposal."""

    description: str
    owners: tuple[UUID, ...]
    due: datetime | None
    assigned_at: datetime
    completed_at: datetime | None = None


@dataclass
class ProposalModel:
    """A proposal from raising to decision."""

    body: UUID
    raised_at: datetime
    """Times in the model are UTC: ZoneInfo times compare by their clocks alone."""
    status: str = "raised"  # raised, voting, closed (advisory), decided, withdrawn
    advisory: bool = False
    last_step: datetime | None = None
    """The business time of its raising, or of its vote's opening or close."""
    last_ballot: datetime | None = None
    opened_at: datetime | None = None
    electorate: frozenset[UUID] = frozenset()
    rule: RuleModel | None = None
    access_override: str | None = None
    unmet_at_opening: frozenset[UUID] = frozenset()
    ballots: dict[UUID, tuple[str, UUID | None]] = field(default_factory=dict)
    ballot_at: dict[UUID, datetime] = field(default_factory=dict)
    """The business time of each voter's ballot in ``ballots``."""
    lived_experience_participants: int | None = None
    decisions: list[DecisionModel] = field(default_factory=list)
    comments: dict[UUID, tuple[UUID, str]] = field(default_factory=dict)
    """Comment id -> (author, text)."""
    adjustments: set[UUID] = field(default_factory=set)
    title: str = "Easy-read papers"
    text: str = "Let us try them."
    project: UUID | None = None
    meeting: UUID | None = None
    comment_at: dict[UUID, datetime] = field(default_factory=dict)
    """The business time of each comment."""
    taken_up: set[UUID] = field(default_factory=set)
    amendments: int = 0
    formats: list[str] = field(default_factory=list)
    """Accessible versions published, in recorded order."""
    feedback: list[UUID] = field(default_factory=list)
    answered: list[tuple[frozenset[UUID], datetime]] = field(default_factory=list)
    """(comments it names, when) of each piece of feedback, in recorded order."""
    actions: dict[UUID, ActionModel] = field(default_factory=dict)
    evaluations: list[EvaluationRecord] = field(default_factory=list)
    """(id, authors, criteria proposed by, summary, when) of each evaluation."""
    delivered_at: datetime | None = None
    """The latest action assigned or completed, or evaluation, on its adoption."""
    log: list[tuple[str, datetime]] = field(default_factory=list)
    """(kind, when) of each follow-up step, as its timeline lists them."""
    completed: list[str] = field(default_factory=list)
    """The description of each action completed, in recorded order."""
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        self.last_step = self.last_step or self.raised_at

    @property
    def adopted_at(self) -> datetime | None:
        """When the decision in force was made, if it is an adoption."""
        last = self.decisions[-1] if self.decisions else None
        return last.at if last is not None and last.outcome in ADOPTED else None

    def latest_comment(self, comments: Sequence[UUID]) -> datetime | None:
        """The business time of the latest of *comments* made on it."""
        times = [self.comment_at[c] for c in comments if c in self.comment_at]
        return max(times, default=None)

    @property
    def closed(self) -> bool:
        """Decided or withdrawn: no more comments, votes or requests (but feedback)."""
        return self.status in {"decided", "withdrawn"} and not self.undecided_vote

    def replaces_a_later(self, voter: UUID, instant: datetime) -> bool:
        """Whether *voter*'s ballot at *instant* would replace one dated after it."""
        replaced = self.ballot_at.get(voter)
        return replaced is not None and instant < replaced

    @property
    def floor(self) -> datetime:
        """The earliest business time a close or withdrawal may have."""
        assert self.last_step is not None
        return max(self.last_step, self.last_ballot or self.last_step)

    @property
    def undecided_vote(self) -> bool:
        """Whether its one decision is a not_valid vote, which decided nothing."""
        return (
            self.status == "decided"
            and len(self.decisions) == 1
            and self.decisions[0].by_vote
            and self.decisions[0].outcome == "not_valid"
        )


@dataclass
class AdjustmentModel:
    """An access need asked for, and what became of it."""

    member: UUID
    proposal: UUID | None
    needed_before: str
    code: str
    requested_at: datetime
    status: str = "requested"
    resolved_at: datetime | None = None
    """When it was answered or withdrawn (business time)."""
    meeting: UUID | None = None
    answer: str | None = None
    """provided or declined, once answered (a standing request keeps it withdrawn)."""
    answered_at: datetime | None = None
    partial: bool = False
    decline_reason: str | None = None
    alternative: str | None = None
    withdrawn_at: datetime | None = None
    needed_by: datetime | None = None
    """Its deadline; for a standing request, the day it holds from."""

    def pending_at(self, at: datetime) -> bool:
        """Whether it was asked by *at* and not yet answered then."""
        return self.requested_at <= at and (
            self.status == "requested"
            or (self.resolved_at is not None and self.resolved_at > at)
        )


@dataclass
class ProjectModel:
    """A project: its labels by business time, its start and finish."""

    name: str
    started_at: datetime
    labels: list[tuple[datetime, str]]
    """(from, label) from the start and each relabelling, in time order."""
    finished_at: datetime | None = None

    def label_at(self, at: datetime) -> str:
        """The label in force at *at* (from the start on)."""
        held = [label for since, label in self.labels if since <= at]
        return held[-1] if held else self.labels[0][1]


@dataclass
class MeetingModel:
    """A meeting of a body: papers, attendance and check-ins."""

    body: UUID
    kind: str
    starts_at: datetime
    project: UUID | None
    papers: list[tuple[str, datetime]] = field(default_factory=list)
    attendance: dict[UUID, str] = field(default_factory=dict)
    check_ins: int = 0
    adjustments: list[UUID] = field(default_factory=list)
    """Requests made for it, in recorded order."""
    called_at: datetime | None = None
    """When it was called (business time)."""
    cancelled_at: datetime | None = None
    """When it was called off (business time), if it was."""


@dataclass
class Model:
    """Everything the ledger should say, kept in plain dicts in creation order."""

    members: dict[UUID, MemberModel] = field(default_factory=dict)
    bodies: dict[UUID, BodyModel] = field(default_factory=dict)
    proposals: dict[UUID, ProposalModel] = field(default_factory=dict)
    adjustments: dict[UUID, AdjustmentModel] = field(default_factory=dict)
    source_refs: dict[str, UUID] = field(default_factory=dict)
    projects: dict[UUID, ProjectModel] = field(default_factory=dict)
    meetings: dict[UUID, MeetingModel] = field(default_factory=dict)
    steps: list[tuple[UUID, str, datetime, UUID | None]] = field(default_factory=list)
    """(project or meeting, kind, when, a project whose timeline leaves it out) of
    each of their steps, in recorded order: a vote noted on a meeting is left
    out of the timeline of the project of the proposal voted on, which shows
    that proposal's own entry instead."""

    def project_log(self, project: UUID) -> list[tuple[str, datetime]]:
        """(kind, when) of the steps a project's timeline lists as its own.

        Its own, and its meetings': those called for it, and those one of
        its proposals was raised at; of the votes noted on those meetings,
        those on proposals of other projects or none.
        """
        meetings = {m for m, held in self.meetings.items() if held.project == project}
        meetings |= {
            p.meeting
            for p in self.proposals.values()
            if p.project == project and p.meeting is not None
        }
        return [
            (kind, at)
            for record, kind, at, left_out_of in self.steps
            if (record == project or record in meetings) and left_out_of != project
        ]

    def unmet(self, proposal: UUID) -> set[UUID]:
        """Open requests for it or its meeting, needed by its vote, from voters."""
        voting = self.electorate(self.proposals[proposal].body)
        return {
            adjustment_id
            for adjustment_id, a in self.adjustments.items()
            if self.for_proposal(a, proposal)
            and a.status == "requested"
            and a.needed_before in NEEDED_BEFORE_THE_VOTE
            and a.member in voting
        }

    def unmet_at(self, proposal: UUID, at: datetime) -> set[UUID]:
        """Requests a vote opened at *at* would find unmet: asked, not answered then."""
        voting = self.electorate(self.proposals[proposal].body)
        return {
            adjustment_id
            for adjustment_id, a in self.adjustments.items()
            if self.for_proposal(a, proposal)
            and a.pending_at(at)
            and a.needed_before in NEEDED_BEFORE_THE_VOTE
            and a.member in voting
        }

    def for_proposal(self, request: AdjustmentModel, proposal: UUID) -> bool:
        """Whether *request* was made for *proposal* or the meeting it was raised at.

        Requests for a meeting called off lapsed with it.
        """
        meeting = self.proposals[proposal].meeting
        return request.proposal == proposal or (
            meeting is not None
            and request.meeting == meeting
            and self.meetings[meeting].cancelled_at is None
        )

    def vote_opened_at(
        self, meeting: UUID, voter: UUID | None = None
    ) -> datetime | None:
        """The latest opening of a vote on a proposal raised at *meeting*.

        With *voter*, of a vote they could vote in.
        """
        return max(
            (
                p.opened_at
                for p in self.proposals.values()
                if p.meeting == meeting
                and p.opened_at is not None
                and (voter is None or voter in p.electorate)
            ),
            default=None,
        )

    def electorate(self, body: UUID) -> frozenset[UUID]:
        """Who would vote if voting opened now: voting seat holders not erased."""
        return frozenset(
            m for m in self.bodies[body].voting if not self.members[m].erased
        )

    def active(self) -> list[UUID]:
        """Members who may act (not erased, keys intact), in the order registered."""
        return [i for i, m in self.members.items() if not m.shredded]

    def unexplained(self) -> set[str]:
        """The erasure audit's findings: keys destroyed by shreddings not stored.

        An erasure's tombstone accounts for all its member's keys; a
        declaration's key gone otherwise is accounted for by nothing.
        """
        found = set()
        for m in self.members.values():
            if m.keys_gone and not m.erased:
                found.add("ERASURE_UNRECORDED")
            elif m.declaration_gone and not m.erased:
                found.add("KEY_MISSING_UNEXPLAINED")
        return found

    def gone(self, *members: UUID | None) -> list[type[errors.LedgerError]]:
        """NotAMemberError if any of *members* was erased."""
        erased = any(m is not None and self.members[m].erased for m in members)
        return [errors.NotAMemberError] if erased else []

    def votable(self) -> list[UUID]:
        """Proposals being voted on, or raised in a body that has an electorate."""
        return [
            i
            for i, p in self.proposals.items()
            if p.status == "voting"
            or (p.status == "raised" and self.electorate(p.body))
        ]

    def in_state(self, *statuses: str) -> list[UUID]:
        """Proposals in any of *statuses*, in the order raised."""
        return [i for i, p in self.proposals.items() if p.status in statuses]

    def w2(self, now: datetime, body: UUID | None = None) -> tuple[int, int]:
        """W2: (meetings with a check-in, meetings counted), of one body or all.

        A body holds check-ins from the start of its first meeting held by
        *now* that had one; its meetings from then until *now* count, but
        those called off.
        """
        held = [m for m in self.meetings.values() if m.cancelled_at is None]
        first: dict[UUID, datetime] = {}
        for m in held:
            if m.check_ins and m.starts_at < now:
                first[m.body] = min(m.starts_at, first.get(m.body, m.starts_at))
        counted = [
            m
            for m in held
            if m.body in first
            and first[m.body] <= m.starts_at < now
            and (body is None or m.body == body)
        ]
        return sum(1 for m in counted if m.check_ins), len(counted)

    def x4(self, now: datetime) -> tuple[int, int]:
        """X4: (meetings with accessible papers out unasked, meetings counted).

        Meetings but social ones (or ones called off) started by *now*;
        accessible papers (any format but STD) count when issued by the start
        and before every request for the meeting or for a proposal raised at
        it, and every standing request that covered it (``covering``).
        """
        anticipated = counted = 0
        for meeting_id, m in self.meetings.items():
            if m.kind == "social" or m.starts_at >= now or m.cancelled_at:
                continue
            asked = [
                a.requested_at
                for a in self.adjustments.values()
                if a.meeting == meeting_id
                or (
                    a.proposal is not None
                    and self.proposals[a.proposal].meeting == meeting_id
                )
            ]
            asked += [a.requested_at for a in self.covering(m)]
            counted += 1
            anticipated += any(
                fmt != "STD" and at <= m.starts_at and all(at < t for t in asked)
                for fmt, at in m.papers
            )
        return anticipated, counted

    def covering(self, meeting: MeetingModel) -> list[AdjustmentModel]:
        """The standing requests that held for *meeting*, as X1 reads them.

        Those of a member expected there (who attended, or, but at a social
        meeting, held a seat on its body as it started), made by its start,
        and neither withdrawn nor their member erased by then. None for a
        meeting called off by its start.
        """
        at = meeting.starts_at
        if meeting.cancelled_at is not None and meeting.cancelled_at <= at:
            return []
        expected = set(meeting.attendance)
        if meeting.kind != "social":
            spells = self.bodies[meeting.body].spells_at(at, self.members)
            expected |= {spell.member for spell in spells}
        return [
            a
            for a in self.adjustments.values()
            if a.proposal is None
            and a.meeting is None
            and a.member in expected
            and a.requested_at <= at
            and (a.needed_by is None or a.needed_by <= at)
            and not (
                a.status == "withdrawn"
                and a.resolved_at is not None
                and a.resolved_at <= at
            )
            and ((erased := self.members[a.member].erased_at) is None or erased > at)
        ]

    def deadline(self, request: AdjustmentModel) -> datetime | None:
        """When *request* had to be met by, if it has a deadline (yet).

        None for a standing request; its needed_by when given; else a
        meeting's start for a meeting request;
        for a proposal's need before the vote, the vote's opening (at or
        after the request), else the first decision (not a not_valid vote) or
        withdrawal after it; before feedback, the first feedback or
        withdrawal after it.
        """
        if request.proposal is None and request.meeting is None:
            return None
        if request.needed_by is not None:
            return request.needed_by
        if request.meeting is not None:
            return self.meetings[request.meeting].starts_at
        assert request.proposal is not None
        p, made = self.proposals[request.proposal], request.requested_at
        if request.needed_before in NEEDED_BEFORE_THE_VOTE:
            if p.opened_at is not None and p.opened_at >= made:
                return p.opened_at
            ended = [
                d.at
                for d in p.decisions
                if d.at is not None and d.at >= made and d.outcome != "not_valid"
            ]
        else:
            ended = [at for _, at in p.answered if at >= made]
        if p.withdrawn_at is not None:
            ended.append(p.withdrawn_at)
        return min(ended, default=None)

    def made_good(self, declined: AdjustmentModel) -> bool:
        """Whether the same need was asked again, and provided by the deadline.

        By the same member for the same meeting, proposal or standing scope,
        at or after the decline.
        """
        due = self.deadline(declined)
        return any(
            other is not declined
            and other.member == declined.member
            and (other.proposal, other.meeting) == (declined.proposal, declined.meeting)
            and declined.answered_at is not None
            and other.requested_at >= declined.answered_at
            and other.answer == "provided"
            and other.answered_at is not None
            and (due is None or other.answered_at <= due)
            for other in self.adjustments.values()
        )

    def x1(self, now: datetime) -> tuple[int, int, str]:
        """X1 over all time: (met, items, note), read from docs/indicators.md.

        One item per request for a meeting or proposal that fell due (not
        withdrawn by its deadline, nor ended by its member's erasure before
        it), and one per meeting started before *now* that a standing request
        covered: met when provided by the deadline (or the meeting's start).
        """
        items = [
            (a, outcome)
            for a in self.adjustments.values()
            if (outcome := self.x1_outcome(a, now)) is not None
        ]
        for meeting in self.meetings.values():
            start = meeting.starts_at
            for a in self.covering(meeting):
                if a.answered_at is not None and a.answered_at <= start:
                    outcome = "met" if a.answer == "provided" else "declined"
                elif start >= now:
                    continue  # still to come, and not yet answered
                else:
                    outcome = "late" if a.answer == "provided" else "unresolved"
                items.append((a, outcome))
        counts = Counter(outcome for _, outcome in items)
        never = sum(o == "declined" and not self.made_good(a) for a, o in items)
        partial = sum(a.partial for a, o in items if o == "met")
        note = (
            f"{counts['late']} provided late, {counts['declined']} declined "
            f"({never} never made good), {counts['unresolved']} unresolved, "
            f"{partial} of those met provided in part"
        )
        return counts["met"], len(items), note

    def x1_outcome(self, a: AdjustmentModel, now: datetime) -> str | None:
        """What a request for a meeting or proposal came to, or None if no item."""
        if (a.proposal is None and a.meeting is None) or self.called_off(a):
            # Standing: read at each meeting it covered. For a meeting called
            # off before it was answered or due: no longer needed.
            return None
        due = self.deadline(a)
        if a.status == "withdrawn" and (
            due is None or (a.withdrawn_at is not None and a.withdrawn_at <= due)
        ):
            return None  # no longer needed
        if a.status == "requested":
            if due is None or due >= now:
                return None  # pending: its deadline is still to come
            erased = self.members[a.member].erased_at
            if erased is not None and erased <= due:
                return None  # nobody could answer it after the erasure
        if a.answer == "provided":
            assert a.answered_at is not None
            return "met" if due is None or a.answered_at <= due else "late"
        return a.answer or "unresolved"

    def called_off(self, a: AdjustmentModel) -> bool:
        """Whether *a* was for a meeting called off before it was answered or due.

        Due at its needed_by, else the meeting's start; answered (provided or
        declined) at or before the cancellation, it keeps its answer.
        """
        meeting = None if a.meeting is None else self.meetings[a.meeting]
        if meeting is None or meeting.cancelled_at is None:
            return False
        due = meeting.starts_at if a.needed_by is None else a.needed_by
        if due < meeting.cancelled_at:
            return False
        return not (
            a.answer is not None
            and a.answered_at is not None
            and a.answered_at <= meeting.cancelled_at
        )

    def x2(self) -> tuple[int, int]:
        """X2 over all time: (declined, answered) requests, standing ones once."""
        answered = [
            a
            for a in self.adjustments.values()
            if a.answer is not None and not self.called_off(a)
        ]
        return sum(a.answer == "declined" for a in answered), len(answered)

    def v5(self) -> tuple[int, int]:
        """V5: (lived-experience comments answered after the decision, all such).

        The comments on proposals with a valid decision whose author had lived
        experience when commenting; answered by feedback naming them, dated at
        or after the first valid decision.
        """
        answered = counted = 0
        for p in self.proposals.values():
            valid = [d.at for d in p.decisions if d.outcome != "not_valid"]
            if not valid:
                continue
            decided = valid[0]
            assert decided is not None
            for comment, (author, _) in p.comments.items():
                if not self.members[author].lived_experience_at(p.comment_at[comment]):
                    continue
                counted += 1
                answered += any(
                    comment in named and at >= decided for named, at in p.answered
                )
        return answered, counted

    def v6(self, days: int) -> tuple[int, int]:
        """V6: (decisions *days* or more after their meeting's last format, all such).

        Valid decisions on proposals raised at a meeting whose papers went out;
        each format counts from its first issue (a format sent again is not
        new to its readers).
        """
        adequate = counted = 0
        for p in self.proposals.values():
            meeting = None if p.meeting is None else self.meetings[p.meeting]
            papers = [] if meeting is None or meeting.cancelled_at else meeting.papers
            if not papers:
                continue
            first: dict[str, datetime] = {}
            for fmt, at in papers:
                first[fmt] = min(at, first.get(fmt, at))
            latest = max(first.values())
            for d in p.decisions:
                if d.outcome == "not_valid":
                    continue
                assert d.at is not None
                counted += 1
                adequate += d.at - latest >= timedelta(days=days)
        return adequate, counted


def direction(outcome: str) -> str:
    """Adopting with or without amendment goes the same way."""
    return "adopted" if outcome in {"adopted", "adopted_amended"} else outcome


class _AbandonedError(Exception):
    """Raised inside a batch to leave it: nothing in it is stored."""


# The machine ----------------------------------------------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """A real ledger and the plain model, driven by the same random commands."""

    backend: ClassVar[str] = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.model = Model()
        self.consistent = True
        self.unread = 0
        """Steps since the reports were last read."""
        self.clock = CLOCK_START
        self._folder: Path | None = None
        self._schema: str | None = None
        if self.backend == "memory":
            self.url = "memory://"
        elif self.backend == "sqlite":
            self._folder = Path(tempfile.mkdtemp(prefix="coledger-stateful-"))
            self.url = f"sqlite:///{self._folder / 'ledger.db'}"
        else:
            self._schema = f"t_{uuid.uuid4().hex[:16]}"
            self.url = f"{PG_BASE}?schema={self._schema}"
        self.ledger = Ledger.open(self.url)
        self.tables_read = False
        """Whether the projection tables have been read (and so exist)."""
        self._other: Ledger | None = None
        """A second Ledger on the same storage, once the tables have been read."""
        self.kept: list[tuple[int, tuple[object, ...], dict[str, object]]] = []
        """(position, keys, report) of each report read along the way."""

    def teardown(self) -> None:
        """Audit, reopen the storage and compare it with the model, then clean up."""
        try:
            if self.consistent:
                self.audit(self.ledger)
            self.ledger.close()
            if self._other is not None:
                self._other.close()
            if self.backend != "memory" and self.consistent:
                with Ledger.open(self.url) as reopened:
                    self.compare(reopened)
        finally:
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
            if self._schema is not None:
                drop_schema(self._schema)

    # Helpers ---------------------------------------------------------------------

    def _step(self, text: str) -> None:
        """Start a step: note it, and mark the model unchecked until the invariant."""
        self.consistent = False
        self.unread += 1
        note(text)

    def at(self, back: timedelta = timedelta(0)) -> datetime:
        """The business clock (less *back*), as London's clocks read it.

        Every step is dated explicitly: steps between two passings of time
        share an instant, and the first hours run through the autumn hour that
        London's clocks repeat (ZoneInfo times, told apart only by ``fold``).
        """
        return (self.clock - back).astimezone(LONDON)

    def _accept(self, command: Callable[[], T], *, writes: bool = True) -> T:
        """Run a command the model expects to succeed; it writes events or none."""
        before = self.ledger.position
        result = command()
        after = self.ledger.position
        if writes:
            assert after > before, "an accepted command stored nothing"
        else:
            assert after == before, "a command that changes nothing stored events"
        return result

    def _pick(self, data: st.DataObject, options: Sequence[T], label: str) -> T:
        return data.draw(st.sampled_from(options), label=label)

    def _member(self, data: st.DataObject, label: str) -> UUID:
        return self._pick(data, self.model.active(), label)

    def _proposal(self, data: st.DataObject) -> UUID:
        """Mostly a proposal still open; sometimes any, to provoke refusals."""
        still_open = self.model.in_state("raised", "voting")
        if bool(still_open) and data.draw(st.integers(0, 3), label="an open one"):
            return self._pick(data, still_open, "proposal")
        return self._pick(data, list(self.model.proposals), "proposal")

    def _aim(self, data: st.DataObject, *pools: list[UUID]) -> UUID:
        """Mostly one of the first of *pools* that has any; else as _proposal.

        Rules cannot be weighted, so the rules of a vote aim at the proposals
        where their step means something (an open vote with ballots, say),
        leaving a quarter of draws at each turn to provoke refusals.
        """
        for pool in pools:
            if bool(pool) and data.draw(st.integers(0, 3), label="aimed"):
                return self._pick(data, pool, "proposal")
        return self._proposal(data)

    def _open_votes(self, *, with_ballots: bool = False) -> list[UUID]:
        """Proposals being voted on (with ballots cast, if *with_ballots*)."""
        return [
            i
            for i, p in self.model.proposals.items()
            if p.status == "voting" and (bool(p.ballots) or not with_ballots)
        ]

    def _ended_votes(self) -> list[UUID]:
        """Proposals whose vote was opened and has ended (closed or withdrawn)."""
        return [
            i
            for i, p in self.model.proposals.items()
            if p.opened_at is not None and p.status != "voting"
        ]

    def _to_open(self, *, unmet: bool = False, answered: bool = False) -> list[UUID]:
        """Raised proposals in a body with voters.

        With *unmet*, those with unmet needs; with *answered*, with needs answered.
        """
        return [
            i
            for i, p in self.model.proposals.items()
            if p.status == "raised"
            and self.model.electorate(p.body)
            and (bool(self.model.unmet(i)) or not unmet)
            and (bool(self._answers(i)) or not answered)
        ]

    def _voter(self, data: st.DataObject, proposal: UUID) -> UUID:
        """Mostly a member of the proposal's electorate who may still act."""
        record = self.model.proposals[proposal]
        electorate = [m for m in self.model.active() if m in record.electorate]
        if bool(electorate) and data.draw(st.integers(0, 3), label="a voter"):
            return self._pick(data, electorate, "voter")
        return self._member(data, "voter")

    def _voters(self, proposal: UUID) -> list[UUID]:
        """Members who would vote on *proposal* if its vote opened now, and may act."""
        electorate = self.model.electorate(self.model.proposals[proposal].body)
        return [m for m in self.model.active() if m in electorate]

    def _supporter(self, data: st.DataObject, member: UUID) -> UUID | None:
        """Usually no supporter; sometimes an authorised one, sometimes anyone."""
        how = data.draw(
            st.sampled_from(("none", "none", "authorised", "anyone")), label="how"
        )
        authorised = [
            m for m in self.model.members if m in self.model.members[member].supporters
        ]
        if how == "authorised" and authorised:
            return self._pick(data, authorised, "supporter")
        if how == "anyone":
            return self._member(data, "supporter")
        return None

    def _refused(
        self, why: Refusals, command: Callable[[], object], step: str = ""
    ) -> None:
        """The command raises one of the errors the model expects, storing nothing.

        A *step* refused for one reason only is counted apart: only then would
        the ledger's neglect of that rule be seen.
        """
        before = count_events(self.ledger)
        with pytest.raises(errors.LedgerError) as caught:
            command()
        names = sorted(e.__name__ for e in why)
        note(f"  refused with {type(caught.value).__name__} (model: {names})")
        assert type(caught.value) in why, f"{caught.value!r} is not one of {names}"
        assert count_events(self.ledger) == before, "a refused command stored events"
        event(f"refused: {type(caught.value).__name__}")
        if step and len(set(why)) == 1:
            event(f"{step} refused for one reason: {why[0].__name__}")

    @staticmethod
    def _between(record: ProposalModel, instant: datetime) -> str:
        """Whether *instant* falls after the last step but before the latest ballot."""
        assert record.last_step is not None
        return " before the latest ballot" * (
            record.status == "voting" and record.last_step <= instant < record.floor
        )

    def _by_floor(self, when: timedelta | str, floor: datetime | None) -> datetime:
        """The time *when* names: before the clock, or by *floor*.

        At it, just before it, or midway from it to the clock; without a floor
        (nothing it follows), an edge is the clock.
        """
        if isinstance(when, timedelta) or floor is None:
            return self.at(when if isinstance(when, timedelta) else timedelta(0))
        if when == BETWEEN:
            return self.at((self.clock - floor) / 2)
        if when.startswith("just before"):
            floor -= timedelta(microseconds=1)
        return floor.astimezone(LONDON)

    def _consent_time(
        self, when: timedelta | str, floor: datetime | None
    ) -> tuple[datetime | None, datetime]:
        """The time to pass for a consent step, and the instant the model expects.

        At the default time the ledger takes its own clock, or *floor* if later
        (what the model expects is then read back from the record).
        """
        if when == FAST:
            ahead = datetime.now(UTC) + timedelta(hours=1)
            return ahead, ahead
        if when == BY_DEFAULT:
            now = datetime.now(UTC)
            return None, now if floor is None else max(now, floor)
        at = self._by_floor(when, floor)
        return at, at.astimezone(UTC)

    def _aim_ahead(
        self, data: st.DataObject, drawn: tuple[UUID, UUID], *, ended: bool
    ) -> tuple[UUID, UUID]:
        """Mostly a member and supporter whose consent ended (or began) ahead.

        Ahead of this machine's clock, that is: only another writer's could.
        """
        pairs = [
            (member, who)
            for member in self.model.active()
            for who, since, until in self.model.members[member].consents
            if not self.model.members[who].erased
            and ((until or since) if ended else since) > self.clock
            and (until is not None) == ended
        ]
        if bool(pairs) and data.draw(st.integers(0, 3), label="ahead"):
            return self._pick(data, pairs, "member and supporter")
        return drawn

    def _aim_acted(
        self, data: st.DataObject, drawn: tuple[UUID, UUID]
    ) -> tuple[UUID, UUID]:
        """Mostly a member and a supporter in force who commented or voted with them.

        Few random draws find one, and only there can a revocation come at or
        before an act through its supporter.
        """
        pairs = [
            (member, who)
            for member in self.model.active()
            for who in self.model.members[member].acted
            if who in self.model.members[member].supporters
        ]
        if bool(pairs) and data.draw(st.integers(0, 3), label="acted"):
            return self._pick(data, pairs, "member and supporter")
        return drawn

    def _act_first(self, data: st.DataObject, member: UUID, supporter: UUID) -> None:
        """A comment through *supporter* now, if they may act and a proposal is open.

        So that a revocation dated by the clock, or just before, meets an act
        made through its supporter at that very instant.
        """
        record = self.model.members[member]
        if self.model.members[supporter].erased or not record.consented(
            supporter, self.clock
        ):
            return
        still_open = [
            i
            for i, p in self.model.proposals.items()
            if p.status in {"raised", "voting"} and p.raised_at <= self.clock
        ]
        if not still_open:
            return
        proposal = self._pick(data, still_open, "proposal")
        at = self.at()
        self._step(f"comment({proposal}, {member=}, {supporter=}, at={at.isoformat()})")
        comment_id = self._accept(
            lambda: self.ledger.comment(
                proposal, author=member, text="Ja", supporter=supporter, occurred_at=at
            )
        )
        self.model.proposals[proposal].comments[comment_id] = (member, "Ja")
        self.model.proposals[proposal].comment_at[comment_id] = at.astimezone(UTC)
        record.act(supporter, self.clock)
        event("comment through a supporter before a revocation")

    def _recorded_at(self, before: int) -> datetime:
        """The business time of the last event recorded after position *before*."""
        *_, last = self.ledger.history(after=before)
        return last.event.occurred_at.astimezone(UTC)

    def _late(self, step: str, instant: datetime, floor: datetime | None) -> None:
        """Count an accepted *step* dated before the clock, and one at its floor."""
        if instant < self.clock:
            event(f"{step} entered late")
            if instant == floor:
                event(f"{step} entered late at the time it may not precede")

    # Members -----------------------------------------------------------------------

    @initialize(
        data=st.data(),
        size=st.integers(min_value=2, max_value=5),
        model_rule=rule_models(strays=False),
    )
    def found(self, data: st.DataObject, size: int, model_rule: RuleModel) -> None:
        """Founding members set up a board with voting seats and a first proposal."""
        self._step(f"found({size=}, {model_rule})")
        at = self.at()
        founders = [
            self.ledger.register_member(name, role="director", occurred_at=at)
            for name in NAMES[:size]
        ]
        for name, member in zip(NAMES, founders, strict=False):
            self.model.members[member] = MemberModel(
                name, "director", roles=[(self.clock, "director")]
            )
            if data.draw(st.booleans(), label="declares lived experience"):
                self.ledger.declare_lived_experience(
                    member, categories=["DIS"], occurred_at=at
                )
                self.model.members[member].lived_experience = ("DIS",)
                self.model.members[member].declared_at = self.clock
        chair = founders[0]
        board = self.ledger.establish_body(
            "Board",
            kind="governance",
            rule=model_rule.build(),
            by=chair,
            occurred_at=at,
        )
        self.model.bodies[board] = BodyModel(model_rule, self.clock)
        for member in founders:
            if member == chair or data.draw(st.integers(0, 3), label="a voting seat"):
                self.ledger.assign_seat(
                    board, member, seat="voting", by=chair, occurred_at=at
                )
                self.model.bodies[board].seats[member] = ("voting", None)
                self.model.bodies[board].seat_changed_at(
                    member, "voting", None, self.clock
                )
                self.model.bodies[board].spells.append(
                    SeatSpell(member, "voting", None, self.clock)
                )
        for title in data.draw(
            st.sampled_from((TITLES[:1], TITLES[:2], TITLES)), label="proposals"
        ):
            proposal = self.ledger.raise_proposal(
                board, proposers=[chair], title=title, text=title, occurred_at=at
            )
            self.model.proposals[proposal] = ProposalModel(
                board, self.clock, title=title, text=title
            )
        # Most boards begin with a vote under way, some held up by a need first.
        first = next(iter(self.model.proposals))
        if data.draw(st.integers(0, 3), label="a vote under way"):
            if data.draw(st.booleans(), label="a need first"):
                self._request_adjustment(
                    self._pick(data, self._voters(first), "member"),
                    data.draw(st.sampled_from(ADJUSTMENT_CODES), label="code"),
                    first,
                    data.draw(st.sampled_from(NEEDED_BEFORE), label="needed_before"),
                )
            self._take_along(data, first)

    @rule(step=st.sampled_from(TIME_STEPS))
    def time_passes(self, step: timedelta) -> None:
        """The business clock moves on; the steps until the next move share it."""
        self._time_passes(step)

    def _time_passes(self, step: timedelta) -> None:
        if not step:
            return
        self.clock += step
        note(f"time_passes({step}) -> {self.at().isoformat()} fold={self.at().fold}")
        if self.at().fold:
            event("clock in the repeated autumn hour")

    @precondition(lambda self: len(self.model.members) < MAX_MEMBERS)
    @rule(
        name=st.sampled_from(NAMES),
        role=st.sampled_from(ROLES),
        source_ref=st.none() | st.sampled_from(SOURCE_REFS),
    )
    def register_member(self, name: str, role: str, source_ref: str | None) -> None:
        """Anyone may register; a source reference may be recorded only once."""
        self._step(f"register_member({name!r}, {role=}, {source_ref=})")

        def command() -> UUID:
            return self.ledger.register_member(
                name, role=role, source_ref=source_ref, occurred_at=self.at()
            )

        if source_ref in self.model.source_refs:
            self._refused([errors.DuplicateSourceRefError], command)
            return
        member = self._accept(command)
        self.model.members[member] = MemberModel(name, role, roles=[(self.clock, role)])
        if source_ref is not None:
            self.model.source_refs[source_ref] = member

    @rule(data=st.data(), role=st.sampled_from(ROLES), when=NOW_OR_EARLIER)
    def change_role(self, data: st.DataObject, role: str, when: timedelta) -> None:
        """A member's organisational role changes (to the role held then: no event).

        Roles are not ordered: one entered late holds from its date until the
        next change, and the role in force last is the member's role.
        """
        member = self._member(data, "member")
        by = self._member(data, "by")
        at = self.at(when)
        instant = at.astimezone(UTC)
        self._step(f"change_role({member}, {role=}, {by=}, at={at.isoformat()})")
        record = self.model.members[member]
        changes = role != record.role_at(instant)
        self._accept(
            lambda: self.ledger.change_role(member, role, by=by, occurred_at=at),
            writes=changes,
        )
        if changes:
            record.roles.insert(
                sum(1 for since, _ in record.roles if since <= instant),
                (instant, role),
            )
            record.role = record.roles[-1][1]
            self._late("role change", instant, None)

    @rule(
        data=st.data(),
        categories=st.lists(st.sampled_from(CATEGORIES), min_size=1),
        when=CONSENT_WHEN,
    )
    def declare_lived_experience(
        self, data: st.DataObject, categories: list[str], when: timedelta | str
    ) -> None:
        """A member declares lived experience, unless a declaration is active.

        One entered late counts from its own date, but none may come before the
        member's last withdrawal, whose stretch stays undeclared. Given no
        time, it follows a withdrawal another writer dated ahead.
        """
        members = self.model.members
        undeclared = [m for m in self.model.active() if not members[m].declared]
        if bool(undeclared) and data.draw(st.integers(0, 3), label="undeclared"):
            member = self._pick(data, undeclared, "member")
        else:
            member = self._member(data, "member")
        if when == BY_DEFAULT:  # mostly after a withdrawal another writer dated ahead
            member = self._aim_ahead_of_clock(data, member, withdrawn=True)
        record = self.model.members[member]
        floor = record.withdrawn_at
        at, since = self._consent_time(when, floor)
        self._step(
            f"declare_lived_experience({member}, {categories}, at={since}, {when=})"
        )

        def command() -> None:
            self.ledger.declare_lived_experience(
                member, categories=categories, occurred_at=at
            )

        if record.declared:  # a declaration whose key is gone is still on record
            self._refused([errors.AlreadyDeclaredError], command)
            if record.declaration_gone:
                event("declaration refused while a withdrawal went unrecorded")
            return
        if floor is not None and since < floor:
            self._refused([errors.TimeOrderError], command, "late declaration")
            return
        before = self.ledger.position
        self._accept(command)
        since = self._recorded_at(before) if at is None else since
        record.lived_experience = tuple(dict.fromkeys(categories))
        record.declared_at = since
        self._late("declaration", since, floor)
        if at is None and floor is not None and floor > self.clock:
            event("declaration at the default time after a withdrawal dated ahead")

    @rule(data=st.data(), when=CONSENT_WHEN)
    def withdraw_lived_experience(
        self, data: st.DataObject, when: timedelta | str
    ) -> None:
        """A member withdraws their declaration, if they have one, no earlier.

        Given no time, it follows a declaration another writer dated ahead. One
        whose key an unstored withdrawal destroyed is withdrawn (again) as well.
        """
        declared = [m for m in self.model.active() if self.model.members[m].declared]
        if bool(declared) and data.draw(st.integers(0, 3), label="declared"):
            member = self._pick(data, declared, "member")
        else:
            member = self._member(data, "member")
        if when == BY_DEFAULT:  # mostly after a declaration another writer dated ahead
            member = self._aim_ahead_of_clock(data, member, withdrawn=False)
        record = self.model.members[member]
        floor = record.declared_at
        at, instant = self._consent_time(when, floor)
        self._step(f"withdraw_lived_experience({member}, at={instant}, {when=})")

        def command() -> None:
            self.ledger.withdraw_lived_experience(member, occurred_at=at)

        if not record.declared:
            self._refused([errors.NotDeclaredError], command)
            return
        if floor is not None and instant < floor:
            self._refused([errors.TimeOrderError], command, "early withdrawal")
            return
        before = self.ledger.position
        self._accept(command)
        instant = self._recorded_at(before) if at is None else instant
        self._late("lived-experience withdrawal", instant, floor)
        if at is None and floor is not None and floor > self.clock:
            event("withdrawal at the default time after a declaration dated ahead")
        if record.declaration_gone:
            event("withdrawal recorded after one whose write failed")
        record.declaration_gone = False
        record.lived_experience = ()
        record.declared_at = None
        record.withdrawn_at = max(instant, record.withdrawn_at or instant)

    def _aim_ahead_of_clock(
        self, data: st.DataObject, drawn: UUID, *, withdrawn: bool
    ) -> UUID:
        """Mostly a member undeclared since a withdrawal (or declared) dated ahead.

        Ahead of this machine's clock, that is: only another writer's could.
        Without one, now and then a writer whose clock runs fast makes one.
        """

        def ahead(record: MemberModel) -> bool:
            at = record.withdrawn_at if withdrawn else record.declared_at
            declared = record.declared
            return declared != withdrawn and at is not None and at > self.clock

        members = [m for m in self.model.active() if ahead(self.model.members[m])]
        if bool(members) and data.draw(st.integers(0, 3), label="ahead"):
            return self._pick(data, members, "member")
        # The opposite step first, by a writer whose clock runs fast.
        first = [
            m
            for m in self.model.active()
            if self.model.members[m].declared == withdrawn
        ]
        if not (bool(first) and data.draw(st.booleans(), label="a step ahead first")):
            return drawn
        member = self._pick(data, first, "member")
        record = self.model.members[member]
        at = datetime.now(UTC) + timedelta(hours=1)
        self._step(f"{'withdraw' if withdrawn else 'declare'}({member}, {at=}) first")
        if withdrawn:
            self._accept(
                lambda: self.ledger.withdraw_lived_experience(member, occurred_at=at)
            )
            record.lived_experience, record.declared_at = (), None
            record.declaration_gone = False
            record.withdrawn_at = at
        else:
            self._accept(
                lambda: self.ledger.declare_lived_experience(
                    member, categories=["DIS"], occurred_at=at
                )
            )
            record.lived_experience, record.declared_at = ("DIS",), at
        return member

    @rule(data=st.data(), when=CONSENT_WHEN)
    def authorise_supporter(self, data: st.DataObject, when: timedelta | str) -> None:
        """A member consents to another member supporting them; not to themselves.

        Consent entered late, dated from when it was given, may not come before
        the supporter's last revocation; consent that already held then is not
        recorded again, one from before the consent in force is. Given no
        time, it follows a revocation another writer dated ahead.
        """
        member = self._member(data, "member")
        others = [m for m in self.model.active() if m != member]
        if bool(others) and data.draw(st.integers(0, 7), label="someone else"):
            supporter = self._pick(data, others, "supporter")
        else:
            supporter = self._member(data, "supporter")
        if when == BY_DEFAULT:  # mostly after a revocation another writer dated ahead
            member, supporter = self._aim_ahead(data, (member, supporter), ended=True)
        record = self.model.members[member]
        supporters = record.supporters
        floor = record.consent_floor(supporter)
        at, since = self._consent_time(when, floor)
        self._step(f"authorise_supporter({member}, {supporter}, at={since}, {when=})")

        def command() -> None:
            self.ledger.authorise_supporter(member, supporter, occurred_at=at)

        if member == supporter:
            self._refused([errors.InvalidInputError], command)
            return
        # Consent already on record at that time is not recorded twice.
        held = supporter in supporters and record.consented(supporter, since)
        if not held and floor is not None and since < floor:
            self._refused([errors.TimeOrderError], command, "late consent")
            return
        before = self.ledger.position
        self._accept(command, writes=not held)
        if not held:
            since = self._recorded_at(before) if at is None else since
            assert floor is None or since >= floor
            record.consents.append((supporter, since, None))
            self._late("consent", since, floor)
            if supporter in supporters:
                event("consent dated before the consent in force")
            if at is None and floor is not None and floor > self.clock:
                event("consent at the default time after a revocation dated ahead")
        supporters.add(supporter)
        event("supporter authorised")

    @rule(data=st.data(), when=CONSENT_WHEN)
    def revoke_supporter(self, data: st.DataObject, when: timedelta | str) -> None:
        """A member withdraws a supporter's authority; none given, nothing recorded.

        Entered late, it may not come before the consent it ends, nor at or
        before a comment or ballot already made through the supporter; given
        no time, it follows a consent (or act) another writer dated ahead.
        """
        member = self._member(data, "member")
        supporters = self.model.members[member].supporters
        given = [m for m in self.model.members if m in supporters]
        if bool(given) and data.draw(st.integers(0, 3), label="an authorised one"):
            supporter = self._pick(data, given, "supporter")
        else:
            supporter = self._pick(data, list(self.model.members), "supporter")
        if when == BY_DEFAULT:  # mostly after a consent another writer dated ahead
            member, supporter = self._aim_ahead(data, (member, supporter), ended=False)
        elif data.draw(st.booleans(), label="after an act through them"):
            member, supporter = self._aim_acted(data, (member, supporter))
            if data.draw(st.booleans(), label="an act first"):
                self._act_first(data, member, supporter)
        record = self.model.members[member]
        supporters = record.supporters
        floor = record.revocation_floor(supporter)
        at, until = self._consent_time(when, floor)
        self._step(f"revoke_supporter({member}, {supporter}, at={until}, {when=})")

        def command() -> None:
            self.ledger.revoke_supporter(member, supporter, occurred_at=at)

        if supporter in supporters and floor is not None and until < floor:
            acted = record.acted.get(supporter)
            if acted is not None and until <= acted:
                event("revocation at or before an act through the supporter refused")
            self._refused([errors.TimeOrderError], command, "late revocation")
            return
        before = self.ledger.position
        self._accept(command, writes=supporter in supporters)
        if supporter in supporters:
            until = self._recorded_at(before) if at is None else until
            assert floor is None or until >= floor
            event("supporter revoked")
            if at is None and floor is not None and floor > self.clock:
                event("revocation at the default time after a consent dated ahead")
            self._late("revocation", until, floor)
            record.consents = [
                (who, since, until if who == supporter and end is None else end)
                for who, since, end in record.consents
            ]
        supporters.discard(supporter)

    @precondition(lambda self: len(self.model.active()) > 2)
    @rule(data=st.data(), when=NOW_OR_EARLIER)
    def erase_member(self, data: st.DataObject, when: timedelta) -> None:
        """Erasure shreds a member's personal data; they can no longer act or vote.

        Half the time it is someone with a vote open to them. Erasure is not
        ordered against anything: it ends their seats at its date.
        """
        voting = [
            m
            for m in self.model.active()
            if any(m in self.model.proposals[p].electorate for p in self._open_votes())
        ]
        if bool(voting) and data.draw(st.booleans(), label="a voter"):
            member = self._pick(data, voting, "member")
        else:
            member = self._member(data, "member")
        self._erase(member, self._member(data, "by"), self.at(when))

    def _erase(self, member: UUID, by: UUID, at: datetime) -> None:
        self._step(f"erase_member({member}, {by=}, at={at.isoformat()})")
        self._accept(lambda: self.ledger.erase_member(member, by=by, occurred_at=at))
        gone = self.model.members[member]
        self.model.members[member] = MemberModel(
            role=gone.role, erased=True, erased_at=at.astimezone(UTC), roles=gone.roles
        )
        event("member erased")
        if gone.keys_gone:
            event("erasure run again after its write failed")
        if any(
            p.status == "voting" and member in p.electorate
            for p in self.model.proposals.values()
        ):
            event("voter erased while their vote is open")
        if any(
            a.member == member and a.status == "requested"
            for a in self.model.adjustments.values()
        ):
            event("member erased with a request open")

    # Bodies and seats ----------------------------------------------------------------

    @precondition(lambda self: len(self.model.bodies) < MAX_BODIES)
    @rule(
        data=st.data(),
        name=st.sampled_from(NAMES),
        kind=st.sampled_from(BODY_KINDS),
        model_rule=rule_models(),
    )
    def establish_body(
        self, data: st.DataObject, name: str, kind: str, model_rule: RuleModel
    ) -> None:
        """A body is set up with a decision rule; a stray threshold is refused."""
        by = self._member(data, "by")
        self._step(f"establish_body({name!r}, {kind=}, {model_rule})")

        def command() -> UUID:
            return self.ledger.establish_body(
                f"{name} group",
                kind=kind,
                rule=model_rule.build(),
                by=by,
                occurred_at=self.at(),
            )

        if model_rule.stray:
            self._refused([errors.InvalidRuleError], command, "stray threshold")
            return
        body = self._accept(command)
        self.model.bodies[body] = BodyModel(model_rule, self.clock)

    @precondition(lambda self: len(self.model.bodies) < MAX_BODIES)
    @rule(
        data=st.data(),
        model_rule=rule_models(strays=False),
        label=st.none() | st.sampled_from(LABELS),
        stored=st.integers(0, 3),
    )
    def in_a_batch(
        self, data: st.DataObject, model_rule: RuleModel, label: str | None, stored: int
    ) -> None:
        """A batch sets up a body with a voting seat (and a project, a seat elsewhere).

        Reports read only what is stored: inside the batch a report on a body
        or project it created is refused (WrongStateError), without failing
        the batch, and the ledger's and an earlier body's read as before it.
        A batch left by an error stores nothing.
        """
        by = self._member(data, "by")
        member = self._member(data, "member")
        earlier = self._pick(data, list(self.model.bodies), "an earlier body")
        unseated = [
            m for m in self.model.active() if m not in self.model.bodies[earlier].seats
        ]
        observer = self._pick(data, unseated, "observer") if unseated else None
        at = self.at()
        self._step(f"in_a_batch({model_rule}, {label=}, {observer=}, {stored=})")
        reports = {
            scope: comparable(self.ledger.power_sharing(body=scope))
            for scope in (None, earlier)
        }
        position = self.ledger.position
        leaving: contextlib.AbstractContextManager[object] = (
            contextlib.nullcontext() if stored else pytest.raises(_AbandonedError)
        )
        with leaving, self.ledger.batch():
            body = self.ledger.establish_body(
                "Batch group",
                kind="working_group",
                rule=model_rule.build(),
                by=by,
                occurred_at=at,
            )
            self.ledger.assign_seat(body, member, by=by, occurred_at=at)
            if observer is not None:
                self.ledger.assign_seat(
                    earlier, observer, seat="observer", by=by, occurred_at=at
                )
            project = None
            if label is not None:
                project = self.ledger.start_project(
                    "Batch work", label=label, by=by, occurred_at=at
                )
                self._refused(
                    [errors.WrongStateError],
                    lambda: self.ledger.power_sharing(project=project),
                    "report on a project in the open batch",
                )
            self._refused(
                [errors.WrongStateError],
                lambda: self.ledger.power_sharing(body=body),
                "report on a body in the open batch",
            )
            for scope, report in reports.items():
                assert comparable(self.ledger.power_sharing(body=scope)) == report
            if not stored:
                raise _AbandonedError
        if not stored:
            assert self.ledger.position == position, "an abandoned batch stored events"
            event("batch abandoned")
            return
        assert self.ledger.position > position
        instant = at.astimezone(UTC)
        record = self.model.bodies[body] = BodyModel(model_rule, instant)
        record.seats[member] = ("voting", None)
        record.seat_changed_at(member, "voting", None, instant)
        record.spells.append(SeatSpell(member, "voting", None, instant))
        if observer is not None:
            record = self.model.bodies[earlier]
            record.seats[observer] = ("observer", None)
            record.seat_changed_at(observer, "observer", None, instant)
            record.spells.append(SeatSpell(observer, "observer", None, instant))
        if project is not None and label is not None:
            self.model.projects[project] = ProjectModel(
                "Batch work", instant, [(instant, label)]
            )
            self.model.steps.append((project, "Project.Started", instant, None))
        event("batch stored")

    @precondition(lambda self: bool(self.model.bodies))
    @rule(data=st.data(), model_rule=rule_models(), when=NOW_EARLIER_OR_AN_EDGE)
    def change_rule(
        self, data: st.DataObject, model_rule: RuleModel, when: timedelta | str
    ) -> None:
        """A body adopts a new rule; votes already open keep theirs.

        Entered late, it comes no earlier than its rule or the latest vote opened.
        """
        body = self._pick(data, list(self.model.bodies), "body")
        by = self._member(data, "by")
        record = self.model.bodies[body]
        at = self._by_floor(when, record.rule_floor)
        instant = at.astimezone(UTC)
        self._step(f"change_rule({body}, {model_rule}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.change_rule(body, model_rule.build(), by=by, occurred_at=at)

        why: Refusals = [errors.InvalidRuleError] if model_rule.stray else []
        if instant < record.rule_floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "rule change")
            return
        unchanged = model_rule.build() == record.rule.build()
        self._accept(command, writes=not unchanged)
        self._late("rule change", instant, record.rule_floor)
        if unchanged:
            event("rule change to the rule in force, recording nothing")
            return
        record.rule = model_rule
        record.rule_since = instant

    @precondition(lambda self: bool(self.model.bodies))
    @rule(
        data=st.data(),
        seat=st.sampled_from(SEATS),
        office=st.sampled_from(OFFICES),
        when=NOW_EARLIER_OR_AN_EDGE,
    )
    def assign_seat(
        self,
        data: st.DataObject,
        seat: str,
        office: str | None,
        when: timedelta | str,
    ) -> None:
        """One seat per member per body, and one holder per office except co-chair.

        Entered late, it comes no earlier than the body, the member's or the
        office's last change there and, for a voting seat, the latest vote.
        """
        body = self._pick(data, list(self.model.bodies), "body")
        seats = self.model.bodies[body].seats
        # Mostly someone without a seat there, so that electorates grow again.
        unseated = [m for m in self.model.active() if m not in seats]
        if bool(unseated) and data.draw(st.integers(0, 3), label="unseated"):
            member = self._pick(data, unseated, "member")
        else:
            member = self._member(data, "member")
        by = self._member(data, "by")
        record = self.model.bodies[body]
        floor = record.seat_floor(member, seat, office)
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(
            f"assign_seat({body}, {member}, {seat=}, {office=}, at={at.isoformat()})"
        )

        def command() -> None:
            self.ledger.assign_seat(
                body, member, seat=seat, office=office, by=by, occurred_at=at
            )

        why: Refusals = []
        if member in seats:
            why.append(errors.SeatAlreadyHeldError)
        if office not in {None, *SHARED_OFFICES} and any(
            held == office for _, held in seats.values()
        ):
            why.append(errors.OfficeTakenError)
        if instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "seat")
            return
        self._accept(command)
        self._late("seat", instant, floor)
        seats[member] = (seat, office)
        record.seat_changed_at(member, seat, office, instant)
        record.spells.append(SeatSpell(member, seat, office, instant))

    @precondition(lambda self: bool(self.model.bodies))
    @rule(data=st.data(), when=NOW_EARLIER_OR_AN_EDGE)
    def vacate_seat(self, data: st.DataObject, when: timedelta | str) -> None:
        """A seat holder leaves the body; someone without a seat cannot.

        Entered late, it is ordered as an assignment is.
        """
        body = self._pick(data, list(self.model.bodies), "body")
        seats = self.model.bodies[body].seats
        holders = list(seats)
        if bool(holders) and data.draw(st.booleans(), label="a holder"):
            member = self._pick(data, holders, "member")
        else:
            member = self._member(data, "member")
        by = self._member(data, "by")
        record = self.model.bodies[body]
        held = seats.get(member)
        floor = None if held is None else record.seat_floor(member, *held)
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(f"vacate_seat({body}, {member}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.vacate_seat(body, member, by=by, occurred_at=at)

        if member not in seats:
            self._refused([errors.NotASeatHolderError], command)
            return
        assert floor is not None
        if instant < floor:
            self._refused([errors.TimeOrderError], command, "vacancy")
            return
        self._accept(command)
        self._late("vacancy", instant, floor)
        record.seat_changed_at(member, *seats[member], instant)
        del seats[member]
        for spell in record.spells:
            if spell.member == member and spell.until is None:
                spell.until = instant

    # Proposals and comments ----------------------------------------------------------
    # Proposals and comments ----------------------------------------------------------

    @precondition(lambda self: bool(self.model.bodies))
    @rule(data=st.data(), when=NOW_OR_EARLIER)
    def raise_proposal(self, data: st.DataObject, when: timedelta) -> None:
        """One or more members put a proposal to a body (mostly one with voters).

        Raising is not ordered against the body: one entered late may even
        come before it was set up in the ledger.
        """
        voting = self._bodies_with_voters()
        if bool(voting) and data.draw(st.integers(0, 3), label="a body with voters"):
            body = self._pick(data, voting, "body")
        else:
            body = self._pick(data, list(self.model.bodies), "body")
        self._raise(data, body, when)

    def _bodies_with_voters(self) -> list[UUID]:
        return [b for b in self.model.bodies if self.model.electorate(b)]

    def _raise(
        self, data: st.DataObject, body: UUID, when: timedelta = timedelta(0)
    ) -> UUID:
        proposers = data.draw(
            st.lists(st.sampled_from(self.model.active()), min_size=1, max_size=3),
            label="proposers",
        )
        at = self.at(when)
        self._step(f"raise_proposal({body}, {proposers=}, at={at.isoformat()})")
        proposal = self._accept(
            lambda: self.ledger.raise_proposal(
                body,
                proposers=proposers,
                title="Easy-read papers",
                text="Let us try them.",
                occurred_at=at,
            )
        )
        self.model.proposals[proposal] = ProposalModel(body, at.astimezone(UTC))
        return proposal

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        channel=st.sampled_from(CHANNELS),
        source_ref=st.none() | st.sampled_from(SOURCE_REFS),
        text=st.sampled_from(("I would like this in BSL.", "Kann ich helfen?", "Ja")),
        when=NOW_OR_EARLIER,
    )
    def comment(
        self,
        data: st.DataObject,
        channel: str,
        source_ref: str | None,
        text: str,
        when: timedelta,
    ) -> None:
        """Members comment on open proposals, perhaps through a supporter.

        Entered late, a comment comes no earlier than the proposal's raising,
        and its supporter needed the member's consent at its date.
        """
        proposal = self._proposal(data)
        author = self._member(data, "author")
        supporter = self._supporter(data, author)
        at = self.at(when)
        instant = at.astimezone(UTC)
        self._step(
            f"comment({proposal}, {author=}, {supporter=}, {source_ref=}, "
            f"at={at.isoformat()})"
        )

        def command() -> UUID:
            return self.ledger.comment(
                proposal,
                author=author,
                text=text,
                channel=channel,
                supporter=supporter,
                source_ref=source_ref,
                occurred_at=at,
            )

        why: Refusals = self.model.gone(supporter)
        record = self.model.proposals[proposal]
        if record.closed or record.status == "closed":  # or its vote has closed
            why.append(errors.ProposalClosedError)
        if supporter is not None and not self.model.members[author].consented(
            supporter, instant
        ):
            why.append(errors.SupporterNotAuthorisedError)
            if supporter in self.model.members[author].supporters:
                event("comment dated before its supporter's consent")
        if source_ref in self.model.source_refs:
            why.append(errors.DuplicateSourceRefError)
        if instant < record.raised_at:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "comment")
            return
        comment_id = self._accept(command)
        self._late("comment", instant, record.raised_at)
        record.comments[comment_id] = (author, text)
        self.model.members[author].act(supporter, instant)
        record.comment_at[comment_id] = instant
        if supporter is not None:
            event("comment through a supporter")
        if source_ref is not None:
            self.model.source_refs[source_ref] = comment_id

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        reason=st.none() | st.just("overtaken by events"),
        when=NOW_OR_AN_EDGE,
    )
    def withdraw_proposal(
        self, data: st.DataObject, reason: str | None, when: timedelta | str
    ) -> None:
        """A proposal can be withdrawn until it is decided, its vote open or not."""
        proposal = self._aim(data, self._open_votes())
        at = self._dated(self.model.proposals[proposal], when)
        self._withdraw(proposal, self._member(data, "by"), at, reason)

    # Adjustments -------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        code=st.sampled_from(ADJUSTMENT_CODES),
        needed_before=st.sampled_from(NEEDED_BEFORE),
        when=NOW_EARLIER_OR_AN_EDGE,
        needed_by=st.sampled_from(NEEDED_BY),
    )
    def request_adjustment(
        self,
        data: st.DataObject,
        code: str,
        needed_before: str,
        when: timedelta | str,
        needed_by: timedelta | None,
    ) -> None:
        """A member asks for an adjustment: standing, for a proposal or a meeting.

        Entered late, one for a proposal comes no earlier than its raising,
        nor, if needed before the vote, than the vote's opening when its
        member could vote in it; one for a meeting needed before the vote, no
        earlier than the latest opening of a vote on a proposal raised at it
        that its member could vote in, and any for a meeting no later than its
        start, when it is due, unless it names a later ``needed_by`` (a
        deadline, which may not precede the request; for a standing request,
        the day it holds from).
        """
        standing = not data.draw(st.integers(0, 3), label="for a proposal")
        if not standing and self.model.meetings and data.draw(st.booleans()):
            meeting = self._meeting_to_ask(data)
            asker = self._asker(data, meeting=meeting)
            floor = self._meeting_floor(meeting, needed_before, asker)
            at = self._by_floor(when, floor)
            starts = self.model.meetings[meeting].starts_at
            if at > starts and data.draw(st.booleans(), label="by its start"):
                at = starts.astimezone(LONDON)  # mostly asked in time to be due
            self._request_adjustment(
                asker,
                code,
                None,
                needed_before,
                at,
                meeting=meeting,
                needed_by=needed_by,
            )
            return
        proposal = None if standing else self._aim(data, self._to_open())
        # Mostly a voter in the proposal's body: their needs gate its vote.
        voters = [] if proposal is None else self._voters(proposal)
        if bool(voters) and data.draw(st.integers(0, 3), label="a voter"):
            member = self._pick(data, voters, "member")
        else:
            member = self._member(data, "member")
        floor = None
        if proposal is not None:
            record = self.model.proposals[proposal]
            floor = self._request_floor(record, needed_before, member)
        at = self._by_floor(when, floor)
        self._request_adjustment(
            member, code, proposal, needed_before, at, needed_by=needed_by
        )

    def _meeting_to_ask(self, data: st.DataObject) -> UUID:
        """Mostly a meeting where a proposal waits for its vote; else any."""
        waiting = list(
            dict.fromkeys(
                m for i in self._to_open() if (m := self.model.proposals[i].meeting)
            )
        )
        if bool(waiting) and data.draw(st.integers(0, 3), label="a vote waits"):
            return self._pick(data, waiting, "meeting")
        return self._pick(data, list(self.model.meetings), "meeting")

    def _asker(self, data: st.DataObject, *, meeting: UUID) -> UUID:
        """Mostly a voter of the meeting's body: their needs gate votes raised there."""
        body = self.model.meetings[meeting].body
        voters = [m for m in self.model.active() if m in self.model.electorate(body)]
        if bool(voters) and data.draw(st.integers(0, 3), label="a voter"):
            return self._pick(data, voters, "member")
        return self._member(data, "member")

    def _meeting_floor(
        self, meeting: UUID, needed_before: str, member: UUID
    ) -> datetime | None:
        """For a need before the vote, the latest vote raised there it would hold.

        A vote on one raised there that *member* could vote in: a need of
        someone outside its electorate held it up no more than it waited.
        """
        if needed_before not in NEEDED_BEFORE_THE_VOTE:
            return None
        return self.model.vote_opened_at(meeting, member)

    @staticmethod
    def _request_floor(
        record: ProposalModel, needed_before: str, member: UUID
    ) -> datetime:
        """The raising, and for a voter's need before the vote, the vote's opening."""
        if (
            needed_before in NEEDED_BEFORE_THE_VOTE
            and record.opened_at
            and member in record.electorate
        ):
            return max(record.raised_at, record.opened_at)
        return record.raised_at

    def _meeting_request_refused(
        self,
        meeting: UUID,
        needed_before: str,
        member: UUID,
        instant: datetime,
        *,
        due: datetime | None,
        command: Callable[[], object],
    ) -> bool:
        """Refuse a request for *meeting* as the model expects; whether it did.

        Due at the meeting's start (unless needed by later), it is asked no
        later; a need before the vote no earlier than a vote it would hold up;
        none once the meeting is called off.
        """
        floor = self._meeting_floor(meeting, needed_before, member)
        starts = self.model.meetings[meeting].starts_at
        late = instant > starts and due is None
        why = self._called_off(meeting)
        if (floor is not None and instant < floor) or late:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "meeting request")
            return True
        self._late("meeting request", instant, floor)
        return False

    def _request_adjustment(
        self,
        member: UUID,
        code: str,
        proposal: UUID | None,
        needed_before: str,
        at: datetime | None = None,
        *,
        meeting: UUID | None = None,
        needed_by: timedelta | None = None,
    ) -> None:
        at = at or self.at()
        instant = at.astimezone(UTC)
        due = None if needed_by is None else instant + needed_by
        self._step(
            f"request_adjustment({member}, {code=}, {proposal=}, {meeting=}, "
            f"{needed_before=}, at={at.isoformat()}, needed_by={due})"
        )

        def command() -> UUID:
            return self.ledger.request_adjustment(
                member,
                code=code,
                proposal=proposal,
                meeting=meeting,
                needed_before=needed_before,
                needed_by=due,
                occurred_at=at,
            )

        if (proposal or meeting) and due is not None and due < instant:
            # A deadline before the request: late whenever it was met.
            self._refused(
                [errors.TimeOrderError, *self._called_off(meeting)],
                command,
                "request due before",
            )
            return
        if meeting is not None and self._meeting_request_refused(
            meeting, needed_before, member, instant, due=due, command=command
        ):
            return

        if proposal is not None:
            # A need before feedback may be asked until no feedback can follow.
            record = self.model.proposals[proposal]
            past = (
                record.status == "withdrawn"
                if needed_before == "feedback"
                else record.closed
            )
            why: Refusals = [errors.ProposalClosedError] if past else []
            floor = self._request_floor(record, needed_before, member)
            if instant < floor:
                why.append(errors.TimeOrderError)
            if why:
                self._refused(why, command, "request")
                return
            self._late("request", instant, floor)
        adjustment = self._accept(command)
        self.model.adjustments[adjustment] = AdjustmentModel(
            member,
            proposal,
            needed_before,
            code,
            instant,
            meeting=meeting,
            needed_by=due,
        )
        if meeting is not None:
            self.model.meetings[meeting].adjustments.append(adjustment)
            self._project_log(meeting, "Meeting.AdjustmentLinked", instant)
            event(
                "requested for a meeting"
                + " where a vote waits"
                * any(
                    self.model.proposals[i].meeting == meeting for i in self._to_open()
                )
            )
        if proposal is not None:
            self.model.proposals[proposal].adjustments.add(adjustment)

    @precondition(lambda self: bool(self.model.adjustments))
    @rule(
        data=st.data(),
        outcome=st.sampled_from(("provided", "partly", "declined", "withdrawn")),
        when=NOW_EARLIER_OR_AN_EDGE,
    )
    def resolve_adjustment(
        self, data: st.DataObject, outcome: str, when: timedelta | str
    ) -> None:
        """An open request is answered once; a standing one withdrawn after, too.

        Entered late, an answer comes no earlier than the request, nor than a
        vote that opened while it was unanswered (a need before that vote, of
        a member who could vote in it);
        a standing request's withdrawal, no earlier than its answer.
        """
        requested = [
            i for i, a in self.model.adjustments.items() if a.status == "requested"
        ]
        if bool(requested) and data.draw(st.integers(0, 3), label="an open one"):
            adjustment = self._pick(data, requested, "adjustment")
        else:
            adjustment = self._pick(data, list(self.model.adjustments), "adjustment")
        by = self._member(data, "by")
        reason = data.draw(st.sampled_from(DECLINE_REASONS), label="reason")
        # An alternative is offered with some declines, and must be named with one.
        alternative = data.draw(
            st.none() | st.sampled_from(ADJUSTMENT_CODES), label="alternative"
        )
        # A request is withdrawn by the member, or on their behalf by someone else.
        on_behalf = data.draw(st.booleans(), label="withdrawn on their behalf")
        self._step(f"resolve_adjustment({adjustment}, {outcome}, {by=}, {on_behalf=})")
        record = self.model.adjustments[adjustment]
        floor = self._answer_floor(record)
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        note(f"  dated {at.isoformat()}")

        def command() -> None:
            if outcome in {"provided", "partly"}:
                self.ledger.provide_adjustment(
                    adjustment, by=by, partial=outcome == "partly", occurred_at=at
                )
            elif outcome == "declined":
                self.ledger.decline_adjustment(
                    adjustment,
                    by=by,
                    reason=reason,
                    alternative=alternative,
                    occurred_at=at,
                )
            else:
                self.ledger.withdraw_adjustment(
                    adjustment, by=by if on_behalf else None, occurred_at=at
                )

        if (
            outcome == "declined"
            and reason == "alternative_offered"
            and not alternative
        ):
            # Bad input, whatever the state of the record.
            self._refused(
                [errors.InvalidInputError], command, "decline, no alternative"
            )
            return
        why = self._answer_refusals(record, outcome, alternative)
        if instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "answer")
            return
        self._accept(command)
        self._late("answer", instant, floor)
        record.status = "withdrawn" if outcome == "withdrawn" else "resolved"
        record.resolved_at = instant
        if outcome == "withdrawn":
            record.withdrawn_at = instant
        else:
            self._answered(record, outcome, instant, reason, alternative)

    def _answer_refusals(
        self, record: AdjustmentModel, outcome: str, alternative: str | None
    ) -> Refusals:
        """Why answering or withdrawing *record* is refused, its time aside."""
        why: Refusals = []
        # A standing request holds until withdrawn, so it may be after its answer.
        rewithdrawn = (
            outcome == "withdrawn"
            and record.proposal is None
            and record.meeting is None
        )
        if record.status != "requested" and not (
            rewithdrawn and record.status == "resolved"
        ):
            why.append(errors.AlreadyResolvedError)
        why += self.model.gone(record.member)  # an erased member's requests are closed
        if (
            outcome == "declined"
            and alternative
            and self.model.members[record.member].keys_gone
        ):
            # The alternative is sealed beside the need, under the member's key.
            why.append(errors.MasterKeyError)
        return why

    @staticmethod
    def _answered(
        record: AdjustmentModel,
        outcome: str,
        at: datetime,
        reason: str,
        alternative: str | None,
    ) -> None:
        """Note *record*'s answer: provided (perhaps in part) or declined, and why."""
        record.answer = "declined" if outcome == "declined" else "provided"
        record.answered_at = at
        record.partial = outcome == "partly"
        if outcome == "declined":
            record.decline_reason, record.alternative = reason, alternative

    def _answer_floor(self, record: AdjustmentModel) -> datetime:
        """The earliest business time *record* may be answered (or withdrawn)."""
        if record.status == "resolved":  # a standing request's answer
            assert record.resolved_at is not None
            return record.resolved_at
        floor = record.requested_at
        if record.needed_before in NEEDED_BEFORE_THE_VOTE:
            # Only a vote its member could vote in waited for it (or opened
            # over it): one they had no vote in read nothing of it.
            opened = None
            if record.proposal is not None:
                held = self.model.proposals[record.proposal]
                if record.member in held.electorate:
                    opened = held.opened_at
            elif record.meeting is not None:
                opened = self.model.vote_opened_at(record.meeting, record.member)
            if opened is not None and opened >= floor:
                floor = opened  # the vote opened while it was unanswered
        return floor

    # Voting and decisions ----------------------------------------------------------

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        override=st.none() | st.sampled_from(OVERRIDES),
        advisory=st.booleans(),
        when=NOW_EARLIER_OR_AN_EDGE | st.just("just before an answer"),
    )
    def open_voting(
        self,
        data: st.DataObject,
        override: str | None,
        advisory: bool,
        when: timedelta | str,
    ) -> None:
        """Voting opens with the voting seats as electorate, access needs met first.

        Entered late, it comes no earlier than the proposal's raising, the
        body's rule or the last change of its voting seats, and it meets the
        requests as they stood at its date: asked by then, not answered then.
        """
        proposal = self._aim(
            data,
            self._to_open(answered=True),
            self._to_open(unmet=True),
            self._to_open(),
        )
        by = self._member(data, "by")
        record = self.model.proposals[proposal]
        if when == "just before an answer":
            answers = self._answers(proposal)
            floor = self._pick(data, answers, "answer") if answers else None
        else:
            floor = self._opening_floor(record)
        self._open_voting(proposal, by, override, advisory, self._by_floor(when, floor))

    def _opening_floor(self, record: ProposalModel) -> datetime:
        """Its last step, its body's rule, the last change of the voting seats.

        And the cancellation of the meeting it was raised at, if called off.
        """
        body = self.model.bodies[record.body]
        assert record.last_step is not None
        meeting = record.meeting
        cancelled = meeting and self.model.meetings[meeting].cancelled_at
        return max(
            record.last_step,
            body.rule_since,
            body.voting_changed or body.rule_since,
            cancelled or record.last_step,
        )

    def _answers(self, proposal: UUID) -> list[datetime]:
        """When the needs before its vote (its own, its meeting's) were last settled."""
        return [
            a.resolved_at
            for a in self.model.adjustments.values()
            if self.model.for_proposal(a, proposal)
            and a.needed_before in NEEDED_BEFORE_THE_VOTE
            and a.resolved_at is not None
        ]

    @precondition(lambda self: any(p.opened_at for p in self.model.proposals.values()))
    @rule(data=st.data(), choice=st.sampled_from(CHOICES), when=NOW_OR_AN_EDGE)
    def cast_ballot(
        self, data: st.DataObject, choice: str, when: timedelta | str
    ) -> None:
        """Only the electorate fixed at opening votes, and only while voting is open."""
        proposal = self._aim(data, self._open_votes(), self._ended_votes())
        voter = self._voter(data, proposal)
        at = self._dated(self.model.proposals[proposal], when)
        self._cast_ballot(proposal, voter, choice, self._supporter(data, voter), at)

    @precondition(lambda self: bool(self.model.in_state("voting")))
    @rule(data=st.data(), other_way=st.integers(0, 7), when=NOW_OR_AN_EDGE)
    def close_voting(
        self, data: st.DataObject, other_way: int, when: timedelta | str
    ) -> None:
        """Closing a vote applies the rule fixed at opening: a decision, or a poll.

        Now and then it is closed the other way (advisory or binding) from
        the way it was opened.
        """
        proposal = self._aim(
            data, self._open_votes(with_ballots=True), self._open_votes()
        )
        record = self.model.proposals[proposal]
        advisory = record.advisory == bool(other_way)
        at = self._dated(record, when)
        self._close_voting(proposal, self._member(data, "by"), at, advisory)

    @precondition(lambda self: bool(self.model.votable() or self._bodies_with_voters()))
    @rule(data=st.data())
    def hold_a_vote(self, data: st.DataObject) -> None:
        """Take a proposal along its vote: open it, cast ballots, maybe close.

        The proposal is one held up by an unmet need, or waiting for its vote,
        or being voted on, or one raised now if there is none (or now and then
        anyway).
        """
        votable, bodies = self.model.votable(), self._bodies_with_voters()
        held_up = self._to_open(unmet=True)
        if bool(held_up) and data.draw(st.booleans(), label="one held up"):
            proposal = self._pick(data, held_up, "proposal")
        elif bool(votable) and (
            not bodies or data.draw(st.integers(0, 3), label="one waiting")
        ):
            proposal = self._pick(data, votable, "proposal")
        else:
            proposal = self._raise(data, self._pick(data, bodies, "body"))
        self._take_along(data, proposal)

    def _take_along(self, data: st.DataObject, proposal: UUID) -> None:
        """Open the vote on *proposal* if need be, cast ballots, maybe close it.

        Time may pass before each ballot and before the close, so that a
        vote's ballots, and the steps entered late around them, fall at
        different times; the close itself may be dated by one of them.
        """
        record = self.model.proposals[proposal]
        by = self._member(data, "by")
        if record.status == "raised":
            override = data.draw(
                st.none() | st.sampled_from(OVERRIDES), label="override"
            )
            advisory = not data.draw(st.integers(0, 3), label="binding")
            self._open_voting(proposal, by, override, advisory)
        ballots = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from(("for", *CHOICES)), st.sampled_from(BALLOT_GAPS)
                ),
                min_size=1,
                max_size=5,
            ),
            label="ballots",
        )
        electorate = [m for m in self.model.active() if m in record.electorate]
        for choice, gap in ballots if electorate else []:
            self._time_passes(gap)
            voter = self._pick(data, electorate, "voter")
            supporter = self._supporter(data, voter)
            self._cast_ballot(proposal, voter, choice, supporter, self.at())
        if data.draw(st.integers(0, 3), label="close"):
            self._time_passes(data.draw(st.sampled_from(BALLOT_GAPS), label="after"))
            at = self._dated(record, data.draw(NOW_OR_AN_EDGE, label="dated"))
            self._close_voting(proposal, by, at, record.advisory)

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        step=st.sampled_from(("ballot", "close", "withdraw", "decide")),
        when=st.sampled_from((*BACKDATING, *LATE_EDGES)),
    )
    def enter_late(self, data: st.DataObject, step: str, when: timedelta | str) -> None:
        """A step entered late from the minutes, dated before the clock.

        A ballot may not come before the proposal's last step (its raising or
        the opening of its vote); a close, a withdrawal or a decision not before
        that or the latest ballot either. Otherwise it is taken as dated. Most
        are aimed where they can go either way: at a vote, around its times.
        """
        votes = self._open_votes()
        proposal = self._aim(
            data,
            *{
                "ballot": [votes],
                "close": [self._open_votes(with_ballots=True), votes],
                "withdraw": [self._open_votes(with_ballots=True), votes],
                "decide": [self._after_vote()],
            }[step],
        )
        by = self._member(data, "by")
        record = self.model.proposals[proposal]
        at = self._dated(record, when)
        if step == "ballot":
            voter = self._voter(data, proposal)
            choice = data.draw(st.sampled_from(CHOICES), label="choice")
            self._cast_ballot(proposal, voter, choice, None, at)
        elif step == "close":
            self._close_voting(proposal, by, at, record.advisory)
        elif step == "withdraw":
            self._withdraw(proposal, by, at)
        else:
            self._decide(
                proposal, by, at, outcome="adopted", method="chair", decided_by=None
            )

    def _dated(self, record: ProposalModel, edge: timedelta | str) -> datetime:
        """The time of *record* that *edge* names (or the clock), as London reads it.

        A timedelta is how long before the clock.
        """
        if isinstance(edge, timedelta):
            return self.at(edge)
        opened, ballot = record.opened_at, record.last_ballot
        if edge == "between the opening and the latest ballot":
            at = opened + (ballot - opened) / 2 if opened and ballot else None
        else:
            named = edge.removeprefix("just before ").removeprefix("at ")
            at = {
                "the opening": opened,
                "the latest ballot": ballot,
                "the last step": record.last_step,
            }[named]
            if at is not None and edge.startswith("just before"):
                at -= timedelta(microseconds=1)
        return self.at(self.clock - (at or self.clock))

    def _raise_at_papers_first(self, data: st.DataObject) -> None:
        """Mostly, with none undecided raised at a meeting with papers, one now.

        Such proposals are rare where V6 looks for their decisions.
        """
        meetings = [
            i
            for i, m in self.model.meetings.items()
            if m.papers and m.cancelled_at is None
        ]
        if self._papered() or not meetings:
            return
        if not data.draw(st.integers(0, 3), label="raise at a meeting with papers"):
            return
        meeting = self._pick(data, meetings, "meeting")
        body = self.model.meetings[meeting].body
        proposer = self._member(data, "proposer")
        self._step(f"raise_proposal({body}, proposers=[{proposer}], {meeting=})")
        proposal = self._accept(
            lambda: self.ledger.raise_proposal(
                body,
                proposers=[proposer],
                title="Easy-read papers",
                text="Let us try them.",
                meeting=meeting,
                occurred_at=self.at(),
            )
        )
        self.model.proposals[proposal] = ProposalModel(
            body, self.clock, meeting=meeting
        )

    def _papered(self) -> list[UUID]:
        """Undecided proposals raised at a meeting whose papers went out."""
        return [
            i
            for i, p in self.model.proposals.items()
            if p.status in {"raised", "closed"}
            and p.meeting is not None
            and self.model.meetings[p.meeting].papers
        ]

    def _after_vote(self) -> list[UUID]:
        """Proposals that one more decision may settle: after one vote, or a poll."""
        return [
            i
            for i, p in self.model.proposals.items()
            if (len(p.decisions) == 1 and p.decisions[0].by_vote)
            or p.status == "closed"
        ]

    def _open_voting(
        self,
        proposal: UUID,
        by: UUID,
        override: str | None,
        advisory: bool,
        at: datetime | None = None,
    ) -> None:
        at = at or self.at()
        instant = at.astimezone(UTC)
        self._step(
            f"open_voting({proposal}, {by=}, access_override={override!r}, "
            f"{advisory=}, at={at.isoformat()})"
        )
        record = self.model.proposals[proposal]
        body = self.model.bodies[record.body]
        unmet = self.model.unmet_at(proposal, instant)

        def command() -> tuple[UUID, ...]:
            return self.ledger.open_voting(
                proposal,
                by=by,
                access_override=override,
                advisory=advisory,
                occurred_at=at,
            )

        why: Refusals = []
        if not self.model.electorate(record.body):
            why.append(errors.EmptyElectorateError)
        if unmet and override is None:
            why.append(errors.UnmetAdjustmentsError)
        if record.closed:
            why.append(errors.ProposalClosedError)
        if record.status in {"voting", "closed"} or record.undecided_vote:
            why.append(errors.VotingAlreadyOpenedError)
        floor = self._opening_floor(record)
        if instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "opening")
            return
        self._late("opening", instant, floor)
        if unmet != self.model.unmet(proposal):
            event("opening dated before an answer, or before a request")
        electorate = self._accept(command)
        assert set(electorate) == self.model.electorate(record.body)
        record.status = "voting"
        record.advisory = advisory
        record.electorate = self.model.electorate(record.body)
        record.rule = body.rule
        record.access_override = override if unmet else None
        record.unmet_at_opening = frozenset(unmet)
        record.last_step = record.opened_at = instant
        body.vote_opened = max(instant, body.vote_opened or instant)
        if record.meeting is not None and not self._called_off(record.meeting):
            self._project_log(
                record.meeting, "Meeting.VoteOpened", instant, record.project
            )
        event(
            ("advisory " if advisory else "")
            + "voting opened"
            + (" over unmet needs" if unmet else "")
        )

    def _cast_ballot(
        self,
        proposal: UUID,
        voter: UUID,
        choice: str,
        supporter: UUID | None,
        at: datetime,
    ) -> None:
        self._step(
            f"cast_ballot({proposal}, {voter=}, {choice=}, {supporter=}, "
            f"at={at.isoformat()})"
        )
        record = self.model.proposals[proposal]
        instant = at.astimezone(UTC)  # ZoneInfo times compare by the clock

        def command() -> None:
            self.ledger.cast_ballot(
                proposal,
                voter=voter,
                choice=choice,
                supporter=supporter,
                occurred_at=at,
            )

        why: Refusals = self.model.gone(voter, supporter)
        if record.status != "voting":
            why.append(errors.VotingNotOpenError)
        if voter not in record.electorate:
            why.append(errors.NotInElectorateError)
        if supporter is not None and not self.model.members[voter].consented(
            supporter, instant
        ):
            why.append(errors.SupporterNotAuthorisedError)
            if supporter in self.model.members[voter].supporters:
                event("ballot dated before its supporter's consent")
        assert record.last_step is not None
        if instant < record.last_step or record.replaces_a_later(voter, instant):
            why.append(errors.TimeOrderError)
        if why:
            ended = record.status != "voting" and record.rule is not None
            self._refused(why, command, "ballot after the close" if ended else "ballot")
            return
        replacing = voter in record.ballots
        self._accept(command)
        record.ballots[voter] = (choice, supporter)
        record.ballot_at[voter] = instant
        record.last_ballot = max(instant, record.last_ballot or instant)
        self.model.members[voter].act(supporter, instant)
        event("ballot replaced" if replacing else "ballot cast")
        if supporter is not None:
            event("ballot cast by a supporter")
        self._late("ballot", instant, record.last_step)
        if voter not in self.model.bodies[record.body].voting:
            event("ballot cast after leaving the voting seat")

    def _close_voting(
        self, proposal: UUID, by: UUID, at: datetime, advisory: bool
    ) -> None:
        self._step(f"close_voting({proposal}, {by=}, {advisory=}, at={at.isoformat()})")
        record = self.model.proposals[proposal]
        instant = at.astimezone(UTC)  # ZoneInfo times compare by the clock

        def command() -> Decision | Tally:
            if advisory:
                return self.ledger.close_advisory_vote(proposal, by=by, occurred_at=at)
            return self.ledger.close_voting(proposal, by=by, occurred_at=at)

        why: Refusals = []
        if record.status != "voting" or record.rule is None:
            why.append(errors.VotingNotOpenError)
        else:
            if record.advisory != advisory:
                why.append(errors.WrongStateError)  # closed the other way
            if instant < record.floor:
                why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "close" + self._between(record, instant))
            return
        self._late("close", instant, record.floor)
        assert record.rule is not None
        with_le = sum(
            1
            for v in record.ballots
            if self.model.members[v].lived_experience_at(instant)
        )
        choices = [choice for choice, _ in record.ballots.values()]
        outcome = record.rule.outcome(choices, len(record.electorate), with_le)
        invalid = record.rule.invalid(choices, len(record.electorate), with_le)
        shown = f"{outcome} ({invalid})" if invalid else outcome
        result = self._accept(command)
        if record.rule.lived_experience_quorum:
            record.lived_experience_participants = with_le
        record.last_step = max(instant, record.last_step or instant)
        if advisory:
            assert isinstance(result, Tally)
            assert dict(result.counts) == {c: choices.count(c) for c in CHOICES}
            record.status = "closed"
            event(f"advisory vote closed: would be {shown}")
            return
        assert isinstance(result, Decision)
        assert result.outcome == outcome
        record.status = "decided"
        record.decisions.append(
            DecisionModel(
                outcome,
                record.rule.method,
                frozenset(record.ballots),
                overrode_vote=False,
                by_vote=True,
                at=instant,
            )
        )
        event(f"vote closed: {record.rule.kind} {shown}")

    def _withdraw(
        self, proposal: UUID, by: UUID, at: datetime, reason: str | None = None
    ) -> None:
        self._step(
            f"withdraw_proposal({proposal}, {by=}, {reason=}, at={at.isoformat()})"
        )
        record = self.model.proposals[proposal]
        instant = at.astimezone(UTC)  # ZoneInfo times compare by the clock

        def command() -> None:
            self.ledger.withdraw_proposal(
                proposal, by=by, reason=reason, occurred_at=at
            )

        why: Refusals = []
        if record.closed:
            why.append(errors.ProposalClosedError)
        if instant < record.floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "withdrawal" + self._between(record, instant))
            return
        self._late("withdrawal", instant, record.floor)
        if record.status == "voting":
            event(
                "withdrawn during its vote" + (", ballots cast" * bool(record.ballots))
            )
        self._accept(command)
        record.status = "withdrawn"
        record.withdrawn_at = instant

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        outcome=st.sampled_from((*OUTCOMES, "not_valid")),
        method=st.sampled_from((*OTHER_METHODS, "vote")),
    )
    def decide(self, data: st.DataObject, outcome: str, method: str) -> None:
        """A decision by another route: once, or once more after a vote."""
        self._raise_at_papers_first(data)
        after_vote = self._after_vote()
        aim = bool(after_vote) and data.draw(st.integers(0, 3), label="after a vote")
        pool = after_vote if aim else list(self.model.proposals)
        # V6 reads decisions on proposals raised at a meeting whose papers went out.
        papered = self._papered()
        if not aim and bool(papered) and data.draw(st.booleans(), label="papered"):
            pool = papered
        proposal = self._pick(data, pool, "p")
        by = self._member(data, "by")
        members = self.model.active()
        decided_by = data.draw(
            st.none() | st.lists(st.sampled_from(members), min_size=1, max_size=3),
            label="decided_by",
        )
        self._decide(
            proposal,
            by,
            self.at(),
            outcome=outcome,
            method=method,
            decided_by=decided_by,
        )

    def _decide(
        self,
        proposal: UUID,
        by: UUID,
        at: datetime,
        *,
        outcome: str,
        method: str,
        decided_by: list[UUID] | None,
    ) -> None:
        self._step(
            f"decide({proposal}, {outcome=}, {method=}, {decided_by=}, "
            f"at={at.isoformat()})"
        )
        record = self.model.proposals[proposal]
        instant = at.astimezone(UTC)  # ZoneInfo times compare by the clock
        earlier = record.decisions

        def command() -> object:
            return self.ledger.decide(
                proposal,
                outcome=outcome,
                method=method,
                by=by,
                decided_by=decided_by,
                occurred_at=at,
            )

        why: Refusals = []
        if outcome == "not_valid":
            why.append(errors.UnknownCodeError)
        if record.status == "voting" or method == "vote":
            why.append(errors.WrongStateError)
        after_one_vote = len(earlier) == 1 and earlier[0].by_vote
        if record.status == "withdrawn" or (
            record.status == "decided" and not after_one_vote
        ):
            why.append(errors.ProposalClosedError)
        elif (
            after_one_vote
            and outcome == "deferred"
            and earlier[0].outcome != "not_valid"
        ):
            why.append(errors.WrongStateError)  # it would settle nothing
        assert record.last_step is not None
        # No earlier than delivery work already recorded on the vote's adoption.
        floor = max(record.last_step, record.delivered_at or record.last_step)
        if instant < floor:
            why.append(errors.TimeOrderError)
            if instant >= record.last_step:
                event("decision dated before delivery on the vote's adoption")
        if why:
            self._refused(why, command, "decision")
            return
        self._late("decision", instant, floor)
        # An advisory vote bound no one, so no decision overrides it.
        overrode = bool(
            earlier
            and earlier[0].outcome != "not_valid"
            and direction(earlier[0].outcome) != direction(outcome)
        )
        self._accept(command)
        record.status = "decided"
        record.decisions.append(
            DecisionModel(
                outcome,
                method,
                frozenset(decided_by or (by,)),
                overrode_vote=overrode,
                by_vote=False,
                at=instant,
            )
        )
        event("decided" + (" overriding the vote" if overrode else ""))

    # Follow-up: amendments, feedback, delivery, projects and meetings -----------
    # (The rules of this block drive the commands after a proposal's discussion
    # began, and the records around proposals: projects and meetings.)

    def _some_comments(
        self, data: st.DataObject, record: ProposalModel, *, min_size: int
    ) -> list[UUID]:
        """Mostly comments made on *record*; now and then another's, or no comment."""
        own = list(record.comments)
        if not (bool(own) and data.draw(st.integers(0, 3), label="its own comments")):
            others = [
                c
                for p in self.model.proposals.values()
                if p is not record
                for c in p.comments
            ]
            own = [*own, *others, uuid.uuid4()]
        return data.draw(
            st.lists(st.sampled_from(own), min_size=min_size, max_size=3, unique=True),
            label="comments",
        )

    def _with_comments(self, *statuses: str) -> list[UUID]:
        """Proposals with comments (in any of *statuses*, if any are named)."""
        return [
            i
            for i, p in self.model.proposals.items()
            if p.comments and (p.status in statuses or not statuses)
        ]

    def _comment_first(self, data: st.DataObject, proposal: UUID) -> None:
        """Mostly, a comment on *proposal* now if it has none and can take one.

        Comments are rare where amendments and feedback look for them.
        """
        record = self.model.proposals[proposal]
        if record.comments or record.closed or record.status == "closed":
            return
        if not data.draw(st.integers(0, 3), label="a comment first"):
            return
        author = self._member(data, "author")
        self._step(f"comment({proposal}, {author=}) first")
        comment = self._accept(
            lambda: self.ledger.comment(
                proposal, author=author, text="Ja", occurred_at=self.at()
            )
        )
        record.comments[comment] = (author, "Ja")
        record.comment_at[comment] = self.clock

    def _adopt_first(self, data: st.DataObject) -> None:
        """Mostly, with no adoption in force, one decided now (if one can be).

        Adoptions are rare where delivery and evaluations look for them.
        """
        if self._adopted() or not data.draw(st.integers(0, 3), label="adopt"):
            return
        decidable = [*self.model.in_state("raised", "closed"), *self._after_vote()]
        if decidable:
            proposal = self._pick(data, decidable, "to adopt")
            outcome = self._pick(data, sorted(ADOPTED), "outcome")
            by = self._member(data, "by")
            self._decide(
                proposal,
                by,
                self.at(),
                outcome=outcome,
                method="consent",
                decided_by=None,
            )

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        title=st.none() | st.sampled_from(TITLES),
        text=st.none() | st.sampled_from(("Let us try them.", "Try them for a month.")),
        when=NOW_EARLIER_OR_AN_EDGE,
    )
    def amend_proposal(
        self,
        data: st.DataObject,
        title: str | None,
        text: str | None,
        when: timedelta | str,
    ) -> None:
        """The wording changes before voting opens, taking up comments made on it.

        An amendment that changes no word and takes up nothing new is refused.
        Entered late, it comes no earlier than the raising, the last amendment
        and the comments it takes up.
        """
        proposal = self._aim(
            data, self._with_comments("raised"), self.model.in_state("raised")
        )
        self._comment_first(data, proposal)
        record = self.model.proposals[proposal]
        takes_up = self._some_comments(data, record, min_size=0)
        by = self._member(data, "by")
        assert record.last_step is not None
        latest = record.latest_comment(takes_up) or record.raised_at
        floor = max(record.last_step, latest)
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(
            f"amend_proposal({proposal}, {title=}, {text=}, {takes_up=}, "
            f"at={at.isoformat()})"
        )

        def command() -> None:
            self.ledger.amend_proposal(
                proposal,
                by=by,
                title=title,
                text=text,
                takes_up=takes_up,
                occurred_at=at,
            )

        wording = (title or record.title, text or record.text)
        why: Refusals = []
        if record.closed:
            why.append(errors.ProposalClosedError)
        if record.opened_at is not None:
            why.append(errors.VotingAlreadyOpenedError)
        if any(c not in record.comments for c in takes_up):
            why.append(errors.UnknownCommentError)
        elif wording == (record.title, record.text) and record.taken_up >= set(
            takes_up
        ):
            why.append(errors.InvalidInputError)  # it would change nothing
        if instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "amendment")
            return
        self._accept(command)
        self._late("amendment", instant, floor)
        record.title, record.text = wording
        record.taken_up |= set(takes_up)
        record.amendments += 1
        record.last_step = max(record.last_step, instant)
        record.log.append(("Proposal.Amended", instant))
        event("amended" + (", taking up comments" if takes_up else ""))

    @precondition(lambda self: bool(self.model.proposals))
    @rule(data=st.data(), when=NOW_EARLIER_OR_AN_EDGE)
    def give_feedback(self, data: st.DataObject, when: timedelta | str) -> None:
        """Contributors hear what became of their comments, until it is withdrawn.

        Entered late, it comes no earlier than the raising and the comments
        it answers. Feedback on no comment is refused.
        """
        # V5 reads feedback after a decision, so it mostly answers a decided one.
        proposal = self._aim(
            data, self._with_comments("decided"), self._with_comments()
        )
        self._comment_first(data, proposal)
        record = self.model.proposals[proposal]
        none = not data.draw(st.integers(0, 7), label="on some comments")
        comments = [] if none else self._some_comments(data, record, min_size=1)
        by = self._member(data, "by")
        floor = record.latest_comment(comments) or record.raised_at
        floor = max(record.raised_at, floor)
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(f"give_feedback({proposal}, {comments=}, at={at.isoformat()})")

        def command() -> UUID:
            return self.ledger.give_feedback(
                proposal, comments=comments, text="We did.", by=by, occurred_at=at
            )

        if not comments:
            self._refused([errors.InvalidInputError], command)
            return
        why: Refusals = []
        if record.status == "withdrawn":
            why.append(errors.ProposalClosedError)
        if any(c not in record.comments for c in comments):
            why.append(errors.UnknownCommentError)
        if instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "feedback")
            return
        record.feedback.append(self._accept(command))
        record.answered.append((frozenset(comments), instant))
        self._late("feedback", instant, floor)
        record.log.append(("Proposal.FeedbackGiven", instant))
        event(f"feedback given on a proposal {record.status}")

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        fmt=st.sampled_from(PAPER_FORMATS),
        when=NOW_EARLIER_OR_AN_EDGE,
    )
    def publish_accessible_version(
        self, data: st.DataObject, fmt: str, when: timedelta | str
    ) -> None:
        """An accessible version comes out (never standard print), until withdrawn.

        Entered late, it comes no earlier than the raising.
        """
        proposal = self._proposal(data)
        record = self.model.proposals[proposal]
        by = self._member(data, "by")
        at = self._by_floor(when, record.raised_at)
        instant = at.astimezone(UTC)
        self._step(f"publish_accessible_version({proposal}, {fmt=}, at={at})")

        def command() -> None:
            self.ledger.publish_accessible_version(
                proposal, format=fmt, by=by, occurred_at=at
            )

        if fmt == "STD":
            self._refused([errors.UnknownCodeError], command)
            return
        why: Refusals = []
        if record.status == "withdrawn":
            why.append(errors.ProposalClosedError)
        if instant < record.raised_at:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "accessible version")
            return
        self._accept(command)
        self._late("accessible version", instant, record.raised_at)
        record.formats.append(fmt)
        record.log.append(("Proposal.AccessibleVersionPublished", instant))

    def _adopted(self) -> list[UUID]:
        """Proposals whose decision in force is an adoption."""
        return [i for i, p in self.model.proposals.items() if p.adopted_at is not None]

    def _people(self, data: st.DataObject, label: str, *, min_size: int) -> list[UUID]:
        """A few members, now and then one who was erased."""
        pool = self.model.active()
        if not data.draw(st.integers(0, 7), label="anyone"):
            pool = list(self.model.members)
        return data.draw(
            st.lists(st.sampled_from(pool), min_size=min_size, max_size=2, unique=True),
            label=label,
        )

    @precondition(lambda self: bool(self.model.proposals))
    @rule(
        data=st.data(),
        due=st.sampled_from(("none", "far", "before")),
        when=DELIVERY_WHEN,
    )
    def assign_action(
        self, data: st.DataObject, due: str, when: timedelta | str
    ) -> None:
        """Delivery work follows the adoption in force, and is due no earlier.

        Entered late, it comes no earlier than that adoption.
        """
        self._adopt_first(data)
        proposal = self._aim(data, self._adopted())
        record = self.model.proposals[proposal]
        owners = self._people(data, "owners", min_size=1)
        by = self._member(data, "by")
        floor = record.adopted_at
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        due_at = {"none": None, "far": FAR_DUE, "before": at - timedelta(minutes=1)}
        number = sum(len(p.actions) for p in self.model.proposals.values()) + 1
        description = f"Action {number}"
        self._step(f"assign_action({proposal}, {owners=}, {due=}, at={at.isoformat()})")

        def command() -> UUID:
            return self.ledger.assign_action(
                proposal,
                description=description,
                owners=owners,
                by=by,
                due=due_at[due],
                occurred_at=at,
            )

        why = self.model.gone(*owners)
        if floor is None:
            why.append(errors.NotDecidedError)
        elif instant < floor:
            why.append(errors.TimeOrderError)
        if due == "before":
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "action")
            return
        action = self._accept(command)
        self._late("action", instant, floor)
        self._assigned(
            record,
            action,
            ActionModel(description, tuple(owners), due_at[due], instant),
        )

    def _assigned(
        self, record: ProposalModel, action: UUID, model: ActionModel
    ) -> None:
        """Note an action the ledger accepted, as its timeline lists it."""
        record.actions[action] = model
        record.delivered_at = max(
            model.assigned_at, record.delivered_at or model.assigned_at
        )
        record.log.append(("Proposal.ActionAssigned", model.assigned_at))
        event("action assigned" + " after a vote" * record.decisions[0].by_vote)

    def _open_actions(self) -> list[tuple[UUID, UUID]]:
        """(proposal, action) of each action not done whose adoption is in force."""
        return [
            (p, a)
            for p, record in self.model.proposals.items()
            if record.adopted_at is not None
            for a, action in record.actions.items()
            if action.completed_at is None
        ]

    def _assign_first(self, data: st.DataObject) -> None:
        """Mostly, an action assigned now on an adoption in force (adopted now if none).

        Most actions are done within a few steps, and completions can only aim
        at an open one: with none (and now and then beside one), assign one;
        then perhaps let time pass, so that a completion entered late may yet
        come after it.
        """
        if not data.draw(st.integers(0, 3), label="assign"):
            return
        if bool(self._open_actions()) and data.draw(
            st.integers(0, 3), label="one more"
        ):
            return
        self._adopt_first(data)
        adopted = [
            i
            for i, p in self.model.proposals.items()
            if p.adopted_at is not None and p.adopted_at <= self.clock
        ]
        if not adopted:
            return
        proposal = self._pick(data, adopted, "to deliver")
        record = self.model.proposals[proposal]
        owner = self._member(data, "owner")
        at = self.at()
        number = sum(len(p.actions) for p in self.model.proposals.values()) + 1
        description = f"Action {number}"
        self._step(f"assign_action({proposal}, {owner=}, at={at.isoformat()}) first")
        action = self._accept(
            lambda: self.ledger.assign_action(
                proposal,
                description=description,
                owners=[owner],
                by=owner,
                occurred_at=at,
            )
        )
        self._assigned(
            record, action, ActionModel(description, (owner,), None, self.clock)
        )
        self._time_passes(
            data.draw(st.sampled_from((timedelta(0), *TIME_STEPS[:3])), label="then")
        )

    def _action_to_complete(self, data: st.DataObject) -> tuple[UUID, UUID]:
        """Mostly an open action; else one done, any, or one never assigned."""
        pairs = self._open_actions()
        every = [(p, a) for p, r in self.model.proposals.items() for a in r.actions]
        done = [
            (p, a)
            for p, r in self.model.proposals.items()
            for a, known in r.actions.items()
            if known.completed_at is not None
        ]
        if bool(pairs) and data.draw(st.integers(0, 3), label="an open one"):
            return self._pick(data, pairs, "action")
        if bool(done) and data.draw(st.booleans(), label="a done one"):
            return self._pick(data, done, "action")
        if not (bool(every) and data.draw(st.integers(0, 7), label="a known one")):
            return self._proposal(data), uuid.uuid4()
        proposal, action = self._pick(data, every, "action")
        if not data.draw(st.integers(0, 3), label="its own proposal"):
            proposal = self._proposal(data)  # perhaps another's action
        return proposal, action

    @precondition(lambda self: bool(self.model.proposals))
    @rule(data=st.data(), when=DELIVERY_WHEN)
    def complete_action(self, data: st.DataObject, when: timedelta | str) -> None:
        """An action of the proposal is done once, while its adoption is in force.

        Entered late, it comes no earlier than its assignment. Mostly an open
        action (assigned first if none is); else one done, or any on its own
        proposal or another, or one never assigned.
        """
        self._assign_first(data)
        proposal, action = self._action_to_complete(data)
        record = self.model.proposals[proposal]
        known = record.actions.get(action)
        by = self._member(data, "by")
        floor = None if known is None else known.assigned_at
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(f"complete_action({proposal}, {action}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.complete_action(proposal, action, by=by, occurred_at=at)

        why: Refusals = []
        if known is None:
            why.append(errors.UnknownActionError)
        if record.adopted_at is None:
            why.append(errors.NotDecidedError)
        if known is not None and known.completed_at is not None:
            why.append(errors.ActionAlreadyCompletedError)
        if floor is not None and instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "completion")
            return
        assert known is not None
        self._accept(command)
        self._late("completion", instant, floor)
        known.completed_at = instant
        record.completed.append(known.description)
        record.delivered_at = max(instant, record.delivered_at or instant)
        record.log.append(("Proposal.ActionCompleted", instant))
        others = sum(1 for a in record.actions.values() if a is not known)
        event("action completed" + " beside others" * bool(others))

    @precondition(lambda self: bool(self.model.proposals))
    @rule(data=st.data(), when=DELIVERY_WHEN)
    def record_evaluation(self, data: st.DataObject, when: timedelta | str) -> None:
        """Someone looks back at what the adoption in force achieved, once it was made.

        Entered late, it comes no earlier than that adoption.
        """
        self._adopt_first(data)
        proposal = self._aim(data, self._adopted())
        record = self.model.proposals[proposal]
        none = not data.draw(st.integers(0, 7), label="with authors")
        authors = [] if none else self._people(data, "authors", min_size=1)
        criteria = self._people(data, "criteria", min_size=0)
        by = self._member(data, "by")
        floor = record.adopted_at
        at = self._by_floor(when, floor)
        instant = at.astimezone(UTC)
        self._step(
            f"record_evaluation({proposal}, {authors=}, {criteria=}, "
            f"at={at.isoformat()})"
        )

        def command() -> UUID:
            return self.ledger.record_evaluation(
                proposal,
                summary="It worked.",
                authors=authors,
                criteria_proposed_by=criteria,
                by=by,
                occurred_at=at,
            )

        why = self.model.gone(*authors, *criteria)
        if not authors:
            why.append(errors.InvalidInputError)
        if floor is None:
            why.append(errors.NotDecidedError)
        elif instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "evaluation")
            return
        evaluation = self._accept(command)
        self._late("evaluation", instant, floor)
        record.evaluations.append(
            (evaluation, tuple(authors), tuple(criteria), "It worked.", instant)
        )
        record.delivered_at = max(instant, record.delivered_at or instant)
        record.log.append(("Proposal.EvaluationRecorded", instant))

    @precondition(lambda self: len(self.model.projects) < MAX_BODIES)
    @rule(
        data=st.data(),
        name=st.sampled_from(TITLES),
        label=st.sampled_from(LABELS),
        when=NOW_OR_EARLIER,
    )
    def start_project(
        self, data: st.DataObject, name: str, label: str, when: timedelta
    ) -> None:
        """A piece of work starts under the label the organisation gives it."""
        by = self._member(data, "by")
        at = self.at(when)
        instant = at.astimezone(UTC)
        self._step(f"start_project({name!r}, {label=}, at={at.isoformat()})")
        project = self._accept(
            lambda: self.ledger.start_project(name, label=label, by=by, occurred_at=at)
        )
        self.model.projects[project] = ProjectModel(name, instant, [(instant, label)])
        self.model.steps.append((project, "Project.Started", instant, None))

    @precondition(lambda self: bool(self.model.projects))
    @rule(data=st.data(), label=st.sampled_from(LABELS), when=NOW_EARLIER_OR_AN_EDGE)
    def relabel_project(
        self, data: st.DataObject, label: str, when: timedelta | str
    ) -> None:
        """A project takes a new label from its date on (to the label then: no event).

        Labels are not ordered among themselves, only after the start.
        """
        project = self._pick(data, list(self.model.projects), "project")
        by = self._member(data, "by")
        record = self.model.projects[project]
        at = self._by_floor(when, record.started_at)
        instant = at.astimezone(UTC)
        self._step(f"relabel_project({project}, {label=}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.relabel_project(project, label, by=by, occurred_at=at)

        if instant < record.started_at:
            self._refused([errors.TimeOrderError], command, "relabelling")
            return
        changes = label != record.label_at(instant)
        self._accept(command, writes=changes)
        if changes:
            record.labels.insert(
                sum(1 for since, _ in record.labels if since <= instant),
                (instant, label),
            )
            self.model.steps.append((project, "Project.Relabelled", instant, None))
            self._late("relabelling", instant, record.started_at)

    @precondition(lambda self: bool(self.model.projects))
    @rule(
        data=st.data(),
        when=NOW_EARLIER_OR_AN_EDGE | st.sampled_from((BY_DEFAULT, "at its finish")),
    )
    def finish_project(self, data: st.DataObject, when: timedelta | str) -> None:
        """A project ends once; again at its finish or undated, nothing is recorded.

        Finishing again at another time is refused rather than dropped.
        """
        project = self._pick(data, list(self.model.projects), "project")
        by = self._member(data, "by")
        record = self.model.projects[project]
        at: datetime | None
        if when == BY_DEFAULT:
            at = None
        elif when == "at its finish":
            at = (record.finished_at or self.clock).astimezone(LONDON)
        else:
            at = self._by_floor(when, record.started_at)
        self._step(f"finish_project({project}, at={at and at.isoformat()})")

        def command() -> None:
            self.ledger.finish_project(project, by=by, occurred_at=at)

        instant = None if at is None else at.astimezone(UTC)
        early = instant is not None and instant < record.started_at
        if record.finished_at is not None:
            if instant is None or instant == record.finished_at:
                self._accept(command, writes=False)
                event("project finished again at its finish")
                return
            why: Refusals = [errors.WrongStateError]
            self._refused(why + [errors.TimeOrderError] * early, command)
            return
        if early:
            self._refused([errors.TimeOrderError], command, "finish")
            return
        before = self.ledger.position
        self._accept(command)
        record.finished_at = self._recorded_at(before) if instant is None else instant
        self.model.steps.append((project, "Project.Finished", record.finished_at, None))

    @precondition(
        lambda self: (
            bool(self.model.bodies) and len(self.model.meetings) < 2 * MAX_BODIES
        )
    )
    @rule(
        data=st.data(),
        kind=st.sampled_from(MEETING_KINDS),
        starts=st.sampled_from((*BACKDATING, FAST)),
        when=NOW_OR_EARLIER,
    )
    def schedule_meeting(
        self, data: st.DataObject, kind: str, starts: timedelta | str, when: timedelta
    ) -> None:
        """A body's meeting is called, perhaps in a project (not ordered by time).

        It starts at the clock or before, or an hour after this machine's
        clock (as a writer whose clock runs fast would date it).
        """
        body = self._pick(data, list(self.model.bodies), "body")
        project = None
        if bool(self.model.projects) and data.draw(st.booleans(), label="in a project"):
            project = self._pick(data, list(self.model.projects), "project")
        unknown = not data.draw(st.integers(0, 15), label="a known project")
        by = self._member(data, "by")
        at = self.at(when)
        instant = at.astimezone(UTC)
        starts_at = (
            self.at(starts)
            if isinstance(starts, timedelta)
            else (datetime.now(UTC) + timedelta(hours=1)).astimezone(LONDON)
        )
        self._step(f"schedule_meeting({body}, {kind=}, {project=}, {unknown=})")

        def command() -> UUID:
            return self.ledger.schedule_meeting(
                body,
                kind=kind,
                title="Monthly meeting",
                starts_at=starts_at,
                by=by,
                project=uuid.uuid4() if unknown else project,
                occurred_at=at,
            )

        if unknown:
            self._refused([errors.UnknownProjectError], command)
            return
        meeting = self._accept(command)
        self.model.meetings[meeting] = MeetingModel(
            body, kind, starts_at.astimezone(UTC), project, called_at=instant
        )
        self._project_log(meeting, "Meeting.Scheduled", instant)

    def _called_off(self, meeting: UUID | None) -> Refusals:
        """MeetingCancelledError if *meeting* (if any) was called off."""
        held = None if meeting is None else self.model.meetings[meeting]
        cancelled = held is not None and held.cancelled_at is not None
        return [errors.MeetingCancelledError] if cancelled else []

    def _took_place(self, meeting: UUID) -> bool:
        """Whether its record shows it took place: attendance, a check-in, a vote."""
        held = self.model.meetings[meeting]
        return bool(held.attendance or held.check_ins) or any(
            p.meeting == meeting and p.opened_at is not None
            for p in self.model.proposals.values()
        )

    def _cancel_floor(self, meeting: UUID) -> datetime:
        """Its calling, papers, requests for it, and proposals raised at it."""
        held = self.model.meetings[meeting]
        assert held.called_at is not None
        return max(
            [
                held.called_at,
                *(at for _, at in held.papers),
                *(self.model.adjustments[a].requested_at for a in held.adjustments),
                *(
                    p.raised_at
                    for p in self.model.proposals.values()
                    if p.meeting == meeting
                ),
            ]
        )

    @precondition(lambda self: bool(self.model.meetings))
    @rule(data=st.data(), when=NOW_EARLIER_OR_AN_EDGE | st.just(BY_DEFAULT))
    def cancel_meeting(self, data: st.DataObject, when: timedelta | str) -> None:
        """A meeting is called off, unless it took place or was called off already.

        Mostly one that may be; dated no earlier than its latest step (its
        calling, papers, a request for it or a proposal raised at it). Given
        no time, it is now, or that step if later.
        """
        meeting = self._pick(data, list(self.model.meetings), "meeting")
        may = [
            i
            for i, m in self.model.meetings.items()
            if m.cancelled_at is None and not self._took_place(i)
        ]
        if bool(may) and data.draw(st.integers(0, 3), label="one that may be"):
            meeting = self._pick(data, may, "meeting to call off")
        by = self._member(data, "by")
        floor = self._cancel_floor(meeting)
        at, instant = self._consent_time(when, floor)
        self._step(f"cancel_meeting({meeting}, at={instant.isoformat()})")

        def command() -> None:
            self.ledger.cancel_meeting(meeting, by=by, occurred_at=at)

        why = self._called_off(meeting)
        if self._took_place(meeting):
            why.append(errors.WrongStateError)
        if at is not None and instant < floor:
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "cancellation")
            return
        before = self.ledger.position
        self._accept(command)
        instant = self._recorded_at(before) if at is None else instant
        self._late("cancellation", instant, floor)
        self.model.meetings[meeting].cancelled_at = instant
        self._project_log(meeting, "Meeting.Cancelled", instant)
        waiting = any(
            p.meeting == meeting and p.status == "raised"
            for p in self.model.proposals.values()
        )
        event("meeting called off" + " with a proposal waiting" * waiting)

    def _project_log(
        self, meeting: UUID, kind: str, at: datetime, left_out_of: UUID | None = None
    ) -> None:
        """Note a step of *meeting*, for the timelines of the projects it is in.

        But for that of *left_out_of*, if given.
        """
        self.model.steps.append((meeting, kind, at, left_out_of))

    @precondition(lambda self: bool(self.model.meetings))
    @rule(
        data=st.data(),
        formats=st.lists(st.sampled_from(PAPER_FORMATS), max_size=3),
        when=NOW_OR_EARLIER | st.sampled_from(A_WEEK_BACK),
    )
    def issue_papers(
        self, data: st.DataObject, formats: list[str], when: timedelta
    ) -> None:
        """A meeting's papers go out in one or more formats (in none: refused)."""
        meeting = self._pick(data, list(self.model.meetings), "meeting")
        by = self._member(data, "by")
        at = self.at(when)
        instant = at.astimezone(UTC)
        self._step(f"issue_papers({meeting}, {formats=}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.issue_papers(meeting, formats=formats, by=by, occurred_at=at)

        why = self._called_off(meeting)
        if not formats:  # a list with no code in it, not an empty text
            why.append(errors.InvalidInputError)
        if why:
            self._refused(why, command, "papers")
            return
        self._accept(command)
        for fmt in dict.fromkeys(formats):
            self.model.meetings[meeting].papers.append((fmt, instant))
            self._project_log(meeting, "Meeting.PapersIssued", instant)

    @precondition(lambda self: bool(self.model.meetings))
    @rule(
        data=st.data(),
        mode=st.sampled_from(MODES),
        when=NOW_EARLIER_OR_AN_EDGE | st.just(BY_DEFAULT),
    )
    def record_attendance(
        self, data: st.DataObject, mode: str, when: timedelta | str
    ) -> None:
        """A current member took part, and how; recorded again, the mode changes.

        Nobody takes part before the meeting starts; given no time, it is
        recorded at the start if that is later than now.
        """
        meeting = self._pick(data, list(self.model.meetings), "meeting")
        ahead = [i for i, m in self.model.meetings.items() if m.starts_at > self.clock]
        if when == BY_DEFAULT and bool(ahead) and data.draw(st.booleans()):
            meeting = self._pick(data, ahead, "a meeting starting ahead")
        member = self._people(data, "attendee", min_size=1)[0]
        by = self._member(data, "by")
        starts_at = self.model.meetings[meeting].starts_at
        at, instant = self._consent_time(when, starts_at)
        self._step(f"record_attendance({meeting}, {member}, {mode=}, at={instant})")

        def command() -> None:
            self.ledger.record_attendance(
                meeting, member, mode=mode, by=by, occurred_at=at
            )

        why = self.model.gone(member) + self._called_off(meeting)
        if instant < starts_at:  # nobody attends before
            why.append(errors.TimeOrderError)
        if why:
            self._refused(why, command, "attendance")
            return
        before = self.ledger.position
        self._accept(command)
        instant = self._recorded_at(before) if at is None else instant
        self._late("attendance", instant, starts_at)
        if at is None and starts_at > self.clock:
            event("attendance at the default time at a meeting starting ahead")
        self.model.meetings[meeting].attendance[member] = mode
        self._project_log(meeting, "Meeting.AttendanceRecorded", instant)

    @precondition(lambda self: bool(self.model.meetings))
    @rule(data=st.data(), when=NOW_OR_EARLIER)
    def hold_check_in(self, data: st.DataObject, when: timedelta) -> None:
        """A wellbeing check-in is held at a meeting (counted, never what was said)."""
        meeting = self._pick(data, list(self.model.meetings), "meeting")
        by = self._member(data, "by")
        at = self.at(when)
        self._step(f"hold_check_in({meeting}, at={at.isoformat()})")

        def command() -> None:
            self.ledger.hold_check_in(meeting, by=by, occurred_at=at)

        if why := self._called_off(meeting):
            self._refused(why, command, "check-in")
            return
        self._accept(command)
        self.model.meetings[meeting].check_ins += 1
        self._project_log(meeting, "Meeting.WellbeingCheckInHeld", at.astimezone(UTC))

    @precondition(lambda self: bool(self.model.meetings or self.model.projects))
    @rule(
        data=st.data(),
        phase=st.none() | st.sampled_from(("design", "delivery", "evaluation")),
        when=NOW_OR_EARLIER,
    )
    def raise_at_a_meeting(
        self, data: st.DataObject, phase: str | None, when: timedelta
    ) -> None:
        """A proposal is raised in a project, at a meeting of its own body or not."""
        meeting = None
        if bool(self.model.meetings) and data.draw(st.booleans(), label="at a meeting"):
            meeting = self._pick(data, list(self.model.meetings), "meeting")
        body = self._pick(data, list(self.model.bodies), "body")
        if meeting is not None and data.draw(st.integers(0, 3), label="its body"):
            body = self.model.meetings[meeting].body
        project = None
        if bool(self.model.projects) and data.draw(st.booleans(), label="in a project"):
            project = self._pick(data, list(self.model.projects), "project")
        proposers = self._people(data, "proposers", min_size=1)
        at = self.at(when)
        self._step(
            f"raise_proposal({body}, {proposers=}, {project=}, {meeting=}, {phase=})"
        )

        def command() -> UUID:
            return self.ledger.raise_proposal(
                body,
                proposers=proposers,
                title="Easy-read papers",
                text="Let us try them.",
                project=project,
                phase=phase,
                meeting=meeting,
                occurred_at=at,
            )

        why = self.model.gone(*proposers)
        if meeting is not None:
            why += self._called_off(meeting)
        if meeting is not None and self.model.meetings[meeting].body != body:
            why.append(errors.InvalidInputError)  # a meeting of another body
        if why:
            self._refused(why, command)
            return
        proposal = self._accept(command)
        self.model.proposals[proposal] = ProposalModel(
            body, at.astimezone(UTC), project=project, meeting=meeting
        )
        event("raised" + " in a project" * bool(project))
        event("raised" + " at a meeting" * bool(meeting))

    @rule()
    def reapply_erasures(self) -> None:
        """With the key store intact, nothing is left to destroy, nor recorded."""
        self._step("reapply_erasures()")
        assert self._accept(self.ledger.reapply_erasures, writes=False) == 0

    @precondition(lambda self: len(self.model.active()) > 2)
    @rule(data=st.data(), erasure=st.booleans())
    def shred_unrecorded(self, data: st.DataObject, erasure: bool) -> None:
        """An erasure or withdrawal destroys keys, then its write fails (a full disk).

        KeysDestroyedError names the member and stores nothing; their sealed
        fields (or only the declaration) read as gone though no event says so,
        the erasure audit says why, and nothing new is sealed about a member
        so erased. Running the command again (the rules above) records it.
        """
        declared = [
            m for m in self.model.active() if self.model.members[m].lived_experience
        ]
        erasure = erasure or not declared
        member = self._pick(data, self.model.active() if erasure else declared, "who")
        by = self._member(data, "by")
        record = self.model.members[member]
        floor = None if erasure else record.declared_at
        at = self.at() if floor is None else max(self.at(), floor.astimezone(LONDON))
        self._step(f"shred_unrecorded({member}, {erasure=}, {by=}, at={at})")
        before = count_events(self.ledger)

        def insert(*_: object, **__: object) -> None:
            raise PersistenceError("disk full")

        def command() -> None:
            if erasure:
                self.ledger.erase_member(member, by=by, occurred_at=at)
            else:
                self.ledger.withdraw_lived_experience(member, occurred_at=at)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(self.ledger._app.recorder, "insert_events", insert)
            with pytest.raises(errors.KeysDestroyedError) as failed:
                command()
        assert (failed.value.members, failed.value.erasure) == ((member,), erasure)
        assert count_events(self.ledger) == before, "a failed write stored events"
        record.declaration_gone = record.declared
        record.lived_experience = ()
        if erasure:
            record.keys_gone = True
            record.name = ERASED
        found = {finding.code for finding in self.ledger.audit_erasure().findings}
        assert found == self.model.unexplained()
        event(f"{'erasure' if erasure else 'withdrawal'} unrecorded after shredding")
        if self.tables_read:  # tables that counted the keys destroyed forget them
            self._tables_agree(None, None)
        proposals = self.model.in_state("raised", "voting")
        if erasure and proposals:  # nothing new is sealed under keys destroyed
            proposal = self._pick(data, proposals, "proposal")
            self._refused(
                [errors.MasterKeyError],
                lambda: self.ledger.comment(proposal, author=member, text="Hi"),
            )

    @precondition(lambda self: bool(self._unrecorded()))
    @rule(data=st.data(), when=NOW_OR_EARLIER)
    def run_shredding_again(self, data: st.DataObject, when: timedelta) -> None:
        """The erasure or withdrawal whose write failed is run again, and recorded.

        As KeysDestroyedError says to. The withdrawal may not precede the
        declaration on record; the erasure is dated as any other.
        """
        member = self._pick(data, self._unrecorded(), "member")
        record = self.model.members[member]
        at = self.at(when)
        if record.keys_gone:
            self._erase(member, self._member(data, "by"), at)
            return
        self._step(f"withdraw_lived_experience({member}, at={at}) again")
        instant = at.astimezone(UTC)

        def command() -> None:
            self.ledger.withdraw_lived_experience(member, occurred_at=at)

        floor = record.declared_at
        if floor is not None and instant < floor:
            self._refused([errors.TimeOrderError], command, "early withdrawal again")
            return
        self._accept(command)
        event("withdrawal run again after its write failed")
        record.declaration_gone, record.declared_at = False, None
        record.withdrawn_at = max(instant, record.withdrawn_at or instant)

    def _unrecorded(self) -> list[UUID]:
        """Members whose keys a shredding destroyed without storing its event."""
        return [
            m
            for m, r in self.model.members.items()
            if not r.erased and (r.keys_gone or r.declaration_gone)
        ]

    @precondition(lambda self: bool(self.model.bodies))
    @rule(
        data=st.data(),
        command=st.sampled_from(
            ("start_project", "schedule_meeting", "record_attendance", "relabel")
        ),
    )
    def strangers_and_unknown_records(self, data: st.DataObject, command: str) -> None:
        """No stranger acts or attends; an id of no project or meeting is refused."""
        erased = [m for m, record in self.model.members.items() if record.erased]
        stranger = (
            self._pick(data, erased, "an erased member")
            if bool(erased) and data.draw(st.booleans(), label="erased or unknown")
            else uuid.uuid4()
        )
        by = self._member(data, "by")
        body = self._pick(data, list(self.model.bodies), "body")
        # A real id of another kind is as unknown as a random one.
        other = by if data.draw(st.booleans(), label="another kind") else uuid.uuid4()
        self._step(f"strangers_and_unknown_records({command}, {stranger=}, {other=})")
        calls: dict[str, tuple[Refusals, Callable[[], object]]] = {
            "start_project": (
                [errors.NotAMemberError],
                lambda: self.ledger.start_project("T", label="other", by=stranger),
            ),
            "schedule_meeting": (
                [errors.NotAMemberError],
                lambda: self.ledger.schedule_meeting(
                    body, kind="social", title="T", starts_at=self.at(), by=stranger
                ),
            ),
            "record_attendance": (
                [errors.UnknownMeetingError],
                lambda: self.ledger.record_attendance(other, by, by=by),
            ),
            "relabel": (
                [errors.UnknownProjectError],
                lambda: self.ledger.relabel_project(other, "other", by=by),
            ),
        }
        if command == "record_attendance" and self.model.meetings:
            meeting = self._pick(data, list(self.model.meetings), "meeting")
            calls[command] = (
                [errors.NotAMemberError],
                lambda: self.ledger.record_attendance(meeting, stranger, by=by),
            )
        self._refused(*calls[command])

    # Who may act -------------------------------------------------------------------

    @precondition(lambda self: bool(self.model.proposals) and bool(self.model.bodies))
    @rule(
        data=st.data(),
        command=st.sampled_from(
            ("comment", "cast_ballot", "open_voting", "assign_seat", "raise_proposal")
        ),
    )
    def stranger_is_refused(self, data: st.DataObject, command: str) -> None:
        """Someone not, or no longer, a member can neither act nor be named."""
        erased = [m for m, record in self.model.members.items() if record.erased]
        stranger = (
            self._pick(data, erased, "an erased member")
            if bool(erased) and data.draw(st.booleans(), label="erased or unknown")
            else uuid.uuid4()
        )
        proposal = self._proposal(data)
        body = self._pick(data, list(self.model.bodies), "body")
        self._step(f"stranger_is_refused({command}, {proposal=}, {body=})")
        record = self.model.proposals[proposal]
        why: Refusals = [errors.NotAMemberError]
        calls: dict[str, Callable[[], object]] = {
            "comment": lambda: self.ledger.comment(
                proposal, author=stranger, text="Hi"
            ),
            "cast_ballot": lambda: self.ledger.cast_ballot(
                proposal, voter=stranger, choice="for"
            ),
            "open_voting": lambda: self.ledger.open_voting(proposal, by=stranger),
            "assign_seat": lambda: self.ledger.assign_seat(
                body, stranger, by=self._member(data, "by")
            ),
            "raise_proposal": lambda: self.ledger.raise_proposal(
                body, proposers=[stranger], title="T", text="T"
            ),
        }
        if command == "open_voting":  # the acting member is checked, or the state
            if not self.model.electorate(record.body):
                why.append(errors.EmptyElectorateError)
            if self.model.unmet(proposal):
                why.append(errors.UnmetAdjustmentsError)
            if record.closed:
                why.append(errors.ProposalClosedError)
            if record.status in {"voting", "closed"} or record.undecided_vote:
                why.append(errors.VotingAlreadyOpenedError)
        self._refused(why, calls[command])

    @precondition(lambda self: bool(self.model.proposals) and bool(self.model.bodies))
    @rule(
        data=st.data(),
        kind=st.sampled_from(("proposal", "body", "adjustment")),
    )
    def unknown_ids_are_refused(self, data: st.DataObject, kind: str) -> None:
        """An id that names no record of the right kind is refused."""
        by = self._member(data, "by")
        # A real id of the wrong kind is as unknown as a random one.
        wrong = data.draw(st.booleans(), label="a real id of another kind")
        other = uuid.uuid4() if not wrong else by
        self._step(f"unknown_ids_are_refused({kind}, {other})")
        if kind == "proposal":
            self._refused(
                [errors.UnknownProposalError],
                lambda: self.ledger.comment(other, author=by, text="Hello"),
            )
        elif kind == "body":
            self._refused(
                [errors.UnknownBodyError],
                lambda: self.ledger.assign_seat(other, by, by=by),
            )
        else:
            self._refused(
                [errors.UnknownAdjustmentError],
                lambda: self.ledger.provide_adjustment(other, by=by),
            )

    @precondition(lambda self: self.unread >= READ_EVERY)
    @rule()
    def read_the_reports(self) -> None:
        """Someone reads the report and the tables: both keep what they folded."""
        self._step("read_the_reports()")
        self.compare_indicators(self.ledger)
        report = comparable(self.ledger.power_sharing())
        self.kept.append((self.ledger.position, self._keys(), report))
        if self.backend == "memory":
            self.ledger.projections().catch_up()
        self.unread = 0

    def _keys(self) -> tuple[object, ...]:
        """What a report as of an earlier position cannot bring back, if it changes.

        An erasure's or withdrawal's destroyed keys (stored or not): the
        declarations and names they sealed read as never made.
        """
        return tuple(
            (m.erased, m.keys_gone, m.declaration_gone, m.withdrawn_at)
            for m in self.model.members.values()
        )

    def _scopes(self) -> list[tuple[UUID | None, UUID | None]]:
        """Every scope as (body, project): the ledger, each body, each project."""
        return [
            (None, None),
            *((body, None) for body in self.model.bodies),
            *((None, project) for project in self.model.projects),
        ]

    @rule(data=st.data(), fresh=st.booleans())
    def read_the_tables(self, data: st.DataObject, fresh: bool) -> None:
        """The tables read as the fold does, for the ledger, a body or a project.

        On stored backends so do they through a second Ledger on the same
        storage: opened just now, or kept open since an earlier reading while
        this one recorded (and shredded) more.
        """
        body, project = self._pick(data, self._scopes(), "scope")
        self._step(f"read_the_tables({body=}, {project=}, {fresh=})")
        self._tables_agree(body, project, fresh=fresh)

    def _tables_agree(
        self, body: UUID | None, project: UUID | None, *, fresh: bool = False
    ) -> None:
        """The tables (and a second Ledger's reading of them) equal the fold."""
        self.tables_read = True
        folded = comparable(self.ledger.power_sharing(body=body, project=project))
        read = comparable(
            self.ledger.power_sharing(body=body, project=project, materialised=True)
        )
        assert read == folded
        event("tables read")
        if self._unrecorded():
            event("tables read after a shredding went unrecorded")
        if self.backend == "memory":
            return
        if fresh and self._other is not None:
            with Ledger.open(self.url) as other:
                read = comparable(
                    other.power_sharing(body=body, project=project, materialised=True)
                )
            event("tables read by a second ledger just opened")
        else:
            if self._other is None:
                self._other = Ledger.open(self.url)
            else:
                event("tables read by a second ledger kept open")
            read = comparable(
                self._other.power_sharing(body=body, project=project, materialised=True)
            )
        assert read == folded

    # Agreement ---------------------------------------------------------------------

    def audit(self, ledger: Ledger) -> None:
        """What an auditor checks at the end: chain, erasure, and every figure.

        A signed checkpoint verifies; no sealed field of an erased member or a
        withdrawn declaration opens; the reports kept along the way (and the
        tables, in memory) equal the same reports rebuilt from the events;
        so do those read along the way, rebuilt as of their positions (unless
        keys were destroyed since), and a ledger the export is imported into.
        """
        key = SigningKey.generate("audit.example/stateful")
        note = ledger.checkpoint(key).note
        report = ledger.verify(Verifier.parse(key.verifier), [note])
        assert report.status == "VERIFIED", report.findings
        assert report.size == ledger.position
        found = {finding.code for finding in ledger.audit_erasure().findings}
        assert found == self.model.unexplained()
        self.compare_facts(ledger)
        self.compare_timelines(ledger)
        self.compare_follow_through(ledger)
        self.compare_indicators(ledger)
        scopes = self._scopes()
        self.round_trip(ledger, scopes)
        for position, keys, then in self.kept:
            if keys != self._keys():
                continue  # a report as of then reads the declarations gone since
            assert comparable(ledger.power_sharing(as_of=position)) == then, position
            event("a report read along the way rebuilt as of its position")
        for body, project in scopes:
            kept = comparable(ledger.power_sharing(body=body, project=project))
            rebuilt = comparable(
                ledger.power_sharing(body=body, project=project, as_of=ledger.position)
            )
            assert kept == rebuilt, (body, project)
        if self.backend == "memory":
            projector = ledger.projections()
            projector.catch_up()
            for body, project in scopes:
                folded = ledger.power_sharing(body=body, project=project)
                stored = projector.read(folded.scope)
                assert stored is not None
                assert comparable(stored) == comparable(folded), (body, project)

    def round_trip(
        self, ledger: Ledger, scopes: list[tuple[UUID | None, UUID | None]]
    ) -> None:
        """An export imports into an empty ledger that equals the model and the figures.

        Not while a shredding went unrecorded: the export would then hold
        sealed fields read as gone with no event to say so.
        """
        if self.model.unexplained():
            return
        out = io.StringIO()
        ledger.export(out)
        with Ledger.open("memory://") as copy:
            copy.import_events(out.getvalue().splitlines(keepends=True))
            self.compare(copy)
            for body, project in scopes:
                assert comparable(
                    copy.power_sharing(body=body, project=project)
                ) == comparable(ledger.power_sharing(body=body, project=project))
        event("exported and imported")

    def compare_facts(self, ledger: Ledger) -> None:
        """What the reports read in business time is as the model says.

        Who held which seat just before, at and after each change; when each
        vote opened and which needs it found unmet; whose declaration counts
        from when.
        """
        facts = ledger.facts()
        for body_id, body in self.model.bodies.items():
            times = {self.clock}
            for spell in body.spells:
                times.update(t for t in (spell.since, spell.until) if t is not None)
            for m in self.model.members.values():
                times.update([m.erased_at] if m.erased_at else [])
            folded = facts.bodies[body_id]
            for at in sorted(times):
                for moment in (at - timedelta(microseconds=1), at):
                    held = sorted(
                        f"{s.member} {s.seat} {s.office}"
                        for s in folded.held_at(moment)
                    )
                    assert held == body.held_at(moment, self.model.members), moment
        for proposal_id, record in self.model.proposals.items():
            p = facts.proposals[proposal_id]
            assert p.voting_opened_at == record.opened_at
            assert set(p.unmet_adjustments) == record.unmet_at_opening
        for member_id, member in self.model.members.items():
            spells = facts.members[member_id].lived_experience
            declared = [member.declared_at] if member.lived_experience else []
            assert [s.start for s in spells] == declared
            assert facts.members[member_id].erased_at == member.erased_at
            assert facts.members[member_id].roles == member.roles

    def compare_timelines(self, ledger: Ledger) -> None:
        """Each proposal's and project's timeline lists the steps the model made.

        A proposal's lists its follow-up steps when they were dated, and names
        the action each completion completed; a project's lists its own and
        its meetings' steps (those called for it or where one of its proposals
        was raised), each of its proposals' timelines entire, and the requests
        made for its meetings.
        """
        entries: dict[UUID, list[Entry]] = {}
        for proposal_id, record in self.model.proposals.items():
            entries[proposal_id] = timeline(ledger, proposal=proposal_id)
            follow_up = [e for e in entries[proposal_id] if e.kind in FOLLOW_UP_KINDS]
            assert [(e.kind, e.occurred_at) for e in follow_up] == record.log
            done = [e.text for e in follow_up if e.kind == "Proposal.ActionCompleted"]
            assert done == [
                f"completed the delivery action '{description}'"
                for description in record.completed
            ]
        for project_id in self.model.projects:
            lines = timeline(ledger, project=project_id)
            own = [e for e in lines if e.kind.startswith(("Project.", "Meeting."))]
            assert [(e.kind, e.occurred_at) for e in own] == self.model.project_log(
                project_id
            )
            theirs = {
                e.position
                for p, record in self.model.proposals.items()
                if record.project == project_id
                for e in entries[p]
            }
            asked = {
                a
                for m in self.model.meetings.values()
                if m.project == project_id
                for a in m.adjustments
            }
            theirs |= {
                r.position for r in ledger.history() if r.event.originator_id in asked
            }
            assert {e.position for e in lines} == {e.position for e in own} | theirs

    def compare_follow_through(self, ledger: Ledger) -> None:
        """D6 and P3 count the actions and evaluations as the model predicts.

        D6: actions on proposals whose decision in force is an adoption, done
        or with no due date (open ones are due only in 2199), and the share
        done; P3: every evaluation, and the share with a lived-experience
        author or criteria proposer at its date.
        """
        figures = ledger.power_sharing().indicators
        actions = [
            a
            for p in self.model.proposals.values()
            if p.adopted_at is not None
            for a in p.actions.values()
            if a.completed_at is not None or a.due is None
        ]
        done = sum(1 for a in actions if a.completed_at is not None)
        assert figures["D6"].n == len(actions)
        assert figures["D6"].value == (
            pytest.approx(done / len(actions)) if actions else None
        )
        evaluations = [e for p in self.model.proposals.values() for e in p.evaluations]
        with_le = sum(
            1
            for _, authors, criteria, _, at in evaluations
            if any(
                self.model.members[m].lived_experience_at(at)
                for m in (*authors, *criteria)
            )
        )
        assert figures["P3"].n == len(evaluations)
        assert figures["P3"].value == (
            pytest.approx(with_le / len(evaluations)) if evaluations else None
        ), (figures["P3"], with_le)
        if actions:
            event("D6 read with actions")
        if evaluations:
            event("P3 read with evaluations")

    @staticmethod
    def _now(ledger: Ledger) -> datetime:
        """Midnight (UTC) after the latest business day in the record."""
        latest = max(e.event.occurred_at for e in ledger.history())
        day = latest.astimezone(UTC).date() + timedelta(days=1)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    def compare_indicators(self, ledger: Ledger) -> None:
        """W2 (in every scope), V5, V6, X1, X2 and X4 count and share as predicted."""
        report = ledger.power_sharing()
        now = self._now(ledger)
        days = report.thresholds.deliberation_days
        predicted = {
            "W2": self.model.w2(now),
            "V5": self.model.v5(),
            "V6": self.model.v6(days),
            "X4": self.model.x4(now),
            "X2": self.model.x2(),
        }
        met, items, x1_note = self.model.x1(now)
        self._agrees(report.indicators["X1"], (met, items))
        if items:
            assert report.indicators["X1"].note == x1_note
            event("X1 read: " + x1_note.split(",", 2)[1].strip())
        for body in self.model.bodies:
            figure = ledger.power_sharing(body=body).indicators["W2"]
            self._agrees(figure, self.model.w2(now, body))
        for code, counts in predicted.items():
            self._agrees(report.indicators[code], counts)
            met, total = counts
            if total:
                share = "all" if met == total else "some" if met else "none"
                event(f"{code} read: {share} met")
        self._periods_add_up(ledger, report)

    @staticmethod
    def _periods_add_up(ledger: Ledger, report: PowerSharingReport) -> None:
        """X1's items and X2's answers, split at a step's time, add up to all time.

        A request counts once over periods that follow one another (in the
        period it fell due or was answered in, if not the one it was made in).
        """
        times = sorted(e.event.occurred_at for e in ledger.history())
        split = times[len(times) // 2]
        before = ledger.power_sharing(until=split).indicators
        after = ledger.power_sharing(since=split).indicators
        for code in ("X1", "X2"):
            whole = report.indicators[code].n or 0
            parts = (before[code].n or 0) + (after[code].n or 0)
            assert parts == whole, (code, split, before[code], after[code])

    @staticmethod
    def _agrees(figure: Figure, counts: tuple[int, int]) -> None:
        """The figure's n and value are *counts*' total and share (None of none)."""
        met, total = counts
        assert figure.n == total, (figure, counts)
        expected = pytest.approx(met / total) if total else None
        assert figure.value == expected, (figure, counts)

    @invariant()
    def ledger_agrees_with_model(self) -> None:
        """Every member, body, proposal and adjustment is as the model says."""
        self.compare(self.ledger)
        self.consistent = True

    def compare(self, ledger: Ledger) -> None:
        """Assert that *ledger* holds exactly what the model says."""
        self._compare_members(ledger)
        self._compare_bodies(ledger)
        self._compare_proposals(ledger)
        self._compare_adjustments(ledger)
        self._compare_projects_and_meetings(ledger)
        for ref, recorded in self.model.source_refs.items():
            assert ledger.find_by_source_ref(ref) == recorded

    def _compare_members(self, ledger: Ledger) -> None:
        members = ledger.members()
        assert [m.id for m in members] == list(self.model.members)
        for view in members:
            record = self.model.members[view.id]
            # The name is sealed: readable until the member is erased, then never.
            assert view.name == record.name
            assert view.role == record.role
            assert view.lived_experience == record.lived_experience
            assert view.supporters == frozenset(record.supporters)
            assert view.erased == record.erased

    def _compare_bodies(self, ledger: Ledger) -> None:
        bodies = ledger.bodies()
        assert [b.id for b in bodies] == list(self.model.bodies)
        for view in bodies:
            record = self.model.bodies[view.id]
            assert record.rule.matches(view.rule)
            assert {s.member: (s.seat, s.office) for s in view.seats} == record.seats
            assert len(view.seats) == len(record.seats)

    def _compare_proposals(self, ledger: Ledger) -> None:
        proposals = ledger.proposals()
        assert [p.id for p in proposals] == list(self.model.proposals)
        for view in proposals:
            record = self.model.proposals[view.id]
            assert view.status == record.status
            assert set(view.electorate) == record.electorate
            assert len(view.electorate) == len(record.electorate)
            assert (
                view.rule is None
                if record.rule is None
                else record.rule.matches(view.rule)
            )
            assert view.access_override == record.access_override
            assert {b.voter: (b.choice, b.supporter) for b in view.ballots} == (
                record.ballots
            )
            counts = Counter(choice for choice, _ in record.ballots.values())
            tally = ledger.tally(view.id)
            assert tally == view.tally
            assert dict(tally.counts) == {c: counts[c] for c in CHOICES}
            assert tally.electorate == len(record.electorate)
            if record.lived_experience_participants is not None:
                assert (
                    tally.lived_experience_participants
                    == record.lived_experience_participants
                )
            decisions = [
                (d.outcome, d.method, frozenset(d.decided_by), d.overrode_vote)
                for d in view.decisions
            ]
            assert decisions == [
                (d.outcome, d.method, d.decided_by, d.overrode_vote)
                for d in record.decisions
            ]
            assert view.decision == (view.decisions[-1] if view.decisions else None)
            # Comment texts are sealed under their author's key.
            assert {c.id: (c.author, c.text) for c in view.comments} == {
                comment: (
                    author,
                    ERASED if self.model.members[author].shredded else text,
                )
                for comment, (author, text) in record.comments.items()
            }
            assert set(view.adjustments) == record.adjustments
            assert set(ledger.unmet_adjustments(view.id)) == self.model.unmet(view.id)
            self._compare_follow_up(view, record)

    @staticmethod
    def _compare_follow_up(view: ProposalView, record: ProposalModel) -> None:
        """Its wording, amendments, feedback, versions, decisions' times, delivery."""
        assert (view.title, view.text) == (record.title, record.text)
        assert (view.project, view.meeting) == (record.project, record.meeting)
        assert view.taken_up == record.taken_up
        assert view.amendments == record.amendments
        assert list(view.accessible_formats) == record.formats
        assert list(view.feedback) == record.feedback
        assert [d.occurred_at for d in view.decisions] == [
            d.at for d in record.decisions
        ]
        assert [
            (a.id, a.description, tuple(a.owners), a.due, a.completed_at)
            for a in view.actions
        ] == [
            (i, a.description, a.owners, a.due, a.completed_at)
            for i, a in record.actions.items()
        ]
        assert [
            (e.id, tuple(e.authors), tuple(e.criteria_proposed_by), e.summary)
            for e in view.evaluations
        ] == [e[:4] for e in record.evaluations]

    def _compare_projects_and_meetings(self, ledger: Ledger) -> None:
        projects = ledger.projects()
        assert [p.id for p in projects] == list(self.model.projects)
        for project in projects:
            record = self.model.projects[project.id]
            assert (project.name, project.label, project.finished) == (
                record.name,
                record.labels[-1][1],
                record.finished_at is not None,
            )
        meetings = ledger.meetings()
        assert [m.id for m in meetings] == list(self.model.meetings)
        for meeting in meetings:
            held = self.model.meetings[meeting.id]
            assert (meeting.body, meeting.kind, meeting.project) == (
                held.body,
                held.kind,
                held.project,
            )
            assert meeting.starts_at == held.starts_at
            assert list(meeting.papers) == held.papers
            assert list(meeting.attendance) == list(held.attendance.items())
            assert meeting.check_ins == held.check_ins
            assert list(meeting.adjustments) == held.adjustments
            assert meeting.cancelled_at == held.cancelled_at

    def _compare_adjustments(self, ledger: Ledger) -> None:
        adjustments = ledger.adjustments()
        assert [a.id for a in adjustments] == list(self.model.adjustments)
        for view in adjustments:
            record = self.model.adjustments[view.id]
            status = (
                "resolved" if view.status in {"provided", "declined"} else view.status
            )
            assert status == record.status
            assert (view.member, view.proposal, view.meeting) == (
                record.member,
                record.proposal,
                record.meeting,
            )
            assert view.needed_before == record.needed_before
            scope = "proposal" if record.proposal else "meeting" * bool(record.meeting)
            assert view.scope == (scope or "standing")
            assert view.requested_at == record.requested_at
            assert view.needed_by == record.needed_by
            shredded = self.model.members[record.member].shredded
            assert view.resolved_at == record.resolved_at
            assert (view.answer, view.partial) == (record.answer, record.partial)
            alternative = record.alternative and (
                ERASED if shredded else record.alternative
            )
            assert (view.decline_reason, view.alternative) == (
                record.decline_reason,
                alternative,
            )
            # The code reveals a need (BSL: deafness): sealed, shredded on erasure.
            assert view.code == (ERASED if shredded else record.code)


class StoredLedgerMachine(LedgerMachine):
    """The machine on durable storage, which can be reopened along the way."""

    @rule()
    def reopen(self) -> None:
        """Close the ledger and carry on with one reopened from the same storage."""
        self._step("reopen()")
        self.ledger.close()
        self.ledger = Ledger.open(self.url)
        event("reopened")


class SQLiteLedgerMachine(StoredLedgerMachine):
    """The same machine on a SQLite file, reopened along the way and at the end."""

    backend = "sqlite"


class PostgresLedgerMachine(StoredLedgerMachine):
    """The same machine on PostgreSQL, one schema per example."""

    backend = "postgres"


@given(
    model_rule=rule_models(strays=False),
    choices=st.lists(st.sampled_from(CHOICES), max_size=12),
    absent=st.integers(min_value=0, max_value=6),
    with_le=st.integers(min_value=0, max_value=12),
)
def test_model_rules_decide_like_coledger(
    model_rule: RuleModel, choices: list[str], absent: int, with_le: int
) -> None:
    """The model's reading of each rule gives coledger's outcome on every tally."""
    with_le = min(with_le, len(choices))
    tally = Tally(
        for_=choices.count("for"),
        against=choices.count("against"),
        abstain=choices.count("abstain"),
        block=choices.count("block"),
        electorate=len(choices) + absent,
        lived_experience_participants=with_le,
    )
    expected = model_rule.outcome(choices, len(choices) + absent, with_le)
    assert model_rule.build().decide(tally).outcome == expected


def test_erased_member_leaves_the_electorate() -> None:
    """A vote opened after a member's erasure is open to current members only."""
    with Ledger.open("memory://") as ledger:
        chair = ledger.register_member("Sam Example", role="trustee")
        other = ledger.register_member("Ama", role="trustee")
        board = ledger.establish_body(
            "Board", kind="governance", rule=Rule.majority(quorum=1), by=chair
        )
        ledger.assign_seat(board, chair, by=chair)
        ledger.assign_seat(board, other, by=chair)
        ledger.erase_member(other, by=chair)
        proposal = ledger.raise_proposal(
            board, proposers=[chair], title="Budget", text="Agree the budget."
        )
        electorate = ledger.open_voting(proposal, by=chair)
        for voter in electorate:
            ledger.cast_ballot(proposal, voter=voter, choice="for")
        assert ledger.close_voting(proposal, by=chair).outcome == "adopted"


def scaled(max_examples: int, steps: int) -> settings:
    """Settings for a slower backend, scaled down from the active profile."""
    active = settings()
    return settings(
        active,
        max_examples=max(2, min(max_examples, active.max_examples)),
        stateful_step_count=min(steps, active.stateful_step_count),
    )


def test_ledger_agrees_with_model_in_memory() -> None:
    """Random command sequences on an in-memory ledger keep it equal to the model."""
    run_state_machine_as_test(LedgerMachine)


def test_ledger_agrees_with_model_on_sqlite() -> None:
    """On a SQLite file, the ledger and every reopening of it agree with the model."""
    run_state_machine_as_test(SQLiteLedgerMachine, settings=scaled(15, 30))


@pytest.mark.postgres
def test_ledger_agrees_with_model_on_postgres_briefly() -> None:
    """A few short sequences on PostgreSQL agree with the model, reopened too."""
    require_postgres()
    run_state_machine_as_test(PostgresLedgerMachine, settings=scaled(4, 20))


@pytest.mark.slow
@pytest.mark.postgres
def test_ledger_agrees_with_model_on_postgres() -> None:
    """Longer sequences on PostgreSQL agree with the model, reopened too."""
    require_postgres()
    run_state_machine_as_test(PostgresLedgerMachine, settings=scaled(20, 40))
