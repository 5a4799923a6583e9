"""Compliance's settings as its services take them."""

from __future__ import annotations

from strongroom.compliance.case_records import CaseKind
from strongroom.compliance.cases import CasePolicy
from strongroom.settings import Settings


def case_policy(settings: Settings) -> CasePolicy:
    return CasePolicy(
        sla={
            CaseKind.REVIEW: settings.case_sla_review,
            CaseKind.DISPUTE: settings.case_sla_dispute,
            CaseKind.BREAK: settings.case_sla_break,
        },
        distinct_owner=settings.case_distinct_owner,
    )
