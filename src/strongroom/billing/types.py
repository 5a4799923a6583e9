"""The records billing's modules share: a usage event as metered, and as stored."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

#: A metric's or a subject's name: what a rule group selects on and an invoice is addressed to.
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\s].*$")]
#: What a usage event's properties may hold: what rule groups filter and aggregate on.
PropertyValue = str | int | bool
#: The subject billed for a tenant's own use of the platform (rather than one of its customers).
TENANT_SUBJECT = "tenant"
#: The most usage events one call ingests.
MAX_BATCH = 10_000
QUANTITY_MAX = 2**62


class UsageEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One measured use: `quantity` of `metric` by `subject` at `at` (ns since the epoch).
    `id` is the idempotency key: an event ingested again is ignored."""

    id: uuid.UUID
    subject: Name
    metric: Name
    quantity: Annotated[int, msgspec.Meta(ge=0, le=QUANTITY_MAX)]
    at: Annotated[int, msgspec.Meta(ge=0)]
    properties: dict[Annotated[str, msgspec.Meta(min_length=1, max_length=100)], PropertyValue] = (
        msgspec.field(default_factory=dict)
    )


class StoredUsage(msgspec.Struct, frozen=True):
    """A usage event as billing keeps it: in a tenant, with when it arrived and the invoice that
    billed it (None: not billed yet)."""

    tenant: str
    event: UsageEvent
    ingested_at: int
    billed_in: uuid.UUID | None = None
