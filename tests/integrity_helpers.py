"""Integrity test helpers: real ledgers, signed checkpoints, and an attacker's raw SQL.

A *scene* is a ledger built through the public Ledger API on a SQLite file or a
PostgreSQL schema, with a checkpoint signed by a fresh Ed25519 key, and closed.
The attacker then opens the database directly (``sqlite3`` or ``psycopg``, never
coledger code) through :class:`Raw`, and the auditor runs
``coledger.integrity.verify`` on a read-only source.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from coledger import Ledger
from coledger.integrity import Report, SigningKey, Verifier, verify
from coledger.integrity.leaves import leaf_hash, state_hash
from coledger.integrity.source import open_source
from conftest import PG_CONNINFO, url_for

ORIGIN = "audit.example/ledger"
"""The origin (and signing key name) of every test ledger."""

BALLOT_TOPIC = "coledger.domain.proposal:Proposal.BallotCast"
REGISTERED_TOPIC = "coledger.domain.member:Member.Registered"


@dataclass
class Scene:
    """A closed ledger on disk or on PostgreSQL, and what its operator published."""

    backend: str
    url: str
    key: SigningKey
    admin: UUID
    body: UUID
    voters: list[UUID]
    proposal: UUID
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    schema: str | None = None

    @property
    def verifier(self) -> Verifier:
        """The pinned verifier key an auditor was given."""
        return Verifier.parse(self.key.verifier)

    def open(self) -> Ledger:
        """Reopen the ledger through the public API (as the operator)."""
        return Ledger.open(self.url)


STORY_SIZE = 16
"""Events in the story that populate() records with three voters."""
STORY_BALLOT = 12
"""Leaf of the second ballot: the proposal's version 4, in the middle of its stream."""
STORY_DECIDED = 15
"""Leaf of the last event of the story (the proposal's version 7)."""


def populate(ledger: Ledger, voters: int = 3) -> tuple[UUID, UUID, list[UUID], UUID]:
    """Record a small governance story: members, a board, a proposal and a vote."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    members = [ledger.register_member(f"Voter {i}") for i in range(voters)]
    for member in members:
        ledger.assign_seat(body, member, by=admin)
    proposal = ledger.raise_proposal(
        body, proposers=[members[0]], title="Buy kit", text="Balls and bibs."
    )
    ledger.open_voting(proposal, by=admin)
    for member in members:
        ledger.cast_ballot(proposal, voter=member, choice="for")
    ledger.close_voting(proposal, by=admin)
    return admin, body, members, proposal


def scene_url(backend: str, tmp_path: Path, schema: str | None = None) -> str:
    """A fresh storage URL: a SQLite file under *tmp_path*, or a PostgreSQL schema."""
    return url_for(backend, tmp_path, schema)


def build(
    backend: str,
    tmp_path: Path,
    schema: str | None = None,
    *,
    voters: int = 3,
    checkpoint: bool = True,
) -> Scene:
    """Build a ledger through the API, sign a checkpoint of it, and close it."""
    url = scene_url(backend, tmp_path, schema)
    key = SigningKey.generate(ORIGIN)
    with Ledger.open(url) as ledger:
        admin, body, members, proposal = populate(ledger, voters)
        notes = [ledger.checkpoint(key).note] if checkpoint else []
    path = tmp_path / "ledger.db" if backend == "sqlite" else None
    return Scene(backend, url, key, admin, body, members, proposal, notes, path, schema)


BOTH = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
"""Parameters of a fixture that builds the same scene on either backend."""


def build_on(request: pytest.FixtureRequest, tmp_path: Path) -> Scene:
    """The scene on the backend a ``BOTH`` fixture was given (its own schema)."""
    schema = None
    if request.param == "postgres":
        schema = request.getfixturevalue("pg_schema")
    return build(request.param, tmp_path, schema)


def extend(scene: Scene, members: int, *, sign: bool = True) -> None:
    """Record *members* more registrations through the API, then maybe sign again."""
    with scene.open() as ledger:
        for i in range(members):
            ledger.register_member(f"Later {i}")
        if sign:
            scene.notes.append(ledger.checkpoint(scene.key).note)


def audit(
    scene: Scene,
    notes: Sequence[str] | None = None,
    verifier: Verifier | None = None,
    *,
    pinned: bool = True,
) -> Report:
    """Run the auditor's check on the stored ledger with the kept checkpoints."""
    source = open_source(scene.url)
    try:
        chosen = verifier if verifier is not None else scene.verifier
        return verify(
            source,
            chosen if pinned else None,
            scene.notes if notes is None else notes,
        )
    finally:
        source.close()


def codes(report: Report) -> set[str]:
    """The finding codes of a report."""
    return set(report.counts)


@dataclass(frozen=True)
class EventRow:
    """One stored event row as the attacker reads it."""

    nid: int
    originator_id: UUID
    version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class LeafRow:
    """One leaf row as the attacker reads it."""

    index: int
    nid: int
    state_hash: bytes
    leaf_hash: bytes


class Raw:
    """The attacker's own connection to the ledger's tables, with no coledger code.

    SQL is written once with ``{events}``, ``{nid}``, ``{leaves}``,
    ``{checkpoints}`` and ``{schema}`` placeholders and ``?`` parameters; this
    class fills in the backend's names (SQLite: ``stored_events`` keyed by
    ``rowid``; PostgreSQL: ``<schema>.coledger_events`` keyed by
    ``notification_id``).
    """

    def __init__(self, scene: Scene) -> None:
        self.backend = scene.backend
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[Any] | None = None
        if scene.backend == "sqlite":
            assert scene.path is not None
            self._sqlite = sqlite3.connect(scene.path)
            self.names = {
                "events": "stored_events",
                "nid": "rowid",
                "leaves": "coledger_leaves",
                "checkpoints": "coledger_checkpoints",
                "schema": "main",
            }
        else:
            assert scene.schema is not None
            self._pg = psycopg.connect(PG_CONNINFO)
            schema = f'"{scene.schema}"'
            self.names = {
                "events": f"{schema}.coledger_events",
                "nid": "notification_id",
                "leaves": f"{schema}.coledger_leaves",
                "checkpoints": f"{schema}.coledger_checkpoints",
                "schema": schema,
            }

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Execute one statement; the rows it returns, if any."""
        text = sql.format(**self.names)
        if self._sqlite is not None:
            return self._sqlite.execute(text, tuple(params)).fetchall()
        assert self._pg is not None
        cursor = self._pg.execute(text.replace("?", "%s").encode(), tuple(params))
        return cursor.fetchall() if cursor.description else []

    def oid_param(self, originator_id: UUID) -> str | UUID:
        """An originator id as the backend stores it (SQLite: 32 hex digits)."""
        return originator_id.hex if self.backend == "sqlite" else originator_id

    def commit(self) -> None:
        """Make the tampering durable."""
        if self._sqlite is not None:
            self._sqlite.commit()
        if self._pg is not None:
            self._pg.commit()

    def rollback(self) -> None:
        """Abandon what this session did since its last commit."""
        if self._sqlite is not None:
            self._sqlite.rollback()
        if self._pg is not None:
            self._pg.rollback()

    def close(self) -> None:
        """Close the connection."""
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            self._pg.close()

    # Reading -----------------------------------------------------------------

    def events(self) -> list[EventRow]:
        """Every event row, in notification order."""
        rows = self.run(
            "SELECT {nid}, originator_id, originator_version, topic, state "
            "FROM {events} ORDER BY {nid}"
        )
        return [
            EventRow(int(r[0]), UUID(str(r[1])), int(r[2]), str(r[3]), bytes(r[4]))
            for r in rows
        ]

    def leaves(self) -> list[LeafRow]:
        """Every leaf row, in leaf order."""
        rows = self.run(
            "SELECT leaf_index, notification_id, state_hash, leaf_hash "
            "FROM {leaves} ORDER BY leaf_index"
        )
        return [LeafRow(int(r[0]), int(r[1]), bytes(r[2]), bytes(r[3])) for r in rows]

    def event_at(self, index: int) -> EventRow:
        """The event that leaf *index* points at."""
        nid = self.run(
            "SELECT notification_id FROM {leaves} WHERE leaf_index = ?", (index,)
        )[0][0]
        return next(e for e in self.events() if e.nid == nid)

    # Tampering ---------------------------------------------------------------

    def set_event(self, nid: int, column: str, value: object) -> None:
        """Overwrite one column of one event row."""
        self.run(f"UPDATE {{events}} SET {column} = ? WHERE {{nid}} = ?", (value, nid))  # noqa: S608

    def flip_state_bit(self, nid: int, bit: int = 0) -> None:
        """Flip one bit of one event's stored state."""
        state = bytearray(next(e for e in self.events() if e.nid == nid).state)
        state[bit // 8] ^= 1 << (bit % 8)
        self.set_event(nid, "state", bytes(state))

    def rewrite_with_leaf(self, index: int, state: bytes) -> None:
        """Replace an event's state AND recompute its leaf, as a careful attacker."""
        event = self.event_at(index)
        self.set_event(event.nid, "state", state)
        self.run(
            "UPDATE {leaves} SET state_hash = ?, leaf_hash = ? WHERE leaf_index = ?",
            (
                state_hash(state),
                leaf_hash(event.originator_id, event.version, event.topic, state),
                index,
            ),
        )

    def delete_event(self, nid: int) -> None:
        """Delete one event row (its leaf stays)."""
        self.run("DELETE FROM {events} WHERE {nid} = ?", (nid,))

    def shift_leaves(self, first: int, delta: int) -> None:
        """Renumber every leaf from *first* on by *delta* (keeping them unique)."""
        self.run(
            "UPDATE {leaves} SET leaf_index = -leaf_index - 1 WHERE leaf_index >= ?",
            (first,),
        )
        self.run(
            "UPDATE {leaves} SET leaf_index = -leaf_index - 1 + ? WHERE leaf_index < 0",
            (delta,),
        )

    def delete_event_and_leaf(self, index: int, *, renumber: bool = True) -> None:
        """Delete the event at leaf *index* and the leaf, closing the gap."""
        event = self.event_at(index)
        self.delete_event(event.nid)
        self.run("DELETE FROM {leaves} WHERE leaf_index = ?", (index,))
        if renumber:
            self.shift_leaves(index + 1, -1)

    def truncate(self, keep: int) -> None:
        """Drop every leaf from *keep* on and the events they point at."""
        self.run(
            "DELETE FROM {events} WHERE {nid} IN "
            "(SELECT notification_id FROM {leaves} WHERE leaf_index >= ?)",
            (keep,),
        )
        self.run("DELETE FROM {leaves} WHERE leaf_index >= ?", (keep,))

    def swap_states(self, a: int, b: int) -> None:
        """Swap the stored states of two event rows."""
        rows = {e.nid: e.state for e in self.events()}
        self.set_event(a, "state", rows[b])
        self.set_event(b, "state", rows[a])

    def swap_leaf_order(self, i: int, j: int) -> None:
        """Swap the leaf indices of two leaves (so the log order changes)."""
        self.run("UPDATE {leaves} SET leaf_index = -1 WHERE leaf_index = ?", (i,))
        self.run("UPDATE {leaves} SET leaf_index = ? WHERE leaf_index = ?", (i, j))
        self.run("UPDATE {leaves} SET leaf_index = ? WHERE leaf_index = -1", (j,))

    def insert_event(
        self,
        originator_id: UUID,
        version: int,
        topic: str,
        state: bytes,
        *,
        nid: int | None = None,
    ) -> int:
        """Insert an event row directly; its notification id."""
        if nid is None:
            self.run(
                "INSERT INTO {events} "
                "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                (self.oid_param(originator_id), version, topic, state),
            )
            return int(self.run("SELECT MAX({nid}) FROM {events}")[0][0])
        column = "rowid" if self.backend == "sqlite" else "notification_id"
        self.run(
            f"INSERT INTO {{events}} ({column}, originator_id, originator_version, "  # noqa: S608
            "topic, state) VALUES (?, ?, ?, ?, ?)",
            (nid, self.oid_param(originator_id), version, topic, state),
        )
        return nid

    def insert_leaf(self, index: int, event: EventRow) -> None:
        """Insert a correctly computed leaf for *event* (the format is public)."""
        self.run(
            "INSERT INTO {leaves} (leaf_index, notification_id, state_hash, leaf_hash) "
            "VALUES (?, ?, ?, ?)",
            (
                index,
                event.nid,
                state_hash(event.state),
                leaf_hash(event.originator_id, event.version, event.topic, event.state),
            ),
        )

    def loosen_leaves(self) -> None:
        """Drop the leaf table's keys, so that leaf numbers may repeat or be NULL."""
        if self.backend == "sqlite":
            self.run(
                "CREATE TABLE loose (leaf_index INTEGER, notification_id INTEGER, "
                "state_hash BLOB NOT NULL, leaf_hash BLOB NOT NULL)"
            )
            self.run("INSERT INTO loose SELECT * FROM {leaves} ORDER BY leaf_index")
            self.run("DROP TABLE {leaves}")
            self.run("ALTER TABLE loose RENAME TO {leaves}")
        else:
            self.run("ALTER TABLE {leaves} DROP CONSTRAINT coledger_leaves_pkey")
            self.run(
                "ALTER TABLE {leaves} DROP CONSTRAINT "
                "coledger_leaves_notification_id_key"
            )
            self.run("ALTER TABLE {leaves} ALTER COLUMN leaf_index DROP NOT NULL")

    def move_events_up(self, first_nid: int, offset: int) -> None:
        """Add *offset* to every notification id from *first_nid*, events and leaves."""
        self.run(
            "UPDATE {events} SET {nid} = {nid} + ? WHERE {nid} >= ?",
            (offset, first_nid),
        )
        self.run(
            "UPDATE {leaves} SET notification_id = notification_id + ? "
            "WHERE notification_id >= ?",
            (offset, first_nid),
        )


def copy_ledger(scene: Scene, folder: Path) -> Scene:
    """A scene on a copy of a SQLite ledger (events and key store) in *folder*."""
    assert scene.path is not None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / scene.path.name
    for suffix in ("", ".keys"):
        original = scene.path.with_name(scene.path.name + suffix)
        if not original.exists():
            continue
        source = sqlite3.connect(original)
        copy = sqlite3.connect(target.with_name(target.name + suffix))
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
    return dataclasses.replace(
        scene, url=f"sqlite:///{target}", path=target, notes=list(scene.notes)
    )


@contextmanager
def tampering(scene: Scene) -> Iterator[Raw]:
    """An attacker's session on the closed ledger, committed at the end."""
    raw = Raw(scene)
    try:
        yield raw
        raw.commit()
    finally:
        raw.close()


AUTO_INDEX = "sqlite_autoindex_stored_events_1"


def hide_from_the_index(path: Path) -> None:
    """Leave the last event's row in the table but out of its primary-key index.

    With ``writable_schema``, the index is left behind while a changed id is
    written, then put back: the table's bytes (and so every leaf) are as
    signed, but an application, which finds events through the index, no
    longer sees that event.
    """
    with sqlite3.connect(path) as conn:
        rowid, oid = conn.execute(
            "SELECT rowid, originator_id FROM stored_events ORDER BY rowid DESC"
        ).fetchone()
        table = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'stored_events'"
        ).fetchone()[0]
        index = conn.execute(
            "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master "
            "WHERE name = ?",
            (AUTO_INDEX,),
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET originator_id = ? WHERE rowid = ?",
            ("f" * 32, rowid),
        )
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE name = 'stored_events'",
            (
                (
                    "CREATE TABLE stored_events (originator_id TEXT, "
                    "originator_version INTEGER, topic TEXT, state BLOB)"
                ),
            ),
        )
        conn.execute("DELETE FROM sqlite_master WHERE name = ?", (AUTO_INDEX,))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE stored_events SET originator_id = ? WHERE rowid = ?", (oid, rowid)
        )
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = ? WHERE name = 'stored_events'", (table,)
        )
        conn.execute("INSERT INTO sqlite_master VALUES (?, ?, ?, ?, ?)", index)
    count = "SELECT count(*) FROM stored_events {} WHERE originator_id = ?"
    with sqlite3.connect(path) as conn:
        seen = conn.execute(count.format(""), (oid,)).fetchone()[0]
        stored = conn.execute(count.format("NOT INDEXED"), (oid,)).fetchone()[0]
    assert seen < stored, "the index still lists the row"
