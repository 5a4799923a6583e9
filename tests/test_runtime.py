"""strongroom.runtime: the garbage collector settings of Strongroom's own processes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from strongroom.runtime import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restore_gc")
def test_settling_freezes_what_lives_now_and_raises_only_the_young_threshold() -> None:
    _, middle, old = gc.get_threshold()
    survivor = [object()]
    settle_heap()
    assert gc.get_threshold() == (YOUNG_THRESHOLD, middle, old)
    assert not any(o is survivor for o in gc.get_objects())
    later = [object()]
    assert any(o is later for o in gc.get_objects())
