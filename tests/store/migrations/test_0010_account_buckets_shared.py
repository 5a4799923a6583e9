"""0010_account_buckets_shared: `account_buckets` gains `hot_at` (existing rows: hot when last
resized) and `pinned` (existing rows: not pinned), and loses them again on the way down."""

from __future__ import annotations

from strongroom.bootstrap import open_ledger
from strongroom.ledger.buckets import AccountSplit
from tests.ledger.helpers import account, open_accounts
from tests.store.migrations.helpers import columns, migrate


async def test_existing_splits_are_hot_when_last_resized_and_unpinned(db_url: str) -> None:
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        assert await ledger.split_account(a, 2)
        assert await ledger.split_account(b, 4, pin=True)
        before = await ledger.store.split_accounts()
    assert before[b].pinned
    await migrate(db_url, "downgrade", "0009_sqlite_account_indexes")
    assert "hot_at" not in await columns(db_url, "account_buckets")
    assert "pinned" not in await columns(db_url, "account_buckets")
    await migrate(db_url, "upgrade", "heads")
    shape = await columns(db_url, "account_buckets")
    assert not shape["hot_at"]["nullable"]
    assert not shape["pinned"]["nullable"]
    async with await open_ledger(db_url, migrate=False, sweep_interval=None) as ledger:
        after = await ledger.store.split_accounts()
    assert after == {
        a: AccountSplit(2, before[a].resized_at, before[a].resized_at, pinned=False),
        b: AccountSplit(4, before[b].resized_at, before[b].resized_at, pinned=False),
    }
