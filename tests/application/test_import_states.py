"""An import refuses seats, votes and proposals' steps in states the commands refuse."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from typing import Any
from uuid import UUID

import attrs
import pytest

from coledger import Ledger
from conftest import TEST_MASTER_KEY
from helpers import ExportChange, edited_export, on, refused_import

BODY = "coledger.domain.body:Body"
PROPOSAL = "coledger.domain.proposal:Proposal"


@attrs.frozen
class Story:
    """A small ledger's export, and the ids in it."""

    lines: list[str]
    ana: UUID
    bo: UUID
    cy: UUID
    dee: UUID
    vote: UUID
    poll: UUID
    overruled: UUID
    ruled: UUID
    dropped: UUID


@pytest.fixture(scope="module")
def story() -> Story:
    """A board with seats changed, a vote decided by it, a poll, and an override.

    Ana chairs the board and Bo holds a voting seat; Cy sat as an observer and
    left; Dee never sat. On the vote, Bo voted against and then for, and the
    board adopted it 2-0. The poll was advisory. The third proposal was
    adopted by Ana's vote alone, given an action, and then rejected by the
    chair, overriding it. The fourth was commented on, amended, adopted by the
    chair with no vote (given an accessible version, a need for its papers
    met, and feedback on the way), and its action done and evaluated; the
    fifth was commented on and withdrawn.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo, cy, dee = (
            ledger.register_member(name, by=ana, occurred_at=on(1))
            for name in ("Bo Example", "Cy Example", "Dee Example")
        )
        board = ledger.establish_body(
            "Board", kind="governance", by=ana, occurred_at=on(1)
        )
        ledger.assign_seat(board, ana, office="chair", by=ana, occurred_at=on(2))
        ledger.assign_seat(board, bo, by=ana, occurred_at=on(2))
        ledger.assign_seat(board, cy, seat="observer", by=ana, occurred_at=on(2))
        ledger.vacate_seat(board, cy, by=ana, occurred_at=on(3))
        vote, poll, overruled = (
            ledger.raise_proposal(
                board, proposers=[ana], title=title, text="x", occurred_at=on(4)
            )
            for title in ("Vote", "Poll", "Overruled")
        )
        ledger.open_voting(vote, by=ana, occurred_at=on(5))
        ledger.open_voting(poll, by=ana, advisory=True, occurred_at=on(5))
        ledger.open_voting(overruled, by=ana, occurred_at=on(5))
        ledger.cast_ballot(vote, voter=ana, choice="for", occurred_at=on(6))
        ledger.cast_ballot(vote, voter=bo, choice="against", occurred_at=on(6))
        ledger.cast_ballot(vote, voter=bo, choice="for", occurred_at=on(7))
        ledger.cast_ballot(poll, voter=bo, choice="abstain", occurred_at=on(6))
        ledger.cast_ballot(overruled, voter=ana, choice="for", occurred_at=on(6))
        ledger.close_voting(vote, by=ana, occurred_at=on(8))
        ledger.close_advisory_vote(poll, by=ana, occurred_at=on(8))
        ledger.close_voting(overruled, by=ana, occurred_at=on(8))
        ledger.assign_action(
            overruled, description="Do it", owners=[bo], by=ana, occurred_at=on(8)
        )
        ledger.decide(
            overruled, outcome="rejected", method="chair", by=ana, occurred_at=on(9)
        )
        ruled, dropped = (
            ledger.raise_proposal(
                board, proposers=[ana], title=title, text="x", occurred_at=on(4)
            )
            for title in ("Ruled", "Dropped")
        )
        said = ledger.comment(ruled, author=bo, text="Shorter.", occurred_at=on(5))
        ledger.amend_proposal(
            ruled, by=ana, text="y", takes_up=[said], occurred_at=on(6)
        )
        ledger.publish_accessible_version(ruled, format="ER", by=ana, occurred_at=on(6))
        need = ledger.request_adjustment(
            bo, code="BSL", proposal=ruled, needed_before="papers", occurred_at=on(6)
        )
        ledger.provide_adjustment(need, by=ana, occurred_at=on(6))
        ledger.give_feedback(
            ruled, comments=[said], text="Made shorter.", by=ana, occurred_at=on(6)
        )
        ledger.decide(
            ruled, outcome="adopted", method="chair", by=ana, occurred_at=on(7)
        )
        done = ledger.assign_action(
            ruled, description="Do it", owners=[bo], by=ana, occurred_at=on(8)
        )
        ledger.complete_action(ruled, done, by=bo, occurred_at=on(9))
        ledger.record_evaluation(
            ruled, summary="Done.", authors=[bo], by=ana, occurred_at=on(10)
        )
        ledger.comment(dropped, author=bo, text="Why?", occurred_at=on(5))
        ledger.withdraw_proposal(dropped, by=ana, occurred_at=on(5))
        out = io.StringIO()
        ledger.export(out)
        return Story(
            out.getvalue().splitlines(),
            ana,
            bo,
            cy,
            dee,
            vote,
            poll,
            overruled,
            ruled,
            dropped,
        )


def test_the_story_imports_whole(story: Story) -> None:
    """The unedited export reads and imports: every check below passes it."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(story.lines).events == len(story.lines) - 1
        assert copy.proposal(story.overruled).decision is not None


Change = Callable[[Story], ExportChange]


Test = Callable[[Story, dict[str, Any]], bool]


def put(test: Test, **values: Any) -> Change:
    """A change setting fields on the first row that passes *test*.

    Each value is given as is, or taken from the story (an id, as text).
    """

    def make(story: Story) -> ExportChange:
        def change(row: dict[str, Any]) -> bool:
            if not test(story, row):
                return False
            for name, value in values.items():
                given = value(story) if callable(value) else value
                row["state"][name] = str(given) if isinstance(given, UUID) else given
            return True

        return change

    return make


def of(record: Callable[[Story], UUID]) -> Test:
    """Rows of one record."""
    return lambda story, row: row["originator_id"] == str(record(story))


def naming(member: Callable[[Story], UUID]) -> Test:
    """Rows whose ``member`` is one member."""
    return lambda story, row: row["state"]["member"] == str(member(story))


def vote(**values: Any) -> Change:
    """A change to the vote the board adopted 2-0."""
    return put(of(lambda s: s.vote), **values)


SEATS = [
    ("SeatAssigned", put(naming(lambda s: s.bo), member=lambda s: s.ana), "holds a"),
    ("SeatAssigned", put(naming(lambda s: s.bo), office="chair"), "office chair"),
    ("SeatVacated", put(naming(lambda s: s.cy), member=lambda s: s.dee), "no seat"),
]


@pytest.mark.parametrize(
    ("event", "make", "says"),
    SEATS,
    ids=["seated-twice", "office-taken", "no-seat"],
)
def test_a_seat_change_no_command_could_make_is_refused(
    story: Story, event: str, make: Change, says: str
) -> None:
    """assign_seat and vacate_seat refuse these, so an import does too.

    A second seat would count one member twice in every electorate, a second
    chair would hold an office that has one holder, and leaving a seat never
    held would date a seat change for someone who never sat.
    """
    topic = f"{BODY}.{event}"
    lines, line = edited_export(story.lines, topic, make(story))
    refused_import(lines, line, says)


CLOSES = [
    (vote(for_=1, against=1, outcome="rejected", reason="no_majority"), "ballots"),
    (vote(electorate_size=3), "ballots"),
    (vote(outcome="rejected", reason="no_majority"), "the rule the vote opened"),
    (vote(lived_experience_participants=1), "lived-experience quorum"),
    (vote(advisory=True), "opened as binding"),
    (put(of(lambda s: s.poll), advisory=False), "opened as advisory"),
]


@pytest.mark.parametrize(
    ("make", "says"),
    CLOSES,
    ids=["recount", "electorate", "verdict", "lived-experience", "binding", "poll"],
)
def test_a_close_the_counting_rules_would_not_give_is_refused(
    story: Story, make: Change, says: str
) -> None:
    """A close records the tally of the ballots and what the vote's rule makes of it.

    Its counts are each voter's latest ballot from the electorate fixed at the
    opening, its verdict the rule's, a count of voters with lived experience
    only under a rule that needs one, and it closes the vote as it was opened.
    """
    lines, line = edited_export(story.lines, f"{PROPOSAL}.VotingClosed", make(story))
    refused_import(lines, line, says)


def by_the_chair(story: Story, row: dict[str, Any]) -> bool:
    """The chair's decision that went against the vote on the third proposal."""
    return of(lambda s: s.overruled)(story, row) and row["state"]["method"] == "chair"


DECISIONS = [
    (vote(outcome="rejected"), "outcome"),
    (vote(method="consensus"), "method"),
    (vote(decided_by=lambda s: [str(s.ana)]), "decided_by"),
    (vote(overrode_vote=True), "overrode_vote"),
    (vote(rationale="We liked it."), "rationale"),
    (put(by_the_chair, overrode_vote=False), "overrode_vote"),
]


@pytest.mark.parametrize(
    ("make", "says"),
    DECISIONS,
    ids=["outcome", "method", "a-voter-left-out", "override", "rationale", "later"],
)
def test_a_decision_unlike_the_vote_it_follows_is_refused(
    story: Story, make: Change, says: str
) -> None:
    """close_voting records the verdict as decided by the voters, overriding nothing.

    A later decision overrides the vote exactly when it goes the other way:
    the reports count overrides from that flag.
    """
    lines, line = edited_export(story.lines, f"{PROPOSAL}.Decided", make(story))
    refused_import(lines, line, says)


def repeated(lines: list[str], topic: str, record: UUID) -> tuple[list[str], int]:
    """*lines* with *record*'s *topic* line given twice; the second's line."""
    return inserted(lines, record, topic, row_of(lines, topic, record))


def row_of(lines: list[str], topic: str, record: UUID) -> dict[str, Any]:
    """The first *topic* row of *record* in *lines*."""
    rows = (json.loads(line) for line in lines[1:])
    return next(
        row
        for row in rows
        if row["topic"] == topic and row["originator_id"] == str(record)
    )


def inserted(
    lines: list[str], record: UUID, after: str, row: dict[str, Any]
) -> tuple[list[str], int]:
    """*lines* with *row* put in *record* after its last *after* line; its line.

    Positions are doubled to make room, and the record's later versions moved on.
    """
    header, *rows = (json.loads(line) for line in lines)
    header["events"] += 1
    mine = [i for i, r in enumerate(rows) if r["originator_id"] == str(record)]
    at = max(i for i in mine if rows[i]["topic"] == after)
    for index, old in enumerate(rows):
        old["position"] *= 2
        if index in mine and index > at:
            old["originator_version"] += 1
    new = json.loads(json.dumps(row))
    new["originator_id"] = str(record)
    new["position"] = rows[at]["position"] + 1
    new["originator_version"] = rows[at]["originator_version"] + 1
    out = [header, *rows[: at + 1], new, *rows[at + 1 :]]
    return [json.dumps(r) for r in out], at + 3


@pytest.mark.parametrize(
    ("event", "says"),
    [("VotingOpened", "already opened"), ("VotingClosed", "is not open")],
    ids=["opened-twice", "closed-twice"],
)
def test_a_vote_opened_or_closed_twice_is_refused(
    story: Story, event: str, says: str
) -> None:
    """open_voting refuses a vote already open, and a close a vote already closed.

    Opened again, the vote would take a new electorate and rule under ballots
    cast already; closed again, a second tally would stand for one vote.
    """
    lines, line = repeated(story.lines, f"{PROPOSAL}.{event}", story.poll)
    refused_import(lines, line, says)


def test_a_binding_close_without_its_decision_is_refused(story: Story) -> None:
    """close_voting records a binding close and its decision together.

    Without the decision, the vote would read as still open under a fixed
    tally: it would take more ballots, and a second close.
    """
    rows = [json.loads(line) for line in story.lines]
    decided = f"{PROPOSAL}.Decided"
    drop = next(
        i
        for i, row in enumerate(rows)
        if row.get("topic") == decided and row["originator_id"] == str(story.vote)
    )
    rows[0]["events"] -= 1
    lines = [json.dumps(row) for i, row in enumerate(rows) if i != drop]
    closed = f"{PROPOSAL}.VotingClosed"
    close = next(
        i + 1
        for i, row in enumerate(rows)
        if row.get("topic") == closed and row["originator_id"] == str(story.vote)
    )
    refused_import(lines, close, "is recorded with its decision")


FRESH = {
    "Decided": "decision_id",
    "ActionAssigned": "action_id",
    "EvaluationRecorded": "evaluation_id",
    "Commented": "comment_id",
    "FeedbackGiven": "feedback_id",
}
"""The id a command makes for what it records, by event: a copy needs its own."""


@attrs.frozen
class Step:
    """A copy of one proposal's step put into another (or the same) after a line.

    Each change is a value, or made from the story.
    """

    event: str
    source: Callable[[Story], UUID]
    into: Callable[[Story], UUID]
    after: str
    changes: dict[str, Any] = attrs.field(factory=dict)

    def apply(self, story: Story) -> tuple[list[str], int]:
        """The story's export with the step put in, and the step's line."""
        row = row_of(story.lines, f"{PROPOSAL}.{self.event}", self.source(story))
        state = row["state"]
        if self.event in FRESH:
            state[FRESH[self.event]] = str(uuid.uuid4())
        state.update(
            {k: v(story) if callable(v) else v for k, v in self.changes.items()}
        )
        return inserted(story.lines, self.into(story), f"{PROPOSAL}.{self.after}", row)


RULED, DROPPED = (lambda s: s.ruled), (lambda s: s.dropped)


def asked(story: Story) -> list[str]:
    """The comment made on the withdrawn proposal, as feedback would name it."""
    row = row_of(story.lines, f"{PROPOSAL}.Commented", story.dropped)
    return [row["state"]["comment_id"]]


POLL, VOTE, OVERRULED = (lambda s: s.poll), (lambda s: s.vote), (lambda s: s.overruled)

REFUSED_STEPS = {
    "decided-while-voting": (
        Step("Decided", RULED, POLL, "VotingOpened"),
        "is open; close it before deciding",
    ),
    "decided-a-third-time": (
        Step("Decided", OVERRULED, OVERRULED, "Decided", {"method": "chair"}),
        "is already decided",
    ),
    "decided-when-withdrawn": (
        Step("Decided", RULED, DROPPED, "Withdrawn"),
        "is withdrawn",
    ),
    "decided-again": (Step("Decided", RULED, RULED, "Decided"), "already decided"),
    "decided-by-vote-with-no-vote": (
        Step("Decided", RULED, POLL, "VotingClosed", {"method": "vote"}),
        "recorded by closing the vote",
    ),
    "withdrawn-when-decided": (
        Step("Withdrawn", DROPPED, RULED, "Decided"),
        "is decided",
    ),
    "withdrawn-twice": (Step("Withdrawn", DROPPED, DROPPED, "Withdrawn"), "withdrawn"),
    "amended-while-voting": (
        Step("Amended", RULED, POLL, "VotingOpened", {"takes_up": []}),
        "cannot be amended once voting has opened",
    ),
    "amended-when-withdrawn": (
        Step("Amended", RULED, DROPPED, "Withdrawn", {"takes_up": []}),
        "is withdrawn",
    ),
    "comment-after-the-poll": (
        Step("Commented", RULED, POLL, "VotingClosed"),
        "has closed",
    ),
    "comment-when-decided": (Step("Commented", RULED, VOTE, "Decided"), "is decided"),
    "action-when-rejected": (
        Step("ActionAssigned", RULED, OVERRULED, "Decided"),
        "has not been adopted",
    ),
    "action-when-undecided": (
        Step("ActionAssigned", RULED, POLL, "VotingClosed"),
        "has not been adopted",
    ),
    "completed-twice": (
        Step("ActionCompleted", RULED, RULED, "ActionCompleted"),
        "already completed",
    ),
    "evaluation-when-rejected": (
        Step("EvaluationRecorded", RULED, OVERRULED, "Decided"),
        "has not been adopted",
    ),
    "accessible-version-when-withdrawn": (
        Step("AccessibleVersionPublished", RULED, DROPPED, "Withdrawn"),
        "was withdrawn",
    ),
    "feedback-when-withdrawn": (
        Step("FeedbackGiven", RULED, DROPPED, "Withdrawn", {"comments": asked}),
        "was withdrawn",
    ),
    "need-noted-when-decided": (
        Step("AdjustmentLinked", RULED, RULED, "Decided"),
        "is decided",
    ),
    "ballot-between-a-close-and-its-decision": (
        Step("BallotCast", VOTE, VOTE, "VotingClosed"),
        "is recorded with its decision",
    ),
    "comment-between-a-close-and-its-decision": (
        Step("Commented", RULED, VOTE, "VotingClosed"),
        "is recorded with its decision",
    ),
}


@pytest.mark.parametrize(
    ("step", "says"), REFUSED_STEPS.values(), ids=REFUSED_STEPS.keys()
)
def test_a_proposal_step_its_command_refuses_is_refused(
    story: Story, step: Step, says: str
) -> None:
    """The commands refuse these steps of a proposal, so an import does too.

    A decision while a vote is open, on a withdrawn proposal, after the
    decisions a proposal can take, or "by vote" with no vote; a withdrawal,
    amendment or comment of a proposal no longer before the body (or, for an
    amendment, voted on; for a comment, polled); delivery work or an
    evaluation of a proposal not adopted, and an action done twice: each
    would give the reports a story no command could record.
    """
    lines, line = step.apply(story)
    refused_import(lines, line, says)


def overruled_action(story: Story) -> str:
    """The id of the action given on the third proposal before it was overruled."""
    row = row_of(story.lines, f"{PROPOSAL}.ActionAssigned", story.overruled)
    return str(row["state"]["action_id"])


KEPT_FROM_0_1_0 = {
    "deferred-after-a-vote": Step(
        "Decided",
        RULED,
        VOTE,
        "Decided",
        {"outcome": "deferred", "overrode_vote": True},
    ),
    "amendment-changing-nothing": Step("Amended", RULED, RULED, "Amended"),
    "action-done-after-an-override": Step(
        "ActionCompleted", RULED, OVERRULED, "Decided", {"action_id": overruled_action}
    ),
}


@pytest.mark.parametrize("step", KEPT_FROM_0_1_0.values(), ids=KEPT_FROM_0_1_0.keys())
def test_a_step_coledger_0_1_0_could_record_still_imports(
    story: Story, step: Step
) -> None:
    """Steps the commands refuse only since 0.1.0 are not refused in an import.

    coledger 0.1.0 deferred a proposal a vote had settled, amended one without
    changing it, and completed an action after its adoption was overridden,
    and its ledgers must still export and import.
    """
    lines, _ = step.apply(story)
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == len(lines) - 1


PROJECT = "coledger.domain.project:Project"


@pytest.mark.parametrize("day", [10, 5], ids=["same-time", "earlier"])
def test_a_project_finished_twice_is_refused(day: int) -> None:
    """finish_project records one finish, so an import refuses a second one.

    Dated earlier, a second finish would move the end of the project's run,
    which the reports read, where the command refuses that time.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        plan = ledger.start_project(
            "Festival", label="co_production", by=ana, occurred_at=on(1)
        )
        ledger.finish_project(plan, by=ana, occurred_at=on(10))
        out = io.StringIO()
        ledger.export(out)
    finish = row_of(out.getvalue().splitlines(), f"{PROJECT}.Finished", plan)
    finish["state"]["occurred_at"] = on(day).isoformat()
    lines, line = inserted(
        out.getvalue().splitlines(), plan, f"{PROJECT}.Finished", finish
    )
    refused_import(lines, line, "already finished")


ADJUSTMENT = "coledger.domain.adjustment:Adjustment"


def answered_again(story: Story, event: str, **state: Any) -> tuple[list[str], int]:
    """The story's export with *event* put in after the need for papers was met."""
    requested = next(
        row
        for row in map(json.loads, story.lines[1:])
        if row["topic"] == f"{ADJUSTMENT}.Requested"
    )
    need = UUID(requested["originator_id"])
    provided = row_of(story.lines, f"{ADJUSTMENT}.Provided", need)
    kept = ("timestamp", "actor", "occurred_at", "source_ref")
    row = {
        "topic": f"{ADJUSTMENT}.{event}",
        "state": {name: provided["state"][name] for name in kept} | state,
    }
    return inserted(story.lines, need, f"{ADJUSTMENT}.Provided", row)


@pytest.mark.parametrize(
    ("event", "state"),
    [
        ("Provided", {"partial": True}),
        ("Declined", {"reason": "unavailable", "alternative": None}),
        ("Withdrawn", {}),
    ],
    ids=["provided-twice", "declined-when-provided", "withdrawn-when-provided"],
)
def test_an_adjustment_answered_again_is_refused(
    story: Story, event: str, state: dict[str, Any]
) -> None:
    """A request for one proposal is done once answered, so an import refuses more.

    provide_adjustment, decline_adjustment and withdraw_adjustment refuse a
    request already answered (coledger 0.1.0 did too): a need met and then
    declined would read as declined, though the papers were given.
    """
    if event == "Declined":
        need = row_of(story.lines, f"{PROPOSAL}.AdjustmentLinked", story.ruled)
        state["member"] = need["state"]["member"]
    lines, line = answered_again(story, event, **state)
    refused_import(lines, line, "is already provided")


def test_a_standing_need_withdrawn_after_its_answer_imports() -> None:
    """A standing request holds until withdrawn, answered or not, so that imports."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        need = ledger.request_adjustment(ana, code="BSL", occurred_at=on(2))
        ledger.provide_adjustment(need, by=ana, occurred_at=on(3))
        ledger.withdraw_adjustment(need, occurred_at=on(4))
        out = io.StringIO()
        ledger.export(out)
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        copy.import_events(out.getvalue().splitlines())
        assert copy.adjustment(need).status == "withdrawn"
