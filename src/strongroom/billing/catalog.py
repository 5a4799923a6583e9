"""`CatalogService`: billing's definitions, each versioned: rule groups, tiers, cost
configurations and billing configurations (strongroom.billing.plans says what the last two hold).

Putting a definition checks it whole (a ValidationError names the field, and nothing is
written), normalises it and pins what it refers to; the same content again is the same version
(a safe retry), other content is the next version. Versions are never changed: an invoice names
the versions it priced with, so it can always be explained. Archiving retires a definition (all
its versions): new definitions can no longer refer to it; what refers to it already keeps
working, so archiving never changes an invoice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from strongroom.billing import events
from strongroom.billing.aggregation import rule_group_from_dict, rule_group_to_dict
from strongroom.billing.plans import (
    DEFINITION_ID,
    ConfigSpec,
    CostSpec,
    check_cost,
    decode,
    reference,
)
from strongroom.billing.ports import BillingStore, Definition, Kind
from strongroom.billing.pricing import tier_from_dict, tier_to_dict
from strongroom.billing.types import check_subject
from strongroom.clock import Clock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.money import is_currency
from strongroom.services.access import Principal, Role, acting

Normaliser = Callable[[str, str, Any], Awaitable[dict[str, Any]]]


def kind_of(text: object) -> Kind:
    try:
        return Kind(str(text))
    except ValueError:
        names = ", ".join(k.value for k in Kind)
        raise ValidationError("kind", f"{text!r} is not one of {names}") from None


def digest_of(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class CatalogService:
    def __init__(self, store: BillingStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._normalise: dict[Kind, Normaliser] = {
            Kind.RULE_GROUP: self._rule_group,
            Kind.TIER: self._tier,
            Kind.COST: self._cost,
            Kind.CONFIG: self._config,
        }

    async def put(
        self, who: Principal, kind: str, id: str, body: object
    ) -> tuple[Definition, bool]:
        """Admin role: `body` as the next version of definition `id` (the latest again, with
        False, when its content is unchanged)."""
        with acting(who, Role.ADMIN):
            known = kind_of(kind)
            check_id(known, id)
            normal = await self._normalise[known](who.tenant, id, body)
            digest = digest_of(normal)
            latest = await self.store.definition(who.tenant, known, id)
            if latest is not None and latest.archived_at is not None:
                raise Conflict(f"{known.value} {id!r} is archived")
            if latest is not None and latest.digest == digest:
                return latest, False
            now = self.clock.now_ns()
            definition = Definition(
                tenant=who.tenant,
                kind=known,
                id=id,
                version=1 if latest is None else latest.version + 1,
                body=normal,
                digest=digest,
                created_at=now,
                created_by=who.id,
            )
            data = {"kind": known.value, "id": id, "version": definition.version}
            written = events.event(events.DEFINED, who.tenant, who.id, now, data)
            return await self.store.add_definition(definition, written), True

    async def show(
        self, who: Principal, kind: str, id: str, version: int | None = None
    ) -> Definition:
        with acting(who, Role.READ):
            known = kind_of(kind)
            check_id(known, id)
            return await self._get(who.tenant, known, id, version)

    async def definitions(self, who: Principal, kind: str) -> list[Definition]:
        """The latest version of each definition of `kind`, archived ones included."""
        with acting(who, Role.READ):
            return await self.store.definitions(who.tenant, kind_of(kind))

    async def versions(self, who: Principal, kind: str, id: str) -> list[Definition]:
        with acting(who, Role.READ):
            known = kind_of(kind)
            check_id(known, id)
            found = await self.store.versions(who.tenant, known, id)
            if not found:
                raise NotFound(f"{kind} {id!r} not found")
            return found

    async def archive(self, who: Principal, kind: str, id: str) -> Definition:
        """Admin role: retire every version of the definition."""
        with acting(who, Role.ADMIN):
            known = kind_of(kind)
            check_id(known, id)
            now = self.clock.now_ns()
            data = {"kind": known.value, "id": id}
            written = events.event(events.ARCHIVED, who.tenant, who.id, now, data)
            if not await self.store.archive(who.tenant, known, id, now, written):
                raise NotFound(f"{known.value} {id!r} not found")
            return await self._get(who.tenant, known, id, None)

    async def _get(self, tenant: str, kind: Kind, id: str, version: int | None) -> Definition:
        found = await self.store.definition(tenant, kind, id, version)
        if found is None:
            at = "" if version is None else f" version {version}"
            raise NotFound(f"{kind.value} {id!r}{at} not found")
        return found

    async def _pin(self, tenant: str, kind: Kind, field: str, text: str) -> Definition:
        """The definition `text` (`id` or `id@version`) refers to, which must be in use."""
        id, version = reference(text)
        found = await self.store.definition(tenant, kind, id, version)
        if found is None:
            raise ValidationError(field, f"no {kind.value} {text!r}")
        if found.archived_at is not None:
            raise ValidationError(field, f"{kind.value} {id!r} is archived")
        return found

    # -- what each kind holds -----------------------------------------------------------------

    async def _rule_group(self, tenant: str, id: str, body: Any) -> dict[str, Any]:
        return dict(rule_group_to_dict(rule_group_from_dict(_object(body))))

    async def _tier(self, tenant: str, id: str, body: Any) -> dict[str, Any]:
        data = dict(_object(body))
        currency = data.pop("currency", None)
        if not is_currency(currency):
            raise ValidationError("currency", "must be an ISO 4217 currency the prices are in")
        assert isinstance(currency, str)
        return {"currency": currency, **tier_to_dict(tier_from_dict(data, currency), currency)}

    async def _cost(self, tenant: str, id: str, body: Any) -> dict[str, Any]:
        cost: CostSpec = decode(CostSpec, body)
        check_cost(cost)
        normal: dict[str, Any] = msgspec.to_builtins(cost)
        for i, charge in enumerate(cost.charges):
            group = await self._pin(
                tenant, Kind.RULE_GROUP, f"charges[{i}].rule_group", charge.rule_group
            )
            tier = await self._pin(tenant, Kind.TIER, f"charges[{i}].tier", charge.tier)
            if tier.body["currency"] != cost.currency:
                raise ValidationError(
                    f"charges[{i}].tier",
                    f"prices in {tier.body['currency']}, the configuration in {cost.currency}",
                )
            normal["charges"][i]["rule_group"] = f"{group.id}@{group.version}"
            normal["charges"][i]["tier"] = f"{tier.id}@{tier.version}"
        return normal

    async def _config(self, tenant: str, id: str, body: Any) -> dict[str, Any]:
        config: ConfigSpec = decode(ConfigSpec, body)
        cost = await self._pin(tenant, Kind.COST, "cost", config.cost)
        latest = await self.store.definition(tenant, Kind.CONFIG, id)
        if latest is not None and config.starts.isoformat() < latest.body["starts"]:
            raise ValidationError(
                "starts", f"a change of plan cannot start before the last ({latest.body['starts']})"
            )
        normal: dict[str, Any] = msgspec.to_builtins(config)
        normal["cost"] = f"{cost.id}@{cost.version}"
        return normal


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    return body


def check_id(kind: Kind, id: object) -> None:
    """A definition's id; a billing configuration's is the subject it bills."""
    if kind is Kind.CONFIG:
        check_subject(id, "id")
    elif not isinstance(id, str) or not DEFINITION_ID.match(id):
        raise ValidationError(
            "id", "must be lower case letters, digits, '.', '_' or '-' (at most 100)"
        )
