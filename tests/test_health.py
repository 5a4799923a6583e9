"""Periodic: runs its action on an interval, reports failures in its health, never stops on one."""

from __future__ import annotations

import asyncio

import pytest

from strongroom.health import ComponentHealth, Periodic


async def test_a_failing_run_is_reported_and_the_next_success_clears_it() -> None:
    outcomes = [RuntimeError("database away"), None, None]

    async def action() -> None:
        outcome = outcomes.pop(0) if outcomes else None
        if outcome is not None:
            raise outcome

    task = Periodic("sweeper", 0.01, action)
    assert task.health() == ComponentHealth("sweeper", "stopped")
    await task.start()
    assert task.health().status == "starting"
    for _ in range(500):
        if task.runs >= 2:
            break
        await asyncio.sleep(0.01)
    await task.stop()
    assert task.failures == 1
    assert task.runs >= 2
    assert task.last_error is None
    assert task.last_ok_at is not None
    assert task.health().status == "stopped"


async def test_run_once_records_the_failure_in_health() -> None:
    async def action() -> None:
        raise ValueError("bad row")

    task = Periodic("snapshots", 60, action)
    await task.start()
    await task.run_once()
    health = task.health()
    await task.stop()
    assert (health.status, health.detail) == ("failing", "ValueError: bad row")
    assert not health.ready


def test_the_interval_must_be_positive() -> None:
    async def action() -> None:
        return None

    with pytest.raises(ValueError, match="interval"):
        Periodic("sweeper", 0, action)
