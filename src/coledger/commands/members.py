"""Commands about members: registration, roles, declarations, supporters, erasure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from eventsourcing.utils import get_topic

from coledger import errors
from coledger._core import LedgerCore, commands, originator_of
from coledger.domain import (
    Member,
)
from coledger.domain import values as v
from coledger.domain.timeorder import just_after, latest
from coledger.log import StoredRecord
from coledger.privacy.classification import Purpose, sealed_fields
from coledger.privacy.sealing import is_sealed
from coledger.serialization import event_class


@commands
class MemberCommands(LedgerCore):
    """Commands about members."""

    def register_member(
        self,
        name: str,
        *,
        role: str = "member",
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> UUID:
        """Register a person; returns their member id."""
        v.check_text("name", name, limit=v.MAX_NAME, one_line=True)
        if v.shown(name) == v.ERASED:  # as it reads, zero-width characters and all
            msg = (
                f"the name {v.ERASED} reads as an erased member's in every view "
                "and report; give the person's own name"
            )
            raise errors.InvalidInputError(msg)
        v.check_code("role", role, v.ROLES)

        def command() -> UUID:
            actor = None if by is None else self._actor(by)
            ctx = self._ctx(actor, occurred_at, source_ref)
            member = Member.register(uuid4(), ctx, name, role)
            self._save(member)
            return member.id

        return self._transact(command)

    def change_role(
        self,
        member: UUID,
        role: str,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's new organisational role.

        Nothing is recorded when it is the role the member holds at the
        command's business time; by default that time is now, or the time the
        latest role was given if that is later.
        """
        v.check_code("role", role, v.ROLES)

        def command() -> None:
            actor = self._actor(by)
            record = self._member(member)
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.role_since
            )
            record.change_role(ctx, role)
            self._save(record)

        self._transact(command)

    def declare_lived_experience(
        self,
        member: UUID,
        *,
        categories: Iterable[str],
        consent: str = "explicit_consent",
        condition: str = "art9_2a_explicit_consent",
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's own declaration of lived experience, with their consent."""
        chosen = v.check_categories(categories)
        v.check_code("consent", consent, v.CONSENT_FORMS)
        v.check_code("condition", condition, v.ART9_CONDITIONS)

        def command() -> None:
            record = self._member(member)
            actor = record.id if by is None else self._actor(by)
            # By default no earlier than a withdrawal another writer dated ahead.
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.withdrawn_at
            )
            if self._shredding(record.id, Purpose.LIVED_EXPERIENCE):
                raise errors.WrongStateError(
                    "this member's declaration was withdrawn in the same batch; "
                    "declare again after the batch is stored (both would be "
                    "sealed under the key the withdrawal destroys)"
                )
            record.declare_lived_experience(ctx, chosen, consent, condition)
            self._save(record)

        self._transact(command)

    def withdraw_lived_experience(
        self,
        member: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a member's declaration and the consent behind it."""

        def command() -> None:
            record = self._member(member)
            actor = record.id if by is None else self._actor(by)
            # By default no earlier than a declaration another writer dated ahead.
            ctx = self._ctx(
                actor, occurred_at, source_ref, not_before=record.declared_at
            )
            record.withdraw_lived_experience(ctx)
            self._shred(record.id, (Purpose.LIVED_EXPERIENCE,))
            self._save(record)

        self._transact(command)
        self._shredded()

    def erase_member(
        self,
        member: UUID,
        *,
        by: UUID,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Erase a member by destroying all their keys (crypto-shredding).

        Their name, comments, declaration and access needs become unreadable for
        good; ballots, tallies, decisions and every structural fact stay as they
        were, and the record says when the erasure happened and who asked.
        """

        def command() -> None:
            actor = self._actor(by)
            record = self._member(member)
            ctx = self._ctx(actor, occurred_at, source_ref)
            record.erase(ctx)
            self._shred(record.id, tuple(Purpose), erase=True)
            self._save(record)

        self._transact(command)
        self._shredded()

    def reapply_erasures(self) -> int:
        """Destroy again every key the record says was destroyed; returns how many.

        For after a key store was restored from a backup older than some
        erasures or withdrawals: the events say what must stay unreadable. An
        erasure destroys all of the member's keys; a withdrawal destroys the
        keys that sealed the declarations before it (named in their sealed
        envelopes), so a declaration made again later stays readable. Such a
        key made after the backup, which the store never held, is stored as
        destroyed (not counted), so that what it sealed reads as erased.
        """
        declared = get_topic(Member.LivedExperienceDeclared)
        withdrawn = get_topic(Member.LivedExperienceWithdrawn)
        erased = get_topic(Member.Erased)
        since: dict[UUID, dict[str, str]] = {}
        """Keys sealing each member's declarations since their last withdrawal."""
        withdrawn_keys: dict[UUID, dict[str, str]] = {}
        sealing: dict[UUID, dict[str, str]] = {}
        """Every key named in a sealed field about each member, with its purpose."""
        erasures: list[UUID] = []
        count = 0
        for page in self._pages(0, None):
            for stored in page:
                member = originator_of(stored)
                found = _sealing_keys(stored)
                for subject, key_id, purpose in found:
                    sealing.setdefault(subject, {})[key_id] = purpose
                if stored.topic == declared:
                    since.setdefault(member, {}).update((k, p) for _, k, p in found)
                elif stored.topic == withdrawn:
                    withdrawn_keys.setdefault(member, {}).update(since.pop(member, {}))
                elif stored.topic == erased:
                    count += self._keys.destroy(member, tuple(Purpose), erase=True)
                    erasures.append(member)
        for member in erasures:
            self._keys.record_lost(member, sealing.get(member, {}))
        for member, keys in withdrawn_keys.items():
            # A key that also seals a declaration made after the last
            # withdrawal stays: an import seals all of a member's declarations
            # under one key, the withdrawn ones already erased in the export.
            keep = since.get(member, {})
            gone = {k: p for k, p in keys.items() if k not in keep}
            count += self._keys.destroy(
                member, (Purpose.LIVED_EXPERIENCE,), only=sorted(gone)
            )
            self._keys.record_lost(member, gone)
        return count

    def authorise_supporter(
        self,
        member: UUID,
        supporter: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Record a member's consent for *supporter* to comment and vote with them."""

        def command() -> None:
            record = self._member(member)
            helper = self._member(supporter)
            if helper.id == record.id:
                raise errors.InvalidInputError(v.OWN_SUPPORTER)
            actor = record.id if by is None else self._actor(by)
            # By default no earlier than a revocation another writer dated ahead.
            floor = record.consent_floor(helper.id)
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=floor)
            record.authorise_supporter(ctx, helper.id)
            self._save(record)

        self._transact(command)

    def revoke_supporter(
        self,
        member: UUID,
        supporter: UUID,
        *,
        by: UUID | None = None,
        occurred_at: datetime | None = None,
        source_ref: str | None = None,
    ) -> None:
        """Withdraw a supporter's authority to act with a member."""

        def command() -> None:
            record = self._member(member)
            v.check_id("supporter", supporter)
            actor = record.id if by is None else self._actor(by)
            act = self._latest_act(record.id, supporter)
            acted = None if act is None else act.at
            # By default no earlier than the consent it ends, and just after the
            # latest act through the supporter, dated ahead or not.
            floor = latest(record.revocation_floor(supporter), just_after(acted))
            ctx = self._ctx(actor, occurred_at, source_ref, not_before=floor)
            record.revoke_supporter(ctx, supporter, acted, str(act))
            self._save(record)

        self._transact(command)


def _state(stored: StoredRecord, what: str) -> dict[str, Any]:
    """The stored event's fields, as JSON; CorruptEventError if they are not."""
    try:
        state = orjson.loads(stored.state)
    except orjson.JSONDecodeError as error:
        msg = f"the {what} at position {stored.id} is not JSON: {error}"
        raise errors.CorruptEventError(msg) from error
    if not isinstance(state, dict):
        msg = f"the {what} at position {stored.id} is not a JSON object"
        raise errors.CorruptEventError(msg)
    return state


def _sealing_keys(stored: StoredRecord) -> list[tuple[UUID, str, str]]:
    """(member, key id, purpose) of each sealed field of a stored event."""
    cls = event_class(stored.topic)
    rules = sealed_fields(cls)
    if not rules:
        return []
    state = _state(
        stored, "declaration" if cls is Member.LivedExperienceDeclared else "event"
    )
    found: list[tuple[UUID, str, str]] = []
    for name, rule in rules.items():
        envelope = state.get(name)
        if not (isinstance(envelope, dict) and is_sealed(envelope)):
            continue
        if rule.subject == "originator_id":
            member = originator_of(stored)
        else:
            try:
                member = UUID(str(state.get(rule.subject)))
            except ValueError:  # not quoted: it may be personal data
                msg = (
                    f"the event at position {stored.id} names no member in its "
                    f"{rule.subject!r} field"
                )
                raise errors.CorruptEventError(msg) from None
        found.append((member, str(envelope["k"]), rule.purpose))
    return found
