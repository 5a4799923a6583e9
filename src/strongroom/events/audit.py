"""The tamper-evident audit log: who did what, when, to which entity, before and after.

The audit consumer (durable name `audit`, every subject under the bus prefix) appends one row
per event to `audit_log`, inside the idempotent consumer's transaction. Rows form a hash chain:
row `seq` stores the previous row's hash as `prev_hash` (64 zeros for row 1) and
`hash = SHA-256(canonical JSON of its fields, prev_hash included)`. `before` and `after` are kept
as the canonical JSON text that was hashed, so verification never depends on how a database
re-serializes JSON. Appends are serialized (a transaction-scoped advisory lock on PostgreSQL;
SQLite has one writer at a time) and `seq` is the primary key, so the chain cannot fork.
The database refuses UPDATE and DELETE on audit_log (triggers from migration 0003_events).

`verify_chain` walks the chain and names the first row that breaks it. Deleting the newest rows
leaves a shorter valid chain: pass an anchor (a seq and hash recorded earlier) to catch that.

Imports strongroom.events (schemas, consumers, tables, bus), strongroom.clock and errors.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import string
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ValidationError
from strongroom.events.bus import Bus, Subscription
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.schemas import ACCOUNT_STATUS_CHANGED, Envelope
from strongroom.store.tables import audit_log

#: The prev_hash of the first row.
GENESIS = "0" * 64
#: The audit consumer's durable name and processed_events key.
AUDIT_CONSUMER = "audit"
#: First key of the PostgreSQL advisory lock pair that serializes appends.
AUDIT_LOCK_CLASS = 0x53524155  # "SRAU"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    event_id: uuid.UUID
    tenant: str
    actor: str | None
    event_type: str
    entity_id: str | None
    #: Canonical JSON text of the entity's state before and after, when the event carries it.
    before: str | None
    after: str | None
    occurred_at: int
    recorded_at: int
    trace_id: str | None
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        """What `hash` must be for these fields and this prev_hash."""
        fields = dataclasses.asdict(self)
        del fields["hash"]
        fields["event_id"] = str(self.event_id)
        return hashlib.sha256(canonical_json(fields).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a walk: how far it got and, if the chain is broken, where and why."""

    checked: int
    head_seq: int | None
    head_hash: str | None
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8: one text per value, whatever built it."""
    return msgspec.json.encode(value, order="sorted").decode()


def _status_change(data: dict[str, Any]) -> tuple[Any, Any]:
    return {"status": data.get("before")}, {"status": data.get("after")}


#: Event types whose before/after is not simply "nothing, then the event's data".
_CHANGES: dict[str, Callable[[dict[str, Any]], tuple[Any, Any]]] = {
    ACCOUNT_STATUS_CHANGED: _status_change,
}


def change_of(event: Envelope) -> tuple[str | None, str | None, str | None]:
    """(entity id, before, after) of an event, before/after as canonical JSON text or None."""
    entity = event.data.get("id")
    change = _CHANGES.get(event.type)
    before, after = change(event.data) if change else (None, event.data)
    return (
        None if entity is None else str(entity),
        None if before is None else canonical_json(before),
        None if after is None else canonical_json(after),
    )


# Built once: appends are the consumer's hot path.
_LOCK_APPENDS = sa.select(
    sa.func.pg_advisory_xact_lock(
        AUDIT_LOCK_CLASS, sa.func.hashtext(sa.func.concat(sa.func.current_schema(), ":audit-log"))
    )
)
_HEAD = sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
_INSERT = sa.insert(audit_log)


async def append(connection: AsyncConnection, event: Envelope, recorded_at: int) -> AuditEntry:
    """Append `event` at the head of the chain, in the caller's transaction."""
    (entry,) = await append_all(connection, [event], recorded_at)
    return entry


async def append_all(
    connection: AsyncConnection, events: Sequence[Envelope], recorded_at: int
) -> list[AuditEntry]:
    """Append `events`, in order, at the head of the chain, in the caller's transaction."""
    if connection.dialect.name == "postgresql":
        await connection.execute(_LOCK_APPENDS)
    head = (await connection.execute(_HEAD)).first()
    seq, prev_hash = (0, GENESIS) if head is None else (head.seq, head.hash)
    entries = []
    for event in events:
        seq += 1
        entity_id, before, after = change_of(event)
        unsealed = AuditEntry(
            seq=seq,
            event_id=event.id,
            tenant=event.tenant,
            actor=event.actor,
            event_type=event.type,
            entity_id=entity_id,
            before=before,
            after=after,
            occurred_at=event.occurred_at,
            recorded_at=recorded_at,
            trace_id=event.trace_id,
            prev_hash=prev_hash,
            hash="",
        )
        entry = dataclasses.replace(unsealed, hash=unsealed.computed_hash())
        entries.append(entry)
        prev_hash = entry.hash
    await connection.execute(_INSERT, [dataclasses.asdict(entry) for entry in entries])
    return entries


def audit_consumer(engine: AsyncEngine, *, clock: Clock | None = None) -> IdempotentConsumer:
    """The bus handler that writes the audit log, once per event id."""
    now = (clock or SystemClock()).now_ns

    async def record(connection: AsyncConnection, events: Sequence[Envelope]) -> None:
        await append_all(connection, events, now())

    return IdempotentConsumer(engine, AUDIT_CONSUMER, batch_handler=record, clock=clock)


async def subscribe_audit(
    bus: Bus, engine: AsyncEngine, *, clock: Clock | None = None
) -> Subscription:
    """Audit every event on the bus."""
    return await bus.subscribe(
        f"{bus.prefix}.>", AUDIT_CONSUMER, audit_consumer(engine, clock=clock)
    )


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(**row._asdict())


async def read_entries(
    engine: AsyncEngine, *, after_seq: int = 0, limit: int = 1000
) -> list[AuditEntry]:
    """Entries with seq > after_seq, oldest first."""
    async with engine.connect() as connection:
        result = await connection.execute(
            sa.select(audit_log)
            .where(audit_log.c.seq > after_seq)
            .order_by(audit_log.c.seq)
            .limit(limit)
        )
        return [_entry(row) for row in result]


async def head_seq(engine: AsyncEngine) -> int:
    """The newest entry's seq, 0 when the log is empty."""
    async with engine.connect() as connection:
        return int(
            await connection.scalar(sa.select(sa.func.coalesce(sa.func.max(audit_log.c.seq), 0)))
            or 0
        )


async def tail_entries(
    engine: AsyncEngine, *, lines: int = 10, follow: bool = False, interval: float = 1.0
) -> AsyncIterator[AuditEntry]:
    """The newest `lines` entries, then (with follow) each new one as it is appended."""
    after = max(await head_seq(engine) - lines, 0)
    while True:
        entries = await read_entries(engine, after_seq=after)
        for entry in entries:
            yield entry
            after = entry.seq
        if not follow:
            return
        if not entries:
            await asyncio.sleep(interval)


def parse_anchor(text: str) -> tuple[int, str]:
    """`SEQ:HASH`, as `audit verify` prints the head."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or not all(c in string.hexdigits for c in digest):
        raise ValidationError("anchor", f"expected SEQ:HASH (64 hex digits), got {text!r}")
    return int(seq), digest.lower()


async def verify_chain(
    engine: AsyncEngine, *, anchor: tuple[int, str] | None = None, chunk: int = 1000
) -> ChainReport:
    """Walk the chain from row 1; stop at the first row that breaks it."""
    expected, prev_hash, checked = 1, GENESIS, 0
    while entries := await read_entries(engine, after_seq=expected - 1, limit=chunk):
        for entry in entries:
            if entry.seq != expected:
                missing = (
                    f"row {expected} is missing"
                    if entry.seq == expected + 1
                    else f"rows {expected} to {entry.seq - 1} are missing"
                )
                return _broken(
                    checked,
                    expected - 1,
                    prev_hash,
                    expected,
                    f"{missing}: seq jumps from {expected - 1} to {entry.seq}",
                )
            if entry.prev_hash != prev_hash:
                return _broken(
                    checked,
                    expected - 1,
                    prev_hash,
                    entry.seq,
                    f"prev_hash does not match the hash of row {entry.seq - 1}"
                    " (that row was replaced or re-hashed)",
                )
            if entry.computed_hash() != entry.hash:
                return _broken(
                    checked,
                    expected - 1,
                    prev_hash,
                    entry.seq,
                    "its fields do not match its hash (edited after it was written)",
                )
            if anchor is not None and entry.seq == anchor[0] and entry.hash != anchor[1]:
                return _broken(
                    checked, expected - 1, prev_hash, entry.seq, "its hash differs from the anchor"
                )
            prev_hash = entry.hash
            expected += 1
            checked += 1
    last = expected - 1
    if anchor is not None and anchor[0] > last:
        return _broken(
            checked,
            last,
            prev_hash,
            anchor[0],
            f"the anchor names row {anchor[0]} but the chain ends at row {last}"
            " (newest rows deleted)",
        )
    return ChainReport(checked, last or None, prev_hash if last else None)


def _broken(checked: int, last: int, last_hash: str, seq: int, reason: str) -> ChainReport:
    return ChainReport(checked, last or None, last_hash if last else None, seq, reason)
