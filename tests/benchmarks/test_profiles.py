"""benchmarks/profiles.py profiles the work that run_all.py times."""

from __future__ import annotations

import argparse
import gc
from collections.abc import Iterable
from pathlib import Path

import pytest

from bench_helpers import bench
from coledger.projections.facts import Facts, FoldRecord


def test_fold_profile_pauses_the_collector_as_the_fold_probe_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fold is profiled with the cyclic collector paused, as it is timed."""
    profiles = bench("profiles")
    seen: list[bool] = []

    class Watched(Facts):
        def apply_states(self, records: Iterable[FoldRecord]) -> Facts:
            seen.append(gc.isenabled())
            return super().apply_states(records)

    monkeypatch.setattr(profiles, "Facts", Watched)
    args = argparse.Namespace(what="fold", cache_dir=tmp_path, events=1, top=1)
    assert gc.isenabled()
    profiles.profile_big(args)
    assert seen == [False]
    assert gc.isenabled()
