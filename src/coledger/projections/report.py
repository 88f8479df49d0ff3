"""The power-sharing report: every indicator and the ladder for one scope and period.

``to_json()`` gives the documented, versioned shape (``REPORT_VERSION``):

    {"version": 1, "scope": {"kind": ..., "id": ...},
     "period": {"since": ..., "until": ...}, "as_of": <position>,
     "tree_size": <events up to as_of, as the hash tree counts them>,
     "indicators": {"R1": {"value": ..., "n": ..., "coverage": ..., "band": ...,
                           "note": ..., "people": ..., "groups": ...}, ...},
     "ladder": [{"unit": ..., "rung": ..., "flags": [...], "evidence": {...}}, ...],
     "decisions": [{"proposal": ..., "tag": ..., ...}, ...],
     "tag_people": [<with lived experience>, <without>]}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from coledger.projections.lens import Figure, Scope
from coledger.projections.thresholds import Thresholds
from coledger.serialization import to_jsonable

REPORT_VERSION = 1


def envelope(
    scope: Scope,
    since: datetime | None,
    until: datetime | None,
    as_of: int,
    tree_size: int | None = None,
) -> dict[str, Any]:
    """The JSON fields every report shape opens with: version, scope, period.

    ``as_of`` is a notification id, which the hash tree does not protect (ids
    renumbered in their order still verify); ``tree_size`` says how many
    events the report reflects, which a signed checkpoint of that size does.
    """
    return {
        "version": REPORT_VERSION,
        "scope": {
            "kind": scope.kind,
            "id": None if scope.id is None else str(scope.id),
        },
        "period": {"since": to_jsonable(since), "until": to_jsonable(until)},
        "as_of": as_of,
        "tree_size": tree_size,
    }


@attrs.frozen
class Rung:
    """Where one process (a project, or a body over the period) sits on the ladder."""

    unit: str
    id: str
    name: str
    rung: str
    level: int
    flags: tuple[str, ...]
    evidence: dict[str, Any]


@attrs.frozen
class DecisionTag:
    """The mini-ladder tag of one decision: decided-with ... none."""

    proposal: str
    decision: str
    tag: str
    le_originated: bool


@attrs.frozen
class PowerSharingReport:
    """What the record shows about whether power was shared."""

    scope: Scope
    since: datetime | None
    until: datetime | None
    as_of: int
    indicators: dict[str, Figure]
    ladder: tuple[Rung, ...]
    decisions: tuple[DecisionTag, ...]
    thresholds: Thresholds = attrs.field(factory=Thresholds)
    """The cut-offs the bands and flags were computed with (not in the JSON).

    The reports write bands in words cut at the same places, so that a value's
    words never contradict its band.
    """
    tree_size: int | None = None
    """How many events the report reflects: the size of the log's hash tree
    whose last leaf is the event at ``as_of`` (None when not known).

    ``as_of`` is a notification id, which the hashes do not cover: a log whose
    ids were renumbered in their order still verifies, and then ``as_of=N``
    names another moment. The tree size cannot move that way, so a figure
    published with both can be checked against a checkpoint of that size.
    """
    tag_people: tuple[int, int] | None = None
    """How many people with lived experience, and without, the decision tags
    read past the deciders (the proposers, commenters, amenders and attendees
    of ``ladder.tagged``; None when not known): each tag says something of
    theirs, so the reports for the public and the members withhold the tags
    while either side is a few."""

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values, in the documented versioned shape."""
        return {
            **envelope(self.scope, self.since, self.until, self.as_of, self.tree_size),
            "indicators": {
                code: {
                    "value": f.value,
                    "n": f.n,
                    "coverage": f.coverage,
                    "band": f.band,
                    "note": f.note,
                    "people": f.people,
                    "groups": None if f.groups is None else list(f.groups),
                }
                for code, f in sorted(self.indicators.items())
            },
            "ladder": [to_jsonable(r) for r in self.ladder],
            "decisions": [to_jsonable(d) for d in self.decisions],
            "tag_people": None if self.tag_people is None else list(self.tag_people),
        }
