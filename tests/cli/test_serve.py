"""`strongroom serve`: both servers up, and a clean stop on SIGINT."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest


@pytest.mark.slow
def test_serve_answers_and_stops_on_sigint(sqlite_url: str) -> None:
    script = (
        "import typer; from strongroom.cli.serve import serve; app = typer.Typer(); "
        "app.command()(serve); app.command('x')(serve); app()"
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
                assert httpx.get(f"{url.group(0)}/readyz").json()["status"] == "ready"
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0
    finally:
        process.kill()
