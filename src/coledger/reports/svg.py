"""Inline SVG charts and pictures, drawn without any outside asset.

Every graphic has role="img" and a title (and a description where it holds
data), so a screen reader announces what it shows; every chart sits beside a
table with the same figures. Shapes and words, not colour alone, carry the
meaning: a band is hatched, a withheld figure is an empty track that says so.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from coledger.reports.display import Bar, step_words
from coledger.reports.markup import Markup, el, join

INK = "#1a1a1a"
"""Text (17:1 on white)."""
BAR = "#1f4e8c"
"""Bars and lines (8:1 on white; well above 3:1 for graphics)."""
EDGE = "#595959"
"""Outlines of empty tracks (7:1 on white)."""
TRACK = "#ffffff"

ROW = 44
TRACK_X_GAP = 12
FONT = 16


def _ids(uid: str) -> tuple[str, str, str]:
    return f"{uid}-title", f"{uid}-desc", f"{uid}-hatch"


def _hatch(pattern_id: str, colour: str = BAR) -> Markup:
    """A diagonal hatch that marks a band (a range, not a point)."""
    return el(
        "pattern",
        el("rect", width=8, height=8, fill="#ffffff"),
        el("path", d="M0,8 L8,0", stroke=colour, stroke_width=2.5),
        id=pattern_id,
        width=8,
        height=8,
        patternUnits="userSpaceOnUse",
    )


def _graphic(
    uid: str, title: str, desc: str, width: float, height: float, *body: Markup
) -> Markup:
    title_id, desc_id, _ = _ids(uid)
    return el(
        "svg",
        el("title", title, id=title_id),
        el("desc", desc, id=desc_id),
        *body,
        role="img",
        # The title names the chart and the figures describe it: naming it
        # by both would have a screen reader read every figure twice.
        aria_labelledby=title_id,
        aria_describedby=desc_id,
        viewBox=f"0 0 {width:g} {height:g}",
        width=f"{width:g}",
        height=f"{height:g}",
        class_="chart",
        focusable="false",
    )


def bar_chart(
    uid: str,
    title: str,
    rows: Sequence[tuple[str, Bar]],
    *,
    label_width: float = 64,
    track_width: float = 300,
) -> Markup:
    """Horizontal bars, one per row, each on its own scale, with words beside it."""
    _, _, hatch_id = _ids(uid)
    x0 = label_width + TRACK_X_GAP
    width = x0 + track_width + 200
    height = ROW * len(rows) + 8
    body: list[Markup] = [el("defs", _hatch(hatch_id))]
    for i, (label, bar) in enumerate(rows):
        y = 4 + i * ROW
        mid = y + ROW / 2
        body.append(el("text", label, x=0, y=mid + 5, font_size=FONT, fill=INK))
        body.append(
            el(
                "rect",
                x=x0,
                y=y + 8,
                width=track_width,
                height=ROW - 16,
                fill=TRACK,
                stroke=EDGE,
                stroke_width=1.5,
                stroke_dasharray=None if bar.shown else "6 4",
            )
        )
        if bar.shown:
            solid = bar.low * track_width
            if solid > 0:
                body.append(
                    el("rect", x=x0, y=y + 8, width=solid, height=ROW - 16, fill=BAR)
                )
            if bar.high > bar.low:
                body.append(
                    el(
                        "rect",
                        x=x0 + solid,
                        y=y + 8,
                        width=(bar.high - bar.low) * track_width,
                        height=ROW - 16,
                        fill=f"url(#{hatch_id})",
                        stroke=BAR,
                        stroke_width=1.5,
                    )
                )
        if bar.marker is not None:
            mx = x0 + bar.marker * track_width
            body.append(
                el(
                    "line",
                    x1=mx,
                    x2=mx,
                    y1=y + 2,
                    y2=y + ROW - 2,
                    stroke=INK,
                    stroke_width=2,
                    stroke_dasharray="3 3",
                )
            )
        body.append(
            el(
                "text",
                bar.label,
                x=x0 + track_width + TRACK_X_GAP,
                y=mid + 5,
                font_size=FONT,
                fill=INK,
            )
        )
    desc = "; ".join(
        f"{label}: {bar.label}" + ("" if bar.scale is None else f" (scale {bar.scale})")
        for label, bar in rows
    )
    return _graphic(uid, title, desc, width, height, *body)


def ladder_chart(
    uid: str, title: str, rows: Sequence[tuple[str, int | None, str, bool]]
) -> Markup:
    """One bar per process, as high up the seven steps as its rung, with tick marks.

    Each row is a process's name, level, rung in words, and whether it is
    placed on the ladder. A process whose rung is withheld (level None) gets
    an empty dashed track, as a withheld figure does in the bar chart; one
    not placed (no activity to rate) an empty track with its rung and no step.
    """
    names = [_clip(name, NAME_LIMIT) for name, *_ in rows]
    # Room for the longest name: a track drawn over a name's end hides the
    # ellipsis that says it is cut short.
    label_width = max([230, *(round(_text_width(name)) for name in names)])
    track_width, steps = 280, 7
    x0 = label_width + TRACK_X_GAP
    width = x0 + track_width + 180
    height = ROW * len(rows) + 8
    body: list[Markup] = []
    for i, ((_, shown, rung, placed), name) in enumerate(zip(rows, names, strict=True)):
        level = shown or 0
        y = 4 + i * ROW
        mid = y + ROW / 2
        body.append(el("text", name, x=0, y=mid + 5, font_size=FONT, fill=INK))
        body.append(
            el(
                "rect",
                x=x0,
                y=y + 8,
                width=track_width,
                height=ROW - 16,
                fill=TRACK,
                stroke=EDGE,
                stroke_width=1.5,
                stroke_dasharray="6 4" if shown is None else None,
            )
        )
        if level:
            body.append(
                el(
                    "rect",
                    x=x0,
                    y=y + 8,
                    width=track_width * level / steps,
                    height=ROW - 16,
                    fill=BAR,
                )
            )
        for step in range(1, steps):
            tx = x0 + track_width * step / steps
            body.append(
                el(
                    "line",
                    x1=tx,
                    x2=tx,
                    y1=y + 8,
                    y2=y + ROW - 8,
                    stroke="#ffffff" if step <= level else EDGE,
                    stroke_width=1.5,
                )
            )
        body.append(
            el(
                "text",
                "withheld" if shown is None else f"{level} {rung}" if placed else rung,
                x=x0 + track_width + TRACK_X_GAP,
                y=mid + 5,
                font_size=FONT,
                fill=INK,
            )
        )
    desc = "; ".join(
        f"{name}: step {level} of 7, {rung}"
        if level is not None and placed
        else f"{name}: {rung}"
        for name, level, rung, placed in rows
    )
    return _graphic(uid, title, desc, width, height, *body)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


NAME_LIMIT = 26
"""The most characters of a process's name the ladder chart draws."""


def _text_width(text: str, size: float = FONT) -> float:
    """A generous guess at how wide *text* is drawn, to leave room for it.

    The reader's own font draws it, so its width cannot be known here: a
    wide (East Asian) character is taken as a whole em and any other as
    0.7 em, a little more than capitals and spaces take on average in the
    widest common sans-serif fonts (0.65 em in DejaVu Sans).
    """
    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    return size * (wide + 0.7 * (len(text) - wide))


# Pictures for the members' report --------------------------------------------------

_STROKE: dict[str, str | float] = {
    "stroke": INK,
    "stroke_width": 4,
    "fill": "none",
    "stroke_linecap": "round",
}


def _idea() -> list[Markup]:
    return [
        el("circle", cx=48, cy=38, r=22, fill="#ffe08a", stroke=INK, stroke_width=4),
        el("rect", x=38, y=60, width=20, height=16, rx=3, fill=BAR),
        el("path", d="M40 82 H56", **_STROKE),
        el(
            "path",
            d="M48 6 V0 M14 38 H6 M82 38 H90 M22 14 L16 8 M74 14 L80 8",
            **_STROKE,
        ),
    ]


def _vote() -> list[Markup]:
    return [
        el("rect", x=14, y=44, width=68, height=44, rx=4, fill=BAR),
        el(
            "rect",
            x=30,
            y=10,
            width=36,
            height=40,
            fill="#ffffff",
            stroke=INK,
            stroke_width=4,
        ),
        el("path", d="M38 30 L46 38 L60 20", **_STROKE),
        el("rect", x=26, y=44, width=44, height=6, fill=INK),
    ]


def _seats() -> list[Markup]:
    shapes: list[Markup] = []
    for x, filled in ((4, True), (34, False), (64, True)):
        shapes += [
            el(
                "path",
                d=f"M{x + 2} 14 V86 M{x + 2} 54 H{x + 26} V86",
                stroke=INK,
                stroke_width=5,
                fill="none",
                stroke_linecap="round",
                stroke_linejoin="round",
            ),
            el(
                "rect",
                x=x + 4,
                y=44,
                width=22,
                height=10,
                fill=BAR if filled else "#ffffff",
                stroke=INK,
                stroke_width=3,
            ),
        ]
    return shapes


def _support() -> list[Markup]:
    heart = (
        "M48 82 C10 56 8 30 26 20 C38 14 46 22 48 28 "
        "C50 22 58 14 70 20 C88 30 86 56 48 82 Z"
    )
    return [el("path", d=heart, fill=BAR, stroke=INK, stroke_width=4)]


def _feedback() -> list[Markup]:
    return [
        el(
            "path",
            d="M8 10 H58 V44 H26 L14 56 V44 H8 Z",
            fill="#ffffff",
            stroke=INK,
            stroke_width=4,
            stroke_linejoin="round",
        ),
        el(
            "path",
            d="M38 40 H88 V74 H82 V86 L70 74 H38 Z",
            fill=BAR,
            stroke=INK,
            stroke_width=4,
            stroke_linejoin="round",
        ),
        el(
            "path",
            d="M50 57 L58 65 L74 49",
            stroke="#ffffff",
            stroke_width=4,
            fill="none",
            stroke_linecap="round",
        ),
    ]


def _ladder() -> list[Markup]:
    rungs = " ".join(f"M30 {y} H66" for y in range(16, 90, 12))
    return [
        el("path", d="M30 4 V92 M66 4 V92", **_STROKE),
        el("path", d=rungs, stroke=BAR, stroke_width=5, fill="none"),
    ]


ICONS = {
    "idea": ("A light bulb", _idea),
    "vote": ("A ballot box with a vote going in", _vote),
    "seats": ("Three chairs around a table", _seats),
    "support": ("A heart", _support),
    "feedback": ("Two speech bubbles, one with a tick", _feedback),
    "ladder": ("A ladder", _ladder),
}
"""The picture for each members' point, with its text alternative."""


def icon(uid: str, name: str) -> Markup:
    """The picture for one members' point."""
    alt, draw = ICONS[name]
    return el(
        "svg",
        el("title", alt, id=f"{uid}-title"),
        *draw(),
        role="img",
        aria_labelledby=f"{uid}-title",
        viewBox="0 0 96 96",
        width=96,
        height=96,
        class_="icon",
        focusable="false",
    )


def meter(uid: str, label: str, words: str, fill: float) -> Markup:
    """A simple bar: how much of something, with the amount in words."""
    width, height = 320, 56
    inner = max(0.0, min(1.0, fill)) * (width - 8)
    quarters = [
        el(
            "line",
            x1=4 + (width - 8) * q / 4,
            x2=4 + (width - 8) * q / 4,
            y1=4,
            y2=height - 4,
            stroke=EDGE if inner < (width - 8) * q / 4 else "#ffffff",
            stroke_width=2,
        )
        for q in (1, 2, 3)
    ]
    body = [
        el(
            "rect",
            x=2,
            y=2,
            width=width - 4,
            height=height - 4,
            rx=8,
            fill="#ffffff",
            stroke=INK,
            stroke_width=3,
        ),
        el("rect", x=4, y=4, width=inner, height=height - 8, rx=6, fill=BAR)
        if inner > 0
        else None,
        *quarters,
    ]
    return el(
        "svg",
        el("title", f"{label}: {words}", id=f"{uid}-title"),
        join(body),
        role="img",
        aria_labelledby=f"{uid}-title",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        class_="meter",
        focusable="false",
    )


def step_picture(uid: str, name: str, level: int | None, steps: int = 7) -> Markup:
    """A ladder of seven steps, filled up to this process's step, with an arrow.

    Where the step is withheld (None), no step is filled and none is pointed at.
    """
    title = f"{name}: {step_words(level, steps)}"
    level = level or 0
    pad, gap = 12, 32
    width, height = 156, 2 * pad + steps * gap
    body: list[Markup] = [
        el("path", d=f"M22 {pad} V{height - pad} M98 {pad} V{height - pad}", **_STROKE)
    ]
    for step in range(1, steps + 1):
        y = pad + (steps - step) * gap + gap / 2
        body.append(
            el(
                "rect",
                x=22,
                y=y - 4,
                width=76,
                height=8,
                rx=2,
                fill=BAR if step <= level else "#ffffff",
                stroke=INK,
                stroke_width=2,
            )
        )
        if step == level:
            body.append(
                el(
                    "path",
                    d=f"M126 {y} H106 M114 {y - 8} L106 {y} L114 {y + 8}",
                    **_STROKE,
                )
            )
            body.append(
                el(
                    "text",
                    str(step),
                    x=130,
                    y=y + 9,
                    font_size=26,
                    font_weight="bold",
                    fill=INK,
                )
            )
    return el(
        "svg",
        el("title", title, id=f"{uid}-title"),
        *body,
        role="img",
        aria_labelledby=f"{uid}-title",
        viewBox=f"0 0 {width} {height}",
        width=width,
        height=height,
        class_="steps",
        focusable="false",
    )
