"""Commands about proposals: raising, amending, comments, feedback, withdrawal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

from coledger import errors
from coledger._core import LedgerCore, commands
from coledger.domain import (
    Meeting,
    Project,
    Proposal,
)
from coledger.domain import values as v
from coledger.domain.timeorder import latest, latest_from


@commands
class ProposalCommands(LedgerCore):
    """Commands about proposals."""

    def raise_proposal(
        self,
        body: UUID,
        *,
        proposers: Iterable[UUID],
        title: str,
        text: str,
        project: UUID | None = None,
        phase: str | None = None,
        meeting: UUID | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Put a proposal to a body and return its id; ``by`` is the first proposer."""
        v.check_text("title", title, limit=v.MAX_TITLE, one_line=True)
        v.check_text("text", text)
        if phase is not None:
            v.check_code("phase", phase, v.PHASES)
        proposers = v.check_ids("proposers", proposers)  # once: a retry reuses them

        def command() -> UUID:
            names = self._members("proposers", proposers)
            if not names:
                raise errors.InvalidInputError("a proposal needs at least one proposer")
            actor = names[0] if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            self._body(body)
            self._optional(project, Project, errors.UnknownProjectError)
            held_at = self._optional(meeting, Meeting, errors.UnknownMeetingError)
            if held_at is not None and held_at.body != body:
                raise errors.InvalidInputError(
                    f"meeting {meeting} is a meeting of another body"
                )
            if held_at is not None:
                held_at.check_not_cancelled("proposals")
            proposal = Proposal.raise_(
                uuid4(),
                ctx,
                body=body,
                proposers=names,
                title=title,
                text=text,
                project=project,
                phase=phase,
                meeting=meeting,
            )
            self._save(proposal)
            return proposal.id

        return self._transact(command)

    def amend_proposal(
        self,
        proposal: UUID,
        *,
        by: UUID,
        title: str | None = None,
        text: str | None = None,
        takes_up: Iterable[UUID] = (),
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Reword a proposal before voting, naming the comments it takes up."""
        v.check_optional_text("title", title, limit=v.MAX_TITLE, one_line=True)
        v.check_optional_text("text", text)
        comments = v.check_ids("takes_up", takes_up)

        def command() -> None:
            actor = self._actor(by)
            record = self._proposal(proposal)
            follows = latest(record.last_step_at, record.latest_comment_at(comments))
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=follows)
            record.amend(
                ctx,
                title=record.title if title is None else title,
                text=record.text if text is None else text,
                takes_up=comments,
            )
            self._save(record)

        self._transact(command)

    def comment(
        self,
        proposal: UUID,
        *,
        author: UUID,
        text: str,
        channel: str = "meeting",
        supporter: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record a comment on a proposal; returns the comment id.

        With ``supporter=``, the comment was made through a supporter the author
        has authorised; it stays the author's.
        """
        v.check_text("text", text)
        v.check_code("channel", channel, v.CHANNELS)

        def command() -> UUID:
            writer = self._member(author)
            helper = self._supporter(writer, supporter)
            record = self._proposal(proposal)
            # By default no earlier than the consent the act needs, which a
            # writer with a faster clock may have dated after this one's now.
            consent = None if helper is None else writer.consent_since(helper)
            ctx = self._ctx(
                helper or writer.id,
                occurred_at,
                source_ref,
                not_before=latest_from(record.raised_at, consent),
            )
            writer.check_consent(helper, ctx.occurred_at)
            comment_id = uuid4()
            record.comment(
                ctx,
                comment_id=comment_id,
                author=writer.id,
                text=text,
                channel=channel,
                supporter=helper,
            )
            self._save(record)
            return comment_id

        return self._transact(command)

    def publish_accessible_version(
        self,
        proposal: UUID,
        *,
        format: str,  # noqa: A002 (the word people use)
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a proposal was published in an accessible format (not STD)."""
        v.check_code("format", format, v.ACCESSIBLE_FORMATS)

        def command() -> None:
            actor = self._actor(by)
            record = self._proposal(proposal)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=record.raised_at)
            record.publish_accessible_version(ctx, format)
            self._save(record)

        self._transact(command)

    def give_feedback(
        self,
        proposal: UUID,
        *,
        comments: Iterable[UUID],
        text: str,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Record "you said, we did" feedback on comments; returns the feedback id."""
        v.check_text("text", text)
        answered = v.check_ids("comments", comments)
        if not answered:
            raise errors.InvalidInputError("feedback must answer at least one comment")

        def command() -> UUID:
            actor = self._actor(by)
            record = self._proposal(proposal)
            follows = latest(record.raised_at, record.latest_comment_at(answered))
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=follows)
            feedback_id = uuid4()
            record.give_feedback(
                ctx, feedback_id=feedback_id, comments=answered, text=text
            )
            self._save(record)
            return feedback_id

        return self._transact(command)

    def withdraw_proposal(
        self,
        proposal: UUID,
        *,
        by: UUID,
        reason: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a proposal before it is decided."""
        v.check_optional_text("reason", reason)

        def command() -> None:
            actor = self._actor(by)
            record = self._proposal(proposal)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.last_voting_step()
            )
            record.withdraw(ctx, reason=reason)
            self._save(record)

        self._transact(command)
