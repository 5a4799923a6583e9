"""/v1/banking/payments on both backends: a payment paid, retried and shown with its timeline,
a refund, bad bodies as 422 naming the field, and another tenant's payment as a 404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from strongroom.api.http import create_app
from strongroom.bench.sample_bank import PRODUCTS
from strongroom.bootstrap.platform import Platform
from strongroom.products import parse_product
from strongroom.services.access import Role
from tests.banking.conftest import Bank, bank  # noqa: F401 (the fixture)

PROBLEM = "urn:strongroom:problem:"


@pytest.fixture
async def client(
    platform: Platform,
    bank: Bank,  # noqa: F811
) -> AsyncIterator[httpx.AsyncClient]:
    services = await platform.services()
    app = create_app(
        services.ledger_service,
        services.access,
        intents=bank.intents,
        banking=bank.banking,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


async def auth(platform: Platform, role: Role, owner: str, tenant: str = "acme") -> dict[str, str]:
    new = await (await platform.access()).create(tenant, role, owner)
    return {"Authorization": f"Bearer {new.token}"}


async def test_pay_retry_show_and_refund(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    writer = await auth(platform, Role.WRITE, "wes")
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    body = {
        "reference": "inv-1",
        "debit_account_id": str(a),
        "credit_account_id": str(b),
        "amount": 2_500,
        "currency": "SGD",
        "description": "invoice 1",
    }
    paid = await client.post("/v1/banking/payments", json=body, headers=writer)
    assert paid.status_code == 201, paid.text
    payment = paid.json()
    assert (payment["amount"], payment["description"]) == (2_500, "invoice 1")
    again = await client.post("/v1/banking/payments", json=body, headers=writer)
    assert (again.status_code, again.json()["id"]) == (200, payment["id"])
    other = await client.post(
        "/v1/banking/payments", json={**body, "amount": 2_501}, headers=writer
    )
    assert (other.status_code, other.json()["type"]) == (409, PROBLEM + "reference_conflict")
    await bank.done(uuid.UUID(payment["id"]))
    shown = (await client.get(f"/v1/banking/payments/{payment['id']}", headers=writer)).json()
    assert (shown["state"], shown["status"], shown["fees"]) == ("settled", "settled", 0)
    assert [t["to_state"] for t in shown["transitions"]][-1] == "settled"
    assert shown["decision"]["outcome"] == "allow"
    refund = await client.post(
        f"/v1/banking/payments/{payment['id']}/refunds",
        json={"reference": "r-1", "amount": 500, "reason": "damaged"},
        headers=writer,
    )
    assert refund.status_code == 201, refund.text
    await bank.done(uuid.UUID(refund.json()["id"]))
    shown = (await client.get(f"/v1/banking/payments/{payment['id']}", headers=writer)).json()
    assert (shown["status"], shown["refunded"]) == ("partially_refunded", 500)
    listed = (await client.get(f"/v1/banking/payments?account={a}", headers=writer)).json()
    assert [p["id"] for p in listed["items"]] == [payment["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"currency": "SG"}, "currency"),
        ({"reference": "a\x01b"}, "reference"),
        ({"debit_account_id": "x"}, "debit_account_id"),
        ({"extra": True}, "extra"),
    ],
)
async def test_a_bad_body_is_a_422_naming_the_field(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
    change: dict[str, object],
    field: str,
) -> None:
    writer = await auth(platform, Role.WRITE, "wes")
    a = await bank.customer_account(funded=10_000)
    body = {
        "reference": "bad",
        "debit_account_id": str(a),
        "credit_account_id": str(uuid.uuid4()),
        "amount": 100,
        "currency": "SGD",
        **change,
    }
    r = await client.post("/v1/banking/payments", json=body, headers=writer)
    assert r.status_code == 422, r.text
    assert field in r.text
    assert (await client.get("/v1/banking/payments", headers=writer)).json()["items"] == []


async def test_other_tenants_and_readers_are_kept_out(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    writer = await auth(platform, Role.WRITE, "wes")
    reader = await auth(platform, Role.READ, "rae")
    stranger = await auth(platform, Role.ADMIN, "sly", tenant="other")
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    body = {
        "reference": "p",
        "debit_account_id": str(a),
        "credit_account_id": str(b),
        "amount": 100,
        "currency": "SGD",
    }
    assert (await client.post("/v1/banking/payments", json=body, headers=reader)).status_code == 403
    assert (
        await client.post("/v1/banking/payments", json=body, headers=stranger)
    ).status_code == 404
    paid = (await client.post("/v1/banking/payments", json=body, headers=writer)).json()
    path = f"/v1/banking/payments/{paid['id']}"
    assert (await client.get(path, headers=reader)).status_code == 200
    assert (await client.get(path, headers=stranger)).status_code == 404
    refund = {"reference": "r", "amount": 1, "reason": "x"}
    assert (await client.post(f"{path}/refunds", json=refund, headers=stranger)).status_code == 404


async def test_deposits_whole_and_in_parts_and_a_card_hold_captured(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    writer = await auth(platform, Role.WRITE, "wes")
    a = await bank.customer_account()
    body = {
        "reference": "dep-1",
        "account_id": str(a),
        "amount": 5_000,
        "currency": "SGD",
        "sender": {"name": "Acme", "country": "SG"},
    }
    made = await client.post("/v1/banking/deposits", json=body, headers=writer)
    assert made.status_code == 201, made.text
    await bank.done(uuid.UUID(made.json()["id"]))
    shown = await client.get(f"/v1/banking/deposits/{made.json()['id']}", headers=writer)
    assert shown.json()["state"] == "settled"
    whole = await client.post(
        "/v1/banking/multipart-deposits",
        json={
            "reference": "m-1",
            "account_id": str(a),
            "amount": 300,
            "currency": "SGD",
            "expires_in": 3600,
        },
        headers=writer,
    )
    assert whole.status_code == 201, whole.text
    whole_id = uuid.UUID(whole.json()["id"])
    await bank.until(whole_id, lambda i: i.state == "collecting")
    for n in range(3):
        part = await client.post(
            f"/v1/banking/multipart-deposits/{whole_id}/parts",
            json={"reference": f"part-{n}", "amount": 100},
            headers=writer,
        )
        assert part.status_code == 201, part.text
        await bank.done(uuid.UUID(part.json()["id"]))
    assert (await bank.done(whole_id)).state == "completed"
    hold = await client.post(
        "/v1/banking/cards/authorisations",
        json={
            "reference": "auth-1",
            "account_id": str(a),
            "amount": 1_000,
            "currency": "SGD",
            "merchant": {"name": "Kopi", "category": "5814"},
        },
        headers=writer,
    )
    assert hold.status_code == 201, hold.text
    hold_id = uuid.UUID(hold.json()["id"])
    await bank.until(hold_id, lambda i: i.state == "held")
    captured = await client.post(
        f"/v1/banking/cards/authorisations/{hold_id}/captures",
        json={"reference": "cap-1", "amount": 600},
        headers=writer,
    )
    assert captured.status_code == 201, captured.text
    await bank.done(uuid.UUID(captured.json()["id"]))
    assert (await bank.done(hold_id)).state == "captured"
    assert await bank.balances(a) == [5_000 + 300 - 600]
    bad = await client.post(
        "/v1/banking/cards/authorisations",
        json={
            "reference": "auth-2",
            "account_id": str(a),
            "amount": 1,
            "currency": "SGD",
            "merchant": {"name": "Kopi", "category": "58140"},
        },
        headers=writer,
    )
    assert bad.status_code == 422
    assert "category" in bad.text


async def test_fx_rates_quotes_and_a_conversion(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    admin = await auth(platform, Role.ADMIN, "dealer")
    writer = await auth(platform, Role.WRITE, "wes")
    await (await platform.products()).publish(parse_product(PRODUCTS["global"]), actor="ops")
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=20_000, customer=customer)
    opened = await bank.banking.accounts.open(
        (await (await platform.access()).create("acme", Role.ADMIN, "o")).key,
        "usd",
        customer,
        "USD",
        "global",
    )
    usd, intent, _ = opened
    await bank.done(intent.id)
    rate = {"base": "USD", "quote": "SGD", "rate": "1.35"}
    assert (await client.put("/v1/banking/fx/rates", json=rate, headers=writer)).status_code == 403
    assert (await client.put("/v1/banking/fx/rates", json=rate, headers=admin)).status_code == 200
    listed = (await client.get("/v1/banking/fx/rates", headers=writer)).json()
    assert [(r["base"], r["quote"], r["rate"]) for r in listed] == [("USD", "SGD", "1.35")]
    body = {"sell_currency": "SGD", "buy_currency": "USD", "sell_amount": 13_500}
    quote = (await client.post("/v1/banking/fx/quotes", json=body, headers=writer)).json()
    assert quote["buy_amount"] == 9_950
    convert = {"quote_id": quote["id"], "debit_account_id": str(sgd), "credit_account_id": str(usd)}
    made = await client.post("/v1/banking/fx/conversions", json=convert, headers=writer)
    assert made.status_code == 201, made.text
    await bank.done(uuid.UUID(made.json()["id"]))
    again = await client.post("/v1/banking/fx/conversions", json=convert, headers=writer)
    assert (again.status_code, again.json()["id"]) == (200, made.json()["id"])
    assert await bank.balances(sgd, usd) == [6_500, 9_950]
    stale = {"sell_currency": "SGD", "buy_currency": "EUR", "sell_amount": 100}
    refused = await client.post("/v1/banking/fx/quotes", json=stale, headers=writer)
    assert (refused.status_code, refused.json()["type"]) == (409, PROBLEM + "stale_rate")
