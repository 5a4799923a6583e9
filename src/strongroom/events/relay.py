"""The outbox relay: publishes the events the ledger wrote to `outbox`, in id order, at least once.

Each round reads up to `batch_size` rows with `published_at IS NULL` (lowest ids first), with
the transfers they refer to (strongroom.events.transfer_refs), publishes their events, then sets
`published_at` on those rows. A crash between the publish and the mark publishes those rows
again on restart: JetStream drops them by `Nats-Msg-Id` inside its duplicate window and
idempotent consumers skip ids they have processed. A marker, not an id cursor, because on
PostgreSQL a transaction may commit an outbox row with a lower id than rows already published;
the relay picks such a row up on its next round instead of skipping it.

One relay is active per database (and relay name) at a time: on PostgreSQL it holds a
session-level advisory lock, keyed by schema and name, on the connection it works on; on SQLite
an exclusive `flock` on `<database file>.relay-<name>.lock`. Both are released by the operating
system or the server when the process dies, so a restarted or standby relay takes over at once.
Others wait as standbys, retrying every `standby_interval` seconds.

Imports strongroom.events (bus, schemas, tables, transfer_refs, database), strongroom.store.urls,
clock, errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator, Iterator
from typing import IO

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.clock import Clock, SystemClock
from strongroom.errors import StorageError, ValidationError
from strongroom.events.bus import Bus
from strongroom.events.database import open_engine
from strongroom.events.schemas import Envelope, decode_batch
from strongroom.events.transfer_refs import transfer_events
from strongroom.store.tables import outbox
from strongroom.store.urls import DatabaseURL, parse_url

log = logging.getLogger(__name__)

#: First key of the PostgreSQL advisory lock pair (the second hashes schema and relay name).
ADVISORY_LOCK_CLASS = 0x53524556  # "SREV"


class OutboxCorrupt(StorageError):
    """An outbox row that is not a JSON array of event envelopes, or whose transfer reference
    does not match the log. The relay stops at it."""

    code = "outbox_corrupt"


class Relay:
    def __init__(
        self,
        url: str | DatabaseURL,
        bus: Bus,
        *,
        name: str = "default",
        batch_size: int = 100,
        poll_interval: float = 0.2,
        retry_delay: float = 1.0,
        standby_interval: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValidationError("batch_size", "must be at least 1")
        self.url = parse_url(url) if isinstance(url, str) else url
        self.bus = bus
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retry_delay = retry_delay
        self.standby_interval = standby_interval
        self.clock = clock or SystemClock()
        #: Events published since this Relay was made (re-publishes after a failure included).
        self.published = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- running --------------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Run the relay as a background task of the current event loop."""
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self.name}")
        return self._task

    async def stop(self) -> None:
        """Finish the round in progress and return; the next relay resumes from the marker."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        """Relay until stop(): publish while rows are waiting, poll when there are none."""
        engine = open_engine(self.url, pooled=False)
        try:
            while not self._stop.is_set():
                try:
                    async with self._active(engine) as connection:
                        if connection is None:
                            await self._sleep(self.standby_interval)
                            continue
                        await self._relay_until_stopped(connection)
                except Exception as exc:
                    # The database or the bus failed (server away, a handler failing, a corrupt
                    # row): nothing unpublished was marked. Start over on a new connection.
                    log.error("outbox relay %s: %r; retrying", self.name, exc)
                    await self._sleep(self.retry_delay)
        finally:
            await engine.dispose()

    async def drain(self) -> int:
        """Publish every row waiting now, then return how many events went out.

        Raises RelayBusy when another relay is active.
        """
        engine = open_engine(self.url, pooled=False)
        total = 0
        try:
            async with self._active(engine) as connection:
                if connection is None:
                    raise RelayBusy(f"another relay named {self.name!r} is active")
                while True:
                    rows, events = await self._relay_round(connection)
                    if not rows:
                        break
                    total += events
        finally:
            await engine.dispose()
        return total

    async def _relay_until_stopped(self, connection: AsyncConnection) -> None:
        while not self._stop.is_set():
            rows, _ = await self._relay_round(connection)
            if rows < self.batch_size:
                await self._sleep(self.poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    # --- one round --------------------------------------------------------------------------

    async def _relay_round(self, connection: AsyncConnection) -> tuple[int, int]:
        """Publish the next batch of waiting rows and mark them; return (rows, events)."""
        events: list[Envelope] = []
        async with connection.begin():
            result = await connection.execute(
                sa.select(
                    outbox.c.id,
                    outbox.c.events,
                    outbox.c.transfers_from,
                    outbox.c.transfers_to,
                    outbox.c.origins,
                )
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.batch_size)
            )
            rows = result.all()
            for row_id, raw, first_seq, last_seq, origins in rows:
                try:
                    events.extend(decode_batch(bytes(raw)))
                    if first_seq is not None:
                        refs = b"[]" if origins is None else bytes(origins)
                        events.extend(await transfer_events(connection, first_seq, last_seq, refs))
                except ValidationError as exc:
                    raise OutboxCorrupt(f"outbox row {row_id}: {exc.reason}") from None
        if not rows:
            return 0, 0
        await self.bus.publish(events)
        self.published += len(events)
        async with connection.begin():
            await connection.execute(
                sa.update(outbox)
                .where(outbox.c.id.in_([row[0] for row in rows]))
                .values(published_at=self.clock.now_ns())
            )
        return len(rows), len(events)

    # --- exclusivity --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _active(self, engine: AsyncEngine) -> AsyncIterator[AsyncConnection | None]:
        """A connection while this relay is the active one, None while another is."""
        if self.url.kind == "postgresql":
            async with engine.connect() as connection:
                key = sa.func.hashtext(
                    sa.func.concat(sa.func.current_schema(), ":outbox-relay:", self.name)
                )
                locked = await connection.scalar(
                    sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_CLASS, key))
                )
                await connection.commit()
                # The lock belongs to this session; closing the connection (NullPool) frees it.
                yield connection if locked else None
            return
        with _file_lock(f"{self.url.target}.relay-{self.name}.lock") as held:
            if not held:
                yield None
                return
            async with engine.connect() as connection:
                yield connection


class RelayBusy(StorageError):
    """Another relay with the same name holds the database's relay lock."""

    code = "relay_busy"


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
