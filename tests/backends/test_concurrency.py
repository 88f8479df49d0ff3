"""Concurrent ballots on one proposal: each is stored or refused with a typed error.

Several threads (each with its own Ledger, or all sharing one) and two spawned
processes cast ballots on the same open proposal, on a SQLite file and on
PostgreSQL. Afterwards the ledger is reopened and its history must hold exactly
the ballots reported as stored, and the tally must be each voter's latest ballot
in recorded order. No timing is asserted; only what was stored and what was said.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import pytest

import coledger
from coledger import Decision, Ledger, LedgerError, Rule
from coledger.domain.proposal import Proposal

# pytest imports test files by path, but a spawned child unpickles its target by
# module name: put this folder on sys.path (children inherit it) and import the
# worker module from there, under the one name both sides use. Appended, so that
# names found earlier on the path (conftest) still resolve as before.
HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.append(HERE)

from concurrency_worker import (  # noqa: E402 (needs the path above)
    BARRIER_TIMEOUT,
    STORED,
    Outcome,
    PlannedBallot,
    cast,
    cast_all,
    cast_with_own_ledger,
    open_ledger,
    process_main,
)

VOTERS = 6
"""Voting members of the body; fewer than the ballots, so ballots replace ballots."""
CHOICES = ("for", "against", "abstain", "block")
THREADS = 3
BALLOTS_PER_THREAD = 20
BALLOTS_PER_PROCESS = 30
CLOSE_AFTER = 8
"""In the race with close_voting, close once this many ballots were stored."""
MAX_BALLOTS_PER_RACER = 3000
"""A racer stops here even if it never saw the vote closed (the test then fails)."""
PAUSE_ONCE_ENOUGH = 0.005
"""Seconds a racer waits between ballots once the closer may go: racers that never
pause can starve the close on a loaded machine, which is not what is tested."""
AFTER_CLOSE = 2
"""Ballots each racer still casts after it first saw VotingNotOpenError."""
RESULT_TIMEOUT = 120.0
"""Seconds to wait for a child process's outcomes."""

RETRYABLE = frozenset({"ConcurrencyError", "StorageError"})
"""The typed errors a ballot may legitimately fail with under contention."""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The backends that several writers can share: a SQLite file and PostgreSQL."""
    name: str = request.param
    return name


@dataclass(frozen=True)
class Vote:
    """An open vote on one proposal, as set up before the ballots race."""

    url: str
    admin: UUID
    voters: tuple[UUID, ...]
    proposal: UUID
    position: int
    """The ledger position once voting opened: every later event is under test."""


def open_vote(url: str, voters: int = VOTERS) -> Vote:
    """Set up a body with *voters* voting members and a proposal open for voting."""
    with Ledger.open(url) as ledger:
        admin = ledger.register_member("Alex Admin", role="staff")
        members = tuple(
            ledger.register_member(f"Voter {i}", role="member") for i in range(voters)
        )
        board = ledger.establish_body(
            "Board", kind="governance", rule=Rule.majority(), by=admin
        )
        for member in members:
            ledger.assign_seat(board, member, seat="voting", by=admin)
        proposal = ledger.raise_proposal(
            board,
            proposers=[members[0]],
            title="Step-free access to the clubhouse",
            text="Install a ramp and a lift before the autumn season.",
        )
        ledger.open_voting(proposal, by=admin)
        return Vote(url, admin, members, proposal, ledger.position)


def ballot_stream(
    vote: Vote, worker: str, *, tagged: bool = True
) -> Iterator[PlannedBallot]:
    """Endless random ballots for *worker*; tagged ones carry a unique source_ref."""
    rng = random.Random(worker)  # a str seed is stable across runs
    for seq in itertools.count():
        yield PlannedBallot(
            worker=worker,
            seq=seq,
            voter=rng.choice(vote.voters),
            choice=rng.choice(CHOICES),
            source_ref=f"test:{worker}/{seq}" if tagged else None,
        )


def plan(
    vote: Vote, prefix: str, workers: int, ballots: int, *, tagged: bool = True
) -> list[list[PlannedBallot]]:
    """A list of *ballots* planned ballots for each of *workers* workers."""
    return [
        list(
            itertools.islice(
                ballot_stream(vote, f"{prefix}{i}", tagged=tagged), ballots
            )
        )
        for i in range(workers)
    ]


def gather(futures: Sequence[Future[list[Outcome]]]) -> list[Outcome]:
    """All the futures' outcomes; on failure, the root cause, not a broken barrier."""
    failures = [f.exception() for f in futures]
    for failure in failures:
        if failure is not None and not isinstance(
            failure, threading.BrokenBarrierError
        ):
            raise failure
    for failure in failures:
        if failure is not None:
            raise failure
    return [outcome for future in futures for outcome in future.result()]


def run_mixed(
    vote: Vote,
    process_plans: Sequence[Sequence[PlannedBallot]],
    thread_plans: Sequence[Sequence[PlannedBallot]] = (),
) -> list[Outcome]:
    """Cast from spawned processes and local threads at once, each with a Ledger."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(process_plans) + len(thread_plans))
    opening = ctx.Lock()
    results = ctx.Queue()
    processes = [
        ctx.Process(
            target=process_main,
            args=(vote.url, vote.proposal),
            kwargs={
                "ballots": ballots,
                "barrier": barrier,
                "opening": opening,
                "results": results,
            },
            name=f"ballots-{i}",
        )
        for i, ballots in enumerate(process_plans)
    ]
    outcomes: list[Outcome] = []
    try:
        for process in processes:
            process.start()
        with ThreadPoolExecutor(max_workers=max(1, len(thread_plans))) as pool:
            futures = [
                pool.submit(
                    cast_with_own_ledger,
                    vote.url,
                    vote.proposal,
                    ballots,
                    barrier,
                    opening,
                )
                for ballots in thread_plans
            ]
            for _ in processes:
                try:
                    item: object = results.get(timeout=RESULT_TIMEOUT)
                except queue.Empty:
                    pytest.fail("a ballot process did not report in time")
                if not isinstance(item, list):
                    pytest.fail(str(item))
                outcomes.extend(item)
            outcomes.extend(gather(futures))
        for process in processes:
            process.join(timeout=RESULT_TIMEOUT)
            assert process.exitcode == 0, f"{process.name} exited {process.exitcode}"
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
        results.close()
        results.join_thread()
    return outcomes


def run_threads(
    vote: Vote, plans: Sequence[Sequence[PlannedBallot]], *, shared: bool
) -> list[Outcome]:
    """Cast each plan from its own thread: each with its own Ledger, or one shared."""
    barrier = threading.Barrier(len(plans))
    opening = threading.Lock()
    with ThreadPoolExecutor(max_workers=len(plans)) as pool:
        if shared:
            with Ledger.open(vote.url) as ledger:
                futures = [
                    pool.submit(cast_all, ledger, vote.proposal, ballots, barrier)
                    for ballots in plans
                ]
                return gather(futures)
        futures = [
            pool.submit(
                cast_with_own_ledger, vote.url, vote.proposal, ballots, barrier, opening
            )
            for ballots in plans
        ]
        return gather(futures)


@dataclass(frozen=True)
class Audit:
    """What the reopened ledger holds after the race."""

    stored: list[Outcome]
    ballots: list[tuple[int, Proposal.BallotCast]]
    closing: list[tuple[int, Proposal.Event]]
    latest: dict[UUID, str]


def expected_counts(latest: dict[UUID, str]) -> dict[str, int]:
    """Counts per choice of the latest ballot of each voter."""
    counted = Counter(latest.values())
    return {choice: counted[choice] for choice in CHOICES}


def audit(
    vote: Vote, outcomes: Sequence[Outcome], *, allowed: frozenset[str] = RETRYABLE
) -> Audit:
    """Check the history against what every ballot was told; return what it holds."""
    unexpected = [o for o in outcomes if o.result != STORED and o.result not in allowed]
    assert not unexpected, f"ballots with an unexpected result: {unexpected}"
    for name in {o.result for o in outcomes} - {STORED}:
        error = getattr(coledger, name)
        assert isinstance(error, type)
        assert issubclass(error, LedgerError), name

    with Ledger.open(vote.url) as ledger:
        later = list(ledger.history(after=vote.position))
        ballots: list[tuple[int, Proposal.BallotCast]] = []
        closing: list[tuple[int, Proposal.Event]] = []
        for recorded in later:
            event = recorded.event
            assert event.originator_id == vote.proposal, f"stray event {event!r}"
            if isinstance(event, Proposal.BallotCast):
                ballots.append((recorded.position, event))
            else:
                assert isinstance(event, Proposal.VotingClosed | Proposal.Decided), (
                    f"stray event {event!r}"
                )
                closing.append((recorded.position, event))

        stored = [o for o in outcomes if o.result == STORED]
        # Every ballot reported stored is in the history, and nothing else is.
        assert Counter((o.ballot.voter, o.ballot.choice) for o in stored) == Counter(
            (event.voter, event.choice) for _, event in ballots
        )
        assert len(ballots) == len(stored)
        for _, event in ballots:
            assert event.actor == event.voter
            assert event.supporter is None
        refs = [event.source_ref for _, event in ballots]
        if any(o.ballot.source_ref for o in outcomes):
            # Tagged ballots: each stored one exactly once, and no refused one at all.
            assert sorted(map(str, refs)) == sorted(
                str(o.ballot.source_ref) for o in stored
            )
            assert len(set(refs)) == len(refs)
            # A worker casts one ballot after another, so its ballots keep its order.
            position = {event.source_ref: pos for pos, event in ballots}
            for worker in {o.ballot.worker for o in stored}:
                mine = [
                    position[o.ballot.source_ref]
                    for o in stored
                    if o.ballot.worker == worker
                ]
                assert mine == sorted(mine), f"{worker}'s ballots out of order"

        latest: dict[UUID, str] = {}
        for _, event in ballots:  # in recorded order
            latest[event.voter] = event.choice
        expected = expected_counts(latest)
        assert dict(ledger.tally(vote.proposal).counts) == expected
        view = ledger.proposal(vote.proposal)
        assert {b.voter: b.choice for b in view.ballots} == latest
        assert view.version == len(ballots) + len(closing) + vote_version(vote, ledger)
    return Audit(stored, ballots, closing, latest)


def vote_version(vote: Vote, ledger: Ledger) -> int:
    """The proposal's version once voting opened (its events before the race)."""
    return sum(
        1
        for recorded in ledger.history(until=vote.position)
        if recorded.event.originator_id == vote.proposal
    )


def summary(outcomes: Sequence[Outcome]) -> Counter[str]:
    """How many ballots ended each way (shown when a test fails)."""
    return Counter(o.result for o in outcomes)


def test_threads_with_their_own_ledgers(ledger_url: str) -> None:
    """Threads, each with its own Ledger on one URL: no ballot is silently lost."""
    vote = open_vote(ledger_url)
    outcomes = run_threads(
        vote, plan(vote, "t", THREADS, BALLOTS_PER_THREAD), shared=False
    )
    assert len(outcomes) == THREADS * BALLOTS_PER_THREAD
    found = audit(vote, outcomes)
    assert found.stored, summary(outcomes)
    assert not found.closing


def test_threads_sharing_one_ledger(ledger_url: str) -> None:
    """Threads sharing one Ledger object: no ballot is silently lost.

    These ballots carry no source_ref (the plain call), so the history is checked
    by voter and choice alone.
    """
    vote = open_vote(ledger_url)
    plans = plan(vote, "s", THREADS, BALLOTS_PER_THREAD, tagged=False)
    outcomes = run_threads(vote, plans, shared=True)
    assert len(outcomes) == THREADS * BALLOTS_PER_THREAD
    found = audit(vote, outcomes)
    assert found.stored, summary(outcomes)


def test_two_processes(ledger_url: str) -> None:
    """Two spawned processes, each with its own Ledger: no ballot is silently lost."""
    vote = open_vote(ledger_url)
    outcomes = run_mixed(vote, plan(vote, "p", 2, BALLOTS_PER_PROCESS))
    assert len(outcomes) == 2 * BALLOTS_PER_PROCESS
    assert {o.ballot.worker for o in outcomes} == {"p0", "p1"}
    found = audit(vote, outcomes)
    assert found.stored, summary(outcomes)


@pytest.mark.slow
def test_processes_and_threads_at_scale(ledger_url: str) -> None:
    """Two processes and two threads, many ballots each, all at once."""
    vote = open_vote(ledger_url, voters=10)
    outcomes = run_mixed(
        vote, plan(vote, "p", 2, 100), thread_plans=plan(vote, "t", 2, 100)
    )
    assert len(outcomes) == 400
    found = audit(vote, outcomes)
    assert found.stored, summary(outcomes)


@dataclass
class CloseRace:
    """Shared state of the race between ballots and close_voting."""

    vote: Vote
    barrier: threading.Barrier
    lock: threading.Lock
    enough: threading.Event
    opening: threading.Lock = field(default_factory=threading.Lock)
    stored: int = 0
    close_started: float = 0.0
    close_finished: float = 0.0
    decision: Decision | None = None
    close_attempts: int = 0


def race_ballots(race: CloseRace, worker: str) -> list[Outcome]:
    """Cast ballots until the vote is seen closed, then a few more."""
    outcomes: list[Outcome] = []
    refused_after_close = 0
    with open_ledger(race.vote.url, race.barrier, race.opening) as ledger:
        race.barrier.wait(BARRIER_TIMEOUT)
        stream = ballot_stream(race.vote, worker)
        for ballot in itertools.islice(stream, MAX_BALLOTS_PER_RACER):
            if race.enough.is_set():
                time.sleep(PAUSE_ONCE_ENOUGH)
            outcome = cast(ledger, race.vote.proposal, ballot)
            outcomes.append(outcome)
            if outcome.result == STORED:
                with race.lock:
                    race.stored += 1
                    if race.stored >= CLOSE_AFTER:
                        race.enough.set()
            elif outcome.result == "VotingNotOpenError":
                refused_after_close += 1
                if refused_after_close > AFTER_CLOSE:
                    break
    return outcomes


def race_close(race: CloseRace) -> None:
    """Close voting once enough ballots are in, retrying a close that lost races."""
    with open_ledger(race.vote.url, race.barrier, race.opening) as ledger:
        race.barrier.wait(BARRIER_TIMEOUT)
        assert race.enough.wait(BARRIER_TIMEOUT), "ballots never got stored"
        race.close_started = time.monotonic()
        for attempt in range(1, 6):
            race.close_attempts = attempt
            try:
                race.decision = ledger.close_voting(
                    race.vote.proposal, by=race.vote.admin
                )
            except coledger.ConcurrencyError:
                continue
            break
        race.close_finished = time.monotonic()


def test_ballots_race_close_voting(ledger_url: str) -> None:
    """Ballots racing close_voting: after the close they are refused and not stored."""
    vote = open_vote(ledger_url)
    race = CloseRace(
        vote, threading.Barrier(THREADS + 1), threading.Lock(), threading.Event()
    )
    with ThreadPoolExecutor(max_workers=THREADS + 1) as pool:
        racers = [pool.submit(race_ballots, race, f"r{i}") for i in range(THREADS)]
        closer = pool.submit(race_close, race)
        outcomes = gather(racers)
        closer.result()
    assert race.decision is not None, f"close_voting kept losing: {race.close_attempts}"

    found = audit(
        vote, outcomes, allowed=RETRYABLE | {coledger.VotingNotOpenError.__name__}
    )
    assert found.stored, summary(outcomes)

    # Told apart by the clock: a ballot begun after close_voting returned is refused,
    # and no ballot finished before it began was told the vote was closed.
    for outcome in outcomes:
        if outcome.started > race.close_finished:
            assert outcome.result == "VotingNotOpenError", outcome
        if outcome.result == "VotingNotOpenError":
            assert outcome.finished >= race.close_started, outcome
    # Each racer saw the close, and once refused was never accepted again.
    for worker in {o.ballot.worker for o in outcomes}:
        results = [o.result for o in outcomes if o.ballot.worker == worker]
        assert "VotingNotOpenError" in results, f"{worker} never saw the close"
        first = results.index("VotingNotOpenError")
        assert STORED not in results[first:], f"{worker} voted after the close"

    # In the history: every stored ballot, then the close and its decision.
    kinds = [type(event) for _, event in found.closing]
    assert kinds == [Proposal.VotingClosed, Proposal.Decided]
    closed_at = found.closing[0][0]
    assert all(position < closed_at for position, _ in found.ballots)
    closed = found.closing[0][1]
    assert isinstance(closed, Proposal.VotingClosed)
    expected = expected_counts(found.latest)
    assert {
        "for": closed.for_,
        "against": closed.against,
        "abstain": closed.abstain,
        "block": closed.block,
    } == expected
    assert race.decision.tally is not None
    assert dict(race.decision.tally.counts) == expected


OPENERS = 4


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "fresh"])
def test_ledgers_open_at_the_same_moment(ledger_url: str, existing: bool) -> None:
    """Several Ledgers opened at once on one URL all open, and see the same record."""
    if existing:
        open_vote(ledger_url)
    barrier = threading.Barrier(OPENERS)

    def opener() -> int:
        barrier.wait(BARRIER_TIMEOUT)
        with Ledger.open(ledger_url) as ledger:
            return ledger.position

    with ThreadPoolExecutor(max_workers=OPENERS) as pool:
        futures = [pool.submit(opener) for _ in range(OPENERS)]
        positions = [future.result() for future in futures]
    assert len(set(positions)) == 1
