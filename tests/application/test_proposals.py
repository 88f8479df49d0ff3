"""Proposals on every backend: raising, discussion, amendment, withdrawal, delivery."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from coledger import Ledger
from coledger.errors import (
    ActionAlreadyCompletedError,
    InvalidIdError,
    InvalidInputError,
    NotAMemberError,
    NotDecidedError,
    ProposalClosedError,
    SupporterNotAuthorisedError,
    TimeOrderError,
    UnknownActionError,
    UnknownBodyError,
    UnknownCommentError,
    UnknownMeetingError,
    UnknownProjectError,
    UnknownProposalError,
    VotingAlreadyOpenedError,
)
from helpers import refused


def setting(ledger: Ledger) -> tuple[UUID, UUID, UUID, UUID]:
    """An admin, two voting members and their board."""
    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    kim = ledger.register_member("Kim")
    board = ledger.establish_body("Board", kind="governance", by=admin)
    ledger.assign_seat(board, sam, by=admin)
    ledger.assign_seat(board, kim, by=admin)
    return admin, sam, kim, board


def adopt(ledger: Ledger, proposal: UUID, admin: UUID, voters: list[UUID]) -> None:
    """Adopt *proposal* by a unanimous vote."""
    ledger.open_voting(proposal, by=admin)
    for voter in voters:
        ledger.cast_ballot(proposal, voter=voter, choice="for")
    assert ledger.close_voting(proposal, by=admin).outcome == "adopted"


def test_raise_a_proposal_in_a_project_phase_and_meeting(ledger: Ledger) -> None:
    """A raised proposal keeps its proposers, place, wording and business time."""
    admin, sam, kim, board = setting(ledger)
    plan = ledger.start_project("Plan", label="co_production", by=admin)
    when = datetime(2024, 3, 2, 19, 15, tzinfo=UTC)
    meeting = ledger.schedule_meeting(
        board, kind="workshop", title="Design day", starts_at=when, by=admin
    )
    text = "We propose a café ☕ at the festival.\n\n- run by members\n\t- with pay"
    p = ledger.raise_proposal(
        board,
        proposers=[kim, sam, kim],
        title="Festival café",
        text=text,
        project=plan,
        phase="design",
        meeting=meeting,
        occurred_at=when,
    )
    view = ledger.proposal(p)
    assert view.proposers == (kim, sam)
    assert (view.body, view.project, view.phase, view.meeting) == (
        board,
        plan,
        "design",
        meeting,
    )
    assert (view.title, view.text, view.status) == ("Festival café", text, "raised")
    assert view.raised_at == when
    assert view.decision is None
    assert view.tally.participants == 0
    assert list(ledger.history())[-1].event.actor == kim  # the first proposer

    bare = ledger.raise_proposal(
        board, proposers=[sam], title="Bare", text="x", by=admin
    )
    bare_view = ledger.proposal(bare)
    assert (bare_view.project, bare_view.phase, bare_view.meeting) == (None, None, None)
    assert list(ledger.history())[-1].event.actor == admin
    assert [v.id for v in ledger.proposals()] == [p, bare]


def test_raising_refusals(ledger: Ledger) -> None:
    """Unknown bodies, projects, meetings and proposers stop a proposal being raised."""
    admin, sam, _, board = setting(ledger)
    with refused(ledger, NotAMemberError):
        ledger.raise_proposal(board, proposers=[sam, uuid4()], title="T", text="x")
    with refused(ledger, NotAMemberError):
        ledger.raise_proposal(board, proposers=[sam], title="T", text="x", by=uuid4())
    with refused(ledger, InvalidInputError):
        ledger.raise_proposal(board, proposers=[], title="T", text="x")
    with refused(ledger, InvalidIdError):
        ledger.raise_proposal(board, proposers=str(sam), title="T", text="x")  # type: ignore[arg-type]
    with refused(ledger, InvalidIdError):
        ledger.raise_proposal(board, proposers=[str(sam)], title="T", text="x")  # type: ignore[list-item]
    with refused(ledger, UnknownBodyError):
        ledger.raise_proposal(uuid4(), proposers=[sam], title="T", text="x")
    with refused(ledger, UnknownBodyError):
        ledger.raise_proposal(admin, proposers=[sam], title="T", text="x")
    with refused(ledger, UnknownProjectError):
        ledger.raise_proposal(
            board, proposers=[sam], title="T", text="x", project=uuid4()
        )
    with refused(ledger, UnknownMeetingError):
        ledger.raise_proposal(
            board, proposers=[sam], title="T", text="x", meeting=board
        )
    with refused(ledger, InvalidIdError):
        ledger.raise_proposal(
            board,
            proposers=[sam],
            title="T",
            text="x",
            project="plan",  # type: ignore[arg-type]
        )
    for query in (ledger.proposal, ledger.tally):
        with refused(ledger, UnknownProposalError):
            query(uuid4())
        with refused(ledger, UnknownProposalError):
            query(board)


def test_comments_amendments_feedback_and_accessible_versions(ledger: Ledger) -> None:
    """Discussion is recorded: comments, amendments taking them up, and feedback."""
    admin, sam, kim, board = setting(ledger)
    helper = ledger.register_member("Helper", role="supporter")
    p = ledger.raise_proposal(board, proposers=[sam], title="Old", text="Old text")
    first = ledger.comment(p, author=kim, text="Make it\nshorter.", channel="written")
    with refused(ledger, SupporterNotAuthorisedError):
        ledger.comment(p, author=kim, text="Via helper", supporter=helper)
    ledger.authorise_supporter(kim, helper)
    second = ledger.comment(
        p, author=kim, text="Easy read please", channel="bsl_video", supporter=helper
    )
    assert list(ledger.history())[-1].event.actor == helper
    third = ledger.comment(p, author=admin, text="Fine by me")
    comments = {c.id: c for c in ledger.proposal(p).comments}
    assert list(comments) == [first, second, third]
    assert (comments[first].author, comments[first].channel) == (kim, "written")
    assert comments[first].text == "Make it\nshorter."
    assert comments[first].supporter is None
    assert (comments[second].author, comments[second].supporter) == (kim, helper)
    assert comments[third].channel == "meeting"

    ledger.amend_proposal(p, by=sam, title="New", takes_up=[first, second])
    ledger.amend_proposal(p, by=sam, text="New text", takes_up=[first])
    view = ledger.proposal(p)
    assert (view.title, view.text, view.amendments) == ("New", "New text", 2)
    assert view.taken_up == frozenset({first, second})
    with refused(ledger, UnknownCommentError):
        ledger.amend_proposal(p, by=sam, takes_up=[first, uuid4()])

    ledger.publish_accessible_version(p, format="ER", by=admin)
    ledger.publish_accessible_version(p, format="BSLV", by=admin)
    feedback = ledger.give_feedback(
        p, comments=[first, second], text="You said shorter; we cut it.", by=admin
    )
    view = ledger.proposal(p)
    assert view.accessible_formats == ("ER", "BSLV")
    assert view.feedback == (feedback,)
    with refused(ledger, UnknownCommentError):
        ledger.give_feedback(p, comments=[uuid4()], text="x", by=admin)

    for unknown in (uuid4(), board):
        with refused(ledger, UnknownProposalError):
            ledger.comment(unknown, author=kim, text="x")
    with refused(ledger, NotAMemberError):
        ledger.comment(p, author=uuid4(), text="x")

    ledger.open_voting(p, by=admin)
    with refused(ledger, VotingAlreadyOpenedError):
        ledger.amend_proposal(p, by=sam, title="Too late")
    during = ledger.comment(p, author=kim, text="Still discussing during the vote")
    assert during in {c.id for c in ledger.proposal(p).comments}


def test_a_comment_of_another_proposal_is_refused_naming_the_proposal(
    ledger: Ledger,
) -> None:
    """Feedback or an amendment naming another proposal's comment says where it looked.

    The comment exists: "no comment with id ..." alone read as if it did not.
    """
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="P", text="x")
    q = ledger.raise_proposal(board, proposers=[kim], title="Q", text="y")
    elsewhere = ledger.comment(q, author=sam, text="On Q")
    with refused(ledger, UnknownCommentError, match=f"{elsewhere} on proposal {p}$"):
        ledger.give_feedback(p, comments=[elsewhere], text="Thanks", by=admin)
    with refused(ledger, UnknownCommentError, match=f"on proposal {p}$"):
        ledger.amend_proposal(p, by=sam, title="P2", takes_up=[elsewhere])


def test_an_unknown_comment_carries_the_proposal_it_was_looked_for_on(
    ledger: Ledger,
) -> None:
    """The refusal's ``on`` names the proposal, and ``record_id`` the comment."""
    _admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="P", text="x")
    q = ledger.raise_proposal(board, proposers=[kim], title="Q", text="y")
    elsewhere = ledger.comment(q, author=sam, text="On Q")
    with refused(ledger, UnknownCommentError) as refusal:
        ledger.amend_proposal(p, by=sam, title="P2", takes_up=[elsewhere])
    error = refusal.value
    assert isinstance(error, UnknownCommentError)
    assert error.record_id == elsewhere
    assert error.on == f"proposal {p}"


def test_steps_on_a_proposal_come_no_earlier_than_its_raising(ledger: Ledger) -> None:
    """Each step on a proposal dated before its raising is refused, storing nothing."""
    admin, sam, kim, board = setting(ledger)
    raised = datetime(2024, 3, 10, 19, tzinfo=UTC)
    before = raised - timedelta(seconds=1)
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=raised
    )
    said = ledger.comment(p, author=kim, text="Yes", occurred_at=raised)
    early_steps: list[Callable[[], object]] = [
        lambda: ledger.comment(p, author=kim, text="Early", occurred_at=before),
        lambda: ledger.amend_proposal(p, by=sam, text="New", occurred_at=before),
        lambda: ledger.publish_accessible_version(
            p, format="ER", by=admin, occurred_at=before
        ),
        lambda: ledger.give_feedback(
            p, comments=[said], text="Done", by=admin, occurred_at=before
        ),
        lambda: ledger.request_adjustment(
            kim, code="BSL", proposal=p, needed_before="vote", occurred_at=before
        ),
        lambda: ledger.withdraw_proposal(p, by=sam, occurred_at=before),
    ]
    for step in early_steps:
        with refused(ledger, TimeOrderError, match=re.escape(raised.isoformat())):
            step()
    assert ledger.adjustments() == []
    ledger.amend_proposal(p, by=sam, text="New", occurred_at=raised)
    ledger.publish_accessible_version(p, format="ER", by=admin, occurred_at=raised)
    ledger.give_feedback(p, comments=[said], text="Done", by=admin, occurred_at=raised)
    ledger.request_adjustment(
        kim, code="BSL", proposal=p, needed_before="vote", occurred_at=raised
    )
    ledger.withdraw_proposal(p, by=sam, occurred_at=raised)
    view = ledger.proposal(p)
    assert (view.status, view.text, view.accessible_formats) == (
        "withdrawn",
        "New",
        ("ER",),
    )


def test_a_withdrawal_comes_no_earlier_than_the_opening_of_the_vote(
    ledger: Ledger,
) -> None:
    """A withdrawal dated before the vote opened is refused; by default it follows."""
    admin, sam, _, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.open_voting(p, by=admin, occurred_at=ahead)
    with refused(ledger, TimeOrderError, match="last step"):
        ledger.withdraw_proposal(p, by=sam, occurred_at=ahead - timedelta(minutes=1))
    ledger.withdraw_proposal(p, by=sam)
    assert list(ledger.history())[-1].event.occurred_at == ahead


def test_a_withdrawal_comes_no_earlier_than_the_latest_ballot(ledger: Ledger) -> None:
    """A withdrawal dated before a ballot is refused; by default it follows it."""
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ledger.open_voting(p, by=admin)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.cast_ballot(p, voter=kim, choice="for", occurred_at=ahead)
    with refused(ledger, TimeOrderError, match="latest ballot"):
        ledger.withdraw_proposal(p, by=sam, occurred_at=ahead - timedelta(minutes=1))
    ledger.withdraw_proposal(p, by=sam)
    assert list(ledger.history())[-1].event.occurred_at == ahead
    assert ledger.proposal(p).status == "withdrawn"


def test_a_withdrawal_comes_no_earlier_than_the_close_of_the_vote(
    ledger: Ledger,
) -> None:
    """A withdrawal dated before a not_valid vote closed is refused, as the docs say."""
    admin, sam, _, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ledger.open_voting(p, by=admin)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    assert ledger.close_voting(p, by=admin, occurred_at=ahead).outcome == "not_valid"
    with refused(ledger, TimeOrderError, match="opening or close of its vote"):
        ledger.withdraw_proposal(p, by=sam, occurred_at=ahead - timedelta(minutes=1))
    ledger.withdraw_proposal(p, by=sam)
    assert list(ledger.history())[-1].event.occurred_at == ahead


def test_steps_at_the_default_time_follow_a_raising_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, each step on a proposal is dated no earlier than its raising."""
    admin, sam, kim, board = setting(ledger)
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=ahead
    )
    start = ledger.position
    said = ledger.comment(p, author=kim, text="Yes")
    ledger.amend_proposal(p, by=sam, text="New", takes_up=[said])
    ledger.publish_accessible_version(p, format="ER", by=admin)
    ledger.give_feedback(p, comments=[said], text="Done", by=admin)
    ledger.request_adjustment(kim, code="BSL", proposal=p, needed_before="vote")
    ledger.withdraw_proposal(p, by=sam)
    steps = list(ledger.history(after=start))
    assert len(steps) == 7  # the request is recorded twice: itself, and its link
    assert {r.event.occurred_at for r in steps} == {ahead}


def test_feedback_and_amendments_come_no_earlier_than_their_comments(
    ledger: Ledger,
) -> None:
    """Feedback, or an amendment, dated before a comment it follows is refused."""

    def on(day: int) -> datetime:
        return datetime(2024, 3, day, 12, tzinfo=UTC)

    admin = ledger.register_member("Admin", role="staff")
    sam, kim = ledger.register_member("Sam"), ledger.register_member("Kim")
    board = ledger.establish_body("Board", kind="governance", occurred_at=on(1))
    for member in (sam, kim):
        ledger.assign_seat(board, member, by=admin, occurred_at=on(1))
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=on(2)
    )
    early = ledger.comment(p, author=kim, text="Early", occurred_at=on(2))
    late = ledger.comment(p, author=kim, text="Late", occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="comment it answers"):
        ledger.give_feedback(
            p, comments=[early, late], text="Done", by=admin, occurred_at=on(4)
        )
    ledger.give_feedback(p, comments=[early], text="Done", by=admin, occurred_at=on(4))
    with refused(ledger, TimeOrderError, match=re.escape(on(6).isoformat())):
        ledger.amend_proposal(p, by=sam, takes_up=[late], occurred_at=on(5))
    ledger.amend_proposal(p, by=sam, text="y", takes_up=[late], occurred_at=on(7))
    # The vote and any decision are on the amended text, so they come after it.
    with refused(ledger, TimeOrderError, match="an amendment"):
        ledger.amend_proposal(p, by=sam, text="z", occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="an amendment"):
        ledger.open_voting(p, by=admin, occurred_at=on(6))
    with refused(ledger, TimeOrderError, match="an amendment"):
        ledger.decide(p, outcome="adopted", method="chair", by=admin, occurred_at=on(6))
    ledger.open_voting(p, by=admin, occurred_at=on(7))
    assert ledger.proposal(p).text == "y"


def test_follow_ups_at_the_default_time_follow_comments_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, feedback, an amendment and the vote follow the comments."""
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    said = ledger.comment(p, author=kim, text="Yes", occurred_at=ahead)
    start = ledger.position
    ledger.give_feedback(p, comments=[said], text="Done", by=admin)
    ledger.amend_proposal(p, by=sam, takes_up=[said])
    ledger.open_voting(p, by=admin)
    assert {r.event.occurred_at for r in ledger.history(after=start)} == {ahead}


def test_withdrawn_proposal_takes_no_more_changes(ledger: Ledger) -> None:
    """A withdrawn proposal refuses every change; a decided one all but news of it."""
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    c = ledger.comment(p, author=kim, text="Hmm")
    ledger.withdraw_proposal(p, by=sam, reason="Superseded by the new plan.")
    assert ledger.proposal(p).status == "withdrawn"
    with refused(ledger, ProposalClosedError):
        ledger.withdraw_proposal(p, by=sam)
    with refused(ledger, ProposalClosedError):
        ledger.comment(p, author=kim, text="x")
    with refused(ledger, ProposalClosedError):
        ledger.amend_proposal(p, by=sam, title="x")
    with refused(ledger, ProposalClosedError):
        ledger.open_voting(p, by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.decide(p, outcome="adopted", method="chair", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.publish_accessible_version(p, format="ER", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.give_feedback(p, comments=[c], text="x", by=admin)
    with refused(ledger, ProposalClosedError):
        ledger.request_adjustment(kim, code="ER", proposal=p)
    with refused(ledger, UnknownProposalError):
        ledger.withdraw_proposal(uuid4(), by=sam)
    with refused(ledger, NotAMemberError):
        ledger.withdraw_proposal(p, by=uuid4())

    decided = ledger.raise_proposal(board, proposers=[sam], title="D", text="x")
    said = ledger.comment(decided, author=kim, text="Add a ramp")
    adopt(ledger, decided, admin, [sam, kim])
    with refused(ledger, ProposalClosedError):
        ledger.withdraw_proposal(decided, by=sam)
    with refused(ledger, ProposalClosedError):
        ledger.comment(decided, author=kim, text="x")
    with refused(ledger, ProposalClosedError):
        ledger.request_adjustment(kim, code="ER", proposal=decided)
    # Telling people what became of their comments is still possible after a decision.
    did = ledger.give_feedback(decided, comments=[said], text="Ramp booked", by=admin)
    assert ledger.proposal(decided).feedback == (did,)
    ledger.publish_accessible_version(decided, format="ER", by=admin)
    assert "ER" in ledger.proposal(decided).accessible_formats
    ledger.request_adjustment(
        kim, code="ER", proposal=decided, needed_before="feedback"
    )


def test_delivery_and_evaluation_need_an_adopted_decision(ledger: Ledger) -> None:
    """Actions and evaluations follow adoption only; actions complete once."""
    admin, sam, kim, board = setting(ledger)
    undecided = ledger.raise_proposal(board, proposers=[sam], title="U", text="x")
    rejected = ledger.raise_proposal(board, proposers=[sam], title="R", text="x")
    ledger.decide(rejected, outcome="rejected", method="chair", by=admin)
    deferred = ledger.raise_proposal(board, proposers=[sam], title="F", text="x")
    ledger.decide(deferred, outcome="deferred", method="chair", by=admin)
    overridden = ledger.raise_proposal(board, proposers=[sam], title="O", text="x")
    adopt(ledger, overridden, admin, [sam, kim])
    ledger.decide(overridden, outcome="rejected", method="staff_executive", by=admin)
    for p in (undecided, rejected, deferred, overridden):
        with refused(ledger, NotDecidedError):
            ledger.assign_action(p, description="Do it", owners=[sam], by=admin)
        with refused(ledger, NotDecidedError):
            ledger.record_evaluation(p, summary="Went well", authors=[sam], by=admin)

    p = ledger.raise_proposal(board, proposers=[sam], title="A", text="x")
    adopt(ledger, p, admin, [sam, kim])
    due = datetime(2099, 1, 31, tzinfo=UTC) + timedelta(hours=9)  # after now
    action = ledger.assign_action(
        p, description="Book the venue", owners=[kim, sam], due=due, by=admin
    )
    other = ledger.assign_action(p, description="Tell members", owners=[sam], by=sam)
    actions = {a.id: a for a in ledger.proposal(p).actions}
    assert list(actions) == [action, other]
    assert actions[action].owners == (kim, sam)
    assert actions[action].due == due
    assert actions[action].completed_at is None
    assert actions[other].due is None

    done_at = datetime.now(UTC) + timedelta(hours=1)  # after the assignment
    ledger.complete_action(p, action, by=kim, occurred_at=done_at)
    assert {a.id: a for a in ledger.proposal(p).actions}[action].completed_at == done_at
    with refused(ledger, ActionAlreadyCompletedError):
        ledger.complete_action(p, action, by=kim)
    with refused(ledger, UnknownActionError):
        ledger.complete_action(p, uuid4(), by=kim)
    with refused(ledger, UnknownActionError, match=f"on proposal {undecided}$"):
        ledger.complete_action(undecided, other, by=kim)  # an action of p's
    with refused(ledger, InvalidIdError):
        ledger.complete_action(p, str(other), by=kim)  # type: ignore[arg-type]

    evaluation = ledger.record_evaluation(
        p,
        summary="Venue was step-free;\nmembers came.",
        authors=[kim],
        criteria_proposed_by=[sam, kim],
        by=admin,
    )
    (recorded,) = ledger.proposal(p).evaluations
    assert recorded.id == evaluation
    assert recorded.authors == (kim,)
    assert recorded.criteria_proposed_by == (sam, kim)
    assert recorded.summary == "Venue was step-free;\nmembers came."

    with refused(ledger, NotAMemberError):
        ledger.assign_action(p, description="x", owners=[uuid4()], by=admin)
    with refused(ledger, InvalidInputError):
        ledger.record_evaluation(p, summary="x", authors=[], by=admin)


def test_delivery_follows_the_adoption_in_business_time(ledger: Ledger) -> None:
    """Actions and evaluations before the adoption, completions before the action."""

    def on(day: int) -> datetime:
        return datetime(2024, 5, day, 12, tzinfo=UTC)

    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=on(1)
    )
    ledger.decide(p, outcome="adopted", method="chair", by=admin, occurred_at=on(10))
    with refused(ledger, TimeOrderError, match="before the proposal was adopted"):
        ledger.assign_action(
            p, description="Do", owners=[kim], by=admin, occurred_at=on(9)
        )
    with refused(ledger, TimeOrderError, match=re.escape(on(10).isoformat())):
        ledger.record_evaluation(
            p, summary="Good", authors=[kim], by=admin, occurred_at=on(9)
        )
    action = ledger.assign_action(
        p, description="Do", owners=[kim], by=admin, occurred_at=on(12)
    )
    with refused(ledger, TimeOrderError, match="before it was assigned"):
        ledger.complete_action(p, action, by=kim, occurred_at=on(11))
    ledger.complete_action(p, action, by=kim, occurred_at=on(12))
    ledger.record_evaluation(
        p, summary="Good", authors=[kim], by=admin, occurred_at=on(10)
    )
    view = ledger.proposal(p)
    assert view.actions[0].completed_at == on(12)
    assert len(view.evaluations) == 1


def test_an_action_is_not_due_before_it_was_assigned(ledger: Ledger) -> None:
    """A due date before the assignment is refused; one at it, or later, is kept."""
    admin, sam, kim, board = setting(ledger)
    start = datetime(2024, 5, 1, 12, tzinfo=UTC)
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=start
    )
    ledger.decide(p, outcome="adopted", method="chair", by=admin, occurred_at=start)
    assigned = start + timedelta(days=3)
    for late in (timedelta(seconds=1), timedelta(days=2)):
        with refused(ledger, TimeOrderError, match="the due date"):
            ledger.assign_action(
                p,
                description="Do",
                owners=[kim],
                by=admin,
                due=assigned - late,
                occurred_at=assigned,
            )
    with refused(ledger, TimeOrderError, match="the due date"):
        ledger.assign_action(  # at the default time, now
            p, description="Do", owners=[kim], by=admin, due=assigned
        )
    for due in (assigned, assigned + timedelta(days=7)):
        ledger.assign_action(
            p, description="Do", owners=[kim], by=admin, due=due, occurred_at=assigned
        )
    assert [a.due for a in ledger.proposal(p).actions] == [
        assigned,
        assigned + timedelta(days=7),
    ]


def test_delivery_at_the_default_time_follows_an_adoption_from_a_fast_clock(
    ledger: Ledger,
) -> None:
    """Without a time, actions, completions and evaluations follow the adoption."""
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="T", text="x")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a writer whose clock runs fast
    ledger.decide(p, outcome="adopted", method="chair", by=admin, occurred_at=ahead)
    start = ledger.position
    action = ledger.assign_action(p, description="Do", owners=[kim], by=admin)
    ledger.complete_action(p, action, by=kim)
    ledger.record_evaluation(p, summary="Good", authors=[kim], by=admin)
    assert {r.event.occurred_at for r in ledger.history(after=start)} == {ahead}


def test_a_refusal_for_want_of_an_adoption_says_what_is_in_force(
    ledger: Ledger,
) -> None:
    """Refused delivery names the decision in force, or says there is none yet."""
    admin, sam, kim, board = setting(ledger)
    undecided = ledger.raise_proposal(board, proposers=[sam], title="U", text="x")
    overridden = ledger.raise_proposal(board, proposers=[sam], title="O", text="x")
    adopt(ledger, overridden, admin, [sam, kim])
    ledger.decide(overridden, outcome="rejected", method="staff_executive", by=admin)
    withdrawn = ledger.raise_proposal(board, proposers=[sam], title="W", text="x")
    ledger.withdraw_proposal(withdrawn, by=sam)
    with refused(ledger, NotDecidedError, match="no decision yet"):
        ledger.assign_action(undecided, description="Do", owners=[sam], by=admin)
    with refused(ledger, NotDecidedError, match="it was withdrawn"):
        ledger.assign_action(withdrawn, description="Do", owners=[sam], by=admin)
    says = "its decision in force is 'rejected', by staff_executive"
    with refused(ledger, NotDecidedError, match=says):
        ledger.record_evaluation(overridden, summary="Good", authors=[sam], by=admin)


def test_an_overridden_adoption_takes_no_more_delivery(ledger: Ledger) -> None:
    """Once the adoption is overridden, its open actions can no longer be completed."""
    admin, sam, kim, board = setting(ledger)
    p = ledger.raise_proposal(board, proposers=[sam], title="A", text="x")
    adopt(ledger, p, admin, [sam, kim])
    action = ledger.assign_action(p, description="Book", owners=[kim], by=admin)
    ledger.decide(p, outcome="rejected", method="staff_executive", by=admin)
    with refused(ledger, NotDecidedError):
        ledger.complete_action(p, action, by=kim)
    with refused(ledger, UnknownActionError):  # an unknown action is still unknown
        ledger.complete_action(p, uuid4(), by=kim)
    assert ledger.proposal(p).actions[0].completed_at is None


def test_ids_given_as_generators_survive_a_retry(tmp_path: Path) -> None:
    """A command retried after another writer moved the head still sees its ids."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with Ledger.open(url) as mine, Ledger.open(url) as theirs:
        ana = mine.register_member("Ana Example")
        board = mine.establish_body("Board", kind="advisory", by=ana)
        mine.assign_seat(board, ana, by=ana)
        theirs.register_member("Someone else")  # the head moves behind mine's back
        p = mine.raise_proposal(
            board, proposers=(m for m in [ana]), title="Lights", text="Brighter."
        )
        assert mine.proposal(p).proposers == (ana,)
        theirs.register_member("Another one")
        mine.decide(
            p, outcome="adopted", method="consensus", by=ana, decided_by=iter([ana])
        )
        decision = mine.proposal(p).decision
        assert decision is not None
        assert decision.decided_by == (ana,)
        theirs.register_member("And another")
        action = mine.assign_action(
            p, description="Order bulbs", owners=iter([ana]), by=ana
        )
        theirs.register_member("And one more")
        mine.record_evaluation(
            p,
            summary="Brighter now.",
            authors=(m for m in [ana]),
            criteria_proposed_by=iter([ana]),
            by=ana,
        )
        assert action in {a.id for a in mine.proposal(p).actions}
        assert [e.authors for e in mine.proposal(p).evaluations] == [(ana,)]


def test_an_amendment_that_changes_nothing_is_refused(memory_ledger: Ledger) -> None:
    """Same words and no comment taken up is refused; new words or a comment is not."""
    admin, sam, _, board = setting(memory_ledger)
    p = memory_ledger.raise_proposal(board, proposers=[sam], title="Lights", text="On.")
    with refused(memory_ledger, InvalidInputError, match="changes nothing"):
        memory_ledger.amend_proposal(p, by=admin)
    with refused(memory_ledger, InvalidInputError, match="changes nothing"):
        memory_ledger.amend_proposal(p, by=admin, title="Lights", text="On.")
    said = memory_ledger.comment(p, author=sam, text="Brighter, please.")
    memory_ledger.amend_proposal(p, by=admin, takes_up=[said])  # same words, a comment
    assert memory_ledger.proposal(p).title == "Lights"
    memory_ledger.amend_proposal(p, by=admin, text="Off.")  # new words, no comment
    assert memory_ledger.proposal(p).text == "Off."


def test_an_amendment_taking_up_only_comments_already_taken_up_is_refused(
    memory_ledger: Ledger,
) -> None:
    """Same words and only comments taken up before change nothing, so are refused."""
    admin, sam, _, board = setting(memory_ledger)
    p = memory_ledger.raise_proposal(board, proposers=[sam], title="Lights", text="On.")
    said = memory_ledger.comment(p, author=sam, text="Brighter, please.")
    memory_ledger.amend_proposal(p, by=admin, takes_up=[said])
    with refused(memory_ledger, InvalidInputError, match="changes nothing"):
        memory_ledger.amend_proposal(p, by=admin, takes_up=[said])
    with refused(memory_ledger, InvalidInputError, match="changes nothing"):
        memory_ledger.amend_proposal(p, by=sam, title="Lights", takes_up=[said])
    assert memory_ledger.proposal(p).amendments == 1
    again = memory_ledger.comment(p, author=sam, text="And warmer.")
    memory_ledger.amend_proposal(p, by=admin, takes_up=[said, again])  # one is new
    assert memory_ledger.proposal(p).taken_up == {said, again}


def test_a_decision_after_a_vote_comes_no_earlier_than_its_delivery(
    ledger: Ledger,
) -> None:
    """A decision overriding a vote is not dated before work done on the vote's."""

    def on(day: int) -> datetime:
        return datetime(2025, 3, day, tzinfo=UTC)

    admin = ledger.register_member("Admin", role="staff")
    sam = ledger.register_member("Sam")
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=on(1)
    )
    ledger.assign_seat(board, sam, by=admin, occurred_at=on(1))
    p = ledger.raise_proposal(
        board, proposers=[sam], title="T", text="x", occurred_at=on(2)
    )
    ledger.open_voting(p, by=admin, occurred_at=on(3))
    ledger.cast_ballot(p, voter=sam, choice="for", occurred_at=on(4))
    ledger.close_voting(p, by=admin, occurred_at=on(10))
    action = ledger.assign_action(
        p, description="Buy kit", owners=[sam], by=admin, occurred_at=on(12)
    )
    with refused(ledger, TimeOrderError, match="delivery action or evaluation"):
        ledger.decide(
            p, outcome="rejected", method="chair", by=admin, occurred_at=on(11)
        )
    ledger.complete_action(p, action, by=sam, occurred_at=on(14))
    with refused(ledger, TimeOrderError, match="delivery action or evaluation"):
        ledger.decide(
            p, outcome="rejected", method="chair", by=admin, occurred_at=on(13)
        )
    decision = ledger.decide(
        p, outcome="rejected", method="chair", by=admin, occurred_at=on(14)
    )
    assert decision.overrode_vote
