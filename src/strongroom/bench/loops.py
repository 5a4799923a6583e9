"""How a benchmark offers its load: a closed loop (callers, each with one operation in flight,
starting the next when theirs is done) or an open loop (operations due on a fixed schedule,
each one's latency counted from when it was due, so that a late start counts against the
system). `one(reference)` runs an operation and returns the perf_counter time it finished."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Operation = Callable[[str], Awaitable[float]]


async def closed_loop(one: Operation, prefix: str, count: int, in_flight: int) -> list[float]:
    """`count` operations by `in_flight` callers; each one's latency in seconds."""
    latencies: list[float] = []
    numbers = iter(range(count))

    async def caller() -> None:
        for n in numbers:
            started = time.perf_counter()
            latencies.append(await one(f"{prefix}-{n}") - started)

    await asyncio.gather(*(caller() for _ in range(min(in_flight, count))))
    return latencies


async def open_loop(one: Operation, count: int, rate: float) -> list[float]:
    """`count` operations started at `rate` a second; each one's latency from when it was due."""
    start = time.perf_counter()

    async def due(n: int) -> float:
        at = start + n / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        return await one(f"run-{n}") - at

    return list(await asyncio.gather(*(due(n) for n in range(count))))
