"""Facts, indexes and records kept in a live process after its database was restored."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import UUID

import psycopg
import pytest

from coledger import Ledger
from coledger.errors import DuplicateSourceRefError, NotMaterialisedError
from coledger.projections.lens import Scope
from coledger.projections.materialise import DATA_TABLES, comparable
from conftest import PG_CONNINFO


def copy_database(source: Path, target: Path) -> None:
    """Copy one SQLite file over another in place, as a restore from a backup does."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def story(tmp_path: Path) -> tuple[str, Ledger, UUID, UUID]:
    """A live ledger whose database is then restored to a backup of itself.

    After the backup, a second trainer and two seats are recorded (and the
    live process folds them); after the restore, other events take their
    positions.
    """
    db, backup = tmp_path / "ledger.db", tmp_path / "backup.db"
    url = f"sqlite:///{db}"
    live = Ledger.open(url)
    admin = live.register_member("Admin", role="staff")
    board = live.establish_body("Board", kind="governance", by=admin)
    trainer = live.register_member("Trainer", role="trainer")
    live.declare_lived_experience(
        trainer, categories=["DIS"], consent="explicit_consent"
    )
    live.projections().catch_up()
    live.power_sharing()
    copy_database(db, backup)
    later = live.register_member("Later", role="trainer")
    live.assign_seat(board, trainer, by=admin)
    live.assign_seat(board, later, by=admin)
    live.projections().catch_up()
    live.power_sharing()
    copy_database(backup, db)
    return url, live, admin, board


def test_a_worker_resuming_after_a_restore_folds_the_restored_log(
    tmp_path: Path,
) -> None:
    """Tables another process caught up after a restore are extended from that log."""
    url, live, admin, board = story(tmp_path)
    with Ledger.open(url) as other:
        staff = other.register_member("Staff", role="staff")
        other.assign_seat(board, staff, by=admin)
        other.register_member("Someone", role="staff")
        other.projections().catch_up()  # the tables reach the live worker's position
        other.register_member("Newest", role="staff")
        live.projections().catch_up()
        for scope in (Scope.ledger(), Scope.body(board)):
            stored = live.projections().read(scope)
            assert stored is not None
            fresh = other.power_sharing(body=scope.id, as_of=other.position)
            assert comparable(stored) == comparable(fresh), scope
    live.close()


def test_reports_kept_in_a_live_process_fold_the_restored_log(tmp_path: Path) -> None:
    """A report from the facts a process kept equals a fresh fold after a restore."""
    url, live, admin, board = story(tmp_path)
    with Ledger.open(url) as other:
        staff = other.register_member("Staff", role="staff")
        other.assign_seat(board, staff, by=admin)
        other.register_member("Someone", role="staff")
        other.register_member("Newest", role="staff")
        fresh = comparable(other.power_sharing(body=board, as_of=other.position))
    kept = comparable(live.power_sharing(body=board))
    live.close()
    assert kept == fresh


def test_the_index_kept_in_a_live_process_reads_the_restored_log(
    tmp_path: Path,
) -> None:
    """A live Ledger's index of records and references follows a restored log."""
    db, backup = tmp_path / "ledger.db", tmp_path / "backup.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as live:
        admin = live.register_member("Admin", role="staff")
        copy_database(db, backup)
        live.register_member("Later", role="trainer", source_ref="minutes:6")
        assert [m.name for m in live.members()] == ["Admin", "Later"]
        copy_database(backup, db)
        with Ledger.open(url) as other:
            staff = other.register_member("Staff", by=admin, source_ref="minutes:7")
            assert live.find_by_source_ref("minutes:6") is None
            assert live.find_by_source_ref("minutes:7") == staff
            assert [m.name for m in live.members()] == ["Admin", "Staff"]
            with pytest.raises(DuplicateSourceRefError):
                live.register_member("Again", role="staff", source_ref="minutes:7")
            assert [m.name for m in other.members()] == ["Admin", "Staff"]


@pytest.mark.parametrize("asked_first", [True, False])
def test_records_kept_in_a_live_process_are_read_again_after_a_restore(
    tmp_path: Path, asked_first: bool
) -> None:
    """Records a live Ledger cached are read again from a restored log, not written on.

    After the restore another Ledger brings the head back to where the live
    one saw it last, so the head alone does not tell that events were lost.
    Written on at once, the board's cached copy (two seats on) gave its next
    event a version the log skipped to, and the board could not be read.
    """
    db, backup = tmp_path / "ledger.db", tmp_path / "backup.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as live:
        admin = live.register_member("Admin", role="staff")
        ann, bea = (live.register_member(n, by=admin) for n in ("Ann", "Bea"))
        board = live.establish_body("Board", kind="governance", by=admin)
        copy_database(db, backup)
        live.assign_seat(board, ann, by=admin)
        live.assign_seat(board, bea, by=admin)
        copy_database(backup, db)
        with Ledger.open(url) as other:
            other.register_member("Cy", by=admin)
            other.assign_seat(board, ann, by=admin)
            assert live.position == other.position
            if asked_first:
                assert live.body(board) == other.body(board)
            live.assign_seat(board, admin, by=admin)
            assert live.body(board) == other.body(board)
            seated = [s.member for s in other.body(board).seats]
            assert seated == [ann, admin]


def _restore_from_before_the_tables(url: str, backup: Path) -> None:
    """Put back a copy of the ledger taken before it had projection tables.

    A SQLite file is copied back over; a PostgreSQL schema loses the tables
    as restoring a dump from then would take them.
    """
    if url.startswith("sqlite"):
        copy_database(backup, Path(url.removeprefix("sqlite:///")))
        return
    schema = url.partition("schema=")[2]
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        for table in ("coledger_tracking", *DATA_TABLES):
            conn.execute(f"DROP TABLE {table}")


def test_a_live_projector_makes_its_tables_again_after_a_restore_from_before_them(
    shared_url: str, tmp_path: Path
) -> None:
    """Tables a restore took away are made again by the next catch-up, not failed on."""
    backup = tmp_path / "before-tables.db"
    with Ledger.open(shared_url) as live:
        admin = live.register_member("Admin", role="staff")
        if shared_url.startswith("sqlite"):
            copy_database(Path(shared_url.removeprefix("sqlite:///")), backup)
        projector = live.projections()
        assert projector.catch_up() == live.position
        _restore_from_before_the_tables(shared_url, backup)
        live.register_member("Later", role="trainer", by=admin)
        with pytest.raises(NotMaterialisedError):
            live.power_sharing(materialised=True, catch_up=False)
        assert projector.catch_up() == live.position
        stored = projector.read(Scope.ledger())
        assert stored is not None
        assert comparable(stored) == comparable(live.power_sharing(as_of=live.position))


@pytest.mark.parametrize("edit", ["ahead", "negative"])
def test_tables_beyond_their_log_are_worked_out_again_not_read_as_current(
    tmp_path: Path, edit: str
) -> None:
    """A tracking row past the log's head (or below 0) is rewritten, not trusted."""
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as ledger:
        admin = ledger.register_member("Admin", role="staff")
        ledger.projections().catch_up()
        beyond = ledger.position + 1_000 if edit == "ahead" else -5
    # A log put back from an older copy without its tables leaves them past it.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE coledger_tracking SET position = ?", (beyond,))
    conn.close()
    with Ledger.open(url) as ledger:
        board = ledger.establish_body("Board", kind="governance", by=admin)
        for where in (None, board):
            stored = ledger.power_sharing(body=where, materialised=True)
            assert stored.as_of == ledger.position
            assert comparable(stored) == comparable(ledger.power_sharing(body=where))
        assert ledger.projections().tables.position() == ledger.position


def test_report_from_tables_past_their_log_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Report --tables warns when the tables counted events the log no longer holds."""
    from coledger.cli import main

    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    with Ledger.open(url) as ledger:
        ledger.register_member("Admin", role="staff")
        ledger.projections().catch_up()
        head = ledger.position
    with sqlite3.connect(db) as conn:  # as a log put back without its tables
        conn.execute("UPDATE coledger_tracking SET position = ?", (head + 5,))
    conn.close()
    assert main(["report", "--tables", "--db", url]) == 0
    said = capsys.readouterr().err
    assert f"up to event {head + 5:,}, past the log's last ({head:,})" in said
    assert "coledger rebuild" in said
