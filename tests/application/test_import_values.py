"""An import refuses the values no command could have recorded, naming the line."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from coledger import Ledger, Rule, transfer
from coledger.demo import record_year
from conftest import TEST_MASTER_KEY
from helpers import ExportChange, edited_export

CHECK = "00000000-0000-0000-0000-000000000001"

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


def put(**values: Any) -> ExportChange:
    """Set fields to values (on the first event that has them all)."""

    def change(row: dict[str, Any]) -> bool:
        if not values.keys() <= row["state"].keys():
            return False
        row["state"].update(values)
        return True

    return change


def where(test: Callable[[dict[str, Any]], bool], **values: Any) -> ExportChange:
    """Set fields to values on the first event whose state passes *test*."""

    def change(row: dict[str, Any]) -> bool:
        return test(row["state"]) and put(**values)(row)

    return change


def twice(field: str) -> ExportChange:
    """Name the first id of a list of ids twice."""

    def change(row: dict[str, Any]) -> bool:
        ids = row["state"].get(field)
        if not ids:
            return False
        row["state"][field] = [ids[0], ids[0]]
        return True

    return change


def overcount(row: dict[str, Any]) -> bool:
    """Count one more ballot for than the electorate holds."""
    row["state"]["for_"] = row["state"]["electorate_size"] + 1
    return True


def overcount_lived_experience(row: dict[str, Any]) -> bool:
    """Count one more voter with lived experience than took part in the vote."""
    state = row["state"]
    took_part = sum(state[c] for c in ("for_", "against", "abstain", "block"))
    if took_part >= state["electorate_size"]:
        return False
    state["lived_experience_participants"] = took_part + 1
    return True


def own_supporter(row: dict[str, Any]) -> bool:
    """Make a member's authorised supporter the member themself."""
    row["state"]["supporter"] = row["originator_id"]
    return True


def helped_by_themself(field: str) -> ExportChange:
    """Name the member in *field* (the author, the voter) as their own supporter."""

    def change(row: dict[str, Any]) -> bool:
        row["state"]["supporter"] = row["state"][field]
        return True

    return change


ADJUSTMENT = "coledger.domain.adjustment:Adjustment"
BAD: list[tuple[str, ExportChange, str]] = [
    (f"{MEMBER}.Registered", put(role="emperor"), "role"),
    (f"{MEMBER}.Registered", put(name="two\nlines"), "control character"),
    (f"{MEMBER}.Registered", put(name=" "), "name is empty"),
    (f"{MEMBER}.Registered", put(source_ref="a\tb"), "control character"),
    (f"{MEMBER}.Registered", put(occurred_at=None), "occurred_at is null"),
    (
        f"{MEMBER}.Registered",
        put(occurred_at="9999-12-31T00:00:00+00:00"),
        "occurred_at is a time outside the years 1800 to 2199",
    ),
    (f"{MEMBER}.LivedExperienceDeclared", put(categories=["NONE", "DIS"]), "NONE"),
    (f"{MEMBER}.LivedExperienceDeclared", put(categories=["DIS", "DIS"]), "repeat"),
    (f"{MEMBER}.LivedExperienceDeclared", put(consent="assumed"), "consent"),
    (f"{MEMBER}.SupporterAuthorised", own_supporter, "own supporter"),
    (f"{PROPOSAL}.Commented", helped_by_themself("author"), "own supporter"),
    (f"{PROPOSAL}.BallotCast", helped_by_themself("voter"), "own supporter"),
    (f"{PROPOSAL}.AccessibleVersionPublished", put(format="STD"), "format"),
    ("coledger.domain.body:Body.Established", put(kind="cabal"), "kind"),
    (
        "coledger.domain.body:Body.Established",
        put(rule_lived_experience_quorum=10_001),
        "at most 10,000",
    ),
    ("coledger.domain.body:Body.Established", put(rule_threshold="3/2"), "between"),
    ("coledger.domain.body:Body.Established", put(rule_threshold="abc"), "0 and 1"),
    (
        "coledger.domain.body:Body.Established",
        where(lambda state: state["rule_kind"] != "threshold", rule_threshold="2/3"),
        "'1/2'",
    ),
    (
        "coledger.domain.body:Body.Established",
        put(rule_quorum="1e-100000000"),  # Fraction would run for minutes
        "no exponent",
    ),
    (
        "coledger.domain.body:Body.Established",
        put(rule_kind="threshold", rule_threshold=" 0.6 "),
        "space or a line break",
    ),
    ("coledger.domain.body:Body.Established", put(rule_quorum="-0"), "written as"),
    (
        "coledger.domain.body:Body.Established",
        put(rule_kind="threshold", rule_threshold="\u0663/\u0665"),  # Arabic-Indic
        "'3/5'",
    ),
    (f"{PROPOSAL}.VotingOpened", put(rule_quorum="0.25"), "'1/4'"),
    (f"{MEMBER}.Registered", put(name=123), "name must be a JSON string"),
    (f"{MEMBER}.Registered", put(role=["staff"]), "role must be a JSON string"),
    (f"{PROPOSAL}.Raised", put(proposers="x"), "proposers must be a JSON array"),
    ("coledger.domain.body:Body.SeatAssigned", put(seat="throne"), "seat"),
    ("coledger.domain.project:Project.Started", put(label="secret"), "label"),
    ("coledger.domain.meeting:Meeting.Scheduled", put(kind="party"), "kind"),
    ("coledger.domain.meeting:Meeting.AttendanceRecorded", put(mode="astral"), "mode"),
    (f"{PROPOSAL}.Raised", put(title="x" * 301), "limit is 300"),
    (f"{PROPOSAL}.Raised", put(title="two\nlines"), "control character"),
    (f"{PROPOSAL}.Raised", put(phase="someday"), "phase"),
    (f"{PROPOSAL}.Raised", put(proposers=[]), "names no one"),
    (f"{PROPOSAL}.Raised", twice("proposers"), "twice"),
    (f"{PROPOSAL}.Raised", put(body=None), "body is null"),
    (f"{PROPOSAL}.Commented", put(channel="telepathy"), "channel"),
    (f"{PROPOSAL}.Commented", put(text="a\ud800b"), "surrogate"),
    (f"{PROPOSAL}.FeedbackGiven", put(comments=[]), "names no one"),
    (f"{PROPOSAL}.ActionAssigned", put(owners=[]), "names no one"),
    (f"{PROPOSAL}.EvaluationRecorded", put(authors=[]), "names no one"),
    (f"{PROPOSAL}.BallotCast", put(choice="maybe"), "choice"),
    (
        f"{PROPOSAL}.VotingOpened",
        where(lambda s: not s["unmet_adjustments"], access_override="in a hurry"),
        "unmet adjustment",
    ),
    (
        f"{PROPOSAL}.VotingOpened",
        where(lambda s: bool(s["unmet_adjustments"]), access_override=None),
        "needs an access override",
    ),
    (f"{PROPOSAL}.VotingClosed", put(reason="whim"), "reason"),
    (f"{PROPOSAL}.VotingClosed", put(against=-1), "below zero"),
    (f"{PROPOSAL}.VotingClosed", put(lived_experience_participants=-1), "below zero"),
    (f"{PROPOSAL}.VotingClosed", put(against=1.9), "whole number"),
    (f"{PROPOSAL}.VotingClosed", put(against=2**70), "64 bits"),
    (f"{PROPOSAL}.VotingClosed", put(advisory="false"), "true or false"),
    (f"{PROPOSAL}.VotingClosed", overcount, "more ballots than its electorate"),
    (
        f"{PROPOSAL}.VotingClosed",
        overcount_lived_experience,
        "more voters with lived experience than took part",
    ),
    (
        f"{PROPOSAL}.VotingClosed",
        where(lambda s: s["outcome"] != "rejected", reason="blocked"),
        "not",
    ),
    (f"{PROPOSAL}.Decided", put(method="coin_toss"), "method"),
    (f"{PROPOSAL}.Decided", put(method="vote", outcome="deferred"), "by vote"),
    (f"{PROPOSAL}.Decided", put(method="chair", outcome="not_valid"), "only a vote"),
    (
        f"{PROPOSAL}.Decided",
        where(lambda s: s["outcome"] != "not_valid", decided_by=[]),
        "names no one",
    ),
    (f"{ADJUSTMENT}.Requested", put(code="XYZ"), "adjustment code: the value given"),
    (f"{ADJUSTMENT}.Requested", put(scope="all"), "scope"),
    (
        f"{ADJUSTMENT}.Requested",
        where(lambda s: s["proposal"] is not None, meeting=CHECK),
        "not both",
    ),
    (
        f"{ADJUSTMENT}.Requested",
        where(lambda s: s["proposal"] is not None, scope="meeting"),
        "scope must be 'proposal'",
    ),
    (f"{ADJUSTMENT}.Provided", put(partial="no"), "true or false"),
    (
        f"{ADJUSTMENT}.Declined",
        put(reason="alternative_offered", alternative=None),
        "needs the alternative",
    ),
]


def test_a_refused_value_writes_nothing(year: list[str], memory_ledger: Ledger) -> None:
    """A ledger asked to import a file with one bad value stays empty."""
    lines, _ = edited_export(year, f"{PROPOSAL}.BallotCast", put(choice="maybe"))
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


def test_a_header_version_must_be_the_whole_number(year: list[str]) -> None:
    """A version of 1.0 or true is not version 1."""
    for version in ("1.0", "true"):
        header = year[0].replace('"version": 1', f'"version": {version}')
        assert header != year[0]
        with pytest.raises(transfer.MalformedImportError, match="line 1: export"):
            transfer.read_export([header, *year[1:]])


def test_a_number_longer_than_python_reads_is_refused(year: list[str]) -> None:
    """A count of five thousand digits is named as unreadable, not a traceback."""
    lines, number = edited_export(year, f"{PROPOSAL}.VotingClosed", put(against=0))
    lines[number - 1] = lines[number - 1].replace(
        '"against": 0', '"against": ' + "9" * 5000
    )
    with pytest.raises(transfer.MalformedImportError, match=f"line {number}: not JSON"):
        transfer.read_export(lines)


def wrong_kind(field: str) -> ExportChange:
    """Point *field* at the record of the row itself (not of the kind it names)."""

    def change(row: dict[str, Any]) -> bool:
        if field not in row["state"]:
            return False
        row["state"][field] = row["originator_id"]
        return True

    return change


REFERENCES: list[tuple[str, ExportChange, str]] = [
    ("coledger.domain.meeting:Meeting.Scheduled", put(body=CHECK), "no body"),
    (f"{PROPOSAL}.BallotCast", put(voter=CHECK), "no member"),
    (f"{PROPOSAL}.BallotCast", wrong_kind("voter"), "no member"),
    (f"{PROPOSAL}.Raised", put(proposers=[CHECK]), "no member"),
    (f"{MEMBER}.Registered", put(actor=CHECK), "no member"),
    (f"{ADJUSTMENT}.Requested", wrong_kind("member"), "no member"),
    (f"{PROPOSAL}.FeedbackGiven", put(comments=[CHECK]), "no comment made earlier"),
    (
        f"{PROPOSAL}.Amended",
        where(lambda s: bool(s["takes_up"]), takes_up=[CHECK]),
        "no comment made earlier",
    ),
]


@pytest.mark.parametrize(("topic", "change", "says"), [*BAD, *REFERENCES])
def test_a_value_no_command_accepts_is_refused(
    year: list[str], topic: str, change: ExportChange, says: str
) -> None:
    """Each value and reference is checked as its command would; the line is named."""
    lines, number = edited_export(year, topic, change)
    with pytest.raises(transfer.MalformedImportError) as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == number
    assert says in str(caught.value)


def test_what_commands_record_at_the_edges_of_their_rules_imports() -> None:
    """One voter, a vote nobody joined, one author, a meeting's request: all read."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example")
        bo = ledger.register_member("Bo Example", by=ana)
        board = ledger.establish_body("Board", kind="governance", by=ana)
        ledger.assign_seat(board, ana, by=ana)
        unheard = ledger.raise_proposal(board, proposers=[ana], title="A", text="x")
        assert ledger.open_voting(unheard, by=ana) == (ana,)
        assert ledger.close_voting(unheard, by=ana).decided_by == ()
        carried = ledger.raise_proposal(board, proposers=[ana], title="B", text="x")
        ledger.open_voting(carried, by=ana)
        ledger.cast_ballot(carried, voter=ana, choice="for")
        ledger.close_voting(carried, by=ana)
        ledger.record_evaluation(carried, summary="Worked.", authors=[ana], by=ana)
        for rule in (Rule.consensus(quorum=1), Rule.consent(quorum=1)):
            group = ledger.establish_body(rule.kind, kind="advisory", rule=rule, by=ana)
            ledger.assign_seat(group, ana, by=ana)
            ledger.assign_seat(group, bo, by=ana)
            short = ledger.raise_proposal(group, proposers=[bo], title="C", text="x")
            ledger.open_voting(short, by=ana)
            ledger.cast_ballot(short, voter=bo, choice="for")
            decision = ledger.close_voting(short, by=ana)
            assert (decision.method, decision.outcome) == (rule.kind, "not_valid")
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="AGM",
            starts_at=datetime(2030, 1, 1, tzinfo=UTC),
            by=ana,
        )
        need = ledger.request_adjustment(bo, code="BSL", meeting=meeting)
        ledger.decline_adjustment(need, by=ana, reason="unavailable")
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    assert len(transfer.read_export(lines).events) == len(lines) - 1


def test_a_batch_that_seats_before_it_registers_still_imports() -> None:
    """References may point later in the file: a batch stores record by record."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        with ledger.batch():
            ana = ledger.register_member("Ana Example")
            board = ledger.establish_body("Board", kind="governance", by=ana)
            bo = ledger.register_member("Bo Example", by=ana)
            ledger.assign_seat(board, bo, by=ana)
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    assert len(transfer.read_export(lines).events) == len(lines) - 1


def test_a_source_ref_carried_twice_is_refused(year: list[str]) -> None:
    """Two events with one source_ref are refused at the second, naming the first."""
    first, _ = edited_export(year, f"{MEMBER}.Registered", put(source_ref="crm:1"))
    second_at = next(
        i
        for i, line in enumerate(first)
        if f'"{MEMBER}.Registered"' in line and "crm:1" not in line
    )
    row = json.loads(first[second_at])
    row["state"]["source_ref"] = "crm:1"
    first[second_at] = json.dumps(row)
    with pytest.raises(transfer.MalformedImportError) as caught:
        transfer.read_export(first, "bad.jsonl")
    assert caught.value.line == second_at + 1
    assert "already on line" in str(caught.value)


def test_papers_in_several_formats_export_and_import_with_their_reference() -> None:
    """One command's reference names one meeting, on its first event; it imports."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        clerk = ledger.register_member("Clerk", role="staff")
        body = ledger.establish_body("Board", kind="governance")
        meeting = ledger.schedule_meeting(
            body,
            kind="decision_meeting",
            title="AGM",
            starts_at=datetime.now(UTC),
            by=clerk,
        )
        ledger.issue_papers(
            meeting, formats=["STD", "LP"], by=clerk, source_ref="minutes:1"
        )
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    assert sum('"minutes:1"' in line for line in lines) == 1
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as again:
        again.import_events(lines)
        assert again.find_by_source_ref("minutes:1") is not None


def test_one_reference_on_two_events_of_one_record_still_imports(
    year: list[str],
) -> None:
    """A reference repeated within one record (older papers) names it still."""
    rows = [json.loads(line) for line in year]
    index = next(
        i
        for i in range(1, len(rows) - 1)
        if rows[i]["originator_id"] == rows[i + 1]["originator_id"]
    )
    for row in rows[index : index + 2]:
        row["state"]["source_ref"] = "minutes:old"
    lines = [year[0], *(json.dumps(r) for r in rows[1:])]
    assert len(transfer.read_export(lines).events) == len(year) - 1


def test_one_reference_on_two_comments_of_one_proposal_is_refused(
    year: list[str],
) -> None:
    """Two comments are two things: find_by_source_ref could find only the first.

    The comment command refuses a reference already recorded, on the same
    proposal as on any other.
    """
    rows = [json.loads(line) for line in year]
    comments = [
        i for i, r in enumerate(rows) if r.get("topic") == f"{PROPOSAL}.Commented"
    ]
    first = comments[0]
    second = next(
        i
        for i in comments[1:]
        if rows[i]["originator_id"] == rows[first]["originator_id"]
    )
    for index in (first, second):
        rows[index]["state"]["source_ref"] = "polis:comment:7"
    lines = [year[0], *(json.dumps(r) for r in rows[1:])]
    with pytest.raises(
        transfer.MalformedImportError, match="already on line"
    ) as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == second + 1


@pytest.mark.parametrize("cut", [1, 100])
def test_an_export_cut_short_is_refused_by_its_header(
    year: list[str], memory_ledger: Ledger, cut: int
) -> None:
    """A file missing its last lines imports nothing: the header counts them."""
    with pytest.raises(transfer.MalformedImportError, match="cut short") as caught:
        memory_ledger.import_events(year[:-cut])
    assert caught.value.line is None
    assert memory_ledger.position == 0


def test_a_header_count_that_is_no_count_is_refused(year: list[str]) -> None:
    """The header's events must be a whole number of 0 or more."""
    header = json.loads(year[0])
    for bad in (-1, "12", True, 1.5):
        header["events"] = bad
        with pytest.raises(transfer.MalformedImportError, match="line 1: the header"):
            transfer.read_export([json.dumps(header), *year[1:]])


def swappable(lines: list[str]) -> list[int]:
    """Indexes of event lines whose next line is of another record."""
    ids = [json.loads(line).get("originator_id") for line in lines]
    return [i for i in range(1, len(lines) - 1) if ids[i] != ids[i + 1]]


@pytest.mark.parametrize("where", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_lines_of_two_records_swapped_are_refused(
    year: list[str], where: float
) -> None:
    """Lines moved out of the export's order are refused: its positions must rise."""
    pairs = swappable(year)
    index = pairs[round(where * (len(pairs) - 1))]
    swapped = list(year)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    with pytest.raises(transfer.MalformedImportError, match="out of order") as caught:
        transfer.read_export(swapped, "swapped.jsonl")
    assert caught.value.line == index + 2


@pytest.mark.parametrize("position", [None, "7", 1.5, True, 0, -3])
def test_a_line_without_a_whole_position_is_refused(
    year: list[str], position: object
) -> None:
    """Every event line carries its position, a whole number, as an export writes it."""
    row = json.loads(year[1])
    if position is None:
        del row["position"]
    else:
        row["position"] = position
    lines = [year[0], json.dumps(row), *year[2:]]
    with pytest.raises(transfer.MalformedImportError, match="position") as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == 2


def test_a_header_without_its_count_is_refused(year: list[str]) -> None:
    """The header must count the events, or a file cut short could not be told."""
    header = json.loads(year[0])
    del header["events"]
    with pytest.raises(transfer.MalformedImportError, match="count") as caught:
        transfer.read_export([json.dumps(header), *year[1:-5]], "cut.jsonl")
    assert caught.value.line == 1


FOREIGN = [
    "coledger.domain.adjustment:Adjustment.Provided",
    "coledger.domain.proposal:Proposal.VotingOpened",
    "coledger.domain.proposal:Proposal.VotingClosed",
    "coledger.domain.project:Project.Finished",
]


@pytest.mark.parametrize("topic", FOREIGN, ids=lambda t: t.rpartition(":")[2])
def test_an_event_of_another_kind_of_record_is_refused(
    year: list[str], topic: str
) -> None:
    """An event of one kind of record put into a member's record is refused."""
    rows = [json.loads(line) for line in year[1:]]
    member = next(r for r in rows if r["topic"] == f"{MEMBER}.Registered")
    row = next(r for r in rows if r["topic"] == topic)
    row.update(
        originator_id=member["originator_id"],
        originator_version=sum(
            r["originator_id"] == member["originator_id"] for r in rows
        )
        + 1,
        position=rows[-1]["position"] + 1,
    )
    header = json.loads(year[0])
    header["events"] += 1
    lines = [json.dumps(header), *year[1:], json.dumps(row)]
    with pytest.raises(transfer.MalformedImportError, match="member") as caught:
        transfer.read_export(lines, "mixed.jsonl")
    assert caught.value.line == len(lines)


MINTED = [
    (f"{PROPOSAL}.Decided", "decision_id"),
    (f"{PROPOSAL}.Commented", "comment_id"),
    (f"{PROPOSAL}.FeedbackGiven", "feedback_id"),
    (f"{PROPOSAL}.ActionAssigned", "action_id"),
    (f"{PROPOSAL}.EvaluationRecorded", "evaluation_id"),
]


@pytest.mark.parametrize(("topic", "field"), MINTED, ids=lambda x: x.rpartition(".")[2])
def test_an_id_a_command_makes_given_twice_is_refused(
    year: list[str], topic: str, field: str
) -> None:
    """A decision's (comment's, action's...) own id names one thing in the file.

    Each command makes a fresh one; two decisions sharing one made the
    projection tables' catch-up fail for ever (their key is the decision).
    """
    rows = [json.loads(line) for line in year]
    found = [i for i, row in enumerate(rows) if row.get("topic") == topic]
    first, second = found[0], found[-1]
    rows[second]["state"][field] = rows[first]["state"][field]
    lines = [year[0], *(json.dumps(row) for row in rows[1:])]
    with pytest.raises(transfer.MalformedImportError, match="already") as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == second + 1


def test_a_check_across_lines_names_the_line_after_blank_lines(
    year: list[str],
) -> None:
    """Blank lines, which an import skips, do not shift the lines its refusals name.

    A decision made twice, and an actor who is no member, are refused at
    their own lines, and the first decision is named at its own line too.
    """
    rows = [json.loads(line) for line in year]
    found = [i for i, row in enumerate(rows) if row.get("topic") == MINTED[0][0]]
    first, second = found[0], found[-1]
    rows[second]["state"][MINTED[0][1]] = rows[first]["state"][MINTED[0][1]]
    lines = [year[0], "", *(json.dumps(row) for row in rows[1:]), ""]
    lines.insert(first + 1, "   ")  # before the first decision: both move two on
    with pytest.raises(transfer.MalformedImportError, match="already") as caught:
        transfer.read_export(lines, "blank.jsonl")
    assert caught.value.line == second + 3
    assert lines[second + 2] == json.dumps(rows[second])
    assert f"already made on line {first + 3}:" in caught.value.reason
    assert lines[first + 2] == json.dumps(rows[first])
    lines, number = edited_export(year, f"{MEMBER}.Registered", put(actor=CHECK))
    lines.insert(1, "")
    with pytest.raises(transfer.MalformedImportError, match="no member") as caught:
        transfer.read_export(lines, "blank.jsonl")
    assert caught.value.line == number + 1


def test_an_id_a_command_makes_that_names_a_record_is_refused(
    year: list[str],
) -> None:
    """A decision whose own id is a member's id would name two things."""
    rows = [json.loads(line) for line in year]
    member = next(r for r in rows[1:] if r["topic"] == f"{MEMBER}.Registered")
    index = next(
        i for i, r in enumerate(rows) if r.get("topic") == f"{PROPOSAL}.Decided"
    )
    rows[index]["state"]["decision_id"] = member["originator_id"]
    lines = [year[0], *(json.dumps(row) for row in rows[1:])]
    with pytest.raises(transfer.MalformedImportError, match="already") as caught:
        transfer.read_export(lines, "bad.jsonl")
    assert caught.value.line == index + 1


def test_two_decisions_sharing_an_id_cannot_break_the_tables(
    year: list[str], tmp_path: Path
) -> None:
    """The reason for the check: the tables key each decision by its id."""
    rows = [json.loads(line) for line in year]
    found = [i for i, r in enumerate(rows) if r.get("topic") == f"{PROPOSAL}.Decided"]
    rows[found[-1]]["state"]["decision_id"] = rows[found[0]]["state"]["decision_id"]
    lines = [year[0], *(json.dumps(row) for row in rows[1:])]
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as copy:
        with pytest.raises(transfer.MalformedImportError):
            copy.import_events(lines)
        assert copy.position == 0


def older_class_version(version: int | None) -> ExportChange:
    """Say a row was stored by an older class version (None: say nothing)."""

    def change(row: dict[str, Any]) -> bool:
        row["state"].pop("class_version")
        if version is not None:
            row["state"]["class_version"] = version
        return True

    return change


@pytest.mark.parametrize("version", [None, 1])
@pytest.mark.parametrize("event", ["VotingOpened", "VotingClosed"])
def test_a_field_an_older_class_version_lacks_is_refused(
    year: list[str], event: str, version: int | None
) -> None:
    """A row said to be version 1 that holds advisory is refused, not upcast over it.

    Upcasting sets the field version 2 added, so a binding close edited to
    version 1 with its advisory kept would import with that value replaced.
    """
    topic = f"{PROPOSAL}.{event}"
    lines, number = edited_export(year, topic, older_class_version(version))
    with pytest.raises(transfer.MalformedImportError, match="advisory") as caught:
        transfer.read_export(lines, "old.jsonl")
    assert caught.value.line == number


@pytest.mark.parametrize("breaker", ["\u2028", "\u2029", "\x85"])
def test_a_line_breaking_character_an_older_import_kept_stays_on_its_line(
    monkeypatch: pytest.MonkeyPatch, breaker: str
) -> None:
    """A title holding U+2028, U+2029 or U+0085 exports on one line, refused by name.

    An import before values were checked kept any text; str.splitlines, which
    the import reads a file with, breaks a line at each of these.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as source:
        ada = source.register_member("Ada Example")
        board = source.establish_body("Board", kind="governance")
        source.raise_proposal(board, proposers=[ada], title="T", text="x")
        out = io.StringIO()
        source.export(out)
    lines, number = edited_export(
        out.getvalue().splitlines(),
        f"{PROPOSAL}.Raised",
        put(title=f"Two{breaker}parts"),
    )
    with monkeypatch.context() as unchecked:  # as an import before the checks
        unchecked.setattr(transfer, "check_event_values", lambda _: None)
        with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as old:
            old.import_events(lines)
            out = io.StringIO()
            old.export(out)
    again = out.getvalue().splitlines()
    assert len(again) == len(lines)
    with pytest.raises(transfer.MalformedImportError, match="control char") as caught:
        transfer.read_export(again, "old.jsonl")
    assert caught.value.line == number
