"""The fold's fast path (stored states) against decoded events, at every position."""

from __future__ import annotations

import contextlib
import copy
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, LedgerError
from coledger.projections.facts import Facts
from history_builder import START, WideBuilder

ZONES = [
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(-timedelta(hours=7)),
]


class FoldBuilder(WideBuilder):
    """``WideBuilder`` with late-recorded and back-dated steps, other zones and batches.

    Declarations, withdrawals and erasures may be dated back (refused where
    the domain refuses them), times carry microseconds and offsets other
    than UTC, and some steps run several at a time in a batch (a failed
    batch stores nothing, and the builder forgets what it made in it).
    """

    def when(self) -> datetime:
        """The next business time, to the microsecond, in a drawn zone."""
        at = super().when()
        data = self._data
        if data is None:
            return at
        micro = data.draw(st.integers(min_value=0, max_value=999_999))
        return (at + timedelta(microseconds=micro)).astimezone(
            data.draw(st.sampled_from(ZONES))
        )

    def setup(self, data: st.DataObject) -> None:
        """Members seated on a body, a project and a proposal, for votes to reach."""
        self._data = data
        for _ in range(4):
            self.member(data)
        self.body(data)
        self.project(data)
        for member in self.members:
            self.ledger.assign_seat(
                self.bodies[0],
                member,
                seat="voting",
                by=self.members[0],
                occurred_at=self.when(),
            )
        self.propose(data)

    def earlier(self, data: st.DataObject) -> datetime:
        """A business time dated back to some hour since the start."""
        hours = data.draw(st.integers(min_value=0, max_value=int(self.day * 24) + 1))
        return (START + timedelta(hours=hours)).astimezone(
            data.draw(st.sampled_from(ZONES))
        )

    def step(self, data: st.DataObject) -> None:
        """A step of ``WideBuilder``, or a late-recorded one, or a batch of steps."""
        self._data = data
        if self.members and data.draw(st.integers(min_value=0, max_value=4)) == 0:
            late = [self.late_declare, self.late_shred, self.batch]
            action = data.draw(st.sampled_from(late))
            with contextlib.suppress(LedgerError):
                action(data)
            return
        super().step(data)

    def late_declare(self, data: st.DataObject) -> None:
        """A declaration recorded now but dated back, perhaps after a withdrawal."""
        member = self.pick(data, self.members)
        if self.ledger.member(member).consent is not None and data.draw(st.booleans()):
            self.ledger.withdraw_lived_experience(member, occurred_at=self.when())
        categories = data.draw(
            st.sampled_from([["DIS"], ["CARER", "LTHC"], ["NONE"], ["PREFER_NOT"]])
        )
        self.ledger.declare_lived_experience(
            member, categories=categories, occurred_at=self.earlier(data)
        )

    def late_shred(self, data: st.DataObject) -> None:
        """A withdrawal or an erasure recorded now but dated back."""
        if len(self.members) < 2:
            return
        member = data.draw(st.sampled_from(self.members[1:]))
        if data.draw(st.integers(min_value=0, max_value=3)):
            self.ledger.withdraw_lived_experience(
                member, occurred_at=self.earlier(data)
            )
        else:
            self.ledger.erase_member(
                member, by=self.members[0], occurred_at=self.earlier(data)
            )

    def batch(self, data: st.DataObject) -> None:
        """A few steps stored together (or, if one is refused, none of them)."""
        kept = {
            k: copy.copy(v) for k, v in vars(self).items() if isinstance(v, list | dict)
        }
        try:
            with self.ledger.batch():
                for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
                    super().step(data)
        except LedgerError:
            vars(self).update(kept)
            raise


@contextlib.contextmanager
def opened(backend: str) -> Iterator[Ledger]:
    """A fresh ledger on *backend*, in a folder of its own for SQLite."""
    if backend == "memory":
        with Ledger.open("memory://") as ledger:
            yield ledger
        return
    with (
        tempfile.TemporaryDirectory() as folder,
        Ledger.open(f"sqlite:///{Path(folder) / 'ledger.db'}") as ledger,
    ):
        yield ledger


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@given(data=st.data())
def test_stored_states_fold_as_decoded_events_do_at_every_position(
    backend: str, data: st.DataObject
) -> None:
    """At every as-of position, facts from stored states equal those from events."""
    with opened(backend) as ledger:
        builder = FoldBuilder(ledger)
        builder.setup(data)
        for _ in range(data.draw(st.integers(min_value=5, max_value=40))):
            if data.draw(st.integers(min_value=0, max_value=9)) == 0:
                builder.same_day = not builder.same_day
            if data.draw(st.integers(min_value=0, max_value=4)) == 0:
                ledger.facts()  # kept, and extended by the next call
            builder.step(data)
        kept = ledger.facts()
        positions = [0, *(r.position for r in ledger.history())]
        for until in positions:
            fast = Facts().apply_states(ledger.fold_states(until=until))
            lean = Facts().apply_all(ledger.fold_events(until=until))
            whole = Facts().apply_all(
                (r.position, r.event) for r in ledger.history(until=until)
            )
            as_of = ledger.facts(as_of=until)
            assert fast == lean == whole == as_of
            # Equal times in other zones, lists for tuples: repr tells them apart.
            assert repr(fast) == repr(lean) == repr(whole) == repr(as_of)
        assert kept == fast
        assert repr(kept) == repr(fast)
