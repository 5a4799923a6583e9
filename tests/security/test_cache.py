from __future__ import annotations

from strongroom.clock import ManualClock
from strongroom.security.cache import KeyCache


def test_least_recently_used_entry_is_dropped_past_the_bound() -> None:
    cache: KeyCache[str, int] = KeyCache(2, 10**9, ManualClock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_entries_expire_after_their_lifetime() -> None:
    clock = ManualClock()
    cache: KeyCache[str, int] = KeyCache(8, 10**9, clock)
    cache.put("a", 1)
    clock.advance(0.5)
    assert cache.get("a") == 1
    clock.advance(0.5)
    assert cache.get("a") is None
    assert len(cache) == 0


def test_evict_removes_an_entry() -> None:
    cache: KeyCache[str, int] = KeyCache(8, 10**9, ManualClock())
    cache.put("a", 1)
    cache.evict("a")
    cache.evict("missing")
    assert cache.get("a") is None
