"""The events billing publishes, each written with the change that caused it (the store puts it
in the outbox in the same transaction)."""

from __future__ import annotations

from strongroom.events.schemas import encode_event

DEFINED = "billing.definition.versioned"
ARCHIVED = "billing.definition.archived"
INVOICED = "billing.invoice.issued"
POSTED = "billing.invoice.posted"
CREDITED = "billing.invoice.credited"

#: One event, as the outbox's `events` column holds it.
event = encode_event
