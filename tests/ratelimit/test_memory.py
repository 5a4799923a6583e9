from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter
from tests.ratelimit.helpers import FakeClock, outcome
from tests.ratelimit.reference import Tenancy
from tests.strategies import bursts, rate_limit_schedules, rates


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.tuples(rates, bursts), tenant=st.tuples(rates, bursts), schedule=rate_limit_schedules)
async def test_decisions_are_the_reference_models(
    key: tuple[float, int], tenant: tuple[float, int], schedule: list[tuple[int, tuple[str, str]]]
) -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(Limits(Limit(*key), Limit(*tenant)), now_us=clock)
    model = Tenancy(key, tenant)
    for gap, (key_id, tenant_id) in schedule:
        clock.now += gap
        assert await outcome(limiter, key_id, tenant_id) == model.request(
            key_id, tenant_id, clock.now
        )


async def test_a_tenant_refusal_spends_nothing_of_the_key(clock: FakeClock) -> None:
    limiter = MemoryRateLimiter(Limits(Limit(0.01, 2), Limit(1, 1)), now_us=clock)
    await limiter.admit("k", "t")
    assert await outcome(limiter, "k", "t") == ("tenant", 1)
    clock.advance(1)
    # The key's second token is still there: the refused request did not take it.
    await limiter.admit("k", "t")
    # Two tokens at a hundred seconds each, one second since: 99 s.
    assert await outcome(limiter, "k", "t") == ("API key", 99)


async def test_a_key_refusal_spends_nothing_of_the_tenant(clock: FakeClock) -> None:
    limiter = MemoryRateLimiter(Limits(Limit(0.01, 1), Limit(0.01, 2)), now_us=clock)
    await limiter.admit("a", "t")
    assert await outcome(limiter, "a", "t") == ("API key", 100)
    await limiter.admit("b", "t")
    assert await outcome(limiter, "c", "t") == ("tenant", 100)


@pytest.mark.parametrize(
    ("limits", "refused_by"),
    [(Limits(None, Limit(1, 2)), "tenant"), (Limits(Limit(1, 2), None), "API key")],
)
async def test_a_part_without_a_limit_is_not_counted(
    clock: FakeClock, limits: Limits, refused_by: str
) -> None:
    limiter = MemoryRateLimiter(limits, now_us=clock)
    await limiter.admit("k", "t")
    await limiter.admit("k", "t")
    assert await outcome(limiter, "k", "t") == (refused_by, 1)
