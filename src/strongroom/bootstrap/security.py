"""Wiring envelope encryption: the keyring over the data-key table and a key provider, the
parties sealed with it, and the key operations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.clock import Clock
from strongroom.parties.repository import PartyRepository
from strongroom.security.keyring import Keyring
from strongroom.security.providers import KeyProvider
from strongroom.services.security import EncryptionService
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.data_keys import SqlDataKeyStore
from strongroom.store.migrate import upgrade
from strongroom.store.parties import SqlPartyStore
from strongroom.store.shredding import SqlBlindIndexStore
from strongroom.store.urls import parse_url


@dataclass(frozen=True)
class Encryption:
    """Envelope encryption wired on one database: the keyring, the parties sealed with it, and
    the key operations (rotation, crypto-shredding). `close()` releases the connections."""

    keyring: Keyring
    parties: PartyRepository
    service: EncryptionService
    close: Callable[[], Awaitable[None]]


async def open_encryption(
    url: str,
    provider: KeyProvider,
    *,
    migrate: bool = True,
    cache_size: int = 4096,
    cache_ttl_s: float = 300.0,
    clock: Clock | None = None,
) -> Encryption:
    """Envelope encryption on `url` with KEKs from `provider`, after applying migrations (unless
    `migrate=False`). `cache_size` and `cache_ttl_s` bound the keyring's caches of unwrapped
    keys (docs/security.md, "DEK cache")."""
    parsed = parse_url(url)
    if migrate:
        await upgrade(parsed)
    return wire_encryption(
        sqlalchemy_engine(parsed),
        provider,
        cache_size=cache_size,
        cache_ttl_s=cache_ttl_s,
        clock=clock,
        owns_engine=True,
    )


def wire_encryption(
    engine: AsyncEngine,
    provider: KeyProvider,
    *,
    cache_size: int = 4096,
    cache_ttl_s: float = 300.0,
    clock: Clock | None = None,
    owns_engine: bool = False,
) -> Encryption:
    """Envelope encryption over `engine`'s connections; `close()` disposes the engine only when
    `owns_engine` (a Platform shares its engine and disposes it itself)."""
    keyring = Keyring(
        provider,
        SqlDataKeyStore(engine, clock),
        cache_size=cache_size,
        cache_ttl_s=cache_ttl_s,
        clock=clock,
    )
    return Encryption(
        keyring=keyring,
        parties=PartyRepository(SqlPartyStore(engine), keyring, clock),
        service=EncryptionService(keyring, SqlBlindIndexStore(engine)),
        close=engine.dispose if owns_engine else _nothing,
    )


async def _nothing() -> None:
    return None
