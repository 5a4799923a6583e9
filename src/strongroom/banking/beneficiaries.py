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
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from strongroom.banking import events
from strongroom.banking.ports import BankStore, BeneficiaryRecord
from strongroom.clock import Clock
from strongroom.compliance.screening.types import NameQuery, Screener
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.money import is_currency
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.definitions import KEY_PATTERN

NS = 10**9
_NAMESPACE = uuid.UUID("a3d9e5f1-6b2c-4c7e-8f0a-1d4b7e9c2a65")
_LOCAL = re.compile(r"^[0-9A-Z]{1,12}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{4,34}$")


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


class BeneficiaryService:
    def __init__(
        self, store: BankStore, screener: Screener, clock: Clock, policy: BeneficiaryPolicy
    ) -> None:
        self.store = store
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
            data = {
                "beneficiary_id": str(record.id),
                "customer_id": str(customer_id),
                "account": account,
            }
            return await self.store.add_beneficiary(
                record, events.event(events.BENEFICIARY_ADDED, who.tenant, who.id, now, data)
            )

    async def of_customer(self, who: Principal, customer_id: uuid.UUID) -> list[BeneficiaryRecord]:
        with acting(who, Role.READ):
            return await self.store.beneficiaries_of(who.tenant, customer_id)

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
        found = await self.store.beneficiaries([beneficiary_id])
        if not found or found[0].tenant != tenant:
            raise NotFound(f"beneficiary {beneficiary_id} not found")
        return found[0]
