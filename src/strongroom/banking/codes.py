"""The ledger transfer codes banking writes, so that a statement, a limit or a reconciliation
can tell a payment from a refund or a fee by the ledger's own records.

Product charges (fees, taxes, interest) carry the codes their product definition gives them.
"""

from __future__ import annotations

#: The principal of a payment from a customer's account (reserved, then posted or voided).
PAYMENT = 1100
#: A refund of a settled payment: the payee's account back to the payer's.
REFUND = 1101
