"""What every command shares: the storage URL, the master key, errors, progress."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TextIO
from uuid import UUID

from coledger.errors import InvalidInputError, MasterKeyError
from coledger.privacy.keys import (
    MASTER_KEY_ENV,
    encode_master_key,
    generate_master_key,
)
from coledger.storage import parse_url

DEFAULT_DB = "./coledger.db"
DEFAULT_KEY_FILE = Path("coledger.master-key")
PASSPHRASE_ENV = "COLEDGER_SIGNING_PASSPHRASE"  # noqa: S105 (a variable name)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class CommandError(InvalidInputError):
    """A command-line argument names a file or value that cannot be used."""


def storage_url(db: str, *, existing: bool = False) -> str:
    """Accept a storage URL, or a plain file path meaning a SQLite file.

    With ``existing=True`` a SQLite ledger must already be there: commands that
    read a ledger should not quietly create an empty one from a mistyped path.
    """
    url = db if "://" in db else f"sqlite:///{db}"
    if existing and url.lower().startswith("memory:"):
        raise CommandError(
            "memory:// holds nothing from one command to the next: name a ledger "
            "file or a PostgreSQL URL"
        )
    if existing and url.startswith("sqlite:"):
        path = parse_url(url).path
        if path is not None and not path.exists():
            raise CommandError(f"no ledger at {path} (check --db)")
    return url


def writable(path: str) -> Path:
    """A file the command may write; CommandError before any work if it cannot."""
    target = Path(path)
    if not target.parent.is_dir():
        raise CommandError(f"cannot write {path}: no folder {target.parent}")
    if target.is_dir():
        raise CommandError(f"cannot write {path}: it is a folder")
    # The file is written beside it and renamed over it: a link or a device
    # would be replaced, not written through.
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise CommandError(
            f"cannot write {path}: not a plain file (leave out the option to print)"
        )
    return target


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


def read_text(path: str, what: str) -> str:
    """The text of a file the user named; CommandError naming it if unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the {what} {path}: {error}") from error


def uuid_arg(text: str, what: str) -> UUID:
    """A UUID given on the command line."""
    try:
        return UUID(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a {what} id (a UUID)") from error


class Progress:
    """A one-line progress bar on stderr, drawn only for a terminal (or when asked)."""

    def __init__(
        self, label: str, *, shown: bool | None = None, out: TextIO | None = None
    ) -> None:
        self.label = label
        self.out = out or sys.stderr
        self.shown = self.out.isatty() if shown is None else shown
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Redraw at most ten times a second, and at the end."""
        if not self.shown:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:  # noqa: PLR2004
            return
        self._last = now
        width = 30
        filled = width * done // total if total else width
        bar = "#" * filled + "." * (width - filled)
        self.out.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        if done >= total:
            self.out.write("\n")
        self.out.flush()


def add_common(parser: argparse.ArgumentParser) -> None:
    """The options every ledger command takes."""
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="storage URL or SQLite file path (default: ./coledger.db)",
    )
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help=f"file holding the master key (default: ${MASTER_KEY_ENV}, "
        f"else ./{DEFAULT_KEY_FILE})",
    )
