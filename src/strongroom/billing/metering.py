"""Metering the platform's own operations.

An intent step meters with `meter(context, ...)`, or is declared `@metered(...)`: the usage event
goes out through the outbox with the step's checkpoint, in the transaction that records the
step's result, so an operation is metered exactly when it is recorded as done. Its id derives
from (intent, step, run, metric): a replayed step meters the same event, which ingestion ignores.
`UsageConsumer` takes `billing.usage` events off the bus into billing (idempotent by event id).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from strongroom.billing.types import PropertyValue, UsageEvent
from strongroom.billing.usage import UsageService
from strongroom.events.bus import Bus, Subscription
from strongroom.events.schemas import Envelope
from strongroom.workflows.definitions import StepContext

log = logging.getLogger(__name__)

USAGE = "billing.usage"
CONSUMER = "billing-usage"
_NAMESPACE = uuid.UUID("5b0d4c8e-97a1-4f3e-b2d6-0c8e1f7a9b34")

P = TypeVar("P", bound=msgspec.Struct)
Step = Callable[[StepContext[P]], Awaitable[Any]]


def usage_id(context: StepContext[Any], metric: str) -> uuid.UUID:
    """The id of `metric`'s usage by this step in this run of its intent: the same on a replay."""
    intent = context.intent
    return uuid.uuid5(_NAMESPACE, f"{intent.id}/{context.step}/{intent.run}/{metric}")


def meter(
    context: StepContext[Any],
    metric: str,
    subject: str,
    quantity: int = 1,
    properties: Mapping[str, PropertyValue] | None = None,
) -> None:
    """Meter `quantity` of `metric` by `subject` when this step's result is saved."""
    event = UsageEvent(
        id=usage_id(context, metric),
        subject=subject,
        metric=metric,
        quantity=quantity,
        at=context.now,
        properties=dict(properties or {}),
    )
    context.emit(USAGE, msgspec.to_builtins(event))


def metered(
    metric: str,
    subject: Callable[[StepContext[P], Any], str],
    quantity: Callable[[StepContext[P], Any], int] = lambda context, result: 1,
    properties: Callable[[StepContext[P], Any], Mapping[str, PropertyValue]] = (
        lambda context, result: {}
    ),
) -> Callable[[Step[P]], Step[P]]:
    """A step that meters `metric` each time it succeeds; the callables read the step's context
    and result (the payer of a payment, its amount, its currency)."""

    def wrap(step: Step[P]) -> Step[P]:
        @functools.wraps(step)
        async def run(context: StepContext[P]) -> Any:
            result = await step(context)
            meter(
                context,
                metric,
                subject(context, result),
                quantity(context, result),
                properties(context, result),
            )
            return result

        return run

    return wrap


class UsageConsumer:
    """`billing.usage` events from the bus, into billing in their tenants; a batch of them in
    one write (a bus that delivers batches calls `handle_batch`)."""

    def __init__(self, usage: UsageService) -> None:
        self._usage = usage

    async def __call__(self, event: Envelope) -> None:
        await self.handle_batch([event])

    async def handle_batch(self, events: Sequence[Envelope]) -> None:
        by_tenant: dict[str, list[UsageEvent]] = {}
        for envelope in events:
            if envelope.type != USAGE:
                continue
            try:
                usage = msgspec.convert(envelope.data, UsageEvent, strict=False)
            except msgspec.ValidationError as error:
                # Delivering it again would fail again: it is logged, not retried forever.
                log.warning("billing.usage event %s is malformed: %s", envelope.id, error)
                continue
            by_tenant.setdefault(envelope.tenant, []).append(usage)
        for tenant, usage_events in by_tenant.items():
            await self._usage.record(tenant, usage_events)


async def subscribe_usage(bus: Bus, usage: UsageService) -> Subscription:
    """Ingest the platform's metered usage as it is published."""
    return await bus.subscribe(f"{bus.prefix}.{USAGE}", CONSUMER, UsageConsumer(usage))
