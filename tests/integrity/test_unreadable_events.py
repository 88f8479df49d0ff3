"""A stored event that cannot be read back fails every reader with CorruptEventError.

A damaged or forged row (bytes that are not a JSON object, a field of the wrong
type, a topic that names nothing or names something that is not an event, an
aggregate id that is not a UUID) must stop a fold, a rebuild, a view, a command
and the command line with one clear error from coledger's hierarchy, never a
traceback of another library's exception, and nothing is written past it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import MapperDeserialisationError

from coledger import CorruptEventError, LedgerError, StorageError
from coledger.cli import main
from integrity_helpers import BOTH, Raw, Scene, build, build_on, tampering

Tamper = Callable[[Raw, Scene], None]


def _seat_row(raw: Raw, scene: Scene) -> Any:
    """The stored row of the first seat assigned on the scene's board (a voter's)."""
    return next(
        e
        for e in raw.events()
        if e.originator_id == scene.body and e.topic.endswith("SeatAssigned")
    )


def _state(text: bytes) -> Tamper:
    return lambda raw, scene: raw.set_event(_seat_row(raw, scene).nid, "state", text)


def _topic(topic: str) -> Tamper:
    return lambda raw, scene: raw.set_event(_seat_row(raw, scene).nid, "topic", topic)


def _wrong_type(raw: Raw, scene: Scene) -> None:
    row = _seat_row(raw, scene)
    forged = row.state.replace(str(scene.voters[0]).encode(), b"not-a-uuid")
    assert forged != row.state
    raw.set_event(row.nid, "state", forged)


TAMPERS: dict[str, Tamper] = {
    "state not JSON": _state(b"{no"),
    "state a JSON list": _state(b"[1]"),
    "field of the wrong type": _wrong_type,
    "topic names no attribute": _topic("coledger.domain.body:Body.Nope"),
    "topic names no module": _topic("nope.module:Thing"),
    "topic names an aggregate": _topic("coledger.domain.body:Body"),
    "topic names a builtin": _topic("builtins:int"),
    "topic names a base event": _topic("coledger.domain.body:Body.Event"),
    "topic names a module not loaded": _topic("this:nothing"),
}


@pytest.fixture(params=BOTH)
def both(request: pytest.FixtureRequest, tmp_path: Path) -> Scene:
    """The same ledger and checkpoint, on a SQLite file and on PostgreSQL."""
    return build_on(request, tmp_path)


@pytest.mark.parametrize("tamper", TAMPERS.values(), ids=TAMPERS.keys())
def test_every_reader_refuses_a_damaged_event(both: Scene, tamper: Tamper) -> None:
    """Facts, a rebuild, a view and a command all raise CorruptEventError."""
    scene = both
    with tampering(scene) as raw:
        tamper(raw, scene)
    with scene.open() as ledger:
        head = ledger.position
        with pytest.raises(CorruptEventError):
            ledger.facts()
        projector = ledger.projections()
        with pytest.raises(CorruptEventError):
            projector.rebuild()
        assert projector.tables.position() == 0  # nothing half-folded was written
        with pytest.raises(CorruptEventError):
            ledger.body(scene.body)
        with pytest.raises(CorruptEventError):
            ledger.vacate_seat(scene.body, scene.voters[0], by=scene.admin)
        assert ledger.position == head  # the refused command stored nothing


def test_an_aggregate_id_that_is_not_a_uuid_is_refused(scene_on_sqlite: Scene) -> None:
    """A SQLite row naming no UUID fails the fold and the history alike."""
    scene = scene_on_sqlite
    with tampering(scene) as raw:
        raw.set_event(_seat_row(raw, scene).nid, "originator_id", "not-a-uuid")
    with scene.open() as ledger:
        with pytest.raises(CorruptEventError, match="'not-a-uuid'"):
            ledger.facts()
        with pytest.raises(CorruptEventError, match="'not-a-uuid'"):
            list(ledger.history())


@pytest.fixture
def scene_on_sqlite(tmp_path: Path) -> Scene:
    """A small closed ledger on a SQLite file."""
    return build("sqlite", tmp_path, checkpoint=False)


def test_the_error_is_a_storage_error_and_the_mappers_own() -> None:
    """It sits in coledger's hierarchy and still satisfies eventsourcing's handlers."""
    assert issubclass(CorruptEventError, StorageError)
    assert issubclass(CorruptEventError, LedgerError)
    assert issubclass(CorruptEventError, MapperDeserialisationError)


@pytest.mark.parametrize("command", ["report", "rebuild", "export"])
@pytest.mark.parametrize(
    "tamper",
    [TAMPERS["state not JSON"], TAMPERS["topic names no module"]],
    ids=["state not JSON", "topic names no module"],
)
def test_the_command_line_reports_a_damaged_event_in_one_line(
    scene_on_sqlite: Scene,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    tamper: Tamper,
) -> None:
    """Each reading command exits 2 with one line that points to verify."""
    scene = scene_on_sqlite
    with tampering(scene) as raw:
        tamper(raw, scene)
    extra = ["--out", str(tmp_path / "out.jsonl")] if command == "export" else []
    code = main([command, "--db", scene.url, *extra])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("coledger: the ledger holds an event it cannot read:")
    assert "coledger verify" in lines[0]


def test_the_installed_command_prints_no_traceback(scene_on_sqlite: Scene) -> None:
    """Run as a program, the damaged ledger gives the one line, not a traceback."""
    scene = scene_on_sqlite
    with tampering(scene) as raw:
        TAMPERS["field of the wrong type"](raw, scene)
    program = Path(sys.executable).with_name("coledger")  # the console script
    done = subprocess.run(
        [str(program), "report", "--db", scene.url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "cannot fold event Body.SeatAssigned" in done.stderr


@pytest.mark.parametrize("state", [b"{no", b"[1]"], ids=["not JSON", "a JSON list"])
def test_reapplying_erasures_refuses_a_damaged_declaration(
    scene_on_sqlite: Scene, state: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """reapply_erasures and erase --reapply stop at the row with CorruptEventError."""
    scene = scene_on_sqlite
    with scene.open() as ledger:
        ledger.declare_lived_experience(scene.voters[1], categories=["DIS"])
    with tampering(scene) as raw:
        row = next(e for e in raw.events() if e.topic.endswith("Declared"))
        raw.set_event(row.nid, "state", state)
    with scene.open() as ledger, pytest.raises(CorruptEventError, match="declaration"):
        ledger.reapply_erasures()
    assert main(["erase", "--db", scene.url, "--reapply"]) == 2
    assert capsys.readouterr().err.startswith("coledger: the ledger holds an event")
