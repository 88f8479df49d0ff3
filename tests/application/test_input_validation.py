"""Bad input to every public command is refused with a typed error, storing nothing.

These checks never reach storage, so they run on the in-memory ledger. Each test
starts from one small organisation (`World`) in which every command in `COMMANDS`
succeeds with its default arguments; a test then spoils one argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

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
    NotASeatHolderError,
    TextTooLongError,
    TimeOutOfRangeError,
    UnknownActionError,
    UnknownAdjustmentCodeError,
    UnknownAdjustmentError,
    UnknownBodyError,
    UnknownCodeError,
    UnknownCommentError,
    UnknownMeetingError,
    UnknownProjectError,
    UnknownProposalError,
)
from helpers import count_events, refused

AWARE = datetime(2024, 6, 1, 18, 0, tzinfo=UTC)
NAIVE = datetime(2024, 6, 1, 18, 0)  # noqa: DTZ001 (the point of the test)
WORLD_REF = "world:admin"
FIRST = datetime(1800, 1, 1, tzinfo=UTC)
"""The earliest business time a record can hold."""


@dataclass(frozen=True)
class World:
    """A small organisation in which every command below can succeed."""

    ledger: Ledger
    admin: UUID
    sam: UUID
    kim: UUID
    helper: UUID
    newcomer: UUID
    board: UUID
    plan: UUID
    meeting: UUID
    open_p: UUID
    comment: UUID
    gated_p: UUID
    voting_p: UUID
    adopted_p: UUID
    action: UUID
    need: UUID
    advisory_p: UUID


def build(ledger: Ledger) -> World:
    """Record the world: members, a board, a project, a meeting and proposals."""
    admin = ledger.register_member("Admin", role="staff", source_ref=WORLD_REF)
    sam = ledger.register_member("Sam")
    kim = ledger.register_member("Kim")
    helper = ledger.register_member("Helper", role="supporter")
    newcomer = ledger.register_member("Newcomer")
    ledger.declare_lived_experience(sam, categories=["DIS"])
    ledger.authorise_supporter(sam, helper)
    board = ledger.establish_body(
        "Board", kind="governance", by=admin, occurred_at=FIRST
    )
    ledger.assign_seat(board, sam, by=admin, occurred_at=FIRST)
    ledger.assign_seat(board, kim, by=admin, occurred_at=FIRST)
    plan = ledger.start_project(
        "Plan", label="co_production", by=admin, occurred_at=FIRST
    )
    meeting = ledger.schedule_meeting(
        board, kind="decision_meeting", title="AGM", starts_at=AWARE, by=admin
    )
    # Raised and voted on at the earliest recordable time, so that every
    # command below may give any time in the recordable years.
    open_p = ledger.raise_proposal(
        board, proposers=[sam], title="Open", text="x", occurred_at=FIRST
    )
    comment = ledger.comment(open_p, author=kim, text="A thought", occurred_at=FIRST)
    gated_p = ledger.raise_proposal(
        board, proposers=[sam], title="Gated", text="x", occurred_at=FIRST
    )
    ledger.request_adjustment(kim, code="BSL", proposal=gated_p, needed_before="vote")
    voting_p = ledger.raise_proposal(
        board, proposers=[sam], title="Voting", text="x", occurred_at=FIRST
    )
    ledger.open_voting(voting_p, by=admin, occurred_at=FIRST)
    advisory_p = ledger.raise_proposal(
        board, proposers=[sam], title="Poll", text="x", occurred_at=FIRST
    )
    ledger.open_voting(advisory_p, by=admin, advisory=True, occurred_at=FIRST)
    adopted_p = ledger.raise_proposal(
        board, proposers=[sam], title="Adopted", text="x", occurred_at=FIRST
    )
    ledger.open_voting(adopted_p, by=admin, occurred_at=FIRST)
    ledger.cast_ballot(adopted_p, voter=sam, choice="for", occurred_at=FIRST)
    ledger.close_voting(adopted_p, by=admin, occurred_at=FIRST)
    action = ledger.assign_action(
        adopted_p, description="Do", owners=[kim], by=admin, occurred_at=FIRST
    )
    need = ledger.request_adjustment(kim, code="XT", occurred_at=FIRST)
    return World(
        ledger,
        admin,
        sam,
        kim,
        helper,
        newcomer,
        board,
        plan,
        meeting,
        open_p,
        comment,
        gated_p,
        voting_p,
        adopted_p,
        action,
        need,
        advisory_p,
    )


@pytest.fixture
def world(memory_ledger: Ledger) -> World:
    """The world, recorded in a fresh in-memory ledger."""
    return build(memory_ledger)


M = NotAMemberError


@dataclass(frozen=True)
class Command:
    """A public command, valid default arguments, and what its ids must name."""

    name: str
    defaults: Callable[[World], dict[str, Any]]
    ids: Mapping[str, type[LedgerError]] = field(default_factory=dict)
    """Single-id arguments, and the error when one names nothing."""
    id_lists: Mapping[str, tuple[type[LedgerError], bool]] = field(default_factory=dict)
    """List-of-ids arguments: the error for an unknown id, and whether empty is bad."""

    def __call__(self, w: World, **overrides: Any) -> Any:
        """Run the command with the defaults, overridden."""
        method = getattr(w.ledger, self.name)
        return method(**{**self.defaults(w), **overrides})


COMMANDS = [
    Command(
        "register_member",
        lambda w: {"name": "New person", "by": w.admin},
        {"by": M},
    ),
    Command(
        "change_role",
        lambda w: {"member": w.kim, "role": "trustee", "by": w.admin},
        {"member": M, "by": M},
    ),
    Command(
        "declare_lived_experience",
        lambda w: {"member": w.kim, "categories": ["CARER"]},
        {"member": M, "by": M},
    ),
    Command(
        "withdraw_lived_experience",
        lambda w: {"member": w.sam},
        {"member": M, "by": M},
    ),
    Command(
        "erase_member",
        lambda w: {"member": w.newcomer, "by": w.admin},
        {"member": M, "by": M},
    ),
    Command(
        "authorise_supporter",
        lambda w: {"member": w.kim, "supporter": w.helper},
        {"member": M, "supporter": M, "by": M},
    ),
    Command(
        "revoke_supporter",
        lambda w: {"member": w.sam, "supporter": w.helper},
        {"member": M, "by": M},
    ),
    Command(
        "establish_body",
        lambda w: {"name": "New body", "kind": "advisory", "by": w.admin},
        {"by": M},
    ),
    Command(
        "change_rule",
        lambda w: {"body": w.board, "rule": Rule.consent(), "by": w.admin},
        {"body": UnknownBodyError, "by": M},
    ),
    Command(
        "assign_seat",
        lambda w: {
            "body": w.board,
            "member": w.newcomer,
            "seat": "observer",
            "by": w.admin,
        },
        {"body": UnknownBodyError, "member": M, "by": M},
    ),
    Command(
        "vacate_seat",
        lambda w: {"body": w.board, "member": w.kim, "by": w.admin},
        {"body": UnknownBodyError, "member": NotASeatHolderError, "by": M},
    ),
    Command(
        "start_project",
        lambda w: {"name": "New project", "label": "co_design", "by": w.admin},
        {"by": M},
    ),
    Command(
        "relabel_project",
        lambda w: {"project": w.plan, "label": "engagement", "by": w.admin},
        {"project": UnknownProjectError, "by": M},
    ),
    Command(
        "finish_project",
        lambda w: {"project": w.plan, "by": w.admin},
        {"project": UnknownProjectError, "by": M},
    ),
    Command(
        "schedule_meeting",
        lambda w: {
            "body": w.board,
            "kind": "workshop",
            "title": "Next",
            "starts_at": AWARE,
            "by": w.admin,
        },
        {"body": UnknownBodyError, "project": UnknownProjectError, "by": M},
    ),
    Command(
        "issue_papers",
        lambda w: {"meeting": w.meeting, "formats": ["ER"], "by": w.admin},
        {"meeting": UnknownMeetingError, "by": M},
    ),
    Command(
        "record_attendance",
        lambda w: {
            "meeting": w.meeting,
            "member": w.kim,
            "mode": "remote",
            "by": w.admin,
        },
        {"meeting": UnknownMeetingError, "member": M, "by": M},
    ),
    Command(
        "hold_check_in",
        lambda w: {"meeting": w.meeting, "by": w.admin},
        {"meeting": UnknownMeetingError, "by": M},
    ),
    Command(
        "raise_proposal",
        lambda w: {
            "body": w.board,
            "proposers": [w.kim],
            "title": "New",
            "text": "Text",
            "by": w.kim,
        },
        {
            "body": UnknownBodyError,
            "project": UnknownProjectError,
            "meeting": UnknownMeetingError,
            "by": M,
        },
        {"proposers": (M, True)},
    ),
    Command(
        "amend_proposal",
        lambda w: {
            "proposal": w.open_p,
            "title": "Amended",
            "takes_up": [w.comment],
            "by": w.sam,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"takes_up": (UnknownCommentError, False)},
    ),
    Command(
        "comment",
        lambda w: {"proposal": w.open_p, "author": w.kim, "text": "More"},
        {"proposal": UnknownProposalError, "author": M, "supporter": M},
    ),
    Command(
        "publish_accessible_version",
        lambda w: {"proposal": w.open_p, "format": "LP", "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "give_feedback",
        lambda w: {
            "proposal": w.open_p,
            "comments": [w.comment],
            "text": "We did",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"comments": (UnknownCommentError, True)},
    ),
    Command(
        "withdraw_proposal",
        lambda w: {"proposal": w.open_p, "reason": "Gone", "by": w.sam},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "request_adjustment",
        lambda w: {
            "member": w.kim,
            "code": "BRK",
            "proposal": w.open_p,
            "needed_before": "vote",
            "needed_by": AWARE,
        },
        {"member": M, "proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "provide_adjustment",
        lambda w: {"adjustment": w.need, "by": w.admin},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "decline_adjustment",
        lambda w: {"adjustment": w.need, "reason": "other", "by": w.admin},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "withdraw_adjustment",
        lambda w: {"adjustment": w.need},
        {"adjustment": UnknownAdjustmentError, "by": M},
    ),
    Command(
        "open_voting",
        lambda w: {
            "proposal": w.gated_p,
            "access_override": "Interpreter unavailable",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "cast_ballot",
        lambda w: {"proposal": w.voting_p, "voter": w.sam, "choice": "for"},
        {"proposal": UnknownProposalError, "voter": M, "supporter": M},
    ),
    Command(
        "close_voting",
        lambda w: {"proposal": w.voting_p, "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "close_advisory_vote",
        lambda w: {"proposal": w.advisory_p, "by": w.admin},
        {"proposal": UnknownProposalError, "by": M},
    ),
    Command(
        "decide",
        lambda w: {
            "proposal": w.open_p,
            "outcome": "deferred",
            "method": "chair",
            "rationale": "Needs costing.",
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"decided_by": (M, True)},
    ),
    Command(
        "assign_action",
        lambda w: {
            "proposal": w.adopted_p,
            "description": "Book it",
            "owners": [w.kim],
            "due": AWARE,
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"owners": (M, True)},
    ),
    Command(
        "complete_action",
        lambda w: {"proposal": w.adopted_p, "action": w.action, "by": w.admin},
        {"proposal": UnknownProposalError, "action": UnknownActionError, "by": M},
    ),
    Command(
        "record_evaluation",
        lambda w: {
            "proposal": w.adopted_p,
            "summary": "Good",
            "authors": [w.kim],
            "by": w.admin,
        },
        {"proposal": UnknownProposalError, "by": M},
        {"authors": (M, True), "criteria_proposed_by": (M, False)},
    ),
]
BY_NAME = {command.name: command for command in COMMANDS}


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
    CodeField("publish_accessible_version", "format", v.FORMATS),
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
    with refused(world.ledger, UnknownCodeError):
        command(world, **{name: valid})
    with refused(world.ledger, InvalidInputError):
        command(world, **{name: []})
    with refused(world.ledger, UnknownCodeError):
        command(world, **{name: [valid, "nope"]})


@pytest.mark.parametrize("name", ["categories", "formats"])
@pytest.mark.parametrize("value", [None, 5, uuid4()], ids=["None", "int", "UUID"])
def test_code_lists_must_be_iterable(world: World, name: str, value: object) -> None:
    """A code list that is no collection at all is refused as an unknown code."""
    command = BY_NAME[
        "declare_lived_experience" if name == "categories" else "issue_papers"
    ]
    with refused(world.ledger, UnknownCodeError):
        command(world, **{name: value})


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
