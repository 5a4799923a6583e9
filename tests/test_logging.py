from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog

from strongroom import logging as strongroom_logging
from strongroom.tracing import Actor, ContextThreadPoolExecutor, bound, consume, inject


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    strongroom_logging.configure(json=True, level="DEBUG", stream=stream)
    yield stream
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_carries_trace_id_and_actor(captured: io.StringIO) -> None:
    log = strongroom_logging.get_logger("strongroom.test")
    with bound(actor=Actor("acme", "key_1")) as trace:
        log.info("transfer posted", amount=100)
        with ContextThreadPoolExecutor(1) as pool:
            pool.submit(log.warning, "from a worker thread").result()
        headers = inject({})
    with consume(headers):
        log.debug("consumed")
    log.info("outside any request")
    first, worker, consumed, outside = lines(captured)
    assert first["event"] == "transfer posted"
    assert first["amount"] == 100
    assert first["level"] == "info"
    assert first["logger"] == "strongroom.test"
    assert "timestamp" in first
    assert (first["trace_id"], first["tenant"], first["actor"]) == (trace, "acme", "key_1")
    assert worker["trace_id"] == trace
    assert consumed["trace_id"] == trace
    assert "trace_id" not in outside
    assert "actor" not in outside


def test_level_filters_lines() -> None:
    stream = io.StringIO()
    strongroom_logging.configure(level="WARNING", stream=stream)
    try:
        log = strongroom_logging.get_logger()
        log.info("dropped")
        log.error("kept")
    finally:
        structlog.reset_defaults()
    assert [line["event"] for line in lines(stream)] == ["kept"]


def test_console_format_is_not_json() -> None:
    stream = io.StringIO()
    strongroom_logging.configure(json=False, stream=stream)
    try:
        with bound("4bf92f3577b34da6a3ce929d0e0e4736"):
            strongroom_logging.get_logger().info("hello")
    finally:
        structlog.reset_defaults()
    output = stream.getvalue()
    assert "hello" in output
    assert "4bf92f3577b34da6a3ce929d0e0e4736" in output
    with pytest.raises(json.JSONDecodeError):
        json.loads(output)


def test_a_logger_made_before_configure_follows_it() -> None:
    early = strongroom_logging.get_logger("strongroom.early", component="relay")
    stream = io.StringIO()
    strongroom_logging.configure(json=True, stream=stream)
    try:
        with bound(actor=Actor("acme", "key_1")):
            early.info("configured later")
    finally:
        structlog.reset_defaults()
    (line,) = lines(stream)
    assert line["logger"] == "strongroom.early"
    assert line["component"] == "relay"
    assert line["tenant"] == "acme"
