"""/v1/banking/customers and /v1/banking/accounts on both backends: onboard, find, open, show,
freeze, close; beneficiaries (null once their customer is erased); bad bodies as 422 naming the
field; another tenant's customer as 404."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from tests.banking.conftest import PERSON, Bank, bank  # noqa: F401 (the fixture)


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


async def auth(platform: Platform, role: Role, tenant: str = "acme") -> dict[str, str]:
    new = await (await platform.access()).create(tenant, role, "staff")
    return {"Authorization": f"Bearer {new.token}"}


async def test_onboard_find_open_freeze_and_close(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    writer = await auth(platform, Role.WRITE)
    body = {"reference": "web-1", **PERSON, "email": "web@example.com"}
    made = await client.post("/v1/banking/customers", json=body, headers=writer)
    assert made.status_code == 201, made.text
    customer = made.json()
    assert (customer["kyc_status"], customer["person"]["full_name"]) == ("pending", "Tan Ah Kow")
    again = await client.post("/v1/banking/customers", json=body, headers=writer)
    assert (again.status_code, again.json()["id"]) == (200, customer["id"])
    for _ in range(500):
        shown = await client.get(f"/v1/banking/customers/{customer['id']}", headers=writer)
        if shown.json()["kyc_status"] != "pending":
            break
    assert shown.json()["kyc_status"] == "verified"
    found = await client.get("/v1/banking/customers?email=WEB@example.com", headers=writer)
    assert [c["id"] for c in found.json()["items"]] == [customer["id"]]
    opening = await client.post(
        f"/v1/banking/customers/{customer['id']}/accounts",
        json={"reference": "acc-web", "currency": "SGD", "product": "everyday"},
        headers=writer,
    )
    assert opening.status_code == 201, opening.text
    account_id = opening.json()["account_id"]
    await bank.done(uuid.UUID(opening.json()["intent"]["id"]))
    account = (await client.get(f"/v1/banking/accounts/{account_id}", headers=writer)).json()
    assert (account["status"], account["balance"], account["product"]) == ("open", 0, "everyday")
    frozen = await client.put(
        f"/v1/banking/accounts/{account_id}/status",
        json={"status": "frozen", "reason": "lost card"},
        headers=writer,
    )
    assert frozen.json()["status"] == "frozen"
    closing = await client.post(
        f"/v1/banking/accounts/{account_id}/closure", json={"reference": "c"}, headers=writer
    )
    assert closing.status_code == 201, closing.text
    await bank.done(uuid.UUID(closing.json()["id"]))
    listed = await client.get(f"/v1/banking/customers/{customer['id']}/accounts", headers=writer)
    assert [a["status"] for a in listed.json()["items"]] == ["closed"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
        ({"nationality": "Singapore"}, "nationality"),
        ({"reference": ""}, "reference"),
        ({"extra": 1}, "extra"),
    ],
)
async def test_a_bad_onboarding_is_a_422_naming_the_field(
    platform: Platform, client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    writer = await auth(platform, Role.WRITE)
    r = await client.post(
        "/v1/banking/customers", json={"reference": "x", **PERSON, **change}, headers=writer
    )
    assert r.status_code == 422, r.text
    assert field in r.text


async def test_other_tenants_and_readers_are_kept_out(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    customer = await bank.customer()
    stranger = await auth(platform, Role.ADMIN, tenant="other")
    reader = await auth(platform, Role.READ)
    assert (
        await client.get(f"/v1/banking/customers/{customer}", headers=stranger)
    ).status_code == 404
    assert (
        await client.get(f"/v1/banking/customers/{customer}", headers=reader)
    ).status_code == 200
    r = await client.post(
        "/v1/banking/customers", json={"reference": "r", **PERSON}, headers=reader
    )
    assert r.status_code == 403
    r = await client.put(
        f"/v1/banking/customers/{customer}/risk",
        json={"risk_rating": "high", "reason": "x"},
        headers=await auth(platform, Role.WRITE),
    )
    assert r.status_code == 403


async def test_a_statement_as_json_csv_and_pdf(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    reader = await auth(platform, Role.READ)
    a = await bank.customer_account(funded=4_200)
    today = datetime.datetime.now(datetime.UTC).date()
    period = f"from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=2)}"
    path = f"/v1/banking/accounts/{a}/statement?{period}"
    shown = (await client.get(path, headers=reader)).json()
    assert (shown["opening"], shown["closing"], len(shown["movements"])) == (0, 4_200, 1)
    as_csv = await client.get(path + "&format=csv", headers=reader)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "closing balance" in as_csv.text
    as_pdf = await client.get(path + "&format=pdf", headers=reader)
    assert (as_pdf.headers["content-type"], as_pdf.content[:5]) == ("application/pdf", b"%PDF-")
    stranger = await auth(platform, Role.ADMIN, tenant="other")
    assert (await client.get(path, headers=stranger)).status_code == 404
    bad = await client.get(
        f"/v1/banking/accounts/{a}/statement?from=yesterday&to=x", headers=reader
    )
    assert bad.status_code == 422


async def test_a_pot_is_filled_closed_and_hidden_from_another_tenant(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    writer = await auth(platform, Role.WRITE)
    account = await bank.customer_account(funded=5_000)
    made = await client.post(
        f"/v1/banking/accounts/{account}/pots",
        json={"reference": "p1", "name": "Rainy day", "goal": 10_000},
        headers=writer,
    )
    assert made.status_code == 201, made.text
    pot = made.json()["id"]
    moving = await client.post(
        f"/v1/banking/pots/{pot}/moves",
        json={"reference": "m1", "amount": 1_200, "direction": "in"},
        headers=writer,
    )
    await bank.done(uuid.UUID(moving.json()["id"]))
    other = await auth(platform, Role.WRITE, tenant="other")
    hidden = await client.post(
        f"/v1/banking/pots/{pot}/closure", json={"reference": "c"}, headers=other
    )
    assert hidden.status_code == 404
    closing = await client.post(
        f"/v1/banking/pots/{pot}/closure", json={"reference": "c"}, headers=writer
    )
    assert closing.status_code == 201, closing.text
    assert (await bank.done(uuid.UUID(closing.json()["id"]))).state == "closed"
    shown = (await client.get(f"/v1/banking/pots/{pot}", headers=writer)).json()
    assert (shown["status"], shown["balance"]) == ("closed", 0)
    assert (await bank.balances(account))[0] == 5_000
    blank = await client.post(
        f"/v1/banking/pots/{pot}/closure", json={"reference": ""}, headers=writer
    )
    assert blank.status_code == 422


async def test_a_beneficiary_is_added_listed_and_reads_null_once_its_customer_is_erased(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    admin = await auth(platform, Role.ADMIN)
    customer = await bank.customer()
    path = f"/v1/banking/customers/{customer}/beneficiaries"
    payee = {"reference": "b-1", "name": "Müller GmbH", "currency": "SGD"}
    bad = await client.post(path, json={**payee, "iban": "DE00 0000"}, headers=admin)
    assert bad.status_code == 422, bad.text
    assert "iban" in bad.text
    made = await client.post(
        path, json={**payee, "iban": "DE89 3704 0044 0532 0130 00"}, headers=admin
    )
    assert made.status_code == 201, made.text
    assert (made.json()["name"], made.json()["account"]) == (
        "Müller GmbH",
        "DE89370400440532013000",
    )
    erased = await client.post(
        f"/v1/banking/customers/{customer}/erasure", json={"reason": "asked"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    (listed,) = (await client.get(path, headers=admin)).json()["items"]
    assert (listed["id"], listed["name"], listed["account"]) == (made.json()["id"], None, None)
    shown = await client.get(f"/v1/banking/beneficiaries/{listed['id']}", headers=admin)
    assert (shown.status_code, shown.json()["name"]) == (200, None)
