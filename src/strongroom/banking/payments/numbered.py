"""Transfers numbered under a key: the n-th refund of a payment, the n-th part of a deposit.

The ledger is the record of how many there were: the n-th has an id derived from (key, n), so
the ones made so far are the ids that exist, read in one lookup. Whoever makes the next one runs
under the key's mutex, so two never take the same number; one that failed leaves its number to
the next.
"""

from __future__ import annotations

import uuid

from strongroom.ledger import Ledger, Transfer


class Numbered:
    def __init__(self, kind: str, most: int) -> None:
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"strongroom:banking:{kind}")
        #: How many one key may have: the lookup reads this many ids.
        self.most = most

    def id(self, key: uuid.UUID, number: int) -> uuid.UUID:
        """The id of the `number`-th (from 1) transfer under `key`."""
        return uuid.uuid5(self._namespace, f"{key}/{number}")

    async def made(self, ledger: Ledger, key: uuid.UUID) -> list[Transfer]:
        """The transfers under `key`, in the order they were numbered."""
        ids = [self.id(key, n) for n in range(1, self.most + 1)]
        found = {t.id: t for t in await ledger.lookup_transfers(ids)}
        return [found[i] for i in ids if i in found]
