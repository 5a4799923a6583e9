"""Opening compliance: its store, the pre-transaction decider and the service over them."""

from __future__ import annotations

from strongroom.clock import Clock
from strongroom.compliance.decide import Decider
from strongroom.compliance.screening.types import Screener
from strongroom.compliance.service import ComplianceService
from strongroom.settings import Settings
from strongroom.store.compliance import SqlComplianceStore


def wire_compliance(
    store: SqlComplianceStore,
    settings: Settings,
    clock: Clock,
    screener: Screener | None = None,
) -> ComplianceService:
    """The service over `store`, deciding with the settings' timeout and failure mode."""
    decider = Decider(
        store,
        store,
        clock,
        screener,
        timeout=settings.compliance_timeout,
        fail_open=settings.compliance_fail_open,
    )
    return ComplianceService(store, store, decider, clock)
