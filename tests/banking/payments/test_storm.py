"""A payment storm under SIGKILL, on PostgreSQL: customers' accounts on the `everyday` product
pay each other ~1,000 times (with fees once the free ones are used), then refund some of the
settled payments, while three `strongroom worker intents` processes run the intents and one of
them is killed every few hundred milliseconds and restarted. Afterwards every payment and refund
is terminal, each account's balance is its funding plus what it received minus what it paid with
its charges, refunds included, nothing is left held, every charge reached the bank's fee and tax
accounts, and the ledger's invariants hold."""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from pathlib import Path

import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.workflows.types import IntentStatus
from tests.banking.conftest import FEE_INCOME, TAX_PAYABLE, Bank, key, open_bank
from tests.conftest import fresh_pg_schema
from tests.workers import SOURCE, Worker, database, kill_while_working

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ACCOUNTS = 16
PAYMENTS = 900
REFUNDS = 120
FUNDS = 50_000
KILL_FOR = 40.0
SETTLE_WITHIN = 150.0


async def _done(bank: Bank, ids: list[uuid.UUID]) -> int:
    found = [await bank.intents.store.get(i) for i in ids]
    return sum(1 for i in found if i is not None and i.status is IntentStatus.DONE)


async def _storm(
    env: dict[str, str], cwd: Path, bank: Bank, ids: list[uuid.UUID], at_least: int
) -> int:
    """Run workers until every intent of `ids` is done, killing them while most are not; the
    number of kills."""
    workers = [Worker(env, cwd) for _ in range(3)]
    loop = asyncio.get_running_loop()

    async def progress() -> float:
        return await _done(bank, ids) / len(ids)

    try:
        await asyncio.gather(*(w.start() for w in workers))
        kills = await kill_while_working(
            workers, random.Random(11), progress, seconds=KILL_FOR, at_least=at_least
        )
        deadline = loop.time() + SETTLE_WITHIN
        while (done := await _done(bank, ids)) < len(ids):
            assert loop.time() < deadline, f"{len(ids) - done} intents not done"
            await asyncio.sleep(0.3)
    finally:
        await asyncio.gather(*(w.stop() for w in workers))
    return kills


async def test_a_payment_storm_survives_workers_killed_mid_step(tmp_path: Path) -> None:
    async with fresh_pg_schema() as url:
        settings = Settings(db_url=url, key_file=tmp_path / "keys", intent_lease=1.0)
        async with Platform(settings) as platform, database(url):
            bank = await open_bank(platform)
            engine = await platform.intent_engine()
            await engine.start()
            accounts = [await bank.customer_account(funded=FUNDS) for _ in range(ACCOUNTS)]
            await engine.stop()
            env = {
                **os.environ,
                "PYTHONPATH": SOURCE,
                "STRONGROOM_DB_URL": url,
                "STRONGROOM_KEY_FILE": str(tmp_path / "keys"),
                "STRONGROOM_INTENT_LEASE": "1",
                "STRONGROOM_INTENT_POLL_INTERVAL": "0.02",
            }
            payer = await key(platform, Role.WRITE, "storm")
            rng = random.Random(5)
            asked: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID, int]] = {}
            for n in range(PAYMENTS):
                debit, credit = rng.sample(accounts, 2)
                amount = rng.randint(100, 9_000)
                body = {
                    "debit_account_id": str(debit),
                    "credit_account_id": str(credit),
                    "amount": amount,
                    "currency": "SGD",
                }
                payment, _ = await bank.payments.pay(payer, f"storm-{n}", body)
                asked[payment.intent.id] = (debit, credit, amount)
            kills = await _storm(env, tmp_path, bank, list(asked), at_least=5)
            settled = {}
            for payment_id, (debit, credit, amount) in asked.items():
                intent = await bank.intents.store.get(payment_id)
                assert intent is not None
                assert intent.state in ("settled", "failed"), intent
                if intent.state == "failed":
                    assert intent.error is not None
                    assert "insufficient funds" in intent.error, intent.error
                else:
                    limits = intent.results["limits"]
                    settled[payment_id] = (debit, credit, amount, limits["fees"] + limits["taxes"])
            refunds = {}
            for n, payment_id in enumerate(rng.sample(sorted(settled), REFUNDS)):
                amount = rng.randint(1, settled[payment_id][2])
                refund, _ = await bank.payments.refund(payer, payment_id, f"r-{n}", amount, "x")
                refunds[refund.id] = (payment_id, amount)
            kills += await _storm(env, tmp_path, bank, list(refunds), at_least=1)
            expected = dict.fromkeys(accounts, FUNDS)
            charges = 0
            for debit, credit, amount, charged in settled.values():
                expected[debit] -= amount + charged
                expected[credit] += amount
                charges += charged
            for refund_id, (payment_id, amount) in refunds.items():
                intent = await bank.intents.store.get(refund_id)
                assert intent is not None
                assert intent.state in ("refunded", "failed"), intent
                if intent.state == "refunded":
                    debit, credit, _, _ = settled[payment_id]
                    expected[credit] -= amount
                    expected[debit] += amount
                else:
                    assert intent.error is not None
                    assert "insufficient funds" in intent.error, intent.error
            held = await bank.ledger.lookup_accounts(accounts)
            assert {a.id: a.balance for a in held} == expected
            assert all((a.debits_pending, a.credits_pending) == (0, 0) for a in held)
            assert sum(await bank.balances(FEE_INCOME, TAX_PAYABLE)) == charges
            report = await bank.ledger.check_invariants()
            assert report.ok, report.violations
            assert len(settled) > PAYMENTS // 2
            assert kills >= 6
