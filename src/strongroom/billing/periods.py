"""Billing periods: from an anchor day of one month to the same day of the next, in UTC days,
and the stretches of a period each plan was in force (a change of plan mid-period splits it)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Generic, TypeVar

from strongroom.days import day_start

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_ns(self) -> int:
        return day_start(self.start)

    @property
    def end_ns(self) -> int:
        return day_start(self.end)


def _month_day(year: int, month: int, day: int) -> datetime.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime.date(year, month, day)


def period_of(anchor_day: int, day: datetime.date) -> Period:
    """The period with anchor `anchor_day` (1 to 28) that `day` falls in."""
    start = _month_day(day.year, day.month, anchor_day)
    if start > day:
        start = _month_day(day.year, day.month - 1, anchor_day)
    return Period(start, _month_day(start.year, start.month + 1, anchor_day))


def periods_until(anchor_day: int, first: datetime.date, until: datetime.date) -> list[Period]:
    """The periods from the one `first` falls in that ended on or before `until`."""
    out = []
    period = period_of(anchor_day, first)
    while period.end <= until:
        out.append(period)
        period = period_of(anchor_day, period.end)
    return out


@dataclass(frozen=True, slots=True)
class Stretch(Generic[T]):
    """Part of a period under one plan: [start, end), and its share of the period's days."""

    start: datetime.date
    end: datetime.date
    plan: T
    share: Fraction

    @property
    def start_ns(self) -> int:
        return day_start(self.start)

    @property
    def end_ns(self) -> int:
        return day_start(self.end)


def stretches(period: Period, plans: Sequence[tuple[datetime.date, T]]) -> list[Stretch[T]]:
    """How `period` divides among `plans` (each in force from its date until the next one's,
    in date order); days before the first plan are billed under none."""
    out: list[Stretch[T]] = []
    for i, (starts, plan) in enumerate(plans):
        ends = plans[i + 1][0] if i + 1 < len(plans) else period.end
        start, end = max(starts, period.start), min(ends, period.end)
        if start < end:
            out.append(Stretch(start, end, plan, Fraction((end - start).days, period.days)))
    return out
