"""Billing's tables on either backend: strongroom.billing.ports.BillingStore, in SQLAlchemy Core
but for the hot path.

Ingesting usage is the hot path: on PostgreSQL one statement per batch through asyncpg (the
rows as arrays through `unnest`, ON CONFLICT DO NOTHING on the event id, the count of new rows
returned); on SQLite the driver's executemany of INSERT OR IGNORE. An invoice run stores a page
of invoices and marks the usage they billed in one transaction, so a run killed between pages
leaves each page whole or absent. Definitions get their versions numbered by the primary key: a
second writer of the same version gets a Conflict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.billing.ports import (
    CreditNoteRecord,
    Definition,
    InvoiceRecord,
    InvoiceStatus,
    Kind,
)
from strongroom.billing.types import StoredUsage, UsageEvent
from strongroom.errors import Conflict
from strongroom.store.connections import (
    LazyPgPool,
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.tables import (
    billing_credit_notes,
    billing_definitions,
    billing_invoices,
    billing_usage,
    outbox,
)
from strongroom.store.urls import DatabaseURL

_encode = msgspec.json.Encoder().encode
_properties = msgspec.json.Decoder(dict[str, str | int | bool])
_USAGE_COLUMNS = "id, tenant, subject, metric, quantity, properties, at, ingested_at"
_INSERT_USAGE_PG = (
    f"INSERT INTO billing_usage ({_USAGE_COLUMNS})"
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[],"
    " $6::text[], $7::bigint[], $8::bigint[])"
    " ON CONFLICT (id) DO NOTHING"
)
_INSERT_USAGE_SQLITE = (
    f"INSERT OR IGNORE INTO billing_usage ({_USAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_MARK_BILLED_PG = sa.text(
    "UPDATE billing_usage SET billed_in = v.invoice"
    " FROM unnest(:usage, :invoice) AS v(usage, invoice) WHERE billing_usage.id = v.usage"
).bindparams(
    sa.bindparam("usage", type_=postgresql.ARRAY(sa.Uuid())),
    sa.bindparam("invoice", type_=postgresql.ARRAY(sa.Uuid())),
)
#: Subjects one statement reads the usage of (one parameter each, well under SQLite's limit).
_SUBJECT_CHUNK = 500


async def _outbox(conn: AsyncConnection, at: int, events: bytes) -> None:
    await conn.execute(sa.insert(outbox).values(created_at=at, events=events))


def _usage(row: Any) -> StoredUsage:
    event = UsageEvent(
        id=row.id,
        subject=row.subject,
        metric=row.metric,
        quantity=row.quantity,
        at=row.at,
        properties=_properties.decode(row.properties),
    )
    return StoredUsage(row.tenant, event, row.ingested_at, row.billed_in)


def _definition(row: Any) -> Definition:
    return Definition(
        tenant=row.tenant,
        kind=Kind(row.kind),
        id=row.id,
        version=row.version,
        body=json.loads(row.body),
        digest=row.digest,
        created_at=row.created_at,
        created_by=row.created_by,
        archived_at=row.archived_at,
    )


def _invoice(row: Any) -> InvoiceRecord:
    return InvoiceRecord(
        id=row.id,
        tenant=row.tenant,
        subject=row.subject,
        period_start=row.period_start,
        period_end=row.period_end,
        currency=row.currency,
        status=InvoiceStatus(row.status),
        body=json.loads(row.body),
        total=row.total,
        created_at=row.created_at,
        posted_at=row.posted_at,
    )


class SqlBillingStore:
    """BillingStore over a SQLAlchemy engine (and an asyncpg pool for ingestion on PostgreSQL);
    open with `SqlBillingStore.open(url)` on a migrated database."""

    def __init__(self, engine: AsyncEngine, url: DatabaseURL) -> None:
        self._engine = engine
        self._postgres = url.kind == "postgresql"
        self._hot = LazyPgPool(url)

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlBillingStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url)

    async def close(self) -> None:
        await self._hot.close()
        await self._engine.dispose()

    # -- usage --------------------------------------------------------------------------------

    async def add_usage(self, tenant: str, events: Sequence[UsageEvent], at: int) -> int:
        if not events:
            return 0
        if self._postgres:
            columns: list[list[Any]] = [[], [], [], [], [], [], [], []]
            for e in events:
                for column, value in zip(
                    columns,
                    (
                        e.id,
                        tenant,
                        e.subject,
                        e.metric,
                        e.quantity,
                        _encode(e.properties).decode(),
                        e.at,
                        at,
                    ),
                    strict=True,
                ):
                    column.append(value)
            async with (await self._hot.get()).acquire() as driver:
                status = await driver.execute(_INSERT_USAGE_PG, *columns)
            return int(status.rsplit(" ", 1)[1])
        rows = [
            (
                e.id.bytes,
                tenant,
                e.subject,
                e.metric,
                e.quantity,
                _encode(e.properties).decode(),
                e.at,
                at,
            )
            for e in events
        ]
        async with write_transaction(self._engine) as conn:
            # sqlite3 sums an executemany's changes: the ignored duplicates are not among them.
            result = await conn.exec_driver_sql(_INSERT_USAGE_SQLITE, rows)
        return int(result.rowcount)

    async def unbilled_usage(
        self, tenant: str, subjects: Sequence[str], before: int
    ) -> list[StoredUsage]:
        out: list[StoredUsage] = []
        async with self._engine.connect() as conn:
            for start in range(0, len(subjects), _SUBJECT_CHUNK):
                chunk = list(subjects[start : start + _SUBJECT_CHUNK])
                result = await conn.execute(
                    sa.select(billing_usage).where(
                        billing_usage.c.tenant == tenant,
                        billing_usage.c.subject.in_(chunk),
                        billing_usage.c.at < before,
                        billing_usage.c.billed_in.is_(None),
                    )
                )
                out.extend(_usage(r) for r in result)
        return out

    async def usage_between(
        self, tenant: str, subject: str, start: int, end: int
    ) -> list[StoredUsage]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(billing_usage).where(
                    billing_usage.c.tenant == tenant,
                    billing_usage.c.subject == subject,
                    billing_usage.c.at >= start,
                    billing_usage.c.at < end,
                )
            )
            return [_usage(r) for r in result]

    # -- definitions --------------------------------------------------------------------------

    async def add_definition(self, definition: Definition, events: bytes) -> Definition:
        row = asdict(definition)
        row["kind"] = definition.kind.value
        row["body"] = json.dumps(definition.body, sort_keys=True)
        try:
            async with write_transaction(self._engine) as conn:
                await conn.execute(sa.insert(billing_definitions).values(**row))
                await _outbox(conn, definition.created_at, events)
        except sa.exc.IntegrityError:
            raise Conflict(
                f"{definition.kind.value} {definition.id!r} version {definition.version} was "
                "written by someone else meanwhile: read it and try again"
            ) from None
        return definition

    def _definitions(self, tenant: str, kind: Kind) -> sa.Select[Any]:
        return sa.select(billing_definitions).where(
            billing_definitions.c.tenant == tenant, billing_definitions.c.kind == kind.value
        )

    async def definition(
        self, tenant: str, kind: Kind, id: str, version: int | None = None
    ) -> Definition | None:
        query = self._definitions(tenant, kind).where(billing_definitions.c.id == id)
        if version is not None:
            query = query.where(billing_definitions.c.version == version)
        query = query.order_by(billing_definitions.c.version.desc()).limit(1)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _definition(row)

    async def definitions(self, tenant: str, kind: Kind) -> list[Definition]:
        latest = (
            sa.select(
                billing_definitions.c.id, sa.func.max(billing_definitions.c.version).label("v")
            )
            .where(billing_definitions.c.tenant == tenant, billing_definitions.c.kind == kind.value)
            .group_by(billing_definitions.c.id)
            .subquery()
        )
        query = (
            self._definitions(tenant, kind)
            .join(
                latest,
                sa.and_(
                    billing_definitions.c.id == latest.c.id,
                    billing_definitions.c.version == latest.c.v,
                ),
            )
            .order_by(billing_definitions.c.id)
        )
        async with self._engine.connect() as conn:
            return [_definition(r) for r in await conn.execute(query)]

    async def versions(self, tenant: str, kind: Kind, id: str) -> list[Definition]:
        query = (
            self._definitions(tenant, kind)
            .where(billing_definitions.c.id == id)
            .order_by(billing_definitions.c.version)
        )
        async with self._engine.connect() as conn:
            return [_definition(r) for r in await conn.execute(query)]

    async def all_versions(self, tenant: str, kind: Kind) -> list[Definition]:
        query = self._definitions(tenant, kind).order_by(
            billing_definitions.c.id, billing_definitions.c.version
        )
        async with self._engine.connect() as conn:
            return [_definition(r) for r in await conn.execute(query)]

    async def archive(self, tenant: str, kind: Kind, id: str, at: int, events: bytes) -> bool:
        async with write_transaction(self._engine) as conn:
            result = await conn.execute(
                sa.update(billing_definitions)
                .where(
                    billing_definitions.c.tenant == tenant,
                    billing_definitions.c.kind == kind.value,
                    billing_definitions.c.id == id,
                    billing_definitions.c.archived_at.is_(None),
                )
                .values(archived_at=at)
            )
            if result.rowcount:
                await _outbox(conn, at, events)
                return True
            found = await conn.scalar(
                sa.select(sa.func.count())
                .select_from(billing_definitions)
                .where(
                    billing_definitions.c.tenant == tenant,
                    billing_definitions.c.kind == kind.value,
                    billing_definitions.c.id == id,
                )
            )
            return bool(found)

    # -- invoices -----------------------------------------------------------------------------

    async def add_invoices(
        self,
        invoices: Sequence[InvoiceRecord],
        billed: Sequence[tuple[uuid.UUID, uuid.UUID]],
        events: bytes,
    ) -> list[uuid.UUID]:
        if not invoices:
            return []
        insert = postgresql.insert if self._postgres else sqlite.insert
        rows = []
        for invoice in invoices:
            row = asdict(invoice)
            row["status"] = invoice.status.value
            row["body"] = json.dumps(invoice.body, sort_keys=True)
            rows.append(row)
        async with write_transaction(self._engine) as conn:
            existing = {
                r.id
                for r in await conn.execute(
                    sa.select(billing_invoices.c.id).where(
                        billing_invoices.c.id.in_([i.id for i in invoices])
                    )
                )
            }
            new = [row for row in rows if row["id"] not in existing]
            if not new:
                return []
            await conn.execute(insert(billing_invoices).on_conflict_do_nothing(), new)
            made = {row["id"] for row in new}
            marks = [
                {"usage": usage, "invoice": invoice} for usage, invoice in billed if invoice in made
            ]
            if marks and self._postgres:
                # One statement for a page's usage: arrays through unnest, not a row at a time.
                await conn.execute(
                    _MARK_BILLED_PG,
                    {
                        "usage": [m["usage"] for m in marks],
                        "invoice": [m["invoice"] for m in marks],
                    },
                )
            elif marks:
                await conn.execute(
                    sa.update(billing_usage)
                    .where(billing_usage.c.id == sa.bindparam("usage"))
                    .values(billed_in=sa.bindparam("invoice")),
                    marks,
                )
            await _outbox(conn, invoices[0].created_at, events)
            return [row["id"] for row in new]

    async def invoice(self, tenant: str, invoice_id: uuid.UUID) -> InvoiceRecord | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(billing_invoices).where(
                        billing_invoices.c.id == invoice_id, billing_invoices.c.tenant == tenant
                    )
                )
            ).first()
        return None if row is None else _invoice(row)

    async def invoiced(self, tenant: str) -> set[tuple[str, str]]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(billing_invoices.c.subject, billing_invoices.c.period_start).where(
                    billing_invoices.c.tenant == tenant
                )
            )
            return {(r.subject, r.period_start) for r in result}

    async def invoices(
        self,
        tenant: str,
        subject: str | None,
        status: InvoiceStatus | None,
        *,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> list[InvoiceRecord]:
        table = billing_invoices
        query = sa.select(table).where(table.c.tenant == tenant)
        if subject is not None:
            query = query.where(table.c.subject == subject)
        if status is not None:
            query = query.where(table.c.status == status.value)
        if after is not None:
            # (tenant, subject, period start) is unique: the order has no ties to skip or repeat.
            position = sa.tuple_(table.c.period_start, table.c.subject)
            query = query.where(position > sa.tuple_(*after))
        query = query.order_by(table.c.period_start, table.c.subject).limit(limit)
        async with self._engine.connect() as conn:
            return [_invoice(r) for r in await conn.execute(query)]

    async def set_invoices_status(
        self, invoice_ids: Sequence[uuid.UUID], status: InvoiceStatus, at: int, events: bytes
    ) -> None:
        values: dict[str, Any] = {"status": status.value}
        if status is InvoiceStatus.POSTED:
            values["posted_at"] = at
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                sa.update(billing_invoices)
                .where(billing_invoices.c.id.in_(list(invoice_ids)))
                .values(**values)
            )
            await _outbox(conn, at, events)

    async def add_credit_note(self, note: CreditNoteRecord, events: bytes) -> CreditNoteRecord:
        async with write_transaction(self._engine) as conn:
            found = (
                await conn.execute(
                    sa.select(billing_credit_notes).where(
                        billing_credit_notes.c.invoice_id == note.invoice_id
                    )
                )
            ).first()
            if found is not None:
                return CreditNoteRecord(**dict(found._mapping))
            await conn.execute(sa.insert(billing_credit_notes).values(**asdict(note)))
            await conn.execute(
                sa.update(billing_invoices)
                .where(billing_invoices.c.id == note.invoice_id)
                .values(status=InvoiceStatus.CREDITED.value)
            )
            await _outbox(conn, note.created_at, events)
        return note

    async def credit_note(self, tenant: str, invoice_id: uuid.UUID) -> CreditNoteRecord | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(billing_credit_notes).where(
                        billing_credit_notes.c.invoice_id == invoice_id,
                        billing_credit_notes.c.tenant == tenant,
                    )
                )
            ).first()
        return None if row is None else CreditNoteRecord(**dict(row._mapping))
