"""A day at a small bank, the first part of `strongroom demo`, through the HTTP API only: the
sample bank's products (bench/sample_bank.py), customers onboarded (one fails KYC), accounts
opened, salaries deposited, payments with fees, a refund, a payment to a new beneficiary, a
payment held for review and released by two people (maker-checker), a card hold captured in
part, an FX conversion, the end of day, a statement; each step's outcome is a line of the day's
table."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from strongroom.bench.sample_bank import CURRENCY, IDENTITY, PEOPLE
from strongroom.money import format_amount

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
    payee = {
        "reference": f"{run}-landlord",
        "name": "Lim Property Management",
        "currency": CURRENCY,
        "country": "SG",
        "bank_code": "7171",
        "account_number": "0123456789",
    }
    landlord = await teller.call(
        "POST", f"/v1/banking/customers/{customers['alice']}/beneficiaries", payee
    )
    rent = {
        "reference": f"{run}-pay-rent",
        "debit_account_id": a,
        "beneficiary_id": landlord["id"],
        "amount": 120_00,
        "currency": CURRENCY,
        "description": "rent to a new beneficiary",
    }
    made = await teller.call("POST", "/v1/banking/payments", rent)
    done = await teller.settled(f"/v1/banking/payments/{made['id']}")
    day.note("120.00 to a new beneficiary", f"{done['status']}, out through clearing")
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
    body = {"reference": f"{run}-acc-alice-usd", "currency": "USD", "product": "global"}
    opening = await teller.call(
        "POST", f"/v1/banking/customers/{customers['alice']}/accounts", body
    )
    await teller.intent(opening["intent"]["id"])
    await teller.call(
        "PUT", "/v1/banking/fx/rates", {"base": "USD", "quote": CURRENCY, "rate": "1.3450"}
    )
    quote = await teller.call(
        "POST",
        "/v1/banking/fx/quotes",
        {"sell_currency": CURRENCY, "buy_currency": "USD", "sell_amount": 200_00},
    )
    conversion = {
        "quote_id": quote["id"],
        "debit_account_id": a,
        "credit_account_id": opening["account_id"],
    }
    converting = await teller.call("POST", "/v1/banking/fx/conversions", conversion)
    converted = await teller.intent(converting["id"])
    day.note(
        "alice converts 200.00 SGD",
        f"{converted['state']}: {format_amount(quote['buy_amount'], 'USD')} at "
        f"{Decimal(quote['rate']):.4f}",
    )
    today = datetime.datetime.now(datetime.UTC).date()
    eod = {"currency": CURRENCY, "date": today.isoformat()}
    ending = await teller.call("POST", "/v1/banking/settlements", eod)
    ended = await teller.intent(ending["id"])
    # Positive: the clearing account owes the world (payments out); negative: deposits came in.
    net = ended["results"]["settle"]["amount"]
    day.note(
        "end of day (SGD)", f"{ended['state']}, net {_money(abs(net))} {'out' if net > 0 else 'in'}"
    )
    for name in ("alice", "bob", "carol"):
        account = await teller.call("GET", f"/v1/banking/accounts/{day.accounts[name]}")
        day.note(f"{name}'s balance", _money(account["balance"]))
    period = f"from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=1)}"
    statement = await teller.call("GET", f"/v1/banking/accounts/{a}/statement?{period}")
    day.note(
        "alice's statement",
        f"{len(statement['movements'])} movements, opening {_money(statement['opening'])}, "
        f"closing {_money(statement['closing'])}",
    )
    return day


def _money(minor: int) -> str:
    return format_amount(minor, CURRENCY)
