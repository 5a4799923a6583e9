"""/v1/banking/fx: exchange rates, quotes and conversions between a customer's accounts
(strongroom.banking.fx.FxService); /v1/banking/settlements: the end of day of a currency's
clearing account (strongroom.banking.settlement); /v1/banking/reconciliations: a settlement
file against the bank's payments (strongroom.banking.reconciliation)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field, Strict

from strongroom.api.http.auth import Caller
from strongroom.api.http.bank import bank_service
from strongroom.api.http.models import NOT_BLANK, DateText, IntentOut, PositiveAmount
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.banking.fx import FxService
from strongroom.banking.ports import FxQuote, FxRate
from strongroom.banking.reconciliation import ReconciliationService
from strongroom.banking.settlement import SettlementService

router = APIRouter(tags=["fx"], responses=RESPONSES, route_class=JsonBodyRoute)

_Currency = Annotated[str, Strict(), Field(pattern="^[A-Z]{3}$")]
_STALE: dict[int | str, dict[str, Any]] = {
    409: documented(
        "No rate, or one older than fx_rate_max_age, for the pair (stale_rate), or an amount "
        "too small to buy anything (conflict)"
    )
}


Fx = Annotated[FxService, Depends(bank_service(lambda b: b.fx))]


class RateIn(Body):
    base: _Currency
    quote: _Currency
    rate: Annotated[str, Strict(), Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,12})?$")] = Field(
        description="Units of `quote` for one unit of `base`, an exact decimal as text"
    )
    source: Annotated[str, Strict(), Field(min_length=1, max_length=100, pattern=NOT_BLANK)] = (
        "manual"
    )


class RateOut(BaseModel):
    base: str
    quote: str
    rate: str
    as_of: int
    source: str

    @classmethod
    def of(cls, r: FxRate) -> RateOut:
        return cls(base=r.base, quote=r.quote, rate=r.rate, as_of=r.as_of, source=r.source)


class QuoteIn(Body):
    sell_currency: _Currency
    buy_currency: _Currency
    sell_amount: PositiveAmount = Field(description="Minor units of `sell_currency`")


class QuoteOut(BaseModel):
    id: uuid.UUID
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    #: Units of buy for one unit of sell, the spread taken.
    rate: str
    spread_bps: int
    created_at: int
    expires_at: int

    @classmethod
    def of(cls, q: FxQuote) -> QuoteOut:
        return cls(
            id=q.id,
            sell_currency=q.sell_currency,
            buy_currency=q.buy_currency,
            sell_amount=q.sell_amount,
            buy_amount=q.buy_amount,
            rate=q.rate,
            spread_bps=q.spread_bps,
            created_at=q.created_at,
            expires_at=q.expires_at,
        )


class ConvertIn(Body):
    quote_id: uuid.UUID
    debit_account_id: uuid.UUID = Field(description="The customer's account in sell_currency")
    credit_account_id: uuid.UUID = Field(description="The customer's account in buy_currency")


@router.put("/v1/banking/fx/rates", response_model=RateOut, summary="Set a rate")
async def set_rate(body: RateIn, caller: Caller, fx: Fx) -> RateOut:
    """Admin role. The pair's rate from now on (the latest is in force)."""
    return RateOut.of(await fx.set_rate(caller, body.base, body.quote, body.rate, body.source))


@router.get("/v1/banking/fx/rates", response_model=list[RateOut], summary="The rates in force")
async def rates(caller: Caller, fx: Fx) -> list[RateOut]:
    return [RateOut.of(r) for r in await fx.rates(caller)]


@router.post(
    "/v1/banking/fx/quotes",
    response_model=QuoteOut,
    status_code=201,
    summary="Quote a conversion",
    responses=_STALE,
)
async def quote(body: QuoteIn, caller: Caller, fx: Fx) -> QuoteOut:
    """Write role. The rate less the spread, rounded down; valid for fx_quote_ttl seconds."""
    made = await fx.quote(caller, body.sell_currency, body.buy_currency, body.sell_amount)
    return QuoteOut.of(made)


@router.post(
    "/v1/banking/fx/conversions",
    response_model=IntentOut,
    status_code=201,
    summary="Convert at a quote",
    responses={200: {"model": IntentOut, "description": "The quote's conversion, asked before"}},
)
async def convert(body: ConvertIn, caller: Caller, fx: Fx, response: Response) -> IntentOut:
    """Write role. A `banking.fx.convert` intent: fails when the quote had expired, the
    accounts are not one customer's in the quote's currencies, or the funds are short. A quote
    is used once: converting at it again answers its conversion (200)."""
    intent, created = await fx.convert(
        caller, body.quote_id, body.debit_account_id, body.credit_account_id
    )
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)


class EndOfDayIn(Body):
    currency: _Currency
    date: DateText = Field(description="The business day settled (once per currency and day)")


@router.post(
    "/v1/banking/settlements",
    response_model=IntentOut,
    status_code=201,
    summary="Settle a currency's clearing account for a day",
)
async def end_of_day(
    body: EndOfDayIn,
    caller: Caller,
    settlement: Annotated[SettlementService, Depends(bank_service(lambda b: b.settlement))],
) -> IntentOut:
    """Admin role. A `banking.settlement.eod` intent: the clearing account's balance into the
    settlement account, by one transfer per currency and day (asking again settles nothing
    more)."""
    return IntentOut.of(await settlement.end_of_day(caller, body.currency, body.date))


class ReconcileIn(Body):
    file: Annotated[str, Strict(), Field(min_length=1, max_length=2_000_000)] = Field(
        description="The settlement file: CSV with the header reference,amount,currency,"
        "value_date (docs/banking.md)"
    )


Reconciliation = Annotated[ReconciliationService, Depends(bank_service(lambda b: b.reconciliation))]


@router.post(
    "/v1/banking/reconciliations",
    response_model=IntentOut,
    status_code=201,
    summary="Reconcile a settlement file against the bank's payments",
    responses={200: {"model": IntentOut, "description": "The same file again: the same run"}},
)
async def reconcile(
    body: ReconcileIn, caller: Caller, reconciliation: Reconciliation, response: Response
) -> IntentOut:
    """Admin role. A `banking.reconciliation.run` intent: its `match` result is the report
    (matched, breaks, unmatched on either side); each break and unmatched item opens a case."""
    submitted = await reconciliation.run(caller, body.file)
    if not submitted.created:
        response.status_code = 200
    return IntentOut.of(submitted.intent)


@router.get(
    "/v1/banking/reconciliations/{id}",
    response_model=IntentOut,
    summary="A reconciliation run and its report",
)
async def reconciliation_run(
    id: uuid.UUID, caller: Caller, reconciliation: Reconciliation
) -> IntentOut:
    return IntentOut.of(await reconciliation.show(caller, id))
