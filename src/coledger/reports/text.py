"""The reports as plain text, for a terminal, an email or a screen reader.

Direction controls in the names they print are written as escapes
(``steady``): HTML isolates each name in ``<bdi>``, but plain text cannot.
"""

from __future__ import annotations

from coledger.errors import steady
from coledger.reports.display import Display
from coledger.reports.easy_read import CLOSING_HEADING, KIND, MADE_FROM, EasyRead


def _heading(text: str, underline: str) -> list[str]:
    return [text, underline * len(text)]


def board_or_public(display: Display) -> str:
    """The board's or the public's report as text."""
    lines = _heading(display.title.upper(), "=")
    lines += [f"{label}: {value}" for label, value in display.facts]
    lines += ["", *_heading("About this report", "-")]
    lines += [f"- {line}" for line in display.disclosure]

    lines += ["", *_heading("The ladder of co-production", "-")]
    lines.append(
        "Where each process sits, from 0 (no involvement) to 7 (co-production)."
    )
    if not display.processes:
        lines += ["", "No process in this scope had any activity to rate."]
    for p in display.processes:
        flags = ", ".join(p.flags) or "none"
        if p.hidden_flags:
            flags += f" (not shown: {', '.join(p.hidden_flags)})"
        if p.level is None:  # withheld whole: no flag is shown, raised or not
            flags = "not shown"
        placed = p.level is not None and p.placed
        where = f"step {p.level}, {p.rung}" if placed else p.rung
        lines += ["", f"{p.name} ({p.unit}): {where}; flags: {flags}"]
        lines += [f"    {label}: {value}" for label, value in p.evidence]

    lines += ["", *_heading("Indicators", "-")]
    for family in display.families:
        lines += ["", f"{family.name} ({family.letter})"]
        for row in family.rows:
            lines.append(f"  {row.code:<3} {row.title}")
            lines.append(
                f"      value: {row.value} | n: {row.n} | coverage: {row.coverage}"
                f" | band: {row.band}"
            )
            if row.note:
                lines.append(f"      note: {row.note}")

    lines += ["", *_heading("Decisions by how far lived experience shared them", "-")]
    lines += [f"  {t.tag}: {t.count}" for t in display.tags]
    lines.append(f"  all decisions: {display.tag_total}")
    if display.tags_note:
        lines.append(f"  note: {display.tags_note}")
    if display.decisions is not None:
        lines += ["", *_heading("Decision by decision", "-")]
        lines += [
            f"  {d.proposal} (decision {d.decision}): {d.tag}; "
            f"lived-experience proposer: {d.le_originated}"
            for d in display.decisions
        ] or ["  No decisions in this period."]
    return steady("\n".join(lines)) + "\n"


def members(easy: EasyRead) -> str:
    """The members' easy-read report as text: one idea to a line.

    It says all that the HTML page says, in its order, but for the tables
    (which repeat the lines) and the pictures.
    """
    lines = [easy.title, KIND, "", "About this report", *easy.intro]
    for point in easy.points:
        lines += ["", point.heading, *point.lines]
        for step in point.steps:
            lines += ["", step.name, *step.lines]
    lines += ["", CLOSING_HEADING, *easy.closing, "", MADE_FROM]
    return steady("\n".join(lines)) + "\n"
