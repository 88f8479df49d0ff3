"""The reference figures of the research: Gini and Banzhaf, directly and through R7."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.projections.lens import band_of
from coledger.projections.measures import above, banzhaf, below, gini, quota_for
from coledger.projections.thresholds import Thresholds
from coledger.reports.vocabulary import ratio_range


def test_gini_of_the_reference_participation() -> None:
    """gini([20, 5, 0, 0, 0]) is 0.72: silent members count as zeros."""
    assert gini([20, 5, 0, 0, 0]) == pytest.approx(0.72)
    assert gini([3, 3, 3]) == 0.0


@given(values=st.lists(st.integers(min_value=0, max_value=500), max_size=60))
def test_gini_equals_the_mean_absolute_difference_definition(values: list[int]) -> None:
    """The sorted O(n log n) Gini is exactly the pairwise definition on counts."""
    n, total = len(values), sum(values)
    pairs = sum(abs(a - b) for a in values for b in values)
    expected = 0.0 if n == 0 or total == 0 else pairs / (2 * n * total)
    assert gini(values) == expected


@pytest.mark.parametrize(("quota", "expected"), [(5, 0.0), (6, 0.2)])
def test_banzhaf_of_the_reference_board(quota: int, expected: float) -> None:
    """Staff 5, lived experience 2, partners 2: LE power is 0.0 at quota 5, 0.2 at 6."""
    power = banzhaf({"staff": 5, "le": 2, "partners": 2}, quota)
    assert power["le"] == pytest.approx(expected)
    assert sum(power.values()) == pytest.approx(1.0)


@given(weights=st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=6))
def test_banzhaf_shares_sum_to_one_or_all_zero(weights: list[int]) -> None:
    """Normalised Banzhaf power sums to 1 whenever any bloc can swing a vote."""
    blocs = {f"b{i}": w for i, w in enumerate(weights)}
    total = sum(weights)
    power = banzhaf(blocs, total // 2 + 1)
    assert all(0.0 <= p <= 1.0 for p in power.values())
    if total:
        assert sum(power.values()) == pytest.approx(1.0)
    assert all(power[name] == 0.0 for name, w in blocs.items() if w == 0)


def test_a_threshold_quota_is_worked_out_exactly() -> None:
    """0.56 of 25 seats needs 14 votes, not the 15 a float product rounds up to."""
    rule = Rule.supermajority(0.56)
    assert 0.56 * 25 > 14  # the trap: the float product is a shade over 14
    assert quota_for(rule.kind, rule.threshold, 25) == 14
    assert quota_for(rule.kind, rule.threshold, 24) == 14  # 13.44 rounds up


@pytest.mark.parametrize(("seats", "quota"), [(1, 1), (4, 3), (9, 5), (10, 6)])
def test_a_majority_quota_is_more_than_half_of_the_seats(
    seats: int, quota: int
) -> None:
    """A majority needs more than half the seats: half of an even board is a tie."""
    rule = Rule.majority()
    assert quota_for(rule.kind, rule.threshold, seats) == quota


@pytest.mark.parametrize(
    ("rule", "expected"),
    [(Rule.majority(), 0.0), (Rule.supermajority(0.6), 0.2)],
)
def test_r7_reads_the_reference_board_from_a_ledger(
    rule: Rule, expected: float
) -> None:
    """A board of 5 staff, 2 trainers with lived experience and 2 partners gives R7."""
    assert quota_for(rule.kind, rule.threshold, 9) == (5 if expected == 0 else 6)
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        board = ledger.establish_body("Board", kind="governance", rule=rule, by=admin)
        people = (
            [("staff", None)] * 5 + [("trainer", "DIS")] * 2 + [("partner", None)] * 2
        )
        for n, (role, category) in enumerate(people):
            member = ledger.register_member(f"Seat {n}", role=role, by=admin)
            if category:
                ledger.declare_lived_experience(member, categories=[category])
            ledger.assign_seat(board, member, by=admin)
        figures = ledger.power_sharing(body=board).indicators
    assert figures["R1"].value == pytest.approx(2 / 9)
    assert figures["R7"].value == pytest.approx(expected)
    assert figures["R7"].band == ("no_power" if expected == 0 else "diluted")


counts = st.integers(min_value=1, max_value=1000)


@given(counts, counts, counts, counts)
def test_a_ratio_of_shares_at_a_cut_is_at_it_whatever_the_rounding(
    a: int, b: int, c: int, d: int
) -> None:
    """(a/b)/(c/d) is below 0.8 exactly when the fraction is, band and words alike."""
    exact = Fraction(a, b) / Fraction(c, d)
    value = (a / b) / (c / d)
    th = Thresholds()
    assert below(value, th.parity) == (exact < Fraction(4, 5))
    assert above(value, th.voice_high) == (exact > Fraction(5, 4))
    under = band_of(value, [(th.parity, "below")], "parity") == "below"
    assert under == (exact < Fraction(4, 5))
    assert (
        ratio_range(value, th).words in {"below equal", "well below equal"}
    ) == under


def test_four_fifths_rounded_down_is_parity() -> None:
    """2/3 over 5/6 is 0.7999999999999999 in floating point, and still at parity."""
    value = (2 / 3) / (5 / 6)
    assert value < 0.8
    assert not below(value, 0.8)
