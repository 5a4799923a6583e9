"""`BillingServices`: billing's services the API and the CLI call, handed over as one."""

from __future__ import annotations

from dataclasses import dataclass

from strongroom.billing.catalog import CatalogService
from strongroom.billing.service import BillingService
from strongroom.billing.usage import UsageService


@dataclass(frozen=True, slots=True)
class BillingServices:
    usage: UsageService
    catalog: CatalogService
    billing: BillingService
