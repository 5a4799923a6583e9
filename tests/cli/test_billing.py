"""`strongroom billing ...` on both backends: definitions put from files, usage ingested, a cycle
run by an engine of the test's own, the invoice listed, shown, rendered and credited."""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from pathlib import Path

from typer.testing import CliRunner

from strongroom.bootstrap.platform import Platform
from strongroom.cli import app
from strongroom.days import day_start
from strongroom.events.schemas import encode_batch
from strongroom.ledger import Account, AccountFlags, Transfer
from strongroom.settings import load_settings
from tests.billing.test_invoice_pages import record
from tests.cli.test_banking import run_intents

runner = CliRunner()
REVENUE, TAX, PAYING, FUNDING = (uuid.uuid4() for _ in range(4))


def invoke(db_url: str, *args: str, ok: bool = True) -> str:
    result = runner.invoke(app, ["billing", *args, "--tenant", "acme", "--db", db_url])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def accounts(db_url: str) -> None:
    async def main() -> None:
        async with Platform(load_settings(db_url=db_url)) as platform:
            ledger = await platform.ledger()
            paying = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
            await ledger.create_accounts(
                [
                    Account(id=REVENUE, ledger="SGD", code=40, tenant="acme"),
                    Account(id=TAX, ledger="SGD", code=41, tenant="acme"),
                    Account(id=PAYING, ledger="SGD", code=100, flags=paying, tenant="acme"),
                    Account(id=FUNDING, ledger="SGD", code=9, tenant="acme"),
                ]
            )
            await ledger.create_transfers(
                [Transfer(uuid.uuid4(), FUNDING, PAYING, 100_000, "SGD", 9, tenant="acme")]
            )

    asyncio.run(main())


def test_define_meter_run_show_and_credit(db_url: str, tmp_path: Path) -> None:
    accounts(db_url)
    today = datetime.datetime.now(datetime.UTC).date()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    files = {
        "group.json": {"metric": "api_calls", "aggregation": "count"},
        "tier.json": {
            "currency": "SGD",
            "kind": "package",
            "package_size": 10,
            "package_price": "1.00",
        },
        "cost.json": {
            "currency": "SGD",
            "revenue_account": str(REVENUE),
            "tax_account": str(TAX),
            "charges": [
                {"id": "calls", "description": "Calls", "rule_group": "calls", "tier": "tens"}
            ],
            "taxes": [{"id": "gst", "percent": "9"}],
        },
        "config.json": {"cost": "basic", "starts": last_month.isoformat(), "account": str(PAYING)},
        "usage.json": [
            {
                "id": str(uuid.uuid4()),
                "subject": "c-1",
                "metric": "api_calls",
                "quantity": 1,
                "at": day_start(last_month) + n,
            }
            for n in range(25)
        ],
    }
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content))
    assert "rule_group calls version 1" in invoke(
        db_url, "put", "rule_group", "calls", "--body", f"@{tmp_path}/group.json"
    )
    invoke(db_url, "put", "tier", "tens", "--body", f"@{tmp_path}/tier.json")
    invoke(db_url, "put", "cost", "basic", "--body", f"@{tmp_path}/cost.json")
    again = invoke(db_url, "put", "cost", "basic", "--body", f"@{tmp_path}/cost.json")
    assert "version 1 (unchanged)" in again
    invoke(db_url, "put", "config", "c-1", "--body", f"@{tmp_path}/config.json")
    assert "basic version 1" in invoke(db_url, "list", "cost")
    assert json.loads(invoke(db_url, "show", "tier", "tens"))["body"]["package_size"] == 10
    assert "25 stored, 0 already stored" in invoke(
        db_url, "usage", "--events", f"@{tmp_path}/usage.json"
    )
    assert "billing: intent" in invoke(db_url, "run", "--date", today.isoformat())
    run_intents(db_url)
    listed = invoke(db_url, "invoices", "--subject", "c-1")
    assert "posted" in listed
    assert "3.27 SGD" in listed
    invoice_id = listed.split()[0]
    body = json.loads(invoke(db_url, "invoice", invoice_id))
    assert (body["subtotal"], body["tax"], body["total"]) == (300, 27, 327)
    pdf = tmp_path / "invoice.pdf"
    invoke(db_url, "invoice", invoice_id, "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert "credit note" in invoke(db_url, "credit", invoice_id, "--reason", "goodwill")
    assert "credited" in invoke(db_url, "invoices")
    assert "next page" not in invoke(db_url, "invoices", "--limit", "1")
    assert json.loads(invoke(db_url, "preview", "c-1"))["total"] == 0
    assert "c-1: 0.00 SGD" in invoke(db_url, "balance", "c-1")


def test_bad_input_is_named(db_url: str) -> None:
    assert "kind" in invoke(db_url, "put", "plan", "x", "--body", "{}", ok=False)
    assert "body" in invoke(db_url, "put", "tier", "x", "--body", "{nope", ok=False)
    assert "unit_price" in invoke(
        db_url, "put", "tier", "x", "--body", '{"currency": "SGD", "kind": "flat"}', ok=False
    )
    assert "--date" in invoke(db_url, "run", "--date", "tomorrow", ok=False)
    assert "not found" in invoke(db_url, "invoice", str(uuid.uuid4()), ok=False)


def test_invoices_print_the_next_pages_cursor(db_url: str) -> None:
    async def issue() -> None:
        async with Platform(load_settings(db_url=db_url)) as platform:
            store = await platform.billing_store()
            made = [record(subject, "2026-11-01", tenant="acme") for subject in ("a", "b", "c")]
            await store.add_invoices(made, [], encode_batch([]))

    asyncio.run(issue())
    first = invoke(db_url, "invoices", "--limit", "2")
    assert [line.split()[1] for line in first.splitlines()[:2]] == ["a", "b"]
    cursor = first.splitlines()[-1].removeprefix("next page: --cursor ")
    rest = invoke(db_url, "invoices", "--limit", "2", "--cursor", cursor)
    assert [line.split()[1] for line in rest.splitlines()] == ["c"]
    assert "cursor" in invoke(db_url, "invoices", "--cursor", "nope", ok=False)
