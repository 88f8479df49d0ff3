"""Small-number disclosure control: what the public and the members may see.

Co-production groups are small, so a count like "lived-experience seats 1 of
9" points at a person. Outside the board's own view every report goes
through ``suppress``, which applies these rules (``k`` is
``Thresholds.small_cell``, 5 by default):

* **Primary suppression.** A figure is withheld when its n is from 1 to
  k - 1, whether or not it has a value (so "no evidence" over a few seats
  reads the same as a withheld value over them). A share (a count of the n,
  such as seats held by lived experience) is also withheld when either of
  its two groups, the count or the rest (n - count), is between 1 and k - 1;
  and a share of people (``Indicator.people``: R1, whose n are voting seats,
  each held by one named person) when the count is all of them, if k > 1,
  or when the people behind either group (``Figure.groups``: one member
  may hold seats on several bodies) number from 1 to k - 1. A
  withheld figure loses its value, band, coverage and note together. Every
  withheld share of one indicator carries the same note, whichever of these
  rules withheld it, so the note cannot tell a small group from a small rest
  or from "all".
* **Comparisons of two groups.** A parity ratio (R3, R5, R6, V1, D3, X5)
  compares lived experience with everyone else over groups it counts
  (``Figure.groups``: D3's settled proposals with and without a
  lived-experience proposer, then the proposers behind each, since one
  member's five proposals are one person; V1's comments then attendances,
  then the commenters and attendees behind them; and so on). It
  is withheld, with a value or not, while any group is from 1 to k - 1 or
  its groups are unknown (``groups_disclose``), or while a lived-experience
  group has someone and the others' side of it no one (``compares_few``:
  "all" of the people behind it): over one lived-experience
  proposal, D3 says whether that proposal was adopted, and so, beside
  minutes that say which were, whose it was. While D3 or V1 is withheld so,
  the decisions by tag are withheld too (a tag reads the same proposals,
  comments and attendances), and a flag read from R3 goes with R3.
* **Zero is shown; "all" is shown only for records.** "None" describes a whole
  group, and ascribes to each person in it only that no lived experience is
  recorded for them, which is no special-category fact: the group mixes
  people who declared none, never answered, or withdrew. "All" of a share of
  people ascribes lived experience to every named holder, so it is withheld.
  "None" stays mixed only while some of its people may never have answered:
  beside a figure of ``NONE_OF_THEM`` shown as zero, every coverage is
  withheld (its own, and those over people who may be among them), whatever
  its value, since one withheld only at "all" would say "all" by its absence.
  The other shares count records (proposals, decisions, meetings, papers,
  requests), and "all" of them describes the records, so it is shown; except
  A2 (``Indicator.chairs``), whose meetings count by their chair's lived
  experience: a body's chair is one named person, so A2 is always withheld.
* **Records of a few people.** A figure that weighs records by the lived
  experience of the people they name (``Figure.people``: the proposers of
  A1's proposals, the deciders with a vote behind D1, the commenters behind
  V5, and so on, ``WEIGHED``; for a figure that reads several groups, such
  as P1's proposers and deciders, the smallest group) is withheld, with a
  value or not, when those people number from 1 to k - 1: forty decisions
  "all made with lived experience" by a chair deciding alone say that the
  chair has it, and P1's phases, over one proposer beside six deciders, say
  whether the proposer has it. Its n counts records and is shown; the note
  says that too few people stand behind them, which the value does not
  change. V4's and V5's n count the attendances and the comments of people
  with lived experience, so they are then withheld with no n and no range:
  beside one commenter, V5's range (or which note it got) would say whether
  that commenter has it. While D1, or another figure over the people the
  decision tags read (``TAG_PEOPLE``: the proposers, commenters, amenders
  and attendees), is withheld so, the decisions by tag are withheld too
  (``tags_withheld``): the count tagged "decided with lived experience" is
  D1's count in a range (and the number of decisions less the other tags'
  ranges would narrow it), and one proposer's decisions tagged "influenced"
  say that she has lived experience. X1 weighs no one's lived experience, but
  its records are access needs, a standing request counting once at each
  meeting it covered: it too is withheld while the people who asked number
  from 1 to k - 1, so that one person's need is never shown as many records,
  and with it its n (``ACCESS_N``), which counts them. So is X2, the share of
  their answered requests that were declined, with its n. R4's n counts
  terms of office, several of them one member's at times (a chair appointed
  every year): it is withheld, "none" or not, while its officers
  (``people``) number from 1 to k - 1.
* **Bases of a few people.** A1's band compares its share with the lived-
  experience share of its base, in a body's or project's scope the forum's
  own members; where either group of the base is 1 to k - 1 members
  (``Figure.groups``), or none is without lived experience, the band would
  say which of them have it, so it is left out, whatever it is, and the
  value shown alone (``base_discloses``).
* **Bands, not values.** A figure that is shown gives its band (plain words
  and numeric edges, such as "about half (40% to 60%)"), never the exact
  value; coverage is banded the same way. A figure's own band (D1's
  ``shared``) is left out where its cut falls inside its words' range
  (``band_cuts``): beside the words it would narrow the value, to a single
  count at times. The projections' own notes (which
  hold exact sub-counts and names of projects) are never shown.
* **Seat figures go together.** R2 to R7, X5 and V4 split the same seat
  holders as R1 by lived experience (who is present at decisions, who holds
  a vote, an office, a long tenure, voting power, who attends, who is silent
  at meetings), and each can narrow R1's count: R2 of "all", where everyone
  attends, says at most one holder has lived experience; R7 of zero bounds
  the count by the quota; R3, R6 and X5 have no evidence exactly when one
  group is empty, which beside a withheld R1 says "all"; V4's n counts the
  attendances of people with lived experience, which with everyone present
  is the count times the meetings. So while R1 is withheld, every one of
  them is withheld as well (``secondary``), whatever it holds, with no n and
  one note. R2 reads the voters present at its meetings, who need not be
  R1's seat holders (a project's meetings may be another body's), so it is
  also tested as R1 is, on those voters (``VOTERS_PRESENT``, its
  ``groups``): withheld while either group is 1 to k - 1 people, or all of
  them have lived experience; where none has it, it counts as "none" for
  the coverage rule above.
* **Decisions by tag.** The table of decisions by tag gives each tag's count
  as a range (below), never exactly, and the number of decisions, a count
  of records, exactly unless it is below k. A tag's count less the other
  tags' ranges gives a range too, except where every tag sits at the top of
  what its range (and, for decided-with, D1's band) allows: so the table is
  withheld wherever, beside the number of decisions and D1, some counts
  could do so (``total_gives_back``, which reads only those, so that
  withholding says nothing of the counts). The count tagged
  "decided with" is D1's, so while D1 is withheld over k or more decisions
  the table is withheld with it (``TAGS_D1_NOTE``): "fewer than 5" or "21
  to 40" would say which of D1's groups is small.
* **Rungs a few people decide.** The rung reads the lived experience of each
  group of people behind its process (``people`` in its evidence, by group).
  While its proposers, commenters or deciders with a vote (``RUNG_GROUPS``)
  number 1 to k - 1, the rung is withheld, in every report, with its level,
  every flag and all its evidence but the label: a chair deciding alone
  lifts her body to ENGAGEMENT if she has lived experience. NO_ACTIVITY,
  which reads nobody's, is shown, with the rest still withheld. While another
  group (amenders, action owners, evaluators, attendees, deciders without a
  vote or voters in an advisory vote, decision-makers whose requests went
  unmet, proposers or commenters before the first design decision) is that
  small, the evidence and flags that read it are withheld
  (``GROUP_EVIDENCE``). A rung stored before ``people`` was counted is
  withheld whole. A rung that reads 1 to k - 1 proposals with a
  lived-experience proposer (``le_proposals``), or proposals of 1 to k - 1
  such proposers (``le_proposers``: five of one member's are one person's),
  is withheld the same way
  where its step or flags turn on whether one of them was adopted
  (``turns_on_adoption``, worked out from the other features only), and
  otherwise shown without the evidence that reads those proposals
  (``ADOPTION_EVIDENCE``).
* **The ladder** rates processes, so every other rung is shown. A flag read
  from the process's seat figures (``token_seat`` from R1,
  ``lone_representative`` from R2, ``placation`` from R3 and R7,
  ``equal_terms_not_met`` from R2 and R3 among others) restates where those
  figures fall, so it is shown only
  when every figure it reads would be shown in that process's own public
  report, and only in that report: in a report of a wider scope (a body's
  projects in the body's report, every process in the ledger's) the seat
  flags are withheld, because next to that report's pooled figures one
  process's flags can give back another's count. A withheld flag is
  withheld whether or not it was raised, and named in the rung's
  ``withheld``, so it says no more than the withheld figure does; the
  evidence ``equal_terms`` and ``capped_by_equal_terms`` go with
  ``equal_terms_not_met``, which also reads X1: it is withheld with the
  report's own X1 (``TERMS_FIGURES``). The figures are judged from the evidence's
  ``figures`` (values) and ``figures_n`` (their n); where either lacks one,
  as in a rung materialised before ``figures_n`` was added, or holds what is
  not a finite number, its count is unknown and the flags read from it are
  withheld. The other flags are shown. In the evidence, counts are shown as
  ranges (below), times are cut to the month, and the per-process figures
  and their n are dropped.
* **Counts of lived experience are ranges.** The evidence's counts (comments,
  occasions, actions, meetings and declines of people with lived experience,
  and votes opened over unmet access needs) and the n of V4 and V5 (their
  attendances and their comments, ``RANGED_N``) are never shown exactly, in
  any scope: each is shown as a range of counts (``count_range``: "fewer than
  5", "5 to 20", "21 to 40", "41 to 100", "more than 100" for k of 5), zero in
  the lowest, and V4 and V5 are withheld while their n is in the lowest. A
  body's evidence less its projects', the ledger's n less its bodies', or any
  whole less its other parts, then leaves a range, never one count from 1 to
  k - 1 (see ``count_range``).

Limits: these rules judge one report at a time; only the count ranges are
cut with the reports of other scopes in mind.

* **Differencing over time.** Two reports of one scope at different dates
  (``as_of``, or periods) can be set side by side. When seats change hands
  between them, the change in R1's band and n can give the new holder's
  lived experience: 10 seats "close to half", then 11 seats "more than
  half", says that the eleventh holder has it. Nothing here compares a
  report with those published before; publish at fixed, spaced dates rather
  than after each change, and raise k for a board that changes often.
* **A few people behind most records.** The rule counts everyone in each
  group the records name, not how the records fall among them: a chair who
  decides 36 decisions alone, beside four votes of the whole group of six,
  stands behind a D1 over six people, which is shown, though it speaks
  mostly of her.
* **Overlapping scopes.** The ledger's report counts every body, and each
  body's report its own. The counts of lived experience are ranges, so the
  ledger's less its bodies' (or a body's evidence less its projects') pins
  no count below k. But a share's band over an exact n can itself leave one
  count (12 seats "more than half" is 7; 10 seats "close to half" is 5), so
  the ledger's R1 less one body's can give back another body's withheld
  count (7 - 5: both its 2 seats); exact counts of records (a body's one
  decision, the ledger's less the others') bound the ranges; a wider
  scope's "none" or "all" holds for each part; and a chain of projects
  across bodies, at the ranges' edges, is not ruled out. Nothing compares
  reports of several scopes.
* **The people rule is per report.** A figure, the tags or a rung withheld
  in a body's report for its few people are counted, among many more
  people, in the ledger's report, which shows them. Ranges keep subtraction
  from pinning a count from 1 to k - 1, not from telling zero from more:
  one commenter's 30 comments in one body, beside another body's "fewer
  than 5", make the ledger's V5 n "21 to 40", which says that the
  commenter has lived experience.
* **Outside knowledge.** A reader who holds the records (published minutes,
  or a member who was there) can link a share of records to the people they
  name: "all proposals had a lived-experience proposer" tells such a reader
  about each proposer.
* **The rung still follows its rules.** Equal terms cap a rung (a process
  whose lived-experience input shaped the design, but not on equal terms,
  stays at ENGAGEMENT), so a reader who applies the ladder's rules to a
  rung's shown evidence may still tell whether terms were equal where the
  flag and its evidence are withheld. A reader who also knows that every
  seat holder attended every decision meeting can then tell "one" from
  "more than one" (unequal terms with everyone present means at most one
  voter with lived experience). The rung is the ladder's purpose, so it is
  shown.
* **A rung can turn on a small group beside RUNG_GROUPS.** Only the
  evidence that reads a few amenders, action owners, evaluators, attendees,
  deciders without a vote (advisory voters among them) or requesters is
  withheld, not the rung: one owner with lived experience can still lift a
  process that has everything else from CO_DESIGN to CO_PRODUCTION, one
  attendee a body with no other input from NONE to INFORMING, one voter in
  an advisory vote a process from NONE to CONSULTATION, and one requester's
  unmet needs cap a rung at ENGAGEMENT. Withholding the rung for any small group would
  withhold nearly every rung of a small organisation.

The result never holds a name of a person: the report holds none, and the
public views take nothing from the caller's ``names`` but the scope's name.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from coledger.errors import InvalidInputError, UnknownAudienceError
from coledger.projections.decisions import (
    FOLLOW_THROUGH_GOOD,
    FOLLOW_THROUGH_POOR,
    OUT_OF_FORUM_HIGH,
    OUT_OF_FORUM_MIXED,
    SOME,
)
from coledger.projections.ladder import FLAGS, GROUPS, NO_ACTIVITY
from coledger.projections.lens import Figure, Scope
from coledger.projections.phases import LOW_COVERAGE, MIXED
from coledger.projections.report import PowerSharingReport, Rung, envelope
from coledger.projections.representation import LED
from coledger.projections.thresholds import Thresholds
from coledger.reports.vocabulary import (
    RATIO,
    SHARE,
    TAGS,
    UNKNOWN,
    CountRange,
    Range,
    count_range,
    indicator,
    range_of,
    share_range,
)

SMALL_CELL = "small_cell"
"""Withheld because its n, or a group behind it, is below the small-cell limit
(or, for a share of people, because the group is all of them)."""
SECONDARY = "secondary"
"""Withheld so that a linked figure cannot give back a withheld count."""
NO_BANDS = "no_bands"
"""Withheld because this version of the reports has no bands for the figure."""
SAFE_REPORT_VERSION = 3
"""The version of the public and members' JSON shape (docs/reports.md).

It began as the board's shape after suppression, with the board's version,
1. Version 2 gives counts about lived experience as ranges of counts, not
exact numbers, so that reports of overlapping scopes cannot be subtracted.
Version 3 withholds the decisions by tag when fewer than k people decided,
proposed, commented or attended, or when the number of decisions could give
a count back (``decisions`` is then empty and ``decisions_withheld`` says
why), and the rung of a process whose
proposers, commenters or deciders with a vote are that few (``rung`` and
``level`` are then null). The
board's shape (``REPORT_VERSION``) only gained each figure's ``people``.
"""

_TOLERANCE = 1e-6

SEAT_LINKED = ("R2", "R3", "R4", "R5", "R6", "R7", "X5", "V4")
"""Figures that split R1's seat holders (their votes, offices, tenure, voting
power, attendance, silence at meetings) by lived experience: withheld, n and
all, whenever R1 is. Each can narrow R1's count; R3, R6 and X5 even have no
evidence exactly when one group is empty, which next to a withheld R1 says
"all", and V4's n counts the attendances of people with lived experience."""

SEAT_FLAGS: Mapping[str, tuple[str, ...]] = {
    "equal_terms_not_met": ("R1", "R2", "R3"),
    "token_seat": ("R1",),
    "lone_representative": ("R2",),
    "placation": ("R3", "R7"),
}
"""The ladder flags read from a process's seat figures, with the figures each
restates, in the order the ladder lists flags."""

TERMS_EVIDENCE = ("equal_terms", "capped_by_equal_terms")
"""Rung evidence that restates ``equal_terms_not_met``, shown and withheld with it."""

TERMS_FIGURES = ("X1",)
"""Figures the equal terms read beside the seat figures, which a rung's evidence
does not hold in a form to judge (X1's people are not in it): while one is
withheld in the process's own report, or its band is left out beside its words
(``band_cuts``), ``equal_terms_not_met`` and its evidence are too. Equal terms
need X1 at ``fulfilment``, so beside a withheld X1 over one member's requests,
"equal terms: yes" would say that hers were met in time; and beside an X1 of
"almost all", that it was at least 90%, the band ``met`` the report leaves out
there (55 of 60 needs met in time, where 52 would read the same)."""


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
    coverage_withheld: bool = False
    """Whether a coverage there was is left out (it would name people's answers)."""
    n_range: CountRange | None = None
    """The n as a range of counts, for a figure whose n counts what people with
    lived experience did (``RANGED_N``); its ``n`` is then None."""
    band_withheld: bool = False
    """Whether the figure's own band is left out of a shown figure: it is cut
    inside the range its words give, so beside them it would narrow the value
    (see ``band_cuts``)."""

    @property
    def shown(self) -> bool:
        """Whether the figure's band is shown."""
        return self.value is not None

    def to_json(self) -> dict[str, Any]:
        """The figure in the report's JSON shape, with bands as text."""
        return {
            "value": None if self.value is None else self.value.text,
            "n": self.n,
            "n_range": None if self.n_range is None else self.n_range.text,
            "coverage": None if self.coverage is None else self.coverage.text,
            "band": self.band,
            "note": self.note,
            "withheld": self.withheld,
        }


@attrs.frozen
class SafeRung:
    """One process on the ladder, with small counts and seat flags withheld.

    ``withheld`` names the evidence keys whose values were dropped, then the
    flags that are not shown either way (see ``SEAT_FLAGS``). A rung withheld
    for the few people behind it has no rung and no level, and ``withheld``
    begins with ``"rung"``.
    """

    unit: str
    id: str
    name: str
    rung: str | None
    level: int | None
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
    """How many decisions got one tag, as a range of counts."""

    tag: str
    count: CountRange


SAFE_AUDIENCES = frozenset({"members", "public"})
"""The audiences a report after disclosure control is for."""


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
    tags_withheld: str | None = None
    """Why the decisions by tag are withheld (``tags`` is then empty), or None."""
    tree_size: int | None = None
    """How many events the report reflects (``PowerSharingReport.tree_size``)."""
    seat_bodies: int | None = None
    """How many bodies the seat figures pool (R7's n), or None when not known.

    A count of records that says nothing about lived experience; it is not in
    the JSON, and only words the members' report ("the board", "our boards").
    """

    def to_json(self, audience: str = "public") -> dict[str, Any]:
        """The report's JSON shape after suppression (see docs/reports.md).

        *audience* is ``public`` or ``members``, which see this one report;
        any other (the board's, say) raises UnknownAudienceError.
        """
        if not any(audience == name for name in SAFE_AUDIENCES):  # [] is no key
            raise UnknownAudienceError("audience", audience, SAFE_AUDIENCES)
        head = envelope(self.scope, self.since, self.until, self.as_of, self.tree_size)
        del head["version"]  # the board's shape's; this shape has its own
        return {
            "version": SAFE_REPORT_VERSION,
            "audience": audience,
            "small_cell": self.small_cell,
            **head,
            "indicators": {
                code: figure.to_json()
                for code, figure in sorted(self.indicators.items())
            },
            "ladder": [rung.to_json() for rung in self.ladder],
            "decisions": [{"tag": t.tag, "count": t.count.text} for t in self.tags],
            "decisions_withheld": self.tags_withheld,
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


def share_discloses(count: int, n: int, k: int, *, people: bool) -> bool:
    """Whether a share of *count* in *n* would point at people.

    It would when either group, the count or the rest, is a small cell, or,
    for a share of people, when the count is all of them (unless k is 1, the
    limit that withholds nothing).
    """
    return (
        small(count, k) or small(n - count, k) or (people and k > 1 and count == n > 0)
    )


def share_note(code: str, k: int) -> str:
    """The one note every withheld share of *code* carries, whatever the rule."""
    about = indicator(code)
    counted = about.counted
    if code in VOTERS_PRESENT:
        counted = f"{counted} or voters present"
    also = ", or has them all" if about.people or code in VOTERS_PRESENT else ""
    return f"withheld: one of its two groups has fewer than {k} {counted}{also}"


VOTERS_PRESENT = ("R2",)
"""Shares of records that read the lived experience of the voters present at
them, and give those voters as ``groups`` (with lived experience, then
without): in a project's scope, or over seats that changed in the period,
they need not be the seat holders R1 counts, so they pass R1's own rules."""


def voters_disclose(code: str, f: Figure, k: int) -> bool:
    """Whether the voters present behind a share (R2's) would point at people.

    They would as R1's seat holders would: when either group is from 1 to
    k - 1, or every one of them has lived experience. Two voters who attend
    every meeting have an R2 of "none" exactly when both have it.
    """
    if code not in VOTERS_PRESENT or f.groups is None or len(f.groups) != 2:  # noqa: PLR2004 (a pair)
        return False
    with_it, others = f.groups
    return share_discloses(with_it, with_it + others, k, people=True)


def people_note(code: str, k: int) -> str:
    """The note of a figure withheld because too few people stand behind it."""
    return f"withheld: fewer than {k} people behind these {indicator(code).counted}"


def few_people(f: Figure, k: int) -> bool:
    """Whether the records behind *f* name a few people (from 1 to k - 1)."""
    return f.people is not None and small(f.people, k)


def groups_disclose(f: Figure, k: int) -> bool:
    """Whether a parity ratio compares a group of 1 to k - 1, or one of unknown size.

    Its value (or its lack of one) says how the few records of that group
    fared beside the others': one proposal with lived experience "well below
    equal" among proposals known to have been adopted but one says whose it
    was. A figure from before ``groups`` was counted has groups of unknown
    size.
    """
    return f.groups is None or any(c < 0 or small(c, k) for c in f.groups)


def groups_disclose_if_any(f: Figure, k: int) -> bool:
    """Whether *f* counts groups (``groups``) and one of them is from 1 to k - 1."""
    return f.groups is not None and groups_disclose(f, k)


def base_discloses(f: Figure, k: int) -> bool:
    """Whether a share's base of members (A1's) has a small group, or is all of them.

    Its ``groups`` count the base's members with and without lived
    experience. In a forum of fewer than 2k members, where any other split
    leaves a small group, a band shown over a base with no one without it
    says that each member has it (with no one who has it, there is no band).
    """
    everyone = f.groups is not None and f.groups[:1] > (0,) and f.groups[1:] == (0,)
    return everyone or groups_disclose_if_any(f, k)


def groups_note(code: str, k: int) -> str:
    """The note of a parity ratio withheld for a small group it compares."""
    unit = indicator(code).group_unit
    return f"withheld: one of the groups it compares has fewer than {k} {unit}"


def compares_few(code: str, f: Figure, k: int) -> bool:
    """Whether *f* is a parity ratio comparing a small group, or all with it.

    A small group is ``groups_disclose``'s. "All with it" is a pair of its
    groups (lived experience, then the others) with no one on the others'
    side: its groups count people too, and a ratio shown as "not enough
    evidence" over nine attendees all with lived experience, but withheld
    over one or eight, would say which it is.
    """
    if indicator(code).kind != RATIO:
        return False
    if f.groups is None or groups_disclose(f, k):
        return True
    pairs = zip(f.groups[::2], f.groups[1::2], strict=False)
    return any(le > 0 and others == 0 for le, others in pairs)


CHAIRS_NOTE = "withheld: it would tell whether a body's chair has lived experience"
"""The note of a figure that reads the chairs' lived experience (A2)."""

TIME_SHARE_NOTE = (
    "withheld: a share of office time has no count to test for small groups"
)
"""The note of a share of people's time (R4) withheld for not being "none"."""

ACCESS_N = ("X1", "X2")
"""Figures whose n counts records of access needs (X1 the needs due, X2 the
requests answered): behind fewer than k people, the n goes with the value,
since it counts what those few asked for."""

RANGED_N = ("V4", "V5")
"""Figures whose n counts acts of people with lived experience (V4 their
attendances, V5 their comments): the n is shown only as a range of counts."""


def safe_figure(code: str, f: Figure, th: Thresholds) -> SafeFigure:
    """One figure after primary suppression and banding.

    The n of a figure of ``RANGED_N`` is shown as a range, the same in every
    scope, and the figure is withheld while that range is the lowest, zero
    included (see ``count_range``). Behind fewer than k people it is withheld
    with no n at all: that n counts what people with lived experience did, so
    its range, or which note it got, would tell whether those few have it.
    """
    if code not in RANGED_N:
        return _safe_figure(code, f, th)
    if few_people(f, th.small_cell):
        note = people_note(code, th.small_cell)
        return SafeFigure(code, None, None, None, None, SMALL_CELL, note)
    ranged = count_range(f.n, th.small_cell)
    if ranged.low == 0:
        note = f"withheld: {ranged.text} {indicator(code).counted}"
        return SafeFigure(
            code, None, None, None, None, SMALL_CELL, note, n_range=ranged
        )
    return attrs.evolve(_safe_figure(code, f, th), n=None, n_range=ranged)


def _safe_figure(code: str, f: Figure, th: Thresholds) -> SafeFigure:
    """One figure after primary suppression and banding, its n as it is."""
    k = th.small_cell
    about = indicator(code)
    few = f.n < k and (f.n > 0 or f.value is not None)  # with a value or not
    # A few records, a few people behind them, or a ratio over a small group
    # (with a value or not: its lack of one says as much).
    if few or few_people(f, k) or compares_few(code, f, k):
        if few:
            note, n = f"withheld: fewer than {k} {about.counted}", None
        elif few_people(f, k):  # many records of a few people: n counts records
            note, n = people_note(code, k), None if code in ACCESS_N else f.n
        else:  # the n counts both groups together, which the value needs
            note, n = groups_note(code, k), f.n
        return SafeFigure(code, None, n, None, None, SMALL_CELL, note)
    if f.value is None:
        return SafeFigure(
            code, None, f.n, None, None, None, "not enough evidence for a figure"
        )
    count = underlying_count(about.kind, f.value, f.n)
    if about.kind == SHARE and count is None and not about.chairs:
        return SafeFigure(
            code, None, f.n, None, None, SMALL_CELL, "withheld: its count is unclear"
        )
    # A share of people's time (R4) has no count to test its groups with:
    # only "none" is safe to show. A share that reads the chairs' lived
    # experience (A2) tells it whatever its value: a chair is one named person.
    untestable = about.chairs or (about.people and about.kind != SHARE and f.value != 0)
    # A share of people's seats is tested in people too (``groups``): one
    # member on six bodies holds six seats, a group of one.
    if (
        untestable
        or voters_disclose(code, f, k)
        or (
            count is not None
            and (
                share_discloses(count, f.n, k, people=about.people)
                or (about.people and groups_disclose_if_any(f, k))
            )
        )
    ):
        note = (
            CHAIRS_NOTE
            if about.chairs
            else TIME_SHARE_NOTE
            if about.kind != SHARE
            else share_note(code, k)
        )
        return SafeFigure(code, None, f.n, None, None, SMALL_CELL, note)
    banded = range_of(code, f.value, th)
    if about.kind == UNKNOWN or banded is None:
        return SafeFigure(
            code, None, f.n, None, None, NO_BANDS, "withheld: no bands for this figure"
        )
    hidden = about.people and _names_answers(f, k)
    coverage = None if f.coverage is None or hidden else share_range(f.coverage)
    narrows = any(banded.narrowed_by(cut) for cut in band_cuts(code, th))
    # A share banded against a base of members (A1's parity) says, in a forum
    # where either group of the base is a few people, or where all of them
    # have lived experience, which of them have it: its band goes, whatever
    # it is, the value stays.
    narrows = narrows or (about.kind == SHARE and base_discloses(f, k))
    return SafeFigure(
        code,
        banded,
        f.n,
        coverage,
        None if narrows else f.band,
        None,
        None,
        coverage_withheld=hidden,
        band_withheld=narrows,
    )


def band_cuts(code: str, th: Thresholds) -> tuple[float, ...]:
    """Where the own bands of share figure *code* change, inside 0 to 1.

    The words of a share are cut at fixed edges (``share_range``); a figure
    banded at another value, such as D1's ``decision_inclusion`` of 0.8
    inside "more than half (60% to 85%)", would beside its words narrow the
    value to what may be a single count (28 of 34 decisions is the only one
    both "more than half" and "shared"). Such a band is left out wherever it
    falls inside the words' range.
    """
    cuts: dict[str, tuple[float, ...]] = {
        "D1": (th.decision_inclusion,),
        "D2": (OUT_OF_FORUM_MIXED, OUT_OF_FORUM_HIGH),
        "D4": (SOME,),
        "D3": (th.adoption_low,),  # inside "about equal" when above parity
        "D6": (FOLLOW_THROUGH_POOR, FOLLOW_THROUGH_GOOD),
        "P1": (float(LOW_COVERAGE),),  # inside "some phases (2 to 4 of 6)"
        "P2": (MIXED,),
        "P3": (MIXED,),
        "R4": (LED,),
        "X1": (th.fulfilment,),
        "X3": (th.fulfilment,),
        "X4": (th.fulfilment,),
    }
    return cuts.get(code, ())


def _names_answers(f: Figure, k: int) -> bool:
    """Whether a people figure's coverage would tell who answered what.

    "All answered" beside "none" says that each named person declared no
    lived experience; a few who answered, or did not, are as easy to name.
    """
    if f.coverage is None:
        return False
    answered = underlying_count(SHARE, f.coverage, f.n)
    return answered is None or share_discloses(answered, f.n, k, people=True)


def safe_figures(
    figures: Mapping[str, Figure], th: Thresholds
) -> dict[str, SafeFigure]:
    """Every figure after primary suppression, the seat figures withheld beside R1.

    While R1's coverage would tell who answered (see ``_names_answers``),
    every other figure's coverage is withheld, whether R1 itself is shown or
    withheld: beside a withheld R1 of a few seats, D1 of "none" with "all
    answered" would give R1's "none" back.

    While R1 is withheld, each figure of ``SEAT_LINKED`` is withheld as
    ``secondary`` whatever it holds (a value, no evidence, a small n), with
    no n and one note, so that neither its value, nor its lack of one, nor
    what it was counted over says anything (X5's n, the seat holders'
    attendances, would show that everyone attended; V4's, how many of those
    attendances were by people with lived experience).
    """
    safe = {code: safe_figure(code, f, th) for code, f in figures.items()}
    r1 = safe.get("R1")
    if r1 is not None and _names_answers(figures["R1"], th.small_cell):
        # R1's coverage names answers (so it is withheld, alone or with R1):
        # every other coverage is over members, the seat holders among them
        # (the seat figures', and the deciders', proposers' and commenters',
        # who may be the very same people), and "all answered" beside "none"
        # would give it back.
        for code, shown in safe.items():
            if code != "R1" and shown.coverage is not None:
                safe[code] = attrs.evolve(shown, coverage=None, coverage_withheld=True)
    if _none_of_them_shown(figures, safe):
        # "None" of the people named, beside "all answered" over them or over
        # people among them, says that each of those people declared none.
        # Every coverage goes, whatever it is: one left out only at "all"
        # would say "all answered" by its absence.
        for code, shown in safe.items():
            if shown.coverage is not None:
                safe[code] = attrs.evolve(shown, coverage=None, coverage_withheld=True)
    if r1 is None or not (r1.withheld or _few_beside_none(figures, th.small_cell)):
        return safe
    for code in SEAT_LINKED:
        f = figures.get(code)
        if f is None:
            continue
        safe[code] = SafeFigure(
            code,
            None,
            None,
            None,
            None,
            SECONDARY,
            "withheld with R1, whose count it would help to work out",
        )
    return safe


NONE_OF_THEM = ("R1", "R4", "A1", "A3", "D1", "D4", "P1", "P2", "P3")
"""Figures whose value of zero can say that none of the people behind them had
lived experience (the seat holders, officers, proposers, deciders with a
vote, amenders, evaluators...)."""


def _none_of_them_shown(
    figures: Mapping[str, Figure], safe: Mapping[str, SafeFigure]
) -> bool:
    """Whether a figure of ``NONE_OF_THEM`` is shown as zero.

    "None" is safe to show because it mixes the people who declared none with
    those who never answered. Any coverage of "all" beside it (its own, or
    another figure's over people who may be the same) unmixes them: each of
    those people answered, and so declared none. So every coverage is
    withheld beside it, whatever its value: one withheld only at "all" would
    say "all" by being missing.
    """
    voters_none = any(
        code in figures
        and safe[code].shown
        and (groups := figures[code].groups) is not None
        and groups[:1] == (0,)
        for code in VOTERS_PRESENT
        if code in safe
    )  # none of the voters present: shown, it says so once their number is known
    return voters_none or any(
        code in figures and safe[code].shown and figures[code].value == 0
        for code in NONE_OF_THEM
        if code in safe
    )


def _few_beside_none(figures: Mapping[str, Figure], k: int) -> bool:
    """Whether R1 is "none" while only a few other seats are counted beside it.

    R3, R6 and X5 have a value only when some seat holder has lived
    experience. Next to "none of the voting seats", that value (or its lack)
    speaks of the few people in the other seats: the seats without a vote
    (R3's n counts every seat held now) or the seats held during the period
    by people who have left (R6's n counts every seat held in it). The few are
    counted in seats and, where R1, R3 and R6 give them, in people.
    """
    r1 = figures.get("R1")
    if r1 is None or r1.value != 0:
        return False
    others = [figures[c].n - r1.n for c in ("R3", "R6") if c in figures]
    # Counted in people as well as seats, where the figures say: the other
    # seats may all be one member's, on several bodies.
    if r1.groups is not None and len(r1.groups) == 2:  # noqa: PLR2004 (a pair)
        voting = sum(r1.groups)
        others += [
            sum(f.groups[2:]) - voting
            for c in ("R3", "R6")
            if (f := figures.get(c)) is not None
            and f.groups is not None
            and len(f.groups) == 4  # noqa: PLR2004 (seats, then people)
        ]
    return any(small(count, k) for count in others)


COUNTED_EVIDENCE = frozenset(
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
"""Evidence keys that count acts or occasions of people with lived experience,
or votes opened over unmet access needs: each is shown as a range of counts
(``count_range``), never exactly."""


UNSHOWN_EVIDENCE = frozenset(
    {"people", "le_proposals", "le_proposers", "turns_on_adoption", "figures_groups"}
)
"""Evidence that exists only for disclosure control, left out of every rung it
makes safe: who stands behind the rung (``people``), how many proposals of
lived experience it reads (``le_proposals``), by how many proposers
(``le_proposers``), and whether it turns on how they fared
(``turns_on_adoption``), and the seat ratios' group counts
(``figures_groups``) say only whether the rung, a flag or evidence is shown."""

ADOPTION_EVIDENCE = ("proposed_phases", "adopted_phases", "influence_evidence")
"""Evidence that reads the proposals of lived experience, which phases they
were raised and adopted in: withheld while they number 1 to k - 1 (the
whole rung is, where it turns on how they fared)."""


def safe_evidence(
    evidence: Mapping[str, Any], k: int
) -> tuple[dict[str, Any], list[str]]:
    """A rung's evidence with counts as ranges, times cut to the month.

    ``UNSHOWN_EVIDENCE`` is left out: it says only whether the rung is shown.
    """
    shown: dict[str, Any] = {}
    withheld: list[str] = []
    for key, value in evidence.items():
        if key in UNSHOWN_EVIDENCE:
            continue
        if isinstance(value, bool) or value is None:
            shown[key] = value
        elif isinstance(value, int) and key in COUNTED_EVIDENCE and value >= 0:
            shown[key] = count_range(value, k).text
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


def _number(value: object) -> bool:
    """Whether *value* is a finite number (stored JSON may hold NaN or Infinity)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _counts(value: object) -> tuple[int, ...] | None:
    """*value* as a tuple of counts, or None unless it is a list of whole numbers."""
    if not isinstance(value, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in value
    ):
        return None
    return tuple(value)


def process_figures(evidence: Mapping[str, Any]) -> dict[str, Figure]:
    """The seat figures in a rung's evidence whose value and n are both known.

    A figure missing from ``figures`` or ``figures_n`` (as in a rung stored
    before ``figures_n`` was added), or stored as something other than a
    number, is left out: its count is unknown. So is a parity ratio (R3)
    whose groups ``figures_groups`` does not give.
    """
    values, ns = evidence.get("figures"), evidence.get("figures_n")
    if not isinstance(values, Mapping) or not isinstance(ns, Mapping):
        return {}
    stored = evidence.get("figures_groups")
    groups = stored if isinstance(stored, Mapping) else {}
    found: dict[str, Figure] = {}
    for code in ("R1", *SEAT_LINKED):
        if code not in values or code not in ns:
            continue
        value, n = values[code], ns[code]
        counts = _counts(groups.get(code))
        if indicator(code).kind == RATIO and counts is None:
            continue
        if (value is None or _number(value)) and isinstance(n, int) and n >= 0:
            found[code] = Figure(code, value, n, None, None, groups=counts)
    return found


def seat_flags_shown(
    evidence: Mapping[str, Any], th: Thresholds, *, own: bool = True
) -> dict[str, bool]:
    """Which seat flags may be shown: those whose figures the process would show.

    Without R1 no seat figure can be judged (the others go with it), so every
    seat flag is withheld. So is every seat flag of a process that is not the
    report's own scope (*own* False): next to the report's pooled figures,
    one body's flags can give back another's count (a body of five all with
    lived experience, beside a body with none, in a ledger's R1 of 5 in 10).
    """
    if not own:
        return dict.fromkeys(SEAT_FLAGS, False)
    figures = process_figures(evidence)
    safe = safe_figures(figures, th)
    shown = {code for code, f in safe.items() if f.withheld is None}
    if "R1" not in figures:
        shown.clear()
    return {flag: shown.issuperset(codes) for flag, codes in SEAT_FLAGS.items()}


RUNG_GROUPS = ("proposers", "commenters", "voting_deciders")
"""The groups of people the rung itself turns on (``people`` in its evidence):
their proposals and adoptions, comments, and decisions with a vote lift a
process from consultation up to co-design. While one of them numbers 1 to
k - 1 the rung is withheld, with every flag and all the evidence."""

OCCASION_GROUPS = ("deciders", "amenders", "owners", "authors", "criteria_proposers")
"""Groups whose acts count as occasions of lived-experience input, beside
the proposers and commenters of ``RUNG_GROUPS``."""

DESIGN_GROUPS = ("proposers_before_design", "commenters_before_design")
"""The proposers, and the commenters, before the process's first design
decision (all of them, with none taken): whether lived experience came in
time reads them alone, as A3 does, and when it first came turns on them.
One member who alone raised the design proposal, beside many who spoke
after it, decides ``late_involvement``."""

GROUP_EVIDENCE: Mapping[str, tuple[str, ...]] = {
    "influence_evidence": ("amenders",),
    "delivery_actions": ("owners",),
    "informed": ("attendees",),
    "education_meetings": ("attendees",),
    "le_occasions": OCCASION_GROUPS,
    "first_le_contribution": (*OCCASION_GROUPS, *DESIGN_GROUPS),
    "one_off": OCCASION_GROUPS,
    "late_involvement": (*OCCASION_GROUPS, *DESIGN_GROUPS),
    "unresolved_declines": ("requesters",),
    "equal_terms": ("requesters",),
    "capped_by_equal_terms": ("requesters",),
    "equal_terms_not_met": ("requesters",),
}
"""Evidence (and flags, by name) that reads the lived experience of groups
beside ``RUNG_GROUPS``: withheld, raised or not, while one of them numbers 1
to k - 1. One owner's actions counted as "5 to 20" delivery actions with a
lived-experience owner would say that she has it."""


def small_groups(evidence: Mapping[str, Any], k: int) -> set[str] | None:
    """The groups behind a rung that name 1 to k - 1 people, or None if unknown.

    A rung stored before ``people`` was counted, or holding what is not a
    count, has groups of unknown size.
    """
    people = evidence.get("people")
    if not isinstance(people, Mapping):
        return None
    found: set[str] = set()
    for group in GROUPS:
        count = people.get(group)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return None
        if small(count, k):
            found.add(group)
    return found


def few_proposals(evidence: Mapping[str, Any], k: int) -> bool:
    """Whether a rung reads 1 to k - 1 proposals of lived experience, or unknown.

    The rung can turn on whether one of them was adopted (CO_DESIGN over
    ENGAGEMENT): among a few, that says how each fared, and so, beside
    outcomes known from the minutes, whose they were, as D3 would. Such a
    rung is withheld where it turns on it (``turns_on_adoption``, which
    reads the other features only); elsewhere only the evidence that reads
    them (``ADOPTION_EVIDENCE``) is. The proposals are counted in people too
    (``le_proposers``): five proposals of one member are one person. A rung
    stored before either was counted reads an unknown number.
    """
    for key in ("le_proposals", "le_proposers"):
        count = evidence.get(key)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            return True
        if small(count, k):
            return True
    return False


def withheld_rung(rung: Rung) -> SafeRung:
    """A rung with its rung, level, flags and evidence withheld (but its label)."""
    label = rung.evidence.get("label")
    kept = "label" if label is None or isinstance(label, str) else None
    evidence = {
        key: value if key == kept else None
        for key, value in rung.evidence.items()
        if key not in UNSHOWN_EVIDENCE
    }
    hidden = [key for key in evidence if key != kept]
    return SafeRung(
        unit=rung.unit,
        id=rung.id,
        name=rung.name,
        rung=None,
        level=None,
        flags=(),
        evidence=evidence,
        withheld=("rung", *hidden, *FLAGS),
    )


def safe_rung(
    rung: Rung,
    th: Thresholds,
    *,
    own: bool = True,
    hidden: frozenset[str] = frozenset(),
) -> SafeRung:
    """One process on the ladder, with its evidence and seat flags made safe.

    *own* says whether the process is the report's own scope (see
    ``seat_flags_shown``); *hidden* names the report's figures that are
    withheld, or shown without their band, which for its own process are the
    process's (see ``TERMS_FIGURES``). The rung reads the lived experience of the people
    behind the process (``people`` in its evidence, by group): where its
    proposers, commenters or deciders with a vote number 1 to k - 1, the
    rung, its level, every flag and all its evidence but the organisation's
    label are withheld (``withheld_rung``): a chair deciding alone lifts her
    body to "engagement" if she has lived experience. A process with no
    activity in the period keeps its NO_ACTIVITY rung (and level) even so,
    with the rest withheld. Where another group is
    that small, the evidence and flags that read it are withheld
    (``GROUP_EVIDENCE``).
    """
    few = small_groups(rung.evidence, th.small_cell)
    proposals = few_proposals(rung.evidence, th.small_cell)
    turns = rung.evidence.get("turns_on_adoption") is not False
    if few is None or few.intersection(RUNG_GROUPS) or (proposals and turns):
        hidden_rung = withheld_rung(rung)
        if few is not None and rung.rung == NO_ACTIVITY:
            # Nobody acted in the period, so the step reads nobody's lived
            # experience; what the few did before stays withheld.
            return attrs.evolve(
                hidden_rung,
                rung=rung.rung,
                level=rung.level,
                withheld=hidden_rung.withheld[1:],
            )
        return hidden_rung
    read = {key for key, groups in GROUP_EVIDENCE.items() if few.intersection(groups)}
    if proposals:
        read.update(ADOPTION_EVIDENCE)
    evidence, withheld = safe_evidence(rung.evidence, th.small_cell)
    allowed = seat_flags_shown(rung.evidence, th, own=own)
    if own and hidden.intersection(TERMS_FIGURES):
        allowed["equal_terms_not_met"] = False
    if not allowed["equal_terms_not_met"]:
        read.update(TERMS_EVIDENCE)
    for key in [key for key in evidence if key in read and key not in withheld]:
        evidence[key] = None
        withheld.append(key)
    allowed.update((flag, False) for flag in FLAGS if flag in read)
    return SafeRung(
        unit=rung.unit,
        id=rung.id,
        name=rung.name,
        rung=rung.rung,
        level=rung.level,
        flags=tuple(f for f in rung.flags if allowed.get(f, True)),
        evidence=evidence,
        withheld=(*withheld, *(flag for flag, ok in allowed.items() if not ok)),
    )


TAGS_GROUPS_NOTE = (
    "withheld: fewer than {k} proposals, comments or attendances on one side "
    "of lived experience behind these decisions"
)
"""The note of the decisions by tag withheld with D3 or V1 for a small group."""

TAGS_D1_NOTE = (
    "withheld with D1: the decisions decided with lived experience are its count"
)
"""The note of the decisions by tag withheld with D1 for a small group of decisions."""

TAGS_READ_NOTE = (
    "withheld: the tags read the lived experience of fewer than {k} people on "
    "one side, or only of people who have it"
)
"""The note of the decisions by tag withheld for the few people they read."""

TAGS_TOTAL_NOTE = (
    "withheld: beside the number of decisions and D1, ranges of counts this "
    "many could give a count of fewer than {k} back"
)
"""The note of the decisions by tag withheld because the total could undo them."""

TAG_PEOPLE = ("D1", "A1", "D3", "V1", "V5", "D4", "V4")
"""Figures that count the people whose lived experience the decision tags read:
the deciders with a vote ("decided with"), the proposers, the commenters and
the amenders ("influenced", "consulted"), and the attendees ("informed")."""


def tags_read_few(people: tuple[int, int] | None, k: int) -> bool:
    """Whether the people the tags read (with lived experience, without) are few.

    The figures of ``TAG_PEOPLE`` count most of them, but not all: a proposer
    of decisions in the period whose proposals came before it, an attendee of
    a meeting before it or of the body's meeting after a project's decision.
    So the tags count their own: withheld when either side is from 1 to k - 1
    or all of them have lived experience (a tag then says it of whoever it
    read), and when the count is unknown.
    """
    if people is None:
        return True
    lived, others = people
    return share_discloses(lived, lived + others, k, people=True)


def tag_spans(total: int, k: int) -> tuple[tuple[int, int], ...]:
    """The ranges a count of at most *total* can be shown as, as (low, high), capped."""
    spans = []
    low = 0
    while low <= total:
        r = count_range(low, k)
        high = total if r.high is None else min(r.high, total)
        spans.append((r.low, high))
        low = high + 1
    return tuple(spans)


def d1_span(d1: SafeFigure | None, total: int, k: int) -> tuple[int, int]:
    """The counts decided with lived experience that a shown D1 leaves possible.

    D1 counts the decisions the tags do, and its count is the decided-with
    tag's; shown, its band, over its exact n, bounds that count (and D1 is
    shown only when neither of its groups is from 1 to k - 1).
    """
    if d1 is None or d1.value is None or d1.n != total or total == 0:
        return 0, total
    fits = [
        c
        for c in range(total + 1)
        if share_range(c / total).words == d1.value.words
        and not share_discloses(c, total, k, people=False)
    ]
    return (min(fits), max(fits)) if fits else (0, total)


def total_gives_back(total: int, k: int, first: tuple[int, int]) -> bool:
    """Whether ranges of counts adding up to *total* could give a count back.

    They could when, for some counts of the tags (the first, decided-with,
    within *first*), the total less the others' ranges pins one to a single
    count from 1 to k - 1: 36 decisions as 20 decided with and 4 of each
    other tag, the tops of their ranges; or 25 as four of 4 beside the 9
    decided with that D1's "less than half" allows at most. The test reads
    only what the report shows (the total and D1), never the counts, so
    that a table withheld by it says nothing about them.
    """
    spans = tag_spans(total, k)
    for picked in itertools.product(spans, repeat=len(TAGS)):
        bounds = [
            (max(picked[0][0], first[0]), min(picked[0][1], first[1])),
            *picked[1:],
        ]
        low = sum(lo for lo, _ in bounds)
        high = sum(hi for _, hi in bounds)
        if any(lo > hi for lo, hi in bounds) or not low <= total <= high:
            continue
        for lo, hi in bounds:
            least, most = max(lo, total - (high - hi)), min(hi, total - (low - lo))
            if least == most and small(least, k):
                return True
    return False


def safe_tags(
    report: PowerSharingReport, k: int, d1: SafeFigure | None = None
) -> tuple[tuple[TagCount, ...], int | None, str | None]:
    """Decisions counted by tag as ranges, their number unless small, and why not.

    The number of decisions counts records, so it is exact; each tag's count
    says how far lived experience shared the decisions, so it is a range
    (``count_range``), the same in every scope: a scope's count less its
    parts' ranges then never gives back a count from 1 to k - 1. While a
    figure of ``TAG_PEOPLE`` rests on fewer than k people (its ``people``),
    no tag is counted, whatever the tags hold: one proposer's decisions
    tagged "influenced" would say as much as the A1 withheld for her. Nor
    while *d1*, the report's D1 after suppression, is withheld over k or more
    decisions (for a small group of them): the count tagged "decided with"
    is D1's, and its range would say which group is small, the one thing
    D1's note keeps back. Nor while the people the tags read themselves are
    few (``tags_read_few``), nor where the total, beside D1, could give a
    count back (``total_gives_back``). The third value says why.
    """
    cells = dict.fromkeys(TAGS, 0)
    for d in report.decisions:
        cells[d.tag] = cells.get(d.tag, 0) + 1
    total = sum(cells.values())
    shown = None if small(total, k) else total
    figures = [(code, report.indicators.get(code)) for code in TAG_PEOPLE]
    if any(f is not None and few_people(f, k) for _, f in figures):
        return (), shown, people_note("D1", k)
    if any(f is not None and compares_few(code, f, k) for code, f in figures):
        return (), shown, TAGS_GROUPS_NOTE.format(k=k)
    if d1 is not None and d1.withheld is not None and (d1.n or 0) >= k:
        return (), shown, TAGS_D1_NOTE
    if tags_read_few(report.tag_people, k):
        return (), shown, TAGS_READ_NOTE.format(k=k)
    if shown is not None and total_gives_back(total, k, d1_span(d1, total, k)):
        return (), shown, TAGS_TOTAL_NOTE.format(k=k)
    tags = tuple(TagCount(tag, count_range(count, k)) for tag, count in cells.items())
    return tags, shown, None


def report_thresholds(
    report: PowerSharingReport, given: Thresholds | None
) -> Thresholds:
    """The report's own cut-offs, with the caller's small-cell limit if given.

    Bands are written in words cut where the figures' own bands were, so
    that "about equal" never sits beside "below parity": any cut-off other
    than ``small_cell`` must be the report's, or InvalidInputError is raised.
    """
    own = report.thresholds
    if given is None:
        return own
    if not isinstance(given, Thresholds):
        raise InvalidInputError("thresholds must be a coledger Thresholds")
    if attrs.evolve(given, small_cell=own.small_cell) != own:
        raise InvalidInputError(
            "thresholds must have the cut-offs the report was computed with "
            "(pass the same Thresholds to power_sharing); only small_cell may "
            "differ"
        )
    return given


def suppress(
    report: PowerSharingReport, thresholds: Thresholds | None = None
) -> SafeReport:
    """The report with small cells withheld and values banded, for the public.

    ``thresholds`` may change the small-cell limit; its other cut-offs must
    be the report's own (see ``report_thresholds``).
    """
    if not isinstance(report, PowerSharingReport):
        raise InvalidInputError("report must be a PowerSharingReport")
    th = report_thresholds(report, thresholds)
    k = th.small_cell
    scope = report.scope
    indicators = safe_figures(report.indicators, th)
    tags, total, why = safe_tags(report, k, indicators.get("D1"))
    hidden = frozenset(
        code for code, f in indicators.items() if f.withheld or f.band_withheld
    )
    return SafeReport(
        small_cell=k,
        scope=report.scope,
        since=report.since,
        until=report.until,
        as_of=report.as_of,
        indicators=indicators,
        ladder=tuple(
            safe_rung(
                r,
                th,
                own=(r.unit, r.id) == (scope.kind, str(scope.id)),
                hidden=hidden,
            )
            for r in report.ladder
        ),
        tags=tags,
        decisions=total,
        tags_withheld=why,
        seat_bodies=seat_bodies(report),
        tree_size=report.tree_size,
    )


def seat_bodies(report: PowerSharingReport) -> int | None:
    """How many bodies with voting seats held the report's seat figures pool.

    R7 averages its power over exactly those bodies, so its n counts them.
    """
    r7 = report.indicators.get("R7")
    return r7.n if r7 is not None and r7.n > 0 else None
