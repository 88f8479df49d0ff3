"""What each indicator, rung, flag, tag and band is called, and how values are banded.

The board reads exact values; the public and the members read bands. A band
is a range with plain words ("about half") and its numeric edges ("40% to
60%"), cut at the same thresholds the projections use where they have one.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import attrs

from coledger.projections.decisions import (
    FOLLOW_THROUGH_GOOD,
    FOLLOW_THROUGH_POOR,
    OUT_OF_FORUM_HIGH,
    OUT_OF_FORUM_MIXED,
    SOME,
)
from coledger.projections.measures import above, below
from coledger.projections.phases import MIXED
from coledger.projections.representation import LED
from coledger.projections.thresholds import Thresholds

SHARE = "share"
"""value = count / n: the count of the n items behind it can be worked out."""
PROPORTION = "proportion"
"""A 0-1 share that is not a count of the n items (time-weighted, a power index)."""
RATIO = "ratio"
"""A parity ratio: 1.0 means lived experience fares the same as everyone else."""
GINI = "gini"
"""An inequality coefficient from 0 (even) to 1."""
SCORE = "score"
"""The phase-coverage score, 0 to 6."""
UNKNOWN = "unknown"
"""An indicator this version of the reports does not know how to band."""

SCALE_MAX = {SHARE: 1.0, PROPORTION: 1.0, GINI: 1.0, RATIO: 2.0, SCORE: 6.0}
"""The right-hand end of the scale each kind of figure is drawn on."""


@attrs.frozen
class Indicator:
    """How one indicator code is named, grouped and banded."""

    code: str
    title: str
    kind: str
    counted: str
    short: str = ""
    """A label of a few words, for charts."""
    people: bool = False
    """A share of people by lived experience: each of the n is one person's place
    (a voting seat, an office), so "all" would tell every named holder's lived
    experience."""
    chairs: bool = False
    """The value reads the lived experience of each body's chair and co-chair,
    usually one or two people everyone can name, with no count of them to
    test: any value, "none" included, would tell whether they have it."""
    grouped: str = ""
    """What the groups a parity ratio compares count (``Figure.groups``), where
    that is not ``counted``."""

    @property
    def group_unit(self) -> str:
        """What the groups a parity ratio compares count, such as "proposals"."""
        return self.grouped or self.counted

    @property
    def label(self) -> str:
        """The code and short label, such as "R1 voting seats"."""
        return f"{self.code} {self.short}" if self.short else self.code

    @property
    def family(self) -> str:
        """The family letter (R, A, V, D, P, X, W)."""
        return self.code[:1]


FAMILIES = {
    "R": "Representation",
    "A": "Agenda and initiative",
    "V": "Voice",
    "D": "Decision power",
    "P": "Phases and continuity",
    "X": "Accessibility",
    "W": "Reciprocity and wellbeing",
}
"""Family letters, in the order reports list them."""

_INDICATORS = (
    Indicator(
        "R1",
        "Voting seats held by lived experience",
        SHARE,
        "voting seats",
        "voting seats",
        people=True,
    ),
    Indicator(
        "R2",
        "Decision meetings with at most one lived-experience voter",
        SHARE,
        "decision meetings",
        "lone voters",
    ),
    Indicator("R3", "Voting-rights parity", RATIO, "seats", "voting rights"),
    Indicator(
        "R4",
        "Officer roles held by lived experience (by time)",
        PROPORTION,
        "offices",
        "officer roles",
        people=True,
    ),
    Indicator(
        "R5",
        "Voting seats against the membership",
        RATIO,
        "members",
        "seats vs members",
        grouped="voting seats or members",
    ),
    Indicator(
        "R6", "Seat tenure, lived experience against others", RATIO, "seats", "tenure"
    ),
    Indicator(
        "R7",
        "Voting power of the lived-experience bloc (Banzhaf)",
        PROPORTION,
        "bodies",
        "voting power",
    ),
    Indicator(
        "A1",
        "Proposals with a lived-experience proposer",
        SHARE,
        "proposals",
        "proposals",
    ),
    Indicator(
        "A2",
        "Decision meetings with a lived-experience item or chair",
        SHARE,
        "decision meetings",
        "agenda",
        chairs=True,
    ),
    Indicator(
        "A3",
        "Projects with lived experience in before the first design decision",
        SHARE,
        "projects",
        "before design",
    ),
    Indicator(
        "V1",
        "Voice parity (comments against attendance)",
        RATIO,
        "comments",
        "voice",
        grouped="comments, attendances or people",
    ),
    Indicator("V2", "Participation inequality (Gini)", GINI, "members", "inequality"),
    Indicator(
        "V4",
        "Lived-experience attendances with no comment or proposal",
        SHARE,
        "attendances",
        "silent attendances",
    ),
    Indicator(
        "V5",
        "Lived-experience comments answered with feedback",
        SHARE,
        "comments",
        "feedback",
    ),
    Indicator(
        "V6",
        "Decisions with enough time after the papers",
        SHARE,
        "decisions",
        "time to read",
    ),
    Indicator(
        "D1",
        "Decisions made with lived experience holding a vote",
        SHARE,
        "decisions",
        "decided with",
    ),
    Indicator(
        "D2",
        "Decisions made outside the forum",
        SHARE,
        "decisions",
        "outside the forum",
    ),
    Indicator(
        "D3",
        "Adoption parity of lived-experience proposals",
        RATIO,
        "proposals",
        "adoption",
        grouped="proposals or proposers",
    ),
    Indicator(
        "D4",
        "Adopted proposals with a lived-experience amendment or comment taken up",
        SHARE,
        "adopted proposals",
        "amendments",
    ),
    Indicator(
        "D5",
        "Decisions against the lived-experience voters' majority",
        SHARE,
        "decisions",
        "overrides",
    ),
    Indicator(
        "D6", "Delivery actions done on time", SHARE, "actions", "follow-through"
    ),
    Indicator("P1", "Phase-coverage score (0 to 6)", SCORE, "projects", "phase score"),
    Indicator(
        "P2",
        "Projects with lived-experience input more than once",
        SHARE,
        "projects",
        "continuity",
    ),
    Indicator(
        "P3",
        "Evaluations owned by lived experience",
        SHARE,
        "evaluations",
        "evaluation",
    ),
    Indicator(
        "X1",
        "Adjustments provided in time",
        SHARE,
        "adjustments due",
        "adjustments met",
    ),
    Indicator(
        "X2", "Adjustment requests declined", SHARE, "answered requests", "declines"
    ),
    Indicator("X3", "Papers issued in time", SHARE, "papers", "papers in time"),
    Indicator(
        "X4",
        "Meetings with accessible papers before anyone asked",
        SHARE,
        "meetings",
        "anticipatory",
    ),
    Indicator(
        "X5",
        "Attendance parity of lived-experience seat holders",
        RATIO,
        "attendances",
        "attendance",
        grouped="seat holders",
    ),
    Indicator(
        "W2", "Meetings with a wellbeing check-in", SHARE, "meetings", "check-ins"
    ),
)
INDICATORS = {i.code: i for i in _INDICATORS}
"""Every indicator code the reports know, with its title, kind and unit."""


def indicator(code: str) -> Indicator:
    """The description of *code*, or a neutral one for a code not known here."""
    return INDICATORS.get(code) or Indicator(code, code, UNKNOWN, "items")


def family_order(code: str) -> tuple[int, int, str]:
    """A sort key that lists codes by family (R, A, V, D, P, X), then number."""
    letters = list(FAMILIES)
    family = letters.index(code[:1]) if code[:1] in FAMILIES else len(letters)
    digits = code[1:]
    return (family, int(digits) if digits.isdigit() else 0, code)


RUNGS = {
    "NO_ACTIVITY": "No activity to rate",
    "NONE": "No involvement",
    "COERCION": "Coercion",
    "EDUCATING": "Educating",
    "INFORMING": "Informing",
    "CONSULTATION": "Consultation",
    "ENGAGEMENT": "Engagement",
    "CO_DESIGN": "Co-design",
    "CO_PRODUCTION": "Co-production",
}
"""Each rung of the ladder as the board and the public read it."""

FLAGS = {
    "equal_terms_not_met": "equal terms not met",
    "no_feedback_loop": "no feedback loop",
    "one_off": "one-off",
    "late_involvement": "late involvement",
    "token_seat": "token seat",
    "lone_representative": "lone representative",
    "placation": "placation",
    "faux_coproduction": "faux co-production",
}
"""Each ladder flag in words."""

TAGS = {
    "decided-with": "decided with lived experience",
    "influenced": "influenced by lived experience",
    "consulted": "lived experience consulted",
    "informed": "lived experience informed",
    "none": "no lived-experience involvement",
}
"""The per-decision tags, from the most shared to the least, in words."""

_BAND_WORDS = {
    "co_production": "co-production",
    "co_design": "co-design",
    "le_majority": "lived-experience majority",
    "in_forum": "in the forum",
    "out_of_forum": "out of the forum",
    "no_power": "no power",
}


def words(code: str | None) -> str:
    """A band, flag or rung code written as words."""
    if code is None:
        return ""
    if code in _BAND_WORDS:
        return _BAND_WORDS[code]
    if code in RUNGS:
        return RUNGS[code]
    if code in FLAGS:
        return FLAGS[code]
    return code.replace("_", " ")


# Exact values (the board) ----------------------------------------------------------


EVEN_GINI = 0.25
"""Below this Gini coefficient, participation reads "evenly spread"."""


FIXED_CUTS = (
    OUT_OF_FORUM_MIXED,
    OUT_OF_FORUM_HIGH,
    SOME,
    FOLLOW_THROUGH_POOR,
    FOLLOW_THROUGH_GOOD,
    MIXED,
    LED,
    EVEN_GINI,
)
"""The cuts the projections band shares at that are not thresholds."""
MORE_PLACES = 6
"""How many more decimal places a value may take to stay off a cut."""


def rounding_cuts(kind: str, th: Thresholds | None = None) -> tuple[float, ...]:
    """Values a figure of *kind* must not be rounded onto or across.

    0, 1 (all, or equal) and the top of the scale, each of the thresholds'
    cut-offs and the projections' fixed ones (``FIXED_CUTS``): "80%" beside
    D1's band "not shared" (shared at 80% or more) would contradict it, and
    "100%" would say that no request went unmet. The phase score is banded
    at whole phases.
    """
    top = SCALE_MAX.get(kind, 1.0)
    if kind == SCORE:
        return tuple(float(step) for step in range(round(top) + 1))
    own = attrs.asdict(th or Thresholds())
    found = {0.0, 1.0, top, *FIXED_CUTS}
    found |= {v for v in own.values() if isinstance(v, float)}
    return tuple(sorted(v for v in found if 0 <= v <= top))


def _reaches(value: float, shown: float, cut: float) -> bool:
    """Whether rounding *value* to *shown* reached or passed *cut* it is not at."""
    if math.isclose(value, cut, rel_tol=1e-9, abs_tol=1e-12):
        return False
    low, high = min(value, shown), max(value, shown)
    slack = 1e-9 * max(1.0, abs(cut))
    return low - slack <= cut <= high + slack


def _decimal(value: float, places: int, scale: int = 1) -> str:
    """*value* x *scale* to *places* decimals, a half rounded up (away from zero).

    Read from the shortest text that gives the float back, as a person reads
    it: 57/200 is stored as 0.28499999999999998 but is 28.5%, so "29%", and
    1/8 is "13%" as 3/8 is "38%" (rounding half to even wrote "12%").
    """
    if not math.isfinite(value):
        return f"{value * scale:.{places}f}"  # "inf", "nan"
    exact_value = Decimal(repr(value)) * scale
    return f"{exact_value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):f}"


def _places(value: float, places: int, marks: tuple[float, ...], scale: int = 1) -> str:
    """*value* x *scale* to *places* decimals, or more where that would reach a mark."""
    scaled = value * scale
    for more in range(MORE_PLACES + 1):
        text = _decimal(value, places + more, scale)
        if not any(_reaches(scaled, float(text), mark) for mark in marks):
            break
    return text


def exact(kind: str, value: float, th: Thresholds | None = None) -> str:
    """A value as the board reads it: a percentage, a ratio or a score.

    Whole percentages, two decimals for a ratio and one for the score,
    except where rounding would reach a cut the value is not at (see
    ``rounding_cuts``): 311 of 312 is "99.7%", not "100%", and a D1 of 0.7996
    "79.96%", not the "80%" at which decisions count as shared.
    """
    marks = rounding_cuts(kind, th) if math.isfinite(value) else ()
    if kind in {SHARE, PROPORTION}:
        return _places(value, 0, tuple(m * 100 for m in marks), scale=100) + "%"
    if kind == SCORE:
        return f"{_places(value, 1, marks)} of 6"
    return _places(value, 2, marks)


# Bands (the public and the members) -----------------------------------------------


@attrs.frozen
class Range:
    """A band a value is shown as: plain words and numeric edges, never the value."""

    words: str
    label: str
    low: float
    high: float
    holds_high: bool = False
    """Whether a value at ``high`` falls in this band (else in the next)."""

    def narrowed_by(self, cut: float) -> bool:
        """Whether a band cut at *cut* splits this range's values in two."""
        return self.low < cut < self.high or (self.holds_high and cut == self.high)

    @property
    def text(self) -> str:
        """The words with the edges, such as "about half (40% to 60%)"."""
        return f"{self.words} ({self.label})"


def _pct(value: float) -> str:
    """A band's edge as a percentage, with the decimals it is cut at ("12.5%")."""
    return f"{value * 100:g}%"


_SHARE_BANDS = (
    Range("very few", "under 15%", 0.0, 0.15),
    Range("less than half", "15% to 40%", 0.15, 0.4),
    Range("about half", "40% to 60%", 0.4, 0.6, holds_high=True),
    Range("more than half", "60% to 85%", 0.6, 0.85, holds_high=True),
)
"""The bands of shares between 0 and 1, from the lowest."""


def share_range(value: float) -> Range:
    """The band of a 0-1 share, from "none" to "all"."""
    if value <= 0:
        return Range("none", "0%", 0.0, 0.0)
    if value >= 1:
        return Range("all", "100%", 1.0, 1.0)
    for band in _SHARE_BANDS:
        if value < band.high or (band.holds_high and value == band.high):
            return band
    return Range("almost all", "over 85%", 0.85, 1.0)


def seat_range(value: float, th: Thresholds) -> Range:
    """The band of the voting-seat share, cut where R1's own bands are (Kanter)."""
    token, minority, balanced = th.token_seat, th.minority, th.balanced
    if value <= 0 or value >= 1:
        return share_range(value)
    if below(value, token):
        return Range("very few", f"under {_pct(token)}", 0.0, token)
    if below(value, minority):
        return Range(
            "less than half", f"{_pct(token)} to {_pct(minority)}", token, minority
        )
    if not above(value, balanced):
        return Range(
            "close to half",
            f"{_pct(minority)} to {_pct(balanced)}",
            minority,
            balanced,
            holds_high=True,
        )
    return Range("more than half", f"over {_pct(balanced)}", balanced, 1.0)


def parity_cut(code: str, th: Thresholds) -> float:
    """Where parity ratio *code* turns from below parity to parity.

    X5 has its own cut, ``attendance_parity``; every other ratio ``parity``.
    """
    return th.attendance_parity if code == "X5" else th.parity


def ratio_range(value: float, th: Thresholds, code: str = "") -> Range:
    """The band of parity ratio *code* around 1.0 (equal).

    "Below equal" is cut where the ratio's own band is (``parity_cut``), and
    "well below" at D3's ``adoption_low``, but never above that cut: a ratio
    at parity is never "below equal" in words.
    """
    parity = parity_cut(code, th)
    low, high = min(th.adoption_low, parity), th.voice_high
    top = SCALE_MAX[RATIO]
    if below(value, low):
        return Range("well below equal", f"under {low:g}", 0.0, low)
    if below(value, parity):
        return Range("below equal", f"{low:g} to {parity:g}", low, parity)
    if not above(value, high):
        return Range(
            "about equal", f"{parity:g} to {high:g}", parity, high, holds_high=True
        )
    return Range("above equal", f"over {high:g}", high, top)


def gini_range(value: float, th: Thresholds) -> Range:
    """The band of a Gini coefficient ("even" below 0.25, never above V2's cut)."""
    even, dominated = min(EVEN_GINI, th.gini_dominated), th.gini_dominated
    if below(value, even):
        return Range("evenly spread", f"under {even:g}", 0.0, even)
    if not above(value, dominated):
        return Range(
            "somewhat uneven",
            f"{even:g} to {dominated:g}",
            even,
            dominated,
            holds_high=True,
        )
    return Range("a few voices dominate", f"over {dominated:g}", dominated, 1.0)


def score_range(value: float) -> Range:
    """The band of the 0-6 phase-coverage score."""
    if value >= 6:  # noqa: PLR2004
        return Range("every phase", "6 of 6", 6.0, 6.0)
    if value >= 4:  # noqa: PLR2004
        return Range("most phases", "4 to 6 of 6", 4.0, 6.0)
    if value >= 2:  # noqa: PLR2004
        return Range("some phases", "2 to 4 of 6", 2.0, 4.0)
    return Range("few phases", "under 2 of 6", 0.0, 2.0)


def range_of(code: str, value: float, th: Thresholds) -> Range | None:
    """The band *value* of indicator *code* is shown as, or None if it has none."""
    kind = indicator(code).kind
    if code == "R1":
        return seat_range(value, th)
    if kind in {SHARE, PROPORTION}:
        return share_range(value)
    if kind == RATIO:
        return ratio_range(value, th, code)
    if kind == GINI:
        return gini_range(value, th)
    if kind == SCORE:
        return score_range(value)
    return None


# Ranges of counts (the public and the members) ------------------------------------


@attrs.frozen
class CountRange:
    """A count shown as a range of whole numbers, such as "5 to 20", never the count."""

    low: int
    high: int | None
    """The top of the range, or None when it has none ("more than 100")."""

    @property
    def text(self) -> str:
        """The range in words: "fewer than 5", "5 to 20" or "more than 100"."""
        if self.high is None:
            return f"more than {self.low - 1}"
        if self.low == 0:
            return f"fewer than {self.high + 1}"
        return f"{self.low} to {self.high}"


COUNT_STEPS = (1, 5, 10, 25)
"""The tops of the count ranges, as multiples of ``count_unit``; the last is open."""


def count_unit(k: int) -> int:
    """The top of the lowest count range: k - 1, or 2 when k is 2.

    Not 1 for k of 2: every number is a multiple of 1, so the edges would no
    longer keep a part's count from being worked out (see ``count_range``).
    """
    return max(k - 1, 2)


def count_range(count: int, k: int) -> CountRange:
    """The range a count is shown in, the same in every scope, zero in the lowest.

    The lowest range runs from 0 to the unit (k - 1, or 2 when k is 2); every
    other one starts one past a multiple of the unit and ends on one. Where
    counts add up, as a ledger's do over its bodies, the bottom of the whole's
    range less the tops of all the parts' ranges but one is then one more than
    a multiple of the unit, never the unit itself: so the ranges can narrow
    that last part, but never to one count from 1 to k - 1. Zero shares the
    lowest range because a "none" beside a few "fewer than k" would count
    the parts that are not empty.
    """
    unit = count_unit(k)
    low = 0
    for step in COUNT_STEPS:
        high = unit * step
        if count <= high:
            return CountRange(low, high)
        low = high + 1
    return CountRange(low, None)
