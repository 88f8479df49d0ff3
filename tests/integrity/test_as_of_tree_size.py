"""Reports name the tree size beside "as of": positions are not hashed, leaves are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coledger.integrity import VERIFIED
from coledger.projections.materialise import comparable
from coledger.reports import render
from integrity_helpers import (
    BOTH,
    STORY_DECIDED,
    STORY_SIZE,
    Scene,
    audit,
    build_on,
    tampering,
)

PUBLISHED = 12
"""A position a figure is published as of: a ballot of the story."""
DECIDED = STORY_DECIDED + 1
"""The position of the story's decision, its last event (leaf 15)."""


@pytest.fixture(params=BOTH)
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Scene:
    """The integrity story (16 events, signed) on a SQLite file or PostgreSQL."""
    return build_on(request, tmp_path)


def shift_ids_after(scene: Scene, after: int, by: int) -> None:
    """Renumber every notification id above *after* upward by *by*, keeping order."""
    with tampering(scene) as raw:
        for step in (by + 1000, -1000):  # never two rows on one id meanwhile
            raw.run(
                "UPDATE {events} SET {nid} = {nid} + ? WHERE {nid} > ?", (step, after)
            )
            raw.run(
                "UPDATE {leaves} SET notification_id = notification_id + ? "
                "WHERE notification_id > ?",
                (step, after),
            )


def test_a_report_as_of_a_position_names_the_tree_size_it_reflects(
    scene: Scene,
) -> None:
    """A report and its JSON say how many events they reflect, as the tree counts."""
    with scene.open() as ledger:
        report = ledger.power_sharing(as_of=PUBLISHED)
        now = ledger.power_sharing()
        tables = ledger.power_sharing(materialised=True)
        assert ledger.tree_size() == STORY_SIZE
        assert ledger.tree_size(as_of=0) == 0
        assert ledger.tree_size(as_of=10**30) == STORY_SIZE
    assert (report.as_of, report.tree_size) == (PUBLISHED, PUBLISHED)
    assert report.to_json()["tree_size"] == PUBLISHED
    assert now.tree_size == tables.tree_size == STORY_SIZE
    public = json.loads(render(report, audience="public", format="json"))
    assert public["tree_size"] == PUBLISHED
    assert f"log tree size {PUBLISHED}" in render(report)


def test_renumbered_positions_show_in_the_tree_size(scene: Scene) -> None:
    """Ids renumbered in order still verify, but "as of N" then shows another size."""
    with scene.open() as ledger:
        published = ledger.power_sharing(as_of=DECIDED)
    shift_ids_after(scene, DECIDED - 2, 1)  # the vote's close now sits at 16
    assert audit(scene).status == VERIFIED  # order kept: not tampering
    with scene.open() as ledger:
        again = ledger.power_sharing(as_of=DECIDED)
        # The position alone names another moment (before the decision)...
        assert again.as_of == published.as_of
        assert again.indicators["D1"] != published.indicators["D1"]
        # ...but not the tree size, which the checkpoint vouches for.
        assert again.tree_size == DECIDED - 1 != published.tree_size
        # The event that ends the published tree gives the published figures.
        ends = [r.position for r in ledger.history()][DECIDED - 1]
        restored = ledger.power_sharing(as_of=ends)
    assert restored.tree_size == published.tree_size
    assert comparable(restored) | {"as_of": 0} == comparable(published) | {"as_of": 0}
