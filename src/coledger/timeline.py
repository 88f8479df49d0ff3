"""The timeline of one proposal or project: who did what, when, in plain words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import attrs

from coledger.domain import Adjustment, Body, Meeting, Member, Project, Proposal

if TYPE_CHECKING:
    from coledger.application import Ledger
    from coledger.domain import LedgerAggregate
    from coledger.views import AdjustmentView, MeetingView, ProposalView

Namer = Callable[[UUID | None], str]
_IN_WORDS = {"adopted_amended": "adopted as amended"}
"""The outcomes whose codes do not read as words (``not_valid`` has its own line)."""


@attrs.frozen
class Entry:
    """One line of a timeline."""

    position: int
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    kind: str
    text: str
    source_ref: str | None


def clock(at: datetime) -> str:
    """*at* as its wall-clock minute with its UTC offset, as the record holds it."""
    text = at.isoformat(timespec="minutes")  # years 1800 to 2199: four digits
    return f"{text[:10]} {text[11:16]} {text[16:]}"


def _names(namer: Namer, ids: tuple[UUID, ...]) -> str:
    return ", ".join(namer(i) for i in ids) or "nobody"


def _commented(e: Proposal.Commented, namer: Namer) -> str:
    """A comment in words, naming its author only when someone else recorded it.

    The line already starts with who recorded it: the author, or the
    supporter they commented through.
    """
    whom = "" if e.actor == e.author else f" for {namer(e.author)}"
    if e.supporter is None:
        how = ""
    elif e.actor == e.supporter:
        how = " as their supporter"
    else:  # recorded by the author (as an import may hold it), or by someone else
        how = f" with {namer(e.supporter)}'s support"
    return f"commented{whom}{how} ({e.channel}): {e.text}"


def _answered(e: Any, asked: str | None) -> str:
    """An answer to a request, or its withdrawal, naming the need (*asked*)."""
    which = "" if asked is None else f" {asked}"
    if isinstance(e, Adjustment.Withdrawn):
        return f"withdrew the request for an adjustment{which}"
    if isinstance(e, Adjustment.Provided):
        return f"provided the adjustment{which}" + (" in part" if e.partial else "")
    alt = f", offering {e.alternative}" if e.alternative else ""
    return f"declined the adjustment{which} ({e.reason.replace('_', ' ')}{alt})"


def _meeting(meetings: Mapping[UUID, str] | None, e: Any) -> str:
    """``the meeting 'June'``, the meeting *e* is a step of, by its title if known."""
    title = (meetings or {}).get(e.originator_id)
    return "the meeting" if title is None else f"the meeting '{title}'"


def describe(  # noqa: C901, PLR0911, PLR0912
    event: LedgerAggregate.Event,
    namer: Namer,
    actions: Mapping[UUID, str] | None = None,
    meetings: Mapping[UUID, str] | None = None,
    requests: Mapping[UUID, str] | None = None,
    *,
    proposals: Mapping[UUID, str] | None = None,
) -> str:
    """What *event* records, in one plain sentence (without who did it).

    *actions* gives the description of each delivery action by its id, so
    that a completion, which records only the id, says which action it was;
    *meetings* the title of each meeting by its id, so that a meeting's
    steps (its papers, attendance, check-ins, needs and cancellation), which
    record none, say which meeting they were at; *requests* the
    need asked for by each request's id (``(BSL) for Kim``), so that an
    answer or a withdrawal, which records neither, says which it was about;
    *proposals* the title of each proposal by its id, so that a vote noted
    on a meeting, which records only the id, says which proposal it was on.
    """
    e: Any = event
    match event:
        case Proposal.Raised():
            names = _names(namer, e.proposers)
            return f"raised the proposal '{e.title}' (proposers: {names})"
        case Proposal.Amended():
            # Which of title and text changed, the event does not say: both are shown.
            taken = f"taking up {len(e.takes_up)} comment(s)"
            return f"amended it, {taken}; now '{e.title}': {e.text}"
        case Proposal.Commented():
            return _commented(e, namer)
        case Proposal.AccessibleVersionPublished():
            return f"published an accessible version ({e.format})"
        case Proposal.AdjustmentLinked():
            member, stage = namer(e.member), e.needed_before
            return f"noted an access need of {member} before the {stage}"
        case Proposal.FeedbackGiven():
            return f"gave feedback on {len(e.comments)} comment(s): {e.text}"
        case Proposal.VotingOpened():
            override = (
                f"; opened over unmet access needs: {e.access_override}"
                if (e.access_override)
                else ""
            )
            # None: a vote opened before openings said, which its close settles.
            kind = "an advisory vote" if e.advisory else "voting"
            return f"opened {kind} for {len(e.electorate)} voter(s){override}"
        case Proposal.BallotCast():
            via = f" (cast by {namer(e.supporter)})" if e.supporter else ""
            return f"recorded {namer(e.voter)}'s ballot: {e.choice}{via}"
        case Proposal.VotingClosed():
            kind = "an advisory vote" if e.advisory else "voting"
            return (
                f"closed {kind}: {e.for_} for, {e.against} against, {e.abstain} "
                f"abstain, {e.block} block ({e.reason.replace('_', ' ')})"
            )
        case Proposal.Decided() if e.outcome == "not_valid":
            # Its voters decided nothing: the close's entry gives the reason.
            return "recorded that the vote decided nothing (not valid)"
        case Proposal.Decided():
            override = " (overriding the vote)" if e.overrode_vote else ""
            why = f": {e.rationale}" if e.rationale else ""
            outcome = _IN_WORDS.get(e.outcome, e.outcome)
            return (
                f"recorded the decision: {outcome} by {e.method.replace('_', ' ')}, "
                f"decided by {_names(namer, e.decided_by)}{override}{why}"
            )
        case Proposal.Withdrawn():
            return "withdrew the proposal" + (f": {e.reason}" if e.reason else "")
        case Proposal.ActionAssigned():
            return f"assigned '{e.description}' to {_names(namer, e.owners)}"
        case Proposal.ActionCompleted():
            done = (actions or {}).get(e.action_id)
            if done is None:
                return "completed a delivery action"
            return f"completed the delivery action '{done}'"
        case Proposal.EvaluationRecorded():
            return f"recorded an evaluation by {_names(namer, e.authors)}: {e.summary}"
        case Adjustment.Requested():
            return f"asked for an adjustment ({e.code}) for {namer(e.member)}"
        case Adjustment.Provided() | Adjustment.Declined() | Adjustment.Withdrawn():
            return _answered(e, (requests or {}).get(e.originator_id))
        case Project.Started():
            return f"started the project '{e.name}' labelled {e.label}"
        case Project.Relabelled():
            return f"relabelled the project {e.label}"
        case Project.Finished():
            return "finished the project"
        case Meeting.Scheduled():
            kind = e.kind.replace("_", " ")
            return f"called the meeting '{e.title}' ({kind}) for {clock(e.starts_at)}"
        case Meeting.PapersIssued():
            return f"issued the papers for {_meeting(meetings, e)} ({e.format})"
        case Meeting.AttendanceRecorded():
            at, mode = _meeting(meetings, e), e.mode.replace("_", " ")
            return f"recorded {namer(e.member)} as attending {at} ({mode})"
        case Meeting.WellbeingCheckInHeld():
            return f"held a wellbeing check-in at {_meeting(meetings, e)}"
        case Meeting.AdjustmentLinked():
            return (
                f"noted an access need of {namer(e.member)} for {_meeting(meetings, e)}"
            )
        case Meeting.Cancelled():
            return f"called off {_meeting(meetings, e)}"
        case Meeting.VoteOpened():
            title = (proposals or {}).get(e.proposal)
            on = "a proposal" if title is None else f"the proposal '{title}'"
            return f"opened a vote at {_meeting(meetings, e)} on {on}"
        case Body.SeatAssigned():
            return f"seated {namer(e.member)} ({e.seat})"
        case Body.SeatVacated():
            return f"vacated {namer(e.member)}'s seat"
        case Member.Registered():
            return f"registered {e.name} as {e.role}"
    return type(event).__qualname__


class _Names:
    """Members' names by id, read once each until a member's keys are destroyed.

    A timeline reads the history a page at a time, and each page stops opening
    what an erasure made unreadable meanwhile (in another process, say): the
    names read before it are read again, so that an erased name shows no more.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.names: dict[UUID, str] = {}
        self.keys_seen = self._keys_changed()

    def _keys_changed(self) -> int:
        """How many times the ledger's key store has destroyed keys."""
        return self.ledger._keys.changes  # noqa: SLF001 (no public count)

    def __call__(self, member: UUID | None) -> str:
        """*member*'s name as recorded now, or ``someone`` for no member."""
        if member is None:
            return "someone"
        if member not in self.names:
            self.names[member] = self.ledger.member(member).name
        return self.names[member]

    def forgot(self) -> bool:
        """Forget the names read, and say so, if keys were destroyed since."""
        changed = self._keys_changed()
        if changed == self.keys_seen:
            return False
        self.keys_seen = changed
        self.names.clear()
        return True


def _need(request: Adjustment.Requested | AdjustmentView, namer: Namer) -> str:
    """The need *request* asks for, and for whom: ``(BSL) for Kim``."""
    return f"({request.code}) for {namer(request.member)}"


def _shown(event: LedgerAggregate.Event, ids: set[UUID], called_off: set[UUID]) -> bool:
    """Whether *event* is on a timeline of the records *ids*.

    Of the meetings *called_off* (a proposal's meeting), only the cancellation.
    """
    if isinstance(event, Meeting.Cancelled) and event.originator_id in called_off:
        return True
    # A meeting's note of a vote opening repeats the proposal's own entry, if shown.
    repeated = isinstance(event, Meeting.VoteOpened) and event.proposal in ids
    return event.originator_id in ids and not repeated


def _raised_at(ledger: Ledger, view: ProposalView) -> MeetingView | None:
    """The meeting *view* was raised at, or None if at no meeting."""
    return None if view.meeting is None else ledger.meeting(view.meeting)


def _project_records(
    ledger: Ledger, project: UUID
) -> tuple[set[UUID], list[ProposalView], dict[UUID, str], dict[UUID, str]]:
    """The ids of a project's records, its proposals, its meetings' titles...

    ...and the titles of the other proposals raised at its meetings, whose
    votes, opened there, its meetings note. Its meetings are those called for
    it and those one of its proposals was raised at, as the reports read
    them: each with its requests.
    """
    ids = {ledger.project(project).id}
    every = ledger.proposals()
    proposals = [p for p in every if p.project == project]
    raised_at = {p.meeting for p in proposals if p.meeting is not None}
    for p in proposals:
        ids |= {p.id, *p.adjustments}
    titles = {}
    for m in ledger.meetings():
        if m.project == project or m.id in raised_at:
            ids |= {m.id, *m.adjustments}
            titles[m.id] = m.title
    others = {p.id: p.title for p in every if p.meeting in titles and p.id not in ids}
    return ids, proposals, titles, others


def timeline(
    ledger: Ledger, *, proposal: UUID | None = None, project: UUID | None = None
) -> list[Entry]:
    """The entries about one proposal, or one project, in recorded order.

    A proposal's with its requests for adjustments, and those for the meeting
    it was raised at, which hold up its vote as its own do, and that
    meeting's cancellation, which takes them from the vote and moves the
    vote elsewhere, no earlier than the cancellation; a project's with
    its proposals, its meetings (those called for it, and those its proposals
    were raised at), and the requests for each, so that a need noted is
    followed by its answer.

    Inside a ``batch()`` it raises WrongStateError, as a subject access
    report does: the records would be read with the batch's changes and the
    events without them, so a proposal the batch raised would show nothing.
    The events are those stored before the records were read: a request
    another writer makes meanwhile, not among the records, would otherwise
    show its note on the proposal but neither itself nor its answer.
    """
    if (proposal is None) == (project is None):
        from coledger.errors import InvalidInputError  # noqa: PLC0415

        msg = "a timeline is of one proposal or one project"
        raise InvalidInputError(msg)
    ledger._refuse_in_own_batch("a timeline")  # noqa: SLF001 (reads stored events)
    until = ledger.position  # before the records: each event shown is of one read
    called_off: set[UUID] = set()  # a meeting whose cancellation alone is shown
    if proposal is not None:
        view = ledger.proposal(proposal)
        ids, proposals, meetings = {view.id, *view.adjustments}, [view], {}
        others: dict[UUID, str] = {}  # its meeting's notes of votes are not shown
        held_at = _raised_at(ledger, view)
        if held_at is not None:
            ids |= set(held_at.adjustments)
            meetings[held_at.id] = held_at.title
            called_off.add(held_at.id)
    else:
        assert project is not None  # noqa: S101 (checked above)
        ids, proposals, meetings, others = _project_records(ledger, project)
    actions = {a.id: a.description for p in proposals for a in p.actions}
    namer = _Names(ledger)
    requests: dict[UUID, str] = {}  # each request's need, for its answers
    entries = []
    for r in ledger.history(until=until):
        event = r.event
        if not _shown(event, ids, called_off):
            continue
        if namer.forgot():
            requests = {i: _need(ledger.adjustment(i), namer) for i in requests}
        if isinstance(event, Adjustment.Requested):
            requests[event.originator_id] = _need(event, namer)
        entries.append(
            Entry(
                r.position,
                event.occurred_at,
                event.timestamp,
                namer(event.actor),
                type(event).__qualname__,
                describe(event, namer, actions, meetings, requests, proposals=others),
                event.source_ref,
            )
        )
    return entries
