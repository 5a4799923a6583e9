"""Parties: the personal data of customers (name, email, national id, date of birth, address).

Every personal field is stored encrypted under the customer's own data key (so destroying that
key erases the customer), and email and national id are searchable through blind indexes. The
repository takes and returns plaintext `Party` records: encryption is invisible to services.
May import strongroom.security; never services, api or cli.
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.security.fields import Blind, Encrypted
from strongroom.security.keyring import Keyring
from strongroom.store.encrypted import EncryptedTable
from strongroom.store.tables import parties


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_national_id(national_id: str) -> str:
    """Upper case without spaces, dots or dashes: "s1234567-d" and "S1234567D" are one id."""
    return re.sub(r"[\s.\-]", "", national_id).upper()


ENCRYPTED_FIELDS: dict[str, Encrypted] = {
    "full_name": Encrypted(),
    "email": Blind(normalize=normalize_email),
    "national_id": Blind(normalize=normalize_national_id),
    "date_of_birth": Encrypted(),
    "address": Encrypted(),
}

PARTIES = EncryptedTable(parties, ENCRYPTED_FIELDS)


@dataclass(frozen=True, slots=True)
class Party:
    id: uuid.UUID
    tenant: str
    full_name: str
    email: str | None
    national_id: str | None
    date_of_birth: datetime.date | None
    address: str | None
    created_at: int


def subject_of(party_id: uuid.UUID) -> str:
    """The data-key subject of a party: each party's data is sealed under its own key."""
    return str(party_id)


class PartyRepository:
    def __init__(self, engine: AsyncEngine, keyring: Keyring, clock: Clock | None = None) -> None:
        self.engine = engine
        self.cipher = PARTIES.cipher(keyring)
        self._clock = clock or SystemClock()

    async def create(
        self,
        tenant: str,
        *,
        full_name: str,
        email: str | None = None,
        national_id: str | None = None,
        date_of_birth: datetime.date | None = None,
        address: str | None = None,
        party_id: uuid.UUID | None = None,
    ) -> Party:
        if not full_name.strip():
            raise ValidationError("full_name", "must not be blank")
        if email is not None and "@" not in email:
            raise ValidationError("email", "is not an email address")
        party = Party(
            id=party_id or new_id(),
            tenant=tenant,
            full_name=full_name,
            email=email,
            national_id=national_id,
            date_of_birth=date_of_birth,
            address=address,
            created_at=self._clock.now_ns(),
        )
        sealed = await self.cipher.seal(tenant, subject_of(party.id), party.id, _plaintext(party))
        async with self.engine.begin() as connection:
            await connection.execute(
                parties.insert().values(
                    id=party.id, tenant=tenant, created_at=party.created_at, **sealed
                )
            )
        return party

    async def get(self, tenant: str, party_id: uuid.UUID) -> Party:
        """The party, decrypted. Raises NotFound, or DataShredded if the party was erased."""
        query = sa.select(parties).where(parties.c.tenant == tenant, parties.c.id == party_id)
        async with self.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            raise NotFound(f"party {party_id} does not exist")
        return await self._party(row)

    async def find_by_email(self, tenant: str, email: str) -> list[Party]:
        return await self._find(tenant, "email", email)

    async def find_by_national_id(self, tenant: str, national_id: str) -> list[Party]:
        return await self._find(tenant, "national_id", national_id)

    async def _find(self, tenant: str, field: str, value: str) -> list[Party]:
        index = await self.cipher.blind(tenant, field, value)
        query = (
            sa.select(parties)
            .where(parties.c.tenant == tenant, parties.c[f"{field}_bidx"] == index)
            .order_by(parties.c.id)
        )
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        spec = ENCRYPTED_FIELDS[field]
        assert isinstance(spec, Blind)
        wanted = spec.normalize(value)
        found = [await self._party(row) for row in rows]
        # A truncated index can collide: keep only rows whose decrypted value really matches.
        return [
            party
            for party in found
            if (actual := getattr(party, field)) is not None and spec.normalize(actual) == wanted
        ]

    async def _party(self, row: sa.Row[Any]) -> Party:
        values = await self.cipher.open(row.tenant, row.id, row._mapping)
        full_name = values["full_name"]
        if full_name is None:
            raise NotFound(f"party {row.id} has no name: the row is damaged")
        born = values["date_of_birth"]
        return Party(
            id=row.id,
            tenant=row.tenant,
            full_name=full_name,
            email=values["email"],
            national_id=values["national_id"],
            date_of_birth=None if born is None else datetime.date.fromisoformat(born),
            address=values["address"],
            created_at=row.created_at,
        )


def _plaintext(party: Party) -> dict[str, str | None]:
    born = party.date_of_birth
    return {
        "full_name": party.full_name,
        "email": party.email,
        "national_id": party.national_id,
        "date_of_birth": None if born is None else born.isoformat(),
        "address": party.address,
    }
