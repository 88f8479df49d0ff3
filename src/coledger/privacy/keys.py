"""Per-member data keys, wrapped under the host's master key, kept apart from events.

Each member has one key per purpose (identity, lived experience, access). A key
is 32 random bytes, stored only wrapped (RFC 3394 AES key wrap) under the
master key. Destroying a key deletes its wrapped bytes and leaves a tombstone, so
that data sealed under it reads as erased rather than as an error.

Stores: in memory (for ``memory://``), a separate SQLite file beside the ledger
file (``<ledger>.keys``, rollback journal and ``secure_delete`` so destroyed
bytes do not linger in the files), or a table in the ledger's PostgreSQL schema.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import sqlite3
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from string import hexdigits
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from coledger.errors import (
    DatabaseLockedError,
    LedgerClosedError,
    MasterKeyError,
    StorageError,
)
from coledger.storage import alive, create_owner_only, lock_refused

if TYPE_CHECKING:
    from uuid import UUID

MASTER_KEY_ENV = "COLEDGER_MASTER_KEY"
MASTER_KEY_SIZE = 32
_CHECK_ID = "00000000-0000-0000-0000-000000000000"
"""A reserved row holding a key wrapped under the master key, to detect a wrong one."""

_KEY_SIZE = 32
"""The length of every member key the store makes."""

_LEDGER = "ledger"
"""The member and purpose of the reserved row naming the ledger the store is for."""

KeyRow = tuple[str, str, str, bytes | None]
"""A stored key: key id, member, purpose, wrapped bytes (None once destroyed)."""
Plan = tuple[
    list[KeyRow], dict[tuple[uuid.UUID, str], tuple[str, bytes]], set[tuple[str, str]]
]
"""What ``provision`` plans: the rows to store, the keys they hold by (member,
purpose), and the live pairs it must destroy."""


def generate_master_key() -> bytes:
    """A new random 32-byte master key."""
    return os.urandom(MASTER_KEY_SIZE)


def encode_master_key(key: bytes) -> str:
    """The master key as text (URL-safe base64), for a key file or variable."""
    given: object = key  # callers without type checks pass anything
    if not isinstance(given, bytes) or len(given) != MASTER_KEY_SIZE:
        raise MasterKeyError(
            f"a master key to encode is {MASTER_KEY_SIZE} bytes, not {_kind(given)}"
        )
    return base64.urlsafe_b64encode(given).decode()


def _kind(value: object) -> str:
    """What *value* is, for a message that must not show a key's bytes."""
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    return type(value).__name__


def master_key_in_env() -> bool:
    """Whether the environment variable holds a key: set, and not to spaces alone.

    Spaces and line endings around a key are not part of it, so a variable
    holding nothing else is set to nothing, as a secret that failed to load
    may leave it.
    """
    return bool(os.environ.get(MASTER_KEY_ENV, "").strip())


def load_master_key(value: bytes | str | None) -> bytes:
    """Accept 32 raw bytes or their base64 text; fall back to the environment."""
    if value is None:
        value = os.environ.get(MASTER_KEY_ENV)
        if value is None or not master_key_in_env():
            # Set to nothing, as a secret that failed to load leaves it, it is
            # no key at all (the command line and memory:// read it so too).
            empty = "" if value is None else f"{MASTER_KEY_ENV} is empty; "
            raise MasterKeyError(
                f"no master key: {empty}pass master_key= to Ledger.open, or set "
                f"{MASTER_KEY_ENV} to a base64 key (coledger keygen --master "
                "makes one)"
            )
    if not isinstance(value, str | bytes):
        raise MasterKeyError("the master key is 32 bytes or their base64 text")
    if isinstance(value, bytes):
        if len(value) != MASTER_KEY_SIZE:
            if _base64_text(value):
                # A key file read in binary: the key is right, its type is not.
                raise MasterKeyError(
                    f"the master key was given as its base64 text, as bytes "
                    f"({len(value)} of them): pass the text as a str (decode "
                    "the bytes), or the 32 raw bytes"
                )
            raise MasterKeyError(
                f"the master key must be {MASTER_KEY_SIZE} bytes, not {len(value)}"
                f"{_MAKE_ONE}"
            )
        return value
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        key = binascii.a2b_base64(text.encode(), strict_mode=True)
    except (binascii.Error, ValueError) as error:
        msg = f"the master key is not valid base64{_MAKE_ONE}"
        raise MasterKeyError(msg) from error
    if len(key) != MASTER_KEY_SIZE:
        # 64 hex digits are valid base64 too, of 48 bytes: the likeliest mistake.
        hexed = len(text) == 2 * MASTER_KEY_SIZE and all(c in hexdigits for c in text)
        raise MasterKeyError(
            f"the master key must be {MASTER_KEY_SIZE} bytes written in base64 "
            f"(44 characters); this text decodes to {len(key)} bytes"
            + ("; it looks like hexadecimal, which is not read" if hexed else "")
            + _MAKE_ONE
        )
    return key


def _base64_text(value: bytes) -> bool:
    """Whether *value* is the base64 text of a master key (not raw key bytes)."""
    text = value.strip().replace(b"-", b"+").replace(b"_", b"/")
    try:
        return len(binascii.a2b_base64(text, strict_mode=True)) == MASTER_KEY_SIZE
    except (binascii.Error, ValueError):
        return False


_MAKE_ONE = " (coledger keygen --master makes one)"
_NO_CHECK = (
    "the key store holds keys but no check value: it was damaged or edited; "
    "restore it from a backup (it was left as it was)"
)


class KeyStore(ABC):
    """Member data keys by id, and the current key of each (member, purpose)."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self._lock = threading.RLock()
        self._plain: dict[str, bytes] = {}
        self._current: dict[tuple[UUID, str], str] = {}
        self._generation = -1
        self.changes = 0
        """How many times sync found keys destroyed and emptied the caches."""
        self._making: (
            tuple[frozenset[UUID], dict[tuple[UUID, str], tuple[str, bytes]]] | None
        ) = None
        """While a ``provisional`` block runs: its members, and the keys
        ``key_for`` made for them."""
        self._closed = False
        """True once closed: no use reopens it, and no cached key opens anything."""

    def _check_open(self) -> None:
        """LedgerClosedError once closed (the caller holds the lock).

        A page of records read before the Ledger closed is opened as it is
        read on: a closed connection must neither fail with a bare storage
        error nor be taken for one the server dropped and made again.
        """
        if self._closed:
            msg = (
                "this key store was closed with its Ledger; open the ledger "
                "again with Ledger.open"
            )
            raise LedgerClosedError(msg)

    # Backend operations --------------------------------------------------------

    @abstractmethod
    def _insert(self, key_id: str, member: str, purpose: str, wrapped: bytes) -> None:
        """Store a new wrapped key."""

    @abstractmethod
    def _fetch(self, key_id: str) -> tuple[bytes | None, bool]:
        """The wrapped key and whether the id is known (None once destroyed)."""

    @abstractmethod
    def _current_id(self, member: str, purpose: str) -> str | None:
        """The id of the live key of (member, purpose), if any."""

    @abstractmethod
    def _destroy(
        self, member: str, purposes: tuple[str, ...], only: Sequence[str] | None = None
    ) -> list[str]:
        """Delete the wrapped bytes of the member's live keys for *purposes*.

        With *only*, just those of the keys whose ids it names.
        """

    @abstractmethod
    def _read_generation(self) -> int:
        """A counter that every destruction increments."""

    @abstractmethod
    def _rows_of(self, members: Sequence[str]) -> list[KeyRow]:
        """Every row, live or destroyed, of the given members."""

    @abstractmethod
    def _insert_all(self, rows: Sequence[KeyRow], *, bump: bool) -> None:
        """Store new rows in one transaction (wrapped None: made destroyed).

        With *bump*, the generation is incremented in the same transaction.
        """

    @abstractmethod
    def _delete(self, key_ids: Sequence[str]) -> None:
        """Delete rows outright, leaving nothing of their bytes behind."""

    @abstractmethod
    def _holds_rows(self) -> bool:
        """Whether the store holds a row other than the check value (key, tombstone)."""

    def close(self) -> None:
        """Refuse every use from now on, and forget the keys unwrapped so far.

        A page of records read before the Ledger closed must not go on opening
        under keys cached before it. Stores with a connection close it too,
        under the lock: sqlite3 and psycopg connections must not be closed
        under a query running on another thread (SQLite's crashes the process).
        """
        with self._lock:
            self._closed = True
            self._plain.clear()
            self._current.clear()
            self._disconnect()

    def _disconnect(self) -> None:  # noqa: B027 (stores without connections need nothing)
        """Close the store's connection, if it has one (the caller holds the lock)."""

    # Public operations ------------------------------------------------------------

    def check_master_key(self) -> bool:
        """Raise MasterKeyError if the store was made under another master key.

        So too, writing nothing, if it holds keys but has lost its check value,
        or holds the check value's row without its bytes, which checks nothing.

        Returns True when the store was empty and has just been initialised.
        """
        wrapped, known = self._fetch(_CHECK_ID)
        if not known:
            if self._holds_rows():
                # Damaged, not new: a check value made now might be under a
                # mistyped master key, and a store taken for new is deleted.
                raise MasterKeyError(_NO_CHECK)
            try:
                self._insert(
                    _CHECK_ID,
                    _CHECK_ID,
                    "check",
                    aes_key_wrap(self._master, os.urandom(32)),
                )
            except StorageError:
                # Another process initialised the store at the same moment.
                wrapped, known = self._fetch(_CHECK_ID)
                if not known:
                    raise
            else:
                return True
        if not isinstance(wrapped, bytes):
            # None once its bytes are gone; text or a number, edited by hand
            # into a SQLite column, would fail the unwrap untyped.
            raise MasterKeyError(_NO_CHECK)
        try:
            aes_key_unwrap(self._master, wrapped)
        except InvalidUnwrap as error:
            raise MasterKeyError(
                "the master key does not open this ledger's key store"
            ) from error
        return False

    def holds_more_than_its_check(self) -> bool:
        """Whether anything but the check value is stored (a key, tombstone, name)."""
        return self._holds_rows()

    def check_ledger(self, first: str, key: str | None = None) -> None:
        """Raise MasterKeyError if the store was made for another ledger.

        *first* names the ledger: the id of the record its first event
        belongs to, which no other ledger's first event has but one imported
        from its export; *key*, the id of the key sealing the first sealed
        field of its first events (the first event may seal nothing: a body
        set up by no one), tells those two apart, since an import seals
        afresh under keys made in its own store. A store that names no
        ledger yet (made before its ledger's first event, or by an earlier
        coledger) is given this one's name, where it can be written: from
        then on, a key store restored from another ledger's backup is
        refused before a key is made in it, even under the same master key.
        A name or a ledger without a key is compared by *first* alone; a
        name without a key (given before anything was sealed) gains *key*
        once this store holds that key, which another ledger's never does.
        """
        name = first if key is None else f"{first}:{key}"
        named = self._ledger_named()
        if named == first and key is not None and self.state_of(key) != "unknown":
            with contextlib.suppress(StorageError):  # tried again at the next open
                self._delete([f"{_LEDGER}:{named}"])
                named = None
        if named is None:
            try:
                self._insert(f"{_LEDGER}:{name}", _LEDGER, _LEDGER, b"")
            except StorageError:
                # Read-only storage names none (checked again at the next
                # open); or another process named it at the same moment.
                named = self._ledger_named()
        if named is None:
            return
        named_first, _, named_key = named.partition(":")
        if named_first != first or (key is not None and named_key not in {"", key}):
            msg = (
                f"this is another ledger's key store: it names the ledger {named} "
                "(its first record, and the key sealing its first sealed field), "
                f"and this ledger is {name}; restore this ledger's own key store "
                "(it was left as it was). If it is this ledger's own, the "
                "ledger's first events were altered: coledger verify tells"
            )
            raise MasterKeyError(msg)

    def forget_ledger(self) -> None:
        """Drop the name of the ledger the store was made for: its ledger is empty.

        A ledger with no events has sealed nothing yet, so the store beside
        it is its own, whatever ledger it named before (one whose file was
        removed to start again, leaving its store): the keys of the new
        ledger's data are made in it, and the first open after its first
        event names it anew. Best effort: a store that cannot be written
        keeps the name, and the next open tries again.
        """
        with self._lock:
            named = self._ledger_named()
            if named is not None:
                with contextlib.suppress(StorageError):
                    self._delete([f"{_LEDGER}:{named}"])

    def _ledger_named(self) -> str | None:
        """The first record of the ledger the store was made for, if it says."""
        for key_id, _, purpose, _ in self._rows_of([_LEDGER]):
            if purpose == _LEDGER and key_id.startswith(f"{_LEDGER}:"):
                return key_id.removeprefix(f"{_LEDGER}:")
        return None

    def forget_master_key_check(self) -> None:
        """Delete the check value, for a store just initialised and then refused.

        A ledger with events whose key store ``check_master_key`` had to
        initialise has lost its store: left in place, the check value would
        let the next open take the empty store for the ledger's own (and,
        made under a mistyped key, refuse the right one).
        """
        with self._lock:
            self._delete([_CHECK_ID])

    def sync(self) -> bool:
        """Forget cached keys if some were destroyed since we looked; True if so."""
        generation = self._read_generation()
        if generation == self._generation:
            return False
        with self._lock:
            self._plain.clear()
            self._current.clear()
            self._generation = generation
            self.changes += 1
        return True

    @property
    def generation(self) -> int:
        """The destruction counter as the last ``sync`` read it (-1 before any)."""
        return self._generation

    def key_for(self, member: UUID, purpose: str) -> tuple[str, bytes]:
        """The live key of (member, purpose), creating it if there is none.

        Never for an erased member: their keys are gone for good.
        """
        with self._lock:
            self._check_open()
            cached = self._current.get((member, purpose))
            if cached is not None and cached in self._plain:
                return cached, self._plain[cached]
            key_id = self._current_id(str(member), purpose)
            # None too if another writer destroyed the key since it was found
            # live: then it is as if there were none.
            plain = None if key_id is None else self._unwrap(key_id)
            if plain is None and self.is_erased(member):
                raise MasterKeyError(
                    f"member {member} was erased; nothing can be sealed"
                )
            if key_id is None or plain is None:
                key_id = str(uuid.uuid4())
                plain = os.urandom(_KEY_SIZE)
                if self._making is not None and member in self._making[0]:
                    # Noted before the insert: an interrupted insert may land.
                    self._making[1][(member, purpose)] = (key_id, plain)
                self._insert(
                    key_id, str(member), purpose, aes_key_wrap(self._master, plain)
                )
                # An erasure by another writer may have left its tombstone
                # since the check above. Looking again after the insert closes
                # the gap: a tombstone stored later comes before that erasure's
                # destruction, which then finds this key and destroys it too.
                if self.is_erased(member):
                    self._destroy(str(member), (purpose,), [key_id])
                    raise MasterKeyError(
                        f"member {member} was erased; nothing can be sealed"
                    )
            self._current[(member, purpose)] = key_id
            self._plain[key_id] = plain
            return key_id, plain

    def key(self, key_id: str) -> bytes | None:
        """The key with *key_id*, or None if it was destroyed."""
        with self._lock:
            self._check_open()
            cached = self._plain.get(key_id)
            if cached is not None:
                return cached
            plain = self._unwrap(key_id)
            if plain is not None:
                self._plain[key_id] = plain
            return plain

    def _unwrap(self, key_id: str) -> bytes | None:
        wrapped, known = self._fetch(key_id)
        if not known:
            raise MasterKeyError(
                f"key {key_id} is not in this key store: is it the ledger's own?"
            )
        if wrapped is None:
            return None
        damaged = (
            f"key {key_id} in this key store does not unwrap, though the "
            "store's check value does: the key's stored bytes were damaged "
            "or replaced (restore the key store from a backup)"
        )
        if not isinstance(wrapped, bytes):
            # A SQLite column takes any type: a row edited to hold text or a
            # number would fail as the event that names it, untyped.
            raise MasterKeyError(damaged)
        try:
            plain = aes_key_unwrap(self._master, wrapped)
        except InvalidUnwrap as error:
            # The master key opened the store (its check value): this row is bad.
            raise MasterKeyError(damaged) from error
        if len(plain) != _KEY_SIZE:
            # Every key made here is 32 bytes: another length was put in its
            # place (and would fail as an altered field, or sealing, untyped).
            raise MasterKeyError(damaged)
        return plain

    def live_keys(self, member: UUID) -> list[tuple[str, str]]:
        """(key id, purpose) of each of the member's keys that still holds bytes.

        The check value's row names the nil UUID as its member, which an
        imported member may have as their id: it is no key of theirs.
        """
        rows = self._rows_of([str(member)])
        return [
            (key_id, purpose)
            for key_id, _, purpose, wrapped in rows
            if wrapped and key_id != _CHECK_ID
        ]

    def key_ids_of(self, member: UUID) -> frozenset[str]:
        """The ids of every key the store holds for *member*, live or destroyed.

        Neither their erasure's tombstone nor the check value (see
        ``live_keys``) is a key of theirs.
        """
        with self._lock:
            self._check_open()
            rows = self._rows_of([str(member)])
        return frozenset(
            key_id
            for key_id, _, purpose, _ in rows
            if purpose != "erased" and key_id != _CHECK_ID
        )

    def stored_key(self, key_id: str) -> bytes | None:
        """The key as the store holds it now (not a cached copy); None if destroyed."""
        with self._lock:
            return self._unwrap(key_id)

    def state_of(self, key_id: str) -> str:
        """``live``, ``destroyed`` or ``unknown`` (never held by this store)."""
        wrapped, known = self._fetch(key_id)
        if not known:
            return "unknown"
        return "destroyed" if wrapped is None else "live"

    def is_erased(self, member: UUID) -> bool:
        """Whether the member's erasure was recorded in this store."""
        return self._fetch(f"erased:{member}")[1]

    def destroy(
        self,
        member: UUID,
        purposes: tuple[str, ...],
        *,
        erase: bool = False,
        only: Sequence[str] | None = None,
    ) -> int:
        """Destroy the member's keys for *purposes*; returns how many were live.

        With ``erase=True`` a tombstone is left too, so that no key is ever made
        for the member again, even if recording the erasure event then fails.
        With *only*, just the keys with those ids are destroyed (the member's
        other keys of those purposes stay live).
        """
        with self._lock:
            if erase and not self.is_erased(member):
                try:
                    self._insert(f"erased:{member}", str(member), "erased", b"")
                except StorageError:
                    # Another writer erasing the same member stored it first.
                    if not self.is_erased(member):
                        raise
                else:
                    self._destroy(str(member), ("erased",))
            destroyed = self._destroy(str(member), purposes, only)
            for key_id in destroyed:
                self._plain.pop(key_id, None)
            for purpose in purposes:
                if only is None or self._current.get((member, purpose)) in destroyed:
                    self._current.pop((member, purpose), None)
            return len(destroyed)

    def record_lost(self, member: UUID, keys: Mapping[str, str]) -> int:
        """Store as destroyed each key of *keys* (id: purpose) this store never held.

        For a store restored from a backup older than those keys, when the
        record says they must be gone (the member was erased, or the
        declaration they sealed withdrawn): unknown, every read of what they
        sealed would fail as if the store were another ledger's. Returns how
        many rows were added.
        """
        with self._lock:
            self._check_open()
            rows: list[KeyRow] = [
                (key_id, str(member), purpose, None)
                for key_id, purpose in keys.items()
                if not self._fetch(key_id)[1]
            ]
            if not rows:
                return 0
            try:
                self._insert_all(rows, bump=True)
            except StorageError:
                # Another writer re-applying the record stored them first.
                if not all(self._fetch(row[0])[1] for row in rows):
                    raise
            return len(rows)

    @contextlib.contextmanager
    def provision(
        self,
        needed: Collection[tuple[UUID, str]],
        shredded: Mapping[UUID, Collection[str]],
        erased: Collection[UUID],
        *,
        stored: Callable[[BaseException], bool] | None = None,
    ) -> Iterator[None]:
        """New keys for one bulk write, stored in one transaction; gone if it fails.

        Inside the block, ``key_for`` finds a new key for every (member,
        purpose) of *needed* in memory (refused, as ``key_for`` refuses, for a
        member with a tombstone, unless the key is stored destroyed, as a write
        that erases them again makes it). The keys are new even where the store holds a
        live one, so that no other writer can have found and used them when a
        failed block deletes them again. The write's erasures and withdrawals
        come with it: a key of a purpose in *shredded* is stored destroyed from
        the start (its bytes exist only in memory, for sealing, until the block
        ends), each member of *erased* gets a tombstone (one another writer
        stored meanwhile is taken as found), and live keys of those
        purposes already in the store are destroyed when the block ends. If the
        block raises, every row this made is deleted and nothing is destroyed,
        unless *stored*, asked with the failure, says the write may have landed
        (a connection lost after its COMMIT, Ctrl-C just after it): the block
        then counts as done, since a stored field without its key is lost.
        """
        doomed = {(str(m), p) for m, purposes in shredded.items() for p in purposes}
        with self._lock:
            rows, keys, stale = self._insert_planned(needed, doomed, erased)
            self._current.update((pair, key_id) for pair, (key_id, _) in keys.items())
            self._plain.update(keys.values())
            failure: BaseException | None = None
            try:
                yield
            except BaseException as error:
                if stored is None or not stored(error):
                    self._discard(keys, [row[0] for row in rows])
                    raise
                failure = error
            self._forget(
                {
                    pair: key
                    for pair, key in keys.items()
                    if (str(pair[0]), pair[1]) in doomed
                }
            )
            for member_id, purposes in shredded.items():
                live = tuple(
                    sorted(p for p in purposes if (str(member_id), p) in stale)
                )
                if live:
                    self.destroy(member_id, live)
            if failure is not None:
                raise failure

    def _insert_planned(
        self,
        needed: Collection[tuple[UUID, str]],
        doomed: set[tuple[str, str]],
        erased: Collection[UUID],
    ) -> Plan:
        """Plan ``provision``'s rows and store them; what ``_plan`` returns."""
        rows, keys, stale = self._plan(needed, doomed, erased)
        if not rows and not doomed:
            return rows, keys, stale
        try:
            self._insert_all(rows, bump=bool(doomed))
        except DatabaseLockedError:
            raise
        except StorageError:
            # Another write of the same erasures (an import of the same file)
            # stored a tombstone since the plan: take it as found.
            made = _tombstones(rows)
            if not made:
                raise
            rows, keys, stale = self._plan(needed, doomed, erased)
            if _tombstones(rows) == made:
                raise
            self._insert_all(rows, bump=bool(doomed))
        return rows, keys, stale

    @contextlib.contextmanager
    def provisional(
        self, members: Collection[UUID], *, stored: Callable[[BaseException], bool]
    ) -> Iterator[None]:
        """Keys ``key_for`` makes in the block for *members* are deleted if it raises.

        For a write that registers *members*: until it is stored no other
        writer knows their ids, so none can have sealed anything under the
        keys made for them, and a write that fails (or is interrupted) leaves
        none behind. Keys of other members are left alone, and so are these
        if *stored*, asked with the failure, says the write may have landed
        (a connection lost after its COMMIT): an orphan key is harmless, a
        stored name without its key is not.
        """
        made: dict[tuple[UUID, str], tuple[str, bytes]] = {}
        with self._lock:
            self._making = (frozenset(members), made)
        try:
            yield
        except BaseException as error:
            if made and not stored(error):
                with self._lock:
                    self._discard(made, [key_id for key_id, _ in made.values()])
            raise
        finally:
            with self._lock:
                self._making = None

    def _discard(
        self, keys: Mapping[tuple[UUID, str], tuple[str, bytes]], key_ids: list[str]
    ) -> None:
        """Forget *keys*, and delete the rows *key_ids* made for a write that failed."""
        self._forget(keys)
        if key_ids:
            # Best effort: an orphan key is harmless, hiding the error is not.
            with contextlib.suppress(StorageError):
                self._delete(key_ids)

    def _plan(
        self,
        needed: Collection[tuple[UUID, str]],
        doomed: set[tuple[str, str]],
        erased: Collection[UUID],
    ) -> Plan:
        """The rows and keys of ``provision``, and the live pairs it must destroy."""
        members = {str(m) for m, _ in needed} | {m for m, _ in doomed}
        members |= {str(m) for m in erased}
        tombstones: set[str] = set()
        stale: set[tuple[str, str]] = set()
        for key_id, member, purpose, wrapped in self._rows_of(sorted(members)):
            if key_id == f"erased:{member}":
                tombstones.add(member)
            elif wrapped is not None and (member, purpose) in doomed:
                stale.add((member, purpose))
        rows: list[KeyRow] = []
        keys: dict[tuple[UUID, str], tuple[str, bytes]] = {}
        for member_id, purpose in dict.fromkeys(needed):
            member = str(member_id)
            gone = (member, purpose) in doomed
            # A key stored destroyed seals nothing readable: a write run again
            # after one whose outcome was unknown (its keys kept) erases alike.
            if member in tombstones and not gone:
                raise MasterKeyError(
                    f"member {member_id} was erased; nothing can be sealed"
                )
            key_id, plain = str(uuid.uuid4()), os.urandom(_KEY_SIZE)
            wrapped = None if gone else aes_key_wrap(self._master, plain)
            rows.append((key_id, member, purpose, wrapped))
            keys[(member_id, purpose)] = (key_id, plain)
        rows.extend(
            (f"erased:{member}", member, "erased", None)
            for member in dict.fromkeys(str(m) for m in erased)
            if member not in tombstones
        )
        return rows, keys, stale

    def _forget(self, keys: Mapping[tuple[UUID, str], tuple[str, bytes]]) -> None:
        """Drop *keys* from the caches."""
        for pair, (key_id, _) in keys.items():
            self._plain.pop(key_id, None)
            if self._current.get(pair) == key_id:
                del self._current[pair]


def _tombstones(rows: Sequence[KeyRow]) -> int:
    """How many of *rows* are erasure tombstones."""
    return sum(row[0].startswith("erased:") for row in rows)


class MemoryKeyStore(KeyStore):
    """Keys in process memory, for in-memory ledgers."""

    def __init__(self, master_key: bytes) -> None:
        super().__init__(master_key)
        self._rows: dict[str, tuple[str, str, bytes | None]] = {}
        self._destroyed = 0

    def _insert(self, key_id: str, member: str, purpose: str, wrapped: bytes) -> None:
        self._rows[key_id] = (member, purpose, wrapped)

    def _fetch(self, key_id: str) -> tuple[bytes | None, bool]:
        row = self._rows.get(key_id)
        return (None, False) if row is None else (row[2], True)

    def _current_id(self, member: str, purpose: str) -> str | None:
        for key_id, (m, p, wrapped) in self._rows.items():
            if m == member and p == purpose and wrapped is not None:
                return key_id
        return None

    def _destroy(
        self, member: str, purposes: tuple[str, ...], only: Sequence[str] | None = None
    ) -> list[str]:
        ids = [
            k
            for k, (m, p, w) in self._rows.items()
            if m == member
            and p in purposes
            and w is not None
            and (only is None or k in only)
        ]
        for key_id in ids:
            self._rows[key_id] = (member, self._rows[key_id][1], None)
        self._destroyed += 1
        return ids

    def _read_generation(self) -> int:
        return self._destroyed

    def _rows_of(self, members: Sequence[str]) -> list[KeyRow]:
        wanted = set(members)
        return [(k, m, p, w) for k, (m, p, w) in self._rows.items() if m in wanted]

    def _insert_all(self, rows: Sequence[KeyRow], *, bump: bool) -> None:
        for key_id, member, purpose, wrapped in rows:
            self._rows[key_id] = (member, purpose, wrapped)
        self._destroyed += bump

    def _delete(self, key_ids: Sequence[str]) -> None:
        for key_id in key_ids:
            self._rows.pop(key_id, None)

    def _holds_rows(self) -> bool:
        return any(key_id != _CHECK_ID for key_id in self._rows)


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS member_keys (
    key_id TEXT PRIMARY KEY,
    member TEXT NOT NULL,
    purpose TEXT NOT NULL,
    wrapped BLOB,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    destroyed_at TEXT
);
CREATE INDEX IF NOT EXISTS member_keys_live ON member_keys (member, purpose);
CREATE TABLE IF NOT EXISTS key_generation (id INTEGER PRIMARY KEY CHECK (id = 1),
                                           generation INTEGER NOT NULL);
INSERT OR IGNORE INTO key_generation VALUES (1, 0);
"""
_SQLITE_CHUNK = 500
"""Members per query: below SQLite's oldest limit of 999 parameters."""


class SQLiteKeyStore(KeyStore):
    """Keys in their own SQLite file beside the ledger's."""

    def __init__(
        self, master_key: bytes, path: Path, *, lock_timeout: float = 30.0
    ) -> None:
        super().__init__(master_key)
        self.path = path
        self._lock_timeout = lock_timeout
        create_owner_only(path)
        try:
            # Absolute: SQLite reads a name starting 'file:' as a URI, which
            # would put the keys in another file than the one named here.
            self._conn = sqlite3.connect(
                path.absolute(),
                timeout=lock_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            # Overwrite deleted content, and keep no WAL: destroyed key bytes must
            # not survive anywhere in the store's files.
            self._rollback_journal(path)
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.executescript(_SQLITE_SCHEMA)
        except sqlite3.Error as error:
            conn = getattr(self, "_conn", None)
            if conn is not None:  # refused after connecting: not left open
                conn.close()
            if lock_refused(error):  # another process held the store's lock
                raise self._failure(error) from error
            raise StorageError(f"cannot open the key store {path}: {error}") from error

    def _rollback_journal(self, path: Path) -> None:
        """Put the store in rollback-journal mode, or refuse it.

        SQLite switches a file out of WAL mode only while no other connection
        has it open, and refuses at once rather than waiting; in WAL mode a
        destroyed key would stay in the file until a checkpoint.
        """
        try:
            row = self._conn.execute("PRAGMA journal_mode=DELETE").fetchone()
        except sqlite3.OperationalError as error:
            if not lock_refused(error):
                raise
            # Locked by a writer, not held in WAL mode: refused as locked.
            row = self._conn.execute("PRAGMA journal_mode").fetchone()
            if row is None or str(row[0]).lower() != "wal":
                raise
        if row is None or str(row[0]).lower() != "delete":
            self._conn.close()  # else it would hold the file open itself
            raise StorageError(
                f"cannot open the key store {path}: another program has it open "
                "in WAL journal mode, which would keep destroyed keys in the "
                "file; close that program and try again"
            )

    def _failure(self, error: sqlite3.Error) -> StorageError:
        """The error to raise for *error*: locked out, or another storage failure."""
        if lock_refused(error):
            return DatabaseLockedError(str(self.path), self._lock_timeout)
        return StorageError(f"key store {self.path}: {error}")

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                self._check_open()
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise self._failure(error) from error

    def _insert(self, key_id: str, member: str, purpose: str, wrapped: bytes) -> None:
        self._run(
            "INSERT INTO member_keys (key_id, member, purpose, wrapped) "
            "VALUES (?, ?, ?, ?)",
            (key_id, member, purpose, wrapped),
        )

    def _fetch(self, key_id: str) -> tuple[bytes | None, bool]:
        rows = self._run("SELECT wrapped FROM member_keys WHERE key_id = ?", (key_id,))
        return (None, False) if not rows else (rows[0][0], True)

    def _current_id(self, member: str, purpose: str) -> str | None:
        rows = self._run(
            "SELECT key_id FROM member_keys WHERE member = ? AND purpose = ? "
            "AND wrapped IS NOT NULL",
            (member, purpose),
        )
        return rows[0][0] if rows else None

    def _destroy(
        self, member: str, purposes: tuple[str, ...], only: Sequence[str] | None = None
    ) -> list[str]:
        marks = ",".join("?" * len(purposes))
        with self._lock:
            # Rolled back if anything stops it, Ctrl-C too: a transaction left
            # open would keep the store locked and take later writes into it.
            with self._writing():
                ids = [
                    row[0]
                    for row in self._conn.execute(
                        f"SELECT key_id FROM member_keys WHERE member = ? "  # noqa: S608
                        f"AND purpose IN ({marks}) AND wrapped IS NOT NULL",
                        (member, *purposes),
                    )
                    if only is None or row[0] in only
                ]
                self._conn.executemany(
                    "UPDATE member_keys SET wrapped = NULL, "
                    "destroyed_at = CURRENT_TIMESTAMP WHERE key_id = ?",
                    [(i,) for i in ids],
                )
                self._conn.execute(
                    "UPDATE key_generation SET generation = generation + 1"
                )
            # secure_delete has already overwritten the destroyed bytes; VACUUM
            # gives the freed pages back. Another process reading the store
            # can block it, and the keys are gone whether or not it runs.
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("VACUUM")
        return ids

    def _read_generation(self) -> int:
        return int(self._run("SELECT generation FROM key_generation")[0][0])

    def _rows_of(self, members: Sequence[str]) -> list[KeyRow]:
        found: list[KeyRow] = []
        for start in range(0, len(members), _SQLITE_CHUNK):
            chunk = members[start : start + _SQLITE_CHUNK]
            marks = ",".join("?" * len(chunk))
            found += [
                (row[0], row[1], row[2], row[3])
                for row in self._run(
                    "SELECT key_id, member, purpose, wrapped FROM member_keys "  # noqa: S608
                    f"WHERE member IN ({marks})",
                    tuple(chunk),
                )
            ]
        return found

    def _insert_all(self, rows: Sequence[KeyRow], *, bump: bool) -> None:
        with self._writing():
            self._conn.executemany(
                "INSERT INTO member_keys "
                "(key_id, member, purpose, wrapped, destroyed_at) VALUES "
                "(?, ?, ?, ?, CASE WHEN ? THEN CURRENT_TIMESTAMP END)",
                [(*row, row[3] is None) for row in rows],
            )
            if bump:
                self._conn.execute(
                    "UPDATE key_generation SET generation = generation + 1"
                )

    def _delete(self, key_ids: Sequence[str]) -> None:
        with self._writing():
            self._conn.executemany(
                "DELETE FROM member_keys WHERE key_id = ?", [(k,) for k in key_ids]
            )
        self._run("VACUUM")

    def _holds_rows(self) -> bool:
        return bool(
            self._run(
                "SELECT 1 FROM member_keys WHERE key_id != ? LIMIT 1", (_CHECK_ID,)
            )
        )

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction, rolled back if the block fails."""
        with self._lock:
            self._check_open()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise self._failure(error) from error
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _disconnect(self) -> None:
        self._conn.close()


PG_KEYS_TABLE = "coledger_member_keys"
"""The table a PostgreSQL ledger keeps its members' wrapped keys in."""


class PostgresKeyStore(KeyStore):
    """Keys in a table of their own in the ledger's PostgreSQL schema."""

    def __init__(
        self,
        master_key: bytes,
        conninfo: str,
        schema: str | None,
        *,
        where: str = "PostgreSQL",
        lock_timeout: float = 10.0,
    ) -> None:
        import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)
        from psycopg import sql  # noqa: PLC0415

        super().__init__(master_key)
        self._psycopg = psycopg
        self._schema = sql.Identifier(schema or "public")
        self._sql = sql
        self._where = where
        self._lock_timeout = lock_timeout
        # As the ledger's own connections: wait so long for a lock, then fail.
        self._conninfo = (
            f"{conninfo} options='-c lock_timeout={round(lock_timeout * 1000)}'"
        )
        try:
            self._conn = psycopg.connect(self._conninfo, autocommit=True)
        except psycopg.Error as error:
            raise StorageError(f"cannot open the key store: {error}") from error
        try:
            with self._lock:
                self._conn.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {s}.coledger_member_keys ("
                        "key_id TEXT PRIMARY KEY, member TEXT NOT NULL, "
                        "purpose TEXT NOT NULL, wrapped BYTEA, "
                        "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                        "destroyed_at TIMESTAMPTZ)"
                    ).format(s=self._schema)
                )
                self._conn.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {s}.coledger_key_generation ("
                        "id INT PRIMARY KEY CHECK (id = 1), "
                        "generation BIGINT NOT NULL);"
                        "INSERT INTO {s}.coledger_key_generation VALUES (1, 0) "
                        "ON CONFLICT DO NOTHING"
                    ).format(s=self._schema)
                )
        except psycopg.Error as error:
            self._conn.close()  # a role without rights on the schema, say
            if lock_refused(error):  # another session held a key table's lock
                raise self._failure(error) from error
            raise StorageError(f"cannot open the key store: {error}") from error

    def _revive(self) -> None:
        """Connect again if the server dropped it (the caller holds the lock).

        Once closed, LedgerClosedError: ``close`` is not the server dropping it.
        """
        self._check_open()
        self._conn = alive(
            self._conn, lambda: self._psycopg.connect(self._conninfo, autocommit=True)
        )

    def _failure(self, error: Exception) -> StorageError:
        """The error to raise for *error*: locked out, or another storage failure."""
        if lock_refused(error):
            return DatabaseLockedError(self._where, self._lock_timeout)
        return StorageError(f"key store: {error}")

    def _run(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        statement = self._sql.SQL(query).format(s=self._schema)
        try:
            with self._lock:
                self._revive()
                cursor = self._conn.execute(statement, params)
                return cursor.fetchall() if cursor.description else []
        except self._psycopg.Error as error:
            raise self._failure(error) from error

    def _insert(self, key_id: str, member: str, purpose: str, wrapped: bytes) -> None:
        self._run(
            "INSERT INTO {s}.coledger_member_keys (key_id, member, purpose, wrapped) "
            "VALUES (%s, %s, %s, %s)",
            (key_id, member, purpose, wrapped),
        )

    def _fetch(self, key_id: str) -> tuple[bytes | None, bool]:
        if "\x00" in key_id:
            # No PostgreSQL text holds one, so no row has this id (the query
            # would fail): unknown, as SQLite finds it.
            return None, False
        rows = self._run(
            "SELECT wrapped FROM {s}.coledger_member_keys WHERE key_id = %s", (key_id,)
        )
        return (None, False) if not rows else (rows[0][0], True)

    def _current_id(self, member: str, purpose: str) -> str | None:
        rows = self._run(
            "SELECT key_id FROM {s}.coledger_member_keys WHERE member = %s "
            "AND purpose = %s AND wrapped IS NOT NULL",
            (member, purpose),
        )
        return rows[0][0] if rows else None

    def _destroy(
        self, member: str, purposes: tuple[str, ...], only: Sequence[str] | None = None
    ) -> list[str]:
        ids = None if only is None else list(only)
        rows = self._run(
            "WITH gone AS (UPDATE {s}.coledger_member_keys SET wrapped = NULL, "
            "destroyed_at = now() WHERE member = %s AND purpose = ANY(%s) "
            "AND (%s::text[] IS NULL OR key_id = ANY(%s::text[])) "
            "AND wrapped IS NOT NULL RETURNING key_id), "
            "bump AS (UPDATE {s}.coledger_key_generation "
            "SET generation = generation + 1) SELECT key_id FROM gone",
            (member, list(purposes), ids, ids),
        )
        # Reclaim the dead row versions that still hold the wrapped bytes. The
        # keys are destroyed already: a vacuum kept waiting past the lock
        # timeout, or whose session the server ended, leaves them to
        # autovacuum, not the erasure failed (the next use connects again).
        with contextlib.suppress(StorageError):
            self._run("VACUUM {s}.coledger_member_keys")
        return [row[0] for row in rows]

    def _read_generation(self) -> int:
        return int(
            self._run("SELECT generation FROM {s}.coledger_key_generation")[0][0]
        )

    def _rows_of(self, members: Sequence[str]) -> list[KeyRow]:
        rows = self._run(
            "SELECT key_id, member, purpose, wrapped FROM {s}.coledger_member_keys "
            "WHERE member = ANY(%s)",
            (list(members),),
        )
        return [
            (row[0], row[1], row[2], None if row[3] is None else bytes(row[3]))
            for row in rows
        ]

    def _insert_all(self, rows: Sequence[KeyRow], *, bump: bool) -> None:
        try:
            with self._lock:
                self._revive()
                self._insert_rows(rows, bump=bump)
        except self._psycopg.Error as error:
            raise self._failure(error) from error

    def _insert_rows(self, rows: Sequence[KeyRow], *, bump: bool) -> None:
        sql = self._sql
        with self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.executemany(
                sql.SQL(
                    "INSERT INTO {s}.coledger_member_keys "
                    "(key_id, member, purpose, wrapped, destroyed_at) VALUES "
                    "(%s, %s, %s, %s, CASE WHEN %s THEN now() END)"
                ).format(s=self._schema),
                [(*row, row[3] is None) for row in rows],
            )
            if bump:
                cursor.execute(
                    sql.SQL(
                        "UPDATE {s}.coledger_key_generation "
                        "SET generation = generation + 1"
                    ).format(s=self._schema)
                )

    def _delete(self, key_ids: Sequence[str]) -> None:
        self._run(
            "DELETE FROM {s}.coledger_member_keys WHERE key_id = ANY(%s)",
            (list(key_ids),),
        )
        self._run("VACUUM {s}.coledger_member_keys")

    def _holds_rows(self) -> bool:
        return bool(
            self._run(
                "SELECT 1 FROM {s}.coledger_member_keys WHERE key_id != %s LIMIT 1",
                (_CHECK_ID,),
            )
        )

    def _disconnect(self) -> None:
        self._conn.close()
