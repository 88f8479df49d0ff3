"""The decisions by tag are withheld for the few people whose experience they read."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from coledger import Ledger, Rule
from coledger.reports.suppression import TAGS_READ_NOTE, suppress

T0 = datetime(2024, 1, 1, 9, tzinfo=UTC)


def day(n: int) -> datetime:
    """Business time *n* days after the start."""
    return T0 + timedelta(days=n)


class Org:
    """A board with an admin who holds no seat, and members added on demand."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.admin = ledger.register_member("Admin", role="staff", occurred_at=day(0))
        self.board = ledger.establish_body(
            "Board",
            kind="governance",
            rule=Rule.majority(),
            by=self.admin,
            occurred_at=day(0),
        )

    def member(self, name: str, *, lived: bool, seat: bool = False) -> UUID:
        """A trainer, with lived experience or without, and a voting seat if asked."""
        who = self.ledger.register_member(name, role="trainer", occurred_at=day(0))
        category = "DIS" if lived else "NONE"
        self.ledger.declare_lived_experience(
            who, categories=[category], occurred_at=day(0)
        )
        if seat:
            self.ledger.assign_seat(
                self.board, who, seat="voting", by=self.admin, occurred_at=day(0)
            )
        return who

    def crowd(self) -> None:
        """Five members with lived experience and five without, who do nothing."""
        for i in range(5):
            self.member(f"L{i}", lived=True)
            self.member(f"N{i}", lived=False)

    def meeting(self, kind: str, starts: int, at: int) -> UUID:
        """A meeting of the board, of *kind*, starting on day *starts*."""
        return self.ledger.schedule_meeting(
            self.board,
            kind=kind,
            title=kind,
            starts_at=day(starts),
            by=self.admin,
            occurred_at=day(at),
        )

    def adopted(
        self,
        proposers: list[UUID],
        at: datetime,
        *,
        meeting: UUID | None = None,
        project: UUID | None = None,
    ) -> None:
        """A proposal by each of *proposers* at *at*, adopted by the admin on day 12."""
        for who in proposers:
            p = self.ledger.raise_proposal(
                self.board,
                proposers=[who],
                title="P",
                text="t",
                occurred_at=at,
                meeting=meeting,
                project=project,
            )
            self.decide(p, "adopted", 12)

    def decide(self, proposal: UUID, outcome: str, at: int) -> None:
        """The admin alone decides *proposal* (no vote, no voting seat)."""
        self.ledger.decide(
            proposal,
            outcome=outcome,
            method="staff_executive",
            by=self.admin,
            decided_by=[self.admin],
            occurred_at=day(at),
        )


@pytest.fixture
def org() -> Iterator[Org]:
    """An organisation on an in-memory ledger."""
    with Ledger.open("memory://") as ledger:
        yield Org(ledger)


def test_one_proposer_of_decisions_deferred_in_the_period_is_not_shown(
    org: Org,
) -> None:
    """Sam's five proposals, raised before the period and deferred in it, are hers."""
    sam = org.member("Sam", lived=True)
    org.crowd()
    proposals = [
        org.ledger.raise_proposal(
            org.board, proposers=[sam], title="P", text="t", occurred_at=day(1)
        )
        for _ in range(5)
    ]
    for p in proposals:
        org.decide(p, "deferred", 12)
    report = org.ledger.power_sharing(since=day(10), until=day(20))
    assert {t.tag for t in report.decisions} == {"consulted"}
    assert report.tag_people == (1, 0)  # Sam only: the admin held no vote
    safe = suppress(report)
    assert safe.tags == ()
    assert safe.tags_withheld == TAGS_READ_NOTE.format(k=5)
    assert safe.decisions == 5


def test_one_attendee_of_a_meeting_before_the_period_is_not_shown(org: Org) -> None:
    """Sam alone attended where five proposals were raised, before the period."""
    sam = org.member("Sam", lived=True)
    org.crowd()
    proposers = [org.member(f"P{i}", lived=False, seat=True) for i in range(5)]
    meeting = org.meeting("decision_meeting", starts=1, at=1)
    org.ledger.record_attendance(meeting, sam, by=org.admin, occurred_at=day(1))
    org.adopted(proposers, day(1) + timedelta(hours=1), meeting=meeting)
    report = org.ledger.power_sharing(since=day(10), until=day(20))
    assert {t.tag for t in report.decisions} == {"informed"}
    assert report.tag_people is not None
    assert report.tag_people[0] == 1
    assert suppress(report).tags == ()


def test_one_attendee_of_the_bodys_meeting_after_a_projects_decisions_is_not_shown(
    org: Org,
) -> None:
    """Sam alone attended the board's information meeting after a project decided."""
    sam = org.member("Sam", lived=True)
    org.crowd()
    proposers = [org.member(f"P{i}", lived=False, seat=True) for i in range(5)]
    project = org.ledger.start_project(
        "Proj", label="co_production", by=org.admin, occurred_at=day(0)
    )
    org.adopted(proposers, day(1), project=project)
    meeting = org.meeting("information", starts=13, at=2)
    org.ledger.record_attendance(meeting, sam, by=org.admin, occurred_at=day(13))
    report = org.ledger.power_sharing(project=project)
    assert {t.tag for t in report.decisions} == {"informed"}
    assert suppress(report).tags == ()


def test_tags_read_from_many_on_each_side_are_shown(org: Org) -> None:
    """Five proposers with lived experience and five without: the tags are counted."""
    lived = [org.member(f"L{i}", lived=True) for i in range(5)]
    others = [org.member(f"N{i}", lived=False) for i in range(5)]
    for who in lived + others:
        p = org.ledger.raise_proposal(
            org.board, proposers=[who], title="P", text="t", occurred_at=day(1)
        )
        org.decide(p, "adopted", 2)
    report = org.ledger.power_sharing()
    assert report.tag_people == (5, 5)
    safe = suppress(report)
    assert safe.tags_withheld is None
    assert {t.tag for t in safe.tags} >= {"influenced", "none"}


def test_the_tables_keep_the_people_the_tags_read() -> None:
    """A report read from the projection tables has the folded report's tag_people."""
    with Ledger.open("memory://") as ledger:
        org = Org(ledger)
        sam = org.member("Sam", lived=True)
        org.crowd()
        p = ledger.raise_proposal(
            org.board, proposers=[sam], title="P", text="t", occurred_at=day(1)
        )
        org.decide(p, "adopted", 2)
        folded = ledger.power_sharing()
        stored = ledger.power_sharing(materialised=True)
        assert folded.tag_people == (1, 0)
        assert stored.tag_people == folded.tag_people
        assert stored.to_json()["tag_people"] == [1, 0]


@pytest.mark.parametrize(
    ("column", "forged", "people"),
    [
        ("groups", "not json", None),
        ("groups", "[5, 5", None),
        ("n", "many", (5, 5)),
        ("people", "x", (5, 5)),
    ],
)
def test_a_hand_edited_row_of_the_tags_people_is_read_without_a_crash(
    tmp_path: Path, column: str, forged: str, people: tuple[int, int] | None
) -> None:
    """A tags row edited past reading is an unknown count (the tags go), no crash."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        org = Org(ledger)
        for i in range(5):
            for lived in (True, False):
                who = org.member(f"M{i}{lived}", lived=lived)
                p = ledger.raise_proposal(
                    org.board, proposers=[who], title="P", text="t", occurred_at=day(1)
                )
                org.decide(p, "adopted", 2)
        assert ledger.power_sharing(materialised=True).tag_people == (5, 5)
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"UPDATE coledger_figures SET {column} = ? WHERE code = 'tags'",  # noqa: S608 (a column of the test's)
            (forged,),
        )
    with Ledger.open(f"sqlite:///{db}") as ledger:
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert "tags" not in read.indicators
        assert read.tag_people == people
        withheld = suppress(read).tags_withheld
        assert withheld == (TAGS_READ_NOTE.format(k=5) if people is None else None)
