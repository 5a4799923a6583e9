"""A small sample bank the demo and the payments benchmark share: three products (two in SGD,
with the accounts their charges go to, and a dollar account without charges) and a few people
who pass, or fail, the local KYC check."""

from __future__ import annotations

import uuid
from typing import Any

from strongroom.ledger import Account, Ledger
from strongroom.products import parse_product
from strongroom.products.stored import StoredProductCatalog

CURRENCY = "SGD"
#: The bank's own accounts the products post charges to (created in the demo's tenant).
FEE_INCOME = uuid.UUID("0192f5a0-d3e0-7000-8000-00000000f001")
TAX_PAYABLE = uuid.UUID("0192f5a0-d3e0-7000-8000-00000000f002")
PRODUCTS = {
    "everyday": """
product: everyday
version: 1
currency: SGD
name: Everyday Account
accounts: {fee_income: %(fees)s, tax_payable: %(tax)s}
fees:
  - {id: transfer-out, event: transfer_out, kind: percentage, percent: 0.25, minimum: 0.50,
     maximum: 10.00, free_per_month: 3}
taxes:
  - {id: gst, percent: 9}
limits:
  - {id: per-payment, events: [transfer_out], period: transaction, measure: amount,
     maximum: 5000}
""",
    "premier": """
product: premier
version: 1
currency: SGD
name: Premier Account
accounts: {fee_income: %(fees)s, tax_payable: %(tax)s}
fees:
  - {id: card, event: card_withdrawal, kind: flat, amount: 0.20}
taxes:
  - {id: gst, percent: 9}
overdraft_limit: 500.00
""",
    "global": """
product: global
version: 1
currency: USD
name: Global Dollar Account
""",
}
#: Who comes to the bank: Mallory's national id fails its check letter.
PEOPLE: dict[str, dict[str, Any]] = {
    "alice": {"full_name": "Alice Tan", "national_id": "S1234567D", "email": "alice@example.sg"},
    "bob": {"full_name": "Bob Lim", "national_id": "T0000001E", "phone": "+65 8123 4567"},
    "carol": {"full_name": "Carol Ng", "national_id": "S7654321F", "email": "carol@example.sg"},
    "mallory": {"full_name": "Mallory Koh", "national_id": "S1234567A"},
}
IDENTITY: dict[str, Any] = {
    "date_of_birth": "1985-06-15",
    "nationality": "SG",
    "national_id_kind": "sg.nric",
    "document_number": "K1234567",
    "document_expiry": "2034-01-01",
}


async def set_up_products(catalog: StoredProductCatalog, tenant: str, ledger: Ledger) -> None:
    """The bank's products and the accounts their charges go to (an operator's job, done once:
    publishing the same products again changes nothing)."""
    accounts = [
        Account(id=i, ledger=CURRENCY, code=900, tenant=tenant) for i in (FEE_INCOME, TAX_PAYABLE)
    ]
    await ledger.create_accounts(accounts)
    for text in PRODUCTS.values():
        definition = parse_product(text % {"fees": FEE_INCOME, "tax": TAX_PAYABLE})
        await catalog.publish(definition, actor="demo")
