"""The invoice pages over a real cycle run (last month's usage invoiced and posted): the tenant's
invoices filtered by subject and status, an invoice's lines, tier breakdown, taxes and totals,
its document as HTML (framed in a sandbox) and as PDF; another tenant's invoice is the 404 page."""

from __future__ import annotations

import datetime
import html
import re
import uuid

import httpx
import pytest

from strongroom.billing.service import DEFAULT_PAGE
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of, day_start
from strongroom.events.schemas import encode_batch
from strongroom.services.access import Role
from tests.api.console.conftest import sign_in
from tests.banking.conftest import key
from tests.billing.test_cycles import Books
from tests.billing.test_invoice_pages import record


@pytest.fixture
async def invoice(platform: Platform) -> uuid.UUID:
    """The id of subject c-2's posted invoice for last month: 350 API calls (100 free) and the
    platform fee, with GST."""
    await (await platform.intent_engine()).start()
    books = Books(platform, await platform.billing(), await key(platform, Role.ADMIN, "billing"))
    await books.open()
    today = day_of(platform.clock.now_ns())
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    await books.billing.catalog.put(books.ops, "config", "c-2", books.config(last_month))
    usage = {
        "id": str(uuid.uuid4()),
        "subject": "c-2",
        "metric": "api_calls",
        "quantity": 350,
        "at": day_start(last_month + datetime.timedelta(days=9)),
    }
    await books.billing.usage.ingest(books.ops, [usage])
    await books.run(today)
    (made,) = (await books.billing.billing.invoices(books.ops, "c-2"))[0]
    return made.id


async def test_invoices_are_listed_and_filtered(
    browser: httpx.AsyncClient, platform: Platform, invoice: uuid.UUID
) -> None:
    await sign_in(browser, platform, role=Role.READ)
    listing = await browser.get("/console/invoices")
    assert listing.status_code == 200
    assert f'href="/console/invoices/{invoice}"' in listing.text
    assert '<label for="subject">' in listing.text
    assert '<label for="status">' in listing.text
    assert '<span class="state good">posted</span>' in listing.text
    posted = await browser.get("/console/invoices", params={"subject": "c-2", "status": "posted"})
    assert f'href="/console/invoices/{invoice}"' in posted.text
    for params in ({"subject": "c-2", "status": "credited"}, {"subject": "nobody"}):
        none = await browser.get("/console/invoices", params=params)
        assert "0 invoices" in none.text
        assert "No invoice matches these filters" in none.text
    bad = await browser.get("/console/invoices", params={"status": "paid"})
    assert bad.status_code == 422
    assert "&#39;paid&#39; is not one of issued, posted, credited" in bad.text


async def test_an_invoice_shows_its_lines_tiers_taxes_and_document(
    browser: httpx.AsyncClient, platform: Platform, invoice: uuid.UUID
) -> None:
    await sign_in(browser, platform, role=Role.READ)
    shown = await browser.get(f"/console/invoices/{invoice}")
    assert shown.status_code == 200
    text = shown.text
    assert "API calls" in text
    assert "Platform fee" in text
    assert "Tier breakdown of API calls" in text
    assert "<td>free</td>" in text
    assert "<td>1 to 100</td>" in text
    assert "Tax gst on" in text
    assert "Amount due" in text
    assert f'<iframe src="/console/invoices/{invoice}/html" sandbox' in text
    assert f'href="/console/invoices/{invoice}/pdf"' in text

    document = await browser.get(f"/console/invoices/{invoice}/html")
    assert document.status_code == 200
    assert document.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in document.headers["content-security-policy"]
    assert f"<title>Invoice {invoice}</title>" in document.text
    pdf = await browser.get(f"/console/invoices/{invoice}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


async def test_another_tenants_invoice_is_the_404_page(
    browser: httpx.AsyncClient, platform: Platform, invoice: uuid.UUID
) -> None:
    await sign_in(browser, platform, tenant="globex", role=Role.ADMIN)
    assert f"/console/invoices/{invoice}" not in (await browser.get("/console/invoices")).text
    for suffix in ("", "/html", "/pdf"):
        r = await browser.get(f"/console/invoices/{invoice}{suffix}")
        assert r.status_code == 404, suffix
        assert r.headers["content-type"].startswith("text/html")
        assert "Not found" in r.text
        assert "%PDF" not in r.text


async def test_invoices_come_a_page_at_a_time(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    made = [record(f"s{n:02}", "2026-11-01") for n in range(DEFAULT_PAGE + 2)]
    await (await platform.billing_store()).add_invoices(made, [], encode_batch([]))
    await sign_in(browser, platform, role=Role.READ)
    first = await browser.get("/console/invoices")
    assert f"{DEFAULT_PAGE} invoices on this page" in first.text
    later = re.search(r'<a href="\?([^"]+)" rel="next">Later invoices</a>', first.text)
    assert later is not None
    rest = await browser.get(f"/console/invoices?{html.unescape(later.group(1))}")
    assert "2 invoices on this page" in rest.text
    assert 'rel="next"' not in rest.text
    assert "Oldest invoices" in rest.text
    bad = await browser.get("/console/invoices", params={"cursor": "nope"})
    assert bad.status_code == 422
    assert "not a cursor this listing returned" in bad.text
