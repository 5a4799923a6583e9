"""strongroom.events.transfer_refs: an outbox row's reference must match the log exactly."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from strongroom.bootstrap import open_ledger, open_outbox
from strongroom.events.bus import event_parent
from strongroom.events.inprocess import InProcessBus
from strongroom.events.relay import OutboxCorrupt, Relay
from strongroom.events.schemas import TRANSFER_CREATED, Envelope
from strongroom.events.transfer_refs import encode_origins
from strongroom.ledger import Account, CreateTransferResult, Transfer
from strongroom.tracing import TraceParent
from tests.events.helpers import sql_engine


async def _one_transfer(url: str) -> int:
    async with await open_ledger(url, sweep_interval=None) as ledger:
        a, b = uuid.uuid4(), uuid.uuid4()
        await ledger.create_accounts([Account(id=i, ledger="EUR", code=1) for i in (a, b)])
        transfer = Transfer(
            id=uuid.uuid4(), debit_account_id=a, credit_account_id=b, amount=1, ledger="EUR", code=1
        )
        assert await ledger.create_transfers([transfer]) == [CreateTransferResult.OK]
        (stored,) = await ledger.lookup_transfers([transfer.id])
    return stored.seq


async def _refer(url: str, first: int, last: int, origins: bytes) -> None:
    engine = sql_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO outbox (created_at, events, transfers_from, transfers_to, origins)"
                " VALUES (0, :events, :first, :last, :origins)"
            ),
            {"events": b"[]", "first": first, "last": last, "origins": origins},
        )
    await engine.dispose()


@pytest.mark.parametrize(
    ("span", "origins", "reason"),
    [
        ((0, 0), encode_origins([(2, None, None)]), "1 transfers in seq .*, origins name 2"),
        ((-5, -1), encode_origins([(1, None, None)]), "0 transfers in seq"),
        ((0, 0), encode_origins([(1, None, None), (0, "t", None)]), "at least one transfer"),
        ((0, 0), b"[[1, 2, 3]]", "Expected `str | null`"),
    ],
    ids=["too-few-named", "no-such-transfers", "empty-run", "malformed"],
)
async def test_a_reference_that_disagrees_with_the_log_stops_the_relay(
    db_url: str, span: tuple[int, int], origins: bytes, reason: str
) -> None:
    seq = await _one_transfer(db_url)
    first, last = (seq + span[0], seq + span[1]) if span[0] == 0 else span
    await _refer(db_url, first, last, origins)
    relay = Relay(open_outbox(db_url), InProcessBus())
    with pytest.raises(OutboxCorrupt, match=reason):
        await relay.drain()


async def test_a_run_names_the_span_of_its_call_and_an_older_row_names_none(
    db_url: str,
) -> None:
    seq = await _one_transfer(db_url)
    span = "00f067aa0ba902b7"
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    await _refer(db_url, seq, seq, encode_origins([(1, trace, "key-1", span)]))
    # Written before span ids were kept: three fields a run.
    await _refer(db_url, seq, seq, b'[[1, "4bf92f3577b34da6a3ce929d0e0e4736", "key-1"]]')
    bus = InProcessBus()
    seen: list[Envelope] = []

    async def record(event: Envelope) -> None:
        seen.append(event)

    await bus.subscribe("strongroom.>", "test", record)
    await Relay(open_outbox(db_url), bus).drain()
    created = [e for e in seen if e.type == TRANSFER_CREATED]
    assert [(e.trace_id, e.span_id) for e in created[-2:]] == [(trace, span), (trace, None)]
    assert event_parent(created[-2]) == TraceParent(trace, span, sampled=True)
    assert event_parent(created[-1]) == TraceParent(trace, created[-1].id.hex[16:], sampled=True)
