"""An account's outgoing activity this business day and month, read from the ledger, so that a
payment's limits and free allowances are decided on what really moved, never on what a caller
says moved.

A payment reserves its principal as a pending transfer and then posts or voids it; a void copies
the pending transfer. What counts is every pending principal not voided (held or posted) and
every single-phase principal: posts are the same money as their pending transfer and count
nothing more.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

from strongroom.banking import codes
from strongroom.days import day_start, month_start
from strongroom.ledger import Ledger
from strongroom.products.events import EventKind, Tally, Usage

#: The ledger codes of a customer's own outgoing movements, and the product event that prices
#: each: what limits and free allowances count.
OUTGOING: Mapping[int, EventKind] = MappingProxyType(
    {
        codes.PAYMENT: EventKind.TRANSFER_OUT,
        codes.CARD: EventKind.CARD_WITHDRAWAL,
        codes.FX: EventKind.FX_CONVERSION,
    }
)


async def outgoing_usage(
    ledger: Ledger, account_id: uuid.UUID, day: date, kinds: Mapping[int, EventKind]
) -> Usage:
    """The tallies of `account_id`'s debits on `day` and in its month, per event kind, for the
    transfer codes in `kinds` (code -> the product event kind it prices), added up by the
    ledger's database (Ledger.debit_activity: a void takes its pending transfer back)."""
    daily: dict[EventKind, Tally] = {}
    monthly: dict[EventKind, Tally] = {}
    activity = await ledger.debit_activity(
        account_id, codes=sorted(kinds), since=month_start(day), split=day_start(day)
    )
    for part in activity:
        kind = kinds[part.code]
        for tally in (monthly, daily) if part.recent else (monthly,):
            before = tally.get(kind, Tally())
            tally[kind] = Tally(before.count + part.count, before.amount + part.amount)
    return Usage(day, MappingProxyType(daily), MappingProxyType(monthly))
