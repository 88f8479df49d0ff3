"""X: accessibility (were the access needs people asked for met, and met in time).

The ledger keeps each adjustment's scope, timing and outcome but never its
catalogue code (the code is special-category data), so the X figures count
requests, not codes. In the ledger scope every request counts; in a body or
project scope, the requests for its meetings and proposals, and the standing
requests of members seated on its bodies during the period. A request counts in
the period it was made (X1 counts one still pending as that period ended in
the period it was answered or fell due in: ``carried_in``; X2 one answered
in a later period in that one: ``answered_in``), with its outcome
as it stood at the period's end (an answer given later had not come yet); a
request withdrawn at or before its deadline (or with none) is left out
altogether (a standing request withdrawn after its answer keeps the answer),
and so from X1 is one still open when its
member was erased, at or before its deadline (nobody may answer it after
that). One withdrawn after its deadline passed unanswered had already failed:
X1 counts it as unresolved, whenever the withdrawal came.

A request's deadline is its ``needed_by`` when given (a standing request has
none: its ``needed_by`` is the day it holds from); otherwise the start of its
meeting for a meeting request, the opening of the vote for a proposal request
needed at or before the vote, or the first feedback after it for a proposal
request needed before feedback. With no deadline, being provided at all is enough.
A decline, or a request still unanswered, fails; one still open with its
deadline at or after the period's end (or now, or the end of the latest day
recorded) is pending and left out until it falls due.

X1 reads a standing request (one for no meeting or proposal) as one expected
outcome per meeting it covered, as the reference's adjustment lifecycle asks:
see ``standing_cover`` for which meetings, and ``standing_outcome`` for how the
request's one answer in the ledger reads at each of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID

from coledger.domain.values import NEEDED_BEFORE_VOTE
from coledger.projections.facts import (
    AdjustmentFacts,
    BodyFacts,
    Facts,
    MeetingFacts,
    ProposalFacts,
    SeatFacts,
)
from coledger.projections.lens import (
    Figure,
    Lens,
    band_of,
    insufficient,
    people_in,
    per_scope,
    per_state,
)
from coledger.projections.measures import below
from coledger.projections.representation import seats_at
from coledger.projections.thresholds import Thresholds

STANDARD_FORMAT = "STD"
"""Standard print: every other papers format is an accessible one."""
FEEDBACK = "feedback"
"""The stage after the decision: a need before it is due at the feedback."""
ANSWERS = frozenset({"provided", "declined"})
"""The statuses of a request the organisation answered."""


def scope_meetings(lens: Lens) -> set[UUID]:
    """Ids of meetings in scope at any time, those called off among them.

    A project's are its own, and those its proposals raised by the period's
    end were raised at (``Lens.meetings``). A request made for a meeting
    called off is still in scope: answered by then, it keeps its answer.
    """
    facts = lens.facts
    if lens.scope.kind == "body":
        return set(facts.meetings_by_body.get(lens.scope.id, []))  # type: ignore[arg-type]
    if lens.scope.kind == "project":
        return {m.id for m in lens.meetings(in_period=False, called_off=True)}
    return set(facts.meetings)


def seated_members(lens: Lens) -> set[UUID]:
    """Members holding any seat on the bodies in scope at some time in the period."""
    return {
        s.member
        for b in lens.bodies()
        for s in b.seats
        if s.spell.overlaps(lens.since, lens.until)
    }


def requests(lens: Lens) -> list[AdjustmentFacts]:
    """Adjustment requests in scope made in the period, withdrawn ones included.

    Those ``called_off`` with their meeting are left out.
    """
    return lens.selected("requests", lambda: _requests(lens))


def _requests(lens: Lens) -> list[AdjustmentFacts]:
    facts = lens.facts
    if lens.scope.kind == "ledger":
        made = [a for a in facts.adjustments.values() if lens.in_period(a.requested_at)]
    else:
        made = [a for a in _scoped(lens) if lens.in_period(a.requested_at)]
    return [a for a in made if not called_off(facts, a)]


def called_off(facts: Facts, request: AdjustmentFacts) -> bool:
    """Whether *request* was for a meeting called off before it was answered or due.

    It was no longer needed, so it is left out altogether, as one withdrawn
    in time is, whatever came of it after. One provided or declined by the
    cancellation (business time) keeps its answer. So does one whose deadline
    (its ``needed_by``, else the meeting's start) came before the
    cancellation: as one withdrawn after it, it had already been met late or
    failed, and calling the meeting off does not take that back.
    """
    if request.meeting is None:
        return False
    meeting = facts.meetings.get(request.meeting)
    if meeting is None or meeting.cancelled_at is None:
        return False
    due = meeting.starts_at if request.needed_by is None else request.needed_by
    if due < meeting.cancelled_at:
        return False
    answered = request.resolved_at
    return not (
        request.status in {"provided", "declined"}
        and answered is not None
        and answered <= meeting.cancelled_at
    )


def _scoped(lens: Lens, *, standing: bool = True) -> list[AdjustmentFacts]:
    """Requests in a body or project scope made at any time, in request order.

    Those for its meetings and proposals (``scope_meetings``: as they stand at
    the period's end), and with *standing* the standing requests of members
    seated on its bodies in the period.
    """
    facts = lens.facts
    ids: list[UUID] = []
    for p in lens.proposals(in_period=False):
        ids += facts.adjustments_by_proposal.get(p.id, [])
    for meeting in scope_meetings(lens):
        ids += facts.adjustments_by_meeting.get(meeting, [])
    for member in seated_members(lens) if standing else ():
        ids += [
            i
            for i in facts.adjustments_by_member.get(member, [])
            if facts.adjustments[i].scope == "standing"
        ]
    found = {i: facts.adjustments[i] for i in ids}  # once each, in request order
    return sorted(
        found.values(),
        # An id's integer orders as its text does, without formatting the text.
        key=lambda a: (a.requested_at, a.id.int),
    )


def carried_in(lens: Lens) -> list[AdjustmentFacts]:
    """Requests for a meeting or proposal in scope, made before the period, still open.

    In scope as the period's end finds it, as ``requests`` reads its own: a
    meeting that became a project's in the period brings the requests made
    for it before. Each was pending (open, not yet due) at the end of the
    period it was made in, so X1 left it out there. It reads it in the period
    where it was answered or fell due, whichever came first, as D6 carries an
    action: one still pending at this period's end is carried on again. One
    answered or overdue before the period counted in an earlier one; one
    ``ended_by_erasure`` before it ended there, and is carried no further.
    """
    since = lens.since
    if since is None:
        return []
    return lens.selected("carried requests", lambda: _carried(lens, since))


def _carried(lens: Lens, since: datetime) -> list[AdjustmentFacts]:
    earlier = Lens(lens.facts, lens.scope, None, since)
    if lens.scope.kind == "ledger":
        made = requests(earlier)
    else:
        made = [a for a in _scoped(lens, standing=False) if a.requested_at < since]
        made = [a for a in made if not called_off(lens.facts, a)]
    return [
        a
        for a in made
        if a.scope != "standing"
        and pending(earlier, a)
        and not ended_by_erasure(earlier, a)
    ]


def x1_requests(lens: Lens) -> list[AdjustmentFacts]:
    """The requests X1 reads one each: made in the period, or carried into it."""
    return requests(lens) + carried_in(lens)


def answered_in(lens: Lens) -> list[AdjustmentFacts]:
    """Requests in scope made before the period and answered in it (either way).

    Each was still open as the period it was made in ended, so X2 left it out
    there: it reads it in the period of its answer instead, as X1 carries a
    need into the period it was answered or fell due in. One answered before
    the period counted in an earlier one; one ``called_off`` with its meeting
    counts in none. In a body or project scope a standing request is its
    seat holder's from the request on (``_standing_since_asked``).
    """
    since = lens.since
    if since is None:
        return []
    return lens.selected("answered requests", lambda: _answered_in(lens, since))


def _answered_in(lens: Lens, since: datetime) -> list[AdjustmentFacts]:
    if lens.scope.kind == "ledger":
        made = list(lens.facts.adjustments.values())
    else:
        made = _scoped(lens, standing=False) + _standing_since_asked(lens, since)
    return [
        a
        for a in made
        if a.requested_at < since
        and a.status in ANSWERS
        and a.resolved_at is not None
        and lens.in_period(a.resolved_at)
        and not called_off(lens.facts, a)
    ]


def _standing_since_asked(lens: Lens, since: datetime) -> list[AdjustmentFacts]:
    """Standing requests made before the period by a seat holder in scope since.

    Its member held a seat on the scope's bodies at some time from the
    request to the period's end: seated when they asked, they are not taken
    out of scope by leaving (or being erased) before the answer, which would
    count the answer in no period.
    """
    facts = lens.facts
    spells: dict[UUID, list[SeatFacts]] = {}
    for body in lens.bodies():
        for seat in body.seats:
            spells.setdefault(seat.member, []).append(seat)
    found = []
    for member, seats in spells.items():
        for i in facts.adjustments_by_member.get(member, []):
            a = facts.adjustments[i]
            if (
                a.scope == "standing"
                and a.requested_at < since
                and any(s.spell.overlaps(a.requested_at, lens.until) for s in seats)
            ):
                found.append(a)
    return found


def x2_requests(lens: Lens) -> list[AdjustmentFacts]:
    """The requests X2 reads: made in the period, or before it and answered in it."""
    return requests(lens) + answered_in(lens)


def status_at_end(lens: Lens, request: AdjustmentFacts) -> str:
    """*request*'s status as it stood at the period's end.

    An answer given at or after the end had not come by then, so the request
    was still open. A withdrawal counts whenever it came (``withdrawn_in_time``
    says whether it left the request out of X1).
    """
    answered = request.resolved_at
    if (
        lens.until is not None
        and answered is not None
        and answered >= lens.until
        and request.status != "withdrawn"
    ):
        return "requested"
    return request.status


def deadline(lens: Lens, request: AdjustmentFacts) -> datetime | None:
    """When *request* had to be met by, or None when it had no deadline (yet).

    A request needed before a proposal's vote is due when the vote opens; if
    the proposal was decided or withdrawn without one, the first of those
    ended the chance to meet it in time, so it is due then. A request made
    after the vote opened (while it was open, or after it closed
    ``not_valid``) is due at the first decision or withdrawal after it, a vote
    that closed ``not_valid`` being no decision. A
    request needed before a proposal's feedback is due at the first feedback
    given on it at or after the request (or at its withdrawal, after which
    none can be given). A standing request has none: its ``needed_by`` is the
    day it holds from, and X1 reads it at each meeting it covered instead.
    """
    if request.scope == "standing":
        return None
    if request.needed_by is not None:
        return request.needed_by
    if request.scope == "meeting" and request.meeting is not None:
        meeting = lens.facts.meetings.get(request.meeting)
        return None if meeting is None else meeting.starts_at
    if request.scope == "proposal" and request.proposal is not None:
        proposal = lens.facts.proposals.get(request.proposal)
        return None if proposal is None else _stage_reached(proposal, request)
    return None


def _stage_reached(
    proposal: ProposalFacts, request: AdjustmentFacts
) -> datetime | None:
    """When *proposal* first reached the stage *request* was needed before, if it has.

    Its vote's opening, or else its first decision (a vote that closed
    ``not_valid`` decided nothing) or withdrawal, after the request, for a
    need before the vote; its first feedback, or else its
    withdrawal, after the request, for a need before feedback.
    """
    made = request.requested_at
    if request.needed_before in NEEDED_BEFORE_VOTE:
        opened = proposal.voting_opened_at
        if opened is not None and opened >= made:
            return opened
        # a vote that closed not_valid decided nothing: the need is due at
        # the decision that settles the proposal, as after such a vote
        ended = [
            d.at
            for d in proposal.decisions
            if d.at >= made and d.outcome != "not_valid"
        ]
    elif request.needed_before == FEEDBACK:
        ended = [at for _, at in proposal.feedback if at >= made]
    else:
        return None
    if proposal.withdrawn_at is not None:
        ended.append(proposal.withdrawn_at)
    return min(ended, default=None)


def on_time(lens: Lens, request: AdjustmentFacts) -> bool:
    """Whether *request* was provided by its deadline (or at all, with none)."""
    if status_at_end(lens, request) != "provided" or request.resolved_at is None:
        return False
    due = deadline(lens, request)
    return due is None or request.resolved_at <= due


def pending(lens: Lens, request: AdjustmentFacts) -> bool:
    """Whether *request* is still open with its deadline yet to come.

    A request needed before a proposal's vote has no deadline until the vote
    opens; while the proposal is still open and undecided, that deadline is
    still to come, so the request is pending too. So is one withdrawn after its
    deadline, when that deadline was still to come at the period's end: it had
    not failed by then.
    """
    status = status_at_end(lens, request)
    withdrawn_late = status == "withdrawn" and not withdrawn_in_time(lens, request)
    if status != "requested" and not withdrawn_late:
        return False
    due = deadline(lens, request)
    if due is not None:
        # at now itself it can still be met in time; after the record's
        # latest day it is still to come, whatever the period's end
        return due >= lens.recorded_now
    # No deadline yet: a need before a vote that nothing has yet opened,
    # decided or withdrawn, or before feedback not yet given (``deadline``
    # would have found them).
    return _awaits_its_stage(lens, request)


def _awaits_its_stage(lens: Lens, request: AdjustmentFacts) -> bool:
    """Whether *request* is a need before the vote or feedback of a known proposal.

    ``pending`` asks only when ``deadline`` found none: no vote opened (or
    feedback given) after the request, and nothing ended the proposal since.
    """
    if (
        request.scope != "proposal"
        or request.proposal is None
        or request.needed_by is not None
        or request.needed_before not in {*NEEDED_BEFORE_VOTE, FEEDBACK}
    ):
        return False
    return request.proposal in lens.facts.proposals


def ended_by_erasure(lens: Lens, request: AdjustmentFacts) -> bool:
    """Whether *request*'s member was erased while it was open, by its deadline.

    Nobody may answer an erased member's request, so one still open when the
    erasure came at or before its deadline (or with none) ended then, as a
    standing request does: it had not yet failed, and now it never can.
    """
    if status_at_end(lens, request) != "requested":
        return False
    member = lens.facts.members.get(request.member)
    erased = None if member is None else member.erased_at
    if erased is None or (lens.until is not None and erased >= lens.until):
        return False
    due = deadline(lens, request)
    return due is None or erased <= due


def withdrawn_in_time(lens: Lens, request: AdjustmentFacts) -> bool:
    """Whether *request* was withdrawn before it was due (or while it had no due).

    Such a request is left out: the member no longer needed it. One withdrawn
    after its deadline passed unanswered had already failed, and the
    withdrawal does not take that back, as an erasure after it does not.
    """
    if request.status != "withdrawn" or request.withdrawn_at is None:
        return False
    due = deadline(lens, request)
    return due is None or request.withdrawn_at <= due


def made_good(lens: Lens, declined: AdjustmentFacts) -> bool:
    """Whether a later request for the same need was provided by the same deadline.

    Codes are not in the facts, so "the same need" means the same member and the
    same meeting, proposal or standing scope: the usual case is a decline with an
    alternative offered, which the member then asked for and got. Asked again
    means asked at or after the decline: another need asked for before it (Easy
    Read papers beside the interpreter declined) answered a different need.
    """
    due = deadline(lens, declined)
    refused = declined.resolved_at
    mine = lens.facts.adjustments_by_member.get(declined.member, [])
    for other in (lens.facts.adjustments[i] for i in mine):
        if (
            other.id != declined.id
            and other.member == declined.member
            and (other.scope, other.meeting, other.proposal)
            == (declined.scope, declined.meeting, declined.proposal)
            and refused is not None
            and other.requested_at >= refused
            and status_at_end(lens, other) == "provided"
            and other.resolved_at is not None
            and (due is None or other.resolved_at <= due)
        ):
            return True
    return False


def unresolved_declined(lens: Lens) -> list[AdjustmentFacts]:
    """Declined requests in scope and period that no later provision made good."""
    return [
        a
        for a in requests(lens)
        if status_at_end(lens, a) == "declined" and not made_good(lens, a)
    ]


def unresolved_declines(lens: Lens) -> int:
    """How many declined requests in scope and period were never made good."""
    return len(unresolved_declined(lens))


# Standing requests: one expected outcome per meeting ---------------------------


def standing_cover(facts: Facts) -> dict[UUID, list[AdjustmentFacts]]:
    """The standing requests each meeting was expected to meet, by meeting id.

    A standing request covers a meeting when its member was expected there
    while the request stood. Expected: the member attended it, or held a seat
    (of any kind) on its body as it started, as X5 expects seat holders; a
    social meeting expects only those who came, and one called off by its
    start (``called_off_by_start``) no one. The request stood from when
    it was made (and from its ``needed_by``, when given: the member asked for
    it from then on) until it was withdrawn or the member erased, each at or
    before the start ending it. Requests keep the order they were made in.

    Worked out once per state of the facts for every scope: it reads only the
    members with standing requests, their seats and the meetings of their
    bodies, and one pass over attendance.
    """
    return facts.remember("standing cover", lambda: _standing_cover(facts))


def _standing_cover(facts: Facts) -> dict[UUID, list[AdjustmentFacts]]:
    standing: dict[UUID, list[AdjustmentFacts]] = {}
    for a in facts.adjustments.values():
        if a.scope == "standing":
            standing.setdefault(a.member, []).append(a)
    cover: dict[UUID, list[AdjustmentFacts]] = {}
    for meeting_id, members in _expected(facts, standing.keys()).items():
        at = facts.meetings[meeting_id].starts_at
        stood = [
            a for member in members for a in standing[member] if _stood_at(facts, a, at)
        ]
        if stood:
            cover[meeting_id] = sorted(stood, key=lambda a: (a.requested_at, a.id.int))
    return cover


def _expected(facts: Facts, among: Collection[UUID]) -> dict[UUID, set[UUID]]:
    """The members of *among* expected at each meeting, by meeting id.

    Those who attended it, and (but at a social meeting) those seated on its
    body as it started; no one at a meeting called off by its start.
    """
    expected: dict[UUID, set[UUID]] = {}
    if not among:
        return expected
    for meeting in facts.meetings.values():
        if called_off_by_start(meeting):
            continue  # nobody was expected at it
        came = [m for m in meeting.attendance if m in among]
        if came:
            expected.setdefault(meeting.id, set()).update(came)
    for body in facts.bodies.values():
        spells = [s for s in body.seats if s.member in among]
        if not spells:
            continue
        for meeting_id in facts.meetings_by_body.get(body.id, ()):
            meeting = facts.meetings[meeting_id]
            if meeting.kind == "social" or called_off_by_start(meeting):
                continue
            held = [s.member for s in spells if s.spell.covers(meeting.starts_at)]
            if held:
                expected.setdefault(meeting_id, set()).update(held)
    return expected


def called_off_by_start(meeting: MeetingFacts) -> bool:
    """Whether *meeting* was called off at or before its start.

    One called off later was due to start, so a standing request was due to
    be met there, as a request for it fell due (``called_off``).
    """
    cancelled = meeting.cancelled_at
    return cancelled is not None and cancelled <= meeting.starts_at


def _stood_at(facts: Facts, request: AdjustmentFacts, at: datetime) -> bool:
    """Whether standing *request* held at business time *at* (a meeting's start)."""
    if request.requested_at > at:
        return False
    if request.needed_by is not None and request.needed_by > at:
        return False
    ended = request.withdrawn_at  # perhaps after its answer
    if ended is not None and ended <= at:
        return False
    member = facts.members.get(request.member)
    erased = None if member is None else member.erased_at
    return erased is None or erased > at


def standing_items(lens: Lens) -> list[tuple[AdjustmentFacts, MeetingFacts]]:
    """(standing request, meeting) for each meeting in scope and period it covered.

    Ordered by the meeting's start, then by when the request was made. X1
    alone asks, once per scope: kept, the ledger's list alone grew with every
    meeting a standing request covered.
    """
    facts = lens.facts
    cover = standing_cover(facts)
    if not cover:
        return []
    if lens.scope.kind == "ledger":
        ids: set[UUID] | dict[UUID, list[AdjustmentFacts]] = cover
    else:
        ids = scope_meetings(lens)
    found: list[tuple[AdjustmentFacts, MeetingFacts]] = []
    for meeting_id in ids:
        covered = cover.get(meeting_id)
        meeting = facts.meetings[meeting_id]
        if covered and lens.in_period(meeting.starts_at):
            found += [(a, meeting) for a in covered]
    found.sort(key=lambda item: (item[1].starts_at, item[1].id.int))  # stable
    return found


def standing_outcome(
    lens: Lens, request: AdjustmentFacts, meeting: MeetingFacts
) -> str:
    """What standing *request* came to at *meeting*, which it covered.

    The ledger records one answer per request, given once, so it answers the
    meetings after it: ``met`` when the request was provided (in full or in
    part) at or before the meeting's start, ``declined`` when it was declined
    by then. A meeting that started with no answer yet was an outcome missing,
    which fails: ``late`` when a provision came after it (by the period's
    end), else ``unresolved``. A meeting at or after now (or after the latest
    day recorded) with no answer yet is ``pending``: the request can still be
    met for it.
    """
    at, answered = meeting.starts_at, request.resolved_at
    if answered is not None and answered <= at:
        if request.status == "provided":
            return "met"
        if request.status == "declined":
            return "declined"
    if at >= lens.recorded_now:
        return "pending"
    return "late" if status_at_end(lens, request) == "provided" else "unresolved"


@per_scope
def x1(lens: Lens, th: Thresholds) -> Figure:
    """Share of expected adjustments provided by the time they were needed.

    Each request for a meeting or proposal is one item, due at its deadline.
    Each standing request is one item per meeting in scope and period that it
    covered (``standing_cover``), due at the meeting's start, whenever the
    request was made; a standing request that covered none adds nothing.
    """
    items: list[tuple[AdjustmentFacts, datetime, str]] = []
    for a in x1_requests(lens):
        if (
            a.scope == "standing"
            or withdrawn_in_time(lens, a)
            or pending(lens, a)
            or ended_by_erasure(lens, a)
        ):
            continue
        status = status_at_end(lens, a)  # "withdrawn" here: after it was due
        if on_time(lens, a):
            outcome = "met"
        elif status == "provided":
            outcome = "late"
        else:
            outcome = "declined" if status == "declined" else "unresolved"
        items.append((a, a.requested_at, outcome))
    covered = standing_items(lens)
    for a, meeting in covered:
        outcome = standing_outcome(lens, a, meeting)
        if outcome != "pending":
            items.append((a, meeting.starts_at, outcome))
    coverage = lens.coverage((a.member, at) for a, at, _ in items)
    if not items:
        return insufficient("X1", _nothing_due(lens, covered), people=0)
    counts = Counter(outcome for _, _, outcome in items)
    met = counts["met"]
    partial = sum(a.partial for a, _, outcome in items if outcome == "met")
    never = sum(
        outcome == "declined" and not made_good(lens, a) for a, _, outcome in items
    )
    value = met / len(items)
    band = band_of(value, [(th.fulfilment, "shortfall")], "met")
    note = (
        f"{counts['late']} provided late, {counts['declined']} declined "
        f"({never} never made good), {counts['unresolved']} unresolved, "
        f"{partial} of those met provided in part"
    )
    # A standing request counts at every meeting it covered: many items may
    # stand for one person's need, so the people behind them are counted too.
    people = people_in((a.member, at) for a, at, _ in items)
    return Figure("X1", value, len(items), coverage, band, note, people)


def _due_past_the_record(
    lens: Lens,
    open_: list[AdjustmentFacts],
    covered: list[tuple[AdjustmentFacts, MeetingFacts]],
) -> bool:
    """Whether one of *open_* falls due after the record ends but in the period.

    A standing request has no deadline of its own: it falls due at each
    meeting in the period it *covered*, as it starts. Then the period's end
    has not been reached by the record: saying none had fallen due by it
    would date a wait the record cannot yet see.
    """
    until, recorded = lens.until, lens.recorded_now
    if until is None:
        return False
    dues = [deadline(lens, a) for a in open_] + [m.starts_at for _, m in covered]
    return any(due is not None and recorded <= due < until for due in dues)


def _nothing_due(
    lens: Lens, covered: list[tuple[AdjustmentFacts, MeetingFacts]]
) -> str:
    """Why X1 has no items: no requests, or requests none of which fell due.

    A request still pending, or a standing request that covered no meeting
    held yet, was made all the same: saying none was made would be untrue.
    One whose member was erased before it fell due never will, and the note
    says so.
    """
    open_ = [a for a in x1_requests(lens) if not withdrawn_in_time(lens, a)]
    asked = {a.id for a in open_} | {a.id for a, _ in covered}
    if not asked:
        return "no adjustment requests were made"
    made = (
        "1 adjustment request was made"
        if len(asked) == 1
        else f"{len(asked)} adjustment requests were made"
    )
    erased = sum(ended_by_erasure(lens, a) for a in open_)
    if erased == len(asked):
        if erased == 1:
            return f"{made}, but its member was erased before it fell due"
        return f"{made}, but their members were erased before they fell due"
    ended = f" ({erased} ended first by an erasure)" if erased else ""
    if lens.until is None or _due_past_the_record(lens, open_, covered):
        return f"{made}, but none has fallen due yet{ended}"
    return f"{made}, but none had fallen due by the period's end{ended}"


def x2(lens: Lens, th: Thresholds) -> Figure:
    """Share of answered adjustment requests that were declined.

    A request counts in the period it was made, or, when it was answered in a
    later one, in the period of its answer (``answered_in``).
    """
    del th
    answered = [a for a in x2_requests(lens) if status_at_end(lens, a) in ANSWERS]
    coverage = lens.coverage((a.member, a.requested_at) for a in answered)
    if not answered:
        return insufficient("X2", "no adjustment requests were answered", people=0)
    declined = [a for a in answered if status_at_end(lens, a) == "declined"]
    reasons = Counter(a.decline_reason or "unknown" for a in declined)
    per_member = Counter(a.member for a in declined)
    repeated = sum(count >= 2 for count in per_member.values())  # noqa: PLR2004
    standing_notice = sum(
        a.scope == "standing" and a.decline_reason == "insufficient_notice"
        for a in declined
    )
    value = len(declined) / len(answered)
    band = "none" if not declined else "repeated" if repeated else "some"
    by_reason = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items())) or "none"
    note = (
        f"declined by reason: {by_reason}; {repeated} member(s) with 2 or more "
        f"declined requests; {standing_notice} standing request(s) declined for "
        "insufficient notice (an organisational failure)"
    )
    # Like X1's, its records are people's access needs: one member who asks
    # before every meeting stands behind many of them.
    people = people_in((a.member, a.requested_at) for a in answered)
    return Figure("X2", value, len(answered), coverage, band, note, people)


def x3(lens: Lens, th: Thresholds) -> Figure:
    """Share of (meeting, papers format) pairs issued the set days before the start."""
    pairs = on_time = 0
    lead = timedelta(days=th.deliberation_days)
    for meeting in lens.meetings():
        first = lens.first_papers(meeting)  # none issued after the period
        pairs += len(first)
        on_time += sum(at <= meeting.starts_at - lead for at in first.values())
    if not pairs:
        return insufficient("X3", "no papers were issued for meetings in the period")
    value = on_time / pairs
    band = band_of(value, [(th.fulfilment, "late")], "on_time")
    return Figure("X3", value, pairs, None, band)


def _asked_for(lens: Lens, meeting: MeetingFacts) -> list[datetime]:
    """When requests for *meeting* (or for proposals raised at it) were made.

    A standing request that covered it (``standing_cover``) asked for it too,
    when it was made: X1 counts the meeting's papers as that request met.
    """
    facts = lens.facts
    ids = list(facts.adjustments_by_meeting.get(meeting.id, []))
    for p in lens.proposals_at(meeting.id):
        ids += facts.adjustments_by_proposal.get(p.id, [])
    ids += [a.id for a in standing_cover(facts).get(meeting.id, [])]
    return [facts.adjustments[i].requested_at for i in ids]


def anticipatory(lens: Lens, meeting: MeetingFacts) -> bool:
    """Whether *meeting* had accessible papers by its start, before anyone asked."""
    asked = _asked_for(lens, meeting)
    return any(
        fmt != STANDARD_FORMAT
        and at <= meeting.starts_at
        and all(at < when for when in asked)
        for fmt, at in meeting.papers
    )


def x4(lens: Lens, th: Thresholds) -> Figure:
    """Share of meetings with accessible papers issued before any request for them.

    The catalogue's baseline (``th.baseline``: captions, breaks, step-free
    access...) is not in the record, and request codes are sealed; what the
    ledger does show is each meeting's papers formats. So a meeting counts when
    it had papers in some format other than standard print, issued by its start
    and before any request for that meeting (or for a proposal raised at it,
    or a standing request that covered it).
    Papers issued only after a meeting began did not help anyone take part in
    it. Social meetings are left out, and so are meetings still to come.
    """
    meetings = [m for m in lens.held() if m.kind != "social"]
    if not meetings:
        return insufficient("X4", "no meetings but social ones held in the period")
    value = sum(anticipatory(lens, m) for m in meetings) / len(meetings)
    band = (
        "reactive"
        if value == 0
        else band_of(value, [(th.fulfilment, "partial")], "baseline")
    )
    codes = ", ".join(dict.fromkeys(th.baseline))  # each once, as given
    note = "adapted: accessible papers formats issued unasked stand in for " + (
        f"the baseline set ({codes}), which the record cannot show"
        if codes
        else "a baseline set, though none is set"
    )
    return Figure("X4", value, len(meetings), None, band, note)


def _barrier_note(lens: Lens) -> str:
    """Attendance at meetings where the member's own request was provided, or not.

    The meetings held in scope and period, with each request for one of them
    as it stood at the period's end, whenever it was made: a need is asked
    for ahead of its meeting, often in the period before. It counts
    meetings: a member's meeting with two requests provided is one.
    """
    seen: dict[str, dict[tuple[UUID, UUID], bool]] = {"provided": {}, "declined": {}}
    facts = lens.facts
    for meeting in lens.held():
        for i in facts.adjustments_by_meeting.get(meeting.id, ()):
            a = facts.adjustments[i]
            status = status_at_end(lens, a)
            if a.scope == "meeting" and status in seen:
                came = a.member in meeting.attendance
                seen[status][a.member, meeting.id] = came
    provided, declined = seen["provided"].values(), seen["declined"].values()
    return (
        f"(b) attended {sum(provided)} of {len(provided)} meetings where the "
        f"member's request was provided, {sum(declined)} of {len(declined)} "
        "where it was declined"
    )


def x5(lens: Lens, th: Thresholds) -> Figure:
    """Attendance rate of seated members with lived experience over that of others.

    Each meeting held in the period by now (socials left out) expects every
    member seated on its body at its start; the rate is attendances over those
    expectations. A meeting still to come expects no one yet.
    In the ledger scope every body's meetings count, not only the governance
    bodies', and in a project's its meetings count whichever body held them.
    """
    totals = [0, 0, 0, 0, 0, 0]
    with_it: set[int] = set()
    without: set[int] = set()
    bodies = lens.facts.bodies  # the meetings are in scope, so their bodies are
    for meeting in lens.held():
        body = bodies.get(meeting.body)
        if body is None or meeting.kind == "social":
            continue
        counts, le_members, other_members = _x5_counts(lens, body, meeting)
        for i, count in enumerate(counts):
            totals[i] += count
        with_it |= le_members
        without |= other_members
    le_expected, other_expected, le_attended, other_attended, acts, declared = totals
    coverage = declared / acts if acts else None
    note = _barrier_note(lens)
    groups = (len(with_it), len(without))
    if not le_expected or not other_attended:
        return insufficient(
            "X5",
            "needs seated members of both groups, and others attending",
            acts,
            coverage,
            groups=groups,
        )
    value = (le_attended / le_expected) / (other_attended / other_expected)
    band = "below_parity" if below(value, th.attendance_parity) else "parity"
    return Figure("X5", value, acts, coverage, band, note, groups=groups)


@per_state
def _x5_counts(
    lens: Lens, body: BodyFacts, meeting: MeetingFacts
) -> tuple[tuple[int, ...], frozenset[int], frozenset[int]]:
    """Seated members expected at *meeting*, with and without lived experience.

    (expected with, expected without, attended with, attended without, all
    expected, of whom declared) at the meeting's start, then the members
    expected with lived experience and those without it (as ints), whom X5
    counts as its groups. They depend on the meeting alone, and the ledger,
    its body and its project all ask.
    """
    counts = [0, 0, 0, 0, 0, 0]
    groups: tuple[set[int], set[int]] = (set(), set())
    at = meeting.starts_at
    for member in {s.member for s in seats_at(body, at)}:
        le = lens.le(member, at)
        present = member in meeting.attendance
        counts[0 if le else 1] += 1
        counts[2 if le else 3] += present
        counts[4] += 1
        counts[5] += lens.declared(member, at)
        groups[0 if le else 1].add(member.int)
    # A body's meetings mostly share one set of seat holders: kept once per
    # state, not once per meeting (that was tens of MB at a million events).
    pool: dict[frozenset[int], frozenset[int]] = lens.facts.remember(
        ("x5_groups",), dict
    )
    with_it, without = (pool.setdefault(f, f) for f in map(frozenset, groups))
    return tuple(counts), with_it, without


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every accessibility figure."""
    return {f.code: f for f in (fn(lens, th) for fn in (x1, x2, x3, x4, x5))}
