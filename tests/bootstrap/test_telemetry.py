from __future__ import annotations

import socket
import time

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from strongroom.bootstrap import telemetry
from strongroom.bootstrap.telemetry import EXPORT_TIMEOUT
from strongroom.errors import ConfigurationError
from strongroom.settings import load_settings
from strongroom.tracing import get_tracer, tracer_provider
from tests.otlp import collecting


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_spans_reach_an_otlp_collector_when_the_block_ends() -> None:
    async with collecting() as (collector, endpoint):
        settings = load_settings(otlp_endpoint=endpoint, service_name="strongroom-test")
        async with telemetry(settings):
            otel = get_tracer("strongroom.test.telemetry").otel
            assert otel is not None
            with otel.start_as_current_span("sent"):
                pass
    (request,) = collector.received
    (resource_spans,) = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "strongroom-test"
    assert [s.name for s in collector.spans()] == ["sent"]


async def test_without_an_endpoint_nothing_is_installed() -> None:
    tracer = get_tracer("strongroom.test.telemetry")
    async with telemetry(load_settings(otlp_endpoint=None)) as provider:
        assert provider is None
        assert tracer_provider() is None
        assert tracer.otel is None


async def test_an_endpoint_installs_an_otlp_exporter_and_shutdown_does_not_hang() -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    settings = load_settings(otlp_endpoint=endpoint, service_name="strongroom-test")
    tracer = get_tracer("strongroom.test.telemetry")
    async with telemetry(settings) as provider:
        assert isinstance(provider, TracerProvider)
        assert tracer_provider() is provider
        assert provider.resource.attributes["service.name"] == "strongroom-test"
        (processor,) = provider._active_span_processor._span_processors
        assert isinstance(processor, BatchSpanProcessor)
        exporter = processor._batch_processor._exporter
        assert isinstance(exporter, OTLPSpanExporter)
        assert exporter._endpoint == endpoint.removeprefix("http://")
        assert tracer.otel is not None
        with tracer.otel.start_as_current_span("lost"):
            pass
        with pytest.raises(ConfigurationError):
            async with telemetry(settings):
                pass
        started = time.monotonic()
    # The span cannot be delivered: the flush gives up within the export timeout.
    assert time.monotonic() - started < EXPORT_TIMEOUT + 2
    assert tracer_provider() is None
    assert tracer.otel is None
