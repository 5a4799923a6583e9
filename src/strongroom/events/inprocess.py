"""The in-process bus: the embedded default, needing no server.

`publish` returns only when every subscribed handler has handled every event, so the relay marks
outbox rows published only after their effects are committed: a crash in between re-delivers
them (at least once, across restarts too). Each durable consumer sees events in publish order;
different consumers run concurrently. A consumer that takes batches (bus.BatchHandler) gets a
publish's events in one call; if that fails, or for other handlers, they go one by one. A
failing event is retried with exponential backoff up to `max_attempts` times, after which
`publish` raises DeliveryFailed and the relay retries the whole batch later: nothing is
dropped, and a broken consumer holds the relay back.

Events published while nobody subscribes to their subject reach nobody: subscribe before
starting the relay. Imports strongroom.events.bus, .schemas and strongroom.errors only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from strongroom.errors import Conflict, StrongroomError
from strongroom.events.bus import (
    DEFAULT_PREFIX,
    Handler,
    check_durable,
    check_prefix,
    deliver,
    subject_for,
    subject_matches,
    try_batch,
)
from strongroom.events.schemas import Envelope

log = logging.getLogger(__name__)


class DeliveryFailed(StrongroomError):
    """A handler kept failing on an event; the publisher must offer it again later."""

    code = "delivery_failed"


@dataclass(eq=False)
class _Consumer:
    bus: InProcessBus
    pattern: str
    durable: str
    handler: Handler
    # One batch at a time per consumer keeps its events in publish order.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def handle(self, events: Sequence[Envelope]) -> None:
        async with self.lock:
            if await try_batch(self.handler, events):
                return
            for event in events:
                await self._handle_one(event)

    async def _handle_one(self, event: Envelope) -> None:
        delay = self.bus.retry_delay
        for attempt in range(1, self.bus.max_attempts + 1):
            try:
                await deliver(self.handler, event)
                return
            except Exception as exc:
                log.warning(
                    "consumer %s failed on event %s (attempt %d/%d): %r",
                    self.durable,
                    event.id,
                    attempt,
                    self.bus.max_attempts,
                    exc,
                )
                if attempt == self.bus.max_attempts:
                    raise DeliveryFailed(
                        f"consumer {self.durable} failed {attempt} times on event {event.id}"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.bus.max_retry_delay)

    async def stop(self) -> None:
        async with self.lock:
            self.bus._consumers.pop(self.durable, None)


class InProcessBus:
    def __init__(
        self,
        *,
        prefix: str = DEFAULT_PREFIX,
        max_attempts: int = 5,
        retry_delay: float = 0.05,
        max_retry_delay: float = 2.0,
    ) -> None:
        self.prefix = check_prefix(prefix)
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self._consumers: dict[str, _Consumer] = {}

    async def publish(self, events: Sequence[Envelope]) -> None:
        subjects = [subject_for(self.prefix, event.type) for event in events]
        deliveries = []
        for consumer in list(self._consumers.values()):
            wanted = [
                event
                for event, subject in zip(events, subjects, strict=True)
                if subject_matches(consumer.pattern, subject)
            ]
            if wanted:
                deliveries.append(consumer.handle(wanted))
        # Every consumer finishes its share even when another fails, so none is left halfway.
        outcomes = await asyncio.gather(*deliveries, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def subscribe(self, pattern: str, durable: str, handler: Handler) -> _Consumer:
        check_durable(durable)
        if durable in self._consumers:
            raise Conflict(f"durable consumer {durable!r} is already subscribed")
        consumer = _Consumer(self, pattern, durable, handler)
        self._consumers[durable] = consumer
        return consumer

    async def pending(self, durable: str) -> int:
        # publish() returns once every consumer handled its events: nothing waits in between.
        return 0

    async def close(self) -> None:
        for consumer in list(self._consumers.values()):
            await consumer.stop()
