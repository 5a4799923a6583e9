"""Security: envelope encryption of personal data.

AES-256-GCM data keys (DEKs) per customer or per tenant, stored only wrapped by a versioned
key-encryption key (KEK) from a KeyProvider (the local key file by default); ciphertexts bound
to their row and field; keyed blind indexes for equality search; KEK rotation that re-wraps
keys without touching data; crypto-shredding. See docs/security.md.

Platform layer: must not import the store, services, api or cli. Storage is reached through
the ports of ports.py (DataKeyStore, BlindIndexStore), which strongroom.store implements.
"""

from strongroom.security.errors import DataShredded, DecryptionFailed, UnknownKeyVersion
from strongroom.security.fields import Blind, Encrypted, RecordCipher
from strongroom.security.keyfile import LocalKeyFile, default_key_file
from strongroom.security.keyring import Keyring, Rotation
from strongroom.security.ports import BlindIndexStore, DataKey, DataKeyStore
from strongroom.security.providers import KeyProvider, WrappedKey

__all__ = [
    "Blind",
    "BlindIndexStore",
    "DataKey",
    "DataKeyStore",
    "DataShredded",
    "DecryptionFailed",
    "Encrypted",
    "KeyProvider",
    "Keyring",
    "LocalKeyFile",
    "RecordCipher",
    "Rotation",
    "UnknownKeyVersion",
    "WrappedKey",
    "default_key_file",
]
