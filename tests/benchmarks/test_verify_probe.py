"""The verify probe's process does only what an auditor's does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench_helpers import bench, small_ledger
from coledger import Ledger


def test_verify_probe_opens_no_ledger_in_its_own_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkpoint is signed elsewhere, so the peak and the time are verify's."""
    path = tmp_path / "ledger.db"
    url, key = small_ledger(path)
    with Ledger.open(url, master_key=key) as ledger:
        events = ledger.position
    probes = bench("probes")

    def no_ledger(*_: Any, **__: Any) -> None:
        raise AssertionError("the verify probe opened a Ledger in its own process")

    monkeypatch.setattr(probes.Ledger, "open", no_ledger)
    found = probes.probe_verify({"url": url, "key": key.hex(), "path": str(path)})
    assert found["status"] == "VERIFIED"
    assert found["events"] == events
