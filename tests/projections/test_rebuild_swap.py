"""A rebuild folds afresh and swaps every row in at once, leaving the old until then."""

from __future__ import annotations

from typing import Any

import pytest

from coledger import Ledger, LedgerClosedError, StorageError
from coledger.demo import record_year
from coledger.projections import materialise
from coledger.projections.indicators import build_report
from coledger.projections.lens import Scope
from coledger.projections.materialise import comparable
from helpers import propose_on_the_latest_day


def _built(ledger: Ledger) -> dict[str, Any]:
    """The tables of a recorded year, one proposal behind the ledger; their report."""
    record_year(ledger)
    built = ledger.power_sharing(materialised=True)
    propose_on_the_latest_day(ledger)
    return comparable(built)


def _seen(ledger_url: str, ledger: Ledger) -> tuple[int, dict[str, Any]]:
    """The tables' position and report as a reader beside *ledger* finds them.

    Through a second Ledger on the same file or schema, as another process
    reads them; in memory, through the same tables, which nothing else shares.
    """
    if ledger_url.startswith("memory:"):
        projector = ledger.projections()
        report = projector.read(Scope.ledger())
        assert report is not None
        return projector.tables.position(), comparable(report)
    with Ledger.open(ledger_url) as other:
        report = other.power_sharing(materialised=True, catch_up=False)
        return other.projections().tables.position(), comparable(report)


def test_readers_find_the_old_tables_until_a_rebuild_swaps(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a rebuild works its rows out, the tables stand where they were."""
    with Ledger.open(ledger_url) as ledger:
        before = _built(ledger)
        kept = ledger.projections().tables.position()
        seen: list[tuple[int, dict[str, Any]]] = []
        build = build_report

        def watched(*args: Any, **kwargs: Any) -> Any:
            if not seen:
                seen.append(_seen(ledger_url, ledger))
            return build(*args, **kwargs)

        monkeypatch.setattr(materialise, "build_report", watched)
        assert ledger.projections().rebuild() == ledger.position
        assert seen == [(kept, before)]
        assert _seen(ledger_url, ledger)[0] == ledger.position


def test_a_rebuild_that_fails_midway_leaves_the_tables_as_they_were(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A figure failing halfway through a rebuild changes no row and no position."""
    before = _built(ledger)
    projector = ledger.projections()
    kept = projector.tables.position()
    build = build_report
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("a figure failed")
        return build(*args, **kwargs)

    monkeypatch.setattr(materialise, "build_report", failing)
    with pytest.raises(RuntimeError, match="a figure failed"):
        projector.rebuild()
    monkeypatch.setattr(materialise, "build_report", build)
    assert projector.tables.position() == kept
    stale = ledger.power_sharing(materialised=True, catch_up=False)
    assert comparable(stale) == before
    fresh = ledger.power_sharing(materialised=True)
    assert fresh.as_of == ledger.position
    assert comparable(fresh) == comparable(ledger.power_sharing())


def test_a_rebuild_after_its_ledger_closed_keeps_the_tables() -> None:
    """An in-memory ledger's tables outlive a refused rebuild, as files' do."""
    ledger = Ledger.open("memory://")
    record_year(ledger)
    projector = ledger.projections()
    position = projector.rebuild()
    ledger.close()
    with pytest.raises(LedgerClosedError):
        projector.rebuild()
    assert projector.tables.position() == position


def test_a_rebuild_of_an_empty_ledger_leaves_no_position(ledger: Ledger) -> None:
    """Nothing recorded: the rebuild tracks nothing, and reports say so."""
    assert ledger.projections().rebuild() == 0
    assert ledger.projections().tables.position() == 0


def test_a_rebuild_always_overtaken_gives_up_and_keeps_the_tables(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild whose every swap finds the tables moved says so and changes nothing."""
    before = _built(ledger)
    projector = ledger.projections()
    kept = projector.tables.position()
    tries: list[int] = []

    def overtaken(*args: Any, **kwargs: Any) -> None:
        """A swap that another catch-up always got to first."""
        del args, kwargs
        tries.append(1)
        raise materialise.TablesMovedError("another catch-up got there first")

    monkeypatch.setattr(projector.tables, "replace", overtaken)
    with pytest.raises(StorageError, match="rebuilds in a row"):
        projector.rebuild()
    monkeypatch.undo()
    assert len(tries) == materialise.ATTEMPTS
    assert projector.tables.position() == kept
    assert comparable(ledger.power_sharing(materialised=True, catch_up=False)) == before
    fresh = ledger.power_sharing(materialised=True)
    assert comparable(fresh) == comparable(ledger.power_sharing())
