"""The board-report probe of benchmarks/run_all.py times what its notes say."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bench_helpers import bench, small_ledger
from coledger import Ledger
from coledger.projections import materialise

OPENING = 0.05
"""Seconds added to opening the projection tables, to see where they are timed."""


def _rebuilt(path: Path) -> dict[str, Any]:
    """A small ledger with current tables, as the probe's JSON arguments."""
    url, key = small_ledger(path)
    with Ledger.open(url, master_key=key) as ledger:
        ledger.projections().rebuild()
    return {"url": url, "key": key.hex(), "path": str(path), "repeats": 3}


def test_first_call_includes_opening_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first call in a fresh process pays for opening the projection tables."""
    args = _rebuilt(tmp_path / "ledger.db")
    opened = materialise.SQLTables.__init__

    def slow_open(self: materialise.SQLTables, *rest: Any, **named: Any) -> None:
        time.sleep(OPENING)
        opened(self, *rest, **named)

    monkeypatch.setattr(materialise.SQLTables, "__init__", slow_open)
    found = bench("probes").probe_board(args)
    assert found["cold_ms"] >= OPENING * 1000
    assert max(found["warm_ms"]) < OPENING * 1000


def test_raw_select_reads_the_rows_the_report_reads(tmp_path: Path) -> None:
    """The raw SELECT baseline fetches the report's rows and its tracking row."""
    found = bench("probes").probe_board(_rebuilt(tmp_path / "ledger.db"))
    assert found["figure_rows"] == found["indicators"] + 1  # and the tags' people
    assert found["raw_rows"] == {
        "coledger_figures": found["figure_rows"],
        "coledger_ladder": found["ladder"],
        "coledger_decision_tags": found["decisions"],
        "coledger_tracking": 1,
    }
