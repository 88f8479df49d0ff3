"""The probes' peak memory is in KiB wherever it is read from."""

from __future__ import annotations

import resource
from pathlib import Path
from typing import Any

import pytest

from bench_helpers import bench

PEAK_KIB = 123_456


class _NoProc:
    """A path whose file cannot be read, as /proc/self/status off Linux."""

    def __init__(self, *_: Any) -> None:
        pass

    def read_text(self) -> str:
        raise OSError("no /proc here")


def _usage(maxrss: int) -> Any:
    """A getrusage result reporting *maxrss*."""

    class Usage:
        ru_maxrss = maxrss

    return Usage()


@pytest.mark.parametrize(
    ("platform", "reported"), [("linux", PEAK_KIB), ("darwin", PEAK_KIB * 1024)]
)
def test_peak_without_proc_is_converted_to_kib(
    monkeypatch: pytest.MonkeyPatch, platform: str, reported: int
) -> None:
    """Without /proc, ru_maxrss is read in its platform's unit: bytes on macOS."""
    probes = bench("probes")
    monkeypatch.setattr(probes, "Path", _NoProc)
    monkeypatch.setattr(probes.sys, "platform", platform)
    monkeypatch.setattr(resource, "getrusage", lambda _: _usage(reported))
    assert probes.peak_kb() == PEAK_KIB


def test_peak_on_linux_is_this_process_high_water_mark() -> None:
    """On Linux the peak is VmHWM, at least the resident set now."""
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc")
    status = Path("/proc/self/status").read_text()
    rss = next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
    assert bench("probes").peak_kb() >= rss
