from __future__ import annotations

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, format_span_id, format_trace_id

from strongroom.ids import new_id
from strongroom.services.access import AccessService
from strongroom.tracing import new_trace_id


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Edge-only checks: the input never reaches the ledger, so one backend is enough."""
    return sqlite_url


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/healthz")
    second = await client.get("/v1/accounts")
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(len(i) == 32 for i in ids)
    assert ids[0] != ids[1]
    assert second.json()["trace_id"] == ids[1]


async def test_a_client_request_id_is_honoured(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/accounts", headers={"X-Request-Id": "order-77.retry:2"})
    assert r.headers["x-request-id"] == "order-77.retry:2"
    assert r.json()["trace_id"] == "order-77.retry:2"


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "ünïcode"])
async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": bad.encode("utf-8")})
    assert r.headers["x-request-id"] != bad
    assert len(r.headers["x-request-id"]) == 32


async def test_health_readiness_and_metrics(
    client: httpx.AsyncClient, keys: AccessService, writer: dict[str, str]
) -> None:
    http = {"name": "http", "status": "ok", "detail": ""}
    assert (await client.get("/healthz")).json() == {"status": "ok", "components": [http]}
    database = {"name": "database", "status": "ok", "detail": ""}
    ready = {"status": "ready", "components": [database, http]}
    assert (await client.get("/readyz")).json() == ready
    await client.get("/v1/accounts", headers=writer)
    text = (await client.get("/metrics")).text
    assert (
        'strongroom_http_requests_total{method="GET",route="/v1/accounts",status="200"} 1.0' in text
    )
    assert "strongroom_http_request_duration_seconds_bucket" in text
    for name in ("batches_total", "transfers_total", "retries_total", "queue_depth"):
        assert f"strongroom_ledger_{name}" in text


async def test_a_refused_body_carries_the_request_id_and_is_counted(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    headers = {**writer, "X-Request-Id": "big-1", "Content-Type": "application/json"}
    r = await client.post("/v1/accounts", content=b"[" + b" " * 300_000 + b"]", headers=headers)
    assert r.status_code == 413
    assert r.headers["x-request-id"] == "big-1"
    assert r.json()["trace_id"] == "big-1"
    text = (await client.get("/metrics")).text
    assert (
        'strongroom_http_requests_total{method="POST",route="unmatched",status="413"} 1.0' in text
    )


async def test_only_the_first_request_id_header_counts(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers=[("X-Request-Id", "has space"), ("X-Request-Id", "b")])
    assert r.headers["x-request-id"] not in ("has space", "b")


async def test_a_traceparent_names_the_trace_when_no_request_id_does(
    client: httpx.AsyncClient,
) -> None:
    trace = new_trace_id()
    traceparent = {"traceparent": f"00-{trace}-00f067aa0ba902b7-01"}
    r = await client.get("/v1/accounts", headers=traceparent)
    assert r.headers["x-request-id"] == trace
    r = await client.get("/v1/accounts", headers={**traceparent, "X-Request-Id": "order-8"})
    assert r.headers["x-request-id"] == "order-8"


async def test_each_request_is_a_server_span_named_by_its_route(
    client: httpx.AsyncClient, reader: dict[str, str], spans: InMemorySpanExporter
) -> None:
    trace = new_trace_id()
    traceparent = f"00-{trace}-00f067aa0ba902b7-01"
    found = await client.get(
        f"/v1/accounts/{new_id()}", headers={**reader, "traceparent": traceparent}
    )
    assert found.status_code == 404
    assert found.headers["x-request-id"] == trace
    await client.get("/no/such/route")
    missing, unmatched = (s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER)
    assert missing.name == "GET /v1/accounts/{id}"
    assert format_trace_id(missing.context.trace_id) == trace
    assert missing.parent is not None
    assert format_span_id(missing.parent.span_id) == "00f067aa0ba902b7"
    assert missing.attributes is not None
    assert missing.attributes["http.response.status_code"] == 404
    # A client's error is not the server's.
    assert missing.status.status_code is StatusCode.UNSET
    assert unmatched.name == "GET unmatched"
    assert unmatched.parent is None


async def test_a_request_id_otel_cannot_carry_is_echoed_and_recorded_on_the_span(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    r = await client.get("/v1/accounts", headers={"X-Request-Id": "order-8"})
    assert r.headers["x-request-id"] == "order-8"
    (span,) = spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["strongroom.request_id"] == "order-8"
    # What the request logs and writes carries the span's trace.
    assert r.json()["trace_id"] == format_trace_id(span.context.trace_id)
