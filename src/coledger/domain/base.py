"""The base every coledger aggregate and event builds on."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from uuid import UUID

import attrs
from eventsourcing.domain import Aggregate


@attrs.frozen
class Context:
    """Who acted, when it happened in business time, and where the record came from."""

    actor: UUID | None
    occurred_at: datetime
    source_ref: str | None = None

    def fields(self) -> dict[str, Any]:
        """The context as event keyword arguments."""
        return {
            "actor": self.actor,
            "occurred_at": self.occurred_at,
            "source_ref": self.source_ref,
        }


class LedgerAggregate(Aggregate):
    """An aggregate whose every event names its actor, business time and source."""

    class Event(Aggregate.Event):
        """Something that happened, recorded with who did it and when."""

        actor: UUID | None
        occurred_at: datetime
        source_ref: str | None

        @property
        def recorded_id(self) -> UUID:
            """The id a command that recorded this event returned to its caller."""
            return self.originator_id

    class Created(Event, Aggregate.Created):
        """The first event of an aggregate."""

    @classmethod
    def _start(
        cls,
        event_class: type[Aggregate.Created],
        record_id: UUID,
        ctx: Context,
        **kw: Any,
    ) -> Self:
        return cls._create(event_class, id=record_id, **ctx.fields(), **kw)

    def _record(
        self, event_class: type[Aggregate.Event], ctx: Context, **kw: Any
    ) -> None:
        self.trigger_event(event_class, **ctx.fields(), **kw)
