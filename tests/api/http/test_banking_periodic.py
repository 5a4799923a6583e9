"""/v1/banking/interest-accruals, /v1/banking/monthly-charges and /v1/banking/schedules on both
backends: admin only, asked twice answering the same intent, bad days and months as 422 naming
the field, a schedule listed with the intent engine's."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of
from strongroom.services.access import Role
from tests.api.http.test_banking_customers import auth
from tests.banking.conftest import Bank, bank  # noqa: F401 (the fixture)


@pytest.fixture
async def client(
    platform: Platform,
    bank: Bank,  # noqa: F811
) -> AsyncIterator[httpx.AsyncClient]:
    services = await platform.services()
    app = create_app(
        services.ledger_service, services.access, intents=bank.intents, banking=bank.banking
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def test_runs_are_asked_for_once_and_scheduled(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    admin = await auth(platform, Role.ADMIN)
    today = day_of(platform.clock.now_ns())
    body = {"date": today.isoformat()}
    first = await client.post("/v1/banking/interest-accruals", json=body, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["type"] == "banking.interest.accrue"
    again = await client.post("/v1/banking/interest-accruals", json=body, headers=admin)
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    done = await bank.done(uuid.UUID(first.json()["id"]))
    assert done.state == "accrued"
    charged = await client.post(
        "/v1/banking/monthly-charges", json={"month": f"{today:%Y-%m}"}, headers=admin
    )
    assert charged.status_code == 201, charged.text
    assert (await bank.done(uuid.UUID(charged.json()["id"]))).state == "charged"
    spec = "every 1d from 2026-01-01T00:05:00Z"
    put = await client.put("/v1/banking/schedules/interest", json={"spec": spec}, headers=admin)
    assert put.status_code == 200, put.text
    assert (put.json()["name"], put.json()["type"]) == (
        "banking:interest",
        "banking.interest.accrue",
    )
    listed = await client.get("/v1/intent-schedules", headers=admin)
    assert [s["name"] for s in listed.json()["items"]] == ["banking:interest"]


async def test_bad_days_months_and_roles_are_refused(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    admin = await auth(platform, Role.ADMIN)
    later = day_of(platform.clock.now_ns()) + datetime.timedelta(days=40)
    cases = [
        ("/v1/banking/interest-accruals", {"date": later.isoformat()}, "date"),
        ("/v1/banking/interest-accruals", {"date": "2026-02-30"}, "date"),
        ("/v1/banking/monthly-charges", {"month": f"{later:%Y-%m}"}, "month"),
        ("/v1/banking/monthly-charges", {"month": "2026-00"}, "month"),
        ("/v1/banking/monthly-charges", {"month": 202601}, "month"),
    ]
    for path, body, field in cases:
        refused = await client.post(path, json=body, headers=admin)
        assert refused.status_code == 422, (body, refused.text)
        assert field in refused.text
    bad = await client.put("/v1/banking/schedules/interest", json={"spec": "hourly"}, headers=admin)
    assert bad.status_code == 422
    unknown = await client.put(
        "/v1/banking/schedules/fees", json={"spec": "every 1d"}, headers=admin
    )
    assert unknown.status_code == 422
    writer = await auth(platform, Role.WRITE)
    denied = await client.post(
        "/v1/banking/interest-accruals",
        json={"date": later.isoformat()},
        headers=writer,
    )
    assert denied.status_code == 403
    assert (await client.get("/v1/intents?type=banking.interest.accrue", headers=admin)).json()[
        "items"
    ] == []
