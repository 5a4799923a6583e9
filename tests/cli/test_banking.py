"""`strongroom banking ...` on both backends: a customer onboarded, found and verified, an
account opened, funded by a deposit, a payment and a refund, from the command line. The intents
the commands submit are run between commands by an engine of the test's own (as `serve` or
`worker intents` would run them)."""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from pathlib import Path

from typer.testing import CliRunner

from strongroom.bootstrap.platform import Platform
from strongroom.cli import app
from strongroom.ledger import Account
from strongroom.products import load_product
from strongroom.settings import load_settings
from tests.banking.conftest import EXAMPLES, FEE_INCOME, PERSON, TAX_PAYABLE

runner = CliRunner()


def invoke(db_url: str, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["banking", *args, "--tenant", "acme", "--db", db_url])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def run_intents(db_url: str) -> None:
    """Run every intent submitted so far to its end (or to a wait)."""

    async def main() -> None:
        async with Platform(load_settings(db_url=db_url, intent_poll_interval=0.02)) as platform:
            engine = await platform.intent_engine()
            await engine.start()
            store = await platform.intent_store()
            for _ in range(1000):
                stats = await store.queue_stats(platform.clock.now_ns())
                if stats.runnable == 0 and stats.running == 0:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(main())


def bank(db_url: str) -> None:
    async def main() -> None:
        async with Platform(load_settings(db_url=db_url)) as platform:
            catalog = await platform.products()
            await catalog.publish(load_product(EXAMPLES / "everyday-v1.yaml"), actor="ops")
            ledger = await platform.ledger()
            await ledger.create_accounts(
                [
                    Account(id=i, ledger="SGD", code=9, tenant="acme")
                    for i in (FEE_INCOME, TAX_PAYABLE)
                ]
            )

    asyncio.run(main())


def test_a_customer_from_onboarding_to_a_refund(db_url: str, tmp_path: Path) -> None:
    bank(db_url)
    person = tmp_path / "person.json"
    person.write_text(json.dumps({**PERSON, "email": "cli@example.com"}))
    made = json.loads(
        invoke(db_url, "customers", "onboard", "cli-1", "--person", f"@{person}", "--json")
    )
    assert made["kyc_status"] == "pending"
    run_intents(db_url)
    found = json.loads(invoke(db_url, "customers", "find", "--email", "cli@example.com", "--json"))
    assert [(c["id"], c["kyc_status"]) for c in found] == [(made["id"], "verified")]
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**PERSON, "full_name": "Lim Mei Ling"}))
    payee = json.loads(
        invoke(db_url, "customers", "onboard", "cli-2", "--person", f"@{other}", "--json")
    )
    run_intents(db_url)
    accounts = []
    for n, owner in enumerate((made["id"], payee["id"])):
        line = invoke(db_url, "accounts", "open", owner, "SGD", "everyday", "--reference", f"a{n}")
        accounts.append(line.split()[0])
    run_intents(db_url)
    shown = json.loads(invoke(db_url, "accounts", "show", accounts[0], "--json"))
    assert (shown["status"], shown["balance"]) == ("open", 0)
    invoke(
        db_url,
        "deposits",
        "credit",
        accounts[0],
        "5000",
        "SGD",
        "--reference",
        "d1",
        "--sender",
        "Employer Pte Ltd",
    )
    run_intents(db_url)
    paid = invoke(
        db_url,
        "payments",
        "pay",
        accounts[0],
        accounts[1],
        "1200",
        "SGD",
        "--reference",
        "p1",
        "--json",
    )
    payment_id = json.loads(paid)["intent"]["id"]
    run_intents(db_url)
    invoke(
        db_url, "payments", "refund", payment_id, "200", "--reference", "r1", "--reason", "overpaid"
    )
    run_intents(db_url)
    pot = invoke(
        db_url, "pots", "create", accounts[0], "Holiday", "--reference", "pot-1", "--goal", "100000"
    ).split()[0]
    invoke(db_url, "pots", "move", pot, "300", "in", "--reference", "mv-1")
    run_intents(db_url)
    assert "Holiday: 300 of goal 100000 SGD" in invoke(db_url, "pots", "list", accounts[0])
    payment = json.loads(invoke(db_url, "payments", "show", payment_id, "--json"))
    assert (payment["status"], payment["refunded"]) == ("partially_refunded", 200), payment["error"]
    statement = json.loads(
        invoke(
            db_url,
            "accounts",
            "statement",
            accounts[0],
            "--from",
            "2000-01-01",
            "--to",
            "2100-01-01",
        )
    )
    assert statement["closing"] == 5000 - 1200 + 200 - 300
    assert statement["movements"][0]["description"] == "deposit"
    pdf = tmp_path / "statement.pdf"
    invoke(
        db_url,
        "accounts",
        "statement",
        accounts[0],
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "pdf",
        "--output",
        str(pdf),
    )
    assert pdf.read_bytes()[:5] == b"%PDF-"
    balances = [
        json.loads(invoke(db_url, "accounts", "show", a, "--json"))["balance"] for a in accounts
    ]
    assert balances == [5000 - 1200 + 200 - 300, 1200 - 200]
    assert "closing: intent" in invoke(db_url, "pots", "close", pot, "--reference", "pc-1")
    run_intents(db_url)
    assert "Holiday: 0 of goal 100000 SGD, closed" in invoke(db_url, "pots", "list", accounts[0])
    shown = json.loads(invoke(db_url, "accounts", "show", accounts[0], "--json"))
    assert shown["balance"] == 5000 - 1200 + 200


def test_bad_input_is_named(db_url: str) -> None:
    refused = invoke(db_url, "customers", "onboard", "x", "--person", '{"full_name": ""}', ok=False)
    assert "full_name" in refused or "date_of_birth" in refused
    refused = invoke(db_url, "customers", "show", "not-a-uuid", ok=False)
    assert "customer_id" in refused or "id" in refused
    refused = invoke(db_url, "customers", "show", str(uuid.uuid4()), ok=False)
    assert "not found" in refused


def test_beneficiaries_fx_and_the_end_of_day(db_url: str, tmp_path: Path) -> None:
    bank(db_url)
    person = tmp_path / "person.json"
    person.write_text(json.dumps(PERSON))
    customer = json.loads(
        invoke(db_url, "customers", "onboard", "c", "--person", f"@{person}", "--json")
    )["id"]
    added = json.loads(
        invoke(
            db_url,
            "beneficiaries",
            "add",
            customer,
            "Landlord",
            "SGD",
            "--reference",
            "b",
            "--iban",
            "DE89370400440532013000",
        )
    )
    assert added["account"] == "DE89370400440532013000"
    listed = json.loads(invoke(db_url, "beneficiaries", "list", customer))
    assert [b["id"] for b in listed] == [added["id"]]
    refused = invoke(
        db_url,
        "beneficiaries",
        "add",
        customer,
        "X",
        "SGD",
        "--reference",
        "b2",
        "--iban",
        "DE89370400440532013001",
        ok=False,
    )
    assert "iban" in refused
    invoke(db_url, "fx", "rate", "USD", "SGD", "1.35")
    quoted = json.loads(invoke(db_url, "fx", "quote", "SGD", "USD", "13500"))
    assert quoted["buy_amount"] == 9_950
    assert "settling: intent" in invoke(db_url, "settle", "SGD", "--date", "2026-12-04")
    file = tmp_path / "settlement.csv"
    file.write_text("reference,amount,currency,value_date\nwire,1.00,SGD,2026-12-04\n")
    assert "reconciling: intent" in invoke(db_url, "reconcile", str(file))
    file.write_text("reference,amount,currency,value_date\nwire,1.001,SGD,2026-12-04\n")
    assert "line 2: amount" in invoke(db_url, "reconcile", str(file), ok=False)


def test_periodic_runs_and_their_schedules(db_url: str) -> None:
    bank(db_url)
    today = datetime.datetime.now(datetime.UTC).date()
    assert "accruing: intent" in invoke(db_url, "accrue", "--date", today.isoformat())
    assert "charging: intent" in invoke(db_url, "charge", "--month", f"{today:%Y-%m}")
    run_intents(db_url)
    scheduled = invoke(db_url, "schedule", "charges", "cron 10 0 1 * *")
    assert "banking:charges: banking.charges.monthly cron 10 0 1 * *" in scheduled
    assert "--date" in invoke(db_url, "accrue", "--date", "2026-02-30", ok=False)
    assert "month" in invoke(db_url, "charge", "--month", "2026-13", ok=False)
    assert "interest" in invoke(db_url, "schedule", "fees", "every 1d", ok=False)
