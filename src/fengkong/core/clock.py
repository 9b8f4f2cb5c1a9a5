"""Injected time. No other module reads the wall clock: services take a `Clock`, tests a `FakeClock`,
so a loan's whole life can be simulated in seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def business_date(self) -> date:
        """Today's date where the lender books (Asia/Shanghai)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def business_date(self) -> date:
        return self.now().astimezone(BUSINESS_TZ).date()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | date) -> None:
        if isinstance(start, datetime):
            if start.tzinfo is None:
                raise ValueError("FakeClock needs a timezone-aware datetime")
            self._now = start.astimezone(UTC)
        else:
            self._now = datetime(start.year, start.month, start.day, 9, 0, tzinfo=BUSINESS_TZ)
            self._now = self._now.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def business_date(self) -> date:
        return self._now.astimezone(BUSINESS_TZ).date()

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        self._now += delta

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        if when.astimezone(UTC) < self._now:
            raise ValueError("time does not run backwards")
        self._now = when.astimezone(UTC)
