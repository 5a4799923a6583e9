"""A small connection layer for the ledger's admin SQL (snapshots, repair) on either backend.

Queries are written once, PostgreSQL style (`$1`, no casts); SQLite runs them with `?1` numbered
parameters. UUIDs go in and come out as `uuid.UUID` on both. The snapshot and repair stores
(store/snapshots.py, store/repair.py) each run on an `AdminDb` of their own, so they never share
a connection with the batch engine.

Imports only strongroom.store.connections, strongroom.store.urls and the drivers; nothing from
the ledger.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal, Self

import aiosqlite
import asyncpg

from strongroom.store.connections import connect_sqlite, create_pg_pool
from strongroom.store.urls import DatabaseURL

Mode = Literal["read", "write"]
_PARAM = re.compile(r"\$(\d+)")


class AdminConn:
    """One connection inside one transaction."""

    def __init__(self, kind: Literal["sqlite", "postgresql"], raw: Any) -> None:
        self.kind = kind
        self._raw = raw

    @property
    def for_update(self) -> str:
        """Row locks: PostgreSQL locks rows; a SQLite write transaction already holds the file."""
        return " FOR UPDATE" if self.kind == "postgresql" else ""

    def id_arg(self, value: uuid.UUID) -> object:
        return value if self.kind == "postgresql" else value.bytes

    def id_out(self, value: Any) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=value)

    def ids(self, column: str, first: int, ids: Sequence[uuid.UUID]) -> tuple[str, list[object]]:
        """`column` is one of `ids`, as a condition whose parameters start at `$first`."""
        if self.kind == "postgresql":
            return f"{column} = ANY(${first}::uuid[])", [list(ids)]
        marks = ",".join(f"${first + n}" for n in range(len(ids)))
        return f"{column} IN ({marks})", [i.bytes for i in ids]

    def _args(self, args: Sequence[object]) -> list[object]:
        if self.kind == "postgresql":
            return list(args)
        return [a.bytes if isinstance(a, uuid.UUID) else a for a in args]

    async def fetch(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        if self.kind == "postgresql":
            return [tuple(r) for r in await self._raw.fetch(sql, *args)]
        async with self._raw.execute(_PARAM.sub(r"?\1", sql), self._args(args)) as cursor:
            return [tuple(r) for r in await cursor.fetchall()]

    async def fetchrow(self, sql: str, *args: object) -> tuple[Any, ...] | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def execute(self, sql: str, *args: object) -> int:
        """Run one statement; the number of rows it wrote."""
        if self.kind == "postgresql":
            status: str = await self._raw.execute(sql, *args)
            last = status.rsplit(" ", 1)[-1]
            return int(last) if last.isdigit() else 0
        async with self._raw.execute(_PARAM.sub(r"?\1", sql), self._args(args)) as cursor:
            return int(cursor.rowcount)

    async def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if not rows:
            return
        if self.kind == "postgresql":
            await self._raw.executemany(sql, rows)
        else:
            await self._raw.executemany(_PARAM.sub(r"?\1", sql), [self._args(r) for r in rows])


class AdminDb:
    """Connections for admin work: an asyncpg pool, or one SQLite connection in WAL mode."""

    def __init__(
        self,
        kind: Literal["sqlite", "postgresql"],
        pool: asyncpg.Pool | None,
        sqlite: aiosqlite.Connection | None,
    ) -> None:
        self.kind = kind
        self._pool = pool
        self._sqlite = sqlite
        # One SQLite connection carries one transaction at a time.
        self._sqlite_lock = asyncio.Lock()

    @classmethod
    async def open(cls, url: DatabaseURL) -> AdminDb:
        if url.kind == "postgresql":
            # Two connections: taking a snapshot needs one to hold the watermark lock while
            # the other starts its snapshot.
            return cls("postgresql", await create_pg_pool(url, max_size=3), None)
        return cls("sqlite", None, await connect_sqlite(url.target))

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "PostgreSQL only"
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
        if self._sqlite is not None:
            await self._sqlite.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self, mode: Mode) -> AsyncIterator[AdminConn]:
        """`read`: one consistent view (REPEATABLE READ; a SQLite read transaction sees whole
        batches). `write`: READ COMMITTED on PostgreSQL, the SQLite write lock."""
        if self._pool is not None:
            isolation = "repeatable_read" if mode == "read" else "read_committed"
            async with self._pool.acquire() as conn, conn.transaction(isolation=isolation):
                yield AdminConn("postgresql", conn)
            return
        db = self._sqlite
        assert db is not None
        async with self._sqlite_lock:
            await db.execute("BEGIN IMMEDIATE" if mode == "write" else "BEGIN")
            try:
                yield AdminConn("sqlite", db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")
