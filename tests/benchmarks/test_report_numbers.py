"""run_all.py's verdicts say what the numbers behind them say."""

from __future__ import annotations

import pytest

from bench_helpers import bench


@pytest.mark.parametrize(
    ("measured", "goal", "unit", "at_least", "verdict"),
    [
        (0.998, 1.0, "x", True, "MISSED by 0.2%: 0.998x, target >= 1.00x"),
        (0.2996, 0.3, "x", True, "MISSED by 0.1%: 0.2996x, target >= 0.30x"),
        (1.002, 1.0, "x", True, "met: 1.002x >= 1.00x"),
        (1.0, 1.0, "x", True, "met: 1.00x >= 1.00x"),
        (0.5, 1.0, "x", True, "MISSED by 50%: 0.50x, target >= 1.00x"),
        (
            300.04,
            300.0,
            "MB",
            False,
            "MISSED by under 0.1% (1.0x the limit): 300.04 MB, target < 300 MB",
        ),
        (299.96, 300.0, "MB", False, "met: 299.96 MB < 300 MB"),
        (282.0, 300.0, "MB", False, "met: 282 MB < 300 MB"),
    ],
)
def test_a_verdict_shows_what_rounding_would_hide(
    measured: float, goal: float, unit: str, at_least: bool, verdict: str
) -> None:
    """A value either side of its target shows the digits that tell them apart."""
    target = bench("run_all").Target("t", goal, unit, "big", at_least, measured)
    assert target.verdict() == verdict


def _found(round_: int, seconds: float, peak_mb: float) -> dict[str, float]:
    """A probe's result of 100 events in *seconds*, with its round."""
    return {
        "round": round_,
        "events": 100,
        "seconds": seconds,
        "rss_peak_kb": peak_mb * 1024,
    }


def test_ratios_pair_only_rounds_that_both_probes_finished() -> None:
    """A probe that failed in one round leaves that round out of the pairs."""
    run_all = bench("run_all")
    probed = run_all.Probed(
        100,
        {
            # rebuild failed in round 0, the bare read in round 1
            "rebuild": [_found(1, 1.0, 200), _found(2, 2.0, 300)],
            "bare_decode": [_found(0, 0.1, 50), _found(2, 1.0, 60)],
        },
        ["rebuild failed", "bare_decode failed"],
        None,
        None,
    )
    assert probed.ratio("rebuild", "bare_decode") == (0.5,)
    assert probed.peak_ratio("rebuild", "bare_decode") == (5.0,)
