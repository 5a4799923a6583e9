from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.errors import Conflict
from strongroom.products.daycount import DayCount
from strongroom.products.interest import (
    AccrualState,
    AccrualStep,
    InterestRule,
    accrue_day,
    daily_interest,
)
from strongroom.products.tiers import Band, TierMethod, Tiers

from .strategies import interest_rules


def flat_rate(percent: int) -> Tiers:
    return Tiers(TierMethod.GRADUATED, (Band(0, None, 0, Fraction(percent, 100)),))


def run(rule: InterestRule, balance: int, start: date, n: int) -> list[AccrualStep]:
    state = AccrualState()
    steps = []
    for i in range(n):
        step, state = accrue_day(rule, state, balance, start + timedelta(days=i))
        steps.append(step)
    return steps


# Golden table: SGD 10 000.00 (1 000 000 cents) at 2% a year, January 2026 (31 days).
# Annual interest: 1 000 000 * 0.02 = 20 000 cents.
MONTH_GOLDEN = [
    # ACT/365: 31 days * 20 000 / 365 = 620 000 / 365 = 1 698.63 -> 1 699 capitalised; the
    # residue carried is 620 000/365 - 1 699 = (620 000 - 620 135)/365 = -135/365 = -27/73.
    (DayCount.ACT_365, 1_699, Fraction(-27, 73), [55, 55, 54]),
    # ACT/360: 31 * 20 000 / 360 = 1 722.22 -> 1 722; residue 620 000/360 - 1 722
    #          = (620 000 - 619 920)/360 = 80/360 = 2/9.
    (DayCount.ACT_360, 1_722, Fraction(2, 9), [56, 55, 56]),
    # 30/360: days 1-29 accrue 1/360 each, the 30th accrues 0/360 (30 -> 31 is 30 -> 30),
    #         the 31st accrues 1/360 (to 1 Feb): 30 * 20 000 / 360 = 1 666.67 -> 1 667;
    #         residue 600 000/360 - 1 667 = (600 000 - 600 120)/360 = -1/3.
    (DayCount.THIRTY_360, 1_667, Fraction(-1, 3), [56, 55, 56]),
]
# The first three days, with the residue carried:
#   ACT/365: 20 000/365 = 54.79 -> 55, residue -75/365; (20 000 - 75)/365 = 54.59 -> 55,
#            residue -150/365; (20 000 - 150)/365 = 54.38 -> 54, residue +140/365.
#   ACT/360 and 30/360 (1/360 a day in early January): 20 000/360 = 55.56 -> 56, residue
#            -160/360; 19 840/360 = 55.11 -> 55, residue +40/360; 20 040/360 = 55.67 -> 56.


@pytest.mark.parametrize(("convention", "capitalised", "residue", "first_days"), MONTH_GOLDEN)
def test_month_of_interest_golden(
    convention: DayCount, capitalised: int, residue: Fraction, first_days: list[int]
) -> None:
    rule = InterestRule(convention, flat_rate(2), None)
    state = AccrualState()
    steps = []
    for i in range(31):
        step, state = accrue_day(rule, state, 1_000_000, date(2026, 1, 1) + timedelta(days=i))
        steps.append(step)
    assert [s.credit for s in steps[:3]] == first_days
    assert steps[-1].capitalise_credit == capitalised
    assert all(s.capitalise_credit == 0 for s in steps[:-1])
    assert state.residue_credit == residue
    assert state.month_credit == 0  # reset by the capitalisation


def test_30_360_posts_nothing_on_the_31st() -> None:
    rule = InterestRule(DayCount.THIRTY_360, flat_rate(2), None)
    assert daily_interest(rule, 1_000_000, date(2026, 1, 30)) == (0, 0)


def test_tiered_balance_golden() -> None:
    # Graduated bands of the everyday product, in cents:
    #   [0, 1 000 000) at 0.5%, [1 000 000, 5 000 000) at 1.5%, [5 000 000, inf) at 2.5%.
    # A balance of 6 000 000 earns 1 000 000 * 0.005 + 4 000 000 * 0.015 + 1 000 000 * 0.025
    #   = 5 000 + 60 000 + 25 000 = 90 000 a year; one ACT/365 day = 90 000/365 = 246.58 -> 247.
    bands = Tiers(
        TierMethod.GRADUATED,
        (
            Band(0, 1_000_000, 0, Fraction(5, 1000)),
            Band(1_000_000, 5_000_000, 0, Fraction(15, 1000)),
            Band(5_000_000, None, 0, Fraction(25, 1000)),
        ),
    )
    rule = InterestRule(DayCount.ACT_365, bands, None)
    assert daily_interest(rule, 6_000_000, date(2026, 5, 5)) == (Fraction(90_000, 365), 0)
    step, _ = accrue_day(rule, AccrualState(), 6_000_000, date(2026, 5, 5))
    assert step.credit == 247


def test_overdraft_interest_golden() -> None:
    # SGD -1 000.00 at 18% ACT/365: 100 000 * 0.18 / 365 = 18 000/365 = 49.32 -> 49 a day.
    rule = InterestRule(DayCount.ACT_365, flat_rate(2), flat_rate(18))
    step, state = accrue_day(rule, AccrualState(), -100_000, date(2026, 5, 5))
    assert (step.credit, step.overdraft) == (0, 49)
    assert state.residue_overdraft == Fraction(18_000, 365) - 49


def test_days_must_follow_each_other() -> None:
    rule = InterestRule(DayCount.ACT_365, flat_rate(2), None)
    _, state = accrue_day(rule, AccrualState(), 100, date(2026, 5, 5))
    with pytest.raises(Conflict, match="must follow"):
        accrue_day(rule, state, 100, date(2026, 5, 7))
    with pytest.raises(Conflict, match="must follow"):
        accrue_day(rule, state, 100, date(2026, 5, 5))


balances = st.lists(st.integers(-(10**9), 10**10), min_size=1, max_size=100)


@given(interest_rules(), balances, st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_rounded_daily_accruals_add_up_to_what_is_capitalised(
    rule: InterestRule, daily_balances: list[int], start: date
) -> None:
    state = AccrualState()
    accrued, capitalised = [0, 0], [0, 0]
    exact = [Fraction(0), Fraction(0)]
    for i, balance in enumerate(daily_balances):
        day = start + timedelta(days=i)
        step, state = accrue_day(rule, state, balance, day)
        assert step.credit >= 0
        assert step.overdraft >= 0
        credit, overdraft = daily_interest(rule, balance, day)
        exact[0] += credit
        exact[1] += overdraft
        accrued[0] += step.credit
        accrued[1] += step.overdraft
        capitalised[0] += step.capitalise_credit
        capitalised[1] += step.capitalise_overdraft
    # What was accrued is either capitalised or still waiting for the month end ...
    assert accrued == [capitalised[0] + state.month_credit, capitalised[1] + state.month_overdraft]
    # ... and nothing is lost to rounding: the residue carries the difference, at most 1/2.
    assert exact[0] == accrued[0] + state.residue_credit
    assert exact[1] == accrued[1] + state.residue_overdraft
    assert abs(state.residue_credit) <= Fraction(1, 2)
    assert abs(state.residue_overdraft) <= Fraction(1, 2)


def test_property_is_not_vacuous_across_a_month_end() -> None:
    rule = InterestRule(DayCount.ACT_365, flat_rate(2), flat_rate(18))
    steps = run(rule, 1_000_000, date(2026, 1, 20), 20)
    assert sum(s.credit for s in steps[:12]) == steps[11].capitalise_credit > 0
    assert steps[11].day == date(2026, 1, 31)
