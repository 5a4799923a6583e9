"""The stored catalogue and accrual store, on both backends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa

from strongroom.bootstrap import open_product_store
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.products.definitions import load_product, parse_product
from strongroom.products.errors import VersionConflict
from strongroom.products.interest import AccrualState
from strongroom.products.ports import ProductStore
from strongroom.products.stored import (
    ASSIGNMENT_CHANGED,
    VERSION_PUBLISHED,
    StoredAccrualStore,
    StoredProductCatalog,
)
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import outbox
from strongroom.store.urls import parse_url
from strongroom.tracing import Actor, bound

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
V1 = load_product(EXAMPLES / "everyday-v1.yaml")
V2 = load_product(EXAMPLES / "everyday-v2.yaml")
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[ProductStore]:
    store = await open_product_store(db_url)
    try:
        yield store
    finally:
        await store.close()


async def events(db_url: str) -> list[dict[str, object]]:
    """Every event in the outbox, oldest first."""
    engine = sqlalchemy_engine(parse_url(db_url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.select(outbox.c.events).order_by(outbox.c.id))
            return [e for row in rows for e in json.loads(row.events)]
    finally:
        await engine.dispose()


async def test_publishing_is_idempotent_and_versions_are_immutable(
    store: ProductStore, db_url: str
) -> None:
    catalog = StoredProductCatalog(store)
    first = await catalog.publish(V1, actor="ops", at=AT)
    again = await catalog.publish(load_product(EXAMPLES / "everyday-v1.yaml"), actor="other")
    assert again == first  # same hash -> the same stored version, nothing written
    assert (first.product, first.version, first.digest, first.published_at) == (
        "everyday",
        1,
        V1.digest,
        AT,
    )
    tampered = parse_product(
        (EXAMPLES / "everyday-v1.yaml").read_text().replace("amount: 2.00", "amount: 2.50")
    )
    with pytest.raises(VersionConflict) as caught:
        await catalog.publish(tampered, actor="ops")
    assert (caught.value.published_digest, caught.value.offered_digest) == (
        V1.digest,
        tampered.digest,
    )
    await catalog.publish(V2, actor="ops")
    assert await catalog.versions("everyday") == [1, 2]
    assert [e["type"] for e in await events(db_url)] == [VERSION_PUBLISHED] * 2

    # Another process reads the definition back from the database: the same content.
    reopened = await open_product_store(db_url, migrate=False)
    try:
        stored = await StoredProductCatalog(reopened).get("everyday", 1)
    finally:
        await reopened.close()
    assert (stored.digest, stored.fees, stored.limits) == (V1.digest, V1.fees, V1.limits)
    with pytest.raises(NotFound):
        await catalog.get("everyday", 3)


async def test_migration_is_one_audited_transaction_with_its_outbox_event(
    store: ProductStore, db_url: str
) -> None:
    catalog = StoredProductCatalog(store)
    await catalog.publish(V1, actor="ops", at=AT)
    await catalog.publish(V2, actor="ops", at=AT)
    account = new_id()
    with bound(actor=Actor("acme", "onboarding")):
        pinned = await catalog.assign(account, "everyday", 1)
        assert await catalog.assign(account, "everyday", 1) == pinned  # a retry: no change
        with pytest.raises(Conflict, match="use migrate"):
            await catalog.assign(account, "everyday", 2)
    assert pinned.tenant == "acme"
    await catalog.set_limit_override(
        account, "outflow-daily", 5_000_000, actor="risk", reason="verified business"
    )
    with pytest.raises(ValidationError, match="reason"):
        await catalog.migrate(account, 2, actor="ops", reason=" ")
    with pytest.raises(NotFound):
        await catalog.migrate(account, 9, actor="ops", reason="no such version")
    with bound(actor=Actor("acme", "ops:alice")) as trace_id:
        moved = await catalog.migrate(account, 2, reason="launch of v2")
    with pytest.raises(Conflict, match="already on version 2"):
        await catalog.migrate(account, 2, actor="ops", reason="again")

    assert (moved.version, dict(moved.limit_overrides)) == (2, {"outflow-daily": 5_000_000})
    definition, assignment = await catalog.definition_for(account)
    assert (definition.version, assignment) == (2, moved)

    history = await catalog.history(account)
    assert [(h.action, h.from_version, h.to_version, h.actor) for h in history] == [
        ("assign", None, 1, "onboarding"),
        ("override", 1, 1, "risk"),
        ("migrate", 1, 2, "ops:alice"),
    ]
    migration = history[-1]
    assert (migration.reason, migration.trace_id, migration.tenant) == (
        "launch of v2",
        trace_id,
        "acme",
    )
    changed = [e for e in await events(db_url) if e["type"] == ASSIGNMENT_CHANGED]
    assert len(changed) == 3  # failed attempts wrote nothing
    last = changed[-1]
    assert (last["id"], last["trace_id"], last["actor"], last["tenant"]) == (
        str(migration.id),
        trace_id,
        "ops:alice",
        "acme",
    )
    assert last["data"] == {
        "account_id": str(account),
        "action": "migrate",
        "product": "everyday",
        "from_version": 1,
        "to_version": 2,
        "reason": "launch of v2",
        "limit_overrides": {"outflow-daily": 5_000_000},
    }


async def test_a_change_needs_an_actor(store: ProductStore) -> None:
    catalog = StoredProductCatalog(store)
    with pytest.raises(ValidationError, match="actor"):
        await catalog.publish(V1)
    assert await catalog.published() == []


async def test_accrual_state_round_trips_exactly(store: ProductStore) -> None:
    accrual = StoredAccrualStore(store)
    account = new_id()
    assert await accrual.load(account) is None
    state = AccrualState(date(2026, 1, 31), Fraction(-27, 73), Fraction(1, 3), 0, 12)
    await accrual.save(account, state)
    assert await accrual.load(account) == state
    later = AccrualState(date(2026, 2, 1), Fraction(5, 146), Fraction(0), 55, 0)
    await accrual.save(account, later)
    assert await accrual.load(account) == later
