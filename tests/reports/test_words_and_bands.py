"""The words a report writes for a value agree with its band under any thresholds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from coledger.reports.display import count_of
from coledger.reports.easy_read import how_often
from coledger.reports.suppression import safe_figure
from coledger.reports.vocabulary import (
    INDICATORS,
    SHARE,
    exact,
    gini_range,
    range_of,
    ratio_range,
    rounding_cuts,
    seat_range,
)
from report_helpers import report

cuts = st.floats(min_value=0.05, max_value=1.0, allow_nan=False)
values = st.floats(min_value=0.0, max_value=3.0, allow_nan=False)


@given(values, cuts, cuts)
def test_ratio_words_never_put_a_parity_value_below_equal(
    value: float, low: float, parity: float
) -> None:
    """A ratio at or above parity is never "below equal" in words, whatever D3's cut."""
    th = Thresholds(adoption_low=low, parity=parity)
    below_in_words = ratio_range(value, th).words in {"below equal", "well below equal"}
    assert below_in_words == (value < parity and value != pytest.approx(parity))


@given(values, cuts, cuts)
def test_x5_words_are_cut_at_its_own_parity(
    value: float, parity: float, attendance: float
) -> None:
    """X5 is "below equal" in words exactly below attendance_parity, whatever parity."""
    th = Thresholds(parity=parity, attendance_parity=attendance)
    words = range_of("X5", value, th)
    assert words is not None
    below_in_words = words.words in {"below equal", "well below equal"}
    assert below_in_words == (value < attendance and value != pytest.approx(attendance))


def test_x5_of_0_85_reads_below_equal_beside_its_band() -> None:
    """X5 of 0.85 is "below equal (0.5 to 0.9)" beside below_parity; R3's is equal."""
    th = Thresholds()
    figure = Figure("X5", 0.85, 40, 1.0, "below_parity", groups=(6, 6))
    x5 = safe_figure("X5", figure, th)
    assert x5.value is not None
    assert (x5.value.text, x5.band, x5.band_withheld) == (
        "below equal (0.5 to 0.9)",
        "below_parity",
        False,
    )
    r3 = range_of("R3", 0.85, th)
    assert r3 is not None
    assert r3.text == "about equal (0.8 to 1.25)"


@given(st.floats(min_value=0.0, max_value=1.0), st.floats(0.05, 0.95))
def test_gini_words_never_call_a_dominated_value_even(
    value: float, dominated: float
) -> None:
    """V2's words say "a few voices dominate" exactly when its band does."""
    th = Thresholds(gini_dominated=dominated)
    words = gini_range(value, th).words
    assert (words == "a few voices dominate") == (
        value > dominated and value != pytest.approx(dominated)
    )
    assert words != "evenly spread" or value < dominated


def test_seat_words_take_a_cut_within_rounding_as_the_cut() -> None:
    """6 of 20 seats at a token cut of 0.1 * 3 is at the cut, not "very few"."""
    th = Thresholds(token_seat=0.1 * 3)
    assert th.token_seat > 0.3
    assert seat_range(6 / 20, th).words == "less than half"


def test_seat_band_edges_are_written_where_they_are_cut() -> None:
    """A token cut of 12.5% is written "12.5%": 12.4% is not "under 12%".

    The edges were whole percentages rounded half to even, so a band cut
    at 0.125 said "under 12%" of 12.4% and "12% to 35%" of 12.5%.
    """
    th = Thresholds(token_seat=0.125)
    assert seat_range(0.124, th).text == "very few (under 12.5%)"
    assert seat_range(0.125, th).text == "less than half (12.5% to 35%)"
    assert seat_range(0.4, Thresholds()).text == "close to half (35% to 50%)"


@pytest.mark.parametrize(
    ("n", "counted", "shown"),
    [
        (1, "bodies", "1 body"),
        (1, "voting seats", "1 voting seat"),
        (3, "bodies", "3 bodies"),
        (1, "adjustments due", "1 adjustment due"),
        (2, "adjustments due", "2 adjustments due"),
        (1, "adopted proposals", "1 adopted proposal"),
    ],
)
def test_one_of_anything_is_singular(n: int, counted: str, shown: str) -> None:
    """The board report writes "1 body", not "1 bodies"."""
    assert count_of(n, counted) == shown


def test_every_indicators_board_n_of_one_is_singular() -> None:
    """An n of 1 drops the plural of every indicator's unit ("1 adjustment due")."""
    for about in INDICATORS.values():
        assert count_of(1, about.counted) != f"1 {about.counted}", about.code


def test_how_often_reads_as_plain_words() -> None:
    """Plain words ("never", "hardly ever", "every time") stand in for odd bands."""
    assert how_often("none") == "never"
    assert how_often("very few") == "hardly ever"
    assert how_often("about half") == "about half of the time"


def _board_values(figures: dict[str, Figure]) -> dict[str, tuple[str, str]]:
    """Each figure's value and coverage as the board's text report prints them."""
    report = PowerSharingReport(Scope.ledger(), None, None, 1, figures, (), ())
    out = render(report, audience="board")
    found = re.findall(
        r"(\w\d)  .*\n      value: (.*?) \| n: .*? \| coverage: (.*?) \|", out
    )
    return {code: (value, coverage) for code, value, coverage in found}


def test_the_boards_exact_values_never_round_onto_a_cut() -> None:
    """311 of 312 is not "100%", 79.96% not the 80% D1 is shared at, 5.97 not 6.

    Rounded to whole numbers, a value just under a cut reads as the cut
    beside a band that says it is below it ("80%", "not shared"), and one
    unmet request in 312 reads as none.
    """
    shown = _board_values(
        {
            "X1": Figure("X1", 311 / 312, 312, 0.9995, "met"),
            "D1": Figure("D1", 0.7996, 2500, 0.8, "not_shared"),
            "X3": Figure("X3", 1 / 250, 250, None, "unmet"),
            "P1": Figure("P1", 5.97, 30, None, None),
            "R3": Figure("R3", 0.7996, 2500, None, "below_parity", groups=(9, 9)),
            "V2": Figure("V2", 0.33, 40, None, "spread"),
            "R1": Figure("R1", 0.5, 10, 1.0, "balanced"),
        }
    )
    assert shown["X1"] == ("99.7%", "99.95%")
    assert shown["D1"] == ("79.96%", "80%")
    assert shown["X3"] == ("0.4%", "not applicable")
    assert shown["P1"][0] == "5.97 of 6"
    assert shown["R3"][0] == "0.7996"
    # Away from a cut, and at one, whole numbers as before.
    assert shown["V2"][0] == "0.33"
    assert shown["R1"] == ("50%", "100%")


def test_a_value_half_way_is_rounded_up_as_a_reader_rounds_it() -> None:
    """1 of 8 is 12.5%, so "13%" as a spreadsheet shows it, like 3 of 8's "38%".

    Rounding half to even wrote 1 of 8 as "12%" and 3 of 8 as "38%", one
    down and one up; 57 of 200 (28.5%, stored as 0.28499999999999998)
    read "28%".
    """
    shown = _board_values(
        {
            "X1": Figure("X1", 1 / 8, 8, 5 / 8, "unmet"),
            "X2": Figure("X2", 3 / 8, 8, None, None),
            "D2": Figure("D2", 57 / 200, 200, None, "mixed"),
            "V2": Figure("V2", 0.125, 40, None, "spread"),
            "P1": Figure("P1", 2.25, 4, None, None),
        }
    )
    assert shown["X1"] == ("13%", "63%")
    assert shown["X2"][0] == "38%"
    assert shown["D2"][0] == "29%"
    assert shown["V2"][0] == "0.13"
    assert shown["P1"][0] == "2.3 of 6"


@given(st.integers(0, 5000), st.integers(1, 5000))
def test_a_share_shown_exactly_stays_on_its_side_of_every_cut(
    part: int, n: int
) -> None:
    """Whatever the count, the percentage shown is on the value's side of each cut."""
    value = min(part, n) / n
    text = exact(SHARE, value)
    shown = float(text.removesuffix("%")) / 100
    assert {0.0, 0.5, 0.8, 0.9, 1.0} <= set(rounding_cuts(SHARE))
    for cut in rounding_cuts(SHARE):
        if value != pytest.approx(cut, abs=1e-12):
            assert (shown < cut) == (value < cut), (value, text, cut)
            assert shown != pytest.approx(cut, abs=1e-12), (value, text, cut)


def test_a_figure_with_no_band_is_not_read_as_the_band_none() -> None:
    """No band reads "no band", so it is never taken for a band called "none"."""
    made = report(
        {
            "A1": Figure("A1", 0.3, 20, 1.0, None, people=10, groups=(0, 9)),
            "D4": Figure("D4", 0.0, 20, 1.0, "none", people=10),
            "D1": Figure("D1", None, 0, None, None, "insufficient evidence: no"),
        }
    )
    row = re.compile(r"^  (\w\d) .*\n.*\| band: (.*)$", re.MULTILINE)
    for audience in ("board", "public"):
        bands = dict(row.findall(render(made, audience=audience)))
        assert bands == {"A1": "no band", "D4": "none", "D1": "no band"}, audience
