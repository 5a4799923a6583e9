"""The ledger benchmark behind `strongroom bench`: throughput, latency and memory under load.

Submitters (asyncio tasks, optionally in several OS processes) send `create_transfers` calls
of `call_size` transfers; a `hot_fraction` of transfers touch one hot account that has
`debits_must_not_exceed_credits`, so its limit is checked on every debit. Invariants are
verified at the end.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import resource
import time
import uuid
from dataclasses import asdict, dataclass, field
from multiprocessing.synchronize import Barrier as BarrierType

from strongroom.ids import new_id
from strongroom.ledger.engine import EngineSettings
from strongroom.ledger.ledger import Ledger
from strongroom.ledger.types import Account, AccountFlags, Transfer
from strongroom.runtime import settle_heap

CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class BenchConfig:
    url: str
    accounts: int = 10_000
    transfers: int = 200_000
    hot_fraction: float = 0.5
    submitters: int = 32
    call_size: int = 100
    processes: int = 1
    workers: int | None = None
    max_batch: int = 8190 * 2
    seed: int = 1


@dataclass(slots=True)
class BenchResult:
    transfers: int = 0
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    #: Wall-clock (time.time()) span of the measured run, to combine several processes.
    started_at: float = 0.0
    ended_at: float = 0.0
    transfers_per_second: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    mean_batch: float = 0.0
    max_batch: int = 0
    retries: int = 0
    escalations: int = 0
    resizes: int = 0
    peak_rss_mb: list[float] = field(default_factory=list)
    invariants_ok: bool = False
    violations: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def percentile(samples: list[tuple[float, int]], q: float) -> float:
    """The q-quantile of weighted samples (value, weight)."""
    ordered = sorted(samples)
    total = sum(w for _, w in ordered)
    threshold = q * total
    running = 0
    for value, weight in ordered:
        running += weight
        if running >= threshold:
            return value
    return ordered[-1][0] if ordered else 0.0


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def setup_accounts(config: BenchConfig) -> tuple[uuid.UUID, list[uuid.UUID]]:
    async with await Ledger.open(config.url, sweep_interval=None) as ledger:
        hot = Account(
            id=new_id(),
            ledger=CURRENCY,
            code=1,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
        )
        others = [Account(id=new_id(), ledger=CURRENCY, code=2) for _ in range(config.accounts)]
        await ledger.create_accounts([hot])
        for start in range(0, len(others), 8190):
            await ledger.create_accounts(others[start : start + 8190])
        # Fund the hot account so that its debits pass the limit check.
        funding = Transfer(
            id=new_id(),
            debit_account_id=others[0].id,
            credit_account_id=hot.id,
            amount=10**15,
            ledger=CURRENCY,
            code=1,
        )
        await ledger.create_transfers([funding])
        return hot.id, [a.id for a in others]


async def _drive(
    config: BenchConfig, hot: uuid.UUID, others: list[uuid.UUID], transfers: int, seed: int
) -> tuple[BenchResult, list[tuple[float, int]]]:
    workers = config.workers
    ledger = await Ledger.open(
        config.url,
        migrate=False,
        sweep_interval=None,
        pool_size=max(4, (workers or 2) + 2),
        engine=EngineSettings(
            max_batch=config.max_batch,
            workers=workers or (1 if config.url.startswith("sqlite") else 2),
        ),
    )
    result = BenchResult()
    samples: list[tuple[float, int]] = []
    per_submitter = transfers // config.submitters
    calls = per_submitter // config.call_size
    done = 0
    checkpoints = {calls * config.submitters * q // 10 for q in (1, 5)}

    async def submitter(n: int) -> None:
        nonlocal done
        # random() alone: sample() and randint() cost more CPU than the ledger spends on
        # some transfers, and this process's CPU is the ledger's.
        rand = random.Random(seed * 1_000_003 + n).random
        count = len(others)
        hot_fraction = config.hot_fraction
        for _ in range(calls):
            batch = []
            for _ in range(config.call_size):
                i = int(rand() * count)
                j = (i + 1 + int(rand() * (count - 1))) % count
                a, b = others[i], others[j]
                if rand() < hot_fraction:
                    a, b = (hot, b) if rand() < 0.5 else (a, hot)
                batch.append(
                    Transfer(
                        id=new_id(),
                        debit_account_id=a,
                        credit_account_id=b,
                        amount=1 + int(rand() * 1000),
                        ledger=CURRENCY,
                        code=1,
                    )
                )
            started = time.perf_counter()
            results = await ledger.create_transfers(batch)
            samples.append((time.perf_counter() - started, len(batch)))
            for r in results:
                if r.succeeded:
                    result.ok += 1
                else:
                    result.failed += 1
            done += 1
            if done in checkpoints:
                result.peak_rss_mb.append(round(_rss_mb(), 1))

    # The accounts and the open ledger live through the run, as a server's start-up would.
    settle_heap()
    if _start_together is not None:
        # Every process opens its ledger first: start-up is not part of the measured run.
        _start_together.wait()
    result.started_at = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(submitter(n) for n in range(config.submitters)))
    result.seconds = time.perf_counter() - started
    result.ended_at = time.time()
    result.peak_rss_mb.append(round(_rss_mb(), 1))
    stats = ledger.engine.stats
    result.transfers = result.ok + result.failed
    result.batches = stats.batches
    result.retries = stats.retries
    result.escalations = stats.escalations
    result.resizes = stats.resizes
    sizes = list(stats.batch_sizes)
    result.mean_batch = sum(sizes) / len(sizes) if sizes else 0
    result.max_batch = max(sizes, default=0)
    await ledger.close()
    return result, samples


_start_together: BarrierType | None = None


def _join(barrier: BarrierType) -> None:
    global _start_together
    _start_together = barrier
    settle_heap()


def _child(config: BenchConfig, hot: str, others: list[str], transfers: int, seed: int) -> str:
    result, samples = asyncio.run(
        _drive(config, uuid.UUID(hot), [uuid.UUID(o) for o in others], transfers, seed)
    )
    return json.dumps({"result": asdict(result), "samples": samples})


async def run_bench(config: BenchConfig) -> BenchResult:
    hot, others = await setup_accounts(config)
    if config.processes == 1:
        result, samples = await _drive(config, hot, others, config.transfers, config.seed)
    else:
        share = config.transfers // config.processes
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(config.processes)
        with context.Pool(config.processes, initializer=_join, initargs=(barrier,)) as pool:
            outputs = await asyncio.get_running_loop().run_in_executor(
                None,
                pool.starmap,
                _child,
                [
                    (config, str(hot), [str(o) for o in others], share, config.seed + p)
                    for p in range(config.processes)
                ],
            )
        parts = [json.loads(raw) for raw in outputs]
        result = BenchResult(
            started_at=min(part["result"]["started_at"] for part in parts),
            ended_at=max(part["result"]["ended_at"] for part in parts),
        )
        result.seconds = result.ended_at - result.started_at
        samples = []
        sizes_total = 0.0
        for part in parts:
            p = part["result"]
            samples.extend((s, w) for s, w in part["samples"])
            result.ok += p["ok"]
            result.failed += p["failed"]
            result.batches += p["batches"]
            result.retries += p["retries"]
            result.escalations += p["escalations"]
            result.resizes += p["resizes"]
            result.max_batch = max(result.max_batch, p["max_batch"])
            sizes_total += p["mean_batch"] * p["batches"]
            result.peak_rss_mb.append(max(p["peak_rss_mb"]))
        result.transfers = result.ok + result.failed
        result.mean_batch = sizes_total / result.batches if result.batches else 0
    result.transfers_per_second = result.transfers / result.seconds if result.seconds else 0
    result.latency_ms = {
        name: round(percentile(samples, q) * 1000, 2)
        for name, q in (("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999))
    }
    async with await Ledger.open(config.url, migrate=False, sweep_interval=None) as ledger:
        report = await ledger.check_invariants()
    result.invariants_ok = report.ok
    result.violations = [f"{v.invariant}: {v.subject}: {v.detail}" for v in report.violations]
    return result
