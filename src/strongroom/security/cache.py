"""A bounded, time-limited LRU of unwrapped data keys, so the hot path never calls the provider.

Unwrapping costs a provider call (a KMS or Vault round trip in production), far more than the
AES-GCM work on a record. Keys stay at most `ttl_ns` so that a key destroyed by another process
(crypto-shredding) stops decrypting here within that time; the process that destroys a key
evicts it at once.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from strongroom.clock import Clock, SystemClock

K = TypeVar("K")
V = TypeVar("V")


class KeyCache(Generic[K, V]):
    def __init__(self, maxsize: int, ttl_ns: int, clock: Clock | None = None) -> None:
        if maxsize < 1 or ttl_ns < 1:
            raise ValueError("a key cache needs room for one entry and a positive lifetime")
        self.maxsize = maxsize
        self.ttl_ns = ttl_ns
        self._clock = clock or SystemClock()
        self._entries: OrderedDict[K, tuple[int, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock.now_ns() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._entries[key] = (self._clock.now_ns() + self.ttl_ns, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def evict(self, key: K) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)
