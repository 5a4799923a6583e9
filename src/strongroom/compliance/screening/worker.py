"""`ScreeningWorker`: the screenings of names not screened before, done in a process of their
own, so that the event loop deciding payments never waits on one.

A query a screener has not answered before costs 0.1 to ~5 ms of CPU (a name in a dense
cluster of the lists scores hundreds of candidates); on the event loop every decision queued
behind it waits as long. The worker process holds its own index of the lists in force
(`ScreeningLists.current`), built from the lists the parent loaded (sent over its standard
input, not read again from the files), and answers batches of queries; each answer is kept by
the in-process screener of those lists, so a query crosses the pipe once per lists version.
One batch is in flight at a time: the queries arriving meanwhile go together in the next.

Answers are always those of the lists in force; the worker only moves the CPU. Until the worker
has built its index (a second or two after the first query, and again after a reload), and
after it died, queries are screened in process; a worker that died or failed to start is
started again by the first query `RETRY_AFTER` seconds later, or by `start()`.
"""

from __future__ import annotations

import asyncio
import signal
import struct
import sys
import time
from typing import TYPE_CHECKING, BinaryIO

import msgspec

from strongroom.compliance.screening.matcher import NameScreener
from strongroom.compliance.screening.types import Hit, NameQuery, Screener
from strongroom.compliance.screening.watchlist import WatchList
from strongroom.logging import get_logger

if TYPE_CHECKING:
    from strongroom.compliance.screening.reloading import ScreeningLists

_log = get_logger(__name__)
#: Queries sent in one batch at most.
MAX_BATCH = 256
#: Seconds a worker has to build its index before it is given up.
START_TIMEOUT = 120.0
#: Seconds after a worker failed to start or died before a query starts another (`start()`
#: does at once): a worker that cannot run must not cost an index build per query.
RETRY_AFTER = 30.0
_READY = b"ready"
# Every message is its length (4 bytes, big-endian), then its bytes.
_LENGTH = struct.Struct(">I")
_encode = msgspec.msgpack.Encoder().encode
_decode_lists = msgspec.msgpack.Decoder(list[WatchList]).decode
_decode_queries = msgspec.msgpack.Decoder(list[NameQuery]).decode
_decode_answers = msgspec.msgpack.Decoder(list[tuple[Hit, ...]]).decode


def serve(requests: BinaryIO, answers: BinaryIO, threshold: float, max_hits: int) -> None:
    """The worker process: index the lists it is sent, then answer batches until its input
    ends (the parent closed it, or is gone)."""

    def receive() -> bytes | None:
        head = requests.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return None
        return requests.read(_LENGTH.unpack(head)[0])

    def send(message: bytes) -> None:
        answers.write(_LENGTH.pack(len(message)) + message)
        answers.flush()

    lists = receive()
    if lists is None:
        return
    screener = NameScreener(_decode_lists(lists), threshold, max_hits)
    send(_READY)
    while (batch := receive()) is not None:
        send(_encode([screener.screen(query) for query in _decode_queries(batch)]))


class _Process:
    """A started worker and the screener whose lists it holds."""

    def __init__(self, process: asyncio.subprocess.Process, lists: NameScreener) -> None:
        self.process = process
        self.lists = lists
        assert process.stdin is not None
        assert process.stdout is not None
        self.stdin = process.stdin
        self.stdout = process.stdout
        self.reader: asyncio.Task[None] | None = None

    def send(self, message: bytes) -> None:
        self.stdin.write(_LENGTH.pack(len(message)) + message)

    async def receive(self) -> bytes:
        head = await self.stdout.readexactly(_LENGTH.size)
        return await self.stdout.readexactly(_LENGTH.unpack(head)[0])

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.process.returncode is None:
            self.process.kill()
        # Its pipes close and it is reaped when it has exited (asyncio's child watcher).
        self.stdin.close()


class ScreeningWorker:
    """Screens through `lists` (see the module docstring): `await screen(query)`."""

    def __init__(self, lists: ScreeningLists) -> None:
        self.lists = lists
        self._worker: _Process | None = None
        self._starting: asyncio.Task[None] | None = None
        #: The screener the worker being started indexes.
        self._starting_for: NameScreener | None = None
        # Queries waiting for the worker's answer, each with the future its askers await.
        self._waiting: dict[NameQuery, asyncio.Future[tuple[Hit, ...]]] = {}
        self._queued: list[NameQuery] = []
        self._in_flight: list[NameQuery] = []
        # time.monotonic() before which no query starts a worker (one failed or died).
        self._retry_at = 0.0
        #: Queries the worker answered, queries screened in process (the worker not ready), and
        #: workers started.
        self.sent = 0
        self.in_process = 0
        self.starts = 0

    @property
    def pid(self) -> int | None:
        """The worker process in use, if one is."""
        return None if self._worker is None else self._worker.process.pid

    @property
    def ready(self) -> bool:
        """Whether queries on the lists in force go to the worker."""
        return self._worker is not None and self._worker.lists is self.lists.current

    async def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        """Hits at or above the lists' threshold, best first (`NameScreener.screen`)."""
        current = self.lists.current
        found = current.kept(query)
        if found is not None:
            return found
        if not self.ready:
            if time.monotonic() >= self._retry_at:
                self._start(current)
            return self._in_process(query)
        future = self._waiting.get(query)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[query] = future
            self._queued.append(query)
            if not self._in_flight:
                self._send()
        # Shielded: an asker that gives up (a decision's timeout) leaves the answer to the rest.
        return await asyncio.shield(future)

    async def start(self) -> None:
        """Start the worker for the lists in force and wait until it is ready (queries start it
        anyway: this is for a process that wants it ready before its first)."""
        while not self.ready:
            self._start(self.lists.current)
            assert self._starting is not None
            await asyncio.shield(self._starting)

    async def close(self) -> None:
        """Stop the worker; queries still waiting are screened in process."""
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        worker = self._worker
        self._retire()
        if worker is not None:
            # Its pipes close with it: before this loop does, not after.
            await worker.process.wait()

    def _send(self) -> None:
        worker = self._worker
        assert worker is not None
        self._in_flight = self._queued[:MAX_BATCH]
        del self._queued[:MAX_BATCH]
        worker.send(_encode(self._in_flight))

    async def _read(self, worker: _Process) -> None:
        """The worker's answers, one per batch sent, until it is gone."""
        try:
            while True:
                answers = _decode_answers(await worker.receive())
                batch, self._in_flight = self._in_flight, []
                for query, hits in zip(batch, answers, strict=True):
                    worker.lists.keep(query, hits)
                    self._resolve(query, hits)
                self.sent += len(batch)
                if self._queued:
                    self._send()
        except (asyncio.IncompleteReadError, ConnectionError, msgspec.DecodeError) as error:
            _log.warning("the screening worker is gone", error=repr(error))
            if self._worker is worker:
                self._retry_at = time.monotonic() + RETRY_AFTER
                self._retire()

    def _resolve(self, query: NameQuery, hits: tuple[Hit, ...]) -> None:
        future = self._waiting.pop(query, None)
        if future is not None and not future.done():
            future.set_result(hits)

    def _retire(self) -> None:
        """Stop the worker in use, if any; what it had to answer is screened in process."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.stop()
        left = self._in_flight + self._queued
        self._in_flight, self._queued = [], []
        for query in left:
            self._resolve(query, self._in_process(query))

    def _in_process(self, query: NameQuery) -> tuple[Hit, ...]:
        self.in_process += 1
        return self.lists.current.screen(query)

    def _start(self, lists: NameScreener) -> None:
        """Start a worker for `lists` in the background, unless one is being started for it."""
        if self._starting is not None:
            if self._starting_for is lists:
                return
            self._starting.cancel()
        self._starting_for = lists
        self.starts += 1
        self._starting = asyncio.create_task(self._started(lists), name="screening-worker")
        self._starting.add_done_callback(self._start_done)

    def _start_done(self, task: asyncio.Task[None]) -> None:
        if task is self._starting:
            self._starting = self._starting_for = None
        if not task.cancelled() and task.exception() is not None:
            self._retry_at = time.monotonic() + RETRY_AFTER
            _log.warning("the screening worker did not start", error=repr(task.exception()))

    async def _started(self, lists: NameScreener) -> None:
        process = await asyncio.create_subprocess_exec(
            *worker_command(lists.threshold, lists.max_hits),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        worker = _Process(process, lists)
        try:
            worker.send(_encode(list(lists.index.lists)))
            async with asyncio.timeout(START_TIMEOUT):
                await worker.stdin.drain()
                ready = await worker.receive()
            if ready != _READY:
                raise RuntimeError(f"the screening worker answered {ready!r} when starting")
        except BaseException:
            worker.stop()
            await asyncio.shield(worker.process.wait())
            raise
        self._retire()
        self._worker = worker
        worker.reader = asyncio.create_task(self._read(worker), name="screening-worker-answers")
        _log.info("screening worker ready", pid=process.pid)


def worker_command(threshold: float, max_hits: int) -> list[str]:
    """The worker process's command line: this module run by this interpreter."""
    return [sys.executable, "-m", __name__, str(threshold), str(max_hits)]


class InProcessScreening:
    """The `AsyncScreener` that screens on the caller's event loop: for a process that keeps no
    worker (the `screening_worker` setting off)."""

    def __init__(self, screener: Screener) -> None:
        self.screener = screener

    async def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        return self.screener.screen(query)

    async def close(self) -> None:
        """Nothing to stop (the same interface as the worker's)."""


if __name__ == "__main__":
    # The parent stops it; an interrupt at a terminal is the parent's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = sys.stdout.buffer
    # Whatever else prints goes to standard error, never into the answers.
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, answers, float(sys.argv[1]), int(sys.argv[2]))
