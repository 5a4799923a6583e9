"""One transfer request, one trace: HTTP or gRPC request -> service -> ledger batch -> database
write, then the outbox relay and the audit consumer on the in-process bus, all in the request's
trace (recorded by the SDK's in-memory exporter, the `spans` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import grpc
import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_trace_id

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import ledger_pb2 as pb
from strongroom.api.grpc.gen import ledger_pb2_grpc
from strongroom.api.http import create_app
from strongroom.bootstrap import Platform, Services
from strongroom.events.audit import subscribe_audit
from strongroom.events.relay import Relay
from strongroom.services.access import Role
from strongroom.settings import load_settings
from tests.api.helpers import account, transfer


@dataclass
class Deployment:
    services: Services
    relay: Relay
    token: str


@pytest.fixture
async def deployment(sqlite_url: str) -> AsyncIterator[Deployment]:
    """A platform on SQLite, its relay on the in-process bus with the audit consumer on it."""
    settings = load_settings(db_url=sqlite_url, sweep_interval=0)
    async with Platform(settings) as platform:
        services = await platform.services()
        relay = await platform.relay()
        await subscribe_audit(relay.bus, await platform.audit_log())
        token = (await services.access.create("acme", Role.WRITE)).token
        yield Deployment(services, relay, token)


def named(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, [s.name for s in spans]
    return found[0]


def child_of(span: ReadableSpan, parent: ReadableSpan) -> bool:
    assert span.parent is not None
    assert parent.context is not None
    return span.parent.span_id == parent.context.span_id


def assert_request_chain(spans: Sequence[ReadableSpan], request: ReadableSpan) -> None:
    """The request's span is the root of service -> batch -> database write."""
    service = named(spans, "ledger.create_transfers")
    batch = named(spans, "ledger.batch")
    write = named(spans, "ledger.write")
    assert request.parent is None
    assert child_of(service, request)
    assert child_of(batch, service)
    assert child_of(write, batch)
    assert write.attributes is not None
    assert write.attributes["strongroom.ledger.outcome"] == "committed"


def trace_ids(spans: Sequence[ReadableSpan]) -> set[str]:
    return {format_trace_id(s.context.trace_id) for s in spans if s.context is not None}


async def test_one_http_transfer_request_is_one_trace_across_the_bus(
    deployment: Deployment, spans: InMemorySpanExporter
) -> None:
    app = create_app(deployment.services.ledger_service, deployment.services.access)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://api",
        headers={"Authorization": f"Bearer {deployment.token}"},
    ) as client:
        a, b = account(), account()
        assert (await client.post("/v1/accounts", json={"accounts": [a, b]})).status_code == 200
        await deployment.relay.drain()
        spans.clear()
        response = await client.post(
            "/v1/transfers", json={"transfers": [transfer(a["id"], b["id"], 7)]}
        )
    assert response.json()["results"][0]["result"] == "ok"
    assert await deployment.relay.drain() == 1
    finished = spans.get_finished_spans()

    assert trace_ids(finished) == {response.headers["x-request-id"]}
    request = named(finished, "POST /v1/transfers")
    assert request.kind is SpanKind.SERVER
    assert request.attributes is not None
    assert request.attributes["http.route"] == "/v1/transfers"
    assert request.attributes["http.response.status_code"] == 200
    assert_request_chain(finished, request)
    # One connected trace: publish and consume are children of the service span that made the
    # transfer (the event names it: events.bus.event_parent).
    publish = named(finished, "outbox.publish")
    consume = named(finished, "events.consume")
    service = named(finished, "ledger.create_transfers")
    assert child_of(publish, service)
    assert child_of(consume, service)
    exported = {span.context.span_id for span in finished if span.context is not None}
    assert all(s.parent is None or s.parent.span_id in exported for s in finished)
    assert consume.attributes is not None
    assert consume.attributes["strongroom.consumer.applied"] == 1


async def test_one_grpc_transfer_request_is_one_trace(
    deployment: Deployment, spans: InMemorySpanExporter
) -> None:
    services = deployment.services
    server, port = await start_grpc_server(services.ledger_service, services.access)
    metadata = (("authorization", f"Bearer {deployment.token}"),)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = ledger_pb2_grpc.LedgerStub(channel)
            a, b = account(), account()
            accounts = [pb.NewAccount(**x) for x in (a, b)]
            await stub.CreateAccounts(
                pb.CreateAccountsRequest(accounts=accounts), metadata=metadata
            )
            spans.clear()
            call = stub.CreateTransfers(
                pb.CreateTransfersRequest(transfers=[pb.NewTransfer(**transfer(a["id"], b["id"]))]),
                metadata=metadata,
            )
            reply = await call
            request_id = dict(await call.initial_metadata())["x-request-id"]
    finally:
        await server.stop(None)
    assert reply.results[0].result == "ok"
    finished = spans.get_finished_spans()

    assert trace_ids(finished) == {request_id}
    request = named(finished, "strongroom.v1.Ledger/CreateTransfers")
    assert request.kind is SpanKind.SERVER
    assert request.attributes is not None
    assert request.attributes["rpc.grpc.status_code"] == 0
    assert_request_chain(finished, request)
