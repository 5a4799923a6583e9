"""Tables with encrypted fields: a table plus its declaration of which columns hold personal data.

The declaration (`{"email": Blind(...), "address": Encrypted()}`) is written once, next to the
table, and drives sealing, opening, blind-index search and shredding; services only ever see
plaintext. May import strongroom.security; never services, api or cli.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from strongroom.security.fields import (
    Blind,
    Encrypted,
    RecordCipher,
    index_column,
    sealed_columns,
)
from strongroom.security.keyring import Keyring


@dataclass(frozen=True)
class EncryptedTable:
    table: sa.Table
    fields: Mapping[str, Encrypted] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [name for name in sealed_columns(self.fields) if name not in self.table.c]
        if missing:
            raise ValueError(f"table {self.table.name} lacks encrypted-field columns {missing}")

    def index_columns(self) -> list[str]:
        return [index_column(name) for name, spec in self.fields.items() if isinstance(spec, Blind)]

    def cipher(self, keyring: Keyring) -> RecordCipher:
        return RecordCipher(keyring, self.table.name, self.fields)
