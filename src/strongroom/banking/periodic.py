"""`PeriodicService`: the bank's periodic runs (interest, monthly charges) asked for on demand,
and the durable schedules that run them without anyone asking. Admin role throughout: each run
walks every account of the tenant."""

from __future__ import annotations

import datetime
import enum

from strongroom.banking.charges import CHARGE, first_of, not_begun
from strongroom.banking.fields import as_sent
from strongroom.banking.interest import ACCRUE
from strongroom.clock import Clock
from strongroom.days import not_over
from strongroom.errors import ValidationError
from strongroom.services.access import Principal, Role, acting
from strongroom.workflows.ports import Schedule
from strongroom.workflows.service import IntentService, Submitted


class Job(enum.StrEnum):
    INTEREST = "interest"
    CHARGES = "charges"


#: The intent type each job submits.
TYPES = {Job.INTEREST: ACCRUE, Job.CHARGES: CHARGE}


def schedule_name(job: Job) -> str:
    return f"banking:{job.value}"


class PeriodicService:
    def __init__(self, intents: IntentService, clock: Clock) -> None:
        self.intents = intents
        self.clock = clock

    async def accrue(self, who: Principal, day: datetime.date) -> Submitted:
        """Accrue every account's interest for each day before `day` not accrued yet."""
        with acting(who, Role.ADMIN):
            refusal = not_over(day, self.clock.now_ns())
            if refusal is not None:
                raise ValidationError("date", refusal)
            body = {"date": day.isoformat()}
            return await self.intents.submit(who, ACCRUE, f"accrue:{day.isoformat()}", body)

    async def charge(self, who: Principal, month: str) -> Submitted:
        """Charge every account its monthly (and dormancy) fees for `month` (YYYY-MM)."""
        with acting(who, Role.ADMIN), as_sent():
            body = {"month": month}
            self.intents.registry.get(CHARGE).decode(body)
            refusal = not_begun(first_of(month, 0), self.clock.now_ns())
            if refusal is not None:
                raise ValidationError("month", refusal)
            return await self.intents.submit(who, CHARGE, f"charges:{month}", body)

    async def schedule(self, who: Principal, job: Job, spec: str) -> Schedule:
        """Create or replace the schedule that runs `job` at each time of `spec` (a schedule
        of the intent engine); each run takes its day or month from its fire time."""
        with acting(who, Role.ADMIN):
            return await self.intents.put_schedule(who, schedule_name(job), TYPES[job], spec, {})
