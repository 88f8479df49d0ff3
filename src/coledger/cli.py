"""The ``coledger`` command line: a thin layer over the public Python API.

Exit codes: 0 done; 1 the ledger refused (a LedgerError, with one line saying
why); 2 could not run (bad usage, a storage URL that cannot work, no master key).

The master key comes from ``--key-file``, else the ``COLEDGER_MASTER_KEY``
environment variable, else the file ``./coledger.master-key`` if it exists.
``coledger demo`` creates that file when there is no key at all, so a first try
works on a fresh machine; keep a real ledger's key apart from its database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

from coledger import demo
from coledger.application import Ledger
from coledger.errors import (
    CheckpointError,
    InvalidInputError,
    InvalidUrlError,
    LedgerError,
    MasterKeyError,
    StorageError,
)
from coledger.integrity.checkpoints import SigningKey, Verifier
from coledger.integrity.source import open_source
from coledger.integrity.verify import verify
from coledger.privacy.keys import (
    MASTER_KEY_ENV,
    encode_master_key,
    generate_master_key,
)

DEFAULT_DB = "./coledger.db"
DEFAULT_KEY_FILE = Path("coledger.master-key")
PASSPHRASE_ENV = "COLEDGER_SIGNING_PASSPHRASE"  # noqa: S105 (a variable name)


class CommandError(InvalidInputError):
    """A command-line argument names a file or value that cannot be used."""


EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


def storage_url(db: str) -> str:
    """Accept a storage URL, or a plain file path meaning a SQLite file."""
    if "://" in db:
        return db
    return f"sqlite:///{db}"


def master_key(args: argparse.Namespace, *, create: bool = False) -> str | None:
    """The master key for this run (None: let the ledger read the environment)."""
    if args.key_file is not None:
        try:
            return Path(args.key_file).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as error:
            msg = f"cannot read the key file {args.key_file}: {error}"
            raise MasterKeyError(msg) from error
    if os.environ.get(MASTER_KEY_ENV):
        return None
    if DEFAULT_KEY_FILE.exists():
        return DEFAULT_KEY_FILE.read_text(encoding="ascii").strip()
    if not create:
        return None
    key = encode_master_key(generate_master_key())
    fd = os.open(DEFAULT_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    print(
        f"Wrote a new master key to ./{DEFAULT_KEY_FILE} (keep it apart from the "
        "database: it unlocks the members' personal data).",
        file=sys.stderr,
    )
    return key


def _demo(args: argparse.Namespace) -> int:
    url = storage_url(args.db)
    with Ledger.open(url, master_key=master_key(args, create=True)) as ledger:
        if ledger.position:
            print(
                f"coledger: {args.db} already holds {ledger.position:,} events; "
                "the demo needs an empty ledger (choose another --db, "
                "or remove the file to start again)",
                file=sys.stderr,
            )
            return EXIT_REFUSED
        demo.record_year(ledger, seed=args.seed)
        print(demo.format_summary(demo.summarise(ledger, url)))
    return EXIT_OK


def _read(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the {what} {path}: {error}") from error


def _trusted_key(text: str) -> Verifier:
    value = _read(text[1:], "key file").strip() if text.startswith("@") else text
    try:
        return Verifier.parse(value)
    except CheckpointError as error:
        raise CommandError(f"the trusted key is unusable: {error}") from error


def _keygen(args: argparse.Namespace) -> int:
    if args.master:
        print(encode_master_key(generate_master_key()))
        return EXIT_OK
    if not args.name:
        raise CommandError("keygen needs --name ORIGIN (or --master for a master key)")
    key = SigningKey.generate(args.name)
    passphrase = os.environ.get(PASSPHRASE_ENV, "").encode() or None
    out = Path(args.out)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise CommandError(f"cannot create {out}: {error}") from error
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.to_pem(passphrase))
    print(f"Wrote the signing key to {out} (keep it secret, apart from the database).")
    print("Give auditors this verifier key to pin:")
    print(key.verifier)
    return EXIT_OK


def _signing_key(path: str) -> SigningKey:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read the signing key {path}: {error}") from error
    passphrase = os.environ.get(PASSPHRASE_ENV, "").encode() or None
    return SigningKey.from_pem(data, passphrase)


def _checkpoint(args: argparse.Namespace) -> int:
    key = _signing_key(args.signing_key)
    with Ledger.open(storage_url(args.db), master_key=master_key(args)) as ledger:
        checkpoint = ledger.checkpoint(key)
    if args.out:
        Path(args.out).write_text(checkpoint.note, encoding="utf-8")
    print(checkpoint.note, end="")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    verifier = _trusted_key(args.trusted_key) if args.trusted_key else None
    notes = [_read(path, "checkpoint") for path in args.checkpoint]
    source = open_source(storage_url(args.db))
    try:
        report = verify(source, verifier, notes)
    finally:
        source.close()
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(report.to_text())
    return report.exit_code


def _prove(args: argparse.Namespace) -> int:
    note = _read(args.checkpoint, "checkpoint")
    with Ledger.open(storage_url(args.db), master_key=master_key(args)) as ledger:
        receipt = ledger.prove_ballot(
            _uuid(args.proposal, "proposal"), _uuid(args.member, "member"), note
        )
    print(receipt, end="")
    return EXIT_OK


def _uuid(text: str, what: str) -> UUID:
    try:
        return UUID(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a {what} id (a UUID)") from error


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="coledger",
        description="An event-sourced record of who proposed, who decided, "
        "and whether access needs were met.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="storage URL or SQLite file path (default: ./coledger.db)",
    )
    common.add_argument(
        "--key-file",
        metavar="PATH",
        help=f"file holding the master key (default: ${MASTER_KEY_ENV}, "
        f"else ./{DEFAULT_KEY_FILE})",
    )
    demo_parser = sub.add_parser(
        "demo",
        parents=[common],
        help="record an invented year of a co-produced charity and summarise it",
    )
    demo_parser.add_argument(
        "--seed", type=int, default=2025, help="random seed (default: 2025)"
    )
    demo_parser.set_defaults(handler=_demo)

    keygen = sub.add_parser(
        "keygen",
        help="make the Ed25519 key that signs checkpoints (or, with --master, "
        "print a new master key)",
    )
    keygen.add_argument("--name", help="origin, e.g. riverside.example/ledger")
    keygen.add_argument(
        "--master", action="store_true", help="print a new random master key instead"
    )
    keygen.add_argument("--out", default="signing-key.pem", help="where to write it")
    keygen.set_defaults(handler=_keygen)

    checkpoint = sub.add_parser(
        "checkpoint", parents=[common], help="sign the ledger's current head"
    )
    checkpoint.add_argument("--signing-key", required=True, metavar="PEM")
    checkpoint.add_argument("--out", help="also write the checkpoint to this file")
    checkpoint.set_defaults(handler=_checkpoint)

    verify_parser = sub.add_parser(
        "verify",
        parents=[common],
        help="check the ledger against kept checkpoints (needs no keys); "
        "exit 0 VERIFIED, 3 PARTIAL, 1 FAILED, 2 could not run",
    )
    verify_parser.add_argument(
        "--trusted-key", help="the pinned verifier key, or @file holding it"
    )
    verify_parser.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="FILE",
        help="a checkpoint you kept (repeat for several)",
    )
    verify_parser.add_argument("--json", action="store_true", help="print JSON")
    verify_parser.set_defaults(handler=_verify)

    prove = sub.add_parser(
        "prove", parents=[common], help="a receipt that a member's ballot is in the log"
    )
    prove.add_argument("--proposal", required=True)
    prove.add_argument("--member", required=True)
    prove.add_argument("--checkpoint", required=True, metavar="FILE")
    prove.set_defaults(handler=_prove)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except (InvalidUrlError, MasterKeyError, CommandError) as error:
        print(f"coledger: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as error:
        print(f"coledger: storage failed: {error}", file=sys.stderr)
        return EXIT_USAGE if args.handler is _verify else EXIT_REFUSED
    except LedgerError as error:
        print(f"coledger: {error}", file=sys.stderr)
        return EXIT_REFUSED


def run() -> None:
    """Console-script entry point."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, say) went away: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    sys.exit(code)
