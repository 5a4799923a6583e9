"""Request context and spans: the trace id and the acting principal in `contextvars`, and the
OpenTelemetry tracers Strongroom's spans come from.

asyncio tasks inherit the context automatically. Thread pools do not: use `run_in_thread`, or
`ContextThreadPoolExecutor` where code hands work to an executor itself. Bus messages carry the
trace id in a W3C `traceparent` header: producers call `inject(headers)`, consumers run their
handler under `consume(headers)` (or read the id alone with `extract`).

OpenTelemetry shares the same trace id: `bound` installs a remote parent span context built from
our trace id (unless a span of that trace is active already), so spans started inside it join
that trace; and while a real OTel span is active, its trace id is the one `current_trace_id`
reports (OTel is then the source of truth).

Spans: each module takes a `Tracer` from `get_tracer(name)`; `use_tracer_provider` (called by
strongroom.bootstrap.telemetry, or a test) points all of them at an SDK provider. Without one a
tracer's `otel` is None and span sites skip their span entirely, so tracing costs an attribute
test when it is off. `start_request_span` starts a server span that continues the caller's
trace; `fan_in` places a span that serves many requests at once (a ledger batch, an outbox
round) in the first one's trace, linked to the others; `traced` wraps an async function in a
span. docs/tracing.md lists every span.

Must not import anything from Strongroom but strongroom.ids; the OTel API only, never the SDK.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, ParamSpec, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind, TraceFlags
from opentelemetry.util.types import Attributes

from strongroom.ids import new_id

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: the tenant and the credential (API key id, user, or a system job)."""

    tenant: str
    principal: str


trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "strongroom_trace_id", default=None
)
actor_var: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "strongroom_actor", default=None
)


def new_trace_id() -> str:
    """A W3C-compatible trace id: 32 lowercase hex digits, time-ordered."""
    return new_id().hex


TRACEPARENT = "traceparent"
_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class TraceParent:
    """A parsed W3C `traceparent` header."""

    trace_id: str
    span_id: str
    sampled: bool


def is_w3c_trace_id(value: str) -> bool:
    return bool(_TRACE_ID.match(value)) and value != "0" * 32


def current_trace_id() -> str | None:
    """The active OTel span's trace id if there is one, else the bound trace id."""
    span_context = otel_trace.get_current_span().get_span_context()
    if span_context.is_valid:
        return otel_trace.format_trace_id(span_context.trace_id)
    return trace_id_var.get()


def current_span_id() -> str | None:
    """The active span's id (16 hex digits) when it is recorded, else None: a span that is
    exported, which an event can name as the parent of its bus spans (strongroom.events.bus)."""
    span = otel_trace.get_current_span()
    if not span.is_recording():
        return None
    return otel_trace.format_span_id(span.get_span_context().span_id)


def current_actor() -> Actor | None:
    return actor_var.get()


@contextmanager
def bound(
    trace_id: str | None = None, actor: Actor | None = None, *, parent: TraceParent | None = None
) -> Iterator[str]:
    """Run a block under `trace_id` (a new one if None) and, when given, `actor`.

    OTel spans started inside join the trace: their parent is `parent` (a producer's span, from
    a header), else the active span when it is in that trace already (a service call inside its
    request's span), else a fresh remote span id. A trace id that is not 32 hex digits is kept
    for logs but cannot be shared with OTel.
    """
    trace = trace_id or (parent.trace_id if parent else None) or new_trace_id()
    trace_token = trace_id_var.set(trace)
    actor_token = actor_var.set(actor) if actor is not None else None
    otel_token = None
    if is_w3c_trace_id(trace) and (parent is not None or not _in_trace(trace)):
        otel_token = otel_context.attach(_remote_parent(trace, parent))
    try:
        yield trace
    finally:
        if otel_token is not None:
            otel_context.detach(otel_token)
        if actor_token is not None:
            actor_var.reset(actor_token)
        trace_id_var.reset(trace_token)


def remote_span_context(trace_id: str, span_id: str, *, sampled: bool = True) -> SpanContext:
    """The context of a span another process (or an event) holds: a parent or a link target."""
    return SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int(span_id, 16),
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT),
    )


def _remote_parent(trace_id: str, parent: TraceParent | None) -> otel_context.Context:
    """The current OTel context with, as its span, `parent` when it belongs to W3C trace
    `trace_id`, else a remote span of that trace with a random id: spans started in it join the
    trace."""
    if parent is not None and parent.trace_id == trace_id:
        remote = remote_span_context(trace_id, parent.span_id, sampled=parent.sampled)
    else:
        remote = remote_span_context(trace_id, _new_span_id())
    return otel_trace.set_span_in_context(NonRecordingSpan(remote))


def _in_trace(trace_id: str) -> bool:
    """Whether the active OTel span belongs to `trace_id` (and stays the parent of new spans)."""
    span_context = otel_trace.get_current_span().get_span_context()
    return span_context.is_valid and span_context.trace_id == int(trace_id, 16)


def _new_span_id() -> str:
    while True:
        span_id = os.urandom(8).hex()
        if span_id != "0" * 16:
            return span_id


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add a W3C `traceparent` for the current trace to a message's headers (returns them).
    Leaves them unchanged outside a trace or under a trace id OTel cannot carry."""
    trace = current_trace_id()
    if trace is None or not is_w3c_trace_id(trace):
        return headers
    span_context = otel_trace.get_current_span().get_span_context()
    if span_context.is_valid:
        span_id = otel_trace.format_span_id(span_context.span_id)
        flags = int(span_context.trace_flags)
    else:
        span_id, flags = _new_span_id(), int(TraceFlags.SAMPLED)
    headers[TRACEPARENT] = f"00-{trace}-{span_id}-{flags:02x}"
    return headers


def parse_traceparent(headers: Mapping[str, str]) -> TraceParent | None:
    """The `traceparent` of a message's headers (any letter case), or None if absent or invalid."""
    value = next((v for k, v in headers.items() if k.lower() == TRACEPARENT), None)
    match = _TRACEPARENT.match(value.strip().lower()) if isinstance(value, str) else None
    if match is None:
        return None
    version, trace_id, span_id, flags = match.groups()
    if version == "ff" or trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceParent(trace_id, span_id, bool(int(flags, 16) & 0x01))


def extract(headers: Mapping[str, str]) -> str | None:
    """The trace id carried by a message's headers, or None."""
    parent = parse_traceparent(headers)
    return None if parent is None else parent.trace_id


@contextmanager
def consume(headers: Mapping[str, str], actor: Actor | None = None) -> Iterator[str]:
    """Handle a message under the producer's trace (a new trace if the headers carry none)."""
    with bound(actor=actor, parent=parse_traceparent(headers)) as trace:
        yield trace


class Tracer:
    """The spans of one module, sent to the provider `use_tracer_provider` installed.

    `otel` is that provider's OTel tracer, or None while none is installed. Code on a hot path
    tests it and skips span work altogether: even the API's no-op tracer costs about 3 µs a
    span, which a request path of a few dozen µs would notice.
    """

    __slots__ = ("name", "otel")

    def __init__(self, name: str, otel: otel_trace.Tracer | None) -> None:
        self.name = name
        self.otel = otel


class _Installed:
    """The process's tracer provider and the tracers handed out, which follow it. Strongroom's
    own rather than OTel's global provider, which can be set only once per process: tests
    install an in-memory one per test."""

    provider: ClassVar[otel_trace.TracerProvider | None] = None
    tracers: ClassVar[dict[str, Tracer]] = {}


def get_tracer(name: str) -> Tracer:
    """The tracer of module `name` (`strongroom.ledger.engine`); the same object on every call."""
    tracer = _Installed.tracers.get(name)
    if tracer is None:
        provider = _Installed.provider
        tracer = Tracer(name, provider.get_tracer(name) if provider is not None else None)
        _Installed.tracers[name] = tracer
    return tracer


def use_tracer_provider(provider: otel_trace.TracerProvider | None) -> None:
    """Send every Strongroom span to `provider` from now on (None: record none)."""
    _Installed.provider = provider
    for name, tracer in _Installed.tracers.items():
        tracer.otel = provider.get_tracer(name) if provider is not None else None


def tracer_provider() -> otel_trace.TracerProvider | None:
    """The provider `use_tracer_provider` installed, if any."""
    return _Installed.provider


def start_request_span(
    tracer: otel_trace.Tracer,
    name: str,
    kind: SpanKind,
    request_id: str | None,
    parent: TraceParent | None,
    attributes: Attributes = None,
) -> tuple[Span, str]:
    """Start the span of an incoming request; returns it and the request's trace id.

    The span continues the caller's trace: the trace of `request_id` (the client's own id) when
    that is a W3C trace id, else the trace of its `traceparent` header (`parent`), as a child of
    the caller's span when the ids agree. A request that names neither starts a new trace, and
    its trace id is the span's. A `request_id` that OTel cannot carry stays the request's id for
    logs and events, and is recorded on the span as `strongroom.request_id`.
    """
    trace = None
    if request_id is not None and is_w3c_trace_id(request_id):
        trace = request_id
    elif parent is not None:
        trace = parent.trace_id
    context = _remote_parent(trace, parent) if trace is not None else otel_context.Context()
    span = tracer.start_span(name, context, kind, attributes)
    if request_id is None:
        return span, otel_trace.format_trace_id(span.get_span_context().trace_id)
    if trace != request_id:
        span.set_attribute("strongroom.request_id", request_id)
    return span, request_id


def fan_in(contexts: Iterable[SpanContext]) -> tuple[otel_context.Context, list[Link]]:
    """Where a span that serves several traces at once (a ledger batch, an outbox round, a
    consumer's delivery) starts: as a child of the first valid context, with one link to the
    first context of each other trace (a round of thousands of events of a few requests needs a
    few links, not thousands). With none valid, an empty context: the span starts a trace of
    its own rather than join whatever the task running it inherited."""
    parent: SpanContext | None = None
    links: dict[int, Link] = {}
    for context in contexts:
        if not context.is_valid:
            continue
        if parent is None:
            parent = context
        elif context.trace_id != parent.trace_id and context.trace_id not in links:
            links[context.trace_id] = Link(context)
    if parent is None:
        return otel_context.Context(), []
    return otel_trace.set_span_in_context(NonRecordingSpan(parent)), list(links.values())


def traced(
    tracer: Tracer, name: str
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """Run an async function in a span `name` of `tracer` (internal kind), when it has a
    provider; straight through otherwise."""

    def decorate(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def call(*args: P.args, **kwargs: P.kwargs) -> R:
            otel = tracer.otel
            if otel is None:
                return await fn(*args, **kwargs)
            with otel.start_as_current_span(name):
                return await fn(*args, **kwargs)

        return call

    return decorate


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run in a copy of the submitter's context (trace id,
    actor, OTel span), as asyncio tasks do. Works with `loop.run_in_executor` and `map` too."""

    def submit(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        context = contextvars.copy_context()
        return super().submit(context.run, functools.partial(fn, *args, **kwargs))


async def run_in_thread(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`loop.run_in_executor` that keeps the caller's trace id and actor in the worker thread."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)
