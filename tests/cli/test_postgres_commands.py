"""The commands on a PostgreSQL ledger named by ``?schema=``."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from cli_helpers import run
from coledger import Ledger
from conftest import (
    PG_BASE,
    PG_CONNINFO,
    TEST_MASTER_KEY,
    spend_a_position,
    with_password,
)

READING_COMMANDS = (
    ["report"],
    ["history", "--proposal", "00000000-0000-0000-0000-000000000000"],
    ["rebuild"],
    ["erasure-audit"],
    ["erase", "--reapply"],
    ["verify"],
    ["export", "--out", "x.jsonl"],
)


def schema_exists(schema: str) -> bool:
    """Whether the PostgreSQL schema is there at all."""
    with psycopg.connect(PG_CONNINFO) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)
        ).fetchone()
    return found is not None


@pytest.mark.parametrize("command", READING_COMMANDS, ids=lambda c: c[0])
def test_a_mistyped_schema_is_refused_and_not_created(
    command: list[str], pg_schema: str, tmp_path: Path
) -> None:
    """A reading command on a schema with no ledger exits 2 and creates nothing."""
    result = run(*command, "--db", f"{PG_BASE}?schema={pg_schema}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert f"schema {pg_schema} holds no ledger's events" in result.stderr
    assert "check --db" in result.stderr
    assert not schema_exists(pg_schema)
    assert list(tmp_path.iterdir()) == []


def test_a_schema_without_a_ledger_gains_no_tables(
    pg_schema: str, tmp_path: Path
) -> None:
    """A schema that holds other tables is refused and left as it was."""
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{pg_schema}"')
        conn.execute(f'CREATE TABLE "{pg_schema}".notes (x int)')
    result = run("report", "--db", f"{PG_BASE}?schema={pg_schema}", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    with psycopg.connect(PG_CONNINFO) as conn:
        names = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_schema,),
        ).fetchall()
    assert names == [("notes",)]


def test_a_schema_holding_a_ledger_is_read(pg_schema: str, tmp_path: Path) -> None:
    """The check lets a real ledger through: demo, then report and verify it."""
    url = f"{PG_BASE}?schema={pg_schema}"
    assert run("demo", "--db", url, "--json", cwd=tmp_path).returncode == 0
    report = run("report", "--db", url, "--audience", "public", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert run("verify", "--db", url, cwd=tmp_path).returncode == 3  # PARTIAL


def test_demo_on_a_schema_holding_events_is_refused_in_words_for_a_schema(
    pg_schema: str, tmp_path: Path
) -> None:
    """A second demo on a schema names the schema, not a file, and hides a password."""
    url, password = with_password(f"{PG_BASE}?schema={pg_schema}", "pw1")
    assert run("demo", "--db", url, "--json", cwd=tmp_path).returncode == 0
    again = run("demo", "--db", url, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (1, "")
    assert password not in again.stderr
    assert f"{urlsplit(url).username}:***@" in again.stderr
    assert "remove the file" not in again.stderr
    assert f"name a new schema with ?schema= (this is {pg_schema})" in again.stderr


def test_demo_summary_hides_the_password_of_its_url(
    pg_schema: str, tmp_path: Path
) -> None:
    """The demo's summary names the ledger it wrote with its password as ***."""
    url, password = with_password(f"{PG_BASE}?schema={pg_schema}", "pw1")
    result = run("demo", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert password not in result.stdout
    assert f"postgresql://{urlsplit(url).username}:***@" in result.stdout


def test_demo_on_a_schema_with_a_gap_in_its_positions_counts_its_events(
    pg_schema: str, tmp_path: Path
) -> None:
    """Refusing a schema that holds events counts them, not its last position."""
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana")
        spend_a_position(pg_schema)
        ledger.register_member("Ben")
        assert ledger.position == 3
    again = run("demo", "--db", url, cwd=tmp_path)
    assert (again.returncode, again.stdout) == (1, "")
    assert "already holds 2 events;" in again.stderr


def test_audit_copy_refusing_a_schema_hides_its_password(
    pg_schema: str, tmp_path: Path
) -> None:
    """audit-copy's refusal of a PostgreSQL ledger shows its URL's password as ***."""
    url, password = with_password(f"{PG_BASE}?schema={pg_schema}", "pw1")
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana")
    refused = run("audit-copy", "--db", url, "--out", "copy.db", cwd=tmp_path)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert password not in refused.stderr
    assert f"{urlsplit(url).username}:***@" in refused.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["demo"], ["import", "year.jsonl"]])
def test_a_schema_with_its_key_store_and_no_key_given_asks_for_its_key(
    command: list[str], pg_schema: str, tmp_path: Path
) -> None:
    """With no key at all, a schema's own key store is said to need one, none made."""
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY):
        pass  # an empty ledger, with the key store its key opens
    (tmp_path / "year.jsonl").write_text(
        '{"format": "coledger-export", "version": 1, "events": 0}\n'
    )
    result = run(*command, "--db", url, cwd=tmp_path, env={"COLEDGER_MASTER_KEY": ""})
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert result.stderr.startswith("coledger: no master key: "), result.stderr
    assert "does not open" not in result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"year.jsonl"}


def ledger_without(pg_schema: str, tmp_path: Path, *tables: str) -> str:
    """The URL of a one-member ledger in *pg_schema* whose *tables* were dropped.

    An empty export, year.jsonl, is written in *tmp_path* for import to name.
    """
    url = f"{PG_BASE}?schema={pg_schema}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana")
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        for table in tables:
            conn.execute(f'DROP TABLE "{pg_schema}".{table} CASCADE')
    (tmp_path / "year.jsonl").write_text(
        '{"format": "coledger-export", "version": 1, "events": 0}\n'
    )
    return url


@pytest.mark.parametrize("command", [["demo"], ["import", "year.jsonl"]])
def test_a_schema_that_lost_its_events_is_named_so_with_no_key_given(
    command: list[str], pg_schema: str, tmp_path: Path
) -> None:
    """With no key at all, a schema whose events table is gone is refused as that."""
    url = ledger_without(pg_schema, tmp_path, "coledger_events")
    result = run(*command, "--db", url, cwd=tmp_path, env={"COLEDGER_MASTER_KEY": ""})
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert "its events table is gone" in result.stderr, result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"year.jsonl"}


@pytest.mark.parametrize(
    "command", [["verify"], ["report"], ["demo"], ["import", "year.jsonl"]]
)
def test_a_schema_that_lost_its_whole_log_is_named_so(
    command: list[str], pg_schema: str, tmp_path: Path
) -> None:
    """Events and leaves dropped beside the checkpoints: the log is gone, not --db."""
    url = ledger_without(pg_schema, tmp_path, "coledger_leaves", "coledger_events")
    result = run(*command, "--db", url, cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert "its events table and its leaf table" in result.stderr, result.stderr
    assert "check --db" not in result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"year.jsonl"}
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        assert not conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename IN "
            "('coledger_events', 'coledger_leaves')",
            (pg_schema,),
        ).fetchall()
