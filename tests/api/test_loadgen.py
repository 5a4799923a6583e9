"""The HTTP load generator behind `strongroom bench-http`, against a real server."""

from __future__ import annotations

import pytest

from strongroom.api import loadgen
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
