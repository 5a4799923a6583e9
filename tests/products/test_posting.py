from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.ids import new_id
from strongroom.ledger import CreateTransferResult, Ledger, Transfer, TransferFlags
from strongroom.products.definitions import ProductDefinition, load_product
from strongroom.products.errors import LimitExceeded
from strongroom.products.events import Event, EventKind, Usage
from strongroom.products.posting import chain_for, periodic_key, post_quote
from strongroom.products.quote import Quote, quote

from .ledgerkit import assert_conserved, balances, deposit, open_accounts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
DAY = date(2026, 3, 10)


@pytest.fixture
def product() -> ProductDefinition:
    return load_product(EXAMPLES / "everyday-v1.yaml")


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    ledger = await open_ledger(db_url, sweep_interval=None)
    try:
        yield ledger
    finally:
        await ledger.close()


def used_up(kind: EventKind, n: int) -> Usage:
    """Usage after `n` events of `kind` earlier in the month (past any free allowance)."""
    usage = Usage()
    for _ in range(n):
        usage = usage.record(Event(kind, 1, "SGD", DAY))
    return usage


def priced_out(product: ProductDefinition, amount: int) -> Quote:
    """A transfer out after the month's 3 free ones, so the fee applies."""
    return quote(
        product,
        Event(EventKind.TRANSFER_OUT, amount, "SGD", DAY),
        used_up(EventKind.TRANSFER_OUT, 3),
    )


def transfer_out(customer: uuid.UUID, to: uuid.UUID, amount: int) -> Transfer:
    return Transfer(new_id(), customer, to, amount, "SGD", code=10)


async def test_charges_post_with_the_movement_and_totals_are_conserved(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, (customer,) = await open_accounts(ledger, product)
    await deposit(ledger, settlement, customer, 1_000_000, "SGD")
    # 0.25% of 123 456 = 308.64 -> 309 fee (min 50, max 1 000); 9% GST of 309 = 27.81 -> 28.
    movement = transfer_out(customer, settlement, 123_456)
    q = quote(
        product,
        Event(EventKind.TRANSFER_OUT, 123_456, "SGD", DAY),
        used_up(movement_kind := EventKind.TRANSFER_OUT, 3),
    )
    assert movement_kind is EventKind.TRANSFER_OUT
    assert (q.total_fees, q.total_taxes) == (309, 28)
    posted = await post_quote(ledger, q, customer_account_id=customer, movement=movement)
    assert posted.succeeded
    assert [t.flags & TransferFlags.LINKED for t in posted.transfers] == [
        TransferFlags.LINKED,
        TransferFlags.LINKED,
        TransferFlags.NONE,
    ]
    accounts = await balances(ledger, [customer, *product.accounts.values()])
    assert accounts[customer].balance == 1_000_000 - 123_456 - 309 - 28
    assert accounts[product.accounts["fee_income"]].credits_posted == 309
    assert accounts[product.accounts["tax_payable"]].credits_posted == 28
    await assert_conserved(ledger, [settlement, customer, *product.accounts.values()])

    # Retrying the same posting charges nothing twice.
    again = await post_quote(ledger, q, customer_account_id=customer, movement=movement)
    assert set(again.results) == {CreateTransferResult.EXISTS}
    after = await balances(ledger, [customer])
    assert after[customer].balance == accounts[customer].balance


async def test_a_failing_charge_fails_the_movement_too(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, (customer,) = await open_accounts(ledger, product)
    await deposit(ledger, settlement, customer, 100_000, "SGD")
    # The movement alone fits (100 000), but its 250 fee + 22 tax do not: nothing may move.
    movement = transfer_out(customer, settlement, 100_000)
    q = quote(
        product,
        Event(EventKind.TRANSFER_OUT, 100_000, "SGD", DAY),
        used_up(EventKind.TRANSFER_OUT, 3),
    )
    assert q.total_charged == 250 + 22
    posted = await post_quote(ledger, q, customer_account_id=customer, movement=movement)
    assert not posted.succeeded
    assert posted.failure is CreateTransferResult.EXCEEDS_CREDITS
    assert (await balances(ledger, [customer]))[customer].balance == 100_000


async def test_a_refused_limit_posts_nothing(ledger: Ledger, product: ProductDefinition) -> None:
    settlement, (customer,) = await open_accounts(ledger, product)
    await deposit(ledger, settlement, customer, 10_000_000, "SGD")
    # transfer-per-transaction allows SGD 5 000.00 = 500 000.
    movement = transfer_out(customer, settlement, 500_001)
    q = quote(product, Event(EventKind.TRANSFER_OUT, 500_001, "SGD", DAY))
    with pytest.raises(LimitExceeded) as info:
        await post_quote(ledger, q, customer_account_id=customer, movement=movement)
    assert (info.value.limit_id, info.value.headroom) == ("transfer-per-transaction", 500_000)
    assert (await balances(ledger, [customer]))[customer].debits_posted == 0


async def test_periodic_charges_without_a_movement(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, (customer,) = await open_accounts(ledger, product)
    await deposit(ledger, settlement, customer, 10_000, "SGD")
    q = quote(product, Event(EventKind.MONTHLY_MAINTENANCE, 0, "SGD", DAY, balance=10_000))
    key = periodic_key(customer, "maintenance", "2026-03")
    first = await post_quote(ledger, q, customer_account_id=customer, chain_key=key)
    second = await post_quote(ledger, q, customer_account_id=customer, chain_key=key)
    assert [r.value for r in first.results] == ["ok", "ok"]  # 500 fee + 45 GST
    assert set(second.results) == {CreateTransferResult.EXISTS}
    assert (await balances(ledger, [customer]))[customer].balance == 10_000 - 500 - 45
    await assert_conserved(ledger, [settlement, customer, *product.accounts.values()])


def test_chain_checks_its_inputs(product: ProductDefinition) -> None:
    q = quote(product, Event(EventKind.MONTHLY_MAINTENANCE, 0, "SGD", DAY))
    with pytest.raises(ValueError, match="chain key"):
        chain_for(q, customer_account_id=new_id())
    stranger = Transfer(new_id(), new_id(), new_id(), 5, "SGD", code=1)
    with pytest.raises(ValueError, match="not a side"):
        chain_for(q, customer_account_id=new_id(), movement=stranger)
    waived = quote(product, Event(EventKind.MONTHLY_MAINTENANCE, 0, "SGD", DAY, balance=10**9))
    assert chain_for(waived, customer_account_id=new_id(), chain_key=new_id()) == []
