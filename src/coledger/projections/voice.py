"""V: voice (who spoke, whether they were answered, and whether there was time).

Comments count equally through every channel (meeting, written, Easy Read form,
BSL video, one-to-one). The reference's V3 airtime share needs speaking times,
which the ledger does not record, so it is not computed. V2 counts each member's
comments, proposals raised and amendments made, including the members who did
none of these; outside the ledger scope the members counted are those connected
to the scope in the period (seat holders of its bodies, attendees of its
meetings) and anyone who acted in it. V4 describes silence at meetings and
never names anyone: the ledger ties comments to proposals, not to meetings, so
a member is heard at a meeting where ``lens.occasion`` places an act of theirs
(as P2 and the ladder place it): a proposal raised at that meeting, or a
comment through the ``meeting`` channel on a proposal of its body on the
meeting's day (UTC). A written comment, or one after the period, says nothing
of that meeting, so later acts do not change who a period's V4 heard
(attendance, though, belongs to its meeting whenever it was recorded). Only
meetings where someone was heard (by the period's end) are counted, since at
the others the record could not show anyone speaking.

Lived experience is read as it stood when each act happened; members are
classed as they stood at the period's end where no single act dates them. A
decision whose outcome is ``not_valid`` decided nothing and is ignored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from coledger.projections.facts import (
    CommentFacts,
    DecisionFacts,
    MeetingFacts,
    ProposalFacts,
)
from coledger.projections.lens import (
    Figure,
    Lens,
    band_of,
    fewest,
    insufficient,
    meeting_days,
    occasion,
    people_in,
)
from coledger.projections.measures import above, gini, median, share
from coledger.projections.representation import moment
from coledger.projections.thresholds import Thresholds

NOT_DECIDED = "not_valid"
SILENT_RUN = 3
"""Meetings in a row a member must be silent at to be counted in V4's note."""
DAY = 86400.0


def comments_in_period(lens: Lens) -> list[tuple[ProposalFacts, CommentFacts]]:
    """Comments made in the period on proposals in scope (raised at any time)."""
    return [
        (p, c)
        for p in lens.proposals(in_period=False)
        for c in p.comments
        if lens.in_period(c.at)
    ]


def eligible(lens: Lens) -> list[UUID]:
    """Members at some moment of the period: registered by its end, erased after.

    That is, erased (if at all) after its start: an erasure takes a member out
    of the periods after it, not out of those before.
    """
    since, until = lens.since, lens.until
    return [m.id for m in lens.facts.members.values() if m.member_during(since, until)]


def v1(lens: Lens, th: Thresholds) -> Figure:
    """Lived-experience share of comments over its share of meeting attendees.

    Its groups are the comments with and without lived experience, then the
    attendances (or, with none recorded, the eligible members) with and
    without it, counted even with no comments: the decision tags read the
    attendances too, and disclosure control judges them by these groups.
    Then come the people behind each: the commenters with and without it,
    then the attendees (or the members again). One member's ten comments,
    or ten attendances, are one person's.
    """
    comments = comments_in_period(lens)
    acts = [(c.author, c.at) for _, c in comments]
    people = people_in(acts)
    present = [(m, x.starts_at) for x in lens.meetings() for m in x.attendance]
    if present:
        le_base, whole = sum(lens.le(m, at) for m, at in present), len(present)
        basis = "attendance"
        people = fewest(acts, present)  # the attendees' lived experience is read too
        behind_base = people_by_le(lens, present)
    else:
        le_base, whole = membership_counts(lens)
        basis = "membership (no attendance recorded)"
        behind_base = (le_base, whole - le_base)
    if not comments:
        return insufficient(
            "V1",
            "no comments were made in scope in the period",
            people=0,
            groups=(0, 0, le_base, whole - le_base, 0, 0, *behind_base),
        )
    coverage = lens.coverage(acts)
    le_comments = sum(lens.le(c.author, c.at) for _, c in comments)
    spoken = le_comments / len(comments)
    base = share(le_base, whole)
    groups = (
        le_comments,
        len(comments) - le_comments,
        le_base,
        whole - le_base,
        *people_by_le(lens, acts),
        *behind_base,
    )
    if not base:
        return insufficient(
            "V1",
            f"no one with lived experience in the {basis}",
            len(comments),
            coverage,
            people,
            groups=groups,
        )
    value = spoken / base
    band = band_of(value, [(th.parity, "quiet")], "")
    band = band or ("dominant" if above(value, th.voice_high) else "balanced")
    note = f"comment share {spoken:.2f} against {basis} share {base:.2f}"
    return Figure("V1", value, len(comments), coverage, band, note, people, groups)


def people_by_le(lens: Lens, acts: list[tuple[UUID, datetime]]) -> tuple[int, int]:
    """How many different members *acts* name with lived experience, and without.

    Each act is classed as it stood then, so a member who declared between
    two acts may be counted on both sides.
    """
    with_it: set[int] = set()
    without: set[int] = set()
    for member, at in acts:
        (with_it if lens.le(member, at) else without).add(member.int)
    return len(with_it), len(without)


def membership_counts(lens: Lens) -> tuple[int, int]:
    """Members with lived experience at the period's end, and all the members then.

    The members are those registered by the seat moment and not erased by
    then, as R5 counts them. They depend on the period's end alone, not the
    scope, so they are worked out once per state of the facts for every scope
    that falls back on them.
    """

    def work_out() -> tuple[int, int]:
        at = moment(lens)
        members = [m.id for m in lens.facts.members.values() if m.member_at(at)]
        return sum(lens.le(m, at) for m in members), len(members)

    return lens.facts.remember(("membership_counts", lens.until), work_out)


def scope_population(lens: Lens) -> frozenset[UUID]:
    """The members of the scope in the period: V2 counts them, A1 compares with them.

    In the ledger scope, every eligible member; in a body's or a project's,
    those who held a seat on a body in scope during the period or attended
    one of its meetings in the period, if registered before the period's end
    and not erased. Worked out once for A1 and V2, which ask one after the
    other: only the latest scope's is kept, since a rebuild's thousands of
    scopes would otherwise hold one each until it ends.
    """
    facts, asked = lens.facts, (lens.scope, lens.since, lens.until)
    kept = facts.memo.get(LATEST_POPULATION)
    if kept is not None and kept[0] == facts.position and kept[1][0] == asked:
        found: frozenset[UUID] = kept[1][1]
        return found
    made = _scope_population(lens)
    facts.memo[LATEST_POPULATION] = (facts.position, (asked, made))
    return made


LATEST_POPULATION = ("scope_population",)
"""The facts' memo key of the latest scope's ``scope_population``."""


def _scope_population(lens: Lens) -> frozenset[UUID]:
    if lens.scope.kind == "ledger":
        return frozenset(eligible(lens))
    connected = {
        s.member
        for b in lens.bodies()
        for s in b.seats
        if s.spell.overlaps(lens.since, lens.until)
    }
    connected |= {m for x in lens.meetings() for m in x.attendance}
    members = lens.facts.members
    return frozenset(
        m
        for m in connected
        if m in members and members[m].member_during(lens.since, lens.until)
    )


def participation(lens: Lens) -> dict[UUID, int]:
    """Comments, proposals raised and amendments made per member, zeros included."""
    counts = dict.fromkeys(scope_population(lens), 0)
    acts: list[UUID] = []
    for p in lens.proposals(in_period=False):
        if lens.in_period(p.raised_at):
            acts += p.proposers
        acts += [c.author for c in p.comments if lens.in_period(c.at)]
        acts += [a for a, _, at in p.amendments if a is not None and lens.in_period(at)]
    for member in acts:
        counts[member] = counts.get(member, 0) + 1
    return counts


def _mean(values: list[int]) -> str:
    return "n/a" if not values else f"{sum(values) / len(values):.2f}"


def v2(lens: Lens, th: Thresholds) -> Figure:
    """Gini coefficient of participation over every eligible member, zeros included."""
    counts = participation(lens)
    at = moment(lens)
    coverage = lens.coverage((m, at) for m in counts)
    if not sum(counts.values()):
        return insufficient(
            "V2",
            "no comments, proposals or amendments in scope in the period",
            len(counts),
            coverage,
        )
    value = gini(list(counts.values()))
    le = [n for m, n in counts.items() if lens.le(m, at)]
    others = [n for m, n in counts.items() if not lens.le(m, at)]
    band = "dominated" if above(value, th.gini_dominated) else "spread"
    note = f"mean acts: lived experience {_mean(le)}, others {_mean(others)}"
    return Figure("V2", value, len(counts), coverage, band, note)


def raised_at(lens: Lens, meeting: MeetingFacts) -> list[ProposalFacts]:
    """Proposals raised at *meeting* by the end of the period."""
    return [p for p in lens.proposals_at(meeting.id) if lens.by_end(p.raised_at)]


def spoken_at(lens: Lens) -> dict[UUID, set[UUID]]:
    """Who was heard at each meeting, by the period's end, by meeting id.

    A member was heard at a meeting where ``lens.occasion`` places an act of
    theirs: the raising of a proposal at it, or a comment through the
    ``meeting`` channel (on any proposal of its body: items come back to
    later meetings), as P2 and the ladder place them. Worked out once per
    state of the facts and period end, for every scope; the answer is
    shared, so it must not be changed.
    """

    def work_out() -> dict[UUID, set[UUID]]:
        days = meeting_days(lens.facts)
        heard: dict[UUID, set[UUID]] = {}
        for p in lens.facts.proposals.values():
            if not lens.by_end(p.raised_at):
                continue  # nor, then, its comments
            if p.meeting is not None:
                heard.setdefault(p.meeting, set()).update(p.proposers)
            for c in p.comments:
                if c.channel != "meeting" or not lens.by_end(c.at):
                    continue
                where = occasion(days, p, c.at)
                if isinstance(where, UUID):
                    heard.setdefault(where, set()).add(c.author)
        return heard

    return lens.facts.remember(("voice", "spoken at", lens.until), work_out)


def v4(lens: Lens, th: Thresholds) -> Figure:
    """Share of lived-experience attendances with no comment or proposal there."""
    del th
    everyone: list[tuple[UUID, datetime]] = []
    runs: dict[UUID, list[bool]] = {}
    spoken = spoken_at(lens)
    for meeting in sorted(lens.meetings(), key=lambda x: x.starts_at):
        at = meeting.starts_at
        heard = spoken.get(meeting.id)
        if not heard:
            continue  # the record could not show anyone speaking there
        for member in meeting.attendance:
            everyone.append((member, at))
            if lens.le(member, at):
                runs.setdefault(member, []).append(member not in heard)
    attendances = [s for run in runs.values() for s in run]
    if not attendances:
        return insufficient(
            "V4",
            "no attendance by members with lived experience was recorded "
            "at meetings where anyone was heard",
            coverage=lens.coverage(everyone),
            people=people_in(everyone),
        )
    value = sum(attendances) / len(attendances)
    band = (
        "none_silent" if value == 0 else "all_silent" if value == 1 else "some_silent"
    )
    long_runs = sum(_longest(run) >= SILENT_RUN for run in runs.values())
    note = f"{long_runs} member(s) silent at {SILENT_RUN} or more meetings in a row"
    coverage, people = lens.coverage(everyone), people_in(everyone)
    return Figure("V4", value, len(attendances), coverage, band, note, people)


def _longest(run: list[bool]) -> int:
    """The longest stretch of True in *run*."""
    best = current = 0
    for silent in run:
        current = current + 1 if silent else 0
        best = max(best, current)
    return best


def _decided(lens: Lens, proposal: ProposalFacts) -> DecisionFacts | None:
    """The proposal's first decision that decided something, if made in the period.

    A later decision (an override, say) does not count the same comments
    again in its own period.
    """
    first = next((d for d in proposal.decisions if d.outcome != NOT_DECIDED), None)
    return first if first is not None and lens.in_period(first.at) else None


def _closure(lens: Lens) -> tuple[list[float | None], list[tuple[UUID, datetime]]]:
    """Days to feedback (None if unanswered) per lived-experience comment, and acts.

    Only feedback at or after the decision answers a comment: "you said, we
    did" tells people what the decision did with what they said. A comment
    dated after the period's end is not in it, though a decision may be dated
    before a comment already recorded.
    """
    days: list[float | None] = []
    acts: list[tuple[UUID, datetime]] = []
    for p in lens.proposals(in_period=False):
        decision = _decided(lens, p)
        if decision is None:
            continue
        for c in p.comments:
            if not lens.by_end(c.at):
                continue
            acts.append((c.author, c.at))
            if not lens.le(c.author, c.at):
                continue
            answers = [
                at for ids, at in p.feedback if c.id in ids and at >= decision.at
            ]
            if not answers:
                days.append(None)
                continue
            days.append((min(answers) - decision.at).total_seconds() / DAY)
    return days, acts


def feedback_closure(lens: Lens) -> float | None:
    """Share of lived-experience comments on decided proposals that got feedback."""
    days, _ = _closure(lens)
    return share(sum(d is not None for d in days), len(days))


def v5(lens: Lens, th: Thresholds) -> Figure:
    """Feedback-loop closure: lived-experience comments answered after a decision."""
    del th
    days, acts = _closure(lens)
    coverage = lens.coverage(acts)
    if not days:
        return insufficient(
            "V5",
            "no lived-experience comments on proposals decided in the period",
            0,
            coverage,
            people_in(acts),
        )
    answered = [d for d in days if d is not None]
    value = len(answered) / len(days)
    waited = median(answered)
    note = (
        "no feedback given"
        if waited is None
        else f"median {waited:.1f} days from decision to feedback"
    )
    band = "closed" if value == 1 else "partial"
    return Figure("V5", value, len(days), coverage, band, note, people_in(acts))


def v6(lens: Lens, th: Thresholds) -> Figure:
    """Share of decisions taken at least N days after each papers format was out."""
    enough = timedelta(days=th.deliberation_days)
    windows: list[timedelta] = []
    acts: list[tuple[UUID, datetime]] = []
    for p, i in lens.decisions():
        d = p.decisions[i]
        meeting = None if p.meeting is None else lens.facts.meetings.get(p.meeting)
        if meeting is not None and meeting.cancelled_at is not None:
            meeting = None  # called off: the proposal was raised in writing
        out = {} if meeting is None else lens.first_papers(meeting)  # by the end
        if d.outcome == NOT_DECIDED or not out:
            continue
        windows.append(d.at - max(out.values()))
        acts += [(m, d.at) for m in d.decided_by]
    if not windows:
        return insufficient(
            "V6", "no decisions in the period on proposals from meetings with papers"
        )
    value = sum(w >= enough for w in windows) / len(windows)
    band = "adequate" if value == 1 else "rushed" if value == 0 else "some_rushed"
    middle = median([w.total_seconds() / DAY for w in windows])
    note = f"median {middle:.1f} days between papers and decision"
    return Figure("V6", value, len(windows), lens.coverage(acts), band, note)


def compute(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every voice figure (V3 airtime is not recorded, so it is not computed)."""
    return {f.code: f for f in (fn(lens, th) for fn in (v1, v2, v4, v5, v6))}
