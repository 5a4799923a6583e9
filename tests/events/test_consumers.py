from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.bootstrap import open_processed_events
from strongroom.errors import ValidationError
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.schemas import Envelope, decode_envelope
from strongroom.tracing import current_trace_id
from tests.events.helpers import sql_engine


async def effects_table(connection: AsyncConnection) -> None:
    await connection.execute(sa.text("CREATE TABLE effects (event_id TEXT NOT NULL)"))


async def record_effect(connection: AsyncConnection, event: Envelope) -> None:
    await connection.execute(
        sa.text("INSERT INTO effects (event_id) VALUES (:id)"), {"id": str(event.id)}
    )


async def count(connection: AsyncConnection, table: str) -> int:
    return int(await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


async def test_the_effect_happens_once_per_event_id(db_url: str, make_event) -> None:
    engine = sql_engine(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await effects_table(connection)
    consumer = IdempotentConsumer(processed, "billing", record_effect)
    first, second = (decode_envelope(json.dumps(make_event()).encode()) for _ in range(2))
    for event in (first, second, first, first, second):
        await consumer(event)
    assert (consumer.applied, consumer.skipped) == (2, 3)
    # Another consumer keeps its own record: it applies the same events again.
    other = IdempotentConsumer(processed, "reporting", record_effect)
    await other(first)
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 3
        assert await count(connection, "processed_events") == 3
    await processed.close()
    await engine.dispose()


async def test_a_failing_handler_leaves_neither_effect_nor_marker(db_url: str, make_event) -> None:
    engine = sql_engine(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await effects_table(connection)
    fail = True

    async def fragile(connection: AsyncConnection, event: Envelope) -> None:
        await record_effect(connection, event)
        if fail:
            raise RuntimeError("crash after the effect, before commit")

    consumer = IdempotentConsumer(processed, "fragile", fragile)
    event = decode_envelope(json.dumps(make_event()).encode())
    with pytest.raises(RuntimeError):
        await consumer(event)
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 0
        assert await count(connection, "processed_events") == 0
    fail = False
    await consumer(event)
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 1
    await processed.close()
    await engine.dispose()


async def test_concurrent_deliveries_of_one_event_apply_once(db_url: str, make_event) -> None:
    engine = sql_engine(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await effects_table(connection)

    async def slow_effect(connection: AsyncConnection, event: Envelope) -> None:
        await record_effect(connection, event)
        await asyncio.sleep(0.05)

    consumer = IdempotentConsumer(processed, "slow", slow_effect)
    event = decode_envelope(json.dumps(make_event()).encode())
    await asyncio.gather(*(consumer(event) for _ in range(4)))
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 1
    assert (consumer.applied, consumer.skipped) == (1, 3)
    await processed.close()
    await engine.dispose()


async def test_a_batch_applies_the_new_events_in_one_transaction_or_none(
    db_url: str, make_event
) -> None:
    engine = sql_engine(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await effects_table(connection)
    poison: set[str] = set()
    traces: list[str | None] = []

    async def effect(connection: AsyncConnection, event: Envelope) -> None:
        traces.append(current_trace_id())
        if str(event.id) in poison:
            raise RuntimeError("poison")
        await record_effect(connection, event)

    consumer = IdempotentConsumer(processed, "batch", effect)
    events = [
        decode_envelope(json.dumps(make_event(trace_id=f"{n:032x}")).encode()) for n in range(4)
    ]
    await consumer(events[0])
    poison.add(str(events[3].id))
    with pytest.raises(RuntimeError):
        await consumer.handle_batch(events)
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 1
    poison.clear()
    await consumer.handle_batch(events)
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 4
        assert await count(connection, "processed_events") == 4
    assert (consumer.applied, consumer.skipped) == (4, 1)
    # Each event's effect ran under that event's own trace id.
    assert traces[-3:] == [f"{n:032x}" for n in (1, 2, 3)]
    await processed.close()
    await engine.dispose()


async def test_an_event_twice_in_one_batch_applies_once(db_url: str, make_event) -> None:
    engine = sql_engine(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await effects_table(connection)
    consumer = IdempotentConsumer(processed, "dupes", record_effect)
    event, other = (decode_envelope(json.dumps(make_event()).encode()) for _ in range(2))
    await consumer.handle_batch([event, other, event])
    async with engine.connect() as connection:
        assert await count(connection, "effects") == 2
    assert (consumer.applied, consumer.skipped) == (2, 1)
    await processed.close()
    await engine.dispose()


async def test_a_batched_consumer_gets_only_the_new_events_in_one_call(
    db_url: str, make_event
) -> None:
    processed = open_processed_events(db_url)
    calls: list[list[uuid.UUID]] = []

    async def bulk(_: AsyncConnection, events: Sequence[Envelope]) -> None:
        calls.append([event.id for event in events])

    consumer = IdempotentConsumer(processed, "bulk", batch_handler=bulk)
    events = [decode_envelope(json.dumps(make_event()).encode()) for _ in range(3)]
    await consumer(events[1])
    await consumer.handle_batch(events)
    assert calls == [[events[1].id], [events[0].id, events[2].id]]
    with pytest.raises(ValidationError):
        IdempotentConsumer(processed, "both", record_effect, batch_handler=bulk)
    with pytest.raises(ValidationError):
        IdempotentConsumer(processed, "neither")
    await processed.close()
