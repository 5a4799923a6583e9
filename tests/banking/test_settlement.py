"""End-of-day settlement on both backends: the clearing account's balance (payments out to
beneficiaries, deposits in) moved into the settlement account once per currency and day, a
second run settling nothing more, a day with nothing to settle moving nothing."""

from __future__ import annotations

import datetime

import pytest

from strongroom.banking.clearing import clearing_account_id
from strongroom.banking.settlement import settlement_account_id
from strongroom.bootstrap.platform import Platform
from strongroom.errors import PermissionDenied, ValidationError
from strongroom.services.access import Principal, Role
from tests.banking.conftest import TENANT, Bank, key

DAY = datetime.date(2026, 12, 4)


@pytest.fixture
async def ops(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "ops")


async def test_the_clearing_balance_is_settled_once_per_day(
    platform: Platform, bank: Bank, ops: Principal
) -> None:
    customer = await bank.customer()
    a = await bank.customer_account(funded=100_000, customer=customer)
    payee = await bank.banking.beneficiaries.add(
        ops,
        customer,
        "b",
        {"name": "Landlord", "currency": "SGD", "iban": "DE89370400440532013000"},
    )
    body = {
        "debit_account_id": str(a),
        "beneficiary_id": str(payee.id),
        "amount": 30_000,
        "currency": "SGD",
    }
    paid, _ = await bank.payments.pay(ops, "rent", body)
    assert (await bank.done(paid.intent.id)).state == "settled"
    deposit, _ = await bank.payments.deposit(
        ops, "in", {"account_id": str(a), "amount": 12_000, "currency": "SGD"}
    )
    assert (await bank.done(deposit.id)).state == "settled"
    clearing, nostro = clearing_account_id(TENANT, "SGD"), settlement_account_id(TENANT, "SGD")
    assert (await bank.balances(clearing))[0] == 18_000
    first = await bank.banking.settlement.end_of_day(ops, "SGD", DAY)
    assert (await bank.done(first.id)).results["settle"]["amount"] == 18_000
    assert await bank.balances(clearing, nostro) == [0, 18_000]
    again = await bank.banking.settlement.end_of_day(ops, "SGD", DAY)
    assert again.id == first.id
    quiet = await bank.banking.settlement.end_of_day(ops, "SGD", DAY + datetime.timedelta(days=1))
    assert (await bank.done(quiet.id)).results["settle"]["amount"] == 0
    assert await bank.balances(clearing, nostro) == [0, 18_000]
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await bank.banking.settlement.end_of_day(clerk, "SGD", DAY)
    with pytest.raises(ValidationError):
        await bank.banking.settlement.end_of_day(ops, "XXY", DAY)
