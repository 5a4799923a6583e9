"""Balance snapshots with a global order, and point-in-time balances (see docs/ledger-engine.md).

`Snapshots` opens its own connections from the database URL (never the batch engine's), takes
snapshots at a watermark and answers `balance_at`. `SnapshotTask` takes one every `interval`
seconds in the background.

May import strongroom.store, strongroom.clock, strongroom.errors; never services, api or cli.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

import structlog

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ValidationError
from strongroom.store import snapshots as sql
from strongroom.store.admin_db import AdminDb
from strongroom.store.snapshots import Snapshot, WatermarkBusy
from strongroom.store.urls import DatabaseURL, parse_url

_log = structlog.get_logger(__name__)

__all__ = ["PointBalance", "Snapshot", "SnapshotTask", "Snapshots", "WatermarkBusy"]


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
    def __init__(self, db: AdminDb, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    @classmethod
    async def open(cls, url: str | DatabaseURL, clock: Clock | None = None) -> Snapshots:
        parsed = parse_url(url) if isinstance(url, str) else url
        return cls(await AdminDb.open(parsed), clock or SystemClock())

    @property
    def db(self) -> AdminDb:
        return self._db

    async def close(self) -> None:
        await self._db.close()

    async def __aenter__(self) -> Snapshots:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def take(self, lock_timeout: float | None = None) -> Snapshot:
        """Snapshot every account as of the watermark (see store.snapshots.take)."""
        return await sql.take(self._db, self._clock.now_ns(), lock_timeout)

    async def latest(self) -> Snapshot | None:
        async with self._db.transaction("read") as conn:
            return await sql.snapshot_at_or_below(conn, 2**63 - 1)

    async def list(self) -> list[Snapshot]:
        async with self._db.transaction("read") as conn:
            return await sql.list_snapshots(conn)

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
        async with self._db.transaction("read") as conn:
            if timestamp is not None:
                point = await sql.seq_at_timestamp(conn, timestamp)
            elif seq is not None:
                point = seq
            else:
                point = await sql.latest_block_watermark(conn)
            base = await sql.snapshot_at_or_below(conn, point)
            start = base.seq if base is not None else 0
            counters = await sql.snapshot_counters(conn, base.seq, account_id) if base else sql.ZERO
            moved = await sql.log_between(conn, account_id, start, point)
        dp, dpo, cp, cpo = (have + delta for have, delta in zip(counters, moved, strict=True))
        return PointBalance(
            account_id, point, dp, dpo, cp, cpo, base.seq if base is not None else None
        )


class SnapshotTask:
    """Takes a snapshot every `interval` seconds until stopped; a busy watermark or a database
    error is logged and retried at the next tick."""

    def __init__(
        self, snapshots: Snapshots, interval: float, lock_timeout: float | None = 5.0
    ) -> None:
        if interval <= 0:
            raise ValidationError("interval", "must be > 0 seconds")
        self._snapshots = snapshots
        self._interval = interval
        self._lock_timeout = lock_timeout
        self._task: asyncio.Task[None] | None = None
        self.taken = 0
        self.failures = 0
        self.last: Snapshot | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ledger-snapshots")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                self.last = await self._snapshots.take(self._lock_timeout)
                self.taken += 1
            except Exception as error:
                # The next tick tries again; a snapshot is an optimisation, never a dependency.
                self.failures += 1
                _log.warning("snapshot failed", error=str(error))
