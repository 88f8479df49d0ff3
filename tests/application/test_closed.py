"""A closed Ledger refuses every call with one error, on every backend."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from coledger import Ledger, LedgerClosedError, StorageError
from coledger.projections.lens import Scope


def public_calls() -> list[str]:
    """Every public method and property of Ledger but ``close`` and ``open``."""
    names = []
    for name in dir(Ledger):
        member = inspect.getattr_static(Ledger, name)
        if name.startswith("_") or name in {"close", "open"}:
            continue
        if isinstance(member, property) or inspect.isfunction(member):
            names.append(name)
    return names


def test_every_public_call_is_counted() -> None:
    """The calls checked below include commands, queries and reads."""
    names = public_calls()
    assert {"register_member", "members", "history", "position", "checkpoint"} <= set(
        names
    )


@pytest.mark.parametrize("name", public_calls())
def test_a_closed_ledger_refuses_every_call(ledger_url: str, name: str) -> None:
    """Whatever is asked of a closed Ledger raises LedgerClosedError; nothing is stored.

    Before, a closed in-memory ledger went on recording, a SQLite one failed
    in its key store, and a PostgreSQL one let eventsourcing's own error out.
    """
    ledger = Ledger.open(ledger_url)
    ledger.register_member("Ann")
    ledger.close()
    with pytest.raises(LedgerClosedError, match="closed") as raised:
        getattr(ledger, name)()  # a property is refused on reading it
    assert not isinstance(raised.value, StorageError)
    ledger.close()  # closing again does nothing
    if not ledger_url.startswith("memory"):
        with Ledger.open(ledger_url) as again:
            assert again.position == 1


def test_a_with_block_on_a_closed_ledger_is_refused_at_its_start(
    ledger_url: str,
) -> None:
    """``with ledger:`` after close() raises LedgerClosedError before the block runs."""
    ledger = Ledger.open(ledger_url)
    ledger.close()
    ran = False
    with pytest.raises(LedgerClosedError, match="closed"), ledger:
        ran = True
    assert not ran


def test_closing_inside_a_batch_fails_the_batch(ledger_url: str) -> None:
    """close() inside this thread's batch: the batch stores nothing, and says so.

    Before, a SQLite batch failed with the key store's "Cannot operate on a
    closed database" and an in-memory one ended as if it had been stored.
    """
    ledger = Ledger.open(ledger_url)
    ledger.register_member("Ann")
    with (  # noqa: PT012 (the close is what fails the batch)
        pytest.raises(LedgerClosedError, match="nothing was stored"),
        ledger.batch(),
    ):
        ledger.register_member("Ben")
        ledger.close()
    if not ledger_url.startswith("memory"):
        with Ledger.open(ledger_url) as again:
            assert [m.name for m in again.members()] == ["Ann"]


def test_a_history_read_on_after_closing_is_refused(ledger_url: str) -> None:
    """The next page of a history begun before close() raises LedgerClosedError."""
    ledger = Ledger.open(ledger_url)
    ledger.register_member("Ann")
    events = ledger.history()
    ledger.close()
    with pytest.raises(LedgerClosedError):
        next(events)


def test_projection_tables_stay_closed_with_their_ledger(ledger_url: str) -> None:
    """A projector kept past its Ledger's close() is refused and reconnects nothing.

    Before, the tables took their closed connection for one the server had
    dropped and opened a new one, which nothing ever closed (a worker thread
    still following when the host closed the Ledger did that on its way out).
    """
    ledger = Ledger.open(ledger_url)
    ledger.register_member("Ann")
    projector = ledger.projections()
    projector.catch_up()
    ledger.close()
    calls: list[Callable[[], object]] = [
        projector.catch_up,
        lambda: projector.read(Scope.ledger()),
    ]
    if not ledger_url.startswith("memory"):  # tables in memory hold no connection
        calls += [projector.tables.position, lambda: projector.tables.replace(2, ())]
    for call in calls:
        with pytest.raises(LedgerClosedError):
            call()
    conn = getattr(projector.tables, "_conn", None)
    if ledger_url.startswith("postgresql"):
        assert conn is not None
        assert conn.closed


def test_a_history_page_read_on_after_closing_opens_no_key(shared_url: str) -> None:
    """The rest of a page read before close() is refused where it needs a key.

    The page's records are opened as they are read: the key store's closed
    connection failed with a bare StorageError (SQLite), or was taken for one
    the server dropped and replaced by a new one that nothing closed
    (PostgreSQL), which opened the data after close().
    """
    with Ledger.open(shared_url) as writer:
        writer.register_member("Ann")
        writer.register_member("Ben")
    reader = Ledger.open(shared_url)  # no key cached yet
    events = reader.history()
    next(events)
    reader.close()
    with pytest.raises(LedgerClosedError):
        next(events)
    conn = getattr(reader._keys, "_conn", None)
    assert conn is not None
    if shared_url.startswith("postgresql"):  # not replaced by a new connection
        assert conn.closed


def test_a_history_page_read_on_after_closing_opens_no_cached_key(
    ledger_url: str,
) -> None:
    """Keys this Ledger unwrapped before close() open nothing after it.

    The rest of a page read before close() is opened as it is read on: a key
    the store had to fetch was refused, but one it had cached went on
    opening names after close(), and the closed Ledger kept every unwrapped
    key and decrypted record in memory for as long as it was referenced.
    """
    ledger = Ledger.open(ledger_url)
    ann = ledger.register_member("Ann")
    ben = ledger.register_member("Ben")
    assert ledger.member(ben).name == "Ben"  # Ben's key is cached
    events = ledger.history()
    assert next(events).event.originator_id == ann
    ledger.close()
    with pytest.raises(LedgerClosedError):
        next(events)
    assert not ledger._keys._plain
    assert not ledger._cache


def test_close_forgets_who_had_lived_experience(memory_ledger: Ledger) -> None:
    """The kept folds hold each member's declared lived experience: close drops them."""
    member = memory_ledger.register_member("Sam Example")
    memory_ledger.declare_lived_experience(member, categories=["DIS"])
    memory_ledger.projections().catch_up()
    assert memory_ledger.facts().members[member].lived_experience
    projector = memory_ledger.projections()
    memory_ledger.close()
    assert memory_ledger._facts.members == {}
    assert projector._facts.members == {}
