"""An invoice's total into the ledger, and a credit note's reversal of it.

The postings of an invoice are decided when it is issued and kept with it: revenue to each
plan's revenue account and taxes to their tax accounts, taken first from the subject's prepaid
credit (as much of it as the invoice found) and then from its paying account, as one linked
chain (all or nothing). Their ids derive from the invoice, so posting again (a retried run) is
an `exists`. A negative leg (an adjustment that gives back) is paid to the paying account. A
credit note posts every leg reversed, with ids derived from the invoice too: once.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from strongroom.ledger import Transfer
from strongroom.products.posting import link


class Posting(msgspec.Struct, frozen=True):
    debit: uuid.UUID
    credit: uuid.UUID
    amount: int
    code: int
    #: revenue or tax.
    kind: str


def postings(body: dict[str, Any], credit_left: int) -> list[Posting]:
    """The legs of an invoice whose computed `body` (strongroom.billing.invoices.Computed, with
    `account` and `credit_account`) is paid from up to `credit_left` of prepaid credit first."""
    account = uuid.UUID(body["account"])
    credit = uuid.UUID(body["credit_account"]) if body.get("credit_account") else None
    owed = [
        (uuid.UUID(t["account"]), t["amount"], t["code"], kind)
        for kind, owing in (("revenue", body["revenue"]), ("tax", body["taxes"]))
        for t in owing
        if t["amount"]
    ]
    out = []
    left = max(credit_left, 0) if credit is not None else 0
    for to, amount, code, kind in owed:
        if amount < 0:
            out.append(Posting(to, account, -amount, code, kind))
            continue
        from_credit = min(left, amount)
        left -= from_credit
        if from_credit:
            assert credit is not None
            out.append(Posting(credit, to, from_credit, code, kind))
        if amount - from_credit:
            out.append(Posting(account, to, amount - from_credit, code, kind))
    return out


def transfers(
    invoice_id: uuid.UUID, tenant: str, currency: str, legs: list[Posting], *, reverse: bool
) -> list[Transfer]:
    """The legs as one linked chain; `reverse` (a credit note) swaps each leg's sides."""
    label = "credit-note" if reverse else "invoice"
    return link(
        [
            Transfer(
                id=uuid.uuid5(invoice_id, f"{label}/{i}"),
                debit_account_id=leg.credit if reverse else leg.debit,
                credit_account_id=leg.debit if reverse else leg.credit,
                amount=leg.amount,
                ledger=currency,
                code=leg.code,
                metadata={"invoice": str(invoice_id), "kind": leg.kind, "posting": label},
                tenant=tenant,
            )
            for i, leg in enumerate(legs)
        ]
    )
