"""Declared encrypted fields: the domain that owns personal data says once which of its fields
hold it, and this module turns plaintext values into column values (ciphertext, blind index,
data key id) and back.

A domain declares `ENCRYPTED_FIELDS = {"email": Blind(normalize=...), "address": Encrypted()}`
(strongroom.parties.fields does); the store binds it to a table (strongroom.store.encrypted).
Each field is a BLOB column of the same name holding a sealed value; a `Blind` field also has a
`<name>_bidx` column; every row has a `dek_id` column naming the data key that sealed it. The
associated data of each value is (table, tenant, row id, data key id, field), so a ciphertext
moved to another row, field or tenant does not decrypt.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from strongroom.security.blind_index import DEFAULT_SIZE, blind_index, field_key
from strongroom.security.cache import KeyCache
from strongroom.security.envelope import aad_part, associated_data, open_sealed, seal
from strongroom.security.keyring import Keyring


def _unchanged(value: str) -> str:
    return value


@dataclass(frozen=True, slots=True)
class Encrypted:
    """A text field stored only as AES-256-GCM ciphertext."""


@dataclass(frozen=True, slots=True)
class Blind(Encrypted):
    """An encrypted text field that is also searchable by equality through a blind index.
    `normalize` maps values that should match to one form (e.g. lower-case emails)."""

    normalize: Callable[[str], str] = _unchanged
    size: int = DEFAULT_SIZE


DEK_COLUMN = "dek_id"


def index_column(field: str) -> str:
    return f"{field}_bidx"


def sealed_columns(fields: Mapping[str, Encrypted]) -> list[str]:
    """Every column a declaration needs: dek_id, one per field, one per blind index."""
    names = [DEK_COLUMN]
    for name, spec in fields.items():
        names.append(name)
        if isinstance(spec, Blind):
            names.append(index_column(name))
    return names


class RecordCipher:
    """Seals and opens the declared fields of one table's rows."""

    def __init__(self, keyring: Keyring, table: str, fields: Mapping[str, Encrypted]) -> None:
        self.keyring = keyring
        self.table = table
        self.fields = dict(fields)
        # The constant part of each field's associated data, computed once (hot path).
        self._field_aad = {name: aad_part(name) for name in self.fields}
        self._field_keys: KeyCache[tuple[str, str], bytes] = KeyCache(
            4096, 300 * 10**9, keyring.clock
        )

    async def seal(
        self, tenant: str, subject: str, row_id: uuid.UUID, values: Mapping[str, str | None]
    ) -> dict[str, object]:
        """Column values for a row of `subject`'s data: ciphertexts, blind indexes, dek_id."""
        unknown = set(values) - set(self.fields)
        if unknown:
            raise KeyError(f"{self.table} declares no encrypted field {sorted(unknown)}")
        key_id, cipher = await self.keyring.data_key(tenant, subject)
        row: dict[str, object] = {DEK_COLUMN: key_id}
        row_aad = self._row_aad(tenant, row_id, key_id)
        for name, spec in self.fields.items():
            value = values.get(name)
            sealed = None
            if value is not None:
                sealed = seal(cipher, value.encode(), row_aad + self._field_aad[name])
            row[name] = sealed
            if isinstance(spec, Blind):
                row[index_column(name)] = (
                    None if value is None else await self.blind(tenant, name, value)
                )
        return row

    async def open(
        self, tenant: str, row_id: uuid.UUID, row: Mapping[Any, object]
    ) -> dict[str, str | None]:
        """Plaintext of every declared field of a row. Raises DataShredded if its key is gone,
        DecryptionFailed if a value does not belong to this row and field."""
        key_id = row[DEK_COLUMN]
        if not isinstance(key_id, uuid.UUID):
            raise TypeError(f"{self.table}.{DEK_COLUMN} must be a UUID, got {key_id!r}")
        cipher = await self.keyring.cipher(key_id)
        row_aad = self._row_aad(tenant, row_id, key_id)
        values: dict[str, str | None] = {}
        for name in self.fields:
            sealed = row[name]
            if sealed is None:
                values[name] = None
                continue
            if not isinstance(sealed, bytes):
                raise TypeError(f"{self.table}.{name} must hold bytes, got {type(sealed)}")
            values[name] = open_sealed(cipher, sealed, row_aad + self._field_aad[name]).decode()
        return values

    async def blind(self, tenant: str, field: str, value: str) -> bytes:
        """The blind index of `value` in `field` for `tenant` (what equality search compares)."""
        spec = self.fields.get(field)
        if not isinstance(spec, Blind):
            raise KeyError(f"{self.table}.{field} is not declared searchable (Blind)")
        key = self._field_keys.get((tenant, field))
        if key is None:
            key = field_key(await self.keyring.index_root(tenant), self.table, field)
            self._field_keys.put((tenant, field), key)
        return blind_index(key, spec.normalize(value), spec.size)

    def _row_aad(self, tenant: str, row_id: uuid.UUID, key_id: uuid.UUID) -> bytes:
        # Followed by the field name: (table, tenant, row id, data key id, field).
        return associated_data(self.table, tenant, row_id.bytes, key_id.bytes)
