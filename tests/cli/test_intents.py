"""`strongroom intents`: an operator's tool, scoped to --tenant. The commands run no engine of
their own: what they submit waits for a worker, which the test runs as `worker intents` does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from strongroom.bootstrap.platform import Platform
from strongroom.cli import app
from strongroom.settings import Settings

runner = CliRunner()
#: A ledger.transfer payload whose accounts need not exist: schedules only check its shape.
SCHEDULED = json.dumps(
    {
        "debit_account_id": "0193a000-0000-7000-8000-000000000001",
        "credit_account_id": "0193a000-0000-7000-8000-000000000002",
        "amount": 1,
        "ledger": "USD",
        "code": 1,
    }
)


def invoke(db_url: str, *args: str, tenant: bool = True) -> str:
    scope = ["--tenant", "acme"] if tenant else []
    result = runner.invoke(app, ["intents", *args, *scope, "--db", db_url])
    assert result.exit_code == 0, result.output
    return result.output


def account(db_url: str, *flags: str) -> str:
    result = runner.invoke(
        app, ["accounts", "create", "--code", "1", *flags, "--tenant", "acme", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    return result.output.split()[0]


async def run_engine(db_url: str, tmp_path: Path, seconds: float) -> None:
    settings = Settings(db_url=db_url, key_file=tmp_path / "keys", intent_poll_interval=0.02)
    async with Platform(settings) as platform:
        engine = await platform.intent_engine()
        await engine.start()
        await asyncio.sleep(seconds)
        await engine.stop()


def test_submit_run_show_list_graph(db_url: str, tmp_path: Path) -> None:
    funding, alice = account(db_url), account(db_url, "--flag", "debits_must_not_exceed_credits")
    payload = {
        "debit_account_id": funding,
        "credit_account_id": alice,
        "amount": 300,
        "ledger": "USD",
        "code": 1,
    }
    (tmp_path / "pay.json").write_text(json.dumps(payload))
    intent_id, word = invoke(
        db_url, "submit", "ledger.transfer", "cli-1", "--payload", f"@{tmp_path / 'pay.json'}"
    ).split()
    assert word == "submitted"
    again = invoke(db_url, "submit", "ledger.transfer", "cli-1", "--payload", json.dumps(payload))
    assert again.split()[0] == intent_id
    asyncio.run(run_engine(db_url, tmp_path, 1.5))
    shown = json.loads(invoke(db_url, "show", intent_id, "--json"))
    assert shown["state"] == "settled"
    assert [s["step"] for s in shown["steps"]] == ["check", "reserve", "post", "notify"]
    listed = json.loads(invoke(db_url, "list", "--state", "settled", "--json"))
    assert [i["id"] for i in listed["items"]] == [intent_id]
    assert "stateDiagram-v2" in invoke(db_url, "graph", "ledger.transfer", tenant=False)
    dot = invoke(db_url, "graph", "ledger.transfer", "--format", "dot", tenant=False)
    assert dot.startswith("digraph")
    assert "ledger.transfer" in invoke(db_url, "types", tenant=False)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["submit", "no.such", "r"], "type"),
        (["submit", "ledger.transfer", "r", "--payload", "[1]"], "payload"),
        (["submit", "ledger.transfer", "r", "--payload", "{nope"], "payload"),
        (["fire", "00000000-0000-7000-8000-000000000000", "x"], "not found"),
        (
            [
                "schedules",
                "put",
                "s",
                "ledger.transfer",
                "every 5 fortnights",
                "--payload",
                SCHEDULED,
            ],
            "every",
        ),
    ],
)
def test_bad_input_exits_non_zero_saying_why(sqlite_url: str, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["intents", *args, "--tenant", "acme", "--db", sqlite_url])
    assert result.exit_code != 0
    assert says in result.output.lower()


def test_schedules_put_list_delete(sqlite_url: str) -> None:
    spec = "cron 0 2 * * *"
    invoke(
        sqlite_url, "schedules", "put", "nightly", "ledger.transfer", spec, "--payload", SCHEDULED
    )
    assert "nightly" in invoke(sqlite_url, "schedules", "list")
    invoke(sqlite_url, "schedules", "delete", "nightly")
    assert "nightly" not in invoke(sqlite_url, "schedules", "list")
