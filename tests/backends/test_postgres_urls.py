"""What a PostgreSQL URL names reaches every connection a ledger makes intact."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from coledger import InvalidUrlError, Ledger, StorageError, _core
from coledger.storage import parse_url, shown
from conftest import PG_BASE, PG_CONNINFO, drop_schema, require_postgres

# Anything a URL can carry percent-encoded, but NUL (which the URL refuses);
# a lone surrogate has no UTF-8 to percent-encode.
words = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=30,
)


@given(user=words, password=words, dbname=words)
def test_the_connection_string_carries_each_part_as_written(
    user: str, password: str, dbname: str
) -> None:
    """Spaces, quotes and backslashes in a user, password or database survive."""
    url = (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
        f"@db.example:5433/{quote(dbname, safe='')}"
    )
    found = conninfo_to_dict(parse_url(url).postgres_conninfo)
    assert (found["user"], found["password"], found["dbname"]) == (
        user,
        password,
        dbname,
    )
    assert (found["host"], found["port"]) == ("db.example", "5433")


@pytest.mark.postgres
def test_a_ledger_opens_with_a_password_holding_a_space(pg_schema: str) -> None:
    """The key store, the tables and the worker connect as the pool does."""
    require_postgres()
    url = f"postgresql://postgres:two%20words@127.0.0.1:5432/test?schema={pg_schema}"
    with Ledger.open(url) as ledger:
        ledger.register_member("Ann")
        assert ledger.projections().catch_up() == 1
        assert ledger.verify().size == 1


@pytest.mark.postgres
def test_the_pool_connects_with_the_timeout_its_other_connections_have(
    pg_schema: str,
) -> None:
    """The pool's own connections give up after the connect timeout, as the rest do.

    eventsourcing reads POSTGRES_CONNECT_TIMEOUT only as the wait for a pooled
    connection, so without it a pool connecting to a server that accepts and
    never answers waits for libpq's default (about two minutes) per try.
    """
    require_postgres()
    url = f"postgresql://postgres@127.0.0.1:5432/test?schema={pg_schema}"
    with Ledger.open(url) as ledger:
        pool = ledger._app.factory.datastore.pool  # type: ignore[attr-defined]
        assert pool.kwargs["connect_timeout"] == "5"
        ledger.register_member("Ann")  # the pool still connects
        assert len(ledger.members()) == 1


name_chars = st.characters(categories=["L", "Nd"], include_characters="_")


def _schema_of(name: str) -> str | None:
    """The schema a URL naming *name* is taken to mean; None if it is refused."""
    try:
        return parse_url(f"postgresql://u@h/db?schema={quote(name)}").schema
    except InvalidUrlError:
        return None


@given(
    st.text(name_chars, min_size=40, max_size=70),
    st.text(name_chars, max_size=8),
    st.text(name_chars, max_size=8),
)
def test_two_accepted_schemas_are_never_one_on_the_server(
    stem: str, one: str, other: str
) -> None:
    """No two schema names the URL accepts agree on the 63 bytes PostgreSQL keeps."""
    first, second = stem + one, stem + other
    if first == second or None in (_schema_of(first), _schema_of(second)):
        return
    assert first.encode()[:63] != second.encode()[:63]


def test_a_schema_name_longer_than_postgresql_keeps_is_refused() -> None:
    """Two organisations' long names would otherwise share one cut-short schema."""
    assert _schema_of("a" * 63) == "a" * 63
    for name in ("a" * 64, "é" * 32, "org_" + "x" * 70):
        with pytest.raises(InvalidUrlError, match="63 bytes"):
            parse_url(f"postgresql://u@h/db?schema={quote(name)}")


@pytest.mark.postgres
@pytest.mark.parametrize("name", ["2024_{}", "order", "user", "Club_{}"])
def test_a_schema_named_as_sql_would_not_take_it_bare_opens(name: str) -> None:
    """A schema starting with a digit, a keyword or capitals holds a working ledger."""
    require_postgres()
    schema = name.format(uuid.uuid4().hex[:8])
    url = f"postgresql://postgres@127.0.0.1:5432/test?schema={schema}"
    try:
        with Ledger.open(url) as ledger:
            ledger.register_member("Ann")
            assert ledger.projections().catch_up() == 1
            assert ledger.verify().size == 1
        with Ledger.open(url) as again:
            assert [m.name for m in again.members()] == ["Ann"]
    finally:
        drop_schema(schema)


def _schema_exists(name: str) -> bool:
    """Whether the test server holds a schema named exactly *name*."""
    with psycopg.connect(PG_CONNINFO) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)
        ).fetchone()
    return found is not None


@pytest.mark.postgres
@pytest.mark.parametrize("spelling", [str.upper, str.title])
def test_a_schema_named_as_an_existing_one_but_for_case_makes_no_second_ledger(
    pg_schema: str, spelling: Any
) -> None:
    """Another case of a ledger's schema is refused, not made into an empty ledger."""
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger:
        ledger.register_member("Ann")
    twin = spelling(pg_schema)
    try:
        with pytest.raises(InvalidUrlError, match=f"{pg_schema}.*only in case"):
            Ledger.open(f"{PG_BASE}?schema={twin}").close()
        assert not _schema_exists(twin)
    finally:
        drop_schema(twin)


@pytest.mark.postgres
def test_two_spellings_of_a_new_schema_opened_at_once_make_no_second_ledger(
    pg_schema: str,
) -> None:
    """An open of another case waits for one making the schema, then is refused."""
    twin = pg_schema.upper()
    outcome: list[BaseException | None] = []

    def open_twin() -> None:
        try:
            Ledger.open(f"{PG_BASE}?schema={twin}").close()
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    opener = threading.Thread(target=open_twin, daemon=True)
    try:
        with psycopg.connect(PG_CONNINFO, autocommit=True) as other:
            # Another process opening ?schema=<lower case>, halfway through.
            other.execute(
                "SELECT pg_advisory_lock(hashtext(%s))", (f"coledger:open:{pg_schema}",)
            )
            opener.start()
            opener.join(timeout=2)
            other.execute(f"CREATE SCHEMA {pg_schema}")
        opener.join(timeout=30)
        assert not opener.is_alive()
        assert len(outcome) == 1
        assert isinstance(outcome[0], InvalidUrlError)
        assert not _schema_exists(twin)
    finally:
        drop_schema(twin)


def test_a_server_that_never_answers_fails_the_open_within_the_timeout() -> None:
    """Opening gives up after the URL's connect timeout, not never."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    outcome: list[BaseException] = []

    def open_ledger() -> None:
        try:
            Ledger.open(f"postgresql://postgres@127.0.0.1:{port}/test?schema=x")
        except BaseException as error:
            outcome.append(error)

    opener = threading.Thread(target=open_ledger, daemon=True)
    try:
        opener.start()
        opener.join(timeout=30)  # the URL's timeout is 5 seconds
        assert not opener.is_alive(), "still waiting for a server that never answers"
        assert len(outcome) == 1
        assert isinstance(outcome[0], StorageError)
    finally:
        silent.close()


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("schema=", "names no schema"),
        ("schema=one&schema=two", "schema given more than once"),
        ("schema=one&colour=", "unknown options"),
    ],
)
def test_a_url_that_would_silently_pick_the_shared_schema_is_refused(
    query: str, refusal: str
) -> None:
    """An empty schema (an unset variable, say) never means the shared public one."""
    with pytest.raises(InvalidUrlError, match=refusal):
        parse_url(f"postgresql://u@h/db?{query}")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/db?schema=club#2",
        "postgresql://u@h/db#schema=club",
        "postgresql://u@h/db?schema=club&sslmode=verify-full#",
    ],
)
def test_a_url_whose_end_would_be_dropped_after_a_hash_is_refused(url: str) -> None:
    """'?schema=club#2' is refused, not opened as the schema club (another's, say)."""
    with pytest.raises(InvalidUrlError, match="no '#'"):
        parse_url(url)


@pytest.mark.parametrize(
    "url", ["postgresql:test", "postgresql:/otherhost/test", "postgres:/db?schema=a"]
)
def test_a_url_without_its_two_slashes_is_refused(url: str) -> None:
    """'postgresql:/otherhost/test' is not read as the database 'otherhost/test'."""
    with pytest.raises(InvalidUrlError, match="two slashes"):
        parse_url(url)


@pytest.mark.parametrize("url", ["postgresql://u@h", "postgresql://u@h/?schema=a"])
def test_a_url_naming_no_database_says_how_to_name_one(url: str) -> None:
    """A URL with no database is told the name is missing and where it goes."""
    with pytest.raises(InvalidUrlError, match="names no database") as caught:
        parse_url(url)
    assert "postgresql://user@host:port/dbname" in str(caught.value)


@pytest.mark.parametrize("name", ["information_schema", "pg_catalog", "pg_club"])
def test_a_schema_postgresql_keeps_for_itself_is_refused(name: str) -> None:
    """A ledger is never created among PostgreSQL's own tables, or named like them."""
    with pytest.raises(InvalidUrlError, match="PostgreSQL's own schemas"):
        parse_url(f"postgresql://u@h/db?schema={name}")


def test_port_zero_is_refused_not_taken_as_the_default() -> None:
    """':0' names no port; libpq would quietly connect to 5432 instead."""
    with pytest.raises(InvalidUrlError, match="port 0"):
        parse_url("postgresql://u@h:0/db")
    assert parse_url("postgresql://u@h:5433/db").env["POSTGRES_PORT"] == "5433"


@pytest.mark.parametrize(
    ("netloc", "said"),
    [
        ("127.0.0.1:99999", "port 99999 is out of range (1 to 65535)"),
        ("[::1]:70000", "port 70000 is out of range (1 to 65535)"),
        ("127.0.0.1:port", "the port is not a number"),
        ("127.0.0.1:-1", "the port is not a number"),
        ("127.0.0.1:5432:5433", "the port is not a number"),
        ("h1:5432,h2:5433", "the port is not a number"),
    ],
)
def test_a_port_out_of_range_is_not_called_no_number(netloc: str, said: str) -> None:
    """A port past 65535 is refused as out of range; only text is 'not a number'."""
    with pytest.raises(InvalidUrlError) as raised:
        Ledger.open(f"postgresql://u@{netloc}/test", master_key=bytes(32))
    assert str(raised.value).endswith(said)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://alice:s3cret-Pa55@db.example.org/ledgers?schema=",
        "postgresql://alice:s3cret-Pa55@db.example.org:0/ledgers",
        "postgresql://alice:s3cret-Pa55@db.example.org/ledgers?schema=pg_x",
        "postgresql://alice:s3cret-Pa55@db.example.org/ledgers?colour=red",
        "postgresql://alice:s3cret-Pa55@db.example.org:port/ledgers",
    ],
)
def test_a_refused_url_never_shows_its_password(url: str) -> None:
    """The message names the URL with its password as ***, since it goes to logs."""
    with pytest.raises(InvalidUrlError) as raised:
        parse_url(url)
    message = str(raised.value)
    assert "s3cret-Pa55" not in message
    assert "alice:***@db.example.org" in message


@pytest.mark.parametrize("slashes", ["", "/"])
def test_a_url_missing_a_slash_never_shows_its_password(slashes: str) -> None:
    """postgresql:/alice:pw@host (a slash short) is refused without its password."""
    url = f"postgresql:{slashes}alice:s3cret-Pa55@db.example.org/ledgers?sslmode=x"
    with pytest.raises(InvalidUrlError, match="two slashes") as raised:
        parse_url(url)
    message = str(raised.value)
    assert "s3cret-Pa55" not in message
    shown_as = f"postgresql:{slashes}alice:***@db.example.org/ledgers?sslmode=***"
    assert shown_as in message


def test_a_parsed_url_and_its_ledger_config_never_show_the_password() -> None:
    """A parsed URL (a Ledger's config) prints its password as ***, and the rest."""
    config = parse_url("postgresql://alice:s3cret-Pa55@db.example.org/ledgers?schema=s")
    for text in (repr(config), str(config)):
        assert "s3cret-Pa55" not in text
        assert "alice:***@db.example.org/ledgers?schema=s" in text
        assert "'POSTGRES_PASSWORD': '***'" in text
    assert "password='s3cret-Pa55'" in config.postgres_conninfo  # still connects


@given(st.text(alphabet="abcXYZ019-_.~%!$&'()*+,;=:@", min_size=1, max_size=20))
def test_shown_hides_any_password_and_keeps_the_rest(password: str) -> None:
    """Whatever the password holds, shown() removes it and keeps user and host."""
    url = f"postgresql://bob:{password}@h.example/db?schema=s"
    masked = shown(url)
    assert masked == "postgresql://bob:***@h.example/db?schema=s"


@given(st.text(alphabet="abcXYZ019-_.~%!$&'()*+,;=:@/?#", min_size=1, max_size=20))
def test_shown_hides_a_password_holding_what_ends_a_host(password: str) -> None:
    """A password holding "/", "?" or "#" unescaped is still hidden."""
    url = f"postgresql://bob:{password}@h.example/db"
    assert shown(url) == "postgresql://bob:***@h.example/db"


@given(st.text(alphabet="abcXYZ019-_.~%!$'()*+,;=:@/?", min_size=1, max_size=20))
def test_shown_hides_every_query_value_but_the_schema(value: str) -> None:
    """A value in the query (a password libpq would read, say) is shown as ***."""
    url = f"postgresql://bob@h.example/db?schema=s&password={value}&sslmode={value}"
    masked = shown(url)
    assert masked == "postgresql://bob@h.example/db?schema=s&password=***&sslmode=***"


def test_a_refused_url_never_shows_a_password_in_its_query() -> None:
    """The message for an unknown option names the option, never its value."""
    with pytest.raises(InvalidUrlError) as raised:
        parse_url("postgresql://alice@db.example.org/ledgers?password=s3cret-Pa55")
    message = str(raised.value)
    assert "s3cret-Pa55" not in message
    assert "?password=***" in message
    assert "unknown options ['password']" in message


def test_a_refused_url_never_shows_a_query_password_holding_a_hash() -> None:
    """A '#' in a query value hides what follows it too, not only what precedes."""
    with pytest.raises(InvalidUrlError) as raised:
        parse_url("postgresql://alice@db.example.org/ledgers?password=s3cret#Pa55")
    message = str(raised.value)
    assert "s3cret" not in message
    assert "Pa55" not in message


def test_a_ledger_that_cannot_be_opened_does_not_show_the_password(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage failure on open names the URL with its password hidden."""

    def failing(*args: object, **kwargs: object) -> None:
        raise PersistenceError("the events table cannot be made")

    monkeypatch.setattr(_core._LedgerApp, "__init__", failing)
    url = f"postgresql://postgres:s3cret-Pa55@127.0.0.1:5432/test?schema={pg_schema}"
    with pytest.raises(StorageError, match="cannot open the ledger") as raised:
        Ledger.open(url, master_key=bytes(32))
    assert "s3cret-Pa55" not in str(raised.value)
    assert "postgres:***@127.0.0.1" in str(raised.value)


def _local_ports(port: int) -> set[int]:
    """The local ports of this process's TCP connections to *port* on 127.0.0.1."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = str(fd.readlink())
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if inode in inodes and int(remote.split(":")[1], 16) == port:
            ports.add(int(local.split(":")[1], 16))
    return ports


@pytest.mark.postgres
def test_every_connection_a_ledger_makes_carries_the_url_options(
    pg_schema: str,
) -> None:
    """The pool, the key store, the tables and the audit source all pass them on."""
    require_postgres()
    before = _local_ports(5432)
    url = (
        f"postgresql://postgres@127.0.0.1:5432/test?schema={pg_schema}"
        f"&sslmode=disable&application_name={pg_schema}"
    )
    with Ledger.open(url) as ledger:
        ledger.register_member("Ann")
        assert ledger.projections().catch_up() == 1
        assert ledger.verify().size == 1
        ours = _local_ports(5432) - before
        with psycopg.connect(PG_CONNINFO) as conn:
            rows = conn.execute(
                "SELECT client_port, application_name, coalesce(s.ssl, false) "
                "FROM pg_stat_activity LEFT JOIN pg_stat_ssl AS s USING (pid) "
                "WHERE client_port = ANY(%s)",
                [list(ours)],
            ).fetchall()
    assert len(rows) == len(ours) >= 3
    assert {(name, ssl) for _, name, ssl in rows} == {(pg_schema, False)}


@pytest.mark.postgres
def test_a_url_requiring_tls_never_talks_to_the_server_in_clear(
    pg_schema: str,
) -> None:
    """sslmode=require reaches libpq: without TLS on the server, nothing is written."""
    require_postgres()
    url = (
        f"postgresql://postgres@127.0.0.1:5432/test?schema={pg_schema}&sslmode=require"
    )
    with psycopg.connect(PG_CONNINFO) as conn:
        offered = conn.execute("SHOW ssl").fetchone() == ("on",)
    if offered:
        before = _local_ports(5432)
        with Ledger.open(url) as ledger:
            ledger.register_member("Ann")
            ours = list(_local_ports(5432) - before)
            with psycopg.connect(PG_CONNINFO) as conn:
                clear = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity JOIN pg_stat_ssl "
                    "USING (pid) WHERE client_port = ANY(%s) AND NOT ssl",
                    [ours],
                ).fetchone()
        assert ours
        assert clear == (0,)
        return
    with pytest.raises(StorageError, match="SSL"):
        Ledger.open(url)
    with psycopg.connect(PG_CONNINFO) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", [pg_schema]
        ).fetchone()
    assert found is None


@given(
    mode=st.sampled_from(["disable", "require", "verify-full"]),
    root=words,
    name=words,
)
def test_the_connection_string_carries_the_url_options_as_written(
    mode: str, root: str, name: str
) -> None:
    """TLS settings and the application name reach libpq whatever they hold."""
    url = (
        f"postgresql://u@h/db?sslmode={mode}&sslrootcert={quote(root, safe='')}"
        f"&application_name={quote(name, safe='')}"
    )
    found = conninfo_to_dict(parse_url(url).postgres_conninfo)
    assert (found["sslmode"], found["sslrootcert"]) == (mode, root)
    assert found["application_name"] == name


def test_a_plus_in_an_option_is_a_plus_as_libpq_reads_it() -> None:
    """'+' in a query value stays '+' (libpq's reading), not a space (a form's).

    Before, ?sslrootcert=/certs/ca+bundle.pem named /certs/ca bundle.pem.
    """
    url = (
        "postgresql://u@h/db?sslrootcert=/certs/ca+bundle.pem"
        "&application_name=front+desk%2Bback"
    )
    found = conninfo_to_dict(parse_url(url).postgres_conninfo)
    libpq = conninfo_to_dict(url)
    assert found["sslrootcert"] == libpq["sslrootcert"] == "/certs/ca+bundle.pem"
    assert found["application_name"] == libpq["application_name"] == "front+desk+back"


@pytest.mark.parametrize(
    ("query", "refusal"),
    [
        ("sslmode=sometimes", "sslmode must be one of"),
        ("sslmode=", "sslmode= gives no value"),
        ("sslmode=require&sslmode=disable", "sslmode given more than once"),
        ("sslpassword=hunter2", "unknown options"),
    ],
)
def test_a_url_option_libpq_would_misread_is_refused(query: str, refusal: str) -> None:
    """An unknown TLS mode, an empty or repeated option is refused before connecting."""
    with pytest.raises(InvalidUrlError, match=refusal) as caught:
        parse_url(f"postgresql://u@h/db?{query}")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/db?application_name=a%00b",
        "postgresql://u@h/db?sslrootcert=%00",
        "postgresql://u@h/d%00b",
        "postgresql://u%00@h/db",
        "postgresql://u:pass%00word@h/db",
    ],
)
def test_a_percent_encoded_nul_is_refused_as_a_raw_one_is(url: str) -> None:
    """A NUL written as %00 in a URL part libpq takes is an InvalidUrlError."""
    with pytest.raises(InvalidUrlError, match="NUL") as caught:
        parse_url(url)
    assert "pass" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/d\udce9b",
        "postgresql://u:pass\udce9word@h/db",
        "postgresql://\udce9@h/db",
        "postgresql://u@h\udce9/db",
        "postgresql://u@h/db?application_name=a\udce9",
    ],
)
def test_a_url_holding_a_byte_that_is_not_utf8_is_refused(url: str) -> None:
    """A byte a command line read as no UTF-8 (a lone surrogate) is an InvalidUrlError.

    libpq takes UTF-8 text, and psycopg's UnicodeEncodeError escaped untyped
    (a traceback from the command line) for a database name typed in Latin-1.
    """
    with pytest.raises(InvalidUrlError, match="UTF-8") as caught:
        parse_url(url)
    assert "pass" not in str(caught.value)


def test_a_percent_sign_written_as_25_is_no_nul() -> None:
    """%2500 in a database name is the text %00, which libpq takes."""
    assert parse_url("postgresql://u@h/d%2500b").env["POSTGRES_DBNAME"] == "d%00b"


@pytest.mark.parametrize(
    ("netloc", "host"),
    [
        ("u@%2Fsrv%2FPostgreSQL", "/srv/PostgreSQL"),
        ("%2Fvar%2Frun%2Fpostgresql:5433", "/var/run/postgresql"),
        ("u:p@db.example", "db.example"),
        ("u@[::1]:5433", "::1"),
    ],
)
def test_a_socket_folder_written_percent_encoded_reaches_libpq_as_a_path(
    netloc: str, host: str
) -> None:
    """A host of %2F... names the server's socket folder, as libpq reads the URL."""
    found = conninfo_to_dict(parse_url(f"postgresql://{netloc}/db").postgres_conninfo)
    assert found["host"] == host


def test_a_url_leaving_out_user_host_and_port_gets_the_documented_defaults() -> None:
    """postgresql:///db connects as postgres to 127.0.0.1:5432, as api.md says."""
    found = conninfo_to_dict(parse_url("postgresql:///db").postgres_conninfo)
    assert (found["user"], found["host"], found["port"]) == (
        "postgres",
        "127.0.0.1",
        "5432",
    )
