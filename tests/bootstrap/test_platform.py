"""Platform: every component of a deployment from one Settings, opened once, closed together."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from strongroom.bench.products import BENCH_PRODUCT
from strongroom.bootstrap import Platform
from strongroom.errors import ConfigurationError
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
