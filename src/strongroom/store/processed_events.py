"""The `processed_events` table: which events each idempotent consumer has applied.

Implements strongroom.events.ports.ProcessedEvents on either backend, with a SQLAlchemy
AsyncConnection as the transaction a consumer's handler writes its effect through. A claim is an
`INSERT ... ON CONFLICT DO NOTHING RETURNING`: the primary key (consumer, event_id) makes a
concurrent claim of the same id wait for the first transaction, then find the row. May import
strongroom.events' ports; never services, api or cli.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.store.tables import processed_events

# Built once per dialect: claiming is on every delivery's path. RETURNING names the new rows.
_CLAIM = {
    "postgresql": postgresql.insert(processed_events)
    .on_conflict_do_nothing()
    .returning(processed_events.c.event_id),
    "sqlite": sqlite.insert(processed_events)
    .on_conflict_do_nothing()
    .returning(processed_events.c.event_id),
}


class SqlProcessedEvents:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as connection:
            yield connection

    async def claim(
        self,
        transaction: AsyncConnection,
        consumer: str,
        event_ids: Sequence[uuid.UUID],
        now: int,
    ) -> set[uuid.UUID]:
        rows = [{"consumer": consumer, "event_id": id, "processed_at": now} for id in event_ids]
        result = await transaction.execute(_CLAIM[transaction.dialect.name], rows)
        return set(result.scalars())

    async def close(self) -> None:
        await self.engine.dispose()
