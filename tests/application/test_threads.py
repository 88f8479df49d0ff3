"""One Ledger shared between threads: paths that read its cache or batch state."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import (
    CheckpointError,
    InvalidInputError,
    Ledger,
    LedgerClosedError,
    ProofError,
    UnknownProposalError,
    WrongStateError,
)
from coledger.projections.materialise import Materialiser, tracking_name
from coledger.projections.thresholds import Thresholds
from conftest import url_for

WAIT = 0.5
"""How long a thread waits for a step that the fix makes wait for it instead."""


def board(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """An admin, a board and one voting member."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body("Board", kind="governance", by=admin)
    ana = ledger.register_member("Ana")
    ledger.assign_seat(body, ana, by=admin)
    return admin, body, ana


def test_a_receipt_never_finds_a_proposal_in_another_threads_open_batch(
    ledger: Ledger,
) -> None:
    """A proposal raised in a batch that then fails is unknown to prove_ballot."""
    _, body, ana = board(ledger)
    made: list[UUID] = []
    in_batch, asked = threading.Event(), threading.Event()

    def failing_batch() -> None:
        """Raise a proposal in a batch, then let the batch fail."""
        with contextlib.suppress(LookupError), ledger.batch():
            made.append(
                ledger.raise_proposal(body, proposers=[ana], title="T", text="x")
            )
            in_batch.set()
            asked.wait(WAIT)  # prove_ballot waits for the batch, so this times out
            raise LookupError("the batch is given up")

    worker = threading.Thread(target=failing_batch)
    worker.start()
    assert in_batch.wait(5)
    with pytest.raises(UnknownProposalError):
        ledger.prove_ballot(made[0], ana, "no checkpoint is read before the check")
    asked.set()
    worker.join(5)


def test_a_receipt_racing_a_ballot_leaves_no_stale_proposal_behind(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ballot stored while prove_ballot reads its proposal shows in the next query."""
    admin, body, ana = board(ledger)
    p = ledger.raise_proposal(body, proposers=[ana], title="T", text="x")
    ledger.open_voting(p, by=admin)
    ledger._forget()  # so that prove_ballot reads the proposal from the store
    repository: Any = ledger._app.repository
    read = repository.get
    loaded, voted = threading.Event(), threading.Event()
    prover: list[int] = []

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        """The stored proposal, handed back only after the ballot (or a wait)."""
        found = read(*args, **kwargs)
        if prover == [threading.get_ident()]:
            loaded.set()
            voted.wait(WAIT)  # the ballot waits for prove_ballot, so this times out
        return found

    def prove() -> None:
        """Ask for a receipt, which fails: no ballot yet, or no real checkpoint."""
        prover.append(threading.get_ident())
        with contextlib.suppress(ProofError, CheckpointError):
            ledger.prove_ballot(p, ana, "not a checkpoint")

    def vote() -> None:
        """Cast the ballot, from a third thread."""
        ledger.cast_ballot(p, voter=ana, choice="for")
        voted.set()

    monkeypatch.setattr(repository, "get", slow_read)
    proving, voting = threading.Thread(target=prove), threading.Thread(target=vote)
    proving.start()
    assert loaded.wait(5)
    voting.start()
    voting.join(5)
    proving.join(5)
    assert [b.voter for b in ledger.proposal(p).ballots] == [ana]


def test_two_threads_asking_for_the_projector_at_once_share_one(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first calls of projections() at once make one projector, not two."""
    ledger.register_member("Ana")
    both = threading.Barrier(2, timeout=WAIT)  # broken when only one can get in

    def meeting(th: Thresholds) -> str:
        """The tables' name, once both threads are making a projector (or a wait)."""
        with contextlib.suppress(threading.BrokenBarrierError):
            both.wait()
        return tracking_name(th)

    monkeypatch.setattr("coledger.application.tracking_name", meeting)
    got: list[Materialiser] = []
    failures: list[BaseException] = []

    def ask() -> None:
        """Ask for the projector under the default thresholds."""
        try:
            got.append(ledger.projections())
        except BaseException as error:
            failures.append(error)

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(5)
    assert failures == []
    assert got[0] is got[1] is ledger.projections()


class _OpeningLedger(Ledger):
    """A Ledger whose batch, once open, waits before it names its owner."""

    opener: int | None = None
    """The thread whose batch waits."""
    opening: threading.Event
    """Set when that batch is open and waiting."""
    go_on: threading.Event
    """What it waits for (or WAIT seconds)."""

    def __setattr__(self, name: str, value: object) -> None:
        """Set an attribute, first waiting if it names the opener's batch's owner."""
        if name == "_batch_owner" and value is not None and value == self.opener:
            self.opening.set()
            self.go_on.wait(WAIT)
        super().__setattr__(name, value)


def test_a_refusal_after_this_threads_batch_leaves_the_next_batch_alone() -> None:
    """A thread whose batch ended cannot fail another thread's batch as it opens."""
    with _OpeningLedger.open("memory://") as ledger:
        ledger.opening, ledger.go_on = threading.Event(), threading.Event()
        with ledger.batch():  # this thread's batch, stored and done
            ledger.register_member("Earlier")
        failures: list[BaseException] = []

        def next_batch() -> None:
            """Open a batch (which waits before naming its owner) and record one."""
            ledger.opener = threading.get_ident()
            try:
                with ledger.batch():
                    ledger.register_member("Kept")
            except BaseException as error:
                failures.append(error)

        worker = threading.Thread(target=next_batch)
        worker.start()
        assert ledger.opening.wait(5)
        with pytest.raises(InvalidInputError):
            ledger.register_member("Kit", role="wizard")
        ledger.go_on.set()
        worker.join(5)
        assert failures == []
        assert [m.name for m in ledger.members()] == ["Earlier", "Kept"]


def test_an_import_waits_for_another_threads_open_batch(ledger: Ledger) -> None:
    """An import refuses a ledger whose other thread's batch stored events first."""
    with Ledger.open("memory://") as source:
        source.register_member("Imported")
        lines = io.StringIO()
        source.export(lines)
    in_batch, imported = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def batch() -> None:
        """Record a member in a batch that ends without waiting for the import."""
        try:
            with ledger.batch():
                ledger.register_member("Batched")
                in_batch.set()
                imported.wait(WAIT)  # the import waits for the batch: times out
        except BaseException as error:
            failures.append(error)

    worker = threading.Thread(target=batch)
    worker.start()
    assert in_batch.wait(5)
    with pytest.raises(WrongStateError):
        ledger.import_events(lines.getvalue().splitlines())
    imported.set()
    worker.join(5)
    assert failures == []
    assert [m.name for m in ledger.members()] == ["Batched"]


@pytest.mark.postgres
def test_two_ledgers_making_the_projection_tables_at_once_both_succeed(
    pg_schema: str,
) -> None:
    """Two Ledgers on one schema create the tables together without a collision."""
    url = url_for("postgres", Path(), pg_schema)
    with Ledger.open(url) as one, Ledger.open(url) as two:
        one.register_member("Ana")
        together = threading.Barrier(2, timeout=5)
        failures: list[BaseException] = []

        def make(ledger: Ledger) -> None:
            """Ask for the projector at the same moment as the other thread."""
            together.wait()
            try:
                ledger.projections().catch_up()
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=make, args=(x,)) for x in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert failures == []
        assert one.power_sharing(materialised=True).as_of == one.position


def test_a_report_under_other_thresholds_keeps_its_tables_open(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asking for other thresholds mid-report closes nothing the report still reads."""
    _, body, ana = board(ledger)
    ledger.raise_proposal(body, proposers=[ana], title="T", text="x")
    other = Thresholds(minority=0.3, balanced=0.6)
    expected = ledger.power_sharing(thresholds=other)
    caught, switched = threading.Event(), threading.Event()
    real = Materialiser.catch_up
    reporter: list[int] = []

    def pausing(self: Materialiser, **kwargs: Any) -> int:
        """Hold the reporting thread's catch-up until the main thread switches."""
        if threading.get_ident() in reporter:
            caught.set()
            switched.wait(5)
        return real(self, **kwargs)

    monkeypatch.setattr(Materialiser, "catch_up", pausing)
    found: list[Any] = []

    def report() -> None:
        """Read the materialised report under the other thresholds."""
        reporter.append(threading.get_ident())
        try:
            found.append(ledger.power_sharing(materialised=True, thresholds=other))
        except Exception as error:
            found.append(error)

    worker = threading.Thread(target=report)
    worker.start()
    assert caught.wait(5)
    ledger.power_sharing(materialised=True)  # the default thresholds, meanwhile
    switched.set()
    worker.join(10)
    assert len(found) == 1
    assert not isinstance(found[0], Exception), found[0]
    assert found[0].indicators == expected.indicators


def close_waits_for(
    ledger: Ledger, work: Callable[[threading.Event, threading.Event], None]
) -> None:
    """Assert that close() waits for *work* running on another thread.

    *work* gets two events: it sets the first once it is under way, then waits
    for the second, which is set only after close(), started meanwhile on a
    third thread, has been seen still waiting. *work* must not raise.
    """
    started, go_on = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work(started, go_on)
        except BaseException as error:
            failures.append(error)

    closed = threading.Event()

    def close() -> None:
        ledger.close()
        closed.set()

    worker, closer = threading.Thread(target=run), threading.Thread(target=close)
    worker.start()
    assert started.wait(5)
    closer.start()
    assert not closed.wait(WAIT), "close() did not wait"
    go_on.set()
    worker.join(5)
    closer.join(5)
    assert closed.is_set()
    assert failures == []


def test_closing_waits_for_another_threads_open_batch(ledger_url: str) -> None:
    """close() from another thread lets a running batch finish and be stored.

    Before, it closed the connections under the batch at once: the batch then
    failed with a StorageError (or, on SQLite, a racing call crashed the
    process), and an in-memory one was left to write to a closed ledger.
    """
    ledger = Ledger.open(ledger_url)

    def batch(in_batch: threading.Event, go_on: threading.Event) -> None:
        """Record two members in a batch that waits, mid-way, for the main thread."""
        with ledger.batch():
            ledger.register_member("Ana")
            in_batch.set()
            go_on.wait(5)
            ledger.register_member("Ben")

    close_waits_for(ledger, batch)
    with pytest.raises(LedgerClosedError):
        ledger.members()
    if not ledger_url.startswith("memory"):
        with Ledger.open(ledger_url) as again:
            assert [m.name for m in again.members()] == ["Ana", "Ben"]


def test_closing_waits_for_another_threads_export(ledger_url: str) -> None:
    """An export running on another thread finishes before close() closes."""
    ledger = Ledger.open(ledger_url)
    for name in ("Ana", "Ben"):
        ledger.register_member(name)
    out = io.StringIO()

    def export(exporting: threading.Event, go_on: threading.Event) -> None:
        """Export, holding after the first event until the main thread says."""

        def progress(done: int, total: int) -> None:
            if done == 1:
                exporting.set()
                go_on.wait(5)

        ledger.export(out, progress)

    close_waits_for(ledger, export)
    assert len(out.getvalue().splitlines()) == 3  # the header and both events


def test_closing_inside_a_batch_while_another_thread_waits_does_not_hang(
    ledger_url: str,
) -> None:
    """close() inside this thread's batch, while another thread's command waits.

    The other thread's command waits for the batch (which holds the Ledger's
    lock). close() waited for that command before, and the batch could not
    end while close() waited: both threads hung for ever.
    """
    ledger = Ledger.open(ledger_url)
    waiting, done = threading.Event(), threading.Event()
    outcome: list[BaseException | None] = []
    other: list[BaseException | UUID] = []

    def register() -> None:
        try:
            other.append(ledger.register_member("Ben"))
        except BaseException as error:
            other.append(error)

    def batch() -> None:
        try:
            with ledger.batch():
                ledger.register_member("Ann")
                waiting.set()
                thread.start()
                # The other thread is now counted and waits for the batch.
                thread.join(WAIT)
                ledger.close()
        except BaseException as error:
            outcome.append(error)
        else:
            outcome.append(None)
        done.set()

    thread = threading.Thread(target=register, daemon=True)
    batcher = threading.Thread(target=batch, daemon=True)
    batcher.start()
    assert done.wait(10), "close() inside the batch hung"
    thread.join(10)
    assert isinstance(outcome[0], LedgerClosedError)
    assert "nothing was stored" in str(outcome[0])
    # The other thread's command had begun, so it finishes first, and is stored.
    [ben] = other
    assert isinstance(ben, UUID), repr(ben)
    with pytest.raises(LedgerClosedError):
        ledger.members()
    if not ledger_url.startswith("memory"):
        with Ledger.open(ledger_url) as again:
            assert [m.id for m in again.members()] == [ben]


class _HeldLeaves(list[Any]):
    """A leaf list whose next extend waits, events stored, until *go* is set."""

    def __init__(self, leaves: list[Any], halfway: threading.Event) -> None:
        super().__init__(leaves)
        self.halfway, self.go = halfway, threading.Event()

    def extend(self, rows: Any) -> None:
        self.halfway.set()
        self.go.wait(WAIT * 4)
        super().extend(rows)


def test_verifying_an_in_memory_ledger_while_another_thread_writes_finds_no_fault(
    memory_ledger: Ledger,
) -> None:
    """verify() never sees an event stored by another thread before its leaf."""
    memory_ledger.register_member("Ann")
    recorder: Any = memory_ledger._app.recorder
    halfway = threading.Event()
    recorder.leaves = held = _HeldLeaves(recorder.leaves, halfway)
    writer = threading.Thread(target=memory_ledger.register_member, args=("Bob",))
    writer.start()
    assert halfway.wait(WAIT * 4)
    reports: list[Any] = []
    checker = threading.Thread(target=lambda: reports.append(memory_ledger.verify()))
    checker.start()
    checker.join(WAIT)
    held.go.set()
    writer.join(WAIT * 4)
    checker.join(WAIT * 4)
    assert [r.status for r in reports] == ["PARTIAL"]  # sound, never checkpointed
    assert reports[0].size in {1, 2}
