"""Body: a forum or governance body, its decision rule and its seats."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import attrs

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.rules import Rule
from coledger.domain.timeorder import check_not_before, latest, latest_from
from coledger.errors import (
    NotASeatHolderError,
    OfficeTakenError,
    SeatAlreadyHeldError,
)

SHARED_OFFICE = "co_chair"
"""The one office several members may hold at once."""


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
            aggregate.established_at = self.occurred_at
            aggregate.rule_since = self.occurred_at
            aggregate.seats = {}
            aggregate.seat_changed_at = {}
            aggregate.office_changed_at = {}
            aggregate.voting_seats_changed_at = None
            aggregate.vote_opened_at = None

    class RuleChanged(LedgerAggregate.Event):
        """The body adopted a new decision rule for votes opened from now on."""

        rule_kind: str
        rule_threshold: str
        rule_quorum: str
        rule_lived_experience_quorum: int

        def apply(self, aggregate: Body) -> None:
            """Take the new rule, unless it was adopted before the rule in force.

            Older ledgers may hold rule changes in any order: the rule in force
            is the one adopted at the latest time, as the reports read it (of
            two at one time, the one recorded later).
            """
            if self.occurred_at >= aggregate.rule_since:
                aggregate.rule = Rule.from_fields(
                    self.rule_kind,
                    self.rule_threshold,
                    self.rule_quorum,
                    self.rule_lived_experience_quorum,
                )
                aggregate.rule_since = self.occurred_at

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
            aggregate.note_seat_change(
                self.member, self.seat, self.office, self.occurred_at
            )

    class SeatVacated(LedgerAggregate.Event):
        """A member left their seat on the body."""

        member: UUID

        def apply(self, aggregate: Body) -> None:
            """Remove the seat."""
            held = aggregate.seats.get(self.member)
            if held is not None:
                aggregate.note_seat_change(
                    self.member, held.seat, held.office, self.occurred_at
                )
            aggregate.seats = {
                m: s for m, s in aggregate.seats.items() if m != self.member
            }

    class VoteOpened(LedgerAggregate.Event):
        """A vote opened on a proposal to the body, taking its seats and rule."""

        proposal: UUID

        def apply(self, aggregate: Body) -> None:
            """Remember the latest opening: no seat or rule change may precede it."""
            aggregate.vote_opened_at = latest(
                aggregate.vote_opened_at, self.occurred_at
            )

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        name: str
        kind: str
        rule: Rule
        established_at: datetime
        """When the body was established (business time)."""
        rule_since: datetime
        """When the body took its current rule: established, or the rule last
        changed (business time)."""
        seats: dict[UUID, Seat]
        seat_changed_at: dict[UUID, datetime]
        """The latest business time of a seat change, by member."""
        office_changed_at: dict[str, datetime]
        """The latest business time a single-holder office was taken or left."""
        voting_seats_changed_at: datetime | None
        """The latest business time a voting seat was taken or left."""
        vote_opened_at: datetime | None
        """The latest business time a vote opened on one of its proposals."""

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

    def note_seat_change(
        self, member: UUID, seat: str, office: str | None, at: datetime
    ) -> None:
        """Remember when a member's seat (and office) last changed, in business time.

        The latest time is kept, not the last recorded: a ledger written before
        seat changes were ordered may hold them in any order.
        """
        # In place, as the proposal's ballots are: copying made replay quadratic.
        self.seat_changed_at[member] = max(at, self.seat_changed_at.get(member, at))
        if office is not None and office != SHARED_OFFICE:
            self.office_changed_at[office] = max(
                at, self.office_changed_at.get(office, at)
            )
        if seat == "voting":
            last = self.voting_seats_changed_at
            self.voting_seats_changed_at = at if last is None else max(at, last)

    def last_seat_change(self, member: UUID, office: str | None) -> datetime | None:
        """When *member*'s seat, or *office*, last changed (business time), if ever."""
        seat = self.seat_changed_at.get(member)
        if office is None or office == SHARED_OFFICE:
            return seat
        return latest(seat, self.office_changed_at.get(office))

    def seat_change_floor(
        self, member: UUID, seat: str, office: str | None
    ) -> datetime:
        """The earliest business time a change of *member*'s seat or office may have.

        The latest of the body's establishment, the last change of that
        member's seat or that office, and, for a voting seat, the latest
        opening of a vote, which took the voting seats as they then stood.
        """
        return latest_from(
            self.established_at,
            self.last_seat_change(member, office),
            self.vote_opened_at if seat == "voting" else None,
        )

    def _check_seat_order(
        self, ctx: Context, member: UUID, seat: str, office: str | None
    ) -> None:
        """Refuse a seat change dated before the body, its seat's last change or a vote.

        Seats are read in business time (who sat when), so a change slipped in
        before a later one would show a member in two seats, or two holders of
        one office, at once; one before the body was established, a seat on
        nothing. Co-chairs are many, so only their members are ordered. A vote
        took the voting seats as they stood when it opened, so a voting seat
        that changed before then, recorded after, would contradict its
        electorate.
        """
        what = f"a seat change on {self.name!r}"
        at = ctx.occurred_at
        check_not_before(what, at, self.established_at, "the body was established")
        check_not_before(
            what,
            at,
            self.last_seat_change(member, office),
            "the last change of that member's seat or office",
        )
        if seat == "voting":
            check_not_before(
                f"a voting seat change on {self.name!r}",
                at,
                self.vote_opened_at,
                "the latest vote opened on the body's proposals",
                ", which took the voting seats as they stood then",
            )

    def check_electorate_current_at(self, at: datetime) -> None:
        """Refuse a vote opened at *at* if the voting seats changed after it.

        The electorate is taken from the voting seats as recorded now, which are
        the seats at *at* only if none was taken or left later in business time.
        """
        check_not_before(
            "opening the vote",
            at,
            self.voting_seats_changed_at,
            f"the last change of the voting seats on {self.name!r}",
            ", so today's electorate was not the electorate then",
        )

    def check_rule_current_at(self, at: datetime) -> None:
        """Refuse a vote opened at *at* if the body took its rule after it.

        The vote copies the rule as recorded now, which is the rule in force at
        *at* only if the body was established, and last changed its rule, by
        then.
        """
        check_not_before(
            "opening the vote",
            at,
            self.rule_since,
            f"{self.name!r} took the rule the vote would be decided by",
        )

    @property
    def rule_change_floor(self) -> datetime:
        """The earliest business time a rule change may have.

        The later of when the body took its current rule and the latest
        opening of a vote, which took the rule in force then.
        """
        return latest_from(self.rule_since, self.vote_opened_at)

    def change_rule(self, ctx: Context, rule: Rule) -> None:
        """Adopt a new decision rule, no earlier than its current one or a vote.

        No event when it is the rule in force then (the current one, as no
        change may precede it): it would change nothing, yet hold back any
        vote or rule change entered later with an earlier date.
        """
        what = f"a rule change on {self.name!r}"
        check_not_before(
            what, ctx.occurred_at, self.rule_since, "the body took its current rule"
        )
        check_not_before(
            what,
            ctx.occurred_at,
            self.vote_opened_at,
            "the latest vote opened on the body's proposals",
            ", which took the rule in force then",
        )
        if rule != self.rule:
            self._record(self.RuleChanged, ctx, **rule.to_fields())

    def note_vote_opened(self, ctx: Context, proposal: UUID) -> None:
        """Record that a vote on *proposal* opened, taking the seats and rule."""
        self._record(self.VoteOpened, ctx, proposal=proposal)

    def assign_seat(
        self, ctx: Context, member: UUID, seat: str, office: str | None
    ) -> None:
        """Seat *member*; one seat per member, one holder per office, in time order."""
        self.check_seat_free(member, office)
        self._check_seat_order(ctx, member, seat, office)
        self._record(self.SeatAssigned, ctx, member=member, seat=seat, office=office)

    def check_seat_free(self, member: UUID, office: str | None) -> None:
        """Refuse a seat for a member seated already, or in an office someone holds."""
        if member in self.seats:
            raise SeatAlreadyHeldError(
                f"member {member} already holds a seat on {self.name!r}"
            )
        if office is not None and office != SHARED_OFFICE:
            for other in self.seats.values():
                if other.office == office:
                    raise OfficeTakenError(
                        f"{other.member} already holds the office {office} "
                        f"on {self.name!r}"
                    )

    def held_seat(self, member: UUID) -> Seat:
        """*member*'s seat; NotASeatHolderError if they hold none."""
        held = self.seats.get(member)
        if held is None:
            raise NotASeatHolderError(f"member {member} holds no seat on {self.name!r}")
        return held

    def vacate_seat(self, ctx: Context, member: UUID) -> None:
        """Remove *member* from their seat, no earlier than their seat last changed."""
        held = self.held_seat(member)
        self._check_seat_order(ctx, member, held.seat, held.office)
        self._record(self.SeatVacated, ctx, member=member)
