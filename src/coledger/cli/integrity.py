"""Commands for tamper evidence: keygen, checkpoint, verify, prove, verify-receipt."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path

from coledger._core import EVENTS_TABLE, committed_tables
from coledger.application import Ledger
from coledger.cli._common import (
    ALL_OR_NOTHING,
    DEFAULT_SIGNING_KEY,
    EXIT_OK,
    NOTHING_WRITTEN,
    PASSPHRASE_ENV,
    CommandError,
    add_common,
    input_file,
    master_key,
    named_file,
    output_file,
    print_exact,
    print_verdict,
    read_small_bytes,
    read_text,
    replacing,
    storage_url,
    uuid_arg,
    writable,
)
from coledger.errors import CheckpointError, InvalidInputError
from coledger.integrity.audit_copy import audit_copy, copied_leaves
from coledger.integrity.checkpoints import SigningKey, Verifier
from coledger.integrity.receipts import Receipt, verify_receipt
from coledger.integrity.recorders import LEAVES
from coledger.integrity.source import open_source
from coledger.integrity.verify import printable, verify
from coledger.privacy.keys import encode_master_key, generate_master_key
from coledger.storage import parse_url, shown


def _trusted_key(text: str) -> Verifier:
    if not text:
        raise CommandError("--trusted-key '' names no key: give the key, or @FILE")
    if text.startswith("@"):
        value = read_text(text[1:], "key file", "--trusted-key @").strip()
    else:
        value = text
    try:
        return Verifier.parse(value)
    except CheckpointError as error:
        hint = ""
        if not text.startswith("@") and _is_file(text):
            hint = f" ({text} is a file: pass @{text} to read the key from it)"
        raise CommandError(f"the trusted key is unusable: {error}{hint}") from error


def _is_file(text: str) -> bool:
    """Whether *text* names a file (False for a name the system refuses)."""
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


def _passphrase() -> bytes | None:
    """The signing key's passphrase from the environment, as bytes (None if unset).

    The variable's own bytes: on POSIX a value that is not UTF-8 reaches Python
    with surrogate escapes, which str.encode() refuses.
    """
    return os.fsencode(os.environ.get(PASSPHRASE_ENV, "")) or None


def _master_keygen(args: argparse.Namespace) -> int:
    """``keygen --master``: print a new master key (it is never written to a file)."""
    if args.name is not None:
        raise CommandError(
            "--name makes a signing key; --master prints a master key: give one of them"
        )
    if args.verifier_out is not None:  # an empty name too: it is no master key's
        raise CommandError("--verifier-out goes with --name, not --master")
    if args.out is not None:
        named_file(args.out)
        raise CommandError(
            "--out goes with --name, not --master: a master key is printed "
            "(redirect it with > FILE)"
        )
    print(encode_master_key(generate_master_key()))
    return EXIT_OK


def _keygen(args: argparse.Namespace) -> int:
    if args.master:
        return _master_keygen(args)
    if not args.name:
        raise CommandError("keygen needs --name ORIGIN (or --master for a master key)")
    try:
        key = SigningKey.generate(args.name)
    except CheckpointError as error:  # not repeated: it may hold control codes
        msg = f"--name: the value given cannot name a key: {error}"
        raise CommandError(msg) from error
    # Written out before any file is made: a passphrase it refuses leaves none.
    try:
        pem = key.to_pem(_passphrase())
    except CheckpointError as error:
        raise CommandError(f"{error} (from {PASSPHRASE_ENV})") from error
    out = output_file(str(DEFAULT_SIGNING_KEY) if args.out is None else args.out)
    shared = (
        None
        if args.verifier_out is None
        else output_file(args.verifier_out, "--verifier-out")
    )
    if shared is not None and shared.absolute() == out.absolute():
        raise CommandError("--out and --verifier-out must name different files")
    # The verifier key's file is made first and removed again if the signing
    # key's cannot be: either both files are written or neither is.
    shared_fd = None if shared is None else _create(shared, 0o644)
    try:
        fd = _create(out, 0o600)
    except CommandError:
        if shared is not None and shared_fd is not None:
            os.close(shared_fd)
            shared.unlink()
        raise
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    print(f"Wrote the signing key to {out} (keep it secret, apart from the database).")
    if shared_fd is not None:
        with os.fdopen(shared_fd, "w", encoding="utf-8") as handle:
            handle.write(key.verifier + "\n")
        print(f"Wrote the verifier key to {shared}; give it to auditors to pin:")
    else:
        print("Give auditors this verifier key to pin:")
    # Exact: an origin may be any UTF-8, and an escaped one names no key.
    print_exact(key.verifier + "\n")
    return EXIT_OK


def _create(path: Path, mode: int) -> int:
    """A new file's descriptor; an existing file is never overwritten."""
    try:
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as error:
        # An existing signing key may be the one whose checkpoints are
        # published: replacing it would break the chain auditors check.
        raise CommandError(
            f"cannot create {path}: it already exists, and keygen never "
            "overwrites a file (choose another name; keep the old key if its "
            "checkpoints were published)"
        ) from error
    except OSError as error:
        raise CommandError(f"cannot create {path}: {error}") from error


def _signing_key(path: str) -> SigningKey:
    """The signing key in the file *path*; CommandError if it cannot be used.

    A file that holds no key, or one its passphrase does not open, is a file
    the command cannot use (exit 2), as a verifier key that cannot be parsed is.
    """
    try:
        data = read_small_bytes(input_file(path, "--signing-key"))
    except OSError as error:
        raise CommandError(f"cannot read the signing key {path}: {error}") from error
    passphrase = _passphrase()
    try:
        return SigningKey.from_pem(data, passphrase)
    except CheckpointError as error:
        msg = f"the signing key {path} is unusable: {error}"
        if isinstance(error.__cause__, ValueError | TypeError):  # PEM not opened
            said = "is set" if passphrase else "is not set"
            msg += f" ({PASSPHRASE_ENV} {said})"
        raise CommandError(msg) from error


def _checkpoint(args: argparse.Namespace) -> int:
    out = writable(args.out, args) if args.out is not None else None
    if out is not None and (out.exists() or out.is_symlink()):
        raise CommandError(
            f"{out} already exists, and may be a checkpoint kept before; "
            "name a new file"
        )
    key = _signing_key(args.signing_key)
    url = storage_url(args.db, existing=True)
    with (
        Ledger.open(url, master_key=master_key(args)) as ledger,
        # The file is made before signing: one that cannot be made stops the
        # command before a checkpoint is stored.
        replacing(out) if out is not None else contextlib.nullcontext() as handle,
    ):
        checkpoint = ledger.checkpoint(key)
        if handle is not None:
            handle.write(checkpoint.note)
    print_exact(checkpoint.note)
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    trusted = args.trusted_key
    verifier = _trusted_key(trusted) if trusted is not None else None
    notes = [read_text(path, "checkpoint", "--checkpoint") for path in args.checkpoint]
    with open_source(storage_url(args.db, existing=True, auditing=True)) as source:
        try:
            report = verify(
                source,
                verifier,
                notes,
                names=args.checkpoint,
                check_file=args.check_file,
            )
        except InvalidInputError as error:  # --check-file on PostgreSQL
            raise CommandError(str(error)) from error  # could not run: not FAILED
    text = json.dumps(report.to_json(), indent=2) if args.json else report.to_text()
    return print_verdict(text, report.exit_code)


def _audit_copy(args: argparse.Namespace) -> int:
    out = writable(args.out, args, prints=False, part=False)  # made as it is
    if out.exists():
        raise CommandError(f"{out} already exists; name a new file")
    url = storage_url(args.db, existing=True, auditing=True)
    if parse_url(url).backend != "sqlite":
        raise CommandError(
            f"{shown(args.db)!r}: an audit copy is made of a SQLite ledger file; on "
            "PostgreSQL, grant the auditor's role SELECT on the two tables instead"
        )
    try:
        count = audit_copy(url, out)
    except InvalidInputError as error:  # an --out it may not write: nothing was
        raise CommandError(str(error)) from error
    copied = {name.lower() for name in committed_tables(out) or ()}
    if EVENTS_TABLE not in copied:
        print(
            f"Wrote {copied_leaves(out):,} leaves to {out}, and nothing else: the "
            "ledger's events table is gone, so verify will report MISSING_EVENTS."
        )
    elif LEAVES in copied:
        print(f"Wrote {count:,} events and their leaves to {out}, and nothing else.")
    else:
        print(
            f"Wrote {count:,} events to {out}, and nothing else: the ledger's "
            "leaf table is gone, so verify will report MISSING_LEAVES."
        )
    return EXIT_OK


def _prove(args: argparse.Namespace) -> int:
    note = read_text(args.checkpoint, "checkpoint", "--checkpoint")
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        receipt = ledger.prove_ballot(
            uuid_arg(args.proposal, "proposal"), uuid_arg(args.member, "member"), note
        )
    print_exact(receipt)
    return EXIT_OK


def _verify_receipt(args: argparse.Namespace) -> int:
    verifier = _trusted_key(args.trusted_key)
    text = read_text(args.receipt, "receipt", "the receipt")
    receipt = verify_receipt(text, verifier)
    content = receipt.content  # ProofError if the bytes proven are not an event
    if args.json:
        print(json.dumps(_receipt_json(receipt, content), indent=2))
        return EXIT_OK
    checkpoint = receipt.checkpoint
    # Escaped: the origin and the topic are what the receipt's issuer wrote.
    print(
        printable(
            f"RECEIPT HOLDS: leaf {receipt.index} of {checkpoint.origin}, "
            f"under its checkpoint of {checkpoint.size:,} events"
        )
    )
    print(f"root {checkpoint.root_b64}")
    print(
        printable(
            f"record {receipt.originator_id} version {receipt.version}: {receipt.topic}"
        )
    )
    print("what was stored (sealed fields stay ciphertext):")
    # ASCII only: the text reaches a terminal, which must take no control codes.
    print(json.dumps(content, indent=2, sort_keys=True))
    return EXIT_OK


def _receipt_json(receipt: Receipt, content: dict[str, object]) -> dict[str, object]:
    """What ``verify-receipt --json`` prints for a receipt that holds."""
    checkpoint = receipt.checkpoint
    return {
        "status": "HOLDS",
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": checkpoint.root_b64,
        "index": receipt.index,
        "originator_id": str(receipt.originator_id),
        "version": receipt.version,
        "topic": receipt.topic,
        "content": content,
    }


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the integrity commands."""
    keygen = sub.add_parser(
        "keygen",
        help="make the Ed25519 key that signs checkpoints (or, with --master, "
        "print a new master key)",
    )
    keygen.add_argument(
        "--name", metavar="ORIGIN", help="origin, e.g. riverside.example/ledger"
    )
    keygen.add_argument(
        "--master", action="store_true", help="print a new random master key instead"
    )
    keygen.add_argument(
        "--out",
        metavar="FILE",
        help=f"where to write the signing key (default: {DEFAULT_SIGNING_KEY})",
    )
    keygen.add_argument(
        "--verifier-out",
        metavar="FILE",
        help="also write the verifier key to this new file, for auditors",
    )
    keygen.set_defaults(handler=_keygen)

    checkpoint = sub.add_parser("checkpoint", help="sign the ledger's current head")
    add_common(checkpoint)
    checkpoint.add_argument(
        "--signing-key", required=True, metavar="PEM", help="the key to sign with"
    )
    checkpoint.add_argument(
        "--out", metavar="FILE", help="also write the checkpoint to this file"
    )
    checkpoint.set_defaults(handler=_checkpoint, interrupted=ALL_OR_NOTHING)

    verify_parser = sub.add_parser(
        "verify",
        help="check the ledger against kept checkpoints (needs no keys); "
        "exit 0 VERIFIED, 3 PARTIAL, 1 FAILED, 2 could not run",
    )
    add_common(verify_parser, keyless=True)
    verify_parser.add_argument(
        "--trusted-key",
        metavar="KEY",
        help="the pinned verifier key, or @file holding it",
    )
    verify_parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="a checkpoint you kept (repeat for several)",
    )
    verify_parser.add_argument(
        "--check-file",
        action="store_true",
        help="also run SQLite's own integrity check of the log's tables and "
        "indexes (a third as long again)",
    )
    verify_parser.add_argument("--json", action="store_true", help="print JSON")
    verify_parser.set_defaults(handler=_verify, interrupted=NOTHING_WRITTEN)

    copy = sub.add_parser(
        "audit-copy",
        help="copy a SQLite ledger's events and leaves, and nothing else, into a "
        "new file to give an auditor",
    )
    add_common(copy, keyless=True)
    copy.add_argument("--out", required=True, metavar="FILE", help="the new file")
    copy.set_defaults(handler=_audit_copy, interrupted=NOTHING_WRITTEN)

    prove = sub.add_parser(
        "prove", help="a receipt that a member's ballot is in the log"
    )
    add_common(prove)
    prove.add_argument("--proposal", required=True, metavar="ID", help="the proposal")
    prove.add_argument(
        "--member", required=True, metavar="ID", help="the member whose ballot it is"
    )
    prove.add_argument(
        "--checkpoint",
        required=True,
        metavar="FILE",
        help="a signed checkpoint that covers the ballot (checkpoint --out)",
    )
    prove.set_defaults(handler=_prove, interrupted=NOTHING_WRITTEN)

    receipt = sub.add_parser(
        "verify-receipt",
        help="check a receipt from prove against the pinned verifier key, with no "
        "ledger; exit 0 it holds, 1 it does not, 2 could not run",
    )
    receipt.add_argument(
        "receipt", metavar="FILE", help="the receipt to check (-: standard input)"
    )
    receipt.add_argument(
        "--trusted-key",
        required=True,
        metavar="KEY",
        help="the pinned verifier key, or @file holding it",
    )
    receipt.add_argument("--json", action="store_true", help="print JSON")
    receipt.set_defaults(handler=_verify_receipt, interrupted=NOTHING_WRITTEN)
