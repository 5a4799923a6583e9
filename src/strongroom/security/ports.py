"""The ports of envelope encryption: what the keyring and crypto-shredding need from a database,
and the records that cross them. strongroom.store implements them (`store/data_keys.py`,
`store/shredding.py`); the composition root (strongroom.bootstrap.open_encryption) wires them.

Implementations never see an unwrapped key or a plaintext value. Plain records and protocols
only: must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from strongroom.security.providers import WrappedKey

Purpose = Literal["data", "index"]
State = Literal["active", "destroyed"]


@dataclass(frozen=True, slots=True)
class DataKey:
    id: uuid.UUID
    tenant: str
    subject: str
    purpose: Purpose
    kek_version: int
    #: None once the key is destroyed.
    wrapped_key: bytes | None
    state: State


class DataKeyStore(Protocol):
    """Persistence of wrapped data keys. Implementations never see an unwrapped key."""

    async def get(self, key_id: uuid.UUID) -> DataKey | None: ...

    async def find_active(self, tenant: str, subject: str, purpose: Purpose) -> DataKey | None: ...

    async def insert(self, key: DataKey) -> DataKey:
        """Store `key`; if another writer stored an active key for the same (tenant, subject,
        purpose) first, return that one instead (both callers then use the same key)."""
        ...

    async def stale(self, current_version: int, limit: int) -> list[DataKey]:
        """Up to `limit` active keys wrapped under a version other than `current_version`."""
        ...

    async def rewrap(self, rewrapped: list[tuple[DataKey, WrappedKey]]) -> int:
        """Replace each key's wrapping in one transaction, only where it is still the one read
        (same KEK version, still active). Returns how many rows changed."""
        ...

    async def destroy(self, tenant: str, subject: str) -> list[uuid.UUID]:
        """Mark the subject's active keys destroyed and erase their wrapped bytes."""
        ...

    async def versions(self) -> dict[int, int]:
        """Active keys per KEK version."""
        ...


class BlindIndexStore(Protocol):
    """The blind indexes (`<field>_bidx` columns, see fields.py) of every table with encrypted
    fields."""

    async def forget(self, tenant: str, subject: str) -> None:
        """Clear the blind indexes of every row sealed under any data key `subject` ever had in
        `tenant`, active or destroyed, in one transaction. Clearing them again is a no-op."""
        ...
