"""Day-count conventions: how many days lie between two dates, and what fraction of a year.

Owns: `DayCount` (ACT/365 Fixed, ACT/360, 30/360 bond basis), `days_between`, `year_fraction`
and `day_fraction` (the year fraction of one calendar day, used by daily accrual).
Pure date arithmetic on `datetime.date`; must not import anything from strongroom.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta
from fractions import Fraction

ONE_DAY = timedelta(days=1)


class DayCount(enum.StrEnum):
    #: Actual days / 365, every year (also in leap years): "ACT/365 Fixed".
    ACT_365 = "ACT/365"
    #: Actual days / 360: money-market convention, a year of interest takes 360 days.
    ACT_360 = "ACT/360"
    #: 30/360 bond basis (ISDA 2006 4.16(f)): every month counts 30 days.
    THIRTY_360 = "30/360"


def _thirty_360_days(start: date, end: date) -> int:
    d1 = start.day
    d2 = end.day
    if d1 == 31:
        d1 = 30
    if d2 == 31 and d1 == 30:
        d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def days_between(convention: DayCount, start: date, end: date) -> int:
    """Days from `start` (inclusive) to `end` (exclusive) under `convention`."""
    if convention is DayCount.THIRTY_360:
        return _thirty_360_days(start, end)
    return (end - start).days


def basis(convention: DayCount) -> int:
    """The number of days in the year of `convention`."""
    return 365 if convention is DayCount.ACT_365 else 360


def year_fraction(convention: DayCount, start: date, end: date) -> Fraction:
    return Fraction(days_between(convention, start, end), basis(convention))


def day_fraction(convention: DayCount, day: date) -> Fraction:
    """The year fraction that accrues on `day`, i.e. from `day` to the next day.

    Under 30/360 this is not always 1/360: the 31st accrues nothing and the last day of February
    accrues the days up to the 30th, so that the daily fractions of a whole month add up to
    30/360 exactly (and those of any period not ending on a 31st to its 30/360 fraction).
    """
    return year_fraction(convention, day, day + ONE_DAY)
