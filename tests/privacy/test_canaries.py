"""Personal canaries never reach storage in clear; organisational text does."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from uuid import UUID

import attrs
import orjson
import psycopg
import pytest
from eventsourcing.utils import resolve_topic
from psycopg import sql

from coledger import Ledger
from coledger.privacy.classification import Kind, Sealed, classify
from coledger.privacy.sealing import is_sealed
from conftest import IN_CI, PG_CONNINFO, require_postgres, url_for

SAM_NAME = "Quillon Marchbanks-Zeta"
KIM_NAME = "Ottoline Vashti-Prynne"
SAM_COMMENT = "canary 5d1e: my hearing aid failed at the last meeting"
KIM_COMMENT = "canary 9b7c: I was in hospital again in March"
TITLE = "Canary-visible proposal title 3a8f"
TEXT = "Canary-visible proposal text c40e"
RATIONALE = "Canary-visible rationale 77d2"

PERSONAL_TEXT = (SAM_NAME, KIM_NAME, SAM_COMMENT, KIM_COMMENT)
ORGANISATIONAL_TEXT = (TITLE, TEXT, RATIONALE)
# Closed-vocabulary codes: look for their stored JSON form, not the bare letters.
SPECIAL_JSON = (
    b'"DIS"',
    b'"CARER"',
    b'["DIS"]',
    b'"categories":["',
    b'"BSL"',
    b'"code":"BSL"',
    b'"code":"',
    b'"CAP"',
    b'"alternative":"CAP"',
    b'"alternative":"',
)


@attrs.frozen
class Planted:
    """Ids of the records the canaries were planted in."""

    admin: UUID
    sam: UUID
    kim: UUID
    proposal: UUID


def plant(ledger: Ledger) -> Planted:
    """Record a small governance history carrying every canary."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member(SAM_NAME, role="trainer", by=admin)
    kim = ledger.register_member(KIM_NAME)
    ledger.declare_lived_experience(sam, categories=["DIS"])
    ledger.declare_lived_experience(kim, categories=["CARER"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    for member in (admin, sam, kim):
        ledger.assign_seat(board, member, seat="voting", by=admin)
    proposal = ledger.raise_proposal(board, proposers=[sam], title=TITLE, text=TEXT)
    ledger.comment(proposal, author=sam, text=SAM_COMMENT)
    ledger.comment(proposal, author=kim, text=KIM_COMMENT, channel="written")
    bsl = ledger.request_adjustment(
        sam, code="BSL", proposal=proposal, needed_before="vote"
    )
    ledger.provide_adjustment(bsl, by=admin)
    large_print = ledger.request_adjustment(kim, code="LP")
    ledger.decline_adjustment(
        large_print, by=admin, reason="alternative_offered", alternative="CAP"
    )
    ledger.open_voting(proposal, by=admin)
    ledger.cast_ballot(proposal, voter=sam, choice="for")
    ledger.cast_ballot(proposal, voter=kim, choice="for")
    ledger.close_voting(proposal, by=admin)
    other = ledger.raise_proposal(board, proposers=[kim], title="Second", text="x")
    ledger.decide(
        other, outcome="adopted", method="consensus", by=admin, rationale=RATIONALE
    )
    return Planted(admin, sam, kim, proposal)


def assert_no_personal_data(haystack: bytes, where: str) -> None:
    """No personal canary and no special code's JSON form is in *haystack*."""
    for text in PERSONAL_TEXT:
        for needle in {text.encode(), orjson.dumps(text)}:
            assert needle not in haystack, f"{text!r} in clear in {where}"
    for needle in SPECIAL_JSON:
        assert needle not in haystack, f"{needle!r} in clear in {where}"


def assert_organisational_text_visible(haystack: bytes, where: str) -> None:
    """The organisation's own record is in clear: the scan can see clear text."""
    for text in ORGANISATIONAL_TEXT:
        assert text.encode() in haystack, f"{text!r} not found in {where}"


def read_files(paths: list[Path]) -> bytes:
    """The bytes of every existing file in *paths*, concatenated."""
    return b"".join(p.read_bytes() for p in paths if p.exists())


def sqlite_files(db: Path) -> list[Path]:
    """The ledger file, its WAL and shared memory, and the key store beside it."""
    return sorted(db.parent.glob(db.name + "*"))


def stored_states(ledger: Ledger) -> list[tuple[str, bytes]]:
    """Topic and exact stored state of every event, through the recorder."""
    recorder = ledger._app.recorder
    return [
        (n.topic, n.state)
        for n in recorder.select_notifications(
            start=0, limit=100_000, inclusive_of_start=False
        )
    ]


def test_sqlite_files_hold_no_personal_data(tmp_path: Path) -> None:
    """The SQLite file, its -wal and the key store hold no canary, open or closed."""
    url = url_for("sqlite", tmp_path)
    db = tmp_path / "ledger.db"
    ledger = Ledger.open(url)
    try:
        plant(ledger)
        files = sqlite_files(db)
        names = {p.name for p in files}
        assert {"ledger.db", "ledger.db-wal", "ledger.db.keys"} <= names
        wal = (tmp_path / "ledger.db-wal").read_bytes()
        assert TITLE.encode() in wal, "the open ledger's recent pages are in the WAL"
        assert_no_personal_data(wal, "ledger.db-wal")
        everything = read_files(files)
        assert_no_personal_data(everything, f"{sorted(names)} while open")
        assert_organisational_text_visible(everything, "the open ledger's files")
        assert SAM_NAME in {m.name for m in ledger.members()}
    finally:
        ledger.close()
    files = sqlite_files(db)
    everything = read_files(files)
    assert_no_personal_data(everything, f"{[p.name for p in files]} after close")
    assert_organisational_text_visible(everything, "the closed ledger's files")


def test_postgres_tables_hold_no_personal_data(tmp_path: Path, pg_schema: str) -> None:
    """Neither a pg_dump of the schema nor the events' state column holds a canary."""
    require_postgres()
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        if IN_CI:  # CI's PostgreSQL comes with its client tools: a dump must run
            pytest.fail("pg_dump is not installed (CI=true: this check must run)")
        pytest.skip("pg_dump is not installed")
    with Ledger.open(url_for("postgres", tmp_path, pg_schema)) as ledger:
        plant(ledger)
        dump = subprocess.run(
            [
                pg_dump,
                "--data-only",
                f"--schema={pg_schema}",
                f"--dbname={PG_CONNINFO}",
            ],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        assert b"coledger_events" in dump
        assert b"coledger_member_keys" in dump
        # COPY writes bytea as \x<hex>: decode it, or the scan would see nothing.
        decoded = b"".join(
            bytes.fromhex(m.decode()) for m in re.findall(rb"\\\\x([0-9a-f]+)", dump)
        )
        assert_no_personal_data(dump, "the pg_dump text")
        assert_no_personal_data(decoded, "the pg_dump bytea values")
        assert_organisational_text_visible(decoded, "the pg_dump bytea values")
        with psycopg.connect(PG_CONNINFO) as conn:
            rows = conn.execute(
                sql.SQL("SELECT topic, state FROM {}.coledger_events").format(
                    sql.Identifier(pg_schema)
                )
            ).fetchall()
        states = b"\n".join(bytes(state) for _, state in rows)
        assert len(rows) == len(stored_states(ledger))
        assert_no_personal_data(states, "coledger_events.state")
        assert_organisational_text_visible(states, "coledger_events.state")


def test_memory_stored_events_hold_no_personal_data() -> None:
    """The in-memory recorder holds only sealed envelopes for personal fields."""
    with Ledger.open("memory://") as ledger:
        plant(ledger)
        states = b"\n".join(state for _, state in stored_states(ledger))
        assert_no_personal_data(states, "the in-memory stored events")
        assert_organisational_text_visible(states, "the in-memory stored events")


def test_canaries_read_back_through_the_ledger(ledger: Ledger) -> None:
    """With its keys the ledger reads every sealed canary back exactly."""
    planted = plant(ledger)
    assert ledger.member(planted.sam).name == SAM_NAME
    assert ledger.member(planted.sam).lived_experience == ("DIS",)
    assert ledger.member(planted.kim).lived_experience == ("CARER",)
    texts = {c.author: c.text for c in ledger.proposal(planted.proposal).comments}
    assert texts == {planted.sam: SAM_COMMENT, planted.kim: KIM_COMMENT}
    codes = {(a.member, a.code, a.alternative) for a in ledger.adjustments()}
    assert codes == {(planted.sam, "BSL", None), (planted.kim, "LP", "CAP")}


def test_every_sealed_field_is_stored_as_an_envelope(ledger: Ledger) -> None:
    """Each sealed field with a value is stored as an envelope, no other field is."""
    plant(ledger)
    sealed_seen = 0
    for topic, state in stored_states(ledger):
        cls = resolve_topic(topic)
        stored = orjson.loads(state)
        for name, rule in classify(cls).items():
            if name not in stored or stored[name] is None:
                continue
            if isinstance(rule, Sealed):
                assert is_sealed(stored[name]), (topic, name, stored[name])
                sealed_seen += 1
            else:
                assert not is_sealed(stored[name]), (topic, name)
    # 3 names, 2 declarations, 2 comments, 2 codes and 1 alternative.
    assert sealed_seen == 10


def test_free_text_lands_only_in_sealed_or_organisational_fields() -> None:
    """Personal text is only in sealed fields, organisational text only in clear."""
    with Ledger.open("memory://") as ledger:
        plant(ledger)
        found: dict[str, set[str]] = {}
        for recorded in ledger.history():
            event = recorded.event
            for name, rule in classify(type(event)).items():
                value = orjson.dumps(getattr(event, name), default=str)
                for text in PERSONAL_TEXT + ORGANISATIONAL_TEXT:
                    if text.encode() in value:
                        found.setdefault(text, set()).add(name)
                        if text in PERSONAL_TEXT:
                            assert isinstance(rule, Sealed), (type(event), name)
                        else:
                            assert rule is Kind.ORGANISATIONAL, (type(event), name)
        assert set(found) == set(PERSONAL_TEXT + ORGANISATIONAL_TEXT)
