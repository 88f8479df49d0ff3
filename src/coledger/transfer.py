"""Export and import: a whole ledger as JSON Lines, versioned and validated.

The first line is a header; each further line is one event, in recorded order::

    {"format": "coledger-export", "version": 1, "events": 1747,
     "exported_at": "...", "coledger": "0.1.0"}
    {"position": 1, "topic": "coledger.domain.member:Member.Registered",
     "originator_id": "...", "originator_version": 1,
     "state": {"timestamp": "...", "occurred_at": "...", "name": "...", ...}}

``state`` holds every field of the event, decrypted: an export is personal
data and must be kept like the ledger's key store. Importing checks the whole
file first (format, topics, fields, each record's versions running 1, 2, 3...)
and only then writes every event in one transaction into an empty ledger, which
seals them under its own keys and writes fresh hash leaves. Erasures and
withdrawals in the export are applied again, so what was unreadable stays so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any
from uuid import UUID

import attrs
from eventsourcing.utils import get_topic, resolve_topic

from coledger import errors
from coledger.domain import LedgerAggregate
from coledger.privacy.classification import event_classes
from coledger.serialization import structure_state, unstructure_state

if TYPE_CHECKING:
    from coledger.application import Ledger

FORMAT = "coledger-export"
VERSION = 1
Progress = Callable[[int, int], None]


class MalformedImportError(errors.InvalidInputError):
    """A line of an import file cannot be used; nothing was written."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__(f"{source}, line {line}: {reason}")


@attrs.frozen
class Transfer:
    """What an export or import moved."""

    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Throughput."""
        return self.events / self.seconds if self.seconds else float("inf")


def export_lines(ledger: Ledger, progress: Progress | None = None) -> Iterator[str]:
    """The export, line by line (header first)."""
    total = ledger.position
    yield json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "events": sum(1 for _ in ledger.history()),
            "exported_at": datetime.now(UTC).isoformat(),
            "coledger": _version(),
        }
    )
    for count, recorded in enumerate(ledger.history(), start=1):
        event = recorded.event
        state = unstructure_state(event)
        yield json.dumps(
            {
                "position": recorded.position,
                "topic": get_topic(type(event)),
                "originator_id": str(event.originator_id),
                "originator_version": event.originator_version,
                "state": state,
            },
            ensure_ascii=False,
        )
        if progress is not None:
            progress(count, total)


def export_to(ledger: Ledger, out: IO[str], progress: Progress | None = None) -> int:
    """Write the export to a text stream; returns the number of events."""
    count = -1
    for count, line in enumerate(export_lines(ledger, progress)):  # noqa: B007
        out.write(line + "\n")
    return count


def _version() -> str:
    from coledger import __version__  # noqa: PLC0415 (the package imports this module)

    return __version__


_KNOWN = {get_topic(cls): cls for cls in event_classes()}


def parse(lines: Iterable[str], source: str = "import") -> list[LedgerAggregate.Event]:
    """Check a whole export and rebuild its events; MalformedImportError if not."""
    events: list[LedgerAggregate.Event] = []
    versions: dict[UUID, int] = {}
    header_seen = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as error:
            raise MalformedImportError(
                source, number, f"not JSON ({error.msg})"
            ) from None
        if not isinstance(row, dict):
            raise MalformedImportError(source, number, "a line must be a JSON object")
        if not header_seen:
            _check_header(row, source, number)
            header_seen = True
            continue
        events.append(_event(row, source, number, versions))
    if not header_seen:
        raise MalformedImportError(source, 1, "the file is empty: no header line")
    return events


def _check_header(row: dict[str, Any], source: str, number: int) -> None:
    if row.get("format") != FORMAT:
        raise MalformedImportError(source, number, f"not a {FORMAT} file")
    if row.get("version") != VERSION:
        raise MalformedImportError(
            source,
            number,
            f"export version {row.get('version')!r}; this reads {VERSION}",
        )


def _event(
    row: dict[str, Any], source: str, number: int, versions: dict[UUID, int]
) -> LedgerAggregate.Event:
    cls = _KNOWN.get(row.get("topic"))  # type: ignore[arg-type]
    if cls is None:
        try:
            cls = resolve_topic(str(row.get("topic")))
        except Exception:  # noqa: BLE001 (any failure means an unknown topic)
            cls = None
        if cls is None or not issubclass(cls, LedgerAggregate.Event):
            raise MalformedImportError(
                source, number, f"unknown topic {row.get('topic')!r}"
            )
    try:
        originator = UUID(str(row["originator_id"]))
        version = row["originator_version"]
        state = row["state"]
    except (KeyError, ValueError) as error:
        raise MalformedImportError(
            source, number, f"missing or bad field {error}"
        ) from None
    if (
        isinstance(version, bool)
        or not isinstance(version, int)
        or not isinstance(state, dict)
    ):
        raise MalformedImportError(
            source, number, "originator_version or state is malformed"
        )
    expected = versions.get(originator, 0) + 1
    if version != expected:
        raise MalformedImportError(
            source,
            number,
            f"record {originator} jumps to version {version}, not {expected}",
        )
    versions[originator] = version
    try:
        fields = structure_state(cls, dict(state))
    except Exception as error:  # noqa: BLE001 (cattrs raises many kinds)
        msg = f"bad event fields: {error}"
        raise MalformedImportError(source, number, msg) from None
    missing = _fields(cls) - set(fields)
    if missing:
        msg = f"missing fields {sorted(missing)}"
        raise MalformedImportError(source, number, msg)
    fields["originator_id"] = originator
    fields["originator_version"] = version
    event: LedgerAggregate.Event = object.__new__(cls)
    object.__setattr__(event, "__dict__", fields)
    return event


def _fields(cls: type[object]) -> set[str]:
    import dataclasses  # noqa: PLC0415

    return {
        f.name
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name not in {"originator_id", "originator_version"}
    }
