"""What each event's fields may hold, as the commands check them.

Commands check their arguments before an event exists; an import builds events
from a file, so it checks them here instead, field by field, with the same
checks and the same errors. Rules about the record's state (who may vote, what
must come first) are checked by the aggregates' commands, not when an event is
replayed; an import asks some of them of each record's state as it replays
(``transfer._STATE_CHECKS``), and not the rest (docs/cli.md says which).

A sealed field whose key was destroyed is exported as its erased form
(``[erased]``, or no categories), which is accepted wherever it can stand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coledger.domain import values as v
from coledger.domain.adjustment import Adjustment
from coledger.domain.base import LedgerAggregate
from coledger.domain.body import Body
from coledger.domain.meeting import Meeting
from coledger.domain.member import Member
from coledger.domain.project import Project
from coledger.domain.proposal import Proposal
from coledger.domain.rules import VERDICT_REASONS, Rule
from coledger.errors import InvalidInputError, InvalidRuleError


def check_event_values(event: LedgerAggregate.Event) -> None:
    """Raise the command's InvalidInputError if a field holds what it could not."""
    v.check_optional_text(
        "source_ref",
        getattr(event, "source_ref", None),
        limit=v.MAX_SOURCE_REF,
        one_line=True,
    )
    check = _RULES.get(type(event))
    if check is not None:
        check(event)


def _name(value: object) -> None:
    v.check_text("name", value, limit=v.MAX_NAME, one_line=True)


def _title(value: object) -> None:
    v.check_text("title", value, limit=v.MAX_TITLE, one_line=True)


def _rule(e: Any) -> None:
    try:
        rule = Rule.from_fields(
            e.rule_kind, e.rule_threshold, e.rule_quorum, e.rule_lived_experience_quorum
        )
        rule.check_recordable()
    except InvalidRuleError:
        raise
    except (ValueError, TypeError, ZeroDivisionError) as error:
        raise InvalidRuleError(f"the rule cannot be read: {error}") from None
    # A command stores each share as its lowest-terms fraction ("3/5"); the same
    # share written otherwise (" 0.6 ", "-0", other scripts' digits) would be
    # one rule in two spellings in the record.
    for name, written in rule.to_fields().items():
        given = getattr(e, name)
        if given != written:
            raise InvalidRuleError(
                f"{name} {given!r} must be written as the ledger writes it: {written!r}"
            )


def _ids(field: str, ids: tuple[object, ...], *, at_least: int = 0) -> None:
    """A list of ids as the commands keep them: no repeats, and not too few."""
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"{field} names someone or something twice")
    if len(ids) < at_least:
        raise InvalidInputError(f"{field} names no one")


def _registered(e: Member.Registered) -> None:
    _name(e.name)
    v.check_code("role", e.role, v.ROLES)


def _declared(e: Member.LivedExperienceDeclared) -> None:
    # No categories: the declaration's key was destroyed.
    chosen = v.check_categories(e.categories) if e.categories else ()
    if chosen != tuple(e.categories):
        raise InvalidInputError("categories must not repeat")
    v.check_code("consent", e.consent, v.CONSENT_FORMS)
    v.check_code("condition", e.condition, v.ART9_CONDITIONS)


def _established(e: Body.Established) -> None:
    _name(e.name)
    v.check_code("kind", e.kind, v.BODY_KINDS)
    _rule(e)


def _seated(e: Body.SeatAssigned) -> None:
    v.check_code("seat", e.seat, v.SEAT_KINDS)
    if e.office is not None:
        v.check_code("office", e.office, v.OFFICES)


def _started(e: Project.Started) -> None:
    _name(e.name)
    v.check_code("label", e.label, v.PROJECT_LABELS)
    v.check_optional_text("description", e.description)


def _scheduled(e: Meeting.Scheduled) -> None:
    v.check_code("kind", e.kind, v.MEETING_KINDS)
    _title(e.title)


def _raised(e: Proposal.Raised) -> None:
    _title(e.title)
    v.check_text("text", e.text)
    if e.phase is not None:
        v.check_code("phase", e.phase, v.PHASES)
    _ids("proposers", e.proposers, at_least=1)


def _amended(e: Proposal.Amended) -> None:
    _title(e.title)
    v.check_text("text", e.text)
    _ids("takes_up", e.takes_up)


def _feedback(e: Proposal.FeedbackGiven) -> None:
    v.check_text("text", e.text)
    _ids("comments", e.comments, at_least=1)


def _action(e: Proposal.ActionAssigned) -> None:
    v.check_text("description", e.description, limit=v.MAX_TITLE)
    _ids("owners", e.owners, at_least=1)


def _evaluation(e: Proposal.EvaluationRecorded) -> None:
    v.check_text("summary", e.summary)
    _ids("authors", e.authors, at_least=1)
    _ids("criteria_proposed_by", e.criteria_proposed_by)


def _not_own_supporter(member: object, supporter: object) -> None:
    """A supporter acts with another member: a command never names the member."""
    if supporter == member:
        raise InvalidInputError(v.OWN_SUPPORTER)


def _supporter(e: Member.SupporterAuthorised) -> None:
    _not_own_supporter(e.originator_id, e.supporter)


def _commented(e: Proposal.Commented) -> None:
    v.check_text("text", e.text)
    v.check_code("channel", e.channel, v.CHANNELS)
    _not_own_supporter(e.author, e.supporter)


def _ballot(e: Proposal.BallotCast) -> None:
    v.check_code("choice", e.choice, v.CHOICES)
    _not_own_supporter(e.voter, e.supporter)


def _voting_opened(e: Proposal.VotingOpened) -> None:
    _rule(e)
    v.check_optional_text("access_override", e.access_override, limit=v.MAX_TITLE)
    if e.access_override is not None and not e.unmet_adjustments:
        raise InvalidInputError("an access override needs an unmet adjustment")
    if e.unmet_adjustments and e.access_override is None:
        # open_voting refuses unmet needs without one: the ladder reads the
        # override to find the votes that opened over them.
        raise InvalidInputError(
            "a vote opened over unmet adjustments needs an access override"
        )
    _ids("electorate", e.electorate, at_least=1)
    _ids("unmet_adjustments", e.unmet_adjustments)


def _voting_closed(e: Proposal.VotingClosed) -> None:
    counts = (e.for_, e.against, e.abstain, e.block, e.electorate_size)
    if min(counts) < 0 or (e.lived_experience_participants or 0) < 0:
        raise InvalidInputError("a tally cannot count below zero")
    if sum(counts[:4]) > e.electorate_size:
        raise InvalidInputError("a tally counts more ballots than its electorate")
    if (e.lived_experience_participants or 0) > sum(counts[:4]):
        raise InvalidInputError(
            "a tally counts more voters with lived experience than took part"
        )
    v.check_code("reason", e.reason, frozenset(VERDICT_REASONS))
    outcome = VERDICT_REASONS[e.reason]
    if e.outcome != outcome:
        raise InvalidInputError(
            f"a vote closed for the reason {e.reason!r} is {outcome!r}, "
            f"not {e.outcome!r}"
        )


def _decided(e: Proposal.Decided) -> None:
    v.check_code("outcome", e.outcome, v.OUTCOMES)
    v.check_code("method", e.method, v.DECISION_METHODS)
    v.check_optional_text("rationale", e.rationale)
    # A closed vote decides with its rule's method (vote, consensus or consent)
    # and its verdict; any other decision is made by decide(), never "not_valid".
    by_vote = e.method in _VOTE_METHODS and e.outcome in _VERDICTS
    if e.method == "vote" and not by_vote:
        raise InvalidInputError(f"a decision by vote cannot be {e.outcome!r}")
    if e.outcome == "not_valid" and not by_vote:
        raise InvalidInputError(f"only a vote can end not_valid, not {e.method!r}")
    _ids("decided_by", e.decided_by, at_least=0 if e.outcome == "not_valid" else 1)


_VOTE_METHODS = frozenset({"vote", "consensus", "consent"})
_VERDICTS = frozenset({"adopted", "rejected", "not_valid"})


def _requested(e: Adjustment.Requested) -> None:
    if e.code != v.ERASED:
        v.check_adjustment_code(e.code)
    v.check_code("needed_before", e.needed_before, v.NEEDED_BEFORE)
    if e.meeting is not None and e.proposal is not None:
        raise InvalidInputError(
            "an adjustment is for a meeting or for a proposal, not both"
        )
    scope = "proposal" if e.proposal else "meeting" if e.meeting else "standing"
    if e.scope != scope:
        raise InvalidInputError(f"scope must be {scope!r} here, not {e.scope!r}")


def _declined(e: Adjustment.Declined) -> None:
    v.check_code("reason", e.reason, v.DECLINE_REASONS, sealed=True)  # as declining
    if e.alternative not in (None, v.ERASED):
        v.check_adjustment_code(e.alternative)
    if e.reason == "alternative_offered" and e.alternative is None:
        raise InvalidInputError(
            "reason 'alternative_offered' needs the alternative's code"
        )


def _needed_before(e: Any) -> None:
    v.check_code("needed_before", e.needed_before, v.NEEDED_BEFORE)


_RULES: dict[type[Any], Callable[[Any], object]] = {
    Member.Registered: _registered,
    Member.RoleChanged: lambda e: v.check_code("role", e.role, v.ROLES),
    Member.LivedExperienceDeclared: _declared,
    Member.SupporterAuthorised: _supporter,
    Body.Established: _established,
    Body.RuleChanged: _rule,
    Body.SeatAssigned: _seated,
    Project.Started: _started,
    Project.Relabelled: lambda e: v.check_code("label", e.label, v.PROJECT_LABELS),
    Meeting.Scheduled: _scheduled,
    Meeting.PapersIssued: lambda e: v.check_code("format", e.format, v.FORMATS),
    Meeting.AttendanceRecorded: lambda e: v.check_code(
        "mode", e.mode, v.ATTENDANCE_MODES
    ),
    Meeting.AdjustmentLinked: _needed_before,
    Proposal.Raised: _raised,
    Proposal.Amended: _amended,
    Proposal.Commented: _commented,
    Proposal.AccessibleVersionPublished: lambda e: v.check_code(
        "format", e.format, v.ACCESSIBLE_FORMATS
    ),
    Proposal.AdjustmentLinked: _needed_before,
    Proposal.FeedbackGiven: _feedback,
    Proposal.VotingOpened: _voting_opened,
    Proposal.BallotCast: _ballot,
    Proposal.VotingClosed: _voting_closed,
    Proposal.Decided: _decided,
    Proposal.Withdrawn: lambda e: v.check_optional_text("reason", e.reason),
    Proposal.ActionAssigned: _action,
    Proposal.EvaluationRecorded: _evaluation,
    Adjustment.Requested: _requested,
    Adjustment.Declined: _declined,
}
