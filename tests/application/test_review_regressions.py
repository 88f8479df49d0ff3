"""Regressions a review of this round's changes found, each pinned by a test."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, cast
from uuid import UUID

import pytest

from coledger import Ledger, LedgerError
from coledger.domain.values import ERASED
from coledger.projections.lens import Scope
from coledger.projections.materialise import TablesMovedError
from coledger.projections.thresholds import Thresholds

AHEAD = timedelta(minutes=5)
"""How far ahead another writer's clock runs."""


def board(ledger: Ledger) -> tuple[UUID, UUID, list[UUID]]:
    """An admin, a board and two voting members."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    members = [ledger.register_member(name) for name in ("Ana", "Ben")]
    for member in members:
        ledger.assign_seat(body, member, by=admin)
    return admin, body, members


@pytest.mark.parametrize("advisory", [True, False])
def test_steps_after_a_step_from_a_fast_clock_default_to_after_it(
    ledger: Ledger, advisory: bool
) -> None:
    """A ballot dated ahead does not make the close, or the decision, refuse."""
    admin, body, (ana, ben) = board(ledger)
    p = ledger.raise_proposal(body, proposers=[ana], title="T", text="x")
    ledger.open_voting(p, by=admin, advisory=advisory)
    ahead = datetime.now(UTC) + AHEAD
    ledger.cast_ballot(p, voter=ana, choice="for")
    ledger.cast_ballot(p, voter=ben, choice="for", occurred_at=ahead)
    if advisory:
        ledger.close_advisory_vote(p, by=admin)
    else:
        ledger.close_voting(p, by=admin)
    decision = ledger.decide(p, outcome="rejected", method="chair", by=admin)
    assert decision.occurred_at >= ahead


def test_votes_open_and_ballots_follow_a_seat_dated_ahead(ledger: Ledger) -> None:
    """A seat dated ahead by a fast clock does not block the vote or its ballots."""
    admin, body, (ana, _) = board(ledger)
    cal = ledger.register_member("Cal")
    ahead = datetime.now(UTC) + AHEAD
    ledger.assign_seat(body, cal, by=admin, occurred_at=ahead)
    p = ledger.raise_proposal(body, proposers=[ana], title="T", text="x")
    assert cal in ledger.open_voting(p, by=admin)
    ledger.cast_ballot(p, voter=cal, choice="for")
    ledger.vacate_seat(body, cal, by=admin)  # after its assignment, by default
    assert ledger.proposal(p).ballots[0].voter == cal


def test_an_erasure_catches_up_the_projector_under_its_own_thresholds(
    ledger: Ledger,
) -> None:
    """The caller's projector, with custom thresholds, is caught up, not replaced."""
    admin, _, (ana, _) = board(ledger)
    projector = ledger.projections(Thresholds(token_seat=0.2))
    projector.catch_up()
    ledger.erase_member(ana, by=admin)
    assert ledger.projections(Thresholds(token_seat=0.2)) is projector
    assert projector.tables.position() == ledger.position
    assert projector.read(Scope.ledger()) is not None


def test_another_threads_refusal_leaves_this_threads_batch_alone(
    ledger: Ledger,
) -> None:
    """A command refused in one thread does not fail a batch open in another."""
    in_batch, refused = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def batch() -> None:
        """Record two members in one batch, around the other thread's mistake."""
        try:
            with ledger.batch():
                ledger.register_member("Kept 1")
                in_batch.set()
                refused.wait(5)
                ledger.register_member("Kept 2")
        except BaseException as error:
            failures.append(error)

    worker = threading.Thread(target=batch)
    worker.start()
    assert in_batch.wait(5)
    with pytest.raises(LedgerError):
        ledger.register_member("Kit", role="wizard")
    refused.set()
    worker.join(10)
    assert failures == []
    assert {"Kept 1", "Kept 2"} <= {m.name for m in ledger.members()}


def test_a_reader_between_pages_never_waits_for_the_ledgers_lock(
    tmp_path: Path,
) -> None:
    """A history read goes on while another thread holds the Ledger's lock."""
    with Ledger.open(f"sqlite:///{tmp_path / 'l.db'}") as ledger:
        with ledger.batch():
            for i in range(2_100):
                ledger.register_member(f"Member {i}")
        reading = ledger.history()
        next(reading)
        done = threading.Event()
        count: list[int] = []

        def read_on() -> None:
            """The rest of the history, while the main thread holds the lock."""
            count.append(sum(1 for _ in reading) + 1)
            done.set()

        with ledger._lock:
            reader = threading.Thread(target=read_on, daemon=True)
            reader.start()
            finished = done.wait(10)
        reader.join(10)
        assert finished, "the reader waited for the Ledger's lock between pages"
        assert count == [ledger.position]


def test_export_writes_to_a_text_stream_that_defines_only_write(
    ledger: Ledger,
) -> None:
    """A TextIOBase subclass with write() alone takes an export, as it did."""

    class Lines(io.TextIOBase):
        """A stream that keeps what it is given."""

        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, text: str) -> int:
            """Keep *text*."""
            self.parts.append(text)
            return len(text)

    ledger.register_member("Ana")
    out = Lines()
    assert ledger.export(cast("IO[str]", out)) == ledger.position
    assert "".join(out.parts).count("\n") >= ledger.position


@pytest.fixture
def two_writers(tmp_path: Path) -> Iterator[tuple[Ledger, Ledger]]:
    """Two Ledgers on one SQLite file, as two processes would have."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger.open(url) as first, Ledger.open(url) as second:
        yield first, second


def test_an_erasure_is_content_with_tables_others_brought_past_it(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Losing every race to other catch-ups is no failure once they passed it."""
    ledger, other = two_writers
    admin, _, (ana, _) = board(ledger)
    projector = ledger.projections()
    projector.catch_up()
    theirs = other.projections()

    def beaten() -> int:
        """Another worker catches up first, every time."""
        theirs.catch_up()
        raise TablesMovedError("another catch-up got there first")

    monkeypatch.setattr(projector, "_catch_up_once", beaten)
    ledger.erase_member(ana, by=admin)
    assert projector.tables.position() == ledger.position


def test_two_writers_erasing_one_member_leave_one_tombstone(
    two_writers: tuple[Ledger, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer whose tombstone lost the race finds the member erased: no error."""
    first, second = two_writers
    _, _, (ana, _) = board(first)
    first._keys.destroy(ana, ("identity",), erase=True)
    keys: Any = second._keys
    looked = keys.is_erased
    calls: list[UUID] = []

    def late(member: UUID) -> bool:
        """No the first time (it looked just before), then the truth."""
        calls.append(member)
        return len(calls) > 1 and bool(looked(member))

    monkeypatch.setattr(keys, "is_erased", late)
    keys.destroy(ana, ("identity",), erase=True)  # its insert meets first's
    monkeypatch.undo()
    assert second._keys.is_erased(ana)
    assert second._keys.live_keys(ana) == []


def test_a_query_drops_copies_whose_keys_a_reader_found_destroyed(
    ledger_url: str,
) -> None:
    """Keys found destroyed by another thread's reader still empty the cache."""
    if ledger_url == "memory://":
        pytest.skip("two in-memory ledgers never share storage")
    with Ledger.open(ledger_url) as ours, Ledger.open(ledger_url) as theirs:
        admin, body, (ana, _) = board(ours)
        p = ours.raise_proposal(body, proposers=[ana], title="T", text="x")
        ours.comment(p, author=ana, text="canary 91c2: my private comment")
        assert ours.proposal(p).comments[0].text.startswith("canary")
        theirs.erase_member(ana, by=admin)
        # A reader thread's sync between pages finds the keys destroyed (and
        # empties the key cache) before this thread's next query looks.
        ours._keys.sync()
        assert [c.text for c in ours.proposal(p).comments] == [ERASED]


def test_a_report_never_reads_another_threads_unstored_batch(ledger: Ledger) -> None:
    """A body made in an open batch on another thread is not found until stored."""
    admin = ledger.register_member("Admin", role="staff")
    made: list[UUID] = []
    in_batch, asked = threading.Event(), threading.Event()

    def failing_batch() -> None:
        """Establish a body in a batch, then let the batch fail."""
        with contextlib.suppress(LookupError), ledger.batch():
            made.append(ledger.establish_body("Board", kind="governance", by=admin))
            in_batch.set()
            asked.wait(0.5)  # the report waits for the batch, so this times out
            raise LookupError("the batch is given up")

    worker = threading.Thread(target=failing_batch)
    worker.start()
    assert in_batch.wait(5)
    with pytest.raises(LedgerError):
        ledger.power_sharing(body=made[0])
    asked.set()
    worker.join(5)
    assert ledger.bodies() == []
