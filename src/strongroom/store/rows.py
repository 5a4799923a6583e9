"""Conversions between database rows and the ledger's types, shared by both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import msgspec

from strongroom.ledger.rules import PendingRecord
from strongroom.ledger.types import (
    Account,
    AccountFlags,
    AccountStatus,
    PendingState,
    Transfer,
    TransferFlags,
)

T = TypeVar("T")

_decode = msgspec.json.Decoder().decode


def decode_metadata(raw: str | bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = _decode(raw)
    return value if isinstance(value, dict) else None


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def account_from_row(
    id: uuid.UUID,
    fields: Sequence[Any],
    counters: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> Account:
    """`fields`: tenant, ledger, code, flags, overdraft_limit, status, metadata, timestamp."""
    tenant, ledger, code, flags, overdraft_limit, status, metadata, timestamp = fields
    return Account(
        id=id,
        ledger=ledger,
        code=code,
        flags=AccountFlags(flags),
        overdraft_limit=overdraft_limit,
        status=AccountStatus(status),
        metadata=decode_metadata(metadata),
        tenant=tenant,
        debits_pending=counters[0],
        debits_posted=counters[1],
        credits_pending=counters[2],
        credits_posted=counters[3],
        timestamp=timestamp,
    )


def transfer_from_row(
    seq: int,
    id: uuid.UUID,
    tenant: str,
    debit_account_id: uuid.UUID,
    credit_account_id: uuid.UUID,
    amount: int,
    ledger: str,
    code: int,
    flags: int,
    pending_id: uuid.UUID | None,
    timeout: int,
    metadata: str | bytes | None,
    timestamp: int,
) -> Transfer:
    return Transfer(
        id=id,
        debit_account_id=debit_account_id,
        credit_account_id=credit_account_id,
        amount=amount,
        ledger=ledger,
        code=code,
        flags=TransferFlags(flags),
        pending_id=pending_id,
        timeout=timeout,
        metadata=decode_metadata(metadata),
        tenant=tenant,
        timestamp=timestamp,
        seq=seq,
    )


def pending_from_row(
    id: uuid.UUID,
    debit_account_id: uuid.UUID,
    credit_account_id: uuid.UUID,
    amount: int,
    ledger: str,
    code: int,
    tenant: str,
    expires_at: int,
    state: str,
) -> PendingRecord:
    return PendingRecord(
        id,
        debit_account_id,
        credit_account_id,
        amount,
        ledger,
        code,
        tenant,
        expires_at,
        PendingState(state),
    )


ACCOUNT_COLUMNS = (
    "a.id, a.tenant, a.ledger, a.code, a.flags, a.overdraft_limit, a.status, a.metadata,"
    " a.timestamp"
)
TRANSFER_COLUMNS = (
    "seq, id, tenant, debit_account_id, credit_account_id, amount, ledger, code, flags,"
    " pending_id, timeout, metadata, timestamp"
)
PENDING_COLUMNS = (
    "id, debit_account_id, credit_account_id, amount, ledger, code, tenant, expires_at, state"
)
