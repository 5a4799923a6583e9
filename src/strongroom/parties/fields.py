"""Which fields of a party are personal data: sealed, and for some searchable by equality.

The declaration drives sealing, opening and blind-index search here, and the column check and
crypto-shredding in strongroom.store (each field is a column of the same name, each `Blind`
field also has a `<name>_bidx` column; see strongroom.security.fields).
Must not import strongroom.store or anything above the domain.
"""

from __future__ import annotations

import re

from strongroom.security.fields import Blind, Encrypted, RecordCipher
from strongroom.security.keyring import Keyring

#: The name every sealed party value is bound to (part of its associated data): renaming it
#: would make every stored party unreadable.
SEALED_AS = "parties"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_national_id(national_id: str) -> str:
    """Upper case without spaces, dots or dashes: "s1234567-d" and "S1234567D" are one id."""
    return re.sub(r"[\s.\-]", "", national_id).upper()


def normalize_phone(phone: str) -> str:
    """Digits only, with a leading + kept: "+65 9123-4567" and "+6591234567" are one number."""
    digits = re.sub(r"\D", "", phone)
    return f"+{digits}" if phone.strip().startswith("+") else digits


ENCRYPTED_FIELDS: dict[str, Encrypted] = {
    "full_name": Encrypted(),
    "email": Blind(normalize=normalize_email),
    "national_id": Blind(normalize=normalize_national_id),
    "date_of_birth": Encrypted(),
    "address": Encrypted(),
    "phone": Blind(normalize=normalize_phone),
    # What a KYC check reads besides the above (strongroom.compliance.kyc.Applicant).
    "nationality": Encrypted(),
    "document_number": Encrypted(),
    "document_expiry": Encrypted(),
}


def party_cipher(keyring: Keyring) -> RecordCipher:
    """Seals and opens the personal fields of parties with `keyring`'s data keys."""
    return RecordCipher(keyring, SEALED_AS, ENCRYPTED_FIELDS)
