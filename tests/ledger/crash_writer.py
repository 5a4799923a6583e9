"""Child process for the kill -9 test: writes numbered batches until it is killed.

Usage: python -m tests.ledger.crash_writer URL DEBIT_ID CREDIT_ID BATCH_SIZE
Prints the number of each batch after it committed.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from strongroom.bootstrap import open_ledger
from strongroom.ids import new_id
from strongroom.ledger import Transfer


async def main(url: str, debit: uuid.UUID, credit: uuid.UUID, size: int) -> None:
    ledger = await open_ledger(url, migrate=False, sweep_interval=None)
    number = 0
    while True:
        batch = [
            Transfer(
                id=new_id(),
                debit_account_id=debit,
                credit_account_id=credit,
                amount=1,
                ledger="USD",
                code=1,
                metadata={"batch": number},
            )
            for _ in range(size)
        ]
        results = await ledger.create_transfers(batch)
        assert {r.value for r in results} == {"ok"}
        print(number, flush=True)
        number += 1


if __name__ == "__main__":
    url, debit, credit, size = sys.argv[1:5]
    asyncio.run(main(url, uuid.UUID(debit), uuid.UUID(credit), int(size)))
