"""Export and import where positions have gaps: what the progress and the copy say."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from coledger import Ledger
from coledger.errors import WrongStateError
from conftest import TEST_MASTER_KEY, spend_a_position, url_for


@pytest.mark.postgres
def test_the_export_progress_counts_events_not_positions(pg_schema: str) -> None:
    """On a ledger whose positions have a gap, progress ends at its events' count."""
    url = url_for("postgres", Path(), pg_schema)
    calls: list[tuple[int, int]] = []
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana")
        spend_a_position(pg_schema)
        ledger.register_member("Ben")
        assert ledger.position == 3
        count = ledger.export(
            io.StringIO(), lambda done, total: calls.append((done, total))
        )
    assert count == 2
    assert calls == [(1, 2), (2, 2)]


@pytest.mark.postgres
def test_an_import_after_spent_numbers_starts_after_them(pg_schema: str) -> None:
    """A copy on PostgreSQL runs on from numbers spent before; tree sizes agree."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        for name in ("Ana", "Ben", "Cy"):
            source.register_member(name)
        out = io.StringIO()
        source.export(out)
        sizes = [source.tree_size(as_of=n) for n in (1, 2, 3)]
    url = url_for("postgres", Path(), pg_schema)
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as copy:
        spend_a_position(pg_schema)  # an import rolled back, say
        spend_a_position(pg_schema)
        copy.import_events(out.getvalue().splitlines())
        positions = [r.position for r in copy.history()]
        assert positions == [3, 4, 5]
        assert [copy.tree_size(as_of=n) for n in positions] == sizes


def test_an_export_decodes_each_event_once(tmp_path: Path) -> None:
    """Counting the events for the header opens none: each is decrypted once."""
    with Ledger.open(
        f"sqlite:///{tmp_path / 'club.db'}", master_key=TEST_MASTER_KEY
    ) as ledger:
        for name in ("Ana", "Ben", "Cy"):
            ledger.register_member(name)
        mapper = ledger._mapper
        real = mapper.to_domain_event
        decoded: list[int] = []

        def counted(stored: Any) -> Any:
            decoded.append(stored.id)
            return real(stored)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(mapper, "to_domain_event", counted)
            out = io.StringIO()
            assert ledger.export(out) == 3
    assert sorted(decoded) == [1, 2, 3]
    assert [line.count('"Ana"') for line in out.getvalue().splitlines()][1] == 1


@pytest.mark.postgres
def test_an_import_into_a_ledger_with_a_gap_counts_its_events(pg_schema: str) -> None:
    """The refusal of a non-empty ledger counts its events, not its last position."""
    url = url_for("postgres", Path(), pg_schema)
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member("Ana")
        spend_a_position(pg_schema)
        ledger.register_member("Ben")
        out = io.StringIO()
        ledger.export(out)
        with pytest.raises(WrongStateError, match="already holds 2 events;"):
            ledger.import_events(out.getvalue().splitlines())
        assert ledger.position == 3
