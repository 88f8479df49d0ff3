"""The console examples of docs/cli.md and the auditor's guide run as they show.

Each page's ``$ command`` lines run in order, in a fresh folder of their own,
through the installed ``coledger`` script and bash, as a reader pasting them
would run them. Every command's exit code is checked (the ``$ echo $?`` after
it, or 0 when it shows no refusal), and every line shown after it must be
printed, once the page's ids are swapped for this run's and the parts that
differ on every run (keys, roots, signatures, times, speeds) are let vary.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli_helpers import POLIS as POLIS_DATA
from coledger import Ledger
from test_docs import console_steps

ROOT = Path(__file__).resolve().parent.parent
POLIS = POLIS_DATA / "15-per-hour-seattle"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
NIL = "00000000-0000-0000-0000-000000000000"

FIRST_DECISION = "the proposal of the report's first decision"
FOLLOWED = "the member registered while follow runs"
# What each id in the pages names: the pages show one run's ids, the test
# looks up this run's. An id missing here fails the test, naming it.
DOC_IDS = {
    "8e105b87-ca1c-4d3a-a23b-732637e23a76": "Summer Festival",
    "c755ca6c-2a85-4f6d-bb93-740e6e6292ac": "New Website",
    "f9cb469b-3739-4071-b533-2ca4d0e733e4": "Coach Education Module",
    "3f283f48-571d-4cc6-a63d-52479d86b644": "Membership Fees Review",
    "af9ddb14-6843-4d17-95dd-5faacbaaf0ec": "Trainers Group",
    "b2d7030a-b621-46cd-982f-42d96baffd2e": "Board of Trustees",
    "2066e734-8aae-4f35-9ab6-b152dbb948be": "Inclusion Advisory Panel",
    "0600d548-343f-4589-83ce-5769f4a27f74": "Xan Porter",
    "8ea07f57-a6be-4ab8-8a06-ba51029cca81": "Alex Moreno",
    "53ed6d6e-083f-4c9c-88a3-7aa40b77e7c3": "Alex Moreno",
    "203b3238-c433-4dbf-8081-e7aecf75e904": FIRST_DECISION,
    "a708cd5c-8d25-4fd9-943a-6bc4d6a06f22": FIRST_DECISION,
    "8ff5e95c-5b70-482f-9a7f-9530dd112e37": FOLLOWED,
}

# Exit codes of the refusals a page shows without an `echo $?` after them, as
# the exit-code table of cli.md gives them.
REFUSALS = {
    "coledger history --proposal nope": 2,
    f"coledger report --body {NIL}": 1,
    "coledger report --since 2025-13-01": 2,
    "coledger report --since 2025-07-01 --until 2025-01-01": 2,
    "coledger import broken.jsonl --db copy.db": 1,
    "coledger import-polis --db polis.db conversation": 1,
    "coledger report --db 'mysql://x'": 2,
    "coledger report --audience trustees": 2,
}

# The parts of a shown line that differ on every run.
VARYING = re.compile(
    r"(?<=\+)[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$"  # a verifier key
    r"|^[A-Za-z0-9_-]{43}=$"  # a master key
    r"|[A-Za-z0-9+/]{43}="  # a root
    r"|(?<=^— riverside\.example/ledger )\S+$"  # a signature
    r"|(?<=^extra )\S+$"  # a receipt's event, cut at 60 characters
    r'|(?<="(?:recorded|exported)_at": ")[^"]+'
    r'|(?<="seconds": )[0-9.e-]+'
    r"|[0-9.]+ s \([0-9,]+ events/s\)|[0-9,]+ events/s"
)


@dataclass
class Page:
    """One page's run: its folder, its ledger file and what was found so far."""

    folder: Path
    ledger: str
    env: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    first_demo: subprocess.CompletedProcess[str] | None = None


def pattern(line: str) -> re.Pattern[str]:
    """A shown line as a pattern: exact, except where it shows what varies."""
    parts: list[str] = []
    last = 0
    for varying in VARYING.finditer(line):
        parts += [re.escape(line[last : varying.start()]), ".+"]
        last = varying.end()
    return re.compile("".join([*parts, re.escape(line[last:])]))


def live(text: str, page: Page) -> str:
    """The page's text with each id it shows swapped for this run's."""

    def swap(found: re.Match[str]) -> str:
        if found[0] == NIL:
            return NIL
        assert found[0] in DOC_IDS, f"the test does not know what {found[0]} names"
        return page.ids[DOC_IDS[found[0]]]

    return UUID.sub(swap, text)


def shell(command: str, page: Page) -> subprocess.CompletedProcess[str]:
    """Run one command line with bash in the page's folder, keeping any ``cd``."""
    where = page.folder / ".." / f"{page.folder.name}.cwd"
    script = f'set -o pipefail\n{command}\nrc=$?\npwd > "{where}"\nexit $rc\n'
    cwd = Path(where.read_text().strip()) if where.exists() else page.folder
    return subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=page.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def learn_ids(page: Page) -> None:
    """Look up, through the commands, this run's ids of what the pages name."""
    said = shell(f"coledger report --db {page.ledger} --format json", page)
    report = json.loads(said.stdout)
    page.ids.update({unit["name"]: unit["id"] for unit in report["ladder"]})
    page.ids[FIRST_DECISION] = report["decisions"][0]["proposal"]
    side = page.folder.parent / f"{page.folder.name}-export.jsonl"
    exported = shell(f"coledger export --db {page.ledger} --out '{side}'", page)
    assert exported.returncode == 0, exported.stderr
    for line in side.read_text(encoding="utf-8").splitlines()[1:]:
        event = json.loads(line)
        if event["topic"].endswith("Member.Registered"):
            page.ids[event["state"]["name"]] = event["originator_id"]


def make_broken_export(page: Page) -> None:
    """An export whose sixth line names a topic coledger does not have."""
    side = page.folder.parent / f"{page.folder.name}-export.jsonl"
    lines = side.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[5])
    event["topic"] = "nope"
    lines[5] = json.dumps(event)
    (page.folder / "broken.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def copy_polis(to: Path) -> None:
    """The shared Polis conversation, copied to *to*."""
    shutil.copytree(POLIS, to)


def make_broken_polis(page: Page) -> None:
    """A Polis folder whose votes.csv ends with a vote of 2, on its line 2997."""
    copy_polis(page.folder / "conversation")
    votes = page.folder / "conversation" / "votes.csv"
    lines = votes.read_text(encoding="utf-8").splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    last[header.index("vote")] = "2"
    lines.append(",".join(last))
    assert len(lines) == 2997
    votes.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_polis(page: Page) -> None:
    """The Polis export folder that cli.md imports."""
    copy_polis(page.folder / "exports" / "15-per-hour-seattle")


def make_tampered(page: Page) -> None:
    """A copy of the ledger where Alex Moreno's first ballot went abstain to for."""
    with (
        sqlite3.connect(page.folder / page.ledger) as source,
        sqlite3.connect(page.folder / "tampered.db") as copy,
    ):
        source.backup(copy)
    proposal = page.ids[FIRST_DECISION].replace("-", "")
    voter = f'"voter":"{page.ids["Alex Moreno"]}"'
    with sqlite3.connect(page.folder / "tampered.db") as copy:
        changed = copy.execute(
            "UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT),"
            ' \'"choice":"abstain"\', \'"choice":"for"\') AS BLOB)'
            " WHERE originator_id = ? AND topic LIKE '%.BallotCast'"
            " AND instr(CAST(state AS TEXT), ?) > 0",
            (proposal, voter),
        ).rowcount
    assert changed == 1


# Files a page names without making them (it says what they stand for), made
# just before the first command that names them.
MADE_BY_THE_TEST: dict[str, Callable[[Page], None]] = {
    "broken.jsonl": make_broken_export,
    "conversation": make_broken_polis,
    "exports/15-per-hour-seattle": make_polis,
    "tampered.db": make_tampered,
}


def follow(command: str, page: Page) -> subprocess.CompletedProcess[str]:
    """Run ``follow`` while another process registers a member, then press Ctrl-C."""
    worker = subprocess.Popen(
        command.split(),
        cwd=page.folder,
        env=page.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        key = (page.folder / "coledger.master-key").read_text().strip()
        url = f"sqlite:///{page.folder / page.ledger}"
        with Ledger.open(url, master_key=key) as ledger:
            page.ids[FOLLOWED] = str(ledger.register_member("Dee Newman"))
            deadline = time.monotonic() + 60
            while ledger.projections().tables.position() < ledger.position:
                assert time.monotonic() < deadline, "the worker never caught up"
                time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=60)
    return subprocess.CompletedProcess(command, worker.returncode, out, err)


def skip_reason(command: str, page: Page) -> str | None:
    """Why a command cannot run here, or None when it can."""
    if command.startswith("coledger verify --db 'postgresql://auditor@db.example"):
        return "it reads a PostgreSQL server at db.example with an auditor role"
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    for tool in ("jq", "sqlite3"):
        if re.search(rf"(^|\| ){tool} ", command) and shutil.which(tool) is None:
            if in_ci:
                pytest.fail(f"{tool} is not installed (CI=true: {command} must run)")
            return f"{tool} is not installed"
    if "polis" in command and not POLIS.exists():
        if in_ci:
            pytest.fail(f"the shared Polis data is missing at {POLIS}")
        return "the shared Polis data is not here"
    return None


def expected_code(command: str, shown: list[str], after: list[str] | None) -> int:
    """The exit code the page gives a command: its `echo $?`, else 0 or a refusal's."""
    if after is not None:
        return int(after[0])
    if shown and re.match(r"coledger: |usage: ", shown[0]):
        assert command in REFUSALS, f"no exit code known for: {command}"
        return REFUSALS[command]
    return 0


def check(
    command: str, shown: list[str], done: subprocess.CompletedProcess[str], code: int
) -> None:
    """The command exited with *code* and printed every line shown after it."""
    assert done.returncode == code, f"{command}: exit {done.returncode}\n{done.stderr}"
    out, err = done.stdout.splitlines(), done.stderr.splitlines()
    for line in shown:
        if line in {"^C", "  ..."}:  # a key pressed; lines left out
            continue
        wanted = pattern(line)
        said = err if line.startswith("coledger") else out + err
        assert any(wanted.fullmatch(printed) for printed in said), (
            f"{command}: {line!r} not printed\n{done.stdout}\n{done.stderr}"
        )


def run_step(command: str, page: Page) -> subprocess.CompletedProcess[str]:
    """Run one of the page's commands, making first any file it names but lacks."""
    for made, make in MADE_BY_THE_TEST.items():
        named = re.search(rf"(^| ){re.escape(made)}( |$)", command)
        if named and not (page.folder / made).exists():
            make(page)
    if command == "cd $(mktemp -d) && coledger demo":
        # The page's fresh folder is this one; its demo section shows this run.
        page.first_demo = shell("coledger demo", page)
        return page.first_demo
    if command == "coledger demo" and page.first_demo is not None:
        done, page.first_demo = page.first_demo, None
        return done
    if command.startswith("coledger follow"):
        return follow(command, page)
    return shell(live(command, page), page)


def run_page(name: str, ledger: str, tmp_path: Path) -> Page:
    """Run the console steps of one page in order, checking each."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COLEDGER")}
    environment["PATH"] = os.pathsep.join(
        [str(Path(sys.executable).parent), environment["PATH"]]
    )
    page = Page(folder=tmp_path / "page", ledger=ledger, env=environment)
    page.folder.mkdir()
    steps = [*console_steps(ROOT / "docs" / name), ("", [])]
    for (command, shown), (following, after) in itertools.pairwise(steps):
        if command == "echo $?":
            continue
        reason = skip_reason(command, page)
        if reason is not None:
            page.skipped.append(f"{command}: {reason}")
            continue
        done = run_step(command, page)
        if not page.ids and done.returncode == 0 and "demo" in command:
            learn_ids(page)
        code = expected_code(command, shown, after if following == "echo $?" else None)
        check(live(command, page), [live(line, page) for line in shown], done, code)
    return page


@pytest.mark.slow
def test_the_command_line_pages_console_examples_run_as_shown(tmp_path: Path) -> None:
    """Every command of docs/cli.md runs in order, exiting and printing as shown."""
    page = run_page("cli.md", "coledger.db", tmp_path)
    assert FOLLOWED in page.ids, "the follow example did not run"
    assert all("not installed" in why or "Polis" in why for why in page.skipped)


@pytest.mark.slow
def test_the_auditors_guides_console_examples_run_as_shown(tmp_path: Path) -> None:
    """Every command of the auditor's guide runs in order, as it shows."""
    page = run_page("auditors-guide.md", "riverside.db", tmp_path)
    assert page.skipped[0].endswith("with an auditor role")
    assert all("not installed" in why for why in page.skipped[1:])
