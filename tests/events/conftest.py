"""Fixtures for the events tests: unique JetStream names, outbox rows (the databases are the
shared `db_url` and `pg_url`, migrated).

`write_outbox` inserts rows with plain SQL in the shape the ledger writes for accounts and
status changes (docs/events.md): one row per transaction, `events` a JSON array of envelopes.
Rows that refer to the ledger's transfers are covered by tests/events/test_transfer_refs.py and
tests/ledger/test_events.py.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from strongroom.events.jetstream import JetStreamBus
from tests.events.helpers import sql_engine

EventFactory = Callable[..., dict[str, Any]]
OutboxWriter = Callable[[str, list[list[dict[str, Any]]]], Awaitable[list[int]]]


def transfer_event(
    *,
    tenant: str = "acme",
    amount: int = 1_000,
    trace_id: str | None = None,
    actor: str | None = "key_1",
    event_type: str = "ledger.transfer.created",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An envelope as the ledger writes it (a transfer by default)."""
    transfer_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": time.time_ns(),
        "tenant": tenant,
        "trace_id": trace_id,
        "actor": actor,
        "data": data
        if data is not None
        else {
            "id": transfer_id,
            "debit_account_id": str(uuid.uuid4()),
            "credit_account_id": str(uuid.uuid4()),
            "amount": amount,
            "ledger": "EUR",
            "code": 1,
            "flags": 0,
            "pending_id": None,
            "timeout": 0,
            "metadata": {"ref": "invoice 7"},
            "tenant": tenant,
            "timestamp": time.time_ns(),
            "seq": 1,
        },
    }


async def insert_outbox(url: str, batches: list[list[dict[str, Any]]]) -> list[int]:
    """One outbox row per batch, as one ledger transaction writes it; returns the row ids."""
    engine = sql_engine(url)
    ids = []
    try:
        async with engine.begin() as connection:
            for batch in batches:
                result = await connection.execute(
                    sa.text(
                        "INSERT INTO outbox (created_at, events) VALUES (:created_at, :events)"
                        " RETURNING id"
                    ),
                    {"created_at": time.time_ns(), "events": json.dumps(batch).encode()},
                )
                ids.append(result.scalar_one())
    finally:
        await engine.dispose()
    return ids


@pytest.fixture
def make_event() -> EventFactory:
    return transfer_event


@pytest.fixture
def write_outbox() -> OutboxWriter:
    return insert_outbox


@pytest.fixture
def unique_names() -> tuple[str, str]:
    """(subject prefix, stream name), unique per test so parallel runs never share a stream."""
    suffix = uuid.uuid4().hex[:10]
    return f"srtest_{suffix}", f"SRTEST_{suffix.upper()}"


@pytest.fixture
async def jetstream(nats_url: str, unique_names: tuple[str, str]) -> AsyncIterator[JetStreamBus]:
    prefix, stream = unique_names
    bus = await JetStreamBus.connect(nats_url, prefix=prefix, stream=stream, retry_delay=0.1)
    try:
        yield bus
    finally:
        await bus.delete_stream()
        await bus.close()


async def wait_until(check: Callable[[], Awaitable[bool]], what: str = "condition") -> None:
    """Poll `check` until true; fail (not hang) if it never becomes true within ~60 seconds."""
    for _ in range(6000):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def eventually() -> Callable[[Callable[[], Awaitable[bool]], str], Awaitable[None]]:
    return wait_until
