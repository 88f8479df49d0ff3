"""The verifier's fast path gives exactly the report of its row-by-row reference.

``verify`` reads SQLite ledgers in raw pages and lets ``_Walker._clean_run``
handle the rows that break no rule, handing every other row to ``_Walker._row``,
the rule-by-rule reference. These tests tamper with copies of a small ledger
(signed at many sizes) in many ways at once, then run ``verify`` twice: once
as it is, once through a source that only offers the reference rows. The two
reports must be equal in every field and finding. The batch Merkle code is
checked against one-leaf-at-a-time appends in the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.integrity import Report, SigningKey, Verifier, verify
from coledger.integrity import source as source_module
from coledger.integrity.leaves import leaf_hash, state_hash
from coledger.integrity.merkle import CompactRange, root
from coledger.integrity.source import (
    AuditSource,
    EventRow,
    LeafRow,
    RawPage,
    open_source,
)
from integrity_helpers import ORIGIN, Scene, copy_ledger, populate, scene_url


class RowByRow(AuditSource):
    """A source that hands the verifier only ``leaf_rows()``: the reference walk."""

    def __init__(self, inner: AuditSource) -> None:
        self.inner = inner

    def leaf_rows(self, below: int | None = None) -> Iterator[LeafRow]:
        """The wrapped source's rows, one at a time."""
        return self.inner.leaf_rows(below)

    def unledgered(self) -> Iterator[EventRow]:
        """The wrapped source's unledgered events."""
        return self.inner.unledgered()

    def size(self) -> int:
        """The wrapped source's size."""
        return self.inner.size()

    def event_count(self) -> int:
        """The wrapped source's count of event rows."""
        return self.inner.event_count()

    def leaf_count(self) -> int:
        """The wrapped source's count of leaf rows."""
        return self.inner.leaf_count()

    def unledgered_count(self) -> int | None:
        """The wrapped source's count of unledgered events."""
        return self.inner.unledgered_count()

    def snapshot(self) -> contextlib.AbstractContextManager[None]:
        """The wrapped source's snapshot."""
        return self.inner.snapshot()

    def hiding(self) -> list[str]:
        """The wrapped source's reasons rows might be hidden."""
        return self.inner.hiding()

    def leaf_index_of(self, notification_id: int) -> int | None:
        """The wrapped source's answer."""
        return self.inner.leaf_index_of(notification_id)

    def store_checkpoint(self, size: int, note: str) -> None:
        """Never called by verify."""
        raise NotImplementedError

    def stored_checkpoints(self) -> list[str]:
        """Never called by verify."""
        raise NotImplementedError


def both_reports(
    source: AuditSource, verifier: Verifier | None, notes: list[str]
) -> tuple[Report, Report]:
    """The report of ``verify`` as it is, and that of the reference walk."""
    return verify(source, verifier, notes), verify(RowByRow(source), verifier, notes)


def signed_story(url: str) -> tuple[SigningKey, list[str]]:
    """Record the test story, signing a checkpoint after every command."""
    key = SigningKey.generate(ORIGIN)
    with Ledger.open(url) as ledger:
        notes = [ledger.checkpoint(key).note]
        sign = ledger.checkpoint
        admin = ledger.register_member("Admin", role="staff")
        notes.append(sign(key).note)
        body = ledger.establish_body("Board", kind="governance", by=admin)
        notes.append(sign(key).note)
        members = []
        for i in range(3):
            members.append(ledger.register_member(f"Voter {i}"))
            notes.append(sign(key).note)
            ledger.assign_seat(body, members[-1], by=admin)
            notes.append(sign(key).note)
        proposal = ledger.raise_proposal(
            body, proposers=[members[0]], title="Buy kit", text="Balls and bibs."
        )
        notes.append(sign(key).note)
        ledger.open_voting(proposal, by=admin)
        for member in members:
            ledger.cast_ballot(proposal, voter=member, choice="for")
            notes.append(sign(key).note)
        ledger.close_voting(proposal, by=admin)
        notes.append(sign(key).note)
        populate(ledger, voters=2)
        notes.append(sign(key).note)
    return key, notes


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """A SQLite ledger of two governance stories, signed after each command."""
    folder = tmp_path_factory.mktemp("story")
    url = scene_url("sqlite", folder)
    key, notes = signed_story(url)
    uid = UUID(int=0)
    return Scene("sqlite", url, key, uid, uid, [], uid, notes, folder / "ledger.db")


# The attacker's edits, in raw SQL on the file -----------------------------------------

EVENT = "(SELECT notification_id FROM coledger_leaves WHERE leaf_index = :leaf)"
EVENT_VALUES = [
    ("state", "NULL"),
    ("state", "'tampered as text'"),
    ("state", "CAST(state AS TEXT)"),
    ("state", "state || X'00'"),
    ("state", "CAST(X'C3FF00' AS TEXT)"),
    ("topic", "'coledger.domain.member:Member.Registered'"),
    ("topic", "CAST(topic AS BLOB)"),
    ("topic", "CAST(X'C3FF00' AS TEXT)"),
    ("topic", "7"),
    ("originator_id", "upper(originator_id)"),
    ("originator_id", "'not-a-uuid'"),
    ("originator_id", "X'00000000000000000000000000000000'"),
    ("originator_id", "CAST(X'C3FF00' AS TEXT)"),
    ("originator_id", "(SELECT originator_id FROM stored_events WHERE rowid = 1)"),
    ("originator_version", "originator_version + 1"),
    ("originator_version", "originator_version - 1"),
    ("originator_version", "1"),
    ("originator_version", "0"),
    ("originator_version", "-1"),
    ("originator_version", "9223372036854775807"),
    ("originator_version", "2.5"),
    ("originator_version", "CAST(originator_version AS REAL)"),
    ("originator_version", "'four'"),
]
LEAF_VALUES = [
    ("state_hash", "NULL"),
    ("state_hash", "'abc'"),
    ("state_hash", "zeroblob(32)"),
    ("leaf_hash", "X'00'"),
    ("leaf_hash", "CAST(leaf_hash AS TEXT)"),
    ("leaf_hash", "CAST(X'C3FF00' AS TEXT)"),
    ("leaf_hash", "(SELECT leaf_hash FROM coledger_leaves WHERE leaf_index = 0)"),
    ("notification_id", "notification_id + 1000"),
    ("notification_id", "notification_id + 0.5"),
    ("notification_id", "'five'"),
    ("notification_id", "CAST(X'C3FF00' AS TEXT)"),
    ("leaf_index", "leaf_index + 1000"),
    ("leaf_index", "-leaf_index - 1"),
    ("leaf_index", "leaf_index + 0.0"),
    ("leaf_index", "CAST(leaf_index AS TEXT)"),
    ("notification_id", "CAST(notification_id AS REAL)"),
    (
        "notification_id",
        "(SELECT notification_id FROM coledger_leaves WHERE leaf_index = :leaf - 1)",
    ),
]
"""Changes to one leaf; some only take with no column types (``unconstrain``)."""


def run(
    db: sqlite3.Connection, sql: str, params: dict[str, Any], **names: str
) -> list[tuple[Any, ...]]:
    """Execute *sql*, where ``{event}`` is the rowid of leaf ``:leaf``'s event."""
    return db.execute(sql.format(event=EVENT, **names), params).fetchall()


def set_event(db: sqlite3.Connection, leaf: int, change: tuple[str, str]) -> None:
    """Overwrite one column of the event that leaf *leaf* points at."""
    column, value = change
    run(
        db,
        "UPDATE OR IGNORE stored_events SET {column} = {value} WHERE rowid = {event}",
        {"leaf": leaf},
        column=column,
        value=value,
    )


def set_leaf(db: sqlite3.Connection, leaf: int, change: tuple[str, str]) -> None:
    """Overwrite one column of leaf *leaf*."""
    column, value = change
    run(
        db,
        "UPDATE OR IGNORE coledger_leaves SET {column} = {value} "
        "WHERE leaf_index = :leaf",
        {"leaf": leaf},
        column=column,
        value=value,
    )


def flip(db: sqlite3.Connection, leaf: int, bit: int) -> None:
    """Flip one bit of the stored state of leaf *leaf*'s event, if it is a blob."""
    rows = run(
        db,
        "SELECT rowid, state FROM stored_events WHERE rowid = {event}",
        {"leaf": leaf},
    )
    if rows and isinstance(rows[0][1], bytes) and rows[0][1]:
        state = bytearray(rows[0][1])
        state[bit % len(state)] ^= 1 << (bit % 8)
        db.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (state, rows[0][0])
        )


def event_of(db: sqlite3.Connection, leaf: int) -> tuple[Any, ...] | None:
    """The (originator_id, originator_version, topic, state) of leaf *leaf*'s event."""
    rows = run(
        db,
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid = {event}",
        {"leaf": leaf},
    )
    return rows[0] if rows else None


def rewrite(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Change an event's state and recompute its leaf, as a careful attacker."""
    row = event_of(db, leaf)
    if row is None:
        return
    oid, version, topic, state = row
    if not (isinstance(state, bytes) and isinstance(topic, str)):
        return
    try:
        record = UUID(hex=oid)
    except (TypeError, ValueError):
        return
    if not isinstance(version, int) or version < 0:
        return
    forged = state + b" "
    run(
        db,
        "UPDATE stored_events SET state = :state WHERE rowid = {event}",
        {"state": forged, "leaf": leaf},
    )
    db.execute(
        "UPDATE coledger_leaves SET state_hash = ?, leaf_hash = ? WHERE leaf_index = ?",
        (state_hash(forged), leaf_hash(record, version, topic, forged), leaf),
    )


def delete_event(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Delete the event row of leaf *leaf* (the leaf stays)."""
    run(db, "DELETE FROM stored_events WHERE rowid = {event}", {"leaf": leaf})


def delete_leaf(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Delete leaf *leaf* (its event stays)."""
    db.execute("DELETE FROM coledger_leaves WHERE leaf_index = ?", (leaf,))


def swap_leaves(db: sqlite3.Connection, leaf: int, other: int) -> None:
    """Swap the indices of two leaves, so the log order changes."""
    parked = 10**9
    for old, new in ((leaf, parked), (other, leaf), (parked, other)):
        db.execute(
            "UPDATE OR IGNORE coledger_leaves SET leaf_index = ? WHERE leaf_index = ?",
            (new, old),
        )


def swap_states(db: sqlite3.Connection, leaf: int, other: int) -> None:
    """Swap the stored states of two leaves' events."""
    ids = [run(db, "SELECT {event}", {"leaf": n})[0][0] for n in (leaf, other)]
    if None in ids:
        return
    db.execute(
        "UPDATE stored_events SET state = (SELECT state FROM stored_events s "
        "WHERE s.rowid = CASE stored_events.rowid WHEN :a THEN :b ELSE :a END) "
        "WHERE rowid IN (:a, :b)",
        {"a": ids[0], "b": ids[1]},
    )


def truncate(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Drop every leaf from *leaf* on, and their events."""
    db.execute(
        "DELETE FROM stored_events WHERE rowid IN "
        "(SELECT notification_id FROM coledger_leaves WHERE leaf_index >= ?)",
        (leaf,),
    )
    db.execute("DELETE FROM coledger_leaves WHERE leaf_index >= ?", (leaf,))


def unledgered(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Insert a copy of leaf *leaf*'s event under a new version, with no leaf."""
    run(
        db,
        "INSERT OR IGNORE INTO stored_events "
        "(originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1000, topic, state "
        "FROM stored_events WHERE rowid = {event}",
        {"leaf": leaf},
    )


def forge_tail(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Append a copy of leaf *leaf*'s event with a correctly computed leaf."""
    row = event_of(db, leaf)
    if row is None:
        return
    oid, version, topic, state = row
    # Only a row another edit left whole can be copied: an integer version
    # that still fits SQLite's 64 bits after the shift, say.
    if type(version) is not int or version + 1000 >= 2**63:
        return
    try:
        record = UUID(hex=oid)
        forged = leaf_hash(record, version + 1000, topic, state)
    except (TypeError, ValueError, AttributeError, OverflowError):
        return
    cursor = db.execute(
        "INSERT OR IGNORE INTO stored_events "
        "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (oid, version + 1000, topic, state),
    )
    if cursor.rowcount:
        db.execute(
            "INSERT OR IGNORE INTO coledger_leaves VALUES "
            "((SELECT MAX(leaf_index) + 1 FROM coledger_leaves), ?, ?, ?)",
            (cursor.lastrowid, state_hash(state), forged),
        )


def move_event(db: sqlite3.Connection, leaf: int, _: int) -> None:
    """Give leaf *leaf*'s event (and its leaf) a much later notification id."""
    nid = run(db, "SELECT {event}", {"leaf": leaf})[0][0]
    if isinstance(nid, int):
        db.execute(
            "UPDATE OR IGNORE stored_events SET rowid = ? WHERE rowid = ?",
            (nid + 5000, nid),
        )
        db.execute(
            "UPDATE OR IGNORE coledger_leaves SET notification_id = ? "
            "WHERE leaf_index = ?",
            (nid + 5000, leaf),
        )


def unconstrain(db: sqlite3.Connection) -> None:
    """Rebuild both tables with no column types and no keys, as an attacker may."""
    db.execute(
        "CREATE TABLE loose (leaf_index, notification_id, state_hash, leaf_hash)"
    )
    db.execute("INSERT INTO loose SELECT * FROM coledger_leaves")
    db.execute("DROP TABLE coledger_leaves")
    db.execute("ALTER TABLE loose RENAME TO coledger_leaves")
    db.execute("CREATE TABLE loose (originator_id, originator_version, topic, state)")
    db.execute(
        "INSERT INTO loose (rowid, originator_id, originator_version, topic, state) "
        "SELECT rowid, originator_id, originator_version, topic, state "
        "FROM stored_events"
    )
    db.execute("DROP TABLE stored_events")
    db.execute("ALTER TABLE loose RENAME TO stored_events")


EDITS = {
    "flip": flip,
    "rewrite": rewrite,
    "delete_event": delete_event,
    "delete_leaf": delete_leaf,
    "swap_leaves": swap_leaves,
    "swap_states": swap_states,
    "truncate": truncate,
    "unledgered": unledgered,
    "forge_tail": forge_tail,
    "move_event": move_event,
}

edits = st.one_of(
    st.tuples(st.just("event"), st.integers(0, 40), st.sampled_from(EVENT_VALUES)),
    st.tuples(st.just("leaf"), st.integers(0, 40), st.sampled_from(LEAF_VALUES)),
    st.tuples(
        st.sampled_from(sorted(EDITS)), st.integers(0, 40), st.integers(0, 2**16)
    ),
)


def tamper(
    path: Path, changes: list[tuple[str, int, Any]], *, loose: bool = False
) -> None:
    """Apply the attacker's edits to the ledger file in order, maybe unconstrained."""
    db = sqlite3.connect(path)
    try:
        if loose:
            unconstrain(db)
        for kind, leaf, value in changes:
            try:
                if kind == "event":
                    set_event(db, leaf, value)
                elif kind == "leaf":
                    set_leaf(db, leaf, value)
                else:
                    EDITS[kind](db, leaf, value)
            except sqlite3.Error:
                continue  # SQLite refused this edit (say, text in a rowid column)
            db.commit()
    finally:
        db.close()


EXAMPLE = itertools.count()
"""A fresh folder name per Hypothesis example."""


@given(changes=st.lists(edits, max_size=5), loose=st.booleans(), data=st.data())
def test_the_fast_path_reports_exactly_what_the_reference_does(
    story: Scene,
    tmp_path: Path,
    changes: list[tuple[str, int, Any]],
    loose: bool,
    data: st.DataObject,
) -> None:
    """Any edits, page size and checkpoints give equal fast and reference reports."""
    scene = copy_ledger(story, tmp_path / str(next(EXAMPLE)))
    assert scene.path is not None
    tamper(scene.path, changes, loose=loose)
    page = data.draw(st.sampled_from([1, 2, 3, 5, 8, 2000]), label="page")
    picks = data.draw(st.lists(st.booleans(), max_size=40), label="picks")
    notes = [note for note, keep in zip(scene.notes, picks, strict=False) if keep]
    verifier = scene.verifier if data.draw(st.booleans(), label="pinned") else None
    with mock.patch.object(source_module, "PAGE", page):
        source = open_source(scene.url)
        try:
            fast, reference = both_reports(source, verifier, notes)
            pages = list(source.leaf_pages())
            rows = list(source.leaf_rows())
        finally:
            source.close()
    assert fast == reference
    assert fast.to_json() == reference.to_json()
    as_rows = [
        row
        for got in pages
        for row in (
            [got.leaf_row(i) for i in range(len(got.rows))]
            if isinstance(got, RawPage)
            else got
        )
    ]
    assert as_rows == rows


SINGLE_EDITS = [
    *[("event", 12, change) for change in EVENT_VALUES],
    *[("leaf", 12, change) for change in LEAF_VALUES],
    *[(kind, 12, 20) for kind in sorted(EDITS)],
]


@pytest.mark.parametrize("loose", [False, True], ids=["schema", "loose"])
@pytest.mark.parametrize("change", SINGLE_EDITS, ids=repr)
def test_each_single_edit_reports_what_the_reference_does(
    story: Scene,
    tmp_path: Path,
    change: tuple[str, int, Any],
    loose: bool,
) -> None:
    """Each edit alone, mid-page and mid-log, gives equal fast and reference reports."""
    scene = copy_ledger(story, tmp_path / "copy")
    assert scene.path is not None
    tamper(scene.path, [change], loose=loose)
    with mock.patch.object(source_module, "PAGE", 5):
        source = open_source(scene.url)
        try:
            fast, reference = both_reports(source, scene.verifier, scene.notes)
        finally:
            source.close()
    assert fast == reference


def test_a_clean_sqlite_ledger_is_read_in_raw_pages(story: Scene) -> None:
    """An untouched SQLite ledger takes the fast path and is VERIFIED by it."""
    source = open_source(story.url)
    try:
        pages = list(source.leaf_pages())
        fast, reference = both_reports(source, story.verifier, story.notes)
    finally:
        source.close()
    assert pages
    assert all(isinstance(page, RawPage) for page in pages)
    assert fast == reference
    assert fast.status == "VERIFIED"
    assert fast.anchored == fast.size > 0


def test_a_page_with_text_that_is_not_utf8_is_read_row_by_row(
    story: Scene, tmp_path: Path
) -> None:
    """Only the page holding non-UTF-8 text falls back to the converting query."""
    scene = copy_ledger(story, tmp_path / "copy")
    assert scene.path is not None
    tamper(scene.path, [("event", 7, ("topic", "CAST(X'C3FF00' AS TEXT)"))])
    with mock.patch.object(source_module, "PAGE", 5):
        source = open_source(scene.url)
        try:
            kinds = [isinstance(page, RawPage) for page in source.leaf_pages()]
            fast, reference = both_reports(source, scene.verifier, scene.notes)
        finally:
            source.close()
    assert kinds[1] is False
    assert kinds.count(False) == 1
    assert fast == reference
    assert "MALFORMED_ROW" in fast.counts


@pytest.mark.parametrize(
    "backend", ["memory", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_other_backends_give_the_reference_report(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """On memory and PostgreSQL ledgers the report is the reference's, and VERIFIED."""
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    url = scene_url(backend, tmp_path, schema)
    key = SigningKey.generate(ORIGIN)
    with Ledger.open(url) as ledger:
        populate(ledger)
        notes = [ledger.checkpoint(key).note]
        ledger.register_member("Later")
        notes.append(ledger.checkpoint(key).note)
        source = ledger.audit_source()
        try:
            fast, reference = both_reports(source, Verifier.parse(key.verifier), notes)
        finally:
            source.close()
    assert fast == reference
    assert (fast.status, fast.anchored) == ("VERIFIED", fast.size)


# The Merkle tree in batches -----------------------------------------------------------


def leaf_hashes(count: int) -> list[bytes]:
    """*count* distinct leaf hashes."""
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(count)]


@given(batches=st.lists(st.integers(0, 70), max_size=8))
def test_extend_is_the_same_as_appending_one_leaf_at_a_time(batches: list[int]) -> None:
    """Batches of any sizes give the size and root that single appends give."""
    leaves = leaf_hashes(sum(batches))
    batched, single = CompactRange(), CompactRange()
    done = 0
    for count in batches:
        batched.extend(leaves[done : done + count])
        for leaf in leaves[done : done + count]:
            single.append(leaf)
        done += count
        assert (batched.size, batched.root()) == (single.size, single.root())


@given(count=st.integers(0, 9000))
def test_root_of_an_iterator_is_the_root_of_the_list(count: int) -> None:
    """``root`` gives the same hash for a list and for a one-pass iterator."""
    leaves = leaf_hashes(count)
    assert root(iter(leaves)) == root(leaves) == root(tuple(leaves))
