"""What a running component reports about itself, and the periodic task most of them are.

A component is a part of the platform that runs in the background of a server or worker
process: the outbox relay, the audit consumer, the snapshot task, the pending-transfer sweeper
(strongroom.bootstrap.components builds them). Each can be started, stopped (finishing what it is
doing) and asked how it is (`health()`), which the health endpoints and `/metrics` report.

`Periodic` runs an action every `interval` seconds: a failure is logged, counted and reported as
`failing` until the next run succeeds, and never ends the task (one failed sweep must not stop
the sweeping).

Imports strongroom.logging only.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from strongroom.logging import get_logger

_log = get_logger(__name__)

#: ok: working; standby: healthy and waiting for another process to give up a role it holds
#: (a second relay); starting: not yet run once; failing: its last attempt failed; stopped.
Status = Literal["ok", "standby", "starting", "failing", "stopped"]


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    name: str
    status: Status
    #: For a person: the last error of a failing component, what a standby waits for.
    detail: str = ""

    @property
    def ready(self) -> bool:
        """Whether the process can be sent work as far as this component is concerned."""
        return self.status in ("ok", "standby", "starting")


class Component(Protocol):
    """A background part of a server or worker process."""

    @property
    def name(self) -> str: ...

    async def start(self) -> None:
        """Begin running in the background; return once it runs."""
        ...

    async def stop(self) -> None:
        """Finish the work in progress, then return; the component does no more."""
        ...

    def health(self) -> ComponentHealth: ...


class Periodic:
    """Runs `action()` every `interval` seconds (the first run one interval after start)."""

    def __init__(self, name: str, interval: float, action: Callable[[], Awaitable[object]]) -> None:
        if interval <= 0:
            raise ValueError(f"{name}: the interval must be > 0 seconds, got {interval}")
        self._name = name
        self.interval = interval
        self._action = action
        self._task: asyncio.Task[None] | None = None
        #: Runs that succeeded and that failed since start.
        self.runs = 0
        self.failures = 0
        self.last_error: str | None = None
        #: Wall-clock time (ns) of the last run that succeeded.
        self.last_ok_at: int | None = None

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        # Cancelled mid-run, the action's transaction rolls back: nothing half-done remains.
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> None:
        """Run the action now, recording the outcome as a scheduled run does."""
        try:
            await self._action()
        except Exception as error:
            self.failures += 1
            self.last_error = f"{type(error).__name__}: {error}"
            _log.exception("component run failed", component=self._name)
            return
        self.runs += 1
        self.last_error = None
        self.last_ok_at = time.time_ns()

    def health(self) -> ComponentHealth:
        if self._task is None:
            return ComponentHealth(self._name, "stopped")
        if self.last_error is not None:
            return ComponentHealth(self._name, "failing", self.last_error)
        if self.runs == 0:
            return ComponentHealth(self._name, "starting", f"first run in {self.interval:g} s")
        return ComponentHealth(self._name, "ok")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.run_once()
