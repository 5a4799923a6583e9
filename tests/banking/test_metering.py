"""The bank meters its own operations on both backends: an account opened and a payment settled
reach billing's usage through the outbox, the relay and the metering consumer, once each."""

from __future__ import annotations

import asyncio

from strongroom.banking import metering
from strongroom.billing.types import TENANT_SUBJECT
from strongroom.bootstrap.components import start_components
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from tests.banking.conftest import TENANT, Bank, key


async def test_accounts_and_payments_are_metered_to_the_tenant(
    platform: Platform, bank: Bank
) -> None:
    components = await start_components(platform, ["audit", "metering", "relay"])
    try:
        payer = await bank.customer_account(funded=50_000)
        payee = await bank.customer_account()
        clerk = await key(platform, Role.WRITE, "clerk")
        body = {
            "debit_account_id": str(payer),
            "credit_account_id": str(payee),
            "amount": 1_234,
            "currency": "SGD",
        }
        paid, _ = await bank.payments.pay(clerk, "metered", body)
        assert (await bank.done(paid.intent.id)).state == "settled"
        store = await platform.billing_store()
        wanted = {metering.ACCOUNTS_OPENED: 2, metering.PAYMENTS: 1, metering.PAYMENT_VOLUME: 1}
        for _ in range(500):
            usage = await store.unbilled_usage(TENANT, [TENANT_SUBJECT], 2**62)
            metrics = [u.event.metric for u in usage]
            if all(metrics.count(m) >= n for m, n in wanted.items()):
                break
            await asyncio.sleep(0.02)
        assert {m: metrics.count(m) for m in wanted} == wanted
        volume = next(u.event for u in usage if u.event.metric == metering.PAYMENT_VOLUME)
        assert (volume.quantity, volume.properties) == (1_234, {"currency": "SGD"})
    finally:
        await components.stop()
