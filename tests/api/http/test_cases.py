"""/v1/cases over a Platform's case service, on both backends: the maker-checker flow, its
refusals as problems, listing, and a dispute opened through /v1/intents."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings

PROBLEM = "urn:strongroom:problem:"


@pytest.fixture
async def platform(db_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    async with Platform(Settings(db_url=db_url, key_file=tmp_path / "keys")) as platform:
        yield platform


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    services = await platform.services()
    app = create_app(
        services.ledger_service, services.access, intents=services.intents, cases=services.cases
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def auth(platform: Platform, role: Role, owner: str, tenant: str = "acme") -> dict[str, str]:
    new = await (await platform.access()).create(tenant, role, owner)
    return {"Authorization": f"Bearer {new.token}"}


async def test_open_propose_approve_and_show_the_history(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    maker = await auth(platform, Role.WRITE, "alice")
    checker = await auth(platform, Role.ADMIN, "bob")
    body = {"kind": "review", "subject": "pay-1", "reference": "held-1", "reasons": ["big"]}
    opened = await client.post("/v1/cases", json=body, headers=maker)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["state"], case["version"], case["reasons"]) == ("open", 1, ["big"])
    again = await client.post("/v1/cases", json=body, headers=maker)
    assert (again.status_code, again.json()["id"]) == (200, case["id"])
    path = f"/v1/cases/{case['id']}"
    r = await client.post(f"{path}/assign", json={"assignee": "alice"}, headers=maker)
    assert r.json()["assignee"] == "alice"
    r = await client.post(f"{path}/notes", json={"text": "called"}, headers=maker)
    assert r.status_code == 200, r.text
    r = await client.post(
        f"{path}/propose",
        json={"proposal": "block", "reason": "listed", "expected_version": 3},
        headers=maker,
    )
    assert r.json()["state"] == "proposed"
    r = await client.post(f"{path}/approve", headers=checker)
    assert (r.status_code, r.json()["state"]) == (200, "blocked")
    shown = (await client.get(path, headers=maker)).json()
    assert [e["action"] for e in shown["events"]] == [
        "open",
        "assign",
        "note",
        "propose",
        "approve",
    ]
    listed = (await client.get("/v1/cases?state=blocked", headers=maker)).json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]
    assert listed["next_cursor"] is None


async def test_refusals_are_problems(platform: Platform, client: httpx.AsyncClient) -> None:
    maker = await auth(platform, Role.ADMIN, "alice")
    writer = await auth(platform, Role.WRITE, "carol")
    stranger = await auth(platform, Role.ADMIN, "mallory", tenant="globex")
    case = (
        await client.post("/v1/cases", json={"kind": "break", "subject": "x"}, headers=maker)
    ).json()
    path = f"/v1/cases/{case['id']}"
    await client.post(
        f"{path}/propose", json={"proposal": "release", "reason": "ok"}, headers=maker
    )
    own = await client.post(f"{path}/approve", json={}, headers=maker)
    assert (own.status_code, own.json()["type"]) == (403, PROBLEM + "maker_checker")
    role = await client.post(f"{path}/reject", json={"reason": "no"}, headers=writer)
    assert (role.status_code, role.json()["type"]) == (403, PROBLEM + "permission_denied")
    stale = await client.post(
        f"{path}/notes", json={"text": "late", "expected_version": 1}, headers=writer
    )
    assert (stale.status_code, stale.json()["type"]) == (409, PROBLEM + "version_conflict")
    hidden = await client.get(path, headers=stranger)
    assert hidden.status_code == 404
    bad = await client.post("/v1/cases", json={"kind": "audit", "subject": "x"}, headers=maker)
    assert bad.status_code == 422
    assert "kind" in bad.text
    assert (await client.get(f"/v1/cases/{uuid.uuid4()}", headers=maker)).status_code == 404


async def test_a_dispute_is_opened_through_the_intents_routes(
    platform: Platform, client: httpx.AsyncClient
) -> None:
    maker = await auth(platform, Role.WRITE, "alice")
    payload = {
        "original_transfer_id": str(uuid.uuid4()),
        "amount": 100,
        "customer_account_id": str(uuid.uuid4()),
        "provisional_account_id": str(uuid.uuid4()),
        "reason": "never arrived",
    }
    r = await client.post(
        "/v1/intents",
        json={"type": "compliance.dispute", "reference": "d-1", "payload": payload},
        headers=maker,
    )
    assert (r.status_code, r.json()["state"]) == (201, "opened")
    types = (await client.get("/v1/intent-types", headers=maker)).json()
    assert {"compliance.dispute", "compliance.case"} <= {t["name"] for t in types}
