"""Random but valid ledger histories for projection properties, driven by Hypothesis."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hypothesis import strategies as st

from coledger import Ledger, LedgerError, Rule

START = datetime(2025, 1, 1, tzinfo=UTC)
ROLES = ["trainer", "staff", "trustee", "partner"]
PHASES = ["design", "delivery", "evaluation", None]


class Builder:
    """Applies drawn steps to a ledger, skipping any the ledger refuses."""

    def __init__(self, ledger: Ledger, *, shredding: bool) -> None:
        self.ledger = ledger
        self.shredding = shredding
        self.day = 0.0
        self.members: list[UUID] = []
        self.bodies: list[UUID] = []
        self.projects: list[UUID] = []
        self.meetings: list[UUID] = []
        self.proposals: list[UUID] = []
        self.comments: dict[UUID, list[UUID]] = {}

    def when(self) -> datetime:
        """The next business time (three hours later each step: days span steps)."""
        self.day += 0.125
        return START + timedelta(days=self.day)

    def pick(self, data: st.DataObject, items: list[UUID]) -> UUID:
        """One of *items*, drawn."""
        return data.draw(st.sampled_from(items))

    def step(self, data: st.DataObject) -> None:
        """Draw one kind of step and apply it if its ingredients exist."""
        steps: list[Callable[[st.DataObject], None]] = [self.member]
        if self.members:
            steps += [self.declare, self.body, self.project]
        if self.bodies:
            steps += [self.seat, self.meeting, self.propose]
        if self.meetings:
            steps += [self.check_in]
        if self.proposals:
            steps += [self.comment, self.vote, self.decide, self.adjust, self.follow]
        if self.shredding and self.members:
            steps += [self.shred]
        action = data.draw(st.sampled_from(steps))
        with contextlib.suppress(LedgerError):  # a refused step writes nothing
            action(data)

    def member(self, data: st.DataObject) -> None:
        """Register someone."""
        role = data.draw(st.sampled_from(ROLES))
        by = self.members[0] if self.members else None
        self.members.append(
            self.ledger.register_member(
                f"Person {len(self.members)}", role=role, by=by, occurred_at=self.when()
            )
        )

    def declare(self, data: st.DataObject) -> None:
        """Someone declares lived experience, or that they have none."""
        categories = data.draw(st.sampled_from([["DIS"], ["LTHC", "CARER"], ["NONE"]]))
        self.ledger.declare_lived_experience(
            self.pick(data, self.members),
            categories=categories,
            occurred_at=self.when(),
        )

    def body(self, data: st.DataObject) -> None:
        """Set up a body under some rule."""
        rule = data.draw(
            st.sampled_from(
                [
                    Rule.majority(),
                    Rule.majority(quorum=0.5),
                    Rule.consent(),
                    Rule.consensus(),
                ]
            )
        )
        kind = data.draw(st.sampled_from(["governance", "working_group", "advisory"]))
        self.bodies.append(
            self.ledger.establish_body(
                f"Body {len(self.bodies)}",
                kind=kind,
                rule=rule,
                by=self.members[0],
                occurred_at=self.when(),
            )
        )

    def project(self, data: st.DataObject) -> None:
        """Start a project under some label."""
        label = data.draw(
            st.sampled_from(["co_production", "consultation", "co_design"])
        )
        self.projects.append(
            self.ledger.start_project(
                f"Project {len(self.projects)}",
                label=label,
                by=self.members[0],
                occurred_at=self.when(),
            )
        )

    def seat(self, data: st.DataObject) -> None:
        """Seat someone, or vacate a seat."""
        body, member = self.pick(data, self.bodies), self.pick(data, self.members)
        if data.draw(st.booleans()):
            seat = data.draw(
                st.sampled_from(["voting", "voting", "advisory", "observer"])
            )
            office = data.draw(st.sampled_from([None, None, "chair", "co_chair"]))
            self.ledger.assign_seat(
                body,
                member,
                seat=seat,
                office=office,
                by=self.members[0],
                occurred_at=self.when(),
            )
        else:
            self.ledger.vacate_seat(
                body, member, by=self.members[0], occurred_at=self.when()
            )

    def meeting(self, data: st.DataObject) -> None:
        """Hold a meeting with papers and attendance."""
        when = self.when()
        meeting = self.ledger.schedule_meeting(
            self.pick(data, self.bodies),
            kind=data.draw(st.sampled_from(["decision_meeting", "workshop"])),
            title="Meeting",
            starts_at=when,
            project=data.draw(st.sampled_from([None, *self.projects])),
            by=self.members[0],
            occurred_at=when - timedelta(hours=2),
        )
        self.ledger.issue_papers(
            meeting,
            formats=["STD", "ER"],
            by=self.members[0],
            occurred_at=when - timedelta(hours=1),
        )
        for member in data.draw(st.lists(st.sampled_from(self.members), max_size=4)):
            self.ledger.record_attendance(
                meeting, member, by=self.members[0], occurred_at=when
            )
        self.meetings.append(meeting)

    def check_in(self, data: st.DataObject) -> None:
        """Hold a wellbeing check-in at a meeting."""
        self.ledger.hold_check_in(
            self.pick(data, self.meetings), by=self.members[0], occurred_at=self.when()
        )

    def propose(self, data: st.DataObject) -> None:
        """Raise a proposal, perhaps in a project and phase."""
        body = self.pick(data, self.bodies)
        meetings = [m for m in self.meetings if self.ledger.meeting(m).body == body]
        proposal = self.ledger.raise_proposal(
            body,
            proposers=[self.pick(data, self.members)],
            title="A proposal",
            text="Let us do it.",
            project=data.draw(st.sampled_from([None, *self.projects])),
            phase=data.draw(st.sampled_from(PHASES)),
            meeting=data.draw(st.sampled_from([None, *meetings])),
            occurred_at=self.when(),
        )
        self.proposals.append(proposal)
        self.comments[proposal] = []

    def comment(self, data: st.DataObject) -> None:
        """Someone comments on a proposal."""
        proposal = self.pick(data, self.proposals)
        self.comments[proposal].append(
            self.ledger.comment(
                proposal,
                author=self.pick(data, self.members),
                text="A thought.",
                channel=data.draw(st.sampled_from(["meeting", "written", "bsl_video"])),
                occurred_at=self.when(),
            )
        )

    def vote(self, data: st.DataObject) -> None:
        """Open voting, cast a ballot, or close it."""
        proposal = self.pick(data, self.proposals)
        status = self.ledger.proposal(proposal).status
        if status == "raised":
            self.ledger.open_voting(
                proposal,
                by=self.members[0],
                access_override="test",
                occurred_at=self.when(),
            )
        elif status == "voting" and data.draw(st.booleans()):
            electorate = self.ledger.proposal(proposal).electorate
            self.ledger.cast_ballot(
                proposal,
                voter=data.draw(st.sampled_from(electorate)),
                choice=data.draw(
                    st.sampled_from(["for", "against", "abstain", "block"])
                ),
                occurred_at=self.when(),
            )
        elif status == "voting":
            self.ledger.close_voting(
                proposal, by=self.members[0], occurred_at=self.when()
            )

    def decide(self, data: st.DataObject) -> None:
        """Decide a proposal another way (or override a vote)."""
        self.ledger.decide(
            self.pick(data, self.proposals),
            outcome=data.draw(st.sampled_from(["adopted", "rejected", "deferred"])),
            method=data.draw(
                st.sampled_from(["chair", "consensus", "staff_executive"])
            ),
            by=self.pick(data, self.members),
            occurred_at=self.when(),
        )

    def adjust(self, data: st.DataObject) -> None:
        """Someone asks for an adjustment, which is met, declined or not."""
        proposal = self.pick(data, self.proposals)
        adjustment = self.ledger.request_adjustment(
            self.pick(data, self.members),
            code="ER",
            proposal=proposal,
            needed_before="vote",
            occurred_at=self.when(),
        )
        outcome = data.draw(st.sampled_from(["provide", "decline", "leave"]))
        if outcome == "provide":
            self.ledger.provide_adjustment(
                adjustment, by=self.members[0], occurred_at=self.when()
            )
        elif outcome == "decline":
            self.ledger.decline_adjustment(
                adjustment,
                by=self.members[0],
                reason="unavailable",
                occurred_at=self.when(),
            )

    def follow(self, data: st.DataObject) -> None:
        """Feedback, an action or an evaluation on a proposal."""
        proposal = self.pick(data, self.proposals)
        which = data.draw(st.sampled_from(["feedback", "action", "evaluation"]))
        if which == "feedback" and self.comments[proposal]:
            self.ledger.give_feedback(
                proposal,
                comments=self.comments[proposal][:1],
                text="We did it.",
                by=self.members[0],
                occurred_at=self.when(),
            )
        elif which == "action":
            self.ledger.assign_action(
                proposal,
                description="Do it",
                owners=[self.pick(data, self.members)],
                by=self.members[0],
                occurred_at=self.when(),
            )
        else:
            self.ledger.record_evaluation(
                proposal,
                summary="It worked.",
                authors=[self.pick(data, self.members)],
                by=self.members[0],
                occurred_at=self.when(),
            )

    def shred(self, data: st.DataObject) -> None:
        """Withdraw a declaration or erase a member (never the first, the admin)."""
        if len(self.members) < 2:
            return
        member = data.draw(st.sampled_from(self.members[1:]))
        if data.draw(st.booleans()):
            self.ledger.withdraw_lived_experience(member, occurred_at=self.when())
        else:
            self.ledger.erase_member(
                member, by=self.members[0], occurred_at=self.when()
            )


def build(
    ledger: Ledger, data: st.DataObject, *, steps: int = 40, shredding: bool = True
) -> Builder:
    """Draw and apply a history of up to *steps* steps."""
    builder = Builder(ledger, shredding=shredding)
    for _ in range(data.draw(st.integers(min_value=5, max_value=steps))):
        builder.step(data)
    return builder


class WideBuilder(Builder):
    """A builder that also reaches the events ``Builder`` never records.

    Role and rule changes, relabelled and finished projects, meetings held
    alone (of any kind, for any project, with attendance and papers each on
    its own), requests for a meeting or standing ones and their answers given
    later, amendments, withdrawals, accessible versions, comments through a
    supporter, advisory votes, decisions naming their deciders, actions due
    and completed, and evaluations with criteria. Once ``same_day`` is set,
    each step is a minute after the last or back-dated to an earlier hour,
    so that "now" stays put and a catch-up rewrites only the scopes it marks.
    """

    def __init__(self, ledger: Ledger, *, shredding: bool = True) -> None:
        super().__init__(ledger, shredding=shredding)
        self.adjustments: list[UUID] = []
        self.same_day = False
        self._data: st.DataObject | None = None

    def when(self) -> datetime:
        """The next business time; once ``same_day`` is set, a minute on or earlier."""
        data = self._data
        if not self.same_day or data is None:
            return super().when()
        if data.draw(st.booleans()):
            self.day += 1 / (24 * 60)
            return START + timedelta(days=self.day)
        earlier = data.draw(st.integers(min_value=0, max_value=int(self.day * 24)))
        return START + timedelta(hours=earlier)

    def step(self, data: st.DataObject) -> None:
        """Draw a step of ``Builder`` or one of the wider ones, half and half."""
        self._data = data
        steps: list[Callable[[st.DataObject], None]] = []
        if self.members:
            steps += [self.role]
        if self.bodies:
            steps += [self.rule, self.lone_meeting, self.adjust_standing]
        if self.projects:
            steps += [self.relabel, self.finish]
        if self.meetings:
            steps += [self.attend, self.papers, self.adjust_meeting, self.cancel]
        if self.proposals:
            steps += [self.amend, self.withdraw, self.publish, self.supported]
            steps += [self.advisory, self.decide_with, self.deliver, self.evaluate]
        if self.adjustments:
            steps += [self.answer]
        if not steps or data.draw(st.booleans()):
            super().step(data)
            return
        action = data.draw(st.sampled_from(steps))
        with contextlib.suppress(LedgerError):  # a refused step writes nothing
            action(data)

    def role(self, data: st.DataObject) -> None:
        """Change someone's role."""
        self.ledger.change_role(
            self.pick(data, self.members),
            data.draw(st.sampled_from(["member", *ROLES])),
            by=self.members[0],
            occurred_at=self.when(),
        )

    def rule(self, data: st.DataObject) -> None:
        """Change a body's rule."""
        rule = data.draw(
            st.sampled_from(
                [
                    Rule.majority(),
                    Rule.consent(),
                    Rule.majority(lived_experience_quorum=1),
                ]
            )
        )
        self.ledger.change_rule(
            self.pick(data, self.bodies),
            rule,
            by=self.members[0],
            occurred_at=self.when(),
        )

    def lone_meeting(self, data: st.DataObject) -> None:
        """Schedule a meeting of any kind, perhaps for a project, with nothing else."""
        when = self.when()
        hours = data.draw(st.integers(min_value=-30, max_value=30))
        self.meetings.append(
            self.ledger.schedule_meeting(
                self.pick(data, self.bodies),
                kind=data.draw(
                    st.sampled_from(
                        ["decision_meeting", "information", "social", "consultation"]
                    )
                ),
                title="Meeting",
                starts_at=when + timedelta(hours=hours),
                project=data.draw(st.sampled_from([None, *self.projects])),
                by=self.members[0],
                occurred_at=when,
            )
        )

    def attend(self, data: st.DataObject) -> None:
        """Record one attendance at a meeting, no earlier than its start."""
        meeting = self.pick(data, self.meetings)
        self.ledger.record_attendance(
            meeting,
            self.pick(data, self.members),
            by=self.members[0],
            occurred_at=max(self.when(), self.ledger.meeting(meeting).starts_at),
        )

    def cancel(self, data: st.DataObject) -> None:
        """Call a meeting off (refused if it took place or was called off already)."""
        self.ledger.cancel_meeting(
            self.pick(data, self.meetings), by=self.members[0], occurred_at=self.when()
        )

    def papers(self, data: st.DataObject) -> None:
        """Issue a meeting's papers in some formats."""
        self.ledger.issue_papers(
            self.pick(data, self.meetings),
            formats=data.draw(st.sampled_from([["STD"], ["ER"], ["STD", "LP"]])),
            by=self.members[0],
            occurred_at=self.when(),
        )

    def adjust_meeting(self, data: st.DataObject) -> None:
        """Someone asks for an adjustment for a meeting."""
        self.adjustments.append(
            self.ledger.request_adjustment(
                self.pick(data, self.members),
                code="ER",
                meeting=self.pick(data, self.meetings),
                needed_before=data.draw(st.sampled_from(["meeting", "vote"])),
                occurred_at=self.when(),
            )
        )

    def adjust_standing(self, data: st.DataObject) -> None:
        """Someone asks for a standing adjustment."""
        self.adjustments.append(
            self.ledger.request_adjustment(
                self.pick(data, self.members), code="ER", occurred_at=self.when()
            )
        )

    def answer(self, data: st.DataObject) -> None:
        """Provide, decline or withdraw a request made earlier."""
        adjustment = self.pick(data, self.adjustments)
        how = data.draw(st.sampled_from(["provide", "decline", "withdraw"]))
        if how == "provide":
            self.ledger.provide_adjustment(
                adjustment,
                by=self.members[0],
                partial=data.draw(st.booleans()),
                occurred_at=self.when(),
            )
        elif how == "decline":
            self.ledger.decline_adjustment(
                adjustment,
                by=self.members[0],
                reason="unavailable",
                occurred_at=self.when(),
            )
        else:
            self.ledger.withdraw_adjustment(
                adjustment, by=self.members[0], occurred_at=self.when()
            )

    def relabel(self, data: st.DataObject) -> None:
        """Relabel a project."""
        self.ledger.relabel_project(
            self.pick(data, self.projects),
            data.draw(st.sampled_from(["co_production", "consultation", "co_design"])),
            by=self.members[0],
            occurred_at=self.when(),
        )

    def finish(self, data: st.DataObject) -> None:
        """Finish a project."""
        self.ledger.finish_project(
            self.pick(data, self.projects), by=self.members[0], occurred_at=self.when()
        )

    def amend(self, data: st.DataObject) -> None:
        """Amend a proposal, taking up its latest comment if it has one."""
        proposal = self.pick(data, self.proposals)
        self.ledger.amend_proposal(
            proposal,
            by=self.pick(data, self.members),
            text="Reworded.",
            takes_up=self.comments[proposal][-1:],
            occurred_at=self.when(),
        )

    def withdraw(self, data: st.DataObject) -> None:
        """Withdraw a proposal."""
        self.ledger.withdraw_proposal(
            self.pick(data, self.proposals),
            by=self.members[0],
            reason="overtaken",
            occurred_at=self.when(),
        )

    def publish(self, data: st.DataObject) -> None:
        """Publish an accessible version of a proposal."""
        self.ledger.publish_accessible_version(
            self.pick(data, self.proposals),
            format="ER",
            by=self.members[0],
            occurred_at=self.when(),
        )

    def supported(self, data: st.DataObject) -> None:
        """Someone comments through a supporter they authorise first."""
        member, helper = self.pick(data, self.members), self.pick(data, self.members)
        with contextlib.suppress(LedgerError):  # already authorised, or themselves
            self.ledger.authorise_supporter(
                member, helper, by=self.members[0], occurred_at=self.when()
            )
        proposal = self.pick(data, self.proposals)
        self.comments[proposal].append(
            self.ledger.comment(
                proposal,
                author=member,
                supporter=helper,
                text="Through my supporter.",
                channel=data.draw(st.sampled_from(["meeting", "one_to_one"])),
                occurred_at=self.when(),
            )
        )

    def advisory(self, data: st.DataObject) -> None:
        """Open an advisory vote (or one with no override), or close an advisory one."""
        proposal = self.pick(data, self.proposals)
        if self.ledger.proposal(proposal).status == "voting" and data.draw(
            st.booleans()
        ):
            self.ledger.close_advisory_vote(
                proposal, by=self.members[0], occurred_at=self.when()
            )
            return
        body = self.ledger.proposal(proposal).body
        with contextlib.suppress(LedgerError):  # a voting seat, so someone can vote
            self.ledger.assign_seat(
                body,
                self.pick(data, self.members),
                seat="voting",
                by=self.members[0],
                occurred_at=self.when(),
            )
        self.ledger.open_voting(
            proposal,
            by=self.members[0],
            advisory=data.draw(st.booleans()),
            occurred_at=self.when(),
        )

    def decide_with(self, data: st.DataObject) -> None:
        """Decide a proposal naming who decided it."""
        self.ledger.decide(
            self.pick(data, self.proposals),
            outcome=data.draw(st.sampled_from(["adopted", "rejected"])),
            method=data.draw(st.sampled_from(["consensus", "consent", "delegated"])),
            by=self.members[0],
            decided_by=data.draw(
                st.lists(st.sampled_from(self.members), min_size=1, max_size=3)
            ),
            occurred_at=self.when(),
        )

    def deliver(self, data: st.DataObject) -> None:
        """Assign an action with a due date, or complete one."""
        proposal = self.pick(data, self.proposals)
        open_actions = [
            a.id
            for a in self.ledger.proposal(proposal).actions
            if a.completed_at is None
        ]
        complete: bool = data.draw(st.booleans())
        if open_actions and complete:
            self.ledger.complete_action(
                proposal,
                data.draw(st.sampled_from(open_actions)),
                by=self.members[0],
                occurred_at=self.when(),
            )
            return
        when = self.when()
        self.ledger.assign_action(
            proposal,
            description="Do it",
            owners=[self.pick(data, self.members)],
            due=when + timedelta(hours=data.draw(st.integers(0, 96))),
            by=self.members[0],
            occurred_at=when,
        )

    def evaluate(self, data: st.DataObject) -> None:
        """Record an evaluation whose criteria someone proposed."""
        self.ledger.record_evaluation(
            self.pick(data, self.proposals),
            summary="It worked.",
            authors=[self.pick(data, self.members)],
            criteria_proposed_by=[self.pick(data, self.members)],
            by=self.members[0],
            occurred_at=self.when(),
        )
