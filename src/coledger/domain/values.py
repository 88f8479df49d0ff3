"""Closed vocabularies and input checks shared by every aggregate.

Codes are stored in events, so each vocabulary only ever grows: a code, once
released, keeps its meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from types import MappingProxyType
from uuid import UUID

from coledger.errors import (
    ControlCharacterError,
    EmptyTextError,
    InvalidIdError,
    InvalidInputError,
    NaiveDatetimeError,
    TextTooLongError,
    TimeOutOfRangeError,
    UnknownAdjustmentCodeError,
    UnknownCodeError,
    a_or_an,
    shown_briefly,
)

ROLES = frozenset(
    {"member", "trainer", "staff", "director", "trustee", "partner", "supporter"}
)
"""Organisational roles a member can hold."""

LIVED_EXPERIENCE = frozenset({"DIS", "LTHC", "CARER", "OTHER_LE"})
"""Coarse, self-declared categories of lived experience: disabled person, long-term
health condition, carer, other lived experience. Never diagnoses."""

LIVED_EXPERIENCE_CATEGORIES = LIVED_EXPERIENCE | {"NONE", "PREFER_NOT"}
"""What a member may declare: the categories above, ``NONE`` (no lived experience,
which still counts towards declaration coverage) or ``PREFER_NOT`` (an answer that
counts as not declared)."""

CONSENT_FORMS = frozenset(
    {"explicit_consent", "easy_read_consent", "supported_consent"}
)
"""How the member gave consent to record their declaration."""

ART9_CONDITIONS = frozenset(
    {
        "art9_2a_explicit_consent",
        "dpa_sch1_para8_equality",
        "dpa_sch1_para16_disability_support",
        "art9_2d_not_for_profit",
    }
)
"""The UK GDPR Art. 9 condition the organisation relies on for the declaration."""

BODY_KINDS = frozenset({"working_group", "advisory", "governance"})
SEAT_KINDS = frozenset({"voting", "advisory", "observer", "ex_officio"})
OFFICES = frozenset({"chair", "co_chair", "vice_chair", "secretary"})
PROJECT_LABELS = frozenset(
    {"co_production", "co_design", "engagement", "consultation", "informing", "other"}
)
PHASES = frozenset({"design", "delivery", "evaluation", "governance"})
MEETING_KINDS = frozenset(
    {
        "decision_meeting",
        "workshop",
        "consultation",
        "information",
        "education",
        "social",
    }
)
ATTENDANCE_MODES = frozenset({"in_person", "remote", "asynchronous"})
CHANNELS = frozenset(
    {"meeting", "written", "easy_read_form", "bsl_video", "one_to_one"}
)
CHOICES = frozenset({"for", "against", "abstain", "block"})
DECISION_METHODS = frozenset(
    {
        "vote",
        "consensus",
        "consent",
        "chair",
        "staff_executive",
        "delegated",
        "outside_forum",
    }
)
OUTCOMES = frozenset(
    {"adopted", "adopted_amended", "rejected", "deferred", "not_valid"}
)
"""``not_valid``: the vote closed with no ballots, or short of its quorum or its
lived-experience quorum, so nothing was decided by it."""

ADJUSTMENT_CATALOGUE: Mapping[str, str] = MappingProxyType(
    {
        # Information formats (Equality Act s.20(6))
        "ER": "Easy Read version",
        "PLS": "Plain-language summary or rephrasing",
        "LP": "Large print",
        "BRL": "Braille",
        "AUD": "Audio version of papers",
        "EDOC": "Screen-reader-compatible electronic document",
        "BSLV": "BSL translated video of papers or decisions",
        "SYM": "Symbols, pictures or visual agenda",
        "GLOS": "Jargon buster or glossary",
        "REC": "Recording or notes of the meeting shared afterwards",
        "LANG": "Spoken- or written-language translation",
        # Communication support (auxiliary aids)
        "BSL": "BSL/English interpreter",
        "SSE": "Sign-Supported English interpreter",
        "DBI": "Deafblind interpreter or manual",
        "LIP": "Lipspeaker",
        "STTR": "Speech-to-text reporter",
        "CAP": "Live captions",
        "NTK": "Notetaker",
        "LOOP": "Hearing loop or assistive listening",
        "AAC": "AAC user support",
        "AD": "Audio description of visual content",
        "TECH": "Assistive technology or device loan",
        # Practice changes
        "PAP": "Papers sent in advance",
        "PRE": "Pre-meeting briefing",
        "DEB": "Post-meeting debrief",
        "XT": "Extra time",
        "BRK": "Scheduled breaks",
        "PACE": "Slower pace, one speaker at a time",
        "SHRT": "Shorter or split meetings",
        "TIME": "Adjusted start time or day",
        "HYB": "Remote or hybrid participation",
        "ALT": "Alternative contribution channel",
        "CAM": "Camera-off or chat-only participation",
        "QRM": "Quiet or low-sensory room",
        "SUP": "Supporter, PA or carer attends",
        "ADV": "Independent advocate",
        "BUD": "Peer buddy or mentor",
        "CHK": "Wellbeing check-in at the start",
        # Physical features
        "STEP": "Step-free route",
        "WC": "Accessible toilet or Changing Places",
        "PARK": "Accessible parking or drop-off",
        "SEAT": "Seating or space adjustments",
        "ENV": "Lighting, acoustics, signage, scent-free",
        "TRV": "Accessible transport arranged",
        # Financial and reciprocity
        "EXPA": "Expenses paid in advance",
        "CARE": "Carer or replacement-care costs covered",
        "PAPC": "PA costs covered",
        "FEE": "Payment for time",
    }
)
"""The 48 adjustment codes of the accessibility catalogue, each with a short
description; read-only, since every request is checked against it."""

ADJUSTMENT_CODES = frozenset(ADJUSTMENT_CATALOGUE)
FORMATS = frozenset({"STD", "ER", "PLS", "LP", "BRL", "AUD", "EDOC", "BSLV", "SYM"})
"""Formats papers and accessible versions are issued in: standard print plus the
catalogue's information formats that are versions of the papers (not ``GLOS``,
``REC`` or ``LANG``, which are asked for as adjustments only)."""
OWN_SUPPORTER = "a member cannot be their own supporter"
"""What naming a member as their own supporter is told, wherever it is named."""
ACCESSIBLE_FORMATS = FORMATS - {"STD"}
"""Formats an accessible version of a proposal is published in: not standard print."""

ADJUSTMENT_SCOPES = frozenset({"standing", "meeting", "proposal"})
NEEDED_BEFORE = frozenset({"papers", "meeting", "vote", "feedback"})
NEEDED_BEFORE_VOTE = frozenset({"papers", "meeting", "vote"})
"""Stages at or before the vote: requests for these gate the opening of voting."""
DECLINE_REASONS = frozenset(
    {
        "not_reasonable_cost",
        "unavailable",
        "insufficient_notice",
        "alternative_offered",
        "other",
    }
)

ERASED = "[erased]"
"""What a sealed text reads as once the key that sealed it was destroyed."""

MAX_NAME = 200
MAX_TITLE = 300
MAX_TEXT = 20_000
MAX_SOURCE_REF = 500

CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202d\u202e]|\r(?!\n)"
)
"""What no text may hold: control characters (newlines and tabs pass, and a CR
only as the first half of a CRLF: alone, a terminal returns over the line with
it) and the bidi overrides (U+202D, U+202E), which show text in another order."""
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202d\u202e]")
"""The same, and no newline or tab: for texts of one line."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_INVISIBLE = re.compile(
    r"[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    r"\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
"""Characters that show nothing: a text of only these (and spaces) says nothing.

Unicode's default ignorable code points (zero-width spaces and joiners, bidi
marks, variation selectors, Hangul fillers, tags...), the soft hyphen among
them, and the blank Braille pattern.
"""


def check_code(
    field: str, value: object, allowed: frozenset[str], *, sealed: bool = False
) -> str:
    """Return *value* if it is one of *allowed*, else raise UnknownCodeError.

    *sealed*: the value belongs in a sealed field, so the error does not repeat it.
    """
    if not isinstance(value, str) or value not in allowed:
        raise UnknownCodeError(field, value, allowed, sealed=sealed)
    return value


def check_code_list(
    field: str, values: object, allowed: frozenset[str], *, sealed: bool = False
) -> Iterable[object]:
    """Return *values* if it is a collection of codes, else raise UnknownCodeError.

    A bare string is refused too: it would be read one letter at a time.
    """
    if isinstance(values, str) or not isinstance(values, Iterable):
        named = isinstance(values, str) and values in allowed and not sealed
        example = values if named else min(allowed)
        given = "one string" if isinstance(values, str) else type(values).__name__
        message = f"{field} must be a list of codes, such as [{example!r}], not {given}"
        raise UnknownCodeError(field, values, allowed, sealed=sealed, message=message)
    return values


def check_categories(categories: object) -> tuple[str, ...]:
    """A declaration's categories, duplicates dropped, if they make one answer.

    At least one category; ``NONE`` and ``PREFER_NOT`` only on their own.
    """
    given = check_code_list(
        "categories", categories, LIVED_EXPERIENCE_CATEGORIES, sealed=True
    )
    chosen = tuple(
        dict.fromkeys(
            check_code("category", c, LIVED_EXPERIENCE_CATEGORIES, sealed=True)
            for c in given
        )
    )
    if not chosen:
        raise InvalidInputError("categories must name at least one category")
    if len(chosen) > 1 and {"NONE", "PREFER_NOT"} & set(chosen):
        raise InvalidInputError(
            "NONE and PREFER_NOT are answers on their own, "
            "not to be given with other categories"
        )
    return chosen


def check_adjustment_code(value: object, *, sealed: bool = True) -> str:
    """Return *value* if it is a catalogue code, else raise.

    The error repeats the value only with ``sealed=False`` (a code that is
    configuration, not someone's request).
    """
    if not isinstance(value, str) or value not in ADJUSTMENT_CODES:
        raise UnknownAdjustmentCodeError(
            "adjustment code", value, ADJUSTMENT_CODES, sealed=sealed
        )
    return value


def shown(text: str) -> str:
    """What *text* shows: without its invisible characters and outer spaces."""
    return _INVISIBLE.sub("", text).strip()


def blank(text: str) -> bool:
    """Whether *text* shows nothing: only spaces and invisible characters."""
    return not shown(text)


def check_text(
    field: str, value: object, *, limit: int = MAX_TEXT, one_line: bool = False
) -> str:
    """Return *value* if it is a non-empty string within *limit* characters.

    Multi-line texts may hold newlines (LF or CRLF, as browsers send) and tabs;
    other control characters are refused everywhere, since they hide content
    from the people reading it.
    """
    if not isinstance(value, str):
        raise EmptyTextError(f"{field} must be a string, not {type(value).__name__}")
    if blank(value):
        raise EmptyTextError(f"{field} is empty")
    if len(value) > limit:
        raise TextTooLongError(
            f"{field} is {len(value)} characters long; the limit is {limit}"
        )
    pattern = _CONTROL_ONE_LINE if one_line else CONTROL
    found = pattern.search(value)
    if found:
        raise ControlCharacterError(
            f"{field} holds the control character U+{ord(found.group()):04X}"
        )
    found = _SURROGATE.search(value)
    if found:
        raise ControlCharacterError(
            f"{field} holds the lone surrogate U+{ord(found.group()):04X} "
            "(it is not Unicode text)"
        )
    return value


def check_optional_text(
    field: str, value: object, *, limit: int = MAX_TEXT, one_line: bool = False
) -> str | None:
    """Like check_text, but None passes through."""
    if value is None:
        return None
    return check_text(field, value, limit=limit, one_line=one_line)


_SECOND = timedelta(seconds=1)
EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Business times fall in [EARLIEST, LATEST): far enough either way for any real
record, and far from the ends of ``datetime``, which a report's day arithmetic
(the end of the latest day, a deadline some days on) would run past."""


def check_position(name: str, value: object) -> None:
    """InvalidInputError unless *value* is a recorded position: a whole number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(
            f"{name} must be a recorded position (a whole number >= 0), "
            f"not {shown_briefly(value)}"
        )


def check_aware(field: str, value: object) -> datetime:
    """Return *value* if it is a timezone-aware datetime in the recordable range."""
    if not isinstance(value, datetime):
        raise NaiveDatetimeError(
            f"{field} must be an aware datetime, {_not_a_time(value)}"
        )
    offset = value.utcoffset()
    if value.tzinfo is None or offset is None:
        raise NaiveDatetimeError(
            f"{field} {value.isoformat()} has no timezone; pass an aware datetime"
        )
    if offset % _SECOND:
        # No zone has one, and Python 3.11 reads an offset of under a second
        # back from its stored text as UTC: the time would move once recorded.
        raise InvalidInputError(
            f"{field} {value.isoformat()} has an offset with a fraction of a "
            "second; give its offset in whole seconds"
        )
    if not in_range(value):
        raise TimeOutOfRangeError(
            f"{field} {value.isoformat()} is outside the years "
            f"{EARLIEST.year} to {LATEST.year - 1} that a record can hold"
        )
    return fixed_offset(value)


def fixed_offset(value: datetime) -> datetime:
    """*value* (aware) at the same wall-clock time, with its offset as a fixed zone.

    Python compares two times of one zone (a ``ZoneInfo``) by their clocks
    alone, ignoring ``fold``: in the hour the autumn clock change repeats, a
    later instant would sort before an earlier one, and a step dated before
    the one it follows would pass. Times with a fixed offset compare by
    instant; the text stored for them is the same.
    """
    if type(value.tzinfo) is timezone:
        return value
    offset = value.utcoffset()
    assert offset is not None  # noqa: S101 (an aware datetime)
    return value.replace(tzinfo=timezone(offset), fold=0)


def _not_a_time(value: object) -> str:
    """What was given instead of a datetime, and how to make one of it.

    Text is not repeated: it may be anything, and messages reach logs.
    """
    if isinstance(value, date):
        example = f"datetime({value.year}, {value.month}, {value.day}, tzinfo=UTC)"
        return f"not the date {value.isoformat()}; pass {example}"
    if isinstance(value, str):
        return (
            "not text; parse it first, with a timezone "
            "(datetime.fromisoformat('2025-01-01T19:00+00:00'))"
        )
    return f"not {a_or_an(type(value).__name__)}"


def in_range(value: datetime) -> bool:
    """Whether an aware datetime falls in [EARLIEST, LATEST)."""
    try:
        return EARLIEST <= value < LATEST
    except OverflowError:  # an offset that pushes it past datetime's own ends
        return False


def not_an_id(field: str, value: object) -> InvalidIdError:
    """The error for *value* given as *field*, an id, without repeating the value.

    A value passed where an id belongs is often a member's name or some other
    text about them, and error messages end up in logs: the message names
    only the value's type, and a hint when it is an id written as text.
    """
    given = a_or_an(type(value).__name__)
    if isinstance(value, str):
        try:
            UUID(value)
        except ValueError:
            given = "text"
        else:
            given = "an id written as text (pass uuid.UUID(text))"
    return InvalidIdError(f"{field} must be a uuid.UUID, not {given}")


def check_id(field: str, value: object) -> UUID:
    """Return *value* if it is a UUID."""
    if not isinstance(value, UUID):
        raise not_an_id(field, value)
    return value


def check_ids(field: str, values: object) -> tuple[UUID, ...]:
    """Return the ids in *values* as a tuple without duplicates, order kept."""
    if isinstance(values, (str, bytes, UUID)) or not hasattr(values, "__iter__"):
        raise InvalidIdError(f"{field} must be a list of uuid.UUID")
    # A dict keeps the first of each id in order, in one pass: a long list of
    # distinct ids must not take quadratic time to be checked (or refused).
    out: dict[UUID, None] = {}
    for value in values:
        out[check_id(field, value)] = None
    return tuple(out)
