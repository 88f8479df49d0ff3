"""An erasure takes a member out of the membership from its time on, not before."""

from __future__ import annotations

from uuid import UUID

import pytest

from coledger import Ledger
from coledger.projections.access import seated_members, x5
from coledger.projections.agenda import a1, le_base, le_base_at
from coledger.projections.ladder import decision_makers
from coledger.projections.lens import Scope
from coledger.projections.representation import r1, r5, r6, r7
from coledger.projections.thresholds import Thresholds
from coledger.projections.voice import participation, v1, v2
from indicator_helpers import day, lens, person, seated_board

TH = Thresholds()


def test_erasing_a_silent_member_later_leaves_v2_of_the_past_alone(
    memory_ledger: Ledger,
) -> None:
    """V2 over a period before an erasure still counts the erased, silent member."""
    ledger = memory_ledger
    a, b, c, d = (person(ledger, name) for name in "abcd")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(1))
    p = ledger.raise_proposal(
        board, proposers=[a], title="T", text="x", occurred_at=day(2)
    )
    for k in range(3):
        ledger.comment(p, author=b, text="hi", occurred_at=day(3 + k))
    before = v2(lens(ledger, until=10), TH)
    # Counts 1, 3, 0, 0: ordered pair sum 2 * (2 + 1 + 1 + 3 + 3) = 20,
    # over 2 * 4 * 4 = 32 -> 0.625.
    assert before.value == pytest.approx(0.625)
    assert before.n == 4
    ledger.erase_member(b, by=a, occurred_at=day(20))  # erased, but acted
    ledger.erase_member(c, by=a, occurred_at=day(21))  # erased, silent
    for period in (lens(ledger, until=10), lens(ledger)):
        after = v2(period, TH)
        assert after.value == pytest.approx(0.625)
        assert after.n == 4
        assert participation(period) == {a: 1, b: 3, c: 0, d: 0}
    # A period after both erasures holds neither of them.
    assert set(participation(lens(ledger, since=21, until=30))) == {a, d}


def test_v2_of_a_body_keeps_a_seat_holder_erased_after_the_period(
    memory_ledger: Ledger,
) -> None:
    """In a body's scope V2 keeps a seat holder erased after the period, not before."""
    ledger = memory_ledger
    ada = person(ledger, "Ada")
    lee = person(ledger, "Lee")
    gil = person(ledger, "Gil")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for m in (lee, gil):
        ledger.assign_seat(board, m, by=ada, occurred_at=day(0))
    ledger.raise_proposal(
        board, proposers=[lee], title="T", text="x", occurred_at=day(1)
    )
    ledger.erase_member(gil, by=ada, occurred_at=day(40))
    on_board = Scope.body(board)
    assert participation(lens(ledger, on_board, until=30)) == {lee: 1, gil: 0}
    assert participation(lens(ledger, on_board, since=40, until=50)) == {lee: 0}


def ada_lee_gil_and_a_board(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID]:
    """Ada and Gil (who declared none), Lee (lived experience), and an empty board."""
    ada = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    gil = person(ledger, "Gil", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    return ada, lee, gil, board


def test_r5_membership_stands_as_it_was_at_the_seat_moment(
    memory_ledger: Ledger,
) -> None:
    """R5's membership at a period's end keeps a member erased after it."""
    ledger = memory_ledger
    ada, lee, gil, board = ada_lee_gil_and_a_board(ledger)
    person(ledger, "Una", none_from=0)
    ledger.assign_seat(board, lee, by=ada, occurred_at=day(0))
    ledger.assign_seat(board, ada, by=ada, occurred_at=day(0))
    before = r5(lens(ledger, until=30), TH)
    # Seats 1/2 LE; members 1/4 LE -> 2.
    assert before.value == pytest.approx(2.0)
    assert before.n == 4
    ledger.erase_member(gil, by=ada, occurred_at=day(60))
    after = r5(lens(ledger, until=30), TH)
    assert after.value == pytest.approx(2.0)
    assert after.n == 4
    assert after.coverage == pytest.approx(0.75)  # Gil's declaration is gone
    assert after.groups == (1, 1, 1, 3)
    # At a moment after the erasure Gil has left: 1/3 LE -> 1.5.
    later = r5(lens(ledger, until=90), TH)
    assert later.value == pytest.approx(1.5)
    assert later.n == 3


def test_a1_parity_base_keeps_members_erased_after_each_raise(
    memory_ledger: Ledger,
) -> None:
    """A1's base at a proposal's raise counts members erased only later."""
    ledger = memory_ledger
    ada, lee, gil, board = ada_lee_gil_and_a_board(ledger)
    ledger.raise_proposal(
        board, proposers=[lee], title="T", text="x", occurred_at=day(5)
    )
    assert le_base_at(le_base(lens(ledger)), day(5)) == pytest.approx(1 / 3)
    before = a1(lens(ledger), TH)
    ledger.erase_member(gil, by=ada, occurred_at=day(20))
    assert le_base_at(le_base(lens(ledger)), day(5)) == pytest.approx(1 / 3)
    assert le_base_at(le_base(lens(ledger)), day(20)) == pytest.approx(1 / 2)
    after = a1(lens(ledger), TH)
    assert (after.value, after.note, after.band) == (
        before.value,
        before.note,
        before.band,
    )
    assert after.note == "parity 3.00"


def test_an_erased_member_counts_as_undeclared_before_the_erasure(
    memory_ledger: Ledger,
) -> None:
    """An erased member's past lived experience is never read: they count undeclared."""
    ledger = memory_ledger
    ada = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    person(ledger, "Sol", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    p = ledger.raise_proposal(
        board, proposers=[ada], title="T", text="x", occurred_at=day(1)
    )
    ledger.comment(p, author=lee, text="hi", occurred_at=day(2))
    ledger.erase_member(lee, by=ada, occurred_at=day(20))
    facts = ledger.facts()
    population = facts.population()
    assert facts.members[lee].erased_at == day(20)
    # On day 10 Lee is a member still, but neither declared nor LE any more.
    assert (population.members(day(10)), population.declared(day(10))) == (3, 2)
    assert population.lived_experience(day(10)) == 1
    assert population.members(day(20)) == 2
    # V1 falls back on the membership at the period's end (day 10): Sol of
    # three is LE; Lee's comment is not LE -> 0 / (1/3).
    figure = v1(lens(ledger, until=10), TH)
    assert figure.groups == (0, 1, 1, 2, 0, 1, 1, 2)


def test_an_erased_members_seat_counts_in_no_figure_after_the_erasure(
    memory_ledger: Ledger,
) -> None:
    """A seat still on record after its holder's erasure is not held in any figure."""
    ledger = memory_ledger
    ada, board, lee, sol, tom = seated_board(ledger, "Tom")
    ledger.erase_member(tom, by=ada, occurred_at=day(5))  # his seat stays on record
    for on, came in ((10, (lee, sol)), (20, (sol,))):
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="M",
            starts_at=day(on),
            by=ada,
            occurred_at=day(1),
        )
        for m in came:
            ledger.record_attendance(meeting, m, by=ada, occurred_at=day(on))
    p = ledger.raise_proposal(
        board, proposers=[sol], title="T", text="x", occurred_at=day(21)
    )
    assert set(ledger.open_voting(p, by=ada, occurred_at=day(22))) == {lee, sol}
    after = lens(ledger, since=6)
    # R1: Lee holds one of the two voting seats anyone can still use -> 0.5.
    r1_after = r1(after, TH)
    assert (r1_after.value, r1_after.n, r1_after.band) == (0.5, 2, "balanced")
    # R7: Lee and Sol (one bloc each) need each other under a majority of 2.
    assert (r7(after, TH).value, r7(after, TH).band) == (0.5, "proportionate")
    # X5: Lee came to 1 of 2 meetings, Sol to 2 of 2 -> 0.5, below parity.
    x5_after = x5(after, TH)
    assert (x5_after.value, x5_after.n, x5_after.band) == (0.5, 4, "below_parity")
    # R6 to day 20: Lee 20 over Sol's 20 and Tom's 5 (his seat ran from day 0
    # to his erasure on day 5), median 12.5.
    assert r6(lens(ledger, until=20), TH).value == pytest.approx(20 / 12.5)
    # Before the erasure his seat counted as any other: 1 of 3.
    assert r1(lens(ledger, until=5), TH).value == pytest.approx(1 / 3)


def test_a_vacancy_dated_before_an_erasure_ends_the_seat_then(
    memory_ledger: Ledger,
) -> None:
    """A seat vacated before its holder's erasure, recorded after it, ends then."""
    ledger = memory_ledger
    ada, board, _, _, tom = seated_board(ledger, "Tom")
    ledger.erase_member(tom, by=ada, occurred_at=day(5))
    person(ledger, "Zed", joined=30)  # the record runs to day 30
    # Tenures to day 30: Lee 30; Sol 30 and Tom 5 (to his erasure) -> 30 / 17.5.
    assert r6(lens(ledger, until=30), TH).value == pytest.approx(30 / 17.5)
    ledger.vacate_seat(board, tom, by=ada, occurred_at=day(3))
    assert r6(lens(ledger, until=30), TH).value == pytest.approx(30 / 16.5)


def test_a_seat_taken_after_an_erasure_dated_earlier_counts_nowhere(
    memory_ledger: Ledger,
) -> None:
    """A seat its holder took only after their erasure's business time is never held."""
    ledger = memory_ledger
    ada, board, _, _ = seated_board(ledger)
    tom = person(ledger, "Tom", none_from=0)
    expected = r6(lens(ledger, until=30), TH)  # Lee 30 over Sol 30, of 2 seats
    ledger.assign_seat(board, tom, by=ada, occurred_at=day(10))
    # The erasure, recorded after the seat, is dated before it was taken.
    ledger.erase_member(tom, by=ada, occurred_at=day(5))
    period = lens(ledger, until=30)
    assert r6(period, TH) == expected
    assert tom not in seated_members(period)
    assert tom not in decision_makers(period, [])
