"""Calling a meeting off: what is recorded, what is refused, and what it stops."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from coledger import Ledger
from coledger.errors import (
    MeetingCancelledError,
    TimeOrderError,
    UnknownMeetingError,
    UnmetAdjustmentsError,
    WrongStateError,
)
from coledger.timeline import timeline
from helpers import refused, refused_import

STARTS = datetime(2024, 6, 3, 18, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    """Noon on day *n* of May 2024 (UTC); the meeting starts on 3 June."""
    return datetime(2024, 5, 1, 12, tzinfo=UTC) + timedelta(days=n - 1)


@attrs.frozen
class Board:
    """A board with two voting members, a project and one meeting called for it."""

    admin: UUID
    sam: UUID
    body: UUID
    project: UUID
    meeting: UUID


def board(ledger: Ledger) -> Board:
    """The board, its meeting called on day 1 for 3 June."""
    admin = ledger.register_member("Admin", role="staff", occurred_at=day(1))
    sam = ledger.register_member("Sam", occurred_at=day(1))
    body = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=day(1)
    )
    for m in (admin, sam):
        ledger.assign_seat(body, m, by=admin, occurred_at=day(1))
    project = ledger.start_project(
        "Plan", label="co_design", by=admin, occurred_at=day(1)
    )
    meeting = ledger.schedule_meeting(
        body,
        kind="decision_meeting",
        title="June board",
        starts_at=STARTS,
        project=project,
        by=admin,
        occurred_at=day(1),
    )
    return Board(admin, sam, body, project, meeting)


@pytest.mark.parametrize(
    "when",
    [day(20), STARTS, STARTS + timedelta(days=40)],
    ids=["before it", "at its start", "entered later"],
)
def test_a_meeting_is_called_off_at_any_time_from_its_latest_step(
    ledger: Ledger, when: datetime
) -> None:
    """A cancellation before the meeting, on the day or long after is recorded."""
    b = board(ledger)
    ledger.issue_papers(b.meeting, by=b.admin, occurred_at=day(10))
    ledger.cancel_meeting(b.meeting, by=b.sam, occurred_at=when, source_ref="m-9")
    view = ledger.meeting(b.meeting)
    assert view.cancelled_at == when
    last = list(ledger.history())[-1].event
    assert type(last).__qualname__ == "Meeting.Cancelled"
    assert (last.actor, last.source_ref) == (b.sam, "m-9")
    entries = timeline(ledger, project=b.project)
    assert (entries[-1].kind, entries[-1].text) == (
        "Meeting.Cancelled",
        "called off the meeting 'June board'",
    )


def test_calling_off_an_unknown_meeting_is_refused(ledger: Ledger) -> None:
    """An id of no meeting, or of another record, is refused and stores nothing."""
    b = board(ledger)
    with refused(ledger, UnknownMeetingError):
        ledger.cancel_meeting(uuid4(), by=b.admin)
    with refused(ledger, UnknownMeetingError, match="names a body"):
        ledger.cancel_meeting(b.body, by=b.admin)


def test_calling_off_a_meeting_twice_is_refused(ledger: Ledger) -> None:
    """A meeting already called off cannot be called off again, at any time."""
    b = board(ledger)
    ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(5))
    for when in (day(5), day(6), None):
        with refused(ledger, MeetingCancelledError, match="already called off"):
            ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=when)


def test_a_cancellation_before_the_meeting_s_latest_step_is_refused(
    ledger: Ledger,
) -> None:
    """Before its calling, its papers or a request for it, a cancellation is refused."""
    b = board(ledger)
    with refused(ledger, TimeOrderError):
        ledger.cancel_meeting(
            b.meeting, by=b.admin, occurred_at=day(1) - timedelta(hours=1)
        )
    ledger.issue_papers(b.meeting, by=b.admin, occurred_at=day(10))
    with refused(ledger, TimeOrderError, match="latest step"):
        ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(9))
    ledger.request_adjustment(
        b.sam, code="BSL", meeting=b.meeting, by=b.sam, occurred_at=day(12)
    )
    with refused(ledger, TimeOrderError, match="latest step"):
        ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(11))
    ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(12))


def test_a_cancellation_before_a_proposal_raised_at_the_meeting_is_refused(
    ledger: Ledger,
) -> None:
    """A proposal raised for its agenda came first: a cancellation before it is refused.

    A meeting called off takes no proposals, so one raised at it was raised
    before the cancellation (the raising may still precede the meeting's
    start, or its papers); left out, the time is the latest raising's if that
    is later, one raised in the same batch too.
    """
    b = board(ledger)
    ahead = datetime.now(UTC) + timedelta(days=3)
    ledger.raise_proposal(
        b.body,
        proposers=[b.sam],
        title="Buy kit",
        text="Balls.",
        meeting=b.meeting,
        occurred_at=day(8),
    )
    with refused(ledger, TimeOrderError, match="proposal raised at it"):
        ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(7))
    with ledger.batch():
        ledger.raise_proposal(
            b.body,
            proposers=[b.sam],
            title="Paint",
            text="Walls.",
            meeting=b.meeting,
            occurred_at=ahead,
        )
        ledger.cancel_meeting(b.meeting, by=b.admin)
    assert ledger.meeting(b.meeting).cancelled_at == ahead


def _attended(ledger: Ledger, b: Board) -> None:
    ledger.record_attendance(b.meeting, b.sam, by=b.admin, occurred_at=STARTS)


def raised_at_meeting(ledger: Ledger, b: Board) -> UUID:
    """A proposal raised at the board's meeting on day 2."""
    return ledger.raise_proposal(
        b.body,
        proposers=[b.sam],
        title="Buy kit",
        text="Balls.",
        meeting=b.meeting,
        occurred_at=day(2),
    )


def _checked_in(ledger: Ledger, b: Board) -> None:
    ledger.hold_check_in(b.meeting, by=b.admin, occurred_at=STARTS)


def _voted(ledger: Ledger, b: Board) -> None:
    p = raised_at_meeting(ledger, b)
    ledger.open_voting(p, by=b.admin, occurred_at=day(3))


@pytest.mark.parametrize(
    ("took_place", "shown"),
    [
        (_attended, "attendance was recorded"),
        (_checked_in, "a check-in was held"),
        (_voted, "a vote opened at it"),
    ],
    ids=["attendance", "check-in", "vote"],
)
def test_a_meeting_that_took_place_cannot_be_called_off(
    ledger: Ledger, took_place: Callable[[Ledger, Board], None], shown: str
) -> None:
    """Attendance, a check-in or a vote opened at it shows it took place: refused."""
    b = board(ledger)
    took_place(ledger, b)
    with refused(ledger, WrongStateError, match=shown) as raised:
        ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(40))
    assert type(raised.value) is WrongStateError
    assert ledger.meeting(b.meeting).cancelled_at is None


def _after(b: Board, proposal: UUID) -> dict[str, Callable[[Ledger], Any]]:
    """Each step a cancelled meeting refuses, as a call on a ledger."""
    return {
        "papers": lambda ledger: ledger.issue_papers(
            b.meeting, formats=["STD", "ER"], by=b.admin, occurred_at=day(20)
        ),
        "attendance": lambda ledger: ledger.record_attendance(
            b.meeting, b.sam, by=b.admin, occurred_at=STARTS
        ),
        "check-in": lambda ledger: ledger.hold_check_in(
            b.meeting, by=b.admin, occurred_at=STARTS
        ),
        "requests": lambda ledger: ledger.request_adjustment(
            b.sam, code="BSL", meeting=b.meeting, by=b.sam, occurred_at=day(20)
        ),
        "proposals": lambda ledger: ledger.raise_proposal(
            b.body,
            proposers=[b.sam],
            title="Another",
            text="More.",
            meeting=b.meeting,
            occurred_at=day(20),
        ),
    }


@pytest.mark.parametrize(
    "step", ["papers", "attendance", "check-in", "requests", "proposals"]
)
def test_a_cancelled_meeting_takes_nothing_more(ledger: Ledger, step: str) -> None:
    """Papers, attendance, a check-in, a request or a proposal is refused."""
    b = board(ledger)
    proposal = raised_at_meeting(ledger, b)
    ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(10))
    with refused(ledger, MeetingCancelledError, match="called off"):
        _after(b, proposal)[step](ledger)
    view = ledger.meeting(b.meeting)
    assert (view.papers, view.attendance, view.check_ins, view.adjustments) == (
        (),
        (),
        0,
        (),
    )


def test_a_proposal_raised_at_a_meeting_called_off_is_voted_on_elsewhere(
    ledger: Ledger,
) -> None:
    """Its vote opens after the cancellation, unheld by the needs that lapsed with it.

    Withdrawing it and raising it again would count one proposal twice; a
    need for the proposal itself still holds its vote up.
    """
    b = board(ledger)
    proposal = raised_at_meeting(ledger, b)
    ledger.request_adjustment(
        b.sam, code="BSL", meeting=b.meeting, by=b.sam, occurred_at=day(3)
    )
    ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(10))
    assert ledger.unmet_adjustments(proposal) == ()
    with refused(ledger, TimeOrderError, match="cancellation of the meeting"):
        ledger.open_voting(proposal, by=b.admin, occurred_at=day(9))
    own = ledger.request_adjustment(
        b.sam, code="ER", proposal=proposal, by=b.sam, occurred_at=day(11)
    )
    with refused(ledger, UnmetAdjustmentsError):
        ledger.open_voting(proposal, by=b.admin, occurred_at=day(20))
    ledger.provide_adjustment(own, by=b.admin, occurred_at=day(12))
    meeting_before = ledger.meeting(b.meeting)
    electorate = ledger.open_voting(proposal, by=b.admin, occurred_at=day(20))
    assert set(electorate) == {b.admin, b.sam}
    assert ledger.proposal(proposal).status == "voting"
    assert ledger.meeting(b.meeting) == meeting_before  # no vote noted on it


@pytest.mark.parametrize("target", ["memory", "sqlite"])
def test_a_cancellation_survives_an_export_and_import(
    ledger: Ledger, target: str, tmp_path: Path
) -> None:
    """The event moves, line for line; the copy refuses what the source refuses."""
    b = board(ledger)
    ledger.issue_papers(b.meeting, by=b.admin, occurred_at=day(10))
    ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(12), source_ref="x")
    out = io.StringIO()
    ledger.export(out)
    lines = out.getvalue().splitlines()
    assert json.loads(lines[-1])["topic"].endswith("Meeting.Cancelled")
    url = "memory://" if target == "memory" else f"sqlite:///{tmp_path}/copy.db"
    with Ledger.open(url) as copy:
        copy.import_events(lines)
        again = io.StringIO()
        copy.export(again)
        assert again.getvalue().splitlines()[1:] == lines[1:]
        assert copy.meeting(b.meeting) == ledger.meeting(b.meeting)
        assert copy.meeting(b.meeting).cancelled_at == day(12)
        assert copy.power_sharing() == attrs.evolve(
            ledger.power_sharing(), tree_size=copy.power_sharing().tree_size
        )
        with refused(copy, MeetingCancelledError):
            copy.hold_check_in(b.meeting, by=b.admin, occurred_at=STARTS)


MEETING = "coledger.domain.meeting:Meeting"


@attrs.frozen
class CalledOffExport:
    """An export of the board, its meeting called off and one that took place."""

    lines: list[str]
    called_off: UUID
    held: UUID
    later: UUID


@pytest.fixture(scope="module")
def called_off_export() -> CalledOffExport:
    """The June board called off on day 12, after its papers and a request.

    A July board took place (attendance, a check-in, a vote opened on a
    proposal raised at it); a proposal raised in writing came after the
    cancellation.
    """
    with Ledger.open("memory://") as ledger:
        b = board(ledger)
        ledger.issue_papers(b.meeting, by=b.admin, occurred_at=day(10))
        ledger.request_adjustment(
            b.sam, code="BSL", meeting=b.meeting, by=b.sam, occurred_at=day(11)
        )
        ledger.cancel_meeting(b.meeting, by=b.admin, occurred_at=day(12))
        held = ledger.schedule_meeting(
            b.body,
            kind="decision_meeting",
            title="July board",
            starts_at=STARTS + timedelta(days=30),
            by=b.admin,
            occurred_at=day(13),
        )
        item = ledger.raise_proposal(
            b.body,
            proposers=[b.sam],
            title="Kit",
            text="Buy it.",
            meeting=held,
            occurred_at=day(14),
        )
        ledger.open_voting(item, by=b.admin, occurred_at=day(15))
        ledger.record_attendance(
            held, b.sam, by=b.admin, occurred_at=STARTS + timedelta(days=30)
        )
        ledger.hold_check_in(held, by=b.admin, occurred_at=STARTS + timedelta(days=30))
        later = ledger.raise_proposal(
            b.body,
            proposers=[b.sam],
            title="Later",
            text="Written.",
            occurred_at=day(16),
        )
        out = io.StringIO()
        ledger.export(out)
        return CalledOffExport(out.getvalue().splitlines(), b.meeting, held, later)


def appended(lines: list[str], event: str, source: UUID, into: UUID) -> list[str]:
    """*lines* with a copy of *source*'s first *event* row put last, in *into*."""
    header, *rows = (json.loads(line) for line in lines)
    row = next(
        r
        for r in rows
        if r["topic"] == f"{MEETING}.{event}" and r["originator_id"] == str(source)
    )
    new = json.loads(json.dumps(row))
    new["originator_id"] = str(into)
    new["originator_version"] = 1 + max(
        r["originator_version"] for r in rows if r["originator_id"] == str(into)
    )
    new["position"] = rows[-1]["position"] + 1
    header["events"] += 1
    return [json.dumps(r) for r in (header, *rows, new)]


@pytest.mark.parametrize(
    ("event", "source", "into", "says"),
    [
        ("PapersIssued", "called_off", "called_off", "takes no papers"),
        ("AttendanceRecorded", "held", "called_off", "takes no attendance"),
        ("WellbeingCheckInHeld", "held", "called_off", "takes no check-in"),
        ("AdjustmentLinked", "called_off", "called_off", "takes no requests"),
        ("VoteOpened", "held", "called_off", "takes no vote"),
        ("Cancelled", "called_off", "called_off", "already called off"),
        ("Cancelled", "called_off", "held", "took place"),
    ],
    ids=[
        "papers",
        "attendance",
        "check-in",
        "request",
        "vote",
        "called-off-twice",
        "called-off-after-it-took-place",
    ],
)
def test_an_import_refuses_a_meeting_step_its_command_refuses(
    called_off_export: CalledOffExport, event: str, source: str, into: str, says: str
) -> None:
    """A step after the cancellation, or a cancellation of a meeting held, is refused.

    The commands refuse them (MeetingCancelledError, WrongStateError), so an
    export holding one was edited: the figures would leave out a meeting with
    attendance on record, or count papers for a meeting called off.
    """
    export = called_off_export
    lines = appended(
        export.lines, event, getattr(export, source), getattr(export, into)
    )
    refused_import(lines, len(lines), says)


def test_a_proposal_raised_at_a_meeting_called_off_in_one_batch_imports() -> None:
    """A batch stores record by record, so its raising may follow the cancellation.

    Raised, then called off, in one batch: the proposal's line may come after
    the meeting's cancellation in the export, which must still import.
    """
    with Ledger.open("memory://") as ledger:
        b = board(ledger)
        with ledger.batch():
            again = ledger.schedule_meeting(
                b.body,
                kind="decision_meeting",
                title="Moved board",
                starts_at=STARTS,
                by=b.admin,
                occurred_at=day(1),
            )
            ledger.raise_proposal(
                b.body,
                proposers=[b.sam],
                title="Kit",
                text="Buy it.",
                meeting=again,
                occurred_at=day(2),
            )
            ledger.cancel_meeting(again, by=b.admin, occurred_at=day(3))
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    topics = [json.loads(line)["topic"].rsplit(".", 1)[-1] for line in lines[1:]]
    assert topics.index("Raised") > topics.index("Cancelled")
    with Ledger.open("memory://") as copy:
        assert copy.import_events(lines).events == len(lines) - 1
        assert copy.meeting(again).cancelled_at == day(3)


def test_the_called_off_export_imports_whole(
    called_off_export: CalledOffExport,
) -> None:
    """Unedited, the export of a meeting called off and one held imports."""
    with Ledger.open("memory://") as copy:
        imported = copy.import_events(called_off_export.lines)
        assert imported.events == len(called_off_export.lines) - 1
        assert copy.meeting(called_off_export.called_off).cancelled_at == day(12)
