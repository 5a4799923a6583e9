"""`strongroom keys create | list | revoke`: API keys from the command line."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()


def test_keys_create_list_revoke(db_url: str) -> None:
    created = runner.invoke(
        app, ["keys", "create", "--tenant", "acme", "--role", "write", "--db", db_url]
    )
    assert created.exit_code == 0, created.output
    token = re.search(r"sr_[0-9a-f]{32}_\S+", created.output)
    assert token is not None
    key_id = token.group(0).split("_")[1]
    listed = runner.invoke(app, ["keys", "list", "--tenant", "acme", "--db", db_url])
    assert key_id in listed.output
    assert token.group(0).split("_", 2)[2] not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", key_id, "--db", db_url])
    assert revoked.exit_code == 0
    assert "revoked" in revoked.output
    bad = runner.invoke(
        app, ["keys", "create", "--tenant", "acme", "--role", "owner", "--db", db_url]
    )
    assert bad.exit_code != 0
