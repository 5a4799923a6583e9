"""Errors of envelope encryption. Subclasses of the shared hierarchy in strongroom.errors."""

from __future__ import annotations

from strongroom.errors import ConfigurationError, StrongroomError


class DataShredded(StrongroomError):
    """The data key for this record was destroyed (crypto-shredding): the data is gone for good."""

    code = "data_shredded"

    def __init__(self, key_id: object) -> None:
        super().__init__(f"data key {key_id} was destroyed: the data it protected is unreadable")
        self.key_id = key_id


class DecryptionFailed(StrongroomError):
    """A ciphertext failed authentication: tampered, truncated, or moved to another row or field."""

    code = "decryption_failed"


class UnknownKeyVersion(ConfigurationError):
    """A wrapped key names a key-encryption key version the provider does not hold."""

    code = "unknown_key_version"

    def __init__(self, version: int) -> None:
        super().__init__(f"key-encryption key version {version} is not held by the key provider")
        self.version = version
