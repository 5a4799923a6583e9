"""The `strongroom` app: every command is wired in and answers --help."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from strongroom.cli import app

runner = CliRunner()

COMMANDS = [
    ["migrate"],
    ["serve"],
    ["bench"],
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
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
