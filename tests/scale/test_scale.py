"""Scale-out: many writers, a killed projection worker, many organisations."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from coledger import Ledger, Rule
from coledger.demo import record_year
from coledger.errors import UnknownMemberError
from coledger.projections.lens import Scope
from coledger.projections.materialise import comparable
from conftest import PG_BASE, drop_schema, require_postgres

WORKER = Path(__file__).with_name("scale_worker.py")
COLEDGER = str(Path(sys.executable).parent / "coledger")


def setup_vote(url: str, voters: int = 6) -> list[str]:
    """A body, its voters and a proposal open for voting; returns their ids."""
    with Ledger.open(url) as ledger:
        admin = ledger.register_member("Admin", role="staff")
        members = [
            ledger.register_member(f"Voter {i}", role="trainer", by=admin)
            for i in range(voters)
        ]
        body = ledger.establish_body(
            "Board", kind="governance", rule=Rule.majority(), by=admin
        )
        for member in members:
            ledger.assign_seat(body, member, by=admin)
        proposal = ledger.raise_proposal(
            body, proposers=[members[0]], title="T", text="x"
        )
        ledger.open_voting(proposal, by=admin)
    return [str(proposal), str(admin), *(str(m) for m in members)]


def start_writer(
    url: str, ack: Path, worker: int, commands: int, ids: list[str]
) -> subprocess.Popen[bytes]:
    """A writer process recording *commands* commands."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, str(ack), str(worker), str(commands), *ids]
    )


def stored_refs(ack: Path) -> set[str]:
    """The source references a writer reported as stored."""
    if not ack.exists():
        return set()
    return {
        line.split()[1]
        for line in ack.read_text().splitlines()
        if line.startswith("stored ")
    }


@pytest.mark.postgres
def test_writers_killed_midway_lose_nothing_acknowledged(tmp_path: Path) -> None:
    """Writers killed mid-way lose no acknowledged command and write none twice."""
    require_postgres()
    schema = f"t_scale_{random.randrange(16**8):08x}"
    url = f"{PG_BASE}?schema={schema}"
    try:
        ids = setup_vote(url)
        acks = [tmp_path / f"ack{w}.txt" for w in range(3)]
        writers = [start_writer(url, acks[w], w, 40, ids) for w in range(3)]
        deadline = time.monotonic() + 60
        while len(stored_refs(acks[0])) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        writers[0].send_signal(signal.SIGKILL)
        for writer in writers:
            writer.wait(timeout=120)
        acknowledged = set().union(*(stored_refs(a) for a in acks))
        assert len(stored_refs(acks[1])) + len(stored_refs(acks[2])) == 80
        with Ledger.open(url) as ledger:
            refs = Counter(
                r.event.source_ref for r in ledger.history() if r.event.source_ref
            )
            assert all(refs[ref] == 1 for ref in acknowledged), "a command stored twice"
            assert acknowledged <= set(refs), "an acknowledged command is missing"
            # The killed writer may have stored its last command without
            # acknowledging it; nothing else may be in the log.
            unacknowledged = set(refs) - acknowledged
            assert all(ref.startswith("test:w0/") for ref in unacknowledged)
            assert len(unacknowledged) <= 1
            report = ledger.verify()
            assert report.status == "PARTIAL"
            assert report.counts == {"NO_CHECKPOINT": 1}
            assert report.size == ledger.position or report.size == sum(
                1 for _ in ledger.history()
            )
            projector = ledger.projections()
            projector.catch_up()
            stored = projector.read(Scope.ledger())
            assert stored is not None
            folded = ledger.power_sharing(as_of=ledger.position)
            assert comparable(stored) == comparable(folded)
    finally:
        drop_schema(schema)


def test_a_killed_projection_worker_resumes_exactly(tmp_path: Path) -> None:
    """A worker killed with SIGKILL and restarted ends equal to a rebuild."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as ledger:
        record_year(ledger, seed=7)
    rng = random.Random(11)
    for _ in range(3):
        worker = subprocess.Popen(
            [COLEDGER, "follow", "--db", url, "--poll", "0.05"],
        )
        time.sleep(rng.uniform(0.3, 1.5))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        with Ledger.open(url) as ledger:
            member = ledger.members()[0].id
            ledger.register_member(f"Joiner {rng.random():.6f}", by=member)
    worker = subprocess.Popen(
        [COLEDGER, "follow", "--db", url, "--poll", "0.05"],
    )
    try:
        with Ledger.open(url) as ledger:
            head = ledger.position
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if ledger.projections().tables.position() == head:
                    break
                time.sleep(0.1)
            assert ledger.projections().tables.position() == head
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    with Ledger.open(url) as ledger:
        followed = {
            scope: comparable(ledger.projections().read(scope))  # type: ignore[arg-type]
            for scope in _scopes(ledger)
        }
        ledger.projections().rebuild()
        rebuilt = {
            scope: comparable(ledger.projections().read(scope))  # type: ignore[arg-type]
            for scope in _scopes(ledger)
        }
    assert followed == rebuilt


def _scopes(ledger: Ledger) -> list[Scope]:
    return [
        Scope.ledger(),
        *(Scope.body(b.id) for b in ledger.bodies()),
        *(Scope.project(p.id) for p in ledger.projects()),
    ]


@pytest.mark.postgres
def test_two_organisations_on_one_server_never_see_each_other() -> None:
    """Two ledgers in two schemas of one database share no event, key or figure."""
    require_postgres()
    schemas = [f"t_org_{random.randrange(16**8):08x}" for _ in range(2)]
    try:
        urls = [f"{PG_BASE}?schema={s}" for s in schemas]
        with Ledger.open(urls[0]) as one, Ledger.open(urls[1]) as two:
            a = one.register_member("Alice of One", role="trainer")
            b = two.register_member("Bob of Two", role="trainer")
            two.register_member("Carol of Two", role="staff", by=b)
            assert [m.name for m in one.members()] == ["Alice of One"]
            assert [m.name for m in two.members()] == ["Bob of Two", "Carol of Two"]
            assert {r.event.originator_id for r in one.history()} == {a}
            with pytest.raises(UnknownMemberError, match="no member"):
                one.member(b)
            assert one.verify().size == 1
            assert two.verify().size == 2
            one.projections().catch_up()
            two.projections().catch_up()
            assert one.projections().tables.position() == 1
            assert two.projections().tables.position() == 2
    finally:
        for schema in schemas:
            drop_schema(schema)


@pytest.mark.postgres
def test_a_postgres_worker_is_woken_by_the_writers_notify() -> None:
    """On PostgreSQL the worker catches up on NOTIFY, long before its poll is due."""
    require_postgres()
    schema = f"t_push_{random.randrange(16**8):08x}"
    url = f"{PG_BASE}?schema={schema}"
    stop = threading.Event()
    try:
        with Ledger.open(url) as writer, Ledger.open(url) as reader:
            admin = writer.register_member("Admin", role="staff")
            projector = reader.projections()
            projector.catch_up()
            batches: list[int] = []
            worker = threading.Thread(
                target=projector.follow,
                args=(stop,),
                kwargs={"poll": 600.0, "on_batch": batches.append},
                daemon=True,  # if no NOTIFY came, it would sleep out the poll
            )
            worker.start()
            time.sleep(0.5)  # waiting on LISTEN by now, or its first catch-up sees this
            writer.register_member("Newcomer", role="trainer", by=admin)
            deadline = time.monotonic() + 60
            # on_batch is told after the batch's commit, which readers see first.
            while (
                projector.tables.position() < 2 or not batches
            ) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert projector.tables.position() == 2
            assert batches == [1]
            stop.set()
            writer.register_member("Last", role="trainer", by=admin)  # wakes it to stop
            worker.join(timeout=60)
            assert not worker.is_alive()
    finally:
        stop.set()
        drop_schema(schema)
