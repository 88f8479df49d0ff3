"""Each PostgreSQL schema's ledger NOTIFYs on a channel of its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coledger.storage import LONGEST_IDENTIFIER, notify_channel

schemas = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
    min_size=1,
    max_size=LONGEST_IDENTIFIER,
)


@given(schemas)
def test_a_channel_name_is_kept_whole_by_the_server(schema: str) -> None:
    """No channel is longer than PostgreSQL keeps, so none is cut short."""
    assert len(notify_channel(schema).encode()) <= LONGEST_IDENTIFIER


@given(schemas, schemas)
def test_two_schemas_never_share_a_channel(first: str, second: str) -> None:
    """Different schemas get different channels, even when their names are long."""
    assert (notify_channel(first) == notify_channel(second)) == (first == second)


def test_a_short_schema_is_readable_in_its_channel() -> None:
    """An operator can tell whose channel it is: the schema ends the name."""
    assert notify_channel("club_42") == "coledger_events_club_42"


def test_long_schemas_with_one_beginning_get_their_own_channels() -> None:
    """Names that agree on the bytes the server would keep still differ."""
    stem = "a" * 60
    channels = {notify_channel(stem + tail) for tail in ("x", "y", "z")}
    assert len(channels) == 3
    assert all(len(c) <= LONGEST_IDENTIFIER for c in channels)
