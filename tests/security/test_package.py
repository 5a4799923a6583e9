"""The deliberate public surface of the platform packages this area adds."""

from __future__ import annotations

from types import ModuleType

import pytest

import strongroom.locks
import strongroom.security


@pytest.mark.parametrize("package", [strongroom.security, strongroom.locks])
def test_public_names_are_sorted_and_resolve(package: ModuleType) -> None:
    names = package.__all__
    assert names == sorted(names)
    for name in names:
        assert getattr(package, name) is not None
