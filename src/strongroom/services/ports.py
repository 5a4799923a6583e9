"""The ports of the services: what they need stored. `strongroom.store` implements them
(`store/api_keys.py`) and `strongroom.bootstrap` hands the adapters in.

What crosses these ports is plain values in, and records out that the store builds from its own
types: a record fits when it has the attributes declared here (structural typing), so the
adapter needs nothing of the services.

May import only the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class StoredKey(Protocol):
    """An API key as stored: the hash of its secret, never the secret."""

    @property
    def id(self) -> str: ...
    @property
    def tenant(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def created_at(self) -> int: ...
    @property
    def revoked_at(self) -> int | None: ...
    @property
    def secret_sha256(self) -> bytes: ...


class ApiKeyStore(Protocol):
    """The API keys of every tenant."""

    async def insert(
        self, id: str, tenant: str, role: str, name: str, created_at: int, secret_sha256: bytes
    ) -> None: ...

    async def get(self, key_id: str, *, tenant: str | None = None) -> StoredKey | None:
        """The key `key_id`; `tenant` given, only if it is one of that tenant's."""
        ...

    async def revoke(self, key_id: str, revoked_at: int) -> None:
        """Mark the key revoked at `revoked_at`, unless it already is."""
        ...

    async def close(self) -> None: ...

    async def list(self, tenant: str | None) -> Sequence[StoredKey]:
        """Keys by id; `tenant` given, only that tenant's."""
        ...
