"""A few people behind a base or behind many records: never shown to the public."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.reports import render

START = datetime(2024, 1, 1, tzinfo=UTC)
AUDIENCES = ("public", "members")


def shown(ledger: Ledger, body: UUID, audience: str) -> dict[str, Any]:
    """The body's report as *audience* reads it, in JSON."""
    report = ledger.power_sharing(body=body)
    found: dict[str, Any] = json.loads(render(report, audience=audience, format="json"))
    return found


def working_group(ledger: Ledger) -> tuple[UUID, UUID]:
    """A staff member, Admin, and the working group Admin establishes on *ledger*."""
    admin = ledger.register_member("Admin", role="staff", occurred_at=START)
    group = ledger.establish_body(
        "Group", kind="working_group", by=admin, occurred_at=START
    )
    return admin, group


def raise_idea(ledger: Ledger, group: UUID, proposer: UUID, i: int) -> None:
    """*proposer* raises "Idea *i*" to *group* on day 10 + *i*."""
    ledger.raise_proposal(
        group,
        proposers=[proposer],
        title=f"Idea {i}",
        text="x",
        occurred_at=START + timedelta(days=10 + i),
    )


def forum_of_one(sam_has_it: bool) -> tuple[Ledger, UUID]:
    """A working group whose one seat holder is Sam, six outsiders proposing to it.

    Six other members of the ledger have lived experience, so the whole
    membership's share does not turn on Sam; the forum's does.
    """
    ledger = Ledger.open("memory://")
    admin, group = working_group(ledger)
    sam = ledger.register_member("Sam", occurred_at=START)
    if sam_has_it:
        ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=START)
    ledger.assign_seat(group, sam, by=admin, occurred_at=START + timedelta(days=1))
    for j in range(6):
        other = ledger.register_member(f"Other {j}", occurred_at=START)
        ledger.declare_lived_experience(other, categories=["DIS"], occurred_at=START)
    for i in range(6):
        proposer = ledger.register_member(f"Proposer {i}", occurred_at=START)
        raise_idea(ledger, group, proposer, i)
    return ledger, group


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a1_says_nothing_of_a_forum_of_one(audience: str) -> None:
    """A1's band over a forum whose base is one person is the same either way."""
    seen = []
    for sam_has_it in (False, True):
        ledger, group = forum_of_one(sam_has_it)
        with ledger:
            seen.append(shown(ledger, group, audience)["indicators"]["A1"])
    assert seen[0] == seen[1]
    assert seen[0]["band"] is None
    assert seen[0]["value"] is not None  # the share itself is still shown


def test_the_board_still_sees_a1s_band_over_a_forum_of_one() -> None:
    """The board, which sees everything, still reads A1's parity band."""
    ledger, group = forum_of_one(sam_has_it=True)
    with ledger:
        assert shown(ledger, group, "board")["indicators"]["A1"]["band"] == (
            "below_parity"
        )


@pytest.mark.parametrize("audience", AUDIENCES)
def test_one_persons_standing_request_is_not_shown_as_many(audience: str) -> None:
    """X1 over one requester's standing request at six meetings is withheld."""
    with Ledger.open("memory://") as ledger:
        admin, group = working_group(ledger)
        seated = [ledger.register_member(f"P{i}", occurred_at=START) for i in range(6)]
        for member in seated:
            ledger.assign_seat(
                group, member, by=admin, occurred_at=START + timedelta(hours=1)
            )
        ledger.request_adjustment(
            seated[0], code="BSL", occurred_at=START + timedelta(hours=2)
        )
        for day in range(6):
            meeting = ledger.schedule_meeting(
                group,
                kind="workshop",
                title=f"Week {day}",
                starts_at=START + timedelta(days=2 + day),
                by=admin,
                occurred_at=START + timedelta(days=1),
            )
            ledger.record_attendance(
                meeting,
                seated[1],
                by=admin,
                occurred_at=START + timedelta(days=2 + day),
            )
        ledger.register_member("Later", occurred_at=START + timedelta(days=30))
        assert ledger.power_sharing(body=group).indicators["X1"].n >= 6
        x1 = shown(ledger, group, audience)["indicators"]["X1"]
    assert x1["value"] is None
    assert "fewer than 5 people" in x1["note"]


def seated_forum(le_seats: int) -> tuple[Ledger, UUID]:
    """A working group of six seat holders, *le_seats* of them with lived experience.

    Ten outsiders, five of them with lived experience, raise a proposal each,
    so A1 itself (5 of 10 proposals) is shown; only its band reads the forum.
    """
    ledger = Ledger.open("memory://")
    admin, group = working_group(ledger)
    for s in range(6):
        member = ledger.register_member(f"Seat {s}", occurred_at=START)
        if s < le_seats:
            ledger.declare_lived_experience(
                member, categories=["DIS"], occurred_at=START
            )
        ledger.assign_seat(group, member, by=admin, occurred_at=START + timedelta(1))
    for i in range(10):
        proposer = ledger.register_member(f"Proposer {i}", occurred_at=START)
        if i < 5:
            ledger.declare_lived_experience(
                proposer, categories=["DIS"], occurred_at=START
            )
        raise_idea(ledger, group, proposer, i)
    return ledger, group


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a1_says_nothing_of_a_forum_all_of_whose_members_have_it(
    audience: str,
) -> None:
    """A1's band over six seat holders all with lived experience is left out.

    A band is shown only where both groups of the base have k or more, so
    over a forum of six a band at all would say that all six have it.
    """
    seen = []
    for le_seats in (3, 6):
        ledger, group = seated_forum(le_seats)
        with ledger:
            a1 = shown(ledger, group, audience)["indicators"]["A1"]
            easy = render(ledger.power_sharing(body=group), audience="members")
        seen.append((a1["band"], a1["value"], "fair share" in easy))
    assert seen[0] == seen[1] == (None, "about half (40% to 60%)", False)
