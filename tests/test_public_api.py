"""What a developer meets first: the names, messages and types of the public API."""

from __future__ import annotations

import copy
import csv
import importlib
import inspect
import io
import pickle
import pkgutil
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest

import coledger
from coledger import Ledger, StorageError, errors, imports, transfer
from coledger.imports import import_polis, polis
from coledger.integrity.source import open_source
from coledger.storage import shown
from conftest import TEST_MASTER_KEY, url_for, with_password


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


INTERNAL_ERRORS = {
    "coledger.cli._common.CommandError": (
        "coledger.cli.main prints it and exits 2; no library call raises it"
    ),
    "coledger.integrity.recorders.EventsGoneError": (
        "Ledger.open raises StorageError instead, with nothing created"
    ),
    "coledger.integrity.recorders.LogGoneError": (
        "Ledger.open raises StorageError instead, with nothing created"
    ),
    "coledger.integrity.recorders.LeavesGoneError": (
        "Ledger.open raises StorageError instead, with nothing created"
    ),
    "coledger.integrity.recorders.LogTablesGoneError": (
        "Ledger.open raises StorageError instead, with nothing created"
    ),
    "coledger.integrity.recorders.HeadMovedError": (
        "the Ledger runs the command again, then raises ConcurrencyError"
    ),
    "coledger.integrity.recorders.ReadsChangedError": (
        "the Ledger runs the command again; a batch raises ConcurrencyError instead"
    ),
    "coledger.projections.materialise.TablesMovedError": (
        "a catch-up starts again, then raises StorageError"
    ),
}
"""LedgerErrors defined outside coledger.errors, and why no caller ever meets one.

tests/application/test_internal_errors.py holds the Ledger to the two retry
signals' claims; anything a caller can meet belongs in coledger.errors.
"""


def ledger_errors_defined_anywhere() -> set[type[errors.LedgerError]]:
    """Every LedgerError subclass that a module of the coledger package defines."""
    for module in pkgutil.walk_packages(coledger.__path__, "coledger."):
        importlib.import_module(module.name)
    found: set[type[errors.LedgerError]] = set()
    todo = [errors.LedgerError]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] == "coledger":
                found.add(sub)
    return found


def test_every_error_a_caller_can_meet_is_in_the_one_hierarchy() -> None:
    """Each LedgerError is coledger's own export, or internal and listed as such."""
    defined = ledger_errors_defined_anywhere()
    unexported = {
        error.__qualname__
        for error in defined
        if error.__module__ == "coledger.errors"
        and getattr(coledger, error.__qualname__, None) is not error
    }
    stray = {
        f"{error.__module__}.{error.__qualname__}"
        for error in defined
        if error.__module__ != "coledger.errors"
    }
    assert unexported == set()
    assert stray == set(INTERNAL_ERRORS)


def _tiny_polis_export(folder: Path, vote: int) -> Path:
    """A Polis export of one statement and one vote, *vote* on line 2 of votes.csv."""
    folder.mkdir()
    with (folder / "comments.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "timestamp",
                "datetime",
                "comment-id",
                "author-id",
                "agrees",
                "disagrees",
                "moderated",
                "comment-body",
            ]
        )
        writer.writerow([1700000000000, "", 0, 0, 1, 0, 1, "Meet in the evenings."])
    with (folder / "votes.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        writer.writerow([1700000100000, "", 0, 0, vote])
    return folder


def test_both_importers_raise_the_one_malformed_import_error(tmp_path: Path) -> None:
    """A bad export file and a bad Polis file raise coledger.MalformedImportError."""
    with Ledger.open("memory://") as ledger:
        ledger.register_member("Ada")
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    lines[1] = "{not json"
    votes = _tiny_polis_export(tmp_path / "talk", vote=2) / "votes.csv"
    with Ledger.open("memory://") as target:
        with pytest.raises(coledger.MalformedImportError) as bad_export:
            target.import_events(lines, source="ada.jsonl")
        with pytest.raises(coledger.MalformedImportError) as bad_polis:
            import_polis(target, tmp_path / "talk")
        assert target.position == 0
    for refusal, source, line in (
        (bad_export.value, "ada.jsonl", 2),
        (bad_polis.value, votes, 2),
    ):
        assert type(refusal) is errors.MalformedImportError
        assert isinstance(refusal, coledger.InvalidInputError)
        assert (refusal.source, refusal.line) == (source, line)
        assert refusal.reason
        assert str(refusal) == f"{source}, line {line}: {refusal.reason}"
    assert bad_export.value.reason.startswith("not JSON")
    assert bad_polis.value.reason == "vote 2 is not -1, 0 or 1"
    assert bad_polis.value.path == votes  # the name the Polis importer first used


def test_a_malformed_import_names_its_source_on_one_line() -> None:
    """A line break or escape in an import's source is escaped: one line of message."""
    with (
        Ledger.open("memory://") as target,
        pytest.raises(coledger.MalformedImportError) as refusal,
    ):
        target.import_events(["{"], source="export\nSTATUS: OK\x1b[2K café.jsonl")
    assert refusal.value.source == "export\nSTATUS: OK\x1b[2K café.jsonl"
    assert str(refusal.value) == (
        f"export\\nSTATUS: OK\\x1b[2K café.jsonl, line 1: {refusal.value.reason}"
    )


def test_the_importers_modules_still_export_the_one_malformed_import_error() -> None:
    """Code that imported MalformedImportError from an importer's module still works."""
    one = errors.MalformedImportError
    assert transfer.MalformedImportError is one
    assert imports.MalformedImportError is one
    assert polis.MalformedImportError is one


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
    password = "hunter2"  # noqa: S105 (a test's, to be hidden)
    if backend == "postgres":  # trust auth: any password gets in
        url, password = with_password(url, password)
        assert password in url
    ledger = Ledger.open(url)
    assert repr(ledger) == f"<Ledger {shown(url)!r}>"
    assert password not in repr(ledger)
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


def _refusals_with_fields() -> list[errors.LedgerError]:
    """Real refusals of the kinds whose message is built from fields."""
    found: list[errors.LedgerError] = []
    with Ledger.open("memory://") as ledger:
        ann = ledger.register_member("Ann")
        board = ledger.establish_body("Board", kind="governance", by=ann)
        ledger.assign_seat(board, ann, by=ann)
        motion = ledger.raise_proposal(board, proposers=[ann], title="T", text="x")
        ledger.request_adjustment(ann, code="ER", proposal=motion, needed_before="vote")
        for attempt in (
            lambda: ledger.register_member("Bo", role="king"),
            lambda: ledger.request_adjustment(ann, code="ZZ"),
            lambda: ledger.body(ann),
            lambda: ledger.comment(motion, author=board, text="Hello"),
            lambda: ledger.open_voting(motion, by=ann),
            lambda: ledger.import_events(["{"], source="x.jsonl"),
            lambda: ledger.prove_ballot(motion, ann, "not a note"),
        ):
            with pytest.raises(errors.LedgerError) as refusal:
                attempt()
            found.append(refusal.value)
    return [
        *found,
        errors.DatabaseLockedError("ledger.db", 30.0),
        errors.OutcomeUnknownError("may be stored", keys_destroyed=(uuid4(),)),
        errors.KeysDestroyedError((uuid4(),), erasure=True, batch=False, reason="x"),
    ]


def test_a_refusal_built_from_fields_survives_pickling_and_copying() -> None:
    """An error sent back from a worker process is the same error, fields and all."""
    for error in _refusals_with_fields():
        sent = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
        for again in (sent, copy.copy(error)):
            assert type(again) is type(error)
            assert str(again) == str(error)
            assert vars(again) == vars(error)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Ledger("memory://"),  # type: ignore[arg-type]
        lambda: Ledger("memory://", TEST_MASTER_KEY),  # type: ignore[arg-type]
    ],
    ids=["url", "url-and-key"],
)
def test_calling_ledger_with_a_url_points_to_ledger_open(
    make: Callable[[], Ledger],
) -> None:
    """Ledger(url), a newcomer's first guess, says to use Ledger.open instead."""
    with pytest.raises(coledger.InvalidInputError, match=r"Ledger\.open\(url"):
        make()


def test_the_adjustment_catalogue_cannot_be_changed_from_outside() -> None:
    """The catalogue requests are checked against is read-only to its users."""
    with pytest.raises(TypeError):
        coledger.ADJUSTMENT_CATALOGUE["NEW"] = "An adjustment of our own"  # type: ignore[index]
    assert "NEW" not in coledger.ADJUSTMENT_CATALOGUE
    assert len(coledger.ADJUSTMENT_CATALOGUE) == 48


def test_a_storage_failure_reads_as_one_line() -> None:
    """A driver's message over several lines (libpq's hint) is one line in the error."""
    with pytest.raises(StorageError) as failure:
        Ledger.open("postgresql://nobody@127.0.0.1:1/test", master_key=TEST_MASTER_KEY)
    assert "Connection refused" in str(failure.value)
    assert "\n" not in str(failure.value)
    assert "\t" not in str(failure.value)
    assert "Is the server running" in str(failure.value)  # the hint is kept


def test_a_locked_database_names_its_file_on_one_line() -> None:
    """A line break in a locked SQLite file's path is escaped in the message."""
    locked = errors.DatabaseLockedError("/srv/led\nger.db", 30)
    assert locked.where == "/srv/led\nger.db"
    assert str(locked).startswith("the database /srv/led\\nger.db is locked")
