"""`strongroom ledger stats`: a running server's figures over --url, the database's without."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from typer.testing import CliRunner

from strongroom.bootstrap import open_ledger
from strongroom.cli.admin import app as admin_app
from strongroom.cli.stats import app
from tests.api.served import ServedApi
from tests.ledger.helpers import account, open_accounts, transfer

runner = CliRunner()


async def _seed(url: str) -> uuid.UUID:
    async with await open_ledger(url, sweep_interval=None) as ledger:
        a, b = await open_accounts(ledger, account(), account())
        await ledger.create_transfers([transfer(a, b, 9)])
    return a


def test_without_a_server_the_figures_come_from_the_database(db_url: str) -> None:
    a = asyncio.run(_seed(db_url))
    assert runner.invoke(admin_app, ["split", str(a), "4", "--pin", "--db", db_url]).exit_code == 0
    assert runner.invoke(admin_app, ["snapshot", "--db", db_url]).exit_code == 0
    shown = runner.invoke(app, ["stats", "--db", db_url])
    assert shown.exit_code == 0, shown.output
    row = next(line for line in shown.output.splitlines() if str(a) in line)
    assert [cell.strip() for cell in row.split("│")[2:4]] == ["4", "yes"]
    assert "snapshot watermark" in shown.output
    assert "outbox rows waiting" in shown.output
    assert "batches" not in shown.output
    refused = runner.invoke(app, ["stats", "--db", db_url, "--prometheus"])
    assert refused.exit_code == 2
    assert "--url" in refused.output


def test_with_url_the_figures_are_the_running_servers(sqlite_url: str) -> None:
    with ServedApi(sqlite_url) as api:
        headers = {"Authorization": f"Bearer {api.token}"}
        ids = [str(uuid.uuid4()) for _ in range(2)]
        created = httpx.post(
            f"{api.url}/v1/accounts",
            headers=headers,
            json={"accounts": [{"id": i, "ledger": "EUR", "code": 1} for i in ids]},
        )
        assert created.status_code == 200, created.text
        moved = httpx.post(
            f"{api.url}/v1/transfers",
            headers=headers,
            json={
                "transfers": [
                    {
                        "id": str(uuid.uuid4()),
                        "debit_account_id": ids[0],
                        "credit_account_id": ids[1],
                        "amount": 5,
                        "ledger": "EUR",
                        "code": 1,
                    }
                ]
            },
        )
        assert moved.status_code == 200, moved.text
        shown = runner.invoke(app, ["stats", "--url", api.url])
        assert shown.exit_code == 0, shown.output
        transfers = next(line for line in shown.output.splitlines() if "│ transfers" in line)
        assert transfers.split()[-2] == "1"
        raw = runner.invoke(app, ["stats", "--url", api.url, "--prometheus"])
        assert "strongroom_ledger_transfers_total 1.0" in raw.output
        assert "strongroom_ledger_lock_wait_seconds_count" in raw.output


def test_an_unreachable_server_is_one_line_and_exit_1() -> None:
    shown = runner.invoke(app, ["stats", "--url", "http://127.0.0.1:9"])
    assert shown.exit_code == 1
    assert "cannot read http://127.0.0.1:9/metrics" in shown.output
