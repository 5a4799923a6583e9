from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from strongroom.bootstrap import open_ledger, open_product_store
from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, CreateTransferResult, Ledger, Transfer
from strongroom.products.accrual import AccrualJob, AccrualTarget, InMemoryAccrualStore
from strongroom.products.businessdate import ManualBusinessDate
from strongroom.products.definitions import ProductDefinition, parse_product
from strongroom.products.interest import AccrualState
from strongroom.products.stored import StoredAccrualStore
from strongroom.store.urls import parse_url

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
    ledger = await open_ledger(db_url, sweep_interval=None)
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


class Crash(Exception):
    """The accrual process dies."""


class CrashAfter:
    """The ledger, except that the process "dies" right after the ledger accepted the n-th
    chain: the day is posted but the job never saved its state (the worst moment)."""

    def __init__(self, ledger: Ledger, n: int | None) -> None:
        self._ledger = ledger
        self._n = n
        self.calls = 0

    async def create_transfers(self, transfers: Sequence[Transfer]) -> list[CreateTransferResult]:
        results = await self._ledger.create_transfers(transfers)
        self.calls += 1
        if self.calls == self._n:
            raise Crash
        return results

    async def lookup_accounts(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Account]:
        return await self._ledger.lookup_accounts(ids, tenant=tenant)

    async def lookup_transfers(
        self, ids: Sequence[uuid.UUID], *, tenant: str | None = None
    ) -> list[Transfer]:
        return await self._ledger.lookup_transfers(ids, tenant=tenant)


RestartOutcome = tuple[set[tuple[bytes, bytes, bytes, int, int]], list[AccrualState | None], int]


async def accrue_with_restarts(
    url: str, product: ProductDefinition, customers: list[uuid.UUID], crash_at: int | None
) -> RestartOutcome:
    """Seven runs, ten business days apart (1 Jan to 11 Mar), for three accounts (two savers,
    one overdrawn), with the process crashing after the `crash_at`-th posted day; after the
    crash everything is reopened from the database and the run is repeated."""
    settlement = uuid.UUID("0192f5a0-0000-7000-8000-0000000000f0")
    ledger = await open_ledger(url, sweep_interval=None)
    accounts = [Account(id=settlement, ledger="SGD", code=9)]
    accounts += [Account(id=i, ledger="SGD", code=100) for i in product.accounts.values()]
    flags = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts += [
        Account(id=c, ledger="SGD", code=1, flags=flags, overdraft_limit=500_000) for c in customers
    ]
    assert all(r.succeeded for r in await ledger.create_accounts(accounts))
    await deposit(ledger, settlement, customers[0], 1_000_000, "SGD")
    await deposit(ledger, settlement, customers[1], 2_345_678, "SGD")
    (spent,) = await ledger.create_transfers(
        [Transfer(new_id(), customers[2], settlement, 100_000, "SGD", code=10)]
    )
    assert spent.succeeded
    store = await open_product_store(url)
    targets = [AccrualTarget(c, product, opened_on=JAN_1) for c in customers]
    clock = ManualBusinessDate(JAN_1)
    crashes = 0
    try:
        for _ in range(7):
            clock.advance(10)
            port = CrashAfter(ledger, crash_at if crashes == 0 else None)
            try:
                report = await AccrualJob(port, StoredAccrualStore(store), clock).run(targets)
            except Crash:
                crashes += 1
                await ledger.close()
                await store.close()
                ledger = await open_ledger(url, sweep_interval=None)
                store = await open_product_store(url)
                report = await AccrualJob(ledger, StoredAccrualStore(store), clock).run(targets)
            assert report.failures == []
            if crash_at is not None:
                crash_at -= port.calls
        states = [await StoredAccrualStore(store).load(c) for c in customers]
    finally:
        await ledger.close()
        await store.close()
    with contextlib.closing(sqlite3.connect(parse_url(url).target)) as db:
        postings = db.execute(
            "SELECT id, debit_account_id, credit_account_id, amount, code FROM transfers"
            " WHERE code BETWEEN 3001 AND 3004"
        ).fetchall()
    assert len(postings) == len(set(postings))
    return set(postings), states, crashes


@pytest.mark.slow
async def test_a_crashed_accrual_resumes_with_exactly_the_postings_of_an_uninterrupted_run(
    tmp_path: Path, product: ProductDefinition
) -> None:
    customers = [new_id() for _ in range(3)]
    expected, expected_states, crashes = await accrue_with_restarts(
        f"sqlite:///{tmp_path}/clean.db", product, customers, None
    )
    assert crashes == 0
    assert len(expected) > 3 * 70  # every day of 70 for three accounts, plus month ends
    assert {p[4] for p in expected} == {3001, 3002, 3003, 3004}
    assert all(s is not None and s.last_day == date(2026, 3, 11) for s in expected_states)
    for crash_at in (
        91,  # right after the first account's 31 January: its capitalisation is in the ledger
        95,  # in the middle of a ten-day run
        179,  # the overdrawn account's 28 February: its overdraft interest was capitalised
    ):
        postings, states, crashes = await accrue_with_restarts(
            f"sqlite:///{tmp_path}/crash-{crash_at}.db", product, customers, crash_at
        )
        assert crashes == 1
        assert postings == expected  # no duplicate, no gap, the same amounts
        assert states == expected_states  # the same residues carried
