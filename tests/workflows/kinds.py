"""Test-only intent types: a workflow of steps the test writes, and a machine-only approval;
`Calls` records what the steps did."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from strongroom.workflows.definitions import (
    CANCEL,
    FAIL,
    Action,
    IntentType,
    Step,
    StepContext,
    Workflow,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.transitions import Entry


class Job(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    #: The mutex key, if any.
    key: str = ""
    amount: int = 1


def job_type(
    name: str, *groups: tuple[Action, ...], release_key: int | None = None
) -> IntentType[Job]:
    """A type running `groups` in order; the last one moves it from `started` to `finished`.
    Waiting in group `release_key`, an intent gives its mutex key up."""
    machine = Machine(
        name,
        initial="started",
        edges=[
            edge("started", "finished", "finished"),
            edge("started", FAIL, "failed"),
            edge("started", CANCEL, "cancelled"),
        ],
        terminal={"finished", "failed", "cancelled"},
    )
    last = len(groups) - 1
    return IntentType(
        name,
        Job,
        machine,
        Workflow(
            tuple(
                group(
                    *steps,
                    event="finished" if n == last else None,
                    release_key=n == release_key,
                )
                for n, steps in enumerate(groups)
            )
        ),
        mutex_key=lambda p: p.key or None,
    )


def approval_type(expire_after: float | None = None) -> IntentType[Job]:
    """`pending` until a person approves or rejects it (or cancels it); with `expire_after`,
    its entry action has it expire that many seconds after it became pending."""

    def expire(entry: Entry) -> None:
        assert expire_after is not None
        entry.after(expire_after, "expire")

    machine = Machine(
        "t.approval",
        initial="pending",
        edges=[
            edge("pending", "approve", "approved"),
            edge("pending", "reject", "rejected"),
            edge("pending", "expire", "expired"),
            edge("pending", CANCEL, "cancelled"),
        ],
        terminal={"approved", "rejected", "expired", "cancelled"},
        on_enter={"pending": expire} if expire_after is not None else None,
    )
    return IntentType("t.approval", Job, machine)


@dataclass
class Calls:
    """Each step call, in order: (step name, attempt, monotonic time)."""

    made: list[tuple[str, int, float]] = field(default_factory=list)
    compensated: list[str] = field(default_factory=list)

    def of(self, step: str) -> list[tuple[str, int, float]]:
        return [c for c in self.made if c[0] == step]

    def step(
        self,
        name: str,
        do: Callable[[StepContext[Any], int], Any] | None = None,
        *,
        compensable: bool = False,
        **options: Any,
    ) -> Step:
        """A step recording its calls; `do(context, call number)` decides (and may raise or
        be awaitable), else it returns its name."""

        async def run(context: StepContext[Any]) -> Any:
            self.made.append((name, context.attempt, time.monotonic()))
            if do is None:
                return name
            outcome = do(context, len(self.of(name)))
            if hasattr(outcome, "__await__"):
                outcome = await outcome
            return outcome

        async def compensate(context: StepContext[Any]) -> None:
            self.compensated.append(name)

        return Step(name, run, compensate if compensable else None, **options)
