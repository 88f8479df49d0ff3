"""Child-process bodies for the scale tests: a writer that acknowledges each command."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from uuid import UUID

from coledger import Ledger, LedgerError


def write(url: str, ack_path: str, worker: int, commands: int, ids: list[str]) -> None:
    """Record *commands* commands, appending each acknowledged source_ref to a file.

    A line is written (and flushed to disk) only after the ledger returned, so
    every line names a command the ledger acknowledged.
    """
    proposal, admin, *voters = (UUID(i) for i in ids)
    with Ledger.open(url) as ledger, Path(ack_path).open("a", encoding="utf-8") as ack:
        for n in range(commands):
            ref = f"test:w{worker}/{n}"
            voter = voters[(worker + n) % len(voters)]
            try:
                if n % 3 == 0:
                    ledger.comment(
                        proposal, author=voter, text=f"note {n}", source_ref=ref
                    )
                elif n % 3 == 1:
                    choice = "for" if n % 2 else "against"
                    ledger.cast_ballot(
                        proposal, voter=voter, choice=choice, source_ref=ref
                    )
                else:
                    ledger.request_adjustment(
                        voter,
                        code="ER",
                        proposal=proposal,
                        needed_before="vote",
                        by=admin,
                        source_ref=ref,
                    )
            except LedgerError as error:
                ack.write(f"refused {ref} {type(error).__name__}\n")
            else:
                ack.write(f"stored {ref}\n")
            ack.flush()
            os.fsync(ack.fileno())


if __name__ == "__main__":
    write(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
