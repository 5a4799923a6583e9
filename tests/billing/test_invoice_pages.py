"""Listing invoices a page at a time: every invoice once, oldest period first then by subject,
whatever the page size; a cursor not given by the listing and a limit out of range are refused
with the field named."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strongroom.billing.ports import InvoiceRecord, InvoiceStatus
from strongroom.billing.service import MAX_PAGE
from strongroom.bootstrap.platform import Platform
from strongroom.errors import ValidationError
from strongroom.events.schemas import encode_batch
from strongroom.services.access import Role
from tests.banking.conftest import key

TENANT = "acme"
MONTHS = ("2026-09-01", "2026-10-01", "2026-11-01")
# Lower-case letters and digits: ordered alike by any collation the database may use.
SUBJECTS = ("b", "a", "c1", "d")


def record(subject: str, start: str, tenant: str = TENANT) -> InvoiceRecord:
    return InvoiceRecord(
        id=uuid.uuid4(),
        tenant=tenant,
        subject=subject,
        period_start=start,
        period_end="2026-12-01",
        currency="SGD",
        status=InvoiceStatus.ISSUED,
        body={},
        total=100,
        created_at=1,
    )


@pytest.fixture
async def listed(platform: Platform) -> list[InvoiceRecord]:
    """Twelve invoices of the tenant, and one of another tenant that no page shows."""
    made = [record(s, m) for m in reversed(MONTHS) for s in SUBJECTS]
    made.append(record("a", MONTHS[0], tenant="other"))
    store = await platform.billing_store()
    assert len(await store.add_invoices(made, [], encode_batch([]))) == len(made)
    return sorted(
        (i for i in made if i.tenant == TENANT), key=lambda i: (i.period_start, i.subject)
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(limit=st.integers(min_value=1, max_value=14), status=st.sampled_from([None, "issued"]))
async def test_pages_hold_every_invoice_once_in_order(
    platform: Platform, listed: list[InvoiceRecord], limit: int, status: str | None
) -> None:
    billing = await platform.billing()
    ops = await key(platform, Role.READ, "ops")
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(len(listed) + 1):
        page, cursor = await billing.billing.invoices(
            ops, status=status, cursor=cursor, limit=limit
        )
        assert len(page) <= limit
        seen += [i.id for i in page]
        if cursor is None:
            break
        assert len(page) == limit
    assert cursor is None, "the pages never ended"
    assert seen == [i.id for i in listed]


async def test_one_subjects_pages(platform: Platform, listed: list[InvoiceRecord]) -> None:
    billing = await platform.billing()
    ops = await key(platform, Role.READ, "ops")
    first, cursor = await billing.billing.invoices(ops, "a", limit=2)
    rest, end = await billing.billing.invoices(ops, "a", cursor=cursor, limit=2)
    assert [i.period_start for i in first + rest] == list(MONTHS)
    assert (len(rest), end) == (1, None)
    # Any well-formed cursor is a place in the order, past the end at worst.
    assert await billing.billing.invoices(ops, cursor="9999-99-99~z") == ([], None)
    middle, _ = await billing.billing.invoices(ops, cursor="2026-10-01~b", limit=2)
    assert [(i.period_start, i.subject) for i in middle] == [(MONTHS[1], "c1"), (MONTHS[1], "d")]


@pytest.mark.parametrize(
    ("cursor", "limit", "field"),
    [
        ("not-a-cursor", 10, "cursor"),
        ("2026-10-01", 10, "cursor"),
        ("2026-10-01~", 10, "cursor"),
        ("2026-10-01~a\x00b", 10, "cursor"),
        ("2026-10-01~" + "a" * 201, 10, "cursor"),
        (None, 0, "limit"),
        (None, MAX_PAGE + 1, "limit"),
    ],
)
async def test_a_cursor_or_limit_the_listing_did_not_give_is_refused(
    platform: Platform, cursor: str | None, limit: int, field: str
) -> None:
    billing = await platform.billing()
    ops = await key(platform, Role.READ, "ops")
    with pytest.raises(ValidationError) as refused:
        await billing.billing.invoices(ops, cursor=cursor, limit=limit)
    assert refused.value.field == field
