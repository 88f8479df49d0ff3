"""W: reciprocity and wellbeing, as far as the record holds it.

Only W2 can be worked out: the record holds that a wellbeing check-in was
held at a meeting (never what was said). W1 (payments and expenses) and W3
(learning and development) are not recorded.

The research counts the meetings "of the forums that opt in". Nothing in the
record says a forum opted in, so a forum (a body) counts as having taken
check-ins up from the first of all its meetings at which one was held,
whatever the scope and period: its meetings before that are left out, and so
is a forum that never held one. A project's meetings of a forum that holds
check-ins therefore count from the forum's first, wherever it was held.
A meeting that has not started by now (the period's end, else the end of the
latest recorded day) is left out too: no check-in can have been held at it.
Nor has one that starts after the latest recorded day, though the period
ends later: a meeting still to come is not a missed check-in.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from coledger.projections.facts import Facts, MeetingFacts
from coledger.projections.lens import Figure, Lens, insufficient
from coledger.projections.thresholds import Thresholds


def first_check_ins(facts: Facts, now: datetime) -> dict[UUID, datetime]:
    """When each forum first held a check-in, at any of its meetings started by *now*.

    Worked out once per state of the facts and *now*, for every scope; the
    answer is shared, so it must not be changed.
    """
    return facts.remember(
        ("wellbeing", "first check-ins", now), lambda: _first_check_ins(facts, now)
    )


def _first_check_ins(facts: Facts, now: datetime) -> dict[UUID, datetime]:
    first: dict[UUID, datetime] = {}
    for m in facts.meetings.values():
        if m.check_ins and m.starts_at < now and m.cancelled_at is None:
            known = first.get(m.body)
            if known is None or m.starts_at < known:
                first[m.body] = m.starts_at
    return first


def held_by(lens: Lens) -> datetime:
    """Until when meetings can have been held: now, and no later than the record."""
    return lens.recorded_now


def opted_in(lens: Lens) -> list[MeetingFacts]:
    """Meetings in scope held in the period and by now, from their forum's first one."""
    now = held_by(lens)
    first = first_check_ins(lens.facts, now)
    return [
        m
        for m in lens.meetings()
        if m.body in first and first[m.body] <= m.starts_at < now
    ]


def w2(lens: Lens, th: Thresholds) -> Figure:
    """Share of meetings with a wellbeing check-in, of forums that hold them."""
    del th
    meetings = opted_in(lens)
    if not meetings:
        return insufficient(
            "W2",
            "no meeting in scope was held in the period by a forum that holds "
            "wellbeing check-ins, since its first",
        )
    held = sum(m.check_ins > 0 for m in meetings)
    value = held / len(meetings)
    band = "every_meeting" if value == 1 else "none" if value == 0 else "some_meetings"
    forums = len({m.body for m in meetings})
    who = "1 forum that holds" if forums == 1 else f"{forums} forums that hold"
    note = f"{held} of {len(meetings)} meetings held by {who} check-ins"
    return Figure("W2", value, len(meetings), None, band, note)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every reciprocity and wellbeing figure the record supports."""
    return {"W2": w2(lens, th)}
