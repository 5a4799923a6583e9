"""From stored definitions to what invoices are computed with: a cost configuration's version with
its rule groups and tiers (pinned versions) as a Plan, and a subject's billing configurations as
the plans in force from their dates. Each definition version is read and parsed once per
Resolver: an invoice run over thousands of subjects on a few plans reads a few definitions."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from strongroom.billing.aggregation import RuleGroup, rule_group_from_dict
from strongroom.billing.invoices import Plan, PlanCharge, Recurring
from strongroom.billing.plans import ConfigSpec, CostSpec, decode, minor, ratio, reference
from strongroom.billing.ports import BillingStore, Definition, Kind
from strongroom.billing.pricing import Tier, tier_from_dict
from strongroom.errors import NotFound
from strongroom.products.rounding import percent
from strongroom.products.taxes import TaxRule


@dataclass(frozen=True, slots=True)
class Subscription:
    """A subject's billing configuration versions, oldest first: the plans in force from their
    `starts` dates, the account invoices are paid from (and prepaid credit) of the latest."""

    subject: str
    anchor_day: int
    plans: tuple[tuple[datetime.date, Plan], ...]
    account: uuid.UUID
    credit_account: uuid.UUID | None

    @property
    def first(self) -> datetime.date:
        return self.plans[0][0]

    @property
    def currency(self) -> str:
        return self.plans[-1][1].currency


class Resolver:
    def __init__(self, store: BillingStore, tenant: str) -> None:
        self._store = store
        self._tenant = tenant
        self._plans: dict[str, Plan] = {}
        self._groups: dict[str, RuleGroup] = {}
        self._tiers: dict[str, Tier] = {}

    async def _definition(self, kind: Kind, ref: str) -> Definition:
        id, version = reference(ref)
        found = await self._store.definition(self._tenant, kind, id, version)
        if found is None:
            raise NotFound(f"{kind.value} {ref!r} not found")
        return found

    async def plan(self, ref: str) -> Plan:
        """The cost configuration `ref` (`id@version`) with its rule groups and tiers."""
        if ref not in self._plans:
            cost: CostSpec = decode(CostSpec, (await self._definition(Kind.COST, ref)).body)
            charges = []
            for c in cost.charges:
                if c.rule_group not in self._groups:
                    body = (await self._definition(Kind.RULE_GROUP, c.rule_group)).body
                    self._groups[c.rule_group] = rule_group_from_dict(body)
                if c.tier not in self._tiers:
                    body = dict((await self._definition(Kind.TIER, c.tier)).body)
                    self._tiers[c.tier] = tier_from_dict(body, body.pop("currency"))
                charges.append(
                    PlanCharge(c.id, c.description, self._groups[c.rule_group], self._tiers[c.tier])
                )
            taxes = tuple(
                TaxRule(
                    t.id,
                    percent(Decimal(t.percent)),
                    frozenset(t.applies_to) if t.applies_to is not None else None,
                    cost.tax_account or cost.revenue_account,
                    t.code,
                )
                for t in cost.taxes
            )
            self._plans[ref] = Plan(
                ref=ref,
                currency=cost.currency,
                charges=tuple(charges),
                recurring=tuple(
                    Recurring(r.id, r.description, minor(r.amount, cost.currency))
                    for r in cost.recurring
                ),
                discount=ratio(cost.discount_percent) if cost.discount_percent else Fraction(0),
                taxes=taxes,
                revenue_account=cost.revenue_account,
                code=cost.code,
            )
        return self._plans[ref]

    async def subscription(self, versions: Sequence[Definition]) -> Subscription:
        """A subject's billing configuration from its versions (oldest first)."""
        configs: list[ConfigSpec] = [decode(ConfigSpec, v.body) for v in versions]
        plans = tuple([(c.starts, await self.plan(c.cost)) for c in configs])
        latest = configs[-1]
        return Subscription(
            versions[-1].id,
            latest.anchor_day,
            plans,
            latest.account,
            latest.credit_account,
        )
