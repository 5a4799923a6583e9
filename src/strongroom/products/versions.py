"""Immutable product versions, accounts pinned to a version, and audited migrations.

Owns: `ProductCatalog` (publish a version once; the same (product, version) can never change
content), `Assignment` (an account pinned to a product version, with its per-customer limit
overrides) and `AuditRecord` (every assignment, override and migration, append-only). This is
the in-process catalogue; a persistent one implements the same methods over the store.
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from strongroom.errors import Conflict, NotFound, ValidationError
from strongroom.products.definitions import ProductDefinition


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


class ProductCatalog:
    def __init__(self) -> None:
        self._versions: dict[tuple[str, int], ProductDefinition] = {}
        self._assignments: dict[uuid.UUID, Assignment] = {}
        self._audit: list[AuditRecord] = []

    @property
    def audit(self) -> tuple[AuditRecord, ...]:
        return tuple(self._audit)

    def publish(self, definition: ProductDefinition, *, actor: str, at: datetime) -> None:
        """Store a version. Publishing identical content again is a no-op (idempotent);
        the same version with different content is a Conflict: versions are immutable."""
        existing = self._versions.get(definition.key)
        if existing is not None:
            if existing.digest != definition.digest:
                raise Conflict(
                    f"{definition.product} version {definition.version} is already published "
                    "with different content; publish a new version instead"
                )
            return
        self._versions[definition.key] = definition
        self._record(
            AuditAction.PUBLISH,
            actor,
            at,
            "publish",
            f"product:{definition.product}",
            None,
            f"v{definition.version} sha256:{definition.digest}",
        )

    def get(self, product: str, version: int) -> ProductDefinition:
        try:
            return self._versions[(product, version)]
        except KeyError:
            raise NotFound(f"product {product!r} version {version}") from None

    def versions(self, product: str) -> list[int]:
        return sorted(v for p, v in self._versions if p == product)

    def assignment(self, account_id: uuid.UUID) -> Assignment:
        try:
            return self._assignments[account_id]
        except KeyError:
            raise NotFound(f"no product assigned to account {account_id}") from None

    def definition_for(self, account_id: uuid.UUID) -> tuple[ProductDefinition, Assignment]:
        """The pinned version of an account's product, and its assignment (for quote())."""
        a = self.assignment(account_id)
        return self.get(a.product, a.version), a

    def assign(
        self, account_id: uuid.UUID, product: str, version: int, *, actor: str, at: datetime
    ) -> Assignment:
        """Pin a new account to a version; moving it later is `migrate`, never `assign`."""
        self.get(product, version)
        current = self._assignments.get(account_id)
        if current is not None:
            if (current.product, current.version) == (product, version):
                return current
            raise Conflict(f"account {account_id} is already pinned; use migrate")
        assignment = Assignment(account_id, product, version)
        self._assignments[account_id] = assignment
        self._record(
            AuditAction.ASSIGN, actor, at, "open", str(account_id), None, f"{product} v{version}"
        )
        return assignment

    def set_limit_override(
        self,
        account_id: uuid.UUID,
        limit_id: str,
        maximum: int | None,
        *,
        actor: str,
        at: datetime,
        reason: str,
    ) -> Assignment:
        """Give one customer another maximum for a limit (None removes the override)."""
        definition, current = self.definition_for(account_id)
        if limit_id not in {x.id for x in definition.limits}:
            raise ValidationError(
                "limit_id", f"{definition.product} v{definition.version} has no limit {limit_id!r}"
            )
        if maximum is not None and (type(maximum) is not int or maximum < 0):
            raise ValidationError("maximum", f"must be a non-negative integer, got {maximum!r}")
        overrides = dict(current.limit_overrides)
        before = overrides.get(limit_id)
        if maximum is None:
            overrides.pop(limit_id, None)
        else:
            overrides[limit_id] = maximum
        updated = Assignment(
            account_id, current.product, current.version, MappingProxyType(overrides)
        )
        self._assignments[account_id] = updated
        self._record(
            AuditAction.OVERRIDE,
            actor,
            at,
            reason,
            f"{account_id}:{limit_id}",
            None if before is None else str(before),
            "product default" if maximum is None else str(maximum),
        )
        return updated

    def migrate(
        self,
        account_id: uuid.UUID,
        to_version: int,
        *,
        actor: str,
        at: datetime,
        reason: str,
    ) -> Assignment:
        """Move an account to another version of its product: explicit and audited.

        Overrides of limits that the new version still has are kept; the others are dropped
        and the audit record says which.
        """
        if not reason.strip():
            raise ValidationError("reason", "a migration needs a reason for the audit log")
        current = self.assignment(account_id)
        if current.version == to_version:
            raise Conflict(f"account {account_id} is already on version {to_version}")
        target = self.get(current.product, to_version)
        kept_ids = {x.id for x in target.limits}
        kept = {k: v for k, v in current.limit_overrides.items() if k in kept_ids}
        dropped = sorted(set(current.limit_overrides) - set(kept))
        updated = Assignment(account_id, current.product, to_version, MappingProxyType(kept))
        self._assignments[account_id] = updated
        after = f"{current.product} v{to_version}"
        if dropped:
            after += f" (dropped overrides: {', '.join(dropped)})"
        self._record(
            AuditAction.MIGRATE,
            actor,
            at,
            reason,
            str(account_id),
            f"{current.product} v{current.version}",
            after,
        )
        return updated

    def _record(
        self,
        action: AuditAction,
        actor: str,
        at: datetime,
        reason: str,
        subject: str,
        before: str | None,
        after: str,
    ) -> None:
        if not actor:
            raise ValidationError("actor", "every catalogue change names who made it")
        self._audit.append(AuditRecord(action, actor, at, reason, subject, before, after))
