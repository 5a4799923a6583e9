"""Multi-part deposits on both backends: parts held as pending credits and posted together when
the last arrives; a part over what is still expected refused; a deposit whose parts did not all
arrive by the deadline expires and credits nothing."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from strongroom.banking.clearing import clearing_account_id
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Principal, Role
from strongroom.workflows.types import Intent
from tests.banking.conftest import TENANT, Bank, key


@pytest.fixture
async def teller(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "tess")


async def opened(
    bank: Bank, who: Principal, account: uuid.UUID, amount: int, expires_in: int
) -> Intent:
    body = {
        "account_id": str(account),
        "amount": amount,
        "currency": "SGD",
        "expires_in": expires_in,
    }
    intent, _ = await bank.payments.expect_parts(who, f"m-{uuid.uuid4()}", body)
    return await bank.until(intent.id, lambda i: i.state == "collecting")


async def part(bank: Bank, who: Principal, whole: uuid.UUID, amount: int) -> Intent:
    intent, _ = await bank.payments.add_part(who, whole, f"p-{uuid.uuid4()}", amount)
    return await bank.done(intent.id)


async def test_parts_are_pending_credits_until_the_last_completes_the_deposit(
    bank: Bank, teller: Principal
) -> None:
    a = await bank.customer_account()
    whole = await opened(bank, teller, a, 10_000, 3600)
    assert (await part(bank, teller, whole.id, 4_000)).state == "held"
    assert (await part(bank, teller, whole.id, 5_000)).state == "held"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.credits_pending) == (0, 9_000)
    too_much = await part(bank, teller, whole.id, 1_001)
    assert too_much.state == "failed"
    assert too_much.error is not None
    assert "exceeds the 1000 still expected" in too_much.error
    assert (await part(bank, teller, whole.id, 1_000)).state == "held"
    assert (await bank.done(whole.id)).state == "completed"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.credits_pending) == (10_000, 0)
    assert await bank.balances(clearing_account_id(TENANT, "SGD")) == [-10_000]
    late = await part(bank, teller, whole.id, 1)
    assert late.state == "failed"


async def test_a_deposit_missing_parts_at_its_deadline_expires_and_credits_nothing(
    bank: Bank, teller: Principal
) -> None:
    a = await bank.customer_account()
    whole = await opened(bank, teller, a, 10_000, 1)
    assert (await part(bank, teller, whole.id, 4_000)).state == "held"
    await asyncio.sleep(1.1)
    await bank.ledger.expire_pending()
    assert (await bank.done(whole.id)).state == "expired"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.credits_pending) == (0, 0)
    after = await part(bank, teller, whole.id, 6_000)
    assert after.state == "failed"
