"""The fold's own reading of a history, and the memo that spares repeated work."""

from __future__ import annotations

import math
import uuid
from pathlib import Path
from typing import Any

import pytest

from coledger import Ledger
from coledger.projections.facts import Facts
from coledger.projections.materialise import _json
from coledger.serialization import uuid_of


def test_fold_events_give_the_facts_a_full_history_gives(demo_ledger: Ledger) -> None:
    """Leaving unread sealed fields closed changes nothing the fold keeps."""
    full = Facts().apply_all((r.position, r.event) for r in demo_ledger.history())
    lean = Facts().apply_all(demo_ledger.fold_events())
    assert lean == full
    assert lean.position == demo_ledger.position > 0


def test_fold_events_leave_unread_sealed_fields_closed(demo_ledger: Ledger) -> None:
    """Names and comment texts read as None; lived-experience categories open."""
    lean: dict[str, list[Any]] = {}
    for _, event in demo_ledger.fold_events():
        lean.setdefault(type(event).__qualname__, []).append(event)
    assert all(e.name is None for e in lean["Member.Registered"])
    assert all(e.text is None for e in lean["Proposal.Commented"])
    assert any(e.categories for e in lean["Member.LivedExperienceDeclared"])
    full: list[Any] = [r.event for r in demo_ledger.history()]
    named = [e for e in full if type(e).__qualname__ == "Member.Registered"]
    assert named
    assert all(isinstance(e.name, str) and e.name for e in named)


def test_remember_recomputes_only_when_the_facts_move() -> None:
    """A remembered answer is reused at the same position and replaced after it."""
    facts = Facts()
    calls: list[int] = []

    def work() -> int:
        calls.append(facts.position)
        return facts.position * 10

    assert facts.remember("k", work) == 0
    assert facts.remember("k", work) == 0
    facts.position = 3
    assert facts.remember("k", work) == 30
    assert calls == [0, 3]
    assert len(facts.memo) == 1


def test_subset_keeps_the_table_order_however_few_are_named() -> None:
    """A few ids out of many come back in the table's order, unknown ids ignored."""
    facts = Facts()
    table = {uuid.UUID(int=i): f"row {i}" for i in range(100)}
    few: set[uuid.UUID | None] = {
        uuid.UUID(int=70),
        uuid.UUID(int=3),
        None,
        uuid.UUID(int=999),
    }
    assert facts.subset(table, few) == ["row 3", "row 70"]
    many: set[uuid.UUID | None] = {uuid.UUID(int=i) for i in range(90, 0, -3)}
    assert facts.subset(table, many) == [f"row {i}" for i in range(3, 91, 3)]
    table[uuid.UUID(int=100)] = "row 100"  # the table grew: the ranks are redone
    assert facts.subset(table, {uuid.UUID(int=100), uuid.UUID(int=1)}) == [
        "row 1",
        "row 100",
    ]


def test_uuid_of_shares_one_object_per_id() -> None:
    """The same text gives the same UUID object, equal to one built directly."""
    text = "4d4fa0b2-5e46-4f6b-9c62-2c1d0d7c6b10"
    assert uuid_of(text) is uuid_of(text)
    assert uuid_of(text) == uuid.UUID(text)
    with pytest.raises(ValueError, match="hexadecimal"):
        uuid_of("not a uuid")


def test_table_json_reads_what_the_standard_library_wrote() -> None:
    """Evidence is read with orjson, falling back for NaN and Infinity."""
    assert _json('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    value = _json('{"r": NaN, "s": Infinity}')
    assert math.isnan(value["r"])
    assert value["s"] == math.inf


def test_sqlite_rows_share_one_uuid_per_record(tmp_path: Path) -> None:
    """Every event of a record read from SQLite holds the same originator id object."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        ann = ledger.register_member("Ann Ide")
        ledger.change_role(ann, "trainer", by=ann)
        ids = [e.originator_id for _, e in ledger.fold_events()]
        again = [r.event.originator_id for r in ledger.history()]
    assert ids == [ann, ann]
    assert ids[0] is ids[1] is again[0] is again[1]
