"""The ports of the product factory: what the stored catalogue and accrual store need from a
database, and the records that cross them. `strongroom.store.products` implements them; the
composition root (`strongroom.bootstrap`) hands an adapter to `StoredProductCatalog`.

Times are nanoseconds since the epoch, as the ledger's. A write transaction commits when its
block ends and rolls back if it raises, so a change, its history row and its outbox event are
stored together or not at all.

Plain records and protocols only: may import the standard library; never strongroom.store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class VersionRow:
    """A published version: its canonical definition and who published it when."""

    product: str
    version: int
    digest: str
    definition: str
    published_by: str
    trace_id: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    """The version an account is pinned to, with its per-account limit overrides."""

    account_id: uuid.UUID
    tenant: str
    product: str
    version: int
    limit_overrides: dict[str, int]
    assigned_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One entry of an account's append-only assignment history."""

    id: uuid.UUID
    account_id: uuid.UUID
    tenant: str
    action: str
    product: str
    from_version: int | None
    to_version: int
    actor: str
    trace_id: str | None
    reason: str
    at: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccrualRow:
    """The accrual job's carried state of one account (see products.interest.AccrualState)."""

    account_id: uuid.UUID
    last_day: date | None
    residue_credit: Fraction
    residue_overdraft: Fraction
    month_credit: int
    month_overdraft: int


class ProductTransaction(Protocol):
    """Reads and writes inside one database transaction (see `ProductStore.transaction`)."""

    async def publish(self, row: VersionRow) -> tuple[VersionRow, bool]:
        """Insert the version unless (product, version) exists; return the stored row and
        whether this call inserted it."""
        ...

    async def get_version(self, product: str, version: int) -> VersionRow | None: ...

    async def lock_assignment(self, account_id: uuid.UUID) -> AssignmentRow | None:
        """The account's assignment, locked until the transaction ends, so two changes of one
        account never interleave."""
        ...

    async def insert_assignment(self, row: AssignmentRow) -> None:
        """Pin a new account; strongroom.errors.Conflict if another transaction pinned it
        since `lock_assignment` found none."""
        ...

    async def update_assignment(self, row: AssignmentRow) -> None: ...

    async def record_change(self, change: ChangeRow, events: bytes) -> None:
        """Append the change to the history and its events to the outbox."""
        ...

    async def save_accrual(self, row: AccrualRow, now: int) -> None:
        """Insert or replace the account's carried accrual state."""
        ...

    async def write_events(self, events: bytes, now: int) -> None:
        """One outbox row: the JSON array of envelopes this transaction produced."""
        ...


class ProductStore(Protocol):
    """The product factory's tables in one database."""

    def transaction(self) -> AbstractAsyncContextManager[ProductTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        ...

    async def get_version(self, product: str, version: int) -> VersionRow | None: ...

    async def list_versions(self, product: str | None = None) -> list[VersionRow]:
        """Published versions, by product then version; all products when `product` is None."""
        ...

    async def get_assignment(self, account_id: uuid.UUID) -> AssignmentRow | None: ...

    async def get_assignments(
        self, account_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, AssignmentRow]:
        """The assignments of those of `account_ids` that have one, in one read."""
        ...

    async def changes(self, account_id: uuid.UUID) -> list[ChangeRow]:
        """The account's assignment history, oldest first."""
        ...

    async def load_accrual(self, account_id: uuid.UUID) -> AccrualRow | None: ...

    async def save_accrual(self, row: AccrualRow, now: int) -> None:
        """`ProductTransaction.save_accrual` in a transaction of its own."""
        ...

    async def close(self) -> None: ...
