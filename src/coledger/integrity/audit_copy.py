"""A copy of a SQLite ledger holding only what an auditor reads: events and leaves.

The ledger's own file also holds the projection tables, whose figures,
ladder evidence and decision tags are worked out from members' lived
experience at the board's level of detail (who raised a proposal that came
from lived experience, when someone with lived experience first took part).
An auditor needs none of that, so an audit copy leaves it out: it holds the
events table and the leaf table exactly as stored (every value, storage type
and notification id), taken in one read transaction, with their indexes and
nothing else: no trigger (one would run on the rows as they are copied), no
view, no other table. A ledger whose leaf table was dropped is copied
without one, so that ``verify`` finds it gone (``MISSING_LEAVES``) in the copy
as in the ledger; one whose events table was dropped is copied as its leaf
table alone (``MISSING_EVENTS``). On PostgreSQL the same is done with grants
(see the auditor's guide).
"""

from __future__ import annotations

import os
import sqlite3
from os import PathLike
from pathlib import Path

from coledger.errors import InvalidInputError, StorageError, shown_briefly
from coledger.integrity.recorders import CHECKPOINTS, LEAVES
from coledger.integrity.source import _kind
from coledger.storage import SIBLING_SUFFIXES, parse_url, taken_journal

TABLES = ("stored_events", LEAVES)
"""The tables an audit copy holds: all that ``verify`` reads."""


def audit_copy(url: str, target: Path | str) -> int:
    """Write the events and leaves of the SQLite ledger at *url* to a new file.

    Returns how many event rows were copied (0 from a ledger whose events
    table is gone: its leaves are copied alone). *target* must not exist yet;
    the copy is one file (no write-ahead log beside it), ready to hand over.
    """
    config = parse_url(url)
    if not isinstance(target, str | PathLike):
        raise InvalidInputError(
            f"target must be a file path, not {shown_briefly(target)}"
        )
    target = Path(target)
    if "\x00" in str(target):  # no system call takes one: a ValueError below
        raise InvalidInputError("target cannot hold a NUL character")
    if config.backend != "sqlite" or config.path is None:
        raise InvalidInputError(
            "an audit copy is made of a SQLite ledger file; on PostgreSQL, "
            "grant the auditor's role SELECT on the events and leaf tables alone"
        )
    if not config.path.exists():
        raise StorageError(f"no ledger file at {config.path}")
    try:
        taken = target.exists()
    except OSError as error:  # a name longer than the system allows, say
        raise InvalidInputError(f"cannot use {target}: {error.strerror}") from error
    if taken:
        raise InvalidInputError(f"{target} already exists; name a new file")
    if _beside(config.path, target):
        raise InvalidInputError(
            f"{target} is a file SQLite or coledger keeps beside the ledger, "
            "which would empty or remove a copy there; name a new file"
        )
    _refuse_taken_journal(target)
    _create_new(target)
    try:
        count = _copy(config.path, target)
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise StorageError(f"cannot copy {config.path}: {error}") from error
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return count


def _beside(ledger: Path, target: Path) -> bool:
    """Whether *target* is one of the files kept beside the *ledger* file.

    A journal, write-ahead log or its index that is not there now is made
    again when the ledger is next opened, over whatever file holds its name.
    InvalidInputError if the target's folder cannot be resolved (a link loop).
    """
    try:
        folder, into = ledger.parent.resolve(), target.parent.resolve()
    except (OSError, RuntimeError) as error:  # a link loop (RuntimeError before 3.13)
        raise InvalidInputError(f"cannot use {target}: {error}") from error
    names = {ledger.name + suffix for suffix in SIBLING_SUFFIXES}
    return into == folder and target.name in names


JOURNALS = ("-journal", "-wal")
"""What SQLite names a database's journal and write-ahead log after it."""


def _refuse_taken_journal(target: Path) -> None:
    """InvalidInputError if a file holds the name of *target*'s journal or WAL."""
    beside = taken_journal(target, JOURNALS)
    if beside is not None:
        raise InvalidInputError(
            f"{beside} exists, and SQLite would delete it as the journal "
            f"of a new file {target}; name another file"
        )


def _create_new(target: Path) -> None:
    """Make *target* empty and owner-only, refusing a file that is there already.

    It holds the events, ids and times in clear. Made in one step that fails
    on an existing file, so a file another process put there since the check
    above is never written to, nor removed when the copy fails.
    """
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise InvalidInputError(f"{target} already exists; name a new file") from None
    except OSError as error:  # a missing folder, no permission to write there
        raise StorageError(f"cannot make {target}: {error.strerror}") from error


def _copy(source: Path, target: Path) -> int:
    uri = target.absolute().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=rwc", uri=True, isolation_level=None)
    try:
        read_only = f"{source.absolute().as_uri()}?mode=ro"
        conn.execute("ATTACH DATABASE ? AS src", (read_only,))
        conn.execute("BEGIN")  # one snapshot of the source, one write of the copy
        for table, kept in zip(TABLES, reversed(TABLES), strict=True):
            # Names without regard to case, as SQLite and the ledger read them.
            _refuse_not_plain(conn, source, table)
            created = conn.execute(
                "SELECT sql FROM src.sqlite_master WHERE type = 'table' "
                "AND name = ? COLLATE NOCASE",
                (table,),
            ).fetchone()
            if created is None and _gone(conn, table) and not _gone(conn, kept):
                # Dropped: verify reports it (MISSING_LEAVES or MISSING_EVENTS)
                # on the copy as on the ledger, so the auditor must get the
                # other table without it.
                continue
            if created is None and _gone(conn, kept) and not _gone(conn, CHECKPOINTS):
                # Both log tables gone beside a ledger's checkpoints table.
                from coledger._core import lost_log  # noqa: PLC0415 (import cycle)

                raise StorageError(lost_log(source))
            if created is None:
                raise StorageError(f"{source} has no table {table}")
            _check_file_sound(conn, source, table)
            # The table alone: a trigger copied with it would run on the rows
            # being copied, and could hide or mend a forged one in the copy.
            conn.execute(created[0])
            names = [
                _quoted(row[1])
                for row in conn.execute(f"PRAGMA src.table_info({table})")
            ]
            columns = ", ".join(names)
            conn.execute(
                f"INSERT INTO main.{table} (rowid, {columns}) "  # noqa: S608
                f"SELECT rowid, {columns} FROM src.{table} ORDER BY rowid"
            )
            _check_types_kept(conn, source, table, names)
            indexes = conn.execute(
                "SELECT sql FROM src.sqlite_master WHERE type = 'index' "
                "AND tbl_name = ? COLLATE NOCASE AND sql IS NOT NULL ORDER BY rowid",
                (table,),
            ).fetchall()
            for (statement,) in indexes:  # after the rows: they only speed reading
                conn.execute(statement)
        count = 0
        if conn.execute(
            "SELECT 1 FROM main.sqlite_master WHERE type = 'table' "
            "AND name = 'stored_events' COLLATE NOCASE"
        ).fetchone():
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM main.stored_events"
            ).fetchone()
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
    finally:
        conn.close()
    return int(count)


def copied_leaves(copy: Path) -> int:
    """How many leaves the audit copy at *copy* holds (0 if it has no leaf table)."""
    conn = sqlite3.connect(f"{copy.absolute().as_uri()}?mode=ro", uri=True)
    try:
        if not conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' "
            "AND name = ? COLLATE NOCASE",
            (LEAVES,),
        ).fetchone():
            return 0
        (count,) = conn.execute(f"SELECT COUNT(*) FROM {LEAVES}").fetchone()  # noqa: S608
        return int(count)
    finally:
        conn.close()


def _gone(conn: sqlite3.Connection, name: str) -> bool:
    """Whether nothing at all (no table, view or index) is called *name* in src.

    SQLite compares names without regard to case, and so does this.
    """
    found = conn.execute(
        "SELECT 1 FROM src.sqlite_master WHERE name = ? COLLATE NOCASE", (name,)
    ).fetchone()
    return found is None


def _refuse_not_plain(conn: sqlite3.Connection, source: Path, table: str) -> None:
    """StorageError if *table* is a view or a virtual table in the ledger.

    Its rows are whatever its query or module makes them: copied into a
    plain table they would verify, where ``verify`` finds the ledger's own
    file FAILED with HIDDEN_ROWS.
    """
    found = conn.execute(
        "SELECT type, rootpage, sql FROM src.sqlite_master "
        "WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE",
        (table,),
    ).fetchone()
    if found is None:
        return
    kind = _kind(*found)
    if kind != "table":
        raise StorageError(
            f"{source}: {table} is not a plain table (a {kind}), so a copy "
            "would not hold what the ledger shows; verify the ledger file "
            "itself (coledger verify reports it as HIDDEN_ROWS)"
        )


def _quoted(name: str) -> str:
    """*name* as an SQL identifier, whatever characters an edited schema gave it."""
    return '"' + name.replace('"', '""') + '"'


def _check_file_sound(conn: sqlite3.Connection, source: Path, table: str) -> None:
    """StorageError if SQLite's own check finds *table* or its indexes damaged.

    The copy builds its indexes afresh from the table's rows, so an index of
    the ledger that leaves out a signed row (hiding it from the application)
    would be mended on the way, and the copy would pass the file check that
    the ledger fails.
    """
    rows = conn.execute(f"PRAGMA src.integrity_check({table})").fetchall()
    problems = [str(row[0]) for row in rows if row[0] != "ok"]
    if problems:
        raise StorageError(
            f"{source}: SQLite's integrity check of {table} fails "
            f"({problems[0]}), which a copy would mend; verify the ledger file "
            "itself (coledger verify --check-file)"
        )


def _check_types_kept(
    conn: sqlite3.Connection, source: Path, table: str, columns: list[str]
) -> None:
    """StorageError if a copied value changed its storage type on the way.

    A column's declared type converts what is inserted into it (a number
    stored as text in an INTEGER column becomes an integer), so a value the
    ledger holds against its column's type, which only editing the file
    below SQL can put there, would arrive mended, and the copy would verify
    where the ledger does not. Every such conversion changes ``typeof``.
    """
    types = ", ".join(f"typeof({c})" for c in columns)
    (changed,) = conn.execute(
        f"SELECT COUNT(*) FROM (SELECT rowid, {types} FROM src.{table} "  # noqa: S608
        f"EXCEPT SELECT rowid, {types} FROM main.{table})"
    ).fetchone()
    if changed:
        raise StorageError(
            f"{source}: {changed} row(s) of {table} hold a value of another type "
            "than its column declares, which a copy cannot keep as stored; "
            "verify the ledger file itself (coledger verify --check-file)"
        )
