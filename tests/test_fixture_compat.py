"""Ledgers written by earlier versions stay readable: the kept demo fixtures."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from coledger import Ledger
from coledger.demo import format_summary, summarise
from coledger.domain import Proposal
from coledger.integrity import Verifier, verify
from coledger.integrity.source import open_source
from coledger.projections.facts import Facts

FIXTURES = sorted((Path(__file__).parent / "fixtures").glob("demo-*"))


@pytest.fixture(params=FIXTURES, ids=lambda p: p.name)
def fixture_copy(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A private copy of one kept ledger (opening a ledger may touch its files)."""
    source: Path = request.param
    target = tmp_path / source.name
    shutil.copytree(source, target)
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
    """At least one kept ledger exists, so the compatibility tests below run."""
    assert FIXTURES


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


def test_summary_reads_the_same_as_when_written(fixture_copy: Path) -> None:
    """The demo summary rebuilt from the old records equals the one printed then."""
    with open_fixture(fixture_copy) as ledger:
        text = format_summary(summarise(ledger, "FIXTURE"))
    kept = (fixture_copy / "summary.txt").read_text(encoding="utf-8").strip()
    assert text.strip() == kept


def test_sealed_names_open_with_the_kept_key(fixture_copy: Path) -> None:
    """Personal data sealed by the old version opens with the kept master key."""
    with open_fixture(fixture_copy) as ledger:
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


def test_kept_votes_bound_their_proposals(fixture_copy: Path) -> None:
    """Votes closed before advisory votes existed were binding and gave their reason."""
    with open_fixture(fixture_copy) as ledger:
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
