"""The HTTP API keeps its OpenAPI document: `schemathesis run --checks all` against a live
server finds nothing, in any of its phases (examples, coverage, fuzzing, stateful).

The server is real (uvicorn on a loopback port) and runs on each backend: PostgreSQL refuses
values SQLite stores (an INTEGER column past 2**31), so each can have findings of its own. The
client holds a write key, the role of a typical integration: the admin operations answer it
403, which their documents allow, and it cannot revoke its own key halfway through the run.
The run is schemathesis's own command line (its pytest loader for a schema known only at run
time does not work with this pytest), bounded and repeatable: a fixed seed and deterministic
generation, at most MAX_EXAMPLES generated cases per operation, a deadline on every request
and on the whole run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from strongroom.services.access import Role
from tests.api.served import ServedApi

#: What the stateful phase does not hold the API to, and why (the file says).
CONFIG = Path(__file__).parent / "schemathesis.toml"
SEED = 20261204
MAX_EXAMPLES = 25
#: Seconds one request, and the whole run, may take before they fail the test.
REQUEST_DEADLINE = 10
RUN_DEADLINE = 900


@pytest.mark.slow
def test_schemathesis_finds_nothing(db_url: str, tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    with ServedApi(db_url, tenant="conformance", role=Role.WRITE) as api:
        document = httpx.get(f"{api.url}/openapi.json").json()
        run = subprocess.run(
            [
                *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)),
                *("run", f"{api.url}/openapi.json"),
                *("--checks", "all", "--header", f"Authorization: Bearer {api.token}"),
                *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)),
                "--generation-deterministic",
                *("--workers", "1", "--request-timeout", str(REQUEST_DEADLINE), "--no-color"),
                *("--report", "json", "--report-json-path", str(report_path)),
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=RUN_DEADLINE,
            check=False,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(report_path.read_text())
    operations = sum(len(methods) for methods in document["paths"].values())
    assert report["operations"]["tested"] == operations == report["operations"]["total"]
    assert {name: phase["status"] for name, phase in report["phases"].items()} == {
        "examples": "skip",  # the document carries no examples of its own
        "coverage": "success",
        "fuzzing": "success",
        "stateful": "success",
    }
    assert report["test_cases"]["with_failures"] == 0
    assert report["failures"] == report["errors"] == []
    assert api.invariants_ok
