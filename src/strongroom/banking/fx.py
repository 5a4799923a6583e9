"""Multi-currency: exchange rates, quotes and conversions between a customer's accounts in two
currencies.

**Rates** are exact decimals (units of the quote currency for one of the base), set per tenant
with the instant they are as of and their source; the latest of a pair is in force, and a rate
older than `fx_rate_max_age` is refused (no quote from a stale rate). A pair's inverse is used
when only it is set.

A **quote** (sell currency, buy currency, the amount sold) applies the rate less the spread
(`fx_spread_bps`) against the customer, converts between the currencies' ISO 4217 exponents, and
rounds down (the bank's favour); it is valid for `fx_quote_ttl` seconds.

A **conversion** is a `banking.fx.convert` intent (its reference is the quote: a quote is used
once, and the same conversion asked again is the same intent): the quote unexpired when the
conversion was submitted, the accounts the customer's, open, in the quote's currencies; then one
linked chain, the customer's sell account to the tenant's FX position account in that currency,
and the position account in the buy currency to the customer's buy account. Money is conserved
in each currency: the position accounts hold what the bank bought and owe what it sold.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import msgspec

from strongroom.banking import codes, events, metering
from strongroom.banking.payments.accounts import open_account
from strongroom.banking.payments.screening import verified
from strongroom.banking.ports import BankStore, FxQuote, FxRate
from strongroom.banking.retry import RETRY
from strongroom.banking.types import Directory
from strongroom.clock import Clock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.ledger import (
    Account,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)
from strongroom.money import AMOUNT_MAX, exponent, is_currency
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import (
    FAIL,
    IntentType,
    Step,
    StepContext,
    StepFailed,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent

CONVERT = "banking.fx.convert"
NS = 10**9
_NAMESPACE = uuid.UUID("5e2a7c10-93b4-4d6f-8a1e-0c7f3b9d2e48")
_MADE = {CreateAccountResult.OK, CreateAccountResult.EXISTS}
_DONE = {CreateTransferResult.OK, CreateTransferResult.EXISTS}


class StaleRate(Conflict):
    """No rate, or one too old, for a pair: no quote can be given."""

    code = "stale_rate"


def position_account_id(tenant: str, currency: str) -> uuid.UUID:
    """The tenant's FX position account in `currency`: what the bank holds of it from trades."""
    return uuid.uuid5(_NAMESPACE, f"{tenant}/fx-position/{currency}")


def _currency(field: str, code: str) -> str:
    if not isinstance(code, str) or not is_currency(code):
        raise ValidationError(field, f"{code!r} is not an ISO 4217 currency")
    return code


def _decimal(field: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ValidationError(field, f"{text!r} is not a decimal number") from None
    places = value.as_tuple().exponent
    if not value.is_finite() or value <= 0 or not isinstance(places, int) or places < -12:
        raise ValidationError(field, "must be a positive decimal with at most 12 decimal places")
    return value


def converted(sell_amount: int, sell: str, buy: str, rate: Decimal) -> int:
    """`sell_amount` minor units of `sell` in minor units of `buy` at `rate` (units of buy per
    unit of sell), rounded down."""
    exact = Decimal(sell_amount) * rate * Decimal(10) ** (exponent(buy) - exponent(sell))
    return int(exact.to_integral_value(rounding=ROUND_FLOOR))


class ConvertPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    quote_id: uuid.UUID
    #: The customer's account in the quote's sell currency, and the one in its buy currency.
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID


MACHINE = Machine(
    CONVERT,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "converted", "converted"),
        edge(("initiated", "checked"), FAIL, "failed"),
    ],
    terminal=("converted", "failed"),
)


def convert_type(
    store: BankStore, ledger: Ledger, directory: Directory
) -> IntentType[ConvertPayload]:
    async def check(context: StepContext[ConvertPayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        quote = await store.quote(tenant, p.quote_id)
        if quote is None:
            raise StepFailed(f"quote {p.quote_id} not found")
        if context.intent.created_at > quote.expires_at:
            raise StepFailed(f"quote {p.quote_id} expired before the conversion was asked")
        sell = await open_account(
            directory, tenant, p.debit_account_id, "debit", quote.sell_currency
        )
        buy = await open_account(
            directory, tenant, p.credit_account_id, "credit", quote.buy_currency
        )
        if sell.customer_id != buy.customer_id:
            raise StepFailed("a conversion is between accounts of one customer")
        verified(await directory.customer(tenant, sell.customer_id))
        return {"sell": quote.sell_amount, "buy": quote.buy_amount, "rate": quote.rate}

    async def convert(context: StepContext[ConvertPayload]) -> Any:
        p = context.payload
        tenant = context.intent.tenant
        quote = await store.quote(tenant, p.quote_id)
        assert quote is not None
        positions = {
            c: position_account_id(tenant, c) for c in (quote.sell_currency, quote.buy_currency)
        }
        made = await ledger.create_accounts(
            [
                Account(
                    id=i,
                    ledger=c,
                    code=codes.FX_POSITION_ACCOUNT,
                    tenant=tenant,
                    metadata={"kind": "fx-position"},
                )
                for c, i in positions.items()
            ]
        )
        if not all(r in _MADE for r in made):
            raise StepFailed(f"the FX position accounts: {', '.join(r.value for r in made)}")
        description = f"FX {quote.sell_currency}/{quote.buy_currency} at {quote.rate}"
        chain = [
            Transfer(
                id=context.transfer_id("sell"),
                debit_account_id=p.debit_account_id,
                credit_account_id=positions[quote.sell_currency],
                amount=quote.sell_amount,
                ledger=quote.sell_currency,
                code=codes.FX,
                flags=TransferFlags.LINKED,
                metadata={"quote": str(quote.id), "description": description},
                tenant=tenant,
            ),
            Transfer(
                id=context.transfer_id("buy"),
                debit_account_id=positions[quote.buy_currency],
                credit_account_id=p.credit_account_id,
                amount=quote.buy_amount,
                ledger=quote.buy_currency,
                code=codes.FX,
                metadata={"quote": str(quote.id), "description": description},
                tenant=tenant,
            ),
        ]
        results = await ledger.create_transfers(chain)
        if not all(r in _DONE for r in results):
            if CreateTransferResult.EXCEEDS_CREDITS in results:
                raise StepFailed("insufficient funds on the account sold from")
            raise StepFailed(", ".join(sorted({r.value for r in results if r not in _DONE})))
        sell, buy = quote.sell_currency, quote.buy_currency
        metering.bill(context, metering.FX_CONVERSIONS, sell=sell, buy=buy)
        metering.bill(context, metering.FX_VOLUME, quote.sell_amount, sell=sell, buy=buy)
        return {"sold": quote.sell_amount, "bought": quote.buy_amount}

    return IntentType(
        CONVERT,
        ConvertPayload,
        MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(Step("convert", convert, retry=RETRY), event="converted"),
            )
        ),
        mutex_key=lambda p: f"account:{p.debit_account_id}",
        account=lambda p: str(p.debit_account_id),
        description="Convert between a customer's accounts at a quote: both legs or neither.",
        through="POST /v1/banking/fx/conversions",
    )


@dataclass(frozen=True, slots=True)
class FxSettings:
    spread_bps: int
    quote_ttl: float
    rate_max_age: float


class FxService:
    def __init__(
        self,
        store: BankStore,
        intents: IntentService,
        clock: Clock,
        settings: FxSettings,
    ) -> None:
        self.store = store
        self.intents = intents
        self.clock = clock
        self.settings = settings

    async def set_rate(
        self, who: Principal, base: str, quote: str, rate: str, source: str = "manual"
    ) -> FxRate:
        """Admin role: the rate of a pair from now on."""
        with acting(who, Role.ADMIN):
            _currency("base", base)
            _currency("quote", quote)
            if base == quote:
                raise ValidationError("quote", "must differ from base")
            value = _decimal("rate", rate)
            if not source.strip() or len(source) > 100:
                raise ValidationError("source", "must be 1 to 100 characters, not blank")
            now = self.clock.now_ns()
            stored = FxRate(who.tenant, base, quote, str(value), now, source)
            data = {"base": base, "quote": quote, "rate": stored.rate, "source": source}
            await self.store.add_rate(
                stored, events.event(events.FX_RATE_SET, who.tenant, who.id, now, data)
            )
            return stored

    async def rates(self, who: Principal) -> list[FxRate]:
        with acting(who, Role.READ):
            return await self.store.latest_rates(who.tenant)

    async def quote(self, who: Principal, sell: str, buy: str, sell_amount: int) -> FxQuote:
        """Write role: a quote for selling `sell_amount` minor units of `sell` for `buy`."""
        with acting(who, Role.WRITE):
            # A currency without a rate (an unknown code among them) has no quote: StaleRate.
            if sell == buy:
                raise StaleRate(f"no rate converts {sell} into itself")
            if type(sell_amount) is not int or not 0 < sell_amount <= AMOUNT_MAX:
                raise ValidationError(
                    "sell_amount", "must be a positive whole number of minor units"
                )
            now = self.clock.now_ns()
            mid = self._rate(await self.store.latest_rates(who.tenant), sell, buy, now)
            given = mid * (Decimal(10_000 - self.settings.spread_bps) / Decimal(10_000))
            buy_amount = converted(sell_amount, sell, buy, given)
            if buy_amount <= 0:
                raise Conflict(f"selling {sell_amount} minor units of {sell} buys no {buy}")
            if buy_amount > AMOUNT_MAX:
                raise Conflict(f"selling {sell_amount} minor units of {sell} buys too much {buy}")
            made = FxQuote(
                id=new_id(),
                tenant=who.tenant,
                sell_currency=sell,
                buy_currency=buy,
                sell_amount=sell_amount,
                buy_amount=buy_amount,
                rate=str(given.normalize()),
                spread_bps=self.settings.spread_bps,
                created_at=now,
                expires_at=now + int(self.settings.quote_ttl * NS),
            )
            await self.store.add_quote(made)
            return made

    def _rate(self, rates: list[FxRate], sell: str, buy: str, now: int) -> Decimal:
        oldest = now - int(self.settings.rate_max_age * NS)
        for r in rates:
            if (r.base, r.quote) in ((sell, buy), (buy, sell)):
                if r.as_of < oldest:
                    raise StaleRate(f"the {r.base}/{r.quote} rate is older than the maximum age")
                value = Decimal(r.rate)
                return value if r.base == sell else Decimal(1) / value
        raise StaleRate(f"no {sell}/{buy} rate is set")

    async def convert(
        self,
        who: Principal,
        quote_id: uuid.UUID,
        debit_account_id: uuid.UUID,
        credit_account_id: uuid.UUID,
    ) -> tuple[Intent, bool]:
        """Submit the conversion at a quote (its reference: a quote is used once)."""
        with acting(who, Role.WRITE):
            if await self.store.quote(who.tenant, quote_id) is None:
                raise NotFound(f"quote {quote_id} not found")
            body = {
                "quote_id": str(quote_id),
                "debit_account_id": str(debit_account_id),
                "credit_account_id": str(credit_account_id),
            }
            submitted = await self.intents.submit_checked(who, CONVERT, f"fx:{quote_id}", body)
            return submitted.intent, submitted.created
