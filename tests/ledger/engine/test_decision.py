"""Deciding a batch (strongroom.ledger.engine.decision): the rules on the planned state, without
a database."""

from __future__ import annotations

from strongroom.ledger.engine.decision import Timestamps
from strongroom.ledger.results import CreateTransferResult as TR
from strongroom.ledger.types import AccountFlags
from tests.ledger.engine.builders import batch, decided, meta, rows
from tests.ledger.helpers import transfer

LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


def test_timestamps_never_repeat_across_batches_or_go_back() -> None:
    stamps = Timestamps()
    first = stamps.reserve(now=1_000, count=3)
    assert first == 1_000
    # A batch decided meanwhile, at an earlier clock reading, starts after the reserved ones.
    assert stamps.reserve(now=999, count=2) == 1_004
    assert stamps.reserve(now=5_000, count=1) == 5_000


async def test_locked_accounts_are_decided_on_their_rows_and_delta_accounts_from_zero() -> None:
    customer, bank = meta(LIMITED), meta()
    b = batch([transfer(customer.id, bank.id, 30), transfer(customer.id, bank.id, 80)])
    decision = decided(b, [customer, bank], {customer.id: rows(customer, (0, 0, 0, 100))})
    assert decision.outcome.results == [TR.OK, TR.EXCEEDS_CREDITS]
    assert decision.balances[customer.id.int].counters() == (0, 30, 0, 100)
    # The bank's state started from zero: it holds what the batch moved, to add as a delta.
    assert decision.balances[bank.id.int].counters() == (0, 0, 0, 30)
    assert [t.seq for t in decision.outcome.transfers] == [1 << 20]


async def test_a_debit_one_bucket_refuses_asks_for_every_bucket() -> None:
    customer, bank = meta(LIMITED), meta()
    b = batch([transfer(customer.id, bank.id, 80)])
    # Split in two; worker slot 0 locks bucket 0 only, which holds 50 of the 100.
    one_bucket = rows(customer, (0, 0, 0, 50), (0, 0, 0, 50))[:1]
    decision = decided(b, [customer, bank], {customer.id: one_bucket}, {customer.id.int: 2})
    assert decision.outcome.escalate == {customer.id}
