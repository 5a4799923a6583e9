"""Card authorisations on both backends: held then captured in part (the rest released by the
ledger), held then released, a hold that expires and can no longer be captured, a capture
larger than the hold refused, a second capture refused, and the card limits of the product."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.errors import NotFound
from strongroom.services.access import Principal, Role
from strongroom.workflows.types import Intent
from tests.banking.conftest import Bank, key


@pytest.fixture
async def acquirer(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "card-scheme")


def authorisation(account: uuid.UUID, amount: int, **extra: object) -> dict[str, object]:
    return {
        "account_id": str(account),
        "amount": amount,
        "currency": "SGD",
        "merchant": {"name": "Kopi Corner", "country": "SG", "category": "5814"},
        **extra,
    }


async def held(bank: Bank, who: Principal, reference: str, body: dict[str, object]) -> Intent:
    intent, created = await bank.payments.authorise(who, reference, body)
    assert created
    return await bank.until(intent.id, lambda i: i.state in ("held", "declined"))


async def test_a_hold_captured_in_part_moves_the_captured_amount_and_releases_the_rest(
    bank: Bank, acquirer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    hold = await held(bank, acquirer, "auth-1", authorisation(a, 4_000))
    assert hold.state == "held"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.debits_pending) == (10_000, 4_000)
    capture, _ = await bank.payments.capture(acquirer, hold.id, "cap-1", 3_250)
    assert (await bank.done(capture.id)).state == "captured"
    assert (await bank.done(hold.id)).state == "captured"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.debits_pending) == (6_750, 0)
    again, _ = await bank.payments.capture(acquirer, hold.id, "cap-2", 1)
    refused = await bank.done(again.id)
    assert refused.state == "failed"
    assert refused.error is not None
    assert "is captured, not held" in refused.error


async def test_a_released_hold_gives_the_money_back(bank: Bank, acquirer: Principal) -> None:
    a = await bank.customer_account(funded=10_000)
    hold = await held(bank, acquirer, "auth-2", authorisation(a, 4_000))
    release, _ = await bank.payments.release(acquirer, hold.id, "rel-1")
    assert (await bank.done(release.id)).state == "released"
    assert (await bank.done(hold.id)).state == "released"
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.debits_pending) == (10_000, 0)


async def test_a_capture_above_the_hold_or_of_an_unknown_hold_is_refused(
    bank: Bank, acquirer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    hold = await held(bank, acquirer, "auth-3", authorisation(a, 4_000))
    capture, _ = await bank.payments.capture(acquirer, hold.id, "cap-3", 4_001)
    refused = await bank.done(capture.id)
    assert refused.state == "failed"
    assert refused.error is not None
    assert "exceeds the 4000 held" in refused.error
    with pytest.raises(NotFound):
        await bank.payments.capture(acquirer, uuid.uuid4(), "cap-4", 1)


async def test_a_hold_the_ledger_expired_cannot_be_captured(
    bank: Bank, acquirer: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    hold = await held(bank, acquirer, "auth-4", authorisation(a, 4_000, hold_seconds=1))
    await asyncio.sleep(1.2)
    await bank.ledger.expire_pending()
    (account,) = await bank.ledger.lookup_accounts([a])
    assert (account.balance, account.debits_pending) == (10_000, 0)
    capture, _ = await bank.payments.capture(acquirer, hold.id, "cap-5", 100)
    refused = await bank.done(capture.id)
    assert refused.state == "failed"
    assert refused.error is not None
    assert "the hold expired" in refused.error
    assert (await bank.balances(a)) == [10_000]


async def test_a_card_payment_beyond_the_funds_or_the_daily_limit_is_declined(
    bank: Bank, acquirer: Principal
) -> None:
    poor = await bank.customer_account(funded=1_000)
    assert (await held(bank, acquirer, "auth-5", authorisation(poor, 1_001))).state == "declined"
    rich = await bank.customer_account(funded=3_000_000)
    for n in range(2):
        assert (
            await held(bank, acquirer, f"big-{n}", authorisation(rich, 500_000))
        ).state == "held"
    over = await held(bank, acquirer, "big-2", authorisation(rich, 1))
    assert over.state == "declined"
    assert over.error is not None
    assert "outflow-daily" in over.error
