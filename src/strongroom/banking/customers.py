"""Customers: onboarding with personal data sealed (strongroom.parties), the KYC lifecycle through
a `KycProvider`, the risk rating, and erasure by crypto-shredding.

A customer's id is derived from its tenant and the onboarding reference, and its personal data
is the party of the same id, sealed under the customer's own data key: a retried onboarding finds
both, and erasure destroys that one key (the ledger history stays, naming only ids).

KYC: `pending -> verified | rejected`, and a verified customer is `expired` once
`kyc_expires_at` passes (read against the clock: no job has to run for it). Each check is a
`banking.customer.verify` intent:

    initiated --checked--> checked --recorded--> recorded;  initiated | checked --fail--> failed

1. `check`: the customer's personal data as an `Applicant`, judged by the KYC provider.
2. `review` when the provider asks for one: a `compliance.case` a person decides.
3. `record`: verified (for `kyc_validity` seconds) when the provider (or the person) accepted,
   else rejected, with the findings; the `banking.customer.kyc_decided` event.
Onboarding submits the first check; `verify` submits another (re-verification).
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, replace
from typing import Annotated, Any

import msgspec

from strongroom.banking import events
from strongroom.banking.ports import BankStore, CustomerRecord
from strongroom.banking.retry import RETRY
from strongroom.banking.types import Customer, KycStatus, RiskRating
from strongroom.clock import Clock
from strongroom.compliance.case_intent import TYPE as CASE_TYPE
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.kyc.provider import Applicant, KycProvider
from strongroom.compliance.kyc.provider import KycStatus as Verdict
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.parties import Party, PartyRepository, subject_of
from strongroom.services.access import Principal, Role, acting
from strongroom.services.security import EncryptionService
from strongroom.workflows.definitions import (
    FAIL,
    KEY_PATTERN,
    IntentType,
    Step,
    StepContext,
    StepFailed,
    SubWorkflow,
    Workflow,
    field_error,
    group,
)
from strongroom.workflows.machine import Machine, edge
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent

VERIFY = "banking.customer.verify"
#: The longest page of customers a listing returns.
MAX_PAGE = 500
NS = 10**9
_NAMESPACE = uuid.UUID("3c6f0d2a-8e4b-4f1e-b7a9-52d0c4e1f6a8")


#: What onboarding takes as an email address and a phone number (with at least six digits).
#: Spelled with explicit ranges, not `\s`: the API's validator and this one disagree on which
#: characters `\s` matches.
EMAIL = "^[^@\\x00-\\x20\\x7f]+@[^@\\x00-\\x20\\x7f]+$"
PHONE = "^\\+?(?:[ ().-]*[0-9]){6,20}[ ().-]*$"


def customer_id_of(tenant: str, reference: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{tenant}/{reference}")


def standing(record: CustomerRecord, now: int) -> Customer:
    """The customer's standing at `now`: a verification past its expiry reads `expired`."""
    status = record.kyc_status
    if (
        status is KycStatus.VERIFIED
        and record.kyc_expires_at is not None
        and now >= record.kyc_expires_at
    ):
        status = KycStatus.EXPIRED
    return Customer(
        id=record.id,
        tenant=record.tenant,
        kyc_status=status,
        risk_rating=record.risk_rating,
        created_at=record.created_at,
        verified_at=record.verified_at,
        kyc_expires_at=record.kyc_expires_at,
        erased=record.erased_at is not None,
    )


class Onboarding(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What onboarding asks of a customer: what a KYC check needs, and how to reach them."""

    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    date_of_birth: datetime.date
    #: ISO 3166-1 alpha-2.
    nationality: Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")]
    national_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    #: "sg.nric" or a python-stdnum module name ("nl.bsn"): how the id is checked.
    national_id_kind: Annotated[str, msgspec.Meta(pattern="^[a-z]{2}\\.[a-z_]{2,20}$")]
    document_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    document_expiry: datetime.date
    email: Annotated[str, msgspec.Meta(max_length=320, pattern=EMAIL)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=32, pattern=PHONE)] | None = None
    address: Annotated[str, msgspec.Meta(max_length=500)] | None = None


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer as staff see it: the standing, the last check's findings, and the personal
    data (None once erased)."""

    customer: Customer
    record: CustomerRecord
    party: Party | None


class VerifyPayload(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    customer_id: uuid.UUID


MACHINE = Machine(
    VERIFY,
    initial="initiated",
    edges=[
        edge("initiated", "checked", "checked"),
        edge("checked", "recorded", "recorded"),
        edge(("initiated", "checked"), FAIL, "failed"),
    ],
    terminal=("recorded", "failed"),
)


def _applicant(party: Party, kind: str | None) -> Applicant:
    born, expiry = party.date_of_birth, party.document_expiry
    nationality, national_id, document = party.nationality, party.national_id, party.document_number
    if (
        born is None
        or expiry is None
        or nationality is None
        or national_id is None
        or document is None
        or kind is None
    ):
        # Customers onboarded before these were asked for (parties of another path).
        raise StepFailed("the customer's identity document or national id is missing")
    return Applicant(
        full_name=party.full_name,
        birth_date=born,
        nationality=nationality,
        national_id=national_id,
        national_id_kind=kind,
        document_number=document,
        document_expiry=expiry,
    )


def verify_type(
    store: BankStore, parties: PartyRepository, provider: KycProvider, validity: float
) -> IntentType[VerifyPayload]:
    """The `banking.customer.verify` type; a verification holds for `validity` seconds."""

    async def record_of(context: StepContext[VerifyPayload]) -> CustomerRecord:
        found = await store.customers([context.payload.customer_id])
        if not found or found[0].tenant != context.intent.tenant:
            raise StepFailed(f"customer {context.payload.customer_id} not found")
        if found[0].erased_at is not None:
            raise StepFailed(f"customer {context.payload.customer_id} was erased")
        return found[0]

    async def check(context: StepContext[VerifyPayload]) -> Any:
        record = await record_of(context)
        party = await parties.get(record.tenant, record.id)
        result = await provider.verify(_applicant(party, record.national_id_kind))
        return {
            "verdict": result.status.value,
            "findings": [msgspec.to_builtins(f) for f in result.findings],
            "hits": [msgspec.to_builtins(h) for h in result.hits],
        }

    def needs_review(context: StepContext[VerifyPayload]) -> bool:
        return bool(context.results["check"]["verdict"] == Verdict.REVIEW.value)

    def case(context: StepContext[VerifyPayload]) -> dict[str, Any]:
        checked = context.results["check"]
        return {
            "kind": CaseKind.REVIEW.value,
            "subject": f"customer:{context.payload.customer_id}",
            "reasons": [f"{f['code']}: {f['message']}" for f in checked["findings"]]
            or ["the KYC provider asked for a review"],
            "hits": checked["hits"],
        }

    async def record(context: StepContext[VerifyPayload]) -> Any:
        current = await record_of(context)
        verdict = context.results["check"]["verdict"]
        review = context.results.get("review")
        accepted = verdict == Verdict.VERIFIED.value or (
            review is not None and review["state"] == "released"
        )
        now = context.now
        decided = replace(
            current,
            kyc_status=KycStatus.VERIFIED if accepted else KycStatus.REJECTED,
            verified_at=now if accepted else None,
            kyc_expires_at=now + int(validity * NS) if accepted else None,
            kyc_findings=tuple(context.results["check"]["findings"]),
            updated_at=now,
            version=current.version + 1,
        )
        data = {
            "customer_id": str(current.id),
            "kyc_status": decided.kyc_status.value,
            "kyc_expires_at": decided.kyc_expires_at,
            "findings": [f["code"] for f in decided.kyc_findings],
        }
        written = await store.update_customer(
            decided,
            events.event(events.CUSTOMER_KYC, current.tenant, context.intent.actor, now, data),
        )
        if not written:
            raise StepFailed("the customer changed meanwhile", retryable=True)
        return {"kyc_status": decided.kyc_status.value}

    return IntentType(
        VERIFY,
        VerifyPayload,
        MACHINE,
        Workflow(
            (
                group(Step("check", check, retry=RETRY), event="checked"),
                group(SubWorkflow("review", CASE_TYPE, case, when=needs_review)),
                group(Step("record", record, retry=RETRY), event="recorded"),
            )
        ),
        mutex_key=lambda p: f"customer:{p.customer_id}",
        customer=lambda p: str(p.customer_id),
        description="A KYC check of a customer: the provider's verdict, a review when asked.",
        through="POST /v1/banking/customers",
    )


class CustomerService:
    def __init__(
        self,
        store: BankStore,
        parties: PartyRepository,
        encryption: EncryptionService,
        intents: IntentService,
        clock: Clock,
    ) -> None:
        self.store = store
        self.parties = parties
        self.encryption = encryption
        self.intents = intents
        self.clock = clock

    async def onboard(
        self, who: Principal, reference: str, request: dict[str, Any]
    ) -> tuple[CustomerView, bool]:
        """Onboard a customer and submit its first KYC check; the same reference again
        returns the customer (False: not created now), with other personal data a Conflict."""
        with acting(who, Role.WRITE):
            if not re.fullmatch(KEY_PATTERN, reference):
                raise ValidationError(
                    "reference", "must be 1 to 200 characters, none a control character"
                )
            try:
                asked = msgspec.convert(request, Onboarding, strict=False)
            except msgspec.ValidationError as error:
                raise field_error(error) from None
            customer_id = customer_id_of(who.tenant, reference)
            found = await self.store.customers([customer_id])
            if found:
                return await self._again(who, found[0], asked)
            party = await self._party(who.tenant, customer_id, asked)
            now = self.clock.now_ns()
            record = CustomerRecord(
                id=customer_id,
                tenant=who.tenant,
                reference=reference,
                kyc_status=KycStatus.PENDING,
                risk_rating=RiskRating.LOW,
                national_id_kind=asked.national_id_kind,
                created_at=now,
                updated_at=now,
                verified_at=None,
                kyc_expires_at=None,
                kyc_findings=(),
                erased_at=None,
                version=1,
            )
            data = {"customer_id": str(customer_id), "reference": reference}
            stored, created = await self.store.add_customer(
                record, events.event(events.CUSTOMER_ONBOARDED, who.tenant, who.id, now, data)
            )
            await self._submit_check(who, stored)
            return CustomerView(standing(stored, now), stored, party), created

    async def _party(self, tenant: str, customer_id: uuid.UUID, asked: Onboarding) -> Party:
        """The customer's party: sealed now, or found when an interrupted onboarding made it."""
        try:
            return await self.parties.get(tenant, customer_id)
        except NotFound:
            return await self.parties.create(
                tenant,
                party_id=customer_id,
                full_name=asked.full_name,
                email=asked.email,
                phone=asked.phone,
                national_id=asked.national_id,
                date_of_birth=asked.date_of_birth,
                address=asked.address,
                nationality=asked.nationality,
                document_number=asked.document_number,
                document_expiry=asked.document_expiry,
            )

    async def _again(
        self, who: Principal, record: CustomerRecord, asked: Onboarding
    ) -> tuple[CustomerView, bool]:
        view = await self._view(record)
        party = view.party
        if party is not None and (
            party.full_name,
            party.email,
            party.phone,
            party.national_id,
            party.date_of_birth,
        ) != (asked.full_name, asked.email, asked.phone, asked.national_id, asked.date_of_birth):
            raise Conflict(f"reference {record.reference!r} onboarded another customer")
        # The first check may not have been submitted if the onboarding was interrupted.
        await self._submit_check(who, record)
        return view, False

    async def _submit_check(self, who: Principal, record: CustomerRecord) -> Intent:
        # One check per version of the customer: asking again unchanged is the same check.
        reference = f"kyc:{record.id}:{record.version}"
        submitted = await self.intents.submit_checked(
            who, VERIFY, reference, {"customer_id": str(record.id)}
        )
        return submitted.intent

    async def verify(self, who: Principal, customer_id: uuid.UUID) -> Intent:
        """Submit a KYC check (re-verification of an expired or rejected customer)."""
        with acting(who, Role.WRITE):
            record = await self._record(who, customer_id)
            if record.erased_at is not None:
                raise Conflict(f"customer {customer_id} was erased")
            return await self._submit_check(who, record)

    async def show(self, who: Principal, customer_id: uuid.UUID) -> CustomerView:
        with acting(who, Role.READ):
            return await self._view(await self._record(who, customer_id))

    async def find(
        self,
        who: Principal,
        *,
        email: str | None = None,
        phone: str | None = None,
        national_id: str | None = None,
        cursor: int | None = None,
        limit: int = 50,
    ) -> tuple[list[CustomerView], int | None]:
        """The tenant's customers with this email, phone and national id (those given), through
        the blind indexes: the values are never stored in clear. With none given, all of the
        tenant's customers, newest first, `limit` a page (pass the returned cursor back)."""
        with acting(who, Role.READ):
            if not 1 <= limit <= MAX_PAGE:
                raise ValidationError("limit", f"must be 1 to {MAX_PAGE}")
            finders = {
                "email": (email, self.parties.find_by_email),
                "phone": (phone, self.parties.find_by_phone),
                "national_id": (national_id, self.parties.find_by_national_id),
            }
            given = [(value, find) for value, find in finders.values() if value is not None]
            now = self.clock.now_ns()
            if not given:
                records = await self.store.latest_customers(who.tenant, cursor, limit)
                views = [await self._view(r) for r in records]
                more = records[-1].seq if len(records) == limit else None
                return views, more
            matching: dict[uuid.UUID, Party] | None = None
            for value, find in given:
                found = {p.id: p for p in await find(who.tenant, value)}
                matching = (
                    found if matching is None else {i: p for i, p in matching.items() if i in found}
                )
            assert matching is not None
            records = await self.store.customers(list(matching))
            return [
                CustomerView(standing(r, now), r, matching[r.id])
                for r in sorted(records, key=lambda r: r.seq, reverse=True)
                if r.tenant == who.tenant
            ], None

    async def set_risk(
        self, who: Principal, customer_id: uuid.UUID, rating: str, reason: str
    ) -> CustomerView:
        """Admin role: the customer's risk rating, with the reason recorded in the event."""
        with acting(who, Role.ADMIN):
            try:
                wanted = RiskRating(rating)
            except ValueError:
                raise ValidationError(
                    "risk_rating", f"one of {', '.join(r.value for r in RiskRating)}"
                ) from None
            if not reason.strip():
                raise ValidationError("reason", "must not be blank")
            record = await self._record(who, customer_id)
            now = self.clock.now_ns()
            changed = replace(
                record, risk_rating=wanted, updated_at=now, version=record.version + 1
            )
            data = {
                "customer_id": str(customer_id),
                "before": record.risk_rating.value,
                "after": wanted.value,
                "reason": reason,
            }
            if not await self.store.update_customer(
                changed, events.event(events.CUSTOMER_RISK, who.tenant, who.id, now, data)
            ):
                raise Conflict(f"customer {customer_id} changed meanwhile; try again")
            return await self._view(changed)

    async def erase(self, who: Principal, customer_id: uuid.UUID, reason: str) -> CustomerView:
        """Admin role: crypto-shred the customer's personal data; the ledger keeps its history.
        Refused while an account of the customer holds money or is not closed."""
        with acting(who, Role.ADMIN):
            if not reason.strip():
                raise ValidationError("reason", "must not be blank")
            record = await self._record(who, customer_id)
            live = [
                a
                for a in await self.store.accounts_of(who.tenant, customer_id)
                if a.closed_at is None
            ]
            if live:
                raise Conflict(
                    f"customer {customer_id} still has {len(live)} account(s) not closed: close "
                    "them (at a zero balance) before erasing"
                )
            await self.encryption.shred(who.tenant, subject_of(customer_id))
            if record.erased_at is not None:
                return await self._view(record)
            now = self.clock.now_ns()
            erased = replace(record, erased_at=now, updated_at=now, version=record.version + 1)
            data = {"customer_id": str(customer_id), "reason": reason}
            if not await self.store.update_customer(
                erased, events.event(events.CUSTOMER_ERASED, who.tenant, who.id, now, data)
            ):
                raise Conflict(f"customer {customer_id} changed meanwhile; try again")
            return await self._view(erased)

    async def _record(self, who: Principal, customer_id: uuid.UUID) -> CustomerRecord:
        found = await self.store.customers([customer_id])
        if not found or found[0].tenant != who.tenant:
            raise NotFound(f"customer {customer_id} not found")
        return found[0]

    async def _view(self, record: CustomerRecord) -> CustomerView:
        party = None
        if record.erased_at is None:
            party = await self.parties.get(record.tenant, record.id)
        return CustomerView(standing(record, self.clock.now_ns()), record, party)
