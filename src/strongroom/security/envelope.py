"""AES-256-GCM sealing with associated data: the one place Strongroom turns bytes into ciphertext.

A sealed value is `FORMAT (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes)`. The
associated data is never stored: the reader rebuilds it from where the value sits (table, field,
row id, data key id), so a ciphertext copied to another row or field fails authentication.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.security.errors import DecryptionFailed

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
#: Leading byte of every sealed value, so the format can change without guessing.
FORMAT = b"\x01"
AAD_PREFIX = b"strongroom/aad/1"


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def associated_data(*parts: str | bytes) -> bytes:
    """Length-prefixed concatenation, so ("ab", "c") and ("a", "bc") never collide."""
    return AAD_PREFIX + b"".join(aad_part(part) for part in parts)


def aad_part(part: str | bytes) -> bytes:
    """One length-prefixed element; `associated_data(*a) + aad_part(b)` equals
    `associated_data(*a, b)`, which lets callers precompute the constant elements."""
    raw = part.encode() if isinstance(part, str) else part
    return len(raw).to_bytes(4, "big") + raw


def seal(cipher: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    # Random 96-bit nonces: safe for well under 2**32 messages per key, and each DEK covers
    # one customer or one tenant, far below that bound.
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + cipher.encrypt(nonce, plaintext, aad)


def open_sealed(cipher: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < 1 + NONCE_BYTES + TAG_BYTES or sealed[:1] != FORMAT:
        raise DecryptionFailed("not a sealed value of a known format")
    nonce = sealed[1 : 1 + NONCE_BYTES]
    try:
        return cipher.decrypt(nonce, sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise DecryptionFailed(
            "ciphertext failed authentication (tampered, or moved from another row or field)"
        ) from None
