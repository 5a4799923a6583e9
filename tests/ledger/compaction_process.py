"""Child process for the two-process compaction test (test_processes.py).

Usage: python -m tests.ledger.compaction_process URL ROLE SECONDS HOT OTHER...

- ROLE "busy": for SECONDS, sends the HOT account enough contended traffic to split it; prints
  when it submitted its last call and how often it resized.
- ROLE "quiet": for at most SECONDS, sends one transfer between two OTHER accounts at a time
  (so its engine keeps refreshing its bucket map and deciding merges, and never finds HOT hot);
  prints how many buckets its engine believed HOT had after each call, and how often it resized.
  It stops once it has merged HOT back.

Prints one JSON line; wall-clock times in ns.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid

from strongroom.bootstrap import open_ledger
from strongroom.ledger import EngineSettings, Ledger
from strongroom.ledger.buckets import SplitSettings
from tests.ledger.helpers import transfer

#: Both processes: split after two contended batches, merge after 2 s cold everywhere.
SETTINGS = EngineSettings(
    workers=4,
    bucket_refresh_seconds=0.1,
    split=SplitSettings(
        lock_wait_seconds=0.0,
        strikes=2,
        cooldown_seconds=0.5,
        cold_seconds=2.0,
        hot_record_seconds=0.25,
    ),
)


async def busy(
    ledger: Ledger, seconds: float, hot: uuid.UUID, others: list[uuid.UUID]
) -> dict[str, object]:
    end = time.monotonic() + seconds
    last_call = 0

    async def submitter(seed: int) -> None:
        nonlocal last_call
        rng = random.Random(seed)
        while time.monotonic() < end:
            last_call = max(last_call, time.time_ns())
            await ledger.create_transfers([transfer(rng.choice(others), hot, 1) for _ in range(50)])

    await asyncio.gather(*(submitter(s) for s in range(8)))
    return {"last_call": last_call, "resizes": ledger.engine.stats.resizes}


async def quiet(
    ledger: Ledger, seconds: float, hot: uuid.UUID, others: list[uuid.UUID]
) -> dict[str, object]:
    end = time.monotonic() + seconds
    seen: list[tuple[int, int]] = []
    while time.monotonic() < end:
        await ledger.create_transfers([transfer(others[0], others[1], 1)])
        seen.append((time.time_ns(), ledger.engine.buckets.get(hot, 1)))
        if ledger.engine.stats.resizes and hot not in ledger.engine.buckets:
            break
        await asyncio.sleep(0.02)
    return {"seen": seen, "resizes": ledger.engine.stats.resizes}


async def main(
    url: str, role: str, seconds: float, hot: uuid.UUID, others: list[uuid.UUID]
) -> None:
    ledger = await open_ledger(url, migrate=False, sweep_interval=None, engine=SETTINGS)
    try:
        run = busy if role == "busy" else quiet
        print(json.dumps(await run(ledger, seconds, hot, others)), flush=True)
    finally:
        await ledger.close()


if __name__ == "__main__":
    url, role, seconds, hot, *others = sys.argv[1:]
    asyncio.run(main(url, role, float(seconds), uuid.UUID(hot), [uuid.UUID(i) for i in others]))
