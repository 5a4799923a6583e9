"""The ledger benchmark behind `strongroom bench`: throughput, latency and memory under load.

Submitters (asyncio tasks, optionally in several OS processes) send `create_transfers` calls
of `call_size` transfers; a `hot_fraction` of transfers touch one hot account that has
`debits_must_not_exceed_credits`, so its limit is checked on every debit. Invariants are
verified at the end.

Closed loop (the default): each submitter sends its next call when the last one returned, so
`submitters * call_size` transfers are always in flight and latency is that of a saturated
ledger. Open loop (`rate`): calls leave on a fixed schedule, `rate` transfers/s in all,
whatever the ledger answers, and each call's latency counts from the moment it was due: the
latency of the ledger at that load, late sends included.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import resource
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.synchronize import Barrier as BarrierType

from strongroom.bootstrap import open_ledger
from strongroom.ids import new_id
from strongroom.ledger.engine import default_engine
from strongroom.ledger.types import Account, AccountFlags, Transfer
from strongroom.runtime import settle_heap
from strongroom.store.urls import parse_url

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
    #: Transfers per second offered in all (open loop); None: closed loop with `submitters`.
    rate: float | None = None
    #: Transfers each process sends (closed loop) before the measured run, so that the run
    #: starts with the caches, prepared statements and hot-account buckets a running ledger has.
    warmup: int = 20_000


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
    #: The open loop's schedule, transfers/s (None in a closed loop).
    offered_per_second: float | None = None
    latency_ms: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    mean_batch: float = 0.0
    max_batch: int = 0
    retries: int = 0
    escalations: int = 0
    resizes: int = 0
    #: Batches written chained behind the one before (SQLite: strongroom.ledger.engine.chain).
    chained: int = 0
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
    async with await open_ledger(config.url, sweep_interval=None) as ledger:
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
    engine = default_engine(parse_url(config.url).kind)
    workers = config.workers or engine.workers
    ledger = await open_ledger(
        config.url,
        migrate=False,
        sweep_interval=None,
        pool_size=max(4, workers + 2),
        engine=replace(engine, max_batch=config.max_batch, workers=workers),
    )
    result = BenchResult()
    samples: list[tuple[float, int]] = []
    rate = config.rate / config.processes if config.rate else None
    submitters = 1 if rate else config.submitters
    calls = transfers // submitters // config.call_size
    done = 0
    checkpoints = {calls * submitters * q // 10 for q in (1, 5)}
    count = len(others)
    hot_fraction = config.hot_fraction

    def make_call(rand: Callable[[], float]) -> list[Transfer]:
        # random() alone: sample() and randint() cost more CPU than the ledger spends on
        # some transfers, and this process's CPU is the ledger's.
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
        return batch

    async def send(batch: list[Transfer], since: float | None) -> None:
        """One call; measured from `since` (perf_counter), or not at all (the warm-up)."""
        nonlocal done
        results = await ledger.create_transfers(batch)
        if since is None:
            return
        samples.append((time.perf_counter() - since, len(batch)))
        for r in results:
            if r.succeeded:
                result.ok += 1
            else:
                result.failed += 1
        done += 1
        if done in checkpoints:
            result.peak_rss_mb.append(round(_rss_mb(), 1))

    async def submitter(n: int, calls: int, measured: bool) -> None:
        # The warm-up draws from streams of its own: the measured calls stay the same with any
        # warm-up, or none.
        rand = random.Random(seed * 1_000_003 + n + (0 if measured else 7919)).random
        for _ in range(calls):
            batch = make_call(rand)
            await send(batch, time.perf_counter() if measured else None)

    async def scheduled(per_second: float) -> None:
        rand = random.Random(seed * 1_000_003).random
        interval = config.call_size / per_second
        first = time.perf_counter()
        in_flight = []
        for n in range(calls):
            due = first + n * interval
            ahead = due - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
            in_flight.append(asyncio.create_task(send(make_call(rand), due)))
        await asyncio.gather(*in_flight)

    warmup_calls = config.warmup // config.submitters // config.call_size
    await asyncio.gather(*(submitter(n, warmup_calls, False) for n in range(config.submitters)))
    stats = ledger.engine.stats
    # The engine's figures of the measured run only.
    before = (stats.batches, stats.retries, stats.escalations, stats.resizes, stats.chained)
    stats.batch_sizes.clear()
    # The accounts and the open ledger live through the run, as a server's start-up would.
    settle_heap()
    if _start_together is not None:
        # Every process opens its ledger first: start-up is not part of the measured run.
        _start_together.wait()
    result.started_at = time.time()
    started = time.perf_counter()
    if rate:
        await scheduled(rate)
    else:
        await asyncio.gather(*(submitter(n, calls, True) for n in range(submitters)))
    result.seconds = time.perf_counter() - started
    result.ended_at = time.time()
    result.peak_rss_mb.append(round(_rss_mb(), 1))
    result.transfers = result.ok + result.failed
    result.batches = stats.batches - before[0]
    result.retries = stats.retries - before[1]
    result.escalations = stats.escalations - before[2]
    result.resizes = stats.resizes - before[3]
    result.chained = stats.chained - before[4]
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
            result.chained += p["chained"]
            result.max_batch = max(result.max_batch, p["max_batch"])
            sizes_total += p["mean_batch"] * p["batches"]
            result.peak_rss_mb.append(max(p["peak_rss_mb"]))
        result.transfers = result.ok + result.failed
        result.mean_batch = sizes_total / result.batches if result.batches else 0
    result.transfers_per_second = result.transfers / result.seconds if result.seconds else 0
    result.offered_per_second = config.rate
    result.latency_ms = {
        name: round(percentile(samples, q) * 1000, 2)
        for name, q in (("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999))
    }
    async with await open_ledger(config.url, migrate=False, sweep_interval=None) as ledger:
        report = await ledger.check_invariants()
    result.invariants_ok = report.ok
    result.violations = [f"{v.invariant}: {v.subject}: {v.detail}" for v in report.violations]
    return result
