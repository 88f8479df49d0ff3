"""Small pure measures the indicators share: Gini, Banzhaf power, medians."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from fractions import Fraction


def gini(values: Sequence[float]) -> float:
    """The Gini coefficient of *values* (0: all equal); zeros count."""
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    # The sum of |a - b| over all ordered pairs, from the sorted values in O(n log n):
    # the i-th smallest (from 1) exceeds i - 1 values and is exceeded by n - i.
    differences = 2 * sum(
        (2 * i - n - 1) * x for i, x in enumerate(sorted(values), start=1)
    )
    return differences / (2 * n * total)


def banzhaf(weights: Mapping[str, int], quota: int) -> dict[str, float]:
    """Normalised Banzhaf power of each bloc under a weighted quota rule."""
    blocs = [name for name, weight in weights.items() if weight > 0]
    swings = dict.fromkeys(weights, 0)
    for size in range(1, len(blocs) + 1):
        for coalition in itertools.combinations(blocs, size):
            total = sum(weights[b] for b in coalition)
            if total < quota:
                continue
            for bloc in coalition:
                if total - weights[bloc] < quota:
                    swings[bloc] += 1
    all_swings = sum(swings.values())
    if all_swings == 0:
        return dict.fromkeys(weights, 0.0)
    return {name: count / all_swings for name, count in swings.items()}


def quota_for(kind: str, threshold: Fraction, total: int) -> int:
    """Votes a motion needs under a rule kind when everyone votes.

    The threshold is the rule's exact fraction: in floating point, 0.56 of 25
    seats comes to a shade over 14 and would round up to 15.
    """
    if kind == "majority":
        return total // 2 + 1
    if kind == "threshold":
        return max(1, math.ceil(threshold * total))
    return total  # consensus and consent: anyone can stop it


RATIO_TOLERANCE = 1e-12
"""How far a ratio may sit from a cut-off by rounding alone and still be at it.

A parity ratio divides one share by another, so it is rounded twice: exact
4/5 can come out as 0.7999999999999999. Two ratios of whole counts up to a
hundred thousand differ by far more than this, so no real difference is lost.
"""


def below(value: float, cut: float) -> bool:
    """Whether *value* is under *cut* by more than rounding (see RATIO_TOLERANCE)."""
    return value < cut and not math.isclose(value, cut, rel_tol=RATIO_TOLERANCE)


def above(value: float, cut: float) -> bool:
    """Whether *value* is over *cut* by more than rounding (see RATIO_TOLERANCE)."""
    return value > cut and not math.isclose(value, cut, rel_tol=RATIO_TOLERANCE)


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def share(part: int, whole: int) -> float | None:
    """Part / whole, or None when whole is 0."""
    return part / whole if whole else None
