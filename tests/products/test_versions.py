from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.products.definitions import load_product, parse_product
from strongroom.products.versions import AuditAction, ProductCatalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
V1 = load_product(EXAMPLES / "everyday-v1.yaml")
V2 = load_product(EXAMPLES / "everyday-v2.yaml")
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def catalog() -> ProductCatalog:
    c = ProductCatalog()
    await c.publish(V1, actor="ops", at=AT)
    await c.publish(V2, actor="ops", at=AT)
    return c


async def test_versions_are_immutable() -> None:
    c = await catalog()
    await c.publish(V1, actor="ops", at=AT)  # the same content again: a no-op
    assert await c.versions("everyday") == [1, 2]
    tampered = parse_product(
        (EXAMPLES / "everyday-v1.yaml").read_text().replace("amount: 2.00", "amount: 2.50")
    )
    with pytest.raises(Conflict, match="already published with different content"):
        await c.publish(tampered, actor="ops", at=AT)
    assert await c.get("everyday", 1) is V1
    with pytest.raises(NotFound):
        await c.get("everyday", 3)


async def test_accounts_are_pinned_and_migration_is_explicit_and_audited() -> None:
    c = await catalog()
    account = new_id()
    await c.assign(account, "everyday", 1, actor="onboarding", at=AT)
    with pytest.raises(Conflict, match="use migrate"):
        await c.assign(account, "everyday", 2, actor="onboarding", at=AT)
    await c.set_limit_override(
        account, "outflow-daily", 5_000_000, actor="risk", at=AT, reason="verified business"
    )
    definition, assignment = await c.definition_for(account)
    assert (definition.version, dict(assignment.limit_overrides)) == (
        1,
        {"outflow-daily": 5_000_000},
    )
    with pytest.raises(ValidationError, match="reason"):
        await c.migrate(account, 2, actor="ops", at=AT, reason=" ")
    migrated = await c.migrate(account, 2, actor="ops", at=AT, reason="launch of v2")
    assert migrated.version == 2
    assert dict(migrated.limit_overrides) == {"outflow-daily": 5_000_000}  # v2 keeps the limit
    with pytest.raises(Conflict, match="already on version 2"):
        await c.migrate(account, 2, actor="ops", at=AT, reason="again")
    last = c.audit[-1]
    assert (last.action, last.actor, last.before, last.after, last.reason) == (
        AuditAction.MIGRATE,
        "ops",
        "everyday v1",
        "everyday v2",
        "launch of v2",
    )
    assert [r.action for r in c.audit] == [
        AuditAction.PUBLISH,
        AuditAction.PUBLISH,
        AuditAction.ASSIGN,
        AuditAction.OVERRIDE,
        AuditAction.MIGRATE,
    ]


async def test_override_must_name_a_limit_of_the_pinned_version() -> None:
    c = await catalog()
    account = new_id()
    await c.assign(account, "everyday", 1, actor="onboarding", at=AT)
    with pytest.raises(ValidationError, match="has no limit 'nope'"):
        await c.set_limit_override(account, "nope", 1, actor="risk", at=AT, reason="x")
    with pytest.raises(NotFound):
        await c.definition_for(new_id())
