"""`strongroom worker`: components without the APIs, their probes on --port, a clean stop."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from strongroom.cli import app


@pytest.mark.slow
def test_worker_runs_components_serves_probes_and_stops_on_sigterm(
    sqlite_url: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-c", "from strongroom.cli import main; main()", "worker"]
    process = subprocess.Popen(
        [*command, "relay", "audit", "sweeper", "--db", sqlite_url, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "running audit, relay, sweeper" in line, line
        url = re.search(r"http://[\d.]+:\d+", line)
        assert url is not None, line
        ready = httpx.get(f"{url.group(0)}/readyz")
        assert ready.status_code == 200
        names = [c["name"] for c in ready.json()["components"]]
        assert names == ["database", "http", "audit", "relay", "sweeper"]
        assert "strongroom_component_up" in httpx.get(f"{url.group(0)}/metrics").text
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()


def test_worker_refuses_an_unknown_component(sqlite_url: str) -> None:
    result = CliRunner().invoke(app, ["worker", "relay", "audit", "bogus", "--db", sqlite_url])
    assert result.exit_code == 1
    assert "unknown component bogus" in result.output
