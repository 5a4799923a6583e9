"""Looking after the outbox: how far behind the relay is, and removing rows long published.

The ledger writes rows and the relay marks them (strongroom.events.relay); nothing else needs
published rows, so they can be pruned once no one will look for them. Unpublished rows are never
removed. Imports strongroom.events.tables only.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.store.tables import outbox


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    #: Rows the relay has not published yet, and when the oldest of them was written (ns).
    waiting: int
    oldest_waiting_at: int | None
    #: Rows already published and still kept, and when the last one was published (ns).
    published: int
    last_published_at: int | None


async def outbox_status(engine: AsyncEngine) -> OutboxStatus:
    unpublished = outbox.c.published_at.is_(None)
    async with engine.connect() as connection:
        waiting, oldest = (
            await connection.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(unpublished)
            )
        ).one()
        published, last = (
            await connection.execute(
                sa.select(sa.func.count(), sa.func.max(outbox.c.published_at)).where(~unpublished)
            )
        ).one()
    return OutboxStatus(int(waiting), oldest, int(published), last)


async def prune_published(engine: AsyncEngine, published_before: int) -> int:
    """Delete rows published before `published_before` (ns); return how many."""
    async with engine.begin() as connection:
        result = await connection.execute(
            sa.delete(outbox).where(
                outbox.c.published_at.is_not(None), outbox.c.published_at < published_before
            )
        )
    return int(result.rowcount)
