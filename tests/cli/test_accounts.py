"""`strongroom accounts` and `strongroom transfers`: an operator's tool, scoped to --tenant."""

from __future__ import annotations

from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()


def test_accounts_and_transfers_commands(db_url: str) -> None:
    ids = []
    for flags in ([], ["--flag", "history"]):
        r = runner.invoke(
            app, ["accounts", "create", "--code", "7", *flags, "--tenant", "acme", "--db", db_url]
        )
        assert r.exit_code == 0, r.output
        account_id, result = r.output.split()
        assert result == "ok"
        ids.append(account_id)
    r = runner.invoke(
        app,
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
        app, ["transfers", "show", transfer_id, "--tenant", "acme", "--db", db_url]
    )
    assert "250" in shown.output
    assert "inv-1" in shown.output
    account = runner.invoke(app, ["accounts", "show", ids[1], "--tenant", "acme", "--db", db_url])
    assert "credits_posted" in account.output
    assert "history" in account.output
    listed = runner.invoke(app, ["accounts", "list", "--tenant", "acme", "--db", db_url])
    assert all(i in listed.output for i in ids)
    # Another tenant sees none of it.
    other = runner.invoke(app, ["accounts", "show", ids[1], "--tenant", "globex", "--db", db_url])
    assert other.exit_code == 1
    assert "not found" in other.output
    refused = runner.invoke(
        app,
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
    assert "unknown flag 'nonsense'" in refused.output
