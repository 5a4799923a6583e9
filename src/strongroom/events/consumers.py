"""Idempotent consumers: a handler's effect happens once per event id, however often it arrives.

`IdempotentConsumer(processed, name, handler)` is a bus handler. For each event it opens one
transaction of `processed` (a ProcessedEvents port, strongroom.events.ports), claims `(name,
event id)` in it and, only if that claim is new, runs `handler(transaction, event)` with the same
transaction. The effect and the marker commit or roll back together: a redelivered event finds
the marker and is skipped, a handler that raises leaves no marker and the bus delivers again.
Concurrent deliveries of one id serialize on the marker (the second waits for the first, then
skips).

The handler must write through the transaction it is given (the SQL adapters give a SQLAlchemy
AsyncConnection), and nowhere else, for this to hold. `handle_batch(events)` does the same for
several events in one transaction (the buses call it with what they have in hand), which costs
one commit instead of one per event; the markers are claimed at once.
`IdempotentConsumer(processed, name, batch_handler=...)` hands all new events of a delivery to
`batch_handler(transaction, events)` at once, for handlers that can write them in bulk (the audit
log does).

With a tracer provider installed (strongroom.tracing) each delivery is a span `events.consume`
in the trace of its first event (linked to the traces of the others), so one trace runs from
the request through the bus to its consumers.

Imports strongroom.events (bus, ports, schemas), strongroom.clock, errors and tracing only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic

from opentelemetry.trace import SpanKind

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ValidationError
from strongroom.events.bus import event_context, events_span
from strongroom.events.ports import C, ProcessedEvents
from strongroom.events.schemas import Envelope
from strongroom.tracing import get_tracer

ConsumerHandler = Callable[[C, Envelope], Awaitable[None]]
#: Takes the new events of a delivery at once, in delivery order.
BatchConsumerHandler = Callable[[C, Sequence[Envelope]], Awaitable[None]]
_TRACER = get_tracer(__name__)


class IdempotentConsumer(Generic[C]):
    def __init__(
        self,
        processed: ProcessedEvents[C],
        name: str,
        handler: ConsumerHandler[C] | None = None,
        *,
        batch_handler: BatchConsumerHandler[C] | None = None,
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
        self.processed = processed
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
        span_of = events_span(
            _TRACER, "events.consume", SpanKind.CONSUMER, unique, {"strongroom.consumer": self.name}
        )
        with span_of as span:
            async with self.processed.transaction() as transaction:
                claimed = await self.processed.claim(
                    transaction, self.name, [event.id for event in unique], self.clock.now_ns()
                )
                fresh = [event for event in unique if event.id in claimed]
                if fresh:
                    await self._apply(transaction, fresh)
            span.set_attribute("strongroom.consumer.applied", len(fresh))
        self.applied += len(fresh)
        self.skipped += len(events) - len(fresh)


def _one_by_one(handler: ConsumerHandler[C]) -> BatchConsumerHandler[C]:
    async def apply(transaction: C, events: Sequence[Envelope]) -> None:
        for event in events:
            with event_context(event):
                await handler(transaction, event)

    return apply
