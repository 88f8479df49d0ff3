"""Bad input to every public command is refused with a typed error, storing nothing.

These checks never reach storage, so they run on the in-memory ledger. Each test
starts from one small organisation (`World`) in which every command in `COMMANDS`
succeeds with its default arguments; a test then spoils one argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from uuid import uuid4

import pytest

from coledger import Ledger, Rule
from coledger.domain import values as v
from coledger.errors import (
    ControlCharacterError,
    DuplicateSourceRefError,
    EmptyTextError,
    InvalidIdError,
    InvalidInputError,
    InvalidRuleError,
    LedgerError,
    NaiveDatetimeError,
    NotAMemberError,
    TextTooLongError,
    TimeOutOfRangeError,
    UnknownAdjustmentCodeError,
    UnknownAdjustmentError,
    UnknownBodyError,
    UnknownCodeError,
    UnknownMeetingError,
    UnknownProjectError,
    UnknownProposalError,
)
from command_world import (
    AWARE,
    BY_NAME,
    COMMANDS,
    NAIVE,
    WORLD_REF,
    Command,
    World,
    build,
)
from helpers import count_events, refused


@pytest.fixture
def world(memory_ledger: Ledger) -> World:
    """The world, recorded in a fresh in-memory ledger."""
    return build(memory_ledger)


def test_every_public_command_is_covered() -> None:
    """The table names every command (every method taking occurred_at) of Ledger."""
    commands = {
        name
        for name, member in inspect.getmembers(Ledger, inspect.isfunction)
        if not name.startswith("_")
        and "occurred_at" in inspect.signature(member).parameters
    }
    assert commands == set(BY_NAME), "add each new command to COMMANDS"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_valid_defaults_are_recorded(world: World, command: Command) -> None:
    """With its default arguments each command succeeds and records events."""
    before = count_events(world.ledger)
    command(world)
    assert count_events(world.ledger) > before


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_occurred_at_must_be_an_aware_datetime(world: World, command: Command) -> None:
    """A naive or non-datetime occurred_at is refused; an aware one is kept."""
    with refused(world.ledger, NaiveDatetimeError):
        command(world, occurred_at=NAIVE)
    for bad in ("2024-06-01T18:00:00+00:00", date(2024, 6, 1), 1_717_264_800):
        with refused(world.ledger, InvalidInputError):
            command(world, occurred_at=bad)
    command(world, occurred_at=AWARE)
    assert list(world.ledger.history())[-1].event.occurred_at == AWARE


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_source_ref_must_be_one_new_line_of_text(
    world: World, command: Command
) -> None:
    """A source_ref must be non-empty, one line, short, clean and not yet recorded."""
    bad: list[tuple[object, type[LedgerError]]] = [
        ("", EmptyTextError),
        ("   ", EmptyTextError),
        ("minutes:1\nminutes:2", ControlCharacterError),
        ("polis:\x00", ControlCharacterError),
        ("x" * (v.MAX_SOURCE_REF + 1), TextTooLongError),
        (WORLD_REF, DuplicateSourceRefError),
        (42, InvalidInputError),
    ]
    for value, error in bad:
        with refused(world.ledger, error):
            command(world, source_ref=value)
    ref = f"import:{command.name}#1"
    command(world, source_ref=ref)
    assert world.ledger.find_by_source_ref(ref) is not None


NAMED_RECORDS = (
    NotAMemberError,
    UnknownAdjustmentError,
    UnknownBodyError,
    UnknownMeetingError,
    UnknownProjectError,
    UnknownProposalError,
)
"""The refusals of an id that can say which kind of record the id names instead."""

ID_CASES = [
    (command, name, error)
    for command in COMMANDS
    for name, error in command.ids.items()
]


@pytest.mark.parametrize(
    ("command", "name", "error"),
    ID_CASES,
    ids=[f"{c.name}-{n}" for c, n, _ in ID_CASES],
)
def test_id_arguments_must_name_a_record_of_their_kind(
    world: World, command: Command, name: str, error: type[LedgerError]
) -> None:
    """An id that is not a UUID, or names nothing of its kind, is refused."""
    for malformed in ("not-a-uuid", str(world.board), 42, b"\x00" * 16):
        with refused(world.ledger, InvalidIdError):
            command(world, **{name: malformed})
    wrong_kind = world.board if error is UnknownAdjustmentError else world.need
    for unknown in (uuid4(), wrong_kind):
        with refused(world.ledger, error):
            command(world, **{name: unknown})


@pytest.mark.parametrize(
    ("command", "name", "error"),
    [case for case in ID_CASES if case[2] in NAMED_RECORDS],
    ids=[f"{c.name}-{n}" for c, n, e in ID_CASES if e in NAMED_RECORDS],
)
def test_an_id_of_another_kind_is_named_in_the_refusal(
    world: World, command: Command, name: str, error: type[LedgerError]
) -> None:
    """A member's id given as a body's (say) is refused saying what that id names."""
    wrong_kind, names = (
        (world.board, "a body")
        if error is UnknownAdjustmentError
        else (world.need, "an adjustment")
    )
    with refused(world.ledger, error, match=f"that id names {names}"):
        command(world, **{name: wrong_kind})
    with pytest.raises(error) as refusal:
        command(world, **{name: uuid4()})
    assert "that id names" not in str(refusal.value)


LIST_CASES = [
    (command, name, error, empty_bad)
    for command in COMMANDS
    for name, (error, empty_bad) in command.id_lists.items()
]


@pytest.mark.parametrize(
    ("command", "name", "error", "empty_bad"),
    LIST_CASES,
    ids=[f"{c.name}-{n}" for c, n, _, _ in LIST_CASES],
)
def test_id_list_arguments_must_list_known_records(
    world: World,
    command: Command,
    name: str,
    error: type[LedgerError],
    empty_bad: bool,
) -> None:
    """A list of ids must be a list of UUIDs naming records of the right kind."""
    for malformed in (str(world.kim), world.kim, ["not-a-uuid"], [world.kim, 7], 5):
        with refused(world.ledger, InvalidIdError):
            command(world, **{name: malformed})
    with refused(world.ledger, error):
        command(world, **{name: [uuid4()]})
    with refused(world.ledger, error):
        command(world, **{name: [world.need]})  # an adjustment, not a member or comment
    if empty_bad:
        with refused(world.ledger, InvalidInputError):
            command(world, **{name: []})
        with refused(world.ledger, InvalidInputError):
            command(world, **{name: iter(())})


@dataclass(frozen=True)
class TextField:
    """A free-text argument of a command and its limits."""

    command: str
    name: str
    limit: int
    one_line: bool
    optional: bool = False

    def __str__(self) -> str:
        return f"{self.command}-{self.name}"

    def call(self, w: World, value: object) -> Any:
        """Run the command with this field set to *value*."""
        return BY_NAME[self.command](w, **{self.name: value})


TEXT_FIELDS = [
    TextField("register_member", "name", v.MAX_NAME, one_line=True),
    TextField("establish_body", "name", v.MAX_NAME, one_line=True),
    TextField("start_project", "name", v.MAX_NAME, one_line=True),
    TextField(
        "start_project", "description", v.MAX_TEXT, one_line=False, optional=True
    ),
    TextField("schedule_meeting", "title", v.MAX_TITLE, one_line=True),
    TextField("raise_proposal", "title", v.MAX_TITLE, one_line=True),
    TextField("raise_proposal", "text", v.MAX_TEXT, one_line=False),
    TextField("amend_proposal", "title", v.MAX_TITLE, one_line=True, optional=True),
    TextField("amend_proposal", "text", v.MAX_TEXT, one_line=False, optional=True),
    TextField("comment", "text", v.MAX_TEXT, one_line=False),
    TextField("give_feedback", "text", v.MAX_TEXT, one_line=False),
    TextField("withdraw_proposal", "reason", v.MAX_TEXT, one_line=False, optional=True),
    TextField(
        "open_voting", "access_override", v.MAX_TITLE, one_line=False, optional=True
    ),
    TextField("decide", "rationale", v.MAX_TEXT, one_line=False, optional=True),
    TextField("assign_action", "description", v.MAX_TITLE, one_line=False),
    TextField("record_evaluation", "summary", v.MAX_TEXT, one_line=False),
]
CONTROL = [
    *("\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"),
    *("\ud800", "\u202d", "\u202e"),  # a lone surrogate; the bidi overrides
]


@pytest.mark.parametrize("text", TEXT_FIELDS, ids=str)
def test_text_must_say_something(world: World, text: TextField) -> None:
    """Empty, whitespace-only and non-string text is refused."""
    blank = ("\u200b\u200b", "\ufeff ", "\u2066\u2069", "\u00ad", "\u3164")
    for empty in ("", " ", "\n\t \n", "\u3000", *blank):
        with refused(world.ledger, EmptyTextError):
            text.call(world, empty)
    wrong: list[object] = [42, b"bytes", ["a list"], 3.5]
    if not text.optional:
        wrong.append(None)
    for value in wrong:
        with refused(world.ledger, InvalidInputError):
            text.call(world, value)


def test_every_character_that_shows_nothing_leaves_a_text_empty(world: World) -> None:
    """A name of only Hangul fillers, a bidi mark or other ignorables is empty."""
    ignorable = (
        *("\u115f", "\u1160", "\uffa0"),  # the Hangul fillers beside U+3164
        *("\u061c", "\u17b4", "\u180b", "\u206a"),  # a bidi mark; other formats
        *("\ufe0f", "\U000e0020", "\U000e0100", "\U0001d173"),  # selectors, tags
    )
    for char in ignorable:
        with refused(world.ledger, EmptyTextError):
            world.ledger.register_member(f"{char} {char}")


@pytest.mark.parametrize("text", TEXT_FIELDS, ids=str)
def test_text_has_a_length_limit(world: World, text: TextField) -> None:
    """Text one character over its limit is refused; text at the limit is kept."""
    with refused(world.ledger, TextTooLongError):
        text.call(world, "é" * (text.limit + 1))
    before = count_events(world.ledger)
    text.call(world, "é" * text.limit)
    assert count_events(world.ledger) > before


@pytest.mark.parametrize("text", TEXT_FIELDS, ids=str)
def test_text_refuses_control_characters(world: World, text: TextField) -> None:
    """Control and line-separator characters are refused in every text."""
    for char in CONTROL:
        with refused(world.ledger, ControlCharacterError):
            text.call(world, f"before{char}after")


def test_crlf_line_breaks_allowed_in_multi_line_text(world: World) -> None:
    """Windows and web-form line breaks (CRLF) are newlines too in multi-line text."""
    text = "First line\r\nsecond line"
    p = world.ledger.raise_proposal(
        world.board, proposers=[world.sam], title="From a web form", text=text
    )
    assert world.ledger.proposal(p).text == text


@pytest.mark.parametrize("text", TEXT_FIELDS, ids=str)
def test_a_lone_carriage_return_is_refused_in_every_text(
    world: World, text: TextField
) -> None:
    """A CR not followed by LF is refused: a terminal returns over the line with it."""
    for value in ("shown\rhidden", "ends with\r", "\r\rtwo\r\n"):
        with refused(world.ledger, ControlCharacterError):
            text.call(world, value)


@pytest.mark.parametrize("text", TEXT_FIELDS, ids=str)
def test_newlines_only_in_multi_line_text(world: World, text: TextField) -> None:
    """Newlines and tabs are allowed in multi-line text but not in names and titles."""
    value = "First line\nsecond line\n\tindented"
    if text.one_line:
        for separator in ("\n", "\r", "\t"):
            with refused(world.ledger, ControlCharacterError):
                text.call(world, f"one{separator}two")
    else:
        before = count_events(world.ledger)
        text.call(world, value)
        assert count_events(world.ledger) > before


@dataclass(frozen=True)
class CodeField:
    """An argument drawn from a closed vocabulary."""

    command: str
    name: str
    allowed: frozenset[str]
    many: bool = False
    optional: bool = False
    error: type[UnknownCodeError] = UnknownCodeError
    repeatable: bool = True
    """Whether the command can succeed again in the same world."""

    def __str__(self) -> str:
        return f"{self.command}-{self.name}"

    def call(self, w: World, value: object) -> Any:
        """Run the command with this field set to *value* (wrapped if a list)."""
        given = [value] if self.many else value
        return BY_NAME[self.command](w, **{self.name: given})


A = UnknownAdjustmentCodeError
CODE_FIELDS = [
    CodeField("register_member", "role", v.ROLES),
    CodeField("change_role", "role", v.ROLES),
    CodeField(
        "declare_lived_experience",
        "categories",
        v.LIVED_EXPERIENCE_CATEGORIES,
        many=True,
        repeatable=False,
    ),
    CodeField("declare_lived_experience", "consent", v.CONSENT_FORMS, repeatable=False),
    CodeField(
        "declare_lived_experience", "condition", v.ART9_CONDITIONS, repeatable=False
    ),
    CodeField("establish_body", "kind", v.BODY_KINDS),
    CodeField("assign_seat", "seat", v.SEAT_KINDS, repeatable=False),
    CodeField("assign_seat", "office", v.OFFICES, optional=True, repeatable=False),
    CodeField("start_project", "label", v.PROJECT_LABELS),
    CodeField("relabel_project", "label", v.PROJECT_LABELS),
    CodeField("schedule_meeting", "kind", v.MEETING_KINDS),
    CodeField("issue_papers", "formats", v.FORMATS, many=True),
    CodeField("record_attendance", "mode", v.ATTENDANCE_MODES),
    CodeField("raise_proposal", "phase", v.PHASES, optional=True),
    CodeField("comment", "channel", v.CHANNELS),
    CodeField("publish_accessible_version", "format", v.ACCESSIBLE_FORMATS),
    CodeField("request_adjustment", "code", v.ADJUSTMENT_CODES, error=A),
    CodeField("request_adjustment", "needed_before", v.NEEDED_BEFORE),
    CodeField(
        "decline_adjustment",
        "reason",
        v.DECLINE_REASONS - {"alternative_offered"},
        repeatable=False,
    ),
    CodeField(
        "decline_adjustment",
        "alternative",
        v.ADJUSTMENT_CODES,
        optional=True,
        error=A,
        repeatable=False,
    ),
    CodeField("cast_ballot", "choice", v.CHOICES),
    CodeField("decide", "outcome", v.OUTCOMES - {"not_valid"}, repeatable=False),
    CodeField("decide", "method", v.DECISION_METHODS - {"vote"}, repeatable=False),
]


def spoilt(code: str) -> Iterator[object]:
    """Near misses of a valid code: wrong case, padded, and other types."""
    yield code.swapcase()
    yield f" {code}"
    yield f"{code}\x00"
    yield code.encode()
    yield [code]


@pytest.mark.parametrize("code", CODE_FIELDS, ids=str)
def test_codes_come_from_their_vocabulary(world: World, code: CodeField) -> None:
    """Every code outside its vocabulary is refused; every code inside is accepted."""
    valid = sorted(code.allowed)
    bad: list[object] = ["nope", "", 1, True, *spoilt(valid[0])]
    if not code.optional:
        bad.append(None)
    for value in bad:
        with refused(world.ledger, code.error):
            code.call(world, value)
    for value in valid:
        if code.repeatable:
            code.call(world, value)
            continue
        with Ledger.open("memory://") as ledger:
            code.call(build(ledger), value)


def test_standard_print_is_not_an_accessible_version(world: World) -> None:
    """Papers go out in STD; a proposal's accessible version is never standard print."""
    with refused(world.ledger, UnknownCodeError, match="format"):
        BY_NAME["publish_accessible_version"](world, format="STD")
    BY_NAME["issue_papers"](world, formats=["STD"])


def test_decide_refuses_not_valid_as_an_outcome(world: World) -> None:
    """'not_valid' is what a vote can make of a tally, never a decision to record."""
    with refused(world.ledger, UnknownCodeError):
        BY_NAME["decide"](world, outcome="not_valid")


@pytest.mark.parametrize("name", ["categories", "formats"])
def test_code_lists_must_be_lists_with_something_in(world: World, name: str) -> None:
    """A bare string or an empty list of codes is refused."""
    command = BY_NAME[
        "declare_lived_experience" if name == "categories" else "issue_papers"
    ]
    valid = "DIS" if name == "categories" else "ER"
    with refused(world.ledger, UnknownCodeError, match=f"^{name} must be a list"):
        command(world, **{name: valid})
    with refused(world.ledger, InvalidInputError, match="at least one") as empty:
        command(world, **{name: []})
    assert type(empty.value) is InvalidInputError  # a list, not an empty text
    with refused(world.ledger, UnknownCodeError):
        command(world, **{name: [valid, "nope"]})


@pytest.mark.parametrize("name", ["categories", "formats"])
@pytest.mark.parametrize("value", [None, 5, uuid4()], ids=["None", "int", "UUID"])
def test_code_lists_must_be_iterable(world: World, name: str, value: object) -> None:
    """A code list that is no collection at all is refused as an unknown code."""
    command = BY_NAME[
        "declare_lived_experience" if name == "categories" else "issue_papers"
    ]
    with refused(world.ledger, UnknownCodeError, match=f"^{name} must be a list"):
        command(world, **{name: value})


def test_a_bare_sealed_code_is_not_repeated_in_its_refusal(world: World) -> None:
    """categories="DIS" says to pass a list without repeating the sealed value."""
    with pytest.raises(UnknownCodeError) as refusal:
        BY_NAME["declare_lived_experience"](world, categories="LTHC")
    assert "LTHC" not in str(refusal.value)
    assert "such as ['CARER']" in str(refusal.value)


def test_a_date_or_text_for_a_time_is_told_how_to_make_a_datetime(
    world: World,
) -> None:
    """A date is shown as the datetime to pass; text is refused without repeating it."""
    run = BY_NAME["schedule_meeting"]
    with refused(
        world.ledger, NaiveDatetimeError, match=r"datetime\(2024, 6, 1, tzinfo=UTC\)"
    ):
        run(world, starts_at=date(2024, 6, 1))
    with pytest.raises(NaiveDatetimeError) as refusal:
        run(world, starts_at="Bea's birthday")
    assert "birthday" not in str(refusal.value)
    assert "fromisoformat" in str(refusal.value)


DATETIME_FIELDS = [
    ("schedule_meeting", "starts_at", False),
    ("request_adjustment", "needed_by", True),
    ("assign_action", "due", True),
]


@pytest.mark.parametrize(("command", "name", "optional"), DATETIME_FIELDS)
def test_datetimes_must_be_aware(
    world: World, command: str, name: str, optional: bool
) -> None:
    """Naive datetimes, dates and strings are refused for every datetime argument."""
    run = BY_NAME[command]
    with refused(world.ledger, NaiveDatetimeError):
        run(world, **{name: NAIVE})
    bad: list[object] = ["2024-06-01T18:00:00+00:00", date(2024, 6, 1), 0]
    if not optional:
        bad.append(None)
    for value in bad:
        with refused(world.ledger, InvalidInputError):
            run(world, **{name: value})


FAR = [
    datetime(1799, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2200, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_occurred_at_must_fall_in_the_recordable_years(
    world: World, command: Command
) -> None:
    """A time before 1800 or from 2200 on is refused; the edges of the range pass."""
    for far in FAR:
        with refused(world.ledger, TimeOutOfRangeError):
            command(world, occurred_at=far)
    command(world, occurred_at=datetime(1800, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(("command", "name", "optional"), DATETIME_FIELDS)
def test_other_datetimes_must_fall_in_the_recordable_years(
    world: World, command: str, name: str, optional: bool
) -> None:
    """Meeting starts, deadlines and due dates keep to the same years."""
    del optional
    for far in FAR:
        with refused(world.ledger, TimeOutOfRangeError):
            BY_NAME[command](world, **{name: far})
    BY_NAME[command](world, **{name: datetime(2199, 12, 31, tzinfo=UTC)})


def test_a_recorded_far_date_cannot_break_the_report(world: World) -> None:
    """After the latest time a ledger may hold, the report still works out."""
    BY_NAME["assign_seat"](world, occurred_at=datetime(2199, 12, 31, 23, tzinfo=UTC))
    assert world.ledger.power_sharing().indicators


def test_a_rule_of_any_value_is_refused_as_a_rule(world: World) -> None:
    """A value that is no Rule, however long to write out, gets InvalidRuleError."""
    for rule in (10**5000, "x" * 100_000, [10**5000]):
        for command in ("establish_body", "change_rule"):
            with refused(world.ledger, InvalidRuleError, match="coledger.Rule") as e:
                BY_NAME[command](world, rule=rule)
            assert len(str(e.value)) < 200


def test_a_long_value_for_a_code_is_not_repeated_whole(world: World) -> None:
    """A long text given for a code is cut short in its UnknownCodeError."""
    for given in ("x" * 100_000, ["x" * 100_000]):
        with refused(world.ledger, UnknownCodeError, match=r"role \[?'xxx") as raised:
            world.ledger.change_role(world.kim, given, by=world.admin)  # type: ignore[arg-type]
        assert len(str(raised.value)) < 300


def test_a_wrong_type_is_named_with_its_article(world: World) -> None:
    """An id or a time of the wrong type is named as 'an int', not 'a int'."""
    ledger = world.ledger
    with refused(ledger, InvalidIdError, match="uuid.UUID, not an int$"):
        ledger.change_role(5, "staff", by=world.admin)  # type: ignore[arg-type]
    with refused(ledger, InvalidIdError, match="uuid.UUID, not an object$"):
        ledger.change_role(object(), "staff", by=world.admin)  # type: ignore[arg-type]
    with refused(ledger, NaiveDatetimeError, match="datetime, not an int$"):
        ledger.change_role(world.kim, "staff", by=world.admin, occurred_at=5)  # type: ignore[arg-type]
    with refused(ledger, NaiveDatetimeError, match="datetime, not a float$"):
        ledger.change_role(world.kim, "staff", by=world.admin, occurred_at=1.5)  # type: ignore[arg-type]


def test_other_malformed_arguments(world: World) -> None:
    """Flags, rules and combinations of arguments are checked first."""
    ledger = world.ledger
    for partial in ("yes", 1, None):
        with refused(ledger, InvalidInputError):
            ledger.provide_adjustment(world.need, by=world.admin, partial=partial)  # type: ignore[arg-type]
    with refused(ledger, InvalidInputError):
        BY_NAME["request_adjustment"](world, meeting=world.meeting)
    with refused(ledger, InvalidInputError, match="alternative"):
        BY_NAME["decline_adjustment"](world, reason="alternative_offered")
    with refused(ledger, InvalidInputError):
        ledger.authorise_supporter(world.kim, world.kim)
    for rule in ("majority", None, {"kind": "majority"}):
        with refused(ledger, InvalidInputError):
            BY_NAME["change_rule"](world, rule=rule)
    for share in ("1e-100000000", "1e-1", "1_0/2_0", "0x1", "nan", "2/3/4", "0." * 30):
        with pytest.raises(InvalidRuleError):
            Rule("threshold", threshold=share)
    for text, share in (("2/3", "2/3"), ("0.75", "3/4"), ("+0.75", "3/4"), ("1.", "1")):
        assert Rule("threshold", threshold=text).threshold == Fraction(share)
    assert Rule("threshold", threshold=str(2 / 3)).threshold == Fraction(2, 3)
    crowded = Rule.majority(lived_experience_quorum=10_001)  # may be made...
    with refused(ledger, InvalidRuleError, match="at most 10,000"):
        BY_NAME["change_rule"](world, rule=crowded)  # ...but not recorded
    with refused(ledger, InvalidInputError):
        BY_NAME["establish_body"](world, rule="consent")
