"""Operations on encryption keys: KEK rotation and crypto-shredding of a customer.

`EncryptionService` holds the order of a shred: first clear the subject's blind indexes, so an
erased customer can no longer even be confirmed by searching for a known email, then destroy
their data keys, which makes every value sealed under them unreadable (DataShredded). Both
steps are idempotent, so an interrupted shred is finished by running it again. No SQL: storage
is reached through strongroom.security's ports, wired by strongroom.bootstrap.open_encryption.
May import the domain, platform and core packages; never strongroom.store, api or cli.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from strongroom.security.keyring import Keyring, Rotation
from strongroom.security.ports import BlindIndexStore


class EncryptionService:
    def __init__(self, keyring: Keyring, indexes: BlindIndexStore) -> None:
        self._keyring = keyring
        self._indexes = indexes

    async def rotation_size(self) -> int:
        """How many data keys `rotate_kek` will re-wrap: those an interrupted rotation left
        under an older KEK version, else every active key."""
        pending = await self._keyring.pending_rotation()
        return pending or sum((await self._keyring.store.versions()).values())

    async def rotate_kek(
        self, *, batch_size: int = 256, progress: Callable[[int], None] | None = None
    ) -> Rotation:
        """See Keyring.rotate_kek: finishes an interrupted rotation instead of starting one."""
        return await self._keyring.rotate_kek(batch_size=batch_size, progress=progress)

    async def shred(self, tenant: str, subject: str) -> list[uuid.UUID]:
        """Erase `subject`'s personal data in `tenant`; returns the data keys destroyed now."""
        await self._indexes.forget(tenant, subject)
        return await self._keyring.shred(tenant, subject)
