"""Proposal: a question put to a body, from raising it to delivery and evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.rules import Rule, Tally, Verdict
from coledger.domain.timeorder import check_not_before, latest, latest_from
from coledger.domain.values import NEEDED_BEFORE_VOTE
from coledger.errors import (
    ActionAlreadyCompletedError,
    InvalidInputError,
    NotDecidedError,
    NotInElectorateError,
    ProposalClosedError,
    UnknownActionError,
    UnknownCommentError,
    VotingAlreadyOpenedError,
    VotingNotOpenError,
    WrongStateError,
)

ADOPTED = frozenset({"adopted", "adopted_amended"})


@attrs.frozen
class Comment:
    """A contribution to the discussion of a proposal."""

    id: UUID
    author: UUID
    text: str
    channel: str
    supporter: UUID | None
    occurred_at: datetime


@attrs.frozen
class Ballot:
    """A voter's current choice; ``supporter`` is set when a supporter cast it."""

    voter: UUID
    choice: str
    supporter: UUID | None


@attrs.frozen
class Decision:
    """What was decided on a proposal, how, and by whom."""

    id: UUID
    proposal: UUID
    outcome: str
    method: str
    decided_by: tuple[UUID, ...]
    rationale: str | None
    overrode_vote: bool
    tally: Tally | None
    reason: str | None
    occurred_at: datetime


@attrs.frozen
class Action:
    """A piece of delivery work assigned after a decision."""

    id: UUID
    description: str
    owners: tuple[UUID, ...]
    due: datetime | None
    completed_at: datetime | None


@attrs.frozen
class Evaluation:
    """A recorded look back at what a decision achieved."""

    id: UUID
    authors: tuple[UUID, ...]
    criteria_proposed_by: tuple[UUID, ...]
    summary: str


DEFERRED = "deferred"
"""The outcome that puts a proposal off: it decides nothing either way."""


def _same_direction(a: str, b: str) -> bool:
    return a == b or (a in ADOPTED and b in ADOPTED)


class Proposal(LedgerAggregate):
    """A question put to a body: its discussion, vote, decision and follow-through."""

    class Raised(LedgerAggregate.Created):
        """One or more members put a proposal to a body."""

        body: UUID
        proposers: tuple[UUID, ...]
        title: str
        text: str
        project: UUID | None
        phase: str | None
        meeting: UUID | None

        def apply(self, aggregate: Proposal) -> None:
            """Set the initial state."""
            aggregate.body = self.body
            aggregate.proposers = self.proposers
            aggregate.title = self.title
            aggregate.text = self.text
            aggregate.project = self.project
            aggregate.phase = self.phase
            aggregate.meeting = self.meeting
            aggregate.status = "raised"
            aggregate.raised_at = self.occurred_at
            aggregate.last_step_at = self.occurred_at
            aggregate.delivered_at = None
            aggregate.comments = {}
            aggregate.taken_up = frozenset()
            aggregate.amendments = 0
            aggregate.accessible_formats = ()
            aggregate.feedback = ()
            aggregate.adjustments = ()
            aggregate.electorate = ()
            aggregate.rule = None
            aggregate.access_override = None
            aggregate.opened_over = ()
            aggregate.voting_opened_at = None
            aggregate.ballots = {}
            aggregate.ballot_at = {}
            aggregate.last_ballot_at = None
            aggregate.tally = None
            aggregate.verdict = None
            aggregate.advisory = False
            aggregate.decision = None
            aggregate.decisions = ()
            aggregate.actions = {}
            aggregate.action_assigned_at = {}
            aggregate.evaluations = ()

    class Amended(LedgerAggregate.Event):
        """A member (any, not only a proposer) reworded it, taking up some comments."""

        title: str
        text: str
        takes_up: tuple[UUID, ...]

        def apply(self, aggregate: Proposal) -> None:
            """Take the new wording."""
            aggregate.title = self.title
            aggregate.text = self.text
            aggregate.taken_up = aggregate.taken_up | set(self.takes_up)
            aggregate.amendments += 1
            # The latest time: an older ledger may hold one before the raising.
            aggregate.last_step_at = max(aggregate.last_step_at, self.occurred_at)

    class Commented(LedgerAggregate.Event):
        """A member commented, perhaps through a supporter or an accessible channel."""

        comment_id: UUID
        author: UUID
        text: str
        channel: str
        supporter: UUID | None

        @property
        def recorded_id(self) -> UUID:
            """The comment's own id."""
            return self.comment_id

        def apply(self, aggregate: Proposal) -> None:
            """Add the comment."""
            comment = Comment(
                self.comment_id,
                self.author,
                self.text,
                self.channel,
                self.supporter,
                self.occurred_at,
            )
            aggregate.comments[self.comment_id] = comment

    class AccessibleVersionPublished(LedgerAggregate.Event):
        """A version of the proposal was published in an accessible format."""

        format: str

        def apply(self, aggregate: Proposal) -> None:
            """Note the format."""
            aggregate.accessible_formats = (*aggregate.accessible_formats, self.format)

    class AdjustmentLinked(LedgerAggregate.Event):
        """An adjustment was requested for this proposal (and recorded on its own)."""

        adjustment: UUID
        member: UUID
        needed_before: str

        def apply(self, aggregate: Proposal) -> None:
            """Remember the request, so that voting can check it."""
            aggregate.adjustments = (*aggregate.adjustments, self.adjustment)

    class FeedbackGiven(LedgerAggregate.Event):
        """The organisation told contributors what became of their comments."""

        feedback_id: UUID
        comments: tuple[UUID, ...]
        text: str

        @property
        def recorded_id(self) -> UUID:
            """The feedback's own id."""
            return self.feedback_id

        def apply(self, aggregate: Proposal) -> None:
            """Note the feedback."""
            aggregate.feedback = (*aggregate.feedback, self.feedback_id)

    class VotingOpened(LedgerAggregate.Event):
        """Voting opened; the electorate, the rule and whether it binds are fixed."""

        class_version = 2

        electorate: tuple[UUID, ...]
        rule_kind: str
        rule_threshold: str
        rule_quorum: str
        rule_lived_experience_quorum: int
        access_override: str | None
        unmet_adjustments: tuple[UUID, ...]
        advisory: bool | None
        """True for a vote that only informs (a poll of opinion), fixed at the
        opening so that no one chooses after seeing the tally; None in votes
        opened before it was recorded, which settle it at their close."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """Version 1 left whether the vote binds to its close."""
            state["advisory"] = None

        def apply(self, aggregate: Proposal) -> None:
            """Fix the electorate and rule."""
            aggregate.status = "voting"
            aggregate.advisory_opening = self.advisory
            aggregate.last_step_at = self.occurred_at
            aggregate.voting_opened_at = self.occurred_at
            aggregate.electorate = self.electorate
            aggregate.rule = Rule.from_fields(
                self.rule_kind,
                self.rule_threshold,
                self.rule_quorum,
                self.rule_lived_experience_quorum,
            )
            aggregate.access_override = self.access_override
            aggregate.opened_over = self.unmet_adjustments

    class BallotCast(LedgerAggregate.Event):
        """A voter chose; a later ballot replaces an earlier one until voting closes."""

        voter: UUID
        choice: str
        supporter: UUID | None

        def apply(self, aggregate: Proposal) -> None:
            """Hold the voter's latest choice."""
            ballot = Ballot(self.voter, self.choice, self.supporter)
            aggregate.ballots[self.voter] = ballot
            aggregate.ballot_at[self.voter] = self.occurred_at
            last = aggregate.last_ballot_at
            at = self.occurred_at
            aggregate.last_ballot_at = at if last is None else max(at, last)

    class VotingClosed(LedgerAggregate.Event):
        """Voting closed; the tally and what the rule made of it are fixed."""

        class_version = 2

        for_: int
        against: int
        abstain: int
        block: int
        electorate_size: int
        lived_experience_participants: int | None
        outcome: str
        reason: str
        advisory: bool
        """True when the vote only informed: no decision follows from its tally."""

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            """Version 1 had only binding votes."""
            state["advisory"] = False

        def apply(self, aggregate: Proposal) -> None:
            """Fix the tally (a binding vote's decision follows in the same save)."""
            if self.advisory:
                aggregate.status = "closed"
            aggregate.last_step_at = self.occurred_at
            aggregate.tally = Tally(
                self.for_,
                self.against,
                self.abstain,
                self.block,
                self.electorate_size,
                self.lived_experience_participants,
            )
            aggregate.verdict = Verdict(self.outcome, self.reason)
            aggregate.advisory = self.advisory

    class Decided(LedgerAggregate.Event):
        """The proposal was decided: outcome, method, who decided and why."""

        decision_id: UUID
        outcome: str
        method: str
        decided_by: tuple[UUID, ...]
        rationale: str | None
        overrode_vote: bool

        @property
        def recorded_id(self) -> UUID:
            """The decision's own id."""
            return self.decision_id

        def apply(self, aggregate: Proposal) -> None:
            """Record the decision."""
            aggregate.status = "decided"
            closing = (
                aggregate.verdict is not None
                and not aggregate.advisory
                and not aggregate.decisions
            )
            decision = Decision(
                self.decision_id,
                aggregate.id,
                self.outcome,
                self.method,
                self.decided_by,
                self.rationale,
                self.overrode_vote,
                aggregate.tally,
                aggregate.verdict.reason if closing and aggregate.verdict else None,
                self.occurred_at,
            )
            aggregate.decision = decision
            aggregate.decisions = (*aggregate.decisions, decision)

    class Withdrawn(LedgerAggregate.Event):
        """A member (any, not only a proposer) withdrew it before a decision."""

        reason: str | None

        def apply(self, aggregate: Proposal) -> None:
            """Mark it withdrawn."""
            aggregate.status = "withdrawn"

    class ActionAssigned(LedgerAggregate.Event):
        """Delivery work following the decision was given to some owners."""

        action_id: UUID
        description: str
        owners: tuple[UUID, ...]
        due: datetime | None

        @property
        def recorded_id(self) -> UUID:
            """The action's own id."""
            return self.action_id

        def apply(self, aggregate: Proposal) -> None:
            """Add the action."""
            action = Action(
                self.action_id, self.description, self.owners, self.due, None
            )
            aggregate.actions[self.action_id] = action
            aggregate.action_assigned_at[self.action_id] = self.occurred_at
            aggregate.note_delivery(self.occurred_at)

    class ActionCompleted(LedgerAggregate.Event):
        """A delivery action was completed."""

        action_id: UUID

        def apply(self, aggregate: Proposal) -> None:
            """Mark the action done."""
            action = attrs.evolve(
                aggregate.actions[self.action_id], completed_at=self.occurred_at
            )
            aggregate.actions[self.action_id] = action
            aggregate.note_delivery(self.occurred_at)

    class EvaluationRecorded(LedgerAggregate.Event):
        """Someone evaluated what the decision achieved, against whose criteria."""

        evaluation_id: UUID
        authors: tuple[UUID, ...]
        criteria_proposed_by: tuple[UUID, ...]
        summary: str

        @property
        def recorded_id(self) -> UUID:
            """The evaluation's own id."""
            return self.evaluation_id

        def apply(self, aggregate: Proposal) -> None:
            """Add the evaluation."""
            evaluation = Evaluation(
                self.evaluation_id,
                self.authors,
                self.criteria_proposed_by,
                self.summary,
            )
            aggregate.evaluations = (*aggregate.evaluations, evaluation)
            aggregate.note_delivery(self.occurred_at)

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        body: UUID
        proposers: tuple[UUID, ...]
        title: str
        text: str
        project: UUID | None
        phase: str | None
        meeting: UUID | None
        status: str
        raised_at: datetime
        last_step_at: datetime
        """When it was raised or last amended, or voting last opened or closed
        (business time)."""
        delivered_at: datetime | None
        """The latest business time an action was assigned or completed, or an
        evaluation recorded, on the decision in force (None: none yet)."""
        comments: dict[UUID, Comment]
        taken_up: frozenset[UUID]
        amendments: int
        accessible_formats: tuple[str, ...]
        feedback: tuple[UUID, ...]
        adjustments: tuple[UUID, ...]
        electorate: tuple[UUID, ...]
        rule: Rule | None
        access_override: str | None
        opened_over: tuple[UUID, ...]
        """The requests the vote opened over, unanswered (with the override)."""
        voting_opened_at: datetime | None
        """When its vote opened (business time), or None before one opened."""
        advisory_opening: bool | None
        """Whether the open vote only informs, as fixed at its opening (None: a
        vote opened before that was recorded, settled at its close)."""
        ballots: dict[UUID, Ballot]
        ballot_at: dict[UUID, datetime]
        """The business time of each voter's ballot in ``ballots``."""
        last_ballot_at: datetime | None
        """The latest business time of a ballot (ballots come in any order)."""
        tally: Tally | None
        verdict: Verdict | None
        advisory: bool
        decision: Decision | None
        decisions: tuple[Decision, ...]
        actions: dict[UUID, Action]
        action_assigned_at: dict[UUID, datetime]
        """When each action was assigned (business time)."""
        evaluations: tuple[Evaluation, ...]

    @classmethod
    def raise_(
        cls,
        record_id: UUID,
        ctx: Context,
        *,
        body: UUID,
        proposers: tuple[UUID, ...],
        title: str,
        text: str,
        project: UUID | None,
        phase: str | None,
        meeting: UUID | None,
    ) -> Proposal:
        """Raise a new proposal."""
        return cls._start(
            cls.Raised,
            record_id,
            ctx,
            body=body,
            proposers=proposers,
            title=title,
            text=text,
            project=project,
            phase=phase,
            meeting=meeting,
        )

    # Guards ---------------------------------------------------------------------

    def _check_after_last_step(self, ctx: Context, what: str) -> None:
        """Refuse *what* dated before the raising, an amendment, or a step of voting.

        Voting opens after raising and any amendment (the vote is on the
        amended text), ballots and the close come after the opening, and a
        decision after the close (or the raising and amendments). Ballots are
        not ordered among themselves: writers at once stamp them in any order.
        """
        check_not_before(
            what,
            ctx.occurred_at,
            self.last_step_at,
            "the proposal's last step",
            ": its raising, an amendment, or the opening or close of its vote",
        )

    def _check_after_ballots(self, ctx: Context, what: str, ballot: str) -> None:
        """Refuse *what*, which ends the vote, dated before its last step or ballot.

        *ballot* names the latest ballot in the message.
        """
        self._check_after_last_step(ctx, what)
        check_not_before(what, ctx.occurred_at, self.last_ballot_at, ballot)

    def _check_after_raising(self, ctx: Context, what: str) -> None:
        """Refuse *what* dated before the proposal was raised.

        Comments, amendments, accessible versions, feedback and requests for
        adjustments are about the proposal: the reports would count them in a
        period before it existed.
        """
        raised = self.raised_at
        check_not_before(what, ctx.occurred_at, raised, "the proposal was raised")

    def latest_comment_at(self, comments: Iterable[UUID]) -> datetime | None:
        """The business time of the latest of *comments* made on the proposal."""
        times = [self.comments[c].occurred_at for c in comments if c in self.comments]
        return max(times, default=None)

    def _check_after_comments(
        self, ctx: Context, comments: Iterable[UUID], what: str, verb: str
    ) -> None:
        """Refuse *what* dated before a comment it answers or takes up."""
        latest = self.latest_comment_at(comments)
        check_not_before(what, ctx.occurred_at, latest, f"a comment it {verb}")

    @property
    def is_open(self) -> bool:
        """Whether the proposal is still before the body (not decided or withdrawn).

        A binding vote that closed ``not_valid`` decided nothing: until a
        decision by another route, the proposal is still open.
        """
        return self.status in {"raised", "voting", "closed"} or self._undecided_vote

    @property
    def _undecided_vote(self) -> bool:
        """Whether the one decision so far is a binding vote that closed not_valid."""
        return (
            self.status == "decided"
            and len(self.decisions) == 1
            and self.verdict is not None
            and not self.advisory
            and self.verdict.outcome == "not_valid"
        )

    def check_discussable(self) -> None:
        """Refuse a comment on a proposal no longer before the body, or polled already.

        An advisory vote's close ends the discussion it polled.
        """
        self.check_open()
        if self.status == "closed":
            raise ProposalClosedError(f"voting on proposal {self.id} has closed")

    def check_open(self) -> None:
        """Refuse a step of a proposal no longer before the body: decided, withdrawn."""
        if not self.is_open:
            raise ProposalClosedError(f"proposal {self.id} is {self.status}")

    def check_not_withdrawn(self) -> None:
        """Refuse a step that may follow a decision, but not a withdrawal."""
        if self.status == "withdrawn":
            raise ProposalClosedError(f"proposal {self.id} was withdrawn")

    def check_linkable(self, needed_before: str) -> None:
        """Refuse a need noted when the stage it is needed before can no longer come.

        Feedback can be given until the proposal is withdrawn; an earlier stage
        only while it is open.
        """
        if needed_before == "feedback":
            self.check_not_withdrawn()
        else:
            self.check_open()

    def check_adopted(self) -> Decision:
        """The decision in force; NotDecidedError unless it adopts the proposal."""
        decision = self.decision
        if decision is None or decision.outcome not in ADOPTED:
            raise NotDecidedError(
                f"proposal {self.id} has not been adopted: {self._not_adopted()}"
            )
        return decision

    def _not_adopted(self) -> str:
        """Why the proposal is not adopted, for a refusal of delivery."""
        decision = self.decision
        if decision is None:
            return (
                "it was withdrawn" if self.status == "withdrawn" else "no decision yet"
            )
        if decision.outcome == "not_valid":
            return "its vote closed not_valid and no decision has followed"
        return f"its decision in force is {decision.outcome!r}, by {decision.method}"

    def _check_after_adoption(self, ctx: Context, what: str) -> None:
        """Refuse *what* unless the proposal is adopted, or if dated before that.

        Delivery and evaluation follow from the adoption: the reports read
        them against the decision's time.
        """
        adopted = self.check_adopted().occurred_at
        check_not_before(what, ctx.occurred_at, adopted, "the proposal was adopted")

    def note_delivery(self, at: datetime) -> None:
        """Remember the latest business time of delivery work or an evaluation."""
        self.delivered_at = latest(self.delivered_at, at)

    @property
    def decision_floor(self) -> datetime:
        """The earliest business time a decision may have: its last step, or delivery.

        A decision after a vote's may go the other way; dated before work
        already done on the vote's outcome, it would show that work done on a
        decision no longer in force.
        """
        return latest_from(self.last_step_at, self.delivered_at)

    def last_voting_step(self) -> datetime:
        """When a close or a withdrawal may come: the opening, or a later ballot."""
        last = self.last_ballot_at
        return self.last_step_at if last is None else max(last, self.last_step_at)

    @property
    def counted_ballots(self) -> tuple[Ballot, ...]:
        """The latest ballot of each voter in the electorate.

        A command takes ballots from the electorate only, but an import does
        not check who voted: a ballot from anyone else is kept, not counted.
        """
        electorate = set(self.electorate)
        return tuple(b for b in self.ballots.values() if b.voter in electorate)

    def current_tally(self, lived_experience_participants: int | None = None) -> Tally:
        """Count the latest ballot of each voter in the electorate."""
        counts = dict.fromkeys(("for", "against", "abstain", "block"), 0)
        for ballot in self.counted_ballots:
            counts[ballot.choice] += 1
        return Tally(
            counts["for"],
            counts["against"],
            counts["abstain"],
            counts["block"],
            len(self.electorate),
            lived_experience_participants,
        )

    # Commands ---------------------------------------------------------------------

    def amend(
        self, ctx: Context, *, title: str, text: str, takes_up: tuple[UUID, ...]
    ) -> None:
        """Change the wording before voting opens."""
        self.check_amendable()
        for comment in takes_up:
            if comment not in self.comments:
                raise UnknownCommentError(comment, on=f"proposal {self.id}")
        # A comment taken up before is taken up already: naming it again adds
        # nothing, yet the reports would read the amendment as new influence.
        if (title, text) == (self.title, self.text) and self.taken_up.issuperset(
            takes_up
        ):
            raise InvalidInputError(
                f"the amendment of proposal {self.id} changes nothing: give a new "
                "title or text, or comments it has not taken up yet"
            )
        self._check_after_last_step(ctx, "the amendment")
        self._check_after_comments(ctx, takes_up, "the amendment", "takes up")
        self._record(self.Amended, ctx, title=title, text=text, takes_up=takes_up)

    def check_amendable(self) -> None:
        """Refuse an amendment of a proposal no longer before the body, or voted on."""
        self.check_open()
        if self.status != "raised":
            raise VotingAlreadyOpenedError(
                f"proposal {self.id} cannot be amended once voting has opened"
            )

    def comment(
        self,
        ctx: Context,
        *,
        comment_id: UUID,
        author: UUID,
        text: str,
        channel: str,
        supporter: UUID | None,
    ) -> None:
        """Add a comment while the proposal is under discussion or vote."""
        self.check_discussable()
        self._check_after_raising(ctx, "the comment")
        self._record(
            self.Commented,
            ctx,
            comment_id=comment_id,
            author=author,
            text=text,
            channel=channel,
            supporter=supporter,
        )

    def publish_accessible_version(self, ctx: Context, fmt: str) -> None:
        """Record a version published in an accessible format."""
        self.check_not_withdrawn()
        self._check_after_raising(ctx, "the accessible version")
        self._record(self.AccessibleVersionPublished, ctx, format=fmt)

    def request_floor(self, needed_before: str, member: UUID) -> datetime:
        """The earliest business time *member*'s need before *needed_before* may have.

        The raising, and for a need before the vote, the opening of its vote
        when *member* could vote in it: dated before, the need would have held
        the vote up. A need of someone outside the electorate held nothing up.
        """
        return latest_from(self.raised_at, self._held_up_by(needed_before, member))

    def _held_up_by(self, needed_before: str, member: UUID) -> datetime | None:
        """When the vote *member*'s need before *needed_before* would hold opened."""
        if needed_before in NEEDED_BEFORE_VOTE and member in self.electorate:
            return self.voting_opened_at
        return None

    def link_adjustment(
        self, ctx: Context, *, adjustment: UUID, member: UUID, needed_before: str
    ) -> None:
        """Note an adjustment requested for this proposal, while its stage can come.

        A need before feedback can be asked for as long as feedback can be given
        (until the proposal is withdrawn); a need before an earlier stage only
        while the proposal is open.
        """
        self.check_linkable(needed_before)
        # Dated before the opening, a voter's need would have held the vote
        # up; the opening, recorded first, found no such request to answer for.
        check_not_before(
            "a request needed before the vote",
            ctx.occurred_at,
            self._held_up_by(needed_before, member),
            "the vote it would have held up",
        )
        self._check_after_raising(ctx, "the request for an adjustment")
        self._record(
            self.AdjustmentLinked,
            ctx,
            adjustment=adjustment,
            member=member,
            needed_before=needed_before,
        )

    def give_feedback(
        self, ctx: Context, *, feedback_id: UUID, comments: tuple[UUID, ...], text: str
    ) -> None:
        """Record "you said, we did" feedback on some comments."""
        self.check_not_withdrawn()
        for comment in comments:
            if comment not in self.comments:
                raise UnknownCommentError(comment, on=f"proposal {self.id}")
        self._check_after_raising(ctx, "the feedback")
        self._check_after_comments(ctx, comments, "the feedback", "answers")
        self._record(
            self.FeedbackGiven,
            ctx,
            feedback_id=feedback_id,
            comments=comments,
            text=text,
        )

    def check_voting_can_open(self) -> None:
        """Refuse to open a vote on a proposal decided, withdrawn or voted on already.

        The command asks first, before it reads the body's seats and the
        requests for access: a closed proposal is refused for what it is, not
        for a state of its body that no vote on it could now change.
        """
        self.check_open()
        if self.status != "raised":
            raise VotingAlreadyOpenedError(
                f"voting on proposal {self.id} already opened"
            )

    def open_voting(
        self,
        ctx: Context,
        *,
        electorate: tuple[UUID, ...],
        rule: Rule,
        access_override: str | None,
        unmet_adjustments: tuple[UUID, ...],
        advisory: bool = False,
    ) -> None:
        """Open voting with a fixed electorate (the access check is the caller's)."""
        self.check_voting_can_open()
        self._check_after_last_step(ctx, "opening the vote")
        self._record(
            self.VotingOpened,
            ctx,
            electorate=electorate,
            access_override=access_override,
            unmet_adjustments=unmet_adjustments,
            advisory=advisory,
            **rule.to_fields(),
        )

    def cast_ballot(
        self, ctx: Context, *, voter: UUID, choice: str, supporter: UUID | None
    ) -> None:
        """Record a ballot from a member of the electorate while voting is open.

        Ballots of different voters come in any order, but a voter's ballot
        replaces theirs only from the same time or later: one dated before
        would count while the ballot it replaced came after it.
        """
        if self.status != "voting":
            raise VotingNotOpenError(f"voting on proposal {self.id} is not open")
        if voter not in self.electorate:
            raise NotInElectorateError(
                f"member {voter} is not in the electorate of proposal {self.id}"
            )
        self._check_after_last_step(ctx, "a ballot")
        check_not_before(
            "a ballot",
            ctx.occurred_at,
            self.ballot_at.get(voter),
            "the ballot it replaces",
        )
        self._record(
            self.BallotCast, ctx, voter=voter, choice=choice, supporter=supporter
        )

    def close_advisory_vote(
        self, ctx: Context, *, lived_experience_participants: int | None
    ) -> Tally:
        """Close a vote that only informs: the tally is fixed, nothing is decided."""
        return self._close(ctx, lived_experience_participants, advisory=True)[0]

    def close_voting(
        self,
        ctx: Context,
        *,
        decision_id: UUID,
        lived_experience_participants: int | None,
    ) -> Decision:
        """Close voting, apply the rule fixed at opening, and record the decision."""
        self._close(ctx, lived_experience_participants, advisory=False)
        return self._decide(ctx, decision_id=decision_id, **self.vote_decision())

    def vote_decision(self) -> dict[str, object]:
        """The fields of the decision a binding close records, once it is recorded.

        The verdict's outcome, by the rule's method, decided by the voters
        whose ballots the close counts.
        """
        assert self.verdict is not None  # noqa: S101 (set by the close)
        assert self.rule is not None  # noqa: S101 (set by the opening)
        return {
            "outcome": self.verdict.outcome,
            "method": self.rule.method,
            "decided_by": tuple(b.voter for b in self.counted_ballots),
            "rationale": None,
            "overrode_vote": False,
        }

    def _close(
        self,
        ctx: Context,
        lived_experience_participants: int | None,
        *,
        advisory: bool,
    ) -> tuple[Tally, Verdict]:
        self._check_voting_open()
        counted = "the latest ballot it counts"
        self._check_after_ballots(ctx, "closing the vote", counted)
        tally, verdict = self.closing(lived_experience_participants, advisory=advisory)
        self._record(
            self.VotingClosed,
            # A binding vote's source reference names the decision that follows.
            ctx if advisory else attrs.evolve(ctx, source_ref=None),
            for_=tally.for_,
            against=tally.against,
            abstain=tally.abstain,
            block=tally.block,
            electorate_size=tally.electorate,
            lived_experience_participants=lived_experience_participants,
            outcome=verdict.outcome,
            reason=verdict.reason,
            advisory=advisory,
        )
        return tally, verdict

    def _check_voting_open(self) -> Rule:
        """The open vote's rule; VotingNotOpenError if no vote is open."""
        if self.status != "voting" or self.rule is None:
            raise VotingNotOpenError(f"voting on proposal {self.id} is not open")
        return self.rule

    def closing(
        self, lived_experience_participants: int | None, *, advisory: bool
    ) -> tuple[Tally, Verdict]:
        """The tally and verdict that closing the open vote now fixes.

        Refused if no vote is open, or if it was opened as the other kind
        (advisory or binding) than *advisory* closes it as.
        """
        rule = self._check_voting_open()
        opened = self.advisory_opening
        if opened is not None and opened != advisory:
            kind, close = (
                ("advisory", "close_advisory_vote")
                if opened
                else ("binding", "close_voting")
            )
            raise WrongStateError(
                f"voting on proposal {self.id} was opened as {kind}: close it "
                f"with {close}()"
            )
        tally = self.current_tally(lived_experience_participants)
        return tally, rule.decide(tally)

    def decide(
        self,
        ctx: Context,
        *,
        decision_id: UUID,
        outcome: str,
        method: str,
        decided_by: tuple[UUID, ...],
        rationale: str | None,
    ) -> Decision:
        """Record a decision.

        A proposal is decided once, except that a decision made by a vote may be
        followed by one later decision by another route: that one is marked as
        overriding the vote when its outcome goes the other way.
        """
        self.check_decision(method)
        settled = self.verdict is not None and self.verdict.outcome != "not_valid"
        if self.status == "decided" and settled and outcome == DEFERRED:
            raise WrongStateError(
                f"a vote settled proposal {self.id}; deferring it now would end "
                "what the vote decided without overriding it: record a decision "
                "that confirms the vote or goes against it"
            )
        self._check_after_last_step(ctx, "the decision")
        check_not_before(
            "the decision",
            ctx.occurred_at,
            self.delivered_at,
            "the latest delivery action or evaluation of the decision in force",
        )
        return self._decide(
            ctx,
            decision_id=decision_id,
            outcome=outcome,
            method=method,
            decided_by=decided_by,
            rationale=rationale,
            overrode_vote=self.would_override(outcome),
        )

    def check_decision(self, method: str) -> None:
        """Refuse a decision by ``decide`` by *method* in the proposal's state.

        Refused while a vote is open, once the proposal is withdrawn or decided
        (but for the one decision that may follow a binding vote's), and by
        the method "vote", which only a close records. Unlike ``decide``, it
        lets a deferral follow a vote that settled the proposal: coledger
        0.1.0 recorded one, and its ledgers still import.
        """
        if self.status == "voting":
            raise WrongStateError(
                f"voting on proposal {self.id} is open; close it before deciding"
            )
        if self.status == "decided":
            if self.verdict is None or self.advisory or len(self.decisions) != 1:
                raise ProposalClosedError(f"proposal {self.id} is already decided")
        else:
            self.check_open()
        if method == "vote":
            raise WrongStateError(
                "a decision by vote is recorded by closing the vote, not by decide()"
            )

    def would_override(self, outcome: str) -> bool:
        """Whether a decision of *outcome* now goes against a binding vote's verdict."""
        return (
            self.verdict is not None
            and not self.advisory
            and self.verdict.outcome != "not_valid"
            and not _same_direction(self.verdict.outcome, outcome)
        )

    def _decide(self, ctx: Context, **fields: object) -> Decision:
        self._record(self.Decided, ctx, **fields)
        assert self.decision is not None  # noqa: S101 (set by the event just applied)
        return self.decision

    def withdraw(self, ctx: Context, *, reason: str | None) -> None:
        """Withdraw the proposal before it is decided, after its last step of voting.

        A withdrawal ends an open vote as a close would, so it comes no earlier
        than the latest ballot either: a ballot dated after it would be a vote
        on a proposal already taken back.
        """
        self.check_open()
        self._check_after_ballots(ctx, "the withdrawal", "the latest ballot")
        self._record(self.Withdrawn, ctx, reason=reason)

    def assign_action(
        self,
        ctx: Context,
        *,
        action_id: UUID,
        description: str,
        owners: tuple[UUID, ...],
        due: datetime | None,
    ) -> None:
        """Record delivery work following an adoption, due no earlier than assigned.

        A due date before the assignment would be work due before anyone was
        given it: late whenever it was done, as follow-through counts it.
        """
        self._check_after_adoption(ctx, "the action")
        if due is not None:
            check_not_before("the due date", due, ctx.occurred_at, "the assignment")
        self._record(
            self.ActionAssigned,
            ctx,
            action_id=action_id,
            description=description,
            owners=owners,
            due=due,
        )

    def complete_action(self, ctx: Context, *, action_id: UUID) -> None:
        """Record that a delivery action of a still-adopted proposal was done."""
        self.check_action_open(action_id)
        self.check_adopted()  # an adoption overridden since carries no more work
        check_not_before(
            "completing the action",
            ctx.occurred_at,
            self.action_assigned_at[action_id],
            "it was assigned",
        )
        self._record(self.ActionCompleted, ctx, action_id=action_id)

    def check_action_open(self, action_id: UUID) -> None:
        """Refuse to complete an action the proposal has not, or has completed."""
        action = self.actions.get(action_id)
        if action is None:
            raise UnknownActionError(action_id, on=f"proposal {self.id}")
        if action.completed_at is not None:
            raise ActionAlreadyCompletedError(
                f"action {action_id} was already completed"
            )

    def record_evaluation(
        self,
        ctx: Context,
        *,
        evaluation_id: UUID,
        authors: tuple[UUID, ...],
        criteria_proposed_by: tuple[UUID, ...],
        summary: str,
    ) -> None:
        """Record an evaluation of an adopted proposal."""
        self._check_after_adoption(ctx, "the evaluation")
        self._record(
            self.EvaluationRecorded,
            ctx,
            evaluation_id=evaluation_id,
            authors=authors,
            criteria_proposed_by=criteria_proposed_by,
            summary=summary,
        )
