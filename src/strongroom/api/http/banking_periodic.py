"""/v1/banking/interest-accruals, /v1/banking/monthly-charges and /v1/banking/schedules: the
bank's periodic runs asked for on demand, and the schedules that run them
(strongroom.banking.periodic). Admin role throughout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import Field, Strict

from strongroom.api.http.auth import Caller
from strongroom.api.http.bank import bank_service
from strongroom.api.http.models import DateText, IntentOut, ScheduleOut
from strongroom.api.http.models import Request as Body
from strongroom.api.http.problems import RESPONSES, documented
from strongroom.api.http.routing import JsonBodyRoute
from strongroom.banking.periodic import Job, PeriodicService

router = APIRouter(tags=["periodic"], responses=RESPONSES, route_class=JsonBodyRoute)

_SUBMITTED: dict[int | str, dict[str, Any]] = {
    200: {"model": IntentOut, **documented("Asked before: the run already submitted")}
}


Periodic = Annotated[PeriodicService, Depends(bank_service(lambda b: b.periodic))]


class AccrualIn(Body):
    date: DateText = Field(description="Every day before it is accrued (once per account and day)")


class ChargesIn(Body):
    month: Annotated[str, Strict(), Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="The month charged, YYYY-MM (once per account and month)"
    )


class JobScheduleIn(Body):
    spec: Annotated[str, Strict(), Field(min_length=1, max_length=200)] = Field(
        description="When: `every 1d from 2026-01-01T00:05:00Z`, `cron 10 0 1 * *`, ... "
        "(docs/workflows.md)"
    )


@router.post(
    "/v1/banking/interest-accruals",
    response_model=IntentOut,
    status_code=201,
    summary="Accrue interest on every account up to a day",
    responses=_SUBMITTED,
)
async def accrue(
    body: AccrualIn, caller: Caller, periodic: Periodic, response: Response
) -> IntentOut:
    """Admin role. A `banking.interest.accrue` intent: each account not closed accrues every
    day before `date` it has not accrued yet, month ends capitalised into the account."""
    submitted = await periodic.accrue(caller, body.date)
    if not submitted.created:
        response.status_code = 200
    return IntentOut.of(submitted.intent)


@router.post(
    "/v1/banking/monthly-charges",
    response_model=IntentOut,
    status_code=201,
    summary="Charge every account its monthly and dormancy fees",
    responses=_SUBMITTED,
)
async def charge(
    body: ChargesIn, caller: Caller, periodic: Periodic, response: Response
) -> IntentOut:
    """Admin role. A `banking.charges.monthly` intent: each account not closed is charged its
    product's monthly maintenance fees, and its dormancy fees when dormant, for `month`."""
    submitted = await periodic.charge(caller, body.month)
    if not submitted.created:
        response.status_code = 200
    return IntentOut.of(submitted.intent)


@router.put(
    "/v1/banking/schedules/{job}",
    response_model=ScheduleOut,
    summary="Schedule a periodic run",
)
async def schedule(
    job: Job, body: JobScheduleIn, caller: Caller, periodic: Periodic
) -> ScheduleOut:
    """Admin role. Creates or replaces the schedule `banking:<job>` (`interest` or `charges`):
    each fire submits a run for its own day (interest) or month (charges). The schedule is one
    of the intent engine's: listed and deleted under /v1/intent-schedules."""
    return ScheduleOut.of(await periodic.schedule(caller, job, body.spec))
