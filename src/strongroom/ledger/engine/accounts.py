"""The engine's account cache: what the rules need of an account besides its counters.

An account never changes its ledger, flags, overdraft limit or tenant. Its status does, and
every status change bumps the status epoch that each batch reads when it is admitted
(`LedgerTransaction.admit_batch`). So the engine keeps every account it has used, until the
epoch moves, as a *template*: the account's `BalanceState` with zero counters. A batch copies
the template of each account it only adds deltas to (docs/ledger-engine.md, "Delta accounts").
Entries are keyed by `UUID.int`: `UUID.__hash__` is a Python-level method.

Reads through the ledger's ports; never imports the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from strongroom.ledger.ports import AccountMeta, LedgerTransaction
from strongroom.ledger.rules import BalanceState
from strongroom.ledger.types import STATUS_BY_VALUE


def template(meta: AccountMeta) -> BalanceState:
    """`meta` as the rules see an account: its static fields, zero counters."""
    return BalanceState(
        meta.id,
        meta.ledger,
        meta.flags,
        meta.overdraft_limit,
        STATUS_BY_VALUE[meta.status],
        meta.tenant,
        0,
        0,
        0,
        0,
    )


class AccountCache:
    """Templates of the accounts this process has used, valid for one status epoch and bounded
    by `capacity` (emptied when full: accounts are cheap to read again, in one statement)."""

    def __init__(self, capacity: int) -> None:
        #: Never handed to the rules as they are: a batch works on copies.
        self.templates: dict[int, BalanceState] = {}
        #: The epoch the templates' statuses belong to (-1: none read yet).
        self.status_epoch = -1
        self._capacity = capacity

    def follow(self, status_epoch: int) -> None:
        """Forget every account when a status changed since the cache last looked."""
        if status_epoch != self.status_epoch:
            self.templates.clear()
            self.status_epoch = status_epoch

    def covers(self, ids: Iterable[int]) -> bool:
        templates = self.templates
        return all(a in templates for a in ids)

    async def load(self, tx: LedgerTransaction, ids: dict[int, uuid.UUID]) -> None:
        """Read the accounts among `ids` the cache lacks; those that exist become templates."""
        templates = self.templates
        unknown = [account_id for a, account_id in ids.items() if a not in templates]
        if not unknown:
            return
        if len(templates) + len(unknown) > self._capacity:
            # Emptied to make room: this batch's other accounts must be read again too.
            templates.clear()
            unknown = list(ids.values())
        for meta in await tx.account_meta(unknown):
            templates[meta.id.int] = template(meta)
