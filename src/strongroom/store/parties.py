"""The `parties` table: implements strongroom.parties.ports.PartyStore in SQL on either backend.

Stores and returns sealed parties only: sealing, opening and the blind-index check are the
domain's (strongroom.parties.repository). May import strongroom.parties' declaration and port,
strongroom.security and strongroom.store; never services, api or cli.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.parties.fields import ENCRYPTED_FIELDS
from strongroom.parties.ports import SealedParty
from strongroom.security.fields import index_column
from strongroom.store.encrypted import EncryptedTable
from strongroom.store.tables import parties

PARTIES = EncryptedTable(parties, ENCRYPTED_FIELDS)
_SEALED_COLUMNS = PARTIES.sealed_columns()


def _sealed(row: sa.Row[Any]) -> SealedParty:
    columns = row._mapping
    return SealedParty(
        row.id, row.tenant, row.created_at, {name: columns[name] for name in _SEALED_COLUMNS}
    )


class SqlPartyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def insert(self, party: SealedParty) -> None:
        async with self.engine.begin() as connection:
            await connection.execute(
                parties.insert().values(
                    id=party.id, tenant=party.tenant, created_at=party.created_at, **party.columns
                )
            )

    async def get(self, tenant: str, party_id: uuid.UUID) -> SealedParty | None:
        query = sa.select(parties).where(parties.c.tenant == tenant, parties.c.id == party_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else _sealed(row)

    async def find_by_index(self, tenant: str, field: str, index: bytes) -> list[SealedParty]:
        query = (
            sa.select(parties)
            .where(parties.c.tenant == tenant, parties.c[index_column(field)] == index)
            .order_by(parties.c.id)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_sealed(row) for row in rows]
