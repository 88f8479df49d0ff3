"""A proposal holding thousands of ballots, and its bare eventsourcing twin.

``build`` records a body whose every member votes once on one proposal, after
some of them comment, in a fresh SQLite ledger; ``build_bare`` saves one bare
eventsourcing aggregate with as many events of the same stored sizes, in the
same order. run_all.py times loading each, cold, in a fresh process.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from coledger import Ledger, Rule
from coledger.privacy import generate_master_key
from coledger.storage import parse_url
from ledgers import remove_db, sqlite_url
from record import BareApplication, Twin, bare_env, overheads

BATCH = 2000
"""Commands per batch() while building (not timed)."""


@dataclass(frozen=True)
class BigProposal:
    """Where the built proposal is, and the stored sizes of its events."""

    url: str
    key: bytes
    proposal: UUID
    sizes: tuple[int, ...]


def build(path: Path, ballots: int, comments: int) -> BigProposal:
    """A ledger with one proposal holding *ballots* ballots and *comments* comments."""
    remove_db(path)
    key = generate_master_key()
    url = sqlite_url(path)
    with Ledger(parse_url(url), key) as ledger:
        admin = ledger.register_member("Alex Admin", role="staff")
        body = ledger.establish_body(
            "Assembly", kind="governance", rule=Rule.majority(), by=admin
        )
        voters: list[UUID] = []
        for low in range(0, ballots, BATCH):
            with ledger.batch():
                for i in range(low, min(ballots, low + BATCH)):
                    voter = ledger.register_member(f"Member {i}", role="member")
                    ledger.assign_seat(body, voter, seat="voting", by=admin)
                    voters.append(voter)
        proposal = ledger.raise_proposal(
            body, proposers=[voters[0]], title="A new constitution", text="x" * 600
        )
        with ledger.batch():
            for voter in voters[:comments]:
                ledger.comment(proposal, author=voter, text="y" * 240)
        ledger.open_voting(proposal, by=admin)
        for low in range(0, ballots, BATCH):
            with ledger.batch():
                for voter in voters[low : low + BATCH]:
                    ledger.cast_ballot(proposal, voter=voter, choice="for")
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT length(state) FROM stored_events WHERE originator_id = ? "
            "ORDER BY originator_version",
            (proposal.hex,),
        ).fetchall()
    finally:
        conn.close()
    return BigProposal(url, key, proposal, tuple(size for (size,) in rows))


def build_bare(path: Path, sizes: tuple[int, ...]) -> UUID:
    """One bare eventsourcing aggregate whose events have *sizes*, in order."""
    remove_db(path)
    app = BareApplication(env=bare_env(sqlite_url(path)))
    try:
        start_overhead, note_overhead = overheads(app)
        twin = Twin(payload="x" * max(0, sizes[0] - start_overhead))
        for size in sizes[1:]:
            twin.note(payload="x" * max(0, size - note_overhead))
        app.save(twin)
        return twin.id
    finally:
        app.close()
