"""Representation (R) figures on small hand-built histories, worked out by hand."""

from __future__ import annotations

import pytest

from coledger import Ledger
from coledger.projections.representation import r5
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
