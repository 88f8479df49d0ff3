"""Subject access: one member's own data, decrypted, as JSON, and nobody else's."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from uuid import UUID

import attrs
import pytest
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from coledger import Ledger
from coledger import _core as core
from coledger.domain.values import ERASED
from coledger.errors import (
    ConcurrencyError,
    LedgerError,
    MasterKeyError,
    SealBrokenError,
    WrongStateError,
)
from coledger.privacy.keys import KeyStore
from coledger.privacy.subject_access import WITHHELD, subject_access_report
from conftest import TEST_MASTER_KEY

SAM_NAME = "Eglantine Moravec-Hale"
SAM_COMMENT = "canary 3e9d: the loop system did not work for me"
KIM_NAME = "Barnaby Oyelaran-Tusk"
KIM_COMMENT = "canary 8a21: my support worker could not come"


@attrs.frozen
class Scene:
    """The members and proposal of the scenario."""

    admin: UUID
    sam: UUID
    kim: UUID
    proposal: UUID


def build(ledger: Ledger) -> Scene:
    """Two members comment on, and vote on, the same proposal sam raised."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member(SAM_NAME)
    kim = ledger.register_member(KIM_NAME)
    ledger.declare_lived_experience(sam, categories=["DIS"])
    ledger.declare_lived_experience(kim, categories=["CARER"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    for member in (admin, sam, kim):
        ledger.assign_seat(board, member, seat="voting", by=admin)
    proposal = ledger.raise_proposal(board, proposers=[sam], title="Loop", text="x")
    ledger.comment(proposal, author=sam, text=SAM_COMMENT)
    ledger.comment(proposal, author=kim, text=KIM_COMMENT, channel="written")
    ledger.request_adjustment(sam, code="LOOP")
    ledger.request_adjustment(kim, code="SUP")
    ledger.open_voting(proposal, by=admin)
    ledger.cast_ballot(proposal, voter=sam, choice="for")
    ledger.cast_ballot(proposal, voter=kim, choice="against")
    ledger.close_voting(proposal, by=admin)
    return Scene(admin, sam, kim, proposal)


def staff_proposal(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID]:
    """An admin, sam and kim, and a board proposal the admin raised."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member(SAM_NAME)
    kim = ledger.register_member(KIM_NAME)
    board = ledger.establish_body("Board", kind="governance", by=admin)
    proposal = ledger.raise_proposal(board, proposers=[admin], title="T", text="x")
    return admin, sam, kim, proposal


def events_of(report: dict[str, object], kind: str) -> list[dict[str, object]]:
    """The report's events of one type."""
    events = report["events"]
    assert isinstance(events, list)
    return [e for e in events if e["type"] == kind]


def test_subject_access_holds_the_member_s_own_data(ledger: Ledger) -> None:
    """The report decrypts the member's name, comments, declaration and codes."""
    scene = build(ledger)
    report = ledger.subject_access(scene.sam)
    text = json.dumps(report)
    assert json.loads(text) == report
    assert report["member"] == str(scene.sam)
    profile = report["profile"]
    assert profile == {
        "name": SAM_NAME,
        "role": "member",
        "lived_experience": ["DIS"],
        "consent": "explicit_consent",
        "condition": "art9_2a_explicit_consent",
        "supporters": [],
        "erased": False,
    }
    assert [e["name"] for e in events_of(report, "Member.Registered")] == [SAM_NAME]
    declared = events_of(report, "Member.LivedExperienceDeclared")
    assert [e["categories"] for e in declared] == [["DIS"]]
    assert [e["text"] for e in events_of(report, "Proposal.Commented")] == [SAM_COMMENT]
    assert [e["code"] for e in events_of(report, "Adjustment.Requested")] == ["LOOP"]
    assert [e["choice"] for e in events_of(report, "Proposal.BallotCast")] == ["for"]


def test_subject_access_holds_no_other_member_s_data(ledger: Ledger) -> None:
    """Another member's name, comment, declaration and code stay out of the report."""
    scene = build(ledger)
    text = json.dumps(ledger.subject_access(scene.sam))
    for other in (KIM_NAME, KIM_COMMENT, '"CARER"', '"SUP"', "Admin"):
        assert other not in text
    kim_text = json.dumps(ledger.subject_access(scene.kim))
    for own in (KIM_NAME, KIM_COMMENT, '"CARER"', '"SUP"'):
        assert own in kim_text
    for other in (SAM_NAME, SAM_COMMENT, '"DIS"', '"LOOP"'):
        assert other not in kim_text


def test_subject_access_after_erasure_shows_erased(ledger: Ledger) -> None:
    """Once erased, the report still answers, JSON-ready, with every secret gone."""
    scene = build(ledger)
    ledger.erase_member(scene.sam, by=scene.admin)
    report = ledger.subject_access(scene.sam)
    text = json.dumps(report)
    for secret in (SAM_NAME, SAM_COMMENT, '"DIS"', '"LOOP"'):
        assert secret not in text
    profile = report["profile"]
    assert (profile["name"], profile["lived_experience"], profile["erased"]) == (
        ERASED,
        [],
        True,
    )
    assert [e["name"] for e in events_of(report, "Member.Registered")] == [ERASED]
    declared = events_of(report, "Member.LivedExperienceDeclared")
    assert [e["categories"] for e in declared] == [[]]
    assert [e["text"] for e in events_of(report, "Proposal.Commented")] == [ERASED]
    assert [e["code"] for e in events_of(report, "Adjustment.Requested")] == [ERASED]
    assert [e["choice"] for e in events_of(report, "Proposal.BallotCast")] == ["for"]
    assert len(events_of(report, "Member.Erased")) == 1
    # The other member's report is untouched.
    assert KIM_COMMENT in json.dumps(ledger.subject_access(scene.kim))


def test_acting_for_another_member_does_not_put_their_data_in_my_report() -> None:
    """A member who records things for others does not get their data in a report."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        kim = ledger.register_member(KIM_NAME, by=admin)
        ledger.declare_lived_experience(kim, categories=["CARER"], by=admin)
        ledger.request_adjustment(kim, code="SUP", by=admin)
        text = json.dumps(ledger.subject_access(admin))
        leaked = [s for s in (KIM_NAME, '"CARER"', '"SUP"') if s in text]
        assert leaked == []


def test_a_supporter_s_report_holds_no_comment_of_the_member_they_support() -> None:
    """A supporter's report names the comments they helped with, not their text."""
    with Ledger.open("memory://") as ledger:
        helper = ledger.register_member("Helper")
        kim = ledger.register_member(KIM_NAME)
        ledger.authorise_supporter(kim, helper)
        board = ledger.establish_body("Board", kind="governance", by=helper)
        proposal = ledger.raise_proposal(board, proposers=[helper], title="T", text="x")
        ledger.comment(
            proposal,
            author=kim,
            text=KIM_COMMENT,
            supporter=helper,
            channel="bsl_video",
        )
        assert KIM_COMMENT not in json.dumps(ledger.subject_access(helper))
        # The channel, in clear, can say as much as a sealed adjustment code.
        assert "bsl_video" not in json.dumps(ledger.subject_access(helper))
        assert "bsl_video" in json.dumps(ledger.subject_access(kim))


def test_subject_access_holds_what_became_of_the_member_s_requests() -> None:
    """Events about the member's requests and comments are in their report, no other."""
    with Ledger.open("memory://") as ledger:
        admin, sam, kim, proposal = staff_proposal(ledger)
        mine = ledger.comment(proposal, author=sam, text=SAM_COMMENT)
        theirs = ledger.comment(proposal, author=kim, text=KIM_COMMENT)
        provided = ledger.request_adjustment(sam, code="LOOP", by=admin)
        ledger.provide_adjustment(provided, by=admin)
        ledger.withdraw_adjustment(ledger.request_adjustment(sam, code="XT"), by=admin)
        ledger.provide_adjustment(ledger.request_adjustment(kim, code="SUP"), by=admin)
        ledger.amend_proposal(proposal, by=admin, text="y", takes_up=[mine])
        ledger.give_feedback(proposal, comments=[mine], text="We did it.", by=admin)
        ledger.give_feedback(proposal, comments=[theirs], text="Noted.", by=admin)
        report = ledger.subject_access(sam)
        outcomes = events_of(report, "Adjustment.Provided")
        assert [e["originator_id"] for e in outcomes] == [str(provided)]
        assert len(events_of(report, "Adjustment.Withdrawn")) == 1
        assert len(events_of(report, "Proposal.Amended")) == 1
        feedback = events_of(report, "Proposal.FeedbackGiven")
        assert [e["text"] for e in feedback] == ["We did it."]
        assert len(events_of(ledger.subject_access(kim), "Adjustment.Provided")) == 1


def test_subject_access_holds_a_decline_of_the_member_s_request() -> None:
    """A request someone else declined is in the member's report, alternative too."""
    with Ledger.open("memory://") as ledger:
        admin, sam, _, _ = staff_proposal(ledger)
        request = ledger.request_adjustment(sam, code="LP", by=admin)
        ledger.decline_adjustment(
            request, by=admin, reason="alternative_offered", alternative="ER"
        )
        declines = events_of(ledger.subject_access(sam), "Adjustment.Declined")
        assert [(e["originator_id"], e["alternative"]) for e in declines] == [
            (str(request), "ER")
        ]


def test_subject_access_holds_the_completion_of_the_member_s_actions() -> None:
    """An action the member owns, marked done by someone else, is in their report."""
    with Ledger.open("memory://") as ledger:
        admin, sam, kim, proposal = staff_proposal(ledger)
        ledger.decide(proposal, outcome="adopted", method="chair", by=admin)
        mine = ledger.assign_action(
            proposal, description="Book the room", owners=[sam], by=admin
        )
        theirs = ledger.assign_action(
            proposal, description="Order the food", owners=[kim], by=admin
        )
        ledger.complete_action(proposal, mine, by=admin)
        ledger.complete_action(proposal, theirs, by=admin)
        done = events_of(ledger.subject_access(sam), "Proposal.ActionCompleted")
        assert [e["action_id"] for e in done] == [str(mine)]


def test_recording_a_declaration_does_not_put_its_consent_in_my_report() -> None:
    """Another's consent form and condition, hints of a disability, are withheld."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        kim = ledger.register_member(KIM_NAME, by=admin)
        ledger.declare_lived_experience(
            kim,
            categories=["DIS"],
            consent="easy_read_consent",
            condition="dpa_sch1_para16_disability_support",
            by=admin,
        )
        text = json.dumps(ledger.subject_access(admin))
        assert "easy_read_consent" not in text
        assert "dpa_sch1_para16" not in text
        own = events_of(ledger.subject_access(kim), "Member.LivedExperienceDeclared")
        assert [e["consent"] for e in own] == ["easy_read_consent"]


def test_a_field_that_holds_nothing_is_not_reported_as_withheld() -> None:
    """A decline with no alternative reads as none, not as another's data withheld."""
    with Ledger.open("memory://") as ledger:
        admin, sam, _, _ = staff_proposal(ledger)
        bare = ledger.request_adjustment(sam, code="LP")
        ledger.decline_adjustment(bare, by=admin, reason="unavailable")
        offered = ledger.request_adjustment(sam, code="BSL")
        ledger.decline_adjustment(
            offered, by=admin, reason="alternative_offered", alternative="CAP"
        )
        declines = events_of(ledger.subject_access(admin), "Adjustment.Declined")
        assert [e["alternative"] for e in declines] == [None, WITHHELD]


def test_subject_access_inside_a_batch_is_refused_and_the_batch_goes_on(
    memory_ledger: Ledger,
) -> None:
    """In an open batch it would pair a pending record with stored events: refused."""
    ledger = memory_ledger
    sam = ledger.register_member("Sam", role="trainer")
    with ledger.batch():
        ledger.declare_lived_experience(sam, categories=["DIS"])
        kim = ledger.register_member("Kim", role="trainer")
        for member in (sam, kim):
            with pytest.raises(WrongStateError, match="after the batch"):
                ledger.subject_access(member)
    report = ledger.subject_access(sam)
    assert report["profile"]["lived_experience"] == ["DIS"]
    assert len(events_of(report, "Member.LivedExperienceDeclared")) == 1
    assert ledger.subject_access(kim)["profile"]["name"] == "Kim"


def _delete(keys: KeyStore, key_id: str, member: UUID, purpose: str) -> None:
    """The key's row gone, as in a key store restored from an older backup."""
    del member, purpose
    keys._delete([key_id])


def _another_key(keys: KeyStore, key_id: str, member: UUID, purpose: str) -> None:
    """Another key's bytes under the key's id, wrapped under the master key."""
    keys._delete([key_id])
    wrapped = aes_key_wrap(TEST_MASTER_KEY, os.urandom(32))
    keys._insert(key_id, str(member), purpose, wrapped)


def _garbled(keys: KeyStore, key_id: str, member: UUID, purpose: str) -> None:
    """Bytes under the key's id that do not unwrap (a damaged row)."""
    keys._delete([key_id])
    keys._insert(key_id, str(member), purpose, os.urandom(40))


Damage = Callable[[KeyStore, str, UUID, str], None]
DAMAGES: dict[str, tuple[Damage, type[LedgerError]]] = {
    "deleted": (_delete, MasterKeyError),
    "another key": (_another_key, SealBrokenError),
    "garbled": (_garbled, MasterKeyError),
}


def damage_keys(ledger: Ledger, member: UUID, damage: Damage) -> list[str]:
    """Damage every key of *member* in the ledger's store; their ids."""
    keys = ledger._keys
    live = keys.live_keys(member)
    for key_id, purpose in live:
        damage(keys, key_id, member, purpose)
    keys._plain.clear()  # forget the keys unwrapped before the damage
    return [key_id for key_id, _ in live]


@pytest.mark.parametrize("how", sorted(DAMAGES))
def test_another_member_s_damaged_key_does_not_stop_a_report(
    ledger: Ledger, how: str
) -> None:
    """Kim's keys damaged in the store: Sam's report is read all the same, unchanged."""
    scene = build(ledger)
    before = ledger.subject_access(scene.sam)
    damage_keys(ledger, scene.kim, DAMAGES[how][0])
    assert ledger.subject_access(scene.sam) == before


@pytest.mark.parametrize("how", sorted(DAMAGES))
def test_a_report_does_not_open_another_member_s_sealed_fields(
    ledger: Ledger, how: str
) -> None:
    """Fields sealed under the keys of those Sam acted for are withheld unopened."""
    admin = ledger.register_member("Admin", role="staff")
    kim = ledger.register_member(KIM_NAME, by=admin)
    ledger.declare_lived_experience(kim, categories=["CARER"], by=admin)
    asked = ledger.request_adjustment(kim, code="SUP", by=admin)
    ledger.decline_adjustment(
        asked, by=admin, reason="alternative_offered", alternative="CAP"
    )
    before = ledger.subject_access(admin)
    damage_keys(ledger, kim, DAMAGES[how][0])
    after = ledger.subject_access(admin)
    assert after == before
    withheld = {
        (e["type"], name)
        for e in after["events"]
        for name, value in e.items()
        if value == WITHHELD
    }
    assert withheld >= {
        ("Member.Registered", "name"),
        ("Member.LivedExperienceDeclared", "categories"),
        ("Adjustment.Requested", "code"),
        ("Adjustment.Declined", "alternative"),
    }


@pytest.mark.parametrize("how", sorted(DAMAGES))
def test_a_report_on_a_member_whose_own_key_is_damaged_is_refused(
    ledger: Ledger, how: str
) -> None:
    """Sam's own keys damaged: the report is refused with a typed error naming a key."""
    scene = build(ledger)
    damage, error = DAMAGES[how]
    damaged = damage_keys(ledger, scene.sam, damage)
    with pytest.raises(error) as raised:
        ledger.subject_access(scene.sam)
    message = str(raised.value)
    assert any(key_id in message for key_id in damaged) or "sealed field" in message
    assert ledger.subject_access(scene.kim)["profile"]["name"] == KIM_NAME


def test_reading_own_keys_alone_changes_no_report(ledger: Ledger) -> None:
    """Each member's report is the one every key opening every field would give."""
    scene = build(ledger)
    board = ledger.proposal(scene.proposal).body
    later = ledger.raise_proposal(board, proposers=[scene.kim], title="T", text="x")
    ledger.authorise_supporter(scene.kim, scene.sam)
    ledger.comment(later, author=scene.kim, text=KIM_COMMENT, supporter=scene.sam)
    ledger.erase_member(scene.admin, by=scene.sam)
    for member in (scene.admin, scene.sam, scene.kim):
        report = ledger.subject_access(member)
        every_key = ((r.position, r.event, ()) for r in ledger.history())
        assert subject_access_report(member, report["profile"], every_key) == report


def test_a_field_sealed_under_another_member_s_key_is_withheld_whatever_it_names(
    tmp_path: Path,
) -> None:
    """A request rewritten to name Sam keeps Kim's sealed code from Sam's report."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        scene = build(ledger)
        asked = ledger.request_adjustment(scene.kim, code="BSL")
    with closing(sqlite3.connect(path)) as conn, conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id = ? "
            "AND originator_version = 1",
            (asked.hex,),
        ).fetchone()
        named = state.replace(str(scene.kim).encode(), str(scene.sam).encode())
        assert named != state
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? "
            "AND originator_version = 1",
            (named, asked.hex),
        )
    with Ledger.open(f"sqlite:///{path}") as ledger:
        report = ledger.subject_access(scene.sam)
    requests = events_of(report, "Adjustment.Requested")
    rewritten = [e for e in requests if e["originator_id"] == str(asked)]
    assert [e["code"] for e in rewritten] == [WITHHELD]
    assert "BSL" not in json.dumps(report)
    assert "LOOP" in [e["code"] for e in requests]


def test_a_key_the_member_gains_while_the_report_is_read_opens_their_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A declaration sealed under Sam's new key, made mid-walk, is Sam's own data.

    The report reads which keys are Sam's once; a key made for Sam after
    that (their first declaration, by another process) is no one else's.
    """
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as writer, Ledger.open(url) as reader:
        sam = writer.register_member(SAM_NAME)
        writer.register_member(KIM_NAME)
        pages = reader._pages  # the walk the report reads

        def declaring_midway(*args: object) -> Iterator[object]:
            for number, page in enumerate(pages(*args)):  # type: ignore[arg-type]
                yield page
                if number == 0:  # Sam's keys are read: a new one is made now
                    writer.declare_lived_experience(sam, categories=["DIS"])

        monkeypatch.setattr(core, "HISTORY_PAGE", 1)
        monkeypatch.setattr(reader, "_pages", declaring_midway)
        report = reader.subject_access(sam)
    (declared,) = events_of(report, "Member.LivedExperienceDeclared")
    assert declared["categories"] == ["DIS"]


def test_a_report_read_as_another_process_erases_the_member_reads_erased_throughout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An erasure between the report's pages leaves no name in clear beside it.

    The profile, read first, held Sam's name and declaration in clear, and
    said Sam was not erased, beside a Member.Erased event read later.
    """
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as writer, Ledger.open(url) as reader:
        scene = build(writer)
        pages = reader._pages  # the walk the report reads

        def erasing_midway(*args: object) -> Iterator[object]:
            for number, page in enumerate(pages(*args)):  # type: ignore[arg-type]
                yield page
                if number == 2 and not writer.member(scene.sam).erased:
                    writer.erase_member(scene.sam, by=scene.admin)

        monkeypatch.setattr(core, "HISTORY_PAGE", 1)
        monkeypatch.setattr(reader, "_pages", erasing_midway)
        report = reader.subject_access(scene.sam)
    assert events_of(report, "Member.Erased")
    assert report["profile"]["erased"] is True
    assert report["profile"]["lived_experience"] == []
    said = json.dumps(report)
    assert SAM_NAME not in said
    assert SAM_COMMENT not in said


def test_a_report_whose_keys_keep_being_destroyed_gives_up_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Keys destroyed during every read raise ConcurrencyError, not a mixed report."""
    with Ledger.open("memory://") as ledger:
        sam = ledger.register_member(SAM_NAME)
        counts = iter(range(1_000))
        monkeypatch.setattr(ledger, "_key_generation", lambda: next(counts))
        with pytest.raises(ConcurrencyError, match="try again"):
            ledger.subject_access(sam)
