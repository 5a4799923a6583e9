"""The reads every payment makes of the ledger and the product catalogue, shared by the payments
in flight: concurrent reads of account balances, and of the products accounts are pinned to, are
one query each (a Coalescer), not one per payment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from strongroom.errors import NotFound
from strongroom.ledger import Account, Ledger
from strongroom.products.definitions import ProductDefinition
from strongroom.products.stored import StoredProductCatalog
from strongroom.products.versions import Assignment
from strongroom.workflows.batching import Coalescer


class Lookups:
    def __init__(self, ledger: Ledger, catalog: StoredProductCatalog) -> None:
        self._ledger = ledger
        self._catalog = catalog
        self._accounts: Coalescer[uuid.UUID, Account | None] = Coalescer(self._fetch_accounts)
        self._assignments: Coalescer[uuid.UUID, Assignment | None] = Coalescer(
            self._fetch_assignments
        )

    async def _fetch_accounts(self, ids: Sequence[uuid.UUID]) -> list[Account | None]:
        found = {a.id: a for a in await self._ledger.lookup_accounts(list(set(ids)))}
        return [found.get(i) for i in ids]

    async def _fetch_assignments(self, ids: Sequence[uuid.UUID]) -> list[Assignment | None]:
        found = await self._catalog.assignments(list(set(ids)))
        return [found.get(i) for i in ids]

    async def balance(self, account_id: uuid.UUID) -> int:
        """The ledger account's posted balance (credits - debits)."""
        account = await self._accounts.get(account_id)
        if account is None:
            raise NotFound(f"account {account_id} not found")
        return account.balance

    async def product(self, account_id: uuid.UUID) -> tuple[ProductDefinition, Assignment]:
        """The product version the account is pinned to, with its limit overrides."""
        assignment = await self._assignments.get(account_id)
        if assignment is None:
            raise NotFound(f"no product assigned to account {account_id}")
        return await self._catalog.get(assignment.product, assignment.version), assignment
