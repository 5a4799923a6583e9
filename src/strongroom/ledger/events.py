"""Domain events the ledger writes to the outbox, in the same transaction as the change.

One outbox row holds the JSON array of envelopes a transaction produced, except for the
transfers a batch created: the row refers to them by their seq range, and the relay rebuilds
their `ledger.transfer.created` envelopes from the log. The payloads are the versioned schemas of
strongroom.events.schemas (docs/events.md); each envelope carries the trace id and actor of the
call that caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import msgspec

from strongroom.events.schemas import (
    ACCOUNT_CREATED,
    ACCOUNT_STATUS_CHANGED,
    PENDING_EXPIRED,
    AccountCreatedV1,
    AccountStatusChangedV1,
    PendingExpiredV1,
)
from strongroom.events.transfer_refs import Origin, encode_origins
from strongroom.ids import new_id
from strongroom.ledger.rules import PendingRecord
from strongroom.ledger.types import Account, AccountStatus
from strongroom.tracing import Actor

SCHEMA_VERSION = 1
_EXPIRED = uuid.UUID("6f1d8e0a-6c0e-4b8e-9d55-2f3c5a1b7e01")


class OutgoingEnvelope(msgspec.Struct):
    """strongroom.events.schemas.Envelope as written: `data` is still its payload Struct, so
    that a batch's thousands of events are encoded in one pass without building dicts."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: int
    tenant: str
    trace_id: str | None
    actor: str | None
    data: Any
    span_id: str | None = None


_encode = msgspec.json.Encoder().encode


def encode(envelopes: list[OutgoingEnvelope]) -> bytes | None:
    return _encode(envelopes) if envelopes else None


def _principal(actor: Actor | None) -> str | None:
    return actor.principal if actor else None


def created_origins(
    calls: Iterable[tuple[int, str | None, Actor | None, str | None]],
) -> bytes:
    """The outbox's `origins` of a batch's created transfers, from (transfers created, trace id,
    actor, span id) per call in batch order: consecutive calls with the same trace, actor and
    span share a run. The relay rebuilds each transfer's envelope from the log
    (strongroom.events.transfer_refs)."""
    runs: list[Origin] = []
    for count, trace_id, actor, span_id in calls:
        if not count:
            continue
        principal = _principal(actor)
        if runs and runs[-1][1:] == (trace_id, principal, span_id):
            runs[-1] = (runs[-1][0] + count, trace_id, principal, span_id)
        else:
            runs.append((count, trace_id, principal, span_id))
    return encode_origins(runs)


def pending_expired(expired: Iterable[PendingRecord], now: int) -> list[OutgoingEnvelope]:
    return [
        OutgoingEnvelope(
            uuid.uuid5(_EXPIRED, str(p.id)),
            PENDING_EXPIRED,
            SCHEMA_VERSION,
            now,
            p.tenant,
            None,
            None,
            PendingExpiredV1(
                id=p.id,
                debit_account_id=p.debit_account_id,
                credit_account_id=p.credit_account_id,
                amount=p.amount,
                ledger=p.ledger,
                expires_at=p.expires_at,
            ),
        )
        for p in expired
    ]


def account_created(
    a: Account, trace_id: str | None, actor: Actor | None, span_id: str | None
) -> OutgoingEnvelope:
    return OutgoingEnvelope(
        a.id,
        ACCOUNT_CREATED,
        SCHEMA_VERSION,
        a.timestamp,
        a.tenant,
        trace_id,
        _principal(actor),
        AccountCreatedV1(
            id=a.id,
            ledger=a.ledger,
            code=a.code,
            flags=int(a.flags),
            overdraft_limit=a.overdraft_limit,
            status=a.status.value,
            metadata=dict(a.metadata) if a.metadata is not None else None,
            tenant=a.tenant,
            timestamp=a.timestamp,
        ),
        span_id,
    )


def status_changed(
    a: Account,
    after: AccountStatus,
    now: int,
    trace_id: str | None,
    actor: Actor | None,
    span_id: str | None,
) -> OutgoingEnvelope:
    return OutgoingEnvelope(
        new_id(),
        ACCOUNT_STATUS_CHANGED,
        SCHEMA_VERSION,
        now,
        a.tenant,
        trace_id,
        _principal(actor),
        AccountStatusChangedV1(id=a.id, before=a.status.value, after=after.value),
        span_id,
    )
