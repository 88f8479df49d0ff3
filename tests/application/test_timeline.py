"""Timelines and read models say what the ledger holds, in plain words."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger, Rule, WrongStateError, _core
from coledger.cli import main
from coledger.cli._common import EXIT_USAGE
from coledger.domain import Adjustment
from coledger.serialization import to_jsonable
from coledger.timeline import timeline
from helpers import edited_export

JUNE = datetime(2025, 6, 1, tzinfo=UTC)
LATER = datetime(2100, 6, 1, tzinfo=UTC)
"""A time after now: a need asked for now for a meeting in June is due no earlier."""


def _people_and_board(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """Pat and Kim, and a board Pat established."""
    pat = ledger.register_member("Pat Example")
    kim = ledger.register_member("Kim Example")
    return pat, kim, ledger.establish_body("Board", kind="governance", by=pat)


def _june(
    ledger: Ledger,
    board: UUID,
    by: UUID,
    *,
    project: UUID | None = None,
    kind: str = "decision_meeting",
    starts_at: datetime = JUNE,
) -> UUID:
    """A meeting of *board* called "June"."""
    return ledger.schedule_meeting(
        board, kind=kind, title="June", starts_at=starts_at, project=project, by=by
    )


def test_a_project_timeline_shows_the_answer_to_a_meetings_access_need(
    memory_ledger: Ledger,
) -> None:
    """A need noted for a project's meeting is followed by its request and answer."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    meeting = _june(ledger, board, pat, project=project, kind="workshop")
    need = ledger.request_adjustment(kim, code="BSL", meeting=meeting, needed_by=LATER)
    ledger.decline_adjustment(need, by=pat, reason="unavailable", alternative="CAP")
    said = [(e.actor, e.text) for e in timeline(ledger, project=project)][2:]
    assert said == [
        ("Kim Example", "asked for an adjustment (BSL) for Kim Example"),
        ("Kim Example", "noted an access need of Kim Example for the meeting 'June'"),
        (
            "Pat Example",
            "declined the adjustment (BSL) for Kim Example (unavailable, offering CAP)",
        ),
    ]


def test_a_vote_that_decided_nothing_names_no_one_as_deciding(
    memory_ledger: Ledger,
) -> None:
    """A vote short of its quorum reads as deciding nothing, not as voters deciding."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example")
    kim = ledger.register_member("Kim Example")
    board = ledger.establish_body(
        "Board", kind="governance", rule=Rule.majority(quorum=1), by=pat
    )
    for member in (pat, kim):
        ledger.assign_seat(board, member, by=pat)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.open_voting(p, by=pat)
    ledger.cast_ballot(p, voter=kim, choice="for")
    assert ledger.close_voting(p, by=pat).outcome == "not_valid"
    closed, decided = [e.text for e in timeline(ledger, proposal=p)][-2:]
    assert closed.endswith("(quorum not met)")
    assert decided == "recorded that the vote decided nothing (not valid)"


def test_read_models_with_sets_of_ids_become_json(memory_ledger: Ledger) -> None:
    """A member's supporters and a proposal's taken-up comments unstructure to lists."""
    ledger = memory_ledger
    pat = ledger.register_member("Pat Example")
    una = ledger.register_member("Una Example")
    ledger.authorise_supporter(pat, una)
    board = ledger.establish_body("Board", kind="governance", by=pat)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    said = ledger.comment(p, author=pat, text="Blue, please.")
    ledger.amend_proposal(p, by=pat, text="New kit, in blue.", takes_up=[said])
    member = json.loads(json.dumps(to_jsonable(ledger.member(pat))))
    proposal = json.loads(json.dumps(to_jsonable(ledger.proposal(p))))
    assert member["supporters"] == [str(una)]
    assert proposal["taken_up"] == [str(said)]


@pytest.mark.parametrize("option", ["--proposal", "--project"])
def test_history_given_an_empty_id_says_it_is_not_an_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """An empty --proposal or --project is bad usage naming that option, exit 2."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        ledger.register_member("Pat Example")
    assert main(["history", "--db", str(db), option, ""]) == EXIT_USAGE
    assert f"{option}: the value given is not a" in capsys.readouterr().err


def test_a_completion_names_the_action_it_completed(memory_ledger: Ledger) -> None:
    """Of two actions on a proposal, the history says which one was completed."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.decide(p, outcome="adopted", method="chair", by=pat)
    ledger.assign_action(p, description="Order the shirts", owners=[pat], by=pat)
    boots = ledger.assign_action(p, description="Order the boots", owners=[kim], by=pat)
    ledger.complete_action(p, boots, by=kim)
    said = [(e.actor, e.text) for e in timeline(ledger, proposal=p)][-1]
    assert said == ("Kim Example", "completed the delivery action 'Order the boots'")


def test_a_proposal_s_history_shows_the_meeting_need_that_held_its_vote(
    memory_ledger: Ledger,
) -> None:
    """A need for the meeting a proposal was raised at shows in its history."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    for member in (pat, kim):
        ledger.assign_seat(board, member, by=pat)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    meeting = _june(ledger, board, pat)
    p = ledger.raise_proposal(
        board,
        proposers=[pat],
        title="Kit",
        text="New kit.",
        project=project,
        meeting=meeting,
    )
    need = ledger.request_adjustment(kim, code="BSL", meeting=meeting, needed_by=LATER)
    assert ledger.unmet_adjustments(p) == (need,)
    ledger.open_voting(p, by=pat, access_override="no interpreter free in June")
    asked = ("Kim Example", "asked for an adjustment (BSL) for Kim Example")
    for scope in ({"proposal": p}, {"project": project}):
        said = [(e.actor, e.text) for e in timeline(ledger, **scope)]
        assert said.index(asked) < len(said) - 1, scope  # before the opening


def test_a_meeting_called_says_when_it_starts(memory_ledger: Ledger) -> None:
    """The line for a meeting called gives its start, which the figures read."""
    ledger = memory_ledger
    pat, _, board = _people_and_board(ledger)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    _june(
        ledger, board, pat, project=project, starts_at=JUNE.replace(hour=18, minute=30)
    )
    texts = [e.text for e in timeline(ledger, project=project)]
    called = "called the meeting 'June' (decision meeting) for 2025-06-01 18:30 +00:00"
    assert called in texts


def test_a_project_timeline_shows_the_meeting_its_proposal_was_raised_at(
    memory_ledger: Ledger,
) -> None:
    """A project's timeline holds each meeting one of its proposals was raised at."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    meeting = _june(ledger, board, pat)
    ledger.record_attendance(meeting, kim, by=pat)
    ledger.raise_proposal(
        board,
        proposers=[pat],
        title="Kit",
        text="New kit.",
        project=project,
        meeting=meeting,
    )
    ledger.request_adjustment(kim, code="BSL", meeting=meeting, needed_by=LATER)
    kinds = [e.kind for e in timeline(ledger, project=project)]
    assert kinds == [
        "Project.Started",
        "Meeting.Scheduled",
        "Meeting.AttendanceRecorded",
        "Proposal.Raised",
        "Adjustment.Requested",
        "Meeting.AdjustmentLinked",
    ]


def test_a_comment_its_author_recorded_with_support_is_not_for_themselves(
    memory_ledger: Ledger,
) -> None:
    """A comment its author recorded with a supporter's help reads as theirs."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    ledger.authorise_supporter(pat, kim)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.comment(p, author=pat, text="Blue, please.", supporter=kim)
    out = io.StringIO()
    ledger.export(out)

    def by_author(row: dict[str, Any]) -> bool:
        row["state"]["actor"] = row["state"]["author"]  # as another system kept it
        return True

    lines, _ = edited_export(
        out.getvalue().splitlines(),
        "coledger.domain.proposal:Proposal.Commented",
        by_author,
    )
    with Ledger.open("memory://") as copy:
        copy.import_events(lines)
        said = [(e.actor, e.text) for e in timeline(copy, proposal=p)][-1]
    assert said == (
        "Pat Example",
        "commented with Kim Example's support (meeting): Blue, please.",
    )


def test_an_advisory_vote_opened_says_it_is_advisory(memory_ledger: Ledger) -> None:
    """The opening of a vote that only informs says so, as its close does."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    for member in (pat, kim):
        ledger.assign_seat(board, member, by=pat)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.open_voting(p, by=pat, advisory=True)
    ledger.close_advisory_vote(p, by=pat)
    opened, closed = [e.text for e in timeline(ledger, proposal=p)][-2:]
    assert opened == "opened an advisory vote for 2 voter(s)"
    assert closed.startswith("closed an advisory vote:")


def test_a_timeline_inside_a_batch_is_refused_not_left_empty(
    memory_ledger: Ledger,
) -> None:
    """In a batch, a timeline is refused, not read without the batch's events."""
    ledger = memory_ledger
    pat, _, board = _people_and_board(ledger)
    with ledger.batch():
        p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New.")
        with pytest.raises(WrongStateError, match="after the batch"):
            timeline(ledger, proposal=p)
    assert [e.kind for e in timeline(ledger, proposal=p)] == ["Proposal.Raised"]


def test_a_meeting_called_off_is_named_in_a_project_timeline(
    memory_ledger: Ledger,
) -> None:
    """Of a project's two meetings, the line for one called off names which."""
    ledger = memory_ledger
    pat, _, board = _people_and_board(ledger)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    june = _june(ledger, board, pat, project=project)
    ledger.schedule_meeting(
        board, kind="workshop", title="July", starts_at=LATER, project=project, by=pat
    )
    ledger.cancel_meeting(june, by=pat)
    said = [(e.actor, e.text) for e in timeline(ledger, project=project)][-1]
    assert said == ("Pat Example", "called off the meeting 'June'")


def test_each_meeting_line_in_a_project_timeline_names_its_meeting(
    memory_ledger: Ledger,
) -> None:
    """Of a project's two meetings, each line of one's steps names which it was."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    ledger.schedule_meeting(
        board, kind="workshop", title="May", starts_at=JUNE, project=project, by=pat
    )
    june = _june(ledger, board, pat, project=project, starts_at=LATER)
    ledger.issue_papers(june, formats=["STD"], by=pat)
    ledger.request_adjustment(kim, code="BSL", meeting=june)
    ledger.record_attendance(june, kim, by=pat, occurred_at=LATER)
    ledger.hold_check_in(june, by=pat, occurred_at=LATER)
    said = [e.text for e in timeline(ledger, project=project)][-5:]
    assert said == [
        "issued the papers for the meeting 'June' (STD)",
        "asked for an adjustment (BSL) for Kim Example",
        "noted an access need of Kim Example for the meeting 'June'",
        "recorded Kim Example as attending the meeting 'June' (in person)",
        "held a wellbeing check-in at the meeting 'June'",
    ]


def test_a_proposal_s_history_shows_its_meeting_called_off(
    memory_ledger: Ledger,
) -> None:
    """The meeting a proposal was raised at, called off, shows in its history.

    The cancellation took that meeting's need from the vote: without it, the
    vote reads as opened over a need left open, with no override.
    """
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    for member in (pat, kim):
        ledger.assign_seat(board, member, by=pat)
    meeting = _june(ledger, board, pat, starts_at=LATER)
    p = ledger.raise_proposal(
        board, proposers=[pat], title="Kit", text="New kit.", meeting=meeting
    )
    ledger.request_adjustment(kim, code="BSL", meeting=meeting, needed_before="vote")
    ledger.cancel_meeting(meeting, by=pat)
    ledger.open_voting(p, by=pat)
    said = [(e.kind, e.actor, e.text) for e in timeline(ledger, proposal=p)][-2:]
    assert said == [
        ("Meeting.Cancelled", "Pat Example", "called off the meeting 'June'"),
        ("Proposal.VotingOpened", "Pat Example", "opened voting for 2 voter(s)"),
    ]


def test_each_answer_to_a_request_says_which_request_it_answers(
    memory_ledger: Ledger,
) -> None:
    """Of two requests, each answer and withdrawal names the need and its member."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    bsl = ledger.request_adjustment(kim, code="BSL", proposal=p)
    cap = ledger.request_adjustment(pat, code="CAP", proposal=p)
    brk = ledger.request_adjustment(kim, code="BRK", proposal=p)
    ledger.provide_adjustment(cap, by=kim, partial=True)
    ledger.decline_adjustment(bsl, by=pat, reason="unavailable", alternative="CAP")
    ledger.withdraw_adjustment(brk)
    said = [e.text for e in timeline(ledger, proposal=p)][-3:]
    assert said == [
        "provided the adjustment (CAP) for Pat Example in part",
        "declined the adjustment (BSL) for Kim Example (unavailable, offering CAP)",
        "withdrew the request for an adjustment (BRK) for Kim Example",
    ]


def test_history_writes_a_typed_direction_control_as_an_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Embeddings and isolates in names, titles and comments cannot reorder a line."""
    db = tmp_path / "coledger.db"
    with Ledger.open(f"sqlite:///{db}") as ledger:
        pat = ledger.register_member("Pat\u2067 Example")
        board = ledger.establish_body("Board", kind="governance", by=pat)
        p = ledger.raise_proposal(
            board, proposers=[pat], title="Kit \u202bone two", text="New kit."
        )
        said = "Blue \u2066ok\u202a fine, \u05e9\u05dc\u05d5\u05dd"  # Hebrew stays
        ledger.comment(p, author=pat, text=said)
    assert main(["history", "--db", str(db), "--proposal", str(p)]) == 0
    out = capsys.readouterr().out
    assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    raised, commented = out.splitlines()
    assert raised.endswith(
        "Pat\\u2067 Example: raised the proposal 'Kit \\u202bone two' "
        "(proposers: Pat\\u2067 Example)"
    )
    assert commented.endswith(
        "commented (meeting): Blue \\u2066ok\\u202a fine, \u05e9\u05dc\u05d5\u05dd"
    )


def test_a_decision_adopted_as_amended_says_so_in_words(memory_ledger: Ledger) -> None:
    """The outcome adopted_amended reads as words, as the method beside it does."""
    ledger = memory_ledger
    pat, _, board = _people_and_board(ledger)
    p = ledger.raise_proposal(board, proposers=[pat], title="Kit", text="New kit.")
    ledger.decide(p, outcome="adopted_amended", method="staff_executive", by=pat)
    assert timeline(ledger, proposal=p)[-1].text == (
        "recorded the decision: adopted as amended by staff executive, "
        "decided by Pat Example"
    )


def test_a_timeline_under_way_stops_naming_a_member_erased_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member another process erases mid-walk is named no more from the next page."""
    monkeypatch.setattr(_core, "HISTORY_PAGE", 1)
    url = f"sqlite:///{tmp_path / 'coledger.db'}"
    with Ledger.open(url) as writer, Ledger.open(url) as reader:
        pat, kim, board = _people_and_board(writer)
        p = writer.raise_proposal(board, proposers=[kim], title="Kit", text="New.")
        need = writer.request_adjustment(kim, code="BSL", proposal=p)
        writer.comment(p, author=kim, text="Blue, please.")
        writer.decline_adjustment(need, by=pat, reason="unavailable")
        walk = reader.history

        def erasing_midway(**kwargs: Any) -> Iterator[Any]:
            for r in walk(**kwargs):
                yield r
                if isinstance(r.event, Adjustment.Requested):  # its page is done
                    writer.erase_member(kim, by=pat)

        monkeypatch.setattr(reader, "history", erasing_midway)
        said = [e.text for e in timeline(reader, proposal=p)]
    assert said[-3:] == [
        "noted an access need of [erased] before the meeting",
        "commented (meeting): [erased]",
        "declined the adjustment ([erased]) for [erased] (unavailable)",
    ]
    assert not any("Kim" in text or "BSL" in text for text in said[2:])


def test_a_project_timeline_shows_a_vote_opened_at_its_meeting_on_another_proposal(
    memory_ledger: Ledger,
) -> None:
    """A vote at a project's meeting on a proposal not of the project is shown."""
    ledger = memory_ledger
    pat, kim, board = _people_and_board(ledger)
    for member in (pat, kim):
        ledger.assign_seat(board, member, by=pat)
    project = ledger.start_project("Kit", label="co_production", by=pat)
    meeting = _june(ledger, board, pat, project=project, starts_at=LATER)
    p = ledger.raise_proposal(
        board, proposers=[pat], title="Fees", text="Lower fees.", meeting=meeting
    )
    need = ledger.request_adjustment(
        kim, code="BSL", meeting=meeting, needed_before="vote"
    )
    ledger.open_voting(p, by=pat, access_override="no interpreter free")
    ledger.provide_adjustment(need, by=pat)
    said = [(e.kind, e.text) for e in timeline(ledger, project=project)][-2:]
    assert said == [
        (
            "Meeting.VoteOpened",
            "opened a vote at the meeting 'June' on the proposal 'Fees'",
        ),
        ("Adjustment.Provided", "provided the adjustment (BSL) for Kim Example"),
    ]


def test_a_timeline_holds_no_step_another_writer_records_while_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request made as the walk begins shows neither its note nor itself.

    The records were read before it: shown, its note on the proposal would
    read as a need no one asked for, nor answered.
    """
    url = f"sqlite:///{tmp_path / 'coledger.db'}"
    with Ledger.open(url) as writer, Ledger.open(url) as reader:
        pat, kim, board = _people_and_board(writer)
        p = writer.raise_proposal(board, proposers=[kim], title="Kit", text="New.")
        walk = reader.history

        def requesting_first(**kwargs: Any) -> Iterator[Any]:
            need = writer.request_adjustment(kim, code="BSL", proposal=p)
            writer.provide_adjustment(need, by=pat)
            yield from walk(**kwargs)

        monkeypatch.setattr(reader, "history", requesting_first)
        kinds = [e.kind for e in timeline(reader, proposal=p)]
    assert kinds == ["Proposal.Raised"]
