"""An in-process index of the ledger: ids by kind, source references, supporters' acts.

It also keeps the latest raising of a proposal at each meeting.

It follows the notification log by pulling from the last position it saw, so
records written by other processes appear on the next refresh. Nothing here is
a source of truth: it is rebuilt from the events whenever a ledger opens, and
whenever the log no longer holds, at that position, the event it folded there
(the database was restored from an older copy, and other events took its place).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from uuid import UUID

from eventsourcing.utils import get_topic

from coledger.domain import AGGREGATES, LedgerAggregate, Proposal
from coledger.domain.timeorder import latest_from

if TYPE_CHECKING:
    from eventsourcing.application import Application
    from eventsourcing.persistence import Notification

PAGE = 1000
_NO_SOURCE_REF = b'"source_ref":null'
_NO_SUPPORTER = b'"supporter":null'
_NO_MEETING = b'"meeting":null'
_RAISED = get_topic(Proposal.Raised)
_ACTS = frozenset({get_topic(Proposal.Commented), get_topic(Proposal.BallotCast)})
"""The topics of the acts a supporter may do with a member."""


class Act(NamedTuple):
    """An act a supporter did with a member: when, what, and on which proposal."""

    at: datetime
    what: str
    proposal: UUID

    def __str__(self) -> str:
        return f"the {self.what} on proposal {self.proposal} made through them"


def act_of(event: object) -> tuple[UUID, UUID, Act] | None:
    """(member, supporter, act) for a comment or ballot through a supporter, if one."""
    supporter = getattr(event, "supporter", None)
    if supporter is None:
        return None
    proposal = event.originator_id  # type: ignore[attr-defined]
    if isinstance(event, Proposal.Commented):
        return event.author, supporter, Act(event.occurred_at, "comment", proposal)
    if isinstance(event, Proposal.BallotCast):
        return event.voter, supporter, Act(event.occurred_at, "ballot", proposal)
    return None


def later(act: Act | None, other: Act) -> Act:
    """The later of two acts (*act* may be None); of two at one time, *act*."""
    return other if act is None or other.at > act.at else act


def _stored(notification: Notification) -> tuple[object, ...]:
    """An event as stored at its position: enough to tell it from any other."""
    return (
        notification.id,
        notification.originator_id,
        notification.originator_version,
        notification.topic,
        notification.state,
    )


def _created_topics() -> dict[str, type[LedgerAggregate]]:
    topics: dict[str, type[LedgerAggregate]] = {}
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, LedgerAggregate.Created):
                topics[get_topic(value)] = aggregate
    return topics


class Catalogue:
    """Ids of records by class, the id behind each source ref, supporters' acts."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._created = _created_topics()
        self._forget()

    def _forget(self) -> None:
        """Hold nothing, as before the first refresh."""
        self._position = 0
        self._last: tuple[object, ...] | None = None
        """The event folded at ``_position``, as stored (None before any)."""
        self._ids: dict[type[LedgerAggregate], list[UUID]] = {a: [] for a in AGGREGATES}
        self._source_refs: dict[str, UUID] = {}
        self._acts: dict[tuple[UUID, UUID], Act] = {}
        self._raised_at: dict[UUID, datetime] = {}  # by meeting, the latest raising

    @property
    def position(self) -> int:
        """The last notification id folded in."""
        return self._position

    def refresh(self) -> None:
        """Fold in everything recorded since the last refresh.

        The page read from the last position begins with the event folded
        there: a log that holds another one there, or none, is no longer the
        one folded (a restore), and everything is folded again from the start.
        """
        with self._lock:
            recorder = self._app.recorder
            while True:
                kept = self._last
                page = recorder.select_notifications(
                    start=self._position,
                    limit=PAGE + (kept is not None),
                    inclusive_of_start=kept is not None,
                )
                if kept is not None:
                    if not page or _stored(page[0]) != kept:
                        self._forget()
                        continue
                    page = page[1:]
                for notification in page:
                    # Decoded first: one that fails (a locked key store) is read
                    # again next time, so nothing of it may be kept before. A
                    # state that is not bytes (SQLite's text, or null) is
                    # decoded too: the mapper reads text and refuses null.
                    if (
                        type(notification.state) is not bytes
                        or _NO_SOURCE_REF not in notification.state
                        or (
                            notification.topic in _ACTS
                            and _NO_SUPPORTER not in notification.state
                        )
                        or (
                            notification.topic == _RAISED
                            and _NO_MEETING not in notification.state
                        )
                    ):
                        self._fold(self._app.mapper.to_domain_event(notification))
                    kind = self._created.get(notification.topic)
                    if kind is not None:
                        self._ids[kind].append(UUID(str(notification.originator_id)))
                    self._position = notification.id
                    self._last = _stored(notification)
                if len(page) < PAGE:
                    return

    def _fold(self, event: object) -> None:
        """Note the event's source ref, a supporter's act, a raising at a meeting."""
        ref = getattr(event, "source_ref", None)
        if ref is not None:
            self._source_refs.setdefault(ref, event.recorded_id)  # type: ignore[attr-defined]
        acted = act_of(event)
        if acted is not None:
            member, supporter, act = acted
            key = (member, supporter)
            self._acts[key] = later(self._acts.get(key), act)
        if isinstance(event, Proposal.Raised) and event.meeting is not None:
            self._raised_at[event.meeting] = latest_from(
                event.occurred_at, self._raised_at.get(event.meeting)
            )

    def ids(self, kind: type[LedgerAggregate]) -> Iterator[UUID]:
        """Ids of every record of *kind*, in the order they were created."""
        self.refresh()
        with self._lock:  # not part of a fold begun again in another thread
            return iter(list(self._ids[kind]))

    def find(self, source_ref: str) -> UUID | None:
        """The id recorded with *source_ref*, if any."""
        return self.find_at(source_ref)[0]

    def find_at(self, source_ref: str) -> tuple[UUID | None, int]:
        """The id recorded with *source_ref*, and the position that answer holds at.

        Read together, so that a writer can insist that no event carrying the
        reference was stored after that position.
        """
        self.refresh()
        with self._lock:
            return self._source_refs.get(source_ref), self._position

    def latest_act(self, member: UUID, supporter: UUID) -> tuple[Act | None, int]:
        """The latest act through *supporter* with *member*, by business time.

        With the position that answer holds at, read together.
        """
        self.refresh()
        with self._lock:
            return self._acts.get((member, supporter)), self._position

    def latest_raising(self, meeting: UUID) -> tuple[datetime | None, int]:
        """The latest business time a proposal was raised at *meeting*, if any.

        With the position that answer holds at, read together.
        """
        self.refresh()
        with self._lock:
            return self._raised_at.get(meeting), self._position
