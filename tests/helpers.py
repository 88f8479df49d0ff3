"""Helpers shared by the tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import PersistenceError

from coledger import Ledger, LedgerError, transfer
from coledger.domain import Proposal
from conftest import TEST_MASTER_KEY


def on(day: int) -> datetime:
    """Noon on a day of March 2024."""
    return datetime(2024, 3, day, 12, tzinfo=UTC)


def count_events(ledger: Ledger) -> int:
    """How many events the ledger holds."""
    return sum(1 for _ in ledger.history())


@contextmanager
def refused(
    ledger: Ledger, error: type[LedgerError], match: str | None = None
) -> Iterator[pytest.ExceptionInfo[LedgerError]]:
    """Expect *error* from the block, and that the ledger stored nothing."""
    before = count_events(ledger)
    with pytest.raises(error, match=match) as raised:
        yield raised
    assert count_events(ledger) == before, "a refused command stored events"


def propose_on_the_latest_day(ledger: Ledger) -> UUID:
    """Raise a proposal to a body with seats, dated the latest event; its body.

    On the business day already recorded, so that no new day touches every
    scope of the projection tables.
    """
    facts = ledger.facts()
    body = next(b for b in facts.bodies.values() if b.seats)
    ledger.raise_proposal(
        body.id,
        proposers=[body.seats[0].member],
        title="A later start",
        text="Start the Thursday session at seven.",
        occurred_at=facts.latest,
    )
    return body.id


def comment_event(text: str, author: UUID | None = None) -> Proposal.Commented:
    """A comment event by *author* (a new id if None), as the ledger records one."""
    now = datetime.now(UTC)
    by = uuid4() if author is None else author
    return Proposal.Commented(  # type: ignore[call-arg]
        originator_id=uuid4(),
        originator_version=2,
        timestamp=now,
        actor=by,
        occurred_at=now,
        source_ref=None,
        comment_id=uuid4(),
        author=by,
        text=text,
        channel="meeting",
        supporter=None,
    )


ExportChange = Callable[[dict[str, Any]], bool]
"""Alters an export row in place; False if this row is not one it can alter."""


def edited_export(
    lines: list[str], topic: str, change: ExportChange
) -> tuple[list[str], int]:
    """*lines* with the first *topic* row that *change* alters; and its line number."""
    changed = list(lines)
    for index, line in enumerate(lines):
        row = json.loads(line)
        if row.get("topic") == topic and change(row):
            changed[index] = json.dumps(row)
            return changed, index + 1
    raise AssertionError(f"no {topic} row in the export that the change can alter")


def failing_inserts(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every write of the ledger fail, as a full disk would."""

    def insert(*_: object, **__: object) -> None:
        raise PersistenceError("disk full")

    monkeypatch.setattr(ledger._app.recorder, "insert_events", insert)


def seated_declarer(ledger: Ledger) -> UUID:
    """A board of an admin and Sam, who has declared lived experience; Sam's id."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    ledger.declare_lived_experience(sam, categories=["DIS"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, admin, by=admin)
    ledger.assign_seat(board, sam, by=admin)
    return sam


def refused_import(lines: list[str], line: int, says: str) -> None:
    """Reading export *lines* is refused at *line*, and an import writes nothing."""
    with pytest.raises(transfer.MalformedImportError) as caught:
        transfer.read_export(lines, "edited.jsonl")
    assert caught.value.line == line
    assert says in caught.value.reason
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as fresh:
        with pytest.raises(transfer.MalformedImportError):
            fresh.import_events(lines)
        assert fresh.position == 0
