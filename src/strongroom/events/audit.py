"""The tamper-evident audit log: who did what, when, to which entity, before and after.

The audit consumer (durable name `audit`, every subject under the bus prefix) appends one row
per event to the audit log (the AuditLog port, strongroom.events.ports; strongroom.store.audit_log
implements it), inside the idempotent consumer's transaction. Rows form a hash chain
(strongroom.events.hash_chain). Appends are serialized (`AuditLog.lock_head`) and `seq` is the
primary key, so the chain cannot fork. The database refuses UPDATE and DELETE on audit_log
(triggers from migration 0003_events).

`verify_chain` walks the chain and names the first row that breaks it. Deleting the newest rows
leaves a shorter valid chain: pass an anchor (a seq and hash recorded earlier) to catch that.

Imports strongroom.events (bus, consumers, hash_chain, ports, schemas), strongroom.clock and
errors only.
"""

from __future__ import annotations

import asyncio
import string
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from strongroom.clock import Clock, SystemClock
from strongroom.errors import ValidationError
from strongroom.events.bus import Bus, Subscription
from strongroom.events.consumers import IdempotentConsumer
from strongroom.events.hash_chain import GENESIS, AuditEntry, canonical_json, hash_of
from strongroom.events.ports import AuditLog, C
from strongroom.events.schemas import ACCOUNT_STATUS_CHANGED, INTENT_TRANSITIONED, Envelope

#: The audit consumer's durable name and processed_events key.
AUDIT_CONSUMER = "audit"


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


def _status_change(data: dict[str, Any]) -> tuple[Any, Any]:
    return {"status": data.get("before")}, {"status": data.get("after")}


def _intent_transition(data: dict[str, Any]) -> tuple[Any, Any]:
    before = None if data.get("from_state") is None else {"state": data.get("from_state")}
    return before, data


#: Event types whose before/after is not simply "nothing, then the event's data".
_CHANGES: dict[str, Callable[[dict[str, Any]], tuple[Any, Any]]] = {
    ACCOUNT_STATUS_CHANGED: _status_change,
    INTENT_TRANSITIONED: _intent_transition,
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


async def append_all(
    log: AuditLog[C], transaction: C, events: Sequence[Envelope], recorded_at: int
) -> list[AuditEntry]:
    """Append `events`, in order, at the head of the chain, in `transaction`."""
    head = await log.lock_head(transaction)
    seq, prev_hash = (0, GENESIS) if head is None else head
    entries = []
    for event in events:
        seq += 1
        entity_id, before, after = change_of(event)
        fields: dict[str, Any] = {
            "seq": seq,
            "event_id": event.id,
            "tenant": event.tenant,
            "actor": event.actor,
            "event_type": event.type,
            "entity_id": entity_id,
            "before": before,
            "after": after,
            "occurred_at": event.occurred_at,
            "recorded_at": recorded_at,
            "trace_id": event.trace_id,
            "prev_hash": prev_hash,
        }
        # Sealed as built: a second, hashed copy of each entry cost a sixth of the consumer.
        prev_hash = hash_of(fields)
        entries.append(AuditEntry(**fields, hash=prev_hash))
    await log.insert(transaction, entries)
    return entries


def audit_consumer(log: AuditLog[C], *, clock: Clock | None = None) -> IdempotentConsumer[C]:
    """The bus handler that writes the audit log, once per event id."""
    now = (clock or SystemClock()).now_ns

    async def record(transaction: C, events: Sequence[Envelope]) -> None:
        await append_all(log, transaction, events, now())

    return IdempotentConsumer(log, AUDIT_CONSUMER, batch_handler=record, clock=clock)


async def subscribe_audit(
    bus: Bus, log: AuditLog[C], *, clock: Clock | None = None
) -> Subscription:
    """Audit every event on the bus."""
    return await bus.subscribe(f"{bus.prefix}.>", AUDIT_CONSUMER, audit_consumer(log, clock=clock))


async def tail_entries(
    log: AuditLog[C], *, lines: int = 10, follow: bool = False, interval: float = 1.0
) -> AsyncIterator[AuditEntry]:
    """The newest `lines` entries, then (with follow) each new one as it is appended."""
    after = max(await log.head_seq() - lines, 0)
    while True:
        entries = await log.read_entries(after_seq=after)
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
    log: AuditLog[C], *, anchor: tuple[int, str] | None = None, chunk: int = 1000
) -> ChainReport:
    """Walk the chain from row 1; stop at the first row that breaks it."""
    expected, prev_hash, checked = 1, GENESIS, 0
    while entries := await log.read_entries(after_seq=expected - 1, limit=chunk):
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
