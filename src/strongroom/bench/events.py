"""Throughput of the relay and the audit consumer, for `strongroom events bench`.

Works on a throwaway database (a fresh schema in the given PostgreSQL database, dropped
afterwards, or a temporary SQLite file) and throwaway JetStream streams: it never touches real
data. Each scenario
writes its own outbox rows of explicit envelopes (one row per transaction, `per_row` transfer
events in it; the shape the ledger writes for accounts and status changes, while its transfer
batches refer to the log: strongroom.events.transfer_refs) and times how long the relay (and
consumer) take to get through them.

Imports strongroom.events, strongroom.bootstrap (the outbox and the audit log) and
strongroom.store (connections, migrate, tables, urls) only.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.bench.scratch import throwaway_database
from strongroom.bootstrap import open_audit_log, open_outbox
from strongroom.events.audit import subscribe_audit
from strongroom.events.bus import Bus
from strongroom.events.inprocess import InProcessBus
from strongroom.events.jetstream import JetStreamBus
from strongroom.events.ports import AuditLog
from strongroom.events.relay import Relay
from strongroom.events.schemas import TRANSFER_CREATED, Envelope, encode_batch
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import outbox
from strongroom.store.urls import parse_url


@dataclass(frozen=True, slots=True)
class BenchResult:
    scenario: str
    events: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else float("inf")


def _transfer(tenant: str, n: int) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=TRANSFER_CREATED,
        version=1,
        occurred_at=time.time_ns(),
        tenant=tenant,
        trace_id=uuid.uuid4().hex,
        actor="bench",
        data={
            "id": str(uuid.uuid4()),
            "debit_account_id": str(uuid.uuid4()),
            "credit_account_id": str(uuid.uuid4()),
            "amount": 100 + n,
            "ledger": "EUR",
            "code": 1,
            "flags": 0,
            "pending_id": None,
            "timeout": 0,
            "metadata": None,
            "tenant": tenant,
            "timestamp": time.time_ns(),
            "seq": n,
        },
    )


async def _write_rows(url: str, events: int, per_row: int) -> None:
    engine = sqlalchemy_engine(parse_url(url))
    try:
        async with engine.begin() as connection:
            rows = [
                {
                    "created_at": time.time_ns(),
                    "events": encode_batch(
                        [_transfer("bench", start + k) for k in range(min(per_row, events - start))]
                    ),
                }
                for start in range(0, events, per_row)
            ]
            await connection.execute(sa.insert(outbox), rows)
    finally:
        await engine.dispose()


@asynccontextmanager
async def _throwaway_stream(nats_url: str) -> AsyncIterator[JetStreamBus]:
    suffix = uuid.uuid4().hex[:12]
    bus = await JetStreamBus.connect(
        nats_url, prefix=f"bench_{suffix}", stream=f"BENCH_{suffix.upper()}"
    )
    try:
        yield bus
    finally:
        await bus.delete_stream()
        await bus.close()


async def _wait_for_head(audit_log: AuditLog[AsyncConnection], seq: int) -> None:
    while True:
        if await audit_log.head_seq() >= seq:
            return
        await asyncio.sleep(0.005)


async def run_bench(
    postgres: str | None, nats_url: str | None, *, events: int, per_row: int, batch_size: int
) -> list[BenchResult]:
    """Time each scenario on `events` events; JetStream scenarios only with `nats_url`."""
    results: list[BenchResult] = []
    async with throwaway_database(postgres) as database:
        audit_log = open_audit_log(database)

        async def scenario(name: str, bus: Bus, audited: bool) -> None:
            target = await audit_log.head_seq() + events
            await _write_rows(database, events, per_row)
            started = time.perf_counter()
            relay = Relay(open_outbox(database), bus, batch_size=batch_size)
            try:
                await relay.drain()
            finally:
                await relay.close()
            if audited:
                await _wait_for_head(audit_log, target)
            results.append(BenchResult(name, events, time.perf_counter() - started))

        try:
            await scenario("relay, in-process bus, no consumer", InProcessBus(), False)
            bus = InProcessBus()
            await subscribe_audit(bus, audit_log)
            await scenario("relay + audit consumer, in-process bus", bus, True)
            if nats_url is not None:
                async with _throwaway_stream(nats_url) as stream:
                    await scenario("relay to JetStream, no consumer", stream, False)
                async with _throwaway_stream(nats_url) as stream:
                    await subscribe_audit(stream, audit_log)
                    await scenario("relay + audit consumer, JetStream", stream, True)
        finally:
            await audit_log.close()
    return results
