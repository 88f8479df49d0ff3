"""A second verifier, written from docs/auditors-guide.md alone, agrees with coledger.

The verifier below uses only the Python standard library (sqlite3, hashlib,
base64, struct, uuid) and reads the SQLite file directly. The one exception is
the Ed25519 signature check: the standard library has no Ed25519, so it uses
``cryptography``, as the guide suggests. The verifier's functions use nothing
from coledger; coledger is used only to build the ledgers, to tamper with them
(through the shared helpers) and to be compared with.
The tests tamper with copies of one ledger, as the tamper suite does. On each
copy, this verifier and coledger's must give the same verdict, the same count
of each finding code, the same size and the same anchored size.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import struct
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from coledger.integrity import SigningKey
from coledger.integrity.leaves import leaf_hash
from coledger.integrity.verify import EXPLANATIONS
from coledger.integrity.verify import WARNINGS as COLEDGER_WARNINGS
from integrity_helpers import (
    BALLOT_TOPIC,
    ORIGIN,
    REGISTERED_TOPIC,
    STORY_BALLOT,
    STORY_DECIDED,
    STORY_SIZE,
    EventRow,
    Scene,
    audit,
    build,
    copy_ledger,
    extend,
    tampering,
)

# The independent verifier, from the guide -------------------------------------------

EM_DASH = "\u2014"
WARNINGS = {"UNANCHORED", "NO_CHECKPOINT"}
MAX_INT64 = 2**63 - 1


def sha256(data: bytes) -> bytes:
    """SHA-256 of *data*."""
    return hashlib.sha256(data).digest()


def mth(leaves: Sequence[bytes]) -> bytes:
    """The RFC 6962 Merkle Tree Hash of a list of leaf hashes."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def leaf_of(record: uuid.UUID, version: int, topic: str, state_digest: bytes) -> bytes:
    """The guide's leaf hash of one event, given SHA-256 of its state."""
    oid_enc = b"\x01" + record.bytes
    topic_bytes = topic.encode("utf-8")
    leaf_input = (
        b"coledger/event/v1\x00"
        + struct.pack(">I", len(oid_enc))
        + oid_enc
        + struct.pack(">Q", version)
        + struct.pack(">I", len(topic_bytes))
        + topic_bytes
        + state_digest
    )
    return sha256(b"\x00" + leaf_input)


class NoteError(Exception):
    """A checkpoint note did not open; the finding code is the message."""


@dataclass(frozen=True)
class Pinned:
    """A verifier key: name, 4-byte key id, Ed25519 public key."""

    name: str
    key_id: bytes
    public: Ed25519PublicKey


def parse_pinned(text: str) -> Pinned:
    """Parse ``name+hexid+base64(0x01 || key)``, split at the first two '+'."""
    name, hex_id, encoded = text.strip().split("+", 2)
    typed = base64.b64decode(encoded, validate=True)
    if len(typed) != 33 or typed[0] != 1:
        raise ValueError("not an Ed25519 verifier key")
    key_id = sha256(name.encode() + b"\n" + typed)[:4]
    if key_id.hex() != hex_id:
        raise ValueError("key id does not match")
    return Pinned(name, key_id, Ed25519PublicKey.from_public_bytes(typed[1:]))


def check_signatures(body: str, signatures: str, pinned: Pinned) -> None:
    """Raise NoteError unless a signature line by the pinned key signs *body*.

    Unsigned by it, the note is another ledger's if its origin is not the
    pinned name (WRONG_ORIGIN), and untrusted if it is (NO_TRUSTED_SIGNATURE).
    """
    signed = False
    for line in signatures.strip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH:
            raise NoteError("MALFORMED")
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError as error:  # binascii.Error, or a non-ASCII character
            raise NoteError("MALFORMED") from error
        if parts[1] != pinned.name or blob[:4] != pinned.key_id:
            continue  # another key's signature (a witness, say): ignored
        try:  # the one non-stdlib step: Ed25519 (the stdlib has none)
            pinned.public.verify(blob[4:], body.encode())
        except InvalidSignature as error:
            raise NoteError("BAD_SIGNATURE") from error
        signed = True
    if not signed:
        if body.split("\n", maxsplit=1)[0] != pinned.name:
            raise NoteError("WRONG_ORIGIN")
        raise NoteError("NO_TRUSTED_SIGNATURE")


def open_note(note: str, pinned: Pinned) -> tuple[int, bytes]:
    """The (size, root) of a note signed by the pinned key, or NoteError(code)."""
    note = note.removeprefix("\ufeff").replace("\r\n", "\n").rstrip("\n") + "\n"
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("MALFORMED")
    body = note[: cut + 1]
    if "\n\n" in body:  # a checkpoint's lines are never empty: two notes in one?
        raise NoteError("MALFORMED")
    check_signatures(body, note[cut + 2 :], pinned)
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("MALFORMED")
    if lines[0] != pinned.name:
        raise NoteError("WRONG_ORIGIN")
    size_text = lines[1]
    digits = size_text.isascii() and size_text.isdigit()
    if not digits or (size_text != "0" and size_text[0] == "0"):
        raise NoteError("MALFORMED")
    if int(size_text) > MAX_INT64:  # no log holds more than 2^63 - 1 events
        raise NoteError("MALFORMED")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as error:  # binascii.Error, or a non-ASCII character
        raise NoteError("MALFORMED") from error
    if len(root) != 32:
        raise NoteError("MALFORMED")
    return int(size_text), root


def trusted_checkpoints(
    notes: Sequence[str], pinned: Pinned | None, found: Counter[str]
) -> dict[int, list[bytes]]:
    """Step 1: the roots of the notes that open, by size; findings for the rest."""
    trusted: dict[int, list[bytes]] = {}
    for note in notes:
        if pinned is None:
            found["NO_TRUSTED_SIGNATURE"] += 1
            continue
        try:
            size, root = open_note(note, pinned)
        except NoteError as error:
            found[str(error)] += 1
            continue
        roots = trusted.setdefault(size, [])
        if root in roots:
            continue
        if roots:
            found["EQUIVOCATION"] += 1
        roots.append(root)
    return trusted


@dataclass
class Verdict:
    """What the independent verifier concluded."""

    status: str
    counts: Counter[str]
    size: int
    anchored: int


def as_uuid(value: Any) -> uuid.UUID | None:
    """A record id from a stored value: text of 32 lower-case hex digits, else None."""
    if not isinstance(value, str) or len(value) != 32:
        return None
    if any(c not in "0123456789abcdef" for c in value):
        return None
    return uuid.UUID(hex=value)


def as_version(value: Any) -> int | None:
    """A version from a stored value: an integer from 1 to 2^63 - 1, else None."""
    if isinstance(value, int) and 1 <= value <= MAX_INT64:
        return value
    return None


def is_hash(value: Any) -> bool:
    """Whether a stored value is a 32-byte blob."""
    return isinstance(value, bytes) and len(value) == 32


class Walk:
    """Step 2: the leaves in order, a running tree, roots compared at checkpoints."""

    def __init__(self, trusted: dict[int, list[bytes]], found: Counter[str]) -> None:
        self.trusted = trusted
        self.found = found
        self.pending = sorted(trusted)
        self.matched: list[int] = []
        self.mismatched: list[int] = []
        self.tree: list[bytes] = []
        self.expected = 0
        self.last_nid = 0
        self.versions: dict[uuid.UUID, int] = {}
        self.events_gone = False
        """True when the events table is gone: MISSING_EVENTS says so for all."""
        self.compare()

    def compare(self) -> None:
        """Check every pending checkpoint whose size is the tree's size now."""
        while self.pending and self.pending[0] == len(self.tree):
            size = self.pending.pop(0)
            roots = self.trusted[size]
            if mth(self.tree) in roots:
                self.matched.append(size)
            else:
                self.mismatched += [size] * len(roots)
                self.found["ROOT_MISMATCH"] += len(roots)

    def row(self, row: Sequence[Any]) -> None:
        """Steps 2.1-2.8 for one joined leaf and event row."""
        index, nid, stored_state, stored_leaf = row[:4]
        if not isinstance(index, int) or index != self.expected:
            self.found["LEDGER_GAP"] += 1
        self.expected = (index if isinstance(index, int) else self.expected) + 1
        if not isinstance(nid, int) or nid <= self.last_nid:
            self.found["REORDERED"] += 1
        if isinstance(nid, int):
            self.last_nid = max(nid, 0)
        if not is_hash(stored_leaf) or not is_hash(stored_state):
            self.found["MALFORMED_ROW"] += 1
        self.tree.append(self.event(row[4:], stored_state, stored_leaf))
        self.compare()

    def event(self, event: Sequence[Any], stored_state: Any, stored_leaf: Any) -> bytes:
        """Steps 2.4-2.8 for one leaf's event; the leaf hash the tree takes."""
        event_nid, oid_value, version, topic, state = event
        if event_nid is None:
            self.found["MISSING_EVENT"] += not self.events_gone
            return bytes(stored_leaf) if is_hash(stored_leaf) else bytes(32)
        oid = as_uuid(oid_value)
        version = as_version(version)
        well_typed = isinstance(state, bytes) and version is not None
        if oid is None or not well_typed or not isinstance(topic, str):
            self.found["MALFORMED_ROW"] += 1
            if isinstance(state, str):
                state = state.encode("utf-8")
            if oid is None or not isinstance(state, bytes) or version is None:
                self.found["MODIFIED"] += 1
                return sha256(b"\x00malformed")
            topic = str(topic)
        digest = sha256(state)
        leaf = leaf_of(oid, version, topic, digest)
        if leaf != stored_leaf or digest != stored_state:
            self.found["MODIFIED"] += 1
        if version != self.versions.get(oid, 0) + 1:
            self.found["STREAM_GAP"] += 1
        self.versions[oid] = version
        return leaf


def text_or_bytes(data: bytes) -> str | bytes:
    """A text value as text, or as bytes when they are not valid UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def read_rows(db: Path) -> tuple[list[Any], list[Any], int, int, set[str]]:
    """The leaves joined to their events, the events with no leaf, both counts.

    Also which of the two tables are there: of a ledger that lost one, the
    other is read alone (the rows of a lost events table come back NULL).
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.text_factory = text_or_bytes
    try:
        conn.execute("BEGIN")  # one snapshot for every read
        present = {
            str(name).lower()
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        } & {"stored_events", "coledger_leaves"}
        rows: list[Any] = []
        unledgered: list[Any] = []
        leaves = events = 0
        if "coledger_leaves" in present:
            events_joined = (
                "e.rowid, e.originator_id, e.originator_version, e.topic, e.state "
                "FROM coledger_leaves l LEFT JOIN stored_events e "
                "ON e.rowid = l.notification_id"
                if "stored_events" in present
                else "NULL, NULL, NULL, NULL, NULL FROM coledger_leaves l"
            )
            rows = conn.execute(
                "SELECT l.leaf_index, l.notification_id, l.state_hash, l.leaf_hash, "
                f"{events_joined} ORDER BY l.leaf_index"
            ).fetchall()
            leaves = conn.execute("SELECT COUNT(*) FROM coledger_leaves").fetchone()[0]
        if "stored_events" in present and "coledger_leaves" in present:
            unledgered = conn.execute(
                "SELECT e.rowid FROM stored_events e WHERE NOT EXISTS (SELECT 1 FROM "
                "coledger_leaves l WHERE l.notification_id = e.rowid) ORDER BY e.rowid"
            ).fetchall()
        if "stored_events" in present:
            events = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    finally:
        conn.close()
    return rows, unledgered, leaves, events, present


def independent_verify(
    db: Path, pinned_text: str | None, notes: Sequence[str]
) -> Verdict:
    """Verify a SQLite ledger file following the guide's order of checks."""
    found: Counter[str] = Counter()
    pinned = parse_pinned(pinned_text) if pinned_text is not None else None
    trusted = trusted_checkpoints(notes, pinned, found)
    rows, unledgered, leaves, events, present = read_rows(db)
    walk = Walk(trusted, found)
    if "coledger_leaves" not in present:
        found["MISSING_LEAVES"] += 1
    if "stored_events" not in present:
        found["MISSING_EVENTS"] += 1
        walk.events_gone = True
    for row in rows:
        walk.row(row)
    if "coledger_leaves" in present:
        found["UNLEDGERED_EVENT"] += len(unledgered)
        found["UNREAD_ROWS"] += leaves != len(rows)
        joined = sum(row[4] is not None for row in rows)
        found["UNREAD_ROWS"] += events != joined + len(unledgered)
    found["TRUNCATED"] += sum(len(trusted[size]) for size in walk.pending)
    largest = max(walk.matched, default=-1)
    found["EQUIVOCATION"] += sum(size < largest for size in walk.mismatched)
    anchored = max(walk.matched, default=0)
    if not trusted:
        found["NO_CHECKPOINT"] += 1
    elif anchored < len(walk.tree):
        found["UNANCHORED"] += 1
    counts = Counter({code: n for code, n in found.items() if n})
    if set(counts) - WARNINGS:
        status = "FAILED"
    elif counts:
        status = "PARTIAL"
    else:
        status = "VERIFIED"
    return Verdict(status, counts, len(walk.tree), anchored)


# Agreement with coledger verify -------------------------------------------------------

BALLOT, DECIDED, SIZE = STORY_BALLOT, STORY_DECIDED, STORY_SIZE


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """One checkpointed ledger, copied for each case."""
    return build("sqlite", tmp_path_factory.mktemp("independent"))


Tamper = Callable[[Scene], list[str]]
"""Alters a copy of the ledger; returns the checkpoint notes the auditor passes."""


def untouched(scene: Scene) -> list[str]:
    """Nothing changed."""
    return scene.notes


def no_checkpoint(scene: Scene) -> list[str]:
    """Nothing changed, and no checkpoint kept."""
    return []


def flip(scene: Scene) -> list[str]:
    """One bit of a ballot's state flipped."""
    with tampering(scene) as raw:
        raw.flip_state_bit(raw.event_at(BALLOT).nid, bit=77)
    return scene.notes


def retopic(scene: Scene) -> list[str]:
    """A ballot's topic changed."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(BALLOT).nid, "topic", "x:Proposal.Commented")
    return scene.notes


def reversion(scene: Scene) -> list[str]:
    """The last event's version changed."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(DECIDED).nid, "originator_version", 9)
    return scene.notes


def rewrite(scene: Scene) -> list[str]:
    """A ballot rewritten with its leaf recomputed."""
    with tampering(scene) as raw:
        state = raw.event_at(BALLOT).state.replace(b'"for"', b'"against"')
        raw.rewrite_with_leaf(BALLOT, state)
    return scene.notes


def delete_row(scene: Scene) -> list[str]:
    """A ballot's row deleted, its leaf kept."""
    with tampering(scene) as raw:
        raw.delete_event(raw.event_at(BALLOT).nid)
    return scene.notes


def delete_and_renumber(scene: Scene) -> list[str]:
    """A ballot and its leaf deleted, later leaves renumbered."""
    with tampering(scene) as raw:
        raw.delete_event_and_leaf(BALLOT)
    return scene.notes


def delete_leaf(scene: Scene) -> list[str]:
    """Only a leaf row deleted."""
    with tampering(scene) as raw:
        raw.run("DELETE FROM {leaves} WHERE leaf_index = ?", (5,))
    return scene.notes


def swap_states(scene: Scene) -> list[str]:
    """Two rows' states swapped."""
    with tampering(scene) as raw:
        raw.swap_states(raw.event_at(2).nid, raw.event_at(3).nid)
    return scene.notes


def swap_leaves(scene: Scene) -> list[str]:
    """Two leaves' indices swapped."""
    with tampering(scene) as raw:
        raw.swap_leaf_order(6, 9)
    return scene.notes


def renumber(scene: Scene) -> list[str]:
    """One row moved later in the notification log (event and leaf)."""
    with tampering(scene) as raw:
        nid = raw.event_at(5).nid
        raw.run("UPDATE {events} SET {nid} = 500 WHERE {nid} = ?", (nid,))
        raw.run(
            "UPDATE {leaves} SET notification_id = 500 WHERE notification_id = ?",
            (nid,),
        )
    return scene.notes


def truncate(scene: Scene) -> list[str]:
    """The last five events and leaves dropped."""
    with tampering(scene) as raw:
        raw.truncate(keep=10)
    return scene.notes


def fork(scene: Scene) -> list[str]:
    """Truncated, then the ledger wrote other events."""
    with tampering(scene) as raw:
        raw.truncate(keep=9)
    extend(scene, 8, sign=False)
    return scene.notes


def fork_signed_later(scene: Scene) -> list[str]:
    """A ballot rewritten with its leaf, the copies dropped, the grown log signed."""
    rewrite(scene)
    with tampering(scene) as raw:
        raw.run("DELETE FROM {checkpoints}")
    extend(scene, 2)
    return scene.notes


def forged_tail(scene: Scene) -> list[str]:
    """A forged event with a correct leaf after the checkpoint."""
    with tampering(scene) as raw:
        ballot = raw.event_at(BALLOT)
        nid = raw.insert_event(ballot.originator_id, 8, BALLOT_TOPIC, ballot.state)
        forged = EventRow(nid, ballot.originator_id, 8, BALLOT_TOPIC, ballot.state)
        raw.insert_leaf(SIZE, forged)
    return scene.notes


def forged_middle(scene: Scene) -> list[str]:
    """A forged event with a correct leaf slipped into the middle."""
    with tampering(scene) as raw:
        after = raw.event_at(4)
        raw.move_events_up(first_nid=after.nid + 1, offset=1000)
        raw.shift_leaves(5, 1)
        record = uuid.uuid4()
        nid = raw.insert_event(
            record, 1, REGISTERED_TOPIC, after.state, nid=after.nid + 1
        )
        raw.insert_leaf(5, EventRow(nid, record, 1, REGISTERED_TOPIC, after.state))
    return scene.notes


def _forged_leaf_at(scene: Scene, index: object) -> list[str]:
    """A forged event whose correct leaf carries *index*."""
    with tampering(scene) as raw:
        record = uuid.uuid4()
        state = raw.event_at(4).state
        nid = raw.insert_event(record, 1, REGISTERED_TOPIC, state)
        raw.insert_leaf(index, EventRow(nid, record, 1, REGISTERED_TOPIC, state))  # type: ignore[arg-type]
    return scene.notes


def far_leaf(scene: Scene) -> list[str]:
    """A forged event whose leaf index lies far beyond the log."""
    return _forged_leaf_at(scene, 2**62 + 7)


def negative_leaf(scene: Scene) -> list[str]:
    """A forged event whose leaf index is negative, so it sorts first."""
    return _forged_leaf_at(scene, -3)


def text_leaf(scene: Scene) -> list[str]:
    """A forged event whose leaf index is text, in a leaf table rebuilt to allow it."""
    with tampering(scene) as raw:
        raw.run(
            "CREATE TABLE loose (leaf_index, notification_id INTEGER NOT NULL "
            "UNIQUE, state_hash BLOB NOT NULL, leaf_hash BLOB NOT NULL)"
        )
        raw.run("INSERT INTO loose SELECT * FROM {leaves}")
        raw.run("DROP TABLE {leaves}")
        raw.run("ALTER TABLE loose RENAME TO {leaves}")
    return _forged_leaf_at(scene, "z")


def _loose_leaves(scene: Scene) -> None:
    """Rebuild the leaf table with no keys, so that numbers may repeat or be NULL."""
    with tampering(scene) as raw:
        raw.loosen_leaves()


def twice_numbered_leaf(scene: Scene) -> list[str]:
    """A forged event whose correct leaf repeats the number of a genuine leaf."""
    _loose_leaves(scene)
    return _forged_leaf_at(scene, 4)


def unnumbered_leaf(scene: Scene) -> list[str]:
    """A forged event whose correct leaf has a NULL number."""
    _loose_leaves(scene)
    return _forged_leaf_at(scene, None)


def unledgered(scene: Scene) -> list[str]:
    """An event row inserted with no leaf."""
    with tampering(scene) as raw:
        ballot = raw.event_at(BALLOT)
        raw.insert_event(ballot.originator_id, 8, BALLOT_TOPIC, ballot.state)
    return scene.notes


def text_state(scene: Scene) -> list[str]:
    """TEXT written into the BLOB state column."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(BALLOT).nid, "state", "now text")
    return scene.notes


def bad_record_id(scene: Scene) -> list[str]:
    """An originator id that is not a UUID."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(BALLOT).nid, "originator_id", "ballot-box-7")
    return scene.notes


def short_leaf_hash(scene: Scene) -> list[str]:
    """A stored leaf hash cut to 31 bytes."""
    with tampering(scene) as raw:
        leaf = raw.leaves()[BALLOT].leaf_hash
        raw.run(
            "UPDATE {leaves} SET leaf_hash = ? WHERE leaf_index = ?",
            (leaf[:31], BALLOT),
        )
    return scene.notes


def foreign_checkpoint(scene: Scene) -> list[str]:
    """A rewrite, and a checkpoint of it signed by another key of the same name."""
    rewrite(scene)
    with tampering(scene) as raw:
        forged_root = mth([leaf.leaf_hash for leaf in raw.leaves()])
    return [SigningKey.generate(ORIGIN).sign(SIZE, forged_root)]


def edited_checkpoint(scene: Scene) -> list[str]:
    """Truncated, and the kept checkpoint's size edited to match."""
    truncate(scene)
    origin, _size, *rest = scene.notes[0].split("\n")
    return ["\n".join([origin, "10", *rest])]


def copied_checkpoint(scene: Scene) -> list[str]:
    """The kept note came back through email: CRLF line ends, a blank line after."""
    return [note.replace("\n", "\r\n") + "\r\n" for note in scene.notes]


def checkpoint_saved_by_notepad(scene: Scene) -> list[str]:
    """The kept note was saved by an editor that puts a byte-order mark first."""
    return ["\ufeff" + note.replace("\n", "\r\n") for note in scene.notes]


def equivocation(scene: Scene) -> list[str]:
    """Two notes by the genuine key for one size with different roots."""
    with tampering(scene) as raw:
        leaves = [leaf.leaf_hash for leaf in raw.leaves()]
    forged = scene.key.sign(SIZE, mth([*leaves[:-1], sha256(b"forged")]))
    return [forged, *scene.notes]


def wrong_origin_and_malformed(scene: Scene) -> list[str]:
    """A note naming another ledger (genuine key) and an unreadable note."""
    body = f"other.example/ledger\n{SIZE}\n{scene.notes[0].split(chr(10))[2]}\n"
    signature = scene.key.private.sign(body.encode())
    typed_key = base64.b64decode(scene.key.verifier.split("+", 2)[2])
    blob = sha256(ORIGIN.encode() + b"\n" + typed_key)[:4] + signature
    note = f"{body}\n{EM_DASH} {ORIGIN} {base64.b64encode(blob).decode()}\n"
    return [*scene.notes, note, "no blank line here"]


def another_ledgers_checkpoint(scene: Scene) -> list[str]:
    """A checkpoint of another ledger, signed by that ledger's own key."""
    other = SigningKey.generate("other.example/ledger")
    return [*scene.notes, other.sign(SIZE, bytes(32))]


def unanchored(scene: Scene) -> list[str]:
    """Three events after the checkpoint."""
    extend(scene, 3, sign=False)
    return scene.notes


def erased_then_signed(scene: Scene) -> list[str]:
    """A member erased (crypto-shredding) and a new checkpoint signed."""
    with scene.open() as ledger:
        ledger.erase_member(scene.voters[0], by=scene.admin)
        scene.notes.append(ledger.checkpoint(scene.key).note)
    return scene.notes


def nid_gaps(scene: Scene) -> list[str]:
    """Notification ids made non-contiguous, order kept."""
    with tampering(scene) as raw:
        raw.move_events_up(first_nid=4, offset=40)
    return scene.notes


def nids_at_0_and_below(scene: Scene) -> list[str]:
    """The first two notification ids moved to -1 and 0, order kept."""
    with tampering(scene) as raw:
        raw.run("UPDATE {events} SET {nid} = {nid} - 2 WHERE {nid} <= 2")
        raw.run(
            "UPDATE {leaves} SET notification_id = notification_id - 2 "
            "WHERE notification_id <= 2"
        )
    return scene.notes


def pasted_note(scene: Scene) -> list[str]:
    """The kept note with a non-breaking space pasted after it, and the note itself."""
    return [scene.notes[0].rstrip("\n") + "\u00a0\n", *scene.notes]


def witnessed(scene: Scene) -> list[str]:
    """The kept note with an extra signature line from an unknown witness."""
    return [scene.notes[0] + f"{EM_DASH} witness.example AAAAAAAAAAAA\n"]


def upper_case_record_id(scene: Scene) -> list[str]:
    """A ballot's record id re-spelt in upper case: the same UUID, another text."""
    with tampering(scene) as raw:
        nid = raw.event_at(BALLOT).nid
        raw.run(
            "UPDATE {events} SET originator_id = upper(originator_id) WHERE {nid} = ?",
            (nid,),
        )
    return scene.notes


def hyphenated_record_id(scene: Scene) -> list[str]:
    """A ballot's record id re-spelt with hyphens."""
    with tampering(scene) as raw:
        event = raw.event_at(BALLOT)
        raw.set_event(event.nid, "originator_id", str(event.originator_id))
    return scene.notes


def version_zero(scene: Scene) -> list[str]:
    """A ballot's version set to 0."""
    with tampering(scene) as raw:
        raw.set_event(raw.event_at(BALLOT).nid, "originator_version", 0)
    return scene.notes


def two_notes_in_one_file(scene: Scene) -> list[str]:
    """Two checkpoints of the genuine key kept in one file."""
    extend(scene, 1)
    return [scene.notes[0] + "\n" + scene.notes[1]]


def _signed_size(scene: Scene, size_text: str) -> str:
    """A note of the genuine key with the kept note's root and *size_text*."""
    root = scene.notes[0].split("\n")[2]
    body = f"{ORIGIN}\n{size_text}\n{root}\n"
    signature = scene.key.private.sign(body.encode())
    typed_key = base64.b64decode(scene.key.verifier.split("+", 2)[2])
    blob = sha256(ORIGIN.encode() + b"\n" + typed_key)[:4] + signature
    return f"{body}\n{EM_DASH} {ORIGIN} {base64.b64encode(blob).decode()}\n"


def arabic_digit_size(scene: Scene) -> list[str]:
    """A note of the genuine key whose size is written in Arabic-Indic digits."""
    return [_signed_size(scene, "\u0661\u0666")]


def topic_not_utf8(scene: Scene) -> list[str]:
    """A ballot's topic made text whose bytes are not UTF-8."""
    with tampering(scene) as raw:
        raw.run(
            "UPDATE {events} SET topic = CAST(X'ff41' AS TEXT) WHERE {nid} = ?",
            (raw.event_at(BALLOT).nid,),
        )
    return scene.notes


def leaves_dropped(scene: Scene) -> list[str]:
    """The leaf table dropped, and a checkpoint of the empty log kept as well."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {leaves}")
    return [scene.key.sign(0, sha256(b"")), *scene.notes]


def events_dropped(scene: Scene) -> list[str]:
    """The events table dropped, its leaves kept."""
    with tampering(scene) as raw:
        raw.run("DROP TABLE {events}")
    return scene.notes


def size_beyond_any_log(scene: Scene) -> list[str]:
    """A note of the genuine key whose size is 2^63, and the kept note."""
    return [_signed_size(scene, str(2**63)), *scene.notes]


CASES: dict[str, Tamper] = {
    f.__name__: f
    for f in (
        untouched,
        no_checkpoint,
        flip,
        retopic,
        reversion,
        rewrite,
        delete_row,
        delete_and_renumber,
        delete_leaf,
        swap_states,
        swap_leaves,
        renumber,
        truncate,
        fork,
        fork_signed_later,
        forged_tail,
        forged_middle,
        far_leaf,
        negative_leaf,
        text_leaf,
        twice_numbered_leaf,
        unnumbered_leaf,
        unledgered,
        text_state,
        bad_record_id,
        short_leaf_hash,
        foreign_checkpoint,
        edited_checkpoint,
        copied_checkpoint,
        checkpoint_saved_by_notepad,
        equivocation,
        wrong_origin_and_malformed,
        another_ledgers_checkpoint,
        unanchored,
        erased_then_signed,
        nid_gaps,
        nids_at_0_and_below,
        witnessed,
        pasted_note,
        upper_case_record_id,
        hyphenated_record_id,
        version_zero,
        two_notes_in_one_file,
        arabic_digit_size,
        size_beyond_any_log,
        topic_not_utf8,
        leaves_dropped,
        events_dropped,
    )
}


@pytest.mark.parametrize("case", list(CASES))
def test_independent_verifier_agrees_with_coledger(
    base: Scene, tmp_path: Path, case: str
) -> None:
    """On a clean or tampered copy, both verifiers give the same verdict and codes."""
    scene = copy_ledger(base, tmp_path / "copy")
    notes = CASES[case](scene)
    assert scene.path is not None
    ours = independent_verify(scene.path, scene.key.verifier, notes)
    theirs = audit(scene, notes=notes)
    assert (ours.status, dict(ours.counts), ours.size, ours.anchored) == (
        theirs.status,
        theirs.counts,
        theirs.size,
        theirs.anchored,
    )


def test_independent_verifier_without_a_pinned_key(base: Scene, tmp_path: Path) -> None:
    """With no pinned key, both verifiers refuse every note the same way."""
    scene = copy_ledger(base, tmp_path / "copy")
    assert scene.path is not None
    ours = independent_verify(scene.path, None, scene.notes)
    theirs = audit(scene, pinned=False)
    assert ours.status == theirs.status == "FAILED"
    assert (
        dict(ours.counts)
        == theirs.counts
        == {
            "NO_TRUSTED_SIGNATURE": 1,
            "NO_CHECKPOINT": 1,
        }
    )


def test_independent_verifier_agrees_with_the_console_script(
    base: Scene, tmp_path: Path
) -> None:
    """``coledger verify --json`` and this verifier agree on a tampered log."""
    scene = copy_ledger(base, tmp_path / "copy")
    notes = delete_row(scene)
    (tmp_path / "kept.checkpoint").write_text(notes[0], encoding="utf-8")
    assert scene.path is not None
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "coledger"),
            "verify",
            "--db",
            str(scene.path),
            "--trusted-key",
            scene.key.verifier,
            "--checkpoint",
            "kept.checkpoint",
            "--json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    ours = independent_verify(scene.path, scene.key.verifier, notes)
    assert result.returncode == 1
    assert (report["status"], report["counts"]) == (ours.status, dict(ours.counts))


def test_the_guides_leaf_example_is_what_coledger_hashes() -> None:
    """The guide's worked leaf example matches coledger's own leaf function."""
    record = uuid.UUID("0f8e4c2a-6b1d-4e3f-9a7c-5d2b1e0f3a4c")
    state = b'{"choice":"for"}'
    ours = leaf_of(record, 4, BALLOT_TOPIC, sha256(state))
    assert ours == leaf_hash(record, 4, BALLOT_TOPIC, state)
    assert ours.hex() == (
        "28fa87acf245366b4601a8c048018f50c8a333edb789071df75c54b8dc30c925"
    )


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "auditors-guide.md"


def test_the_guide_explains_every_finding_code() -> None:
    """Every code verify() can report has a row in the guide's table of findings."""
    text = GUIDE.read_text(encoding="utf-8")
    missing = [code for code in EXPLANATIONS if f"| `{code}` |" not in text]
    assert missing == []
    assert set(COLEDGER_WARNINGS) == WARNINGS
