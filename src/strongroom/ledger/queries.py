"""The ledger's listings as typed requests: an account's transfers (`TransferQuery`), an
account's balance history (`HistoryQuery`) and the accounts themselves (`AccountFilter`).

A transport (HTTP, gRPC, the CLI) builds one from its input; it is validated here, once, when
it is built, and travels unchanged through the services and the ledger to the store, whose SQL
applies every filter. Paging is by cursor: the ledger answers a `Page` whose `next_cursor`,
passed back in the same query, continues where the page ended.

May import strongroom.errors and the ledger's types; never the store, services, api or cli.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import KW_ONLY, dataclass, field
from typing import Final, Literal

from strongroom.errors import ValidationError
from strongroom.ledger.types import AccountStatus

Direction = Literal["debits", "credits", "both"]

#: The largest page: the most items a listing returns at once.
PAGE_MAX: Final = 8190

_DIRECTIONS: Final = ("debits", "credits", "both")


def encode_cursor(seq: int) -> str:
    """The cursor continuing after the entry numbered `seq`: opaque to clients."""
    return base64.urlsafe_b64encode(seq.to_bytes(8, "big")).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raise ValidationError("cursor", "malformed cursor") from None
    if len(raw) != 8:
        raise ValidationError("cursor", "malformed cursor")
    return int.from_bytes(raw, "big")


def _check_limit(limit: int) -> None:
    if type(limit) is not int or not 1 <= limit <= PAGE_MAX:
        raise ValidationError("limit", f"must be an integer from 1 to {PAGE_MAX}")


@dataclass(frozen=True, slots=True)
class AccountRange:
    """What both of an account's logs are read by: inclusive `seq` and `timestamp` (ns)
    bounds, in `seq` order (newest first with `reverse`), `limit` entries a page."""

    account_id: uuid.UUID
    _: KW_ONLY
    seq_min: int | None = None
    seq_max: int | None = None
    timestamp_min: int | None = None
    timestamp_max: int | None = None
    limit: int = 100
    reverse: bool = False
    #: `next_cursor` of the page before, to continue after it.
    cursor: str | None = None
    #: The seq the cursor continues after (exclusive), decoded once.
    after_seq: int | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        if self.cursor:
            object.__setattr__(self, "after_seq", decode_cursor(self.cursor))


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferQuery(AccountRange):
    """The transfers that debit (`debits`), credit (`credits`) or either (`both`) one account,
    optionally of one `code`."""

    direction: Direction = "both"
    code: int | None = None

    def __post_init__(self) -> None:
        if self.direction not in _DIRECTIONS:
            raise ValidationError("direction", "must be debits, credits or both")
        AccountRange.__post_init__(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryQuery(AccountRange):
    """An account's counters after each change (accounts with the `history` flag)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountFilter:
    """Accounts in id order, optionally only those of one `ledger`, `code` or `status`. The
    tenant is not part of it: the caller's scope is the service's to set, never a request's."""

    ledger: str | None = None
    code: int | None = None
    status: AccountStatus | None = None
    limit: int = 100
    #: `next_cursor` of the page before: the id of its last account.
    cursor: str | None = None
    #: The id the cursor continues after (exclusive), parsed once.
    after: uuid.UUID | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        if self.cursor is not None:
            try:
                object.__setattr__(self, "after", uuid.UUID(self.cursor))
            except ValueError:
                raise ValidationError("cursor", "malformed cursor") from None
