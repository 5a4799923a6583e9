"""The database side of envelope encryption, wired together: an engine, the data-key table and a
keyring over a key provider. The CLI and tests open it from a URL; services get its parts.
May import strongroom.security; never services, api or cli.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.clock import Clock
from strongroom.security.keyring import Keyring
from strongroom.security.providers import KeyProvider
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.data_keys import SqlDataKeyStore
from strongroom.store.urls import DatabaseURL


@dataclass(frozen=True)
class EncryptionStore:
    engine: AsyncEngine
    keys: SqlDataKeyStore
    keyring: Keyring

    @classmethod
    def open(
        cls,
        url: DatabaseURL,
        provider: KeyProvider,
        *,
        cache_size: int = 4096,
        cache_ttl_s: float = 300.0,
        clock: Clock | None = None,
    ) -> EncryptionStore:
        engine = sqlalchemy_engine(url)
        keys = SqlDataKeyStore(engine, clock)
        keyring = Keyring(
            provider, keys, cache_size=cache_size, cache_ttl_s=cache_ttl_s, clock=clock
        )
        return cls(engine, keys, keyring)

    async def close(self) -> None:
        await self.engine.dispose()
