"""The durable product catalogue and accrual store, over the ProductStore port (ports.py).

Owns: `StoredProductCatalog` (the `Catalog` interface on the database: versions, pinned
accounts, each change recorded in the assignment history and, in the same transaction, as a
`products.assignment.changed` event in the outbox) and `StoredAccrualStore` (the accrual job's
carried state). The rules are those of versions.py; the SQL is in strongroom.store.products,
which the composition root (strongroom.bootstrap.open_products) hands in. Holds no SQL and never
imports strongroom.store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from strongroom.clock import Clock, SystemClock
from strongroom.errors import NotFound, StorageError, ValidationError
from strongroom.ids import new_id
from strongroom.ledger.events import SCHEMA_VERSION, OutgoingEnvelope, encode
from strongroom.products.definitions import ProductDefinition, parse_product
from strongroom.products.interest import AccrualState
from strongroom.products.ports import (
    AccrualRow,
    AssignmentRow,
    ChangeRow,
    ProductStore,
    ProductTransaction,
    VersionRow,
)
from strongroom.products.versions import (
    Assignment,
    AssignmentChange,
    PublishedVersion,
    check_republish,
    moment,
    plan_assign,
    plan_migration,
    plan_override,
    resolve_actor,
    resolve_tenant,
)
from strongroom.tracing import current_trace_id

ASSIGNMENT_CHANGED = "products.assignment.changed"
VERSION_PUBLISHED = "products.version.published"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ns(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1) * 1000


def _datetime(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _assignment(row: AssignmentRow) -> Assignment:
    return Assignment(
        row.account_id,
        row.product,
        row.version,
        MappingProxyType(dict(row.limit_overrides)),
        row.tenant,
    )


def _published(row: VersionRow) -> PublishedVersion:
    return PublishedVersion(row.product, row.version, row.digest, _datetime(row.created_at))


class StoredProductCatalog:
    """The product catalogue in the database (SQLite or PostgreSQL), behind `Catalog`."""

    def __init__(self, store: ProductStore, clock: Clock | None = None) -> None:
        self._store = store
        self._clock = clock or SystemClock()
        # Versions are immutable, so a parsed definition never goes stale.
        self._definitions: dict[tuple[str, int], ProductDefinition] = {}

    @property
    def store(self) -> ProductStore:
        return self._store

    async def publish(
        self, definition: ProductDefinition, *, actor: str | None = None, at: datetime | None = None
    ) -> PublishedVersion:
        """Store a version. The same content again returns the stored version (idempotent);
        other content under the same (product, version) is a VersionConflict."""
        if not definition.canonical:
            raise ValidationError("definition", "build definitions with parse_product/load_product")
        who, when = resolve_actor(actor), _ns(moment(at, self._clock))
        trace_id = current_trace_id()
        row = VersionRow(
            definition.product,
            definition.version,
            definition.digest,
            definition.canonical,
            who,
            trace_id,
            when,
        )
        async with self._store.transaction() as tx:
            stored, inserted = await tx.publish(row)
            check_republish(stored.digest, definition)
            if inserted:
                envelope = OutgoingEnvelope(
                    id=new_id(),
                    type=VERSION_PUBLISHED,
                    version=SCHEMA_VERSION,
                    occurred_at=when,
                    tenant=resolve_tenant(None),
                    trace_id=trace_id,
                    actor=who,
                    data={
                        "product": definition.product,
                        "version": definition.version,
                        "digest": definition.digest,
                    },
                )
                await tx.write_events(_events(envelope), when)
        return _published(stored)

    async def get(self, product: str, version: int) -> ProductDefinition:
        key = (product, version)
        cached = self._definitions.get(key)
        if cached is not None:
            return cached
        row = await self._store.get_version(product, version)
        if row is None:
            raise NotFound(f"product {product!r} version {version}")
        definition = parse_product(row.definition, f"{product} v{version} (stored)")
        if definition.digest != row.digest:
            raise StorageError(f"stored {product} v{version} does not match its digest")
        self._definitions[key] = definition
        return definition

    async def versions(self, product: str) -> list[int]:
        return [r.version for r in await self._store.list_versions(product)]

    async def published(self, product: str | None = None) -> list[PublishedVersion]:
        return [_published(r) for r in await self._store.list_versions(product)]

    async def assignment(self, account_id: uuid.UUID) -> Assignment:
        row = await self._store.get_assignment(account_id)
        if row is None:
            raise NotFound(f"no product assigned to account {account_id}")
        return _assignment(row)

    async def assignments(self, account_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Assignment]:
        """The assignments of those of `account_ids` that have one, in one read."""
        found = await self._store.get_assignments(account_ids)
        return {account_id: _assignment(row) for account_id, row in found.items()}

    async def definition_for(self, account_id: uuid.UUID) -> tuple[ProductDefinition, Assignment]:
        a = await self.assignment(account_id)
        return await self.get(a.product, a.version), a

    async def history(self, account_id: uuid.UUID) -> list[ChangeRow]:
        """The account's assignment changes, oldest first."""
        return await self._store.changes(account_id)

    async def assign(
        self,
        account_id: uuid.UUID,
        product: str,
        version: int,
        *,
        actor: str | None = None,
        at: datetime | None = None,
        tenant: str | None = None,
        reason: str = "open",
    ) -> Assignment:
        """Pin a new account to a version; moving it later is `migrate`, never `assign`."""
        await self.get(product, version)
        async with self._store.transaction() as tx:
            current = await self._locked(tx, account_id)
            change = plan_assign(
                current, account_id, product, version, resolve_tenant(tenant), reason
            )
            if change is None:
                assert current is not None
                return current
            return await self._apply(tx, change, actor, at)

    async def set_limit_override(
        self,
        account_id: uuid.UUID,
        limit_id: str,
        maximum: int | None,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment:
        async with self._store.transaction() as tx:
            current = await self._locked(tx, account_id)
            if current is None:
                raise NotFound(f"no product assigned to account {account_id}")
            definition = await self.get(current.product, current.version)
            change = plan_override(definition, current, limit_id, maximum, reason)
            return await self._apply(tx, change, actor, at)

    async def migrate(
        self,
        account_id: uuid.UUID,
        to_version: int,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment:
        """Move an account to another version of its product, in one transaction: the new
        assignment, its history row and the outbox event commit together or not at all."""
        if not reason.strip():
            raise ValidationError("reason", "a migration needs a reason for the audit log")
        async with self._store.transaction() as tx:
            current = await self._locked(tx, account_id)
            if current is None:
                raise NotFound(f"no product assigned to account {account_id}")
            target = await self.get(current.product, to_version)
            change = plan_migration(current, target, reason)
            return await self._apply(tx, change, actor, at)

    async def _locked(self, tx: ProductTransaction, account_id: uuid.UUID) -> Assignment | None:
        row = await tx.lock_assignment(account_id)
        return _assignment(row) if row is not None else None

    async def _apply(
        self,
        tx: ProductTransaction,
        change: AssignmentChange,
        actor: str | None,
        at: datetime | None,
    ) -> Assignment:
        who, when = resolve_actor(actor), _ns(moment(at, self._clock))
        trace_id = current_trace_id()
        after, before = change.after, change.before
        row = AssignmentRow(
            after.account_id,
            after.tenant,
            after.product,
            after.version,
            dict(after.limit_overrides),
            when,
            when,
        )
        if before is None:
            await tx.insert_assignment(row)
        else:
            await tx.update_assignment(row)
        record = ChangeRow(
            id=new_id(),
            account_id=after.account_id,
            tenant=after.tenant,
            action=str(change.action),
            product=after.product,
            from_version=before.version if before is not None else None,
            to_version=after.version,
            actor=who,
            trace_id=trace_id,
            reason=change.reason,
            at=when,
            detail=dict(change.detail),
        )
        data: dict[str, Any] = {
            "account_id": after.account_id,
            "action": record.action,
            "product": after.product,
            "from_version": record.from_version,
            "to_version": after.version,
            "reason": change.reason,
            "limit_overrides": dict(after.limit_overrides),
            **record.detail,
        }
        envelope = OutgoingEnvelope(
            id=record.id,
            type=ASSIGNMENT_CHANGED,
            version=SCHEMA_VERSION,
            occurred_at=when,
            tenant=after.tenant,
            trace_id=trace_id,
            actor=who,
            data=data,
        )
        await tx.record_change(record, _events(envelope))
        return after


def _events(envelope: OutgoingEnvelope) -> bytes:
    encoded = encode([envelope])
    assert encoded is not None
    return encoded


class StoredAccrualStore:
    """The accrual job's carried state per account, in the database (see AccrualStore)."""

    def __init__(self, store: ProductStore, clock: Clock | None = None) -> None:
        self._store = store
        self._clock = clock or SystemClock()

    async def load(self, account_id: uuid.UUID) -> AccrualState | None:
        row = await self._store.load_accrual(account_id)
        if row is None:
            return None
        return AccrualState(
            row.last_day,
            row.residue_credit,
            row.residue_overdraft,
            row.month_credit,
            row.month_overdraft,
        )

    async def save(self, account_id: uuid.UUID, state: AccrualState) -> None:
        row = AccrualRow(
            account_id,
            state.last_day,
            state.residue_credit,
            state.residue_overdraft,
            state.month_credit,
            state.month_overdraft,
        )
        await self._store.save_accrual(row, self._clock.now_ns())
