"""The dashboard: what this server process and the platform are doing now, refreshed every two
seconds (the live part is a fragment the page's script fetches; without the script, a reload).

The figures are the process's own metrics (strongroom.api.console.figures); the hot accounts are
only the signed-in tenant's."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from strongroom.api.console.figures import Samples, Window, read, total
from strongroom.api.console.rendering import page
from strongroom.api.console.routing import Console, ConsoleRoute, Staff

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

#: The hot accounts listed.
TOP = 10


@dataclass(frozen=True, slots=True)
class HotAccount:
    id: uuid.UUID
    code: int
    ledger: str
    buckets: int
    batches: int
    lock_wait: float
    retries: int


def _window(request: Request) -> Window:
    # One window per app (per process): samples are taken when someone looks.
    state = request.app.state
    if not hasattr(state, "console_window"):
        state.console_window = Window()
    window: Window = state.console_window
    return window


def _per_account(samples: Samples) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for column, name in (
        ("buckets", "strongroom_ledger_account_buckets"),
        ("batches", "strongroom_ledger_account_batches_total"),
        ("lock_wait", "strongroom_ledger_account_lock_wait_seconds_total"),
        ("retries", "strongroom_ledger_account_retries_total"),
    ):
        for labels, value in samples.get(name, ()):
            found.setdefault(labels["account"], {})[column] = value
    return found


async def _hot(console: Console, staff: Staff, samples: Samples) -> list[HotAccount]:
    figures = _per_account(samples)
    ids = [uuid.UUID(a) for a in figures]
    # Another tenant's accounts are not shown, nor even counted.
    own = await console.ledger.lookup_accounts(staff.principal, ids)
    hot = [
        HotAccount(
            a.id,
            a.code,
            a.ledger,
            int(figures[str(a.id)].get("buckets", 1)),
            int(figures[str(a.id)].get("batches", 0)),
            figures[str(a.id)].get("lock_wait", 0.0),
            int(figures[str(a.id)].get("retries", 0)),
        )
        for a in own
    ]
    hot.sort(key=lambda h: (-h.batches, -h.buckets))
    return hot[:TOP]


async def _live(request: Request, console: Console, staff: Staff) -> dict[str, Any]:
    samples = read(request.app.state.registry)
    window = _window(request)
    window.add(time.monotonic(), samples)

    def gauge(name: str) -> float | None:
        return total(samples, name)

    return {
        "minute": window.rates(60),
        "five": window.rates(300),
        "series": window.series(),
        "transfers": gauge("strongroom_ledger_transfers_total"),
        "queue_depth": gauge("strongroom_ledger_queue_depth"),
        "hot": await _hot(console, staff, samples),
        "intents": {
            name: gauge(f"strongroom_intents_{name}")
            for name in ("runnable", "oldest_runnable_age_seconds", "running", "waiting")
        },
        "relay_lag": gauge("strongroom_relay_lag_seconds"),
        "outbox_waiting": gauge("strongroom_outbox_waiting_rows"),
        "consumers": [
            (labels["consumer"], value)
            for labels, value in samples.get("strongroom_consumer_pending_events", ())
        ],
        "components": [
            (labels["component"], bool(value))
            for labels, value in samples.get("strongroom_component_up", ())
        ],
    }


@router.get("/console/")
async def dashboard(request: Request, console: Console, staff: Staff) -> Response:
    return page(request, "dashboard.html", **await _live(request, console, staff))


@router.get("/console/dashboard/live")
async def live(request: Request, console: Console, staff: Staff) -> Response:
    return page(request, "dashboard_live.html", **await _live(request, console, staff))
