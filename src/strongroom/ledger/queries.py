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
from strongroom.ledger.rules import CODE_MAX
from strongroom.ledger.types import AccountStatus

#: The largest seq or timestamp a database column holds (signed 64-bit).
INT64_MAX: Final = 2**63 - 1

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
    seq = int.from_bytes(raw, "big") if len(raw) == 8 else -1
    if not 0 <= seq <= INT64_MAX:
        raise ValidationError("cursor", "malformed cursor")
    return seq


def _check_limit(limit: int) -> None:
    if type(limit) is not int or not 1 <= limit <= PAGE_MAX:
        raise ValidationError("limit", f"must be an integer from 1 to {PAGE_MAX}")


def _check_bounds(query: object, names: tuple[str, ...], largest: int) -> None:
    # The databases store these as signed 64-bit integers (codes as 16-bit): a larger bound
    # would match nothing, and PostgreSQL refuses it instead of answering so.
    for name in names:
        value = getattr(query, name)
        if value is not None and not 0 <= value <= largest:
            raise ValidationError(name, f"must be from 0 to {largest}")


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
        _check_bounds(self, ("seq_min", "seq_max", "timestamp_min", "timestamp_max"), INT64_MAX)
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
        _check_bounds(self, ("code",), CODE_MAX)
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
        _check_bounds(self, ("code",), CODE_MAX)
        if self.cursor is not None:
            try:
                object.__setattr__(self, "after", uuid.UUID(self.cursor))
            except ValueError:
                raise ValidationError("cursor", "malformed cursor") from None
