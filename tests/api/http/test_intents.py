"""/v1/intents, /v1/intent-types and /v1/intent-schedules over a Platform's intent service, on
both backends. The engine runs only where a test starts it: an intent it does not run stays in
its initial state, for the tests of events, cancels and retries."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import AccessService, Role
from strongroom.settings import Settings
from tests.api.conftest import bearer
from tests.workflows.conftest import open_accounts

#: Every intent type a Platform registers, by name.
ALL_TYPES = [
    "banking.account.close",
    "banking.account.open",
    "banking.card.authorisation",
    "banking.card.capture",
    "banking.card.release",
    "banking.charges.monthly",
    "banking.customer.verify",
    "banking.deposit.multipart",
    "banking.deposit.part",
    "banking.fx.convert",
    "banking.interest.accrue",
    "banking.payment.deposit",
    "banking.payment.internal",
    "banking.payment.refund",
    "banking.pot.close",
    "banking.pot.move",
    "banking.reconciliation.run",
    "banking.settlement.eod",
    "billing.cycle.run",
    "compliance.case",
    "compliance.dispute",
    "ledger.transfer",
]


@pytest.fixture
async def platform(db_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    settings = Settings(
        db_url=db_url, key_file=tmp_path / "keys", intent_lease=2.0, intent_poll_interval=0.02
    )
    async with Platform(settings) as platform:
        yield platform


@pytest.fixture
async def keys(platform: Platform) -> AccessService:
    return await platform.access()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    services = await platform.services()
    app = create_app(services.ledger_service, services.access, intents=services.intents)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


def transfer(debit: uuid.UUID, credit: uuid.UUID, amount: int = 100) -> dict[str, Any]:
    return {
        "debit_account_id": str(debit),
        "credit_account_id": str(credit),
        "amount": amount,
        "ledger": "EUR",
        "code": 1,
    }


def submission(reference: str = "pay-1", **payload: Any) -> dict[str, Any]:
    body = transfer(uuid.uuid4(), uuid.uuid4()) | payload
    return {"type": "ledger.transfer", "reference": reference, "payload": body}


async def test_a_submitted_transfer_runs_to_settled_and_shows_its_history(
    client: httpx.AsyncClient, platform: Platform, writer: dict[str, str]
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    await (await platform.intent_engine()).start()
    body = {"type": "ledger.transfer", "reference": "pay-1", "payload": transfer(funding, alice)}
    r = await client.post("/v1/intents", json=body, headers=writer)
    assert r.status_code == 201, r.text
    intent = r.json()
    assert (intent["type"], intent["reference"], intent["actor"]) == (
        "ledger.transfer",
        "pay-1",
        intent["actor"],
    )
    for _ in range(200):
        shown = (await client.get(f"/v1/intents/{intent['id']}", headers=writer)).json()
        if shown["state"] == "settled":
            break
        await asyncio.sleep(0.02)
    assert shown["status"] == "done"
    assert [t["to_state"] for t in shown["transitions"]] == [
        "initiated",
        "checked",
        "reserved",
        "posted",
        "settled",
    ]
    assert [s["step"] for s in shown["steps"]] == ["check", "reserve", "post", "notify"]
    assert {s["outcome"] for s in shown["steps"]} == {"ok"}
    assert shown["children"] == []

    again = await client.post("/v1/intents", json=body, headers=writer)
    assert again.status_code == 200
    assert again.json()["id"] == intent["id"]


async def test_another_payload_under_a_used_reference_is_a_conflict(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    assert (await client.post("/v1/intents", json=submission(), headers=writer)).status_code == 201
    r = await client.post("/v1/intents", json=submission(), headers=writer)
    assert r.status_code == 409
    assert r.json()["type"] == "urn:strongroom:problem:reference_conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "no.such", "reference": "r", "payload": {}}, "type"),
        ({**submission(), "reference": ""}, "reference"),
        ({**submission(), "payload": {"amount": 1}}, "payload"),
        ({**submission(), "payload": [1]}, "payload"),
        ({**submission(), "extra": 1}, "extra"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(
    client: httpx.AsyncClient, writer: dict[str, str], body: dict[str, Any], field: str
) -> None:
    r = await client.post("/v1/intents", json=body, headers=writer)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    (error,) = r.json()["errors"]
    assert error["field"] == field or error["field"].startswith(field + ".")


async def test_roles_and_tenants(
    client: httpx.AsyncClient,
    keys: AccessService,
    reader: dict[str, str],
    writer: dict[str, str],
) -> None:
    r = await client.post("/v1/intents", json=submission(), headers=reader)
    assert r.status_code == 403
    intent = (await client.post("/v1/intents", json=submission(), headers=writer)).json()
    assert (await client.get(f"/v1/intents/{intent['id']}", headers=reader)).status_code == 200
    cancel = await client.post(f"/v1/intents/{intent['id']}/cancel", headers=writer)
    assert cancel.status_code == 403
    other = await bearer(keys, "globex", Role.ADMIN)
    assert (await client.get(f"/v1/intents/{intent['id']}", headers=other)).status_code == 404
    r = await client.post(f"/v1/intents/{intent['id']}/cancel", headers=other)
    assert r.status_code == 404
    assert (await client.get("/v1/intents", headers=other)).json()["items"] == []
    assert (await client.get("/v1/intents")).status_code == 401


async def test_events_cancel_and_retry(
    client: httpx.AsyncClient, writer: dict[str, str], admin: dict[str, str]
) -> None:
    first = (await client.post("/v1/intents", json=submission("a"), headers=writer)).json()
    path = f"/v1/intents/{first['id']}"
    illegal = await client.post(f"{path}/events", json={"event": "posted"}, headers=writer)
    assert illegal.status_code == 409
    problem = illegal.json()
    assert problem["type"] == "urn:strongroom:problem:illegal_transition"
    assert "'posted'" in problem["detail"]
    assert "'initiated'" in problem["detail"]
    stale = await client.post(
        f"{path}/events", json={"event": "fail", "expected_version": 7}, headers=writer
    )
    assert stale.json()["type"] == "urn:strongroom:problem:version_conflict"

    failed = await client.post(
        f"{path}/events", json={"event": "fail", "reason": "by hand"}, headers=writer
    )
    assert failed.status_code == 200
    assert (failed.json()["state"], failed.json()["status"]) == ("failed", "done")
    retried = await client.post(f"{path}/retry", headers=admin)
    assert retried.status_code == 200
    assert (retried.json()["state"], retried.json()["run"]) == ("initiated", 1)

    second = (await client.post("/v1/intents", json=submission("b"), headers=writer)).json()
    cancelled = await client.post(
        f"/v1/intents/{second['id']}/cancel", json={"reason": "changed my mind"}, headers=admin
    )
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["error"]) == (
        "cancelled",
        "changed my mind",
    )
    again = await client.post(f"/v1/intents/{second['id']}/cancel", headers=admin)
    assert again.status_code == 409
    not_failed = await client.post(f"/v1/intents/{second['id']}/retry", headers=admin)
    assert not_failed.status_code == 409


async def test_listing_pages_and_filters(client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    ids = [
        (await client.post("/v1/intents", json=submission(f"r{n}"), headers=writer)).json()["id"]
        for n in range(3)
    ]
    page = (await client.get("/v1/intents?limit=2", headers=writer)).json()
    assert [i["id"] for i in page["items"]] == ids[:0:-1]
    rest = await client.get(f"/v1/intents?limit=2&cursor={page['next_cursor']}", headers=writer)
    assert [i["id"] for i in rest.json()["items"]] == ids[:1]
    assert rest.json()["next_cursor"] is None
    done = await client.get("/v1/intents?status=done", headers=writer)
    assert done.json()["items"] == []
    bad = await client.get("/v1/intents?status=nope", headers=writer)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"


async def test_a_type_owned_by_a_service_or_an_admin_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, writer: dict[str, str], admin: dict[str, str]
) -> None:
    account = str(uuid.uuid4())
    payment = {
        "type": "banking.payment.internal",
        "reference": "p-1",
        "payload": {
            "debit_account_id": account,
            "credit_account_id": str(uuid.uuid4()),
            "amount": 100,
            "currency": "SGD",
            "customer": str(uuid.uuid4()),
        },
    }
    for headers in (writer, admin):
        r = await client.post("/v1/intents", json=payment, headers=headers)
        assert r.status_code == 422, r.text
        (error,) = r.json()["errors"]
        assert error["field"] == "type"
        assert "POST /v1/banking/payments" in error["reason"]
    schedule = {"type": "banking.payment.internal", "spec": "every 1h", **payment}
    del schedule["reference"]
    r = await client.put("/v1/intent-schedules/pay", json=schedule, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "type"
    day = {"type": "banking.settlement.eod", "reference": "eod-1"}
    eod = day | {"payload": {"currency": "SGD", "date": "2026-01-02"}}
    assert (await client.post("/v1/intents", json=eod, headers=writer)).status_code == 403
    assert (await client.get("/v1/intents", headers=admin)).json()["items"] == []
    assert (await client.get("/v1/intent-schedules", headers=admin)).json()["items"] == []


async def test_types_graphs_and_schedules(
    client: httpx.AsyncClient, reader: dict[str, str], writer: dict[str, str], admin: dict[str, str]
) -> None:
    types = {t["name"]: t for t in (await client.get("/v1/intent-types", headers=reader)).json()}
    assert sorted(types) == ALL_TYPES
    kind = types["ledger.transfer"]
    assert kind["initial"] == "initiated"
    assert kind["terminal"] == ["cancelled", "failed", "settled"]
    mermaid = await client.get("/v1/intent-types/ledger.transfer/graph", headers=reader)
    assert mermaid.headers["content-type"].startswith("text/plain")
    assert mermaid.text.startswith("stateDiagram-v2")
    dot = await client.get("/v1/intent-types/ledger.transfer/graph?format=dot", headers=reader)
    assert dot.text.startswith("digraph")
    missing = await client.get("/v1/intent-types/no.such/graph", headers=reader)
    assert missing.status_code == 404

    schedule = {"type": "ledger.transfer", "spec": "every 1h", "payload": submission()["payload"]}
    refused = await client.put("/v1/intent-schedules/hourly", json=schedule, headers=writer)
    assert refused.status_code == 403
    put = await client.put("/v1/intent-schedules/hourly", json=schedule, headers=admin)
    assert put.status_code == 200, put.text
    assert put.json()["next_at"] is not None
    bad = await client.put(
        "/v1/intent-schedules/x", json={**schedule, "spec": "whenever"}, headers=admin
    )
    assert bad.json()["errors"][0]["field"] == "spec"
    listed = (await client.get("/v1/intent-schedules", headers=reader)).json()["items"]
    assert [s["name"] for s in listed] == ["hourly"]
    assert (await client.delete("/v1/intent-schedules/hourly", headers=admin)).status_code == 204
    gone = await client.delete("/v1/intent-schedules/hourly", headers=admin)
    assert gone.status_code == 404


#: The types submitted through /v1/intents; the others go through their own operations.
GENERIC_TYPES = [
    "banking.charges.monthly",
    "banking.interest.accrue",
    "banking.settlement.eod",
    "billing.cycle.run",
    "compliance.case",
    "compliance.dispute",
    "ledger.transfer",
]


async def test_the_openapi_document_lists_the_types_submitted_through_intents(
    client: httpx.AsyncClient,
) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for body in ("SubmitIntent", "ScheduleIn"):
        names = [v["properties"]["type"]["enum"] for v in schemas[body]["oneOf"]]
        assert names == [[name] for name in GENERIC_TYPES]
