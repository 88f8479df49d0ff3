"""Nothing dated at or after a period's end changes that period's figures."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, LedgerError, Rule
from coledger.projections.materialise import comparable
from coledger.projections.report import PowerSharingReport
from history_builder import START, Builder, build


def scopes(ledger: Ledger) -> list[tuple[UUID | None, UUID | None]]:
    """(body, project) for a report on the ledger, each body and each project."""
    return [
        (None, None),
        *((b.id, None) for b in ledger.bodies()),
        *((None, p.id) for p in ledger.projects()),
    ]


def midnight_after(at: datetime) -> datetime:
    """Midnight (UTC) after business time *at*: "now" for a record ending then."""
    return datetime.combine(at.astimezone(UTC).date(), time(), tzinfo=UTC) + timedelta(
        days=1
    )


class Later(Builder):
    """A builder that also records what a later step can change of an earlier one.

    Papers for a meeting already held, meetings scheduled ahead, attendance,
    amendments, withdrawals, rule and role changes, relabelling, finishing,
    actions done later and requests answered later.
    """

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger, shredding=False)
        self.actions: list[tuple[UUID, UUID]] = []
        self.requests: list[UUID] = []

    def step(self, data: st.DataObject) -> None:
        """Draw an ordinary step or, once its ingredients exist, a later one."""
        extra: list[Callable[[st.DataObject], None]] = []
        if self.bodies and self.members:
            extra += [self.ahead, self.rule, self.role]
        if self.meetings:
            extra += [self.papers, self.attend]
        if self.projects:
            extra += [self.relabel]
        if self.proposals:
            extra += [self.amend, self.withdraw, self.act, self.ask]
        if self.actions:
            extra += [self.complete]
        if self.requests:
            extra += [self.answer]
        if not extra or data.draw(st.booleans()):
            super().step(data)
            return
        with contextlib.suppress(LedgerError):
            data.draw(st.sampled_from(extra))(data)

    def ahead(self, data: st.DataObject) -> None:
        """Schedule a meeting some days ahead, papers out now."""
        when = self.when()
        meeting = self.ledger.schedule_meeting(
            self.pick(data, self.bodies),
            kind=data.draw(st.sampled_from(["decision_meeting", "information"])),
            title="Ahead",
            starts_at=when + timedelta(days=data.draw(st.integers(0, 3)), hours=5),
            project=data.draw(st.sampled_from([None, *self.projects])),
            by=self.members[0],
            occurred_at=when,
        )
        self.meetings.append(meeting)

    def rule(self, data: st.DataObject) -> None:
        """Change a body's rule."""
        rule = data.draw(st.sampled_from([Rule.consent(), Rule.majority()]))
        self.ledger.change_rule(
            self.pick(data, self.bodies),
            rule,
            by=self.members[0],
            occurred_at=self.when(),
        )

    def role(self, data: st.DataObject) -> None:
        """Change someone's role."""
        self.ledger.change_role(
            self.pick(data, self.members),
            data.draw(st.sampled_from(["trainer", "staff", "trustee"])),
            by=self.members[0],
            occurred_at=self.when(),
        )

    def papers(self, data: st.DataObject) -> None:
        """Issue papers, in some format, for any meeting (held or not)."""
        self.ledger.issue_papers(
            self.pick(data, self.meetings),
            formats=[data.draw(st.sampled_from(["STD", "ER", "BSLV"]))],
            by=self.members[0],
            occurred_at=self.when(),
        )

    def attend(self, data: st.DataObject) -> None:
        """Record someone at a meeting as it starts, or hold a check-in then."""
        meeting = self.pick(data, self.meetings)
        starts = self.ledger.meeting(meeting).starts_at
        if starts < START + timedelta(days=self.day):
            return  # only at a meeting still to come, dated at its start
        self.day = (starts - START).total_seconds() / 86400
        if data.draw(st.booleans()):
            self.ledger.record_attendance(
                meeting,
                self.pick(data, self.members),
                by=self.members[0],
                occurred_at=starts,
            )
        else:
            self.ledger.hold_check_in(meeting, by=self.members[0], occurred_at=starts)

    def relabel(self, data: st.DataObject) -> None:
        """Relabel a project, or finish it."""
        project = self.pick(data, self.projects)
        if data.draw(st.booleans()):
            self.ledger.relabel_project(
                project,
                data.draw(st.sampled_from(["co_production", "consultation"])),
                by=self.members[0],
                occurred_at=self.when(),
            )
        else:
            self.ledger.finish_project(
                project, by=self.members[0], occurred_at=self.when()
            )

    def amend(self, data: st.DataObject) -> None:
        """Amend a proposal, perhaps taking up a comment."""
        proposal = self.pick(data, self.proposals)
        comments = self.comments[proposal]
        self.ledger.amend_proposal(
            proposal,
            by=self.pick(data, self.members),
            text="Better.",
            takes_up=comments[-1:] if data.draw(st.booleans()) else [],
            occurred_at=self.when(),
        )

    def withdraw(self, data: st.DataObject) -> None:
        """Withdraw a proposal."""
        self.ledger.withdraw_proposal(
            self.pick(data, self.proposals), by=self.members[0], occurred_at=self.when()
        )

    def act(self, data: st.DataObject) -> None:
        """Assign an action due in a few days."""
        proposal = self.pick(data, self.proposals)
        when = self.when()
        action = self.ledger.assign_action(
            proposal,
            description="Do it",
            owners=[self.pick(data, self.members)],
            by=self.members[0],
            due=when + timedelta(days=data.draw(st.integers(0, 3))),
            occurred_at=when,
        )
        self.actions.append((proposal, action))

    def complete(self, data: st.DataObject) -> None:
        """Complete an action."""
        proposal, action = data.draw(st.sampled_from(self.actions))
        self.ledger.complete_action(
            proposal, action, by=self.members[0], occurred_at=self.when()
        )

    def ask(self, data: st.DataObject) -> None:
        """Ask for an adjustment, for a meeting, a proposal or standing, left open."""
        member = self.pick(data, self.members)
        when = self.when()
        which = data.draw(st.sampled_from(["meeting", "proposal", "standing"]))
        needed_by = data.draw(st.sampled_from([None, when + timedelta(days=1)]))
        if which == "meeting" and self.meetings:
            request = self.ledger.request_adjustment(
                member,
                code="ER",
                meeting=self.pick(data, self.meetings),
                needed_by=needed_by,
                occurred_at=when,
            )
        elif which == "proposal":
            request = self.ledger.request_adjustment(
                member,
                code="ER",
                proposal=self.pick(data, self.proposals),
                needed_before="vote",
                occurred_at=when,
            )
        else:
            request = self.ledger.request_adjustment(
                member, code="ER", needed_by=needed_by, occurred_at=when
            )
        self.requests.append(request)

    def answer(self, data: st.DataObject) -> None:
        """Provide or decline a request made earlier.

        Not withdraw it: a withdrawn request leaves X1 and X2 whenever it was
        withdrawn, as documented.
        """
        request = self.pick(data, self.requests)
        how = data.draw(st.sampled_from(["provide", "decline"]))
        if how == "provide":
            self.ledger.provide_adjustment(
                request, by=self.members[0], occurred_at=self.when()
            )
        else:
            self.ledger.decline_adjustment(
                request,
                by=self.members[0],
                reason="unavailable",
                occurred_at=self.when(),
            )


def figures(report: PowerSharingReport) -> dict[str, Any]:
    """What a report says, but where it was worked out and what reads later records.

    V5, and D5's note (its rationale coverage), read feedback whenever given,
    and W2 a check-in with its meeting whenever it was recorded (as the
    minutes typed up later give it), as documented.
    """
    found = comparable(report)
    del found["as_of"], found["tree_size"]
    indicators = dict(found["indicators"])
    del indicators["V5"], indicators["W2"]
    indicators["D5"] = {k: v for k, v in indicators["D5"].items() if k != "note"}
    found["indicators"] = indicators
    return found


@given(data=st.data())
def test_later_events_leave_a_period_alone(data: st.DataObject) -> None:
    """A report up to T equals the one from only the events dated before T.

    The builders date their events in the order they record them, so those
    dated before T are the ledger as of a position. Left out, as documented:
    withdrawals and erasures (they shred a declaration for all time), feedback
    (V5 and D5's rationale read it whenever given), check-ins (W2 counts them
    with their meeting), and a period that ends after the last day recorded
    before it (its meetings are still to come).
    """
    with Ledger.open("memory://") as ledger:
        if data.draw(st.booleans()):
            build(ledger, data, steps=30, shredding=False)
        else:
            later = Later(ledger)
            for _ in range(data.draw(st.integers(min_value=5, max_value=40))):
                later.step(data)
        times = [r.event.occurred_at for r in ledger.history()]
        assert times == sorted(times)
        until = data.draw(st.sampled_from(times)) + timedelta(
            hours=data.draw(st.sampled_from([0, 1]))
        )
        earlier = [t for t in times if t < until]
        if earlier:  # past the record's last day before T, meetings are still to come
            until = min(until, midnight_after(earlier[-1]))
        since = data.draw(st.sampled_from([None, until - timedelta(days=1)]))
        before = sum(t < until for t in times)
        for body, project in scopes(ledger):
            whole = ledger.power_sharing(
                body=body, project=project, since=since, until=until
            )
            cut = ledger.power_sharing(
                body=body, project=project, since=since, until=until, as_of=before
            )
            a, b = figures(whole), figures(cut)
            for code, figure in a["indicators"].items():
                assert figure == b["indicators"][code], (code, body, project)
            assert a["ladder"] == b["ladder"], (body, project)
            assert a["decisions"] == b["decisions"], (body, project)
            del a["indicators"], b["indicators"]
            assert a == b
