"""The master key: required, checked, and never a source of garbage."""

from __future__ import annotations

import base64
import contextlib
import io
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import attrs
import psycopg
import pytest
from psycopg import sql

from coledger import Ledger
from coledger.cli import main
from coledger.errors import DatabaseLockedError, MasterKeyError, PrivacyError
from coledger.privacy import encode_master_key, generate_master_key
from coledger.privacy.keys import MASTER_KEY_ENV
from coledger.storage import parse_url
from conftest import PG_CONNINFO, TEST_MASTER_KEY, drop_schema, url_for

NAME = "Wilhelmina Oduya-Strand"


@pytest.fixture(params=["sqlite", "postgres"])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite file or PostgreSQL schema URL for this test."""
    if request.param == "sqlite":
        return url_for("sqlite", tmp_path)
    schema: str = request.getfixturevalue("pg_schema")
    return url_for("postgres", tmp_path, schema)


def schema_tables(schema: str) -> list[str]:
    """The tables a PostgreSQL schema holds (none if it does not exist)."""
    with psycopg.connect(PG_CONNINFO) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    return [row[0] for row in rows]


def test_missing_master_key_is_refused(
    durable_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no argument and no variable, opening fails and creates nothing."""
    monkeypatch.delenv(MASTER_KEY_ENV)
    with pytest.raises(MasterKeyError, match=MASTER_KEY_ENV):
        Ledger.open(durable_url)
    assert list(tmp_path.iterdir()) == []
    if "schema=" in durable_url:
        assert schema_tables(durable_url.rsplit("=", 1)[1]) == []


def test_an_empty_master_key_variable_is_no_master_key(
    durable_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable set to nothing (a secret that failed to load) is said to be empty."""
    monkeypatch.setenv(MASTER_KEY_ENV, "")
    with pytest.raises(MasterKeyError) as caught:
        Ledger.open(durable_url)
    assert str(caught.value).startswith(f"no master key: {MASTER_KEY_ENV} is empty")
    assert list(tmp_path.iterdir()) == []
    if "schema=" in durable_url:
        assert schema_tables(durable_url.rsplit("=", 1)[1]) == []


def test_memory_ledger_without_master_key_uses_a_throwaway_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An in-memory ledger needs no master key: its keys die with the process."""
    monkeypatch.delenv(MASTER_KEY_ENV)
    with Ledger.open("memory://") as ledger:
        sam = ledger.register_member(NAME)
        assert ledger.member(sam).name == NAME


def test_wrong_master_key_is_refused(
    durable_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another master key, by argument or variable, is refused rather than misread."""
    with Ledger.open(durable_url) as ledger:
        sam = ledger.register_member(NAME)
        ledger.declare_lived_experience(sam, categories=["DIS"])
    wrong = generate_master_key()
    assert wrong != TEST_MASTER_KEY
    with pytest.raises(MasterKeyError):
        Ledger.open(durable_url, master_key=wrong)
    with pytest.raises(MasterKeyError):
        Ledger.open(durable_url, master_key=encode_master_key(wrong))
    monkeypatch.setenv(MASTER_KEY_ENV, encode_master_key(wrong))
    with pytest.raises(MasterKeyError):
        Ledger.open(durable_url)
    # Nothing was damaged: the right key still reads everything.
    with Ledger.open(durable_url, master_key=TEST_MASTER_KEY) as ledger:
        assert ledger.member(sam).name == NAME
        assert ledger.member(sam).lived_experience == ("DIS",)
        assert sum(1 for _ in ledger.history()) == 2


@pytest.mark.parametrize(
    "key",
    [
        b"too short",
        bytes(33),
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(bytes(16)).decode(),
        base64.urlsafe_b64encode(bytes(48)).decode(),
    ],
    ids=["short bytes", "long bytes", "empty", "bad base64", "16-byte", "48-byte"],
)
def test_malformed_master_key_is_refused(
    key: bytes | str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key that is not 32 bytes (raw or URL-safe base64) is refused."""
    url = url_for("sqlite", tmp_path)
    with pytest.raises(MasterKeyError):
        Ledger.open(url, master_key=key)
    with pytest.raises(MasterKeyError):
        Ledger.open("memory://", master_key=key)
    if isinstance(key, str):
        monkeypatch.setenv(MASTER_KEY_ENV, key)
        with pytest.raises(MasterKeyError):
            Ledger.open(url)
    assert list(tmp_path.iterdir()) == []


def _lose_key_store(url: str, tmp_path: Path) -> None:
    """Drop the key store of the ledger at *url*, as a lost backup would."""
    if "schema=" in url:
        schema = url.rsplit("=", 1)[1]
        with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
            for table in ("coledger_member_keys", "coledger_key_generation"):
                conn.execute(
                    sql.SQL("DROP TABLE {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                )
    else:
        (tmp_path / "ledger.db.keys").unlink()


def test_a_lost_key_store_is_an_error_not_garbage(
    durable_url: str, tmp_path: Path
) -> None:
    """A ledger whose key store is gone raises MasterKeyError, never reads wrong."""
    with Ledger.open(durable_url) as ledger:
        admin = ledger.register_member("Admin")
        sam = ledger.register_member(NAME)
    _lose_key_store(durable_url, tmp_path)
    # Refused when opening, or at the latest when the first sealed field is read.
    with pytest.raises(MasterKeyError), Ledger.open(durable_url) as ledger:
        ledger.member(sam)
    with pytest.raises(MasterKeyError), Ledger.open(durable_url) as ledger:
        ledger.member(admin)
    with pytest.raises(PrivacyError), Ledger.open(durable_url) as ledger:
        list(ledger.history())


def test_a_lost_key_store_is_refused_at_every_open(
    durable_url: str, tmp_path: Path
) -> None:
    """A lost key store is refused at every open, whatever key the first one used."""
    with Ledger.open(durable_url) as ledger:
        ledger.register_member(NAME)
    _lose_key_store(durable_url, tmp_path)
    # The first try with a mistyped key must not leave a store made under it.
    for key in (generate_master_key(), TEST_MASTER_KEY, TEST_MASTER_KEY):
        with pytest.raises(MasterKeyError, match="new and empty"):
            Ledger.open(durable_url, master_key=key)
    # No Ledger opens on it, so no key is made into it before a restore.
    with pytest.raises(MasterKeyError, match="new and empty"):
        Ledger.open(durable_url).register_member("Someone New")


@pytest.mark.postgres
def test_a_lost_key_store_is_still_refused_after_an_open_that_failed(
    pg_schema: str, tmp_path: Path
) -> None:
    """An open that fails after making a new PostgreSQL key store leaves it new."""
    url = url_for("postgres", tmp_path, pg_schema)
    with Ledger.open(url) as ledger:
        sam = ledger.register_member(NAME)
    _lose_key_store(url, tmp_path)
    config = parse_url(url)
    briefly = attrs.evolve(config, env={**config.env, "POSTGRES_LOCK_TIMEOUT": "1"})
    with psycopg.connect(PG_CONNINFO) as other:
        # Another session's lock fails the open after its key store is made.
        other.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                sql.Identifier(pg_schema, "coledger_events")
            )
        )
        with pytest.raises(DatabaseLockedError):
            Ledger(briefly, TEST_MASTER_KEY)
        other.rollback()
    with pytest.raises(MasterKeyError, match="new and empty"):
        Ledger.open(url).register_member("Someone New")
    refused = pytest.raises(MasterKeyError, match="new and empty")
    with refused, Ledger.open(url) as ledger:
        ledger.member(sam)


@pytest.mark.parametrize("key", [None, 5, "a" * 32, b"short", bytearray(32)])
def test_only_a_32_byte_key_is_encoded(key: object) -> None:
    """encode_master_key refuses anything but 32 bytes with a MasterKeyError."""
    with pytest.raises(MasterKeyError, match="32 bytes"):
        encode_master_key(key)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("ab" * 32, r"decodes to 48 bytes.*hexadecimal"),
        (base64.b64encode(bytes(16)).decode(), r"decodes to 16 bytes"),
        (bytes(31), r"32 bytes, not 31"),
    ],
    ids=["hex", "base64 of 16 bytes", "31 raw bytes"],
)
def test_a_master_key_of_the_wrong_size_says_what_it_was_given(
    key: str | bytes, said: str
) -> None:
    """A hex key (openssl rand -hex 32) is told apart from base64, with its size."""
    with pytest.raises(MasterKeyError, match=said) as caught:
        Ledger.open("memory://", master_key=key)
    assert "coledger keygen --master" in str(caught.value)


DELETE_CHECK = "DELETE FROM {} WHERE key_id = %s"
EMPTY_CHECK = "UPDATE {} SET wrapped = NULL WHERE key_id = %s"


def _key_rows(
    url: str, tmp_path: Path, *, damage: str | None = None
) -> list[tuple[object, ...]]:
    """The key store's rows (key id, member, purpose, wrapped), in key id order.

    With *damage* (DELETE_CHECK, EMPTY_CHECK), the check value's row is
    damaged first, as a fault or a hand edit would leave the store.
    """
    check = "00000000-0000-0000-0000-000000000000"
    query = "SELECT key_id, member, purpose, wrapped FROM {} ORDER BY key_id"
    if "schema=" in url:
        table = sql.Identifier(url.rsplit("=", 1)[1], "coledger_member_keys")
        with psycopg.connect(PG_CONNINFO, autocommit=True) as pg:
            if damage is not None:
                pg.execute(sql.SQL(damage).format(table), (check,))
            rows = pg.execute(sql.SQL(query).format(table)).fetchall()
            return [(*row[:3], row[3] and bytes(row[3])) for row in rows]
    path = tmp_path / "ledger.db.keys"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        if damage is not None:
            conn.execute(damage.format("member_keys").replace("%s", "?"), (check,))
        return conn.execute(query.format("member_keys")).fetchall()


def test_a_key_store_missing_its_check_value_is_refused_and_kept(
    durable_url: str, tmp_path: Path
) -> None:
    """A store that holds keys but lost its check value is refused, and left as it was.

    It is damaged, not lost: taken for a new, empty store, it was deleted
    with every member's key in it (SQLite), or called new and empty (PostgreSQL).
    """
    with Ledger.open(durable_url) as ledger:
        ledger.register_member(NAME)
    damaged = _key_rows(durable_url, tmp_path, damage=DELETE_CHECK)
    assert [row[2] for row in damaged] == ["identity"]
    for _ in range(2):
        with pytest.raises(MasterKeyError) as caught:
            Ledger.open(durable_url)
        assert _key_rows(durable_url, tmp_path) == damaged
        assert "no check value" in str(caught.value)


def test_a_key_store_whose_check_value_is_empty_refuses_any_master_key(
    durable_url: str, tmp_path: Path
) -> None:
    """A check value with no bytes checks nothing: refused, not opened under any key.

    Opened, a mistyped master key wrapped the keys of new members under it,
    sealing their data where the right key could never open it.
    """
    with Ledger.open(durable_url) as ledger:
        ledger.register_member(NAME)
    damaged = _key_rows(durable_url, tmp_path, damage=EMPTY_CHECK)
    mistyped = generate_master_key()
    with (
        pytest.raises(MasterKeyError, match="no check value"),
        Ledger.open(durable_url, master_key=mistyped) as ledger,
    ):
        ledger.register_member("Someone New")
    assert _key_rows(durable_url, tmp_path) == damaged


@pytest.mark.parametrize("wrapped", ["a check value as text", 5])
def test_a_sqlite_check_value_that_is_not_bytes_is_refused(
    tmp_path: Path, wrapped: object
) -> None:
    """A check value edited to hold text or a number is refused, the store kept."""
    url = url_for("sqlite", tmp_path)
    with Ledger.open(url) as ledger:
        ledger.register_member(NAME)
    check = "00000000-0000-0000-0000-000000000000"
    with contextlib.closing(sqlite3.connect(tmp_path / "ledger.db.keys")) as conn, conn:
        conn.execute(
            "UPDATE member_keys SET wrapped = ? WHERE key_id = ?", (wrapped, check)
        )
    damaged = _key_rows(url, tmp_path)
    with pytest.raises(MasterKeyError, match="check value"):
        Ledger.open(url)
    assert _key_rows(url, tmp_path) == damaged


@pytest.mark.parametrize("blank", ["\n", " \r\n"], ids=["newline", "spaces"])
def test_a_master_key_variable_of_spaces_alone_is_no_master_key(
    durable_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blank: str
) -> None:
    """A variable holding only a line ending is set to nothing, as an empty one is."""
    monkeypatch.setenv(MASTER_KEY_ENV, blank)
    with pytest.raises(MasterKeyError) as caught:
        Ledger.open(durable_url)
    assert str(caught.value).startswith(f"no master key: {MASTER_KEY_ENV} is empty")
    assert list(tmp_path.iterdir()) == []
    with Ledger.open("memory://") as ledger:  # a throwaway key, as with none
        assert ledger.member(ledger.register_member(NAME)).name == NAME


def test_the_command_line_reads_the_key_file_past_a_blank_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the variable set to a line ending, ./coledger.master-key is read."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "coledger.master-key").write_text(encode_master_key(TEST_MASTER_KEY))
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url, master_key=TEST_MASTER_KEY) as ledger:
        sam = ledger.register_member(NAME)
    monkeypatch.setenv(MASTER_KEY_ENV, "\n")
    out = tmp_path / "sar.json"
    code = main(
        ["subject-access", "--db", "ledger.db", "--member", str(sam), "--out", str(out)]
    )
    assert code == 0
    assert NAME in out.read_text()


def test_a_raw_key_file_is_refused_without_showing_its_bytes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A key file of raw key bytes is refused, and no byte of it reaches the message."""
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    db = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{db}", master_key=TEST_MASTER_KEY) as ledger:
        ledger.register_member(NAME)
    raw = bytes([0x41, 0x42, 0xE9]) + TEST_MASTER_KEY[3:]  # not ASCII at byte 2
    key_file = tmp_path / "raw.key"
    key_file.write_bytes(raw)
    assert main(["report", "--db", str(db), "--key-file", str(key_file)]) == 2
    said = capsys.readouterr().err
    assert "not ASCII" in said, said
    assert "0xe9" not in said, said
    assert "position 2" in said, said


def _restore_other_store(url: str, other: str, tmp_path: Path) -> None:
    """Put the key store of the ledger at *other* in place of *url*'s own."""
    if "schema=" not in url:
        source = Path(other.removeprefix("sqlite:///") + ".keys")
        (tmp_path / "ledger.db.keys").write_bytes(source.read_bytes())
        return
    mine, theirs = url.rsplit("=", 1)[1], other.rsplit("=", 1)[1]
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "DELETE FROM {mine}.coledger_member_keys; "
                "INSERT INTO {mine}.coledger_member_keys "
                "SELECT * FROM {theirs}.coledger_member_keys"
            ).format(mine=sql.Identifier(mine), theirs=sql.Identifier(theirs))
        )


@pytest.fixture
def other_url(durable_url: str, tmp_path: Path) -> Iterator[str]:
    """A second ledger's URL on the same backend as *durable_url*."""
    if "schema=" not in durable_url:
        (tmp_path / "other").mkdir()
        yield f"sqlite:///{tmp_path / 'other' / 'ledger.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield url_for("postgres", tmp_path, schema)
    drop_schema(schema)


def test_another_ledgers_key_store_is_refused_under_the_same_master_key(
    durable_url: str, other_url: str, tmp_path: Path
) -> None:
    """A key store restored from another ledger (same master key) is refused at open.

    Opened, it took new members' keys, so that their data was sealed where
    the ledger's own store, once restored, could never open it.
    """
    with Ledger.open(durable_url) as ledger:
        ledger.register_member(NAME)
    with Ledger.open(durable_url) as ledger:  # opened again since: bound to it
        assert ledger.members()[0].name == NAME
    with Ledger.open(other_url) as other:
        other.register_member("Someone Else")
    Ledger.open(other_url).close()  # any open of a ledger with events binds its store
    _restore_other_store(durable_url, other_url, tmp_path)
    stored = _key_rows(durable_url, tmp_path)
    for _ in range(2):
        with (
            pytest.raises(MasterKeyError, match="another ledger's key store"),
            Ledger.open(durable_url) as ledger,
        ):
            ledger.register_member("Someone New")
        assert _key_rows(durable_url, tmp_path) == stored
    with Ledger.open(other_url) as other:  # its own ledger still opens it
        assert other.members()[0].name == "Someone Else"


@pytest.mark.parametrize("end", [b"", b"\n"], ids=["bare", "read from a file"])
def test_a_master_keys_base64_text_given_as_bytes_is_told_apart(end: bytes) -> None:
    """The key's base64 text passed as bytes (a key file read in binary) is named so.

    Told only that a key is 32 bytes, not 45, a user whose key is right
    would make a new one, which never opens the ledger's key store.
    """
    text = encode_master_key(TEST_MASTER_KEY)
    with pytest.raises(MasterKeyError, match="base64 text, as bytes") as caught:
        Ledger.open("memory://", master_key=text.encode() + end)
    assert text not in str(caught.value)


def _remove_ledger_keep_keys(url: str, tmp_path: Path) -> None:
    """Remove the ledger's events and tables, leaving its key store behind."""
    if "schema=" not in url:
        (tmp_path / "ledger.db").unlink()
        return
    schema = url.rsplit("=", 1)[1]
    keep = {"coledger_member_keys", "coledger_key_generation"}
    with psycopg.connect(PG_CONNINFO, autocommit=True) as conn:
        for table in schema_tables(schema):
            if table not in keep:
                conn.execute(
                    sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                        sql.Identifier(schema, table)
                    )
                )


def test_a_ledger_started_again_beside_its_old_key_store_keeps_opening(
    durable_url: str, tmp_path: Path
) -> None:
    """A new ledger begun beside an old ledger's key store takes it for its own.

    Removing the ledger file to start again (as the demo's refusal advises)
    left its key store, which named the old ledger: the new ledger's keys
    were made in it, and every open after its first event refused the store
    as another ledger's, though no other store held those keys.
    """
    with Ledger.open(durable_url) as ledger:
        ledger.register_member("Someone Before")
    Ledger.open(durable_url).close()  # the store now names that ledger
    _remove_ledger_keep_keys(durable_url, tmp_path)
    with Ledger.open(durable_url) as ledger:
        ledger.register_member(NAME)
    for _ in range(2):
        with Ledger.open(durable_url) as ledger:
            assert [m.name for m in ledger.members()] == [NAME]
            assert ledger.audit_erasure().ok


def test_the_key_store_of_a_ledger_rebuilt_from_its_export_is_not_the_olds(
    durable_url: str, other_url: str, tmp_path: Path
) -> None:
    """The old ledger's key store is refused beside a ledger imported from its export.

    The two ledgers' first records have one id, so the store named by it
    alone was taken for the new ledger's own: new members' keys were made in
    it, and the new ledger's own store, once restored, could not open them.
    """
    with Ledger.open(other_url) as old:
        old.register_member("Someone Before")
    Ledger.open(other_url).close()  # the old store now names its ledger
    _imported_then_refuses_its_old_store(durable_url, other_url, tmp_path)
    with Ledger.open(other_url) as old:  # its own ledger still opens it
        assert [m.name for m in old.members()] == ["Someone Before"]


def _imported_then_refuses_its_old_store(
    durable_url: str, other_url: str, tmp_path: Path
) -> None:
    """Import the other ledger's export, then give the copy the other's store.

    The copy, opened once so its own store names it, must refuse the other
    ledger's store (restored in place of its own) and write no key to it.
    """
    exported = io.StringIO()
    with Ledger.open(other_url) as old:
        old.export(exported)
    with Ledger.open(durable_url) as ledger:
        ledger.import_events(exported.getvalue().splitlines())
    Ledger.open(durable_url).close()  # and the new store its own
    _restore_other_store(durable_url, other_url, tmp_path)
    stored = _key_rows(durable_url, tmp_path)
    with (
        pytest.raises(MasterKeyError, match="another ledger's key store"),
        Ledger.open(durable_url) as ledger,
    ):
        ledger.register_member(NAME)
    assert _key_rows(durable_url, tmp_path) == stored


def test_a_store_named_by_the_first_record_alone_still_opens(
    durable_url: str, tmp_path: Path
) -> None:
    """A store naming only its ledger's first record (no key) opens; another's not."""
    with Ledger.open(durable_url) as ledger:
        member = ledger.register_member(NAME)
    Ledger.open(durable_url).close()
    for first, opens in ((member, True), (uuid.uuid4(), False)):
        _rename_ledger(durable_url, tmp_path, f"ledger:{first}")
        if opens:
            with Ledger.open(durable_url) as ledger:
                assert ledger.members()[0].name == NAME
        else:
            with pytest.raises(MasterKeyError, match="another ledger's key store"):
                Ledger.open(durable_url)


def _rename_ledger(url: str, tmp_path: Path, name: str) -> None:
    """Replace the key store's row naming its ledger by one named *name*."""
    query = "UPDATE {} SET key_id = %s WHERE member = 'ledger'"
    if "schema=" in url:
        table = sql.Identifier(url.rsplit("=", 1)[1], "coledger_member_keys")
        with psycopg.connect(PG_CONNINFO, autocommit=True) as pg:
            assert pg.execute(sql.SQL(query).format(table), (name,)).rowcount == 1
        return
    path = tmp_path / "ledger.db.keys"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        changed = conn.execute(query.format("member_keys").replace("%s", "?"), (name,))
        assert changed.rowcount == 1


@pytest.mark.parametrize("named_early", [False, True])
def test_a_ledger_beginning_unsealed_refuses_its_importers_old_store(
    durable_url: str, other_url: str, tmp_path: Path, named_early: bool
) -> None:
    """The old store is refused beside an import though the first event seals nothing.

    A ledger may begin with a body set up by no one (nothing sealed): named
    by that first record alone, its store was taken for the import's own.
    """
    with Ledger.open(other_url) as old:
        old.establish_body("Board", kind="governance")
    if named_early:  # an open before anything was sealed names the store
        Ledger.open(other_url).close()
    with Ledger.open(other_url) as old:
        old.register_member("Someone Before")
    Ledger.open(other_url).close()
    _imported_then_refuses_its_old_store(durable_url, other_url, tmp_path)
    for _ in range(2):  # its own ledger still opens it, named or renamed
        with Ledger.open(other_url) as old:
            assert [m.name for m in old.members()] == ["Someone Before"]
