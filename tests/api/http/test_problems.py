"""Bad input gets a 4xx problem+json naming the field, and writes nothing."""

from __future__ import annotations

import httpx
import pytest

from strongroom.ledger import Ledger
from tests.api.helpers import account, transfer

PROBLEM = "application/problem+json"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Edge-only checks: the input never reaches the ledger, so one backend is enough."""
    return sqlite_url


async def _assert_nothing_written(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    listed = (await client.get("/v1/accounts", headers=headers)).json()
    assert listed == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (b'{"accounts": [', 400, "malformed_json"),
        (b"\xff\xfe", 400, "malformed_json"),
        (b"[]", 422, "validation_error"),
        (b'{"accounts": "x"}', 422, "validation_error"),
        (b'{"accounts": []}', 422, "validation_error"),
        (b'{"accounts": [{"id": "x", "ledger": "USD", "code": 1}]}', 422, "validation_error"),
    ],
)
async def test_malformed_bodies_are_4xx_problems(
    client: httpx.AsyncClient, writer: dict[str, str], body: bytes, status: int, kind: str
) -> None:
    headers = {**writer, "Content-Type": "application/json"}
    r = await client.post("/v1/accounts", content=body, headers=headers)
    assert r.status_code == status
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"] == f"urn:strongroom:problem:{kind}"
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    await _assert_nothing_written(client, writer)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "1"}, "accounts[1].code"),
        ({"code": 1.5}, "accounts[1].code"),
        ({"code": True}, "accounts[1].code"),
        ({"ledger": 840}, "accounts[1].ledger"),
        ({"flags": ["sticky"]}, "accounts[1].flags[0]"),
        ({"overdraft_limit": -1}, "accounts[1].overdraft_limit"),
        ({"overdraft_limit": "12.5"}, "accounts[1].overdraft_limit"),
        ({"metadata": [1]}, "accounts[1].metadata"),
        ({"colour": "red"}, "accounts[1].colour"),
        ({"tenant": "globex"}, "accounts[1].tenant"),
    ],
)
async def test_wrong_types_and_unknown_fields_name_the_field(
    client: httpx.AsyncClient, writer: dict[str, str], fields: dict[str, object], field: str
) -> None:
    body = {"accounts": [account(), account(**fields)]}
    r = await client.post("/v1/accounts", json=body, headers=writer)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in r.json()["errors"]]
    await _assert_nothing_written(client, writer)


async def test_a_bad_transfer_in_a_batch_writes_no_transfer(
    client: httpx.AsyncClient, writer: dict[str, str], ledger: Ledger
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    good = transfer(a["id"], b["id"])
    r = await client.post(
        "/v1/transfers",
        json={"transfers": [good, transfer(a["id"], b["id"], 1.5)]},
        headers=writer,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "transfers[1].amount"
    assert ledger.engine.stats.transfers == 0
    assert (await client.get(f"/v1/transfers/{good['id']}", headers=writer)).status_code == 404


async def test_an_oversized_body_is_413_and_writes_nothing(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    accounts = [account(metadata={"pad": "x" * 1000}) for _ in range(300)]
    r = await client.post("/v1/accounts", json={"accounts": accounts}, headers=writer)
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "urn:strongroom:problem:payload_too_large"
    await _assert_nothing_written(client, writer)


async def test_an_oversized_chunked_body_is_413(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"accounts": ['
        for _ in range(400):
            yield b'{"id": "00000000-0000-0000-0000-000000000001", "ledger": "USD", "code": 1,'
            yield b'"metadata": {"pad": "' + b"x" * 1000 + b'"}},'
        yield b"]}"

    headers = {**writer, "Content-Type": "application/json"}
    r = await client.post("/v1/accounts", content=chunks(), headers=headers)
    assert r.status_code == 413
    assert r.json()["type"] == "urn:strongroom:problem:payload_too_large"
    await _assert_nothing_written(client, writer)


async def test_bad_path_and_query_values_are_422(
    client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    r = await client.get("/v1/accounts/not-a-uuid", headers=reader)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "id"
    r = await client.get("/v1/accounts", params={"limit": 0}, headers=reader)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "limit"
    r = await client.get("/v1/accounts", params={"cursor": "zz"}, headers=reader)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cursor"


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    r = await client.get("/v2/nothing")
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM)
    r = await client.delete("/v1/transfers")
    assert (r.status_code, r.headers["content-type"]) == (405, PROBLEM)
    assert r.json()["type"] == "urn:strongroom:problem:method_not_allowed"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/v1/accounts", "GET, POST"),
        ("DELETE", "/v1/accounts", "GET, POST"),
        ("PUT", "/v1/accounts/00000000-0000-0000-0000-000000000001", "GET"),
        ("GET", "/v1/transfers", "POST"),
        ("PATCH", "/v1/keys", "GET, POST"),
        ("POST", "/openapi.json", "GET, HEAD"),
    ],
)
async def test_a_405_allows_every_method_served_on_the_path(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    r = await client.request(method, path)
    assert (r.status_code, r.headers["allow"]) == (405, allow)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer sr_" + "0" * 32 + "_x"]
)
async def test_requests_without_a_valid_key_are_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    r = await client.get("/v1/accounts", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["type"] == "urn:strongroom:problem:unauthenticated"


async def test_a_read_key_cannot_write(client: httpx.AsyncClient, reader: dict[str, str]) -> None:
    r = await client.post("/v1/accounts", json={"accounts": [account()]}, headers=reader)
    assert r.status_code == 403
    assert r.json()["type"] == "urn:strongroom:problem:permission_denied"
