"""A Ledger's cached records never hide what another Ledger wrote since.

A Ledger keeps the records it loaded and re-reads one only when the ledger's
head has moved since it last checked. These tests open two Ledgers on one
SQLite file or PostgreSQL schema: one writes to a record the other has cached,
and the other's next command or query must see the write, including when the
write lands between the other's own saves, inside its batch, or is a key
destruction that leaves the head where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.errors import SupporterNotAuthorisedError
from coledger.integrity.checkpoints import SigningKey, Verifier
from coledger.privacy import generate_master_key
from coledger.privacy.classification import Purpose
from conftest import url_for

SHARED = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class Scene:
    """A body with a proposal, and a member who comments through a supporter."""

    admin: UUID
    member: UUID
    supporter: UUID
    body: UUID
    proposal: UUID


def set_scene(ledger: Ledger) -> Scene:
    """Record the scene every test starts from."""
    admin = ledger.register_member("Ada Admin", role="staff")
    member = ledger.register_member("Sam Member")
    supporter = ledger.register_member("Kim Supporter")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(body, member, seat="voting", by=admin)
    ledger.authorise_supporter(member, supporter)
    proposal = ledger.raise_proposal(
        body, proposers=[member], title="Quiet room", text="Add a quiet room."
    )
    return Scene(admin, member, supporter, body, proposal)


def comment_with_supporter(ledger: Ledger, scene: Scene) -> UUID:
    """Sam comments through Kim (which loads, and so caches, Sam's record)."""
    return ledger.comment(
        scene.proposal,
        author=scene.member,
        text="Yes please.",
        channel="written",
        supporter=scene.supporter,
    )


@pytest.fixture(params=SHARED)
def pair(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Ledger, Ledger]]:
    """Two open Ledgers on one SQLite file or PostgreSQL schema."""
    schema = (
        request.getfixturevalue("pg_schema") if request.param == "postgres" else None
    )
    url = url_for(request.param, tmp_path, schema)
    key = generate_master_key()
    with (
        Ledger.open(url, master_key=key) as ours,
        Ledger.open(url, master_key=key) as theirs,
    ):
        yield ours, theirs


def test_a_query_sees_a_change_to_a_cached_record(pair: tuple[Ledger, Ledger]) -> None:
    """A record read once, then changed by another Ledger, reads as changed."""
    ours, theirs = pair
    scene = set_scene(theirs)
    assert ours.member(scene.member).role == "member"
    assert ours.member(scene.member).role == "member"  # now from the cache
    theirs.change_role(scene.member, "director", by=scene.admin)
    assert ours.member(scene.member).role == "director"


def test_a_command_sees_a_revocation_of_a_record_it_only_reads(
    pair: tuple[Ledger, Ledger],
) -> None:
    """A revoked supporter is refused though only the proposal is written to."""
    ours, theirs = pair
    scene = set_scene(theirs)
    comment_with_supporter(ours, scene)
    theirs.revoke_supporter(scene.member, scene.supporter)
    with pytest.raises(SupporterNotAuthorisedError):
        comment_with_supporter(ours, scene)
    assert len(theirs.proposal(scene.proposal).comments) == 1


def test_our_save_after_their_write_does_not_vouch_for_the_cache(
    pair: tuple[Ledger, Ledger],
) -> None:
    """Our save landing after another's write does not make stale records current."""
    ours, theirs = pair
    scene = set_scene(theirs)
    comment_with_supporter(ours, scene)
    theirs.revoke_supporter(scene.member, scene.supporter)
    ours.register_member("Newcomer")  # loads nothing: saves straight after their write
    with pytest.raises(SupporterNotAuthorisedError):
        comment_with_supporter(ours, scene)


def test_our_consecutive_saves_keep_the_cache_honest(
    pair: tuple[Ledger, Ledger],
) -> None:
    """After several saves of ours in a row, a later write of theirs is still seen."""
    ours, theirs = pair
    scene = set_scene(theirs)
    for _ in range(3):
        comment_with_supporter(ours, scene)
    ours.register_member("Newcomer")
    theirs.revoke_supporter(scene.member, scene.supporter)
    with pytest.raises(SupporterNotAuthorisedError):
        comment_with_supporter(ours, scene)
    assert len(ours.proposal(scene.proposal).comments) == 3


def test_a_batch_command_sees_a_write_made_during_the_batch(
    pair: tuple[Ledger, Ledger],
) -> None:
    """Inside a batch, each command still sees what others stored since the last one."""
    ours, theirs = pair
    scene = set_scene(theirs)
    comment_with_supporter(ours, scene)

    def batch_with_a_revocation_between() -> None:
        with ours.batch():
            comment_with_supporter(ours, scene)
            theirs.revoke_supporter(scene.member, scene.supporter)
            comment_with_supporter(ours, scene)

    with pytest.raises(SupporterNotAuthorisedError):
        batch_with_a_revocation_between()
    assert len(theirs.proposal(scene.proposal).comments) == 1


def test_a_stored_batch_does_not_vouch_for_records_changed_meanwhile(
    pair: tuple[Ledger, Ledger],
) -> None:
    """A batch stored after another's write leaves the cached records to be re-read."""
    ours, theirs = pair
    scene = set_scene(theirs)
    comment_with_supporter(ours, scene)
    with ours.batch():
        ours.register_member("Newcomer")  # loads nothing
        theirs.revoke_supporter(scene.member, scene.supporter)
    with pytest.raises(SupporterNotAuthorisedError):
        comment_with_supporter(ours, scene)
    assert [m.name for m in theirs.members()][-1] == "Newcomer"


def test_keys_destroyed_elsewhere_drop_cached_plaintext(
    pair: tuple[Ledger, Ledger],
) -> None:
    """A key destroyed by another Ledger, with no new event, still empties the cache."""
    ours, theirs = pair
    scene = set_scene(theirs)
    theirs.declare_lived_experience(scene.member, categories=["DIS"])
    assert ours.member(scene.member).lived_experience == ("DIS",)
    head = theirs.position
    theirs._keys.destroy(scene.member, (Purpose.LIVED_EXPERIENCE,))
    assert theirs.position == head  # the head did not move: only the keys changed
    assert ours.member(scene.member).lived_experience == ()


def counting(ledger: Ledger, name: str) -> list[int]:
    """Count calls of the ledger's recorder method *name* (one item per call)."""
    recorder = ledger._app.recorder
    calls: list[int] = []
    original: Callable[..., Any] = getattr(recorder, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    setattr(recorder, name, counted)
    return calls


def test_a_lone_writer_reads_only_the_head_per_command(ledger: Ledger) -> None:
    """Alone, a command on cached records reads no stored events.

    It reads the head once, except on SQLite, whose insert checks the head
    instead (the first new id is the head + 1 only if no one else wrote).
    """
    scene = set_scene(ledger)
    ledger.open_voting(scene.proposal, by=scene.admin)
    ledger.cast_ballot(scene.proposal, voter=scene.member, choice="for")
    reads = counting(ledger, "select_events")
    recorder = ledger._app.recorder  # the head, and the state stored there
    heads = counting(
        ledger,
        "head_states" if hasattr(recorder, "head_states") else "max_notification_id",
    )
    for choice in ("against", "abstain", "for"):
        ledger.cast_ballot(scene.proposal, voter=scene.member, choice=choice)
    per_command = 0 if ledger.config.backend == "sqlite" else 1
    assert (len(reads), len(heads)) == (0, 3 * per_command)
    assert ledger.tally(scene.proposal).counts == {
        "for": 1,
        "against": 0,
        "abstain": 0,
        "block": 0,
    }


def test_a_record_changed_elsewhere_is_re_read_alone(
    pair: tuple[Ledger, Ledger],
) -> None:
    """Once the head moved, each cached record a command uses is re-read once."""
    ours, theirs = pair
    scene = set_scene(theirs)
    comment_with_supporter(ours, scene)
    theirs.change_role(scene.admin, "director", by=scene.admin)
    reads = counting(ours, "select_events")
    comment_with_supporter(ours, scene)
    assert len(reads) == 3  # Sam, Kim and the proposal
    comment_with_supporter(ours, scene)
    assert len(reads) == 3  # nothing new elsewhere: all three are current


def test_a_refusal_on_stale_records_is_checked_against_fresh_ones(
    pair: tuple[Ledger, Ledger],
) -> None:
    """A command refused on cached records runs again if the head moved meanwhile."""
    ours, theirs = pair
    scene = set_scene(theirs)
    theirs.revoke_supporter(scene.member, scene.supporter)
    ours.comment(scene.proposal, author=scene.member, text="First.")
    ours.comment(scene.proposal, author=scene.member, text="Second.")
    theirs.authorise_supporter(scene.member, scene.supporter)
    comment_with_supporter(ours, scene)  # our cache says Kim may not: re-checked
    assert len(theirs.proposal(scene.proposal).comments) == 3


def test_keys_are_destroyed_only_on_fresh_records(pair: tuple[Ledger, Ledger]) -> None:
    """A command that shreds keys reads the head first, so it shreds once, freshly.

    Keys are destroyed outside the ledger's transaction, so a command must not
    do it on cached records that another writer has changed since.
    """
    ours, theirs = pair
    scene = set_scene(theirs)
    theirs.declare_lived_experience(scene.member, categories=["DIS"])
    ours.change_role(scene.member, "trainer", by=scene.admin)
    ours.change_role(scene.member, "member", by=scene.admin)  # Sam is cached
    theirs.change_role(scene.member, "director", by=scene.admin)
    destroyed: list[int] = []
    original = ours._keys.destroy

    def destroy(*args: Any, **kwargs: Any) -> int:
        destroyed.append(1)
        return original(*args, **kwargs)

    ours._keys.destroy = destroy  # type: ignore[method-assign]
    ours.withdraw_lived_experience(scene.member)
    assert len(destroyed) == 1
    sam = theirs.member(scene.member)
    assert (sam.role, sam.lived_experience) == ("director", ())


def test_a_trusted_head_that_moved_stores_nothing_of_the_stale_attempt(
    pair: tuple[Ledger, Ledger],
) -> None:
    """A command run on records others changed since is stored once, freshly."""
    ours, theirs = pair
    scene = set_scene(theirs)
    ours.open_voting(scene.proposal, by=scene.admin)
    ours.cast_ballot(scene.proposal, voter=scene.member, choice="for")
    theirs.cast_ballot(scene.proposal, voter=scene.member, choice="against")
    head = theirs.position
    inserts = counting(ours, "insert_events")
    ours.cast_ballot(scene.proposal, voter=scene.member, choice="abstain")
    # On SQLite the first insert, on the head ours trusted, is refused.
    assert len(inserts) == (2 if ours.config.backend == "sqlite" else 1)
    assert ours.position == head + 1
    assert theirs.tally(scene.proposal).counts["abstain"] == 1
    key = SigningKey.generate("cache.example/ledger")
    checkpoint = theirs.checkpoint(key)
    report = theirs.verify(Verifier.parse(key.verifier), [checkpoint.note])
    assert report.status == "VERIFIED", report.to_text()
    assert report.size == head + 1


def test_a_command_that_stored_its_events_is_never_run_again(
    pair: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure after the save, with others writing meanwhile, stores nothing twice."""
    ours, theirs = pair
    scene = set_scene(theirs)
    ours.open_voting(scene.proposal, by=scene.admin)
    ours.cast_ballot(scene.proposal, voter=scene.member, choice="for")
    real_save = ours._save

    def save_then_fail(*aggregates: Any) -> None:
        real_save(*aggregates)
        theirs.cast_ballot(scene.proposal, voter=scene.member, choice="against")
        raise RuntimeError("failed after the save")

    monkeypatch.setattr(ours, "_save", save_then_fail)
    before = theirs.position
    with pytest.raises(RuntimeError, match="after the save"):
        ours.cast_ballot(scene.proposal, voter=scene.member, choice="abstain")
    assert theirs.position == before + 2  # ours once, theirs once: no second try
