"""The `outbox` table as the relay sees it: waiting rows, the transfers they refer to, the mark,
the single-relay lock, status and pruning.

Implements strongroom.events.ports.Outbox on either backend. Only one relay (per database and
relay name) is granted the outbox at a time: on PostgreSQL it holds a session-level advisory
lock, keyed by schema and name, on the connection it then works on; on SQLite an exclusive
`flock` on `<database file>.relay-<name>.lock`. The server or the operating system releases
both when the process dies. May import strongroom.events' ports; never services, api or cli.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import IO

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.events.ports import LoggedTransfer, OutboxStatus, RelaySession, WaitingRow
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import outbox, transfers
from strongroom.store.urls import DatabaseURL

#: First key of the PostgreSQL advisory lock pair (the second hashes schema and relay name).
ADVISORY_LOCK_CLASS = 0x53524556  # "SREV"

_WAITING = (
    sa.select(
        outbox.c.id,
        outbox.c.events,
        outbox.c.transfers_from,
        outbox.c.transfers_to,
        outbox.c.origins,
    )
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.id)
)

_TRANSFER_COLUMNS = (
    transfers.c.seq,
    transfers.c.id,
    transfers.c.tenant,
    transfers.c.debit_account_id,
    transfers.c.credit_account_id,
    transfers.c.amount,
    transfers.c.ledger,
    transfers.c.code,
    transfers.c.flags,
    transfers.c.pending_id,
    transfers.c.timeout,
    # jsonb on PostgreSQL, text on SQLite: text on both.
    sa.cast(transfers.c.metadata, sa.Text),
    transfers.c.timestamp,
)


class SqlOutbox:
    def __init__(self, url: DatabaseURL) -> None:
        self.url = url
        # Unpooled: each relay session is a server session of its own, closed on release, which
        # is what frees a session-level advisory lock.
        self.engine = sqlalchemy_engine(url, pooled=False)

    @contextlib.asynccontextmanager
    async def activate(self, relay_name: str) -> AsyncIterator[RelaySession | None]:
        if self.url.kind == "postgresql":
            async with self.engine.connect() as connection:
                key = sa.func.hashtext(
                    sa.func.concat(sa.func.current_schema(), ":outbox-relay:", relay_name)
                )
                locked = await connection.scalar(
                    sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_CLASS, key))
                )
                await connection.commit()
                yield _Session(connection) if locked else None
            return
        with _file_lock(f"{self.url.target}.relay-{relay_name}.lock") as held:
            if not held:
                yield None
                return
            async with self.engine.connect() as connection:
                yield _Session(connection)

    async def status(self) -> OutboxStatus:
        unpublished = outbox.c.published_at.is_(None)
        async with self.engine.connect() as connection:
            waiting, oldest = (
                await connection.execute(
                    sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(unpublished)
                )
            ).one()
            published, last = (
                await connection.execute(
                    sa.select(sa.func.count(), sa.func.max(outbox.c.published_at)).where(
                        ~unpublished
                    )
                )
            ).one()
        return OutboxStatus(int(waiting), oldest, int(published), last)

    async def prune(self, published_before: int) -> int:
        async with self.engine.begin() as connection:
            result = await connection.execute(
                sa.delete(outbox).where(
                    outbox.c.published_at.is_not(None), outbox.c.published_at < published_before
                )
            )
        return int(result.rowcount)

    async def close(self) -> None:
        await self.engine.dispose()


class _Session:
    """The relay's connection while it is the active relay; also each round's reader."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @contextlib.asynccontextmanager
    async def round(self) -> AsyncIterator[_Session]:
        async with self._connection.begin():
            yield self

    async def waiting(self, limit: int) -> list[WaitingRow]:
        result = await self._connection.execute(_WAITING.limit(limit))
        return [
            WaitingRow(
                row_id,
                bytes(events),
                None if first is None or last is None else (first, last),
                None if origins is None else bytes(origins),
            )
            for row_id, events, first, last, origins in result
        ]

    async def transfers_between(self, first_seq: int, last_seq: int) -> list[LoggedTransfer]:
        result = await self._connection.execute(
            sa.select(*_TRANSFER_COLUMNS)
            .where(transfers.c.seq.between(first_seq, last_seq))
            .order_by(transfers.c.seq)
        )
        return [LoggedTransfer._make(row) for row in result]

    async def mark_published(self, row_ids: Sequence[int], published_at: int) -> None:
        async with self._connection.begin():
            await self._connection.execute(
                sa.update(outbox).where(outbox.c.id.in_(row_ids)).values(published_at=published_at)
            )


@contextlib.contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    handle: IO[bytes] = open(path, "ab")  # noqa: SIM115 - held for the life of the lock
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
