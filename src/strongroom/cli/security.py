"""`strongroom keys ...`: KEK rotation, crypto-shredding of a customer, and the encryption bench.

Thin: parses options, gets envelope encryption from a strongroom.bootstrap.Platform (the bench:
from strongroom.bootstrap.open_encryption on a scratch database) and calls its key operations
(strongroom.services.security); never imports strongroom.store.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from strongroom.bootstrap import Platform, open_encryption
from strongroom.cli.common import DbOption, command_settings, configured
from strongroom.parties.fields import ENCRYPTED_FIELDS, party_cipher
from strongroom.security.keyfile import LocalKeyFile
from strongroom.settings import Settings

app = typer.Typer(
    name="keys", help="API keys (create, list, revoke) and encryption keys (rotate, shred, bench)."
)
# Soft wrap: long lines (ids, figures) stay on one line for logs and scripts.
console = Console(soft_wrap=True)

KeyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="Local key file holding the KEKs " + configured("key_file"),
        show_default=False,
    ),
]


@app.command("rotate-kek")
def rotate_kek(
    db: DbOption = None,
    key_file: KeyFileOption = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Keys re-wrapped per commit.")] = 256,
) -> None:
    """Re-wrap every data key under a new KEK version (data is not re-encrypted).

    If an earlier rotation was interrupted, this finishes it instead of starting another.
    """
    asyncio.run(_rotate(command_settings(db_url=db, key_file=key_file), batch_size))


async def _rotate(settings: Settings, batch_size: int) -> None:
    async with Platform(settings, migrate=False) as platform:
        encryption = await platform.encryption()
        total = await encryption.service.rotation_size()
        with Progress(
            TextColumn("re-wrapping data keys"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("rotate", total=total)
            rotation = await encryption.service.rotate_kek(
                batch_size=batch_size,
                progress=lambda done: progress.update(task, completed=done),
            )
        how = "finished an interrupted rotation" if rotation.resumed else "new KEK version"
        console.print(
            f"re-wrapped {rotation.rewrapped} data keys under KEK version"
            f" {rotation.target_version} ({how})"
        )


@app.command()
def shred(
    tenant: Annotated[str, typer.Option(help="Tenant of the customer.")],
    subject: Annotated[str, typer.Option(help="Customer (party id) whose data is erased.")],
    db: DbOption = None,
    key_file: KeyFileOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Destroy a customer's data keys: their personal data becomes unreadable, for good."""
    settings = command_settings(db_url=db, key_file=key_file)
    if not yes:
        typer.confirm(f"Irreversibly erase the personal data of {subject} in {tenant}?", abort=True)
    destroyed = asyncio.run(_shred(settings, tenant, subject))
    if destroyed:
        console.print(f"destroyed {len(destroyed)} data key(s) of {subject}: its data is shredded")
    else:
        console.print(f"{subject} has no active data key: nothing left to shred")


async def _shred(settings: Settings, tenant: str, subject: str) -> list[uuid.UUID]:
    async with Platform(settings, migrate=False) as platform:
        return await (await platform.encryption()).service.shred(tenant, subject)


@app.command()
def bench(
    iterations: Annotated[int, typer.Option(min=1, help="Measured records.")] = 20_000,
    customers: Annotated[int, typer.Option(min=1, help="Distinct customers (data keys).")] = 100,
) -> None:
    """Time sealing + opening one customer record (5 fields, 2 blind indexes), keys cached.

    Prints wall-clock percentiles and, to tell the code's cost from time lost to other
    processes on a busy machine, the same percentiles of this thread's CPU time.
    """
    with tempfile.TemporaryDirectory() as scratch:
        wall, cpu = asyncio.run(_bench(Path(scratch), iterations, customers))
    console.print(
        f"envelope encryption: {iterations} records, {customers} customers,"
        f" seal+open of {len(ENCRYPTED_FIELDS)} fields"
    )
    console.print(f"wall {_percentiles(wall)}")
    console.print(f"cpu  {_percentiles(cpu)}")


def _percentiles(timings_ns: list[int]) -> str:
    cuts = statistics.quantiles(timings_ns, n=1000, method="inclusive")
    micro = 1000.0
    return (
        f"p50 {cuts[499] / micro:.1f} µs  p99 {cuts[989] / micro:.1f} µs"
        f"  p99.9 {cuts[998] / micro:.1f} µs  mean {statistics.fmean(timings_ns) / micro:.1f} µs"
    )


async def _bench(scratch: Path, iterations: int, customers: int) -> tuple[list[int], list[int]]:
    encryption = await open_encryption(
        f"sqlite:///{scratch / 'bench.db'}", LocalKeyFile(scratch / "bench.keys")
    )
    try:
        cipher = party_cipher(encryption.keyring)
        record = {
            "full_name": "Ada Lovelace",
            "email": "ada@example.com",
            "national_id": "S1234567D",
            "date_of_birth": "1815-12-10",
            "address": "12 St James's Square, London SW1Y 4JH",
            "phone": "+442079460000",
            "nationality": "GB",
            "document_number": "123456789",
            "document_expiry": "2030-01-31",
        }
        subjects = [str(uuid.UUID(bytes=os.urandom(16))) for _ in range(customers)]
        # Warm-up: create every customer's data key (and the tenant's index key) once.
        for subject in subjects:
            await cipher.seal("bench", subject, uuid.uuid4(), record)
        wall: list[int] = []
        cpu: list[int] = []
        for n in range(iterations):
            row_id = uuid.uuid4()
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            sealed = await cipher.seal("bench", subjects[n % customers], row_id, record)
            opened = await cipher.open("bench", row_id, sealed)
            cpu.append(time.thread_time_ns() - started_cpu)
            wall.append(time.perf_counter_ns() - started)
            if opened != record:
                raise AssertionError("bench record did not round-trip")
        return wall, cpu
    finally:
        await encryption.close()
