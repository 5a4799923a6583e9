"""The listings' typed requests: validated once, when built, with the field named."""

from __future__ import annotations

import pytest

from strongroom.errors import ValidationError
from strongroom.ids import new_id
from strongroom.ledger import PAGE_MAX, AccountFilter, AccountStatus, HistoryQuery, TransferQuery
from strongroom.ledger.queries import decode_cursor, encode_cursor


def test_a_cursor_is_decoded_once_into_the_seq_it_continues_after() -> None:
    query = TransferQuery(new_id(), cursor=encode_cursor(2**40 + 7), reverse=True)
    assert query.after_seq == 2**40 + 7
    assert HistoryQuery(new_id()).after_seq is None
    assert decode_cursor(encode_cursor(0)) == 0


def test_an_account_cursor_is_the_last_id() -> None:
    last = new_id()
    assert AccountFilter(cursor=str(last)).after == last
    assert AccountFilter(status=AccountStatus.OPEN).after is None


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TransferQuery(new_id(), direction="sideways"), "direction"),  # type: ignore[arg-type]
        (lambda: TransferQuery(new_id(), limit=0), "limit"),
        (lambda: HistoryQuery(new_id(), limit=PAGE_MAX + 1), "limit"),
        (lambda: HistoryQuery(new_id(), limit=True), "limit"),
        (lambda: TransferQuery(new_id(), cursor="%%%"), "cursor"),
        (lambda: HistoryQuery(new_id(), cursor="AAAA"), "cursor"),
        (lambda: AccountFilter(limit=-1), "limit"),
        (lambda: AccountFilter(cursor="not-an-id"), "cursor"),
        # Past what the databases' columns hold: PostgreSQL would refuse the query.
        (lambda: TransferQuery(new_id(), cursor=encode_cursor(2**63)), "cursor"),
        (lambda: TransferQuery(new_id(), code=65536), "code"),
        (lambda: TransferQuery(new_id(), seq_min=-1), "seq_min"),
        (lambda: HistoryQuery(new_id(), timestamp_max=2**63), "timestamp_max"),
        (lambda: AccountFilter(code=2**31), "code"),
    ],
)
def test_bad_input_names_its_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == field


def test_only_the_account_is_positional() -> None:
    with pytest.raises(TypeError):
        TransferQuery(new_id(), "debits")  # type: ignore[misc]
