"""The titles the reports print above a figure say what that figure counts."""

from __future__ import annotations

from coledger import Ledger
from coledger.reports import render
from indicator_helpers import day, seated_board


def _title_line(text: str, code: str) -> str:
    """The line of a board text report that names indicator *code*."""
    return next(line for line in text.splitlines() if line.startswith(f"  {code} "))


def test_d5_title_does_not_claim_to_count_an_overturned_vote() -> None:
    """A chair overturning a vote no lived-experience member voted in is 0 under D5."""
    with Ledger.open("memory://") as ledger:
        ada, board, _lee, sol, kim, jo = seated_board(ledger, "Kim", "Jo")
        p = ledger.raise_proposal(
            board, proposers=[sol], title="Hire", text="A van.", occurred_at=day(1)
        )
        ledger.open_voting(p, by=ada, occurred_at=day(2))
        for voter in (sol, kim, jo):
            ledger.cast_ballot(p, voter=voter, choice="for", occurred_at=day(2))
        ledger.close_voting(p, by=ada, occurred_at=day(2))
        chair = ledger.decide(
            p, outcome="rejected", method="chair", by=sol, occurred_at=day(3)
        )
        assert chair.overrode_vote
        report = ledger.power_sharing()
        assert report.indicators["D5"].value == 0.0
        line = _title_line(render(report, audience="board", format="text"), "D5")
    assert "overrode a vote" not in line
    assert "against the lived-experience voters' majority" in line


def test_d4_title_names_amendments_not_every_lived_experience_proposal() -> None:
    """An adopted proposal raised by a member with lived experience is 0 under D4."""
    with Ledger.open("memory://") as ledger:
        ada, board, lee, *_ = seated_board(ledger)
        p = ledger.raise_proposal(
            board, proposers=[lee], title="Ramp", text="A ramp.", occurred_at=day(1)
        )
        ledger.decide(
            p, outcome="adopted", method="consensus", by=ada, occurred_at=day(2)
        )
        report = ledger.power_sharing()
        assert report.indicators["D4"].value == 0.0
        line = _title_line(render(report, audience="board", format="text"), "D4")
    assert "shaped by lived experience" not in line
    assert "amendment" in line


def test_a3_title_names_the_first_design_decision_not_the_start() -> None:
    """Lived experience in months after a project began is all of A3, as titled."""
    with Ledger.open("memory://") as ledger:
        ada, board, lee, sol = seated_board(ledger)
        project = ledger.start_project(
            "Kit", label="co_production", by=ada, occurred_at=day(0)
        )
        p = ledger.raise_proposal(
            board,
            proposers=[sol],
            title="Kit list",
            text="Buy kit.",
            project=project,
            phase="design",
            occurred_at=day(1),
        )
        ledger.comment(p, author=lee, text="Too heavy.", occurred_at=day(100))
        ledger.decide(
            p, outcome="adopted", method="consensus", by=ada, occurred_at=day(120)
        )
        report = ledger.power_sharing()
        assert report.indicators["A3"].value == 1.0
        line = _title_line(render(report, audience="board", format="text"), "A3")
    assert "from the start" not in line
    assert "first design decision" in line
