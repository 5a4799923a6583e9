"""/v1/compliance over a Platform's compliance service, on both backends: rule sets published,
listed, diffed and backtested; decisions on payments; errors as problem+json naming the field."""

from __future__ import annotations

import shutil
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

NS = 10**9
T0 = 1_800_000_000
RULES = """\
windows:
  - {id: c1h, scope: customer, length: 1h}
rules:
  - id: big
    message: over 1,000.00
    when: {payment.amount: {gt: 100000}}
    action: review
  - id: burst
    message: more than 2 payments an hour
    when: {velocity.c1h.count: {gt: 2}}
    action: block
"""


@pytest.fixture
async def platform(db_url: str, tmp_path: Path) -> AsyncIterator[Platform]:
    async with Platform(Settings(db_url=db_url, key_file=tmp_path / "keys")) as platform:
        yield platform


@pytest.fixture
async def keys(platform: Platform) -> AccessService:
    return await platform.access()


@pytest.fixture
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    services = await platform.services()
    app = create_app(services.ledger_service, services.access, compliance=services.compliance)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


def payment(subject: str, amount: int = 1_000, at: int = T0, **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject,
        "amount": amount,
        "currency": "SGD",
        "counterparty": {"name": "Jane Roe", "country": "SG"},
        "customer": {"id": "c1", "risk_rating": "low", "since": "2020-01-31"},
        "account": {"id": "a1", "product": "basic"},
        "at": at * NS,
        **extra,
    }


async def test_publish_decide_and_read_back(
    client: httpx.AsyncClient, admin: dict[str, str], writer: dict[str, str]
) -> None:
    published = await client.post(
        "/v1/compliance/rule-sets", json={"source": RULES, "status": "enforce"}, headers=admin
    )
    assert published.status_code == 201, published.text
    assert published.json()["version"] == 1
    outcomes = []
    for i in range(4):
        answer = await client.post(
            "/v1/compliance/decisions", json=payment(f"p{i}", at=T0 + i), headers=writer
        )
        assert answer.status_code == 200, answer.text
        outcomes.append(answer.json()["outcome"])
    assert outcomes == ["allow", "allow", "block", "block"]
    review = (
        await client.post(
            "/v1/compliance/decisions",
            json=payment("big", 500_000, customer={"id": "c9"}),
            headers=writer,
        )
    ).json()
    assert review["outcome"] == "review"
    assert review["fired"][0]["rule_id"] == "big"
    again = await client.post(
        "/v1/compliance/decisions",
        json=payment("big", 500_000, customer={"id": "c9"}),
        headers=writer,
    )
    assert again.json()["id"] == review["id"]
    page = (await client.get("/v1/compliance/decisions?limit=2", headers=writer)).json()
    assert [d["subject"] for d in page["items"]] == ["big", "p3"]
    rest = await client.get(
        f"/v1/compliance/decisions?limit=10&cursor={page['next_cursor']}", headers=writer
    )
    assert [d["subject"] for d in rest.json()["items"]] == ["p2", "p1", "p0"]
    blocked = await client.get("/v1/compliance/decisions?outcome=block", headers=writer)
    assert {d["subject"] for d in blocked.json()["items"]} == {"p2", "p3"}
    one = await client.get("/v1/compliance/decisions?subject=p0", headers=writer)
    assert [d["outcome"] for d in one.json()["items"]] == ["allow"]


async def test_an_invalid_rule_set_lists_every_issue_with_its_line(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    bad = RULES.replace("payment.amount", "payment.amont").replace("{gt: 2}", "{gt: two}")
    answer = await client.post("/v1/compliance/rule-sets", json={"source": bad}, headers=admin)
    assert answer.status_code == 422
    body = answer.json()
    assert body["type"].endswith("rule_set_error")
    assert [e["field"] for e in body["errors"]] == [
        "rules[0].when.payment.amont",
        "rules[1].when.velocity.c1h.count.gt",
    ]
    assert body["errors"][0]["reason"].startswith("line 6: unknown fact")
    listed = await client.get("/v1/compliance/rule-sets", headers=admin)
    assert listed.json() == []


async def test_status_diff_and_backtest(
    client: httpx.AsyncClient, admin: dict[str, str], writer: dict[str, str]
) -> None:
    await client.post(
        "/v1/compliance/rule-sets", json={"source": RULES, "status": "enforce"}, headers=admin
    )
    for i in range(5):
        await client.post(
            "/v1/compliance/decisions", json=payment(f"p{i}", at=T0 + i * 60), headers=writer
        )
    looser = RULES.replace("{gt: 2}", "{gt: 4}")
    await client.post("/v1/compliance/rule-sets", json={"source": looser}, headers=admin)
    diff = (await client.get("/v1/compliance/rule-sets/1/diff/2", headers=writer)).json()
    assert diff["changed"] == ["burst"]
    report = await client.post(
        "/v1/compliance/rule-sets/2/backtest",
        json={"since": T0 * NS, "until": (T0 + 3600) * NS},
        headers=writer,
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert (body["payments"], body["baseline_version"]) == (5, 1)
    assert body["baseline"] == {"allow": 2, "block": 3}
    assert body["candidate"] == {"allow": 4, "block": 1}
    assert body["changed"] == 2
    moved = await client.post(
        "/v1/compliance/rule-sets/2/status", json={"status": "shadow"}, headers=admin
    )
    assert moved.json()["status"] == "shadow"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": -1}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"currency": "sgd"}, "currency"),
        ({"counterparty": {"country": "Singapore"}}, "counterparty.country"),
        ({"direction": "sideways"}, "direction"),
        ({"extra": 1}, "extra"),
        ({"subject": ""}, "subject"),
    ],
)
async def test_bad_payments_are_refused_naming_the_field(
    client: httpx.AsyncClient, writer: dict[str, str], body: dict[str, Any], field: str
) -> None:
    answer = await client.post("/v1/compliance/decisions", json=payment("p") | body, headers=writer)
    assert answer.status_code == 422, answer.text
    assert field in {e["field"] for e in answer.json()["errors"]}


async def test_roles_are_enforced(
    client: httpx.AsyncClient, reader: dict[str, str], writer: dict[str, str]
) -> None:
    publish = await client.post("/v1/compliance/rule-sets", json={"source": RULES}, headers=writer)
    assert publish.status_code == 403
    decide = await client.post("/v1/compliance/decisions", json=payment("p"), headers=reader)
    assert decide.status_code == 403
    missing = await client.get("/v1/compliance/rule-sets/7", headers=reader)
    assert missing.status_code == 404


async def test_dates_are_iso_text_only(client: httpx.AsyncClient, writer: dict[str, str]) -> None:
    body = payment("p", account={"id": "a1", "opened": 0})
    answer = await client.post("/v1/compliance/decisions", json=body, headers=writer)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "account.opened"
    body = payment("p", account={"id": "a1", "opened": "2026-01-31"})
    assert (await client.post("/v1/compliance/decisions", json=body, headers=writer)).is_success


DATA = Path(__file__).parents[2] / "compliance" / "screening" / "data"


@pytest.fixture
async def listed(db_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a platform screening against the synthetic OFAC and EU files (copied: a
    test rewrites them to reload)."""
    ofac = tmp_path / "ofac"
    shutil.copytree(DATA / "ofac", ofac)
    eu = tmp_path / "eu.csv"
    shutil.copy(DATA / "eu.csv", eu)
    settings = Settings(
        db_url=db_url, key_file=tmp_path / "keys", screening_ofac=ofac, screening_eu=eu
    )
    async with Platform(settings) as platform:
        services = await platform.services()
        app = create_app(services.ledger_service, services.access, compliance=services.compliance)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            client.headers.update(await bearer(services.access, "acme", Role.ADMIN))
            yield client


async def test_names_are_screened_against_the_lists_in_force(
    listed: httpx.AsyncClient, tmp_path: Path
) -> None:
    lists = (await listed.get("/v1/compliance/lists")).json()
    assert {item["name"] for item in lists} == {"ofac-sdn", "eu-consolidated"}
    assert all(item["entries"] > 0 for item in lists)
    found = await listed.post(
        "/v1/compliance/screenings", json={"name": "Hans Jürgen Müller", "country": "DE"}
    )
    assert found.status_code == 200, found.text
    best = found.json()["hits"][0]
    assert (best["list_name"], best["entry_id"]) == ("ofac-sdn", "101")
    assert best["score"] >= 90
    nobody = await listed.post("/v1/compliance/screenings", json={"name": "Zebediah Quill"})
    assert nobody.json()["hits"] == []
    blank = await listed.post("/v1/compliance/screenings", json={"name": " "})
    assert blank.status_code == 422
    # A broken file is refused and the lists in force stay.
    (tmp_path / "ofac" / "sdn.csv").write_text('oops,"unterminated\n')
    refused = await listed.post("/v1/compliance/lists/reload")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "lists"
    assert (await listed.get("/v1/compliance/lists")).json() == lists


async def test_a_kyc_check_validates_every_field_and_screens_the_name(
    listed: httpx.AsyncClient,
) -> None:
    applicant = {
        "full_name": "Tan Wei Ming",
        "birth_date": "1990-05-17",
        "nationality": "SG",
        "national_id": "S1234567D",
        "national_id_kind": "sg.nric",
        "document_number": "E1234567X",
        "document_expiry": "2099-01-01",
    }
    verified = await listed.post("/v1/compliance/kyc-checks", json=applicant)
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "verified"
    wrong = applicant | {"national_id": "S1234567A", "birth_date": "2020-01-01"}
    rejected = (await listed.post("/v1/compliance/kyc-checks", json=wrong)).json()
    assert rejected["status"] == "rejected"
    assert {f["field"] for f in rejected["findings"]} == {"national_id", "birth_date"}
    sanctioned = applicant | {"full_name": "Hans Juergen Mueller", "birth_date": "1961-03-12"}
    screened = (await listed.post("/v1/compliance/kyc-checks", json=sanctioned)).json()
    assert screened["status"] == "rejected"
    assert screened["hits"][0]["entry_id"] == "101"
