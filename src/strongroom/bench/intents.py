"""The intent engine's benchmark behind `strongroom bench intents`: the `ledger.transfer`
workflow (check, reserve, post, notify: four groups, four checkpoints, two ledger transfers)
run end to end in one process, on a throwaway database.

Closed loop (the default): `in_flight` callers each submit an intent and wait until it is done,
then submit the next: workflows/s at that concurrency. Open loop (`rate`): submissions leave on
a fixed schedule and each workflow's latency counts from when it was due until its last
checkpoint committed. Invariants are checked at the end, and every intent must have settled.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from strongroom.bench.ledger import percentile
from strongroom.bench.loops import closed_loop, open_loop
from strongroom.bench.scratch import gather_statistics, throwaway_database
from strongroom.bootstrap import Platform
from strongroom.ledger import Account, AccountFlags, Transfer
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.workflows.transfer import TYPE
from strongroom.workflows.types import Intent

CURRENCY = "EUR"
TENANT = "bench"


@dataclass(frozen=True, slots=True)
class IntentBenchConfig:
    #: A PostgreSQL URL (a throwaway schema is made in it), or None for a temporary SQLite file.
    postgres: str | None = None
    workflows: int = 20_000
    in_flight: int = 1_000
    #: Accounts the transfers go between; intents of one debit account run one at a time.
    accounts: int = 10_000
    #: Workflows/s offered (open loop); None: closed loop with `in_flight` callers.
    rate: float | None = None
    warmup: int = 2_000
    seed: int = 1


@dataclass(slots=True)
class IntentBenchResult:
    workflows: int = 0
    settled: int = 0
    seconds: float = 0.0
    workflows_per_second: float = 0.0
    offered_per_second: float | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    checkpoint_batches: int = 0
    mean_checkpoint_batch: float = 0.0
    steps: int = 0
    retries: int = 0
    #: Process CPU time (user + system) spent per workflow in the measured run.
    cpu_ms_per_workflow: float = 0.0
    invariants_ok: bool = False
    violations: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


async def _fund(platform: Platform, count: int) -> list[uuid.UUID]:
    ledger = await platform.ledger()
    funding = Account(id=uuid.uuid4(), ledger=CURRENCY, code=1, tenant=TENANT)
    ids = [uuid.uuid4() for _ in range(count)]
    accounts = [
        Account(
            id=i,
            ledger=CURRENCY,
            code=1,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
            tenant=TENANT,
        )
        for i in ids
    ]
    await ledger.create_accounts([funding])
    for start in range(0, count, 8000):
        await ledger.create_accounts(accounts[start : start + 8000])
        await ledger.create_transfers(
            [
                Transfer(
                    id=uuid.uuid4(),
                    debit_account_id=funding.id,
                    credit_account_id=a.id,
                    amount=10**12,
                    ledger=CURRENCY,
                    code=1,
                    tenant=TENANT,
                )
                for a in accounts[start : start + 8000]
            ]
        )
    return ids


async def run_intent_bench(config: IntentBenchConfig) -> IntentBenchResult:
    async with throwaway_database(config.postgres) as url:
        settings = Settings(
            db_url=url, pool_size=16, intent_capacity=max(config.in_flight * 2, 100)
        )
        async with Platform(settings, migrate=False) as platform:
            return await _run(platform, config)


async def _run(platform: Platform, config: IntentBenchConfig) -> IntentBenchResult:
    accounts = await _fund(platform, config.accounts)
    who = (await (await platform.access()).create(TENANT, Role.WRITE)).key
    engine = await platform.intent_engine()
    service = await platform.intents()
    waiting: dict[str, asyncio.Future[Intent]] = {}

    def done(intent: Intent) -> None:
        future = waiting.pop(intent.reference, None)
        if future is not None and not future.done():
            future.set_result(intent)

    engine.on_done = done
    await engine.start()
    rng = random.Random(config.seed)
    loop = asyncio.get_running_loop()
    outcomes: list[str] = []

    async def one(reference: str) -> float:
        """Submit one workflow; the time it finished (perf_counter)."""
        debit, credit = rng.sample(accounts, 2)
        future: asyncio.Future[Intent] = loop.create_future()
        waiting[reference] = future
        await service.submit(who, TYPE, reference, _payload(debit, credit, rng.randint(1, 10_000)))
        finished = await future
        outcomes.append(finished.state)
        return time.perf_counter()

    if config.warmup:
        await closed_loop(one, "warmup", config.warmup, config.in_flight)
    await gather_statistics(platform.settings.db_url)
    outcomes.clear()
    batches_before, checkpoints_before = engine.checkpoint_figures()
    steps_before, retries_before = engine.stats.steps, engine.stats.retries
    began, cpu = time.perf_counter(), time.process_time()
    if config.rate is None:
        latencies = await closed_loop(one, "run", config.workflows, config.in_flight)
    else:
        latencies = await open_loop(one, config.workflows, config.rate)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    batches_after, checkpoints_after = engine.checkpoint_figures()
    await engine.stop()
    report = await (await platform.ledger()).check_invariants()
    samples = [(value * 1000, 1) for value in latencies]
    made = batches_after - batches_before
    return IntentBenchResult(
        workflows=len(latencies),
        settled=outcomes.count("settled"),
        seconds=seconds,
        workflows_per_second=len(latencies) / seconds if seconds else 0.0,
        offered_per_second=config.rate,
        latency_ms={
            name: percentile(samples, q)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
        checkpoint_batches=made,
        mean_checkpoint_batch=(checkpoints_after - checkpoints_before) / made if made else 0.0,
        steps=engine.stats.steps - steps_before,
        retries=engine.stats.retries - retries_before,
        cpu_ms_per_workflow=cpu * 1000 / len(latencies) if latencies else 0.0,
        invariants_ok=report.ok,
        violations=[f"{v.invariant}: {v.subject}: {v.detail}" for v in report.violations],
    )


def _payload(debit: uuid.UUID, credit: uuid.UUID, amount: int) -> dict[str, Any]:
    return {
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "ledger": CURRENCY,
        "code": 1,
    }
