"""Opening the product factory's stored catalogue for a database URL."""

from __future__ import annotations

from strongroom.clock import Clock
from strongroom.products.ports import ProductStore
from strongroom.products.stored import StoredProductCatalog
from strongroom.store.migrate import upgrade
from strongroom.store.products import SqlProductStore
from strongroom.store.urls import parse_url


async def open_product_store(url: str, *, migrate: bool = True) -> ProductStore:
    """The product factory's adapter for `url`, after applying migrations (unless
    `migrate=False`). Close it with `close()`."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    return SqlProductStore.open(parsed)


async def open_products(
    url: str, *, clock: Clock | None = None, migrate: bool = True
) -> StoredProductCatalog:
    """The product catalogue stored in `url` (see `open_product_store`); close it with
    `catalog.store.close()`."""
    return StoredProductCatalog(await open_product_store(url, migrate=migrate), clock)
