"""The ladder chart marks a withheld rung as the bar chart marks a withheld figure."""

from __future__ import annotations

import re

from coledger.reports.svg import ladder_chart


def _tracks(svg: str) -> list[str]:
    """The outlined track of each row (the rectangles drawn with an edge)."""
    return [r for r in re.findall(r"<rect [^>]*>", svg) if "stroke=" in r]


def test_a_withheld_rung_is_a_dashed_empty_track_that_says_so() -> None:
    """Withheld: dashed outline, no bar, the word "withheld"; shown: solid."""
    svg = str(
        ladder_chart(
            "t",
            "Ladder",
            [("Board", 4, "CONSULTATION", True), ("Panel", None, "withheld", True)],
        )
    )
    shown, withheld = _tracks(svg)
    assert "stroke-dasharray" not in shown
    assert 'stroke-dasharray="6 4"' in withheld
    assert ">withheld<" in svg
    assert "Panel: withheld" in svg
