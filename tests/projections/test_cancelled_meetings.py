"""A meeting called off counts in no figure: the ledger reads as if never called.

Each test builds one organisation twice, once with a meeting that was called
off (with papers, requests for it unanswered when it was called off, a standing
request that would have covered it and a meeting-channel comment on its day) and once
without that meeting, and compares what the figures say.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import attrs
import pytest

from coledger import Ledger
from coledger.projections.facts import Facts
from coledger.projections.report import PowerSharingReport
from indicator_helpers import day, decide, seated_board

PERIODS = [(None, None), (12, 18), (0, 16), (14, 30)]
"""All time, the cancelled meeting's days alone, and periods across it."""
CODES = ["A2", "R2", "V2", "V4", "P2", "X1", "X2", "X3", "X4", "X5", "W2"]
"""The figures that read meetings, or requests for them."""


@attrs.frozen
class Org:
    """The organisation as built, with the ids its reports are asked by."""

    ledger: Ledger
    admin: UUID
    kai: UUID
    board: UUID
    plan: UUID
    called_off: UUID | None


def build(ledger: Ledger, *, with_cancelled: bool) -> Org:
    """A board meeting twice for a project, and perhaps a third meeting called off."""
    ada, board, lee, sol, kai = seated_board(ledger, "Kai")
    plan = ledger.start_project("Plan", label="co_design", by=ada, occurred_at=day(0))

    def meeting(starts: float) -> UUID:
        return ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Board on day {starts}",
            starts_at=day(starts),
            project=plan,
            by=ada,
            occurred_at=day(1),
        )

    standing = ledger.request_adjustment(sol, code="XT", occurred_at=day(1))
    ledger.provide_adjustment(standing, by=ada, occurred_at=day(3))
    first = meeting(10)
    ledger.issue_papers(first, formats=["ER"], by=ada, occurred_at=day(2))
    ledger.issue_papers(first, by=ada, occurred_at=day(9))
    raised = ledger.raise_proposal(
        board,
        proposers=[lee],
        title="Buy kit",
        text="Balls.",
        project=plan,
        meeting=first,
        occurred_at=day(5),
    )
    called_off = None
    if with_cancelled:
        called_off = meeting(15)
        ledger.issue_papers(called_off, formats=["ER"], by=ada, occurred_at=day(4))
        ledger.issue_papers(called_off, by=ada, occurred_at=day(12))
        ledger.request_adjustment(
            kai, code="BSL", meeting=called_off, by=kai, occurred_at=day(6)
        )
        late = ledger.request_adjustment(
            lee, code="BSL", meeting=called_off, by=lee, occurred_at=day(7)
        )
    for member in (lee, sol):
        ledger.record_attendance(first, member, by=ada, occurred_at=day(10))
    ledger.hold_check_in(first, by=ada, occurred_at=day(10))
    ledger.comment(raised, author=sol, text="Yes", occurred_at=day(10))
    # On the day the meeting called off would have been held.
    ledger.comment(raised, author=kai, text="Which balls?", occurred_at=day(15))
    decide(ledger, raised, ada, 16)
    second = meeting(20)
    ledger.issue_papers(second, by=ada, occurred_at=day(19))
    ledger.record_attendance(second, sol, by=ada, occurred_at=day(20))
    ledger.record_attendance(second, kai, by=ada, occurred_at=day(20))
    if called_off is not None:
        ledger.cancel_meeting(called_off, by=ada, occurred_at=day(14))
        # An answer after it was called off: the request was no longer needed.
        ledger.decline_adjustment(
            late, reason="insufficient_notice", by=ada, occurred_at=day(14.5)
        )
    ledger.raise_proposal(
        board, proposers=[sol], title="Later", text="More.", occurred_at=day(25)
    )
    return Org(ledger, ada, kai, board, plan, called_off)


@pytest.fixture(params=["memory", "sqlite"])
def pair(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[tuple[Org, Org]]:
    """The organisation with the meeting called off, and without that meeting."""
    urls = (
        ("memory://", "memory://")
        if request.param == "memory"
        else (f"sqlite:///{tmp_path}/with.db", f"sqlite:///{tmp_path}/without.db")
    )
    with Ledger.open(urls[0]) as with_it, Ledger.open(urls[1]) as without:
        yield build(with_it, with_cancelled=True), build(without, with_cancelled=False)


def scopes(org: Org) -> dict[str, dict[str, Any]]:
    """The ledger's scopes by name, as ``power_sharing`` takes them."""
    return {"ledger": {}, "board": {"body": org.board}, "plan": {"project": org.plan}}


def period(since: float | None, until: float | None) -> dict[str, Any]:
    """The period in days, as ``power_sharing`` takes it."""
    return {
        "since": None if since is None else day(since),
        "until": None if until is None else day(until),
    }


def readable(report: PowerSharingReport) -> dict[str, Any]:
    """What a report says, without the ids that differ between two ledgers."""
    return {
        "indicators": report.indicators,
        "ladder": [attrs.evolve(r, id="") for r in report.ladder],
        "tags": [(t.tag, t.le_originated) for t in report.decisions],
        "tag_people": report.tag_people,
    }


@pytest.mark.parametrize("code", CODES)
def test_a_cancelled_meeting_leaves_each_meeting_figure_as_without_it(
    pair: tuple[Org, Org], code: str
) -> None:
    """Each figure, in every scope and period, is what it is without the meeting."""
    with_it, without = pair
    for name, scope in scopes(with_it).items():
        for since, until in PERIODS:
            asked = {**scope, **period(since, until)}
            found = with_it.ledger.power_sharing(**asked).indicators[code]
            expected = without.ledger.power_sharing(
                **{**scopes(without)[name], **period(since, until)}
            ).indicators[code]
            assert found == expected, (name, since, until)


def test_a_cancelled_meeting_is_in_no_rung_evidence_or_tag(
    pair: tuple[Org, Org],
) -> None:
    """The ladder's rungs, flags and evidence, and the decision tags, are unchanged."""
    with_it, without = pair
    for name in ("ledger", "board", "plan"):
        for since, until in PERIODS:
            found = with_it.ledger.power_sharing(
                **scopes(with_it)[name], **period(since, until)
            )
            expected = without.ledger.power_sharing(
                **scopes(without)[name], **period(since, until)
            )
            assert readable(found) == readable(expected), (name, since, until)


def test_the_tables_leave_out_a_meeting_called_off_after_they_caught_up(
    pair: tuple[Org, Org],
) -> None:
    """Tables caught up before a cancellation come to the figures without it."""
    with_it, without = pair
    ledger = with_it.ledger
    assert with_it.called_off is not None
    other = ledger.schedule_meeting(
        with_it.board,
        kind="decision_meeting",
        title="Extra",
        starts_at=day(22),
        project=with_it.plan,
        by=with_it.admin,
        occurred_at=day(21),
    )
    ledger.power_sharing(materialised=True)  # the tables count it
    ledger.cancel_meeting(other, by=with_it.admin, occurred_at=day(21))
    for name in ("ledger", "board", "plan"):
        found = ledger.power_sharing(**scopes(with_it)[name], materialised=True)
        expected = without.ledger.power_sharing(
            **scopes(without)[name], materialised=True
        )
        assert readable(found) == readable(expected), name


def test_both_folds_read_the_cancellation(pair: tuple[Org, Org]) -> None:
    """Folding the decoded events gives the facts folded from the stored states."""
    ledger = pair[0].ledger
    decoded = Facts().apply_all((r.position, r.event) for r in ledger.history())
    assert decoded == ledger.facts()
    called_off = pair[0].called_off
    assert called_off is not None
    assert decoded.meetings[called_off].cancelled_at == day(14)


def test_a_request_answered_before_the_cancellation_keeps_its_answer() -> None:
    """X1 and X2 keep a request met or declined by then, but not one still open."""
    with Ledger.open("memory://") as ledger:
        ada, board, lee, sol, kai = seated_board(ledger, "Kai")
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="Called off",
            starts_at=day(15),
            by=ada,
            occurred_at=day(1),
        )

        def request(member: UUID, on: float) -> UUID:
            return ledger.request_adjustment(
                member, code="BSL", meeting=meeting, by=member, occurred_at=day(on)
            )

        met, refused, still_open = request(lee, 5), request(sol, 5), request(kai, 5)
        ledger.provide_adjustment(met, by=ada, occurred_at=day(8))
        ledger.decline_adjustment(
            refused, reason="insufficient_notice", by=ada, occurred_at=day(9)
        )
        ledger.cancel_meeting(meeting, by=ada, occurred_at=day(10))
        ledger.provide_adjustment(still_open, by=ada, occurred_at=day(11))
        ledger.raise_proposal(
            board, proposers=[sol], title="Later", text="More.", occurred_at=day(30)
        )
        figures = ledger.power_sharing().indicators
    x1, x2 = figures["X1"], figures["X2"]
    assert (x1.value, x1.n) == (0.5, 2)
    assert x1.note is not None
    assert x1.note.startswith("0 provided late, 1 declined")
    assert (x2.value, x2.n) == (0.5, 2)


def test_a_request_already_due_when_its_meeting_was_called_off_keeps_its_failure() -> (
    None
):
    """A cancellation after a request fell due takes back no failure, as a withdrawal.

    A standing request covers a meeting called off after its start, as it was
    due there then.
    """
    with Ledger.open("memory://") as ledger:
        ada, board, lee, sol, kai = seated_board(ledger, "Kai")

        def meeting(starts: float) -> UUID:
            return ledger.schedule_meeting(
                board,
                kind="decision_meeting",
                title=f"Day {starts}",
                starts_at=day(starts),
                by=ada,
                occurred_at=day(1),
            )

        def request(member: UUID, at: UUID, **kwargs: Any) -> UUID:
            return ledger.request_adjustment(
                member, code="BSL", meeting=at, by=member, occurred_at=day(5), **kwargs
            )

        ledger.request_adjustment(lee, code="XT", occurred_at=day(2))  # standing
        later, called_late = meeting(15), meeting(12)
        request(sol, later, needed_by=day(8))  # due on day 8: failed by day 10
        request(kai, later)  # due at the start: no longer needed on day 10
        request(kai, called_late)  # due on day 12, called off on day 13
        declined = request(lee, called_late)
        ledger.cancel_meeting(later, by=ada, occurred_at=day(10))
        ledger.cancel_meeting(called_late, by=ada, occurred_at=day(13))
        ledger.decline_adjustment(
            declined, reason="insufficient_notice", by=ada, occurred_at=day(14)
        )
        ledger.raise_proposal(
            board, proposers=[sol], title="Later", text="More.", occurred_at=day(30)
        )
        figures = ledger.power_sharing().indicators
    x1, x2 = figures["X1"], figures["X2"]
    # Sol's, Kai's for day 12, Lee's declined, and Lee's standing request at
    # the meeting of day 12, unanswered at its start.
    assert (x1.value, x1.n) == (0.0, 4)
    assert x1.note is not None
    assert x1.note.startswith("0 provided late, 1 declined (1 never made good), 3 ")
    assert (x2.value, x2.n) == (1.0, 1)
