"""The Redis limiter against the real server of STRONGROOM_TEST_REDIS_URL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from strongroom.errors import RateLimited
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter, RedisRateLimiter
from strongroom.ratelimit.redis import RETRY_INTERVAL_S
from tests.ratelimit.helpers import FakeClock, outcome
from tests.ratelimit.reference import Tenancy
from tests.strategies import bursts, rate_limit_schedules, rates

#: Slow enough that no token comes back while a test runs on Redis's own clock.
SLOW = Limit(0.01, 3)


def limiter(
    url: str,
    limits: Limits,
    *,
    now_us: Callable[[], int] | None = None,
    retry_interval: float = RETRY_INTERVAL_S,
) -> RedisRateLimiter:
    """A limiter whose buckets no other test (nor an earlier run) has touched."""
    prefix = f"test:ratelimit:{uuid.uuid4().hex}"
    return RedisRateLimiter(
        url, limits, prefix=prefix, now_us=now_us, retry_interval=retry_interval
    )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=st.tuples(rates, bursts), tenant=st.tuples(rates, bursts), schedule=rate_limit_schedules)
async def test_decisions_are_the_memory_limiters_and_the_reference_models(
    redis_url: str,
    key: tuple[float, int],
    tenant: tuple[float, int],
    schedule: list[tuple[int, tuple[str, str]]],
) -> None:
    clock = FakeClock()
    limits = Limits(Limit(*key), Limit(*tenant))
    shared = limiter(redis_url, limits, now_us=clock)
    local = MemoryRateLimiter(limits, now_us=clock)
    model = Tenancy(key, tenant)
    try:
        with capture_logs() as logs:
            for gap, (key_id, tenant_id) in schedule:
                clock.now += gap
                expected = model.request(key_id, tenant_id, clock.now)
                assert await outcome(local, key_id, tenant_id) == expected
                assert await outcome(shared, key_id, tenant_id) == expected
    finally:
        await shared.close()
    # Every decision was Redis's, none its fallback's (which decides as `local` does).
    assert logs == []


async def test_a_bucket_on_a_callers_clock_outlives_redis_own(
    redis_url: str, clock: FakeClock
) -> None:
    shared = limiter(redis_url, Limits(Limit(1000, 1), None), now_us=clock)
    try:
        await shared.admit("k", "t")
        # A millisecond from full by the caller's clock; Redis's clock runs on meanwhile.
        await asyncio.sleep(0.01)
        with pytest.raises(RateLimited):
            await shared.admit("k", "t")
    finally:
        await shared.close()


async def test_two_limiters_on_one_redis_enforce_one_limit(redis_url: str) -> None:
    prefix = f"test:ratelimit:{uuid.uuid4().hex}"
    one, two = (RedisRateLimiter(redis_url, Limits(SLOW, None), prefix=prefix) for _ in "12")
    try:
        await one.admit("k", "t")
        await two.admit("k", "t")
        await one.admit("k", "t")
        for either in (one, two):
            with pytest.raises(RateLimited) as refused:
                await either.admit("k", "t")
            assert refused.value.scope == "API key"
            assert 99 <= refused.value.retry_after <= 100
    finally:
        await one.close()
        await two.close()


async def test_the_tenant_bucket_is_shared_by_its_keys_and_expires(redis_url: str) -> None:
    shared = limiter(redis_url, Limits(None, SLOW))
    try:
        for key in ("a", "b", "c"):
            await shared.admit(key, "t")
        with pytest.raises(RateLimited) as refused:
            await shared.admit("d", "t")
        assert refused.value.scope == "tenant"
        await shared.admit("a", "another tenant")
        # Once full again the bucket is forgotten: three tokens of 100 s are 300 s away.
        key_bucket, tenant_bucket = shared.bucket_keys("a", "t")
        assert await shared.client.exists(key_bucket) == 0
        assert 299_000 < await shared.client.pttl(tenant_bucket) <= 300_001
    finally:
        await shared.close()


class Proxy:
    """A TCP proxy to Redis that can be cut: Redis going away and coming back, for this test's
    clients only."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.up = True
        self._writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"redis://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/0"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    def cut(self) -> None:
        self.up = False
        for writer in self._writers:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers.update((writer, upstream_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except ConnectionError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def close(self) -> None:
        self.cut()
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[Proxy]:
    parts = urlsplit(redis_url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    await proxy.start()
    yield proxy
    await proxy.close()


async def test_without_redis_each_process_counts_alone_then_shares_again(proxy: Proxy) -> None:
    shared = limiter(proxy.url, Limits(SLOW, None), retry_interval=0.0)
    try:
        await shared.admit("k", "t")  # in Redis: two tokens left there
        proxy.cut()
        with capture_logs() as logs:
            # This process's own bucket is full: three requests, then a refusal.
            for _ in range(3):
                await shared.admit("k", "t")
            with pytest.raises(RateLimited):
                await shared.admit("k", "t")
        warnings = [line for line in logs if line["log_level"] == "warning"]
        assert len(warnings) == 1  # once per outage, not once per request
        assert "Redis failed" in warnings[0]["event"]
        proxy.up = True
        with capture_logs() as logs:
            await shared.admit("k", "t")
            await shared.admit("k", "t")
            with pytest.raises(RateLimited):
                await shared.admit("k", "t")  # Redis's bucket again: it had two left
        assert [line["event"] for line in logs] == [
            "rate limits: Redis answers again; the buckets are shared once more"
        ]
    finally:
        await shared.close()


async def test_a_redis_that_fails_is_not_asked_again_until_the_retry_interval(
    proxy: Proxy,
) -> None:
    shared = limiter(proxy.url, Limits(SLOW, None), retry_interval=60.0)
    try:
        proxy.cut()
        await shared.admit("k", "t")
        proxy.up = True
        await shared.admit("k", "t")
        await shared.admit("k", "t")
        # Had it asked Redis, whose bucket is untouched, this would be admitted.
        with pytest.raises(RateLimited):
            await shared.admit("k", "t")
    finally:
        await shared.close()
