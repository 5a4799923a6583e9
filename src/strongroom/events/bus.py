"""The bus interface every transport implements, and the subject rules they share.

An event of type `ledger.transfer.created` travels on subject `<prefix>.ledger.transfer.created`
(prefix `strongroom` by default). Patterns follow NATS: `*` matches one token, `>` the rest.
Handlers run with the event's trace id and actor bound (strongroom.tracing), so whatever they log
or write carries the trace of the request that caused the event.

Imports strongroom.events.schemas, strongroom.tracing and strongroom.errors only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol, runtime_checkable

from opentelemetry.trace import INVALID_SPAN, Span, SpanContext, SpanKind

from strongroom.errors import ValidationError
from strongroom.events.schemas import Envelope
from strongroom.tracing import (
    Actor,
    TraceParent,
    Tracer,
    bound,
    fan_in,
    is_w3c_trace_id,
    remote_span_context,
)

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "strongroom"

Handler = Callable[[Envelope], Awaitable[None]]

_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_DURABLE = re.compile(r"^[A-Za-z0-9_-]+$")


class Subscription(Protocol):
    async def stop(self) -> None:
        """Stop delivering to this handler; the durable consumer's position is kept."""
        ...


class Bus(Protocol):
    """Publish events and deliver them at least once to durable, named consumers."""

    prefix: str

    async def publish(self, events: Sequence[Envelope]) -> None:
        """Return once every event is stored by the transport (in-process: handled).

        Raises if any event could not be; the caller publishes the whole sequence again, which
        is safe: transports drop or consumers skip event ids they have seen.
        """
        ...

    async def subscribe(self, pattern: str, durable: str, handler: Handler) -> Subscription:
        """Deliver events whose subject matches `pattern` to `handler`, at least once each.

        `durable` names the consumer. On JetStream its position survives the subscription and
        the process; the in-process bus keeps none (it stores nothing). A handler that raises
        gets the event again later.
        """
        ...

    async def pending(self, durable: str) -> int:
        """Events the durable consumer has not acknowledged yet: its lag (0 on a bus that hands
        each event to its consumers before `publish` returns)."""
        ...

    async def close(self) -> None: ...


def subject_for(prefix: str, event_type: str) -> str:
    subject = f"{prefix}.{event_type}"
    for token in subject.split("."):
        if not _TOKEN.match(token):
            raise ValidationError("subject", f"bad token {token!r} in {subject!r}")
    return subject


def check_durable(name: str) -> str:
    """Durable consumer names: letters, digits, `_` and `-` (NATS forbids dots and spaces)."""
    if not _DURABLE.match(name):
        raise ValidationError("durable", f"{name!r}: use letters, digits, '_' and '-' only")
    return name


def check_prefix(prefix: str) -> str:
    for token in prefix.split("."):
        if not _TOKEN.match(token):
            raise ValidationError("prefix", f"bad token {token!r} in {prefix!r}")
    return prefix


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is exactly one token, a final `>` one or more."""
    wanted = pattern.split(".")
    tokens = subject.split(".")
    for index, part in enumerate(wanted):
        if part == ">":
            return index == len(wanted) - 1 and len(tokens) > index
        if index >= len(tokens) or part not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)


@runtime_checkable
class BatchHandler(Protocol):
    """A handler that can also take several events at once (one transaction for all of them).

    `handle_batch` applies all of the events or none; after a failure the bus delivers them one
    by one. IdempotentConsumer is one.
    """

    async def __call__(self, event: Envelope) -> None: ...

    async def handle_batch(self, events: Sequence[Envelope]) -> None: ...


def event_parent(event: Envelope) -> TraceParent | None:
    """The span an event stands for in the trace of the request that caused it: the parent of
    the spans that publish and consume it. The recorded span of the call that caused it when the
    event names one; else (no tracer then, or an event written before span ids were kept) a span
    id taken from the event id. None for an event without a W3C trace id."""
    trace = event.trace_id
    if trace is None or not is_w3c_trace_id(trace):
        return None
    return TraceParent(trace, event.span_id or event.id.hex[16:], sampled=True)


def event_span_contexts(events: Iterable[Envelope]) -> list[SpanContext]:
    """The `event_parent` of the first event of each trace among `events`, in order: what a span
    over many events (an outbox round, a consumer's delivery) is parented by and linked to."""
    first: dict[str, Envelope] = {}
    for event in events:
        if event.trace_id is not None and event.trace_id not in first:
            first[event.trace_id] = event
    parents = [event_parent(event) for event in first.values()]
    return [remote_span_context(p.trace_id, p.span_id) for p in parents if p is not None]


def events_span(
    tracer: Tracer,
    name: str,
    kind: SpanKind,
    events: Sequence[Envelope],
    attributes: dict[str, str | int],
) -> AbstractContextManager[Span]:
    """A span over many events (an outbox round, a consumer's delivery): a child of its first
    event's span in the request's trace, linked to one event of each other trace. The invalid
    span, at no cost, while no tracer provider is installed."""
    otel = tracer.otel
    if otel is None:
        return nullcontext(INVALID_SPAN)
    parent, links = fan_in(event_span_contexts(events))
    attributes = {**attributes, "messaging.batch.message_count": len(events)}
    return otel.start_as_current_span(
        name, context=parent, links=links, kind=kind, attributes=attributes
    )


@contextmanager
def event_context(event: Envelope) -> Iterator[str]:
    """Bind the event's trace id and actor, as the request that caused it had them."""
    actor = Actor(event.tenant, event.actor) if event.actor is not None else None
    with bound(event.trace_id, actor, parent=event_parent(event)) as trace:
        yield trace


async def deliver(handler: Handler, event: Envelope) -> None:
    """Run `handler` on one event under the event's trace id and actor."""
    with event_context(event):
        await handler(event)


async def try_batch(handler: Handler, events: Sequence[Envelope]) -> bool:
    """Offer `events` to a batch-taking handler in one call.

    False when the handler takes single events only, or when the batch failed (as a whole, so
    nothing of it was applied): the caller then delivers the events one by one, which confines
    a failure to the event that causes it.
    """
    if len(events) < 2 or not isinstance(handler, BatchHandler):
        return False
    try:
        await handler.handle_batch(events)
    except Exception as exc:
        log.warning(
            "a batch of %d events failed (%r); delivering them one by one", len(events), exc
        )
        return False
    return True
