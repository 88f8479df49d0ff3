"""docs/api.md covers the whole curated API, names only what exists, as it is."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
from collections.abc import Callable
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


BULLET = re.compile(r"^- `([^`]+)`", re.MULTILINE)
"""The code span a list item of the page begins with: what the item is about."""
SIGNATURE = re.compile(r"([A-Za-z_][\w.]*)\((.*)\)", re.DOTALL)
LEFT_OUT = {"occurred_at", "source_ref"}
"""Keywords every command takes, which the page says its signatures leave out."""


def callable_named(name: str) -> Callable[..., object] | None:
    """What a list item names: `coledger.X.y`, `Ledger.x`, `Rule.x` or a method."""
    if name.startswith("coledger."):
        found: object = coledger
        path = "coledger"
        for attribute in name.split(".")[1:]:
            path += f".{attribute}"
            # The package's own name first: coledger.integrity.verify is the
            # function the package exports, not the module of that name.
            if not hasattr(found, attribute):
                importlib.import_module(path)
            found = getattr(found, attribute)
        return found if callable(found) else None
    owner, _, attribute = name.rpartition(".")
    holder = getattr(coledger, owner or "Ledger", coledger.Ledger)  # ledger.x too
    found = getattr(holder, attribute, None)
    return found if callable(found) else None


Parameters = list[tuple[str, bool, str | None]]
"""Each parameter's name, whether it is keyword-only, and its default's repr."""


def documented(params: str) -> Parameters:
    """The parameters a documented signature gives, as `Parameters`."""
    spec = ast.parse(f"def f({params}): pass").body[0]
    assert isinstance(spec, ast.FunctionDef)
    args = spec.args
    named = [(a.arg, False) for a in args.posonlyargs + args.args]
    defaults = [None] * (len(named) - len(args.defaults)) + list(args.defaults)
    named += [(a.arg, True) for a in args.kwonlyargs]
    defaults += args.kw_defaults
    return [
        (arg, kw_only, None if d is None else repr(ast.literal_eval(d)))
        for (arg, kw_only), d in zip(named, defaults, strict=True)
    ]


def actual(function: Callable[..., object]) -> Parameters:
    """The parameters *function* really takes, as `Parameters`."""
    return [
        (
            p.name,
            p.kind is p.KEYWORD_ONLY,
            None if p.default is p.empty else repr(p.default),
        )
        for p in inspect.signature(function).parameters.values()
        if p.name != "self" and not (p.kind is p.KEYWORD_ONLY and p.name in LEFT_OUT)
    ]


def signature_gaps(text: str) -> dict[str, tuple[Parameters, Parameters]]:
    """The list items whose signature is not what the function takes: (page, code)."""
    gaps = {}
    for span in BULLET.findall(prose(text)):
        found = SIGNATURE.fullmatch(" ".join(span.split()))
        if found is None:
            continue
        name, params = found.groups()
        if hasattr(builtins, name):
            continue  # repr(ledger): what Python's own function shows
        function = callable_named(name)
        assert function is not None, f"{name} names nothing callable"
        given, real = documented(params), actual(function)
        if given != real:
            gaps[name] = (given, real)
    return gaps


def test_every_signature_the_api_reference_gives_is_the_real_one() -> None:
    """Each list item's signature names the parameters, kinds and defaults taken."""
    assert signature_gaps(PAGE.read_text(encoding="utf-8")) == {}


def test_every_public_ledger_method_is_in_the_api_reference() -> None:
    """Each public attribute of Ledger is named by a code span of api.md."""
    spans = {n.rpartition(".")[2] for n in named(PAGE.read_text(encoding="utf-8"))}
    public = {n for n in dir(coledger.Ledger) if not n.startswith("_")}
    assert public - spans == set()


def test_a_signature_that_differs_from_the_code_is_caught() -> None:
    """A renamed keyword, a wrong default or a lost `*` in a signature is reported."""
    page = (
        '- `register_member(name, *, role="member", by=None)` → `UUID`\n'
        '- `comment(proposal, *, writer, text, channel="meeting", supporter=None)`\n'
        '- `issue_papers(meeting, *, formats=("ER",), by)`\n'
        "- `coledger.transfer.read_export(lines, *, source='import')`\n"
    )
    assert set(signature_gaps(page)) == {
        "comment",
        "issue_papers",
        "coledger.transfer.read_export",
    }


def test_the_tutorial_gives_a_row_to_every_branch_of_the_error_hierarchy() -> None:
    """Each direct subclass of LedgerError has a row in the tutorial's table."""
    tutorial = (PAGE.parent / "tutorial.md").read_text(encoding="utf-8")
    section = tutorial.split("## 17. Handling errors", 1)[1].split("\n## ", 1)[0]
    rows = {
        line.split("|")[1].strip().split()[0].strip("`").rsplit(".", 1)[-1]
        for line in section.splitlines()
        if line.startswith("| `")
    }
    branches = {cls.__name__ for cls in coledger.LedgerError.__subclasses__()}
    assert branches - rows == set()
