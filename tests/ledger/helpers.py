"""Small builders for ledger tests."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from strongroom.ids import new_id
from strongroom.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags

#: The repository's root: child processes run `tests.ledger.*` modules from it.
ROOT = Path(__file__).resolve().parents[2]


def child_env() -> dict[str, str]:
    """A child process's environment: this tree's `src` and `tests` first on the path, so that
    it runs the code under test, not whichever strongroom is installed."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def account(ledger: str = "USD", flags: AccountFlags = AccountFlags.NONE, **kw: Any) -> Account:
    return Account(id=kw.pop("id", None) or new_id(), ledger=ledger, code=1, flags=flags, **kw)


def transfer(
    debit: uuid.UUID,
    credit: uuid.UUID,
    amount: int,
    flags: TransferFlags = TransferFlags.NONE,
    **kw: Any,
) -> Transfer:
    return Transfer(
        id=kw.pop("id", None) or new_id(),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=amount,
        ledger=kw.pop("ledger", "USD"),
        code=kw.pop("code", 1),
        flags=flags,
        **kw,
    )


async def open_accounts(ledger: Ledger, *accounts: Account) -> list[uuid.UUID]:
    results = await ledger.create_accounts(list(accounts))
    assert [r.value for r in results] == ["ok"] * len(accounts)
    return [a.id for a in accounts]


async def counters(ledger: Ledger, account_id: uuid.UUID) -> tuple[int, int, int, int]:
    (a,) = await ledger.lookup_accounts([account_id])
    return (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)


async def results(ledger: Ledger, *transfers: Transfer) -> list[str]:
    return [r.value for r in await ledger.create_transfers(list(transfers))]
