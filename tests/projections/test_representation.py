"""Representation (R) figures on small hand-built histories, worked out by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coledger import Ledger
from coledger.projections.lens import Scope
from coledger.projections.representation import r1, r2, r3, r4, r5, r6, r7
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, lens, person, seated_board

TH = Thresholds()


def test_r5_membership_is_taken_at_the_seat_moment(memory_ledger: Ledger) -> None:
    """R5's base counts only the members registered by the seat moment."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bob = person(ledger, "Bob", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(1))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(1))
    person(ledger, "Cy", none_from=20, joined=20)
    person(ledger, "Di", joined=20)

    # A period ending on day 10: R1 = 1/2 (Ann of Ann and Bob). The membership
    # then is Ann and Bob (Cy and Di joined on day 20): LE share 1/2, so
    # R5 = (1/2) / (1/2) = 1.0, resting on 2 members who both had declared.
    then = r5(lens(ledger, until=10), TH)
    assert then.value == pytest.approx(1.0)
    assert (then.n, then.coverage, then.band) == (2, 1.0, "fair")
    # Its groups: voting seats with and without, then members with and without.
    assert then.groups == (1, 1, 1, 1)
    # A value exactly at the parity cut is fair, not under.
    assert r5(lens(ledger, until=10), Thresholds(parity=1.0)).band == "fair"

    # All time: 4 members, 1 with LE -> share 1/4; R5 = (1/2) / (1/4) = 2.0.
    # Declared: Ann, Bob and Cy (Di never answered) -> coverage 3/4.
    now = r5(lens(ledger), TH)
    assert now.value == pytest.approx(2.0)
    assert (now.n, now.coverage) == (4, 0.75)
    assert now.groups == (1, 1, 1, 3)


def test_r5_without_lived_experience_still_gives_n_and_coverage(
    memory_ledger: Ledger,
) -> None:
    """An insufficient R5 reports the membership it counted and its coverage."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", none_from=0)
    bob = person(ledger, "Bob", none_from=0)
    person(ledger, "Cy")  # never answers
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(1))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(1))

    # Nobody has lived experience, so there is no share to compare R1 with;
    # the base was still counted: 3 members, 2 of whom declared.
    figure = r5(lens(ledger), TH)
    assert (figure.value, figure.band) == (None, None)
    assert figure.n == 3
    assert figure.coverage == pytest.approx(2 / 3)
    assert figure.groups == (0, 2, 0, 3)
    # With no member at all by the seat moment there is nothing to count.
    empty = r5(lens(ledger, until=-1), TH)
    assert (empty.n, empty.coverage) == (0, None)


def test_r6_without_both_groups_still_gives_n_and_coverage(
    memory_ledger: Ledger,
) -> None:
    """An insufficient R6 reports the seat spells it counted and their coverage."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bea = person(ledger, "Bea", le_from=0)
    cy = person(ledger, "Cy")  # never answers, so counts as without LE
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (ann, bea, cy):
        ledger.assign_seat(board, member, by=ann, occurred_at=day(1))
    ledger.vacate_seat(board, cy, by=ann, occurred_at=day(1))

    figure = r6(lens(ledger), TH)
    # Cy's spell lasted no time, so the others' median tenure is 0: no ratio.
    # Three spells were counted; Ann and Bea had declared at their start: 2/3.
    assert figure.value is None
    assert figure.n == 3
    assert figure.coverage == pytest.approx(2 / 3)
    # The spells with and without lived experience, then the members behind them.
    assert figure.groups == (2, 1, 2, 1)
    # Both groups held seats, so the note names what was missing: time.
    assert figure.note == (
        "insufficient evidence: needs seat holders in both groups, "
        "and the others' median tenure above 0"
    )


def test_r1_leaves_out_a_seat_taken_at_the_period_end(memory_ledger: Ledger) -> None:
    """The seat moment is just before until, so a seat taken at until is not held."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bob = person(ledger, "Bob", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(1))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(10))
    # Until day 10: Bob's seat (taken on day 10) is not yet held -> Ann alone, 1/1.
    then = r1(lens(ledger, until=10), TH)
    assert (then.value, then.n, then.band) == (1, 1, "le_majority")
    # A seat taken a microsecond before the end is held at the seat moment.
    cy = person(ledger, "Cy", none_from=0)
    ledger.assign_seat(
        board, cy, by=ann, occurred_at=day(5) - timedelta(microseconds=1)
    )
    assert r1(lens(ledger, until=5), TH).n == 2


def test_r2_counts_decision_meetings_with_at_most_one_le_voter(
    memory_ledger: Ledger,
) -> None:
    """R2 is the share of attended decision meetings with at most one LE voter."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bea = person(ledger, "Bea", le_from=0)
    cy = person(ledger, "Cy")  # never answers
    dot = person(ledger, "Dot", le_from=0)  # LE, but holds no voting seat
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (ann, bea, cy):
        ledger.assign_seat(board, member, by=ann, occurred_at=day(0))
    ledger.assign_seat(board, dot, seat="observer", by=ann, occurred_at=day(0))
    attended = {
        ("decision_meeting", 10): (ann, bea, cy),  # two LE voters: not lone
        ("decision_meeting", 20): (ann, cy, dot),  # one LE voter (Dot has no vote)
        ("decision_meeting", 30): (cy,),  # none
        ("decision_meeting", 40): (),  # no attendance recorded: not counted
        ("workshop", 25): (cy,),  # not a decision meeting: not counted
    }
    for (kind, at), present in attended.items():
        meeting = ledger.schedule_meeting(
            board, kind=kind, title="M", starts_at=day(at), by=ann
        )
        for member in present:
            ledger.record_attendance(meeting, member, by=ann, occurred_at=day(at))
    # A working group's decision meeting, with Ann and Bea on its voting seats:
    # the ledger scope reads the governance bodies' meetings only.
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    for member in (ann, bea):
        ledger.assign_seat(group, member, by=ann, occurred_at=day(0))
    outside = ledger.schedule_meeting(
        group, kind="decision_meeting", title="G", starts_at=day(35), by=ann
    )
    ledger.record_attendance(outside, ann, by=ann, occurred_at=day(35))
    assert r2(lens(ledger, Scope.body(group)), TH).n == 1  # counted in its own
    figure = r2(lens(ledger), TH)
    # Counted: days 10, 20, 30; lone on days 20 and 30 -> 2/3.
    assert figure.value == pytest.approx(2 / 3)
    assert (figure.n, figure.band) == (3, "lone_representative")
    # Voters present: Ann, Bea, Cy; Ann, Cy; Cy -> 3 declared of 6.
    assert figure.coverage == pytest.approx(0.5)
    # Until day 15 only the day-10 meeting counts, with two LE voters -> 0.
    early = r2(lens(ledger, until=15), TH)
    assert (early.value, early.n, early.band) == (0, 1, "pairs_or_more")


def test_r2_in_a_project_counts_its_own_decision_meetings(
    memory_ledger: Ledger,
) -> None:
    """A project's R2 reads its decision meetings on the seats of their own bodies."""
    ledger = memory_ledger
    chair = person(ledger, "Chair", none_from=0)
    sam = person(ledger, "Sam", le_from=0)
    kim = person(ledger, "Kim", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (chair, sam, kim):
        ledger.assign_seat(board, member, by=chair, occurred_at=day(0))
    pool = ledger.start_project(
        "Pool", label="co_production", by=chair, occurred_at=day(0)
    )
    held = ledger.schedule_meeting(
        board,
        kind="decision_meeting",
        title="M",
        starts_at=day(10),
        project=pool,
        by=chair,
    )
    for member in (chair, sam, kim):
        ledger.record_attendance(held, member, by=chair, occurred_at=day(10))
    # The project's only proposal goes to another body, not the board.
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    ledger.raise_proposal(
        group, proposers=[chair], title="T", text="x", project=pool, occurred_at=day(11)
    )
    figure = r2(lens(ledger, Scope.project(pool)), TH)
    # One decision meeting; Sam is its only LE voter present: lone, 1/1.
    assert (figure.value, figure.n, figure.band) == (1, 1, "lone_representative")
    assert figure.coverage == 1


def test_r3_compares_the_voting_share_of_le_seats_with_the_others(
    memory_ledger: Ledger,
) -> None:
    """R3 divides the voting share of LE-held seats by that of the other seats."""
    ledger = memory_ledger
    ann, bea = (person(ledger, name, le_from=0) for name in ("Ann", "Bea"))
    gus = person(ledger, "Gus", le_from=0)
    cy, dot, eve, fay = (
        person(ledger, name, none_from=0) for name in ("Cy", "Dot", "Eve", "Fay")
    )
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member, seat in (
        (ann, "voting"),
        (bea, "advisory"),
        (gus, "ex_officio"),
        (cy, "voting"),
        (dot, "observer"),
        (eve, "voting"),
        (fay, "voting"),
    ):
        ledger.assign_seat(board, member, seat=seat, by=ann, occurred_at=day(0))
    figure = r3(lens(ledger), TH)
    # LE: 1 of 3 seats votes (an ex officio seat has no vote: 1/3); others: 3
    # of 4 (0.75) -> (1/3) / (3/4) = 4/9.
    assert figure.value == pytest.approx(4 / 9)
    assert (figure.n, figure.coverage, figure.band) == (7, 1.0, "below_parity")
    # The seats with and without lived experience, then their holders.
    assert figure.groups == (3, 4, 3, 4)
    # At a parity cut of exactly 4/9 the value reaches it: "parity".
    assert r3(lens(ledger), Thresholds(parity=4 / 9)).band == "parity"


def test_r3_without_a_voting_seat_among_the_others_says_so(
    memory_ledger: Ledger,
) -> None:
    """An R3 whose others hold seats but no vote names that, not a missing group."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    cy, dot = (person(ledger, name, none_from=0) for name in ("Cy", "Dot"))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(0))
    for member in (cy, dot):
        ledger.assign_seat(board, member, seat="advisory", by=ann, occurred_at=day(0))
    # Ann's one seat votes (1/1); Cy's and Dot's do not (0/2): no ratio,
    # though both groups hold seats, over 3 seats all of whose holders declared.
    figure = r3(lens(ledger), TH)
    assert (figure.value, figure.n, figure.coverage) == (None, 3, 1.0)
    assert figure.groups == (1, 2, 1, 2)
    assert figure.note == (
        "insufficient evidence: needs seats held by both groups, "
        "and a voting seat among the others'"
    )


def test_r4_weighs_offices_by_the_time_held_with_lived_experience(
    memory_ledger: Ledger,
) -> None:
    """R4 is the LE share of the time offices were held inside the period."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    cy = person(ledger, "Cy", none_from=0)
    dot = person(ledger, "Dot")  # declares LE on day 70, while secretary
    val = person(ledger, "Val", le_from=0)  # LE, but holds no office
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, val, by=cy, occurred_at=day(0))
    ledger.assign_seat(board, ann, office="chair", by=cy, occurred_at=day(0))
    ledger.vacate_seat(board, ann, by=cy, occurred_at=day(40))
    ledger.assign_seat(board, cy, office="chair", by=cy, occurred_at=day(40))
    ledger.assign_seat(board, dot, office="secretary", by=cy, occurred_at=day(50))
    ledger.vacate_seat(board, dot, by=cy, occurred_at=day(90))
    ledger.declare_lived_experience(dot, categories=["DIS"], occurred_at=day(70))
    person(ledger, "Zed", joined=100)  # the record runs to the period's end
    # Days 0-100: Ann chairs 0-40 (LE 40), Cy 40-100 (60, none), Dot is
    # secretary 50-90 (40, LE from 70: 20) -> LE 60 of 140 days = 3/7.
    whole = r4(lens(ledger, since=0, until=100), TH)
    assert whole.value == 60 / 140
    assert (whole.n, whole.band) == (3, "shared")
    # Declared office time: Ann's 40, Cy's 60 and Dot's 20 of 140 -> 6/7.
    assert whole.coverage == pytest.approx(6 / 7)
    # Days 20-80: Ann 20 (LE), Cy 40, Dot 30 (LE 70-80: 10) -> 30 of 90 = 1/3.
    middle = r4(lens(ledger, since=20, until=80), TH)
    assert middle.value == 30 / 90
    # Days 10-60: Ann 30 (LE), Cy 20, Dot 10 (not yet LE) -> 30 of 60 = 0.5,
    # which is "led" (from 0.5).
    half = r4(lens(ledger, since=10, until=60), TH)
    assert (half.value, half.band) == (0.5, "led")
    # Days 0-40: Ann alone -> 1, "led"; days 40-50: Cy alone -> 0, "none".
    # Ann's office ended at the period's start and Dot's began at its end:
    # they held no time in it, so only Cy's spell counts.
    assert r4(lens(ledger, since=0, until=40), TH).band == "led"
    alone = r4(lens(ledger, since=40, until=50), TH)
    assert (alone.value, alone.n, alone.band) == (0, 1, "none")


def test_r4_counts_an_office_held_for_a_second(memory_ledger: Ledger) -> None:
    """However briefly an office was held in the period, it counts."""
    ledger = memory_ledger
    bea = person(ledger, "Bea", le_from=0)
    panel = ledger.establish_body("Panel", kind="governance", occurred_at=day(0))
    ledger.assign_seat(panel, bea, office="secretary", by=bea, occurred_at=day(10))
    left = day(10) + timedelta(seconds=1)
    ledger.vacate_seat(panel, bea, by=bea, occurred_at=left)
    # Bea was secretary for one second, all of it with LE -> 1/1, "led".
    figure = r4(lens(ledger, since=0, until=60), TH)
    assert (figure.value, figure.n, figure.band) == (1, 1, "led")


def four_seat_spells(ledger: Ledger) -> Ledger:
    """Board seats of Ann (days 0-40), Bea (10-30), both LE, Cy (0-) and Eve (20-60).

    The record runs to day 100, which Cy's open seat runs to.
    """
    ann, bea = (person(ledger, name, le_from=0) for name in ("Ann", "Bea"))
    cy, eve = (person(ledger, name, none_from=0) for name in ("Cy", "Eve"))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member, start, end in (
        (ann, 0, 40),
        (bea, 10, 30),
        (cy, 0, None),
        (eve, 20, 60),
    ):
        ledger.assign_seat(board, member, by=cy, occurred_at=day(start))
        if end is not None:
            ledger.vacate_seat(board, member, by=cy, occurred_at=day(end))
    person(ledger, "Zed", joined=100)
    return ledger


def test_r6_divides_the_median_tenures(memory_ledger: Ledger) -> None:
    """R6 is the median LE seat tenure over the others', each run to its end."""
    ledger = four_seat_spells(memory_ledger)
    figure = r6(lens(ledger, until=100), TH)
    # LE spells 40 and 20 days (median 30); others: Cy 0-100 (run to the end
    # of the period) and Eve 40 (median 70) -> 30 / 70 = 3/7, "shorter".
    assert figure.value == pytest.approx(3 / 7)
    assert (figure.n, figure.coverage, figure.band) == (4, 1.0, "shorter")
    assert figure.groups == (2, 2, 2, 2)
    # With a cut of 0.4, or exactly 3/7, the value is not below it: "comparable".
    assert r6(lens(ledger, until=100), Thresholds(parity=0.4)).band == "comparable"
    assert r6(lens(ledger, until=100), Thresholds(parity=3 / 7)).band == "comparable"


def test_r7_averages_the_bloc_power_over_the_bodies(memory_ledger: Ledger) -> None:
    """R7 is the mean Banzhaf power of the LE bloc, banded against R1."""
    ledger = memory_ledger
    ann, bea = (person(ledger, name, le_from=0) for name in ("Ann", "Bea"))
    cy, eve = (person(ledger, name, none_from=0) for name in ("Cy", "Eve"))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    trust = ledger.establish_body("Trust", kind="governance", occurred_at=day(0))
    for body, members in ((board, (ann, cy, eve)), (trust, (ann, bea, cy))):
        for member in members:
            ledger.assign_seat(body, member, by=cy, occurred_at=day(0))
    figure = r7(lens(ledger), TH)
    # Board: LE bloc 1 seat, members' bloc 2, majority quota 2: the members win
    # alone and LE never swings -> 0. Trust: LE 2, members 1, quota 2: LE wins
    # alone and the members never swing -> 1. Mean (0 + 1) / 2 = 0.5.
    assert figure.value == pytest.approx(0.5)
    assert (figure.n, figure.coverage) == (2, None)
    # R1 pools the six voting seats, 3 LE -> 0.5; 0.5 is not below it.
    assert r1(lens(ledger), TH).value == pytest.approx(0.5)
    assert figure.band == "proportionate"
    # From day 10 a Panel of Cy and Eve has no LE bloc: its LE power is 0.
    # Mean (0 + 1 + 0) / 3 = 1/3, below R1's 3 of 8 seats -> "diluted".
    panel = ledger.establish_body("Panel", kind="governance", occurred_at=day(0))
    for member in (cy, eve):
        ledger.assign_seat(panel, member, by=cy, occurred_at=day(10))
    later = r7(lens(ledger), TH)
    assert later.value == pytest.approx(1 / 3)
    assert (later.n, later.band) == (3, "diluted")


def test_r7_equal_to_the_seat_share_within_rounding_is_proportionate(
    memory_ledger: Ledger,
) -> None:
    """An R7 equal to R1 but a hair under it in floating point is not "diluted"."""
    ledger = memory_ledger
    le = [person(ledger, f"Le{i}", le_from=0) for i in range(5)]
    staff = [person(ledger, f"Staff{i}", none_from=0) for i in range(4)]
    trainers = []
    for i in range(3):
        trainer = ledger.register_member(f"Trainer{i}", role="trainer")
        ledger.declare_lived_experience(trainer, categories=["NONE"])
        trainers.append(trainer)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    trust = ledger.establish_body("Trust", kind="governance", occurred_at=day(0))
    seats = ((board, [le[0], staff[0]]), (trust, [*le[1:], *staff[1:], *trainers]))
    for body, members in seats:
        for member in members:
            ledger.assign_seat(body, member, by=staff[0], occurred_at=day(1))
    # Board: LE 1 and staff 1 under a majority quota of 2 -> LE power 1/2.
    # Trust: LE 4, staff 3, trainers 3, quota 6 -> LE swings in 4 of 12 -> 1/3.
    # Mean 5/12, exactly R1's 5 LE seats of 12; in floating point the mean
    # comes out at 0.41666666666666663 and R1 at 0.4166666666666667.
    figure, seats_share = r7(lens(ledger), TH), r1(lens(ledger), TH)
    assert figure.value == pytest.approx(5 / 12)
    assert seats_share.value == pytest.approx(5 / 12)
    assert figure.value != seats_share.value  # the rounding this test is about
    assert figure.band == "proportionate"


def test_r1_counts_voting_seats_only_and_half_is_balanced(
    memory_ledger: Ledger,
) -> None:
    """R1 reads voting seats alone; exactly half of them is balanced, not a majority."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bob = person(ledger, "Bob", none_from=0)
    cy = person(ledger, "Cy", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, ann, by=ann, occurred_at=day(1))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(1))
    ledger.assign_seat(board, cy, seat="advisory", by=ann, occurred_at=day(1))
    figure = r1(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0.5, 2, "balanced")


def test_r6_counts_the_spells_in_the_period_each_over_its_whole_length(
    memory_ledger: Ledger,
) -> None:
    """R6 for a period: spells overlapping it, each measured from the seat's start."""
    ledger = four_seat_spells(memory_ledger)
    figure = r6(lens(ledger, since=30, until=100), TH)
    # Bea left as the period began: out. Ann 40 days (from day 0, not from the
    # period's start) over the median of Cy's 100 and Eve's 40, 70: 4/7.
    assert figure.value == pytest.approx(4 / 7)
    assert (figure.n, figure.groups) == (3, (1, 2, 1, 2))


def test_r6_classes_a_spell_by_lived_experience_at_its_start(
    memory_ledger: Ledger,
) -> None:
    """R6 classes a spell by its holder's lived experience when the seat was taken."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    cy = person(ledger, "Cy", none_from=0)
    dan = person(ledger, "Dan")  # undeclared until day 50
    eve = person(ledger, "Eve")  # undeclared until day 10, half way through her seat
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (ann, cy, dan, eve):
        ledger.assign_seat(board, member, by=cy, occurred_at=day(0))
    ledger.vacate_seat(board, ann, by=cy, occurred_at=day(40))
    ledger.vacate_seat(board, dan, by=cy, occurred_at=day(20))
    ledger.declare_lived_experience(eve, categories=["DIS"], occurred_at=day(10))
    ledger.vacate_seat(board, eve, by=cy, occurred_at=day(30))
    ledger.declare_lived_experience(dan, categories=["DIS"], occurred_at=day(50))
    figure = r6(lens(ledger, until=100), TH)
    # Dan declared after his seat and Eve during hers: their 20 and 30 days
    # count with the others' (Cy 100), median 30; Ann's 40 -> 40/30.
    assert figure.value == pytest.approx(40 / 30)
    assert figure.groups == (1, 3, 1, 3)


def test_r1_in_the_ledger_scope_pools_the_governance_bodies_only(
    memory_ledger: Ledger,
) -> None:
    """R1 over the ledger reads the governance bodies' seats, not a panel's."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bob = person(ledger, "Bob", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    panel = ledger.establish_body("Panel", kind="advisory", occurred_at=day(0))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(1))
    ledger.assign_seat(panel, ann, by=ann, occurred_at=day(1))
    figure = r1(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0.0, 1, "token")


def test_a_proposal_raised_after_the_period_brings_no_body_into_its_project(
    memory_ledger: Ledger,
) -> None:
    """A proposal raised after a period's end adds no body to its project then."""
    ledger = memory_ledger
    ada, board, lee, sol = seated_board(ledger)
    project = ledger.start_project("Park", label="other", by=ada, occurred_at=day(0))
    ledger.raise_proposal(
        board,
        proposers=[sol],
        title="Benches",
        text="More.",
        project=project,
        occurred_at=day(5),
    )
    panel = ledger.establish_body("Panel", kind="advisory", occurred_at=day(0))
    ledger.assign_seat(panel, lee, seat="observer", by=ada, occurred_at=day(0))
    ledger.assign_seat(panel, ada, by=ada, occurred_at=day(0))
    figures = (r1, r3, r4, r6, r7)
    before = [f(lens(ledger, Scope.project(project), until=30), TH) for f in figures]
    # On day 50 a proposal of the project goes to the panel.
    ledger.raise_proposal(
        panel,
        proposers=[sol],
        title="Paths",
        text="More.",
        project=project,
        occurred_at=day(50),
    )
    period = lens(ledger, Scope.project(project), until=30)
    assert [f(period, TH) for f in figures] == before
    assert [b.id for b in period.bodies()] == [board]
    # Without a period end, the panel is one of the project's bodies.
    assert len(lens(ledger, Scope.project(project)).bodies()) == 2


def test_a_governance_body_established_after_the_period_leaves_its_bodies_alone(
    memory_ledger: Ledger,
) -> None:
    """The ledger's bodies for a period are those established by its end."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bob = person(ledger, "Bob", none_from=0)
    panel = ledger.establish_body("Panel", kind="advisory", occurred_at=day(0))
    ledger.assign_seat(panel, ann, by=ann, occurred_at=day(1))
    ledger.assign_seat(panel, bob, by=ann, occurred_at=day(1))
    before = r1(lens(ledger, until=30), TH)
    assert (before.value, before.n) == (0.5, 2)  # no governance body: the panel
    # On day 50 a board is set up and Bob takes a seat on it.
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(50))
    ledger.assign_seat(board, bob, by=ann, occurred_at=day(50))
    assert r1(lens(ledger, until=30), TH) == before
    assert [b.id for b in lens(ledger, until=30).bodies()] == [panel]
    # From then on the board is the ledger's governance: Bob alone.
    assert r1(lens(ledger), TH).value == 0.0


def test_r5_at_the_parity_cut_by_rounding_alone_is_fair(memory_ledger: Ledger) -> None:
    """R5 of (2/3) / (5/6), 0.7999999999999999 in floating point, is fair at 0.8."""
    ledger = memory_ledger
    le = [person(ledger, name, le_from=0) for name in ("A", "B", "C", "D", "E")]
    other = person(ledger, "F", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (le[0], le[1], other):
        ledger.assign_seat(board, member, by=other, occurred_at=day(1))
    # Voting seats: 2 of 3 with lived experience; members: 5 of 6 -> exactly 4/5.
    figure = r5(lens(ledger), Thresholds(parity=0.8))
    assert figure.value is not None
    assert figure.value < 0.8  # the rounding this test is about
    assert figure.value == pytest.approx(4 / 5)
    assert (figure.n, figure.coverage, figure.band) == (6, 1.0, "fair")
    assert figure.groups == (2, 1, 5, 1)


def test_r3_and_r6_count_the_members_behind_their_seats(memory_ledger: Ledger) -> None:
    """One member's seats on three bodies are three seats but one person."""
    ledger = memory_ledger
    ann = person(ledger, "Ann", le_from=0)
    bea = person(ledger, "Bea", none_from=0)
    boards = [
        ledger.establish_body(f"Board {i}", kind="governance", occurred_at=day(0))
        for i in range(3)
    ]
    for board in boards:
        ledger.assign_seat(board, ann, by=bea, occurred_at=day(1))
    ledger.assign_seat(boards[0], bea, by=bea, occurred_at=day(1))
    seen = lens(ledger, until=100)
    assert r3(seen, TH).groups == (3, 1, 1, 1)
    assert r6(seen, TH).groups == (3, 1, 1, 1)


def test_r6_takes_a_seat_changed_without_a_break_as_one_tenure(
    memory_ledger: Ledger,
) -> None:
    """A member moved to a new seat or office on the same day keeps their tenure."""
    ledger = memory_ledger
    kim = person(ledger, "Kim", le_from=0)
    lee = person(ledger, "Lee", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    for member in (kim, lee):
        ledger.assign_seat(board, member, by=lee, occurred_at=day(0))
    # Kim becomes chair on day 90: her seat is vacated and given again at once.
    ledger.vacate_seat(board, kim, by=lee, occurred_at=day(90))
    ledger.assign_seat(board, kim, office="chair", by=lee, occurred_at=day(90))
    # Both have sat for 100 days: one tenure each, not Kim's 90 and 10.
    figure = r6(lens(ledger, until=100), TH)
    assert (figure.value, figure.n, figure.band) == (1.0, 2, "comparable")
    assert figure.groups == (1, 1, 1, 1)
    # A period after the change still measures Kim's tenure from day 0.
    assert r6(lens(ledger, since=95, until=100), TH).value == 1.0
    # A seat taken again after a break is a new tenure.
    ledger.vacate_seat(board, lee, by=lee, occurred_at=day(100))
    ledger.assign_seat(board, lee, by=lee, occurred_at=day(110))
    later = r6(lens(ledger, until=120), TH)
    assert (later.n, later.groups) == (3, (1, 2, 1, 1))


def test_r4_and_r6_run_open_spells_no_further_than_the_record(
    memory_ledger: Ledger,
) -> None:
    """A period ending after the latest day recorded adds no office or seat time."""
    ledger = memory_ledger
    kim = person(ledger, "Kim", le_from=0)
    lee = person(ledger, "Lee", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, lee, office="chair", by=lee, occurred_at=day(0))
    ledger.vacate_seat(board, lee, by=lee, occurred_at=day(50))
    ledger.assign_seat(board, kim, office="chair", by=lee, occurred_at=day(50))
    ledger.assign_seat(board, lee, by=lee, occurred_at=day(50))
    # The record ends on day 50 (now is day 51): Lee chaired 50 days and Kim
    # one, whatever the period's end, so R4 is 1/51 for the year as for now.
    year = r4(lens(ledger, since=0, until=365), TH)
    assert year.value == pytest.approx(1 / 51)
    assert year.value == r4(lens(ledger), TH).value
    assert year.band == "shared"
    # A period wholly after the record holds no office time it could show.
    after = r4(lens(ledger, since=100, until=200), TH)
    assert (after.value, after.n) == (None, 0)
    # R6: Kim's one day, and Lee's 51 (a chair, then a seat at once).
    assert r6(lens(ledger, since=0, until=365), TH).value == pytest.approx(1 / 51)


def test_r4_coverage_weighs_the_office_time_its_holders_had_declared(
    memory_ledger: Ledger,
) -> None:
    """R4's coverage is the share of the office time whose holder had answered."""
    ledger = memory_ledger
    kim = person(ledger, "Kim")  # declares lived experience on day 55, as chair
    lee = person(ledger, "Lee", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, kim, office="chair", by=lee, occurred_at=day(50))
    ledger.declare_lived_experience(kim, categories=["DIS"], occurred_at=day(55))
    person(ledger, "Zed", joined=80)  # the record runs to day 80
    # Days 60-80: Kim chaired all of it, having declared: 1.0 of 1.0 answered
    # (read at her office's start, day 50, it said nobody had answered).
    later = r4(lens(ledger, since=60, until=80), TH)
    assert (later.value, later.coverage, later.band) == (1.0, 1.0, "led")
    # Days 50-60: declared for the last 5 of 10 days, with LE all of them.
    both = r4(lens(ledger, since=50, until=60), TH)
    assert (both.value, both.coverage) == (0.5, 0.5)
    # Lee chairs the panel for days 50-60 without lived experience, declared.
    panel = ledger.establish_body("Panel", kind="governance", occurred_at=day(0))
    ledger.assign_seat(panel, lee, office="chair", by=lee, occurred_at=day(50))
    ledger.vacate_seat(panel, lee, by=lee, occurred_at=day(60))
    pooled = r4(lens(ledger, since=50, until=60), TH)
    assert (pooled.value, pooled.coverage) == (0.25, 0.75)
