"""How the batch engine runs: `EngineSettings`, and the defaults each backend gets.

Plain data; imports no stage of the engine and nothing that reaches a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from strongroom.ledger.buckets import SplitSettings


@dataclass(frozen=True, slots=True)
class EngineSettings:
    #: Most transfers in one database transaction (several callers' calls together).
    max_batch: int = 8190 * 2
    #: Extra time a worker waits for more callers before it runs a small batch. Zero is best
    #: under load: callers that arrive while a batch is in flight form the next one anyway.
    max_wait: float = 0.0
    #: Batches in flight at once (one transaction and connection each).
    workers: int = 1
    #: With several workers free, each takes an equal share of the queue, but not less.
    min_share: int = 500
    #: Most due pending transfers one batch expires.
    expire_per_batch: int = 1000
    #: Splitting hot accounts over several bucket rows (strongroom.ledger.buckets).
    split: SplitSettings = field(default_factory=SplitSettings)
    #: How often the engine re-reads which accounts are split, in seconds.
    bucket_refresh_seconds: float = 1.0
    #: Most accounts whose static fields (ledger, flags, tenant, status) a process keeps.
    account_cache: int = 200_000
    #: After a batch reused a stored transfer id, batches look their ids up before the rules
    #: for this long (seconds); otherwise only refused transfers' ids are looked up, and the
    #: log's unique index catches the rest (docs/ledger-engine.md, "Idempotency").
    probe_ids_seconds: float = 10.0


def default_engine(kind: str) -> EngineSettings:
    """The engine settings a ledger on `kind` ("sqlite" or "postgresql") runs with."""
    if kind == "sqlite":
        # Two workers: one batch runs its rules while the other writes (engine/chain.py).
        # One writer: splitting an account cannot let two batches write at once there.
        return EngineSettings(workers=2, split=SplitSettings(enabled=False))
    return EngineSettings(workers=2)
