"""Domain events the ledger writes to the outbox, in the same transaction as the change.

One outbox row holds the JSON array of envelopes a transaction produced (see docs/events.md).
Each envelope carries the trace id and actor of the call that caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import msgspec

from strongroom.ids import new_id
from strongroom.ledger.rules import PendingRecord
from strongroom.ledger.types import Account, AccountStatus, Transfer
from strongroom.tracing import Actor

SCHEMA_VERSION = 1
_EXPIRED = uuid.UUID("6f1d8e0a-6c0e-4b8e-9d55-2f3c5a1b7e01")


class Envelope(msgspec.Struct):
    id: uuid.UUID
    type: str
    version: int
    occurred_at: int
    tenant: str
    trace_id: str | None
    actor: str | None
    data: Any


class TransferData(msgspec.Struct):
    """`data` of ledger.transfer.created; a Struct because it is encoded once per transfer."""

    id: uuid.UUID
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: int
    ledger: str
    code: int
    flags: int
    pending_id: uuid.UUID | None
    timeout: int
    metadata: Any
    tenant: str
    timestamp: int
    seq: int


_encode = msgspec.json.Encoder().encode


def encode(envelopes: list[Envelope]) -> bytes | None:
    return _encode(envelopes) if envelopes else None


def transfer_created(t: Transfer, trace_id: str | None, actor: Actor | None) -> Envelope:
    return Envelope(
        id=t.id,
        type="ledger.transfer.created",
        version=SCHEMA_VERSION,
        occurred_at=t.timestamp,
        tenant=t.tenant,
        trace_id=trace_id,
        actor=actor.principal if actor else None,
        data=TransferData(
            t.id,
            t.debit_account_id,
            t.credit_account_id,
            t.amount,
            t.ledger,
            t.code,
            int(t.flags),
            t.pending_id,
            t.timeout,
            t.metadata,
            t.tenant,
            t.timestamp,
            t.seq,
        ),
    )


def pending_expired(expired: Iterable[PendingRecord], now: int) -> list[Envelope]:
    return [
        Envelope(
            id=uuid.uuid5(_EXPIRED, str(p.id)),
            type="ledger.pending.expired",
            version=SCHEMA_VERSION,
            occurred_at=now,
            tenant=p.tenant,
            trace_id=None,
            actor=None,
            data={
                "id": p.id,
                "debit_account_id": p.debit_account_id,
                "credit_account_id": p.credit_account_id,
                "amount": p.amount,
                "ledger": p.ledger,
                "expires_at": p.expires_at,
            },
        )
        for p in expired
    ]


def account_created(a: Account, trace_id: str | None, actor: Actor | None) -> Envelope:
    return Envelope(
        id=a.id,
        type="ledger.account.created",
        version=SCHEMA_VERSION,
        occurred_at=a.timestamp,
        tenant=a.tenant,
        trace_id=trace_id,
        actor=actor.principal if actor else None,
        data={
            "id": a.id,
            "ledger": a.ledger,
            "code": a.code,
            "flags": int(a.flags),
            "overdraft_limit": a.overdraft_limit,
            "status": a.status.value,
            "metadata": a.metadata,
            "tenant": a.tenant,
            "timestamp": a.timestamp,
        },
    )


def status_changed(
    a: Account,
    after: AccountStatus,
    now: int,
    trace_id: str | None,
    actor: Actor | None,
) -> Envelope:
    return Envelope(
        id=new_id(),
        type="ledger.account.status_changed",
        version=SCHEMA_VERSION,
        occurred_at=now,
        tenant=a.tenant,
        trace_id=trace_id,
        actor=actor.principal if actor else None,
        data={"id": a.id, "before": a.status.value, "after": after.value},
    )
