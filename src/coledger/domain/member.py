"""Member: a person in the organisation, their role, declaration and supporters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from coledger.domain.base import Context, LedgerAggregate
from coledger.domain.timeorder import (
    check_after,
    check_not_before,
    give_at,
    in_force_at,
    latest,
)
from coledger.domain.values import ERASED, LIVED_EXPERIENCE
from coledger.errors import (
    AlreadyDeclaredError,
    NotAMemberError,
    NotDeclaredError,
    SupporterNotAuthorisedError,
)


class Member(LedgerAggregate):
    """A registered person: the only kind of actor the ledger knows."""

    class Registered(LedgerAggregate.Created):
        """A person joined the ledger with a role."""

        name: str
        role: str

        def apply(self, aggregate: Member) -> None:
            """Set the initial state."""
            aggregate.name = self.name
            aggregate.role = self.role
            aggregate.lived_experience = ()
            aggregate.consent = None
            aggregate.condition = None
            aggregate.supporters = frozenset()
            aggregate.consents = ()
            aggregate.erased = False
            aggregate.declared_at = None
            aggregate.withdrawn_at = None
            aggregate.roles = [(self.occurred_at, self.role)]

    class RoleChanged(LedgerAggregate.Event):
        """The member's organisational role changed."""

        role: str

        def apply(self, aggregate: Member) -> None:
            """Take the new role, unless it was given before the role in force.

            Roles hold from the business time they were given, as the reports
            read them: one recorded late but dated earlier (or before the
            registration) gives way to the later one. Of two at one time, the
            one recorded later holds.
            """
            aggregate.role = give_at(aggregate.roles, self.occurred_at, self.role)

    class LivedExperienceDeclared(LedgerAggregate.Event):
        """The member declared lived experience, with consent and a legal condition."""

        categories: tuple[str, ...]
        consent: str
        condition: str

        def apply(self, aggregate: Member) -> None:
            """Hold the declaration."""
            aggregate.lived_experience = self.categories
            aggregate.consent = self.consent
            aggregate.condition = self.condition
            aggregate.declared_at = self.occurred_at

    class LivedExperienceWithdrawn(LedgerAggregate.Event):
        """The member withdrew their declaration and the consent behind it."""

        def apply(self, aggregate: Member) -> None:
            """Forget the declaration, and remember when it was withdrawn."""
            aggregate.lived_experience = ()
            aggregate.consent = None
            aggregate.condition = None
            aggregate.declared_at = None
            aggregate.withdrawn_at = latest(aggregate.withdrawn_at, self.occurred_at)

    class Erased(LedgerAggregate.Event):
        """The member's keys were destroyed: their personal data is gone for good."""

        def apply(self, aggregate: Member) -> None:
            """Forget everything personal; the facts of membership remain."""
            aggregate.name = ERASED
            aggregate.lived_experience = ()
            aggregate.consent = None
            aggregate.condition = None
            aggregate.supporters = frozenset()
            aggregate.erased = True
            aggregate.declared_at = None

    class SupporterAuthorised(LedgerAggregate.Event):
        """The member consented to a supporter acting with them (commenting, voting)."""

        supporter: UUID

        def apply(self, aggregate: Member) -> None:
            """Add the supporter, from the event's business time on."""
            aggregate.supporters = aggregate.supporters | {self.supporter}
            aggregate.consents = (
                *aggregate.consents,
                (self.supporter, self.occurred_at, None),
            )

    class SupporterRevoked(LedgerAggregate.Event):
        """The member withdrew a supporter's authority."""

        supporter: UUID

        def apply(self, aggregate: Member) -> None:
            """Remove the supporter, from the event's business time on."""
            aggregate.supporters = aggregate.supporters - {self.supporter}
            ends = self.occurred_at
            aggregate.consents = tuple(
                (who, since, ends if who == self.supporter and until is None else until)
                for who, since, until in aggregate.consents
            )

    if TYPE_CHECKING:  # set by the events; declared here for type checkers
        name: str
        role: str
        lived_experience: tuple[str, ...]
        consent: str | None
        condition: str | None
        supporters: frozenset[UUID]
        consents: tuple[tuple[UUID, datetime, datetime | None], ...]
        """(supporter, from, until) for each spell of consent, in recorded order."""
        erased: bool
        declared_at: datetime | None
        """The business time of the active declaration (None without one)."""
        withdrawn_at: datetime | None
        """The latest business time a declaration was withdrawn (None if never)."""
        roles: list[tuple[datetime, str]]
        """(business time, role) from the registration and each change, in time
        order (of two at one time, the one recorded later last)."""

    @classmethod
    def register(cls, record_id: UUID, ctx: Context, name: str, role: str) -> Member:
        """Register a new member."""
        return cls._start(cls.Registered, record_id, ctx, name=name, role=role)

    @property
    def has_lived_experience(self) -> bool:
        """Whether the member's active, consented declaration names lived experience."""
        return not LIVED_EXPERIENCE.isdisjoint(self.lived_experience)

    def had_lived_experience_at(self, at: datetime) -> bool:
        """Whether the active declaration names lived experience and was made by *at*.

        As the reports read it: a declaration counts from its business time
        on, and a withdrawn or erased one not at all.
        """
        declared = self.declared_at
        return self.has_lived_experience and declared is not None and declared <= at

    @property
    def has_declared(self) -> bool:
        """Whether a declaration is active: made and not yet withdrawn or erased.

        Told by its consent, which is kept in clear, not by its categories: once
        the declaration's key is destroyed the categories read as empty, yet a
        withdrawal whose save failed after the shredding is still to be recorded.
        """
        return self.consent is not None

    @property
    def role_since(self) -> datetime:
        """When the role in force was given: registration or a change."""
        return self.roles[-1][0]

    def role_at(self, at: datetime) -> str:
        """The role held at business time *at* (before registration: the first).

        Read as the reports read it (``MemberFacts.role_at``).
        """
        return in_force_at(self.roles, at)

    def change_role(self, ctx: Context, role: str) -> None:
        """Record a new organisational role (no event when it is the role held then)."""
        if role != self.role_at(ctx.occurred_at):
            self._record(self.RoleChanged, ctx, role=role)

    def declare_lived_experience(
        self, ctx: Context, categories: tuple[str, ...], consent: str, condition: str
    ) -> None:
        """Record a self-declaration; one active declaration at a time.

        None may be dated before the last withdrawal: the withdrawn declaration
        was in force until then, and its stretch stays undeclared for good.
        """
        self.check_undeclared()
        check_not_before(
            "a declaration of lived experience",
            ctx.occurred_at,
            self.withdrawn_at,
            "the member's last withdrawal",
            ", which undid the declaration in force until then",
        )
        self._record(
            self.LivedExperienceDeclared,
            ctx,
            categories=categories,
            consent=consent,
            condition=condition,
        )

    def check_current(self) -> None:
        """NotAMemberError if the member was erased: they can do nothing more."""
        if self.erased:
            raise NotAMemberError(self.id, erased=True)

    def check_undeclared(self) -> None:
        """AlreadyDeclaredError if a declaration is active."""
        if self.has_declared:
            raise AlreadyDeclaredError(
                f"member {self.id} already has an active declaration; withdraw it first"
            )

    def check_declared(self) -> None:
        """NotDeclaredError unless a declaration is active."""
        if not self.has_declared:
            raise NotDeclaredError(f"member {self.id} has no active declaration")

    def withdraw_lived_experience(self, ctx: Context) -> None:
        """Withdraw the active declaration, no earlier than it was made."""
        self.check_declared()
        check_not_before(
            "a withdrawal of lived experience",
            ctx.occurred_at,
            self.declared_at,
            "the declaration it withdraws",
        )
        self._record(self.LivedExperienceWithdrawn, ctx)

    def erase(self, ctx: Context) -> None:
        """Record the member's erasure (their keys are destroyed by the caller)."""
        if not self.erased:
            self._record(self.Erased, ctx)

    def authorise_supporter(self, ctx: Context, supporter: UUID) -> None:
        """Record the member's consent for *supporter* to act with them.

        No event when that consent already held at the business time given;
        one dated before the consent in force records that it began earlier.
        None may be dated before the supporter's last revocation, which an
        open-ended consent from then would silently undo.
        """
        at = ctx.occurred_at
        if supporter in self.supporters and self.consented(supporter, at):
            return
        check_not_before(
            "authorising the supporter",
            at,
            self.consent_floor(supporter),
            "their consent was revoked",
        )
        self._record(self.SupporterAuthorised, ctx, supporter=supporter)

    def consent_floor(self, supporter: UUID) -> datetime | None:
        """The latest revocation of *supporter*'s consent, which none may precede."""
        ends = [end for who, _, end in self.consents if who == supporter and end]
        return max(ends, default=None)

    def consent_since(self, supporter: UUID) -> datetime | None:
        """When *supporter*'s consent in force began, if one is (an act's floor).

        Of consents given and not revoked, the earliest: each holds from its
        start on, so an act at or after it has consent.
        """
        if supporter not in self.supporters:
            return None
        return min(a for who, a, end in self.consents if who == supporter and not end)

    def revocation_floor(self, supporter: UUID) -> datetime | None:
        """When the consent a revocation of *supporter* would end began (if held)."""
        if supporter not in self.supporters:
            return None
        return max(a for who, a, end in self.consents if who == supporter and not end)

    def revoke_supporter(
        self,
        ctx: Context,
        supporter: UUID,
        acted: datetime | None = None,
        act: str = "their latest act with the member",
    ) -> None:
        """Withdraw a supporter's authority (no event if none was given).

        It may not come before the consent it ends, nor at or before *acted*,
        the business time of the latest *act* recorded through the supporter
        with this member (kept on the proposals, so the caller finds it):
        the record would then show them acting without consent.
        """
        if supporter in self.supporters:
            check_not_before(
                "revoking the supporter",
                ctx.occurred_at,
                self.revocation_floor(supporter),
                "their consent",
            )
            check_after(
                "revoking the supporter",
                ctx.occurred_at,
                acted,
                act,
                ", which needed their consent",
            )
            self._record(self.SupporterRevoked, ctx, supporter=supporter)

    def consented(self, supporter: UUID, at: datetime) -> bool:
        """Whether *supporter* had the member's consent to act with them at *at*."""
        return any(
            who == supporter and since <= at and (until is None or at < until)
            for who, since, until in self.consents
        )

    def check_consent(self, supporter: UUID | None, at: datetime) -> None:
        """SupporterNotAuthorisedError unless *supporter* (if any) may act at *at*.

        Consent is read at the act's business time: minutes entered late keep
        a ballot cast while it held, and nothing is dated back before it.
        """
        if supporter is not None and not self.consented(supporter, at):
            raise SupporterNotAuthorisedError(
                f"{supporter} has no recorded consent to act with member "
                f"{self.id} at {at.isoformat()}"
            )
