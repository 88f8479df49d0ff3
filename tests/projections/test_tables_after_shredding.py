"""Projection tables that exist are rewritten as soon as a member's data is shredded."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger, NotMaterialisedError, StorageError
from coledger.projections import materialise
from coledger.projections.indicators import build_report
from coledger.projections.lens import Scope
from coledger.projections.materialise import materialised_in
from coledger.projections.thresholds import Thresholds


@dataclass(frozen=True)
class Scene:
    """A decision by consensus on a proposal raised by sam, who declared."""

    admin: UUID
    sam: UUID
    proposal: UUID


def record(ledger: Ledger) -> Scene:
    """Sam declares, proposes alone, and the board adopts it by consensus."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam", by=admin)
    ledger.declare_lived_experience(sam, categories=["DIS"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    for member in (admin, sam):
        ledger.assign_seat(board, member, seat="voting", by=admin)
    proposal = ledger.raise_proposal(board, proposers=[sam], title="Ramp", text="x")
    ledger.decide(
        proposal, outcome="adopted", method="consensus", by=admin, decided_by=[admin]
    )
    return Scene(admin, sam, proposal)


def tagged_from_lived_experience(ledger: Ledger) -> bool:
    """Whether the stored ledger-wide tags say lived experience began a decision."""
    stored = ledger.projections().read(Scope.ledger())
    assert stored is not None
    return any(tag.le_originated for tag in stored.decisions)


def tracked(ledger: Ledger) -> int:
    """The position the tables were written at, as stored."""
    return ledger.projections().tables.position()


@pytest.mark.parametrize("shred", ["erase", "withdraw"])
def test_the_ledger_that_materialised_rewrites_its_tables(
    ledger_url: str, shred: str
) -> None:
    """After an erasure or withdrawal, the tables no longer show sam's declaration."""
    with Ledger.open(ledger_url) as ledger:
        scene = record(ledger)
        ledger.projections().catch_up()
        assert tagged_from_lived_experience(ledger)
        if shred == "erase":
            ledger.erase_member(scene.sam, by=scene.admin)
        else:
            ledger.withdraw_lived_experience(scene.sam)
        assert tracked(ledger) == ledger.position
        assert not tagged_from_lived_experience(ledger)


@pytest.mark.parametrize("shred", ["erase", "withdraw"])
def test_tables_under_other_thresholds_are_rewritten_too(
    ledger_url: str, shred: str
) -> None:
    """Tables read under thresholds asked for before others no longer show sam's."""
    earlier, later = Thresholds(), Thresholds(small_cell=3)
    with Ledger.open(ledger_url) as ledger:
        scene = record(ledger)
        ledger.power_sharing(materialised=True, thresholds=earlier)
        ledger.power_sharing(materialised=True, thresholds=later)
        if shred == "erase":
            ledger.erase_member(scene.sam, by=scene.admin)
        else:
            ledger.withdraw_lived_experience(scene.sam)
        for th in (earlier, later):
            try:
                stored = ledger.power_sharing(
                    materialised=True, catch_up=False, thresholds=th
                )
            except NotMaterialisedError:
                continue  # one file's tables hold one set of thresholds at a time
            assert stored.as_of == ledger.position
            assert not any(tag.le_originated for tag in stored.decisions)


def test_another_ledger_rewrites_tables_it_never_opened(ledger_url: str) -> None:
    """A Ledger opened later, which never asked for the tables, still rewrites them."""
    if ledger_url == "memory://":
        pytest.skip("in-memory tables belong to one Ledger object")
    with Ledger.open(ledger_url) as first:
        scene = record(first)
        first.projections().catch_up()
    with Ledger.open(ledger_url) as second:
        second.erase_member(scene.sam, by=scene.admin)
        position = second.position
    with Ledger.open(ledger_url) as third:
        assert tracked(third) == position
        assert not tagged_from_lived_experience(third)


def test_a_batch_rewrites_the_tables_once_it_is_stored(ledger_url: str) -> None:
    """An erasure inside a batch rewrites the tables when the batch is stored."""
    with Ledger.open(ledger_url) as ledger:
        scene = record(ledger)
        ledger.projections().catch_up()
        with ledger.batch():
            ledger.erase_member(scene.sam, by=scene.admin)
        assert tracked(ledger) == ledger.position
        assert not tagged_from_lived_experience(ledger)


def test_an_erasure_creates_no_tables(tmp_path: Path) -> None:
    """A ledger that never materialised gets no projection tables from an erasure."""
    path = tmp_path / "plain.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        scene = record(ledger)
        ledger.erase_member(scene.sam, by=scene.admin)
        assert not materialised_in(ledger.config, ledger._app.recorder)
    with closing(sqlite3.connect(path)) as db:
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert not {n for n in names if n.startswith("coledger_") and "track" in n}


def test_looking_for_tables_opens_no_connection_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look for tables after an erasure reuses the ledger's own connection.

    A connection opened and closed beside a process's writers lost their
    commits in concurrency probes, so none is opened for this.
    """
    with Ledger.open(f"sqlite:///{tmp_path / 'plain.db'}") as ledger:
        scene = record(ledger)
        opened: list[object] = []
        connect = sqlite3.connect

        def counting(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            """sqlite3.connect, noting each call."""
            opened.append(args)
            made: sqlite3.Connection = connect(*args, **kwargs)
            return made

        monkeypatch.setattr(sqlite3, "connect", counting)
        ledger.erase_member(scene.sam, by=scene.admin)
        assert not materialised_in(ledger.config, ledger._app.recorder)
    assert opened == []


def test_tables_that_fail_to_catch_up_say_the_erasure_was_recorded(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed rewrite after an erasure says the erasure itself is on record."""
    with Ledger.open(ledger_url) as ledger:
        scene = record(ledger)
        projector = ledger.projections()
        projector.catch_up()

        def broken(*, at_least: int | None = None) -> int:
            """A catch-up that finds the storage gone."""
            del at_least
            raise StorageError("the server went away")

        monkeypatch.setattr(projector, "catch_up", broken)
        with pytest.raises(StorageError, match="event recorded") as raised:
            ledger.erase_member(scene.sam, by=scene.admin)
        assert "the server went away" in str(raised.value)
        assert ledger.member(scene.sam).erased


def test_a_rebuild_does_not_bring_back_what_an_erasure_shredded(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure stored while a rebuild folds stays out of the tables it swaps in."""
    if ledger_url == "memory://":
        pytest.skip("in-memory tables belong to one Ledger object")
    with Ledger.open(ledger_url) as ledger:
        scene = record(ledger)
        ledger.projections().catch_up()
        build = build_report
        erased: list[int] = []

        def erasing(*args: Any, **kwargs: Any) -> Any:
            """build_report, once another process has erased sam."""
            if not erased:
                erased.append(0)  # the other process's catch-up builds too
                with Ledger.open(ledger_url) as other:
                    other.erase_member(scene.sam, by=scene.admin)
                    erased[0] = other.position
            return build(*args, **kwargs)

        monkeypatch.setattr(materialise, "build_report", erasing)
        ledger.projections().rebuild()
        monkeypatch.setattr(materialise, "build_report", build)
    with Ledger.open(ledger_url) as reader:
        assert not tagged_from_lived_experience(reader)
        assert tracked(reader) >= erased[0]
