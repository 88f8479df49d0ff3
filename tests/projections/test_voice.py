"""Voice (V1, V2, V4-V6) on small hand-built histories, worked out by hand."""

from __future__ import annotations

from datetime import timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger import Ledger
from coledger.projections.lens import INSUFFICIENT, Figure, Lens, Scope
from coledger.projections.thresholds import Thresholds
from coledger.projections.voice import (
    compute,
    feedback_closure,
    participation,
    v1,
    v2,
    v4,
    v5,
    v6,
)
from indicator_helpers import day, decide, lens, person, seated_board

TH = Thresholds()
HOUR = timedelta(hours=1)


def raise_(
    ledger: Ledger,
    body: UUID,
    proposers: list[UUID],
    on: float,
    *,
    meeting: UUID | None = None,
) -> UUID:
    """Raise a proposal on day *on*."""
    return ledger.raise_proposal(
        body,
        proposers=proposers,
        title="A proposal",
        text="Some words.",
        meeting=meeting,
        occurred_at=day(on),
    )


def comment(
    ledger: Ledger, proposal: UUID, author: UUID, on: float, channel: str = "meeting"
) -> UUID:
    """Comment on day *on*."""
    return ledger.comment(
        proposal, author=author, text="A view.", channel=channel, occurred_at=day(on)
    )


def meeting(
    ledger: Ledger,
    body: UUID,
    on: float,
    by: UUID,
    attendees: dict[UUID, str] | list[UUID] | None = None,
) -> UUID:
    """A decision meeting on day *on* with its attendance recorded."""
    held = ledger.schedule_meeting(
        body, kind="decision_meeting", title="Meeting", starts_at=day(on), by=by
    )
    modes = attendees if isinstance(attendees, dict) else dict.fromkeys(attendees or [])
    for member, mode in modes.items():
        ledger.record_attendance(held, member, mode=mode or "in_person", by=by)
    return held


def _lee_sol_board(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """Lee (lived experience from day 0), Sol (none) and a board with no seats."""
    lee = person(ledger, "Lee", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    return lee, sol, board


def is_insufficient(figure: Figure) -> bool:
    """Whether the figure reports a lack of evidence."""
    return (
        figure.value is None
        and figure.note is not None
        and figure.note.startswith(INSUFFICIENT)
    )


# V1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("le_comments", "other_comments", "value", "band"),
    [
        (1, 3, 0.5, "quiet"),  # LE share 1/4 = 0.25 over 0.5 attending
        (2, 2, 1.0, "balanced"),  # 2/4 = 0.5 over 0.5
        (3, 2, 1.2, "balanced"),  # 3/5 = 0.6 over 0.5, up to 1.25 still balanced
        (3, 1, 1.5, "dominant"),  # 3/4 = 0.75 over 0.5
    ],
)
def test_v1_compares_comment_share_with_attendee_share(
    memory_ledger: Ledger,
    le_comments: int,
    other_comments: int,
    value: float,
    band: str,
) -> None:
    """V1 divides the LE share of comments by the LE share of attendances."""
    ledger = memory_ledger
    le1 = person(ledger, "Lee", le_from=0)
    le2 = person(ledger, "Lou", le_from=0)
    s1 = person(ledger, "Sol", none_from=0)
    s2 = person(ledger, "Sam", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    meeting(ledger, board, 10, s1, [le1, le2, s1, s2])  # LE attendances 2/4 = 0.5
    p = raise_(ledger, board, [s1], 9)
    channels = ["meeting", "written", "easy_read_form", "bsl_video", "one_to_one"]
    for i in range(le_comments):
        comment(ledger, p, le1, 10, channels[i])  # every channel counts the same
    for _ in range(other_comments):
        comment(ledger, p, s1, 10)
    figure = v1(lens(ledger), TH)
    assert figure.value == pytest.approx(value)
    assert figure.band == band
    assert figure.n == le_comments + other_comments
    assert figure.coverage == 1
    # Its groups: the comments with and without, then the attendances, then
    # the people behind each: Lee and Sol commenting (one each, at most), and
    # two attendees on each side.
    commenters = (min(le_comments, 1), min(other_comments, 1))
    assert figure.groups == (le_comments, other_comments, 2, 2, *commenters, 2, 2)


def test_v1_falls_back_to_the_membership_without_attendance(
    memory_ledger: Ledger,
) -> None:
    """With no attendance records, V1 divides by the LE share of eligible members."""
    ledger = memory_ledger
    le = person(ledger, "Lee", le_from=0)
    staff = person(ledger, "Sol", none_from=0)
    person(ledger, "Una")
    ivy = person(ledger, "Ivy")
    gone = person(ledger, "Gil", le_from=0)
    person(ledger, "Late", le_from=60, joined=60)  # joins after the period
    ledger.erase_member(gone, by=staff, occurred_at=day(20))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    p = raise_(ledger, board, [staff], 1)
    comment(ledger, p, le, 5)
    comment(ledger, p, staff, 6)
    comment(ledger, p, ivy, 7)
    figure = v1(lens(ledger, until=50), TH)
    # Eligible before day 50, not erased: Lee, Sol, Una, Ivy -> LE share 1/4.
    # Comments: 1 of 3 LE -> (1/3) / (1/4) = 4/3 -> dominant.
    assert figure.value == pytest.approx(4 / 3)
    assert figure.band == "dominant"
    assert figure.note is not None
    assert "membership" in figure.note
    # Its groups: comments 1 and 2, then eligible members 1 and 3, then the
    # people behind them: commenters 1 and 2, and the members again.
    assert figure.groups == (1, 2, 1, 3, 1, 2, 1, 3)
    # Lee and Sol declared, Ivy did not -> 2/3.
    assert figure.coverage == pytest.approx(2 / 3)


def test_v1_reads_status_at_each_comment(memory_ledger: Ledger) -> None:
    """A comment made before its author declared is not an LE comment."""
    ledger = memory_ledger
    kai = person(ledger, "Kai")
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    meeting(ledger, board, 30, sol, [kai, sol])
    p = raise_(ledger, board, [sol], 1)
    comment(ledger, p, kai, 5)
    ledger.declare_lived_experience(kai, categories=["DIS"], occurred_at=day(10))
    comment(ledger, p, kai, 15)
    comment(ledger, p, sol, 16)
    comment(ledger, p, sol, 17)
    figure = v1(lens(ledger), TH)
    # LE comments: only the day-15 one -> 1/4. Attendance day 30: Kai LE -> 1/2.
    # 0.25 / 0.5 = 0.5 -> quiet. Coverage: Kai undeclared on day 5 -> 3/4.
    assert figure.value == pytest.approx(0.5)
    assert figure.band == "quiet"
    assert figure.coverage == pytest.approx(0.75)


def test_v1_follows_scope_and_period(memory_ledger: Ledger) -> None:
    """Comments on another body's proposals, or outside the period, do not count."""
    ledger = memory_ledger
    le = person(ledger, "Lee", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    meeting(ledger, board, 10, sol, [le, sol])
    meeting(ledger, group, 10, sol, [sol])
    on_board = raise_(ledger, board, [sol], 1)
    on_group = raise_(ledger, group, [sol], 1)
    comment(ledger, on_board, le, 5)
    comment(ledger, on_board, sol, 25)
    comment(ledger, on_group, le, 5)
    comment(ledger, on_group, sol, 6)
    # Board: comments 1 of 2 LE over attendance 1/2 -> 1.0.
    assert v1(lens(ledger, Scope.body(board)), TH).value == pytest.approx(1.0)
    # Board before day 20: only Lee's comment -> 1/1 over 1/2 = 2.0.
    assert v1(lens(ledger, Scope.body(board), until=20), TH).value == pytest.approx(2)
    # Group: 1 of 2 LE, but no LE attendee -> insufficient.
    group_figure = v1(lens(ledger, Scope.body(group)), TH)
    assert is_insufficient(group_figure)
    assert group_figure.n == 2
    # Ledger: 2 of 4 comments LE over attendances 1 of 3 LE -> 1.5.
    assert v1(lens(ledger), TH).value == pytest.approx(1.5)
    # No comments at all after day 30.
    assert is_insufficient(v1(lens(ledger, since=30), TH))


def test_v1_withdrawal_makes_past_comments_undeclared(memory_ledger: Ledger) -> None:
    """After a withdrawal, the member's earlier comments count as undeclared."""
    ledger = memory_ledger
    wyn = person(ledger, "Wyn", le_from=0)
    lee, sol, board = _lee_sol_board(ledger)
    meeting(ledger, board, 3, sol, [wyn, lee, sol])
    p = raise_(ledger, board, [sol], 1)
    comment(ledger, p, wyn, 4)
    comment(ledger, p, lee, 4)
    ledger.withdraw_lived_experience(wyn, occurred_at=day(10))
    figure = v1(lens(ledger), TH)
    # Comments: Lee's only is LE -> 1/2. Attendances: Lee of Wyn, Lee, Sol -> 1/3.
    # (1/2) / (1/3) = 1.5. Coverage: Wyn now undeclared -> 1/2.
    assert figure.value == pytest.approx(1.5)
    assert figure.coverage == pytest.approx(0.5)


@st.composite
def histories(
    draw: st.DrawFn,
) -> tuple[list[str], list[int], list[tuple[int, int]], bool, int, int]:
    """Statuses, attendees, comments (author, day), a period flag, the extra comment."""
    statuses = draw(
        st.lists(
            st.sampled_from(["le", "le_late", "none", "undeclared"]),
            min_size=1,
            max_size=4,
        )
    )
    statuses = ["none", *statuses]  # member 0 never has lived experience
    members = range(len(statuses))
    attendees = draw(st.lists(st.sampled_from(members), max_size=4, unique=True))
    comments = draw(
        st.lists(
            st.tuples(st.sampled_from(members), st.integers(1, 20)),
            max_size=6,
        )
    )
    extra_day = draw(st.integers(1, 20))
    quiet = [
        i
        for i, s in enumerate(statuses)
        if s in {"none", "undeclared"} or (s == "le_late" and extra_day < 10)
    ]
    extra_author = draw(st.sampled_from(quiet))
    return statuses, attendees, comments, draw(st.booleans()), extra_author, extra_day


@given(histories())
def test_v1_never_rises_when_a_member_without_lived_experience_comments(
    history: tuple[list[str], list[int], list[tuple[int, int]], bool, int, int],
) -> None:
    """Adding one comment by a member without lived experience never raises V1."""
    statuses, attendees, comments, bounded, extra_author, extra_day = history
    with Ledger.open("memory://") as ledger:
        ids = []
        for i, status in enumerate(statuses):
            ids.append(
                person(
                    ledger,
                    f"M{i}",
                    le_from={"le": 0, "le_late": 10}.get(status),
                    none_from=0 if status == "none" else None,
                )
            )
        board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
        meeting(ledger, board, 12, ids[0], [ids[i] for i in attendees])
        p = raise_(ledger, board, [ids[0]], 0)
        for author, on in comments:
            comment(ledger, p, ids[author], on)
        since, until = (5, 15) if bounded else (None, None)
        before = v1(lens(ledger, since=since, until=until), TH)
        comment(ledger, p, ids[extra_author], extra_day)
        after = v1(lens(ledger, since=since, until=until), TH)
    if before.value is not None:
        assert after.value is not None
        assert after.value <= before.value + 1e-12


# V2 ---------------------------------------------------------------------------------


def test_v2_gini_over_every_member_including_the_silent(memory_ledger: Ledger) -> None:
    """V2 is the Gini of comments + proposals + amendments, zeros included."""
    ledger = memory_ledger
    person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    bea = person(ledger, "Bea", none_from=0)
    person(ledger, "Cal")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    p = raise_(ledger, board, [lee], 1)
    comment(ledger, p, lee, 2)
    comment(ledger, p, lee, 3)
    c = comment(ledger, p, bea, 3)
    ledger.amend_proposal(p, by=bea, takes_up=[c], occurred_at=day(4))
    figure = v2(lens(ledger), TH)
    # Counts: Ada 0, Lee 1 + 2 = 3, Bea 1 + 1 = 2, Cal 0 -> [0, 3, 2, 0], total 5.
    # Sum of |a - b| over ordered pairs = 2 * (3 + 2 + 0 + 1 + 3 + 2) = 22.
    # Gini = 22 / (2 * 4 * 5) = 0.55 -> above 0.5: dominated.
    assert figure.value == pytest.approx(0.55)
    assert figure.n == 4
    assert figure.band == "dominated"
    # Means: Lee 3; the others (0 + 2 + 0) / 3 = 0.67.
    assert figure.note == "mean acts: lived experience 3.00, others 0.67"
    # Ada, Lee and Bea declared, Cal did not -> 3/4.
    assert figure.coverage == pytest.approx(0.75)
    assert v2(lens(ledger), Thresholds(gini_dominated=0.6)).band == "spread"


def test_v2_eligibility_period_and_body_scope(memory_ledger: Ledger) -> None:
    """V2 leaves out later joiners and those erased before, and narrows to a body's."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    bea = person(ledger, "Bea", none_from=0)
    gil = person(ledger, "Gil")
    person(ledger, "Late", joined=40)
    ledger.erase_member(gil, by=admin, occurred_at=day(2))
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    ledger.assign_seat(board, lee, by=admin, occurred_at=day(0))
    ledger.assign_seat(board, bea, by=admin, occurred_at=day(0))
    p = raise_(ledger, board, [lee], 1)
    comment(ledger, p, lee, 2)
    comment(ledger, p, bea, 3)
    comment(ledger, p, bea, 35)  # after the period
    q = raise_(ledger, group, [admin], 5)
    comment(ledger, q, admin, 6)
    whole = lens(ledger, until=30)
    # Eligible before day 30: Ada, Lee, Bea, and Gil, a member until his erasure
    # on day 2 (Late joins day 40).
    # Counts: Ada 2, Lee 2, Bea 1, Gil 0 -> pairs 0 + 1 + 2 + 1 + 2 + 1 = 7,
    # ordered 14. Gini = 14 / (2 * 4 * 5) = 7/20.
    assert participation(whole) == {admin: 2, lee: 2, bea: 1, gil: 0}
    figure = v2(whole, TH)
    assert figure.value == pytest.approx(7 / 20)
    assert figure.band == "spread"
    # From day 2 on Gil is erased: Ada 2, Lee 1 (day 2), Bea 1 -> 4 / 24 = 1/6.
    after = lens(ledger, since=2, until=30)
    assert participation(after) == {admin: 2, lee: 1, bea: 1}
    assert v2(after, TH).value == pytest.approx(1 / 6)
    # Board scope: its seat holders Lee and Bea; Ada's group work is elsewhere.
    # Counts: Lee 2, Bea 1 -> 2 * 1 / (2 * 2 * 3) = 1/6.
    on_board = lens(ledger, Scope.body(board), until=30)
    assert participation(on_board) == {lee: 2, bea: 1}
    assert v2(on_board, TH).value == pytest.approx(1 / 6)
    # Group scope: no seats or attendance, but Ada acted -> one member, Gini 0.
    assert participation(lens(ledger, Scope.body(group))) == {admin: 2}
    assert v2(lens(ledger, Scope.body(group)), TH).value == 0


def test_v2_body_scope_counts_attendees_beside_seat_holders(
    memory_ledger: Ledger,
) -> None:
    """A body's V2 counts its seat holders and those who attended without a seat."""
    ledger = memory_ledger
    admin = person(ledger, "Ada", none_from=0)
    lee = person(ledger, "Lee", le_from=0)
    gus = person(ledger, "Gus", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    ledger.assign_seat(board, lee, by=admin, occurred_at=day(0))
    meeting(ledger, board, 5, admin, [gus])
    raise_(ledger, board, [lee], 6)
    on_board = lens(ledger, Scope.body(board))
    # Lee (seat, one proposal) and Gus (attended, silent); Ada is neither.
    assert participation(on_board) == {lee: 1, gus: 0}
    # Counts [1, 0]: ordered pairs 2 * |1 - 0| = 2, over 2 * 2 * 1 -> 0.5,
    # which is not above the 0.5 cut: spread, not dominated.
    figure = v2(on_board, TH)
    assert figure.value == pytest.approx(0.5)
    assert figure.band == "spread"


def test_v2_is_insufficient_without_any_act(memory_ledger: Ledger) -> None:
    """With members but no comments, proposals or amendments V2 is insufficient."""
    ledger = memory_ledger
    person(ledger, "Lee", le_from=0)
    person(ledger, "Sol", none_from=0)
    assert is_insufficient(v2(lens(ledger), TH))


def test_v2_without_any_act_still_counts_its_members(memory_ledger: Ledger) -> None:
    """V2 with no act still gives the members it counted as n, and their coverage."""
    ledger = memory_ledger
    person(ledger, "Lee", le_from=0)
    person(ledger, "Sol", none_from=0)
    person(ledger, "Kim")
    figure = v2(lens(ledger), TH)
    assert is_insufficient(figure)
    assert figure.n == 3
    assert figure.coverage == pytest.approx(2 / 3)


# V4 ---------------------------------------------------------------------------------


def test_v4_silent_le_attendances_without_naming_anyone(memory_ledger: Ledger) -> None:
    """V4 is the share of LE attendances with no comment or proposal at the meeting."""
    ledger = memory_ledger
    le1 = person(ledger, "Lee", le_from=0)
    le2 = person(ledger, "Lou", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    una = person(ledger, "Una")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    m1 = meeting(ledger, board, 10, sol, [le1, le2, sol])
    m2 = meeting(ledger, board, 20, sol, [le1, le2, sol, una])
    m3 = meeting(
        ledger, board, 30, sol, {le1: "asynchronous", le2: "in_person", sol: ""}
    )
    m4 = meeting(ledger, board, 40, sol, [le2, sol])
    meeting(ledger, board, 50, sol, [le2, una])  # nobody heard there: not counted
    p1 = raise_(ledger, board, [le1], 10, meeting=m1)  # Lee heard at m1
    comment(ledger, p1, le2, 10)  # Lou heard at m1
    raise_(ledger, board, [sol], 20, meeting=m2)
    comment(ledger, p1, le2, 20, "written")  # not said at m2: not heard there
    p3 = raise_(ledger, board, [sol], 30, meeting=m3)
    comment(ledger, p3, le1, 30)  # Lee (attending asynchronously) heard at m3
    raise_(ledger, board, [sol], 40, meeting=m4)
    figure = v4(lens(ledger), TH)
    # LE attendances: m1 Lee, Lou heard; m2 Lee, Lou silent; m3 Lee heard, Lou
    # silent; m4 Lou silent -> 4 silent of 7 (nobody was heard on day 50).
    assert figure.value == pytest.approx(4 / 7)
    assert figure.n == 7
    assert figure.band == "some_silent"
    # Lou was silent at m2, m3 and m4 in a row.
    assert figure.note == "1 member(s) silent at 3 or more meetings in a row"
    # All attendances 3 + 4 + 3 + 2 = 12; only Una's is undeclared -> 11/12.
    assert figure.coverage == pytest.approx(11 / 12)
    assert not any(str(m) in repr(figure) for m in (le1, le2, sol, una))
    # Up to day 15 only m1: nobody silent.
    early = v4(lens(ledger, until=15), TH)
    assert (early.value, early.band) == (0, "none_silent")


def test_v4_without_lived_experience_attending_still_gives_coverage(
    memory_ledger: Ledger,
) -> None:
    """V4 with no LE attendance gives the coverage of the attendances it read."""
    ledger = memory_ledger
    sol = person(ledger, "Sol", none_from=0)
    una = person(ledger, "Una")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    held = meeting(ledger, board, 10, sol, [sol, una])
    raise_(ledger, board, [sol], 10, meeting=held)  # Sol heard there
    figure = v4(lens(ledger), TH)
    assert is_insufficient(figure)
    assert (figure.n, figure.people) == (0, 2)
    assert figure.coverage == pytest.approx(1 / 2)  # only Sol had declared


def test_v4_hears_only_what_was_said_at_the_meeting(memory_ledger: Ledger) -> None:
    """A comment counts at a meeting through its channel on its day, never later."""
    ledger = memory_ledger
    sam = person(ledger, "Sam", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    held = meeting(ledger, board, 10, sol, [sam, sol])
    p = raise_(ledger, board, [sol], 10, meeting=held)
    before = v4(lens(ledger, since=0, until=30), TH)
    assert (before.value, before.band) == (1, "all_silent")
    # A written comment that day, and a meeting-channel one months later:
    # neither was said at the day-10 meeting, nor changes the first period.
    comment(ledger, p, sam, 10, "written")
    comment(ledger, p, sam, 200)
    for period in (lens(ledger, since=0, until=30), lens(ledger)):
        assert v4(period, TH) == before
    comment(ledger, p, sam, 10.5)  # spoken at the meeting, that day
    assert v4(lens(ledger, since=0, until=30), TH).value == 0


def test_v4_reads_status_at_the_meeting_and_scope(memory_ledger: Ledger) -> None:
    """An attendee counts as LE only from their declaration; other bodies are out."""
    ledger = memory_ledger
    kai = person(ledger, "Kai")
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    for held in (
        meeting(ledger, board, 5, sol, [kai, sol]),
        meeting(ledger, board, 10, sol, [kai, sol]),
    ):
        raise_(ledger, board, [sol], 1, meeting=held)
    ledger.declare_lived_experience(kai, categories=["DIS"], occurred_at=day(8))
    raise_(ledger, group, [sol], 10, meeting=meeting(ledger, group, 10, sol, [sol]))
    figure = v4(lens(ledger, Scope.body(board)), TH)
    # Only the day-10 board attendance is by an LE member, and silent -> 1/1.
    assert (figure.value, figure.n, figure.band) == (1, 1, "all_silent")
    assert figure.note == "0 member(s) silent at 3 or more meetings in a row"
    assert is_insufficient(v4(lens(ledger, Scope.body(group)), TH))


def test_v4_two_silent_meetings_in_a_row_are_not_a_long_run(
    memory_ledger: Ledger,
) -> None:
    """The note counts runs of three silent meetings; two in a row are not one."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    for on in (10, 20):
        raise_(ledger, board, [sol], on, meeting=meeting(ledger, board, on, sol, [lee]))
    figure = v4(lens(ledger), TH)
    assert (figure.value, figure.n) == (1, 2)
    assert figure.note == "0 member(s) silent at 3 or more meetings in a row"
    raise_(ledger, board, [sol], 30, meeting=meeting(ledger, board, 30, sol, [lee]))
    assert v4(lens(ledger), TH).note == (
        "1 member(s) silent at 3 or more meetings in a row"
    )


def test_v4_a_word_on_one_of_a_meetings_proposals_is_enough(
    memory_ledger: Ledger,
) -> None:
    """An attendee who spoke to one of two proposals raised at a meeting was heard."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    held = meeting(ledger, board, 10, sol, [lee, sol])
    first = raise_(ledger, board, [sol], 10, meeting=held)
    raise_(ledger, board, [sol], 10, meeting=held)
    comment(ledger, first, lee, 10)
    figure = v4(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0, 1, "none_silent")


# V5 ---------------------------------------------------------------------------------


def test_v5_share_of_le_comments_answered_after_decision(
    memory_ledger: Ledger,
) -> None:
    """V5 is the share of LE comments on decided proposals answered by feedback."""
    ledger = memory_ledger
    le1 = person(ledger, "Lee", le_from=0)
    le2 = person(ledger, "Lou", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    una = person(ledger, "Una")
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    p1 = raise_(ledger, board, [sol], 1)
    c1 = comment(ledger, p1, le1, 2)
    comment(ledger, p1, le2, 3)
    c3 = comment(ledger, p1, sol, 3)
    comment(ledger, p1, una, 3)
    decide(ledger, p1, sol, 10)
    ledger.give_feedback(p1, comments=[c3], text="Done.", by=sol, occurred_at=day(12))
    ledger.give_feedback(p1, comments=[c1], text="Done.", by=sol, occurred_at=day(14))
    p2 = raise_(ledger, board, [sol], 1)  # decided after the period
    comment(ledger, p2, le1, 2)
    decide(ledger, p2, sol, 60)
    p3 = raise_(ledger, board, [sol], 1)  # never decided
    comment(ledger, p3, le2, 2)
    period = lens(ledger, until=50)
    figure = v5(period, TH)
    # p1 only: LE comments c1 (answered day 14) and Lou's (not) -> 1/2, partial.
    assert figure.value == pytest.approx(0.5)
    assert (figure.n, figure.band) == (2, "partial")
    assert figure.note == "median 4.0 days from decision to feedback"
    # All comments on p1: Lee, Lou, Sol declared, Una not -> 3/4.
    assert figure.coverage == pytest.approx(0.75)
    assert feedback_closure(period) == pytest.approx(0.5)


def test_v5_feedback_before_the_decision_does_not_close_the_loop(
    memory_ledger: Ledger,
) -> None:
    """Feedback before the decision does not answer for it; feedback at it does."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    p = raise_(ledger, board, [sol], 1)
    c = comment(ledger, p, lee, 2)
    ledger.give_feedback(p, comments=[c], text="Noted.", by=sol, occurred_at=day(4))
    decide(ledger, p, sol, 10)
    figure = v5(lens(ledger), TH)
    assert (figure.value, figure.band, figure.note) == (
        0,
        "partial",
        "no feedback given",
    )
    ledger.give_feedback(p, comments=[c], text="We did.", by=sol, occurred_at=day(10))
    figure = v5(lens(ledger), TH)
    assert (figure.value, figure.band) == (1, "closed")
    assert figure.note == "median 0.0 days from decision to feedback"


def test_v5_insufficient_and_unanswered(memory_ledger: Ledger) -> None:
    """No LE comments on decided proposals is insufficient; none answered is 0."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    p = raise_(ledger, board, [sol], 1)
    comment(ledger, p, sol, 2)
    decide(ledger, p, sol, 10)
    assert is_insufficient(v5(lens(ledger), TH))
    assert feedback_closure(lens(ledger)) is None
    q = raise_(ledger, board, [sol], 11)
    comment(ledger, q, lee, 12)
    decide(ledger, q, sol, 13)
    figure = v5(lens(ledger), TH)
    assert (figure.value, figure.band, figure.note) == (
        0,
        "partial",
        "no feedback given",
    )


def _seated_board(ledger: Ledger) -> tuple[UUID, UUID, UUID]:
    """Lee (lived experience), Sol (none) and a board on which Sol holds a seat."""
    lee, sol, board = _lee_sol_board(ledger)
    ledger.assign_seat(board, sol, by=sol, occurred_at=day(0))
    return lee, sol, board


def test_v5_counts_comments_in_the_period_of_the_first_decision_only(
    memory_ledger: Ledger,
) -> None:
    """A later decision on the same proposal does not count its comments again."""
    ledger = memory_ledger
    lee, sol, board = _seated_board(ledger)
    p = raise_(ledger, board, [sol], 1)
    c = comment(ledger, p, lee, 2)
    ledger.open_voting(p, by=sol, occurred_at=day(5))
    ledger.cast_ballot(p, voter=sol, choice="for", occurred_at=day(6))
    assert ledger.close_voting(p, by=sol, occurred_at=day(10)).outcome == "adopted"
    ledger.decide(  # the executive overrides the vote
        p, outcome="rejected", method="staff_executive", by=sol, occurred_at=day(40)
    )
    ledger.give_feedback(p, comments=[c], text="Done.", by=sol, occurred_at=day(41))
    first = v5(lens(ledger, until=30), TH)
    assert (first.value, first.n) == (1, 1)
    assert first.note == "median 31.0 days from decision to feedback"
    assert is_insufficient(v5(lens(ledger, since=30), TH))


def test_v5_ignores_a_vote_that_decided_nothing(memory_ledger: Ledger) -> None:
    """A not_valid vote decided nothing, so its proposal's comments do not count."""
    ledger = memory_ledger
    lee, sol, board = _seated_board(ledger)
    p = raise_(ledger, board, [sol], 1)
    comment(ledger, p, lee, 2)
    ledger.open_voting(p, by=sol, occurred_at=day(3))
    assert ledger.close_voting(p, by=sol, occurred_at=day(4)).outcome == "not_valid"
    assert is_insufficient(v5(lens(ledger), TH))
    assert is_insufficient(v6(lens(ledger), TH))


def test_v5_leaves_out_a_comment_dated_after_the_period(memory_ledger: Ledger) -> None:
    """A comment dated after the period, recorded before a decision in it, is out."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    p = raise_(ledger, board, [sol], 1)
    c = comment(ledger, p, lee, 2)
    comment(ledger, p, lee, 12, channel="written")  # recorded now, dated day 12
    decide(ledger, p, sol, 5)  # a decision may be dated before a comment
    ledger.give_feedback(p, comments=[c], text="We did.", by=sol, occurred_at=day(6))
    figure = v5(lens(ledger, until=10), TH)
    # Before day 10 Lee had made one comment, answered a day after the decision.
    assert (figure.value, figure.n, figure.band) == (1, 1, "closed")
    assert v5(lens(ledger), TH).value == pytest.approx(0.5)  # both, over all time


# V6 ---------------------------------------------------------------------------------


def test_v6_share_of_decisions_after_the_deliberation_window(
    memory_ledger: Ledger,
) -> None:
    """V6 is the share of decisions at least N days after the last papers went out."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    m1 = meeting(ledger, board, 10, sol)
    m2 = meeting(ledger, board, 10, sol)  # no papers
    ledger.issue_papers(m1, formats=["STD"], by=sol, occurred_at=day(1))
    ledger.issue_papers(m1, formats=["ER"], by=sol, occurred_at=day(5))
    p1 = raise_(ledger, board, [lee], 10, meeting=m1)
    p2 = raise_(ledger, board, [lee], 10, meeting=m1)
    p3 = raise_(ledger, board, [lee], 10)  # not raised at a meeting
    p4 = raise_(ledger, board, [lee], 10, meeting=m2)
    ledger.decide(
        p1,
        outcome="adopted",
        method="consensus",
        by=sol,
        decided_by=[sol, lee],
        occurred_at=day(12),
    )
    decide(ledger, p2, sol, 11)
    decide(ledger, p3, sol, 30)
    decide(ledger, p4, sol, 30)
    figure = v6(lens(ledger), TH)
    # Last papers of m1 on day 5 (Easy Read): p1 12 - 5 = 7 days (enough), p2 6 days.
    # p3 (no meeting) and p4 (no papers) are not counted -> 1/2.
    assert figure.value == pytest.approx(0.5)
    assert (figure.n, figure.band) == (2, "some_rushed")
    assert figure.note == "median 6.5 days between papers and decision"
    # Deciders: Sol and Lee for p1, Sol for p2 -> all declared.
    assert figure.coverage == 1
    assert v6(lens(ledger), Thresholds(deliberation_days=6)).band == "adequate"
    assert v6(lens(ledger), Thresholds(deliberation_days=8)).band == "rushed"
    # Before day 11.5 only p2 counts.
    assert v6(lens(ledger, until=11.5), TH).value == 0


def test_v6_papers_after_the_decision_and_insufficient(memory_ledger: Ledger) -> None:
    """Papers issued after a decision leave no window; no papers is insufficient."""
    ledger = memory_ledger
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    group = ledger.establish_body("Group", kind="working_group", occurred_at=day(0))
    m = meeting(ledger, board, 10, sol)
    ledger.issue_papers(m, formats=["STD"], by=sol, occurred_at=day(1))
    p = raise_(ledger, board, [sol], 10, meeting=m)
    decide(ledger, p, sol, 20)
    ledger.issue_papers(m, formats=["BSLV"], by=sol, occurred_at=day(21))
    figure = v6(lens(ledger, Scope.body(board)), TH)
    # BSL video papers came a day after the decision -> -1 day -> rushed.
    assert (figure.value, figure.band) == (0, "rushed")
    assert is_insufficient(v6(lens(ledger, Scope.body(group)), TH))


def test_v6_leaves_out_a_vote_that_decided_nothing(memory_ledger: Ledger) -> None:
    """A not_valid vote on a proposal from a meeting with papers is no decision."""
    ledger = memory_ledger
    lee, sol, board = _seated_board(ledger)
    held = meeting(ledger, board, 10, sol)
    ledger.issue_papers(held, formats=["STD"], by=sol, occurred_at=day(1))
    p = raise_(ledger, board, [lee], 10, meeting=held)
    ledger.open_voting(p, by=sol, occurred_at=day(11))
    assert ledger.close_voting(p, by=sol, occurred_at=day(12)).outcome == "not_valid"
    assert is_insufficient(v6(lens(ledger), TH))
    ledger.decide(p, outcome="deferred", method="chair", by=sol, occurred_at=day(20))
    # The chair's deferral is the one decision: 19 days after the papers.
    figure = v6(lens(ledger), TH)
    assert (figure.value, figure.n) == (1, 1)
    assert figure.note == "median 19.0 days between papers and decision"


def test_compute_returns_the_voice_codes(memory_ledger: Ledger) -> None:
    """The family computes V1, V2, V4, V5 and V6 (V3 is not recorded)."""
    figures = compute(lens(memory_ledger), TH)
    assert sorted(figures) == ["V1", "V2", "V4", "V5", "V6"]
    assert all(is_insufficient(f) for f in figures.values())


def test_v4_leaves_out_a_meeting_whose_proposal_came_at_the_period_end(
    memory_ledger: Ledger,
) -> None:
    """V4: a proposal raised at the very end of the period brings no meeting into it."""
    ledger = memory_ledger
    sam = person(ledger, "Sam", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    held = meeting(ledger, board, 5, sol, [sam, sol])
    raise_(ledger, board, [sol], 10, meeting=held)
    assert is_insufficient(v4(lens(ledger, until=10), TH))
    later = v4(lens(ledger, until=11), TH)
    assert (later.value, later.n) == (1, 1)  # Sam was there and said nothing


def test_v4_places_a_meeting_comment_on_its_utc_day_whatever_its_offset(
    memory_ledger: Ledger,
) -> None:
    """V4: a comment is on the meeting's day by UTC, whatever offset it was given in."""
    ledger = memory_ledger
    sam = person(ledger, "Sam", le_from=0)
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    first = meeting(ledger, board, 10, sol, [sam, sol])  # 00:00 UTC on day 10
    second = meeting(ledger, board, 20, sol, [sam, sol])
    p = raise_(ledger, board, [sol], 9.5, meeting=first)
    q = raise_(ledger, board, [sol], 20, meeting=second)
    # 23:30 on the evening before at -01:00 is 00:30 UTC on day 10: heard there.
    ledger.comment(
        p,
        author=sam,
        text="A view.",
        occurred_at=(day(10) + timedelta(minutes=30)).astimezone(timezone(-HOUR)),
    )
    # 00:30 at +01:00 on day 21 is 23:30 UTC on day 20: heard at day 20's.
    ledger.comment(
        q,
        author=sam,
        text="A view.",
        occurred_at=(day(21) - timedelta(minutes=30)).astimezone(timezone(HOUR)),
    )
    figure = v4(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0, 2, "none_silent")


def test_v2_leaves_out_an_attendee_erased_before_the_period(
    memory_ledger: Ledger,
) -> None:
    """V2 for a body counts no attendee whose (dated) erasure came before the period."""
    ledger = memory_ledger
    ada, board, lee, sol = seated_board(ledger)
    held = meeting(ledger, board, 30, ada, [lee, sol])  # recorded before the erasure
    raise_(ledger, board, [sol], 30, meeting=held)
    ledger.erase_member(lee, by=ada, occurred_at=day(25))
    figure = v2(lens(ledger, Scope.body(board), since=28), TH)
    assert (figure.n, figure.value) == (1, 0)  # Sol alone, with one act


def _papers_then_decision(ledger: Ledger) -> tuple[UUID, UUID]:
    """Sol and a meeting whose standard papers went out on day 1, decided on day 20."""
    sol = person(ledger, "Sol", none_from=0)
    board = ledger.establish_body("Board", kind="governance", occurred_at=day(0))
    m = meeting(ledger, board, 10, sol)
    ledger.issue_papers(m, formats=["STD"], by=sol, occurred_at=day(1))
    decide(ledger, raise_(ledger, board, [sol], 10, meeting=m), sol, 20)
    return sol, m


def test_v6_leaves_out_papers_issued_after_the_period(memory_ledger: Ledger) -> None:
    """Papers issued after a period's end do not shorten its decisions' windows."""
    ledger = memory_ledger
    sol, m = _papers_then_decision(ledger)
    before = v6(lens(ledger, until=30), TH)
    assert (before.value, before.n) == (1, 1)  # 19 days after the papers
    # On day 40 BSL video papers go out for the same meeting.
    ledger.issue_papers(m, formats=["BSLV"], by=sol, occurred_at=day(40))
    assert v6(lens(ledger, until=30), TH) == before
    assert v6(lens(ledger), TH).value == 0  # over all time, -20 days: rushed


def test_v6_times_each_format_from_its_first_issue(memory_ledger: Ledger) -> None:
    """Papers sent again in a format already out do not shorten the window (as X3)."""
    ledger = memory_ledger
    sol, m = _papers_then_decision(ledger)
    # The standard papers go out again before and after the decision.
    ledger.issue_papers(m, formats=["STD"], by=sol, occurred_at=day(18))
    ledger.issue_papers(m, formats=["STD"], by=sol, occurred_at=day(25))
    figure = v6(lens(ledger), TH)
    assert (figure.value, figure.band) == (1, "adequate")
    assert figure.note == "median 19.0 days between papers and decision"
    # A format first out after the decision still left its readers no time.
    ledger.issue_papers(m, formats=["ER"], by=sol, occurred_at=day(26))
    assert v6(lens(ledger), TH).band == "rushed"


def test_v6_reads_no_papers_of_a_meeting_called_off(memory_ledger: Ledger) -> None:
    """A proposal raised at a meeting called off was raised in writing: no window."""
    ledger = memory_ledger
    sol, m = _papers_then_decision(ledger)
    before = ledger.position
    ledger.cancel_meeting(m, by=sol)
    assert is_insufficient(v6(lens(ledger), TH))
    # As the record stood before the cancellation, the papers still counted.
    figure = v6(Lens(ledger.facts(as_of=before)), TH)
    assert (figure.value, figure.n) == (1, 1)


def test_v4_hears_a_word_at_a_later_meeting_on_an_earlier_proposal(
    memory_ledger: Ledger,
) -> None:
    """V4 hears a meeting comment where the ladder places it: at the body's meeting."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    first = meeting(ledger, board, 10, sol, [lee, sol])
    p = raise_(ledger, board, [sol], 10, meeting=first)
    second = meeting(ledger, board, 20, sol, [lee, sol])
    raise_(ledger, board, [sol], 20, meeting=second)
    comment(ledger, p, lee, 20)  # spoken at the day-20 meeting, on day 10's item
    # Lee was silent on day 10 and heard on day 20: 1 silent of 2.
    figure = v4(lens(ledger), TH)
    assert (figure.value, figure.n, figure.band) == (0.5, 2, "some_silent")
    report = ledger.power_sharing()
    (process,) = report.ladder
    assert process.evidence["le_occasions"] == 1  # the ladder's one occasion


def test_v4_counts_a_meeting_spoken_at_with_nothing_raised_there(
    memory_ledger: Ledger,
) -> None:
    """A meeting where a comment was spoken counts, though nothing was raised there."""
    ledger = memory_ledger
    lee, sol, board = _lee_sol_board(ledger)
    wyn = person(ledger, "Wyn", le_from=0)
    first = meeting(ledger, board, 10, sol, [lee, sol])
    p = raise_(ledger, board, [sol], 10, meeting=first)
    comment(ledger, p, lee, 10)
    meeting(ledger, board, 20, sol, [lee, wyn, sol])
    comment(ledger, p, lee, 20)  # Lee speaks on day 20, Wyn does not
    # Lee heard at both; Wyn silent on day 20: 1 silent of 3.
    figure = v4(lens(ledger), TH)
    assert figure.value == pytest.approx(1 / 3)
    assert figure.n == 3
