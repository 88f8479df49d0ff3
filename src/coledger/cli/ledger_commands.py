"""Commands over the record itself: demo, report, history, rebuild, erase."""

from __future__ import annotations

import argparse
import json
import math
import re
import signal
import sys
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

from coledger import demo
from coledger.application import CATCH_UP, Ledger
from coledger.cli._common import (
    EXIT_OK,
    EXIT_REFUSED,
    NOTHING_WRITTEN,
    STDIO,
    CommandError,
    add_common,
    master_key,
    open_creating,
    print_exact,
    print_verdict,
    removed_if_new,
    replacing,
    storage_url,
    uuid_arg,
    writable,
)
from coledger.domain.values import (
    EARLIEST,
    LATEST,
    MAX_NAME,
    MAX_SOURCE_REF,
    check_aware,
    check_position,
    check_text,
)
from coledger.errors import (
    InvalidInputError,
    NotMaterialisedError,
    TimeOutOfRangeError,
    a_or_an,
    steady,
)
from coledger.projections.materialise import LONGEST_POLL, SHORTEST_POLL
from coledger.serialization import to_jsonable
from coledger.storage import parse_url, shown
from coledger.timeline import clock, timeline

if TYPE_CHECKING:
    from coledger.projections import Thresholds

REBUILD_AGAIN = (
    "the projection tables are left as they were (run coledger rebuild again); "
    "the events are untouched"
)
REAPPLY = (
    "the erasure is recorded whole or not at all; if it is recorded, "
    "coledger erase --reapply destroys any of its keys still there; if "
    "coledger erasure-audit reports ERASURE_UNRECORDED for the member, the "
    "keys went before the record: run the same erase again"
)
PART_OF_A_YEAR = (
    "the demo records its year a command at a time: a ledger file it made is "
    "removed again, with a master key it made, but a ledger that was there "
    "before (an empty file, or a PostgreSQL schema) may hold part of it: "
    "remove the ledger (its files, or its schema) and run the demo again"
)


def _demo(args: argparse.Namespace) -> int:
    url = storage_url(args.db)
    # A year stopped part way takes a ledger file made for it, and its new key.
    with removed_if_new(url), open_creating(args, url) as ledger:
        if ledger.position:
            config = parse_url(url)
            again = (
                "remove the file to start again"
                if config.backend == "sqlite"
                else f"name a new schema with ?schema= (this is {config.pg_schema})"
            )
            held = ledger._count_events(ledger.position)  # noqa: SLF001 (ids have gaps)
            print(
                f"coledger: {shown(args.db)} already holds {held:,} "
                f"events; the demo needs an empty ledger (choose another --db, "
                f"or {again})",
                file=sys.stderr,
            )
            return EXIT_REFUSED
        demo.record_year(ledger, seed=args.seed)
        summary = demo.summarise(ledger, url)
        report = ledger.power_sharing()
    if args.json:
        print(json.dumps(to_jsonable(summary), indent=2))
    else:
        print(demo.format_summary(summary))
        print()
        print(demo.format_headlines(report))
    return EXIT_OK


END_OF_DAY = re.compile(
    r"(?P<day>[^T ]+)[T ]24(?::?00(?::?00(?:[.,]0+)?)?)?(?P<offset>Z|[+-].+)?"
)
"""ISO 8601's 24:00, the midnight that ends a day, which ``fromisoformat`` refuses."""
TIME_SEPARATOR = re.compile(r"[Tt ]")
"""What may join a date to its time: ``T``, or the space RFC 3339 allows."""


def _date(text: str | None, what: str) -> datetime | None:
    """*text* as an aware datetime (UTC when it names no offset), or None."""
    if text is None:
        return None
    end = END_OF_DAY.fullmatch(text)
    try:
        if end is None and not TIME_SEPARATOR.search(text):
            # fromisoformat takes any character between a date and its time:
            # 2025-03-01+01:00, meant as that day's midnight at +01:00, would
            # read as 01:00 UTC. A text with no T (or space) is a date alone.
            value = datetime.combine(date.fromisoformat(text), time())
        elif end is None:
            value = datetime.fromisoformat(text)
        else:  # the day's start here, its end (the next day's start) below
            value = datetime.fromisoformat(f"{end['day']}T00:00{end['offset'] or ''}")
    except ValueError as error:
        raise CommandError(f"--{what} {text!r} is not a date (YYYY-MM-DD)") from error
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:  # checked below as the midnight it names, not as the day's start
        value += timedelta(days=0 if end is None else 1)
    except OverflowError as error:  # datetime's last day has no next day
        years = f"{EARLIEST.year} to {LATEST.year - 1}"
        msg = f"--{what} {text} is outside the years {years} that a record can hold"
        raise CommandError(msg) from error
    if what == "until" and value == LATEST:  # a period may run to the end
        return value
    try:  # a date too far out is a mistyped option, refused before the ledger opens
        return check_aware(f"--{what}", value)
    except TimeOutOfRangeError as error:
        raise CommandError(str(error)) from error


def _period(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    """The --since and --until asked for, refused as usage if running backwards."""
    since, until = _date(args.since, "since"), _date(args.until, "until")
    if since is not None and until is not None and since >= until:
        raise CommandError(
            f"--since {args.since} must come before --until {args.until}"
        )
    return since, until


def _small_cell(args: argparse.Namespace) -> Thresholds | None:
    """The thresholds a --small-cell asks for (None without one), checked."""
    from coledger.projections import Thresholds  # noqa: PLC0415

    if args.small_cell is None:
        return None
    if args.audience == "board":
        raise CommandError(
            "--small-cell applies to the public and members' reports; "
            "the board's report shows every number"
        )
    try:
        return Thresholds(small_cell=args.small_cell)  # before any work
    except InvalidInputError as error:  # bad usage, as for the board above
        raise CommandError(f"--small-cell {args.small_cell}: {error}") from error


def _report(args: argparse.Namespace) -> int:
    from coledger.reports import render  # noqa: PLC0415 (only report needs it)

    _refuse_unused_words(args)
    thresholds = _small_cell(args)
    # An empty bound given (an unset variable) is a period asked for too.
    bounds = (args.since, args.until, args.as_of)
    if args.tables and any(bound is not None for bound in bounds):
        raise CommandError(
            "--tables reads the all-time figures: no --since, --until or --as-of"
        )
    since, until = _period(args)  # mistyped dates before a mistyped ledger
    url = storage_url(args.db, existing=True)
    # Before any work; '-' is standard output, where the report goes without --out.
    out = None if args.out in {None, STDIO} else writable(args.out, args)
    # An empty id given (an unset variable) is a bad id, not the whole ledger.
    body = None if args.body is None else uuid_arg(args.body, "body")
    project = None if args.project is None else uuid_arg(args.project, "project")
    if args.as_of is not None:
        try:
            check_position("--as-of", args.as_of)
        except InvalidInputError as error:  # mistyped, as a date out of range is
            raise CommandError(str(error)) from error
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        if args.tables:
            try:
                report = ledger.power_sharing(
                    body=body, project=project, materialised=True, catch_up=False
                )
            except NotMaterialisedError as error:  # worded for Python: say it here
                said = str(error).replace(CATCH_UP, "leave out --tables")
                raise NotMaterialisedError(said) from error
            if report.as_of < ledger.position:
                # Counted as the tree counts: positions may have gaps.
                held, total = report.tree_size, ledger.tree_size()
                if held is None or total is None:
                    held, total = report.as_of, ledger.position
                print(
                    f"coledger: the projection tables hold the first "
                    f"{held:,} of {total:,} events; run coledger "
                    "follow to keep them current, or leave out --tables",
                    file=sys.stderr,
                )
            elif report.as_of > ledger.position:
                print(
                    "coledger: the projection tables were worked out from the "
                    f"events up to event {report.as_of:,}, past the log's last "
                    f"({ledger.position:,}): the log was put back without them, "
                    "and they may count events it no longer holds; run coledger "
                    "rebuild, or leave out --tables",
                    file=sys.stderr,
                )
            if ledger.projections().keys_moved():
                print(
                    "coledger: the projection tables were worked out before member "
                    "keys were destroyed, and may count lived experience that is "
                    "gone; run coledger follow or coledger rebuild to work them out "
                    "again, or leave out --tables",
                    file=sys.stderr,
                )
        else:
            report = ledger.power_sharing(
                body=body,
                project=project,
                since=since,
                until=until,
                as_of=args.as_of,
            )
        names = {str(b.id): b.name for b in ledger.bodies()}
        names |= {str(p.id): p.name for p in ledger.projects()}
        names |= {str(p.id): p.title for p in ledger.proposals()}
    text = render(
        report,
        audience=args.audience,
        format=args.format,
        names=names,
        organisation=args.organisation,
        group=args.group,
        thresholds=thresholds,
    )
    _put_report(text, out, args)
    return EXIT_OK


def _put_report(text: str, out: Path | None, args: argparse.Namespace) -> None:
    """Write a rendered report to *out*, or print it."""
    if out is not None:
        # The board's view holds small numbers that can point at people.
        with replacing(out, private=args.audience == "board") as handle:
            handle.write(text)
    elif args.format in {"json", "html"}:
        # JSON is UTF-8 (RFC 8259), and the page says <meta charset="utf-8">:
        # escaped for another encoding, as other text is, a letter beyond it
        # would read as no JSON escape, and as garbled in a browser.
        print_exact(text)
    else:
        # Rendered with its own final newline: printed as a file holds it.
        print(text, end="")


def _refuse_unused_words(args: argparse.Namespace) -> None:
    """CommandError for --group or --organisation where the report has no place.

    Left out silently, they would leave the reader to find the word missing
    from the finished report, as --small-cell would from the board's. A word
    no report may print (empty, a control character) is bad usage too.
    """
    for option, value in (
        ("--group", args.group),
        ("--organisation", args.organisation),
    ):
        if value is not None and args.format == "json":
            raise CommandError(
                f"{option} goes into the words of a text or HTML report; the JSON "
                "holds none of them"
            )
    if args.group is not None and args.audience != "members":
        raise CommandError(
            "--group is what the members' report calls people with lived "
            "experience: it needs --audience members"
        )
    for option, label, value in (
        ("--organisation", "organisation", args.organisation),
        ("--group", "group", args.group),
    ):
        if value is not None:  # checked as render checks it, before any work
            try:
                check_text(label, value, limit=MAX_NAME, one_line=True)
            except InvalidInputError as error:  # not repeated: it may hold controls
                raise CommandError(f"{option}: {error}") from error


def _history(args: argparse.Namespace) -> int:
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        entries = timeline(
            ledger,
            # An empty id given is a bad id, not one left out.
            proposal=(
                None if args.proposal is None else uuid_arg(args.proposal, "proposal")
            ),
            project=None if args.project is None else uuid_arg(args.project, "project"),
        )
    if args.json:
        print(json.dumps(to_jsonable(entries), indent=2))
        return EXIT_OK
    for entry in entries:
        when = clock(entry.occurred_at)
        # One line an entry: a comment's own lines (a lone CR too, which a
        # terminal takes back to the line's start) could read as entries.
        text = " / ".join(line for line in entry.text.splitlines() if line.strip())
        print(f"{when}  #{entry.position:<6} {steady(entry.actor)}: {steady(text)}")
    return EXIT_OK


def _rebuild(args: argparse.Namespace) -> int:
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        position = ledger.projections().rebuild()
    print(f"Rebuilt the projection tables up to event {position:,}.")
    return EXIT_OK


def _follow(args: argparse.Namespace) -> int:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        projector = ledger.projections()
        print(
            f"coledger follow: keeping the projection tables of {shown(url)} "
            "current; stop it with Ctrl-C or SIGTERM",
            file=sys.stderr,
            flush=True,
        )

        def report(applied: int) -> None:
            if args.verbose:
                # Flushed: a service's log is a pipe, which would otherwise
                # hold the lines until the worker stops.
                print(
                    f"folded {applied:,} event(s); at {projector.tables.position():,}",
                    flush=True,
                )

        def complain(error: Exception) -> None:
            print(f"coledger follow: {error}; trying again", file=sys.stderr)

        projector.follow(stop, poll=args.poll, on_batch=report, on_error=complain)
    return EXIT_OK


def _erase(args: argparse.Namespace) -> int:
    given = (args.member, args.by, args.source_ref)
    # An empty value (an unset variable) is given too: not ignored, nor read as none.
    if args.reapply and any(value is not None for value in given):
        raise CommandError(
            "erase --reapply takes no --member, --by or --source-ref: it destroys "
            "again every key the record says is gone, and erases no one new"
        )
    if not args.reapply and (args.member is None or args.by is None):
        raise CommandError("erase needs --member ID and --by ID (or --reapply)")
    if args.source_ref is not None:  # checked as the record checks it, before any work
        try:
            check_text(
                "source_ref", args.source_ref, limit=MAX_SOURCE_REF, one_line=True
            )
        except InvalidInputError as error:  # not repeated: it may hold controls
            raise CommandError(f"--source-ref: {error}") from error
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        if args.reapply:
            count = ledger.reapply_erasures()
            print(f"Destroyed {count} key(s) again, as the record requires.")
            return EXIT_OK
        member = uuid_arg(args.member, "member")
        ledger.erase_member(
            member, by=uuid_arg(args.by, "member", "--by"), source_ref=args.source_ref
        )  # which brings the projection tables up to date, if there are any
        left = _left_behind(ledger, member)
    print(f"Erased {args.member}: their personal data can no longer be read.")
    for warning in left:  # a body's name may hold a direction control
        print(f"warning: {steady(warning)}", file=sys.stderr)
    return EXIT_OK


def _left_behind(ledger: Ledger, member: UUID) -> list[str]:
    """The seats and open requests an erasure leaves in place, one line each.

    Erasure vacates nothing, and once it is recorded nobody can answer the
    member's open requests; the lines name bodies and ids only.
    """
    lines = [
        f"{member} still holds {a_or_an(seat.seat.replace('_', ' '))} seat "
        f"on {body.name} ({body.id}); erasure does not vacate it: vacate_seat "
        "from your application"
        for body in ledger.bodies()
        for seat in body.seats
        if seat.member == member
    ]
    lines += [
        f"{member}'s adjustment request {request.id} is still open, and nobody "
        "can provide, decline or withdraw it now"
        for request in ledger.adjustments()
        if request.member == member and request.status == "requested"
    ]
    return lines


def _erasure_audit(args: argparse.Namespace) -> int:
    url = storage_url(args.db, existing=True)
    with Ledger.open(url, master_key=master_key(args)) as ledger:
        audit = ledger.audit_erasure()
    text = json.dumps(audit.to_json(), indent=2) if args.json else audit.to_text()
    return print_verdict(text, EXIT_OK if audit.ok else EXIT_REFUSED)


def _seed(text: str) -> int:
    """A --seed: a whole number the demo's minutes can name, refused before any work.

    A refused value is not repeated: one too long to fit would fill the line.
    """
    try:
        return demo.check_seed(int(text))
    except InvalidInputError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    except ValueError as error:  # not a number, or too long to read as one
        msg = (
            "the value given is not a whole number of at most "
            f"{demo.LONGEST_SEED} characters"
        )
        raise argparse.ArgumentTypeError(msg) from error


def _seconds(text: str) -> float:
    """A wait in seconds for --poll: from a hundredth of a second to an hour."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not SHORTEST_POLL <= value <= LONGEST_POLL:
        msg = f"{text!r} is not a number of seconds from 0.01 to 3600"
        raise argparse.ArgumentTypeError(msg)
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the commands over the record."""
    parser = sub.add_parser(
        "demo", help="record an invented year of a co-produced charity and summarise it"
    )
    add_common(parser)
    parser.add_argument(
        "--seed",
        type=_seed,
        metavar="N",
        default=2025,
        help="random seed; the same seed tells the same story (default: 2025)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_demo, interrupted=PART_OF_A_YEAR)

    parser = sub.add_parser("report", help="the power-sharing report for an audience")
    add_common(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--body", metavar="ID", help="one body (default: the ledger)")
    where.add_argument("--project", metavar="ID", help="one project")
    parser.add_argument("--since", metavar="DATE", help="period start (business time)")
    parser.add_argument("--until", metavar="DATE", help="period end, exclusive")
    parser.add_argument("--as-of", type=int, metavar="N", help="as at event N")
    parser.add_argument(
        "--audience",
        choices=["board", "members", "public"],
        default="board",
        help="who the report is for (default: board)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "html"],
        default="text",
        help="text, JSON or one self-contained HTML page (default: text)",
    )
    parser.add_argument(
        "--organisation",
        metavar="NAME",
        help="the organisation's name, as a title (text or html only)",
    )
    parser.add_argument(
        "--group",
        metavar="WORD",
        help="what the members' report calls people with lived experience "
        "(e.g. trainers; --audience members, text or html only)",
    )
    parser.add_argument(
        "--small-cell",
        type=int,
        metavar="K",
        help="withhold counts below K in the public or members' report (default 5)",
    )
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="write to a file (-: standard output, the default)",
    )
    parser.add_argument(
        "--tables",
        action="store_true",
        help="read the projection tables as rebuild or follow left them, "
        "without folding the history (all-time figures only)",
    )
    parser.set_defaults(handler=_report, interrupted=NOTHING_WRITTEN)

    parser = sub.add_parser("history", help="who did what on a proposal or project")
    add_common(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--proposal", metavar="ID", help="one proposal's events")
    which.add_argument("--project", metavar="ID", help="one project's events")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_history, interrupted=NOTHING_WRITTEN)

    parser = sub.add_parser("rebuild", help="rebuild the projection tables")
    add_common(parser)
    parser.set_defaults(handler=_rebuild, interrupted=REBUILD_AGAIN)

    parser = sub.add_parser(
        "follow", help="a projection worker: keep the tables current until stopped"
    )
    add_common(parser)
    parser.add_argument(
        "--poll",
        type=_seconds,
        metavar="SECONDS",
        default=1.0,
        help="longest wait between checks (s, from 0.01 to 3600; default: 1.0)",
    )
    parser.add_argument("--verbose", action="store_true", help="print each batch")
    parser.set_defaults(handler=_follow)

    parser = sub.add_parser("erase", help="erase a member (crypto-shredding)")
    add_common(parser)
    parser.add_argument("--member", metavar="ID", help="the member to erase")
    parser.add_argument("--by", metavar="ID", help="the member recording it")
    parser.add_argument(
        "--source-ref", metavar="REF", help="where the request came from"
    )
    parser.add_argument(
        "--reapply",
        action="store_true",
        help="destroy again every key the record says is gone (after a key restore)",
    )
    parser.set_defaults(handler=_erase, interrupted=REAPPLY)

    parser = sub.add_parser(
        "erasure-audit",
        help="check every key against the recorded erasures and withdrawals "
        "(needs the master key); exit 0 OK, 1 findings, 2 could not run",
    )
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=_erasure_audit, interrupted=NOTHING_WRITTEN)
