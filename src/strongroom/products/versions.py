"""Immutable product versions, accounts pinned to a version, and audited migrations.

Owns: the `Catalog` interface (async; services take either implementation), the rules every
catalogue applies (`check_republish`, `plan_assign`, `plan_override`, `plan_migration`: pure
functions, so the in-process and the stored catalogue cannot disagree), `Assignment`,
`AssignmentChange`, `PublishedVersion`, `AuditRecord`, and `ProductCatalog`, the in-process
catalogue. The stored one is `strongroom.products.stored.StoredProductCatalog`.
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Protocol

from strongroom.clock import Clock, SystemClock
from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.products.definitions import ProductDefinition
from strongroom.products.errors import VersionConflict
from strongroom.tracing import current_actor, current_trace_id


class AuditAction(enum.StrEnum):
    PUBLISH = "publish"
    ASSIGN = "assign"
    OVERRIDE = "override"
    MIGRATE = "migrate"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Account `account_id` is priced by `product` at `version`, with limit overrides."""

    account_id: uuid.UUID
    product: str
    version: int
    limit_overrides: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    tenant: str = "default"


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    product: str
    version: int
    digest: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class AssignmentChange:
    """One change of an account's assignment, decided by the plan_* rules below."""

    action: AuditAction
    before: Assignment | None
    after: Assignment
    reason: str
    #: What else changed: {"limit": id, "maximum": n} or {"dropped_overrides": [...]}.
    detail: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who did what, when, why, and the state before and after."""

    action: AuditAction
    actor: str
    at: datetime
    reason: str
    subject: str
    before: str | None
    after: str
    trace_id: str | None = None


class Catalog(Protocol):
    """What services need from a product catalogue (in-process or stored).

    `actor` defaults to the principal of `strongroom.tracing.current_actor()`, `at` to the
    catalogue's clock, `tenant` to the current actor's tenant (else "default").
    """

    async def publish(
        self, definition: ProductDefinition, *, actor: str | None = None, at: datetime | None = None
    ) -> PublishedVersion: ...

    async def get(self, product: str, version: int) -> ProductDefinition: ...

    async def versions(self, product: str) -> list[int]: ...

    async def published(self, product: str | None = None) -> list[PublishedVersion]: ...

    async def assignment(self, account_id: uuid.UUID) -> Assignment: ...

    async def definition_for(
        self, account_id: uuid.UUID
    ) -> tuple[ProductDefinition, Assignment]: ...

    async def assign(
        self,
        account_id: uuid.UUID,
        product: str,
        version: int,
        *,
        actor: str | None = None,
        at: datetime | None = None,
        tenant: str | None = None,
        reason: str = "open",
    ) -> Assignment: ...

    async def set_limit_override(
        self,
        account_id: uuid.UUID,
        limit_id: str,
        maximum: int | None,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment: ...

    async def migrate(
        self,
        account_id: uuid.UUID,
        to_version: int,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment: ...


def resolve_actor(actor: str | None) -> str:
    """The explicit actor, else the principal bound in the request context."""
    if actor:
        return actor
    bound = current_actor()
    if bound is None or not bound.principal:
        raise ValidationError("actor", "every catalogue change names who made it")
    return bound.principal


def resolve_tenant(tenant: str | None) -> str:
    if tenant:
        return tenant
    bound = current_actor()
    return bound.tenant if bound is not None else "default"


def moment(at: datetime | None, clock: Clock) -> datetime:
    return at if at is not None else datetime.fromtimestamp(clock.now_ns() / 1e9, UTC)


def check_republish(published_digest: str, definition: ProductDefinition) -> None:
    """Publishing identical content again is a no-op; different content is a VersionConflict."""
    if published_digest != definition.digest:
        raise VersionConflict(
            definition.product, definition.version, published_digest, definition.digest
        )


def plan_assign(
    current: Assignment | None,
    account_id: uuid.UUID,
    product: str,
    version: int,
    tenant: str,
    reason: str,
) -> AssignmentChange | None:
    """Pin a new account; None when it is already pinned to exactly this (a retry)."""
    if current is not None:
        if (current.product, current.version) == (product, version):
            return None
        raise Conflict(f"account {account_id} is already pinned; use migrate")
    after = Assignment(account_id, product, version, tenant=tenant)
    return AssignmentChange(AuditAction.ASSIGN, None, after, reason)


def plan_override(
    definition: ProductDefinition,
    current: Assignment,
    limit_id: str,
    maximum: int | None,
    reason: str,
) -> AssignmentChange:
    """Give one customer another maximum for a limit (None removes the override)."""
    if limit_id not in {x.id for x in definition.limits}:
        raise ValidationError(
            "limit_id", f"{definition.product} v{definition.version} has no limit {limit_id!r}"
        )
    if maximum is not None and (type(maximum) is not int or maximum < 0):
        raise ValidationError("maximum", f"must be a non-negative integer, got {maximum!r}")
    overrides = dict(current.limit_overrides)
    if maximum is None:
        overrides.pop(limit_id, None)
    else:
        overrides[limit_id] = maximum
    after = Assignment(
        current.account_id,
        current.product,
        current.version,
        MappingProxyType(overrides),
        current.tenant,
    )
    detail = {"limit": limit_id, "before": current.limit_overrides.get(limit_id), "after": maximum}
    return AssignmentChange(AuditAction.OVERRIDE, current, after, reason, MappingProxyType(detail))


def plan_migration(current: Assignment, target: ProductDefinition, reason: str) -> AssignmentChange:
    """Move an account to another version of its product: explicit and with a reason.

    Overrides of limits that the new version still has are kept; the others are dropped and
    the change says which.
    """
    if not reason.strip():
        raise ValidationError("reason", "a migration needs a reason for the audit log")
    if current.product != target.product:
        raise ValidationError(
            "product", f"account is on {current.product!r}, not {target.product!r}"
        )
    if current.version == target.version:
        raise Conflict(f"account {current.account_id} is already on version {target.version}")
    kept_ids = {x.id for x in target.limits}
    kept = {k: v for k, v in current.limit_overrides.items() if k in kept_ids}
    dropped = sorted(set(current.limit_overrides) - set(kept))
    after = Assignment(
        current.account_id, current.product, target.version, MappingProxyType(kept), current.tenant
    )
    detail = MappingProxyType({"dropped_overrides": dropped} if dropped else {})
    return AssignmentChange(AuditAction.MIGRATE, current, after, reason, detail)


def audit_record(
    change: AssignmentChange, actor: str, at: datetime, trace_id: str | None
) -> AuditRecord:
    """The human-readable audit line of an assignment change."""
    before, after = change.before, change.after
    subject = str(after.account_id)
    if change.action is AuditAction.OVERRIDE:
        subject += f":{change.detail['limit']}"
        old, new = change.detail["before"], change.detail["after"]
        return AuditRecord(
            change.action,
            actor,
            at,
            change.reason,
            subject,
            None if old is None else str(old),
            "product default" if new is None else str(new),
            trace_id,
        )
    described = f"{after.product} v{after.version}"
    if change.detail.get("dropped_overrides"):
        described += f" (dropped overrides: {', '.join(change.detail['dropped_overrides'])})"
    return AuditRecord(
        change.action,
        actor,
        at,
        change.reason,
        subject,
        None if before is None else f"{before.product} v{before.version}",
        described,
        trace_id,
    )


class ProductCatalog:
    """The in-process catalogue: for tests, simulations and single-process demos."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._versions: dict[tuple[str, int], tuple[ProductDefinition, PublishedVersion]] = {}
        self._assignments: dict[uuid.UUID, Assignment] = {}
        self._audit: list[AuditRecord] = []

    @property
    def audit(self) -> tuple[AuditRecord, ...]:
        return tuple(self._audit)

    async def publish(
        self, definition: ProductDefinition, *, actor: str | None = None, at: datetime | None = None
    ) -> PublishedVersion:
        who, when = resolve_actor(actor), moment(at, self._clock)
        existing = self._versions.get(definition.key)
        if existing is not None:
            check_republish(existing[0].digest, definition)
            return existing[1]
        published = PublishedVersion(
            definition.product, definition.version, definition.digest, when
        )
        self._versions[definition.key] = (definition, published)
        self._audit.append(
            AuditRecord(
                AuditAction.PUBLISH,
                who,
                when,
                "publish",
                f"product:{definition.product}",
                None,
                f"v{definition.version} sha256:{definition.digest}",
                current_trace_id(),
            )
        )
        return published

    async def get(self, product: str, version: int) -> ProductDefinition:
        try:
            return self._versions[(product, version)][0]
        except KeyError:
            raise NotFound(f"product {product!r} version {version}") from None

    async def versions(self, product: str) -> list[int]:
        return sorted(v for p, v in self._versions if p == product)

    async def published(self, product: str | None = None) -> list[PublishedVersion]:
        return [
            self._versions[key][1]
            for key in sorted(self._versions)
            if product is None or key[0] == product
        ]

    async def assignment(self, account_id: uuid.UUID) -> Assignment:
        try:
            return self._assignments[account_id]
        except KeyError:
            raise NotFound(f"no product assigned to account {account_id}") from None

    async def definition_for(self, account_id: uuid.UUID) -> tuple[ProductDefinition, Assignment]:
        """The pinned version of an account's product, and its assignment (for quote())."""
        a = await self.assignment(account_id)
        return await self.get(a.product, a.version), a

    async def assign(
        self,
        account_id: uuid.UUID,
        product: str,
        version: int,
        *,
        actor: str | None = None,
        at: datetime | None = None,
        tenant: str | None = None,
        reason: str = "open",
    ) -> Assignment:
        """Pin a new account to a version; moving it later is `migrate`, never `assign`."""
        await self.get(product, version)
        current = self._assignments.get(account_id)
        change = plan_assign(current, account_id, product, version, resolve_tenant(tenant), reason)
        if change is None:
            assert current is not None
            return current
        return self._apply(change, actor, at)

    async def set_limit_override(
        self,
        account_id: uuid.UUID,
        limit_id: str,
        maximum: int | None,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment:
        definition, current = await self.definition_for(account_id)
        change = plan_override(definition, current, limit_id, maximum, reason)
        return self._apply(change, actor, at)

    async def migrate(
        self,
        account_id: uuid.UUID,
        to_version: int,
        *,
        reason: str,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> Assignment:
        if not reason.strip():
            raise ValidationError("reason", "a migration needs a reason for the audit log")
        current = await self.assignment(account_id)
        change = plan_migration(current, await self.get(current.product, to_version), reason)
        return self._apply(change, actor, at)

    def _apply(
        self, change: AssignmentChange, actor: str | None, at: datetime | None
    ) -> Assignment:
        record = audit_record(
            change, resolve_actor(actor), moment(at, self._clock), current_trace_id()
        )
        self._assignments[change.after.account_id] = change.after
        self._audit.append(record)
        return change.after
