"""Telemetry set-up: where the spans of a serving process go (docs/operations.md, Tracing).

`async with telemetry(settings):` around what a process serves. With `otlp_endpoint` set it
installs an OpenTelemetry SDK tracer provider for Strongroom's spans (strongroom.tracing): the
`service.name` resource, a BatchSpanProcessor, and an OTLP/gRPC exporter to the endpoint
(`http://` plain, `https://` TLS). On leaving, it flushes what is queued and shuts the exporter
down, in a thread, so the event loop keeps running while a slow collector is given up on. Unset,
it installs nothing: every span site then skips its span, at the cost of a test.

One per process: the provider is process-wide.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from opentelemetry.trace import TracerProvider

from strongroom.errors import ConfigurationError
from strongroom.settings import Settings
from strongroom.tracing import tracer_provider, use_tracer_provider

#: Seconds one export may take (the exporter retries within it) before its spans are dropped;
#: also what a flush at shutdown waits at most for an unreachable collector.
EXPORT_TIMEOUT: Final = 5.0


@asynccontextmanager
async def telemetry(settings: Settings) -> AsyncIterator[TracerProvider | None]:
    """Export spans to `settings.otlp_endpoint` while the block runs; yields the provider, or
    None when no endpoint is set (then nothing is installed)."""
    if settings.otlp_endpoint is None:
        yield None
        return
    if tracer_provider() is not None:
        raise ConfigurationError("telemetry is already set up in this process")
    # Imported here: the SDK and the exporter (a tenth of a second) only where spans are sent.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = SdkTracerProvider(resource=Resource.create({SERVICE_NAME: settings.service_name}))
    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, timeout=EXPORT_TIMEOUT)
    provider.add_span_processor(
        BatchSpanProcessor(exporter, export_timeout_millis=EXPORT_TIMEOUT * 1000)
    )
    use_tracer_provider(provider)
    try:
        yield provider
    finally:
        use_tracer_provider(None)
        await asyncio.to_thread(provider.shutdown)
