"""Parity ratios over a small group, and what turns on them, are withheld."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from coledger import Ledger
from coledger.projections.ladder import GROUPS
from coledger.projections.lens import Figure
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from coledger.reports.suppression import (
    ADOPTION_EVIDENCE,
    SMALL_CELL,
    TAGS_GROUPS_NOTE,
    groups_note,
    seat_flags_shown,
)
from coledger.reports.vocabulary import INDICATORS, RATIO, TAGS, indicator
from people_helpers import Group
from report_helpers import report

K = Thresholds().small_cell
SAFE = ("public", "members")
"""The audiences whose reports suppress small cells."""
RATIOS = ("D3", "V1", "R3", "R5", "R6", "X5")
"""Every parity ratio: each compares lived experience with everyone else."""
WORDS = "well below equal"
"""The words of the band a ratio of 0.3 is shown in."""


def ratio(code: str, groups: tuple[int, ...], value: float | None = 0.3) -> Figure:
    """A parity ratio of *value* over *groups*, its n their first pair's total."""
    return Figure(code, value, groups[0] + groups[1], 1.0, "low", "3 of 4", 9, groups)


def outputs(made: PowerSharingReport, audience: str) -> dict[str, str]:
    """The report for *audience* in every format."""
    return {
        fmt: render(made, audience=audience, format=fmt)
        for fmt in ("json", "text", "html")
    }


def with_small_cell(code: str) -> list[tuple[int, ...]]:
    """The figure's groups with each count in turn from 1 to k - 1, the rest many."""
    size = 4 if code in {"V1", "R5"} else 2
    return [
        tuple(small if i == at else 20 for i in range(size))
        for at in range(size)
        for small in (1, K - 1)
    ]


def test_every_comparison_of_lived_experience_with_the_others_is_a_ratio() -> None:
    """The figures this file covers are exactly the reports' parity ratios."""
    assert {c for c, i in INDICATORS.items() if i.kind == RATIO} == set(RATIOS)


@pytest.mark.parametrize("code", RATIOS)
def test_a_ratio_is_published_only_while_every_group_it_compares_is_large(
    code: str,
) -> None:
    """A group of 1 to k - 1 withholds the ratio, value or not; all at k show it."""
    for groups in with_small_cell(code):
        for value in (0.3, None):
            made = report({code: ratio(code, groups, value)})
            for audience in SAFE:
                out = outputs(made, audience)
                shown = json.loads(out["json"])["indicators"][code]
                assert shown["withheld"] == SMALL_CELL, (groups, audience)
                assert shown["value"] is None
                assert shown["note"] == groups_note(code, K)
                assert indicator(code).group_unit in shown["note"]
                for fmt in ("text", "html"):
                    assert WORDS not in out[fmt], (groups, audience, fmt)
            board = json.loads(render(made, audience="board", format="json"))
            assert board["indicators"][code]["groups"] == list(groups)
    made = report({code: ratio(code, (K,) * len(groups))})
    out = outputs(made, "public")
    shown = json.loads(out["json"])["indicators"][code]
    assert shown["withheld"] is None
    assert shown["value"] == "well below equal (under 0.5)"
    for fmt in ("text", "html"):
        assert WORDS in out[fmt], fmt
    members = json.loads(render(made, audience="members", format="json"))
    assert members["indicators"][code]["value"] == shown["value"]


@pytest.mark.parametrize("code", RATIOS)
def test_a_ratio_without_its_groups_is_withheld(code: str) -> None:
    """A ratio with unknown groups (stored before they were counted) is withheld."""
    made = report({code: Figure(code, 1.0, 30, 1.0, "parity")})
    for audience in SAFE:
        shown = json.loads(render(made, audience=audience, format="json"))
        assert shown["indicators"][code]["withheld"] == SMALL_CELL


@pytest.mark.parametrize("code", ["D3", "V1"])
def test_the_decision_tags_go_with_a_ratio_over_a_small_group(code: str) -> None:
    """One proposal's tag moves a count across a range edge: the tags are withheld."""
    tags = tuple(TAGS) * 5
    small, large = with_small_cell(code)[0], (K,) * len(with_small_cell(code)[0])
    withheld = report({code: ratio(code, small)}, tags=tags)
    shown = report({code: ratio(code, large)}, tags=tags)
    for audience in SAFE:
        out = json.loads(render(withheld, audience=audience, format="json"))
        assert (out["decisions"], out["decision_total"]) == ([], len(tags))
        assert out["decisions_withheld"] == TAGS_GROUPS_NOTE.format(k=K)
        out = json.loads(render(shown, audience=audience, format="json"))
        assert [t["tag"] for t in out["decisions"]] == list(TAGS)


def test_equal_terms_are_not_flagged_from_an_r3_over_a_small_group() -> None:
    """The flag restates R3, so it is shown only while R3 would be."""

    def evidence(r3_groups: list[int] | None) -> dict[str, Any]:
        return {
            "figures": {"R1": 0.5, "R2": 0.0, "R3": 0.5},
            "figures_n": {"R1": 10, "R2": 10, "R3": 12},
            "figures_groups": {"R1": None, "R2": None, "R3": r3_groups},
        }

    th = Thresholds()
    assert seat_flags_shown(evidence([6, 6]), th)["equal_terms_not_met"]
    assert not seat_flags_shown(evidence([1, 11]), th)["equal_terms_not_met"]
    assert not seat_flags_shown(evidence(None), th)["equal_terms_not_met"]


def rung(le_proposals: int, *, turns: bool, proposers: int | None = None) -> Rung:
    """A body's rung over many people, reading *le_proposals* proposals.

    They have *proposers* proposers with lived experience (as many as the
    proposals, unless given).
    """
    return Rung(
        "body",
        str(uuid.uuid4()),
        "Board",
        "ENGAGEMENT",
        5,
        (),
        {
            "label": None,
            "proposed_phases": ["design"],
            "adopted_phases": [],
            "influence_evidence": False,
            "decided_phases": ["design"],
            "people": dict.fromkeys(GROUPS, 9),
            "le_proposals": le_proposals,
            "le_proposers": le_proposals if proposers is None else proposers,
            "turns_on_adoption": turns,
        },
    )


def test_a_rung_that_turns_on_a_few_proposals_is_withheld() -> None:
    """Whether one of 1 to k - 1 proposals was adopted would move the rung."""
    for audience in SAFE:
        for count in (1, K - 1):
            made = report({}, ladder=(rung(count, turns=True),))
            out = json.loads(render(made, audience=audience, format="json"))
            assert out["ladder"][0]["rung"] is None
            assert "step 5" not in render(made, audience=audience, format="text")
        for proposers in (1, K - 1):  # many proposals, a few people's
            made = report({}, ladder=(rung(K, turns=True, proposers=proposers),))
            out = json.loads(render(made, audience=audience, format="json"))
            assert out["ladder"][0]["rung"] is None
        made = report({}, ladder=(rung(K, turns=True),))
        out = json.loads(render(made, audience=audience, format="json"))
        assert out["ladder"][0]["rung"] == "ENGAGEMENT"


def test_a_rung_that_does_not_turn_on_a_few_proposals_hides_only_their_evidence() -> (
    None
):
    """Where their adoption cannot move the rung it is shown, without their phases."""
    made = report({}, ladder=(rung(2, turns=False),))
    for audience in SAFE:
        out = json.loads(render(made, audience=audience, format="json"))["ladder"][0]
        assert out["rung"] == "ENGAGEMENT"
        for key in ADOPTION_EVIDENCE:
            assert out["evidence"][key] is None
            assert key in out["withheld"]
        assert out["evidence"]["decided_phases"] == ["design"]
        assert "le_proposals" not in out["evidence"]
        assert "le_proposers" not in out["evidence"]
        assert "turns_on_adoption" not in out["evidence"]


# The reviewer's case -------------------------------------------------------------


def six_members(le_index: int) -> tuple[Ledger, uuid.UUID, list[uuid.UUID]]:
    """A new ledger: Ada (staff) and M0 to M5, of whom only *le_index* has it."""
    ledger = Ledger.open("memory://")
    admin = ledger.register_member("Ada", role="staff")
    members = [
        ledger.register_member(f"M{i}", role="member", by=admin) for i in range(6)
    ]
    for i, m in enumerate(members):
        declared = ["DIS"] if i == le_index else ["NONE"]
        ledger.declare_lived_experience(m, categories=declared)
    return ledger, admin, members


def reviewer_ledger(le_index: int) -> tuple[Ledger, str]:
    """Six seated members raise a proposal each; M0's alone is rejected.

    Only member *le_index* declares lived experience; which proposals were
    adopted is known from the minutes. Returns the ledger and the board's id.
    """
    ledger, admin, members = six_members(le_index)
    board = ledger.establish_body("Board", kind="governance", by=admin)
    for m in members:
        ledger.assign_seat(board, m, by=admin)
    for i, proposer in enumerate(members):
        p = ledger.raise_proposal(board, proposers=[proposer], title=f"P{i}", text="x")
        ledger.open_voting(p, by=admin)
        for m in members:
            choice = "against" if i == 0 else "for"
            ledger.cast_ballot(p, voter=m, choice=choice)
        ledger.close_voting(p, by=admin)
    return ledger, str(board)


def test_the_reviewers_case_reports_the_same_whoever_has_lived_experience() -> None:
    """Whether the one rejected proposer has lived experience changes no safe report."""
    seen: list[dict[str, str]] = []
    for le_index in (0, 3):
        ledger, board = reviewer_ledger(le_index)
        with ledger:
            made = ledger.power_sharing()
            assert made.indicators["D3"].groups == (1, 5, 1, 5)
            assert made.ladder[0].evidence["le_proposals"] == 1
            assert made.ladder[0].evidence["turns_on_adoption"] is True
            seen.append(
                {
                    f"{audience}/{fmt}": render(
                        made, audience=audience, format=fmt
                    ).replace(board, "<board>")  # a new id each run
                    for audience in SAFE
                    for fmt in ("json", "text", "html")
                }
            )
    first, second = seen
    for key, body in first.items():
        assert body == second[key], key
    public = json.loads(first["public/json"])
    assert public["indicators"]["D3"]["withheld"] == SMALL_CELL
    assert all(r["rung"] is None for r in public["ladder"])


def test_a_scope_with_no_comments_still_counts_its_decisions_by_tag() -> None:
    """With no comment made, V1 compares no small group, so the tags are shown."""
    with Ledger.open("memory://") as ledger:
        group = Group(ledger, key_has_it=True)
        extra = group.member("Extra", has_it=True)  # five with it, seven without
        proposers = [*group.voters, extra, *group.staff]  # five with it
        for who in [*proposers, *proposers]:
            group.consent(group.propose(who))
        assert group.report().indicators["V1"].groups == (0, 0, 5, 7, 0, 0, 5, 7)
        public = group.public()
    assert public["decisions_withheld"] is None
    assert public["decision_total"] == 22
    assert [row["tag"] for row in public["decisions"]] == list(TAGS)
    v1 = public["indicators"]["V1"]
    assert (v1["withheld"], v1["note"]) == (None, "not enough evidence for a figure")


# One proposer's several proposals ---------------------------------------------------


def many_proposals_ledger(le_index: int) -> tuple[Ledger, str]:
    """M0 raises five proposals, all rejected; M1 to M5 one each, all adopted.

    Only member *le_index* declares lived experience. Returns the ledger and
    the board's id.
    """
    ledger, admin, members = six_members(le_index)
    board = ledger.establish_body("Board", kind="governance", by=admin)
    for m in members:
        ledger.assign_seat(board, m, by=admin)
    for j, i in enumerate([0, 0, 0, 0, 0, 1, 2, 3, 4, 5]):
        p = ledger.raise_proposal(
            board, proposers=[members[i]], title=f"P{j}", text="x"
        )
        ledger.open_voting(p, by=admin)
        for m in members:
            ledger.cast_ballot(p, voter=m, choice="against" if i == 0 else "for")
        ledger.close_voting(p, by=admin)
    return ledger, str(board)


def test_five_proposals_of_one_proposer_are_one_person_in_d3() -> None:
    """D3 over one proposer's five rejected proposals is withheld, not "well below"."""
    for le_index in (0, 3):
        ledger, _ = many_proposals_ledger(le_index)
        with ledger:
            made = ledger.power_sharing()
            assert made.indicators["D3"].groups is not None
            for audience in SAFE:
                out = json.loads(render(made, audience=audience, format="json"))
                d3 = out["indicators"]["D3"]
                assert (d3["value"], d3["withheld"]) == (None, SMALL_CELL), le_index


def test_a_rung_that_turns_on_one_proposers_five_proposals_is_withheld() -> None:
    """The rung turns on whether one proposer's five proposals were adopted."""
    for le_index in (0, 3):
        ledger, _ = many_proposals_ledger(le_index)
        with ledger:
            made = ledger.power_sharing()
            assert made.ladder[0].evidence["turns_on_adoption"] is True
            for audience in SAFE:
                out = json.loads(render(made, audience=audience, format="json"))
                for entry in out["ladder"]:
                    assert (entry["rung"], entry["level"]) == (None, None), le_index
                    assert entry["withheld"][0] == "rung"


def one_loud_commenter_ledger(le_index: int) -> Ledger:
    """M0 comments ten times, M1 to M5 once each; five silent members have it.

    Of the six commenters only member *le_index* declares lived experience.
    """
    ledger, admin, members = six_members(le_index)
    for i in range(5):
        quiet = ledger.register_member(f"Q{i}", role="member", by=admin)
        ledger.declare_lived_experience(quiet, categories=["DIS"])
    board = ledger.establish_body("Board", kind="governance", by=admin)
    p = ledger.raise_proposal(board, proposers=[admin], title="P", text="x")
    for author in [members[0]] * 10 + members[1:]:
        ledger.comment(p, author=author, text="A view.", channel="written")
    return ledger


def test_ten_comments_of_one_commenter_are_one_person_in_v1() -> None:
    """V1 over one commenter's ten comments is withheld, not "above equal"."""
    for le_index in (0, 3):
        with one_loud_commenter_ledger(le_index) as ledger:
            made = ledger.power_sharing()
            for audience in SAFE:
                out = json.loads(render(made, audience=audience, format="json"))
                v1 = out["indicators"]["V1"]
                assert (v1["value"], v1["withheld"]) == (None, SMALL_CELL), le_index


@pytest.mark.parametrize("code", RATIOS)
def test_a_ratio_over_everyone_with_lived_experience_is_withheld(code: str) -> None:
    """No one on the others' side of a pair: all of them have it: withheld."""
    size = 4 if code in {"V1", "R5"} else 2
    for at in range(0, size, 2):
        groups = tuple(0 if i == at + 1 else 9 for i in range(size))
        for value in (0.3, None):
            made = report({code: ratio(code, groups, value)})
            for audience in SAFE:
                out = json.loads(render(made, audience=audience, format="json"))
                assert out["indicators"][code]["withheld"] == SMALL_CELL, groups
    made = report(
        {code: ratio(code, tuple(0 if i % 2 == 0 else 9 for i in range(size)))}
    )
    out = json.loads(render(made, audience="public", format="json"))
    assert out["indicators"][code]["withheld"] is None  # "none" is shown
