"""The `api_keys` table on either backend: implements strongroom.services.ports.ApiKeyStore.

Holds SHA-256 of each key's secret, never the secret. The port is implemented structurally:
this module reads and returns its own `ApiKeyRow`s and imports nothing of the services.

May import strongroom.store's tables and connections; never services, api or cli.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import api_keys
from strongroom.store.urls import DatabaseURL


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: str
    tenant: str
    role: str
    name: str
    created_at: int
    revoked_at: int | None
    secret_sha256: bytes


def _row(row: sa.Row[tuple[object, ...]]) -> ApiKeyRow:
    m = row._mapping
    return ApiKeyRow(
        id=m["id"],
        tenant=m["tenant"],
        role=m["role"],
        name=m["name"],
        created_at=m["created_at"],
        revoked_at=m["revoked_at"],
        secret_sha256=m["secret_sha256"],
    )


class SqlApiKeyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlApiKeyStore:
        return cls(sqlalchemy_engine(url))

    async def close(self) -> None:
        await self._engine.dispose()

    async def insert(
        self, id: str, tenant: str, role: str, name: str, created_at: int, secret_sha256: bytes
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                api_keys.insert().values(
                    id=id,
                    tenant=tenant,
                    role=role,
                    name=name,
                    secret_sha256=secret_sha256,
                    created_at=created_at,
                )
            )

    async def get(self, key_id: str, *, tenant: str | None = None) -> ApiKeyRow | None:
        query = api_keys.select().where(api_keys.c.id == key_id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _row(row)

    async def revoke(self, key_id: str, revoked_at: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=revoked_at)
            )

    async def list(self, tenant: str | None) -> Sequence[ApiKeyRow]:
        query = api_keys.select().order_by(api_keys.c.id)
        if tenant is not None:
            query = query.where(api_keys.c.tenant == tenant)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_row(r) for r in rows]
