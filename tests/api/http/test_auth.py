"""Authentication and the rate limits it admits by, on a route FastAPI serves (GET
/v1/accounts) and on a DirectRoute (POST /v1/transfers): 429 problem+json with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.api.http.problems import MEDIA_TYPE
from strongroom.bootstrap import open_access
from strongroom.ledger import Ledger
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter
from strongroom.services.access import AccessService, Role
from tests.api.helpers import account, transfer
from tests.ratelimit.helpers import FakeClock


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The limits do not depend on the backend."""
    return sqlite_url


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def keys(db_url: str, ledger: Ledger, clock: FakeClock) -> AsyncIterator[AccessService]:
    """The app's keys: two requests at once per key, one a second after; three per tenant."""
    limiter = MemoryRateLimiter(Limits(Limit(1, 2), Limit(1, 3)), now_us=clock)
    access = await open_access(db_url, migrate=False, limiter=limiter)
    yield access
    await access.close()


async def bearer(keys: AccessService, tenant: str) -> dict[str, str]:
    new = await keys.create(tenant, Role.WRITE)
    return {"Authorization": f"Bearer {new.token}"}


def assert_rate_limited(response: httpx.Response, scope: str, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.headers["retry-after"] == str(retry_after)
    problem = response.json()
    assert problem["type"] == "urn:strongroom:problem:rate_limited"
    assert (problem["title"], problem["status"]) == ("Too Many Requests", 429)
    assert scope in problem["detail"]


async def test_a_key_past_its_burst_is_refused_until_a_token_is_back(
    client: httpx.AsyncClient, keys: AccessService, clock: FakeClock
) -> None:
    mine, theirs = await bearer(keys, "acme"), await bearer(keys, "globex")
    for _ in range(2):
        assert (await client.get("/v1/accounts", headers=mine)).status_code == 200
    assert_rate_limited(await client.get("/v1/accounts", headers=mine), "API key", 1)
    # Another tenant's key has its own buckets.
    assert (await client.get("/v1/accounts", headers=theirs)).status_code == 200
    clock.advance(0.5)
    # Half a token back: still refused, and Retry-After rounds the half second up.
    assert_rate_limited(await client.get("/v1/accounts", headers=mine), "API key", 1)
    clock.advance(0.5)
    assert (await client.get("/v1/accounts", headers=mine)).status_code == 200


async def test_the_direct_route_is_limited_before_it_reads_the_body(
    client: httpx.AsyncClient, keys: AccessService
) -> None:
    headers = await bearer(keys, "acme")
    a, b = account(), account()
    created = await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=headers)
    assert created.status_code == 200
    body = {"transfers": [transfer(a["id"], b["id"])]}
    assert (await client.post("/v1/transfers", json=body, headers=headers)).status_code == 200
    assert_rate_limited(
        await client.post("/v1/transfers", json=body, headers=headers), "API key", 1
    )
    # Even a body that would be refused: the limit answers first.
    refused = await client.post("/v1/transfers", content=b"{", headers=headers)
    assert_rate_limited(refused, "API key", 1)


async def test_the_keys_of_a_tenant_share_its_limit(
    client: httpx.AsyncClient, keys: AccessService
) -> None:
    one, two = await bearer(keys, "acme"), await bearer(keys, "acme")
    for headers in (one, one, two):
        assert (await client.get("/v1/accounts", headers=headers)).status_code == 200
    assert_rate_limited(await client.get("/v1/accounts", headers=two), "tenant", 1)


async def test_an_unauthenticated_request_is_401_and_spends_no_limit(
    client: httpx.AsyncClient, keys: AccessService
) -> None:
    headers = await bearer(keys, "acme")
    wrong = {"Authorization": headers["Authorization"][:-2] + "xx"}
    for refused in (wrong, wrong, wrong, {}):
        assert (await client.get("/v1/accounts", headers=refused)).status_code == 401
    for _ in range(2):
        assert (await client.get("/v1/accounts", headers=headers)).status_code == 200
