"""Ledgers written by earlier versions stay readable: the kept fixtures.

Every folder under fixtures/ with an expected.json is a kept ledger; the demo-*
ones are the demo, with its printed summary and its invented people.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from coledger import Ledger, Rule
from coledger.demo import format_summary, summarise
from coledger.domain import Member, Proposal
from coledger.domain.values import ERASED
from coledger.integrity import Verifier, verify
from coledger.integrity.source import open_source
from coledger.privacy.classification import event_classes
from coledger.projections.facts import Facts
from coledger.views import ProposalView
from conftest import TEST_MASTER_KEY

FIXTURES_DIR = Path(__file__).parent / "fixtures"
FIXTURES = sorted(path.parent for path in FIXTURES_DIR.glob("*/expected.json"))
DEMOS = [path for path in FIXTURES if path.name.startswith("demo-")]

KINDS_0_1_0 = frozenset(
    {
        "coledger.domain.adjustment:Adjustment.Declined",
        "coledger.domain.adjustment:Adjustment.Provided",
        "coledger.domain.adjustment:Adjustment.Requested",
        "coledger.domain.adjustment:Adjustment.Withdrawn",
        "coledger.domain.body:Body.Established",
        "coledger.domain.body:Body.RuleChanged",
        "coledger.domain.body:Body.SeatAssigned",
        "coledger.domain.body:Body.SeatVacated",
        "coledger.domain.meeting:Meeting.AdjustmentLinked",
        "coledger.domain.meeting:Meeting.AttendanceRecorded",
        "coledger.domain.meeting:Meeting.PapersIssued",
        "coledger.domain.meeting:Meeting.Scheduled",
        "coledger.domain.meeting:Meeting.WellbeingCheckInHeld",
        "coledger.domain.member:Member.Erased",
        "coledger.domain.member:Member.LivedExperienceDeclared",
        "coledger.domain.member:Member.LivedExperienceWithdrawn",
        "coledger.domain.member:Member.Registered",
        "coledger.domain.member:Member.RoleChanged",
        "coledger.domain.member:Member.SupporterAuthorised",
        "coledger.domain.member:Member.SupporterRevoked",
        "coledger.domain.project:Project.Finished",
        "coledger.domain.project:Project.Relabelled",
        "coledger.domain.project:Project.Started",
        "coledger.domain.proposal:Proposal.AccessibleVersionPublished",
        "coledger.domain.proposal:Proposal.ActionAssigned",
        "coledger.domain.proposal:Proposal.ActionCompleted",
        "coledger.domain.proposal:Proposal.AdjustmentLinked",
        "coledger.domain.proposal:Proposal.Amended",
        "coledger.domain.proposal:Proposal.BallotCast",
        "coledger.domain.proposal:Proposal.Commented",
        "coledger.domain.proposal:Proposal.Decided",
        "coledger.domain.proposal:Proposal.EvaluationRecorded",
        "coledger.domain.proposal:Proposal.FeedbackGiven",
        "coledger.domain.proposal:Proposal.Raised",
        "coledger.domain.proposal:Proposal.VotingClosed",
        "coledger.domain.proposal:Proposal.VotingOpened",
        "coledger.domain.proposal:Proposal.Withdrawn",
    }
)
"""The topics of the 37 event classes coledger 0.1.0 (commit e22d8b5) recorded."""


def copy_of(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A private copy of the kept ledger in *request* (opening may touch its files)."""
    source: Path = request.param
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


@pytest.fixture(params=FIXTURES, ids=lambda p: p.name)
def fixture_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A private copy of each kept ledger in turn."""
    return copy_of(request, tmp_path)


@pytest.fixture(params=DEMOS, ids=lambda p: p.name)
def demo_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A private copy of each kept demo ledger in turn."""
    return copy_of(request, tmp_path)


@pytest.fixture
def kinds_copy(tmp_path: Path) -> Path:
    """A private copy of the ledger holding every event kind of 0.1.0."""
    target = tmp_path / "kinds-0.1.0"
    shutil.copytree(FIXTURES_DIR / "kinds-0.1.0", target)
    return target


def open_fixture(folder: Path) -> Ledger:
    """Open a kept ledger with its own master key."""
    key = (folder / "master-key").read_text(encoding="ascii").strip()
    return Ledger.open(f"sqlite:///{folder / 'ledger.db'}", master_key=key)


def expected(folder: Path) -> dict[str, Any]:
    """The counts written beside the fixture when it was made."""
    loaded: dict[str, Any] = json.loads((folder / "expected.json").read_text())
    return loaded


def test_fixture_is_present() -> None:
    """The kept ledgers are all found, so the compatibility tests below run."""
    names = {path.name for path in FIXTURES}
    assert {"demo-0.1.0-dev1", "demo-0.1.0", "kinds-0.1.0"} <= names
    assert DEMOS


def stored_topics(folder: Path) -> set[str]:
    """The topics of the events stored in a kept ledger, read with plain SQL."""
    with sqlite3.connect(folder / "ledger.db") as conn:
        rows = conn.execute("SELECT DISTINCT topic FROM stored_events").fetchall()
    return {topic for (topic,) in rows}


def test_every_kind_from_0_1_0_is_in_a_kept_ledger() -> None:
    """Each 0.1.0 event kind is still a current event class and stored in a fixture."""
    current = set(event_classes())
    kept: set[str] = set().union(*(stored_topics(folder) for folder in FIXTURES))
    # Resolved, not compared by name: a class renamed since keeps its old topic.
    orphaned = {topic for topic in KINDS_0_1_0 if resolve_topic(topic) not in current}
    assert sorted(orphaned) == []
    assert sorted(KINDS_0_1_0 - kept) == []


def test_the_kinds_fixture_holds_exactly_the_kinds_of_0_1_0() -> None:
    """The list of 0.1.0's kinds agrees with what 0.1.0 itself recorded."""
    assert stored_topics(FIXTURES_DIR / "kinds-0.1.0") == KINDS_0_1_0


def test_every_stored_event_still_decodes(fixture_copy: Path) -> None:
    """Each stored event decodes into the current event classes, topic by topic."""
    with open_fixture(fixture_copy) as ledger:
        decoded = Counter(get_topic(type(r.event)) for r in ledger.history())
    assert decoded == Counter(expected(fixture_copy)["topics"])


def test_stored_rows_are_the_kept_ones(fixture_copy: Path) -> None:
    """Plain SQL still counts the rows that were written, so nothing was lost."""
    with sqlite3.connect(fixture_copy / "ledger.db") as conn:
        (total,) = conn.execute("SELECT count(*) FROM stored_events").fetchone()
    assert total == expected(fixture_copy)["events"]


def test_summary_reads_the_same_as_when_written(demo_copy: Path) -> None:
    """The demo summary rebuilt from the old records equals the one printed then."""
    with open_fixture(demo_copy) as ledger:
        text = format_summary(summarise(ledger, "FIXTURE"))
    kept = (demo_copy / "summary.txt").read_text(encoding="utf-8").strip()
    assert text.strip() == kept


def test_sealed_names_open_with_the_kept_key(demo_copy: Path) -> None:
    """Personal data sealed by the old version opens with the kept master key."""
    with open_fixture(demo_copy) as ledger:
        names = {m.name for m in ledger.members()}
        declared = [m for m in ledger.members() if m.lived_experience]
    assert "Alex Moreno" in names
    assert declared
    assert all(set(m.lived_experience) <= {"DIS", "LTHC"} for m in declared)


def test_upcasters_run_on_kept_events(
    fixture_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raising an event class's version runs its upcaster on every old stored event."""
    seen: list[dict[str, Any]] = []

    def upcast_v1_v2(state: dict[str, Any]) -> None:
        seen.append(dict(state))
        state["channel"] = state["channel"].upper()

    monkeypatch.setattr(Proposal.Commented, "class_version", 2, raising=False)
    monkeypatch.setattr(
        Proposal.Commented, "upcast_v1_v2", staticmethod(upcast_v1_v2), raising=False
    )
    with open_fixture(fixture_copy) as ledger:
        comments = [
            r.event for r in ledger.history() if isinstance(r.event, Proposal.Commented)
        ]
    topic = get_topic(Proposal.Commented)
    assert len(seen) == len(comments) == expected(fixture_copy)["topics"][topic]
    assert all(c.channel.isupper() for c in comments)


def test_kept_votes_bound_their_proposals(demo_copy: Path) -> None:
    """Every vote a kept demo closed was binding, and its decision gives its reason."""
    with open_fixture(demo_copy) as ledger:
        closes = {
            r.event.originator_id: r.event
            for r in ledger.history()
            if isinstance(r.event, Proposal.VotingClosed)
        }
        first = {p: ledger.proposal(p).decisions[0] for p in closes}
    assert closes
    assert not any(close.advisory for close in closes.values())
    assert {p: d.reason for p, d in first.items()} == {
        p: close.reason for p, close in closes.items()
    }


def test_kept_checkpoint_still_verifies(fixture_copy: Path) -> None:
    """A ledger kept with its checkpoint verifies against it, with no key at all."""
    if not (fixture_copy / "checkpoint").exists():
        pytest.skip(f"{fixture_copy.name} predates hash leaves and checkpoints")
    verifier = Verifier.parse((fixture_copy / "verifier-key").read_text().strip())
    note = (fixture_copy / "checkpoint").read_text()
    source = open_source(f"sqlite:///{fixture_copy / 'ledger.db'}")
    try:
        report = verify(source, verifier, [note])
    finally:
        source.close()
    assert report.status == "VERIFIED", report.to_text()
    assert report.size == expected(fixture_copy)["leaves"]


def test_the_fold_reads_kept_ledgers_as_their_decoded_history(
    fixture_copy: Path,
) -> None:
    """Stored states folded as read (old VotingClosed upcast) equal decoded events."""
    with open_fixture(fixture_copy) as ledger:
        read = Facts().apply_states(ledger.fold_states())
        decoded = Facts().apply_all((r.position, r.event) for r in ledger.history())
        closed = [
            p for p in read.proposals.values() if p.tally is not None and p.verdict
        ]
    assert read == decoded
    assert read.position == expected(fixture_copy)["events"]
    assert closed  # the upcast events were folded, not skipped


def test_kept_ledgers_pass_the_erasure_audit(fixture_copy: Path) -> None:
    """Every key of a kept ledger is as its erasures and withdrawals say."""
    with open_fixture(fixture_copy) as ledger:
        audit = ledger.audit_erasure()
    assert audit.ok, audit.to_text()
    assert audit.sealed_fields > 0


def test_reports_give_a_tree_size_only_where_the_leaves_cover_the_log(
    fixture_copy: Path,
) -> None:
    """A ledger begun before hash leaves gives no tree size rather than a wrong one."""
    leafed = (fixture_copy / "checkpoint").exists()
    with open_fixture(fixture_copy) as ledger:
        report = ledger.power_sharing()
        size = ledger.tree_size()
    events = expected(fixture_copy)["events"]
    assert report.tree_size == size == (events if leafed else None)


def by_title(ledger: Ledger) -> dict[str, ProposalView]:
    """The proposals of a ledger by their titles."""
    return {p.title: p for p in ledger.proposals()}


def test_the_kinds_no_demo_records_read_back_as_written(kinds_copy: Path) -> None:
    """The kinds only the kinds fixture holds still mean what 0.1.0 recorded."""
    with open_fixture(kinds_copy) as ledger:
        people = {m.name: m for m in ledger.members()}
        board = next(b for b in ledger.bodies() if b.name == "Board")
        project = next(p for p in ledger.projects() if p.name == "Summer festival")
        meeting = ledger.meetings()[0]
        linked = {
            ledger.adjustment(a).member: ledger.adjustment(a).code
            for a in meeting.adjustments
        }
        proposals = by_title(ledger)
        events = [r.event for r in ledger.history()]
    erased = people[ERASED]
    assert erased.erased  # Member.Erased
    revoked = [e for e in events if isinstance(e, Member.SupporterRevoked)]
    helper = people["Cy Helper"].id
    assert [(e.originator_id, e.supporter) for e in revoked] == [(erased.id, helper)]
    assert people["Ben Trainer"].role == "trainer"  # RoleChanged twice
    assert people["Ben Trainer"].supporters == {helper}
    assert board.rule == Rule.consensus(quorum=0.5, lived_experience_quorum=1)
    assert project.label == "co_production"  # Relabelled
    # Meeting.AdjustmentLinked; the erased member's access need reads as erased.
    assert linked == {people["Ben Trainer"].id: "BSL", erased.id: ERASED}
    assert proposals["Fee"].status == proposals["Minutes"].status == "withdrawn"
    withdrawn = [e for e in events if isinstance(e, Proposal.Withdrawn)]
    assert [e.reason for e in withdrawn] == ["Already agreed.", None]


def test_a_kept_ledger_exports_and_imports_again(fixture_copy: Path) -> None:
    """An export of each kept ledger passes every check an import makes, and loads."""
    with open_fixture(fixture_copy) as ledger:
        out = io.StringIO()
        events = ledger.export(out)
    lines = out.getvalue().splitlines()
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == events == len(lines) - 1


def test_an_advisory_vote_from_0_1_0_left_the_decision_to_another(
    kinds_copy: Path,
) -> None:
    """An advisory close kept from 0.1.0 decided nothing; the later decision did."""
    with open_fixture(kinds_copy) as ledger:
        poll = by_title(ledger)["Session time"]
        closes = [
            r.event
            for r in ledger.history()
            if isinstance(r.event, Proposal.VotingClosed)
            and r.event.originator_id == poll.id
        ]
    assert [close.advisory for close in closes] == [True]
    assert [d.method for d in poll.decisions] == ["staff_executive"]
    assert not poll.decisions[0].overrode_vote
    assert poll.decisions[0].rationale == "The hall is not free at six."
