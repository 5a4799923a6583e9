"""The background components `serve` and `worker` run: started from a Platform, reporting their
health and figures, stopped in order with the relay publishing what is waiting."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from strongroom.bootstrap import Platform
from strongroom.bootstrap.components import (
    check_components,
    configured_components,
    start_components,
)
from strongroom.errors import ConfigurationError
from strongroom.ledger import Account
from strongroom.settings import Settings, load_settings


def _settings(db_url: str, tmp_path: Path, **update: object) -> Settings:
    settings = load_settings(db_url=db_url, key_file=tmp_path / "test.keys")
    return settings.model_copy(update=update)


async def _eventually(check: object, seconds: float = 10.0) -> None:
    assert callable(check)
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_relay_and_audit_record_the_ledger_events_and_report_healthy(
    db_url: str, tmp_path: Path
) -> None:
    async with Platform(_settings(db_url, tmp_path, snapshot_interval=0.05)) as platform:
        components = await start_components(platform, ["relay", "audit", "snapshots", "sweeper"])
        try:
            assert components.names == ["audit", "relay", "snapshots", "sweeper"]
            ledger = await platform.ledger()
            await ledger.create_accounts([Account(id=uuid.uuid4(), ledger="EUR", code=1)])
            audit_log = await platform.audit_log()

            async def audited() -> bool:
                return await audit_log.head_seq() == 1

            await _eventually(audited)
            snapshots = components.get("snapshots")
            assert snapshots is not None

            async def all_ok() -> bool:
                return all(h.status == "ok" for h in components.health())

            await _eventually(all_ok)
            await components.monitor.run_once()
            registry = CollectorRegistry()
            registry.register(components.collector())
            text = generate_latest(registry).decode()
            assert 'strongroom_component_up{component="relay"} 1.0' in text
            assert "strongroom_outbox_waiting_rows 0.0" in text
            assert "strongroom_relay_published_events_total 1.0" in text
            assert 'strongroom_consumer_pending_events{consumer="audit"} 0.0' in text
        finally:
            await components.stop()
        assert components.health() == []


async def test_a_stopping_relay_publishes_what_is_waiting(sqlite_url: str, tmp_path: Path) -> None:
    async with Platform(_settings(sqlite_url, tmp_path)) as platform:
        # Polling once a minute: only the final round can publish what is written below.
        await platform.relay(poll_interval=60)
        components = await start_components(platform, ["relay", "audit"])
        await asyncio.sleep(0.1)
        ledger = await platform.ledger()
        await ledger.create_accounts([Account(id=uuid.uuid4(), ledger="EUR", code=1)])
        audit_log = await platform.audit_log()
        assert await audit_log.head_seq() == 0
        await components.stop()
        assert await audit_log.head_seq() == 1
        assert (await (await platform.outbox()).status()).waiting == 0


async def test_a_second_relay_stands_by_and_stays_ready(pg_url: str, tmp_path: Path) -> None:
    settings = _settings(pg_url, tmp_path)
    async with Platform(settings) as first, Platform(settings) as second:
        one = await start_components(first, ["relay", "audit"])
        await asyncio.sleep(0.2)
        two = await start_components(second, ["relay", "audit"])
        try:

            async def one_active_one_standby() -> bool:
                statuses = sorted(
                    h.status for c in (one, two) for h in c.health() if h.name == "relay"
                )
                return statuses == ["ok", "standby"]

            await _eventually(one_active_one_standby)
            assert all(h.ready for c in (one, two) for h in c.health())
        finally:
            await two.stop()
            await one.stop()


def test_unknown_components_and_a_split_in_process_bus_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unknown component bogus"):
        check_components(["relay", "bogus"], in_process_bus=False)
    with pytest.raises(ConfigurationError, match="in-process bus"):
        check_components(["relay"], in_process_bus=True)
    with pytest.raises(ConfigurationError, match="metering consumer runs with the relay"):
        check_components(["metering"], in_process_bus=True)
    assert check_components(["sweeper", "audit"], in_process_bus=False) == ["audit", "sweeper"]


async def test_the_settings_choose_what_serve_runs(sqlite_url: str, tmp_path: Path) -> None:
    every = _settings(sqlite_url, tmp_path)
    async with Platform(every) as platform:
        assert configured_components(platform) == [
            "audit",
            "metering",
            "relay",
            "snapshots",
            "sweeper",
            "intents",
            "velocity",
        ]
    fewer = _settings(
        sqlite_url,
        tmp_path,
        run_relay=False,
        run_audit=False,
        run_metering=False,
        sweep_interval=0,
        run_intents=False,
        velocity_prune_interval=0,
    )
    async with Platform(fewer) as platform:
        assert configured_components(platform) == ["snapshots"]
