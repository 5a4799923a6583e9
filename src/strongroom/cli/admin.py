"""`strongroom admin reconcile|snapshot-reset|snapshot|split`.

Gets its stores from a strongroom.bootstrap.Platform and runs the ledger's repair and snapshot
code; never imports strongroom.store.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress

from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, console, run
from strongroom.ledger.reconcile import reconcile as run_reconcile
from strongroom.ledger.reconcile import snapshot_reset as run_snapshot_reset
from strongroom.settings import Settings

app = typer.Typer(
    name="admin", help="Repair tools: reconcile, snapshots, bucket splits.", no_args_is_help=True
)


@app.command()
def reconcile(
    db: DbOption = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Rewrite differing accounts from the log.")
    ] = False,
) -> None:
    """Compare every account's bucket rows with the log; exit 1 on differences left unfixed."""
    if not run(_reconcile(command_settings(db_url=db), fix)):
        raise typer.Exit(1)


async def _reconcile(settings: Settings, fix: bool) -> bool:
    async with Platform(settings, migrate=False) as platform:
        repair = await platform.repair()
        async with repair.read() as view:
            total = await view.count_accounts()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("accounts", total=total)
            report = await run_reconcile(
                repair, fix=fix, progress=lambda n: progress.advance(task, n)
            )
    for d in report.differences:
        console.print(f"account {d.account_id} {d.counter}: stored {d.stored} != log {d.expected}")
    for p in report.problems:
        console.print(f"account {p.account_id} bucket {p.bucket}: {p.problem}")
    console.print(
        f"{report.accounts} accounts, {len(report.differences)} differences,"
        f" {len(report.problems)} bucket problems, {len(report.fixed)} accounts rewritten"
    )
    return report.clean or fix


@app.command("snapshot-reset")
def snapshot_reset(db: DbOption = None) -> None:
    """Rebuild every snapshot from the log, printing how the stored ones differed."""
    run(_snapshot_reset(command_settings(db_url=db)))


async def _snapshot_reset(settings: Settings) -> None:
    async with Platform(settings, migrate=False) as platform:
        report = await run_snapshot_reset(await platform.repair())
    for d in report.differences:
        console.print(
            f"snapshot {d.seq} account {d.account_id} {d.counter}:"
            f" stored {d.stored} != log {d.expected}"
        )
    console.print(f"{report.snapshots} snapshots rebuilt, {len(report.differences)} differences")


@app.command()
def snapshot(
    db: DbOption = None,
    lock_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for open write batches (PostgreSQL).")
    ] = 10.0,
) -> None:
    """Take a balance snapshot now."""
    run(_snapshot(command_settings(db_url=db), lock_timeout))


async def _snapshot(settings: Settings, lock_timeout: float) -> None:
    async with Platform(settings, migrate=False) as platform:
        taken = await (await platform.snapshots()).take(lock_timeout)
    console.print(f"snapshot at seq {taken.seq}: {taken.accounts} accounts")


@app.command()
def split(
    account: Annotated[uuid.UUID, typer.Argument(help="The account's id.", show_default=False)],
    buckets: Annotated[
        int, typer.Argument(help="Bucket rows to spread its balance over; 1 merges it back.")
    ],
    db: DbOption = None,
    pin: Annotated[
        bool,
        typer.Option(
            "--pin",
            help="Keep this bucket count. Without it, the engine merges the account back once"
            " no process has found it hot for a while, and splits it further when contended;"
            " with it, never, until the account is split by hand again without --pin.",
        ),
    ] = False,
) -> None:
    """Split an account's balance over BUCKETS bucket rows by hand (1 merges it back)."""
    run(_split(command_settings(db_url=db), account, buckets, pin))


async def _split(settings: Settings, account: uuid.UUID, buckets: int, pin: bool) -> None:
    async with Platform(settings) as platform:
        ledger = await platform.ledger()
        changed = await ledger.split_account(account, buckets, pin=pin)
    unchanged = "" if changed else " (bucket count unchanged)"
    console.print(
        f"account {account}: {buckets} buckets, {'pinned' if pin else 'not pinned'}{unchanged}",
        soft_wrap=True,
    )
