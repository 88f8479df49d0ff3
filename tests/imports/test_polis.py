"""Importing Polis conversation exports: tallies, references, decisions, the ladder.

The data are two real Polis conversations kept beside the repository in
shared/data/polis. Data was gathered using the Polis software
(compdemocracy.org/polis) and is sub-licensed under CC BY 4.0 with Attribution
to The Computational Democracy Project. The data and more information about how
the data was collected can be found at
https://compdemocracy.org/case-studies/2022-london-youth-policing and
https://compdemocracy.org/case-studies/2014-seattle-15-per-hour (source:
github.com/compdemocracy/openData; licence:
https://creativecommons.org/licenses/by/4.0/).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs
import psycopg
import pytest
from eventsourcing.persistence import PersistenceError
from psycopg import sql

from coledger import DuplicateSourceRefError, InvalidInputError, Ledger, StorageError
from coledger.demo import record_year
from coledger.domain.values import MAX_TEXT
from coledger.errors import (
    ControlCharacterError,
    EmptyTextError,
    NaiveDatetimeError,
    TimeOutOfRangeError,
    UnknownCodeError,
)
from coledger.imports import (
    MalformedImportError,
    PolisImport,
    import_polis,
    read_polis_export,
)
from coledger.imports.polis import PolisExport, Statement, Vote
from coledger.privacy.keys import MemoryKeyStore
from coledger.projections.ladder import LEVELS
from conftest import PG_CONNINFO, url_for

REPO = Path(__file__).resolve().parents[2]
POLIS = REPO.parent / "shared" / "data" / "polis"
LONDON = "london.youth.policing"
SEATTLE = "15-per-hour-seattle"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHOICE = {1: "for", -1: "against", 0: "abstain"}


def export(name: str) -> Path:
    """The folder of one conversation; skipped if the data is absent (not in CI)."""
    folder = POLIS / name
    if not (folder / "votes.csv").is_file():
        message = f"the Polis data is not at {folder} (shared/ beside the repository)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true, so it must be there")
        pytest.skip(message)
    return folder


# An independent reading of the export, written for the tests --------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    """Every row of a CSV file as a dict."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def recount(folder: Path) -> dict[int, Counter[str]]:
    """Counts per statement: the latest vote of each participant, by timestamp."""
    latest: dict[tuple[int, int], tuple[int, int, int]] = {}
    for row_number, row in enumerate(read_csv(folder / "votes.csv")):
        key = (int(row["comment-id"]), int(row["voter-id"]))
        when = (int(row["timestamp"]), row_number)
        if key not in latest or when > latest[key][:2]:
            latest[key] = (*when, int(row["vote"]))
    counts: dict[int, Counter[str]] = {}
    for (comment, _), (_, _, vote) in latest.items():
        counts.setdefault(comment, Counter())[CHOICE[vote]] += 1
    return counts


def moderation(folder: Path) -> dict[int, int]:
    """The moderated value of each statement."""
    return {
        int(r["comment-id"]): int(r["moderated"])
        for r in read_csv(folder / "comments.csv")
    }


def participant_ids(folder: Path) -> set[int]:
    """Every author-id and voter-id."""
    authors = {int(r["author-id"]) for r in read_csv(folder / "comments.csv")}
    return authors | {int(r["voter-id"]) for r in read_csv(folder / "votes.csv")}


def proposal_of(ledger: Ledger, name: str, comment: int) -> UUID:
    """The proposal recorded for one statement."""
    found = ledger.find_by_source_ref(f"polis:{name}/{comment}")
    assert found is not None, f"statement {comment} of {name} was not found"
    return found


def check_tallies(ledger: Ledger, folder: Path) -> None:
    """Every statement's tally equals the recount of votes.csv, exactly."""
    counts = recount(folder)
    rows = len(read_csv(folder / "votes.csv"))
    for comment in moderation(folder):
        tally = ledger.tally(proposal_of(ledger, folder.name, comment))
        expected = counts.get(comment, Counter())
        assert dict(tally.counts) == {
            c: expected[c] for c in ("for", "against", "abstain", "block")
        }, f"statement {comment}"
    counted = sum(sum(c.values()) for c in counts.values())
    assert counted <= rows


def project_rungs(ledger: Ledger, result: PolisImport) -> list[tuple[str, int]]:
    """The rung and level of every process in the conversation's two scopes."""
    rungs = []
    for report in (
        ledger.power_sharing(project=result.project),
        ledger.power_sharing(body=result.body),
    ):
        assert report.ladder, "the ladder rated nothing (is ladder.py finished?)"
        rungs += [(r.rung, r.level) for r in report.ladder]
    return rungs


# The two conversations, in memory -------------------------------------------------


@pytest.fixture(scope="module")
def seattle() -> Iterator[tuple[Ledger, PolisImport]]:
    """The larger conversation imported once, with lived experience, in memory."""
    folder = export(SEATTLE)
    ledger = Ledger.open("memory://")
    result = import_polis(ledger, folder, lived_experience="OTHER_LE")
    print(f"\nmemory: {result.summary()}")  # noqa: T201 (the measured speed)
    yield ledger, result
    ledger.close()


@pytest.fixture
def london(memory_ledger: Ledger) -> tuple[Ledger, PolisImport]:
    """The smaller conversation imported with lived experience into a fresh ledger."""
    result = import_polis(memory_ledger, export(LONDON), lived_experience="OTHER_LE")
    return memory_ledger, result


@pytest.fixture(params=[LONDON, SEATTLE])
def imported(request: pytest.FixtureRequest) -> tuple[Ledger, PolisImport, Path]:
    """Each conversation in turn, imported with lived experience."""
    name: str = request.param
    found = request.getfixturevalue("london" if name == LONDON else "seattle")
    ledger, result = found
    return ledger, result, export(name)


def test_tallies_equal_an_independent_recount(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """The latest vote per participant and statement, as the ledger counts it."""
    ledger, _, folder = imported
    check_tallies(ledger, folder)


def test_counts_and_every_statement_found_by_reference(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """Each statement's proposal is found again by its polis: source reference."""
    ledger, result, folder = imported
    statements = moderation(folder)
    votes = read_csv(folder / "votes.csv")
    people = participant_ids(folder)
    assert result.conversation == folder.name
    assert result.statements == len(statements)
    assert result.votes_read == result.ballots == len(votes)
    assert result.votes_skipped == 0
    assert result.members == len(people) + 1
    assert result.decisions == sum(m != 0 for m in statements.values())
    assert result.undecided == sum(m == 0 for m in statements.values())
    assert result.events > result.ballots
    assert result.events_per_second > 0
    voted = set(recount(folder))
    assert result.statements_without_votes == len(set(statements) - voted)
    comments = {int(r["comment-id"]): r for r in read_csv(folder / "comments.csv")}
    for comment, row in comments.items():
        proposal = ledger.proposal(proposal_of(ledger, folder.name, comment))
        assert proposal.text == row["comment-body"]
        assert proposal.project == result.project
        assert proposal.body == result.body
        assert proposal.phase == "design"
        author = ledger.member(proposal.proposers[0])
        assert author.name == f"Polis participant {row['author-id']}"
        raised = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
            milliseconds=int(row["timestamp"])
        )
        assert proposal.raised_at == raised
        # Votes were opened, with every participant in the electorate, only on
        # statements somebody voted on.
        assert len(proposal.electorate) == (len(people) if comment in voted else 0)
    project = ledger.project(result.project)
    assert project.label == "consultation"
    body = ledger.body(result.body)
    assert body.kind == "advisory"


def documented_events() -> dict[tuple[str, bool], int]:
    """The events docs/imports.md says each import writes (with lived experience?)."""
    text = " ".join((REPO / "docs" / "imports.md").read_text(encoding="utf-8").split())
    found = re.search(
        r"Seattle writes ([\d,]+) events with a lived-experience category and "
        r"([\d,]+) without; London writes ([\d,]+) and ([\d,]+)\.",
        text,
    )
    assert found is not None, "docs/imports.md no longer gives the event counts"
    seattle_le, seattle, london_le, london = (
        int(n.replace(",", "")) for n in found.groups()
    )
    return {
        (SEATTLE, True): seattle_le,
        (SEATTLE, False): seattle,
        (LONDON, True): london_le,
        (LONDON, False): london,
    }


def test_the_documented_event_counts_are_what_an_import_writes(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """The event counts in docs/imports.md and docs/cli.md are those of an import."""
    _, result, folder = imported
    documented = documented_events()
    assert result.events == documented[(folder.name, True)]
    with Ledger.open("memory://") as ledger:
        plain = import_polis(ledger, folder)
    assert plain.events == documented[(folder.name, False)]
    if folder.name == SEATTLE:
        cli = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
        assert f", {plain.events} events in " in cli


def test_participants_are_anonymous_and_declared_only_as_asked(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """Participants get numbered names, a voting seat and the declared category."""
    ledger, result, folder = imported
    people = participant_ids(folder)
    names = {m.name for m in ledger.members()}
    assert {f"Polis participant {p}" for p in people} <= names
    seats = {s.member: s for s in ledger.body(result.body).seats}
    assert result.organiser not in seats
    organiser = ledger.member(result.organiser)
    assert organiser.name == "Conversation organisers"
    assert organiser.role == "staff"
    for p in people:
        member = ledger.find_by_source_ref(f"polis:{folder.name}/participant/{p}")
        assert member is not None
        view = ledger.member(member)
        assert view.role == "member"
        assert view.lived_experience == ("OTHER_LE",)
        assert view.consent == "explicit_consent"
        assert seats[member].seat == "voting"


def test_moderation_is_decided_by_the_organisers_outside_the_forum(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """Moderated 1 and -1 are decisions by the organisers; 0 stays undecided."""
    ledger, result, folder = imported
    outcomes = {1: "deferred", -1: "rejected"}
    for comment, moderated in moderation(folder).items():
        proposal = ledger.proposal(proposal_of(ledger, folder.name, comment))
        if moderated == 0:
            assert proposal.decision is None
            assert not proposal.decisions
            continue
        assert len(proposal.decisions) == 1
        decision = proposal.decisions[0]
        assert decision.decided_by == (result.organiser,)
        assert decision.method == "outside_forum"
        assert decision.outcome == outcomes[moderated]
        assert not decision.overrode_vote
        assert decision.rationale is not None
        assert decision.rationale.startswith("Polis moderation")


def test_a_rejection_most_voters_agreed_with_counts_as_a_d5_override(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """D5 counts each statement moderation rejected after a majority agreed with it."""
    ledger, result, folder = imported
    counts = recount(folder)
    agreed = {c for c, n in counts.items() if 2 * n["for"] > sum(n.values())}
    rejected = {c for c, m in moderation(folder).items() if m == -1}
    decided = sum(m != 0 for m in moderation(folder).values())
    d5 = ledger.power_sharing(project=result.project).indicators["D5"]
    assert d5.n == decided
    assert d5.value is not None
    assert round(d5.value * decided) == len(agreed & rejected)
    if folder.name == SEATTLE:  # as docs/imports.md says
        assert len(agreed & rejected) == len(rejected) == 23


def test_the_seed_author_leaves_the_proposer_figures_by_withdrawal() -> None:
    """A role change moves no figure; a withdrawal dated at the start moves A1."""
    folder = export(SEATTLE)
    text = " ".join((REPO / "docs" / "imports.md").read_text(encoding="utf-8").split())
    with Ledger.open("memory://") as ledger:
        result = import_polis(ledger, folder, lived_experience="OTHER_LE")
        seed = ledger.find_by_source_ref(f"polis:{SEATTLE}/participant/0")
        assert seed is not None
        start = ledger.proposal(proposal_of(ledger, SEATTLE, 0)).raised_at

        def figures() -> dict[str, Any]:
            report = ledger.power_sharing(project=result.project)
            return {code: (f.value, f.n) for code, f in report.indicators.items()}

        before = figures()
        ledger.change_role(seed, "staff", by=result.organiser, occurred_at=start)
        assert figures() == before
        ledger.withdraw_lived_experience(seed, occurred_at=start)
        a1 = ledger.power_sharing(project=result.project).indicators["A1"]
    seeded = sum(r["author-id"] == "0" for r in read_csv(folder / "comments.csv"))
    assert a1.n == 54
    assert a1.value is not None
    assert round(a1.value * a1.n) == 54 - seeded == 41
    assert "A1 then reads 41 of its 54 statements" in text
    assert "figures by role" not in text


def test_a_conversation_moves_the_ledger_scope_but_not_the_organisations_bodies() -> (
    None
):
    """Imported beside a year's governance, Polis moves the ledger's figures only."""
    text = " ".join((REPO / "docs" / "imports.md").read_text(encoding="utf-8").split())
    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        scopes: list[tuple[UUID | None, UUID | None]] = [
            (b.id, None) for b in ledger.bodies()
        ]
        scopes += [(None, p.id) for p in ledger.projects()]

        def bands(body: UUID | None, project: UUID | None) -> dict[str, str | None]:
            report = ledger.power_sharing(body=body, project=project)
            return {code: f.band for code, f in report.indicators.items()}

        ledger_before = bands(None, None)
        own_before = [bands(*scope) for scope in scopes]
        import_polis(ledger, export(SEATTLE))
        ledger_after = bands(None, None)
        own_after = [bands(*scope) for scope in scopes]
    assert len(scopes) == 7
    assert own_after == own_before
    moved = {
        code: (ledger_before[code], ledger_after[code]) for code in ("D1", "D2", "V2")
    }
    assert moved == {
        "D1": ("shared", "not_shared"),
        "D2": ("in_forum", "out_of_forum"),
        "V2": ("spread", "dominated"),
    }
    assert "D1 from `shared` to `not_shared`" in text
    assert "D2 from `in_forum` to `out_of_forum`" in text
    assert "V2 from `spread` to `dominated`" in text


def test_the_ladder_rates_the_conversation_a_consultation(
    imported: tuple[Ledger, PolisImport, Path],
) -> None:
    """Participants proposed and voted, the organisers decided: never above 5."""
    ledger, result, _ = imported
    rungs = project_rungs(ledger, result)
    for rung, level in rungs:
        assert LEVELS["CONSULTATION"] <= level <= LEVELS["ENGAGEMENT"], rung
    report = ledger.power_sharing(project=result.project)
    assert all(tag.tag != "decided-with" for tag in report.decisions)
    rated = {r.unit: r for r in report.ladder}
    assert rated["project"].evidence["decided_phases"] == []
    assert rated["project"].evidence["adopted_phases"] == []


def test_without_lived_experience_the_ladder_has_no_evidence(
    memory_ledger: Ledger,
) -> None:
    """Nobody declared lived experience, so no rung above NONE."""
    folder = export(LONDON)
    result = import_polis(memory_ledger, folder)
    check_tallies(memory_ledger, folder)
    for rung, level in project_rungs(memory_ledger, result):
        assert level == LEVELS["NONE"], rung
    participant = memory_ledger.find_by_source_ref(f"polis:{LONDON}/participant/1")
    assert participant is not None
    assert memory_ledger.member(participant).lived_experience == ()


def test_progress_reports_every_command(memory_ledger: Ledger) -> None:
    """progress(done, total) counts commands up to its total, one per event but votes.

    Opening a vote also notes it on the body, so each opening writes two events.
    """
    calls: list[tuple[int, int]] = []
    result = import_polis(
        memory_ledger,
        export(LONDON),
        organiser_name="Youth panel organisers",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert [done for done, _ in calls] == list(range(1, len(calls) + 1))
    (total,) = {total for _, total in calls}
    assert calls[-1] == (total, total)
    notes = [
        r
        for r in memory_ledger.history()
        if type(r.event).__qualname__ == "Body.VoteOpened"
    ]
    assert notes
    assert result.events == total + len(notes)
    assert memory_ledger.member(result.organiser).name == "Youth panel organisers"


def test_an_export_read_beforehand_imports_as_its_folder_does(
    memory_ledger: Ledger,
) -> None:
    """import_polis takes read_polis_export's result and records the same tallies."""
    folder = export(LONDON)
    result = import_polis(memory_ledger, read_polis_export(folder))
    check_tallies(memory_ledger, folder)
    assert result.conversation == LONDON
    assert result.events == memory_ledger.position


# Refusals: nothing is written ------------------------------------------------------


def test_a_second_import_is_refused_and_stores_nothing(
    london: tuple[Ledger, PolisImport],
) -> None:
    """The statements' source references are already recorded."""
    ledger, _ = london
    before = ledger.position
    with pytest.raises(DuplicateSourceRefError, match=LONDON):
        import_polis(ledger, export(LONDON), lived_experience="OTHER_LE")
    assert ledger.position == before


def test_a_second_import_of_the_larger_conversation_is_refused(
    seattle: tuple[Ledger, PolisImport],
) -> None:
    """Refused before anything is written, whatever the options."""
    ledger, _ = seattle
    before = ledger.position
    with pytest.raises(DuplicateSourceRefError):
        import_polis(ledger, export(SEATTLE))
    assert ledger.position == before


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the smaller export to damage (no statement spans two lines)."""
    target = tmp_path / LONDON
    shutil.copytree(export(LONDON), target)
    return target


def damage(path: Path, line: int, change: Callable[[list[str]], list[str]]) -> None:
    """Rewrite one line of a CSV file through *change* of its cells."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = next(csv.reader([lines[line - 1]]))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(change(cells))
    lines[line - 1] = out.getvalue()
    path.write_text("".join(lines), encoding="utf-8")


def setter(index: int, value: str) -> Callable[[list[str]], list[str]]:
    """A change that puts *value* in cell *index*."""

    def change(cells: list[str]) -> list[str]:
        return [value if i == index else c for i, c in enumerate(cells)]

    return change


def lines_in(path: Path) -> int:
    """The number of lines of a file."""
    return len(path.read_text(encoding="utf-8").splitlines())


DAMAGES: dict[str, tuple[str, Callable[[list[str]], list[str]], str]] = {
    "comment missing a column": ("comments.csv", lambda c: c[:-1], "7 columns"),
    "comment with an extra column": ("comments.csv", lambda c: [*c, "x"], "9 columns"),
    "comment-id not a number": ("comments.csv", setter(2, "12a"), "comment-id"),
    "author-id not a number": ("comments.csv", setter(3, "1.5"), "author-id"),
    "negative author-id": ("comments.csv", setter(3, "-3"), "author-id"),
    "moderated out of range": ("comments.csv", setter(6, "2"), "moderated 2"),
    "comment timestamp not a number": (
        "comments.csv",
        setter(0, "Wed Jul 27 2022"),
        "timestamp",
    ),
    "comment timestamp out of range": (
        "comments.csv",
        setter(0, "9" * 30),
        "out of range",
    ),
    "comment timestamp after 2199": (
        "comments.csv",
        setter(0, "253402300000000"),
        "out of range",
    ),
    "vote timestamp of 5,000 digits": ("votes.csv", setter(0, "9" * 5000), "range"),
    "comment-id of 5,000 digits": ("comments.csv", setter(2, "9" * 5000), "digits"),
    "vote of 5,000 digits": (
        "votes.csv",
        setter(4, "1" * 5000),
        "vote has 5,000 digits, too many to be -1, 0 or 1",
    ),
    "moderated of 5,000 digits": (
        "comments.csv",
        setter(6, "1" * 5000),
        "moderated has 5,000 digits, too many to be -1, 0 or 1",
    ),
    "empty statement": ("comments.csv", setter(7, "  "), "empty"),
    "control character": ("comments.csv", setter(7, "bad\x07bell"), "U+0007"),
    "vote missing a column": ("votes.csv", lambda c: c[:-1], "4 columns"),
    "voter-id not a number": ("votes.csv", setter(3, "voter"), "voter-id"),
    "vote comment-id not a number": ("votes.csv", setter(2, ""), "comment-id"),
    "vote out of range": ("votes.csv", setter(4, "2"), "vote 2"),
    "vote not a number": ("votes.csv", setter(4, "agree"), "vote"),
    "vote timestamp not a number": ("votes.csv", setter(0, "-1"), "timestamp"),
}


@pytest.mark.parametrize("case", list(DAMAGES))
def test_a_damaged_line_is_named_and_nothing_is_stored(
    case: str, copy: Path, memory_ledger: Ledger
) -> None:
    """One damaged line, the last of its file, stops the import before any write."""
    name, change, reason = DAMAGES[case]
    path = copy / name
    line = lines_in(path)
    damage(path, line, change)
    memory_ledger.register_member("Someone already here")
    before = memory_ledger.position
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy, lived_experience="OTHER_LE")
    error = raised.value
    assert isinstance(error, InvalidInputError)
    assert error.path == path
    assert error.line == line
    assert reason in error.reason
    assert f"{path}, line {line}: " in str(error)
    assert memory_ledger.position == before


def test_an_id_too_long_for_its_references_is_refused_before_writing(
    copy: Path, memory_ledger: Ledger
) -> None:
    """An author-id too long for its member's name is refused when read."""
    path = copy / "comments.csv"
    damage(path, lines_in(path), setter(3, "9" * 200))
    with pytest.raises(MalformedImportError, match="name is 218 characters") as raised:
        read_polis_export(copy)
    assert (raised.value.path, raised.value.line) == (path, lines_in(path))
    with pytest.raises(MalformedImportError):
        import_polis(memory_ledger, copy)
    assert memory_ledger.position == 0


def test_a_voter_id_too_long_for_its_name_is_refused_naming_its_row(
    copy: Path, memory_ledger: Ledger
) -> None:
    """The refusal of an over-long id names the file, the line and the column."""
    path = copy / "votes.csv"
    damage(path, 7, setter(3, "9" * 600))
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, 7)
    assert raised.value.reason.startswith("voter-id is too long")
    assert "name is 618 characters" in raised.value.reason
    assert memory_ledger.position == 0


def test_control_characters_in_the_summary_are_blanked(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A control character in the topic becomes a space; the import goes through."""
    summary = copy / "summary.csv"
    lines = summary.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = "topic,Bad\x7ftopic\u202eflipped\n"
    summary.write_text("".join(lines), encoding="utf-8")
    assert read_polis_export(copy).topic == "Bad topic flipped"
    result = import_polis(memory_ledger, copy)
    assert memory_ledger.project(result.project).name == "Polis: Bad topic flipped"


def test_a_long_description_cut_inside_a_line_break_imports(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A description cut between the halves of a CRLF leaves no lone CR to refuse."""
    summary = copy / "summary.csv"
    kept = MAX_TEXT // 2  # the characters of a description the importer keeps
    text = "x" * (kept - 1) + "\r\nthe rest"
    lines = summary.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith("conversation-desc")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(["conversation-description", text])
    summary.write_text("".join([*lines, out.getvalue()]), encoding="utf-8")
    export = read_polis_export(copy)
    assert export.description is not None
    assert len(export.description) == kept
    assert export.description.startswith("x" * (kept - 1))
    result = import_polis(memory_ledger, export)
    described = memory_ledger.project(result.project).description
    assert described is not None
    assert described.endswith("x" * 100 + " ")


def test_a_damaged_summary_is_refused_as_the_docs_list(
    copy: Path, memory_ledger: Ledger
) -> None:
    """An optional summary.csv with a row of three cells is refused, as documented."""
    summary = copy / "summary.csv"
    with summary.open("a", encoding="utf-8") as f:
        f.write("note,a,b\n")
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (summary, 10)
    assert memory_ledger.position == 0
    text = " ".join((REPO / "docs" / "imports.md").read_text(encoding="utf-8").split())
    assert "has a row that is not a key and a value" in text
    assert "3 columns where a key and a value belong" in str(raised.value)


def test_a_summary_row_of_one_cell_is_refused_in_the_singular(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A summary.csv row of one cell says "1 column", not "1 columns"."""
    with (copy / "summary.csv").open("a", encoding="utf-8") as f:
        f.write("note\n")
    with pytest.raises(MalformedImportError, match="1 column where a key"):
        import_polis(memory_ledger, copy)
    assert memory_ledger.position == 0


def test_a_row_of_one_cell_is_refused_in_the_singular(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A votes.csv row of one cell says "1 column", not "1 columns"."""
    with (copy / "votes.csv").open("a", encoding="utf-8") as f:
        f.write("   \n")
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert raised.value.reason == "1 column where the header has 5"
    assert memory_ledger.position == 0


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff \u00ad", "\u180e"])
def test_an_invisible_topic_is_no_topic(
    copy: Path, memory_ledger: Ledger, invisible: str
) -> None:
    """A topic of zero-width characters reads as absent, as the ledger would see it."""
    summary = copy / "summary.csv"
    lines = summary.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = f"topic,{invisible}\n"
    summary.write_text("".join(lines), encoding="utf-8")
    export = read_polis_export(copy)
    assert export.topic is None
    result = import_polis(memory_ledger, export)
    assert copy.name in memory_ledger.project(result.project).name


def test_a_file_name_too_long_for_the_system_is_malformed(tmp_path: Path) -> None:
    """A folder whose files' paths pass the system's limit is named, not an OSError."""
    folder = tmp_path
    limit = os.pathconf(tmp_path, "PC_PATH_MAX")
    while len(str(folder)) < limit - len("/comments.csv") - 100:
        folder /= "d" * 100
    folder /= "c" * (limit - len(str(folder)) - 2)
    folder.mkdir(parents=True)
    with pytest.raises(MalformedImportError, match=r"comments\.csv"):
        read_polis_export(folder)


@pytest.mark.parametrize("name", ["two\tcolumns", "caf\udce9"])
def test_a_folder_name_no_source_reference_can_hold_is_refused_as_the_folder_s(
    tmp_path: Path, memory_ledger: Ledger, name: str
) -> None:
    """A tab, or a byte not UTF-8, in the folder's name is blamed on that name."""
    folder = tmp_path / name
    shutil.copytree(export(LONDON), folder)
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, folder)
    assert (raised.value.path, raised.value.line) == (folder, None)
    assert raised.value.reason.startswith("the folder's name, which names the ")
    assert memory_ledger.position == 0


def test_a_damaged_line_in_the_middle_is_named(
    copy: Path, memory_ledger: Ledger
) -> None:
    """The line number is the file's own, header included."""
    damage(copy / "votes.csv", 300, setter(4, "+"))
    with pytest.raises(MalformedImportError, match=r"votes\.csv, line 300: vote"):
        import_polis(memory_ledger, copy)
    assert memory_ledger.position == 0


def test_a_statement_in_a_number_column_is_not_repeated_in_the_refusal(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A cell too long for a number is named by its length, not written out."""
    path = copy / "comments.csv"
    told = "As someone with MS I cannot use the stairs to the meeting room. " * 20
    damage(path, 3, lambda c: [*c[:6], c[7] + " " + told, c[6]])
    damage(copy / "votes.csv", 5, setter(0, "9" * 5000))
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, 3)
    assert "MS" not in str(raised.value)
    assert raised.value.reason.startswith("moderated of 1,3")
    assert raised.value.reason.endswith("characters is not a whole number")
    shutil.copy(export(LONDON) / "comments.csv", path)
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert raised.value.reason == "timestamp of 5,000 characters is out of range"
    assert memory_ledger.position == 0


def in_seconds(path: Path) -> None:
    """Rewrite every timestamp of a CSV file in whole seconds, as Polis now exports."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows[0])
    for row in rows[1:]:
        writer.writerow([str(int(row[0]) // 1000), *row[1:]])
    path.write_text(out.getvalue(), encoding="utf-8")


def test_timestamps_in_seconds_import_as_those_seconds(
    copy: Path, memory_ledger: Ledger
) -> None:
    """An export in seconds, as Polis's report export gives, imports at those times."""
    written = {
        int(r["comment-id"]): int(r["timestamp"])
        for r in read_csv(copy / "comments.csv")
    }
    in_seconds(copy / "comments.csv")
    in_seconds(copy / "votes.csv")
    result = import_polis(memory_ledger, copy)
    assert result.ballots == len(read_csv(copy / "votes.csv"))
    for comment, milliseconds in written.items():
        proposal = memory_ledger.proposal(proposal_of(memory_ledger, LONDON, comment))
        assert proposal.raised_at == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
            seconds=milliseconds // 1000
        )
    check_tallies(memory_ledger, copy)


def test_a_timestamp_before_polis_in_either_unit_is_refused(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A timestamp before 2000 read as milliseconds and as seconds is refused."""
    path = copy / "votes.csv"
    damage(path, 6, setter(0, "86400"))
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, 6)
    assert "timestamp '86400' reads as 1970-01-02" in raised.value.reason
    assert memory_ledger.position == 0


def test_bytes_that_are_not_utf8_are_named(copy: Path, memory_ledger: Ledger) -> None:
    """An unreadable file names the line its bad bytes are on."""
    path = copy / "comments.csv"
    data = path.read_bytes().splitlines(keepends=True)
    data[4] = data[4][:20] + b"\xff" + data[4][20:]
    path.write_bytes(b"".join(data))
    with pytest.raises(MalformedImportError, match=r"line 5: not valid UTF-8"):
        import_polis(memory_ledger, copy)
    assert memory_ledger.position == 0


@pytest.mark.parametrize("end", [b"\r", b"\r\n"])
def test_bad_bytes_are_named_on_their_line_whatever_ends_the_lines(
    copy: Path, memory_ledger: Ledger, end: bytes
) -> None:
    """Lines ended by CR alone, or CRLF, are counted as the CSV reader counts them."""
    path = copy / "comments.csv"
    data = path.read_bytes().splitlines()
    data[4] = data[4][:20] + b"\xff" + data[4][20:]
    path.write_bytes(end.join(data) + end)
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.line, raised.value.reason) == (5, "not valid UTF-8 text")
    assert memory_ledger.position == 0


@pytest.mark.parametrize("name", ["comments.csv", "votes.csv"])
@pytest.mark.parametrize("where", ["middle", "last"])
def test_a_quote_never_closed_is_named_on_the_line_it_opens(
    copy: Path, memory_ledger: Ledger, name: str, where: str
) -> None:
    """A stray opening quote is named on its own line, not where the reading stopped."""
    path = copy / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = 10 if where == "middle" else len(lines)
    cells = lines[line - 1].rstrip("\n").split(",")
    lines[line - 1] = ",".join([*cells[:-1], '"' + cells[-1]]) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, line)
    assert memory_ledger.position == 0


def test_a_header_without_a_column_is_refused(
    copy: Path, memory_ledger: Ledger
) -> None:
    """The header must name every column the import reads."""
    damage(copy / "votes.csv", 1, setter(3, "participant"))
    with pytest.raises(MalformedImportError, match=r"line 1: .*voter-id"):
        import_polis(memory_ledger, copy)
    assert memory_ledger.position == 0


def test_a_header_naming_a_column_twice_is_refused(
    copy: Path, memory_ledger: Ledger
) -> None:
    """Which of two voter-id columns holds the voter is unknown, so neither is read."""
    path = copy / "votes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [f"{lines[0]},voter-id"] + [f"{line},0" for line in lines[1:]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, 1)
    assert "voter-id" in raised.value.reason
    assert "twice" in raised.value.reason
    assert memory_ledger.position == 0


@pytest.mark.parametrize("written", [" voter-id", "voter-id ", "\ufeffvoter-id"])
def test_a_column_name_with_spaces_or_a_stray_bom_is_named_as_found(
    written: str, copy: Path, memory_ledger: Ledger
) -> None:
    """A header cell that only reads as voter-id is quoted, not just called absent."""
    damage(copy / "votes.csv", 1, setter(3, written))
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert raised.value.line == 1
    assert f"it has {written!r}" in raised.value.reason
    assert memory_ledger.position == 0


def test_a_blank_first_line_is_refused_as_blank(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A blank line above the header is called blank, not a header lacking columns."""
    path = copy / "comments.csv"
    path.write_text("\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(MalformedImportError) as raised:
        import_polis(memory_ledger, copy)
    assert (raised.value.path, raised.value.line) == (path, 1)
    assert "blank" in raised.value.reason
    assert "lacks" not in raised.value.reason
    assert memory_ledger.position == 0


def test_an_export_without_statements_is_refused(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A comments.csv with a header and no rows would date an empty project in 1970."""
    for name in ("comments.csv", "votes.csv"):
        path = copy / name
        header = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(header + "\n", encoding="utf-8")
    with pytest.raises(MalformedImportError, match="no statements") as raised:
        import_polis(memory_ledger, copy)
    assert raised.value.path == copy / "comments.csv"
    assert memory_ledger.position == 0


@pytest.mark.parametrize("name", ["comments.csv", "votes.csv"])
def test_a_missing_file_is_refused(
    name: str, copy: Path, memory_ledger: Ledger
) -> None:
    """Both files are needed; the error names the one that is missing."""
    (copy / name).unlink()
    with pytest.raises(MalformedImportError, match="the file is missing") as raised:
        import_polis(memory_ledger, copy)
    assert raised.value.path == copy / name
    assert raised.value.line is None
    assert memory_ledger.position == 0


def test_a_missing_directory_is_refused(tmp_path: Path, memory_ledger: Ledger) -> None:
    """Nothing to read, nothing written."""
    missing = tmp_path / "no-such-conversation"
    with pytest.raises(MalformedImportError, match="no such directory") as raised:
        import_polis(memory_ledger, str(missing))
    assert raised.value.path == missing
    assert memory_ledger.position == 0


def test_bad_options_are_refused_before_reading(memory_ledger: Ledger) -> None:
    """An unknown category or an unusable organiser name writes nothing."""
    with pytest.raises(InvalidInputError, match="lived_experience"):
        import_polis(memory_ledger, export(LONDON), lived_experience="DIAGNOSIS")
    with pytest.raises(InvalidInputError, match="lived_experience"):
        import_polis(memory_ledger, export(LONDON), lived_experience="NONE")
    with pytest.raises(InvalidInputError, match="organiser_name"):
        import_polis(memory_ledger, export(LONDON), organiser_name="two\nlines")
    with pytest.raises(InvalidInputError, match="directory"):
        import_polis(memory_ledger, 42)  # type: ignore[arg-type]
    assert memory_ledger.position == 0


def test_a_refused_category_is_not_repeated_in_the_error(
    memory_ledger: Ledger, tmp_path: Path
) -> None:
    """A near miss says what every participant's sealed declaration would hold."""
    given = "autism (dis)"
    with pytest.raises(InvalidInputError, match="lived_experience") as raised:
        import_polis(memory_ledger, tmp_path, lived_experience=given)
    assert given not in str(raised.value)
    assert "autism" not in repr(raised.value)
    assert memory_ledger.position == 0


def test_votes_on_unknown_statements_are_skipped_and_counted(
    copy: Path, memory_ledger: Ledger
) -> None:
    """A vote naming no statement row is not recorded, and the summary says so."""
    with (copy / "votes.csv").open("a", encoding="utf-8") as f:
        f.write("1658934741419,Wed Jul 27 22:12:21 WIB 2022,999,1,1\n")
    (copy / "summary.csv").unlink()  # optional: the folder name is used instead
    result = import_polis(memory_ledger, copy)
    assert result.votes_skipped == 1
    assert result.ballots == result.votes_read - 1
    assert any(
        w.startswith("1 vote names a comment-id that no statement in the export has")
        for w in result.warnings
    )
    assert memory_ledger.find_by_source_ref(f"polis:{LONDON}/999") is None
    assert memory_ledger.project(result.project).name == f"Polis: {LONDON}"
    assert "(1 vote skipped)" in result.summary()
    check_tallies(memory_ledger, copy)


def test_a_statement_dated_after_its_first_vote_opens_at_that_vote(
    copy: Path, memory_ledger: Ledger
) -> None:
    """The export's order is kept: raised and opened no later than its first vote."""
    comments = read_csv(copy / "comments.csv")
    comment = int(comments[0]["comment-id"])
    first_vote = min(
        int(r["timestamp"])
        for r in read_csv(copy / "votes.csv")
        if int(r["comment-id"]) == comment
    )
    damage(copy / "comments.csv", 2, setter(0, str(first_vote + 10**9)))
    result = import_polis(memory_ledger, copy)
    assert (
        "1 statement has a vote dated before it; it was raised at its first "
        "vote instead" in result.warnings
    )
    proposal = memory_ledger.proposal(proposal_of(memory_ledger, LONDON, comment))
    assert proposal.raised_at == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        milliseconds=first_vote
    )
    check_tallies(memory_ledger, copy)


# Exports made or changed by hand ---------------------------------------------------


@pytest.fixture(scope="module")
def london_read() -> PolisExport:
    """The smaller export, read once for the tests that change it by hand."""
    return read_polis_export(export(LONDON))


Spoiler = Callable[[PolisExport], PolisExport]


def replaced(**changes: Any) -> Spoiler:
    """A spoiler that sets fields of the export."""
    return lambda e: attrs.evolve(e, **changes)


def first_statement(**changes: Any) -> Spoiler:
    """A spoiler that sets fields of the export's first statement."""
    return lambda e: attrs.evolve(
        e, statements=(attrs.evolve(e.statements[0], **changes), *e.statements[1:])
    )


def first_vote(**changes: Any) -> Spoiler:
    """A spoiler that sets fields of the export's first vote."""
    return lambda e: attrs.evolve(
        e, votes=(attrs.evolve(e.votes[0], **changes), *e.votes[1:])
    )


def twice(e: PolisExport) -> PolisExport:
    """The export with its first statement given twice."""
    return attrs.evolve(e, statements=(e.statements[0], *e.statements))


def line_twice(e: PolisExport) -> PolisExport:
    """The export with its first vote given the line of its second."""
    return attrs.evolve(
        e, votes=(attrs.evolve(e.votes[0], line=e.votes[1].line), *e.votes[1:])
    )


NAIVE = datetime(2022, 7, 27)  # noqa: DTZ001 (the point of the test)
SPOILT: dict[str, tuple[Spoiler, type[InvalidInputError]]] = {
    "conversation 5": (replaced(conversation=5), InvalidInputError),
    "conversation ''": (replaced(conversation=""), EmptyTextError),
    "a conversation named like a statement": (
        replaced(conversation=f"{LONDON}/35"),
        InvalidInputError,
    ),
    "topic 5": (replaced(topic=5), InvalidInputError),
    "seconds None": (replaced(seconds=None), InvalidInputError),
    "statements None": (replaced(statements=None), InvalidInputError),
    "a statement that is a dict": (
        replaced(statements=({"comment_id": 1},)),
        InvalidInputError,
    ),
    "votes None": (replaced(votes=None), InvalidInputError),
    "no statements": (replaced(statements=()), InvalidInputError),
    "moderated 2": (first_statement(moderated=2), InvalidInputError),
    "comment_id '1'": (first_statement(comment_id="1"), InvalidInputError),
    "comment_id twice": (twice, InvalidInputError),
    "author -1": (first_statement(author=-1), InvalidInputError),
    "a naive statement time": (first_statement(at=NAIVE), NaiveDatetimeError),
    "a statement with a control character": (
        first_statement(text="a\x00b"),
        ControlCharacterError,
    ),
    "a title on two lines": (first_statement(title="a\nb"), InvalidInputError),
    "choice 'maybe'": (first_vote(choice="maybe"), UnknownCodeError),
    "voter None": (first_vote(voter=None), InvalidInputError),
    "a vote in the year 9999": (
        first_vote(at=datetime(9999, 1, 1, tzinfo=UTC)),
        TimeOutOfRangeError,
    ),
    "a vote's line True": (first_vote(line=True), InvalidInputError),
    "author too long to write out": (
        first_statement(author=-(10**5000)),
        InvalidInputError,
    ),
    "comment_id too long to write out": (
        first_statement(comment_id=10**5000),
        InvalidInputError,
    ),
    "author too large to write out": (
        first_statement(author=10**5000),
        InvalidInputError,
    ),
    "voter too long to write out": (first_vote(voter=10**5000), InvalidInputError),
    "a vote's line too long to write out": (
        first_vote(line=10**5000),
        InvalidInputError,
    ),
    "moderated too long to write out": (
        first_statement(moderated=10**5000),
        InvalidInputError,
    ),
    "seconds too long to write out": (
        replaced(seconds=-(10**5000)),
        InvalidInputError,
    ),
}


@pytest.mark.parametrize("case", list(SPOILT))
def test_an_export_spoilt_by_hand_is_refused_and_nothing_is_stored(
    case: str, london_read: PolisExport, memory_ledger: Ledger
) -> None:
    """An export changed by hand is checked as a folder is: a typed error, no write."""
    spoil, error = SPOILT[case]
    with pytest.raises(error):
        import_polis(memory_ledger, spoil(london_read))
    assert memory_ledger.position == 0


def test_a_folder_that_is_no_path_is_refused_however_long() -> None:
    """A folder too long to write out gets a short InvalidInputError."""
    for directory in (10**5000, ["x" * 100_000]):
        with pytest.raises(InvalidInputError, match="must be a path") as raised:
            read_polis_export(directory)  # type: ignore[arg-type]
        assert len(str(raised.value)) < 200


def test_a_conversation_name_with_a_slash_cannot_take_another_s_references(
    london_read: PolisExport, memory_ledger: Ledger
) -> None:
    """A name no folder has, refused so statement 35's reference stays free."""
    named = attrs.evolve(london_read, conversation=f"{LONDON}/35")
    with pytest.raises(InvalidInputError, match="/"):
        import_polis(memory_ledger, named)
    result = import_polis(memory_ledger, london_read)
    assert proposal_of(memory_ledger, LONDON, 35) != result.project


def test_two_votes_given_one_line_are_refused_naming_the_vote(
    london_read: PolisExport, memory_ledger: Ledger
) -> None:
    """A line is one row of votes.csv: two votes on it are refused by name, first."""
    with pytest.raises(InvalidInputError, match=r"votes\[1\]\.line .* votes\[0\]"):
        import_polis(memory_ledger, line_twice(london_read))
    assert memory_ledger.position == 0


def test_an_export_trimmed_by_hand_imports(
    london_read: PolisExport, memory_ledger: Ledger
) -> None:
    """A statement left out by hand is not recorded, and the rest import."""
    left_out = london_read.statements[0]
    kept = tuple(s for s in london_read.statements if s is not left_out)
    result = import_polis(memory_ledger, attrs.evolve(london_read, statements=kept))
    assert result.statements == len(london_read.statements) - 1
    assert (
        memory_ledger.find_by_source_ref(f"polis:{LONDON}/{left_out.comment_id}")
        is None
    )
    assert result.events == memory_ledger.position


def test_votes_on_a_statement_left_out_by_hand_are_not_blamed_on_the_file(
    london_read: PolisExport, memory_ledger: Ledger
) -> None:
    """Its votes are skipped, and the warning does not say comments.csv lacks it."""
    voted = {x.comment_id for x in london_read.votes}
    left_out = next(s for s in london_read.statements if s.comment_id in voted)
    kept = tuple(s for s in london_read.statements if s is not left_out)
    result = import_polis(memory_ledger, attrs.evolve(london_read, statements=kept))
    skipped = sum(x.comment_id == left_out.comment_id for x in london_read.votes)
    assert result.votes_skipped == skipped
    warning = (
        f"{skipped} votes name a comment-id that no statement in the export "
        "has; they were not recorded"
    )
    assert result.warnings == (warning,)


FOLD = datetime(2024, 10, 27, 0, 0, tzinfo=UTC)
"""01:00 in London, as its clocks first reach the hour they repeat (UTC)."""


def in_the_fold(zone: ZoneInfo | None) -> PolisExport:
    """A statement at 00:50 UTC, voted for then and against at 01:10 UTC.

    With *zone*, each time is given as that zone's clocks read it: in London,
    01:50 (summer time) and 01:10 (the same hour again, in winter time).
    """
    early, late = FOLD + timedelta(minutes=50), FOLD + timedelta(minutes=70)
    if zone is not None:
        early, late = early.astimezone(zone), late.astimezone(zone)
    return PolisExport(
        "fold",
        None,
        None,
        None,
        statements=(Statement(1, 1, early, 0, "Start at seven", "Seven", 2),),
        votes=(Vote(1, 2, "for", early, 2), Vote(1, 2, "against", late, 3)),
    )


def test_times_through_the_repeated_hour_import_by_their_instants(
    memory_ledger: Ledger,
) -> None:
    """Times given in London's zone import as the same instants given in UTC do."""
    with Ledger.open("memory://") as by_utc:
        import_polis(by_utc, in_the_fold(None))
        expected = by_utc.proposals()[0]
    import_polis(memory_ledger, in_the_fold(ZoneInfo("Europe/London")))
    (proposal,) = memory_ledger.proposals()
    assert proposal.raised_at == expected.raised_at
    assert [b.choice for b in proposal.ballots] == ["against"]
    assert proposal.tally == expected.tally


# Storage backends -----------------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_larger_conversation_on_storage(backend: str, ledger_url: str) -> None:
    """Imported into a SQLite file and into PostgreSQL, at a measured speed."""
    folder = export(SEATTLE)
    with Ledger.open(ledger_url) as ledger:
        result = import_polis(ledger, folder)
        print(f"\n{backend}: {result.summary()}")  # noqa: T201 (the measured speed)
        assert result.events == ledger.position
        assert result.events_per_second > 0
        check_tallies(ledger, folder)
    with Ledger.open(ledger_url) as reopened:  # it was stored, not just cached
        assert reopened.position == result.events
        statement = proposal_of(reopened, SEATTLE, 48)
        assert reopened.tally(statement).participants > 0
        for rung, level in project_rungs(reopened, result):
            assert level == LEVELS["NONE"], rung


@pytest.mark.postgres
def test_events_counts_what_the_import_wrote_past_a_gap_in_positions(
    pg_schema: str,
) -> None:
    """PostgreSQL spends a position on every rolled-back insert: not an event."""
    folder = export(LONDON)
    url = url_for("postgres", Path(), pg_schema)
    with Ledger.open(url) as ledger:
        ledger.register_member("Someone already here")
        with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
            for _ in range(7):  # as seven inserts rolled back would
                conn.execute(
                    sql.SQL("SELECT nextval({})").format(
                        sql.Literal(f"{pg_schema}.coledger_events_notification_id_seq")
                    )
                )
        result = import_polis(ledger, folder)
        written = sum(1 for _ in ledger.history()) - 1
        assert result.events == written
        assert ledger.position == 1 + written + 7


def test_an_export_of_an_imported_conversation_imports_again(
    london: tuple[Ledger, PolisImport],
) -> None:
    """A Polis batch's events, stored record by record, pass an import's checks."""
    ledger, result = london
    out = io.StringIO()
    ledger.export(out)
    with Ledger.open("memory://") as copy:
        moved = copy.import_events(out.getvalue().splitlines())
        assert moved.events == ledger.position
        assert len(copy.members()) == len(ledger.members())
        assert copy.project(result.project).name == ledger.project(result.project).name


# A write that fails leaves no keys ---------------------------------------------


def key_ids(ledger: Ledger) -> set[str]:
    """The id of every row in the ledger's key store, read around its caches."""
    keys: Any = ledger._keys
    if isinstance(keys, MemoryKeyStore):
        return set(keys._rows)
    table = (
        "member_keys"
        if ledger.config.backend == "sqlite"
        else ("{s}.coledger_member_keys")
    )
    return {row[0] for row in keys._run(f"SELECT key_id FROM {table}")}  # noqa: S608


def failing_after_keys(ledger: Ledger, count: int) -> Callable[..., Any]:
    """The key store's key_for, interrupted (Ctrl-C) once *count* keys were made."""
    real = ledger._keys.key_for
    made: list[int] = []

    def key_for(*args: Any, **kwargs: Any) -> Any:
        if len(made) == count:
            raise KeyboardInterrupt
        made.append(1)
        return real(*args, **kwargs)

    return key_for


@pytest.mark.parametrize("failure", ["write", "interrupt"])
def test_a_failed_import_leaves_no_keys_for_its_members(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    """A Polis import whose write fails or is interrupted midway leaves no new keys."""
    kept = ledger.register_member("Kept")  # a member before the import keeps hers
    before = key_ids(ledger)
    with monkeypatch.context() as patch:
        if failure == "write":

            def insert(*_: object, **__: object) -> None:
                raise PersistenceError("disk full")

            patch.setattr(ledger._app.recorder, "insert_events", insert)
            raised: type[BaseException] = StorageError
        else:
            patch.setattr(ledger._keys, "key_for", failing_after_keys(ledger, 10))
            raised = KeyboardInterrupt
        with pytest.raises(raised):
            import_polis(ledger, export(LONDON), lived_experience="OTHER_LE")
    assert ledger.position == 1
    assert key_ids(ledger) == before
    assert ledger.member(kept).name == "Kept"
    result = import_polis(ledger, export(LONDON), lived_experience="OTHER_LE")
    made = key_ids(ledger) - before
    assert len(made) == 2 * (result.members - 1) + 1  # name and declaration; organiser
