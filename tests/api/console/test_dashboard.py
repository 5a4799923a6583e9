"""The dashboard: its figures from the process's metrics (percentiles against a brute-force
model, rates over a window), and the page itself, which lists only the tenant's hot accounts."""

from __future__ import annotations

import math
import uuid

import httpx
from hypothesis import given
from hypothesis import strategies as st

from strongroom.api.console.figures import Window, percentile
from strongroom.api.http.metrics import LATENCY_BUCKETS
from strongroom.bootstrap.platform import Platform
from strongroom.ledger import Transfer
from tests.api.console.conftest import sign_in
from tests.workflows.conftest import open_accounts

BOUNDS = (*LATENCY_BUCKETS, math.inf)


def _bucketed(observations: list[float]) -> dict[float, float]:
    return {b: float(sum(1 for o in observations if o <= b)) for b in BOUNDS}


@given(
    st.lists(st.floats(0.0, 10.0, allow_nan=False), min_size=1, max_size=200),
    st.sampled_from([0.5, 0.95, 0.99]),
)
def test_a_percentile_is_the_bound_of_the_bucket_holding_that_observation(
    observations: list[float], q: float
) -> None:
    ranked = sorted(observations)
    kth = ranked[max(1, math.ceil(q * len(ranked) - 1e-9)) - 1]
    expected = min(b for b in BOUNDS if kth <= b)
    assert percentile(_bucketed(observations), q) == expected


def test_no_observation_has_no_percentile() -> None:
    assert percentile({}, 0.5) is None
    assert percentile(dict.fromkeys(BOUNDS, 0.0), 0.5) is None


def _samples(
    transfers: float, latencies: list[float]
) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        "strongroom_ledger_transfers_total": [({}, transfers)],
        "strongroom_http_request_duration_seconds_bucket": [
            ({"le": "+Inf" if math.isinf(b) else repr(b), "route": "/v1/transfers"}, n)
            for b, n in _bucketed(latencies).items()
        ],
    }


def test_a_window_gives_the_rate_and_percentiles_between_its_samples() -> None:
    window = Window(keep=600, every=1)
    assert window.rates(60) is None
    window.add(0.0, _samples(1_000, [0.2] * 50))
    window.add(0.5, _samples(5_000, [0.2] * 60))  # under a second after the last: not kept
    window.add(10.0, _samples(51_000, [0.2] * 50 + [0.004] * 98 + [0.3, 0.3]))
    rates = window.rates(60)
    assert rates is not None
    assert rates.seconds == 10.0
    assert rates.transfers_per_second == 5_000
    # Only the 100 requests of the window count, not the 50 slow ones before it.
    assert (rates.p50, rates.p95, rates.p99) == (0.005, 0.005, 0.5)
    assert window.series() == [(0.0, 5_000.0)]


async def test_the_dashboard_shows_the_tenants_hot_accounts_and_refreshes(
    browser: httpx.AsyncClient, platform: Platform
) -> None:
    ours = await open_accounts(platform, 2, overdraft=True)
    theirs = await open_accounts(platform, 2, tenant="globex", overdraft=True)
    ledger = await platform.ledger()
    # 40 transfers in one batch: over the ledger's hot_min, so both accounts are hot in it.
    for debit, credit in (ours, theirs):
        transfers = [
            Transfer(
                id=uuid.uuid4(),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=100,
                ledger="EUR",
                code=1,
            )
            for _ in range(40)
        ]
        await ledger.create_transfers(transfers)
    await sign_in(browser, platform)
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert 'data-poll="/console/dashboard/live"' in home.text
    assert str(ours[0]) in home.text
    assert str(theirs[0]) not in home.text
    live = await browser.get("/console/dashboard/live")
    assert live.status_code == 200
    assert "<html" not in live.text
    assert "Transfers per second" in live.text
