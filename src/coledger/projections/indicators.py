"""Every indicator family, and the report built from them for one lens."""

from __future__ import annotations

from coledger.projections import (
    access,
    agenda,
    decisions,
    ladder,
    phases,
    representation,
    voice,
    wellbeing,
)
from coledger.projections.lens import Figure, Lens
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds

FAMILIES = (representation, agenda, voice, decisions, phases, access, wellbeing)
WEIGHED = frozenset(
    {
        "R4",
        "A1",
        "A3",
        "V1",
        "V4",
        "V5",
        "D1",
        "D3",
        "D4",
        "D5",
        "P1",
        "P2",
        "P3",
        "X1",
        "X2",
    }
)
"""Figures that weigh records by their people's lived experience, and so count
those people (``Figure.people``, the smallest group of them a figure reads); A2
weighs its chairs' and is always withheld for the public, and the other seat
figures' n already counts people. R4's n counts terms of office, several of
them one member's at times, so it counts its officers. X1 and X2 weigh none,
but their records are people's access needs (X1's standing request counting
at every meeting it covered, X2's answers to one member who asks before every
meeting), so they count the people who asked."""


def compute_all(lens: Lens, th: Thresholds) -> dict[str, Figure]:
    """Every figure of every family, keyed by code."""
    figures: dict[str, Figure] = {}
    for family in FAMILIES:
        figures.update(family.compute(lens, th))
    return figures


def build_report(lens: Lens, th: Thresholds) -> PowerSharingReport:
    """The whole report for one scope, period and position."""
    tags, tag_people = ladder.tagged(lens)
    return PowerSharingReport(
        scope=lens.scope,
        since=lens.since,
        until=lens.until,
        as_of=lens.facts.position,
        indicators=compute_all(lens, th),
        ladder=ladder.classify(lens, th),
        decisions=tags,
        thresholds=th,
        tag_people=tag_people,
    )
