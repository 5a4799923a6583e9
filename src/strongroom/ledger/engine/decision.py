"""Deciding a batch: the pure rules (strongroom.ledger.rules) run on the planned state.

`decide` hands the rules the locked accounts' bucket rows, seen one bucket or all of them as
planned (`buckets.view`), and the delta accounts' zero states, and returns the `Decision`: the
rules' outcome and what it was computed from, which the write set is made of. `Timestamps`
numbers the transfers of a process's concurrent batches. Pure: no I/O, and no import of the
store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from strongroom.ledger.buckets import BucketRow, view
from strongroom.ledger.engine.planning import Batch, Plan
from strongroom.ledger.rules import (
    BalanceState,
    BatchOutcome,
    BatchState,
    PendingRecord,
    apply_transfers,
)
from strongroom.ledger.types import Transfer


class Timestamps:
    """The timestamps a process hands out: strictly increasing across its concurrent batches."""

    def __init__(self) -> None:
        self._last = 0

    def reserve(self, now: int, count: int) -> int:
        """The first of `count` timestamps for a batch decided at `now` (nanoseconds)."""
        first = max(now, self._last + 1)
        self._last = first + count
        return first


@dataclass(slots=True)
class Decision:
    """A batch's rules, and what they ran on."""

    transfers: list[Transfer]
    now: int
    plan: Plan
    #: The bucket rows of the locked accounts, as the rules saw them.
    rows: dict[uuid.UUID, list[BucketRow]]
    outcome: BatchOutcome
    #: How long the batch waited for its row locks (seconds; 0 when it locked nothing).
    lock_wait: float = 0.0

    @property
    def balances(self) -> dict[int, BalanceState]:
        """Every planned account's state at the end of the batch."""
        return self.plan.balances


def decide(
    batch: Batch,
    plan: Plan,
    rows: dict[uuid.UUID, list[BucketRow]],
    *,
    now: int,
    first_seq: int,
    first_timestamp: int,
    existing: dict[int, Transfer],
    pendings: dict[int, PendingRecord],
    not_pending: set[int],
    lock_wait: float = 0.0,
) -> Decision:
    """Run the rules on the locked accounts' `rows` and the delta accounts' zero states.

    `existing`, `pendings` and `not_pending` are what the batch read of the log (see
    `rules.BatchState`); the rules number the batch's changes from `first_seq` and stamp them
    from `first_timestamp`."""
    balances = plan.balances
    accounts = plan.accounts
    for a, mode in plan.modes.items():
        found = rows.get(accounts[a])
        if found is not None:
            balances[a] = view(found, mode)
    state = BatchState(
        balances=balances,
        existing=existing,
        pendings=pendings,
        not_pending=not_pending,
        now=now,
        first_seq=first_seq,
        first_timestamp=first_timestamp,
    )
    outcome = apply_transfers(batch.transfers, batch.metadata_json, state)
    return Decision(batch.transfers, now, plan, rows, outcome, lock_wait)
