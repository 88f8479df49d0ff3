"""The code in the README and in docs/ runs, so the documentation cannot rot."""

from __future__ import annotations

import argparse
import codeop
import contextlib
import io
import os
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

from coledger.cli import build_parser
from coledger.errors import CheckpointError
from coledger.integrity import Verifier
from coledger.integrity.checkpoints import open_checkpoint
from coledger.projections import Thresholds
from coledger.projections.materialise import tracking_name
from coledger.projections.report import PowerSharingReport

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANY_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(path: Path) -> list[str]:
    """The ```python blocks of one Markdown file, in order."""
    return FENCE.findall(path.read_text(encoding="utf-8"))


def shown_outputs(path: Path) -> list[str | None]:
    """For each ```python block, the ```text block right after it, if any."""
    blocks = ANY_FENCE.findall(path.read_text(encoding="utf-8"))
    shown: list[str | None] = []
    for (language, _), after in zip(blocks, [*blocks[1:], ("", "")], strict=True):
        if language == "python":
            shown.append(after[1] if after[0] == "text" else None)
    return shown


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_documented_code_runs(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every Python block of a page runs, in order, in one shared namespace.

    A block that prints, followed by a ```text block, prints exactly that text.
    """
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    blocks = zip(python_blocks(path), shown_outputs(path), strict=True)
    for number, (block, shown) in enumerate(blocks, start=1):
        code = compile(block, f"{path.name}#block{number}", "exec")
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(code, namespace)  # noqa: S102 (running our own documentation is the point)
        if printed.getvalue() and shown is not None:
            assert printed.getvalue() == shown, f"{path.name}#block{number}"


def test_docs_hold_code() -> None:
    """The tutorial and README each contain runnable examples."""
    assert python_blocks(ROOT / "README.md")
    assert python_blocks(ROOT / "docs" / "tutorial.md")


def prompt_refusal(block: str) -> str | None:
    """The first line a Python prompt refuses when *block* is pasted into it, if any.

    The prompt compiles each statement as its lines come and runs it once it
    is complete; a compound statement ends only at a blank line, so a line
    that starts a new statement right after one is refused as a syntax error.
    """
    pending: list[str] = []
    for line in block.splitlines():
        pending.append(line)
        try:
            compiled = codeop.compile_command("\n".join(pending), "<paste>", "single")
        except SyntaxError:
            return line
        if compiled is not None:
            pending = []
    return None


def test_the_tutorial_pastes_into_a_python_prompt() -> None:
    """Each tutorial block can be pasted into Python's own prompt, as the page says."""
    refused = [
        (number, line)
        for number, block in enumerate(python_blocks(ROOT / "docs" / "tutorial.md"), 1)
        if (line := prompt_refusal(block)) is not None
    ]
    assert refused == []


CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)


def console_steps(path: Path) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of a page's console blocks, with the lines shown after it."""
    steps: list[tuple[str, list[str]]] = []
    for block in CONSOLE.findall(path.read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
    return steps


def test_readme_journeys_run_after_the_quickstart(tmp_path: Path) -> None:
    """The README's console commands run, in order, after its demo, as it shows."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COLEDGER_")}
    environment["PATH"] = (
        f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    )
    steps = [("coledger demo", []), *console_steps(ROOT / "README.md")]
    assert len(steps) > 5
    for command, shown in steps:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{command}: {done.stderr}"
        if shown:
            assert done.stdout.splitlines() == shown, command


def test_what_the_readme_writes_in_the_clone_is_ignored_by_git() -> None:
    """Git ignores every file the README writes in the clone, its signing key too."""
    written = ["coledger.db", "coledger.db.keys", "coledger.master-key"]
    for command, _ in console_steps(ROOT / "README.md"):
        written += re.findall(r"--(?:verifier-)?out (\S+)", command)
    assert "signing-key.pem" in written
    patterns = [
        line.lstrip("/")
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    exposed = [f for f in written if not any(fnmatch(f, p) for p in patterns)]
    assert exposed == []


def test_the_readme_demo_summary_is_what_the_demo_prints(tmp_path: Path) -> None:
    """The demo output the README shows, its elided lines aside, is printed in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "ids differ" not in text  # the summary shows no ids, and never varies
    shown = next(
        body
        for language, body in ANY_FENCE.findall(text)
        if language == "text" and body.startswith("Recorded a year")
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COLEDGER_")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "coledger"), "demo"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    printed = iter(done.stdout.splitlines())
    for line in shown.splitlines():
        if line != "...":
            assert line in printed, line


def test_the_tracking_name_shown_is_the_one_rebuild_writes() -> None:
    """The projection tracking name cli.md shows is the default thresholds' own."""
    shown = re.findall(
        r"^(power_sharing/[0-9a-f]+)\|",
        (ROOT / "docs" / "cli.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert shown == [tracking_name(Thresholds())]


def test_every_command_has_its_row_and_section_in_the_cli_docs() -> None:
    """docs/cli.md lists and explains exactly the commands the parser has."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = set(sub.choices)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| \[`([a-z-]+)`\]\(#", text, re.MULTILINE))
    sections = set(re.findall(r"^## ([a-z-]+)$", text, re.MULTILINE))
    assert rows == commands
    assert commands <= sections


def test_the_coverage_section_names_every_figure_that_never_has_one(
    demo_report: PowerSharingReport,
) -> None:
    """Every figure with a value but no coverage is one indicators.md says has none."""
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    section = " ".join(text.split("\n## Coverage\n", 1)[1].split("\n## ", 1)[0].split())
    said = re.search(r"always `None` for (.+?), which", section)
    assert said is not None
    named = set(re.findall(r"\b[A-Z]\d\b", said.group(1)))
    without = {
        code
        for code, f in demo_report.indicators.items()
        if f.value is not None and f.coverage is None
    }
    assert without == named


SHOWN_KEY = re.compile(r"([^\s\"'+]+)\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}")
SHOWN_NOTE = re.compile(
    r"^([^\s+]+)\n\d+\n[A-Za-z0-9+/]{43}=\n\n\u2014 \1 [A-Za-z0-9+/]+=*\n", re.MULTILINE
)


def test_every_checkpoint_shown_opens_under_a_key_its_page_shows() -> None:
    """Each signed note in the docs opens under a verifier key its page gives.

    An auditor checks a verifier of their own against the pages' examples,
    and a note that fails its signature reads as a forgery.
    """
    opened = 0
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        keys = [Verifier.parse(found.group(0)) for found in SHOWN_KEY.finditer(text)]
        for note in SHOWN_NOTE.finditer(text):
            pinned = [key for key in keys if key.name == note.group(1)]
            codes = []
            for key in pinned:
                try:
                    open_checkpoint(note.group(0), key)
                except CheckpointError as error:
                    codes.append(error.code)
            assert len(codes) < len(pinned), f"{path.name}: {note.group(0)} {codes}"
            opened += 1
    assert opened >= 3  # cli.md's and the auditor's guide's two


def test_the_json_shape_shows_the_demo_reports_own_numbers(
    demo_report: PowerSharingReport,
) -> None:
    """The numbers in indicators.md's JSON shape are the demo report's own."""
    text = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    shape = text[text.index("## The JSON shape") :]
    shape = shape[: shape.index("\n```\n", shape.index("```text") + 1)]
    data = demo_report.to_json()
    a1, d3 = data["indicators"]["A1"], data["indicators"]["D3"]
    shown = {
        "as_of": re.search(r'"as_of": (\d+)', shape),
        "tree_size": re.search(r'"tree_size": (\d+)', shape),
        "A1 value": re.search(r'"A1": \{"value": ([\d.]+)', shape),
        "A1 people": re.search(r'"people": (\d+)', shape),
        "A1 groups": re.search(r'"groups": (\[[\d, ]+\])', shape),
        "D3 groups": re.search(r"as D3's (\[[\d, ]+\])", shape),
        "tag_people": re.search(r'"tag_people": (\[[\d, ]+\])', shape),
    }
    assert {k: m and m.group(1) for k, m in shown.items()} == {
        "as_of": str(data["as_of"]),
        "tree_size": str(data["tree_size"]),
        "A1 value": str(a1["value"]),
        "A1 people": str(a1["people"]),
        "A1 groups": str(a1["groups"]),
        "D3 groups": str(d3["groups"]),
        "tag_people": str(data["tag_people"]),
    }
