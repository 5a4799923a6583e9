"""The HTTP load generator `strongroom bench-http` runs in a separate process.

`python -m strongroom.bench.http_load --url URL --key KEY --mode single|batch ...` sets up its own
accounts through the API, drives the server for `--seconds`, and prints one JSON line of
results. Bodies are pre-encoded bytes so that the generator spends its CPU on HTTP, not on
building JSON. The client is aiohttp: httpx spent ~4.5 ms of CPU per request here, which made
the generator, not the server, the limit (aiohttp: ~0.3 ms; measured when this was decided).

The generator shares the machine with the server, so what it spends per request beyond HTTP
is kept small: no cookie jar, one deadline for the whole run instead of a timer per request,
responses decoded by msgspec into the one field it checks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from dataclasses import asdict, dataclass

import aiohttp
import msgspec

_CUSTOMERS = 1000
#: How long past its measured seconds a run may take before it fails: a server that stops
#: answering fails the benchmark instead of hanging it.
_GRACE_SECONDS = 30.0


class _Result(msgspec.Struct):
    result: str


class _Results(msgspec.Struct):
    results: list[_Result]


_decode_results = msgspec.json.Decoder(_Results).decode


@dataclass
class Outcome:
    mode: str
    clients: int
    batch: int
    seconds: float
    requests: int
    transfers: int
    failed_requests: int
    failed_transfers: int
    requests_per_s: float
    transfers_per_s: float
    p50_ms: float
    p99_ms: float
    p999_ms: float


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, int(fraction * len(sorted_values)))
    return sorted_values[index] * 1000


def _transfers_body(rng: random.Random, accounts: list[str], n: int) -> bytes:
    items = []
    for _ in range(n):
        # Two distinct accounts, uniformly (what rng.sample(accounts, 2) does, at a third of
        # its cost).
        d = rng.randrange(len(accounts))
        c = rng.randrange(len(accounts) - 1)
        debit, credit = accounts[d], accounts[c + (c >= d)]
        items.append(
            f'{{"id":"{uuid.uuid4()}","debit_account_id":"{debit}",'
            f'"credit_account_id":"{credit}","amount":{rng.randint(1, 10_000)},'
            f'"ledger":"USD","code":1}}'
        )
    return ('{"transfers":[' + ",".join(items) + "]}").encode()


async def _setup(session: aiohttp.ClientSession) -> list[str]:
    """Accounts without limits, so that every transfer the benchmark sends succeeds."""
    ids = [str(uuid.uuid4()) for _ in range(_CUSTOMERS)]
    body = {"accounts": [{"id": i, "ledger": "USD", "code": 1} for i in ids]}
    async with session.post("/v1/accounts", json=body) as response:
        response.raise_for_status()
    return ids


async def run(url: str, key: str, mode: str, clients: int, batch: int, seconds: float) -> Outcome:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with asyncio.timeout(seconds + _GRACE_SECONDS):
        return await _drive(url, headers, mode, clients, batch, seconds)


async def _drive(
    url: str, headers: dict[str, str], mode: str, clients: int, batch: int, seconds: float
) -> Outcome:
    async with aiohttp.ClientSession(url, headers=headers) as session:
        accounts = await _setup(session)
    rng = random.Random(1)
    size = 1 if mode == "single" else batch
    # Distinct ids per request: every request is a new write, never an idempotent replay.
    latencies: list[float] = []
    counts = {"requests": 0, "failed_requests": 0, "failed_transfers": 0}
    warmup_until = time.perf_counter() + min(1.0, seconds / 5)
    stop_at = warmup_until + seconds

    async def worker() -> None:
        # One keep-alive connection per client, as 64 independent callers would have.
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(
            url,
            headers=headers,
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None),
            cookie_jar=aiohttp.DummyCookieJar(),
        ) as own:
            while True:
                body = _transfers_body(rng, accounts, size)
                started = time.perf_counter()
                if started >= stop_at:
                    return
                async with own.post("/v1/transfers", data=body) as response:
                    status = response.status
                    raw = await response.read()
                done = time.perf_counter()
                if started < warmup_until:
                    continue
                latencies.append(done - started)
                counts["requests"] += 1
                if status != 200:
                    counts["failed_requests"] += 1
                    continue
                results = _decode_results(raw).results
                counts["failed_transfers"] += sum(r.result != "ok" for r in results)

    await asyncio.gather(*(worker() for _ in range(clients)))
    latencies.sort()
    requests = counts["requests"]
    transfers = (requests - counts["failed_requests"]) * size
    return Outcome(
        mode=mode,
        clients=clients,
        batch=size,
        seconds=seconds,
        requests=requests,
        transfers=transfers,
        failed_requests=counts["failed_requests"],
        failed_transfers=counts["failed_transfers"],
        requests_per_s=requests / seconds,
        transfers_per_s=transfers / seconds,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        p999_ms=_percentile(latencies, 0.999),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True, help="an API key with the write role")
    parser.add_argument("--mode", choices=["single", "batch"], default="single")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        outcome = runner.run(
            run(args.url, args.key, args.mode, args.clients, args.batch, args.seconds)
        )
    print(json.dumps(asdict(outcome)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
