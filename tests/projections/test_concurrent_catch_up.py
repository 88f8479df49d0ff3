"""Catch-ups in two processes at once leave the tables equal to a fold."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.projections.lens import Scope
from coledger.projections.materialise import Materialiser, comparable
from conftest import url_for
from indicator_helpers import day, decide, person


@pytest.fixture(params=["sqlite", "postgres"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ledger URL that two ledgers (two processes, in effect) open together."""
    kind: str = request.param
    schema = request.getfixturevalue("pg_schema") if kind == "postgres" else None
    return url_for(kind, tmp_path, schema)


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
