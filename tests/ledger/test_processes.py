"""Three OS processes on one PostgreSQL, all hitting the same hot accounts."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from strongroom.bootstrap import open_ledger
from strongroom.ledger import AccountFlags, TransferQuery
from tests.ledger.helpers import account, counters, open_accounts, transfer

ROOT = Path(__file__).resolve().parents[2]
FUNDING = 20_000


@pytest.mark.slow
async def test_three_processes_apply_every_transfer_exactly_once(pg_url: str) -> None:
    ledger = await open_ledger(pg_url, sweep_interval=None)
    bank, *ids = await open_accounts(
        ledger,
        account(),
        *(account(flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS) for _ in range(2)),
        *(account() for _ in range(30)),
    )
    hot, others = ids[:2], ids[2:]
    for h in hot:
        assert [r.value for r in await ledger.create_transfers([transfer(bank, h, FUNDING)])] == [
            "ok"
        ]
    # Start split, so that processes write different buckets of the hot accounts at once.
    assert await ledger.split_account(hot[0], 4)
    await ledger.close()

    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.ledger.multiprocess_writer",
            pg_url,
            str(seed),
            "25",
            *map(str, hot),
            "--",
            *map(str, others),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for seed in range(3)
    ]
    outputs = await asyncio.gather(*(child.communicate() for child in children))
    assert [child.returncode for child in children] == [0, 0, 0]
    applied = [row for out, _ in outputs for row in json.loads(out)["applied"]]

    ledger = await open_ledger(pg_url, sweep_interval=None)
    try:
        # Every transfer a process saw succeed is in the log exactly once, and nothing else is.
        ids_seen = Counter(row[0] for row in applied)
        assert set(ids_seen.values()) == {1}
        expected: Counter[str] = Counter()
        for _, debit, credit, amount in applied:
            expected[debit] -= amount
            expected[credit] += amount
        for h in hot:
            dp, dpo, cp, cpo = await counters(ledger, h)
            assert (dp, cp) == (0, 0)
            assert cpo - dpo == FUNDING + expected[str(h)]
            assert dpo <= cpo, "overdrawn"
        stored = 0
        for h in hot:
            cursor = None
            while True:
                page = await ledger.get_account_transfers(
                    TransferQuery(h, limit=8190, cursor=cursor)
                )
                stored += sum(1 for t in page.items if t.debit_account_id != bank)
                cursor = page.next_cursor
                if cursor is None:
                    break
        assert stored == len(applied)
        report = await ledger.check_invariants()
        assert report.ok, report.violations
    finally:
        await ledger.close()
