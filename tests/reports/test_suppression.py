"""Disclosure control: small cells withheld, bands instead of values, no names."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from pathlib import Path

import attrs
import pytest

from coledger import InvalidInputError, Ledger, UnknownAudienceError, demo
from coledger.projections.ladder import GROUPS
from coledger.projections.lens import Figure, band_of
from coledger.projections.phases import LOW_COVERAGE, MAX_SCORE
from coledger.projections.report import PowerSharingReport, Rung
from coledger.projections.thresholds import Thresholds
from coledger.reports import render, suppress, suppression
from coledger.reports.display import public_row, public_tags
from coledger.reports.suppression import (
    NO_BANDS,
    SECONDARY,
    SMALL_CELL,
    underlying_count,
)
from coledger.reports.vocabulary import INDICATORS, SHARE, TAGS, count_range, range_of
from report_helpers import report

TH = Thresholds()
K = TH.small_cell


def fig(code: str, value: float | None, n: int, band: str | None = "some") -> Figure:
    """A figure with a given value and n."""
    return Figure(code, value, n, 0.5, band, "a note with 3 exact counts")


def test_a_figure_on_fewer_than_five_is_withheld() -> None:
    """N below the limit: no value, band, coverage or n; the note says why."""
    safe = suppress(report({"R1": fig("R1", 0.5, 4, "balanced")}))
    f = safe.indicators["R1"]
    assert (f.value, f.n, f.coverage, f.band) == (None, None, None, None)
    assert f.withheld == SMALL_CELL
    assert f.note == f"withheld: fewer than {K} voting seats"


def test_a_share_resting_on_a_small_count_is_withheld() -> None:
    """Three of forty is a small cell even though n is large; n itself may show."""
    safe = suppress(report({"A1": fig("A1", 3 / 40, 40)}))
    f = safe.indicators["A1"]
    assert f.value is None
    assert f.withheld == SMALL_CELL
    assert f.n == 40


def test_a_share_of_none_is_shown() -> None:
    """Zero is not a small cell: "none" points at nobody."""
    f = suppress(report({"R2": fig("R2", 0.0, 12, "pairs_or_more")})).indicators["R2"]
    assert f.value is not None
    assert f.value.words == "none"
    assert f.withheld is None


def test_shown_figures_are_bands_never_values() -> None:
    """A shown share or ratio gives its band's words and edges, not the number."""
    safe = suppress(
        report(
            {
                "D1": fig("D1", 30 / 36, 36, "shared"),
                "D3": attrs.evolve(fig("D3", 1.0769, 27, "parity"), groups=(13, 14)),
                "V2": fig("V2", 0.4488, 34, "spread"),
                "P1": fig("P1", 2.5, 8, "low"),
            }
        )
    )
    assert safe.indicators["D1"].value is not None
    assert safe.indicators["D1"].value.text == "more than half (60% to 85%)"
    assert safe.indicators["D3"].value is not None
    assert safe.indicators["D3"].value.text == "about equal (0.8 to 1.25)"
    assert safe.indicators["V2"].value is not None
    assert safe.indicators["V2"].value.words == "somewhat uneven"
    assert safe.indicators["P1"].value is not None
    assert safe.indicators["P1"].value.label == "2 to 4 of 6"
    out = json.dumps(safe.to_json())
    for exact in ("0.83", "83%", "1.0769", "1.08", "0.4488", "0.45", "2.5"):
        assert exact not in out
    assert "a note with 3 exact counts" not in out


@pytest.mark.parametrize("audience", ["board", "Public", "", None, []])
def test_a_safe_report_is_never_labelled_for_an_audience_it_is_not_for(
    audience: object,
) -> None:
    """to_json names the public or the members only: a board label would be false."""
    safe = suppress(report({"R1": fig("R1", 0.5, 10, "parity")}))
    assert safe.to_json("members")["audience"] == "members"
    with pytest.raises(UnknownAudienceError):
        safe.to_json(audience)  # type: ignore[arg-type]


def test_coverage_of_a_people_share_is_withheld_where_it_would_name_answers() -> None:
    """Every named seat holder answered, and none has lived experience: no coverage."""
    everyone = Figure("R1", 0.0, 6, 1.0, "token")
    shown = suppress(report({"R1": everyone})).indicators["R1"]
    assert shown.value is not None
    assert shown.value.words == "none"
    assert shown.coverage is None
    few = Figure("R1", 0.0, 6, 2 / 6, "token")  # two answered: a small group
    assert suppress(report({"R1": few})).indicators["R1"].coverage is None
    # Six of twelve answered: no answer named (beside a share other than
    # "none", which withholds every coverage in the report).
    spread = Figure("R1", 0.5, 12, 6 / 12, "balanced")
    assert suppress(report({"R1": spread})).indicators["R1"].coverage is not None
    records = Figure("D1", 30 / 36, 36, 1.0, "shared")  # not people: shown
    assert suppress(report({"D1": records})).indicators["D1"].coverage is not None


def test_all_answered_is_withheld_beside_none_of_the_named_people() -> None:
    """A1 "none" with "all answered" would say each named proposer declared none."""
    figures = {
        "A1": Figure("A1", 0.0, 12, 1.0, "below_parity", people=6),
        "X1": Figure("X1", 0.5, 20, 1.0, "not_met", people=6),
        "D1": Figure("D1", 0.5, 12, 0.75, "not_shared", people=6),
    }
    safe = suppress(report(figures)).indicators
    assert safe["A1"].value is not None
    assert safe["A1"].value.words == "none"
    # Its own coverage, and any other "all answered" over people who may be
    # the same proposers, would give the answers back; so would "almost all"
    # left in beside them, by saying that the missing ones were "all".
    assert (safe["A1"].coverage, safe["A1"].coverage_withheld) == (None, True)
    assert (safe["X1"].coverage, safe["X1"].coverage_withheld) == (None, True)
    assert (safe["D1"].coverage, safe["D1"].coverage_withheld) == (None, True)
    some = {**figures, "A1": Figure("A1", 0.5, 12, 1.0, "parity", people=6)}
    assert suppress(report(some)).indicators["A1"].coverage is not None
    assert suppress(report(some)).indicators["X1"].coverage is not None


def test_a_public_report_does_not_say_each_proposer_declared_none() -> None:
    """Six proposers who all declared none: "none" is shown, "all answered" is not."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        forum = ledger.establish_body("Forum", kind="working_group", by=admin)
        for i in range(6):
            member = ledger.register_member(f"Proposer {i}", by=admin)
            ledger.declare_lived_experience(member, categories=["NONE"])
            ledger.raise_proposal(forum, proposers=[member], title="T", text="x")
        out = json.loads(
            render(ledger.power_sharing(body=forum), audience="public", format="json")
        )
    figures = out["indicators"]
    assert figures["A1"]["value"] == "none (0%)"
    assert [code for code, f in figures.items() if f["coverage"] == "all (100%)"] == []


@pytest.mark.parametrize(("value", "shown"), [(1.0, False), (0.2, False), (0.0, True)])
def test_officer_time_is_shown_only_when_none_of_it_was_held_with_lived_experience(
    value: float, shown: bool
) -> None:
    """R4 is a share of named officers' time: "all" and a few have no safe count."""
    f = suppress(report({"R4": fig("R4", value, 5)})).indicators["R4"]
    assert (f.value is not None) is shown
    assert (f.withheld is None) is shown


def test_no_voting_lived_experience_beside_a_few_other_seats_withholds_r3() -> None:
    """R1 "none" with one advisory seat: R3 having a value would name its holder."""
    figures = {
        "R1": Figure("R1", 0.0, 10, 0.5, "token"),
        "R3": Figure("R3", 0.0, 11, 0.5, "below_parity"),
        "X5": Figure("X5", 0.0, 40, 0.5, "barrier"),
    }
    safe = suppress(report(figures)).indicators
    assert safe["R1"].value is not None
    assert (safe["R3"].withheld, safe["R3"].n) == (SECONDARY, None)
    assert public_row("R3", safe["R3"], K).n == "withheld", "not 'fewer than 5'"
    assert safe["X5"].withheld == SECONDARY
    many = {
        **figures,
        "R3": Figure("R3", 0.0, 16, 0.5, "below_parity", groups=(6, 10)),
    }
    assert suppress(report(many)).indicators["R3"].withheld is None


def test_seat_figures_do_not_give_back_a_withheld_people_coverage() -> None:
    """R2's and D1's coverage is over R1's seat holders: it goes when R1's does."""
    figures = {
        "R1": Figure("R1", 0.0, 10, 1.0, "token"),
        "R2": Figure("R2", 1.0, 5, 1.0, "lone_representative"),
        "D1": Figure("D1", 30 / 36, 36, 1.0, "shared"),
    }
    safe = suppress(report(figures)).indicators
    assert (safe["R1"].coverage, safe["R1"].coverage_withheld) == (None, True)
    assert (safe["R2"].coverage, safe["R2"].coverage_withheld) == (None, True)
    assert safe["R2"].value is not None
    # D1's deciders are seat holders too: its coverage would give R1's back.
    assert (safe["D1"].coverage, safe["D1"].coverage_withheld) == (None, True)
    assert safe["D1"].value is not None
    assert public_row("R2", safe["R2"], K).coverage == "withheld"
    no_coverage = suppress(report({"X3": Figure("X3", 1.0, 12, None, "on_time")}))
    assert public_row("X3", no_coverage.indicators["X3"], K).coverage == (
        "not applicable"
    )


@pytest.mark.parametrize("form", ["text", "json", "html"])
def test_a_withheld_few_seats_leave_no_all_answered_beside_none(form: str) -> None:
    """Three seat holders who all declared none: R1 is withheld; D1 must not say so."""
    figures = {
        "R1": Figure("R1", 0.0, 3, 1.0, "token"),
        "D1": Figure("D1", 0.0, 6, 1.0, "not_shared"),
        "A1": Figure("A1", 0.0, 6, 1.0, None),
    }
    out = render(report(figures), audience="public", format=form)
    if form == "json":
        shown = json.loads(out)["indicators"]
        assert shown["R1"]["value"] is None
        assert shown["D1"]["value"] == "none (0%)"
        assert (shown["D1"]["coverage"], shown["A1"]["coverage"]) == (None, None)
    else:
        assert "none (0%)" in out
        assert "all (100%)" not in out
    spread = {**figures, "R1": Figure("R1", 0.0, 3, 2 / 3, "token")}
    assert "all (100%)" not in render(report(spread), audience="public", format=form)


def test_a_seat_holder_who_left_beside_none_withholds_the_seat_figures() -> None:
    """R6 counts a departed holder R1 does not: its value would speak of them."""
    figures = {
        "R1": Figure("R1", 0.0, 10, 0.5, "token"),
        "R3": Figure("R3", None, 10, 0.5, None, "insufficient: one group"),
        "R6": Figure("R6", 0.4, 11, 0.5, "below_parity"),
    }
    safe = suppress(report(figures)).indicators
    assert safe["R6"].withheld == SECONDARY
    assert safe["R3"].withheld == SECONDARY
    many = {
        **figures,
        "R6": Figure("R6", 0.4, 16, 0.5, "below_parity", groups=(5, 11)),
    }
    assert suppress(report(many)).indicators["R6"].withheld is None


def test_notes_never_reach_the_public() -> None:
    """The projections' notes hold exact sub-counts and names: all are dropped."""
    shown = render(report({"D2": fig("D2", 8 / 34, 34, "in_forum")}), audience="public")
    assert "a note with 3 exact counts" not in shown


@pytest.mark.parametrize("n", [0, 3, K - 1])
def test_comments_of_lived_experience_below_the_limit_read_alike(n: int) -> None:
    """V5's n counts comments of lived experience: none and a few look the same."""
    value = None if n == 0 else 1.0
    f = suppress(report({"V5": Figure("V5", value, n, 1.0, None)})).indicators["V5"]
    assert (f.value, f.n, f.withheld) == (None, None, SMALL_CELL)
    assert f.note == f"withheld: fewer than {K} comments"
    assert f.n_range is not None
    assert f.n_range.text == f"fewer than {K}"


def test_attendances_of_lived_experience_are_a_range_not_a_number() -> None:
    """V4's n is shown as the range its 12 attendances fall in, beside its band."""
    f = suppress(report({"V4": fig("V4", 0.5, 12)})).indicators["V4"]
    assert f.value is not None
    assert f.value.words == "about half"
    assert f.n is None
    assert f.n_range is not None
    assert f.n_range.text == "5 to 20"
    assert public_row("V4", f, K).n == "5 to 20 attendances"
    assert suppress(report({"V1": fig("V1", 1.0, 12)})).indicators["V1"].n == 12


def test_a_figure_without_evidence_says_so() -> None:
    """Insufficient evidence is not a withheld figure."""
    f = suppress(
        report(
            {
                "R3": Figure(
                    "R3", None, 0, None, None, "insufficient: no seats", groups=(0, 0)
                )
            }
        )
    ).indicators["R3"]
    assert f.withheld is None
    assert f.note == "not enough evidence for a figure"


def test_an_unknown_indicator_is_withheld_rather_than_guessed() -> None:
    """A code without bands here (say W1) is not shown exactly."""
    f = suppress(report({"W1": fig("W1", 0.7, 50)})).indicators["W1"]
    assert f.value is None
    assert f.withheld == NO_BANDS


def test_every_share_indicator_of_the_demo_rests_on_a_whole_count(
    demo_report: PowerSharingReport,
) -> None:
    """The share kinds here match the projections: value x n is a count."""
    for code, f in demo_report.indicators.items():
        if INDICATORS[code].kind == SHARE and f.value is not None:
            assert underlying_count(SHARE, f.value, f.n) is not None, code


def test_decision_tags_are_counted_in_ranges() -> None:
    """The public sees a range per tag, zero in the lowest, and the exact total."""
    tags = ["decided-with"] * 20 + ["influenced"] * 8 + ["consulted"] * 2
    safe = suppress(report({}, tags=tags))
    counts = {t.tag: t.count.text for t in safe.tags}
    assert counts == {
        "decided-with": "5 to 20",
        "influenced": "5 to 20",
        "consulted": f"fewer than {K}",
        "informed": f"fewer than {K}",
        "none": f"fewer than {K}",
    }
    assert safe.decisions == 30
    rows, total = public_tags(safe)
    assert [row.count for row in rows] == list(counts.values())
    assert total == "30"
    out = json.dumps(safe.to_json())
    assert '"count": 20' not in out
    assert '"count": 8' not in out


def test_the_public_report_withholds_tags_the_total_would_give_back() -> None:
    """36 decisions, 20 decided with and 4 of each other tag: the tops give 4s back."""
    others = ("influenced", "consulted", "informed", "none")
    tags = ["decided-with"] * 20 + [tag for tag in others for _ in range(4)]
    safe = suppress(report({}, tags=tags))
    assert safe.tags == ()
    assert safe.decisions == 36
    out = render(report({}, tags=tags), audience="public")
    assert "all decisions: 36" in out
    assert "ranges of counts this many could give a count of fewer than 5 back" in out


def test_a_small_total_is_withheld() -> None:
    """Three decisions in all: the total is withheld, and every count reads alike."""
    safe = suppress(report({}, tags=["decided-with", "decided-with", "none"]))
    assert safe.decisions is None
    assert {t.count.text for t in safe.tags} == {f"fewer than {K}"}
    assert public_tags(safe)[1] == f"fewer than {K}"


def test_ladder_evidence_is_made_safe() -> None:
    """Counts as ranges, times cut to the month, per-process figures dropped.

    The evidence has no ``figures_n`` (as in a rung stored before it was
    added), so the seat flags' counts are unknown and all four are withheld,
    with the equal-terms evidence that restates one of them.
    """
    rung = Rung(
        unit="project",
        id=str(uuid.uuid4()),
        name="Summer Festival",
        rung="ENGAGEMENT",
        level=5,
        flags=("equal_terms_not_met",),
        evidence={
            "label": "co_production",
            "le_comments": 3,
            "comment_meetings": 25,
            "delivery_actions": 0,
            "access_overrides": -1,  # a hand-edited table: not a count
            "equal_terms": False,
            "proposed_phases": ["design"],
            "first_le_contribution": "2025-01-17T14:46:31.158174+00:00",
            "figures": {"R1": 0.72},
            "something_new": 2.5,
            "people": dict.fromkeys(GROUPS, 9),
            "le_proposals": 9,
            "le_proposers": 9,
        },
    )
    safe = suppress(report({}, ladder=(rung,))).ladder[0]
    assert safe.rung == "ENGAGEMENT"
    assert "people" not in safe.evidence  # it says only whether a rung is shown
    assert safe.flags == ()  # equal terms restate seat figures of unknown count
    assert safe.evidence["equal_terms"] is None
    assert safe.evidence["le_comments"] == "fewer than 5"
    assert safe.evidence["comment_meetings"] == "21 to 40"
    assert safe.evidence["delivery_actions"] == "fewer than 5"  # zero too
    assert safe.evidence["first_le_contribution"] == "2025-01"
    assert safe.evidence["figures"] is None
    assert safe.evidence["something_new"] is None
    assert safe.evidence["access_overrides"] is None
    assert set(safe.withheld) == {
        "access_overrides",
        "figures",
        "something_new",
        "equal_terms",
        "equal_terms_not_met",
        "token_seat",
        "lone_representative",
        "placation",
    }
    text = render(report({}, ladder=(rung,)), audience="public")
    assert "lived-experience comments: fewer than 5" in text
    assert "January 2025" in text
    assert "14:46" not in text


DEMO_PEOPLE = [
    name.split(" (")[0]
    for group in (
        demo.TRAINERS,
        demo.STAFF,
        demo.DIRECTORS,
        demo.TRUSTEES,
        demo.PARTNERS,
        demo.SUPPORTERS,
    )
    for name in group
]


@pytest.mark.parametrize("audience", ["public", "members"])
@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_no_name_of_a_person_in_public_or_members_reports(
    demo_ledger: Ledger,
    demo_report: PowerSharingReport,
    demo_names: dict[str, str],
    audience: str,
    fmt: str,
) -> None:
    """Even when the caller passes every member's name, none is shown."""
    members = {str(m.id): m.name for m in demo_ledger.members()}
    names = {**demo_names, **members}
    out = render(demo_report, audience=audience, format=fmt, names=names)
    for person in DEMO_PEOPLE:
        assert person not in out, person
    for title in demo_names.values():
        assert title not in out, "the public reports do not list proposals"


def test_the_board_report_holds_no_name_of_a_person(
    demo_report: PowerSharingReport,
) -> None:
    """Even the board's report rates processes, never people."""
    for fmt in ("text", "json", "html"):
        out = render(demo_report, audience="board", format=fmt)
        for person in DEMO_PEOPLE:
            assert person not in out, person


def test_demo_public_report_withholds_what_points_at_people(
    demo_report: PowerSharingReport,
) -> None:
    """In the demo, the board's voting seats (3 of 6) are withheld from the public."""
    board = demo_report.indicators["R1"]
    assert board.n < 10
    out = render(demo_report, audience="public", format="json")
    r1 = json.loads(out)["indicators"]["R1"]
    assert r1["withheld"] == SMALL_CELL
    assert r1["value"] is None
    text = render(demo_report, audience="public")
    assert not re.search(r"\b0\.\d{3,}", text), "no exact fractions in the public text"


def _d1_band(value: float, th: Thresholds) -> str:
    return "shared" if value >= th.decision_inclusion else "not_shared"


def _x1_band(value: float, th: Thresholds) -> str:
    return "met" if value >= th.fulfilment else "shortfall"


BANDED_SHARES = {"D1": _d1_band, "X1": _x1_band}
"""Two share figures' own bands, as the projections cut them."""


@pytest.mark.parametrize("cut", [None, 0.6, 0.85, 0.4])
@pytest.mark.parametrize("code", sorted(BANDED_SHARES))
@pytest.mark.parametrize("n", range(10, 60))
def test_a_shown_band_never_narrows_its_words(
    code: str, n: int, cut: float | None
) -> None:
    """Beside a shown band, the words admit every count the words alone admit.

    At the default cut-offs, and with the band's cut on a words' edge.
    """
    th = Thresholds()
    if cut is not None:
        th = attrs.evolve(th, decision_inclusion=cut, fulfilment=cut)
    band_of_value = BANDED_SHARES[code]
    shown: dict[tuple[str, str | None], set[int]] = {}
    by_words: dict[str, set[int]] = {}
    for count in range(n + 1):
        value = count / n
        figure = Figure(code, value, n, 1.0, band_of_value(value, th), people=n)
        safe = suppression.safe_figure(code, figure, th)
        if safe.value is None:
            continue
        by_words.setdefault(safe.value.text, set()).add(count)
        shown.setdefault((safe.value.text, safe.band), set()).add(count)
        assert safe.band is None or safe.band == figure.band
    for (text, _), counts in shown.items():
        assert counts == by_words[text]


def test_twenty_eight_of_thirty_four_decisions_keep_their_range() -> None:
    """D1 at 28/34 shows "more than half" alone: "shared" beside it would pin 28."""
    th = Thresholds()
    figure = Figure("D1", 28 / 34, 34, 1.0, "shared", people=20)
    safe = suppression.safe_figure("D1", figure, th)
    assert safe.value is not None
    assert safe.value.words == "more than half"
    assert (safe.band, safe.band_withheld) == (None, True)


def p1_band(value: float) -> str:
    """P1's own band, as the projection cuts it."""
    if value == 0:
        return "none"
    return band_of(value, [(LOW_COVERAGE, "low"), (MAX_SCORE, "partial")], "full")


@pytest.mark.parametrize("n", range(5, 13))
def test_the_phase_scores_band_never_narrows_its_words(n: int) -> None:
    """Beside "some phases (2 to 4 of 6)", P1's band cut at 3 is not shown.

    Its band "none" tells 0 from the rest of "few phases", as any share's
    "none" does: zero is shown (``NONE_OF_THEM``).
    """
    th = Thresholds()
    shown: dict[tuple[str, str | None], set[int]] = {}
    by_words: dict[str, set[int]] = {}
    for total in range(1, MAX_SCORE * n + 1):  # each project scores whole phases
        value = total / n
        figure = Figure("P1", value, n, 1.0, p1_band(value), people=n)
        safe = suppression.safe_figure("P1", figure, th)
        assert safe.value is not None
        by_words.setdefault(safe.value.text, set()).add(total)
        shown.setdefault((safe.value.text, safe.band), set()).add(total)
    for (text, _), totals in shown.items():
        assert totals == by_words[text], text


def _forum_of_proposers(answered: int) -> dict[str, object]:
    """A forum's public JSON: six proposers, *answered* of them declaring none."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        forum = ledger.establish_body("Forum", kind="working_group", by=admin)
        for i in range(6):
            member = ledger.register_member(f"Proposer {i}", by=admin)
            if i < answered:
                ledger.declare_lived_experience(member, categories=["NONE"])
            ledger.raise_proposal(forum, proposers=[member], title="T", text="x")
        out: dict[str, object] = json.loads(
            render(ledger.power_sharing(body=forum), audience="public", format="json")
        )
    return out


def test_a_missing_coverage_beside_none_does_not_say_that_all_answered() -> None:
    """Beside A1 "none", a coverage left out only at "all" would say just that."""
    everyone, all_but_one = _forum_of_proposers(6), _forum_of_proposers(5)
    a1 = everyone["indicators"]["A1"]  # type: ignore[index]
    assert a1["value"] == "none (0%)"
    # Whether all six answered (each declared none) or one did not, the
    # report reads the same: no coverage is shown beside the "none".
    assert everyone["indicators"] == all_but_one["indicators"]


def test_a_share_of_the_chairs_is_withheld_whatever_its_count() -> None:
    """A2 reads the chairs' lived experience: withheld with its note, count or not."""
    for value, n in ((0.5, 20), (0.33, 10)):
        f = suppress(report({"A2": fig("A2", value, n)})).indicators["A2"]
        assert (f.value, f.withheld) == (None, SMALL_CELL)
        assert f.note == suppression.CHAIRS_NOTE
        assert f.n == n, "its n counts meetings, which says nothing of the chairs"


def test_the_guide_says_a2_keeps_its_n_as_the_reports_do() -> None:
    """The reports guide says that a withheld A2 still shows its n of meetings."""
    guide = (Path(__file__).parents[2] / "docs" / "reports.md").read_text("utf-8")
    start = guide.index("So A2 is always withheld")
    said = " ".join(guide[start : guide.index(")", start)].split())
    assert "with its n" not in said
    assert "its n, a count of meetings, is still shown" in said


def test_the_guide_says_a_zero_n_and_total_are_shown_as_the_json_does() -> None:
    """The public JSON shows an n and a decision total of 0, as the guide says."""
    empty = suppress(report({"R1": fig("R1", None, 0)})).to_json()
    assert (empty["indicators"]["R1"]["n"], empty["decision_total"]) == (0, 0)
    few = suppress(report({"R1": fig("R1", 0.5, 4)}, tags=["none"])).to_json()
    assert (few["indicators"]["R1"]["n"], few["decision_total"]) == (None, None)
    guide = (Path(__file__).parents[2] / "docs" / "reports.md").read_text("utf-8")
    start, end = guide.index("## Formats"), guide.index("## Accessibility")
    formats = " ".join(guide[start:end].replace("\u2212", "-").split())
    assert "below the limit" not in formats
    assert "`n` (`0` when it counts nothing, `null` when from 1 to *k* - 1," in formats
    assert "(`0` when there are none, `null` when from 1 to *k* - 1)" in formats


def test_a_share_whose_count_is_not_a_whole_number_is_withheld() -> None:
    """A share of 0.33 of 10 has no count to test, so it is withheld as unclear."""
    f = suppress(report({"D1": fig("D1", 0.33, 10)})).indicators["D1"]
    assert (f.value, f.n, f.withheld) == (None, 10, SMALL_CELL)
    assert f.note == "withheld: its count is unclear"


def test_every_seat_holder_answering_withholds_every_coverage() -> None:
    """R1 with "all answered" names each holder's answer: its coverage and all go."""
    figures = {
        "R1": Figure("R1", 0.5, 12, 1.0, "balanced", groups=(6, 6)),
        "D1": Figure("D1", 0.5, 12, 0.75, "not_shared"),
    }
    safe = suppress(report(figures)).indicators
    assert safe["R1"].value is not None
    assert (safe["R1"].coverage, safe["R1"].coverage_withheld) == (None, True)
    assert (safe["D1"].coverage, safe["D1"].coverage_withheld) == (None, True)


@pytest.mark.parametrize("code", ["R1", "R4", "A1", "A3", "D1", "D4", "P1", "P2", "P3"])
def test_each_none_of_the_people_shown_withholds_every_coverage(code: str) -> None:
    """A figure that can say "none of them" shown at zero takes every coverage away."""
    figures = {
        code: Figure(code, 0.0, 12, 0.5, "some"),
        "X1": Figure("X1", 0.5, 20, 0.5, "not_met"),
    }
    safe = suppress(report(figures)).indicators
    assert safe[code].shown
    assert (safe["X1"].coverage, safe["X1"].coverage_withheld) == (None, True)


@pytest.mark.parametrize(
    ("code", "value", "adoption_low"),
    [
        ("D1", 0.8, 0.5),
        ("D2", 0.25, 0.5),
        ("D2", 0.5, 0.5),
        ("D3", 0.9, 0.9),
        ("D4", 0.5, 0.5),
        ("D6", 0.5, 0.5),
        ("D6", 0.8, 0.5),
        ("P1", 3.0, 0.5),
        ("P2", 0.5, 0.5),
        ("P3", 0.5, 0.5),
        ("X1", 0.9, 0.5),
        ("X3", 0.9, 0.5),
        ("X4", 0.9, 0.5),
    ],
)
def test_a_band_cut_inside_the_words_range_is_left_out(
    code: str, value: float, adoption_low: float
) -> None:
    """A figure at its own band's cut, inside its words' range, shows no band.

    (R4's cut is never reached: it is shown only at "none".)
    """
    th = attrs.evolve(Thresholds(), adoption_low=adoption_low)
    f = Figure(code, value, 100, None, "own band", groups=(50, 50))
    safe = suppression.safe_figure(code, f, th)
    assert safe.value is not None
    assert (safe.band, safe.band_withheld) == (None, True)


def test_a_withheld_none_leaves_the_other_coverages() -> None:
    """R1 of "none" withheld for its few seats is not a shown "none": coverage stays."""
    figures = {
        "R1": Figure("R1", 0.0, 4, None, "token"),
        "X1": Figure("X1", 0.5, 20, 0.5, "not_met"),
    }
    safe = suppress(report(figures)).indicators
    assert safe["R1"].withheld == SMALL_CELL
    assert safe["X1"].coverage is not None


def test_a_value_over_no_records_is_withheld() -> None:
    """A figure with a value but an n of 0 is withheld as fewer than k records."""
    f = suppress(report({"D1": fig("D1", 0.0, 0)})).indicators["D1"]
    assert (f.value, f.n, f.withheld) == (None, None, SMALL_CELL)


def test_a_base_with_both_groups_large_keeps_its_band() -> None:
    """A1 over a base of six with and six without lived experience keeps its band."""
    figure = Figure("A1", 0.5, 12, 0.5, "parity", groups=(6, 6))
    f = suppress(report({"A1": figure})).indicators["A1"]
    assert (f.band, f.band_withheld) == ("parity", False)


def test_the_cut_offs_of_another_report_are_refused() -> None:
    """Thresholds differing from the report's beyond small_cell raise an error."""
    other = attrs.evolve(Thresholds(), decision_inclusion=0.7)
    with pytest.raises(InvalidInputError, match="only small_cell may differ"):
        suppress(report({}), other)


@pytest.mark.parametrize("code", ["D1", "A1", "D3", "V1", "V5", "D4", "V4"])
def test_tags_are_withheld_while_any_tag_figure_rests_on_a_few_people(
    code: str,
) -> None:
    """Two people behind any figure the tags read withholds every tag count."""
    few = Figure(code, 0.5, 20, None, None, people=2)
    safe = suppress(report({code: few}, tags=["influenced"] * 10))
    assert safe.tags == ()
    assert safe.tags_withheld == suppression.people_note("D1", K)


def test_a_seat_count_of_no_bodies_is_not_given() -> None:
    """An R7 over no bodies gives no seat-body count (None, not 0)."""
    r7 = Figure("R7", None, 0, None, None)
    assert suppress(report({"R7": r7})).seat_bodies is None


def test_a_stored_seat_figure_that_is_not_finite_is_left_out() -> None:
    """A NaN or infinite R1 in stored rung evidence has no count: it is dropped."""
    for bad in (float("nan"), float("inf")):
        evidence = {"figures": {"R1": bad}, "figures_n": {"R1": 10}}
        assert suppression.process_figures(evidence) == {}


def ladder_rung(flags: tuple[str, ...], **evidence: object) -> Rung:
    """A rung whose groups are all large, with *flags* and extra *evidence*."""
    return Rung(
        unit="project",
        id=str(uuid.uuid4()),
        name="Summer Festival",
        rung="ENGAGEMENT",
        level=5,
        flags=flags,
        evidence={
            "people": dict.fromkeys(GROUPS, 9),
            "le_proposals": 9,
            "turns_on_adoption": False,
            **evidence,
        },
    )


def test_seat_flags_without_r1_are_withheld() -> None:
    """Without R1 no seat figure can be judged, so a seat flag is withheld."""
    rung = ladder_rung(
        ("lone_representative",),
        figures={"R2": 0.5},
        figures_n={"R2": 10},
    )
    with_r1 = ladder_rung(
        ("lone_representative",),
        figures={"R1": 0.5, "R2": 0.5},
        figures_n={"R1": 10, "R2": 10},
        figures_groups={"R1": [5, 5]},
    )
    shown = suppression.safe_rung(with_r1, Thresholds(), own=True)
    assert shown.flags == ("lone_representative",)
    safe = suppression.safe_rung(rung, Thresholds(), own=True)
    assert safe.flags == ()
    assert "lone_representative" in safe.withheld


def test_a_rung_stored_without_turns_on_adoption_is_withheld_for_few_proposals() -> (
    None
):
    """Two proposals of lived experience and no ``turns_on_adoption``: no rung."""
    rung = ladder_rung(())
    del rung.evidence["turns_on_adoption"]
    rung.evidence["le_proposals"] = 2
    safe = suppress(report({}, ladder=(rung,))).ladder[0]
    assert (safe.rung, safe.level) == (None, None)


def test_whole_numbers_in_evidence_are_shown_only_where_counted() -> None:
    """An int under a key that is not a counted key is withheld, not ranged."""
    rung = ladder_rung((), something_new=7)
    safe = suppress(report({}, ladder=(rung,))).ladder[0]
    assert safe.evidence["something_new"] is None
    assert "something_new" in safe.withheld


def test_a_withheld_rung_keeps_only_a_label_that_is_text() -> None:
    """A withheld rung's label is kept when text and withheld when anything else."""
    rung = ladder_rung((), label=42, le_proposals=2)
    del rung.evidence["turns_on_adoption"]
    safe = suppress(report({}, ladder=(rung,))).ladder[0]
    assert safe.rung is None
    assert safe.evidence["label"] is None
    assert "label" in safe.withheld


def test_a_ratio_with_a_negative_group_count_is_withheld() -> None:
    """A group count below zero is not a count: the ratio is withheld as unknown."""
    figure = Figure("D3", 1.0, 20, None, "parity", groups=(-1, 21))
    f = suppress(report({"D3": figure})).indicators["D3"]
    assert (f.value, f.withheld) == (None, SMALL_CELL)


@pytest.mark.parametrize("with_it", [3, 37])
def test_the_tags_do_not_say_which_group_of_a_withheld_d1_is_small(
    with_it: int,
) -> None:
    """A D1 withheld for 3 or for 37 of 40 leaves no tag count that tells which."""
    d1 = Figure("D1", with_it / 40, 40, None, "not_shared", people=9)
    tags = ["decided-with"] * with_it + ["none"] * (40 - with_it)
    safe = suppress(report({"D1": d1}, tags=tags))
    assert safe.indicators["D1"].withheld == SMALL_CELL
    assert safe.tags == ()
    assert safe.tags_withheld is not None
    assert safe.decisions == 40


def _tag_list(counts: tuple[int, ...]) -> list[str]:
    """Tags for decisions, *counts* of each tag from decided-with to none."""
    return [tag for tag, c in zip(TAGS, counts, strict=True) for _ in range(c)]


def _read_back(safe: suppression.SafeReport) -> dict[str, set[int]]:
    """Each tag's counts a reader can still hold true, from the total, D1 and ranges."""
    total = safe.decisions
    assert total is not None
    d1 = safe.indicators.get("D1")
    shown = [next(t.count for t in safe.tags if t.tag == tag) for tag in TAGS]
    found: dict[str, set[int]] = {tag: set() for tag in TAGS}
    spans = [range(r.low, min(total, r.high or total) + 1) for r in shown[:-1]]
    for split in itertools.product(*spans):
        counts = (*split, total - sum(split))
        if count_range(counts[-1], K) != shown[-1]:
            continue
        if d1 is not None and d1.value != range_of("D1", counts[0] / total, TH):
            continue
        for tag, c in zip(TAGS, counts, strict=True):
            found[tag].add(c)
    return found


@pytest.mark.parametrize(
    "counts",
    [
        (9, 4, 4, 4, 4),  # D1 "less than half" of 25 caps decided-with at 9
        (0, 4, 4, 4, 4),  # D1 "none" of 16 makes decided-with 0
        (20, 4, 4, 4, 4),  # every count at the top of its range
    ],
)
def test_decisions_by_tag_are_withheld_where_the_total_gives_a_small_count_back(
    counts: tuple[int, ...],
) -> None:
    """Ranges the total (and D1's band) would read back to 1 to 4 are withheld."""
    total = sum(counts)
    d1 = Figure("D1", counts[0] / total, total, None, None, people=9)
    safe = suppress(report({"D1": d1}, tags=_tag_list(counts)))
    assert safe.decisions == total
    if safe.tags:
        pinned = {tag: c for tag, c in _read_back(safe).items() if len(c) == 1}
        assert not any(0 < c < K for (c,) in pinned.values()), pinned
    assert safe.tags == ()
    assert safe.tags_withheld == suppression.TAGS_TOTAL_NOTE.format(k=K)


def test_decisions_by_tag_withheld_for_the_total_whatever_the_counts() -> None:
    """The rule reads only the total and D1: withholding tells nothing of the counts."""
    for counts in [(9, 4, 4, 4, 4), (6, 4, 5, 5, 5), (5, 0, 0, 0, 20)]:
        total = sum(counts)
        d1 = Figure("D1", counts[0] / total, total, None, None, people=9)
        safe = suppress(report({"D1": d1}, tags=_tag_list(counts)))
        assert safe.indicators["D1"].value == range_of("D1", 9 / 25, TH)
        assert safe.tags_withheld == suppression.TAGS_TOTAL_NOTE.format(k=K)


def test_decisions_by_tag_are_shown_where_no_count_can_come_back() -> None:
    """25 decisions with D1 "about half" leave each count a range: the table shows."""
    counts = (12, 4, 4, 4, 1)
    d1 = Figure("D1", 12 / 25, 25, None, None, people=9)
    safe = suppress(report({"D1": d1}, tags=_tag_list(counts)))
    assert safe.tags_withheld is None
    assert all(len(c) > 1 for c in _read_back(safe).values())


def test_officer_time_withheld_over_many_officers_claims_no_small_group() -> None:
    """R4 of 40% over twenty terms of twelve officers is withheld: no group is small."""
    figures = {
        "R1": Figure("R1", 0.5, 20, None, "balanced", groups=(10, 10)),
        "R4": Figure("R4", 0.4, 20, None, "shared", people=12),
    }
    f = suppress(report(figures)).indicators["R4"]
    assert f.withheld == SMALL_CELL
    assert f.n == 20
    assert f.note == suppression.TIME_SHARE_NOTE
    assert "fewer than" not in f.note
