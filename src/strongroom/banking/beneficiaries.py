"""Beneficiaries: a customer's saved payees at other banks, for payments out of the bank.

A beneficiary is identified by an IBAN (checked by schwifty: country, length, check digits; with
a BIC, that it is a valid BIC of the IBAN's country) or by local details (country, bank code and
account number, for countries without IBANs). Its name is screened against the sanctions lists
when it is added: a hit refuses it. A new beneficiary is cooling off for
`beneficiary_cooling_off` seconds, during which a payment to it may be at most
`beneficiary_new_limit` minor units (`check_payment`). Adding one takes the admin role.
Removing keeps it for history; a removed
beneficiary cannot be paid. The payment itself is `banking.payment.internal` with a
`beneficiary_id` instead of a payee account (payments/internal.py): it leaves through the
tenant's clearing account.

The name and account are the customer's personal data: `BeneficiaryBook` seals them under the
customer's own data key (so erasing the customer makes them unreadable: they read as None), with
a blind index of the account for the store's one-active-beneficiary-per-account rule.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from strongroom.banking import events
from strongroom.banking.personal_fields import BENEFICIARY_FIELDS, BENEFICIARY_SEALED_AS
from strongroom.banking.ports import BankStore, BeneficiaryRecord, SealedBeneficiary
from strongroom.clock import Clock
from strongroom.compliance.screening.types import NameQuery, Screener
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.money import is_currency
from strongroom.parties import subject_of
from strongroom.security.errors import DataShredded
from strongroom.security.fields import RecordCipher
from strongroom.security.keyring import Keyring
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import KEY_PATTERN

NS = 10**9
_NAMESPACE = uuid.UUID("a3d9e5f1-6b2c-4c7e-8f0a-1d4b7e9c2a65")
_LOCAL = re.compile(r"^[0-9A-Z]{1,12}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{4,34}$")
#: How many beneficiaries left in clear one read of `seal_left_in_clear` takes.
_SEAL_BATCH = 500


@dataclass(frozen=True, slots=True)
class BeneficiaryPolicy:
    #: Seconds a new beneficiary is cooling off.
    cooling_off: float
    #: The most one payment to a beneficiary cooling off may be, in minor units.
    new_limit: int


def beneficiary_id_of(tenant: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/{reference}")


def check_payment(
    beneficiary: BeneficiaryRecord, amount: int, now: int, policy: BeneficiaryPolicy
) -> str | None:
    """Why a payment of `amount` to `beneficiary` at `now` is refused, or None."""
    if beneficiary.account is None:
        return f"beneficiary {beneficiary.id} was erased with its customer"
    if beneficiary.removed_at is not None:
        return f"beneficiary {beneficiary.id} was removed"
    if now < beneficiary.cooling_off_until and amount > policy.new_limit:
        return (
            f"beneficiary {beneficiary.id} is new: until its cooling-off ends a payment to it is "
            f"at most {policy.new_limit}"
        )
    return None


def _account(request: dict[str, Any]) -> tuple[str, str | None, str]:
    """(account, BIC, country) from an IBAN and BIC, or from local details."""
    iban_text = request.get("iban")
    bic_text = request.get("bic")
    if iban_text is not None:
        if not isinstance(iban_text, str):
            raise ValidationError("iban", "must be text")
        try:
            iban = IBAN(iban_text)
        except SchwiftyException as error:
            raise ValidationError("iban", f"not a valid IBAN: {error}") from None
        bic = None
        if bic_text is not None:
            try:
                parsed = BIC(str(bic_text))
            except SchwiftyException as error:
                raise ValidationError("bic", f"not a valid BIC: {error}") from None
            if parsed.country_code != iban.country_code:
                raise ValidationError(
                    "bic",
                    f"is a bank in {parsed.country_code}, the IBAN one in {iban.country_code}",
                )
            bic = str(parsed)
        return iban.compact, bic, iban.country_code
    country, bank, number = (request.get(k) for k in ("country", "bank_code", "account_number"))
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise ValidationError("country", "an IBAN, or local details with an ISO 3166 country")
    if not isinstance(bank, str) or not _LOCAL.fullmatch(bank):
        raise ValidationError("bank_code", "1 to 12 capital letters and digits")
    if not isinstance(number, str) or not _ACCOUNT_NUMBER.fullmatch(number):
        raise ValidationError("account_number", "4 to 34 digits")
    return f"{country}/{bank}/{number}", None, country


class BeneficiaryBook:
    """Beneficiaries in and out with their name and account in plaintext, sealed at rest under
    the customer's data key (store: strongroom.store.banking)."""

    def __init__(self, store: BankStore, keyring: Keyring) -> None:
        self.store = store
        self.cipher = RecordCipher(keyring, BENEFICIARY_SEALED_AS, BENEFICIARY_FIELDS)

    async def add(self, record: BeneficiaryRecord, events: bytes) -> BeneficiaryRecord:
        """Seal and insert `record` (with its outbox row); the tenant's one of the same
        reference when there is one. Conflict when the customer has an active beneficiary with
        that account."""
        assert record.name is not None
        assert record.account is not None
        sealed = await self._seal(
            record.tenant, record.customer_id, record.id, record.name, record.account
        )
        blank = replace(record, name=None, account=None)
        return await self._open(
            await self.store.add_beneficiary(SealedBeneficiary(blank, sealed), events)
        )

    async def get(self, ids: list[uuid.UUID]) -> list[BeneficiaryRecord]:
        return [await self._open(found) for found in await self.store.beneficiaries(ids)]

    async def of(self, tenant: str, customer_id: uuid.UUID) -> list[BeneficiaryRecord]:
        """The customer's beneficiaries, removed ones included, oldest first."""
        found = await self.store.beneficiaries_of(tenant, customer_id)
        return [await self._open(b) for b in found]

    async def seal_left_in_clear(self) -> int:
        """Seal the beneficiaries migration 0025 found in clear; how many there were."""
        done = 0
        while batch := await self.store.beneficiaries_in_clear(_SEAL_BATCH):
            for clear in batch:
                sealed = await self._seal(
                    clear.tenant, clear.customer_id, clear.id, clear.name, clear.account
                )
                await self.store.seal_beneficiary(clear.id, sealed)
            done += len(batch)
        return done

    async def _seal(
        self, tenant: str, customer_id: uuid.UUID, row_id: uuid.UUID, name: str, account: str
    ) -> dict[str, object]:
        plain: dict[str, str | None] = {"name": name, "account": account}
        return await self.cipher.seal(tenant, subject_of(customer_id), row_id, plain)

    async def _open(self, stored: SealedBeneficiary) -> BeneficiaryRecord:
        record = stored.record
        try:
            values = await self.cipher.open(record.tenant, record.id, stored.sealed)
        except DataShredded:
            return record
        return replace(record, name=values["name"], account=values["account"])


class BeneficiaryService:
    def __init__(
        self,
        store: BankStore,
        book: BeneficiaryBook,
        screener: Screener,
        clock: Clock,
        policy: BeneficiaryPolicy,
    ) -> None:
        self.store = store
        self.book = book
        self.screener = screener
        self.clock = clock
        self.policy = policy

    async def add(
        self, who: Principal, customer_id: uuid.UUID, reference: str, request: dict[str, Any]
    ) -> BeneficiaryRecord:
        """Admin role: add a beneficiary of `customer_id` (`request`: name, currency, and iban
        [+ bic] or country + bank_code + account_number); the same reference again returns it.
        A new payee is where account-takeover fraud pays out: adding one takes the admin role
        (an integration's step-up), paying it afterwards only write."""
        with acting(who, Role.ADMIN):
            if not re.fullmatch(KEY_PATTERN, reference):
                raise ValidationError("reference", "1 to 200 characters, none a control character")
            found = await self.store.customers([customer_id])
            if not found or found[0].tenant != who.tenant:
                raise NotFound(f"customer {customer_id} not found")
            if found[0].erased_at is not None:
                raise Conflict(f"customer {customer_id} was erased")
            name = request.get("name")
            if not isinstance(name, str) or not name.strip() or len(name) > 140:
                raise ValidationError("name", "the account holder's name, 1 to 140 characters")
            currency = request.get("currency")
            if not isinstance(currency, str) or not is_currency(currency):
                raise ValidationError("currency", "an ISO 4217 currency code")
            unknown = set(request) - {
                "name",
                "currency",
                "iban",
                "bic",
                "country",
                "bank_code",
                "account_number",
            }
            if unknown:
                raise ValidationError(sorted(unknown)[0], "is not a field of a beneficiary")
            account, bic, country = _account(request)
            hits = self.screener.screen(NameQuery(name=name, country=country))
            if hits:
                listed = ", ".join(f"{h.matched_name} ({h.score:.0f})" for h in hits[:3])
                raise Conflict(f"the name matches the sanctions lists: {listed}")
            now = self.clock.now_ns()
            record = BeneficiaryRecord(
                id=beneficiary_id_of(who.tenant, reference),
                tenant=who.tenant,
                reference=reference,
                customer_id=customer_id,
                name=name,
                account=account,
                bic=bic,
                country=country,
                currency=currency,
                created_at=now,
                cooling_off_until=now + int(self.policy.cooling_off * NS),
                removed_at=None,
            )
            # Ids only: events outlive an erasure (the outbox, the audit log's hash chain).
            data = {"beneficiary_id": str(record.id), "customer_id": str(customer_id)}
            return await self.book.add(
                record, events.event(events.BENEFICIARY_ADDED, who.tenant, who.id, now, data)
            )

    async def of_customer(self, who: Principal, customer_id: uuid.UUID) -> list[BeneficiaryRecord]:
        with acting(who, Role.READ):
            return await self.book.of(who.tenant, customer_id)

    async def show(self, who: Principal, beneficiary_id: uuid.UUID) -> BeneficiaryRecord:
        with acting(who, Role.READ):
            return await self._get(who.tenant, beneficiary_id)

    async def remove(self, who: Principal, beneficiary_id: uuid.UUID) -> BeneficiaryRecord:
        with acting(who, Role.WRITE):
            found = await self._get(who.tenant, beneficiary_id)
            if found.removed_at is not None:
                return found
            now = self.clock.now_ns()
            removed = replace(found, removed_at=now)
            data = {"beneficiary_id": str(found.id), "customer_id": str(found.customer_id)}
            await self.store.remove_beneficiary(
                removed, events.event(events.BENEFICIARY_REMOVED, who.tenant, who.id, now, data)
            )
            return removed

    async def _get(self, tenant: str, beneficiary_id: uuid.UUID) -> BeneficiaryRecord:
        found = await self.book.get([beneficiary_id])
        if not found or found[0].tenant != tenant:
            raise NotFound(f"beneficiary {beneficiary_id} not found")
        return found[0]
