"""Tables with encrypted fields: a table plus the domain's declaration of which of its columns
hold personal data.

The declaration (`{"email": Blind(...), "address": Encrypted()}`) is written once, by the domain
that owns the data (e.g. strongroom.parties.fields); binding it to its table here checks, on
import, that the table has every column it needs, and tells crypto-shredding which blind-index
columns to clear. Sealing and opening happen above, in the domain; this module holds no key.
May import strongroom.security; never services, api or cli.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from strongroom.security.fields import Blind, Encrypted, index_column, sealed_columns


@dataclass(frozen=True)
class EncryptedTable:
    table: sa.Table
    fields: Mapping[str, Encrypted] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [name for name in sealed_columns(self.fields) if name not in self.table.c]
        if missing:
            raise ValueError(f"table {self.table.name} lacks encrypted-field columns {missing}")

    def sealed_columns(self) -> list[str]:
        """The columns holding what RecordCipher.seal makes: dek_id, ciphertexts, indexes."""
        return sealed_columns(self.fields)

    def index_columns(self) -> list[str]:
        return [index_column(name) for name, spec in self.fields.items() if isinstance(spec, Blind)]
