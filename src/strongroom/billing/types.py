"""The records billing's modules share: a usage event as metered, and as stored."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from strongroom.errors import ValidationError
from strongroom.money import AMOUNT_MAX

#: A metric's or a subject's name: what a rule group selects on and an invoice is addressed to.
#: No control character (C0, DEL), nor a space first: written as ranges, which every regex engine
#: on the way (pydantic's, msgspec's, the OpenAPI document's readers) reads alike, as `\s` is not.
NAME_PATTERN = r"^[^\x00-\x20\x7f][^\x00-\x1f\x7f]*$"
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
#: What a usage event's properties may hold: what rule groups filter and aggregate on.
PropertyValue = str | int | bool
#: The subject billed for a tenant's own use of the platform (rather than one of its customers).
TENANT_SUBJECT = "tenant"
#: The most usage events one call ingests.
MAX_BATCH = 10_000
#: A usage event's quantity fits a BIGINT, either way (an amount metered is one).
QUANTITY_MAX = AMOUNT_MAX


def check_subject(subject: object, field: str = "subject") -> str:
    """A subject as a caller names one (a path, a query); ValidationError when it cannot be."""
    try:
        return msgspec.convert(subject, Name, strict=True)
    except msgspec.ValidationError:
        raise ValidationError(field, "must be 1 to 200 characters, no control characters") from None


class UsageEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One measured use: `quantity` of `metric` by `subject` at `at` (ns since the epoch).
    `id` is the idempotency key: an event ingested again is ignored."""

    id: uuid.UUID
    subject: Name
    metric: Name
    #: Negative: a correction of earlier usage (of a sum, max or latest).
    quantity: Annotated[int, msgspec.Meta(ge=-QUANTITY_MAX, le=QUANTITY_MAX)]
    at: Annotated[int, msgspec.Meta(ge=0, le=AMOUNT_MAX)]
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
