"""Commands about votes and decisions: the access check, ballots, tallies, overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID, uuid4

from coledger import errors
from coledger._core import LedgerCore, _query, commands
from coledger.domain import (
    Decision,
    Proposal,
    Tally,
)
from coledger.domain import values as v
from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import check_not_before, latest


@commands
class VotingCommands(LedgerCore):
    """Commands about votes and decisions."""

    @_query
    def unmet_adjustments(self, proposal: UUID) -> tuple[UUID, ...]:
        """Open requests, by voting members of the body, needed before its vote."""
        record = self._proposal(proposal)
        electorate = set(self._body(record.body).voting_members)
        return self._unmet(record, electorate)

    def _last_access_step(
        self, record: Proposal, open_now: tuple[UUID, ...]
    ) -> datetime | None:
        """The latest answer to a need before *record*'s vote, for it or its meeting.

        Or the latest of *open_now*, the voters' such needs still open, if
        later: an opening that finds one unmet comes no earlier than it was
        asked for.
        """
        linked = self._linked_requests(record)
        still_open = set(open_now)
        return latest(
            *(a.resolved_at for a in linked if a.needed_before in v.NEEDED_BEFORE_VOTE),
            *(a.requested_at for a in linked if a.id in still_open),
        )

    def open_voting(
        self,
        proposal: UUID,
        *,
        by: UUID,
        access_override: str | None = None,
        advisory: bool = False,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> tuple[UUID, ...]:
        """Open voting; the electorate is the body's voting seats at this moment.

        Refuses with UnmetAdjustmentsError while an adjustment needed before the
        vote by someone in the electorate is unresolved, unless
        ``access_override`` gives a reason, which is recorded with the vote.
        ``advisory=True`` opens a vote that only informs (closed with
        ``close_advisory_vote``); a binding vote is closed with ``close_voting``.
        Returns the electorate.
        """
        v.check_optional_text("access_override", access_override, limit=v.MAX_TITLE)
        if not isinstance(advisory, bool):
            raise errors.InvalidInputError("advisory must be True or False")

        def command() -> tuple[UUID, ...]:
            actor = self._actor(by)
            record = self._proposal(proposal)
            record.check_voting_can_open()
            held_at = None if record.meeting is None else self._meeting(record.meeting)
            # Raised at a meeting since called off, it is voted on elsewhere: no
            # earlier than the cancellation, and not noted on that meeting.
            called_off = None if held_at is None else held_at.cancelled_at
            body = self._body(record.body)
            # An erased member keeps the seat on record but can never vote again.
            electorate = tuple(m for m in body.voting_members if not self._is_erased(m))
            voters = set(electorate)
            open_now = self._unmet(record, voters)
            # By default no earlier than the steps it must follow, which a
            # writer with a faster clock may have dated after this one's now,
            # the answers to needs it will find met, and the needs it will
            # find unmet.
            follows = latest(
                record.last_step_at,
                body.rule_since,
                body.voting_seats_changed_at,
                self._last_access_step(record, open_now),
                called_off,
            )
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=follows)
            check_not_before(
                "the vote",
                ctx.occurred_at,
                called_off,
                "the cancellation of the meeting its proposal was raised at",
            )
            body.check_rule_current_at(ctx.occurred_at)
            body.check_electorate_current_at(ctx.occurred_at)
            if not electorate:
                seats = (
                    f"the voting seats on body {body.name!r} are held only by "
                    "erased members"
                    if body.voting_members
                    else f"body {body.name!r} has no voting seats"
                )
                raise errors.EmptyElectorateError(f"{seats}, so no one can vote")
            # Dated by the caller, the opening meets the requests as they stood
            # then; at the default time, as they stand now (a provision may be
            # dated a little ahead of this clock).
            unmet = (
                open_now
                if occurred_at is None
                else self._unmet(record, voters, ctx.occurred_at)
            )
            if unmet and access_override is None:
                raise errors.UnmetAdjustmentsError(record.id, unmet)
            record.open_voting(
                ctx,
                electorate=electorate,
                rule=body.rule,
                access_override=access_override if unmet else None,
                unmet_adjustments=unmet,
                advisory=advisory,
            )
            # Noted where the seats, rule and requests it read are kept, so no
            # later change dated before it can contradict what it read, and a
            # change racing it from another writer conflicts instead. A source
            # reference names one record, the proposal, so the notes go without.
            note = Context(ctx.actor, ctx.occurred_at)
            body.note_vote_opened(note, record.id)
            read: list[LedgerAggregate] = [body]
            if held_at is not None and called_off is None:
                held_at.note_vote_opened(note, record.id)
                read.append(held_at)
            self._save(*read, record)
            return electorate

        return self._transact(command)

    def cast_ballot(
        self,
        proposal: UUID,
        *,
        voter: UUID,
        choice: str,
        supporter: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a ballot; a later ballot by the same voter replaces it until close.

        With ``supporter=``, a supporter the voter has authorised cast it for them;
        the ballot is still the voter's.
        """
        v.check_code("choice", choice, v.CHOICES)

        def command() -> None:
            member = self._member(voter)
            helper = self._supporter(member, supporter)
            record = self._proposal(proposal)
            consent = None if helper is None else member.consent_since(helper)
            ctx = self._ctx(
                helper or member.id,
                occurred_at,
                source_ref,
                not_before=latest(
                    record.last_step_at, record.ballot_at.get(member.id), consent
                ),
            )
            member.check_consent(helper, ctx.occurred_at)
            record.cast_ballot(ctx, voter=member.id, choice=choice, supporter=helper)
            self._save(record)

        self._transact(command)

    def close_voting(
        self,
        proposal: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Decision:
        """Close voting; the body's rule decides, and the decision is returned.

        ``occurred_at`` may not come before the latest ballot (TimeOrderError);
        left out, it is now, or the latest ballot's time if that is later.
        """

        def command() -> Decision:
            actor = self._actor(by)
            record = self._proposal(proposal)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.last_voting_step()
            )
            decision = record.close_voting(
                ctx,
                decision_id=uuid4(),
                lived_experience_participants=self._le_participants(
                    record, ctx.occurred_at
                ),
            )
            self._save(record)
            return decision

        return self._transact(command)

    def close_advisory_vote(
        self,
        proposal: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Tally:
        """Close a vote that informs but does not decide, and return its tally.

        For polls of opinion (a consultation, a Polis conversation): the tally is
        fixed and recorded, and the decision is left to ``decide()``, which is
        then not an override whatever it says, because the vote bound no one.
        ``occurred_at`` is checked and defaulted as in ``close_voting``.
        """

        def command() -> Tally:
            actor = self._actor(by)
            record = self._proposal(proposal)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.last_voting_step()
            )
            tally = record.close_advisory_vote(
                ctx,
                lived_experience_participants=self._le_participants(
                    record, ctx.occurred_at
                ),
            )
            self._save(record)
            return tally

        return self._transact(command)

    def decide(
        self,
        proposal: UUID,
        *,
        outcome: str,
        method: str,
        by: UUID,
        decided_by: Iterable[UUID] | None = None,
        rationale: str | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> Decision:
        """Record a decision made other than by closing a vote.

        ``method`` is one of consensus, consent, chair, staff_executive, delegated or
        outside_forum; ``decided_by`` defaults to the acting member. A decision after
        a vote that goes the other way is recorded as overriding it.
        """
        v.check_code("outcome", outcome, v.OUTCOMES - {"not_valid"})
        v.check_code("method", method, v.DECISION_METHODS)
        v.check_optional_text("rationale", rationale)
        if decided_by is not None:  # read once: a retry must see them again
            decided_by = v.check_ids("decided_by", decided_by)

        def command() -> Decision:
            actor = self._actor(by)
            deciders = (
                (actor,)
                if decided_by is None
                else self._members("decided_by", decided_by)
            )
            if not deciders:
                raise errors.InvalidInputError("decided_by names no one")
            record = self._proposal(proposal)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.decision_floor
            )
            decision = record.decide(
                ctx,
                decision_id=uuid4(),
                outcome=outcome,
                method=method,
                decided_by=deciders,
                rationale=rationale,
            )
            self._save(record)
            return decision

        return self._transact(command)
