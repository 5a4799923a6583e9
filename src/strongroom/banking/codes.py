"""The ledger codes banking writes: of transfers, so that a statement, a limit or a
reconciliation can tell a payment from a refund or a fee by the ledger's own records, and of the
bank's own accounts.

Product charges (fees, taxes, interest) carry the codes their product definition gives them.
"""

from __future__ import annotations

#: The principal of a payment from a customer's account (reserved, then posted or voided).
PAYMENT = 1100
#: A refund of a settled payment: the payee's account back to the payer's.
REFUND = 1101
#: A card payment: the account's hold to the clearing account, captured or released.
CARD = 1103
#: Money arriving from outside the bank: the tenant's clearing account to a customer's.
DEPOSIT = 1102

#: Account code of a clearing account: what the bank owes or is owed by the outside world in
#: one currency, until settlement. It may go either way, so it has no balance limit.
CLEARING_ACCOUNT = 910
#: Account code of a customer's account (a liability of the bank: it may not go below zero
#: beyond its product's arranged overdraft).
CUSTOMER_ACCOUNT = 100
#: Account code of a pot: a customer's savings beside an account, never below zero.
POT_ACCOUNT = 101
#: Money moved between a pot and its account.
POT_MOVE = 1105
#: A payment's round-up, into the payer account's round-up pot.
ROUND_UP = 1106
#: A currency conversion's legs: the customer's accounts to and from the FX position accounts.
FX = 1107
#: Account code of an FX position account: what the bank holds of a currency from conversions.
FX_POSITION_ACCOUNT = 920
#: End-of-day settlement: a clearing account emptied into the settlement account.
SETTLEMENT = 1108
#: Account code of a settlement (nostro) account: the bank's money with the outside world.
SETTLEMENT_ACCOUNT = 930
