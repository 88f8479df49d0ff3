"""Unit tests of the business-time order helpers every aggregate's checks share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coledger.domain.timeorder import check_not_before, latest
from coledger.errors import TimeOrderError

times = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (the bounds are naive by API)
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(st.lists(st.one_of(st.none(), times), max_size=6))
def test_latest_is_the_largest_time_given_ignoring_none(
    given_times: list[datetime | None],
) -> None:
    """latest() is the largest time that is not None, or None if all are."""
    real = [t for t in given_times if t is not None]
    assert latest(*given_times) == (max(real) if real else None)


@given(times, times)
def test_a_step_is_refused_exactly_when_it_comes_before_its_floor(
    at: datetime, floor: datetime
) -> None:
    """A step at the floor or after it passes; one strictly before it is refused."""
    if at < floor:
        with pytest.raises(TimeOrderError):
            check_not_before("the step", at, floor, "the floor")
    else:
        check_not_before("the step", at, floor, "the floor")


def test_no_floor_lets_any_time_through() -> None:
    """With nothing recorded first (floor None), any time may follow."""
    check_not_before("the step", datetime(1900, 1, 1, tzinfo=UTC), None, "nothing")


def test_the_message_names_the_step_both_times_and_the_reason() -> None:
    """The refusal reads as one sentence: what, when, before what, its time, and why."""
    floor = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    at = floor - timedelta(minutes=1)
    with pytest.raises(TimeOrderError) as caught:
        check_not_before("closing the vote", at, floor, "its opening", ", so say why")
    assert str(caught.value) == (
        "closing the vote at 2026-03-01T09:59:00+00:00 would come before its "
        "opening (2026-03-01T10:00:00+00:00), so say why"
    )
