"""Reports read from the projection tables as they stand, without catching up."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from coledger import InvalidInputError, Ledger, NotMaterialisedError, StorageError
from coledger.demo import record_year
from coledger.projections.materialise import DATA_TABLES, comparable, scope_query
from conftest import PG_CONNINFO
from helpers import propose_on_the_latest_day


def test_without_catching_up_the_tables_are_read_as_they_stand(
    tmp_path: Path,
) -> None:
    """catch_up=False reads the last caught-up position, however far the ledger is."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as ledger:
        record_year(ledger)
        kept = ledger.power_sharing(materialised=True)
        propose_on_the_latest_day(ledger)
        stale = ledger.power_sharing(materialised=True, catch_up=False)
        assert stale.as_of == kept.as_of == ledger.position - 1
        assert comparable(stale) == comparable(kept)
        assert ledger.projections().tables.position() == kept.as_of
        fresh = ledger.power_sharing(materialised=True)
        assert fresh.as_of == ledger.position
    with Ledger.open(url) as reopened:  # another process, with nothing folded
        read = reopened.power_sharing(materialised=True, catch_up=False)
        assert comparable(read) == comparable(fresh)
        assert reopened.projections()._facts.position == 0  # it folded nothing


def test_tables_never_built_are_refused_and_not_created(tmp_path: Path) -> None:
    """Asking to read tables nobody built raises NotMaterialisedError and makes none."""
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        ledger.register_member("Ana Example")
        with pytest.raises(NotMaterialisedError, match="coledger rebuild"):
            ledger.power_sharing(materialised=True, catch_up=False)
    with sqlite3.connect(db) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert names.isdisjoint({"coledger_tracking", *DATA_TABLES})


def test_in_memory_tables_are_read_once_built() -> None:
    """An in-memory ledger's tables can be read without catching up once built."""
    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        with pytest.raises(NotMaterialisedError):
            ledger.power_sharing(materialised=True, catch_up=False)
        built = ledger.power_sharing(materialised=True)
        propose_on_the_latest_day(ledger)
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert read.as_of == built.as_of < ledger.position


def test_a_scope_newer_than_the_tables_is_refused_as_behind(tmp_path: Path) -> None:
    """A body recorded after the tables' position is refused as not caught up yet."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        admin = ledger.register_member("Ana Example")
        ledger.projections().catch_up()
        board = ledger.establish_body("Board", kind="governance", by=admin)
        with pytest.raises(NotMaterialisedError, match="stand at event 1, from before"):
            ledger.power_sharing(body=board, materialised=True, catch_up=False)
        assert ledger.power_sharing(body=board, materialised=True).as_of == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"materialised": True, "catch_up": "no"}, "catch_up must be True or False"),
        ({"materialised": True, "catch_up": 0}, "catch_up must be True or False"),
        ({"catch_up": False}, "needs materialised=True"),
    ],
)
def test_catch_up_must_be_a_bool_beside_materialised(
    kwargs: dict[str, object], match: str
) -> None:
    """A catch_up that is not a bool, or without materialised=True, is refused."""
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ana Example")
        with pytest.raises(InvalidInputError, match=match):
            ledger.power_sharing(**kwargs)  # type: ignore[arg-type]
        assert not ledger._projectors


def test_tables_list_processes_and_decisions_in_the_folds_order(
    ledger_url: str,
) -> None:
    """Read from the tables, every scope's report equals the folded one, order too."""
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()
        scopes: list[tuple[UUID | None, UUID | None]] = [
            (None, None),
            *((b.id, None) for b in ledger.bodies()),
            *((None, p.id) for p in ledger.projects()),
        ]
        for body, project in scopes:
            read = ledger.power_sharing(
                body=body, project=project, materialised=True, catch_up=False
            )
            folded = ledger.power_sharing(body=body, project=project)
            assert read.to_json() == folded.to_json(), (body, project)


OLD_LADDER = (
    "CREATE TABLE coledger_ladder (scope_kind TEXT NOT NULL, scope_id TEXT NOT NULL, "
    "unit TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, rung TEXT NOT NULL, "
    "level INT NOT NULL, flags TEXT NOT NULL, evidence TEXT NOT NULL, "
    "PRIMARY KEY (scope_kind, scope_id, unit, id))"
)
"""The ladder table as releases before the ``ordinal`` column made it."""


def _run_sql(url: str, schema: str | None, statements: list[str]) -> None:
    """Run *statements* in a SQLite ledger file, or in a PostgreSQL schema."""
    if schema is None:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            for statement in statements:
                conn.execute(statement)
        return
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for statement in statements:
            conn.execute(statement)


OLD_FIGURES = (
    "CREATE TABLE coledger_figures (scope_kind TEXT NOT NULL, "
    "scope_id TEXT NOT NULL, code TEXT NOT NULL, value DOUBLE PRECISION, "
    "n BIGINT NOT NULL, coverage DOUBLE PRECISION, band TEXT, note TEXT, "
    "PRIMARY KEY (scope_kind, scope_id, code))"
)
"""The figures table as releases before the ``people`` column made it."""

OLD_TABLES = {
    "ladder without ordinal": [
        OLD_LADDER,
        (
            "INSERT INTO coledger_ladder VALUES "
            "('ledger', '', 'body', 'x', 'Old', 'NONE', 0, '[]', '{}')"
        ),
    ],
    "figures without people": [
        OLD_FIGURES,
        "INSERT INTO coledger_figures VALUES ('ledger', '', 'D1', 1, 40, 1, 'x', '')",
    ],
}


@pytest.mark.parametrize("old", sorted(OLD_TABLES))
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tables_from_before_their_latest_column_are_made_again(
    ledger_url: str, backend: str, old: str
) -> None:
    """Tables an earlier release made are dropped, remade and filled on catch-up."""
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
    _run_sql(
        ledger_url,
        schema,
        [
            *OLD_TABLES[old],
            "CREATE TABLE coledger_tracking (name TEXT PRIMARY KEY, position BIGINT)",
            "INSERT INTO coledger_tracking VALUES ('power_sharing/x', 7)",
        ],
    )
    with Ledger.open(ledger_url) as ledger:
        with pytest.raises(NotMaterialisedError):
            ledger.power_sharing(materialised=True, catch_up=False)
        read = ledger.power_sharing(materialised=True)
        assert read.to_json() == ledger.power_sharing().to_json()
        tables = ledger.projections().tables
        assert tables.read(read.scope)[0] == ledger.position


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tables_with_a_column_a_later_release_added_are_kept_and_filled(
    ledger_url: str, backend: str
) -> None:
    """Back on this release after a newer one added a column, the tables still work.

    The newer release's column is left empty (NULL) in the rows this one
    writes, rather than every catch-up failing on a count of values.
    """
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()
    _run_sql(
        ledger_url,
        schema,
        [f"ALTER TABLE {table} ADD COLUMN later TEXT" for table in DATA_TABLES],
    )
    with Ledger.open(ledger_url) as ledger:
        ledger.projections().rebuild()
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert read.to_json() == ledger.power_sharing().to_json()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_tracking_table_with_a_column_a_later_release_added_is_kept(
    ledger_url: str, backend: str
) -> None:
    """The tracking row is written by its columns' names, as the data rows are.

    Otherwise a later release's column in ``coledger_tracking`` would fail
    every catch-up of this one on a count of values.
    """
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()
    _run_sql(
        ledger_url, schema, ["ALTER TABLE coledger_tracking ADD COLUMN later TEXT"]
    )
    with Ledger.open(ledger_url) as ledger:
        propose_on_the_latest_day(ledger)
        read = ledger.power_sharing(materialised=True)
        assert read.as_of == ledger.position
        assert comparable(read) == comparable(ledger.power_sharing())
        assert ledger.projections().rebuild() == ledger.position


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_tracking_table_from_before_key_generation_gains_it_and_rewrites_all(
    ledger_url: str, backend: str
) -> None:
    """Rows of unknown keys are kept for reading, then all rewritten on catch-up.

    Tables from before the tracking row kept the key store's count of
    destructions, or written since by such a release, may hold figures read
    under keys destroyed afterwards: the next catch-up works out every scope.
    """
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        right = ledger.power_sharing(materialised=True)
    _run_sql(
        ledger_url,
        schema,
        [
            "ALTER TABLE coledger_tracking DROP COLUMN key_generation",
            "UPDATE coledger_figures SET value = 0.125 WHERE code = 'R1'",
        ],
    )
    with Ledger.open(ledger_url) as ledger:
        tables = ledger.projections().tables
        assert tables.tracked() == (right.as_of, None)  # the column is back, empty
        kept = ledger.power_sharing(materialised=True, catch_up=False)
        assert kept.indicators["R1"].value == 0.125  # rows kept until the catch-up
        assert ledger.projections().catch_up() == 0  # no event, yet all rewritten
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert comparable(read) == comparable(right)
        assert tables.tracked().keys is not None


LATER_FIGURES = (
    "CREATE TABLE coledger_figures (later TEXT, groups TEXT, people BIGINT, "
    "note TEXT, "
    "band TEXT, coverage DOUBLE PRECISION, n BIGINT NOT NULL, "
    "value DOUBLE PRECISION, code TEXT NOT NULL, scope_id TEXT NOT NULL, "
    "scope_kind TEXT NOT NULL, PRIMARY KEY (scope_kind, scope_id, code))"
)
"""The figures table as an imagined later release might remake it: reordered."""


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tables_remade_by_a_later_release_under_a_live_connection_are_filled(
    ledger_url: str, backend: str
) -> None:
    """Staged rows of a connection that outlives a remake still land by name.

    The connection's staged tables were made, by an earlier catch-up, from
    the figures table as it then was; another process then remakes that
    table with its columns in another order and one more.
    """
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()  # stages on this connection
        _run_sql(
            ledger_url,
            schema,
            [
                "DROP TABLE coledger_figures",
                LATER_FIGURES,
                "DELETE FROM coledger_tracking",
            ],
        )
        propose_on_the_latest_day(ledger)
        ledger.projections().rebuild()  # the same connection, its staged tables
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert comparable(read) == comparable(ledger.power_sharing())


def test_tables_of_an_empty_ledger_say_there_is_nothing_yet(tmp_path: Path) -> None:
    """An empty ledger's tables, even rebuilt, are refused as empty, not as unbuilt."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        assert ledger.projections().rebuild() == 0
        with pytest.raises(NotMaterialisedError, match="no events yet") as refused:
            ledger.power_sharing(materialised=True, catch_up=False)
        assert "rebuild" not in str(refused.value)
        assert ledger.power_sharing(materialised=True).as_of == 0


ORDER_INDEXES = {"coledger_ladder_order", "coledger_decision_tags_order"}
"""The indexes that let a report read its scope's rows in order."""


def _indexes(url: str, schema: str | None) -> set[str]:
    """The names of the indexes in a SQLite ledger file or PostgreSQL schema."""
    if schema is None:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            return {row[0] for row in rows}
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        found = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,)
        )
        return {row[0] for row in found}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_tables_made_before_the_order_indexes_gain_them_when_opened(
    ledger_url: str, backend: str
) -> None:
    """Tables an earlier release made without the order indexes get them, rows kept."""
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        before = ledger.power_sharing(materialised=True)
    assert _indexes(ledger_url, schema) >= ORDER_INDEXES
    _run_sql(ledger_url, schema, [f"DROP INDEX {name}" for name in ORDER_INDEXES])
    assert not ORDER_INDEXES & _indexes(ledger_url, schema)
    with Ledger.open(ledger_url) as ledger:
        read = ledger.power_sharing(materialised=True, catch_up=False)
        assert comparable(read) == comparable(before)
    assert _indexes(ledger_url, schema) >= ORDER_INDEXES


def test_a_scope_s_rows_are_read_in_order_without_sorting(tmp_path: Path) -> None:
    """SQLite walks one scope's rows of each table in report order, sorting none."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        for table in DATA_TABLES:
            plan = conn.execute(
                f"EXPLAIN QUERY PLAN {scope_query(table, '?')}", ("ledger", "")
            ).fetchall()
            steps = " / ".join(str(row[-1]) for row in plan)
            assert "USING INDEX" in steps, steps
            assert "TEMP B-TREE" not in steps, steps


@pytest.mark.parametrize(
    ("table", "column", "forged"),
    [
        ("coledger_figures", "n", "many"),
        ("coledger_figures", "value", "half"),
        ("coledger_figures", "value", "9e999"),
        ("coledger_figures", "coverage", "-9e999"),
        ("coledger_figures", "people", "x"),
        ("coledger_ladder", "level", "high"),
        ("coledger_ladder", "evidence", "not json"),
        ("coledger_ladder", "flags", "[1, "),
    ],
)
def test_a_row_edited_past_reading_is_a_storage_error_naming_the_remedy(
    tmp_path: Path, table: str, column: str, forged: str
) -> None:
    """A hand-edited value the tables cannot hold is a StorageError, not a crash."""
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as ledger:
        record_year(ledger)
        ledger.power_sharing(materialised=True)
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"UPDATE {table} SET {column} = ? WHERE scope_kind = 'ledger'",  # noqa: S608 (the test's own names)
            (forged,),
        )
    with (
        Ledger.open(url) as ledger,
        pytest.raises(StorageError, match=f"{table}.*coledger rebuild"),
    ):
        ledger.power_sharing(materialised=True, catch_up=False)


@pytest.mark.parametrize("column", ["position", "key_generation"])
@pytest.mark.parametrize("remedy", ["catch_up", "rebuild"])
def test_a_tracking_row_edited_past_reading_is_written_afresh(
    tmp_path: Path, column: str, remedy: str
) -> None:
    """A hand-edited tracking value is no crash: a catch-up or rebuild rewrites all."""
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as ledger:
        record_year(ledger)
        right = comparable(ledger.power_sharing(materialised=True))
    with sqlite3.connect(db) as conn:
        conn.execute(f"UPDATE coledger_tracking SET {column} = 'x'")  # noqa: S608 (the test's own names)
    with Ledger.open(url) as ledger:
        if column == "position":
            with pytest.raises(NotMaterialisedError, match="coledger rebuild"):
                ledger.power_sharing(materialised=True, catch_up=False)
        if remedy == "rebuild":
            assert ledger.projections().rebuild() == ledger.position
        else:
            assert comparable(ledger.power_sharing(materialised=True)) == right
        assert ledger.projections().tables.tracked() == (
            ledger.position,
            ledger._key_generation(),
        )
        assert (
            comparable(ledger.power_sharing(materialised=True, catch_up=False)) == right
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("live", [False, True], ids=["reopened", "live"])
def test_a_data_table_lost_beside_its_tracking_is_filled_for_every_scope(
    ledger_url: str, backend: str, live: bool
) -> None:
    """A data table made again beside a kept tracking row gets every scope's rows."""
    schema = ledger_url.partition("schema=")[2] or None
    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        ledger.projections().catch_up()
        if live:  # under the projector's own connection
            _run_sql(ledger_url, schema, ["DROP TABLE coledger_ladder"])
            propose_on_the_latest_day(ledger)
            ledger.projections().catch_up()
    if not live:
        _run_sql(ledger_url, schema, ["DROP TABLE coledger_ladder"])
    with Ledger.open(ledger_url) as ledger:
        if not live:
            propose_on_the_latest_day(ledger)
            ledger.projections().catch_up()
        for body in ledger.bodies():
            read = ledger.power_sharing(body=body.id, materialised=True, catch_up=False)
            assert comparable(read) == comparable(ledger.power_sharing(body=body.id))
