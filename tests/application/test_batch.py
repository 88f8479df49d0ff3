"""A batch stores everything or nothing, even when the caller catches a refusal."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import OperationalError, PersistenceError

from coledger import (
    DuplicateSourceRefError,
    Ledger,
    LedgerError,
    StorageError,
    WrongStateError,
)
from coledger.imports import import_polis

Refusal = Callable[[Ledger, dict[str, UUID]], Any]

REFUSALS: dict[str, Refusal] = {
    "an unknown choice": lambda led, ids: led.cast_ballot(
        ids["voting"], voter=ids["admin"], choice="maybe"
    ),
    "an empty comment": lambda led, ids: led.comment(
        ids["open"], author=ids["admin"], text=""
    ),
    "an unknown role": lambda led, _: led.register_member("Kit", role="wizard"),
    "a naive time": lambda led, ids: led.comment(
        ids["open"],
        author=ids["admin"],
        text="hello",
        occurred_at=datetime(2025, 1, 1),  # noqa: DTZ001 (naive on purpose)
    ),
    "an id that is not a UUID": lambda led, ids: led.comment(
        str(ids["open"]),  # type: ignore[arg-type]
        author=ids["admin"],
        text="hello",
    ),
    "an unknown proposal": lambda led, ids: led.comment(
        uuid4(), author=ids["admin"], text="hello"
    ),
    "voting not open": lambda led, ids: led.cast_ballot(
        ids["open"], voter=ids["admin"], choice="for"
    ),
}


def scene(ledger: Ledger) -> dict[str, UUID]:
    """A board with one voting member, a proposal open to comments and one to votes."""
    admin = ledger.register_member("Admin", role="staff")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, admin, seat="voting", by=admin)
    open_ = ledger.raise_proposal(board, proposers=[admin], title="Open", text="x")
    voting = ledger.raise_proposal(board, proposers=[admin], title="Vote", text="y")
    ledger.open_voting(voting, by=admin)
    return {"admin": admin, "open": open_, "voting": voting}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_a_caught_refusal_fails_the_whole_batch(ledger: Ledger, refusal: str) -> None:
    """Whatever a command refuses, and however early, the batch then stores nothing."""
    ids = scene(ledger)
    before = ledger.position

    def record_and_refuse() -> None:
        """A good comment, then the refusal, caught, in one batch."""
        with ledger.batch():
            ledger.comment(ids["open"], author=ids["admin"], text="kept with the rest")
            with pytest.raises(LedgerError):
                REFUSALS[refusal](ledger, ids)

    with pytest.raises(WrongStateError, match="failed"):
        record_and_refuse()
    assert ledger.position == before
    assert ledger.proposal(ids["open"]).comments == ()


def test_a_query_that_finds_nothing_leaves_the_batch_alone(ledger: Ledger) -> None:
    """A lookup of an unknown record inside a batch is not a refused command."""
    ids = scene(ledger)
    with ledger.batch():
        ledger.comment(ids["open"], author=ids["admin"], text="stored")
        with pytest.raises(LedgerError):
            ledger.proposal(uuid4())
    assert [c.text for c in ledger.proposal(ids["open"]).comments] == ["stored"]


def test_a_batch_s_new_members_keys_go_only_if_its_write_stored_nothing(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys made for a failed batch's members are deleted, unless the write landed."""
    ledger = memory_ledger
    rows: Any = ledger._keys
    before = set(rows._rows)
    recorder = ledger._app.recorder
    real = recorder.insert_events

    def refused(*_: object, **__: object) -> None:
        raise PersistenceError("disk full")

    def landed_unacknowledged(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        raise PersistenceError("connection lost after COMMIT")

    def register(name: str) -> None:
        with ledger.batch():
            ledger.register_member(name)
            ledger.register_member(f"{name}'s friend")

    with monkeypatch.context() as patch:
        patch.setattr(recorder, "insert_events", refused)
        with pytest.raises(StorageError):
            register("Ada")
    assert set(rows._rows) == before
    with monkeypatch.context() as patch:
        patch.setattr(recorder, "insert_events", landed_unacknowledged)
        with pytest.raises(StorageError):
            register("Bo")
    assert sorted(m.name for m in ledger.members()) == ["Bo", "Bo's friend"]


def test_a_storage_failure_inside_a_batch_is_a_storage_error(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command or query failing on storage inside a batch raises StorageError."""
    admin = ledger.register_member("Admin", role="staff")
    recorder = ledger._app.recorder

    def lost(*_: object, **__: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    caught: list[type[BaseException]] = []

    def failing_calls() -> None:
        """A command and a query in a batch, each failing on storage, caught."""
        with ledger.batch():
            ledger.register_member("Kit", by=admin)
            with monkeypatch.context() as patch:
                patch.setattr(recorder, "select_notifications", lost)
                for call in (
                    lambda: ledger.register_member("Lu", source_ref="form:8"),
                    ledger.members,
                ):
                    # As outside a batch: a LedgerError, which the block catches.
                    try:
                        call()
                    except LedgerError as error:
                        caught.append(type(error))

    with pytest.raises(WrongStateError, match="failed"):
        failing_calls()
    assert caught == [StorageError, StorageError]
    assert [m.name for m in ledger.members()] == ["Admin"]


def test_queries_inside_a_batch_list_and_find_the_batch_s_own_records(
    ledger: Ledger,
) -> None:
    """In a batch, the lists and find_by_source_ref see what member() sees."""
    admin = ledger.register_member("Admin", role="staff")
    with ledger.batch():
        kit = ledger.register_member("Kit", by=admin, source_ref="form:7")
        assert ledger.member(kit).name == "Kit"
        assert [m.id for m in ledger.members()] == [admin, kit]
        assert ledger.find_by_source_ref("form:7") == kit
    assert [m.id for m in ledger.members()] == [admin, kit]


def test_a_batch_is_used_once(ledger: Ledger) -> None:
    """Entering one batch() again is a WrongStateError that writes nothing."""
    batch = ledger.batch()
    with batch:
        ledger.register_member("Ann")
    with pytest.raises(WrongStateError, match=r"ledger\.batch\(\)"), batch:
        ledger.register_member("Bea")
    assert [m.name for m in ledger.members()] == ["Ann"]
    with ledger.batch():  # a new one works as ever
        ledger.register_member("Cal")
    assert [m.name for m in ledger.members()] == ["Ann", "Cal"]


NO_OPS: dict[str, Callable[[Ledger, UUID, UUID, UUID, str], None]] = {
    "a supporter authorised again": lambda led, admin, kit, _, ref: (
        led.authorise_supporter(kit, admin, source_ref=ref)
    ),
    "a project finished again": lambda led, admin, _, plan, ref: led.finish_project(
        plan, by=admin, source_ref=ref
    ),
    "a project given its own label": lambda led, admin, _, plan, ref: (
        led.relabel_project(plan, "co_design", by=admin, source_ref=ref)
    ),
}


@pytest.mark.parametrize("no_op", sorted(NO_OPS))
@pytest.mark.parametrize("batched", [False, True])
def test_a_command_that_records_nothing_leaves_its_source_ref_free(
    ledger: Ledger, no_op: str, batched: bool
) -> None:
    """A no-op's source_ref stays free for a later command, in a batch or not."""
    admin = ledger.register_member("Admin", role="staff")
    kit = ledger.register_member("Kit")
    ledger.authorise_supporter(kit, admin)
    plan = ledger.start_project("Plan", label="co_design", by=admin)
    ledger.finish_project(plan, by=admin)
    before = ledger.position
    with ledger.batch() if batched else contextlib.nullcontext():
        NO_OPS[no_op](ledger, admin, kit, plan, "minutes:4")
        assert ledger.find_by_source_ref("minutes:4") is None
        ann = ledger.register_member("Ann", source_ref="minutes:4")
        assert ledger.find_by_source_ref("minutes:4") == ann
    assert ledger.position > before
    assert ledger.find_by_source_ref("minutes:4") == ann


def test_a_source_ref_recorded_in_a_batch_is_refused_again_in_it(
    ledger: Ledger,
) -> None:
    """Inside one batch, a second command naming a recorded source_ref is refused."""
    before = ledger.position
    with pytest.raises(DuplicateSourceRefError), ledger.batch():  # noqa: PT012 (the batch)
        ledger.register_member("Ann", source_ref="roster:1")
        ledger.register_member("Bea", source_ref="roster:1")
    assert ledger.position == before


REPORT_READS = {  # materialised, catch_up
    "folded": (False, True),
    "materialised": (True, True),
    "tables as they stand": (True, False),
}


@pytest.mark.parametrize("read", sorted(REPORT_READS))
@pytest.mark.parametrize("kind", ["body", "project"])
def test_a_report_on_a_scope_the_open_batch_created_is_refused(
    ledger: Ledger, read: str, kind: str
) -> None:
    """Reports read only what is stored, so a scope still in the batch has none yet."""
    admin = ledger.register_member("Admin", role="staff")
    ledger.power_sharing(materialised=True)  # tables that stand before the batch
    with ledger.batch():
        board = ledger.establish_body("Board", kind="governance", by=admin)
        ledger.assign_seat(board, admin, seat="voting", by=admin)
        work = ledger.start_project("Work", label="co_production", by=admin)
        body, project = (board, None) if kind == "body" else (None, work)
        materialised, catch_up = REPORT_READS[read]
        with pytest.raises(WrongStateError, match="not stored yet"):
            ledger.power_sharing(
                body=body, project=project, materialised=materialised, catch_up=catch_up
            )
    stored = ledger.power_sharing(body=board)
    assert stored.indicators["R1"].n == 1


WRITES_OF_THEIR_OWN: dict[str, Callable[[Ledger, list[str]], Any]] = {
    "a nested batch": lambda led, _: led.batch().__enter__(),
    "an import": lambda led, export: led.import_events(export),
    "a malformed import": lambda led, _: led.import_events(["{"]),
    "a Polis import of no folder": lambda led, _: import_polis(led, "no-such-folder"),
}


@pytest.mark.parametrize("write", sorted(WRITES_OF_THEIR_OWN))
def test_a_caught_refusal_to_nest_fails_the_whole_batch(
    memory_ledger: Ledger, write: str
) -> None:
    """A nested batch or import refused inside a batch stores nothing of the batch."""
    source = Ledger.open("memory://")
    source.register_member("Zed")
    export = io.StringIO()
    source.export(export)
    source.close()
    with pytest.raises(WrongStateError, match="failed"), memory_ledger.batch():  # noqa: PT012 (the batch)
        memory_ledger.register_member("Ann")
        with pytest.raises(WrongStateError, match="nest"):
            WRITES_OF_THEIR_OWN[write](memory_ledger, export.getvalue().splitlines())
    assert memory_ledger.members() == []
