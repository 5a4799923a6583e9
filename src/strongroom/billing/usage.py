"""`UsageService`: usage events ingested into billing, each once.

A batch is checked whole before anything is written (a bad event is a ValidationError naming it,
`events[3].quantity`, and nothing is stored); events already stored (by id) are ignored, so a
client retrying a batch, or a consumer redelivered an event, changes nothing. The operations of
the platform itself meter through strongroom.billing.metering, whose events arrive here from the
bus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from strongroom.billing.ports import BillingStore
from strongroom.billing.types import MAX_BATCH, UsageEvent
from strongroom.clock import Clock
from strongroom.errors import BatchTooLarge, ValidationError
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import field_error


@dataclass(frozen=True, slots=True)
class Ingested:
    received: int
    #: Events stored by this call; the others were stored before (the same ids).
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


def decode_events(raw: object) -> list[UsageEvent]:
    """A list of JSON objects as usage events; ValidationError naming the first bad field."""
    if not isinstance(raw, list):
        raise ValidationError("events", "must be a list of usage events")
    if not raw:
        raise ValidationError("events", "must hold at least one event")
    if len(raw) > MAX_BATCH:
        raise BatchTooLarge(len(raw), MAX_BATCH)
    events = []
    seen: dict[Any, UsageEvent] = {}
    for i, item in enumerate(raw):
        try:
            event = msgspec.convert(item, UsageEvent, strict=True)
        except msgspec.ValidationError as error:
            raise field_error(error, f"events[{i}]") from None
        before = seen.setdefault(event.id, event)
        if before != event:
            raise ValidationError(
                f"events[{i}].id", "repeats an earlier event's id with other data"
            )
        events.append(event)
    return events


class UsageService:
    def __init__(self, store: BillingStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def ingest(self, who: Principal, raw: object) -> Ingested:
        """Write role: store the events of `raw` (JSON objects) in the caller's tenant."""
        with acting(who, Role.WRITE):
            events = decode_events(raw)
            return await self.record(who.tenant, events)

    async def record(self, tenant: str, events: Sequence[UsageEvent]) -> Ingested:
        """Store checked events in `tenant` (the metering consumer's way in)."""
        stored = await self.store.add_usage(tenant, events, self.clock.now_ns())
        return Ingested(len(events), stored)
