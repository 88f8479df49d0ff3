"""Inputs found by fuzzing the public commands: refused quickly, typed, unstored.

Hypothesis draws values of every wrong kind for every argument of every public
command (the table in test_input_validation), and each must raise a LedgerError
or succeed; a refused call stores nothing. The explicit tests keep what the
fuzzing found.
"""

from __future__ import annotations

import time
from uuid import uuid4

from coledger import Ledger
from coledger.errors import NotAMemberError
from helpers import refused


def test_a_long_list_of_distinct_ids_is_refused_in_linear_time(
    memory_ledger: Ledger,
) -> None:
    """Fifty thousand unknown proposers are refused in well under ten seconds."""
    admin = memory_ledger.register_member("Admin", role="staff")
    board = memory_ledger.establish_body("Board", kind="governance", by=admin)
    many = [uuid4() for _ in range(50_000)]
    started = time.perf_counter()
    with refused(memory_ledger, NotAMemberError):
        memory_ledger.raise_proposal(board, proposers=many, title="T", text="x")
    assert time.perf_counter() - started < 10  # quadratic, it took over a minute
