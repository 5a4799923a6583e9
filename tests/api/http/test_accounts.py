from __future__ import annotations

import httpx

from strongroom.ids import new_id
from tests.api.helpers import account, transfer


async def test_create_then_show_an_account(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a = account(flags=["debits_must_not_exceed_credits"], overdraft_limit=500, metadata={"n": 1})
    r = await client.post("/v1/accounts", json={"accounts": [a]}, headers=writer)
    assert r.status_code == 200
    assert r.json() == {"results": [{"index": 0, "id": a["id"], "result": "ok"}]}
    again = await client.post("/v1/accounts", json={"accounts": [a]}, headers=writer)
    assert again.json()["results"][0]["result"] == "exists"
    shown = (await client.get(f"/v1/accounts/{a['id']}", headers=writer)).json()
    assert shown["tenant"] == "acme"
    assert shown["flags"] == ["debits_must_not_exceed_credits"]
    assert shown["overdraft_limit"] == 500
    assert shown["metadata"] == {"n": 1}
    assert shown["status"] == "open"
    assert shown["credits_posted"] == 0


async def test_ledger_result_codes_come_back_per_account(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    good, bad_ledger, bad_code = account(), account(ledger="XYZ"), account(code=0)
    r = await client.post(
        "/v1/accounts", json={"accounts": [good, bad_ledger, bad_code]}, headers=writer
    )
    assert [x["result"] for x in r.json()["results"]] == [
        "ok",
        "ledger_unknown",
        "code_must_not_be_zero",
    ]


async def test_listing_pages_with_a_cursor_and_filters(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    made = [account(code=1 + n % 2) for n in range(5)]
    await client.post("/v1/accounts", json={"accounts": made}, headers=writer)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/accounts", params=params, headers=writer)).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(a["id"] for a in made)
    twos = (await client.get("/v1/accounts", params={"code": 2}, headers=writer)).json()
    assert {a["id"] for a in twos["items"]} == {a["id"] for a in made if a["code"] == 2}
    # Codes end at 65535: a larger filter is refused (PostgreSQL's INTEGER column made it a 500).
    for code in (65536, 2**31):
        r = await client.get("/v1/accounts", params={"code": code}, headers=writer)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "code")


async def test_an_accounts_transfers_and_point_in_time_balances(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = account(flags=["history"]), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    transfers = [transfer(b["id"], a["id"], amount) for amount in (100, 250, 50)]
    await client.post("/v1/transfers", json={"transfers": transfers}, headers=writer)
    listed = (await client.get(f"/v1/accounts/{a['id']}/transfers", headers=writer)).json()
    assert [t["amount"] for t in listed["items"]] == [100, 250, 50]
    credits = await client.get(
        f"/v1/accounts/{a['id']}/transfers", params={"direction": "debits"}, headers=writer
    )
    assert credits.json()["items"] == []
    history = (await client.get(f"/v1/accounts/{a['id']}/balances", headers=writer)).json()
    assert [h["credits_posted"] for h in history["items"]] == [100, 350, 400]
    second = history["items"][1]
    at = await client.get(
        f"/v1/accounts/{a['id']}/balances",
        params={"timestamp_max": second["timestamp"], "reverse": "true", "limit": 1},
        headers=writer,
    )
    assert at.json()["items"] == [second]


async def test_an_accounts_transfers_page_with_a_cursor(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    transfers = [transfer(b["id"], a["id"], amount) for amount in (1, 2, 3)]
    await client.post("/v1/transfers", json={"transfers": transfers}, headers=writer)
    path = f"/v1/accounts/{a['id']}/transfers"
    first = (await client.get(path, params={"limit": 2}, headers=writer)).json()
    rest = await client.get(path, params={"cursor": first["next_cursor"]}, headers=writer)
    assert [t["amount"] for t in first["items"] + rest.json()["items"]] == [1, 2, 3]
    # The published pattern: 8 bytes of base64url below 2**63; above it, a 422 (it was a 500).
    for cursor in ("gAAAAAAAAAA", "AAAAAAAAAAA=", "AAAAAAAAAA"):
        r = await client.get(path, params={"cursor": cursor}, headers=writer)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "cursor")


async def test_unknown_account_is_404(client: httpx.AsyncClient, reader: dict[str, str]) -> None:
    for path in ("", "/transfers", "/balances"):
        r = await client.get(f"/v1/accounts/{new_id()}{path}", headers=reader)
        assert r.status_code == 404
        assert r.json()["type"] == "urn:strongroom:problem:not_found"


async def test_admin_freezes_an_account_and_transfers_then_fail(
    client: httpx.AsyncClient, writer: dict[str, str], admin: dict[str, str]
) -> None:
    a, b = account(), account()
    await client.post("/v1/accounts", json={"accounts": [a, b]}, headers=writer)
    refused = await client.post(
        f"/v1/accounts/{a['id']}/status", json={"status": "frozen"}, headers=writer
    )
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:strongroom:problem:permission_denied"
    frozen = await client.post(
        f"/v1/accounts/{a['id']}/status", json={"status": "frozen"}, headers=admin
    )
    assert frozen.json()["status"] == "frozen"
    r = await client.post(
        "/v1/transfers", json={"transfers": [transfer(a["id"], b["id"])]}, headers=writer
    )
    assert r.json()["results"][0]["result"] == "account_frozen"
