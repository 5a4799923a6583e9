"""Failure injection against real servers: a relay killed mid-publish, a NATS server restarted.

Both check the end-to-end promise: every event reaches the consumer and its effect happens
exactly once (rows counted), whatever was published twice on the way.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.bootstrap import open_outbox, open_processed_events
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.jetstream import JetStreamBus
from strongroom.events.ports import ProcessedEvents
from strongroom.events.relay import Relay
from strongroom.events.schemas import Envelope
from tests.events.helpers import sql_engine

pytestmark = pytest.mark.slow

NATS_SERVER = "/usr/sbin/nats-server"


async def record_effect(connection: AsyncConnection, event: Envelope) -> None:
    # No unique constraint on purpose: a second application of an event would show as a row.
    await connection.execute(
        sa.text("INSERT INTO effects (event_id) VALUES (:id)"), {"id": str(event.id)}
    )


async def counts(engine: AsyncEngine) -> tuple[int, int, int]:
    """(effect rows, distinct events in them, outbox rows not yet published)."""
    async with engine.connect() as connection:
        rows = await connection.scalar(sa.text("SELECT count(*) FROM effects"))
        distinct = await connection.scalar(sa.text("SELECT count(DISTINCT event_id) FROM effects"))
        waiting = await connection.scalar(
            sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        )
    return int(rows or 0), int(distinct or 0), int(waiting or 0)


@pytest.fixture
async def effects_engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = sql_engine(pg_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE effects (event_id TEXT NOT NULL)"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def processed(pg_url: str) -> AsyncIterator[ProcessedEvents[AsyncConnection]]:
    markers = open_processed_events(pg_url)
    yield markers
    await markers.close()


def start_relay_process(
    url: str, nats_url: str, names: tuple[str, str], log: Path
) -> subprocess.Popen[bytes]:
    prefix, stream = names
    command = [sys.executable, "-m", "strongroom.cli.events", "relay", "--db", url]
    command += ["--nats", nats_url, "--prefix", prefix, "--stream", stream]
    # Small rounds make the run long enough to be killed in the middle of it.
    command += ["--batch-size", "1", "--poll-interval", "0.05"]
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_relay_killed_mid_publish_loses_and_duplicates_nothing(
    pg_url: str,
    effects_engine: AsyncEngine,
    processed: ProcessedEvents[AsyncConnection],
    nats_url: str,
    unique_names: tuple[str, str],
    jetstream: JetStreamBus,
    make_event: Callable[..., dict[str, object]],
    write_outbox,
    eventually,
    tmp_path: Path,
) -> None:
    total = 1500
    await write_outbox(pg_url, [[make_event() for _ in range(5)] for _ in range(total // 5)])
    consumer = IdempotentConsumer(processed, "effects", record_effect)
    await jetstream.subscribe(f"{jetstream.prefix}.>", "effects", consumer)
    log = tmp_path / "relay.log"

    relay = start_relay_process(pg_url, nats_url, unique_names, log)
    try:

        async def some_published() -> bool:
            assert relay.poll() is None, log.read_text()
            return await jetstream.stream_messages() >= 100

        await eventually(some_published, "the relay to publish")
        relay.send_signal(signal.SIGKILL)
        assert relay.wait() == -signal.SIGKILL
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
    _, _, waiting = await counts(effects_engine)
    assert waiting > 0, "the relay finished before it was killed: nothing was tested"

    relay = start_relay_process(pg_url, nats_url, unique_names, log)
    try:

        async def all_applied() -> bool:
            assert relay.poll() is None, log.read_text()
            rows, _, waiting = await counts(effects_engine)
            return waiting == 0 and rows >= total

        await eventually(all_applied, "every effect after the restart")
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0, log.read_text()
    finally:
        if relay.poll() is None:
            relay.kill()
            relay.wait()
    assert await counts(effects_engine) == (total, total, 0)
    # Re-published events were dropped by JetStream's de-duplication window.
    assert await jetstream.stream_messages() == total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NatsServer:
    """A nats-server of this test's own, on a free port, with its own JetStream store."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.url = f"nats://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self.spawn()
        for _ in range(500):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise AssertionError("nats-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    await server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_nats_restart_while_the_relay_runs_loses_and_duplicates_nothing(
    pg_url: str,
    effects_engine: AsyncEngine,
    processed: ProcessedEvents[AsyncConnection],
    own_nats: NatsServer,
    unique_names: tuple[str, str],
    make_event: Callable[..., dict[str, object]],
    write_outbox,
    eventually,
) -> None:
    prefix, stream = unique_names
    options = {"prefix": prefix, "stream": stream, "publish_timeout": 1.0, "retry_delay": 0.1}
    publisher = await JetStreamBus.connect(own_nats.url, **options)
    subscriber = await JetStreamBus.connect(own_nats.url, **options)
    consumer = IdempotentConsumer(processed, "effects", record_effect)
    await subscriber.subscribe(f"{prefix}.>", "effects", consumer)
    relay = Relay(open_outbox(pg_url), publisher, batch_size=5, poll_interval=0.02, retry_delay=0.1)
    relay.start()
    try:
        await write_outbox(pg_url, [[make_event() for _ in range(4)] for _ in range(60)])

        async def some_applied() -> bool:
            rows, _, _ = await counts(effects_engine)
            return rows > 0

        await eventually(some_applied, "the first effects")
        own_nats.kill()
        # Written while the server is down: the relay keeps failing to publish them.
        await write_outbox(pg_url, [[make_event() for _ in range(4)] for _ in range(60)])
        await own_nats.start()
        await write_outbox(pg_url, [[make_event() for _ in range(4)] for _ in range(30)])

        async def all_applied() -> bool:
            rows, _, waiting = await counts(effects_engine)
            return waiting == 0 and rows >= 600

        await eventually(all_applied, "every effect after the restart")
    finally:
        await relay.close()
        await subscriber.close()
        await publisher.close()
    assert await counts(effects_engine) == (600, 600, 0)
