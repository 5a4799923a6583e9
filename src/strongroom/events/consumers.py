"""Idempotent consumers: a handler's effect happens once per event id, however often it arrives.

`IdempotentConsumer(engine, name, handler)` is a bus handler. For each event it opens one database
transaction, inserts `(name, event id)` into `processed_events` and, only if that row is new,
runs `handler(connection, event)` on the same connection. The effect and the marker commit or roll
back together: a redelivered event finds the marker and is skipped, a handler that raises leaves
no marker and the bus delivers again. Concurrent deliveries of one id serialize on the marker's
primary key (the second waits for the first, then skips).

The handler must write through the connection it is given, and nowhere else, for this to hold.
`handle_batch(events)` does the same for several events in one transaction (the buses call it
with what they have in hand), which costs one commit instead of one per event; markers are
inserted with one statement. `IdempotentConsumer(engine, name, batch_handler=...)` hands all new
events of a delivery to `batch_handler(connection, events)` at once, for handlers that can write
them in bulk (the audit log does).

Imports strongroom.events (bus, schemas, tables), strongroom.clock and errors only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ValidationError
from strongroom.events.bus import event_context
from strongroom.events.schemas import Envelope
from strongroom.store.tables import processed_events

ConsumerHandler = Callable[[AsyncConnection, Envelope], Awaitable[None]]
#: Takes the new events of a delivery at once, in delivery order.
BatchConsumerHandler = Callable[[AsyncConnection, Sequence[Envelope]], Awaitable[None]]


class IdempotentConsumer:
    def __init__(
        self,
        engine: AsyncEngine,
        name: str,
        handler: ConsumerHandler | None = None,
        *,
        batch_handler: BatchConsumerHandler | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Give `handler` (one event per call, under that event's trace id and actor) or
        `batch_handler` (all new events of a delivery in one call, reading trace ids and actors
        from the envelopes)."""
        if handler is not None and batch_handler is None:
            self._apply = _one_by_one(handler)
        elif batch_handler is not None and handler is None:
            self._apply = batch_handler
        else:
            raise ValidationError("handler", "give exactly one of handler and batch_handler")
        self.engine = engine
        self.name = name
        self.clock = clock or SystemClock()
        #: Events whose effect this object applied, and deliveries it skipped as already done.
        self.applied = 0
        self.skipped = 0

    async def __call__(self, event: Envelope) -> None:
        await self.handle_batch([event])

    async def handle_batch(self, events: Sequence[Envelope]) -> None:
        """Apply the new ones among `events` in one transaction: all of them or none."""
        unique = list({event.id: event for event in reversed(events)}.values())[::-1]
        async with self.engine.begin() as connection:
            fresh = await self._claim(connection, unique)
            if fresh:
                await self._apply(connection, fresh)
        self.applied += len(fresh)
        self.skipped += len(events) - len(fresh)

    async def _claim(
        self, connection: AsyncConnection, events: Sequence[Envelope]
    ) -> list[Envelope]:
        """Insert the markers; return the events whose marker is new, in their order."""
        now = self.clock.now_ns()
        rows = [{"consumer": self.name, "event_id": e.id, "processed_at": now} for e in events]
        result = await connection.execute(_CLAIM[connection.dialect.name], rows)
        claimed = set(result.scalars())
        return [event for event in events if event.id in claimed]


def _one_by_one(handler: ConsumerHandler) -> BatchConsumerHandler:
    async def apply(connection: AsyncConnection, events: Sequence[Envelope]) -> None:
        for event in events:
            with event_context(event):
                await handler(connection, event)

    return apply


# Built once per dialect: claiming is on every delivery's path. RETURNING names the new rows.
_CLAIM = {
    "postgresql": postgresql.insert(processed_events)
    .on_conflict_do_nothing()
    .returning(processed_events.c.event_id),
    "sqlite": sqlite.insert(processed_events)
    .on_conflict_do_nothing()
    .returning(processed_events.c.event_id),
}
