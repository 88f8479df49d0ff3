"""An in-process index of the ledger: ids by kind, and source references.

It follows the notification log by pulling from the last position it saw, so
records written by other processes appear on the next refresh. Nothing here is
a source of truth: it is rebuilt from the events whenever a ledger opens.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.utils import get_topic

from coledger.domain import AGGREGATES, LedgerAggregate

if TYPE_CHECKING:
    from eventsourcing.application import Application

PAGE = 1000
_NO_SOURCE_REF = b'"source_ref":null'


def _created_topics() -> dict[str, type[LedgerAggregate]]:
    topics: dict[str, type[LedgerAggregate]] = {}
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            if isinstance(value, type) and issubclass(value, LedgerAggregate.Created):
                topics[get_topic(value)] = aggregate
    return topics


class Catalogue:
    """Ids of every record by aggregate class, and the id behind each source ref."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._position = 0
        self._created = _created_topics()
        self._ids: dict[type[LedgerAggregate], list[UUID]] = {a: [] for a in AGGREGATES}
        self._source_refs: dict[str, UUID] = {}

    @property
    def position(self) -> int:
        """The last notification id folded in."""
        return self._position

    def refresh(self) -> None:
        """Fold in everything recorded since the last refresh."""
        with self._lock:
            recorder = self._app.recorder
            while True:
                page = recorder.select_notifications(
                    start=self._position, limit=PAGE, inclusive_of_start=False
                )
                for notification in page:
                    kind = self._created.get(notification.topic)
                    if kind is not None:
                        self._ids[kind].append(UUID(str(notification.originator_id)))
                    if _NO_SOURCE_REF not in notification.state:
                        event = self._app.mapper.to_domain_event(notification)
                        ref = getattr(event, "source_ref", None)
                        if ref is not None:
                            self._source_refs.setdefault(ref, event.recorded_id)  # type: ignore[attr-defined]
                    self._position = notification.id
                if len(page) < PAGE:
                    return

    def ids(self, kind: type[LedgerAggregate]) -> Iterator[UUID]:
        """Ids of every record of *kind*, in the order they were created."""
        self.refresh()
        return iter(list(self._ids[kind]))

    def find(self, source_ref: str) -> UUID | None:
        """The id recorded with *source_ref*, if any."""
        self.refresh()
        return self._source_refs.get(source_ref)
