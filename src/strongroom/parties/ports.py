"""The port of the parties: what `PartyRepository` needs from a database, and the record that
crosses it. strongroom.store.parties implements it; it only ever sees sealed values.

Plain records and protocols only: must not import strongroom.store.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SealedParty:
    """A party as stored: its identity in clear, its personal fields sealed."""

    id: uuid.UUID
    tenant: str
    created_at: int
    #: What RecordCipher.seal makes of the personal fields, by column: `dek_id`, each field's
    #: ciphertext (None when absent) and each blind index.
    columns: Mapping[str, object]


class PartyStore(Protocol):
    async def insert(self, party: SealedParty) -> None: ...

    async def get(self, tenant: str, party_id: uuid.UUID) -> SealedParty | None:
        """The party, if it exists in `tenant`."""
        ...

    async def find_by_index(self, tenant: str, field: str, index: bytes) -> list[SealedParty]:
        """The parties of `tenant` whose blind index of `field` is `index`, by id. An index can
        collide: the caller checks each candidate's decrypted value."""
        ...
