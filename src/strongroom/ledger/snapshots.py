"""Balance snapshots with a global order, and point-in-time balances (see docs/ledger-engine.md).

`Snapshots` takes snapshots at a watermark and answers `balance_at` over a `SnapshotStore`
(ledger/ports.py) that runs on connections of its own, never the batch engine's.
The ledger takes one every `interval` seconds in the background (`Ledger.snapshot_task`).

May import the ledger's ports, strongroom.clock, strongroom.errors; never strongroom.store,
services, api or cli.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import structlog

from strongroom.clock import Clock
from strongroom.errors import ValidationError
from strongroom.ledger.ports import ZERO_COUNTERS, Snapshot, SnapshotStore, WatermarkBusy

_log = structlog.get_logger(__name__)

__all__ = ["SNAPSHOT_LOCK_TIMEOUT", "PointBalance", "Snapshot", "Snapshots", "WatermarkBusy"]

#: Seconds a scheduled snapshot waits for the watermark lock before it gives up until its next
#: run (another process is taking one).
SNAPSHOT_LOCK_TIMEOUT = 5.0

#: Above every seq: the newest snapshot is the one at or below it.
_END_OF_LOG = 2**63 - 1


@dataclass(frozen=True, slots=True)
class PointBalance:
    """An account's counters after exactly the log entries with seq <= `seq`."""

    account_id: uuid.UUID
    seq: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int
    #: The snapshot the answer started from (None: folded from the start of the log).
    from_snapshot: int | None


class Snapshots:
    """Open one with `strongroom.bootstrap.open_snapshots(url)`, or reach the ledger's with
    `Ledger.snapshots()`. Closing it closes its store."""

    def __init__(self, store: SnapshotStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def close(self) -> None:
        await self._store.close()

    async def __aenter__(self) -> Snapshots:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def take(self, lock_timeout: float | None = None) -> Snapshot:
        """Snapshot every account as of the watermark (see `SnapshotStore.take`)."""
        return await self._store.take(self._clock.now_ns(), lock_timeout)

    async def latest(self) -> Snapshot | None:
        async with self._store.read() as view:
            return await view.snapshot_at_or_below(_END_OF_LOG)

    async def list(self) -> list[Snapshot]:
        async with self._store.read() as view:
            return await view.list_snapshots()

    async def balance_at(
        self,
        account_id: uuid.UUID,
        *,
        seq: int | None = None,
        timestamp: int | None = None,
    ) -> PointBalance:
        """The account's counters as of `seq`, or as of the last transfer stamped at or before
        `timestamp` (ns), or now (the log up to the highest block drawn) when neither is given.

        A point above the last snapshot's watermark on PostgreSQL may still gain transfers from
        batches in flight; points at or below it are final.
        """
        if seq is not None and timestamp is not None:
            raise ValidationError("timestamp", "give seq or timestamp, not both")
        if seq is not None and seq < 0:
            raise ValidationError("seq", "must be >= 0")
        async with self._store.read() as view:
            if timestamp is not None:
                point = await view.seq_at_timestamp(timestamp)
            elif seq is not None:
                point = seq
            else:
                point = await view.latest_block_watermark()
            base = await view.snapshot_at_or_below(point)
            start = base.seq if base is not None else 0
            counters = await view.snapshot_counters(base.seq, account_id) if base else ZERO_COUNTERS
            moved = await view.log_between(account_id, start, point)
        debits_pending, debits_posted, credits_pending, credits_posted = (
            have + delta for have, delta in zip(counters, moved, strict=True)
        )
        return PointBalance(
            account_id,
            point,
            debits_pending,
            debits_posted,
            credits_pending,
            credits_posted,
            base.seq if base is not None else None,
        )
