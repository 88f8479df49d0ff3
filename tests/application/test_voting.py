"""Voting on every backend: electorates, ballots, rules, access first, decide()."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger, Rule
from coledger.errors import (
    EmptyElectorateError,
    InvalidIdError,
    InvalidInputError,
    NotAMemberError,
    NotInElectorateError,
    ProposalClosedError,
    SupporterNotAuthorisedError,
    TimeOrderError,
    UnknownProposalError,
    UnmetAdjustmentsError,
    VotingAlreadyOpenedError,
    VotingNotOpenError,
    WrongStateError,
)
from conftest import TEST_MASTER_KEY
from helpers import refused


def board_with(
    ledger: Ledger,
    voters: int,
    rule: Rule | None = None,
    seated_at: datetime | None = None,
) -> tuple[UUID, UUID, list[UUID]]:
    """An admin, a governance body under *rule*, and *voters* voting-seat holders."""
    admin = ledger.register_member("Admin", role="staff")
    body = ledger.establish_body(
        "Board", kind="governance", rule=rule, by=admin, occurred_at=seated_at
    )
    members = [ledger.register_member(f"Voter {i}") for i in range(voters)]
    for member in members:
        ledger.assign_seat(body, member, by=admin, occurred_at=seated_at)
    return admin, body, members


def vote(
    ledger: Ledger,
    proposal: UUID,
    choices: dict[UUID, str],
    occurred_at: datetime | None = None,
) -> None:
    """Cast one ballot per voter."""
    for voter, choice in choices.items():
        ledger.cast_ballot(
            proposal, voter=voter, choice=choice, occurred_at=occurred_at
        )


def test_majority_vote_from_opening_to_decision(ledger: Ledger) -> None:
    """A vote runs open, ballots, close; the latest ballot counts; then it is fixed."""
    admin, body, (a, b, c) = board_with(ledger, 3)
    observer = ledger.register_member("Observer")
    ledger.assign_seat(body, observer, seat="observer", by=admin)
    p = ledger.raise_proposal(body, proposers=[a], title="Buy kit", text="Balls.")

    with refused(ledger, VotingNotOpenError):
        ledger.cast_ballot(p, voter=a, choice="for")
    with refused(ledger, VotingNotOpenError):
        ledger.close_voting(p, by=admin)

    electorate = ledger.open_voting(p, by=admin)
    assert electorate == (a, b, c)
    view = ledger.proposal(p)
    assert view.status == "voting"
    assert view.electorate == (a, b, c)
    assert view.rule == Rule.majority()
    assert view.access_override is None
    with refused(ledger, VotingAlreadyOpenedError):
        ledger.open_voting(p, by=admin)

    vote(ledger, p, {a: "against", b: "against", c: "for"})
    ledger.cast_ballot(p, voter=a, choice="for")  # replaces a's earlier ballot
    running = ledger.tally(p)
    assert (running.for_, running.against, running.abstain, running.block) == (
        2,
        1,
        0,
        0,
    )
    assert running.electorate == 3
    assert {ballot.voter: ballot.choice for ballot in ledger.proposal(p).ballots} == {
        a: "for",
        b: "against",
        c: "for",
    }

    decision = ledger.close_voting(p, by=admin)
    assert decision.outcome == "adopted"
    assert decision.method == "vote"
    assert decision.reason == "majority_for"
    assert set(decision.decided_by) == {a, b, c}
    assert decision.overrode_vote is False
    assert decision.tally == running
    after = ledger.proposal(p)
    assert after.status == "decided"
    assert after.decision == decision
    assert after.decisions == (decision,)

    with refused(ledger, VotingNotOpenError):
        ledger.cast_ballot(p, voter=b, choice="for")
    with refused(ledger, VotingNotOpenError):
        ledger.close_voting(p, by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.open_voting(p, by=admin)
    assert ledger.tally(p) == running


def test_electorate_is_fixed_when_voting_opens(ledger: Ledger) -> None:
    """Only voting-seat holders at opening may vote; later seat changes do not count."""
    admin, body, (a, b) = board_with(ledger, 2)
    adviser = ledger.register_member("Adviser")
    ledger.assign_seat(body, adviser, seat="advisory", by=admin)
    ex_officio = ledger.register_member("Ex officio")
    ledger.assign_seat(body, ex_officio, seat="ex_officio", by=admin)
    outsider = ledger.register_member("Outsider")
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="Text")
    assert ledger.open_voting(p, by=admin) == (a, b)

    late = ledger.register_member("Late")
    ledger.assign_seat(body, late, by=admin)
    ledger.vacate_seat(body, b, by=admin)
    for voter in (late, adviser, ex_officio, outsider, admin):
        with refused(ledger, NotInElectorateError):
            ledger.cast_ballot(p, voter=voter, choice="for")
    with refused(ledger, NotAMemberError):
        ledger.cast_ballot(p, voter=uuid4(), choice="for")
    with refused(ledger, InvalidIdError):
        ledger.cast_ballot(p, voter="a", choice="for")  # type: ignore[arg-type]
    with refused(ledger, UnknownProposalError):
        ledger.cast_ballot(uuid4(), voter=a, choice="for")
    with refused(ledger, UnknownProposalError):
        ledger.cast_ballot(body, voter=a, choice="for")

    ledger.cast_ballot(p, voter=b, choice="for")  # vacated after opening: still in
    decision = ledger.close_voting(p, by=admin)
    assert decision.tally is not None
    assert decision.tally.electorate == 2
    assert decision.decided_by == (b,)


def test_rule_is_fixed_when_voting_opens(ledger: Ledger) -> None:
    """A rule change applies to votes opened after it, not to a vote already open."""
    admin, body, (a, b, c) = board_with(ledger, 3)
    first = ledger.raise_proposal(body, proposers=[a], title="First", text="x")
    ledger.open_voting(first, by=admin)
    ledger.change_rule(body, Rule.consensus(), by=admin)
    assert ledger.body(body).rule == Rule.consensus()
    second = ledger.raise_proposal(body, proposers=[a], title="Second", text="x")
    ledger.open_voting(second, by=admin)
    for p in (first, second):
        vote(ledger, p, {a: "for", b: "for", c: "against"})
    assert ledger.close_voting(first, by=admin).outcome == "adopted"  # majority
    assert ledger.close_voting(second, by=admin).outcome == "rejected"  # consensus
    assert ledger.proposal(first).rule == Rule.majority()
    assert ledger.proposal(second).rule == Rule.consensus()


RULE_CASES: list[tuple[Rule, list[str], str, str]] = [
    (
        Rule.majority(),
        ["for", "for", "against", "against", "abstain"],
        "rejected",
        "vote",
    ),
    (
        Rule.majority(),
        ["for", "for", "against", "abstain", "abstain"],
        "adopted",
        "vote",
    ),
    (
        Rule.majority(),
        ["for", "for", "against", "block", "abstain"],
        "rejected",
        "vote",
    ),
    (Rule.supermajority(Fraction(2, 3)), ["for", "for", "against"], "adopted", "vote"),
    (
        Rule.supermajority(Fraction(3, 4)),
        ["for", "for", "against", "abstain"],
        "rejected",
        "vote",
    ),
    (Rule.consensus(), ["for", "abstain", "abstain"], "adopted", "consensus"),
    (
        Rule.consensus(),
        ["for", "for", "for", "for", "against"],
        "rejected",
        "consensus",
    ),
    (Rule.consent(), ["for", "against", "against", "abstain"], "adopted", "consent"),
    (Rule.consent(), ["for", "for", "for", "for", "block"], "rejected", "consent"),
    (Rule.majority(quorum=Fraction(1, 2)), ["for", "for"], "not_valid", "vote"),
    (Rule.majority(quorum=0.6), ["for", "against", "for"], "adopted", "vote"),
]


def test_a_vote_is_decided_by_the_tally_of_each_rule(ledger: Ledger) -> None:
    """Closing a vote records the outcome and method the body's rule gives its tally."""
    admin, body, voters = board_with(ledger, 5)
    for rule, choices, expected, method in RULE_CASES:
        ledger.change_rule(body, rule, by=admin)
        p = ledger.raise_proposal(body, proposers=[voters[0]], title="T", text="x")
        ledger.open_voting(p, by=admin)
        vote(ledger, p, dict(zip(voters, choices, strict=False)))
        tally = ledger.tally(p)
        assert tally.participants == len(choices)
        assert tally.electorate == 5
        decision = ledger.close_voting(p, by=admin)
        verdict = rule.decide(tally)
        assert decision.outcome == verdict.outcome == expected, (rule, choices)
        assert decision.reason == verdict.reason
        assert decision.method == method
        assert ledger.proposal(p).decision == decision


RULES = st.sampled_from(
    [
        Rule.majority(),
        Rule.majority(quorum=Fraction(3, 5)),
        Rule.supermajority(Fraction(2, 3)),
        Rule.consensus(),
        Rule.consent(quorum=Fraction(1, 2)),
    ]
)
BALLOTS = st.lists(
    st.tuples(
        st.integers(0, 4), st.sampled_from(["for", "against", "abstain", "block"])
    ),
    max_size=12,
)


@given(rule=RULES, ballots=BALLOTS)
def test_tally_counts_latest_ballots_and_close_follows_the_rule(
    rule: Rule, ballots: list[tuple[int, str]]
) -> None:
    """For any ballots, the tally counts each last choice and the rule decides."""
    with Ledger.open("memory://") as ledger:
        admin, body, voters = board_with(ledger, 5, rule)
        p = ledger.raise_proposal(body, proposers=[admin], title="T", text="x")
        ledger.open_voting(p, by=admin)
        latest: dict[UUID, str] = {}
        for index, choice in ballots:
            ledger.cast_ballot(p, voter=voters[index], choice=choice)
            latest[voters[index]] = choice
        tally = ledger.tally(p)
        assert dict(tally.counts) == {
            choice: sum(1 for c in latest.values() if c == choice)
            for choice in ("for", "against", "abstain", "block")
        }
        decision = ledger.close_voting(p, by=admin)
        assert decision.outcome == rule.decide(tally).outcome
        assert set(decision.decided_by) == set(latest)
        assert ledger.tally(p) == tally


def test_lived_experience_quorum_counts_declared_voters_at_close(
    ledger: Ledger,
) -> None:
    """A vote needs N voters with an active lived-experience declaration to be valid."""
    admin, body, (a, b, c) = board_with(
        ledger, 3, Rule.majority(lived_experience_quorum=2)
    )
    for member in (a, b):
        ledger.declare_lived_experience(member, categories=["DIS"])

    short = ledger.raise_proposal(body, proposers=[a], title="Short", text="x")
    ledger.open_voting(short, by=admin)
    vote(ledger, short, {a: "for", c: "for"})
    not_valid = ledger.close_voting(short, by=admin)
    assert not_valid.outcome == "not_valid"
    assert not_valid.reason == "lived_experience_quorum_not_met"
    assert not_valid.tally is not None
    assert not_valid.tally.lived_experience_participants == 1

    met = ledger.raise_proposal(body, proposers=[a], title="Met", text="x")
    ledger.open_voting(met, by=admin)
    vote(ledger, met, {a: "for", b: "for", c: "abstain"})
    valid = ledger.close_voting(met, by=admin)
    assert valid.outcome == "adopted"
    assert valid.tally is not None
    assert valid.tally.lived_experience_participants == 2

    withdrawn = ledger.raise_proposal(body, proposers=[a], title="Gone", text="x")
    ledger.open_voting(withdrawn, by=admin)
    vote(ledger, withdrawn, {a: "for", b: "for"})
    ledger.withdraw_lived_experience(b)
    assert ledger.close_voting(withdrawn, by=admin).outcome == "not_valid"


def test_an_open_vote_s_count_so_far_counts_voters_with_lived_experience(
    memory_ledger: Ledger,
) -> None:
    """Under a lived-experience quorum, the count so far says how many have voted."""
    ledger = memory_ledger
    admin, body, (a, b, c) = board_with(
        ledger, 3, Rule.majority(lived_experience_quorum=2)
    )
    for member in (a, b):
        ledger.declare_lived_experience(member, categories=["DIS"])
    p = ledger.raise_proposal(body, proposers=[a], title="Short", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for", c: "for"})
    assert ledger.tally(p).lived_experience_participants == 1
    assert ledger.proposal(p).tally == ledger.tally(p)
    closed = ledger.close_voting(p, by=admin).tally
    assert closed == ledger.tally(p) == ledger.proposal(p).tally


def test_a_withdrawn_vote_s_count_still_counts_voters_with_lived_experience(
    memory_ledger: Ledger,
) -> None:
    """A vote ended by a withdrawal keeps its lived-experience count, not None."""
    ledger = memory_ledger
    admin, body, (a, _, c) = board_with(
        ledger, 3, Rule.majority(lived_experience_quorum=2)
    )
    ledger.declare_lived_experience(a, categories=["DIS"])
    p = ledger.raise_proposal(body, proposers=[a], title="Short", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for", c: "for"})
    ledger.withdraw_proposal(p, by=admin)
    assert ledger.tally(p).lived_experience_participants == 1


def test_lived_experience_quorum_reads_declarations_in_business_time(
    ledger: Ledger,
) -> None:
    """Minutes of a March vote, entered later: a June declaration does not count."""
    march, june = datetime(2024, 3, 2, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
    admin, body, (a, b, c) = board_with(
        ledger, 3, Rule.majority(lived_experience_quorum=2), seated_at=march
    )
    ledger.declare_lived_experience(a, categories=["DIS"], occurred_at=march)
    ledger.declare_lived_experience(b, categories=["DIS"], occurred_at=june)
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=march
    )
    ledger.open_voting(p, by=admin, occurred_at=march)
    vote(ledger, p, {a: "for", b: "for", c: "for"}, occurred_at=march)
    decision = ledger.close_voting(p, by=admin, occurred_at=march)
    assert decision.tally is not None
    assert decision.tally.lived_experience_participants == 1
    assert decision.outcome == "not_valid"  # as the reports would count it


def test_empty_electorate_cannot_open_voting(ledger: Ledger) -> None:
    """A body without voting seats cannot open a vote, and nothing is recorded."""
    admin, body, _ = board_with(ledger, 0)
    member = ledger.register_member("Observer")
    ledger.assign_seat(body, member, seat="observer", by=admin)
    p = ledger.raise_proposal(body, proposers=[member], title="T", text="x")
    with refused(ledger, EmptyElectorateError):
        ledger.open_voting(p, by=admin)
    assert ledger.proposal(p).status == "raised"


def test_an_electorate_all_erased_is_refused_for_what_it_is(ledger: Ledger) -> None:
    """Voting seats held only by erased members are refused as such, not as none."""
    admin, body, (a,) = board_with(ledger, 1)
    p = ledger.raise_proposal(body, proposers=[admin], title="T", text="x")
    ledger.erase_member(a, by=admin)
    assert ledger.body(body).voting_members == (a,)
    with refused(ledger, EmptyElectorateError, match="erased") as raised:
        ledger.open_voting(p, by=admin)
    assert "no voting seats" not in str(raised.value)
    assert ledger.proposal(p).status == "raised"


def test_open_and_close_need_a_member_and_a_known_proposal(ledger: Ledger) -> None:
    """Opening or closing a vote by a non-member, or on an unknown id, is refused."""
    admin, body, (a,) = board_with(ledger, 1)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    with refused(ledger, NotAMemberError):
        ledger.open_voting(p, by=uuid4())
    with refused(ledger, UnknownProposalError):
        ledger.open_voting(uuid4(), by=admin)
    with refused(ledger, InvalidIdError):
        ledger.open_voting(str(p), by=admin)  # type: ignore[arg-type]
    ledger.open_voting(p, by=admin)
    with refused(ledger, NotAMemberError):
        ledger.close_voting(p, by=body)
    with refused(ledger, UnknownProposalError):
        ledger.close_voting(a, by=admin)


def test_supporter_ballot_needs_consent_and_stays_the_members(ledger: Ledger) -> None:
    """A supporter votes only with recorded consent, and the ballot is the member's."""
    admin, body, (a, b) = board_with(ledger, 2)
    helper = ledger.register_member("Helper", role="supporter")
    p = ledger.raise_proposal(body, proposers=[b], title="T", text="x")
    ledger.open_voting(p, by=admin)

    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(p, voter=a, choice="for", supporter=helper)
    with refused(ledger, NotAMemberError):
        ledger.cast_ballot(p, voter=a, choice="for", supporter=uuid4())
    own = "a member cannot be their own supporter"
    with refused(ledger, SupporterNotAuthorisedError, match=own):
        ledger.cast_ballot(p, voter=a, choice="for", supporter=a)
    with refused(ledger, SupporterNotAuthorisedError, match=own):
        ledger.comment(p, author=a, text="Yes", supporter=a)

    ledger.authorise_supporter(a, helper)
    ledger.cast_ballot(p, voter=a, choice="against", supporter=helper)
    (ballot,) = ledger.proposal(p).ballots
    assert (ballot.voter, ballot.choice, ballot.supporter) == (a, "against", helper)
    assert ledger.tally(p).against == 1
    last = list(ledger.history())[-1].event
    assert last.actor == helper

    # The supporter has no seat: the ballot is a's, and a may replace it in person.
    ledger.cast_ballot(p, voter=a, choice="for")
    (ballot,) = ledger.proposal(p).ballots
    assert (ballot.voter, ballot.choice, ballot.supporter) == (a, "for", None)
    assert list(ledger.history())[-1].event.actor == a

    # Consent can be withdrawn.
    ledger.revoke_supporter(a, helper)
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(p, voter=a, choice="abstain", supporter=helper)
    # A supporter authorised by one member cannot vote for another.
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(p, voter=b, choice="for", supporter=helper)
    decision = ledger.close_voting(p, by=admin)
    assert decision.decided_by == (a,)


MONTHS = {m: datetime(2024, m, 1, tzinfo=UTC) for m in range(1, 7)}
"""The first of each month, January to June 2024."""


def supported_vote(ledger: Ledger) -> tuple[dict[int, datetime], UUID, UUID, UUID]:
    """A one-seat board from January, a supporter, a vote open from 1 February."""
    admin, body, (a,) = board_with(ledger, 1, seated_at=MONTHS[1])
    helper = ledger.register_member("Helper", role="supporter")
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=MONTHS[2]
    )
    ledger.open_voting(p, by=admin, occurred_at=MONTHS[2])
    return MONTHS, a, helper, p


def test_a_supporter_acts_only_while_consent_held_in_business_time(
    ledger: Ledger,
) -> None:
    """Consent is read at the ballot's own date: not before it, still after it ended."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    early = on[2] + timedelta(days=14)  # consent came on 1 March
    with refused(ledger, SupporterNotAuthorisedError, match="at 2024-02-15"):
        ledger.cast_ballot(
            p, voter=a, choice="for", supporter=helper, occurred_at=early
        )
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.comment(p, author=a, text="Yes", supporter=helper, occurred_at=early)
    with refused(ledger, TimeOrderError, match="their consent"):
        ledger.revoke_supporter(a, helper, occurred_at=on[2])
    ledger.revoke_supporter(a, helper, occurred_at=on[5])
    # Minutes entered late: on 1 April the consent held, so the ballot stands.
    ledger.cast_ballot(p, voter=a, choice="for", supporter=helper, occurred_at=on[4])
    (ballot,) = ledger.proposal(p).ballots
    assert (ballot.supporter, ballot.choice) == (helper, "for")
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(
            p, voter=a, choice="against", supporter=helper, occurred_at=on[6]
        )


def test_a_consent_recorded_again_from_an_earlier_date_holds_from_then(
    ledger: Ledger,
) -> None:
    """Authorising a supporter already authorised, dated earlier, moves consent back."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[5])
    # The minutes show she had consented in March: recorded so, it holds then.
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ledger.cast_ballot(p, voter=a, choice="for", supporter=helper, occurred_at=on[4])
    (ballot,) = ledger.proposal(p).ballots
    assert ballot.supporter == helper
    ledger.authorise_supporter(a, helper, occurred_at=on[4])  # held then: no event
    authorised = [
        r for r in ledger.history() if type(r.event).__name__ == "SupporterAuthorised"
    ]
    assert len(authorised) == 2


def test_a_consent_dated_before_its_revocation_cannot_undo_it(ledger: Ledger) -> None:
    """An authorisation back-dated before a revocation is refused, not left open."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ledger.revoke_supporter(a, helper, occurred_at=on[5])
    with refused(ledger, TimeOrderError, match="their consent was revoked"):
        ledger.authorise_supporter(a, helper, occurred_at=on[2])
    with refused(ledger, TimeOrderError):  # it held then, but was revoked since
        ledger.authorise_supporter(a, helper, occurred_at=on[4])
    ledger.authorise_supporter(a, helper, occurred_at=on[6])
    with refused(ledger, TimeOrderError, match="their consent was revoked"):
        ledger.authorise_supporter(a, helper, occurred_at=on[2])
    assert ledger.member(a).supporters == frozenset({helper})
    gap = on[5] + timedelta(days=14)  # between the revocation and the new consent
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(p, voter=a, choice="for", supporter=helper, occurred_at=gap)


def act_through(
    ledger: Ledger, act: str, p: UUID, a: UUID, helper: UUID, *, at: datetime
) -> None:
    """Member *a* comments or votes on *p* through *helper*, dated *at*."""
    if act == "comment":
        ledger.comment(p, author=a, text="Yes", supporter=helper, occurred_at=at)
    else:
        ledger.cast_ballot(p, voter=a, choice="for", supporter=helper, occurred_at=at)


@pytest.mark.parametrize("act", ["comment", "ballot"])
def test_a_revocation_may_not_come_at_or_before_an_act_through_the_supporter(
    ledger: Ledger, act: str
) -> None:
    """Revoking consent at or before an act through the supporter is refused."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    act_through(ledger, act, p, a, helper, at=on[4])
    named = f"{act} on proposal {p} made through them \\({re.escape(on[4].isoformat())}"
    with refused(ledger, TimeOrderError, match=named):
        ledger.revoke_supporter(a, helper, occurred_at=on[3] + timedelta(days=1))
    with refused(ledger, TimeOrderError, match=named):
        ledger.revoke_supporter(a, helper, occurred_at=on[4])
    assert ledger.member(a).supporters == frozenset({helper})
    just_after = on[4] + timedelta(microseconds=1)
    ledger.revoke_supporter(a, helper, occurred_at=just_after)
    assert ledger.member(a).supporters == frozenset()


def test_the_latest_act_through_the_supporter_bounds_a_revocation(
    ledger: Ledger,
) -> None:
    """Of several acts through a supporter, the latest, not the first, is the floor."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    act_through(ledger, "ballot", p, a, helper, at=on[5])
    act_through(ledger, "comment", p, a, helper, at=on[4])  # entered late
    ledger.cast_ballot(p, voter=a, choice="against", occurred_at=on[6])  # in person
    with refused(
        ledger, TimeOrderError, match=f"ballot.*{re.escape(on[5].isoformat())}"
    ):
        ledger.revoke_supporter(a, helper, occurred_at=on[4] + timedelta(days=1))
    ledger.revoke_supporter(a, helper, occurred_at=on[5] + timedelta(days=1))


def test_acts_for_others_or_through_others_do_not_bound_a_revocation(
    ledger: Ledger,
) -> None:
    """Only the member's own acts through that supporter bound its revocation."""
    on, a, helper, p = supported_vote(ledger)
    other = ledger.register_member("Other helper", role="supporter")
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ledger.authorise_supporter(a, other, occurred_at=on[3])
    ledger.authorise_supporter(helper, other, occurred_at=on[3])
    ledger.comment(p, author=a, text="Hi", supporter=other, occurred_at=on[5])
    ledger.comment(p, author=helper, text="Hi", supporter=other, occurred_at=on[5])
    ledger.cast_ballot(p, voter=a, choice="for", occurred_at=on[5])
    ledger.revoke_supporter(a, helper, occurred_at=on[4])
    assert ledger.member(a).supporters == frozenset({other})


def test_a_revocation_at_the_default_time_follows_an_act_dated_ahead(
    ledger: Ledger,
) -> None:
    """Given no time, a revocation comes just after an act a fast clock dated ahead."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    act_through(ledger, "comment", p, a, helper, at=ahead)
    ledger.revoke_supporter(a, helper)
    revoked = list(ledger.history())[-1].event
    assert type(revoked).__name__ == "SupporterRevoked"
    assert revoked.occurred_at > ahead


def test_acts_at_the_default_time_follow_a_consent_dated_ahead(ledger: Ledger) -> None:
    """Given no time, a comment or ballot through a supporter follows their consent.

    A consent a fast clock dated ahead held from then on, and an earlier one
    revoked since does not hold the act back: it is dated the later consent's
    start, not refused for another writer's clock.
    """
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ledger.revoke_supporter(a, helper, occurred_at=on[4])
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.authorise_supporter(a, helper, occurred_at=ahead)
    ledger.comment(p, author=a, text="Yes", supporter=helper)
    ledger.cast_ballot(p, voter=a, choice="for", supporter=helper)
    acts = list(ledger.history())[-2:]
    assert [type(r.event).__name__ for r in acts] == ["Commented", "BallotCast"]
    assert [r.event.occurred_at for r in acts] == [ahead, ahead]


def test_an_act_at_the_default_time_keeps_now_under_a_consent_held_now(
    ledger: Ledger,
) -> None:
    """A consent found to have begun earlier covers an act now: it is dated now."""
    on, a, helper, p = supported_vote(ledger)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.authorise_supporter(a, helper, occurred_at=ahead)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])  # it began in March
    before = datetime.now(UTC)
    ledger.cast_ballot(p, voter=a, choice="for", supporter=helper)
    cast = list(ledger.history())[-1].event
    assert before <= cast.occurred_at <= datetime.now(UTC)


def test_a_revocation_before_an_act_earlier_in_its_batch_fails_the_batch(
    ledger: Ledger,
) -> None:
    """An act through a supporter not yet stored bounds a revocation in its batch."""
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    before = ledger.position

    def act_then_revoke_before_it() -> None:
        """A ballot through the supporter, then a revocation dated before it."""
        with ledger.batch():
            act_through(ledger, "ballot", p, a, helper, at=on[5])
            with pytest.raises(TimeOrderError, match=f"ballot on proposal {p}"):
                ledger.revoke_supporter(a, helper, occurred_at=on[4])

    with pytest.raises(WrongStateError, match="failed"):
        act_then_revoke_before_it()
    assert ledger.position == before
    with ledger.batch():
        act_through(ledger, "ballot", p, a, helper, at=on[4])
        ledger.revoke_supporter(a, helper, occurred_at=on[5])
    assert ledger.member(a).supporters == frozenset()


LONDON = ZoneInfo("Europe/London")
FOLD_START = datetime(2024, 10, 27, 0, 0, tzinfo=UTC)
"""01:00 in London, as its clocks first reach the hour they repeat (UTC)."""


@given(
    act=st.integers(min_value=0, max_value=150),
    revocation=st.integers(min_value=0, max_value=150),
)
def test_a_revocation_is_refused_exactly_when_it_comes_at_or_before_the_act(
    act: int, revocation: int
) -> None:
    """Through London's repeated hour, a revocation is told from the act by instant."""
    acted = (FOLD_START + timedelta(minutes=act)).astimezone(LONDON)
    revoked = (FOLD_START + timedelta(minutes=revocation)).astimezone(LONDON)
    with Ledger.open("memory://") as ledger:
        a = ledger.register_member("A", occurred_at=FOLD_START)
        helper = ledger.register_member("Helper", occurred_at=FOLD_START)
        body = ledger.establish_body("Board", kind="advisory", occurred_at=FOLD_START)
        p = ledger.raise_proposal(
            body, proposers=[a], title="T", text="x", occurred_at=FOLD_START
        )
        ledger.authorise_supporter(a, helper, occurred_at=FOLD_START)
        act_through(ledger, "comment", p, a, helper, at=acted)
        if revocation <= act:
            with refused(ledger, TimeOrderError):
                ledger.revoke_supporter(a, helper, occurred_at=revoked)
        else:
            ledger.revoke_supporter(a, helper, occurred_at=revoked)
            assert ledger.member(a).supporters == frozenset()


def test_a_consent_given_again_while_an_earlier_one_held_records_nothing(
    ledger: Ledger,
) -> None:
    """Authorised again, a consent dated in an earlier, revoked spell is no event.

    api.md said it was a TimeOrderError; it is refused so only while the
    supporter is not authorised, and the revocation stays in force either way.
    """
    on, a, helper, p = supported_vote(ledger)
    ledger.authorise_supporter(a, helper, occurred_at=on[3])
    ledger.revoke_supporter(a, helper, occurred_at=on[5])
    ledger.authorise_supporter(a, helper, occurred_at=on[6])
    before = ledger.position
    ledger.authorise_supporter(a, helper, occurred_at=on[4])
    assert ledger.position == before
    gap = on[5] + timedelta(days=14)  # between the revocation and the new consent
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.cast_ballot(p, voter=a, choice="for", supporter=helper, occurred_at=gap)


# Access first -------------------------------------------------------------------


def test_unmet_adjustment_of_the_electorate_holds_the_vote(ledger: Ledger) -> None:
    """Voting cannot open while an electorate member's before-vote need is unmet."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[b], title="T", text="x")
    need = ledger.request_adjustment(a, code="ER", proposal=p, needed_before="vote")
    assert ledger.unmet_adjustments(p) == (need,)
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(p, by=admin)
    with pytest.raises(UnmetAdjustmentsError) as caught:
        ledger.open_voting(p, by=admin)
    assert caught.value.adjustment_ids == (need,)
    assert caught.value.proposal_id == p
    assert ledger.proposal(p).status == "raised"

    ledger.provide_adjustment(need, by=admin)
    assert ledger.unmet_adjustments(p) == ()
    assert ledger.open_voting(p, by=admin) == (a, b)
    assert ledger.proposal(p).access_override is None


def test_the_refusal_of_a_vote_names_the_unmet_requests(ledger: Ledger) -> None:
    """UnmetAdjustmentsError's message names each request to answer, by its id."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[b], title="T", text="x")
    one = ledger.request_adjustment(a, code="ER", proposal=p, needed_before="vote")
    with pytest.raises(UnmetAdjustmentsError) as caught:
        ledger.open_voting(p, by=admin)
    assert str(caught.value) == (
        f"voting on {p} cannot open: 1 adjustment request needed before the "
        f"vote is unresolved ({one}); provide or decline it, or pass "
        "access_override='reason'"
    )
    two = ledger.request_adjustment(b, code="BSL", proposal=p, needed_before="papers")
    with pytest.raises(UnmetAdjustmentsError) as caught:
        ledger.open_voting(p, by=admin)
    assert (
        f"2 adjustment requests needed before the vote are unresolved ({one}, "
        f"{two}); provide or decline them" in str(caught.value)
    )


@pytest.mark.parametrize("needed_before", ["papers", "meeting", "vote"])
def test_every_before_vote_stage_gates_and_any_resolution_releases(
    memory_ledger: Ledger, needed_before: str
) -> None:
    """Needs for papers, meeting or vote gate; declining or withdrawing frees them."""
    ledger = memory_ledger
    admin, body, (a,) = board_with(ledger, 1)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    declined = ledger.request_adjustment(
        a, code="BSL", proposal=p, needed_before=needed_before
    )
    withdrawn = ledger.request_adjustment(
        a, code="LP", proposal=p, needed_before=needed_before
    )
    assert ledger.unmet_adjustments(p) == (declined, withdrawn)
    ledger.decline_adjustment(declined, by=admin, reason="unavailable")
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(p, by=admin)
    ledger.withdraw_adjustment(withdrawn)
    ledger.open_voting(p, by=admin)
    assert ledger.proposal(p).status == "voting"


def test_needs_that_do_not_gate_the_vote(ledger: Ledger) -> None:
    """Feedback-stage, standing and non-electorate needs do not hold a vote."""
    admin, body, (a,) = board_with(ledger, 1)
    observer = ledger.register_member("Observer")
    ledger.assign_seat(body, observer, seat="observer", by=admin)
    outsider = ledger.register_member("Outsider")
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    ledger.request_adjustment(a, code="ER", proposal=p, needed_before="feedback")
    ledger.request_adjustment(a, code="BSL", needed_before="vote")  # standing
    ledger.request_adjustment(observer, code="LP", proposal=p, needed_before="vote")
    ledger.request_adjustment(outsider, code="CAP", proposal=p, needed_before="vote")
    assert ledger.unmet_adjustments(p) == ()
    ledger.open_voting(p, by=admin)
    assert ledger.proposal(p).access_override is None


def test_access_override_opens_and_is_recorded(ledger: Ledger) -> None:
    """An explicit override reason opens voting and is kept on the proposal."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[b], title="T", text="x")
    need = ledger.request_adjustment(a, code="BSL", proposal=p, needed_before="vote")
    reason = "Interpreter cancelled; the vote cannot wait for the funding deadline."
    assert ledger.open_voting(p, by=admin, access_override=reason) == (a, b)
    view = ledger.proposal(p)
    assert view.status == "voting"
    assert view.access_override == reason
    opened = list(ledger.history())[-1].event
    assert opened.unmet_adjustments == (need,)  # type: ignore[attr-defined]
    assert opened.access_override == reason  # type: ignore[attr-defined]
    assert ledger.adjustment(need).status == "requested"


def test_an_override_given_when_nothing_is_unmet_is_not_recorded(
    ledger: Ledger,
) -> None:
    """A reason to override when every need was met leaves no override on record."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[b], title="T", text="x")
    need = ledger.request_adjustment(a, code="BSL", proposal=p, needed_before="vote")
    ledger.provide_adjustment(need, by=admin)
    ledger.open_voting(p, by=admin, access_override="just in case")
    assert ledger.proposal(p).access_override is None
    opened = list(ledger.history())[-1].event
    assert opened.access_override is None  # type: ignore[attr-defined]
    assert opened.unmet_adjustments == ()  # type: ignore[attr-defined]


def test_meeting_adjustments_gate_proposals_raised_at_that_meeting(
    ledger: Ledger,
) -> None:
    """A need for a meeting holds votes on proposals raised at it, and no others."""
    admin, body, (a, b) = board_with(ledger, 2)
    meeting = ledger.schedule_meeting(
        body,
        kind="decision_meeting",
        title="AGM",
        starts_at=datetime(2100, 5, 1, 18, 30, tzinfo=UTC),  # asked for before it
        by=admin,
    )
    at_meeting = ledger.raise_proposal(
        body, proposers=[a], title="At", text="x", meeting=meeting
    )
    elsewhere = ledger.raise_proposal(body, proposers=[a], title="Else", text="x")
    need = ledger.request_adjustment(
        b, code="STEP", meeting=meeting, needed_before="meeting"
    )
    assert ledger.meeting(meeting).adjustments == (need,)
    assert ledger.unmet_adjustments(at_meeting) == (need,)
    assert ledger.unmet_adjustments(elsewhere) == ()
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(at_meeting, by=admin)
    ledger.open_voting(elsewhere, by=admin)
    ledger.provide_adjustment(need, by=admin, partial=True)
    ledger.open_voting(at_meeting, by=admin)
    assert ledger.proposal(at_meeting).status == "voting"


# Decisions other than by vote ---------------------------------------------------


def test_decide_after_a_vote_records_whether_it_overrode(ledger: Ledger) -> None:
    """A later decision overrides a vote only when it goes the other way, once."""
    admin, body, (a, b) = board_with(ledger, 2)

    def closed(choices: dict[UUID, str]) -> UUID:
        p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
        ledger.open_voting(p, by=admin)
        vote(ledger, p, choices)
        ledger.close_voting(p, by=admin)
        return p

    adopted = closed({a: "for", b: "for"})
    same = ledger.decide(
        adopted, outcome="adopted_amended", method="chair", by=a, rationale="Tidied."
    )
    assert same.overrode_vote is False
    assert same.method == "chair"
    assert same.decided_by == (a,)
    assert same.rationale == "Tidied."

    overruled = closed({a: "for", b: "for"})
    override = ledger.decide(
        overruled,
        outcome="rejected",
        method="staff_executive",
        by=admin,
        decided_by=[admin, b],
        rationale="Budget withdrawn.",
    )
    assert override.overrode_vote is True
    assert override.decided_by == (admin, b)
    view = ledger.proposal(overruled)
    assert view.decision == override
    assert [d.outcome for d in view.decisions] == ["adopted", "rejected"]
    assert view.decisions[0].overrode_vote is False
    # The rule's reason belongs to the decision the vote made, not to a later one.
    assert [d.reason for d in view.decisions] == ["majority_for", None]
    assert same.reason is None
    with refused(ledger, ProposalClosedError):
        ledger.decide(overruled, outcome="adopted", method="chair", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.decide(adopted, outcome="rejected", method="chair", by=admin)

    confirmed = ledger.decide(
        closed({a: "against", b: "against"}),
        outcome="rejected",
        method="chair",
        by=admin,
    )
    assert confirmed.overrode_vote is False
    reversed_ = ledger.decide(
        closed({a: "against", b: "against"}),
        outcome="adopted",
        method="chair",
        by=admin,
    )
    assert reversed_.overrode_vote is True

    not_valid = closed({})
    assert ledger.proposal(not_valid).decision is not None
    after_invalid = ledger.decide(
        not_valid, outcome="adopted", method="delegated", by=admin
    )
    assert after_invalid.overrode_vote is False

    for choices in ({a: "for", b: "for"}, {a: "against", b: "against"}):
        settled = closed(choices)
        with refused(ledger, WrongStateError, match="deferring"):
            ledger.decide(settled, outcome="deferred", method="chair", by=admin)
        assert len(ledger.proposal(settled).decisions) == 1
    put_off = ledger.decide(
        closed({}), outcome="deferred", method="chair", by=admin
    )  # after a not_valid vote, which settled nothing either
    assert put_off.overrode_vote is False


def test_decide_without_a_vote_and_its_refusals(ledger: Ledger) -> None:
    """decide() records a decision once, never by 'vote', never while voting is open."""
    admin, body, (a,) = board_with(ledger, 1)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    with refused(ledger, WrongStateError):
        ledger.decide(p, outcome="adopted", method="vote", by=admin)
    with refused(ledger, NotAMemberError):
        ledger.decide(p, outcome="adopted", method="chair", by=uuid4())
    with refused(ledger, NotAMemberError):
        ledger.decide(p, outcome="adopted", method="chair", by=admin, decided_by=[body])
    with refused(ledger, UnknownProposalError):
        ledger.decide(uuid4(), outcome="adopted", method="chair", by=admin)

    voting = ledger.raise_proposal(body, proposers=[a], title="V", text="x")
    ledger.open_voting(voting, by=admin)
    with refused(ledger, WrongStateError):
        ledger.decide(voting, outcome="adopted", method="chair", by=admin)

    decision = ledger.decide(p, outcome="deferred", method="consensus", by=admin)
    assert decision.overrode_vote is False
    assert decision.tally is None
    assert decision.decided_by == (admin,)
    assert ledger.proposal(p).status == "decided"
    with refused(ledger, ProposalClosedError):
        ledger.decide(p, outcome="adopted", method="chair", by=admin)
    with refused(ledger, VotingNotOpenError):
        ledger.cast_ballot(p, voter=a, choice="for")


def test_erased_member_is_not_in_a_later_electorate(memory_ledger: Ledger) -> None:
    """A member erased before voting opens is not in its electorate (cannot vote)."""
    ledger = memory_ledger
    admin, body, (a, b, c) = board_with(ledger, 3, Rule.majority(quorum=1))
    ledger.erase_member(c, by=admin)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    assert c not in ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for", b: "for"})
    assert ledger.close_voting(p, by=admin).outcome == "adopted"


def test_an_advisory_vote_informs_and_the_organisers_decide(ledger: Ledger) -> None:
    """An advisory vote fixes a tally; a later decision by others is no override."""
    admin = ledger.register_member("Organiser", role="staff")
    voters = [ledger.register_member(f"Voter {i}", role="member") for i in range(3)]
    body = ledger.establish_body("Conversation", kind="advisory", by=admin)
    for voter in voters:
        ledger.assign_seat(body, voter, by=admin)
    p = ledger.raise_proposal(body, proposers=[voters[0]], title="Idea", text="Do it")
    ledger.open_voting(p, by=admin, advisory=True)
    for voter in voters:
        ledger.cast_ballot(p, voter=voter, choice="for")
    with refused(ledger, WrongStateError, match="opened as advisory"):
        ledger.close_voting(p, by=admin)
    tally = ledger.close_advisory_vote(p, by=admin)
    assert (tally.for_, tally.against) == (3, 0)
    assert ledger.proposal(p).status == "closed"
    assert ledger.proposal(p).decision is None
    with refused(ledger, VotingNotOpenError):
        ledger.cast_ballot(p, voter=voters[0], choice="against")
    with refused(ledger, ProposalClosedError):
        ledger.comment(p, author=voters[1], text="Too late")
    decision = ledger.decide(p, outcome="rejected", method="staff_executive", by=admin)
    assert decision.overrode_vote is False
    assert decision.decided_by == (admin,)
    assert decision.reason is None  # the tally's reason decided nothing
    assert ledger.tally(p) == tally
    with refused(ledger, ProposalClosedError):
        ledger.decide(p, outcome="adopted", method="chair", by=admin)


def test_a_binding_vote_cannot_be_closed_as_advisory_once_its_tally_is_known(
    ledger: Ledger,
) -> None:
    """Whether a vote binds is fixed when it opens, so a contrary decision overrides."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for", b: "for"})
    with refused(ledger, WrongStateError, match="opened as binding"):
        ledger.close_advisory_vote(p, by=admin)
    assert ledger.close_voting(p, by=admin).outcome == "adopted"
    reversed_ = ledger.decide(p, outcome="rejected", method="chair", by=admin)
    assert reversed_.overrode_vote is True
    with pytest.raises(InvalidInputError):
        ledger.open_voting(p, by=admin, advisory="yes")  # type: ignore[arg-type]


def test_a_vote_opened_before_advisory_votes_existed_closes_either_way() -> None:
    """A version 1 opening does not say whether it binds: either close settles it."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as old:
        admin, body, (a,) = board_with(old, 1)
        polled, bound = (
            old.raise_proposal(body, proposers=[a], title=title, text="x")
            for title in ("Poll", "Vote")
        )
        for p in (polled, bound):
            old.open_voting(p, by=admin)
            old.cast_ballot(p, voter=a, choice="for")
        out = io.StringIO()
        old.export(out)
    lines = []
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row.get("topic", "").endswith("Proposal.VotingOpened"):
            del row["state"]["advisory"], row["state"]["class_version"]
        lines.append(json.dumps(row))
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ledger.import_events(lines)
        assert ledger.close_advisory_vote(polled, by=admin).for_ == 1
        assert ledger.close_voting(bound, by=admin).outcome == "adopted"


def test_voting_goes_forward_in_business_time(ledger: Ledger) -> None:
    """Opening, ballots, the close and a decision never go back past the step before."""

    def on(day: int) -> datetime:
        return datetime(2024, 3, day, 12, tzinfo=UTC)

    admin, body, (a, b) = board_with(ledger, 2, seated_at=on(1))

    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=on(10)
    )
    with refused(ledger, TimeOrderError):
        ledger.open_voting(p, by=admin, occurred_at=on(9))
    ledger.open_voting(p, by=admin, occurred_at=on(11))
    with refused(ledger, TimeOrderError):
        ledger.cast_ballot(p, voter=a, choice="for", occurred_at=on(10))
    ledger.cast_ballot(p, voter=a, choice="for", occurred_at=on(13))
    ledger.cast_ballot(p, voter=b, choice="for", occurred_at=on(12))  # any order
    with refused(ledger, TimeOrderError):
        ledger.close_voting(p, by=admin, occurred_at=on(10))
    ledger.close_voting(p, by=admin, occurred_at=on(14))
    with refused(ledger, TimeOrderError):
        ledger.decide(
            p, outcome="rejected", method="chair", by=admin, occurred_at=on(13)
        )
    assert ledger.proposal(p).decision is not None

    q = ledger.raise_proposal(
        body, proposers=[a], title="U", text="y", occurred_at=on(10)
    )
    with refused(ledger, TimeOrderError):
        ledger.decide(q, outcome="adopted", method="chair", by=admin, occurred_at=on(1))
    ledger.decide(q, outcome="adopted", method="chair", by=admin, occurred_at=on(10))


def test_voting_opens_no_earlier_than_the_last_change_of_voting_seats(
    ledger: Ledger,
) -> None:
    """Voting opens no earlier than the last change of the voting seats."""

    def on(month: int) -> datetime:
        return datetime(2025, month, 1, tzinfo=UTC)

    admin = ledger.register_member("Admin", role="staff")
    a, b, cat, obs = (ledger.register_member(n) for n in ("A", "B", "Cat", "Obs"))
    body = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=on(1)
    )
    for member in (a, b):
        ledger.assign_seat(body, member, by=admin, occurred_at=on(1))
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=on(2)
    )
    ledger.assign_seat(body, cat, by=admin, occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="voting seats"):
        ledger.open_voting(p, by=admin, occurred_at=on(3))
    ledger.vacate_seat(body, b, by=admin, occurred_at=on(7))
    with refused(ledger, TimeOrderError, match="voting seats"):
        ledger.open_voting(p, by=admin, occurred_at=on(6))
    # A seat that votes on nothing (an observer) leaves the electorate as it was.
    ledger.assign_seat(body, obs, seat="observer", by=admin, occurred_at=on(9))
    assert ledger.open_voting(p, by=admin, occurred_at=on(7)) == (a, cat)


def test_voting_opens_no_earlier_than_the_body_took_its_rule(ledger: Ledger) -> None:
    """A vote opened before the body last changed the rule it copies is refused."""

    def on(month: int) -> datetime:
        return datetime(2025, month, 1, tzinfo=UTC)

    admin, body, (a, _) = board_with(ledger, 2, seated_at=on(1))
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=on(2)
    )
    ledger.change_rule(body, Rule.consent(), by=admin, occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="took the rule"):
        ledger.open_voting(p, by=admin, occurred_at=on(3))
    ledger.open_voting(p, by=admin, occurred_at=on(6))
    assert ledger.proposal(p).rule == Rule.consent()


def test_no_voting_seat_or_rule_changes_before_a_vote_already_open(
    ledger: Ledger,
) -> None:
    """A voting seat or rule change dated before an opened vote is refused."""

    def on(month: int) -> datetime:
        return datetime(2025, month, 1, tzinfo=UTC)

    admin, body, (a, b) = board_with(ledger, 2, seated_at=on(1))
    cat, obs = ledger.register_member("Cat"), ledger.register_member("Obs")
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=on(2)
    )
    assert ledger.open_voting(p, by=admin, occurred_at=on(6)) == (a, b)
    # Each would make the seats or rule at month 6 other than the vote took.
    with refused(ledger, TimeOrderError, match="took the voting seats"):
        ledger.assign_seat(body, cat, by=admin, occurred_at=on(4))
    with refused(ledger, TimeOrderError, match="took the voting seats"):
        ledger.vacate_seat(body, b, by=admin, occurred_at=on(5))
    with refused(ledger, TimeOrderError, match="took the rule in force"):
        ledger.change_rule(body, Rule.consent(), by=admin, occurred_at=on(3))
    # A seat that votes on nothing, and changes from the opening on, are fine.
    ledger.assign_seat(body, obs, seat="observer", by=admin, occurred_at=on(4))
    ledger.assign_seat(body, cat, by=admin, occurred_at=on(6))
    ledger.change_rule(body, Rule.consent(), by=admin, occurred_at=on(7))
    assert ledger.proposal(p).electorate == (a, b)
    assert ledger.body(body).voting_members == (a, b, cat)


def test_a_seat_change_at_the_default_time_follows_a_vote_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, a voting seat change is dated no earlier than the last vote."""
    admin, body, (a, b) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.open_voting(p, by=admin, occurred_at=ahead)
    ledger.vacate_seat(body, b, by=admin)
    ledger.change_rule(body, Rule.consensus(), by=admin)
    changed = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__ in {"Body.SeatVacated", "Body.RuleChanged"}
    ]
    assert changed == [ahead, ahead]


def test_a_seat_change_racing_an_opening_from_another_writer_is_refused(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seat change that read the body before a vote opened elsewhere tries again."""

    def on(month: int) -> datetime:
        return datetime(2025, month, 1, tzinfo=UTC)

    with Ledger.open(shared_url) as ours, Ledger.open(shared_url) as theirs:
        admin, body, (a, b) = board_with(ours, 2, seated_at=on(1))
        cat = ours.register_member("Cat")
        p = ours.raise_proposal(
            body, proposers=[a], title="T", text="x", occurred_at=on(2)
        )
        read = type(ours)._body

        def racing(self: Ledger, body_id: object) -> object:
            """Read the body, then let the other writer open the vote."""
            found = read(self, body_id)
            if theirs.proposal(p).status != "voting":
                theirs.open_voting(p, by=admin, occurred_at=on(6))
            return found

        monkeypatch.setattr(ours, "_body", racing.__get__(ours))
        with pytest.raises(TimeOrderError, match="took the voting seats"):
            ours.assign_seat(body, cat, by=admin, occurred_at=on(4))
        monkeypatch.undo()
        assert ours.proposal(p).electorate == (a, b)
        assert ours.body(body).voting_members == (a, b)


def test_an_opening_at_the_default_time_follows_a_rule_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, voting opens no earlier than the body's latest rule change."""
    admin, body, (a, _) = board_with(ledger, 2)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.change_rule(body, Rule.consensus(), by=admin, occurred_at=ahead)
    ledger.open_voting(p, by=admin)
    opened = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__ == "Proposal.VotingOpened"
    ]
    assert opened == [ahead]


def test_a_replacement_ballot_comes_no_earlier_than_the_ballot_it_replaces(
    ledger: Ledger,
) -> None:
    """A voter's ballot dated before their counted one is refused; the tally stands."""

    def at(hour: int) -> datetime:
        return datetime(2024, 3, 2, hour, tzinfo=UTC)

    admin, body, (a, b) = board_with(ledger, 2, seated_at=at(1))
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="x", occurred_at=at(2)
    )
    ledger.open_voting(p, by=admin, occurred_at=at(3))
    ledger.cast_ballot(p, voter=a, choice="for", occurred_at=at(6))
    ledger.cast_ballot(p, voter=b, choice="against", occurred_at=at(4))  # any order
    with refused(ledger, TimeOrderError, match="the ballot it replaces"):
        ledger.cast_ballot(p, voter=a, choice="against", occurred_at=at(5))
    assert (ledger.tally(p).for_, ledger.tally(p).against) == (1, 1)
    ledger.cast_ballot(p, voter=b, choice="for", occurred_at=at(4))  # at it: replaces
    ledger.cast_ballot(p, voter=a, choice="abstain")  # now, after 06:00
    tally = ledger.tally(p)
    assert (tally.for_, tally.against, tally.abstain) == (1, 0, 1)


def test_a_replacement_at_the_default_time_follows_the_voter_s_ballot_ahead(
    ledger: Ledger,
) -> None:
    """Without a time, a replacement is dated no earlier than the ballot it replaces."""
    admin, body, (a,) = board_with(ledger, 1)
    p = ledger.raise_proposal(body, proposers=[a], title="T", text="x")
    ledger.open_voting(p, by=admin)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.cast_ballot(p, voter=a, choice="for", occurred_at=ahead)
    ledger.cast_ballot(p, voter=a, choice="against")
    assert ledger.tally(p).against == 1
    assert list(ledger.history())[-1].event.occurred_at == ahead


def test_a_close_given_a_time_comes_no_earlier_than_its_ballots(
    ledger: Ledger,
) -> None:
    """A close dated before a ballot it counts is refused; binding or advisory."""

    def on(month: int, day: int = 1) -> datetime:
        return datetime(2024, month, day, tzinfo=UTC)

    admin, body, (a, b) = board_with(ledger, 2, seated_at=on(1))
    binding, advisory = (
        ledger.raise_proposal(body, proposers=[a], title=t, text="x", occurred_at=on(1))
        for t in ("Binding", "Advisory")
    )
    ledger.open_voting(binding, by=admin, occurred_at=on(2))
    ledger.open_voting(advisory, by=admin, advisory=True, occurred_at=on(2))
    for p in (binding, advisory):
        ledger.cast_ballot(p, voter=a, choice="for", occurred_at=on(3, 10))
        ledger.cast_ballot(p, voter=b, choice="for", occurred_at=on(3, 5))
    with refused(ledger, TimeOrderError, match="ballot"):
        ledger.close_voting(binding, by=admin, occurred_at=on(2, 15))
    with refused(ledger, TimeOrderError, match="ballot"):
        ledger.close_voting(binding, by=admin, occurred_at=on(3, 9))
    with refused(ledger, TimeOrderError, match="ballot"):
        ledger.close_advisory_vote(advisory, by=admin, occurred_at=on(2, 15))
    decision = ledger.close_voting(binding, by=admin, occurred_at=on(3, 10))
    assert (decision.outcome, decision.occurred_at) == ("adopted", on(3, 10))
    assert ledger.close_advisory_vote(advisory, by=admin, occurred_at=on(4)).for_ == 2


def test_a_close_at_the_default_time_follows_a_ballot_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, the close takes the later of now and its latest ballot."""
    admin, body, (a, b) = board_with(ledger, 2)
    binding, advisory = (
        ledger.raise_proposal(body, proposers=[a], title=t, text="x")
        for t in ("Binding", "Advisory")
    )
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.open_voting(binding, by=admin)
    ledger.open_voting(advisory, by=admin, advisory=True)
    for p in (binding, advisory):
        ledger.cast_ballot(p, voter=a, choice="for")
        ledger.cast_ballot(p, voter=b, choice="for", occurred_at=ahead)
    assert ledger.close_voting(binding, by=admin).occurred_at == ahead
    assert ledger.close_advisory_vote(advisory, by=admin).for_ == 2
    closed = [
        r.event.occurred_at
        for r in ledger.history()
        if type(r.event).__qualname__ == "Proposal.VotingClosed"
    ]
    assert closed == [ahead, ahead]
    # Once no ballot is ahead, the default is now again.
    late = ledger.raise_proposal(body, proposers=[a], title="Late", text="x")
    ledger.open_voting(late, by=admin)
    ledger.cast_ballot(late, voter=a, choice="for")
    before = datetime.now(UTC)
    assert ledger.close_voting(late, by=admin).occurred_at >= before


def test_a_not_valid_vote_leaves_the_proposal_open(ledger: Ledger) -> None:
    """After a vote that decided nothing, the proposal can be discussed or withdrawn."""
    admin, body, (a, _, c) = board_with(ledger, 3, Rule.majority(quorum=Fraction(1)))
    p = ledger.raise_proposal(body, proposers=[a], title="Kit", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for"})
    assert ledger.close_voting(p, by=admin).outcome == "not_valid"
    ledger.comment(p, author=c, text="Try again at the next meeting.")
    with pytest.raises(VotingAlreadyOpenedError):
        ledger.open_voting(p, by=admin)
    ledger.withdraw_proposal(p, by=a, reason="overtaken by events")
    assert ledger.proposal(p).status == "withdrawn"
    with pytest.raises(ProposalClosedError):
        ledger.decide(p, outcome="adopted", method="consensus", by=admin)


def test_steps_across_the_autumn_clock_change_are_ordered_by_the_instant(
    ledger: Ledger,
) -> None:
    """In the hour a zone repeats, steps are ordered by their instant, not the clock."""
    london = ZoneInfo("Europe/London")
    # 2025-10-26: London's clocks go back, so 01:00 to 02:00 happens twice.
    opened = datetime(2025, 10, 26, 1, 40, tzinfo=london, fold=1)  # 01:40 UTC
    sooner = datetime(2025, 10, 26, 1, 50, tzinfo=london)  # 00:50 UTC
    ballot = datetime(2025, 10, 26, 1, 45, tzinfo=london, fold=1)  # 01:45 UTC
    too_soon = datetime(2025, 10, 26, 1, 55, tzinfo=london)  # 00:55 UTC
    seated = datetime(2025, 10, 1, tzinfo=UTC)
    admin, body, (a,) = board_with(ledger, 1, seated_at=seated)
    p = ledger.raise_proposal(
        body, proposers=[a], title="T", text="Text", occurred_at=seated
    )
    ledger.open_voting(p, by=admin, occurred_at=opened)
    with refused(ledger, TimeOrderError):
        ledger.cast_ballot(p, voter=a, choice="for", occurred_at=sooner)
    ledger.cast_ballot(p, voter=a, choice="for", occurred_at=ballot)
    with refused(ledger, TimeOrderError):
        ledger.close_voting(p, by=admin, occurred_at=too_soon)


def test_opening_a_vote_on_a_closed_proposal_says_it_is_closed(ledger: Ledger) -> None:
    """A decided or withdrawn proposal is refused as closed, not for its body."""
    admin, body, (a,) = board_with(ledger, 1)
    decided = ledger.raise_proposal(body, proposers=[a], title="Kit", text="x")
    ledger.request_adjustment(a, code="ER", proposal=decided, needed_before="vote")
    ledger.decide(decided, outcome="adopted", method="chair", by=admin)
    with refused(ledger, ProposalClosedError, match="decided"):
        ledger.open_voting(decided, by=admin)
    empty = ledger.establish_body("Panel", kind="advisory", by=admin)
    withdrawn = ledger.raise_proposal(empty, proposers=[a], title="Kit", text="x")
    ledger.withdraw_proposal(withdrawn, by=a)
    with refused(ledger, ProposalClosedError, match="withdrawn"):
        ledger.open_voting(withdrawn, by=admin)
    voting = ledger.raise_proposal(body, proposers=[a], title="Mats", text="x")
    ledger.open_voting(voting, by=admin)
    ledger.vacate_seat(body, a, by=admin)
    with refused(ledger, VotingAlreadyOpenedError):
        ledger.open_voting(voting, by=admin)


def test_a_ballot_imported_from_outside_the_electorate_is_not_counted() -> None:
    """Closing an imported vote counts only ballots of its electorate.

    An import does not check that a voter was in the electorate. Before, the
    close counted such ballots: two from outside overturned the one voter's
    against into an adoption, with a tally of 3 ballots from an electorate
    of 1 that the ledger's own export could not import again.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as old:
        admin, body, (voter,) = board_with(old, 1)
        outsiders = [old.register_member(f"Outsider {i}") for i in range(2)]
        p = old.raise_proposal(body, proposers=[voter], title="T", text="x")
        old.open_voting(p, by=admin)
        for _ in range(3):
            old.cast_ballot(p, voter=voter, choice="against")
        out = io.StringIO()
        old.export(out)
    lines, ballots = [], 0
    for line in out.getvalue().splitlines():
        row = json.loads(line)
        if row.get("topic", "").endswith("Proposal.BallotCast"):
            if ballots:  # the 2nd and 3rd ballots, as if cast by outsiders
                row["state"].update(voter=str(outsiders[ballots - 1]), choice="for")
            ballots += 1
        lines.append(json.dumps(row))
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ledger.import_events(lines)
        decision = ledger.close_voting(p, by=admin)
        assert (decision.outcome, decision.reason) == ("rejected", "no_majority")
        assert decision.tally is not None
        assert decision.tally.counts == {
            "for": 0,
            "against": 1,
            "abstain": 0,
            "block": 0,
        }
        assert decision.decided_by == (voter,)
        again = io.StringIO()
        ledger.export(again)
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        copy.import_events(again.getvalue().splitlines())
        assert copy.proposal(p).decision == decision


def test_a_decision_after_a_not_valid_vote_closes_the_proposal(ledger: Ledger) -> None:
    """A not_valid vote followed by a decision leaves the proposal closed to comment."""
    admin, body, (a, _, c) = board_with(ledger, 3, Rule.majority(quorum=Fraction(1)))
    p = ledger.raise_proposal(body, proposers=[a], title="Kit", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for"})
    assert ledger.close_voting(p, by=admin).outcome == "not_valid"
    ledger.decide(p, outcome="adopted", method="consensus", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.comment(p, author=c, text="Too late")


def test_a_decision_after_a_not_valid_advisory_vote_closes_the_proposal(
    ledger: Ledger,
) -> None:
    """An advisory vote that decided nothing, then the organisers' decision: closed."""
    admin, body, (a, _, c) = board_with(ledger, 3)
    p = ledger.raise_proposal(body, proposers=[a], title="Kit", text="x")
    ledger.open_voting(p, by=admin, advisory=True)
    assert ledger.close_advisory_vote(p, by=admin).participants == 0  # not_valid
    ledger.decide(p, outcome="adopted", method="staff_executive", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.comment(p, author=c, text="Too late")


def test_a_binding_close_gives_its_source_reference_to_the_decision(
    ledger: Ledger,
) -> None:
    """Closing a binding vote stores its source reference on the decision only."""
    admin, body, (a, b, _) = board_with(ledger, 3)
    p = ledger.raise_proposal(body, proposers=[a], title="Kit", text="x")
    ledger.open_voting(p, by=admin)
    vote(ledger, p, {a: "for", b: "for"})
    ledger.close_voting(p, by=admin, source_ref="minutes:12")
    refs = {
        type(r.event).__qualname__: r.event.source_ref
        for r in ledger.history()
        if r.event.originator_id == p
    }
    assert refs["Proposal.VotingClosed"] is None
    assert refs["Proposal.Decided"] == "minutes:12"
