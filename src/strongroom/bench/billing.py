"""Billing's benchmark behind `strongroom bench billing`, on a throwaway database: usage
ingestion (`events` events in batches, `in_flight` batches at once, straight into the billing
service as the HTTP route and the metering consumer call it) and the invoice run of a billing
cycle for `subjects` subjects over those events (the `billing.cycle.run` intent on the engine,
from submission until every invoice is issued and posted)."""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from strongroom.bench.scratch import throwaway_database
from strongroom.billing.types import UsageEvent
from strongroom.bootstrap import Platform
from strongroom.days import day_start
from strongroom.ledger import Account, AccountFlags, Transfer
from strongroom.ledger.rules import BATCH_MAX
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.workflows.types import IntentStatus

TENANT = "bench"
CURRENCY = "SGD"


@dataclass(frozen=True, slots=True)
class BillingBenchConfig:
    postgres: str | None = None
    events: int = 1_000_000
    subjects: int = 10_000
    batch: int = 10_000
    in_flight: int = 4


@dataclass(slots=True)
class BillingBenchResult:
    events: int = 0
    subjects: int = 0
    ingest_seconds: float = 0.0
    events_per_second: float = 0.0
    invoice_run_seconds: float = 0.0
    invoices: int = 0
    posted: int = 0
    invariants_ok: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _month_before(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _events(config: BillingBenchConfig, start: int, span: int) -> Iterator[list[UsageEvent]]:
    """The events, a batch at a time: each subject's share spread over last month."""
    batch: list[UsageEvent] = []
    for n in range(config.events):
        batch.append(
            UsageEvent(
                id=uuid.uuid4(),
                subject=f"s{n % config.subjects}",
                metric="api_calls",
                quantity=1 + n % 7,
                at=start + (n * 7919) % span,
                properties={"channel": "api" if n % 3 else "batch"},
            )
        )
        if len(batch) == config.batch:
            yield batch
            batch = []
    if batch:
        yield batch


async def _set_up(platform: Platform, config: BillingBenchConfig, starts: datetime.date) -> None:
    """The ledger accounts (one paying account per subject), the definitions and a billing
    configuration per subject."""
    ledger = await platform.ledger()
    revenue, tax, funding = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    paying = [uuid.uuid4() for _ in range(config.subjects)]
    accounts = [
        Account(id=i, ledger=CURRENCY, code=40, tenant=TENANT) for i in (revenue, tax, funding)
    ]
    accounts += [
        Account(
            id=i,
            ledger=CURRENCY,
            code=100,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            tenant=TENANT,
        )
        for i in paying
    ]
    for begin in range(0, len(accounts), BATCH_MAX):
        await ledger.create_accounts(accounts[begin : begin + BATCH_MAX])
    funds = [Transfer(uuid.uuid4(), funding, i, 10**9, CURRENCY, 9, tenant=TENANT) for i in paying]
    for begin in range(0, len(funds), BATCH_MAX):
        await ledger.create_transfers(funds[begin : begin + BATCH_MAX])
    catalog = (await platform.billing()).catalog
    who = (await (await platform.access()).create(TENANT, Role.ADMIN, "bench-billing")).key
    await catalog.put(who, "rule_group", "calls", {"metric": "api_calls", "aggregation": "sum"})
    await catalog.put(
        who,
        "tier",
        "calls",
        {
            "currency": CURRENCY,
            "kind": "graduated",
            "bands": [{"up_to": 50, "unit_price": "0.05"}, {"unit_price": "0.02"}],
            "free_units": 10,
        },
    )
    cost = {
        "currency": CURRENCY,
        "revenue_account": str(revenue),
        "tax_account": str(tax),
        "charges": [
            {"id": "calls", "description": "API calls", "rule_group": "calls", "tier": "calls"}
        ],
        "recurring": [{"id": "platform", "description": "Platform fee", "amount": "10.00"}],
        "taxes": [{"id": "gst", "percent": "9"}],
    }
    await catalog.put(who, "cost", "standard", cost)
    for n, account in enumerate(paying):
        body = {"cost": "standard", "starts": starts.isoformat(), "account": str(account)}
        await catalog.put(who, "config", f"s{n}", body)


async def run_billing_bench(config: BillingBenchConfig) -> BillingBenchResult:
    result = BillingBenchResult(events=config.events, subjects=config.subjects)
    today = datetime.datetime.now(datetime.UTC).date()
    starts = _month_before(today)
    start, end = day_start(starts), day_start(today.replace(day=1))
    async with throwaway_database(config.postgres) as url:
        settings = Settings(db_url=url, rate_limit_per_key=0, rate_limit_per_tenant=0)
        async with Platform(settings, migrate=False) as platform:
            await _set_up(platform, config, starts)
            billing = await platform.billing()
            gate = asyncio.Semaphore(config.in_flight)

            async def ingest(batch: list[UsageEvent]) -> None:
                async with gate:
                    await billing.usage.record(TENANT, batch)

            began = time.perf_counter()
            pending: set[asyncio.Task[None]] = set()
            for batch in _events(config, start, end - start):
                task = asyncio.create_task(ingest(batch))
                pending.add(task)
                task.add_done_callback(pending.discard)
                if len(pending) >= config.in_flight * 2:
                    await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.gather(*pending)
            result.ingest_seconds = time.perf_counter() - began
            result.events_per_second = config.events / result.ingest_seconds

            await (await platform.intent_engine()).start()
            who = (await (await platform.access()).create(TENANT, Role.ADMIN, "bench-run")).key
            began = time.perf_counter()
            submitted = await billing.billing.run(who, today)
            store = await platform.intent_store()
            while True:
                intent = await store.get(submitted.intent.id)
                assert intent is not None
                if intent.status is IntentStatus.DONE:
                    break
                await asyncio.sleep(0.05)
            result.invoice_run_seconds = time.perf_counter() - began
            if intent.state != "posted":
                raise RuntimeError(f"the billing run failed: {intent.error}")
            result.invoices = intent.results["invoice"]["invoices"]
            result.posted = intent.results["post"]["posted"]
            report = await (await platform.ledger()).check_invariants()
            result.invariants_ok = report.ok
    return result
