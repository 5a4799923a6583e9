"""`strongroom banking accrue | charge | schedule`: the bank's periodic runs asked for now, and
the schedules that run them, through the same service as the API, acting as an admin of
`--tenant`. The runs are intents: `serve` or `worker intents` carries them out."""

from __future__ import annotations

from typing import Annotated

import typer

from strongroom.banking.periodic import Job
from strongroom.banking.services import BankingServices
from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    on_platform,
    operator,
    parse_day,
)


def accrue(
    date: Annotated[str, typer.Option(help="Accrue every day before this one, YYYY-MM-DD.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Accrue interest on every account (month ends capitalised), once per account and day."""
    day = parse_day(date)

    async def work(bank: BankingServices) -> str:
        return str((await bank.periodic.accrue(operator(tenant), day)).intent.id)

    found = on_platform(command_settings(db_url=db), Platform.banking, work)
    console.print(f"accruing: intent {found}", soft_wrap=True)


def charge(
    month: Annotated[str, typer.Option(help="The month charged, YYYY-MM.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Charge every account its monthly and dormancy fees, once per account and month."""

    async def work(bank: BankingServices) -> str:
        return str((await bank.periodic.charge(operator(tenant), month)).intent.id)

    found = on_platform(command_settings(db_url=db), Platform.banking, work)
    console.print(f"charging: intent {found}", soft_wrap=True)


def schedule(
    job: Annotated[Job, typer.Argument(help="interest (daily) or charges (monthly).")],
    spec: Annotated[str, typer.Argument(help="When: 'every 1d from ...', 'cron 10 0 1 * *'.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Run a periodic job on a durable schedule (each fire takes its own day or month)."""

    async def work(bank: BankingServices) -> str:
        made = await bank.periodic.schedule(operator(tenant), job, spec)
        return f"{made.name}: {made.type} {made.spec}, next at {made.next_at}"

    console.print(on_platform(command_settings(db_url=db), Platform.banking, work), soft_wrap=True)
