"""Storage of the product factory: published versions, pinned accounts, the history of their
changes, and the accrual job's carried state, on SQLite and PostgreSQL.

Owns every SQL statement of the product factory (SQLAlchemy Core over the async engine: one set
of statements for both backends), implementing the ports of strongroom.products.ports with the
records declared there; the rules (what may be published, when an account may move) live in
strongroom.products. May import strongroom.errors, strongroom.products.ports and
strongroom.store; never the rest of strongroom.products, services, api or cli. Schema:
migration 0004_products.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.errors import Conflict
from strongroom.products.ports import AccrualRow, AssignmentRow, ChangeRow, VersionRow
from strongroom.store.connections import (
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.tables import (
    outbox,
    product_accrual_states,
    product_assignment_changes,
    product_assignments,
    product_versions,
)
from strongroom.store.urls import DatabaseURL


def _version(r: sa.Row[Any]) -> VersionRow:
    return VersionRow(
        r.product, r.version, r.digest, r.definition, r.published_by, r.trace_id, r.created_at
    )


def _assignment(r: sa.Row[Any]) -> AssignmentRow:
    return AssignmentRow(
        r.account_id,
        r.tenant,
        r.product,
        r.version,
        json.loads(r.limit_overrides),
        r.assigned_at,
        r.updated_at,
    )


def _change(r: sa.Row[Any]) -> ChangeRow:
    return ChangeRow(
        r.id,
        r.account_id,
        r.tenant,
        r.action,
        r.product,
        r.from_version,
        r.to_version,
        r.actor,
        r.trace_id,
        r.reason,
        r.at,
        json.loads(r.detail),
    )


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True)


class SqlProductTransaction:
    """strongroom.products.ports.ProductTransaction on one SQLAlchemy connection."""

    def __init__(self, conn: AsyncConnection, kind: str) -> None:
        self._conn = conn
        self._kind = kind

    def _insert(self, table: sa.Table) -> Any:
        """INSERT with the backend's ON CONFLICT clause available."""
        return (postgresql.insert if self._kind == "postgresql" else sqlite.insert)(table)

    async def publish(self, row: VersionRow) -> tuple[VersionRow, bool]:
        """Insert the version unless (product, version) exists; return the stored row and
        whether this call inserted it."""
        result = await self._conn.execute(
            self._insert(product_versions)
            .values(
                product=row.product,
                version=row.version,
                digest=row.digest,
                definition=row.definition,
                published_by=row.published_by,
                trace_id=row.trace_id,
                created_at=row.created_at,
            )
            .on_conflict_do_nothing(index_elements=["product", "version"])
        )
        stored = await get_version(self._conn, row.product, row.version)
        assert stored is not None
        return stored, result.rowcount == 1

    async def get_version(self, product: str, version: int) -> VersionRow | None:
        return await get_version(self._conn, product, version)

    async def lock_assignment(self, account_id: uuid.UUID) -> AssignmentRow | None:
        """The account's assignment, locked until the transaction ends (PostgreSQL: FOR
        UPDATE; SQLite: the transaction already holds the write lock)."""
        result = await self._conn.execute(
            sa.select(product_assignments)
            .where(product_assignments.c.account_id == account_id)
            .with_for_update()
        )
        row = result.first()
        return _assignment(row) if row is not None else None

    async def insert_assignment(self, row: AssignmentRow) -> None:
        result = await self._conn.execute(
            self._insert(product_assignments)
            .values(
                account_id=row.account_id,
                tenant=row.tenant,
                product=row.product,
                version=row.version,
                limit_overrides=_json(row.limit_overrides),
                assigned_at=row.assigned_at,
                updated_at=row.updated_at,
            )
            .on_conflict_do_nothing(index_elements=["account_id"])
        )
        if result.rowcount != 1:
            raise Conflict(f"account {row.account_id} was pinned concurrently; retry")

    async def update_assignment(self, row: AssignmentRow) -> None:
        await self._conn.execute(
            sa.update(product_assignments)
            .where(product_assignments.c.account_id == row.account_id)
            .values(
                product=row.product,
                version=row.version,
                limit_overrides=_json(row.limit_overrides),
                updated_at=row.updated_at,
            )
        )

    async def record_change(self, change: ChangeRow, events: bytes) -> None:
        """Append the change to the history and its events to the outbox."""
        await self._conn.execute(
            sa.insert(product_assignment_changes).values(
                id=change.id,
                account_id=change.account_id,
                tenant=change.tenant,
                action=change.action,
                product=change.product,
                from_version=change.from_version,
                to_version=change.to_version,
                actor=change.actor,
                trace_id=change.trace_id,
                reason=change.reason,
                detail=_json(change.detail),
                at=change.at,
            )
        )
        await self.write_events(events, change.at)

    async def save_accrual(self, row: AccrualRow, now: int) -> None:
        """Insert or replace the account's carried accrual state."""
        values = {
            "last_day": row.last_day.isoformat() if row.last_day is not None else None,
            "residue_credit": str(row.residue_credit),
            "residue_overdraft": str(row.residue_overdraft),
            "month_credit": row.month_credit,
            "month_overdraft": row.month_overdraft,
            "updated_at": now,
        }
        statement = self._insert(product_accrual_states).values(account_id=row.account_id, **values)
        await self._conn.execute(
            statement.on_conflict_do_update(index_elements=["account_id"], set_=values)
        )

    async def write_events(self, events: bytes, now: int) -> None:
        """One outbox row: the JSON array of envelopes this transaction produced."""
        await self._conn.execute(sa.insert(outbox).values(created_at=now, events=events))


async def get_version(conn: AsyncConnection, product: str, version: int) -> VersionRow | None:
    result = await conn.execute(
        sa.select(product_versions).where(
            product_versions.c.product == product, product_versions.c.version == version
        )
    )
    row = result.first()
    return _version(row) if row is not None else None


class SqlProductStore:
    """strongroom.products.ports.ProductStore over a SQLAlchemy engine. Open with
    `SqlProductStore.open(url)` on a migrated database."""

    def __init__(self, engine: AsyncEngine, kind: str) -> None:
        self._engine = engine
        self._kind = kind

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlProductStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url.kind)

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlProductTransaction]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        async with write_transaction(self._engine) as conn:
            yield SqlProductTransaction(conn, self._kind)

    async def get_version(self, product: str, version: int) -> VersionRow | None:
        async with self._engine.connect() as conn:
            return await get_version(conn, product, version)

    async def list_versions(self, product: str | None = None) -> list[VersionRow]:
        query = sa.select(product_versions).order_by(
            product_versions.c.product, product_versions.c.version
        )
        if product is not None:
            query = query.where(product_versions.c.product == product)
        async with self._engine.connect() as conn:
            return [_version(r) for r in await conn.execute(query)]

    async def get_assignment(self, account_id: uuid.UUID) -> AssignmentRow | None:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(product_assignments).where(product_assignments.c.account_id == account_id)
            )
            row = result.first()
        return _assignment(row) if row is not None else None

    async def get_assignments(
        self, account_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, AssignmentRow]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(product_assignments).where(
                    product_assignments.c.account_id.in_(list(account_ids))
                )
            )
            rows = [_assignment(row) for row in result]
        return {row.account_id: row for row in rows}

    async def changes(self, account_id: uuid.UUID) -> list[ChangeRow]:
        """The account's assignment history, oldest first."""
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(product_assignment_changes)
                .where(product_assignment_changes.c.account_id == account_id)
                .order_by(product_assignment_changes.c.at, product_assignment_changes.c.id)
            )
            return [_change(r) for r in result]

    async def load_accrual(self, account_id: uuid.UUID) -> AccrualRow | None:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(product_accrual_states).where(
                    product_accrual_states.c.account_id == account_id
                )
            )
            r = result.first()
        if r is None:
            return None
        return AccrualRow(
            r.account_id,
            date.fromisoformat(r.last_day) if r.last_day is not None else None,
            Fraction(r.residue_credit),
            Fraction(r.residue_overdraft),
            r.month_credit,
            r.month_overdraft,
        )

    async def save_accrual(self, row: AccrualRow, now: int) -> None:
        async with self.transaction() as tx:
            await tx.save_accrual(row, now)
