"""/v1/billing on both backends: definitions put and versioned, usage ingested once, a cycle run
and its invoice shown as JSON, HTML and PDF, credited once; bad bodies as 422 naming the field;
roles; another tenant's invoice as 404."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_start
from strongroom.events.schemas import encode_batch
from strongroom.services.access import Role
from tests.api.http.test_banking_customers import auth
from tests.banking.conftest import Travel, key
from tests.billing.test_cycles import Books, travel
from tests.billing.test_invoice_pages import record

D = datetime.date
FLAT = {"currency": "SGD", "kind": "flat", "unit_price": "1"}
EVENT = {"id": str(uuid.uuid4()), "subject": "c", "metric": "m", "quantity": 1, "at": 0}


@pytest.fixture
def clock() -> Travel:
    traveller = Travel()
    traveller.to(D(2026, 12, 5))
    return traveller


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    await (await platform.intent_engine()).start()
    services = await platform.services()
    app = create_app(
        services.ledger_service, services.access, intents=services.intents, billing=services.billing
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def test_define_meter_invoice_render_and_credit(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    admin = await auth(platform, Role.ADMIN)
    books = Books(platform, await platform.billing(), await key(platform, Role.ADMIN, "billing"))
    await books.open()
    put = await client.put("/v1/billing/costs/standard", json=books.cost("35.00"), headers=admin)
    assert (put.status_code, put.json()["version"]) == (201, 2)
    same = await client.put("/v1/billing/costs/standard", json=books.cost("35.00"), headers=admin)
    assert (same.status_code, same.json()["version"]) == (200, 2)
    listed = await client.get("/v1/billing/costs", headers=admin)
    assert [d["id"] for d in listed.json()["items"]] == ["standard"]
    versions = await client.get("/v1/billing/costs/standard/versions", headers=admin)
    assert [d["version"] for d in versions.json()["items"]] == [1, 2]
    first = await client.get("/v1/billing/costs/standard?version=1", headers=admin)
    assert first.json()["body"]["recurring"][0]["amount"] == "31.00"
    await client.put("/v1/billing/configs/c-1", json=books.config(D(2026, 12, 5)), headers=admin)
    event = {
        "id": str(uuid.uuid4()),
        "subject": "c-1",
        "metric": "api_calls",
        "quantity": 350,
        "at": day_start(D(2026, 12, 10)),
    }
    writer = await auth(platform, Role.WRITE)
    ingested = await client.post("/v1/billing/usage", json={"events": [event]}, headers=writer)
    assert ingested.json() == {"received": 1, "stored": 1, "duplicates": 0}
    again = await client.post("/v1/billing/usage", json={"events": [event]}, headers=writer)
    assert again.json()["duplicates"] == 1
    preview = await client.get("/v1/billing/subjects/c-1/preview", headers=writer)
    assert preview.json()["period_start"] == "2026-12-01"
    balance = await client.get("/v1/billing/subjects/c-1/balance", headers=writer)
    assert balance.json()["credit"] == 1_000
    await travel(platform, D(2027, 1, 1))
    run = await client.post("/v1/billing/cycles", json={"date": "2027-01-01"}, headers=admin)
    assert run.status_code == 201, run.text
    await books_done(platform, uuid.UUID(run.json()["id"]))
    (invoice,) = (await client.get("/v1/billing/invoices?subject=c-1", headers=writer)).json()[
        "items"
    ]
    assert (invoice["status"], invoice["period_start"]) == ("posted", "2026-12-01")
    shown = await client.get(f"/v1/billing/invoices/{invoice['id']}", headers=writer)
    assert shown.json()["total"] == invoice["total"]
    html = await client.get(f"/v1/billing/invoices/{invoice['id']}/document", headers=writer)
    assert html.headers["content-type"].startswith("text/html")
    pdf = await client.get(
        f"/v1/billing/invoices/{invoice['id']}/document?format=pdf", headers=writer
    )
    assert pdf.content[:5] == b"%PDF-"
    other = await auth(platform, Role.ADMIN, tenant="other")
    hidden = await client.get(f"/v1/billing/invoices/{invoice['id']}", headers=other)
    assert hidden.status_code == 404
    denied = await client.post(
        f"/v1/billing/invoices/{invoice['id']}/credit-note", json={"reason": "x"}, headers=writer
    )
    assert denied.status_code == 403
    note = await client.post(
        f"/v1/billing/invoices/{invoice['id']}/credit-note", json={"reason": "sorry"}, headers=admin
    )
    assert note.status_code == 200, note.text
    assert note.json()["amount"] == invoice["total"]


async def books_done(platform: Platform, intent_id: uuid.UUID) -> None:
    intents = await platform.intents()
    for _ in range(1500):
        intent = await intents.store.get(intent_id)
        if intent is not None and intent.status.value == "done":
            assert intent.state == "posted", intent.error
            return
        await asyncio.sleep(0.01)
    raise AssertionError(intent_id)


async def test_bad_bodies_name_the_field(platform: Platform, client: httpx.AsyncClient) -> None:
    document = await client.get("/openapi.json")
    assert document.status_code == 200, document.text
    usage = document.json()["components"]["schemas"]["UsageEventIn"]["properties"]["quantity"]
    assert (usage["minimum"], usage["maximum"]) == (-(2**63 - 1), 2**63 - 1)
    admin = await auth(platform, Role.ADMIN)
    cases = [
        (
            "put",
            "/v1/billing/tiers/t",
            {"currency": "SGD", "kind": "flat", "unit_price": 1},
            "unit_price",
        ),
        (
            "put",
            "/v1/billing/tiers/T!",
            {"currency": "SGD", "kind": "flat", "unit_price": "1"},
            "id",
        ),
        ("put", "/v1/billing/rule-groups/r", {"metric": "m", "aggregation": "avg"}, "aggregation"),
        ("put", "/v1/billing/costs/c", {"currency": "SGD"}, "revenue_account"),
        ("post", "/v1/billing/usage", {"events": [{"id": "x"}]}, "events[0].id"),
        ("post", "/v1/billing/usage", {"events": [{**EVENT, "at": 2**63}]}, "events[0].at"),
        ("post", "/v1/billing/usage", {"events": [{**EVENT, "subject": "a\x00b"}]}, "subject"),
        ("get", "/v1/billing/configs/a%00b", None, "id"),
        ("get", "/v1/billing/subjects/a%00b/balance", None, "subject"),
        ("get", "/v1/billing/invoices?subject=a%00b", None, "subject"),
        ("get", "/v1/billing/invoices?cursor=W10", None, "cursor"),
        ("get", "/v1/billing/invoices?cursor=a%2Fb", None, "cursor"),
        ("get", "/v1/billing/invoices?limit=0", None, "limit"),
        ("get", "/v1/billing/invoices?limit=501", None, "limit"),
        ("post", "/v1/billing/cycles", {"date": "2026-02-30"}, "date"),
        ("post", "/v1/billing/cycles", {"date": "2099-01-01"}, "date"),
    ]
    for method, path, body, field in cases:
        answer = await client.request(method, path, json=body, headers=admin)
        assert answer.status_code == 422, (path, answer.text)
        assert field in answer.text, (path, answer.text)
    missing = await client.get("/v1/billing/subjects/nobody/preview", headers=admin)
    assert missing.status_code == 404
    reader = await auth(platform, Role.READ)
    denied = await client.put("/v1/billing/rule-groups/r", json={"metric": "m"}, headers=reader)
    assert denied.status_code == 403


async def test_invoices_come_a_page_at_a_time(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    reader = await auth(platform, Role.READ)
    made = [record(f"s{n}", start) for start in ("2026-10-01", "2026-11-01") for n in range(3)]
    await (await platform.billing_store()).add_invoices(made, [], encode_batch([]))
    pages: list[list[str]] = []
    query: dict[str, str | int] = {"limit": 4}
    for _ in range(3):
        answer = (await client.get("/v1/billing/invoices", params=query, headers=reader)).json()
        pages.append([f"{i['period_start']} {i['subject']}" for i in answer["items"]])
        if answer["next_cursor"] is None:
            break
        query["cursor"] = answer["next_cursor"]
    assert pages == [
        ["2026-10-01 s0", "2026-10-01 s1", "2026-10-01 s2", "2026-11-01 s0"],
        ["2026-11-01 s1", "2026-11-01 s2"],
    ]
