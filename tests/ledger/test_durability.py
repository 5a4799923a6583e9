"""Failure injection: a writer killed with SIGKILL mid-batch leaves whole batches or none."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.ledger import TransferQuery
from tests.ledger.helpers import ROOT, account, child_env, counters, open_accounts

BATCH = 2_000


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0.9, 1.7])
async def test_sigkill_mid_batch_leaves_whole_batches(db_url: str, kill_after: float) -> None:
    ledger = await open_ledger(db_url, sweep_interval=None)
    debit, credit = await open_accounts(ledger, account(), account())
    await ledger.close()

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.ledger.crash_writer",
        db_url,
        str(debit),
        str(credit),
        str(BATCH),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env=child_env(),
    )
    assert child.stdout is not None
    # Wait for the first committed batch, then kill at an arbitrary later moment.
    first = await asyncio.wait_for(child.stdout.readline(), timeout=60)
    assert first.strip() == b"0"
    await asyncio.sleep(kill_after)
    child.send_signal(signal.SIGKILL)
    reported = [int(line) for line in (await child.stdout.read()).split()] + [0]
    await child.wait()

    ledger = await open_ledger(db_url, sweep_interval=None)
    try:
        per_batch: Counter[int] = Counter()
        cursor = None
        while True:
            page = await ledger.get_account_transfers(
                TransferQuery(credit, limit=8190, cursor=cursor)
            )
            per_batch.update(t.metadata["batch"] for t in page.items if t.metadata)
            cursor = page.next_cursor
            if cursor is None:
                break
        # Every committed batch is complete; the one in flight is absent, never partial.
        assert set(per_batch.values()) == {BATCH}
        assert max(reported) <= max(per_batch) <= max(reported) + 1
        assert await counters(ledger, credit) == (0, 0, 0, BATCH * len(per_batch))
        report = await ledger.check_invariants()
        assert report.ok, report.violations
    finally:
        await ledger.close()
