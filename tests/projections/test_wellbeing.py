"""W2: meetings with a wellbeing check-in, once their forum holds check-ins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

import attrs
import pytest

from coledger import Ledger, Rule
from coledger.projections import wellbeing
from coledger.projections.indicators import WEIGHED
from coledger.projections.lens import Figure, Lens, Scope
from coledger.projections.thresholds import Thresholds
from coledger.reports import render
from indicator_helpers import day, lens

TH = Thresholds()


@attrs.define
class Forums:
    """Two working groups run by one admin, and a way to hold their meetings."""

    ledger: Ledger
    admin: UUID
    kit: UUID
    coaching: UUID

    def meeting(
        self,
        on: float,
        *,
        body: UUID | None = None,
        project: UUID | None = None,
        check_in: bool = False,
        held: bool = True,
    ) -> UUID:
        """A meeting on day *on*, with a check-in or not, held (attended) or to come."""
        meeting = self.ledger.schedule_meeting(
            body or self.kit,
            kind="workshop",
            title=f"Meeting on day {on}",
            starts_at=day(on),
            project=project,
            by=self.admin,
            occurred_at=day(0),
        )
        if held:
            self.ledger.record_attendance(
                meeting, self.admin, by=self.admin, occurred_at=day(on)
            )
        if check_in:
            self.ledger.hold_check_in(meeting, by=self.admin, occurred_at=day(on))
        return meeting

    def w2(self, scope: Scope | None = None, **period: float) -> Figure:
        """W2 of *scope* (the whole ledger by default) over a period in days."""
        return wellbeing.w2(lens(self.ledger, scope, **period), TH)


@pytest.fixture
def forums() -> Iterator[Forums]:
    """An in-memory ledger with two working groups."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff", occurred_at=day(0))
        kit, coaching = (
            ledger.establish_body(
                name,
                kind="working_group",
                rule=Rule.consent(),
                by=admin,
                occurred_at=day(0),
            )
            for name in ("Kit Group", "Coaching Group")
        )
        yield Forums(ledger, admin, kit, coaching)


def test_meetings_count_from_the_forums_first_check_in(forums: Forums) -> None:
    """Before its first check-in a forum had not taken them up: from then on, 2 of 3."""
    forums.meeting(10)
    forums.meeting(20, check_in=True)
    forums.meeting(30)
    forums.meeting(40, check_in=True)
    w2 = forums.w2()
    assert (w2.value, w2.n, w2.band) == (2 / 3, 3, "some_meetings")
    assert (w2.coverage, w2.people) == (None, None)  # meetings, not people
    assert w2.note == "2 of 3 meetings held by 1 forum that holds check-ins"


def test_a_forum_that_never_held_one_is_left_out(forums: Forums) -> None:
    """Only forums that hold check-ins count; with none anywhere there is no figure."""
    forums.meeting(10, body=forums.coaching)
    assert forums.w2().value is None
    assert forums.w2().n == 0
    forums.meeting(20, check_in=True)
    forums.meeting(30)
    w2 = forums.w2()
    assert (w2.value, w2.n) == (1 / 2, 2)  # the coaching group's meeting is not in
    assert forums.w2(Scope.body(forums.coaching)).value is None
    kit = forums.w2(Scope.body(forums.kit))
    assert (kit.value, kit.n) == (1 / 2, 2)


def test_a_check_in_before_the_period_still_opts_the_forum_in(
    forums: Forums,
) -> None:
    """The period cuts which meetings count, not when the forum took check-ins up."""
    forums.meeting(10, check_in=True)
    forums.meeting(20)
    forums.meeting(30, check_in=True)
    later = forums.w2(since=15)
    assert (later.value, later.n) == (1 / 2, 2)
    early = forums.w2(until=25)
    assert (early.value, early.n) == (1 / 2, 2)
    none = forums.w2(since=15, until=25)
    assert (none.value, none.n, none.band) == (0.0, 1, "none")
    assert forums.w2(until=5).value is None  # no check-in yet by the period's end


def test_meetings_that_have_not_started_are_not_counted(forums: Forums) -> None:
    """A meeting scheduled after the latest recorded time cannot have had one yet."""
    forums.meeting(10, check_in=True)
    forums.meeting(90, held=False)  # scheduled for day 90; nothing after day 10
    w2 = forums.w2()
    assert (w2.value, w2.n, w2.band) == (1.0, 1, "every_meeting")


def test_a_project_counts_its_meetings_from_their_forums_first_check_in(
    forums: Forums,
) -> None:
    """The scope cuts which meetings count, not when the forum took check-ins up.

    The kit group opted in on day 10, outside the project: the project's
    meeting on day 20 without one is a missed check-in, as the ledger's and
    the group's own W2 count it.
    """
    project = forums.ledger.start_project(
        "Summer Camp", label="co_design", by=forums.admin, occurred_at=day(1)
    )
    forums.meeting(10, check_in=True)  # the group's, outside the project
    forums.meeting(20, project=project)
    forums.meeting(30, project=project, check_in=True)
    forums.meeting(40, project=project)
    w2 = forums.w2(Scope.project(project))
    assert (w2.value, w2.n) == (1 / 3, 3)
    whole = forums.w2()
    assert (whole.value, whole.n) == (2 / 4, 4)
    kit = forums.w2(Scope.body(forums.kit))
    assert (kit.value, kit.n) == (2 / 4, 4)


def test_a_project_whose_meetings_never_had_one_shows_none(forums: Forums) -> None:
    """A forum that holds check-ins and skipped them at every project meeting: 0."""
    project = forums.ledger.start_project(
        "Summer Camp", label="co_design", by=forums.admin, occurred_at=day(1)
    )
    forums.meeting(10, check_in=True)
    forums.meeting(20, project=project)
    forums.meeting(30, project=project)
    w2 = forums.w2(Scope.project(project))
    assert (w2.value, w2.n, w2.band) == (0.0, 2, "none")
    assert w2.note == "0 of 2 meetings held by 1 forum that holds check-ins"


def test_meetings_after_the_record_are_not_counted_in_a_period_to_come(
    forums: Forums,
) -> None:
    """A period that ends after the latest record still leaves out meetings to come.

    Nothing is recorded after day 10, so the meeting called for day 90 has
    not been held, whatever the period's end.
    """
    forums.meeting(10, check_in=True)
    forums.meeting(90, held=False)
    w2 = forums.w2(until=100)
    assert (w2.value, w2.n, w2.band) == (1.0, 1, "every_meeting")
    assert forums.w2(since=50, until=100).value is None


def test_a_meeting_counts_once_whenever_its_check_ins_were_recorded(
    forums: Forums,
) -> None:
    """Two check-ins make one meeting with one; the meeting's start places it.

    A check-in recorded ahead of its meeting, or long after it, belongs to
    the meeting; one at a meeting still to come opts nobody in yet.
    """
    twice = forums.meeting(10, check_in=True)
    forums.ledger.hold_check_in(twice, by=forums.admin, occurred_at=day(10))
    ahead = forums.meeting(20, held=False)
    forums.ledger.hold_check_in(ahead, by=forums.admin, occurred_at=day(5))
    late = forums.meeting(30)
    forums.meeting(40)
    forums.ledger.hold_check_in(late, by=forums.admin, occurred_at=day(45))
    w2 = forums.w2()
    assert (w2.value, w2.n) == (3 / 4, 4)
    assert forums.w2(until=30).n == 2  # in a period, by the meeting's start
    to_come = forums.meeting(90, body=forums.coaching, held=False)
    forums.ledger.hold_check_in(to_come, by=forums.admin, occurred_at=day(45))
    assert forums.w2(Scope.body(forums.coaching)).value is None


def test_the_tables_follow_a_check_in_outside_a_project(forums: Forums) -> None:
    """A forum's first check-in, at a meeting outside a project, moves the project's W2.

    No proposal links the project to the group, so only the project's
    meetings of the group carry the change to its scope; a catch-up must
    still rewrite the project's row, as a fold would give it.
    """
    ledger = forums.ledger
    project = ledger.start_project(
        "Summer Camp", label="co_design", by=forums.admin, occurred_at=day(1)
    )
    earlier = forums.meeting(10)  # the group's, outside the project
    forums.meeting(20, project=project)
    projector = ledger.projections()
    projector.catch_up()
    scope = Scope.project(project)
    assert wellbeing.w2(Lens(ledger.facts(), scope), TH).value is None
    # Recorded on day 20, the latest day already: "now" does not move.
    ledger.hold_check_in(earlier, by=forums.admin, occurred_at=day(20))
    assert projector.catch_up() == 1
    folded = ledger.power_sharing(project=project).indicators["W2"]
    assert (folded.value, folded.n) == (0.0, 1)
    stored = projector.read(scope)
    assert stored is not None
    assert stored.indicators["W2"] == folded


def test_w2_is_in_every_report_and_shown_to_the_public_as_a_band(
    forums: Forums,
) -> None:
    """The report carries W2; the public sees its band, as for any share of records."""
    for on in range(10, 160, 10):
        forums.meeting(on, check_in=on % 30 != 0)
    report = forums.ledger.power_sharing()
    assert report.indicators["W2"].value == 10 / 15
    assert "W2" not in WEIGHED
    public = json.loads(render(report, audience="public", format="json"))
    shown = public["indicators"]["W2"]
    assert (shown["n"], shown["withheld"]) == (15, None)
    assert shown["value"] == "more than half (60% to 85%)"
    folded = Lens(forums.ledger.facts(), Scope.ledger())
    assert wellbeing.compute(folded, TH) == {"W2": report.indicators["W2"]}


def test_a_check_in_recorded_after_the_period_still_belongs_to_its_meeting(
    forums: Forums,
) -> None:
    """A check-in entered later, at a later time, counts for its meeting's period."""
    forums.meeting(10, check_in=True)
    second = forums.meeting(20)
    coaching = forums.meeting(5, body=forums.coaching)
    before = (forums.w2(until=35), forums.w2(Scope.body(forums.coaching), until=35))
    assert (before[0].value, before[0].n) == (0.5, 2)
    assert before[1].value is None  # the coaching group never held one
    # On day 45 the minutes of days 20 and 5 are typed up, dated then.
    forums.ledger.hold_check_in(second, by=forums.admin, occurred_at=day(45))
    forums.ledger.hold_check_in(coaching, by=forums.admin, occurred_at=day(45))
    after = (forums.w2(until=35), forums.w2(Scope.body(forums.coaching), until=35))
    assert (after[0].value, after[0].n) == (1.0, 3)  # coaching took them up on day 5
    assert (after[1].value, after[1].n) == (1.0, 1)  # it held one on day 5
