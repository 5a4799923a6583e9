"""In-memory implementations of strongroom.events.ports, for tests that need no database.

They show that the ports are all the events package needs: the relay, the idempotent consumer
and the audit log run on them unchanged. Single process, no concurrency control beyond asyncio.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from strongroom.events.hash_chain import AuditEntry
from strongroom.events.ports import LoggedTransfer, OutboxStatus, WaitingRow


class MemoryOutbox:
    """Rows of explicit envelopes (no transfer references); one active relay per name."""

    def __init__(self) -> None:
        self.rows: dict[int, bytes] = {}
        self.published_at: dict[int, int] = {}
        self._active: set[str] = set()

    def write(self, events: bytes) -> None:
        self.rows[len(self.rows) + 1] = events

    @asynccontextmanager
    async def activate(self, relay_name: str) -> AsyncIterator[MemoryOutbox | None]:
        if relay_name in self._active:
            yield None
            return
        self._active.add(relay_name)
        try:
            yield self
        finally:
            self._active.discard(relay_name)

    @asynccontextmanager
    async def round(self) -> AsyncIterator[MemoryOutbox]:
        yield self

    async def waiting(self, limit: int) -> list[WaitingRow]:
        waiting = [i for i in sorted(self.rows) if i not in self.published_at][:limit]
        return [WaitingRow(i, self.rows[i], None, None) for i in waiting]

    async def transfers_between(self, first_seq: int, last_seq: int) -> list[LoggedTransfer]:
        return []

    async def mark_published(self, row_ids: Sequence[int], published_at: int) -> None:
        self.published_at.update(dict.fromkeys(row_ids, published_at))

    async def status(self) -> OutboxStatus:
        waiting = len(self.rows) - len(self.published_at)
        return OutboxStatus(waiting, None, len(self.published_at), None)

    async def prune(self, published_before: int) -> int:
        old = [i for i, at in self.published_at.items() if at < published_before]
        for i in old:
            del self.rows[i], self.published_at[i]
        return len(old)

    async def close(self) -> None:
        pass


@dataclass
class MemoryTransaction:
    markers: set[tuple[str, uuid.UUID]] = field(default_factory=set)
    entries: list[AuditEntry] = field(default_factory=list)


class MemoryAuditLog:
    """Markers and entries written by a transaction appear when its block ends without error."""

    def __init__(self) -> None:
        self.markers: set[tuple[str, uuid.UUID]] = set()
        self.entries: list[AuditEntry] = []

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryTransaction]:
        transaction = MemoryTransaction()
        yield transaction
        self.markers |= transaction.markers
        self.entries.extend(transaction.entries)

    async def claim(
        self,
        transaction: MemoryTransaction,
        consumer: str,
        event_ids: Sequence[uuid.UUID],
        now: int,
    ) -> set[uuid.UUID]:
        new = {i for i in event_ids if (consumer, i) not in self.markers | transaction.markers}
        transaction.markers |= {(consumer, i) for i in new}
        return new

    async def lock_head(self, transaction: MemoryTransaction) -> tuple[int, str] | None:
        return (self.entries[-1].seq, self.entries[-1].hash) if self.entries else None

    async def insert(self, transaction: MemoryTransaction, entries: Sequence[AuditEntry]) -> None:
        transaction.entries.extend(entries)

    async def read_entries(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        return [entry for entry in self.entries if entry.seq > after_seq][:limit]

    async def tenant_entries(
        self, tenant: str, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        newest_first = sorted(self.entries, key=lambda e: -e.seq)
        return [
            e
            for e in newest_first
            if e.tenant == tenant and (before_seq is None or e.seq < before_seq)
        ][:limit]

    async def head_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0

    async def close(self) -> None:
        pass
