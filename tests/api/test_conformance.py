"""The HTTP API keeps its OpenAPI document: `schemathesis run --checks all` against a live
server finds nothing, in any of its phases (coverage, fuzzing, stateful).

The servers are real (uvicorn on a loopback port), one per backend, both at once: PostgreSQL
refuses values SQLite stores (an INTEGER column past 2**31), so each can have findings of its
own. The coverage phase (every boundary of every field the document declares) runs against
PostgreSQL, where those findings are; fuzzing and the stateful phase run against both. The
client holds a write key, the role of a typical integration: the admin operations answer it 403,
which their documents allow, and it cannot revoke its own key halfway through the run. The run
is schemathesis's own command line (its pytest loader for a schema known only at run time does
not work with this pytest), bounded and repeatable: a fixed seed and deterministic generation, at
most MAX_EXAMPLES generated cases per operation, a deadline on every request and on the whole
run. The coverage phase is not bounded by MAX_EXAMPLES: it is about 5,500 cases, every one it
derives from the document. A run is CPU-bound, about two thirds in schemathesis (generating
and checking cases, on one core) and a third in the server; the two backends' runs in parallel
take the time of the longer, PostgreSQL's (on 2 cores: coverage ~25 s, fuzzing ~18 s, stateful
~5 s). That holds while a request costs milliseconds: when the server answered each one 40 ms
late (Nagle's algorithm against delayed ACKs, see `strongroom.api.server._listen`) the run took
over five minutes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from strongroom.services.access import Role
from tests.api.served import ServedApi

#: What the stateful phase does not hold the API to, and why (the file says).
CONFIG = Path(__file__).parent / "schemathesis.toml"
SEED = 20261204
MAX_EXAMPLES = 10
#: Seconds one request, and the whole run, may take before they fail the test.
REQUEST_DEADLINE = 10
RUN_DEADLINE = 600
#: The phases each backend's run goes through.
PHASES = {"postgresql": "coverage,fuzzing,stateful", "sqlite": "fuzzing,stateful"}


async def _run(db_url: str, phases: str, folder: Path) -> tuple[dict[str, Any], int, bool]:
    """Schemathesis against a server on `db_url`: its report, the document's operation count,
    and whether the ledger's invariants held afterwards."""
    report_path = folder / "report.json"
    with ServedApi(db_url, tenant="conformance", role=Role.WRITE) as api:
        async with httpx.AsyncClient() as client:
            document = (await client.get(f"{api.url}/openapi.json")).json()
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG)),
            *("run", f"{api.url}/openapi.json", "--phases", phases),
            *("--checks", "all", "--header", f"Authorization: Bearer {api.token}"),
            *("--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED)),
            "--generation-deterministic",
            *("--workers", "1", "--request-timeout", str(REQUEST_DEADLINE), "--no-color"),
            *("--report", "json", "--report-json-path", str(report_path)),
            cwd=folder,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), RUN_DEADLINE)
        finally:
            # A run past its deadline must not outlive the server it was testing.
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, output.decode()
    operations = sum(len(methods) for methods in document["paths"].values())
    return json.loads(report_path.read_text()), operations, api.invariants_ok


@pytest.mark.slow
async def test_schemathesis_finds_nothing(sqlite_url: str, pg_url: str, tmp_path: Path) -> None:
    urls = {"postgresql": pg_url, "sqlite": sqlite_url}
    folders = {name: tmp_path / name for name in urls}
    for folder in folders.values():
        folder.mkdir()
    # Both runs end before either is judged: a failed one must not leave the other running.
    runs = await asyncio.gather(
        *(_run(urls[name], PHASES[name], folders[name]) for name in urls), return_exceptions=True
    )
    for run in runs:
        if isinstance(run, BaseException):
            raise run
    for name, run in zip(urls, runs, strict=True):
        assert not isinstance(run, BaseException)
        report, operations, invariants_ok = run
        assert report["operations"]["tested"] == operations == report["operations"]["total"]
        wanted = dict.fromkeys(PHASES[name].split(","), "success")
        statuses = {phase: s["status"] for phase, s in report["phases"].items() if phase in wanted}
        assert statuses == wanted, name
        assert report["test_cases"]["with_failures"] == 0, name
        assert report["failures"] == report["errors"] == [], name
        assert invariants_ok, name
