"""An import refuses seats and votes in states that the commands refuse."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import attrs
import pytest

from coledger import Ledger, transfer
from conftest import TEST_MASTER_KEY
from helpers import ExportChange, edited_export

BODY = "coledger.domain.body:Body"
PROPOSAL = "coledger.domain.proposal:Proposal"


def on(day: int) -> datetime:
    """Noon on a day of March 2024."""
    return datetime(2024, 3, day, 12, tzinfo=UTC)


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


@pytest.fixture(scope="module")
def story() -> Story:
    """A board with seats changed, a vote decided by it, a poll, and an override.

    Ana chairs the board and Bo holds a voting seat; Cy sat as an observer and
    left; Dee never sat. On the vote, Bo voted against and then for, and the
    board adopted it 2-0. The poll was advisory. The third proposal was
    adopted by Ana's vote alone and then rejected by the chair, overriding it.
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
        ledger.decide(
            overruled, outcome="rejected", method="chair", by=ana, occurred_at=on(9)
        )
        out = io.StringIO()
        ledger.export(out)
        return Story(
            out.getvalue().splitlines(), ana, bo, cy, dee, vote, poll, overruled
        )


def refused(lines: list[str], line: int, says: str) -> None:
    """Reading *lines* is refused at *line*, and an import writes nothing."""
    with pytest.raises(transfer.MalformedImportError) as caught:
        transfer.read_export(lines, "edited.jsonl")
    assert caught.value.line == line
    assert says in caught.value.reason
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as fresh:
        with pytest.raises(transfer.MalformedImportError):
            fresh.import_events(lines)
        assert fresh.position == 0


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
    refused(lines, line, says)


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
    refused(lines, line, says)


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
    refused(lines, line, says)


def repeated(lines: list[str], topic: str, record: UUID) -> tuple[list[str], int]:
    """*lines* with *record*'s first *topic* line given twice; the second's line.

    Positions are doubled to make room, and the record's later versions moved on.
    """
    header, *rows = (json.loads(line) for line in lines)
    header["events"] += 1
    out, again = [header], 0
    for row in rows:
        row["position"] *= 2
        if row["originator_id"] == str(record) and again:
            row["originator_version"] += 1
        out.append(row)
        if not again and row["topic"] == topic and row["originator_id"] == str(record):
            copy = json.loads(json.dumps(row))
            copy["position"] += 1
            copy["originator_version"] += 1
            out.append(copy)
            again = len(out)
    return [json.dumps(row) for row in out], again


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
    refused(lines, line, says)
