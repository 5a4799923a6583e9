"""Request context: the trace id and the acting principal, carried in `contextvars`.

asyncio tasks inherit the context automatically. Thread pools do not: use `run_in_thread`, or
`ContextThreadPoolExecutor` where code hands work to an executor itself. Bus messages carry the
trace id in a W3C `traceparent` header: producers call `inject(headers)`, consumers run their
handler under `consume(headers)` (or read the id alone with `extract`).

OpenTelemetry shares the same trace id: `bound` installs a remote parent span context built from
our trace id, so spans started inside it join that trace; and while a real OTel span is active,
its trace id is the one `current_trace_id` reports (OTel is then the source of truth).

Must not import anything from Strongroom but strongroom.ids.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import re
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace as otel_trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

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


def current_actor() -> Actor | None:
    return actor_var.get()


@contextmanager
def bound(
    trace_id: str | None = None, actor: Actor | None = None, *, parent: TraceParent | None = None
) -> Iterator[str]:
    """Run a block under `trace_id` (a new one if None) and, when given, `actor`.

    OTel spans started inside join the trace: their parent is `parent` (a producer's span, from
    a header) or a fresh remote span id. A trace id that is not 32 hex digits is kept for logs
    but cannot be shared with OTel.
    """
    trace = trace_id or (parent.trace_id if parent else None) or new_trace_id()
    trace_token = trace_id_var.set(trace)
    actor_token = actor_var.set(actor) if actor is not None else None
    otel_token = None
    if is_w3c_trace_id(trace):
        span_id = parent.span_id if parent and parent.trace_id == trace else _new_span_id()
        sampled = parent.sampled if parent and parent.trace_id == trace else True
        remote = SpanContext(
            trace_id=int(trace, 16),
            span_id=int(span_id, 16),
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT),
        )
        otel_token = otel_context.attach(otel_trace.set_span_in_context(NonRecordingSpan(remote)))
    try:
        yield trace
    finally:
        if otel_token is not None:
            otel_context.detach(otel_token)
        if actor_token is not None:
            actor_var.reset(actor_token)
        trace_id_var.reset(trace_token)


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
