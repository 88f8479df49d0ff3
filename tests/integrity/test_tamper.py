"""The tamper suite: an attacker edits the database with raw SQL; verify must say so.

Each test builds a real ledger through the Ledger API (on a SQLite file, and on
PostgreSQL for the cases that apply there), signs a checkpoint with a fresh
Ed25519 key, closes the ledger, and then tampers as an attacker with database
access would: ``sqlite3`` or ``psycopg``, no coledger code except the public
leaf formula (which a careful attacker can copy). The auditor then runs
``coledger.integrity.verify`` on a read-only source with the pinned key and the
checkpoints they kept, and the test checks the verdict and the finding codes
(the cases of integrity.md §5). The controls, first, must stay VERIFIED.
"""

from __future__ import annotations

import base64
import itertools
import re
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from psycopg import sql

from coledger import Ledger
from coledger.errors import (
    InconsistentCheckpointError,
    InvalidInputError,
    ProofError,
    StorageError,
)
from coledger.integrity import (
    FAILED,
    PARTIAL,
    VERIFIED,
    Report,
    SigningKey,
    Verifier,
    audit_copy,
    verify,
)
from coledger.integrity import source as source_module
from coledger.integrity.checkpoints import read_unverified
from coledger.integrity.merkle import root
from coledger.integrity.source import SQLiteSource, open_source
from coledger.integrity.verify import MAX_SHOWN, Finding, printable
from coledger.storage import PG_EVENTS_TABLE
from conftest import PG_CONNINFO
from integrity_helpers import (
    BALLOT_TOPIC,
    BOTH,
    ORIGIN,
    REGISTERED_TOPIC,
    STORY_BALLOT,
    STORY_DECIDED,
    STORY_SIZE,
    EventRow,
    Scene,
    audit,
    build,
    build_on,
    codes,
    copy_ledger,
    extend,
    tampering,
)

BALLOT, DECIDED, SIZE = STORY_BALLOT, STORY_DECIDED, STORY_SIZE


@pytest.fixture
def scene(tmp_path: Path) -> Scene:
    """A ledger on a SQLite file with one signed checkpoint of its 16 events."""
    return build("sqlite", tmp_path)


@pytest.fixture(params=BOTH)
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Scene:
    """The same ledger and checkpoint, on a SQLite file and on PostgreSQL."""
    return build_on(request, tmp_path)


def two_checkpoints(scene: Scene) -> Scene:
    """Add five events and a second checkpoint (sizes 16 and 21)."""
    extend(scene, 5)
    return scene


# Controls: no false positives ---------------------------------------------------------


def test_clean_log_is_verified(both: Scene) -> None:
    """An untouched log with its checkpoint is VERIFIED with no findings."""
    report = audit(both)
    assert report.status == VERIFIED
    assert report.findings == ()
    assert (report.size, report.anchored, report.checkpoints) == (SIZE, SIZE, 1)
    assert report.exit_code == 0


def test_clean_log_with_two_checkpoints_is_verified(scene: Scene) -> None:
    """Both of two successive genuine checkpoints match; the log is VERIFIED."""
    two_checkpoints(scene)
    report = audit(scene)
    assert report.status == VERIFIED
    assert (report.size, report.anchored, report.checkpoints) == (21, 21, 2)


def test_no_checkpoint_is_partial_never_verified(scene: Scene) -> None:
    """Without a kept checkpoint nothing is anchored: PARTIAL, exit code 3."""
    report = audit(scene, notes=[])
    assert report.status == PARTIAL
    assert codes(report) == {"NO_CHECKPOINT"}
    assert report.exit_code == 3
    assert audit(scene, notes=[], pinned=False).status == PARTIAL


def test_an_empty_ledger_without_checkpoint_is_partial(tmp_path: Path) -> None:
    """Even an empty ledger is PARTIAL without a checkpoint, VERIFIED with one."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key = SigningKey.generate(ORIGIN)
    with Ledger.open(url) as ledger:
        note = ledger.checkpoint(key).note
    source = open_source(url)
    try:
        assert verify(source, Verifier.parse(key.verifier), []).status == PARTIAL
        report = verify(source, Verifier.parse(key.verifier), [note])
    finally:
        source.close()
    assert (report.status, report.size, report.anchored) == (VERIFIED, 0, 0)


def test_one_event_is_told_in_the_singular(tmp_path: Path) -> None:
    """A log of one event, and a checkpoint over one, read "1 event", not "1 events"."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    key = SigningKey.generate(ORIGIN)
    with Ledger.open(url) as ledger:
        ledger.register_member("Ada")
        note = ledger.checkpoint(key).note
    source = open_source(url)
    try:
        report = verify(source, Verifier.parse(key.verifier), [note])
    finally:
        source.close()
    assert report.to_text().startswith("ledger: 1 event in the hash chain;")
    with sqlite3.connect(tmp_path / "ledger.db") as db:
        db.execute("DELETE FROM coledger_leaves")
        db.execute("DELETE FROM stored_events")
    source = open_source(url)
    try:
        report = verify(source, Verifier.parse(key.verifier), [note])
    finally:
        source.close()
    [truncated] = [f for f in report.findings if f.code == "TRUNCATED"]
    assert truncated.detail.endswith("covers 1 event; the log holds 0")


def test_newer_events_are_unanchored(scene: Scene) -> None:
    """Events after the last checkpoint make the verdict PARTIAL (UNANCHORED)."""
    extend(scene, 3, sign=False)
    report = audit(scene)
    assert report.status == PARTIAL
    assert codes(report) == {"UNANCHORED"}
    assert (report.size, report.anchored) == (SIZE + 3, SIZE)


def test_deleting_stored_checkpoints_has_no_effect(scene: Scene) -> None:
    """The database's own checkpoint copies never count, deleted or forged."""
    with tampering(scene) as raw:
        assert raw.run("SELECT COUNT(*) FROM {checkpoints}") == [(1,)]
        raw.run("DELETE FROM {checkpoints}")
    assert audit(scene).status == VERIFIED
    with tampering(scene) as raw:
        raw.run(
            "INSERT INTO {checkpoints} (size, note) VALUES (?, ?)",
            (SIZE, scene.notes[0]),
        )
    assert audit(scene, notes=[]).status == PARTIAL


def test_erasure_and_a_new_checkpoint_stay_verified(both: Scene) -> None:
    """Crypto-shredding changes no stored byte: old and new checkpoints both match."""
    with both.open() as ledger:
        before = ledger.tally(both.proposal)
        ledger.erase_member(both.voters[1], by=both.admin)
        both.notes.append(ledger.checkpoint(both.key).note)
        assert ledger.tally(both.proposal) == before
        assert ledger.member(both.voters[1]).erased
    report = audit(both)
    assert report.status == VERIFIED
    assert report.checkpoints == 2
    assert report.anchored == report.size == SIZE + 1
    assert audit(both, notes=both.notes[:1]).status == PARTIAL


def test_notification_id_gaps_in_sqlite_are_not_tampering(scene: Scene) -> None:
    """Notification ids that increase with gaps (they are not hashed) still verify."""
    with tampering(scene) as raw:
        raw.move_events_up(first_nid=6, offset=100)
        raw.move_events_up(first_nid=110, offset=7)
        nids = [leaf.nid for leaf in raw.leaves()]
    assert nids != list(range(1, SIZE + 1))
    assert nids == sorted(nids)
    assert audit(scene).status == VERIFIED


@pytest.mark.postgres
def test_postgres_sequence_gaps_are_not_tampering(
    tmp_path: Path, pg_schema: str
) -> None:
    """A rolled-back insert burns a PostgreSQL sequence value: no finding."""
    scene = build("postgres", tmp_path, pg_schema)
    with tampering(scene) as raw:
        raw.insert_event(uuid.uuid4(), 1, REGISTERED_TOPIC, b"{}")
        raw.rollback()
    extend(scene, 2)
    with tampering(scene) as raw:
        nids = [leaf.nid for leaf in raw.leaves()]
        indices = [leaf.index for leaf in raw.leaves()]
    assert nids != list(range(1, len(nids) + 1)), "the rollback left no gap"
    assert indices == list(range(SIZE + 2))
    report = audit(scene)
    assert report.status == VERIFIED, report.counts


WRITERS = 4
PER_WRITER = 6


def concurrent_writes(scene: Scene) -> None:
    """WRITERS threads, each with its own Ledger, register members at the same time."""
    ledgers = [scene.open() for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(ledger: Ledger, number: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(PER_WRITER):
                ledger.register_member(f"Writer {number} member {i}")
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(ledger, n))
        for n, ledger in enumerate(ledgers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for ledger in ledgers:
        ledger.close()
    assert errors == []


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_concurrent_writers_give_one_leaf_per_event(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Threads with their own Ledgers leave one leaf per event, indices contiguous."""
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    scene = build(backend, tmp_path, schema)
    concurrent_writes(scene)
    total = SIZE + WRITERS * PER_WRITER
    with tampering(scene) as raw:
        events, leaves = raw.events(), raw.leaves()
    assert len(events) == len(leaves) == total
    assert [leaf.index for leaf in leaves] == list(range(total))
    assert [leaf.nid for leaf in leaves] == [event.nid for event in events]
    extend(scene, 0)
    report = audit(scene)
    assert report.status == VERIFIED, report.counts
    assert report.anchored == total


# 1-2: modified rows -------------------------------------------------------------------


def test_flipped_state_byte_is_modified(both: Scene) -> None:
    """One flipped bit in a stored state: MODIFIED at that leaf, and ROOT_MISMATCH."""
    with tampering(both) as raw:
        event = raw.event_at(BALLOT)
        raw.flip_state_bit(event.nid, bit=100)
    report = audit(both)
    assert report.status == FAILED
    assert {"MODIFIED", "ROOT_MISMATCH"} <= codes(report)
    modified = [f for f in report.findings if f.code == "MODIFIED"]
    assert [(f.leaf_index, f.originator_id, f.version) for f in modified] == [
        (BALLOT, str(event.originator_id), event.version)
    ]
    assert report.exit_code == 1
    where = f"MODIFIED at leaf {BALLOT} (record {event.originator_id}, version "
    assert f"{where}{event.version})" in report.to_text()


def test_changed_topic_is_modified(scene: Scene) -> None:
    """Renaming an event's topic (a ballot made into a comment) is MODIFIED."""
    with tampering(scene) as raw:
        event = raw.event_at(BALLOT)
        raw.set_event(event.nid, "topic", "coledger.domain.proposal:Proposal.Commented")
    report = audit(scene)
    assert report.status == FAILED
    assert codes(report) == {"MODIFIED", "ROOT_MISMATCH", "UNANCHORED"}


def test_changed_version_is_modified_and_a_stream_gap(scene: Scene) -> None:
    """Changing an event's version breaks its leaf and its stream's 1, 2, 3..."""
    with tampering(scene) as raw:
        event = raw.event_at(DECIDED)
        raw.set_event(event.nid, "originator_version", event.version + 5)
    report = audit(scene)
    assert report.status == FAILED
    assert {"MODIFIED", "STREAM_GAP", "ROOT_MISMATCH"} <= codes(report)


def test_changed_originator_is_modified(scene: Scene) -> None:
    """Moving an event to another record (another stream) is MODIFIED."""
    with tampering(scene) as raw:
        event = raw.event_at(BALLOT)
        raw.set_event(event.nid, "originator_id", uuid.uuid4().hex)
    report = audit(scene)
    assert report.status == FAILED
    assert {"MODIFIED", "STREAM_GAP", "ROOT_MISMATCH"} <= codes(report)


# 3: a consistent rewrite of row and leaf ----------------------------------------------


def test_rewritten_row_and_leaf_is_a_root_mismatch(both: Scene) -> None:
    """Rewriting a row AND its leaf hashes consistently leaves only ROOT_MISMATCH."""
    with tampering(both) as raw:
        state = raw.event_at(BALLOT).state.replace(b'"for"', b'"against"')
        raw.rewrite_with_leaf(BALLOT, state)
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"ROOT_MISMATCH", "UNANCHORED"}
    assert report.anchored == 0


def test_a_rewrite_is_localised_between_checkpoints(scene: Scene) -> None:
    """A rewrite in leaves 16..20 fails the size-21 checkpoint, not the size-16 one."""
    two_checkpoints(scene)
    with tampering(scene) as raw:
        raw.rewrite_with_leaf(SIZE + 2, raw.event_at(SIZE + 2).state + b" ")
    report = audit(scene)
    assert report.status == FAILED
    assert codes(report) == {"ROOT_MISMATCH", "UNANCHORED"}
    assert report.anchored == SIZE
    [mismatch] = [f for f in report.findings if f.code == "ROOT_MISMATCH"]
    assert mismatch.leaf_index == SIZE + 4  # the last leaf the later root covers


# 4-6: deletions -----------------------------------------------------------------------


def test_deleted_event_row_is_missing(both: Scene) -> None:
    """Deleting a ballot's row (its leaf kept) is MISSING_EVENT and a STREAM_GAP."""
    with tampering(both) as raw:
        raw.delete_event(raw.event_at(BALLOT).nid)
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"MISSING_EVENT", "STREAM_GAP"}
    [missing] = [f for f in report.findings if f.code == "MISSING_EVENT"]
    assert missing.leaf_index == BALLOT


def test_an_event_put_in_place_of_a_deleted_one_is_unledgered(both: Scene) -> None:
    """With as many event rows as leaves, one of them with no leaf is still listed."""
    with tampering(both) as raw:
        ballot = raw.event_at(BALLOT)
        raw.delete_event(ballot.nid)
        raw.insert_event(uuid.uuid4(), 1, BALLOT_TOPIC, ballot.state)
    report = audit(both)
    assert codes(report) == {"MISSING_EVENT", "STREAM_GAP", "UNLEDGERED_EVENT"}


def test_an_unledgered_event_with_a_version_that_is_no_number_names_none(
    scene: Scene,
) -> None:
    """An unledgered row's finding gives its version only when it is a whole number."""
    with tampering(scene) as raw:
        raw.insert_event(uuid.uuid4(), "four", BALLOT_TOPIC, b"{}")  # type: ignore[arg-type]
    report = audit(scene)
    [finding] = report.findings
    assert (finding.code, finding.version) == ("UNLEDGERED_EVENT", None)
    assert report.to_json()["findings"][0]["version"] is None


def test_a_leaf_sharing_the_previous_ones_notification_id_is_reordered(
    scene: Scene,
) -> None:
    """A notification id equal to the one before (not greater) is REORDERED."""
    with tampering(scene) as raw:
        raw.loosen_leaves()
        raw.run(
            "UPDATE {leaves} SET notification_id = ? WHERE leaf_index = ?",
            (raw.event_at(BALLOT).nid, BALLOT + 1),
        )
    report = audit(scene)
    reordered = {f.leaf_index for f in report.findings if f.code == "REORDERED"}
    assert reordered == {BALLOT + 1}


def test_an_id_after_one_that_is_no_number_is_still_checked_for_order(
    scene: Scene,
) -> None:
    """After a leaf whose notification id is no number, the last number still rules."""
    with tampering(scene) as raw:
        before, after = raw.event_at(BALLOT - 1).nid, raw.event_at(BALLOT + 1).nid
        moves = [
            (BALLOT, "x"),
            (BALLOT - 1, -1),
            (BALLOT + 1, before),
            (BALLOT - 1, after),
        ]
        for index, nid in moves:
            raw.run(
                "UPDATE {leaves} SET notification_id = ? WHERE leaf_index = ?",
                (nid, index),
            )
    report = audit(scene)
    reordered = {f.leaf_index for f in report.findings if f.code == "REORDERED"}
    assert reordered == {BALLOT, BALLOT + 1}


def test_deleted_last_event_of_a_stream_is_missing(scene: Scene) -> None:
    """Deleting a stream's last event (no gap follows) is still MISSING_EVENT."""
    with tampering(scene) as raw:
        raw.delete_event(raw.event_at(DECIDED).nid)
    report = audit(scene)
    assert report.status == FAILED
    assert codes(report) == {"MISSING_EVENT"}


def test_deleted_leaf_alone_is_a_gap_and_an_unledgered_event(scene: Scene) -> None:
    """Deleting only a leaf row: LEDGER_GAP, the event UNLEDGERED, the root wrong."""
    with tampering(scene) as raw:
        raw.run("DELETE FROM {leaves} WHERE leaf_index = ?", (BALLOT,))
    report = audit(scene)
    assert report.status == FAILED
    assert {"LEDGER_GAP", "UNLEDGERED_EVENT"} <= codes(report)


def test_deleted_event_and_leaf_renumbered_is_truncated(scene: Scene) -> None:
    """Deleting an event and its leaf and closing the gap: TRUNCATED and STREAM_GAP."""
    with tampering(scene) as raw:
        raw.delete_event_and_leaf(BALLOT)
    report = audit(scene)
    assert report.status == FAILED
    assert {"TRUNCATED", "STREAM_GAP"} <= codes(report)
    assert report.size == SIZE - 1


def test_deleted_event_and_leaf_under_two_checkpoints(scene: Scene) -> None:
    """With a later checkpoint too, the renumbered log fails the earlier root."""
    two_checkpoints(scene)
    with tampering(scene) as raw:
        raw.delete_event_and_leaf(BALLOT)
    report = audit(scene)
    assert report.status == FAILED
    assert {"ROOT_MISMATCH", "TRUNCATED", "STREAM_GAP"} <= codes(report)


@pytest.mark.parametrize("renumber", [True, False], ids=["renumbered", "holes"])
def test_deleted_stream_is_a_root_mismatch(scene: Scene, renumber: bool) -> None:
    """Deleting a whole record (all its events and leaves) fails the root."""
    two_checkpoints(scene)
    with tampering(scene) as raw:
        body = raw.event_at(1).originator_id
        indices = [
            leaf.index
            for leaf in raw.leaves()
            if raw.event_at(leaf.index).originator_id == body
        ]
        assert len(indices) == 5  # established, three seats, a vote opened
        for index in reversed(indices):
            raw.delete_event_and_leaf(index, renumber=renumber)
    report = audit(scene)
    assert report.status == FAILED
    assert "ROOT_MISMATCH" in codes(report)
    assert "STREAM_GAP" not in codes(report)
    if not renumber:
        assert "LEDGER_GAP" in codes(report)


# 7-9: reordering ----------------------------------------------------------------------


def test_swapped_states_are_two_modified_rows(scene: Scene) -> None:
    """Swapping the stored states of two rows is MODIFIED at both."""
    with tampering(scene) as raw:
        raw.swap_states(raw.event_at(2).nid, raw.event_at(3).nid)
    report = audit(scene)
    assert report.status == FAILED
    assert report.counts["MODIFIED"] == 2
    assert {f.leaf_index for f in report.findings if f.code == "MODIFIED"} == {2, 3}
    assert "ROOT_MISMATCH" in codes(report)


def test_swapped_leaf_order_is_reordered(both: Scene) -> None:
    """Swapping two leaves' indices is REORDERED and ROOT_MISMATCH."""
    with tampering(both) as raw:
        raw.swap_leaf_order(2, 3)
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"REORDERED", "ROOT_MISMATCH", "UNANCHORED"}


def test_renumbered_notification_id_is_reordered(scene: Scene) -> None:
    """Moving a row later in the notification log (event and leaf) is REORDERED."""
    with tampering(scene) as raw:
        nid = raw.event_at(5).nid
        raw.run("UPDATE {events} SET {nid} = 1000 WHERE {nid} = ?", (nid,))
        raw.run(
            "UPDATE {leaves} SET notification_id = 1000 WHERE notification_id = ?",
            (nid,),
        )
    report = audit(scene)
    assert report.status == FAILED
    assert codes(report) == {"REORDERED"}
    [reordered] = report.findings
    assert reordered.leaf_index == 6
    assert reordered.detail == (
        f"notification id {nid + 1} does not come after 1000, the previous leaf's: "
        "this row or the one before it was moved"
    )


def test_first_events_renumbered_to_0_or_below_are_reordered(both: Scene) -> None:
    """Rows moved in order to 0 and below, where the app never reads, are REORDERED."""
    with tampering(both) as raw:
        raw.run("UPDATE {events} SET {nid} = {nid} - 2 WHERE {nid} <= 2")
        raw.run(
            "UPDATE {leaves} SET notification_id = notification_id - 2 "
            "WHERE notification_id <= 2"
        )
    with both.open() as ledger:  # the application reads its log from position 1
        assert len(list(ledger.history())) == SIZE - 2
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"REORDERED"}
    unread = "the application reads its log from position 1 on, so it never reads"
    assert [(f.leaf_index, f.detail) for f in report.findings] == [
        (index, f"notification id {nid} is not above 0: {unread} this event")
        for index, nid in ((0, -1), (1, 0))
    ]


# 10-11: truncation and forks ----------------------------------------------------------


def test_truncated_tail_is_truncated(both: Scene) -> None:
    """Dropping the last events and their leaves is TRUNCATED."""
    with tampering(both) as raw:
        raw.truncate(keep=12)
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"TRUNCATED", "UNANCHORED"}
    assert report.size == 12
    (truncated,) = (f for f in report.findings if f.code == "TRUNCATED")
    assert truncated.detail.startswith(f"checkpoint {len(both.notes)}: ")
    assert f"covers {STORY_SIZE} events; the log holds 12" in truncated.detail


def test_fork_after_truncation_is_a_root_mismatch(both: Scene) -> None:
    """Truncating, then letting the ledger write other events, fails the root."""
    with tampering(both) as raw:
        raw.truncate(keep=10)
    extend(both, 6, sign=False)
    report = audit(both)
    assert report.status == FAILED
    assert "ROOT_MISMATCH" in codes(report)
    assert report.size == 16


def test_fork_through_the_ledger_continues_a_stream(scene: Scene) -> None:
    """A rollback-and-rewrite that re-casts different ballots fails the root."""
    with tampering(scene) as raw:
        raw.truncate(keep=BALLOT)
    with scene.open() as ledger:
        for voter in scene.voters[1:]:
            ledger.cast_ballot(scene.proposal, voter=voter, choice="against")
        ledger.close_voting(scene.proposal, by=scene.admin)
        ledger.register_member("Padding")
    report = audit(scene)
    assert report.status == FAILED
    assert "ROOT_MISMATCH" in codes(report)


# 12-13: forged inserts with correct leaves --------------------------------------------


def test_forged_event_after_the_checkpoint_is_unanchored(both: Scene) -> None:
    """A forged event with a correct leaf after the checkpoint is never VERIFIED."""
    with tampering(both) as raw:
        ballot = raw.event_at(BALLOT)
        version = raw.event_at(DECIDED).version + 1
        nid = raw.insert_event(
            ballot.originator_id, version, BALLOT_TOPIC, ballot.state
        )
        forged = EventRow(
            nid, ballot.originator_id, version, BALLOT_TOPIC, ballot.state
        )
        raw.insert_leaf(SIZE, forged)
    report = audit(both)
    assert report.status == PARTIAL
    assert codes(report) == {"UNANCHORED"}
    assert (report.size, report.anchored) == (SIZE + 1, SIZE)


def test_forged_event_mid_log_is_a_root_mismatch(scene: Scene) -> None:
    """A forged event with a correct leaf slipped into the middle fails the root."""
    with tampering(scene) as raw:
        after = raw.event_at(4)
        raw.move_events_up(first_nid=after.nid + 1, offset=1000)
        raw.shift_leaves(5, 1)
        forged = uuid.uuid4()
        state = raw.event_at(4).state
        nid = raw.insert_event(forged, 1, REGISTERED_TOPIC, state, nid=after.nid + 1)
        raw.insert_leaf(5, EventRow(nid, forged, 1, REGISTERED_TOPIC, state))
    report = audit(scene)
    assert report.status == FAILED
    assert codes(report) == {"ROOT_MISMATCH", "UNANCHORED"}


@pytest.mark.parametrize(
    "index", [2**62 + 7, 2**63 - 1, -3], ids=["far", "last", "neg"]
)
def test_a_forged_leaf_outside_the_positions_is_still_walked(
    both: Scene, index: int
) -> None:
    """A forged event whose leaf index no real leaf could have is never VERIFIED.

    Every leaf row is walked, whatever its index: one the walk skipped would
    still cover its event, which no finding would then name.
    """
    with tampering(both) as raw:
        forged = uuid.uuid4()
        state = raw.event_at(4).state
        nid = raw.insert_event(forged, 1, REGISTERED_TOPIC, state)
        raw.insert_leaf(index, EventRow(nid, forged, 1, REGISTERED_TOPIC, state))
    report = audit(both)
    assert report.status == FAILED
    assert "LEDGER_GAP" in codes(report)
    assert report.size == SIZE + 1


# 14-16: checkpoints -------------------------------------------------------------------


def forge_rewrite(scene: Scene) -> bytes:
    """Rewrite a ballot and its leaf; return the forged log's root (anyone can)."""
    with tampering(scene) as raw:
        state = raw.event_at(BALLOT).state.replace(b'"for"', b'"against"')
        raw.rewrite_with_leaf(BALLOT, state)
        return root(leaf.leaf_hash for leaf in raw.leaves())


def test_checkpoint_signed_by_a_foreign_key_is_not_trusted(scene: Scene) -> None:
    """A forged history's checkpoint by another key is NO_TRUSTED_SIGNATURE."""
    forged_root = forge_rewrite(scene)
    forged = SigningKey.generate(ORIGIN).sign(SIZE, forged_root)
    report = audit(scene, notes=[forged])
    assert report.status == FAILED
    assert codes(report) == {"NO_TRUSTED_SIGNATURE", "NO_CHECKPOINT"}
    both_notes = audit(scene, notes=[scene.notes[0], forged])
    assert {"NO_TRUSTED_SIGNATURE", "ROOT_MISMATCH"} <= codes(both_notes)


def test_another_ledgers_checkpoint_is_a_wrong_origin(both: Scene) -> None:
    """Another organisation's genuine checkpoint is WRONG_ORIGIN, not a forgery."""
    theirs = SigningKey.generate("hillside.example/ledger")
    with both.open() as ledger:
        note = ledger.checkpoint(theirs).note
    report = audit(both, notes=[note, both.notes[0]])
    assert report.status == FAILED
    assert codes(report) == {"WRONG_ORIGIN"}
    [finding] = report.findings
    assert "hillside.example/ledger" in finding.detail
    assert (report.checkpoints, report.anchored) == (1, SIZE)


@pytest.mark.parametrize("field", ["size", "root"])
def test_edited_checkpoint_has_a_bad_signature(scene: Scene, field: str) -> None:
    """Editing the size or root text of the genuine checkpoint gives BAD_SIGNATURE."""
    with tampering(scene) as raw:
        raw.truncate(keep=12)
        truncated_root = root(leaf.leaf_hash for leaf in raw.leaves())
    origin, size, root_text, *rest = scene.notes[0].split("\n")
    if field == "size":
        size = "12"
    else:
        root_text = base64.b64encode(truncated_root).decode()
    edited = "\n".join([origin, size, root_text, *rest])
    report = audit(scene, notes=[edited])
    assert report.status == FAILED
    assert "BAD_SIGNATURE" in codes(report)


@pytest.mark.parametrize(
    "copy",
    [
        lambda n: n.replace("\n", "\r\n"),
        lambda n: n + "\n\n",
        lambda n: n.replace("\n", "\r\n") + "\r\n",
        lambda n: n.rstrip("\n"),
        lambda n: "\ufeff" + n.replace("\n", "\r\n"),
    ],
    ids=["CRLF", "blank lines after", "both", "no final newline", "saved by Notepad"],
)
def test_a_checkpoint_that_came_back_by_email_still_verifies(
    scene: Scene, copy: Any
) -> None:
    """Line ends and trailing blank lines are not what was signed; edits still are."""
    report = audit(scene, notes=[copy(scene.notes[0])])
    assert (report.status, report.anchored) == ("VERIFIED", report.size)
    edited = copy(scene.notes[0].replace(f"\n{SIZE}\n", f"\n{SIZE - 1}\n", 1))
    assert "BAD_SIGNATURE" in codes(audit(scene, notes=[edited]))


def test_a_note_with_a_stray_non_ascii_character_is_malformed(both: Scene) -> None:
    """A pasted note ending in a non-breaking space is MALFORMED; the rest counts."""
    pasted = both.notes[0].rstrip("\n") + "\u00a0\n"
    report = audit(both, notes=[pasted, both.notes[0]])
    assert report.status == FAILED
    assert codes(report) == {"MALFORMED"}
    assert (report.checkpoints, report.anchored) == (1, SIZE)


def test_a_note_with_a_lone_surrogate_is_malformed(scene: Scene) -> None:
    """A note holding text with no UTF-8 bytes is a MALFORMED finding, not a crash."""
    body, _, signature = scene.notes[0].rpartition("\n\n")
    damaged = body.replace(f"\n{SIZE}\n", "\n\ud800\n") + "\n\n" + signature
    report = audit(scene, notes=[damaged, scene.notes[0]])
    assert codes(report) == {"MALFORMED"}
    assert (report.checkpoints, report.anchored) == (1, SIZE)


@pytest.mark.parametrize("genuine_first", [True, False])
def test_two_roots_for_one_size_is_equivocation(
    scene: Scene, genuine_first: bool
) -> None:
    """Two checkpoints by the genuine key for one size with two roots: EQUIVOCATION."""
    forged_root = forge_rewrite(scene)
    forged = scene.key.sign(SIZE, forged_root)
    notes = [scene.notes[0], forged] if genuine_first else [forged, scene.notes[0]]
    report = audit(scene, notes=notes)
    assert report.status == FAILED
    assert "EQUIVOCATION" in codes(report)
    [finding] = [f for f in report.findings if f.code == "EQUIVOCATION"]
    assert scene.notes[0] in finding.detail
    assert forged in finding.detail


def test_two_roots_for_one_size_give_one_report_in_either_order(both: Scene) -> None:
    """A log matching one of two roots signed for its size is anchored, either order."""
    with tampering(both) as raw:
        leaves = [leaf.leaf_hash for leaf in raw.leaves()]
    forged = both.key.sign(SIZE, root([*leaves[:-1], bytes(32)]))
    genuine_first = audit(both, notes=[both.notes[0], forged])
    forged_first = audit(both, notes=[forged, both.notes[0]])
    assert genuine_first.counts == forged_first.counts == {"EQUIVOCATION": 1}
    assert genuine_first.anchored == forged_first.anchored == SIZE
    assert genuine_first.checkpoints == forged_first.checkpoints == 2
    rewritten = audit(both, notes=[forged, both.notes[0], both.notes[0], forged])
    assert rewritten.counts == {"EQUIVOCATION": 1}


def test_two_roots_for_one_size_that_the_log_matches_neither_of(scene: Scene) -> None:
    """A log that matches neither root signed for its size mismatches both."""
    forged = scene.key.sign(SIZE, root([bytes(32)] * SIZE))
    forge_rewrite(scene)
    for notes in ([scene.notes[0], forged], [forged, scene.notes[0]]):
        report = audit(scene, notes=notes)
        assert report.counts == {
            "EQUIVOCATION": 1,
            "ROOT_MISMATCH": 2,
            "UNANCHORED": 1,
        }
        assert report.anchored == 0


def test_a_later_checkpoint_of_a_rewritten_history_is_equivocation(
    both: Scene,
) -> None:
    """A larger note that matches a log its smaller note does not: EQUIVOCATION.

    The key holder rewrote a ballot, dropped the stored copies and signed the
    grown log: the later note vouches for leaves that the earlier one rules
    out, so the key signed two histories, whatever the database holds.
    """
    forge_rewrite(both)
    with tampering(both) as raw:
        raw.run("DELETE FROM {checkpoints}")
    extend(both, 2)
    earlier, later = both.notes
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"ROOT_MISMATCH", "EQUIVOCATION"}
    assert report.anchored == SIZE + 2  # the later note matches the log it signed
    [finding] = [f for f in report.findings if f.code == "EQUIVOCATION"]
    assert finding.detail.startswith("checkpoint 1 and checkpoint 2: ")
    assert earlier in finding.detail
    assert later in finding.detail
    assert finding.leaf_index == SIZE - 1
    assert audit(both, notes=[later, earlier]).counts == report.counts


def test_a_fork_names_the_larger_note_the_log_matched_in_either_order(
    both: Scene,
) -> None:
    """Of two roots signed for the larger size, the fork cites the one the log matched.

    The forged smaller and larger notes may well agree with each other; only
    the note the walked leaves hash to proves that the key signed a second
    history, so it is the one named and printed, whatever order they came in.
    """
    with tampering(both) as raw:
        leaves = [leaf.leaf_hash for leaf in raw.leaves()]
    smaller = both.key.sign(SIZE - 6, root([bytes(32)] * (SIZE - 6)))
    larger = both.key.sign(SIZE, root([bytes(32)] * SIZE))
    genuine = both.notes[0]
    assert root(leaves) == read_unverified(genuine).root
    for notes in ([smaller, larger, genuine], [smaller, genuine, larger]):
        report = audit(both, notes=notes)
        assert report.counts == {"EQUIVOCATION": 2, "ROOT_MISMATCH": 1}
        [fork] = [
            f
            for f in report.findings
            if f.code == "EQUIVOCATION" and f.leaf_index == SIZE - 7
        ]
        named = f"checkpoint {notes.index(genuine) + 1}"
        assert fork.detail.startswith(f"checkpoint 1 and {named}: ")
        assert genuine in fork.detail
        assert larger not in fork.detail


def test_a_later_checkpoint_of_a_tampered_log_is_no_equivocation(
    scene: Scene,
) -> None:
    """A larger note that the log does not match proves nothing about the key."""
    extend(scene, 2)
    forge_rewrite(scene)
    report = audit(scene)
    assert codes(report) == {"ROOT_MISMATCH", "UNANCHORED"}


def stored_copies(scene: Scene) -> int:
    """How many checkpoint copies the database keeps."""
    with tampering(scene) as raw:
        return int(raw.run("SELECT COUNT(*) FROM {checkpoints}")[0][0])


def test_the_operator_will_not_sign_a_fork_of_its_own_checkpoint(both: Scene) -> None:
    """A rewrite (event and leaf) under a signed copy is refused; nothing is stored."""
    forge_rewrite(both)
    with both.open() as ledger, pytest.raises(InconsistentCheckpointError) as raised:
        ledger.checkpoint(both.key)
    assert raised.value.code == "INCONSISTENT"
    assert "ROOT_MISMATCH" in raised.value.detail
    assert stored_copies(both) == 1


def test_the_operator_will_not_sign_a_log_cut_below_its_own_checkpoint(
    scene: Scene,
) -> None:
    """A log truncated below a size the key signed is refused (TRUNCATED)."""
    with tampering(scene) as raw:
        raw.truncate(keep=12)
    with scene.open() as ledger, pytest.raises(InconsistentCheckpointError) as raised:
        ledger.checkpoint(scene.key)
    assert "TRUNCATED" in raised.value.detail
    assert stored_copies(scene) == 1


def test_the_operator_will_not_sign_after_its_key_equivocated(scene: Scene) -> None:
    """Two stored copies by the key with two roots for one size: refused."""
    forged = scene.key.sign(SIZE, bytes(32))
    with tampering(scene) as raw:
        raw.run("INSERT INTO {checkpoints} (size, note) VALUES (?, ?)", (SIZE, forged))
    with scene.open() as ledger, pytest.raises(InconsistentCheckpointError) as raised:
        ledger.checkpoint(scene.key)
    assert "EQUIVOCATION" in raised.value.detail


def test_copies_signed_by_other_keys_do_not_stop_signing(scene: Scene) -> None:
    """Only copies the signing key itself signed bind it; others are ignored."""
    stranger = SigningKey.generate(ORIGIN).sign(SIZE, bytes(32))
    with tampering(scene) as raw:
        for note in (
            stranger,
            "not a note",
            scene.notes[0].replace(str(SIZE), str(SIZE - 1)),
        ):
            raw.run("INSERT INTO {checkpoints} (size, note) VALUES (?, ?)", (0, note))
    extend(scene, 2)
    assert stored_copies(scene) == 5
    report = audit(scene)
    assert (report.status, report.checkpoints, report.anchored) == (
        VERIFIED,
        2,
        SIZE + 2,
    )


# Receipts over a tampered log ---------------------------------------------------------


def test_prove_refuses_a_ballot_changed_under_its_leaf(both: Scene) -> None:
    """A ballot whose stored bytes no longer match its leaf gets no receipt."""
    with tampering(both) as raw:
        ballot = raw.event_at(BALLOT)
        raw.set_event(ballot.nid, "state", ballot.state.replace(b'"for"', b'"against"'))
    with both.open() as ledger, pytest.raises(ProofError) as raised:
        ledger.prove_ballot(both.proposal, both.voters[1], both.notes[0])
    assert raised.value.code == "MODIFIED"
    assert str(BALLOT) in raised.value.detail


# What the findings tell the auditor to do -------------------------------------------


def detail(report: Report, code: str) -> str:
    """The detail of the report's one finding with *code*."""
    [found] = [f.detail for f in report.findings if f.code == code]
    return found


def test_unanchored_after_tampering_does_not_ask_for_a_new_checkpoint(
    scene: Scene,
) -> None:
    """Events under a checkpoint that no longer matches are not called merely new."""
    with tampering(scene) as raw:
        raw.flip_state_bit(raw.event_at(BALLOT).nid, bit=100)
    rewritten = detail(audit(scene), "UNANCHORED")
    with tampering(scene) as raw:
        raw.truncate(keep=12)
    truncated = detail(audit(scene), "UNANCHORED")
    for text in (rewritten, truncated):
        assert "new one" not in text
        assert "newer" not in text
        assert "does not match the log" in text


def unanchored_summary(report: Report) -> str:
    """The text report's summary line for UNANCHORED, after its count."""
    lines = report.to_text().splitlines()
    [line] = [line for line in lines if line.startswith("  UNANCHORED")]
    return line.partition(": ")[2]


def test_the_summary_line_of_unanchored_holds_whichever_the_cause(scene: Scene) -> None:
    """The UNANCHORED summary line never calls events under a bad checkpoint new."""
    extend(scene, 2, sign=False)
    newer = unanchored_summary(audit(scene))
    with tampering(scene) as raw:
        raw.flip_state_bit(raw.event_at(BALLOT).nid, bit=100)
    rewritten = unanchored_summary(audit(scene))
    assert "newest" not in rewritten
    assert "not yet" not in rewritten
    assert rewritten == newer  # one line, true of both causes; the detail says which


def test_unanchored_new_events_ask_for_a_new_checkpoint(scene: Scene) -> None:
    """Events recorded after the last checkpoint are new: ask for another."""
    extend(scene, 2, sign=False)
    report = audit(scene)
    assert report.status == PARTIAL
    assert detail(report, "UNANCHORED") == (
        f"events {SIZE}..{SIZE + 1} are newer than the last trusted checkpoint; "
        "ask for a new one"
    )


def test_no_checkpoint_says_whether_any_was_given(scene: Scene) -> None:
    """Checkpoints given but not trusted are not met with 'pass the checkpoints'."""
    assert detail(audit(scene, notes=[]), "NO_CHECKPOINT") == (
        "pass the checkpoints you kept"
    )
    forged = SigningKey.generate(ORIGIN).sign(SIZE, bytes(32))
    untrusted = detail(audit(scene, notes=[forged, forged]), "NO_CHECKPOINT")
    assert "none of the 2 checkpoint(s) given opened under the pinned key" in untrusted
    unpinned = audit(scene, pinned=False)
    assert "no verifier key" in detail(unpinned, "NO_CHECKPOINT")
    assert "--trusted-key" in detail(unpinned, "NO_TRUSTED_SIGNATURE")


def test_findings_about_a_note_name_it(scene: Scene) -> None:
    """A note that will not open is named: by its place, or by the name given."""
    forged = SigningKey.generate(ORIGIN).sign(SIZE, bytes(32))
    notes = [scene.notes[0], forged]
    by_place = detail(audit(scene, notes=notes), "NO_TRUSTED_SIGNATURE")
    assert by_place == "checkpoint 2: not signed by the pinned key"
    with open_source(scene.url) as source:
        named = verify(source, scene.verifier, notes, names=["june.txt", "july.txt"])
    assert detail(named, "NO_TRUSTED_SIGNATURE").startswith("july.txt: ")
    for names in (["one"], "ab", [1, 2]):
        with open_source(scene.url) as source, pytest.raises(InvalidInputError):
            verify(source, scene.verifier, notes, names=names)  # type: ignore[arg-type]


def test_the_same_note_given_twice_is_no_equivocation(scene: Scene) -> None:
    """Two copies of one checkpoint sign one history: the log is VERIFIED."""
    report = audit(scene, notes=[scene.notes[0], scene.notes[0]])
    assert (report.status, report.counts) == (VERIFIED, {})


# 17-18: writes around coledger, malformed rows ----------------------------------------


def test_insert_bypassing_the_ledger_is_unledgered(both: Scene) -> None:
    """An event row inserted with no leaf is UNLEDGERED_EVENT."""
    with tampering(both) as raw:
        ballot = raw.event_at(BALLOT)
        version = raw.event_at(DECIDED).version + 1
        raw.insert_event(ballot.originator_id, version, BALLOT_TOPIC, ballot.state)
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"UNLEDGERED_EVENT"}
    [finding] = report.findings
    assert finding.version == 8


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("state", "tampered as text", {"MALFORMED_ROW", "MODIFIED"}),
        ("state", None, {"MALFORMED_ROW", "MODIFIED"}),
        ("originator_id", "not-a-uuid", {"MALFORMED_ROW", "MODIFIED"}),
        ("originator_id", b"\x00" * 16, {"MALFORMED_ROW", "MODIFIED"}),
        ("originator_version", "four", {"MALFORMED_ROW", "MODIFIED"}),
        ("originator_version", 2.5, {"MALFORMED_ROW", "MODIFIED"}),
        ("topic", BALLOT_TOPIC.encode(), {"MALFORMED_ROW"}),
    ],
    ids=[
        "text state",
        "null state",
        "non-uuid id",
        "blob id",
        "text version",
        "real version",
        "integer topic",
    ],
)
def test_malformed_rows_do_not_crash_the_verifier(
    scene: Scene, column: str, value: object, expected: set[str]
) -> None:
    """A value of the wrong type in an event column is MALFORMED_ROW, not a crash."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(BALLOT).nid, column, value)
    report = audit(scene)
    assert report.status == FAILED
    assert expected <= codes(report)
    assert any(
        f.leaf_index == BALLOT for f in report.findings if f.code == "MALFORMED_ROW"
    )


def test_a_malformed_event_row_names_its_record(scene: Scene) -> None:
    """MALFORMED_ROW about an event row names its record, as every finding does."""
    with tampering(scene) as raw:
        ballot = raw.event_at(BALLOT)
        raw.set_event(ballot.nid, "state", "tampered as text")
    report = audit(scene)
    [malformed] = [f for f in report.findings if f.code == "MALFORMED_ROW"]
    assert malformed.originator_id == str(ballot.originator_id)


def test_an_event_that_cannot_be_hashed_is_named_by_its_record(scene: Scene) -> None:
    """MODIFIED for a row no leaf can be computed from still says whose row it is."""
    with tampering(scene) as raw:
        ballot = raw.event_at(BALLOT)
        raw.set_event(ballot.nid, "originator_version", "two")
    report = audit(scene)
    [unhashable] = [
        f for f in report.findings if f.detail == "the event cannot be hashed"
    ]
    assert (unhashable.code, unhashable.leaf_index) == ("MODIFIED", BALLOT)
    assert unhashable.originator_id == str(ballot.originator_id)


def test_state_cast_to_text_is_malformed(scene: Scene) -> None:
    """The same bytes stored as TEXT instead of BLOB are still a MALFORMED_ROW."""
    with tampering(scene) as raw:
        raw.run(
            "UPDATE {events} SET state = CAST(state AS TEXT) WHERE {nid} = ?",
            (raw.event_at(BALLOT).nid,),
        )
    report = audit(scene)
    assert report.status == FAILED
    assert "MALFORMED_ROW" in codes(report)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("leaf_hash", "abc"),
        ("state_hash", "abc"),
        ("leaf_hash", b"\x01" * 31),
        ("state_hash", b"\x01" * 31),
        ("leaf_hash", b"\x01" * 33),
        ("state_hash", b"\x01" * 33),
    ],
    ids=[
        "text leaf",
        "text state",
        "short leaf",
        "short state",
        "long leaf",
        "long state",
    ],
)
def test_malformed_leaf_hashes_do_not_crash_the_verifier(
    scene: Scene, column: str, value: object
) -> None:
    """A stored hash that is text, or a blob not 32 bytes long, is MALFORMED_ROW."""
    with tampering(scene) as raw:
        raw.run(
            f"UPDATE {{leaves}} SET {column} = ? WHERE leaf_index = ?",  # noqa: S608
            (value, BALLOT),
        )
    report = audit(scene)
    assert report.status == FAILED
    assert {"MALFORMED_ROW", "MODIFIED"} <= codes(report)
    [malformed] = [f for f in report.findings if f.code == "MALFORMED_ROW"]
    assert malformed.leaf_index == BALLOT


@pytest.mark.parametrize("column", ["leaf_hash", "state_hash"])
def test_a_right_hash_stored_as_text_is_malformed(scene: Scene, column: str) -> None:
    """The right 32 bytes in a leaf row, stored as TEXT not BLOB, are MALFORMED_ROW."""
    with tampering(scene) as raw:
        raw.run(
            f"UPDATE {{leaves}} SET {column} = CAST({column} AS TEXT) "  # noqa: S608
            "WHERE leaf_index = ?",
            (BALLOT,),
        )
        [(kind, size)] = raw.run(
            f"SELECT typeof({column}), length(CAST({column} AS BLOB)) "  # noqa: S608
            "FROM {leaves} WHERE leaf_index = ?",
            (BALLOT,),
        )
    assert (kind, size) == ("text", 32)
    report = audit(scene)
    assert report.status == FAILED
    [malformed] = [f for f in report.findings if f.code == "MALFORMED_ROW"]
    assert malformed.leaf_index == BALLOT


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("events", "state"),
        ("events", "topic"),
        ("events", "originator_id"),
        ("leaves", "leaf_hash"),
    ],
)
def test_non_utf8_text_does_not_crash_the_verifier(
    scene: Scene, table: str, column: str
) -> None:
    """TEXT that is not UTF-8 (SQLite type confusion) is MALFORMED_ROW, not a crash."""
    with tampering(scene) as raw:
        where = "{nid} = 12" if table == "events" else f"leaf_index = {BALLOT}"
        raw.run(
            f"UPDATE {{{table}}} SET {column} = CAST(X'C3FF00' AS TEXT) WHERE {where}"  # noqa: S608
        )
    report = audit(scene)
    assert report.status == FAILED
    assert "MALFORMED_ROW" in codes(report)


def test_negative_version_does_not_crash_the_verifier(both: Scene) -> None:
    """An out-of-range version (negative) is a finding, not a crash."""
    with tampering(both) as raw:
        raw.set_event(raw.event_at(DECIDED).nid, "originator_version", -1)
    report = audit(both)
    assert report.status == FAILED
    assert "MODIFIED" in codes(report)


ID_FORMS = ("upper", "dashed", "braced", "suffixed")


def rewrite_ids(scene: Scene, form: str) -> None:
    """Write the proposal's last five rows' id as other text for the same UUID."""
    with tampering(scene) as raw:
        # read before writing: the helpers cannot parse a suffixed id back
        for event in [raw.event_at(index) for index in range(SIZE - 5, SIZE)]:
            text = {
                "upper": event.originator_id.hex.upper(),
                "dashed": str(event.originator_id),
                "braced": "{" + str(event.originator_id) + "}",
                "suffixed": event.originator_id.hex + "0",  # its 32 digits lead
            }[form]
            raw.set_event(event.nid, "originator_id", text)


@pytest.mark.parametrize("form", ID_FORMS)
def test_an_id_in_another_text_form_hides_events_from_the_ledger(
    scene: Scene, form: str
) -> None:
    """The same UUID in other text hides ballots and the decision from the ledger."""
    rewrite_ids(scene, form)
    with scene.open() as ledger:
        view = ledger.proposal(scene.proposal)
    assert view.status == "voting"
    assert view.ballots == ()


@pytest.mark.parametrize("form", ID_FORMS)
def test_an_id_in_another_text_form_is_detected(scene: Scene, form: str) -> None:
    """Rewriting a stored id as other text for the same UUID is not VERIFIED."""
    rewrite_ids(scene, form)
    report = audit(scene)
    assert report.status == FAILED


# Property: any single mutation of a random small log fails ----------------------------


MUTATIONS = ("flip", "delete", "swap", "truncate", "retopic", "reversion")


@pytest.fixture(scope="module")
def base_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Scene]:
    """One checkpointed ledger per story size (1 to 3 voters), built once."""
    logs = {}
    for voters in (1, 2, 3):
        logs[voters] = build(
            "sqlite", tmp_path_factory.mktemp(f"base{voters}"), voters=voters
        )
    return logs


EXAMPLE = itertools.count()
"""A fresh folder name per Hypothesis example."""


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    voters=st.sampled_from([1, 2, 3]),
    mutation=st.sampled_from(MUTATIONS),
    data=st.data(),
)
def test_any_single_mutation_fails(
    base_logs: dict[int, Scene],
    tmp_path: Path,
    voters: int,
    mutation: str,
    data: st.DataObject,
) -> None:
    """A random small log with one random mutation (of MUTATIONS) is FAILED."""
    scene = copy_ledger(base_logs[voters], tmp_path / str(next(EXAMPLE)))
    with tampering(scene) as raw:
        events = raw.events()
        pick = st.sampled_from(events)
        event = data.draw(pick, label="row")
        if mutation == "flip":
            bit = data.draw(st.integers(0, len(event.state) * 8 - 1), label="bit")
            raw.flip_state_bit(event.nid, bit)
        elif mutation == "delete":
            raw.delete_event(event.nid)
        elif mutation == "swap":
            other = data.draw(pick.filter(lambda e: e.nid != event.nid), label="other")
            assume(other.state != event.state)
            raw.swap_states(event.nid, other.nid)
        elif mutation == "truncate":
            keep = data.draw(st.integers(0, len(events) - 1), label="keep")
            raw.truncate(keep)
        elif mutation == "retopic":
            topic = data.draw(
                st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
                label="topic",
            )
            assume(topic != event.topic)
            raw.set_event(event.nid, "topic", topic)
        else:
            taken = {
                e.version for e in events if e.originator_id == event.originator_id
            }
            version = data.draw(
                st.integers(0, 2**63 - 1).filter(lambda v: v not in taken),
                label="version",
            )
            raw.set_event(event.nid, "originator_version", version)
    report = audit(scene)
    assert report.status == FAILED, (mutation, report.counts)


def test_unledgered_events_beyond_those_listed_are_all_counted(
    both: Scene,
) -> None:
    """More unledgered rows than the verifier reads in full are still all counted."""
    extra = source_module.LISTED + 3
    with tampering(both) as raw:
        ballot = raw.event_at(BALLOT)
        for _ in range(extra):
            raw.insert_event(uuid.uuid4(), 1, BALLOT_TOPIC, ballot.state)
    report = audit(both)
    assert report.status == FAILED
    assert report.counts["UNLEDGERED_EVENT"] == extra
    assert codes(report) == {"UNLEDGERED_EVENT"}  # the unlisted ones are accounted for


def test_text_report_says_how_many_findings_it_leaves_unlisted() -> None:
    """Past the findings listed of a code, the text report says how many more it has."""
    shown = [Finding("MODIFIED", "changed", leaf_index=i) for i in range(MAX_SHOWN)]
    report = Report(
        FAILED,
        80,
        0,
        0,
        (*shown, Finding("TRUNCATED", "gone")),
        {"MODIFIED": MAX_SHOWN + 12, "TRUNCATED": 1},
    )
    text = report.to_text()
    assert f"... and 12 more MODIFIED not listed (at most {MAX_SHOWN}" in text
    assert "more TRUNCATED" not in text
    assert text.splitlines()[-1] == f"STATUS: {FAILED}"


def test_at_most_50_findings_of_a_code_are_listed_but_all_are_counted(
    scene: Scene,
) -> None:
    """The 51st finding of one code is counted but not listed (the guide's cap)."""
    with tampering(scene) as raw:
        ballot = raw.event_at(BALLOT)
        for _ in range(51):
            raw.insert_event(uuid.uuid4(), 1, BALLOT_TOPIC, ballot.state)
    report = audit(scene)
    assert report.counts == {"UNLEDGERED_EVENT": 51}
    assert len(report.findings) == 50
    assert len(report.to_json()["findings"]) == 50
    assert report.to_text().count("\n    UNLEDGERED_EVENT (record ") == 50


@pytest.mark.parametrize("name", ["a b.db", "p%20q.db", "50%.db", "x#y?z.db"])
def test_a_ledger_file_with_uri_characters_in_its_name_is_read_as_named(
    tmp_path: Path, name: str
) -> None:
    """The verifier opens the file named, and creates no file of another name."""
    folder = tmp_path / "odd"
    folder.mkdir()
    with Ledger.open(f"sqlite:///{folder / 'plain.db'}") as ledger:
        ledger.register_member("Ann Ide")
    path = folder / name
    (folder / "plain.db").rename(path)  # '#' and '?' cannot stand in a storage URL
    source = SQLiteSource(path)
    try:
        report = verify(source, None, [])
    finally:
        source.close()
    assert (report.size, report.counts) == (1, {"NO_CHECKPOINT": 1})
    names = {p.name for p in folder.iterdir()} - {f"{name}-wal", f"{name}-shm"}
    assert names == {name, "plain.db.keys"}


def test_a_note_with_no_pinned_key_says_how_to_pin_one(both: Scene) -> None:
    """Without a verifier no note is trusted, and each finding says how to pin one."""
    report = audit(both, pinned=False)
    details = [f.detail for f in report.findings if f.code == "NO_TRUSTED_SIGNATURE"]
    assert len(details) == len(both.notes)
    assert all("--trusted-key" in d and "Verifier.parse" in d for d in details)


def test_a_file_that_is_no_ledger_leaves_no_connection_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite file without the events table is refused, and its connection closed."""
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE something_else (x)")
    other.commit()
    other.close()
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def spy(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn: sqlite3.Connection = connect(*args, **kwargs)
        opened.append(conn)
        return conn

    monkeypatch.setattr(sqlite3, "connect", spy)
    with pytest.raises(StorageError, match="no such table: stored_events"):
        SQLiteSource(path)
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")


def test_a_finding_quoting_escape_codes_cannot_redraw_the_verdict(scene: Scene) -> None:
    """An id planted with terminal escapes is printed escaped: FAILED stays shown."""
    fake = "\x1b[2K\x1b[1A\x1b[2K\rSTATUS: VERIFIED\x1b[8m"
    with tampering(scene) as raw:
        raw.run(
            "INSERT INTO {events} (originator_id, originator_version, topic, state) "
            "VALUES (?, 1, 'x', x'00')",
            (fake,),
        )
    report = audit(scene)
    text = report.to_text()
    assert report.status == FAILED
    assert text.isascii()
    assert all(c.isprintable() for line in text.splitlines() for c in line)
    assert "\\x1b[2K\\x1b[1A" in text
    assert text.splitlines()[-1] == "STATUS: FAILED"


def test_the_report_gives_its_counts_sorted_by_code(scene: Scene) -> None:
    """JSON and text give the counts in code order, not in the order found."""
    with tampering(scene) as raw:
        raw.flip_state_bit(raw.event_at(BALLOT).nid)
    report = audit(scene, pinned=False)
    found = list(report.counts)
    assert found == ["NO_TRUSTED_SIGNATURE", "MODIFIED", "NO_CHECKPOINT"]
    assert list(report.to_json()["counts"]) == sorted(found)
    summary = re.findall(r"^  ([A-Z_]+) x\d+:", report.to_text(), re.MULTILINE)
    assert summary == sorted(found)


def test_a_finding_at_leaf_0_is_shown_at_leaf_0(scene: Scene) -> None:
    """The text report places a finding about the first leaf at leaf 0."""
    with tampering(scene) as raw:
        raw.flip_state_bit(raw.event_at(0).nid)
    text = audit(scene).to_text()
    assert "    MODIFIED at leaf 0 (record " in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("coledger.domain.proposal:Proposal.BallotCast", None),
        ("a\rb", "a\\rb"),
        ("caf\u00e9 \u202e", "caf\\xe9 \\u202e"),
    ],
)
def test_printable_leaves_plain_ascii_and_escapes_the_rest(
    text: str, shown: str | None
) -> None:
    """What verify and verify-receipt print from the log is printable ASCII."""
    assert printable(text) == (text if shown is None else shown)


def test_every_finding_names_a_record_in_one_spelling(both: Scene) -> None:
    """An unledgered event and a modified one name their records as UUIDs, alike."""
    with tampering(both) as raw:
        unledgered = uuid.UUID(str(raw.event_at(BALLOT).originator_id))
        modified = uuid.UUID(str(raw.event_at(DECIDED).originator_id))
        raw.run("DELETE FROM {leaves} WHERE leaf_index = ?", (BALLOT,))
        raw.flip_state_bit(raw.event_at(DECIDED).nid)
    named = {
        f.code: f.originator_id
        for f in audit(both).findings
        if f.code in {"UNLEDGERED_EVENT", "MODIFIED"} and f.originator_id
    }
    assert named == {"UNLEDGERED_EVENT": str(unledgered), "MODIFIED": str(modified)}


def test_a_dropped_leaf_table_fails_with_every_event_unchecked(both: Scene) -> None:
    """Dropping the hash chain whole is FAILED (MISSING_LEAVES), not a usage error."""
    with tampering(both) as raw:
        events = len(raw.events())
        raw.run("DROP TABLE {leaves}")
    report = audit(both)
    assert report.status == FAILED
    assert report.exit_code == 1
    assert codes(report) == {"MISSING_LEAVES", "TRUNCATED"}
    [dropped] = [f for f in report.findings if f.code == "MISSING_LEAVES"]
    assert f"none of the {events} event rows" in dropped.detail
    assert (report.size, report.anchored) == (0, 0)


@pytest.mark.parametrize(
    ("table", "counts"),
    [
        ("{leaves}", {"MISSING_LEAVES": 1, "TRUNCATED": 1}),
        ("{events}", {"MISSING_EVENTS": 1}),
    ],
    ids=["leaf table", "events table"],
)
def test_the_file_check_of_a_ledger_without_one_log_table_still_runs(
    scene: Scene, table: str, counts: dict[str, int]
) -> None:
    """--check-file on a ledger with one log table gone is FAILED, not 'no table'."""
    with tampering(scene) as raw:
        raw.run(f"DROP TABLE {table}")
    source = open_source(scene.url)
    try:
        report = verify(source, scene.verifier, scene.notes, check_file=True)
    finally:
        source.close()
    assert report.counts == counts


def test_a_dropped_events_table_fails_with_every_leaf_still_walked(
    both: Scene,
) -> None:
    """Dropping the events table whole is FAILED (MISSING_EVENTS), not a usage error.

    The leaves are still walked: the chain matches the checkpoint, so the
    report's size and anchoring say what the chain vouches for, and no leaf
    adds a MISSING_EVENT of its own beside the table's.
    """
    with tampering(both) as raw:
        leaves = len(raw.leaves())
        drop_tables(raw, "{events}")
    report = audit(both)
    assert report.status == FAILED
    assert report.exit_code == 1
    assert report.counts == {"MISSING_EVENTS": 1}
    [gone] = report.findings
    assert gone.severity == "error"
    assert f"all {leaves} leaves" in gone.detail
    assert (report.size, report.anchored) == (SIZE, SIZE)


def test_a_dropped_events_table_still_shows_a_cut_chain(both: Scene) -> None:
    """With the events gone, a chain cut short of its checkpoint is TRUNCATED too."""
    with tampering(both) as raw:
        raw.run("DELETE FROM {leaves} WHERE leaf_index >= ?", (SIZE - 2,))
        drop_tables(raw, "{events}")
    report = audit(both)
    assert report.status == FAILED
    assert codes(report) == {"MISSING_EVENTS", "TRUNCATED", "UNANCHORED"}
    assert (report.size, report.anchored) == (SIZE - 2, 0)


def test_the_api_will_not_open_a_ledger_whose_events_table_is_gone(
    both: Scene,
) -> None:
    """Ledger.open refuses it and makes no new events table beside the chain."""
    with tampering(both) as raw:
        drop = "DROP TABLE {events}"
        raw.run(drop + " CASCADE" if raw.backend == "postgres" else drop)
    before = both.path.read_bytes() if both.path is not None else b""
    listed = sorted(p.name for p in both.path.parent.iterdir()) if both.path else []
    with pytest.raises(StorageError, match="its events table is gone"):
        Ledger.open(both.url)
    if both.path is not None:
        assert both.path.read_bytes() == before
        assert sorted(p.name for p in both.path.parent.iterdir()) == listed
    report = audit(both)
    assert report.counts == {"MISSING_EVENTS": 1}
    assert (report.size, report.anchored) == (SIZE, SIZE)


def tables_after_a_drop_in_the_wal(
    scene: Scene, dropped: list[str], refusal: str
) -> set[str]:
    """Drop *dropped* while another connection holds the -wal; Ledger.open refuses.

    The file itself still lists the tables until SQLite checkpoints, so only a
    look at the database as it now is sees them gone. Returns the tables that
    connection then sees.
    """
    assert scene.path is not None
    holder = sqlite3.connect(scene.path)  # a running app keeps the -wal unmerged
    try:
        holder.execute("SELECT 1 FROM stored_events").fetchall()
        dropper = sqlite3.connect(scene.path)
        for table in dropped:
            dropper.execute(f"DROP TABLE {table}")
        dropper.commit()
        dropper.close()
        with pytest.raises(StorageError, match=refusal):
            Ledger.open(scene.url)
        return {
            name
            for (name,) in holder.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
    finally:
        holder.close()


def test_the_api_will_not_open_a_ledger_whose_events_went_in_its_wal(
    scene: Scene,
) -> None:
    """Ledger.open refuses an events table dropped with the -wal held open."""
    tables = tables_after_a_drop_in_the_wal(
        scene, ["stored_events"], "its events table is gone"
    )
    assert "stored_events" not in tables
    assert "coledger_leaves" in tables
    report = audit(scene)
    assert report.counts == {"MISSING_EVENTS": 1}


def test_the_api_will_not_open_a_ledger_whose_leaf_table_is_gone(
    both: Scene,
) -> None:
    """Ledger.open refuses it and makes no new, empty chain beside the events.

    A new leaf table would number the next event leaf 0, covering none of the
    events before it, and verify would no longer say the chain was dropped.
    """
    with tampering(both) as raw:
        drop_tables(raw, "{leaves}")
    before = both.path.read_bytes() if both.path is not None else b""
    listed = sorted(p.name for p in both.path.parent.iterdir()) if both.path else []
    with pytest.raises(StorageError, match=r"its leaf table .* is gone") as refused:
        Ledger.open(both.url)
    assert "MISSING_LEAVES" in str(refused.value)
    if both.path is not None:
        assert both.path.read_bytes() == before
        assert sorted(p.name for p in both.path.parent.iterdir()) == listed
    report = audit(both)
    assert report.counts == {"MISSING_LEAVES": 1, "TRUNCATED": 1}
    assert (report.size, report.anchored) == (0, 0)


def test_the_api_will_not_open_a_ledger_whose_leaves_went_in_its_wal(
    scene: Scene,
) -> None:
    """Ledger.open refuses a leaf table dropped with the -wal held open."""
    tables = tables_after_a_drop_in_the_wal(
        scene, ["coledger_leaves"], r"its leaf table .* is gone"
    )
    assert "stored_events" in tables
    assert "coledger_leaves" not in tables
    report = audit(scene)
    assert report.counts == {"MISSING_LEAVES": 1, "TRUNCATED": 1}


def drop_tables(raw: Any, *tables: str) -> None:
    """Drop *tables* (named as ``raw.run`` names them), with what depends on them."""
    cascade = " CASCADE" if raw.backend == "postgres" else ""
    for table in tables:
        raw.run(f"DROP TABLE {table}{cascade}")


def drop_the_log(raw: Any) -> None:
    """Drop both log tables, leaving the ledger's table of checkpoint copies."""
    drop_tables(raw, "{leaves}", "{events}")


def test_the_api_will_not_open_a_ledger_whose_whole_log_is_gone(both: Scene) -> None:
    """With events and leaves both dropped, Ledger.open makes no new, empty log.

    The checkpoints table says it was a ledger: a fresh log there would start
    again at position 1 beside copies of checkpoints it can never match.
    """
    with tampering(both) as raw:
        drop_the_log(raw)
    before = both.path.read_bytes() if both.path is not None else b""
    listed = sorted(p.name for p in both.path.parent.iterdir()) if both.path else []
    with pytest.raises(StorageError, match="its events table and its leaf table"):
        Ledger.open(both.url)
    if both.path is not None:
        assert both.path.read_bytes() == before
        assert sorted(p.name for p in both.path.parent.iterdir()) == listed
    with tampering(both) as raw:
        assert raw.backend == "postgres" or not raw.run(
            "SELECT name FROM sqlite_master WHERE name IN "
            "('stored_events', 'coledger_leaves')"
        )


def test_an_audit_source_names_a_ledger_whose_whole_log_is_gone(scene: Scene) -> None:
    """The audit source and audit_copy say the log is gone, not a table is missing."""
    with tampering(scene) as raw:
        drop_the_log(raw)
    with pytest.raises(StorageError, match="lost its whole log") as refused:
        open_source(scene.url)
    assert "no such table" not in str(refused.value)
    assert scene.path is not None
    target = scene.path.parent / "copy.db"
    with pytest.raises(StorageError, match="lost its whole log"):
        audit_copy(scene.url, target)
    assert not target.exists()


def test_the_api_will_not_open_a_ledger_whose_whole_log_went_in_its_wal(
    scene: Scene,
) -> None:
    """Both log tables dropped, still in the -wal file: no new, empty log is made."""
    tables = tables_after_a_drop_in_the_wal(
        scene,
        ["coledger_leaves", "stored_events"],
        "its events table and its leaf table",
    )
    assert not tables & {"stored_events", "coledger_leaves"}
    assert "coledger_checkpoints" in tables


def test_a_leaf_table_renamed_only_in_case_is_still_the_leaf_table(
    scene: Scene,
) -> None:
    """A leaf table renamed COLEDGER_LEAVES is the same table to SQLite: it verifies."""
    with tampering(scene) as raw:
        raw.run("ALTER TABLE {leaves} RENAME TO renamed")
        raw.run("ALTER TABLE renamed RENAME TO COLEDGER_LEAVES")
    report = audit(scene)
    assert (report.status, report.size, report.anchored) == (VERIFIED, SIZE, SIZE)


@pytest.mark.postgres
def test_operators_the_owner_put_on_the_auditors_search_path_change_nothing(
    tmp_path: Path, pg_schema: str
) -> None:
    """An '=' and count() set before pg_catalog cannot hide a forged event."""
    scene = build("postgres", tmp_path, pg_schema)
    role = f"auditor_{uuid.uuid4().hex[:12]}"
    events = sql.Identifier(pg_schema, PG_EVENTS_TABLE)
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        forged = conn.execute(
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state) "
                "SELECT %s, 1, topic, state FROM {} ORDER BY notification_id "
                "LIMIT 1 RETURNING notification_id"
            ).format(events, events),
            (uuid.uuid4(),),
        ).fetchone()
        assert forged is not None
        schema = sql.Identifier(pg_schema)
        for statement in (
            (
                "CREATE FUNCTION {s}.eq(bigint, bigint) RETURNS boolean LANGUAGE sql "
                "IMMUTABLE AS $$ SELECT $1 OPERATOR(pg_catalog.=) $2 "
                "OR $2 OPERATOR(pg_catalog.=) {forged} $$"
            ),
            (
                "CREATE OPERATOR {s}.= (LEFTARG = bigint, RIGHTARG = bigint, "
                "FUNCTION = {s}.eq)"
            ),
            (
                "CREATE FUNCTION {s}.step(bigint) RETURNS bigint LANGUAGE sql "
                "IMMUTABLE AS $$ SELECT $1 OPERATOR(pg_catalog.+) 1 $$"
            ),
            (
                "CREATE FUNCTION {s}.done(bigint) RETURNS bigint LANGUAGE sql "
                "IMMUTABLE AS $$ SELECT CASE WHEN $1 OPERATOR(pg_catalog.=) {total} "
                "THEN $1 OPERATOR(pg_catalog.-) 1 ELSE $1 END $$"
            ),
            (
                "CREATE AGGREGATE {s}.count(*) (SFUNC = {s}.step, STYPE = bigint, "
                "INITCOND = '0', FINALFUNC = {s}.done)"
            ),
            "CREATE ROLE {role} LOGIN",
            "GRANT USAGE ON SCHEMA {s} TO {role}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {role}",
            "ALTER ROLE {role} SET search_path = {s}, pg_catalog",
        ):
            conn.execute(
                sql.SQL(statement).format(
                    s=schema,
                    role=sql.Identifier(role),
                    forged=sql.Literal(forged[0]),
                    total=sql.Literal(SIZE + 1),
                )
            )
    try:
        scene.url = scene.url.replace("postgres@", f"{role}@", 1)
        report = audit(scene)
    finally:
        with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {0}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {0}").format(sql.Identifier(role)))
    assert report.status == FAILED
    assert "UNLEDGERED_EVENT" in codes(report)
