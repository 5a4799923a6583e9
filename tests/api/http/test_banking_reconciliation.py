"""/v1/banking/reconciliations on both backends: a file imported and its report read, the same
file again the same run, a bad line a 422 naming it, clerks refused, another tenant's run 404."""

from __future__ import annotations

import uuid

import httpx

from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of
from strongroom.services.access import Role
from tests.api.http.test_banking_customers import auth
from tests.api.http.test_banking_periodic import client  # noqa: F401 (the fixture)
from tests.banking.conftest import Bank, bank  # noqa: F401 (the fixture)


async def test_a_file_is_reconciled_and_its_report_read(
    platform: Platform,
    bank: Bank,  # noqa: F811
    client: httpx.AsyncClient,  # noqa: F811
) -> None:
    admin = await auth(platform, Role.ADMIN)
    account = await bank.customer_account()
    deposit = await client.post(
        "/v1/banking/deposits",
        json={
            "reference": "wire-7",
            "account_id": str(account),
            "amount": 12_345,
            "currency": "SGD",
        },
        headers=admin,
    )
    await bank.done(uuid.UUID(deposit.json()["id"]))
    today = day_of(platform.clock.now_ns()).isoformat()
    file = f"reference,amount,currency,value_date\nwire-7,123.45,SGD,{today}\n"
    made = await client.post("/v1/banking/reconciliations", json={"file": file}, headers=admin)
    assert made.status_code == 201, made.text
    run = uuid.UUID(made.json()["id"])
    await bank.done(run)
    shown = await client.get(f"/v1/banking/reconciliations/{run}", headers=admin)
    report = shown.json()["results"]["match"]
    assert [m["reference"] for m in report["matched"]] == ["wire-7"]
    again = await client.post("/v1/banking/reconciliations", json={"file": file}, headers=admin)
    assert (again.status_code, again.json()["id"]) == (200, str(run))
    bad = await client.post(
        "/v1/banking/reconciliations",
        json={"file": "reference,amount,currency,value_date\nx,1.234,SGD,2026-12-04\n"},
        headers=admin,
    )
    assert bad.status_code == 422
    assert "line 2: amount" in bad.text
    writer = await auth(platform, Role.WRITE)
    refused = await client.post("/v1/banking/reconciliations", json={"file": file}, headers=writer)
    assert refused.status_code == 403
    other = await auth(platform, Role.ADMIN, tenant="other")
    hidden = await client.get(f"/v1/banking/reconciliations/{run}", headers=other)
    assert hidden.status_code == 404
    not_one = await client.get(f"/v1/banking/reconciliations/{deposit.json()['id']}", headers=admin)
    assert not_one.status_code == 404
