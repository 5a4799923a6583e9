"""A migrated database with the encryption store opened on it, over a fresh local key file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from strongroom.security.keyfile import LocalKeyFile
from strongroom.store.encryption import EncryptionStore
from strongroom.store.migrate import upgrade
from strongroom.store.urls import parse_url


@pytest.fixture
def key_file(tmp_path: Path) -> LocalKeyFile:
    return LocalKeyFile(tmp_path / "keys" / "strongroom.keys")


@pytest.fixture
async def encryption(db_url: str, key_file: LocalKeyFile) -> AsyncIterator[EncryptionStore]:
    url = parse_url(db_url)
    await upgrade(url)
    store = EncryptionStore.open(url, key_file)
    yield store
    await store.close()
