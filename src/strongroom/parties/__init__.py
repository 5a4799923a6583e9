"""Parties: the personal data of customers (name, email, national id, date of birth, address).

Owns the `Party` record, the declaration of which of its fields are sealed and which are
searchable (fields.py), the `PartyStore` port (ports.py) and `PartyRepository`, which seals on
the way in, opens on the way out and searches through blind indexes, so that callers only ever
see plaintext. Each party's data is sealed under its own data key: destroying that key
(crypto-shredding, strongroom.services.security) erases exactly that customer. The SQL is in
strongroom.store.parties; strongroom.bootstrap.open_encryption wires it.

May import strongroom.security and the core modules; never strongroom.store, services, api or
cli. docs/security.md describes the scheme.
"""

from strongroom.parties.fields import (
    ENCRYPTED_FIELDS,
    normalize_email,
    normalize_national_id,
    normalize_phone,
)
from strongroom.parties.party import Party, subject_of
from strongroom.parties.ports import PartyStore, SealedParty
from strongroom.parties.repository import PartyRepository

__all__ = [
    "ENCRYPTED_FIELDS",
    "Party",
    "PartyRepository",
    "PartyStore",
    "SealedParty",
    "normalize_email",
    "normalize_national_id",
    "normalize_phone",
    "subject_of",
]
