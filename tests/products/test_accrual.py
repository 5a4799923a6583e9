from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from fractions import Fraction

import pytest

from strongroom.ids import new_id
from strongroom.ledger import CreateTransferResult, Ledger, Transfer
from strongroom.products.accrual import AccrualJob, AccrualTarget, InMemoryAccrualStore
from strongroom.products.businessdate import ManualBusinessDate
from strongroom.products.definitions import ProductDefinition, parse_product
from strongroom.products.interest import AccrualState

from .ledgerkit import assert_conserved, balances, deposit, open_accounts

SAVER = """\
product: saver
version: 1
currency: SGD
accounts:
  interest_expense: 0192f5a0-0000-7000-8000-0000000000a1
  interest_payable: 0192f5a0-0000-7000-8000-0000000000a2
  interest_income: 0192f5a0-0000-7000-8000-0000000000a3
  interest_receivable: 0192f5a0-0000-7000-8000-0000000000a4
interest:
  day_count: ACT/365
  credit:
    bands: [{from: 0, percent: 2}]
  overdraft:
    bands: [{from: 0, percent: 18}]
"""
JAN_1 = date(2026, 1, 1)


@pytest.fixture
def product() -> ProductDefinition:
    return parse_product(SAVER, "saver.yaml")


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    ledger = await Ledger.open(db_url, sweep_interval=None)
    try:
        yield ledger
    finally:
        await ledger.close()


async def test_daily_accrual_and_monthly_capitalisation_on_the_ledger(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, (customer,) = await open_accounts(ledger, product)
    await deposit(ledger, settlement, customer, 1_000_000, "SGD")
    store = InMemoryAccrualStore()
    clock = ManualBusinessDate(JAN_1)
    job = AccrualJob(ledger, store, clock)
    target = AccrualTarget(customer, product, opened_on=JAN_1)
    interest = product.interest
    assert interest is not None

    # End of day, every day of January: the business date moves on, the job accrues the day.
    for day in range(31):
        clock.advance()
        report = await job.run([target])
        (run,) = report.accounts
        assert (run.days, run.failure) == (1, None)
        # Day 1: 20 000/365 = 54.79 -> 55 (two legs only on the 31st: accrue + capitalise).
        assert run.transfers_ok == (2 if day == 30 else 1)
        if day == 9:
            # With the carried state lost, re-running 1-10 January only meets `exists`: the
            # transfer ids are the idempotency keys (no capitalisation has moved the balance).
            lost = AccrualJob(ledger, InMemoryAccrualStore(), ManualBusinessDate(clock.today()))
            (replayed,) = (await lost.run([target])).accounts
            assert (replayed.days, replayed.transfers_ok, replayed.transfers_existing) == (
                10,
                0,
                10,
            )
    accounts = await balances(ledger, [customer, interest.accrued_account])
    # Same arithmetic as the ACT/365 golden in test_interest: 620 000/365 = 1 698.63 -> 1 699.
    assert accounts[customer].balance == 1_000_000 + 1_699
    payable = accounts[interest.accrued_account]
    assert payable.credits_posted == payable.debits_posted == 1_699  # all of it capitalised
    assert store.states[customer].residue_credit == Fraction(-27, 73)

    # Re-running the same business date posts nothing new.
    again = await job.run([target])
    assert (again.transfers_ok, again.accounts[0].days) == (0, 0)
    after = await balances(ledger, [customer])
    assert after[customer].balance == 1_000_000 + 1_699
    await assert_conserved(ledger, [settlement, customer, *product.accounts.values()])


async def test_catch_up_runs_each_missed_day_and_capitalises(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, customers = await open_accounts(ledger, product, customers=2)
    for c in customers:
        await deposit(ledger, settlement, c, 1_000_000, "SGD")
    store = InMemoryAccrualStore()
    clock = ManualBusinessDate(JAN_1)
    job = AccrualJob(ledger, store, clock)
    targets = [AccrualTarget(c, product, opened_on=JAN_1) for c in customers]
    clock.advance(59)  # 1 Jan .. 28 Feb are closed
    report = await job.run(targets)
    assert [a.days for a in report.accounts] == [59, 59]
    assert [a.last_day for a in report.accounts] == [date(2026, 2, 28)] * 2
    for a in report.accounts:
        # Everything accrued was capitalised at the two month ends.
        assert a.capitalised_credit == a.credit_accrued > 1_699
        assert store.states[a.account_id].month_credit == 0
    accounts = await balances(ledger, customers)
    assert {a.balance for a in accounts.values()} == {1_000_000 + report.accounts[0].credit_accrued}
    await assert_conserved(ledger, [settlement, *customers, *product.accounts.values()])


async def test_overdraft_interest_is_charged_to_the_customer(
    ledger: Ledger, product: ProductDefinition
) -> None:
    settlement, (customer,) = await open_accounts(ledger, product, overdraft_limit=500_000)
    (spent,) = await ledger.create_transfers(
        [Transfer(new_id(), customer, settlement, 100_000, "SGD", code=10)]
    )
    assert spent.succeeded
    interest = product.interest
    assert interest is not None
    clock = ManualBusinessDate(date(2026, 4, 1))
    clock.advance(30)  # April has 30 days
    report = await AccrualJob(ledger, InMemoryAccrualStore(), clock).run(
        [AccrualTarget(customer, product, opened_on=date(2026, 4, 1))]
    )
    (run,) = report.accounts
    # 100 000 * 18% / 365 = 49.32 a day; 30 days = 540 000/365 = 1 479.45 -> 1 479.
    assert run.overdraft_accrued == run.capitalised_overdraft == 1_479
    assert run.credit_accrued == 0
    accounts = await balances(ledger, [customer, interest.income_account])
    assert accounts[customer].balance == -100_000 - 1_479
    assert accounts[interest.income_account].credits_posted == 1_479
    await assert_conserved(ledger, [settlement, customer, *product.accounts.values()])


async def test_a_failed_day_is_reported_and_not_saved(
    ledger: Ledger, product: ProductDefinition
) -> None:
    _settlement, (customer,) = await open_accounts(ledger, product)  # no overdraft allowed
    store = InMemoryAccrualStore()
    # A state claiming an overdraft accrued earlier this month: capitalising it on 30 April
    # would take the customer below zero, which the ledger refuses.
    await store.save(customer, AccrualState(date(2026, 4, 29), month_overdraft=500))
    clock = ManualBusinessDate(date(2026, 5, 1))
    report = await AccrualJob(ledger, store, clock).run(
        [AccrualTarget(customer, product, opened_on=date(2026, 4, 1))]
    )
    (run,) = report.accounts
    assert (run.failed_day, run.failure) == (
        date(2026, 4, 30),
        CreateTransferResult.EXCEEDS_CREDITS,
    )
    assert report.failures == [run]
    assert store.states[customer].last_day == date(2026, 4, 29)  # the day will be retried
    assert (await balances(ledger, [customer]))[customer].debits_posted == 0
