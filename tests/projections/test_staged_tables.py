"""The projection tables stage new rows, then swap them in with the position."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from coledger import Ledger
from coledger.projections import materialise
from coledger.projections.lens import Scope
from coledger.projections.materialise import (
    DATA_TABLES,
    MemoryTables,
    Rows,
    SQLTables,
    Tables,
    TablesMovedError,
    Tracked,
)
from coledger.storage import parse_url
from conftest import url_for


def _figures(scope_id: str, codes: range) -> Rows:
    """One scope's rows: a figure per code and nothing in the other tables."""
    return {
        "coledger_figures": [
            (
                "body",
                scope_id,
                f"C{code}",
                code / 10,
                code,
                None,
                None,
                None,
                None,
                None,
            )
            for code in codes
        ]
    }


def _ladder(scope_id: str, name: str) -> Rows:
    """One scope's ladder: a single process, named *name*."""
    return {
        "coledger_ladder": [
            ("body", scope_id, "body", "p", name, "NONE", 0, "[]", "{}", 0)
        ]
    }


def _ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh ledger on the parametrised backend, its own tables laid out."""
    kind: str = request.param
    schema = request.getfixturevalue("pg_schema") if kind == "postgres" else None
    url = url_for(kind, tmp_path, schema)
    with Ledger.open(url):  # lays out the ledger's own tables first
        pass
    return url


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def tables(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Tables, str]]:
    """Projection tables on each backend, with the ledger URL they live beside."""
    url = _ledger_url(request, tmp_path)
    if url.startswith("memory"):
        yield MemoryTables(), url
        return
    opened = SQLTables(parse_url(url))
    yield opened, url
    opened.close()


def _figure_rows(store: Tables, scope_id: str) -> list[tuple[Any, ...]]:
    """The figure rows of one made-up body scope."""
    return store.read(Scope("body", scope_id))[1]["coledger_figures"]  # type: ignore[arg-type]


def _nothing_held(store: Tables, url: str) -> None:
    """Raise unless the ledger's database is free for others to write to now.

    On SQLite another connection commits (it would time out behind a write
    lock); on PostgreSQL the tables' own connection must have no transaction
    open.
    """
    if url.startswith("sqlite"):
        path = parse_url(url).path
        assert path is not None
        with sqlite3.connect(path, timeout=0.2) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
            conn.execute("INSERT INTO probe VALUES (1)")
    elif url.startswith("postgresql"):
        own: Any = store._conn  # type: ignore[attr-defined]
        assert own.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_batches_many_times_the_stage_size_all_arrive(
    tables: tuple[Tables, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows staged in many small writes are swapped in whole, with the position."""
    store, _ = tables
    monkeypatch.setattr(materialise, "STAGE_BATCH", 7)
    store.replace(5, (_figures(f"s{n}", range(n % 4 + 1)) for n in range(30)))
    assert store.position() == 5
    for n in (0, 13, 29):
        rows = _figure_rows(store, f"s{n}")
        assert [r[2] for r in rows] == [f"C{c}" for c in range(n % 4 + 1)]


def test_working_out_rows_holds_no_lock_on_the_ledger(
    tables: tuple[Tables, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No lock or transaction is held on the ledger while the rows are worked out."""
    store, url = tables
    monkeypatch.setattr(materialise, "STAGE_BATCH", 1)  # stage each batch at once
    committed: list[str] = []
    read: list[int] = []

    def batches() -> Iterator[Rows]:
        yield _figures("a", range(3))
        yield _figures("c", range(1))  # by now "a" is in the temporary tables
        _nothing_held(store, url)
        committed.append("beside")
        reader = threading.Thread(target=lambda: read.append(store.position()))
        reader.start()
        reader.join(5)  # a reader of the tables is not held up either
        yield _figures("b", range(2))

    store.replace(9, batches())
    assert committed == ["beside"]
    assert read == [0]  # the old position, read while the new rows were staged
    assert len(_figure_rows(store, "b")) == 2


def test_a_failure_while_working_out_rows_keeps_the_old_tables(
    tables: tuple[Tables, str],
) -> None:
    """Nothing staged reaches the tables when the rows cannot all be worked out."""
    store, _ = tables
    store.replace(3, [_figures("old", range(2))])

    def failing() -> Iterator[Rows]:
        yield _figures("new", range(5))
        raise RuntimeError("a figure failed")

    with pytest.raises(RuntimeError, match="a figure failed"):
        store.replace(4, failing(), None)
    assert store.position() == 3
    assert len(_figure_rows(store, "old")) == 2
    assert _figure_rows(store, "new") == []
    store.replace(6, [_figures("new", range(1))], {("body", "new")})
    assert store.position() == 6
    assert len(_figure_rows(store, "old")) == 2
    assert len(_figure_rows(store, "new")) == 1


def test_staged_rows_are_cleared_after_the_swap(tmp_path: Path) -> None:
    """The temporary tables hold nothing once the rows are in place."""
    url = url_for("sqlite", tmp_path)
    with Ledger.open(url):
        pass
    store = SQLTables(parse_url(url))
    try:
        store.replace(2, [_figures("x", range(4))])
        conn: Any = store._conn
        for table in DATA_TABLES:
            (left,) = conn.execute(
                f"SELECT count(*) FROM {materialise.STAGED}{table}"  # noqa: S608 (fixed names)
            ).fetchone()
            assert left == 0
    finally:
        store.close()


def test_a_swap_from_a_moved_position_writes_nothing(
    tables: tuple[Tables, str],
) -> None:
    """A swap that expected another position is refused whole and the tables stay."""
    store, _ = tables
    store.replace(3, [_figures("old", range(2))], keys=0)
    with pytest.raises(TablesMovedError, match="from 2 to 3"):
        store.replace(
            5, [_figures("old", range(4))], {("body", "old")}, expected=Tracked(2, 0)
        )
    assert store.tracked() == (3, 0)
    assert len(_figure_rows(store, "old")) == 2
    store.replace(
        5,
        [_figures("old", range(4))],
        {("body", "old")},
        keys=1,
        expected=Tracked(3, 0),
    )
    assert store.tracked() == (5, 1)
    assert len(_figure_rows(store, "old")) == 4


@pytest.fixture(params=["sqlite", "postgres"])
def two_tables(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[SQLTables, SQLTables]]:
    """Two connections to the same projection tables, as two processes would hold."""
    url = _ledger_url(request, tmp_path)
    first, second = SQLTables(parse_url(url)), SQLTables(parse_url(url))
    yield first, second
    first.close()
    second.close()


def test_overlapping_swaps_of_the_same_rows_both_land(
    two_tables: tuple[SQLTables, SQLTables],
) -> None:
    """A swap that starts while another is committing waits, then replaces its rows."""
    first, second = two_tables
    first.replace(1, [_figures("x", range(3))])
    swapping = threading.Event()
    real_swap = first._swap

    def slow_swap(*args: Any) -> None:
        real_swap(*args)
        swapping.set()  # deleted and inserted, not yet committed
        time.sleep(0.5)

    first._swap = slow_swap  # type: ignore[method-assign,assignment]
    failures: list[BaseException] = []

    def run_first() -> None:
        try:
            first.replace(2, [_figures("x", range(3))], {("body", "x")})
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=run_first)
    thread.start()
    assert swapping.wait(10)
    second.replace(3, [_figures("x", range(2))], {("body", "x")})
    thread.join(10)
    assert failures == []
    assert second.position() == 3
    assert [r[2] for r in _figure_rows(second, "x")] == ["C0", "C1"]


def test_a_read_sees_the_tables_at_one_moment(
    two_tables: tuple[SQLTables, SQLTables],
) -> None:
    """A swap committed halfway through a read changes nothing that read returns."""
    reader, writer = two_tables
    reader.replace(4, [_figures("x", range(3))])
    real: Any = reader._conn

    class SwapAfterFirstSelect:
        """The reader's connection, with the writer's swap after its first SELECT."""

        swapped = False

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def execute(self, statement: str, *args: Any) -> Any:
            found = real.execute(statement, *args)
            if statement.startswith("SELECT") and not self.swapped:
                self.swapped = True
                writer.replace(7, [_figures("x", range(1))])
            return found

    proxy = SwapAfterFirstSelect()
    reader._conn = proxy
    try:
        position, rows = reader.read(Scope("body", "x"))  # type: ignore[arg-type]
    finally:
        reader._conn = real
    assert proxy.swapped
    assert (position, len(rows["coledger_figures"])) == (4, 3)
    assert writer.position() == 7


def test_a_read_of_in_memory_tables_sees_them_at_one_moment() -> None:
    """A swap on another thread halfway through a read changes nothing it returns."""
    tables = MemoryTables()
    scope = Scope("body", "x")  # type: ignore[arg-type]
    tables.replace(4, [_figures("x", range(3)), _ladder("x", "old")])
    writer = threading.Thread(
        target=tables.replace, args=(7, [_figures("x", range(1)), _ladder("x", "new")])
    )

    class SwapAfterFirstTable(dict[str, list[tuple[Any, ...]]]):
        """The rows, with the writer's swap let in after the first table is read."""

        def __getitem__(self, table: str) -> list[tuple[Any, ...]]:
            found = super().__getitem__(table)
            if writer.ident is None:
                writer.start()
                writer.join(0.3)  # as long as the swap takes, unless it must wait
            return found

    tables._rows = SwapAfterFirstTable(tables._rows)
    position, rows = tables.read(scope)
    writer.join(10)
    assert writer.ident is not None
    assert position == 4
    assert len(rows["coledger_figures"]) == 3
    assert [r[4] for r in rows["coledger_ladder"]] == ["old"]
    assert tables.read(scope)[0] == 7
