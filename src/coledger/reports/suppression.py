"""Small-number disclosure control: what the public and the members may see.

Co-production groups are small, so a count like "lived-experience seats 1 of
9" points at a person. Outside the board's own view every report goes
through ``suppress``, which applies these rules (``k`` is
``Thresholds.small_cell``, 5 by default):

* **Primary suppression.** A figure is withheld when its n is below k, or when
  it is a share whose count (value x n) is between 1 and k - 1. A withheld
  figure loses its value, band, coverage and note together, so neither of
  its two groups can be worked out from the other and the total.
* **Bands, not values.** A figure that is shown gives its band (plain words
  and numeric edges, such as "about half (40% to 60%)"), never the exact
  value; coverage is banded the same way. The projections' own notes (which
  hold exact sub-counts and names of projects) are never shown.
* **Secondary suppression.** In the table of decisions by tag, a count from
  1 to k - 1 is withheld, and then the next smallest counts too, until the
  withheld counts add up to at least k, so that the total cannot give one
  of them back. A total below k is withheld with every count.
* **The ladder** rates processes, so each rung and its flags are shown; in its
  evidence, counts from 1 to k - 1 are withheld, times are cut to the month,
  and the per-process figures (which carry no n) are dropped.
* Zero is shown: "none" describes a whole group, not one person.

The result never holds a name of a person: the report holds none, and the
public views take nothing from the caller's ``names`` but the scope's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport, Rung, envelope
from coledger.projections.thresholds import Thresholds
from coledger.reports.vocabulary import (
    SHARE,
    TAGS,
    UNKNOWN,
    Range,
    indicator,
    range_of,
    share_range,
)

SMALL_CELL = "small_cell"
"""Withheld because it, or a count behind it, is below the small-cell limit."""
SECONDARY = "secondary"
"""Withheld so that a total cannot give back a count withheld for being small."""
NO_BANDS = "no_bands"
"""Withheld because this version of the reports has no bands for the figure."""

_TOLERANCE = 1e-6


@attrs.frozen
class SafeFigure:
    """One indicator as the public may see it: a band, or the reason it is withheld."""

    code: str
    value: Range | None
    n: int | None
    coverage: Range | None
    band: str | None
    withheld: str | None
    note: str | None

    @property
    def shown(self) -> bool:
        """Whether the figure's band is shown."""
        return self.value is not None

    def to_json(self) -> dict[str, Any]:
        """The figure in the report's JSON shape, with bands as text."""
        return {
            "value": None if self.value is None else self.value.text,
            "n": self.n,
            "coverage": None if self.coverage is None else self.coverage.text,
            "band": self.band,
            "note": self.note,
            "withheld": self.withheld,
        }


@attrs.frozen
class SafeRung:
    """One process on the ladder, with the small counts in its evidence withheld."""

    unit: str
    id: str
    name: str
    rung: str
    level: int
    flags: tuple[str, ...]
    evidence: dict[str, Any]
    withheld: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The rung in the report's JSON shape, naming the withheld evidence."""
        return {
            "unit": self.unit,
            "id": self.id,
            "name": self.name,
            "rung": self.rung,
            "level": self.level,
            "flags": list(self.flags),
            "evidence": dict(self.evidence),
            "withheld": list(self.withheld),
        }


@attrs.frozen
class TagCount:
    """How many decisions got one tag, or why that count is withheld."""

    tag: str
    count: int | None
    withheld: str | None


@attrs.frozen
class SafeReport:
    """A power-sharing report after disclosure control, for the public or members."""

    small_cell: int
    scope: Scope
    since: datetime | None
    until: datetime | None
    as_of: int
    indicators: dict[str, SafeFigure]
    ladder: tuple[SafeRung, ...]
    tags: tuple[TagCount, ...]
    decisions: int | None
    """How many decisions were tagged, or None when that total is withheld."""

    def to_json(self, audience: str = "public") -> dict[str, Any]:
        """The report's JSON shape after suppression (see docs/reports.md)."""
        head = envelope(self.scope, self.since, self.until, self.as_of)
        return {
            "version": head.pop("version"),
            "audience": audience,
            "small_cell": self.small_cell,
            **head,
            "indicators": {
                code: figure.to_json()
                for code, figure in sorted(self.indicators.items())
            },
            "ladder": [rung.to_json() for rung in self.ladder],
            "decisions": [
                {"tag": t.tag, "count": t.count, "withheld": t.withheld}
                for t in self.tags
            ],
            "decision_total": self.decisions,
        }


def underlying_count(kind: str, value: float, n: int) -> int | None:
    """The count behind a share (value x n), or None when there is no such count."""
    if kind != SHARE:
        return None
    count = value * n
    whole = round(count)
    return whole if abs(count - whole) < _TOLERANCE else None


def small(count: int, k: int) -> bool:
    """Whether a count is a small cell: from 1 to k - 1 (zero is not)."""
    return 0 < count < k


def safe_figure(code: str, f: Figure, th: Thresholds) -> SafeFigure:
    """One figure after primary suppression and banding."""
    k = th.small_cell
    about = indicator(code)
    shown_n = f.n if f.n >= k or f.n == 0 else None
    if f.value is None:
        return SafeFigure(
            code, None, shown_n, None, None, None, "not enough evidence for a figure"
        )
    if f.n < k:
        return SafeFigure(
            code,
            None,
            None,
            None,
            None,
            SMALL_CELL,
            f"withheld: fewer than {k} {about.counted}",
        )
    count = underlying_count(about.kind, f.value, f.n)
    if about.kind == SHARE and count is None:
        return SafeFigure(
            code, None, f.n, None, None, SMALL_CELL, "withheld: its count is unclear"
        )
    if count is not None and small(count, k):
        return SafeFigure(
            code,
            None,
            f.n,
            None,
            None,
            SMALL_CELL,
            f"withheld: it rests on a count of fewer than {k}",
        )
    banded = range_of(code, f.value, th)
    if about.kind == UNKNOWN or banded is None:
        return SafeFigure(
            code, None, f.n, None, None, NO_BANDS, "withheld: no bands for this figure"
        )
    coverage = None if f.coverage is None else share_range(f.coverage)
    return SafeFigure(code, banded, f.n, coverage, f.band, None, None)


def suppress_table(cells: Mapping[str, int], k: int) -> dict[str, str | None]:
    """Which cells of a table with a shown total to withhold, and why.

    Counts from 1 to k - 1 are withheld (primary); then the smallest other
    non-zero counts (secondary) until the withheld counts add up to at least
    k, so that the total minus the shown counts gives back no small count.
    """
    reasons: dict[str, str | None] = dict.fromkeys(cells)
    for key, count in cells.items():
        if small(count, k):
            reasons[key] = SMALL_CELL
    hidden = [key for key, why in reasons.items() if why]
    while hidden and (len(hidden) < 2 or sum(cells[h] for h in hidden) < k):  # noqa: PLR2004
        rest = sorted(
            (count, key)
            for key, count in cells.items()
            if reasons[key] is None and count > 0
        )
        if not rest:
            break
        reasons[rest[0][1]] = SECONDARY
        hidden.append(rest[0][1])
    return reasons


_COUNTED_EVIDENCE = frozenset(
    {
        "comment_meetings",
        "le_comments",
        "delivery_actions",
        "education_meetings",
        "le_occasions",
        "unresolved_declines",
        "access_overrides",
    }
)


def safe_evidence(
    evidence: Mapping[str, Any], k: int
) -> tuple[dict[str, Any], list[str]]:
    """A rung's evidence with small counts withheld, times cut to the month."""
    shown: dict[str, Any] = {}
    withheld: list[str] = []
    for key, value in evidence.items():
        if isinstance(value, bool) or value is None:
            shown[key] = value
        elif isinstance(value, int) and key in _COUNTED_EVIDENCE:
            if small(value, k):
                shown[key] = None
                withheld.append(key)
            else:
                shown[key] = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            shown[key] = list(value)
        elif key == "label" and isinstance(value, str):
            shown[key] = value
        elif key.startswith("first_") and isinstance(value, str):
            shown[key] = value[:7]  # an ISO datetime cut to its year and month
        else:
            shown[key] = None
            withheld.append(key)
    return shown, withheld


def safe_rung(rung: Rung, k: int) -> SafeRung:
    """One process on the ladder, with its evidence made safe."""
    evidence, withheld = safe_evidence(rung.evidence, k)
    return SafeRung(
        unit=rung.unit,
        id=rung.id,
        name=rung.name,
        rung=rung.rung,
        level=rung.level,
        flags=tuple(rung.flags),
        evidence=evidence,
        withheld=tuple(withheld),
    )


def safe_tags(
    report: PowerSharingReport, k: int
) -> tuple[tuple[TagCount, ...], int | None]:
    """Decisions counted by tag, with primary and secondary suppression."""
    cells = dict.fromkeys(TAGS, 0)
    for d in report.decisions:
        cells[d.tag] = cells.get(d.tag, 0) + 1
    total = sum(cells.values())
    if small(total, k):
        tags = tuple(
            TagCount(tag, None if count else 0, SMALL_CELL if count else None)
            for tag, count in cells.items()
        )
        return tags, None
    reasons = suppress_table(cells, k)
    tags = tuple(
        TagCount(tag, None if reasons[tag] else count, reasons[tag])
        for tag, count in cells.items()
    )
    return tags, total


def suppress(
    report: PowerSharingReport, thresholds: Thresholds | None = None
) -> SafeReport:
    """The report with small cells withheld and values banded, for the public."""
    th = thresholds or Thresholds()
    k = th.small_cell
    tags, total = safe_tags(report, k)
    return SafeReport(
        small_cell=k,
        scope=report.scope,
        since=report.since,
        until=report.until,
        as_of=report.as_of,
        indicators={
            code: safe_figure(code, f, th) for code, f in report.indicators.items()
        },
        ladder=tuple(safe_rung(r, k) for r in report.ladder),
        tags=tags,
        decisions=total,
    )
