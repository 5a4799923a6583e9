"""`ComplianceServicer`: strongroom.v1.Compliance on grpc.aio, over
strongroom.compliance.service.ComplianceService. A payment is checked field by field here, with
the bounds the HTTP edge (strongroom.api.http.compliance) puts on it, before it is decided on."""

from __future__ import annotations

import re
from typing import Any, TypeAlias

import grpc

from strongroom.api.grpc.calls import Calls
from strongroom.api.grpc.fields import Fields, checked_version
from strongroom.api.grpc.gen import compliance_pb2 as pb
from strongroom.api.grpc.gen import compliance_pb2_grpc
from strongroom.compliance.backtest import BacktestReport
from strongroom.compliance.decisions import Decision
from strongroom.compliance.ports import RuleSetStatus, StoredRuleSet
from strongroom.compliance.rules.facts import (
    AccountFacts,
    Counterparty,
    CustomerFacts,
    Direction,
    Payment,
)
from strongroom.compliance.service import ComplianceService, RuleSetDiff
from strongroom.errors import ValidationError
from strongroom.ledger.queries import INT64_MAX
from strongroom.money import AMOUNT_MAX
from strongroom.services.access import AccessService, Principal

_DEFAULT_LIMIT = 50
_CURRENCY = re.compile(r"[A-Z]{3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CURSOR = re.compile(r"[0-9]{1,19}")
_Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"


def rule_set_pb(s: StoredRuleSet) -> pb.RuleSet:
    return pb.RuleSet(
        version=s.version,
        status=s.status.value,
        digest=s.digest,
        published_at=s.published_at,
        published_by=s.published_by or "",
        source=s.source,
    )


def diff_pb(d: RuleSetDiff) -> pb.RuleSetDiff:
    return pb.RuleSetDiff(
        old=d.old,
        new=d.new,
        text=d.text,
        added=d.added,
        removed=d.removed,
        changed=d.changed,
        sections=d.sections,
    )


def report_pb(r: BacktestReport) -> pb.BacktestReport:
    return pb.BacktestReport(
        candidate_version=r.candidate_version,
        baseline_version=r.baseline_version,
        since=r.since,
        until=r.until,
        payments=r.payments,
        candidate=r.candidate,
        baseline=r.baseline,
        recorded=r.recorded,
        fired=r.fired,
        changed=r.changed,
        changes=[
            pb.BacktestChange(
                subject=c.subject,
                baseline=c.baseline.value,
                candidate=c.candidate.value,
                rules=c.rules,
            )
            for c in r.changes
        ],
    )


def decision_pb(d: Decision) -> pb.Decision:
    return pb.Decision(
        id=str(d.id),
        subject=d.subject,
        mode=d.mode.value,
        outcome=d.outcome.value,
        score=d.score,
        rule_set_version=d.rule_set_version,
        fired=[
            pb.FiredRule(rule_id=f.rule_id, message=f.message, action=f.action, score=f.score)
            for f in d.fired
        ],
        hits=[
            pb.ScreeningHit(
                list_name=h.list_name,
                entry_id=h.entry_id,
                matched_name=h.matched_name,
                score=h.score,
                reasons=h.reasons,
            )
            for h in d.hits
        ],
        failure=d.failure or "",
        decided_at=d.decided_at,
    )


def _status(value: str) -> RuleSetStatus:
    """The service refuses `retired` where it does not fit (publishing)."""
    try:
        return RuleSetStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in RuleSetStatus)
        raise ValidationError("status", f"must be one of {allowed}") from None


def payment_in(p: pb.Payment) -> Payment:
    """The payment to decide on, or InvalidFields naming every field out of bounds, in the
    order the message declares them."""
    fields = Fields()
    subject = fields.text(p.subject, "subject")
    amount = fields.at_most(p.amount, AMOUNT_MAX, "amount")
    currency = fields.matching(p.currency, _CURRENCY, "currency", "must be 3 upper-case letters")
    try:
        direction = Direction(p.direction or Direction.OUT)
    except ValueError:
        fields.refuse("direction", "must be in or out")
        direction = Direction.OUT
    channel = fields.text(p.channel, "channel") if p.channel else "api"
    counterparty = _counterparty_in(p.counterparty, fields)
    beneficiary = fields.optional_text(p, "beneficiary", "beneficiary")
    customer = _customer_in(p.customer, fields) if p.HasField("customer") else None
    account = _account_in(p.account, fields) if p.HasField("account") else None
    at = fields.at_most(p.at, INT64_MAX, "at") if p.HasField("at") else None
    fields.done()
    return Payment(
        subject=subject,
        amount=amount,
        currency=currency,
        direction=direction,
        channel=channel,
        counterparty=counterparty,
        beneficiary=beneficiary,
        customer=customer,
        account=account,
        at=at,
    )


def _counterparty_in(c: pb.Counterparty, fields: Fields) -> Counterparty:
    name = fields.optional_text(c, "name", "counterparty.name")
    country = None
    if c.HasField("country"):
        reason = "must be 2 upper-case letters"
        country = fields.matching(c.country, _COUNTRY, "counterparty.country", reason)
    return Counterparty(
        name=name,
        country=country,
        account=fields.optional_text(c, "account", "counterparty.account"),
        birth_date=fields.optional_date(c, "birth_date", "counterparty.birth_date"),
    )


def _customer_in(c: pb.PaymentCustomer, fields: Fields) -> CustomerFacts:
    return CustomerFacts(
        id=fields.text(c.id, "customer.id"),
        risk_rating=fields.optional_text(c, "risk_rating", "customer.risk_rating"),
        kyc_status=fields.optional_text(c, "kyc_status", "customer.kyc_status"),
        since=fields.optional_date(c, "since", "customer.since"),
    )


def _account_in(a: pb.PaymentAccount, fields: Fields) -> AccountFacts:
    return AccountFacts(
        id=fields.text(a.id, "account.id"),
        product=fields.optional_text(a, "product", "account.product"),
        opened=fields.optional_date(a, "opened", "account.opened"),
    )


class ComplianceServicer(Calls, compliance_pb2_grpc.ComplianceServicer):
    service_name = "strongroom.v1.Compliance"

    def __init__(self, compliance: ComplianceService, access: AccessService) -> None:
        super().__init__(access)
        self._compliance = compliance

    async def PublishRuleSet(
        self, request: pb.PublishRuleSetRequest, context: _Context
    ) -> pb.RuleSet:
        async def work(who: Principal) -> pb.RuleSet:
            if not request.source:
                raise ValidationError("source", "must not be empty")
            status = _status(request.status) if request.status else RuleSetStatus.DRAFT
            return rule_set_pb(await self._compliance.publish(who, request.source, status))

        return await self._call("PublishRuleSet", context, work)

    async def ListRuleSets(
        self, request: pb.ListRuleSetsRequest, context: _Context
    ) -> pb.RuleSetList:
        async def work(who: Principal) -> pb.RuleSetList:
            found = await self._compliance.list_rule_sets(who)
            return pb.RuleSetList(items=[rule_set_pb(s) for s in found])

        return await self._call("ListRuleSets", context, work)

    async def ShowRuleSet(self, request: pb.ShowRuleSetRequest, context: _Context) -> pb.RuleSet:
        async def work(who: Principal) -> pb.RuleSet:
            version = checked_version(request.version)
            return rule_set_pb(await self._compliance.show_rule_set(who, version))

        return await self._call("ShowRuleSet", context, work)

    async def SetRuleSetStatus(
        self, request: pb.SetRuleSetStatusRequest, context: _Context
    ) -> pb.RuleSet:
        async def work(who: Principal) -> pb.RuleSet:
            version = checked_version(request.version)
            changed = await self._compliance.set_status(who, version, _status(request.status))
            return rule_set_pb(changed)

        return await self._call("SetRuleSetStatus", context, work)

    async def DiffRuleSets(
        self, request: pb.DiffRuleSetsRequest, context: _Context
    ) -> pb.RuleSetDiff:
        async def work(who: Principal) -> pb.RuleSetDiff:
            fields = Fields()
            old, new = fields.version(request.old, "old"), fields.version(request.new, "new")
            fields.done()
            return diff_pb(await self._compliance.diff(who, old, new))

        return await self._call("DiffRuleSets", context, work)

    async def Backtest(self, request: pb.BacktestRequest, context: _Context) -> pb.BacktestReport:
        async def work(who: Principal) -> pb.BacktestReport:
            fields = Fields()
            version = fields.version(request.version, "version")
            since = fields.at_most(request.since, INT64_MAX, "since")
            until = fields.at_most(request.until, INT64_MAX, "until")
            against = (
                fields.version(request.against, "against") if request.HasField("against") else None
            )
            fields.done()
            report = await self._compliance.backtest(
                who, version, since=since, until=until, against=against
            )
            return report_pb(report)

        return await self._call("Backtest", context, work)

    async def Decide(self, request: pb.Payment, context: _Context) -> pb.Decision:
        async def work(who: Principal) -> pb.Decision:
            return decision_pb(await self._compliance.screen(who, payment_in(request)))

        return await self._call("Decide", context, work)

    async def ListDecisions(
        self, request: pb.ListDecisionsRequest, context: _Context
    ) -> pb.DecisionPage:
        async def work(who: Principal) -> pb.DecisionPage:
            fields = Fields()
            subject = fields.optional_text(request, "subject", "subject")
            cursor = None
            if request.cursor:
                if _CURSOR.fullmatch(request.cursor):
                    cursor = fields.at_most(int(request.cursor), INT64_MAX, "cursor")
                else:
                    fields.refuse("cursor", "must be a cursor a previous page returned")
            fields.done()
            if subject is not None:
                found = await self._compliance.decisions_on(who, subject)
                return pb.DecisionPage(items=[decision_pb(d) for d in found])
            items, following = await self._compliance.find_decisions(
                who,
                outcome=request.outcome if request.HasField("outcome") else None,
                cursor=cursor,
                limit=request.limit or _DEFAULT_LIMIT,
            )
            return pb.DecisionPage(
                items=[decision_pb(d) for d in items],
                next_cursor="" if following is None else str(following),
            )

        return await self._call("ListDecisions", context, work)
