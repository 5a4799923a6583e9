"""The console over a Platform on SQLite (the pages call the same services as the APIs, tested on
both backends there), driven with httpx as a browser would: cookies kept, forms posted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from strongroom.api.console.app import install
from strongroom.api.http import create_app
from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    settings = Settings(db_url=f"sqlite:///{tmp_path}/console.db", key_file=tmp_path / "keys")
    async with Platform(settings) as platform:
        yield platform


@pytest.fixture
async def browser(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the whole app (APIs and console), not signed in."""
    services = await platform.services()
    app = create_app(
        services.ledger_service,
        services.access,
        intents=services.intents,
        compliance=services.compliance,
        cases=services.cases,
        banking=services.banking,
        billing=services.billing,
    )
    install(app, await platform.console())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bank") as client:
        yield client


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found is not None, html
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient,
    platform: Platform,
    tenant: str = "acme",
    role: Role = Role.ADMIN,
    owner: str = "console test",
) -> str:
    """Sign `client` in, ending any session it had, with a new key of `tenant` and `role` named
    `owner` (the person maker-checker compares); the session's CSRF token."""
    client.cookies.clear()
    key = await (await platform.access()).create(tenant, role, owner)
    form = await client.get("/console/sign-in")
    r = await client.post(
        "/console/sign-in",
        data={"api_key": key.token, "csrf": csrf_of(form.text), "next": "/console/"},
    )
    assert r.status_code == 303, r.text
    home = await client.get("/console/")
    return csrf_of(home.text)
