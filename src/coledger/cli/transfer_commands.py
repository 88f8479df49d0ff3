"""Commands that move records in and out: export, subject access and imports."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from coledger.application import Ledger
from coledger.cli._common import (
    ALL_OR_NOTHING,
    EXIT_OK,
    NOTHING_WRITTEN,
    CommandError,
    Progress,
    add_common,
    input_file,
    master_key,
    named_file,
    open_creating,
    removed_if_new,
    replacing,
    storage_url,
    uuid_arg,
    writable,
)
from coledger.domain.values import LIVED_EXPERIENCE
from coledger.errors import steady
from coledger.transfer import read_export


def _export(args: argparse.Namespace) -> int:
    out = writable(args.out, args, prints=False)  # personal data: never printed
    url = storage_url(args.db, existing=True)
    with (
        Ledger.open(url, master_key=master_key(args)) as ledger,
        replacing(out, private=True) as handle,  # personal data in clear
    ):
        count = ledger.export(handle, Progress("export", shown=args.progress))
    print(
        f"Exported {count:,} events to {out} (they hold personal data: keep it safe)."
    )
    return EXIT_OK


def _subject_access(args: argparse.Namespace) -> int:
    out = writable(args.out, args, prints=False)  # personal data: never printed
    member = uuid_arg(args.member, "member")
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        report = ledger.subject_access(member)
    with replacing(out, private=True) as handle:  # personal data in clear
        json.dump(report, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    print(
        f"Wrote everything the ledger holds about {member} to {out} "
        f"({len(report['events']):,} events; it holds personal data: review it "
        "before you send it)."
    )
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    source = input_file(args.file, "the export file")
    # Checked before the ledger is opened: a bad file creates no ledger and no key.
    checked = read_export(_lines_of(source), str(source))
    url = storage_url(args.db)
    # All or nothing: events in the file after a failure are another writer's.
    with removed_if_new(url, unless_written=True), open_creating(args, url) as ledger:
        moved = ledger.import_events(checked)
    if args.json:
        print(json.dumps({"events": moved.events, "seconds": moved.seconds}))
    else:
        print(
            f"Imported {moved.events:,} events "
            f"({moved.events_per_second:,.0f} events/s)."
        )
    return EXIT_OK


LONGEST_LINE = 64 << 20
"""The most characters a line of an export may hold: far more than any event
needs (a text is at most 20,000 characters), and a bound on what reading a
file that never ends (a device, say) takes before it is refused."""


def _lines_of(source: Path) -> Iterator[str]:
    """The lines of an export file, read one at a time; CommandError if unreadable.

    The lines are those ``str.splitlines`` finds, as an import has always read
    them, after any byte-order mark; a line longer than ``LONGEST_LINE`` is
    refused before more is read, and so is one that is not UTF-8, naming it.
    """
    number = 0
    try:
        # A byte that is not UTF-8 reads as a lone surrogate, found on its own
        # line: the decoder's own error names a place in its buffer, no line.
        # A byte-order mark, which some editors save first, is skipped.
        with source.open(
            encoding="utf-8-sig", errors="surrogateescape", newline=""
        ) as handle:
            while chunk := handle.readline(LONGEST_LINE + 2):  # and its "\r\n"
                if len(chunk.rstrip("\r\n")) > LONGEST_LINE:
                    msg = (
                        f"line {number + 1} is longer than {LONGEST_LINE:,} "
                        "characters: no export line is that long"
                    )
                    raise CommandError(f"cannot read {source}: {msg}")
                for line in chunk.splitlines():
                    number += 1
                    if not line.isascii():
                        _check_utf8(line, source, number)
                    yield line
    except OSError as error:
        raise CommandError(f"cannot read {source}: {error}") from error


def _check_utf8(line: str, source: Path, number: int) -> None:
    """CommandError if *line*, read with surrogateescape, held a byte not UTF-8."""
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as error:
        byte = ord(line[error.start]) - 0xDC00
        msg = (
            f"line {number} is not UTF-8 text (byte 0x{byte:02x} at character "
            f"{error.start + 1}): an export is written in UTF-8"
        )
        raise CommandError(f"cannot read {source}: {msg}") from None


def _import_polis(args: argparse.Namespace) -> int:
    folder = named_file(args.directory, "the export folder")
    try:
        is_dir, exists = folder.is_dir(), folder.exists()
    except OSError as error:  # a name longer than the system allows, say
        raise CommandError(f"cannot read {args.directory}: {error.strerror}") from error
    if not is_dir:
        why = (
            "it is a file, not a folder (name the folder of the export's CSV files)"
            if exists
            else "no such folder"
        )
        raise CommandError(f"cannot read {args.directory}: {why}")
    from coledger.imports.polis import import_polis, read_polis_export  # noqa: PLC0415

    # Checked before the ledger is opened: a bad folder creates no ledger and no key.
    export = read_polis_export(args.directory)
    url = storage_url(args.db)
    with removed_if_new(url), open_creating(args, url) as ledger:
        summary = import_polis(
            ledger,
            export,
            lived_experience=args.lived_experience,
            progress=Progress("import", shown=args.progress),
        )
    if args.json:
        from coledger.serialization import to_jsonable  # noqa: PLC0415

        print(json.dumps(to_jsonable(summary), indent=2))
    else:
        # The conversation is named by its folder, which may hold a direction
        # control: written as an escape, as history writes one.
        print(steady(summary.summary()))
        for warning in summary.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


def _category(text: str) -> str:
    """A --lived-experience category; refused without repeating what was given.

    It would be sealed in every participant's declaration, and a near miss
    ("dis", a diagnosis) says what it was meant to be: argparse's choices
    would print it.
    """
    if text not in LIVED_EXPERIENCE:
        shown = ", ".join(sorted(LIVED_EXPERIENCE))
        raise argparse.ArgumentTypeError(f"the value given is not one of: {shown}")
    return text


PROGRESS = "draw a progress bar on stderr (default: only on a terminal)"
PRIVATE_OUT = "the file to write, readable by its owner alone"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the transfer commands."""
    parser = sub.add_parser(
        "export", help="every event, as JSON Lines (personal data!)"
    )
    add_common(parser)
    parser.add_argument("--out", required=True, metavar="FILE", help=PRIVATE_OUT)
    parser.add_argument("--progress", action="store_true", default=None, help=PROGRESS)
    parser.set_defaults(handler=_export, interrupted=NOTHING_WRITTEN)

    parser = sub.add_parser(
        "subject-access",
        help="everything the ledger holds about one member, as JSON (personal data!)",
    )
    add_common(parser)
    parser.add_argument("--member", required=True, metavar="ID", help="the member's id")
    parser.add_argument("--out", required=True, metavar="FILE", help=PRIVATE_OUT)
    parser.set_defaults(handler=_subject_access, interrupted=NOTHING_WRITTEN)

    parser = sub.add_parser("import", help="load an export into an empty ledger")
    add_common(parser)
    parser.add_argument(
        "file", metavar="FILE", help="an export (JSON Lines; -: standard input)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_import, interrupted=ALL_OR_NOTHING)

    parser = sub.add_parser("import-polis", help="import a Polis conversation export")
    add_common(parser)
    parser.add_argument(
        "directory", metavar="DIR", help="the folder holding comments.csv and votes.csv"
    )
    parser.add_argument(
        "--lived-experience",
        metavar="CATEGORY",
        type=_category,
        help="only if taking part was open solely to people with this lived "
        f"experience: one of {', '.join(sorted(LIVED_EXPERIENCE))} "
        "(see docs/imports.md)",
    )
    parser.add_argument("--progress", action="store_true", default=None, help=PROGRESS)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_import_polis, interrupted=ALL_OR_NOTHING)
