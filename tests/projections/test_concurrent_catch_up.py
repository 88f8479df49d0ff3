"""Catch-ups in two processes at once leave the tables equal to a fold."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger, StorageError
from coledger.projections import materialise
from coledger.projections.lens import Scope
from coledger.projections.materialise import Materialiser, comparable, tracking_name
from coledger.projections.thresholds import Thresholds
from coledger.storage import parse_url
from conftest import url_for
from indicator_helpers import day, decide, person


@pytest.fixture
def three_ledgers(shared_url: str) -> Iterator[tuple[Ledger, Ledger, Ledger]]:
    """A writer, a slow catch-up's ledger and a quick one's, on one store."""
    opened = [Ledger.open(shared_url) for _ in range(3)]
    yield opened[0], opened[1], opened[2]
    for ledger in opened:
        ledger.close()


def _raise_and_adopt(ledger: Ledger, body: UUID, by: UUID, on: float) -> None:
    proposal = ledger.raise_proposal(
        body, proposers=[by], title=f"Idea {on}", text="t", occurred_at=day(on)
    )
    decide(ledger, proposal, by, on)


def _holding(
    projector: Materialiser, before: threading.Event, after: threading.Event
) -> None:
    """Make *projector*'s swaps wait for *before* and set *after* when they end."""
    real = projector.tables.replace

    def replace(*args: Any, **kwargs: Any) -> None:
        assert before.wait(10)
        try:
            real(*args, **kwargs)
        finally:
            after.set()

    projector.tables.replace = replace  # type: ignore[method-assign]


def test_a_slow_catch_up_overtaken_by_a_quick_one_leaves_no_stale_scope(
    three_ledgers: tuple[Ledger, Ledger, Ledger],
) -> None:
    """A catch-up whose tables moved meanwhile starts again, so no scope stays old."""
    writer, slow_ledger, quick_ledger = three_ledgers
    ann = person(writer, "Ann", le_from=0)
    first = writer.establish_body("First", kind="governance", occurred_at=day(0))
    second = writer.establish_body("Second", kind="governance", occurred_at=day(0))
    slow, quick = slow_ledger.projections(), quick_ledger.projections()
    quick.catch_up()
    _raise_and_adopt(writer, first, ann, 1)

    release, slow_done = threading.Event(), threading.Event()
    _holding(slow, release, slow_done)
    behind = threading.Thread(target=slow.catch_up)
    behind.start()  # works out the first body as it stood, then waits
    _raise_and_adopt(writer, first, ann, 1)
    assert quick.catch_up() > 0  # the first body as it stands now
    _raise_and_adopt(writer, second, ann, 1)
    real_quick = quick.tables.replace

    def quick_after_slow(*args: Any, **kwargs: Any) -> None:
        release.set()  # the slow swap lands first, from its old position
        assert slow_done.wait(10)
        real_quick(*args, **kwargs)

    quick.tables.replace = quick_after_slow  # type: ignore[method-assign]
    quick.catch_up()
    behind.join(20)
    quick.tables.replace = real_quick  # type: ignore[method-assign]

    assert quick.tables.position() == writer.position
    assert quick.catch_up() == 0
    for scope in (Scope.ledger(), Scope.body(first), Scope.body(second)):
        stored = quick.read(scope)
        assert stored is not None
        folded = writer.power_sharing(body=scope.id, as_of=writer.position)
        assert comparable(stored) == comparable(folded), scope


def _caught_up_board(ledger: Ledger) -> tuple[UUID, UUID, Materialiser, int]:
    """Ann (with lived experience) and a board, tables caught up: and their position."""
    ann = person(ledger, "Ann", le_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    projector = ledger.projections()
    projector.catch_up()
    return ann, board, projector, projector.tables.position()


def test_a_catch_up_overtaken_part_way_keeps_its_fold() -> None:
    """Beaten to a position it had folded past, a catch-up goes on without refolding."""
    with Ledger.open("memory://") as ledger:
        ann, board, projector, _ = _caught_up_board(ledger)
        start = projector.tables.tracked()
        _raise_and_adopt(ledger, board, ann, 1)
        _raise_and_adopt(ledger, board, ann, 2)
        folds: list[int] = []
        real_fold = projector._fold_to

        def fold_to(position: int) -> int:
            folds.append(projector._facts.position)
            return real_fold(position)

        projector._fold_to = fold_to  # type: ignore[method-assign]
        real_replace = projector.tables.replace
        overtaken = ledger.position - 1

        def replace(*args: Any, **kwargs: Any) -> None:
            if projector.tables.tracked() == start:  # another catch-up lands first
                real_replace(overtaken, [], set(), keys=start.keys, expected=start)
            real_replace(*args, **kwargs)

        projector.tables.replace = replace  # type: ignore[method-assign]
        projector.catch_up()
        assert projector.tables.position() == ledger.position
        assert 0 not in folds[1:], "the facts were thrown away and folded again"
        stored = projector.read(Scope.body(board))
        assert stored is not None
        folded = ledger.power_sharing(body=board, as_of=ledger.position)
        assert comparable(stored) == comparable(folded)


def test_tables_written_by_an_earlier_version_of_the_figures_are_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade that changes the figures, the next catch-up rewrites all."""
    url = url_for("sqlite", tmp_path)
    with Ledger.open(url) as ledger:
        person(ledger, "Ann", le_from=0)
        monkeypatch.setattr(materialise, "FIGURES_VERSION", 1)
        ledger.projections().catch_up()
    monkeypatch.setattr(materialise, "FIGURES_VERSION", 2)
    with Ledger.open(url) as ledger:
        assert ledger.projections().catch_up() == ledger.position
        path = parse_url(url).path
        assert path is not None
        with contextlib.closing(sqlite3.connect(path)) as db:
            rows = db.execute("SELECT name FROM coledger_tracking").fetchall()
        assert rows == [(tracking_name(Thresholds()),)]


LOWER_BAR = Thresholds(minority=0.3)
"""Thresholds under which a board with a third of its seats held by lived
experience is 'balanced', not a 'minority'."""


def _third_of_seats(ledger: Ledger) -> None:
    """A governance board with three voting seats, one held by lived experience."""
    admin = person(ledger, "Admin", none_from=0)
    body = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=day(0)
    )
    ledger.assign_seat(body, admin, by=admin, occurred_at=day(1))
    ana = person(ledger, "Ana", le_from=0)
    ledger.assign_seat(body, ana, by=admin, occurred_at=day(1))
    bo = person(ledger, "Bo", none_from=0)
    ledger.assign_seat(body, bo, by=admin, occurred_at=day(1))


def test_tables_rewritten_under_other_thresholds_are_never_read_as_ones_own(
    shared_url: str,
) -> None:
    """A projector whose tables another projector rewrote reads nothing, not theirs."""
    with Ledger.open(shared_url) as ledger, Ledger.open(shared_url) as other:
        _third_of_seats(ledger)
        mine, theirs = ledger.projections(), other.projections(LOWER_BAR)
        assert mine.catch_up() == ledger.position
        assert mine.read(Scope.ledger()) is not None
        theirs.catch_up()
        assert theirs.read(Scope.ledger()) is not None
        assert mine.read(Scope.ledger()) is None


def test_a_report_whose_tables_change_thresholds_after_its_catch_up_folds(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tables rewritten under other thresholds between catch-up and read: no mix-up."""
    with Ledger.open(shared_url) as ledger, Ledger.open(shared_url) as other:
        _third_of_seats(ledger)
        expected = ledger.power_sharing().indicators["R1"]
        assert (
            expected.band
            != other.power_sharing(thresholds=LOWER_BAR).indicators["R1"].band
        )
        mine = ledger.projections()
        real = Materialiser.catch_up

        def then_theirs(self: Materialiser, **kwargs: Any) -> int:
            """Catch up, then let the other ledger rewrite the tables."""
            done = real(self, **kwargs)
            if self is mine:
                other.power_sharing(materialised=True, thresholds=LOWER_BAR)
            return done

        monkeypatch.setattr(Materialiser, "catch_up", then_theirs)
        assert ledger.power_sharing(materialised=True).indicators["R1"] == expected


def _fail_one_swap(monkeypatch: pytest.MonkeyPatch, projector: Materialiser) -> None:
    """Make the next swap of *projector*'s tables fail, after the fold was done."""
    tables: Any = projector.tables
    name = "_swap" if hasattr(tables, "_swap") else "replace"
    real = getattr(tables, name)
    failed: list[int] = []

    def swap(*args: Any, **kwargs: Any) -> None:
        if not failed:
            failed.append(1)
            raise StorageError("projection tables: the disk is full")
        real(*args, **kwargs)

    monkeypatch.setattr(tables, name, swap)


def test_a_catch_up_after_a_failed_swap_counts_what_the_tables_moved_by(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events the failed catch-up had folded count once its successor writes."""
    ann, board, projector, start = _caught_up_board(ledger)
    _raise_and_adopt(ledger, board, ann, 1)
    new = sum(1 for _ in ledger.history(after=start))
    assert new > 1
    _fail_one_swap(monkeypatch, projector)
    with pytest.raises(StorageError, match="disk is full"):
        projector.catch_up()
    assert projector.tables.position() == start
    assert projector.catch_up() == new
    assert projector.tables.position() == ledger.position
    assert projector.catch_up() == 0


def test_follow_reports_the_batch_a_failed_swap_held_back(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a failed swap, the worker's next catch-up is passed to on_batch."""
    person(memory_ledger, "Ann", le_from=0)
    projector = memory_ledger.projections()
    _fail_one_swap(monkeypatch, projector)
    stop = threading.Event()
    batches: list[int] = []
    failures: list[Exception] = []

    def on_batch(count: int) -> None:
        batches.append(count)
        stop.set()

    timer = threading.Timer(10, stop.set)
    timer.start()
    try:
        projector.follow(stop, poll=0.01, on_batch=on_batch, on_error=failures.append)
    finally:
        timer.cancel()
    assert [str(f) for f in failures] == ["projection tables: the disk is full"]
    assert batches == [memory_ledger.position]
    assert projector.tables.position() == memory_ledger.position


def test_a_report_read_while_a_worker_keeps_overtaking_it_is_served(
    three_ledgers: tuple[Ledger, Ledger, Ledger],
) -> None:
    """Tables a worker brought past the head asked about serve the report, no error."""
    writer, reader, worker_ledger = three_ledgers
    ann = person(writer, "Ann", le_from=0)
    board = writer.establish_body("Board", kind="governance", occurred_at=day(0))
    worker, projector = worker_ledger.projections(), reader.projections()
    asked_at = writer.position
    real = projector.tables.replace

    def overtaken(*args: Any, **kwargs: Any) -> None:
        # Each swap of the reader's loses to a worker's, and more is written
        # before the reader looks again: the ledger is in use.
        _raise_and_adopt(writer, board, ann, 1)
        worker.catch_up()
        _raise_and_adopt(writer, board, ann, 2)
        real(*args, **kwargs)

    projector.tables.replace = overtaken  # type: ignore[method-assign]
    report = reader.power_sharing(materialised=True)
    assert report.as_of is not None
    assert report.as_of >= asked_at
    stored = worker.read(Scope.ledger())
    assert stored is not None
    assert comparable(report) == comparable(stored)


@pytest.mark.parametrize("kind", ["memory", "sql"])
def test_a_swap_expecting_other_keys_is_refused_and_writes_nothing(
    kind: str, tmp_path: Path
) -> None:
    """Tables rewritten at one position under other keys make a late swap retry."""
    url = "memory://" if kind == "memory" else f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger.open(url) as ledger:
        ann = person(ledger, "Ann", le_from=0)
        board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
        _raise_and_adopt(ledger, board, ann, 1)
        tables = ledger.projections().tables
        ledger.projections().catch_up()
        stands = tables.tracked()
        assert stands.position == ledger.position
        assert stands.keys is not None
        # another process rewrote them at this position once keys were destroyed
        moved = stands.keys + 1
        tables.replace(stands.position, [], set(), keys=moved, expected=stands)
        with pytest.raises(materialise.TablesMovedError, match="under other keys"):
            tables.replace(stands.position, [], None, keys=stands.keys, expected=stands)
        assert tables.tracked() == (stands.position, moved)
        assert ledger.projections().read(Scope.body(board)) is not None
