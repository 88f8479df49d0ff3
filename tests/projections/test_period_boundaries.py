"""A period's bounds: acts at a boundary count once, and offsets do not matter."""

from __future__ import annotations

from datetime import timedelta, timezone
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.projections.materialise import comparable
from history_builder import WideBuilder
from indicator_helpers import day, person, seated_board

COUNTED_BY_TIME = ("A1", "V1", "D1", "D2", "D5", "V6", "P3")
"""Figures whose n counts acts each placed in the period by its own time alone.

Not D3, D6 or X2, which also read what became of an act by the period's end.
"""


def wide(ledger: Ledger, data: st.DataObject) -> WideBuilder:
    """A history of every kind of step, some of it back-dated within a day."""
    builder = WideBuilder(ledger)
    builder._data = data
    for _ in range(data.draw(st.integers(min_value=5, max_value=30))):
        builder.step(data)
        builder.same_day = builder.same_day or data.draw(st.booleans())
    return builder


def scopes(ledger: Ledger) -> list[tuple[UUID | None, UUID | None]]:
    """(body, project) for a report on the ledger, each body and each project."""
    return [
        (None, None),
        *((b.id, None) for b in ledger.bodies()),
        *((None, p.id) for p in ledger.projects()),
    ]


@given(data=st.data())
def test_an_act_at_a_boundary_counts_in_one_period_only(data: st.DataObject) -> None:
    """Split at a recorded time, two periods count the acts of the whole, once each."""
    with Ledger.open("memory://") as ledger:
        wide(ledger, data)
        times = sorted({r.event.occurred_at for r in ledger.history()})
        cut = data.draw(st.sampled_from(times))
        start, end = times[0] - timedelta(hours=1), times[-1] + timedelta(days=1)
        for body, project in scopes(ledger):
            whole, before, after = (
                ledger.power_sharing(body=body, project=project, since=s, until=u)
                for s, u in ((start, end), (start, cut), (cut, end))
            )
            for code in COUNTED_BY_TIME:
                split = before.indicators[code].n + after.indicators[code].n
                assert whole.indicators[code].n == split, (code, body, project)


@given(data=st.data())
def test_a_period_given_in_other_offsets_gives_the_same_figures(
    data: st.DataObject,
) -> None:
    """The same instants written with other UTC offsets give the same report."""
    with Ledger.open("memory://") as ledger:
        wide(ledger, data)
        times = [r.event.occurred_at for r in ledger.history()]
        minutes = st.integers(min_value=-600, max_value=600)
        since = data.draw(st.sampled_from(times)) + timedelta(
            minutes=data.draw(minutes)
        )
        until = since + timedelta(hours=data.draw(st.integers(1, 240)))
        offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
            lambda m: timezone(timedelta(minutes=m))
        )
        local_since = since.astimezone(data.draw(offsets))
        local_until = until.astimezone(data.draw(offsets))
        for body, project in scopes(ledger):
            utc = comparable(
                ledger.power_sharing(
                    body=body, project=project, since=since, until=until
                )
            )
            local = comparable(
                ledger.power_sharing(
                    body=body, project=project, since=local_since, until=local_until
                )
            )
            del utc["period"], local["period"]  # written as given
            assert utc == local, (body, project)


@given(data=st.data())
def test_as_of_the_last_position_is_the_report_now(data: st.DataObject) -> None:
    """A report as of the record's last position, in any period, is the one now."""
    with Ledger.open("memory://") as ledger:
        wide(ledger, data)
        times = sorted(r.event.occurred_at for r in ledger.history())
        since = data.draw(st.sampled_from([None, times[len(times) // 2]]))
        until = data.draw(st.sampled_from([None, times[-1] + timedelta(days=2)]))
        for body, project in scopes(ledger):
            now = ledger.power_sharing(
                body=body, project=project, since=since, until=until
            )
            then = ledger.power_sharing(
                body=body,
                project=project,
                since=since,
                until=until,
                as_of=ledger.position,
            )
            assert comparable(now) == comparable(then), (body, project)


def test_a_seat_held_for_an_instant_belongs_to_the_period_it_falls_in() -> None:
    """A seat assigned and vacated at a cut counts after it, as an act there does."""
    with Ledger.open("memory://") as ledger:
        ada, board, *_ = seated_board(ledger)
        kim = person(ledger, "Kim", le_from=0)
        ledger.assign_seat(board, kim, by=ada, occurred_at=day(5))
        ledger.vacate_seat(board, kim, by=ada, occurred_at=day(5))
        whole, before, after = (
            ledger.power_sharing(since=day(s), until=day(u)).indicators["R6"].n
            for s, u in ((0, 10), (0, 5), (5, 10))
        )
        assert (whole, before, after) == (3, 2, 3)


def test_an_adoption_overturned_later_keeps_its_actions_in_the_period_before() -> None:
    """D6 counts an action done while adopted in the period before an override."""
    with Ledger.open("memory://") as ledger:
        ada, board, lee, sol = seated_board(ledger)
        proposal = ledger.raise_proposal(
            board, proposers=[lee], title="Rota", text="A rota.", occurred_at=day(1)
        )
        ledger.open_voting(proposal, by=ada, occurred_at=day(2))
        for voter in (lee, sol):
            ledger.cast_ballot(proposal, voter=voter, choice="for", occurred_at=day(2))
        ledger.close_voting(proposal, by=ada, occurred_at=day(3))
        action = ledger.assign_action(
            proposal, description="Draw it", owners=[lee], by=ada, occurred_at=day(3)
        )
        ledger.complete_action(proposal, action, by=ada, occurred_at=day(4))
        ledger.decide(
            proposal, outcome="rejected", method="chair", by=ada, occurred_at=day(6)
        )
        whole, before, after = (
            ledger.power_sharing(since=day(s), until=day(u)).indicators["D6"].n
            for s, u in ((0, 10), (0, 5), (5, 10))
        )
        assert (whole, before, after) == (0, 1, 0)


def test_a_member_erased_as_a_period_starts_is_not_in_its_v2() -> None:
    """V2 leaves out a member erased at the period's start, and counts them before."""
    with Ledger.open("memory://") as ledger:
        ada, *_ = seated_board(ledger)
        kim = person(ledger, "Kim", none_from=0)
        ledger.erase_member(kim, by=ada, occurred_at=day(5))
        before, after = (
            ledger.power_sharing(since=day(s), until=day(u)).indicators["V2"].n
            for s, u in ((0, 5), (5, 10))
        )
        assert (before, after) == (4, 3)


def test_a_member_erased_at_an_instant_is_no_member_from_it() -> None:
    """Membership holds up to an erasure's instant, and not at it."""
    with Ledger.open("memory://") as ledger:
        ada = person(ledger, "Ada", none_from=0)
        sam = person(ledger, "Sam", joined=1)
        ledger.erase_member(sam, by=ada, occurred_at=day(8))
        member = ledger.facts().members[sam]
        tick = timedelta(microseconds=1)
        times = (day(1) - tick, day(1), day(8) - tick, day(8))
        assert [member.member_at(at) for at in times] == [False, True, True, False]
