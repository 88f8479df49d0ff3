"""An import refuses members' steps in states the member commands refuse."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest

from coledger import Ledger, transfer
from conftest import TEST_MASTER_KEY
from helpers import edited_export, on, refused_import

MEMBER = "coledger.domain.member:Member"


@attrs.frozen
class Story:
    """A small ledger's export, and the ids in it."""

    lines: list[str]
    ana: UUID
    bo: UUID
    cy: UUID

    def rows(self) -> list[dict[str, Any]]:
        """The export's event rows, each a fresh copy."""
        return [json.loads(line) for line in self.lines[1:]]

    def row(self, topic: str, member: UUID) -> dict[str, Any]:
        """A copy of *member*'s first row of *topic* (such as 'Erased')."""
        return next(
            r
            for r in self.rows()
            if r["topic"] == f"{MEMBER}.{topic}" and r["originator_id"] == str(member)
        )

    def appended(self, row: dict[str, Any], member: UUID) -> list[str]:
        """The export with *row* added at the end as *member*'s next event."""
        rows = self.rows()
        row["originator_id"] = str(member)
        row["originator_version"] = 1 + sum(
            r["originator_id"] == str(member) for r in rows
        )
        row["position"] = rows[-1]["position"] + 1
        row["state"]["occurred_at"] = on(9).isoformat()
        header = json.loads(self.lines[0])
        header["events"] += 1  # as an export holding it would count it
        return [json.dumps(header), *self.lines[1:], json.dumps(row)]


@pytest.fixture(scope="module")
def story() -> Story:
    """Ana registers Bo and Cy; Bo declares and takes Ana as supporter; Cy is erased.

    Cy had changed role, declared (and withdrawn, and declared again) and
    authorised and revoked Ana as supporter before the erasure.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo, cy = (
            ledger.register_member(name, by=ana, occurred_at=on(1))
            for name in ("Bo Example", "Cy Example")
        )
        ledger.declare_lived_experience(bo, categories=["DIS"], occurred_at=on(2))
        ledger.authorise_supporter(bo, ana, occurred_at=on(2))
        ledger.change_role(cy, "staff", by=ana, occurred_at=on(2))
        ledger.declare_lived_experience(cy, categories=["DIS"], occurred_at=on(2))
        ledger.withdraw_lived_experience(cy, occurred_at=on(3))
        ledger.declare_lived_experience(cy, categories=["CARER"], occurred_at=on(3))
        ledger.authorise_supporter(cy, ana, occurred_at=on(3))
        ledger.revoke_supporter(cy, ana, occurred_at=on(4))
        ledger.erase_member(cy, by=ana, occurred_at=on(5))
        out = io.StringIO()
        ledger.export(out)
        return Story(out.getvalue().splitlines(), ana, bo, cy)


def test_the_story_imports_whole(story: Story) -> None:
    """The unedited export imports, so each refusal below is the edit's."""
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as fresh:
        fresh.import_events(story.lines)
        assert fresh.member(story.cy).erased


AFTER_ERASURE: dict[str, Callable[[Story], dict[str, Any]]] = {
    "role changed": lambda s: s.row("RoleChanged", s.cy),
    "declared": lambda s: s.row("LivedExperienceDeclared", s.cy),
    "withdrawn": lambda s: s.row("LivedExperienceWithdrawn", s.cy),
    "supporter authorised": lambda s: s.row("SupporterAuthorised", s.cy),
    "supporter revoked": lambda s: s.row("SupporterRevoked", s.cy),
    "erased again": lambda s: s.row("Erased", s.cy),
}


@pytest.mark.parametrize("step", AFTER_ERASURE, ids=str)
def test_a_member_step_after_their_erasure_is_malformed(
    story: Story, step: str
) -> None:
    """A member's record takes no event after their erasure: no command records one."""
    lines = story.appended(AFTER_ERASURE[step](story), story.cy)
    refused_import(lines, len(lines), "the member was erased")


def test_a_second_active_declaration_is_malformed(story: Story) -> None:
    """A declaration while one is active is refused, as the command refuses it."""
    row = story.row("LivedExperienceDeclared", story.bo)
    lines = story.appended(row, story.bo)
    refused_import(lines, len(lines), "already has an active declaration")


def test_a_withdrawal_with_no_declaration_is_malformed(story: Story) -> None:
    """A withdrawal with no declaration active is refused, as its command refuses it."""
    row = story.row("LivedExperienceWithdrawn", story.cy)
    row["state"]["actor"] = str(story.ana)
    lines = story.appended(row, story.ana)
    refused_import(lines, len(lines), "has no active declaration")


def acted_then_revoked() -> tuple[list[str], dict[str, Any]]:
    """An export: Bo comments through Cy, then revokes Cy; and a copy of the comment.

    Cy's consent runs from the 2nd to the 4th; the comment is of the 3rd.
    """
    with Ledger.open("memory://", master_key=TEST_MASTER_KEY) as ledger:
        ana = ledger.register_member("Ana Example", occurred_at=on(1))
        bo, cy = (
            ledger.register_member(name, by=ana, occurred_at=on(1))
            for name in ("Bo Example", "Cy Example")
        )
        board = ledger.establish_body(
            "Board", kind="advisory", by=ana, occurred_at=on(1)
        )
        proposal = ledger.raise_proposal(
            board, proposers=[ana], title="T", text="x", occurred_at=on(2)
        )
        ledger.authorise_supporter(bo, cy, occurred_at=on(2))
        ledger.comment(
            proposal, author=bo, text="Yes.", supporter=cy, occurred_at=on(3)
        )
        ledger.revoke_supporter(bo, cy, occurred_at=on(4))
        out = io.StringIO()
        ledger.export(out)
    lines = out.getvalue().splitlines()
    comment = next(json.loads(line) for line in lines if "Proposal.Commented" in line)
    return lines, comment


def commented_again(day: int) -> list[str]:
    """The export with another comment through Cy, dated *day*, recorded last."""
    lines, row = acted_then_revoked()
    rows = [json.loads(line) for line in lines[1:]]
    row["originator_version"] = 1 + sum(
        r["originator_id"] == row["originator_id"] for r in rows
    )
    row["position"] = rows[-1]["position"] + 1
    latest = max(datetime.fromisoformat(r["state"]["timestamp"]) for r in rows)
    row["state"].update(
        comment_id=str(uuid4()),
        occurred_at=on(day).isoformat(),
        timestamp=(latest + timedelta(seconds=1)).isoformat(),
    )
    header = json.loads(lines[0])
    header["events"] += 1
    return [json.dumps(header), *lines[1:], json.dumps(row)]


def test_an_act_after_the_consent_was_revoked_is_malformed() -> None:
    """An act dated and recorded after the revocation had consent in no version."""
    lines = commented_again(5)
    refused_import(lines, len(lines), "consent")


def test_an_act_dated_while_consent_held_and_entered_later_imports() -> None:
    """Late minutes: an act dated in the consent and recorded after its end imports."""
    lines = commented_again(3)
    assert len(transfer.read_export(lines).events) == len(lines) - 1


def test_a_revocation_dated_back_before_an_act_recorded_earlier_imports() -> None:
    """A revocation dated before an act recorded in the consent imports, as it did."""

    def back(row: dict[str, Any]) -> bool:
        row["state"]["occurred_at"] = on(2).isoformat()
        return True

    lines, _ = edited_export(
        acted_then_revoked()[0], f"{MEMBER}.SupporterRevoked", back
    )
    assert len(transfer.read_export(lines).events) == len(lines) - 1
