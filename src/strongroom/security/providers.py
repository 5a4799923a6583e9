"""The key provider interface: where key-encryption keys (KEKs) live and how they wrap data keys.

A provider never hands out a KEK; it only wraps and unwraps data keys (DEKs) with one. That is
the shape of a cloud KMS (Encrypt/Decrypt) and of HashiCorp Vault transit (encrypt/decrypt), so
either fits behind this protocol; docs/security.md shows the mapping. The local key file
(strongroom.security.keyfile) is the default implementation.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A data key encrypted under KEK `version`; `ciphertext` is opaque to everyone but the
    provider that made it."""

    version: int
    ciphertext: bytes


class KeyProvider(Protocol):
    """Holds versioned KEKs. Every version ever made stays able to unwrap until it is retired."""

    async def current_version(self) -> int:
        """The version new wraps use."""
        ...

    async def wrap(self, key: bytes, *, context: bytes) -> WrappedKey:
        """Encrypt `key` under the current KEK. `context` is authenticated, not stored: unwrap
        must be given the same bytes (it binds a wrapped key to its row)."""
        ...

    async def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        """Decrypt a key wrapped under `wrapped.version`. Raises UnknownKeyVersion for a version
        the provider does not hold, DecryptionFailed when the ciphertext or context is wrong."""
        ...

    async def rotate(self) -> int:
        """Create a new KEK version, make it current, and return it. Older versions still unwrap."""
        ...
