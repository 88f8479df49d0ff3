"""Project: a piece of work with a self-declared label, spanning phases."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import check_not_before, give_at, in_force_at
from coledger.errors import WrongStateError


class Project(LedgerAggregate):
    """A piece of work under the organisation's own label (co-production...)."""

    class Started(LedgerAggregate.Created):
        """The organisation started a project under a label."""

        name: str
        label: str
        description: str | None

        def apply(self, aggregate: Project) -> None:
            """Set the initial state."""
            aggregate.name = self.name
            aggregate.label = self.label
            aggregate.description = self.description
            aggregate.started_at = self.occurred_at
            aggregate.labels = [(self.occurred_at, self.label)]
            aggregate.finished_at = None

    class Relabelled(LedgerAggregate.Event):
        """The organisation changed how it describes the project."""

        label: str

        def apply(self, aggregate: Project) -> None:
            """Take the new label, unless it was given before the label in force.

            Labels hold from the business time they were given, as the reports
            read them: one recorded late but dated earlier gives way to the
            later one. Of two at one time, the one recorded later holds.
            """
            aggregate.label = give_at(aggregate.labels, self.occurred_at, self.label)

    class Finished(LedgerAggregate.Event):
        """The project came to an end."""

        def apply(self, aggregate: Project) -> None:
            """Mark it finished, and when."""
            aggregate.finished_at = self.occurred_at

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        name: str
        label: str
        description: str | None
        started_at: datetime
        """When the project was started (business time)."""
        labels: list[tuple[datetime, str]]
        """(business time, label) from the start and each relabelling, in time
        order (of two at one time, the one recorded later last)."""
        finished_at: datetime | None
        """When it finished (business time), once it has."""

    @classmethod
    def start(
        cls,
        record_id: UUID,
        ctx: Context,
        name: str,
        label: str,
        description: str | None,
    ) -> Project:
        """Start a new project."""
        return cls._start(
            cls.Started, record_id, ctx, name=name, label=label, description=description
        )

    def _check_after_start(self, ctx: Context, what: str) -> None:
        """Refuse *what* dated before the project started.

        The reports read a project's run from its start to its finish: a
        finish before the start would be a run that ends before it begins.
        """
        check_not_before(what, ctx.occurred_at, self.started_at, "the project started")

    @property
    def label_since(self) -> datetime:
        """When the label in force was given: the start or a relabelling."""
        return self.labels[-1][0]

    @property
    def finished(self) -> bool:
        """Whether the project has finished."""
        return self.finished_at is not None

    def label_at(self, at: datetime) -> str:
        """The label in force at business time *at* (from the start on)."""
        return in_force_at(self.labels, at)

    def relabel(self, ctx: Context, label: str) -> None:
        """Record a new label (no event when it is the label in force then).

        Refused before the start, even to the first label: none was in force.
        """
        self._check_after_start(ctx, "the new label")
        if label != self.label_at(ctx.occurred_at):
            self._record(self.Relabelled, ctx, label=label)

    def check_not_finished(self) -> None:
        """Refuse a second finish: ``finish`` records one, and the run ends there."""
        if self.finished_at is not None:
            raise WrongStateError(
                f"project {self.id} already finished at "
                f"{self.finished_at.isoformat()}; it finishes once"
            )

    def finish(self, ctx: Context) -> None:
        """Record the end of the project (no event when already finished)."""
        if not self.finished:
            self._check_after_start(ctx, "the finish")
            self._record(self.Finished, ctx)
