"""R: representation in governance (who holds the seats, the offices, the power).

Seat figures are taken at the end of the period (or now, with no period end).
In the ledger scope they pool the governance bodies (every body if there is
none); in a project scope, the bodies its proposals raised by the period's
end went to (R2 reads the body of each of the project's meetings instead, its
proposals' meetings among them).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from coledger.projections.facts import BodyFacts, MeetingFacts, SeatFacts, Spell
from coledger.projections.lens import (
    Figure,
    Lens,
    band_of,
    insufficient,
    people_in,
    per_scope,
    per_state,
)
from coledger.projections.measures import (
    above,
    banzhaf,
    below,
    median,
    quota_for,
    share,
)
from coledger.projections.thresholds import Thresholds

OFFICES = ("chair", "co_chair", "vice_chair", "secretary")
END_OF_TIME = datetime.max.replace(tzinfo=UTC)
LED = 0.5
"""R4's band ``led`` from this share of officer time on."""


def moment(lens: Lens) -> datetime:
    """The business time seat figures are taken at."""
    return END_OF_TIME if lens.until is None else lens.until - timedelta(microseconds=1)


def seats_at(body: BodyFacts, at: datetime) -> list[SeatFacts]:
    """The seats of *body* held at *at*."""
    return body.held_at(at)


def voting_holders(lens: Lens, at: datetime) -> list[UUID]:
    """Holders of voting seats on the bodies in scope at *at* (a member per seat)."""
    return [
        s.member for b in lens.bodies() for s in seats_at(b, at) if s.seat == "voting"
    ]


@per_scope
def r1(lens: Lens, th: Thresholds) -> Figure:
    """Lived-experience share of voting seats."""
    at = moment(lens)
    holders = voting_holders(lens, at)
    if not holders:
        return insufficient("R1", "no voting seats are held")
    value = sum(lens.le(m, at) for m in holders) / len(holders)
    band = band_of(value, [(th.token_seat, "token"), (th.minority, "minority")], "")
    if not band:
        band = "le_majority" if above(value, th.balanced) else "balanced"
    coverage = lens.coverage((m, at) for m in holders)
    # One member may hold a voting seat on several bodies in scope: the
    # groups count people, so that six seats of one person are one person.
    with_it = {m for m in holders if lens.le(m, at)}
    groups = (len(with_it), len(set(holders) - with_it))
    return Figure("R1", value, len(holders), coverage, band, groups=groups)


@per_scope
def r2(lens: Lens, th: Thresholds) -> Figure:
    """Share of decision meetings with at most one lived-experience voter present.

    In the ledger scope the governance bodies' meetings count; in a body's or
    a project's, every meeting in scope counts, on the seats of whichever body
    held it, whether or not a proposal of the project went to that body. A
    project's meetings are its own and those its proposals were raised at, as
    the ladder reads a process's meetings.
    """
    del th
    lone = counted = acts = declared = 0
    with_it: set[int] = set()
    without: set[int] = set()
    if lens.scope.kind == "ledger":
        bodies = {b.id: b for b in lens.bodies()}
    else:
        bodies = lens.facts.bodies  # the meetings are in scope, so their bodies are
    for meeting in lens.meetings():
        body = bodies.get(meeting.body)
        if meeting.kind != "decision_meeting" or body is None or not meeting.attendance:
            continue
        present, answered, alone, le_voters, other_voters = _voters_present(
            lens, body, meeting
        )
        acts += present
        declared += answered
        counted += 1
        lone += alone
        with_it.update(le_voters)
        without.update(other_voters)
    # The voters it reads, as people: in a project's scope (or over seats
    # that changed in the period) they need not be the seat holders R1 counts.
    groups = (len(with_it), len(without))
    if not counted:
        return insufficient(
            "R2", "no decision meetings with recorded attendance", groups=groups
        )
    value = lone / counted
    band = "pairs_or_more" if value == 0 else "lone_representative"
    coverage = declared / acts if acts else None  # as lens.coverage of the voters
    return Figure("R2", value, counted, coverage, band, groups=groups)


@per_state
def _voters_present(
    lens: Lens, body: BodyFacts, meeting: MeetingFacts
) -> tuple[int, int, bool, tuple[int, ...], tuple[int, ...]]:
    """Voting-seat holders at *meeting*, those who had declared, and if one is LE.

    That is: how many were there, how many of them had answered the
    question, and whether at most one had lived experience, all as the
    meeting started, then the voters present with lived experience and
    those without (as ints). They depend on the meeting alone, and the
    ledger, its body and its project all ask.
    """
    at = meeting.starts_at
    voters = {s.member for s in seats_at(body, at) if s.seat == "voting"}
    present = [m for m in meeting.attendance if m in voters]
    declared = sum(lens.declared(m, at) for m in present)
    flags = [(m.int, lens.le(m, at)) for m in present]  # attendance: no repeats
    le = tuple(i for i, has in flags if has)
    others = tuple(i for i, has in flags if not has)
    # Kept for every meeting of the ledger, so as tuples (a small frozenset
    # takes several times the memory), and each distinct one once per state:
    # a body's meetings mostly share their voters.
    pool: dict[tuple[int, ...], tuple[int, ...]] = lens.facts.remember(
        ("r2_groups",), dict
    )
    with_it, without = (pool.setdefault(t, t) for t in (le, others))
    return len(present), declared, len(le) <= 1, with_it, without


@per_scope
def r3(lens: Lens, th: Thresholds) -> Figure:
    """Voting-rights parity: how often lived experience holds a vote, vs others."""
    at = moment(lens)
    seats = [s for b in lens.bodies() for s in seats_at(b, at)]
    le = [s for s in seats if lens.le(s.member, at)]
    others = [s for s in seats if not lens.le(s.member, at)]
    le_voting = share(sum(s.seat == "voting" for s in le), len(le))
    other_voting = share(sum(s.seat == "voting" for s in others), len(others))
    coverage = lens.coverage((s.member, at) for s in seats)
    # And the people behind them: one member's seats on five bodies are one.
    people = (len({s.member for s in le}), len({s.member for s in others}))
    groups = (len(le), len(others), *people)
    if le_voting is None or not other_voting:
        return insufficient(
            "R3",
            "needs seats held by both groups, and a voting seat among the others'",
            len(seats),
            coverage,
            groups=groups,
        )
    value = le_voting / other_voting
    band = "below_parity" if below(value, th.parity) else "parity"
    return Figure("R3", value, len(seats), coverage, band, groups=groups)


def _overlap(a: Spell, since: datetime | None, now: datetime) -> float:
    """Seconds of spell *a* inside [since, now), *now* being no later than until."""
    start = max(a.start, since) if since else a.start
    end = now if a.end is None else min(a.end, now)
    return max(0.0, (end - start).total_seconds())


def r4(lens: Lens, th: Thresholds) -> Figure:
    """Lived-experience share of officer roles, weighted by time held in the period."""
    del th
    total = le_time = declared = 0.0
    acts = []
    # Open offices run to now, but not past the record: a period that ends
    # later has not yet seen who will hold them.
    now = lens.recorded_now
    for body in lens.bodies():
        for seat in body.seats:
            if seat.office not in OFFICES:
                continue
            held = _overlap(seat.spell, lens.since, now)
            if held <= 0:
                continue
            total += held
            acts.append((seat.member, seat.spell.start))
            member = lens.facts.members.get(seat.member)
            if member is not None:
                le_time += _time_within(member.lived_experience, seat.spell, lens, now)
                declared += _time_within(member.declared, seat.spell, lens, now)
    if total == 0:
        return insufficient("R4", "no officer roles were held in the period", people=0)
    value = le_time / total
    band = "none" if value == 0 else "shared" if below(value, LED) else "led"
    # n counts office spells, and one member may hold several (a chair
    # appointed every year): ``people`` counts the holders themselves.
    people = people_in(acts)
    # Weighed by time as the value is: a holder who declared during a spell
    # answered for that part of it, so coverage is never below the value.
    coverage = declared / total
    return Figure("R4", value, len(acts), coverage, band, people=people)


def _time_within(spells: list[Spell], seat: Spell, lens: Lens, now: datetime) -> float:
    """Seconds of *seat* in the period, up to *now*, that one of *spells* covers."""
    found = 0.0
    for spell in spells:
        both = Spell(
            max(spell.start, seat.start),
            0,
            min(spell.end or END_OF_TIME, seat.end or END_OF_TIME),
        )
        if both.end and both.end > both.start:
            found += _overlap(both, lens.since, now)
    return found


def r5(lens: Lens, th: Thresholds) -> Figure:
    """Lived-experience share of voting seats over its share of the membership.

    The membership is every member registered by the seat moment and not erased
    by then: an erasure later on leaves the period's membership as it stood.
    """
    at = moment(lens)
    seats = r1(lens, th)
    population = lens.facts.population()
    members = population.members(at)
    with_it = population.lived_experience(at)
    base = share(with_it, members)
    coverage = share(population.declared(at), members)
    le_seats = 0 if seats.value is None else round(seats.value * seats.n)
    groups = (le_seats, seats.n - le_seats, with_it, members - with_it)
    if seats.value is None:
        return insufficient(
            "R5", "needs voting seats and members with lived experience", groups=groups
        )
    if not base:
        # The seats were weighed against a membership, counted all the same.
        return insufficient(
            "R5",
            "needs voting seats and members with lived experience",
            members,
            coverage,
            groups=groups,
        )
    value = seats.value / base
    band = "under" if below(value, th.parity) else "fair"
    return Figure("R5", value, members, coverage, band, groups=groups)


def tenures_on(body: BodyFacts) -> list[tuple[UUID, Spell]]:
    """(member, spell) of each tenure on *body*: seat spells without a break joined.

    A change of seat or office is recorded as the seat vacated and another
    assigned at the same moment: the member never left, so the tenure runs on.
    """
    joined: dict[UUID, list[Spell]] = {}
    for seat in sorted(body.seats, key=lambda s: s.spell.start):
        spell, mine = seat.spell, joined.setdefault(seat.member, [])
        last = mine[-1] if mine else None
        if last is not None and last.end is not None and last.end == spell.start:
            mine[-1] = Spell(last.start, last.start_pos, spell.end, spell.end_pos)
        else:
            mine.append(spell)
    return [(member, spell) for member, spells in joined.items() for spell in spells]


def r6(lens: Lens, th: Thresholds) -> Figure:
    """Median seat tenure of lived-experience holders over that of others.

    A tenure is classed by its holder's lived experience at its start.
    """
    tenures: dict[bool, list[float]] = {True: [], False: []}
    behind: dict[bool, set[UUID]] = {True: set(), False: set()}
    acts = []
    now = lens.recorded_now  # as R4's: open seats run no further than the record
    for body in lens.bodies():
        for member, spell in tenures_on(body):
            if not spell.overlaps(lens.since, lens.until):
                continue
            days = _overlap(spell, None, now) / 86400
            group = lens.le(member, spell.start)
            tenures[group].append(days)
            behind[group].add(member)
            acts.append((member, spell.start))
    le, others = median(tenures[True]), median(tenures[False])
    # The people behind each group too: one member's five seats are one.
    groups = (
        len(tenures[True]),
        len(tenures[False]),
        len(behind[True]),
        len(behind[False]),
    )
    if le is None or not others:
        return insufficient(
            "R6",
            "needs seat holders in both groups, and the others' median tenure above 0",
            len(acts),
            lens.coverage(acts),
            groups=groups,
        )
    value = le / others
    band = "shorter" if below(value, th.parity) else "comparable"
    return Figure("R6", value, len(acts), lens.coverage(acts), band, groups=groups)


def bloc_weights(lens: Lens, body: BodyFacts, at: datetime) -> dict[str, int]:
    """Voting seats by bloc at *at*: one lived-experience bloc, the rest by role.

    Each holder's lived experience and role are those they had at *at*.
    """
    weights: dict[str, int] = {}
    for seat in seats_at(body, at):
        if seat.seat != "voting":
            continue
        if lens.le(seat.member, at):
            bloc = "lived_experience"
        else:
            member = lens.facts.members.get(seat.member)
            bloc = member.role_at(at) if member else "unknown"
        weights[bloc] = weights.get(bloc, 0) + 1
    return weights


@per_scope
def r7(lens: Lens, th: Thresholds) -> Figure:
    """Banzhaf voting power of the lived-experience bloc, averaged over the bodies.

    Seats, roles and each body's rule are read as they stood at the seat moment.
    """
    del th
    at = moment(lens)
    powers = []
    for body in lens.bodies():
        weights = bloc_weights(lens, body, at)
        total = sum(weights.values())
        if not total:
            continue
        rule = body.rule_at(at)  # the rule in force at the seat moment
        quota = quota_for(rule.kind, rule.threshold, total)
        powers.append(banzhaf(weights, quota).get("lived_experience", 0.0))
    if not powers:
        return insufficient("R7", "no voting seats are held")
    value = sum(powers) / len(powers)
    seat_share = r1(lens, Thresholds()).value or 0.0
    band = (
        "no_power"
        if value == 0
        else "diluted"
        if below(value, seat_share)
        else "proportionate"
    )
    return Figure("R7", value, len(powers), None, band)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every representation figure."""
    return {f.code: f for f in (fn(lens, th) for fn in (r1, r2, r3, r4, r5, r6, r7))}
