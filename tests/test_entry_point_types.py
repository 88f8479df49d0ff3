"""Arguments of the wrong kind at the integrity, transfer and storage entry points.

Each raises an error of coledger's own hierarchy (never an AttributeError or a
TypeError from deep inside) and writes nothing.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coledger import InvalidInputError, InvalidUrlError, Ledger, LedgerError, transfer
from coledger.imports import import_polis, read_polis_export
from coledger.imports.polis import MalformedImportError, PolisExport
from coledger.integrity import SigningKey, Verifier, verify_receipt
from coledger.integrity.audit_copy import audit_copy
from coledger.integrity.checkpoints import open_checkpoint, read_unverified
from coledger.integrity.source import open_source
from coledger.integrity.verify import verify
from coledger.storage import parse_url


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    """An in-memory ledger holding one member."""
    with Ledger.open("memory://") as opened:
        opened.register_member("Ana Example")
        yield opened


def key() -> SigningKey:
    """A throwaway signing key."""
    return SigningKey.generate("example.org/ledger")


def closed_text_stream() -> io.StringIO:
    """A text stream that was closed: it takes no more writing."""
    stream = io.StringIO()
    stream.close()
    return stream


def lines_of(ledger: Ledger) -> list[str]:
    """The export of *ledger*, as lines."""
    out = io.StringIO()
    ledger.export(out)
    return out.getvalue().splitlines()


EMPTY_POLIS = PolisExport("talk", None, None, None, statements=(), votes=())
"""A Polis export that holds nothing: the ledger argument is refused before it is."""

CALLS: dict[str, Callable[[Ledger, Path], Any]] = {
    "checkpoint(None)": lambda led, _: led.checkpoint(None),  # type: ignore[arg-type]
    "checkpoint(str)": lambda led, _: led.checkpoint("abc"),  # type: ignore[arg-type]
    "verify(str verifier)": lambda led, _: led.verify("abc", []),  # type: ignore[arg-type]
    "verify(None notes)": lambda led, _: led.verify(None, None),  # type: ignore[arg-type]
    "verify(one note as str)": lambda led, _: led.verify(None, "a note"),
    "verify(notes of bytes)": lambda led, _: led.verify(None, [b"note"]),  # type: ignore[list-item]
    "Verifier.parse(None)": lambda *_: Verifier.parse(None),  # type: ignore[arg-type]
    "SigningKey.generate(None)": lambda *_: SigningKey.generate(None),  # type: ignore[arg-type]
    "SigningKey.from_pem(str)": lambda *_: SigningKey.from_pem("pem"),  # type: ignore[arg-type]
    "to_pem(str)": lambda *_: key().to_pem("pw"),  # type: ignore[arg-type]
    "read_unverified(None)": lambda *_: read_unverified(None),  # type: ignore[arg-type]
    "verify_receipt(None)": lambda *_: verify_receipt(None, None),  # type: ignore[arg-type]
    "verify_receipt(no key)": lambda *_: verify_receipt("receipt", None),  # type: ignore[arg-type]
    "audit_copy(int target)": lambda _, tmp: audit_copy(f"sqlite:///{tmp / 'l.db'}", 5),  # type: ignore[arg-type]
    "open(int key)": lambda *_: Ledger.open("memory://", master_key=5),  # type: ignore[arg-type]
    "open(NUL in url)": lambda _, tmp: Ledger.open(f"sqlite:///{tmp}/a\x00b.db"),
    "export(None)": lambda led, _: led.export(None),  # type: ignore[arg-type]
    "export(binary)": lambda led, _: led.export(io.BytesIO()),  # type: ignore[arg-type]
    "export(closed)": lambda led, _: led.export(closed_text_stream()),
    "export(bad progress)": lambda led, _: led.export(io.StringIO(), "x"),  # type: ignore[arg-type]
    "import_events(None)": lambda led, _: led.import_events(None),  # type: ignore[arg-type]
    "import_events(int)": lambda led, _: led.import_events(5),  # type: ignore[arg-type]
    "import_events(str)": lambda led, _: led.import_events("{}"),
    "read_export([None])": lambda *_: transfer.read_export([None]),  # type: ignore[list-item]
    "read_export([bytes])": lambda *_: transfer.read_export([b"{}"]),  # type: ignore[list-item]
    "read_export(int source)": lambda led, _: transfer.read_export(lines_of(led), 5),  # type: ignore[arg-type]
    "import_events(int source)": lambda led, _: Ledger.open("memory://").import_events(
        lines_of(led),
        source=5,  # type: ignore[arg-type]
    ),
    "export_lines(None)": lambda *_: list(transfer.export_lines(None)),  # type: ignore[arg-type]
    "export_to(None)": lambda *_: transfer.export_to(None, io.StringIO()),  # type: ignore[arg-type]
    "read_polis_export(int)": lambda *_: read_polis_export(5),  # type: ignore[arg-type]
    "import_polis(None)": lambda *_: import_polis(None, EMPTY_POLIS),  # type: ignore[arg-type]
    "import_polis(url)": lambda *_: import_polis("memory://", EMPTY_POLIS),  # type: ignore[arg-type]
    "open_checkpoint(None)": lambda *_: open_checkpoint(None, None),  # type: ignore[arg-type]
    "verify(no source)": lambda *_: verify(None, None, []),  # type: ignore[arg-type]
    "verify(str source)": lambda *_: verify("sqlite:///x.db", None, []),  # type: ignore[arg-type]
    "sign(str size)": lambda *_: key().sign("5", bytes(32)),  # type: ignore[arg-type]
    "sign(negative size)": lambda *_: key().sign(-1, bytes(32)),
    "sign(size past 64 bits)": lambda *_: key().sign(2**70, bytes(32)),
    "sign(str root)": lambda *_: key().sign(1, "abc"),  # type: ignore[arg-type]
    "note of a size past 64 bits": lambda *_: read_unverified(
        key().sign(5, bytes(32)).replace("\n5\n", f"\n{2**64}\n", 1)
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_a_wrong_kind_of_argument_is_a_ledger_error(
    name: str, ledger: Ledger, tmp_path: Path
) -> None:
    """The call raises LedgerError, the ledger holds what it held, no file appears."""
    before = ledger.position
    with pytest.raises(LedgerError):
        CALLS[name](ledger, tmp_path)
    assert ledger.position == before
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url", ["sqlite:///club?.db", "sqlite:///club.db?mode=ro", "sqlite:///club.db#x"]
)
def test_a_sqlite_url_with_options_is_refused(url: str, tmp_path: Path) -> None:
    """A '?' or '#' would cut the file name short; nothing reads options: refused."""
    with pytest.raises(InvalidUrlError, match="takes no"):
        Ledger.open(url.replace("sqlite:///", f"sqlite:///{tmp_path}/"))
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_file_opened_for_reading_is_refused(
    ledger: Ledger, tmp_path: Path
) -> None:
    """A text file opened with 'r' is an InvalidInputError, and the file stays empty."""
    target = tmp_path / "export.jsonl"
    target.touch()
    with target.open(encoding="utf-8") as reading, pytest.raises(InvalidInputError):
        ledger.export(reading)
    assert target.read_bytes() == b""


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_export_to_a_file_that_cannot_encode_every_name_is_refused(
    encoding: str, ledger: Ledger, tmp_path: Path
) -> None:
    """A file in an encoding short of Unicode is an InvalidInputError, left empty."""
    ledger.register_member("Łucja Nguyễn")
    target = tmp_path / "export.jsonl"
    with (
        target.open("w", encoding=encoding) as writing,
        pytest.raises(InvalidInputError, match="encoding='utf-8'"),
    ):
        ledger.export(writing)
    assert target.read_bytes() == b""


@pytest.mark.parametrize("flag", ["no", "false", 0.0, 1, None], ids=repr)
def test_materialised_must_be_a_bool_and_builds_no_tables(
    flag: object, tmp_path: Path
) -> None:
    """materialised=<not a bool> is an InvalidInputError, and builds no table."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.register_member("Ana Example")
        before = table_names(path)
        with pytest.raises(InvalidInputError, match="materialised"):
            ledger.power_sharing(materialised=flag)  # type: ignore[arg-type]
        assert table_names(path) == before
        assert ledger.position == 1


@pytest.mark.parametrize("flag", ["no", "false", 0, 1, None], ids=repr)
def test_writable_must_be_a_bool_and_opens_nothing(
    flag: object, tmp_path: Path
) -> None:
    """open_source(writable=<not a bool>) is an InvalidInputError; the file is kept."""
    path = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{path}") as ledger:
        ledger.register_member("Ana Example")
    before = sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()
    with pytest.raises(InvalidInputError, match="writable"):
        open_source(f"sqlite:///{path}", writable=flag)  # type: ignore[arg-type]
    assert (sorted(p.name for p in tmp_path.iterdir()), path.read_bytes()) == before


def table_names(path: Path) -> set[str]:
    """The tables of a SQLite file."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master")}


SPACED_URLS = [
    " memory://",
    "memory:// ",
    "\tmemory://",
    "mem\tory://",
    "memory://\n",
    " sqlite:///club.db",
    "sqlite:///club.db ",
    "sqlite:///cl\tub.db",
    "sqlite:///club\r\n.db",
    "sqlite:///\x01club.db",
    "sqlite:///club\x7f.db",
    "\u00a0postgresql://u@127.0.0.1/db",
    " postgresql://u@127.0.0.1/db",
    "postgresql://u@127.0.0.1/d\tb",
    "postgres://u@127.0.0.1/db\n",
]
"""Spaces around or control characters in: urllib drops them silently."""

MALFORMED_URLS = [
    # A '[' that opens no IPv6 address.
    *(
        (url, "not a valid URL")
        for url in ("postgresql://u@[::1/db", "sqlite://[/x.db")
    ),
    *((url, "space|control character") for url in SPACED_URLS),
]


@pytest.mark.parametrize(("url", "said"), MALFORMED_URLS)
@pytest.mark.parametrize("entry", [Ledger.open, open_source])
def test_a_malformed_url_is_an_invalid_url_and_writes_nothing(
    url: str,
    said: str,
    entry: Callable[[str], Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unbalanced bracket, a space around or a control character, for any scheme."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidUrlError, match=said):
        entry(url)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("MEMORY://", "memory"),
        ("Memory://", "memory"),
        ("SQLite:///club.db", "sqlite"),
        ("POSTGRESQL://u@127.0.0.1/db", "postgres"),
        ("Postgres://u@127.0.0.1/db", "postgres"),
    ],
)
def test_a_scheme_is_read_in_any_case_for_every_backend(
    url: str, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scheme is case-insensitive (RFC 3986) alike for memory, SQLite, PostgreSQL."""
    monkeypatch.chdir(tmp_path)
    assert parse_url(url).backend == backend
    if backend != "postgres":  # opening one needs no server
        with Ledger.open(url) as opened:
            opened.register_member("Ana Example")
            assert opened.position == 1


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("memory://?schema=club", "no options"),
        ("memory://?", "no options"),
        ("memory://#club", "no options"),
        ("memory:", "two slashes"),
        ("memory:/", "two slashes"),
        ("memory://club", "no path"),
    ],
)
def test_an_in_memory_url_with_more_than_its_scheme_is_refused(
    url: str, said: str
) -> None:
    """memory:// reads no options or path: one given is refused, not ignored."""
    with pytest.raises(InvalidUrlError, match=said):
        Ledger.open(url)


LONG = "y" * 300  # past the 255 bytes a file name may have


def test_a_file_name_too_long_for_the_system_is_a_typed_error(tmp_path: Path) -> None:
    """A name past the system's limit raises coledger's errors, and writes nothing."""
    ledger = tmp_path / "ledger.db"
    with Ledger.open(f"sqlite:///{ledger}") as opened:
        opened.register_member("Ana Example")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(InvalidUrlError, match="name too long"):
        Ledger.open(f"sqlite:///{tmp_path / LONG}.db")
    with pytest.raises(MalformedImportError, match="name too long"):
        read_polis_export(tmp_path / LONG)
    with pytest.raises(InvalidInputError, match="name too long"):
        audit_copy(f"sqlite:///{ledger}", tmp_path / f"{LONG}.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
