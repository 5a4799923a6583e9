"""What the bank's periodic runs (interest, monthly charges) share: an intent type of one long
step over every account, and a result that counts the accounts it could not post for and lists
the first of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from strongroom.banking.retry import RETRY
from strongroom.services.access import Role
from strongroom.workflows.definitions import FAIL, IntentType, Step, StepContext, Workflow, group
from strongroom.workflows.machine import Machine, edge

P = TypeVar("P", bound=msgspec.Struct)
#: The accounts whose failures a run's result lists (its count covers them all).
LISTED_FAILURES = 100
#: One run walks every account of a tenant: far longer than a payment's step may take.
RUN_TIMEOUT = 3600.0


def run_type(
    name: str,
    payload: type[P],
    step: tuple[str, Callable[[StepContext[P]], Awaitable[Any]]],
    done: str,
    mutex: str,
    description: str,
) -> IntentType[P]:
    """A run: `initiated -> done | failed`, its one step retried on what may pass."""
    machine = Machine(
        name,
        initial="initiated",
        edges=[edge("initiated", done, done), edge("initiated", FAIL, "failed")],
        terminal=(done, "failed"),
    )
    work = Step(step[0], step[1], retry=RETRY, timeout=RUN_TIMEOUT)
    return IntentType(
        name,
        payload,
        machine,
        Workflow((group(work, event=done),)),
        mutex_key=lambda p: mutex,
        description=description,
        role=Role.ADMIN,
    )


def failed(totals: dict[str, Any], failure: dict[str, Any]) -> None:
    """Count an account the run could not post for; list it among the first."""
    totals["failed"] += 1
    if len(totals["failures"]) < LISTED_FAILURES:
        totals["failures"].append(failure)


def summary(totals: dict[str, Any]) -> dict[str, Any]:
    """A run's result without its list of failures: what its event carries."""
    return {k: v for k, v in totals.items() if k != "failures"}
