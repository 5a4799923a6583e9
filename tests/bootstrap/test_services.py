"""The rate limiter the settings choose, and limits shared by two deployments on one Redis."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from strongroom.bootstrap import Platform
from strongroom.bootstrap.services import open_rate_limiter
from strongroom.errors import ConfigurationError, RateLimited
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter, RedisRateLimiter
from strongroom.services.access import Role
from strongroom.settings import load_settings


def test_by_default_each_process_keeps_the_documented_limits() -> None:
    limiter = open_rate_limiter(load_settings())
    assert isinstance(limiter, MemoryRateLimiter)
    assert limiter.limits == Limits(Limit(1000.0, 2000), Limit(5000.0, 10000))


@pytest.mark.parametrize(
    ("key_rate", "tenant_rate", "limits"),
    [(0, 5.0, Limits(None, Limit(5.0, 10000))), (2.0, 0, Limits(Limit(2.0, 2000), None))],
)
def test_a_rate_of_zero_is_unlimited(key_rate: float, tenant_rate: float, limits: Limits) -> None:
    settings = load_settings(rate_limit_per_key=key_rate, rate_limit_per_tenant=tenant_rate)
    limiter = open_rate_limiter(settings)
    assert isinstance(limiter, MemoryRateLimiter)
    assert limiter.limits == limits


def test_a_rate_past_what_the_buckets_keep_names_its_setting() -> None:
    with pytest.raises(ConfigurationError, match="rate_limit_per_tenant"):
        open_rate_limiter(load_settings(rate_limit_per_tenant=2_000_000))


def test_no_limits_at_all_is_no_limiter() -> None:
    assert open_rate_limiter(load_settings(rate_limit_per_key=0, rate_limit_per_tenant=0)) is None


async def test_two_deployments_on_one_redis_enforce_one_limit(
    sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        db_url=sqlite_url,
        key_file=tmp_path / "test.keys",
        rate_limit_url=redis_url,
        rate_limit_per_key=0.01,
        rate_limit_per_key_burst=3,
    )
    limiter = open_rate_limiter(settings)
    assert isinstance(limiter, RedisRateLimiter)
    await limiter.close()
    async with Platform(settings) as one, Platform(settings) as two:
        first, second = await one.access(), await two.access()
        # A tenant of its own: the buckets of earlier runs stay in Redis until they are full.
        token = (await first.create(f"t-{uuid.uuid4().hex}", Role.READ)).token
        for access in (first, second, first):
            await access.authenticate(token)
        with pytest.raises(RateLimited):
            await second.authenticate(token)
