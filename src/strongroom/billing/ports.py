"""What billing needs from storage, implemented by strongroom.store.billing: usage as ingested,
the versioned definitions plans are made of, invoices and credit notes. Plain records and one
protocol; billing never imports the store."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from strongroom.billing.types import StoredUsage, UsageEvent


class Kind(enum.StrEnum):
    """The kinds of billing definitions, each versioned on its own."""

    RULE_GROUP = "rule_group"
    TIER = "tier"
    COST = "cost"
    CONFIG = "config"


@dataclass(frozen=True, slots=True)
class Definition:
    """One version of a definition. `body` is its validated, normalised JSON form (references
    to other definitions pinned to a version); `digest` is SHA-256 of it."""

    tenant: str
    kind: Kind
    id: str
    version: int
    body: dict[str, Any]
    digest: str
    created_at: int
    created_by: str | None
    #: When the definition (all its versions) was archived; None: in use.
    archived_at: int | None = None


class InvoiceStatus(enum.StrEnum):
    #: Stored with its lines; its postings are not (all) in the ledger yet.
    ISSUED = "issued"
    #: Its total is in the ledger.
    POSTED = "posted"
    #: Reversed by a credit note.
    CREDITED = "credited"


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    id: uuid.UUID
    tenant: str
    subject: str
    #: The billing period [start, end), ISO dates.
    period_start: str
    period_end: str
    currency: str
    status: InvoiceStatus
    #: Lines, totals and the postings: strongroom.billing.invoices.Invoice as JSON.
    body: dict[str, Any]
    total: int
    created_at: int
    posted_at: int | None = None


@dataclass(frozen=True, slots=True)
class CreditNoteRecord:
    id: uuid.UUID
    tenant: str
    invoice_id: uuid.UUID
    amount: int
    reason: str
    created_at: int
    created_by: str | None


class BillingStore(Protocol):
    async def add_usage(self, tenant: str, events: Sequence[UsageEvent], at: int) -> int:
        """Store the events not stored yet (by id); how many were new."""
        ...

    async def unbilled_usage(
        self, tenant: str, subjects: Sequence[str], before: int
    ) -> list[StoredUsage]:
        """The subjects' usage at instants before `before` that no invoice billed yet."""
        ...

    async def usage_between(
        self, tenant: str, subject: str, start: int, end: int
    ) -> list[StoredUsage]:
        """All of the subject's usage at instants in [start, end), billed or not."""
        ...

    async def add_definition(self, definition: Definition, events: bytes) -> Definition:
        """Insert the next version of a definition with its outbox row; Conflict when the
        version is taken (another writer got there first)."""
        ...

    async def definition(
        self, tenant: str, kind: Kind, id: str, version: int | None = None
    ) -> Definition | None:
        """One version (None: the latest) of a definition."""
        ...

    async def definitions(self, tenant: str, kind: Kind) -> list[Definition]:
        """The latest version of each definition of `kind`, archived ones included, by id."""
        ...

    async def versions(self, tenant: str, kind: Kind, id: str) -> list[Definition]:
        """Every version of a definition, oldest first."""
        ...

    async def all_versions(self, tenant: str, kind: Kind) -> list[Definition]:
        """Every version of every definition of `kind`, by id then version."""
        ...

    async def archive(self, tenant: str, kind: Kind, id: str, at: int, events: bytes) -> bool:
        """Archive every version of a definition; False when there is none."""
        ...

    async def add_invoices(
        self,
        invoices: Sequence[InvoiceRecord],
        billed: Sequence[tuple[uuid.UUID, uuid.UUID]],
        events: bytes,
    ) -> list[uuid.UUID]:
        """Insert the invoices not stored yet, mark usage (usage id, invoice id) billed by the
        new ones, and write the outbox row, in one transaction; the ids of the new invoices."""
        ...

    async def invoice(self, tenant: str, invoice_id: uuid.UUID) -> InvoiceRecord | None: ...

    async def invoiced(self, tenant: str) -> set[tuple[str, str]]:
        """The (subject, period start) of every invoice of the tenant."""
        ...

    async def invoices(
        self,
        tenant: str,
        subject: str | None,
        status: InvoiceStatus | None,
        *,
        after: tuple[str, str] | None = None,
        limit: int | None = None,
    ) -> list[InvoiceRecord]:
        """The tenant's invoices (of one subject, in one status) by period start then subject,
        after `after` (a period start and subject), at most `limit`."""
        ...

    async def set_invoices_status(
        self, invoice_ids: Sequence[uuid.UUID], status: InvoiceStatus, at: int, events: bytes
    ) -> None:
        """Set the invoices' status (and, for posted, when), with the outbox row."""
        ...

    async def add_credit_note(self, note: CreditNoteRecord, events: bytes) -> CreditNoteRecord:
        """Insert it (the stored one when its invoice has one already) and mark the invoice
        credited, with the outbox row, in one transaction."""
        ...

    async def credit_note(self, tenant: str, invoice_id: uuid.UUID) -> CreditNoteRecord | None: ...
