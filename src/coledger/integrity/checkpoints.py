"""Signed checkpoints: C2SP tlog-checkpoint notes signed with Ed25519.

A checkpoint says "the ledger called ORIGIN had SIZE events, with this root":

    riverside.example/ledger
    1747
    <base64 of the 32-byte root>

    — riverside.example/ledger <base64(key id (4 bytes) || signature (64 bytes))>

The signing key's name is the origin. Its key id is the first 4 bytes of
SHA-256(name || 0x0A || 0x01 || public key). Auditors pin the verifier key
``name+<8 hex key id>+<base64(0x01 || public key)>`` and never trust a
checkpoint that is not signed by it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

import attrs
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from coledger.errors import CheckpointError, shown_briefly
from coledger.storage import MAX_POSITION

ED25519 = b"\x01"
DASH = "\u2014"
BOM = "\ufeff"
"""The byte-order mark some editors (Notepad, say) put before a saved text."""
_NAME = re.compile(r"[^\s+\x00-\x1f\x7f-\x9f\ud800-\udfff\ufeff]+")
"""A key name (the log's origin): no whitespace, '+', controls or lone surrogates.

A lone surrogate has no UTF-8 bytes, so no key id or signature could be made.
Nor a byte-order mark, which an editor adds before a saved note and which is
therefore dropped before a note, receipt or verifier key is read.
"""

_KEY_ID = re.compile(r"[0-9a-f]{8}")
"""A verifier key's key id, as the auditor's guide gives it."""


_P = 2**255 - 19
"""The prime of Ed25519's field."""
_Y8 = int.from_bytes(
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    "little",
)
"""The y of two of Ed25519's four points of order 8 (the other two have -y)."""
_SMALL_ORDER_Y = frozenset({0, 1, _P - 1, _Y8, _P - _Y8})
"""The y of every point of order dividing 8: the x of each is fixed up to sign."""


def _has_small_order(public: bytes) -> bool:
    """Whether a 32-byte Ed25519 public key is a point of order dividing 8.

    No key made from a secret is, and under one a signature can be made with
    no secret at all (under the identity, R = the identity and S = 0 signs
    every message), so such a key proves nothing of who signed.
    """
    y = int.from_bytes(public, "little") & ((1 << 255) - 1)
    return y % _P in _SMALL_ORDER_Y


SIGNATURE_BLOB = 4 + 64
"""A signature line's bytes: the key id, then the Ed25519 signature."""
MAX_SIZE = MAX_POSITION
"""The most leaves a log can hold: one for each position storage can hold."""


def is_decimal(text: str) -> bool:
    """Whether *text* is a whole number in ASCII digits, with no leading zero.

    Not str.isdigit alone: it takes other scripts' digits, which int() reads.
    """
    plain = text.isascii() and text.isdigit()
    return plain and (text == "0" or not text.startswith("0"))


def _good_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


@attrs.frozen
class Checkpoint:
    """A (size, root) pair of one ledger, as read from a verified note."""

    origin: str
    size: int
    root: bytes
    note: str

    @property
    def root_b64(self) -> str:
        """The root as base64 text."""
        return base64.b64encode(self.root).decode()


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte id of an Ed25519 key of *name* (C2SP signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def _public_bytes(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The text an auditor pins: name+keyid+base64(0x01 || public key)."""
    raw = _public_bytes(public)
    encoded = base64.b64encode(ED25519 + raw).decode()
    return f"{name}+{key_id(name, raw).hex()}+{encoded}"


@attrs.frozen
class Verifier:
    """A pinned public key, parsed from its verifier-key text."""

    name: str
    key_id: bytes
    public: Ed25519PublicKey

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Parse ``name+hexid+base64key``; CheckpointError if malformed."""
        if not isinstance(text, str):
            raise CheckpointError("MALFORMED_KEY", "a verifier key is text")
        parts = text.removeprefix(BOM).strip().split("+", 2)
        if len(parts) != 3 or not _good_name(parts[0]):  # noqa: PLR2004
            raise CheckpointError("MALFORMED_KEY", "a verifier key is name+id+key")
        name, hex_id, encoded = parts
        if not _KEY_ID.fullmatch(hex_id):  # bytes.fromhex skips spaces, takes A-F
            raise CheckpointError("MALFORMED_KEY", "the key id is not 8 lower-case hex")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as error:
            raise CheckpointError("MALFORMED_KEY", "bad base64") from error
        wanted = bytes.fromhex(hex_id)
        if len(raw) != 33 or raw[:1] != ED25519:  # noqa: PLR2004
            raise CheckpointError("MALFORMED_KEY", "not an Ed25519 key")
        if key_id(name, raw[1:]) != wanted:
            raise CheckpointError("MALFORMED_KEY", "the key id does not match the key")
        if _has_small_order(raw[1:]):
            raise CheckpointError(
                "MALFORMED_KEY",
                "a key of small order, under which anyone can sign: no signing "
                "key has one",
            )
        return cls(name, wanted, Ed25519PublicKey.from_public_bytes(raw[1:]))


@attrs.frozen
class SigningKey:
    """A named Ed25519 private key that signs a ledger's checkpoints."""

    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> SigningKey:
        """A new random key for the origin *name*."""
        if not isinstance(name, str):
            raise CheckpointError(
                "MALFORMED_KEY", f"a key name is text, not {type(name).__name__}"
            )
        if not name:
            raise CheckpointError("MALFORMED_KEY", "a key name is empty")
        if not _good_name(name):
            raise CheckpointError(
                "MALFORMED_KEY",
                "a key name has no spaces, '+', controls or lone surrogates",
            )
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def verifier(self) -> str:
        """The verifier-key text to give auditors."""
        return verifier_key(self.name, self.private.public_key())

    def to_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted when a passphrase is given, the name in a header.

        An empty passphrase is none: the key is written unencrypted.
        """
        if passphrase is not None and not isinstance(passphrase, bytes):
            raise CheckpointError("MALFORMED_KEY", "a passphrase is bytes")
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        try:
            pem = self.private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                encryption,
            )
        except ValueError as error:  # a passphrase over 1023 bytes, say
            raise CheckpointError(
                "MALFORMED_KEY", f"cannot write the key: {error}"
            ) from error
        return f"coledger-key-name: {self.name}\n".encode() + pem

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes | None = None) -> SigningKey:
        """Load a key written by to_pem (an empty passphrase is none, as there)."""
        if not isinstance(data, bytes):
            raise CheckpointError("MALFORMED_KEY", "a key file is read as bytes")
        header, _, pem = data.partition(b"\n")
        if not header.startswith(b"coledger-key-name: "):
            raise CheckpointError("MALFORMED_KEY", "not a coledger signing key file")
        try:
            name = header.split(b": ", 1)[1].decode().strip()
        except UnicodeDecodeError as error:
            raise CheckpointError(
                "MALFORMED_KEY", "the key name is not UTF-8"
            ) from error
        if not _good_name(name):
            raise CheckpointError(
                "MALFORMED_KEY", f"the key name {name!r} has spaces, '+' or controls"
            )
        try:
            private = serialization.load_pem_private_key(pem, passphrase or None)
        # A damaged file can name a key type or cipher that cryptography does
        # not know, which it reports as UnsupportedAlgorithm.
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise CheckpointError(
                "MALFORMED_KEY", f"cannot load the key: {error}"
            ) from error
        if not isinstance(private, Ed25519PrivateKey):
            raise CheckpointError("MALFORMED_KEY", "not an Ed25519 key")
        return cls(name, private)

    def sign(self, size: int, root: bytes) -> str:
        """A signed checkpoint note for a ledger of *size* with *root*."""
        given: tuple[object, object] = (size, root)
        count, digest = given
        if (
            isinstance(count, bool)
            or not isinstance(count, int)
            or not (0 <= count <= MAX_SIZE)
        ):
            shown = shown_briefly(count)
            raise CheckpointError("MALFORMED", f"size {shown} is not a log size")
        if not isinstance(digest, bytes) or len(digest) != 32:  # noqa: PLR2004
            raise CheckpointError("MALFORMED", "a root is 32 bytes")
        body = f"{self.name}\n{size}\n{base64.b64encode(root).decode()}\n"
        raw = _public_bytes(self.private.public_key())
        signature = self.private.sign(body.encode())
        blob = base64.b64encode(key_id(self.name, raw) + signature).decode()
        return f"{body}\n{DASH} {self.name} {blob}\n"


def as_signed(note: str) -> str:
    """*note* with the line ends it was signed with: LF, and one at the end.

    A note kept in minutes or sent by email often comes back with CRLF line
    ends or blank lines after the signatures, and one saved by some editors
    begins with a byte-order mark. None is part of what was signed (a note
    coledger writes holds no carriage return or byte-order mark and ends in
    one newline), so all are undone before the note is read; any other
    change still fails its signature.
    """
    return as_written(note).rstrip("\n") + "\n"


def as_written(text: str) -> str:
    """*text* without what mail and editors add: a byte-order mark, CRLF line ends."""
    return text.removeprefix(BOM).replace("\r\n", "\n")


def _base64(text: str, why: str) -> bytes:
    """The bytes of strict base64 *text*; CheckpointError MALFORMED (*why*) if not.

    Text with a non-ASCII character (a pasted non-breaking space, say) makes
    base64 raise a plain ValueError, not binascii.Error: both are MALFORMED.
    """
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as error:  # binascii.Error is a ValueError
        raise CheckpointError("MALFORMED", why) from error


def _note_text(note: object) -> str:
    """*note* as signed (see as_signed); CheckpointError MALFORMED if not UTF-8 text."""
    if not isinstance(note, str):
        raise CheckpointError("MALFORMED", "a checkpoint note is text")
    try:
        note.encode()
    except UnicodeEncodeError as error:  # a lone surrogate, say
        raise CheckpointError("MALFORMED", "the note is not UTF-8 text") from error
    return as_signed(note)


def open_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """Verify *note* under the pinned key and return its checkpoint.

    Raises CheckpointError with code MALFORMED, WRONG_ORIGIN, BAD_SIGNATURE or
    NO_TRUSTED_SIGNATURE. A note that the pinned key did not sign is
    WRONG_ORIGIN if it names another ledger (another organisation's
    checkpoint), and NO_TRUSTED_SIGNATURE if it names this one.
    """
    if not isinstance(verifier, Verifier):
        raise CheckpointError("MALFORMED_KEY", "pin a Verifier (Verifier.parse)")
    note = _note_text(note)
    body, signatures = _split(note)
    body += "\n"
    signed = False
    for name, blob in _signature_lines(signatures):
        if name != verifier.name or blob[:4] != verifier.key_id:
            continue  # another key's signature (a witness, say): not ours to judge
        try:
            verifier.public.verify(blob[4:], body.encode())
        except InvalidSignature as error:
            raise CheckpointError(
                "BAD_SIGNATURE", "the signature does not match"
            ) from error
        signed = True
    if not signed:
        origin = body.split("\n", 1)[0]
        if origin != verifier.name:  # another ledger's checkpoint, not a forgery
            raise CheckpointError(
                "WRONG_ORIGIN",
                f"origin {origin!r}, expected {verifier.name!r} "
                "(not signed by the pinned key)",
            )
        raise CheckpointError("NO_TRUSTED_SIGNATURE", "not signed by the pinned key")
    return _parse_body(body, verifier.name, note)


def read_unverified(note: str) -> Checkpoint:
    """The checkpoint a note states, without checking any signature (never trust it).

    The signature lines are not verified, but they must be there and well
    formed, one of them the origin's, of a key id and an Ed25519 signature: a
    note cut short or garbled in its signature could never be verified.
    """
    note = _note_text(note)
    body, signatures = _split(note)
    origin = body.split("\n", 1)[0]
    if not any(
        name == origin and len(blob) == SIGNATURE_BLOB
        for name, blob in _signature_lines(signatures)
    ):
        raise CheckpointError(
            "MALFORMED", f"no whole signature by the origin {origin[:80]!r}"
        )
    return _parse_body(body + "\n", origin, note)


def _split(note: str) -> tuple[str, str]:
    """*note*'s body (without its last newline) and its signature lines.

    MALFORMED if no blank line comes before the signatures, or if the body
    holds one too: a checkpoint's lines are never empty (C2SP tlog-checkpoint),
    and such a body is most often two notes kept in one file, whose last
    signature does not sign the text before it.
    """
    body, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise CheckpointError("MALFORMED", "no blank line before the signatures")
    if "\n\n" in body:
        raise CheckpointError(
            "MALFORMED",
            "a blank line inside the body: more than one checkpoint in one "
            "file? (keep each in a file of its own)",
        )
    return body, signatures


def _signature_lines(signatures: str) -> list[tuple[str, bytes]]:
    """Each signature line's key name and decoded blob; MALFORMED if one is not."""
    lines = []
    for line in signatures.strip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:  # noqa: PLR2004
            raise CheckpointError("MALFORMED", f"not a signature line: {line!r}")
        _, name, blob_text = parts
        lines.append((name, _base64(blob_text, "a signature is not base64")))
    return lines


def _parse_body(body: str, origin: str, note: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":  # noqa: PLR2004
        raise CheckpointError("MALFORMED", "a checkpoint body has three lines")
    name, size_text, root_text = lines[0], lines[1], lines[2]
    if name != origin:
        raise CheckpointError("WRONG_ORIGIN", f"origin {name!r}, expected {origin!r}")
    if not is_decimal(size_text):
        raise CheckpointError("MALFORMED", f"size {size_text!r} is not a decimal")
    if len(size_text) > 19 or int(size_text) > MAX_SIZE:  # noqa: PLR2004
        raise CheckpointError("MALFORMED", f"size {size_text[:30]} is beyond any log")
    root = _base64(root_text, "the root is not base64")
    if len(root) != 32:  # noqa: PLR2004
        raise CheckpointError("MALFORMED", "the root is not 32 bytes")
    return Checkpoint(name, int(size_text), root, note)
