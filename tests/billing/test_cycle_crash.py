"""A billing cycle survives its workers killed mid-run (PostgreSQL, three `strongroom worker
intents` processes, one SIGKILLed every few hundred milliseconds), and running the cycle twice
changes nothing: exactly one invoice per subject and period, each posted once, every event
billed, each paying account debited exactly its invoice, the ledger's invariants held."""

from __future__ import annotations

import asyncio
import datetime
import os
import random
import uuid
from pathlib import Path

import pytest

from strongroom.billing.types import UsageEvent
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_start
from strongroom.ledger import Account, AccountFlags, Transfer
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.workflows.types import Intent, IntentStatus
from tests.banking.conftest import key
from tests.conftest import fresh_pg_schema
from tests.workers import SOURCE, Worker, kill_while_working

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TENANT = "acme"
SUBJECTS = 1_200
EVENTS_EACH = 20
KILL_FOR = 30.0
DONE_WITHIN = 120.0


async def _open(platform: Platform, starts: datetime.date) -> tuple[list[uuid.UUID], uuid.UUID]:
    ledger = await platform.ledger()
    revenue, funding = uuid.uuid4(), uuid.uuid4()
    paying = [uuid.uuid4() for _ in range(SUBJECTS)]
    flags = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts = [Account(id=i, ledger="SGD", code=40, tenant=TENANT) for i in (revenue, funding)]
    accounts += [Account(id=i, ledger="SGD", code=100, flags=flags, tenant=TENANT) for i in paying]
    for start in range(0, len(accounts), 1000):
        await ledger.create_accounts(accounts[start : start + 1000])
    funds = [Transfer(uuid.uuid4(), funding, i, 10**7, "SGD", 9, tenant=TENANT) for i in paying]
    for start in range(0, len(funds), 1000):
        await ledger.create_transfers(funds[start : start + 1000])
    billing = await platform.billing()
    ops = await key(platform, Role.ADMIN, "ops")
    catalog = billing.catalog
    await catalog.put(ops, "rule_group", "calls", {"metric": "calls", "aggregation": "sum"})
    tier = {
        "currency": "SGD",
        "kind": "graduated",
        "bands": [{"up_to": 30, "unit_price": "0.10"}, {"unit_price": "0.07"}],
    }
    await catalog.put(ops, "tier", "calls", tier)
    cost = {
        "currency": "SGD",
        "revenue_account": str(revenue),
        "charges": [
            {"id": "calls", "description": "Calls", "rule_group": "calls", "tier": "calls"}
        ],
        "recurring": [{"id": "fee", "description": "Fee", "amount": "3.00"}],
    }
    await catalog.put(ops, "cost", "basic", cost)
    for n, account in enumerate(paying):
        body = {"cost": "basic", "starts": starts.isoformat(), "account": str(account)}
        await catalog.put(ops, "config", f"s{n}", body)
    rng = random.Random(3)
    start, end = day_start(starts), day_start(starts) + 27 * 86_400 * 10**9
    events = [
        UsageEvent(
            id=uuid.uuid4(),
            subject=f"s{n}",
            metric="calls",
            quantity=rng.randint(1, 9),
            at=rng.randrange(start, end),
        )
        for n in range(SUBJECTS)
        for _ in range(EVENTS_EACH)
    ]
    for at in range(0, len(events), 5000):
        await billing.usage.record(TENANT, events[at : at + 5000])
    return paying, revenue


async def test_a_cycle_killed_mid_run_invoices_each_period_once(tmp_path: Path) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    starts = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    async with fresh_pg_schema() as url:
        settings = Settings(db_url=url, key_file=tmp_path / "keys", intent_lease=1.0)
        async with Platform(settings) as platform:
            paying, revenue = await _open(platform, starts)
            billing = await platform.billing()
            ops = await key(platform, Role.ADMIN, "ops")
            runs = [
                (await billing.billing.run(ops, day)).intent.id
                for day in (today, today + datetime.timedelta(days=1))
            ]
            env = {
                **os.environ,
                "PYTHONPATH": SOURCE,
                "STRONGROOM_DB_URL": url,
                "STRONGROOM_KEY_FILE": str(tmp_path / "keys"),
                "STRONGROOM_INTENT_LEASE": "1",
                "STRONGROOM_INTENT_POLL_INTERVAL": "0.02",
            }
            store = await platform.intent_store()
            workers = [Worker(env, tmp_path) for _ in range(3)]
            loop = asyncio.get_running_loop()

            async def the_runs() -> list[Intent | None]:
                return [await store.get(i) for i in runs]

            async def progress() -> float:
                found = await the_runs()
                return sum(i is not None and i.status is IntentStatus.DONE for i in found) / 2

            try:
                await asyncio.gather(*(w.start() for w in workers))
                kills = await kill_while_working(
                    workers, random.Random(7), progress, seconds=KILL_FOR, at_least=1, stop_at=1
                )
                deadline = loop.time() + DONE_WITHIN
                while await progress() < 1:
                    assert loop.time() < deadline, await the_runs()
                    await asyncio.sleep(0.3)
                found = await the_runs()
            finally:
                await asyncio.gather(*(w.stop() for w in workers))
            assert kills >= 1
            assert [i.state for i in found if i is not None] == ["posted", "posted"]
            invoices = await (await platform.billing_store()).invoices(TENANT, None, None)
            assert len(invoices) == SUBJECTS
            assert {(i.subject, i.period_start) for i in invoices} == {
                (f"s{n}", starts.isoformat()) for n in range(SUBJECTS)
            }
            assert {i.status.value for i in invoices} == {"posted"}
            bills = await (await platform.billing_store()).unbilled_usage(
                TENANT, [f"s{n}" for n in range(SUBJECTS)], 2**62
            )
            assert bills == []
            ledger = await platform.ledger()
            held = {a.id: a for a in await ledger.lookup_accounts([*paying, revenue])}
            totals = {i.subject: i.total for i in invoices}
            for n, account in enumerate(paying):
                assert held[account].balance == 10**7 - totals[f"s{n}"]
            assert held[revenue].credits_posted == sum(totals.values())
            report = await ledger.check_invariants()
            assert report.ok, report.violations
