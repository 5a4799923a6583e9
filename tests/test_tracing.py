from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from strongroom.tracing import (
    Actor,
    ContextThreadPoolExecutor,
    TraceParent,
    bound,
    consume,
    current_actor,
    current_trace_id,
    extract,
    fan_in,
    get_tracer,
    inject,
    new_trace_id,
    parse_traceparent,
    remote_span_context,
    run_in_thread,
    start_request_span,
    traced,
    tracer_provider,
    use_tracer_provider,
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


def test_tracers_follow_the_installed_provider() -> None:
    tracer = get_tracer("strongroom.test")
    assert tracer is get_tracer("strongroom.test")
    assert tracer.otel is None
    assert tracer_provider() is None
    provider = TracerProvider()
    use_tracer_provider(provider)
    try:
        assert tracer_provider() is provider
        assert tracer.otel is not None
        assert get_tracer("strongroom.test.later").otel is not None
    finally:
        use_tracer_provider(None)
    assert tracer.otel is None


async def test_traced_runs_in_a_span_only_with_a_provider(spans: InMemorySpanExporter) -> None:
    tracer = get_tracer("strongroom.test.traced")

    @traced(tracer, "work")
    async def work(x: int) -> tuple[int, str | None]:
        return x * 2, current_trace_id()

    doubled, trace = await work(4)
    (span,) = spans.get_finished_spans()
    assert (doubled, trace) == (8, format_trace_id(span.context.trace_id))
    assert span.name == "work"
    use_tracer_provider(None)
    assert await work(1) == (2, None)
    assert len(spans.get_finished_spans()) == 1


def test_a_request_span_continues_the_callers_trace(spans: InMemorySpanExporter) -> None:
    tracer = get_tracer("strongroom.test.requests").otel
    assert tracer is not None
    caller = TraceParent(new_trace_id(), "00f067aa0ba902b7", sampled=True)
    own = new_trace_id()
    cases = [
        (None, caller, caller.trace_id),  # the caller's traceparent: a child of its span
        (own, None, own),  # the client's request id, a W3C trace id: that trace
        (own, caller, own),  # both, disagreeing: the request id wins, the header is not a parent
        ("order-7", None, "order-7"),  # an id OTel cannot carry: kept, and a new trace
        (None, None, None),  # nothing: a new trace, whose id is the request's
    ]
    for request_id, parent, expected in cases:
        span, trace = start_request_span(tracer, "GET /x", SpanKind.SERVER, request_id, parent)
        span.end()
        got = format_trace_id(span.get_span_context().trace_id)
        assert trace == (expected or got)
        if request_id == "order-7":
            assert got != trace
    continued, own_trace, disagreeing, custom, new = spans.get_finished_spans()
    assert continued.parent is not None
    assert format_span_id(continued.parent.span_id) == caller.span_id
    assert format_trace_id(own_trace.context.trace_id) == own
    assert disagreeing.parent is not None
    assert format_span_id(disagreeing.parent.span_id) != caller.span_id
    assert custom.attributes is not None
    assert custom.attributes["strongroom.request_id"] == "order-7"
    assert custom.parent is None
    assert new.parent is None


def test_fan_in_parents_by_the_first_context_and_links_one_per_other_trace(
    spans: InMemorySpanExporter,
) -> None:
    tracer = get_tracer("strongroom.test.fan_in").otel
    assert tracer is not None
    a, b = new_trace_id(), new_trace_id()
    contexts = [
        otel_trace.INVALID_SPAN_CONTEXT,
        remote_span_context(a, "0000000000000001"),
        remote_span_context(a, "0000000000000002"),
        remote_span_context(b, "0000000000000003"),
        remote_span_context(b, "0000000000000004"),
    ]
    parent, links = fan_in(contexts)
    with tracer.start_as_current_span("batch", context=parent, links=links):
        pass
    with tracer.start_as_current_span("outer"):
        # Nothing valid: a trace of its own, not a child of whatever is active.
        parent, links = fan_in([otel_trace.INVALID_SPAN_CONTEXT])
        with tracer.start_as_current_span("alone", context=parent, links=links):
            pass
    batch, alone, _ = spans.get_finished_spans()
    assert batch.parent is not None
    assert (format_trace_id(batch.context.trace_id), batch.parent.span_id) == (a, 1)
    assert [(format_trace_id(x.context.trace_id), x.context.span_id) for x in batch.links] == [
        (b, 3)
    ]
    assert alone.parent is None


def test_bound_keeps_the_active_span_of_its_trace(spans: InMemorySpanExporter) -> None:
    tracer = get_tracer("strongroom.test.bound").otel
    assert tracer is not None
    with tracer.start_as_current_span("request") as request:
        trace = current_trace_id()
        with bound(trace, Actor("acme", "key_1")), tracer.start_as_current_span("service"):
            assert current_actor() == Actor("acme", "key_1")
        with bound(new_trace_id()), tracer.start_as_current_span("elsewhere"):
            pass
    service, elsewhere, _ = spans.get_finished_spans()
    assert service.parent is not None
    assert service.parent.span_id == request.get_span_context().span_id
    assert elsewhere.context.trace_id != request.get_span_context().trace_id
