"""API keys: create (the secret is shown once), list, revoke, and authenticate a presented key.

A key reads `sr_<id>_<secret>`: `id` is 32 hex digits (public, stored as is) and `secret` is 32
random bytes in URL-safe base64. Only SHA-256(secret) is stored. A slow password hash (bcrypt,
argon2) protects low-entropy human passwords against guessing; a 256-bit random secret cannot be
guessed, so one fast hash is enough and keeps authentication off the request's critical path.

Verified keys are cached in memory for `cache_ttl` seconds: a revocation made through this store
applies at once, one made by another process (the CLI) within `cache_ttl`. A key missing from the
cache is looked up once however many requests present it meanwhile: when the entry of a busy key
expires, its concurrent requests (64 under bench-http) all wait for that one query instead of
each sending their own.

May import strongroom.store (URLs, migrations), errors, ids, clock; never the transports.
"""

from __future__ import annotations

import asyncio
import base64
import enum
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import NotFound, Unauthenticated, ValidationError
from strongroom.ids import new_id
from strongroom.store.migrate import upgrade
from strongroom.store.tables import api_keys
from strongroom.store.urls import DEFAULT_URL, parse_url

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


@dataclass(frozen=True, slots=True)
class NewKey:
    key: ApiKey
    #: The full `sr_<id>_<secret>` string: the only time the secret is available.
    token: str


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


def _row_to_key(row: sa.Row[tuple[object, ...]]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        id=m["id"],
        tenant=m["tenant"],
        role=Role(m["role"]),
        name=m["name"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
    )


def check_tenant(tenant: str) -> str:
    if not isinstance(tenant, str) or not tenant or len(tenant) > 64 or not tenant.isprintable():
        raise ValidationError("tenant", "must be 1 to 64 printable characters")
    return tenant


class KeyStore:
    """The `api_keys` table, on the same database as the ledger."""

    def __init__(self, engine: AsyncEngine, clock: Clock, cache_ttl: float) -> None:
        self._engine = engine
        self._clock = clock
        self._cache_ttl = cache_ttl
        self._cache: dict[str, _Cached] = {}
        #: The lookup in flight for a key id that is missing from the cache or stale.
        self._lookups: dict[str, asyncio.Task[_Cached | None]] = {}

    @classmethod
    async def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        migrate: bool = True,
        clock: Clock | None = None,
        cache_ttl: float = 5.0,
    ) -> KeyStore:
        parsed = parse_url(url)
        if migrate:
            await upgrade(parsed)
        connect_args: dict[str, object] = {}
        if parsed.kind == "postgresql" and parsed.schema:
            connect_args["server_settings"] = {"search_path": parsed.schema}
        if parsed.kind == "sqlite":
            # The ledger's writer may hold the file lock for a batch; wait for it, don't fail.
            connect_args["timeout"] = 10
        engine = create_async_engine(parsed.sqlalchemy_url(), connect_args=connect_args)
        return cls(engine, clock or SystemClock(), cache_ttl)

    async def close(self) -> None:
        await self._engine.dispose()

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
        async with self._engine.begin() as conn:
            await conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    tenant=key.tenant,
                    role=key.role.value,
                    name=key.name,
                    secret_sha256=_digest(secret),
                    created_at=key.created_at,
                )
            )
        return NewKey(key, f"{PREFIX}_{key.id}_{secret}")

    async def list(self, tenant: str | None = None) -> list[ApiKey]:
        query = api_keys.select().order_by(api_keys.c.id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row_to_key(r) for r in rows]

    async def get(self, key_id: str, tenant: str | None = None) -> ApiKey:
        async with self._engine.connect() as conn:
            row = (await conn.execute(api_keys.select().where(api_keys.c.id == key_id))).first()
        if row is None or (tenant is not None and row._mapping["tenant"] != tenant):
            raise NotFound(f"API key {key_id} not found")
        return _row_to_key(row)

    async def revoke(self, key_id: str, tenant: str | None = None) -> ApiKey:
        """Revoke a key (idempotent); `tenant` given: only a key of that tenant."""
        key = await self.get(key_id, tenant)
        if key.revoked_at is None:
            now = self._clock.now_ns()
            async with self._engine.begin() as conn:
                await conn.execute(
                    api_keys.update()
                    .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                    .values(revoked_at=now)
                )
            key = await self.get(key_id)
        # A lookup that started before the revocation must not cache what it read.
        self._lookups.pop(key_id, None)
        self._cache.pop(key_id, None)
        return key

    async def authenticate(self, token: str | None) -> ApiKey:
        """The key `token` presents; Unauthenticated if it is missing, unknown or revoked."""
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
        return cached.key

    async def _load(self, key_id: str) -> _Cached | None:
        """Read one key into the cache (None: no such key), unless revoked meanwhile."""
        try:
            async with self._engine.connect() as conn:
                row = (await conn.execute(api_keys.select().where(api_keys.c.id == key_id))).first()
        finally:
            current = self._lookups.get(key_id) is asyncio.current_task()
            if current:
                del self._lookups[key_id]
        if row is None:
            self._cache.pop(key_id, None)
            return None
        until = time.monotonic() + self._cache_ttl
        cached = _Cached(_row_to_key(row), row._mapping["secret_sha256"], until)
        if current:
            self._cache[key_id] = cached
        return cached
