"""Shares of records that a few people make are withheld from the public."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.demo import record_year
from coledger.projections.indicators import WEIGHED
from coledger.projections.lens import Figure
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.reports import render, suppress
from coledger.reports.suppression import SMALL_CELL, safe_figure
from coledger.reports.vocabulary import INDICATORS, TAGS, indicator
from people_helpers import Group, chair_decides

K = Thresholds().small_cell


def all_decide(group: Group, items: int, others: Sequence[UUID] = ()) -> None:
    """*items* proposals raised in turn, discussed and decided by consent.

    The six voting members, and *others*, raise and comment on each.
    """
    speakers = [*group.voters, *others]
    for i in range(items):
        proposal = group.propose(speakers[i % len(speakers)])
        for author in speakers:
            group.comment(proposal, author)
        group.consent(proposal)


@pytest.fixture
def group() -> Iterator[Group]:
    """A body whose key member has lived experience, on an in-memory ledger."""
    with Ledger.open("memory://") as ledger:
        yield Group(ledger, key_has_it=True)


def note(code: str) -> str:
    """The note a share withheld for its few people carries."""
    return f"withheld: fewer than {K} people behind these {indicator(code).counted}"


def test_a_lone_chairs_decisions_are_not_published_as_a_share(
    group: Group,
) -> None:
    """Forty decisions by one member alone: D1 and the tags would say if she has it."""
    chair_decides(group, 40, commenters=group.with_it[:2])
    board = group.report().to_json()["indicators"]
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
    group: Group,
) -> None:
    """A1 over one proposer's proposals, V1 over two commenters': both withheld."""
    chair_decides(group, 12, commenters=group.with_it[:2])
    board = group.report().to_json()["indicators"]
    assert (board["A1"]["people"], board["V1"]["people"]) == (1, 2)
    public = group.public()["indicators"]
    for code in ("A1", "V1"):
        assert public[code]["withheld"] == SMALL_CELL, code
        assert public[code]["note"] == note(code), code


def test_a_group_that_decides_together_is_published(group: Group) -> None:
    """Six members proposing, discussing and deciding together: shares are shown."""
    # Five with lived experience and five without propose and comment, with
    # the staff: no group that D3 or V1 compares is small, in records or people.
    extra = group.member("With d", has_it=True)
    all_decide(group, 20, [extra, *group.staff[:3]])
    board = group.report().to_json()["indicators"]
    assert {c: board[c]["people"] for c in ("A1", "V1", "D1")} == {
        "A1": 10,
        "V1": 10,
        "D1": 6,
    }
    public = group.public()
    assert public["indicators"]["D1"]["withheld"] is None
    assert public["indicators"]["D1"]["value"] is not None
    assert [t["tag"] for t in public["decisions"]] == list(TAGS)
    assert public["decisions_withheld"] is None


def test_deciders_without_a_vote_are_not_counted_behind_d1(
    group: Group,
) -> None:
    """Staff deciding alone hold no vote, so they add no one to D1's people."""
    chair_decides(group, 10, commenters=group.with_it[:2])
    for _ in range(10):
        proposal = group.propose(group.admin)
        group.ledger.decide(
            proposal,
            outcome="adopted",
            method="staff_executive",
            by=group.admin,
            occurred_at=group.at(),
        )
    d1 = group.report().indicators["D1"]
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


def test_a_weighing_figure_with_no_records_names_no_one() -> None:
    """Without records a weighing figure counts 0 people, not None, for parsers."""
    with Ledger.open("memory://") as ledger:
        empty = ledger.power_sharing()
        record_year(ledger)
        before = ledger.power_sharing(until=datetime(2000, 1, 1, tzinfo=UTC))
    for report in (empty, before):
        people = {code: report.indicators[code].people for code in WEIGHED}
        assert people == dict.fromkeys(WEIGHED, 0)


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


def test_the_limit_is_the_readers_small_cell(group: Group) -> None:
    """With a small-cell limit of 2, one person is still too few; six are enough."""
    chair_decides(group, 40, commenters=group.with_it[:2])
    report = group.report()
    th = Thresholds(small_cell=2)
    assert suppress(report, th).indicators["D1"].withheld == SMALL_CELL
    all_decide(group, 12)  # now six members decide
    report = group.report()
    safe = suppress(report, Thresholds(small_cell=7))
    assert safe.indicators["D1"].withheld == SMALL_CELL
    assert safe.tags == ()
    assert suppress(report, th).indicators["D1"].withheld is None


def lone_commenter(ledger: Ledger, *, lived_experience: bool) -> dict[str, Any]:
    """The public JSON of six members deciding 30 items only the key one commented on.

    The key member has lived experience or not; the decisions are the same.
    """
    group = Group(ledger, key_has_it=lived_experience)
    for i in range(30):
        proposal = group.propose(group.voters[i % 6])
        group.comment(proposal, group.key)
        group.consent(proposal)
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


def test_one_member_s_answered_requests_are_not_published_as_a_share() -> None:
    """Six answered requests of one member: X2 would say how hers were answered."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member("Sam")
        for i in range(6):
            request = ledger.request_adjustment(sam, code="BSL")
            if i % 2:
                ledger.decline_adjustment(request, by=admin, reason="unavailable")
            else:
                ledger.provide_adjustment(request, by=admin)
        report = ledger.power_sharing()
        assert report.indicators["X2"].people == 1
        x2 = json.loads(render(report, audience="public", format="json"))
    figure = x2["indicators"]["X2"]
    assert (figure["value"], figure["band"], figure["n"]) == (None, None, None)
    assert figure["withheld"] == SMALL_CELL
    assert figure["note"] == note("X2")


def _one_member_s_six_needs() -> PowerSharingReport:
    """A board at whose six meetings one member's BSL need was met; its report."""
    start = datetime(2025, 1, 6, 18, tzinfo=UTC)
    asked = start - timedelta(days=1)
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff", occurred_at=asked)
        sam = ledger.register_member("Sam", occurred_at=asked)
        board = ledger.establish_body(
            "Board", kind="governance", by=admin, occurred_at=asked
        )
        for week in range(6):
            at = start + timedelta(weeks=week)
            meeting = ledger.schedule_meeting(
                board,
                kind="decision_meeting",
                title=f"Week {week}",
                starts_at=at,
                by=admin,
                occurred_at=asked,
            )
            request = ledger.request_adjustment(
                sam, code="BSL", meeting=meeting, occurred_at=asked
            )
            ledger.provide_adjustment(request, by=admin, occurred_at=at)
        return ledger.power_sharing()


def test_one_member_s_needs_at_many_meetings_are_not_counted_in_public() -> None:
    """Six meetings' needs of one member: X1's n would count her needs, so it goes."""
    report = _one_member_s_six_needs()
    assert (report.indicators["X1"].n, report.indicators["X1"].people) == (6, 1)
    public = json.loads(render(report, audience="public", format="json"))
    figure = public["indicators"]["X1"]
    assert (figure["value"], figure["n"], figure["withheld"]) == (
        None,
        None,
        SMALL_CELL,
    )
    assert figure["note"] == note("X1")


def test_a_withheld_access_n_is_not_called_small_in_the_text() -> None:
    """One member's six needs withhold X1: its n reads withheld, not 'fewer than 5'."""
    report = _one_member_s_six_needs()
    text = render(report, audience="public")
    page = render(report, audience="public", format="html")
    lines = text.splitlines()
    row = lines[lines.index("  X1  Adjustments provided in time") + 1]
    assert "| n: withheld |" in row
    row_html = page.split("<td>Adjustments provided in time</td>")[1].split("</tr>")[0]
    assert row_html.startswith("<td>withheld</td><td>withheld</td>")


def _ten_trustees() -> tuple[Ledger, UUID, UUID, list[UUID]]:
    """A ledger whose board seats ten trustees, the first five with lived experience.

    Returns the ledger, its admin, the board and the trustees.
    """
    ledger = Ledger.open("memory://")
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    admin = ledger.register_member("Admin", role="staff", occurred_at=start)
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=start
    )
    trustees = []
    for i in range(10):
        member = ledger.register_member(f"Trustee {i}", by=admin, occurred_at=start)
        categories = ["DIS"] if i < K else ["NONE"]
        ledger.declare_lived_experience(
            member, categories=categories, occurred_at=start
        )
        ledger.assign_seat(board, member, by=admin, occurred_at=start)
        trustees.append(member)
    return ledger, admin, board, trustees


def _one_trustee_asks(in_time: bool) -> dict[str, Any]:
    """A board of ten, five with lived experience, where one asks for an interpreter.

    All ten attend six meetings; the interpreter is provided in time at each,
    or never. Returns the board's public JSON.
    """
    ledger, admin, board, trustees = _ten_trustees()
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week + 1)
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Week {week}",
            starts_at=at,
            by=admin,
            occurred_at=start,
        )
        request = ledger.request_adjustment(
            trustees[0], code="BSL", meeting=meeting, occurred_at=start
        )
        if in_time:
            ledger.provide_adjustment(
                request, by=admin, occurred_at=at - timedelta(hours=1)
            )
        for member in trustees:
            ledger.record_attendance(meeting, member, by=admin, occurred_at=at)
    with ledger:
        report = ledger.power_sharing(body=board)
        assert report.indicators["X1"].people == 1
        shown: dict[str, Any] = json.loads(
            render(report, audience="public", format="json")
        )
    return shown


def test_equal_terms_do_not_say_how_one_person_s_needs_were_met() -> None:
    """Equal terms read X1: while X1 is withheld, they are too, met in time or not."""
    met, unmet = _one_trustee_asks(in_time=True), _one_trustee_asks(in_time=False)
    assert met["indicators"]["X1"]["withheld"] == SMALL_CELL
    assert met["indicators"]["R1"]["value"] is not None  # the seat flags may show
    (rung,), (other,) = met["ladder"], unmet["ladder"]
    assert {**rung, "id": None} == {**other, "id": None}
    assert rung["evidence"]["equal_terms"] is None
    assert {"equal_terms", "equal_terms_not_met"} <= set(rung["withheld"])


def _ten_trustees_ask(late: int) -> dict[str, Any]:
    """A board of ten, five with lived experience, each asking for large print.

    All ten attend six meetings; each request is provided before its meeting
    but for the first *late*, provided after it began. Returns the board's
    public JSON.
    """
    ledger, admin, board, trustees = _ten_trustees()
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    for week in range(6):
        at = start + timedelta(weeks=week + 1)
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Week {week}",
            starts_at=at,
            by=admin,
            occurred_at=start,
        )
        for member in trustees:
            request = ledger.request_adjustment(
                member, code="LP", meeting=meeting, occurred_at=start
            )
            shift = timedelta(hours=1) if late > 0 else -timedelta(hours=1)
            late -= 1
            ledger.provide_adjustment(request, by=admin, occurred_at=at + shift)
            ledger.record_attendance(meeting, member, by=admin, occurred_at=at)
    report = ledger.power_sharing(body=board)
    shown: dict[str, Any] = json.loads(render(report, audience="public", format="json"))
    return shown


def test_equal_terms_do_not_give_back_a_band_left_out_of_x1() -> None:
    """Equal terms read X1's band: left out beside X1's words, they go with it."""
    met, short = _ten_trustees_ask(late=5), _ten_trustees_ask(late=8)  # 55, 52 of 60
    x1 = met["indicators"]["X1"]
    assert x1 == short["indicators"]["X1"]
    assert (x1["value"], x1["band"]) == ("almost all (over 85%)", None)
    (rung,), (other,) = met["ladder"], short["ladder"]
    assert {**rung, "id": None} == {**other, "id": None}
    assert rung["evidence"]["equal_terms"] is None
    assert {"equal_terms", "equal_terms_not_met"} <= set(rung["withheld"])
