"""render(): every audience in every format parses, and bad arguments are refused."""

from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
from attrs import evolve

from coledger import InvalidInputError, Ledger, LedgerError, demo
from coledger.projections.lens import Figure
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.reports import (
    AUDIENCES,
    FORMATS,
    UnknownAudienceError,
    UnknownFormatError,
    render,
    suppress,
)
from coledger.reports.suppression import TAGS_D1_NOTE
from report_helpers import report as hand_made

VOID = {"area", "br", "col", "hr", "img", "input", "link", "meta", "wbr"}
ORG = "Riverside Mixed Ability Sports"


class Page(HTMLParser):
    """Checks an HTML document's nesting and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self.headings: list[int] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        """Keep the doctype."""
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element, noting its attributes, id and heading level."""
        found = dict(attrs)
        self.tags.append((tag, found))
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note a self-closed element."""
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost element, or note that the nesting is wrong."""
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        """Keep text."""
        self.text.append(data)


def parse(html: str) -> Page:
    """The parsed page, after checking that every element is closed in order."""
    page = Page()
    page.feed(html)
    page.close()
    assert not page.errors, page.errors
    assert not page.stack, f"left open: {page.stack}"
    return page


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_audience_in_every_format(
    demo_report: PowerSharingReport,
    demo_names: dict[str, str],
    audience: str,
    fmt: str,
) -> None:
    """Each combination renders, and parses as what it claims to be."""
    out = render(
        demo_report, audience=audience, format=fmt, names=demo_names, organisation=ORG
    )
    assert out.endswith("\n")
    if fmt == "json":
        body = json.loads(out)
        assert set(body) >= {"version", "scope", "period", "as_of", "indicators"}
        assert set(body) >= {"ladder", "decisions"}
    elif fmt == "html":
        page = parse(out)
        assert page.doctype.lower() == "doctype html"
    else:
        assert ORG in out


def test_board_json_is_the_reports_own(demo_report: PowerSharingReport) -> None:
    """The board's JSON is to_json() itself."""
    out = render(demo_report, audience="board", format="json")
    assert json.loads(out) == json.loads(json.dumps(demo_report.to_json()))


@pytest.mark.parametrize("audience", ["public", "members"])
def test_suppressed_json_keeps_the_reports_shape(
    demo_report: PowerSharingReport, audience: str
) -> None:
    """The public and members' JSON have the same figures, as bands or withheld."""
    body = json.loads(render(demo_report, audience=audience, format="json"))
    board = demo_report.to_json()
    # Its own version: version 2 shows counts about lived experience as ranges,
    # version 3 may withhold the decisions by tag.
    assert (body["version"], board["version"]) == (3, 1)
    assert body["audience"] == audience
    assert body["small_cell"] == Thresholds().small_cell
    assert set(body["indicators"]) == set(board["indicators"])
    for figure in body["indicators"].values():
        assert set(figure) == {
            "value",
            "n",
            "n_range",
            "coverage",
            "band",
            "note",
            "withheld",
        }
        assert figure["value"] is None or isinstance(figure["value"], str)
    assert [r["name"] for r in body["ladder"]] == [r["name"] for r in board["ladder"]]
    # 30 of the demo's 34 decisions had lived experience with a vote: D1 is
    # withheld for the other 4, and the decisions by tag with it.
    assert body["decisions_withheld"] == TAGS_D1_NOTE
    assert body["decisions"] == []
    assert isinstance(body["decision_total"], int)


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_the_public_text_and_html_say_why_the_decisions_by_tag_are_withheld(
    demo_report: PowerSharingReport, fmt: str
) -> None:
    """The reason the JSON gives for withheld tags is printed in text and HTML too."""
    out = render(demo_report, audience="public", format=fmt)
    text = out if fmt == "text" else "".join(parse(out).text)
    assert TAGS_D1_NOTE in text


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_html_is_one_self_contained_accessible_page(
    demo_report: PowerSharingReport, demo_names: dict[str, str], audience: str
) -> None:
    """Language, title, landmarks, headings, tables, alternatives; nothing outside."""
    out = render(demo_report, audience=audience, format="html", names=demo_names)
    page = parse(out)
    tags = [t for t, _ in page.tags]
    html_attrs = next(a for t, a in page.tags if t == "html")
    assert html_attrs.get("lang") == "en-GB"
    assert tags.count("title") >= 1
    for landmark in ("header", "main", "footer"):
        assert tags.count(landmark) == 1
    assert page.headings[0] == 1
    assert page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools_pairwise(page.headings))
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    assert "script" not in tags
    assert "link" not in tags
    assert "img" not in tags
    for tag, attrs in page.tags:
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
        assert "src" not in attrs
        if tag == "svg" and attrs.get("role") == "img":
            labels = (attrs.get("aria-labelledby") or "").split()
            assert labels or attrs.get("aria-label")
            assert all(label in page.ids for label in labels)
        if tag == "th":
            assert attrs.get("scope") in {"col", "row"}
    assert tags.count("table") == tags.count("caption")
    charts = sum(
        1 for t, a in page.tags if t == "svg" and "icon" not in (a.get("class") or "")
    )
    assert charts
    assert tags.count("table") >= 1
    assert "url(http" not in out
    assert "@import" not in out


def itertools_pairwise(values: list[int]) -> list[tuple[int, int]]:
    """Neighbouring pairs of a list."""
    return list(itertools.pairwise(values))


def test_no_text_below_the_base_size(demo_report: PowerSharingReport) -> None:
    """No CSS rule or SVG label sets text smaller than 1rem (16px)."""
    for audience in AUDIENCES:
        out = render(demo_report, audience=audience, format="html")
        for size in re.findall(r"font-size:\s*([\d.]+)rem", out):
            assert float(size) >= 1
        for size in re.findall(r'font-size="([\d.]+)"', out):
            assert float(size) >= 16
        assert ":focus-visible" in out
        assert "outline" in out


def test_text_names_everything_in_words(demo_report: PowerSharingReport) -> None:
    """The board's text shows each code with its title, rungs and flags in words."""
    out = render(demo_report, audience="board", format="text")
    assert "R1  Voting seats held by lived experience" in out
    assert "Engagement" in out
    assert "equal terms not met" in out
    assert "ENGAGEMENT" not in out


def test_board_lists_each_decision_by_name(
    demo_report: PowerSharingReport, demo_names: dict[str, str]
) -> None:
    """The board's decision list uses the proposal titles the caller passes."""
    out = render(demo_report, audience="board", format="text", names=demo_names)
    some = next(iter(demo_names.values()))
    assert any(name in out for name in demo_names.values()), some
    unnamed = render(demo_report, audience="board", format="text")
    assert "proposal " in unnamed


@pytest.mark.parametrize("bad", ["trustees", "", "BOARD", None, 3])
def test_unknown_audience(demo_report: PowerSharingReport, bad: object) -> None:
    """An audience other than board, members or public is a typed input error."""
    with pytest.raises(UnknownAudienceError) as caught:
        render(demo_report, audience=bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidInputError)
    assert isinstance(caught.value, LedgerError)
    assert "board" in str(caught.value)


@pytest.mark.parametrize("bad", ["pdf", "HTML", "", None])
def test_unknown_format(demo_report: PowerSharingReport, bad: object) -> None:
    """A format other than text, json or html is a typed input error."""
    with pytest.raises(UnknownFormatError) as caught:
        render(demo_report, format=bad)  # type: ignore[arg-type]
    assert isinstance(caught.value, InvalidInputError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"names": ["not", "a", "mapping"]},
        {"names": {"id": 3}},
        {"organisation": "   "},
        {"organisation": 12},
        {"group": ""},
        {"thresholds": {"small_cell": 5}},
    ],
)
def test_bad_arguments(
    demo_report: PowerSharingReport, kwargs: dict[str, object]
) -> None:
    """Malformed names, organisation, group or thresholds are refused."""
    with pytest.raises(InvalidInputError):
        render(demo_report, **kwargs)  # type: ignore[arg-type]


def test_not_a_report() -> None:
    """Only a PowerSharingReport can be rendered."""
    with pytest.raises(InvalidInputError):
        render({"version": 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, "report", {"version": 1}])
def test_suppress_refuses_what_is_not_a_report(bad: object) -> None:
    """suppress, public like render, refuses a non-report with a typed error."""
    with pytest.raises(InvalidInputError, match="PowerSharingReport"):
        suppress(bad)  # type: ignore[arg-type]


def test_html_escapes_what_it_is_given(demo_report: PowerSharingReport) -> None:
    """An organisation's name cannot inject markup."""
    out = render(
        demo_report,
        audience="public",
        format="html",
        organisation="<script>alert(1)</script>",
    )
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    parse(out)


def test_an_empty_ledger_renders_for_everyone() -> None:
    """With nothing recorded, every report says there is not enough evidence."""
    with Ledger.open("memory://") as ledger:
        report = ledger.power_sharing()
    for audience in AUDIENCES:
        for fmt in FORMATS:
            out = render(report, audience=audience, format=fmt)
            if fmt == "html":
                parse(out)
            if fmt == "json":
                json.loads(out)
    assert "enough" in render(report, audience="members")


def test_an_empty_ledgers_board_report_says_what_it_has_none_of() -> None:
    """With no process and no decision, text and HTML both say so in words."""
    with Ledger.open("memory://") as ledger:
        report = ledger.power_sharing()
    for fmt in ("text", "html"):
        out = render(report, audience="board", format=fmt)
        assert "No process in this scope had any activity to rate." in out
        assert "No decisions in this period." in out
    html = render(report, audience="board", format="html")
    assert "Each decision and its tag" not in html  # no empty table


def test_the_boards_chart_of_no_decisions_reads_sensibly() -> None:
    """With no decisions, the tags chart's text alternative gives no 0-to-0 scale."""
    with Ledger.open("memory://") as ledger:
        report = ledger.power_sharing()
    html = render(report, audience="board", format="html")
    desc = re.search(r'<desc id="tags-chart-[^"]*">(.*?)</desc>', html)
    assert desc is not None
    assert "scale" not in desc.group(1)
    assert desc.group(1).startswith("decided with lived experience: 0; ")


def test_spaces_around_the_group_and_organisation_are_not_printed(
    demo_report: PowerSharingReport,
) -> None:
    """A group or organisation given with spaces round it reads as without them."""
    plain = render(
        demo_report, audience="members", group="trainers", organisation="RMAS"
    )
    padded = render(
        demo_report, audience="members", group="  trainers ", organisation=" RMAS  "
    )
    assert padded == plain


def test_a_body_over_a_period(demo_ledger: Ledger) -> None:
    """A report for one body over a period names both, for every audience."""
    board = next(b for b in demo_ledger.bodies() if b.name == "Board of Trustees")
    report = demo_ledger.power_sharing(
        body=board.id,
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2025, 7, 1, tzinfo=UTC),
    )
    names = {str(board.id): board.name}
    public = render(report, audience="public", names=names)
    assert "the body Board of Trustees" in public
    assert "1 January 2025 to 30 June 2025" in public
    members = render(report, audience="members", names=names)
    assert "Who can vote on Board of Trustees?" in members
    assert "It covers 1 January 2025 to 30 June 2025." in members


def test_small_cell_is_configurable(demo_report: PowerSharingReport) -> None:
    """A lower limit withholds less, a higher one more."""

    def withheld(k: int) -> int:
        body = json.loads(
            render(
                demo_report,
                audience="public",
                format="json",
                thresholds=Thresholds(small_cell=k),
            )
        )
        return sum(1 for f in body["indicators"].values() if f["withheld"])

    assert withheld(2) < withheld(5) < withheld(50)
    with pytest.raises(InvalidInputError, match="small_cell"):
        Thresholds(small_cell=1)  # it would show counts of one person


def test_demo_organisation_in_titles(demo_report: PowerSharingReport) -> None:
    """The organisation's name heads every report."""
    for audience in AUDIENCES:
        out = render(demo_report, audience=audience, format="html", organisation=ORG)
        assert f"{ORG}" in out.split("</title>")[0]
    assert demo.ORGANISATION


def test_organisation_and_group_take_no_control_characters(
    demo_report: PowerSharingReport,
) -> None:
    """An escape sequence in a title would recolour a terminal: it is refused."""
    with pytest.raises(InvalidInputError, match="organisation"):
        render(demo_report, audience="members", organisation="Club\x1b[31m")
    with pytest.raises(InvalidInputError, match="group"):
        render(demo_report, audience="members", group="trainers\x1b[31m")


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
@pytest.mark.parametrize(
    "bad", ["Board\x1b[2J", "Board\nR1 value: 100%", "\u202eBoard"]
)
def test_names_the_report_prints_take_no_control_characters(
    demo_ledger: Ledger, demo_names: dict[str, str], audience: str, bad: str
) -> None:
    """A scope name or proposal title that would rewrite a terminal is refused."""
    board = next(b for b in demo_ledger.bodies() if b.name == "Board of Trustees")
    report = demo_ledger.power_sharing(body=board.id)
    with pytest.raises(InvalidInputError, match="names"):
        render(report, audience=audience, names={str(board.id): bad})
    if audience == "board":
        title = next(iter(d.proposal for d in report.decisions))
        with pytest.raises(InvalidInputError, match="names"):
            render(report, audience=audience, names={**demo_names, title: bad})
    # A name the report does not print is not its business.
    unused = {"not-an-id": bad, str(board.id): board.name}
    assert "Board of Trustees" in render(report, audience=audience, names=unused)


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_the_json_prints_no_name_so_refuses_none(
    demo_ledger: Ledger, audience: str
) -> None:
    """The JSON holds no names, so a name it would not print is not refused."""
    board = next(b for b in demo_ledger.bodies() if b.name == "Board of Trustees")
    report = demo_ledger.power_sharing(body=board.id)
    bad = "Board\nR1 value: 100%"
    names = {str(board.id): bad, **{d.proposal: bad for d in report.decisions}}
    out = render(report, audience=audience, format="json", names=names)
    assert "R1 value: 100%" not in out
    assert json.loads(out)["scope"]["id"] == str(board.id)


def test_the_board_sees_which_decisions_d1_counts_were_made_out_of_the_forum(
    demo_report: PowerSharingReport,
) -> None:
    """The demo chair's two lone deferrals count in D1, and the board is told so."""
    text = render(demo_report)
    d1 = text.split("  D1  ")[1].split("  D2  ")[0]
    assert "4 of them made out of the forum (chair 2, outside_forum 2)" in d1
    assert "made out of the forum (chair 2" in render(demo_report, format="html")


@pytest.mark.parametrize("fmt", ["text", "html", "json"])
def test_band_words_are_cut_at_the_thresholds_the_report_was_computed_with(
    demo_ledger: Ledger, fmt: str
) -> None:
    """Under a parity of 1.1, D3 of 1.08 is "below equal", never "about equal"."""
    strict = Thresholds(parity=1.1, voice_high=1.5)
    report = demo_ledger.power_sharing(thresholds=strict)
    assert report.indicators["D3"].band == "below_parity"
    out = render(report, audience="public", format=fmt)
    if fmt == "json":
        assert (
            json.loads(out)["indicators"]["D3"]["value"] == "below equal (0.5 to 1.1)"
        )
    else:
        assert "below equal (0.5 to 1.1)" in out
    assert "about equal (0.8 to 1.25)" not in out
    fewer = Thresholds(parity=1.1, voice_high=1.5, small_cell=3)
    assert "below equal (0.5 to 1.1)" in render(
        report, audience="public", format=fmt, thresholds=fewer
    )
    with pytest.raises(InvalidInputError, match="only small_cell may differ"):
        render(report, audience="public", thresholds=Thresholds(small_cell=3))


def test_the_boards_evidence_names_the_ratios_groups_in_words(
    demo_report: PowerSharingReport,
) -> None:
    """A rung's group counts read as counts, never as "not enough evidence"."""
    text = render(demo_report, audience="board")
    festival = text.split("Summer Festival (project)")[1].split("\n\n")[0]
    lines = festival.splitlines()
    groups = next(line for line in lines if "groups those figures compare" in line)
    # R1's and R2's groups count people; R3's seats, then the people holding them.
    assert groups.endswith(": R1 13 and 5; R2 13 and 5; R3 13 and 7 and 13 and 7")
    assert "    proposals with a lived-experience proposer: 6" in lines
    assert "    rung turns on whether those were adopted: no" in lines
    people = next(line for line in lines if "people in each part" in line)
    assert "voting deciders 18" in people


def test_names_are_isolated_from_the_text_around_them_in_html() -> None:
    """A right-to-left name sits in its own bdi, keeping the words by it in order."""
    body_name, title = "ועד 2", "הצעה (א)"
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        dana = ledger.register_member("Dana", role="trainer", by=admin)
        ledger.declare_lived_experience(
            dana, categories=["DIS"], consent="explicit_consent"
        )
        board = ledger.establish_body(body_name, kind="governance", by=admin)
        ledger.assign_seat(board, dana, seat="voting", by=admin)
        proposal = ledger.raise_proposal(
            board, proposers=[dana], title=title, text="Text."
        )
        ledger.comment(proposal, author=dana, text="Yes.", channel="meeting")
        ledger.decide(proposal, by=admin, outcome="adopted", method="consensus")
        report = ledger.power_sharing()
        names = {str(proposal): title}
    out = render(
        report, audience="board", format="html", names=names, organisation="מועדון 1"
    )
    parse(out)
    assert out.count("<bdi>מועדון 1</bdi>") == 2  # the heading and the facts
    assert f'<th scope="row"><bdi>{body_name}</bdi></th>' in out
    assert f"Evidence for <bdi>{body_name}</bdi> (body)" in out
    assert f'<th scope="row"><bdi>{title}</bdi></th>' in out


@pytest.mark.parametrize("audience", ["board", "public"])
def test_a_body_and_a_project_of_one_name_have_evidence_tables_of_two_names(
    audience: str,
) -> None:
    """Each evidence table is named as its fold is, with its kind, so none twice.

    A body and the project it runs may share a name; captioned "Evidence for
    Youth Panel" both, their scrolling regions had one name between them.
    """
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        ledger.establish_body("Youth Panel", kind="governance", by=admin)
        ledger.start_project("Youth Panel", label="co_production", by=admin)
        report = ledger.power_sharing()
    out = render(report, audience=audience, format="html")
    captions = re.findall(r"<caption [^>]*>(Evidence for .*?)</caption>", out)
    assert sorted(captions) == [
        "Evidence for <bdi>Youth Panel</bdi> (body)",
        "Evidence for <bdi>Youth Panel</bdi> (project)",
    ]


@pytest.mark.parametrize("audience", ["members", "public"])
def test_a_title_the_public_and_members_never_print_is_not_checked(
    demo_ledger: Ledger, audience: str
) -> None:
    """A bad proposal title or an empty scope name does not stop a safe report."""
    board = next(b for b in demo_ledger.bodies() if b.name == "Board of Trustees")
    report = demo_ledger.power_sharing(body=board.id)
    title = next(iter(d.proposal for d in report.decisions))
    render(report, audience=audience, names={title: "Board\x1b[2J"})
    render(report, audience=audience, names={str(board.id): ""})


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_a_period_that_does_not_start_and_end_at_midnight_gives_its_times(
    audience: str,
) -> None:
    """A period from 10:00 to 10:30 is not written as whole days in any report."""
    report = evolve(
        hand_made({}),
        since=datetime(2025, 1, 1, 10, tzinfo=UTC),
        until=datetime(2025, 7, 1, 10, 30, tzinfo=UTC),
    )
    out = render(report, audience=audience)
    assert "1 January 2025, 10:00 UTC to 1 July 2025, 10:30 UTC" in out
    local = timezone(timedelta(hours=1))
    report = evolve(report, since=datetime(2025, 1, 1, 9, tzinfo=local))
    report = evolve(report, until=None)
    assert "from 1 January 2025, 09:00 UTC+01:00" in render(report, audience=audience)
    report = evolve(report, since=datetime(2025, 1, 1, 0, 0, 0, 500000, tzinfo=UTC))
    assert "from 1 January 2025, 00:00:00.5 UTC" in render(report, audience=audience)


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_a_bound_at_midnight_in_another_zone_gives_its_time_and_offset(
    audience: str,
) -> None:
    """A period to midnight at UTC+14:00 (10:00 UTC) is not written as whole days."""
    far = timezone(timedelta(hours=14))
    report = evolve(
        hand_made({}),
        since=datetime(2025, 6, 1, tzinfo=UTC),
        until=datetime(2025, 7, 1, tzinfo=far),
    )
    out = render(report, audience=audience)
    assert "1 June 2025 to 1 July 2025, 00:00 UTC+14:00" in out
    assert "to 30 June 2025" not in out
    west = timezone(timedelta(hours=-5))
    report = evolve(report, since=datetime(2025, 3, 1, tzinfo=west), until=None)
    assert "from 1 March 2025, 00:00 UTC-05:00" in render(report, audience=audience)


def test_x3_is_not_called_accessible_when_standard_print_alone_was_on_time() -> None:
    """X3 counts standard print too, so its title does not claim accessible papers."""
    start = datetime(2024, 3, 1, tzinfo=UTC)
    with Ledger.open("memory://") as ledger:
        chair = ledger.register_member("Chair", occurred_at=start)
        board = ledger.establish_body("Board", kind="governance", occurred_at=start)
        meeting = ledger.schedule_meeting(
            board,
            kind="decision_meeting",
            title="March board",
            starts_at=start + timedelta(days=14),
            by=chair,
            occurred_at=start,
        )
        ledger.issue_papers(meeting, formats=["STD"], by=chair, occurred_at=start)
        report = ledger.power_sharing()
    x3 = report.indicators["X3"]
    assert (x3.value, x3.n, x3.band) == (1.0, 1, "on_time")
    lines = render(report, audience="board").splitlines()
    title = next(line for line in lines if line.strip().startswith("X3 "))
    assert title.split(maxsplit=1)[1] == "Papers issued in time"


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_small_n_withheld_says_what_it_counts(fmt: str) -> None:
    """A withheld small n names its unit, as every other n in the column does."""
    shown = render(
        hand_made({"V2": Figure("V2", 0.3, 3, 1.0, "moderate")}),
        audience="public",
        format=fmt,
    )
    cell = (
        "n: fewer than 5 members |"
        if fmt == "text"
        else "<td>fewer than 5 members</td>"
    )
    assert cell in shown


@pytest.mark.parametrize("audience", sorted(AUDIENCES))
def test_a_direction_control_in_a_name_is_written_as_an_escape_in_text(
    audience: str,
) -> None:
    """An isolate left open in a body's name cannot reorder the rest of its line."""
    with Ledger.open("memory://") as ledger:
        admin = ledger.register_member("Admin", role="staff")
        body = ledger.establish_body(
            "Board \u2067\u05d5\u05e2\u05d3", kind="governance", by=admin
        )
        ledger.raise_proposal(body, proposers=[admin], title="T", text="x")
        report = ledger.power_sharing(body=body)
    out = render(report, audience=audience, format="text", organisation="Club\u2066")
    assert not re.search(r"[\u202a-\u202e\u2066-\u2069]", out)
    assert "Board \\u2067\u05d5\u05e2\u05d3" in out
