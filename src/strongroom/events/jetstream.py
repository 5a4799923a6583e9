"""The NATS JetStream bus: durable, shared by many processes, for production.

One stream (default `STRONGROOM`) holds subjects `<prefix>.>` (default `strongroom.>`) on file
storage. Each event is published with its id as `Nats-Msg-Id`, so JetStream drops a re-publish
inside the stream's duplicate window, and with a W3C `traceparent` header carrying the trace id.
Consumers are durable pull consumers with explicit ack, fetching up to `fetch_batch` messages at a
time (handed to a BatchHandler in one call, one by one if that fails or for other handlers): a
message is acked after its handler returns, nak-ed (redelivered after a delay) when it raises,
and redelivered after `ack_wait` when the process dies holding it. A message that is not an
envelope is terminated (never redelivered) and logged. The client reconnects forever; a publish
not acked in `publish_timeout` raises, and the relay publishes the batch again.

Imports strongroom.events.bus, .schemas and strongroom.errors only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import msgspec
import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from strongroom.errors import StorageError, ValidationError
from strongroom.events.bus import (
    DEFAULT_PREFIX,
    Handler,
    check_durable,
    check_prefix,
    deliver,
    event_parent,
    subject_for,
    try_batch,
)
from strongroom.events.schemas import Envelope, decode_envelope, encode_envelope

log = logging.getLogger(__name__)

DEFAULT_STREAM = "STRONGROOM"
MSG_ID_HEADER = "Nats-Msg-Id"
TRACEPARENT_HEADER = "traceparent"
EVENT_TYPE_HEADER = "Strongroom-Event-Type"


def traceparent(event: Envelope) -> str | None:
    """`00-<trace id>-<parent id>-01`: the event's span in its request's trace
    (bus.event_parent)."""
    parent = event_parent(event)
    if parent is None:
        return None
    return f"00-{parent.trace_id}-{parent.span_id}-01"


def trace_id_from(header: str | None) -> str | None:
    parts = (header or "").split("-")
    if len(parts) == 4 and len(parts[1]) == 32:
        return parts[1]
    return None


class PublishFailed(StorageError):
    """JetStream did not acknowledge every event of a publish; publish them again."""

    code = "publish_failed"


class _PullConsumer:
    def __init__(
        self,
        bus: JetStreamBus,
        sub: JetStreamContext.PullSubscription,
        durable: str,
        handler: Handler,
    ) -> None:
        self._bus = bus
        self._sub = sub
        self._durable = durable
        self._handler = handler
        self._stopping = False
        self._fetching = False
        self._task = asyncio.create_task(self._run(), name=f"jetstream-consumer-{durable}")

    async def _run(self) -> None:
        while not self._stopping:
            self._fetching = True
            try:
                messages = await self._sub.fetch(self._bus.fetch_batch, timeout=1.0)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            except Exception as exc:
                # Server restarts and reconnects surface here; the client reconnects by itself.
                log.warning("consumer %s: fetch failed: %r", self._durable, exc)
                await asyncio.sleep(self._bus.retry_delay)
                continue
            finally:
                self._fetching = False
            await self._handle(messages)

    async def _handle(self, messages: list[Msg]) -> None:
        decoded: list[tuple[Msg, Envelope]] = []
        for message in messages:
            event = await self._decode(message)
            if event is not None:
                decoded.append((message, event))
        if await try_batch(self._handler, [event for _, event in decoded]):
            for message, _ in decoded:
                await self._settle(message.ack())
            return
        for message, event in decoded:
            try:
                await deliver(self._handler, event)
            except Exception as exc:
                log.warning("consumer %s failed on event %s: %r", self._durable, event.id, exc)
                await self._settle(message.nak(delay=self._bus.retry_delay))
                continue
            await self._settle(message.ack())

    async def _decode(self, message: Msg) -> Envelope | None:
        try:
            event = decode_envelope(message.data)
        except ValidationError as exc:
            log.error(
                "consumer %s: dropping a message that is not an event: %s", self._durable, exc
            )
            await self._settle(message.term())
            return None
        if event.trace_id is None:
            trace = trace_id_from((message.headers or {}).get(TRACEPARENT_HEADER))
            if trace is not None:
                event = _with_trace(event, trace)
        return event

    async def _settle(self, reply: Any) -> None:
        # A lost ack or nak means a redelivery, which idempotent consumers absorb.
        try:
            await reply
        except Exception as exc:
            log.warning("consumer %s: could not settle a message: %r", self._durable, exc)

    async def stop(self) -> None:
        self._stopping = True
        if self._fetching:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        try:
            await self._sub.unsubscribe()
        except Exception as exc:
            log.debug("consumer %s: unsubscribe failed: %r", self._durable, exc)


def _with_trace(event: Envelope, trace_id: str) -> Envelope:
    return msgspec.structs.replace(event, trace_id=trace_id)


class JetStreamBus:
    def __init__(
        self,
        client: Client,
        *,
        prefix: str = DEFAULT_PREFIX,
        stream: str = DEFAULT_STREAM,
        duplicate_window: float = 120.0,
        publish_timeout: float = 5.0,
        ack_wait: float = 30.0,
        fetch_batch: int = 64,
        retry_delay: float = 0.5,
    ) -> None:
        self.prefix = check_prefix(prefix)
        self.stream = stream
        self.duplicate_window = duplicate_window
        self.publish_timeout = publish_timeout
        self.ack_wait = ack_wait
        self.fetch_batch = fetch_batch
        self.retry_delay = retry_delay
        self._client = client
        self._js = client.jetstream()
        self._consumers: list[_PullConsumer] = []

    @classmethod
    async def connect(cls, url: str, **options: Any) -> JetStreamBus:
        """Connect (reconnecting forever after a loss), make sure the stream exists."""
        client = await nats.connect(
            url,
            name="strongroom",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            allow_reconnect=True,
        )
        bus = cls(client, **options)
        try:
            await bus.ensure_stream()
        except BaseException:
            await client.close()
            raise
        return bus

    async def ensure_stream(self) -> None:
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.>"],
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window,
        )
        try:
            await self._js.add_stream(config)
        except nats.js.errors.BadRequestError:
            # Exists with other settings (say, a new duplicate window): bring it up to date.
            await self._js.update_stream(config)

    async def publish(self, events: Sequence[Envelope]) -> None:
        pending: list[asyncio.Future[Any]] = []
        try:
            for event in events:
                headers = {MSG_ID_HEADER: str(event.id), EVENT_TYPE_HEADER: event.type}
                parent = traceparent(event)
                if parent is not None:
                    headers[TRACEPARENT_HEADER] = parent
                pending.append(
                    await self._js.publish_async(
                        subject_for(self.prefix, event.type),
                        encode_envelope(event),
                        wait_stall=self.publish_timeout,
                        stream=self.stream,
                        headers=headers,
                    )
                )
            await asyncio.wait_for(asyncio.gather(*pending), self.publish_timeout)
        except (TimeoutError, nats.errors.Error) as exc:
            raise PublishFailed(f"JetStream did not acknowledge the events: {exc!r}") from exc
        finally:
            for future in pending:
                future.cancel()

    async def subscribe(self, pattern: str, durable: str, handler: Handler) -> _PullConsumer:
        check_durable(durable)
        config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_deliver=-1,
            filter_subject=pattern,
        )
        sub = await self._js.pull_subscribe(
            pattern, durable=durable, stream=self.stream, config=config
        )
        consumer = _PullConsumer(self, sub, durable, handler)
        self._consumers.append(consumer)
        return consumer

    async def stream_messages(self) -> int:
        """How many messages the stream holds (after de-duplication)."""
        info = await self._js.stream_info(self.stream)
        return info.state.messages

    async def pending(self, durable: str) -> int:
        """Messages of the stream not yet delivered to `durable`, plus those delivered and not
        acknowledged."""
        info = await self._js.consumer_info(self.stream, check_durable(durable))
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

    async def delete_stream(self) -> None:
        await self._js.delete_stream(self.stream)

    async def close(self) -> None:
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers.clear()
        await self._client.close()
