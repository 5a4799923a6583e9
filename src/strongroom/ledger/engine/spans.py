"""The engine's OpenTelemetry spans: `ledger.batch` per batch, `ledger.write` per attempt's
database write (strongroom.tracing installs the provider).

A batch serves many callers' requests, and a span has one parent: the batch span is a child of
the first call's span (captured by `submitter` when the call is queued) and links the spans of
the others, so each request's trace reaches the batch that wrote its transfers.

Without a tracer provider nothing is captured and the spans are `nullcontext`s: no work per call
nor per transfer. Imports the queue stage and the attempt's types only.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from opentelemetry import trace as otel_trace
from opentelemetry.trace import INVALID_SPAN, Span, SpanContext, StatusCode

from strongroom.errors import StorageError, StrongroomError
from strongroom.ledger.engine.attempt import Attempt, Committed, Outcome, Rerun
from strongroom.ledger.engine.queue import Call
from strongroom.tracing import fan_in, get_tracer

_TRACER = get_tracer("strongroom.ledger.engine")


def submitter() -> SpanContext | None:
    """The span a call is queued from, when tracing: its batch's parent, or a link of it."""
    if _TRACER.otel is None:
        return None
    context = otel_trace.get_current_span().get_span_context()
    return context if context.is_valid else None


def batch_span(calls: Sequence[Call], slot: int) -> AbstractContextManager[Span]:
    """The span of one batch, current while it runs."""
    tracer = _TRACER.otel
    if tracer is None:
        return nullcontext(INVALID_SPAN)
    parent, links = fan_in(c.span for c in calls if c.span is not None)
    return tracer.start_as_current_span(
        "ledger.batch",
        context=parent,
        links=links,
        attributes={
            "strongroom.ledger.calls": len(calls),
            "strongroom.ledger.transfers": sum(len(c.transfers) for c in calls),
            "strongroom.ledger.worker": slot,
        },
    )


def write_span(attempt: Attempt, *, chained: bool) -> AbstractContextManager[Span]:
    """The span of an attempt's database work: its transaction (admission, reads, locks, rules,
    writes, commit), or on SQLite its chained write."""
    tracer = _TRACER.otel
    if tracer is None:
        return nullcontext(INVALID_SPAN)
    return tracer.start_as_current_span(
        "ledger.write",
        attributes={
            "strongroom.ledger.attempt": attempt.number,
            "strongroom.ledger.chained": chained,
            "strongroom.ledger.probe": attempt.probe,
        },
    )


def record_outcome(span: Span, outcome: Outcome) -> None:
    """Say on an attempt's span how it ended: `committed`, or why it rolled back."""
    if not span.is_recording():
        return
    if isinstance(outcome, Committed):
        name = "committed"
    elif isinstance(outcome, Rerun):
        name = outcome.value
    else:
        name = type(outcome).__name__.lower()
    span.set_attribute("strongroom.ledger.outcome", name)


def record_failure(error: StrongroomError) -> None:
    """Mark the current batch span failed when its callers get a storage error (a database
    failure beyond the retries); another error is a caller's, answered as it should be."""
    if not isinstance(error, StorageError):
        return
    span = otel_trace.get_current_span()
    if span.is_recording():
        span.set_status(StatusCode.ERROR, str(error))
