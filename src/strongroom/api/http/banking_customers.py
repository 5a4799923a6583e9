"""/v1/banking/customers, /v1/banking/accounts and /v1/banking/pots: onboarding, KYC, risk and
erasure of customers, opening, freezing, re-pinning and closing their accounts, and their pots,
over HTTP
(strongroom.banking.customers.CustomerService, strongroom.banking.accounts.AccountService).
Personal data comes back decrypted to those allowed to read the customer; never stored in clear."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field, Strict

from strongroom.api.http.auth import Caller
from strongroom.api.http.bank import bank_service
from strongroom.api.http.models import (
    NOT_BLANK,
    DateText,
    IntentOut,
    PositiveAmount,
    digits_at_most,
)
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.banking.accounts import AccountService, AccountView
from strongroom.banking.beneficiaries import BeneficiaryService
from strongroom.banking.customers import EMAIL, MAX_PAGE, PHONE, CustomerService, CustomerView
from strongroom.banking.ports import BeneficiaryRecord
from strongroom.banking.pots import PotService, PotView
from strongroom.banking.statements import Statement, StatementService, as_csv, as_pdf
from strongroom.ledger import AccountStatus as LedgerStatus
from strongroom.ledger.queries import INT64_MAX
from strongroom.money import AMOUNT_MAX
from strongroom.workflows.definitions import KEY_PATTERN

router = APIRouter(tags=["customers"], responses=RESPONSES, route_class=JsonBodyRoute)

#: As every intent reference: 1 to 200 characters, none a control character.
_Reference = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=KEY_PATTERN)]
_Reason = Annotated[str, Strict(), Field(min_length=1, max_length=500, pattern=NOT_BLANK)]
_Text = Annotated[str, Strict(), Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: documented("The reference was used for another customer, or the state refuses it")
}


Customers = Annotated[CustomerService, Depends(bank_service(lambda b: b.customers))]
Pots = Annotated[PotService, Depends(bank_service(lambda b: b.pots))]


Statements = Annotated[StatementService, Depends(bank_service(lambda b: b.statements))]
Accounts = Annotated[AccountService, Depends(bank_service(lambda b: b.accounts))]


class OnboardIn(Body):
    reference: _Reference = Field(description="Unique per tenant: onboarding again is a retry")
    full_name: _Text
    date_of_birth: DateText
    nationality: Annotated[str, Strict(), Field(pattern="^[A-Z]{2}$")]
    national_id: Annotated[str, Strict(), Field(min_length=1, max_length=64, pattern=NOT_BLANK)]
    national_id_kind: Annotated[str, Strict(), Field(pattern="^[a-z]{2}\\.[a-z_]{2,20}$")] = Field(
        description='How the id is checked: "sg.nric", or a python-stdnum module ("nl.bsn")'
    )
    document_number: Annotated[str, Strict(), Field(min_length=1, max_length=64, pattern=NOT_BLANK)]
    document_expiry: DateText
    email: Annotated[str, Strict(), Field(max_length=320, pattern=EMAIL)] | None = None
    phone: Annotated[str, Strict(), Field(max_length=32, pattern=PHONE)] | None = None
    address: Annotated[str, Strict(), Field(max_length=500)] | None = None


class PersonOut(BaseModel):
    full_name: str
    date_of_birth: datetime.date | None
    nationality: str | None
    national_id: str | None
    document_number: str | None
    document_expiry: datetime.date | None
    email: str | None
    phone: str | None
    address: str | None


class CustomerOut(BaseModel):
    id: uuid.UUID
    reference: str
    #: pending, verified, rejected or expired.
    kyc_status: str
    risk_rating: str
    created_at: int
    verified_at: int | None
    kyc_expires_at: int | None
    #: The last KYC check's findings: code, field, message.
    kyc_findings: list[dict[str, Any]]
    erased: bool
    #: The personal data, decrypted; null once erased.
    person: PersonOut | None

    @classmethod
    def of(cls, v: CustomerView) -> CustomerOut:
        c, r, p = v.customer, v.record, v.party
        return cls(
            id=c.id,
            reference=r.reference,
            kyc_status=c.kyc_status.value,
            risk_rating=c.risk_rating.value,
            created_at=c.created_at,
            verified_at=c.verified_at,
            kyc_expires_at=c.kyc_expires_at,
            kyc_findings=list(r.kyc_findings),
            erased=c.erased,
            person=None
            if p is None
            else PersonOut(
                full_name=p.full_name,
                date_of_birth=p.date_of_birth,
                nationality=p.nationality,
                national_id=p.national_id,
                document_number=p.document_number,
                document_expiry=p.document_expiry,
                email=p.email,
                phone=p.phone,
                address=p.address,
            ),
        )


class CustomerList(BaseModel):
    items: list[CustomerOut]
    #: Without a search: pass it back as `cursor` for the next page (null: the last page).
    next_cursor: str | None = None


class RiskIn(Body):
    risk_rating: Literal["low", "medium", "high"]
    reason: _Reason


class ReasonIn(Body):
    reason: _Reason


class OpenIn(Body):
    reference: _Reference = Field(description="Unique per tenant: opening again is a retry")
    currency: Annotated[str, Strict(), Field(pattern="^[A-Z]{3}$")]
    product: Annotated[str, Strict(), Field(pattern="^[a-z0-9][a-z0-9_.-]{0,63}$")]


class AccountOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    product: str
    product_version: int
    #: open, frozen or closed (the ledger account's).
    status: str
    opened_at: int
    closed_at: int | None
    #: credits_posted - debits_posted, minor units.
    balance: int
    debits_pending: int
    credits_pending: int
    overdraft_limit: int

    @classmethod
    def of(cls, v: AccountView) -> AccountOut:
        a, held = v.account, v.ledger
        return cls(
            id=a.id,
            customer_id=a.customer_id,
            currency=a.currency,
            product=a.product,
            product_version=a.product_version,
            status=a.status.value,
            opened_at=a.opened_at,
            closed_at=a.closed_at,
            balance=held.balance,
            debits_pending=held.debits_pending,
            credits_pending=held.credits_pending,
            overdraft_limit=held.overdraft_limit,
        )


class AccountList(BaseModel):
    items: list[AccountOut]


class Opening(BaseModel):
    #: The account's id, known at once (derived from the reference).
    account_id: uuid.UUID
    #: The `banking.account.open` intent: `opened` once the account exists.
    intent: IntentOut


class StatusIn(Body):
    status: Literal["frozen", "open"]
    reason: _Reason


class RepinIn(Body):
    version: Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]
    reason: _Reason


class CloseIn(Body):
    reference: _Reference


@router.post(
    "/v1/banking/customers",
    response_model=CustomerOut,
    status_code=201,
    summary="Onboard a customer",
    responses={200: {"model": CustomerOut, "description": "Onboarded before"}, **_CONFLICT},
)
async def onboard(
    body: OnboardIn, caller: Caller, customers: Customers, response: Response
) -> CustomerOut:
    """Write role. The personal data is sealed under the customer's own key; the first KYC check
    (`banking.customer.verify`) is submitted at once: `kyc_status` moves from `pending`."""
    request = body.model_dump(exclude={"reference"}, mode="json", exclude_none=True)
    view, created = await customers.onboard(caller, body.reference, request)
    if not created:
        response.status_code = 200
    return CustomerOut.of(view)


@router.get("/v1/banking/customers", response_model=CustomerList, summary="Find customers")
async def find_customers(
    caller: Caller,
    customers: Customers,
    email: Annotated[str | None, Query(max_length=320, pattern=EMAIL)] = None,
    phone: Annotated[str | None, Query(max_length=32, pattern=PHONE)] = None,
    national_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    cursor: Annotated[
        str | None, Query(pattern=digits_at_most(INT64_MAX), description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> CustomerList:
    """Those with every one of email, phone and national id given, through their blind
    indexes; with none given, every customer of the tenant, newest first, a page at a time."""
    found, more = await customers.find(
        caller,
        email=email,
        phone=phone,
        national_id=national_id,
        cursor=None if cursor is None else int(cursor),
        limit=limit,
    )
    return CustomerList(
        items=[CustomerOut.of(v) for v in found], next_cursor=None if more is None else str(more)
    )


@router.get("/v1/banking/customers/{id}", response_model=CustomerOut, summary="Show a customer")
async def show_customer(id: uuid.UUID, caller: Caller, customers: Customers) -> CustomerOut:
    return CustomerOut.of(await customers.show(caller, id))


@router.post(
    "/v1/banking/customers/{id}/verifications",
    response_model=IntentOut,
    status_code=201,
    summary="Verify a customer again",
    responses=_CONFLICT,
)
async def verify(id: uuid.UUID, caller: Caller, customers: Customers) -> IntentOut:
    """Write role. A new KYC check (re-verification of an expired or rejected customer)."""
    return IntentOut.of(await customers.verify(caller, id))


@router.put(
    "/v1/banking/customers/{id}/risk",
    response_model=CustomerOut,
    summary="Set a customer's risk rating",
    responses=_CONFLICT,
)
async def set_risk(
    id: uuid.UUID, body: RiskIn, caller: Caller, customers: Customers
) -> CustomerOut:
    """Admin role; the reason goes into the event and the audit log."""
    return CustomerOut.of(await customers.set_risk(caller, id, body.risk_rating, body.reason))


@router.post(
    "/v1/banking/customers/{id}/erasure",
    response_model=CustomerOut,
    summary="Erase a customer's personal data",
    responses=_CONFLICT,
)
async def erase(id: uuid.UUID, body: ReasonIn, caller: Caller, customers: Customers) -> CustomerOut:
    """Admin role. Crypto-shreds the personal data (its key is destroyed); the ledger history
    stays. Refused (409) while the customer has an account not closed."""
    return CustomerOut.of(await customers.erase(caller, id, body.reason))


@router.post(
    "/v1/banking/customers/{id}/accounts",
    response_model=Opening,
    status_code=201,
    summary="Open an account for a customer",
    responses={200: {"model": Opening, "description": "Opened before"}, **_CONFLICT},
)
async def open_account(
    id: uuid.UUID, body: OpenIn, caller: Caller, accounts: Accounts, response: Response
) -> Opening:
    """Write role. A `banking.account.open` intent: refused (`failed`) unless the customer is
    verified, the product's latest version is in `currency`, and the customer has no account
    in that currency and product not closed."""
    account_id, intent, created = await accounts.open(
        caller, body.reference, id, body.currency, body.product
    )
    if not created:
        response.status_code = 200
    return Opening(account_id=account_id, intent=IntentOut.of(intent))


@router.get(
    "/v1/banking/customers/{id}/accounts",
    response_model=AccountList,
    summary="List a customer's accounts",
)
async def list_accounts(id: uuid.UUID, caller: Caller, accounts: Accounts) -> AccountList:
    return AccountList(items=[AccountOut.of(v) for v in await accounts.of_customer(caller, id)])


@router.get("/v1/banking/accounts/{id}", response_model=AccountOut, summary="Show an account")
async def show_account(id: uuid.UUID, caller: Caller, accounts: Accounts) -> AccountOut:
    return AccountOut.of(await accounts.show(caller, id))


@router.put(
    "/v1/banking/accounts/{id}/status",
    response_model=AccountOut,
    summary="Freeze or unfreeze an account",
    responses=_CONFLICT,
)
async def set_status(
    id: uuid.UUID, body: StatusIn, caller: Caller, accounts: Accounts
) -> AccountOut:
    """Write role. A frozen account moves no money (holds may still be released)."""
    return AccountOut.of(await accounts.set_status(caller, id, body.status, body.reason))


@router.put(
    "/v1/banking/accounts/{id}/product",
    response_model=AccountOut,
    summary="Move an account to another version of its product",
    responses=_CONFLICT,
)
async def repin(id: uuid.UUID, body: RepinIn, caller: Caller, accounts: Accounts) -> AccountOut:
    """Admin role; audited by the product catalogue and an event."""
    return AccountOut.of(await accounts.repin(caller, id, body.version, body.reason))


@router.post(
    "/v1/banking/accounts/{id}/closure",
    response_model=IntentOut,
    status_code=201,
    summary="Close an account",
    responses={200: {"model": IntentOut, "description": "Submitted before"}, **_CONFLICT},
)
async def close(
    id: uuid.UUID, body: CloseIn, caller: Caller, accounts: Accounts, response: Response
) -> IntentOut:
    """Write role. A `banking.account.close` intent: its holds are released, then it is closed
    for good, or refused (`failed`) while it holds money or has a pot not closed."""
    intent, created = await accounts.close(caller, id, body.reference)
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)


class PotIn(Body):
    reference: _Reference = Field(description="Unique per tenant: creating again is a retry")
    name: _Text
    goal: Annotated[int, Strict(), Field(ge=0, le=AMOUNT_MAX)] = Field(
        default=0, description="Minor units saved towards; 0: none"
    )
    round_up: bool = Field(default=False, description="Collect the account's round-ups")


class PotOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    currency: str
    name: str
    goal: int
    round_up: bool
    balance: int
    #: The sweep's schedule (`every 1d`, `cron ...`) and amount, if the pot has one.
    sweep: dict[str, Any] | None
    #: open, or closed (by a closure: its money back in the account).
    status: Literal["open", "closed"]

    @classmethod
    def of(cls, v: PotView) -> PotOut:
        p = v.pot
        sweep = None
        if v.sweep is not None:
            sweep = {
                "spec": v.sweep.spec,
                "amount": v.sweep.payload["amount"],
                "next_at": v.sweep.next_at,
            }
        return cls(
            id=p.id,
            account_id=p.account_id,
            currency=p.currency,
            name=p.name,
            goal=p.goal,
            round_up=p.round_up,
            balance=v.balance,
            sweep=sweep,
            status="closed" if v.status is LedgerStatus.CLOSED else "open",
        )


class PotList(BaseModel):
    items: list[PotOut]


class MoveIn(Body):
    reference: _Reference
    amount: PositiveAmount
    direction: Literal["in", "out"] = Field(description="in: account to pot; out: pot to account")


class SweepIn(Body):
    amount: PositiveAmount
    spec: Annotated[str, Strict(), Field(min_length=1, max_length=200)] = Field(
        description="When: `every 1d`, `cron 0 9 1 * *`, ... (docs/workflows.md)"
    )


@router.post(
    "/v1/banking/accounts/{id}/pots",
    response_model=PotOut,
    status_code=201,
    summary="Create a pot of an account",
    responses=_CONFLICT,
)
async def create_pot(id: uuid.UUID, body: PotIn, caller: Caller, pots: Pots) -> PotOut:
    """Write role. The same reference again returns the pot. An account has at most one pot
    collecting round-ups (409)."""
    made = await pots.create(caller, body.reference, id, body.name, body.goal, body.round_up)
    return PotOut.of(made)


@router.get("/v1/banking/accounts/{id}/pots", response_model=PotList, summary="List pots")
async def list_pots(id: uuid.UUID, caller: Caller, pots: Pots) -> PotList:
    return PotList(items=[PotOut.of(v) for v in await pots.of_account(caller, id)])


@router.get("/v1/banking/pots/{id}", response_model=PotOut, summary="Show a pot")
async def show_pot(id: uuid.UUID, caller: Caller, pots: Pots) -> PotOut:
    return PotOut.of(await pots.show(caller, id))


@router.post(
    "/v1/banking/pots/{id}/moves",
    response_model=IntentOut,
    status_code=201,
    summary="Move money into or out of a pot",
    responses={200: {"model": IntentOut, "description": "Submitted before"}, **_CONFLICT},
)
async def move(
    id: uuid.UUID, body: MoveIn, caller: Caller, pots: Pots, response: Response
) -> IntentOut:
    """Write role. A `banking.pot.move` intent; one the paying side cannot fund fails."""
    intent, created = await pots.move(caller, id, body.reference, body.amount, body.direction)
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)


@router.post(
    "/v1/banking/pots/{id}/closure",
    response_model=IntentOut,
    status_code=201,
    summary="Close a pot",
    responses={200: {"model": IntentOut, "description": "Submitted before"}, **_CONFLICT},
)
async def close_pot(
    id: uuid.UUID, body: CloseIn, caller: Caller, pots: Pots, response: Response
) -> IntentOut:
    """Write role. A `banking.pot.close` intent: the pot's money back to its account, then the
    pot closed for good (its sweep deleted, no more round-ups)."""
    intent, created = await pots.close(caller, id, body.reference)
    if not created:
        response.status_code = 200
    return IntentOut.of(intent)


@router.put(
    "/v1/banking/pots/{id}/sweep",
    response_model=PotOut,
    summary="Sweep an amount into a pot on a schedule",
)
async def sweep(id: uuid.UUID, body: SweepIn, caller: Caller, pots: Pots) -> PotOut:
    """Admin role. A durable schedule of the intent engine moves `amount` in at each time."""
    await pots.sweep(caller, id, body.amount, body.spec)
    return PotOut.of(await pots.show(caller, id))


class MovementOut(BaseModel):
    transfer_id: uuid.UUID
    seq: int
    timestamp: int
    counterparty: uuid.UUID
    #: Signed from the account's side: a credit raises the balance.
    amount: int
    description: str
    balance: int


class HoldOut(BaseModel):
    transfer_id: uuid.UUID
    timestamp: int
    amount: int
    description: str


class StatementOut(BaseModel):
    account_id: uuid.UUID
    currency: str
    #: The period: UTC days, `to` excluded.
    start: datetime.date
    end: datetime.date
    opening: int
    closing: int
    movements: list[MovementOut]
    #: Holds still open when the statement was made (not movements: nothing posted yet).
    holds: list[HoldOut]
    generated_at: int


_STATEMENT = msgspec.json.Encoder()


def _statement_json(s: Statement) -> bytes:
    # Built with msgspec rather than the response model: a statement may hold tens of thousands
    # of movements, and validating each through pydantic would be most of its time.
    return _STATEMENT.encode(
        {
            "account_id": s.account.id,
            "currency": s.account.currency,
            "start": s.start,
            "end": s.end,
            "opening": s.opening,
            "closing": s.closing,
            "movements": s.movements,
            "holds": s.holds,
            "generated_at": s.generated_at,
        }
    )


@router.get(
    "/v1/banking/accounts/{id}/statement",
    response_model=StatementOut,
    summary="An account's statement for a period",
    responses={
        200: {
            "content": {"text/csv": {}, "application/pdf": {}},
            "description": "JSON, CSV or PDF by `format`",
        }
    },
)
async def statement(
    id: uuid.UUID,
    caller: Caller,
    statements: Statements,
    start: Annotated[datetime.date, Query(alias="from", description="First UTC day")],
    end: Annotated[datetime.date, Query(alias="to", description="The UTC day after the last")],
    format: Literal["json", "csv", "pdf"] = "json",
) -> Response:
    """Read role. The opening balance, every posted movement with its running balance, the
    closing balance, and the holds still open."""
    made = await statements.statement(caller, id, start, end)
    name = f"statement-{id}-{start}-{end}"
    if format == "csv":
        return Response(
            as_csv(made),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "pdf":
        return Response(
            await asyncio.to_thread(as_pdf, made),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(_statement_json(made), media_type="application/json")


class _Beneficiary(Body):
    reference: _Reference = Field(description="Unique per tenant: adding again is a retry")
    name: Annotated[str, Strict(), Field(min_length=1, max_length=140, pattern=NOT_BLANK)] = Field(
        description="The account holder's name; screened against the sanctions lists"
    )
    currency: Annotated[str, Strict(), Field(pattern="^[A-Z]{3}$")]


class BeneficiaryByIban(_Beneficiary):
    iban: Annotated[str, Strict(), Field(min_length=5, max_length=42)]
    bic: Annotated[str, Strict(), Field(min_length=8, max_length=11)] | None = None


class BeneficiaryLocal(_Beneficiary):
    country: Annotated[str, Strict(), Field(pattern="^[A-Z]{2}$")]
    bank_code: Annotated[str, Strict(), Field(pattern="^[0-9A-Z]{1,12}$")]
    account_number: Annotated[str, Strict(), Field(pattern="^[0-9]{4,34}$")]


class BeneficiaryOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    #: Null once the customer was erased (it was sealed under the customer's data key).
    name: str | None
    #: The IBAN (compact), or country/bank code/account number; null once the customer was
    #: erased.
    account: str | None
    bic: str | None
    country: str
    currency: str
    created_at: int
    cooling_off_until: int
    removed_at: int | None

    @classmethod
    def of(cls, b: BeneficiaryRecord) -> BeneficiaryOut:
        return cls(
            id=b.id,
            customer_id=b.customer_id,
            name=b.name,
            account=b.account,
            bic=b.bic,
            country=b.country,
            currency=b.currency,
            created_at=b.created_at,
            cooling_off_until=b.cooling_off_until,
            removed_at=b.removed_at,
        )


class BeneficiaryList(BaseModel):
    items: list[BeneficiaryOut]


Beneficiaries = Annotated[BeneficiaryService, Depends(bank_service(lambda b: b.beneficiaries))]


@router.post(
    "/v1/banking/customers/{id}/beneficiaries",
    response_model=BeneficiaryOut,
    status_code=201,
    summary="Add a beneficiary",
    responses={
        409: documented("The customer has it already, or the name matches a sanctions list")
    },
)
async def add_beneficiary(
    id: uuid.UUID,
    body: BeneficiaryByIban | BeneficiaryLocal,
    caller: Caller,
    beneficiaries: Beneficiaries,
) -> BeneficiaryOut:
    """Admin role (a new payee is where account-takeover fraud pays out). By IBAN (and BIC, of
    the IBAN's country), or local details. An invalid IBAN is a 422 on `iban` saying why (check
    digits, length, country)."""
    request = body.model_dump(exclude={"reference"}, exclude_none=True)
    return BeneficiaryOut.of(await beneficiaries.add(caller, id, body.reference, request))


@router.get(
    "/v1/banking/customers/{id}/beneficiaries",
    response_model=BeneficiaryList,
    summary="List a customer's beneficiaries",
)
async def list_beneficiaries(
    id: uuid.UUID, caller: Caller, beneficiaries: Beneficiaries
) -> BeneficiaryList:
    found = await beneficiaries.of_customer(caller, id)
    return BeneficiaryList(items=[BeneficiaryOut.of(b) for b in found])


@router.get(
    "/v1/banking/beneficiaries/{id}", response_model=BeneficiaryOut, summary="Show a beneficiary"
)
async def show_beneficiary(
    id: uuid.UUID, caller: Caller, beneficiaries: Beneficiaries
) -> BeneficiaryOut:
    return BeneficiaryOut.of(await beneficiaries.show(caller, id))


@router.delete(
    "/v1/banking/beneficiaries/{id}", response_model=BeneficiaryOut, summary="Remove a beneficiary"
)
async def remove_beneficiary(
    id: uuid.UUID, caller: Caller, beneficiaries: Beneficiaries
) -> BeneficiaryOut:
    """Write role. Kept for history; it can no longer be paid."""
    return BeneficiaryOut.of(await beneficiaries.remove(caller, id))
