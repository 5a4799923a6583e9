"""Interest on the bank's accounts on both backends: `banking.interest.accrue` accrues each
account day by day on the `everyday` product's bands and capitalises the month end into the
account, once however often a day is asked for; a frozen account's month end is reported and
left for the next run; closed accounts earn nothing; days not over cannot be accrued."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from strongroom.banking.interest import ACCRUE
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of
from strongroom.errors import PermissionDenied, ValidationError
from strongroom.ledger import Account, CreateAccountResult
from strongroom.products import load_product
from strongroom.products.interest import AccrualState, accrue_day
from strongroom.services.access import Principal, Role
from tests.banking.conftest import EXAMPLES, TENANT, Bank, Travel, key

PRODUCT = load_product(EXAMPLES / "everyday-v1.yaml")
INTEREST_EXPENSE, INTEREST_PAYABLE, INTEREST_INCOME, INTEREST_RECEIVABLE = (
    uuid.UUID(f"0192f5a0-0000-7000-8000-00000000000{n}") for n in (3, 4, 5, 6)
)


@pytest.fixture
def clock() -> Travel:
    return Travel()


@pytest.fixture
async def ops(platform: Platform, bank: Bank) -> Principal:
    accounts = [
        Account(id=i, ledger="SGD", code=9, tenant=TENANT)
        for i in (INTEREST_EXPENSE, INTEREST_PAYABLE, INTEREST_INCOME, INTEREST_RECEIVABLE)
    ]
    assert set(await bank.ledger.create_accounts(accounts)) == {CreateAccountResult.OK}
    return await key(platform, Role.ADMIN, "ops")


def model(balance: int, first: datetime.date, until: datetime.date) -> tuple[int, int]:
    """(capitalised, accrued since) after accruing `balance` from `first` to before `until`:
    the product's own day arithmetic, on a balance only capitalisation moves."""
    assert PRODUCT.interest is not None
    state, capitalised, day = AccrualState(), 0, first
    while day < until:
        step, state = accrue_day(PRODUCT.interest, state, balance + capitalised, day)
        capitalised += step.capitalise_credit
        day += datetime.timedelta(days=1)
    return capitalised, state.month_credit


def after_month_end(day: datetime.date) -> datetime.date:
    """The 2nd of the month after `day`'s: its month end is over."""
    return (day.replace(day=28) + datetime.timedelta(days=5)).replace(day=2)


async def run(bank: Bank, ops: Principal, day: datetime.date) -> dict[str, Any]:
    submitted = await bank.banking.periodic.accrue(ops, day)
    done = await bank.done(submitted.intent.id)
    assert done.state == "accrued", done.error
    result: dict[str, Any] = done.results["accrue"]
    return result


async def test_interest_accrues_daily_and_is_capitalised_at_the_month_end_once(
    bank: Bank, ops: Principal, clock: Travel
) -> None:
    saver = await bank.customer_account(funded=1_500_000)
    opened = day_of(clock.now_ns())
    until = after_month_end(opened)
    capitalised, accrued = model(1_500_000, opened, until)
    assert capitalised > 0
    await bank.travel(until)

    result = await run(bank, ops, until)

    assert result["days"] == (until - opened).days
    assert result["capitalised_credit"] == capitalised
    assert result["failed"] == 0
    assert await bank.balances(saver, INTEREST_PAYABLE) == [1_500_000 + capitalised, accrued]
    assert (await bank.balances(INTEREST_EXPENSE))[0] == -(capitalised + accrued)
    assert not (await bank.banking.periodic.accrue(ops, until)).created
    assert (await run(bank, ops, until - datetime.timedelta(days=3)))["days"] == 0
    assert await bank.balances(saver, INTEREST_PAYABLE) == [1_500_000 + capitalised, accrued]
    assert (await run(bank, ops, until + datetime.timedelta(days=1)))["days"] == 1


async def test_a_frozen_account_is_reported_at_its_month_end_and_the_others_go_on(
    bank: Bank, ops: Principal, clock: Travel
) -> None:
    frozen = await bank.customer_account(funded=500_000)
    other = await bank.customer_account(funded=500_000)
    await bank.freeze(frozen)
    opened = day_of(clock.now_ns())
    until = after_month_end(opened)
    await bank.travel(until)

    result = await run(bank, ops, until)

    assert result["failed"] == 1
    (failure,) = result["failures"]
    assert (failure["account_id"], failure["reason"]) == (str(frozen), "account_frozen")
    capitalised, _ = model(500_000, opened, until)
    assert await bank.balances(frozen, other) == [500_000, 500_000 + capitalised]


async def test_closed_accounts_earn_nothing_and_clerks_cannot_run_it(
    platform: Platform, bank: Bank, ops: Principal, clock: Travel
) -> None:
    account = await bank.customer_account()
    closing, _ = await bank.banking.accounts.close(ops, account, "close")
    assert (await bank.done(closing.id)).state == "closed"
    day = day_of(clock.now_ns()) + datetime.timedelta(days=10)
    await bank.travel(day)
    assert (await run(bank, ops, day))["accounts"] == 0
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await bank.banking.periodic.accrue(clerk, day)


async def test_days_not_over_cannot_be_accrued(bank: Bank, ops: Principal, clock: Travel) -> None:
    too_soon = day_of(clock.now_ns()) + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as refused:
        await bank.banking.periodic.accrue(ops, too_soon)
    assert refused.value.field == "date"
    asked = await bank.intents.submit(ops, ACCRUE, "far", {"date": "9999-12-31"})
    failed = await bank.done(asked.intent.id)
    assert failed.state == "failed"
    assert "days not over" in (failed.error or "")


async def test_a_scheduled_run_takes_its_day_from_its_fire_time(bank: Bank, ops: Principal) -> None:
    await bank.customer_account(funded=100_000)
    submitted = await bank.intents.submit(ops, ACCRUE, "schedule:banking:interest:1", {})
    done = await bank.done(submitted.intent.id)
    assert done.results["accrue"]["date"] == day_of(done.created_at).isoformat()
    assert done.results["accrue"]["days"] == 0
