"""A share is withheld when any one group of the people it reads is small.

Not only when all of them together are few. Each test records the same
history twice, once with one key member declaring lived experience and once
without, and checks that the public report says the same of the figures that
read that member's lived experience.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from coledger import Ledger
from coledger.projections.ladder import FLAGS, NO_ACTIVITY
from coledger.projections.report import Rung
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from coledger.reports.suppression import SMALL_CELL, safe_rung
from people_helpers import Group, chair_decides, told

K = Thresholds().small_cell


def assert_same(
    code: str, story: Callable[[Group], None], *, key_seat: bool = True
) -> None:
    """Public *code* is the same whether the key member has lived experience or not."""
    with told(story, key_seat=key_seat) as (one, other):
        shown, hidden = (
            one.public()["indicators"][code],
            other.public()["indicators"][code],
        )
        assert shown == hidden, (one.people(code), other.people(code))
        assert shown["withheld"] == SMALL_CELL
        assert shown["note"].startswith(f"withheld: fewer than {K} people behind")


def a_lone_voter_overruled(group: Group) -> None:
    """30 decisions by consent, and 10 advisory votes only the key member voted in.

    Staff then reject each of those ten.
    """
    ledger = group.ledger
    for i in range(30):
        group.consent(group.propose(group.voters[i % 6]))
    for _ in range(10):
        proposal = group.propose(group.with_it[0])
        ledger.open_voting(
            proposal, by=group.admin, advisory=True, occurred_at=group.at()
        )
        ledger.cast_ballot(
            proposal, voter=group.key, choice="for", occurred_at=group.at()
        )
        ledger.close_advisory_vote(proposal, by=group.admin, occurred_at=group.at())
        ledger.decide(
            proposal,
            outcome="rejected",
            method="staff_executive",
            by=group.admin,
            occurred_at=group.at(),
        )


def test_d5_counts_the_voters_whose_majority_it_reads() -> None:
    """One voter's ballots, overruled by staff: D5 says whether they have it."""
    assert_same("D5", a_lone_voter_overruled)


def advised(group: Group, voters: list[UUID], outcome: str) -> None:
    """A proposal *voters* back in an advisory vote, then staff decide *outcome*."""
    ledger = group.ledger
    proposal = group.propose(group.with_it[0])
    ledger.open_voting(proposal, by=group.admin, advisory=True, occurred_at=group.at())
    for voter in voters:
        ledger.cast_ballot(proposal, voter=voter, choice="for", occurred_at=group.at())
    ledger.close_advisory_vote(proposal, by=group.admin, occurred_at=group.at())
    ledger.decide(
        proposal,
        outcome=outcome,
        method="staff_executive",
        by=group.admin,
        occurred_at=group.at(),
    )


def a_lone_voter_overruled_beside_deferrals(group: Group) -> None:
    """Ten advisory votes only the key member voted in, each rejected by staff.

    Five more, where the other five voting members voted, are deferred.
    """
    for i in range(30):
        group.consent(group.propose(group.voters[i % 6]))
    for _ in range(10):
        advised(group, [group.key], "rejected")
    for _ in range(5):
        advised(group, [*group.with_it, *group.without], "deferred")


def test_d5_leaves_out_the_voters_of_a_deferral_which_overrides_nothing() -> None:
    """A deferral weighs no ballots: D5 still reads one voter's lived experience."""
    assert_same("D5", a_lone_voter_overruled_beside_deferrals)


def a_chair_deciding_with_staff(group: Group) -> None:
    """Five projects of three phased proposals, each decided by the key member as chair.

    The proposals are raised by the voting members with lived experience; four
    staff, who hold no vote, are named as deciding beside the chair.
    """
    for project in group.projects(5):
        for i, phase in enumerate(("design", "delivery", "evaluation")):
            proposal = group.propose(group.with_it[i], project=project, phase=phase)
            group.ledger.decide(
                proposal,
                outcome="adopted",
                method="chair",
                by=group.admin,
                decided_by=[group.key, *group.staff],
                occurred_at=group.at(),
            )


def test_p1_counts_only_the_deciders_who_held_a_vote() -> None:
    """Staff named beside a chair deciding alone hold no vote: P1 reads the chair."""
    assert_same("P1", a_chair_deciding_with_staff)


def a_lone_core_proposer_among_governance_proposers(group: Group) -> None:
    """Five projects where the key member raises the only design proposal.

    The five other voting members each raise a governance proposal in every
    project, which all six decide together; governance scores no P1 point.
    """
    for project in group.projects(5):
        group.propose(group.key, project=project, phase="design")
        for proposer in (*group.with_it, *group.without):
            group.consent(group.propose(proposer, project=project, phase="governance"))


def test_p1_counts_only_the_people_of_the_phases_it_scores() -> None:
    """Governance proposers and deciders add no one: P1 reads one design proposer."""
    assert_same("P1", a_lone_core_proposer_among_governance_proposers)


def a_lone_proposer(group: Group) -> None:
    """Five projects where the key member raises every proposal.

    People without lived experience comment, and the six voting members decide.
    """
    commenters = [*group.without, *group.staff]
    for project in group.projects(5):
        for phase in ("design", "delivery", "evaluation"):
            proposal = group.propose(group.key, project=project, phase=phase)
            for author in commenters:
                group.comment(proposal, author)
            group.consent(proposal)


@pytest.mark.parametrize("code", ["A3", "P1", "P2"])
def test_one_proposer_among_many_commenters_and_deciders_is_too_few(code: str) -> None:
    """A3, P1 and P2 read the proposers beside others: one proposer is too few."""
    assert_same(code, a_lone_proposer)


def a_lone_first_proposer(group: Group) -> None:
    """Five projects where the key member alone speaks before the design decision.

    Her design proposal is decided by the six voting members; then each of
    the other five raises a delivery proposal, which the staff and the
    members without lived experience comment on.
    """
    for project in group.projects(5):
        group.consent(group.propose(group.key, project=project, phase="design"))
        for proposer in (*group.with_it, *group.without):
            proposal = group.propose(proposer, project=project, phase="delivery")
            for author in (*group.staff, *group.without):
                group.comment(proposal, author)


def test_a3_counts_the_people_who_spoke_before_the_design_decision() -> None:
    """Input after the first design decision cannot make A3: one before it is few."""
    assert_same("A3", a_lone_first_proposer)


def a_lone_first_proposer_then_a_month_on(group: Group) -> None:
    """As ``a_lone_first_proposer``, with the input after the decisions a month on.

    The key member's design proposals fall in March, everyone else's input
    in April, so the month of the first lived-experience input would say
    whether hers counted.
    """
    designs = []
    for project in group.projects(5):
        proposal = group.propose(group.key, project=project, phase="design")
        group.consent(proposal)
        designs.append(project)
    group.clock = itertools.count(24 * 40)  # the business clock jumps to April
    for project in designs:
        for proposer in (*group.with_it, *group.without):
            proposal = group.propose(proposer, project=project, phase="delivery")
            for author in (*group.staff, *group.without):
                group.comment(proposal, author)


@pytest.mark.parametrize(
    "story", [a_lone_first_proposer, a_lone_first_proposer_then_a_month_on]
)
def test_the_rung_withholds_what_the_people_before_the_design_decision_make(
    story: Callable[[Group], None],
) -> None:
    """late_involvement and the first input read only those who spoke before it."""
    read = ("late_involvement", "first_le_contribution")
    with told(story) as (one, other):
        for audience in ("public", "members"):
            ladders = [
                json.loads(render(g.report(), audience=audience, format="json"))[
                    "ladder"
                ]
                for g in (one, other)
            ]
            assert [{**r, "id": None} for r in ladders[0]] == [
                {**r, "id": None} for r in ladders[1]
            ]
            projects = [r for r in ladders[0] if r["unit"] == "project"]
            assert len(projects) == 5
            for rung in [*projects, *(r for r in ladders[0] if r["unit"] == "body")]:
                assert rung["rung"] == "CO_DESIGN"  # six proposers and deciders
                assert set(read) <= set(rung["withheld"])
                assert rung["evidence"]["first_le_contribution"] is None
                assert rung["evidence"]["first_design_decision"] is not None
                assert "late_involvement" not in rung["flags"]


def a_lone_attendee(group: Group) -> None:
    """Ten meetings only the key member attended, and 30 proposals commented on.

    Members with and without lived experience comment on each.
    """
    ledger = group.ledger
    for _ in range(10):
        meeting = group.meeting()
        ledger.record_attendance(
            meeting, group.key, by=group.admin, occurred_at=group.at()
        )
    for i in range(30):
        proposal = group.propose(group.voters[i % 6])
        for author in (*group.with_it, *group.without):
            group.comment(proposal, author)
        group.consent(proposal)


def test_v1_counts_the_attendees_it_weighs_comments_against() -> None:
    """V1 compares comments with attendance: one attendee is too few."""
    assert_same("V1", a_lone_attendee)


def a_lone_amender(group: Group) -> None:
    """30 adopted proposals, each amended by the key member to take up a comment.

    Each comment is by someone without lived experience.
    """
    ledger = group.ledger
    commenters = [*group.without, *group.staff]
    for i in range(30):
        proposal = group.propose(group.with_it[i % 3])
        taken = group.comment(proposal, commenters[i % len(commenters)])
        ledger.amend_proposal(
            proposal,
            by=group.key,
            text="Done better.",
            takes_up=[taken],
            occurred_at=group.at(),
        )
        group.consent(proposal)


def test_d4_counts_the_amenders_apart_from_the_comments_they_take_up() -> None:
    """One amender among many commenters taken up: D4 says whether they have it."""
    assert_same("D4", a_lone_amender)


def a_lone_amender_among_proposers_rewording_their_own(group: Group) -> None:
    """30 adopted proposals, each reworded by its proposer; the key member amends ten.

    Nine proposers with and without lived experience raise them in turn.
    """
    ledger = group.ledger
    proposers = [*group.with_it, *group.without, *group.staff]
    for i in range(30):
        proposer = proposers[i % len(proposers)]
        proposal = group.propose(proposer)
        ledger.amend_proposal(
            proposal, by=proposer, text="Mine, better.", occurred_at=group.at()
        )
        if i % 3 == 0:
            ledger.amend_proposal(
                proposal, by=group.key, text="Done better.", occurred_at=group.at()
            )
        group.consent(proposal)


def test_d4_counts_only_the_amenders_whose_lived_experience_it_reads() -> None:
    """Proposers rewording their own proposals weigh nothing: D4 reads one amender."""
    assert_same("D4", a_lone_amender_among_proposers_rewording_their_own)


def a_lone_evaluator(group: Group) -> None:
    """Ten evaluations the key member wrote.

    People without lived experience proposed their criteria.
    """
    ledger = group.ledger
    choosers = [*group.without, *group.staff]
    for _ in range(10):
        proposal = group.propose(group.with_it[0])
        group.consent(proposal)
        ledger.record_evaluation(
            proposal,
            summary="It worked.",
            authors=[group.key],
            criteria_proposed_by=choosers,
            by=group.admin,
            occurred_at=group.at(),
        )


def test_p3_counts_the_authors_apart_from_the_criteria_proposers() -> None:
    """One author among many proposers of criteria: P3 says whether they have it."""
    assert_same("P3", a_lone_evaluator)


def a_project_only_the_key_member_attends(group: Group) -> None:
    """A project whose ten meetings only the key member, who has no seat, attended.

    Six members with lived experience and six without hold the voting seats.
    """
    for i in range(3):
        group.with_it.append(group.member(f"More {i}", has_it=True, seat=True))
    for i in range(4):
        group.without.append(group.member(f"Other {i}", has_it=False, seat=True))
    ledger = group.ledger
    (project,) = group.projects(1)
    group.project = project
    for _ in range(10):
        meeting = group.meeting(project)
        ledger.record_attendance(
            meeting, group.key, by=group.admin, occurred_at=group.at()
        )
        ledger.raise_proposal(
            group.body,
            proposers=[group.with_it[0]],
            title="Item",
            text="Do it.",
            project=project,
            meeting=meeting,
            occurred_at=group.at(),
        )


def test_v4_counts_the_attendees_whose_silence_it_reads() -> None:
    """V4's n counts one attendee's attendances if they have it: one is too few."""
    with told(a_project_only_the_key_member_attends, key_seat=False) as (one, other):
        r1 = one.public()["indicators"]["R1"]
        assert r1 == other.public()["indicators"]["R1"]
        assert r1["withheld"] is None  # so V4 is not withheld with it
    assert_same("V4", a_project_only_the_key_member_attends, key_seat=False)


def a_lone_proposer_before_deciders_without(group: Group) -> None:
    """30 proposals the key member raised, adopted by five members without it."""
    for i in range(3):
        group.without.append(group.member(f"Other {i}", has_it=False, seat=True))
    for _ in range(30):
        proposal = group.propose(group.key)
        group.ledger.decide(
            proposal,
            outcome="adopted",
            method="consent",
            by=group.admin,
            decided_by=group.without,
            occurred_at=group.at(),
        )


def test_the_decisions_by_tag_go_with_a_share_of_a_few_people() -> None:
    """Tagged "influenced" or not, the decisions would give the lone proposer away."""
    with told(a_lone_proposer_before_deciders_without) as (one, other):
        shown, hidden = one.public(), other.public()
        assert shown["indicators"]["A1"]["withheld"] == SMALL_CELL
        assert shown["indicators"]["D1"]["withheld"] is None  # five deciders
        keys = ("decisions", "decisions_withheld", "decision_total")
        assert [shown[key] for key in keys] == [hidden[key] for key in keys]
        assert shown["decisions"] == []
        assert shown["decisions_withheld"].startswith(f"withheld: fewer than {K}")


def a_chair_deciding_alone(group: Group) -> None:
    """30 phased proposals that the key member raised and, as chair, decided alone."""
    chair_decides(group, 30, phases=("design", "delivery"))


def test_the_rung_of_a_body_its_chair_runs_alone_is_withheld() -> None:
    """The rung, its evidence and its flags would say what D1, withheld, does not."""
    with told(a_chair_deciding_alone) as (one, other):
        shown, hidden = one.public(), other.public()
        assert shown["indicators"]["D1"]["withheld"] == SMALL_CELL
        ladders = [
            [{**r, "id": None} for r in report["ladder"]] for report in (shown, hidden)
        ]
        assert ladders[0] == ladders[1]
        (rung,) = shown["ladder"]
        assert (rung["rung"], rung["level"], rung["flags"]) == (None, None, [])
        assert rung["withheld"][0] == "rung"
        assert set(rung["evidence"].values()) == {None}  # the label, not given
        for audience in ("public", "members"):
            texts = [
                render(g.report(), audience=audience, format=fmt)
                for g in (one, other)
                for fmt in ("text", "html")
            ]
            assert texts[0] == texts[2]
            assert texts[1] == texts[3]


def test_a_withheld_rung_is_written_as_one_line_with_its_reason() -> None:
    """The text names the reason once, not a "withheld" for each piece of evidence."""
    with told(a_chair_deciding_alone) as (one, _other):
        text = render(one.report(), audience="public", format="text")
        ladder = text.split("The ladder of co-production")[1].split("Indicators")[0]
        lines = [line for line in ladder.splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.startswith("Kit"))
        assert lines[start:] == [
            (
                "Kit Group (body): withheld: fewer than 5 people behind some of "
                "its records; flags: not shown"
            ),
            "    label the organisation gave it: not recorded",
        ]
        html = render(one.report(), audience="public", format="html")
        evidence = html.split("Evidence for <bdi>Kit Group</bdi>")[1].split(
            "</details>"
        )[0]
        assert "withheld" not in evidence  # only the label is left to show


def a_lone_action_owner(group: Group) -> None:
    """Ten delivery proposals the six voting members adopt together.

    They and two more members with lived experience raise them, so that five
    or more proposers have it whoever the key member is. The key member
    alone owns the actions that follow.
    """
    proposers = [*group.voters, *(group.member(f"With {x}", has_it=True) for x in "de")]
    for i in range(10):
        proposal = group.propose(proposers[i % len(proposers)], phase="delivery")
        group.consent(proposal)
        group.ledger.assign_action(
            proposal,
            description="Do it.",
            owners=[group.key],
            by=group.admin,
            occurred_at=group.at(),
        )


def test_the_evidence_one_action_owner_makes_is_withheld() -> None:
    """Actions counted by their owner's lived experience, of one owner, are hers."""
    with told(a_lone_action_owner) as (one, other):
        rungs = [g.public()["ladder"][0] for g in (one, other)]
        assert rungs[0]["rung"] is not None  # six proposers and deciders
        assert [{**r, "id": None} for r in rungs] == [
            {**rungs[1], "id": None},
            {**rungs[1], "id": None},
        ]
        assert rungs[0]["evidence"]["delivery_actions"] is None
        assert {"delivery_actions", "le_occasions", "one_off"} <= set(
            rungs[0]["withheld"]
        )


def test_a_rung_of_a_one_decider_project_is_withheld_in_every_report(
    demo_ledger: Ledger,
) -> None:
    """The demo's coach module has one decider: no report shows its rung."""
    (project,) = (p for p in demo_ledger.projects() if p.name.startswith("Coach"))
    board = demo_ledger.power_sharing(project=project.id)
    assert board.ladder[0].evidence["people"]["voting_deciders"] == 1
    scopes: list[tuple[UUID | None, UUID | None]] = [
        (None, None),
        (None, project.id),
        *((b.id, None) for b in demo_ledger.bodies()),
    ]
    for scope in scopes:
        report = demo_ledger.power_sharing(body=scope[0], project=scope[1])
        data = json.loads(render(report, audience="public", format="json"))
        for rung in data["ladder"]:
            if rung["id"] == str(project.id):
                assert (rung["rung"], rung["level"]) == (None, None), scope
                assert rung["evidence"]["decided_phases"] is None, scope


def test_a_rung_stored_before_people_were_counted_is_withheld() -> None:
    """Without ``people`` in its evidence, no group is known to be large enough."""
    rung = Rung("body", "b", "Board", "ENGAGEMENT", 5, ("one_off",), {"label": None})
    safe = safe_rung(rung, Thresholds())
    assert (safe.rung, safe.level, safe.flags) == (None, None, ())
    assert safe.withheld[0] == "rung"
    assert "one_off" in safe.withheld


def a_lone_requester(group: Group) -> None:
    """Ten meetings the key member asked Easy Read for, declined each time.

    The six voting members raise and adopt ten proposals together.
    """
    ledger = group.ledger
    for i in range(10):
        group.consent(group.propose(group.voters[i % 6]))
        meeting = group.meeting()
        asked = group.at()  # after the meeting began: due when asked, not before
        request = ledger.request_adjustment(
            group.key, code="ER", meeting=meeting, occurred_at=asked, needed_by=asked
        )
        ledger.decline_adjustment(
            request, by=group.admin, reason="unavailable", occurred_at=group.at()
        )


def test_the_declines_one_requester_had_are_withheld() -> None:
    """Declines counted by the requester's lived experience, of one requester."""
    with told(a_lone_requester) as (one, other):
        rungs = [g.public()["ladder"][0] for g in (one, other)]
        for key in ("unresolved_declines", "equal_terms", "capped_by_equal_terms"):
            assert rungs[0]["evidence"][key] is None, key
            assert rungs[1]["evidence"][key] is None, key
        assert rungs[0]["withheld"] == rungs[1]["withheld"]
        assert "equal_terms_not_met" in rungs[0]["withheld"]


def _one_commenter_in_the_period(*, has_it: bool) -> dict[str, Any]:
    """A panel's public report of the second half of 2025, its one commenter then.

    Five staff raise five proposals in January, and six members comment on
    them in February; from July only Sam comments, six times, with lived
    experience or without.
    """
    ledger = Ledger.open("memory://")
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    admin = ledger.register_member("Admin", role="staff", occurred_at=start)
    panel = ledger.establish_body(
        "Panel", kind="working_group", by=admin, occurred_at=start
    )
    proposals = [
        ledger.raise_proposal(
            panel,
            proposers=[ledger.register_member(f"Staff {i}", role="staff", by=admin)],
            title=f"Item {i}",
            text="An item.",
            occurred_at=start + timedelta(days=i),
        )
        for i in range(5)
    ]
    for i in range(6):
        early = ledger.register_member(f"Early {i}", by=admin, occurred_at=start)
        ledger.declare_lived_experience(
            early, categories=["DIS"] if i < 3 else ["NONE"], occurred_at=start
        )
        ledger.comment(
            proposals[i % 5],
            author=early,
            text="A comment.",
            channel="written",
            occurred_at=datetime(2025, 2, 1 + i, tzinfo=UTC),
        )
    sam = ledger.register_member("Sam", by=admin, occurred_at=start)
    ledger.declare_lived_experience(
        sam, categories=["DIS"] if has_it else ["NONE"], occurred_at=start
    )
    for i in range(6):
        ledger.comment(
            proposals[i % 5],
            author=sam,
            text="A comment.",
            channel="written",
            occurred_at=datetime(2025, 8, 1 + i, tzinfo=UTC),
        )
    report = ledger.power_sharing(
        body=panel,
        since=datetime(2025, 7, 1, tzinfo=UTC),
        until=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert report.indicators["V1"].people == 1
    shown: dict[str, Any] = json.loads(render(report, audience="public", format="json"))
    return shown


def test_a_rung_of_one_commenter_in_the_period_is_withheld() -> None:
    """Six who commented before the period do not hide the one who did in it."""
    one = _one_commenter_in_the_period(has_it=True)
    other = _one_commenter_in_the_period(has_it=False)
    (rung,), (same,) = one["ladder"], other["ladder"]
    assert (rung["rung"], rung["level"]) == (None, None)
    assert {**rung, "id": None} == {**same, "id": None}


def _idle_after_a_few(*, has_it: bool) -> tuple[dict[str, Any], str]:
    """A panel's public JSON and members' text for 2026, when nothing happened in it.

    In 2025 one member raised a proposal there and Sam, with lived experience
    or without, commented on it: too few to show the rung of any period they
    acted in.
    """
    ledger = Ledger.open("memory://")
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    admin = ledger.register_member("Admin", role="staff", occurred_at=start)
    panel = ledger.establish_body(
        "Panel", kind="working_group", by=admin, occurred_at=start
    )
    proposal = ledger.raise_proposal(
        panel, proposers=[admin], title="Item", text="An item.", occurred_at=start
    )
    sam = ledger.register_member("Sam", by=admin, occurred_at=start)
    ledger.declare_lived_experience(
        sam, categories=["DIS"] if has_it else ["NONE"], occurred_at=start
    )
    ledger.comment(
        proposal, author=sam, text="A comment.", channel="written", occurred_at=start
    )
    report = ledger.power_sharing(
        body=panel,
        since=datetime(2026, 1, 1, tzinfo=UTC),
        until=datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert report.ladder[0].rung == NO_ACTIVITY
    public = json.loads(render(report, audience="public", format="json"))
    return public, render(report, audience="members", format="text")


def test_a_process_with_no_activity_in_the_period_says_so_beside_few_people() -> None:
    """No activity is shown, not withheld as a step a few people's acts could give away.

    Nobody acted in the period, so the step reads nobody's lived experience;
    its evidence and flags, which read the few who acted before, stay withheld.
    """
    shown, members = _idle_after_a_few(has_it=True)
    other, _ = _idle_after_a_few(has_it=False)
    (rung,), (same,) = shown["ladder"], other["ladder"]
    assert (rung["rung"], rung["level"]) == (NO_ACTIVITY, 0)
    assert rung["flags"] == []
    assert set(FLAGS) <= set(rung["withheld"])
    assert all(v is None for k, v in rung["evidence"].items() if k != "label")
    assert {**rung, "id": None} == {**same, "id": None}
    assert "Nothing happened in this work at this time." in members
    assert "We do not show this step." not in members
