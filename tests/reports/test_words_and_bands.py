"""The words a report writes for a value agree with its band under any thresholds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger.projections.lens import Figure
from coledger.projections.thresholds import Thresholds
from coledger.reports.display import count_of
from coledger.reports.easy_read import how_often
from coledger.reports.suppression import safe_figure
from coledger.reports.vocabulary import gini_range, range_of, ratio_range, seat_range

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


@pytest.mark.parametrize(
    ("n", "counted", "shown"),
    [
        (1, "bodies", "1 body"),
        (1, "voting seats", "1 voting seat"),
        (3, "bodies", "3 bodies"),
    ],
)
def test_one_of_anything_is_singular(n: int, counted: str, shown: str) -> None:
    """The board report writes "1 body", not "1 bodies"."""
    assert count_of(n, counted) == shown


def test_how_often_reads_as_plain_words() -> None:
    """Plain words ("never", "hardly ever", "every time") stand in for odd bands."""
    assert how_often("none") == "never"
    assert how_often("very few") == "hardly ever"
    assert how_often("about half") == "about half of the time"
