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
    """`count` operations started at `rate` a second; each one's latency from when it was due.

    Each operation's task is made when it is due, not all at the start: tens of thousands of
    sleeping tasks would be heap the garbage collector scans, pausing the operations measured."""
    latencies = [0.0] * count
    start = time.perf_counter()

    async def run(n: int, at: float) -> None:
        latencies[n] = await one(f"run-{n}") - at

    async with asyncio.TaskGroup() as group:
        for n in range(count):
            at = start + n / rate
            if (wait := at - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            group.create_task(run(n, at))
    return latencies
