from __future__ import annotations

import httpx

from strongroom.api.http import create_app
from strongroom.ids import new_id
from strongroom.ledger import BATCH_MAX
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from tests.api.helpers import account, transfer


async def _pair(client: httpx.AsyncClient, headers: dict[str, str]) -> tuple[str, str]:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=headers)
    return a["id"], b["id"]


async def test_one_result_per_transfer_in_order(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = await _pair(client, writer)
    ok = transfer(a, b, 10)
    batch = [ok, transfer(a, a, 10), transfer(a, b, 0), ok]
    r = await client.post("/v1/transfers", json={"transfers": batch}, headers=writer)
    assert r.status_code == 200
    assert [x["result"] for x in r.json()["results"]] == [
        "ok",
        "accounts_must_be_different",
        "amount_must_be_positive",
        "exists",
    ]
    assert [x["id"] for x in r.json()["results"]] == [t["id"] for t in batch]


async def test_show_a_transfer(client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    a, b = await _pair(client, writer)
    t = transfer(a, b, 7, flags=["pending"], timeout=60, metadata={"ref": "x"})
    await client.post("/v1/transfers", json={"transfers": [t]}, headers=writer)
    shown = (await client.get(f"/v1/transfers/{t['id']}", headers=writer)).json()
    assert shown["amount"] == 7
    assert shown["flags"] == ["pending"]
    assert shown["timeout"] == 60
    assert shown["tenant"] == "acme"
    assert shown["metadata"] == {"ref": "x"}
    assert shown["seq"] > 0
    assert shown["timestamp"] > 0
    post = {"id": transfer(a, b)["id"], "pending_id": t["id"], "flags": ["post_pending"]}
    r = await client.post("/v1/transfers", json={"transfers": [post]}, headers=writer)
    assert r.json()["results"][0]["result"] == "ok"


async def test_amounts_beyond_2_53_travel_as_strings_in_and_integers_out(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = await _pair(client, writer)
    big = 2**53 + 1
    t = transfer(a, b, str(big))
    r = await client.post("/v1/transfers", json={"transfers": [t]}, headers=writer)
    assert r.json()["results"][0]["result"] == "ok"
    raw = (await client.get(f"/v1/transfers/{t['id']}", headers=writer)).content
    assert f'"amount":{big}'.encode() in raw
    exact = transfer(a, b, 2**60)
    r = await client.post("/v1/transfers", json={"transfers": [exact]}, headers=writer)
    assert r.json()["results"][0]["result"] == "ok"
    shown = (await client.get(f"/v1/accounts/{b}", headers=writer)).json()
    assert shown["credits_posted"] == big + 2**60


async def test_a_batch_over_the_maximum_is_refused(
    service: LedgerService, keys: AccessService, writer: dict[str, str]
) -> None:
    over = [{"id": str(new_id())} for _ in range(BATCH_MAX + 1)]
    # The default body limit (8 MiB) lets the batch through to validation.
    transport = httpx.ASGITransport(app=create_app(service, keys))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        r = await client.post("/v1/transfers", json={"transfers": over}, headers=writer)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "transfers"


async def test_the_key_tenant_wins_over_a_body_tenant(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = await _pair(client, writer)
    r = await client.post(
        "/v1/transfers", json={"transfers": [transfer(a, b, tenant="globex")]}, headers=writer
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "transfers[0].tenant"
