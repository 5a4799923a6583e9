"""Data keys (DEKs): created on demand, stored only wrapped by a KEK, cached unwrapped, rotated,
destroyed.

A DEK belongs to a tenant and a subject: a customer (one key per customer, so destroying it
erases exactly that customer's personal data) or the tenant itself (subject ""). Each tenant
also has one `index` key, the root from which blind-index keys are derived.

The keyring talks to storage through the DataKeyStore port (ports.py; strongroom.store.data_keys
implements it in SQL) and to KEKs through a KeyProvider. Must not import the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.clock import Clock, SystemClock
from strongroom.errors import Conflict, NotFound
from strongroom.ids import new_id
from strongroom.security.cache import KeyCache
from strongroom.security.envelope import associated_data, new_key
from strongroom.security.errors import DataShredded
from strongroom.security.ports import DataKey, DataKeyStore, Purpose
from strongroom.security.providers import KeyProvider, WrappedKey

#: The subject of a tenant-wide key.
TENANT_WIDE = ""


@dataclass(frozen=True, slots=True)
class Rotation:
    """Outcome of `Keyring.rotate_kek`."""

    target_version: int
    #: True when no new version was made: an earlier, interrupted rotation was finished.
    resumed: bool
    rewrapped: int


def _wrap_context(key_id: uuid.UUID, tenant: str, subject: str, purpose: str) -> bytes:
    # Binds a wrapped key to its own row: a wrapped key copied to another subject will not unwrap.
    return associated_data("data_key", key_id.bytes, tenant, subject, purpose)


class Keyring:
    """Hands out data keys, keeping unwrapped ones in a bounded in-memory LRU (see cache.py)."""

    def __init__(
        self,
        provider: KeyProvider,
        store: DataKeyStore,
        *,
        cache_size: int = 4096,
        cache_ttl_s: float = 300.0,
        clock: Clock | None = None,
    ) -> None:
        self.provider = provider
        self.store = store
        self.clock: Clock = clock or SystemClock()
        ttl_ns = int(cache_ttl_s * 10**9)
        self._ciphers: KeyCache[uuid.UUID, AESGCM] = KeyCache(cache_size, ttl_ns, self.clock)
        self._index_roots: KeyCache[str, bytes] = KeyCache(cache_size, ttl_ns, self.clock)
        self._active: KeyCache[tuple[str, str], uuid.UUID] = KeyCache(
            cache_size, ttl_ns, self.clock
        )

    async def data_key(self, tenant: str, subject: str) -> tuple[uuid.UUID, AESGCM]:
        """The active data key of (tenant, subject), created on first use."""
        key_id = self._active.get((tenant, subject))
        if key_id is not None:
            cipher = self._ciphers.get(key_id)
            if cipher is not None:
                return key_id, cipher
        key, plaintext = await self._active_key(tenant, subject, "data")
        cipher = AESGCM(plaintext)
        self._ciphers.put(key.id, cipher)
        self._active.put((tenant, subject), key.id)
        return key.id, cipher

    async def cipher(self, key_id: uuid.UUID) -> AESGCM:
        """The data key `key_id` for decryption. Raises DataShredded once it was destroyed."""
        cipher = self._ciphers.get(key_id)
        if cipher is not None:
            return cipher
        key = await self.store.get(key_id)
        if key is None:
            raise NotFound(f"data key {key_id} does not exist")
        cipher = AESGCM(await self._unwrap(key))
        self._ciphers.put(key_id, cipher)
        return cipher

    async def index_root(self, tenant: str) -> bytes:
        """The tenant's blind-index root key, created on first use."""
        root = self._index_roots.get(tenant)
        if root is None:
            _, root = await self._active_key(tenant, TENANT_WIDE, "index")
            self._index_roots.put(tenant, root)
        return root

    async def shred(self, tenant: str, subject: str) -> list[uuid.UUID]:
        """Destroy the subject's data keys: everything sealed under them becomes unreadable."""
        destroyed = await self.store.destroy(tenant, subject)
        for key_id in destroyed:
            self._ciphers.evict(key_id)
        self._active.evict((tenant, subject))
        if subject == TENANT_WIDE:
            self._index_roots.evict(tenant)
        return destroyed

    async def pending_rotation(self) -> int:
        """Active keys not yet wrapped under the provider's current KEK version."""
        current = await self.provider.current_version()
        return sum(n for version, n in (await self.store.versions()).items() if version != current)

    async def rotate_kek(
        self, *, batch_size: int = 256, progress: Callable[[int], None] | None = None
    ) -> Rotation:
        """Re-wrap every active key under a new KEK version; data is not re-encrypted.

        If keys are still wrapped under an older version, an earlier rotation was interrupted:
        finish it under the current version instead of making another. Both versions unwrap
        throughout, and each batch commits on its own, so stopping anywhere loses nothing.
        `progress` is called with the running total after each committed batch.
        """
        resumed = await self.pending_rotation() > 0
        target = await self.provider.current_version() if resumed else await self.provider.rotate()
        rewrapped = 0
        while batch := await self.store.stale(target, batch_size):
            pairs: list[tuple[DataKey, WrappedKey]] = []
            for key in batch:
                context = _wrap_context(key.id, key.tenant, key.subject, key.purpose)
                wrapped = await self.provider.wrap(await self._unwrap(key), context=context)
                if wrapped.version != target:
                    raise Conflict(
                        f"the KEK moved to version {wrapped.version} during rotation to"
                        f" {target}; run the rotation again to finish"
                    )
                pairs.append((key, wrapped))
            rewrapped += await self.store.rewrap(pairs)
            if progress is not None:
                progress(rewrapped)
        return Rotation(target, resumed, rewrapped)

    async def _active_key(
        self, tenant: str, subject: str, purpose: Purpose
    ) -> tuple[DataKey, bytes]:
        key = await self.store.find_active(tenant, subject, purpose)
        if key is not None:
            return key, await self._unwrap(key)
        key_id = new_id()
        plaintext = new_key()
        wrapped = await self.provider.wrap(
            plaintext, context=_wrap_context(key_id, tenant, subject, purpose)
        )
        candidate = DataKey(
            key_id, tenant, subject, purpose, wrapped.version, wrapped.ciphertext, "active"
        )
        stored = await self.store.insert(candidate)
        if stored.id == key_id:
            return stored, plaintext
        return stored, await self._unwrap(stored)

    async def _unwrap(self, key: DataKey) -> bytes:
        if key.state == "destroyed" or key.wrapped_key is None:
            raise DataShredded(key.id)
        context = _wrap_context(key.id, key.tenant, key.subject, key.purpose)
        return await self.provider.unwrap(
            WrappedKey(key.kek_version, key.wrapped_key), context=context
        )
