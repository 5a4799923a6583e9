from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from strongroom.bootstrap import open_outbox
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.inprocess import InProcessBus
from strongroom.events.relay import OutboxCorrupt, Relay, RelayBusy
from strongroom.events.schemas import Envelope
from strongroom.tracing import new_trace_id
from tests.events.conftest import transfer_event
from tests.events.fakes import MemoryAuditLog, MemoryOutbox
from tests.events.helpers import sql_engine


class RecordingBus(InProcessBus):
    """The in-process bus, remembering every published event id; can fail the next publishes."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[uuid.UUID] = []
        self.fail_next = 0

    async def publish(self, events: Sequence[Envelope]) -> None:
        self.published.extend(event.id for event in events)
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("bus went away after storing the events")
        await super().publish(events)


async def unpublished(url: str) -> int:
    engine = sql_engine(url)
    async with engine.connect() as connection:
        found = await connection.scalar(
            sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        )
    await engine.dispose()
    return int(found or 0)


async def all_published(url: str) -> bool:
    return await unpublished(url) == 0


async def test_drain_publishes_every_event_in_outbox_order_and_marks_rows(
    db_url: str, make_event, write_outbox
) -> None:
    batches = [[make_event() for _ in range(size)] for size in (1, 3, 2, 1, 4)]
    await write_outbox(db_url, batches)
    bus = RecordingBus()
    relay = Relay(open_outbox(db_url), bus, batch_size=2)
    assert await relay.drain() == 11
    assert [str(i) for i in bus.published] == [e["id"] for batch in batches for e in batch]
    assert await unpublished(db_url) == 0
    assert await relay.drain() == 0
    assert len(bus.published) == 11


async def test_a_failed_publish_is_repeated_and_nothing_is_lost(
    db_url: str, make_event, write_outbox, eventually
) -> None:
    batches = [[make_event()] for _ in range(5)]
    await write_outbox(db_url, batches)
    bus = RecordingBus()
    bus.fail_next = 1
    delivered: list[uuid.UUID] = []

    async def handler(event: Envelope) -> None:
        delivered.append(event.id)

    await bus.subscribe("strongroom.>", "test", handler)
    relay = Relay(open_outbox(db_url), bus, batch_size=2, retry_delay=0.01, poll_interval=0.01)
    relay.start()
    await eventually(lambda: all_published(db_url), "the outbox to drain")
    await relay.stop()
    expected = [uuid.UUID(batch[0]["id"]) for batch in batches]
    # The first two were published, not marked, and published again: at least once.
    assert bus.published == expected[:2] + expected
    assert delivered == expected


async def test_the_running_relay_picks_up_rows_written_later(
    db_url: str, make_event, write_outbox, eventually
) -> None:
    bus = RecordingBus()
    relay = Relay(open_outbox(db_url), bus, poll_interval=0.01)
    relay.start()
    await write_outbox(db_url, [[make_event()]])
    await eventually(lambda: all_published(db_url), "the outbox to drain")
    await write_outbox(db_url, [[make_event()]])
    await eventually(lambda: all_published(db_url), "the outbox to drain")
    await relay.stop()
    assert len(bus.published) == 2


async def test_a_row_committed_late_with_a_lower_id_is_still_published(
    db_url: str, make_event, write_outbox
) -> None:
    # On PostgreSQL ids are taken at insert and rows become visible at commit: a row can appear
    # below ids already published. Simulate it by inserting a lower id after a drain.
    await write_outbox(db_url, [[make_event()] for _ in range(3)])
    bus = RecordingBus()
    relay = Relay(open_outbox(db_url), bus)
    await relay.drain()
    engine = sql_engine(db_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("DELETE FROM outbox WHERE id = 2"))
        late = make_event()
        await connection.execute(
            sa.text("INSERT INTO outbox (id, created_at, events) VALUES (2, 0, :events)"),
            {"events": json.dumps([late]).encode()},
        )
    await engine.dispose()
    assert await relay.drain() == 1
    assert str(bus.published[-1]) == late["id"]


async def test_only_one_relay_is_active_per_database(
    db_url: str, make_event, write_outbox, eventually
) -> None:
    await write_outbox(db_url, [[make_event()]])
    first_bus, second_bus = RecordingBus(), RecordingBus()
    first = Relay(open_outbox(db_url), first_bus, poll_interval=0.01)
    first.start()
    await eventually(lambda: all_published(db_url), "the outbox to drain")
    second = Relay(open_outbox(db_url), second_bus)
    with pytest.raises(RelayBusy):
        await second.drain()
    # A standby takes over once the active relay stops.
    standby = Relay(open_outbox(db_url), second_bus, poll_interval=0.01, standby_interval=0.01)
    standby.start()
    await first.stop()
    await write_outbox(db_url, [[make_event()]])
    await eventually(lambda: all_published(db_url), "the outbox to drain")
    await standby.stop()
    assert (len(first_bus.published), len(second_bus.published)) == (1, 1)


async def test_a_corrupt_row_stops_the_relay_at_that_row(
    db_url: str, make_event, write_outbox
) -> None:
    await write_outbox(db_url, [[make_event()]])
    engine = sql_engine(db_url)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text("INSERT INTO outbox (created_at, events) VALUES (0, :raw)"),
            {"raw": b"not json"},
        )
    await engine.dispose()
    await write_outbox(db_url, [[make_event()]])
    bus = RecordingBus()
    with pytest.raises(OutboxCorrupt, match="outbox row 2"):
        await Relay(open_outbox(db_url), bus, batch_size=1).drain()
    assert len(bus.published) == 1
    assert await unpublished(db_url) == 2


async def test_the_relay_needs_only_the_outbox_port(make_event) -> None:
    outbox = MemoryOutbox()
    batches = [[make_event() for _ in range(size)] for size in (2, 1, 3)]
    for batch in batches:
        outbox.write(json.dumps(batch).encode())
    bus = RecordingBus()
    relay = Relay(outbox, bus, batch_size=2)
    async with outbox.activate(relay.name):
        with pytest.raises(RelayBusy):
            await relay.drain()
    assert await relay.drain() == 6
    assert [str(i) for i in bus.published] == [e["id"] for batch in batches for e in batch]
    assert (await outbox.status()).waiting == 0


async def test_a_round_and_a_delivery_are_spans_in_their_events_traces(
    spans: InMemorySpanExporter,
) -> None:
    first, other = new_trace_id(), new_trace_id()
    events = [transfer_event(trace_id=t) for t in (first, first, None, other)]
    outbox = MemoryOutbox()
    outbox.write(json.dumps(events).encode())
    bus = InProcessBus()
    consumer = IdempotentConsumer(MemoryAuditLog(), "billing", batch_handler=lambda tx, es: noop())
    await bus.subscribe("strongroom.>", "billing", consumer)
    assert await Relay(outbox, bus).drain() == 4
    publish, consume = sorted(spans.get_finished_spans(), key=lambda s: s.start_time or 0)
    assert (publish.name, publish.kind) == ("outbox.publish", SpanKind.PRODUCER)
    assert (consume.name, consume.kind) == ("events.consume", SpanKind.CONSUMER)
    # Both children of the first event's span (bus.event_parent), linked to the other trace.
    for span in (publish, consume):
        assert span.parent is not None
        assert format_trace_id(span.parent.trace_id) == first
        assert format_span_id(span.parent.span_id) == events[0]["id"].replace("-", "")[16:]
        assert [format_trace_id(link.context.trace_id) for link in span.links] == [other]
    assert consume.attributes is not None
    assert consume.attributes["strongroom.consumer.applied"] == 4


async def noop() -> None:
    pass
