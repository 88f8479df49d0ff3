"""Keys destroyed, then their event failed to be stored: the error says so."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from uuid import UUID

import attrs
import pytest

from coledger import KeysDestroyedError, Ledger, StorageError
from coledger.cli import main
from coledger.storage import StorageConfig, parse_url
from helpers import failing_inserts, seated_declarer


def audit_codes(ledger: Ledger) -> set[str]:
    """The codes of the erasure audit's findings."""
    return {finding.code for finding in ledger.audit_erasure().findings}


def test_an_erasure_whose_write_fails_says_the_keys_are_gone(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed erasure says its keys are gone and unrecorded; run again, it is done."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    before = ledger.position
    with monkeypatch.context() as patch:
        failing_inserts(ledger, patch)
        with pytest.raises(KeysDestroyedError) as refusal:
            ledger.erase_member(sam, by=admin)
    error = refusal.value
    assert isinstance(error, StorageError)
    assert (error.members, error.erasure) == ((sam,), True)
    assert error.withdrawal is False
    assert type(error.__cause__) is StorageError
    assert "disk full" in error.reason
    message = str(error)
    assert f"member {sam}'s keys were destroyed" in message
    assert "the erasure was not recorded" in message
    assert "Run the same erasure again" in message
    assert "nothing was stored" not in message
    assert ledger.position == before
    assert ledger.member(sam).name == "[erased]"  # the keys are indeed gone
    assert audit_codes(ledger) == {"ERASURE_UNRECORDED"}
    ledger.erase_member(sam, by=admin)  # what the message says to do
    assert ledger.audit_erasure().ok


def test_a_withdrawal_whose_write_fails_says_the_key_is_gone(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed withdrawal says its key is destroyed and to run the withdrawal again."""
    ledger = memory_ledger
    sam = ledger.register_member("Sam")
    ledger.declare_lived_experience(sam, categories=["DIS"])
    with monkeypatch.context() as patch:
        failing_inserts(ledger, patch)
        with pytest.raises(KeysDestroyedError) as refusal:
            ledger.withdraw_lived_experience(sam)
    assert (refusal.value.members, refusal.value.erasure) == ((sam,), False)
    assert refusal.value.withdrawal is True
    message = str(refusal.value)
    assert "lived-experience key was destroyed" in message
    assert "Run the same withdrawal again" in message
    assert "KEY_MISSING_UNEXPLAINED" in message
    assert audit_codes(ledger) == {"KEY_MISSING_UNEXPLAINED"}
    ledger.withdraw_lived_experience(sam)
    assert ledger.audit_erasure().ok


def test_a_batch_whose_write_fails_after_shredding_says_so(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that shredded then failed to write names whose keys, and each finding."""
    ledger = memory_ledger
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    kim = ledger.register_member("Kim")
    ledger.declare_lived_experience(kim, categories=["DIS"])

    def batch() -> None:
        with ledger.batch():
            ledger.erase_member(sam, by=admin)
            ledger.withdraw_lived_experience(kim)

    with monkeypatch.context() as patch:
        failing_inserts(ledger, patch)
        with pytest.raises(KeysDestroyedError) as refusal:
            batch()
    assert (refusal.value.members, refusal.value.erasure) == ((sam, kim), True)
    assert refusal.value.withdrawal is True  # kim's, beside sam's erasure
    message = str(refusal.value)
    assert f"member(s) {sam}, {kim}" in message
    assert "none of its events was recorded" in message
    found = audit_codes(ledger)
    assert found == {"ERASURE_UNRECORDED", "KEY_MISSING_UNEXPLAINED"}
    # The message names every finding the audit gives until it is run again.
    said = message.rpartition("until then the erasure audit reports")[2]
    assert all(code in said for code in found), said


def test_a_failed_batch_names_no_member_it_registered_itself(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keys of members the failed batch registered leave nothing to record again."""
    ledger = memory_ledger
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")

    def batch(erased: UUID | None = None) -> None:
        """Register a member and shred their keys, and *erased*'s if given."""
        with ledger.batch():
            new = ledger.register_member("New")
            ledger.declare_lived_experience(new, categories=["DIS"])
            ledger.withdraw_lived_experience(new)
            ledger.erase_member(new, by=admin)
            if erased is not None:
                ledger.erase_member(erased, by=admin)

    with monkeypatch.context() as patch:
        failing_inserts(ledger, patch)
        with pytest.raises(StorageError) as refusal:
            batch()
        assert type(refusal.value) is StorageError  # the write's own failure
        with pytest.raises(KeysDestroyedError) as named:
            batch(sam)
    assert named.value.members == (sam,)
    assert [m.name for m in ledger.members()] == ["Admin", "[erased]"]
    assert "New" not in str(named.value)


def waiting_briefly(url: str) -> StorageConfig:
    """The storage settings of *url*, with SQLite waiting 1 s for a lock."""
    config = parse_url(url)
    return attrs.evolve(config, env={**config.env, "SQLITE_LOCK_TIMEOUT": "1"})


def test_erase_on_a_locked_file_says_the_keys_are_gone_and_to_run_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Erase on a file locked after the shredding says so; run again, it is done."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        sam = ledger.register_member("Sam")
    monkeypatch.setattr("coledger._core.parse_url", waiting_briefly)
    erase = ["erase", "--db", str(db), "--member", str(sam), "--by", str(admin)]
    with closing(sqlite3.connect(db, isolation_level=None)) as holder:
        holder.execute("BEGIN EXCLUSIVE")
        code = main(erase)
        holder.execute("ROLLBACK")
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert f"member {sam}'s keys were destroyed" in err
    assert "the erasure was not recorded" in err
    assert "locked by another process" in err
    assert "Run the same erasure again" in err
    assert "nothing was stored" not in err
    assert main(["erasure-audit", "--db", str(db)]) == 1
    assert "ERASURE_UNRECORDED" in capsys.readouterr().out
    assert main(erase) == 0
    assert main(["erasure-audit", "--db", str(db)]) == 0
    with Ledger.open(f"sqlite:///{db}") as ledger:
        assert ledger.member(sam).erased


def test_kept_facts_forget_a_declaration_whose_key_went_unrecorded(
    memory_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A withdrawal that destroyed its key but was not stored leaves no kept spell."""
    ledger = memory_ledger
    sam = seated_declarer(ledger)
    assert ledger.facts().members[sam].lived_experience  # the kept fold read it
    with monkeypatch.context() as patch:
        failing_inserts(ledger, patch)
        with pytest.raises(KeysDestroyedError):
            ledger.withdraw_lived_experience(sam)
    assert ledger.member(sam).lived_experience == ()  # the key is gone
    assert ledger.facts().members[sam].lived_experience == []
    now = ledger.power_sharing().to_json()["indicators"]
    assert now == ledger.power_sharing(as_of=ledger.position).to_json()["indicators"]
    assert now["R1"]["groups"] == [0, 2]


def figure_rows(db: Path) -> list[tuple[object, ...]]:
    """Every row of the figures table, in order."""
    with closing(sqlite3.connect(db)) as conn:
        query = "SELECT * FROM coledger_figures ORDER BY 1, 2, 3"
        return conn.execute(query).fetchall()


def test_tables_forget_a_declaration_whose_key_went_unrecorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After such a withdrawal a worker's next catch-up writes what a rebuild does."""
    url = f"sqlite:///{tmp_path / 'coledger.db'}"
    with Ledger.open(url) as ledger:
        sam = seated_declarer(ledger)
        worker = ledger.projections()
        worker.catch_up()  # its fold reads Sam's declaration
        with monkeypatch.context() as patch:
            failing_inserts(ledger, patch)
            with pytest.raises(KeysDestroyedError):
                ledger.withdraw_lived_experience(sam)
        ledger.register_member("Kim")  # the next event, as the worker folds it
        worker.catch_up()
        caught_up = figure_rows(tmp_path / "coledger.db")
    with Ledger.open(url) as other:
        other.projections().rebuild()
    assert caught_up == figure_rows(tmp_path / "coledger.db")


def board_of(ledger: Ledger) -> UUID:
    """The id of the ledger's body called Board."""
    (board,) = [body.id for body in ledger.bodies() if body.name == "Board"]
    return board


@pytest.mark.parametrize("then", ["nothing", "another event"])
def test_tables_a_later_ledger_reads_forget_a_key_that_went_unrecorded(
    ledger_url: str, monkeypatch: pytest.MonkeyPatch, then: str
) -> None:
    """A Ledger opened after such a withdrawal reads no figure resting on the key."""
    if ledger_url == "memory://":
        pytest.skip("in-memory tables belong to one Ledger object")
    with Ledger.open(ledger_url) as ledger:
        sam = seated_declarer(ledger)
        ledger.projections().catch_up()  # the tables count Sam's declaration
        with monkeypatch.context() as patch:
            failing_inserts(ledger, patch)
            with pytest.raises(KeysDestroyedError):
                ledger.withdraw_lived_experience(sam)
    with Ledger.open(ledger_url) as later:
        if then == "another event":
            (admin,) = [m.id for m in later.members() if m.name == "Admin"]
            later.establish_body("Forum", kind="advisory", by=admin)  # not the board
        board = board_of(later)
        read = later.power_sharing(body=board, materialised=True).to_json()
        folded = later.power_sharing(body=board).to_json()
        assert later.projections().catch_up() == 0
    assert read["indicators"]["R1"]["groups"] == [0, 2]
    assert read["indicators"] == folded["indicators"]
    assert read["as_of"] == folded["as_of"]
