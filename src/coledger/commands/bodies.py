"""Commands about bodies, their decision rules and their seats."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from coledger import errors
from coledger._core import LedgerCore, commands
from coledger.domain import (
    Body,
    Rule,
)
from coledger.domain import values as v


def _not_a_rule(rule: object) -> errors.InvalidRuleError:
    """The refusal of *rule*, which is no Rule, shown as far as it can be."""
    shown = errors.shown_briefly(rule)
    return errors.InvalidRuleError(f"rule must be a coledger.Rule, not {shown}")


@commands
class BodyCommands(LedgerCore):
    """Commands about bodies, their decision rules and their seats."""

    def establish_body(
        self,
        name: str,
        *,
        kind: str,
        rule: Rule | None = None,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Set up a forum or governance body; returns its id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        v.check_code("kind", kind, v.BODY_KINDS)
        chosen = Rule.majority() if rule is None else rule
        if not isinstance(chosen, Rule):
            raise _not_a_rule(rule)
        chosen.check_recordable()

        def command() -> UUID:
            actor = None if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            body = Body.establish(uuid4(), ctx, name, kind, chosen)
            self._save(body)
            return body.id

        return self._transact(command)

    def change_rule(
        self,
        body: UUID,
        rule: Rule,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Give a body a new decision rule for votes opened from now on."""
        if not isinstance(rule, Rule):
            raise _not_a_rule(rule)
        rule.check_recordable()

        def command() -> None:
            actor = self._actor(by)
            record = self._body(body)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.rule_change_floor
            )
            record.change_rule(ctx, rule)
            self._save(record)

        self._transact(command)

    def assign_seat(
        self,
        body: UUID,
        member: UUID,
        *,
        seat: str = "voting",
        office: str | None = None,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Seat a member on a body, perhaps in an office."""
        v.check_code("seat", seat, v.SEAT_KINDS)
        if office is not None:
            v.check_code("office", office, v.OFFICES)

        def command() -> None:
            actor = self._actor(by)
            seated = self._member(member)
            record = self._body(body)
            floor = record.seat_change_floor(seated.id, seat, office)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=floor)
            record.assign_seat(ctx, seated.id, seat, office)
            self._save(record)

        self._transact(command)

    def vacate_seat(
        self,
        body: UUID,
        member: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record that a member left their seat on a body."""

        def command() -> None:
            actor = self._actor(by)
            v.check_id("member", member)
            record = self._body(body)
            held = record.seats.get(member)
            floor = (
                None
                if held is None  # refused below: no seat to vacate
                else record.seat_change_floor(member, held.seat, held.office)
            )
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=floor)
            record.vacate_seat(ctx, member)
            self._save(record)

        self._transact(command)
