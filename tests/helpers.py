"""Helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from coledger import Ledger, LedgerError


def count_events(ledger: Ledger) -> int:
    """How many events the ledger holds."""
    return sum(1 for _ in ledger.history())


@contextmanager
def refused(
    ledger: Ledger, error: type[LedgerError], match: str | None = None
) -> Iterator[None]:
    """Expect *error* from the block, and that the ledger stored nothing."""
    before = count_events(ledger)
    with pytest.raises(error, match=match):
        yield
    assert count_events(ledger) == before, "a refused command stored events"
