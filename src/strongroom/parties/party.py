"""The `Party` record, in plaintext, and the data-key subject its personal data is sealed under.

Must not import strongroom.store or anything above the domain.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass


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
    phone: str | None = None
    #: ISO 3166-1 alpha-2.
    nationality: str | None = None
    #: The identity document shown (passport, identity card) and when it expires.
    document_number: str | None = None
    document_expiry: datetime.date | None = None


def subject_of(party_id: uuid.UUID) -> str:
    """The data-key subject of a party: each party's data is sealed under its own key."""
    return str(party_id)
