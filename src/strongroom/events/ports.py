"""The ports of the events package: what the relay, the idempotent consumers and the audit log
need from a database, implemented by `strongroom.store` (`store/outbox.py`,
`store/processed_events.py`, `store/audit_log.py`). The events package never imports the store;
the composition root (`strongroom.bootstrap`) hands it an adapter.

A consumer's effect and its marker commit together: `ProcessedEvents.transaction()` yields the
adapter's transaction handle (`C`, a SQLAlchemy AsyncConnection for the SQL adapters), the
consumer claims event ids through it and the handler writes its effect through it.

Imports strongroom.events.hash_chain only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

from strongroom.events.hash_chain import AuditEntry

C = TypeVar("C")


class WaitingRow(NamedTuple):
    """An outbox row the relay has not published (docs/events.md)."""

    id: int
    #: A JSON array of envelopes.
    events: bytes
    #: The inclusive seq range of the transfers whose events follow `events`, with `origins`,
    #: the JSON `[count, trace_id, actor]` runs that caused them (strongroom.events.transfer_refs).
    transfers: tuple[int, int] | None
    origins: bytes | None


class LoggedTransfer(NamedTuple):
    """A transfer as the ledger's log stores it."""

    seq: int
    id: uuid.UUID
    tenant: str
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: int
    flags: int
    pending_id: uuid.UUID | None
    timeout: int
    #: The stored JSON object, as text.
    metadata: str | None
    timestamp: int


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    #: Rows the relay has not published yet, and when the oldest of them was written (ns).
    waiting: int
    oldest_waiting_at: int | None
    #: Rows already published and still kept, and when the last one was published (ns).
    published: int
    last_published_at: int | None


class TransferLog(Protocol):
    async def transfers_between(self, first_seq: int, last_seq: int) -> list[LoggedTransfer]:
        """The transfers with `first_seq <= seq <= last_seq`, in seq order."""
        ...


class RelayRound(TransferLog, Protocol):
    """One read transaction of the relay."""

    async def waiting(self, limit: int) -> list[WaitingRow]:
        """Up to `limit` unpublished rows, lowest ids first."""
        ...


class RelaySession(Protocol):
    """The outbox while this relay is the active one."""

    def round(self) -> AbstractAsyncContextManager[RelayRound]: ...

    async def mark_published(self, row_ids: Sequence[int], published_at: int) -> None:
        """Set `published_at` on the rows, in a transaction of its own."""
        ...


class Outbox(Protocol):
    def activate(self, relay_name: str) -> AbstractAsyncContextManager[RelaySession | None]:
        """The outbox while no other relay of this name is active, None while one is.

        Exclusive across processes, and released by the server or the operating system when
        the holder dies, so a restarted or standby relay takes over at once."""
        ...

    async def status(self) -> OutboxStatus: ...

    async def prune(self, published_before: int) -> int:
        """Delete rows published before `published_before` (ns), never waiting ones; return how
        many."""
        ...

    async def close(self) -> None: ...


class ProcessedEvents(Protocol[C]):
    """Which events each idempotent consumer has applied."""

    def transaction(self) -> AbstractAsyncContextManager[C]:
        """A transaction that commits when the block ends and rolls back if it raises."""
        ...

    async def claim(
        self, transaction: C, consumer: str, event_ids: Sequence[uuid.UUID], now: int
    ) -> set[uuid.UUID]:
        """Record `(consumer, id)` for each id in `transaction`; return the ids recorded now
        (not by an earlier transaction). A concurrent claim of the same id waits for the
        first to end."""
        ...

    async def close(self) -> None: ...


class AuditLog(ProcessedEvents[C], Protocol[C]):
    """The append-only audit log, written by its own idempotent consumer in the same database."""

    async def lock_head(self, transaction: C) -> tuple[int, str] | None:
        """Hold off other appends until `transaction` ends; return the newest entry's (seq,
        hash), None when the log is empty."""
        ...

    async def insert(self, transaction: C, entries: Sequence[AuditEntry]) -> None: ...

    async def read_entries(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """Entries with seq > after_seq, oldest first."""
        ...

    async def tenant_entries(
        self, tenant: str, *, before_seq: int | None = None, limit: int = 100
    ) -> list[AuditEntry]:
        """Up to `limit` of `tenant`'s entries with seq < before_seq (from the newest when
        None), newest first: a page of what one tenant may read of the shared chain."""
        ...

    async def head_seq(self) -> int:
        """The newest entry's seq, 0 when the log is empty."""
        ...
