"""The bank's records as stored, and the port its services need from a database:
strongroom.store.banking implements it. Plain records and protocols only."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from strongroom.banking.types import KycStatus, RiskRating


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer's row: its standing; the personal data is the party of the same id."""

    id: uuid.UUID
    tenant: str
    reference: str
    #: pending, verified or rejected as last decided; expiry is read off `kyc_expires_at`.
    kyc_status: KycStatus
    risk_rating: RiskRating
    national_id_kind: str | None
    created_at: int
    updated_at: int
    verified_at: int | None
    kyc_expires_at: int | None
    #: The last check's findings: {code, field, message} each.
    kyc_findings: tuple[dict[str, Any], ...]
    erased_at: int | None
    version: int
    #: The store's creation order (0 until stored): the listing's cursor.
    seq: int = 0


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A bank account's row: the ledger account of the same id holds its balance and status."""

    id: uuid.UUID
    tenant: str
    reference: str
    customer_id: uuid.UUID
    currency: str
    product: str
    product_version: int
    opened_at: int
    closed_at: int | None


@dataclass(frozen=True, slots=True)
class PotRecord:
    """A pot: a sub-account of a customer's account (the ledger account of the same id holds
    its money), with a name, a goal, and whether it collects the account's round-ups."""

    id: uuid.UUID
    tenant: str
    reference: str
    account_id: uuid.UUID
    currency: str
    name: str
    #: Minor units the customer saves towards; 0: none.
    goal: int
    round_up: bool
    created_at: int


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of `quote` for one unit of `base`, as of an instant, from a source."""

    tenant: str
    base: str
    quote: str
    #: An exact decimal, as text ("1.3542").
    rate: str
    as_of: int
    source: str


@dataclass(frozen=True, slots=True)
class FxQuote:
    id: uuid.UUID
    tenant: str
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    #: The rate given, spread included: units of buy for one unit of sell.
    rate: str
    spread_bps: int
    created_at: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class BeneficiaryRecord:
    """A customer's payee at another bank. Its name and account are personal data of the
    customer, sealed at rest (strongroom.banking.beneficiaries): None once the customer was
    erased."""

    id: uuid.UUID
    tenant: str
    reference: str
    customer_id: uuid.UUID
    #: The account holder's name, as the other bank knows them.
    name: str | None
    #: The IBAN (compact), or the country, bank code and account number joined by "/".
    account: str | None
    bic: str | None
    #: ISO 3166-1 alpha-2 of the other bank.
    country: str
    currency: str
    created_at: int
    #: Until then, payments to it are limited to the new-beneficiary limit.
    cooling_off_until: int
    removed_at: int | None


@dataclass(frozen=True, slots=True)
class SealedBeneficiary:
    """A beneficiary as stored: the record without its name and account (None), and the
    columns RecordCipher.seal made of them (dek_id, the ciphertexts, the account's index)."""

    record: BeneficiaryRecord
    sealed: dict[str, object]


@dataclass(frozen=True, slots=True)
class ClearBeneficiary:
    """A beneficiary a migration left with its name and account in clear, to be sealed."""

    id: uuid.UUID
    tenant: str
    customer_id: uuid.UUID
    name: str
    account: str


class BankStore(Protocol):
    async def add_customer(
        self, record: CustomerRecord, events: bytes
    ) -> tuple[CustomerRecord, bool]:
        """Insert with its outbox row, or return the tenant's customer of the same reference
        (False: not inserted now)."""
        ...

    async def customers(self, ids: Sequence[uuid.UUID]) -> list[CustomerRecord]:
        """Those of `ids` that exist, in any tenant (callers check the tenant)."""
        ...

    async def latest_customers(
        self, tenant: str, before_seq: int | None, limit: int
    ) -> list[CustomerRecord]:
        """The tenant's customers, newest first, created before `before_seq` if given."""
        ...

    async def update_customer(self, record: CustomerRecord, events: bytes) -> bool:
        """Write `record` (its version one more than the stored one) with its outbox row;
        False when the stored version moved meanwhile."""
        ...

    async def add_account(self, record: AccountRecord, events: bytes) -> AccountRecord:
        """Insert with its outbox row; the stored one when its id is there already. Conflict
        when the customer has an account in that currency and product not closed."""
        ...

    async def accounts(self, ids: Sequence[uuid.UUID]) -> list[AccountRecord]:
        """Those of `ids` that exist, in any tenant (callers check the tenant)."""
        ...

    async def accounts_of(self, tenant: str, customer_id: uuid.UUID) -> list[AccountRecord]:
        """The customer's accounts, oldest first."""
        ...

    async def open_accounts(
        self, tenant: str, after: uuid.UUID | None, limit: int
    ) -> list[AccountRecord]:
        """Up to `limit` of the tenant's accounts not closed, in id order, after `after`."""
        ...

    async def update_account(self, record: AccountRecord, at: int, events: bytes) -> None:
        """Write `record` with its outbox row (written at `at`)."""
        ...

    async def add_pot(self, record: PotRecord, events: bytes) -> PotRecord:
        """Insert with its outbox row; the stored one when its id is there already. Conflict
        when the account has a round-up pot already and this one would be another."""
        ...

    async def close_pot(self, pot_id: uuid.UUID, at: int, events: bytes) -> None:
        """Record a pot closed (its ledger account holds that it is): it collects no more
        round-ups, and its event is written to the outbox at `at`."""
        ...

    async def pots(self, ids: Sequence[uuid.UUID]) -> list[PotRecord]:
        """Those of `ids` that exist, in any tenant (callers check the tenant)."""
        ...

    async def pots_of(self, account_ids: Sequence[uuid.UUID]) -> list[PotRecord]:
        """The pots of those accounts, oldest first."""
        ...

    async def add_rate(self, rate: FxRate, events: bytes) -> None:
        """Record a rate (the latest of its pair is the one in force), with its outbox row."""
        ...

    async def latest_rates(self, tenant: str) -> list[FxRate]:
        """The tenant's rate in force for each pair it has one for."""
        ...

    async def add_quote(self, quote: FxQuote) -> None: ...

    async def quote(self, tenant: str, quote_id: uuid.UUID) -> FxQuote | None: ...

    async def add_beneficiary(
        self, beneficiary: SealedBeneficiary, events: bytes
    ) -> SealedBeneficiary:
        """Insert with its outbox row; the tenant's one of the same reference when there is one.
        Conflict when the customer has an active beneficiary with the same account index."""
        ...

    async def beneficiaries(self, ids: Sequence[uuid.UUID]) -> list[SealedBeneficiary]: ...

    async def beneficiaries_of(
        self, tenant: str, customer_id: uuid.UUID
    ) -> list[SealedBeneficiary]:
        """The customer's beneficiaries, removed ones included, oldest first."""
        ...

    async def beneficiaries_in_clear(self, limit: int) -> list[ClearBeneficiary]:
        """Up to `limit` beneficiaries whose name and account are still in clear."""
        ...

    async def seal_beneficiary(self, beneficiary_id: uuid.UUID, sealed: dict[str, object]) -> None:
        """Store the sealed columns of a beneficiary left in clear, and forget the clear ones."""
        ...

    async def remove_beneficiary(self, record: BeneficiaryRecord, events: bytes) -> None:
        """Mark it removed (`record.removed_at`), with its outbox row."""
        ...
