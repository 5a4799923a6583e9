"""The events the bank's customers and accounts publish, each written with the change that
caused it (the store puts it in the outbox in the same transaction)."""

from __future__ import annotations

from strongroom.events.schemas import encode_event

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


#: One event, as the outbox's `events` column holds it.
event = encode_event
