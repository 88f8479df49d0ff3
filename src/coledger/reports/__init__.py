"""Power-sharing reports for three audiences, as text, JSON or one HTML file.

``render(report, audience=..., format=...)`` is the whole interface:

* ``board``: every figure exactly, with its n, coverage, band and note; the
  ladder with its flags and evidence; every decision's tag. Not for
  publication.
* ``public``: the same report after disclosure control (see
  ``coledger.reports.suppression``): small cells withheld, values as bands,
  no names of people.
* ``members``: an easy-read report of a few headline points in short, plain
  sentences with a picture and a simple chart each, built from the same
  suppressed figures as the public's.

See docs/reports.md for what each audience shows and hides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from coledger.domain.values import MAX_NAME, MAX_TITLE, check_text
from coledger.errors import (
    InvalidInputError,
    UnknownAudienceError,
    UnknownFormatError,
)
from coledger.projections.report import PowerSharingReport
from coledger.projections.thresholds import Thresholds
from coledger.reports import display, easy_read, html, text
from coledger.reports.suppression import SafeReport, report_thresholds, suppress

AUDIENCES = frozenset({"board", "members", "public"})
"""Who a report is for."""
FORMATS = frozenset({"text", "json", "html"})
"""What a report is written as."""


def _check(
    *,
    report: object,
    audience: object,
    format: object,  # noqa: A002 (the public keyword is called format)
    names: object,
    organisation: object,
    group: object,
    thresholds: object,
) -> None:
    if not isinstance(report, PowerSharingReport):
        raise InvalidInputError("report must be a PowerSharingReport")
    if not isinstance(audience, str) or audience not in AUDIENCES:
        raise UnknownAudienceError("audience", audience, AUDIENCES)
    if not isinstance(format, str) or format not in FORMATS:
        raise UnknownFormatError("format", format, FORMATS)
    if names is not None and not (
        isinstance(names, Mapping)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in names.items())
    ):
        raise InvalidInputError("names must map id strings to name strings")
    for label, value in (("organisation", organisation), ("group", group)):
        if value is not None:  # printed as given: no controls to hide or recolour
            check_text(label, value, limit=MAX_NAME, one_line=True)
    if thresholds is not None and not isinstance(thresholds, Thresholds):
        raise InvalidInputError("thresholds must be a coledger Thresholds")


def _check_names(
    report: PowerSharingReport,
    audience: str,
    format: str,  # noqa: A002 (as render's)
    names: Mapping[str, str] | None,
) -> None:
    """Refuse a name the report would print if it holds a control character.

    Only the names this report uses are checked (the scope's, and for the
    board the proposals' titles), so a host may pass a wider mapping; an
    empty name is not printed (the report falls back to its own words), and
    the JSON prints none.
    """
    if not names or format == "json":
        return
    used = [str(report.scope.id)] if report.scope.id is not None else []
    if audience == "board":
        used += [d.proposal for d in report.decisions]
    for key in used:
        value = names.get(key)
        if value:  # printed as given: no controls to hide, recolour or add lines
            check_text(f"names[{key!r}]", value, limit=MAX_TITLE, one_line=True)


def render(
    report: PowerSharingReport,
    *,
    audience: str = "board",
    format: str = "text",  # noqa: A002 (the public keyword is called format)
    names: Mapping[str, str] | None = None,
    organisation: str | None = None,
    group: str | None = None,
    thresholds: Thresholds | None = None,
) -> str:
    """The report for one audience in one format, as a string.

    ``names`` maps ids (as strings) to display names: proposal titles for the
    board's decision list, and the scope's body or project name for any
    audience; the public and members' reports use nothing else from it.
    ``organisation`` names the organisation in the title; ``group`` is what
    the members' report calls people with lived experience (default
    "people with lived experience"). Either is left out where the report has
    no place for it (the JSON, or ``group`` beside another audience than the
    members), so that one set of arguments serves every audience and format;
    the command line, given one report at a time, refuses them there instead.
    ``thresholds.small_cell`` is the small-cell limit for the public and
    members (default: the report's, 5 unless it was computed with another);
    its other cut-offs must be those the report was computed with, since the
    words of each band are cut there.
    """
    _check(
        report=report,
        audience=audience,
        format=format,
        names=names,
        organisation=organisation,
        group=group,
        thresholds=thresholds,
    )
    _check_names(report, audience, format, names)
    thresholds = report_thresholds(report, thresholds)
    # Spaces around either are not printed (check_text refused blank ones).
    organisation = organisation.strip() if organisation else None
    group = group.strip() if group else None
    if audience == "board" and format == "json":
        return _json(report.to_json())
    if audience == "board":
        shown = display.board(report, names=names, organisation=organisation)
    else:
        safe = suppress(report, thresholds)
        if format == "json":
            return _json(safe.to_json(audience))
        if audience == "members":
            easy = easy_read.build(
                safe, group=group, organisation=organisation, names=names
            )
            return text.members(easy) if format == "text" else html.members(easy)
        shown = display.public(safe, names=names, organisation=organisation)
    if format == "text":
        return text.board_or_public(shown)
    return html.board_or_public(shown, organisation)


def _json(body: object) -> str:
    """JSON text, indented, with a final newline."""
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "AUDIENCES",
    "FORMATS",
    "SafeReport",
    "UnknownAudienceError",
    "UnknownFormatError",
    "render",
    "suppress",
]
