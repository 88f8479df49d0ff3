"""Reports of overlapping scopes: no withheld count comes back by subtraction."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from coledger.reports.suppression import COUNTED_EVIDENCE
from coledger.reports.vocabulary import TAGS, CountRange, count_range
from history_builder import build

INF = math.inf
K = 5


Bounds = tuple[float, float]
"""The lowest and highest count a reader can tell a published count lies in."""


def bounds(shown: CountRange) -> Bounds:
    """The lowest and highest count a range allows."""
    return shown.low, INF if shown.high is None else shown.high


def narrowed(own: Bounds, whole: Bounds, others: list[Bounds]) -> Bounds:
    """The lowest and highest count a part can have, given the whole and the others.

    This is the differencing attack: the whole less the others, taken at both
    ends, cut to what the part's own report says of it.
    """
    low = max(own[0], whole[0] - sum(o[1] for o in others))
    high = min(own[1], whole[1] - sum(o[0] for o in others))
    return low, high


def published(value: object, k: int) -> Bounds:
    """What a published count tells a reader: a number, a range, or withheld.

    A withheld count (``None``) is from 1 to k - 1, as the reports before
    count ranges withheld it (zero was shown).
    """
    if isinstance(value, int):
        return value, value
    if value is None:
        return 1, k - 1
    text = str(value)
    if text.startswith("fewer than "):
        return 0, int(text.removeprefix("fewer than ")) - 1
    if text.startswith("more than "):
        return int(text.removeprefix("more than ")) + 1, INF
    low, high = text.split(" to ")
    return int(low), int(high)


def figure_bounds(figure: dict[str, Any], k: int) -> Bounds:
    """What a public figure tells of its n: a range, a number, or nothing."""
    if figure["withheld"] == "secondary":  # withheld with R1, n and all
        return 0, INF
    if figure["n"] is None and figure["n_range"] is None:  # for its few people
        return 0, INF
    return published(figure.get("n_range") or figure["n"], k)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "fewer than 5"),
        (4, "fewer than 5"),
        (5, "5 to 20"),
        (20, "5 to 20"),
        (21, "21 to 40"),
        (41, "41 to 100"),
        (100, "41 to 100"),
        (101, "more than 100"),
    ],
)
def test_counts_are_shown_in_ranges_cut_at_multiples_of_k_less_one(
    count: int, text: str
) -> None:
    """With k of 5 the ranges end on 4, 20, 40 and 100 (4 times 1, 5, 10, 25)."""
    assert count_range(count, 5).text == text


def test_a_limit_of_two_keeps_counts_of_two_in_the_lowest_range() -> None:
    """With k of 2 the unit is 2, not 1, so the lowest range is "fewer than 3"."""
    assert count_range(2, 2).text == "fewer than 3"
    assert count_range(3, 2).text == "3 to 10"


@pytest.mark.parametrize("k", range(2, 13))
def test_no_mix_of_up_to_six_other_ranges_pins_a_small_count(k: int) -> None:
    """Every mix of ranges for the other parts, each at its top or at its bottom.

    The whole less the others is highest when the others sit at the tops of
    their ranges, and lowest when they sit at the bottoms, so trying both
    for every mix of ranges, with every small count for the part, covers the
    attack on one sum.
    """
    every = {count_range(count, k) for count in range(30 * k)}
    finite = sorted((r for r in every if r.high is not None), key=lambda r: r.low)
    for others in range(1, 7):
        for mix in itertools.combinations_with_replacement(finite, others):
            for place in ("top", "bottom"):
                rest = sum(int(bounds(r)[1]) if place == "top" else r.low for r in mix)
                for count in range(1, k):
                    own = count_range(count, k)
                    whole = count_range(count + rest, k)
                    low, high = narrowed(
                        bounds(own), bounds(whole), [bounds(r) for r in mix]
                    )
                    assert low < high, (k, mix, place, count)


def test_five_bodies_of_four_do_not_pin_each_other() -> None:
    """Five parts of 4 make 20, the top of "5 to 20": nothing is narrowed.

    Cut at 5, 10, 20 and 50 instead, 20 would open "20 to 49", and 20 less
    four parts of at most 4 would leave at least 4 for the fifth: its count.
    """
    part = bounds(count_range(4, 5))
    assert narrowed(part, bounds(count_range(20, 5)), [part] * 4) == (0, 4)
    assert narrowed((0, 4), (20, 49), [(0, 4)] * 4) == (4, 4)


def counts_near_edges(k: int) -> st.SearchStrategy[int]:
    """Counts, drawn often at the multiples of k and of k - 1 and one either side.

    Ranges are attacked at their edges (the whole at its bottom, the others
    at their tops), so that is where the counts are drawn.
    """
    near = sorted(
        {
            max(m * step + side, 0)
            for m in range(1, 26)
            for step in (k, k - 1)
            for side in (-1, 0, 1)
        }
    )
    return st.one_of(
        st.integers(min_value=0, max_value=2 * k),
        st.sampled_from(near),
        st.integers(min_value=0, max_value=400),
    )


@given(st.data(), st.integers(min_value=2, max_value=12))
@settings(max_examples=500)
def test_the_whole_less_the_other_parts_never_pins_a_small_count(
    data: st.DataObject, k: int
) -> None:
    """For counts that add up, no part from 1 to k - 1 is narrowed to one value."""
    counts = data.draw(st.lists(counts_near_edges(k), min_size=1, max_size=8))
    ranges = [count_range(c, k) for c in counts]
    whole = count_range(sum(counts), k)
    for i, count in enumerate(counts):
        others = [bounds(r) for r in ranges[:i] + ranges[i + 1 :]]
        low, high = narrowed(bounds(ranges[i]), bounds(whole), others)
        assert low <= count <= high
        if 0 < count < k:
            assert low < high, (counts, k, i)


# Two groups of one organisation, recorded through the public API -----------------


class Organisation:
    """An admin and six trainers with lived experience, and ways to record work.

    Five staff without lived experience raise every proposal with the admin,
    comment on each and attend every meeting, and the trainers take turns to
    comment, so that the proposers, the commenters and the attendees behind a
    scope's figures are never too few for its decisions by tag to be shown.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.clock = itertools.count()
        self.admin = ledger.register_member(
            "Admin", role="staff", occurred_at=self.at()
        )
        ledger.declare_lived_experience(
            self.admin, categories=["NONE"], occurred_at=self.at()
        )
        self.le = [self.person(i) for i in range(6)]
        self.staff = [self.person(i, lived_experience=False) for i in range(5)]
        self.turn = itertools.cycle(self.le)
        """The trainer who makes the next lived-experience comment."""

    def at(self) -> datetime:
        """The next business time, an hour after the last."""
        return datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=next(self.clock))

    def person(self, i: int, *, lived_experience: bool = True) -> UUID:
        """A trainer who declares lived experience, or staff who declare none."""
        role = "trainer" if lived_experience else "staff"
        member = self.ledger.register_member(
            f"{role} {i}", role=role, by=self.admin, occurred_at=self.at()
        )
        self.ledger.declare_lived_experience(
            member,
            categories=["DIS"] if lived_experience else ["NONE"],
            occurred_at=self.at(),
        )
        return member

    def group(self, name: str) -> UUID:
        """A working group that decides by consent."""
        return self.ledger.establish_body(
            name,
            kind="working_group",
            rule=Rule.consent(),
            by=self.admin,
            occurred_at=self.at(),
        )

    def project(self, name: str) -> UUID:
        """A project labelled co-design."""
        return self.ledger.start_project(
            name, label="co_design", by=self.admin, occurred_at=self.at()
        )

    def meeting(self, body: UUID, attended: int) -> UUID:
        """A decision meeting attended by the first *attended* trainers, and staff."""
        when = self.at()
        meeting = self.ledger.schedule_meeting(
            body,
            kind="decision_meeting",
            title="Meeting",
            starts_at=when,
            by=self.admin,
            occurred_at=when - timedelta(minutes=30),
        )
        for member in (*self.le[:attended], *self.staff):
            self.ledger.record_attendance(
                meeting, member, by=self.admin, occurred_at=when
            )
        return meeting

    def decision(
        self,
        body: UUID,
        *,
        with_le: bool | None,
        comments: int = 0,
        meeting: UUID | None = None,
        project: UUID | None = None,
        deciders: int = 6,
    ) -> None:
        """A proposal, its comments, and a decision with lived experience or without.

        With lived experience, the first *deciders* trainers decide with the
        admin; with *with_le* None the proposal is left undecided.
        """
        proposal = self.ledger.raise_proposal(
            body,
            proposers=[self.admin, *self.staff],
            title="Item",
            text="Do it.",
            project=project,
            meeting=meeting,
            occurred_at=self.at(),
        )
        lived = [next(self.turn) for _ in range(comments)]
        for author in (*lived, *self.staff):
            self.ledger.comment(
                proposal,
                author=author,
                text="A view.",
                channel="written",
                occurred_at=self.at(),
            )
        if with_le is None:
            return
        if with_le:
            self.ledger.decide(
                proposal,
                outcome="adopted",
                method="consensus",
                by=self.admin,
                decided_by=[*self.le[:deciders], self.admin],
                occurred_at=self.at(),
            )
        else:
            self.ledger.decide(
                proposal,
                outcome="adopted",
                method="staff_executive",
                by=self.admin,
                occurred_at=self.at(),
            )

    def public(
        self,
        *,
        body: UUID | None = None,
        project: UUID | None = None,
        audience: str = "public",
    ) -> dict[str, Any]:
        """The public (or members') JSON report of the ledger, a body or a project."""
        report = self.ledger.power_sharing(body=body, project=project)
        out = render(report, audience=audience, format="json")
        data: dict[str, Any] = json.loads(out)
        return data


class TwoGroups(Organisation):
    """A small group and a main group, whose reports overlap the organisation's.

    The Small Group makes 3 decisions, 2 of them with lived experience (each
    with one lived-experience comment) at a meeting two members with lived
    experience attend. The Main Group makes 12: 7 with lived experience, at
    meetings with 5 and 4 such attendances; 6 of those proposals, in the Big
    Project, have one lived-experience comment each, and 1, in the Tiny
    Project, has 3. Each group's other decisions are made by staff alone.
    """

    def __init__(self, ledger: Ledger) -> None:
        super().__init__(ledger)
        self.small = self.group("Small Group")
        self.main = self.group("Main Group")
        self.big = self.project("Big Project")
        self.tiny = self.project("Tiny Project")
        meeting = self.meeting(self.small, attended=2)
        for _ in range(2):
            self.decision(self.small, with_le=True, comments=1, meeting=meeting)
        self.decision(self.small, with_le=False)
        first, second = self.meeting(self.main, 5), self.meeting(self.main, 4)
        for i in range(6):
            held = first if i < 3 else second
            self.decision(
                self.main, with_le=True, comments=1, meeting=held, project=self.big
            )
        self.decision(
            self.main, with_le=True, comments=3, meeting=second, project=self.tiny
        )
        for i in range(5):
            self.decision(
                self.main, with_le=False, project=self.big if i < 3 else self.tiny
            )


@pytest.fixture(scope="module")
def groups() -> Iterator[TwoGroups]:
    """The two groups' ledger, in memory, shared by this module's tests."""
    ledger = Ledger.open("memory://")
    yield TwoGroups(ledger)
    ledger.close()


def evidence(report: dict[str, Any], name: str, key: str) -> object:
    """One piece of a named process's evidence in a public JSON report."""
    return next(r for r in report["ladder"] if r["name"] == name)["evidence"][key]


def test_a_groups_evidence_less_one_projects_does_not_give_back_the_other(
    groups: TwoGroups,
) -> None:
    """The Main Group's 9 comments less the Big Project's 6 are the Tiny one's 3."""
    main = groups.public(body=groups.main)
    count = {
        name: published(evidence(main, name, "le_comments"), K)
        for name in ("Main Group", "Big Project", "Tiny Project")
    }
    tiny = narrowed(count["Tiny Project"], count["Main Group"], [count["Big Project"]])
    assert tiny[0] <= 3 <= tiny[1]
    assert tiny[0] < tiny[1]
    tiny_everywhere = {
        json.dumps(evidence(report, "Tiny Project", "le_comments"))
        for report in (main, groups.public(), groups.public(project=groups.tiny))
    }
    assert len(tiny_everywhere) == 1


@pytest.mark.parametrize("code", ["V4", "V5"])
def test_the_ledgers_n_less_one_groups_does_not_give_back_the_others(
    groups: TwoGroups, code: str
) -> None:
    """11 attendances (or comments) in all, less the Main Group's 9, are not 2."""
    ledger, small, main = (
        figure_bounds(groups.public(body=b)["indicators"][code], K)
        for b in (None, groups.small, groups.main)
    )
    low, high = narrowed(small, ledger, [main])
    assert low <= 2 <= high
    assert low < high
    members = groups.public(body=groups.small, audience="members")
    public = groups.public(body=groups.small)
    assert members["indicators"][code] == public["indicators"][code]


def tag_count(report: dict[str, Any], tag: str) -> object:
    """A tag's count in a public JSON report's table of decisions."""
    return next(d["count"] for d in report["decisions"] if d["tag"] == tag)


def tag_bounds(report: dict[str, Any], tag: str, k: int) -> Bounds:
    """What a public report tells of a tag's count: a range, or nothing if withheld."""
    if report["decisions_withheld"] is not None:
        return 0, INF
    return published(tag_count(report, tag), k)


@pytest.mark.parametrize(("tag", "small"), [("decided-with", 2), ("informed", 1)])
def test_the_ledgers_tag_counts_less_one_groups_do_not_give_back_the_others(
    groups: TwoGroups, tag: str, small: int
) -> None:
    """A tag's count in all, less the Main Group's, does not give the Small Group's.

    Made with lived experience: 9 in all less the Main Group's 7 were the
    Small Group's 2 when the counts were exact.
    """
    ledger, small_group, main = (
        tag_bounds(groups.public(body=b), tag, K)
        for b in (None, groups.small, groups.main)
    )
    for body in (None, groups.main):  # both are shown: the subtraction is tried
        assert groups.public(body=body)["decisions_withheld"] is None
    low, high = narrowed(small_group, ledger, [main])
    assert low <= small <= high
    assert low < high


@given(st.lists(st.integers(min_value=0, max_value=120), min_size=5, max_size=5))
@example([4, 4, 4, 4, 4])  # the one case: 20 decisions, 4 of each tag
@settings(max_examples=500)
def test_the_number_of_decisions_pins_a_tag_only_when_all_sit_at_their_tops(
    counts: list[int],
) -> None:
    """The exact total less the other tags' ranges leaves a range, but in one case.

    When every tag's count is the top of its range, the ranges' tops add up
    to the total, and each count can be read off (docs/reports.md says so).
    """
    ranges = [count_range(c, K) for c in counts]
    total = sum(counts)
    at_tops = all(r.high == c for r, c in zip(ranges, counts, strict=True))
    for i, count in enumerate(counts):
        others = [bounds(r) for r in ranges[:i] + ranges[i + 1 :]]
        low, high = narrowed(bounds(ranges[i]), (total, total), others)
        assert low <= count <= high
        if 0 < count < K and low == high:
            assert at_tops, counts


# Every scope of random ledgers ----------------------------------------------------

Known = tuple[int, Bounds]
"""A count as it is (from the board's report) and what the public reader knows."""


def scope_counts(
    ledger: Ledger, body: UUID | None, project: UUID | None, k: int
) -> dict[str, Known]:
    """Each count about lived experience in one scope's report, as it is and seen.

    The n of V4 and V5 and the count of each decision tag; and, for the
    scope's own process (not the ledger), each count in its rung's evidence.
    """
    board = ledger.power_sharing(body=body, project=project)
    th = Thresholds(small_cell=k)
    seen = json.loads(render(board, audience="public", format="json", thresholds=th))
    counts: dict[str, Known] = {}
    for code in ("V4", "V5"):
        counts[code] = (
            board.indicators[code].n,
            figure_bounds(seen["indicators"][code], k),
        )
    shown = {row["tag"]: row["count"] for row in seen["decisions"]}
    assert bool(shown) != bool(seen["decisions_withheld"])
    for tag in TAGS:
        true = sum(d.tag == tag for d in board.decisions)
        # A withheld count (all of them, when a few people decided, and before
        # ranges, a small one) could be zero, small or large.
        count = shown.get(tag)
        counts[tag] = (true, (0, INF) if count is None else published(count, k))
    own = str(body or project)
    for rung, shown in zip(board.ladder, seen["ladder"], strict=True):
        if rung.id != own:
            continue
        for key in COUNTED_EVIDENCE & set(rung.evidence):
            # Withheld evidence (a rung a few people decide) tells nothing.
            value = shown["evidence"][key]
            seen = (0, INF) if value is None else published(value, k)
            counts[key] = (rung.evidence[key], seen)
    return counts


def assert_no_part_pinned(whole: Known, parts: list[Known], k: int) -> None:
    """Where the parts add up to the whole, no count from 1 to k - 1 is pinned."""
    if whole[0] != sum(true for true, _ in parts):
        return  # these scopes do not add up here: no sum to subtract
    for i, (true, own) in enumerate(parts):
        others = [seen for j, (_, seen) in enumerate(parts) if j != i]
        low, high = narrowed(own, whole[1], others)
        assert low <= true <= high
        if 0 < true < k:
            assert low < high, (true, own, whole, others)
    low = max(whole[1][0], sum(seen[0] for _, seen in parts))
    high = min(whole[1][1], sum(seen[1] for _, seen in parts))
    if 0 < whole[0] < k:
        assert low < high, (whole, parts)


def assert_scopes_cannot_be_subtracted(ledger: Ledger, k: int) -> None:
    """The ledger less its bodies, and each body less its projects, pin nothing."""
    bodies = [b.id for b in ledger.bodies()]
    whole = scope_counts(ledger, None, None, k)
    parts = [scope_counts(ledger, b, None, k) for b in bodies]
    for code in whole:
        assert_no_part_pinned(whole[code], [p[code] for p in parts], k)
    for body, counts in zip(bodies, parts, strict=True):
        rung = ledger.power_sharing(body=body).ladder
        projects = [UUID(r.id) for r in rung if r.unit == "project"]
        inside = [scope_counts(ledger, None, p, k) for p in projects]
        for key in COUNTED_EVIDENCE & set(counts):
            found = [p[key] for p in inside if key in p]
            assert_no_part_pinned(counts[key], found, k)


def random_organisation(ledger: Ledger, data: st.DataObject) -> None:
    """Two to four groups, up to two projects, and up to sixteen proposals.

    Each proposal goes to a group, perhaps in a project and raised at the
    group's meeting (which some trainers attend), gets up to four comments
    from trainers, and is decided with lived experience (by one trainer or
    six, with the admin), by staff, or not at all: the counts the reports
    overlap on, kept small. Where only the one trainer and the admin decided,
    or fewer than k trainers attended or commented, a scope's decisions by
    tag are withheld.
    """
    org = Organisation(ledger)
    groups = [org.group(f"Group {i}") for i in range(data.draw(st.integers(2, 4)))]
    projects = [
        org.project(f"Project {i}") for i in range(data.draw(st.integers(0, 2)))
    ]
    meetings = {g: org.meeting(g, data.draw(st.integers(0, 6))) for g in groups}
    for _ in range(data.draw(st.integers(1, 16))):
        group = data.draw(st.sampled_from(groups))
        org.decision(
            group,
            with_le=data.draw(st.sampled_from([True, False, None])),
            comments=data.draw(st.integers(0, 4)),
            meeting=meetings[group] if data.draw(st.booleans()) else None,
            project=data.draw(st.sampled_from([None, *projects])),
            deciders=data.draw(st.sampled_from([1, 6])),
        )


@given(st.data(), st.sampled_from([2, 3, 5]))
def test_no_scope_of_a_small_organisation_gives_back_another(
    data: st.DataObject, k: int
) -> None:
    """Subtracting scopes pins no count of lived experience, for any limit k."""
    with Ledger.open("memory://") as ledger:
        random_organisation(ledger, data)
        assert_scopes_cannot_be_subtracted(ledger, k)


@given(st.data())
def test_no_scope_of_a_random_history_gives_back_another(data: st.DataObject) -> None:
    """The same over the projection properties' random histories (seats, votes...)."""
    with Ledger.open("memory://") as ledger:
        build(ledger, data, steps=60, shredding=False)
        assert_scopes_cannot_be_subtracted(ledger, K)
