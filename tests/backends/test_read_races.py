"""A record a command only read, changed by another writer meanwhile, is noticed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import (
    ConcurrencyError,
    DuplicateSourceRefError,
    KeysDestroyedError,
    Ledger,
    NotAMemberError,
    NotDeclaredError,
    SupporterNotAuthorisedError,
    TimeOrderError,
    UnmetAdjustmentsError,
    transfer,
)
from coledger.domain.values import ERASED
from conftest import url_for


@pytest.fixture(params=["sqlite", "postgres"])
def two_writers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Ledger, Ledger]]:
    """Two Ledgers on one store (SQLite file or PostgreSQL schema)."""
    schema = None
    if request.param == "postgres":
        schema = request.getfixturevalue("pg_schema")
    url = url_for(request.param, tmp_path, schema)
    with Ledger.open(url) as ours, Ledger.open(url) as theirs:
        yield ours, theirs


def reading_the_head(ledger: Ledger) -> None:
    """Make *ledger*'s next command read the head, as after a conflict.

    On SQLite a Ledger whose last save followed straight on from the head it
    knew trusts that head, and its insert refuses if any event came since: that
    alone catches the races below. A command that reads the head instead (the
    first one after a conflict, and every one on PostgreSQL) relies on the
    insert's check of the records it read, which is what these tests are about.
    """
    ledger._alone = False


def open_vote(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID]:
    """A board of two open for a vote: (admin, proposal, voter, supporter)."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    voter, other = (ledger.register_member(n) for n in ("Ann", "Bea"))
    for member in (voter, other):
        ledger.assign_seat(body, member, by=admin)
    helper = ledger.register_member("Helper", role="supporter")
    ledger.authorise_supporter(voter, helper)
    proposal = ledger.raise_proposal(body, proposers=[other], title="T", text="x")
    ledger.open_voting(proposal, by=admin)
    return admin, proposal, voter, helper


def meanwhile(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, change: Any
) -> list[int]:
    """Have *change* made just before *ledger*'s next insert; its inserts, counted.

    The change is made once, before the first insert; each insert the Ledger
    then tries appends to the list returned.
    """
    recorder = ledger._app.recorder
    insert, inserts = recorder.insert_events, list[int]()

    def changed_first(*args: Any, **kwargs: Any) -> Any:
        if not inserts:
            change()
        inserts.append(len(inserts) + 1)
        return insert(*args, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", changed_first)
    return inserts


def test_a_supporter_revoked_while_their_ballot_is_saved_casts_nothing(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revocation between a supporter's ballot's check and its insert refuses it.

    The insert stores nothing, and the command runs again on the fresh record;
    before, the ballot was stored after the revocation.
    """
    ours, theirs = two_writers
    _, proposal, voter, helper = open_vote(ours)
    inserts = meanwhile(
        monkeypatch, ours, lambda: theirs.revoke_supporter(voter, helper)
    )
    reading_the_head(ours)
    with pytest.raises(SupporterNotAuthorisedError):
        ours.cast_ballot(proposal, voter=voter, choice="for", supporter=helper)
    assert inserts == [1]  # refused by its insert, then before inserting again
    assert ours.proposal(proposal).ballots == ()


def test_a_member_erased_while_their_ballot_is_saved_casts_nothing(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure between a ballot's check and its insert refuses the ballot."""
    ours, theirs = two_writers
    admin, proposal, voter, _ = open_vote(ours)
    meanwhile(monkeypatch, ours, lambda: theirs.erase_member(voter, by=admin))
    reading_the_head(ours)
    with pytest.raises(NotAMemberError):
        ours.cast_ballot(proposal, voter=voter, choice="for")
    assert ours.proposal(proposal).ballots == ()


def test_an_unrelated_write_meanwhile_does_not_refuse_the_command(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write to records the command did not read lets its insert through at once."""
    ours, theirs = two_writers
    _, proposal, voter, _ = open_vote(ours)
    inserts = meanwhile(monkeypatch, ours, lambda: theirs.register_member("Newcomer"))
    reading_the_head(ours)
    ours.cast_ballot(proposal, voter=voter, choice="for")
    assert inserts == [1]  # stored by the first attempt
    assert [b.voter for b in ours.proposal(proposal).ballots] == [voter]


def test_a_meeting_request_made_while_a_vote_opens_holds_the_vote(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request for the meeting, made as the vote opens, is noticed: the vote waits.

    Both write to the meeting's history, so the opening, saved second, finds
    the meeting changed, runs again, and is refused.
    """
    ours, theirs = two_writers
    admin = ours.register_member("Admin", role="staff")
    body = ours.establish_body("Board", kind="governance", by=admin)
    sam = ours.register_member("Sam")
    ours.assign_seat(body, sam, by=admin)
    meeting = ours.schedule_meeting(
        body,
        kind="decision_meeting",
        title="Spring",
        starts_at=datetime(2030, 4, 1, tzinfo=UTC),
        by=admin,
    )
    proposal = ours.raise_proposal(
        body, proposers=[sam], title="T", text="x", meeting=meeting
    )
    asked: list[UUID] = []

    def ask() -> None:
        asked.append(theirs.request_adjustment(sam, code="ER", meeting=meeting))

    meanwhile(monkeypatch, ours, ask)
    reading_the_head(ours)
    with pytest.raises(UnmetAdjustmentsError) as raised:
        ours.open_voting(proposal, by=admin)
    assert raised.value.adjustment_ids == tuple(asked)
    assert ours.proposal(proposal).status == "raised"


def test_a_batch_that_left_a_record_unchanged_still_notices_its_erasure(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record a batch saved without an event is guarded as read, not as written.

    A role change to the role held records nothing; the batch's ballot by that
    member was stored after the member's erasure by another writer, because
    the record counted as written (its version would clash) though nothing was.
    """
    ours, theirs = two_writers
    admin, proposal, voter, _ = open_vote(ours)
    meanwhile(monkeypatch, ours, lambda: theirs.erase_member(voter, by=admin))

    def vote_in_a_batch() -> None:
        with ours.batch():
            ours.change_role(voter, "member", by=admin)  # the role held: no event
            ours.cast_ballot(proposal, voter=voter, choice="for")

    with pytest.raises(ConcurrencyError):
        vote_in_a_batch()
    assert ours.proposal(proposal).ballots == ()
    assert ours.member(voter).erased


def test_an_erasure_refused_on_its_retry_says_the_keys_are_gone(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys shredded by a first attempt, its retry refused: KeysDestroyedError.

    The clerk erasing Sam is erased meanwhile: the first attempt destroyed
    Sam's keys, its insert stored nothing (the clerk changed), and the retry
    is refused as the clerk is no member. That refusal alone said nothing of
    Sam's keys, gone with no erasure on record.
    """
    ours, theirs = two_writers
    admin = ours.register_member("Admin", role="staff")
    clerk = ours.register_member("Clerk", role="staff")
    sam = ours.register_member("Sam")
    meanwhile(monkeypatch, ours, lambda: theirs.erase_member(clerk, by=admin))
    reading_the_head(ours)
    with pytest.raises(KeysDestroyedError) as refusal:
        ours.erase_member(sam, by=clerk)
    assert (refusal.value.members, refusal.value.erasure) == ((sam,), True)
    assert isinstance(refusal.value.__cause__, NotAMemberError)
    assert not ours.member(sam).erased
    assert ours.member(sam).name == ERASED


def test_an_erasure_another_writer_recorded_first_is_refused_as_done(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers erasing one member: the second is told the member is erased.

    Its keys are gone, but the other writer's event says why: nothing is left
    to record again.
    """
    ours, theirs = two_writers
    admin = ours.register_member("Admin", role="staff")
    sam = ours.register_member("Sam")
    ours.declare_lived_experience(sam, categories=["DIS"])
    meanwhile(monkeypatch, ours, lambda: theirs.erase_member(sam, by=admin))
    reading_the_head(ours)
    with pytest.raises(NotAMemberError):
        ours.erase_member(sam, by=admin)
    assert ours.member(sam).erased
    assert ours.audit_erasure().ok


def test_a_withdrawal_another_writer_recorded_first_is_refused_as_done(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two writers withdrawing one declaration: the second finds none to withdraw."""
    ours, theirs = two_writers
    sam = ours.register_member("Sam")
    ours.declare_lived_experience(sam, categories=["DIS"])
    meanwhile(monkeypatch, ours, lambda: theirs.withdraw_lived_experience(sam))
    reading_the_head(ours)
    with pytest.raises(NotDeclaredError):
        ours.withdraw_lived_experience(sam)
    assert ours.audit_erasure().ok


def test_a_batch_that_read_a_record_then_wrote_it_notices_a_change_between(
    two_writers: tuple[Ledger, Ledger],
) -> None:
    """A record read by one command of a batch, changed, then written by another.

    The later command reloads the record, so its events follow the other
    writer's and clash with nothing; the ballot cast through the supporter
    was stored after the supporter's authority was revoked.
    """
    ours, theirs = two_writers
    admin, proposal, voter, helper = open_vote(ours)

    def vote_in_a_batch() -> None:
        with ours.batch():
            ours.cast_ballot(proposal, voter=voter, choice="for", supporter=helper)
            theirs.revoke_supporter(voter, helper)
            ours.change_role(voter, "trustee", by=admin)

    with pytest.raises(ConcurrencyError):
        vote_in_a_batch()
    assert ours.proposal(proposal).ballots == ()
    assert ours.member(voter).role == "member"


def test_a_source_ref_recorded_while_a_command_is_saved_refuses_the_command(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reference another writer records between the check and the insert refuses it.

    Before, both records carried it: find_by_source_ref named one of them, and
    the ledger's export was refused by an import (a reference names one record).
    """
    ours, theirs = two_writers
    ours.register_member("First")
    inserts = meanwhile(
        monkeypatch, ours, lambda: theirs.register_member("A", source_ref="minutes:1")
    )
    reading_the_head(ours)
    with pytest.raises(DuplicateSourceRefError):
        ours.register_member("B", source_ref="minutes:1")
    assert inserts == [1]  # refused by its insert, then before inserting again
    assert [m.name for m in ours.members()] == ["First", "A"]
    out = io.StringIO()
    ours.export(out)
    transfer.read_export(out.getvalue().splitlines())


def test_a_batch_whose_source_ref_another_writer_took_stores_nothing(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer storing a batch's reference first fails the batch."""
    ours, theirs = two_writers
    ours.register_member("First")
    meanwhile(
        monkeypatch, ours, lambda: theirs.register_member("A", source_ref="minutes:1")
    )
    reading_the_head(ours)
    with pytest.raises(ConcurrencyError), ours.batch():  # noqa: PT012 (the batch)
        ours.register_member("B", source_ref="minutes:1")
        ours.register_member("C")
    assert [m.name for m in ours.members()] == ["First", "A"]


def test_a_write_without_the_reference_meanwhile_lets_a_referenced_command_through(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer's events with another reference, or none, refuse nothing."""
    ours, theirs = two_writers
    ours.register_member("First")

    def others() -> None:
        theirs.register_member("A", source_ref="minutes:10")
        theirs.register_member("Z")

    inserts = meanwhile(monkeypatch, ours, others)
    reading_the_head(ours)
    ours.register_member("B", source_ref="minutes:1")
    assert inserts == [1]
    assert ours.find_by_source_ref("minutes:1") is not None


def test_an_act_through_a_supporter_while_their_revocation_is_saved_refuses_it(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revocation dated before an act another writer stores first is refused.

    The revocation read the latest act from the catalogue, not from a record
    its insert checks; before, it was stored dated before the act.
    """
    ours, theirs = two_writers
    _, proposal, voter, helper = open_vote(ours)
    later = datetime.now(UTC) + timedelta(days=5)

    def act() -> None:
        theirs.comment(
            proposal, author=voter, text="x", supporter=helper, occurred_at=later
        )

    inserts = meanwhile(monkeypatch, ours, act)
    reading_the_head(ours)
    with pytest.raises(TimeOrderError):
        ours.revoke_supporter(voter, helper, occurred_at=later - timedelta(days=1))
    assert inserts == [1]
    assert helper in ours.member(voter).supporters


def test_a_proposal_raised_at_a_meeting_while_it_is_called_off_refuses_it(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancellation dated before a raising at its meeting stored first is refused.

    The cancellation reads the raisings from the catalogue, not from a
    record its insert checks, so another writer's raising meanwhile is looked for.
    """
    ours, theirs = two_writers
    admin = ours.register_member("Admin", role="staff")
    body = ours.establish_body("Board", kind="governance", by=admin)
    starts = datetime.now(UTC) + timedelta(days=10)
    meeting = ours.schedule_meeting(
        body, kind="decision_meeting", title="June", starts_at=starts, by=admin
    )
    later = datetime.now(UTC) + timedelta(days=5)

    def raised() -> None:
        theirs.raise_proposal(
            body,
            proposers=[admin],
            title="T",
            text="x",
            meeting=meeting,
            occurred_at=later,
        )

    inserts = meanwhile(monkeypatch, ours, raised)
    reading_the_head(ours)
    with pytest.raises(TimeOrderError, match="proposal raised at it"):
        ours.cancel_meeting(meeting, by=admin, occurred_at=later - timedelta(days=1))
    assert inserts == [1]
    assert ours.meeting(meeting).cancelled_at is None
