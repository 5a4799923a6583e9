"""Child process for the several-processes test: random transfers among shared hot accounts.

Usage: python -m tests.ledger.multiprocess_writer URL SEED CALLS HOT_IDS... -- OTHER_IDS...
Prints one JSON line: the transfers this process saw succeed, as [id, debit, credit, amount].
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid

from strongroom.bootstrap import open_ledger
from strongroom.ids import new_id
from strongroom.ledger import EngineSettings, Transfer
from strongroom.ledger.buckets import SplitSettings


async def main(
    url: str, seed: int, calls: int, hot: list[uuid.UUID], others: list[uuid.UUID]
) -> None:
    settings = EngineSettings(
        workers=2, split=SplitSettings(lock_wait_seconds=0.0, strikes=2, cooldown_seconds=0.5)
    )
    ledger = await open_ledger(url, migrate=False, sweep_interval=None, engine=settings)
    rng = random.Random(seed)
    applied: list[list[object]] = []

    async def submitter() -> None:
        for _ in range(calls):
            batch = []
            for _ in range(40):
                amount = rng.randint(1, 50)
                if rng.random() < 0.5:
                    batch.append((rng.choice(hot), rng.choice(others), amount))
                else:
                    batch.append((rng.choice(others), rng.choice(hot), amount))
            transfers = [
                Transfer(
                    id=new_id(),
                    debit_account_id=d,
                    credit_account_id=c,
                    amount=a,
                    ledger="USD",
                    code=1,
                )
                for d, c, a in batch
            ]
            results = await ledger.create_transfers(transfers)
            for t, r in zip(transfers, results, strict=True):
                assert r.value in ("ok", "exceeds_credits"), r
                if r.value == "ok":
                    applied.append(
                        [str(t.id), str(t.debit_account_id), str(t.credit_account_id), t.amount]
                    )

    await asyncio.gather(*(submitter() for _ in range(4)))
    print(json.dumps({"applied": applied, "resizes": ledger.engine.stats.resizes}), flush=True)
    await ledger.close()


if __name__ == "__main__":
    url, seed, calls, *rest = sys.argv[1:]
    split = rest.index("--")
    asyncio.run(
        main(
            url,
            int(seed),
            int(calls),
            [uuid.UUID(i) for i in rest[:split]],
            [uuid.UUID(i) for i in rest[split + 1 :]],
        )
    )
