"""The projector's public methods refuse arguments they cannot use, changing nothing."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from coledger import Ledger
from coledger.errors import InvalidInputError
from coledger.projections.lens import Scope
from coledger.projections.materialise import SHORTEST_POLL


@pytest.mark.parametrize(
    "scope",
    [None, "ledger", ("body", uuid.uuid4()), Scope("body", None), Scope("weird")],
)
def test_read_refuses_what_is_not_a_scope(memory_ledger: Ledger, scope: Any) -> None:
    """read() takes Scope.ledger(), Scope.body(id) or Scope.project(id) only."""
    with pytest.raises(InvalidInputError, match="scope must be"):
        memory_ledger.projections().read(scope)


@pytest.mark.parametrize("at_least", ["3", -1, 1.5, True])
def test_catch_up_refuses_what_is_not_a_position(
    memory_ledger: Ledger, at_least: Any
) -> None:
    """catch_up(at_least=) is a recorded position or None; the tables stay put."""
    memory_ledger.register_member("Ana Example")
    projector = memory_ledger.projections()
    with pytest.raises(InvalidInputError, match="at_least"):
        projector.catch_up(at_least=at_least)
    assert projector.tables.position() == 0


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        ({"stop": None}, "stop must be"),
        ({"poll": "1"}, "poll must be"),
        ({"poll": 0}, "poll must be"),
        ({"poll": 1e-9}, "poll must be"),
        ({"poll": 0.001}, "poll must be"),
        ({"poll": float("nan")}, "poll must be"),
        ({"poll": 3601}, "poll must be"),
        ({"on_batch": "print"}, "on_batch must be"),
        ({"on_error": 5}, "on_error must be"),
    ],
)
def test_follow_refuses_its_arguments_before_catching_up(
    memory_ledger: Ledger, arguments: dict[str, Any], says: str
) -> None:
    """follow() checks every argument first: a refusal catches nothing up."""
    memory_ledger.register_member("Ana Example")
    projector = memory_ledger.projections()
    given: dict[str, Any] = {"stop": threading.Event(), **arguments}
    stop = given.pop("stop")
    with pytest.raises(InvalidInputError, match=says):
        projector.follow(stop, **given)
    assert projector.tables.position() == 0


def test_a_worker_at_its_shortest_poll_does_not_spin(memory_ledger: Ledger) -> None:
    """The shortest poll follow() takes looks for new events at most 100 times a second.

    A poll of a nanosecond was taken, and ran about 2,500 catch-ups a second
    on SQLite (1,200 queries a second on PostgreSQL): the spin that refusing
    0 is meant to prevent.
    """
    memory_ledger.register_member("Ana Example")
    projector = memory_ledger.projections()
    rounds: list[int] = []
    real = projector.catch_up

    def counted(**kwargs: Any) -> int:
        rounds.append(1)
        return real(**kwargs)

    projector.catch_up = counted  # type: ignore[method-assign]
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    try:
        projector.follow(stop, poll=SHORTEST_POLL)
    finally:
        timer.cancel()
    assert 1 <= len(rounds) <= 0.5 / 0.01 + 5
