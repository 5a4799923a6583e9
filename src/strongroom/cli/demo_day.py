"""A day at a small bank, the first part of `strongroom demo`, through the HTTP API only: two
products, customers onboarded (one fails KYC), accounts opened, salaries deposited, payments
with fees, a refund, a payment held for review and released by two people (maker-checker), a
card hold captured in part; each step's outcome is a line of the day's table."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from strongroom.ledger import Account, Ledger
from strongroom.money import format_amount
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
REVIEW_RULES = """
description: payments of more than 1,000.00 are looked at by a person
rules:
  - id: large-payment
    message: more than 1,000.00 in one payment
    when: {payment.amount: {gt: 100000}}
    action: review
"""


@dataclass
class Day:
    """The day's lines: what happened and how it ended."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)

    def note(self, what: str, outcome: str) -> None:
        self.lines.append((what, outcome))


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


class Teller:
    """The HTTP calls of the day, each followed until its intent settles."""

    def __init__(self, client: httpx.AsyncClient, run: str) -> None:
        self.client = client
        self.run = run

    async def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        response = await self.client.request(method, path, json=body, headers=headers or None)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    async def settled(self, path: str, until: tuple[str, ...] = ()) -> dict[str, Any]:
        """GET `path` until its intent is done (or in one of `until`)."""
        for _ in range(3000):
            shown: dict[str, Any] = await self.call("GET", path)
            state = shown.get("state")
            status = shown.get("status")
            if state in until or status == "done" or state in ("settled", "failed"):
                return shown
            await asyncio.sleep(0.01)
        raise RuntimeError(f"{path} did not finish")

    async def intent(self, intent_id: str, until: tuple[str, ...] = ()) -> dict[str, Any]:
        return await self.settled(f"/v1/intents/{intent_id}", until)


async def bank_day(client: httpx.AsyncClient, maker: str, checker: str) -> Day:
    """Run the day through `client` (an admin of the demo tenant); `maker` and `checker` are
    bearer tokens of two other people, for the review."""
    day = Day()
    teller = Teller(client, uuid.uuid4().hex[:8])
    run = teller.run
    customers: dict[str, str] = {}
    for name, person in PEOPLE.items():
        body = {"reference": f"{run}-{name}", **IDENTITY, **person}
        made = await teller.call("POST", "/v1/banking/customers", body)
        customers[name] = made["id"]
    for name, customer_id in customers.items():
        shown: dict[str, Any] = {}
        for _ in range(3000):
            shown = await teller.call("GET", f"/v1/banking/customers/{customer_id}")
            if shown["kyc_status"] != "pending":
                break
            await asyncio.sleep(0.01)
        findings = ", ".join(f["code"] for f in shown["kyc_findings"])
        day.note(f"onboard {name}", shown["kyc_status"] + (f" ({findings})" if findings else ""))
    for name, product in (
        ("alice", "everyday"),
        ("bob", "everyday"),
        ("carol", "premier"),
        ("mallory", "everyday"),
    ):
        body = {"reference": f"{run}-acc-{name}", "currency": CURRENCY, "product": product}
        opening = await teller.call(
            "POST", f"/v1/banking/customers/{customers[name]}/accounts", body
        )
        opened = await teller.intent(opening["intent"]["id"])
        outcome = opened["state"] if opened["state"] == "opened" else f"refused: {opened['error']}"
        day.note(f"open {name}'s {product} account", outcome)
        if opened["state"] == "opened":
            day.accounts[name] = opening["account_id"]
    a, b, c = (day.accounts[n] for n in ("alice", "bob", "carol"))
    for name, amount in (("alice", 3_500_00), ("bob", 1_200_00), ("carol", 800_00)):
        body = {
            "reference": f"{run}-salary-{name}",
            "account_id": day.accounts[name],
            "amount": amount,
            "currency": CURRENCY,
            "sender": {"name": "Employer Pte Ltd"},
            "description": "salary",
        }
        made = await teller.call("POST", "/v1/banking/deposits", body)
        done = await teller.settled(f"/v1/banking/deposits/{made['id']}")
        day.note(f"salary into {name}'s account", f"{done['state']} {_money(amount)}")
    paid: list[str] = []
    for n, (debit, credit, amount) in enumerate(
        ((a, b, 45_00), (a, b, 12_00), (a, c, 60_00), (a, b, 250_00), (b, c, 99_00))
    ):
        body = {
            "reference": f"{run}-pay-{n}",
            "debit_account_id": debit,
            "credit_account_id": credit,
            "amount": amount,
            "currency": CURRENCY,
            "description": f"payment {n + 1}",
        }
        made = await teller.call("POST", "/v1/banking/payments", body)
        done = await teller.settled(f"/v1/banking/payments/{made['id']}")
        charges = (done["fees"] or 0) + (done["taxes"] or 0)
        day.note(
            f"payment {n + 1}: {_money(amount)}", f"{done['status']}, charges {_money(charges)}"
        )
        paid.append(made["id"])
    too_big = {
        "reference": f"{run}-pay-big",
        "debit_account_id": b,
        "credit_account_id": a,
        "amount": 6_000_00,
        "currency": CURRENCY,
    }
    made = await teller.call("POST", "/v1/banking/payments", too_big)
    done = await teller.settled(f"/v1/banking/payments/{made['id']}")
    day.note("payment of 6,000.00 (over limits)", f"{done['state']}: {done['error']}")
    refund = {"reference": f"{run}-refund", "amount": 10_00, "reason": "overcharged"}
    refunding = await teller.call("POST", f"/v1/banking/payments/{paid[3]}/refunds", refund)
    await teller.intent(refunding["id"])
    shown = await teller.call("GET", f"/v1/banking/payments/{paid[3]}")
    day.note("refund 10.00 of payment 4", f"{shown['status']} ({_money(shown['refunded'])})")
    await teller.call(
        "POST", "/v1/compliance/rule-sets", {"source": REVIEW_RULES, "status": "enforce"}
    )
    held = {
        "reference": f"{run}-pay-held",
        "debit_account_id": a,
        "credit_account_id": c,
        "amount": 1_500_00,
        "currency": CURRENCY,
        "description": "deposit on a flat",
    }
    made = await teller.call("POST", "/v1/banking/payments", held)
    waiting = await teller.settled(f"/v1/banking/payments/{made['id']}", until=("screened",))
    while not waiting["children"] or "open" not in waiting["children"][0]["results"]:
        await asyncio.sleep(0.01)
        waiting = await teller.call("GET", f"/v1/banking/payments/{made['id']}")
    case_id = waiting["children"][0]["results"]["open"]["case_id"]
    day.note("payment of 1,500.00", f"held for review (case {case_id[:8]})")
    await teller.call(
        "POST",
        f"/v1/cases/{case_id}/propose",
        {"proposal": "release", "reason": "known landlord"},
        Authorization=f"Bearer {maker}",
    )
    await teller.call("POST", f"/v1/cases/{case_id}/approve", {}, Authorization=f"Bearer {checker}")
    done = await teller.settled(f"/v1/banking/payments/{made['id']}")
    day.note("case released by a second person", f"payment {done['state']}")
    hold = {
        "reference": f"{run}-card",
        "account_id": c,
        "amount": 80_00,
        "currency": CURRENCY,
        "merchant": {"name": "Kopi Corner", "country": "SG", "category": "5814"},
    }
    made = await teller.call("POST", "/v1/banking/cards/authorisations", hold)
    await teller.intent(made["id"], until=("held", "declined"))
    capture = {"reference": f"{run}-capture", "amount": 64_50}
    captured = await teller.call(
        "POST", f"/v1/banking/cards/authorisations/{made['id']}/captures", capture
    )
    await teller.intent(captured["id"])
    shown = await teller.intent(made["id"])
    day.note("card hold 80.00, captured 64.50", shown["state"])
    for name in ("alice", "bob", "carol"):
        account = await teller.call("GET", f"/v1/banking/accounts/{day.accounts[name]}")
        day.note(f"{name}'s balance", _money(account["balance"]))
    return day


def _money(minor: int) -> str:
    return format_amount(minor, CURRENCY)
