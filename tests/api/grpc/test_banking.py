"""strongroom.v1.Banking through a real gRPC client over loopback, on both backends: a payment
paid, retried, shown and refunded; a deposit and a card hold captured; customers, accounts and
pots; statements, re-pinning and sweeps; beneficiaries; FX rates, quotes and a conversion; the
end of day. Roles refused, bad fields named, another tenant's objects not found."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator, Awaitable

import grpc
import pytest

from strongroom.api.grpc import start_grpc_server
from strongroom.api.grpc.gen import banking_pb2 as pb
from strongroom.api.grpc.gen import banking_pb2_grpc
from strongroom.bench.sample_bank import PRODUCTS
from strongroom.bootstrap.platform import Platform
from strongroom.products import parse_product
from strongroom.services.access import Role
from tests.banking.conftest import EXAMPLES, Bank, bank, key  # noqa: F401 (the fixture)

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
async def stub(
    platform: Platform,
    bank: Bank,  # noqa: F811
) -> AsyncIterator[banking_pb2_grpc.BankingStub]:
    services = await platform.services()
    server, port = await start_grpc_server(
        services.ledger_service,
        services.access,
        "127.0.0.1",
        0,
        banking=bank.banking,
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield banking_pb2_grpc.BankingStub(channel)
    await channel.close()
    await server.stop(None)


async def bearer(
    platform: Platform, role: str, tenant: str = "acme"
) -> tuple[tuple[str, str], ...]:
    new = await (await platform.access()).create(tenant, role)
    return (("authorization", f"Bearer {new.token}"),)


async def test_pay_show_refund_deposit_and_capture(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    writer = await bearer(platform, "write")
    a = await bank.customer_account(funded=10_000)
    b = await bank.customer_account()
    ask = pb.PayRequest(
        reference="g-1",
        debit_account_id=str(a),
        credit_account_id=str(b),
        amount=2_000,
        currency="SGD",
        description="rent",
    )
    paid = await stub.Pay(ask, metadata=writer)
    again = await stub.Pay(ask, metadata=writer)
    assert (paid.created, again.created, again.intent.id) == (True, False, paid.intent.id)
    await bank.done(uuid.UUID(paid.intent.id))
    shown = await stub.ShowPayment(pb.ShowPaymentRequest(id=paid.intent.id), metadata=writer)
    assert (shown.status, shown.fees, shown.detail.intent.state) == ("settled", 0, "settled")
    refund = await stub.Refund(
        pb.RefundRequest(payment_id=paid.intent.id, reference="r", amount=500, reason="x"),
        metadata=writer,
    )
    await bank.done(uuid.UUID(refund.intent.id))
    listed = await stub.ListPayments(pb.ListPaymentsRequest(account=str(a)), metadata=writer)
    assert [(p.status, p.refunded) for p in listed.items] == [("partially_refunded", 500)]
    deposited = await stub.Deposit(
        pb.DepositRequest(
            reference="d",
            account_id=str(b),
            amount=700,
            currency="SGD",
            sender=pb.Sender(name="Acme", country="SG"),
        ),
        metadata=writer,
    )
    assert (await bank.done(uuid.UUID(deposited.intent.id))).state == "settled"
    held = await stub.Authorise(
        pb.AuthoriseRequest(
            reference="c",
            account_id=str(a),
            amount=1_000,
            currency="SGD",
            merchant=pb.Merchant(name="Kopi", category="5814"),
        ),
        metadata=writer,
    )
    hold_id = uuid.UUID(held.intent.id)
    await bank.until(hold_id, lambda i: i.state == "held")
    captured = await stub.Capture(
        pb.CaptureRequest(authorisation_id=str(hold_id), reference="cap", amount=400),
        metadata=writer,
    )
    await bank.done(uuid.UUID(captured.intent.id))
    assert await bank.balances(a, b) == [10_000 - 2_000 + 500 - 400, 2_000 - 500 + 700]


async def test_bad_fields_are_invalid_arguments_and_other_tenants_not_found(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    writer = await bearer(platform, "write")
    a = await bank.customer_account(funded=10_000)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Pay(
            pb.PayRequest(
                reference="x",
                debit_account_id=str(a),
                credit_account_id=str(a),
                amount=0,
                currency="SGD",
            ),
            metadata=writer,
        )
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "amount" in (caught.value.details() or "")
    stranger = await bearer(platform, "admin", tenant="other")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Pay(
            pb.PayRequest(
                reference="y",
                debit_account_id=str(a),
                credit_account_id=str(a),
                amount=1,
                currency="SGD",
            ),
            metadata=stranger,
        )
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND


async def test_customers_accounts_and_pots(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    writer = await bearer(platform, "write")
    person = pb.Person(
        full_name="Alice Tan",
        date_of_birth="1985-06-15",
        nationality="SG",
        national_id="S1234567D",
        document_number="K1234567",
        document_expiry="2034-01-01",
        email="alice@example.sg",
    )
    made = await stub.Onboard(
        pb.OnboardRequest(reference="g-c", person=person, national_id_kind="sg.nric"),
        metadata=writer,
    )
    assert (made.kyc_status, made.person.full_name) == ("pending", "Alice Tan")
    for _ in range(500):
        found = await stub.FindCustomers(
            pb.FindCustomersRequest(email="alice@example.sg"), metadata=writer
        )
        if found.items and found.items[0].kyc_status != "pending":
            break
    assert [(c.id, c.kyc_status) for c in found.items] == [(made.id, "verified")]
    opening = await stub.OpenAccount(
        pb.OpenAccountRequest(
            customer_id=made.id, reference="g-a", currency="SGD", product="everyday"
        ),
        metadata=writer,
    )
    await bank.done(uuid.UUID(opening.intent.id))
    account = await stub.ShowAccount(pb.ShowAccountRequest(id=opening.account_id), metadata=writer)
    assert (account.status, account.balance, account.product) == ("open", 0, "everyday")
    pot = await stub.CreatePot(
        pb.CreatePotRequest(account_id=opening.account_id, reference="g-p", name="Trip"),
        metadata=writer,
    )
    listed = await stub.ListPots(pb.ShowAccountRequest(id=opening.account_id), metadata=writer)
    assert [p.id for p in listed.items] == [pot.id]
    frozen = await stub.SetAccountStatus(
        pb.BankAccountStatusRequest(id=opening.account_id, status="frozen", reason="card lost"),
        metadata=writer,
    )
    assert frozen.status == "frozen"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ShowCustomer(pb.ShowCustomerRequest(id="nope"), metadata=writer)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    stranger = await bearer(platform, "admin", tenant="other")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ShowCustomer(pb.ShowCustomerRequest(id=made.id), metadata=stranger)
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND


async def refused(call: Awaitable[object], code: grpc.StatusCode, field: str = "") -> None:
    """`call` answers `code`, its message naming `field`."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() is code, caught.value.details()
    assert field in (caught.value.details() or "")


async def test_statement_repin_and_sweep(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    reader, writer, admin = [await bearer(platform, r) for r in ("read", "write", "admin")]
    stranger = await bearer(platform, "admin", tenant="other")
    a = await bank.customer_account(funded=4_200)
    today = datetime.datetime.now(datetime.UTC).date()
    period = {"start": str(today - datetime.timedelta(days=1)), "end": str(today + ONE_DAY)}
    ask = pb.StatementRequest(account_id=str(a), **period)
    shown = await stub.ShowStatement(ask, metadata=reader)
    assert (shown.opening, shown.closing, shown.format, shown.document) == (0, 4_200, "json", b"")
    assert [(m.amount, m.balance, m.counterparty) for m in shown.movements] == [
        (4_200, 4_200, str(bank.funding))
    ]
    as_csv = await stub.ShowStatement(
        pb.StatementRequest(account_id=str(a), format="csv", **period), metadata=reader
    )
    assert (as_csv.closing, len(as_csv.movements)) == (4_200, 0)
    assert b"closing balance" in as_csv.document
    as_pdf = await stub.ShowStatement(
        pb.StatementRequest(account_id=str(a), format="pdf", **period), metadata=reader
    )
    assert as_pdf.document[:5] == b"%PDF-"
    await refused(
        stub.ShowStatement(
            pb.StatementRequest(account_id=str(a), start="yesterday", end=period["end"]),
            metadata=reader,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "start",
    )
    await refused(
        stub.ShowStatement(
            pb.StatementRequest(account_id=str(a), format="xml", **period), metadata=reader
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "format",
    )
    await refused(stub.ShowStatement(ask, metadata=stranger), grpc.StatusCode.NOT_FOUND)

    text = (EXAMPLES / "everyday-v1.yaml").read_text().replace("version: 1", "version: 2")
    await (await platform.products()).publish(parse_product(text), actor="ops")
    repin = pb.RepinAccountRequest(id=str(a), version=2, reason="better terms")
    await refused(stub.RepinAccount(repin, metadata=writer), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.RepinAccount(repin, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        stub.RepinAccount(
            pb.RepinAccountRequest(id=str(a), version=2**31, reason=" "), metadata=admin
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "version: must be a version, 1 to 2147483647; reason",
    )
    moved = await stub.RepinAccount(repin, metadata=admin)
    assert (moved.id, moved.product_version) == (str(a), 2)

    pot = await stub.CreatePot(
        pb.CreatePotRequest(account_id=str(a), reference="g-sweep", name="Rainy day"),
        metadata=writer,
    )
    assert not pot.HasField("sweep")
    sweep = pb.SweepPotRequest(pot_id=pot.id, amount=1_000, spec="every 1d")
    await refused(stub.SweepPot(sweep, metadata=writer), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.SweepPot(sweep, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        stub.SweepPot(pb.SweepPotRequest(pot_id=pot.id, amount=0, spec="every 1d"), metadata=admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "amount",
    )
    await refused(
        stub.SweepPot(
            pb.SweepPotRequest(pot_id=pot.id, amount=1, spec="now and then"), metadata=admin
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "spec",
    )
    swept = await stub.SweepPot(sweep, metadata=admin)
    assert (swept.id, swept.sweep.spec, swept.sweep.amount) == (pot.id, "every 1d", 1_000)
    assert swept.sweep.HasField("next_at")
    listed = await stub.ListPots(pb.ShowAccountRequest(id=str(a)), metadata=reader)
    assert [p.sweep.amount for p in listed.items] == [1_000]


async def test_beneficiaries(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    reader, writer, admin = [await bearer(platform, r) for r in ("read", "write", "admin")]
    stranger = await bearer(platform, "admin", tenant="other")
    customer = str(await bank.customer())
    by_iban = pb.AddBeneficiaryRequest(
        customer_id=customer,
        reference="g-b",
        name="Landlord",
        currency="SGD",
        iban="DE89 3704 0044 0532 0130 00",
    )
    await refused(stub.AddBeneficiary(by_iban, metadata=writer), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.AddBeneficiary(by_iban, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    added = await stub.AddBeneficiary(by_iban, metadata=admin)
    assert (added.customer_id, added.account, added.country, added.bic) == (
        customer,
        "DE89370400440532013000",
        "DE",
        "",
    )
    assert added.cooling_off_until > added.created_at
    assert not added.HasField("removed_at")
    again = await stub.AddBeneficiary(by_iban, metadata=admin)
    assert again.id == added.id
    local = await stub.AddBeneficiary(
        pb.AddBeneficiaryRequest(
            customer_id=customer,
            reference="g-l",
            name="Grocer",
            currency="SGD",
            country="SG",
            bank_code="7171",
            account_number="0123456789",
        ),
        metadata=admin,
    )
    assert local.account == "SG/7171/0123456789"
    bad = {"customer_id": customer, "reference": "g-x", "currency": "SGD"}
    for request, field in [
        (pb.AddBeneficiaryRequest(name="X", iban="DE00370400440532013000", **bad), "iban"),
        (pb.AddBeneficiaryRequest(name=" ", iban="DE89370400440532013000", **bad), "name"),
        (
            pb.AddBeneficiaryRequest(name="X", iban="DE89370400440532013000", country="SG", **bad),
            "country",
        ),
        (pb.AddBeneficiaryRequest(name="X", bic="DEUTDEFF", **bad), "bic"),
    ]:
        await refused(
            stub.AddBeneficiary(request, metadata=admin), grpc.StatusCode.INVALID_ARGUMENT, field
        )

    listed = await stub.ListBeneficiaries(pb.ShowCustomerRequest(id=customer), metadata=reader)
    assert sorted(b.id for b in listed.items) == sorted([added.id, local.id])
    # As over HTTP: another tenant's customer lists nothing.
    theirs = await stub.ListBeneficiaries(pb.ShowCustomerRequest(id=customer), metadata=stranger)
    assert list(theirs.items) == []
    await refused(
        stub.ListBeneficiaries(pb.ShowCustomerRequest(id="nope"), metadata=reader),
        grpc.StatusCode.INVALID_ARGUMENT,
        "id",
    )
    one = pb.ShowBeneficiaryRequest(id=added.id)
    assert (await stub.ShowBeneficiary(one, metadata=reader)).name == "Landlord"
    await refused(stub.ShowBeneficiary(one, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        stub.ShowBeneficiary(pb.ShowBeneficiaryRequest(id="nope"), metadata=reader),
        grpc.StatusCode.INVALID_ARGUMENT,
        "id",
    )
    await refused(stub.RemoveBeneficiary(one, metadata=reader), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.RemoveBeneficiary(one, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        stub.RemoveBeneficiary(pb.ShowBeneficiaryRequest(id=""), metadata=writer),
        grpc.StatusCode.INVALID_ARGUMENT,
        "id",
    )
    removed = await stub.RemoveBeneficiary(one, metadata=writer)
    assert removed.HasField("removed_at")
    assert (await stub.ShowBeneficiary(one, metadata=reader)).removed_at == removed.removed_at
    officer = await key(platform, Role.ADMIN, "officer")
    await bank.banking.customers.erase(officer, uuid.UUID(customer), "the customer asked")
    gone = await stub.ShowBeneficiary(one, metadata=reader)
    assert (gone.id, gone.name, gone.account, gone.country) == (added.id, "", "", "DE")


async def test_fx_rates_quotes_and_a_conversion(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    reader, writer, admin = [await bearer(platform, r) for r in ("read", "write", "admin")]
    stranger = await bearer(platform, "admin", tenant="other")
    await (await platform.products()).publish(parse_product(PRODUCTS["global"]), actor="ops")
    customer = await bank.customer()
    sgd = await bank.customer_account(funded=20_000, customer=customer)
    usd, opening, _ = await bank.banking.accounts.open(
        (await (await platform.access()).create("acme", "admin", "o")).key,
        "g-usd",
        customer,
        "USD",
        "global",
    )
    await bank.done(opening.id)

    rate = pb.SetFxRateRequest(base="USD", quote="SGD", rate="1.35")
    await refused(stub.SetFxRate(rate, metadata=writer), grpc.StatusCode.PERMISSION_DENIED)
    for request, field in [
        (pb.SetFxRateRequest(base="USD", quote="SGD", rate="1e3"), "rate"),
        (pb.SetFxRateRequest(base="usd", quote="SGD", rate="1.35"), "base"),
        (pb.SetFxRateRequest(base="USD", quote="SGD", rate="0"), "rate"),
        (pb.SetFxRateRequest(base="USD", quote="SGD", rate="1.35", source="a\x00"), "source"),
    ]:
        await refused(
            stub.SetFxRate(request, metadata=admin), grpc.StatusCode.INVALID_ARGUMENT, field
        )
    set_ = await stub.SetFxRate(rate, metadata=admin)
    assert (set_.base, set_.quote, set_.rate, set_.source) == ("USD", "SGD", "1.35", "manual")
    listed = await stub.ListFxRates(pb.ListFxRatesRequest(), metadata=reader)
    assert [(r.base, r.quote, r.rate, r.as_of) for r in listed.items] == [
        ("USD", "SGD", "1.35", set_.as_of)
    ]
    # Rates are the tenant's: another has none, so no quote either.
    assert list((await stub.ListFxRates(pb.ListFxRatesRequest(), metadata=stranger)).items) == []

    ask = pb.QuoteFxRequest(sell_currency="SGD", buy_currency="USD", sell_amount=13_500)
    await refused(stub.QuoteFx(ask, metadata=reader), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.QuoteFx(ask, metadata=stranger), grpc.StatusCode.FAILED_PRECONDITION)
    await refused(
        stub.QuoteFx(
            pb.QuoteFxRequest(sell_currency="sgd", buy_currency="USD", sell_amount=0),
            metadata=writer,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "sell_currency: must be 3 upper-case letters (ISO 4217); sell_amount",
    )
    quote = await stub.QuoteFx(ask, metadata=writer)
    assert (quote.sell_amount, quote.buy_amount, quote.spread_bps) == (13_500, 9_950, 50)
    assert quote.expires_at > quote.created_at

    convert = pb.ConvertFxRequest(
        quote_id=quote.id, debit_account_id=str(sgd), credit_account_id=str(usd)
    )
    await refused(stub.ConvertFx(convert, metadata=reader), grpc.StatusCode.PERMISSION_DENIED)
    await refused(stub.ConvertFx(convert, metadata=stranger), grpc.StatusCode.NOT_FOUND)
    await refused(
        stub.ConvertFx(
            pb.ConvertFxRequest(
                quote_id="x", debit_account_id=str(sgd), credit_account_id=str(usd)
            ),
            metadata=writer,
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "quote_id",
    )
    made = await stub.ConvertFx(convert, metadata=writer)
    assert (made.created, made.intent.type) == (True, "banking.fx.convert")
    assert (await bank.done(uuid.UUID(made.intent.id))).state == "converted"
    again = await stub.ConvertFx(convert, metadata=writer)
    assert (again.created, again.intent.id) == (False, made.intent.id)
    assert await bank.balances(sgd, usd) == [6_500, 9_950]


async def test_end_of_day(
    platform: Platform,
    bank: Bank,  # noqa: F811
    stub: banking_pb2_grpc.BankingStub,
) -> None:
    writer, admin = [await bearer(platform, r) for r in ("write", "admin")]
    stranger = await bearer(platform, "admin", tenant="other")
    a = await bank.customer_account()
    deposited = await stub.Deposit(
        pb.DepositRequest(reference="g-in", account_id=str(a), amount=1_200, currency="SGD"),
        metadata=writer,
    )
    assert (await bank.done(uuid.UUID(deposited.intent.id))).state == "settled"
    day = pb.EndOfDayRequest(currency="SGD", date="2026-12-04")
    await refused(stub.EndOfDay(day, metadata=writer), grpc.StatusCode.PERMISSION_DENIED)
    await refused(
        stub.EndOfDay(pb.EndOfDayRequest(currency="sgd", date="2026-13-01"), metadata=admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "currency: must be 3 upper-case letters (ISO 4217); date",
    )
    await refused(
        stub.EndOfDay(pb.EndOfDayRequest(currency="XYZ", date="2026-12-04"), metadata=admin),
        grpc.StatusCode.INVALID_ARGUMENT,
        "currency",
    )
    settled = await stub.EndOfDay(day, metadata=admin)
    assert (settled.type, settled.reference) == ("banking.settlement.eod", "eod:SGD:2026-12-04")
    done = await bank.done(uuid.UUID(settled.id))
    assert done.results["settle"]["amount"] == -1_200
    assert (await stub.EndOfDay(day, metadata=admin)).id == settled.id
    # Another tenant's day is its own: its clearing account, nothing of this one's.
    theirs = await stub.EndOfDay(day, metadata=stranger)
    assert theirs.id != settled.id
    assert (await bank.done(uuid.UUID(theirs.id))).results["settle"]["amount"] == 0
