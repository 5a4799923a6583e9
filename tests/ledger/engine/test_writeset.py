"""The write set of a decided batch (strongroom.ledger.engine.writeset), without a database."""

from __future__ import annotations

from strongroom.ledger import events
from strongroom.ledger.buckets import BucketWrite
from strongroom.ledger.engine.writeset import (
    deltas_overflowed,
    outbox_row,
    refused_ids,
    write_set,
)
from strongroom.ledger.ports import DELTA_CAP, OutboxRow
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.types import AccountFlags
from strongroom.money import AMOUNT_MAX
from strongroom.tracing import Actor
from tests.ledger.engine.builders import batch, decided, meta, rows
from tests.ledger.helpers import transfer

LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


async def test_locked_accounts_get_rows_and_delta_accounts_moves_in_lock_order() -> None:
    customer = meta(LIMITED)
    others = [meta() for _ in range(4)]
    b = batch(
        [transfer(customer.id, o.id, 10) for o in others]
        + [transfer(others[0].id, others[1].id, 3)]
    )
    decision = decided(b, [customer, *others], {customer.id: rows(customer, (0, 0, 0, 100))})
    writes = write_set(b.calls, decision)
    assert writes.buckets == [BucketWrite(customer.id, 0, 0, 40, 0, 100)]
    expected = {o.id: (0, 10) for o in others}
    expected[others[0].id] = (3, 10)
    expected[others[1].id] = (0, 13)
    assert writes.deltas == sorted(
        ((a, d, c) for a, (d, c) in expected.items()), key=lambda delta: delta[0].int
    )


async def test_accounts_the_batch_did_not_change_are_not_written() -> None:
    customer, bank = meta(LIMITED), meta()
    b = batch([transfer(customer.id, bank.id, 500)])
    decision = decided(b, [customer, bank], {customer.id: rows(customer, (0, 0, 0, 100))})
    assert decision.outcome.results == [TR.EXCEEDS_CREDITS]
    writes = write_set(b.calls, decision)
    assert (writes.buckets, writes.deltas, writes.outbox) == ([], [], None)


async def test_refused_transfers_ids_are_the_ones_to_look_up() -> None:
    customer, bank = meta(LIMITED), meta()
    ok, refused = transfer(bank.id, customer.id, 5), transfer(customer.id, bank.id, 500)
    b = batch([ok, refused])
    decision = decided(b, [customer, bank], {customer.id: rows(customer, (0, 0, 0, 100))})
    assert refused_ids(decision) == [refused.id]
    everything_ok = decided(
        batch([ok]), [customer, bank], {customer.id: rows(customer, (0, 0, 0, 0))}
    )
    assert refused_ids(everything_ok) == []


async def test_an_overflow_on_a_delta_account_needs_the_real_counters() -> None:
    """A delta account starts from zero: only the batch's own moves can overflow there, and
    which transfer overflows first depends on what the account really holds."""
    a, b_, c = meta(), meta(), meta()
    big = AMOUNT_MAX - DELTA_CAP
    b = batch([transfer(a.id, c.id, big), transfer(b_.id, c.id, big), transfer(a.id, c.id, big)])
    decision = decided(b, [a, b_, c])
    assert TR.OVERFLOWS_CREDITS_POSTED in decision.outcome.results
    assert deltas_overflowed(decision)
    fine = decided(batch([transfer(a.id, c.id, 1)]), [a, b_, c])
    assert not deltas_overflowed(fine)


async def test_the_outbox_row_counts_each_calls_created_transfers_with_its_origin() -> None:
    customer, bank = meta(LIMITED), meta()
    first = [transfer(bank.id, customer.id, 5), transfer(customer.id, bank.id, 500)]
    second = [transfer(customer.id, bank.id, 1)]
    b = batch(first, second)
    actor = Actor("acme", "key_1")
    b.calls[1].trace_id = "trace-2"
    b.calls[1].actor = actor
    decision = decided(b, [customer, bank], {customer.id: rows(customer, (0, 0, 0, 0))})
    assert decision.outcome.results == [TR.OK, TR.EXCEEDS_CREDITS, TR.OK]
    row = outbox_row(b.calls, decision.outcome, decision.now)
    created = decision.outcome.transfers
    assert row == OutboxRow(
        b"[]",
        (created[0].seq, created[-1].seq),
        events.created_origins([(1, None, None, None), (1, "trace-2", actor, None)]),
    )


async def test_a_batch_that_created_and_expired_nothing_writes_no_outbox_row() -> None:
    customer, bank = meta(LIMITED), meta()
    b = batch([transfer(customer.id, bank.id, 1)])
    decision = decided(b, [customer, bank], {customer.id: rows(customer, (0, 0, 0, 0))})
    assert outbox_row(b.calls, decision.outcome, decision.now) is None
