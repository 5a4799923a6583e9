"""The statement's benchmark behind `strongroom bench statements`: `GET
/v1/banking/accounts/{id}/statement` of an account with `movements` posted movements in the
period, over HTTP on a throwaway database; the latency of `requests` sequential requests (JSON,
or CSV with `format`)."""

from __future__ import annotations

import datetime
import json
import time
import uuid
from dataclasses import asdict, dataclass, field

import aiohttp

from strongroom.api.server import serving
from strongroom.bench.ledger import percentile
from strongroom.bench.payments import TENANT, open_accounts
from strongroom.bench.sample_bank import CURRENCY
from strongroom.bench.scratch import throwaway_database
from strongroom.bootstrap import Platform
from strongroom.ledger import Account, Transfer
from strongroom.ledger.rules import BATCH_MAX
from strongroom.services.access import Role
from strongroom.settings import Settings


@dataclass(frozen=True, slots=True)
class StatementBenchConfig:
    postgres: str | None = None
    movements: int = 10_000
    requests: int = 50
    format: str = "json"


@dataclass(slots=True)
class StatementBenchResult:
    movements: int = 0
    requests: int = 0
    bytes: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


async def run_statement_bench(config: StatementBenchConfig) -> StatementBenchResult:
    async with throwaway_database(config.postgres) as url:
        settings = Settings(db_url=url, rate_limit_per_key=0, rate_limit_per_tenant=0)
        async with Platform(settings, migrate=False) as platform:
            await (await platform.intent_engine()).start()
            (account,) = await open_accounts(platform, 1, funded=False)
            ledger = await platform.ledger()
            other = uuid.uuid4()
            await ledger.create_accounts(
                [Account(id=other, ledger=CURRENCY, code=9, tenant=TENANT)]
            )
            moves = [
                Transfer(
                    uuid.uuid4(),
                    other,
                    uuid.UUID(account),
                    100 + n % 900,
                    CURRENCY,
                    9,
                    tenant=TENANT,
                )
                for n in range(config.movements)
            ]
            for start in range(0, len(moves), BATCH_MAX):
                await ledger.create_transfers(moves[start : start + BATCH_MAX])
            services = await platform.services()
            token = (await services.access.create(TENANT, Role.READ, "bench-statement")).token
            today = datetime.datetime.now(datetime.UTC).date()
            period = (
                f"from={today - datetime.timedelta(days=1)}&to={today + datetime.timedelta(days=1)}"
            )
            path = f"/v1/banking/accounts/{account}/statement?{period}&format={config.format}"
            latencies: list[float] = []
            size = 0
            async with (
                serving(
                    services.ledger_service,
                    services.access,
                    banking=services.banking,
                    port=0,
                    grpc_port=None,
                ) as servers,
                aiohttp.ClientSession(
                    servers.http_url, headers={"Authorization": f"Bearer {token}"}
                ) as client,
            ):
                for n in range(config.requests + 3):
                    started = time.perf_counter()
                    async with client.get(path) as response:
                        response.raise_for_status()
                        body = await response.read()
                    # The first requests warm the connection and the caches.
                    if n >= 3:
                        latencies.append(time.perf_counter() - started)
                        size = len(body)
    samples = [(value * 1000, 1) for value in latencies]
    return StatementBenchResult(
        movements=config.movements,
        requests=len(latencies),
        bytes=size,
        latency_ms={
            name: percentile(samples, q)
            for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0))
        },
    )
