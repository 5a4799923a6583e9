"""AccessService over the real key store: issuing, authenticating (with its cache), scoping
and revoking API keys."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from strongroom.bootstrap import open_access
from strongroom.clock import SystemClock
from strongroom.errors import (
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    ValidationError,
)
from strongroom.ratelimit import Limit, Limits, MemoryRateLimiter
from strongroom.services.access import AccessService, Role
from strongroom.store.api_keys import ApiKeyRow, SqlApiKeyStore
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import api_keys
from strongroom.store.urls import parse_url


async def test_a_created_key_authenticates_as_its_tenant_and_role(keys: AccessService) -> None:
    new = await keys.create("acme", "write", name="ci")
    assert new.token.startswith(f"sr_{new.key.id}_")
    key = await keys.authenticate(new.token)
    assert (key.tenant, key.role, key.name) == ("acme", Role.WRITE, "ci")


async def test_only_a_hash_of_the_secret_is_stored(db_url: str, keys: AccessService) -> None:
    new = await keys.create("acme", Role.READ)
    secret = new.token.split("_", 2)[2]
    engine = sqlalchemy_engine(parse_url(db_url))
    try:
        async with engine.connect() as conn:
            row = (await conn.execute(sa.select(api_keys))).one()._mapping
    finally:
        await engine.dispose()
    assert secret.encode() not in b"".join(str(v).encode() for v in row.values())
    assert row["secret_sha256"] == hashlib.sha256(secret.encode()).digest()


async def test_missing_malformed_or_unknown_keys_are_refused(keys: AccessService) -> None:
    for token in [
        None,
        "",
        "nonsense",
        "sr_short_secret",
        "sr_" + "0" * 32 + "_s",
        "x_" + "0" * 32,
    ]:
        with pytest.raises(Unauthenticated):
            await keys.authenticate(token)


async def test_a_wrong_secret_is_refused(keys: AccessService) -> None:
    new = await keys.create("acme", Role.ADMIN)
    with pytest.raises(Unauthenticated, match="unknown"):
        await keys.authenticate(new.token[:-2] + "xx")


async def test_a_revoked_key_is_refused_at_once(keys: AccessService) -> None:
    new = await keys.create("acme", Role.WRITE)
    await keys.authenticate(new.token)  # now cached
    revoked = await keys.revoke(new.key.id)
    assert revoked.revoked
    with pytest.raises(Unauthenticated, match="revoked"):
        await keys.authenticate(new.token)
    assert (await keys.revoke(new.key.id)).revoked_at == revoked.revoked_at


async def test_a_revocation_by_another_process_applies_after_the_cache_ttl(
    db_url: str, keys: AccessService
) -> None:
    other = await open_access(db_url, migrate=False, cache_ttl=0)
    try:
        new = await keys.create("acme", Role.WRITE)
        await other.authenticate(new.token)
        await keys.revoke(new.key.id)
        with pytest.raises(Unauthenticated):
            await other.authenticate(new.token)
    finally:
        await other.close()


async def test_listing_and_revoking_are_scoped_to_a_tenant(keys: AccessService) -> None:
    mine = await keys.create("acme", Role.READ)
    theirs = await keys.create("globex", Role.READ)
    assert [k.id for k in await keys.list("acme")] == [mine.key.id]
    assert {k.id for k in await keys.list()} == {mine.key.id, theirs.key.id}
    with pytest.raises(NotFound):
        await keys.revoke(theirs.key.id, tenant="acme")
    assert not (await keys.authenticate(theirs.token)).revoked


async def test_bad_tenant_or_role_is_a_validation_error(keys: AccessService) -> None:
    for tenant, role in [("", "read"), ("acme", "owner"), ("a" * 65, "read")]:
        with pytest.raises(ValidationError):
            await keys.create(tenant, role)


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.WRITE)
    assert Role.WRITE.allows(Role.READ)
    assert not Role.READ.allows(Role.WRITE)
    assert not Role.WRITE.allows(Role.ADMIN)


class CountingStore(SqlApiKeyStore):
    """The real store, counting the reads of one key."""

    reads = 0

    async def get(self, key_id: str, *, tenant: str | None = None) -> ApiKeyRow | None:
        self.reads += 1
        return await super().get(key_id, tenant=tenant)


async def test_concurrent_requests_share_one_lookup_of_an_uncached_key(
    db_url: str, keys: AccessService
) -> None:
    store = CountingStore.open(parse_url(db_url))
    counted = AccessService(store, SystemClock())
    try:
        new = await keys.create("acme", Role.WRITE)
        found = await asyncio.gather(*(counted.authenticate(new.token) for _ in range(64)))
        assert {k.id for k in found} == {new.key.id}
        assert store.reads == 1
        unknown = "sr_" + "0" * 32 + "_s"
        refused = await asyncio.gather(
            *(counted.authenticate(unknown) for _ in range(8)), return_exceptions=True
        )
        assert all(isinstance(r, Unauthenticated) for r in refused)
        assert store.reads == 2
    finally:
        await counted.close()


async def test_a_caller_manages_only_its_own_tenants_keys_and_only_as_admin(
    keys: AccessService,
) -> None:
    admin = (await keys.create("acme", Role.ADMIN)).key
    writer = (await keys.create("acme", Role.WRITE)).key
    theirs = await keys.create("globex", Role.READ)
    mine = await keys.create_key(admin, Role.READ, "ci")
    assert (mine.key.tenant, mine.key.name) == ("acme", "ci")
    assert {k.id for k in await keys.list_keys(admin)} == {admin.id, writer.id, mine.key.id}
    with pytest.raises(NotFound):
        await keys.revoke_key(admin, theirs.key.id)
    assert (await keys.revoke_key(admin, mine.key.id)).revoked
    for call in (
        keys.create_key(writer, Role.READ),
        keys.list_keys(writer),
        keys.revoke_key(writer, admin.id),
    ):
        with pytest.raises(PermissionDenied):
            await call


@pytest.fixture
async def limited(db_url: str, keys: AccessService) -> AsyncIterator[AccessService]:
    """Keys on the same database, admitted by a limit of two requests at once per key and per
    tenant."""
    limiter = MemoryRateLimiter(Limits(Limit(0.01, 2), Limit(0.01, 2)))
    access = await open_access(db_url, migrate=False, limiter=limiter)
    yield access
    await access.close()


async def test_authentication_admits_by_the_keys_rate_limit(limited: AccessService) -> None:
    new = await limited.create("acme", Role.READ)
    await limited.authenticate(new.token)
    await limited.authenticate(new.token)
    with pytest.raises(RateLimited) as refused:
        await limited.authenticate(new.token)
    assert (refused.value.scope, refused.value.retry_after) == ("API key", 100)


async def test_a_refused_key_spends_nothing_of_its_limit(limited: AccessService) -> None:
    new = await limited.create("acme", Role.READ)
    revoked = await limited.create("acme", Role.READ)
    await limited.revoke(revoked.key.id)
    for token in (new.token[:-2] + "xx", new.token[:-2] + "yy", revoked.token):
        with pytest.raises(Unauthenticated):
            await limited.authenticate(token)
    # Neither the key's bucket nor the tenant's lost a token to the refusals.
    await limited.authenticate(new.token)
    await limited.authenticate(new.token)
