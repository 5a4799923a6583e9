"""The clearing account of a tenant in a currency: the ledger side of money crossing the bank's
edge (deposits arrive through it, payments to other banks leave through it, end-of-day
settlement empties it). One per tenant and currency, with an id derived from both, so every
process names the same account without asking, and created the first time it is needed."""

from __future__ import annotations

import uuid

from strongroom.banking import codes
from strongroom.errors import ConfigurationError
from strongroom.ledger import Account, CreateAccountResult, Ledger

_NAMESPACE = uuid.UUID("7f1d2c9e-4b8a-4e51-9c3d-0a6b5e2f8d17")
_MADE = {CreateAccountResult.OK, CreateAccountResult.EXISTS}


def clearing_account_id(tenant: str, currency: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/clearing/{currency}")


async def ensure_clearing_account(ledger: Ledger, tenant: str, currency: str) -> uuid.UUID:
    """The clearing account's id, the account created if it did not exist (idempotent)."""
    account_id = clearing_account_id(tenant, currency)
    (result,) = await ledger.create_accounts(
        [
            Account(
                id=account_id,
                ledger=currency,
                code=codes.CLEARING_ACCOUNT,
                tenant=tenant,
                metadata={"kind": "clearing"},
            )
        ]
    )
    if result not in _MADE:
        raise ConfigurationError(f"clearing account {account_id} for {currency}: {result.value}")
    return account_id
