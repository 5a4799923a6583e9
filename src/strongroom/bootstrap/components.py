"""The background components a server or worker process runs, and what they report.

`start_components(platform, names)` starts the named components of a Platform (`COMPONENTS`:
the outbox relay, the audit consumer, the metering consumer (billing.metering), the snapshot
task, the pending-transfer sweeper, the intent engine) plus a monitor that measures, every
`MONITOR_INTERVAL` seconds, what a scrape cannot ask the database or the bus itself: the rows
waiting in the outbox, the audit consumer's lag and the intent queue. It returns a
`Components`, whose `health()` the health endpoints report and whose `collector()` adds their
figures to `/metrics`; `stop()` stops them in reverse order of start, each finishing its work in
progress (the relay publishes what is waiting before it stops).

`strongroom serve` runs them beside the APIs; `strongroom worker NAME...` runs them alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from strongroom.billing.metering import subscribe_usage
from strongroom.bootstrap.platform import Platform
from strongroom.errors import ConfigurationError
from strongroom.events.audit import AUDIT_CONSUMER, subscribe_audit
from strongroom.events.bus import Bus, Subscription
from strongroom.events.ports import Outbox
from strongroom.events.relay import Relay, RelayBusy
from strongroom.health import Component, ComponentHealth, Periodic
from strongroom.logging import get_logger
from strongroom.workflows.engine import Engine
from strongroom.workflows.metrics import IntentCollector
from strongroom.workflows.types import QueueStats

_log = get_logger(__name__)

#: Seconds between the monitor's measurements of the outbox and the consumers' lag.
MONITOR_INTERVAL = 5.0
#: Seconds a stopping relay spends publishing what is still waiting.
FINAL_DRAIN_SECONDS = 10.0


class RelayComponent:
    """The outbox relay: one process holds the outbox, the others stand by."""

    name = "relay"

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._running = False

    async def start(self) -> None:
        self.relay.start()
        self._running = True

    async def stop(self) -> None:
        self._running = False
        await self.relay.stop()
        # The last requests' events are in the outbox by now: publish them before the process
        # goes, unless another relay holds the outbox (it will).
        try:
            await asyncio.wait_for(self.relay.drain(), FINAL_DRAIN_SECONDS)
        except RelayBusy:
            pass
        except Exception as error:
            _log.warning("the final relay round failed; the next relay publishes it", error=error)

    def health(self) -> ComponentHealth:
        if not self._running:
            return ComponentHealth(self.name, "stopped")
        if self.relay.last_error is not None:
            return ComponentHealth(self.name, "failing", self.relay.last_error)
        if self.relay.active:
            return ComponentHealth(self.name, "ok")
        return ComponentHealth(self.name, "standby", "another process holds the outbox")


class ConsumerComponent:
    """A consumer on the bus (the audit log's, billing's metering): subscribed when it starts,
    its subscription stopped when it stops."""

    def __init__(self, name: str, subscribe: Callable[[], Awaitable[Subscription]]) -> None:
        self.name = name
        self._subscribe = subscribe
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._subscribe()

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.stop()
            self._subscription = None

    def health(self) -> ComponentHealth:
        return ComponentHealth(self.name, "stopped" if self._subscription is None else "ok")


@dataclass
class Figures:
    """What the monitor last measured (None: not measured, or the measurement failed)."""

    outbox_waiting: int | None = None
    #: Seconds since the oldest row still waiting was written; 0 when none waits.
    relay_lag_seconds: float | None = None
    audit_pending: int | None = None
    #: Measured where the intent engine runs.
    intent_queue: QueueStats | None = None


class Components:
    """The components one process runs. Made by `start_components`."""

    def __init__(self, outbox: Outbox, bus: Bus | None) -> None:
        self._outbox = outbox
        self._bus = bus
        self._started: list[Component] = []
        self.figures = Figures()
        self.monitor = Periodic("monitor", MONITOR_INTERVAL, self._measure)

    @property
    def names(self) -> list[str]:
        return [component.name for component in self._started]

    @property
    def started(self) -> tuple[Component, ...]:
        """The components running, in the order they started."""
        return tuple(self._started)

    def get(self, name: str) -> Component | None:
        return next((c for c in self._started if c.name == name), None)

    async def add(self, component: Component) -> None:
        await component.start()
        self._started.append(component)

    def health(self) -> list[ComponentHealth]:
        return [component.health() for component in self._started]

    async def stop(self) -> None:
        """Stop every component, the last started first; one failing to stop does not keep
        the others running."""
        await self.monitor.stop()
        while self._started:
            component = self._started.pop()
            try:
                await component.stop()
            except Exception as error:
                _log.error("a component failed to stop", component=component.name, error=error)

    def collector(self) -> Collector:
        return _ComponentsCollector(self)

    async def _measure(self) -> None:
        status = await self._outbox.status()
        self.figures.outbox_waiting = status.waiting
        oldest = status.oldest_waiting_at
        self.figures.relay_lag_seconds = 0.0 if oldest is None else (time.time_ns() - oldest) / 1e9
        if self._bus is not None and self.get("audit") is not None:
            self.figures.audit_pending = await self._bus.pending(AUDIT_CONSUMER)
        engine = self.get("intents")
        if isinstance(engine, Engine):
            # Cleared first: a failed measurement leaves the gauges out, not stale.
            self.figures.intent_queue = None
            self.figures.intent_queue = await engine.store.queue_stats(time.time_ns())


class _ComponentsCollector(Collector):
    def __init__(self, components: Components) -> None:
        self._components = components

    def collect(self) -> Iterator[Metric]:
        components = self._components
        up = GaugeMetricFamily(
            "strongroom_component_up",
            "1 while the component works (or stands by), 0 when failing or stopped.",
            labels=["component"],
        )
        for health in components.health():
            up.add_metric([health.name], 1 if health.ready else 0)
        yield up
        runs = CounterMetricFamily(
            "strongroom_component_runs",
            "Runs of a periodic component that succeeded.",
            labels=["component"],
        )
        failures = CounterMetricFamily(
            "strongroom_component_failures",
            "Runs of a periodic component that failed.",
            labels=["component"],
        )
        for periodic in _periodic(components):
            runs.add_metric([periodic.name], periodic.runs)
            failures.add_metric([periodic.name], periodic.failures)
        yield runs
        yield failures
        relay = components.get("relay")
        if isinstance(relay, RelayComponent):
            yield CounterMetricFamily(
                "strongroom_relay_published_events",
                "Events this process's relay published (re-publishes after a failure included).",
                value=relay.relay.published,
            )
        figures = components.figures
        for name, doc, value in (
            (
                "strongroom_outbox_waiting_rows",
                "Outbox rows not yet published.",
                figures.outbox_waiting,
            ),
            (
                "strongroom_relay_lag_seconds",
                "Age of the oldest outbox row not yet published (0: none waits).",
                figures.relay_lag_seconds,
            ),
        ):
            if value is not None:
                yield GaugeMetricFamily(name, doc, value=value)
        if figures.audit_pending is not None:
            lag = GaugeMetricFamily(
                "strongroom_consumer_pending_events",
                "Events a durable consumer has not acknowledged yet.",
                labels=["consumer"],
            )
            lag.add_metric([AUDIT_CONSUMER], figures.audit_pending)
            yield lag
        engine = components.get("intents")
        if isinstance(engine, Engine):
            yield from IntentCollector(engine, lambda: figures.intent_queue).collect()


def _periodic(components: Components) -> Iterable[Periodic]:
    yield components.monitor
    yield from (c for c in components.started if isinstance(c, Periodic))


def check_components(names: Sequence[str], *, in_process_bus: bool) -> list[str]:
    """The names in start order; ConfigurationError for an unknown one, or for a relay and an
    audit consumer separated on the in-process bus (its events reach only its own process)."""
    unknown = sorted(set(names) - set(COMPONENTS))
    if unknown:
        raise ConfigurationError(
            f"unknown component {', '.join(unknown)}: choose from {', '.join(COMPONENTS)}"
        )
    chosen = [name for name in COMPONENTS if name in names]
    if in_process_bus and ("relay" in chosen) != ("audit" in chosen):
        raise ConfigurationError(
            "with the in-process bus (no nats_url) the relay and the audit consumer run in one "
            "process: run both, or set STRONGROOM_NATS_URL"
        )
    if in_process_bus and "metering" in chosen and "relay" not in chosen:
        raise ConfigurationError(
            "with the in-process bus (no nats_url) the metering consumer runs with the relay: "
            "run both, or set STRONGROOM_NATS_URL"
        )
    return chosen


def configured_components(platform: Platform) -> list[str]:
    """The components the settings ask `serve` to run (run_relay, run_audit, ...), in start
    order; an interval of 0 turns the snapshot task or the sweeper off as well."""
    settings = platform.settings
    wanted = {
        "audit": settings.run_audit,
        "metering": settings.run_metering,
        "relay": settings.run_relay,
        "snapshots": settings.run_snapshots and settings.snapshot_interval > 0,
        "sweeper": settings.run_sweeper and settings.sweep_interval > 0,
        "intents": settings.run_intents,
        "velocity": settings.velocity_prune_interval > 0,
    }
    return [name for name in COMPONENTS if wanted[name]]


async def start_components(platform: Platform, names: Sequence[str]) -> Components:
    """Start the named components (and the monitor) of `platform`; stop them with
    `Components.stop()`. A component that fails to start stops those started before it."""
    settings = platform.settings
    chosen = check_components(names, in_process_bus=settings.nats_url is None)
    outbox = await platform.outbox()
    bus = await platform.bus() if {"audit", "metering", "relay"} & set(chosen) else None
    components = Components(outbox, bus)
    try:
        for name in chosen:
            await components.add(await _BUILDERS[name](platform, bus))
        await components.monitor.start()
        await components.monitor.run_once()
    except BaseException:
        with contextlib.suppress(Exception):
            await components.stop()
        raise
    return components


async def _audit(platform: Platform, bus: Bus | None) -> Component:
    assert bus is not None, "start_components opens the bus for the audit consumer"

    async def subscribe() -> Subscription:
        return await subscribe_audit(bus, await platform.audit_log(), clock=platform.clock)

    return ConsumerComponent("audit", subscribe)


async def _metering(platform: Platform, bus: Bus | None) -> Component:
    assert bus is not None, "start_components opens the bus for the metering consumer"

    async def subscribe() -> Subscription:
        return await subscribe_usage(bus, (await platform.billing()).usage)

    return ConsumerComponent("metering", subscribe)


async def _relay(platform: Platform, bus: Bus | None) -> Component:
    return RelayComponent(await platform.relay())


async def _snapshots(platform: Platform, bus: Bus | None) -> Component:
    interval = platform.settings.snapshot_interval
    if interval <= 0:
        raise ConfigurationError("snapshots: snapshot_interval must be > 0 to run them")
    return await (await platform.ledger()).snapshot_task(interval)


async def _sweeper(platform: Platform, bus: Bus | None) -> Component:
    interval = platform.settings.sweep_interval
    if interval <= 0:
        raise ConfigurationError("sweeper: sweep_interval must be > 0 to run it")
    return (await platform.ledger()).sweeper(interval)


async def _intents(platform: Platform, bus: Bus | None) -> Component:
    return await platform.intent_engine()


async def _velocity(platform: Platform, bus: Bus | None) -> Component:
    interval = platform.settings.velocity_prune_interval
    if interval <= 0:
        raise ConfigurationError("velocity: velocity_prune_interval must be > 0 to run it")
    compliance = await platform.compliance()
    return Periodic("velocity", interval, compliance.prune_velocity)


#: How each component is built from a Platform (and the bus, for those on it), in the order
#: they start. A service that brings a background task of its own adds its builder here.
_BUILDERS: dict[str, Callable[[Platform, Bus | None], Awaitable[Component]]] = {
    "audit": _audit,
    "metering": _metering,
    "relay": _relay,
    "snapshots": _snapshots,
    "sweeper": _sweeper,
    "intents": _intents,
    "velocity": _velocity,
}

#: Every component a process can run, in the order they start.
COMPONENTS = tuple(_BUILDERS)
