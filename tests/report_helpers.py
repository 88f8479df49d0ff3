"""Reports made by hand, for tests of what each audience is shown."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from coledger.projections.lens import Figure, Scope
from coledger.projections.report import DecisionTag, PowerSharingReport, Rung


def report(
    figures: dict[str, Figure],
    *,
    tags: Sequence[str] = (),
    ladder: tuple[Rung, ...] = (),
    tag_people: tuple[int, int] | None = (9, 9),
) -> PowerSharingReport:
    """A report made by hand, with the given figures, decision tags and rungs.

    The tags read nine people with lived experience and nine without, unless
    *tag_people* says otherwise.
    """
    return PowerSharingReport(
        scope=Scope.ledger(),
        since=None,
        until=None,
        as_of=99,
        indicators=figures,
        ladder=ladder,
        decisions=tuple(
            DecisionTag(str(uuid.uuid4()), str(uuid.uuid4()), tag, le_originated=False)
            for tag in tags
        ),
        tag_people=tag_people,
    )
