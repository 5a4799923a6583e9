"""The API commands (serve, accounts, transfers, keys, bench-http) and the HTTP demo."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
import typer
from typer.testing import CliRunner

from strongroom.cli import api, ledger_commands

runner = CliRunner()

cli = typer.Typer()
cli.command()(api.serve)
cli.command("bench-http")(api.bench_http)
cli.command()(ledger_commands.demo)
cli.add_typer(api.accounts, name="accounts")
cli.add_typer(api.transfers, name="transfers")
cli.add_typer(api.keys, name="keys")

COMMANDS = [
    ["serve"],
    ["bench-http"],
    ["demo"],
    ["accounts", "create"],
    ["accounts", "show"],
    ["accounts", "list"],
    ["transfers", "create"],
    ["transfers", "show"],
    ["keys", "create"],
    ["keys", "list"],
    ["keys", "revoke"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_keys_create_list_revoke(db_url: str) -> None:
    created = runner.invoke(
        cli, ["keys", "create", "--tenant", "acme", "--role", "write", "--db", db_url]
    )
    assert created.exit_code == 0, created.output
    token = re.search(r"sr_[0-9a-f]{32}_\S+", created.output)
    assert token is not None
    key_id = token.group(0).split("_")[1]
    listed = runner.invoke(cli, ["keys", "list", "--tenant", "acme", "--db", db_url])
    assert key_id in listed.output
    assert token.group(0).split("_", 2)[2] not in listed.output
    revoked = runner.invoke(cli, ["keys", "revoke", key_id, "--db", db_url])
    assert revoked.exit_code == 0
    assert "revoked" in revoked.output
    bad = runner.invoke(
        cli, ["keys", "create", "--tenant", "acme", "--role", "owner", "--db", db_url]
    )
    assert bad.exit_code != 0


def test_accounts_and_transfers_commands(db_url: str) -> None:
    ids = []
    for flags in ([], ["--flag", "history"]):
        r = runner.invoke(
            cli, ["accounts", "create", "--code", "7", *flags, "--tenant", "acme", "--db", db_url]
        )
        assert r.exit_code == 0, r.output
        account_id, result = r.output.split()
        assert result == "ok"
        ids.append(account_id)
    r = runner.invoke(
        cli,
        [
            "transfers",
            "create",
            "--debit",
            ids[0],
            "--credit",
            ids[1],
            "--amount",
            "250",
            "--metadata",
            '{"ref": "inv-1"}',
            "--tenant",
            "acme",
            "--db",
            db_url,
        ],
    )
    assert r.exit_code == 0, r.output
    transfer_id = r.output.split()[0]
    shown = runner.invoke(
        cli, ["transfers", "show", transfer_id, "--tenant", "acme", "--db", db_url]
    )
    assert "250" in shown.output
    assert "inv-1" in shown.output
    account = runner.invoke(cli, ["accounts", "show", ids[1], "--tenant", "acme", "--db", db_url])
    assert "credits_posted" in account.output
    assert "history" in account.output
    listed = runner.invoke(cli, ["accounts", "list", "--tenant", "acme", "--db", db_url])
    assert all(i in listed.output for i in ids)
    # Another tenant sees none of it.
    other = runner.invoke(cli, ["accounts", "show", ids[1], "--tenant", "globex", "--db", db_url])
    assert other.exit_code == 1
    assert "not found" in other.output
    refused = runner.invoke(
        cli,
        [
            "transfers",
            "create",
            "--debit",
            ids[1],
            "--credit",
            ids[0],
            "--amount",
            "1",
            "--flag",
            "nonsense",
            "--db",
            db_url,
        ],
    )
    assert refused.exit_code == 1


def test_demo_runs_a_bank_through_the_http_api(sqlite_url: str) -> None:
    result = runner.invoke(
        cli, ["demo", "--db", sqlite_url, "--customers", "5", "--payments", "300"]
    )
    assert result.exit_code == 0, result.output
    assert "transfers submitted" in result.output
    assert "600 in 2 HTTP requests" in result.output
    assert "hold" in result.output


@pytest.mark.slow
def test_serve_answers_and_stops_on_sigint(sqlite_url: str) -> None:
    script = (
        "import typer; from strongroom.cli import api; app = typer.Typer(); "
        "app.command()(api.serve); app.command('x')(api.serve); app()"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            script,
            "serve",
            "--db",
            sqlite_url,
            "--port",
            "0",
            "--grpc-port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        url = re.search(r"http://[\d.]+:\d+", first)
        assert url is not None, first
        assert "gRPC on" in process.stdout.readline()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert httpx.get(f"{url.group(0)}/readyz").json() == {"status": "ready"}
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    finally:
        process.kill()
