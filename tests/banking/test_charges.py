"""Monthly charges on both backends: `banking.charges.monthly` charges each account the
`everyday` product's maintenance fee with GST (waived at a balance of 2,000.00 or more) once a
month however often the month is asked for, adds the dormancy fee to accounts with no activity of
their customer's for a year, and lists an account that cannot pay instead of failing the run."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from strongroom.banking.charges import CHARGE
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of
from strongroom.errors import PermissionDenied, ValidationError
from strongroom.ledger import CreateTransferResult, Transfer
from strongroom.products import load_product
from strongroom.services.access import Principal, Role
from tests.banking.conftest import EXAMPLES, FEE_INCOME, TAX_PAYABLE, TENANT, Bank, Travel, key

PRODUCT = load_product(EXAMPLES / "everyday-v1.yaml")
MAINTENANCE, DORMANCY = 500 + 45, 300 + 27


@pytest.fixture
def clock() -> Travel:
    return Travel()


@pytest.fixture
async def ops(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "ops")


def this_month(bank: Bank) -> datetime.date:
    return day_of(bank.platform.clock.now_ns()).replace(day=1)


async def run(bank: Bank, ops: Principal, month: str) -> dict[str, Any]:
    submitted = await bank.banking.periodic.charge(ops, month)
    done = await bank.done(submitted.intent.id)
    assert done.state == "charged", done.error
    result: dict[str, Any] = done.results["charge"]
    return result


async def test_maintenance_is_charged_once_a_month_and_waived_for_a_high_balance(
    bank: Bank, ops: Principal
) -> None:
    low = await bank.customer_account(funded=10_000)
    high = await bank.customer_account(funded=250_000)
    month = this_month(bank).strftime("%Y-%m")

    result = await run(bank, ops, month)

    assert (result["accounts"], result["charged"], result["dormant"]) == (2, 1, 0)
    assert (result["fees"], result["taxes"]) == (500, 45)
    assert await bank.balances(low, high, FEE_INCOME, TAX_PAYABLE) == [
        10_000 - MAINTENANCE,
        250_000,
        500,
        45,
    ]
    scheduled = await bank.intents.submit(ops, CHARGE, "schedule:banking:charges:1", {})
    assert (await bank.done(scheduled.intent.id)).results["charge"]["month"] == month
    again = await bank.banking.periodic.charge(ops, month)
    assert not again.created
    assert await bank.balances(low, FEE_INCOME) == [10_000 - MAINTENANCE, 500]


async def test_a_year_without_a_movement_of_the_customer_s_makes_an_account_dormant(
    bank: Bank, ops: Principal
) -> None:
    idle = await bank.customer_account(funded=10_000)
    busy = await bank.customer_account(funded=10_000)
    fee = Transfer(uuid.uuid4(), idle, FEE_INCOME, 100, "SGD", 1006, tenant=TENANT)
    assert (await bank.ledger.create_transfers([fee]))[0] is CreateTransferResult.OK
    assert (await run(bank, ops, this_month(bank).strftime("%Y-%m")))["dormant"] == 0
    a_year_on = (this_month(bank) + datetime.timedelta(days=400)).replace(day=1)
    await bank.travel(a_year_on)
    deposit, _ = await bank.payments.deposit(
        ops, "in", {"account_id": str(busy), "amount": 100, "currency": "SGD"}
    )
    assert (await bank.done(deposit.id)).state == "settled"

    result = await run(bank, ops, a_year_on.strftime("%Y-%m"))

    assert (result["dormant"], result["charged"]) == (1, 3)
    assert await bank.balances(idle, busy) == [
        10_000 - 100 - 2 * MAINTENANCE - DORMANCY,
        10_000 + 100 - 2 * MAINTENANCE,
    ]


async def test_an_account_that_cannot_pay_is_listed_and_the_run_goes_on(
    platform: Platform, bank: Bank, ops: Principal
) -> None:
    frozen = await bank.customer_account(funded=10_000)
    broke = await bank.customer_account()
    paying = await bank.customer_account(funded=10_000)
    await bank.freeze(frozen)

    result = await run(bank, ops, this_month(bank).strftime("%Y-%m"))

    assert (result["charged"], result["failed"]) == (1, 2)
    reasons = {f["account_id"]: f["reason"] for f in result["failures"]}
    assert reasons == {str(frozen): "account_frozen", str(broke): "exceeds_credits"}
    assert await bank.balances(frozen, broke, paying) == [10_000, 0, 10_000 - MAINTENANCE]


async def test_a_month_is_checked_and_only_an_admin_runs_it(
    platform: Platform, bank: Bank, ops: Principal
) -> None:
    for month in (
        "2026-13",
        "12-2026",
        (this_month(bank) + datetime.timedelta(days=31)).strftime("%Y-%m"),
    ):
        with pytest.raises(ValidationError) as refused:
            await bank.banking.periodic.charge(ops, month)
        assert refused.value.field == "month"
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await bank.banking.periodic.charge(clerk, "2026-12")
