"""The records the banking modules share, and the port through which one module reads
another's customers and accounts.

A bank account's id is its ledger account's id: balances, transfers and statements are the
ledger's, looked up by the same id; the bank account adds its customer, currency, product and
standing. Plain records and protocols only.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Protocol


class KycStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    #: Was verified; the verification lapsed and must be done again before new accounts or
    #: outgoing payments.
    EXPIRED = "expired"


class RiskRating(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AccountStatus(enum.StrEnum):
    OPEN = "open"
    FROZEN = "frozen"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer's standing, without the personal data (strongroom.parties holds that, sealed,
    under the same id)."""

    id: uuid.UUID
    tenant: str
    kyc_status: KycStatus
    risk_rating: RiskRating
    #: Nanoseconds since the epoch.
    created_at: int
    #: When the last verification passed, and when it lapses (None: not verified).
    verified_at: int | None
    kyc_expires_at: int | None
    #: True once the personal data was crypto-shredded; the ledger history stays.
    erased: bool


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A customer's account: the ledger account of the same id, in one currency, pinned to a
    version of a product."""

    id: uuid.UUID
    tenant: str
    customer_id: uuid.UUID
    #: ISO 4217 code: the ledger account's ledger.
    currency: str
    product: str
    product_version: int
    status: AccountStatus
    opened_at: int
    closed_at: int | None


class Directory(Protocol):
    """Reads customers and accounts in a tenant; both raise strongroom.errors.NotFound for an
    id that does not exist there (another tenant's id included)."""

    async def customer(self, tenant: str, customer_id: uuid.UUID) -> Customer: ...

    async def account(self, tenant: str, account_id: uuid.UUID) -> BankAccount: ...

    async def round_up_pot(self, tenant: str, account_id: uuid.UUID) -> uuid.UUID | None:
        """The pot collecting the account's round-ups, if it has one."""
        ...
