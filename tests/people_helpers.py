"""A small body whose key member's lived experience the people tests vary."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from coledger import Ledger, Rule
from coledger.projections.report import PowerSharingReport
from coledger.reports import render


class Group:
    """A body of six voting members, and four staff without seats or lived experience.

    The voting members are the key one, three with lived experience and two
    without.
    """

    def __init__(
        self, ledger: Ledger, *, key_has_it: bool, key_seat: bool = True
    ) -> None:
        self.ledger = ledger
        self.clock = itertools.count()
        self.admin = self.member("Admin", has_it=False)
        self.body = ledger.establish_body(
            "Kit Group",
            kind="working_group",
            rule=Rule.consent(),
            by=self.admin,
            occurred_at=self.at(),
        )
        self.key = self.member("Key", has_it=key_has_it, seat=key_seat)
        self.with_it = [self.member(f"With {i}", has_it=True, seat=True) for i in "abc"]
        self.without = [
            self.member(f"Without {i}", has_it=False, seat=True) for i in "ab"
        ]
        self.staff = [self.member(f"Staff {i}", has_it=False) for i in "abcd"]
        self.voters = [self.key, *self.with_it, *self.without]
        self.project: UUID | None = None
        """The project whose report the test reads, or None for the body's."""

    def at(self) -> datetime:
        """The next business time, an hour after the last."""
        return datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=next(self.clock))

    def member(self, name: str, *, has_it: bool, seat: bool = False) -> UUID:
        """A member who declared lived experience or none, with a voting seat or not."""
        ledger = self.ledger
        by = getattr(self, "admin", None)
        member = ledger.register_member(name, by=by, occurred_at=self.at())
        categories = ["DIS"] if has_it else ["NONE"]
        ledger.declare_lived_experience(
            member, categories=categories, occurred_at=self.at()
        )
        if seat:
            ledger.assign_seat(self.body, member, by=self.admin, occurred_at=self.at())
        return member

    def propose(
        self, proposer: UUID, *, project: UUID | None = None, phase: str | None = None
    ) -> UUID:
        """A proposal to the body."""
        return self.ledger.raise_proposal(
            self.body,
            proposers=[proposer],
            title="Item",
            text="Do it.",
            project=project,
            phase=phase,
            occurred_at=self.at(),
        )

    def comment(self, proposal: UUID, author: UUID) -> UUID:
        """A written comment."""
        return self.ledger.comment(
            proposal,
            author=author,
            text="A view.",
            channel="written",
            occurred_at=self.at(),
        )

    def consent(self, proposal: UUID, outcome: str = "adopted") -> None:
        """The six voting members decide *proposal* together."""
        self.ledger.decide(
            proposal,
            outcome=outcome,
            method="consent",
            by=self.admin,
            decided_by=self.voters,
            occurred_at=self.at(),
        )

    def meeting(self, project: UUID | None = None) -> UUID:
        """A decision meeting of the body, starting now."""
        return self.ledger.schedule_meeting(
            self.body,
            kind="decision_meeting",
            title="Meeting",
            starts_at=self.at(),
            project=project,
            by=self.admin,
            occurred_at=self.at(),
        )

    def projects(self, count: int) -> list[UUID]:
        """*count* projects."""
        return [
            self.ledger.start_project(
                f"Project {i}",
                label="co_production",
                by=self.admin,
                occurred_at=self.at(),
            )
            for i in range(count)
        ]

    def public(self) -> dict[str, Any]:
        """The public JSON report of the scope."""
        report = self.report()
        data: dict[str, Any] = json.loads(
            render(report, audience="public", format="json")
        )
        return data

    def people(self, code: str) -> int | None:
        """A figure's people in the board's report of the scope."""
        return self.report().indicators[code].people

    def report(self) -> PowerSharingReport:
        """The board's report of the body, or of the project if there is one."""
        if self.project is not None:
            return self.ledger.power_sharing(project=self.project)
        return self.ledger.power_sharing(body=self.body)


def twins(
    story: Callable[[Group], None], *, key_seat: bool = True
) -> tuple[Group, Group]:
    """*story* told of a key member with lived experience, and of one without."""
    told = []
    for has_it in (True, False):
        ledger = Ledger.open("memory://")
        group = Group(ledger, key_has_it=has_it, key_seat=key_seat)
        story(group)
        told.append(group)
    return told[0], told[1]


@contextlib.contextmanager
def told(
    story: Callable[[Group], None], *, key_seat: bool = True
) -> Iterator[tuple[Group, Group]]:
    """The twins of *story* (see ``twins``), their ledgers closed afterwards."""
    one, other = twins(story, key_seat=key_seat)
    try:
        yield one, other
    finally:
        one.ledger.close()
        other.ledger.close()


def chair_decides(
    group: Group,
    items: int,
    *,
    phases: Sequence[str | None] = (None,),
    commenters: Sequence[UUID] = (),
) -> None:
    """*items* proposals the key member raises and, as chair, decides alone.

    Each is raised in the next of *phases* in turn, and *commenters* comment
    on each.
    """
    for i in range(items):
        proposal = group.propose(group.key, phase=phases[i % len(phases)])
        for author in commenters:
            group.comment(proposal, author)
        group.ledger.decide(
            proposal,
            outcome="adopted",
            method="chair",
            by=group.admin,
            decided_by=[group.key],
            occurred_at=group.at(),
        )
