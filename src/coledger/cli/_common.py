"""What every command shares: the storage URL, the master key, errors, progress."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import errno
import io
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO
from uuid import UUID

from coledger._core import (
    EVENTS_TABLE,
    check_sqlite_file,
    committed_tables,
    lost_events,
    lost_reason,
)
from coledger.application import Ledger
from coledger.errors import InvalidInputError, MasterKeyError, StorageError
from coledger.integrity.recorders import CHECKPOINTS, LEAVES
from coledger.privacy.keys import (
    MASTER_KEY_ENV,
    PG_KEYS_TABLE,
    encode_master_key,
    generate_master_key,
    master_key_in_env,
)
from coledger.storage import (
    PG_EVENTS_TABLE,
    SIBLING_SUFFIXES,
    StorageConfig,
    parse_url,
    shown,
)

DEFAULT_DB = "./coledger.db"
DEFAULT_KEY_FILE = Path("coledger.master-key")
DEFAULT_SIGNING_KEY = Path("signing-key.pem")
"""Where ``keygen`` writes the signing key unless told otherwise."""
PASSPHRASE_ENV = "COLEDGER_SIGNING_PASSPHRASE"  # noqa: S105 (a variable name)
EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT: what a shell reports for a command Ctrl-C stopped."""
NOTHING_WRITTEN = "nothing was written"
ALL_OR_NOTHING = "the ledger holds all of what this command writes, or none of it"
SMALL_FILE = 1 << 20
"""The most read of a key file, a signing key or a checkpoint note: each is far
smaller, and a device named instead (/dev/zero, say) would never end."""


class CommandError(InvalidInputError):
    """A command-line argument names a file or value that cannot be used."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a command; the message says what it left written."""


SCHEMES = ("memory", "sqlite", "postgresql", "postgres")
"""The storage URLs' schemes: a --db that begins with one and a colon is a URL."""


def storage_url(db: str, *, existing: bool = False, auditing: bool = False) -> str:
    """Accept a storage URL, or a plain file path meaning a SQLite file.

    With ``existing=True`` a SQLite ledger must already be there: commands that
    read a ledger should not quietly create an empty one from a mistyped path.
    A ledger whose events table is gone beside its leaf table is refused too
    (opening it would make a new, empty one), unless *auditing*: ``verify``
    and ``audit-copy`` read it as it is, and report it.
    """
    if not db:  # a variable left unset: name the option, not "sqlite:///"
        raise CommandError("--db '' names no ledger: give a file path or a storage URL")
    # A storage URL a slash short (postgresql:/user:pw@host/db) is refused as
    # the URL it is, password hidden, not taken for a path to a SQLite file.
    scheme, colon, _ = db.partition(":")
    is_url = "://" in db or (bool(colon) and scheme.lower() in SCHEMES)
    url = db if is_url else f"sqlite:///{db}"
    if existing and url.lower().startswith("memory:"):
        raise CommandError(
            "memory:// holds nothing from one command to the next: name a ledger "
            "file or a PostgreSQL URL"
        )
    if not existing:
        return url
    # By the parsed backend: a scheme may be written in any case (SQLite:///).
    config = parse_url(url)
    if config.backend == "sqlite" and config.path is not None:
        _refuse_no_ledger(config.path, auditing=auditing)
    elif config.backend == "postgres":
        _refuse_no_schema_ledger(config, auditing=auditing)
    return url


def _refuse_no_ledger(path: Path, *, auditing: bool = False) -> None:
    """CommandError unless the SQLite file at *path* may hold a ledger's events.

    Opening it would create a ledger's tables in whatever file it is (another
    program's database, or a ledger's own key store) and a key store beside it.
    """
    if not path.exists():
        raise CommandError(f"no ledger at {path} (check --db)")
    if not check_sqlite_file(path):
        raise CommandError(f"no ledger at {path}: the file is empty (check --db)")
    if _other_database(path):
        lost = lost_reason(committed_tables(path))
        if lost is lost_events and auditing:
            return
        if lost is not None:  # with the whole log gone, nothing is left to verify
            raise CommandError(lost(path))
        raise CommandError(
            f"no ledger at {path}: it is a SQLite database without a ledger's "
            "events (check --db)"
        )


def _other_database(path: Path) -> bool:
    """Whether the SQLite file at *path* holds tables, but not a ledger's events."""
    tables = committed_tables(path)
    # A new ledger's tables may still be in its -wal file, unseen in the file;
    # they are made in one transaction with the events table first, so a file
    # already holding tables of its own without it is another program's, even
    # while that program's -wal file is there.
    wal = path.with_name(path.name + "-wal")
    new_in_wal = not tables and wal.exists()
    # SQLite compares names without regard to case, as the ledger does:
    # STORED_EVENTS is still its events table.
    names = {name.lower() for name in tables or ()}
    return tables is not None and EVENTS_TABLE not in names and not new_in_wal


def _refuse_no_schema_ledger(config: StorageConfig, *, auditing: bool = False) -> None:
    """CommandError unless the PostgreSQL schema already holds a ledger's events.

    Opening would create the schema, a ledger's tables and a key store, so a
    mistyped ``?schema=`` would read as an empty ledger and leave one behind.
    A schema holding the leaf table without the events table is a ledger
    whose events are gone: refused, unless *auditing* (see ``storage_url``).
    """
    found, lost = _schema_loss(config)
    if PG_EVENTS_TABLE in found or (auditing and lost is lost_events):
        return
    if lost is not None:
        raise CommandError(lost(shown(config.url)))
    raise CommandError(
        f"no ledger at {shown(config.url)}: schema {config.pg_schema} holds no "
        "ledger's events (check --db and its ?schema=)"
    )


def _schema_loss(
    config: StorageConfig,
) -> tuple[set[str], Callable[[object], str] | None]:
    """Which of a ledger's log tables the schema holds, and what it lost, if any."""
    found = _schema_tables(config, PG_EVENTS_TABLE, LEAVES, CHECKPOINTS)
    return found, lost_reason(found, PG_EVENTS_TABLE)


def _schema_tables(config: StorageConfig, *names: str) -> set[str]:
    """Which of the tables *names* the PostgreSQL schema of *config* holds."""
    import psycopg  # noqa: PLC0415 (only PostgreSQL ledgers need it)

    try:
        with psycopg.connect(config.postgres_conninfo, autocommit=True) as conn:
            return {
                name
                for (name,) in conn.execute(
                    "SELECT c.relname FROM pg_catalog.pg_class c "
                    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relname = ANY(%s)",
                    (config.pg_schema, list(names)),
                ).fetchall()
            }
    except psycopg.Error as error:
        raise StorageError(f"cannot reach PostgreSQL: {error}") from error


def print_verdict(text: str, code: int) -> int:
    """Print a verdict's text and return its exit code, printed or not.

    A reader that went away (``| head``, say) must not turn a FAILED or
    PARTIAL verdict into the exit code 0 of VERIFIED.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        discard_output()
    return code


def print_exact(text: str) -> None:
    """Print a signed note or a receipt as its UTF-8 bytes, whatever stdout's encoding.

    Its bytes are what was signed or proven: encoded otherwise (or escaped, as
    other output is where the encoding lacks a character) it would not verify.
    """
    if sys.stdout is None:  # started with it closed: print() too writes nothing
        return
    sys.stdout.flush()
    raw = getattr(sys.stdout, "buffer", None)
    if raw is None:  # a text-only stream put in its place (by a caller, say)
        sys.stdout.write(text)
        return
    raw.write(text.encode("utf-8"))
    raw.flush()


def discard_output() -> None:
    """Send what is left of standard output nowhere: its reader went away.

    Python flushes standard output once more on the way out, which would
    fail again with a traceback.
    """
    if sys.stdout is None:  # started with none: nothing is left to send
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def named_file(text: str, option: str = "--out") -> Path:
    """The file an option names; CommandError if its value is empty.

    An empty value is a variable left unset, and would otherwise read as the
    current folder, or as no option at all.
    """
    if not text:
        raise CommandError(f"{option} '' names no file: give a file name")
    return Path(text)


STDIO = "-"
"""The file name meaning standard input, or output, as Unix tools read it."""
STDIN = Path("/dev/stdin")
OUT_HINT = "name a file (./- for a file named '-')"


def input_file(text: str, option: str) -> Path:
    """The file an option names for reading: ``-`` is standard input."""
    return STDIN if text == STDIO else named_file(text, option)


def refuse_stdin_twice(args: argparse.Namespace) -> None:
    """CommandError if two files a command reads both name standard input.

    The first would read it all, and the second find it empty: a checkpoint
    read so would be a MALFORMED finding, not a mistyped command.
    """
    named = [
        (option, value)
        for option, attribute in (
            ("--key-file", "key_file"),
            ("--signing-key", "signing_key"),
            ("--checkpoint", "checkpoint"),
            ("--trusted-key", "trusted_key"),
            ("FILE", "file"),
            ("FILE", "receipt"),
        )
        for value in _values(getattr(args, attribute, None))
    ]
    dashes = [
        option
        for option, value in named
        if value == STDIO or (option == "--trusted-key" and value == "@" + STDIO)
    ]
    if len(dashes) > 1:
        raise CommandError(
            f"standard input ('-') is named twice ({' and '.join(dashes)}), and "
            "can be read once: name a file for all but one of them"
        )


def _values(value: object) -> list[str]:
    """An option's values: none, one, or those of an option given repeatedly."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def output_file(text: str, option: str = "--out", *, hint: str = OUT_HINT) -> Path:
    """The file an option names for writing; CommandError for a folder's name.

    A name ending in '/' was meant as a folder: Path drops the '/', and the
    file made would take the folder's name. ``-`` would mean standard output,
    which a command that prints its result takes before calling this: here it
    is refused, rather than made a file named '-' (*hint* says what to do).
    A name ending in '.' or '..' names a folder too.
    """
    if text == STDIO:
        raise CommandError(
            f"{option} '-' would mean standard output, where this command "
            f"writes no file: {hint}"
        )
    ends = tuple(sep for sep in (os.sep, os.altsep) if sep)
    if text.endswith(ends):
        msg = f"{option} {text!r} ends in {text[-1]!r}, so it names a folder: "
        raise CommandError(msg + "give a file name")
    # Path drops a last '.', so 'made/.' would make a file 'made'; '.' and '..'
    # are folders, whose FILE.part has no name to take.
    if text.rsplit(os.sep, 1)[-1] in (os.curdir, os.pardir):
        raise CommandError(f"{option} {text!r} names a folder: give a file name")
    return named_file(text, option)


def kept_files(args: argparse.Namespace) -> list[tuple[Path, str]]:
    """The files this run depends on, each with what it is, for no output to replace.

    The ledger's file and the files kept beside it, the master key file
    (``--key-file``, and ``./coledger.master-key``, which a later run would
    read) and the signing key (``--signing-key``, and keygen's default file).
    """
    kept: list[tuple[Path, str]] = []
    db = getattr(args, "db", None)
    ledger = parse_url(storage_url(db)).path if db is not None else None
    if ledger is not None:
        kept.append((ledger, "the ledger's database"))
        kept += [
            (
                ledger.with_name(ledger.name + suffix),
                "the ledger's key store"
                if suffix == ".keys"
                else "a file SQLite keeps beside the ledger",
            )
            for suffix in SIBLING_SUFFIXES
        ]
    key_file = getattr(args, "key_file", None)
    if key_file and key_file != STDIO:
        kept.append((Path(key_file), "the master key file"))
    kept.append((DEFAULT_KEY_FILE, "the default master key file"))
    signing_key = getattr(args, "signing_key", None)
    if signing_key and signing_key != STDIO:
        kept.append((Path(signing_key), "the signing key"))
    kept.append((DEFAULT_SIGNING_KEY, "keygen's default signing key file"))
    return kept


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file (or, where either is not there, one path)."""
    try:
        return one.samefile(other)
    except OSError:
        return one.resolve() == other.resolve()


def part_file(out: Path) -> Path:
    """The file *out* is written through before it is renamed over it."""
    return out.with_name(out.name + ".part")


def refuse_kept(out: Path, args: argparse.Namespace) -> None:
    """CommandError if writing *out* would replace a file this run depends on.

    Its part file is checked too: writing begins by removing a stale one.
    """
    kept = kept_files(args)
    for written in (out, part_file(out)):
        for path, what in kept:
            if _same_file(written, path):
                through = "it" if written is out else f"its part file {written}"
                named = "" if path == written else f" ({path})"
                raise CommandError(
                    f"cannot write {out}: {through} is {what}{named}; name another file"
                )


def writable(
    text: str, args: argparse.Namespace, *, prints: bool = True, part: bool = True
) -> Path:
    """A file the command may write; CommandError before any work if it cannot.

    It may not be empty, nor one of the files the run depends on (kept_files).
    *prints* says whether the command prints when --out is left out, which a
    device named instead (/dev/stdout, say) is then told to do. *part* says
    whether it is written through ``FILE.part`` (see replacing), where a
    folder would stop the writing once the work is done.
    """
    target = output_file(
        text,
        hint=f"leave out the option to print, or {OUT_HINT}" if prints else OUT_HINT,
    )
    path = str(target)
    try:
        folder, is_dir = target.parent.is_dir(), target.is_dir()
        # The file is written beside it and renamed over it: a link or a device
        # would be replaced, not written through.
        odd = target.is_symlink() or (target.exists() and not target.is_file())
    except OSError as error:  # a name longer than the system allows, say
        raise CommandError(f"cannot write {path}: {error.strerror}") from error
    try:  # FILE.part is five bytes longer: a name that just fits may not
        part_is_dir = stat.S_ISDIR(os.lstat(part_file(target)).st_mode)
    except FileNotFoundError:
        part_is_dir = False
    except OSError as error:
        raise CommandError(
            f"cannot write {path}: its part file {part_file(target)}: {error.strerror}"
        ) from error
    if not folder:
        raise CommandError(f"cannot write {path}: no folder {target.parent}")
    # FILE.part is made there and renamed: known now, not after the work is done.
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise CommandError(
            f"cannot write {path}: no permission to make a file in {target.parent}"
        )
    if is_dir:
        raise CommandError(f"cannot write {path}: it is a folder")
    if part and part_is_dir:  # a stale part file is removed, but a folder cannot be
        raise CommandError(
            f"cannot write {path}: its part file {part_file(target)} is a folder, "
            "where the file is written before it is renamed; name another file"
        )
    if odd:
        hint = "leave out the option to print" if prints else "name a plain file"
        raise CommandError(f"cannot write {path}: not a plain file ({hint})")
    refuse_kept(target, args)
    return target


@contextlib.contextmanager
def replacing(out: Path, *, private: bool = False) -> Iterator[TextIO]:
    """Write *out* through ``FILE.part``, renamed over it only once complete.

    The part file is removed if anything fails or interrupts the writing
    (Ctrl-C included); *private* makes it readable by its owner alone from
    the start, as the finished file then is. A file replaced keeps the
    permissions its owner gave it (never wider than 0600 if *private*).
    """
    temporary = part_file(out)
    widest = 0o600 if private else 0o777
    try:
        kept = stat.S_IMODE(out.stat().st_mode) & widest
    except FileNotFoundError:
        kept = None
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error}") from error
    try:
        temporary.unlink(missing_ok=True)  # left by a process that was killed
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, widest & 0o666)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error}") from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if kept is not None:  # the umask is not asked: the owner chose
                os.fchmod(handle.fileno(), kept)
            yield handle
        temporary.replace(out)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CommandError(f"cannot write {out}: {error}") from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def master_key(args: argparse.Namespace) -> str | None:
    """The master key for this run (None: let the ledger read the environment)."""
    if args.key_file is not None:
        return _read_key(input_file(args.key_file, "--key-file"))
    if master_key_in_env():
        return None
    # A dangling link is read too, to say so: a new key is never written through it.
    if DEFAULT_KEY_FILE.exists() or DEFAULT_KEY_FILE.is_symlink():
        return _read_key(DEFAULT_KEY_FILE)
    return None


def _read_key(path: Path) -> str:
    """The key held in a key file; MasterKeyError if it cannot be read.

    A byte-order mark before it (Windows Notepad saves one) is not part of
    it, as in a verifier key file. A byte that is not ASCII is named by its
    position alone: the file may hold a raw key, none of which may be shown.
    """
    try:
        raw = read_small_bytes(path)
    except OSError as error:
        msg = f"cannot read the key file {path}: {error}"
        raise MasterKeyError(msg) from error
    data = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError as error:
        at = error.start + len(raw) - len(data)  # counted in the file's own bytes
        msg = (
            f"cannot read the key file {path}: the byte at position {at} is not "
            "ASCII (a master key is base64 text)"
        )
        raise MasterKeyError(msg) from None


def open_creating(args: argparse.Namespace, url: str) -> Ledger:
    """Open the ledger a creating command writes to, making a master key if needed.

    A new key is made only when there is none at all and the ledger has no
    key store yet (a kept ledger's store needs its own key), and its file is
    removed again if the ledger does not open with it.
    """
    _refuse_other_database(url)
    key = master_key(args)
    if key is not None or master_key_in_env() or not _new_store(url):
        with removed_if_new(url, opening=True):  # a new file not set up
            return Ledger.open(url, master_key=key)
    with removed_if_new(url, opening=True):  # the new key too
        key = _write_new_key()
        ledger = Ledger.open(url, master_key=key)
    print(
        f"Wrote a new master key to ./{DEFAULT_KEY_FILE} (keep it apart from the "
        "database: it unlocks the members' personal data).",
        file=sys.stderr,
    )
    return ledger


@contextlib.contextmanager
def removed_if_new(
    url: str, *, opening: bool = False, unless_written: bool = False
) -> Iterator[None]:
    """Remove the ledger files and master key a failed creating command made.

    A new SQLite ledger is made when it is opened, before anything is
    recorded: a full disk or a Ctrl-C would otherwise leave an empty ledger,
    its key store and a new ``./coledger.master-key`` behind. Only files
    that were not there when it began are removed. The new key goes only
    with what it locks: a SQLite ledger's files, or (*opening*) a ledger
    whose open failed and undid the key store it began. A PostgreSQL
    schema keeps its new key store once open, and so needs its key.
    With *unless_written* (a command that writes all or nothing, such as an
    import), a file that holds events by then is left whole: they are another
    writer's, which made the file too (another import of it, run at once).
    """
    config = parse_url(url)
    made: list[Path] = [DEFAULT_KEY_FILE] if opening else []
    if config.backend == "sqlite" and config.path is not None:
        ledger = config.path
        made += [ledger, *(ledger.with_name(ledger.name + s) for s in SIBLING_SUFFIXES)]
        if not opening:
            made.append(DEFAULT_KEY_FILE)
    new = [path for path in made if not (path.exists() or path.is_symlink())]
    try:
        yield
    except BaseException:
        if unless_written and config.path in new and _holds_events(config.path):
            raise
        for path in new:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise


def _holds_events(path: Path | None) -> bool:
    """Whether the SQLite file at *path* holds an event, its WAL included.

    True when it cannot say (a lock held, say), so that a file another
    writer may be filling is not removed on a guess.
    """
    if path is None or not path.exists():
        return False
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        ) as conn:
            found = conn.execute(
                f"SELECT EXISTS (SELECT 1 FROM {EVENTS_TABLE})"  # noqa: S608
            ).fetchone()
    except sqlite3.Error as error:
        return "no such table" not in str(error)
    return bool(found[0])


def _refuse_other_database(url: str) -> None:
    """CommandError if *url* names a SQLite file of another program's tables.

    A ledger made there would add its tables to that database, switch it to
    WAL mode, and leave a key store beside it; an empty file, or a ledger's
    own, is fine. A file or PostgreSQL schema whose events table is gone
    beside its leaf table is refused as that.
    """
    config = parse_url(url)
    if config.backend == "postgres":
        # Said before the key is looked for, as for a file: the schema's kept
        # key store would otherwise be the first thing to refuse.
        _, lost = _schema_loss(config)
        if lost is not None:
            raise CommandError(lost(shown(config.url)))
    path = config.path if config.backend == "sqlite" else None
    if (
        path is not None
        and path.is_file()
        and check_sqlite_file(path)
        and _other_database(path)
    ):
        lost = lost_reason(committed_tables(path))
        if lost is not None:
            raise CommandError(lost(path))
        raise CommandError(
            f"cannot make a ledger in {path}: it is a SQLite database "
            "without a ledger's events (check --db)"
        )


def _new_store(url: str) -> bool:
    """Whether opening *url* would make a new key store (so may take a new key)."""
    config = parse_url(url)
    if config.backend == "memory":
        return False  # an in-memory ledger makes a throwaway key of its own
    if config.backend == "sqlite" and config.path is not None:
        return not config.path.with_name(config.path.name + ".keys").exists()
    if config.backend == "postgres":
        # As the .keys file beside a SQLite ledger: a schema's kept store needs
        # its own key, and would refuse a new one as the wrong key.
        return not _schema_tables(config, PG_KEYS_TABLE)
    return True


def master_key_advice(args: argparse.Namespace, said: str) -> str:
    """A MasterKeyError's message *said*, with what to do on the command line."""
    kept = _kept_store_advice(args, said)
    if kept is not None:
        return kept
    # A key store lost or not the ledger's own is mended by restoring the
    # store: pointing at the options for another key would mislead.
    if "master key" in said or "key store" not in said:
        return f"{said} (on the command line: --key-file or {MASTER_KEY_ENV})"
    return said


def _kept_store_advice(args: argparse.Namespace, said: str) -> str | None:
    """What to say of no master key for a ledger whose key store is kept, if so.

    The general advice, to make a key with ``keygen --master``, suits a new
    ledger; a kept store opens only with the key it was made with, which a
    ledger copied to another folder left behind in ``./coledger.master-key``.
    None where the general advice stands.
    """
    db = getattr(args, "db", None)
    if not db or not said.startswith("no master key: "):
        return None
    try:
        if _new_store(storage_url(db)):
            return None
    except (InvalidInputError, StorageError, OSError):
        return None  # the command says what is wrong with --db once it runs
    empty = (
        f"{MASTER_KEY_ENV} is empty; " if f"{MASTER_KEY_ENV} is empty" in said else ""
    )
    return (
        f"no master key: {empty}this ledger has a key store, and only the master "
        "key it was made with opens it: name that key's file with --key-file, "
        f"set {MASTER_KEY_ENV} to it, or run the command where "
        f"./{DEFAULT_KEY_FILE} holds it (a new key would not open it)"
    )


def _write_new_key() -> str:
    """Write a new master key to the default key file (never through a link)."""
    key = encode_master_key(generate_master_key())
    try:
        fd = os.open(DEFAULT_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        msg = f"cannot write a new master key to ./{DEFAULT_KEY_FILE}: {error}"
        raise MasterKeyError(msg) from error
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
            handle.flush()
            # On disk before the ledger is made: a crash must never leave a
            # ledger whose only key was still in the page cache.
            os.fsync(handle.fileno())
        _sync_folder(DEFAULT_KEY_FILE.absolute().parent)
    except OSError as error:
        DEFAULT_KEY_FILE.unlink(missing_ok=True)
        msg = f"cannot write a new master key to ./{DEFAULT_KEY_FILE}: {error}"
        raise MasterKeyError(msg) from error
    return key


def _sync_folder(folder: Path) -> None:
    """Make a new file's entry in *folder* durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_text(path: str, what: str, option: str) -> str:
    """The text of a file the user named; CommandError naming it if unreadable.

    *option* is how the command line names it, for an empty name, which
    would otherwise be read as the current folder.
    """
    try:
        return read_small(input_file(path, option), "utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the {what} {path}: {error}") from error


def read_small_bytes(path: Path) -> bytes:
    """A small file's bytes; OSError if it holds more than SMALL_FILE bytes.

    A key or a note never does, and reading a device that never ends would
    fill the memory.
    """
    with path.open("rb") as handle:
        data = handle.read(SMALL_FILE + 1)
    if len(data) > SMALL_FILE:
        msg = f"more than {SMALL_FILE:,} bytes: no key or note is that long"
        raise OSError(errno.EFBIG, msg)
    return data


def read_small(path: Path, encoding: str) -> str:
    """A small text file's text, decoded as Path.read_text would (newlines too)."""
    raw = io.BytesIO(read_small_bytes(path))
    return io.TextIOWrapper(raw, encoding=encoding).read()


def uuid_arg(text: str, what: str, option: str | None = None) -> UUID:
    """A UUID given on the command line as *option* (``--`` and *what* by default).

    A refused value is not repeated: what is typed where an id belongs is
    often a member's name, and error messages end up in logs.
    """
    try:
        return UUID(text)
    except ValueError as error:
        named = option or f"--{what}"
        msg = f"{named}: the value given is not a {what} id (a UUID)"
        raise CommandError(msg) from error


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


def add_common(parser: argparse.ArgumentParser, *, keyless: bool = False) -> None:
    """The options every ledger command takes.

    A *keyless* command (verify, audit-copy) accepts ``--key-file`` but never
    reads it, and its help says so: an auditor must not think they need it.
    """
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="URL",
        help="storage URL or SQLite file path (default: ./coledger.db)",
    )
    parser.add_argument(
        "--key-file",
        metavar="PATH",
        help="not used: this command needs no master key"
        if keyless
        else f"file holding the master key (default: ${MASTER_KEY_ENV}, "
        f"else ./{DEFAULT_KEY_FILE})",
    )
