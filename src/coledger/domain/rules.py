"""Decision rules of a body, and the tally a vote is decided by."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

import attrs

from coledger.errors import (
    InvalidInputError,
    InvalidRuleError,
    UnknownCodeError,
    shown_value,
)

RULE_KINDS = frozenset({"majority", "threshold", "consensus", "consent"})
VERDICT_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "no_ballots": "not_valid",
        "quorum_not_met": "not_valid",
        "lived_experience_quorum_not_met": "not_valid",
        "consensus_reached": "adopted",
        "consensus_not_reached": "rejected",
        "no_blocks": "adopted",
        "blocked": "rejected",
        "majority_for": "adopted",
        "no_majority": "rejected",
        "threshold_met": "adopted",
        "threshold_not_met": "rejected",
    }
)
"""Every reason ``Rule.decide`` gives, with the one outcome it goes with."""


_NOT_A_SHARE = re.compile(r"[eE_]")
"""Written shares take no exponent (Fraction would work out 10 to the power of
any exponent it is given, however large) and no digit separators."""
MAX_SHARE_TEXT = 40
MAX_LIVED_EXPERIENCE_QUORUM = 10_000
"""More voters with lived experience than any body seats."""


Share = float | Fraction | Decimal | str
"""A share of something (a threshold, a quorum): 0.5, Fraction(2, 3) or "2/3"."""


def _fraction(value: object, field: str = "share") -> Fraction:
    if isinstance(value, Decimal):
        # As a float: Fraction would work out 10 to the power of its exponent,
        # however large, and a share is kept to 1/10,000 in any case.
        try:
            value = float(value)
        except ValueError as error:  # a signalling NaN
            raise InvalidRuleError(
                f"{field} {value!r} is not a number between 0 and 1"
            ) from error
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Fraction)):
        raise InvalidRuleError(
            f"{field} {shown_value(value)} is not a number between 0 and 1"
        )
    if isinstance(value, str) and len(value) > MAX_SHARE_TEXT:
        raise InvalidRuleError(
            f"{field} is too long: {len(value):,} characters, where a share "
            f"written as text has at most {MAX_SHARE_TEXT}"
        )
    if isinstance(value, str) and value != value.strip():
        # Fraction reads past them, where every other text coledger is given
        # refuses control characters: a share is written alone, as it is kept.
        raise InvalidRuleError(
            f"{field} {value!r} begins or ends with a space or a line break; "
            "write the number alone"
        )
    if isinstance(value, str) and _NOT_A_SHARE.search(value):
        raise InvalidRuleError(
            f"{field} {value!r} is not a number between 0 and 1 "
            "written as a fraction or a decimal (no exponent)"
        )
    try:
        fraction = Fraction(value).limit_denominator(10_000)
    except (ValueError, ZeroDivisionError, OverflowError) as error:
        raise InvalidRuleError(
            f"{field} {shown_value(value)} is not a number between 0 and 1"
        ) from error
    if not 0 <= fraction <= 1:
        raise InvalidRuleError(
            f"{field} {shown_value(value)} is not between 0 and 1 "
            "(one half is 0.5 or '1/2')"
        )
    return fraction


def _check_count(name: str, value: object) -> int:
    """*value* if it is a count (a whole number >= 0), else InvalidInputError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        given = shown_value(value) if isinstance(value, int) else type(value).__name__
        raise InvalidInputError(f"{name} must be a whole number >= 0, not {given}")
    return value


def _count(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    _check_count(attribute.name, value)


def _optional_count(
    _: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is not None:
        _check_count(attribute.name, value)


@attrs.frozen
class Tally:
    """Counts per choice, counting only each voter's latest ballot."""

    for_: int = attrs.field(default=0, validator=_count)
    against: int = attrs.field(default=0, validator=_count)
    abstain: int = attrs.field(default=0, validator=_count)
    block: int = attrs.field(default=0, validator=_count)
    electorate: int = attrs.field(default=0, validator=_count)
    lived_experience_participants: int | None = attrs.field(
        default=None, validator=_optional_count
    )
    """Voters who took part whose active declaration names lived experience.

    None when not counted (the rule has no lived-experience quorum).
    """

    @property
    def participants(self) -> int:
        """Everyone who cast a ballot, abstentions included."""
        return self.for_ + self.against + self.abstain + self.block

    @property
    def counts(self) -> Mapping[str, int]:
        """The counts keyed by ballot choice."""
        return {
            "for": self.for_,
            "against": self.against,
            "abstain": self.abstain,
            "block": self.block,
        }

    def __getitem__(self, choice: str) -> int:
        """The count of one choice; UnknownCodeError for anything else."""
        counts = self.counts
        given: object = choice
        if not isinstance(given, str) or given not in counts:
            raise UnknownCodeError("choice", given, frozenset(counts))
        return counts[given]


def _check_possible(tally: Tally) -> None:
    """InvalidInputError for counts no vote could give (an import refuses them too).

    Checked where a tally is decided, not where one is made: a tally rebuilt
    from a stored event is not decided again, so an old record still replays.
    """
    if tally.participants > tally.electorate:
        raise InvalidInputError(
            f"a tally counts more ballots than its electorate ({tally.participants} "
            f"ballots, an electorate of {tally.electorate})"
        )
    if (tally.lived_experience_participants or 0) > tally.participants:
        raise InvalidInputError(
            "a tally counts more voters with lived experience than took part "
            f"({tally.lived_experience_participants} of {tally.participants})"
        )


@attrs.frozen
class Verdict:
    """What a rule made of a tally: the outcome and the reason in one code."""

    outcome: str
    reason: str


@attrs.frozen
class Rule:
    """How a body decides a vote: majority, threshold, consensus or consent.

    ``quorum`` is the share of the electorate that must take part (abstaining
    counts as taking part). ``lived_experience_quorum`` is the number of voters
    with lived experience who must take part for the vote to be valid.
    """

    kind: str = attrs.field()
    threshold: Fraction = attrs.field(default=Fraction(1, 2), converter=_fraction)
    quorum: Fraction = attrs.field(default=Fraction(0), converter=_fraction)
    lived_experience_quorum: int = 0

    @kind.validator
    def _check_kind(self, _: object, value: object) -> None:
        if not isinstance(value, str) or value not in RULE_KINDS:
            raise InvalidRuleError(
                f"rule kind {shown_value(value)} is not one of {sorted(RULE_KINDS)}"
            )

    def __attrs_post_init__(self) -> None:
        le_quorum: object = self.lived_experience_quorum
        if (
            isinstance(le_quorum, bool)
            or not isinstance(le_quorum, int)
            or le_quorum < 0
        ):
            raise InvalidRuleError(
                "lived_experience_quorum must be a whole number >= 0, "
                f"not {shown_value(le_quorum)}"
            )
        if self.kind == "threshold" and self.threshold <= Fraction(1, 2):
            raise InvalidRuleError(
                f"a threshold rule needs a threshold above 1/2, not {self.threshold} "
                "(a share is kept to the nearest fraction with a denominator of "
                "at most 10,000)"
            )
        if self.kind != "threshold" and self.threshold != Fraction(1, 2):
            raise InvalidRuleError(
                f"a {self.kind} rule has no threshold to set (it is kept as 1/2, "
                f"not {self.threshold}); for a share of the votes, use "
                "Rule.supermajority"
            )

    @classmethod
    def majority(cls, quorum: Share = 0, lived_experience_quorum: int = 0) -> Rule:
        """More for than against (blocks count against); ties fail."""
        return cls(
            "majority",
            Fraction(1, 2),
            _fraction(quorum, "quorum"),
            lived_experience_quorum,
        )

    @classmethod
    def supermajority(
        cls,
        threshold: Share,
        quorum: Share = 0,
        lived_experience_quorum: int = 0,
    ) -> Rule:
        """At least *threshold* of the for, against and block ballots are for."""
        return cls(
            "threshold",
            _fraction(threshold, "threshold"),
            _fraction(quorum, "quorum"),
            lived_experience_quorum,
        )

    @classmethod
    def consensus(cls, quorum: Share = 0, lived_experience_quorum: int = 0) -> Rule:
        """Adopted when someone is for and nobody is against or blocks."""
        return cls(
            "consensus",
            Fraction(1, 2),
            _fraction(quorum, "quorum"),
            lived_experience_quorum,
        )

    @classmethod
    def consent(cls, quorum: Share = 0, lived_experience_quorum: int = 0) -> Rule:
        """Adopted unless someone blocks; objections short of a block do not stop it."""
        return cls(
            "consent",
            Fraction(1, 2),
            _fraction(quorum, "quorum"),
            lived_experience_quorum,
        )

    @property
    def method(self) -> str:
        """The decision method a vote under this rule is recorded with."""
        return {"consensus": "consensus", "consent": "consent"}.get(self.kind, "vote")

    def quorum_size(self, electorate: int) -> int:
        """How many of an electorate of this size must take part."""
        return math.ceil(self.quorum * _check_count("electorate", electorate))

    def decide(self, tally: Tally) -> Verdict:
        """Apply the rule to a tally."""
        given: object = tally
        if not isinstance(given, Tally):
            raise InvalidInputError(
                f"decide() takes a coledger.Tally, not {type(given).__name__}"
            )
        _check_possible(tally)
        return self._invalidity(tally) or self._direction(tally)

    def _invalidity(self, tally: Tally) -> Verdict | None:
        if tally.participants == 0:
            return Verdict("not_valid", "no_ballots")
        if tally.participants < self.quorum_size(tally.electorate):
            return Verdict("not_valid", "quorum_not_met")
        le_count = tally.lived_experience_participants or 0
        if le_count < self.lived_experience_quorum:
            return Verdict("not_valid", "lived_experience_quorum_not_met")
        return None

    def _direction(self, tally: Tally) -> Verdict:
        opposed = tally.against + tally.block
        decisive = tally.for_ + opposed
        if self.kind == "consensus":
            adopted, yes, no = (
                opposed == 0 and tally.for_ > 0,
                "consensus_reached",
                "consensus_not_reached",
            )
        elif self.kind == "consent":
            adopted, yes, no = tally.block == 0, "no_blocks", "blocked"
        elif self.kind == "majority":
            adopted, yes, no = tally.for_ * 2 > decisive, "majority_for", "no_majority"
        else:
            adopted = decisive > 0 and Fraction(tally.for_, decisive) >= self.threshold
            yes, no = "threshold_met", "threshold_not_met"
        return Verdict("adopted", yes) if adopted else Verdict("rejected", no)

    def to_fields(self) -> dict[str, str | int]:
        """The rule as plain values, for storing in an event."""
        return {
            "rule_kind": self.kind,
            "rule_threshold": str(self.threshold),
            "rule_quorum": str(self.quorum),
            "rule_lived_experience_quorum": self.lived_experience_quorum,
        }

    @classmethod
    def from_fields(
        cls,
        rule_kind: str,
        rule_threshold: str,
        rule_quorum: str,
        rule_lived_experience_quorum: int,
    ) -> Rule:
        """Rebuild a rule stored with to_fields."""
        # The texts go to the converter, which refuses exponents before Fraction.
        # Only a threshold rule reads its threshold; one stored with another kind
        # (before Rule refused it) never counted, so it replays as 1/2.
        threshold = _fraction(rule_threshold)
        return cls(
            rule_kind,
            threshold if rule_kind == "threshold" else Fraction(1, 2),
            rule_quorum,
            rule_lived_experience_quorum,
        )

    def check_recordable(self) -> Rule:
        """This rule, if a new record may hold it; InvalidRuleError if not.

        A lived-experience quorum above MAX_LIVED_EXPERIENCE_QUORUM would make
        every vote invalid (and 2**63 no export could be read back). Checked
        where a rule is recorded, not where one is rebuilt from a stored
        event: a ledger written before the limit must still replay.
        """
        if self.lived_experience_quorum > MAX_LIVED_EXPERIENCE_QUORUM:
            raise InvalidRuleError(
                "lived_experience_quorum must be at most "
                f"{MAX_LIVED_EXPERIENCE_QUORUM:,}, "
                f"not {shown_value(self.lived_experience_quorum)}"
            )
        return self
