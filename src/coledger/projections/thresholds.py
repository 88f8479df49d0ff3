"""The configurable cut-offs behind every band and flag, with the reference defaults.

Values marked heuristic in the research are defaults, not truths: an
organisation can pass its own Thresholds to ``Ledger.power_sharing``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from coledger.domain.values import check_adjustment_code
from coledger.errors import InvalidInputError


def _real(value: object) -> object:
    """A real number (a Fraction or Decimal too) as a float; anything else as it is.

    What is not a number, or has no float (too large, a signalling NaN), is
    left as it is for the checks below to refuse by name.
    """
    if isinstance(value, int | float | Fraction | Decimal) and not isinstance(
        value, bool
    ):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return value
    return value


def _codes(value: object) -> object:
    """A list of codes as a tuple; anything else as it is."""
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen
class Thresholds:
    """Cut-offs for bands, flags and the ladder."""

    token_seat: float = attrs.field(default=0.15, converter=_real)
    """R1 below this: token or skewed representation (Kanter)."""
    minority: float = attrs.field(default=0.35, converter=_real)
    """R1 below this (and at least token_seat): a minority."""
    balanced: float = attrs.field(default=0.50, converter=_real)
    """R1 up to this: balanced; above it: a lived-experience majority."""
    parity: float = attrs.field(default=0.8, converter=_real)
    """Parity ratios (A1, R3, R5, R6, V1, D3) below this count as under-represented."""
    attendance_parity: float = attrs.field(default=0.9, converter=_real)
    """X5 below this: lived-experience seat holders attend less than others."""
    voice_high: float = attrs.field(default=1.25, converter=_real)
    """V1 above this: lived-experience voices take more than their share."""
    gini_dominated: float = attrs.field(default=0.5, converter=_real)
    """V2 above this: a few voices dominate."""
    deliberation_days: int = 7
    """V6 and X3: days papers must be out before a decision or meeting."""
    decision_inclusion: float = attrs.field(default=0.8, converter=_real)
    """D1 at or above this: decisions are shared."""
    adoption_low: float = attrs.field(default=0.5, converter=_real)
    """D3 below this: lived-experience ideas are systematically not taken up."""
    fulfilment: float = attrs.field(default=0.9, converter=_real)
    """X1 at or above this (with no unresolved declines) counts as equal terms."""
    equal_terms_cap: bool = True
    """Whether unequal terms cap a process with co-design evidence at Engagement.

    Off, the rung is what the evidence shows and ``equal_terms_not_met`` is
    still raised beside it.
    """
    small_cell: int = 5
    """Counts below this are suppressed in reports for the public."""
    baseline: tuple[str, ...] = attrs.field(
        default=("PLS", "BRK", "PAP", "ALT", "CAP", "STEP"), converter=_codes
    )
    """X4: adjustments a meeting should offer without being asked."""

    def __attrs_post_init__(self) -> None:
        shares = {
            "token_seat": self.token_seat,
            "minority": self.minority,
            "balanced": self.balanced,
            "gini_dominated": self.gini_dominated,
            "decision_inclusion": self.decision_inclusion,
            "adoption_low": self.adoption_low,
            "fulfilment": self.fulfilment,
        }
        for name, value in shares.items():
            _check_number(name, value, 0, 1)
        if not self.token_seat <= self.minority <= 0.5 <= self.balanced:  # noqa: PLR2004
            # R1's bands are named, and read out, as less or more than half.
            raise InvalidInputError(
                "R1's cuts must keep their order, token_seat <= minority <= 0.5 "
                "<= balanced: below minority is called fewer than half the seats, "
                "above balanced more than half"
            )
        _check_number("parity", self.parity, 0, 100)  # a ratio: may pass 1
        _check_number("attendance_parity", self.attendance_parity, 0, 100)
        _check_number("voice_high", self.voice_high, 0, 100)
        _check_whole("deliberation_days", self.deliberation_days, 0, 366)
        # Below 2 a public report would show counts of one: someone you can name.
        _check_whole("small_cell", self.small_cell, 2, 1_000)
        if not isinstance(self.equal_terms_cap, bool):
            raise InvalidInputError("equal_terms_cap must be True or False")
        baseline: object = self.baseline
        if not isinstance(baseline, tuple):
            raise InvalidInputError("baseline must be a tuple of adjustment codes")
        for code in baseline:
            check_adjustment_code(code, sealed=False)  # configuration


def _check_number(name: str, value: object, low: float, high: float) -> None:
    """A real number (not a bool, not NaN) in [low, high]."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not (ok and low <= value <= high):  # type: ignore[operator]
        raise InvalidInputError(f"{name} must be a number from {low} to {high}")


def _check_whole(name: str, value: object, low: int, high: int) -> None:
    """A whole number (not a bool) in [low, high]."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not (ok and low <= value <= high):  # type: ignore[operator]
        raise InvalidInputError(f"{name} must be a whole number from {low} to {high}")
