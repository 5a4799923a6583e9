"""Many concurrent submitters on one hot account: nothing lost, nothing overdrawn, no errors."""

from __future__ import annotations

import asyncio
import random

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.ledger import AccountFlags
from tests.ledger.helpers import account, counters, open_accounts, transfer

SUBMITTERS = 8
PER_SUBMITTER = 5_000
CALL_SIZE = 50


@pytest.mark.slow
async def test_hot_account_under_eight_submitters(pg_url: str) -> None:
    ledger = await open_ledger(pg_url, sweep_interval=None, pool_size=10)
    try:
        bank, *_ = ids = await open_accounts(
            ledger,
            account(),
            account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
            *(account() for _ in range(20)),
        )
        hot, others = ids[1], ids[2:]
        # The hot account starts with less than is asked of it, so the limit must bite.
        assert [r.value for r in await ledger.create_transfers([transfer(bank, hot, 30_000)])] == [
            "ok"
        ]
        moved_out = 0
        moved_in = 0

        async def submit(seed: int) -> None:
            nonlocal moved_out, moved_in
            rng = random.Random(seed)
            for _ in range(PER_SUBMITTER // CALL_SIZE):
                batch = []
                for _ in range(CALL_SIZE):
                    amount = rng.randint(1, 20)
                    if rng.random() < 0.5:
                        if rng.random() < 0.5:
                            batch.append(transfer(hot, rng.choice(others), amount))
                        else:
                            batch.append(transfer(rng.choice(others), hot, amount))
                    else:
                        a, b = rng.sample(others, 2)
                        batch.append(transfer(a, b, amount))
                outcome = await ledger.create_transfers(batch)
                for t, r in zip(batch, outcome, strict=True):
                    assert r.value in ("ok", "exceeds_credits"), r
                    if r.value == "ok" and t.debit_account_id == hot:
                        moved_out += t.amount
                    elif r.value == "ok" and t.credit_account_id == hot:
                        moved_in += t.amount

        await asyncio.gather(*(submit(seed) for seed in range(SUBMITTERS)))
        dp, dpo, cp, cpo = await counters(ledger, hot)
        assert (dp, cp) == (0, 0)
        assert dpo == moved_out
        assert cpo == 30_000 + moved_in
        assert dpo <= cpo
        assert ledger.engine.stats.transfers >= SUBMITTERS * PER_SUBMITTER
        report = await ledger.check_invariants()
        assert report.ok, report.violations
    finally:
        await ledger.close()
