"""A tenant cannot see or touch another tenant's data over HTTP: it gets 404, never 403."""

from __future__ import annotations

import httpx

from strongroom.services.access import AccessService, Role
from tests.api.conftest import bearer
from tests.api.helpers import account, transfer


async def test_another_tenant_sees_nothing_and_moves_nothing(
    client: httpx.AsyncClient, keys: AccessService, writer: dict[str, str]
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    t = transfer(a["id"], b["id"], 40)
    await client.post("/v1/transfers", json={"transfers": [t]}, headers=writer)

    globex = await bearer(keys, "globex", Role.ADMIN)
    for path in (
        f"/v1/accounts/{a['id']}",
        f"/v1/accounts/{a['id']}/transfers",
        f"/v1/accounts/{a['id']}/balances",
        f"/v1/transfers/{t['id']}",
    ):
        r = await client.get(path, headers=globex)
        assert r.status_code == 404, path
        assert r.json()["type"] == "urn:strongroom:problem:not_found"
    r = await client.post(
        f"/v1/accounts/{a['id']}/status", json={"status": "frozen"}, headers=globex
    )
    assert r.status_code == 404
    assert (await client.get("/v1/accounts", headers=globex)).json()["items"] == []

    mine, also_mine = account(), account()
    await client.post("/v1/accounts", json={"accounts": [mine, also_mine]}, headers=globex)
    steal = transfer(a["id"], mine["id"], 40)
    r = await client.post("/v1/transfers", json={"transfers": [steal]}, headers=globex)
    assert r.json()["results"][0]["result"] == "account_not_found"
    # Reusing acme's transfer id neither replays nor overwrites it.
    replay = {**t, "debit_account_id": mine["id"], "credit_account_id": also_mine["id"]}
    r = await client.post("/v1/transfers", json={"transfers": [replay]}, headers=globex)
    assert r.json()["results"][0]["result"].startswith("exists_with_different_")
    # An account id taken by acme cannot be created again by globex.
    r = await client.post("/v1/accounts", json={"accounts": [a]}, headers=globex)
    assert r.json()["results"][0]["result"] == "exists_with_different_tenant"

    shown = (await client.get(f"/v1/accounts/{a['id']}", headers=writer)).json()
    assert shown["debits_posted"] == 40
    assert shown["status"] == "open"


async def test_keys_are_managed_within_the_tenant(
    client: httpx.AsyncClient, keys: AccessService, admin: dict[str, str]
) -> None:
    r = await client.post("/v1/keys", json={"role": "read", "name": "dash"}, headers=admin)
    assert r.status_code == 201
    new = r.json()
    assert new["tenant"] == "acme"
    assert new["token"].startswith("sr_")
    listed = (await client.get("/v1/keys", headers=admin)).json()["items"]
    assert new["id"] in [k["id"] for k in listed]
    assert all("token" not in k for k in listed)
    globex = await bearer(keys, "globex", Role.ADMIN)
    assert (await client.delete(f"/v1/keys/{new['id']}", headers=globex)).status_code == 404
    assert (await client.delete(f"/v1/keys/{new['id']}", headers=admin)).json()["revoked_at"]
    r = await client.get("/v1/accounts", headers={"Authorization": f"Bearer {new['token']}"})
    assert r.status_code == 401
