"""strongroom.ledger.events: what the ledger's outbox rows publish matches the v1 schemas."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
import sqlalchemy as sa

from strongroom.bootstrap import open_ledger, open_outbox
from strongroom.events.inprocess import InProcessBus
from strongroom.events.relay import Relay
from strongroom.events.schemas import Envelope, TransferCreatedV1, payload
from strongroom.events.transfer_refs import Origin
from strongroom.ids import new_id
from strongroom.ledger import (
    Account,
    CreateTransferResult,
    Transfer,
    TransferFlags,
    events,
)
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import parse_url
from strongroom.tracing import Actor, bound

OK = CreateTransferResult.OK


def test_origins_merge_consecutive_calls_of_one_caller_and_skip_empty_ones() -> None:
    teller = Actor(principal="key:teller", tenant="acme")
    other = Actor(principal="key:other", tenant="acme")
    calls = [
        (2, "t1", teller, "s1"),
        (0, "t9", other, "s9"),
        (3, "t1", teller, "s1"),
        (1, "t1", other, "s2"),
        (1, "t1", other, "s3"),
        (4, None, None, None),
    ]
    expected: list[Origin] = [
        (5, "t1", "key:teller", "s1"),
        (1, "t1", "key:other", "s2"),
        # Another call of the same caller in the same trace: a span of its own.
        (1, "t1", "key:other", "s3"),
        (4, None, None, None),
    ]
    assert msgspec.json.decode(events.created_origins(calls)) == [list(o) for o in expected]


async def _published(url: str) -> list[Envelope]:
    bus = InProcessBus()
    seen: list[Envelope] = []

    async def collect(envelope: Envelope) -> None:
        seen.append(envelope)

    await bus.subscribe("strongroom.ledger.transfer.created", "collect", collect)
    await Relay(open_outbox(url), bus).drain()
    return seen


def _as_v1(stored: Transfer, trace_id: str, actor: str) -> Envelope:
    """The envelope a JSON copy of the stored transfer decodes to."""
    schema = TransferCreatedV1(
        id=stored.id,
        debit_account_id=stored.debit_account_id,
        credit_account_id=stored.credit_account_id,
        amount=stored.amount,
        ledger=stored.ledger,
        code=stored.code,
        flags=int(stored.flags),
        pending_id=stored.pending_id,
        timeout=stored.timeout,
        metadata=dict(stored.metadata) if stored.metadata is not None else None,
        tenant=stored.tenant,
        timestamp=stored.timestamp,
        seq=stored.seq,
    )
    return Envelope(
        id=stored.id,
        type="ledger.transfer.created",
        version=1,
        occurred_at=stored.timestamp,
        tenant=stored.tenant,
        trace_id=trace_id,
        actor=actor,
        data=msgspec.json.decode(msgspec.json.encode(schema)),
    )


async def test_every_created_transfer_is_published_as_its_v1_schema_by_whoever_caused_it(
    db_url: str,
) -> None:
    async with await open_ledger(db_url, sweep_interval=None) as ledger:
        a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await ledger.create_accounts(
            [Account(id=i, ledger="EUR", code=1, tenant="acme") for i in (a, b, c)]
        )
        hold = Transfer(
            id=new_id(),
            debit_account_id=a,
            credit_account_id=b,
            amount=2**63 - 1,
            ledger="EUR",
            code=7,
            flags=TransferFlags.PENDING,
            timeout=30,
            tenant="acme",
        )
        teller_calls = [
            [
                hold,
                Transfer(
                    id=new_id(),
                    pending_id=hold.id,
                    amount=5,
                    flags=TransferFlags.POST_PENDING,
                    tenant="acme",
                ),
            ],
            # A chain that fails after its first transfer: it takes a seq and gives it back.
            [
                Transfer(
                    id=new_id(),
                    debit_account_id=b,
                    credit_account_id=c,
                    amount=1,
                    ledger="EUR",
                    code=1,
                    flags=TransferFlags.LINKED,
                    tenant="acme",
                ),
                Transfer(
                    id=new_id(),
                    debit_account_id=b,
                    credit_account_id=b,
                    amount=1,
                    ledger="EUR",
                    code=1,
                    tenant="acme",
                ),
            ],
        ]
        batch_calls = [
            [
                Transfer(
                    id=new_id(),
                    debit_account_id=c,
                    credit_account_id=a,
                    amount=n + 1,
                    ledger="EUR",
                    code=2,
                    metadata={"ref": f"inv-{n}", "lines": [1, 2]},
                    tenant="acme",
                )
            ]
            for n in range(3)
        ]
        callers = [
            *((call, "ab" * 16, Actor("acme", "key:teller")) for call in teller_calls),
            *((call, "cd" * 16, Actor("acme", "key:batch")) for call in batch_calls),
        ]

        async def send(
            call: list[Transfer], trace_id: str, actor: Actor
        ) -> list[CreateTransferResult]:
            with bound(trace_id, actor):
                return await ledger.create_transfers(call)

        # Concurrent calls share batches, so one outbox row refers to several callers' transfers.
        results = await asyncio.gather(*(send(*caller) for caller in callers))
        assert results[1][0] is CreateTransferResult.LINKED_EVENT_FAILED
        created = [
            (t, trace_id, actor.principal)
            for (call, trace_id, actor), outcome in zip(callers, results, strict=True)
            for t, result in zip(call, outcome, strict=True)
            if result is OK
        ]
        stored = {t.id: t for t in await ledger.lookup_transfers([t.id for t, _, _ in created])}
    published = await _published(db_url)
    expected = sorted(
        (_as_v1(stored[t.id], trace_id, actor) for t, trace_id, actor in created),
        key=lambda e: e.data["seq"],
    )
    assert sorted(published, key=lambda e: e.data["seq"]) == expected
    assert all(isinstance(payload(e), TransferCreatedV1) for e in published)


async def test_a_batch_row_refers_to_its_transfers_instead_of_copying_them(
    sqlite_url: str,
) -> None:
    async with await open_ledger(sqlite_url, sweep_interval=None) as ledger:
        a, b = uuid.uuid4(), uuid.uuid4()
        await ledger.create_accounts([Account(id=i, ledger="EUR", code=1) for i in (a, b)])
        transfers = [
            Transfer(
                id=new_id(), debit_account_id=a, credit_account_id=b, amount=1, ledger="EUR", code=1
            )
            for _ in range(50)
        ]
        assert await ledger.create_transfers(transfers) == [OK] * 50
        (first, *_, last) = await ledger.lookup_transfers([t.id for t in transfers])
    engine = sqlalchemy_engine(parse_url(sqlite_url))
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                sa.text(
                    "SELECT events, transfers_from, transfers_to FROM outbox"
                    " WHERE transfers_from IS NOT NULL"
                )
            )
        ).one()
    await engine.dispose()
    assert (bytes(row[0]), row[1], row[2]) == (b"[]", first.seq, last.seq)
