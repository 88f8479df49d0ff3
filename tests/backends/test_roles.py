"""Each organisation on a server may have a PostgreSQL role of its own."""

from __future__ import annotations

import gc
import uuid
import warnings
from typing import Any

import psycopg
import pytest
from psycopg import sql

from coledger import Ledger, StorageError
from coledger.projections import materialise
from conftest import PG_BASE, PG_CONNINFO, TEST_MASTER_KEY, as_role

pytestmark = pytest.mark.postgres


@pytest.fixture
def organisation(pg_schema: str, schema_owner: str) -> tuple[str, str]:
    """A role that owns *pg_schema* and may not create schemas: (role, schema)."""
    return schema_owner, pg_schema


def test_an_organisation_role_that_owns_its_schema_can_keep_its_ledger(
    organisation: tuple[str, str],
) -> None:
    """A role without the right to create schemas opens, writes and reports."""
    role, schema = organisation
    with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
        assert not admin.execute(
            "SELECT has_database_privilege(%s, current_database(), 'CREATE')", (role,)
        ).fetchone()[0]  # type: ignore[index]
    with Ledger.open(as_role(role, schema), master_key=TEST_MASTER_KEY) as ledger:
        ann = ledger.register_member("Ann")
        assert ledger.member(ann).name == "Ann"
        assert ledger.power_sharing(materialised=True).as_of == ledger.position == 1


def test_another_organisations_role_is_refused_and_writes_nothing(
    organisation: tuple[str, str], pg_schema: str
) -> None:
    """Opening one organisation's schema as another's role is a StorageError.

    It leaves no connection open behind it, and the ledger as it was.
    """
    role, schema = organisation
    with Ledger.open(as_role(role, schema), master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ann")
    stranger = f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(stranger)))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(StorageError, match="permission denied"):
                Ledger.open(as_role(stranger, schema), master_key=TEST_MASTER_KEY)
            gc.collect()
        assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    finally:
        with psycopg.connect(PG_CONNINFO, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(stranger)))
    with Ledger.open(as_role(role, schema), master_key=TEST_MASTER_KEY) as ledger:
        assert [m.name for m in ledger.members()] == ["Ann"]


def test_projection_tables_that_cannot_be_created_leave_no_connection_open(
    pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal while creating the tables closes the connection made for them."""
    opened: list[psycopg.Connection[Any]] = []
    real_connect = materialise.SQLTables._connect

    def connect(self: materialise.SQLTables) -> Any:
        opened.append(real_connect(self))
        return opened[-1]

    def create(self: materialise.SQLTables) -> None:
        raise psycopg.errors.InsufficientPrivilege("permission denied for schema")

    monkeypatch.setattr(materialise.SQLTables, "_connect", connect)
    monkeypatch.setattr(materialise.SQLTables, "_create", create)
    refused = pytest.raises(StorageError, match="cannot open the projection tables")
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger, refused:
        ledger.projections()
    assert len(opened) == 1
    assert opened[0].closed
