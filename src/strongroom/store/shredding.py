"""Blind indexes of crypto-shredded subjects: implements strongroom.security.ports.BlindIndexStore
over every table with encrypted fields, listed in ENCRYPTED_TABLES.

The order of a shred (indexes first, then the data keys) is strongroom.services.security's;
this module only clears the indexes. May import strongroom.security and strongroom.store;
never services, api or cli.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.security.fields import DEK_COLUMN
from strongroom.store.banking import BENEFICIARIES
from strongroom.store.encrypted import EncryptedTable
from strongroom.store.parties import PARTIES
from strongroom.store.tables import data_keys

ENCRYPTED_TABLES: tuple[EncryptedTable, ...] = (PARTIES, BENEFICIARIES)


class SqlBlindIndexStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def forget(self, tenant: str, subject: str) -> None:
        subject_keys = sa.select(data_keys.c.id).where(
            data_keys.c.tenant == tenant, data_keys.c.subject == subject
        )
        async with self.engine.begin() as connection:
            for encrypted in ENCRYPTED_TABLES:
                columns = encrypted.index_columns()
                if not columns:
                    continue
                table = encrypted.table
                await connection.execute(
                    table.update()
                    .where(table.c[DEK_COLUMN].in_(subject_keys))
                    .values(dict.fromkeys(columns))
                )
