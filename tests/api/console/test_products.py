"""The products pages: the catalogue with every product's versions, a product's versions and the
diff between two of them (the changed fields marked - and +, not only by colour); an unknown
product or version is the 404 page."""

from __future__ import annotations

import html

import httpx
import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from tests.api.console.conftest import sign_in
from tests.products.test_stored import V1, V2


@pytest.fixture
async def published(platform: Platform) -> None:
    catalog = await platform.products()
    for definition in (V1, V2):
        await catalog.publish(definition, actor="ops")


@pytest.mark.usefixtures("published")
async def test_the_catalogue_lists_each_product_with_its_versions(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await sign_in(browser, platform, role=Role.READ)
    listing = await browser.get("/console/products")
    assert listing.status_code == 200
    assert '<a href="/console/products/everyday">everyday</a>' in listing.text
    assert "Everyday Account" in listing.text
    assert "v1, v2" in listing.text
    assert '<th scope="col">Versions</th>' in listing.text

    product = await browser.get("/console/products/everyday")
    assert product.status_code == 200
    assert V1.digest in product.text
    assert V2.digest in product.text
    assert 'href="?from=1&amp;to=2"' in product.text
    assert '<label for="from">' in product.text
    assert '<label for="to">' in product.text
    assert "Version 2 as published" in product.text


@pytest.mark.usefixtures("published")
async def test_a_diff_marks_the_changed_fields(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await sign_in(browser, platform, role=Role.READ)
    r = await browser.get("/console/products/everyday", params={"from": 1, "to": 2})
    assert r.status_code == 200
    text = html.unescape(r.text)
    assert "Changes from v1 to v2" in text
    # The transfer fee went from 0.25% to 0.20%, and the version number with it.
    assert "<span class=\"removed\">-  percent: '0.25'</span>" in text
    assert "<span class=\"added\">+  percent: '0.2'</span>" in text
    assert '<span class="removed">-version: 1</span>' in text
    assert '<span class="added">+version: 2</span>' in text
    assert "3 lines of v1 removed, 3 lines of v2 added" in text
    same = await browser.get("/console/products/everyday", params={"from": 2, "to": 2})
    assert "definitions are the same" in same.text


@pytest.mark.usefixtures("published")
async def test_an_unknown_product_or_version_is_the_404_page(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    await sign_in(browser, platform, role=Role.READ)
    for path, params in [
        ("/console/products/nothing", {}),
        ("/console/products/everyday", {"from": 1, "to": 9}),
    ]:
        r = await browser.get(path, params=params)
        assert r.status_code == 404, r.text
        assert "Not found" in r.text
    half = await browser.get("/console/products/everyday", params={"from": 1})
    assert half.status_code == 422
    assert "needs both versions" in half.text
