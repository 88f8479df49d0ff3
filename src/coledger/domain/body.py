"""Body: a forum or governance body, its decision rule and its seats."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.rules import Rule
from coledger.errors import NotASeatHolderError, OfficeTakenError, SeatAlreadyHeldError


@attrs.frozen
class Seat:
    """A member's place on a body: the kind of seat and any office held."""

    member: UUID
    seat: str
    office: str | None


class Body(LedgerAggregate):
    """A working group, advisory group or governance body."""

    class Established(LedgerAggregate.Created):
        """The organisation set up a body with a decision rule."""

        name: str
        kind: str
        rule_kind: str
        rule_threshold: str
        rule_quorum: str
        rule_lived_experience_quorum: int

        def apply(self, aggregate: Body) -> None:
            """Set the initial state."""
            aggregate.name = self.name
            aggregate.kind = self.kind
            aggregate.rule = Rule.from_fields(
                self.rule_kind,
                self.rule_threshold,
                self.rule_quorum,
                self.rule_lived_experience_quorum,
            )
            aggregate.seats = {}

    class RuleChanged(LedgerAggregate.Event):
        """The body adopted a new decision rule for votes opened from now on."""

        rule_kind: str
        rule_threshold: str
        rule_quorum: str
        rule_lived_experience_quorum: int

        def apply(self, aggregate: Body) -> None:
            """Take the new rule."""
            aggregate.rule = Rule.from_fields(
                self.rule_kind,
                self.rule_threshold,
                self.rule_quorum,
                self.rule_lived_experience_quorum,
            )

    class SeatAssigned(LedgerAggregate.Event):
        """A member took a seat on the body, perhaps with an office."""

        member: UUID
        seat: str
        office: str | None

        def apply(self, aggregate: Body) -> None:
            """Add the seat."""
            aggregate.seats = {
                **aggregate.seats,
                self.member: Seat(self.member, self.seat, self.office),
            }

    class SeatVacated(LedgerAggregate.Event):
        """A member left their seat on the body."""

        member: UUID

        def apply(self, aggregate: Body) -> None:
            """Remove the seat."""
            aggregate.seats = {
                m: s for m, s in aggregate.seats.items() if m != self.member
            }

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        name: str
        kind: str
        rule: Rule
        seats: dict[UUID, Seat]

    @classmethod
    def establish(
        cls, record_id: UUID, ctx: Context, name: str, kind: str, rule: Rule
    ) -> Body:
        """Establish a new body."""
        return cls._start(
            cls.Established, record_id, ctx, name=name, kind=kind, **rule.to_fields()
        )

    @property
    def voting_members(self) -> tuple[UUID, ...]:
        """Holders of a voting seat, in the order they were seated."""
        return tuple(m for m, s in self.seats.items() if s.seat == "voting")

    def change_rule(self, ctx: Context, rule: Rule) -> None:
        """Adopt a new decision rule."""
        self._record(self.RuleChanged, ctx, **rule.to_fields())

    def assign_seat(
        self, ctx: Context, member: UUID, seat: str, office: str | None
    ) -> None:
        """Seat *member*; one seat per member, one holder per office."""
        if member in self.seats:
            raise SeatAlreadyHeldError(
                f"member {member} already holds a seat on {self.name!r}"
            )
        if office is not None and office != "co_chair":
            for other in self.seats.values():
                if other.office == office:
                    raise OfficeTakenError(
                        f"{other.member} already holds the office {office} "
                        f"on {self.name!r}"
                    )
        self._record(self.SeatAssigned, ctx, member=member, seat=seat, office=office)

    def vacate_seat(self, ctx: Context, member: UUID) -> None:
        """Remove *member* from their seat."""
        if member not in self.seats:
            raise NotASeatHolderError(f"member {member} holds no seat on {self.name!r}")
        self._record(self.SeatVacated, ctx, member=member)
