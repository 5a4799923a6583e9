"""The console in a real browser (Debian's Chromium through Playwright), against a server running
the whole platform on the embedded default (SQLite, the in-process bus): a person signs in, finds
a customer, pays from their account and watches the payment settle on its timeline; a payment
held for review is proposed for release by one person and approved by a second; the audit chain
is verified; another tenant's customer is a 404. Every page visited is screenshotted under
test-output/console/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from strongroom.api.server import serving
from strongroom.bootstrap.components import configured_components, start_components
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings
from tests.api.console.chromium import SCREENSHOTS, chromium
from tests.banking.conftest import Bank, key, open_bank
from tests.banking.payments.test_internal import enforce_rules, request

pytestmark = pytest.mark.slow

EMAIL = "mei.ling@example.com"


@dataclass
class Served:
    url: str
    platform: Platform
    bank: Bank


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = Settings(
        db_url=f"sqlite:///{tmp_path}/bank.db",
        key_file=tmp_path / "keys",
        intent_poll_interval=0.02,
    )
    async with Platform(settings) as platform:
        bank = await open_bank(platform)
        components = await start_components(platform, configured_components(platform))
        try:
            services = await platform.services()
            async with serving(
                services.ledger_service,
                services.access,
                intents=services.intents,
                compliance=services.compliance,
                cases=services.cases,
                banking=services.banking,
                billing=services.billing,
                console=await platform.console(),
                port=0,
                grpc_port=None,
                components=components.health,
                collectors=[components.collector()],
            ) as servers:
                yield Served(servers.http_url, platform, bank)
        finally:
            await components.stop()


async def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


async def _sign_in(page: Page, url: str, token: str) -> None:
    await page.goto(f"{url}/console/")
    await expect(page).to_have_url(re.compile(r"/console/sign-in"))
    await page.get_by_label("API key").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


async def _sign_out(page: Page) -> None:
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_staff_work_the_console_in_a_real_browser(served: Served) -> None:
    bank, url = served.bank, served.url
    access = await served.platform.access()
    maker = (await access.create("acme", Role.ADMIN, "maker")).token
    checker = (await access.create("acme", Role.ADMIN, "checker")).token
    customer = await bank.customer(email=EMAIL)
    payer = await bank.customer_account(funded=500_000, customer=customer)
    payee = await bank.customer_account()
    # A payment of another account held for review (payments of one account run in turn).
    other = await bank.customer_account(funded=500_000)
    stranger = await bank.customer("globex")
    await enforce_rules(served.platform)
    writer = await key(served.platform, Role.WRITE, "paula")
    held, _ = await bank.payments.pay(writer, "held", request(other, payee, 150_000))

    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1366, "height": 768})
        await _sign_in(page, url, maker)
        await _shot(page, "dashboard")

        await page.get_by_role("link", name="Customers").click()
        await page.get_by_label("Email, phone number, national id or customer id").fill(EMAIL)
        await page.get_by_role("button", name="Search").click()
        await _shot(page, "customers")
        await page.get_by_role("link", name="Tan Ah Kow").click()
        await expect(page.get_by_role("heading", name="Tan Ah Kow")).to_be_visible()
        await _shot(page, "customer")

        await page.get_by_role("link", name=str(payer)).first.click()
        await expect(page.get_by_role("heading", name=f"Account {payer}")).to_be_visible()
        await _shot(page, "account")
        await page.get_by_label("To account (its id)").fill(str(payee))
        await page.get_by_label(re.compile(r"^Amount in")).fill("12.50")
        await page.get_by_label(re.compile(r"^Description")).fill("Lunch")
        await page.get_by_role("button", name="Pay").click()
        await expect(page).to_have_url(re.compile(r"/console/intents/[0-9a-f-]{36}$"))
        # The timeline refreshes itself: the payment settles while the page is open.
        await expect(page.get_by_text("settled").first).to_be_visible(timeout=20_000)
        await _shot(page, "payment")

        # One person proposes releasing the held payment; a second approves it.
        await page.get_by_role("link", name="Cases").click()
        await _shot(page, "cases")
        await page.locator("a[href^='/console/cases/']").first.click()
        await page.get_by_label("Outcome", exact=True).select_option("release")
        await page.get_by_label("Why", exact=True).fill("Salary, known payee")
        await page.get_by_role("button", name="Propose").click()
        await expect(page.get_by_text("You proposed this")).to_be_visible()
        await _shot(page, "case-proposed")
        case_url = page.url
        await _sign_out(page)
        await _sign_in(page, url, checker)
        await page.goto(case_url)
        # The console asks before a decision for good: the person says yes.
        page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
        await page.get_by_role("button", name=re.compile(r"^Approve")).click()
        await expect(
            page.get_by_text("Approved: the proposal is the case's outcome.")
        ).to_be_visible()
        await _shot(page, "case-approved")
        await page.goto(f"{url}/console/intents/{held.intent.id}")
        await expect(page.get_by_text("settled").first).to_be_visible(timeout=20_000)

        await page.get_by_role("link", name="Audit log").click()
        await page.get_by_role("button", name="Verify the chain").click()
        await expect(page.get_by_text(re.compile(r"ok: \d+ entries verified"))).to_be_visible()
        await _shot(page, "audit")
        for section in ("Products", "Invoices", "Disputes", "Payments and intents"):
            await page.get_by_role("link", name=section, exact=True).click()
            await _shot(page, section.lower().replace(" ", "-"))

        missing = await page.goto(f"{url}/console/customers/{stranger}")
        assert missing is not None
        assert missing.status == 404
        await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        await _shot(page, "another-tenants-customer")
