"""Storage URLs: which eventsourcing persistence module a ledger lives in.

``memory://``
    In process, gone when the process ends (tests, experiments).
``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``
    One SQLite file, no server: the embedded default (``./coledger.db``).
``postgresql://user:password@host:port/dbname?schema=name``
    eventsourcing's PostgreSQL persistence; ``schema`` puts the ledger in its own
    schema (one per organisation), created if missing: letters, digits and
    underscores, at most 63 bytes (PostgreSQL cuts longer names short).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import SplitResult, unquote, urlsplit

import attrs

from coledger.errors import DatabaseLockedError, InvalidUrlError, shown_briefly

DEFAULT_URL = "sqlite:///coledger.db"
APP_NAME = "coledger"
"""The eventsourcing application name; PostgreSQL tables are named after it."""
PG_EVENTS_TABLE = f"{APP_NAME}_events"
"""The events table of a PostgreSQL ledger, in its schema."""
MAX_POSITION = 2**63 - 1
"""The largest position SQLite or PostgreSQL can store, so the most events."""


LONGEST_IDENTIFIER = 63
"""PostgreSQL keeps the first 63 bytes of a name and silently drops the rest."""


def notify_channel(schema: str) -> str:
    """The channel a PostgreSQL ledger in *schema* NOTIFYs on with every write.

    eventsourcing names the channel after the events table alone, which every
    organisation's schema on a server shares, so each organisation's worker
    would wake for every other's writes. The schema goes in the name; a name
    too long to keep whole ends in a digest of the schema instead.
    """
    channel = f"{APP_NAME}_events_{schema}"
    if len(channel.encode()) <= LONGEST_IDENTIFIER:
        return channel
    digest = hashlib.blake2b(schema.encode(), digest_size=8).hexdigest()
    return f"{APP_NAME}_events_{digest}"


class ClosedOnExit:
    """Something holding connections that a ``with`` block closes at its end."""

    def close(self) -> None:
        """Release the connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock not granted within ``lock_timeout``."""


def lock_refused(error: BaseException | None) -> bool:
    """Whether a driver's *error* says it gave up waiting for another's lock.

    SQLite reports a database busy or locked once its busy timeout has run
    out; PostgreSQL cancels a statement once ``lock_timeout`` has. Waiting
    again would only wait as long again.
    """
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
    return getattr(error, "sqlstate", None) == LOCK_NOT_AVAILABLE


def locked_error(config: StorageConfig) -> DatabaseLockedError:
    """The error for a write another process's lock held off, for *config*'s database.

    It names the database (a PostgreSQL URL without its password) and how
    long the driver waited: the ledger's lock timeout for its backend.
    """
    if config.backend == "sqlite":
        where, wait = str(config.path), config.env["SQLITE_LOCK_TIMEOUT"]
    else:
        where, wait = shown(config.url), config.env["POSTGRES_LOCK_TIMEOUT"]
    return DatabaseLockedError(where, float(wait))


def create_owner_only(path: Path) -> bool:
    """Make an empty file at *path*, readable and writable by its owner alone.

    For SQLite files that will hold a ledger's data: SQLite gives the journal,
    ``-wal`` and ``-shm`` files it makes beside a database the database's own
    mode, so they are owner-only too. An existing file (or link) is left as it
    is, with whatever mode its owner gave it; a file that cannot be made is
    left for SQLite's own open to report. Returns whether this call made it.

    A link to no file is kept, and the file it names made owner-only (SQLite
    follows the link and would make it with the process's umask); that file
    is not counted as made here, so a failed open leaves the link alone.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        # A loop of links (RuntimeError) is left for SQLite's open to report.
        with contextlib.suppress(OSError, RuntimeError):
            if path.is_symlink() and not path.exists():
                create_owner_only(path.resolve())
        return False
    except OSError:
        return False
    return True


def alive(conn: Any, connect: Callable[[], Any]) -> Any:
    """*conn*, or a new connection from *connect* if the server dropped it.

    A restart, a failover or an idle timeout ends a PostgreSQL session; psycopg
    marks the connection closed or broken, and the next use connects afresh
    rather than failing for the life of the ledger.
    """
    if not (conn.closed or conn.broken):
        return conn
    with contextlib.suppress(Exception):
        conn.close()
    return connect()


def _env_shown(env: dict[str, str]) -> str:
    """*env* as a repr may show it: a PostgreSQL password as ``***``."""
    hidden = {k: "***" if k == "POSTGRES_PASSWORD" and v else v for k, v in env.items()}
    return repr(hidden)


def _url_shown(url: str) -> str:
    """*url* as a repr may show it (see ``shown``)."""
    return repr(shown(url))


@attrs.frozen
class StorageConfig:
    """A parsed storage URL: the backend and the eventsourcing settings for it.

    Its repr (a Ledger's ``config`` printed or logged) shows the URL and the
    settings with the password as ``***``, as error messages do.
    """

    backend: str
    env: dict[str, str] = attrs.field(repr=_env_shown)
    url: str = attrs.field(default="", repr=_url_shown)
    path: Path | None = None
    schema: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    """The libpq options a PostgreSQL URL passes on (TLS, application name)."""
    file: Path | None = None
    """A SQLite ledger's file by its absolute path, as *path* named it when the
    URL was read: every connection opens this one, wherever the process has
    changed its working directory to since (*path* is kept for messages)."""

    @property
    def pg_schema(self) -> str:
        """The PostgreSQL schema the ledger lives in (``public`` if none is named)."""
        return self.schema or "public"

    @property
    def postgres_conninfo(self) -> str:
        """A libpq connection string for this PostgreSQL ledger.

        Each value is quoted as libpq requires, so that a password (or user,
        or database name) holding a space, a quote or a backslash reaches the
        server as the URL gave it, on these connections as in the pool. They
        give up after the pool's connect timeout: without one, libpq waits for
        ever on a server that accepts and never answers. They wait for a lock
        no longer than the ledger's inserts do (``POSTGRES_LOCK_TIMEOUT``): a
        lock another session keeps (a maintenance job, a ``LOCK TABLE`` left
        open) fails the statement rather than holding it up for ever.
        """
        keys = {
            "dbname": "POSTGRES_DBNAME",
            "host": "POSTGRES_HOST",
            "port": "POSTGRES_PORT",
            "user": "POSTGRES_USER",
            "password": "POSTGRES_PASSWORD",
            "connect_timeout": "POSTGRES_CONNECT_TIMEOUT",
        }
        parts = [
            f"{k}={_quoted(self.env[v])}" for k, v in keys.items() if self.env.get(v)
        ]
        parts += [f"{k}={_quoted(v)}" for k, v in self.options]
        parts.append(f"options={_quoted(self.postgres_session_options)}")
        return " ".join(parts)

    @property
    def postgres_session_options(self) -> str:
        """The libpq ``options`` of this ledger's PostgreSQL sessions: the lock wait."""
        wait = float(self.env.get("POSTGRES_LOCK_TIMEOUT") or 0)
        return f"-c lock_timeout={round(wait * 1000)}"


def _quoted(value: str) -> str:
    """*value* as a libpq connection string value: quoted, backslashes escaped."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def shown(url: str) -> str:
    """*url* as a message may show it: a password in it is replaced by ``***``.

    So is the value of every query option but ``schema``: libpq reads
    ``?password=`` too, and an option the URL should not have may hold one.
    Error messages end up in logs; the rest of the URL is what helps. A URL
    a slash or two short of the scheme's two (``postgresql:/user:pw@host``,
    refused for it) is shown the same way.
    """
    scheme, colon, rest = url.partition(":")
    if not colon:
        return url
    slashes = rest[: len(rest) - len(rest.lstrip("/"))][:2]
    rest = rest[len(slashes) :]
    user, colon, _ = rest.partition(":")
    last = rest.rfind("@")
    hidden = ""
    if colon and last > len(user) and not any(c in user for c in "/?#@"):
        # A password runs to the last "@", whatever it holds ("/", "?" or "#"
        # unescaped too); when an "@" stands later, in the query, more is
        # hidden than the password, never less.
        hidden, rest = f"{user}:***@", rest[last + 1 :]
    cut = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    netloc, tail = hidden + rest[:cut], rest[cut:]
    # A value runs on past a '#' (a password holding one unescaped), and the
    # options after a '#' are options too: all of it is shown option by option.
    end = min((i for i in map(tail.find, "?#") if i >= 0), default=len(tail))
    path, after = tail[:end], tail[end:]
    if after:
        after = after[0] + "&".join(map(_shown_option, after[1:].split("&")))
    return f"{scheme}:{slashes}{netloc}{path}{after}"


def _shown_option(option: str) -> str:
    """One ``name=value`` of a URL's query, its value hidden unless it is the schema."""
    name, equals, _ = option.partition("=")
    return option if not equals or name == "schema" else f"{name}=***"


def parse_url(url: object) -> StorageConfig:
    """Parse a storage URL into the settings eventsourcing reads."""
    if not isinstance(url, str) or not url:
        raise InvalidUrlError(
            f"a storage URL must be a non-empty string, not {shown_briefly(url)}"
        )
    if "\x00" in url:
        raise InvalidUrlError("a storage URL cannot hold a NUL character")
    # urllib drops spaces before the scheme and tabs and line breaks anywhere
    # without a word, for every scheme: the store opened would not be the one
    # the URL names, so they are refused, alike for every backend.
    if any(c < " " or c == "\x7f" for c in url):
        raise InvalidUrlError(
            f"{shown(url)!r}: a storage URL cannot hold a control character "
            "(a tab or a line break, say)"
        )
    if url != url.strip():
        raise InvalidUrlError(
            f"{shown(url)!r}: a storage URL cannot begin or end with a space"
        )
    parts = _split(url)
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return _memory(url, parts)
    if scheme == "sqlite":
        if _has_query(url, parts):
            # A '?' or '#' would cut the file name short, and nothing reads options.
            raise InvalidUrlError(
                f"{shown(url)!r}: a SQLite URL takes no '?' or '#' (no options, "
                "and file names without them)"
            )
        return _sqlite(url, parts.netloc, parts.path)
    if scheme in {"postgresql", "postgres"}:
        return _postgres(url)
    raise InvalidUrlError(
        f"{shown(url)!r}: unknown storage; use memory://, sqlite:///path/to/file.db "
        "or postgresql://user@host:port/dbname"
    )


def _slashed(url: str) -> bool:
    """Whether two slashes follow the URL's scheme, as the documented forms have."""
    return url.partition(":")[2].startswith("//")


def _has_query(url: str, parts: SplitResult) -> bool:
    """Whether *url* has a '?' or a '#', even one with nothing after it."""
    return bool(parts.query or parts.fragment) or url.endswith(("?", "#"))


def _memory(url: str, parts: SplitResult) -> StorageConfig:
    # Nothing after the slashes is read, so anything there is refused, not dropped.
    if parts.netloc or parts.path.strip("/"):
        raise InvalidUrlError(f"{shown(url)!r}: an in-memory ledger takes no path")
    if _has_query(url, parts):
        raise InvalidUrlError(
            f"{shown(url)!r}: an in-memory ledger takes no options; write memory://"
        )
    if not _slashed(url):
        raise InvalidUrlError(f"{shown(url)!r}: write memory:// (two slashes)")
    return StorageConfig("memory", {"PERSISTENCE_MODULE": "eventsourcing.popo"}, url)


def _sqlite(url: str, netloc: str, path: str) -> StorageConfig:
    # 'sqlite:/ledger.db' would lose its one slash and open ./ledger.db, where
    # a URI (file:/ledger.db) names /ledger.db: only the documented form goes.
    if netloc or not _slashed(url):
        raise InvalidUrlError(
            f"{shown(url)!r}: write sqlite:///relative.db or "
            "sqlite:////absolute/path.db (three slashes, then the path)"
        )
    file_path = _file_named(url, path)
    if str(file_path) == ":memory:":
        raise InvalidUrlError(f"{shown(url)!r}: use memory:// for an in-memory ledger")
    try:
        os.fsencode(file_path)
    except UnicodeEncodeError as error:  # a lone surrogate, say
        raise InvalidUrlError(
            f"{shown(url)!r}: the path cannot be a file name here: {error.reason}"
        ) from None
    try:
        folder_missing = not file_path.parent.exists()
        folder_is_file = not folder_missing and not file_path.parent.is_dir()
        is_folder = file_path.is_dir()
        # stat, never open: opening a FIFO would wait for a writer for ever
        is_other = file_path.exists() and not is_folder and not file_path.is_file()
    except OSError as error:  # a name longer than the system allows, say
        raise InvalidUrlError(f"{shown(url)!r}: {error.strerror}") from error
    if folder_missing and str(file_path.parent) != ".":
        raise InvalidUrlError(
            f"{shown(url)!r}: the folder {file_path.parent} does not exist"
        )
    if folder_is_file:
        raise InvalidUrlError(
            f"{shown(url)!r}: {file_path.parent} is a file, not a folder"
        )
    if is_folder:
        raise InvalidUrlError(f"{shown(url)!r}: {file_path} is a folder, not a file")
    if is_other:
        raise InvalidUrlError(
            f"{shown(url)!r}: {file_path} is not a regular file (a device or a pipe)"
        )
    _check_room_for_siblings(url, file_path)
    file = file_path.absolute()
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        # As a URI, each character that is not a letter, a digit or a slash
        # percent-encoded: eventsourcing takes a name holding ':memory:' or
        # 'mode=memory' anywhere for an in-memory database, and would keep such
        # a file out of WAL mode, where a reader holds off every writer.
        "SQLITE_DBNAME": file.as_uri(),
        "SQLITE_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "coledger.integrity.recorders:LeafSQLiteRecorder",
    }
    return StorageConfig("sqlite", env, url, path=file_path, file=file)


def _file_named(url: str, path: str) -> Path:
    """The file a SQLite URL's *path* names; InvalidUrlError if it names none."""
    file_path = Path(path.removeprefix("/"))
    if not str(file_path) or file_path == Path() or path.endswith("/"):
        raise InvalidUrlError(f"{shown(url)!r}: no database file named")
    # Path drops a last '.', so 'made/.' would open (or make) a file 'made'.
    if path.rpartition("/")[2] in (os.curdir, os.pardir):
        raise InvalidUrlError(f"{shown(url)!r} names a folder: give a file name")
    return file_path


SIBLING_SUFFIXES = (
    ".keys",
    "-wal",
    "-shm",
    "-journal",
    ".keys-wal",
    ".keys-shm",
    ".keys-journal",
)
"""What SQLite and the key store put beside a ledger's file, by name."""
LONGEST_SIBLING = max(map(len, SIBLING_SUFFIXES))


def taken_journal(file: Path, suffixes: Sequence[str]) -> Path | None:
    """The first file named *file* plus one of *suffixes* that exists, or None.

    SQLite takes a journal, write-ahead log or shared-memory file beside an
    empty database for a leftover, and deletes or overwrites it when it first
    reads the new file: a ledger named ``board-journal`` would be lost to a
    new database named ``board``. A new file is made only where this is None.
    """
    for suffix in suffixes:
        beside = Path(f"{file}{suffix}")
        if os.path.lexists(beside):
            return beside
    return None


def _check_room_for_siblings(url: str, file_path: Path) -> None:
    """InvalidUrlError if a file named beside *file_path* would be too long a name.

    The key store and SQLite's journals are named after the ledger's file with
    a suffix; a name that fits but leaves no room for theirs would fail only
    once the ledger's file had been made.
    """
    folder = file_path.parent
    try:
        limit = os.pathconf(folder if str(folder) else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = -1
    if limit <= 0:
        limit = 255  # the usual limit, where the system will not say
    room = limit - len(os.fsencode(file_path.name))
    if room < LONGEST_SIBLING:
        raise InvalidUrlError(
            f"{shown(url)!r}: the file name is too long: the files kept beside "
            f"a ledger take its name plus up to {LONGEST_SIBLING} characters, and "
            f"a name here may be at most {limit} bytes"
        )


def _split(url: str) -> SplitResult:
    """The parts of *url*; InvalidUrlError where urllib cannot split it."""
    try:
        return urlsplit(url)
    except ValueError as error:  # an unbalanced '[' of an IPv6 address, say
        raise InvalidUrlError(f"{shown(url)!r} is not a valid URL: {error}") from error


def _postgres(url: str) -> StorageConfig:
    if not _slashed(url):
        # Read without them, 'postgresql:/host/db' would name the database
        # 'host/db' on the default host: libpq takes no such URL either.
        raise InvalidUrlError(
            f"{shown(url)!r}: write postgresql://user@host:port/dbname "
            "(two slashes after the scheme)"
        )
    parts = _split(url)
    if parts.fragment or url.endswith("#"):
        # urllib drops all after a '#': '?schema=club#2' would open 'club'.
        raise InvalidUrlError(
            f"{shown(url)!r}: a PostgreSQL URL takes no '#' (what follows it would "
            "be dropped; write a '#' in a password or name as %23)"
        )
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidUrlError(
            f"{shown(url)!r} names no database: write it after the host, as in "
            "postgresql://user@host:port/dbname"
        )
    try:
        port = parts.port
    except ValueError as error:
        # All after the host's first ':', as urllib reads it: in 'h:5432:5433'
        # (or 'h1:5432,h2:5433', several hosts) it is no number, not 5433.
        text = parts.netloc.rpartition("@")[2].rpartition("]")[2].partition(":")[2]
        why = (
            f"port {text} is out of range (1 to 65535)"
            if text.isascii() and text.isdigit()
            else "the port is not a number"
        )
        raise InvalidUrlError(f"{shown(url)!r}: {why}") from error
    if port == 0:  # libpq would take it as "the default port", 5432
        raise InvalidUrlError(
            f"{shown(url)!r}: port 0 is no port (leave it out for 5432)"
        )
    schema, options = _query(url, parts.query)
    host = _host(parts)
    given = [host, unquote(parts.username or ""), unquote(parts.password or "")]
    given += [dbname, *(value for _, value in options)]
    if any("\x00" in value for value in given):  # libpq cannot take one
        raise InvalidUrlError(
            f"{shown(url)!r}: a storage URL cannot hold a NUL character (%00)"
        )
    if not all(value.isascii() or _utf8(value) for value in given):
        # A lone surrogate: a byte that is not UTF-8, as a command line or the
        # environment gives one typed in Latin-1, say. libpq takes UTF-8 text.
        raise InvalidUrlError(
            f"{shown(url)!r}: a PostgreSQL URL must be UTF-8 text, and it holds "
            "a byte that is not UTF-8 (a name typed in another encoding, say)"
        )
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": host or "127.0.0.1",
        "POSTGRES_PORT": str(port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_MAX_OVERFLOW": "4",
        "POSTGRES_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": (
            "coledger.integrity.postgres:LeafPostgresRecorder"
        ),
    }
    if schema:
        env["POSTGRES_SCHEMA"] = schema
    return StorageConfig("postgres", env, url, schema=schema, options=options)


def _utf8(value: str) -> bool:
    """Whether *value* can be written as UTF-8 (it holds no lone surrogate)."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _host(parts: SplitResult) -> str:
    """The host a PostgreSQL URL names, as libpq reads it ('' if none).

    libpq takes a host written percent-encoded, case and all, and one that
    then begins with '/' (``%2Fvar%2Frun%2Fpostgresql``) for the folder of
    the server's socket; urllib's hostname is lower-cased and left encoded.
    """
    where = parts.netloc.rpartition("@")[2]
    if where.startswith("["):
        return parts.hostname or ""  # an IPv6 address
    return unquote(where.partition(":")[0])


LIBPQ_OPTIONS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "application_name",
)
"""The libpq options a PostgreSQL URL may carry, passed to every connection."""

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
"""The values libpq takes for ``sslmode``."""


def _query(url: str, text: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The schema (None: public) and libpq options a PostgreSQL URL's query names."""
    # Blank values kept: '?schema=' (an unset variable, say) would otherwise
    # put an organisation's ledger in the shared public schema unannounced.
    # Read as libpq reads a URL's query: '%XX' decoded, '+' a plus (parse_qs
    # would read it as a space, as an HTML form means it, and name another
    # certificate file than libpq would).
    query: dict[str, list[str]] = {}
    for option in filter(None, text.split("&")):
        name, _, value = option.partition("=")
        query.setdefault(unquote(name), []).append(unquote(value))
    unknown = set(query) - {"schema", *LIBPQ_OPTIONS}
    if unknown:
        raise InvalidUrlError(f"{shown(url)!r}: unknown options {sorted(unknown)}")
    for name, values in query.items():
        if len(values) > 1:
            raise InvalidUrlError(f"{shown(url)!r}: {name} given more than once")
        if name != "schema" and not values[0]:
            # libpq would take an empty value as "not set" and fall back to its
            # default (for sslmode, 'prefer', which may not encrypt).
            raise InvalidUrlError(f"{shown(url)!r}: {name}= gives no value")
    mode = query.get("sslmode", ["prefer"])[0]
    if mode not in SSL_MODES:
        raise InvalidUrlError(
            f"{shown(url)!r}: sslmode must be one of {', '.join(SSL_MODES)}"
        )
    options = tuple((n, query[n][0]) for n in LIBPQ_OPTIONS if n in query)
    return _schema(url, query.get("schema", [None])[0]), options


def _schema(url: str, schema: str | None) -> str | None:
    """The schema a PostgreSQL URL names as *schema* (None: public)."""
    if schema == "":
        raise InvalidUrlError(
            f"{shown(url)!r}: 'schema=' names no schema (leave it out for public)"
        )
    if schema is None:
        return None
    if not schema.replace("_", "").isalnum():
        raise InvalidUrlError(
            f"{shown(url)!r}: a schema name may hold only letters, digits and "
            "underscores"
        )
    if schema.startswith("pg_") or schema == "information_schema":
        raise InvalidUrlError(
            f"{shown(url)!r}: {schema!r} is one of PostgreSQL's own schemas, or named "
            "like them (pg_...); choose another name"
        )
    if len(schema.encode()) > LONGEST_IDENTIFIER:
        # PostgreSQL would silently cut it short, and two organisations whose
        # names begin alike would share one schema.
        raise InvalidUrlError(
            f"{shown(url)!r}: a schema name may be at most {LONGEST_IDENTIFIER} bytes "
            "long (PostgreSQL cuts longer names short)"
        )
    return schema
