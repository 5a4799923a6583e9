"""An OTLP/gRPC trace receiver for tests: what the exporter sends, kept in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as otlp
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as otlp_grpc


class Collector(otlp_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace receiver that keeps what it is sent."""

    def __init__(self) -> None:
        self.received: list[otlp.ExportTraceServiceRequest] = []

    async def Export(
        self, request: otlp.ExportTraceServiceRequest, context: Any
    ) -> otlp.ExportTraceServiceResponse:
        self.received.append(request)
        return otlp.ExportTraceServiceResponse()

    def spans(self) -> list[Any]:
        """Every span received, of every resource and scope."""
        return [
            span
            for request in self.received
            for resources in request.resource_spans
            for scope in resources.scope_spans
            for span in scope.spans
        ]


@asynccontextmanager
async def collecting() -> AsyncIterator[tuple[Collector, str]]:
    """A receiver on a free loopback port: yields it and its endpoint URL."""
    collector = Collector()
    server = grpc.aio.server()
    otlp_grpc.add_TraceServiceServicer_to_server(collector, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield collector, f"http://127.0.0.1:{port}"
    finally:
        await server.stop(None)
