"""An import refuses the values no command could have recorded, naming the line."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from coledger import Ledger, transfer
from coledger.demo import record_year
from conftest import TEST_MASTER_KEY

MEMBER = "coledger.domain.member:Member"
PROPOSAL = "coledger.domain.proposal:Proposal"


@pytest.fixture(scope="module")
def year() -> list[str]:
    """The export of one demo year, with an erasure and a withdrawal in it."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        record_year(ledger, seed=5)
        members = ledger.members()
        declared = next(m.id for m in members if m.lived_experience)
        ledger.withdraw_lived_experience(declared)
        erased = next(m.id for m in members[3:] if m.id != declared)
        ledger.erase_member(erased, by=members[0].id)
        out = io.StringIO()
        ledger.export(out)
        return out.getvalue().splitlines()


def damaged(
    lines: list[str], topic: str, field: str, value: Any
) -> tuple[list[str], int]:
    """*lines* with *field* of the first *topic* event set to *value*; its line."""
    changed = list(lines)
    for index, line in enumerate(lines):
        row = json.loads(line)
        if row.get("topic") == topic and field in row["state"]:
            row["state"][field] = value
            changed[index] = json.dumps(row)
            return changed, index + 1
    raise AssertionError(f"no {topic} event with {field} in the export")


BAD = [
    (f"{MEMBER}.Registered", "role", "emperor", "role"),
    (f"{MEMBER}.Registered", "name", "two\nlines", "control character"),
    (f"{MEMBER}.Registered", "name", " ", "name is empty"),
    (f"{MEMBER}.LivedExperienceDeclared", "categories", ["NONE", "DIS"], "NONE"),
    (f"{MEMBER}.LivedExperienceDeclared", "categories", ["DIS", "DIS"], "repeat"),
    (f"{MEMBER}.LivedExperienceDeclared", "consent", "assumed", "consent"),
    ("coledger.domain.body:Body.Established", "kind", "cabal", "kind"),
    ("coledger.domain.body:Body.Established", "rule_threshold", "3/2", "between"),
    ("coledger.domain.body:Body.SeatAssigned", "seat", "throne", "seat"),
    ("coledger.domain.project:Project.Started", "label", "secret", "label"),
    ("coledger.domain.meeting:Meeting.Scheduled", "kind", "party", "kind"),
    ("coledger.domain.meeting:Meeting.AttendanceRecorded", "mode", "astral", "mode"),
    (f"{PROPOSAL}.Raised", "title", "x" * 301, "limit is 300"),
    (f"{PROPOSAL}.Raised", "phase", "someday", "phase"),
    (f"{PROPOSAL}.Raised", "proposers", [], "proposer"),
    (f"{PROPOSAL}.Commented", "channel", "telepathy", "channel"),
    (f"{PROPOSAL}.BallotCast", "choice", "maybe", "choice"),
    (f"{PROPOSAL}.VotingClosed", "reason", "whim", "reason"),
    (f"{PROPOSAL}.VotingClosed", "against", -1, "below zero"),
    (f"{PROPOSAL}.Decided", "method", "coin_toss", "method"),
    ("coledger.domain.adjustment:Adjustment.Requested", "code", "XYZ", "XYZ"),
    ("coledger.domain.adjustment:Adjustment.Requested", "scope", "all", "scope"),
    (f"{MEMBER}.Registered", "source_ref", "a\tb", "control character"),
]


@pytest.mark.parametrize(("topic", "field", "value", "says"), BAD)
def test_a_value_no_command_accepts_is_refused(
    year: list[str], topic: str, field: str, value: Any, says: str
) -> None:
    """Each field is checked as its command checks it; the message names the line."""
    lines, number = damaged(year, topic, field, value)
    with pytest.raises(transfer.MalformedImportError) as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == number
    assert says in str(caught.value)


def test_a_refused_value_writes_nothing(year: list[str], memory_ledger: Ledger) -> None:
    """A ledger asked to import a file with one bad value stays empty."""
    lines, _ = damaged(year, f"{PROPOSAL}.BallotCast", "choice", "maybe")
    with pytest.raises(transfer.MalformedImportError):
        memory_ledger.import_events(lines)
    assert memory_ledger.position == 0


def test_the_erased_forms_of_sealed_fields_are_accepted(year: list[str]) -> None:
    """An export with an erased member and a withdrawn declaration reads whole."""
    erased = [line for line in year if "[erased]" in line]
    empty = [
        line
        for line in year
        if "LivedExperienceDeclared" in line and '"categories": []' in line
    ]
    assert erased
    assert empty
    assert len(transfer.read_export(year).events) == len(year) - 1
