"""Representation (R) figures on small hand-built histories, worked out by hand."""

from __future__ import annotations

import pytest

from coledger import Ledger
from coledger.projections.representation import r5, r6
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, lens, person

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

    # All time: 4 members, 1 with LE -> share 1/4; R5 = (1/2) / (1/4) = 2.0.
    # Declared: Ann, Bob and Cy (Di never answered) -> coverage 3/4.
    now = r5(lens(ledger), TH)
    assert now.value == pytest.approx(2.0)
    assert (now.n, now.coverage) == (4, 0.75)


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
