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


def test_a_long_name_ends_before_its_track_begins() -> None:
    """A name cut short in the chart ends before its track, which would hide its end.

    Chromium draws 16-pixel capitals in its sans-serif (DejaVu Sans on
    Linux) about 10.5 pixels wide: "MEMBERSHIP AND WELLBEING…" took 262
    pixels where the track began at 242, so the track covered its last
    letters and the ellipsis that says the name is cut short.
    """
    name = "MEMBERSHIP AND WELLBEING COMMITTEE"
    svg = str(ladder_chart("t", "Ladder", [(name, 4, "Consultation", True)]))
    found = re.search(r"<text [^>]*>([^<]*)</text>", svg)
    assert found is not None
    label = found.group(1)
    assert label == "MEMBERSHIP AND WELLBEING…"
    track = float(_tracks(svg)[0].split('x="')[1].split('"')[0])
    assert track > 10.5 * len(label)
