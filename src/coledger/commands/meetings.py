"""Commands about projects and meetings: papers, attendance, check-ins, cancelling."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

import attrs

from coledger import errors
from coledger._core import LedgerCore, commands
from coledger.domain import (
    Meeting,
    Project,
)
from coledger.domain import values as v
from coledger.domain.timeorder import latest_from


@commands
class MeetingCommands(LedgerCore):
    """Commands about projects and meetings."""

    def start_project(
        self,
        name: str,
        *,
        label: str,
        by: UUID,
        description: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Start a piece of work under the organisation's own label; returns its id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        v.check_code("label", label, v.PROJECT_LABELS)
        v.check_optional_text("description", description)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            project = Project.start(uuid4(), ctx, name, label, description)
            self._save(project)
            return project.id

        return self._transact(command)

    def relabel_project(
        self,
        project: UUID,
        label: str,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a new self-declared label for a project."""
        v.check_code("label", label, v.PROJECT_LABELS)

        def command() -> None:
            actor = self._actor(by)
            record = self._get(project, Project, errors.UnknownProjectError)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.label_since
            )
            record.relabel(ctx, label)
            self._save(record)

        self._transact(command)

    def finish_project(
        self,
        project: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a project came to an end.

        Finishing a finished project again records nothing, unless given
        another time than its finish: that is refused, not dropped.
        """

        def command() -> None:
            actor = self._actor(by)
            record = self._get(project, Project, errors.UnknownProjectError)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.started_at
            )
            ended = record.finished_at
            if (
                occurred_at is not None
                and ended is not None
                and ended != ctx.occurred_at
            ):
                raise errors.WrongStateError(
                    f"the project finished at {ended.isoformat()}; "
                    f"it cannot finish again at {ctx.occurred_at.isoformat()}"
                )
            record.finish(ctx)
            self._save(record)

        self._transact(command)

    def schedule_meeting(
        self,
        body: UUID,
        *,
        kind: str,
        title: str,
        starts_at: datetime,
        by: UUID,
        project: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Call a meeting of a body; returns its id."""
        v.check_code("kind", kind, v.MEETING_KINDS)
        v.check_text("title", title, limit=v.MAX_TITLE, one_line=True)
        starts_at = v.check_aware("starts_at", starts_at)

        def command() -> UUID:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            self._body(body)
            self._optional(project, Project, errors.UnknownProjectError)
            meeting = Meeting.schedule(
                uuid4(),
                ctx,
                body=body,
                kind=kind,
                title=title,
                starts_at=starts_at,
                project=project,
            )
            self._save(meeting)
            return meeting.id

        return self._transact(command)

    def issue_papers(
        self,
        meeting: UUID,
        *,
        formats: Iterable[str] = ("STD",),
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a meeting's papers went out, in each of *formats*."""
        given = v.check_code_list("formats", formats, v.FORMATS)
        chosen = tuple(
            dict.fromkeys(v.check_code("format", f, v.FORMATS) for f in given)
        )
        if not chosen:
            raise errors.InvalidInputError("formats must name at least one format")

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._meeting(meeting)
            for fmt in chosen:
                record.issue_papers(ctx, fmt)
                # the reference names the meeting once, on its first event
                ctx = attrs.evolve(ctx, source_ref=None)
            self._save(record)

        self._transact(command)

    def record_attendance(
        self,
        meeting: UUID,
        member: UUID,
        *,
        mode: str = "in_person",
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a member took part in a meeting, and how.

        Nobody takes part before a meeting starts, so a time before its start
        is refused (TimeOrderError); left out, it is now, or the start if
        that is later (a member checked in at the door before it began).
        """
        v.check_code("mode", mode, v.ATTENDANCE_MODES)

        def command() -> None:
            actor = self._actor(by)
            attendee = self._member(member)
            record = self._meeting(meeting)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=record.starts_at)
            record.record_attendance(ctx, attendee.id, mode)
            self._save(record)

        self._transact(command)

    def hold_check_in(
        self,
        meeting: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a wellbeing check-in was held (never what was said)."""

        def command() -> None:
            ctx = self._ctx(self._actor(by), occurred_at, source_ref)
            record = self._meeting(meeting)
            record.hold_check_in(ctx)
            self._save(record)

        self._transact(command)

    def cancel_meeting(
        self,
        meeting: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a meeting was called off, unless its record shows it took place.

        Attendance, a check-in or a vote opened at it shows it took place: that
        is refused (WrongStateError), as is calling it off twice
        (MeetingCancelledError). The time may be any from its latest step on
        (its calling, papers, a request for it or the raising of a proposal
        at it, which may come before its start; TimeOrderError before):
        before the meeting, on the day, or later. Afterwards the meeting takes
        no papers, attendance, check-ins, proposals or requests, and the
        figures leave it out; a proposal raised at it before can still be
        voted on, from the cancellation on. To reschedule, cancel it and call
        a new one.
        """

        def command() -> None:
            actor = self._actor(by)
            record = self._meeting(meeting)
            raised = self._latest_raising(record.id)
            ctx = self._ctx(
                actor,
                occurred_at,
                source_ref,
                not_before=latest_from(record.last_step_at, raised),
            )
            record.cancel(ctx, last_raised=raised)
            self._save(record)

        self._transact(command)
