"""Property: whatever stream of events is priced and posted, the ledger's totals are conserved
and every charge that was posted is exactly what its quote said."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.bootstrap import open_ledger
from strongroom.ids import new_id
from strongroom.ledger import CreateTransferResult, Transfer
from strongroom.products.definitions import load_product
from strongroom.products.errors import LimitExceeded
from strongroom.products.events import OUTFLOWS, Event, EventKind, Usage
from strongroom.products.posting import post_quote
from strongroom.products.quote import quote

from .ledgerkit import balances, deposit, open_accounts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"
PRODUCT = load_product(EXAMPLES / "everyday-v1.yaml")
MOVEMENTS = [EventKind.INCOMING_PAYMENT, *sorted(OUTFLOWS)]

streams = st.lists(
    st.tuples(st.sampled_from(MOVEMENTS), st.integers(1, 700_000), st.integers(1, 3)),
    min_size=1,
    max_size=12,
)


async def replay(url: str, stream: list[tuple[EventKind, int, int]]) -> None:
    ledger = await open_ledger(url, sweep_interval=None)
    try:
        settlement, (customer,) = await open_accounts(ledger, PRODUCT)
        await deposit(ledger, settlement, customer, 300_000, "SGD")
        expected_balance, fees, taxes, usage = 300_000, 0, 0, Usage()
        for kind, amount, day in stream:
            event = Event(kind, amount, "SGD", date(2026, 3, day), expected_balance)
            q = quote(PRODUCT, event, usage)
            if kind in OUTFLOWS:
                movement = Transfer(new_id(), customer, settlement, amount, "SGD", code=10)
            else:
                movement = Transfer(new_id(), settlement, customer, amount, "SGD", code=11)
            try:
                posted = await post_quote(
                    ledger, q, customer_account_id=customer, movement=movement
                )
            except LimitExceeded:
                assert not q.allowed
                continue
            if posted.succeeded:
                expected_balance += (-amount if kind in OUTFLOWS else amount) - q.total_charged
                fees += q.total_fees
                taxes += q.total_taxes
                usage = usage.record(event)
            else:  # all or nothing: the movement fails with its charges
                assert not any(r.succeeded for r in posted.results)
                assert posted.failure is CreateTransferResult.EXCEEDS_CREDITS
        ids = [settlement, customer, *PRODUCT.accounts.values()]
        accounts = await balances(ledger, ids)
        assert accounts[customer].balance == expected_balance
        assert accounts[customer].balance >= 0  # the deposit account never went negative
        assert accounts[PRODUCT.accounts["fee_income"]].credits_posted == fees
        assert accounts[PRODUCT.accounts["tax_payable"]].credits_posted == taxes
        debits = sum(a.debits_posted for a in accounts.values())
        credits = sum(a.credits_posted for a in accounts.values())
        assert debits == credits >= 300_000
    finally:
        await ledger.close()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams)
def test_posting_conserves_totals_and_posts_exactly_the_quote(
    stream: list[tuple[EventKind, int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        asyncio.run(replay(f"sqlite:///{directory}/ledger.db", stream))
