"""The auditor's check: recompute every leaf and root, with no decryption keys.

Findings carry a code. Errors make the verdict FAILED; warnings (nothing found
wrong, but part of the log is not covered by a trusted checkpoint) make it
PARTIAL; with neither, VERIFIED. Memory stays bounded: rows are streamed in
pages, the tree is a compact range of O(log n) hashes, and at most
``MAX_SHOWN`` findings of each code are kept (all are counted).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any
from uuid import UUID

import attrs

from coledger.errors import CheckpointError, InvalidInputError
from coledger.integrity.checkpoints import Checkpoint, Verifier, open_checkpoint
from coledger.integrity.leaves import UUID_HEAD, leaf_hash_from, topic_field
from coledger.integrity.merkle import CompactRange
from coledger.integrity.source import LISTED, AuditSource, EventRow, LeafRow, RawPage

VERIFIED, PARTIAL, FAILED = "VERIFIED", "PARTIAL", "FAILED"
EXIT_CODES = {VERIFIED: 0, FAILED: 1, PARTIAL: 3}
WARNINGS = frozenset({"UNANCHORED", "NO_CHECKPOINT"})
MAX_SHOWN = 50
HASH = 32

EXPLANATIONS = {
    "MODIFIED": "a stored event's bytes no longer match its leaf",
    "ROOT_MISMATCH": "the log up to a trusted checkpoint is not the one signed",
    "MISSING_EVENT": "a leaf points at an event that is not there",
    "UNLEDGERED_EVENT": "an event was stored without a leaf (written around coledger)",
    "MISSING_LEAVES": "the table of leaves, the log's hash chain, is gone",
    "MISSING_EVENTS": "the events table is gone: no leaf has its event",
    "LEDGER_GAP": "leaf numbers skip",
    "REORDERED": "events are not in the order their leaves were written",
    "STREAM_GAP": "a record's versions do not run 1, 2, 3... in log order",
    "TRUNCATED": "a trusted checkpoint covers more events than the log holds",
    "MALFORMED_ROW": "a row holds values of the wrong type or length",
    "BAD_SIGNATURE": "a checkpoint's signature does not match its text",
    "NO_TRUSTED_SIGNATURE": "a checkpoint is not signed by the pinned key",
    "WRONG_ORIGIN": "a checkpoint names another ledger",
    "MALFORMED": "a checkpoint cannot be read",
    "EQUIVOCATION": (
        "two trusted checkpoints sign two histories (two roots for one size, or "
        "a larger log that does not extend the smaller one)"
    ),
    "UNREAD_ROWS": (
        "rows the walk in leaf order cannot reach: a leaf number used twice or "
        "missing, or an event row shared by two leaves"
    ),
    "HIDDEN_ROWS": "the database can hide rows of the log from this reader",
    "CORRUPT_FILE": (
        "SQLite's own check of the log's tables fails: the application may "
        "read other rows than the ones verified"
    ),
    "UNANCHORED": "events not anchored by a trusted checkpoint that matches the log",
    "NO_CHECKPOINT": "no trusted checkpoint was given, so nothing is anchored",
}


@attrs.frozen
class Finding:
    """One thing the verifier found, with where it found it."""

    code: str
    detail: str
    leaf_index: int | None = None
    originator_id: str | None = None
    version: int | None = None

    @property
    def severity(self) -> str:
        """``warning`` for gaps in anchoring, ``error`` for anything else."""
        return "warning" if self.code in WARNINGS else "error"


@attrs.frozen
class Report:
    """The verdict on one ledger."""

    status: str
    size: int
    anchored: int
    checkpoints: int
    findings: tuple[Finding, ...]
    counts: dict[str, int]

    @property
    def exit_code(self) -> int:
        """0 VERIFIED, 3 PARTIAL, 1 FAILED."""
        return EXIT_CODES[self.status]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values (stable keys; see the auditor's guide)."""
        return {
            "format": "coledger-verify/1",
            "status": self.status,
            "size": self.size,
            "anchored": self.anchored,
            "checkpoints": self.checkpoints,
            "counts": dict(sorted(self.counts.items())),
            "findings": [
                {"severity": f.severity, **attrs.asdict(f)} for f in self.findings
            ],
        }

    def to_text(self) -> str:
        """The report for a terminal: the verdict last, in words."""
        lines = [
            (
                f"ledger: {_events(self.size)} in the hash chain; trusted checkpoints: "
                f"{self.checkpoints}; anchored: {self.anchored:,}"
            )
        ]
        for code, count in sorted(self.counts.items()):
            lines.append(f"  {code} x{count}: {EXPLANATIONS.get(code, code)}")
        lines += (
            printable(f"    {f.code}{_where(f)}: {f.detail}") for f in self.findings
        )
        listed = Counter(f.code for f in self.findings)
        lines += (
            f"    ... and {count - listed[code]:,} more {code} not listed "
            f"(at most {MAX_SHOWN} of each code are)"
            for code, count in sorted(self.counts.items())
            if count > listed[code]
        )
        lines.append(f"STATUS: {self.status}")
        return "\n".join(lines)


def printable(text: str) -> str:
    """*text* with anything but printable ASCII written as a Python escape.

    A finding quotes what it found in the log, and a tamperer chooses that:
    an escape sequence or a carriage return there could redraw the terminal
    (a false ``STATUS: VERIFIED`` over the true one), so none reaches it.
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        c if c.isascii() and c.isprintable() else ascii(c)[1:-1] for c in text
    )


def _where(finding: Finding) -> str:
    """Where a finding is, in words: its leaf, and its record and version."""
    where = "" if finding.leaf_index is None else f" at leaf {finding.leaf_index}"
    record = [
        f"{name} {value}"
        for name, value in (
            ("record", finding.originator_id),
            ("version", finding.version),
        )
        if value is not None
    ]
    return f"{where} ({', '.join(record)})" if record else where


class _Collector:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.shown: list[Finding] = []

    def add(self, finding: Finding) -> None:
        self.counts[finding.code] += 1
        if self.counts[finding.code] <= MAX_SHOWN:
            self.shown.append(finding)


def _as_bytes(value: Any) -> bytes | None:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return None


_HEX32 = re.compile(r"[0-9a-f]{32}")
MAX_VERSION = 2**63 - 1
MAX_TOPICS = 4096
"""How many distinct topics the walk keeps encoded (a ledger has a few dozen)."""


def _originator(value: Any) -> UUID | None:
    """The id as stored: a UUID (PostgreSQL) or exactly 32 lower-case hex digits.

    Any other spelling of the same UUID is a change: the application looks rows
    up by the exact text, so a re-spelt id hides events from it.
    """
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _HEX32.fullmatch(value):
        return UUID(hex=value)
    return None


def _shown_id(value: Any) -> str:
    """A stored id as findings name it: a UUID's usual spelling where it is one.

    Anything else is shown as stored, so that a re-spelt id is seen as such.
    """
    oid = _originator(value)
    return str(value) if oid is None else str(oid)


def _new_stream_head(oid: Any, version: int) -> bytes | None:
    """The bytes hashed before the version for a record's first event, if clean.

    None unless the id is stored as exactly 32 lower-case hex digits and the
    version is 1, the only clean start of a record.
    """
    if version != 1 or type(oid) is not str or not _HEX32.fullmatch(oid):
        return None
    return UUID_HEAD + bytes.fromhex(oid)


def read_checkpoints(
    notes: Sequence[str],
    verifier: Verifier | None,
    out: _Collector,
    names: Sequence[str] | None = None,
) -> dict[Checkpoint, str]:
    """The trusted checkpoints among *notes*, by size, with their names.

    Each finding about a note starts with its name (``checkpoint 1``, ...,
    unless *names* gives one per note), so an auditor who passed several can
    tell which one failed. Two roots signed for one size are EQUIVOCATION,
    and both are kept: the walk anchors the size if the log matches either,
    so the order the notes come in changes nothing.
    """
    labels = names or [f"checkpoint {n}" for n in range(1, len(notes) + 1)]
    trusted: dict[int, list[tuple[Checkpoint, str]]] = {}
    for note, name in zip(notes, labels, strict=True):
        if verifier is None:
            out.add(
                Finding(
                    "NO_TRUSTED_SIGNATURE",
                    f"{name}: no verifier key was pinned: pass the one the "
                    "organisation gave you (--trusted-key on the command line, "
                    "a Verifier from Verifier.parse in Python)",
                )
            )
            continue
        try:
            checkpoint = open_checkpoint(note, verifier)
        except CheckpointError as error:
            out.add(Finding(error.code, f"{name}: {error.detail}"))
            continue
        same_size = trusted.setdefault(checkpoint.size, [])
        if any(kept.root == checkpoint.root for kept, _ in same_size):
            continue  # a copy of a note already kept
        if same_size:
            earlier, earlier_name = same_size[0]
            out.add(
                Finding(
                    "EQUIVOCATION",
                    f"{earlier_name} and {name}: size {checkpoint.size} signed "
                    f"with roots {earlier.root_b64} and {checkpoint.root_b64}:"
                    f"\n{earlier.note}\n{checkpoint.note}",
                )
            )
        same_size.append((checkpoint, name))
    return dict(pair for size in sorted(trusted) for pair in trusted[size])


class _Walker:
    """Streams the leaves once, checking each and the roots at checkpoint sizes.

    ``_row`` is the reference: it applies every rule of the auditor's guide to
    one row. Raw pages go through ``_clean_run`` first, which handles the rows
    that break no rule in fewer steps, and hands each other row to ``_row``.
    """

    def __init__(self, checkpoints: Sequence[Checkpoint], out: _Collector) -> None:
        self.out = out
        self.size = 0
        self.tree = CompactRange()
        self.pending = list(checkpoints)
        self.matched: list[Checkpoint] = []
        """For each size a checkpoint vouched for, one whose root the log has."""
        self.mismatched: list[Checkpoint] = []
        self.expected_index = 0
        self.last_nid = 0
        """The last notification id walked, or 0: the log's readers start after 0."""
        self.all_clean = True
        """True while every row has been a clean one (``_row`` has seen none)."""
        self.joined = 0
        """Rows walked that were joined to an event row."""
        self.events_gone = False
        """True when the events table is gone: MISSING_EVENTS says so once,
        for every leaf, so no leaf adds a MISSING_EVENT of its own."""
        self.streams: dict[str, list[Any]] = {}
        """Per record (its 32 hex digits): [hashed bytes up to the version, version]."""
        self.topics: dict[str, bytes] = {}

    def walk(self, pages: Iterable[RawPage | Sequence[LeafRow]]) -> None:
        self._check_roots()
        for page in pages:
            if isinstance(page, RawPage):
                self._raw(page)
                continue
            for row in page:
                self._row(row)
                self._check_roots()

    def _grow(self, leaves: Sequence[bytes]) -> None:
        self.size += len(leaves)
        # Roots are only ever compared at the size of a pending checkpoint, so
        # past the last one the tree is not needed and is not hashed.
        if self.pending:
            self.tree.extend(leaves)

    def _check_roots(self) -> None:
        due: list[Checkpoint] = []
        while self.pending and self.pending[0].size == self.size:
            due.append(self.pending.pop(0))
        if not due:
            return
        root = self.tree.root()
        matching = next((c for c in due if c.root == root), None)
        if matching is not None:
            # Any other root signed for this size is EQUIVOCATION already.
            self.matched.append(matching)
            return
        for checkpoint in due:
            self.mismatched.append(checkpoint)
            self.out.add(
                Finding(
                    "ROOT_MISMATCH",
                    f"the first {checkpoint.size} events do not hash to the "
                    f"signed root {checkpoint.root_b64}",
                    leaf_index=checkpoint.size - 1 if checkpoint.size else None,
                )
            )

    def _raw(self, page: RawPage) -> None:
        """Walk a raw page: clean runs in bulk, every other row through ``_row``."""
        start, count = 0, len(page.rows)
        while start < count:
            stop = count
            if self.pending:
                stop = min(count, start + self.pending[0].size - self.size)
            leaves = self._clean_run(page.rows, start, stop)
            self.joined += len(leaves)  # a clean row always has its event
            self._grow(leaves)
            start += len(leaves)
            if start < stop:
                self._row(page.leaf_row(start))
                start += 1
            self._check_roots()

    def _clean_run(
        self, rows: Sequence[tuple[Any, ...]], start: int, stop: int
    ) -> list[bytes]:
        """The leaves of rows[start:stop] up to the first row that breaks a rule.

        A row counts as clean only if ``_row`` would find nothing wrong with it,
        and for such a row this does what ``_row`` does: the same leaf, the
        same next expected index, notification id and stream version.
        """
        expected = self.expected_index
        last = self.last_nid
        streams, topics, sha256 = self.streams, self.topics, hashlib.sha256
        leaves: list[bytes] = []
        for index, nid, hashed, leaf, _, oid, version, topic, state in islice(
            rows, start, stop
        ):
            if (
                type(index) is not int
                or index != expected
                or type(nid) is not int
                or nid <= last
                or type(version) is not int
                or type(state) is not bytes
            ):
                break
            stream = streams.get(oid)
            if stream is None:
                head = _new_stream_head(oid, version)
                if head is None:
                    break
            elif stream[1] + 1 != version:
                break
            else:
                head = stream[0]
            field = topics.get(topic) or self._topic_field(topic)
            if field is None:
                break
            state_digest = sha256(state).digest()
            leaf_digest = sha256(
                b"".join((head, version.to_bytes(8, "big"), field, state_digest))
            ).digest()
            if leaf_digest != leaf or state_digest != hashed:
                break
            if stream is None:
                streams[oid] = [head, version]
            else:
                stream[1] = version
            expected = index + 1
            last = nid
            leaves.append(leaf_digest)
        if leaves:
            self.expected_index = expected
            self.last_nid = last
        return leaves

    def _topic_field(self, topic: Any) -> bytes | None:
        """A text topic's hashed bytes, kept for its next rows; None if not text."""
        if type(topic) is not str:
            return None
        field = topic_field(topic)
        if len(self.topics) < MAX_TOPICS:
            self.topics[topic] = field
        return field

    def _row(self, row: LeafRow) -> None:
        self.all_clean = False
        self.joined += row.event is not None
        index = row.leaf_index if isinstance(row.leaf_index, int) else None
        if index != self.expected_index:
            self.out.add(
                Finding(
                    "LEDGER_GAP",
                    f"expected leaf {self.expected_index}, found {row.leaf_index!r}",
                    leaf_index=index,
                )
            )
        self.expected_index = (index if index is not None else self.expected_index) + 1
        nid = row.notification_id if isinstance(row.notification_id, int) else None
        if nid is None or nid <= self.last_nid:
            self.out.add(Finding("REORDERED", self._out_of_order(row), index))
        self.last_nid = max(nid, 0) if nid is not None else self.last_nid
        stored_leaf = _as_bytes(row.leaf_hash)
        stored_state = _as_bytes(row.state_hash)
        if (
            not row.typed
            or stored_leaf is None
            or stored_state is None
            or len(stored_leaf) != HASH
            or len(stored_state) != HASH
        ):
            self.out.add(Finding("MALFORMED_ROW", "a leaf hash is not 32 bytes", index))
        leaf = self._event_leaf(row.event, index, stored_state, stored_leaf)
        self._grow([leaf])

    def _out_of_order(self, row: LeafRow) -> str:
        """Why *row*'s notification id breaks the order, for the REORDERED finding."""
        found = f"notification id {row.notification_id!r}"
        if not isinstance(row.notification_id, int):
            return f"{found} is not a whole number"
        if row.notification_id <= 0:
            return (
                f"{found} is not above 0: the application reads its log from "
                "position 1 on, so it never reads this event"
            )
        return (
            f"{found} does not come after {self.last_nid}, the previous leaf's: "
            "this row or the one before it was moved"
        )

    def _event_leaf(
        self,
        event: EventRow | None,
        index: int | None,
        stored_state: bytes | None,
        stored_leaf: bytes | None,
    ) -> bytes:
        fallback = (
            stored_leaf if stored_leaf and len(stored_leaf) == HASH else bytes(HASH)
        )
        if event is None:
            if not self.events_gone:
                self.out.add(
                    Finding("MISSING_EVENT", "the leaf's event row is gone", index)
                )
            return fallback
        oid = _originator(event.originator_id)
        state = _as_bytes(event.state)
        version = event.originator_version
        if not isinstance(version, int) or not 0 < version <= MAX_VERSION:
            version = None
        if (
            not event.typed
            or oid is None
            or state is None
            or version is None
            or not isinstance(event.topic, str)
        ):
            self.out.add(
                Finding(
                    "MALFORMED_ROW",
                    "the event row has a value of the wrong type",
                    index,
                    _shown_id(event.originator_id),
                )
            )
            if state is None and isinstance(event.state, str):
                state = event.state.encode()
            if oid is None or state is None or version is None:
                self.out.add(
                    Finding(
                        "MODIFIED",
                        "the event cannot be hashed",
                        index,
                        _shown_id(event.originator_id),
                        version,
                    )
                )
                return hashlib.sha256(b"\x00malformed").digest()
        topic = event.topic if isinstance(event.topic, str) else str(event.topic)
        hashed = hashlib.sha256(state).digest()
        leaf = leaf_hash_from(oid, version, topic, hashed)
        if leaf != stored_leaf or hashed != stored_state:
            self.out.add(
                Finding(
                    "MODIFIED",
                    "the stored event does not match its leaf",
                    index,
                    str(oid),
                    version,
                )
            )
        key = oid.hex
        stream = self.streams.get(key)
        previous = 0 if stream is None else stream[1]
        if version != previous + 1:
            self.out.add(
                Finding(
                    "STREAM_GAP",
                    f"version {version} follows version {previous}",
                    index,
                    str(oid),
                    version,
                )
            )
        if stream is None:
            self.streams[key] = [UUID_HEAD + oid.bytes, version]
        else:
            stream[1] = version
        return leaf


def _arguments(
    source: object, verifier: object, notes: object, names: object, check_file: object
) -> tuple[list[str], list[str] | None]:
    """The arguments of verify, checked: the notes' texts and their labels."""
    if not callable(getattr(source, "leaf_pages", None)):  # an AuditSource, or like
        raise InvalidInputError("source must be an AuditSource (see open_source)")
    if verifier is not None and not isinstance(verifier, Verifier):
        raise InvalidInputError("verifier must be a Verifier (Verifier.parse)")
    texts = note_texts(notes)
    labels = None
    if names is not None:
        given = None if isinstance(names, str) else _listed(names)
        if given is None or len(given) != len(texts):
            raise InvalidInputError("names must be a list of texts, one per note")
        labels = given
    if not isinstance(check_file, bool):
        raise InvalidInputError("check_file must be True or False")
    return texts, labels


def note_texts(notes: object, name: str = "notes") -> list[str]:
    """*notes* as a list of texts; InvalidInputError (naming *name*) otherwise."""
    if isinstance(notes, str | bytes) or not isinstance(notes, Iterable):
        raise InvalidInputError(f"{name} must be a list of checkpoint notes")
    texts = list(notes)
    if not all(isinstance(note, str) for note in texts):
        raise InvalidInputError(f"{name} must be a list of checkpoint notes (text)")
    return texts


def _listed(values: object) -> list[str] | None:
    """*values* as a list, if it is an iterable of texts; else None."""
    if not isinstance(values, Iterable):
        return None
    found = list(values)
    return found if all(isinstance(value, str) for value in found) else None


def verify(
    source: AuditSource,
    verifier: Verifier | None,
    notes: Iterable[str],
    *,
    names: Sequence[str] | None = None,
    check_file: bool = False,
) -> Report:
    """Check a ledger against the checkpoints an auditor kept.

    *names*, one per note (their file names, say), label the findings about
    each note; without them the notes are ``checkpoint 1``, ``checkpoint 2``...
    With *check_file*, a SQLite ledger's file also goes through SQLite's own
    integrity check of the log's tables and their indexes (``CORRUPT_FILE``):
    an index that disagrees with its table can hide signed rows from the
    application while every row still verifies. It reads the tables once
    more: a third as long again, measured on 200,000 events.
    """
    texts, labels = _arguments(source, verifier, notes, names, check_file)
    out = _Collector()
    named = read_checkpoints(texts, verifier, out, labels)
    checkpoints = list(named)
    hidden = source.hiding()
    for reason in hidden:
        out.add(Finding("HIDDEN_ROWS", f"{reason}: the log is not read through it"))
    for problem in source.file_damage() if check_file else ():
        out.add(Finding("CORRUPT_FILE", problem))
    if hidden:
        # Its rows are whatever the owner's query makes them, and reading them
        # runs that query (a view whose rows never end, say): nothing is walked.
        counts = dict(out.counts)
        return Report(FAILED, 0, 0, len(checkpoints), tuple(out.shown), counts)
    walker = _Walker(checkpoints, out)
    with source.snapshot():
        if source.leaves_dropped():  # an empty walk: each checkpoint TRUNCATED
            out.add(_dropped(source.event_count()))
            walker.walk(())
        elif source.events_dropped():  # the chain alone, against the checkpoints
            out.add(_events_dropped(source.leaf_count()))
            walker.events_gone = True
            walker.walk(source.leaf_pages())
            _account(source, walker, out)
        else:
            walker.walk(source.leaf_pages())
            _account(source, walker, out)
    size = walker.size
    for checkpoint in walker.pending:
        out.add(
            Finding(
                "TRUNCATED",
                f"{named[checkpoint]}: a trusted checkpoint covers "
                f"{_events(checkpoint.size)}; the log holds {size}",
            )
        )
    for finding in _forks(walker, named):
        out.add(finding)
    anchored = max((c.size for c in walker.matched), default=0)
    if not checkpoints:
        out.add(Finding("NO_CHECKPOINT", _no_checkpoint(len(texts), verifier)))
    elif anchored < size:
        out.add(
            Finding("UNANCHORED", _unanchored(checkpoints, anchored, size), anchored)
        )
    errors = [c for c in out.counts if c not in WARNINGS]
    status = FAILED if errors else PARTIAL if out.counts else VERIFIED
    return Report(
        status, size, anchored, len(checkpoints), tuple(out.shown), dict(out.counts)
    )


def _dropped(events: int) -> Finding:
    """MISSING_LEAVES: the table of leaves is gone, with the events it covered."""
    rows = "1 event row" if events == 1 else f"{events:,} event rows"
    return Finding(
        "MISSING_LEAVES",
        f"the leaf table is gone, so none of the {rows} can be checked "
        "against a leaf or a checkpoint",
    )


def _events_dropped(leaves: int) -> Finding:
    """MISSING_EVENTS: the events table is gone, and how many leaves it leaves bare."""
    bare = (
        "the leaf table holds no leaves"
        if not leaves
        else "its one leaf has no event"
        if leaves == 1
        else f"all {leaves:,} leaves have no event"
    )
    return Finding(
        "MISSING_EVENTS",
        f"the events table is gone, so {bare}: the leaves are still checked "
        "against the checkpoints, but no event can be read or checked against "
        "its leaf",
    )


def _forks(walker: _Walker, named: dict[Checkpoint, str]) -> Iterator[Finding]:
    """EQUIVOCATION for each mismatched checkpoint that a larger matched one rules out.

    The larger root matched, so it commits to the very leaves walked; their
    prefix does not hash to the smaller root, so the pinned key signed two
    histories that no one log can hold. A rewrite of the database alone cannot
    make that happen: only the key can. The larger note named is the one the
    log matched, never another root signed for its size.
    """
    for bad in walker.mismatched:
        later = next((c for c in walker.matched if c.size > bad.size), None)
        if later is None:
            continue
        yield Finding(
            "EQUIVOCATION",
            f"{named[bad]} and {named[later]}: the log that the root "
            f"{later.root_b64} of {later.size} events was signed for does not "
            f"extend the root {bad.root_b64} signed for its first {bad.size}:"
            f"\n{bad.note}\n{later.note}",
            leaf_index=bad.size - 1 if bad.size else None,
        )


def _no_checkpoint(given: int, verifier: Verifier | None) -> str:
    """What to do when no checkpoint could be trusted, given how many were passed."""
    if not given:
        return "pass the checkpoints you kept"
    if verifier is None:
        return f"{given} checkpoint(s) given, but no verifier key to open them with"
    return (
        f"none of the {given} checkpoint(s) given opened under the pinned key "
        "(see the findings above)"
    )


def _unanchored(checkpoints: Sequence[Checkpoint], anchored: int, size: int) -> str:
    """Why events anchored..size-1 are not anchored, and what to do about it.

    A new checkpoint helps only when the events are newer than every trusted
    one; events that a trusted checkpoint covers but does not match must not
    be anchored afresh.
    """
    events = f"events {anchored}..{size - 1}"
    if any(checkpoint.size > anchored for checkpoint in checkpoints):
        return (
            f"{events} are not anchored: the trusted checkpoint that covers them "
            "does not match the log (see the errors above)"
        )
    return f"{events} are newer than the last trusted checkpoint; ask for a new one"


def _account(source: AuditSource, walker: _Walker, out: _Collector) -> None:
    """Account for every row: each leaf walked, each event walked or unledgered.

    The walk pages by leaf number, so a row that shares its number with
    another, or has none, or an event row that shares its notification id with
    another, can fall between pages. Counting the tables closes that door: a
    row the walk did not reach is a finding, never a row that silently covers
    an event.
    """
    size = walker.size
    leaves = source.leaf_count()
    if leaves != size:
        out.add(
            Finding(
                "UNREAD_ROWS",
                f"the leaf table holds {leaves} rows; the walk in leaf order "
                f"reached {size}",
            )
        )
    events = source.event_count()
    # Clean rows point at distinct events, one each (their notification ids
    # rise), so when there are just as many event rows, none lacks a leaf.
    if walker.all_clean and events == size:
        return
    listed = 0
    for event in source.unledgered():
        listed += 1
        out.add(
            Finding(
                "UNLEDGERED_EVENT",
                f"event row {event.notification_id!r} has no leaf",
                originator_id=_shown_id(event.originator_id),
                version=event.originator_version
                if isinstance(event.originator_version, int)
                else None,
            )
        )
    unledgered = listed
    if listed >= LISTED:  # the rest are counted, not read
        total = source.unledgered_count()
        if total is not None and total > listed:
            out.counts["UNLEDGERED_EVENT"] += total - listed
            unledgered = total
    if events != walker.joined + unledgered:
        out.add(
            Finding(
                "UNREAD_ROWS",
                f"the event table holds {events} rows; {walker.joined} were "
                f"reached through the leaves walked and {unledgered} have no leaf",
            )
        )


def _events(count: int) -> str:
    """*count* events in words: "1 event", "1,783 events"."""
    return f"{count:,} event" if count == 1 else f"{count:,} events"
