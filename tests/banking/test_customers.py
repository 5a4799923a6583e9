"""Customers on both backends: onboarded with their personal data sealed and found by each blind
index, verified or rejected by the KYC provider (a review held on a case), re-verified after
expiry, rated, and erased by crypto-shredding with the ledger history kept; bad input named and
nothing written; another tenant's customer not found."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from strongroom.banking.types import KycStatus
from strongroom.bootstrap.platform import Platform
from strongroom.errors import Conflict, NotFound, PermissionDenied, ValidationError
from strongroom.services.access import Principal, Role
from tests.banking.conftest import PERSON, TENANT, Bank, key


@pytest.fixture
async def clerk(platform: Platform) -> Principal:
    return await key(platform, Role.WRITE, "clerk")


@pytest.fixture
async def officer(platform: Platform) -> Principal:
    return await key(platform, Role.ADMIN, "officer")


async def settled_kyc(bank: Bank, who: Principal, customer_id: uuid.UUID) -> KycStatus:
    for _ in range(1500):
        status = (await bank.banking.customers.show(who, customer_id)).customer.kyc_status
        if status is not KycStatus.PENDING:
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("the KYC check never finished")


async def test_an_onboarded_customer_is_sealed_verified_and_found_by_each_index(
    platform: Platform, bank: Bank, clerk: Principal
) -> None:
    person = {**PERSON, "email": "Ah.Kow@Example.com", "phone": "+65 9123 4567"}
    view, created = await bank.banking.customers.onboard(clerk, "cust-1", person)
    assert (created, view.customer.kyc_status) == (True, KycStatus.PENDING)
    assert await settled_kyc(bank, clerk, view.customer.id) is KycStatus.VERIFIED
    shown = await bank.banking.customers.show(clerk, view.customer.id)
    assert shown.customer.kyc_expires_at is not None
    assert shown.party is not None
    assert (shown.party.full_name, shown.party.document_number) == ("Tan Ah Kow", "E1234567")
    customers = bank.banking.customers
    for query in (
        {"email": "ah.kow@example.com"},
        {"phone": "+6591234567"},
        {"national_id": "s1234567-d"},
    ):
        found, _ = await customers.find(clerk, **query)
        assert [v.customer.id for v in found] == [view.customer.id], query
    assert await customers.find(clerk, email="nobody@example.com") == ([], None)
    both, _ = await customers.find(clerk, email="ah.kow@example.com", phone="+6500000000")
    assert both == []
    listed, _ = await customers.find(clerk)
    assert [v.customer.id for v in listed] == [view.customer.id]
    # Nothing personal is stored in clear.
    store = await platform.bank_store()
    (record,) = await store.customers([view.customer.id])
    assert "Tan" not in repr(record)
    again, created_again = await customers.onboard(clerk, "cust-1", person)
    assert (again.customer.id, created_again) == (view.customer.id, False)
    with pytest.raises(Conflict):
        await customers.onboard(clerk, "cust-1", {**person, "full_name": "Someone Else"})


async def test_an_invalid_national_id_is_rejected_and_cannot_open_an_account(
    bank: Bank, clerk: Principal
) -> None:
    view, _ = await bank.banking.customers.onboard(
        clerk, "bad-id", {**PERSON, "national_id": "S1234567A"}
    )
    assert await settled_kyc(bank, clerk, view.customer.id) is KycStatus.REJECTED
    shown = await bank.banking.customers.show(clerk, view.customer.id)
    assert shown.record.kyc_findings
    account_id, intent, _ = await bank.banking.accounts.open(
        clerk, "acc-bad", view.customer.id, "SGD", "everyday"
    )
    refused = await bank.done(intent.id)
    assert refused.state == "failed"
    assert refused.error is not None
    assert "rejected" in refused.error
    with pytest.raises(NotFound):
        await bank.banking.accounts.show(clerk, account_id)


async def test_an_expired_verification_refuses_new_accounts_until_verified_again(
    bank: Bank, clerk: Principal
) -> None:
    customer = await bank.customer()
    await bank.expire_kyc(customer)
    shown = await bank.banking.customers.show(clerk, customer)
    assert shown.customer.kyc_status is KycStatus.EXPIRED
    _, intent, _ = await bank.banking.accounts.open(clerk, "acc-exp", customer, "SGD", "everyday")
    assert (await bank.done(intent.id)).state == "failed"
    check = await bank.banking.customers.verify(clerk, customer)
    assert (await bank.done(check.id)).state == "recorded"
    assert await settled_kyc(bank, clerk, customer) is KycStatus.VERIFIED
    assert (await bank.banking.customers.show(clerk, customer)).customer.kyc_status is (
        KycStatus.VERIFIED
    )


async def test_the_risk_rating_is_an_admins_with_a_reason(
    bank: Bank, clerk: Principal, officer: Principal
) -> None:
    customer = await bank.customer()
    with pytest.raises(PermissionDenied):
        await bank.banking.customers.set_risk(clerk, customer, "high", "adverse media")
    with pytest.raises(ValidationError) as caught:
        await bank.banking.customers.set_risk(officer, customer, "extreme", "x")
    assert caught.value.field == "risk_rating"
    rated = await bank.banking.customers.set_risk(officer, customer, "high", "adverse media")
    assert rated.customer.risk_rating.value == "high"


async def test_erasure_shreds_the_person_and_keeps_the_ledger(
    bank: Bank, clerk: Principal, officer: Principal
) -> None:
    customer = await bank.customer(email="gone@example.com")
    account = await bank.customer_account(funded=1_000, customer=customer)
    with pytest.raises(Conflict):
        await bank.banking.customers.erase(officer, customer, "the customer asked")
    # Empty the account and close it, then erase.
    other = await bank.customer_account()
    payment, _ = await bank.payments.pay(
        clerk,
        "empty",
        {
            "debit_account_id": str(account),
            "credit_account_id": str(other),
            "amount": 1_000,
            "currency": "SGD",
        },
    )
    assert (await bank.done(payment.intent.id)).state == "settled"
    closing, _ = await bank.banking.accounts.close(clerk, account, "close-1")
    assert (await bank.done(closing.id)).state == "closed"
    erased = await bank.banking.customers.erase(officer, customer, "the customer asked")
    assert (erased.customer.erased, erased.party) == (True, None)
    assert await bank.banking.customers.find(clerk, email="gone@example.com") == ([], None)
    (held,) = await bank.ledger.lookup_accounts([account])
    assert (held.debits_posted, held.credits_posted) == (1_000, 1_000)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date_of_birth": "1980-13-01"}, "date_of_birth"),
        ({"nationality": "sg"}, "nationality"),
        ({"full_name": ""}, "full_name"),
        ({"surprise": 1}, "surprise"),
        ({"email": "not-an-email"}, "email"),
    ],
)
async def test_bad_onboarding_names_the_field_and_writes_nothing(
    platform: Platform, bank: Bank, clerk: Principal, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await bank.banking.customers.onboard(clerk, f"bad-{field}", {**PERSON, **change})
    assert field in caught.value.field
    found, _ = await bank.banking.customers.find(clerk, national_id=PERSON["national_id"])
    assert found == []


async def test_another_tenants_customer_is_not_found(platform: Platform, bank: Bank) -> None:
    theirs = await bank.customer(tenant="other")
    mine = await key(platform, Role.ADMIN, "me", TENANT)
    with pytest.raises(NotFound):
        await bank.banking.customers.show(mine, theirs)
    with pytest.raises(NotFound):
        await bank.banking.accounts.open(mine, "steal", theirs, "SGD", "everyday")
