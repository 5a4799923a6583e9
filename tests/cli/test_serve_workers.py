"""`strongroom serve --workers N`: several server processes on one port, over PostgreSQL."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from strongroom.bootstrap import open_access, open_ledger
from strongroom.cli import app
from strongroom.services.access import Role

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _workers_of(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [
        int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_workers_need_postgresql_and_fixed_ports(sqlite_url: str, pg_url: str) -> None:
    refused = runner.invoke(app, ["serve", "--db", sqlite_url, "--workers", "2"])
    assert refused.exit_code == 2
    assert "PostgreSQL" in refused.output
    refused = runner.invoke(app, ["serve", "--db", pg_url, "--workers", "2", "--port", "0"])
    assert refused.exit_code == 2
    assert "fixed ports" in refused.output


@pytest.mark.slow
def test_two_workers_share_the_port_and_stop_together(pg_url: str) -> None:
    token = asyncio.run(_write_key(pg_url))
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "strongroom"),
        *("serve", "--db", pg_url, "--port", str(port), "--no-grpc", "--workers", "2"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    ids = [f"00000000-0000-7000-8000-{n:012d}" for n in range(1, 3)]
    try:
        deadline = time.monotonic() + 60
        while len(_workers_of(process.pid)) < 2 or not _ready(base):
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)
        accounts = [{"id": i, "ledger": "USD", "code": 1} for i in ids]
        # A new connection per request: the kernel spreads them over both workers.
        created = httpx.post(f"{base}/v1/accounts", json={"accounts": accounts}, headers=headers)
        assert created.status_code == 200, created.text
        for n in range(40):
            transfer = {
                "id": f"00000000-0000-7000-9000-{n + 1:012d}",
                "debit_account_id": ids[0],
                "credit_account_id": ids[1],
                "amount": 5,
                "ledger": "USD",
                "code": 1,
            }
            answer = httpx.post(
                f"{base}/v1/transfers", json={"transfers": [transfer]}, headers=headers
            )
            assert answer.json()["results"][0]["result"] == "ok"
        workers = _workers_of(process.pid)
        process.terminate()
        assert process.wait(30) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    finally:
        process.kill()
    credited, invariants_ok = asyncio.run(_check(pg_url, uuid.UUID(ids[1])))
    assert credited == 200
    assert invariants_ok


async def _write_key(url: str) -> str:
    async with await open_ledger(url, sweep_interval=None):
        pass
    keys = await open_access(url, migrate=False)
    try:
        return (await keys.create("acme", Role.WRITE)).token
    finally:
        await keys.close()


async def _check(url: str, account: uuid.UUID) -> tuple[int, bool]:
    async with await open_ledger(url, migrate=False, sweep_interval=None) as ledger:
        (found,) = await ledger.lookup_accounts([account])
        return found.credits_posted, (await ledger.check_invariants()).ok


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz").status_code == 200
    except httpx.TransportError:
        return False
