"""Properties of every projection: pure folds, faithful as-of, tables equal folds."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coledger import Ledger
from coledger.projections import Facts
from coledger.projections.lens import Scope
from coledger.projections.materialise import comparable
from coledger.projections.report import PowerSharingReport
from helpers import propose_on_the_latest_day
from history_builder import WideBuilder, build


def events_of(ledger: Ledger) -> list[tuple[int, object]]:
    """Every (position, event) of a ledger."""
    return [(r.position, r.event) for r in ledger.history()]


Where = tuple[UUID | None, UUID | None]


def scopes(ledger: Ledger) -> list[Where]:
    """(body, project) for a report on the ledger, each body and each project."""
    return [
        (None, None),
        *((b.id, None) for b in ledger.bodies()),
        *((None, p.id) for p in ledger.projects()),
    ]


def report(
    ledger: Ledger, where: Where, as_of: int | None = None
) -> PowerSharingReport:
    """The report for one scope."""
    return ledger.power_sharing(body=where[0], project=where[1], as_of=as_of)


@given(data=st.data())
def test_folding_step_by_step_equals_folding_at_once(data: st.DataObject) -> None:
    """Facts folded event by event, from stored states, or resumed, equal one fold."""
    with Ledger.open("memory://") as ledger:
        build(ledger, data)
        events = events_of(ledger)
        whole = Facts().apply_all(events)  # type: ignore[arg-type]
        stepwise = Facts()
        for position, event in events:
            stepwise.apply(position, event)  # type: ignore[arg-type]
        cut = data.draw(st.integers(min_value=0, max_value=len(events)))
        resumed = Facts().apply_all(events[:cut])  # type: ignore[arg-type]
        resumed.apply_all(events[cut:])  # type: ignore[arg-type]
        read = Facts().apply_states(ledger.fold_states(until=cut))
        read.apply_states(ledger.fold_states(after=cut))
        assert stepwise == whole
        assert resumed == whole
        assert read == whole  # stored states, as a rebuild folds them


@given(data=st.data())
def test_kept_report_equals_a_fresh_rebuild(data: st.DataObject) -> None:
    """A report from facts kept and extended over time equals one rebuilt afresh."""
    with Ledger.open("memory://") as ledger:
        builder = build(ledger, data, steps=20)
        ledger.power_sharing()  # keep facts part way through
        for _ in range(data.draw(st.integers(min_value=1, max_value=20))):
            builder.step(data)
        for where in scopes(ledger):
            kept = report(ledger, where)
            rebuilt = report(ledger, where, as_of=ledger.position)
            assert comparable(kept) == comparable(rebuilt)


@given(data=st.data())
def test_as_of_equals_the_ledger_as_it_was(data: st.DataObject) -> None:
    """A report as of position N equals the report the ledger gave when it held N."""
    with Ledger.open("memory://") as ledger:
        builder = build(ledger, data, steps=15, shredding=False)
        then = ledger.position
        places = scopes(ledger)
        reports_then = [comparable(report(ledger, w)) for w in places]
        for _ in range(data.draw(st.integers(min_value=1, max_value=20))):
            builder.step(data)
        reports_as_of = [comparable(report(ledger, w, as_of=then)) for w in places]
    assert reports_as_of == reports_then


@given(data=st.data())
def test_erasing_a_member_never_raises_r1(data: st.DataObject) -> None:
    """Erasing anyone never raises the lived-experience share of voting seats.

    That is, of the seats held before the erasure: from then on the erased
    member's seat is held by no one who can use it.
    """
    with Ledger.open("memory://") as ledger:
        builder = build(ledger, data, shredding=False)
        if len(builder.members) < 2:
            return
        victim = data.draw(st.sampled_from(builder.members[1:]))
        places = scopes(ledger)
        at = builder.when()

        def r1s() -> list[float | None]:
            return [
                ledger.power_sharing(body=b, project=p, until=at).indicators["R1"].value
                for b, p in places
            ]

        before = r1s()
        ledger.erase_member(victim, by=builder.members[0], occurred_at=at)
        after = r1s()
    for old, new in zip(before, after, strict=True):
        if old is not None and new is not None:
            assert new <= old


def check_tables(ledger: Ledger) -> None:
    """The materialised tables equal the in-memory folds for every scope."""
    projector = ledger.projections()
    projector.catch_up()
    for where in scopes(ledger):
        folded = report(ledger, where)
        scope = folded.scope
        stored = projector.read(scope)
        assert stored is not None
        assert comparable(stored) == comparable(folded), scope


@settings(max_examples=8)
@given(data=st.data())
def test_tables_equal_folds_after_a_random_history(
    data: st.DataObject, ledger_url: str
) -> None:
    """On each backend, the tables equal the folds after a Hypothesis history."""
    with Ledger.open(ledger_url) as ledger:
        start = ledger.position
        build(ledger, data, steps=25)
        check_tables(ledger)
        assert ledger.projections().tables.position() == ledger.position >= start


def check_identical(ledger: Ledger) -> None:
    """Every scope's report read from the tables is the folded one, rendered or not."""
    from coledger.reports import render

    for body, project in scopes(ledger):
        folded = ledger.power_sharing(body=body, project=project)
        stored = ledger.power_sharing(body=body, project=project, materialised=True)
        assert stored.to_json() == folded.to_json(), (body, project)
        for audience in ("board", "public"):
            for form in ("text", "json"):
                shown = render(stored, audience=audience, format=form)
                assert shown == render(folded, audience=audience, format=form)


@settings(max_examples=8)
@given(data=st.data())
def test_tables_give_the_very_report_a_fold_gives(
    data: st.DataObject, ledger_url: str
) -> None:
    """On each backend, a report from the tables is identical to the folded one.

    Not only equal once its lists are sorted: in order, and rendered alike,
    after a Hypothesis history and after each few steps caught up in turn.
    """
    with Ledger.open(ledger_url) as ledger:
        builder = build(ledger, data, steps=20)
        check_identical(ledger)
        for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
            for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
                builder.step(data)
            check_identical(ledger)


def test_tables_equal_folds_after_the_demo(ledger_url: str) -> None:
    """On each backend, the tables equal the folds after the demo year."""
    from coledger.demo import record_year

    with Ledger.open(ledger_url) as ledger:
        record_year(ledger)
        check_tables(ledger)


def test_tables_rebuild_and_resume(tmp_path: Path) -> None:
    """Catching up in steps, across a reopen, equals a rebuild from scratch."""
    from coledger.demo import record_year

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger.open(url) as ledger:
        record_year(ledger)
        events = ledger.position
        ledger.projections().catch_up()
        ledger.register_member("Late Joiner", role="trainer")
    with Ledger.open(url) as reopened:
        assert reopened.projections().tables.position() == events
        assert reopened.projections().catch_up() == 1
        resumed = comparable(reopened.power_sharing(materialised=True))
        assert reopened.projections().rebuild() == events + 1
        assert comparable(reopened.power_sharing(materialised=True)) == resumed


def test_materialised_report_refuses_a_period() -> None:
    """The tables hold all-time figures: a period with materialised=True is refused."""
    from datetime import UTC, datetime

    from coledger import InvalidInputError

    with Ledger.open("memory://") as ledger, pytest.raises(InvalidInputError):
        ledger.power_sharing(materialised=True, since=datetime(2025, 1, 1, tzinfo=UTC))
    assert Scope.ledger().kind == "ledger"


@given(data=st.data())
def test_tables_caught_up_step_by_step_equal_folds(data: st.DataObject) -> None:
    """Catching up after every few steps (rewriting only touched scopes) stays exact."""
    with Ledger.open("memory://") as ledger:
        builder = build(ledger, data, steps=15)
        projector = ledger.projections()
        projector.catch_up()
        for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
            for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
                builder.step(data)
            projector.catch_up()
            check_tables(ledger)


@given(data=st.data())
def test_tables_caught_up_after_each_event_of_any_kind_equal_folds(
    data: st.DataObject,
) -> None:
    """After each single event of any kind, on the same day, the tables stay exact."""
    with Ledger.open("memory://") as ledger:
        builder = WideBuilder(ledger)
        for _ in range(data.draw(st.integers(min_value=10, max_value=30))):
            builder.step(data)
        projector = ledger.projections()
        projector.catch_up()
        builder.same_day = True  # "now" stays put: only marked scopes are rewritten
        for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
            before = ledger.position
            builder.step(data)
            if ledger.position != before:
                check_tables(ledger)


def test_materialised_reports_use_the_thresholds_asked_for() -> None:
    """After a report under other thresholds, asking for none means the defaults."""
    from coledger.demo import record_year
    from coledger.projections.thresholds import Thresholds

    custom = Thresholds(parity=0.95, decision_inclusion=0.95)
    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        under_custom = ledger.power_sharing(materialised=True, thresholds=custom)
        assert comparable(under_custom) == comparable(
            ledger.power_sharing(thresholds=custom)
        )
        default = comparable(ledger.power_sharing())
        assert comparable(under_custom) != default  # the thresholds matter here
        assert comparable(ledger.power_sharing(materialised=True)) == default
        assert ledger.projections().th == Thresholds()


def test_a_catch_up_rates_again_only_the_processes_it_touched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After one proposal to one body, only that body's processes are rated again."""
    from coledger.demo import record_year
    from coledger.projections import ladder
    from coledger.projections.materialise import linked

    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        projector = ledger.projections()
        projector.catch_up()
        facts = ledger.facts()
        everyone = set(facts.bodies) | set(facts.projects)
        rated: list[UUID] = []
        real = ladder._rate

        def spy(process: ladder.Process, th: object) -> object:
            rated.append(process.id)
            return real(process, th)  # type: ignore[arg-type]

        monkeypatch.setattr(ladder, "_rate", spy)
        body = propose_on_the_latest_day(ledger)
        touched = {
            key
            for kind, key in linked(ledger.facts(), {("body", body)})
            if kind != "ledger"
        }
        assert touched < everyone  # the demo has processes this body never reaches
        assert projector.catch_up() == 1
        assert set(rated) == touched
        check_tables(ledger)


def test_a_catch_up_keeps_the_answers_about_meetings_it_did_not_touch() -> None:
    """After one proposal to one body, X5's counts are worked out again for it alone."""
    from coledger.demo import record_year
    from coledger.projections import access
    from coledger.projections.materialise import linked

    key = ("per_state", (access._x5_counts.__module__, access._x5_counts.__qualname__))
    with Ledger.open("memory://") as ledger:
        record_year(ledger)
        projector = ledger.projections()
        projector.catch_up()
        before = dict(projector._facts.memo[key][1])
        body = propose_on_the_latest_day(ledger)
        assert projector.catch_up() == 1
        after = projector._facts.memo[key][1]
        touched = linked(ledger.facts(), {("body", body)})
        facts = ledger.facts()
        reached = {
            m.id.int
            for m in facts.meetings.values()
            if {("body", m.body), ("project", m.project)} & touched
        }
        assert reached
        assert set(before) - reached  # the demo has meetings this body never reaches
        assert set(after) == set(before)
        for meeting, counts in after.items():
            kept = counts is before[meeting]
            assert kept == (meeting not in reached), meeting
            assert counts == before[meeting]
        check_tables(ledger)
