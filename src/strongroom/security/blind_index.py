"""Keyed blind indexes: equality search over encrypted fields without decrypting them.

A blind index is HMAC-SHA256(field key, normalized value), truncated. Each field of each table
has its own key, derived with HKDF from the tenant's index root key, so equal values in two
fields or two tenants give unrelated indexes. What it leaks, and why it is truncated, is in
docs/security.md ("Blind indexes").

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from strongroom.security.envelope import associated_data

#: Default index size in bytes (64 bits): see docs/security.md for the trade-off.
DEFAULT_SIZE = 8


def field_key(root: bytes, table: str, field: str) -> bytes:
    """The HMAC key of one field of one table, derived from a tenant's index root."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=associated_data("blind_index", table, field),
    )
    return hkdf.derive(root)


def blind_index(key: bytes, normalized: str, size: int = DEFAULT_SIZE) -> bytes:
    if not 4 <= size <= 32:
        raise ValueError("a blind index is between 4 and 32 bytes")
    return hmac.digest(key, normalized.encode(), "sha256")[:size]
