"""The product file format, as pydantic models: shapes, types and ranges of every field.

Owns: `ProductSpec` and its parts, mirroring the YAML one to one (docs/products.md shows a full
file). Amounts are Decimals in major units ("0.50" SGD), rates are Decimal percents; both are
converted exactly by definitions.py, which also checks what needs more than one field (tiers
contiguous, accounts declared, caps ordered). Must not import a database, ledger, api/ or cli/.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from strongroom.products.daycount import DayCount
from strongroom.products.events import EventKind
from strongroom.products.fees import FeeKind
from strongroom.products.limits import LimitMeasure, LimitPeriod
from strongroom.products.tiers import TierMethod

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
AccountName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
Code = Annotated[int, Field(ge=1, le=65535)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


class BandSpec(_Spec):
    lower: Amount = Field(alias="from")
    upper: Amount | None = Field(default=None, alias="to")
    flat: Amount = Decimal(0)
    percent: Percent = Decimal(0)


class TiersSpec(_Spec):
    method: TierMethod = TierMethod.VOLUME
    bands: list[BandSpec] = Field(min_length=1, max_length=64)


class FeeSpec(_Spec):
    id: RuleId
    event: EventKind
    kind: FeeKind
    amount: Amount | None = None
    percent: Percent | None = None
    tiers: TiersSpec | None = None
    minimum: Amount | None = None
    maximum: Amount | None = None
    free_per_month: Annotated[int, Field(ge=0)] = 0
    waive_when_balance_at_least: Amount | None = None
    income_account: AccountName = "fee_income"
    code: Code | None = None


class TaxSpec(_Spec):
    id: RuleId
    percent: Percent
    #: Fee ids this tax applies to; omitted: every fee.
    applies_to: list[RuleId] | None = None
    payable_account: AccountName = "tax_payable"
    code: Code = 2001


class LimitSpec(_Spec):
    id: RuleId
    events: list[EventKind] = Field(min_length=1)
    period: LimitPeriod
    measure: LimitMeasure
    #: Major units for an amount limit, a whole number for a count limit.
    maximum: Amount


class InterestSpec(_Spec):
    day_count: DayCount
    credit: TiersSpec | None = None
    overdraft: TiersSpec | None = None
    capitalisation: Literal["monthly"] = "monthly"
    expense_account: AccountName = "interest_expense"
    accrued_account: AccountName = "interest_payable"
    income_account: AccountName = "interest_income"
    receivable_account: AccountName = "interest_receivable"


class ProductSpec(_Spec):
    product: RuleId
    version: Annotated[int, Field(ge=1)]
    currency: str
    name: str | None = None
    description: str | None = None
    #: Ledger accounts the product posts to, by name; rules refer to these names.
    accounts: dict[AccountName, uuid.UUID] = Field(default_factory=dict)
    fees: list[FeeSpec] = Field(default_factory=list)
    taxes: list[TaxSpec] = Field(default_factory=list)
    limits: list[LimitSpec] = Field(default_factory=list)
    interest: InterestSpec | None = None
    #: An account with no customer activity for this many days is dormant (dormancy fees).
    dormant_after_days: Annotated[int, Field(ge=1)] | None = None
    #: The arranged overdraft: how far below zero an account on the product may go (major
    #: units). None: no overdraft.
    overdraft_limit: Amount | None = None
