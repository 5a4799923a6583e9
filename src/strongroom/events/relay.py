"""The outbox relay: publishes the events the ledger wrote to `outbox`, in id order, at least once.

Each round reads up to `batch_size` rows with `published_at IS NULL` (lowest ids first), with
the transfers they refer to (strongroom.events.transfer_refs), publishes their events, then sets
`published_at` on those rows. A crash between the publish and the mark publishes those rows
again on restart: JetStream drops them by `Nats-Msg-Id` inside its duplicate window and
idempotent consumers skip ids they have processed. A marker, not an id cursor, because on
PostgreSQL a transaction may commit an outbox row with a lower id than rows already published;
the relay picks such a row up on its next round instead of skipping it.

One relay is active per database (and relay name) at a time: the outbox adapter
(strongroom.events.ports.Outbox, implemented by strongroom.store.outbox) grants the outbox to
one relay and releases it when that relay's process dies, so a restarted or standby relay takes
over at once. Others wait as standbys, retrying every `standby_interval` seconds. A Relay owns
the outbox it is given: `close()` closes it.

With a tracer provider installed (strongroom.tracing) each round that publishes is a span
`outbox.publish` in the trace of its first event, linked to the traces of the others.

Imports strongroom.events (bus, ports, schemas, transfer_refs), clock, errors and tracing only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from opentelemetry.trace import SpanKind

from strongroom.clock import Clock, SystemClock
from strongroom.errors import StorageError, ValidationError
from strongroom.events.bus import Bus, events_span
from strongroom.events.ports import Outbox, RelaySession
from strongroom.events.schemas import Envelope, decode_batch
from strongroom.events.transfer_refs import transfer_events
from strongroom.tracing import get_tracer

log = logging.getLogger(__name__)
_TRACER = get_tracer(__name__)


class OutboxCorrupt(StorageError):
    """An outbox row that is not a JSON array of event envelopes, or whose transfer reference
    does not match the log. The relay stops at it."""

    code = "outbox_corrupt"


class Relay:
    def __init__(
        self,
        outbox: Outbox,
        bus: Bus,
        *,
        name: str = "default",
        batch_size: int = 100,
        poll_interval: float = 0.2,
        retry_delay: float = 1.0,
        standby_interval: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValidationError("batch_size", "must be at least 1")
        self.outbox = outbox
        self.bus = bus
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self.standby_interval = standby_interval
        self.clock = clock or SystemClock()
        #: Events published since this Relay was made (re-publishes after a failure included).
        self.published = 0
        #: Whether this relay holds the outbox (False: a standby, or not started), and the last
        #: failure since it last published a round without one.
        self.active = False
        self.last_error: str | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- running --------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the relay as a background task of the current event loop."""
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.name}")
        return self._task

    async def stop(self) -> None:
        """Finish the round in progress and return; the next relay resumes from the marker."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        """Relay until stop(): publish while rows are waiting, poll when there are none."""
        while not self._stop.is_set():
            try:
                async with self.outbox.activate(self.name) as session:
                    if session is None:
                        await self._sleep(self.standby_interval)
                        continue
                    self.active = True
                    await self._relay_until_stopped(session)
            except Exception as exc:
                # The database or the bus failed (server away, a handler failing, a corrupt
                # row): nothing unpublished was marked. Start over on a new connection.
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("outbox relay %s: %r; retrying", self.name, exc)
                await self._sleep(self.retry_delay)
            finally:
                self.active = False

    async def drain(self) -> int:
        """Publish every row waiting now, then return how many events went out.

        Raises RelayBusy when another relay is active.
        """
        total = 0
        async with self.outbox.activate(self.name) as session:
            if session is None:
                raise RelayBusy(f"another relay named {self.name!r} is active")
            while True:
                rows, events = await self._relay_round(session)
                if not rows:
                    break
                total += events
        return total

    async def close(self) -> None:
        """Stop if running, then close the outbox."""
        await self.stop()
        await self.outbox.close()

    async def _relay_until_stopped(self, session: RelaySession) -> None:
        while not self._stop.is_set():
            rows, _ = await self._relay_round(session)
            self.last_error = None
            if rows < self.batch_size:
                await self._sleep(self.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    # --- one round --------------------------------------------------------------------------

    async def _relay_round(self, session: RelaySession) -> tuple[int, int]:
        """Publish the next batch of waiting rows and mark them; return (rows, events)."""
        events: list[Envelope] = []
        async with session.round() as reading:
            rows = await reading.waiting(self.batch_size)
            for row_id, raw, transfers, origins in rows:
                try:
                    events.extend(decode_batch(raw))
                    if transfers is not None:
                        refs = b"[]" if origins is None else origins
                        events.extend(await transfer_events(reading, *transfers, refs))
                except ValidationError as exc:
                    raise OutboxCorrupt(f"outbox row {row_id}: {exc.reason}") from None
        if not rows:
            return 0, 0
        published = events_span(
            _TRACER, "outbox.publish", SpanKind.PRODUCER, events, {"strongroom.relay": self.name}
        )
        with published:
            await self.bus.publish(events)
            self.published += len(events)
            await session.mark_published([row.id for row in rows], self.clock.now_ns())
        return len(rows), len(events)


class RelayBusy(StorageError):
    """Another relay with the same name holds the database's relay lock."""

    code = "relay_busy"
