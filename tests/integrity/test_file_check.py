"""SQLite's own integrity check, run by verify when asked (check_file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import run
from coledger import InvalidInputError
from coledger.integrity.source import open_source
from coledger.integrity.verify import FAILED, VERIFIED, verify
from integrity_helpers import AUTO_INDEX, Scene, build, hide_from_the_index


def test_an_index_that_hides_an_event_fails_only_the_file_check(
    tmp_path: Path,
) -> None:
    """An index that leaves out a signed row: VERIFIED, but FAILED when checked."""
    scene = build("sqlite", tmp_path)
    assert scene.path is not None
    hide_from_the_index(scene.path)
    with open_source(scene.url) as source:
        plain = verify(source, scene.verifier, scene.notes)
    assert plain.status == VERIFIED  # the rows and leaves are all as signed
    with open_source(scene.url) as source:
        checked = verify(source, scene.verifier, scene.notes, check_file=True)
    assert checked.status == FAILED
    assert set(checked.counts) == {"CORRUPT_FILE"}
    assert AUTO_INDEX in checked.findings[0].detail


def test_a_sound_file_passes_the_file_check(tmp_path: Path) -> None:
    """An untouched ledger file is VERIFIED with the file check too."""
    scene = build("sqlite", tmp_path)
    with open_source(scene.url) as source:
        report = verify(source, scene.verifier, scene.notes, check_file=True)
    assert report.status == VERIFIED, report.findings


@pytest.mark.postgres
def test_the_file_check_is_refused_on_postgresql(
    tmp_path: Path, pg_schema: str
) -> None:
    """check_file on PostgreSQL is refused (exit 2 on the command line), not passed."""
    scene: Scene = build("postgres", tmp_path, pg_schema)
    with (
        open_source(scene.url) as source,
        pytest.raises(InvalidInputError, match="SQLite"),
    ):
        verify(source, scene.verifier, scene.notes, check_file=True)
    refused = run("verify", "--db", scene.url, "--check-file", cwd=tmp_path)
    assert refused.returncode == 2
    assert "amcheck" in refused.stderr


def test_check_file_must_be_a_bool(tmp_path: Path) -> None:
    """check_file that is not True or False is refused before any reading."""
    scene = build("sqlite", tmp_path)
    with (
        open_source(scene.url) as source,
        pytest.raises(InvalidInputError, match="check_file"),
    ):
        verify(source, scene.verifier, scene.notes, check_file="yes")  # type: ignore[arg-type]


def test_verify_check_file_on_the_command_line(tmp_path: Path) -> None:
    """On the command line, --check-file turns VERIFIED into FAILED (exit 1)."""
    scene = build("sqlite", tmp_path)
    assert scene.path is not None
    (tmp_path / "kept.checkpoint").write_text(scene.notes[0], encoding="utf-8")
    hide_from_the_index(scene.path)
    common = ["--db", str(scene.path), "--trusted-key", scene.key.verifier]
    common += ["--checkpoint", "kept.checkpoint"]
    assert run("verify", *common, cwd=tmp_path).returncode == 0
    checked = run("verify", *common, "--check-file", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    assert "CORRUPT_FILE" in checked.stdout


@pytest.mark.parametrize("names", [5, "kept.checkpoint", ["a", "b"], [5]])
def test_names_must_be_texts_one_per_note(tmp_path: Path, names: object) -> None:
    """Names that are not a list of texts, one per note, are an InvalidInputError."""
    scene = build("sqlite", tmp_path)
    with (
        open_source(scene.url) as source,
        pytest.raises(InvalidInputError, match="names"),
    ):
        verify(source, scene.verifier, scene.notes, names=names)  # type: ignore[arg-type]
