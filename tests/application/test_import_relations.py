"""An import refuses subjects that the commands cross-check between records."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
import pytest

from coledger import Ledger, transfer
from conftest import TEST_MASTER_KEY
from helpers import ExportChange, edited_export, on, refused_import

MEMBER = "coledger.domain.member:Member"
PROPOSAL = "coledger.domain.proposal:Proposal"
MEETING = "coledger.domain.meeting:Meeting"
BODY = "coledger.domain.body:Body"
ADJUSTMENT = "coledger.domain.adjustment:Adjustment"


@attrs.frozen
class Story:
    """A small ledger's export, and the ids in it."""

    lines: list[str]
    ana: UUID
    bo: UUID
    cy: UUID
    board: UUID
    forum: UUID
    meeting: UUID
    elsewhere: UUID
    proposal: UUID
    other: UUID
    for_meeting: UUID
    for_proposal: UUID
    standing: UUID
    outsiders_need: UUID
    later_need: UUID


def export_of(ledger: Ledger) -> list[str]:
    """The ledger's export, line by line."""
    out = io.StringIO()
    ledger.export(out)
    return out.getvalue().splitlines()


@pytest.fixture(scope="module")
def story() -> Story:
    """Two bodies with a meeting each; a proposal at one, with a supporter's acts.

    Bo authorised Cy as a supporter; Cy commented and voted for Bo. Bo asked for
    adjustments for the meeting and for the proposal, both needed before the
    vote, and the vote opened over them. Bo also has a standing request and one
    needed before feedback, and Cy, who holds no seat, one before the vote:
    none of these held the vote. The forum has a proposal of its own.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo = ledger.register_member("Bo Example", by=ana, occurred_at=on(1))
        cy = ledger.register_member("Cy Example", by=ana, occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="governance", by=ana, occurred_at=on(1)
        )
        forum = ledger.establish_body(
            "Forum", kind="advisory", by=ana, occurred_at=on(1)
        )
        for member in (ana, bo):
            ledger.assign_seat(board, member, by=ana, occurred_at=on(2))
        meeting, elsewhere = (
            ledger.schedule_meeting(
                body,
                kind="decision_meeting",
                title=title,
                starts_at=on(20),
                by=ana,
                occurred_at=on(2),
            )
            for body, title in ((board, "Board meeting"), (forum, "Forum meeting"))
        )
        ledger.authorise_supporter(bo, cy, occurred_at=on(3))
        proposal = ledger.raise_proposal(
            board,
            proposers=[ana],
            title="Evening meetings",
            text="Meet in the evenings.",
            meeting=meeting,
            occurred_at=on(4),
        )
        ledger.comment(
            proposal, author=bo, text="Yes please.", supporter=cy, occurred_at=on(5)
        )
        for_meeting = ledger.request_adjustment(
            bo, code="BSL", meeting=meeting, needed_before="vote", occurred_at=on(6)
        )
        for_proposal = ledger.request_adjustment(
            bo, code="BSL", proposal=proposal, needed_before="vote", occurred_at=on(6)
        )
        standing = ledger.request_adjustment(bo, code="BSL", occurred_at=on(6))
        outsiders_need = ledger.request_adjustment(
            cy, code="BSL", proposal=proposal, needed_before="vote", occurred_at=on(6)
        )
        later_need = ledger.request_adjustment(
            bo,
            code="BSL",
            proposal=proposal,
            needed_before="feedback",
            occurred_at=on(6),
        )
        other = ledger.raise_proposal(
            forum, proposers=[bo], title="Forum idea", text="x", occurred_at=on(4)
        )
        ledger.open_voting(
            proposal, by=ana, access_override="agreed with Bo", occurred_at=on(7)
        )
        ledger.cast_ballot(
            proposal, voter=bo, choice="for", supporter=cy, occurred_at=on(8)
        )
        return Story(
            export_of(ledger),
            ana,
            bo,
            cy,
            board,
            forum,
            meeting,
            elsewhere,
            proposal,
            other,
            for_meeting,
            for_proposal,
            standing,
            outsiders_need,
            later_need,
        )


def test_the_story_imports_whole(story: Story) -> None:
    """The unedited export reads and imports: every check below passes it."""
    assert len(transfer.read_export(story.lines).events) == len(story.lines) - 1
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(story.lines).events == len(story.lines) - 1


def supported_by(member: Callable[[Story], UUID]) -> Callable[[Story], ExportChange]:
    """A change naming another supporter on an act made through one."""

    def make(story: Story) -> ExportChange:
        def change(row: dict[str, Any]) -> bool:
            if row["state"].get("supporter") is None:
                return False
            row["state"]["supporter"] = str(member(story))
            return True

        return change

    return make


@pytest.mark.parametrize("topic", [f"{PROPOSAL}.Commented", f"{PROPOSAL}.BallotCast"])
def test_an_act_through_a_supporter_without_consent_is_refused(
    story: Story, topic: str
) -> None:
    """A comment or ballot through a supporter the member never authorised.

    The commands raise SupporterNotAuthorisedError for it; the file could
    record Ana acting for Bo, who consented only to Cy.
    """
    lines, line = edited_export(
        story.lines, topic, supported_by(lambda s: s.ana)(story)
    )
    refused_import(lines, line, "consent")


def test_an_act_recorded_after_a_consent_dated_later_still_imports(
    story: Story,
) -> None:
    """An act dated before a consent recorded before it imports, as 0.1.0 wrote it.

    coledger 0.1.0 asked only that the consent was on record when the act was
    recorded, whatever their dates: a ledger it wrote may hold a comment and a
    ballot through Cy dated before Bo's consent, and its export must import.
    """

    def later(row: dict[str, Any]) -> bool:
        row["state"]["occurred_at"] = on(9).isoformat()
        return True

    lines, _ = edited_export(story.lines, f"{MEMBER}.SupporterAuthorised", later)
    assert len(transfer.read_export(lines).events) == len(lines) - 1
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == len(lines) - 1
        assert copy.member(story.bo).supporters == frozenset({story.cy})


def test_an_act_before_the_consent_began_is_refused() -> None:
    """Consent dated, recorded and stored after the acts made through it covers neither.

    A batch stores the proposal's record first, so the comment's line comes
    before the consent's; dated and timestamped after the comment, no command
    of any version could have recorded the consent before it.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo = ledger.register_member("Bo Example", by=ana, occurred_at=on(1))
        cy = ledger.register_member("Cy Example", by=ana, occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="advisory", by=ana, occurred_at=on(1)
        )
        with ledger.batch():
            proposal = ledger.raise_proposal(
                board, proposers=[ana], title="T", text="x", occurred_at=on(3)
            )
            ledger.authorise_supporter(bo, cy, occurred_at=on(3))
            ledger.comment(
                proposal, author=bo, text="Yes.", supporter=cy, occurred_at=on(4)
            )
        lines = export_of(ledger)
    recorded = max(
        datetime.fromisoformat(json.loads(line)["state"]["timestamp"])
        for line in lines[1:]
    )

    def later(row: dict[str, Any]) -> bool:
        row["state"]["occurred_at"] = on(9).isoformat()
        row["state"]["timestamp"] = (recorded + timedelta(seconds=1)).isoformat()
        return True

    lines, _ = edited_export(lines, f"{MEMBER}.SupporterAuthorised", later)
    comment = next(
        i + 1 for i, line in enumerate(lines) if f"{PROPOSAL}.Commented" in line
    )
    assert comment < next(
        i + 1 for i, line in enumerate(lines) if f"{MEMBER}.SupporterAuthorised" in line
    )
    refused_import(lines, comment, "consent")


def test_consent_stored_after_the_act_in_a_batch_still_imports() -> None:
    """A batch stores record by record: a ballot's line may come before its consent.

    The import asks for a consent dated no later than the act, wherever its line.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo = ledger.register_member("Bo Example", by=ana, occurred_at=on(1))
        cy = ledger.register_member("Cy Example", by=ana, occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="governance", by=ana, occurred_at=on(1)
        )
        ledger.assign_seat(board, bo, by=ana, occurred_at=on(2))
        with ledger.batch():
            proposal = ledger.raise_proposal(
                board, proposers=[ana], title="T", text="x", occurred_at=on(3)
            )
            ledger.authorise_supporter(bo, cy, occurred_at=on(3))
            ledger.comment(
                proposal, author=bo, text="Yes.", supporter=cy, occurred_at=on(4)
            )
            ledger.open_voting(proposal, by=ana, occurred_at=on(5))
            ledger.cast_ballot(
                proposal, voter=bo, choice="for", supporter=cy, occurred_at=on(8)
            )
        lines = export_of(ledger)
    topics = [json.loads(line).get("topic") for line in lines]
    assert topics.index(f"{PROPOSAL}.BallotCast") < topics.index(
        f"{MEMBER}.SupporterAuthorised"
    )
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == len(lines) - 1


def put(
    field: str, value: Callable[[Story], object]
) -> Callable[[Story], ExportChange]:
    """A change setting *field* to a value taken from the story."""

    def make(story: Story) -> ExportChange:
        def change(row: dict[str, Any]) -> bool:
            given = value(story)
            row["state"][field] = given if isinstance(given, str) else str(given)
            return True

        return change

    return make


LINKS = [
    (f"{MEETING}.AdjustmentLinked", put("member", lambda s: s.ana), "member"),
    (f"{PROPOSAL}.AdjustmentLinked", put("member", lambda s: s.ana), "member"),
    (
        f"{MEETING}.AdjustmentLinked",
        put("adjustment", lambda s: s.for_proposal),
        "was requested for",
    ),
    (
        f"{PROPOSAL}.AdjustmentLinked",
        put("adjustment", lambda s: s.for_meeting),
        "was requested for",
    ),
    (f"{MEETING}.AdjustmentLinked", put("needed_before", lambda _: "papers"), "vote"),
]


@pytest.mark.parametrize(
    ("topic", "make", "says"),
    LINKS,
    ids=[f"{t[0].rpartition(':')[2]}-{t[2]}" for t in LINKS],
)
def test_a_link_unlike_its_request_is_refused(
    story: Story, topic: str, make: Callable[[Story], ExportChange], says: str
) -> None:
    """A meeting's or proposal's note of a request repeats the request itself.

    request_adjustment writes both from one set of values: the same member,
    stage and record. Edited, the meeting would say another member's access
    need was raised there, or a vote would be held by someone else's request.
    """
    lines, line = edited_export(story.lines, topic, make(story))
    refused_import(lines, line, says)


def test_a_request_noted_twice_is_refused(story: Story) -> None:
    """request_adjustment notes a request once, so a second note of it is refused.

    Noted twice, a vote over it would name it twice as unmet, an opening
    that the copy's own export could then not import.
    """

    def twice(row: dict[str, Any]) -> bool:
        if row["state"]["adjustment"] != str(story.outsiders_need):
            return False
        row["state"]["adjustment"] = str(story.for_proposal)
        row["state"]["member"] = str(story.bo)
        return True

    lines, line = edited_export(story.lines, f"{PROPOSAL}.AdjustmentLinked", twice)
    refused_import(lines, line, "is noted already on line")


def test_a_proposal_at_a_meeting_of_another_body_is_refused(story: Story) -> None:
    """raise_proposal refuses a meeting of another body than the proposal's.

    Imported, the board's proposal would be counted at the forum's meeting.
    """
    lines, line = edited_export(
        story.lines, f"{PROPOSAL}.Raised", put("meeting", lambda s: s.elsewhere)(story)
    )
    refused_import(lines, line, "meeting of another body")


NOTES = [
    (f"{BODY}.VoteOpened", "not a proposal to this body"),
    (f"{MEETING}.VoteOpened", "not raised at this meeting"),
]


@pytest.mark.parametrize(("topic", "says"), NOTES, ids=["body", "meeting"])
def test_a_vote_noted_on_a_body_or_meeting_not_its_own_is_refused(
    story: Story, topic: str, says: str
) -> None:
    """open_voting notes the vote on the proposal's own body and meeting only.

    A note elsewhere would bar that body's seat changes, or that meeting's
    requests, dated before a vote that was never theirs.
    """
    lines, line = edited_export(
        story.lines, topic, put("proposal", lambda s: s.other)(story)
    )
    refused_import(lines, line, says)


def unmet(request: Callable[[Story], UUID]) -> Callable[[Story], ExportChange]:
    """A change naming one request as the vote's unmet adjustment."""

    def make(story: Story) -> ExportChange:
        def change(row: dict[str, Any]) -> bool:
            row["state"]["unmet_adjustments"] = [str(request(story))]
            return True

        return change

    return make


UNMET = [
    (unmet(lambda s: s.standing), "not for this proposal or its meeting"),
    (unmet(lambda s: s.outsiders_need), "not in the electorate"),
    (unmet(lambda s: s.later_need), "needed before the feedback"),
]


@pytest.mark.parametrize(
    ("make", "says"), UNMET, ids=["standing", "outsider", "feedback"]
)
def test_an_unmet_adjustment_that_could_not_hold_the_vote_is_refused(
    story: Story, make: Callable[[Story], ExportChange], says: str
) -> None:
    """open_voting names as unmet only requests that hold its vote up.

    Those noted on the proposal or its meeting, by a voter, needed before the
    vote. The ladder reads an override's unmet requests for whose needs the
    vote went over, so another's would count in their place.
    """
    lines, line = edited_export(story.lines, f"{PROPOSAL}.VotingOpened", make(story))
    refused_import(lines, line, says)


def test_a_standing_request_cannot_hold_a_vote_at_no_meeting() -> None:
    """A standing request is for no record, nor is a proposal raised at no meeting."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="governance", by=ana, occurred_at=on(1)
        )
        ledger.assign_seat(board, ana, by=ana, occurred_at=on(2))
        standing = ledger.request_adjustment(ana, code="BSL", occurred_at=on(2))
        proposal = ledger.raise_proposal(
            board, proposers=[ana], title="T", text="x", occurred_at=on(3)
        )
        ledger.open_voting(proposal, by=ana, occurred_at=on(4))
        lines = export_of(ledger)

    def held(row: dict[str, Any]) -> bool:
        row["state"].update(
            unmet_adjustments=[str(standing)], access_override="in a hurry"
        )
        return True

    lines, line = edited_export(lines, f"{PROPOSAL}.VotingOpened", held)
    refused_import(lines, line, "not for this proposal or its meeting")


def test_a_request_for_a_meeting_called_off_cannot_hold_a_later_vote() -> None:
    """A meeting's requests lapse with it, so a vote opened after names none.

    The proposal raised there is voted on from the cancellation on, held up
    only by its own requests; the unedited export imports, and one naming
    the meeting's request at the opening would count an override for it.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="governance", by=ana, occurred_at=on(1)
        )
        ledger.assign_seat(board, ana, by=ana, occurred_at=on(1))
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="March board",
            starts_at=on(10),
            by=ana,
            occurred_at=on(1),
        )
        proposal = ledger.raise_proposal(
            board,
            proposers=[ana],
            title="T",
            text="x",
            meeting=meeting,
            occurred_at=on(2),
        )
        lapsed = ledger.request_adjustment(
            ana, code="BSL", meeting=meeting, by=ana, occurred_at=on(3)
        )
        ledger.cancel_meeting(meeting, by=ana, occurred_at=on(4))
        ledger.request_adjustment(
            ana, code="ER", proposal=proposal, by=ana, occurred_at=on(5)
        )
        ledger.open_voting(
            proposal, by=ana, access_override="in a hurry", occurred_at=on(6)
        )
        lines = export_of(ledger)
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == len(lines) - 1

    def held(row: dict[str, Any]) -> bool:
        row["state"]["unmet_adjustments"].append(str(lapsed))
        return True

    lines, line = edited_export(lines, f"{PROPOSAL}.VotingOpened", held)
    refused_import(lines, line, "called off before the vote opened")


def closed_votes() -> tuple[list[str], UUID, UUID]:
    """A board vote Kim alone cast and closed, then a poll Ali was asked about.

    Returns the export, Ali (who has no seat and cast no ballot) and the
    poll's proposal, which the board decides after its advisory close.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        kim = ledger.register_member("Kim Example", occurred_at=on(1))
        ali = ledger.register_member("Ali Example", by=kim, occurred_at=on(1))
        board = ledger.establish_body(
            "Board", kind="governance", by=kim, occurred_at=on(1)
        )
        ledger.assign_seat(board, kim, by=kim, occurred_at=on(2))
        vote, poll = (
            ledger.raise_proposal(
                board, proposers=[kim], title=title, text="x", occurred_at=on(3)
            )
            for title in ("Vote", "Poll")
        )
        ledger.open_voting(vote, by=kim, occurred_at=on(4))
        ledger.open_voting(poll, by=kim, advisory=True, occurred_at=on(4))
        for proposal in (vote, poll):
            ledger.cast_ballot(proposal, voter=kim, choice="for", occurred_at=on(5))
        ledger.close_voting(vote, by=kim, occurred_at=on(6))
        ledger.close_advisory_vote(poll, by=kim, occurred_at=on(6))
        ledger.decide(
            poll,
            outcome="adopted",
            method="consensus",
            by=kim,
            decided_by=[kim, ali],
            occurred_at=on(7),
        )
        return export_of(ledger), ali, poll


def test_a_closed_vote_naming_a_non_voter_as_deciding_is_refused() -> None:
    """A binding close names as deciding only the voters whose ballots it counts.

    Imported, Ali, who cast no ballot, would stand among the vote's deciders
    wherever the reports read them (D1's note, the ladder's occasions); a
    decision after an advisory close names whom it likes, and still imports.
    """
    lines, ali, poll = closed_votes()
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as copy:
        assert copy.import_events(lines).events == len(lines) - 1

    def named(row: dict[str, Any]) -> bool:
        if row["originator_id"] == str(poll):
            return False
        row["state"]["decided_by"].append(str(ali))
        return True

    lines, line = edited_export(lines, f"{PROPOSAL}.Decided", named)
    refused_import(lines, line, "cast no ballot the close counts")
