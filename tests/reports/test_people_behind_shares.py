"""Shares of records that a few people make are withheld from the public."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.demo import record_year
from coledger.projections.indicators import WEIGHED
from coledger.projections.lens import Figure
from coledger.projections.thresholds import Thresholds
from coledger.reports import render, suppress
from coledger.reports.suppression import SMALL_CELL, safe_figure
from coledger.reports.vocabulary import INDICATORS, TAGS, indicator

K = Thresholds().small_cell


class WorkingGroup:
    """A working group of six trainers with lived experience and a staff admin."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.clock = itertools.count()
        self.admin = ledger.register_member(
            "Admin", role="staff", occurred_at=self.at()
        )
        ledger.declare_lived_experience(
            self.admin, categories=["NONE"], occurred_at=self.at()
        )
        self.body = ledger.establish_body(
            "Kit Group",
            kind="working_group",
            rule=Rule.consent(),
            by=self.admin,
            occurred_at=self.at(),
        )
        self.trainers = [self.trainer(i) for i in range(6)]
        self.chair = self.trainers[0]

    def at(self) -> datetime:
        """The next business time, an hour after the last."""
        return datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=next(self.clock))

    def trainer(self, i: int) -> UUID:
        """A trainer with lived experience, given a voting seat (the first chairs)."""
        member = self.ledger.register_member(
            f"Trainer {i}", role="trainer", by=self.admin, occurred_at=self.at()
        )
        self.ledger.declare_lived_experience(
            member, categories=["DIS"], occurred_at=self.at()
        )
        self.ledger.assign_seat(
            self.body,
            member,
            office="chair" if i == 0 else None,
            by=self.admin,
            occurred_at=self.at(),
        )
        return member

    def item(self, proposer: UUID, commenters: list[UUID]) -> UUID:
        """A proposal with one comment from each of *commenters*."""
        proposal = self.ledger.raise_proposal(
            self.body,
            proposers=[proposer],
            title="Item",
            text="Do it.",
            occurred_at=self.at(),
        )
        for author in commenters:
            self.ledger.comment(
                proposal,
                author=author,
                text="A view.",
                channel="written",
                occurred_at=self.at(),
            )
        return proposal

    def chair_decides(self, items: int) -> None:
        """*items* proposals the chair raises, two trainers discuss and she decides."""
        for _ in range(items):
            proposal = self.item(self.chair, self.trainers[1:3])
            self.ledger.decide(
                proposal,
                outcome="adopted",
                method="chair",
                by=self.admin,
                decided_by=[self.chair],
                occurred_at=self.at(),
            )

    def all_decide(self, items: int) -> None:
        """*items* proposals, each raised, discussed and decided by the whole group."""
        for i in range(items):
            proposer = self.trainers[i % len(self.trainers)]
            proposal = self.item(proposer, self.trainers)
            self.ledger.decide(
                proposal,
                outcome="adopted",
                method="consent",
                by=self.admin,
                decided_by=self.trainers,
                occurred_at=self.at(),
            )

    def public(self) -> dict[str, Any]:
        """The public JSON report of the working group."""
        report = self.ledger.power_sharing(body=self.body)
        out = render(report, audience="public", format="json")
        data: dict[str, Any] = json.loads(out)
        return data


@pytest.fixture
def group() -> Iterator[WorkingGroup]:
    """The working group, on an in-memory ledger."""
    with Ledger.open("memory://") as ledger:
        yield WorkingGroup(ledger)


def note(code: str) -> str:
    """The note a share withheld for its few people carries."""
    return f"withheld: fewer than {K} people behind these {indicator(code).counted}"


def test_a_lone_chairs_decisions_are_not_published_as_a_share(
    group: WorkingGroup,
) -> None:
    """Forty decisions by one chair: D1 and the tags would say whether she has it."""
    group.chair_decides(40)
    board = group.ledger.power_sharing(body=group.body).to_json()["indicators"]
    assert (board["D1"]["value"], board["D1"]["n"], board["D1"]["people"]) == (
        1.0,
        40,
        1,
    )
    public = group.public()
    d1 = public["indicators"]["D1"]
    assert (d1["value"], d1["band"], d1["coverage"], d1["withheld"]) == (
        None,
        None,
        None,
        SMALL_CELL,
    )
    assert d1["note"] == note("D1")
    assert d1["n"] == 40  # a count of records, as for any withheld share
    assert public["decisions"] == []
    assert public["decisions_withheld"] == note("D1")
    assert public["decision_total"] == 40


def test_one_proposer_and_two_commenters_are_too_few_for_a1_and_v1(
    group: WorkingGroup,
) -> None:
    """A1 over one proposer's proposals, V1 over two commenters': both withheld."""
    group.chair_decides(12)
    board = group.ledger.power_sharing(body=group.body).to_json()["indicators"]
    assert (board["A1"]["people"], board["V1"]["people"]) == (1, 2)
    public = group.public()["indicators"]
    for code in ("A1", "V1"):
        assert public[code]["withheld"] == SMALL_CELL, code
        assert public[code]["note"] == note(code), code


def test_a_group_that_decides_together_is_published(group: WorkingGroup) -> None:
    """Six trainers proposing, discussing and deciding together: shares are shown."""
    group.all_decide(12)
    board = group.ledger.power_sharing(body=group.body).to_json()["indicators"]
    assert {c: board[c]["people"] for c in ("A1", "V1", "D1")} == dict.fromkeys(
        ("A1", "V1", "D1"), 6
    )
    public = group.public()
    assert public["indicators"]["D1"]["withheld"] is None
    assert public["indicators"]["D1"]["value"] is not None
    assert [t["tag"] for t in public["decisions"]] == list(TAGS)
    assert public["decisions_withheld"] is None


def test_deciders_without_a_vote_are_not_counted_behind_d1(
    group: WorkingGroup,
) -> None:
    """Staff deciding alone hold no vote, so they add no one to D1's people."""
    group.chair_decides(10)
    for _ in range(10):
        proposal = group.item(group.admin, [])
        group.ledger.decide(
            proposal,
            outcome="adopted",
            method="staff_executive",
            by=group.admin,
            occurred_at=group.at(),
        )
    d1 = group.ledger.power_sharing(body=group.body).indicators["D1"]
    assert (d1.n, d1.people) == (20, 1)


@pytest.fixture(scope="module")
def year_reports() -> Iterator[list[dict[str, Any]]]:
    """The board JSON of every scope of the demo year."""
    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        reports = [ledger.power_sharing().to_json()]
        reports += [ledger.power_sharing(body=b.id).to_json() for b in ledger.bodies()]
        members = len(ledger.members())
        yield [*reports, {"members": members}]


def test_exactly_the_weighing_figures_count_their_people(
    year_reports: list[dict[str, Any]],
) -> None:
    """Each scope's figures that weigh records by lived experience count people."""
    *reports, total = year_reports
    for report in reports:
        for code, figure in report["indicators"].items():
            people = figure["people"]
            if code in WEIGHED:
                assert isinstance(people, int), code
                assert 0 <= people <= total["members"], code
                # No one named: nothing weighed, so nothing in the value.
                assert people > 0 or figure["value"] in (0, None), code
            else:
                assert people is None, code
    assert set(INDICATORS) >= WEIGHED


SHARES = sorted(c for c in WEIGHED if INDICATORS[c].kind == "share")


@given(
    code=st.sampled_from(sorted(WEIGHED)),
    n=st.integers(K, 500),
    share=st.floats(0, 1),
    people=st.integers(1, K - 1),
)
def test_few_people_withhold_a_figure_whatever_it_holds(
    code: str, n: int, share: float, people: int
) -> None:
    """Behind fewer than k people a weighing figure is withheld, value or none."""
    value = round(share * n) / n if code in SHARES else share * 2
    for v in (value, None):
        f = Figure(code, v, n, 1.0, "some", "exact note", people)
        safe = safe_figure(code, f, Thresholds())
        assert (safe.value, safe.band, safe.coverage, safe.withheld) == (
            None,
            None,
            None,
            SMALL_CELL,
        )
        assert safe.note == note(code)


@given(
    code=st.sampled_from(sorted(WEIGHED)),
    n=st.integers(K, 500),
    share=st.floats(0, 1),
    people=st.integers(K, 10_000),
)
def test_enough_people_leave_a_figure_to_the_other_rules(
    code: str, n: int, share: float, people: int
) -> None:
    """With k people or more behind it, a figure fares as one that counts no one."""
    value = round(share * n) / n if code in SHARES else share * 2
    counted = Figure(code, value, n, 1.0, "some", "exact note", people)
    uncounted = Figure(code, value, n, 1.0, "some", "exact note")
    th = Thresholds()
    assert safe_figure(code, counted, th) == safe_figure(code, uncounted, th)


def test_the_limit_is_the_readers_small_cell(group: WorkingGroup) -> None:
    """With a small-cell limit of 2, one person is still too few; six are enough."""
    group.chair_decides(40)
    report = group.ledger.power_sharing(body=group.body)
    th = Thresholds(small_cell=2)
    assert suppress(report, th).indicators["D1"].withheld == SMALL_CELL
    group.all_decide(12)  # now six trainers decide
    report = group.ledger.power_sharing(body=group.body)
    safe = suppress(report, Thresholds(small_cell=7))
    assert safe.indicators["D1"].withheld == SMALL_CELL
    assert safe.tags == ()
    assert suppress(report, th).indicators["D1"].withheld is None


def lone_commenter(ledger: Ledger, *, lived_experience: bool) -> dict[str, Any]:
    """The public JSON of a group of six deciding 30 items one member commented on.

    The commenter is a trainer with lived experience, or the staff admin
    without it; the decisions are the same either way.
    """
    group = WorkingGroup(ledger)
    commenter = group.trainers[1] if lived_experience else group.admin
    for i in range(30):
        proposal = group.item(group.trainers[i % 6], [commenter])
        ledger.decide(
            proposal,
            outcome="adopted",
            method="consent",
            by=group.admin,
            decided_by=group.trainers,
            occurred_at=group.at(),
        )
    return group.public()


def test_a_lone_commenters_comments_are_not_counted_beside_v5() -> None:
    """Beside one commenter, V5's n (their comments if they have it) goes too."""
    with Ledger.open("memory://") as one, Ledger.open("memory://") as other:
        with_le = lone_commenter(one, lived_experience=True)["indicators"]["V5"]
        without = lone_commenter(other, lived_experience=False)["indicators"]["V5"]
    assert with_le == without
    assert (with_le["n"], with_le["n_range"]) == (None, None)
    assert with_le["note"] == note("V5")
    assert with_le["withheld"] == SMALL_CELL


def test_a_withheld_v5_does_not_claim_fewer_than_k_comments() -> None:
    """Its n, withheld for its few commenters, may be large: it is just withheld."""
    with Ledger.open("memory://") as ledger:
        lone_commenter(ledger, lived_experience=True)
        body = ledger.bodies()[0].id
        text = render(ledger.power_sharing(body=body), audience="public")
    row = text.split("  V5  ", 1)[1].split("\n  V6", 1)[0]
    assert "n: withheld" in row
    assert "fewer than" not in row.split("note:")[0]
