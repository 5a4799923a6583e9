"""The business-date clock: which banking day it is, pluggable so simulations run days in seconds.

Owns: `BusinessDateClock` (the protocol jobs depend on), `CalendarBusinessDate` (the date of an
injectable strongroom.clock.Clock in the bank's time zone) and `ManualBusinessDate` (moved by
hand in tests and simulations). Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol

from strongroom.clock import Clock, SystemClock


class BusinessDateClock(Protocol):
    def today(self) -> date:
        """The current business date. Days before it are closed and may be accrued."""
        ...


class CalendarBusinessDate:
    """The calendar date of `clock` in `zone` (the bank's home time zone)."""

    def __init__(self, clock: Clock | None = None, zone: tzinfo = UTC) -> None:
        self._clock = clock or SystemClock()
        self._zone = zone

    def today(self) -> date:
        seconds, ns = divmod(self._clock.now_ns(), 10**9)
        moment = datetime.fromtimestamp(seconds, tz=self._zone) + timedelta(microseconds=ns // 1000)
        return moment.date()


class ManualBusinessDate:
    """A business date that moves only when told to (end-of-day processing in tests)."""

    def __init__(self, start: date) -> None:
        self._today = start

    def today(self) -> date:
        return self._today

    def advance(self, days: int = 1) -> date:
        if days < 0:
            raise ValueError("the business date never moves backwards")
        self._today += timedelta(days=days)
        return self._today
