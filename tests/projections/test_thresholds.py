"""Thresholds refuse values that would break a report or switch suppression off."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from coledger import InvalidInputError, Ledger
from coledger.projections.thresholds import Thresholds

BAD: list[dict[str, Any]] = [
    {"small_cell": 1},
    {"small_cell": 0},
    {"small_cell": -1},
    {"small_cell": True},
    {"small_cell": "5"},
    {"small_cell": 5.0},
    {"token_seat": math.nan},
    {"token_seat": True},
    {"deliberation_days": True},
    {"parity": -0.5},
    {"attendance_parity": -0.1},
    {"attendance_parity": 100.5},
    {"attendance_parity": math.nan},
    {"attendance_parity": "0.9"},
    {"attendance_parity": True},
    {"parity": 100.5},
    {"voice_high": -0.5},
    {"voice_high": 101},
    {"deliberation_days": -1},
    {"deliberation_days": 367},
    {"small_cell": 1_001},
    {"minority": 1.5},
    {"fulfilment": -0.1},
    {"parity": "x"},
    {"parity": math.inf},
    {"token_seat": 10**400},
    {"parity": Fraction(10**400)},
    {"voice_high": Fraction(-(10**400), 3)},
    {"fulfilment": Decimal("sNaN")},
    {"equal_terms_cap": 0},
    {"equal_terms_cap": 1},
    {"equal_terms_cap": "no"},
    {"equal_terms_cap": None},
    {"minority": Decimal("1e400")},
    {"voice_high": None},
    {"deliberation_days": "7"},
    {"deliberation_days": 10**9},
    {"baseline": None},
    {"baseline": "PLS"},
    {"baseline": ("PLS", "NOPE")},
]


def shown(values: dict[str, Any]) -> str:
    """A test id: the values' repr, cut short (some numbers run to 400 digits)."""
    return repr(values)[:40]


@pytest.mark.parametrize("values", BAD, ids=shown)
def test_a_value_outside_its_range_is_refused(values: dict[str, Any]) -> None:
    """Each field is checked when Thresholds is made, with a typed error."""
    with pytest.raises(InvalidInputError):
        Thresholds(**values)


@pytest.mark.parametrize(
    "cuts",
    [
        {"token_seat": 0.4},  # above minority's 0.35
        {"minority": 0.55, "balanced": 0.6},  # 52% would read as a minority
        {"balanced": 0.4},  # 45% would read as a lived-experience majority
        {"token_seat": 0.3, "minority": 0.2},
    ],
    ids=shown,
)
def test_r1s_cuts_must_keep_their_order_about_half(cuts: dict[str, Any]) -> None:
    """R1's cuts rise, with half between minority and balanced, as its words say."""
    with pytest.raises(InvalidInputError, match=r"token_seat <= minority <= 0\.5"):
        Thresholds(**cuts)


def test_r1s_cuts_may_meet_and_reach_their_ends() -> None:
    """R1's cuts may all be half, or run from 0 to 1 with nothing between."""
    assert Thresholds(token_seat=0.5, minority=0.5, balanced=0.5).minority == 0.5
    assert Thresholds(token_seat=0, minority=0, balanced=1).balanced == 1


def test_the_defaults_and_the_edges_are_accepted() -> None:
    """The reference defaults, the least small cell and a parity above 1 all pass."""
    assert Thresholds().small_cell == 5
    assert Thresholds(small_cell=2, parity=1.5, deliberation_days=0).parity == 1.5


def test_every_range_takes_both_of_its_ends() -> None:
    """Shares 0 and 1, ratios 0 and 100, days 0 and 366, cells 2 and 1,000 all pass."""
    for share in ("gini_dominated", "decision_inclusion", "fulfilment"):
        for edge in (0, 1):
            edges: dict[str, Any] = {share: edge}
            assert getattr(Thresholds(**edges), share) == edge
    for ratio in ("parity", "attendance_parity", "voice_high"):
        for edge in (0, 100):
            edges = {ratio: edge}
            assert getattr(Thresholds(**edges), ratio) == edge
    assert Thresholds(deliberation_days=366).deliberation_days == 366
    assert Thresholds(small_cell=1_000).small_cell == 1_000


def test_the_defaults_are_the_reference_cut_offs() -> None:
    """The defaults are the bands of indicators.md (Kanter 15/35/50%, X1 0.9, ...)."""
    th = Thresholds()
    assert (th.token_seat, th.minority, th.balanced) == (0.15, 0.35, 0.50)
    assert (th.parity, th.voice_high, th.gini_dominated) == (0.8, 1.25, 0.5)
    assert (th.decision_inclusion, th.adoption_low, th.fulfilment) == (0.8, 0.5, 0.9)
    assert (th.deliberation_days, th.small_cell) == (7, 5)


def test_x5_has_its_own_cut_at_the_references_0_9() -> None:
    """X5's band cut is attendance_parity, 0.9 by default, apart from parity's 0.8."""
    th = Thresholds(attendance_parity=Fraction(19, 20))
    assert (Thresholds().attendance_parity, th.attendance_parity) == (0.9, 0.95)
    assert th.parity == 0.8


def test_an_unknown_baseline_code_is_named_in_the_error() -> None:
    """A baseline code is configuration, not a request: the error repeats it."""
    with pytest.raises(InvalidInputError, match="NOPE"):
        Thresholds(baseline=("PLS", "NOPE"))


def test_fractions_decimals_and_lists_are_taken_as_numbers_and_tuples() -> None:
    """Shares given as Fraction or Decimal become floats; a list of codes a tuple."""
    th = Thresholds(
        token_seat=Fraction(1, 5), parity=Decimal("0.8"), baseline=["PLS", "BRK"]
    )
    assert (th.token_seat, th.parity, th.baseline) == (0.2, 0.8, ("PLS", "BRK"))
    assert th == Thresholds(token_seat=0.2, parity=0.8, baseline=("PLS", "BRK"))
    with pytest.raises(InvalidInputError):
        Thresholds(parity=Decimal("NaN"))


def test_projections_refuse_what_is_not_thresholds(memory_ledger: Ledger) -> None:
    """A string where Thresholds belongs is an InvalidInputError, not an attrs error."""
    with pytest.raises(InvalidInputError, match="Thresholds"):
        memory_ledger.projections("x")  # type: ignore[arg-type]
