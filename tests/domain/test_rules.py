"""Unit tests of decision rules: how Rule.decide turns a Tally into a verdict."""

from __future__ import annotations

import math
import typing
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from coledger import InvalidInputError, InvalidRuleError, Rule, Tally, UnknownCodeError
from coledger.domain.rules import VERDICT_REASONS

counts = st.integers(min_value=0, max_value=60)
shares = st.fractions(min_value=0, max_value=1, max_denominator=100)


def tally(
    for_: int = 0,
    against: int = 0,
    abstain: int = 0,
    block: int = 0,
    *,
    electorate: int | None = None,
    lived: int | None = None,
) -> Tally:
    """A tally whose electorate defaults to exactly the people who voted."""
    voted = for_ + against + abstain + block
    return Tally(
        for_,
        against,
        abstain,
        block,
        voted if electorate is None else electorate,
        lived,
    )


# Tally -----------------------------------------------------------------------------


@given(counts, counts, counts, counts)
def test_tally_counts_by_choice_and_participants(
    for_: int, against: int, abstain: int, block: int
) -> None:
    """A tally reports each choice's count and counts abstainers as participants."""
    t = tally(for_, against, abstain, block)
    assert t["for"] == for_
    assert t["against"] == against
    assert t["abstain"] == abstain
    assert t["block"] == block
    assert dict(t.counts) == {
        "for": for_,
        "against": against,
        "abstain": abstain,
        "block": block,
    }
    assert t.participants == for_ + against + abstain + block


def test_an_empty_tally_counts_no_one() -> None:
    """Tally() has no ballots, an electorate of 0 and lived experience unknown."""
    empty = Tally()
    assert set(empty.counts.values()) == {0}
    assert (empty.electorate, empty.lived_experience_participants) == (0, None)


# Validity: no ballots, quorum, lived-experience quorum --------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        Rule.majority(),
        Rule.supermajority(Fraction(2, 3)),
        Rule.consensus(),
        Rule.consent(),
    ],
    ids=lambda r: r.kind,
)
def test_no_ballots_is_never_valid(rule: Rule) -> None:
    """A vote in which nobody took part is not valid under any rule."""
    verdict = rule.decide(tally(electorate=7))
    assert (verdict.outcome, verdict.reason) == ("not_valid", "no_ballots")


@given(shares, st.integers(min_value=0, max_value=200))
def test_quorum_size_is_the_ceiling_of_the_share(quorum: Fraction, size: int) -> None:
    """The quorum is ceil(quorum * electorate), computed without float error."""
    rule = Rule.majority(quorum=quorum)
    expected = -(-quorum.numerator * size // quorum.denominator)
    assert rule.quorum_size(size) == expected
    assert rule.quorum_size(size) == math.ceil(quorum * size)


@pytest.mark.parametrize(
    ("quorum", "electorate", "needed"),
    [(0.5, 5, 3), (0.5, 4, 2), (1 / 3, 3, 1), (2 / 3, 3, 2), (0.6, 5, 3), (1, 4, 4)],
)
def test_float_quorum_rounds_up_exactly(
    quorum: float, electorate: int, needed: int
) -> None:
    """A float quorum such as 1/3 behaves as the fraction it names, rounded up."""
    rule = Rule.majority(quorum=quorum)
    assert rule.quorum_size(electorate) == needed
    short = rule.decide(tally(needed - 1, electorate=electorate))
    met = rule.decide(tally(needed, electorate=electorate))
    if needed > 1:
        assert (short.outcome, short.reason) == ("not_valid", "quorum_not_met")
    assert met.outcome == "adopted"


@given(shares, st.integers(min_value=1, max_value=40), st.data())
def test_quorum_met_iff_enough_took_part(
    quorum: Fraction, electorate: int, data: st.DataObject
) -> None:
    """A vote is valid exactly when at least ceil(quorum*electorate) took part."""
    rule = Rule.majority(quorum=quorum)
    took_part = data.draw(st.integers(min_value=1, max_value=electorate))
    verdict = rule.decide(tally(abstain=took_part, electorate=electorate))
    quorate = took_part >= math.ceil(quorum * electorate)
    assert (verdict.reason != "quorum_not_met") == quorate


def test_abstentions_count_towards_quorum() -> None:
    """Abstaining is taking part, so abstainers can make a vote quorate."""
    rule = Rule.majority(quorum=Fraction(1, 2))
    assert rule.decide(tally(1, electorate=4)).reason == "quorum_not_met"
    assert rule.decide(tally(1, abstain=1, electorate=4)).outcome == "adopted"


@pytest.mark.parametrize("kind", ["majority", "threshold", "consensus", "consent"])
def test_lived_experience_quorum(kind: str) -> None:
    """A vote is not valid until N voters with lived experience took part."""
    threshold = Fraction(2, 3) if kind == "threshold" else Fraction(1, 2)
    rule = Rule(kind, threshold, lived_experience_quorum=2)
    unknown = rule.decide(tally(5, lived=None))
    one_short = rule.decide(tally(5, lived=1))
    met = rule.decide(tally(5, lived=2))
    assert (unknown.outcome, unknown.reason) == (
        "not_valid",
        "lived_experience_quorum_not_met",
    )
    assert (one_short.outcome, one_short.reason) == (
        "not_valid",
        "lived_experience_quorum_not_met",
    )
    assert met.outcome == "adopted"


def test_quorum_is_checked_before_lived_experience_quorum() -> None:
    """When both quorums fail, the verdict names the general quorum."""
    rule = Rule.majority(quorum=1, lived_experience_quorum=3)
    verdict = rule.decide(tally(1, electorate=5, lived=0))
    assert verdict.reason == "quorum_not_met"


# Majority ------------------------------------------------------------------------


def test_majority_tie_fails_and_one_more_carries() -> None:
    """A majority tie is rejected; one more vote for carries it."""
    rule = Rule.majority()
    tie = rule.decide(tally(3, 3))
    assert (tie.outcome, tie.reason) == ("rejected", "no_majority")
    win = rule.decide(tally(4, 3))
    assert (win.outcome, win.reason) == ("adopted", "majority_for")


def test_majority_counts_blocks_against_and_ignores_abstentions() -> None:
    """Under majority a block counts against, and abstentions count for neither."""
    rule = Rule.majority()
    assert rule.decide(tally(3, 2, block=1)).outcome == "rejected"
    assert rule.decide(tally(1, abstain=10)).outcome == "adopted"


@given(counts, counts, counts, counts)
def test_majority_adopts_iff_for_exceeds_against_and_blocks(
    for_: int, against: int, abstain: int, block: int
) -> None:
    """Majority adopts exactly when for > against + block."""
    t = tally(for_, against, abstain, block)
    assume(t.participants > 0)
    verdict = Rule.majority().decide(t)
    assert (verdict.outcome == "adopted") == (for_ > against + block)
    assert verdict.outcome != "not_valid"


# Threshold (supermajority) ---------------------------------------------------------


def test_two_thirds_exactly_met_and_just_missed() -> None:
    """A 2/3 threshold adopts at exactly two thirds and rejects one vote short."""
    rule = Rule.supermajority(Fraction(2, 3))
    exact = rule.decide(tally(2, 1))
    assert (exact.outcome, exact.reason) == ("adopted", "threshold_met")
    assert rule.decide(tally(200, 100)).outcome == "adopted"
    missed = rule.decide(tally(199, 101))
    assert (missed.outcome, missed.reason) == ("rejected", "threshold_not_met")


def test_float_two_thirds_threshold_is_exact() -> None:
    """A float threshold of 2/3 is met by exactly two thirds despite float rounding."""
    assert Rule.supermajority(2 / 3).decide(tally(2, 1)).outcome == "adopted"


def test_threshold_counts_blocks_in_the_denominator_and_ignores_abstentions() -> None:
    """Blocks count against a threshold; abstentions neither help nor hurt."""
    rule = Rule.supermajority(Fraction(3, 4))
    assert rule.decide(tally(3, 0, block=1)).outcome == "adopted"
    assert rule.decide(tally(3, 0, block=2)).outcome == "rejected"
    assert rule.decide(tally(3, 1, abstain=50)).outcome == "adopted"


def test_one_ballot_for_among_abstentions_meets_any_threshold() -> None:
    """With one decisive ballot, a for is all of them, so even unanimity is met."""
    for threshold in (Fraction(2, 3), Fraction(1)):
        verdict = Rule.supermajority(threshold).decide(tally(1, abstain=3))
        assert (verdict.outcome, verdict.reason) == ("adopted", "threshold_met")


def test_threshold_with_only_abstentions_is_rejected() -> None:
    """When everyone abstains, no threshold of the decisive votes is met."""
    verdict = Rule.supermajority(Fraction(2, 3)).decide(tally(abstain=4))
    assert (verdict.outcome, verdict.reason) == ("rejected", "threshold_not_met")


@given(
    st.fractions(min_value=Fraction(51, 100), max_value=1, max_denominator=100),
    counts,
    counts,
    counts,
    counts,
)
def test_threshold_adopts_iff_share_of_decisive_votes_reaches_it(
    threshold: Fraction, for_: int, against: int, abstain: int, block: int
) -> None:
    """A threshold rule adopts exactly when for/(for+against+block) >= threshold."""
    t = tally(for_, against, abstain, block)
    assume(t.participants > 0)
    verdict = Rule.supermajority(threshold).decide(t)
    decisive = for_ + against + block
    expected = decisive > 0 and for_ * threshold.denominator >= (
        threshold.numerator * decisive
    )
    assert (verdict.outcome == "adopted") == expected


# Consensus and consent -------------------------------------------------------------


def test_consensus_allows_abstentions_but_no_objection() -> None:
    """Consensus is reached with abstentions, and lost to one against or block."""
    rule = Rule.consensus()
    reached = rule.decide(tally(3, abstain=2))
    assert (reached.outcome, reached.reason) == ("adopted", "consensus_reached")
    assert rule.decide(tally(9, 1)).reason == "consensus_not_reached"
    assert rule.decide(tally(9, block=1)).outcome == "rejected"
    assert rule.decide(tally(abstain=3)).outcome == "rejected"


@given(counts, counts, counts, counts)
def test_consensus_adopts_iff_someone_for_and_nobody_opposed(
    for_: int, against: int, abstain: int, block: int
) -> None:
    """Consensus adopts exactly when for > 0 and there is no against or block."""
    t = tally(for_, against, abstain, block)
    assume(t.participants > 0)
    verdict = Rule.consensus().decide(t)
    assert (verdict.outcome == "adopted") == (for_ > 0 and against == 0 and block == 0)


def test_consent_survives_objections_but_not_a_block() -> None:
    """Under consent, objections (against) do not stop a proposal; one block does."""
    rule = Rule.consent()
    objected = rule.decide(tally(1, 4))
    assert (objected.outcome, objected.reason) == ("adopted", "no_blocks")
    blocked = rule.decide(tally(9, block=1))
    assert (blocked.outcome, blocked.reason) == ("rejected", "blocked")


@given(counts, counts, counts, counts)
def test_consent_adopts_iff_no_block(
    for_: int, against: int, abstain: int, block: int
) -> None:
    """Consent adopts exactly when nobody blocks."""
    t = tally(for_, against, abstain, block)
    assume(t.participants > 0)
    assert (Rule.consent().decide(t).outcome == "adopted") == (block == 0)


@pytest.mark.parametrize(
    ("rule", "method"),
    [
        (Rule.majority(), "vote"),
        (Rule.supermajority(0.75), "vote"),
        (Rule.consensus(), "consensus"),
        (Rule.consent(), "consent"),
    ],
)
def test_rule_method_names_how_a_vote_decides(rule: Rule, method: str) -> None:
    """A vote under each rule is recorded with the matching decision method."""
    assert rule.method == method


@pytest.mark.parametrize(
    ("kind", "named"),
    [
        ("majority", Rule.majority()),
        ("consensus", Rule.consensus()),
        ("consent", Rule.consent()),
    ],
)
def test_a_named_rule_is_its_kind_with_the_defaults(kind: str, named: Rule) -> None:
    """Rule(kind) and the named constructor agree: threshold 1/2 and no quorums."""
    assert Rule(kind) == named
    assert (named.threshold, named.quorum, named.lived_experience_quorum) == (
        Fraction(1, 2),
        Fraction(0),
        0,
    )


@given(
    st.sampled_from(["majority", "threshold", "consensus", "consent"]),
    st.fractions(min_value=Fraction(51, 100), max_value=1, max_denominator=10_000),
    shares,
    st.integers(min_value=0, max_value=20),
)
def test_rule_round_trips_through_stored_fields(
    kind: str, threshold: Fraction, quorum: Fraction, le_quorum: int
) -> None:
    """A rule rebuilt from its stored fields equals the original."""
    rule = Rule(kind, threshold if kind == "threshold" else "1/2", quorum, le_quorum)
    fields = rule.to_fields()
    assert (
        Rule.from_fields(
            str(fields["rule_kind"]),
            str(fields["rule_threshold"]),
            str(fields["rule_quorum"]),
            int(fields["rule_lived_experience_quorum"]),
        )
        == rule
    )


# Invalid parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "quorum",
    [-0.01, 1.01, 2, float("nan"), True, None, "abc", [0.5], complex(0.5, 0)],
    ids=repr,
)
def test_invalid_quorum_is_refused(quorum: object) -> None:
    """A quorum that is not a number between 0 and 1 raises InvalidRuleError."""
    with pytest.raises(InvalidRuleError):
        Rule.majority(quorum=quorum)  # type: ignore[arg-type]
    with pytest.raises(InvalidRuleError):
        Rule.consent(quorum=quorum)  # type: ignore[arg-type]


def test_shares_written_as_text_are_typed_as_accepted() -> None:
    """The documented Rule.supermajority("2/3") type-checks: every share takes text."""
    for factory in (Rule.majority, Rule.supermajority, Rule.consensus, Rule.consent):
        hints = typing.get_type_hints(factory)
        shares = [
            hint for name, hint in hints.items() if name in {"quorum", "threshold"}
        ]
        assert shares
        assert all(str in typing.get_args(hint) for hint in shares)
    assert Rule.supermajority("2/3", quorum="0.5").threshold == Fraction(2, 3)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Rule.majority(quorum=50), "quorum"),
        (lambda: Rule.supermajority(66), "threshold"),
        (lambda: Rule.supermajority("2/3", quorum="abc"), "quorum"),
    ],
    ids=["quorum 50", "threshold 66", "quorum text"],
)
def test_a_share_out_of_range_names_its_argument(
    make: typing.Callable[[], Rule], field: str
) -> None:
    """The error for a share says which argument was wrong."""
    with pytest.raises(InvalidRuleError, match=f"^{field} "):
        make()


def test_a_share_given_as_a_decimal_is_the_number_it_names() -> None:
    """A Decimal share is a number like any other: Decimal("0.5") is one half.

    Before, Rule.majority(quorum=Decimal("0.5")) was refused as "not a number
    between 0 and 1", though it is one (Thresholds takes Decimals too).
    """
    assert Rule.majority(quorum=Decimal("0.5")).quorum == Fraction(1, 2)
    assert Rule.supermajority(Decimal("0.75")).threshold == Fraction(3, 4)
    assert Rule.majority(quorum=Decimal("1E-999999999")).quorum == 0
    for wrong in ("1.5", "-0.1", "NaN", "sNaN", "Infinity"):
        with pytest.raises(InvalidRuleError, match=r"^quorum "):
            Rule.majority(quorum=Decimal(wrong))


@pytest.mark.parametrize("value", [float("inf"), float("-inf")], ids=repr)
def test_infinite_quorum_is_refused(value: float) -> None:
    """An infinite quorum raises InvalidRuleError like any other out-of-range value."""
    with pytest.raises(InvalidRuleError):
        Rule.majority(quorum=value)


@pytest.mark.parametrize(
    "threshold", [0.5, Fraction(1, 2), 0.3, 0, 1.5, -1, "x", None], ids=repr
)
def test_invalid_supermajority_threshold_is_refused(threshold: object) -> None:
    """A threshold at or below one half, or outside 0..1, raises InvalidRuleError."""
    with pytest.raises(InvalidRuleError):
        Rule.supermajority(threshold)  # type: ignore[arg-type]


def test_threshold_just_above_half_and_unanimity_are_allowed() -> None:
    """Any threshold above one half, up to unanimity, is a valid rule."""
    assert Rule.supermajority(Fraction(501, 1000)).threshold == Fraction(501, 1000)
    unanimity = Rule.supermajority(1)
    assert unanimity.decide(tally(5, 1)).outcome == "rejected"
    assert unanimity.decide(tally(5, abstain=1)).outcome == "adopted"


def test_a_threshold_kept_as_one_half_says_so() -> None:
    """A threshold just above one half that is kept as 1/2 is refused naming 1/2.

    Before, Rule.supermajority(0.50001) was told it "needs a threshold above
    1/2", which 0.50001 is: the rounding to 1/10,000 went unmentioned.
    """
    with pytest.raises(InvalidRuleError, match=r"not 1/2 .*10,000"):
        Rule.supermajority(0.50001)
    with pytest.raises(InvalidRuleError, match=r"not 2/5 "):
        Rule("threshold", Fraction(2, 5))


def test_a_share_is_kept_to_a_denominator_of_at_most_ten_thousand() -> None:
    """A finer share is kept as the nearest fraction with a denominator <= 10,000."""
    assert Rule.majority(quorum=Fraction(1, 10_001)).quorum == Fraction(1, 10_000)
    assert Rule.majority(quorum=Fraction(3, 10_000)).quorum == Fraction(3, 10_000)


def test_a_share_written_in_more_than_forty_characters_is_refused() -> None:
    """Forty characters of text are read as a share; forty-one are refused unread."""
    forty = "0.5" + "0" * 37
    assert Rule("majority", quorum=forty).quorum == Fraction(1, 2)
    with pytest.raises(InvalidRuleError, match="too long"):
        Rule("majority", quorum=forty + "0")


@pytest.mark.parametrize(
    "text", ["0.7\n", " 0.7", "0.7 ", "\t0.7", "\u00a00.7", "\x0b0.7", "\r\n0.7"]
)
def test_a_share_with_a_space_or_line_break_around_it_is_refused(text: str) -> None:
    """Fraction ignores spaces and line breaks around a number; a share refuses them."""
    with pytest.raises(InvalidRuleError, match="space or a line break"):
        Rule.supermajority(text)
    with pytest.raises(InvalidRuleError, match=r"^quorum .*space or a line break"):
        Rule.majority(quorum=text.replace("7", "5"))
    assert Rule.supermajority("0.7").threshold == Fraction(7, 10)


def test_a_share_refused_for_its_length_says_so() -> None:
    """A share written in 41 characters is refused as too long, not as no number."""
    with pytest.raises(InvalidRuleError) as refused:
        Rule.majority(quorum="0." + "1" * 40)
    message = str(refused.value)
    assert "too long: 42 characters" in message
    assert "at most 40" in message
    assert "not a number" not in message


@pytest.mark.parametrize("kind", ["majority", "consensus", "consent"])
def test_a_threshold_is_refused_where_the_rule_has_none(kind: str) -> None:
    """Only a supermajority has a threshold; another kind given one is refused.

    Before, Rule("majority", "2/3") made a simple majority rule, and a body
    given it adopted on three votes for and two against.
    """
    with pytest.raises(InvalidRuleError, match=r"supermajority"):
        Rule(kind, "2/3")
    assert Rule(kind, "1/2") == Rule(kind)


@pytest.mark.parametrize("kind", ["majority", "consensus", "consent"])
def test_a_stored_rule_of_another_kind_replays_at_one_half(kind: str) -> None:
    """A threshold stored with another kind, which never counted, is read as 1/2."""
    rule = Rule.from_fields(kind, "2/3", "1/4", 1)
    assert rule == Rule(kind, quorum="1/4", lived_experience_quorum=1)


@pytest.mark.parametrize("le_quorum", [-1, 1.5, True, "2", None], ids=repr)
def test_invalid_lived_experience_quorum_is_refused(le_quorum: object) -> None:
    """A lived-experience quorum must be a whole number of at least zero."""
    with pytest.raises(InvalidRuleError):
        Rule.majority(lived_experience_quorum=le_quorum)  # type: ignore[arg-type]


def test_a_recorded_lived_experience_quorum_is_at_most_ten_thousand() -> None:
    """check_recordable passes a rule needing 10,000 voters and refuses 10,001."""
    largest = Rule.majority(lived_experience_quorum=10_000)
    assert largest.check_recordable() is largest
    with pytest.raises(InvalidRuleError, match="at most 10,000"):
        Rule.majority(lived_experience_quorum=10_001).check_recordable()


@pytest.mark.parametrize("kind", ["unanimity", "", "Majority", 5, None], ids=repr)
def test_unknown_rule_kind_is_refused(kind: object) -> None:
    """A rule kind outside majority, threshold, consensus and consent is refused."""
    with pytest.raises(InvalidRuleError):
        Rule(kind)  # type: ignore[arg-type]


def test_unhashable_rule_kind_is_refused() -> None:
    """A rule kind of the wrong, unhashable type raises InvalidRuleError."""
    with pytest.raises(InvalidRuleError):
        Rule(["majority"])  # type: ignore[arg-type]


@given(
    st.sampled_from(["majority", "consensus", "consent", "threshold"]),
    st.tuples(counts, counts, counts, counts, counts),
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=5),
)
def test_every_verdict_reason_is_in_the_closed_vocabulary(
    kind: str, votes: tuple[int, int, int, int, int], le_quorum: int, lived: int
) -> None:
    """decide() gives only reasons an import accepts, each with its one outcome."""
    for_, against, abstain, block, extra = votes
    threshold = Fraction(2, 3) if kind == "threshold" else Fraction(1, 2)
    rule = Rule(kind, threshold, Fraction(1, 2), le_quorum)
    voted = for_ + against + abstain + block
    verdict = rule.decide(
        tally(
            for_,
            against,
            abstain,
            block,
            electorate=voted + extra,
            lived=min(lived, voted),
        )
    )
    assert VERDICT_REASONS[verdict.reason] == verdict.outcome
    assert verdict.outcome in {"adopted", "rejected", "not_valid"}


@pytest.mark.parametrize(
    "choice", ["yes", "For", "for_", "", None, 0, ("for",), ["for"], {"for": 1}]
)
def test_a_tally_read_by_a_choice_it_does_not_count_says_which_it_does(
    choice: object,
) -> None:
    """``tally[choice]`` refuses an unknown choice with UnknownCodeError.

    Before, a bare KeyError (``KeyError: 'yes'``) came out, outside the
    hierarchy and without saying which choices there are.
    """
    with pytest.raises(UnknownCodeError, match="abstain, against, block, for"):
        tally(1, 2, 3, 4)[choice]  # type: ignore[index]
    assert tally(1, 2, 3, 4)["block"] == 4


@pytest.mark.parametrize(
    "fields",
    [
        {"for_": "3"},
        {"against": -1},
        {"abstain": 1.5},
        {"block": True},
        {"electorate": None},
        {"lived_experience_participants": -2},
        {"lived_experience_participants": "1"},
    ],
    ids=lambda fields: next(iter(fields)),
)
def test_a_tally_of_anything_but_whole_counts_is_refused(
    fields: dict[str, object],
) -> None:
    """Tally() refuses a count that is not a whole number >= 0 (InvalidInputError).

    Before, it took anything: a count of "3" made decide() raise a bare
    TypeError, and one of -1 or 1.5 was decided as if it were a vote.
    """
    with pytest.raises(InvalidInputError, match=f"^{next(iter(fields))} "):
        Tally(**fields)  # type: ignore[arg-type]


def test_a_count_of_another_type_is_named_by_its_type_not_echoed() -> None:
    """A Tally count that is not an int is named by its type, its value not echoed."""
    with pytest.raises(InvalidInputError) as refused:
        Tally(for_="private note " * 50)  # type: ignore[arg-type]
    assert str(refused.value) == "for_ must be a whole number >= 0, not str"


@pytest.mark.parametrize("given_tally", [None, {"for": 3}, (3, 0, 0, 0, 3)])
def test_deciding_what_is_not_a_tally_is_refused(given_tally: object) -> None:
    """Rule.decide() refuses anything but a Tally with InvalidInputError.

    Before, None raised a bare AttributeError from inside the rule.
    """
    with pytest.raises(InvalidInputError, match=r"a coledger\.Tally"):
        Rule.majority().decide(given_tally)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", ["7", -1, 2.5, None, True])
def test_a_quorum_size_of_anything_but_a_whole_electorate_is_refused(
    size: object,
) -> None:
    """Rule.quorum_size() refuses an electorate that is not a whole number >= 0.

    Before, "7" raised a bare TypeError and -1 gave a quorum of 0.
    """
    with pytest.raises(InvalidInputError, match=r"^electorate "):
        Rule.majority(quorum=0.5).quorum_size(size)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "impossible", "match"),
    [
        (Rule.majority(quorum=1), Tally(for_=1), "more ballots than its electorate"),
        (
            Rule.majority(quorum=1),
            Tally(for_=5, against=1, electorate=3),
            "more ballots than its electorate",
        ),
        (
            Rule.majority(lived_experience_quorum=2),
            Tally(for_=1, electorate=1, lived_experience_participants=2),
            "more voters with lived experience than took part",
        ),
    ],
    ids=["electorate_0", "overcounted", "lived_overcounted"],
)
def test_deciding_a_tally_no_vote_could_give_is_refused(
    rule: Rule, impossible: Tally, match: str
) -> None:
    """decide() refuses a tally with more ballots or lived experience than possible.

    Before, each was adopted: a vote nobody could cast (an electorate of 0),
    and one person's ballot meeting a lived-experience quorum of 2, where any
    real vote of one would not be valid. An import refuses the same counts.
    """
    with pytest.raises(InvalidInputError, match=match):
        rule.decide(impossible)


TOO_LONG_TO_WRITE = 10**5000
"""A whole number of more digits than Python writes out (4,300 by default)."""


@pytest.mark.parametrize(
    "make",
    [
        lambda: Rule.majority(quorum=TOO_LONG_TO_WRITE),
        lambda: Rule.supermajority(-TOO_LONG_TO_WRITE),
        lambda: Rule.majority(lived_experience_quorum=-TOO_LONG_TO_WRITE),
        lambda: Rule.majority(
            lived_experience_quorum=TOO_LONG_TO_WRITE
        ).check_recordable(),
        lambda: Rule(TOO_LONG_TO_WRITE),  # type: ignore[arg-type]
    ],
    ids=["quorum", "threshold", "negative le quorum", "recorded le quorum", "kind"],
)
def test_a_number_too_long_to_write_is_refused_as_a_bad_rule(
    make: typing.Callable[[], Rule],
) -> None:
    """A rule value of 5,001 digits raises InvalidRuleError, not a bare ValueError."""
    with pytest.raises(InvalidRuleError, match="5,001 digits"):
        make()


def test_a_count_too_long_to_write_is_refused_as_bad_input() -> None:
    """A tally count or electorate of -10**5000 raises InvalidInputError naming it."""
    with pytest.raises(InvalidInputError, match=r"^against .*5,001 digits"):
        Tally(against=-TOO_LONG_TO_WRITE)
    with pytest.raises(InvalidInputError, match=r"^electorate .*5,001 digits"):
        Rule.majority().quorum_size(-TOO_LONG_TO_WRITE)
