"""Idempotent consumers: a handler's effect happens once per event id, however often it arrives.

`IdempotentConsumer(engine, name, handler)` is a bus handler. For each event it opens one database
transaction, inserts `(name, event id)` into `processed_events` and, only if that row is new,
runs `handler(connection, event)` on the same connection. The effect and the marker commit or roll
back together: a redelivered event finds the marker and is skipped, a handler that raises leaves
no marker and the bus delivers again. Concurrent deliveries of one id serialize on the marker's
primary key (the second waits for the first, then skips).

The handler must write through the connection it is given, and nowhere else, for this to hold.
`handle_batch(events)` does the same for several events in one transaction (the buses call it
with what they have in hand), which costs one commit instead of one per event.

Imports strongroom.events (bus, schemas, tables) and strongroom.clock only.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.events.bus import event_context
from strongroom.events.schemas import Envelope
from strongroom.events.tables import processed_events

ConsumerHandler = Callable[[AsyncConnection, Envelope], Awaitable[None]]


class IdempotentConsumer:
    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        handler: ConsumerHandler,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.handler = handler
        self.clock = clock or SystemClock()
        #: Events whose effect this object applied, and deliveries it skipped as already done.
        self.applied = 0
        self.skipped = 0

    async def __call__(self, event: Envelope) -> None:
        await self.handle_batch([event])

    async def handle_batch(self, events: Sequence[Envelope]) -> None:
        """Apply the new ones among `events` in one transaction: all of them or none."""
        applied = skipped = 0
        async with self.engine.begin() as connection:
            for event in events:
                if not await self._claim(connection, event.id):
                    skipped += 1
                    continue
                with event_context(event):
                    await self.handler(connection, event)
                applied += 1
        self.applied += applied
        self.skipped += skipped

    async def _claim(self, connection: AsyncConnection, event_id: uuid.UUID) -> bool:
        values = {"consumer": self.name, "event_id": event_id, "processed_at": self.clock.now_ns()}
        result = await connection.execute(_CLAIM[connection.dialect.name], values)
        return result.rowcount == 1


# Built once per dialect: claiming is on every event's path.
_CLAIM = {
    "postgresql": postgresql.insert(processed_events).on_conflict_do_nothing(),
    "sqlite": sqlite.insert(processed_events).on_conflict_do_nothing(),
}
