"""The HTTP load generator behind `strongroom bench-http`, against a real server."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from strongroom.bench import http_load as loadgen
from tests.api.served import ServedApi


@pytest.mark.parametrize(("mode", "size"), [("single", 1), ("batch", 50)])
async def test_the_load_generator_counts_what_the_server_applied(
    sqlite_url: str, mode: str, size: int
) -> None:
    with ServedApi(sqlite_url, tenant="bench") as served:
        outcome = await loadgen.run(served.url, served.token, mode, 4, size, seconds=1.0)
    assert outcome.requests > 0
    assert outcome.failed_requests == outcome.failed_transfers == 0
    assert outcome.transfers == outcome.requests * size
    assert 0 < outcome.p50_ms <= outcome.p99_ms
    assert served.invariants_ok


def test_bodies_pair_distinct_accounts_under_unique_ids() -> None:
    accounts = [f"account-{i}" for i in range(5)]
    body = json.loads(loadgen._transfers_body(random.Random(7), accounts, 2000))
    transfers = body["transfers"]
    assert len({t["id"] for t in transfers}) == len(transfers)
    assert all(t["debit_account_id"] != t["credit_account_id"] for t in transfers)
    pairs = {(t["debit_account_id"], t["credit_account_id"]) for t in transfers}
    assert len(pairs) == 5 * 4  # every ordered pair of distinct accounts occurs


async def test_a_server_that_stops_answering_fails_the_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def accept_and_ignore(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up

    server = await asyncio.start_server(accept_and_ignore, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(loadgen, "_GRACE_SECONDS", 0.5)
    async with server:
        with pytest.raises(TimeoutError):
            await loadgen.run(f"http://127.0.0.1:{port}", "key", "single", 2, 1, seconds=0.5)
