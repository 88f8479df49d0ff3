"""keygen, checkpoint, verify and prove, run through the real console script.

Every command runs as a subprocess of the installed ``coledger`` script (the one
next to the test interpreter), in a temporary folder, with the master key from
the environment (set by conftest). Exit codes of ``verify``: 0 VERIFIED,
3 PARTIAL, 1 FAILED, 2 could not run.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from coledger import Ledger
from coledger.errors import ProofError
from coledger.integrity import SigningKey, Verifier, verify_receipt
from coledger.integrity.checkpoints import open_checkpoint
from coledger.integrity.leaves import leaf_hash
from coledger.integrity.receipts import make_receipt
from conftest import PG_CONNINFO
from integrity_helpers import (
    ORIGIN,
    STORY_BALLOT,
    STORY_SIZE,
    Scene,
    build,
    copy_ledger,
    extend,
    tampering,
)

COLEDGER = Path(sys.executable).parent / "coledger"
PASSPHRASE_ENV = "COLEDGER_SIGNING_PASSPHRASE"  # noqa: S105 (a variable name)


def psycopg_connect() -> psycopg.Connection[Any]:
    """A connection to the test PostgreSQL database."""
    return psycopg.connect(PG_CONNINFO)


def coledger(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console script with *args* in *cwd*; its completed process."""
    environment = {k: v for k, v in os.environ.items() if k != PASSPHRASE_ENV}
    environment.update(env or {})
    return subprocess.run(
        [str(COLEDGER), *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclasses.dataclass(frozen=True)
class Published:
    """A ledger checkpointed through the CLI, and what its operator published."""

    scene: Scene
    folder: Path
    key_file: Path
    verifier_text: str
    checkpoint: Path

    @property
    def db(self) -> Path:
        """The ledger's SQLite file."""
        assert self.scene.path is not None
        return self.scene.path

    @property
    def verifier(self) -> Verifier:
        """The pinned verifier key."""
        return Verifier.parse(self.verifier_text)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """A key from ``coledger keygen``, a ledger signed by ``coledger checkpoint``."""
    folder = tmp_path_factory.mktemp("cli")
    made = coledger("keygen", "--name", ORIGIN, "--out", "signing.pem", cwd=folder)
    assert made.returncode == 0, made.stderr
    verifier_text = made.stdout.strip().splitlines()[-1]
    scene = build("sqlite", folder, checkpoint=False)
    signed = coledger(
        "checkpoint",
        "--db",
        scene.path or "",
        "--signing-key",
        "signing.pem",
        "--out",
        "kept.checkpoint",
        cwd=folder,
    )
    assert signed.returncode == 0, signed.stderr
    note = (folder / "kept.checkpoint").read_text(encoding="utf-8")
    assert signed.stdout == note
    return Published(
        scene, folder, folder / "signing.pem", verifier_text, folder / "kept.checkpoint"
    )


@pytest.fixture
def own_copy(published: Published, tmp_path: Path) -> Published:
    """A private copy of the published ledger, free to tamper with."""
    scene = copy_ledger(published.scene, tmp_path)
    return dataclasses.replace(published, scene=scene, folder=tmp_path)


def verify_cli(
    published: Published, *extra: str | Path, json_output: bool = False
) -> subprocess.CompletedProcess[str]:
    """``coledger verify`` on the ledger with the pinned key and *extra* arguments."""
    flags = ["--json"] if json_output else []
    return coledger(
        "verify",
        "--db",
        published.db,
        "--trusted-key",
        published.verifier_text,
        *extra,
        *flags,
        cwd=published.folder,
    )


def checkpoint_cli(published: Published) -> subprocess.CompletedProcess[str]:
    """``coledger checkpoint`` on the ledger with its own signing key."""
    return coledger(
        "checkpoint",
        "--db",
        published.db,
        "--signing-key",
        published.key_file,
        cwd=published.folder,
    )


# keygen and checkpoint ----------------------------------------------------------------


def test_keygen_writes_a_private_key_and_prints_the_verifier(
    published: Published,
) -> None:
    """Keygen writes a 0600 PEM naming the origin and prints the verifier key."""
    assert published.key_file.stat().st_mode & 0o777 == 0o600
    assert published.key_file.read_bytes().startswith(
        f"coledger-key-name: {ORIGIN}\n".encode()
    )
    assert published.verifier.name == ORIGIN


def test_keygen_will_not_overwrite_a_key(published: Published) -> None:
    """Keygen refuses to replace an existing key file (exit 2)."""
    before = published.key_file.read_bytes()
    again = coledger(
        "keygen", "--name", ORIGIN, "--out", published.key_file, cwd=published.folder
    )
    assert again.returncode == 2
    assert "cannot create" in again.stderr
    assert "already exists, and keygen never overwrites a file" in again.stderr
    assert "Errno" not in again.stderr
    assert published.key_file.read_bytes() == before


def test_keygen_writes_the_verifier_key_for_auditors(tmp_path: Path) -> None:
    """--verifier-out writes the printed verifier key to a file verify pins with @."""
    made = coledger(
        "keygen", "--name", ORIGIN, "--verifier-out", "verifier.txt", cwd=tmp_path
    )
    assert made.returncode == 0, made.stderr
    printed = made.stdout.strip().splitlines()[-1]
    shared = tmp_path / "verifier.txt"
    assert shared.read_text(encoding="ascii") == printed + "\n"
    assert shared.stat().st_mode & 0o777 == 0o644
    assert Verifier.parse(printed).name == ORIGIN
    scene = build("sqlite", tmp_path, checkpoint=False)
    assert scene.path is not None
    signed = coledger(
        "checkpoint", "--db", scene.path, "--signing-key", "signing-key.pem",
        "--out", "c.txt", cwd=tmp_path,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    checked = coledger(
        "verify", "--db", scene.path, "--trusted-key", "@verifier.txt",
        "--checkpoint", "c.txt", cwd=tmp_path,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "STATUS: VERIFIED" in checked.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--verifier-out", "taken.txt"), "cannot create taken.txt"),
        (("--out", "taken.txt"), "cannot create taken.txt"),
        (("--out", "same.txt", "--verifier-out", "same.txt"), "different files"),
        (("--out", "no/such/k.pem"), "cannot create no/such/k.pem"),
    ],
)
def test_keygen_refuses_to_write_either_file_unless_both_can_be(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """Keygen exits 2 and leaves no new file when either file cannot be made."""
    (tmp_path / "taken.txt").write_text("kept\n", encoding="utf-8")
    made = coledger(
        "keygen", "--name", ORIGIN, "--verifier-out", "v.txt", *args, cwd=tmp_path
    )
    assert made.returncode == 2
    assert message in made.stderr
    assert made.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.txt"]
    assert (tmp_path / "taken.txt").read_text(encoding="utf-8") == "kept\n"


@pytest.mark.parametrize("out", ["v.txt", ""])
def test_keygen_master_refuses_a_verifier_file(tmp_path: Path, out: str) -> None:
    """A master key has no verifier key, so --verifier-out with --master exits 2.

    An empty name (an unset variable) is refused as any other, printing no key.
    """
    made = coledger("keygen", "--master", "--verifier-out", out, cwd=tmp_path)
    assert (made.returncode, made.stdout) == (2, "")
    assert "--verifier-out goes with --name" in made.stderr
    assert list(tmp_path.iterdir()) == []


def test_keygen_master_refuses_a_name(tmp_path: Path) -> None:
    """--master with --name exits 2, printing no key: which key was meant is unclear."""
    made = coledger("keygen", "--master", "--name", ORIGIN, cwd=tmp_path)
    assert (made.returncode, made.stdout) == (2, "")
    assert "--name makes a signing key; --master prints a master key" in made.stderr
    assert made.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("master.key", "--out goes with --name, not --master"),
        ("", "--out '' names no file"),
    ],
)
def test_keygen_master_refuses_an_out_file(
    tmp_path: Path, out: str, message: str
) -> None:
    """--master prints the key and writes no file, so it refuses --out, printing none.

    Taking the option in silence would show the key on the terminal to someone
    who asked for it in a file, and leave no file.
    """
    made = coledger("keygen", "--master", "--out", out, cwd=tmp_path)
    assert (made.returncode, made.stdout) == (2, "")
    assert message in made.stderr
    assert list(tmp_path.iterdir()) == []


def test_checkpoint_prints_a_note_the_pinned_key_opens(published: Published) -> None:
    """The printed checkpoint is a C2SP note of the ledger's size, signed by the key."""
    note = published.checkpoint.read_text(encoding="utf-8")
    origin, size, _root, blank, signature, end = note.split("\n")
    assert (origin, size, blank, end) == (ORIGIN, str(STORY_SIZE), "", "")
    assert signature.startswith(f"\u2014 {ORIGIN} ")
    checkpoint = open_checkpoint(note, published.verifier)
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, STORY_SIZE)


def test_checkpoint_with_a_passphrase_protected_key(tmp_path: Path) -> None:
    """A key written with a passphrase signs only when the passphrase is given."""
    secret = {PASSPHRASE_ENV: "correct horse"}
    made = coledger(
        "keygen", "--name", ORIGIN, "--out", "k.pem", cwd=tmp_path, env=secret
    )
    assert made.returncode == 0, made.stderr
    scene = build("sqlite", tmp_path, checkpoint=False)
    assert scene.path is not None
    args = ("checkpoint", "--db", scene.path, "--signing-key", "k.pem")
    signed = coledger(*args, cwd=tmp_path, env=secret)
    assert signed.returncode == 0, signed.stderr
    refused = coledger(*args, cwd=tmp_path)
    assert refused.returncode == 2
    assert "MALFORMED_KEY" in refused.stderr
    assert refused.stdout == ""


def test_keygen_with_a_passphrase_too_long_writes_no_file(tmp_path: Path) -> None:
    """A passphrase the key file cannot take is refused in one line; no file is made."""
    made = coledger(
        "keygen",
        "--name",
        ORIGIN,
        "--out",
        "k.pem",
        "--verifier-out",
        "k.pub",
        cwd=tmp_path,
        env={PASSPHRASE_ENV: "a" * 1100},
    )
    assert made.returncode == 2
    assert made.stderr.startswith("coledger: MALFORMED_KEY: cannot write the key")
    assert made.stderr.endswith(" (from COLEDGER_SIGNING_PASSPHRASE)\n")
    assert made.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_passphrase_that_is_not_utf8_protects_the_key(tmp_path: Path) -> None:
    """A passphrase variable holding bytes that are not UTF-8 is used as those bytes."""
    secret = {PASSPHRASE_ENV: os.fsdecode(b"horse \xff")}
    made = coledger(
        "keygen", "--name", ORIGIN, "--out", "k.pem", cwd=tmp_path, env=secret
    )
    assert made.returncode == 0, made.stderr
    pem = (tmp_path / "k.pem").read_bytes()
    assert SigningKey.from_pem(pem, b"horse \xff").name == ORIGIN
    scene = build("sqlite", tmp_path, checkpoint=False)
    assert scene.path is not None
    args = ("checkpoint", "--db", scene.path, "--signing-key", "k.pem")
    signed = coledger(*args, cwd=tmp_path, env=secret)
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.startswith(f"{ORIGIN}\n")


def test_checkpoint_refuses_a_tampered_log(own_copy: Published) -> None:
    """The operator cannot sign a log that already fails verification (exit 1)."""
    with tampering(own_copy.scene) as raw:
        raw.flip_state_bit(raw.event_at(3).nid)
    signed = checkpoint_cli(own_copy)
    assert signed.returncode == 1
    assert "LOG_FAILS_VERIFY" in signed.stderr


def test_checkpoint_refuses_to_fork_a_checkpoint_it_signed(own_copy: Published) -> None:
    """A history rewritten under the kept checkpoint is not signed (exit 1)."""
    with tampering(own_copy.scene) as raw:
        forged = raw.event_at(STORY_BALLOT).state.replace(b'"for"', b'"against"')
        raw.rewrite_with_leaf(STORY_BALLOT, forged)
    signed = checkpoint_cli(own_copy)
    assert (signed.returncode, signed.stdout) == (1, "")
    assert signed.stderr.startswith("coledger: INCONSISTENT: ")
    assert len(signed.stderr.splitlines()) == 1
    with tampering(own_copy.scene) as raw:
        assert raw.run("SELECT COUNT(*) FROM {checkpoints}") == [(1,)]


# verify: the four exit codes ----------------------------------------------------------


def test_verify_exit_0_when_verified(published: Published) -> None:
    """A clean ledger with its checkpoint: exit 0 and STATUS: VERIFIED."""
    result = verify_cli(published, "--checkpoint", published.checkpoint)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "STATUS: VERIFIED"


def test_verify_reads_the_trusted_key_from_a_file(published: Published) -> None:
    """``--trusted-key @file`` reads the pinned key from a file."""
    (published.folder / "pinned.key").write_text(published.verifier_text + "\n")
    result = coledger(
        "verify",
        "--db",
        published.db,
        "--trusted-key",
        "@pinned.key",
        "--checkpoint",
        published.checkpoint,
        cwd=published.folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_exit_3_without_a_checkpoint(published: Published) -> None:
    """No checkpoint given: exit 3 and STATUS: PARTIAL."""
    result = verify_cli(published)
    assert result.returncode == 3
    assert "NO_CHECKPOINT" in result.stdout
    assert result.stdout.strip().endswith("STATUS: PARTIAL")


def test_verify_exit_3_with_unanchored_events(own_copy: Published) -> None:
    """Events newer than the checkpoint: exit 3 and UNANCHORED."""
    extend(own_copy.scene, 2, sign=False)
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 3
    assert "UNANCHORED" in result.stdout


def test_verify_exit_1_when_tampered(own_copy: Published) -> None:
    """A flipped byte: exit 1, STATUS: FAILED, and the finding named."""
    with tampering(own_copy.scene) as raw:
        raw.flip_state_bit(raw.event_at(STORY_BALLOT).nid)
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 1
    assert "MODIFIED" in result.stdout
    assert "ROOT_MISMATCH" in result.stdout
    assert result.stdout.strip().endswith("STATUS: FAILED")


def test_verify_exit_1_when_the_events_table_is_a_view(own_copy: Published) -> None:
    """An events table replaced by a view is a ledger that fails, not 'no ledger'."""
    with tampering(own_copy.scene) as raw:
        raw.run("ALTER TABLE stored_events RENAME TO real_events")
        raw.run(
            "CREATE VIEW stored_events (rowid, originator_id, originator_version, "
            "topic, state) AS SELECT rowid, originator_id, originator_version, "
            "topic, state FROM real_events"
        )
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 1, result.stderr
    assert "HIDDEN_ROWS: stored_events is not a plain table (a view)" in result.stdout


def test_verify_exit_1_for_a_foreign_checkpoint(own_copy: Published) -> None:
    """A checkpoint signed by another key (same origin name): exit 1, not trusted."""
    folder = own_copy.folder
    other = coledger("keygen", "--name", ORIGIN, "--out", "other.pem", cwd=folder)
    assert other.returncode == 0, other.stderr
    signed = coledger(
        "checkpoint",
        "--db",
        own_copy.db,
        "--signing-key",
        "other.pem",
        "--out",
        "forged.checkpoint",
        cwd=folder,
    )
    assert signed.returncode == 0, signed.stderr
    result = verify_cli(own_copy, "--checkpoint", folder / "forged.checkpoint")
    assert result.returncode == 1
    assert "NO_TRUSTED_SIGNATURE" in result.stdout


def test_verify_names_the_checkpoint_file_each_finding_is_about(
    own_copy: Published,
) -> None:
    """Of several checkpoint files, the findings say which one would not open."""
    folder = own_copy.folder
    made = coledger("keygen", "--name", ORIGIN, "--out", "o.pem", cwd=folder)
    assert made.returncode == 0, made.stderr
    forged = coledger(
        "checkpoint", "--db", own_copy.db, "--signing-key", "o.pem", cwd=folder
    )
    (folder / "forged.txt").write_text(forged.stdout, encoding="utf-8")
    note = own_copy.checkpoint.read_text(encoding="utf-8").split("\n")
    note[1] = str(int(note[1]) - 1)
    (folder / "edited.txt").write_text("\n".join(note), encoding="utf-8")
    result = verify_cli(
        own_copy,
        *("--checkpoint", own_copy.checkpoint),
        *("--checkpoint", "forged.txt", "--checkpoint", "edited.txt"),
        json_output=True,
    )
    details = {f["code"]: f["detail"] for f in json.loads(result.stdout)["findings"]}
    assert details == {
        "NO_TRUSTED_SIGNATURE": "forged.txt: not signed by the pinned key",
        "BAD_SIGNATURE": "edited.txt: the signature does not match",
    }


def test_verify_reports_a_pasted_non_ascii_note_as_malformed(
    published: Published, tmp_path: Path
) -> None:
    """A kept note with a trailing non-breaking space: MALFORMED, exit 1, no crash."""
    pasted = tmp_path / "pasted.checkpoint"
    note = published.checkpoint.read_text(encoding="utf-8")
    pasted.write_text(note.rstrip("\n") + "\u00a0\n", encoding="utf-8")
    result = verify_cli(
        published, "--checkpoint", pasted, "--checkpoint", published.checkpoint
    )
    assert (result.returncode, result.stderr) == (1, "")
    assert "MALFORMED at" not in result.stdout
    assert f"    MALFORMED: {pasted}: a signature is not base64" in result.stdout
    assert f"trusted checkpoints: 1; anchored: {STORY_SIZE}" in result.stdout


def test_verify_exit_2_for_a_missing_database(published: Published) -> None:
    """A database file that does not exist: exit 2 (could not run)."""
    result = coledger(
        "verify",
        "--db",
        published.folder / "nowhere.db",
        "--trusted-key",
        published.verifier_text,
        cwd=published.folder,
    )
    assert result.returncode == 2
    assert "no ledger" in result.stderr
    assert not (published.folder / "nowhere.db").exists()


def test_verify_exit_2_escapes_what_a_damaged_file_makes_sqlite_quote(
    own_copy: Published,
) -> None:
    """A schema entry named with a terminal escape cannot redraw the exit-2 line."""
    planted = "x\x1b[2K\x1b[1GSTATUS: VERIFIED\x1b[8m\u202e"
    with closing(sqlite3.connect(own_copy.db)) as conn:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
            "VALUES ('table', ?, 'x', 0, 'CREATE TABLE broken (((')",
            (planted,),
        )
        conn.commit()
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 2
    assert "malformed database schema" in result.stderr
    assert "\x1b" not in result.stderr
    assert "\u202e" not in result.stderr
    assert "x\\x1b[2K\\x1b[1GSTATUS: VERIFIED" in result.stderr


@pytest.mark.parametrize("kind", ["missing", "folder", "not utf-8"])
def test_verify_exit_2_for_an_unreadable_checkpoint(
    published: Published, tmp_path: Path, kind: str
) -> None:
    """A checkpoint file that cannot be read: exit 2 (could not run)."""
    path = tmp_path / "kept.checkpoint"
    if kind == "folder":
        path.mkdir()
    elif kind == "not utf-8":
        path.write_bytes(b"\xff\xfe\x00 not text")
    result = verify_cli(published, "--checkpoint", path)
    assert result.returncode == 2
    assert "cannot read the checkpoint" in result.stderr


def test_verify_exit_2_for_an_unreadable_trusted_key_file(published: Published) -> None:
    """``--trusted-key @file`` naming no file: exit 2 (could not run)."""
    result = coledger(
        "verify",
        "--db",
        published.db,
        "--trusted-key",
        "@no-such.key",
        cwd=published.folder,
    )
    assert result.returncode == 2


@pytest.mark.parametrize(
    "key", ["not-a-key", "audit.example/ledger+00000000+AAAA", "a+b+c"]
)
def test_verify_exit_2_for_a_malformed_trusted_key(
    published: Published, key: str
) -> None:
    """A pinned key that does not parse: exit 2 (could not run), not 1 (FAILED)."""
    result = coledger(
        "verify",
        "--db",
        published.db,
        "--trusted-key",
        key,
        "--checkpoint",
        published.checkpoint,
        cwd=published.folder,
    )
    assert "MALFORMED_KEY" in result.stderr
    assert result.returncode == 2


def test_a_trusted_key_file_named_without_at_says_to_add_it(
    published: Published,
) -> None:
    """``--trusted-key verifier-key.txt`` (no @) exits 2 and says to write @."""
    (published.folder / "verifier-key.txt").write_text(published.verifier_text)
    result = coledger(
        "verify",
        *("--db", published.db, "--trusted-key", "verifier-key.txt"),
        *("--checkpoint", published.checkpoint),
        cwd=published.folder,
    )
    assert result.returncode == 2
    assert "pass @verifier-key.txt to read the key from it" in result.stderr
    assert result.stderr.count("\n") == 1


# verify --json ------------------------------------------------------------------------

FINDING_KEYS = {"severity", "code", "detail", "leaf_index", "originator_id", "version"}


def test_verify_json_when_verified(published: Published) -> None:
    """--json prints one JSON object with the status, sizes and no findings."""
    result = verify_cli(
        published, "--checkpoint", published.checkpoint, json_output=True
    )
    assert result.returncode == 0
    report: dict[str, Any] = json.loads(result.stdout)
    assert report == {
        "format": "coledger-verify/1",
        "status": "VERIFIED",
        "size": STORY_SIZE,
        "anchored": STORY_SIZE,
        "checkpoints": 1,
        "counts": {},
        "findings": [],
    }


def test_verify_json_when_failed(own_copy: Published) -> None:
    """--json on a tampered ledger lists each finding with its code and place."""
    with tampering(own_copy.scene) as raw:
        event = raw.event_at(STORY_BALLOT)
        raw.delete_event(event.nid)
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint, json_output=True)
    assert result.returncode == 1
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["status"] == "FAILED"
    assert report["counts"] == {"MISSING_EVENT": 1, "STREAM_GAP": 1}
    assert all(set(f) == FINDING_KEYS for f in report["findings"])
    missing = next(f for f in report["findings"] if f["code"] == "MISSING_EVENT")
    assert (missing["severity"], missing["leaf_index"]) == ("error", STORY_BALLOT)
    gap = next(f for f in report["findings"] if f["code"] == "STREAM_GAP")
    assert gap["originator_id"] == str(event.originator_id)
    assert gap["version"] == event.version + 1


def test_verify_json_when_partial(published: Published) -> None:
    """--json without a checkpoint: status PARTIAL and a NO_CHECKPOINT warning."""
    result = verify_cli(published, json_output=True)
    assert result.returncode == 3
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["status"] == "PARTIAL"
    assert [(f["code"], f["severity"]) for f in report["findings"]] == [
        ("NO_CHECKPOINT", "warning")
    ]


# prove: ballot receipts ---------------------------------------------------------------


def prove(published: Published, voter: UUID) -> subprocess.CompletedProcess[str]:
    """``coledger prove`` for *voter*'s ballot against the kept checkpoint."""
    return coledger(
        "prove",
        "--db",
        published.db,
        "--proposal",
        str(published.scene.proposal),
        "--member",
        str(voter),
        "--checkpoint",
        published.checkpoint,
        cwd=published.folder,
    )


@pytest.fixture(scope="module")
def receipt(published: Published) -> str:
    """The receipt ``coledger prove`` gives the second voter."""
    result = prove(published, published.scene.voters[1])
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_prove_gives_a_receipt_that_verifies(
    published: Published, receipt: str
) -> None:
    """The receipt proves the voter's ballot is its leaf under the kept checkpoint."""
    proven = verify_receipt(receipt, published.verifier)
    assert proven.index == STORY_BALLOT
    assert proven.originator_id == published.scene.proposal
    assert proven.version == 4
    assert proven.topic.endswith("Proposal.BallotCast")
    assert proven.checkpoint.size == STORY_SIZE
    assert proven.content["choice"] == "for"
    assert receipt.splitlines()[0] == "c2sp.org/tlog-proof@v1"
    assert receipt.endswith(published.checkpoint.read_text(encoding="utf-8"))


def test_prove_needs_a_ballot(published: Published) -> None:
    """Asking for the receipt of a member who did not vote is refused (exit 1)."""
    result = prove(published, published.scene.admin)
    assert result.returncode == 1
    assert "NO_BALLOT" in result.stderr


def test_prove_refuses_a_checkpoint_with_a_non_ascii_root(
    published: Published, tmp_path: Path
) -> None:
    """A checkpoint whose root line holds a non-ASCII character: one line, exit 1."""
    note = published.checkpoint.read_text(encoding="utf-8")
    origin, size, root_text, *rest = note.split("\n")
    damaged = tmp_path / "damaged.checkpoint"
    damaged.write_text(
        "\n".join([origin, size, root_text[:-1] + "\u00e9", *rest]), encoding="utf-8"
    )
    result = coledger(
        "prove",
        "--db",
        published.db,
        "--proposal",
        str(published.scene.proposal),
        "--member",
        str(published.scene.voters[1]),
        "--checkpoint",
        damaged,
        cwd=published.folder,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "coledger: MALFORMED: the root is not base64\n"


def test_two_checkpoints_kept_in_one_file_are_malformed_not_a_receipt(
    own_copy: Published,
) -> None:
    """Notes appended to one file give prove no receipt, and verify no BAD_SIGNATURE."""
    first = own_copy.checkpoint.read_text(encoding="utf-8")
    with Ledger.open(own_copy.scene.url) as ledger:
        ledger.register_member("Later")
    signed = checkpoint_cli(own_copy)
    assert signed.returncode == 0, signed.stderr
    both = own_copy.folder / "all.checkpoints"
    both.write_text(first + signed.stdout, encoding="utf-8")  # checkpoint >> file
    proved = dataclasses.replace(own_copy, checkpoint=both)
    result = prove(proved, own_copy.scene.voters[1])
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("coledger: MALFORMED: ")
    assert "more than one checkpoint" in result.stderr
    checked = verify_cli(own_copy, "--checkpoint", both, json_output=True)
    assert checked.returncode == 1
    codes = [f["code"] for f in json.loads(checked.stdout)["findings"]]
    assert codes == ["MALFORMED", "NO_CHECKPOINT"]


@pytest.mark.parametrize(
    "stored", ["not a hash", bytes(31)], ids=["text", "31-byte blob"]
)
def test_prove_refuses_a_leaf_hash_that_is_not_32_bytes(
    own_copy: Published, stored: object
) -> None:
    """A leaf hash stored as TEXT or of the wrong length: one line, exit 1."""
    with tampering(own_copy.scene) as raw:
        raw.run("UPDATE {leaves} SET leaf_hash = ? WHERE leaf_index = 0", (stored,))
    result = prove(own_copy, own_copy.scene.voters[1])
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("coledger: MALFORMED_ROW: leaf 0 ")
    assert len(result.stderr.splitlines()) == 1


def check_receipt(
    published: Published, text: str, *options: str
) -> subprocess.CompletedProcess[str]:
    """``coledger verify-receipt`` of *text*, saved to a file, under the pinned key."""
    path = published.folder / "member.receipt"
    path.write_text(text, encoding="utf-8")
    return coledger(
        "verify-receipt",
        path,
        "--trusted-key",
        published.verifier_text,
        *options,
        cwd=published.folder,
    )


def test_verify_receipt_says_what_the_receipt_proves(
    published: Published, receipt: str
) -> None:
    """A member checks their receipt from the command line: leaf, log and ballot."""
    result = check_receipt(published, receipt)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"RECEIPT HOLDS: leaf {STORY_BALLOT} of {ORIGIN}, under its checkpoint of "
        f"{STORY_SIZE} events"
    )
    assert f"record {published.scene.proposal} version 4" in result.stdout
    assert "Proposal.BallotCast" in result.stdout
    assert '"choice": "for"' in result.stdout
    # The voter is what tells a member their receipt from another member's.
    assert f'"voter": "{published.scene.voters[1]}"' in result.stdout
    as_json = json.loads(check_receipt(published, receipt, "--json").stdout)
    assert as_json["status"] == "HOLDS"
    assert (as_json["index"], as_json["size"]) == (STORY_BALLOT, STORY_SIZE)
    assert as_json["content"]["choice"] == "for"
    proven = verify_receipt(receipt, published.verifier)
    assert as_json["root"] == proven.checkpoint.root_b64


def test_the_guide_names_the_receipt_fields_a_member_checks(
    published: Published, receipt: str
) -> None:
    """The guide's check that a receipt is theirs names fields the receipt holds."""
    guide = Path(__file__).resolve().parents[2] / "docs" / "auditors-guide.md"
    text = " ".join(guide.read_text(encoding="utf-8").split())
    bullet = text.split("**That it is their ballot.**", 1)[1].split("- **", 1)[0]
    extra = json.loads(base64.b64decode(receipt.splitlines()[1].split(" ", 1)[1]))
    stored = json.loads(base64.b64decode(extra["state"]))
    assert "`originator_id`" in bullet
    assert extra["originator_id"] == str(published.scene.proposal)
    assert '`"voter"`' in bullet
    assert stored["voter"] == str(published.scene.voters[1])


def test_verify_receipt_refuses_an_altered_receipt_or_another_key(
    published: Published, receipt: str
) -> None:
    """An altered receipt exits 1 with its code; a receipt under another key too."""
    name, altered = next(
        (n, t) for n, t in altered_lines(receipt) if n.startswith("line 3 ")
    )
    result = check_receipt(published, altered)
    assert (result.returncode, result.stdout) == (1, ""), name
    assert result.stderr.startswith("coledger: NOT_INCLUDED: "), result.stderr
    assert result.stderr.count("\n") == 1
    check_receipt(published, receipt)  # the receipt itself, back in the file
    other = coledger(
        "verify-receipt",
        "member.receipt",
        "--trusted-key",
        SigningKey.generate(ORIGIN).verifier,  # the same name, another key
        cwd=published.folder,
    )
    assert (other.returncode, other.stdout) == (1, "")
    assert other.stderr == (
        "coledger: NO_TRUSTED_SIGNATURE: not signed by the pinned key\n"
    )


def test_verify_receipt_names_another_ledgers_key_and_a_changed_signature(
    published: Published, receipt: str
) -> None:
    """Another ledger's key is WRONG_ORIGIN; a changed signature is BAD_SIGNATURE."""
    path = published.folder / "member.receipt"
    path.write_text(receipt, encoding="utf-8")
    other = coledger(
        "verify-receipt",
        path,
        "--trusted-key",
        SigningKey.generate("other.example/ledger").verifier,
        cwd=published.folder,
    )
    assert (other.returncode, other.stdout) == (1, "")
    assert other.stderr.startswith("coledger: WRONG_ORIGIN: ")
    signed = next(line for line in receipt.splitlines() if line.startswith("\u2014 "))
    key_id_and_signature = signed.rsplit(" ", 1)[1]
    raw = bytearray(base64.b64decode(key_id_and_signature))
    raw[-1] ^= 1  # the signature's last byte; the key id (first 4) stays
    changed = signed.replace(
        key_id_and_signature, base64.b64encode(bytes(raw)).decode()
    )
    result = check_receipt(published, receipt.replace(signed, changed))
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("coledger: BAD_SIGNATURE: "), result.stderr


def test_verify_receipt_of_a_file_that_is_not_one_exits_2_or_1(
    published: Published,
) -> None:
    """A missing file exits 2; text that is no receipt exits 1 as MALFORMED."""
    missing = coledger(
        "verify-receipt",
        "nowhere.receipt",
        "--trusted-key",
        published.verifier_text,
        cwd=published.folder,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith(
        "coledger: cannot read the receipt nowhere.receipt"
    )
    result = check_receipt(published, "hello\n")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "coledger: MALFORMED: not a coledger receipt\n"


def test_receipt_needs_the_pinned_key(receipt: str) -> None:
    """A receipt checked against another ledger's key is refused."""
    other = build_verifier("other.example/ledger")
    with pytest.raises(ProofError):
        verify_receipt(receipt, other)


def build_verifier(name: str) -> Verifier:
    """The verifier of a fresh key of *name*."""
    return Verifier.parse(SigningKey.generate(name).verifier)


def altered_lines(text: str) -> Iterator[tuple[str, str]]:
    """Every receipt with exactly one line changed, removed or repeated."""
    lines = text.split("\n")
    last = max(n for n, line in enumerate(lines) if line)
    for number, line in enumerate(lines):
        if not line:
            continue
        # The first and a middle character: never the last base64 digit, whose
        # low bits may be padding that decoders ignore.
        for position in sorted({0, len(line) // 2}):
            swap = "B" if line[position] == "A" else "A"
            changed = line[:position] + swap + line[position + 1 :]
            yield (
                f"line {number} char {position}",
                "\n".join([*lines[:number], changed, *lines[number + 1 :]]),
            )
        yield f"line {number} removed", "\n".join(lines[:number] + lines[number + 1 :])
        if number != last:  # a repeated signature line carries the same signature
            yield (
                f"line {number} repeated",
                "\n".join([*lines[: number + 1], line, *lines[number + 1 :]]),
            )


def test_every_altered_receipt_line_is_rejected(
    published: Published, receipt: str
) -> None:
    """Changing, removing or repeating any line of a receipt gives ProofError."""
    accepted = []
    for name, text in altered_lines(receipt):
        try:
            verify_receipt(text, published.verifier)
        except ProofError:
            continue
        accepted.append(name)
    assert accepted == []


@pytest.mark.parametrize(
    "copy",
    [
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text + "\r\n\r\n",
        lambda text: "\ufeff" + text,
    ],
    ids=["CRLF line ends", "CRLF blank lines after", "a byte-order mark before"],
)
def test_a_receipt_that_came_back_by_email_still_verifies(
    published: Published, receipt: str, copy: Callable[[str], str]
) -> None:
    """CRLF line ends and a leading byte-order mark are not part of a receipt.

    One changed line still fails.
    """
    proven = verify_receipt(copy(receipt), published.verifier)
    assert (proven.index, proven.content["choice"]) == (STORY_BALLOT, "for")
    edited = receipt.replace(f"index {STORY_BALLOT}", f"index {STORY_BALLOT - 1}", 1)
    with pytest.raises(ProofError):
        verify_receipt(copy(edited), published.verifier)


def test_semantic_receipt_edits_are_rejected(
    published: Published, receipt: str
) -> None:
    """Another index, another event or another choice in a receipt: ProofError."""
    lines = receipt.split("\n")
    extra = json.loads(base64.b64decode(lines[1].removeprefix("extra ")))
    state = json.loads(base64.b64decode(extra["state"]))
    others = (STORY_BALLOT - 1, STORY_BALLOT + 1, 0)
    edits = [[*lines[:2], f"index {i}", *lines[3:]] for i in others]
    for key, value in [
        ("version", 5),
        ("topic", "coledger.domain.proposal:Proposal.Withdrawn"),
        ("originator_id", str(published.scene.body)),
        (
            "state",
            base64.b64encode(
                json.dumps({**state, "choice": "against"}).encode()
            ).decode(),
        ),
    ]:
        changed = base64.b64encode(json.dumps({**extra, key: value}).encode()).decode()
        edits.append([lines[0], f"extra {changed}", *lines[2:]])
    for edit in edits:
        with pytest.raises(ProofError):
            verify_receipt("\n".join(edit), published.verifier)


@pytest.mark.parametrize(
    ("key", "value"),
    [("originator_id", 5), ("version", -1), ("version", 2**64)],
)
def test_crafted_receipt_events_are_malformed(
    published: Published, receipt: str, key: str, value: object
) -> None:
    """A receipt whose event has a value of the wrong type or range is ProofError."""
    lines = receipt.split("\n")
    extra = json.loads(base64.b64decode(lines[1].removeprefix("extra ")))
    changed = base64.b64encode(json.dumps({**extra, key: value}).encode()).decode()
    with pytest.raises(ProofError):
        verify_receipt(
            "\n".join([lines[0], f"extra {changed}", *lines[2:]]), published.verifier
        )


def with_extra(lines: list[str], extra: bytes) -> list[str]:
    """The receipt *lines* with *extra* (raw JSON bytes) as the event."""
    return [lines[0], f"extra {base64.b64encode(extra).decode()}", *lines[2:]]


CRAFTED: dict[str, Callable[[list[str]], list[str]]] = {
    "5,000-digit index": lambda lines: [*lines[:2], "index " + "9" * 5000, *lines[3:]],
    "20-digit index": lambda lines: [*lines[:2], "index " + "9" * 20, *lines[3:]],
    "deeply nested extra": lambda lines: with_extra(lines, b"[" * 100_000),
    "lone surrogate topic": lambda lines: with_extra(
        lines,
        json.dumps(
            {
                **json.loads(base64.b64decode(lines[1].removeprefix("extra "))),
                "topic": "\ud800",
            }
        ).encode(),
    ),
}


@pytest.mark.parametrize("craft", list(CRAFTED))
def test_crafted_receipt_lines_are_malformed_proofs(
    published: Published, receipt: str, craft: str
) -> None:
    """A huge index, deep JSON or a lone surrogate is ProofError MALFORMED."""
    crafted = "\n".join(CRAFTED[craft](receipt.split("\n")))
    with pytest.raises(ProofError) as raised:
        verify_receipt(crafted, published.verifier)
    assert raised.value.code == "MALFORMED"


@pytest.mark.parametrize("state", [b"not json", b"[1, 2]", b"\xff"])
def test_a_proven_state_that_is_not_an_event_has_no_content(state: bytes) -> None:
    """Bytes that are no JSON object can be proven, but their content is MALFORMED."""
    key = SigningKey.generate(ORIGIN)
    originator = UUID(int=7)
    leaf = leaf_hash(originator, 1, "odd.Topic", state)
    text = make_receipt(
        0,
        originator_id=originator,
        version=1,
        topic="odd.Topic",
        state=state,
        proof=[],
        note=key.sign(1, leaf),
    )
    proven = verify_receipt(text, Verifier.parse(key.verifier))
    assert proven.state == state
    with pytest.raises(ProofError) as raised:
        _ = proven.content
    assert raised.value.code == "MALFORMED"


def vote_opened(ledger: Ledger) -> tuple[UUID, UUID]:
    """Ana's advisory board and a vote opened on her proposal: (proposal, ana)."""
    ana = ledger.register_member("Ana Example")
    board = ledger.establish_body("Board", kind="advisory", by=ana)
    ledger.assign_seat(board, ana, by=ana)
    p = ledger.raise_proposal(board, proposers=[ana], title="T", text="Text.")
    ledger.open_voting(p, by=ana)
    return p, ana


def test_a_checkpoint_claiming_more_leaves_than_the_log_is_refused() -> None:
    """A note whose size outruns the log gives no receipt, even with the right root."""
    with Ledger.open("memory://") as ledger:
        p, ana = vote_opened(ledger)
        ledger.cast_ballot(p, voter=ana, choice="for")
        key = SigningKey.generate(ORIGIN)
        genuine = ledger.checkpoint(key)
        pinned = Verifier.parse(key.verifier)
        proven = verify_receipt(ledger.prove_ballot(p, ana, genuine.note), pinned)
        assert proven.checkpoint.size == genuine.size
        for size in (genuine.size + 1, 2**63 - 1):
            with pytest.raises(ProofError, match="CHECKPOINT_TOO_NEW"):
                ledger.prove_ballot(p, ana, key.sign(size, genuine.root))


def test_a_checkpoint_older_than_the_ballot_is_refused_as_too_old() -> None:
    """A note signed before the ballot was cast gives no receipt, and says why."""
    with Ledger.open("memory://") as ledger:
        p, ana = vote_opened(ledger)
        key = SigningKey.generate(ORIGIN)
        before = ledger.checkpoint(key)
        ledger.cast_ballot(p, voter=ana, choice="for")
        with pytest.raises(ProofError) as raised:
            ledger.prove_ballot(p, ana, before.note)
        assert raised.value.code == "CHECKPOINT_TOO_OLD"
        after = ledger.checkpoint(key)
        proven = verify_receipt(
            ledger.prove_ballot(p, ana, after.note), Verifier.parse(key.verifier)
        )
        assert proven.checkpoint.size == after.size


def test_checkpoint_never_replaces_a_file(own_copy: Published) -> None:
    """--out naming a file that exists exits 2: it may be a checkpoint kept before."""
    kept = own_copy.folder / "kept-before.checkpoint"
    kept.write_text("an earlier checkpoint\n", encoding="utf-8")
    with closing(sqlite3.connect(own_copy.db)) as db:
        (stored,) = db.execute("SELECT count(*) FROM coledger_checkpoints").fetchone()
    refused = coledger(
        "checkpoint", "--db", own_copy.db, "--signing-key", own_copy.key_file,
        "--out", kept.name, cwd=own_copy.folder,
    )  # fmt: skip
    assert refused.returncode == 2, refused.stderr
    assert refused.stdout == ""
    assert "kept-before.checkpoint already exists" in refused.stderr
    assert kept.read_text(encoding="utf-8") == "an earlier checkpoint\n"
    with closing(sqlite3.connect(own_copy.db)) as db:
        assert db.execute("SELECT count(*) FROM coledger_checkpoints").fetchone() == (
            stored,
        )


# A ledger whose events table is gone ------------------------------------------------


def drop_the_events(scene: Scene) -> None:
    """Drop the ledger's events table, keeping its leaf table (the hash chain)."""
    with tampering(scene) as raw:
        drop = "DROP TABLE {events}"
        raw.run(drop + " CASCADE" if raw.backend == "postgres" else drop)


def test_verify_exit_1_when_the_events_table_is_gone(own_copy: Published) -> None:
    """No events table beside the chain: FAILED with MISSING_EVENTS, not 'no ledger'."""
    drop_the_events(own_copy.scene)
    before = own_copy.db.read_bytes()
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 1, result.stderr
    assert "MISSING_EVENTS x1: the events table is gone" in result.stdout
    assert f"all {STORY_SIZE} leaves have no event" in result.stdout
    assert f"ledger: {STORY_SIZE} events in the hash chain" in result.stdout
    assert result.stdout.strip().endswith("STATUS: FAILED")
    assert own_copy.db.read_bytes() == before


NO_ID = "00000000-0000-0000-0000-000000000000"
LOST_EVENTS_COMMANDS = (
    ["report"],
    ["history", "--proposal", NO_ID],
    ["rebuild"],
    ["follow"],
    ["erase", "--reapply"],
    ["erasure-audit"],
    ["export", "--out", "x.jsonl"],
    ["subject-access", "--member", NO_ID, "--out", "x.json"],
    ["checkpoint", "--signing-key", "signing.pem", "--out", "new.checkpoint"],
    ["prove", "--proposal", NO_ID, "--member", NO_ID, "--checkpoint", "kept"],
    ["demo"],
)


def refused_untouched(
    own_copy: Published,
    tmp_path: Path,
    command: list[str],
    says: list[str],
    *,
    keys: bool = True,
) -> None:
    """*command* on the damaged copy exits 2 saying *says*, and changes nothing.

    It is given a signing key and a kept checkpoint to name; without *keys*,
    the copy's key store is removed first. Its message must not send the
    user to check --db, as if the file were not a ledger.
    """
    (own_copy.folder / "signing.pem").write_bytes(own_copy.key_file.read_bytes())
    (own_copy.folder / "kept").write_text(own_copy.checkpoint.read_text())
    if not keys:
        own_copy.db.with_name(own_copy.db.name + ".keys").unlink()
    before = own_copy.db.read_bytes()
    listed = sorted(p.name for p in tmp_path.iterdir())
    result = coledger(*command, "--db", own_copy.db, cwd=own_copy.folder)
    assert result.returncode == 2, result.stderr
    for said in says:
        assert said in result.stderr, result.stderr
    assert "check --db" not in result.stderr
    assert result.stdout == ""
    assert own_copy.db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listed


@pytest.mark.parametrize("keys", [True, False], ids=["keys", "no keys"])
@pytest.mark.parametrize("command", LOST_EVENTS_COMMANDS, ids=lambda c: c[0])
def test_other_commands_refuse_a_ledger_whose_events_table_is_gone(
    own_copy: Published, tmp_path: Path, command: list[str], keys: bool
) -> None:
    """Every other command exits 2 saying what the file is, and leaves it as it was.

    Opening it would make a new, empty events table beside the chain; the
    message names the lost events table and ``coledger verify``, not a
    mistyped --db.
    """
    drop_the_events(own_copy.scene)
    refused_untouched(
        own_copy,
        tmp_path,
        command,
        ["its events table is gone", "coledger verify"],
        keys=keys,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["verify"],
        ["audit-copy", "--out", "copy.db"],
        *LOST_EVENTS_COMMANDS,
    ],
    ids=lambda c: c[0],
)
def test_every_command_names_a_ledger_whose_whole_log_is_gone(
    own_copy: Published, tmp_path: Path, command: list[str]
) -> None:
    """Events and leaves both dropped, the checkpoints kept: not a mistyped --db.

    Every command exits 2, says the log is gone, and leaves the file as it was.
    """
    with tampering(own_copy.scene) as raw:
        raw.run("DROP TABLE {leaves}")
        raw.run("DROP TABLE {events}")
    refused_untouched(
        own_copy, tmp_path, command, ["its events table and its leaf table"]
    )


def verify_scene(
    scene: Scene, note: Path, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``coledger verify`` on *scene*'s ledger with its pinned key and the *note*."""
    return coledger(
        "verify",
        "--db",
        scene.url,
        "--trusted-key",
        scene.key.verifier,
        "--checkpoint",
        note,
        cwd=cwd,
    )


@pytest.mark.postgres
def test_a_schema_whose_events_table_is_gone_fails_verify_and_nothing_else_opens(
    pg_schema: str, tmp_path: Path
) -> None:
    """On PostgreSQL too: verify is FAILED; the others exit 2 and make nothing."""
    scene = build("postgres", tmp_path, pg_schema)
    note = tmp_path / "kept.checkpoint"
    note.write_text(scene.notes[0], encoding="utf-8")
    drop_the_events(scene)

    def tables() -> list[str]:
        with psycopg_connect() as conn:
            rows = conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s ORDER BY table_name",
                (pg_schema,),
            ).fetchall()
        return [name for (name,) in rows]

    before = tables()
    assert "coledger_leaves" in before
    assert "coledger_events" not in before
    verified = verify_scene(scene, note, tmp_path)
    assert verified.returncode == 1, verified.stderr
    assert f"all {STORY_SIZE} leaves have no event" in verified.stdout
    for command in (["report"], ["rebuild"], ["erase", "--reapply"]):
        result = coledger(*command, "--db", scene.url, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "its events table is gone" in result.stderr, result.stderr
        assert "coledger verify" in result.stderr
    assert tables() == before


# A ledger whose leaf table is gone ---------------------------------------------------


def test_verify_exit_1_when_the_leaf_table_is_gone(own_copy: Published) -> None:
    """No leaf table beside the events: FAILED (MISSING_LEAVES), the file untouched."""
    with tampering(own_copy.scene) as raw:
        raw.run("DROP TABLE {leaves}")
    before = own_copy.db.read_bytes()
    result = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert result.returncode == 1, result.stderr
    assert "MISSING_LEAVES x1: the table of leaves" in result.stdout
    assert result.stdout.strip().endswith("STATUS: FAILED")
    assert own_copy.db.read_bytes() == before


@pytest.mark.parametrize("keys", [True, False], ids=["keys", "no keys"])
@pytest.mark.parametrize("command", LOST_EVENTS_COMMANDS, ids=lambda c: c[0])
def test_other_commands_refuse_a_ledger_whose_leaf_table_is_gone(
    own_copy: Published, tmp_path: Path, command: list[str], keys: bool
) -> None:
    """Every other command exits 2 naming the lost chain, and leaves the file as it was.

    Opening it would make a new, empty leaf table whose first leaf is the next
    event's, so later verifies would no longer report the chain as dropped.
    """
    with tampering(own_copy.scene) as raw:
        raw.run("DROP TABLE {leaves}")
    refused_untouched(
        own_copy,
        tmp_path,
        command,
        ["its leaf table (the hash chain) is gone", "coledger verify"],
        keys=keys,
    )


@pytest.mark.postgres
def test_a_schema_whose_leaf_table_is_gone_fails_verify_and_nothing_else_opens(
    pg_schema: str, tmp_path: Path
) -> None:
    """On PostgreSQL too: verify is FAILED; the others exit 2 and make no leaf table."""
    scene = build("postgres", tmp_path, pg_schema)
    note = tmp_path / "kept.checkpoint"
    note.write_text(scene.notes[0], encoding="utf-8")
    with tampering(scene) as raw:
        raw.run("DROP TABLE {leaves} CASCADE")
    for command in (["report"], ["rebuild"], ["erase", "--reapply"]):
        result = coledger(*command, "--db", scene.url, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "its leaf table (the hash chain) is gone" in result.stderr
        assert "coledger verify" in result.stderr
    with psycopg_connect() as conn:
        found = conn.execute(
            "SELECT to_regclass(%s)", (f'"{pg_schema}".coledger_leaves',)
        ).fetchone()
    assert found == (None,)
    verified = verify_scene(scene, note, tmp_path)
    assert verified.returncode == 1, verified.stderr
    assert "MISSING_LEAVES x1" in verified.stdout


def test_an_events_table_renamed_only_in_case_is_still_a_ledger(
    own_copy: Published,
) -> None:
    """STORED_EVENTS is the events table to SQLite: verify passes it, report reads it.

    The API opens such a file as the ledger it is; the CLI must not call it
    another program's database (check --db).
    """
    with tampering(own_copy.scene) as raw:
        raw.run("ALTER TABLE stored_events RENAME TO renamed")
        raw.run("ALTER TABLE renamed RENAME TO STORED_EVENTS")
    verified = verify_cli(own_copy, "--checkpoint", own_copy.checkpoint)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.strip().endswith("STATUS: VERIFIED")
    reported = coledger("report", "--db", own_copy.db, cwd=own_copy.folder)
    assert reported.returncode == 0, reported.stderr
    assert "check --db" not in reported.stderr
