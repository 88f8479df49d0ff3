"""Ballot casting for the concurrency tests, importable by spawned processes too.

The test module puts this folder on ``sys.path`` and imports it as
``concurrency_worker``; a child started with the 'spawn' method inherits that
``sys.path``, so it imports this module and unpickles its arguments by name.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from multiprocessing.queues import Queue
from typing import Any, NamedTuple
from uuid import UUID

from coledger import Ledger, LedgerError

STORED = "stored"
"""The result of a ballot that the ledger accepted."""

UNEXPECTED = "unexpected "
"""Prefix of the result of a ballot that raised something not a LedgerError."""

BARRIER_TIMEOUT = 60.0
"""Seconds a worker waits for the others to be ready before giving up."""


class PlannedBallot(NamedTuple):
    """One ballot a worker will cast: who votes what, and how to recognise it."""

    worker: str
    seq: int
    voter: UUID
    choice: str
    source_ref: str | None


class Outcome(NamedTuple):
    """What became of one planned ballot, and when the call ran (monotonic clock)."""

    ballot: PlannedBallot
    result: str
    started: float
    finished: float


def cast(ledger: Ledger, proposal: UUID, ballot: PlannedBallot) -> Outcome:
    """Cast one ballot and report it as stored, a LedgerError class, or unexpected."""
    started = time.monotonic()
    try:
        ledger.cast_ballot(
            proposal,
            voter=ballot.voter,
            choice=ballot.choice,
            source_ref=ballot.source_ref,
        )
    except LedgerError as error:
        result = type(error).__name__
    except Exception as error:  # reported, and the test fails on it
        kind = type(error)
        result = f"{UNEXPECTED}{kind.__module__}.{kind.__qualname__}: {error}"
    else:
        result = STORED
    return Outcome(ballot, result, started, time.monotonic())


def cast_all(
    ledger: Ledger,
    proposal: UUID,
    ballots: Sequence[PlannedBallot],
    barrier: threading.Barrier | None = None,
) -> list[Outcome]:
    """Warm up, wait for the other workers, then cast *ballots* one after another."""
    # Read what a ballot reads, so that first-use costs (decoders, keys, caches)
    # do not keep this worker out of the race the others have already started.
    ledger.proposal(proposal)
    for voter in {ballot.voter for ballot in ballots}:
        ledger.member(voter)
    if barrier is not None:
        barrier.wait(BARRIER_TIMEOUT)
    return [cast(ledger, proposal, ballot) for ballot in ballots]


def open_ledger(
    url: str,
    barrier: threading.Barrier | None = None,
    opening: AbstractContextManager[Any] | None = None,
) -> Ledger:
    """Open a ledger on *url* (one opener at a time under *opening*).

    If it cannot be opened, *barrier* is broken so that the other workers stop
    waiting instead of timing out.
    """
    try:
        with opening or nullcontext():
            return Ledger.open(url)
    except BaseException:
        if barrier is not None:
            barrier.abort()
        raise


def cast_with_own_ledger(
    url: str,
    proposal: UUID,
    ballots: Sequence[PlannedBallot],
    barrier: threading.Barrier | None = None,
    opening: AbstractContextManager[Any] | None = None,
) -> list[Outcome]:
    """Open a ledger of one's own on *url* and cast *ballots* through it."""
    with open_ledger(url, barrier, opening) as ledger:
        return cast_all(ledger, proposal, ballots, barrier)


def process_main(
    url: str,
    proposal: UUID,
    *,
    ballots: Sequence[PlannedBallot],
    barrier: threading.Barrier,
    opening: AbstractContextManager[Any],
    results: Queue[Any],
) -> None:
    """Run in a child process: put its outcomes, or why it failed, on *results*."""
    try:
        outcomes = cast_with_own_ledger(url, proposal, ballots, barrier, opening)
    except BaseException as error:
        barrier.abort()
        name = multiprocessing.current_process().name
        results.put(f"{name} failed: {type(error).__name__}: {error}")
        raise
    results.put(outcomes)
