"""The reports as one self-contained, accessible HTML file.

Inline CSS and SVG only: no script, no font, no image or style sheet from
anywhere else, so the file opens the same offline as online. It aims at
WCAG 2.2 AA: a language and a title, one h1 and real h2/h3 levels, banner,
navigation, main and contentinfo landmarks, a table with a caption and
scoped headers beside every chart, a text alternative for every graphic,
text contrast of at least 4.5:1 (graphics 3:1), bands and flags written in
words rather than shown by colour, a visible focus ring and no small text.
The members' version uses larger type and more space between lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from coledger.reports import svg
from coledger.reports.display import Display, Family, Process
from coledger.reports.easy_read import (
    CLOSING_HEADING,
    KIND,
    MADE_FROM,
    STEPS,
    EasyRead,
    Point,
)
from coledger.reports.markup import Child, Markup, el, join

BASE_CSS = """
:root { color-scheme: light; }
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: #1a1a1a; background: #ffffff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  font-size: 1.0625rem; line-height: 1.55;
}
.skip { position: absolute; left: -10000px; top: auto; }
.skip:focus { position: static; display: inline-block; margin: 0 0 1rem; }
header.banner { background: #0b3d6b; color: #ffffff; }
header.banner .inner, main, footer .inner, nav .inner {
  max-width: 64rem; margin: 0 auto; padding: 1.25rem 1.5rem;
}
header.banner a { color: #ffffff; }
h1 { font-size: 2rem; line-height: 1.2; margin: 0.25rem 0 0.75rem; }
h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.5rem 0 0.75rem; }
h3 { font-size: 1.25rem; line-height: 1.3; margin: 2rem 0 0.5rem; }
p, li { max-width: 70ch; }
h1, h2, h3, p, li, dt, dd, summary, caption, figcaption { overflow-wrap: anywhere; }
a { color: #0b4f9c; text-decoration-thickness: 0.08em; text-underline-offset: 0.15em; }
a:hover { text-decoration-thickness: 0.15em; }
:focus-visible {
  outline: 3px solid #1a1a1a; outline-offset: 2px;
  background-color: #ffdd00; color: #1a1a1a; box-shadow: 0 0 0 6px #ffdd00;
}
header.banner :focus-visible { color: #1a1a1a; }
/* The skip link's target is the whole report, not a control: painting it
   yellow would flood the page. Reading goes on from its top. */
main:focus-visible { outline: none; box-shadow: none; background-color: transparent; }
dl.facts {
  display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.25rem 1rem;
  margin: 0;
}
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; }
nav { border-bottom: 1px solid #595959; }
nav ul {
  display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem;
  list-style: none; margin: 0; padding: 0;
}
.pair { margin: 1rem 0 2rem; }
figure { margin: 1rem 0; }
figcaption { font-weight: 700; margin-bottom: 0.5rem; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; }
.table-wrap { overflow-x: auto; margin: 0.5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 700; padding: 0.25rem 0 0.5rem; }
th, td {
  border: 1px solid #595959; padding: 0.4rem 0.6rem;
  text-align: left; vertical-align: top;
}
thead th { background: #e8eef5; }
tbody th { font-weight: 700; }
.flag {
  display: inline-block; border: 2px solid #8a1c1c; color: #8a1c1c;
  border-radius: 0.3rem; padding: 0 0.4rem; margin: 0.1rem 0.25rem 0.1rem 0;
  font-weight: 700;
}
.flag::before { content: "\\2691\\00a0" / ""; }
details { margin: 0.5rem 0; }
summary { cursor: pointer; font-weight: 700; padding: 0.25rem 0; }
.key { border-left: 6px solid #1f4e8c; padding: 0.5rem 1rem; background: #f3f6fa; }
footer { border-top: 4px solid #0b3d6b; margin-top: 3rem; }
@media print {
  .skip, nav { display: none; }
  header.banner {
    background: #ffffff; color: #1a1a1a; border-bottom: 4px solid #1a1a1a;
  }
  header.banner a { color: #1a1a1a; }
  /* Paper cannot scroll: with no side padding, closer cells and a last
     column (notes, the longest) free to break its words, a wide table fits
     the page instead of being cut off at its edge. */
  body { font-size: 1rem; }
  main { padding-left: 0; padding-right: 0; }
  .table-wrap { overflow: visible; }
  th, td { padding: 0.25rem 0.4rem; }
  td:last-child { overflow-wrap: anywhere; }
  /* Paper cannot be unfolded: print what the screen folds away. */
  details::details-content { content-visibility: visible; }
}
"""

MEMBERS_CSS = """
body.members {
  font-family: Verdana, Tahoma, Arial, sans-serif;
  font-size: 1.375rem; line-height: 1.75;
}
body.members main,
body.members header.banner .inner,
body.members footer .inner { max-width: 46rem; }
body.members h1 { font-size: 2.25rem; }
body.members h2 { font-size: 1.75rem; margin-top: 0; }
body.members h3 { font-size: 1.5rem; margin: 1.5rem 0 0.5rem; }
body.members p { margin: 0 0 0.6rem; }
.point { border-top: 3px solid #0b3d6b; padding: 1.5rem 0; margin-top: 1.5rem; }
.point-head { display: flex; align-items: center; gap: 1.25rem; margin-bottom: 1rem; }
.point-head svg { flex: none; }
.step { display: flex; gap: 1.25rem; align-items: flex-start; margin: 0.5rem 0 1.5rem; }
.step svg { flex: none; }
/* Beside the picture where a line has room for a few words; else below it. */
.step { flex-wrap: wrap; }
.step > div { flex: 1 1 14em; }
svg.meter { display: block; max-width: 100%; height: auto; }
.amount { font-weight: 700; }
"""


class _Ids:
    """Fresh, unique ids for one document."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def __call__(self, stem: str) -> str:
        return f"{stem}-{next(self._count)}"


def _page(
    *,
    title: str,
    body_class: str,
    header: Markup,
    nav: Markup | None,
    main: Markup,
    footer: Markup,
    css: str,
) -> str:
    head = el(
        "head",
        el("meta", charset="utf-8"),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", name="generator", content="coledger"),
        el("title", title),
        el("style", Markup(css)),
    )
    body = el(
        "body",
        el("header", el("div", header, class_="inner"), class_="banner"),
        nav,
        el("main", main, id="main", tabindex="-1"),
        el("footer", el("div", footer, class_="inner")),
        class_=body_class,
    )
    return "<!DOCTYPE html>\n" + el("html", head, body, lang="en-GB") + "\n"


def _table(
    caption: str | Markup,
    columns: Sequence[str],
    rows: Sequence[Sequence[str | Markup]],
    ids: _Ids,
) -> Markup:
    """A table with a caption, column headers and a header cell starting each row."""
    caption_id = ids("caption")
    head = el("thead", el("tr", *(el("th", c, scope="col") for c in columns)))
    body = el(
        "tbody",
        *(
            el(
                "tr",
                el("th", row[0], scope="row"),
                *(el("td", cell) for cell in row[1:]),
            )
            for row in rows
        ),
    )
    table = el("table", el("caption", caption, id=caption_id), head, body)
    return el(
        "div",
        table,
        class_="table-wrap",
        role="region",
        aria_labelledby=caption_id,
        tabindex="0",
    )


def _named(name: str) -> Markup:
    """A name someone typed, isolated so that right-to-left text keeps its place.

    Without it, a name in Arabic or Hebrew ending in a digit or a bracket
    pulls the neutral characters around it into its own direction.
    """
    return el("bdi", name)


def _dd(label: str, value: str) -> Markup | str:
    """A fact's value; the organisation's name is a name someone typed."""
    return _named(value) if label == "Organisation" else value


def _flags(flags: Sequence[str], hidden: Sequence[str] = ()) -> Markup:
    shown = (
        join(el("span", f, class_="flag") for f in flags) if flags else Markup("none")
    )
    if not hidden:
        return shown
    return join([shown, Markup(" "), el("span", f"(not shown: {', '.join(hidden)})")])


# The board's and the public's report -------------------------------------------------


def _ladder_section(display: Display, ids: _Ids) -> Markup:
    rows = [(p.name, p.level, p.rung, p.placed) for p in display.processes]
    parts: list[Child] = [
        el("h2", "The ladder of co-production", id="ladder"),
        el(
            "p",
            "Each process (a project, or a body over the period) is placed on "
            "the ladder from what the record shows, from 0 (no involvement) to "
            "7 (co-production: lived experience shares the decisions from design "
            "through delivery to evaluation). Flags name what held a process back "
            "or what its label claims beyond the evidence.",
        ),
    ]
    if not rows:
        parts.append(el("p", "No process in this scope had any activity to rate."))
        return el("section", *parts, aria_labelledby="ladder")
    chart = svg.ladder_chart(
        ids("ladder-chart"), "Where each process sits on the ladder", rows
    )
    parts.append(
        el(
            "div",
            el(
                "figure",
                el("figcaption", "Chart: processes on the ladder (0 to 7)"),
                chart,
            ),
            _table(
                "Processes on the ladder",
                ("Process", "Kind", "Step", "Rung", "Flags"),
                [
                    (
                        _named(p.name),
                        p.unit,
                        "withheld"
                        if p.level is None
                        else str(p.level)
                        if p.placed
                        else "not placed",
                        p.rung,
                        Markup("not shown")
                        if p.level is None
                        else _flags(p.flags, p.hidden_flags),
                    )
                    for p in display.processes
                ],
                ids,
            ),
            class_="pair",
        )
    )
    parts.append(el("h3", "Evidence behind each rung", id="evidence"))
    parts += [_evidence(p, ids) for p in display.processes]
    return el("section", *parts, aria_labelledby="ladder")


def _evidence(p: Process, ids: _Ids) -> Markup:
    # Named with its kind, as its fold is: a body and a project may share a name.
    named = join(["Evidence for ", _named(p.name), f" ({p.unit})"])
    return el(
        "details",
        el("summary", named),
        _table(
            named,
            ("Evidence", "What the record shows"),
            list(p.evidence),
            ids,
        ),
    )


def _family(family: Family, ids: _Ids) -> Markup:
    heading_id = ids(f"family-{family.letter.lower()}")
    rows = [(r.label, r.bar) for r in family.rows]
    chart = svg.bar_chart(
        ids("chart"),
        f"{family.name}: each indicator on its own scale",
        rows,
        label_width=190,
    )
    table = _table(
        f"{family.name} indicators",
        (
            "Code",
            "Indicator",
            "Value",
            "Counted (n)",
            "Declared coverage",
            "Band",
            "Note",
        ),
        [
            (r.code, r.title, r.value, r.n, r.coverage, r.band, r.note)
            for r in family.rows
        ],
        ids,
    )
    return el(
        "section",
        el("h3", family.name, id=heading_id),
        el(
            "div",
            el("figure", el("figcaption", f"Chart: {family.name.lower()}"), chart),
            table,
            class_="pair",
        ),
        aria_labelledby=heading_id,
    )


def _indicators_section(display: Display, ids: _Ids) -> Markup:
    how = (
        "Solid bars show exact values. Ratios are drawn on a scale from 0 to 2, "
        "with a dashed line at 1, where lived experience fares the same as others."
        if display.audience == "board"
        else "Each figure is shown as a band: the solid bar runs to the bottom of "
        "the band, and the hatched part spans the band. A dashed, empty track "
        "means the figure is withheld or there is not enough evidence."
    )
    return el(
        "section",
        el("h2", "Indicators", id="indicators"),
        el(
            "p",
            "Each figure has the number of things it rests on (n) and the share of "
            "those whose people had answered the lived-experience question "
            "(declared coverage). ",
            how,
        ),
        *(_family(f, ids) for f in display.families),
        aria_labelledby="indicators",
    )


def _decisions_section(display: Display, ids: _Ids) -> Markup:
    rows = [(t.tag, t.bar) for t in display.tags]
    chart = svg.bar_chart(
        ids("tags-chart"),
        "Decisions by how far lived experience shared them",
        rows,
        label_width=300,
        track_width=240,
    )
    parts: list[Child] = [
        el("h2", "Who decided", id="decisions"),
        el(
            "p",
            "Each decision gets the first of these tags that applies: decided with "
            "a lived-experience member who had a vote, influenced by lived "
            "experience, lived experience consulted, lived experience informed, or "
            "none.",
        ),
        el(
            "div",
            el("figure", el("figcaption", "Chart: decisions by tag"), chart),
            _table(
                "Decisions by tag",
                ("Tag", "Decisions"),
                [
                    *((t.tag, t.count) for t in display.tags),
                    ("all decisions", display.tag_total),
                ],
                ids,
            ),
            class_="pair",
        ),
    ]
    if display.tags_note:
        parts.append(el("p", f"Note: {display.tags_note}"))
    if display.decisions is not None and not display.decisions:
        parts.append(el("p", "No decisions in this period."))
    elif display.decisions is not None:
        parts.append(
            el(
                "details",
                el("summary", "Decision by decision"),
                _table(
                    "Each decision and its tag",
                    ("Proposal", "Decision", "Tag", "Lived-experience proposer"),
                    [
                        (_named(d.proposal), d.decision, d.tag, d.le_originated)
                        for d in display.decisions
                    ],
                    ids,
                ),
            )
        )
    return el("section", *parts, aria_labelledby="decisions")


def board_or_public(display: Display, organisation: str | None) -> str:
    """The board's or the public's report as one HTML page."""
    ids = _Ids()
    who = f" for the {display.audience}"
    header = join(
        [
            el("a", "Skip to the report", href="#main", class_="skip"),
            el(
                "h1",
                display.title,
                *((": ", _named(organisation)) if organisation else ()),
            ),
            el(
                "dl",
                *(
                    join([el("dt", label), el("dd", _dd(label, value))])
                    for label, value in display.facts
                ),
                class_="facts",
            ),
        ]
    )
    nav = el(
        "nav",
        el(
            "div",
            el(
                "ul",
                el("li", el("a", "About this report", href="#about")),
                el("li", el("a", "The ladder", href="#ladder")),
                el("li", el("a", "Indicators", href="#indicators")),
                el("li", el("a", "Who decided", href="#decisions")),
            ),
            class_="inner",
        ),
        aria_label="Contents",
    )
    about = el(
        "section",
        el("h2", "About this report", id="about"),
        el("ul", *(el("li", line) for line in display.disclosure), class_="key"),
        aria_labelledby="about",
    )
    main = join(
        [
            about,
            _ladder_section(display, ids),
            _indicators_section(display, ids),
            _decisions_section(display, ids),
        ]
    )
    footer = el(
        "p",
        "Made with coledger from the ledger's own events. "
        "The figures are prompts for discussion, not verdicts: read them beside "
        "the people they are about.",
    )
    return _page(
        title=f"{display.title}{who}" + (f": {organisation}" if organisation else ""),
        body_class=display.audience,
        header=header,
        nav=nav,
        main=main,
        footer=footer,
        css=BASE_CSS,
    )


# The members' easy-read report --------------------------------------------------------


def _point(point: Point, ids: _Ids) -> Markup:
    heading_id = ids("point")
    parts: list[Child] = [
        el(
            "div",
            svg.icon(ids("icon"), point.icon),
            el("h2", point.heading, id=heading_id),
            class_="point-head",
        ),
        *(el("p", line) for line in point.lines),
    ]
    if point.meter is not None:
        m = point.meter
        parts.append(
            el(
                "figure",
                svg.meter(ids("meter"), m.label, m.words, m.fill),
                # Seen, not read out: the picture's name says the same words.
                el(
                    "figcaption",
                    f"{m.label}: ",
                    el("span", m.words, class_="amount"),
                    aria_hidden="true",
                ),
            )
        )
    for step in point.steps:
        step_heading = ids("step")
        parts.append(
            el(
                "section",
                el("h3", _named(step.name), id=step_heading),
                el(
                    "div",
                    svg.step_picture(ids("steps"), step.name, step.level, STEPS),
                    el("div", *(el("p", line) for line in step.lines)),
                    class_="step",
                ),
                aria_labelledby=step_heading,
            )
        )
    if point.table:
        # The ladder's rows are headed by the processes' names.
        rows: list[tuple[str | Markup, str]] = [
            (_named(name) if point.steps else name, cell) for name, cell in point.table
        ]
        parts.append(_table(point.caption, point.columns, rows, ids))
    return el("section", *parts, class_="point", aria_labelledby=heading_id)


def _title(easy: EasyRead) -> tuple[Child, ...]:
    """The title, with the organisation's name in it isolated, as a name typed."""
    if not easy.organisation:
        return (easy.title,)
    before, name, after = easy.title.partition(easy.organisation)
    return (before, _named(name), after)


def members(easy: EasyRead) -> str:
    """The members' easy-read report as one HTML page, in large type."""
    ids = _Ids()
    header = join(
        [
            el("a", "Skip to the report", href="#main", class_="skip"),
            el("h1", *_title(easy)),
            el("p", KIND),
        ]
    )
    main = join(
        [
            el(
                "section",
                el("h2", "About this report", id="about"),
                *(el("p", line) for line in easy.intro),
                aria_labelledby="about",
                class_="point",
            ),
            *(_point(p, ids) for p in easy.points),
            el(
                "section",
                el("h2", CLOSING_HEADING, id="safe"),
                *(el("p", line) for line in easy.closing),
                aria_labelledby="safe",
                class_="point",
            ),
        ]
    )
    return _page(
        title=easy.title,
        body_class="members",
        header=header,
        nav=None,
        main=main,
        footer=el("p", MADE_FROM),
        css=BASE_CSS + MEMBERS_CSS,
    )
