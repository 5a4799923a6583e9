"""The bank's benchmark behind `strongroom bench payments`: internal payments over HTTP, from
`POST /v1/banking/payments` to settled (screened by an enforced rule set with a velocity window,
priced with the product's fees and taxes, limits read from the ledger, reserved, posted), on a
throwaway database, with the server and its intent engine in this process.

Closed loop (the default): `in_flight` callers each pay and wait until the payment is settled
(the engine's completion hook), then pay again. Open loop (`rate`): payments leave on a fixed
schedule and each one's latency counts from when it was due until it settled. At the end every
payment must have settled and the ledger's invariants must hold.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from strongroom.api.server import serving
from strongroom.banking.services import BankingServices
from strongroom.bench.ledger import percentile
from strongroom.bench.loops import closed_loop, open_loop
from strongroom.bench.sample_bank import CURRENCY, IDENTITY, PEOPLE, set_up_products
from strongroom.bench.scratch import gather_statistics, throwaway_database
from strongroom.bootstrap import Platform
from strongroom.compliance.ports import RuleSetStatus
from strongroom.ledger import Account, Transfer
from strongroom.services.access import Principal, Role
from strongroom.settings import Settings
from strongroom.workflows.ports import IntentStore
from strongroom.workflows.types import Intent

TENANT = "bench"
RULES = """
windows: [{id: customer_1h, scope: customer, length: 1h}]
rules:
  - {id: large, message: over 10000.00, when: {payment.amount: {gt: 1000000}}, action: review}
  - {id: burst, message: over 100000 an hour, when: {velocity.customer_1h.count: {gt: 100000}},
     action: block}
  - {id: embargo, message: embargoed country, when: {counterparty.country: {in: [KP]}},
     action: block}
"""


@dataclass(frozen=True, slots=True)
class PaymentBenchConfig:
    #: A PostgreSQL URL (a throwaway schema is made in it), or None for a temporary SQLite file.
    postgres: str | None = None
    payments: int = 5_000
    in_flight: int = 500
    #: Customers (one account each) the payments go between.
    accounts: int = 200
    #: Payments/s offered (open loop); None: closed loop with `in_flight` callers.
    rate: float | None = None
    warmup: int = 500
    seed: int = 1


@dataclass(slots=True)
class PaymentBenchResult:
    payments: int = 0
    settled: int = 0
    seconds: float = 0.0
    payments_per_second: float = 0.0
    offered_per_second: float | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    #: Process CPU time (user + system) per payment in the measured run: the server, the
    #: engine and the load generator together.
    cpu_ms_per_payment: float = 0.0
    invariants_ok: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


async def run_payment_bench(config: PaymentBenchConfig) -> PaymentBenchResult:
    async with throwaway_database(config.postgres) as url:
        settings = Settings(
            db_url=url,
            pool_size=16,
            intent_capacity=max(config.in_flight * 2, 100),
            rate_limit_per_key=0,
            rate_limit_per_tenant=0,
        )
        async with Platform(settings, migrate=False) as platform:
            return await _run(platform, config)


async def open_accounts(platform: Platform, count: int, *, funded: bool = True) -> list[str]:
    """`count` verified customers with an account each (funded unless `funded` is False),
    through the bank's services; compliance rules in force."""
    banking = await platform.banking()
    ledger = await platform.ledger()
    who = (await (await platform.access()).create(TENANT, Role.ADMIN, "bench")).key
    await set_up_products(await platform.products(), TENANT, ledger)
    funding = uuid.uuid4()
    await ledger.create_accounts([Account(id=funding, ledger=CURRENCY, code=9, tenant=TENANT)])
    person = {**IDENTITY, **PEOPLE["alice"]}
    customers = [
        (await banking.customers.onboard(who, f"c{n}", person))[0].customer.id for n in range(count)
    ]
    intents = []
    for n, customer in enumerate(customers):
        await _until(functools.partial(_verified, banking, who, customer))
        account_id, intent, _ = await banking.accounts.open(
            who, f"a{n}", customer, CURRENCY, "everyday"
        )
        intents.append((account_id, intent.id))
    store = await platform.intent_store()
    for _, intent_id in intents:
        await _until(functools.partial(_opened, store, intent_id))
    ids = [account_id for account_id, _ in intents]
    if funded:
        await ledger.create_transfers(
            [
                Transfer(uuid.uuid4(), funding, account_id, 10**12, CURRENCY, 9, tenant=TENANT)
                for account_id in ids
            ]
        )
    await (await platform.compliance()).publish(who, RULES, RuleSetStatus.ENFORCE)
    return [str(i) for i in ids]


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(10_000):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the bank's set-up did not finish")


async def _verified(banking: BankingServices, who: Principal, customer: uuid.UUID) -> bool:
    shown = await banking.customers.show(who, customer)
    return shown.customer.kyc_status.value != "pending"


async def _opened(store: IntentStore, intent_id: uuid.UUID) -> bool:
    found = await store.get(intent_id)
    return found is not None and found.state == "opened"


async def _run(platform: Platform, config: PaymentBenchConfig) -> PaymentBenchResult:
    engine = await platform.intent_engine()
    await engine.start()
    accounts = await open_accounts(platform, config.accounts)
    services = await platform.services()
    token = (await services.access.create(TENANT, Role.WRITE, "bench-payments")).token
    waiting: dict[str, asyncio.Future[Intent]] = {}

    def done(intent: Intent) -> None:
        future = waiting.pop(intent.reference, None)
        if future is not None and not future.done():
            future.set_result(intent)

    engine.on_done = done
    rng = random.Random(config.seed)
    loop = asyncio.get_running_loop()
    outcomes: list[str] = []
    # aiohttp, not httpx: with hundreds of connections httpx's pool costs the load generator
    # more CPU than the server spends on a payment.
    async with (
        serving(
            services.ledger_service,
            services.access,
            intents=services.intents,
            banking=services.banking,
            port=0,
            grpc_port=None,
        ) as servers,
        aiohttp.ClientSession(
            servers.http_url,
            headers={"Authorization": f"Bearer {token}"},
            connector=aiohttp.TCPConnector(limit=min(config.in_flight, 200)),
            timeout=aiohttp.ClientTimeout(total=120.0),
            cookie_jar=aiohttp.DummyCookieJar(),
        ) as client,
    ):

        async def one(reference: str) -> float:
            """Pay once; the time it settled (perf_counter)."""
            debit, credit = rng.sample(accounts, 2)
            future: asyncio.Future[Intent] = loop.create_future()
            waiting[reference] = future
            body: dict[str, Any] = {
                "reference": reference,
                "debit_account_id": debit,
                "credit_account_id": credit,
                "amount": rng.randint(100, 50_000),
                "currency": CURRENCY,
            }
            async with client.post("/v1/banking/payments", json=body) as response:
                response.raise_for_status()
            finished = await future
            outcomes.append(finished.state)
            return time.perf_counter()

        if config.warmup:
            await closed_loop(one, "warmup", config.warmup, config.in_flight)
        await gather_statistics(platform.settings.db_url)
        outcomes.clear()
        began, cpu = time.perf_counter(), time.process_time()
        if config.rate is None:
            latencies = await closed_loop(one, "run", config.payments, config.in_flight)
        else:
            latencies = await open_loop(one, config.payments, config.rate)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    await engine.stop()
    report = await (await platform.ledger()).check_invariants()
    samples = [(value * 1000, 1) for value in latencies]
    return PaymentBenchResult(
        payments=len(latencies),
        settled=outcomes.count("settled"),
        seconds=seconds,
        payments_per_second=len(latencies) / seconds if seconds else 0.0,
        offered_per_second=config.rate,
        latency_ms={
            name: percentile(samples, q)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        cpu_ms_per_payment=cpu * 1000 / len(latencies) if latencies else 0.0,
        invariants_ok=report.ok,
    )
