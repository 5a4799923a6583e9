from __future__ import annotations

import os

import pytest

from strongroom.security.blind_index import blind_index, field_key


def test_index_is_deterministic_per_key_and_value() -> None:
    key = field_key(os.urandom(32), "parties", "email")
    assert blind_index(key, "ada@example.com") == blind_index(key, "ada@example.com")
    assert blind_index(key, "ada@example.com") != blind_index(key, "bob@example.com")
    assert len(blind_index(key, "x")) == 8
    assert len(blind_index(key, "x", 16)) == 16


def test_each_field_and_tenant_gets_its_own_key() -> None:
    root_a, root_b = os.urandom(32), os.urandom(32)
    email_a = field_key(root_a, "parties", "email")
    assert email_a != field_key(root_a, "parties", "national_id")
    assert email_a != field_key(root_b, "parties", "email")
    assert email_a == field_key(root_a, "parties", "email")


def test_size_is_bounded() -> None:
    with pytest.raises(ValueError, match="between"):
        blind_index(os.urandom(32), "x", 2)
