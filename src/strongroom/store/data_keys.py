"""The `data_keys` table: wrapped data keys (DEKs) and their state, for the security keyring.

Implements strongroom.security.ports.DataKeyStore in SQL on either backend. Never sees an
unwrapped key. May import strongroom.security's ports and plain types; never services, api or
cli.
"""

from __future__ import annotations

import uuid
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import StorageError
from strongroom.security.ports import DataKey, Purpose, State
from strongroom.security.providers import WrappedKey
from strongroom.store.tables import data_keys

_KEY_COLUMNS = (
    data_keys.c.id,
    data_keys.c.tenant,
    data_keys.c.subject,
    data_keys.c.purpose,
    data_keys.c.kek_version,
    data_keys.c.wrapped_key,
    data_keys.c.state,
)


def _key(row: sa.RowMapping) -> DataKey:
    return DataKey(
        id=row["id"],
        tenant=row["tenant"],
        subject=row["subject"],
        purpose=cast(Purpose, row["purpose"]),
        kek_version=row["kek_version"],
        wrapped_key=row["wrapped_key"],
        state=cast(State, row["state"]),
    )


class SqlDataKeyStore:
    def __init__(self, engine: AsyncEngine, clock: Clock | None = None) -> None:
        self.engine = engine
        self._clock = clock or SystemClock()

    async def get(self, key_id: uuid.UUID) -> DataKey | None:
        query = sa.select(*_KEY_COLUMNS).where(data_keys.c.id == key_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _key(row._mapping)

    async def find_active(self, tenant: str, subject: str, purpose: Purpose) -> DataKey | None:
        query = sa.select(*_KEY_COLUMNS).where(
            data_keys.c.tenant == tenant,
            data_keys.c.subject == subject,
            data_keys.c.purpose == purpose,
            data_keys.c.state == "active",
        )
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _key(row._mapping)

    async def insert(self, key: DataKey) -> DataKey:
        values = {column.name: getattr(key, column.name) for column in _KEY_COLUMNS}
        try:
            async with self.engine.begin() as connection:
                await connection.execute(
                    data_keys.insert().values(**values, created_at=self._clock.now_ns())
                )
        except IntegrityError:
            # Another writer created the active key for this subject first: use theirs.
            winner = await self.find_active(key.tenant, key.subject, key.purpose)
            if winner is None:
                raise StorageError(f"data key {key.id} could not be stored") from None
            return winner
        return key

    async def stale(self, current_version: int, limit: int) -> list[DataKey]:
        query = (
            sa.select(*_KEY_COLUMNS)
            .where(data_keys.c.state == "active", data_keys.c.kek_version != current_version)
            .order_by(data_keys.c.kek_version, data_keys.c.id)
            .limit(limit)
        )
        async with self.engine.connect() as connection:
            return [_key(row._mapping) for row in await connection.execute(query)]

    async def rewrap(self, rewrapped: list[tuple[DataKey, WrappedKey]]) -> int:
        changed = 0
        async with self.engine.begin() as connection:
            for key, wrapped in rewrapped:
                result = await connection.execute(
                    data_keys.update()
                    .where(
                        data_keys.c.id == key.id,
                        data_keys.c.kek_version == key.kek_version,
                        data_keys.c.state == "active",
                    )
                    .values(kek_version=wrapped.version, wrapped_key=wrapped.ciphertext)
                )
                changed += result.rowcount
        return changed

    async def destroy(self, tenant: str, subject: str) -> list[uuid.UUID]:
        statement = (
            data_keys.update()
            .where(
                data_keys.c.tenant == tenant,
                data_keys.c.subject == subject,
                data_keys.c.state == "active",
            )
            .values(state="destroyed", wrapped_key=None, destroyed_at=self._clock.now_ns())
            .returning(data_keys.c.id)
        )
        async with self.engine.begin() as connection:
            return [row.id for row in await connection.execute(statement)]

    async def versions(self) -> dict[int, int]:
        query = (
            sa.select(data_keys.c.kek_version, sa.func.count())
            .where(data_keys.c.state == "active")
            .group_by(data_keys.c.kek_version)
        )
        async with self.engine.connect() as connection:
            return {row[0]: row[1] for row in await connection.execute(query)}
