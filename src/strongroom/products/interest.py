"""Interest and yield: tiered annual rates, daily accrual with the residue carried, monthly
capitalisation, and overdraft interest.

Owns: `InterestRule`, `daily_interest` (the exact interest of one day), `AccrualState` and
`accrue_day` (one day's rounded postings and the state carried to the next day). Pure: the
accrual job (accrual.py) and the simulator (simulate.py) both run on these functions.
Must not import a database, the ledger, api/ or cli/.

Rounding (docs/products.md): each day the exact interest (a Fraction of minor units) is added
to the residue carried from earlier days; the total is rounded half to even to whole minor
units, that amount is posted and the difference becomes the new residue (|residue| <= 1/2).
So the sum of the posted amounts differs from the exact interest by the residue alone, which is
never lost: it is carried forever, across capitalisations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from strongroom.errors import Conflict
from strongroom.ids import NIL
from strongroom.products.daycount import ONE_DAY, DayCount, day_fraction
from strongroom.products.rounding import round_minor
from strongroom.products.tiers import Tiers


@dataclass(frozen=True, slots=True)
class InterestRule:
    """Annual rates by balance band: `credit` on a positive balance (paid to the customer),
    `overdraft` on a negative one (paid by the customer). Band rates are annual ratios."""

    day_count: DayCount
    credit: Tiers | None
    overdraft: Tiers | None
    #: Bank's expense, and the liability that holds accrued, not yet capitalised, interest.
    expense_account: uuid.UUID = NIL
    accrued_account: uuid.UUID = NIL
    #: Bank's overdraft interest income, and the asset holding accrued overdraft interest.
    income_account: uuid.UUID = NIL
    receivable_account: uuid.UUID = NIL
    accrual_code: int = 3001
    capitalisation_code: int = 3002
    overdraft_accrual_code: int = 3003
    overdraft_capitalisation_code: int = 3004


def daily_interest(rule: InterestRule, balance: int, day: date) -> tuple[Fraction, Fraction]:
    """The exact (credit, overdraft) interest, in minor units, of `balance` held over `day`."""
    fraction = day_fraction(rule.day_count, day)
    if balance > 0 and rule.credit is not None:
        return rule.credit.apply(balance) * fraction, Fraction(0)
    if balance < 0 and rule.overdraft is not None:
        return Fraction(0), rule.overdraft.apply(-balance) * fraction
    return Fraction(0), Fraction(0)


@dataclass(frozen=True, slots=True)
class AccrualState:
    """What an account's accrual carries from one day to the next.

    `last_day` is the last day accrued (None: never). `residue_*` is the exact interest not yet
    posted (|residue| <= 1/2 minor unit). `month_*` is the sum of the rounded daily postings
    since the last capitalisation: exactly what the next capitalisation moves.
    """

    last_day: date | None = None
    residue_credit: Fraction = Fraction(0)
    residue_overdraft: Fraction = Fraction(0)
    month_credit: int = 0
    month_overdraft: int = 0


@dataclass(frozen=True, slots=True)
class AccrualStep:
    """One day's postings for one account (all amounts >= 0, minor units)."""

    day: date
    credit: int
    overdraft: int
    #: Non-zero only on the last day of a month.
    capitalise_credit: int = 0
    capitalise_overdraft: int = 0

    @property
    def is_month_end(self) -> bool:
        return (self.day + ONE_DAY).day == 1


def _carry(exact: Fraction, residue: Fraction) -> tuple[int, Fraction]:
    total = exact + residue
    posted = round_minor(total)
    return posted, total - posted


def accrue_day(
    rule: InterestRule, state: AccrualState, balance: int, day: date
) -> tuple[AccrualStep, AccrualState]:
    """Accrue `day` on the end-of-day `balance`; capitalise when `day` ends its month.

    Days must be accrued in order without gaps: `day` must follow `state.last_day`.
    """
    if state.last_day is not None and day != state.last_day + ONE_DAY:
        raise Conflict(f"accrual of {day} must follow the last accrued day {state.last_day}")
    exact_credit, exact_overdraft = daily_interest(rule, balance, day)
    credit, residue_credit = _carry(exact_credit, state.residue_credit)
    overdraft, residue_overdraft = _carry(exact_overdraft, state.residue_overdraft)
    month_credit = state.month_credit + credit
    month_overdraft = state.month_overdraft + overdraft
    step = AccrualStep(day, credit, overdraft)
    if step.is_month_end:
        step = replace(step, capitalise_credit=month_credit, capitalise_overdraft=month_overdraft)
        month_credit = month_overdraft = 0
    return step, AccrualState(day, residue_credit, residue_overdraft, month_credit, month_overdraft)
