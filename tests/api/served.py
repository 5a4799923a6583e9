"""A real API server (uvicorn on a loopback port) running in a thread with its own event loop,
for tests whose client is synchronous (schemathesis) or lives in another process.

The loop is uvloop, as under `strongroom serve`.
"""

from __future__ import annotations

import asyncio
import threading

import uvloop

from strongroom.api.server import serving
from strongroom.bootstrap import Platform
from strongroom.services.access import Role
from strongroom.settings import load_settings


class ServedApi:
    def __init__(self, db_url: str, tenant: str = "fuzz", role: Role = Role.ADMIN) -> None:
        self._db_url = db_url
        self._tenant = tenant
        self._role = role
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=uvloop.run, args=(self._main(),), daemon=True)
        self.url = ""
        self.token = ""
        self.invariants_ok = False

    def __enter__(self) -> ServedApi:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the API server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    async def _main(self) -> None:
        settings = load_settings(db_url=self._db_url, sweep_interval=0)
        async with Platform(settings) as platform:
            services = await platform.services()
            access = services.access
            async with serving(
                services.ledger_service,
                access,
                intents=services.intents,
                compliance=services.compliance,
                cases=services.cases,
                banking=services.banking,
                billing=services.billing,
                port=0,
                grpc_port=None,
            ) as servers:
                self.token = (await access.create(self._tenant, self._role)).token
                self.url = servers.http_url
                self._ready.set()
                await asyncio.to_thread(self._stop.wait)
            self.invariants_ok = (await services.ledger.check_invariants()).ok
