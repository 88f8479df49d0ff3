"""docs/api.md covers the whole curated API, and names only what exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import coledger

PAGE = Path(__file__).resolve().parent.parent / "docs" / "api.md"
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
SPAN = re.compile(r"`([^`]+)`")
"""A code span, which may run over a line end, as Markdown allows."""
HEADING = re.compile(r"^#+ (.*)$", re.MULTILINE)
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def prose(text: str) -> str:
    """*text* without its fenced blocks: what the page says, not its examples."""
    return FENCED.sub("", text)


def named(text: str) -> list[str]:
    """The dotted name each code span of *text* begins with, in order."""
    names = []
    for span in SPAN.findall(prose(text)):
        found = DOTTED.match(span.strip())
        if found:
            names.append(found.group())
    return names


def undocumented(text: str) -> set[str]:
    """Names in coledger.__all__ that no heading word or code span of *text* names."""
    words = {w for h in HEADING.findall(prose(text)) for w in DOTTED.findall(h)}
    spans = {n.removeprefix("coledger.") for n in named(text)}
    return set(coledger.__all__) - words - spans


def resolves(dotted: str) -> bool:
    """Whether *dotted* (``coledger.X.y``) names a module or an attribute of one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def unresolved(text: str) -> set[str]:
    """The ``coledger.X`` names in the code spans of *text* that do not exist."""
    return {n for n in named(text) if n.startswith("coledger.") and not resolves(n)}


def test_every_public_name_is_documented_in_the_api_reference() -> None:
    """Each name in coledger.__all__ is a heading word or a code span of api.md."""
    assert undocumented(PAGE.read_text(encoding="utf-8")) == set()


def test_every_coledger_name_the_api_reference_gives_exists() -> None:
    """Every `coledger.X...` code span of api.md names a real module or attribute."""
    assert unresolved(PAGE.read_text(encoding="utf-8")) == set()


@pytest.mark.parametrize(
    ("page", "missing"),
    [
        ("# API\n\n`Ledger` and `coledger.Rule.majority(quorum=0)`.\n", "Tally"),
        ("## `Ledger`\n\n```python\nTally\n```\n", "Tally"),
    ],
)
def test_a_page_that_leaves_a_name_out_is_caught(page: str, missing: str) -> None:
    """A name only in an example, or nowhere, counts as undocumented."""
    gaps = undocumented(page)
    assert missing in gaps
    assert "Ledger" not in gaps


def test_a_name_that_does_not_exist_is_caught() -> None:
    """Misspelt or invented coledger names are reported; real ones are not."""
    page = (
        "`coledger.Ledger.open(url)`, `coledger.integrity.verify_receipt`, "
        "`coledger.Legder`, `coledger.errors.NoSuchError`, `coledger.nowhere.thing`"
    )
    assert unresolved(page) == {
        "coledger.Legder",
        "coledger.errors.NoSuchError",
        "coledger.nowhere.thing",
    }
