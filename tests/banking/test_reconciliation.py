"""Reconciliation of a settlement file on both backends: payments to beneficiaries and deposits
matched by reference; an amount break, a line not ours and a payment missing from the file each
open one case (however often the file is imported); bad lines named with nothing written; and,
under hypothesis, the report puts every line and every payment in exactly one bucket."""

from __future__ import annotations

import datetime
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.banking.reconciliation import Line, Ours, parse_file, reconcile
from strongroom.bootstrap.platform import Platform
from strongroom.days import day_of
from strongroom.errors import PermissionDenied, ValidationError
from strongroom.services.access import Principal, Role
from tests.banking.conftest import Bank, key

DAY = datetime.date(2026, 12, 4)
HEADER = "reference,amount,currency,value_date"


@pytest.fixture
async def ops(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "ops")


async def test_a_file_is_matched_and_its_breaks_open_cases_once(
    platform: Platform, bank: Bank, ops: Principal
) -> None:
    customer = await bank.customer()
    account = await bank.customer_account(funded=100_000, customer=customer)
    payee = await bank.banking.beneficiaries.add(
        ops,
        customer,
        "b",
        {"name": "Landlord", "currency": "SGD", "iban": "DE89370400440532013000"},
    )
    for reference, amount in (("rent", 30_000), ("utilities", 4_500)):
        body = {
            "debit_account_id": str(account),
            "beneficiary_id": str(payee.id),
            "amount": amount,
            "currency": "SGD",
        }
        paid, _ = await bank.payments.pay(ops, reference, body)
        assert (await bank.done(paid.intent.id)).state == "settled"
    salary, _ = await bank.payments.deposit(
        ops, "salary", {"account_id": str(account), "amount": 250_000, "currency": "SGD"}
    )
    assert (await bank.done(salary.id)).state == "settled"
    internal = await bank.customer_account()
    moved, _ = await bank.payments.pay(
        ops,
        "inside",
        {
            "debit_account_id": str(account),
            "credit_account_id": str(internal),
            "amount": 100,
            "currency": "SGD",
        },
    )
    assert (await bank.done(moved.intent.id)).state == "settled"
    today = day_of(platform.clock.now_ns()).isoformat()
    csv = (
        "reference,amount,currency,value_date\n"
        f"rent,300.00,SGD,{today}\n"
        f"salary,2500,SGD,{today}\n"
        f"utilities,45.01,SGD,{today}\n"
        f"unknown,1.00,SGD,{today}\n"
    )
    service = bank.banking.reconciliation

    run = await service.run(ops, csv)
    done = await bank.done(run.intent.id)

    assert done.state == "reconciled", done.error
    report = done.results["match"]
    assert sorted(m["reference"] for m in report["matched"]) == ["rent", "salary"]
    assert [b["reference"] for b in report["breaks"]] == ["utilities"]
    assert [line["reference"] for line in report["unmatched_file"]] == ["unknown"]
    assert report["unmatched_bank"] == []
    assert len(done.results["cases"]["cases"]) == 2
    again = await service.run(ops, csv)
    assert (again.intent.id, again.created) == (run.intent.id, False)
    cases = await platform.cases()
    opened, _ = await cases.find(ops, kind="break")
    assert len(opened) == 2
    missing = await service.run(
        ops, f"reference,amount,currency,value_date\nrent,300.00,SGD,{today}\n"
    )
    report = (await bank.done(missing.intent.id)).results["match"]
    assert sorted(p["reference"] for p in report["unmatched_bank"]) == ["salary", "utilities"]
    clerk = await key(platform, Role.WRITE, "clerk")
    with pytest.raises(PermissionDenied):
        await service.run(clerk, csv)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "file"),
        ("ref,amount\nx,1", "file"),
        ("reference,amount,currency,value_date\n", "file"),
        ("reference,amount,currency,value_date\nx,1.001,SGD,2026-12-04", "line 2: amount"),
        ("reference,amount,currency,value_date\nx,one,SGD,2026-12-04", "line 2: amount"),
        ("reference,amount,currency,value_date\nx,0,SGD,2026-12-04", "line 2: amount"),
        ("reference,amount,currency,value_date\nx,1,ZZZ,2026-12-04", "line 2: currency"),
        ("reference,amount,currency,value_date\nx,1,SGD,2026-02-30", "line 2: value_date"),
        (
            "reference,amount,currency,value_date\nx,1,SGD,2026-12-04\nx,2,SGD,2026-12-04",
            "line 3: reference",
        ),
        ("reference,amount,currency,value_date\nx,1,SGD", "line 2"),
    ],
)
def test_each_bad_line_is_named(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_file(text)
    assert refused.value.field == field


references = st.sampled_from(["a", "b", "c", "d", "e", "f"])
amounts = st.integers(1, 3)
currencies = st.sampled_from(["SGD", "USD"])


@given(
    file=st.lists(st.tuples(references, amounts, currencies), unique_by=lambda t: t[0]),
    bank=st.lists(st.tuples(references, amounts, currencies), max_size=8),
)
def test_every_line_and_payment_lands_in_exactly_one_bucket(
    file: list[tuple[str, int, str]], bank: list[tuple[str, int, str]]
) -> None:
    lines = [Line(n + 2, r, a, c, DAY) for n, (r, a, c) in enumerate(file)]
    ours = [Ours(r, a, c, DAY, uuid.uuid4(), "payment") for r, a, c in bank]
    report = reconcile(lines, ours)
    from_file = [b.file for b in report.matched + report.breaks] + report.unmatched_file
    from_bank = [b.bank for b in report.matched + report.breaks] + report.unmatched_bank
    assert sorted(x.line for x in from_file) == sorted(x.line for x in lines)
    assert sorted(x.intent_id for x in from_bank) == sorted(x.intent_id for x in ours)
    for pair in report.matched:
        assert (pair.file.amount, pair.file.currency) == (pair.bank.amount, pair.bank.currency)
    for pair in report.breaks:
        assert pair.file.reference == pair.bank.reference
        assert (pair.file.amount, pair.file.currency) != (pair.bank.amount, pair.bank.currency)
    ours_refs = {r for r, _, _ in bank}
    assert all(line.reference not in ours_refs for line in report.unmatched_file)
