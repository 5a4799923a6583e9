"""`PartyRepository`: parties in and out as plaintext, sealed at rest under each party's own
data key, searchable by email and national id through blind indexes.

Validation, sealing, opening and the check that weeds out blind-index collisions live here;
the SQL is behind the PartyStore port. Must not import strongroom.store.
"""

from __future__ import annotations

import datetime
import uuid

from strongroom.clock import Clock, SystemClock
from strongroom.errors import NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.parties.fields import ENCRYPTED_FIELDS, normalize_phone, party_cipher
from strongroom.parties.party import Party, subject_of
from strongroom.parties.ports import PartyStore, SealedParty
from strongroom.security.fields import Blind
from strongroom.security.keyring import Keyring


class PartyRepository:
    def __init__(self, store: PartyStore, keyring: Keyring, clock: Clock | None = None) -> None:
        self.store = store
        self.cipher = party_cipher(keyring)
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
        phone: str | None = None,
        nationality: str | None = None,
        document_number: str | None = None,
        document_expiry: datetime.date | None = None,
        party_id: uuid.UUID | None = None,
    ) -> Party:
        if not full_name.strip():
            raise ValidationError("full_name", "must not be blank")
        if email is not None and "@" not in email:
            raise ValidationError("email", "is not an email address")
        if phone is not None and len(normalize_phone(phone).lstrip("+")) < 6:
            raise ValidationError("phone", "is not a phone number")
        party = Party(
            id=party_id or new_id(),
            tenant=tenant,
            full_name=full_name,
            email=email,
            national_id=national_id,
            date_of_birth=date_of_birth,
            address=address,
            created_at=self._clock.now_ns(),
            phone=phone,
            nationality=nationality,
            document_number=document_number,
            document_expiry=document_expiry,
        )
        sealed = await self.cipher.seal(tenant, subject_of(party.id), party.id, _plaintext(party))
        await self.store.insert(SealedParty(party.id, tenant, party.created_at, sealed))
        return party

    async def get(self, tenant: str, party_id: uuid.UUID) -> Party:
        """The party, decrypted. Raises NotFound, or DataShredded if the party was erased."""
        sealed = await self.store.get(tenant, party_id)
        if sealed is None:
            raise NotFound(f"party {party_id} does not exist")
        return await self._party(sealed)

    async def find_by_email(self, tenant: str, email: str) -> list[Party]:
        return await self._find(tenant, "email", email)

    async def find_by_national_id(self, tenant: str, national_id: str) -> list[Party]:
        return await self._find(tenant, "national_id", national_id)

    async def find_by_phone(self, tenant: str, phone: str) -> list[Party]:
        return await self._find(tenant, "phone", phone)

    async def _find(self, tenant: str, field: str, value: str) -> list[Party]:
        index = await self.cipher.blind(tenant, field, value)
        candidates = await self.store.find_by_index(tenant, field, index)
        spec = ENCRYPTED_FIELDS[field]
        assert isinstance(spec, Blind)
        wanted = spec.normalize(value)
        found = [await self._party(sealed) for sealed in candidates]
        # A truncated index can collide: keep only rows whose decrypted value really matches.
        return [
            party
            for party in found
            if (actual := getattr(party, field)) is not None and spec.normalize(actual) == wanted
        ]

    async def _party(self, sealed: SealedParty) -> Party:
        values = await self.cipher.open(sealed.tenant, sealed.id, sealed.columns)
        full_name = values["full_name"]
        if full_name is None:
            raise NotFound(f"party {sealed.id} has no name: the row is damaged")
        born = values["date_of_birth"]
        expiry = values["document_expiry"]
        return Party(
            id=sealed.id,
            tenant=sealed.tenant,
            full_name=full_name,
            email=values["email"],
            national_id=values["national_id"],
            date_of_birth=None if born is None else datetime.date.fromisoformat(born),
            address=values["address"],
            created_at=sealed.created_at,
            phone=values["phone"],
            nationality=values["nationality"],
            document_number=values["document_number"],
            document_expiry=None if expiry is None else datetime.date.fromisoformat(expiry),
        )


def _plaintext(party: Party) -> dict[str, str | None]:
    born, expiry = party.date_of_birth, party.document_expiry
    return {
        "full_name": party.full_name,
        "email": party.email,
        "national_id": party.national_id,
        "date_of_birth": None if born is None else born.isoformat(),
        "address": party.address,
        "phone": party.phone,
        "nationality": party.nationality,
        "document_number": party.document_number,
        "document_expiry": None if expiry is None else expiry.isoformat(),
    }
