"""The facts every indicator reads, folded from the events in recorded order.

``Facts.apply(position, event)`` is the whole fold: the facts after a history
depend only on that history, so folding in one go, in pieces, or resuming from
any cut point gives equal facts (a property test holds it to that). Every fact
keeps its business time (``at``, from ``occurred_at``) for periods, and its
recorded position (``pos``) for "as of".

Lived experience is kept as spells, from a readable declaration naming lived
experience. Withdrawal or erasure destroys the key that sealed the declaration,
so it can never be read again: the fold drops the member's spells at that
event, and a rebuild never opens them. Either way the member counts as
undeclared throughout, as the brief requires.

An erasure keeps its business time (``MemberFacts.erased_at``): the erased
member stays in the membership of every period and moment before it (as
undeclared, since their declaration is gone), and leaves it from then on.
It ends their seats too: an erased member can never vote or attend again.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import attrs

from coledger.domain import (
    Adjustment,
    Body,
    LedgerAggregate,
    Meeting,
    Member,
    Project,
    Proposal,
    Rule,
)
from coledger.domain.timeorder import give_at, in_force_at
from coledger.domain.values import LIVED_EXPERIENCE
from coledger.errors import CorruptEventError
from coledger.serialization import (
    as_flag,
    as_text,
    as_whole,
    time_of,
    unstructure_state,
    uuid_of,
    uuids_of,
)

T = TypeVar("T")
V = TypeVar("V")


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while any bulk fold runs.

    A fold of a long history allocates hundreds of thousands of objects that
    all live on and form no cycles, and every few hundred of them pushes the
    collector towards a full pass over everything alive: at 200,000 events
    those passes were a fifth of a rebuild. Reference counting frees memory
    as usual meanwhile. Folds in several threads share one pause, and the
    collector is left as it was found when the first of them began, once the
    last of them ends.

    The pause is process-wide. A materialiser holds it for the whole of a
    catch-up (the figures allocate as much as the fold: pausing the fold alone
    measured 17% slower), so cycles that other threads drop meanwhile wait for
    it to end, and folds that overlap without a break keep it paused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if not self._holders:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if not self._holders and self._resume:
                    gc.enable()


collector_paused = _CollectorPause()
"""``with collector_paused():`` around a bulk fold or rebuild."""


@attrs.define
class Spell:
    """A stretch of business time (and recorded positions) something held."""

    start: datetime
    start_pos: int
    end: datetime | None = None
    end_pos: int | None = None

    def covers(self, at: datetime) -> bool:
        """Whether the spell holds at business time *at*."""
        return self.start <= at and (self.end is None or at < self.end)

    def overlaps(self, since: datetime | None, until: datetime | None) -> bool:
        """Whether the spell holds at some moment of [since, until).

        One that ends before it starts holds at no moment: a seat whose
        holder's erasure is dated before they took it. (One that ends as it
        starts, a seat vacated at once, is counted, as it is recorded, in the
        period its instant falls in, as an act at that time is.)
        """
        if self.end is not None and self.end < self.start:
            return False
        started = until is None or self.start < until
        if since is None or self.end is None:
            return started
        return started and (self.end > since or self.end == self.start >= since)


def _in_force(history: list[tuple[datetime, V]], at: datetime, latest: V) -> V:
    """The value of *history* (time-ordered) in force at *at*; *latest* if empty."""
    return in_force_at(history, at) if history else latest


def _time(entry: tuple[datetime, object]) -> datetime:
    return entry[0]


@attrs.define
class MemberFacts:
    """A member's roles, the spells of their declarations, and when they were erased.

    A member belongs to the membership from ``registered_at`` until
    ``erased_at`` (the business time of their erasure), if they were erased.
    """

    id: UUID
    role: str
    """The role in force last, by business time (as the member's record has it)."""
    registered_at: datetime
    lived_experience: list[Spell] = attrs.Factory(list)
    declared: list[Spell] = attrs.Factory(list)
    erased_at: datetime | None = None
    roles: list[tuple[datetime, str]] = attrs.Factory(list)
    """(business time, role) from registration and each change, in time order."""

    def role_at(self, at: datetime) -> str:
        """The role they held at business time *at* (before registration: the first)."""
        return _in_force(self.roles, at, self.role)

    @property
    def erased(self) -> bool:
        """Whether the member has been erased (at any time)."""
        return self.erased_at is not None

    def member_at(self, at: datetime) -> bool:
        """Whether they were a member at business time *at*."""
        erased_at = self.erased_at
        return self.registered_at <= at and (erased_at is None or at < erased_at)

    def member_during(self, since: datetime | None, until: datetime | None) -> bool:
        """Whether they were a member at some moment of [since, until)."""
        erased_at = self.erased_at
        if until is not None and self.registered_at >= until:
            return False
        return erased_at is None or (
            erased_at > self.registered_at and (since is None or erased_at > since)
        )


@attrs.define
class SeatFacts:
    """One member's spell in one seat of a body.

    The spell ends when the seat was vacated or, if sooner, when its holder
    was erased: an erased member can never vote or attend again, though the
    body's record shows the seat held until someone vacates it.
    """

    member: UUID
    seat: str
    office: str | None
    spell: Spell
    erased_open: bool = False
    """Whether the spell was ended by its holder's erasure while still open: a
    vacancy recorded later, but dated before the erasure, ends it sooner."""


@attrs.define
class BodyFacts:
    """A body, its decision rules and its seats over time."""

    id: UUID
    name: str
    kind: str
    rule: Rule
    """The rule in force last, by business time."""
    seats: list[SeatFacts] = attrs.Factory(list)
    rules: list[tuple[datetime, Rule]] = attrs.Factory(list)
    """(business time, rule) from its establishment and each change, in time order."""
    _held: SeatIndex | None = attrs.field(
        default=None, init=False, eq=False, repr=False
    )
    _revision: int = attrs.field(default=0, init=False, eq=False, repr=False)

    @property
    def established_at(self) -> datetime:
        """When the body was established (business time): its first rule's."""
        return self.rules[0][0]

    def rule_at(self, at: datetime) -> Rule:
        """The rule in force at business time *at* (before it was set up: the first)."""
        return _in_force(self.rules, at, self.rule)

    def held_at(self, at: datetime) -> list[SeatFacts]:
        """The seats held at business time *at*, in the order they were assigned."""
        index = self._held
        if index is None:
            revision = self._revision
            index = SeatIndex.of(self.seats)
            if revision == self._revision:  # no seat changed while it was made
                self._held = index
        return index.at(at)

    def seats_changed(self) -> None:
        """Forget the index of who held what when (the fold calls it)."""
        self._held = None
        self._revision += 1


INDEX_BUDGET = 8
"""References a seat index may hold per seat spell before it gives way to a scan."""


@attrs.frozen(eq=False)
class SeatIndex:
    """Who held which seat of a body between each two changes to its seats.

    Asking of every seat ever held whether it was held at a moment made a
    body's figures grow with its meetings times its whole seat history: a
    board of decades holds hundreds of spells, and each meeting and decision
    asks. The index keeps, for each change, the list of seats held from then
    on, so a question is one bisection.

    Those lists take the changes times the seats held at once: a few hundred
    references for a board of twelve over forty years, but tens of millions
    for an assembly that seated thousands of members one by one. Past
    ``budget`` references per spell the index is not kept (``changes`` is
    None) and a question scans the spells, which then costs about what its
    answer does anyway.
    """

    seats: list[SeatFacts]
    changes: list[datetime] | None
    held: list[list[SeatFacts]]
    """``held[i]``: the seats held from ``changes[i]`` until ``changes[i + 1]``."""

    @classmethod
    def of(cls, seats: list[SeatFacts], budget: int = INDEX_BUDGET) -> SeatIndex:
        """The index of *seats* (a body's, in the order they were assigned)."""
        starts: dict[datetime, list[int]] = {}
        ends: dict[datetime, list[int]] = {}
        for i, s in enumerate(seats):
            start, end = s.spell.start, s.spell.end
            if end is not None and end <= start:
                continue  # held at no moment (an import may date a vacancy first)
            starts.setdefault(start, []).append(i)
            if end is not None:
                ends.setdefault(end, []).append(i)
        changes = sorted(starts.keys() | ends.keys())
        held: list[list[SeatFacts]] = []
        now: set[int] = set()
        room = budget * len(seats)
        for at in changes:
            now.update(starts.get(at, ()))
            now.difference_update(ends.get(at, ()))  # a spell ends where it ends
            room -= len(now)
            if room < 0:
                return cls(seats, None, [])
            held.append([seats[i] for i in sorted(now)])
        return cls(seats, changes, held)

    def at(self, at: datetime) -> list[SeatFacts]:
        """The seats held at *at* (a new list)."""
        if self.changes is None:
            return [s for s in self.seats if s.spell.covers(at)]
        i = bisect.bisect_right(self.changes, at)
        return list(self.held[i - 1]) if i else []


@attrs.define
class ProjectFacts:
    """A project and its self-declared label."""

    id: UUID
    name: str
    label: str
    """The label in force last, by business time."""
    started_at: datetime
    finished_at: datetime | None = None
    labels: list[tuple[datetime, str]] = attrs.Factory(list)
    """Each label from the business time it was given, in time order."""

    def label_by(self, end: datetime | None) -> str:
        """The label in force just before *end* (with no end, the latest given).

        Labels are in force from the business time they were given, so a
        relabelling recorded late, but dated earlier than another, gives way
        to it from that other's time on.
        """
        if not self.labels:
            return self.label
        if end is None:
            return self.labels[-1][1]
        i = bisect.bisect_left(self.labels, end, key=_time)
        return self.labels[max(i - 1, 0)][1]


@attrs.define
class MeetingFacts:
    """A meeting: kind, time, papers, who attended, and when it was called off.

    A meeting called off (``cancelled_at``) did not take place: every figure
    that counts meetings leaves it out, in every period, once the
    cancellation is folded in.
    """

    id: UUID
    body: UUID
    kind: str
    starts_at: datetime
    project: UUID | None
    papers: list[tuple[str, datetime]] = attrs.Factory(list)
    attendance: dict[UUID, str] = attrs.Factory(dict)
    check_ins: int = 0
    cancelled_at: datetime | None = None


@attrs.define
class CommentFacts:
    """A comment: who, through which channel, when."""

    id: UUID
    author: UUID
    channel: str
    supporter: UUID | None
    at: datetime
    pos: int


@attrs.define
class DecisionFacts:
    """One decision on a proposal."""

    id: UUID
    outcome: str
    method: str
    decided_by: tuple[UUID, ...]
    overrode_vote: bool
    at: datetime
    pos: int
    by_vote: bool


@attrs.define
class ActionFacts:
    """A delivery action and whether it was done on time."""

    id: UUID
    owners: tuple[UUID, ...]
    due: datetime | None
    assigned_at: datetime
    completed_at: datetime | None = None


@attrs.define
class ProposalFacts:
    """Everything the indicators need about one proposal."""

    id: UUID
    body: UUID
    proposers: tuple[UUID, ...]
    raised_at: datetime
    raised_pos: int
    project: UUID | None
    phase: str | None
    meeting: UUID | None
    comments: list[CommentFacts] = attrs.Factory(list)
    amendments: list[tuple[UUID | None, tuple[UUID, ...], datetime]] = attrs.Factory(
        list
    )
    accessible_formats: list[str] = attrs.Factory(list)
    feedback: list[tuple[tuple[UUID, ...], datetime]] = attrs.Factory(list)
    electorate: tuple[UUID, ...] = ()
    voting_opened_at: datetime | None = None
    access_override: str | None = None
    unmet_adjustments: tuple[UUID, ...] = ()
    ballots: dict[UUID, str] = attrs.Factory(dict)
    tally: tuple[int, int, int, int] | None = None
    verdict: str | None = None
    advisory: bool = False
    voting_closed_at: datetime | None = None
    decisions: list[DecisionFacts] = attrs.Factory(list)
    withdrawn_at: datetime | None = None
    actions: dict[UUID, ActionFacts] = attrs.Factory(dict)
    evaluations: list[tuple[tuple[UUID, ...], tuple[UUID, ...], datetime]] = (
        attrs.Factory(list)
    )


@attrs.define
class AdjustmentFacts:
    """An adjustment request (its code is special data and is not kept here)."""

    id: UUID
    member: UUID
    scope: str
    meeting: UUID | None
    proposal: UUID | None
    needed_before: str
    needed_by: datetime | None
    requested_at: datetime
    status: str = "requested"
    resolved_at: datetime | None = None
    partial: bool = False
    decline_reason: str | None = None
    withdrawn_at: datetime | None = None
    """When it was withdrawn: for a standing request, perhaps after its answer,
    which ``status`` and ``resolved_at`` then keep."""


FoldRecord = tuple[int, type, UUID, dict[str, Any]]
"""(position, event class, originator id, stored state), as the fold reads an event."""


Stamp = tuple[int, type, UUID, Any]
"""Which event a log holds at a position: (position, class, record, recorded time)."""


def stamp_of(records: Iterable[FoldRecord]) -> Stamp | None:
    """The stamp of the first of *records* (the log at one position), or None.

    Facts kept from one fold to the next remember the stamp of the last event
    they hold: when the log no longer has that event there (the database was
    restored from an older copy, and later events took its position), they
    must be folded afresh, or they would go on counting events the log has
    lost and miss the ones that took their positions.
    """
    for position, cls, originator_id, state in records:
        return position, cls, originator_id, state.get("timestamp")
    return None


def stamp_at(
    fold_states: Callable[..., Iterable[FoldRecord]], position: int
) -> Stamp | None:
    """The stamp of the event a log holds at *position*, read with its *fold_states*."""
    return stamp_of(fold_states(after=position - 1, until=position))


SEALED_READS = frozenset({(Member.LivedExperienceDeclared, "categories")})
"""The only sealed fields the fold reads; a reader for it may leave others closed."""


def _add(index: dict[UUID, list[UUID]], key: UUID | None, value: UUID) -> None:
    if key is not None:
        index.setdefault(key, []).append(value)


@attrs.define
class Facts:
    """The folded facts of a ledger up to ``position``."""

    position: int = 0
    latest: datetime | None = None
    """The latest business time folded in: "now" for spells still open."""
    members: dict[UUID, MemberFacts] = attrs.Factory(dict)
    bodies: dict[UUID, BodyFacts] = attrs.Factory(dict)
    projects: dict[UUID, ProjectFacts] = attrs.Factory(dict)
    meetings: dict[UUID, MeetingFacts] = attrs.Factory(dict)
    proposals: dict[UUID, ProposalFacts] = attrs.Factory(dict)
    adjustments: dict[UUID, AdjustmentFacts] = attrs.Factory(dict)

    # Indexes derived from the facts above, so that a scope reads only its own.
    proposals_by_body: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    proposals_by_project: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    proposals_by_meeting: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    meetings_by_body: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    meetings_by_project: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_proposal: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_meeting: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    adjustments_by_member: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    bodies_by_member: dict[UUID, list[UUID]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    """The bodies each member was ever seated on, for their erasure to end it."""
    spells: dict[int, tuple[list[Spell], list[Spell]]] = attrs.field(
        factory=dict, eq=False, repr=False
    )
    """Each member's (lived-experience, declared) spell lists, keyed by ``UUID.int``.

    The same list objects as in ``members``: keyed by the id's integer, a lookup
    hashes in C rather than through ``UUID.__hash__``, which a rebuild would call
    millions of times."""
    dirty: set[tuple[str, UUID | None]] = attrs.field(factory=set, eq=False, repr=False)
    """Scopes whose figures new events may have changed (("all", None) for every
    scope); a materialiser clears it after recomputing them."""
    memo: dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False)
    """Derived data worked out once per state of the facts (by position)."""

    def apply_all(self, events: Iterable[tuple[int, LedgerAggregate.Event]]) -> Facts:
        """Fold in many (position, event) pairs; returns self."""
        for position, event in events:
            self.apply(position, event)
        return self

    def apply(self, position: int, event: LedgerAggregate.Event) -> None:
        """Fold in one event recorded at *position*."""
        self.apply_state(
            position, type(event), event.originator_id, unstructure_state(event)
        )

    def apply_states(self, records: Iterable[FoldRecord]) -> Facts:
        """Fold in many records from ``Ledger.fold_states``; returns self.

        A stored state the fold cannot read (a field that is not of its
        declared type, or missing) raises ``CorruptEventError``, as decoding
        the event would. The facts may then hold part of that event:
        discard them.
        """
        apply = self.apply_state
        for position, cls, originator_id, state in records:
            try:
                apply(position, cls, originator_id, state)
            except Exception as error:
                msg = (
                    f"cannot fold event {getattr(cls, '__qualname__', cls)} of "
                    f"{originator_id} at position {position}: "
                    f"{type(error).__name__}: {error}"
                )
                raise CorruptEventError(msg) from error
        return self

    def apply_state(
        self, position: int, cls: type, originator_id: UUID, state: dict[str, Any]
    ) -> None:
        """Fold in one event of class *cls* given as its stored state.

        *state* holds the event's fields as stored (JSON values: ids and times
        as text), with any sealed field the fold reads already opened. The fold
        casts only the fields it keeps, which is most of what makes a rebuild
        faster than decoding every event whole.
        """
        at = time_of(state["occurred_at"])
        handler = _HANDLERS.get(cls)
        if handler is not None:
            handler(self, position, cls, originator_id, at, state)
        self.position = position  # only once the event is in
        if self.latest is None or at > self.latest:
            self.latest = at

    def subset(self, table: dict[UUID, T], ids: set[UUID | None]) -> list[T]:
        """The entries of *table* (bodies or projects) named in *ids*, in its order.

        A scope names a few of thousands: sorting those few by their place in
        the table keeps rebuilds linear where scanning the table would not be.
        """
        if len(ids) * 16 >= len(table):
            return [v for k, v in table.items() if k in ids]
        key = f"rank/{id(table)}"
        kept = self.memo.get(key)
        if kept is None or kept[0] != len(table):  # these tables only grow
            kept = self.memo[key] = (len(table), {k: n for n, k in enumerate(table)})
        rank: dict[UUID, int] = kept[1]
        found = sorted((i for i in ids if i in rank), key=rank.__getitem__)
        return [table[i] for i in found]

    # Lived experience as it stood ------------------------------------------------

    def population(self) -> Population:
        """Counts of the membership over business time.

        How many there were, how many had declared and how many had lived
        experience, at any moment; worked out once per state of the facts.
        """
        return self.remember("population", lambda: Population.of(self))

    def remember(self, key: Hashable, make: Callable[[], V]) -> V:
        """*make*'s result, worked out once per state of the facts under *key*.

        A rebuild asks the same question of many scopes (a process is rated in
        its own scope, its bodies' and the ledger's); each key keeps only its
        latest answer, so the memo does not grow as events are folded in.
        """
        kept = self.memo.get(key)
        if kept is not None and kept[0] == self.position:
            found: V = kept[1]
            return found
        made = make()
        self.memo[key] = (self.position, made)
        return made

    def carry(
        self, kind: str, since: int, keep: Callable[[tuple[Any, ...], Any], Any]
    ) -> int:
        """Carry remembered answers of *kind* into this state, where they still hold.

        For an entry under a tuple key that starts with *kind*, worked out at or
        after position *since* but before this one, *keep* gets the key and the
        answer and returns what of it still holds (None: nothing), which is then
        remembered as of this position. Returns how many entries were carried.
        """
        carried = 0
        for key, (position, made) in list(self.memo.items()):
            if (
                type(key) is tuple
                and key[0] == kind
                and since <= position < self.position
            ):
                still = keep(key, made)
                if still is not None:
                    self.memo[key] = (self.position, still)
                    carried += 1
        return carried

    # These two are asked millions of times in a rebuild, so they loop by hand.

    def has_lived_experience(self, member: UUID, at: datetime) -> bool:
        """Whether *member* had declared lived experience at business time *at*."""
        found = self.spells.get(member.int)
        if found is not None:
            for s in found[0]:
                if s.start <= at and (s.end is None or at < s.end):
                    return True
        return False

    def has_declared(self, member: UUID, at: datetime) -> bool:
        """Whether *member* had answered the lived-experience question at *at*."""
        found = self.spells.get(member.int)
        if found is not None:
            for s in found[1]:
                if s.start <= at and (s.end is None or at < s.end):
                    return True
        return False


@attrs.frozen
class Population:
    """Counts over the membership at any business time, by bisection.

    A member counts from their registration until their erasure (if they
    were erased): an erasure takes them out of the membership from its
    business time on, not out of the periods before it. Lived experience and
    declarations count while a spell covers the time (and not before
    registration). An erased member has no spells left (their declaration
    can never be read again), so before their erasure they count as members
    who had not declared.
    """

    registered: list[datetime]
    erased: list[datetime]
    """When each member who was a member for a while was erased."""
    le_starts: list[datetime]
    le_ends: list[datetime]
    declared_starts: list[datetime]
    declared_ends: list[datetime]

    @classmethod
    def of(cls, facts: Facts, among: Iterable[UUID] | None = None) -> Population:
        """Count the members of *facts* (only those *among*, if given)."""
        chosen = (
            facts.members.values()
            if among is None
            else [facts.members[m] for m in among if m in facts.members]
        )
        counted = [
            m for m in chosen if m.erased_at is None or m.erased_at > m.registered_at
        ]
        le: list[tuple[datetime, datetime | None]] = []
        declared: list[tuple[datetime, datetime | None]] = []
        for m in counted:
            for spells, into in ((m.lived_experience, le), (m.declared, declared)):
                for s in spells:
                    start = max(s.start, m.registered_at)
                    if s.end is None or s.end > start:
                        into.append((start, s.end))
        return cls(
            sorted(m.registered_at for m in counted),
            sorted(m.erased_at for m in counted if m.erased_at is not None),
            sorted(s for s, _ in le),
            sorted(e for _, e in le if e is not None),
            sorted(s for s, _ in declared),
            sorted(e for _, e in declared if e is not None),
        )

    def members(self, at: datetime) -> int:
        """Members registered by *at* and not erased by then."""
        return bisect.bisect_right(self.registered, at) - bisect.bisect_right(
            self.erased, at
        )

    def lived_experience(self, at: datetime) -> int:
        """Members whose declaration named lived experience at *at*."""
        return bisect.bisect_right(self.le_starts, at) - bisect.bisect_right(
            self.le_ends, at
        )

    def declared(self, at: datetime) -> int:
        """Members who had answered the lived-experience question at *at*."""
        return bisect.bisect_right(self.declared_starts, at) - bisect.bisect_right(
            self.declared_ends, at
        )


ALL = ("all", None)
"""The dirty mark for every scope; once it is set, finer marks add nothing."""


# The handlers read the stored state: ids and times are text until cast here.


def _id(text: str | None) -> UUID | None:
    return None if text is None else uuid_of(text)


def _flag(value: bool | None) -> bool:
    """A stored flag; None (never stored by a command) reads as false."""
    return False if value is None else as_flag(value)


def _note(text: str | None) -> str | None:
    return None if text is None else as_text(text)


def _word(text: str | None) -> str | None:
    """A vocabulary word (channel, choice, mode...), one shared copy of each."""
    return None if text is None else sys.intern(text)


def _member(  # noqa: PLR0917 (every handler takes the same arguments)
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    facts.dirty.add(ALL)  # who has lived experience counts everywhere
    if cls is Member.Registered:
        member_id = uuid_of(str(oid))  # the object other events share
        role = sys.intern(s["role"])
        member = facts.members[member_id] = MemberFacts(
            member_id, role, at, roles=[(at, role)]
        )
        facts.spells[member_id.int] = (member.lived_experience, member.declared)
        return
    member = facts.members[oid]
    if cls is Member.RoleChanged:
        member.role = give_at(member.roles, at, sys.intern(s["role"]))
    elif cls is Member.LivedExperienceDeclared:
        categories = s["categories"]
        answered = set(categories) - {"PREFER_NOT"}
        if answered:
            member.declared.append(Spell(at, pos))
        if not LIVED_EXPERIENCE.isdisjoint(categories):
            member.lived_experience.append(Spell(at, pos))
    elif cls is Member.LivedExperienceWithdrawn or cls is Member.Erased:
        # The declaration's key is destroyed with this event, so a rebuild can
        # never read it again: drop its spells outright (not just close them), and
        # the facts folded step by step stay equal to the facts rebuilt.
        member.lived_experience.clear()
        member.declared.clear()
        if cls is Member.Erased and member.erased_at is None:
            member.erased_at = at  # a member before it, in every period before it
            _end_seats(facts, member.id, at, pos)


def _end_seats(facts: Facts, member: UUID, at: datetime, pos: int) -> None:
    """End *member*'s seats at their erasure: they can never vote or attend again."""
    for body_id in facts.bodies_by_member.get(member, ()):
        body = facts.bodies[body_id]
        for seat in body.seats:
            spell = seat.spell
            if seat.member == member and (spell.end is None or spell.end > at):
                seat.erased_open = spell.end is None
                spell.end, spell.end_pos = at, pos
        body.seats_changed()


def _rule(s: dict[str, Any]) -> Rule:
    return Rule.from_fields(
        as_text(s["rule_kind"]),
        as_text(s["rule_threshold"]),
        as_text(s["rule_quorum"]),
        as_whole(s["rule_lived_experience_quorum"]),
    )


def _body(  # noqa: PLR0917 (every handler takes the same arguments)
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    if ALL not in facts.dirty:
        facts.dirty.add(("body", oid))
        facts.dirty.add(("ledger", None))
        for project in facts.projects:  # a project's scope can include its bodies
            facts.dirty.add(("project", project))
    if cls is Body.Established:
        rule = _rule(s)
        facts.bodies[oid] = BodyFacts(
            oid, as_text(s["name"]), sys.intern(s["kind"]), rule, rules=[(at, rule)]
        )
        return
    body = facts.bodies[oid]
    if cls is Body.RuleChanged:
        body.rule = give_at(body.rules, at, _rule(s))
    elif cls is Body.SeatAssigned:
        _seat_assigned(facts, body, pos, at, s)
    elif cls is Body.SeatVacated:
        _seat_vacated(body, uuid_of(s["member"]), pos, at)


def _seat_assigned(
    facts: Facts, body: BodyFacts, pos: int, at: datetime, s: dict[str, Any]
) -> None:
    member = uuid_of(s["member"])
    seated = facts.bodies_by_member.setdefault(member, [])
    if body.id not in seated:
        seated.append(body.id)
    body.seats.append(
        SeatFacts(member, sys.intern(s["seat"]), _word(s["office"]), Spell(at, pos))
    )
    known = facts.members.get(member)
    if known is not None and known.erased_at is not None:  # an import's order
        _end_seats(facts, member, known.erased_at, pos)
    body.seats_changed()


def _seat_vacated(body: BodyFacts, member: UUID, pos: int, at: datetime) -> None:
    for seat in body.seats:
        if seat.member != member:
            continue
        spell = seat.spell
        # An open seat ends now; one its holder's erasure ended ends here if sooner.
        if spell.end is None or (seat.erased_open and at < spell.end):
            spell.end, spell.end_pos = at, pos
        seat.erased_open = False
    body.seats_changed()


def _project(  # noqa: PLR0917 (every handler takes the same arguments)
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    del pos
    if ALL not in facts.dirty:
        facts.dirty.add(("project", oid))
        facts.dirty.add(("ledger", None))
    if cls is Project.Started:
        label = sys.intern(s["label"])
        facts.projects[oid] = ProjectFacts(
            oid, as_text(s["name"]), label, at, labels=[(at, label)]
        )
    elif cls is Project.Relabelled:
        project = facts.projects[oid]
        project.label = give_at(project.labels, at, sys.intern(s["label"]))
    elif cls is Project.Finished:
        facts.projects[oid].finished_at = at


def _meeting(  # noqa: PLR0917 (every handler takes the same arguments)
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    del pos
    if cls is Meeting.Scheduled:
        body, project = uuid_of(s["body"]), _id(s["project"])
        facts.meetings[oid] = MeetingFacts(
            oid, body, sys.intern(s["kind"]), time_of(s["starts_at"]), project
        )
        _add(facts.meetings_by_body, body, oid)
        _add(facts.meetings_by_project, project, oid)
    meeting = facts.meetings[oid]
    if cls is Meeting.Scheduled or cls is Meeting.Cancelled:
        # It may take the comments of its day from the body's other meetings,
        # or, called off, give them back.
        _touch_meetings_of_day(facts, meeting.body, meeting.starts_at)
    elif ALL not in facts.dirty:
        _touch_meeting(facts, meeting)
    if cls is Meeting.PapersIssued:
        meeting.papers.append((sys.intern(s["format"]), at))
    elif cls is Meeting.AttendanceRecorded:
        meeting.attendance[uuid_of(s["member"])] = sys.intern(s["mode"])
    elif cls is Meeting.WellbeingCheckInHeld:
        meeting.check_ins += 1
    elif cls is Meeting.Cancelled:
        meeting.cancelled_at = at


def _raised(facts: Facts, pos: int, oid: UUID, at: datetime, s: dict[str, Any]) -> None:
    body, project, meeting = uuid_of(s["body"]), _id(s["project"]), _id(s["meeting"])
    p = facts.proposals[oid] = ProposalFacts(
        oid,
        body,
        uuids_of(s["proposers"]),
        at,
        pos,
        project,
        _word(s["phase"]),
        meeting,
    )
    _add(facts.proposals_by_body, body, oid)
    _add(facts.proposals_by_project, project, oid)
    _add(facts.proposals_by_meeting, meeting, oid)
    _touch_proposal(facts, p)


def _proposal(  # noqa: C901, PLR0912, PLR0917
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    if cls is Proposal.Raised:
        _raised(facts, pos, oid, at, s)
        return
    p = facts.proposals[oid]
    _touch_proposal(facts, p)
    if cls is Proposal.Commented:
        if s["channel"] == "meeting":  # heard at a meeting of the day (V4)
            _touch_meetings_of_day(facts, p.body, at)
        p.comments.append(
            CommentFacts(
                uuid_of(s["comment_id"]),
                uuid_of(s["author"]),
                sys.intern(s["channel"]),
                _id(s["supporter"]),
                at,
                pos,
            )
        )
    elif cls is Proposal.BallotCast:
        p.ballots[uuid_of(s["voter"])] = sys.intern(s["choice"])
    elif cls is Proposal.Amended:
        p.amendments.append((_id(s["actor"]), uuids_of(s["takes_up"]), at))
    elif cls is Proposal.AccessibleVersionPublished:
        p.accessible_formats.append(sys.intern(s["format"]))
    elif cls is Proposal.FeedbackGiven:
        p.feedback.append((uuids_of(s["comments"]), at))
    elif cls is Proposal.VotingOpened:
        p.electorate = uuids_of(s["electorate"])
        p.voting_opened_at = at
        p.access_override = _note(s["access_override"])
        p.unmet_adjustments = uuids_of(s["unmet_adjustments"])
    elif cls is Proposal.VotingClosed:
        p.tally = (
            as_whole(s["for_"]),
            as_whole(s["against"]),
            as_whole(s["abstain"]),
            as_whole(s["block"]),
        )
        p.verdict = sys.intern(s["outcome"])
        p.advisory = _flag(s["advisory"])
        p.voting_closed_at = at
    elif cls is Proposal.Decided:
        by_vote = p.tally is not None and not p.advisory and not p.decisions
        p.decisions.append(
            DecisionFacts(
                uuid_of(s["decision_id"]),
                sys.intern(s["outcome"]),
                sys.intern(s["method"]),
                uuids_of(s["decided_by"]),
                _flag(s["overrode_vote"]),
                at,
                pos,
                by_vote,
            )
        )
    elif cls is Proposal.Withdrawn:
        p.withdrawn_at = at
    elif cls is Proposal.ActionAssigned:
        action = uuid_of(s["action_id"])
        due = s["due"]
        p.actions[action] = ActionFacts(
            action, uuids_of(s["owners"]), None if due is None else time_of(due), at
        )
    elif cls is Proposal.ActionCompleted:
        p.actions[uuid_of(s["action_id"])].completed_at = at
    elif cls is Proposal.EvaluationRecorded:
        p.evaluations.append(
            (uuids_of(s["authors"]), uuids_of(s["criteria_proposed_by"]), at)
        )


def _adjustment(  # noqa: PLR0917 (every handler takes the same arguments)
    facts: Facts, pos: int, cls: type, oid: UUID, at: datetime, s: dict[str, Any]
) -> None:
    del pos
    if cls is Adjustment.Requested:
        member, proposal, meeting = (
            uuid_of(s["member"]),
            _id(s["proposal"]),
            _id(s["meeting"]),
        )
        _add(facts.adjustments_by_member, member, oid)
        _add(facts.adjustments_by_proposal, proposal, oid)
        _add(facts.adjustments_by_meeting, meeting, oid)
        needed_by = s["needed_by"]
        adjustment = facts.adjustments[oid] = AdjustmentFacts(
            oid,
            member,
            sys.intern(s["scope"]),
            meeting,
            proposal,
            sys.intern(s["needed_before"]),
            None if needed_by is None else time_of(needed_by),
            at,
        )
        _touch_adjustment(facts, adjustment)
        return
    adjustment = facts.adjustments[oid]
    _touch_adjustment(facts, adjustment)
    if cls is Adjustment.Provided:
        adjustment.status, adjustment.partial = "provided", _flag(s["partial"])
    elif cls is Adjustment.Declined:
        adjustment.status, adjustment.decline_reason = "declined", _note(s["reason"])
    elif cls is Adjustment.Withdrawn:
        adjustment.withdrawn_at = at
        if adjustment.status != "requested":
            return  # a standing request withdrawn after its answer keeps it
        adjustment.status = "withdrawn"
    adjustment.resolved_at = at


def _touch(facts: Facts, body: UUID | None, project: UUID | None) -> None:
    facts.dirty.add(("ledger", None))
    if body is not None:
        facts.dirty.add(("body", body))
    if project is not None:
        facts.dirty.add(("project", project))


def _touch_meeting(facts: Facts, meeting: MeetingFacts) -> None:
    """Mark the scopes that read *meeting*: its own, and those raised at it."""
    _touch(facts, meeting.body, meeting.project)
    for proposal in facts.proposals_by_meeting.get(meeting.id, ()):
        _touch(facts, None, facts.proposals[proposal].project)


def _touch_meetings_of_day(facts: Facts, body: UUID, at: datetime) -> None:
    """Mark the scopes of *body*'s meetings on the UTC day of *at*.

    A comment through the meeting channel is heard at one of them (V4), and
    a meeting scheduled that day may take such comments from another.
    """
    if ALL in facts.dirty:
        return
    day = at.astimezone(UTC).date()
    for meeting_id in facts.meetings_by_body.get(body, ()):
        meeting = facts.meetings[meeting_id]
        if meeting.starts_at.astimezone(UTC).date() == day:
            _touch_meeting(facts, meeting)


def _touch_proposal(facts: Facts, proposal: ProposalFacts) -> None:
    if ALL in facts.dirty:
        return
    _touch(facts, proposal.body, proposal.project)
    meeting = facts.meetings.get(proposal.meeting)  # type: ignore[arg-type]
    if meeting is not None:  # a meeting's scopes count what was raised at it
        _touch(facts, meeting.body, meeting.project)


def _touch_adjustment(facts: Facts, adjustment: AdjustmentFacts) -> None:
    if ALL in facts.dirty:
        return
    proposal = facts.proposals.get(adjustment.proposal)  # type: ignore[arg-type]
    meeting = facts.meetings.get(adjustment.meeting)  # type: ignore[arg-type]
    if proposal is not None:
        _touch_proposal(facts, proposal)
    elif meeting is not None:
        _touch(facts, meeting.body, meeting.project)
        for raised in facts.proposals_by_meeting.get(meeting.id, ()):
            _touch(facts, None, facts.proposals[raised].project)
    else:
        facts.dirty.add(ALL)  # a standing request reaches every seat


Handler = Callable[[Facts, int, type, UUID, datetime, dict[str, Any]], None]


def _handlers() -> dict[type[object], Handler]:
    table: dict[type[object], Handler] = {}
    for aggregate, handler in (
        (Member, _member),
        (Body, _body),
        (Project, _project),
        (Meeting, _meeting),
        (Proposal, _proposal),
        (Adjustment, _adjustment),
    ):
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, LedgerAggregate.Event):
                table[value] = handler
    # Notes that let later commands check their dates: the proposal's own
    # opening carries everything a figure reads.
    for unread in (Body.VoteOpened, Meeting.VoteOpened):
        del table[unread]
    return table


_HANDLERS: dict[type[object], Handler] = _handlers()
