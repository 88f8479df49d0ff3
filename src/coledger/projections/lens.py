"""A scope and period through which indicators look at the facts, and what they return.

A scope is the whole ledger, one body, or one project; a period is a half-open
span of business time [since, until). Every indicator returns a Figure: its
value (or None with a reason, when the record holds too little evidence), the
n it rests on, the lived-experience declaration coverage of that n, and a band.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

import attrs

from coledger.projections.facts import (
    BodyFacts,
    Facts,
    MeetingFacts,
    ProposalFacts,
)
from coledger.projections.measures import below

INSUFFICIENT = "insufficient evidence"


@attrs.frozen
class Scope:
    """What a report covers: ``ledger``, or one ``body`` or ``project`` by id."""

    kind: str = "ledger"
    id: UUID | None = None

    @classmethod
    def ledger(cls) -> Scope:
        """The whole ledger."""
        return cls()

    @classmethod
    def body(cls, body: UUID) -> Scope:
        """One body."""
        return cls("body", body)

    @classmethod
    def project(cls, project: UUID) -> Scope:
        """One project."""
        return cls("project", project)


@attrs.frozen
class Figure:
    """One indicator's value with its evidence base."""

    code: str
    value: float | None
    n: int
    coverage: float | None
    band: str | None
    note: str | None = None
    people: int | None = None
    """For a figure that weighs records by the lived experience of the people
    they name: how many different members there are in the smallest group of
    them it reads (its proposers, deciders with a vote, commenters, amenders,
    voters, evaluators, attendees: see ``fewest``), and for R4, whose n
    counts terms of office, the officers; None for a figure that does not
    (its n already counts people, or it reads no one's lived experience)."""
    groups: tuple[int, ...] | None = None
    """For a figure that compares lived experience with everyone else (a
    parity ratio): the count of each group it compares, lived experience
    first, then the others, in the units of its n (proposals, comments,
    seats; X5's seat holders), for each share it divides (V1 and R5 divide
    two shares, so they give four counts); D3 adds the people behind its
    two groups of proposals (the proposers with lived experience of the
    first, those of the others), since one member may raise several, V1
    the commenters and attendees (or members) behind its groups, and R3 and
    R6 the members behind their groups of seats.
    Disclosure control withholds the figure while any of them is from 1 to
    k - 1, as it does a share's two groups. R1 gives the people holding its
    voting seats with and without lived experience (one member may hold
    seats on several bodies), and its share is withheld while either is
    from 1 to k - 1; R2 the voting-seat holders present at its meetings
    with and without it, tested in the same way. A1, a share banded against
    a base of members, gives the
    fewest members of its base with and without lived experience: its band
    is withheld while either is from 1 to k - 1. None for a figure that
    compares no groups."""

    @property
    def sufficient(self) -> bool:
        """Whether there was enough evidence for a value."""
        return self.value is not None


def insufficient(
    code: str,
    note: str,
    n: int = 0,
    coverage: float | None = None,
    people: int | None = None,
    *,
    groups: tuple[int, ...] | None = None,
) -> Figure:
    """A figure that reports the lack of evidence rather than a number."""
    return Figure(
        code, None, n, coverage, None, f"{INSUFFICIENT}: {note}", people, groups
    )


def people_in(acts: Iterable[tuple[UUID, datetime]]) -> int:
    """How many different members *acts* name."""
    return len({member.int for member, _ in acts})  # ints hash in C; UUIDs do not


def proposers_and_commenters(
    proposals: Iterable[ProposalFacts], keep: Callable[[datetime], bool]
) -> tuple[list[tuple[UUID, datetime]], list[tuple[UUID, datetime]]]:
    """(member, time) of the proposers, and of the commenters, of *proposals*.

    Only acts whose time *keep* holds for: the period, or its end.
    """
    proposers: list[tuple[UUID, datetime]] = []
    commenters: list[tuple[UUID, datetime]] = []
    for p in proposals:
        if keep(p.raised_at):
            proposers += [(m, p.raised_at) for m in p.proposers]
        commenters += [(c.author, c.at) for c in p.comments if keep(c.at)]
    return proposers, commenters


def fewest(*groups: Iterable[tuple[UUID, datetime]]) -> int:
    """How many different members the smallest of *groups* names (0 if none names any).

    A figure that reads several groups of people (the proposers and the
    deciders, say) speaks of each: one proposer among twenty deciders is
    still one person, whom a reader who knows the records can tell apart. A
    group that names no one weighs nothing, so it is left out.
    """
    return min((n for n in map(people_in, groups) if n), default=0)


FigureFn = Callable[["Lens", Any], Figure]


def per_scope(fn: FigureFn) -> FigureFn:
    """Work a figure out once per scope, period, thresholds and state of the facts.

    For figures asked for twice in a rebuild: once for the report, and again
    for the ladder's equal-terms test of every process in scope.
    """

    @functools.wraps(fn)
    def remembered(lens: Lens, th: Any) -> Figure:
        key = ("figure", fn.__module__, fn.__qualname__, lens.scope, lens.since)
        return lens.facts.remember((*key, lens.until, th), lambda: fn(lens, th))

    return remembered


P = ParamSpec("P")
R = TypeVar("R")


def per_state(
    fn: Callable[Concatenate[Lens, P], R],
) -> Callable[Concatenate[Lens, P], R]:
    """Work out a per-item answer once per state of the facts, whatever the lens.

    For a function of a lens and an item with an id (a proposal, decision or
    meeting: the last argument) whose answer depends on the facts alone (who
    had lived experience, who held which seat), never on the lens's scope or
    period: the ledger, the item's body and its project all ask, and the first
    answer serves them all.
    The answer is shared, so it must be immutable.
    """
    name = (fn.__module__, fn.__qualname__)

    @functools.wraps(fn)
    def remembered(lens: Lens, /, *args: P.args, **kwargs: P.kwargs) -> R:
        known: dict[int, R] = lens.facts.remember(("per_state", name), dict)
        item: Any = args[-1]
        key: int = item.id.int
        if key in known:
            return known[key]
        found = known[key] = fn(lens, *args, **kwargs)
        return found

    return remembered


def carry_per_state(
    facts: Facts, since: int, touched: set[tuple[str, UUID | None]]
) -> int:
    """Keep the per-item answers worked out at or after *since* for items not *touched*.

    For a catch-up that folded new events in, with *touched* every scope they
    reached since *since* (closed over proposals). A proposal, its decisions
    and a meeting belong to their body's and their project's scopes, and a
    ``per_state`` answer reads the item, its body's seats and who had lived
    experience, which marks every scope. Answers for items whose scopes no
    new event touched still hold. Returns how many functions' answers were
    carried.
    """
    scopes: dict[int, frozenset[tuple[str, UUID | None]]] = {}

    def still(_: object, known: dict[int, object]) -> dict[int, object]:
        if not scopes:  # worked out only when there are answers to carry
            scopes.update(_item_scopes(facts))
        return {
            item: answer
            for item, answer in known.items()
            if item in scopes and scopes[item].isdisjoint(touched)
        }

    return facts.carry("per_state", since, still)


def _item_scopes(facts: Facts) -> dict[int, frozenset[tuple[str, UUID | None]]]:
    """The scopes of each proposal, decision and meeting, by the id's integer."""
    found: dict[int, frozenset[tuple[str, UUID | None]]] = {}
    for p in facts.proposals.values():
        where = frozenset({("body", p.body), ("project", p.project)})
        found[p.id.int] = where
        for d in p.decisions:
            found[d.id.int] = where
    for m in facts.meetings.values():
        found[m.id.int] = frozenset({("body", m.body), ("project", m.project)})
    return found


def band_of(value: float, cuts: Sequence[tuple[float, str]], top: str) -> str:
    """The name of the first band whose upper cut *value* is below, else *top*.

    A value off a cut by rounding alone is at the cut (``measures.below``).
    """
    for cut, name in cuts:
        if below(value, cut):
            return name
    return top


def utc_day(at: datetime) -> date:
    """The calendar day (UTC) of a business time, whatever offset it was given in."""
    return at.astimezone(UTC).date()


Occasion = UUID | tuple[str, date]
"""A meeting by id, or a channel on a UTC day for input outside meetings."""


class MeetingDays(dict[tuple[UUID, date], tuple[MeetingFacts, ...]]):
    """Each body's meetings of each UTC day, and the meetings called off.

    A meeting called off holds no occasion: it is in no day, and a proposal
    raised at it was raised in writing.
    """

    called_off: frozenset[UUID] = frozenset()


def meeting_days(facts: Facts) -> MeetingDays:
    """Each body's meetings of each UTC day, in order of their start.

    Worked out once per state of the facts: every act of every process and
    project in a report is placed with it. Meetings called off are left out.
    """

    def index() -> MeetingDays:
        days: dict[tuple[UUID, date], list[MeetingFacts]] = {}
        called_off: set[UUID] = set()
        for m in facts.meetings.values():
            if m.cancelled_at is not None:
                called_off.add(m.id)
                continue
            days.setdefault((m.body, utc_day(m.starts_at)), []).append(m)
        found = MeetingDays(
            (key, tuple(sorted(held, key=lambda m: m.starts_at)))
            for key, held in days.items()
        )
        found.called_off = frozenset(called_off)
        return found

    return facts.remember("meeting_days", index)


def occasion(
    days: MeetingDays,
    p: ProposalFacts,
    at: datetime,
    channel: str = "meeting",
    *,
    raising: bool = False,
) -> Occasion:
    """The occasion of an act on *p* at *at* through *channel*: a meeting, or a day.

    *days* are the ``meeting_days`` of the facts. The raising of *p* belongs to
    its meeting when it names one, whatever the day, else (or when that
    meeting was called off) to the ``written`` channel that day. The record
    ties no other act to a meeting, so one through the ``meeting`` channel
    belongs to the proposal's meeting if held that day, else to the body's
    latest meeting that day already begun at
    *at*, else to its first that day; any other channel, or a day with no
    meeting, makes its own occasion: the channel and the day. P2 and the
    ladder both place acts here, so that they count the same occasions.
    """
    day = utc_day(at)
    if raising:
        if p.meeting is None or p.meeting in days.called_off:
            return ("written", day)
        return p.meeting
    if channel == "meeting":
        same_day = days.get((p.body, day))
        if same_day:
            chosen = same_day[0]
            for m in same_day:
                if m.id == p.meeting:
                    return m.id
                if m.starts_at <= at:
                    chosen = m
            return chosen.id
    return (channel, day)


def now_of(facts: Facts) -> datetime:
    """Midnight (UTC) after the latest business time in *facts*."""
    if facts.latest is None:
        return EPOCH
    day = utc_day(facts.latest)
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
T = TypeVar("T")


@attrs.frozen
class Lens:
    """The facts as seen for one scope and period."""

    facts: Facts
    scope: Scope = Scope()
    since: datetime | None = None
    until: datetime | None = None
    le: Callable[[UUID, datetime], bool] = attrs.field(init=False, eq=False, repr=False)
    """Whether a member had declared lived experience at a business time."""
    declared: Callable[[UUID, datetime], bool] = attrs.field(
        init=False, eq=False, repr=False
    )
    """Whether a member had answered the lived-experience question at a time."""

    def __attrs_post_init__(self) -> None:
        # The facts' own methods, bound once: indicators ask these millions of
        # times in a rebuild, and a forwarding method would double each call.
        object.__setattr__(self, "le", self.facts.has_lived_experience)
        object.__setattr__(self, "declared", self.facts.has_declared)

    def selected(self, name: str, select: Callable[[], list[T]]) -> list[T]:
        """*select*'s list, worked out once per state of the facts (a fresh copy).

        Kept in the facts, so every lens on the same scope and period shares it.
        """
        key = ("lens", name, self.scope, self.since, self.until)
        return list(self.facts.remember(key, select))

    # Time -------------------------------------------------------------------------

    def in_period(self, at: datetime | None) -> bool:
        """Whether business time *at* falls in the period."""
        if at is None:
            return False
        return (self.since is None or at >= self.since) and (
            self.until is None or at < self.until
        )

    def by_end(self, at: datetime) -> bool:
        """Whether business time *at* comes before the period's end (if it has one)."""
        return self.until is None or at < self.until

    def papers(self, meeting: MeetingFacts) -> list[tuple[str, datetime]]:
        """(format, time) of *meeting*'s papers issued before the period's end."""
        return [(fmt, at) for fmt, at in meeting.papers if self.by_end(at)]

    def first_papers(self, meeting: MeetingFacts) -> dict[str, datetime]:
        """When each of *meeting*'s papers formats first went out, by the period's end.

        A format is out from its first issue: sending it again takes nothing
        back from its readers (X3, V6).
        """
        first: dict[str, datetime] = {}
        for fmt, at in self.papers(meeting):
            first[fmt] = min(at, first.get(fmt, at))
        return first

    @property
    def recorded_now(self) -> datetime:
        """The period's end, but no later than midnight after the latest day recorded.

        Without a period end, "now" is midnight (UTC) after the latest business
        time recorded: it moves a day at a time, so figures measured up to now
        (time in office, tenure, what is not yet due) change once a day, not
        with every event, and materialised tables can update only the scopes
        an event touched. A period may end after the record does: what falls
        after its latest day (a meeting, a deadline) is still to come, as far
        as it can tell, and an office or seat still held runs only to here
        (R4, R6).
        """
        end = self._recorded_end()
        return end if self.until is None else min(self.until, end)

    def _recorded_end(self) -> datetime:
        # Asked per meeting and per request: worked out once per state.
        facts = self.facts
        return facts.remember("recorded_end", lambda: now_of(facts))

    # Lived experience ------------------------------------------------------------

    def coverage(self, acts: Iterable[tuple[UUID, datetime]]) -> float | None:
        """The share of (member, time) acts whose member had declared then."""
        pairs = list(acts)
        if not pairs:
            return None
        return sum(itertools.starmap(self.declared, pairs)) / len(pairs)

    # What is in scope ------------------------------------------------------------

    def bodies(self) -> list[BodyFacts]:
        """Bodies in scope: one body, a project's bodies, or the governance bodies.

        A project's are those its proposals raised by the period's end went to;
        the ledger's, the governance bodies (else every body) established by then.
        """
        return self.selected("bodies", self._bodies)

    def _bodies(self) -> list[BodyFacts]:
        facts = self.facts
        if self.scope.kind == "body":
            body = facts.bodies.get(self.scope.id)  # type: ignore[arg-type]
            return [] if body is None else [body]
        if self.scope.kind == "project":
            ids: set[UUID | None] = {p.body for p in self.proposals_by_end()}
            return facts.subset(facts.bodies, ids)
        # a body established after the period is not in it
        found = [b for b in facts.bodies.values() if self.by_end(b.established_at)]
        governance = [b for b in found if b.kind == "governance"]
        return governance or found

    def proposals(self, *, in_period: bool = True) -> list[ProposalFacts]:
        """Proposals in scope raised in the period."""
        return self.selected(
            f"proposals/{in_period}", lambda: self._proposals(in_period)
        )

    def proposals_by_end(self) -> list[ProposalFacts]:
        """Proposals in scope raised by the period's end (before the period too).

        What ties a project to its bodies, and a body to its projects: nothing
        raised after the period changes them.
        """
        found = self.proposals(in_period=False)
        if self.until is None:
            return found
        return [p for p in found if self.by_end(p.raised_at)]

    def _in_scope(
        self,
        table: dict[UUID, T],
        by_body: dict[UUID, list[UUID]],
        by_project: dict[UUID, list[UUID]],
    ) -> list[T]:
        """The entries of *table* in scope, through the body or project index."""
        if self.scope.kind == "body":
            ids = by_body.get(self.scope.id, [])  # type: ignore[arg-type]
        elif self.scope.kind == "project":
            ids = by_project.get(self.scope.id, [])  # type: ignore[arg-type]
        else:
            return list(table.values())
        return [table[i] for i in ids]

    def _proposals(self, in_period: bool) -> list[ProposalFacts]:
        facts = self.facts
        candidates = self._in_scope(
            facts.proposals, facts.proposals_by_body, facts.proposals_by_project
        )
        if not in_period or (self.since is None and self.until is None):
            return candidates
        return [p for p in candidates if self.in_period(p.raised_at)]

    def proposals_in(self, project: UUID) -> list[ProposalFacts]:
        """Proposals in scope (raised at any time) that belong to *project*."""
        facts = self.facts
        own = [facts.proposals[i] for i in facts.proposals_by_project.get(project, [])]
        if self.scope.kind == "body":
            return [p for p in own if p.body == self.scope.id]
        if self.scope.kind == "project" and project != self.scope.id:
            return []
        return own

    def proposals_at(self, meeting: UUID) -> list[ProposalFacts]:
        """Proposals raised at *meeting* (in any scope or period)."""
        ids = self.facts.proposals_by_meeting.get(meeting, [])
        return [self.facts.proposals[i] for i in ids]

    def meetings(
        self, *, in_period: bool = True, called_off: bool = False
    ) -> list[MeetingFacts]:
        """Meetings in scope held in the period (or at any time).

        A project's are those scheduled for it and those one of its proposals
        was raised at, whatever project (if any) they were scheduled for: the
        process's meetings, as the ladder reads them. A proposal counts only
        once raised, by the period's end: one raised later brings no meeting
        into the period. Meetings called off are left out, unless
        *called_off* (the requests made for one are still in scope).
        """
        name = "meetings" if in_period else "meetings/any time"
        found = self.selected(name, lambda: self._meetings(in_period))
        if called_off:
            return found
        return self.selected(
            f"{name}/held or to come",
            lambda: [m for m in found if m.cancelled_at is None],
        )

    def held(self) -> list[MeetingFacts]:
        """Meetings in scope held in the period that had started by now.

        Now is the period's end, but no later than the end of the latest
        business day recorded: a meeting still to come has had no one attend,
        and no papers it may yet get before it, so it counts in no figure of
        meetings held (W2 leaves it out the same way).
        """
        limit = self.recorded_now
        return [m for m in self.meetings() if m.starts_at < limit]

    def _meetings(self, in_period: bool) -> list[MeetingFacts]:
        facts = self.facts
        candidates = self._in_scope(
            facts.meetings, facts.meetings_by_body, facts.meetings_by_project
        )
        if self.scope.kind == "project":
            held = {m.id for m in candidates}
            until = self.until
            for p in self.proposals(in_period=False):
                if p.meeting is None or (until is not None and p.raised_at >= until):
                    continue  # nothing after the period changes its meetings
                m = facts.meetings.get(p.meeting)
                if m is not None and m.id not in held:
                    held.add(m.id)
                    candidates.append(m)
        if not in_period:
            return candidates
        return [m for m in candidates if self.in_period(m.starts_at)]

    def decisions(self) -> Iterator[tuple[ProposalFacts, int]]:
        """(proposal, index of decision) for decisions in scope made in the period."""
        for p in self.proposals(in_period=False):
            for i, d in enumerate(p.decisions):
                if self.in_period(d.at):
                    yield p, i
