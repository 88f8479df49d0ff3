"""A connection lost as PostgreSQL commits never makes a command store twice."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from coledger import Ledger, errors
from coledger.integrity.postgres import INSERT_ATTEMPTS, OneTripPostgresRecorder
from conftest import PG_BASE

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ledger(pg_schema: str) -> Iterator[Ledger]:
    """A ledger in a fresh PostgreSQL schema."""
    with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as ledger:
        yield ledger


def _lose_replies(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, *, committed: bool, times: int = 1
) -> list[int]:
    """Make the next *times* inserts fail as a dropped connection would.

    With *committed*, the insert reaches the server and commits before the
    reply is lost; without, nothing reaches it. Returns a list that counts
    the failures made.
    """
    recorder: Any = ledger._app.recorder
    assert isinstance(recorder, OneTripPostgresRecorder)
    real = recorder._insert_once
    failures: list[int] = []

    def lossy(statement: Any, params: Any, count: int) -> list[int]:
        if len(failures) < times:
            failures.append(1)
            if committed:
                real(statement, params, count)
            raise OperationalError("server closed the connection unexpectedly")
        found: list[int] = real(statement, params, count)
        return found

    monkeypatch.setattr(recorder, "_insert_once", lossy)
    return failures


def test_a_reply_lost_after_commit_stores_the_command_once(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry finds its own committed events and the command runs no second time."""
    before = pg_ledger.position
    failures = _lose_replies(monkeypatch, pg_ledger, committed=True)
    alice = pg_ledger.register_member("Alice")
    assert failures == [1]
    registered = list(pg_ledger.history(after=before))
    assert [r.event.originator_id for r in registered] == [alice]
    assert [m.name for m in pg_ledger.members()] == ["Alice"]


def test_a_reply_lost_before_commit_is_simply_retried(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An insert that never reached the server is sent again and stored once."""
    failures = _lose_replies(monkeypatch, pg_ledger, committed=False, times=2)
    alice = pg_ledger.register_member("Alice")
    assert failures == [1, 1]
    assert [m.id for m in pg_ledger.members()] == [alice]


def test_another_writers_events_at_the_same_place_are_still_a_conflict(
    pg_ledger: Ledger,
) -> None:
    """Stored events that differ from ours in a byte are not taken for ours."""
    alice = pg_ledger.register_member("Alice")
    recorder: Any = pg_ledger._app.recorder
    ours = list(recorder.select_events(alice))
    assert recorder._stored_already(ours) is not None
    theirs = [
        type(e)(e.originator_id, e.originator_version, e.topic, e.state + b" ")
        for e in ours
    ]
    assert recorder._stored_already(theirs) is None


def test_a_connection_that_stays_lost_fails_plainly(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After every try fails, the command reports a storage error and stores nothing."""
    monkeypatch.setattr("coledger.integrity.postgres.INSERT_WAIT", 0)
    before = pg_ledger.position
    _lose_replies(monkeypatch, pg_ledger, committed=False, times=10**6)
    with pytest.raises(errors.StorageError, match="closed the connection") as raised:
        pg_ledger.register_member("Alice")
    assert not isinstance(raised.value, errors.OutcomeUnknownError)  # looked: none
    assert pg_ledger.position == before


class _ServerSaidError(Exception):
    """A server error with its SQLSTATE, as psycopg raises them."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server error {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("sqlstate", "ours"), [("40P01", False), ("57P01", True)])
def test_only_a_lost_connection_lets_a_retry_take_stored_events_for_its_own(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, sqlstate: str, ours: bool
) -> None:
    """After a deadlock the server rolled back: equal events are another's."""
    alice = pg_ledger.register_member("Alice")
    recorder: Any = pg_ledger._app.recorder
    template = next(iter(recorder.select_events(alice)))
    fresh = [type(template)(uuid4(), 1, template.topic, template.state)]
    real = recorder._insert_once
    calls: list[int] = []

    def failing_first(statement: Any, params: Any, count: int) -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            # The same bytes land, as another writer's would.
            real(statement, params, count)
            failure = OperationalError(f"failed with {sqlstate}")
            failure.__cause__ = _ServerSaidError(sqlstate)
            raise failure
        found: list[int] = real(statement, params, count)
        return found

    monkeypatch.setattr(recorder, "_insert_once", failing_first)
    if ours:
        assert len(recorder.insert_events(fresh)) == 1
    else:
        with pytest.raises(IntegrityError):
            recorder.insert_events(fresh)
    assert calls == [1, 1]


def test_an_import_whose_reply_was_lost_after_commit_is_stored_once(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import's retry into an empty ledger finds its own events, not another's."""
    with Ledger.open("memory://") as source:
        ada = source.register_member("Ada")
        source.register_member("Bo")
        source.change_role(ada, "trainer", by=ada)
        out = io.StringIO()
        source.export(out)
    failures = _lose_replies(monkeypatch, pg_ledger, committed=True)
    done = pg_ledger.import_events(out.getvalue().splitlines())
    assert failures == [1]
    assert done.events == pg_ledger.position == 3
    assert sorted(m.name for m in pg_ledger.members()) == ["Ada", "Bo"]
    assert pg_ledger.verify().size == 3


def test_a_read_record_changed_before_the_retry_does_not_run_the_command_again(
    pg_ledger: Ledger, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry refused by its read guard first looks for its own committed events.

    The first try committed, its reply was lost, and before the retry another
    writer changed the member it acted as: the retry's guard stores nothing,
    which says nothing about the first try, whose events are there.
    """
    alice = pg_ledger.register_member("Alice")
    recorder: Any = pg_ledger._app.recorder
    real = recorder._insert_once
    failures: list[int] = []

    def lossy(statement: Any, params: Any, count: int) -> list[int]:
        if not failures:
            failures.append(1)
            real(statement, params, count)
            with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as other:
                other.change_role(alice, "trainer", by=alice)
            raise OperationalError("server closed the connection unexpectedly")
        found: list[int] = real(statement, params, count)
        return found

    monkeypatch.setattr(recorder, "_insert_once", lossy)
    before = pg_ledger.position
    bob = pg_ledger.register_member("Bob", by=alice)
    assert failures == [1]
    registered = [
        r.event.originator_id
        for r in pg_ledger.history(after=before)
        if r.event.originator_id != alice
    ]
    assert registered == [bob]
    assert sorted(m.name for m in pg_ledger.members()) == ["Alice", "Bob"]


def _lose_every_reply_after_a_commit(
    monkeypatch: pytest.MonkeyPatch, ledger: Ledger, *, recheck: bool
) -> list[int]:
    """The first insert commits and loses its reply; the connection then stays lost.

    Without *recheck*, the recorder's last look for its own events fails too,
    as it would while the server stays unreachable. Returns the tries made.
    """
    monkeypatch.setattr("coledger.integrity.postgres.INSERT_WAIT", 0)
    recorder: Any = ledger._app.recorder
    real = recorder._insert_once
    tries: list[int] = []

    def lost(statement: Any, params: Any, count: int) -> list[int]:
        tries.append(1)
        if len(tries) == 1:
            real(statement, params, count)
        raise OperationalError("server closed the connection unexpectedly")

    def unreachable(stored_events: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(recorder, "_insert_once", lost)
    if not recheck:
        monkeypatch.setattr(recorder, "_stored_already", unreachable)
    return tries


def test_every_try_failing_after_a_commit_that_may_have_landed_is_outcome_unknown(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller is told the command may or may not be stored, and how to check."""
    alice = pg_ledger.register_member("Alice")
    before = pg_ledger.position
    tries = _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=False)
    with pytest.raises(errors.OutcomeUnknownError) as raised:
        pg_ledger.change_role(alice, "trainer", by=alice)
    assert len(tries) == INSERT_ATTEMPTS
    assert isinstance(raised.value, errors.StorageError)
    message = str(raised.value)
    assert "may or may not have been stored" in message
    assert "closed the connection" in message
    assert "history()" in message
    monkeypatch.undo()
    assert pg_ledger.position == before + 1  # it had landed, as it may have
    assert pg_ledger.member(alice).role == "trainer"


def test_every_try_failing_after_a_commit_found_by_a_last_look_is_stored(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the server answers one last look, the commit that landed is the result."""
    alice = pg_ledger.register_member("Alice")
    before = pg_ledger.position
    tries = _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=True)
    pg_ledger.change_role(alice, "trainer", by=alice)
    assert len(tries) == INSERT_ATTEMPTS
    assert pg_ledger.position == before + 1
    assert pg_ledger.member(alice).role == "trainer"


def test_an_import_whose_every_try_failed_after_a_commit_is_outcome_unknown(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import that may have landed says so too, and how to check."""
    with Ledger.open("memory://") as source:
        source.register_member("Ada")
        out = io.StringIO()
        source.export(out)
    _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=False)
    with pytest.raises(errors.OutcomeUnknownError, match="may or may not"):
        pg_ledger.import_events(out.getvalue().splitlines())
    monkeypatch.undo()
    assert [m.name for m in pg_ledger.members()] == ["Ada"]


def test_a_batch_whose_every_try_failed_after_a_commit_is_outcome_unknown(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that may have landed says so, naming the batch, and keeps its keys."""
    _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=False)
    with (
        pytest.raises(errors.OutcomeUnknownError, match="the batch may or may not"),
        pg_ledger.batch(),
    ):
        ada = pg_ledger.register_member("Ada")
    monkeypatch.undo()
    assert pg_ledger.member(ada).name == "Ada"  # landed, and its key was kept


def test_an_erasure_whose_every_try_failed_after_a_commit_is_outcome_unknown(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure that may have landed says so, not that it was not recorded.

    It destroys the keys before it writes: KeysDestroyedError took the place
    of OutcomeUnknownError, saying that the erasure was not recorded (and a
    batch that none of its events was) when they may have been.
    """
    admin = pg_ledger.register_member("Admin", role="staff")
    ada = pg_ledger.register_member("Ada")
    _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=False)
    with pytest.raises(errors.OutcomeUnknownError, match="may or may not"):
        pg_ledger.erase_member(ada, by=admin)
    monkeypatch.undo()
    assert pg_ledger.member(ada).erased  # it had landed, as it may have


@pytest.mark.parametrize("shred", ["erase", "withdraw"])
def test_a_shredding_whose_outcome_is_unknown_says_the_keys_and_tables(
    pg_ledger: Ledger, monkeypatch: pytest.MonkeyPatch, shred: str
) -> None:
    """The error says the keys are gone either way, and to catch the tables up.

    Keys go before the write, and the projection tables are rewritten only
    after it is stored. An erasure or withdrawal whose outcome is unknown
    left them showing the member's lived experience once it had landed, and
    the advice (run it again only if it is not there) never rewrote them.
    """
    admin = pg_ledger.register_member("Admin", role="staff")
    sam = pg_ledger.register_member("Sam", by=admin)
    pg_ledger.declare_lived_experience(sam, categories=["DIS"])
    pg_ledger.projections().catch_up()
    command = (
        functools.partial(pg_ledger.erase_member, sam, by=admin)
        if shred == "erase"
        else functools.partial(pg_ledger.withdraw_lived_experience, sam)
    )
    _lose_every_reply_after_a_commit(monkeypatch, pg_ledger, recheck=False)
    with pytest.raises(errors.OutcomeUnknownError) as raised:
        command()
    message = str(raised.value)
    assert "may or may not" in message
    assert f"the keys of member {sam}" in message
    assert "unreadable whether or not" in message
    assert "projections().catch_up()" in message
    assert raised.value.keys_destroyed == (sam,)


@pytest.mark.parametrize("refusal", ["version", "reads"])
def test_a_retry_refused_after_a_lost_commit_with_no_answer_to_its_look_is_unknown(
    pg_ledger: Ledger,
    pg_schema: str,
    monkeypatch: pytest.MonkeyPatch,
    refusal: str,
) -> None:
    """A retry refused after a lost commit, its look unanswered, is outcome unknown.

    The first try committed and lost its reply; the retry was refused (by its
    own events at their versions, or by its read guard after another writer
    changed a record read), and the look for its events then lost the server
    too: the command may well be stored, and a plain StorageError, which says
    nothing was, would have it run again.
    """
    alice = pg_ledger.register_member("Alice")
    recorder: Any = pg_ledger._app.recorder
    real = recorder._insert_once
    tries: list[int] = []

    def lossy(statement: Any, params: Any, count: int) -> list[int]:
        tries.append(1)
        if len(tries) == 1:
            real(statement, params, count)
            if refusal == "reads":
                with Ledger.open(f"{PG_BASE}?schema={pg_schema}") as other:
                    other.change_role(alice, "trainer", by=alice)
            raise OperationalError("server closed the connection unexpectedly")
        found: list[int] = real(statement, params, count)
        return found

    def unreachable(stored_events: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(recorder, "_insert_once", lossy)
    monkeypatch.setattr(recorder, "_stored_already", unreachable)
    before = pg_ledger.position
    with pytest.raises(errors.OutcomeUnknownError, match="may or may not"):
        pg_ledger.register_member("Bob", by=alice)
    assert tries == [1, 1]
    monkeypatch.undo()
    assert "Bob" in [m.name for m in pg_ledger.members()]  # it had landed
    assert pg_ledger.position > before
