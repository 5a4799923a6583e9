"""How Strongroom's own long-running processes set up the garbage collector.

The ledger allocates a few objects per transfer that live as long as their batch (tens of
milliseconds). With CPython's default young-generation threshold (700 allocations) nearly all
of them survive a collection or two and reach the oldest generation, which then triggers a
full collection every few batches: ~20 full collections (40-60 ms pauses each) per 300,000
transfers, and ~10% of the process's CPU (docs/performance.md). What is loaded at start-up
(modules, classes, constants) lives as long as the process: frozen, no collection rescans it.

Applications that embed the ledger in their own process decide this for themselves; the
`strongroom` command, its server workers and its benchmark processes call `settle_heap`.

Imports nothing from Strongroom.
"""

from __future__ import annotations

import gc

#: Allocations between young-generation collections (CPython's default is 700).
YOUNG_THRESHOLD = 10_000


def settle_heap() -> None:
    """Freeze every object alive now and collect the young generation less often. Call it when
    start-up is done; calling it again later freezes what start-up added since."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
