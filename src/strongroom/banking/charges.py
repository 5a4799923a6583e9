"""Monthly charges: `banking.charges.monthly` charges every account of the tenant not closed its
product's `monthly_maintenance` fees, and its `dormancy` fees when it is dormant, once per month.

The month is the payload's `month` (YYYY-MM), or the UTC month the intent was created in: a
durable schedule (`cron 5 0 1 * *`) submits one at the start of each month. Each account's
charges for a kind and month are one linked chain (fees, then taxes on them) whose ids derive
from (account, kind, month) (`products.posting.periodic_key`), so a replayed step or a month asked
twice charges once. A fee is priced like any other (`products.quote`): waivers such as
`waive_when_balance_at_least` see the account's balance before the charge.

An account is dormant when it was opened at least `dormant_after_days` (the product's) before the
1st of the month and no movement of its customer's (a payment, a refund, a card payment, a
deposit, a conversion, a pot move; either way) touched it since then; fees, taxes and interest do
not count as activity. An account that cannot pay a charge (frozen, or beyond its arranged
overdraft) is charged nothing for it and listed in the run's result with the ledger's reason.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec

from strongroom.banking import codes
from strongroom.banking.book import Booked, book
from strongroom.banking.ports import BankStore
from strongroom.banking.runs import failed, run_type, summary
from strongroom.days import NS, day_of, day_start
from strongroom.ledger import Ledger
from strongroom.ledger.queries import PAGE_MAX, TransferQuery
from strongroom.products.definitions import ProductDefinition
from strongroom.products.events import Event, EventKind
from strongroom.products.posting import PostingResult, charge_transfers, link, periodic_key
from strongroom.products.quote import quote
from strongroom.products.stored import StoredProductCatalog
from strongroom.workflows.definitions import (
    IntentType,
    StepContext,
    StepFailed,
)

CHARGE = "banking.charges.monthly"
CHARGED = "banking.charges.charged"
#: The movements of a customer's own that keep an account from being dormant.
ACTIVITY = frozenset(
    {
        codes.PAYMENT,
        codes.REFUND,
        codes.CARD,
        codes.DEPOSIT,
        codes.POT_MOVE,
        codes.ROUND_UP,
        codes.FX,
    }
)
#: The calendar fees, in the order an account is charged them.
KINDS = (EventKind.MONTHLY_MAINTENANCE, EventKind.DORMANCY)


class MonthlyCharges(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: The month charged; absent: the UTC month the intent was created in.
    month: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None


def first_of(month: str | None, created_at: int) -> datetime.date:
    """The 1st of the month charged."""
    if month is None:
        return day_of(created_at).replace(day=1)
    return datetime.date.fromisoformat(f"{month}-01")


def not_begun(first: datetime.date, now: int) -> str | None:
    """Why the month beginning on `first` cannot be charged yet, if it cannot."""
    current = day_of(now).replace(day=1)
    if first > current:
        return f"{first:%Y-%m} has not begun (it is {current:%Y-%m})"
    return None


async def active_since(ledger: Ledger, account_id: uuid.UUID, since: int) -> bool:
    """Whether a movement of the customer's touched the account at or after `since` (ns)."""
    cursor: str | None = None
    while True:
        page = await ledger.get_account_transfers(
            TransferQuery(
                account_id, timestamp_min=since, limit=PAGE_MAX, reverse=True, cursor=cursor
            )
        )
        if any(t.code in ACTIVITY for t in page.items):
            return True
        cursor = page.next_cursor
        if cursor is None:
            return False


async def dormant(ledger: Ledger, booked: Booked, first: datetime.date) -> bool:
    after = booked.product.dormant_after_days
    if after is None:
        return False
    since = day_start(first) - after * 86_400 * NS
    return booked.account.opened_at <= since and not await active_since(
        ledger, booked.account.id, since
    )


def _due(product: ProductDefinition) -> list[EventKind]:
    return [kind for kind in KINDS if product.fees_by_event.get(kind)]


def monthly_type(
    bank: BankStore, ledger: Ledger, catalog: StoredProductCatalog
) -> IntentType[MonthlyCharges]:
    async def charge(context: StepContext[MonthlyCharges]) -> Any:
        tenant = context.intent.tenant
        first = first_of(context.payload.month, context.intent.created_at)
        refusal = not_begun(first, context.now)
        if refusal is not None:
            raise StepFailed(refusal)
        month = first.strftime("%Y-%m")
        totals: dict[str, Any] = {
            "month": month,
            "accounts": 0,
            "charged": 0,
            "dormant": 0,
            "fees": 0,
            "taxes": 0,
            "failed": 0,
            "failures": [],
        }
        async for page in book(bank, catalog, tenant):
            due = [(b, kinds) for b in page if (kinds := _due(b.product))]
            held = {
                a.id: a.balance
                for a in await ledger.lookup_accounts([b.account.id for b, _ in due])
            }
            for booked, kinds in due:
                account_id = booked.account.id
                totals["accounts"] += 1
                balance = held.get(account_id, 0)
                for kind in kinds:
                    if kind is EventKind.DORMANCY:
                        if not await dormant(ledger, booked, first):
                            continue
                        totals["dormant"] += 1
                    product = booked.product
                    q = quote(product, Event(kind, 0, product.currency, first, balance))
                    chain = link(
                        charge_transfers(
                            q,
                            customer_account_id=account_id,
                            chain_key=periodic_key(account_id, str(kind), month),
                            ledger=product.currency,
                            tenant=tenant,
                        )
                    )
                    if not chain:
                        continue
                    posted = PostingResult(
                        tuple(chain), tuple(await ledger.create_transfers(chain))
                    )
                    if posted.failure is None:
                        totals["charged"] += 1
                        totals["fees"] += q.total_fees
                        totals["taxes"] += q.total_taxes
                        balance -= q.total_charged
                        continue
                    failure = {"account_id": str(account_id), "kind": str(kind)}
                    failed(totals, {**failure, "reason": posted.failure.value})
        context.emit(CHARGED, summary(totals))
        return totals

    return run_type(
        CHARGE,
        MonthlyCharges,
        ("charge", charge),
        "charged",
        "banking:monthly-charges",
        "Charge every account its product's monthly and dormancy fees, once a month.",
    )
