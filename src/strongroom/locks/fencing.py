"""Fencing: a guarded resource accepts a write only with a token at least as high as the highest
it has seen, so a holder whose lease was lost cannot overwrite its successor's work.

Call `check_fence` inside the transaction that performs the guarded write: the upsert on
`fenced_writes` row-locks the resource until commit, and a refused token raises StaleToken so
the caller's transaction (and its write) rolls back. Works on SQLite and PostgreSQL; the table
comes from migration 0002_security.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.locks.base import StaleToken

FENCE = sa.text(
    "INSERT INTO fenced_writes (resource, token) VALUES (:resource, :token)"
    " ON CONFLICT (resource) DO UPDATE SET token = excluded.token"
    " WHERE fenced_writes.token <= excluded.token"
    " RETURNING token"
)


async def check_fence(connection: AsyncConnection, resource: str, token: int) -> None:
    """Record `token` for `resource`, or raise StaleToken if a higher one was seen before."""
    accepted = await connection.execute(FENCE, {"resource": resource, "token": token})
    if accepted.first() is None:
        raise StaleToken(resource, token)
