"""A realistic, invented year of a mixed-ability sports charity, for trying coledger.

Riverside Mixed Ability Sports is made up: its trainers (disabled people who
co-run the charity), staff, trustees and partners, their bodies, projects,
meetings, proposals, access needs, votes and decisions. Everything is recorded
through the public Ledger API with business times across 2025, from a seeded
random generator, so two runs tell the same story (with different ids).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import attrs

from coledger.application import Ledger
from coledger.domain import Rule
from coledger.domain.values import MAX_SOURCE_REF
from coledger.errors import InvalidInputError, shown_value
from coledger.projections.report import PowerSharingReport
from coledger.reports.vocabulary import exact, indicator
from coledger.storage import shown

YEAR_START = datetime(2025, 1, 6, 18, 0, tzinfo=UTC)
YEAR_END = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
"""The last act of the year: an evaluation due later is brought forward to it."""
FOUNDED = 2.5
"""The day the bodies are set up and seated and the festival begins: after
everyone has registered and declared, before the first weekly meeting."""
TURNOVER_DAY = 200
"""The day of the year a trustee steps down from the board and a trainer joins."""
ORGANISATION = "Riverside Mixed Ability Sports (an invented charity)"
PROPOSALS = 32
"""How many proposals the year raises (its plan of sixteen, twice over)."""

TRAINERS = [
    "Alex Moreno", "Bea Okafor", "Cal Jensen", "Dee Fairweather", "Eli Novak",
    "Fern Adeyemi", "Gus Tanaka", "Hana Lindqvist", "Ivo Brennan", "Jas Kaur",
    "Kit Mensah", "Lou Varga", "Mo Castillo", "Nell Ward", "Ola Petrov",
    "Pip Achebe", "Quin Harlow", "Ren Sato",
]  # fmt: skip
STAFF = ["Sasha Reid", "Tom Ellery", "Uma Das", "Vic Hollis", "Wren Abbott"]
DIRECTORS = ["Xan Porter"]
TRUSTEES = ["Yara Quint", "Zed Olsen", "Abe Whitlock", "Bo Rahman", "Cleo Hartley"]
PARTNERS = ["Dara Finch (city council)", "Eve Lomax (university)"]
SUPPORTERS = ["Flo Barrow", "Gil Ashdown", "Hal Kerr"]

PROPOSAL_TOPICS = [
    # One for each row of the plan in run_proposals, in its order: a proposal
    # on a project is about that project, and one on none names none.
    ("Festival date", "Hold the summer festival on the last Saturday of June."),
    ("Festival accessible transport", "Arrange accessible minibuses for the festival."),
    (
        "Quiet room at the festival",
        "Book a quiet room at the leisure centre for the festival.",
    ),
    (
        "Festival volunteers",
        "Pair each new festival volunteer with a trainer for induction.",
    ),
    (
        "Festival evaluation questions",
        "Ask festival participants the trainers' own evaluation questions.",
    ),
    ("Trainer payments", "Pay trainers for their time at the standard session rate."),
    ("Membership fee", "Keep the membership fee at zero for trainers."),
    ("Board away day", "Hold a joint away day for trustees and trainers."),
    (
        "Risk assessment format",
        "Write risk assessments in plain language with pictures.",
    ),
    ("New rugby partner club", "Start a mixed-ability rugby session with a new club."),
    (
        "Website navigation",
        "Put session times and the easy read pages on the website's home page.",
    ),
    (
        "Easy read newsletter",
        "Publish every newsletter on the website in easy read as well as standard.",
    ),
    (
        "Coach education module",
        "Add a module on mixed-ability coaching to the coach education course.",
    ),
    (
        "Weekly session timetable",
        "Move Thursday sessions to 6pm so trainers can travel.",
    ),
    (
        "Free membership for supporters",
        "Let supporters and carers join without paying a membership fee.",
    ),
    (
        "Festival team kit",
        "Let the trainers choose the design of the festival team kit.",
    ),
]

COMMENTS = [
    "I think this is a good idea and I would like to help.",
    "Could we try it for three months first and then look again?",
    "The bus times make this hard for some of us.",
    "Please send the papers in easy read before the meeting.",
    "We need to check the cost with the funder.",
    "I agree, but we should ask the members first.",
    "This would make a real difference to new players.",
    "Can we have a break halfway through the meeting?",
]

RATIONALES = {
    # (how it was decided, outcome): the reason recorded with the decision
    ("alone", "adopted"): "Agreed within the delegated budget.",
    ("alone", "deferred"): "Deferred until the costs are known.",
    ("override", "rejected"): "The budget could not cover it this year.",
    ("override", "adopted"): "Agreed after all: the funder will pay for it.",
}

ADJUSTMENT_CODES = ["ER", "PLS", "XT", "BRK", "HYB", "BSL", "LP", "SUP", "TRV", "CAP"]


@attrs.frozen
class DemoSummary:
    """What the demo recorded, counted back from the ledger itself."""

    url: str
    events: int
    members: int
    bodies: int
    projects: int
    meetings: int
    proposals_by_role: dict[str, int]
    decisions_by_method: dict[str, Counter[str]]
    adjustments: Counter[str]
    access_overrides: int
    vote_overrides: int


class _Year:
    """Builds the year step by step, keeping the ids it needs along the way."""

    def __init__(self, ledger: Ledger, seed: int) -> None:
        self.ledger = ledger
        self.rng = random.Random(seed)
        self.seed = seed
        self.day = 0
        self.people: dict[str, list[UUID]] = {}

    def at(self, days: float) -> datetime:
        """A business time *days* after the start of the year."""
        return YEAR_START + timedelta(days=days)

    def register(self, role: str, names: list[str], admin: UUID | None) -> list[UUID]:
        """Register a group of members with one role."""
        ids = [
            self.ledger.register_member(
                name, role=role, by=admin, occurred_at=self.at(self.rng.random())
            )
            for name in names
        ]
        self.people[role] = ids
        return ids

    def run(self) -> None:
        """Record the whole year."""
        ledger, rng = self.ledger, self.rng
        director = ledger.register_member(
            DIRECTORS[0], role="director", occurred_at=self.at(0)
        )
        self.people["director"] = [director]
        trainers = self.register("trainer", TRAINERS, director)
        staff = self.register("staff", STAFF, director)
        trustees = self.register("trustee", TRUSTEES, director)
        partners = self.register("partner", PARTNERS, director)
        supporters = self.register("supporter", SUPPORTERS, director)
        for trainer in trainers[:14]:
            ledger.declare_lived_experience(
                trainer,
                categories=rng.choice([["DIS"], ["DIS", "LTHC"], ["LTHC"]]),
                consent=rng.choice(["explicit_consent", "easy_read_consent"]),
                occurred_at=self.at(2),
            )
        for trustee in trustees[:1]:
            ledger.declare_lived_experience(
                trustee, categories=["DIS"], occurred_at=self.at(2)
            )
        for i, supporter in enumerate(supporters):
            ledger.authorise_supporter(trainers[i], supporter, occurred_at=self.at(3))

        group = ledger.establish_body(
            "Trainers Group",
            kind="working_group",
            rule=Rule.consent(quorum=0.5),
            by=director,
            occurred_at=self.at(FOUNDED),
        )
        board = ledger.establish_body(
            "Board of Trustees",
            kind="governance",
            rule=Rule.majority(quorum=0.5, lived_experience_quorum=1),
            by=director,
            occurred_at=self.at(FOUNDED),
        )
        panel = ledger.establish_body(
            "Inclusion Advisory Panel",
            kind="advisory",
            rule=Rule.consensus(),
            by=director,
            occurred_at=self.at(FOUNDED),
        )
        when = self.at(FOUNDED)
        for i, trainer in enumerate(trainers):
            office = "chair" if i == 0 else "secretary" if i == 1 else None
            ledger.assign_seat(
                group, trainer, office=office, by=director, occurred_at=when
            )
        for member in staff[:2]:
            ledger.assign_seat(
                group, member, seat="advisory", by=director, occurred_at=when
            )
        for i, trustee in enumerate(trustees):
            office = "chair" if i == 0 else None
            ledger.assign_seat(
                board, trustee, office=office, by=director, occurred_at=when
            )
        ledger.assign_seat(
            board, trainers[0], office="co_chair", by=director, occurred_at=when
        )
        ledger.assign_seat(
            board, director, seat="ex_officio", by=director, occurred_at=when
        )
        for member in [*trainers[2:5], staff[2], partners[0]]:
            ledger.assign_seat(panel, member, by=director, occurred_at=when)

        festival = ledger.start_project(
            "Summer Festival",
            label="co_production",
            by=director,
            occurred_at=self.at(FOUNDED),
        )
        website = ledger.start_project(
            "New Website", label="co_design", by=staff[0], occurred_at=self.at(20)
        )
        coach_ed = ledger.start_project(
            "Coach Education Module",
            label="co_production",
            by=staff[1],
            occurred_at=self.at(60),
        )
        fees = ledger.start_project(
            "Membership Fees Review",
            label="consultation",
            by=director,
            occurred_at=self.at(65),
        )

        group_meetings = self.weekly_meetings(group, director, trainers, festival)
        board_before = [*trustees, trainers[0]]
        board_after = [*trustees[:4], trainers[0], trainers[5]]
        self.board_meetings(board, director, board_before, board_after)

        def turnover() -> None:
            # A trustee steps down and a trainer joins the board; later votes
            # take the new board, so the change is entered before they open.
            left, joined = self.at(TURNOVER_DAY), self.at(TURNOVER_DAY + 1)
            ledger.vacate_seat(board, trustees[4], by=director, occurred_at=left)
            ledger.assign_seat(board, trainers[5], by=director, occurred_at=joined)

        self.run_proposals(
            bodies={"group": group, "board": board, "panel": panel},
            projects=[festival, website, coach_ed, fees],
            group_meetings=group_meetings,
            turnover=(TURNOVER_DAY, turnover),
        )
        # After its last proposal's delivery action is due (day 290 + 30).
        ledger.finish_project(coach_ed, by=staff[1], occurred_at=self.at(330))
        ledger.withdraw_lived_experience(trainers[13], occurred_at=self.at(250))

    def weekly_meetings(
        self, group: UUID, chair: UUID, trainers: list[UUID], project: UUID
    ) -> list[UUID]:
        """The Trainers Group meets weekly, with a wellbeing check-in each time."""
        ledger, rng = self.ledger, self.rng
        meetings = []
        for week in range(48):
            starts = self.at(7 * week + 3)
            meeting = ledger.schedule_meeting(
                group,
                kind="workshop" if week % 6 == 0 else "decision_meeting",
                title=f"Trainers Group week {week + 1}",
                starts_at=starts,
                project=project if week < 26 else None,
                by=chair,
                occurred_at=max(starts - timedelta(days=7), self.at(FOUNDED)),
            )
            formats = ["STD", "ER"] if week % 4 else ["STD"]
            ledger.issue_papers(
                meeting,
                formats=formats,
                by=chair,
                occurred_at=max(starts - timedelta(days=5), self.at(FOUNDED)),
            )
            ledger.hold_check_in(meeting, by=trainers[0], occurred_at=starts)
            for trainer in trainers:
                if rng.random() < 0.8:
                    mode = rng.choice(
                        ["in_person", "in_person", "remote", "asynchronous"]
                    )
                    ledger.record_attendance(
                        meeting, trainer, mode=mode, by=trainers[1], occurred_at=starts
                    )
            meetings.append(meeting)
        return meetings

    def board_meetings(
        self, board: UUID, chair: UUID, before: list[UUID], after: list[UUID]
    ) -> None:
        """The board meets each quarter: *before* the turnover day, then *after*."""
        for quarter in range(4):
            starts = self.at(90 * quarter + 30)
            members = before if starts < self.at(TURNOVER_DAY) else after
            meeting = self.ledger.schedule_meeting(
                board,
                kind="decision_meeting",
                title=f"Board meeting Q{quarter + 1}",
                starts_at=starts,
                by=chair,
                occurred_at=starts - timedelta(days=14),
            )
            self.ledger.issue_papers(
                meeting,
                formats=["STD", "PLS"],
                by=chair,
                occurred_at=starts - timedelta(days=7),
            )
            for member in members:
                self.ledger.record_attendance(
                    meeting, member, by=chair, occurred_at=starts
                )

    def run_proposals(
        self,
        bodies: dict[str, UUID],
        projects: list[UUID],
        group_meetings: list[UUID],
        turnover: tuple[float, Callable[[], None]] | None,
    ) -> None:
        """Raise, discuss, adjust, vote and decide the year's proposals.

        *turnover* is a day and a change of seats to enter on it, between the
        proposals raised before that day and those raised after.
        """
        ledger, rng, people = self.ledger, self.rng, self.people
        trainers, staff, trustees = (
            people["trainer"],
            people["staff"],
            people["trustee"],
        )
        director = people["director"][0]
        plan = [
            # (body, proposer pool, project index or None, phase, how it is decided)
            ("group", trainers, 0, "design", "vote"),
            ("group", trainers, 0, "design", "vote"),
            ("group", staff, 0, "delivery", "vote"),
            ("group", trainers, 0, "delivery", "consensus"),
            ("group", trainers, 0, "evaluation", "vote"),
            ("board", trustees, None, "governance", "vote"),
            ("board", staff, 3, "design", "vote"),
            ("board", trainers, None, "governance", "vote"),
            ("board", staff, None, "governance", "staff_executive"),
            ("board", trustees, None, "governance", "chair"),
            ("panel", trainers, 1, "design", "vote"),
            ("panel", staff, 1, "design", "delegated"),
            ("group", staff, 2, "design", "outside_forum"),
            ("group", trainers, None, "governance", "vote"),
            ("board", trustees, 3, "design", "override"),
            ("group", trainers, 0, "delivery", "vote"),
        ]
        for n, (body_key, pool, project_index, phase, how) in enumerate(plan * 2):
            title, text = PROPOSAL_TOPICS[n % len(PROPOSAL_TOPICS)]
            body = bodies[body_key]
            day = 10 + n * 10 + rng.random()
            if turnover is not None and day >= turnover[0]:
                turnover[1]()
                turnover = None
            proposers = [rng.choice(pool)]
            if rng.random() < 0.25 and pool is not trainers:
                proposers.append(rng.choice(trainers))
            meeting = (
                group_meetings[min(int(day // 7), 47)] if body_key == "group" else None
            )
            proposal = ledger.raise_proposal(
                body,
                proposers=proposers,
                title=title,
                text=text,
                project=None if project_index is None else projects[project_index],
                phase=phase,
                meeting=meeting,
                occurred_at=self.at(day),
                # The seed names the minutes, so several years fit in one ledger.
                source_ref=_minutes(self.seed, n + 1),
            )
            electorate = ledger.body(body).voting_members
            comments = []
            for k in range(rng.randint(1, 5)):
                author = rng.choice([*electorate, *trainers])
                channel = rng.choice(
                    ["meeting", "meeting", "written", "easy_read_form", "bsl_video"]
                )
                comments.append(
                    ledger.comment(
                        proposal,
                        author=author,
                        text=rng.choice(COMMENTS),
                        channel=channel,
                        occurred_at=self.at(day + 0.1 * (k + 1)),
                    )
                )
            if n % 3 == 0:
                ledger.publish_accessible_version(
                    proposal, format="ER", by=staff[0], occurred_at=self.at(day + 1)
                )
            if rng.random() < 0.4:
                ledger.amend_proposal(
                    proposal,
                    text=text + " Updated after the discussion.",
                    takes_up=comments[:1],
                    by=proposers[0],
                    occurred_at=self.at(day + 1.5),
                )
            self.adjust(proposal, electorate, day, n)
            self.decide(
                proposal,
                how=how,
                electorate=electorate,
                day=day,
                director=director,
                chair=trustees[0],
            )
            if n % 2 == 0:
                ledger.give_feedback(
                    proposal,
                    comments=comments[:2],
                    text="You said the timing was hard; we moved it.",
                    by=staff[0],
                    occurred_at=self.at(day + 6),
                )
            self.follow_through(proposal, day, staff, trainers)

    def adjust(
        self, proposal: UUID, electorate: tuple[UUID, ...], day: float, n: int
    ) -> None:
        """Members ask for adjustments before the vote; most are met, some not."""
        ledger, rng = self.ledger, self.rng
        staff = self.people["staff"]
        for member in electorate:
            if rng.random() < 0.15:
                code = rng.choice(ADJUSTMENT_CODES)
                adjustment = ledger.request_adjustment(
                    member,
                    code=code,
                    proposal=proposal,
                    needed_before="vote",
                    needed_by=self.at(day + 3),
                    occurred_at=self.at(day + 0.5),
                )
                roll = rng.random()
                if n == 7:  # the one vote opened with an access override
                    continue
                if roll < 0.75:
                    ledger.provide_adjustment(
                        adjustment, by=rng.choice(staff), occurred_at=self.at(day + 2)
                    )
                elif roll < 0.9:
                    ledger.decline_adjustment(
                        adjustment,
                        by=rng.choice(staff),
                        reason="alternative_offered",
                        # Another need than the one asked for: a plain
                        # language summary, or for one asked for, Easy Read.
                        alternative="PLS" if code != "PLS" else "ER",
                        occurred_at=self.at(day + 2),
                    )
                else:
                    ledger.withdraw_adjustment(adjustment, occurred_at=self.at(day + 2))
        if rng.random() < 0.3:
            standing = ledger.request_adjustment(
                rng.choice(electorate), code="BRK", occurred_at=self.at(day)
            )
            ledger.provide_adjustment(
                standing, by=staff[0], occurred_at=self.at(day + 1)
            )

    def decide(
        self,
        proposal: UUID,
        *,
        how: str,
        electorate: tuple[UUID, ...],
        day: float,
        director: UUID,
        chair: UUID,
    ) -> None:
        """Decide a proposal the way the plan says."""
        ledger, rng = self.ledger, self.rng
        if how in {"vote", "override"}:
            opener = electorate[0]
            unmet = ledger.unmet_adjustments(proposal)
            ledger.open_voting(
                proposal,
                by=opener,
                access_override="urgent deadline from the funder" if unmet else None,
                occurred_at=self.at(day + 3),
            )
            lean = rng.random()
            for voter in electorate:
                if rng.random() < 0.85:
                    choice = "for" if rng.random() < 0.4 + lean * 0.5 else "against"
                    if rng.random() < 0.1:
                        choice = "abstain"
                    ledger.cast_ballot(
                        proposal,
                        voter=voter,
                        choice=choice,
                        occurred_at=self.at(day + 3.1),
                    )
            ledger.close_voting(proposal, by=opener, occurred_at=self.at(day + 4))
            if how == "override":
                decided = ledger.proposal(proposal).decision
                outcome = (
                    "rejected"
                    if decided and decided.outcome == "adopted"
                    else "adopted"
                )
                ledger.decide(
                    proposal,
                    outcome=outcome,
                    method="staff_executive",
                    by=director,
                    rationale=RATIONALES["override", outcome],
                    occurred_at=self.at(day + 5),
                )
            return
        decider = {"chair": chair, "staff_executive": director}.get(how, electorate[0])
        outcome = "adopted" if rng.random() < 0.8 else "deferred"
        ledger.decide(
            proposal,
            outcome=outcome,
            method=how,
            by=decider,
            decided_by=list(electorate) if how == "consensus" else None,
            rationale=None if how == "consensus" else RATIONALES["alone", outcome],
            occurred_at=self.at(day + 4),
        )

    def follow_through(
        self, proposal: UUID, day: float, staff: list[UUID], trainers: list[UUID]
    ) -> None:
        """Adopted proposals get delivery actions, and some an evaluation."""
        ledger, rng = self.ledger, self.rng
        view = ledger.proposal(proposal)
        if view.decision is None or view.decision.outcome not in {
            "adopted",
            "adopted_amended",
        }:
            return
        owners = [rng.choice(staff)] + (
            [rng.choice(trainers)] if rng.random() < 0.5 else []
        )
        action = ledger.assign_action(
            proposal,
            description="Put the decision into practice",
            owners=owners,
            due=self.at(day + 30),
            by=owners[0],
            occurred_at=self.at(day + 5),
        )
        if rng.random() < 0.8:
            ledger.complete_action(
                proposal, action, by=owners[0], occurred_at=self.at(day + 25)
            )
        if view.phase in {"delivery", "evaluation"} and rng.random() < 0.6:
            ledger.record_evaluation(
                proposal,
                summary="Participants said it worked; attendance went up.",
                authors=[rng.choice(trainers), rng.choice(staff)],
                criteria_proposed_by=[rng.choice(trainers)],
                by=owners[0],
                occurred_at=min(self.at(day + 60), YEAR_END),
            )


def _minutes(seed: object, number: int) -> str:
    """The reference of the minutes that raised the year's proposal *number*."""
    return f"minutes:{seed}/{number}"


LONGEST_SEED = MAX_SOURCE_REF - len(_minutes("", PROPOSALS))
"""The most characters a seed may be written in (a minus sign counts)."""


def check_seed(seed: int) -> int:
    """*seed* if it fits in the minutes' references; InvalidInputError if not.

    Each proposal's reference holds the seed, and the ledger takes references
    of MAX_SOURCE_REF characters at most: refused there, a seed too long would
    stop the year part way through its recording.
    """
    try:
        written = str(seed)
    except ValueError:  # a whole number too long for Python to write out
        written = None
    if written is None or len(written) > LONGEST_SEED:
        size = "" if written is None else f"{len(written):,} characters long"
        msg = (
            f"the seed is {size or shown_value(seed)}; it names each proposal's "
            f"minutes (minutes:SEED/N), whose reference holds {MAX_SOURCE_REF} "
            f"characters at most, so a seed has {LONGEST_SEED} at most (a minus "
            "sign counts)"
        )
        raise InvalidInputError(msg)
    return seed


def record_year(ledger: Ledger, seed: int = 2025) -> None:
    """Record the invented year into *ledger* (a seed too long: InvalidInputError)."""
    _Year(ledger, check_seed(seed)).run()


def summarise(ledger: Ledger, url: str) -> DemoSummary:
    """Count what the ledger holds, for the demo's printed summary.

    *url* is given as a message may show it: a password in it as ``***``.
    """
    members = {m.id: m for m in ledger.members()}
    by_role: Counter[str] = Counter()
    by_method: dict[str, Counter[str]] = {}
    vote_overrides = access_overrides = 0
    for proposal in ledger.proposals():
        by_role[members[proposal.proposers[0]].role] += 1
        access_overrides += proposal.access_override is not None
        for decision in proposal.decisions:
            by_method.setdefault(decision.method, Counter())[decision.outcome] += 1
            vote_overrides += decision.overrode_vote
    adjustments = Counter(a.status for a in ledger.adjustments())
    return DemoSummary(
        url=shown(url),
        events=sum(1 for _ in ledger.history()),
        members=len(members),
        bodies=len(ledger.bodies()),
        projects=len(ledger.projects()),
        meetings=len(ledger.meetings()),
        proposals_by_role=dict(by_role.most_common()),
        decisions_by_method=by_method,
        adjustments=adjustments,
        access_overrides=access_overrides,
        vote_overrides=vote_overrides,
    )


def format_summary(summary: DemoSummary) -> str:
    """The summary as plain text for a terminal."""
    lines = [
        f"Recorded a year of {ORGANISATION}",
        f"into {summary.url}: {summary.events:,} events.",
        "",
        (
            f"{summary.members} members, {summary.bodies} bodies, "
            f"{summary.projects} projects, {summary.meetings} meetings."
        ),
        "",
        "Proposals raised, by the role of the first proposer:",
    ]
    lines += [
        f"  {role:<12}{count:>4}" for role, count in summary.proposals_by_role.items()
    ]
    lines += ["", "How they were decided:"]
    for method, outcomes in sorted(
        summary.decisions_by_method.items(), key=lambda item: -sum(item[1].values())
    ):
        detail = ", ".join(f"{outcome} {n}" for outcome, n in sorted(outcomes.items()))
        lines.append(f"  {method:<16}{sum(outcomes.values()):>4}  ({detail})")
    total = sum(summary.adjustments.values())
    detail = ", ".join(
        f"{status} {n}" for status, n in sorted(summary.adjustments.items())
    )
    lines += [
        "",
        f"Access: {total} adjustments asked for ({detail}).",
        f"Votes opened over unmet access needs: {summary.access_overrides}.",
        f"Votes overridden by a later decision: {summary.vote_overrides}.",
    ]
    return "\n".join(lines)


def format_headlines(report: PowerSharingReport) -> str:
    """Headline figures of the whole ledger and each project's rung, in plain text."""
    lines = ["Headline figures (the whole ledger):"]
    for code, label in HEADLINES:
        figure = report.indicators.get(code)
        if figure is None:
            continue
        # As the board report shows it: never rounded onto a cut it is not at.
        shown = (
            "insufficient evidence"
            if figure.value is None
            else exact(indicator(code).kind, figure.value, report.thresholds)
        )
        band = f" ({figure.band})" if figure.band else ""
        lines.append(f"  {code} {label:<44}{shown}{band}  n={figure.n}")
    lines += ["", "Where each project sits on the ladder of co-production:"]
    for rung in report.ladder:
        if rung.unit != "project":
            continue
        flags = f"  flags: {', '.join(rung.flags)}" if rung.flags else ""
        lines.append(f"  {rung.name:<26}{rung.rung.replace('_', '-').lower()}{flags}")
    return "\n".join(lines)


HEADLINES = (
    ("R1", "lived-experience share of voting seats"),
    ("R7", "voting power of the lived-experience bloc"),
    ("A1", "proposals with a lived-experience proposer"),
    ("V1", "voice parity (comments)"),
    ("D1", "decisions with lived experience deciding"),
    ("D3", "adoption parity"),
    ("X1", "access needs met on time"),
)
