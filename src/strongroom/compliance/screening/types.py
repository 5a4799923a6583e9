"""What a screening is asked and what it answers; the contract between the screener and its users
(the rule engine's counterparty check, the local KYC provider)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

import msgspec


class NameQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A person or organisation to screen. Birth date and country only break ties: a listed
    entry whose birth date or country differs scores lower, one that agrees scores higher."""

    name: str
    birth_date: date | None = None
    #: ISO 3166-1 alpha-2.
    country: str | None = None


class Hit(msgspec.Struct, frozen=True, kw_only=True):
    """One listed entry that matched, with how well. `score` is 0-100 (100: the same name after
    normalisation, tie-breakers agreeing)."""

    list_name: str
    #: The list's own identifier (OFAC's ent_num, the EU's logicalId).
    entry_id: str
    #: The listed name (primary name or alias) that matched best.
    matched_name: str
    score: float
    #: Why the score is what it is, for the case worker ("name 96.0, birth date agrees").
    reasons: tuple[str, ...] = ()


class Screener(Protocol):
    """Screens names in process. Synchronous: it is CPU work on lists held in memory."""

    def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        """Hits at or above the screener's threshold, best first."""
        ...


class AsyncScreener(Protocol):
    """Screens where the caller's event loop does not wait on the CPU it takes (see
    `worker.ScreeningWorker`): what the pre-transaction decider uses."""

    async def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        """Hits at or above the screener's threshold, best first."""
        ...
