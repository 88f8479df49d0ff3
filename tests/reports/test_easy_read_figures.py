"""The members' report says what its figures count, read from small real ledgers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from coledger import Ledger, Rule
from coledger.reports import render

START = datetime(2025, 1, 6, 18, tzinfo=UTC)
MEETINGS = 6
DECIDED = 4


def _day(n: int) -> datetime:
    return START + timedelta(days=n)


def _board(
    *,
    standing: bool = False,
    present: str = "all",
    seated: bool = True,
    name: str = "Board",
    raised_by_others: bool = False,
) -> tuple[Ledger, UUID]:
    """A board of ten voting seats, five with lived experience, meeting six times.

    Each of its six proposals gets a comment from each of the five members with
    lived experience; the first four are adopted by everyone, with feedback on
    every comment, and the last two are never decided. With *standing*, each of
    the five asks once for easy read at every meeting, and gets it. *present*
    says who of the five attends the meetings: "all", "one" (each in turn,
    alone of them) or "none".
    Without *seated*, only the five others hold (voting) seats. *name* is
    the board's name. With *raised_by_others*, the five without lived
    experience raise every proposal, so none of lived experience is adopted.
    """
    ledger = Ledger.open("memory://")
    admin = ledger.register_member("Admin", role="staff", occurred_at=_day(0))
    lived = [
        ledger.register_member(f"Trainer {i}", role="trainer", occurred_at=_day(0))
        for i in range(5)
    ]
    others = [
        ledger.register_member(f"Trustee {i}", role="trustee", occurred_at=_day(0))
        for i in range(5)
    ]
    for member, said in [(m, "DIS") for m in lived] + [(m, "NONE") for m in others]:
        ledger.declare_lived_experience(
            member, categories=[said], consent="explicit_consent", occurred_at=_day(0)
        )
    board = ledger.establish_body(
        name,
        kind="governance",
        rule=Rule.majority(quorum=0.5),
        by=admin,
        occurred_at=_day(0),
    )
    for member in (lived if seated else []) + others:
        ledger.assign_seat(board, member, seat="voting", by=admin, occurred_at=_day(0))
    if standing:
        for member in lived:
            asked = ledger.request_adjustment(member, code="ER", occurred_at=_day(1))
            ledger.provide_adjustment(asked, by=admin, occurred_at=_day(1))
    proposals = []
    for i in range(MEETINGS):
        when = _day(10 + 7 * i)
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title=f"Meeting {i}",
            starts_at=when,
            by=admin,
            occurred_at=_day(2),
        )
        attending = {"all": lived, "one": [lived[i % 5]], "none": []}[present]
        for member in attending + others:
            ledger.record_attendance(meeting, member, by=admin, occurred_at=when)
        proposer = others[i % 5] if raised_by_others else (lived + others)[i]
        proposal = ledger.raise_proposal(
            board,
            proposers=[proposer],
            title=f"Idea {i}",
            text="Text",
            occurred_at=when,
        )
        comments = [
            ledger.comment(proposal, author=m, text="A comment", occurred_at=when)
            for m in lived
        ]
        proposals.append((proposal, comments))
    for proposal, comments in proposals[:DECIDED]:
        ledger.decide(
            proposal,
            outcome="adopted",
            method="consensus",
            by=admin,
            decided_by=lived + others,
            occurred_at=_day(60),
        )
        ledger.give_feedback(
            proposal,
            comments=comments,
            text="We did it",
            by=admin,
            occurred_at=_day(61),
        )
    return ledger, board


def _members(ledger: Ledger, board: UUID, fmt: str = "text") -> str:
    report = ledger.power_sharing(body=board)
    return render(report, audience="members", format=fmt, names={str(board): "Board"})


def _point(text: str, heading: str) -> str:
    return text.split(heading, 1)[1].split("\n\n", 1)[0]


def test_support_counts_the_times_it_was_needed_not_asked_for() -> None:
    """Five standing requests over six meetings are 30 times support was due.

    X1 counts a standing request once at each meeting it covered, so its n
    is not how many times people asked: five people asked once each.
    """
    ledger, board = _board(standing=True)
    assert ledger.power_sharing(body=board).indicators["X1"].n == 5 * MEETINGS
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        assert "asked for support 30 times" not in out
        assert "People needed support 30 times." in out
    table = _members(ledger, board, "html").split("The numbers about support")[1]
    assert '<th scope="row">Times people needed support</th><td>30</td>' in table


def test_the_comments_counted_are_those_on_ideas_that_were_decided() -> None:
    """V5 counts the 20 comments on the four decided ideas, not all 30 made.

    The two ideas never decided drew ten more comments: "made 5 to 20
    comments" alone would undercount what they said (the public ladder gives
    the board's 30 as "21 to 40").
    """
    ledger, board = _board()
    report = ledger.power_sharing(body=board)
    assert report.indicators["V5"].n == 5 * DECIDED
    assert report.ladder[0].evidence["le_comments"] == 5 * MEETINGS
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        assert "made 5 to 20 comments." not in out
        assert "We made decisions about some ideas." in out
        assert "People with lived experience made 5 to 20 comments on them." in out
    table = _members(ledger, board, "html").split("The numbers about answers")[1]
    row = "Comments from people with lived experience on ideas we decided about"
    assert f'<th scope="row">{row}</th>' in table


def test_unequal_terms_are_not_put_down_to_support_alone() -> None:
    """A board whose support came every time, but where one trainer came alone.

    Equal terms fail on voting rights, a lone voter at decision meetings, or
    support not met; here only the lone voter failed them, so the ladder must
    not say that people did not get the support they needed.
    """
    ledger, board = _board(standing=True, present="one")
    report = ledger.power_sharing(body=board)
    assert report.indicators["X1"].value == 1
    assert "equal_terms_not_met" in report.ladder[0].flags
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        assert "They got it in time every time." in out
        assert "did not get the support they needed" not in out
        assert "Some things stopped them taking part as equals." in out


def test_a_lone_representative_may_be_no_representative() -> None:
    """R2 counts meetings with at most one voter of lived experience: none too.

    None of the five trainers came to the board's meetings, so the ladder
    must not say that one of them was alone at a meeting.
    """
    ledger, board = _board(present="none")
    report = ledger.power_sharing(body=board)
    assert "lone_representative" in report.ladder[0].flags
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        assert "one of them was alone" not in out
        assert "At some meetings, one or none of them was there to vote." in out


def test_a_token_seat_may_be_no_seat_at_all() -> None:
    """The flag token_seat is R1 below 15%, none included: "very few" would not do.

    The trainers hold none of the board's five voting seats, which the seats
    point says; the ladder must not say that they hold very few.
    """
    ledger, board = _board(seated=False)
    report = ledger.power_sharing(body=board)
    assert report.indicators["R1"].value == 0
    assert "token_seat" in report.ladder[0].flags
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        assert "People with lived experience hold none of them." in out
        assert "very few seats" not in out
        assert "They hold too few seats." in out


def test_the_names_on_the_ladder_are_isolated_in_html() -> None:
    """A right-to-left name standing alone on the ladder sits in its own bdi.

    As in the board's and the public's HTML (docs/reports.md, Accessibility):
    a heading or a table row holding only the name keeps its brackets and
    digits in place.
    """
    name = "ועד (2)"
    ledger, board = _board(name=name)
    out = render(ledger.power_sharing(body=board), audience="members", format="html")
    assert f">{name}</h3>" not in out
    assert f"<bdi>{name}</bdi></h3>" in out
    assert f'<th scope="row"><bdi>{name}</bdi></th>' in out


def test_the_organisation_s_name_in_the_title_is_isolated_in_html() -> None:
    """A right-to-left organisation name in the members' h1 sits in its own bdi.

    As in the board's and the public's h1: without it, a Hebrew name ending in
    a digit pulls the question mark after it to the wrong side.
    """
    name = "ועד 2"
    ledger, board = _board()
    out = render(
        ledger.power_sharing(body=board),
        audience="members",
        format="html",
        organisation=name,
    )
    assert f"<h1>Who has a say at <bdi>{name}</bdi>?</h1>" in out
    assert f"<title>Who has a say at {name}?</title>" in out


def test_a_period_with_no_decisions_does_not_claim_some_were_made() -> None:
    """Before the board decided anything, the answers point says nothing was decided.

    V5's comments are those on ideas decided in the period, so with no
    decision its count is none: "We made decisions about some ideas" (and a
    range of comments "on them") would contradict the decisions point's
    "not enough records" and the public report's 0 decisions beside it.
    """
    ledger, board = _board()
    report = ledger.power_sharing(body=board, until=_day(50))
    assert report.indicators["D1"].n == 0
    assert report.ladder[0].evidence["le_comments"] == 5 * MEETINGS
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt)
        answers = out.split("Did we tell people what happened")[1]
        answers = answers.split("How well do")[0]
        assert "We made decisions about some ideas." not in answers
        assert "comments on them" not in answers
        assert "We did not make any decisions in this time." in answers
        decisions = out.split("Who made the decisions?")[1].split("Who can vote")[0]
        assert "We did not make any decisions in this time." in decisions
    table = render(report, audience="members", format="html")
    table = table.split("The numbers about answers")[1]
    row = "Comments from people with lived experience on ideas we decided about"
    assert f'<th scope="row">{row}</th><td>none</td>' in table


def test_step_5_on_equal_terms_does_not_say_we_did_not_work_as_equals() -> None:
    """A board on step 5 by comments that changed things, on equal terms.

    Step 5 also holds processes where lived experience commented with
    influence, or decided outside design, without a proposal of theirs
    adopted: the public report then reads "equal terms: yes", so the
    members' report must not say that we did not work as equals.
    """
    ledger, board = _board(raised_by_others=True)
    report = ledger.power_sharing(body=board)
    rung = report.ladder[0]
    assert (rung.rung, rung.evidence["equal_terms"]) == ("ENGAGEMENT", True)
    public = render(report, audience="public", names={str(board): "Board"})
    assert "equal terms: yes" in public
    for fmt in ("text", "html"):
        out = _members(ledger, board, fmt)
        step = out.split("How well do we work together?")[1]
        assert "It is on step 5 of 7." in step
        assert "did not work as equals" not in step
        assert "But they did not yet help to plan it as equals." in step


def test_the_ladder_does_not_say_nobody_answered_where_we_answered_every_time() -> None:
    """A period's new comments went unanswered; the ideas decided in it were answered.

    The flag no_feedback_loop reads the comments made in the period, and the
    feedback given in it; the answers point, the comments on ideas decided
    in the period, whenever they were made. So the step's line must speak of
    the period's comments, not say that nobody told people what happened to
    their ideas beside "We told them what happened every time."
    """
    ledger, board = _board(raised_by_others=True)
    members = [m.id for m in ledger.members()]  # the admin, five trainers, five others
    later = ledger.raise_proposal(
        board, proposers=members[6:], title="Later", text="Text", occurred_at=_day(70)
    )
    for member in members[1:6]:
        ledger.comment(later, author=member, text="A comment", occurred_at=_day(70))
    report = ledger.power_sharing(body=board, since=_day(50))
    assert report.indicators["V5"].value == 1
    assert "no_feedback_loop" in report.ladder[0].flags
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt)
        assert "We told them what happened every time." in out
        assert "Nobody told people what happened to their ideas." not in out
        assert (
            "They made comments in this time. We did not answer them in this time."
            in out
        )


def test_late_involvement_does_not_say_people_were_asked_too_late() -> None:
    """The trainers decided the project's design, then commented only after it.

    late_involvement says that no lived-experience proposal or comment came
    before the first design decision; the record does not say when anyone
    was asked, and here the trainers took that decision themselves, which
    the step's own line says ("They helped to plan it").
    """
    ledger = Ledger.open("memory://")
    admin = ledger.register_member("Admin", role="staff", occurred_at=_day(0))
    lived = [
        ledger.register_member(f"Trainer {i}", role="trainer", occurred_at=_day(0))
        for i in range(5)
    ]
    others = [
        ledger.register_member(f"Trustee {i}", role="trustee", occurred_at=_day(0))
        for i in range(5)
    ]
    for member, said in [(m, "DIS") for m in lived] + [(m, "NONE") for m in others]:
        ledger.declare_lived_experience(
            member, categories=[said], consent="explicit_consent", occurred_at=_day(0)
        )
    board = ledger.establish_body(
        "Board", kind="governance", rule=Rule.majority(), by=admin, occurred_at=_day(0)
    )
    for member in lived + others:
        ledger.assign_seat(board, member, seat="voting", by=admin, occurred_at=_day(0))
    project = ledger.start_project(
        "Festival", label="co_design", by=admin, occurred_at=_day(0)
    )
    plan = ledger.raise_proposal(
        board, proposers=others, title="Plan", text="Text", project=project,
        phase="design", occurred_at=_day(5),
    )  # fmt: skip
    ledger.decide(
        plan, outcome="adopted", method="consensus", by=admin,
        decided_by=lived + others, occurred_at=_day(10),
    )  # fmt: skip
    run = ledger.raise_proposal(
        board, proposers=others, title="Run it", text="Text", project=project,
        phase="delivery", occurred_at=_day(20),
    )  # fmt: skip
    for member in lived:
        ledger.comment(run, author=member, text="A comment", occurred_at=_day(21))
    report = ledger.power_sharing(project=project)
    rung = report.ladder[0]
    assert rung.flags == ("late_involvement",)
    assert "design" in rung.evidence["decided_phases"]
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt)
        assert "They helped to plan it and to make choices." in out
        assert "asked too late" not in out
        assert "Their ideas did not come early enough." in out
