"""Which fields of the bank's own records are personal data, sealed at rest (see
strongroom.security.fields): a beneficiary's name and account. The customer's own data is its
party's (strongroom.parties.fields).

The declaration drives sealing and opening in strongroom.banking.beneficiaries, and the column
check and crypto-shredding in strongroom.store. Must not import strongroom.store.
"""

from __future__ import annotations

from strongroom.security.fields import Blind, Encrypted

#: The name every sealed beneficiary value is bound to (part of its associated data): renaming
#: it would make every stored beneficiary unreadable.
BENEFICIARY_SEALED_AS = "banking_beneficiaries"
#: The account is searchable by equality for the one-active-beneficiary-per-account rule; it is
#: already in one canonical form (compact IBAN, or country/bank/number).
BENEFICIARY_FIELDS: dict[str, Encrypted] = {"name": Encrypted(), "account": Blind()}
