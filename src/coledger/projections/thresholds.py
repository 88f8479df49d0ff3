"""The configurable cut-offs behind every band and flag, with the reference defaults.

Values marked heuristic in the research are defaults, not truths: an
organisation can pass its own Thresholds to ``Ledger.power_sharing``.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Thresholds:
    """Cut-offs for bands, flags and the ladder."""

    token_seat: float = 0.15
    """R1 below this: token or skewed representation (Kanter)."""
    minority: float = 0.35
    """R1 below this (and at least token_seat): a minority."""
    balanced: float = 0.50
    """R1 up to this: balanced; above it: a lived-experience majority."""
    parity: float = 0.8
    """Parity ratios (A1, R5, D3, X5...) below this count as under-represented."""
    voice_high: float = 1.25
    """V1 above this: lived-experience voices take more than their share."""
    gini_dominated: float = 0.5
    """V2 above this: a few voices dominate."""
    deliberation_days: int = 7
    """V6 and X3: days papers must be out before a decision or meeting."""
    decision_inclusion: float = 0.8
    """D1 at or above this: decisions are shared."""
    adoption_low: float = 0.5
    """D3 below this: lived-experience ideas are systematically not taken up."""
    fulfilment: float = 0.9
    """X1 at or above this (with no unresolved declines) counts as equal terms."""
    small_cell: int = 5
    """Counts below this are suppressed in reports for the public."""
    baseline: tuple[str, ...] = ("PLS", "BRK", "PAP", "ALT", "CAP", "STEP")
    """X4: adjustments a meeting should offer without being asked."""
