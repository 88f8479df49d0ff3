"""The members' easy-read report: plain, short, pictured, large, and readable."""

from __future__ import annotations

import html as html_module
import importlib
import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser

import attrs
import pytest

from coledger import Ledger
from coledger.projections.ladder import GROUPS
from coledger.projections.lens import Figure, Scope
from coledger.projections.report import PowerSharingReport, Rung
from coledger.reports import render
from coledger.reports.easy_read import FEW_ANSWERED
from coledger.reports.vocabulary import FLAGS, INDICATORS, RUNGS, TAGS

textstat = importlib.import_module("textstat")  # untyped; a plain import needs stubs
MAX_WORDS = 15
EASY = 80
"""Flesch reading ease: 70 is fairly easy, 80 easy, 90 very easy."""
BLOCKS = {"p", "h1", "h2", "h3", "li", "td", "th", "caption", "figcaption", "dt", "dd"}


class VisibleText(HTMLParser):
    """The text a reader sees: no head, no style, no text inside pictures."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.blocks: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note where hidden text starts, and where a block starts."""
        del attrs
        if tag in {"head", "style", "svg"}:
            self.hidden += 1
        if tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        """Note where hidden text ends, and where a block ends."""
        if tag in {"head", "style", "svg"}:
            self.hidden -= 1
        if tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        """Keep text that is not hidden."""
        if not self.hidden:
            self.current.append(data)

    def flush(self) -> None:
        """End the block of text being read."""
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []


def visible_blocks(html: str) -> list[str]:
    """Each block of visible text (a paragraph, heading or table cell) of a page."""
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.blocks


def sentences(blocks: list[str]) -> list[str]:
    """The sentences of some blocks of text (a block without a full stop is one)."""
    found = []
    for block in blocks:
        found += [s for s in re.split(r"(?<=[.?!])\s+", block) if s.strip()]
    return found


@pytest.fixture(scope="module")
def members_html(demo_report: PowerSharingReport) -> str:
    """The demo's members' report as HTML, with the charity's own word for the group."""
    return render(
        demo_report,
        audience="members",
        format="html",
        organisation="Riverside Mixed Ability Sports",
        group="trainers",
    )


@pytest.fixture(scope="module")
def members_text(demo_report: PowerSharingReport) -> str:
    """The demo's members' report as text, with the default word for the group."""
    return render(demo_report, audience="members", format="text")


def reading_ease(blocks: list[str]) -> float:
    """Flesch reading ease of some blocks, each read apart from the next.

    A heading, a name or a table cell has no full stop, and textstat would
    read it as the start of the next sentence ("What How many All ideas 32
    Ideas from ..."), so each block is ended as a sentence of its own.
    """
    ended = [b if re.search(r"[.?!]$", b) else f"{b}." for b in blocks if b.strip()]
    return float(textstat.flesch_reading_ease("\n".join(ended)))


@pytest.fixture(scope="module", params=["the organisation", "Trainers Group"])
def plain_reports(
    request: pytest.FixtureRequest, demo_ledger: Ledger
) -> tuple[str, str]:
    """A demo members' report, as text and HTML, with the default word for the group.

    The organisation's withholds its points about decisions and seats; the
    Trainers Group's shows every point's figures, so their sentences are read.
    """
    body = next((b for b in demo_ledger.bodies() if b.name == request.param), None)
    report = demo_ledger.power_sharing(body=None if body is None else body.id)
    names = {} if body is None else {str(body.id): body.name}
    text = render(report, audience="members", names=names)
    html = render(report, audience="members", format="html", names=names)
    return text, html


def test_the_html_is_easy_to_read(
    members_html: str, plain_reports: tuple[str, str]
) -> None:
    """Flesch reading ease of the visible text is "easy" (80 or more)."""
    for html in (members_html, plain_reports[1]):
        score = reading_ease(visible_blocks(html))
        assert score >= EASY, f"Flesch reading ease {score:.1f}"


def test_the_text_is_easy_to_read(plain_reports: tuple[str, str]) -> None:
    """Flesch reading ease of the text format is "easy" too."""
    score = reading_ease(plain_reports[0].splitlines())
    assert score >= EASY, f"Flesch reading ease {score:.1f}"


def test_sentences_are_short(
    members_html: str, members_text: str, plain_reports: tuple[str, str]
) -> None:
    """No sentence, heading or table cell is longer than fifteen words."""
    text, html = plain_reports
    everything = sentences(visible_blocks(members_html) + visible_blocks(html)) + (
        sentences(members_text.splitlines() + text.splitlines())
    )
    long = [s for s in everything if len(s.split()) > MAX_WORDS]
    assert not long, long


def test_one_idea_to_a_line(members_text: str) -> None:
    """Each line of the text holds at most two short sentences."""
    for line in members_text.splitlines():
        assert len(sentences([line])) <= 2, line


def test_no_codes_or_jargon(
    members_html: str, members_text: str, plain_reports: tuple[str, str]
) -> None:
    """No indicator codes, rung or flag names, tags, percentages or ratios."""
    text, html = plain_reports
    for out in (
        *("\n".join(visible_blocks(page)) for page in (members_html, html)),
        members_text,
        text,
    ):
        assert not re.search(r"\b[RAVDPXW]\d\b", out)
        for code in (*INDICATORS, *RUNGS, *FLAGS):
            assert not re.search(rf"\b{re.escape(code)}\b", out), code
        for tag in ("decided-with", *TAGS.values()):
            assert tag not in out
        for word in ("%", "parity", "indicator", "coverage", "Banzhaf", "Gini"):
            assert word.lower() not in out.lower(), word
        assert not re.search(r"\d\.\d", out), "no decimals"


def test_a_handful_of_points_each_with_a_picture_and_a_table(members_html: str) -> None:
    """Six headline points, each with a picture, and a table beside every chart."""
    points = members_html.count('class="point"')
    assert points == 8
    assert members_html.count('class="icon"') == 6
    charts = members_html.count('class="meter"') + members_html.count('class="steps"')
    assert charts >= 4
    assert members_html.count("<table") == 6


def test_each_table_s_column_headers_say_what_its_cells_hold(
    members_html: str,
) -> None:
    """The ladder's table heads its steps "Step", not "How many"."""
    heads = {
        caption: re.findall(r'<th scope="col">(.*?)</th>', head)
        for caption, head in re.findall(
            r"<caption[^>]*>(.*?)</caption><thead>(.*?)</thead>", members_html
        )
    }
    assert heads["The steps for each part of our work"] == ["Part of our work", "Step"]
    assert heads["The numbers about ideas"] == ["What", "How many"]


def test_a_meter_is_announced_once(members_html: str) -> None:
    """A meter's caption repeats its picture's name, so screen readers skip it."""
    figures = re.findall(
        r'<figure><svg [^>]*class="meter".*?</figure>', members_html, re.DOTALL
    )
    assert figures
    for figure in figures:
        title = re.search(r"<title[^>]*>(.*?)</title>", figure, re.DOTALL)
        caption = re.search(r"<figcaption([^>]*)>(.*?)</figcaption>", figure, re.DOTALL)
        assert title is not None
        assert caption is not None
        assert re.sub(r"<[^>]+>", "", caption.group(2)) == title.group(1)
        assert 'aria-hidden="true"' in caption.group(1)


def test_the_headline_points(members_html: str) -> None:
    """Who proposed, who decided, seats, support, feedback, the ladder."""
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", members_html)
    assert headings == [
        "About this report",
        "Who had the ideas?",
        "Who made the decisions?",
        "Who can vote on the board?",
        "Did people get the support they asked for?",
        "Did we tell people what happened to their ideas?",
        "How well do we work together?",
        "Keeping people safe",
    ]


def test_large_type_and_generous_spacing(members_html: str) -> None:
    """The base size is at least 1.25rem with a line height of at least 1.5."""
    rule = re.search(r"body\.members \{([^}]*)\}", members_html)
    assert rule is not None
    size = re.search(r"font-size:\s*([\d.]+)rem", rule.group(1))
    height = re.search(r"line-height:\s*([\d.]+)", rule.group(1))
    assert size is not None
    assert float(size.group(1)) >= 1.25
    assert height is not None
    assert float(height.group(1)) >= 1.5


def test_the_group_is_named_as_the_organisation_says(members_html: str) -> None:
    """The members' report can call lived experience by the organisation's word."""
    assert "In this report, we call the people who said yes trainers." in members_html
    assert "Trainers had about half of them." in members_html


def test_small_numbers_are_withheld_for_members(members_text: str) -> None:
    """The demo board's voting seats (3 of 6) are not shown to members either."""
    seats = members_text.split("Who can vote on the board?")[1].split(
        "\n\n", maxsplit=1
    )[0]
    assert "We do not show how many seats people with lived experience hold." in seats
    assert "3" not in seats


def test_members_read_the_comments_of_lived_experience_as_a_range(
    demo_report: PowerSharingReport, members_text: str
) -> None:
    """Their comments are counted as a range (41 to 100 for k of 5), not exactly."""
    n = demo_report.indicators["V5"].n
    assert 40 < n <= 100, "the demo year's comments fall in the range 41 to 100"
    feedback = members_text.split("Did we tell people what happened")[1]
    assert "People with lived experience made 41 to 100 comments on them." in feedback
    assert str(n) not in feedback


def _hand_made(kind: str, rungs: tuple[Rung, ...] = ()) -> PowerSharingReport:
    """A report of one scope with ten voting seats, half with lived experience."""
    scope = (
        Scope.project(uuid.uuid4()) if kind == "project" else Scope.body(uuid.uuid4())
    )
    return PowerSharingReport(
        scope=scope,
        since=None,
        until=None,
        as_of=9,
        indicators={"R1": Figure("R1", 0.5, 10, 0.5, "balanced")},
        ladder=rungs,
        decisions=(),
    )


def test_the_seats_sentence_agrees_with_a_project_s_groups() -> None:
    """A project's seats are its groups' seats: "The groups ... have", not "has"."""
    out = render(_hand_made("project"), audience="members")
    assert "The groups in this project have 10 voting seats." in out
    assert "This group has 10 voting seats." in render(
        _hand_made("body"), audience="members"
    )


@pytest.mark.parametrize("kind", ["body", "project"])
def test_a_report_of_one_scope_says_which_at_the_start(kind: str) -> None:
    """A body's or project's figures are not read as the whole organisation's."""
    report = _hand_made(kind)
    names = {str(report.scope.id): "Coaches"}
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt, names=names)
        assert "This report is about Coaches." in out
    unnamed = render(report, audience="members")
    which = "one of our groups" if kind == "body" else "one piece of our work"
    assert f"This report is about {which}." in unnamed


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_body_s_own_name_is_printed_as_it_is_spelt(fmt: str) -> None:
    """A body named "iCoach panel" is not renamed "ICoach panel" to start a sentence."""
    report = _hand_made("body")
    names = {str(report.scope.id): "iCoach panel"}
    out = render(report, audience="members", format=fmt, names=names)
    assert "iCoach panel has 10 voting seats." in out
    assert "ICoach" not in out


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_the_seats_point_names_no_single_board_for_several_bodies(fmt: str) -> None:
    """The organisation's seats over two governance bodies are "our boards"."""
    two = attrs.evolve(
        _hand_made("project"),
        scope=Scope.ledger(),
        indicators={
            "R1": Figure("R1", 0.5, 20, 0.5, "balanced"),
            "R7": Figure("R7", 0.5, 2, None, "proportionate"),
        },
    )
    out = render(two, audience="members", format=fmt)
    assert "Who can vote on our boards?" in out
    assert "Our boards have 20 voting seats." in out
    assert "the board" not in out.lower()
    one = attrs.evolve(
        two, indicators={**two.indicators, "R7": Figure("R7", 0.5, 1, None, "x")}
    )
    assert "The board has 20 voting seats." in render(one, audience="members")
    project = attrs.evolve(one, scope=Scope.project(uuid.uuid4()))
    assert "The group in this project has 20 voting seats." in render(
        project, audience="members"
    )


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_the_seats_point_names_no_board_where_no_body_holds_a_seat(fmt: str) -> None:
    """A ledger with no bodies asks "Who can vote?", naming no board it has not got."""
    with Ledger.open("memory://") as ledger:
        report = ledger.power_sharing()
    out = render(report, audience="members", format=fmt)
    assert re.search(r"Who can vote\?(<|\n)", out)
    assert "board" not in out.lower()
    seats_unknown = attrs.evolve(
        _hand_made("project"),
        scope=Scope.ledger(),
        indicators={"R1": Figure("R1", 0.5, 20, 0.5, "balanced")},
    )
    out = render(seats_unknown, audience="members", format=fmt)
    assert "We have 20 voting seats." in out
    assert "board" not in out.lower()


def test_a_process_below_the_first_step_is_not_on_step_0() -> None:
    """The report says step 1 is the lowest, so "no involvement" is off the ladder."""
    # enough people, and proposals of lived experience, for a rung
    many = {"people": dict.fromkeys(GROUPS, 9), "le_proposals": 9, "le_proposers": 9}
    rung = Rung("body", str(uuid.uuid4()), "Finance Committee", "NONE", 0, (), many)
    for fmt in ("text", "html"):
        out = render(_hand_made("body", (rung,)), audience="members", format=fmt)
        assert "Step 1 is the lowest." in out
        assert "step 0" not in out.lower()
        assert "It is not on the ladder yet." in out


def test_a_one_off_says_they_took_part_once_not_that_they_had_one_chance() -> None:
    """The flag one_off says all their input came on one occasion, no more.

    The record cannot tell how many chances they were given: a body that met
    every week, where they spoke at one meeting, is one_off too.
    """
    many = {"people": dict.fromkeys(GROUPS, 9), "le_proposals": 9, "le_proposers": 9}
    rung = Rung(
        "body", str(uuid.uuid4()), "Finance Committee", "CONSULTATION", 4,
        ("one_off",), many,
    )  # fmt: skip
    for fmt in ("text", "html"):
        out = render(_hand_made("body", (rung,)), audience="members", format=fmt)
        assert "only one chance" not in out
        assert "They took part only once." in out


def test_step_5_does_not_say_others_decided_where_lived_experience_decided(
    demo_report: PowerSharingReport,
) -> None:
    """The demo board is on step 5 only for unequal terms: its trainers decided."""
    board = next(r for r in demo_report.ladder if r.name == "Board of Trustees")
    assert board.level == 5
    assert "design" in board.evidence["decided_phases"]
    for fmt in ("text", "html"):
        out = render(demo_report, audience="members", format=fmt)
        step = out.split("Board of Trustees", 1)[1].split("Inclusion Advisory")[0]
        assert "Their ideas changed some things." in step
        assert "others made" not in step
        assert "did not yet help to plan it as equals" in step


@pytest.mark.parametrize(
    ("band", "verdict"),
    [
        ("parity", "That is a fair share."),
        ("below_parity", "That is not a fair share."),
        (None, None),
    ],
)
def test_the_ideas_point_judges_only_against_a_share_it_has(
    band: str | None, verdict: str | None
) -> None:
    """With no lived experience among the eligible, A1 has no band and no verdict."""
    report = attrs.evolve(
        _hand_made("body"),
        indicators={
            "R1": Figure("R1", 0.5, 10, 0.5, "balanced"),
            "A1": Figure("A1", 0.5, 12, 1.0, band, people=8),
        },
    )
    out = render(report, audience="members")
    ideas = out.split("Who had the ideas?")[1].split("?")[0]
    for sentence in ("That is a fair share.", "That is not a fair share."):
        assert (sentence in ideas) == (sentence == verdict)


@pytest.mark.parametrize(
    ("value", "support", "answers"),
    [
        (0.0, "They never got it in time.", "We never told them what happened."),
        (
            0.05,
            "They hardly ever got it in time.",
            "We hardly ever told them what happened.",
        ),
        (
            0.5,
            "They got it in time about half of the time.",
            "We told them what happened about half of the time.",
        ),
        (
            1.0,
            "They got it in time every time.",
            "We told them what happened every time.",
        ),
    ],
)
def test_how_often_reads_in_the_place_english_puts_it(
    value: float, support: str, answers: str
) -> None:
    """Never and hardly ever go before the verb: not "got it in time never"."""
    band = "met" if value == 1 else "shortfall"
    report = attrs.evolve(
        _hand_made("body"),
        indicators={
            "X1": Figure("X1", value, 200, 1.0, band, people=8),
            "V5": Figure("V5", value, 200, 1.0, "partial", people=8),
        },
    )
    lines = render(report, audience="members").splitlines()
    assert support in lines
    assert answers in lines


@pytest.mark.parametrize(
    ("since", "until", "line"),
    [
        (
            datetime(2025, 1, 1, tzinfo=UTC),
            None,
            "It covers the time from 1 January 2025.",
        ),
        (
            None,
            datetime(2025, 7, 1, tzinfo=UTC),
            "It covers the time up to 30 June 2025.",
        ),
        (
            datetime(2025, 1, 1, tzinfo=UTC),
            datetime(2025, 7, 1, tzinfo=UTC),
            "It covers 1 January 2025 to 30 June 2025.",
        ),
        (None, None, "It covers everything we wrote down, up to record number 9."),
    ],
)
def test_the_period_reads_as_a_sentence(
    since: datetime | None, until: datetime | None, line: str
) -> None:
    """A period open at one end is "the time from ...", not "It covers from ..."."""
    report = attrs.evolve(_hand_made("body"), since=since, until=until)
    assert line in render(report, audience="members").splitlines()


def test_a_report_of_an_earlier_moment_does_not_claim_the_whole_record() -> None:
    """A report frozen at an earlier event names that event, not "everything"."""
    early = attrs.evolve(_hand_made("body"), as_of=1_234)
    lines = render(early, audience="members").splitlines()
    assert "It covers everything we wrote down, up to record number 1,234." in lines
    assert not any("everything we have written down" in line for line in lines)
    empty = render(attrs.evolve(early, as_of=0), audience="members").splitlines()
    assert "It covers our record, but nothing was written down yet." in empty


@pytest.mark.parametrize(
    ("coverage", "warned"), [(0.3, True), (0.1, True), (0.5, False), (0.9, False)]
)
def test_a_point_read_from_few_answers_says_so(coverage: float, warned: bool) -> None:
    """Where few of the people behind a point told us, it says the number may be wrong.

    The public report gives A1's coverage beside it; the members' report
    reads no percentage, so it says in words when fewer than 40% answered.
    """
    report = attrs.evolve(
        _hand_made("body"),
        indicators={
            "R1": Figure("R1", 0.5, 10, 0.5, "balanced"),
            "A1": Figure("A1", 0.5, 12, coverage, "parity", people=8),
        },
    )
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt)
        ideas = out.split("Who had the ideas?")[1].split("Who made")[0]
        assert (FEW_ANSWERED[0] in ideas) == warned
        seats = out.split("Who can vote")[1].split("Did people")[0]
        assert FEW_ANSWERED[0] not in seats  # half of the seat holders answered


def test_the_answers_table_counts_only_the_group_s_comments() -> None:
    """V5 counts only the group's comments, so its table row says whose they are."""
    report = attrs.evolve(
        _hand_made("body"),
        indicators={"V5": Figure("V5", 0.5, 30, 1.0, "partial", people=8)},
    )
    out = render(report, audience="members", format="html", group="trainers")
    answers = out.split("Did we tell people what happened")[1].split("How well do")[0]
    assert "Comments from trainers on ideas we decided about" in answers
    assert "Comments on ideas we decided about" not in answers
    assert "Comments from trainers we answered" in answers


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 7, 1, tzinfo=UTC)),
        (datetime(2025, 1, 1, tzinfo=UTC), None),
        (None, datetime(2025, 7, 1, tzinfo=UTC)),
    ],
)
def test_a_period_s_report_names_the_record_it_was_made_from(
    since: datetime | None, until: datetime | None
) -> None:
    """A period's report frozen at an earlier event says so, as the public's does."""
    early = attrs.evolve(_hand_made("body"), since=since, until=until, as_of=1_234)
    lines = render(early, audience="members").splitlines()
    assert "It uses what we wrote down, up to record number 1,234." in lines
    html = render(early, audience="members", format="html")
    assert "It uses what we wrote down, up to record number 1,234." in html
    empty = render(attrs.evolve(early, as_of=0), audience="members").splitlines()
    assert "But nothing was written down yet." in empty
    assert not any("record number" in line for line in empty)


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_withheld_share_still_gives_the_count_its_table_shows(fmt: str) -> None:
    """The decisions table shows 34 decisions, so its sentences say so in both formats.

    Only the share is withheld (one of its two groups is under 5): the text,
    which has no table, would otherwise leave the count out, and the HTML's
    "We do not show this number." would stand beside the 34 it shows.
    """
    report = attrs.evolve(
        _hand_made("body"),
        indicators={
            "R1": Figure("R1", 0.5, 10, 0.5, "balanced"),
            "D1": Figure("D1", 32 / 34, 34, 1.0, "shared", people=9),
        },
    )
    out = render(report, audience="members", format=fmt)
    point = out.split("Who made the decisions?")[1].split("Who can vote")[0]
    assert "We made 34 decisions." in point
    assert (
        "We do not show how many decisions people with lived experience helped to make."
        in (point)
    )
    assert "We do not show this number." not in point


def test_the_text_says_every_line_the_html_page_says(
    plain_reports: tuple[str, str],
) -> None:
    """Each heading and paragraph of the members' HTML is a line of its text too."""
    text, page = plain_reports
    lines = set(text.splitlines())
    said = [
        html_module.unescape(re.sub(r"<[^>]+>", "", inner))
        for _, inner in re.findall(r"<(h[1-3]|p)\b[^>]*>(.*?)</\1>", page, re.DOTALL)
    ]
    assert said
    assert [s for s in said if s not in lines] == []


@pytest.mark.parametrize(
    ("code", "heading", "sentence"),
    [
        (
            "A1",
            "Who had the ideas?",
            "We do not show how many ideas trainers had.",
        ),
        (
            "D1",
            "Who made the decisions?",
            "We do not show how many decisions trainers helped to make.",
        ),
        (
            "R1",
            "Who can vote",
            "We do not show how many seats trainers hold.",
        ),
    ],
)
def test_a_withheld_share_says_what_it_is_a_share_of(
    code: str, heading: str, sentence: str
) -> None:
    """A withheld share's sentence names what was counted, not ending on a bare verb.

    "We do not show how many trainers hold." leaves out what they hold, and
    reads as if the number of trainers were what is hidden.
    """
    figures = {
        "R1": Figure("R1", 0.5, 10, 0.5, "balanced"),
        "A1": Figure("A1", 0.5, 32, 1.0, "parity"),
        "D1": Figure("D1", 0.5, 34, 1.0, "shared"),
    }
    figures[code] = attrs.evolve(figures[code], people=1)
    report = attrs.evolve(_hand_made("body"), indicators=figures)
    for fmt in ("text", "html"):
        out = render(report, audience="members", format=fmt, group="trainers")
        point = out.split(heading)[1]
        assert sentence in point
