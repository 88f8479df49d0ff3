"""The ``coledger`` command line: a thin layer over the public Python API.

Exit codes: 0 done; 1 the ledger refused (a LedgerError, with one line saying
why) or ``verify`` found the log FAILED; 2 could not run (bad usage, an
unreadable file, a storage URL that cannot work, no master key); ``verify``
also exits 3 for PARTIAL; 130 Ctrl-C stopped it (one line says what it left
written); 143 SIGTERM stopped it, as Ctrl-C would.

The master key comes from ``--key-file``, else the ``COLEDGER_MASTER_KEY``
environment variable, else the file ``./coledger.master-key`` if it exists.
``coledger demo`` (and ``import``, ``import-polis``) creates that file when
there is no key at all and the ledger is new, so a first try works on a fresh
machine; keep a real ledger's key apart from its database.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from coledger import __version__
from coledger.cli import integrity, ledger_commands, transfer_commands
from coledger.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    CommandError,
    Interrupted,
    discard_output,
    master_key_advice,
    refuse_stdin_twice,
)
from coledger.errors import (
    CorruptEventError,
    InvalidUrlError,
    LedgerError,
    MasterKeyError,
    StorageError,
    shown_on_one_line,
    steady,
)

__all__ = ["build_parser", "main", "run"]


class _WholeNames(argparse.HelpFormatter):
    """Help wrapped at spaces only, so a name such as signing-key.pem stays whole."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="coledger",
        formatter_class=_WholeNames,
        description="An event-sourced record of who proposed, who decided, "
        "and whether access needs were met.",
    )
    parser.add_argument(
        "--version", action="version", version=f"coledger {__version__}"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ledger_commands.register(sub)
    transfer_commands.register(sub)
    integrity.register(sub)
    for command in sub.choices.values():
        command.formatter_class = _WholeNames
        command.set_defaults(command_parser=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        # Alone, it shows every command, where argparse would give its usage line.
        parser.print_help(sys.stderr)
        parser.exit(EXIT_USAGE, "coledger: error: a COMMAND is needed (see above)\n")
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command, with its usage, as a bad value is
        command: argparse.ArgumentParser = args.command_parser
        command.error(f"unrecognized arguments: {' '.join(unknown)}")
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        refuse_stdin_twice(args)
        return handler(args)
    except KeyboardInterrupt as interrupt:
        said = getattr(args, "interrupted", None)
        raise Interrupted("interrupted" + (f"; {said}" if said else "")) from interrupt
    except MasterKeyError as error:
        said = master_key_advice(args, str(error))
        print(f"coledger: {_one_line(said)}", file=sys.stderr)
        return EXIT_USAGE
    except (InvalidUrlError, CommandError) as error:
        print(f"coledger: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except CorruptEventError as error:
        print(
            f"coledger: the ledger holds an event it cannot read: "
            f"{_one_line(str(error))} "
            "(coledger verify shows what changed in the stored log)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except StorageError as error:
        # One line, whatever the driver says: SQLite quotes names a damaged
        # file chose (a schema entry's, say), terminal escapes and
        # bidirectional overrides (U+202E) and all.
        detail = shown_on_one_line(" ".join(str(error).split()))
        print(f"coledger: storage failed: {detail}", file=sys.stderr)
        return EXIT_USAGE
    except LedgerError as error:
        print(f"coledger: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_REFUSED


def _one_line(text: str) -> str:
    """*text* with each line break, control or direction control as an escape.

    A message quotes the names it was given, and a file name may hold a line
    break: printed as it is, it would split the one line a refusal is into
    two, the second free to read as anything (``STATUS: VERIFIED``, say). A
    direction control (U+202E, say) would show the rest of the line in
    another order, as a storage failure's message is kept from doing.
    """
    return steady(
        "".join(
            ascii(c)[1:-1] if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c
            for c in text
        )
    )


_TERMINATED: list[int] = []
"""The signal number once SIGTERM arrived: the exit code says which stopped it."""


def _terminate(signum: int, _frame: object) -> None:
    """Stop on SIGTERM (kill, timeout, a service manager) as on Ctrl-C.

    The same cleanup runs (a FILE.part of personal data removed, a demo's
    new ledger taken away) and the same one line says what is left.
    """
    _TERMINATED.append(signum)
    raise KeyboardInterrupt


def run() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    # A command cut short because its reader (head, say) went away did no
    # wrong: it exits 0. One that had finished keeps its own exit code, which
    # for verify and erasure-audit is the verdict.
    code = EXIT_OK
    if sys.stderr is None:  # started with it closed (2>&-)
        # print(file=None) would put the messages in the result on stdout.
        sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
    if isinstance(sys.stdout, io.TextIOWrapper):
        # Text its encoding (Latin-1, say) lacks is escaped, as on stderr,
        # rather than stop the command with a traceback once its work is done.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        code = main()
        if sys.stdout is not None:  # None: started with it closed (>&-)
            sys.stdout.flush()
    except BrokenPipeError:
        discard_output()
    except OSError as error:
        # Every file a command names is checked and read as a CommandError:
        # what is left is standard output failing (a full disk, say), which
        # must not read as a verdict, nor the key printed for "> FILE" as made.
        discard_output()
        said = error.strerror or str(error)
        print(f"coledger: cannot write its output: {said}", file=sys.stderr)
        code = EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        # The interrupted command's frames may still hold a storage
        # transaction over the connections its ledger closed on the way out:
        # dropping them raises nothing worth a traceback after this line.
        sys.unraisablehook = _ignore
        said = str(interrupt) if isinstance(interrupt, Interrupted) else "interrupted"
        print(f"coledger: {said}", file=sys.stderr)
        code = 128 + _TERMINATED[0] if _TERMINATED else EXIT_INTERRUPTED
    sys.exit(code)


def _ignore(_: object) -> None:
    """Say nothing of an exception raised where no one can catch it."""
