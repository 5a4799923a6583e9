"""The events the bank's customers and accounts publish, each written with the change that
caused it (the store puts it in the outbox in the same transaction)."""

from __future__ import annotations

from typing import Any

from strongroom.events.schemas import Envelope, encode_batch
from strongroom.ids import new_id
from strongroom.tracing import current_trace_id

CUSTOMER_ONBOARDED = "banking.customer.onboarded"
CUSTOMER_KYC = "banking.customer.kyc_decided"
CUSTOMER_RISK = "banking.customer.risk_rated"
CUSTOMER_ERASED = "banking.customer.erased"
ACCOUNT_OPENED = "banking.account.opened"
ACCOUNT_STATUS = "banking.account.status_changed"
ACCOUNT_REPINNED = "banking.account.repinned"
POT_CREATED = "banking.pot.created"
POT_CLOSED = "banking.pot.closed"
FX_RATE_SET = "banking.fx.rate_set"
BENEFICIARY_ADDED = "banking.beneficiary.added"
BENEFICIARY_REMOVED = "banking.beneficiary.removed"


def event(type: str, tenant: str, actor: str | None, at: int, data: dict[str, Any]) -> bytes:
    """One event, as the outbox's `events` column holds it."""
    return encode_batch(
        [
            Envelope(
                id=new_id(),
                type=type,
                version=1,
                occurred_at=at,
                tenant=tenant,
                trace_id=current_trace_id(),
                actor=actor,
                data=data,
            )
        ]
    )
