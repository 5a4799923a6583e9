"""Signing in and out of the console: the key exchanged for a sealed HttpOnly cookie, CSRF
tokens on every form, a revoked key's session ended, tampered cookies refused."""

from __future__ import annotations

import httpx

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from tests.api.console.conftest import csrf_of, sign_in


async def test_a_page_sends_a_person_who_is_not_signed_in_to_the_sign_in_page(
    browser: httpx.AsyncClient,
) -> None:
    r = await browser.get("/console/customers?q=x")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fcustomers%3Fq%3Dx"


async def test_a_key_is_exchanged_for_a_session_cookie(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    form = await browser.get("/console/sign-in")
    assert 'type="password"' in form.text
    assert '<label for="api_key">' in form.text
    key = await (await platform.access()).create("acme", Role.WRITE, "alice")
    r = await browser.post(
        "/console/sign-in",
        data={"api_key": key.token, "csrf": csrf_of(form.text), "next": "/console/"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert key.token not in cookie
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert "acme · write key" in home.text
    assert "Server-Timing" in home.headers


async def test_a_wrong_key_or_a_missing_token_is_told_in_words(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    form = await browser.get("/console/sign-in")
    r = await browser.post(
        "/console/sign-in", data={"api_key": "sr_nope_nope", "csrf": csrf_of(form.text)}
    )
    assert r.status_code == 401
    assert "That API key is not valid" in r.text
    key = await (await platform.access()).create("acme", Role.READ)
    r = await browser.post("/console/sign-in", data={"api_key": key.token, "csrf": "forged"})
    assert r.status_code == 400
    assert "sign-in form had expired" in r.text
    assert (await browser.get("/console/")).status_code == 303


async def test_an_open_redirect_is_not_followed(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    key = await (await platform.access()).create("acme", Role.READ)
    form = await browser.get("/console/sign-in?next=https://evil.example/")
    assert "evil" not in form.text
    r = await browser.post(
        "/console/sign-in",
        data={"api_key": key.token, "csrf": csrf_of(form.text), "next": "//evil.example/"},
    )
    assert r.headers["location"] == "/console/"


async def test_a_revoked_key_ends_its_session_and_a_tampered_cookie_is_no_session(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await sign_in(browser, platform, role=Role.ADMIN)
    assert (await browser.get("/console/")).status_code == 200
    cookie = browser.cookies["strongroom_console"]
    flipped = cookie[:-6] + ("A" if cookie[-6] != "A" else "B") + cookie[-5:]
    browser.cookies.clear()
    browser.cookies.set("strongroom_console", flipped)
    assert (await browser.get("/console/")).status_code == 303
    browser.cookies.clear()
    browser.cookies.set("strongroom_console", cookie)
    assert (await browser.get("/console/")).status_code == 200
    access = await platform.access()
    for key in await access.list("acme"):
        await access.revoke(key.id, tenant="acme")
    assert (await browser.get("/console/")).status_code == 303


async def test_signing_out_needs_the_csrf_token_and_clears_the_cookie(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    csrf = await sign_in(browser, platform)
    refused = await browser.post("/console/sign-out", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert "reload the page" in refused.text
    assert (await browser.get("/console/")).status_code == 200
    out = await browser.post("/console/sign-out", data={"csrf": csrf})
    assert out.status_code == 303
    assert (await browser.get("/console/")).status_code == 303
