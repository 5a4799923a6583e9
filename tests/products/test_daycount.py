from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strongroom.products.daycount import DayCount, day_fraction, days_between, year_fraction

from .strategies import days

ACT365, ACT360, D30360 = DayCount.ACT_365, DayCount.ACT_360, DayCount.THIRTY_360

# Golden table: (convention, start, end, days, year fraction), worked by hand.
GOLDEN = [
    # Jan..Jun 2026 = 31 + 28 + 31 + 30 + 31 + 30 = 181 actual days.
    (ACT365, date(2026, 1, 1), date(2026, 7, 1), 181, Fraction(181, 365)),
    (ACT360, date(2026, 1, 1), date(2026, 7, 1), 181, Fraction(181, 360)),
    # 30/360: 360*(0) + 30*(7-1) + (1-1) = 180.
    (D30360, date(2026, 1, 1), date(2026, 7, 1), 180, Fraction(180, 360)),
    # 30/360: D1 = 31 -> 30; 30*(7-1) + (1-30) = 151.
    (D30360, date(2026, 1, 31), date(2026, 7, 1), 151, Fraction(151, 360)),
    # 30/360: D1 = 28 stays (February is not adjusted); D2 = 31 stays since D1 < 30;
    # 30*(3-2) + (31-28) = 33.
    (D30360, date(2026, 2, 28), date(2026, 3, 31), 33, Fraction(33, 360)),
    # 30/360: D1 = 30, so D2 = 31 -> 30; 30*(3-1) + (30-30) = 60.
    (D30360, date(2026, 1, 30), date(2026, 3, 31), 60, Fraction(60, 360)),
    # Leap year: 28 Feb -> 1 Mar 2024 is 2 actual days (29 Feb exists); ACT/365 still /365.
    (ACT365, date(2024, 2, 28), date(2024, 3, 1), 2, Fraction(2, 365)),
    # ... and 3 days under 30/360: 30*(3-2) + (1-28) = 3.
    (D30360, date(2024, 2, 28), date(2024, 3, 1), 3, Fraction(3, 360)),
    # A whole leap year: 366 actual days; ACT/365 gives more than one year.
    (ACT365, date(2024, 1, 1), date(2025, 1, 1), 366, Fraction(366, 365)),
    (D30360, date(2024, 1, 1), date(2025, 1, 1), 360, Fraction(1)),
]


@pytest.mark.parametrize(("convention", "start", "end", "n", "fraction"), GOLDEN)
def test_golden_day_counts(
    convention: DayCount, start: date, end: date, n: int, fraction: Fraction
) -> None:
    assert days_between(convention, start, end) == n
    assert year_fraction(convention, start, end) == fraction


def test_daily_fractions_under_30_360_follow_the_calendar_rule() -> None:
    # The 31st accrues nothing (30 -> 31 is 30 -> 30); the last of February catches up to 30.
    assert day_fraction(D30360, date(2026, 1, 30)) == 0
    assert day_fraction(D30360, date(2026, 1, 31)) == Fraction(1, 360)
    assert day_fraction(D30360, date(2026, 2, 28)) == Fraction(3, 360)
    assert day_fraction(D30360, date(2024, 2, 29)) == Fraction(2, 360)


@given(st.sampled_from(DayCount), days, st.integers(0, 800))
def test_daily_fractions_add_up_to_the_period(convention: DayCount, start: date, n: int) -> None:
    end = start + timedelta(days=n)
    # 30/360 is not additive at one corner: a period ending on a 31st counts that 31st as the
    # 30th only when it starts on a 30th or 31st (1 Jan -> 31 Jul is 210 days, while the days up
    # to 30 Jul add up to 209 and 30 -> 31 Jul adds 0). Accrual periods end on the 1st of a
    # month (capitalisation), where the daily fractions add up exactly.
    assume(convention is not D30360 or end.day != 31)
    daily = sum(
        (day_fraction(convention, start + timedelta(days=i)) for i in range(n)), Fraction(0)
    )
    assert daily == year_fraction(convention, start, end)


@given(st.integers(2000, 2098), st.integers(1, 12))
def test_a_whole_month_is_30_days_under_30_360(year: int, month: int) -> None:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    assert days_between(D30360, start, end) == 30
