"""Seat figures, and the flags read from them, never give back a small group."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from coledger.reports.suppression import (
    SEAT_FLAGS,
    SEAT_LINKED,
    SECONDARY,
    SMALL_CELL,
    safe_figure,
    safe_rung,
    share_note,
    small,
)
from coledger.reports.vocabulary import INDICATORS, SHARE

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TH = Thresholds()
K = TH.small_cell
SEAT_CODES = ("R1", "R2", "R7")
SHARES = sorted(code for code, about in INDICATORS.items() if about.kind == SHARE)


def board_of(
    ledger: Ledger,
    n: int,
    le: int,
    attendance: Sequence[Sequence[int]] = (),
    *,
    proposals: bool = False,
) -> UUID:
    """A board of *n* voting trustees, the first *le* with lived experience.

    Each entry of *attendance* is one decision meeting, listing which
    trustees (by number) attended it; everyone else declared none. With
    *proposals*, the staff member raises one proposal at each meeting.
    """
    admin = ledger.register_member("Admin", role="staff", occurred_at=T0)
    board = ledger.establish_body("Board", kind="governance", by=admin, occurred_at=T0)
    trustees = []
    for i in range(n):
        member = ledger.register_member(
            f"Trustee {i}", role="trustee", by=admin, occurred_at=T0
        )
        ledger.declare_lived_experience(
            member, categories=["DIS"] if i < le else ["NONE"], occurred_at=T0
        )
        ledger.assign_seat(board, member, by=admin, occurred_at=T0)
        trustees.append(member)
    for j, present in enumerate(attendance):
        at = T0 + timedelta(days=j + 1)
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Meeting {j}",
            starts_at=at,
            by=admin,
            occurred_at=T0,
        )
        for i in present:
            ledger.record_attendance(meeting, trustees[i], by=admin, occurred_at=at)
        if proposals:
            ledger.raise_proposal(
                board,
                proposers=[admin],
                title=f"Item {j}",
                text="For the meeting.",
                meeting=meeting,
                by=admin,
                occurred_at=at,
            )
    return board


def everyone(n: int, meetings: int) -> list[list[int]]:
    """Attendance at *meetings* decision meetings that all *n* trustees attended."""
    return [list(range(n))] * meetings


def views(
    ledger: Ledger,
    board: UUID,
    th: Thresholds = TH,
    scopes: tuple[str, ...] = ("body", "ledger"),
) -> Iterator[dict[str, Any]]:
    """The public and members' JSON of the board's scope and of the whole ledger."""
    for name in scopes:
        scope = {"body": board} if name == "body" else {}
        report = ledger.power_sharing(**scope)  # type: ignore[arg-type]
        for audience in ("public", "members"):
            out = render(report, audience=audience, format="json", thresholds=th)
            yield json.loads(out)


def assert_no_seat_flags_in_the_ledger_report(ledger: Ledger, board: UUID) -> None:
    """In the ledger's report each seat flag of the board is withheld, raised or not."""
    for view in views(ledger, board, scopes=("ledger",)):
        rung = body_rung(view)
        assert not set(rung["flags"]) & set(SEAT_FLAGS)
        assert set(SEAT_FLAGS) <= set(rung["withheld"])


def body_rung(view: dict[str, Any]) -> dict[str, Any]:
    """The board's entry on the ladder of one view."""
    (found,) = [r for r in view["ladder"] if r["unit"] == "body"]
    rung: dict[str, Any] = found
    return rung


def r1_withheld(c: int, n: int, th: Thresholds) -> bool:
    """Whether R1 of *c* lived-experience seats in *n* is withheld under *th*."""
    figure = Figure("R1", c / n, n, 1.0, None)
    return safe_figure("R1", figure, th).withheld is not None


# The reviewer's two cases ------------------------------------------------------------


def test_one_seat_of_nine_is_not_given_back_by_the_flags(memory_ledger: Ledger) -> None:
    """1 of 9 seats: R1 is withheld, and so are token seat, lone voter and placation."""
    board = board_of(memory_ledger, 9, 1, everyone(9, 5))
    for view in views(memory_ledger, board):
        r1 = view["indicators"]["R1"]
        assert (r1["value"], r1["n"], r1["withheld"]) == (None, 9, SMALL_CELL)
        assert view["indicators"]["R2"]["withheld"] == SECONDARY
        rung = body_rung(view)
        assert not set(rung["flags"]) & set(SEAT_FLAGS)
        assert set(SEAT_FLAGS) <= set(rung["withheld"])


def test_the_board_still_sees_every_flag_and_count(memory_ledger: Ledger) -> None:
    """The board's own view is the report itself, with the flags and their n."""
    board = board_of(memory_ledger, 9, 1, everyone(9, 5))
    report = memory_ledger.power_sharing(body=board)
    shown = json.loads(render(report, audience="board", format="json"))
    assert shown == json.loads(json.dumps(report.to_json()))
    assert shown["indicators"]["R1"]["value"] == pytest.approx(1 / 9)
    rung = body_rung(shown)
    assert set(rung["flags"]) == {"token_seat", "lone_representative", "placation"}
    assert rung["evidence"]["figures_n"] == {
        "R1": 9,
        "R2": 5,
        "R3": 9,
        "R7": 1,
        "X1": 0,
    }
    assert "withheld" not in rung


@pytest.mark.parametrize(
    ("n", "le"),
    [(5, 5), (12, 12), (9, 1), (9, 8), (10, 6), (4, 0)],
    ids=["all-of-5", "all-of-12", "1-of-9", "rest-1-of-9", "rest-4-of-10", "n-4"],
)
def test_a_small_group_its_rest_or_all_of_the_seats_look_alike(
    memory_ledger: Ledger, n: int, le: int
) -> None:
    """R1 is withheld with one note whether the count, its rest or all is the reason."""
    board = board_of(memory_ledger, n, le)
    expected = (
        {
            "value": None,
            "n": n,
            "n_range": None,
            "coverage": None,
            "band": None,
            "note": share_note("R1", K),
            "withheld": SMALL_CELL,
        }
        if n >= K
        else {
            "value": None,
            "n": None,
            "n_range": None,
            "coverage": None,
            "band": None,
            "note": f"withheld: fewer than {K} voting seats",
            "withheld": SMALL_CELL,
        }
    )
    for view in views(memory_ledger, board):
        assert view["indicators"]["R1"] == expected


def test_a_board_without_lived_experience_shows_none_and_its_flag(
    memory_ledger: Ledger,
) -> None:
    """Zero is shown, so the token-seat flag that restates it is shown too."""
    board = board_of(memory_ledger, 9, 0)
    for view in views(memory_ledger, board, scopes=("body",)):
        assert view["indicators"]["R1"]["value"] == "none (0%)"
        rung = body_rung(view)
        assert "token_seat" in rung["flags"]
        assert "token_seat" not in rung["withheld"]
        assert "placation" in rung["withheld"], "R7 of one body is withheld"
    assert_no_seat_flags_in_the_ledger_report(memory_ledger, board)


def test_a_safe_share_of_seats_keeps_its_flags(memory_ledger: Ledger) -> None:
    """5 of 10 seats with lived experience: R1 and the lone-voter flag are shown.

    Each of the five with lived experience comes, alone of them, to one
    meeting in turn, so R2's voters present are five and five people too.
    """
    attendance = [[j % 5, *range(5, 10)] for j in range(6)]
    board = board_of(memory_ledger, 10, 5, attendance)
    for view in views(memory_ledger, board, scopes=("body",)):
        assert view["indicators"]["R1"]["value"] == "close to half (35% to 50%)"
        assert view["indicators"]["R2"]["value"] == "all (100%)"
        rung = body_rung(view)
        assert "lone_representative" in rung["flags"]
        assert [f for f in rung["withheld"] if f in SEAT_FLAGS] == ["placation"]
    assert_no_seat_flags_in_the_ledger_report(memory_ledger, board)


def test_all_of_a_share_of_records_is_shown_but_all_of_the_seats_is_not() -> None:
    """'All papers in time' is about records; 'all the seats' is about people."""
    papers = safe_figure("X3", Figure("X3", 1.0, 8, 1.0, None), TH)
    assert papers.value is not None
    assert papers.value.words == "all"
    seats = Figure("R1", 1.0, 8, 1.0, "le_majority")
    assert safe_figure("R1", seats, TH).withheld == SMALL_CELL
    assert safe_figure("R1", seats, Thresholds(small_cell=2)).withheld == SMALL_CELL


def test_a_share_with_a_small_rest_is_withheld() -> None:
    """37 of 40 proposals is withheld like 3 of 40: the 3 others are as easy to find."""
    many = safe_figure("A1", Figure("A1", 37 / 40, 40, 1.0, None), TH)
    few = safe_figure("A1", Figure("A1", 3 / 40, 40, 1.0, None), TH)
    assert many.withheld == SMALL_CELL
    assert many == few, "the view does not say which group was small"


# Stored rungs -----------------------------------------------------------------------


def test_rungs_stored_without_figures_n_withhold_the_seat_flags(tmp_path: Path) -> None:
    """A rung materialised before figures_n has unknown counts: its seat flags go."""
    path = tmp_path / "ledger.db"
    ledger = Ledger.open(f"sqlite:///{path}")
    try:
        board = board_of(ledger, 10, 5)

        def public() -> dict[str, Any]:
            report = ledger.power_sharing(body=board, materialised=True)
            shown: dict[str, Any] = json.loads(
                render(report, audience="public", format="json")
            )
            return shown

        kept = public()
        folded = ledger.power_sharing(body=board)
        assert kept == json.loads(render(folded, audience="public", format="json"))
        assert [f for f in body_rung(kept)["withheld"] if f in SEAT_FLAGS] == [
            "placation"
        ]
        with sqlite3.connect(path) as conn:
            conn.execute(
                "UPDATE coledger_ladder"
                " SET evidence = json_remove(evidence, '$.figures_n')"
            )
        old = public()
        assert "figures_n" not in body_rung(old)["evidence"]
        assert [f for f in body_rung(old)["withheld"] if f in SEAT_FLAGS] == list(
            SEAT_FLAGS
        )
    finally:
        ledger.close()


def test_unreadable_seat_evidence_withholds_the_seat_flags() -> None:
    """A count stored as anything but a whole number is unknown, so the flags go."""
    evidence = {
        "figures": {"R1": 0.5, "R2": 0.0, "R7": 0.5},
        "figures_n": {"R1": "10", "R2": 6, "R7": 1},
    }
    rung = Rung("body", "b", "Board", "NONE", 0, ("lone_representative",), evidence)
    safe = safe_rung(rung, TH)
    assert safe.flags == ()
    assert set(SEAT_FLAGS) <= set(safe.withheld)


# Properties -------------------------------------------------------------------------


@given(
    code=st.sampled_from(SHARES),
    n=st.integers(min_value=1, max_value=80),
    k=st.integers(min_value=2, max_value=10),  # the least Thresholds takes
    data=st.data(),
)
@settings(max_examples=300)
def test_a_shown_share_leaves_no_small_group(
    code: str, n: int, k: int, data: st.DataObject
) -> None:
    """A shown share has no group of 1 to k - 1; withheld counts of an n look alike."""
    th = Thresholds(small_cell=k)
    count = data.draw(st.integers(min_value=0, max_value=n), label="count")
    other = data.draw(st.integers(min_value=0, max_value=n), label="other")

    def seen(c: int) -> Any:
        return safe_figure(code, Figure(code, c / n, n, 0.5, "band"), th)

    shown = seen(count)
    if shown.withheld is None:
        assert not small(count, k)
        assert not small(n - count, k)
        if INDICATORS[code].people and k > 1:
            assert count < n, "all of a share of people is withheld"
    elif seen(other).withheld is not None:
        assert seen(other) == shown, "the withheld view tells no count from another"


def seen_of_seats(view: dict[str, Any]) -> tuple[Any, ...]:
    """What a reader sees of the seat figures, and of the flags read from them."""
    figures = tuple(
        json.dumps(view["indicators"][code], sort_keys=True) for code in SEAT_CODES
    )
    rungs = tuple(
        (
            r["unit"],
            r["name"],
            tuple(f for f in r["flags"] if f in SEAT_FLAGS),
            tuple(f for f in r["withheld"] if f in SEAT_FLAGS),
        )
        for r in view["ladder"]
    )
    return figures, rungs


@given(
    n=st.integers(min_value=1, max_value=9),
    k=st.integers(min_value=2, max_value=6),
    data=st.data(),
)
@settings(max_examples=60)
def test_seat_figures_and_flags_never_tell_withheld_counts_apart(
    n: int, k: int, data: st.DataObject
) -> None:
    """Every count whose R1 is withheld shows the same seat figures and flags.

    So a reader who knows n, and sees the bands, the n and the flags of R1,
    R2 and R7 in every public and members' view, learns of a withheld count
    only that it is one of at least two (always including 1 and n), never
    which count from 1 to k - 1 it is, nor which rest.
    """
    th = Thresholds(small_cell=k)
    withheld = [c for c in range(n + 1) if r1_withheld(c, n, th)]
    assert len(withheld) >= 2
    assert {1, n} <= set(withheld)
    first, second = data.draw(
        st.lists(st.sampled_from(withheld), min_size=2, max_size=2, unique=True),
        label="counts",
    )
    attendance = data.draw(
        st.lists(
            st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True),
            max_size=6,
        ),
        label="attendance",
    )
    seen = []
    for le in (first, second):
        ledger = Ledger.open("memory://")
        try:
            board = board_of(ledger, n, le, attendance)
            seen.append([seen_of_seats(view) for view in views(ledger, board, th)])
        finally:
            ledger.close()
    assert seen[0] == seen[1]


# A second review: what else a withheld R1 must not let through -----------------------

SEAT_VIEW_CODES = ("R1", *SEAT_LINKED)


def seat_part(view: dict[str, Any]) -> tuple[Any, ...]:
    """What a reader sees of the seat figures and of the board's seat flags."""
    rung = body_rung(view)
    return (
        {code: view["indicators"][code] for code in SEAT_VIEW_CODES},
        tuple(f for f in rung["flags"] if f in SEAT_FLAGS),
        tuple(f for f in rung["withheld"] if f in SEAT_FLAGS),
        rung["evidence"].get("equal_terms"),
    )


@pytest.mark.parametrize(
    ("n", "counts"),
    [(9, (1, 8, 9)), (4, (1, 2, 4))],
    ids=["nine seats: one, eight, all", "four seats: one, two, all"],
)
def test_no_seat_figure_tells_a_withheld_count_from_all(
    n: int, counts: tuple[int, ...]
) -> None:
    """With R1 withheld, R2 to R7 and X5 read alike, evidence or none, "all" or not."""
    seen = []
    for le in counts:
        with Ledger.open("memory://") as ledger:
            board = board_of(ledger, n, le, everyone(n, 5), proposals=True)
            seen.append(
                [
                    (seat_part(v), v["indicators"])
                    for v in views(ledger, board, scopes=("body", "ledger"))
                ]
            )
    assert seen[0] == seen[1] == seen[2]  # every figure, V4's n included
    figures = seen[0][0][0][0]
    assert all(figures[code]["value"] is None for code in SEAT_VIEW_CODES)
    assert all(figures[code]["n"] is None for code in SEAT_LINKED)


def test_one_body_s_flags_cannot_give_another_s_count_in_the_ledger_report() -> None:
    """A body all with lived experience beside one with none: no seat flag shows."""
    with Ledger.open("memory://") as ledger:
        panel = board_of(ledger, 5, 5)
        board = board_of(ledger, 5, 0)
        for view in views(ledger, panel, scopes=("ledger",)):
            assert view["indicators"]["R1"]["n"] == 10
            for rung in view["ladder"]:
                if rung["unit"] == "body":
                    assert not set(rung["flags"]) & set(SEAT_FLAGS)
                    assert set(SEAT_FLAGS) <= set(rung["withheld"])
                    assert rung["evidence"]["equal_terms"] is None
        own = next(iter(views(ledger, board, scopes=("body",))))
        assert "token_seat" in body_rung(own)["flags"]  # its own report shows it


def stored_rung(evidence: dict[str, Any]) -> Rung:
    """A board's rung, flagged token seat, as the tables might hold it."""
    return Rung(
        "body",
        "b",
        "Board",
        "CONSULTATION",
        4,
        ("token_seat",),
        {**evidence, "equal_terms": True},
    )


@pytest.mark.parametrize("odd", [float("nan"), float("inf"), -float("inf")])
def test_a_stored_figure_that_is_not_finite_withholds_the_seat_flags(
    odd: float,
) -> None:
    """NaN or Infinity in stored evidence is an unknown count, not a crash."""
    rung = stored_rung({"figures": {"R1": odd}, "figures_n": {"R1": 9}})
    safe = safe_rung(rung, TH)
    assert safe.flags == ()
    assert set(SEAT_FLAGS) <= set(safe.withheld)


@pytest.mark.parametrize("odd", ["0.5", float("nan"), [0.5], True])
@pytest.mark.parametrize("audience", ["board", "public", "members"])
def test_every_audience_renders_a_rung_whose_stored_figures_are_odd(
    odd: Any, audience: str
) -> None:
    """A hand-edited figure in a rung's evidence is shown or withheld, never a crash."""
    rung = stored_rung(
        {"figures": {"R1": odd, "R2": None}, "figures_n": {"R1": 9, "R2": 9}}
    )
    report = PowerSharingReport(
        Scope.ledger(),
        None,
        None,
        1,
        {"R1": Figure("R1", 0.5, 10, 1.0, None)},
        (rung,),
        (),
    )
    for fmt in ("json", "text", "html"):
        out = render(report, audience=audience, format=fmt)
        assert "Board" in out
    if audience == "board":
        text = render(report, audience="board", format="text")
        assert f"R1 {odd!r}" in text


# The chair's lived experience ------------------------------------------------------


def chaired_board(ledger: Ledger, *, chair_le: bool, meetings: int) -> UUID:
    """A board of ten trustees whose chair alone may have lived experience.

    It meets *meetings* times to decide, with no proposal raised at any
    meeting, so only the chair can make a meeting "shaped by lived experience".
    """
    admin = ledger.register_member("Admin", role="staff", occurred_at=T0)
    board = ledger.establish_body("Board", kind="governance", by=admin, occurred_at=T0)
    for i in range(10):
        member = ledger.register_member(
            f"Trustee {i}", role="trustee", by=admin, occurred_at=T0
        )
        has_it = chair_le and i == 0
        ledger.declare_lived_experience(
            member, categories=["DIS"] if has_it else ["NONE"], occurred_at=T0
        )
        office = "chair" if i == 0 else None
        ledger.assign_seat(board, member, office=office, by=admin, occurred_at=T0)
    for j in range(meetings):
        ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Meeting {j}",
            starts_at=T0 + timedelta(days=j + 1),
            by=admin,
            occurred_at=T0,
        )
    return board


@given(meetings=st.integers(min_value=0, max_value=12))
@settings(max_examples=8, deadline=None)
def test_the_agenda_figure_does_not_tell_the_chair_s_lived_experience(
    meetings: int,
) -> None:
    """A2 outside the board reads the same whether or not the one chair has it."""
    seen = []
    for chair_le in (False, True):
        with Ledger.open("memory://") as ledger:
            board = chaired_board(ledger, chair_le=chair_le, meetings=meetings)
            seen.append([v["indicators"]["A2"] for v in views(ledger, board)])
    assert seen[0] == seen[1]


def voted_board(ledger: Ledger, decisions: int) -> UUID:
    """Ten trustees who all declared no lived experience and all vote each time."""
    board = board_of(ledger, 10, 0)
    trustees = next(b for b in ledger.bodies() if b.id == board).voting_members
    for j in range(decisions):
        at = T0 + timedelta(days=j + 1)
        proposal = ledger.raise_proposal(
            board,
            proposers=[trustees[0]],
            title=f"Item {j}",
            text="For a vote.",
            by=trustees[0],
            occurred_at=at,
        )
        ledger.open_voting(proposal, by=trustees[0], occurred_at=at)
        for trustee in trustees:
            ledger.cast_ballot(proposal, voter=trustee, choice="for", occurred_at=at)
        ledger.close_voting(proposal, by=trustees[0], occurred_at=at)
    return board


def test_no_coverage_gives_back_that_every_seat_holder_answered(
    memory_ledger: Ledger,
) -> None:
    """Where R1 is "none" and its coverage is withheld, no figure shows "all answered".

    Every trustee votes on every decision, so D1's deciders are R1's seat
    holders: "none" with "all (100%)" answered would say what R1 withholds,
    that each of them declared no lived experience.
    """
    board = voted_board(memory_ledger, 6)
    for view in views(memory_ledger, board):
        r1 = view["indicators"]["R1"]
        assert (r1["value"], r1["coverage"]) == ("none (0%)", None)
        assert view["indicators"]["D1"]["value"] == "none (0%)"
        shown = {
            code: f["coverage"]
            for code, f in view["indicators"].items()
            if f["coverage"] is not None
        }
        assert shown == {}


def _one_member_on_six_groups(sam_has_it: bool) -> dict[str, Any]:
    """The ledger's public JSON: Sam sits on six groups, five others on one each."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member("Sam", by=admin)
        categories = ["DIS" if sam_has_it else "NONE"]
        ledger.declare_lived_experience(sam, categories=categories)
        for i in range(6):
            group = ledger.establish_body(f"Group {i}", kind="working_group", by=admin)
            ledger.assign_seat(group, sam, by=admin)
            if i < 5:
                other = ledger.register_member(f"Other {i}", by=admin)
                ledger.declare_lived_experience(other, categories=["NONE"])
                ledger.assign_seat(group, other, by=admin)
        out: dict[str, Any] = json.loads(
            render(ledger.power_sharing(), audience="public", format="json")
        )
    return out


def test_seats_held_by_one_person_are_a_small_group() -> None:
    """R1 of 6 seats in 11, all Sam's, would say that Sam has lived experience.

    The others hold one seat each, five in all: "more than half" of the 11
    could only be Sam's six.
    """
    r1 = _one_member_on_six_groups(sam_has_it=True)["indicators"]["R1"]
    assert (r1["value"], r1["withheld"], r1["n"]) == (None, SMALL_CELL, 11)
    assert r1["note"] == share_note("R1", K)
    # Without it, "none" is shown, as for any board where no one has it.
    none = _one_member_on_six_groups(sam_has_it=False)["indicators"]["R1"]
    assert none["value"] == "none (0%)"


def _chair_reappointed(sam_has_it: bool) -> dict[str, Any]:
    """The ledger's public JSON: a board of ten, whose chair is appointed five times.

    Five seat holders have lived experience and five (Sam among them unless
    *sam_has_it*, when one other takes his place) have not, so R1 is shown.
    """
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        board = ledger.establish_body("Board", kind="governance", by=admin)
        sam = ledger.register_member("Sam", by=admin)
        categories = ["DIS" if sam_has_it else "NONE"]
        ledger.declare_lived_experience(sam, categories=categories)
        for i in range(9):
            other = ledger.register_member(f"Other {i}", by=admin)
            with_it = i < (4 if sam_has_it else 5)
            ledger.declare_lived_experience(
                other, categories=["DIS" if with_it else "NONE"]
            )
            ledger.assign_seat(board, other, by=admin)
        for term in range(5):
            if term:
                ledger.vacate_seat(board, sam, by=admin)
            ledger.assign_seat(board, sam, office="chair", by=admin)
        out: dict[str, Any] = json.loads(
            render(ledger.power_sharing(), audience="public", format="json")
        )
    return out


def test_offices_held_by_one_person_are_withheld_whoever_holds_them() -> None:
    """Five terms of one chair: R4's "none" or not would say whether he has it."""
    for sam_has_it in (True, False):
        figures = _chair_reappointed(sam_has_it)["indicators"]
        assert figures["R1"]["withheld"] is None  # five of ten: shown
        r4 = figures["R4"]
        assert (r4["value"], r4["withheld"]) == (None, SMALL_CELL)
        assert r4["note"] == "withheld: fewer than 5 people behind these offices"


def _advisory_on_five_bodies(m0_has_it: bool | int) -> dict[str, Any]:
    """The public JSON: six voting seats without it, M0 advising five bodies."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Ada", role="staff")
        ledger.declare_lived_experience(admin, categories=["NONE"])
        bodies = [
            ledger.establish_body(f"B{j}", kind="governance", by=admin)
            for j in range(5)
        ]
        for i in range(6):
            voter = ledger.register_member(f"V{i}", by=admin)
            ledger.declare_lived_experience(voter, categories=["NONE"])
            ledger.assign_seat(bodies[0], voter, by=admin)
        m0 = ledger.register_member("M0", by=admin)
        categories = ["DIS" if m0_has_it else "NONE"]
        ledger.declare_lived_experience(m0, categories=categories)
        for body in bodies:
            ledger.assign_seat(body, m0, seat="advisory", by=admin)
        out: dict[str, Any] = json.loads(
            render(ledger.power_sharing(), audience="public", format="json")
        )
    return out


def test_seats_without_a_vote_held_by_one_person_are_a_small_group() -> None:
    """R3 and R6 beside "none" of the voting seats never tell one member's status.

    M0's five advisory seats passed as five people: R3 and R6 had values
    exactly when M0 had lived experience.
    """
    for m0_has_it in (True, False):
        shown = _advisory_on_five_bodies(m0_has_it)["indicators"]
        assert shown["R1"]["value"] == "none (0%)"
        for code in ("R3", "R6"):
            assert shown[code]["value"] is None, (m0_has_it, code, shown[code])
    with_it, without = (_advisory_on_five_bodies(h)["indicators"] for h in (1, 0))
    for code in ("R3", "R6"):
        assert with_it[code] == without[code]


def _project_of_a_small_group(with_it: int, voters: int = 2) -> list[dict[str, Any]]:
    """The public and members' JSON of a project whose meetings a small group holds.

    The group has *voters* voting members, the first *with_it* with lived
    experience, and all attend its six decision meetings, held for the
    project; no proposal of the project went to a body, so R1 has no seats.
    """
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff", occurred_at=T0)
        group = ledger.establish_body(
            "Group", kind="working_group", by=admin, occurred_at=T0
        )
        project = ledger.start_project(
            "Project", label="co_production", by=admin, occurred_at=T0
        )
        members = []
        for i in range(voters):
            member = ledger.register_member(f"M{i}", by=admin, occurred_at=T0)
            ledger.declare_lived_experience(
                member, categories=["DIS" if i < with_it else "NONE"], occurred_at=T0
            )
            ledger.assign_seat(group, member, by=admin, occurred_at=T0)
            members.append(member)
        for j in range(6):
            at = T0 + timedelta(days=j + 1)
            meeting = ledger.schedule_meeting(
                group,
                kind="decision_meeting",
                title=f"Meeting {j}",
                starts_at=at,
                project=project,
                by=admin,
                occurred_at=T0,
            )
            for member in members:
                ledger.record_attendance(meeting, member, by=admin, occurred_at=at)
        report = ledger.power_sharing(project=project)
        return [
            json.loads(render(report, audience=audience, format="json"))
            for audience in ("public", "members")
        ]


def test_r2_over_voters_r1_does_not_count_is_tested_in_people() -> None:
    """R2 of a project's meetings read two voters R1 never counted, one the reader.

    The project's meetings are a group's, whose two voting members always
    attend: "none" of the meetings with a lone voter said that both have
    lived experience, "all" that at most one has.
    """
    seen = []
    for with_it in (0, 1, 2):
        for view in _project_of_a_small_group(with_it):
            r2 = view["indicators"]["R2"]
            assert view["indicators"]["R1"]["n"] == 0
            assert (r2["value"], r2["band"], r2["coverage"]) == (None, None, None)
            assert r2["withheld"] == SMALL_CELL
            assert r2["note"] == share_note("R2", K)
            (rung,) = view["ladder"]
            assert "lone_representative" in rung["withheld"]
            del rung["id"]
            seen.append((view["indicators"], view["ladder"]))
    assert seen[0] == seen[2] == seen[4]


@pytest.mark.parametrize(
    ("with_it", "voters", "shown"),
    [(6, 6, False), (0, 6, True), (5, 10, True), (4, 10, False), (6, 10, False)],
)
def test_r2_is_shown_only_over_groups_of_voters_r1_could_show(
    with_it: int, voters: int, shown: bool
) -> None:
    """R2's voters present pass R1's rules: no group of 1 to k - 1, and not all."""
    for view in _project_of_a_small_group(with_it, voters):
        r2 = view["indicators"]["R2"]
        assert (r2["value"] is not None) == shown, r2


def test_r2_over_voters_none_of_whom_has_it_leaves_out_every_coverage() -> None:
    """Six voters without lived experience: R2 is shown, but not that all answered.

    Shown over six voters, R2 says that none of them has it; "all answered"
    beside it would say that each declared none.
    """
    for view in _project_of_a_small_group(0, 6):
        r2 = view["indicators"]["R2"]
        assert (r2["value"], r2["coverage"]) == ("all (100%)", None)
        assert all(f["coverage"] is None for f in view["indicators"].values())


def test_a_board_of_three_beside_a_group_of_eight_keeps_d1_without_coverage(
    memory_ledger: Ledger,
) -> None:
    """As the reports guide says: a board of three has R1 withheld, D1 shows "none".

    Everyone answered "no". The organisation's D1, over decisions a working
    group of eight took, is shown as none with its coverage left out; the
    board's own D1 rests on three deciders and is withheld.
    """
    ledger = memory_ledger
    hours = iter(range(1000))

    def at() -> datetime:
        return datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(hours=next(hours))

    admin = ledger.register_member("Admin", occurred_at=at())
    board = ledger.establish_body(
        "Board", kind="governance", rule=Rule.consent(), by=admin, occurred_at=at()
    )
    group = ledger.establish_body(
        "Group", kind="working_group", rule=Rule.consent(), by=admin, occurred_at=at()
    )

    def seated(name: str, body: UUID) -> UUID:
        member = ledger.register_member(name, by=admin, occurred_at=at())
        ledger.declare_lived_experience(member, categories=["NONE"], occurred_at=at())
        ledger.assign_seat(body, member, by=admin, occurred_at=at())
        return member

    trustees = [seated(f"Trustee {i}", board) for i in range(3)]
    workers = [seated(f"Worker {i}", group) for i in range(8)]
    for body, deciders in ((group, workers), (board, trustees)):
        for i in range(10):
            proposal = ledger.raise_proposal(
                body,
                proposers=[deciders[i % len(deciders)]],
                title="Item",
                text="Do it.",
                occurred_at=at(),
            )
            ledger.decide(
                proposal,
                outcome="adopted",
                method="consent",
                by=admin,
                decided_by=deciders,
                occurred_at=at(),
            )
    whole = json.loads(
        render(ledger.power_sharing(), audience="public", format="json")
    )["indicators"]
    assert whole["R1"]["withheld"] == SMALL_CELL
    assert whole["D1"]["value"] == "none (0%)"
    assert whole["D1"]["coverage"] is None
    own = json.loads(
        render(ledger.power_sharing(body=board), audience="public", format="json")
    )["indicators"]
    assert own["D1"]["withheld"] == SMALL_CELL
    assert own["D1"]["note"].startswith("withheld: fewer than 5 people behind")
