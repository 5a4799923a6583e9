"""The tenant's book of accounts as the periodic jobs walk it: every account not closed, a page
at a time, each with the product version the catalogue has it pinned to (the same assignment a
payment reads), so interest and monthly charges price an account as its payments are priced."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from strongroom.banking.ports import AccountRecord, BankStore
from strongroom.products.definitions import ProductDefinition
from strongroom.products.stored import StoredProductCatalog

#: Accounts read and priced per page.
PAGE = 500


@dataclass(frozen=True, slots=True)
class Booked:
    account: AccountRecord
    product: ProductDefinition


async def book(
    bank: BankStore, catalog: StoredProductCatalog, tenant: str, page: int = PAGE
) -> AsyncIterator[list[Booked]]:
    """The tenant's open and frozen accounts, `page` at a time, in id order."""
    definitions: dict[tuple[str, int], ProductDefinition] = {}
    after: uuid.UUID | None = None
    while True:
        rows = await bank.open_accounts(tenant, after, page)
        if not rows:
            return
        pinned = await catalog.assignments([r.id for r in rows])
        booked = []
        for row in rows:
            assignment = pinned.get(row.id)
            key = (
                (assignment.product, assignment.version)
                if assignment is not None
                else (row.product, row.product_version)
            )
            if key not in definitions:
                definitions[key] = await catalog.get(*key)
            booked.append(Booked(row, definitions[key]))
        yield booked
        if len(rows) < page:
            return
        after = rows[-1].id
