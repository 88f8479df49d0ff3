"""The fold's own reading of a history, and the memo that spares repeated work."""

from __future__ import annotations

import gc
import math
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coledger import CorruptEventError, Ledger, LedgerError, Rule
from coledger.domain.values import LIVED_EXPERIENCE
from coledger.log import pages
from coledger.projections.facts import Facts, collector_paused
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


def _eventful(ledger: Ledger) -> dict[str, uuid.UUID]:
    """A short history touching every aggregate, a vote, a withdrawal and an erasure."""
    when = datetime(2025, 3, 1, 18, tzinfo=UTC)
    admin = ledger.register_member("Ada Admin", role="staff", occurred_at=when)
    sam = ledger.register_member("Sam Ide", role="trainer", by=admin, occurred_at=when)
    kim = ledger.register_member("Kim Ode", role="trustee", by=admin, occurred_at=when)
    ledger.declare_lived_experience(sam, categories=["DIS"], occurred_at=when)
    ledger.declare_lived_experience(kim, categories=["CARER"], occurred_at=when)
    board = ledger.establish_body(
        "Board",
        kind="governance",
        rule=Rule.majority(quorum=0.5),
        by=admin,
        occurred_at=when,
    )
    plan = ledger.start_project("Festival", label="co_production", by=admin)
    for member in (admin, sam, kim):
        ledger.assign_seat(board, member, seat="voting", by=admin, occurred_at=when)
    meeting = ledger.schedule_meeting(
        board, kind="decision_meeting", title="May board", starts_at=when, by=admin
    )
    ledger.record_attendance(meeting, sam, mode="remote", by=admin)
    p = ledger.raise_proposal(
        board, proposers=[sam], title="Later start", text="Start at six.", project=plan
    )
    ledger.comment(p, author=kim, text="Fine by me.", channel="written")
    need = ledger.request_adjustment(sam, code="ER", proposal=p, needed_before="vote")
    ledger.provide_adjustment(need, by=admin)
    ledger.open_voting(p, by=sam)
    ledger.cast_ballot(p, voter=sam, choice="for")
    ledger.cast_ballot(p, voter=kim, choice="against")
    ledger.cast_ballot(p, voter=admin, choice="for")
    ledger.close_voting(p, by=sam)
    ledger.withdraw_lived_experience(kim)
    ledger.vacate_seat(board, admin, by=admin)
    ledger.erase_member(kim, by=admin)
    return {"sam": sam, "kim": kim, "board": board, "proposal": p}


def _eventful_at(folder: Path) -> tuple[Path, dict[str, uuid.UUID]]:
    """A SQLite ledger file in *folder* holding ``_eventful``'s history, and its ids."""
    path = folder / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ids = _eventful(ledger)
    return path, ids


def test_fold_states_give_the_facts_decoded_events_give(ledger: Ledger) -> None:
    """On every backend, folding stored states equals folding whole events."""
    ids = _eventful(ledger)
    read = Facts().apply_states(ledger.fold_states())
    decoded = Facts().apply_all((r.position, r.event) for r in ledger.history())
    assert read == decoded
    assert read.position == ledger.position
    assert read.has_lived_experience(ids["sam"], datetime(2025, 4, 1, tzinfo=UTC))
    assert not read.has_declared(ids["kim"], datetime(2025, 4, 1, tzinfo=UTC))
    assert read.members[ids["kim"]].erased
    assert read.proposals[ids["proposal"]].tally == (2, 1, 0, 0)
    cut = ledger.position // 2
    resumed = Facts().apply_states(ledger.fold_states(until=cut))
    resumed.apply_states(ledger.fold_states(after=cut))
    assert resumed == read


def test_sqlite_pages_hold_what_select_notifications_returns(tmp_path: Path) -> None:
    """The plain SQLite rows carry the same ids, versions, topics and bytes."""
    with Ledger.open(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        _eventful(ledger)
        recorder = ledger._app.recorder
        rows = [r for page in pages(recorder, 3, None, 7) for r in page]
        expected = recorder.select_notifications(
            start=3, limit=10_000, inclusive_of_start=False
        )
        bounded = [r.id for page in pages(recorder, 0, 12, 5) for r in page]
    assert [
        (r.id, r.originator_id, r.originator_version, r.topic, r.state) for r in rows
    ] == [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in expected
    ]
    assert all(isinstance(r.originator_id, uuid.UUID) for r in rows)
    assert bounded == list(range(1, 13))


@pytest.mark.parametrize(
    "state", [b"{no", b"[1]"], ids=["not JSON", "JSON but not an object"]
)
def test_fold_states_refuse_a_state_that_is_not_a_json_object(
    tmp_path: Path, state: bytes
) -> None:
    """A stored state that is not a JSON object raises CorruptEventError."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.register_member("Ann Ide")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 1", (state,))
    with (
        Ledger.open(f"sqlite:///{path}") as ledger,
        pytest.raises(CorruptEventError, match="cannot decode"),
    ):
        list(ledger.fold_states())


def test_collector_paused_restores_the_collector_as_it_found_it() -> None:
    """Nested pauses re-enable it once at the end, and never enable it uninvited."""
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collector_stays_paused_until_the_last_thread_is_done() -> None:
    """A fold in another thread keeps the pause after this one's ends."""
    entered, release = threading.Event(), threading.Event()

    def other_fold() -> None:
        with collector_paused():
            entered.set()
            release.wait(10)

    worker = threading.Thread(target=other_fold)
    with collector_paused():
        worker.start()
        assert entered.wait(10)
    assert not gc.isenabled()  # the other fold still runs
    release.set()
    worker.join(10)
    assert gc.isenabled()


def _agree_with_the_records(ledger: Ledger, facts: Facts) -> None:
    """Every kept fact equals what the domain's own aggregates hold now.

    The views are built by the aggregates' event methods, a path that shares
    nothing with the fold's handlers, so a field the fold casts wrongly shows.
    """
    for pv in ledger.proposals():
        pf = facts.proposals[pv.id]
        same = attrgetter("body", "proposers", "project", "phase", "meeting")
        assert same(pf) == same(pv)
        assert pf.raised_at == pv.raised_at
        assert [
            (c.id, c.author, c.channel, c.supporter, c.at) for c in pf.comments
        ] == [
            (c.id, c.author, c.channel, c.supporter, c.occurred_at) for c in pv.comments
        ]
        assert (pf.electorate, pf.access_override) == (
            pv.electorate,
            pv.access_override,
        )
        assert pf.accessible_formats == list(pv.accessible_formats)
        assert pf.ballots == {b.voter: b.choice for b in pv.ballots}
        if pf.tally is not None:
            t = pv.tally
            assert pf.tally == (t.for_, t.against, t.abstain, t.block)
        assert [
            (d.id, d.outcome, d.method, d.decided_by, d.overrode_vote, d.at)
            for d in pf.decisions
        ] == [
            (d.id, d.outcome, d.method, d.decided_by, d.overrode_vote, d.occurred_at)
            for d in pv.decisions
        ]
        assert {
            i: (a.owners, a.due, a.completed_at) for i, a in pf.actions.items()
        } == {a.id: (a.owners, a.due, a.completed_at) for a in pv.actions}
        assert [(who, chose) for who, chose, _ in pf.evaluations] == [
            (e.authors, e.criteria_proposed_by) for e in pv.evaluations
        ]
        assert len(pf.amendments) == pv.amendments
    for mv in ledger.meetings():
        mf = facts.meetings[mv.id]
        same = attrgetter("body", "kind", "starts_at", "project")
        assert same(mf) == same(mv)
        assert (mf.papers, mf.attendance, mf.check_ins) == (
            list(mv.papers),
            dict(mv.attendance),
            mv.check_ins,
        )
    for bv in ledger.bodies():
        bf = facts.bodies[bv.id]
        assert (bf.name, bf.kind, bf.rule) == (bv.name, bv.kind, bv.rule)
        held = [(s.member, s.seat, s.office) for s in bf.seats if s.spell.end is None]
        # An erasure ends its member's seats in the facts; the body keeps them
        # on record until vacated.
        on_record = [
            (s.member, s.seat, s.office)
            for s in bv.seats
            if not facts.members[s.member].erased
        ]
        assert sorted(held, key=str) == sorted(on_record, key=str)
    for av in ledger.adjustments():
        af = facts.adjustments[av.id]
        same = attrgetter(
            "member",
            "scope",
            "meeting",
            "proposal",
            "needed_before",
            "needed_by",
            "requested_at",
            "resolved_at",
            "status",
            "partial",
            "decline_reason",
        )
        assert same(af) == same(av)
    for member in ledger.members():
        kept = facts.members[member.id]
        assert (kept.role, kept.erased) == (member.role, member.erased)
        now = bool(kept.lived_experience) and kept.lived_experience[-1].end is None
        assert now == (not LIVED_EXPERIENCE.isdisjoint(member.lived_experience))


def test_folded_states_agree_with_the_domain_records(ledger: Ledger) -> None:
    """On every backend, the facts folded from stored states match the aggregates."""
    _eventful(ledger)
    _agree_with_the_records(ledger, Facts().apply_states(ledger.fold_states()))


def test_a_demo_year_folds_into_facts_the_records_agree_with(
    demo_ledger: Ledger,
) -> None:
    """A year using every kind of event folds into facts the aggregates agree with."""
    facts = Facts().apply_states(demo_ledger.fold_states())
    assert facts.position == demo_ledger.position
    assert any(p.actions for p in facts.proposals.values())
    assert any(p.evaluations for p in facts.proposals.values())
    assert any(p.decisions for p in facts.proposals.values())
    _agree_with_the_records(demo_ledger, facts)


def test_a_state_the_fold_cannot_cast_fails_every_fold_not_just_the_first(
    tmp_path: Path,
) -> None:
    """A stored field of the wrong type raises each time; no fold skips past it."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        admin = ledger.register_member("Ada Admin", role="staff")
        board = ledger.establish_body(
            "Board", kind="governance", rule=Rule.majority(), by=admin
        )
        ledger.assign_seat(board, admin, seat="voting", by=admin)
        assert ledger.facts().position == ledger.position  # kept facts, up to here
        ledger.vacate_seat(board, admin, by=admin)
        bad = ledger.position
        with sqlite3.connect(path) as conn:
            (state,) = conn.execute(
                "SELECT state FROM stored_events WHERE rowid = ?", (bad,)
            ).fetchone()
            conn.execute(
                "UPDATE stored_events SET state = ? WHERE rowid = ?",
                (state.replace(str(admin).encode(), b"not-a-uuid"), bad),
            )
        for _ in range(2):
            with pytest.raises(CorruptEventError, match=f"position {bad}"):
                ledger.facts()
        projector = ledger.projections()
        for attempt in (projector.rebuild, projector.catch_up):
            with pytest.raises(CorruptEventError, match="SeatVacated"):
                attempt()
        assert projector.tables.position() == 0  # nothing half-folded was written


def _forge_first(path: Path, topic: str, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the first stored state of *topic* in the ledger file at *path*."""
    with sqlite3.connect(path) as conn:
        (rowid, state) = conn.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ?",
            (f"%:{topic}",),
        ).fetchone()
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (change(state), rowid),
        )


def _with(**fields: object) -> Callable[[bytes], bytes]:
    """A change of a stored JSON state that sets *fields* in it."""
    return lambda state: orjson.dumps(orjson.loads(state) | fields)


@pytest.mark.parametrize(
    ("topic", "stored", "forged"),
    [
        ("Proposal.VotingClosed", b'"advisory":false', b'"advisory":"false"'),
        ("Proposal.VotingClosed", b'"for_":2', b'"for_":2.0'),
        ("Adjustment.Provided", b'"partial":false', b'"partial":0'),
        ("Body.Established", b'"name":"Board"', b'"name":5'),
        ("Body.Established", b'"rule_quorum":"1/2"', b'"rule_quorum":0.5'),
        ("Proposal.VotingOpened", b'"access_override":null', b'"access_override":1'),
    ],
    ids=["flag as text", "count as float", "flag as number", "name", "share", "text"],
)
def test_the_fold_refuses_a_field_of_the_wrong_type_as_decoding_does(
    tmp_path: Path, topic: str, stored: bytes, forged: bytes
) -> None:
    """A field the fold reads, stored as another JSON type, is refused by both reads."""
    path, _ = _eventful_at(tmp_path)

    def change(state: bytes) -> bytes:
        assert stored in state
        return state.replace(stored, forged)

    _forge_first(path, topic, change)
    with Ledger.open(f"sqlite:///{path}") as ledger:
        with pytest.raises(CorruptEventError, match=topic.rpartition(".")[2]):
            list(ledger.history())
        with pytest.raises(CorruptEventError, match=topic.rpartition(".")[2]):
            Facts().apply_states(ledger.fold_states())


def test_a_stored_null_time_is_refused_by_every_reader(tmp_path: Path) -> None:
    """A null business time is a CorruptEventError for the records and the fold."""
    path, _ = _eventful_at(tmp_path)
    _forge_first(path, "Body.SeatVacated", _with(occurred_at=None))
    with Ledger.open(f"sqlite:///{path}") as ledger:
        with pytest.raises(CorruptEventError, match="SeatVacated"):
            ledger.bodies()
        with pytest.raises(CorruptEventError, match="SeatVacated"):
            Facts().apply_states(ledger.fold_states())


@pytest.mark.parametrize(
    ("topic", "name", "stored"),
    [
        ("Adjustment.Requested", "needed_by", "2025-03-01"),
        ("Body.SeatVacated", "occurred_at", "2025-03-01T18:00:00"),
        ("Meeting.Scheduled", "starts_at", "0001-01-01T00:00:00+05:00"),
    ],
    ids=["a date", "naive", "out of range"],
)
def test_a_stored_time_no_writer_stores_is_refused_by_every_reader(
    tmp_path: Path, topic: str, name: str, stored: str
) -> None:
    """A naive or out-of-range stored time is a CorruptEventError, not a crash."""
    path, _ = _eventful_at(tmp_path)
    _forge_first(path, topic, _with(**{name: stored}))
    kind = topic.rpartition(".")[2]
    with Ledger.open(f"sqlite:///{path}") as ledger:
        with pytest.raises(CorruptEventError, match=kind):
            list(ledger.history())
        with pytest.raises(CorruptEventError, match=kind):
            ledger.projections().rebuild()


@pytest.mark.parametrize(
    ("topic", "name", "kind"),
    [
        ("Proposal.Raised", "proposers", "text"),
        ("Proposal.VotingOpened", "electorate", "object"),
        ("Proposal.Decided", "decided_by", "text"),
    ],
)
def test_the_fold_refuses_a_list_of_ids_stored_as_another_json_type(
    tmp_path: Path, topic: str, name: str, kind: str
) -> None:
    """Ids stored as a string or an object are refused by the fold, as decoding does.

    Iterated, "" would read as no one and an object as the ids among its keys.
    """
    path, ids = _eventful_at(tmp_path)
    forged = "" if kind == "text" else {str(ids["sam"]): 1}
    _forge_first(path, topic, _with(**{name: forged}))
    short = topic.rpartition(".")[2]
    with Ledger.open(f"sqlite:///{path}") as ledger:
        with pytest.raises(CorruptEventError, match=short):
            list(ledger.history())
        with pytest.raises(CorruptEventError, match=f"{short}.*not a JSON array"):
            Facts().apply_states(ledger.fold_states())


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=4,
)
_FORGED = st.one_of(
    _JSON,
    st.uuids().map(str),
    st.lists(st.uuids().map(str), max_size=2),
    st.sampled_from(
        ["2025-03-01T18:00:00", "2025-03-01T18:00:00+05:00", "", "HEARING"]
    ),
)
_DELETE = object()


@pytest.fixture(scope="module")
def eventful_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite ledger holding ``_eventful``'s history, written once."""
    return _eventful_at(tmp_path_factory.mktemp("eventful"))[0]


def _read_both(path: Path) -> tuple[Facts | None, Facts | None]:
    """The facts of decoded events and of stored states (None where refused).

    Decoded events are folded as they are: a value decoding lets through but
    no command writes (a rule's kind) is refused by the fold's own check.
    """
    found: list[Facts | None] = []
    with Ledger.open(f"sqlite:///{path}") as ledger:

        def decoded() -> Facts:
            return Facts().apply_all((r.position, r.event) for r in ledger.history())

        def folded() -> Facts:
            return Facts().apply_states(ledger.fold_states())

        for read in (decoded, folded):
            try:
                found.append(read())
            except LedgerError:  # CorruptEventError, or a rule no command writes
                found.append(None)
    return found[0], found[1]


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_forged_stored_field_is_refused_or_read_alike_by_both_reads(
    eventful_file: Path, tmp_path: Path, data: st.DataObject
) -> None:
    """One field of one stored state forged: each read refuses it or folds alike.

    The fold casts only the fields it keeps, so it may fold a state decoding
    refuses; but neither read raises anything but a typed error, and where both
    fold, their facts are equal (never a wrong fold).
    """
    where = tmp_path / str(uuid.uuid4())
    shutil.copytree(eventful_file.parent, where)  # the ledger and its key store
    copy = where / eventful_file.name
    with sqlite3.connect(copy) as conn:
        rows = conn.execute("SELECT rowid, state FROM stored_events").fetchall()
        rowid, state = data.draw(st.sampled_from(rows))
        forged = orjson.loads(state)
        name = data.draw(st.sampled_from(sorted(forged)))
        value = data.draw(st.one_of(st.just(_DELETE), _FORGED))
        if value is _DELETE:
            del forged[name]
        else:
            forged[name] = value
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?",
            (orjson.dumps(forged), rowid),
        )
    decoded, folded = _read_both(copy)
    if decoded is not None and folded is not None:
        assert decoded == folded


@pytest.mark.parametrize("rowid", [1, 20], ids=["first", "later"])
def test_a_stored_topic_that_is_not_text_is_refused_as_corrupt(
    tmp_path: Path, rowid: int
) -> None:
    """A topic SQLite holds as bytes is a CorruptEventError to each reader, not a crash.

    verify reports such a row as MALFORMED_ROW; opening the ledger looks past
    it for the key its first sealed field names, as it does a row it cannot read.
    """
    path, _ = _eventful_at(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE stored_events SET topic = CAST(topic AS BLOB) WHERE rowid = ?",
            (rowid,),
        )
    with Ledger.open(f"sqlite:///{path}") as ledger:
        for read in (
            lambda: list(ledger.history()),
            lambda: Facts().apply_states(ledger.fold_states()),
            ledger.projections().rebuild,
            ledger.audit_erasure,
        ):
            with pytest.raises(CorruptEventError, match="topic"):
                read()


@pytest.mark.parametrize(
    "stored", ["CAST(state AS TEXT)", "NULL"], ids=["text", "null"]
)
def test_a_stored_state_that_is_not_bytes_is_read_as_the_records_read_it(
    tmp_path: Path, stored: str
) -> None:
    """The catalogue reads a state SQLite holds as text or null as history does.

    Text is JSON all the same (history and the fold read it); null is a
    CorruptEventError. Neither may crash the index every command consults.
    """
    path, ids = _eventful_at(tmp_path)
    with Ledger.open(f"sqlite:///{path}") as ledger:
        names = {m.id: m.name for m in ledger.members()}
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE stored_events SET state = {stored} WHERE rowid = 2")  # noqa: S608
    with Ledger.open(f"sqlite:///{path}") as ledger:
        if stored == "NULL":
            for read in (lambda: list(ledger.history()), ledger.members):
                with pytest.raises(CorruptEventError, match="Registered"):
                    read()
        else:
            assert len(list(ledger.history())) == ledger.position
            assert {m.id: m.name for m in ledger.members()} == names
            assert ledger.member(ids["sam"]).name == "Sam Ide"


def test_an_aggregate_id_spelt_otherwise_is_refused_by_the_log_readers(
    tmp_path: Path,
) -> None:
    """A row whose id is re-spelt (upper case) is a CorruptEventError, not folded.

    The application reads a record's events by the id's exact text, so the
    proposal never sees such a comment; the fold counted it all the same
    (verify reports the row as MALFORMED_ROW).
    """
    path, _ = _eventful_at(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE stored_events SET originator_id = upper(originator_id) "
            "WHERE topic LIKE '%:Proposal.Commented'"
        )
    with Ledger.open(f"sqlite:///{path}") as ledger:
        for read in (
            lambda: list(ledger.history()),
            lambda: Facts().apply_states(ledger.fold_states()),
            ledger.projections().rebuild,
            ledger.members,
        ):
            with pytest.raises(CorruptEventError, match="hex digits"):
                read()
