"""The board's and the public's report as rows of text, ready for any format.

``board`` reads a PowerSharingReport as it is; ``public`` reads only the
SafeReport that disclosure control left, so nothing it drops can reach the
page. The text and HTML renderers draw these rows and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

import attrs

from coledger.projections.ladder import FLAGS, NO_ACTIVITY
from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from coledger.reports.suppression import (
    ACCESS_N,
    RANGED_N,
    SECONDARY,
    SafeFigure,
    SafeReport,
    SafeRung,
    TagCount,
)
from coledger.reports.vocabulary import (
    FAMILIES,
    RATIO,
    SCALE_MAX,
    SHARE,
    TAGS,
    Range,
    exact,
    family_order,
    indicator,
    words,
)

INSUFFICIENT = "not enough evidence"
WITHHELD = "withheld"
NO_BAND = "no band"
"""A figure without a band: not the band "none" that some figures have at 0."""


@attrs.frozen
class Bar:
    """How one figure is drawn on its scale: an exact point, a band, or nothing."""

    low: float
    """Where the bar's solid part ends, as a fraction of the scale (0 to 1)."""
    high: float
    """Where a band ends (equal to low for an exact value)."""
    label: str
    """The words drawn beside the bar."""
    shown: bool = True
    """False when there is nothing to draw (withheld, or not enough evidence)."""
    marker: float | None = None
    """Where "equal" sits on the scale, for parity ratios."""
    scale: str | None = "0% to 100%"
    """The scale in words, for the chart's text alternative; None when there is
    nothing to measure the bar against (a count of none)."""


@attrs.frozen
class Row:
    """One indicator as a row of text."""

    code: str
    label: str
    title: str
    value: str
    n: str
    coverage: str
    band: str
    note: str
    bar: Bar


@attrs.frozen
class Family:
    """The indicators of one family."""

    letter: str
    name: str
    rows: tuple[Row, ...]


@attrs.frozen
class Process:
    """One process on the ladder."""

    name: str
    unit: str
    rung: str
    level: int | None
    """The step, or None where the rung is withheld (for the few people behind it)."""
    flags: tuple[str, ...]
    evidence: tuple[tuple[str, str], ...]
    hidden_flags: tuple[str, ...] = ()
    """Flags withheld from this view either way, raised or not."""
    placed: bool = True
    """False for a process with no activity to rate: its level 0 is no step,
    since the ladder reads step 0 as no involvement."""


@attrs.frozen
class TagRow:
    """How many decisions got one tag."""

    tag: str
    count: str
    bar: Bar


@attrs.frozen
class DecisionRow:
    """One decision and its tag (the board's view only)."""

    proposal: str
    decision: str
    tag: str
    le_originated: str


@attrs.frozen
class Display:
    """A whole report for the board or the public, as text."""

    audience: str
    title: str
    facts: tuple[tuple[str, str], ...]
    disclosure: tuple[str, ...]
    families: tuple[Family, ...]
    processes: tuple[Process, ...]
    tags: tuple[TagRow, ...]
    tag_total: str
    decisions: tuple[DecisionRow, ...] | None
    tags_note: str = ""
    """Why the decisions by tag are withheld (the JSON's ``decisions_withheld``)."""


# Scope, period and names -------------------------------------------------------------


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


def count_of(n: int, counted: str) -> str:
    """*n* and what it counts, in the singular for one: "1 body", "3 bodies".

    The plural is the last word ending in "s", so a unit with a word after
    its noun reads "1 adjustment due", not "1 adjustments due".
    """
    if n != 1:
        return f"{n} {counted}"
    words = counted.split(" ")
    plural = max((i for i, w in enumerate(words) if w.endswith("s")), default=None)
    if plural is not None:
        words[plural] = _singular(words[plural])
    return f"1 {' '.join(words)}"


def step_words(level: int | None, steps: int) -> str:
    """Which step of the ladder a process is on, in words (step 1 is the lowest)."""
    if level is None:
        return "not shown"
    return f"step {level} of {steps}" if level > 0 else "not on the ladder"


RUNG_WITHHELD = "withheld: fewer than {k} people behind some of its records"
"""What the public report says in place of a rung withheld for its few people."""


def day(at: datetime) -> str:
    """A date in words, such as "6 January 2025"."""
    return f"{at.day} {at:%B %Y}"


def _midnight(at: datetime) -> bool:
    """Whether *at* is the start of a day in UTC, written in UTC.

    A midnight at another offset is the start of a day only there: written as
    the day alone, it would read as the UTC day, which it cuts part of.
    """
    return at.time() == time() and not at.utcoffset()


def moment(at: datetime) -> str:
    """A time in words, such as "6 January 2025, 10:00 UTC" (seconds if any)."""
    clock = f"{at:%H:%M:%S.%f}".rstrip("0").rstrip(".").removesuffix(":00")
    offset = at.utcoffset() or timedelta()
    if not offset:
        return f"{day(at)}, {clock} UTC"
    sign, size = ("-", -offset) if offset < timedelta() else ("+", offset)
    hours, rest = divmod(int(size.total_seconds()) // 60, 60)
    return f"{day(at)}, {clock} UTC{sign}{hours:02d}:{rest:02d}"


def period_text(since: datetime | None, until: datetime | None) -> str:
    """The business-time period in words (``until`` is not included).

    Bounds at midnight UTC read as whole days ("1 January 2025 to 30 June
    2025"); any other bound gives its time and offset, so that a period from
    10:00, or to midnight at UTC+14:00, is not read as the whole of its first
    or last day.
    """
    start = None
    if since is not None:
        start = day(since) if _midnight(since) else moment(since)
    end = None
    if until is not None:
        whole = _midnight(until)
        end = day(until - timedelta(microseconds=1)) if whole else moment(until)
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"from {start}"
    return f"up to {end}" if end else "all recorded time"


def scope_name(scope: Scope, names: Mapping[str, str] | None) -> str | None:
    """The name the caller gave the scope's body or project, if any."""
    if scope.id is None or not names:
        return None
    return names.get(str(scope.id))


def scope_text(scope: Scope, names: Mapping[str, str] | None) -> str:
    """What the report covers, in words."""
    if scope.kind == "ledger":
        return "the whole organisation"
    name = scope_name(scope, names)
    return f"the {scope.kind} {name}" if name else f"one {scope.kind}"


def _facts(
    *,
    audience: str,
    organisation: str | None,
    scope: Scope,
    since: datetime | None,
    until: datetime | None,
    as_of: int,
    tree_size: int | None,
    names: Mapping[str, str] | None,
) -> tuple[tuple[str, str], ...]:
    facts = [
        ("Organisation", organisation or "not named"),
        ("Covers", scope_text(scope, names)),
        ("Period", period_text(since, until)),
        ("Record", record_text(as_of, tree_size)),
        ("Audience", AUDIENCE_WORDS[audience]),
    ]
    return tuple(facts)


def record_text(as_of: int, tree_size: int | None) -> str:
    """Which moment of the record a report shows: its position and tree size.

    The position is a notification id, which the hashes do not cover; the
    tree size is what a signed checkpoint of the log vouches for.
    """
    if tree_size is None:
        return f"as it stood after event {as_of}"
    return f"as it stood after event {as_of} (log tree size {tree_size})"


AUDIENCE_WORDS = {
    "board": "the board (full figures; not for publication)",
    "public": "the public (small numbers withheld)",
    "members": "the members (easy read)",
}


# Rows ---------------------------------------------------------------------------------


def _scale(kind: str) -> tuple[float, str, float | None]:
    top = SCALE_MAX.get(kind, 1.0)
    if kind == RATIO:
        return top, "0 to 2, where 1 means equal", 1.0 / top
    if top == 6.0:  # noqa: PLR2004
        return top, "0 to 6", None
    return top, "0% to 100%" if kind != "gini" else "0 to 1", None


def exact_bar(kind: str, value: float | None, th: Thresholds | None = None) -> Bar:
    """The bar of an exact value (the board's view)."""
    top, scale, marker = _scale(kind)
    if value is None:
        return Bar(0.0, 0.0, INSUFFICIENT, shown=False, marker=marker, scale=scale)
    at = min(max(value / top, 0.0), 1.0)
    return Bar(at, at, exact(kind, value, th), marker=marker, scale=scale)


def range_bar(kind: str, banded: Range | None, missing: str) -> Bar:
    """The bar of a band (the public's view), or an empty one."""
    top, scale, marker = _scale(kind)
    if banded is None:
        return Bar(0.0, 0.0, missing, shown=False, marker=marker, scale=scale)
    low = min(max(banded.low / top, 0.0), 1.0)
    high = min(max(banded.high / top, 0.0), 1.0)
    return Bar(low, high, banded.words, marker=marker, scale=scale)


def board_row(code: str, f: Figure, th: Thresholds | None = None) -> Row:
    """One indicator with its exact value, n, coverage, band and note.

    Values and coverage are never rounded onto a cut they are not at (see
    ``vocabulary.exact``): 311 of 312 reads "99.7%", not "100%".
    """
    about = indicator(code)
    value = INSUFFICIENT if f.value is None else exact(about.kind, f.value, th)
    return Row(
        code=code,
        label=about.label,
        title=about.title,
        value=value,
        n=count_of(f.n, about.counted),
        coverage=(
            "not applicable" if f.coverage is None else exact(SHARE, f.coverage, th)
        ),
        band=words(f.band) or NO_BAND,
        note=f.note or "",
        bar=exact_bar(about.kind, f.value, th),
    )


def public_row(code: str, f: SafeFigure, k: int) -> Row:
    """One indicator as a band, or the reason it is withheld."""
    about = indicator(code)
    missing = WITHHELD if f.withheld else INSUFFICIENT
    return Row(
        code=code,
        label=about.label,
        title=about.title,
        value=missing if f.value is None else f.value.text,
        n=(
            f"{f.n_range.text} {about.counted}"
            if f.n_range is not None
            else count_of(f.n, about.counted)
            if f.n is not None
            # Withheld with R1, or (V4, V5, X1, X2) for its few people: its n
            # may be any size. Any other n is withheld only when it is small.
            else WITHHELD
            if f.withheld == SECONDARY or code in RANGED_N or code in ACCESS_N
            else f"fewer than {k} {about.counted}"
        ),
        coverage=(
            f.coverage.text
            if f.coverage is not None
            else (WITHHELD if f.withheld or f.coverage_withheld else "not applicable")
        ),
        band=words(f.band)
        or (
            "withheld"
            if f.withheld
            else "not shown beside these words"
            if f.band_withheld
            else NO_BAND
        ),
        note=f.note or "",
        bar=range_bar(about.kind, f.value, missing),
    )


def families(rows: Mapping[str, Row]) -> tuple[Family, ...]:
    """Rows grouped by family, in the order R, A, V, D, P, X, then any others."""
    grouped: dict[str, list[Row]] = {}
    for code in sorted(rows, key=family_order):
        grouped.setdefault(code[:1], []).append(rows[code])
    return tuple(
        Family(letter, FAMILIES.get(letter, f"Other ({letter})"), tuple(found))
        for letter, found in grouped.items()
    )


# The ladder ---------------------------------------------------------------------------

EVIDENCE_WORDS = {
    "label": "label the organisation gave it",
    "comment_meetings": "meetings or channels with lived-experience comments",
    "le_comments": "lived-experience comments",
    "feedback_received": "feedback given on those comments",
    "influence_evidence": "evidence of influence",
    "proposed_phases": "phases with a lived-experience proposal",
    "adopted_phases": "phases with a lived-experience proposal adopted",
    "decided_phases": "phases where lived experience decided",
    "delivery_actions": "delivery actions with a lived-experience owner",
    "equal_terms": "equal terms",
    "capped_by_equal_terms": "capped because terms were not equal",
    "informed": "lived experience informed",
    "education_meetings": "education meetings",
    "mandatory_no_voice": "compulsory attendance without a voice",
    "le_occasions": "occasions with lived-experience input",
    "first_le_contribution": "first lived-experience contribution",
    "first_design_decision": "first design decision",
    "unresolved_declines": "declined adjustments never made good",
    "access_overrides": "votes opened over unmet access needs",
    "figures": "this process's own figures",
    "figures_n": "the n behind those figures",
    "people": "people in each part of the work",
    "figures_groups": "the groups those figures compare",
    "le_proposals": "proposals with a lived-experience proposer",
    "le_proposers": "lived-experience proposers of those proposals",
    "turns_on_adoption": "rung turns on whether those were adopted",
}


def _figure_value(code: str, value: Any, th: Thresholds | None = None) -> str:
    """A process's own figure in words; a stored value that is not a number as is.

    Rows of the projection tables can be edited by hand (or come from another
    version), so the board's report shows what it cannot read rather than
    failing on it.
    """
    if value is None:
        return INSUFFICIENT
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and math.isfinite(value):
        return exact(indicator(code).kind, value, th)
    return repr(value)


def evidence_value(  # noqa: PLR0911 (one per kind)
    key: str, value: Any, th: Thresholds | None = None
) -> str:
    """One piece of ladder evidence in words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "not recorded"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict) and key in ("figures_n", "people"):
        return "; ".join(f"{words(str(c))} {n}" for c, n in value.items()) or "none"
    if isinstance(value, dict) and key == "figures_groups":
        # Only the parity ratios compare groups; a share's None is no shortfall.
        shown = [
            f"{code} {' and '.join(str(c) for c in counts)}"
            for code, counts in value.items()
            if isinstance(counts, list)
        ]
        return "; ".join(shown) or "none"
    if isinstance(value, dict):
        shown = [
            f"{code} {_figure_value(str(code), v, th)}" for code, v in value.items()
        ]
        return "; ".join(shown) or "none"
    if key == "label":
        return words(str(value))
    if key.startswith("first_") and isinstance(value, str):
        try:
            return day(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def board_process(rung: Rung, th: Thresholds | None = None) -> Process:
    """One process with all its evidence."""
    return Process(
        name=rung.name,
        unit=rung.unit,
        rung=words(rung.rung),
        level=rung.level,
        flags=tuple(words(f) for f in rung.flags),
        evidence=tuple(
            (EVIDENCE_WORDS.get(key, words(key)), evidence_value(key, value, th))
            for key, value in rung.evidence.items()
        ),
        placed=rung.rung != NO_ACTIVITY,
    )


def _month(value: str) -> str:
    """A "YYYY-MM" month in words, such as "January 2025"."""
    try:
        return datetime.strptime(value, "%Y-%m").strftime("%B %Y")  # noqa: DTZ007
    except ValueError:
        return value


def public_process(rung: SafeRung, k: int) -> Process:
    """One process with its evidence made safe (its counts are ranges, as text).

    A rung withheld whole keeps only the evidence still shown (its label):
    the reason, given once, covers the rest and every flag.
    """
    whole = rung.rung is None
    evidence = []
    for key, value in rung.evidence.items():
        label = EVIDENCE_WORDS.get(key, words(key))
        if key in rung.withheld:
            if whole:
                continue
            shown = WITHHELD
        elif key.startswith("first_") and isinstance(value, str):
            shown = _month(value)
        else:
            shown = evidence_value(key, value)
        evidence.append((label, shown))
    return Process(
        name=rung.name,
        unit=rung.unit,
        rung=RUNG_WITHHELD.format(k=k) if whole else words(rung.rung),
        level=rung.level,
        flags=tuple(words(f) for f in rung.flags),
        evidence=tuple(evidence),
        hidden_flags=tuple(words(f) for f in rung.withheld if f in FLAGS and not whole),
        placed=rung.rung != NO_ACTIVITY,
    )


# Decisions ----------------------------------------------------------------------------


def board_tags(report: PowerSharingReport) -> tuple[tuple[TagRow, ...], str]:
    """Decisions counted by tag, exactly."""
    counts = dict.fromkeys(TAGS, 0)
    for d in report.decisions:
        counts[d.tag] = counts.get(d.tag, 0) + 1
    total = sum(counts.values())
    rows = tuple(
        TagRow(
            words(TAGS.get(tag, tag)),
            str(count),
            Bar(
                count / total if total else 0.0,
                count / total if total else 0.0,
                str(count),
                scale=f"0 to {total} decisions" if total else None,
            ),
        )
        for tag, count in counts.items()
    )
    return rows, str(total)


def public_tags(safe: SafeReport) -> tuple[tuple[TagRow, ...], str]:
    """Decisions counted by tag, each count a range; their number unless small."""
    k = safe.small_cell
    total = safe.decisions
    scale = f"0 to {total} decisions" if total else "the decisions"

    if safe.tags_withheld is not None:  # few people, or with D1: no tag counted
        text = "withheld"
        bar = Bar(0.0, 0.0, text, shown=False, scale=scale)
        rows = tuple(TagRow(words(words_), text, bar) for words_ in TAGS.values())
        return rows, f"fewer than {k}" if total is None else str(total)

    def row(t: TagCount) -> TagRow:
        tag, text = words(TAGS.get(t.tag, t.tag)), t.count.text
        if not total:
            return TagRow(tag, text, Bar(0.0, 0.0, text, shown=False, scale=scale))
        high = total if t.count.high is None else min(t.count.high, total)
        bar = Bar(min(t.count.low, total) / total, high / total, text, scale=scale)
        return TagRow(tag, text, bar)

    return tuple(row(t) for t in safe.tags), (
        f"fewer than {k}" if total is None else str(total)
    )


# Whole reports ------------------------------------------------------------------------


def board(
    report: PowerSharingReport,
    *,
    names: Mapping[str, str] | None,
    organisation: str | None,
) -> Display:
    """The board's report: every figure exactly, with its evidence."""
    names = names or {}
    tags, total = board_tags(report)
    return Display(
        audience="board",
        title="Power-sharing report",
        facts=_facts(
            audience="board",
            organisation=organisation,
            scope=report.scope,
            since=report.since,
            until=report.until,
            as_of=report.as_of,
            tree_size=report.tree_size,
            names=names,
        ),
        disclosure=(
            "This is the board's own view, with exact figures and small numbers.",
            "Small numbers can point at people: do not publish this report.",
            "Share the public report or the members' easy-read report instead.",
        ),
        families=families(
            {
                code: board_row(code, f, report.thresholds)
                for code, f in report.indicators.items()
            }
        ),
        processes=tuple(board_process(r, report.thresholds) for r in report.ladder),
        tags=tags,
        tag_total=total,
        decisions=tuple(
            DecisionRow(
                proposal=names.get(d.proposal) or f"proposal {d.proposal[:8]}",
                decision=d.decision[:8],
                tag=words(TAGS.get(d.tag, d.tag)),
                le_originated="yes" if d.le_originated else "no",
            )
            for d in report.decisions
        ),
    )


def public(
    safe: SafeReport,
    *,
    names: Mapping[str, str] | None,
    organisation: str | None,
) -> Display:
    """The public's report: bands, with small numbers withheld."""
    k = safe.small_cell
    scope_only = {str(safe.scope.id): n} if (n := scope_name(safe.scope, names)) else {}
    tags, total = public_tags(safe)
    return Display(
        audience="public",
        title="Power-sharing report",
        facts=_facts(
            audience="public",
            organisation=organisation,
            scope=safe.scope,
            since=safe.since,
            until=safe.until,
            as_of=safe.as_of,
            tree_size=safe.tree_size,
            names=scope_only,
        ),
        disclosure=(
            f"Any figure that rests on fewer than {k} people or records is withheld.",
            (
                f"So is a share whose other group is fewer than {k}, and a share"
                " of seats held by everyone."
            ),
            "A flag read from a withheld figure is not shown, whether raised or not.",
            (
                "Flags read from seats are shown only in a body's or project's"
                " own report."
            ),
            "Figures are shown as bands, never as exact values.",
            (
                "Counts of what people with lived experience did are shown as"
                " ranges, the same in every report."
            ),
            (
                "Decisions by tag are counted in ranges too, and withheld where,"
                " beside the number of decisions, such ranges could give a count"
                " back."
            ),
            (
                f"A share of records that fewer than {k} people stand behind is"
                " withheld, and so are the decisions by tag and the rung of a"
                " process that read so few people."
            ),
            "This report rates processes and bodies, never people.",
        ),
        families=families(
            {code: public_row(code, f, k) for code, f in safe.indicators.items()}
        ),
        processes=tuple(public_process(r, k) for r in safe.ladder),
        tags=tags,
        tag_total=total,
        decisions=None,
        tags_note=safe.tags_withheld or "",
    )
