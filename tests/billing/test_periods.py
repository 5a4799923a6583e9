"""Billing periods: anchored on a day of the month, contiguous, each month once; a change of plan
splits a period into stretches whose shares add up to the whole."""

from __future__ import annotations

import datetime
import itertools
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from strongroom.billing.periods import Period, period_of, periods_until, stretches

D = datetime.date


def test_a_period_runs_from_its_anchor_day_to_the_same_day_of_the_next_month() -> None:
    assert period_of(1, D(2026, 12, 5)) == Period(D(2026, 12, 1), D(2027, 1, 1))
    assert period_of(15, D(2026, 12, 5)) == Period(D(2026, 11, 15), D(2026, 12, 15))
    assert period_of(15, D(2026, 12, 15)) == Period(D(2026, 12, 15), D(2027, 1, 15))
    assert period_of(28, D(2027, 2, 28)).days == 28


def test_only_the_periods_that_ended_are_due() -> None:
    due = periods_until(1, D(2026, 10, 20), D(2027, 1, 1))
    assert [p.start for p in due] == [D(2026, 10, 1), D(2026, 11, 1), D(2026, 12, 1)]
    assert periods_until(1, D(2026, 10, 20), D(2026, 10, 31)) == []


@given(
    anchor=st.integers(1, 28),
    first=st.dates(D(2020, 1, 1), D(2030, 12, 31)),
    months=st.integers(0, 30),
)
def test_periods_are_contiguous_and_contain_their_days(
    anchor: int, first: datetime.date, months: int
) -> None:
    due = periods_until(anchor, first, first + datetime.timedelta(days=31 * months))
    assert all(a.end == b.start for a, b in itertools.pairwise(due))
    assert all(p.start.day == anchor == p.end.day for p in due)
    assert all(28 <= p.days <= 31 for p in due)
    for period in due:
        assert period_of(anchor, period.start) == period
        assert period_of(anchor, period.end - datetime.timedelta(days=1)) == period


def test_a_change_of_plan_splits_the_period_by_days() -> None:
    period = Period(D(2026, 11, 1), D(2026, 12, 1))
    parts = stretches(period, [(D(2026, 10, 1), "basic"), (D(2026, 11, 11), "pro")])
    assert [(s.start, s.end, s.plan, s.share) for s in parts] == [
        (D(2026, 11, 1), D(2026, 11, 11), "basic", Fraction(10, 30)),
        (D(2026, 11, 11), D(2026, 12, 1), "pro", Fraction(20, 30)),
    ]
    late_start = stretches(period, [(D(2026, 11, 21), "pro")])
    assert [(s.start, s.share) for s in late_start] == [(D(2026, 11, 21), Fraction(1, 3))]


@given(
    changes=st.lists(st.integers(0, 40), min_size=1, max_size=5),
    anchor=st.integers(1, 28),
)
def test_stretches_cover_the_billed_days_once(changes: list[int], anchor: int) -> None:
    period = period_of(anchor, D(2026, 6, 10))
    base = period.start - datetime.timedelta(days=5)
    plans = [(base + datetime.timedelta(days=d), i) for i, d in enumerate(sorted(set(changes)))]
    parts = stretches(period, plans)
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    covered = sum((s.end - s.start).days for s in parts)
    first = max(plans[0][0], period.start)
    assert covered == max((period.end - first).days, 0)
    assert sum(s.share for s in parts) == Fraction(covered, period.days)
