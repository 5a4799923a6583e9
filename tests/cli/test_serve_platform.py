"""Acceptance: `strongroom serve` with every component on, on PostgreSQL and JetStream and on
the embedded set-up.

Transfers sent over HTTP reach the audit log through the relay and the audit consumer, each
under the trace of the request that made it; each request is one OpenTelemetry trace, exported
over OTLP (HTTP, service, batch, write, relay, consumer spans); a snapshot is taken; `/metrics`
shows the engine's contention and the relay's lag. Then the server is killed with SIGKILL under
load: every transfer it acknowledged is in the ledger, and the restarted server relays what the
dead one left in the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.trace.v1 import trace_pb2 as otlp_trace

from strongroom.bootstrap import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings, load_settings
from tests.conftest import fresh_pg_schema, server_url
from tests.otlp import collecting

pytestmark = pytest.mark.slow

STRONGROOM = str(Path(sys.executable).parent / "strongroom")


@contextlib.asynccontextmanager
async def _server(env: dict[str, str], tmp_path: Path) -> AsyncIterator[tuple[str, int]]:
    """`strongroom serve` in a process of its own; yields its URL and pid."""
    process = await asyncio.create_subprocess_exec(
        STRONGROOM,
        *("serve", "--port", "0", "--grpc-port", "0"),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        found = re.search(r"http://[\d.]+:\d+", line)
        assert found is not None, line
        url = found.group(0)
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield url, process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


def _transfer(debit: str, credit: str, amount: int = 1) -> dict[str, object]:
    return {
        "id": str(uuid.uuid4()),
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount": amount,
        "ledger": "EUR",
        "code": 1,
    }


async def _audited_transfers(platform: Platform) -> dict[str, str | None]:
    """entity id -> trace id of every `ledger.transfer.created` in the audit log."""
    log = await platform.audit_log()
    found: dict[str, str | None] = {}
    after = 0
    while entries := await log.read_entries(after_seq=after):
        for entry in entries:
            if entry.event_type == "ledger.transfer.created" and entry.entity_id:
                found[entry.entity_id] = entry.trace_id
        after = entries[-1].seq
    return found


async def _until(check: object, seconds: float) -> None:
    assert callable(check)
    for _ in range(int(seconds / 0.1)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s")


@pytest.fixture(params=["postgresql+jetstream", "sqlite"])
async def deployment(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """The settings of a deployment: PostgreSQL with JetStream, or the embedded set-up (SQLite,
    the in-process bus)."""
    if request.param == "sqlite":
        yield {"db_url": f"sqlite:///{tmp_path}/strongroom.db"}
        return
    suffix = uuid.uuid4().hex[:10]
    async with fresh_pg_schema() as pg_url:
        yield {
            "db_url": pg_url,
            "nats_url": server_url("STRONGROOM_TEST_NATS_URL", "NATS"),
            "nats_stream": f"SRTEST_{suffix.upper()}",
            "event_prefix": f"t{suffix}",
        }


async def test_serve_runs_the_whole_platform_and_survives_kill_9(
    deployment: dict[str, str], tmp_path: Path
) -> None:
    options = deployment
    env = {
        **os.environ,
        **{f"STRONGROOM_{name.upper()}": value for name, value in options.items()},
        "STRONGROOM_SNAPSHOT_INTERVAL": "0.5",
        "STRONGROOM_KEY_FILE": str(tmp_path / "test.keys"),
    }
    settings = load_settings(**options, key_file=tmp_path / "test.keys")
    async with Platform(settings) as platform:
        token = (await (await platform.access()).create("acme", Role.WRITE)).token
    headers = {"Authorization": f"Bearer {token}"}
    hot, *others = [str(uuid.uuid4()) for _ in range(9)]

    traces: dict[str, str] = {}
    async with collecting() as (collector, endpoint):
        traced = {**env, "STRONGROOM_OTLP_ENDPOINT": endpoint}
        async with _server(traced, tmp_path) as (url, _):
            await _first_run(url, headers, hot, others, settings, traces)
        # Stopped with SIGTERM: the server flushed its spans on the way out.
        spans = collector.spans()
    by_trace: dict[str, set[str]] = {}
    for span in spans:
        by_trace.setdefault(span.trace_id.hex(), set()).add(span.name)
    # One trace per request: its server span, its service span, and what followed.
    for trace in traces.values():
        assert {"POST /v1/transfers", "ledger.create_transfers"} <= by_trace[trace], trace
    request_traces = [by_trace[t] for t in traces.values()]
    for downstream in ("ledger.batch", "ledger.write", "outbox.publish", "events.consume"):
        assert any(downstream in names for names in request_traces), downstream
    # Connected: every parent a span names was exported too, but a server span's, which is the
    # caller's (the X-Request-Id it sent is the trace it continues).
    exported = {span.span_id for span in spans}
    orphans = {
        span.name
        for span in spans
        if span.parent_span_id
        and span.parent_span_id not in exported
        and span.kind != otlp_trace.Span.SpanKind.SPAN_KIND_SERVER
    }
    assert not orphans, orphans

    acknowledged: set[str] = set()
    async with _server(env, tmp_path) as (url, pid), httpx.AsyncClient(headers=headers) as client:
        stop = asyncio.Event()

        async def load(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                body = _transfer(hot if n % 2 else others[worker], others[(worker + 1) % 8])
                try:
                    answer = await client.post(f"{url}/v1/transfers", json={"transfers": [body]})
                except httpx.TransportError:
                    return
                if answer.status_code == 200 and answer.json()["results"][0]["result"] == "ok":
                    acknowledged.add(str(body["id"]))

        loaders = [asyncio.create_task(load(w)) for w in range(8)]
        await asyncio.sleep(1.5)
        os.kill(pid, signal.SIGKILL)
        await asyncio.gather(*loaders)
        stop.set()
    assert len(acknowledged) > 50

    async with _server(env, tmp_path) as (url, _), httpx.AsyncClient(headers=headers) as client:
        for transfer_id in acknowledged:
            found = await client.get(f"{url}/v1/transfers/{transfer_id}")
            assert found.status_code == 200, f"acknowledged transfer {transfer_id} lost"
        async with Platform(settings) as reader:

            async def relayed() -> bool:
                waiting = (await (await reader.outbox()).status()).waiting
                return waiting == 0 and acknowledged <= set(await _audited_transfers(reader))

            await _until(relayed, 90)
            ledger = await reader.ledger()
            assert (await ledger.check_invariants()).ok


async def _first_run(
    url: str,
    headers: dict[str, str],
    hot: str,
    others: list[str],
    settings: Settings,
    traces: dict[str, str],
) -> None:
    """Transfers over HTTP, each request under a trace id of its own (`traces`: transfer id ->
    trace id); then the audit log, a snapshot and the metrics are checked."""
    async with httpx.AsyncClient(headers=headers) as client:
        accounts = [{"id": a, "ledger": "EUR", "code": 1} for a in (hot, *others)]
        created = await client.post(f"{url}/v1/accounts", json={"accounts": accounts})
        assert created.status_code == 200, created.text

        async def send(n: int) -> None:
            # Half the transfers touch the hot account: contention to measure.
            debit = hot if n % 2 else others[n % len(others)]
            body = _transfer(debit, others[(n + 1) % len(others)])
            trace = uuid.uuid4().hex
            answer = await client.post(
                f"{url}/v1/transfers", json={"transfers": [body]}, headers={"X-Request-Id": trace}
            )
            assert answer.json()["results"][0]["result"] == "ok", answer.text
            traces[str(body["id"])] = trace

        for start in range(0, 200, 20):
            await asyncio.gather(*(send(n) for n in range(start, start + 20)))
        # Batches where the hot account is in at least 16 transfers: it is locked as hot, and
        # its contention is measured.
        for _ in range(5):
            bulk = [_transfer(hot, others[n % len(others)]) for n in range(20)]
            answer = await client.post(f"{url}/v1/transfers", json={"transfers": bulk})
            assert answer.status_code == 200, answer.text

        async with Platform(settings) as reader:

            async def all_audited() -> bool:
                return set(traces) <= set(await _audited_transfers(reader))

            await _until(all_audited, 30)
            # One trace per request: each transfer's event carries its own request's trace id.
            audited = await _audited_transfers(reader)
            assert {audited[t] for t in traces} == set(traces.values())
            assert all(audited[t] == traces[t] for t in traces)

            async def snapshot_taken() -> bool:
                return await (await reader.snapshots()).latest() is not None

            await _until(snapshot_taken, 30)

        metrics = (await client.get(f"{url}/metrics")).text
        assert f'strongroom_ledger_account_batches_total{{account="{hot}"}}' in metrics
        assert "strongroom_ledger_lock_wait_seconds_count" in metrics
        assert 'strongroom_component_up{component="relay"} 1.0' in metrics
        assert 'strongroom_component_up{component="audit"} 1.0' in metrics
        assert "strongroom_relay_lag_seconds" in metrics
        assert 'strongroom_consumer_pending_events{consumer="audit"}' in metrics
        ready = (await client.get(f"{url}/readyz")).json()
        assert {c["name"] for c in ready["components"]} >= {"audit", "relay", "snapshots"}
