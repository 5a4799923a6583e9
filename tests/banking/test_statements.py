"""Statements on both backends: opening balance, every posted movement with its running balance
and description, closing = opening + movements for any period (a property against a reference
fold of the ledger's log), holds listed apart, CSV and PDF that read back, another tenant's
account not found."""

from __future__ import annotations

import csv
import datetime
import io
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from strongroom.banking.statements import as_csv, as_pdf
from strongroom.bootstrap.platform import Platform
from strongroom.errors import NotFound
from strongroom.ledger import Transfer
from strongroom.services.access import Principal, Role
from tests.banking.conftest import TENANT, Bank, key

#: A period that holds the test's whole run (even across midnight UTC), and the one after it.
TODAY = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=3)


@pytest.fixture
async def clerk(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "clerk")


async def test_a_statement_adds_up_with_descriptions_and_holds_apart(
    bank: Bank, clerk: Principal
) -> None:
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    body = {
        "debit_account_id": str(a),
        "credit_account_id": str(b),
        "amount": 2_500,
        "currency": "SGD",
        "description": "rent for May",
    }
    paid, _ = await bank.payments.pay(clerk, "rent", body)
    await bank.done(paid.intent.id)
    hold, _ = await bank.payments.authorise(
        clerk,
        "card",
        {"account_id": str(a), "amount": 700, "currency": "SGD", "merchant": {"name": "Shop"}},
    )
    await bank.until(hold.id, lambda i: i.state == "held")
    made = await bank.banking.statements.statement(clerk, a, TODAY, TOMORROW)
    assert (made.opening, made.closing) == (0, 7_500)
    assert [(m.amount, m.description, m.balance) for m in made.movements] == [
        (10_000, "transfer (code 9)", 10_000),
        (-2_500, "rent for May", 7_500),
    ]
    assert [(h.amount, h.description) for h in made.holds] == [(-700, "Shop")]
    later = await bank.banking.statements.statement(clerk, a, TOMORROW, TOMORROW)
    assert (later.opening, later.closing, later.movements) == (7_500, 7_500, ())
    rows = list(csv.reader(io.StringIO(as_csv(made))))
    assert rows[0][:3] == ["date", "transfer_id", "description"]
    assert [r[2] for r in rows[1:]] == [
        "opening balance",
        "transfer (code 9)",
        "rent for May",
        "closing balance",
    ]
    assert rows[3][4:6] == ["-2500", "-25.00"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(as_pdf(made))).pages)
    assert "rent for May" in text
    assert "75.00" in text


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(st.integers(-3_000, 3_000).filter(bool), min_size=1, max_size=15))
async def test_closing_is_opening_plus_movements_against_a_fold_of_the_log(
    bank: Bank, clerk: Principal, amounts: list[int]
) -> None:
    a = await bank.customer_account(funded=50_000)
    other = await bank.customer_account(funded=50_000)
    for amount in amounts:
        debit, credit = (other, a) if amount > 0 else (a, other)
        (result,) = await bank.ledger.create_transfers(
            [Transfer(uuid.uuid4(), debit, credit, abs(amount), "SGD", 7, tenant=TENANT)]
        )
        assert result.value == "ok"
    made = await bank.banking.statements.statement(clerk, a, TODAY, TOMORROW)
    assert made.opening == 0
    assert [m.amount for m in made.movements] == [50_000, *amounts]
    running = made.opening
    for m in made.movements:
        running += m.amount
        assert m.balance == running
    (held,) = await bank.ledger.lookup_accounts([a])
    assert made.closing == running == held.balance


async def test_another_tenants_account_has_no_statement(platform: Platform, bank: Bank) -> None:
    theirs = await bank.customer_account(tenant="other")
    mine = await key(platform, Role.READ, "me")
    with pytest.raises(NotFound):
        await bank.banking.statements.statement(mine, theirs, TODAY, TOMORROW)
