"""The one way Strongroom reaches a database: connection settings per backend, in one place.

Every component connects through these functions, so a SQLite file is always opened with the
same pragmas and busy timeout, and a PostgreSQL connection always gets the URL's schema on its
search_path. The ledger's SQLite writer adds its own cache and checkpoint pragmas on top
(strongroom.store.sqlite); nothing else sets connection options.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import Connection, event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from strongroom.store.urls import DatabaseURL

#: How long a SQLite connection waits for another connection's write lock before failing with
#: "database is locked". Writers hold it for one batch, milliseconds; a long wait means a stuck
#: process, and failing is better than queueing forever behind it.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Every SQLite connection: WAL lets readers run beside the one writer; FULL keeps a committed
#: transaction through a power loss, not only a process crash.
SQLITE_PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
)

#: A read-only SQLite connection: it can never take the write lock by mistake.
SQLITE_READER_PRAGMAS: tuple[str, ...] = (
    "PRAGMA query_only = ON",
    f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
)


def pg_server_settings(url: DatabaseURL) -> dict[str, str]:
    """Session settings of every PostgreSQL connection to `url`."""
    return {"search_path": url.schema} if url.schema else {}


async def connect_sqlite(
    path: str, *, read_only: bool = False, extra: Sequence[str] = ()
) -> aiosqlite.Connection:
    """A SQLite connection in autocommit mode (transactions are begun explicitly), with the
    shared pragmas and then `extra`."""
    db = await aiosqlite.connect(path, isolation_level=None)
    for pragma in (*(SQLITE_READER_PRAGMAS if read_only else SQLITE_PRAGMAS), *extra):
        await db.execute(pragma)
    return db


async def create_pg_pool(
    url: DatabaseURL, *, min_size: int = 1, max_size: int = 8, session_state: bool = True
) -> asyncpg.Pool:
    """An asyncpg pool on `url`'s database, every connection on the URL's schema.

    `session_state=False` is for users that keep nothing in the session (only transaction-scoped
    locks and `SET LOCAL`): a released connection then only has its open transaction rolled
    back, instead of a reset query that costs a round trip on every release.
    """
    pool: asyncpg.Pool = await asyncpg.create_pool(
        url.target,
        min_size=min_size,
        max_size=max_size,
        server_settings=pg_server_settings(url),
        reset=None if session_state else _keep_session,
    )
    return pool


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Nothing beyond what asyncpg always does on release (roll back an open transaction)."""


class LazyPgPool:
    """A store's own asyncpg pool for its hot path, opened on first use (a store whose hot path
    never runs opens none): asyncpg with no SQL toolkit in between costs a fifth of the CPU per
    statement. Nothing kept in the session (see `create_pg_pool`'s `session_state`)."""

    def __init__(self, url: DatabaseURL, *, max_size: int = 8) -> None:
        self._url = url
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> asyncpg.Pool:
        async with self._lock:
            if self._pool is None:
                self._pool = await create_pg_pool(
                    self._url, max_size=self._max_size, session_state=False
                )
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


class HotConnections:
    """PostgreSQL connections for a store's hottest statements, opened on first use and lent to
    one caller at a time: what asyncpg's Pool does (`LazyPgPool`), without the task and the
    timeout machinery its every release runs, which cost ~50 µs of CPU per statement, more than
    a small statement itself (docs/performance.md, "Compliance decisions"). At most `max_size`
    are open; one that a caller's statement failed or was cancelled on is closed, not lent
    again (its state is unknown). Nothing is kept in the session."""

    def __init__(self, url: DatabaseURL, *, max_size: int = 8) -> None:
        self._url = url
        self._slots = asyncio.Semaphore(max_size)
        self._idle: list[asyncpg.Connection] = []
        self._open: set[asyncpg.Connection] = set()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self._connect()
            try:
                yield connection
            except BaseException:
                self._discard(connection)
                raise
            if connection.is_closed() or connection.is_in_transaction():
                self._discard(connection)
            else:
                self._idle.append(connection)

    def _discard(self, connection: asyncpg.Connection) -> None:
        self._open.discard(connection)
        connection.terminate()

    async def _connect(self) -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(
            self._url.target, server_settings=pg_server_settings(self._url)
        )
        self._open.add(connection)
        return connection

    async def close(self) -> None:
        opened, self._open = self._open, set()
        self._idle.clear()
        for connection in opened:
            await connection.close()


def sqlalchemy_engine(url: DatabaseURL, *, pooled: bool = True) -> AsyncEngine:
    """A SQLAlchemy async engine for the cold paths (keys, products, events, migrations).

    `pooled=False` gives every connect() its own server session, closed on release: what a
    holder of session-level advisory locks needs.
    """
    connect_args: dict[str, object] = {}
    if url.kind == "postgresql":
        connect_args["server_settings"] = pg_server_settings(url)
    options: dict[str, Any] = {} if pooled else {"poolclass": NullPool}
    engine = create_async_engine(url.sqlalchemy_url(), connect_args=connect_args, **options)
    if url.kind == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A write transaction on `engine`: committed when the block ends, rolled back if it raises;
    on SQLite (with `sqlite_write_transactions`) holding the write lock from its BEGIN."""
    async with engine.connect() as connection:
        writing = await connection.execution_options(strongroom_write=True)
        async with writing.begin():
            yield writing


def sqlite_write_transactions(engine: AsyncEngine) -> None:
    """SQLite: a transaction begun on a connection with the execution option
    `strongroom_write=True` takes the write lock at BEGIN (BEGIN IMMEDIATE), so a
    read-then-write never fails halfway on a lock upgrade."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("strongroom_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
