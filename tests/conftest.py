"""Shared fixtures: a ledger on each backend, Hypothesis profiles, test schemas."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg_pool.base
import pytest
from hypothesis import HealthCheck, settings
from psycopg import sql

from coledger import Ledger
from coledger.demo import record_year
from coledger.privacy import encode_master_key
from coledger.projections.report import PowerSharingReport
from coledger.storage import PG_EVENTS_TABLE

# psycopg_pool's worker threads jitter connection lifetimes with the global
# random module while they fill a new pool. Hypothesis fails a test whose
# global random state changes while it draws an example, so a PostgreSQL
# ledger opened just before a property test could fail it at random (seen
# under load). The pool gets a generator of its own; the jitter is the same.
psycopg_pool.base.random = random.Random().random  # type: ignore[attr-defined]

TEST_MASTER_KEY = bytes(range(32))
# Ledgers opened without master_key= read it from the environment, as a host would.
os.environ["COLEDGER_MASTER_KEY"] = encode_master_key(TEST_MASTER_KEY)

PG_BASE = os.environ.get(
    "COLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test"
)
PG_CONNINFO = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    max_examples=60,
    derandomize=True,
    print_blob=True,
)
settings.register_profile(
    "deep",
    settings.get_profile("default"),
    max_examples=1000,
    stateful_step_count=80,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if IN_CI else "default")
)

BACKENDS = ("memory", "sqlite", "postgres")


def postgres_available() -> bool:
    """Whether the test PostgreSQL server answers."""
    try:
        with psycopg.connect(PG_CONNINFO):
            return True
    except psycopg.OperationalError:
        return False


def require_postgres() -> None:
    """Skip without PostgreSQL, except in CI, where its absence is a failure."""
    if postgres_available():
        return
    message = "PostgreSQL is not answering on 127.0.0.1:5432"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: PostgreSQL tests must run)")
    pytest.skip(message)


def with_password(url: str, password: str) -> tuple[str, str]:
    """*url* holding a password, and that password (its own, if it had one).

    Under trust auth any password gets in; a URL that names its own password
    keeps it, so that the check for a hidden password always has one to find.
    """
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user, at, host = parts.netloc.rpartition("@")
    assert at, f"{url} names no user to give a password"
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}")), password


def drop_schema(schema: str) -> None:
    """Remove a test schema and everything in it."""
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema name, dropped after the test."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield schema
    drop_schema(schema)


def as_role(role: str, schema: str) -> str:
    """The test server's URL for *schema*, connecting as *role*."""
    parts = urlsplit(PG_BASE)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}", query=f"schema={schema}"))


@pytest.fixture
def schema_owner(pg_schema: str) -> Iterator[str]:
    """A new login role that owns *pg_schema*, made now; both dropped afterwards."""
    role = f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(
            sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(
                sql.Identifier(pg_schema), sql.Identifier(role)
            )
        )
    try:
        yield role
    finally:
        drop_schema(pg_schema)
        with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def spend_a_position(schema: str) -> None:
    """Take a notification id and give it back, as a rolled-back insert does."""
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        table = f"{schema}.{PG_EVENTS_TABLE}"
        conn.execute(
            sql.SQL(
                "SELECT nextval(pg_get_serial_sequence({}, 'notification_id'))"
            ).format(sql.Literal(table))
        )


def url_for(backend: str, tmp_path: Path, schema: str | None = None) -> str:
    """A storage URL for *backend* that no other test uses."""
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    assert schema is not None
    return f"{PG_BASE}?schema={schema}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each storage backend in turn."""
    name: str = request.param
    return name


@pytest.fixture
def ledger_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh storage URL on the current backend."""
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    return url_for(backend, tmp_path, schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL that two Ledger objects (two processes, in effect) open at once."""
    schema = None
    if request.param == "postgres":
        schema = request.getfixturevalue("pg_schema")
    return url_for(request.param, tmp_path, schema)


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """A fresh, empty ledger on each backend in turn."""
    opened = Ledger.open(ledger_url)
    yield opened
    opened.close()


@pytest.fixture
def memory_ledger() -> Iterator[Ledger]:
    """A fresh in-memory ledger, for tests about logic rather than storage."""
    opened = Ledger.open("memory://")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_ledger() -> Iterator[Ledger]:
    """An in-memory ledger holding the demo's year (shared, read-only, by tests)."""
    opened = Ledger.open("memory://")
    record_year(opened)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_report(demo_ledger: Ledger) -> PowerSharingReport:
    """The whole-ledger power-sharing report of the demo year."""
    return demo_ledger.power_sharing()


@pytest.fixture(scope="session")
def demo_names(demo_ledger: Ledger) -> dict[str, str]:
    """Proposal titles by id, as a host would pass them to render."""
    return {str(p.id): p.title for p in demo_ledger.proposals()}
