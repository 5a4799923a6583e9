"""`ScreeningLists`: the watch lists in force, reloaded from their files without a pause.

`reload()` loads every configured file and builds a new index beside the one in force, then
swaps it in with one assignment: a screening holds the screener it started with, so it finishes
on the old lists while the next one starts on the new. A file that fails to load raises its
`ListFileError` and leaves the lists in force as they were. Loading is CPU work of a second or
so for 20,000 entries: call `reload()` off the event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from strongroom.clock import Clock
from strongroom.compliance.screening.lists import load_eu, load_ofac
from strongroom.compliance.screening.matcher import DEFAULT_THRESHOLD, MAX_HITS, NameScreener
from strongroom.compliance.screening.types import Hit, NameQuery
from strongroom.compliance.screening.watchlist import WatchList


@dataclass(frozen=True, slots=True)
class OfacSource:
    name: str
    sdn: Path
    alt: Path | None = None
    add: Path | None = None

    def load(self) -> WatchList:
        return load_ofac(self.name, self.sdn, self.alt, self.add)


@dataclass(frozen=True, slots=True)
class EuSource:
    name: str
    path: Path

    def load(self) -> WatchList:
        return load_eu(self.name, self.path)


ListSource = OfacSource | EuSource


class ListStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One list in force, for the "lists" status view."""

    name: str
    entries: int
    #: Nanoseconds since the epoch.
    loaded_at: int
    #: sha256 of its files (see `lists.digest_files`).
    digest: str


class ScreeningLists:
    """The `Screener` over the configured lists in force; see the module docstring. Empty
    (screening finds nothing) until the first `reload()`."""

    def __init__(
        self,
        sources: Sequence[ListSource],
        clock: Clock,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        max_hits: int = MAX_HITS,
    ) -> None:
        self.sources = tuple(sources)
        self.clock = clock
        self.threshold = threshold
        self.max_hits = max_hits
        # One attribute, so a reader sees a screener with its own status.
        self._current: tuple[NameScreener, tuple[ListStatus, ...]] = (
            NameScreener([], threshold, max_hits),
            (),
        )
        self._reloading = threading.Lock()

    @property
    def current(self) -> NameScreener:
        """The screener over the lists in force: a caller holding it keeps those lists."""
        return self._current[0]

    def screen(self, query: NameQuery) -> tuple[Hit, ...]:
        return self._current[0].screen(query)

    def status(self) -> tuple[ListStatus, ...]:
        return self._current[1]

    def reload(self) -> tuple[ListStatus, ...]:
        """Load the configured files and put them in force; their status. Raises
        `ListFileError` (the lists in force unchanged) if a file does not load."""
        # Two reloads at once would each build an index; the later swap would win anyway.
        with self._reloading:
            lists = [source.load() for source in self.sources]
            screener = NameScreener(lists, self.threshold, self.max_hits)
            now = self.clock.now_ns()
            status = tuple(
                ListStatus(name=w.name, entries=len(w.entries), loaded_at=now, digest=w.digest)
                for w in lists
            )
            self._current = (screener, status)
            return status
