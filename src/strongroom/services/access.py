"""Access: who a call acts for and what it may do. Roles, API keys (issue, list, revoke), the
authentication of a presented key with its cache, and the check every service call makes.

A key reads `sr_<id>_<secret>`: `id` is 32 hex digits (public, stored as is) and `secret` is 32
random bytes in URL-safe base64. Only SHA-256(secret) is stored. A slow password hash (bcrypt,
argon2) protects low-entropy human passwords against guessing; a 256-bit random secret cannot be
guessed, so one fast hash is enough and keeps authentication off the request's critical path.

Verified keys are cached in memory for `cache_ttl` seconds: a revocation made through this
service applies at once, one made by another process (the CLI) within `cache_ttl`. A key missing
from the cache is looked up once however many requests present it meanwhile: when the entry of a
busy key expires, its concurrent requests (64 under bench-http) all wait for that one query
instead of each sending their own.

Rate limits are checked here, once per authenticated request, so that HTTP and gRPC enforce
them alike: after the key is verified (a request without a valid key is refused as
unauthenticated and spends nobody's limit), against the key's bucket and its tenant's.

May import strongroom.errors, ids, clock, tracing, ratelimit and services.ports; never
strongroom.store (bootstrap hands it an ApiKeyStore and a RateLimiter) nor the transports.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import secrets
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

from strongroom.clock import Clock
from strongroom.errors import NotFound, PermissionDenied, Unauthenticated, ValidationError
from strongroom.ids import new_id
from strongroom.ratelimit import RateLimiter
from strongroom.services.ports import ApiKeyStore, StoredKey
from strongroom.tracing import Actor, bound, current_trace_id

PREFIX = "sr"
_SECRET_BYTES = 32


class Role(enum.StrEnum):
    """read < write < admin: each role may do everything the ones before it may."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        return _RANK[self] >= _RANK[needed]


_RANK = {Role.READ: 0, Role.WRITE: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key, without its secret."""

    id: str
    tenant: str
    role: Role
    name: str
    created_at: int
    revoked_at: int | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


#: The caller, as its API key says.
Principal = ApiKey


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    #: The full `sr_<id>_<secret>` string: the only time the secret is available.
    token: str


def acting(who: Principal, needed: Role) -> AbstractContextManager[str]:
    """Check the role, and return the context to run in: the caller's actor, so that ledger
    events name the key. Returned as is rather than wrapped in a generator of our own: one
    context manager per service call, not two (~1 µs)."""
    require(who, needed)
    return bound(current_trace_id(), Actor(who.tenant, who.id))


def require(who: Principal, needed: Role) -> None:
    """PermissionDenied unless `who` has the role `needed` (or a higher one)."""
    if not who.role.allows(needed):
        raise PermissionDenied(
            f"this operation needs the {needed.value} role; the key has {who.role.value}"
        )


def check_tenant(tenant: str) -> str:
    if not isinstance(tenant, str) or not tenant or len(tenant) > 64 or not tenant.isprintable():
        raise ValidationError("tenant", "must be 1 to 64 printable characters")
    return tenant


@dataclass(slots=True)
class _Cached:
    key: ApiKey
    digest: bytes
    until: float


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _split(token: str) -> tuple[str, str]:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 32 or not parts[2]:
        raise Unauthenticated("malformed API key: expected sr_<id>_<secret>")
    return parts[1], parts[2]


def _key(stored: StoredKey) -> ApiKey:
    return ApiKey(
        id=stored.id,
        tenant=stored.tenant,
        role=Role(stored.role),
        name=stored.name,
        created_at=stored.created_at,
        revoked_at=stored.revoked_at,
    )


class AccessService:
    """API keys over an ApiKeyStore.

    `authenticate` answers every request. `create`, `list`, `get` and `revoke` are an
    operator's (the CLI's: any tenant); `create_key`, `list_keys` and `revoke_key` are a
    caller's, admin only and within the caller's own tenant.
    """

    def __init__(
        self,
        store: ApiKeyStore,
        clock: Clock,
        cache_ttl: float = 5.0,
        limiter: RateLimiter | None = None,
    ) -> None:
        """`limiter`: the rate limits every authenticated request is admitted by (None: none);
        whoever made it closes it."""
        self._store = store
        self._clock = clock
        self._cache_ttl = cache_ttl
        self._limiter = limiter
        self._cache: dict[str, _Cached] = {}
        #: The lookup in flight for a key id that is missing from the cache or stale.
        self._lookups: dict[str, asyncio.Task[_Cached | None]] = {}

    async def close(self) -> None:
        await self._store.close()

    async def authenticate(self, token: str | None) -> Principal:
        """The key `token` presents; Unauthenticated if it is missing, unknown or revoked,
        RateLimited if the key or its tenant is over its rate limit."""
        if not token:
            raise Unauthenticated("an API key is required: Authorization: Bearer sr_<id>_<secret>")
        key_id, secret = _split(token)
        cached = self._cache.get(key_id)
        if cached is None or cached.until < time.monotonic():
            lookup = self._lookups.get(key_id)
            if lookup is None:
                lookup = asyncio.create_task(self._load(key_id))
                self._lookups[key_id] = lookup
            # Shielded: a caller that gives up must not cancel the others' lookup.
            cached = await asyncio.shield(lookup)
            if cached is None:
                raise Unauthenticated("unknown API key")
        if not hmac.compare_digest(cached.digest, _digest(secret)):
            raise Unauthenticated("unknown API key")
        if cached.key.revoked:
            raise Unauthenticated("this API key has been revoked")
        if self._limiter is not None:
            await self._limiter.admit(cached.key.id, cached.key.tenant)
        return cached.key

    async def _load(self, key_id: str) -> _Cached | None:
        """Read one key into the cache (None: no such key), unless revoked meanwhile."""
        try:
            stored = await self._store.get(key_id)
        finally:
            current = self._lookups.get(key_id) is asyncio.current_task()
            if current:
                del self._lookups[key_id]
        if stored is None:
            self._cache.pop(key_id, None)
            return None
        cached = _Cached(_key(stored), stored.secret_sha256, time.monotonic() + self._cache_ttl)
        if current:
            self._cache[key_id] = cached
        return cached

    # -- a caller's, within its tenant ----------------------------------------------------

    async def create_key(self, who: Principal, role: Role, name: str = "") -> NewKey:
        with acting(who, Role.ADMIN):
            return await self.create(who.tenant, role, name)

    async def list_keys(self, who: Principal) -> list[ApiKey]:
        with acting(who, Role.ADMIN):
            return await self.list(who.tenant)

    async def revoke_key(self, who: Principal, key_id: str) -> ApiKey:
        with acting(who, Role.ADMIN):
            return await self.revoke(key_id, tenant=who.tenant)

    # -- an operator's --------------------------------------------------------------------

    async def create(self, tenant: str, role: Role | str, name: str = "") -> NewKey:
        try:
            role = Role(role)
        except ValueError:
            raise ValidationError("role", "must be read, write or admin") from None
        key = ApiKey(
            id=new_id().hex,
            tenant=check_tenant(tenant),
            role=role,
            name=name,
            created_at=self._clock.now_ns(),
        )
        secret = base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).decode().rstrip("=")
        await self._store.insert(
            key.id, key.tenant, key.role.value, key.name, key.created_at, _digest(secret)
        )
        return NewKey(key, f"{PREFIX}_{key.id}_{secret}")

    async def get(self, key_id: str, tenant: str | None = None) -> ApiKey:
        stored = await self._store.get(key_id, tenant=tenant)
        if stored is None:
            raise NotFound(f"API key {key_id} not found")
        return _key(stored)

    async def revoke(self, key_id: str, tenant: str | None = None) -> ApiKey:
        """Revoke a key (idempotent); `tenant` given: only a key of that tenant."""
        key = await self.get(key_id, tenant)
        if key.revoked_at is None:
            await self._store.revoke(key_id, self._clock.now_ns())
            # Read back: a concurrent revocation's time is the one that stays.
            key = await self.get(key_id)
        # A lookup that started before the revocation must not cache what it read.
        self._lookups.pop(key_id, None)
        self._cache.pop(key_id, None)
        return key

    # Last: below it, `list` in an annotation would name this method.
    async def list(self, tenant: str | None = None) -> list[ApiKey]:
        return [_key(stored) for stored in await self._store.list(tenant)]
