from datetime import UTC, date, datetime, timedelta

import pytest

from fengkong.core.clock import FakeClock, SystemClock
from fengkong.core.ids import new_id


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 1, 31, 15, 59, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 31, 15, 59, tzinfo=UTC)
    # 15:59 UTC is 23:59 in Shanghai; one more minute is the next business day there.
    assert clock.business_date() == date(2026, 1, 31)
    clock.advance(timedelta(minutes=1))
    assert clock.business_date() == date(2026, 2, 1)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_fake_clock_from_a_date_starts_that_business_morning() -> None:
    assert FakeClock(date(2026, 5, 1)).business_date() == date(2026, 5, 1)


def test_fake_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        FakeClock(datetime(2026, 1, 1))


def test_system_clock_is_aware() -> None:
    assert SystemClock().now().tzinfo is not None


def test_ids_carry_their_kind_and_sort_by_time() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    first = new_id("app", clock)
    clock.advance(timedelta(milliseconds=1))
    second = new_id("app", clock)
    assert first.startswith("app_") and len(first) == 4 + 26
    assert first < second
    assert len({new_id("app", clock) for _ in range(1000)}) == 1000
