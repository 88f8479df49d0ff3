"""Inputs found by fuzzing the public commands: refused quickly, typed, unstored.

Hypothesis draws values of every wrong kind (and ids of the wrong kind of
record) for every argument of every public command and query, in the world of
test_input_validation: each call must succeed or raise a LedgerError, and a
refused call stores no event and no key. The explicit tests keep what the
fuzzing found.
"""

from __future__ import annotations

import inspect
import io
import json
import math
from collections.abc import Callable
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from hypothesis import given, note
from hypothesis import strategies as st

from coledger import Ledger, LedgerError, Rule
from coledger.domain import values as v
from coledger.errors import NotAMemberError
from coledger.integrity import SigningKey
from coledger.privacy.keys import MemoryKeyStore
from coledger.projections.thresholds import Thresholds
from coledger.reports import render, suppress
from command_world import COMMANDS, World, build
from helpers import count_events, refused

ODD_CHARACTERS = [
    *("\x00", "\x1b", "\x7f", "\u0300", "\u200b", "\u200f", "\u202e", "\u2066"),
    *("\u2028", "\ufeff", "\ufffd", "\ud800", "\udcff", "\U0010ffff", "\U0001f600"),
]
odd_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=12),
    st.text(st.sampled_from(ODD_CHARACTERS), min_size=1, max_size=6),
    st.sampled_from(["", " ", "\t", "x" * (v.MAX_TEXT + 1), "a\u0300" * 5, "DIS"]),
)
"""Text with surrogates, NUL, bidi marks, combining characters, and overlong."""

DAY_LESS = timedelta(days=1, seconds=-1)
"""The widest offset a timezone may have."""
moments = st.one_of(
    st.datetimes(),  # naive
    st.datetimes(timezones=st.timezones()),
    st.datetimes(
        timezones=st.sampled_from(
            [
                UTC,
                timezone(timedelta(hours=23, minutes=59)),
                timezone(-timedelta(1, -1)),
            ]
        )
    ),
    st.dates(),
)
"""Naive and aware datetimes across every year datetime holds, and dates."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**200),
    st.integers(min_value=-(2**200), max_value=-1),
    st.floats(),
    st.decimals(),
    st.fractions(),
    st.binary(max_size=17),
    st.uuids(),
    odd_text,
    moments,
    st.sampled_from([math.inf, math.nan, Decimal("sNaN"), object(), str, Ellipsis]),
)
wrong_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.frozensets(st.uuids(), max_size=3),
        st.dictionaries(st.text(max_size=3), inner, max_size=2),
    ),
    max_leaves=6,
)
"""Values of every kind a caller might pass by mistake."""

SIGNING_KEY = SigningKey.generate("example.org/ledger")
"""The key the queries that need a checkpoint sign one with."""

RECORDS = [field for field in World.__dataclass_fields__ if field != "ledger"]


def stored(ledger: Ledger) -> tuple[int, dict[str, Any]]:
    """How many events, and which keys, the in-memory ledger holds."""
    keys = ledger._keys
    assert isinstance(keys, MemoryKeyStore)
    return count_events(ledger), dict(keys._rows)


def drawn_value(data: st.DataObject, world: World) -> object:
    """A wrong value, or an id (or list of ids) of some record of the world."""
    record = st.sampled_from(RECORDS).map(lambda name: getattr(world, name))
    return data.draw(
        st.one_of(wrong_values, record, st.lists(record, min_size=1, max_size=3)),
        label="value",
    )


def refused_or_done(world: World, call: Callable[[], object]) -> None:
    """Run *call*: it succeeds, or raises a LedgerError having stored nothing."""
    before = stored(world.ledger)
    try:
        call()
    except LedgerError as error:
        note(f"refused: {type(error).__name__}: {error}")
        assert stored(world.ledger) == before, "a refused call stored something"


@given(data=st.data())
def test_any_argument_of_any_command_is_done_or_refused(data: st.DataObject) -> None:
    """One argument of one command set to anything: done, or a LedgerError."""
    command = data.draw(st.sampled_from(COMMANDS), label="command")
    names = [
        name
        for name in inspect.signature(getattr(Ledger, command.name)).parameters
        if name != "self"
    ]
    name = data.draw(st.sampled_from(names), label="argument")
    with Ledger.open("memory://") as ledger:
        world = build(ledger)
        value = drawn_value(data, world)
        refused_or_done(world, lambda: command(world, **{name: value}))


QUERIES: dict[str, Callable[[Ledger, object], object]] = {
    "member": lambda led, x: led.member(x),  # type: ignore[arg-type]
    "body": lambda led, x: led.body(x),  # type: ignore[arg-type]
    "project": lambda led, x: led.project(x),  # type: ignore[arg-type]
    "meeting": lambda led, x: led.meeting(x),  # type: ignore[arg-type]
    "proposal": lambda led, x: led.proposal(x),  # type: ignore[arg-type]
    "adjustment": lambda led, x: led.adjustment(x),  # type: ignore[arg-type]
    "tally": lambda led, x: led.tally(x),  # type: ignore[arg-type]
    "unmet_adjustments": lambda led, x: led.unmet_adjustments(x),  # type: ignore[arg-type]
    "find_by_source_ref": lambda led, x: led.find_by_source_ref(x),  # type: ignore[arg-type]
    "subject_access": lambda led, x: led.subject_access(x),  # type: ignore[arg-type]
    "facts(as_of)": lambda led, x: led.facts(as_of=x),  # type: ignore[arg-type]
    "history(after)": lambda led, x: list(led.history(after=x)),  # type: ignore[arg-type]
    "history(until)": lambda led, x: list(led.history(until=x)),  # type: ignore[arg-type]
    "power_sharing(body)": lambda led, x: led.power_sharing(body=x),  # type: ignore[arg-type]
    "power_sharing(project)": lambda led, x: led.power_sharing(project=x),  # type: ignore[arg-type]
    "power_sharing(since)": lambda led, x: led.power_sharing(since=x),  # type: ignore[arg-type]
    "power_sharing(until)": lambda led, x: led.power_sharing(until=x),  # type: ignore[arg-type]
    "power_sharing(as_of)": lambda led, x: led.power_sharing(as_of=x),  # type: ignore[arg-type]
    "power_sharing(thresholds)": lambda led, x: led.power_sharing(thresholds=x),  # type: ignore[arg-type]
    "projections": lambda led, x: led.projections(x),  # type: ignore[arg-type]
    "prove_ballot(checkpoint)": lambda led, x: led.prove_ballot(
        led.proposals()[-1].id,
        led.members()[1].id,
        x,  # type: ignore[arg-type]
    ),
    "prove_ballot(proposal)": lambda led, x: led.prove_ballot(
        x,  # type: ignore[arg-type]
        led.members()[1].id,
        led.checkpoint(SIGNING_KEY).note,
    ),
    "prove_ballot(voter)": lambda led, x: led.prove_ballot(
        led.proposals()[-1].id,
        x,  # type: ignore[arg-type]
        led.checkpoint(SIGNING_KEY).note,
    ),
    "fold_events(after)": lambda led, x: list(led.fold_events(after=x)),  # type: ignore[arg-type]
    "fold_events(until)": lambda led, x: list(led.fold_events(until=x)),  # type: ignore[arg-type]
    "fold_states(after)": lambda led, x: list(led.fold_states(after=x)),  # type: ignore[arg-type]
    "fold_states(until)": lambda led, x: list(led.fold_states(until=x)),  # type: ignore[arg-type]
    "tree_size(as_of)": lambda led, x: led.tree_size(as_of=x),  # type: ignore[arg-type]
    "power_sharing(catch_up)": lambda led, x: led.power_sharing(
        materialised=True,
        catch_up=x,  # type: ignore[arg-type]
    ),
    "catch_up(at_least)": lambda led, x: led.projections().catch_up(at_least=x),  # type: ignore[arg-type]
    "read(scope)": lambda led, x: led.projections().read(x),  # type: ignore[arg-type]
    "verify(verifier)": lambda led, x: led.verify(x),  # type: ignore[arg-type]
    "verify(checkpoints)": lambda led, x: led.verify(SIGNING_KEY.verifier, x),  # type: ignore[arg-type]
    "render(audience)": lambda led, x: render(led.power_sharing(), audience=x),  # type: ignore[arg-type]
    "render(format)": lambda led, x: render(led.power_sharing(), format=x),  # type: ignore[arg-type]
    "render(names)": lambda led, x: render(led.power_sharing(), names=x),  # type: ignore[arg-type]
    "render(organisation)": lambda led, x: render(
        led.power_sharing(),
        organisation=x,  # type: ignore[arg-type]
    ),
    "render(group)": lambda led, x: render(
        led.power_sharing(),
        audience="members",
        group=x,  # type: ignore[arg-type]
    ),
    "render(thresholds)": lambda led, x: render(led.power_sharing(), thresholds=x),  # type: ignore[arg-type]
    "suppress(thresholds)": lambda led, x: suppress(led.power_sharing(), x),  # type: ignore[arg-type]
    "SafeReport.to_json(audience)": lambda led, x: suppress(
        led.power_sharing()
    ).to_json(x),  # type: ignore[arg-type]
    "import_events": lambda led, x: led.import_events(x),  # type: ignore[arg-type]
    "Rule.majority": lambda _, x: Rule.majority(quorum=x),  # type: ignore[arg-type]
    "Rule.supermajority": lambda _, x: Rule.supermajority(x),  # type: ignore[arg-type]
    "Rule(lived_experience_quorum)": lambda _, x: Rule.consent(
        lived_experience_quorum=x,  # type: ignore[arg-type]
    ),
    "Thresholds(small_cell)": lambda _, x: Thresholds(small_cell=x),  # type: ignore[arg-type]
    "Thresholds(token_seat)": lambda _, x: Thresholds(token_seat=x),
    "Thresholds(baseline)": lambda _, x: Thresholds(baseline=x),
}


@given(data=st.data())
def test_any_argument_of_any_query_is_answered_or_refused(
    data: st.DataObject,
) -> None:
    """A query, rule or threshold given anything: an answer, or a LedgerError."""
    name = data.draw(st.sampled_from(sorted(QUERIES)), label="query")
    with Ledger.open("memory://") as ledger:
        world = build(ledger)
        value = drawn_value(data, world)
        refused_or_done(world, lambda: QUERIES[name](ledger, value))


def export_of(world: World) -> list[str]:
    """The world's export, line by line."""
    out = io.StringIO()
    world.ledger.export(out)
    return out.getvalue().splitlines()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | odd_text
    | st.uuids().map(str)
    | moments.map(lambda m: m.isoformat()),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(data=st.data())
def test_an_export_with_one_value_changed_imports_or_is_refused(
    data: st.DataObject,
) -> None:
    """One field of one exported event set to any JSON: imported whole, or refused.

    What an import accepts must then read back: the report, the views and a
    subject access request work on it.
    """
    with Ledger.open("memory://") as source:
        lines = export_of(build(source))
    index = data.draw(st.integers(1, len(lines) - 1), label="line")
    row = json.loads(lines[index])
    state = row["state"]
    field = data.draw(st.sampled_from([*sorted(state), "extra"]), label="field")
    state[field] = data.draw(JSON_VALUES, label="new value")
    try:
        lines[index] = json.dumps(row, ensure_ascii=False)
    except UnicodeEncodeError:
        return  # no file can hold a lone surrogate as UTF-8
    with Ledger.open("memory://") as ledger:
        try:
            ledger.import_events(lines)
        except LedgerError as error:
            note(f"refused: {error}")
            assert ledger.position == 0
            return
        ledger.power_sharing().to_json()
        for member in ledger.members():
            ledger.subject_access(member.id)
        for proposal in ledger.proposals():
            ledger.tally(proposal.id)
        assert export_of_ledger(ledger)


def export_of_ledger(ledger: Ledger) -> list[str]:
    """A ledger's export, line by line."""
    out = io.StringIO()
    ledger.export(out)
    return out.getvalue().splitlines()


class CountedId(UUID):
    """A UUID that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        CountedId.compared += 1
        return super().__eq__(other)

    __hash__ = UUID.__hash__


def test_a_long_list_of_distinct_ids_is_checked_without_comparing_every_pair() -> None:
    """Checking n distinct ids compares them far fewer than n times, not n*n/2.

    Compared pairwise, 50,000 ids took over two minutes before a command
    could refuse them.
    """
    ids = [CountedId(int=uuid4().int) for _ in range(2_000)]
    CountedId.compared = 0
    assert v.check_ids("proposers", [*ids, ids[0]]) == tuple(ids)
    assert CountedId.compared < len(ids)


def test_a_long_list_of_unknown_proposers_is_refused_and_stores_nothing(
    memory_ledger: Ledger,
) -> None:
    """Fifty thousand unknown proposers are refused, and nothing is written."""
    admin = memory_ledger.register_member("Admin", role="staff")
    board = memory_ledger.establish_body("Board", kind="governance", by=admin)
    many = [uuid4() for _ in range(50_000)]
    with refused(memory_ledger, NotAMemberError):
        memory_ledger.raise_proposal(board, proposers=many, title="T", text="x")
