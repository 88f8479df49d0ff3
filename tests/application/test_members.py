"""Members on every backend: registration, roles, declarations and supporters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from coledger import Ledger
from coledger.errors import (
    AlreadyDeclaredError,
    InvalidIdError,
    InvalidInputError,
    NotAMemberError,
    NotDeclaredError,
    TimeOrderError,
    TimeOutOfRangeError,
    UnknownMemberError,
)
from helpers import count_events, refused


def test_register_members_and_change_roles(ledger: Ledger) -> None:
    """Members are registered with a role, listed in order, and can change role."""
    admin = ledger.register_member("Ada Admin", role="staff")
    sam = ledger.register_member("Sam Example", role="trainer", by=admin)
    kim = ledger.register_member("Kim")
    assert [m.id for m in ledger.members()] == [admin, sam, kim]
    view = ledger.member(sam)
    assert (view.name, view.role, view.erased) == ("Sam Example", "trainer", False)
    assert view.lived_experience == ()
    assert view.supporters == frozenset()
    assert ledger.member(kim).role == "member"

    registered = [r.event for r in ledger.history()]
    assert registered[0].actor is None
    assert registered[1].actor == admin

    ledger.change_role(sam, "director", by=admin)
    assert ledger.member(sam).role == "director"
    assert ledger.member(sam).version == view.version + 1


def test_only_members_may_act_on_members(ledger: Ledger) -> None:
    """Naming a non-member as actor or subject is refused, and nothing is stored."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    stranger = uuid4()
    with refused(ledger, NotAMemberError):
        ledger.register_member("Someone", by=stranger)
    with refused(ledger, NotAMemberError):
        ledger.change_role(admin, "director", by=stranger)
    with refused(ledger, NotAMemberError):
        ledger.change_role(stranger, "director", by=admin)
    with refused(ledger, NotAMemberError):
        ledger.change_role(body, "director", by=admin)  # a body is not a member
    with refused(ledger, InvalidIdError):
        ledger.change_role("admin", "director", by=admin)  # type: ignore[arg-type]
    with refused(ledger, InvalidIdError):
        ledger.change_role(admin, "director", by=str(admin))  # type: ignore[arg-type]
    with refused(ledger, NotAMemberError):
        ledger.declare_lived_experience(stranger, categories=["DIS"])
    with refused(ledger, NotAMemberError):
        ledger.declare_lived_experience(admin, categories=["DIS"], by=stranger)
    with refused(ledger, NotAMemberError):
        ledger.withdraw_lived_experience(stranger)
    with refused(ledger, NotAMemberError):
        ledger.authorise_supporter(stranger, admin)
    with refused(ledger, NotAMemberError):
        ledger.authorise_supporter(admin, stranger)
    with refused(ledger, UnknownMemberError):
        ledger.member(stranger)
    with refused(ledger, UnknownMemberError):
        ledger.member(body)
    with refused(ledger, InvalidIdError):
        ledger.member(str(admin))  # type: ignore[arg-type]


def test_lived_experience_declaration_lifecycle(ledger: Ledger) -> None:
    """One declaration at a time: declare, refuse another, withdraw, declare again."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    with refused(ledger, NotDeclaredError):
        ledger.withdraw_lived_experience(sam)

    ledger.declare_lived_experience(
        sam,
        categories=["LTHC", "CARER", "LTHC"],
        consent="easy_read_consent",
        condition="dpa_sch1_para8_equality",
    )
    view = ledger.member(sam)
    assert view.lived_experience == ("LTHC", "CARER")
    assert view.consent == "easy_read_consent"
    assert view.condition == "dpa_sch1_para8_equality"
    assert list(ledger.history())[-1].event.actor == sam

    with refused(ledger, AlreadyDeclaredError):
        ledger.declare_lived_experience(sam, categories=["DIS"])

    ledger.withdraw_lived_experience(sam, by=admin)
    withdrawn = ledger.member(sam)
    assert (withdrawn.lived_experience, withdrawn.consent, withdrawn.condition) == (
        (),
        None,
        None,
    )
    assert list(ledger.history())[-1].event.actor == admin
    with refused(ledger, NotDeclaredError):
        ledger.withdraw_lived_experience(sam)

    ledger.declare_lived_experience(sam, categories=["DIS"], by=admin)
    again = ledger.member(sam)
    assert again.lived_experience == ("DIS",)
    assert again.consent == "explicit_consent"
    assert again.condition == "art9_2a_explicit_consent"


def test_a_declaration_dated_before_the_last_withdrawal_is_refused(
    ledger: Ledger,
) -> None:
    """A new declaration may not reach back into the stretch a withdrawal undid."""
    day0 = datetime(2024, 1, 1, tzinfo=UTC)
    sam = ledger.register_member("Sam", occurred_at=day0)
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=day0)
    withdrawn = day0 + timedelta(days=10)
    ledger.withdraw_lived_experience(sam, occurred_at=withdrawn)
    with refused(ledger, TimeOrderError, match="withdrawal"):
        ledger.declare_lived_experience(
            sam, categories=["DIS"], occurred_at=day0 + timedelta(days=2)
        )
    # The withdrawn stretch stays undeclared, as the figures promise.
    assert not ledger.facts().has_lived_experience(sam, day0 + timedelta(days=5))
    ledger.declare_lived_experience(sam, categories=["CARER"], occurred_at=withdrawn)
    assert ledger.facts().has_lived_experience(sam, withdrawn)


def test_a_withdrawal_dated_before_its_declaration_is_refused(ledger: Ledger) -> None:
    """A declaration cannot be withdrawn at a time before it was made."""
    day0 = datetime(2024, 1, 1, tzinfo=UTC)
    sam = ledger.register_member("Sam", occurred_at=day0)
    declared = day0 + timedelta(days=10)
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=declared)
    with refused(ledger, TimeOrderError, match="declaration"):
        ledger.withdraw_lived_experience(sam, occurred_at=day0 + timedelta(days=5))
    assert ledger.member(sam).lived_experience == ("DIS",)  # its key is intact
    ledger.withdraw_lived_experience(sam, occurred_at=declared)
    assert ledger.member(sam).consent is None


def test_declaration_steps_at_the_default_time_follow_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, a withdrawal or a new declaration follows the step before it."""
    sam = ledger.register_member("Sam")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=ahead)
    ledger.withdraw_lived_experience(sam)
    later = ahead + timedelta(hours=1)
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=later)
    ledger.withdraw_lived_experience(sam, occurred_at=later + timedelta(hours=1))
    ledger.declare_lived_experience(sam, categories=["LTHC"])
    dated = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__.startswith("Member.LivedExperience")
    ]
    withdrawn = later + timedelta(hours=1)
    assert dated == [ahead, ahead, later, withdrawn, withdrawn]


def test_supporters_are_authorised_and_revoked(ledger: Ledger) -> None:
    """A member's supporters are recorded once, revocable, and never themselves."""
    sam = ledger.register_member("Sam")
    pat = ledger.register_member("Pat", role="supporter")
    lee = ledger.register_member("Lee", role="supporter")
    ledger.authorise_supporter(sam, pat)
    ledger.authorise_supporter(sam, lee, by=pat)
    assert ledger.member(sam).supporters == frozenset({pat, lee})

    before = count_events(ledger)
    ledger.authorise_supporter(sam, pat)  # already authorised: nothing new
    assert count_events(ledger) == before

    with refused(ledger, InvalidInputError):
        ledger.authorise_supporter(sam, sam)
    with refused(ledger, InvalidIdError):
        ledger.revoke_supporter(sam, "pat")  # type: ignore[arg-type]

    ledger.revoke_supporter(sam, pat)
    assert ledger.member(sam).supporters == frozenset({lee})
    before = count_events(ledger)
    ledger.revoke_supporter(sam, pat)  # no longer authorised: nothing new
    ledger.revoke_supporter(sam, uuid4())
    assert count_events(ledger) == before
    assert ledger.member(pat).supporters == frozenset()


def test_an_erased_member_can_no_longer_act_or_be_named(ledger: Ledger) -> None:
    """Erasure hides personal data, keeps the facts, and ends the right to act."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam Example")
    kim = ledger.register_member("Kim")
    helper = ledger.register_member("Helper", role="supporter")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, sam, by=admin)
    ledger.declare_lived_experience(sam, categories=["DIS"])
    ledger.authorise_supporter(sam, helper)
    p = ledger.raise_proposal(board, proposers=[kim], title="T", text="x")
    said = ledger.comment(p, author=sam, text="I need step-free access")

    with refused(ledger, NotAMemberError):
        ledger.erase_member(sam, by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.erase_member(uuid4(), by=admin)
    ledger.erase_member(sam, by=admin)

    view = ledger.member(sam)
    assert view.erased is True
    assert view.name != "Sam Example"
    assert (view.lived_experience, view.consent, view.supporters) == (
        (),
        None,
        frozenset(),
    )
    assert sam in [m.id for m in ledger.members()]
    (comment,) = ledger.proposal(p).comments
    assert (comment.id, comment.author) == (said, sam)
    assert comment.text != "I need step-free access"

    with refused(ledger, NotAMemberError):
        ledger.erase_member(sam, by=admin)
    with refused(ledger, NotAMemberError):
        ledger.comment(p, author=sam, text="Still here?")
    with refused(ledger, NotAMemberError):
        ledger.register_member("New", by=sam)
    with refused(ledger, NotAMemberError):
        ledger.raise_proposal(board, proposers=[kim, sam], title="T", text="x")
    with refused(ledger, NotAMemberError):
        ledger.authorise_supporter(kim, sam)
    with refused(ledger, NotAMemberError):
        ledger.change_role(sam, "trustee", by=admin)
    with refused(ledger, NotAMemberError):
        ledger.declare_lived_experience(sam, categories=["DIS"])
    with refused(ledger, NotAMemberError):
        ledger.assign_seat(board, sam, by=admin)


def test_a_withdrawal_whose_save_failed_after_shredding_is_finished_by_its_retry(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key goes first; when the save is then refused, the retry still records it."""
    sam = ledger.register_member("Sam")
    ledger.declare_lived_experience(sam, categories=["DIS"])
    recorder = ledger._app.recorder
    real_insert = recorder.insert_events
    refusals: list[int] = []

    def clash_once(*args: Any, **kwargs: Any) -> Any:
        if not refusals:
            refusals.append(1)
            raise IntegrityError("another writer got there first")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", clash_once)
    ledger.withdraw_lived_experience(sam)

    assert refusals == [1]  # the first save was refused after the key was destroyed
    last = list(ledger.history())[-1].event
    assert type(last).__qualname__ == "Member.LivedExperienceWithdrawn"
    view = ledger.member(sam)
    assert (view.lived_experience, view.consent) == ((), None)
    with refused(ledger, NotDeclaredError):
        ledger.withdraw_lived_experience(sam)
    ledger.declare_lived_experience(sam, categories=["CARER"])
    assert ledger.member(sam).lived_experience == ("CARER",)


def test_a_member_s_role_is_the_one_given_at_the_latest_business_time(
    ledger: Ledger,
) -> None:
    """A role change recorded late but dated earlier leaves the later role in force."""
    admin = ledger.register_member("Admin", role="staff")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sam = ledger.register_member("Sam", occurred_at=start)
    ledger.change_role(sam, "trustee", by=admin, occurred_at=start + timedelta(10))
    ledger.change_role(sam, "partner", by=admin, occurred_at=start + timedelta(5))
    assert ledger.member(sam).role == "trustee"
    assert ledger.facts().members[sam].role_at(datetime.now(UTC)) == "trustee"
    kim = ledger.register_member("Kim", occurred_at=start + timedelta(30))
    ledger.change_role(kim, "director", by=admin, occurred_at=start)  # before joining
    assert ledger.member(kim).role == "member"
    assert ledger.facts().members[kim].role_at(datetime.now(UTC)) == "member"


def test_a_role_change_to_the_role_in_force_at_its_time_records_nothing(
    ledger: Ledger,
) -> None:
    """Changing to the role held at the command's business time stores no event."""
    admin = ledger.register_member("Admin", role="staff")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sam = ledger.register_member("Sam", role="trainer", occurred_at=start)
    before = count_events(ledger)
    ledger.change_role(sam, "trainer", by=admin, occurred_at=start + timedelta(1))
    assert count_events(ledger) == before
    ledger.change_role(sam, "trustee", by=admin, occurred_at=start + timedelta(10))
    ledger.change_role(sam, "trustee", by=admin, occurred_at=start + timedelta(20))
    ledger.change_role(sam, "trainer", by=admin, occurred_at=start + timedelta(5))
    assert count_events(ledger) == before + 1  # trustee then, trainer on day 5
    ledger.change_role(sam, "trustee", by=admin, occurred_at=start + timedelta(5))
    assert count_events(ledger) == before + 2  # not the role in force on day 5
    facts = ledger.facts().members[sam]
    assert facts.role_at(start + timedelta(5)) == "trustee"
    assert ledger.member(sam).role == "trustee"
    ledger.change_role(sam, "director", by=admin, occurred_at=start + timedelta(10))
    assert count_events(ledger) == before + 3  # of two at one time, the later holds
    assert ledger.member(sam).role == "director"
    ledger.change_role(sam, "trustee", by=admin, occurred_at=start + timedelta(7))
    assert count_events(ledger) == before + 3  # day 5's trustee holds on day 7


def test_a_role_change_at_the_default_time_follows_a_role_dated_later(
    ledger: Ledger,
) -> None:
    """Undated, a change compares with and follows the role given at the latest time."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam", role="trainer")
    later = datetime.now(UTC) + timedelta(days=30)
    ledger.change_role(sam, "trustee", by=admin, occurred_at=later)
    before = count_events(ledger)
    ledger.change_role(sam, "trustee", by=admin)
    assert count_events(ledger) == before
    ledger.change_role(sam, "trainer", by=admin)
    assert count_events(ledger) == before + 1
    assert ledger.member(sam).role == "trainer"
    assert ledger.facts().members[sam].role_at(later) == "trainer"


def test_consent_steps_at_the_default_time_follow_a_fast_clock(ledger: Ledger) -> None:
    """Without a time, a revocation or a renewed consent follows the step before it."""
    sam = ledger.register_member("Sam")
    pat = ledger.register_member("Pat")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.authorise_supporter(sam, pat, occurred_at=ahead)
    ledger.revoke_supporter(sam, pat)
    assert ledger.member(sam).supporters == frozenset()
    later = ahead + timedelta(hours=1)
    ledger.revoke_supporter(sam, pat)  # none held: nothing recorded
    ledger.authorise_supporter(sam, pat, occurred_at=later)
    ledger.revoke_supporter(sam, pat, occurred_at=later + timedelta(hours=1))
    ledger.authorise_supporter(sam, pat)
    assert ledger.member(sam).supporters == {pat}
    dated = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__.startswith("Member.Supporter")
    ]
    revoked = later + timedelta(hours=1)
    assert dated == [ahead, ahead, later, revoked, revoked]


def test_a_revocation_at_the_default_time_is_never_dated_past_the_last_year(
    ledger: Ledger,
) -> None:
    """After an act at the last instant a record holds, an undated revocation fails.

    Just after that act is the year 2200, which no record holds: stored, it made
    every report raise CorruptEventError.
    """
    sam = ledger.register_member("Sam")
    pat = ledger.register_member("Pat")
    board = ledger.establish_body("Board", kind="governance", by=sam)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ledger.authorise_supporter(sam, pat)
    last = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    ledger.comment(p, author=sam, text="Hi", supporter=pat, occurred_at=last)
    with refused(ledger, TimeOutOfRangeError, match="outside the years"):
        ledger.revoke_supporter(sam, pat)
    assert ledger.member(sam).supporters == {pat}
    assert ledger.power_sharing().indicators["R1"].n == 0


@pytest.mark.parametrize(
    "name", ["[erased]", "  [erased] ", "[erased]\u200b", "\u2060[erased]\ufeff"]
)
def test_a_member_is_not_registered_under_the_name_erasure_leaves(
    ledger: Ledger, name: str
) -> None:
    """A living member named as an erased one reads is refused, writing nothing."""
    with refused(ledger, InvalidInputError, match="reads as an erased member"):
        ledger.register_member(name)
    fan = ledger.register_member("[erased] fan club")
    assert ledger.member(fan).name == "[erased] fan club"
    assert not ledger.member(fan).erased
