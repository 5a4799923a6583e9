from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest

from strongroom.clock import ManualClock
from strongroom.products.businessdate import CalendarBusinessDate, ManualBusinessDate

# 2026-03-10T23:30:00Z in ns since the epoch.
LATE_EVENING_UTC = 1_773_185_400 * 10**9


def test_calendar_date_follows_the_clock_in_the_bank_time_zone() -> None:
    clock = ManualClock(LATE_EVENING_UTC)
    assert CalendarBusinessDate(clock).today() == date(2026, 3, 10)
    singapore = timezone(timedelta(hours=8))
    assert CalendarBusinessDate(clock, singapore).today() == date(2026, 3, 11)
    clock.advance(3600)
    assert CalendarBusinessDate(clock).today() == date(2026, 3, 11)


def test_manual_business_date_moves_forward_only() -> None:
    d = ManualBusinessDate(date(2026, 2, 27))
    assert d.advance() == date(2026, 2, 28)
    assert d.advance(2) == date(2026, 3, 2)
    assert d.today() == date(2026, 3, 2)
    with pytest.raises(ValueError, match="backwards"):
        d.advance(-1)
