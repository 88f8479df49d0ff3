"""R7 reads each holder's role and each body's rule as they stood at the seat moment."""

from __future__ import annotations

from uuid import UUID

import pytest

from coledger import Ledger, Rule
from coledger.projections.representation import bloc_weights, r7
from coledger.projections.thresholds import Thresholds
from indicator_helpers import day, lens

TH = Thresholds()


def board_of_nine(ledger: Ledger) -> tuple[UUID, list[UUID]]:
    """Five staff, two partners and two trainers with lived experience, all seated.

    Under a majority (quota 5) staff win alone: the lived-experience bloc has
    no power.
    """
    staff = [
        ledger.register_member(f"s{i}", role="staff", occurred_at=day(0))
        for i in range(5)
    ]
    partners = [
        ledger.register_member(f"p{i}", role="partner", occurred_at=day(0))
        for i in range(2)
    ]
    le = [
        ledger.register_member(f"l{i}", role="trainer", occurred_at=day(0))
        for i in range(2)
    ]
    for m in le:
        ledger.declare_lived_experience(m, categories=["DIS"], occurred_at=day(0))
    board = ledger.establish_body(
        "Board",
        kind="governance",
        rule=Rule.majority(),
        by=staff[0],
        occurred_at=day(1),
    )
    for m in staff + partners + le:
        ledger.assign_seat(board, m, by=staff[0], occurred_at=day(1))
    return board, staff


def test_a_later_role_change_leaves_r7_of_an_earlier_period_alone(
    memory_ledger: Ledger,
) -> None:
    """A role change on day 60 does not change R7 for a period ending on day 30."""
    ledger = memory_ledger
    board, staff = board_of_nine(ledger)
    before = r7(lens(ledger, until=30), TH)
    assert (before.value, before.band) == (0.0, "no_power")
    ledger.change_role(staff[4], role="partner", by=staff[0], occurred_at=day(60))
    after = r7(lens(ledger, until=30), TH)
    assert (after.value, after.band) == (0.0, "no_power")
    facts = ledger.facts()
    assert bloc_weights(lens(ledger, until=30), facts.bodies[board], day(29)) == {
        "staff": 5,
        "partner": 2,
        "lived_experience": 2,
    }
    # From day 60: staff 4, partners 3, lived experience 2, quota 5: each bloc
    # is a swing in two of the four winning coalitions -> 1/3.
    later = r7(lens(ledger, until=90), TH)
    assert later.value == pytest.approx(1 / 3)


def test_a_later_rule_change_leaves_r7_and_its_flag_of_an_earlier_period_alone(
    memory_ledger: Ledger,
) -> None:
    """A rule change on day 61 changes neither R7 nor the placation flag before it."""
    ledger = memory_ledger
    board, staff = board_of_nine(ledger)
    before = ledger.power_sharing(until=day(30))
    assert before.indicators["R7"].value == 0.0
    assert [r.flags for r in before.ladder] == [("placation",)]
    ledger.change_rule(board, Rule.consensus(), by=staff[0], occurred_at=day(61))
    after = ledger.power_sharing(until=day(30))
    assert (after.indicators["R7"].value, after.indicators["R7"].band) == (
        0.0,
        "no_power",
    )
    assert [r.flags for r in after.ladder] == [("placation",)]
    # Under consensus every seat is needed, so every bloc is a swing -> 1/3.
    later = ledger.power_sharing(until=day(90)).indicators["R7"]
    assert later.value == pytest.approx(1 / 3)


def test_roles_and_rules_are_kept_in_business_time_order(
    memory_ledger: Ledger,
) -> None:
    """A change recorded late but dated early takes its place in business time."""
    ledger = memory_ledger
    board, staff = board_of_nine(ledger)
    ledger.change_role(staff[4], role="trustee", by=staff[0], occurred_at=day(60))
    ledger.change_role(staff[4], role="partner", by=staff[0], occurred_at=day(40))
    ledger.change_rule(board, Rule.consensus(), by=staff[0], occurred_at=day(61))
    facts = ledger.facts()
    member, body = facts.members[staff[4]], facts.bodies[board]
    assert [member.role_at(day(n)) for n in (-1, 0, 39, 40, 59, 60, 99)] == [
        "staff",
        "staff",
        "staff",
        "partner",
        "partner",
        "trustee",
        "trustee",
    ]
    # The role in force last, as the member's own record (ledger.member) has it.
    assert member.role == "trustee"
    assert ledger.member(staff[4]).role == "trustee"
    assert [body.rule_at(day(n)).kind for n in (0, 1, 60, 61)] == [
        "majority",
        "majority",
        "majority",
        "consensus",
    ]
