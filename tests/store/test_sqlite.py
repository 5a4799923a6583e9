"""The SQLite store's reads outside a transaction see committed data only."""

from __future__ import annotations

from strongroom.bootstrap import open_ledger
from strongroom.ledger import AccountStatus
from tests.ledger.helpers import account, counters, open_accounts, results, transfer


async def test_a_read_does_not_see_an_open_transaction(sqlite_url: str) -> None:
    """Reads and writes share one file but not one connection: a lookup while a write
    transaction is open sees the state before it, and nothing of it if it rolls back."""
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        bank, shop = await open_accounts(ledger, account(), account())
        assert await results(ledger, transfer(bank, shop, 5)) == ["ok"]
        store = ledger.store
        try:
            async with store.transaction() as tx:
                await tx.set_status(shop, AccountStatus.FROZEN)
                (seen,) = await ledger.lookup_accounts([shop])
                assert seen.status is AccountStatus.OPEN
                raise LookupError("roll back")
        except LookupError:
            pass
        (after,) = await ledger.lookup_accounts([shop])
        assert after.status is AccountStatus.OPEN
        await ledger.set_account_status(shop, AccountStatus.FROZEN)
        (frozen,) = await ledger.lookup_accounts([shop])
        assert frozen.status is AccountStatus.FROZEN
        assert await counters(ledger, shop) == (0, 0, 0, 5)
