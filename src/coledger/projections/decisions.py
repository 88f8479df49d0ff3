"""D: decision power (who decided, how, whose ideas were taken up, and what followed).

A decision counts in the period when it was made in it; a vote that closed
without a quorum (outcome ``not_valid``) decided nothing and is left out. A
proposal's outcome is its last decision made by the end of the period; it was
settled in the period when that decision fell in the period. Lived-experience
status is taken as it stood at each act.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from coledger.domain.proposal import ADOPTED
from coledger.projections.facts import ActionFacts, DecisionFacts, ProposalFacts
from coledger.projections.lens import (
    Figure,
    Lens,
    band_of,
    fewest,
    insufficient,
    people_in,
    per_state,
)
from coledger.projections.measures import share
from coledger.projections.representation import seats_at
from coledger.projections.thresholds import Thresholds

VERDICTS = ADOPTED | {"rejected"}
"""Outcomes that settle a proposal either way (deferred and not_valid do not)."""
OUT_OF_FORUM = frozenset({"staff_executive", "outside_forum", "chair"})
"""Methods that take a decision away from the forum as a whole."""
METHODS = (
    "vote",
    "consensus",
    "consent",
    "delegated",
    "chair",
    "staff_executive",
    "outside_forum",
)
OUT_OF_FORUM_MIXED = 0.25
"""D2 at or above this: a mixed profile (heuristic)."""
OUT_OF_FORUM_HIGH = 0.5
"""D2 at or above this: decisions are mostly made out of the forum (heuristic)."""
SOME = 0.5
"""D4 up to this (but above 0): some influence; above it: most (heuristic)."""
FOLLOW_THROUGH_POOR = 0.5
"""D6 below this: poor follow-through (heuristic)."""
FOLLOW_THROUGH_GOOD = 0.8
"""D6 at or above this: good follow-through (heuristic)."""

Act = tuple[UUID, datetime]


def decisions_in(lens: Lens) -> list[tuple[ProposalFacts, DecisionFacts]]:
    """Decisions in scope made in the period, leaving out votes that decided nothing."""
    found = []
    for p, i in lens.decisions():
        decision = p.decisions[i]
        if decision.outcome != "not_valid":
            found.append((p, decision))
    return found


def standing(lens: Lens, p: ProposalFacts) -> DecisionFacts | None:
    """The last decision on *p* made by the end of the period."""
    made = [d for d in p.decisions if lens.by_end(d.at)]
    return made[-1] if made else None


def settling_decision(lens: Lens, p: ProposalFacts) -> DecisionFacts | None:
    """The last decision on *p* by the period's end, if it was made in the period."""
    last = standing(lens, p)
    return last if last is not None and lens.in_period(last.at) else None


def overturned(lens: Lens, p: ProposalFacts, d: DecisionFacts) -> bool:
    """Whether a later decision by the period's end overrode the vote *d* closed.

    The last word was then not the voters': as ``settling_decision`` reads
    an adoption, so a share in the overturned vote decided nothing.
    """
    return any(
        later.pos > d.pos and later.overrode_vote and lens.by_end(later.at)
        for later in p.decisions
    )


def le_originated(lens: Lens, p: ProposalFacts) -> bool:
    """Whether a proposer of *p* had lived experience when it was raised."""
    return any(lens.le(m, p.raised_at) for m in p.proposers)


def deciders_with_right(lens: Lens, p: ProposalFacts, d: DecisionFacts) -> list[UUID]:
    """The members of decided_by who held a vote or consent right in decision *d*.

    A closed vote's are the voters whose ballots it counts, those of the
    electorate fixed when it opened: the close names no one else, nor does
    an import now take one that does, but an import made before may hold it.
    Anyone named otherwise (under consensus and consent too) had a right
    only with a voting seat on the body at the time of the decision.
    """
    if d.by_vote:
        voters = set(counted_voters(p))
        return [m for m in d.decided_by if m in voters]
    body = lens.facts.bodies.get(p.body)
    if body is None:
        return []
    voting = {s.member for s in seats_at(body, d.at) if s.seat == "voting"}
    return [m for m in d.decided_by if m in voting]


@per_state
def decided_with(lens: Lens, p: ProposalFacts, d: DecisionFacts) -> bool:
    """Whether a lived-experience member with a vote or consent right made *d*."""
    return any(lens.le(m, d.at) for m in deciders_with_right(lens, p, d))


def _decider_acts(found: Iterable[tuple[ProposalFacts, DecisionFacts]]) -> list[Act]:
    return [(m, d.at) for _, d in found for m in d.decided_by]


def d1(lens: Lens, th: Thresholds) -> Figure:
    """Share of decisions made with a lived-experience member who had a vote."""
    found = decisions_in(lens)
    if not found:
        return insufficient("D1", "no decisions were made in the period", people=0)
    made_with = [d for p, d in found if decided_with(lens, p, d)]
    included = len(made_with)
    shares = [
        sum(lens.le(m, d.at) for m in d.decided_by) / len(d.decided_by)
        for _, d in found
        if d.decided_by
    ]
    value = included / len(found)
    band = band_of(value, [(th.decision_inclusion, "not_shared")], "shared")
    mean = sum(shares) / len(shares) if shares else 0.0
    note = (
        f"{included} of {len(found)} decisions; mean lived-experience share "
        f"of those deciding {mean:.2f}{_out_of_forum_note(made_with)}"
    )
    coverage = lens.coverage(_decider_acts(found))
    people = people_in(
        (m, d.at) for p, d in found for m in deciders_with_right(lens, p, d)
    )
    return Figure("D1", value, len(found), coverage, band, note, people)


def _out_of_forum_note(made_with: list[DecisionFacts]) -> str:
    """How many of D1's decisions a few members made out of the forum, by method.

    D1 counts a chair deciding alone, holding a voting seat, as a decision
    made with lived experience; the note says so, beside D2's share.
    """
    methods = Counter(d.method for d in made_with if d.method in OUT_OF_FORUM)
    if not methods:
        return ""
    counts = ", ".join(f"{m} {methods[m]}" for m in METHODS if methods[m])
    return f"; {methods.total()} of them made out of the forum ({counts})"


def d2(lens: Lens, th: Thresholds) -> Figure:
    """Share of decisions made out of the forum (staff, outside it, or the chair)."""
    del th
    found = decisions_in(lens)
    if not found:
        return insufficient("D2", "no decisions were made in the period")
    methods = Counter(d.method for _, d in found)
    value = sum(methods[m] for m in OUT_OF_FORUM) / len(found)
    band = band_of(
        value,
        [(OUT_OF_FORUM_MIXED, "in_forum"), (OUT_OF_FORUM_HIGH, "mixed")],
        "out_of_forum",
    )
    known = [m for m in METHODS if methods[m]]
    others = sorted(m for m in methods if m not in METHODS)
    note = ", ".join(f"{m} {methods[m]}" for m in (*known, *others))
    coverage = lens.coverage(_decider_acts(found))
    return Figure("D2", value, len(found), coverage, band, note)


def d3(lens: Lens, th: Thresholds) -> Figure:
    """Adoption rate of lived-experience proposals over that of the others."""
    adopted = {True: 0, False: 0}
    decided = {True: 0, False: 0}
    # The people behind each group: one proposer's five proposals are one
    # person, whose lived experience the ratio would say as one proposal's.
    behind: dict[bool, set[int]] = {True: set(), False: set()}
    acts: list[Act] = []
    for p in lens.proposals(in_period=False):
        d = settling_decision(lens, p)
        if d is None or d.outcome not in VERDICTS:
            continue
        group = le_originated(lens, p)
        decided[group] += 1
        adopted[group] += d.outcome in ADOPTED
        acts += [(m, p.raised_at) for m in p.proposers]
        behind[group].update(
            m.int for m in p.proposers if lens.le(m, p.raised_at) == group
        )
    n = decided[True] + decided[False]
    groups = (decided[True], decided[False], len(behind[True]), len(behind[False]))
    coverage = lens.coverage(acts)
    le_rate = share(adopted[True], decided[True])
    other_rate = share(adopted[False], decided[False])
    if le_rate is None or not other_rate:
        return insufficient(
            "D3",
            "needs decided proposals from both groups, "
            "and some adopted among the others",
            n,
            coverage,
            people_in(acts),
            groups=groups,
        )
    value = le_rate / other_rate
    band = band_of(
        value, [(th.adoption_low, "low"), (th.parity, "below_parity")], "parity"
    )
    note = (
        f"lived experience {adopted[True]} of {decided[True]} adopted; "
        f"others {adopted[False]} of {decided[False]}"
    )
    return Figure("D3", value, n, coverage, band, note, people_in(acts), groups)


def _amendment_influence(
    lens: Lens, p: ProposalFacts, acts: list[Act], read: tuple[list[Act], list[Act]]
) -> bool:
    """Whether an amendment of *p* came from, or took up, lived experience.

    A proposer rewording their own proposal, or taking up their own comment
    on it, took nothing up from anyone: its adoption is D3's, so that is
    not influence here. Notes every amender and author of a comment taken up
    in *acts*, and those whose lived experience it reads (not the proposers)
    in *read*: the amenders, then the authors.
    """
    comments = {c.id: c for c in p.comments}
    influenced = False
    found: list[tuple[Act, list[Act]]] = [
        ((actor, at), read[0]) for actor, _, at in p.amendments if actor is not None
    ]
    found += [
        ((comment.author, comment.at), read[1])
        for _, takes_up, _ in p.amendments
        for taken in takes_up
        if (comment := comments.get(taken)) is not None
    ]
    for (member, at), group in found:
        acts.append((member, at))
        if member not in p.proposers:
            group.append((member, at))
            influenced = influenced or lens.le(member, at)
    return influenced


def d4(lens: Lens, th: Thresholds) -> Figure:
    """Share of adopted proposals amended by, or taking up, lived experience."""
    del th
    adopted = [
        p
        for p in lens.proposals(in_period=False)
        if (d := settling_decision(lens, p)) is not None and d.outcome in ADOPTED
    ]
    if not adopted:
        return insufficient("D4", "no proposals were adopted in the period", people=0)
    acts: list[Act] = []
    read: tuple[list[Act], list[Act]] = ([], [])
    influenced = sum(_amendment_influence(lens, p, acts, read) for p in adopted)
    value = influenced / len(adopted)
    band = "none" if value == 0 else "some" if value <= SOME else "most"
    note = f"{influenced} of {len(adopted)} adopted proposals"
    coverage = lens.coverage(acts)
    # The proposers' own amendments and comments weigh nothing here: their
    # lived experience is D3's, and counting them would hide a lone amender.
    people = fewest(*read)
    return Figure("D4", value, len(adopted), coverage, band, note, people)


def ballots_final_at(p: ProposalFacts, d: DecisionFacts) -> datetime:
    """When the ballots on *p* became final: its vote's close, else decision *d*."""
    return d.at if p.voting_closed_at is None else p.voting_closed_at


@per_state
def le_majority_overruled(lens: Lens, p: ProposalFacts, d: DecisionFacts) -> bool:
    """Whether the lived-experience voters' majority went the other way from *d*.

    Only this counts as an override in D5: a decision that overturns a vote
    the lived-experience voters lost goes their way, and overrides nothing of
    theirs. A majority is more than half of their ballots, abstentions
    included: one against beside two abstaining is not the majority voting
    against.
    """
    if not p.ballots:
        return False
    at = ballots_final_at(p, d)
    choices = [p.ballots[v] for v in counted_voters(p) if lens.le(v, at)]
    for_ = choices.count("for")
    against = choices.count("against") + choices.count("block")
    if 2 * for_ > len(choices):
        return d.outcome == "rejected"
    if 2 * against > len(choices):
        return d.outcome in ADOPTED
    return False


def d5(lens: Lens, th: Thresholds) -> Figure:
    """Share of decisions that went against the lived-experience voters' majority."""
    del th
    found = decisions_in(lens)
    if not found:
        return insufficient("D5", "no decisions were made in the period", people=0)
    overrides = [(p, d) for p, d in found if le_majority_overruled(lens, p, d)]
    explained = sum(any(at >= d.at for _, at in p.feedback) for p, d in overrides)
    value = len(overrides) / len(found)
    if not overrides:
        band, note = "none", "no overrides"
    else:
        band = "explained" if explained == len(overrides) else "unexplained"
        many = "override" if len(overrides) == 1 else "overrides"
        note = (
            f"{len(overrides)} {many}; rationale coverage "
            f"{explained / len(overrides):.2f} ({explained} with feedback after)"
        )
    coverage = lens.coverage(_decider_acts(found))
    # D5 reads the voters' lived experience (whose majority was overruled), not
    # the deciders', and only where a verdict could go against them: a
    # deferral overrides nothing, whoever voted.
    voters = [
        (m, d.at) for p, d in found if d.outcome in VERDICTS for m in counted_voters(p)
    ]
    return Figure("D5", value, len(found), coverage, band, note, people_in(voters))


def counted_voters(p: ProposalFacts) -> list[UUID]:
    """The voters on *p* whose ballots count: those in its electorate."""
    electorate = set(p.electorate)  # a set once, not a scan of the tuple per ballot
    return [m for m in p.ballots if m in electorate]


def actions_in(lens: Lens, proposals: Iterable[ProposalFacts]) -> list[ActionFacts]:
    """Actions on *proposals* assigned in the period."""
    return [
        a
        for p in proposals
        for a in p.actions.values()
        if lens.in_period(a.assigned_at)
    ]


def carried_in(lens: Lens, proposals: Iterable[ProposalFacts]) -> list[ActionFacts]:
    """Actions on *proposals* assigned before the period and still pending as it began.

    Each was left out of the period it was assigned in (open, not yet due as
    that period ended), so D6 reads it in the period where it was done or
    fell due, whichever came first, instead of in none; ``pending`` leaves
    out those still to settle. One done or overdue before the period counted
    in an earlier one.
    """
    since = lens.since
    if since is None:
        return []
    before = Lens(lens.facts, lens.scope, None, since)
    return [
        a
        for p in proposals
        for a in p.actions.values()
        if a.assigned_at < since and pending(before, a)
    ]


def finished(lens: Lens, a: ActionFacts) -> datetime | None:
    """When *a* was completed, if it was by the end of the period."""
    done = a.completed_at
    if done is None or (lens.until is not None and done >= lens.until):
        return None
    return done


def on_time(lens: Lens, a: ActionFacts) -> bool:
    """Whether *a* was completed by its due date (or at all, with none) by the end."""
    done = finished(lens, a)
    return done is not None and (a.due is None or done <= a.due)


def pending(lens: Lens, a: ActionFacts) -> bool:
    """Whether *a* is open at the end of the period and not yet due.

    Not yet due by the period's end, or by the end of the latest day recorded
    if that is sooner: a deadline after the record is still to come, as X1's.
    """
    return (
        finished(lens, a) is None and a.due is not None and a.due >= lens.recorded_now
    )


def delivery_actions_with_le(lens: Lens, proposals: Iterable[ProposalFacts]) -> int:
    """Delivery-phase actions assigned in the period with a lived-experience owner."""
    delivery = [p for p in proposals if p.phase == "delivery"]
    return sum(
        any(lens.le(m, a.assigned_at) for m in a.owners)
        for a in actions_in(lens, delivery)
    )


def d6(lens: Lens, th: Thresholds) -> Figure:
    """Share of adopted decisions' actions completed by their due date.

    Those assigned in the period, and those carried into it (``carried_in``).
    """
    del th
    adopted = [
        p
        for p in lens.proposals(in_period=False)
        if (d := standing(lens, p)) is not None and d.outcome in ADOPTED
    ]
    assigned = actions_in(lens, adopted) + carried_in(lens, adopted)
    actions = [a for a in assigned if not pending(lens, a)]
    acts = [(m, a.assigned_at) for a in actions for m in a.owners]
    delivery = actions_in(lens, [p for p in adopted if p.phase == "delivery"])
    with_le = delivery_actions_with_le(lens, adopted)
    co_delivery = (
        f"co-delivery: {with_le} of {len(delivery)} delivery-phase actions "
        "have a lived-experience owner"
    )
    if not actions:
        return insufficient(
            "D6",
            "no action on an adopted decision assigned in the period, or "
            f"still open as it began, is done or due; {co_delivery}",
        )
    done = sum(on_time(lens, a) for a in actions)
    value = done / len(actions)
    band = band_of(
        value,
        [(FOLLOW_THROUGH_POOR, "poor"), (FOLLOW_THROUGH_GOOD, "partial")],
        "good",
    )
    note = f"{done} of {len(actions)} actions on time; {co_delivery}"
    return Figure("D6", value, len(actions), lens.coverage(acts), band, note)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every decision-power figure."""
    return {f.code: f for f in (fn(lens, th) for fn in (d1, d2, d3, d4, d5, d6))}
