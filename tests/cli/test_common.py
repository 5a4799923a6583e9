"""What every command shares (strongroom.cli.common): its configuration comes from the settings,
so a strongroom.toml in the working directory is honoured, an option beats the environment which
beats the file, and an invalid setting is one line of error and exit code 1."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from strongroom.cli import app
from strongroom.security.keyfile import LocalKeyFile

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the caller's shell and no strongroom.toml but the test's own."""
    for name in list(os.environ):
        if name.startswith("STRONGROOM_") and not name.startswith("STRONGROOM_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def write_config(tmp_path: Path, **settings: str | int) -> None:
    lines = [
        f"{name} = {value}" if isinstance(value, int) else f'{name} = "{value}"'
        for name, value in settings.items()
    ]
    (tmp_path / "strongroom.toml").write_text("\n".join(lines) + "\n")


def test_a_strongroom_toml_in_the_working_directory_is_honoured(
    db_url: str, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "from-the-file.keys"
    write_config(tmp_path, db_url=db_url, key_file=str(key_file))
    created = runner.invoke(app, ["accounts", "create", "--code", "7", "--tenant", "acme"])
    assert created.exit_code == 0, created.output
    account_id = created.output.split()[0]
    listed = runner.invoke(app, ["accounts", "list", "--tenant", "acme", "--db", db_url])
    assert account_id in listed.output
    rotated = runner.invoke(app, ["keys", "rotate-kek"])
    assert rotated.exit_code == 0, rotated.output
    assert LocalKeyFile(key_file).versions() == [1, 2]


def test_an_option_beats_the_environment_which_beats_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def databases_after_migrate(*options: str) -> list[str]:
        assert runner.invoke(app, ["migrate", *options]).exit_code == 0
        return sorted(p.stem for p in tmp_path.glob("*.db"))

    write_config(tmp_path, db_url=f"sqlite:///{tmp_path / 'file.db'}")
    assert databases_after_migrate() == ["file"]
    monkeypatch.setenv("STRONGROOM_DB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert databases_after_migrate() == ["env", "file"]
    option = f"sqlite:///{tmp_path / 'option.db'}"
    assert databases_after_migrate("--db", option) == ["env", "file", "option"]


def test_serve_takes_its_database_and_ports_from_the_file(
    sqlite_url: str, pg_url: str, tmp_path: Path
) -> None:
    write_config(tmp_path, db_url=sqlite_url)
    refused = runner.invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code == 2
    assert "several workers need PostgreSQL" in refused.output
    write_config(tmp_path, db_url=pg_url, http_port=0)
    refused = runner.invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code == 2
    assert "several workers need fixed ports" in refused.output


async def drop_stream(nats_url: str, stream: str) -> int:
    client = await nats.connect(nats_url)
    try:
        manager = client.jetstream()
        count = (await manager.stream_info(stream)).state.messages
        await manager.delete_stream(stream)
        return count
    finally:
        await client.close()


def test_the_relay_publishes_to_the_nats_url_of_the_file(
    sqlite_url: str, nats_url: str, tmp_path: Path
) -> None:
    write_config(tmp_path, db_url=sqlite_url, nats_url=nats_url)
    assert runner.invoke(app, ["accounts", "create", "--code", "1"]).exit_code == 0
    suffix = uuid.uuid4().hex[:10]
    stream = f"SRTEST_{suffix.upper()}"
    # --no-audit is refused on the in-process bus: accepted here, the bus is JetStream.
    options = ["--stream", stream, "--prefix", f"t{suffix}", "--no-audit", "--once"]
    relayed = runner.invoke(app, ["events", "relay", *options])
    assert relayed.exit_code == 0, relayed.output
    assert "published 1 events" in relayed.output
    assert asyncio.run(drop_stream(nats_url, stream)) == 1


def test_the_audit_consumer_asks_for_a_nats_url() -> None:
    refused = runner.invoke(app, ["audit", "consume"])
    assert refused.exit_code == 2
    assert "STRONGROOM_NATS_URL" in refused.output


# Every command that reads the settings, with the options it cannot run without.
COMMANDS = [
    ["migrate"],
    ["serve"],
    ["demo"],
    ["bench"],
    ["accounts", "list"],
    ["transfers", "show", str(uuid.uuid4())],
    ["keys", "list"],
    ["keys", "rotate-kek"],
    ["keys", "shred", "--tenant", "acme", "--subject", "x", "--yes"],
    ["products", "versions"],
    ["admin", "reconcile"],
    ["admin", "snapshot"],
    ["admin", "split", str(uuid.uuid4()), "2"],
    ["ledger", "stats"],
    ["events", "relay"],
    ["events", "status"],
    ["events", "prune", "--older-than-hours", "1"],
    ["audit", "verify"],
    ["audit", "tail"],
    ["audit", "consume"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_bad_setting_in_the_file_stops_every_command(command: list[str], tmp_path: Path) -> None:
    write_config(tmp_path, db_url="mysql://x")
    refused = runner.invoke(app, command)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.startswith("error: invalid settings: db_url (STRONGROOM_DB_URL): ")
    assert refused.stderr.count("\n") == 1


def strongroom(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = "from strongroom.cli import main; main()"
    command = [sys.executable, "-c", script, *arguments]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_a_bad_setting_is_one_line_and_exit_code_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STRONGROOM_POOL_SIZE", "0")
    refused = strongroom("accounts", "list", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        "error: invalid settings: pool_size (STRONGROOM_POOL_SIZE): Input should be greater"
        " than or equal to 1\n"
    )
    monkeypatch.delenv("STRONGROOM_POOL_SIZE")
    write_config(tmp_path, db_url="sqlite://no-third-slash.db")
    refused = strongroom("audit", "verify", cwd=tmp_path)
    assert refused.returncode == 1
    (line,) = refused.stderr.splitlines()
    assert line.startswith("error: invalid settings: db_url (STRONGROOM_DB_URL): ")
    assert not (tmp_path / "strongroom.db").exists()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "sqlite:////nonexistent/dir/strongroom.db",
            "sqlite+aiosqlite:////nonexistent/dir/strongroom.db: unable to open database file",
        ),
        ("postgresql://postgres:secret@127.0.0.1:1/strongroom", "postgres:***@127.0.0.1:1/"),
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line_without_its_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, shown: str
) -> None:
    monkeypatch.setenv("STRONGROOM_DB_URL", url)
    refused = strongroom("accounts", "list", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert line.startswith("error: cannot open the database ")
    assert shown in line
    assert "secret" not in line
