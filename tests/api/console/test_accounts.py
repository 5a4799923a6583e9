"""The account page: amounts typed in major units converted exactly, the balance points walked
back from the ledger's counters and drawn as an accessible SVG, the counters, the transfers a
page at a time with filters, and the payment form (submitted as an intent, refused with the
field named, refused to a read key); another tenant's account is not found."""

from __future__ import annotations

import datetime
import re
import uuid

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.api.console.accounts import balance_chart, balance_points, minor_units
from strongroom.bootstrap.platform import Platform
from strongroom.errors import ValidationError
from strongroom.ledger import Transfer, TransferFlags
from strongroom.money import to_decimal
from strongroom.services.access import Role
from tests.api.console.conftest import csrf_of, sign_in
from tests.banking.conftest import TENANT, Bank, open_bank

A = uuid.UUID(int=1)
B = uuid.UUID(int=2)
_POSTED = re.compile(r"<td>posted</td>")


@pytest.fixture
async def bank(platform: Platform) -> Bank:
    opened = await open_bank(platform)
    await (await platform.intent_engine()).start()
    return opened


@given(st.integers(1, 2**63 - 1), st.sampled_from(["SGD", "JPY", "BHD", "EUR"]))
def test_an_amount_in_major_units_is_its_minor_units_exactly(amount: int, currency: str) -> None:
    assert minor_units(f" {to_decimal(amount, currency)} ", currency) == amount


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.505", "SGD"),
        ("1.5", "JPY"),
        ("0", "SGD"),
        ("0.00", "SGD"),
        ("-1", "SGD"),
        ("1e3", "SGD"),
        ("NaN", "SGD"),
        ("1,000", "SGD"),
        ("", "SGD"),
        ("9223372036854775808", "JPY"),
    ],
)
def test_an_amount_that_is_not_exactly_minor_units_names_the_field(
    text: str, currency: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        minor_units(text, currency)
    assert refused.value.field == "amount"


def _transfer(
    debit: uuid.UUID,
    credit: uuid.UUID,
    amount: int,
    at: int,
    flags: TransferFlags = TransferFlags.NONE,
) -> Transfer:
    return Transfer(uuid.uuid4(), debit, credit, amount, "SGD", 1, flags, timestamp=at)


def test_the_balance_is_walked_back_from_the_newest_movement() -> None:
    newest_first = [
        _transfer(A, B, 300, 40),
        _transfer(A, B, 999, 30, flags=TransferFlags.PENDING),
        _transfer(B, A, 1_000, 20),
        _transfer(B, A, 500, 10),
    ]
    # After the newest: 500 + 1000 - 300 on top of 100 before them.
    assert balance_points(A, 1_300, newest_first, until=50) == [
        (10, 100),
        (10, 600),
        (20, 1_600),
        (40, 1_300),
        (50, 1_300),
    ]
    assert balance_points(A, 0, [_transfer(A, B, 9, 5, flags=TransferFlags.PENDING)], 9) == []


def test_the_chart_is_a_step_line_with_its_range_in_words() -> None:
    day = 1_796_083_200 * 10**9  # 2026-12-01
    chart = balance_chart([(day, -500), (day + 10, 1_000), (day + 20, 250)], "SGD", width=20)
    assert 'role="img"' in chart
    summary = (
        "Balance from -5.00 SGD on 2026-12-01 to 2.50 SGD on 2026-12-01; "
        "lowest -5.00 SGD, highest 10.00 SGD."
    )
    assert f'aria-label="{summary}"' in chart
    assert f"<title>{summary}</title>" in chart
    # Zero is a third of the way up from -5.00 to 10.00; each movement a step.
    assert 'y1="106.7"' in chart
    assert 'd="M0.0,160.0H10.0V0.0H20.0V80.0"' in chart
    assert balance_chart([(day, 5)], "SGD") == ""


async def _funded(bank: Bank, transfers: int, tenant: str = TENANT) -> uuid.UUID:
    """A customer's account credited `transfers` times 1.00 SGD by the funding account."""
    account = await bank.customer_account(tenant=tenant)
    if tenant == TENANT:
        moves = [
            Transfer(uuid.uuid4(), bank.funding, account, 100, "SGD", 9, tenant=tenant)
            for _ in range(transfers)
        ]
        await bank.ledger.create_transfers(moves)
    return account


async def test_the_page_shows_the_counters_the_chart_and_the_transfers_a_page_at_a_time(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    account = await _funded(bank, 60)
    await sign_in(browser, platform, role=Role.READ)
    r = await browser.get(f"/console/accounts/{account}")
    assert r.status_code == 200
    page = r.text
    assert '<p class="figure">60.00 SGD</p>' in page
    assert "everyday, version 1" in page
    assert '<span class="state good">open</span>' in page
    assert '<svg class="chart"' in page
    assert "<title>Balance from 0.00 SGD on" in page
    assert "highest 60.00 SGD" in page
    assert len(_POSTED.findall(page)) == 50
    assert 'for="from"' in page
    assert 'for="direction"' in page
    older = re.search(r'href="\?([^"]+)" rel="next"', page)
    assert older is not None
    rest = await browser.get(f"/console/accounts/{account}?{older.group(1).replace('&amp;', '&')}")
    assert len(_POSTED.findall(rest.text)) == 10
    assert 'rel="next"' not in rest.text
    assert "Newest transfers" in rest.text
    assert "Make a payment" not in page


async def test_the_transfers_are_filtered_by_day_and_direction(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    account = await _funded(bank, 3)
    await sign_in(browser, platform, role=Role.READ)
    today = datetime.datetime.now(datetime.UTC).date()
    url = f"/console/accounts/{account}"

    async def shown(**filters: str) -> int:
        r = await browser.get(url, params=filters)
        assert r.status_code == 200, r.text
        return len(_POSTED.findall(r.text))

    assert await shown(**{"from": str(today), "to": str(today)}) == 3
    assert await shown(direction="credits") == 3
    assert await shown(direction="debits") == 0
    assert await shown(**{"from": str(today + datetime.timedelta(days=1))}) == 0
    assert await shown(to=str(today - datetime.timedelta(days=1))) == 0
    none = await browser.get(url, params={"direction": "debits"})
    assert "No transfer matches these filters" in none.text
    bad = await browser.get(url, params={"from": "2026-13-01"})
    assert bad.status_code == 422
    assert "from: a date like 2026-12-05" in bad.text
    for far in ("0001-01-01", "9999-12-31"):
        r = await browser.get(url, params={"to": far})
        assert r.status_code == 422
        assert "to: a date from 1970-01-01 to 2261-12-31" in r.text


async def test_another_tenants_account_or_an_id_that_is_none_is_not_found(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    theirs = await _funded(bank, 0, tenant="globex")
    await sign_in(browser, platform, role=Role.ADMIN)
    for path in (f"/console/accounts/{theirs}", f"/console/accounts/{uuid.uuid4()}"):
        r = await browser.get(path)
        assert r.status_code == 404
        assert "<h1>Not found</h1>" in r.text
    assert (await browser.get("/console/accounts/12")).status_code == 422
    # The bank's own account: the ledger's side only, and nothing to pay from.
    own = await browser.get(f"/console/accounts/{bank.funding}")
    assert own.status_code == 200
    assert "not a customer's" in own.text
    assert "Make a payment" not in own.text


async def test_a_payment_is_submitted_and_its_intent_shown(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    payer, payee = await _funded(bank, 20), await bank.customer_account()
    await sign_in(browser, platform, role=Role.WRITE)
    form = await browser.get(f"/console/accounts/{payer}")
    assert '<label for="amount">Amount in SGD</label>' in form.text
    reference = re.search(r'name="reference" value="([^"]+)"', form.text)
    assert reference is not None
    body = {
        "csrf": csrf_of(form.text),
        "reference": reference.group(1),
        "to_account": str(payee),
        "amount": "12.50",
        "description": "rent",
    }
    r = await browser.post(f"/console/accounts/{payer}/payments", data=body)
    assert r.status_code == 303
    intent_id = uuid.UUID(r.headers["location"].removeprefix("/console/intents/"))
    intent = await bank.intents.store.get(intent_id)
    assert intent is not None
    assert intent.payload["amount"] == 1250
    assert intent.payload["credit_account_id"] == str(payee)
    assert intent.payload["channel"] == "console"
    # The same form posted again (a reload, a double click) is the same payment.
    again = await browser.post(f"/console/accounts/{payer}/payments", data=body)
    assert again.headers["location"] == r.headers["location"]
    await bank.freeze(payer)
    frozen = await browser.get(f"/console/accounts/{payer}")
    assert '<span class="state bad">frozen</span>' in frozen.text
    assert "Make a payment" not in frozen.text


async def test_a_bad_payment_names_the_field_and_writes_nothing(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    payer, payee = await _funded(bank, 20), await bank.customer_account()
    theirs = await _funded(bank, 0, tenant="globex")
    csrf = await sign_in(browser, platform, role=Role.WRITE)
    base = {"csrf": csrf, "reference": "console-1", "to_account": str(payee), "amount": "1.00"}
    for changed, named in (
        ({"amount": "12.505"}, "amount: 12.505 has more decimal places than SGD allows (2)"),
        ({"amount": "twelve"}, "amount: an amount in SGD like 12.50"),
        ({"to_account": str(uuid.uuid4())}, "to_account: no account"),
        ({"to_account": str(theirs)}, "to_account: no account"),
        ({"to_account": "nope"}, "to_account: an account id"),
    ):
        r = await browser.post(f"/console/accounts/{payer}/payments", data={**base, **changed})
        assert r.status_code == 422, changed
        assert "Some of what was entered cannot be used" in r.text
        assert named in r.text
    auditor = (await (await platform.access()).create(TENANT, Role.READ, "auditor")).key
    payments, _ = await bank.payments.find(auditor, account=payer)
    assert payments == []


async def test_a_read_key_is_shown_no_payment_form_and_cannot_pay(
    browser: httpx.AsyncClient, platform: Platform, bank: Bank
) -> None:
    payer, payee = await _funded(bank, 20), await bank.customer_account()
    csrf = await sign_in(browser, platform, role=Role.READ)
    assert "Make a payment" not in (await browser.get(f"/console/accounts/{payer}")).text
    body = {"csrf": csrf, "reference": "r-1", "to_account": str(payee), "amount": "1.00"}
    r = await browser.post(f"/console/accounts/{payer}/payments", data=body)
    assert r.status_code == 403
    assert "Your key is not allowed to do this" in r.text
    assert "needs the write role" in r.text
