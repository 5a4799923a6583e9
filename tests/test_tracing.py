from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_span_id, format_trace_id

from strongroom.tracing import (
    Actor,
    ContextThreadPoolExecutor,
    bound,
    consume,
    current_actor,
    current_trace_id,
    extract,
    inject,
    new_trace_id,
    parse_traceparent,
    run_in_thread,
)


def seen() -> tuple[str | None, Actor | None]:
    return current_trace_id(), current_actor()


async def test_trace_id_crosses_asyncio_tasks() -> None:
    actor = Actor("acme", "key_1")
    with bound(actor=actor) as trace:

        async def child() -> tuple[str | None, Actor | None]:
            await asyncio.sleep(0)
            return seen()

        assert await asyncio.create_task(child()) == (trace, actor)
        assert await asyncio.gather(child(), child()) == [(trace, actor)] * 2
    assert seen() == (None, None)


async def test_trace_id_crosses_run_in_thread() -> None:
    with bound() as trace:
        assert (await run_in_thread(seen))[0] == trace


def test_plain_executor_loses_the_trace_and_ours_keeps_it() -> None:
    with bound() as trace, ThreadPoolExecutor(1) as plain:
        # The control: a bare executor does not carry contextvars, which is why ours exists.
        assert plain.submit(seen).result()[0] is None
    with bound() as trace, ContextThreadPoolExecutor(2) as pool:
        assert pool.submit(seen).result()[0] == trace
        assert [t for t, _ in pool.map(lambda _: seen(), range(4))] == [trace] * 4


async def test_our_executor_keeps_the_trace_under_run_in_executor() -> None:
    with bound() as trace, ContextThreadPoolExecutor(1) as pool:
        result = await asyncio.get_running_loop().run_in_executor(pool, seen)
        assert result[0] == trace


def test_executor_tasks_do_not_leak_context_back() -> None:
    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="caller")
    with ContextThreadPoolExecutor(1) as pool:
        pool.submit(marker.set, "worker").result()
    assert marker.get() == "caller"


def test_headers_carry_the_trace_id_between_producer_and_consumer() -> None:
    with bound() as trace:
        headers = inject({})
    assert extract(headers) == trace
    with consume(headers) as consumed:
        assert consumed == trace
        assert current_trace_id() == trace
    assert current_trace_id() is None


def test_traceparent_is_w3c() -> None:
    with bound("4bf92f3577b34da6a3ce929d0e0e4736"):
        header = inject({})["traceparent"]
    version, trace, span, flags = header.split("-")
    assert (version, trace, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert len(span) == 16
    parent = parse_traceparent({"TraceParent": header})
    assert parent is not None
    assert parent.sampled


def test_bad_or_missing_headers_start_a_new_trace() -> None:
    for headers in (
        {},
        {"traceparent": "garbage"},
        {"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"},
        {"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    ):
        assert extract(headers) is None
        with consume(headers) as trace:
            assert len(trace) == 32
    assert inject({}) == {}
    with bound("request-17"):
        # Not a W3C id: kept for logs, but not put in a traceparent.
        assert current_trace_id() == "request-17"
        assert inject({}) == {}


def test_otel_spans_join_our_trace_and_propagate_theirs() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    trace = new_trace_id()
    with bound(trace), tracer.start_as_current_span("handle") as span:
        assert format_trace_id(span.get_span_context().trace_id) == trace
        assert current_trace_id() == trace
        headers = inject({})
        assert headers["traceparent"].split("-")[2] == format_span_id(
            span.get_span_context().span_id
        )
    # The consumer's span continues the producer's trace, as a child of the producer's span.
    with consume(headers), tracer.start_as_current_span("consume"):
        pass
    handle, consumed = exporter.get_finished_spans()
    assert format_trace_id(consumed.context.trace_id) == trace
    assert consumed.parent is not None
    assert consumed.parent.span_id == handle.context.span_id
    # With no bound trace, an active OTel span is the source of truth.
    with tracer.start_as_current_span("root") as root:
        assert current_trace_id() == format_trace_id(root.get_span_context().trace_id)
