"""Crypto-shredding a subject: destroy their data keys and clear their blind indexes.

Destroying the keys makes every value sealed under them unreadable (DataShredded); clearing
the blind indexes first means the erased subject can no longer even be confirmed by searching
for a known email. Both steps are idempotent, so an interrupted shred is finished by running it
again. Every table with encrypted fields is listed in ENCRYPTED_TABLES.
May import strongroom.security; never services, api or cli.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.security.fields import DEK_COLUMN
from strongroom.security.keyring import Keyring
from strongroom.store.data_keys import SqlDataKeyStore
from strongroom.store.encrypted import EncryptedTable
from strongroom.store.parties import PARTIES

ENCRYPTED_TABLES: tuple[EncryptedTable, ...] = (PARTIES,)


async def shred_subject(
    engine: AsyncEngine, keyring: Keyring, keys: SqlDataKeyStore, tenant: str, subject: str
) -> list[uuid.UUID]:
    """Erase `subject`'s personal data in `tenant`; returns the data keys destroyed now."""
    key_ids = await keys.key_ids(tenant, subject)
    if key_ids:
        async with engine.begin() as connection:
            for encrypted in ENCRYPTED_TABLES:
                columns = encrypted.index_columns()
                if not columns:
                    continue
                table = encrypted.table
                await connection.execute(
                    table.update()
                    .where(table.c[DEK_COLUMN].in_(key_ids))
                    .values(dict.fromkeys(columns))
                )
    return await keyring.shred(tenant, subject)
