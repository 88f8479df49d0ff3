"""The members' easy-read report: a few headline points in short, plain sentences.

It is written for the people the report is about, including people with
learning disabilities: one idea to a line, no codes or jargon, a picture and
a simple chart for each point. It reads only the SafeReport, so small
numbers are withheld exactly as for the public.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from coledger.projections.ladder import NO_ACTIVITY
from coledger.reports.display import period_text, scope_name, step_words
from coledger.reports.suppression import SafeFigure, SafeReport, SafeRung

DEFAULT_GROUP = "people with lived experience"
"""What the members' report calls the members who declared lived experience."""

STEPS = 7
"""The number of steps on the ladder of co-production."""


KIND = "An easy read report."
"""The line under the title that says what kind of report this is."""
CLOSING_HEADING = "Keeping people safe"
"""The heading of the closing lines."""
MADE_FROM = "Made from our own records."
"""The last line: where the report comes from."""


@attrs.frozen
class Meter:
    """A simple chart: how much of something, in plain words."""

    label: str
    words: str
    fill: float
    """How much of the bar to fill, from 0 to 1 (the middle of the band)."""


@attrs.frozen
class Step:
    """Where one process is on the ladder."""

    name: str
    level: int | None
    """The step, or None where it is withheld (a few people did the work)."""
    lines: tuple[str, ...]


@attrs.frozen
class Point:
    """One headline point: a question, a picture, a few lines, a chart and a table."""

    icon: str
    heading: str
    lines: tuple[str, ...]
    meter: Meter | None
    table: tuple[tuple[str, str], ...]
    caption: str = "The numbers"
    steps: tuple[Step, ...] = ()
    columns: tuple[str, str] = ("What", "How many")
    """The table's column headers."""


@attrs.frozen
class EasyRead:
    """The whole members' report."""

    title: str
    intro: tuple[str, ...]
    points: tuple[Point, ...]
    closing: tuple[str, ...]
    organisation: str | None = None
    """The organisation's name the title holds, if any (HTML isolates it)."""


_FILL = {
    "none": 0.0,
    "very few": 0.08,
    "less than half": 0.28,
    "close to half": 0.43,
    "about half": 0.5,
    "more than half": 0.72,
    "almost all": 0.92,
    "all": 1.0,
}

MEANINGS = {
    0: "{Group} did not take part.",
    1: "{Group} had to come, but could not speak.",
    2: "{Group} were taught things, but had no say.",
    3: "{Group} were told what was decided.",
    4: "{Group} were asked what they think.",
    # Step 5 holds processes whose design they shaped on unequal terms (the
    # cap), and those where their comments changed things, or they decided
    # outside design, with no proposal of theirs adopted, on any terms. That
    # they did not yet plan it as equals is true of every route, and says no
    # more, since the cap itself may be withheld.
    5: (
        "Their ideas changed some things. "
        "But they did not yet help to plan it as equals."
    ),
    6: "They helped to plan it and to make choices.",
    7: "They helped to plan it, do it and check it.",
}
"""What each step of the ladder means, in plain words."""

FLAG_LINES = {
    "faux_coproduction": "It was called working together. But it was not yet.",
    # Unequal terms may be fewer votes, a lone voter at meetings or support
    # not met: the public report may not show which, so the line names none.
    "equal_terms_not_met": "Some things stopped them taking part as equals.",
    # All their input came on one occasion: how many chances they had, the
    # record does not say.
    "one_off": "They took part only once.",
    # The comments made in the period, and feedback given in it: the answers
    # point reads others (those on ideas decided in it, made whenever), so
    # "nobody told people" could stand beside its "every time".
    "no_feedback_loop": (
        "They made comments in this time. We did not answer them in this time."
    ),
    # No proposal or comment of theirs came before the first design decision
    # (or none came at all): when they were asked, the record does not say,
    # and they may have taken that decision themselves.
    "late_involvement": "Their ideas did not come early enough.",
    # R1 below the token cut, none included: as the seats point's verdict.
    "token_seat": "They hold too few seats.",
    # R2 counts the meetings with at most one voter of lived experience, so
    # with none of them there too.
    "lone_representative": "At some meetings, one or none of them was there to vote.",
    "placation": "They had seats, but could not change the result.",
}
"""What each ladder flag means, in plain words."""

IDLE_LINES = (
    "It is not on the ladder.",
    "Nothing happened in this work at this time.",
)
"""What a process with no activity in the period gets in place of a step:
nobody took part, so neither "did not take part" nor a step is true."""
STEP_WITHHELD_LINES = (
    "We do not show this step.",
    "Only a few people did some of this work.",
    "The step could show who someone is.",
)
WITHHELD_LINES = (
    "We do not show this number.",
    "It is about a few people, or about all of them.",
    "The number could show who someone is.",
)
MISSING_LINES = ("We do not have enough records to say.",)
NO_DECISIONS_LINES = ("We did not make any decisions in this time.",)
"""The answers point where the report shows no decision: V5 counts only the
comments on ideas decided in the period, so there are none to answer."""
FEW_ANSWERED = (
    "Many people did not tell us about their lives.",
    "So this number may not be right.",
)
"""The caveat of a point whose shown coverage is under 40%: the public report
gives the coverage, which the members' report, with no percentages, says so."""
FEW_ANSWERED_BELOW = 0.4
"""The top of the highest coverage band that gets the caveat ("less than half")."""


HOW_OFTEN = {"none": "never", "very few": "hardly ever", "all": "every time"}
"""Plain words for how often, where "<band> of the time" would not read well."""


def how_often(words: str) -> str:
    """A share's band as how often: "never", "about half of the time"."""
    return HOW_OFTEN.get(words, f"{words} of the time")


BEFORE_THE_VERB = frozenset({"never", "hardly ever"})
"""Words of how often that English puts before the verb, not at the end."""


def often(subject: str, did: str, words: str) -> str:
    """A sentence of how often *subject* *did* something, its words in their place.

    "They never got it in time.", not "They got it in time never.";
    "They got it in time about half of the time."
    """
    when = how_often(words)
    if when in BEFORE_THE_VERB:
        return f"{subject} {when} {did}."
    return f"{subject} {did} {when}."


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _meter(label: str, f: SafeFigure) -> Meter | None:
    if f.value is None:
        return None
    return Meter(label, f.value.words, _FILL.get(f.value.words, 0.5))


def _missing(f: SafeFigure | None) -> tuple[str, ...]:
    if f is not None and f.withheld:
        return WITHHELD_LINES
    return MISSING_LINES


def _withheld_share(count: str, hidden: str) -> tuple[str, ...]:
    """The lines of a share withheld beside its count, which is shown.

    The table beside the point shows the count, so the sentences give it too
    (the text has no table), and say which number is not shown.
    """
    return (count, hidden, *WITHHELD_LINES[1:])


def _few_answered(f: SafeFigure) -> tuple[str, ...]:
    """The caveat, where the figure's shown coverage is under 40% (never withheld)."""
    low = f.coverage is not None and f.coverage.high <= FEW_ANSWERED_BELOW
    return FEW_ANSWERED if low else ()


def _table_words(f: SafeFigure | None) -> str:
    if f is None or f.value is None:
        return "not shown" if f is not None and f.withheld else "not known"
    return f.value.words


def ideas(safe: SafeReport, group: str) -> Point:
    """Who had the ideas (A1)."""
    f = safe.indicators.get("A1")
    if f is not None and f.withheld and f.n is not None:
        lines = _withheld_share(
            f"We counted {f.n} ideas.",
            f"We do not show how many ideas {group} had.",
        )
    elif f is None or f.value is None or f.n is None:
        lines = _missing(f)
    else:
        # No band when no eligible member had lived experience: nothing to
        # measure a fair share against, so no verdict either.
        fair = {
            "parity": "That is a fair share.",
            "below_parity": "That is not a fair share.",
        }.get(f.band or "")
        lines = (
            f"We counted {f.n} ideas.",
            f"{_cap(group)} had {f.value.words} of them.",
            *(() if fair is None else (fair,)),
            *_few_answered(f),
        )
    return Point(
        icon="idea",
        caption="The numbers about ideas",
        heading="Who had the ideas?",
        lines=lines,
        meter=None if f is None else _meter(f"Ideas from {group}", f),
        table=(
            ("All ideas", "not shown" if f is None or f.n is None else str(f.n)),
            (f"Ideas from {group}", _table_words(f)),
        ),
    )


def decisions(safe: SafeReport, group: str) -> Point:
    """Who made the decisions (D1)."""
    f = safe.indicators.get("D1")
    if f is not None and f.withheld and f.n is not None:
        lines = _withheld_share(
            f"We made {f.n} decisions.",
            f"We do not show how many decisions {group} helped to make.",
        )
    elif f is not None and f.n == 0:
        lines = NO_DECISIONS_LINES
    elif f is None or f.value is None or f.n is None:
        lines = _missing(f)
    else:
        verdict = (
            "That is what we want."
            if f.band == "shared"
            else "We want this to be more."
        )
        lines = (
            f"We made {f.n} decisions.",
            f"{_cap(group)} helped to make {f.value.words} of them.",
            # without its band (left out when it would narrow the words), no verdict
            *(() if f.band_withheld else (verdict,)),
            *_few_answered(f),
        )
    return Point(
        icon="vote",
        caption="The numbers about decisions",
        heading="Who made the decisions?",
        lines=lines,
        meter=None if f is None else _meter(f"Decisions made with {group}", f),
        table=(
            ("All decisions", "not shown" if f is None or f.n is None else str(f.n)),
            (f"Made with {group}", _table_words(f)),
        ),
    )


def seats(
    safe: SafeReport,
    group: str,
    where: str | None,
    *,
    plural: bool = False,
    named: bool = False,
) -> Point:
    """Who holds the voting seats (R1); *plural* when *where* is several groups.

    *named* when *where* is the name the caller gave the body: a name is
    printed as it is spelt ("iCoach panel"), even at a sentence's start.
    *where* is None when no body is known to hold a seat: the heading then
    names none.
    """
    f = safe.indicators.get("R1")
    holders = where if named else _cap(where or "we")
    has = "have" if plural or where is None else "has"
    if f is not None and f.withheld and f.n is not None:
        lines = _withheld_share(
            f"{holders} {has} {f.n} voting seats.",
            f"We do not show how many seats {group} hold.",
        )
    elif f is None or f.value is None or f.n is None:
        lines = _missing(f)
    else:
        verdict = {
            "token": "That is too few.",
            "minority": "We want more.",
            "balanced": "That is a fair share.",
            "le_majority": "They hold most of the votes.",
        }.get(f.band or "", "")
        lines = tuple(
            line
            for line in (
                f"{holders} {has} {f.n} voting seats.",
                f"{_cap(group)} hold {f.value.words} of them.",
                verdict,
                *_few_answered(f),
            )
            if line
        )
    return Point(
        icon="seats",
        caption="The numbers about votes",
        heading="Who can vote?" if where is None else f"Who can vote on {where}?",
        lines=lines,
        meter=None if f is None else _meter(f"Seats held by {group}", f),
        table=(
            ("Voting seats", "not shown" if f is None or f.n is None else str(f.n)),
            (f"Held by {group}", _table_words(f)),
        ),
    )


def support(safe: SafeReport) -> Point:
    """Whether the support people asked for came in time (X1).

    X1 counts each time support was due: a standing request once at every
    meeting it covered. So its n is how many times people needed support,
    not how many times they asked for it.
    """
    f = safe.indicators.get("X1")
    if f is not None and f.withheld and f.n is not None:
        lines = _withheld_share(
            f"People needed support {f.n} times.",
            "We do not show how often they got it in time.",
        )
    elif f is None or f.value is None or f.n is None:
        lines = _missing(f)
    else:
        verdict = (
            "That is good."
            if f.band == "met"
            else "Everyone should get the support they ask for."
        )
        lines = (
            f"People needed support {f.n} times.",
            "For example, easy read, a break or a sign language interpreter.",
            often("They", "got it in time", f.value.words),
            # without its band (left out when it would narrow the words), no verdict
            *(() if f.band_withheld else (verdict,)),
        )
    return Point(
        icon="support",
        caption="The numbers about support",
        heading="Did people get the support they asked for?",
        lines=lines,
        meter=None if f is None else _meter("Support given in time", f),
        table=(
            (
                "Times people needed support",
                "not shown" if f is None or f.n is None else str(f.n),
            ),
            ("Support given in time", _table_words(f)),
        ),
    )


def feedback(safe: SafeReport, group: str) -> Point:
    """Whether people were told what became of their comments (V5).

    V5 counts only the comments on proposals decided in the period, so the
    point says so: the group may have made many more comments than that.
    """
    f = safe.indicators.get("V5")
    made = None if f is None or f.n_range is None else f.n_range.text
    d1 = safe.indicators.get("D1")
    undecided = d1 is not None and d1.n == 0
    if undecided:
        # D1 shows no decision in the period, so V5 has no comment on an idea
        # decided in it: its range ("fewer than 5") would read as a few.
        lines: tuple[str, ...] = NO_DECISIONS_LINES
    elif f is not None and f.withheld and made is not None:
        lines = (
            "We made decisions about some ideas.",
            *_withheld_share(
                f"{_cap(group)} made {made} comments on them.",
                "We do not show how often we told them what happened.",
            ),
        )
    elif f is None or f.value is None or made is None:
        lines = _missing(f)
    else:
        verdict = (
            "That is good." if f.band == "closed" else "We need to do this every time."
        )
        lines = (
            "We made decisions about some ideas.",
            f"{_cap(group)} made {made} comments on them.",
            often("We", "told them what happened", f.value.words),
            verdict,
            *_few_answered(f),
        )
    return Point(
        icon="feedback",
        caption="The numbers about answers",
        heading="Did we tell people what happened to their ideas?",
        lines=lines,
        meter=None if f is None else _meter(f"Comments from {group} we answered", f),
        table=(
            # V5 counts only the group's comments, so the rows say whose they are
            (
                f"Comments from {group} on ideas we decided about",
                "none" if undecided else made or "not shown",
            ),
            (
                f"Comments from {group} we answered",
                "not known" if undecided else _table_words(f),
            ),
        ),
    )


def step_lines(r: SafeRung, group: str) -> tuple[str, ...]:
    """What the members' report says of one process's step, and its flags."""
    if r.level is None:
        return STEP_WITHHELD_LINES
    flags = tuple(FLAG_LINES[f] for f in r.flags if f in FLAG_LINES)
    if r.rung == NO_ACTIVITY:
        return (*IDLE_LINES, *flags)
    return (
        f"It is on step {r.level} of {STEPS}."
        if r.level > 0
        else "It is not on the ladder yet.",
        MEANINGS.get(r.level, "").format(Group=_cap(group)),
        *flags,
    )


def ladder(safe: SafeReport, group: str) -> Point:
    """Where each piece of work and each group is on the ladder."""
    steps = tuple(
        Step(name=r.name, level=r.level, lines=step_lines(r, group))
        for r in safe.ladder
    )
    lines: tuple[str, ...] = (
        f"We use a ladder with {STEPS} steps.",
        "Step 1 is the lowest. Step 7 is the highest.",
        "At step 7, we plan, decide, do and check things together.",
    )
    if not steps:
        lines += ("We do not have enough records to say.",)
    return Point(
        icon="ladder",
        caption="The steps for each part of our work",
        heading="How well do we work together?",
        lines=lines,
        meter=None,
        table=tuple((s.name, step_words(s.level, STEPS)) for s in steps),
        steps=steps,
        columns=("Part of our work", "Step"),
    )


def seat_holders(safe: SafeReport, named: str | None) -> tuple[str | None, bool]:
    """What the seats point calls the bodies it counts, and whether that is plural.

    A body's report is about that body. A project's and the organisation's
    pool the seats of every body they take in (the organisation's, of its
    governance bodies), so they say "the board" only when there is one, and
    the organisation's names none (None) when no body holds a seat.
    """
    if safe.scope.kind == "body":
        return named or "this group", False
    one = safe.seat_bodies == 1
    if safe.scope.kind == "project":
        if one:
            return "the group in this project", False
        return "the groups in this project", True
    if safe.seat_bodies is None:
        return None, False
    if not one:
        return "our boards", True
    return "the board", False


def covers(safe: SafeReport) -> tuple[str, ...]:
    """What the report covers: its period, and the record it was made from.

    The record is named, as the public report names it, since a report
    frozen at an earlier event (as_of, or tables behind the record) does not
    hold what was written down after it, in its period or out of it.
    """
    period = period_text(safe.since, safe.until)
    n = f"{safe.as_of:,}"
    if period == "all recorded time":
        if not safe.as_of:
            return ("It covers our record, but nothing was written down yet.",)
        return (f"It covers everything we wrote down, up to record number {n}.",)
    if safe.since is None or safe.until is None:  # "from ..." or "up to ..."
        when = f"It covers the time {period}."
    else:
        when = f"It covers {period}."
    record = (
        f"It uses what we wrote down, up to record number {n}."
        if safe.as_of
        else "But nothing was written down yet."
    )
    return (when, record)


def build(
    safe: SafeReport,
    *,
    group: str | None = None,
    organisation: str | None = None,
    names: Mapping[str, str] | None = None,
) -> EasyRead:
    """The members' easy-read report from a report after disclosure control."""
    who = group or DEFAULT_GROUP
    named = scope_name(safe.scope, names)
    where, plural = seat_holders(safe, named)
    title = f"Who has a say at {organisation}?" if organisation else "Who has a say?"
    intro: tuple[str, ...] = (
        "This report is about how we make choices together.",
        *covers(safe),
        "It is about groups. It is not about any one person.",
        # Said whatever the record holds: which answers were given, and by how
        # many, is what disclosure control exists to keep back.
        "We asked members about their lives.",
        "We asked if they are disabled or have a health condition.",
        "We asked if they care for someone.",
        "Or if their life is like that in another way.",
        f"In this report, we call the people who said yes {who}.",
    )
    # A body's or a project's figures are its own: said first, so that they
    # are not read as the whole organisation's.
    unnamed = {"body": "one of our groups", "project": "one piece of our work"}
    if safe.scope.kind in unnamed:
        intro = (f"This report is about {named or unnamed[safe.scope.kind]}.", *intro)
    points = (
        ideas(safe, who),
        decisions(safe, who),
        seats(
            safe, who, where, plural=plural, named=named is not None and where == named
        ),
        support(safe),
        feedback(safe, who),
        ladder(safe, who),
    )
    closing = (
        "We hide small numbers. This keeps people safe.",
        "Please ask us if you want help to read this report.",
    )
    return EasyRead(
        title=title,
        intro=intro,
        points=points,
        closing=closing,
        organisation=organisation,
    )
