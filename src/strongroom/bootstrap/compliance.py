"""Opening compliance: its store, the sanctions lists, the pre-transaction decider and the
service over them; the cases' policy from the settings."""

from __future__ import annotations

import asyncio

from strongroom.clock import Clock
from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.cases import CasePolicy, CaseService
from strongroom.compliance.decide import Decider
from strongroom.compliance.decisions import Decision
from strongroom.compliance.kyc.provider import LocalKycProvider
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.screening.reloading import (
    EuSource,
    ListSource,
    OfacSource,
    ScreeningLists,
)
from strongroom.compliance.screening.types import AsyncScreener
from strongroom.compliance.screening.worker import InProcessScreening, ScreeningWorker
from strongroom.compliance.service import ComplianceService
from strongroom.services.access import ApiKey, Role
from strongroom.settings import Settings
from strongroom.store.compliance import SqlComplianceStore


def list_sources(settings: Settings) -> list[ListSource]:
    """The sanctions lists the settings name: OFAC's files in `screening_ofac` (sdn.csv, and
    alt.csv and add.csv when present), the EU's CSV file `screening_eu`."""
    sources: list[ListSource] = []
    if settings.screening_ofac is not None:
        folder = settings.screening_ofac
        alt, add = folder / "alt.csv", folder / "add.csv"
        sources.append(
            OfacSource(
                "ofac-sdn",
                folder / "sdn.csv",
                alt if alt.exists() else None,
                add if add.exists() else None,
            )
        )
    if settings.screening_eu is not None:
        sources.append(EuSource("eu-consolidated", settings.screening_eu))
    return sources


async def open_screening(settings: Settings, clock: Clock) -> ScreeningLists:
    """The configured lists, loaded (off the event loop: indexing is CPU work); a list that
    does not load is a ListFileError here, before anything is served."""
    lists = ScreeningLists(list_sources(settings), clock, threshold=settings.screening_threshold)
    if lists.sources:
        await asyncio.to_thread(lists.reload)
    return lists


#: Who opens the case of a review decision: the rule engine itself, in the decision's tenant.
REVIEWER = "compliance"


def decision_screening(
    settings: Settings, lists: ScreeningLists
) -> ScreeningWorker | InProcessScreening:
    """How decisions screen `lists`: through a worker process (names not screened before cost
    milliseconds of CPU the event loop would wait on), or on the loop when the settings say
    `screening_worker` off or no list is configured (nothing to screen against, no process to
    start). The caller closes it."""
    if settings.screening_worker and lists.sources:
        return ScreeningWorker(lists)
    return InProcessScreening(lists)


def wire_compliance(
    store: SqlComplianceStore,
    settings: Settings,
    clock: Clock,
    lists: ScreeningLists,
    screening: AsyncScreener,
    cases: CaseService,
) -> ComplianceService:
    """The service over `store`, deciding with the settings' timeout and failure mode and
    screening through `screening`; an enforced review opens its case (once per decision) in
    `cases`."""

    async def open_case(decision: Decision, _payment: Payment) -> None:
        engine = ApiKey(
            id=REVIEWER, tenant=decision.tenant, role=Role.WRITE, name=REVIEWER, created_at=0
        )
        await cases.open_from_decision(engine, decision)

    decider = Decider(
        store,
        store,
        clock,
        screening,
        timeout=settings.compliance_timeout,
        fail_open=settings.compliance_fail_open,
        on_review=open_case,
    )
    kyc = LocalKycProvider(lists, minimum_age=settings.kyc_minimum_age, clock=clock)
    return ComplianceService(store, store, decider, clock, lists, kyc)


def case_policy(settings: Settings) -> CasePolicy:
    return CasePolicy(
        sla={
            CaseKind.REVIEW: settings.case_sla_review,
            CaseKind.DISPUTE: settings.case_sla_dispute,
            CaseKind.BREAK: settings.case_sla_break,
        },
        distinct_owner=settings.case_distinct_owner,
    )
