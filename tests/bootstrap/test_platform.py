"""Platform: every component of a deployment from one Settings, opened once, closed together."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from strongroom.bench.products import BENCH_PRODUCT
from strongroom.bootstrap import Platform
from strongroom.errors import ConfigurationError
from strongroom.events.audit import subscribe_audit
from strongroom.events.inprocess import InProcessBus
from strongroom.events.jetstream import JetStreamBus
from strongroom.ledger import Account, Transfer
from strongroom.locks import PostgresLockManager
from strongroom.products import parse_product
from strongroom.services.access import Role
from strongroom.services.ledger import AccountSpec
from strongroom.settings import Settings, load_settings


def _settings(db_url: str, tmp_path: Path) -> Settings:
    return load_settings(db_url=db_url, key_file=tmp_path / "test.keys")


async def test_every_component_comes_from_one_settings_object(db_url: str, tmp_path: Path) -> None:
    async with Platform(_settings(db_url, tmp_path)) as platform:
        services = await platform.services()
        assert await platform.services() is services
        assert services.ledger is await platform.ledger()
        assert services.access is await platform.access()

        new = await services.access.create("acme", Role.WRITE, "platform test")
        who = await services.access.authenticate(new.token)
        account = uuid.uuid4()
        assert await services.ledger_service.create_accounts(
            who, [AccountSpec(id=account, ledger="USD", code=1)]
        ) == ["ok"]
        assert (await services.ledger_service.get_account(who, account)).tenant == "acme"

        catalog = await platform.products()
        published = await catalog.publish(parse_product(BENCH_PRODUCT), actor="ops")
        assert await catalog.get(published.product, published.version)

        encryption = await platform.encryption()
        party = await encryption.parties.create("acme", full_name="Ada", email="ada@example.com")
        found = await encryption.parties.find_by_email("acme", "ADA@example.com")
        assert [p.id for p in found] == [party.id]

        assert await (await platform.audit_log()).head_seq() == 0
        assert await platform.outbox() is await platform.outbox()


async def test_a_bad_database_url_is_refused_before_anything_opens(tmp_path: Path) -> None:
    settings = load_settings(key_file=tmp_path / "k.keys")
    with pytest.raises(ConfigurationError):
        Platform(settings.model_copy(update={"db_url": "sqlite://no-third-slash"}))


async def test_locks_follow_the_settings(pg_url: str, sqlite_url: str, tmp_path: Path) -> None:
    async with Platform(_settings(sqlite_url, tmp_path)) as platform:
        with pytest.raises(ConfigurationError, match="locks_url"):
            await platform.locks()
    async with Platform(_settings(pg_url, tmp_path)) as platform:
        locks = await platform.locks()
        assert isinstance(locks, PostgresLockManager)
        async with locks.hold("account:1", wait=5) as lease:
            assert lease.token >= 1


async def test_operators_tools_open_on_a_schema_migrated_once(db_url: str, tmp_path: Path) -> None:
    async with Platform(_settings(db_url, tmp_path), migrate=False) as platform:
        await platform.migrate()
        await platform.migrate()
        ledger = await platform.ledger()
        a, b = uuid.uuid4(), uuid.uuid4()
        await ledger.create_accounts([Account(id=a, ledger="USD", code=1)])
        await ledger.create_accounts([Account(id=b, ledger="USD", code=1)])
        await ledger.create_transfers(
            [
                Transfer(
                    id=uuid.uuid4(),
                    debit_account_id=a,
                    credit_account_id=b,
                    amount=3,
                    ledger="USD",
                    code=1,
                )
            ]
        )
        snapshots = await platform.snapshots()
        assert await platform.snapshots() is snapshots
        assert (await snapshots.take(5.0)).accounts == 2
        repair = await platform.repair()
        assert await platform.repair() is repair
        async with repair.read() as view:
            assert await view.count_accounts() == 2


async def test_the_relay_publishes_the_outbox_to_the_in_process_bus(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with Platform(_settings(sqlite_url, tmp_path)) as platform:
        ledger = await platform.ledger()
        await ledger.create_accounts([Account(id=uuid.uuid4(), ledger="EUR", code=1)])
        relay = await platform.relay(batch_size=10)
        assert isinstance(relay.bus, InProcessBus)
        assert relay.bus is await platform.bus()
        assert await platform.relay() is relay
        audit_log = await platform.audit_log()
        await subscribe_audit(relay.bus, audit_log)
        assert await relay.drain() == 1
        assert [e.event_type for e in await audit_log.read_entries()] == ["ledger.account.created"]


async def test_the_bus_is_jetstream_when_nats_url_is_set(
    sqlite_url: str, nats_url: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:10]
    settings = _settings(sqlite_url, tmp_path).model_copy(
        update={
            "nats_url": nats_url,
            "nats_stream": f"SRTEST_{suffix.upper()}",
            "event_prefix": f"t{suffix}",
        }
    )
    async with Platform(settings) as platform:
        bus = await platform.bus()
        assert isinstance(bus, JetStreamBus)
        assert (bus.stream, bus.prefix) == (f"SRTEST_{suffix.upper()}", f"t{suffix}")
        assert await platform.bus() is bus
        await bus.delete_stream()
