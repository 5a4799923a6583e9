"""/v1/compliance: rule sets (publish, status, diff, backtest), pre-transaction decisions,
name screening, the sanctions lists and KYC checks over HTTP
(strongroom.compliance.service.ComplianceService), with their request and response bodies.
Served when `create_app` is given the service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from strongroom.api.http.auth import Caller
from strongroom.api.http.models import NOT_BLANK, Amount, DateText, digits_at_most
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.compliance.backtest import BacktestReport
from strongroom.compliance.decisions import Decision
from strongroom.compliance.kyc.provider import Applicant
from strongroom.compliance.ports import RuleSetStatus, StoredRuleSet
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.screening.types import NameQuery
from strongroom.compliance.service import MAX_PAGE, ComplianceService, RuleSetDiff
from strongroom.ledger.queries import INT64_MAX

router = APIRouter(tags=["compliance"], responses=RESPONSES, route_class=JsonBodyRoute)


async def compliance_of(request: Request) -> ComplianceService:
    compliance: ComplianceService = request.app.state.compliance
    return compliance


Compliance = Annotated[ComplianceService, Depends(compliance_of)]

StatusName = Literal["draft", "shadow", "enforce", "retired"]
_Text = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
_Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
_Nanos = Annotated[int, Strict(), Field(ge=0, le=INT64_MAX, description="ns since the epoch")]
_Version = Annotated[int, Strict(), Field(ge=1, le=2**31 - 1)]
_PathVersion = Annotated[int, Path(ge=1, le=2**31 - 1)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublishRuleSet(_In):
    #: The rule set, YAML or JSON (docs/compliance.md).
    source: Annotated[str, StringConstraints(min_length=1, max_length=4 * 1024 * 1024)]
    status: StatusName = "draft"


class RuleSetStatusIn(_In):
    status: StatusName


class RuleSetOut(BaseModel):
    version: int
    status: StatusName
    digest: str
    published_at: int
    published_by: str | None
    source: str

    @classmethod
    def of(cls, s: StoredRuleSet) -> RuleSetOut:
        return cls(
            version=s.version,
            status=s.status.value,
            digest=s.digest,
            published_at=s.published_at,
            published_by=s.published_by,
            source=s.source,
        )


class RuleSetDiffOut(BaseModel):
    old: int
    new: int
    text: str
    added: list[str]
    removed: list[str]
    changed: list[str]
    sections: list[str]

    @classmethod
    def of(cls, d: RuleSetDiff) -> RuleSetDiffOut:
        return cls(
            old=d.old,
            new=d.new,
            text=d.text,
            added=list(d.added),
            removed=list(d.removed),
            changed=list(d.changed),
            sections=list(d.sections),
        )


class BacktestIn(_In):
    since: _Nanos
    until: _Nanos
    #: The version to compare with (default: the one in force).
    against: _Version | None = None


class ChangeOut(BaseModel):
    subject: str
    baseline: str
    candidate: str
    rules: list[str]


class BacktestOut(BaseModel):
    candidate_version: int
    baseline_version: int | None
    since: int
    until: int
    payments: int
    candidate: dict[str, int]
    baseline: dict[str, int]
    recorded: dict[str, int]
    fired: dict[str, int]
    changed: int
    changes: list[ChangeOut]

    @classmethod
    def of(cls, r: BacktestReport) -> BacktestOut:
        return cls.model_validate(msgspec.to_builtins(r))


class CounterpartyIn(_In):
    name: _Text | None = None
    country: _Country | None = None
    account: _Text | None = None
    birth_date: DateText | None = None


class CustomerIn(_In):
    id: _Text
    risk_rating: _Text | None = None
    kyc_status: _Text | None = None
    since: DateText | None = None


class AccountIn(_In):
    id: _Text
    product: _Text | None = None
    opened: DateText | None = None


class PaymentIn(_In):
    """A payment about to reserve funds; `subject` is its reference (one decision per subject)."""

    subject: _Text
    amount: Amount
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    direction: Literal["in", "out"] = "out"
    channel: _Text = "api"
    counterparty: CounterpartyIn = CounterpartyIn()
    beneficiary: _Text | None = None
    customer: CustomerIn | None = None
    account: AccountIn | None = None
    at: _Nanos | None = None

    def payment(self) -> Payment:
        return msgspec.convert(self.model_dump(), Payment)


class FiredRuleOut(BaseModel):
    rule_id: str
    message: str
    action: str
    score: int


class HitOut(BaseModel):
    list_name: str
    entry_id: str
    matched_name: str
    score: float
    reasons: list[str]


class DecisionOut(BaseModel):
    id: uuid.UUID
    subject: str
    mode: Literal["enforce", "shadow"]
    outcome: Literal["allow", "review", "block"]
    score: int
    rule_set_version: int | None
    fired: list[FiredRuleOut]
    hits: list[HitOut]
    failure: str | None
    decided_at: int

    @classmethod
    def of(cls, d: Decision) -> DecisionOut:
        data: dict[str, Any] = msgspec.to_builtins(d)
        data.pop("tenant")
        return cls.model_validate(data)


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    next_cursor: str | None


@router.post(
    "/v1/compliance/rule-sets",
    response_model=RuleSetOut,
    status_code=201,
    summary="Publish a rule-set version",
)
async def publish_rule_set(body: PublishRuleSet, caller: Caller, c: Compliance) -> RuleSetOut:
    """Admin role. Validates and stores the tenant's next version; `enforce` or `shadow` puts
    it in force or in shadow at once (retiring the previous one). An invalid set is a 422
    `rule_set_error` listing every issue with its line."""
    return RuleSetOut.of(await c.publish(caller, body.source, RuleSetStatus(body.status)))


@router.get(
    "/v1/compliance/rule-sets", response_model=list[RuleSetOut], summary="List rule-set versions"
)
async def list_rule_sets(caller: Caller, c: Compliance) -> list[RuleSetOut]:
    """Newest first."""
    return [RuleSetOut.of(s) for s in await c.list_rule_sets(caller)]


@router.get(
    "/v1/compliance/rule-sets/{version}",
    response_model=RuleSetOut,
    summary="Show a rule-set version",
)
async def get_rule_set(version: _PathVersion, caller: Caller, c: Compliance) -> RuleSetOut:
    return RuleSetOut.of(await c.show_rule_set(caller, version))


@router.post(
    "/v1/compliance/rule-sets/{version}/status",
    response_model=RuleSetOut,
    summary="Put a version in force, in shadow, back to draft, or retire it",
)
async def set_rule_set_status(
    version: _PathVersion, body: RuleSetStatusIn, caller: Caller, c: Compliance
) -> RuleSetOut:
    """Admin role."""
    return RuleSetOut.of(await c.set_status(caller, version, RuleSetStatus(body.status)))


@router.get(
    "/v1/compliance/rule-sets/{old}/diff/{new}",
    response_model=RuleSetDiffOut,
    summary="Compare two versions",
)
async def diff_rule_sets(
    old: _PathVersion, new: _PathVersion, caller: Caller, c: Compliance
) -> RuleSetDiffOut:
    """A unified diff of the sources, and the rules added, removed and changed."""
    return RuleSetDiffOut.of(await c.diff(caller, old, new))


@router.post(
    "/v1/compliance/rule-sets/{version}/backtest",
    response_model=BacktestOut,
    summary="Backtest a version over stored history",
)
async def backtest_rule_set(
    version: _PathVersion, body: BacktestIn, caller: Caller, c: Compliance
) -> BacktestOut:
    """What the version would have decided on the payments of [since, until), beside the
    version in force (or `against`), replayed the same way."""
    report = await c.backtest(
        caller, version, since=body.since, until=body.until, against=body.against
    )
    return BacktestOut.of(report)


@router.post(
    "/v1/compliance/decisions",
    response_model=DecisionOut,
    summary="Decide on a payment before it reserves funds",
    responses={200: {"description": "The decision (the first one, for a subject decided before)"}},
)
async def screen_payment(body: PaymentIn, caller: Caller, c: Compliance) -> DecisionOut:
    """Write role. Never an error for the engine's own failures: a timeout or a failure gives
    the configured fail-closed (block) or fail-open (allow) outcome, with `failure` set."""
    return DecisionOut.of(await c.screen(caller, body.payment()))


@router.get(
    "/v1/compliance/decisions",
    response_model=DecisionPage,
    summary="List decisions",
    responses={404: documented("No decision on the subject (not_found)")},
)
async def list_decisions(
    caller: Caller,
    c: Compliance,
    subject: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    outcome: Literal["allow", "review", "block"] | None = None,
    cursor: Annotated[
        str | None, Query(pattern=digits_at_most(INT64_MAX), description="next_cursor")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> DecisionPage:
    """Newest first. With `subject`: the decisions on that payment (enforced, then shadow)."""
    if subject is not None:
        found = await c.decisions_on(caller, subject)
        return DecisionPage(items=[DecisionOut.of(d) for d in found], next_cursor=None)
    items, following = await c.find_decisions(
        caller, outcome=outcome, cursor=int(cursor) if cursor else None, limit=limit
    )
    return DecisionPage(
        items=[DecisionOut.of(d) for d in items],
        next_cursor=None if following is None else str(following),
    )


class ScreenName(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK)]
    birth_date: DateText | None = None
    country: _Country | None = None


class HitsOut(BaseModel):
    hits: list[HitOut]


class ListOut(BaseModel):
    name: str
    entries: int
    loaded_at: int
    digest: str


class ApplicantIn(_In):
    full_name: _Text
    birth_date: DateText
    nationality: _Country
    national_id: _Text
    #: "sg.nric", or a python-stdnum module name ("nl.bsn", "my.nric").
    national_id_kind: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}\.[a-z_]{1,20}$")]
    document_number: _Text
    document_expiry: DateText
    iban: _Text | None = None


class FindingOut(BaseModel):
    code: str
    field: str
    message: str


class KycResultOut(BaseModel):
    status: Literal["verified", "review", "rejected"]
    findings: list[FindingOut]
    hits: list[HitOut]


@router.post("/v1/compliance/screenings", response_model=HitsOut, summary="Screen a name")
async def screen_name(body: ScreenName, caller: Caller, c: Compliance) -> HitsOut:
    """Read role. The name against the sanctions lists in force: hits at or above the
    threshold, best first, each with its score and why (birth date and country break ties)."""
    hits = await c.screen_name(caller, msgspec.convert(body.model_dump(), NameQuery))
    return HitsOut.model_validate({"hits": msgspec.to_builtins(hits)})


@router.get("/v1/compliance/lists", response_model=list[ListOut], summary="The lists in force")
async def list_status(caller: Caller, c: Compliance) -> list[ListOut]:
    """Read role. Each sanctions list screened against: entries, when it was loaded, the
    SHA-256 of its files."""
    return [ListOut.model_validate(msgspec.to_builtins(s)) for s in await c.list_status(caller)]


@router.post(
    "/v1/compliance/lists/reload",
    response_model=list[ListOut],
    summary="Reload the sanctions lists",
)
async def reload_lists(caller: Caller, c: Compliance) -> list[ListOut]:
    """Admin role. Loads the configured files again and puts them in force without pausing
    screenings; a file that does not load is a 422 on `lists` naming it, the old lists stay."""
    return [ListOut.model_validate(msgspec.to_builtins(s)) for s in await c.reload_lists(caller)]


@router.post("/v1/compliance/kyc-checks", response_model=KycResultOut, summary="Check an applicant")
async def check_applicant(body: ApplicantIn, caller: Caller, c: Compliance) -> KycResultOut:
    """Write role. The local KYC provider's verdict: every field validated (NRIC/FIN check
    letter, IBAN, minimum age, document expiry) and the name screened; `rejected` and `review`
    come with their findings."""
    result = await c.verify_applicant(caller, msgspec.convert(body.model_dump(), Applicant))
    return KycResultOut.model_validate(msgspec.to_builtins(result))
