"""The customers pages: a search by each identifier (through the blind indexes, normalised as
onboarding stores them), the newest customers without one, and a profile with the KYC standing,
risk, accounts, pots and beneficiaries; another tenant's customer, or an id that is none, is a
page in words."""

from __future__ import annotations

import httpx
import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from tests.api.console.conftest import sign_in
from tests.banking.conftest import Bank, key, open_bank

#: A valid Dutch BSN (the 11-test): digits only, so it reads as a phone number too.
DUTCH = {"nationality": "NL", "national_id": "111222333", "national_id_kind": "nl.bsn"}


@pytest.fixture
async def bank(platform: Platform) -> Bank:
    opened = await open_bank(platform)
    await (await platform.intent_engine()).start()
    return opened


async def test_a_customer_is_found_by_email_phone_national_id_or_id(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    mei = await bank.customer(
        full_name="Mei Lin", email="mei@example.com", phone="+65 9123 4567", **DUTCH
    )
    await bank.customer(full_name="Ah Kow", email="kow@example.com")
    await bank.customer(tenant="globex", full_name="Mei Elsewhere", email="mei@example.com")
    await sign_in(browser, platform, role=Role.READ)
    for q in ("MEI@example.com ", "+6591234567", "+65 9123-4567", "111.222.333", str(mei)):
        found = await browser.get("/console/customers", params={"q": q})
        assert found.status_code == 200, q
        assert f'href="/console/customers/{mei}"' in found.text, q
        assert "1 customer found" in found.text, q
        assert "Ah Kow" not in found.text
        assert "Elsewhere" not in found.text
    none = await browser.get("/console/customers", params={"q": "nobody@example.com"})
    assert "0 customers found" in none.text
    assert "No customer of yours" in none.text
    newest = await browser.get("/console/customers")
    assert '<label for="q">' in newest.text
    assert newest.text.index("Ah Kow") < newest.text.index("Mei Lin")
    assert "Elsewhere" not in newest.text


async def test_a_profile_shows_the_standing_accounts_pots_and_beneficiaries(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    customer = await bank.customer(full_name="Mei Lin", email="mei@example.com")
    account = await bank.customer_account(funded=123_456, customer=customer)
    officer = await key(platform, Role.ADMIN, "officer")
    await bank.banking.pots.create(officer, "pot-1", account, "Holiday", goal=50_000)
    await bank.banking.beneficiaries.add(
        officer,
        customer,
        "b-1",
        {"name": "Müller GmbH", "currency": "SGD", "iban": "DE89 3704 0044 0532 0130 00"},
    )
    await sign_in(browser, platform, role=Role.READ)
    r = await browser.get(f"/console/customers/{customer}")
    assert r.status_code == 200
    page = r.text
    assert "<h1>Mei Lin</h1>" in page
    assert '<span class="state good">verified</span>' in page
    assert "Risk rating</th><td>low" in page
    assert f'href="/console/accounts/{account}"' in page
    assert "1,234.56 SGD" in page
    assert "everyday v1" in page
    assert "Holiday" in page
    assert "500.00 SGD" in page
    assert "Müller GmbH" in page
    assert "DE89370400440532013000" in page
    assert "cooling off" in page
    assert '<th scope="col">' in page


async def test_an_erased_customers_beneficiaries_read_erased(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    customer = await bank.customer(full_name="Mei Lin")
    officer = await key(platform, Role.ADMIN, "officer")
    payee = {"name": "Müller GmbH", "currency": "SGD", "iban": "DE89 3704 0044 0532 0130 00"}
    await bank.banking.beneficiaries.add(officer, customer, "b-1", payee)
    await bank.banking.customers.erase(officer, customer, "the customer asked")
    await sign_in(browser, platform, role=Role.READ)
    page = (await browser.get(f"/console/customers/{customer}")).text
    assert "Müller" not in page
    assert "DE89370400440532013000" not in page
    assert page.count('<span class="muted">erased</span>') >= 2


async def test_another_tenants_customer_or_an_id_that_is_none_is_a_page_in_words(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    theirs = await bank.customer(tenant="globex")
    await sign_in(browser, platform, role=Role.ADMIN)
    for path in (f"/console/customers/{theirs}", f"/console/customers/{theirs.hex[::-1]}"):
        r = await browser.get(path)
        assert r.status_code == 404
        assert "<h1>Not found</h1>" in r.text
        assert "not found" in r.text
    malformed = await browser.get("/console/customers/not-a-uuid")
    assert malformed.status_code == 422
    assert "customer_id: Input should be a valid UUID" in malformed.text
    assert "Traceback" not in malformed.text
    found = await browser.get("/console/customers", params={"q": str(theirs)})
    assert "0 customers found" in found.text
