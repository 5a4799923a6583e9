"""Ledger -> outbox -> relay -> bus -> consumers, on both backends and on JetStream."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.bootstrap import open_audit_log, open_ledger, open_outbox, open_processed_events
from strongroom.events.audit import subscribe_audit, verify_chain
from strongroom.events.bus import Bus
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.inprocess import InProcessBus
from strongroom.events.jetstream import JetStreamBus
from strongroom.events.relay import Relay
from strongroom.events.schemas import Envelope, TransferCreatedV1, payload
from strongroom.ledger import (
    Account,
    AccountFlags,
    AccountStatus,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from strongroom.tracing import Actor, bound
from tests.events.helpers import sql_engine


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    opened = await open_ledger(db_url, sweep_interval=None)
    try:
        yield opened
    finally:
        await opened.close()


async def make_money_move(ledger: Ledger) -> tuple[str, list[Transfer], uuid.UUID]:
    """Two accounts, three transfers (one of 2**60), a freeze; returns the trace id used."""
    customer, bank = uuid.uuid4(), uuid.uuid4()
    with bound(actor=Actor("acme", "teller_7")) as trace:
        await ledger.create_accounts(
            [
                Account(id=bank, ledger="EUR", code=1, tenant="acme"),
                Account(
                    id=customer,
                    ledger="EUR",
                    code=2,
                    tenant="acme",
                    flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                ),
            ]
        )
        transfers = [
            Transfer(
                id=uuid.uuid4(),
                debit_account_id=bank,
                credit_account_id=customer,
                amount=amount,
                ledger="EUR",
                code=1,
                tenant="acme",
            )
            for amount in (2**60, 500, 250)
        ]
        results = await ledger.create_transfers(transfers)
        assert results == [CreateTransferResult.OK] * 3
        await ledger.set_account_status(customer, AccountStatus.FROZEN)
    return trace, transfers, customer


async def sum_effects(connection: AsyncConnection) -> int:
    return int(await connection.scalar(sa.text("SELECT coalesce(sum(amount), 0) FROM credited")))


async def test_ledger_writes_reach_the_audit_log_and_consumers_once(
    db_url: str, ledger: Ledger
) -> None:
    engine = sql_engine(db_url)
    audit_log = open_audit_log(db_url)
    processed = open_processed_events(db_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE credited (amount NUMERIC NOT NULL)"))

    async def credit(connection: AsyncConnection, event: Envelope) -> None:
        transfer = payload(event)
        assert isinstance(transfer, TransferCreatedV1)
        await connection.execute(
            sa.text("INSERT INTO credited (amount) VALUES (:amount)"), {"amount": transfer.amount}
        )

    bus = InProcessBus()
    await subscribe_audit(bus, audit_log)
    await bus.subscribe(
        "strongroom.ledger.transfer.created",
        "credited",
        IdempotentConsumer(processed, "credited", credit),
    )
    trace, transfers, customer = await make_money_move(ledger)
    relay = Relay(open_outbox(db_url), bus)
    assert await relay.drain() == 6
    entries = await audit_log.read_entries()
    assert [e.event_type for e in entries] == [
        "ledger.account.created",
        "ledger.account.created",
        "ledger.transfer.created",
        "ledger.transfer.created",
        "ledger.transfer.created",
        "ledger.account.status_changed",
    ]
    assert {(e.tenant, e.actor, e.trace_id) for e in entries} == {("acme", "teller_7", trace)}
    assert [e.entity_id for e in entries[2:5]] == [str(t.id) for t in transfers]
    assert json.loads(entries[2].after or "")["amount"] == 2**60
    assert (entries[5].entity_id, entries[5].before, entries[5].after) == (
        str(customer),
        '{"status":"open"}',
        '{"status":"frozen"}',
    )
    assert (await verify_chain(audit_log)).ok
    # Publishing everything again (a relay crash before its mark) changes nothing.
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE outbox SET published_at = NULL"))
    assert await relay.drain() == 6
    async with engine.connect() as connection:
        assert await sum_effects(connection) == 2**60 + 750
    assert len(await audit_log.read_entries()) == 6
    await relay.close()
    await processed.close()
    await audit_log.close()
    await engine.dispose()


async def test_ledger_to_jetstream_to_audit(
    pg_url: str, jetstream: JetStreamBus, eventually
) -> None:
    ledger = await open_ledger(pg_url, sweep_interval=None)
    audit_log = open_audit_log(pg_url)
    try:
        bus: Bus = jetstream
        await subscribe_audit(bus, audit_log)
        trace, _, _ = await make_money_move(ledger)
        assert await Relay(open_outbox(pg_url), bus).drain() == 6

        async def all_audited() -> bool:
            return len(await audit_log.read_entries()) == 6

        await eventually(all_audited, "six audit entries")
        entries = await audit_log.read_entries()
        assert {e.trace_id for e in entries} == {trace}
        assert (await verify_chain(audit_log)).ok
    finally:
        await ledger.close()
        await audit_log.close()
