"""The `audit_log` table: the hash-chained audit log's rows, and its consumer's markers.

Implements strongroom.events.ports.AuditLog on either backend; the chain itself (hashes, links)
is computed by strongroom.events.audit. Appends are serialized by `lock_head`: a
transaction-scoped advisory lock on PostgreSQL, keyed by schema; SQLite has one writer at a
time, and the consumer's claim has already taken the write lock. May import strongroom.events'
ports and records; never services, api or cli.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.events.hash_chain import AuditEntry
from strongroom.store.processed_events import SqlProcessedEvents
from strongroom.store.tables import audit_log

#: First key of the PostgreSQL advisory lock pair that serializes appends.
AUDIT_LOCK_CLASS = 0x53524155  # "SRAU"

# Built once: appends are the consumer's hot path.
_LOCK_APPENDS = sa.select(
    sa.func.pg_advisory_xact_lock(
        AUDIT_LOCK_CLASS, sa.func.hashtext(sa.func.concat(sa.func.current_schema(), ":audit-log"))
    )
)
_HEAD = sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
_INSERT = sa.insert(audit_log)


class SqlAuditLog(SqlProcessedEvents):
    """The audit log and, in the same database, the markers of the consumer that writes it."""

    async def lock_head(self, transaction: AsyncConnection) -> tuple[int, str] | None:
        if transaction.dialect.name == "postgresql":
            await transaction.execute(_LOCK_APPENDS)
        head = (await transaction.execute(_HEAD)).first()
        return None if head is None else (head.seq, head.hash)

    async def insert(self, transaction: AsyncConnection, entries: Sequence[AuditEntry]) -> None:
        await transaction.execute(_INSERT, [entry.as_row() for entry in entries])

    async def read_entries(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        async with self.engine.connect() as connection:
            result = await connection.execute(
                sa.select(audit_log)
                .where(audit_log.c.seq > after_seq)
                .order_by(audit_log.c.seq)
                .limit(limit)
            )
            return [AuditEntry(**row._asdict()) for row in result]

    async def tenant_entries(
        self, tenant: str, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        # Served by ix_audit_log_tenant (tenant, seq), walked backwards from before_seq.
        query = sa.select(audit_log).where(audit_log.c.tenant == tenant)
        if before_seq is not None:
            query = query.where(audit_log.c.seq < before_seq)
        async with self.engine.connect() as connection:
            result = await connection.execute(query.order_by(audit_log.c.seq.desc()).limit(limit))
            return [AuditEntry(**row._asdict()) for row in result]

    async def head_seq(self) -> int:
        async with self.engine.connect() as connection:
            return int(
                await connection.scalar(
                    sa.select(sa.func.coalesce(sa.func.max(audit_log.c.seq), 0))
                )
                or 0
            )
