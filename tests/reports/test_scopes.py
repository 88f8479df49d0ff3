"""Reports of overlapping scopes: no withheld count comes back by subtraction."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coledger.reports.vocabulary import CountRange, count_range

INF = math.inf


def bounds(shown: CountRange) -> tuple[float, float]:
    """The lowest and highest count a range allows."""
    return shown.low, INF if shown.high is None else shown.high


def narrowed(
    own: CountRange, whole: CountRange, others: list[CountRange]
) -> tuple[float, float]:
    """The lowest and highest count a part can have, given the whole and the others.

    This is the differencing attack on ranges: the whole less the others,
    taken at both ends, cut to the part's own range.
    """
    low, high = bounds(own)
    whole_low, whole_high = bounds(whole)
    low = max(low, whole_low - sum(bounds(o)[1] for o in others))
    high = min(high, whole_high - sum(bounds(o)[0] for o in others))
    return low, high


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
                    low, high = narrowed(own, whole, list(mix))
                    assert low < high, (k, mix, place, count)


def test_five_bodies_of_four_do_not_pin_each_other() -> None:
    """Five parts of 4 make 20, the top of "5 to 20": nothing is narrowed.

    Cut at 5, 10, 20 and 50 instead, 20 would open "20 to 49", and 20 less
    four parts of at most 4 would leave at least 4 for the fifth: its count.
    """
    parts = [count_range(4, 5)] * 5
    assert narrowed(parts[0], count_range(20, 5), parts[1:]) == (0, 4)
    lowest = CountRange(0, 4)
    assert narrowed(lowest, CountRange(20, 49), [lowest] * 4) == (4, 4)


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
        low, high = narrowed(ranges[i], whole, ranges[:i] + ranges[i + 1 :])
        assert low <= count <= high
        if 0 < count < k:
            assert low < high, (counts, k, i)
