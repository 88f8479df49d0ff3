"""What a developer meets first: the names, messages and types of the public API."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import coledger
from coledger import Ledger, StorageError, errors
from coledger.integrity.source import open_source
from coledger.storage import shown
from conftest import url_for


def test_every_error_in_the_hierarchy_is_importable_from_coledger() -> None:
    """Each LedgerError subclass in coledger.errors is exported by coledger itself."""
    defined = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.LedgerError)
    }
    missing = {name for name in defined if getattr(coledger, name, None) is None}
    assert missing == set()
    assert defined <= set(coledger.__all__)


def test_a_query_given_another_kind_of_id_says_what_it_names() -> None:
    """ledger.member(body_id) is refused naming the body, in message and attribute."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Ada")
        board = ledger.establish_body("Board", kind="governance", by=admin)
        with pytest.raises(coledger.UnknownMemberError) as refusal:
            ledger.member(board)
    assert refusal.value.found == "body"
    assert str(refusal.value).endswith("that id names a body, not a member")


def test_an_erased_member_acting_is_told_they_were_erased() -> None:
    """NotAMemberError says when the id is an erased member's, not an unknown one."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Ada")
        gone = ledger.register_member("Gus", by=admin)
        ledger.erase_member(gone, by=admin)
        with pytest.raises(coledger.NotAMemberError) as refusal:
            ledger.register_member("Hal", by=gone)
    assert refusal.value.erased
    assert str(refusal.value).endswith(": the member was erased")


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])
def test_a_ledger_shows_where_it_is_stored_and_whether_it_is_closed(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """repr(ledger) names its storage URL, never a password, and says once closed."""
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None
    url = url_for(backend, tmp_path, schema)
    if backend == "postgres":  # trust auth: any password gets in
        url = url.replace("postgres@", "postgres:hunter2@", 1)
    ledger = Ledger.open(url)
    assert repr(ledger) == f"<Ledger {shown(url)!r}>"
    assert "hunter2" not in repr(ledger)
    ledger.close()
    assert repr(ledger) == f"<Ledger {shown(url)!r} closed>"


SETTLING = {
    "open_voting": "tuple[UUID, ...]",
    "close_voting": "Decision",
    "decide": "Decision",
    "close_advisory_vote": "Tally",
}
"""The commands the tutorial names as returning what they settled, not an id."""


def test_commands_return_an_id_or_nothing_except_the_four_documented() -> None:
    """Every command (a method taking occurred_at) returns what the tutorial says."""
    returns = {
        name: inspect.signature(method).return_annotation
        for name, method in inspect.getmembers(Ledger, inspect.isfunction)
        if not name.startswith("_")
        and "occurred_at" in inspect.signature(method).parameters
    }
    assert {n: r for n, r in returns.items() if r not in {"UUID", "None"}} == SETTLING


def test_an_audit_source_closes_at_the_end_of_a_with_block(tmp_path: Path) -> None:
    """open_source(...) is a context manager that closes its connection on leaving."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as ledger:
        ledger.register_member("Ada")
    with open_source(url) as source:
        assert source.size() == 1
    with pytest.raises(StorageError):
        source.size()
