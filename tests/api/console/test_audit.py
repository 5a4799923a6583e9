"""The audit pages: the signed-in tenant's entries only, newest first and paged; the chain verified
in words, intact, broken by an edited row, or shorter than a head recorded earlier; admin role."""

from __future__ import annotations

import uuid

import httpx

from strongroom.api.console.audit import PAGE
from strongroom.bootstrap.platform import Platform
from strongroom.events.audit import append_all
from strongroom.events.schemas import ACCOUNT_STATUS_CHANGED, Envelope
from strongroom.services.access import Role
from tests.api.console.conftest import sign_in
from tests.events.test_audit import tamper


async def record(platform: Platform, tenants: list[str]) -> None:
    """One account status change audited per entry of `tenants`, in order (seq 1, 2, ...), in
    one transaction as the audit consumer appends a batch."""
    log = await platform.audit_log()
    events = [
        Envelope(
            id=uuid.uuid4(),
            type=ACCOUNT_STATUS_CHANGED,
            version=1,
            occurred_at=1_796_000_000_000_000_000 + n,
            tenant=tenant,
            actor=f"key-of-{tenant}-{n}",
            data={"id": f"account-{n}", "before": "open", "after": "frozen"},
        )
        for n, tenant in enumerate(tenants, start=1)
    ]
    async with log.transaction() as transaction:
        await append_all(log, transaction, events, platform.clock.now_ns())


async def test_the_page_shows_only_the_tenants_entries_newest_first(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await record(platform, ["acme", "globex", "acme", "globex", "acme"])
    await sign_in(browser, platform, role=Role.ADMIN)
    r = await browser.get("/console/audit")
    assert r.status_code == 200
    assert "globex" not in r.text
    actors = [f"key-of-acme-{n}" for n in (5, 3, 1)]
    assert all(a in r.text for a in actors)
    assert [r.text.index(a) for a in actors] == sorted(r.text.index(a) for a in actors)
    assert '<th scope="col">Before</th>' in r.text
    assert ACCOUNT_STATUS_CHANGED in r.text
    assert "<code>account-3</code>" in r.text
    assert "&#34;status&#34;: &#34;frozen&#34;" in r.text
    assert '<label for="anchor">' in r.text
    older = await browser.get("/console/audit", params={"before": 3})
    assert "key-of-acme-1" in older.text
    assert "key-of-acme-3" not in older.text


async def test_older_entries_are_a_page_away(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await record(platform, ["acme"] * (PAGE + 1))
    await sign_in(browser, platform, role=Role.ADMIN)
    first = await browser.get("/console/audit")
    assert "key-of-acme-2<" in first.text
    assert "key-of-acme-1<" not in first.text
    assert 'href="/console/audit?before=2">Older entries' in first.text
    last = await browser.get("/console/audit", params={"before": 2})
    assert "key-of-acme-1<" in last.text
    assert "key-of-acme-2<" not in last.text
    assert "Older entries" not in last.text


async def test_verify_says_the_chain_is_intact_then_where_it_broke(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await record(platform, ["acme", "globex", "acme"])
    csrf = await sign_in(browser, platform, role=Role.ADMIN)
    ok = await browser.post("/console/audit/verify", data={"csrf": csrf})
    assert ok.status_code == 200
    head = (await (await platform.audit_log()).read_entries())[-1]
    assert f"ok: 3 entries verified, head 3:{head.hash}" in ok.text
    assert "Intact" in ok.text

    short = await browser.post(
        "/console/audit/verify", data={"csrf": csrf, "anchor": f"4:{head.hash}"}
    )
    assert "broken at row 4: the anchor names row 4 but the chain ends at row 3" in short.text
    bad = await browser.post("/console/audit/verify", data={"csrf": csrf, "anchor": "3"})
    assert bad.status_code == 422
    assert "anchor: expected SEQ:HASH" in bad.text

    await tamper(platform.settings.db_url, "UPDATE audit_log SET actor = 'innocent' WHERE seq = 2")
    broken = await browser.post("/console/audit/verify", data={"csrf": csrf})
    assert broken.status_code == 200
    assert (
        "broken at row 2: its fields do not match its hash (edited after it was written)"
        in broken.text
    )
    assert "Broken" in broken.text


async def test_reading_or_verifying_needs_an_admin_key_and_the_forms_token(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await record(platform, ["acme"])
    csrf = await sign_in(browser, platform, role=Role.WRITE)
    page = await browser.get("/console/audit")
    assert page.status_code == 403
    assert "needs the admin role" in page.text
    assert "key-of-acme-1" not in page.text
    refused = await browser.post("/console/audit/verify", data={"csrf": csrf})
    assert refused.status_code == 403
    browser.cookies.clear()
    admin = await sign_in(browser, platform, role=Role.ADMIN)
    forged = await browser.post("/console/audit/verify", data={"csrf": csrf + "x"})
    assert forged.status_code == 403
    assert "reload the page" in forged.text
    assert (await browser.post("/console/audit/verify", data={"csrf": admin})).status_code == 200
