"""The intents pages: the tenant's intents filtered and paged; an intent's timeline of states,
steps and payload, its live fragment while it runs, a payment's intent as other pages link to
it; retry and cancel by an admin, refused to a write key or without the form's token; another
tenant's intent is not found. The engine runs only where a test starts it: an intent it does
not run stays where it was submitted."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from strongroom.api.console.intents import PAGE
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.workflows.types import Intent, IntentStatus
from tests.api.console.conftest import sign_in
from tests.api.http.test_intents import transfer
from tests.banking.conftest import Bank, key, open_bank
from tests.banking.payments.test_internal import request
from tests.workflows.conftest import open_accounts, principal


async def submit(platform: Platform, reference: str, tenant: str = "acme") -> Intent:
    """A `ledger.transfer` between accounts that do not exist (it fails once the engine runs)."""
    writer = await principal(platform, tenant, Role.WRITE)
    payload = transfer(uuid.uuid4(), uuid.uuid4())
    submitted = await (await platform.intents()).submit(
        writer, "ledger.transfer", reference, payload
    )
    return submitted.intent


async def done(platform: Platform, intent_id: uuid.UUID) -> Intent:
    store = await platform.intent_store()
    for _ in range(500):
        intent = await store.get(intent_id)
        assert intent is not None
        if intent.status is IntentStatus.DONE:
            return intent
        await asyncio.sleep(0.01)
    raise AssertionError(intent)


async def test_the_list_is_newest_first_filtered_and_paged(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    intents = [await submit(platform, f"r-{n}") for n in range(PAGE + 1)]
    writer = await principal(platform, "acme", Role.WRITE)
    case = await (await platform.intents()).submit(
        writer, "compliance.case", "held-1", {"kind": "review", "subject": "pay-1"}
    )
    failed = await (await platform.intents()).fire(writer, intents[0].id, "fail", reason="by hand")
    await submit(platform, "theirs", tenant="globex")
    await sign_in(browser, platform, role=Role.READ)

    first = await browser.get("/console/intents")
    assert first.status_code == 200
    assert '<label for="type">Type</label>' in first.text
    assert '<th scope="col">State</th>' in first.text
    assert "theirs" not in first.text
    newest = [case.intent.reference, f"r-{PAGE}", f"r-{PAGE - 1}"]
    assert [first.text.index(f"<td>{r}</td>") for r in newest] == sorted(
        first.text.index(f"<td>{r}</td>") for r in newest
    )
    assert "<td>r-1</td>" not in first.text
    older = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "cursor=" in older
    second = await browser.get("/console/intents" + older.replace("&amp;", "&"))
    assert "<td>r-1</td>" in second.text
    assert "<td>r-0</td>" in second.text
    assert "Older intents" not in second.text

    cases = await browser.get("/console/intents", params={"type": "compliance.case"})
    assert "<td>held-1</td>" in cases.text
    assert "<td>r-2</td>" not in cases.text
    # The type's own states only, once a type is chosen.
    assert '<option value="review">' in cases.text
    assert '<option value="settled">' not in cases.text
    finished = await browser.get("/console/intents", params={"status": "done"})
    assert "<td>r-0</td>" in finished.text
    assert "<td>r-2</td>" not in finished.text
    assert f'<span class="state bad">{failed.state}</span>' in finished.text
    by_state = await browser.get(
        "/console/intents", params={"type": "ledger.transfer", "state": "initiated"}
    )
    assert "<td>r-0</td>" not in by_state.text
    assert "<td>r-2</td>" in by_state.text

    unknown = await browser.get("/console/intents", params={"type": "no.such"})
    assert unknown.status_code == 422
    assert "no.such" in unknown.text


async def test_a_settled_intent_shows_its_timeline_steps_and_payload(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    funding, alice = await open_accounts(platform, 2, overdraft=True)
    await (await platform.intent_engine()).start()
    writer = await principal(platform, "acme", Role.WRITE)
    submitted = await (await platform.intents()).submit(
        writer, "ledger.transfer", "pay-1", transfer(funding, alice, 250)
    )
    settled = await done(platform, submitted.intent.id)
    assert settled.state == "settled"
    await sign_in(browser, platform, role=Role.READ)

    r = await browser.get(f"/console/intents/{settled.id}")
    assert r.status_code == 200
    text = r.text
    for before, after in [
        ("submitted", "initiated"),
        ("initiated", "checked"),
        ("checked", "reserved"),
        ("reserved", "posted"),
        ("posted", "settled"),
    ]:
        assert f"<strong>{before} → {after}</strong>" in text
    assert '<ol class="timeline">' in text
    assert f"by key {writer.id}</span>" in text
    assert '<span class="state good">settled</span>, finished' in text
    assert all(f"<td>{step}</td>" in text for step in ("check", "reserve", "post", "notify"))
    assert '<th scope="col">Outcome</th>' in text
    assert "&#34;amount&#34;: 250" in text
    # Finished: nothing polls, and a reader is offered no action.
    assert "data-poll" not in text
    assert "Retry" not in text
    assert "Cancel the intent" not in text

    fragment = await browser.get(f"/console/intents/{settled.id}/timeline")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "<strong>posted → settled</strong>" in fragment.text
    assert "reload the page" in fragment.text
    # The marker console.js stops polling at: the fragment will not change again.
    assert "data-poll-stop" in fragment.text


async def test_an_unfinished_intent_polls_its_fragment(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    intent = await submit(platform, "pay-2")
    await sign_in(browser, platform, role=Role.ADMIN)
    r = await browser.get(f"/console/intents/{intent.id}")
    assert f'data-poll="/console/intents/{intent.id}/timeline" data-every="2000"' in r.text
    assert "<strong>submitted → initiated</strong>" in r.text
    assert "No step has run yet." in r.text
    assert 'data-confirm="Cancel this intent?' in r.text
    assert '<label for="reason">' in r.text
    fragment = await browser.get(f"/console/intents/{intent.id}/timeline")
    assert "No step has run yet." in fragment.text
    assert "reload the page" not in fragment.text
    assert "data-poll-stop" not in fragment.text


async def test_a_payment_intent_is_shown_where_the_payment_pages_send_people(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    bank: Bank = await open_bank(platform)
    await (await platform.intent_engine()).start()
    payer, payee = await bank.customer_account(funded=10_000), await bank.customer_account()
    payment, _ = await bank.payments.pay(
        await key(platform, Role.WRITE, "paula"), "rent", request(payer, payee, 1_250)
    )
    await bank.done(payment.intent.id)
    await sign_in(browser, platform, role=Role.READ)
    r = await browser.get(f"/console/intents/{payment.intent.id}")
    assert r.status_code == 200
    assert "banking.payment.internal <code>rent</code>" in r.text
    assert '<span class="state good">settled</span>' in r.text
    assert f'<a href="/console/accounts/{payer}">' in r.text
    assert f"<code>account:{payer}</code>" in r.text


async def test_an_admin_retries_a_failed_intent(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await (await platform.intent_engine()).start()
    broken = await done(platform, (await submit(platform, "broken")).id)
    assert broken.state == "failed"
    csrf = await sign_in(browser, platform, role=Role.ADMIN)
    page = await browser.get(f"/console/intents/{broken.id}")
    assert f'action="/console/intents/{broken.id}/retry"' in page.text
    assert '<span class="state bad">failed</span>' in page.text

    retried = await browser.post(f"/console/intents/{broken.id}/retry", data={"csrf": csrf})
    assert retried.status_code == 303
    assert retried.headers["location"] == f"/console/intents/{broken.id}?done=retried"
    after = await browser.get(retried.headers["location"])
    assert "Retried: a new run starts from the first step." in after.text
    assert "<strong>failed → initiated</strong> on event <code>retry</code>" in after.text
    assert "Why: admin retry" in after.text


async def test_an_admin_cancels_with_a_reason_what_has_not_finished(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    intent = await submit(platform, "unwanted")
    csrf = await sign_in(browser, platform, role=Role.ADMIN)
    path = f"/console/intents/{intent.id}/cancel"
    not_failed = await browser.post(f"/console/intents/{intent.id}/retry", data={"csrf": csrf})
    assert not_failed.status_code == 409
    assert "only a failed intent is retried" in not_failed.text
    too_long = await browser.post(path, data={"csrf": csrf, "reason": "x" * 501})
    assert too_long.status_code == 422
    assert "reason: at most 500 characters" in too_long.text
    r = await browser.post(path, data={"csrf": csrf, "reason": "changed my mind"})
    assert r.status_code == 303
    shown = await browser.get(r.headers["location"])
    assert '<p class="notice" role="status">Cancelled.</p>' in shown.text
    assert "<strong>initiated → cancelled</strong>" in shown.text
    assert "Why: changed my mind" in shown.text
    assert "Cancel the intent" not in shown.text
    finished = await browser.post(path, data={"csrf": csrf})
    assert finished.status_code == 409
    assert "is finished" in finished.text


async def test_a_write_key_or_a_missing_token_is_refused_and_other_tenants_are_not_found(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    ours = await submit(platform, "ours")
    theirs = await submit(platform, "theirs", tenant="globex")
    csrf = await sign_in(browser, platform, role=Role.WRITE)
    page = await browser.get(f"/console/intents/{ours.id}")
    assert "Cancel the intent" not in page.text
    for action in ("cancel", "retry"):
        refused = await browser.post(f"/console/intents/{ours.id}/{action}", data={"csrf": csrf})
        assert refused.status_code == 403
        assert "needs the admin role" in refused.text

    browser.cookies.clear()
    admin = await sign_in(browser, platform, role=Role.ADMIN)
    forged = await browser.post(f"/console/intents/{ours.id}/cancel", data={})
    assert forged.status_code == 403
    assert "reload the page" in forged.text
    still = await (await platform.intent_store()).get(ours.id)
    assert still is not None
    assert still.state == "initiated"

    for url in (f"/console/intents/{theirs.id}", f"/console/intents/{theirs.id}/timeline"):
        missing = await browser.get(url)
        assert missing.status_code == 404
        assert "Not found" in missing.text
        assert "theirs" not in missing.text
    cancel = await browser.post(f"/console/intents/{theirs.id}/cancel", data={"csrf": admin})
    assert cancel.status_code == 404
