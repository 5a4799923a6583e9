"""A real (SQLite) ledger with the accounts a product posts to, for posting and accrual tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, Ledger, Transfer
from strongroom.products.definitions import ProductDefinition

#: Where deposits come from: the bank's settlement (nostro) account, an asset with no limit.
SETTLEMENT_CODE = 9


async def open_accounts(
    ledger: Ledger, product: ProductDefinition, customers: int = 1, overdraft_limit: int = 0
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Create the product's accounts, a settlement account and customer deposit accounts."""
    settlement = new_id()
    customer_ids = [new_id() for _ in range(customers)]
    accounts = [Account(id=settlement, ledger=product.currency, code=SETTLEMENT_CODE)]
    accounts += [
        Account(id=account_id, ledger=product.currency, code=100 + i)
        for i, account_id in enumerate(product.accounts.values())
    ]
    accounts += [
        Account(
            id=c,
            ledger=product.currency,
            code=1,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            overdraft_limit=overdraft_limit,
        )
        for c in customer_ids
    ]
    results = await ledger.create_accounts(accounts)
    assert all(r.succeeded for r in results), results
    return settlement, customer_ids


async def deposit(
    ledger: Ledger, settlement: uuid.UUID, customer: uuid.UUID, amount: int, currency: str
) -> None:
    (result,) = await ledger.create_transfers(
        [Transfer(new_id(), settlement, customer, amount, currency, code=1)]
    )
    assert result.succeeded, result


async def balances(ledger: Ledger, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Account]:
    return {a.id: a for a in await ledger.lookup_accounts(list(ids))}


async def assert_conserved(ledger: Ledger, ids: Iterable[uuid.UUID]) -> None:
    """Double entry: over every account that moved, total debits equal total credits."""
    accounts = (await balances(ledger, ids)).values()
    debits = sum(a.debits_posted for a in accounts)
    credits = sum(a.credits_posted for a in accounts)
    assert debits == credits
    assert debits > 0  # not vacuous: something moved
